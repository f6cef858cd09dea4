/**
 * Tasks and the life of their owner: a session's tasks are cancelled when it closes, and removed
 * (nothing unreachable keeps running, holds the limits or stays in memory); work interrupted without `tasks/cancel` fails
 * the task instead of leaving it `working`; a requested TTL of zero gets the default (below zero: -32602).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer, Middleware } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { connectModern, withTasks } from "../extensions/support.ts"
import { connect, connectRaw, settle } from "../server/McpServerHarness.ts"
import { callAsTask, everything, everythingWithStore, getTask, listTasks, rawCaller, sleep, untilTerminal } from "./support.ts"

describe("tasks and their owners", () => {
  it.live("a session's running tasks are cancelled when it closes, freeing the server's limits", () =>
    Effect.gen(function*() {
      let interrupted = 0
      const Forever = McpServer.tool({
        name: "forever",
        execution: { taskSupport: "optional" },
        handler: () => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++)))
      })
      const server = yield* everything({ maxTasks: 2 }, Forever)
      const task = { name: "forever", arguments: {}, task: {} }
      yield* Effect.scoped(Effect.gen(function*() {
        const a = rawCaller(yield* connectRaw(server))
        assert.isDefined((yield* Effect.promise(() => a("tools/call", task))).result?.task)
        assert.isDefined((yield* Effect.promise(() => a("tools/call", task))).result?.task)
        assert.strictEqual((yield* Effect.promise(() => a("tools/call", task))).error?.code, 429)
      }))
      yield* settle(100)
      assert.strictEqual(interrupted, 2)
      const b = rawCaller(yield* connectRaw(server))
      const again = yield* Effect.promise(() => b("tools/call", task))
      assert.isDefined(again.result?.task, JSON.stringify(again))
    }))

  it.live("a closed session's tasks leave the store, ended ones too (nobody can reach them again); a principal's stay", () =>
    Effect.gen(function*() {
      const Forever = McpServer.tool({ name: "forever", execution: { taskSupport: "optional" }, handler: () => Effect.never })
      // Requests of clients named "alice" run as the principal alice.
      const Alice = McpServer.middleware(Middleware.make("alice", {
        onRequest: (request, context, next) =>
          context.clientInfo?.name === "alice"
            ? next(request, context.with({ principal: { subject: "alice", scopes: [], claims: {} } }))
            : next(request)
      }))
      const { server, store } = yield* everythingWithStore({}, { promoteAfterMillis: 0 }, Layer.merge(Forever, Alice))
      const sizeBecomes = (size: number) =>
        Effect.promise(async () => {
          for (let i = 0; i < 200 && Effect.runSync(store.size) !== size; i++) await sleep(10)
          return Effect.runSync(store.size)
        })
      yield* Effect.scoped(Effect.gen(function*() {
        const call = rawCaller(yield* connectRaw(server))
        const ended = yield* Effect.promise(() => call("tools/call", { name: "test_task_slow", arguments: { ms: 0 }, task: {} }))
        assert.isDefined(ended.result?.task)
        assert.isDefined((yield* Effect.promise(() => call("tools/call", { name: "forever", arguments: {}, task: {} }))).result?.task)
        const modern = yield* connectModern(server)
        const created = yield* Effect.promise(() => modern.request("tools/call", { name: "test_task_slow", arguments: { ms: 200 } }, withTasks()))
        assert.strictEqual(created.result?.resultType, "task")
        assert.strictEqual(yield* sizeBecomes(3), 3)
      }))
      assert.strictEqual(yield* sizeBecomes(0), 0)
      // A principal's tasks are reached from its other sessions: they stay.
      const { client } = yield* connect(server, { name: "alice" })
      yield* Effect.scoped(Effect.gen(function*() {
        const other = yield* connect(server, { name: "alice" })
        yield* callAsTask(other.client, "test_task_slow", { ms: 0 })
      }))
      yield* settle(100)
      assert.strictEqual(Effect.runSync(store.size), 1)
      assert.strictEqual((yield* listTasks(client)).tasks.length, 1)
    }))

  it.live("only a session that made tasks has them looked for in the store when it closes (one removal, none for the others)", () =>
    Effect.gen(function*() {
      const removals: Array<string> = []
      const Counted = Layer.effect(
        TaskStore,
        Effect.map(makeMemory(), (store) =>
          TaskStore.of({
            ...store,
            removeOwnedBy: (owner) => {
              removals.push(owner)
              return store.removeOwnedBy!(owner)
            }
          }))
      )
      const server = Context.get(
        yield* Layer.build(Layer.provideMerge(components, Layer.provideMerge(McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks() }), Counted))),
        McpServer.McpServer
      )
      for (let i = 0; i < 3; i++) {
        yield* Effect.scoped(Effect.gen(function*() {
          const call = rawCaller(yield* connectRaw(server))
          assert.isDefined((yield* Effect.promise(() => call("tools/call", { name: "test_simple_text", arguments: {} }))).result)
        }))
      }
      yield* settle(100)
      assert.deepStrictEqual(removals, [])
      yield* Effect.scoped(Effect.gen(function*() {
        const call = rawCaller(yield* connectRaw(server))
        const made = yield* Effect.promise(() => call("tools/call", { name: "test_task_slow", arguments: { ms: 0 }, task: {} }))
        assert.isDefined(made.result?.task, JSON.stringify(made))
      }))
      yield* settle(100)
      assert.strictEqual(removals.length, 1, JSON.stringify(removals))
      assert.match(removals[0]!, /^session:/)
    }))

  it.live("work that interrupts itself fails its task (-32603) instead of leaving it working", () =>
    Effect.gen(function*() {
      const Quitter = McpServer.tool({
        name: "quitter",
        execution: { taskSupport: "optional" },
        handler: () => Effect.andThen(Effect.sleep(20), Effect.interrupt)
      })
      const server = yield* everything({}, Quitter)
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "quitter")
      const ended = yield* untilTerminal(client, task.taskId, 2_000)
      assert.strictEqual(ended.status, "failed")
      assert.include(ended.statusMessage, "interrupted")
    }))

  // A TTL below zero is -32602 since 0cd6e51f (TaskMetadata's ttl is an integer >= 0); 0 (an unset
  // integer) still gets the default (TasksBothEras.test has the error's message).
  it.live("a requested TTL of zero gets the default TTL; below zero is -32602", () =>
    Effect.gen(function*() {
      const server = yield* everything({ defaultTtlMillis: 5_000 })
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 0 }, 0)
      assert.strictEqual(task.ttl, 5_000)
      assert.strictEqual((yield* getTask(client, task.taskId)).taskId, task.taskId)
      const refused = yield* Effect.flip(callAsTask(client, "test_task_slow", { ms: 0 }, -1))
      assert.strictEqual(refused.code, -32602)
    }))
})
