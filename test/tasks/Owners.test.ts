/**
 * Tasks and the life of their owner: a session's tasks are cancelled when it closes (nothing
 * unreachable keeps running or holds the limits); work interrupted without `tasks/cancel` fails
 * the task instead of leaving it `working`; a requested TTL of zero or less gets the default.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpServer } from "../../src/index.ts"
import { connect, connectRaw, settle } from "../server/McpServerHarness.ts"
import { callAsTask, everything, getTask, rawCaller, untilTerminal } from "./support.ts"

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

  it.live("a requested TTL of zero or less gets the default TTL", () =>
    Effect.gen(function*() {
      const server = yield* everything({ defaultTtlMillis: 5_000 })
      const { client } = yield* connect(server)
      for (const ttl of [0, -1]) {
        const { task } = yield* callAsTask(client, "test_task_slow", { ms: 0 }, ttl)
        assert.strictEqual(task.ttl, 5_000)
        assert.strictEqual((yield* getTask(client, task.taskId)).taskId, task.taskId)
      }
    }))
})
