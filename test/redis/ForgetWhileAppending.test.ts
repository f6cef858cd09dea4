/**
 * `RedisEventStore.forgetSession` while an append of the session still runs, against a real
 * redis-server: the forget must come after it, or the append recreates the session's keys (left
 * for `ttlMillis`, an hour by default).
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as RedisEventStore from "../../src/redis/RedisEventStore.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

layer(TestRedis.layer, { excludeTestServices: true })("RedisEventStore.forgetSession while an append runs", (it) => {
  // Fails before the fix: the append, answered NOSCRIPT (Redis restarted, or its scripts
  // flushed), was sent again after the forget had run: the session's keys were back, for an hour.
  it.effect("the forget runs after the append: no key of the session is left", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      const prefix = uniquePrefix()
      const store = yield* Effect.provideService(RedisEventStore.make({ prefix }), Redis.Redis, redis)
      const message = { jsonrpc: "2.0" as const, method: "notifications/message", params: { level: "info", data: "x" } }
      for (let round = 0; round < 5; round++) {
        const sessionId = `S${round}`
        yield* Effect.orDie(redis.send("SCRIPT", "FLUSH"))
        // The forget's script loaded again, the append's not.
        yield* Effect.orDie(store.forgetSession("another"))
        // The append is sent (EVALSHA, then NOSCRIPT, the script loaded, sent again) while the
        // session ends.
        const appended = yield* Effect.forkChild(Effect.exit(store.append(sessionId, "st", message)))
        yield* Effect.yieldNow
        const forgotten = yield* Effect.forkChild(Effect.exit(store.forgetSession(sessionId)))
        assert.strictEqual((yield* Fiber.join(appended))._tag, "Success", `round ${round}: the append failed`)
        assert.strictEqual((yield* Fiber.join(forgotten))._tag, "Success", `round ${round}: the forget failed`)
        const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}events:${sessionId}:*`))
        assert.deepStrictEqual(keys, [], `round ${round}: the session's keys were recreated`)
      }
    }))

  // Fails before the fix: an append of a stream whose last append failed is sent without being
  // waited for, in a fiber that started later (forked, not at once): a forget asked meanwhile saw
  // no append running and ran first, and the append recreated the session's keys, for an hour.
  it.effect("an append not waited for (its stream's last append failed) is counted before the forget: no key of the session is left", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      const prefix = uniquePrefix()
      const store = yield* Effect.provideService(RedisEventStore.make({ prefix, timeoutMillis: 200 }), Redis.Redis, redis)
      const message = { jsonrpc: "2.0" as const, method: "notifications/message", params: { level: "info", data: "x" } }
      // The stream's append times out: the stream is failing.
      yield* server.freeze
      const first = yield* Effect.exit(store.append("S", "st", message)).pipe(Effect.ensuring(server.thaw))
      assert.strictEqual(first._tag, "Failure")
      // Redis has run it, on this connection before the PING.
      yield* Effect.orDie(redis.send("PING"))
      const next = yield* Effect.exit(store.append("S", "st", message))
      assert.strictEqual(next._tag, "Failure", "not waited for: it fails at once")
      yield* Effect.orDie(store.forgetSession("S"))
      // What was sent before this PING on the connection has run.
      yield* Effect.orDie(redis.send("PING"))
      const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}events:S:*`))
      assert.deepStrictEqual(keys, [], "the session's keys were recreated after its forget")
    }))

  // Fails before the fix (the forget never ends: timed out): the append counted itself among the
  // session's running appends before serialising its message, which threw, so it was never
  // counted out and the forget waited for it for good.
  it.effect("an append whose message cannot be serialised does not keep the forget waiting", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      const store = yield* Effect.provideService(RedisEventStore.make({ prefix: uniquePrefix() }), Redis.Redis, redis)
      const message = { jsonrpc: "2.0" as const, method: "notifications/progress", params: { progressToken: 1n, progress: 1 } }
      const appended = yield* Effect.exit(store.append("S", "st", message))
      assert.strictEqual(appended._tag, "Failure")
      const forgotten = yield* Effect.exit(Effect.timeout(store.forgetSession("S"), "5 seconds"))
      assert.strictEqual(forgotten._tag, "Success", String(forgotten))
    }))
})
