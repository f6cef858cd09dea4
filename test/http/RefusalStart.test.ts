/**
 * A stateful endpoint's refusals start the shared stateless session one start at a time
 * (`Endpoint.refuse`, `internal/EndpointState.ts`): the mark that a start is under way is set when
 * the refusal runs, with its removal in place, never when its effect is only built. A request
 * fiber interrupted between the two (its client left while the fiber yielded, as the scheduler
 * makes every fiber do now and then) left the mark for good: refusals were never observed again.
 * On the endpoint itself, with a runner whose sessions fail to start (counted), or start and end
 * when the test says. After a failed start no refusal starts the session again for a second, on
 * Effect's `Clock`; a session that started and ended since is started again by the next refusal.
 *
 * The shared session ends, short of a shutdown, only when its runner ends it: the library's runners
 * (`McpServer`, `LowLevelServer`) end a push session's input when the endpoint asks (its shutdown,
 * its drain) or when a write to it fails, and the endpoint's writes to that session never fail (its
 * streams are unresumable: no event store); it is not among the endpoint's sessions, so no DELETE,
 * idle timeout or eviction reaches it. A `StreamableHttp.Runner` of one's own can end it
 * (`Connection.PushConnection.onClosed`, as a session input calls it when it closes): that is what
 * the last test does.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/testing/TestClock"
import type * as Connection from "../../src/session/Connection.ts"
import type * as StreamableHttp from "../../src/transport/http/StreamableHttp.ts"
import { makeMemory as makeMemoryEventStore } from "../../src/transport/http/EventStore.ts"
import { Endpoint } from "../../src/transport/http/internal/EndpointState.ts"
import { makeMemory as makeMemorySessionStore } from "../../src/transport/http/SessionStore.ts"

describe("Endpoint.refuse on a stateful endpoint", () => {
  it.effect("a refusal interrupted before it ran leaves no start under way: the next one starts the shared session", () =>
    Effect.gen(function*() {
      const { endpoint, starts } = countingEndpoint()
      // Built, then its fiber interrupted at a yield before it ran (a client that left).
      const refused = endpoint.refuse(undefined, 404, error)
      const fiber = yield* Effect.forkChild(Effect.andThen(Effect.yieldNow, refused), { startImmediately: true })
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(starts(), 0)
      // The next refusal starts the shared session (which fails to start: no input).
      const response = yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(response.status, 404)
      assert.strictEqual(starts(), 1)
      // That start failed: the next refusal, within the second, starts nothing.
      yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(starts(), 1)
    }))

  // Fails before: the gate read `Date.now()`, which a TestClock does not move (the second had to
  // pass in real time).
  it.effect("after a failed start, a refusal a second later (on Effect's Clock) starts the session again", () =>
    Effect.gen(function*() {
      const { endpoint, starts } = countingEndpoint()
      yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(starts(), 1)
      yield* TestClock.adjust(999)
      yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(starts(), 1)
      yield* TestClock.adjust(1)
      yield* endpoint.refuse(undefined, 404, error)
      assert.strictEqual(starts(), 2)
    }))

  it.effect("a shared session that ended (its runner closed it) is started again by the next refusal, which it observes", () =>
    Effect.gen(function*() {
      // Each started session: its connection, and the refusals its input was told of.
      const started: Array<{ readonly connection: Connection.PushConnection; readonly refused: Array<unknown> }> = []
      const run: StreamableHttp.Runner = (transport) =>
        Effect.scoped(Effect.flatMap(transport.open, (opened) =>
          Effect.sync(() => {
            const connection = opened as Connection.PushConnection
            const refused: Array<unknown> = []
            connection.attach(inputTelling(refused))
            started.push({ connection, refused })
          })))
      const endpoint = new Endpoint(run, {}, makeMemoryEventStore(), makeMemorySessionStore(), Effect.runFork)
      yield* endpoint.refuse("first", 404, error)
      assert.strictEqual(started.length, 1)
      assert.deepStrictEqual(started[0]!.refused, ["first"])
      // While it runs, refusals are told to it: no other start.
      yield* endpoint.refuse("second", 404, error)
      assert.strictEqual(started.length, 1)
      assert.deepStrictEqual(started[0]!.refused, ["first", "second"])
      // It ends (its runner closed it): the endpoint forgets it...
      started[0]!.connection.onClosed!()
      yield* Effect.yieldNow
      assert.isUndefined(endpoint.statelessSession)
      // ...and the next refusal starts another, at once (no failed start: no second to wait), which observes it.
      const response = yield* endpoint.refuse("third", 404, error)
      assert.strictEqual(response.status, 404)
      assert.strictEqual(started.length, 2)
      assert.deepStrictEqual(started[0]!.refused, ["first", "second"])
      assert.deepStrictEqual(started[1]!.refused, ["third"])
    }))
})

const error = { code: -32600, message: "Bad Request: No valid session ID provided" }

/** An endpoint whose shared session's runner returns at once (a start that fails), its starts counted. */
const countingEndpoint = () => {
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
  return { endpoint, starts: () => starts }
}

/** A session input that only records the values of the refusals it is told of. */
const inputTelling = (refused: Array<unknown>): Connection.SessionInput => ({
  receive: () => Effect.void,
  end: Effect.void,
  terminate: Effect.void,
  interrupt: () => {},
  awaitsAnswer: () => false,
  refused: (value) => void refused.push(value),
  refusedByDrain: () => {},
  observesNotifications: false,
  observe: () => {},
  takesBatches: false,
  legacyVersions: undefined,
  takesInitialize: false
})
