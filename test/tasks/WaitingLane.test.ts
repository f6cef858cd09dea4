/**
 * `tasks/result` blocks until its task ends, so a server answering it runs it in the session's
 * lane of waiting requests: however many a client has waiting, the request slots stay free for
 * `tasks/get` and `tasks/cancel` (the low-level server gives the session that lane; the session
 * itself knows no method).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { InMemory } from "../../src/index.ts"
import { recorder } from "../support/recorder.ts"
import { everything } from "./support.ts"

describe("tasks/result waits in a lane of its own", () => {
  it.live("with two request slots, three blocking tasks/result leave tasks/get and tasks/cancel answered", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const pair = InMemory.makePair()
      const { record, waitFor } = recorder()
      pair.client.onmessage = record
      yield* Effect.forkScoped(server.run(pair.server, { maxConcurrentRequests: 2 }).pipe(Effect.provide(Logger.layer([]))))
      yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
      const request = (id: string, method: string, params: unknown) =>
        Effect.promise(async () => {
          await pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
          return waitFor((message) => message.id === id && message.method === undefined, 2_000)
        })
      yield* request("init", "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } })
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
      const taskIds: Array<string> = []
      for (let i = 0; i < 3; i++) {
        const created = yield* request(`c${i}`, "tools/call", { name: "test_task_slow", arguments: { ms: 10_000, steps: 100 }, task: {} })
        taskIds.push(created.result.task.taskId)
      }
      // Three requests that wait until their task ends: more than the two request slots.
      for (const [i, taskId] of taskIds.entries()) {
        yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", id: `r${i}`, method: "tasks/result", params: { taskId } } as never))
      }
      const got = yield* request("get", "tasks/get", { taskId: taskIds[0] })
      assert.strictEqual(got.result.status, "working")
      for (const [i, taskId] of taskIds.entries()) {
        const cancelled = yield* request(`x${i}`, "tasks/cancel", { taskId })
        assert.strictEqual(cancelled.result.status, "cancelled")
      }
      // Each waiting tasks/result is answered once its task ended (cancelled: no result).
      for (let i = 0; i < 3; i++) {
        const answer = yield* Effect.promise(() => waitFor((message) => message.id === `r${i}`, 2_000))
        assert.include(answer.error.message, "cancelled")
      }
    }))
})
