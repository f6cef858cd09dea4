/**
 * The `CacheStore` of `ResponseCache` on Redis: each answer a string key `<prefix>cache:<key>`
 * holding its JSON, expiring after its TTL (Redis' own `PX`), so the cache takes no memory of the
 * server's and needs no `maxEntries` (Redis' `maxmemory` policy bounds it).
 *
 * **Details**
 *
 * - `invalidate(prefix)` walks the store's keys with `SCAN … MATCH` and unlinks those under the
 *   prefix. It only frees room: the cache never answers from an older generation's entries.
 * - Every entry expires: a TTL longer than a day (`Infinity` included) is kept a day. Its key names
 *   the caller (a session) and the process: kept for ever, it would outlive every reader.
 * - The cache's keys name the server instance that wrote them (see `ResponseCache`): replicas
 *   sharing a Redis never answer from each other's entries.
 * - An entry that is not JSON, or a key of another type, reads as absent; JSON that is not an answer
 *   of its method is refused by `ResponseCache` (a miss, written over). Neither is ever served.
 * - A Redis that fails or does not answer within `timeoutMillis` fails the operation with a
 *   `StoreError` (see `ResponseCache` for what the cache then does).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redis from "effect/persistence/Redis"
import { CacheStore, type CacheStoreShape } from "../middleware/builtin/ResponseCache.ts"
import { checkStoreOptions, calls, resolve, type StoreOptions } from "./internal/store.ts"

/**
 * Options of the Redis cache store.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends StoreOptions {}

/** A glob that matches `text` literally (SCAN's MATCH), followed by anything. */
const globPrefix = (text: string): string => `${text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`

/**
 * The longest an entry is kept (a day): a longer TTL (`Infinity`, which keeps an answer until a
 * change drops it) is kept a day, then computed again. The keys name the caller (a session, a
 * client address) and the process that wrote them, so an entry without expiry outlived every
 * request that could read it (the session ended, the process restarted) and stayed in Redis for
 * good: one key per session, unbounded (Redis's default `noeviction`, or a `volatile-*` policy,
 * never drops a key without expiry), until Redis refused every write of every store.
 */
const longestTtlMillis = 86_400_000

/** How many SCAN rounds one invalidation makes at most (each looks at about 1 000 keys). */
const maxScanRounds = 100_000

/**
 * Builds the store on the `Redis` service.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<CacheStoreShape, never, Redis.Redis> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const call = calls(redis)
    const { prefix, run } = resolve("CacheStore", "cache:", options)
    return {
      get: (key) =>
        Effect.map(
          // A key of another type (written by someone else) is no entry: a set writes over it.
          Effect.catchIf(run("GET", call.send<string | null>("GET", prefix + key)), (error) => String(error.cause).includes("WRONGTYPE"), () =>
            Effect.succeed(null)),
          (json) => {
            if (json === null) return Option.none()
            try {
              return Option.some(JSON.parse(json) as unknown)
            } catch {
              return Option.none()
            }
          }
        ),
      set: (key, value, ttlMillis) => {
        const json = JSON.stringify(value)
        if (json === undefined || !(ttlMillis > 0)) return Effect.void
        // Redis takes whole milliseconds; a TTL longer than `longestTtlMillis` (`Infinity`
        // included) is kept that long (see the module's doc).
        return run("SET", call.send("SET", prefix + key, json, "PX", String(Math.min(Math.ceil(ttlMillis), longestTtlMillis))))
      },
      invalidate: (keyPrefix) =>
        run(
          "SCAN/UNLINK",
          Effect.gen(function*() {
            const match = globPrefix(prefix + keyPrefix)
            let cursor = "0"
            for (let round = 0; round < maxScanRounds; round++) {
              const [next, keys] = yield* redis.send<readonly [string, ReadonlyArray<string>]>(
                "SCAN",
                cursor,
                "MATCH",
                match,
                "COUNT",
                "1000"
              )
              if (keys.length > 0) yield* redis.send("UNLINK", ...keys)
              cursor = next
              if (cursor === "0") return
            }
          })
        )
    }
  })

/**
 * The `CacheStore` on the `Redis` service (see the module's doc); a `RangeError` for an option out of range.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CacheStore, never, Redis.Redis> => {
  checkStoreOptions("RedisCacheStore.layer", options)
  return Layer.effect(CacheStore, make(options))
}
