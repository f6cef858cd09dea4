/**
 * The Redis stores against a real redis-server (test/support/redis.ts): the same behavioural
 * suites as the in-memory stores (test/store/contracts.ts), every key under the store's prefix,
 * and two prefixes on one Redis never seeing each other.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redis from "effect/persistence/Redis"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import { RedisCacheStore, RedisEventStore, RedisRateLimitStore } from "../../src/redis.ts"
import type * as JsonRpc from "../../src/protocol/JsonRpc.ts"
import { cacheStoreContract, eventStoreContract, rateLimitStoreContract } from "../store/contracts.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

/** Builds `make` on a new client of the test Redis, under a prefix no other test uses. */
const onRedis = <A>(make: (prefix: string) => Effect.Effect<A, never, Redis.Redis>) =>
  Effect.gen(function*() {
    const server = yield* TestRedis
    const context = yield* Layer.build(redisClient(server.url))
    return yield* Effect.provideContext(make(uniquePrefix()), context)
  }).pipe(Effect.orDie)

/** A real sleep: Redis expires keys on its own clock, not on TestClock. */
const sleep = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

const message = (i: number): JsonRpc.Message => ({ jsonrpc: "2.0", method: "notifications/message", params: { i } }) as JsonRpc.Message

layer(TestRedis.layer)("Redis stores", (it) => {
  describe("RateLimitStore contract: Redis", () => {
    rateLimitStoreContract(it.effect, onRedis((prefix) => RedisRateLimitStore.make({ prefix })))
  })

  describe("CacheStore contract: Redis", () => {
    cacheStoreContract(it.effect, onRedis((prefix) => RedisCacheStore.make({ prefix })), sleep)
  })

  describe("EventStore contract: Redis", () => {
    eventStoreContract(it.effect, (options) => onRedis((prefix) => RedisEventStore.make({ ...options, prefix })))
  })

  it.effect("every key is under the store's prefix; two prefixes never see each other", () =>
    Effect.gen(function*() {
      const a = uniquePrefix()
      const b = uniquePrefix()
      const [limitsA, cacheA, eventsA, limitsB, cacheB, eventsB, redis] = yield* onRedis(() => Effect.all([
        RedisRateLimitStore.make({ prefix: a }),
        RedisCacheStore.make({ prefix: a }),
        RedisEventStore.make({ prefix: a }),
        RedisRateLimitStore.make({ prefix: b }),
        RedisCacheStore.make({ prefix: b }),
        RedisEventStore.make({ prefix: b }),
        Effect.service(Redis.Redis)
      ]))
      const window = RateLimit.slidingWindow({ limit: 1, windowMillis: 60_000 })
      assert.isTrue((yield* limitsA.consume("k", window)).allowed)
      assert.isFalse((yield* limitsA.consume("k", window)).allowed)
      assert.isTrue((yield* limitsB.consume("k", window)).allowed, "b has its own budget")

      yield* cacheA.set("x:1", "from a", 60_000)
      yield* cacheA.set("y:1", "kept", 60_000)
      assert.isTrue(Option.isNone(yield* cacheB.get("x:1")))
      yield* cacheB.set("x:1", "from b", 60_000)
      yield* cacheA.invalidate("x:")
      assert.isTrue(Option.isNone(yield* cacheA.get("x:1")))
      assert.deepStrictEqual(yield* cacheB.get("x:1"), Option.some("from b"))

      yield* eventsA.append("S", "s1", message(1))
      assert.isUndefined(yield* eventsB.replayAfter("S", "s1.0"))
      yield* eventsB.append("S", "s1", message(2))
      yield* eventsB.forgetSession("S")
      assert.deepStrictEqual((yield* eventsA.replayAfter("S", "s1.0"))?.events.map((e) => e.message), [message(1)])

      const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `test-*`))
      const ours = keys.filter((key) => key.startsWith(a) || key.startsWith(b))
      assert.isTrue(ours.some((key) => key.startsWith(`${a}rate-limit:`)), JSON.stringify(keys))
      assert.isTrue(ours.some((key) => key.startsWith(`${a}cache:`)), JSON.stringify(keys))
      assert.isTrue(ours.some((key) => key.startsWith(`${a}events:`)), JSON.stringify(keys))
      assert.isFalse(ours.some((key) => key.startsWith(`${b}events:`)), "b's session was forgotten")
      // Each key expires (nothing is left for ever).
      for (const key of ours) {
        assert.isTrue((yield* Effect.orDie(redis.send<number>("PTTL", key))) > 0, key)
      }
    }))

  // Fails before: an entry of a TTL of Infinity (or past what Redis takes) was SET without expiry.
  // Its key names the caller (a session) and the process: once the session ended or the process
  // restarted, nothing could read it, and Redis kept it for good (one key per session, unbounded).
  it.effect("every cache entry expires: a TTL of Infinity, or longer than a day, is kept a day", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const [cache, redis] = yield* onRedis(() => Effect.all([RedisCacheStore.make({ prefix }), Effect.service(Redis.Redis)]))
      const day = 86_400_000
      yield* cache.set("forever", 1, Number.POSITIVE_INFINITY)
      yield* cache.set("huge", 2, 1e20)
      yield* cache.set("week", 3, 7 * day)
      yield* cache.set("minute", 4, 60_000)
      for (const [key, longest] of [["forever", day], ["huge", day], ["week", day], ["minute", 60_000]] as const) {
        const ttl = yield* Effect.orDie(redis.send<number>("PTTL", `${prefix}cache:${key}`))
        assert.isTrue(ttl > longest - 60_000 && ttl <= longest, `${key}: ${ttl}`)
      }
      assert.deepStrictEqual(yield* cache.get("forever"), Option.some(1))
    }))

  it.effect("a rate-limit key written over by hand (another type, numbers that are not numbers) reads as fresh and is healed, not refused for ever", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const [limits, redis] = yield* onRedis(() => Effect.all([RedisRateLimitStore.make({ prefix }), Effect.service(Redis.Redis)]))
      const window = RateLimit.slidingWindow({ limit: 2, windowMillis: 60_000 })
      const bucket = RateLimit.tokenBucket({ capacity: 2, refillPerSecond: 1 })
      const key = (name: string) => `${prefix}rate-limit:${name}`
      yield* Effect.orDie(redis.send("SET", key("string"), "garbage"))
      yield* Effect.orDie(redis.send("HSET", key("window"), "kind", "sw", "hits", "zz:yy,1:"))
      yield* Effect.orDie(redis.send("HSET", key("bucket"), "kind", "tb", "tokens", "x", "at", "y"))
      for (const [name, policy] of [["string", window], ["window", window], ["bucket", bucket]] as const) {
        const first = yield* limits.consume(name, policy)
        assert.isTrue(first.allowed, name)
        assert.strictEqual(first.remaining, 1, name)
        // Healed: an expiring budget of the policy's kind, counting from here.
        assert.isTrue((yield* Effect.orDie(redis.send<number>("PTTL", key(name)))) > 0, name)
        assert.strictEqual((yield* limits.consume(name, policy)).remaining, 0, name)
      }
    }))

  it.effect("a log whose data JSON cannot hold (a BigInt) is stored made JSON, as it is sent, not a defect", () =>
    Effect.gen(function*() {
      const events = yield* onRedis((prefix) => RedisEventStore.make({ prefix }))
      const log = { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { n: 1n } } } as JsonRpc.Message
      assert.strictEqual(yield* events.append("S", "s1", log), "s1.1")
      const replay = yield* events.replayAfter("S", "s1.0")
      assert.deepStrictEqual(replay?.events.map((event) => event.message), [
        { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { n: "1n" } } }
      ])
    }))

  it.effect("a live stream quiet past ttlMillis while its session goes on (its keys expired) still resumes, and keeps what it sends after", () =>
    Effect.gen(function*() {
      const events = yield* onRedis((prefix) => RedisEventStore.make({ prefix, ttlMillis: 300 }))
      // A standalone stream sends one event, then nothing, while the session's other streams go on.
      assert.strictEqual(yield* events.append("S", "standalone", message(1)), "standalone.1")
      for (let i = 1; i <= 6; i++) {
        yield* events.append("S", `call${i}`, message(i), true)
        yield* sleep(100)
      }
      // The client, which got standalone.1, reconnects: nothing was sent since, nothing is missing.
      assert.deepStrictEqual(yield* events.replayAfter("S", "standalone.1"), { streamId: "standalone", events: [] })
      assert.strictEqual(yield* events.append("S", "standalone", message(2)), "standalone.2")
      assert.deepStrictEqual(
        (yield* events.replayAfter("S", "standalone.1"))?.events.map((event) => event.id),
        ["standalone.2"]
      )
      // What expired is not given as if it were there: a client resuming from before it is refused.
      assert.isUndefined(yield* events.replayAfter("S", "standalone.0"))
      assert.deepStrictEqual((yield* events.retained!("S", "standalone")).map((event) => event.id), ["standalone.2"])
    }))

  it.effect("a stream Redis lost (a restart without persistence) is refused from before the loss, not replayed with a gap", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const [events, redis] = yield* onRedis(() => Effect.all([RedisEventStore.make({ prefix }), Effect.service(Redis.Redis)]))
      yield* events.append("S", "s1", message(1))
      yield* events.append("S", "s1", message(2))
      // Redis loses the stream's keys (as a restart without persistence would); the stream goes on.
      const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}*`))
      yield* Effect.orDie(redis.send("DEL", ...keys))
      assert.strictEqual(yield* events.append("S", "s1", message(3)), "s1.3")
      assert.isUndefined(yield* events.replayAfter("S", "s1.0"))
      assert.isUndefined(yield* events.replayAfter("S", "s1.1"))
      // A client that got everything before the loss misses nothing: it is kept from there on.
      assert.deepStrictEqual((yield* events.replayAfter("S", "s1.2"))?.events.map((event) => event.id), ["s1.3"])
      yield* events.append("S", "s1", message(4), true)
      assert.deepStrictEqual((yield* events.replayAfter("S", "s1.3"))?.events.map((event) => event.id), ["s1.4"])
      assert.deepStrictEqual((yield* events.retained!("S", "s1")).map((event) => event.id), ["s1.3", "s1.4"])
      // Another stream of the session is fine.
      yield* events.append("S", "s2", message(1))
      assert.strictEqual((yield* events.replayAfter("S", "s2.0"))?.events.length, 1)
    }))
})
