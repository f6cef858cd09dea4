/**
 * A 2025-11-25 task whose TTL elapses while its work runs on (an uninterruptible region, which
 * the TTL's interruption does not stop) reads as an expired task at once: `tasks/get` and a
 * `tasks/result` already waiting both answer -32602 (the spec: an expired task id is -32602; the
 * receiver may delete an expired task whatever its status), as the Redis store does. The
 * in-memory store's `tasks/result` waited for the work's end (or its reaper, a minute), then
 * answered the task failed (-32603, "expired").
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpServer } from "../../src/index.ts"
import { serveHttp } from "../extensions/support.ts"
import { answerOf, on, openSession, post } from "../http/support.ts"

describe("a task whose TTL elapses while its work runs on", () => {
  it.live("2025-11-25: a tasks/result waiting on it answers -32602 at its TTL, not at the work's end; tasks/get too", () => {
    // The work's region ends when the test lets it (at its end, whatever happened).
    let release!: () => void
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let workEnded = false
    const Slow = McpServer.tool({
      name: "slow",
      execution: { taskSupport: "optional" },
      handler: () =>
        Effect.uninterruptible(Effect.andThen(
          Effect.promise(() => released),
          Effect.sync(() => {
            workEnded = true
            return "done"
          })
        ))
    })
    return Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "expiring", version: "1.0.0", tasks: McpServer.tasks() }, Slow)
      const sessionId = yield* Effect.promise(() => openSession(url, {}))
      const created = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {}, task: { ttl: 300 } } }, on(sessionId))
          .then(answerOf)
      )
      const taskId: string = created.result?.task?.taskId
      assert.isString(taskId, JSON.stringify(created))
      // Asked before its TTL elapses; bounded by the test (5 s) rather than the work.
      const result = yield* Effect.promise(() =>
        Promise.race([
          post(url, { jsonrpc: "2.0", id: 2, method: "tasks/result", params: { taskId } }, on(sessionId)).then(answerOf),
          new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5_000))
        ])
      )
      // Fails before: still waiting (the work runs on), and later -32603 "expired".
      assert.strictEqual((result as any)?.error?.code, -32602, JSON.stringify(result))
      assert.isFalse(workEnded, "the work's region was still running")
      const got = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 3, method: "tasks/get", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.strictEqual(got.error?.code, -32602, JSON.stringify(got))
    }).pipe(Effect.ensuring(Effect.sync(() => release())))
  }, 30_000)
})
