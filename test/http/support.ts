/**
 * Test support for the Streamable HTTP transport: starts the everything server in-process on
 * 127.0.0.1, on a port its server picks (it listens on port 0), raw HTTP helpers (fetch, and
 * node:http where a `Host` header must be forged) and an SSE reader.
 */
import { assert } from "@effect/vitest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import { HttpRouter, HttpServer, type HttpServerResponse } from "effect/http"
import { createServer, request as httpRequest } from "node:http"
import { connect, createServer as createNetServer } from "node:net"
import { Readable } from "node:stream"
import { components, options, taskProbe } from "../../examples/everything-server.ts"
import { EventStore, McpServer, SessionStore, StreamableHttp } from "../../src/index.ts"
import type { TransportFailure } from "../../src/session/Connection.ts"
import type { Listener, ListenerSessionOptions, Transport } from "../../src/session/Transport.ts"
import { freePort } from "../support/ports.ts"

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export { freePort } from "../support/ports.ts"

export interface Running {
  readonly port: number
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string
}

/**
 * Polls until something accepts HTTP on `port` (any status), or gives up after `attempts` tries;
 * each try waits 1 s at most (a port another process took may accept and never answer).
 */
export const ready = async (port: number, attempts: number): Promise<boolean> => {
  // Bounded in time as well: a try waits at most 1 s, and all of them 10 s.
  const deadline = Date.now() + 10_000
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "GET",
        headers: { accept: "text/event-stream" },
        signal: AbortSignal.timeout(1_000)
      })
      return true
    } catch {
      await sleep(10)
    }
  }
  return false
}

/**
 * The endpoint's listening line (`MCP over Streamable HTTP at http://127.0.0.1:N/mcp`, or a name
 * among its allowed hosts then `(listening on 127.0.0.1)`): the host it names, its port, and the
 * host it listens on when that is another.
 */
const listeningPattern = /MCP over Streamable HTTP at http:\/\/(\[[^\]\s]*\]|[^/:\s]+):(\d+)\/\S*(?: \(listening on ([^)\s]+)\))?/

/**
 * How long a server may take to say it listens: 10 s, as long as the `ready` polls it replaced (its
 * start is milliseconds of CPU, but on two cores shared by the suite's workers and their children
 * it may wait for the CPU). Well within the test timeout (30 s): a server that never says it is
 * told as such, not as a test that timed out.
 */
const listenBound = 10_000

/** Where a server said it listens: its port, and its host as a URL writes it (`127.0.0.1`, `[::1]`). */
export interface Listened {
  readonly port: number
  readonly host: string
}

/**
 * The port a Streamable HTTP endpoint listening on port 0 (`StreamableHttp.make`, `serve` or
 * `fromConfig` with `port: 0`) picked, read from the line it logs once it is routed on a listening
 * server: no other process can take that port first, as one picked beforehand with `freePort`
 * could (a test of another worker then answered the requests). `provide` adds the logger that
 * reads it to the program's loggers (the current ones, or `loggers` in their place: a program must
 * not replace its loggers inside, `Effect.provide(Logger.layer([]))`, but give them here); once
 * it is forked, `port(fiber)` waits for the line (`listened(fiber)`: its host too). Each listener
 * reads the line of the program it provides only (loggers are the program's fibers' own): servers
 * started together in one process, by concurrent tests, each get their own; a second line (a
 * program serving twice) changes nothing. For a program a test forks itself (to interrupt it);
 * {@link serveOnAnyPort} does both.
 */
export const portListener = () => {
  const bound = Deferred.makeUnsafe<Listened>()
  const logger = Logger.make(({ message }) => {
    const found = listeningPattern.exec(Array.isArray(message) ? message.join(" ") : String(message))
    if (found !== null) Deferred.doneUnsafe(bound, Exit.succeed({ port: Number(found[2]), host: found[3] ?? found[1] }))
  })
  /**
   * Where the program listens, once it logged the line; dies with what stopped the program when
   * `fiber` ends first, or after `millis` (10 s) without the line.
   */
  const listened = <A, E>(fiber: Fiber.Fiber<A, E>, millis: number = listenBound): Effect.Effect<Listened> =>
    Deferred.await(bound).pipe(
      Effect.raceFirst(Effect.flatMap(Fiber.await(fiber), (exit) =>
        Effect.die(
          new Error(`the HTTP server stopped before it listened: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "it returned"}`)
        ))),
      Effect.timeoutOrElse({
        duration: millis,
        orElse: () =>
          Effect.die(
            new Error(
              `the HTTP server did not say it listens within ${millis} ms (its loggers replaced inside, or its minimum log level above Info?)`
            )
          )
      })
    )
  return {
    provide: <A, E, R>(
      program: Effect.Effect<A, E, R>,
      loggers?: ReadonlyArray<Logger.Logger<unknown, unknown>>
    ): Effect.Effect<A, E, R> =>
      Effect.provide(
        program,
        loggers === undefined ? Logger.layer([logger], { mergeWithExisting: true }) : Logger.layer([...loggers, logger])
      ),
    listened,
    /** The port of {@link listened}. */
    port: <A, E>(fiber: Fiber.Fiber<A, E>, millis?: number): Effect.Effect<number> =>
      Effect.map(listened(fiber, millis), ({ port }) => port)
  }
}

/**
 * The endpoint's listening line, for a test's own router (`HttpRouter.serve` with
 * `disableListenLog`, on `NodeHttpServer.layer`): logged once the router is served, as
 * `StreamableHttp.serve` logs its own, for {@link portListener} to read the port a server on port
 * 0 picked. Provide the router's `serve` layer to it, then the server's.
 */
export const routerListening: Layer.Layer<never, never, HttpServer.HttpServer> = Layer.effectDiscard(
  HttpServer.addressFormattedWith((address) => Effect.logInfo(`test router: MCP over Streamable HTTP at ${address}/mcp`))
)

/**
 * Runs `serve(0)` (a program serving the Streamable HTTP endpoint, `StreamableHttp.make`, `serve`
 * or `fromConfig`, on 127.0.0.1:`port` until interrupted) in the test's scope, on the port its
 * server picks (see {@link portListener}; `loggers`: the program's loggers). Once it listens the
 * program still runs and `started()` holds (checked every 10 ms, 5 s at most). Its port and `/mcp`
 * URL.
 */
export const serveOnAnyPort = <E, R>(
  serve: (port: number) => Effect.Effect<unknown, E, R>,
  options: {
    readonly started?: (() => boolean) | undefined
    readonly loggers?: ReadonlyArray<Logger.Logger<unknown, unknown>> | undefined
  } = {}
): Effect.Effect<Running, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    const listening = portListener()
    const fiber = yield* Effect.forkScoped(listening.provide(serve(0), options.loggers))
    const { host, port } = yield* listening.listened(fiber)
    // The URL names 127.0.0.1: a server on another address (`::1`) is not reached there, and another
    // process may listen on 127.0.0.1 at the same port and answer in its place.
    if (host !== "127.0.0.1" && host !== "0.0.0.0") {
      return yield* Effect.die(new Error(`serveOnAnyPort serves on 127.0.0.1, but the server listens on ${host}:${port}: use portListener`))
    }
    const started = options.started ?? (() => true)
    for (let i = 0; i < 500 && !started(); i++) yield* Effect.sleep(10)
    assert.isTrue(started(), "the HTTP server listens, but did not start within 5 s")
    assert.isUndefined(fiber.pollUnsafe(), "the HTTP server stopped once it listened")
    return { port, url: `http://127.0.0.1:${port}/mcp` }
  })

/**
 * Runs `serve(port)` (a program serving HTTP on 127.0.0.1:`port` until interrupted) in the test's
 * scope on a free port: once something answers HTTP there ({@link ready}), the program still runs
 * and `started()` holds. Tried again on another port (5 at most) when another process took the
 * port first or the program stopped. Its port and `/mcp` URL. Only for a server that must know its
 * port before it listens (a bearer auth `resource` naming its URL): others use
 * {@link serveOnAnyPort}, which no other process can race for the port.
 */
export const serveOnFreePort = <E, R>(
  serve: (port: number) => Effect.Effect<unknown, E, R>,
  started: () => boolean = () => true
): Effect.Effect<Running, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = yield* Effect.promise(freePort)
      const fiber = yield* Effect.forkScoped(serve(port))
      const up = yield* Effect.promise(() => ready(port, 300))
      if (up && fiber.pollUnsafe() === undefined && started()) return { port, url: `http://127.0.0.1:${port}/mcp` }
      yield* Fiber.interrupt(fiber)
    }
    return yield* Effect.die(new Error("could not start the HTTP server"))
  })

/**
 * Serves the everything server over Streamable HTTP (`McpServer.serve` with `StreamableHttp.make`) in the test's scope,
 * on a port of its own choosing (see {@link serveOnAnyPort}).
 */
export const serveEverything = (
  http: Omit<StreamableHttp.ServeOptions, "host" | "port"> = {},
  server: Partial<McpServer.Options> = {}
): Effect.Effect<Running, never, Scope.Scope> =>
  serveOnAnyPort((port) =>
    McpServer.serve({ ...options, ...server }, components, StreamableHttp.make({ ...http, host: "127.0.0.1", port }))
  )

/**
 * Runs `serving` (an `McpServer.serve` program) in the test's scope with a logger that keeps what
 * it logs, and waits for its listening line (`effect-mcp-server: MCP over Streamable HTTP at …`),
 * at most 200 looks 25 ms apart (about 5 s). Returns that line (`undefined` if none came) and
 * everything logged, for a failure's message. For the tests of what the listening line names.
 */
export const listeningLine = <E, R>(
  serving: Effect.Effect<unknown, E, R>
): Effect.Effect<{ readonly line: string | undefined; readonly logged: ReadonlyArray<string> }, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    const logged: Array<string> = []
    const logger = Logger.make(({ message }) => void logged.push(Array.isArray(message) ? message.join(" ") : String(message)))
    yield* Effect.forkScoped(serving.pipe(Effect.provide(Logger.layer([logger]))))
    let line: string | undefined
    for (let i = 0; i < 200 && line === undefined; i++) {
      line = logged.find((text) => text.includes("MCP over Streamable HTTP at"))
      if (line === undefined) yield* Effect.sleep(25)
    }
    return { line, logged }
  })

/**
 * A middleware of one's own server (`HttpRouter.serve`'s `middleware`): it wraps the whole serving
 * of a request, the writing of its response (an SSE body) included.
 */
export type ServerMiddleware = <E, R>(
  served: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, E | Cause.TimeoutError, R>

/**
 * `StreamableHttp.route` (with `options`) in one's own router on a Node server with the preemptive
 * wait off, as docs/http.md recommends, for `McpServer.serve`; `middleware`: the server's own. It
 * logs the endpoint's listening line ({@link routerListening}): on `port` 0, read the port it
 * picked with {@link portListener}.
 */
export const ownRouter = (port: number, options: StreamableHttp.Options = {}, middleware?: ServerMiddleware): Listener => ({
  listen: <R>(run: (transport: Transport, options: ListenerSessionOptions) => Effect.Effect<void, TransportFailure, R>) =>
    Layer.unwrap(Effect.map(Effect.context<R>(), (context) =>
      routerListening.pipe(
        Layer.provide(HttpRouter.serve(
          StreamableHttp.route((transport, sessionOptions) => Effect.provideContext(run(transport, sessionOptions), context), options),
          { disableLogger: true, disableListenLog: true, ...(middleware === undefined ? {} : { middleware }) }
        )),
        Layer.provide(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port, disablePreemptiveShutdown: true })),
        Layer.orDie
      )))
})

// ---------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------

/**
 * `json` with JSON text put in place of string values: `"<name>"` becomes `raw[name]`. For values
 * nested too deep for `JSON.stringify` in a test worker (see {@link nestedText}).
 */
export const withRawValues = (json: string, raw: Record<string, string> | undefined): string => {
  if (raw === undefined) return json
  let out = json
  for (const [name, text] of Object.entries(raw)) out = out.replace(JSON.stringify(name), text)
  return out
}

/** JSON text of `leaf` inside `levels` arrays: `[[[…leaf…]]]`, without recursion. */
export const nestedText = (levels: number, leaf = "1"): string => "[".repeat(levels) + leaf + "]".repeat(levels)

/**
 * Whether a client socket can be bound to 127.0.0.2 (Linux: yes; macOS by default: no): tests of
 * several client addresses (`localAddress: "127.0.0.x"`) run only where it can. Tried against a
 * listener of its own on a free port.
 */
export const loopbackAliasesBindable = (): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const server = createNetServer((socket) => socket.destroy())
    server.once("error", () => resolve(false))
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const socket = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" })
      const done = (ok: boolean) => {
        socket.destroy()
        server.close()
        resolve(ok)
      }
      socket.once("connect", () => done(true))
      socket.once("error", () => done(false))
    })
  })

export const BOTH = "application/json, text/event-stream"
export const LATEST = "2025-11-25"

/** POSTs one JSON-RPC message (or raw text) with the usual headers, overridable. */
export const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, {
    method: "POST",
    headers: { accept: BOTH, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

export const initializeMessage = (id: number | string = 0, capabilities: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: {
    protocolVersion: LATEST,
    capabilities,
    clientInfo: { name: "raw-http-test", version: "1.0.0" }
  }
})

/** Initializes a session by hand (initialize + notifications/initialized); returns its id. */
export const openSession = async (url: string, capabilities: Record<string, unknown> = {}): Promise<string> => {
  const response = await post(url, initializeMessage(0, capabilities))
  if (response.status !== 200) throw new Error(`initialize: ${response.status} ${await response.text()}`)
  const sessionId = response.headers.get("mcp-session-id")
  await response.text()
  if (sessionId === null) throw new Error("initialize: no mcp-session-id header")
  const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, {
    "mcp-session-id": sessionId,
    "mcp-protocol-version": LATEST
  })
  await initialized.text()
  if (initialized.status !== 202) throw new Error(`notifications/initialized: ${initialized.status}`)
  return sessionId
}

/** Headers of a request on an open session. */
export const on = (sessionId: string, extra: Record<string, string> = {}) => ({
  "mcp-session-id": sessionId,
  "mcp-protocol-version": LATEST,
  ...extra
})

/** A JSON body, untyped (for assertions). */
export const jsonOf = (response: Response): Promise<any> => response.json()

/** The one JSON-RPC message of a JSON answer, or the last message of an SSE answer. */
export const answerOf = async (response: Response): Promise<any> => {
  const type = response.headers.get("content-type") ?? ""
  if (type.includes("text/event-stream")) {
    const events = await readSse(response)
    const messages = events.filter((e) => e.data !== "").map((e) => JSON.parse(e.data))
    return messages.at(-1)
  }
  return JSON.parse(await response.text())
}

/** A request made with node:http (full control over `Host`); resolves with status and body. */
export const rawRequest = (
  port: number,
  method: string,
  headers: Record<string, string>,
  body?: string
): Promise<{ readonly status: number; readonly headers: Record<string, unknown>; readonly body: string }> =>
  new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, method, path: "/mcp", headers }, (response) => {
      const chunks: Array<Buffer> = []
      const finish = () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() })
      // An SSE answer would not end: the status is all we need then.
      if ((response.headers["content-type"] ?? "").includes("text/event-stream")) {
        response.destroy()
        return finish()
      }
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", finish)
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(body)
  })

/**
 * A POST whose body is written in pieces and never ended (chunked framing, no Content-Length):
 * writes `sizes` bytes per piece, `pauseMillis` apart, then waits. Resolves with the status of an
 * answer that came while the body was still open, `"closed"` when the server closed the
 * connection without an answer, or `"no answer"` after `waitMillis`, or once `leave` settles
 * (every path bounded). `written` is called once every piece was handed to the socket (not if an
 * answer or the connection's end came first).
 */
export const openEndedPost = (
  port: number,
  headers: Record<string, string>,
  options: {
    readonly sizes: ReadonlyArray<number>
    readonly pauseMillis: number
    readonly waitMillis: number
    readonly written?: (() => void) | undefined
    readonly leave?: Promise<unknown> | undefined
  }
): Promise<{ readonly status: number | "closed" | "no answer"; readonly body: string; readonly afterMillis: number }> =>
  new Promise((resolve) => {
    const started = Date.now()
    let settled = false
    const settle = (status: number | "closed" | "no answer", body = "") => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve({ status, body, afterMillis: Date.now() - started })
    }
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/mcp",
      headers: { ...headers, "transfer-encoding": "chunked" }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => settle(response.statusCode ?? 0, Buffer.concat(chunks).toString()))
      response.on("error", () => settle(response.statusCode ?? 0, Buffer.concat(chunks).toString()))
    })
    request.on("error", () => settle("closed"))
    request.on("close", () => setTimeout(() => settle("closed"), 50))
    const timer = setTimeout(() => settle("no answer"), options.waitMillis)
    void options.leave?.then(() => settle("no answer"), () => settle("no answer"))
    request.flushHeaders()
    let index = 0
    const next = () => {
      if (settled || index >= options.sizes.length) return
      const last = index === options.sizes.length - 1
      request.write(Buffer.alloc(options.sizes[index++]!, 0x20), () => {
        if (last && !settled) options.written?.()
      })
      setTimeout(next, options.pauseMillis)
    }
    next()
  })

/**
 * A request made with node:http whose answer is a web `Response` (for the SSE reader), plus
 * `destroy` to drop the connection abruptly (the server sees the socket close at once, unlike
 * an aborted `fetch`, whose socket lingers in undici's pool).
 */
export const nodeFetch = (
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string
): Promise<{ readonly response: Response; readonly destroy: () => void }> =>
  new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (incoming) => {
      const responseHeaders = new Headers()
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === "string") responseHeaders.set(name, value)
      }
      const stream = Readable.toWeb(incoming) as ReadableStream<Uint8Array>
      resolve({
        response: new Response(stream, { status: incoming.statusCode ?? 0, headers: responseHeaders }),
        destroy: () => request.destroy()
      })
    })
    request.on("error", reject)
    request.end(body)
  })

/**
 * A fresh standalone GET (`open`), tried until the server saw the session's previous one go: a
 * conflict (409) until then, at most 50 tries 50 ms apart.
 */
export const freshStandalone = (open: () => ReturnType<typeof nodeFetch>) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 50; attempt++) {
      const opened = yield* Effect.promise(open)
      if (opened.response.status === 200) return opened
      assert.strictEqual(opened.response.status, 409)
      opened.destroy()
      yield* Effect.sleep(50)
    }
    return assert.fail("the server never saw the first standalone stream go")
  })

/**
 * A GET whose answer the client never reads (node:http, its response left paused): once the
 * socket's buffers are full the server's writes back up, as behind a client too slow to keep up.
 * Resolves with the status once the headers came, and `destroy` to drop the connection.
 */
export const unreadGet = (url: string, headers: Record<string, string>): Promise<{ readonly status: number; readonly destroy: () => void }> =>
  new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "GET", headers }, (incoming) => {
      // No `data` listener and no `resume()`: the response stays paused, and node:http stops
      // reading the socket once its buffer is full.
      incoming.pause()
      resolve({ status: incoming.statusCode ?? 0, destroy: () => request.destroy() })
    })
    request.on("error", reject)
    request.end()
  })

// ---------------------------------------------------------------------------
// SSE
// ---------------------------------------------------------------------------

export interface SseEvent {
  readonly id: string | undefined
  readonly retry: number | undefined
  readonly event: string | undefined
  readonly data: string
}

/** Parses complete SSE events out of `buffer`; returns them and the unparsed rest. */
const parseEvents = (buffer: string): { readonly events: Array<SseEvent>; readonly rest: string } => {
  const events: Array<SseEvent> = []
  const normalized = buffer.replace(/\r\n?/g, "\n")
  const blocks = normalized.split("\n\n")
  const rest = blocks.pop() ?? ""
  for (const block of blocks) {
    let id: string | undefined
    let retry: number | undefined
    let event: string | undefined
    const data: Array<string> = []
    let any = false
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue
      any = true
      const colon = line.indexOf(":")
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? "" : line.slice(colon + 1)
      if (value.startsWith(" ")) value = value.slice(1)
      if (field === "id") id = value
      else if (field === "retry") retry = Number(value)
      else if (field === "event") event = value
      else if (field === "data") data.push(value)
    }
    if (any) events.push({ id, retry, event, data: data.join("\n") })
  }
  return { events, rest }
}

/**
 * An SSE reader over a response body: `next()` resolves with the next event, or `undefined`
 * when the stream ended; rejects after `timeoutMillis`.
 */
export const sseReader = (response: Response) => {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const queued: Array<SseEvent> = []
  let buffer = ""
  let carry = ""
  let done = false
  let pendingRead: ReturnType<typeof reader.read> | undefined
  const next = async (timeoutMillis = 5_000): Promise<SseEvent | undefined> => {
    const deadline = Date.now() + timeoutMillis
    while (queued.length === 0 && !done) {
      pendingRead ??= reader.read()
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()))
      })
      const result = await Promise.race([pendingRead, timeout])
      clearTimeout(timer)
      if (result === "timeout") throw new Error(`SSE: no event within ${timeoutMillis} ms`)
      pendingRead = undefined
      const text = result.done ? "\n\n" : decoder.decode(result.value, { stream: true })
      if (result.done) done = true
      buffer += text
      // Parsed only once a blank line (an event's end) arrived: parsing the whole buffer at each
      // chunk made reading one large event quadratic (an 8 MB answer in 16 KB chunks: ~8 s of
      // CPU, past a test's timeout on a loaded machine). The last characters of the chunk before
      // (`carry`) catch a blank line split across two chunks (`\r\n` | `\r\n`).
      const seen = carry + text
      carry = seen.slice(-3)
      if (!seen.replace(/\r\n?/g, "\n").includes("\n\n")) continue
      const parsed = parseEvents(buffer)
      buffer = parsed.rest
      queued.push(...parsed.events)
    }
    return queued.shift()
  }
  const cancel = () => reader.cancel().catch(() => undefined)
  return { next, cancel }
}

/**
 * The next JSON-RPC message of an SSE stream, priming events (empty data) skipped: at most
 * `events` events read (default 10), each within `timeoutMillis` (default 5 s; the reader throws
 * past it). Throws when the stream ends first, or when only empty events came.
 */
export const nextMessage = async (
  reader: ReturnType<typeof sseReader>,
  options: { readonly events?: number; readonly timeoutMillis?: number } = {}
): Promise<any> => {
  const events = options.events ?? 10
  for (let i = 0; i < events; i++) {
    const event = await reader.next(options.timeoutMillis ?? 5_000)
    if (event === undefined) throw new Error("the stream ended")
    if (event.data !== "") return JSON.parse(event.data)
  }
  throw new Error(`no message among the next ${events} events`)
}

/**
 * Opens a 2026-07-28 `subscriptions/listen` stream (request id "l") following `taskIds` on the
 * endpoint at `port` (`/mcp`), declaring the tasks extension and `capabilities`: its SSE reader.
 */
export const listenToTasks = async (
  port: number,
  taskIds: ReadonlyArray<string>,
  capabilities: Record<string, unknown> = {}
): Promise<ReturnType<typeof sseReader>> => {
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": { ...capabilities, extensions: { "io.modelcontextprotocol/tasks": {} } }
  }
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "subscriptions/listen" },
    body: JSON.stringify({ jsonrpc: "2.0", id: "l", method: "subscriptions/listen", params: { notifications: { taskIds }, _meta: meta } })
  })
  return sseReader(response)
}

/** Reads an SSE response to its end. */
export const readSse = async (response: Response, timeoutMillis = 5_000): Promise<Array<SseEvent>> => {
  const reader = sseReader(response)
  const events: Array<SseEvent> = []
  for (;;) {
    const event = await reader.next(timeoutMillis)
    if (event === undefined) return events
    events.push(event)
  }
}

/** The JSON-RPC messages of SSE events (the priming events, with empty data, left out). */
export const messagesOf = (events: ReadonlyArray<SseEvent>): Array<any> =>
  events.filter((e) => e.data !== "").map((e) => JSON.parse(e.data))

// ---------------------------------------------------------------------------
// What the server stores
// ---------------------------------------------------------------------------

/** One event the endpoint stored: its session, its id (`<stream>.<seq>`) and its message. */
export interface RecordedEvent {
  readonly sessionId: string
  readonly eventId: string
  readonly message: any
}

/** The stream of an event id (`<stream>.<seq>`). */
export const streamOfEventId = (eventId: string): string => eventId.slice(0, eventId.lastIndexOf("."))

/**
 * The in-memory event store (with `options`), recording every event the endpoint stores in
 * `stored` (provide `store` as the `EventStore` service of the server).
 */
export const recordingEventStore = (options?: EventStore.MemoryOptions) => {
  const memory = EventStore.makeMemory(options)
  const stored: Array<RecordedEvent> = []
  const store: EventStore.EventStoreShape = {
    ...memory,
    append: (sessionId, streamId, message, final) =>
      Effect.tap(memory.append(sessionId, streamId, message, final), (eventId) =>
        Effect.sync(() => {
          stored.push({ sessionId, eventId, message })
        }))
  }
  return { store, stored }
}

/**
 * Waits until the server has seen the client leave a session's standalone stream (the one of
 * `lastEventId`, the last event the client got on it): until then, what is sent outside a request
 * is stored on that stream for a resumption; after, a request is held (notifications are still
 * stored on it). Nothing the client can see tells the two apart; what orders them is the event
 * loop the server shares with the test: the client's socket was destroyed, its end is there to
 * read (on 127.0.0.1) before a later request's connection is, and the server is done with the
 * stream's end in fewer turns of the loop than it takes to answer a request. So `probe` (a message
 * on the standalone stream, a notification, resolved once answered) runs once for that, not a
 * fixed wait, then once more. Resolves with the id of the stream's last stored event (the second
 * probe's, if it stored one): what a resumption is to follow, so that it replays none of the
 * probes' notifications.
 */
export const untilStandaloneLeft = async (
  stored: ReadonlyArray<RecordedEvent>,
  sessionId: string,
  lastEventId: string,
  probe: () => Promise<unknown>
): Promise<string> => {
  const stream = streamOfEventId(lastEventId)
  await probe()
  const before = stored.length
  await probe()
  const onStream = stored.slice(before).filter((event) => event.sessionId === sessionId && streamOfEventId(event.eventId) === stream)
  return onStream.at(-1)?.eventId ?? lastEventId
}

/** The steps the everything server's `test_task_slow` took during `ms` (0 once every slow call stopped). */
export const stepsDuring = async (ms: number): Promise<number> => {
  const before = taskProbe.steps
  await sleep(ms)
  return taskProbe.steps - before
}

/**
 * Waits until the everything server's `test_task_slow` took `count` steps more than `before` (its
 * `taskProbe.steps` then), at most `millis`; whether it did.
 */
export const untilSteps = async (before: number, count: number, millis = 5_000): Promise<boolean> => {
  const deadline = Date.now() + millis
  while (taskProbe.steps - before < count && Date.now() < deadline) await sleep(10)
  return taskProbe.steps - before >= count
}

/**
 * Posts a `ping` with `id` (with `headers`: a session's) until it is not a 409 (the id is free), at
 * most `attempts` times, 50 ms apart; the last status.
 */
export const untilIdFree = async (url: string, headers: Record<string, string>, id: string, attempts: number): Promise<number> => {
  let status = 409
  for (let i = 0; i < attempts && status === 409; i++) {
    if (i > 0) await sleep(50)
    const response = await post(url, { jsonrpc: "2.0", id, method: "ping" }, headers)
    status = response.status
    await response.text()
  }
  return status
}

/**
 * A memory session store whose `create` is a round trip, as a shared store's (Redis): each waits
 * until `together` are under way (or 1 s), so that as many `initialize` POSTs sent at once are
 * checked against the endpoint's bounds before any session is recorded.
 */
export const roundTripStore = (together: number): SessionStore.SessionStore["Service"] => {
  const memory = SessionStore.makeMemory()
  let creating = 0
  const all = Deferred.makeUnsafe<void>()
  return SessionStore.SessionStore.of({
    ...memory,
    create: (id, now) =>
      Effect.suspend(() => {
        if (++creating >= together) Deferred.doneUnsafe(all, Exit.void)
        return Effect.andThen(Effect.timeoutOption(Deferred.await(all), "1 second"), memory.create(id, now))
      })
  })
}
