/**
 * SSE resumption (SEP-1699) over raw HTTP: priming events, a stream the server closes mid-call
 * (`test_reconnection`), `GET` with `Last-Event-ID` replaying exactly that stream's missed events
 * (the response included), never another stream's or another session's.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { components, options } from "../../examples/everything-server.ts"
import * as Schema from "effect/Schema"
import { EventStore, McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { StoreError } from "../../src/store/StoreError.ts"
import type { Listener } from "../../src/session/Transport.ts"
import {
  freshStandalone,
  messagesOf,
  nodeFetch,
  on,
  openSession,
  post,
  readSse,
  serveEverything,
  serveOnAnyPort,
  type SseEvent,
  sseReader
} from "./support.ts"

const call = (id: number | string, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) }
})

const streamOf = (event: SseEvent) => event.id!.slice(0, event.id!.lastIndexOf("."))

const resume = (url: string, sessionId: string, lastEventId: string) =>
  fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": lastEventId }) })

/** A call on the session, answered as SSE (a connection the test can break). */
const postSse = (url: string, sessionId: string, message: unknown) =>
  nodeFetch(url, "POST", on(sessionId, { accept: "application/json, text/event-stream", "content-type": "application/json" }), JSON.stringify(message))

describe("Streamable HTTP resumption (Last-Event-ID)", () => {
  it.live("test_reconnection: primed stream closed without the result; GET with Last-Event-ID replays it", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ retryMillis: 250 })
      const sessionId = yield* Effect.promise(() => openSession(url))

      // another SSE stream first: its events must never show up in the resumed one
      const progress = yield* Effect.promise(() =>
        post(url, call("other", "test_tool_with_progress", {}, { progressToken: "tok" }), on(sessionId))
      )
      const otherEvents = yield* Effect.promise(() => readSse(progress))
      assert.strictEqual(messagesOf(otherEvents).length, 4)
      const otherStream = streamOf(otherEvents[0]!)

      const response = yield* Effect.promise(() => post(url, call("r1", "test_reconnection"), on(sessionId)))
      assert.strictEqual(response.status, 200)
      assert.include(response.headers.get("content-type")!, "text/event-stream")
      const events = yield* Effect.promise(() => readSse(response))
      // only the priming event: an id, retry, empty data; then the server closed the stream
      assert.strictEqual(events.length, 1, JSON.stringify(events))
      const priming = events[0]!
      assert.match(priming.id!, /^[^.]+\.0$/)
      assert.strictEqual(priming.retry, 250)
      assert.strictEqual(priming.data, "")
      const stream = streamOf(priming)
      assert.notStrictEqual(stream, otherStream)

      const resumed = yield* Effect.promise(() => resume(url, sessionId, priming.id!))
      assert.strictEqual(resumed.status, 200)
      assert.include(resumed.headers.get("content-type")!, "text/event-stream")
      const replayed = yield* Effect.promise(() => readSse(resumed))
      const messages = messagesOf(replayed)
      assert.strictEqual(messages.length, 1, JSON.stringify(replayed))
      assert.strictEqual(messages[0].id, "r1")
      assert.deepStrictEqual(messages[0].result.content, [{ type: "text", text: "Reconnection test completed" }])
      for (const event of replayed) {
        assert.strictEqual(streamOf(event), stream, "only the resumed stream's events")
        assert.notInclude(event.data, "notifications/progress")
      }
      assert.strictEqual(replayed.at(-1)!.id, `${stream}.1`)
    }))

  // Fails before (200: every standalone stream the client left stayed with the session, one more
  // per reconnect, for the session's life).
  it.live("a fresh standalone GET (no Last-Event-ID) drops the standalone stream the client left: it cannot be resumed", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const openStandalone = () => nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream" }))
      const first = yield* Effect.promise(openStandalone)
      assert.strictEqual(first.response.status, 200)
      const priming = yield* Effect.promise(() => sseReader(first.response).next())
      assert.match(priming!.id!, /^[^.]+\.0$/)
      first.destroy()
      // Until the server saw the first one go, a second one is a conflict (409).
      const second = yield* freshStandalone(openStandalone)
      const next = yield* Effect.promise(() => sseReader(second.response).next())
      assert.notStrictEqual(streamOf(next!), streamOf(priming!))
      const resumed = yield* Effect.promise(() => resume(url, sessionId, priming!.id!))
      assert.strictEqual(resumed.status, 400)
      assert.include(((yield* Effect.promise(() => resumed.json())) as { error: { message: string } }).error.message, "cannot be resumed")
      second.destroy()
    }))

  it.live("a client that drops mid-stream gets exactly the events after its Last-Event-ID", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const { response, destroy } = yield* Effect.promise(() =>
        postSse(url, sessionId, call(5, "test_tool_with_progress", {}, { progressToken: "p" }))
      )
      const reader = sseReader(response)
      const priming = (yield* Effect.promise(() => reader.next()))!
      const first = (yield* Effect.promise(() => reader.next()))!
      assert.strictEqual(JSON.parse(first.data).params.progress, 0)
      destroy() // the connection breaks

      const resumed = yield* Effect.promise(() => resume(url, sessionId, first.id!))
      assert.strictEqual(resumed.status, 200)
      const rest = yield* Effect.promise(() => readSse(resumed))
      const messages = messagesOf(rest)
      assert.deepStrictEqual(
        messages.map((m) => m.method === undefined ? `result ${m.id}` : `progress ${m.params.progress}`),
        ["progress 50", "progress 100", "result 5"]
      )
      for (const event of rest) assert.strictEqual(streamOf(event), streamOf(priming))
      // event ids keep increasing along the stream
      const seqs = [first, ...rest].map((e) => Number(e.id!.slice(e.id!.lastIndexOf(".") + 1)))
      assert.deepStrictEqual(seqs, [...seqs].sort((a, b) => a - b))
      assert.strictEqual(new Set(seqs).size, seqs.length)
    }))

  it.live("Last-Event-ID never crosses sessions; a malformed one → 400", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const a = yield* Effect.promise(() => openSession(url))
      const b = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() => post(url, call("secret", "test_reconnection"), on(a)))
      const [priming] = yield* Effect.promise(() => readSse(response))
      yield* Effect.sleep(300) // the result is now stored for session a, undelivered

      // session b presents session a's event id: nothing of a's is replayed
      const cross = yield* Effect.promise(() => resume(url, b, priming!.id!))
      if (cross.status === 200) {
        const events = yield* Effect.promise(() => readSse(cross, 2_000))
        assert.deepStrictEqual(messagesOf(events), [], "another session's events were replayed")
      } else {
        assert.oneOf(cross.status, [400, 404])
        yield* Effect.promise(() => cross.text())
      }

      const malformed = yield* Effect.promise(() => resume(url, a, "garbage"))
      assert.strictEqual(malformed.status, 400)
      yield* Effect.promise(() => malformed.text())

      // session a still gets its own result
      const own = yield* Effect.promise(() => resume(url, a, priming!.id!))
      const messages = messagesOf(yield* Effect.promise(() => readSse(own)))
      assert.deepStrictEqual(messages.map((m) => m.id), ["secret"])
    }))

  it.live("more live streams than the store keeps finished ones: none is evicted, each resumes with all its events", () =>
    Effect.gen(function*() {
      // 70 requests running at once (more than the 64 finished streams the store keeps)
      const { url } = yield* serveEverything({ session: { maxConcurrentRequests: 100 } })
      const sessionId = yield* Effect.promise(() => openSession(url))
      // 70 slow calls answered on SSE (progress every 100 ms), each stream dropped after its priming event
      const primings: Array<string> = []
      for (let i = 0; i < 70; i++) {
        const { response, destroy } = yield* Effect.promise(() =>
          nodeFetch(
            url,
            "POST",
            on(sessionId, { accept: "text/event-stream", "content-type": "application/json" }),
            JSON.stringify(call(`live${i}`, "test_task_slow", { ms: 3_000, steps: 30 }, { progressToken: `p${i}` }))
          )
        )
        const priming = yield* Effect.promise(() => sseReader(response).next(2_000))
        primings.push(priming!.id!)
        destroy()
      }
      yield* Effect.sleep(400) // every stream has stored progress events by now
      const resumed = yield* Effect.promise(() => resume(url, sessionId, primings[0]!))
      assert.strictEqual(resumed.status, 200)
      const messages = messagesOf(yield* Effect.promise(() => readSse(resumed, 8_000)))
      const progress = messages.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress)
      assert.strictEqual(progress[0], 1, `the first events were lost: ${JSON.stringify(progress.slice(0, 3))}`)
      assert.deepStrictEqual(progress, [...Array(30).keys()].map((i) => i + 1))
      assert.strictEqual(messages.at(-1)?.id, "live0")
    }))

  it.live("a forged or unknown Last-Event-ID is refused (400), not answered with an empty stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      // The last one 10 KB long: quoted shortened (it came back whole).
      for (const forged of ["s999.3", "s1.0", "s2.17", `s1.${"9".repeat(10_000)}`]) {
        const response = yield* Effect.promise(() => resume(url, sessionId, forged))
        assert.strictEqual(response.status, 400, `Last-Event-ID ${forged.slice(0, 20)}`)
        const message = ((yield* Effect.promise(() => response.json())) as any).error.message as string
        assert.include(message, "re-issue the request")
        assert.isBelow(message.length, 500)
      }
    }))
})

describe("Streamable HTTP resumption: the last event", () => {
  it.live("a client gone before it read the stream's last event (queued, not received) resumes and gets it", () =>
    Effect.gen(function*() {
      // A result of 8 MB: queued at once, written out only as fast as the client reads.
      const Big = McpServer.tool({
        name: "big",
        handler: () =>
          Effect.andThen(McpContext.progress(1, 2, "about to answer"), Effect.sleep(20)).pipe(Effect.as("x".repeat(8 * 1024 * 1024)))
      })
      const { url } = yield* serveOnAnyPort((port) =>
        // A short grace (see `finishedStreamGraceMillis`): a stream written out is forgotten within 300 ms.
        McpServer.serve({ name: "big", version: "1" }, Big, StreamableHttp.make({ host: "127.0.0.1", port, finishedStreamGraceMillis: 200 }))
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const { response, destroy } = yield* Effect.promise(() =>
        postSse(url, sessionId, call(9, "big", {}, { progressToken: "p" }))
      )
      const reader = sseReader(response)
      yield* Effect.promise(() => reader.next()) // priming
      const progress = (yield* Effect.promise(() => reader.next()))!
      assert.strictEqual(JSON.parse(progress.data).method, "notifications/progress")
      // The client stops reading while the result is on its way, then its connection breaks.
      yield* Effect.sleep(300)
      destroy()
      yield* Effect.sleep(100)
      const resumed = yield* Effect.promise(() => resume(url, sessionId, progress.id!))
      assert.strictEqual(resumed.status, 200, "the stream's events are still stored")
      const messages = messagesOf(yield* Effect.promise(() => readSse(resumed, 10_000)))
      assert.strictEqual(messages.at(-1)?.id, 9)
      assert.strictEqual(messages.at(-1)?.result.content[0].text.length, 8 * 1024 * 1024)
      // Resumed and read to its end: now, past the grace, the events are gone.
      yield* Effect.sleep(700)
      assert.strictEqual((yield* Effect.promise(() => resume(url, sessionId, progress.id!))).status, 400, "forgotten after the resumption")
      // A client that read the stream to its end: its events are gone (nothing left to resume).
      const whole = yield* Effect.promise(() =>
        postSse(url, sessionId, call(10, "big", {}, { progressToken: "q" }))
      )
      const events = yield* Effect.promise(() => readSse(whole.response, 10_000))
      assert.strictEqual(messagesOf(events).at(-1)?.id, 10)
      yield* Effect.sleep(700)
      const after = yield* Effect.promise(() => resume(url, sessionId, events.find((event) => event.data.includes("progress"))!.id!))
      assert.strictEqual(after.status, 400, "forgotten once written out")
    }))
})

describe("Streamable HTTP resumption: a session that ends while the store replays", () => {
  // Fails before: the session's end was checked before the store was read, not after: the
  // resumption was answered 200 with a stream attached to a session that had ended, a response
  // nothing would ever end (a graceful drain then counted it as a client that did not read).
  it.live("a GET with Last-Event-ID whose replay is slow, the session deleted meanwhile: 404, no stream left open", () =>
    Effect.gen(function*() {
      const memory = EventStore.makeMemory()
      const reached = Deferred.makeUnsafe<void>()
      const release = Deferred.makeUnsafe<void>()
      const slow: EventStore.EventStoreShape = {
        ...memory,
        replayAfter: (sessionId, lastEventId) =>
          Effect.andThen(
            Effect.andThen(Deferred.succeed(reached, undefined), Deferred.await(release)),
            memory.replayAfter(sessionId, lastEventId)
          )
      }
      const { url } = yield* Effect.provideService(serveEverything(), EventStore.EventStore, slow)
      const sessionId = yield* Effect.promise(() => openSession(url))
      // A call whose stream the server closes after its priming event, the call still running.
      const response = yield* Effect.promise(() => post(url, call("r1", "test_reconnection"), on(sessionId)))
      const [priming] = yield* Effect.promise(() => readSse(response))
      const resuming = nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream", "last-event-id": priming!.id! }))
      yield* Deferred.await(reached)
      const deleted = yield* Effect.promise(() => fetch(url, { method: "DELETE", headers: on(sessionId) }))
      assert.strictEqual(deleted.status, 200)
      yield* Deferred.succeed(release, undefined)
      const resumed = yield* Effect.promise(() => resuming)
      resumed.destroy()
      assert.strictEqual(resumed.response.status, 404)
    }))

  // Fails before (3: a stream whose last event was stored while its client was away stayed with
  // its session for the session's life, resumed and replayed or not: one more per such call, with
  // every SEP-1699 poll of a call that outlives its closed stream).
  it.live("a stream that ended while its client was away, then resumed and replayed, is no longer held by its session", () =>
    Effect.gen(function*() {
      // The session's push connection, as the server's runner gets it: what it holds is the leak.
      const connections: Array<{ readonly id: string; readonly streams: ReadonlyMap<string, unknown> }> = []
      const capturing = (listener: Listener): Listener => ({
        listen: (run) =>
          listener.listen((transport, sessionOptions) =>
            run({ open: Effect.tap(transport.open, (connection) => Effect.sync(() => connections.push(connection as never))) }, sessionOptions)
          )
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, components, capturing(StreamableHttp.make({ host: "127.0.0.1", port, retryMillis: 50 })))
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const session = connections.find((connection) => connection.id === sessionId)!
      for (const id of ["r1", "r2", "r3"]) {
        const response = yield* Effect.promise(() => post(url, call(id, "test_reconnection"), on(sessionId)))
        const [priming] = yield* Effect.promise(() => readSse(response))
        // The server closed the stream after its priming event; the call answers 100 ms later,
        // while the client is away: its answer is stored, not delivered.
        yield* Effect.sleep(400)
        const resumed = yield* Effect.promise(() => resume(url, sessionId, priming!.id!))
        const messages = messagesOf(yield* Effect.promise(() => readSse(resumed)))
        assert.deepStrictEqual(messages.map((message) => message.id), [id])
      }
      assert.strictEqual(session.streams.size, 0)
    }))
})

describe("Streamable HTTP resumption from a priming event", () => {
  // Fails before (200, nothing replayed): a live stream resumed from its priming event (seq 0)
  // whose store had nothing after it was taken for one that had sent nothing yet, and answered
  // with an empty replay, the stream attached: the client silently missed every event the store
  // had dropped (its oldest, past `maxEventsPerStream`) or could not keep (a failed append).
  it.live("a live stream that lost events since its priming event (the store's bound, a failed append) is refused (400), not resumed with a gap", () =>
    Effect.gen(function*() {
      const release = Deferred.makeUnsafe<void>()
      const Chatty = McpServer.tool({
        name: "chatty",
        parameters: { count: Schema.Number },
        handler: ({ count }) =>
          Effect.gen(function*() {
            yield* McpContext.closeStream
            for (let i = 1; i <= count; i++) yield* McpContext.progress(i, count, `step ${i}`)
            yield* Deferred.await(release)
            return "done"
          })
      })
      const memory = EventStore.makeMemory({ maxEventsPerStream: 3 })
      // The second call's stream: its one event could not be stored (it can never be resumed).
      const failing: EventStore.EventStoreShape = {
        ...memory,
        append: (sessionId, streamId, message, final) =>
          streamId === "s2" && final !== true
            ? Effect.fail(new StoreError({ store: "EventStore", message: "down" }))
            : memory.append(sessionId, streamId, message, final)
      }
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "chatty", version: "1" }, Chatty, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provideService(EventStore.EventStore, failing)
        )
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      // Six events, the store keeping three; one event, not kept.
      for (const [id, count] of [[1, 6], [2, 1]] as const) {
        const response = yield* Effect.promise(() => post(url, call(id, "chatty", { count }, { progressToken: `p${id}` }), on(sessionId)))
        const [priming] = yield* Effect.promise(() => readSse(response))
        assert.match(priming!.id!, /\.0$/)
        // The call has sent its progress notifications (none delivered) and waits.
        yield* Effect.sleep(200)
        const resumed = yield* Effect.promise(() => resume(url, sessionId, priming!.id!))
        if (resumed.status !== 400) yield* Effect.promise(() => resumed.body!.cancel())
        assert.strictEqual(resumed.status, 400, `stream ${streamOf(priming!)}`)
        assert.include(((yield* Effect.promise(() => resumed.json())) as any).error.message, "re-issue the request")
      }
      yield* Deferred.succeed(release, undefined)
    }))
})

describe("Streamable HTTP resumption: a finished stream's grace", () => {
  /**
   * A server whose `wait` tool sends a progress, then answers once `release` is done; a call of
   * it on the session answered as SSE: what the client read before the answer (its priming event
   * and the progress), and the answer itself, read to the stream's end (written out whole, as a
   * client whose connection broke while the answer was in flight has it, unreceived).
   */
  const serveWaiting = (options: Partial<StreamableHttp.Options> = {}) =>
    Effect.gen(function*() {
      const releases: Array<Deferred.Deferred<void>> = []
      const Wait = McpServer.tool({
        name: "wait",
        // `pad`: characters added to its answer.
        parameters: { pad: Schema.Number },
        handler: ({ pad }) =>
          Effect.gen(function*() {
            const release = Deferred.makeUnsafe<void>()
            releases.push(release)
            yield* McpContext.progress(1, 2)
            yield* Deferred.await(release)
            return `answered${"x".repeat(pad)}`
          })
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "wait", version: "1" }, Wait, StreamableHttp.make({ host: "127.0.0.1", port, ...options }))
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      // The size of each finished call's events (their JSON), as `maxGracedBytesPerSession` counts them.
      const sizes: Array<number> = []
      const answerSizes: Array<number> = []
      const finishedCall = (id: number, pad = 0) =>
        Effect.gen(function*() {
          const before = releases.length
          const { response } = yield* Effect.promise(() => postSse(url, sessionId, call(id, "wait", { pad }, { progressToken: `p${id}` })))
          const reader = sseReader(response)
          yield* Effect.promise(() => reader.next()) // priming
          const progress = (yield* Effect.promise(() => reader.next()))!
          assert.strictEqual(JSON.parse(progress.data).method, "notifications/progress")
          assert.strictEqual(releases.length, before + 1)
          yield* Deferred.succeed(releases[before]!, undefined)
          const answer = (yield* Effect.promise(() => reader.next()))!
          assert.strictEqual(JSON.parse(answer.data).id, id)
          // The response ended: the server wrote it out to its end.
          assert.isUndefined(yield* Effect.promise(() => reader.next()))
          sizes.push(progress.data.length + answer.data.length)
          answerSizes.push(answer.data.length)
          return progress.id!
        })
      /**
       * A call on the session whose client reads its progress, then leaves; its answer comes while
       * it is away (stored, unread). The progress's event id.
       */
      const leftCall = (id: number, pad = 0) =>
        Effect.gen(function*() {
          const before = releases.length
          const { destroy, response } = yield* Effect.promise(() => postSse(url, sessionId, call(id, "wait", { pad }, { progressToken: `p${id}` })))
          const reader = sseReader(response)
          yield* Effect.promise(() => reader.next()) // priming
          const progress = (yield* Effect.promise(() => reader.next()))!
          assert.strictEqual(JSON.parse(progress.data).method, "notifications/progress")
          destroy()
          yield* Effect.sleep(300) // the server saw its client go
          yield* Deferred.succeed(releases[before]!, undefined)
          yield* Effect.sleep(150) // its answer stored
          return progress.id!
        })
      return { url, sessionId, finishedCall, leftCall, sizes, answerSizes }
    })

  /** Resumes after `lastEventId`: its status, and the ids of the messages replayed. */
  const resumed = (url: string, sessionId: string, lastEventId: string) =>
    Effect.gen(function*() {
      const response = yield* Effect.promise(() => resume(url, sessionId, lastEventId))
      if (response.status !== 200) {
        yield* Effect.promise(() => response.text())
        return { status: response.status, ids: [] as Array<unknown> }
      }
      const messages = messagesOf(yield* Effect.promise(() => readSse(response)))
      return { status: 200, ids: messages.map((message) => message.id) }
    })

  // Fails before (400 "re-issue the request"): the stream's events were forgotten as soon as its
  // answer was handed to the socket, so a connection that broke while that tail was in flight
  // could not be resumed, and the client re-sent a request that had been answered.
  it.live("a stream written out to its end stays resumable: a client that lost its tail in flight resumes and gets the answer", () =>
    Effect.gen(function*() {
      const { finishedCall, sessionId, url } = yield* serveWaiting()
      const progressId = yield* finishedCall(7)
      // Time for the endpoint to have done whatever it does once the stream is written out.
      yield* Effect.sleep(150)
      const first = yield* resumed(url, sessionId, progressId)
      assert.deepStrictEqual(first, { status: 200, ids: [7] })
      // Resumed and written out again: still in its grace.
      yield* Effect.sleep(150)
      assert.deepStrictEqual(yield* resumed(url, sessionId, progressId), { status: 200, ids: [7] })
    }))

  // The margins are wide for a loaded machine: a resumption's round trip took ~0.5 s there, and
  // a 300 ms grace (as first written) could pass before the one that checks it is kept.
  it.live("the grace is bounded in count per session (maxGracedStreamsPerSession): past it the oldest is forgotten at once", () =>
    Effect.gen(function*() {
      const { finishedCall, sessionId, url } = yield* serveWaiting({ maxGracedStreamsPerSession: 2 })
      const ids: Array<string> = []
      for (const id of [1, 2, 3]) ids.push(yield* finishedCall(id))
      // Three written out, two kept (in a grace of 30 s): the oldest is forgotten at once.
      assert.strictEqual((yield* resumed(url, sessionId, ids[0]!)).status, 400)
      assert.deepStrictEqual(yield* resumed(url, sessionId, ids[1]!), { status: 200, ids: [2] })
      assert.deepStrictEqual(yield* resumed(url, sessionId, ids[2]!), { status: 200, ids: [3] })
    }))

  // Fails before (every stream kept, 200): the grace had no bound in bytes, and large answers held
  // up to sessions × 16 of them for 30–45 s.
  it.live("the grace is bounded in bytes per session (maxGracedBytesPerSession): past it the oldest go at once, one larger by itself too", () =>
    Effect.gen(function*() {
      // Each call's events are the same size (ids of one digit): room for two of them, not three.
      const probe = yield* serveWaiting()
      yield* probe.finishedCall(1)
      const size = probe.sizes[0]!
      const { finishedCall, sessionId, sizes, url } = yield* serveWaiting({ maxGracedBytesPerSession: size * 2 + Math.floor(size / 2) })
      const ids: Array<string> = []
      for (const id of [1, 2, 3]) ids.push(yield* finishedCall(id))
      assert.deepStrictEqual(sizes, [size, size, size])
      assert.strictEqual((yield* resumed(url, sessionId, ids[0]!)).status, 400, "the oldest forgotten")
      assert.deepStrictEqual(yield* resumed(url, sessionId, ids[1]!), { status: 200, ids: [2] })
      assert.deepStrictEqual(yield* resumed(url, sessionId, ids[2]!), { status: 200, ids: [3] })
      // A bound below one stream's size: each is forgotten as it is written out.
      const small = yield* serveWaiting({ maxGracedBytesPerSession: size - 1 })
      const only = yield* small.finishedCall(1)
      assert.strictEqual((yield* resumed(small.url, small.sessionId, only)).status, 400, "larger than the bound by itself")
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        assert.throws(() => StreamableHttp.make({ port: 0, maxGracedBytesPerSession: bad }), RangeError, "maxGracedBytesPerSession")
      }
    }))

  // Fails before (the stream before it 400): one larger than the bound by itself made room for
  // itself first, forgetting every other graced stream of its session, oldest on, then itself.
  it.live("a stream larger than the byte bound by itself is forgotten alone: the streams graced before it stay resumable", () =>
    Effect.gen(function*() {
      const probe = yield* serveWaiting()
      yield* probe.finishedCall(1)
      const size = probe.sizes[0]!
      const { finishedCall, sessionId, sizes, url } = yield* serveWaiting({ maxGracedBytesPerSession: size * 2 + Math.floor(size / 2) })
      const kept = yield* finishedCall(1)
      const tooLarge = yield* finishedCall(2, size * 3)
      assert.isAbove(sizes[1]!, size * 3)
      assert.strictEqual((yield* resumed(url, sessionId, tooLarge)).status, 400, "larger than the bound by itself")
      assert.deepStrictEqual(yield* resumed(url, sessionId, kept), { status: 200, ids: [1] }, "the one before it kept")
    }))

  // Fails before (the first stream still resumable, 200): a stream resumed after its progress and
  // written out again was counted as what the resumption replayed (its answer), not its whole size.
  it.live("a stream resumed and written out again keeps its whole size in the byte bound", () =>
    Effect.gen(function*() {
      const probe = yield* serveWaiting()
      yield* probe.finishedCall(1)
      const [size, answer] = [probe.sizes[0]!, probe.answerSizes[0]!]
      // Room for two whole streams and one answer: three whole ones do not fit, two and an answer do.
      const { finishedCall, sessionId, url } = yield* serveWaiting({ maxGracedBytesPerSession: size * 2 + answer + 1 })
      const first = yield* finishedCall(1)
      assert.deepStrictEqual(yield* resumed(url, sessionId, first), { status: 200, ids: [1] }, "resumed after its progress")
      yield* Effect.sleep(100)
      const ids = [yield* finishedCall(2), yield* finishedCall(3)]
      assert.strictEqual((yield* resumed(url, sessionId, first)).status, 400, "the oldest, whole, does not fit beside two")
      assert.deepStrictEqual(yield* resumed(url, sessionId, ids[0]!), { status: 200, ids: [2] })
      assert.deepStrictEqual(yield* resumed(url, sessionId, ids[1]!), { status: 200, ids: [3] })
    }))

  // Fails before (resumable again, 200): a stream that ended while its client was away, resumed
  // after part of it and so written out, was counted as what the resumption replayed (its answer),
  // though the event store keeps it whole for the grace.
  it.live("a stream whose answer came while its client was away, resumed after part of it, counts its whole size in the byte bound", () =>
    Effect.gen(function*() {
      const probe = yield* serveWaiting()
      yield* probe.finishedCall(1, 200)
      const size = probe.sizes[0]!
      // Room for less than the whole stream, more than its answer.
      const { leftCall, sessionId, url } = yield* serveWaiting({ maxGracedBytesPerSession: size - 1 })
      const progressId = yield* leftCall(1, 200)
      assert.deepStrictEqual(yield* resumed(url, sessionId, progressId), { status: 200, ids: [1] }, "resumed after its progress")
      yield* Effect.sleep(100)
      assert.strictEqual((yield* resumed(url, sessionId, progressId)).status, 400, "larger than the bound, whole: forgotten once written out")
    }))

  it.live("the grace is bounded in time (finishedStreamGraceMillis): kept in it, forgotten past it", () =>
    Effect.gen(function*() {
      const { finishedCall, sessionId, url } = yield* serveWaiting({ finishedStreamGraceMillis: 1_500 })
      const id = yield* finishedCall(1)
      assert.deepStrictEqual(yield* resumed(url, sessionId, id), { status: 200, ids: [1] }, "kept in its grace")
      // Past the grace (started over as the resumption was written out) and the sweep's half of
      // it again (2,250 ms): forgotten.
      yield* Effect.sleep(2_600)
      assert.strictEqual((yield* resumed(url, sessionId, id)).status, 400, "forgotten after its grace")
    }))

  it.live("finishedStreamGraceMillis 0 forgets a stream once written out; an option out of range is a RangeError naming it", () =>
    Effect.gen(function*() {
      const { finishedCall, sessionId, url } = yield* serveWaiting({ finishedStreamGraceMillis: 0 })
      const progressId = yield* finishedCall(1)
      yield* Effect.sleep(100)
      assert.strictEqual((yield* resumed(url, sessionId, progressId)).status, 400)
      for (const bad of [{ finishedStreamGraceMillis: -1 }, { finishedStreamGraceMillis: Number.NaN }, { maxGracedStreamsPerSession: 0 }]) {
        assert.throws(() => StreamableHttp.make({ port: 0, ...bad }), RangeError, Object.keys(bad)[0])
      }
    }))
})
