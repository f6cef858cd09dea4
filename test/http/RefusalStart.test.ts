/**
 * A stateful endpoint's refusals start the shared stateless session one start at a time
 * (`Endpoint.refuse`, `internal/EndpointState.ts`): the mark that a start is under way is set when
 * the refusal runs, with its removal in place, never when its effect is only built. A request
 * fiber interrupted between the two (its client left while the fiber yielded, as the scheduler
 * makes every fiber do now and then) left the mark for good: refusals were never observed again.
 * On the endpoint itself, with a runner whose sessions fail to start (counted).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { makeMemory as makeMemoryEventStore } from "../../src/transport/http/EventStore.ts"
import { Endpoint } from "../../src/transport/http/internal/EndpointState.ts"
import { makeMemory as makeMemorySessionStore } from "../../src/transport/http/SessionStore.ts"

describe("Endpoint.refuse on a stateful endpoint", () => {
  it.effect("a refusal interrupted before it ran leaves no start under way: the next one starts the shared session", () =>
    Effect.gen(function*() {
      let starts = 0
      const endpoint = new Endpoint(
        () =>
          Effect.sync(() => {
            starts++
          }),
        {},
        makeMemoryEventStore(),
        makeMemorySessionStore(),
        Effect.runFork
      )
      const error = { code: -32600, message: "Bad Request: No valid session ID provided" }
      // Built, then its fiber interrupted at a yield before it ran (a client that left).
      const refused = endpoint.refuse(undefined, 404, error)
      const fiber = yield* Effect.forkChild(Effect.andThen(Effect.yieldNow, refused), { startImmediately: true })
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(starts, 0)
      // The next refusal starts the shared session (which fails to start: no input).
      const response = yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(response.status, 404)
      assert.strictEqual(starts, 1)
      // That start failed: the next refusal, within the second, starts nothing.
      yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(starts, 1)
    }))
})
