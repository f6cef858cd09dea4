/**
 * Streamable HTTP: requests the client cancels or abandons. A cancelled request ends its HTTP
 * answer at once and its handler stops; a POST the client drops, or an SSE answer it leaves and
 * never resumes, is given up (the handler interrupted, the id free again) within the request
 * timeout; an open standalone stream keeps its session from idle reaping.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { request as httpRequest } from "node:http"
import { taskProbe } from "../../examples/everything-server.ts"
import { answerOf, BOTH, nodeFetch, on, openSession, post, serveEverything, sleep, sseReader, stepsDuring, untilIdFree, untilSteps } from "./support.ts"

const slowCall = (id: string, ms = 60_000, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "test_task_slow", arguments: { ms, steps: ms / 50 }, ...(meta === undefined ? {} : { _meta: meta }) }
})
const ping = (id: string) => ({ jsonrpc: "2.0", id, method: "ping" })
const cancel = (requestId: string) => ({
  jsonrpc: "2.0",
  method: "notifications/cancelled",
  params: { requestId, reason: "test" }
})

/** A POST whose connection can be dropped before any answer arrives. */
const droppablePost = (url: string, headers: Record<string, string>, body: unknown) => {
  const request = httpRequest(url, { method: "POST", headers: { "content-type": "application/json", ...headers } })
  request.on("error", () => {})
  request.end(JSON.stringify(body))
  return () => request.destroy()
}

describe("Streamable HTTP cancellation", () => {
  it.live("notifications/cancelled ends the open POST at once (JSON answer) and stops the handler", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const started = Date.now()
      const before = taskProbe.steps
      const call = post(url, slowCall("c1"), on(sessionId))
      // The handler runs (a step taken: 50 ms each), not a fixed wait for it.
      assert.isTrue(yield* Effect.promise(() => untilSteps(before, 1)), "the slow call did not start")
      const accepted = yield* Effect.promise(() => post(url, cancel("c1"), on(sessionId)))
      assert.strictEqual(accepted.status, 202)
      const answered = yield* Effect.promise(() => call)
      assert.isBelow(Date.now() - started, 3_000, "the cancelled POST stayed open")
      assert.strictEqual(answered.status, 200)
      const message = yield* Effect.promise(() => answerOf(answered))
      assert.deepStrictEqual(message, { jsonrpc: "2.0", id: "c1", error: { code: -32800, message: "Request cancelled" } })
      assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, "the handler kept running")
      // the id is free again
      const reused = yield* Effect.promise(() => post(url, ping("c1"), on(sessionId)))
      assert.strictEqual(reused.status, 200)
      yield* Effect.promise(() => reused.text())
    }))

  it.live("notifications/cancelled ends an SSE answer with the cancellation as its last event", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() =>
        post(url, slowCall("c2", 60_000, { progressToken: "p" }), on(sessionId, { accept: "text/event-stream" }))
      )
      assert.include(response.headers.get("content-type")!, "text/event-stream")
      const reader = sseReader(response)
      yield* Effect.promise(() => reader.next(2_000)) // priming event
      const accepted = yield* Effect.promise(() => post(url, cancel("c2"), on(sessionId)))
      assert.strictEqual(accepted.status, 202)
      let last: unknown
      for (let i = 0; i < 100; i++) {
        const event = yield* Effect.promise(() => reader.next(2_000))
        if (event === undefined) break
        if (event.data !== "") last = JSON.parse(event.data)
      }
      assert.deepStrictEqual(last, { jsonrpc: "2.0", id: "c2", error: { code: -32800, message: "Request cancelled" } })
      assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, "the handler kept running")
    }))
})

describe("Streamable HTTP abandoned requests", () => {
  it.live("a POST the client drops is given up: the handler stops, the id is free at once", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const before = taskProbe.steps
      const drop = droppablePost(url, on(sessionId, { accept: BOTH }), slowCall("d1"))
      assert.isTrue(yield* Effect.promise(() => untilSteps(before, 1)), "the slow call did not start")
      drop()
      const status = yield* Effect.promise(() => untilIdFree(url, on(sessionId), "d1", 40))
      assert.strictEqual(status, 200, "the dropped request's id stayed in progress")
      assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, "the handler kept running")
    }))

  it.live("an SSE answer left and never resumed is given up after the request timeout", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ requestTimeoutMillis: 400 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const { response, destroy } = yield* Effect.promise(() =>
        nodeFetch(
          url,
          "POST",
          on(sessionId, { accept: "text/event-stream", "content-type": "application/json" }),
          JSON.stringify(slowCall("d2", 60_000, { progressToken: "p" }))
        )
      )
      const reader = sseReader(response)
      assert.isDefined(yield* Effect.promise(() => reader.next(2_000)))
      destroy()
      // still resumable for a while: then given up
      const status = yield* Effect.promise(() => untilIdFree(url, on(sessionId), "d2", 60))
      assert.strictEqual(status, 200, "the left request's id stayed in progress")
      assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, "the handler kept running")
    }))

  it.live("an open standalone GET stream is activity: its session is not reaped as idle", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ sessionIdleTimeoutMillis: 300 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const stream = yield* Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream" }) }))
      assert.strictEqual(stream.status, 200)
      // Three idle timeouts (the reaper looks every 150 ms): an idle session was reaped by then.
      yield* Effect.promise(() => sleep(900))
      const alive = yield* Effect.promise(() => post(url, ping("alive"), on(sessionId)))
      assert.strictEqual(alive.status, 200, "the session with an open stream was reaped")
      yield* Effect.promise(() => alive.text())
      yield* Effect.promise(() => stream.body!.cancel())
    }))

  // The reaper looks every half idle timeout (750 ms here): before, it ended the session at its
  // first look after the call's answer (or the stream's end), within 750 ms, its last request
  // having come 2 s before (more than the idle timeout: 2 s proves it as 3 s did); now its idle
  // time starts at that look, and it is ended 1.5 s after the end at the soonest. The ping, 850 ms
  // after, falls between the two (650 ms to spare on a loaded machine).
  it.live("a session busy until a moment ago (a call longer than the idle timeout, a standalone stream read as long) is not reaped as it ends", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ sessionIdleTimeoutMillis: 1_500 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const call = yield* Effect.promise(() => post(url, slowCall("long", 2_000), on(sessionId)))
      assert.strictEqual((yield* Effect.promise(() => answerOf(call))).result.content[0].text, "done")
      yield* Effect.promise(() => sleep(850))
      const afterCall = yield* Effect.promise(() => post(url, ping("after-call"), on(sessionId)))
      assert.strictEqual(afterCall.status, 200, "the session was reaped as its long call was answered")
      yield* Effect.promise(() => afterCall.text())

      const stream = yield* Effect.promise(() => nodeFetch(url, "GET", on(sessionId, { accept: "text/event-stream" })))
      assert.strictEqual(stream.response.status, 200)
      yield* Effect.promise(() => sleep(2_000))
      stream.destroy()
      yield* Effect.promise(() => sleep(850))
      const afterStream = yield* Effect.promise(() => post(url, ping("after-stream"), on(sessionId)))
      assert.strictEqual(afterStream.status, 200, "the session was reaped as its standalone stream closed")
      yield* Effect.promise(() => afterStream.text())
    }))
})
