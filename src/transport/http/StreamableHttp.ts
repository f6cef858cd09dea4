/**
 * The Streamable HTTP transport (MCP 2025-11-25), on `effect/http`.
 *
 * One endpoint: `POST` carries one JSON-RPC message (notifications and responses → 202; a
 * request → its answer as JSON, or as an SSE stream when something must reach the client before
 * the response), `GET` opens the session's standalone SSE stream (or resumes a stream with
 * `Last-Event-ID`), `DELETE` ends the session.
 *
 * - **Sessions**: `Mcp-Session-Id` minted (128 random bits) at `initialize`; missing → 400,
 *   unknown or ended → 404. Each session is one `ServerSession` over a push connection: a POST
 *   hands its message to the session directly (and waits while the session's queue of waiting
 *   requests is full: a busy session slows its client down). No fiber lives with a session: an
 *   idle one is a few plain objects (under 1 KB of heap).
 * - **Streams**: every outgoing message is routed by the request it belongs to: that request's
 *   stream (its notifications and server→client requests, then its response), else the stream of
 *   a `tasks/result` waiting on its task, else the standalone GET stream. With no such stream
 *   open (the client has not opened it yet, or it is away), a server→client request waits for
 *   it (a few per session; one whose caller gave up is forgotten) and goes out when the client
 *   opens or resumes it; a notification is lost (best effort).
 * - **SSE** (SEP-1699): each stream starts with a priming event (an id, `retry:`, empty data);
 *   every event has an id naming its stream and is kept in the {@link EventStore}, so a stream the
 *   server closed mid-call (`McpContext.closeStream`) or the network broke is resumed by `GET` with
 *   `Last-Event-ID` — exactly that stream's missed events, the response included.
 * - **Security and limits, on by default**: Host and Origin checked against a localhost allow-list
 *   (DNS rebinding: 403), bodies over `maxBodyBytes` → 413 (counted as they arrive, chunked too), bodies slower than
 *   `bodyTimeoutMillis` cut, a cap on sessions (503) and idle
 *   sessions reaped, a timeout for requests waiting on their answer. Sessions are recorded in the
 *   {@link SessionStore} service and events in the {@link EventStore} service (in memory unless
 *   provided).
 * - **Stateless mode**: no session id; every POST is answered by one shared stateless session,
 *   under an internal request id (no server→client requests can be answered: the client has
 *   nowhere to send the answer). So are 2026-07-28 requests in either mode. An untied request of
 *   that session (`context.session.request`) reaches no client: it fails at once (`SessionClosed`
 *   with `reason: "stateless"`, or `ClientVersionUnsupported` in a 2026-07-28 request), sending nothing.
 *   So does one asked through a 2025 request's context that no client capability gates (a `ping`):
 *   `SessionClosed` with `reason: "stateless"` and `tied: true`.
 *   Its SSE answers cannot be resumed (no `GET`): no priming event (an SSE comment starts them,
 *   so their headers go at once), no event ids, nothing kept in the event store, and a client that
 *   drops one cancels its request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type * as BearerAuth from "../../auth/BearerAuth.ts"
import type { TransportFailure } from "../../session/Connection.ts"
import type { SessionOptions } from "../../session/ServerSession.ts"
import type { Listener, ListenerSessionOptions, Transport } from "../../session/Transport.ts"
import { checkOptions, checkServeOptions } from "./internal/options.ts"

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/**
 * How a server session is run over a transport: `server.run` of a `LowLevelServer` or `McpServer`.
 *
 * **Gotchas**
 *
 * Sessions over HTTP are push sessions: the effect returns as soon as the session has started,
 * and the session lives on until it ends. What a runner scopes to that effect (a per-session
 * Layer, `ensuring`) is released at once; per-session resources belong in a middleware's
 * `onSession` hook (it runs until the session closes) or `onOpen`/`onClose`.
 *
 * @since 0.1.0
 * @category models
 */
export type Runner = (transport: Transport, options: ListenerSessionOptions) => Effect.Effect<void, TransportFailure>

/**
 * Options of the transport. A number out of range (`NaN`, a count below 1 or with a fraction, a
 * time of 0 or less where 0 means nothing) is a `RangeError` naming the option, thrown by
 * `make`, `serve`, `route`, `handler` and `fromConfig`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The endpoint's path. Default `/mcp`. `make` (`serve`) and `WebHandler` answer at it exactly
   * (`/MCP`, `/mcp/`, `//mcp` are 404); `route` as the router it is added to matches paths.
   */
  readonly path?: `/${string}` | undefined
  /** Stateless mode: no sessions; every POST is answered by one shared stateless session. Default false. */
  readonly stateless?: boolean | undefined
  /**
   * How requests are answered: `"auto"` (default) JSON when nothing precedes the response, else
   * SSE; `"json"` always JSON (messages a request emits go to the standalone stream); `"sse"`
   * always SSE.
   */
  readonly responseMode?: "auto" | "json" | "sse" | undefined
  /**
   * Accepted `Host` names (without port). Default: `localhost`, `127.0.0.1`, `[::1]` (DNS
   * rebinding protection for local servers). `"any"` turns the check off, and with it DNS
   * rebinding protection: the Origin check then has no allowed host to compare an `Origin` with,
   * and checks only the origins listed (`allowedOrigins`, or `cors.allowedOrigins`), none by
   * default. Use it only behind a proxy that checks `Host` itself. Names are compared in
   * lower case, an IPv6 address in brackets (`::1` is taken as `[::1]`); a name with a port
   * (`localhost:3000`), which no `Host` would match, or anything else that is no host name (a
   * URL), is refused where the endpoint is made (a `TypeError` naming it). A request without a
   * `Host` header is checked by its URL's host when that URL is absolute (a `Request` made by hand
   * for the web handler); on Node, where it is a path (HTTP/1.0, or malformed), such a request
   * is refused (an absolute-form target's host is made its `Host` by the platform).
   */
  readonly allowedHosts?: ReadonlyArray<string> | "any" | undefined
  /**
   * The reverse proxies (load balancers) of one's own whose `X-Forwarded-For` is believed: IP
   * addresses (`127.0.0.1`, `::1`) or networks (`10.0.0.0/8`). Default: none (every request's
   * address is its connection's peer: behind a proxy, the proxy's, shared by all its clients). A
   * request whose peer is one of them is taken to come from the address its `X-Forwarded-For`
   * names, read from the right past the trusted proxies (what a client wrote there itself is never
   * believed); the request context's `http.remoteAddress` is that address, and so everything that
   * tells clients apart by address uses it: `maxSessionsPerAddress`, the `RateLimit` middleware,
   * `maxListenStreamsPerAddress`, the task quota of anonymous callers, telemetry. A request from
   * elsewhere, without the header, or whose walk meets an entry that is no address (`unknown`),
   * keeps its peer. List only proxies that set the header themselves (nginx:
   * `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`, which appends the address it
   * saw): a proxy that passes a client's header on as it is lets that client choose its address.
   * An entry that is neither an address nor a network (without host bits: `10.0.0.1/8` is refused,
   * naming `10.0.0.0/8`) is a `TypeError` where the endpoint is made. The address is written
   * canonically (`2001:DB8:0::1` as `2001:db8::1`, IPv4-mapped IPv6 as IPv4). `WebHandler`: the `remoteAddress` given to its handler is the peer whose `X-Forwarded-For` is
   * believed when it is listed (its `remotePort` then dropped: the proxy's, not the client's).
   */
  readonly trustedProxies?: ReadonlyArray<string> | undefined
  /**
   * Accepted `Origin`s (`scheme://host[:port]`); default: http(s) on the allowed hosts, any port
   * (with `allowedHosts: "any"`, any origin). A request without `Origin` (not from a browser) is
   * not checked. `"any"` turns the check off.
   */
  readonly allowedOrigins?: ReadonlyArray<string> | "any" | undefined
  /**
   * Largest accepted body, however it is framed (`Content-Length` or chunked): bytes are counted
   * as they arrive and reading stops at the limit. Default 4 MiB (413 above; an integer >= 1).
   */
  readonly maxBodyBytes?: number | undefined
  /**
   * Bytes of request bodies still arriving that the endpoint holds at most, all requests together
   * (each body is bounded by `maxBodyBytes`, but 1,000 slow clients could each hold 4 MiB).
   * Default 256 MiB, or `maxBodyBytes` when larger (an integer >= `maxBodyBytes`, `Infinity`: no
   * limit; a smaller one, with which a body larger than it could never be read, is a `RangeError`
   * where the endpoint is made, an `HttpConfigError` from the environment). A body
   * whose bytes would pass it is refused 503 (-32000, `Retry-After: 1`) and its connection
   * closed; the bytes of a body are given back as soon as its read ends (answered, cut, or its
   * client gone). Counted on Node for bodies that arrive over time (one that came whole with its
   * headers is read at once); behind the web handler a declared `Content-Length` is reserved
   * before the body is read, a chunked body counted as it arrives (no connection to close there).
   */
  readonly maxBodyBytesInFlight?: number | undefined
  /**
   * Longest a request body may take to arrive; a slower one is cut (408). Default 30 000 ms (at
   * most 2 147 483 647: a Node timer fires a longer one at once).
   */
  readonly bodyTimeoutMillis?: number | undefined
  /**
   * Sessions held at most. Default 10 000 (503 above; an integer >= 1, `Infinity`: no limit). Every
   * place taken, a session of a principal (`auth`; an address under `maxSessionsPerAddress`) below
   * its own bound takes the place of the idle session used least recently of the principal (or
   * address) holding the most, two at least (one that would lose an answer or a task last), once
   * it has started; 503 when there is none (the only session of one is never ended for another). A
   * session ended by a DELETE or its idle timeout frees its place at once (when the DELETE is
   * answered), while the calls it still runs finish (within its `shutdownTimeoutMillis`); but at
   * most this many ended sessions of the process drain so at a time (this number, also with a
   * `SessionStore` of one's own, whose own cap counts the places): past that, an ended session
   * keeps its place until its calls have finished. So at most twice this many sessions run calls
   * at once, however often a client opens a session, starts a long call and deletes it; and no
   * call is cut short for it (each still gets its `shutdownTimeoutMillis`).
   */
  readonly maxSessions?: number | undefined
  /**
   * Sessions one principal (bearer authentication: one token subject) holds at most on this
   * endpoint. Default half of `maxSessions`, rounded up (5,000; an integer >= 1, `Infinity`: no
   * limit), so that others always find room. Past it, the principal's idle session used least
   * recently (the one whose last use came first: a request, the answer of one, its GET stream
   * left; nothing in flight, no standalone stream read; one holding an answer stored for its
   * client's resumption, unread, only when no other is) is ended to make room, as its idle timeout would end it (its client gets 404 and opens another),
   * once the new session has started (one that fails to start ends none); with all of them in
   * use, the new one is refused 429 (`McpError.LimitExceeded`, `data.limit:
   * "sessionsPerPrincipal"`). So a principal whose client opens a session per call and never ends
   * it (each waiting out `sessionIdleTimeoutMillis`) cannot take every place, where every other
   * principal was refused 503. Anonymous clients (no `auth`): see `maxSessionsPerAddress`.
   */
  readonly maxSessionsPerPrincipal?: number | undefined
  /**
   * Sessions one anonymous client (no `auth`), told apart by its address (the connection's peer;
   * `WebHandler`: the `remoteAddress` given to its handler; an IPv6 address by its /64, a host's
   * usually, as `RateLimit` tells callers apart), holds at most on this endpoint.
   * Default `Infinity` (no limit: behind a reverse proxy every client has the proxy's address, and
   * each session's address kept costs ~28 B of heap); an integer >= 1 turns it on. Past it,
   * as `maxSessionsPerPrincipal`: that address's idle session used least recently is ended to make
   * room (one running a background task of its own, which ending it would cancel, only when no
   * other is), or, all in use, the new one is refused 429 (`McpError.LimitExceeded`,
   * `data.limit: "sessionsPerAddress"`). So a client sending `initialize` after `initialize`
   * cannot leave every other client refused 503 for the idle timeout. Set it on an endpoint that
   * anonymous clients reach directly (not through a proxy), behind a proxy `trustedProxies` lists
   * (the address is then the client's), or authenticate. A `WebHandler`
   * request without a `remoteAddress` counts under one shared address (such clients cannot be
   * told apart; a warning is logged once): give the runtime's address to the handler.
   */
  readonly maxSessionsPerAddress?: number | undefined
  /**
   * A session idle for this long is ended: no request came, none was in flight, and its standalone
   * stream was not read (an idle time starts as a call ends, or such a stream closes: checked
   * every half of it, at most every minute). Default 30 min (`Infinity`: never).
   */
  readonly sessionIdleTimeoutMillis?: number | undefined
  /**
   * How long a request may wait before anything is produced for it (its response, or a first
   * message that opens its SSE stream); then it is answered 504. A request already streaming is
   * not cut (its progress shows it is alive), nor one of a JSON-RPC batch answered as SSE (its
   * stream opens at once; answered as JSON, each request of a batch gets a -32603 entry instead). A 2025-11-25 `tasks/result` waiting on a running
   * task streams at once, so it is not cut, unless its answer must be JSON (`responseMode: "json"`,
   * or a client that accepts only JSON): then a task running longer gets the 504, and the client
   * calls `tasks/result` again (or polls `tasks/get`). Default 5 min (`Infinity`: none). A
   * request of a client that accepts SSE that is still quiet after `keepAliveMillis` has its stream
   * opened (see {@link Options.keepAliveMillis}): past this timeout, with nothing sent on it but
   * comments, it is given up (cancelled) and the stream ends with the -32603 "Gateway Timeout"
   * the 504 carries (seen by the reaper: within half this again, a minute at most).
   */
  readonly requestTimeoutMillis?: number | undefined
  /** The `retry:` (ms) of priming events. Default 1 000 (an integer >= 0). */
  readonly retryMillis?: number | undefined
  /**
   * An SSE comment (`: keep-alive`) on every open SSE stream at this interval, so proxies and load
   * balancers do not drop a stream that is quiet for a while (a 2026-07-28 `subscriptions/listen`,
   * a 2025 standalone stream, a slow call). Clients ignore comments. Default 15 000; 0 turns it off.
   * A request answered in `"auto"` mode (its client accepts JSON and SSE) that has produced
   * nothing after this long is answered as SSE from then on (its stream opens, its comments go), so
   * that a silent call outlives a proxy's read timeout (nginx: 60 s) instead of being cut there
   * (a JSON answer sends nothing until it is known); one answered sooner is JSON as before.
   */
  readonly keepAliveMillis?: number | undefined
  /**
   * How long a 2025 session's finished SSE stream stays resumable once its last event (the
   * answer) was handed to the socket: a connection that breaks while that tail is in flight is
   * resumed with `Last-Event-ID` and gets it, instead of a 400 that has the client re-issue a request
   * that was answered. Then its stored events are forgotten (within half this again). Default
   * 30 000 (an integer >= 0; 0: forgotten at once). The event store's own bounds
   * (`maxEventsPerStream`, `maxStreamsPerSession`) still hold.
   */
  readonly finishedStreamGraceMillis?: number | undefined
  /**
   * How many such finished streams (see {@link Options.finishedStreamGraceMillis}) one session keeps
   * in their grace; past that, the oldest is forgotten at once. Default 16 (an integer >= 1): at
   * most that many streams' events (each at most the event store's `maxEventsPerStream`) per
   * session are held for the grace.
   */
  readonly maxGracedStreamsPerSession?: number | undefined
  /**
   * How many bytes of events such finished streams (see {@link Options.finishedStreamGraceMillis})
   * of one session keep in their grace, counted as the length of each event's JSON; past that, the
   * oldest are forgotten at once (a stream larger than it by itself is, alone, as with no grace). Default
   * 1 MiB (an integer >= 1, `Infinity`: no bound): without it, a server whose answers are large
   * held up to `maxGracedStreamsPerSession` of them per session for the grace.
   */
  readonly maxGracedBytesPerSession?: number | undefined
  /**
   * CORS for browser clients on other origins (off by default): preflights are answered, and
   * responses allow the origin and expose `Mcp-Session-Id`, `MCP-Protocol-Version`,
   * `WWW-Authenticate` and `Retry-After` (of a 503). The origins listed here also pass the Origin check (`allowedOrigins`)
   * unless that is given. `"*"` allows any origin. `maxAgeSeconds`: how long a browser may keep a
   * preflight's answer (`Access-Control-Max-Age`; default 600).
   */
  readonly cors?: { readonly allowedOrigins: ReadonlyArray<string> | "*"; readonly maxAgeSeconds?: number | undefined } | undefined
  /**
   * A health endpoint for load balancers and orchestrators (with `route` and `serve`): `GET` on
   * this path answers 200 `{"status":"ok"}`, or 503 `{"status":"draining"}` during a graceful
   * shutdown, 503 `{"status":"stopped"}` once the endpoint stopped (`WebHandler.dispose`).
   * Default: none. The endpoint's own `path` (a trailing slash aside) is refused with a
   * `TypeError` where the endpoint is made (from the environment: an {@link HttpConfigError}; by
   * `fromConfig` without a `path` in code, as the server starts, once the path is known).
   */
  readonly healthPath?: `/${string}` | undefined
  /**
   * Tuning of each session (concurrency limits, timeouts). The shared stateless session, which
   * answers every client's 2026-07-28 requests (and every request in stateless mode), has no
   * bound of its own on its requests (`maxConcurrentRequests` and `maxWaitingRequests`) unless
   * they are given: each such request is bounded as its HTTP request is (`maxBodyBytes`,
   * `bodyTimeoutMillis`, `requestTimeoutMillis`; its client leaving cancels it), so one client's
   * slow calls, however many, delay no other client's. Given, they bound all its clients together (one client may fill them);
   * to limit what each caller sends, use the `RateLimit` middleware (a budget per principal, or
   * per address for anonymous stateless callers).
   */
  readonly session?: Omit<SessionOptions, "serverCapabilities" | "onSession" | "stateless"> | undefined
  /**
   * Bearer authentication (`BearerAuth.config` from `effect-mcp-server/auth`): every request needs
   * a token that verifies (else `401` with a challenge), the protected-resource metadata is served
   * (with `route` and `serve`), the verified principal is the request's, and a session answers only
   * the subject that opened it. Default: none.
   */
  readonly auth?: BearerAuth.Config | undefined
}

export type {
  /**
   * What `make` and `fromConfig` return for `McpServer.serve` (exported from here so that a
   * program's inferred type names it from this module, as a user's declaration emit needs).
   *
   * @since 0.2.0
   * @category models
   */
  Listener
} from "../../session/Transport.ts"

export {
  /**
   * The endpoint's own HTTP server could not listen (a busy port…): see {@link serve}.
   *
   * @since 0.2.0
   * @category errors
   */
  ListenError
} from "./ListenError.ts"

export {
  /**
   * A variable `fromConfig` reads does not parse, or names a value the endpoint cannot take
   * (`MCP_HTTP_PORT=abc`): see {@link fromConfig}.
   *
   * @since 0.2.0
   * @category errors
   */
  HttpConfigError
} from "./HttpConfigError.ts"

/**
 * Options of an endpoint on its own HTTP server: the transport's, and where it listens.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions extends Options {
  /** The address to listen on. Default `127.0.0.1` (loopback only). */
  readonly host?: string | undefined
  /** The port to listen on. Default 3000. */
  readonly port?: number | undefined
  /**
   * How long the server keeps a connection open while it is idle, between two requests
   * (HTTP keep-alive; Node's `server.keepAliveTimeout`, told to clients as `Keep-Alive: timeout=`
   * in whole seconds; Node closes it up to a second later). Default 72 000 ms (Fastify's default:
   * above the 60 s idle timeout of an AWS load balancer, and of nginx's upstream connections), so
   * that a load balancer or reverse proxy that pools connections to the server is the one that
   * closes them: when the server closes one first, the balancer may send a request on it as it
   * closes, and its client gets a 502 (a POST is not retried). Behind a balancer that keeps idle
   * connections longer, set it above the balancer's idle timeout (Google Cloud's load
   * balancers: 600 s, so 620 000). An integer >= 1 and at most 2 147 482 647; `Infinity`: idle
   * connections are never closed (until the server stops). Not {@link Options.keepAliveMillis}
   * (comments on open SSE streams). Node's bound on the time a request's headers take to arrive
   * (`headersTimeout`, 60 s) counts from the request's first byte, not the connection's idle time:
   * it need not exceed this one (as older Node versions required).
   */
  readonly keepAliveTimeoutMillis?: number | undefined
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * The endpoint's implementation, imported on first use: a server that never serves HTTP (a stdio
 * server) never loads `effect/http` or Node's HTTP server, which is most of its start-up time.
 *
 * Bundlers get a static import instead (`scripts/build.ts` writes `StreamableHttp.bundler.js` with
 * this line replaced, reached through the root entry's `module` export condition): a bundler that
 * meets an `import()` wraps the imported module and everything it imports, `effect` included, in
 * lazy initialisers, which made a bundled stdio server start 6 ms slower; a static import that
 * nothing uses is tree-shaken away instead. Keep this line as it is: the build checks for it.
 */
const endpoint = Effect.promise(() => import("./internal/endpoint.ts"))

/**
 * The Node HTTP server of `serve`, `make` and `fromConfig` (`internal/nodeServer.ts`), imported
 * when such a server starts, beside {@link endpoint} (which never imports it): it imports
 * `@effect/platform-node/NodeHttpServer`, and with it `ws`, a CommonJS package. Under Node, a
 * server on an HTTP server of its own (`handler`, `route`, `WebHandler`) or over stdio never loads
 * it. Bundlers get a static import, as for {@link endpoint} (a bundled server of `serve` wraps
 * nothing in lazy initialisers; one that does not use `serve` has it tree-shaken away); so the root
 * entry's `.bundler.js` variant reaches `ws` (Vite's SSR with `ssr.noExternal: true` evaluates it:
 * see docs/http.md), while `effect-mcp-server/web` reaches neither. Keep this line as it is.
 */
const nodeServer = Effect.promise(() => import("./internal/nodeServer.ts"))

/** `f` of the endpoint's module and the Node HTTP server's Layer, for `serve` and `fromConfig` (a function: nothing runs at import). */
const served = <A>(f: (module: EndpointModule, nodeServer: NodeServerModule["layer"]) => A): Effect.Effect<A> =>
  Effect.flatMap(endpoint, (module) => Effect.map(nodeServer, (node) => f(module, node.layer)))

type EndpointModule = Effect.Success<typeof endpoint>
type NodeServerModule = Effect.Success<typeof nodeServer>

/**
 * The endpoint's handler, for any `HttpRouter`; `run` serves one session.
 *
 * **Example** (The handler, each session served by the server in context)
 *
 * ```ts
 * const mcpHandler = Effect.gen(function*() {
 *   const server = yield* McpServer.McpServer
 *   return yield* StreamableHttp.handler((transport, options) => server.run(transport, options))
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const handler = (
  run: Runner,
  options: Options = {}
): Effect.Effect<
  (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>,
  never,
  Scope.Scope
> => {
  const checked = checkOptions("StreamableHttp.handler", options)
  return Effect.flatMap(endpoint, (module) => module.handler(run, checked))
}

/**
 * A Layer adding the endpoint (POST, GET, DELETE on `options.path`) to the `HttpRouter` in context.
 * Any other method on that path, one the router does not know too, is answered 405 with `Allow`.
 *
 * **Gotchas** (Shutting down; see docs/http.md)
 *
 * The endpoint stops when the router's layers are released, which `HttpRouter.serve` does after
 * the server stopped serving; `route` cannot stop it earlier. `NodeHttpServer.layer`'s default
 * preemptive shutdown first waits, up to `gracefulShutdownTimeout` (20 s), for the responses in
 * flight to end, and those only the endpoint would end keep it waiting (every SDK client's
 * standalone GET stream, a call still running): interrupted, the server takes the whole 20 s. Give
 * the server `disablePreemptiveShutdown: true` (or a short `gracefulShutdownTimeout`): interrupted,
 * it stops at once, a call still waiting for its result answered -32000 "Server shutting down"
 * (on an SSE stream, as its last event, on a Node server; a client that does not keep up is cut).
 * Run it with `GracefulShutdown.runMain` so that SIGTERM drains the endpoint first (calls in
 * flight finish and are answered, streams end).
 * `serve` stops the endpoint before its server and closes the connections that carried no
 * request; run it with `GracefulShutdown.runMain` too, for the drain. On a server of one's own,
 * such a connection (undici opens one in place of a GET stream a client's `close()` aborts)
 * holds its stop until the client drops it: track the server's sockets and destroy those with
 * `bytesRead === 0` once it is closing, as `serve` does.
 *
 * A method the router does not know (`FOO`) is answered 405 by the endpoint when the router
 * itself takes the request's path for `options.path` (by its own rules, a `routerConfig` given to
 * `HttpRouter.serve` too: under its defaults `/MCP`, `/mcp/` and `//mcp` are the endpoint's path;
 * `/m%63p`, `/mcp;x=1` too): `route` adds its paths under a private method as well, and a
 * router-wide middleware (one `catchIf` around each request of the router's routes) routes such a
 * request again under that method; the global middlewares added after `route` see it twice. A 404
 * at a path that ends with `options.path` after a prefix is logged once, for a request that
 * looks like an MCP client's (see docs/http.md).
 *
 * **Example** (The endpoint in a router of your own)
 *
 * ```ts
 * const Mcp = Layer.unwrap(
 *   Effect.map(Effect.service(McpServer.McpServer), (server) =>
 *     StreamableHttp.route((transport, options) => server.run(transport, options), { path: "/mcp" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (run: Runner, options: Options = {}): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const checked = checkOptions("StreamableHttp.route", options)
  return Layer.unwrap(Effect.map(endpoint, (module) => module.route(run, checked)))
}

/**
 * Serves the endpoint on its own HTTP server (`host` default 127.0.0.1, `port` default 3000),
 * every session with `run`.
 *
 * Once the server listens, one line is logged (`effect-mcp-server: MCP over Streamable HTTP at
 * http://127.0.0.1:3000/mcp`, with the port actually bound, under a host name `allowedHosts`
 * accepts: `localhost` for a server on every interface, say); a server that cannot listen dies
 * with a {@link ListenError} naming the host and port, and logs nothing before.
 *
 * **Example** (The low-level server over HTTP)
 *
 * ```ts
 * StreamableHttp.serve((transport, options) => server.run(transport, options), { port: 3000 })
 *   .pipe(Layer.launch, NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const serve = <R>(
  run: (transport: Transport, options: ListenerSessionOptions) => Effect.Effect<void, TransportFailure, R>,
  options: ServeOptions = {}
): Layer.Layer<never, never, R> => {
  const checked = checkServeOptions("StreamableHttp.serve", options)
  return Layer.unwrap(served((module, nodeServer) => module.serve(run, checked, nodeServer)))
}

/**
 * The endpoint on its own HTTP server, as a {@link Listener} for `McpServer.serve`.
 *
 * **Example** (The authoring API over HTTP)
 *
 * ```ts
 * McpServer.serve({ name: "demo", version: "1.0.0" }, Components, StreamableHttp.make({ port: 3000 }))
 *   .pipe(GracefulShutdown.runMain)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: ServeOptions = {}): Listener => {
  const checked = checkServeOptions("StreamableHttp.make", options)
  return { listen: (run) => serve(run, checked) }
}

/**
 * A listener whose options come from the environment (Effect `Config`): `MCP_HTTP_HOST`,
 * `MCP_HTTP_PORT` (0: a free port), `MCP_HTTP_PATH`, `MCP_HTTP_STATELESS`, `MCP_HTTP_ALLOWED_HOSTS`,
 * `MCP_HTTP_ALLOWED_ORIGINS` (comma-separated, or `any`), `MCP_HTTP_CORS_ORIGINS` (or `*`),
 * `MCP_HTTP_HEALTH_PATH`, `MCP_HTTP_MAX_BODY_BYTES`, `MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT`,
 * `MCP_HTTP_MAX_SESSIONS`, `MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL`, `MCP_HTTP_MAX_SESSIONS_PER_ADDRESS`,
 * `MCP_HTTP_REQUEST_TIMEOUT_MILLIS`, `MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS`,
 * `MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS` (the limits and times after `MCP_HTTP_MAX_BODY_BYTES` take
 * `Infinity`, as their options do), `MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS` (0: off),
 * `MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION`, `MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION` (or
 * `Infinity`), `MCP_HTTP_TRUSTED_PROXIES` (comma-separated addresses or networks). What `options` gives
 * wins; what neither sets keeps its default. Read when the server starts (a `ConfigProvider` in
 * context is used). A variable that does not parse, or whose value cannot be used
 * (`MCP_HTTP_PORT=abc`, `MCP_HTTP_MAX_SESSIONS=0`), stops it before it serves: it dies with an
 * {@link HttpConfigError} naming the variable, printed as one line without a stack (under
 * `GracefulShutdown.runMain`, the process then exits 1).
 *
 * **Example**
 *
 * ```ts
 * // MCP_HTTP_PORT=8080 MCP_HTTP_STATELESS=true node server.ts
 * McpServer.serve(options, components, StreamableHttp.fromConfig())
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromConfig = (options: ServeOptions = {}): Listener => {
  // A `healthPath` without `path` is checked against the environment's path as the server starts.
  const checked = checkServeOptions("StreamableHttp.fromConfig", options, false)
  return { listen: (run) => Layer.unwrap(served((module, nodeServer) => module.serveFromConfig(run, checked, nodeServer))) }
}
