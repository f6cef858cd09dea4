/**
 * Shutting down `McpServer.serve` over `StreamableHttp.make` (interrupting it, as Ctrl-C does through `runMain`) while
 * clients hold SSE streams: the streams end and the server stops promptly. A request in flight then
 * (the server interrupted, a graceful drain cut short, `WebHandler.dispose`) is answered -32000
 * "Server shutting down", on its SSE stream as in JSON, before its response ends. `StreamableHttp.route`
 * in a router of one's own, on a server without the preemptive wait (docs/http.md): the same.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { components, options } from "../../examples/everything-server.ts"
import { GracefulShutdown, McpError, McpServer, StreamableHttp } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { initializeMessage, on, openSession, ownRouter, portListener, post, sleep, sseReader } from "./support.ts"

describe("Streamable HTTP shutdown", () => {
  it.live("interrupting McpServer.serve over StreamableHttp with an open standalone GET stream ends the stream and stops within 2 s", () =>
    Effect.gen(function*() {
      const listening = portListener()
      const server = yield* Effect.forkDetach(listening.provide(McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port: 0 }))))
      const url = `http://127.0.0.1:${yield* listening.port(server)}/mcp`
      let sessionId: string | undefined
      for (let i = 0; i < 200 && sessionId === undefined; i++) {
        sessionId = yield* Effect.promise(() => openSession(url).catch(() => undefined))
        if (sessionId === undefined) yield* Effect.sleep(10)
      }
      assert.isString(sessionId)

      // a client (node:http, like any long-lived SSE client) holds the standalone stream open
      let ended = false
      let status = 0
      const get = httpRequest(url, { headers: on(sessionId!, { accept: "text/event-stream" }) }, (response) => {
        status = response.statusCode ?? 0
        response.on("data", () => undefined)
        response.on("end", () => (ended = true))
        response.on("close", () => (ended = true))
      })
      get.on("error", () => (ended = true))
      get.end()
      yield* Effect.promise(() => sleep(100))
      assert.strictEqual(status, 200)
      assert.isFalse(ended)

      const started = Date.now()
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const stopped = yield* Effect.promise(async () => {
        while (Date.now() - started < 2_000) {
          if (stopping.pollUnsafe() !== undefined) return true
          await sleep(20)
        }
        return false
      })
      // The server stopped once it ended the stream; the client learns of it from its socket, in a
      // later turn of the event loop (bounded: a stream the server left open never ends).
      const clientSawEnd = yield* Effect.promise(async () => {
        for (let i = 0; i < 50 && !ended; i++) await sleep(20)
        return ended
      })
      // whatever happened, let the server finish closing
      get.destroy()
      yield* Fiber.await(stopping)
      assert.isTrue(clientSawEnd, "the server did not end the open SSE stream on shutdown")
      assert.isTrue(stopped, `the HTTP server did not stop within 2 s (took ${Date.now() - started} ms)`)
    }), 30_000)

  // Fails before the fix: Node's `close()` ends idle connections but waits on one that has not
  // carried a request (the one undici opens after aborting a GET stream, as an SDK client's
  // `close()` does): the server stopped only when the client dropped it.
  it.live("a connection that never carried a request does not hold the server: interrupted, it stops within 2 s", () =>
    Effect.gen(function*() {
      const listening = portListener()
      const server = yield* Effect.forkDetach(listening.provide(McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port: 0 }))))
      const port = yield* listening.port(server)
      const url = `http://127.0.0.1:${port}/mcp`
      yield* Effect.promise(() => openSession(url))
      const socket = connect(port, "127.0.0.1")
      yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
      let closedByServer = false
      socket.on("error", () => undefined)
      socket.on("end", () => (closedByServer = true))
      yield* Effect.promise(() => new Promise<void>((resolve) => socket.once("connect", () => resolve())))

      const started = Date.now()
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const stopped = yield* Effect.promise(() => until(() => stopping.pollUnsafe() !== undefined))
      const took = Date.now() - started
      // The server's FIN may still be on its way: wait for it (bounded) before closing our end.
      yield* Effect.promise(() => until(() => closedByServer))
      socket.destroy()
      yield* Fiber.await(stopping)
      assert.isTrue(stopped, `the HTTP server did not stop within 2 s (took ${took} ms)`)
      assert.isTrue(closedByServer, "the server did not close the unused connection")
    }), 30_000)
})

/** A tool that blocks until the test releases it (every call made so far). */
const blocking = () => {
  const waiting: Array<() => void> = []
  const tool = McpServer.tool({
    name: "block",
    description: "Blocks until released",
    handler: () => Effect.promise(() => new Promise<string>((resolve) => waiting.push(() => resolve("released"))))
  })
  const release = () => {
    for (const resume of waiting.splice(0)) resume()
  }
  return { tool, started: () => waiting.length, release }
}

const blockCall = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "block", arguments: {} } }

/** Polls `condition` (bounded: 200 × 10 ms). */
const until = async (condition: () => boolean): Promise<boolean> => {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(10)
  return condition()
}

/** The JSON-RPC messages of an SSE answer, read to its end (bounded: 20 events, 5 s each). */
const sseMessages = async (response: Response): Promise<Array<any> | string> => {
  const reader = sseReader(response)
  const messages: Array<any> = []
  try {
    for (let i = 0; i < 20; i++) {
      const event = await reader.next(5_000)
      if (event === undefined) return messages
      if (event.data !== "") messages.push(JSON.parse(event.data))
    }
    return messages
  } catch (error) {
    return `the stream broke after ${JSON.stringify(messages)}: ${String(error)}`
  }
}

/** What the answer to `blockCall` carried: its JSON message, or the messages of its SSE stream. */
const answerOfCall = async (response: Response): Promise<Array<any> | string> =>
  (response.headers.get("content-type") ?? "").includes("text/event-stream")
    ? sseMessages(response)
    : [JSON.parse(await response.text())]

const shutDownAnswer = {
  jsonrpc: "2.0",
  id: 7,
  error: { code: McpError.ErrorCode.ServerUnavailable, message: "Server shutting down: the request was stopped before it was answered" }
}

describe("a request in flight when the endpoint stops is answered, on an SSE stream as in JSON", () => {
  it.live("the server interrupted (StreamableHttp.make): the call's stream ends with its -32000 answer; a JSON answer is the same", () =>
    Effect.gen(function*() {
      for (const responseMode of ["sse", "json"] as const) {
        const block = blocking()
        yield* Effect.addFinalizer(() => Effect.sync(block.release))
        const listening = portListener()
        const server = yield* Effect.forkDetach(listening.provide(
          McpServer.serve({ name: "stop", version: "1" }, block.tool, StreamableHttp.make({ host: "127.0.0.1", port: 0, responseMode }))
        ))
        const port = yield* listening.port(server)
        const url = `http://127.0.0.1:${port}/mcp`
        const sessionId = yield* Effect.promise(() => openSession(url))
        const answer = Effect.runPromise(Effect.promise(() => post(url, blockCall, on(sessionId)).then(answerOfCall)))
        assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1)), "the call did not start")
        const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
        assert.deepStrictEqual(yield* Effect.promise(() => answer), [shutDownAnswer], responseMode)
        yield* Fiber.await(stopping)
      }
    }), 30_000)

  it.live("a graceful drain cut short by shutdownTimeoutMillis: the SSE call's stream ends with its -32000 answer", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const listening = portListener()
      const shutdown = GracefulShutdown.make()
      const server = yield* Effect.forkScoped(listening.provide(
        McpServer.serve(
          { name: "drain", version: "1" },
          block.tool,
          StreamableHttp.make({ host: "127.0.0.1", port: 0, responseMode: "sse", session: { shutdownTimeoutMillis: 200 } })
        ).pipe(Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown))
      ))
      const port = yield* listening.port(server)
      const url = `http://127.0.0.1:${port}/mcp`
      const sessionId = yield* Effect.promise(() => openSession(url))
      const answer = Effect.runPromise(Effect.promise(() => post(url, blockCall, on(sessionId)).then(answerOfCall)))
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1)), "the call did not start")
      shutdown.request()
      assert.deepStrictEqual(yield* Effect.promise(() => answer), [shutDownAnswer])
      assert.isUndefined(server.pollUnsafe(), "the server stops once its process does, not by itself")
    }), 30_000)

  it.live("WebHandler.dispose: an SDK v1 client's call answered on an SSE stream fails with -32000, not a wait for its timeout", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const web = WebHandler.make({ name: "web", version: "1" }, block.tool, { responseMode: "sse" })
      const client = new Client({ name: "dispose-test", version: "1" })
      const transport = new StreamableHTTPClientTransport(new URL("http://127.0.0.1/mcp"), {
        // The handler is the server: requests reach it as fetch `Request`s (no socket; the Host a socket would give).
        fetch: (input, init) => {
          const request = new Request(input, init)
          request.headers.set("host", "127.0.0.1")
          return web.handler(request)
        },
        reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 100, reconnectionDelayGrowFactor: 1, maxRetries: 1 }
      })
      yield* Effect.promise(() => client.connect(transport))
      const outcome = Effect.runPromise(Effect.promise(() =>
        client.callTool({ name: "block", arguments: {} }, undefined, { timeout: 5_000 }).then(
          (result) => ({ result }),
          (error: { readonly code?: number; readonly message: string }) => ({ code: error.code, message: error.message })
        )
      ))
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1)), "the call did not start")
      yield* Effect.promise(() => web.dispose())
      const failed = yield* Effect.promise(() => outcome)
      assert.strictEqual((failed as { readonly code?: number }).code, McpError.ErrorCode.ServerUnavailable, JSON.stringify(failed))
      assert.include((failed as { readonly message?: string }).message, "Server shutting down")
      yield* Effect.promise(() => client.close().catch(() => undefined))
    }), 30_000)
})

/** An SDK v1 client's call of `block`: its result, or the error it failed with. */
const callBlock = (client: Client) =>
  client.callTool({ name: "block", arguments: {} }, undefined, { timeout: 10_000 }).then(
    (result) => ({ result }),
    (error: { readonly code?: number; readonly message: string }) => ({ code: error.code, message: error.message })
  )

describe("StreamableHttp.route in one's own router (the server's preemptive wait off)", () => {
  // Fails before the fix: the server interrupted the request before the endpoint stopped, and
  // effect/http answered the interrupted request an empty 503 (the SDK client: "HTTP 503").
  it.live("interrupted with an SDK v1 client's call in flight: the call fails -32000 \"Server shutting down\", the server stops within 2 s", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const listening = portListener()
      const server = yield* Effect.forkDetach(listening.provide(McpServer.serve({ name: "route", version: "1" }, block.tool, ownRouter(0))))
      const port = yield* listening.port(server)
      const client = new Client({ name: "route-test", version: "1" })
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
      // The client also opens its standalone GET stream, which the endpoint's shutdown ends.
      yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`))))
      const outcome = callBlock(client)
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1)), "the call did not start")

      const started = Date.now()
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const stopped = yield* Effect.promise(() => until(() => stopping.pollUnsafe() !== undefined))
      const took = Date.now() - started
      const failed = yield* Effect.promise(() => outcome)
      yield* Fiber.await(stopping)
      assert.isTrue(stopped, `the server did not stop within 2 s (took ${took} ms)`)
      assert.strictEqual((failed as { readonly code?: number }).code, McpError.ErrorCode.ServerUnavailable, JSON.stringify(failed))
      assert.include((failed as { readonly message?: string }).message, "Server shutting down")
    }), 30_000)

  // Fails before: the batch's POST was interrupted before the endpoint stopped, and effect/http
  // answered it an empty 503.
  it.live("interrupted with a JSON-RPC batch answered as JSON in flight (MCP 2025-03-26): each request still running gets its -32000 entry, the others their answers", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const listening = portListener()
      const server = yield* Effect.forkDetach(listening.provide(McpServer.serve({ name: "route", version: "1" }, block.tool, ownRouter(0))))
      const port = yield* listening.port(server)
      const url = `http://127.0.0.1:${port}/mcp`
      const init = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "x", version: "0" } } })
      )
      const sessionId = init.headers.get("mcp-session-id")!
      yield* Effect.promise(() => init.text())
      const initialized = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sessionId }))
      yield* Effect.promise(() => initialized.text())
      const batch = [{ ...blockCall, id: "a" }, { jsonrpc: "2.0", id: "p", method: "ping" }, { ...blockCall, id: "b" }]
      const answer = Effect.runPromise(Effect.promise(() =>
        post(url, batch, { "mcp-session-id": sessionId, accept: "application/json" }).then(async (response) => ({ status: response.status, body: await response.text() }))
      ))
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 2)), "the calls did not start")
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const answered = yield* Effect.promise(() => answer)
      yield* Fiber.await(stopping)
      assert.strictEqual(answered.status, 200, answered.body)
      assert.deepStrictEqual(JSON.parse(answered.body), [
        { ...shutDownAnswer, id: "a" },
        { jsonrpc: "2.0", id: "p", result: {} },
        { ...shutDownAnswer, id: "b" }
      ])
    }), 30_000)

  it.live("a graceful shutdown (GracefulShutdown.runMain's SIGTERM) first: the call in flight finishes with its result, then the server stops within 2 s", () =>
    Effect.gen(function*() {
      const block = blocking()
      yield* Effect.addFinalizer(() => Effect.sync(block.release))
      const listening = portListener()
      const shutdown = GracefulShutdown.make()
      const server = yield* Effect.forkDetach(listening.provide(
        McpServer.serve({ name: "route", version: "1" }, block.tool, ownRouter(0)).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown)
        )
      ))
      const port = yield* listening.port(server)
      const client = new Client({ name: "route-test", version: "1" })
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
      yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`))))
      const outcome = callBlock(client)
      assert.isTrue(yield* Effect.promise(() => until(() => block.started() === 1)), "the call did not start")

      shutdown.request()
      yield* Effect.promise(() => sleep(50))
      block.release()
      const answered = yield* Effect.promise(() => outcome)
      assert.deepStrictEqual((answered as { readonly result?: { readonly content: unknown } }).result?.content, [{ type: "text", text: "released" }])
      // As runMain does once the drain is over: the program is interrupted.
      yield* shutdown.drained
      const started = Date.now()
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const stopped = yield* Effect.promise(() => until(() => stopping.pollUnsafe() !== undefined))
      const took = Date.now() - started
      yield* Fiber.await(stopping)
      assert.isTrue(stopped, `the server did not stop within 2 s (took ${took} ms)`)
    }), 30_000)
})

describe("an initialize whose session starts as a graceful drain begins", () => {
  // Failed before: the session, started once the drain had begun, drained at once (it had no
  // request yet) and was gone when its initialize reached it: 404 "Session not found" to a POST
  // that named no session, where one a moment later gets 503 -32000 (retry on another instance).
  it.live("is refused 503 -32000 as the drain refuses a new initialize, not 404 Session not found", () => startingAsDrainBegins(false), 30_000)

  // Failed before: the same for the first request of a stateless endpoint, whose shared session
  // started into the drain: 404 "Session not found", on an endpoint that has no sessions.
  it.live("the same for the request that starts a stateless endpoint's shared session", () => startingAsDrainBegins(true), 30_000)

  it.live("the same for a 2026-07-28 request that starts a stateful endpoint's shared session", () => startingAsDrainBegins("modern"), 30_000)

  it.live("the same for a JSON-RPC batch (MCP 2025-03-26) that starts a stateless endpoint's shared session", () => startingAsDrainBegins("batch"), 30_000)
})

/**
 * Holds the start of the session an `initialize` opens (of the shared session a stateless request,
 * or a 2026-07-28 one, starts), begins a graceful drain meanwhile, then lets the session start: the request must get
 * the drain's 503 -32000, as one sent once the drain began does.
 */
const startingAsDrainBegins = (era: boolean | "modern" | "batch") =>
    Effect.gen(function*() {
      let hold: { readonly starting: Deferred.Deferred<void>; readonly go: Deferred.Deferred<void> } | undefined
      const listening = portListener()
      const shutdown = GracefulShutdown.make()
      const server = yield* Effect.forkScoped(listening.provide(
        McpServer.serve(options, components, {
          // While `hold` is set, a session's start waits for its `go` (the application's start taking a while).
          listen: (run) =>
            StreamableHttp.make({ host: "127.0.0.1", port: 0, stateless: era === true || era === "batch" }).listen((transport, sessionOptions) => {
              const held = hold
              if (held === undefined) return run(transport, sessionOptions)
              Deferred.doneUnsafe(held.starting, Exit.void)
              return Effect.andThen(Deferred.await(held.go), run(transport, sessionOptions))
            })
        }).pipe(Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown))
      ))
      const port = yield* listening.port(server)
      const url = `http://127.0.0.1:${port}/mcp`
      const held = { starting: Deferred.makeUnsafe<void>(), go: Deferred.makeUnsafe<void>() }
      hold = held
      const modernMeta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
      }
      const [first, headers] = era === "batch"
        ? [[{ jsonrpc: "2.0", id: 1, method: "tools/list" }], { "mcp-protocol-version": "2025-03-26" }]
        : era === "modern"
        ? [{ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: modernMeta } }, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" }]
        : era
        ? [{ jsonrpc: "2.0", id: 1, method: "tools/list" }, { "mcp-protocol-version": "2025-11-25" }]
        : [initializeMessage(1), {}]
      const opening = yield* Effect.forkChild(Effect.promise(() =>
        post(url, first, headers).then(async (response) => ({
          status: response.status,
          sessionId: response.headers.get("mcp-session-id"),
          body: await response.json() as any
        }))
      ))
      yield* Deferred.await(held.starting).pipe(Effect.timeout("5 seconds"))
      hold = undefined
      shutdown.request()
      // The drain has begun: a new initialize is refused so.
      const later = yield* Effect.promise(() => post(url, initializeMessage(2)).then(async (response) => ({ status: response.status, body: await response.json() as any })))
      assert.strictEqual(later.status, 503)
      Deferred.doneUnsafe(held.go, Exit.void)
      const answer = yield* Fiber.join(opening).pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(answer.status, 503, JSON.stringify(answer.body))
      assert.deepStrictEqual(answer.body.error, later.body.error)
      // A batch's refusal is one error for the whole POST, with no id (as a later batch's).
      assert.strictEqual(answer.body.id, era === "batch" ? undefined : 1)
      assert.isNull(answer.sessionId)
      // And the drain ends.
      yield* shutdown.drained.pipe(Effect.timeout("10 seconds"))
    })
