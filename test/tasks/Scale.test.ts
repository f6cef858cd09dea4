/**
 * Tasks at scale: 1,000 concurrent task-augmented calls from one SDK client all complete, and
 * `tasks/result` answers each of them, in reasonable time.
 */
import { assert, describe, it } from "@effect/vitest"
import { CallToolResultSchema, CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { taskProbe } from "../../examples/everything-server.ts"
import { InMemory, McpServer } from "../../src/index.ts"
import { connect } from "../server/McpServerHarness.ts"
import { everythingWithStore, RELATED, sleep } from "./support.ts"

describe("scale", () => {
  it.live("1,000 concurrent task-augmented calls of test_task_slow {ms: 50} all complete", () =>
    Effect.gen(function*() {
      const n = 1_000
      const { server, store } = yield* everythingWithStore({ maxTasks: 5_000, maxTasksPerOwner: 2_000 })
      const { client } = yield* connect(server)
      const completedBefore = taskProbe.completed
      const started = performance.now()
      const outcome = yield* Effect.promise(async () => {
        const created = await Promise.all(Array.from({ length: n }, () =>
          client.request(
            { method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 50 } } },
            CreateTaskResultSchema,
            { task: { ttl: 60_000 } }
          )))
        const createdMillis = performance.now() - started
        const results = await Promise.all(created.map(({ task }) =>
          client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema).then((result) => ({ task, result }))
        ))
        return { created, results, createdMillis }
      })
      const totalMillis = performance.now() - started
      const ids = new Set(outcome.created.map(({ task }) => task.taskId))
      assert.strictEqual(ids.size, n, "task ids must be unique")
      for (const { task, result } of outcome.results) {
        assert.strictEqual((result.content[0] as any).text, "done")
        assert.deepStrictEqual(result._meta?.[RELATED], { taskId: task.taskId })
      }
      assert.strictEqual(taskProbe.completed - completedBefore, n)
      assert.strictEqual(yield* store.size, n)
      // 1,000 × 50 ms sequentially would be 50 s: they ran concurrently.
      assert.isBelow(totalMillis, 10_000, `took ${Math.round(totalMillis)} ms`)
      console.log(`1,000 tasks: created in ${Math.round(outcome.createdMillis)} ms, all results in ${Math.round(totalMillis)} ms`)
    }))

  it.live("under load every terminal transition is still notified (notifications/tasks/status)", () =>
    Effect.gen(function*() {
      // The status notifier forgets a task's session only when it sees the task's terminal
      // status: a terminal status it never sees leaves an entry behind for good.
      const n = 20_000
      const Instant = McpServer.tool({
        name: "instant",
        execution: { taskSupport: "optional" },
        handler: () => Effect.succeed("ok")
      })
      const { server } = yield* everythingWithStore({ maxTasks: 2 * n, maxTasksPerOwner: 2 * n }, {}, Instant)
      // A lean raw driver (the harness's recorder is quadratic at this size).
      const pair = InMemory.makePair()
      const pending = new Map<number, (message: any) => void>()
      const terminal = new Set<string>()
      pair.client.onmessage = (message: any) => {
        if (message.id === undefined) {
          if (message.method === "notifications/tasks/status" && message.params.status === "completed") {
            terminal.add(message.params.taskId)
          }
          return
        }
        pending.get(message.id)?.(message)
        pending.delete(message.id)
      }
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
      yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
      let nextId = 0
      const request = (method: string, params: object) =>
        new Promise<any>((resolve) => {
          const id = nextId++
          pending.set(id, resolve)
          void pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
        })
      const created = yield* Effect.promise(async () => {
        await request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "lean", version: "0" } })
        await pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never)
        const ids: Array<string> = []
        let next = 0
        await Promise.all(Array.from({ length: 256 }, async () => {
          while (next++ < n) ids.push((await request("tools/call", { name: "instant", arguments: {}, task: {} })).result.task.taskId)
        }))
        for (let i = 0; i < 40 && terminal.size < n; i++) await sleep(50)
        return ids
      })
      assert.strictEqual(created.length, n)
      assert.strictEqual(terminal.size, n, `terminal status notifications received for ${terminal.size} of ${n} tasks`)
    }))
})
