/**
 * `subscriptions/listen`'s count of the streams each client holds open (`maxListenStreamsPerPrincipal`,
 * `maxListenStreamsPerAddress`), on the method itself: a stream interrupted at any step of its
 * start leaves nothing counted. The count was increased, then its release registered as a separate
 * step: an interruption between the two (the client leaving as the fiber yielded to the scheduler)
 * left the count high for good, and a client that did so `max` times was refused every stream
 * after. Over HTTP: test/http/ListenPerClient.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import { method } from "../../src/server/internal/listen.ts"
import type { RequestContext } from "../../src/session/RequestContext.ts"

describe("subscriptions/listen streams counted", () => {
  // Fails before: interrupted right after the count was increased (the fiber yielding after every
  // step), the stream left its principal counted for good.
  it.live("a stream interrupted at any step of its start leaves its principal's count as it found it", () =>
    Effect.gen(function*() {
      const open = new Map<string, number>()
      const listen = method({
        serves: { tools: true, prompts: false, resources: false },
        onChange: () => () => {},
        onResourceUpdated: () => () => {},
        resourceExists: () => false,
        maxResourceSubscriptions: 10,
        streams: { open, maxPerPrincipal: 2, maxPerAddress: Number.POSITIVE_INFINITY }
      })
      const context = {
        clientRequestId: "l",
        clientCapabilities: {},
        principal: { subject: "alice", scopes: [], claims: {} },
        notify: () => Effect.void,
        session: { stateless: true, untilDraining: Effect.never }
      } as unknown as RequestContext
      const leaked: Array<number> = []
      // The turns after which the stream was counted (so open, the test not vacuous).
      let counted = 0
      // Interrupted after 0, 1, 2, … scheduler turns: each step of the start, then the open stream.
      for (let turns = 0; turns < 60; turns++) {
        const fiber = yield* Effect.forkChild(
          listen.handler({ notifications: { toolsListChanged: true } }, context).pipe(
            // The fiber yields to the scheduler after every step (3: at 2 and under, the yield itself takes the budget and the fiber never gets on).
            Effect.provideService(Scheduler.MaxOpsBeforeYield, 3)
          )
        )
        for (let i = 0; i < turns; i++) yield* Effect.yieldNow
        if (open.size > 0) counted++
        yield* Fiber.interrupt(fiber)
        if (open.size > 0) leaked.push(turns)
        open.clear()
      }
      assert.isAbove(counted, 20, "the stream is counted while open")
      assert.deepStrictEqual(leaked, [], "interrupted after these many turns, the stream stayed counted")
    }), 20_000)
})
