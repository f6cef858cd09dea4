/**
 * The Redis sliding window against a real redis-server: the same decisions as the in-memory
 * algorithm (a random walk of times, the clock going back, costs, denials), and a `consume` whose
 * work does not grow with the hits in the window (it parsed and rewrote the whole log: 10–40 ms
 * with 3,000 hits, Redis serving nothing else meanwhile).
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as TestClock from "effect/testing/TestClock"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import { RedisRateLimitStore } from "../../src/redis.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

/** The store and a client on the test Redis, under a prefix no other test uses. */
const onRedis = Effect.gen(function*() {
  const server = yield* TestRedis
  const context = yield* Layer.build(redisClient(server.url))
  const prefix = uniquePrefix()
  return yield* Effect.provideContext(
    Effect.all([RedisRateLimitStore.make({ prefix }), Effect.service(Redis.Redis), Effect.succeed(prefix)]),
    context
  )
}).pipe(Effect.orDie)

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

layer(TestRedis.layer)("RedisRateLimitStore: sliding window", (it) => {
  it.effect("answers as the in-memory algorithm, decision for decision (clock going back, costs, denials)", () =>
    Effect.gen(function*() {
      const [store] = yield* onRedis
      const policy = RateLimit.slidingWindow({ limit: 7.5, windowMillis: 1_000 })
      // A fixed pseudo-random walk (a linear congruential generator): reproducible.
      let seed = 12_345
      const next = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
        return seed % n
      }
      let state: RateLimit.State | undefined
      let now = 1_000_000
      let denied = 0
      for (let i = 0; i < 400; i++) {
        const r = next(20)
        // Mostly small steps forward, some long ones, some back (replicas' clocks apart).
        now += r < 2 ? -next(600) : r < 4 ? 900 + next(300) : next(120)
        yield* TestClock.setTime(now)
        const cost = 1 + next(3)
        const expected = RateLimit.consumeSlidingWindow(policy, state as never, now, cost)
        state = expected.state
        if (!expected.decision.allowed) denied++
        assert.deepStrictEqual(yield* store.consume("k", policy, cost), expected.decision, `step ${i} at ${now}, cost ${cost}`)
      }
      assert.isAbove(denied, 50, "the walk exercises denials")
    }))

  it.effect("a consume costs the same with 100 or 3,000 hits in the window (Redis's own timing of each call, SLOWLOG)", () =>
    Effect.gen(function*() {
      const [store, redis] = yield* onRedis
      const send = <A>(...args: ReadonlyArray<string | number>) => Effect.orDie(redis.send<A>(...(args as [string, ...Array<string>])))
      const policy = RateLimit.slidingWindow({ limit: 20_000, windowMillis: 600_000 })
      for (let i = 0; i < 100; i++) yield* store.consume("small", policy)
      for (let i = 0; i < 3_000; i++) yield* store.consume("large", policy)
      // Every command logged with its duration (µs, measured by Redis, no network in it).
      yield* send("CONFIG", "SET", "slowlog-log-slower-than", "0")
      yield* send("CONFIG", "SET", "slowlog-max-len", "1000")
      const timings = (key: string) =>
        Effect.gen(function*() {
          yield* send("SLOWLOG", "RESET")
          for (let i = 0; i < 60; i++) yield* store.consume(key, policy)
          const entries = yield* send<ReadonlyArray<[number, number, number, ReadonlyArray<string>]>>("SLOWLOG", "GET", "1000")
          return entries.filter((entry) => String(entry[3][0]).toUpperCase() === "EVALSHA" && entry[3].some((arg) => String(arg).endsWith(key))).map((entry) => Number(entry[2]))
        })
      const small = yield* timings("small")
      const large = yield* timings("large")
      yield* send("CONFIG", "SET", "slowlog-log-slower-than", "10000")
      assert.strictEqual(small.length, 60)
      assert.strictEqual(large.length, 60)
      // The medians (a busy machine slows a few calls, not half of them), with room for noise:
      // the whole-log script was 20–60 times slower at 3,000 hits.
      const ratio = median(large) / Math.max(median(small), 1)
      assert.isBelow(ratio, 4, `median µs per consume: ${median(small)} at 100 hits, ${median(large)} at 3,000`)
      // And the answers are still right: 3,061 spent of 20,000.
      assert.strictEqual((yield* store.consume("large", policy)).remaining, 20_000 - 3_061)
    }))

  it.effect("a window kept by the previous version (one hash of 'at:cost' pairs) keeps its hits", () =>
    Effect.gen(function*() {
      const [store, redis, prefix] = yield* onRedis
      const policy = RateLimit.slidingWindow({ limit: 10, windowMillis: 60_000 })
      yield* TestClock.setTime(100_000)
      // Two hits in the window (cost 1 and 3), one gone (at 30,000).
      yield* Effect.orDie(redis.send("HSET", `${prefix}rate-limit:k`, "kind", "sw", "hits", "30000:5,50000:1,90000:3"))
      assert.deepStrictEqual(yield* store.consume("k", policy, 2), { allowed: true, remaining: 4, retryAfterMillis: 0 })
      assert.deepStrictEqual(yield* store.consume("k", policy, 5), { allowed: false, remaining: 4, retryAfterMillis: 10_000 })
    }))

  it.effect("at the boundaries too: hits of one millisecond, a cost above the limit, the window's edge, fractions, an expired key", () =>
    Effect.gen(function*() {
      const [store, redis, prefix] = yield* onRedis
      const cases: ReadonlyArray<{ readonly limit: number; readonly window: number; readonly steps: ReadonlyArray<readonly [number, number]> }> = [
        // Same millisecond, up to the limit and past it; then the exact edge of the first hits.
        { limit: 3, window: 1_000, steps: [[5_000, 1], [5_000, 1], [5_000, 1], [5_000, 1], [5_999, 1], [6_000, 1], [6_000, 1], [6_000, 1], [6_000, 1], [6_001, 2]] },
        // A cost above the limit (never allowed: -1), on an empty and on a used window; a cost equal to it.
        { limit: 2, window: 500, steps: [[1_000, 3], [1_000, 2], [1_000, 3], [1_499, 1], [1_500, 2], [1_500, 3], [2_100, 2]] },
        // Fractional costs and limit, zero cost, the clock going back within one millisecond's hits.
        { limit: 1.5, window: 100, steps: [[10_000, 0.5], [10_000, 0.75], [10_000, 0.5], [9_990, 0.25], [10_000, 0], [10_050, 1], [10_099, 0.5], [10_100, 0.5], [10_101, 0.5]] }
      ]
      for (const [n, { limit, window, steps }] of cases.entries()) {
        const policy = RateLimit.slidingWindow({ limit, windowMillis: window })
        let state: RateLimit.State | undefined
        for (const [i, [now, cost]] of steps.entries()) {
          yield* TestClock.setTime(now)
          const expected = RateLimit.consumeSlidingWindow(policy, state as never, now, cost)
          state = expected.state
          assert.deepStrictEqual(yield* store.consume(`edge-${n}`, policy, cost), expected.decision, `case ${n} step ${i} at ${now}, cost ${cost}`)
        }
        // The key expires once the window is empty, plus the slack (1 s): no more than that.
        const ttl = yield* Effect.orDie(redis.send<number>("PTTL", `${prefix}rate-limit:edge-${n}`))
        assert.isAtMost(ttl, window + 1_000, `case ${n}: ttl ${ttl}`)
      }
    }))
})
