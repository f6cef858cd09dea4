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
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import { McpServer, Middleware } from "../../src/index.ts"
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
  ["a hash", (redis, key) => Effect.andThen(redis.send("DEL", key), redis.send("HSET", key, "content", "x"))],
  // Objects that are no tools/call answer (another version's entry, a colliding key, a cut write).
  ["an empty object", (redis, key) => redis.send("SET", key, "{}")],
  ["an object whose content is not an array", (redis, key) => redis.send("SET", key, `{"content":"cached"}`)],
  ["content holding null", (redis, key) => redis.send("SET", key, `{"content":[null]}`)],
  ["a content block without a type", (redis, key) => redis.send("SET", key, `{"content":[{"text":"cached"}]}`)],
  ["an isError that is not a boolean", (redis, key) => redis.send("SET", key, `{"content":[],"isError":"no"}`)],
  ["another method's answer", (redis, key) => redis.send("SET", key, `{"tools":[]}`)]
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
        // ...and its answer was written over the entry: the next call is a hit.
        const stored = yield* Effect.orDie(redis.send<string | null>("GET", keys[0]!))
        assert.deepStrictEqual(JSON.parse(stored ?? "null")?.content, [{ type: "text", text: "42" }], `${what}: written over`)
        assert.strictEqual(text(yield* call), "42")
        assert.strictEqual(runs, before + 1, `${what}: answered from the entry written over`)
      }
    }))

  it.effect("a list entry of the wrong shape is a miss written over, logged once as a warning (then at debug level)", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const prefix = uniquePrefix()
      const logs: Array<{ readonly level: string; readonly message: string }> = []
      const logger = Logger.make(({ logLevel, message }) => {
        logs.push({ level: logLevel, message: String(Array.isArray(message) ? message[0] : message) })
      })
      let lists = 0
      const mcp = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool({ name: "t", handler: () => Effect.succeed("ok") }),
          // The cache, then (below it) a middleware counting the lists that reach the server.
          Layer.unwrap(Effect.map(ResponseCache.make(), (cache) =>
            McpServer.middleware(
              cache,
              Middleware.make("count", { onListTools: (params, _, next) => Effect.andThen(Effect.sync(() => lists++), next(params)) })
            )))
        ).pipe(
          Layer.provide(RedisCacheStore.layer({ prefix })),
          Layer.provide(redisClient(server.url)),
          Layer.provide(Layer.merge(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "Debug"))),
          Layer.orDie
        )
      )
      const [, redis] = yield* onRedis(Effect.void)
      const { client } = yield* connect(mcp)
      const list = sdk(() => client.listTools())
      assert.deepStrictEqual((yield* list).tools.map((tool) => tool.name), ["t"])
      assert.strictEqual(lists, 1)
      const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}cache:*tools/list*`))
      assert.lengthOf(keys, 1)
      const wrong = [`{"tools":"t"}`, `{"tools":[{"name":"t"}]}`, `{"tools":[null]}`, `{"tools":[],"nextCursor":5}`, `{"content":[]}`]
      for (const [i, written] of wrong.entries()) {
        yield* Effect.orDie(redis.send("SET", keys[0]!, written))
        assert.deepStrictEqual((yield* list).tools.map((tool) => tool.name), ["t"], written)
        assert.strictEqual(lists, i + 2, `${written}: the list ran`)
        // Written over: the next list is answered from the store.
        assert.deepStrictEqual((yield* list).tools.map((tool) => tool.name), ["t"], written)
        assert.strictEqual(lists, i + 2, `${written}: a hit after`)
      }
      yield* Effect.sleep(50)
      const told = logs.filter((log) => log.message.includes("not a tools/list answer"))
      assert.deepStrictEqual(told.map((log) => log.level), ["Warn", "Debug", "Debug", "Debug", "Debug"])
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
