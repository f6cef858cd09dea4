/**
 * An SSE answer starts as soon as the endpoint decides on it: its status and headers reach the
 * client while the call still runs, also for the streams that have no priming event (a 2026-07-28
 * request, a stateless 2025 request, a 2025-03-26 JSON-RPC batch) and for a resumption with nothing
 * to replay. And a server that stops during the call ends such a stream with the call's -32000
 * "Server shutting down" answer, whichever way the endpoint is served (`StreamableHttp.make`, or
 * `StreamableHttp.route` in a router of one's own) and however it stops (interrupted, or a graceful
 * drain cut short); a middleware of one's own server that gives up such a stream, the server
 * serving on, is no shutdown: the stream is cut. Raw node:http clients: they see when the headers
 * arrive and how a response ends.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { request as httpRequest } from "node:http"
import { GracefulShutdown, McpError, McpServer, StreamableHttp } from "../../src/index.ts"
import { on, openSession, ownRouter, portListener, type ServerMiddleware, sleep } from "./support.ts"

/** A tool that blocks until the test releases it (every call made so far); `interrupted`: the calls cancelled. */
const blocking = () => {
  const waiting: Array<() => void> = []
  let interrupted = 0
  const tool = McpServer.tool({
    name: "block",
    description: "Blocks until released",
    handler: () =>
      Effect.promise(() => new Promise<string>((resolve) => waiting.push(() => resolve("released")))).pipe(
        Effect.onInterrupt(() => Effect.sync(() => interrupted++))
      )
  })
  const release = () => {
    for (const resume of waiting.splice(0)) resume()
  }
  return { tool, started: () => waiting.length, interrupted: () => interrupted, release }
}

/** Polls `condition` (bounded: 250 × 20 ms, 5 s). */
const until = async (condition: () => boolean): Promise<boolean> => {
  for (let i = 0; i < 250 && !condition(); i++) await sleep(20)
  return condition()
}

/** What a raw client saw of one response: when its headers came, its body, how it ended. */
interface Seen {
  status: number | undefined
  contentType: string | undefined
  /** The headers came (the response started). */
  started: boolean
  body: string
  /** `"end"`: the response ended as HTTP ends one; else how the connection broke. */
  ended: string | undefined
}

/**
 * A request made with node:http (`path` /mcp): `seen` as it goes, and `done` once the response
 * ended or broke (at most 15 s: then the request is destroyed, `ended: "timeout"`).
 */
const send = (port: number, method: "POST" | "GET", headers: Record<string, string>, body?: unknown) => {
  const seen: Seen = { status: undefined, contentType: undefined, started: false, body: "", ended: undefined }
  let destroy = () => {}
  const done = new Promise<Seen>((resolve) => {
    const finish = (how: string) => {
      if (seen.ended !== undefined) return
      seen.ended = how
      clearTimeout(timer)
      resolve(seen)
    }
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      method,
      path: "/mcp",
      headers: method === "POST" ? { "content-type": "application/json", ...headers } : headers
    }, (response) => {
      seen.started = true
      seen.status = response.statusCode
      seen.contentType = response.headers["content-type"]
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (seen.body += chunk))
      response.on("end", () => finish("end"))
      response.on("error", (error) => finish(`broken: ${error.message}`))
      response.on("close", () => finish("closed without its end"))
    })
    request.on("error", (error) => finish(`broken: ${error.message}`))
    const timer = setTimeout(() => {
      finish("timeout")
      request.destroy()
    }, 15_000)
    destroy = () => request.destroy()
    request.end(body === undefined ? undefined : JSON.stringify(body))
  })
  return { seen, done, destroy: () => destroy() }
}

/** The JSON-RPC messages of an SSE body (events with data; comments and priming events left out). */
const messagesIn = (body: string): Array<any> =>
  body.split("\n\n").flatMap((event) => {
    const data = event.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n")
    return data === "" ? [] : [JSON.parse(data)]
  })

/** The event ids of an SSE body. */
const idsIn = (body: string): Array<string> =>
  body.split("\n").filter((line) => line.startsWith("id:")).map((line) => line.slice(3).trim())

const blockCall = (id: string | number, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "block", arguments: {}, ...(meta === undefined ? {} : { _meta: meta }) }
})

const MODERN = "2026-07-28"
const modernMeta = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "sse-start-test", version: "1" }
}

/**
 * The calls whose SSE answers cannot be resumed, on a stateless endpoint (`port`): a 2026-07-28
 * request and a stateless 2025 request from clients that accept only SSE, and a 2025-03-26 batch
 * (answered as SSE whenever the client accepts it). Each blocks in the tool.
 */
const unresumableCalls = (port: number) => ({
  "2026-07-28": send(port, "POST", {
    accept: "text/event-stream",
    "mcp-protocol-version": MODERN,
    "mcp-method": "tools/call",
    "mcp-name": "block"
  }, blockCall("m", modernMeta)),
  "stateless 2025": send(port, "POST", { accept: "text/event-stream", "mcp-protocol-version": "2025-11-25" }, blockCall("s")),
  "2025-03-26 batch": send(port, "POST", { accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-03-26" }, [
    blockCall("b")
  ])
})

/** Drops the connections of `calls` (the end of a test). */
const destroyAll = (calls: Record<string, ReturnType<typeof send>>) => {
  for (const call of Object.values(calls)) call.destroy()
}

/** The id each call of {@link unresumableCalls} was sent with. */
const idOf: Record<string, string> = { "2026-07-28": "m", "stateless 2025": "s", "2025-03-26 batch": "b" }

const shutDownAnswer = (id: string | number) => ({
  jsonrpc: "2.0",
  id,
  error: { code: McpError.ErrorCode.ServerUnavailable, message: "Server shutting down: the request was stopped before it was answered" }
})

describe("an SSE answer starts at once", () => {
  // Fails before: these streams have no priming event, and Node sends a response's headers with
  // its first bytes: nothing reached the client until the call sent something, ended, or the
  // keep-alive (15 s by default; off here) wrote a comment.
  it.live("a 2026-07-28 request, a stateless 2025 request and a 2025-03-26 batch answered as SSE: the status and headers come while the call runs", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const listening = portListener()
      const server = yield* Effect.forkScoped(listening.provide(McpServer.serve(
        { name: "sse-start", version: "1" },
        block.tool,
        StreamableHttp.make({ host: "127.0.0.1", port: 0, stateless: true, keepAliveMillis: 0 })
      )))
      const port = yield* listening.port(server)
      const calls = unresumableCalls(port)
      yield* Effect.addFinalizer(() => Effect.sync(() => destroyAll(calls)))
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 3)), "the calls did not start")
      yield* Effect.promise(() => until(() => Object.values(calls).every((call) => call.seen.started)))
      for (const [kind, call] of Object.entries(calls)) {
        assert.isTrue(call.seen.started, `${kind}: no headers while the call runs`)
        assert.strictEqual(call.seen.status, 200, kind)
        assert.include(call.seen.contentType ?? "", "text/event-stream", kind)
        assert.deepStrictEqual(messagesIn(call.seen.body), [], kind)
      }
      assert.strictEqual(block.started(), 3, "a call ended before it was released")
      block.release()
      for (const [kind, call] of Object.entries(calls)) {
        const seen = yield* Effect.promise(() => call.done)
        assert.strictEqual(seen.ended, "end", kind)
        const messages = messagesIn(seen.body)
        assert.deepStrictEqual(messages.map((message) => message.id), [idOf[kind]], kind)
        assert.deepStrictEqual(messages[0].result.content, [{ type: "text", text: "released" }], kind)
        assert.deepStrictEqual(idsIn(seen.body), [], `${kind}: an unresumable stream's events carry no id`)
      }
    }), 30_000)

  // Fails before: a resumption replays what the client missed, then the live events; with none
  // of either, its headers waited for the call's next event as well.
  it.live("a resumption (GET with Last-Event-ID) of a call's stream with nothing to replay: the status and headers come while the call runs", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const listening = portListener()
      const server = yield* Effect.forkScoped(listening.provide(McpServer.serve(
        { name: "sse-start", version: "1" },
        block.tool,
        StreamableHttp.make({ host: "127.0.0.1", port: 0, keepAliveMillis: 0 })
      )))
      const port = yield* listening.port(server)
      const sessionId = yield* Effect.promise(() => openSession(`http://127.0.0.1:${port}/mcp`))
      const first = send(port, "POST", on(sessionId, { accept: "text/event-stream" }), blockCall(7))
      yield* Effect.addFinalizer(() => Effect.sync(first.destroy))
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1 && idsIn(first.seen.body).length === 1)), "no priming event")
      const [priming] = idsIn(first.seen.body)
      first.destroy()
      yield* Effect.promise(() => first.done)
      const resumed = send(port, "GET", on(sessionId, { accept: "text/event-stream", "last-event-id": priming! }))
      yield* Effect.addFinalizer(() => Effect.sync(resumed.destroy))
      assert.isTrue(yield* Effect.promise(() => until(() => resumed.seen.started)), "no headers while the call runs")
      assert.strictEqual(resumed.seen.status, 200)
      assert.include(resumed.seen.contentType ?? "", "text/event-stream")
      assert.strictEqual(block.started(), 1, "the call ended before it was released")
      block.release()
      const seen = yield* Effect.promise(() => resumed.done)
      assert.strictEqual(seen.ended, "end")
      assert.deepStrictEqual(messagesIn(seen.body).map((message) => message.result.content), [[{ type: "text", text: "released" }]])
    }), 30_000)
})

/** How the endpoint is served: on its own server, or in a router of one's own. */
const forms = ["StreamableHttp.make", "StreamableHttp.route"] as const

/** How the server stops: interrupted (Ctrl-C under `runMain`), or a graceful drain whose calls outlive `shutdownTimeoutMillis`. */
const stops = ["interrupted", "a graceful drain cut short"] as const

/**
 * Serves `tool` on a free port in `form` (with `options`): its port, and `stop`, which stops it
 * in the way named (interrupted at the test's end whatever happens).
 */
const serveStoppable = (
  tool: ReturnType<typeof blocking>["tool"],
  form: typeof forms[number],
  how: typeof stops[number],
  options: StreamableHttp.Options
) =>
  Effect.gen(function*() {
    const shutdown = GracefulShutdown.make()
    const listener = form === "StreamableHttp.make" ? StreamableHttp.make({ ...options, host: "127.0.0.1", port: 0 }) : ownRouter(0, options)
    const listening = portListener()
    const server = yield* Effect.forkDetach(listening.provide(
      McpServer.serve({ name: "sse-stop", version: "1" }, tool, listener).pipe(
        Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown)
      )
    ))
    yield* Effect.addFinalizer(() => Fiber.interrupt(server))
    const port = yield* listening.port(server)
    // As `GracefulShutdown.runMain` stops a program: a drain (when asked), then the interruption.
    const stop = how === "interrupted"
      ? Fiber.interrupt(server)
      : Effect.andThen(Effect.sync(() => shutdown.request()), Effect.andThen(shutdown.drained, Fiber.interrupt(server)))
    return { port, stop }
  })

describe("a server stopping during a call ends its SSE stream with the call's -32000 answer", () => {
  for (const form of forms) {
    for (const how of stops) {
      // Fails before (StreamableHttp.route, interrupted): the server interrupted the responses it
      // served before the endpoint stopped, and effect/http cut a started response: the client
      // got a broken connection ("socket hang up" where no headers had gone yet, "aborted" after).
      it.live(`${form}, ${how}: a 2026-07-28 request, a stateless 2025 request and a 2025-03-26 batch`, () =>
        Effect.gen(function*() {
          const block = blocking()
          yield* Effect.addFinalizer(() => Effect.sync(block.release))
          const { port, stop } = yield* serveStoppable(block.tool, form, how, { stateless: true, session: { shutdownTimeoutMillis: 200 } })
          const calls = unresumableCalls(port)
          yield* Effect.addFinalizer(() => Effect.sync(() => destroyAll(calls)))
          assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 3)), "the calls did not start")
          yield* stop
          for (const [kind, call] of Object.entries(calls)) {
            const seen = yield* Effect.promise(() => call.done)
            assert.strictEqual(seen.ended, "end", `${kind}: ${JSON.stringify(seen)}`)
            assert.strictEqual(seen.status, 200, kind)
            assert.deepStrictEqual(messagesIn(seen.body), [shutDownAnswer(idOf[kind]!)], kind)
          }
        }), 30_000)

      // Fails before (StreamableHttp.route, interrupted), as above: the stream was cut after its
      // priming event.
      it.live(`${form}, ${how}: a 2025 session's call answered on a stream it could resume`, () =>
        Effect.gen(function*() {
          const block = blocking()
          yield* Effect.addFinalizer(() => Effect.sync(block.release))
          const { port, stop } = yield* serveStoppable(block.tool, form, how, { session: { shutdownTimeoutMillis: 200 } })
          const sessionId = yield* Effect.promise(() => openSession(`http://127.0.0.1:${port}/mcp`))
          const call = send(port, "POST", on(sessionId, { accept: "text/event-stream" }), blockCall(7))
          yield* Effect.addFinalizer(() => Effect.sync(call.destroy))
          assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1 && call.seen.started)), "the call did not start")
          yield* stop
          const seen = yield* Effect.promise(() => call.done)
          assert.strictEqual(seen.ended, "end", JSON.stringify(seen))
          assert.strictEqual(seen.status, 200)
          assert.deepStrictEqual(messagesIn(seen.body), [shutDownAnswer(7)])
        }), 30_000)
    }
  }
})

/** How long the server middleware of the tests below lets a request be served. */
const servedFor = 2_000

/** A middleware of one's own server that gives up serving a request after {@link servedFor} (its response cut). */
const timeout: ServerMiddleware = (served) => Effect.timeout(served, servedFor)

/**
 * Serves `tool` on a free port with `StreamableHttp.route` in a router of one's own whose server
 * runs {@link timeout}: its port (the server runs till the test's end).
 */
const serveTimedOut = (tool: ReturnType<typeof blocking>["tool"], options: StreamableHttp.Options) =>
  Effect.gen(function*() {
    const listening = portListener()
    const server = yield* Effect.forkScoped(listening.provide(McpServer.serve({ name: "sse-timeout", version: "1" }, tool, ownRouter(0, options, timeout))))
    const port = yield* listening.port(server)
    return port
  })

describe("a middleware of one's own interrupting an SSE answer, the server still serving, is no shutdown", () => {
  // Fails before: the endpoint took any interruption of an SSE response that was not the client
  // leaving for its server stopping, and ended each stream with -32000 "Server shutting down".
  // The response is cut, as the middleware asked, and the calls it carried, which no one can
  // read any more, are cancelled, as when a client leaves such a stream.
  it.live("a 2026-07-28 request, a stateless 2025 request and a 2025-03-26 batch: cut, their calls cancelled", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const port = yield* serveTimedOut(block.tool, { stateless: true, keepAliveMillis: 0 })
      const calls = unresumableCalls(port)
      yield* Effect.addFinalizer(() => Effect.sync(() => destroyAll(calls)))
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 3)), "the calls did not start")
      for (const [kind, call] of Object.entries(calls)) {
        const seen = yield* Effect.promise(() => call.done)
        assert.strictEqual(seen.status, 200, kind)
        assert.notStrictEqual(seen.ended, "end", `${kind}: ${JSON.stringify(seen)}`)
        assert.notInclude(seen.ended ?? "", "timeout", kind)
        assert.deepStrictEqual(messagesIn(seen.body), [], `${kind}: ${seen.body}`)
      }
      assert.isTrue(yield* Effect.promise(() => until(() => block.interrupted() === 3)), `${block.interrupted()} of 3 calls cancelled`)
      // The server serves on.
      const listed = send(port, "POST", {
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": "tools/list"
      }, { jsonrpc: "2.0", id: "l", method: "tools/list", params: { _meta: modernMeta } })
      const seen = yield* Effect.promise(() => listed.done)
      assert.strictEqual(seen.status, 200, seen.body)
      assert.strictEqual(JSON.parse(seen.body).result.tools[0].name, "block")
    }), 30_000)

  // Fails before, as above: the stream ended with -32000 and its call was cancelled. The client
  // can resume a 2025 session's stream: its call runs on, and the resumption gets its answer.
  it.live("a 2025 session's call answered on a stream it can resume: cut, the call runs on, resumed it is answered", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const port = yield* serveTimedOut(block.tool, { keepAliveMillis: 0 })
      const sessionId = yield* Effect.promise(() => openSession(`http://127.0.0.1:${port}/mcp`))
      const call = send(port, "POST", on(sessionId, { accept: "text/event-stream" }), blockCall(7))
      yield* Effect.addFinalizer(() => Effect.sync(call.destroy))
      const seen = yield* Effect.promise(() => call.done)
      assert.strictEqual(seen.status, 200)
      assert.notStrictEqual(seen.ended, "end", JSON.stringify(seen))
      assert.notInclude(seen.ended ?? "", "timeout")
      assert.deepStrictEqual(messagesIn(seen.body), [], seen.body)
      const [priming] = idsIn(seen.body)
      assert.isDefined(priming, "no priming event")
      assert.strictEqual(block.started(), 1, "the call did not start")
      assert.strictEqual(block.interrupted(), 0, "the call was cancelled")
      block.release()
      const resumed = send(port, "GET", on(sessionId, { accept: "text/event-stream", "last-event-id": priming! }))
      yield* Effect.addFinalizer(() => Effect.sync(resumed.destroy))
      const replayed = yield* Effect.promise(() => resumed.done)
      assert.strictEqual(replayed.ended, "end", JSON.stringify(replayed))
      assert.deepStrictEqual(messagesIn(replayed.body).map((message) => message.result.content), [[{ type: "text", text: "released" }]])
    }), 30_000)
})
