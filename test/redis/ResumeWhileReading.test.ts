/**
 * A 2025 session's SSE stream resumed (`Last-Event-ID`) on `RedisEventStore`, which answers the
 * replay's read later than the in-memory store: what the stream sends while the read is under
 * way reaches the resuming client after the replay, in order. Fails before the fix: the
 * resumption was attached only once the read was back, so the events stored in between went to
 * no connection; the call's answer among them, the stream was replayed without it and forgotten,
 * and the SDK v1 client never got its result.
 */
import { assert, layer } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { EventStore, McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { RedisEventStore } from "../../src/redis.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

layer(TestRedis.layer, { excludeTestServices: true })("a resumption while the event store reads its replay", (it) => {
  it.effect("SDK v1: the progress and the answer sent while the replay is read reach the client after it", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const built = yield* Layer.build(Layer.provide(RedisEventStore.layer({ prefix: uniquePrefix() }), redisClient(redis.url)))
      const redisStore = built.mapUnsafe.get(EventStore.EventStore.key) as EventStore.EventStoreShape
      // The first resumption's read is back from Redis, and is handed to the endpoint only once
      // the call has sent its last progress and its answer (stored on Redis meanwhile).
      const reading = Deferred.makeUnsafe<void>()
      const readBack = Deferred.makeUnsafe<void>()
      const answered = Deferred.makeUnsafe<void>()
      let reads = 0
      const store: EventStore.EventStoreShape = {
        ...redisStore,
        append: (sessionId, streamId, message, final) =>
          Effect.tap(redisStore.append(sessionId, streamId, message, final), () =>
            final === true ? Deferred.succeed(answered, undefined) : Effect.void),
        replayAfter: (sessionId, eventId) =>
          Effect.tap(redisStore.replayAfter(sessionId, eventId), () =>
            ++reads === 1 ? Effect.andThen(Deferred.succeed(reading, undefined), Deferred.await(readBack)) : Effect.void)
      }
      const finish = Deferred.makeUnsafe<void>()
      const Slow = McpServer.tool({
        name: "slow",
        handler: () =>
          Effect.gen(function*() {
            yield* McpContext.progress(1, 3, "one")
            // SEP-1699 polling: the client resumes the call's stream with Last-Event-ID.
            yield* McpContext.closeStream
            yield* Deferred.await(finish)
            yield* McpContext.progress(2, 3, "two")
            return "done"
          })
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "reading", version: "1.0.0" }, Slow, StreamableHttp.make({ host: "127.0.0.1", port, retryMillis: 50 })).pipe(
          Effect.provideService(EventStore.EventStore, store)
        )
      )
      const resumptions: Array<number> = []
      const client = new Client({ name: "reading-client", version: "1.0.0" })
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        fetch: async (input, init) => {
          const response = await fetch(input, init)
          if (new Headers(init?.headers).has("last-event-id")) resumptions.push(response.status)
          return response
        },
        reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 100, reconnectionDelayGrowFactor: 1, maxRetries: 2 }
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(transport)), () => Effect.promise(() => client.close()))
      const progress: Array<string | undefined> = []
      const call = client.callTool({ name: "slow" }, undefined, {
        onprogress: (p) => void progress.push(p.message),
        timeout: 5_000
      }).then((result) => ({ result }), (error: unknown) => ({ error: String(error) }))
      yield* Deferred.await(reading)
      yield* Deferred.succeed(finish, undefined)
      // The endpoint takes the answer in (the stream ends) before the read is handed back. `answered`
      // is completed by the store's `append`, in the fiber that sends the answer, and resumes this
      // fiber at once, inside that call: the endpoint's own step after the append (the answer given
      // to the stream's connection, the stream ended) is still to run. One yield lets it: that step
      // is synchronous, and runs as this fiber gives the thread back (no time stands for it).
      yield* Deferred.await(answered)
      yield* Effect.yieldNow
      yield* Deferred.succeed(readBack, undefined)
      const outcome = yield* Effect.promise(() => call)
      assert.deepStrictEqual(outcome, { result: { content: [{ type: "text", text: "done" }] } })
      assert.deepStrictEqual(progress, ["one", "two"])
      assert.deepStrictEqual(resumptions, [200])
    }), 30_000)
})
