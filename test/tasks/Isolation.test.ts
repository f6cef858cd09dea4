/**
 * Task isolation (MCP 2025-11-25 security rules): a task belongs to its session, or to the
 * principal when there is one; anyone else gets -32602 exactly as for an unknown id, and
 * `tasks/list` shows only the caller's tasks. Also `tasks/list` pagination.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { components, options } from "../../examples/everything-server.ts"
import { Middleware, McpServer, type Principal } from "../../src/index.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
import { connect, connectRaw, sdk, sdkError } from "../server/McpServerHarness.ts"
import {
  callAsTask,
  cancelTask,
  everything,
  getTask,
  listTasks,
  rawCaller,
  toolTaskResult,
  untilTerminal
} from "./support.ts"

/** A principal per client: the client name up to its first "-" ("alice-1", "alice-2" → "alice"). */
const Auth = McpServer.middleware(Middleware.make("auth", {
  onRequest: (request, context, next) => {
    const name = context.clientInfo?.name
    if (name === undefined) return next(request)
    const principal: Principal = { subject: name.split("-")[0]!, scopes: [], claims: {} }
    return next(request, context.with({ principal }))
  }
}))

describe("isolation", () => {
  it.live("sessions without a principal: B cannot get, await or cancel A's task; each lists only its own", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const a = yield* connect(server)
      const b = yield* connect(server)
      const { task } = yield* callAsTask(a.client, "test_task_slow", { ms: 2_000, steps: 20 })
      const { task: mine } = yield* callAsTask(b.client, "test_task_slow", { ms: 0 })
      assert.strictEqual((yield* sdkError(() => b.client.experimental.tasks.getTask(task.taskId))).code, -32602)
      assert.strictEqual((yield* sdkError(() => b.client.experimental.tasks.getTaskResult(task.taskId))).code, -32602)
      assert.strictEqual((yield* sdkError(() => b.client.experimental.tasks.cancelTask(task.taskId))).code, -32602)
      // The same error as for an id that never existed: nothing tells B the task exists.
      const unknown = yield* sdkError(() => b.client.experimental.tasks.getTask("AAAAAAAAAAAAAAAAAAAAAA"))
      const foreign = yield* sdkError(() => b.client.experimental.tasks.getTask(task.taskId))
      assert.strictEqual(foreign.message.replace(task.taskId, "ID"), unknown.message.replace("AAAAAAAAAAAAAAAAAAAAAA", "ID"))
      // B's failed cancel did not touch A's task.
      assert.strictEqual((yield* getTask(a.client, task.taskId)).status, "working")
      const listA = yield* listTasks(a.client)
      const listB = yield* listTasks(b.client)
      assert.deepStrictEqual(listA.tasks.map((t) => t.taskId), [task.taskId])
      assert.deepStrictEqual(listB.tasks.map((t) => t.taskId), [mine.taskId])
      // A can still cancel it.
      assert.strictEqual((yield* cancelTask(a.client, task.taskId)).status, "cancelled")
    }))

  it.live("with a principal: sessions of the same principal share tasks; another principal sees none", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, Auth)
      const alice1 = yield* connect(server, { name: "alice-1" })
      const alice2 = yield* connect(server, { name: "alice-2" })
      const bob = yield* connect(server, { name: "bob" })
      const { task: slow } = yield* callAsTask(alice1.client, "test_task_slow", { ms: 2_000, steps: 20 })
      const { task: quick } = yield* callAsTask(alice1.client, "test_task_slow", { ms: 0 })
      // alice's second session sees both, awaits one, cancels the other
      assert.strictEqual((yield* getTask(alice2.client, slow.taskId)).status, "working")
      const result = yield* toolTaskResult(alice2.client, quick.taskId)
      assert.strictEqual((result.content[0] as any).text, "done")
      const listed = yield* listTasks(alice2.client)
      assert.deepStrictEqual(listed.tasks.map((t) => t.taskId), [slow.taskId, quick.taskId])
      // bob sees nothing of alice's
      assert.strictEqual((yield* sdkError(() => bob.client.experimental.tasks.getTask(slow.taskId))).code, -32602)
      assert.strictEqual((yield* sdkError(() => bob.client.experimental.tasks.getTaskResult(quick.taskId))).code, -32602)
      assert.strictEqual((yield* sdkError(() => bob.client.experimental.tasks.cancelTask(slow.taskId))).code, -32602)
      assert.deepStrictEqual((yield* listTasks(bob.client)).tasks, [])
      // alice's other session cancels the task created by the first
      assert.strictEqual((yield* cancelTask(alice2.client, slow.taskId)).status, "cancelled")
      assert.strictEqual((yield* untilTerminal(alice1.client, slow.taskId)).status, "cancelled")
    }))
})

describe("tasks/list", () => {
  it.live("pages with listPageSize, oldest first, every task exactly once", () =>
    Effect.gen(function*() {
      const server = yield* everything({ listPageSize: 2 })
      const { client } = yield* connect(server)
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) ids.push((yield* callAsTask(client, "test_task_slow", { ms: i === 4 ? 2_000 : 0 })).task.taskId)
      const seen: Array<string> = []
      const sizes: Array<number> = []
      let cursor: string | undefined
      do {
        const page = yield* listTasks(client, cursor)
        sizes.push(page.tasks.length)
        for (const task of page.tasks) {
          seen.push(task.taskId)
          assert.isString(task.createdAt)
          assert.isString(task.status)
        }
        cursor = page.nextCursor
      } while (cursor !== undefined && sizes.length < 10)
      assert.deepStrictEqual(sizes, [2, 2, 1])
      assert.deepStrictEqual(seen, ids)
    }))

  it.live("an invalid cursor answers -32602", () =>
    Effect.gen(function*() {
      const server = yield* everything({ listPageSize: 2 })
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      for (const cursor of ["garbage", "", "!!!", "eyJub3QiOiJvdXJzIn0"]) {
        const answer = yield* Effect.promise(() => call("tasks/list", { cursor }))
        assert.strictEqual(answer.error?.code, -32602, JSON.stringify(cursor))
      }
    }))

  it.live("a cursor is tasks/list's and its server's: one of another list or of another server is -32602; a replica's is taken", () =>
    Effect.gen(function*() {
      // Two servers of one name (replicas) share a store and a principal's tasks; a third has another name.
      const store = yield* Layer.build(TaskStore.layerMemory())
      const serve = (name: string) =>
        Effect.map(
          Layer.build(
            Layer.provideMerge(
              Layer.merge(components, Auth),
              Layer.provide(McpServer.McpServer.layer({ ...options, name, pageSize: 1, tasks: McpServer.tasks({ listPageSize: 1 }) }), Layer.succeedContext(store))
            )
          ),
          (context) => Context.get(context, McpServer.McpServer)
        )
      const one = yield* connect(yield* serve("one"), { name: "alice-1" })
      const replica = yield* connect(yield* serve("one"), { name: "alice-2" })
      const other = yield* connect(yield* serve("other"), { name: "alice-3" })
      const ids: Array<string> = []
      for (let i = 0; i < 2; i++) ids.push((yield* callAsTask(one.client, "test_task_slow", { ms: 0 })).task.taskId)
      const first = yield* listTasks(one.client)
      assert.deepStrictEqual(first.tasks.map((task) => task.taskId), [ids[0]])
      const cursor = first.nextCursor!
      // Its own cursor, and a replica's (the same name), continue the list.
      assert.deepStrictEqual((yield* listTasks(one.client, cursor)).tasks.map((task) => task.taskId), [ids[1]])
      assert.deepStrictEqual((yield* listTasks(replica.client, cursor)).tasks.map((task) => task.taskId), [ids[1]])
      // Another server's (another name) is not a place in this one's list, though it sees the same tasks.
      assert.deepStrictEqual((yield* listTasks(other.client)).tasks.map((task) => task.taskId), [ids[0]])
      assert.strictEqual((yield* sdkError(() => other.client.experimental.tasks.listTasks(cursor))).code, -32602)
      // A cursor of tools/list is no place in tasks/list, nor one of tasks/list in tools/list.
      const tools = (yield* sdk(() => one.client.listTools())).nextCursor!
      assert.isString(tools)
      const foreign = yield* sdkError(() => one.client.experimental.tasks.listTasks(tools))
      assert.strictEqual(foreign.code, -32602)
      assert.include(foreign.message, "Invalid cursor")
      assert.strictEqual((yield* sdkError(() => one.client.listTools({ cursor }))).code, -32602)
    }))
})
