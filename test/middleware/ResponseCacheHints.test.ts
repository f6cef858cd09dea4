/**
 * ResponseCache and the 2026-07-28 caching hints (SEP-2549), over Streamable HTTP: an answer whose
 * `ttlMs` says how long it is fresh is served from the cache with that time shortened by the
 * answer's age, as a cache's `Age` counts against `max-age`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "../../src/index.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { modern, serveHttp } from "../extensions/support.ts"

const reads = { count: 0 }
/** A read that says its contents are fresh for a minute (and counts its runs). */
const Catalog = McpServer.resource({
  uri: "catalog://products",
  name: "products",
  read: Effect.sync(() => {
    reads.count++
    return { contents: [{ uri: "catalog://products", text: `apples (read ${reads.count})` }], ttlMs: 60_000, cacheScope: "public" as const }
  })
})

const fractionalReads = { count: 0 }
/** A read whose hint is no integer (60,000.5 ms): clients refuse such a `ttlMs`, and the server sends 0. */
const Fractional = McpServer.resource({
  uri: "catalog://fractional",
  name: "fractional",
  read: Effect.sync(() => {
    fractionalReads.count++
    return { contents: [{ uri: "catalog://fractional", text: `pears (read ${fractionalReads.count})` }], ttlMs: 60_000.5, cacheScope: "public" as const }
  })
})

const read = (url: string, uri = "catalog://products") =>
  Effect.promise(async () => {
    const answer = await modern(url, "resources/read", { uri })
    if (answer.message?.result === undefined) throw new Error(JSON.stringify(answer))
    return answer.message.result
  })

describe("ResponseCache and the 2026-07-28 caching hints", () => {
  // Fails before: the cached answer said 60,000 ms whatever its age.
  it.live("a cached answer's ttlMs counts down with its age; the time it was made is not sent", () =>
    Effect.gen(function*() {
      reads.count = 0
      const { url } = yield* serveHttp(
        { name: "hints", version: "1.0.0" },
        Layer.mergeAll(Catalog, ResponseCache.layer().pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())))
      )
      const first = yield* read(url)
      assert.strictEqual(first?.ttlMs, 60_000, JSON.stringify(first))
      yield* Effect.sleep("1200 millis")
      const second = yield* read(url)
      // From the cache: the read ran once.
      assert.strictEqual(reads.count, 1)
      assert.deepStrictEqual(second.contents, first.contents)
      assert.isAtMost(second.ttlMs, 60_000 - 1_200, JSON.stringify(second))
      assert.isAtLeast(second.ttlMs, 0)
      assert.strictEqual(second.cacheScope, "public")
      assert.deepStrictEqual(Object.keys(second).filter((key) => key.includes("cachedAt")), [])
    }), 30_000)

  // Fails before: the fresh answer said 0 (the server sends a hint clients refuse as 0), and the
  // cached one a whole number of milliseconds near a minute (its age taken off, rounded down):
  // fresher from the cache than the read made it.
  it.live("an answer whose ttlMs is no integer (sent as 0) is served from the cache with 0 too", () =>
    Effect.gen(function*() {
      fractionalReads.count = 0
      const { url } = yield* serveHttp(
        { name: "hints", version: "1.0.0" },
        Layer.mergeAll(Fractional, ResponseCache.layer().pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())))
      )
      const first = yield* read(url, "catalog://fractional")
      assert.strictEqual(first?.ttlMs, 0, JSON.stringify(first))
      const second = yield* read(url, "catalog://fractional")
      // From the cache: the read ran once.
      assert.strictEqual(fractionalReads.count, 1)
      assert.deepStrictEqual(second.contents, first.contents)
      assert.strictEqual(second.ttlMs, 0, JSON.stringify(second))
    }), 30_000)
})
