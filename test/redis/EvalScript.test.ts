/**
 * How the Redis stores run their Lua scripts (`evalScript`, src/redis/internal/store.ts): EVALSHA
 * of a SHA-1 computed once, and the script loaded again when Redis no longer has it (a restart, a
 * `SCRIPT FLUSH`), against a real redis-server.
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import { createHash } from "node:crypto"
import { evalScript } from "../../src/redis/internal/store.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

const lua = "redis.call('INCRBY', KEYS[1], ARGV[1]) return { KEYS[1], ARGV[1], ARGV[2], redis.call('GET', KEYS[1]) }"
const script = Redis.script((key: string, by: number, label: string) => [key, by, label], { lua, numberOfKeys: 1 })
  .withReturnType<ReadonlyArray<string>>()

layer(TestRedis.layer, { excludeTestServices: true })("evalScript (the Redis stores' Lua calls)", (it) => {
  it.effect("keys and arguments as strings; the script loaded again after Redis forgot it", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      const key = `${uniquePrefix()}counter`
      const sha = createHash("sha1").update(lua).digest("hex")
      const call = evalScript(redis, script)
      yield* Effect.orDie(redis.send("SCRIPT", "FLUSH"))
      // Not loaded: NOSCRIPT, then loaded and sent again.
      assert.deepStrictEqual(yield* Effect.orDie(call(key, 2, "first")), [key, "2", "first", "2"])
      assert.deepStrictEqual(yield* Effect.orDie(redis.send<ReadonlyArray<number>>("SCRIPT", "EXISTS", sha)), [1])
      assert.deepStrictEqual(yield* Effect.orDie(call(key, 3, "second")), [key, "3", "second", "5"])
      yield* Effect.orDie(redis.send("SCRIPT", "FLUSH"))
      assert.deepStrictEqual(yield* Effect.orDie(call(key, 1, "third")), [key, "1", "third", "6"])
      // A script error is the call's failure, not retried as a missing script.
      const broken = evalScript(redis, Redis.script((k: string) => [k], { lua: "return redis.call('NOSUCHCOMMAND', KEYS[1])", numberOfKeys: 1 }))
      const failure = yield* Effect.flip(broken(key))
      assert.include(String(failure.cause), "Unknown Redis command")
    }))
})
