/**
 * MCP 2026-07-28: a handler's stop for input beside an interruption that does not come from the
 * stop: the client's `notifications/cancelled` arriving while the stopped handler still runs
 * its finalizer. `McpError.failureBesideInput` lets interruptions stand beside a stop (in Effect
 * 4 a branch a stop ended is not in the cause; what is, a race's loser, is no failure a retry
 * loses), but a cancelled request is answered nothing, `input_required` included: the session
 * drops its answer, and the round's recovery (`inRound`'s `catchCause`) does not run for an
 * interruption from outside. The control (not cancelled) is answered `input_required`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer } from "../../src/index.ts"

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { elicitation: {} }
}

describe("2026-07-28: a stop for input beside the client's cancel", () => {
  it.live("the cancelled call is answered nothing (no input_required); the same call not cancelled asks", () =>
    Effect.gen(function*() {
      const finalizing = yield* Deferred.make<void>()
      // Stops for input (no answer in the first round), then takes 300 ms to clean up.
      const Slow = McpServer.tool({
        name: "slow_cleanup",
        handler: () =>
          Effect.ensuring(
            Effect.as(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(Effect.orDie), "done"),
            Effect.andThen(Deferred.succeed(finalizing, undefined), Effect.sleep(300))
          )
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "stop-beside-cancel", version: "1.0.0" }, Slow, pair.server))
      const received: Array<any> = []
      pair.client.onmessage = (message: any) => void received.push(message)
      const call = (id: number) =>
        Effect.promise(() =>
          pair.client.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow_cleanup", arguments: {}, _meta: meta } } as never)
        )
      const answerTo = (id: number) => received.find((message) => message.id === id)
      yield* call(1)
      yield* Deferred.await(finalizing)
      yield* Effect.promise(() =>
        pair.client.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "gave up", _meta: meta } } as never)
      )
      // The control, after the cancelled one has ended: answered input_required (bounded: 5 s).
      yield* Effect.sleep(400)
      yield* call(2)
      for (let i = 0; i < 100 && answerTo(2) === undefined; i++) yield* Effect.sleep(50)
      assert.strictEqual(answerTo(2)?.result?.resultType, "input_required", JSON.stringify(received))
      assert.isUndefined(answerTo(1), JSON.stringify(received))
    }))
})
