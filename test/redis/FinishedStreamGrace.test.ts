/**
 * A 2025 session's finished SSE stream on `RedisEventStore`: written out to its end (its answer
 * handed to the socket, not necessarily received), it stays resumable for the endpoint's
 * `finishedStreamGraceMillis`, then is forgotten (on Redis too). Fails before the fix: the
 * endpoint had the store forget it as soon as it was written out, and a client whose connection
 * broke while the answer was in flight was refused 400 on resuming.
 */
import { assert, layer } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { RedisStores } from "../../src/redis.ts"
import { messagesOf, nodeFetch, on, openSession, readSse, serveOnAnyPort, sseReader } from "../http/support.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"

layer(TestRedis.layer, { excludeTestServices: true })("a finished stream's grace on Redis", (it) => {
  it.effect("resumable once written out, for the grace; forgotten after it", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const stores = yield* Layer.build(RedisStores.layer({ url: redis.url, prefix: uniquePrefix() }))
      const release = Deferred.makeUnsafe<void>()
      const Wait = McpServer.tool({
        name: "wait",
        handler: () => Effect.andThen(McpContext.progress(1, 2), Effect.as(Deferred.await(release), "answered"))
      })
      const { url } = yield* Effect.provideContext(
        serveOnAnyPort((port) =>
          McpServer.serve({ name: "grace", version: "1" }, Wait, StreamableHttp.make({ host: "127.0.0.1", port, finishedStreamGraceMillis: 1_500 }))
        ),
        stores
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const { response } = yield* Effect.promise(() =>
        nodeFetch(
          url,
          "POST",
          on(sessionId, { accept: "application/json, text/event-stream", "content-type": "application/json" }),
          JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "wait", arguments: {}, _meta: { progressToken: "p" } } })
        )
      )
      const reader = sseReader(response)
      yield* Effect.promise(() => reader.next()) // priming
      const progress = (yield* Effect.promise(() => reader.next()))!
      assert.strictEqual(JSON.parse(progress.data).method, "notifications/progress")
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(JSON.parse((yield* Effect.promise(() => reader.next()))!.data).id, 5)
      // Read to its end: written out whole.
      assert.isUndefined(yield* Effect.promise(() => reader.next()))
      const resume = () => fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": progress.id! }) })
      // At once: a resumption's round trip took ~0.5 s on a loaded machine (a grace of 400 ms, as
      // first written, could pass before it).
      const resumed = yield* Effect.promise(resume)
      assert.strictEqual(resumed.status, 200, "resumable in its grace")
      assert.deepStrictEqual(messagesOf(yield* Effect.promise(() => readSse(resumed))).map((message) => message.id), [5])
      // Past the grace (started over as the resumption was written out) and half of it again: forgotten.
      yield* Effect.sleep(2_600)
      const late = yield* Effect.promise(resume)
      yield* Effect.promise(() => late.text())
      assert.strictEqual(late.status, 400, "forgotten after its grace")
    }))
})
