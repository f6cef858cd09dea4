/**
 * Stores that fail (`StoreError`): the rate limit and the response cache answer -32603 "Store
 * unavailable: <store>" at once (the handler does not run, nothing hangs); a cache that cannot keep
 * an answer still sends it; an event store that fails never fails a request, and a resumption
 * while it fails is answered 503 with the same -32603. The in-memory stores are the ones that never
 * fail: the failing stores here are stubs.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { components as everything, options as everythingOptions } from "../../examples/everything-server.ts"
import { EventStore, McpError, McpServer, StreamableHttp } from "../../src/index.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { StoreError } from "../../src/store/StoreError.ts"
import { connect, sdk, settle, startServer, using } from "../server/McpServerHarness.ts"
import {
  freshStandalone,
  messagesOf,
  nodeFetch,
  on,
  openSession,
  type SseEvent,
  serveEverything,
  serveOnAnyPort,
  sseReader
} from "../http/support.ts"
import { counter, rpcError, text } from "../middleware/builtinSupport.ts"

const down = (store: string) => Effect.fail(new StoreError({ store, message: "connection refused", cause: new Error("ECONNREFUSED") }))

describe("McpError.storeUnavailable", () => {
  it("is -32603 naming the store, never the cause", () => {
    const error = new StoreError({ store: "RateLimitStore", message: "redis at 10.0.0.7 refused", cause: new Error("secret") })
    assert.deepStrictEqual(McpError.toErrorObject(McpError.storeUnavailable(error)), {
      code: -32603,
      message: "Store unavailable: RateLimitStore; retry later",
      data: { store: "RateLimitStore" }
    })
  })
})

describe("a store that fails", () => {
  const hits = counter()
  const Echo = McpServer.tool({ name: "echo", handler: () => Effect.as(hits.hit("echo"), "ok") })

  it.live("RateLimit: -32603 Store unavailable, the handler does not run", () =>
    Effect.gen(function*() {
      const failing = Layer.succeed(RateLimit.RateLimitStore, { consume: () => down("RateLimitStore") })
      const limited = McpServer.middleware(
        RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 3, windowMillis: 60_000 }) })
      ).pipe(Layer.provide(failing))
      const { client } = yield* connect(yield* startServer({}, Layer.merge(Echo, limited)))
      const before = hits.get("echo")
      const error = yield* rpcError(() => client.callTool({ name: "echo" }))
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Store unavailable: RateLimitStore; retry later")
      assert.deepStrictEqual(error.data, { store: "RateLimitStore" })
      assert.strictEqual(hits.get("echo"), before)
      // Unlimited methods do not touch the store.
      yield* sdk(() => client.ping())
    }))

  it.live("ResponseCache: a lookup that fails is -32603; a store that cannot keep an answer still sends it", () =>
    Effect.gen(function*() {
      const memory = yield* ResponseCache.makeMemoryStore()
      let getFails = true
      const store: ResponseCache.CacheStoreShape = {
        get: (key) => getFails ? down("CacheStore") : memory.get(key),
        set: () => down("CacheStore"),
        invalidate: () => down("CacheStore")
      }
      const cache = ResponseCache.layer({ callTools: ["echo"] }).pipe(Layer.provide(Layer.succeed(ResponseCache.CacheStore, store)))
      const server = yield* startServer({}, Layer.merge(Echo, cache))
      const { client } = yield* connect(server)
      const before = hits.get("echo")
      const error = yield* rpcError(() => client.listTools())
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Store unavailable: CacheStore; retry later")
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "echo" }))).code, -32603)
      assert.strictEqual(hits.get("echo"), before)

      getFails = false
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      assert.strictEqual(hits.get("echo"), before + 2, "nothing was kept: each call ran")
      assert.strictEqual(yield* memory.size, 0)
      // A change invalidates through the failing store: logged, and the server goes on.
      yield* using(server, McpServer.addTool({ name: "later", handler: () => Effect.succeed("later") }))
      yield* settle()
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "later" }))), "later")
    }))

  it.live("EventStore: events still reach the open stream (without ids); a resumption answers 503 -32603", () =>
    Effect.gen(function*() {
      const failing: EventStore.EventStoreShape = {
        append: () => down("EventStore"),
        replayAfter: () => down("EventStore"),
        forgetStream: () => down("EventStore"),
        forgetSession: () => down("EventStore")
      }
      const { url } = yield* Effect.provideService(serveEverything(), EventStore.EventStore, failing)
      const sessionId = yield* Effect.promise(() => openSession(url))
      const { response } = yield* Effect.promise(() =>
        nodeFetch(
          url,
          "POST",
          on(sessionId, { accept: "text/event-stream", "content-type": "application/json" }),
          JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: "p" } }
          })
        )
      )
      const reader = sseReader(response)
      const events: Array<SseEvent> = []
      for (let i = 0; i < 10; i++) {
        const event = yield* Effect.promise(() => reader.next(5_000))
        if (event === undefined) break
        events.push(event)
      }
      const priming = events[0]!
      assert.match(priming.id!, /\.0$/)
      const messages = messagesOf(events)
      assert.deepStrictEqual(messages.at(-1)?.id, 1, JSON.stringify(events))
      for (const event of events.slice(1)) assert.isUndefined(event.id, "an event the store did not keep has no id")

      const resumed = yield* Effect.promise(() =>
        fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": priming.id! }) })
      )
      assert.strictEqual(resumed.status, 503)
      const body = (yield* Effect.promise(() => resumed.json())) as any
      assert.deepStrictEqual(body.error, {
        code: -32603,
        message: "Store unavailable: EventStore; retry later",
        data: { store: "EventStore" }
      })
    }))

  // Fails before the fix: the resumption of a standalone stream that had sent nothing but its
  // priming event, refused 503 as the store failed, left the stream on the connection that held
  // what it sent during the read, which no response reads: the connection the client left ending
  // later did not free the stream, and every fresh GET of the session was a 409 "already has a
  // standalone stream" from then on.
  it.live("EventStore: a resumption of a standalone stream refused 503 leaves it to a fresh GET, not 409 for good", () =>
    Effect.gen(function*() {
      const memory = EventStore.makeMemory()
      let replays = 0
      const store: EventStore.EventStoreShape = {
        ...memory,
        replayAfter: (sessionId, eventId) => ++replays === 1 ? down("EventStore") : memory.replayAfter(sessionId, eventId)
      }
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "resume-refused", version: "1.0.0" }, Echo, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provideService(EventStore.EventStore, store)
        )
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const openStandalone = () => nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream" }))
      const first = yield* Effect.promise(openStandalone)
      const priming = yield* Effect.promise(() => sseReader(first.response).next(5_000))
      assert.match(priming?.id ?? "", /\.0$/)
      // Resumed before the server saw the first connection go (a client whose network dropped).
      const resumed = yield* Effect.promise(() =>
        nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream", "last-event-id": priming!.id! }))
      )
      assert.strictEqual(resumed.response.status, 503)
      resumed.destroy()
      assert.strictEqual(replays, 1)
      first.destroy()
      // Within 50 tries 50 ms apart, once the server saw the first connection go.
      const fresh = yield* freshStandalone(openStandalone)
      assert.match((yield* Effect.promise(() => sseReader(fresh.response).next(5_000)))!.id!, /\.0$/)
      fresh.destroy()
    }))

  // Fails before the fix: a resumption whose client left while the store read its replay (the GET
  // interrupted there) left the stream on the connection that held what it sent during the read,
  // as a refusal did (above): every fresh GET of the session was a 409 from then on.
  it.live("EventStore: a resumption whose client leaves during the replay's read leaves the stream to a fresh GET", () =>
    Effect.gen(function*() {
      const memory = EventStore.makeMemory()
      const reading = Deferred.makeUnsafe<void>()
      const store: EventStore.EventStoreShape = {
        ...memory,
        // The first read never comes back: only the client's leaving ends it.
        replayAfter: (sessionId, eventId) =>
          Deferred.isDoneUnsafe(reading)
            ? memory.replayAfter(sessionId, eventId)
            : Effect.andThen(Deferred.succeed(reading, undefined), Effect.never)
      }
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "resume-left", version: "1.0.0" }, Echo, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provideService(EventStore.EventStore, store)
        )
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const openStandalone = () => nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream" }))
      const first = yield* Effect.promise(openStandalone)
      const priming = yield* Effect.promise(() => sseReader(first.response).next(5_000))
      assert.match(priming?.id ?? "", /\.0$/)
      const controller = new AbortController()
      const resumed = fetch(url, {
        headers: on(sessionId, { accept: "text/event-stream", "last-event-id": priming!.id! }),
        signal: controller.signal
      }).then(() => "answered", () => "aborted")
      yield* Deferred.await(reading).pipe(Effect.timeout("5 seconds"))
      controller.abort()
      assert.strictEqual(yield* Effect.promise(() => resumed), "aborted")
      first.destroy()
      // Within 50 tries 50 ms apart, once the server saw both connections go.
      const fresh = yield* freshStandalone(openStandalone)
      assert.match((yield* Effect.promise(() => sseReader(fresh.response).next(5_000)))!.id!, /\.0$/)
      fresh.destroy()
    }))

  // Not a fix (passes before): what `unansweredOf` reads with `retained` for a fresh GET, while the
  // store fails, is logged once (by the endpoint's guard of a provided store), and the fresh GET
  // still opens the stream.
  it.live("EventStore: a fresh GET after the client left its stream, `retained` failing: logged once, the stream opens", () =>
    Effect.gen(function*() {
      const memory = EventStore.makeMemory()
      let reads = 0
      const store: EventStore.EventStoreShape = {
        ...memory,
        retained: () => Effect.andThen(Effect.sync(() => reads++), down("EventStore"))
      }
      const logged: Array<string> = []
      const capture = Logger.make((entry) => void logged.push(`${String(entry.message)} ${Cause.pretty(entry.cause)}`))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(everythingOptions, everything, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provideService(EventStore.EventStore, store)
        ),
        { loggers: [capture] }
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const openStandalone = () => nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream" }))
      const first = yield* Effect.promise(openStandalone)
      assert.isDefined((yield* Effect.promise(() => sseReader(first.response).next()))?.id)
      first.destroy()
      const fresh = yield* freshStandalone(openStandalone)
      assert.match((yield* Effect.promise(() => sseReader(fresh.response).next()))!.id!, /\.0$/)
      fresh.destroy()
      assert.strictEqual(reads, 1)
      const failures = logged.filter((line) => line.includes("the event store failed (retained)"))
      assert.strictEqual(failures.length, 1, logged.join("\n"))
    }))
})
