/**
 * The Streamable HTTP endpoint behind `StreamableHttp.handler`/`route`/`serve`: the HTTP API, the
 * checks every request passes, and the dispatch of a request to its era (`legacy.ts`,
 * `modern.ts`) on the endpoint's state (`EndpointState.ts`). Loaded on first use, so a server that
 * never serves HTTP never loads the HTTP stack (`effect/http`). The Node HTTP server of `serve`
 * (`nodeServer.ts`, and `ws` with it) is not imported here: `serve` is handed it (see `serve`).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Context from "effect/Context"
import { HttpRouter, HttpServer, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { METHODS } from "node:http"
import { clip } from "../../../internal/clip.ts"
import { forLog } from "../../../internal/loggedCause.ts"
import * as Ticker from "../../../internal/ticker.ts"
import * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as McpError from "../../../protocol/McpError.ts"
import * as Negotiation from "../../../protocol/Negotiation.ts"
import * as ProtocolVersion from "../../../protocol/ProtocolVersion.ts"
import type { TransportFailure } from "../../../session/Connection.ts"
import { GracefulShutdown } from "../../../session/GracefulShutdown.ts"
import type { Principal } from "../../../session/Principal.ts"
import type { ListenerSessionOptions, Transport } from "../../../session/Transport.ts"
import { EventStore, makeMemory as makeMemoryEventStore } from "../EventStore.ts"
import { makeMemory as makeMemorySessionStore, SessionStore } from "../SessionStore.ts"
import type { Options, Runner, ServeOptions } from "../StreamableHttp.ts"
import { authenticate, metadataMethods } from "./bearer.ts"
import * as HttpConfig from "./config.ts"
import { Endpoint } from "./EndpointState.ts"
import { HttpInfo, type HttpSession, ownedBy } from "./HttpSession.ts"
import { type EndpointEvents, guard as guardEvents } from "./events.ts"
import { closingFor, headersOf, listeningUrl, payloadTooLarge, readBody, sessionIdOf, withCors } from "./guards.ts"
import * as Batch from "./batch.ts"
import { listenHost } from "./hosts.ts"
import { OnListening } from "./listening.ts"
import * as Legacy from "./legacy.ts"
import * as MediaTypes from "./mediaTypes.ts"
import * as Modern from "./modern.ts"
import type * as NodeServer from "./nodeServer.ts"
import { health, jsonError, methodNotAllowed, shuttingDown, unsupportedHeader } from "./responses.ts"

/** JSON-RPC error codes are decided in `McpError`: no literals here. */
const { ErrorCode } = McpError

// ---------------------------------------------------------------------------
// What StreamableHttp's handler, route and serve load
// ---------------------------------------------------------------------------

/**
 * What the routes learn of their endpoint: its shutdown, for `serve` to run it before the server
 * stops the requests it serves (see `serve`), and whether it stopped, for the health endpoint.
 */
class StopFirst {
  shutdown: Effect.Effect<void> = Effect.void
  stopped: () => boolean = () => false
}

/** See `StreamableHttp.handler`; `stopFirst` is told the endpoint's shutdown. */
export const handler = (
  run: Runner,
  options: Options = {},
  stopFirst?: StopFirst
): Effect.Effect<(request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const providedEvents = yield* Effect.serviceOption(EventStore)
    const events: EndpointEvents = providedEvents._tag === "Some" ? guardEvents(providedEvents.value) : makeMemoryEventStore()
    const providedSessions = yield* Effect.serviceOption(SessionStore)
    const records = providedSessions._tag === "Some"
      ? providedSessions.value
      : makeMemorySessionStore({ maxSessions: options.maxSessions })
    const endpoint = new Endpoint(
      run,
      options,
      events,
      records,
      Effect.runForkWith(yield* Effect.context<never>())
    )
    yield* Effect.addFinalizer(() => endpoint.shutdown)
    if (stopFirst !== undefined) {
      stopFirst.shutdown = endpoint.shutdown
      stopFirst.stopped = () => endpoint.closing
    }
    // On timers that keep neither the process nor the endpoint (see `Ticker.every`): an endpoint
    // never stopped (a `WebHandler` never disposed) holds nothing once idle and dropped.
    yield* Ticker.every(endpoint, endpoint.reapMillis, reap, "the Streamable HTTP endpoint's reaper (idle sessions, unread answers)")
    const keepAliveMillis = endpoint.keepAliveMillis
    if (keepAliveMillis !== undefined) yield* Ticker.every(endpoint, keepAliveMillis, keepAlive, "the Streamable HTTP endpoint's keep-alive")
    if (endpoint.graceMillis > 0) {
      yield* Ticker.every(endpoint, endpoint.graceSweepMillis, forgetGraced, "the Streamable HTTP endpoint's forgetting of finished streams")
    }
    // A graceful shutdown: stop accepting, let every session drain, then let the process stop.
    // Holding marks the program serving (the endpoint is up): a signal before this (a Layer still
    // building) is an interruption to `runMain`, exit 130/143, not a drain's 0.
    const graceful = yield* GracefulShutdown
    const release = graceful.hold()
    yield* Effect.addFinalizer(() => Effect.sync(release))
    yield* Effect.forkScoped(Effect.andThen(graceful.requested, Effect.ensuring(endpoint.drain(graceful), Effect.sync(release))))
    return (request) => Effect.catchCause(handle(endpoint, request), unexpected)
  })

/**
 * The endpoint's chores for `Ticker.every`, defined here, where no endpoint is in scope: a closure
 * made in `handler` would keep the endpoint through that scope.
 */
const reap = (endpoint: Endpoint) => endpoint.reap
const keepAlive = (endpoint: Endpoint) => Effect.sync(() => endpoint.keepAlive())
const forgetGraced = (endpoint: Endpoint) => endpoint.forgetGraced

/**
 * A defect on a request's way (a bug, a store of one's own that throws): logged, and answered
 * as JSON-RPC's internal error, as every other failure is, instead of the HTTP server's empty
 * 500. An interruption (the client went away, the server stops) stays one. The wrapper costs
 * 16–33 ns per request (micro-benchmark, 3 million `runFork`s of a two-step effect with and
 * without it, five rounds).
 */
const unexpected = (cause: Cause.Cause<never>): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.failCause(cause)
    : Effect.as(
      Effect.logError("effect-mcp-server: a Streamable HTTP request failed unexpectedly", forLog(cause)),
      jsonError(500, ErrorCode.InternalError, "Internal error")
    )

/** See `StreamableHttp.route`. */
export const route = (
  run: Runner,
  options: Options = {}
): Layer.Layer<never, never, HttpRouter.HttpRouter> => routes(run, options, true)

/**
 * The endpoint's routes; `anyMethod`: a request whose method the router does not know reaches the
 * endpoint too (see {@link unknownMethodsOn}). Off for `serve`: Node's parser refuses every method
 * outside `http.METHODS` (400), and the router routes all of those, so it would be a step per
 * request for nothing; `serve` has a catch-all route instead, for the warning of {@link misrouted}.
 */
const routes = (
  run: Runner,
  options: Options,
  anyMethod: boolean,
  stopFirst?: StopFirst
): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const path = options.path ?? "/mcp"
      const siblings = endpointPathsOf(router)
      siblings.add(path)
      const state = stopFirst ?? new StopFirst()
      const endpoint = withCors(options, yield* handler(run, options, state))
      yield* router.add("*", path, endpoint)
      // The endpoint's and metadata's paths under the probe method too (see `unknownMethodsOn`).
      yield* router.add(probeMethod as "GET", path, probed(endpoint))
      if (options.healthPath !== undefined) yield* router.add("GET", options.healthPath, health(state.stopped))
      // With bearer authentication: the protected-resource metadata, at every path it is looked up
      // at, with its CORS preflight; another method is 405 (see `metadataMethods`). A path the
      // router takes for one added already (`…/mcp/` for `…/mcp` where it ignores a trailing
      // slash, as by default) is served by it: added again, the router refused it ("already
      // declared"), and `route` failed to build. Told by the probe method's routes, which are
      // ours alone: the router refuses one there exactly when it takes the path for one of ours,
      // by its own rules (a `routerConfig` given to `HttpRouter.serve` too, which nothing else
      // can read: the literal `…/mcp/` was skipped by the defaults' rules, then 404).
      if (options.auth !== undefined) {
        const metadata = metadataMethods(options.auth)
        for (const metadataPath of options.auth.metadataPaths) {
          const added = yield* Effect.exit(router.add(probeMethod as "GET", metadataPath as HttpRouter.PathInput, probed(metadata)))
          if (added._tag === "Failure") {
            if (alreadyDeclared(added.cause)) continue
            return yield* Effect.failCause(added.cause)
          }
          yield* router.add("*", metadataPath as HttpRouter.PathInput, metadata)
        }
      }
      if (anyMethod) yield* router.addGlobalMiddleware(unknownMethodsOn(path, siblings))
      // `serve` owns its router: every other path is a catch-all route's, matched only where no
      // other route is (no step for a request that is routed), which answers the router's empty
      // 404 and says once a path mounted under a prefix (behind a proxy that keeps it, see
      // `misrouted`), as `route` and `WebHandler` say it from `unknownMethodsOn`. Not for `HEAD`:
      // the router answers it with the `GET` route of the path (the health endpoint) when it has
      // no `HEAD` one, which a catch-all of every method would have taken first.
      else {
        const notFound = notFoundSaying(misrouted(path, siblings))
        for (const method of catchAllMethods) yield* router.add(method, "/*", notFound)
      }
    })
  )

/** The router refused a route for a path it takes for one it has under that method ("Method '…' already declared for route '…'"). */
const alreadyDeclared = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) => reason._tag === "Die" && reason.defect instanceof Error && reason.defect.message.includes("already declared"))

/** The methods of `serve`'s catch-all route: those the router routes by name, but `HEAD` (see `routes`). */
const catchAllMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY"] as const

/** The router's own 404 (an empty response), the path said by `warn` first (see {@link misrouted}). */
const notFoundSaying = (warn: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<void>): Handler => (request) =>
  Effect.as(warn(request), HttpServerResponse.empty({ status: 404 }))

/** A route's handler, as the router takes it. */
type Handler = (
  request: HttpServerRequest.HttpServerRequest
) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>

/**
 * The router has a tree per method it knows (Node's `http.METHODS`), and `"*"` routes only those:
 * any other (`FOO`, which a fetch `Request` may carry: web handlers, Deno, Bun) is the router's
 * empty 404 on every path. On the endpoint's path the endpoint answers it instead, as it answers
 * `PUT`: after the same checks, 405 with `Allow` and a JSON-RPC body; on the protected-resource
 * metadata's paths, their 405. Other paths keep the 404.
 *
 * The request's path is matched by the router itself, under {@link probeMethod}, whose routes are
 * the endpoints' and metadata's paths alone (every `route` of the router adds its own): the
 * request is routed again as one of that method, and what is found answers the request as it
 * came (see {@link probed}). So its path is the router's by the router's own rules (case, a
 * trailing slash, duplicate slashes, percent-encoding, a prefix it is mounted under), a
 * `routerConfig` given to `HttpRouter.serve` too (which nothing outside the router can read: the
 * defaults were used for it), and with two endpoints whose paths end alike (`/mcp`, `/a/mcp`),
 * `FOO /a/mcp` is the second's 405 whichever middleware asks (one asked its own path only, and
 * said a prefix mount of the other's before the 405). The global middlewares added after this
 * one run again for the second routing. Only a request of a method the router does not know, to
 * which it found no route, pays for it; nothing is done on the way of a request that is routed
 * (`catchIf` runs only on a failure).
 *
 * A 404 on a path that ends with the endpoint's after a prefix (`/api/mcp` for `/mcp`) is said
 * once, naming the `path` to give (see {@link misrouted}).
 */
const unknownMethodsOn = (endpointPath: string, siblings: ReadonlySet<string>) => {
  const warn = misrouted(endpointPath, siblings)
  return <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.catchIf(app, isRouteNotFound, (error) => {
      const request = error.reason.request
      const notFound = Effect.andThen(warn(request), Effect.fail(error))
      if (routedMethods.has(request.method)) return notFound
      return Effect.withFiber((fiber) =>
        // Already the probe of an outer middleware (two endpoints in the router): no probe again.
        fiber.getRef(UnknownMethodRequest) !== undefined ? notFound : app.pipe(
          Effect.provideService(HttpServerRequest.HttpServerRequest, asProbe(request)),
          Effect.provideService(UnknownMethodRequest, request),
          Effect.catchIf(isRouteNotFound, () => notFound)
        ) as Effect.Effect<HttpServerResponse.HttpServerResponse, E | typeof error, R>
      )
    })
}

/** The methods the router routes by name (one tree each), which `"*"` routes: Node's `http.METHODS`. */
const routedMethods: ReadonlySet<string> = new Set(METHODS)

/**
 * The method under which the endpoint's and metadata's paths are added again, for the router to
 * tell whether a request of a method it does not know is for one of them (see
 * {@link unknownMethodsOn}). No client's: one that sends it gets the answer to an unknown method.
 */
const probeMethod = "X-EFFECT-MCP-PROBE"

/** The request of an unknown method being routed again under {@link probeMethod} (see {@link unknownMethodsOn}). */
const UnknownMethodRequest = Context.Reference<HttpServerRequest.HttpServerRequest | undefined>(
  "effect-mcp-server/StreamableHttp/UnknownMethodRequest",
  { defaultValue: () => undefined }
)

/** `request` as one of {@link probeMethod}: the same request, but for its method. */
const asProbe = (request: HttpServerRequest.HttpServerRequest): HttpServerRequest.HttpServerRequest =>
  Object.create(request, { method: { value: probeMethod } })

/** A route of {@link probeMethod}: `handler` answers the request as it came (see {@link unknownMethodsOn}). */
const probed = (handler: Handler): Handler => (request) =>
  Effect.withFiber((fiber) => {
    const original = fiber.getRef(UnknownMethodRequest)
    return original === undefined ? handler(request) : Effect.provideService(handler(original), HttpServerRequest.HttpServerRequest, original)
  })

/** A `RouteNotFound`: the router has no route for the request's method and path. */
const isRouteNotFound = <E>(error: E): error is E & HttpServerError.HttpServerError & {
  readonly reason: HttpServerError.RouteNotFound
} => HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

/**
 * Says once that a request was 404 at a path made of a prefix and the endpoint's path: a handler
 * mounted under a prefix (`app.route("/api", api)` in Hono, a framework's base path, a proxy that
 * keeps the prefix) gets the whole path, `/api/mcp`, and the endpoint answers at its `path`
 * exactly. Every request of such a mount was an empty 404, nothing logged, and the SDK v2 client
 * said the server did not offer its version. The 404 stays: the path is the handler's option. A
 * path the router's own matching would take as another (`//mcp`, `/api//mcp`) is not such a mount.
 * Said for a request that looks like an MCP client's only (see {@link fromMcpClient}): the one
 * warning went to the first scanner asking for `/<anything>/mcp`, and the operator's mistake was
 * never said.
 *
 * With several endpoints on the router (`route` twice, `/mcp` and `/a/mcp`), the path is said by
 * the one it most likely meant, the longest that it ends with as such a mount (`/x/a/mcp`:
 * `/a/mcp`), once: each endpoint's middleware saw it, and both were said.
 */
const misrouted = (endpointPath: string, siblings: ReadonlySet<string>) => {
  let said = false
  return (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> => {
    if (said) return Effect.void
    const path = pathOf(request)
    if (!mountedUnder(path, endpointPath) || !fromMcpClient(request)) return Effect.void
    for (const other of siblings) {
      if (other.length > endpointPath.length && mountedUnder(path, other)) return Effect.void
    }
    said = true
    const whole = clip(path)
    return Effect.logWarning(
      `effect-mcp-server: answered 404 to a request for ${whole}: the MCP endpoint is at ${endpointPath} (the \`path\` option). ` +
        `Mounted under a prefix (a framework's sub-app or base path, a proxy that keeps the prefix), it gets the whole path: ` +
        `give path: "${whole}".`
    )
  }
}

/** Whether `path` is `endpointPath` after a prefix (`/api/mcp` for `/mcp`; not `//mcp`, `/api//mcp`). */
const mountedUnder = (path: string, endpointPath: string): boolean =>
  path.length > endpointPath.length && path.endsWith(endpointPath) &&
  path.charCodeAt(path.length - endpointPath.length - 1) !== 47 // "/"

/**
 * The endpoints' paths on each router (every `route` to it adds its own), read by
 * {@link misrouted}: a path said as a prefix mount names the one it most likely meant.
 */
const endpointPaths = new WeakMap<object, Set<string>>()

/** The endpoints' paths on `router` (see {@link endpointPaths}). */
const endpointPathsOf = (router: object): Set<string> => {
  let paths = endpointPaths.get(router)
  if (paths === undefined) {
    paths = new Set()
    endpointPaths.set(router, paths)
  }
  return paths
}

/**
 * Whether a request looks like an MCP client's: it names an MCP header (`MCP-Protocol-Version`,
 * `Mcp-Session-Id`), or is a POST of JSON that accepts an SSE answer, as the spec has every
 * client's POST (the SDK clients' `initialize` too). A GET or a form a scanner sends is not.
 */
const fromMcpClient = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const headers = headersOf(request)
  if (headers["mcp-protocol-version"] !== undefined || headers["mcp-session-id"] !== undefined) return true
  return request.method === "POST" && MediaTypes.isJson(headers["content-type"]) && MediaTypes.accepted(headers.accept).sse
}

/** A request's path: its URL without the query. */
const pathOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const query = request.url.indexOf("?")
  return query === -1 ? request.url : request.url.slice(0, query)
}

/**
 * The router's matching for the servers the library owns (`serve`, `WebHandler`): a path is the
 * endpoint's only as given. The router's defaults take `/MCP`, `//mcp` and `/mcp/` for `/mcp` (and
 * the metadata paths likewise): a server answering at paths nobody configured, which proxies, rules
 * and audiences keyed on the exact path do not expect. Not every server is so strict (the TS SDK's
 * Express servers answer `/MCP` and `/mcp/`, Express ignoring case and a trailing slash): a client
 * given `…/mcp/` gets 404 here (CHANGELOG, behaviour change). What the router still takes: a query
 * (`/mcp?` too), a `;` parameter, percent-encoding (`/m%63p`), an absolute-form target
 * (`POST http://host/mcp`). `route` leaves the router's matching to its owner
 * (`HttpRouter.serve`'s `routerConfig`).
 */
export const exactPaths = { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false } as const

/**
 * See `StreamableHttp.serve`; `nodeServer`: the Node HTTP server's Layer (`nodeServer.ts`), which
 * `StreamableHttp.serve` imports and hands here, so that this module, which `WebHandler` imports
 * too, never imports it (nor `ws` with it).
 */
export const serve = <R>(
  run: (transport: Transport, options: ListenerSessionOptions) => Effect.Effect<void, TransportFailure, R>,
  options: ServeOptions,
  nodeServer: typeof NodeServer.layer
): Layer.Layer<never, never, R> =>
  Layer.unwrap(
    Effect.map(Effect.context<R>(), (context) => {
      const runner: Runner = (transport, sessionOptions) => Effect.provideContext(run(transport, sessionOptions), context)
      // `[::1]` is the address `::1` (see `listenHost`); what can be no host (`[]`) stays as given,
      // for `listen` to refuse, never the empty host (every interface).
      const given = options.host ?? "127.0.0.1"
      const parsed = listenHost(given)
      const host = "host" in parsed ? parsed.host : given
      const port = options.port ?? 3000
      // `Infinity` (never) is Node's 0.
      const keepAliveTimeout = options.keepAliveTimeoutMillis ?? 72_000
      const server = nodeServer(host, port, keepAliveTimeout === Number.POSITIVE_INFINITY ? 0 : keepAliveTimeout, options.auth, options.cors)
      // Finalizers run in reverse: serving's own, which interrupts the requests being served, would
      // run before the endpoint's, cutting what is in flight (an empty 503, an SSE stream broken
      // without its answer). Added last, this one stops the endpoint first: those requests are
      // answered on their responses (a -32000 "Server shutting down") before they are interrupted.
      const stopFirst = new StopFirst()
      // Logged once the endpoint is routed on a listening server (never before: a busy port logs nothing).
      const listening = Layer.effectDiscard(Effect.andThen(
        HttpServer.addressFormattedWith((address) => {
          const { note, url } = listeningUrl(address, options.path ?? "/mcp", options)
          return Effect.logInfo(`effect-mcp-server: MCP over Streamable HTTP at ${url}${note === undefined ? "" : ` (${note})`}`)
        }).pipe(Effect.andThen(tellListening)),
        Effect.addFinalizer(() => Effect.suspend(() => stopFirst.shutdown))
      ))
      return listening.pipe(
        Layer.provide(HttpRouter.serve(routes(runner, options, false, stopFirst), { disableLogger: true, disableListenLog: true, routerConfig: exactPaths })),
        Layer.provide(server)
      ) as Layer.Layer<never>
    })
  )

/** Tells {@link OnListening}, when someone listens, the port the server got (`dev`'s server child: port 0). */
const tellListening: Effect.Effect<void, never, HttpServer.HttpServer> = Effect.flatMap(OnListening, (tell) =>
  tell === undefined ? Effect.void : Effect.flatMap(HttpServer.HttpServer, (server) =>
    Effect.sync(() => {
      if ("port" in server.address) tell(server.address.port)
    })))

/**
 * See `StreamableHttp.fromConfig`: the options the environment (Effect `Config`) sets, under those
 * given in code. A variable that does not parse (`MCP_HTTP_PORT=abc`) stops the server with an
 * `HttpConfigError` naming it (a defect, as a `ListenError`: the listener's type promises no error).
 */
export const serveFromConfig = <R>(
  run: (transport: Transport, options: ListenerSessionOptions) => Effect.Effect<void, TransportFailure, R>,
  options: ServeOptions,
  nodeServer: typeof NodeServer.layer
): Layer.Layer<never, never, R> =>
  Layer.unwrap(Effect.map(Effect.orDie(HttpConfig.underEnvironment(options)), (options) => serve(run, options, nodeServer)))

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/**
 * Every request: its client's address behind a trusted proxy (`trustedProxies`), the origin check,
 * bearer authentication when configured, then its method.
 */
const handle = (endpoint: Endpoint, received: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const request = endpoint.forwarded === undefined ? received : endpoint.forwarded(received)
  const refused = endpoint.checkOrigin(request)
  if (refused !== undefined) return Effect.succeed(refused)
  const auth = endpoint.options.auth
  if (auth === undefined) return dispatch(endpoint, request, undefined)
  return Effect.flatMap(authenticate(auth, request), (outcome) =>
    "subject" in outcome ? dispatch(endpoint, request, outcome) : Effect.succeed(outcome))
}

/** A request that passed the checks (and bearer authentication, when configured). */
const dispatch = (
  endpoint: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  // Shutting down: no new stream (resumptions still work); POSTs are checked once classified
  // (answers to the server's own requests and cancellations still reach the draining sessions).
  if (endpoint.closing && request.method === "GET" && headersOf(request)["last-event-id"] === undefined) {
    return Effect.succeed(shuttingDown(undefined, closingFor(request)))
  }
  switch (request.method) {
    case "POST":
      return post(endpoint, request, principal)
    case "GET":
      return Legacy.get(endpoint, request, principal)
    case "DELETE":
      return Legacy.del(endpoint, request, principal)
    default:
      return Effect.succeed(methodNotAllowed(endpoint.allow, `Method Not Allowed: ${clip(request.method)}`))
  }
}

/**
 * POST: one JSON-RPC message, read within its limits and classified, then served by its era.
 * Plain functions, no generator: a stateless request goes from its body to its session's answer
 * through one `flatMap` (a 2025 session's POST runs one generator, in `legacy.ts`).
 */
const post = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const headers = headersOf(request)
  const { json, sse } = MediaTypes.accepted(headers.accept)
  if (!json && !sse) {
    return Effect.succeed(jsonError(406, ErrorCode.InvalidRequest, "Not Acceptable: Accept must list application/json or text/event-stream"))
  }
  if (!MediaTypes.isJson(headers["content-type"])) {
    return Effect.succeed(jsonError(415, ErrorCode.InvalidRequest, "Unsupported Media Type: Content-Type must be application/json"))
  }
  const length = Number(headers["content-length"] ?? 0)
  // Not read: on Node's HTTP/1.x server the connection closes after the answer (Node would
  // otherwise read the whole body to keep it); elsewhere the server the handler runs in decides.
  if (length > self.maxBody) return Effect.succeed(payloadTooLarge(self, closingFor(request)))
  // Bytes are counted while they arrive, however the body is framed (Content-Length or
  // chunked): reading stops at the limit, and a body slower than the body timeout is cut.
  return Effect.flatMap(readBody(self, request), (body) =>
    typeof body !== "string" ? Effect.succeed(body) : serveBody(self, request, headers, principal, body, json, sse))
}

/** A POST's body, read: parsed, classified, and served by its era. */
const serveBody = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  principal: Principal | undefined,
  body: string,
  json: boolean,
  sse: boolean
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  let message: unknown
  try {
    message = JSON.parse(body)
  } catch (error) {
    const message = `Parse error: ${error instanceof Error ? error.message : String(error)}`
    return self.refuse(undefined, 400, { code: ErrorCode.ParseError, message }, undefined, namedSession(self, headers, principal), new HttpInfo(request, principal))
  }
  const kind = JsonRpc.classify(message)
  // The id is named when it could be read (a request with a bad envelope), as over stdio.
  if (kind instanceof JsonRpc.InvalidMessage) {
    // A batch (MCP 2025-03-26's), looked for only here: a single message pays nothing for it.
    // 2026-07-28 has none (nor a session to take one).
    if (Array.isArray(message) && !ProtocolVersion.isModern(headers["mcp-protocol-version"])) {
      return Batch.post(self, request, headers, principal, message, json, sse)
    }
    return self.refuse(message, 400, kind.error, kind.id, namedSession(self, headers, principal), new HttpInfo(request, principal))
  }
  // The id of a request, so that the errors below name it.
  const requestId = kind === JsonRpc.Kind.Request ? (message as JsonRpc.Request).id : undefined
  if (self.closing && requestId !== undefined) {
    return Effect.succeed(
      self.refuseDraining(message, requestId, closingFor(request), namedSession(self, headers, principal), new HttpInfo(request, principal))
    )
  }
  const version = headers["mcp-protocol-version"]
  // 2026-07-28, the stateless era: the header names a modern version, or a request's `_meta`
  // names its version. Served by the shared stateless session whatever the endpoint's mode. So is
  // a notification whose `_meta` names one without the header, to be refused for the header it
  // lacks, as such a request is: taken for a 2025-03-26 one (no header), it was refused for a
  // session id (or taken, stateless). A 2025 client's notifications name none: only those of a
  // client not sending the header (2025-03-26's) pay the look.
  if (
    ProtocolVersion.isModern(version) ||
    ((requestId !== undefined || (version === undefined && kind === JsonRpc.Kind.Notification)) &&
      Negotiation.namesItsVersion(message as JsonRpc.Request | JsonRpc.Notification))
  ) {
    if (requestId === undefined) return Modern.postWithoutRequest(self, request, headers, message as JsonRpc.Notification | JsonRpc.Response, kind, principal)
    // A listen stream is a stream whatever the response mode (its refusals are still JSON).
    const listen = (message as JsonRpc.Request).method === "subscriptions/listen"
    const mode = !sse ? "json" : !json ? "sse" : listen && self.mode === "json" ? "auto" : self.mode
    return Modern.post(self, request, headers, message as JsonRpc.Request, mode, principal)
  }
  if (version !== undefined && !ProtocolVersion.isSupported(version)) {
    return self.refuse(message, 400, unsupportedHeader(version), requestId, namedSession(self, headers, principal), new HttpInfo(request, principal))
  }
  const mode = !sse ? "json" : !json ? "sse" : self.mode
  return Legacy.post(self, request, headers, message, kind, requestId, mode, principal)
}

/**
 * The session a refused POST names (`Mcp-Session-Id`), which observes the refusal (see
 * `Endpoint.refuse`); `undefined`, for the shared stateless session to observe it, if it names
 * none, one that has ended, or one of another principal.
 */
const namedSession = (self: Endpoint, headers: Negotiation.Headers, principal: Principal | undefined): HttpSession | undefined => {
  const id = sessionIdOf(headers)
  const session = id === undefined ? undefined : self.sessions.get(id)
  return session === undefined || session.ended || !ownedBy(session, principal) ? undefined : session
}
