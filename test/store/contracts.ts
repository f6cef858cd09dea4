/**
 * The behaviour every implementation of a store shows, as suites run against each: the in-memory
 * stores (test/store/Contracts.test.ts) and the Redis ones (test/redis/*.test.ts). A suite takes
 * the test function to register with (`it.effect`, or `it.effect` of a `layer(...)` block) and the
 * effect that builds a fresh, empty store (a new prefix on a shared Redis).
 */
import { assert, type Vitest } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { TestClock } from "effect/testing"
import type * as JsonRpc from "../../src/protocol/JsonRpc.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import type * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import type * as EventStore from "../../src/transport/http/EventStore.ts"

/** Registers one test (`it.effect`, with TestClock in its services). */
export type Register<R> = Vitest.Test<R | Scope.Scope>

// ---------------------------------------------------------------------------
// RateLimitStore
// ---------------------------------------------------------------------------

/**
 * A `RateLimitStore` answers exactly as `RateLimit`'s algorithms do, per key, with the time from
 * `Clock` (TestClock drives it).
 */
export const rateLimitStoreContract = <R>(
  test: Register<R>,
  make: Effect.Effect<RateLimit.RateLimitStoreShape, never, R | Scope.Scope>
): void => {
  test("sliding window: the time from Clock, the wait until the oldest hit leaves the window", () =>
    Effect.gen(function*() {
      const store = yield* make
      const policy = RateLimit.slidingWindow({ limit: 2, windowMillis: 10_000 })
      assert.isTrue((yield* store.consume("k", policy)).allowed)
      yield* TestClock.adjust("4 seconds")
      assert.isTrue((yield* store.consume("k", policy)).allowed)
      assert.deepStrictEqual(yield* store.consume("k", policy), { allowed: false, remaining: 0, retryAfterMillis: 6000 })
      yield* TestClock.adjust("6 seconds")
      assert.deepStrictEqual(yield* store.consume("k", policy), { allowed: true, remaining: 0, retryAfterMillis: 0 })

      // The algorithm test's sequence, costs included.
      const window = RateLimit.slidingWindow({ limit: 3, windowMillis: 1000 })
      const at = (step: number, cost = 1) => Effect.andThen(TestClock.adjust(step), store.consume("w", window, cost))
      assert.deepStrictEqual(yield* at(0), { allowed: true, remaining: 2, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* at(100), { allowed: true, remaining: 1, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* at(100), { allowed: true, remaining: 0, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* at(100), { allowed: false, remaining: 0, retryAfterMillis: 700 })
      assert.deepStrictEqual(yield* at(699), { allowed: false, remaining: 0, retryAfterMillis: 1 })
      assert.deepStrictEqual(yield* at(1), { allowed: true, remaining: 0, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* at(50, 2), { allowed: false, remaining: 0, retryAfterMillis: 150 })
      assert.deepStrictEqual(yield* at(150, 2), { allowed: true, remaining: 0, retryAfterMillis: 0 })
      assert.strictEqual((yield* at(3800, 4)).retryAfterMillis, Infinity)
    }))

  test("token bucket: bursts up to capacity, refills continuously (fractions kept), costs", () =>
    Effect.gen(function*() {
      const store = yield* make
      const policy = RateLimit.tokenBucket({ capacity: 2, refillPerSecond: 1 })
      const take = (step: number, key = "b", cost = 1, bucket = policy) =>
        Effect.andThen(TestClock.adjust(step), store.consume(key, bucket, cost))
      assert.deepStrictEqual(yield* take(0), { allowed: true, remaining: 1, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* take(0), { allowed: true, remaining: 0, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* take(0), { allowed: false, remaining: 0, retryAfterMillis: 1000 })
      assert.deepStrictEqual(yield* take(250), { allowed: false, remaining: 0, retryAfterMillis: 750 })
      assert.deepStrictEqual(yield* take(750), { allowed: true, remaining: 0, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* take(59_000), { allowed: true, remaining: 1, retryAfterMillis: 0 })
      const fast = RateLimit.tokenBucket({ capacity: 4, refillPerSecond: 4 })
      assert.deepStrictEqual(yield* take(0, "f", 3, fast), { allowed: true, remaining: 1, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* take(0, "f", 2, fast), { allowed: false, remaining: 1, retryAfterMillis: 250 })
      assert.strictEqual((yield* take(0, "g", 5, fast)).retryAfterMillis, Infinity)
      // Fractions of tokens add up; the decisions are the pure algorithm's, number for number.
      for (const slow of [RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 0.25 }), RateLimit.tokenBucket({ capacity: 3, refillPerSecond: 1 / 3 })]) {
        let state: RateLimit.State | undefined
        let now = yield* Clock.currentTimeMillis
        for (const step of [0, 1000, 1000, 333, 1667, 7, 5000, 0, 0, 0]) {
          yield* TestClock.adjust(step)
          now += step
          const expected = RateLimit.consume(slow, state, now)
          state = expected.state
          assert.deepStrictEqual(yield* store.consume(`slow-${slow.capacity}`, slow), expected.decision, `at ${now}`)
        }
      }
    }))

  test("keys have their own budgets; a state of the other algorithm counts as none", () =>
    Effect.gen(function*() {
      const store = yield* make
      const window = RateLimit.slidingWindow({ limit: 1, windowMillis: 60_000 })
      assert.isTrue((yield* store.consume("a", window)).allowed)
      assert.isFalse((yield* store.consume("a", window)).allowed)
      assert.isTrue((yield* store.consume("b", window)).allowed)
      assert.isTrue((yield* store.consume("a:x", window)).allowed)
      const bucket = RateLimit.tokenBucket({ capacity: 5, refillPerSecond: 1 })
      assert.deepStrictEqual(yield* store.consume("a", bucket), { allowed: true, remaining: 4, retryAfterMillis: 0 })
      // ...and back: the window starts afresh.
      assert.isTrue((yield* store.consume("a", window)).allowed)
    }))
}

// ---------------------------------------------------------------------------
// CacheStore
// ---------------------------------------------------------------------------

/**
 * A `CacheStore` gives back what was set (as JSON), until its TTL passes or its prefix is
 * invalidated. `advance` moves time on (TestClock for the memory store, a real sleep for Redis,
 * whose TTLs are its own).
 */
export const cacheStoreContract = <R>(
  test: Register<R>,
  make: Effect.Effect<ResponseCache.CacheStoreShape, never, R | Scope.Scope>,
  advance: (millis: number) => Effect.Effect<void>
): void => {
  test("gives back what was set; nothing for a missing key; a new set replaces value and TTL", () =>
    Effect.gen(function*() {
      const store = yield* make
      const value = { tools: [{ name: "é\u0000*?[x]", inputSchema: { type: "object" } }], nextCursor: null, n: 1.5, ok: true }
      yield* store.set("tools/list\u0000a.0\u0000caller\u0000{}", value, 60_000)
      assert.deepStrictEqual(yield* store.get("tools/list\u0000a.0\u0000caller\u0000{}"), Option.some(value))
      assert.isTrue(Option.isNone(yield* store.get("tools/list\u0000a.0\u0000caller")))
      assert.isTrue(Option.isNone(yield* store.get("missing")))
      yield* store.set("k", "first", 60_000)
      yield* store.set("k", ["second"], 60_000)
      assert.deepStrictEqual(yield* store.get("k"), Option.some(["second"]))
    }))

  test("entries expire after their TTL", () =>
    Effect.gen(function*() {
      const store = yield* make
      yield* store.set("short", 1, 150)
      yield* store.set("long", 2, 60_000)
      assert.deepStrictEqual(yield* store.get("short"), Option.some(1))
      yield* advance(400)
      assert.isTrue(Option.isNone(yield* store.get("short")))
      assert.deepStrictEqual(yield* store.get("long"), Option.some(2))
      // A new set with a short TTL shortens the entry's life.
      yield* store.set("long", 3, 150)
      yield* advance(400)
      assert.isTrue(Option.isNone(yield* store.get("long")))
    }))

  // Fails before on Redis: the TTL went to `SET … PX` as is, which Redis refuses for "Infinity",
  // past what it takes, or with a fraction: every answer of such a TTL went uncached (and logged).
  test("a TTL of Infinity, past any date, or with a fraction of a millisecond is taken", () =>
    Effect.gen(function*() {
      const store = yield* make
      yield* store.set("forever", 1, Number.POSITIVE_INFINITY)
      yield* store.set("huge", 2, 1e20)
      yield* store.set("fraction", 3, 60_000.5)
      yield* advance(400)
      assert.deepStrictEqual(yield* store.get("forever"), Option.some(1))
      assert.deepStrictEqual(yield* store.get("huge"), Option.some(2))
      assert.deepStrictEqual(yield* store.get("fraction"), Option.some(3))
      yield* store.invalidate("forever")
      assert.isTrue(Option.isNone(yield* store.get("forever")))
    }))

  test("invalidate drops exactly the keys under a prefix (glob characters are literal)", () =>
    Effect.gen(function*() {
      const store = yield* make
      for (const key of ["x:1", "x:2", "y:1", "x*:1", "xa:1", "[x]:1", "x?1"]) yield* store.set(key, key, 60_000)
      yield* store.invalidate("x:")
      assert.isTrue(Option.isNone(yield* store.get("x:1")))
      assert.isTrue(Option.isNone(yield* store.get("x:2")))
      for (const key of ["y:1", "x*:1", "xa:1", "[x]:1", "x?1"]) assert.deepStrictEqual(yield* store.get(key), Option.some(key), key)
      yield* store.invalidate("x*")
      assert.isTrue(Option.isNone(yield* store.get("x*:1")))
      assert.deepStrictEqual(yield* store.get("xa:1"), Option.some("xa:1"))
      yield* store.invalidate("[x]")
      assert.isTrue(Option.isNone(yield* store.get("[x]:1")))
      assert.deepStrictEqual(yield* store.get("x?1"), Option.some("x?1"))
      yield* store.invalidate("nothing-here")
      assert.deepStrictEqual(yield* store.get("y:1"), Option.some("y:1"))
    }))
}

// ---------------------------------------------------------------------------
// EventStore
// ---------------------------------------------------------------------------

const note = (i: number): JsonRpc.Message =>
  ({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "p", progress: i } }) as JsonRpc.Message

const ids = (replay: { readonly events: ReadonlyArray<EventStore.StoredEvent> } | undefined) => replay?.events.map((event) => event.id)

/**
 * An `EventStore` keeps a stream's events under `<streamId>.<seq>` ids and replays exactly those
 * after an id; it refuses (`undefined`) what it cannot replay without a gap; finished streams are
 * evicted oldest first past `maxStreamsPerSession`, live ones never. `make` builds a store with the
 * bounds given.
 */
export const eventStoreContract = <R>(
  test: Register<R>,
  make: (options: EventStore.MemoryOptions) => Effect.Effect<EventStore.EventStoreShape, never, R | Scope.Scope>
): void => {
  test("ids per stream from 1; replay after an id gives exactly the later events, in order", () =>
    Effect.gen(function*() {
      const store = yield* make({})
      const a: Array<string> = []
      for (let i = 1; i <= 3; i++) a.push(yield* store.append("S", "s1", note(i)))
      assert.deepStrictEqual(a, ["s1.1", "s1.2", "s1.3"])
      assert.strictEqual(yield* store.append("S", "s2", note(9)), "s2.1")
      assert.strictEqual(yield* store.append("T", "s1", note(7)), "s1.1")

      const all = yield* store.replayAfter("S", "s1.0")
      assert.strictEqual(all?.streamId, "s1")
      assert.deepStrictEqual(all?.events, [1, 2, 3].map((i) => ({ id: `s1.${i}`, message: note(i) })))
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "s1.1")), ["s1.2", "s1.3"])
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "s1.3")), [])
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "s2.0")), ["s2.1"])
      assert.deepStrictEqual((yield* store.replayAfter("T", "s1.0"))?.events.map((e) => e.message), [note(7)])
    }))

  test("refused: an id past the stream, an unknown stream or session, a malformed id", () =>
    Effect.gen(function*() {
      const store = yield* make({})
      yield* store.append("S", "s1", note(1))
      for (const id of ["s1.2", "s1.99", "s7.0", "garbage", "s1.x", ".1", "s1.-1"]) {
        assert.isUndefined(yield* store.replayAfter("S", id), id)
      }
      assert.isUndefined(yield* store.replayAfter("other", "s1.0"))
    }))

  test("at most maxEventsPerStream events; resuming from before them is refused, not answered with a gap", () =>
    Effect.gen(function*() {
      const store = yield* make({ maxEventsPerStream: 3 })
      for (let i = 1; i <= 5; i++) yield* store.append("S", "s1", note(i), i === 5)
      assert.isUndefined(yield* store.replayAfter("S", "s1.0"))
      assert.isUndefined(yield* store.replayAfter("S", "s1.1"))
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "s1.2")), ["s1.3", "s1.4", "s1.5"])
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "s1.4")), ["s1.5"])
    }))

  // Fails before: the store had no `retained` (TypeError), and `replayAfter` from the stream's
  // start, all the endpoint could read with, refuses once the oldest events went.
  test("retained: what a stream still keeps, in order, its oldest gone past maxEventsPerStream (a gap is fine); nothing for an unknown or forgotten stream", () =>
    Effect.gen(function*() {
      const store = yield* make({ maxEventsPerStream: 3 })
      const retained = store.retained!
      assert.isFunction(retained, "the store reads what a stream keeps")
      for (let i = 1; i <= 2; i++) yield* store.append("S", "s1", note(i))
      assert.deepStrictEqual(yield* retained("S", "s1"), [1, 2].map((i) => ({ id: `s1.${i}`, message: note(i) })))
      for (let i = 3; i <= 5; i++) yield* store.append("S", "s1", note(i))
      assert.isUndefined(yield* store.replayAfter("S", "s1.0"), "a resumption from the start is refused (a gap)")
      assert.deepStrictEqual(yield* retained("S", "s1"), [3, 4, 5].map((i) => ({ id: `s1.${i}`, message: note(i) })))
      // Finished streams too, while kept; not another session's, nor an unknown or forgotten stream.
      yield* store.append("S", "s2", note(9), true)
      assert.deepStrictEqual(ids({ events: yield* retained("S", "s2") }), ["s2.1"])
      assert.deepStrictEqual(yield* retained("T", "s1"), [])
      assert.deepStrictEqual(yield* retained("S", "s7"), [])
      yield* store.forgetStream("S", "s1")
      assert.deepStrictEqual(yield* retained("S", "s1"), [])
      yield* store.forgetSession("S")
      assert.deepStrictEqual(yield* retained("S", "s2"), [])
    }))

  test("finished streams past maxStreamsPerSession go oldest first; live ones are never evicted", () =>
    Effect.gen(function*() {
      const store = yield* make({ maxStreamsPerSession: 2 })
      yield* store.append("S", "live", note(0))
      for (const stream of ["a", "b", "c"]) yield* store.append("S", stream, note(1), true)
      // Three finished, two kept: a (the oldest finished) is gone; live is older still, but live.
      assert.isUndefined(yield* store.replayAfter("S", "a.0"))
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "b.0")), ["b.1"])
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "c.0")), ["c.1"])
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "live.0")), ["live.1"])
      // live finishes: it is now the oldest finished of three, and goes.
      yield* store.append("S", "live", note(2), true)
      assert.isUndefined(yield* store.replayAfter("S", "live.0"))
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "b.0")), ["b.1"])
      // Another session is untouched by this one's bound.
      yield* store.append("T", "a", note(1), true)
      assert.deepStrictEqual(ids(yield* store.replayAfter("T", "a.0")), ["a.1"])
    }))

  test("forgetStream drops a stream, forgetSession a session; neither touches the others", () =>
    Effect.gen(function*() {
      const store = yield* make({})
      yield* store.append("S", "s1", note(1))
      yield* store.append("S", "s2", note(1), true)
      yield* store.append("T", "s1", note(1))
      yield* store.forgetStream("S", "s1")
      assert.isUndefined(yield* store.replayAfter("S", "s1.0"))
      assert.deepStrictEqual(ids(yield* store.replayAfter("S", "s2.0")), ["s2.1"])
      yield* store.forgetSession("S")
      assert.isUndefined(yield* store.replayAfter("S", "s2.0"))
      assert.deepStrictEqual(ids(yield* store.replayAfter("T", "s1.0")), ["s1.1"])
      // Forgetting what is not there is fine.
      yield* store.forgetStream("nobody", "s1")
      yield* store.forgetSession("nobody")
    }))
}
