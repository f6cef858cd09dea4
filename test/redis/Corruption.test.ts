/**
 * The cache and event stores' keys written over by someone else (another program under the same
 * prefix, a hand edit, a half-done migration): text that is not JSON, JSON that is not what the
 * store wrote, a key of another type. Such an entry is no entry: a cached call runs its handler
 * and is answered, a resumption is refused (the client re-issues its request), and nothing hangs,
 * dies or fails for as long as the key lives. Found by fuzzing; these fail before a fix.
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import type * as JsonRpc from "../../src/protocol/JsonRpc.ts"
import { RedisCacheStore, RedisEventStore } from "../../src/redis.ts"
import { text } from "../middleware/builtinSupport.ts"
import { connect, sdk, startServer } from "../server/McpServerHarness.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

/** Builds `make` on a new client of the test Redis, with that client as the `Redis` service. */
const onRedis = <A>(make: Effect.Effect<A, never, Redis.Redis>) =>
  Effect.gen(function*() {
    const server = yield* TestRedis
    const context = yield* Layer.build(redisClient(server.url))
    return yield* Effect.provideContext(Effect.all([make, Effect.service(Redis.Redis)]), context)
  }).pipe(Effect.orDie)

const message = (i: number): JsonRpc.Message => ({ jsonrpc: "2.0", method: "notifications/message", params: { i } }) as JsonRpc.Message

/** What someone else may have written under a cache key (and how). */
const foreignValues: ReadonlyArray<readonly [string, (redis: Redis.Redis["Service"], key: string) => Effect.Effect<unknown, Redis.RedisError>]> = [
  ["text that is not JSON", (redis, key) => redis.send("SET", key, "{not json")],
  ["a number", (redis, key) => redis.send("SET", key, "42")],
  ["a string", (redis, key) => redis.send("SET", key, "\"cached\"")],
  ["an array", (redis, key) => redis.send("SET", key, "[]")],
  ["null", (redis, key) => redis.send("SET", key, "null")],
  ["a hash", (redis, key) => Effect.andThen(redis.send("DEL", key), redis.send("HSET", key, "content", "x"))]
]

layer(TestRedis.layer, { excludeTestServices: true })("Redis entries written by someone else", (it) => {
  it.effect("a cache entry that is not JSON, or a key of another type, reads as a miss (not a defect, not 'Store unavailable' until it expires)", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const [cache, redis] = yield* onRedis(RedisCacheStore.make({ prefix }))
      yield* Effect.orDie(redis.send("SET", `${prefix}cache:not-json`, "{not json"))
      yield* Effect.orDie(redis.send("HSET", `${prefix}cache:a-hash`, "a", "b"))
      for (const key of ["not-json", "a-hash"]) {
        const read = yield* Effect.exit(cache.get(key))
        assert.deepStrictEqual(read._tag === "Success" && Option.isNone(read.value), true, `${key}: ${JSON.stringify(read)}`)
        // ...and a set writes over it.
        yield* cache.set(key, { ok: true }, 60_000)
        assert.deepStrictEqual(yield* cache.get(key), Option.some({ ok: true }), key)
      }
    }))

  it.effect("a cached tool whose entries were written over: every call runs the handler and is answered (a number or a string made the SDK client wait for ever)", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const prefix = uniquePrefix()
      const client = redisClient(server.url)
      let runs = 0
      const mcp = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool({
            name: "double",
            parameters: { x: Schema.Number },
            handler: ({ x }) =>
              Effect.sync(() => {
                runs++
                return String(x * 2)
              })
          }),
          ResponseCache.layer({ callTools: ["double"] })
        ).pipe(Layer.provide(RedisCacheStore.layer({ prefix })), Layer.provide(client), Layer.orDie)
      )
      const [, redis] = yield* onRedis(Effect.void)
      const { client: mcpClient } = yield* connect(mcp)
      const call = Effect.timeoutOrElse(sdk(() => mcpClient.callTool({ name: "double", arguments: { x: 21 } })), {
        duration: 3_000,
        orElse: () => Effect.fail({ message: "no answer within 3 s" })
      })
      assert.strictEqual(text(yield* call), "42")
      assert.strictEqual(runs, 1)
      const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}cache:*tools/call*`))
      assert.lengthOf(keys, 1)
      for (const [what, write] of foreignValues) {
        yield* Effect.orDie(write(redis, keys[0]!))
        const before = runs
        const answer = yield* Effect.result(call)
        assert.deepStrictEqual(
          answer._tag === "Success" ? text(answer.success) : answer.failure,
          "42",
          `${what}: the call is answered by the tool`
        )
        assert.strictEqual(runs, before + 1, `${what}: the handler ran`)
      }
    }))

  it.effect("a stored event that is not JSON, or not a JSON-RPC message, makes its stream unresumable (not a defect, not replayed)", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const [events, redis] = yield* onRedis(RedisEventStore.make({ prefix }))
      const corrupt = [["s1", "{not json"], ["s2", "42"], ["s3", "{\"jsonrpc\":\"2.0\"}"]] as const
      for (const [stream, written] of corrupt) {
        yield* events.append("S", stream, message(1))
        yield* events.append("S", stream, message(2))
        yield* Effect.orDie(redis.send("LSET", `${prefix}events:S:e:${stream}`, "0", written))
        const replayed = yield* Effect.exit(events.replayAfter("S", `${stream}.0`))
        assert.deepStrictEqual(replayed, yield* Effect.exit(Effect.succeed(undefined)), `${written}: refused`)
        // The events after it are still whole.
        assert.deepStrictEqual((yield* events.replayAfter("S", `${stream}.1`))?.events.map((e) => e.message), [message(2)], written)
        // What the stream keeps, gaps allowed: the others.
        assert.deepStrictEqual(yield* events.retained!("S", stream), [{ id: `${stream}.2`, message: message(2) }], written)
      }
    }))

  it.effect("a stream record that cannot be read (its counter not a number, a key of another type) is refused, not 'Store unavailable; retry later' until it expires", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const [events, redis] = yield* onRedis(RedisEventStore.make({ prefix }))
      yield* events.append("S", "s1", message(1))
      yield* events.append("S", "s2", message(1))
      yield* Effect.orDie(redis.send("HSET", `${prefix}events:S:s:s1`, "next", "abc"))
      yield* Effect.orDie(Effect.andThen(redis.send("DEL", `${prefix}events:S:s:s2`), redis.send("SET", `${prefix}events:S:s:s2`, "x")))
      // Its events' list a key of another type.
      yield* events.append("S", "s3", message(1))
      yield* Effect.orDie(Effect.andThen(redis.send("DEL", `${prefix}events:S:e:s3`), redis.send("SET", `${prefix}events:S:e:s3`, "x")))
      for (const stream of ["s1", "s2", "s3"]) {
        const replayed = yield* Effect.exit(events.replayAfter("S", `${stream}.0`))
        assert.deepStrictEqual(replayed, yield* Effect.exit(Effect.succeed(undefined)), stream)
        assert.deepStrictEqual(yield* Effect.exit(events.retained!("S", stream)), yield* Effect.exit(Effect.succeed([])), stream)
      }
    }))
})
