/**
 * `RedisEventStore` and a stream whose appends go unanswered (a Redis frozen with SIGSTOP): past
 * the first failed append, the next are not waited for, and are not piled up either. Each one
 * sent to a Redis that does not answer stays in the client's queue, its event's text with it,
 * until Redis answers or the connection drops: a stream that sends fast (progress, logs) through
 * a long stall held every event of it in memory, and Redis ran them all once it resumed.
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as RedisEventStore from "../../src/redis/RedisEventStore.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

/** How many times Redis ran EVALSHA since its statistics were reset (`INFO commandstats`). */
const evalshaCalls = (redis: Redis.Redis["Service"]) =>
  Effect.map(Effect.orDie(redis.send<string>("INFO", "commandstats")), (info) => Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0))

layer(TestRedis.layer, { excludeTestServices: true })("RedisEventStore and a stream Redis does not answer", (it) => {
  // Failed before: Redis ran 101 appends of the stream once thawed (each sent while it was frozen).
  it.effect("one append of the stream waits on Redis at a time: the others fail at once and are not sent", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      const prefix = uniquePrefix()
      const store = yield* Effect.provideService(RedisEventStore.make({ prefix, timeoutMillis: 200 }), Redis.Redis, redis)
      const message = { jsonrpc: "2.0" as const, method: "notifications/message", params: { level: "info", data: "x".repeat(10_000) } }
      // The script loaded, the statistics from here.
      yield* Effect.orDie(store.append("warm", "st", message))
      yield* Effect.orDie(redis.send("CONFIG", "RESETSTAT"))
      yield* server.freeze
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 101 }, (_, i) => i),
        () => Effect.exit(store.append("S", "st", message))
      ).pipe(Effect.ensuring(server.thaw))
      assert.isTrue(outcomes.every((exit) => exit._tag === "Failure"), "every append failed")
      // What was sent before this PING on the connection has run.
      yield* Effect.orDie(redis.send("PING"))
      const calls = yield* evalshaCalls(redis)
      assert.isAtMost(calls, 3, `Redis ran ${calls} appends of a stream that lost its events`)
      // Redis answers again: the stream's next append is waited for, and the stream is still
      // refused on resumption (it lost events).
      const next = yield* Effect.exit(store.append("S", "st", message))
      const after = yield* Effect.exit(store.append("S", "st", message))
      assert.isTrue(next._tag === "Success" || after._tag === "Success", "appends are waited for again")
      assert.isUndefined(yield* Effect.orDie(store.replayAfter("S", "st.1")))
    }), 20_000)
})
