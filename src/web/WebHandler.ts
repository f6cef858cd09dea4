/**
 * A server as a web-standard handler, `(request: Request) => Promise<Response>`: the Streamable
 * HTTP endpoint for runtimes and frameworks that bring their own HTTP server (Deno, Bun, serverless
 * functions, Hono, ...). It needs Node's built-ins (`node:crypto`, `Buffer`, the
 * `@effect/platform-node` peer): runtimes with Node compatibility run it.
 *
 * **Gotchas**
 *
 * The Host check (`allowedHosts`) defaults to localhost, as for `StreamableHttp.make`: deployed
 * under another name, list it (or `"any"` behind a platform that checks hosts itself: it turns
 * off the Origin check too, unless `allowedOrigins` or `cors.allowedOrigins` are listed), else every request is answered 403. A `Request` without a `Host` header (one a unit test makes, `new
 * Request("http://localhost/mcp", ...)`) is checked by its URL's host.
 *
 * A `Request` carries no client address: give the runtime's as `handler(request, { remoteAddress })`
 * (see {@link ServeInfo}), else a stateless server's anonymous callers share one `RateLimit`
 * budget and one task quota.
 *
 * Its answers carry no connection-specific header (`Connection`, which HTTP/2 forbids): what
 * becomes of a body it refuses unread (413 to a `Content-Length` over `maxBodyBytes`) is the
 * server's it runs in (see docs/http.md).
 *
 * Make a handler once (at module level, as below) and use it for every request: each `make`
 * builds a whole server, and a session lives in the handler that opened it. One never disposed
 * keeps nothing running while idle (its timers hold neither the process nor the handler: a
 * program with nothing else to do exits, and a handler dropped is collected), but what its
 * components acquired (a Redis connection...) is released only by `dispose`.
 *
 * Both protocol eras are served as by `StreamableHttp.make`: 2025-11-25 sessions (kept in this
 * process: use `stateless: true` where requests may reach different instances) and 2026-07-28
 * stateless requests. The server is built when the handler is made; `dispose` stops it (requests
 * still in flight are answered -32000 "Server shutting down", on their SSE stream as in JSON; a
 * build still under way is interrupted, the requests waiting for it answered 503 -32000) and
 * resolves once all of it is released.
 *
 * **Example** (Mounted in Hono)
 *
 * ```ts
 * import { WebHandler } from "effect-mcp-server/web"
 *
 * const mcp = WebHandler.make({ name: "notes", version: "1.0.0" }, components, {
 *   stateless: true,
 *   allowedHosts: ["mcp.example.com"]
 * })
 * app.all("/mcp", (c) => mcp.handler(c.req.raw))
 * ```
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { HttpRouter, HttpServer } from "effect/http"
import * as McpServer from "../server/McpServer.ts"
import * as Endpoint from "../transport/http/internal/endpoint.ts"
import { headerOverflowAnswer } from "../transport/http/internal/bearer.ts"
import type { Duplex } from "node:stream"
import { forwardedAddress } from "../transport/http/internal/forwarded.ts"
import { RemoteAddress, RemotePort } from "../transport/http/internal/HttpSession.ts"
import type { Options as HttpOptions } from "../transport/http/StreamableHttp.ts"
import { checkOptions } from "../transport/http/internal/options.ts"
import { forLog } from "../internal/loggedCause.ts"
import * as JsonRpc from "../protocol/JsonRpc.ts"
import { ErrorCode } from "../protocol/McpError.ts"

/**
 * A running server's web handler, and how to stop it.
 *
 * @since 0.2.0
 * @category models
 */
export interface WebHandler {
  /**
   * Answers a request. `info`: what the runtime knows of it that a `Request` does not carry (the
   * client's address).
   */
  readonly handler: (request: Request, info?: ServeInfo) => Promise<Response>
  readonly dispose: () => Promise<void>
  /**
   * With bearer authentication (`auth`), a `clientError` listener for the Node HTTP server the
   * handler runs behind (Hono's `@hono/node-server`, an adapter of one's own on `node:http`):
   * `server.on("clientError", mcp.clientError)`. A request whose header fields pass Node's limit
   * (`maxHeaderSize`, 16 KiB by default: a huge token) never reaches a handler: Node answers it, a
   * bare `431`, which tells an OAuth client nothing and which a browser client on another origin
   * cannot read (no CORS header). With this listener it is answered as `StreamableHttp.make`
   * answers it: `431` with an `invalid_request` challenge naming the resource's metadata, RFC
   * 6750's JSON body, and, with `cors`, `Access-Control-Allow-Origin` and
   * `Access-Control-Expose-Headers: WWW-Authenticate`; any other error as Node answers it.
   * `undefined` without `auth`.
   *
   * Deno, Bun and Cloudflare Workers refuse such a request inside their own server, before any
   * JavaScript sees it, and offer no hook to answer it: there the answer stays theirs.
   *
   * @since 0.2.0
   */
  readonly clientError: ((error: Error, socket: Duplex) => void) | undefined
}

/**
 * What a runtime knows of a request that a web `Request` does not carry.
 *
 * **Gotchas**
 *
 * Without `remoteAddress` no request has an address (`McpContext.http`'s `remoteAddress` is
 * `undefined`): on a stateless server (`stateless: true`, and every MCP 2026-07-28 request),
 * anonymous callers are then one requestor, sharing one `RateLimit` budget and one task quota
 * (`maxTasksPerOwner`), as they cannot be told apart.
 *
 * **Example** (The address a runtime gives)
 *
 * ```ts
 * import { WebHandler } from "effect-mcp-server/web"
 *
 * const mcp = WebHandler.make({ name: "notes", version: "1.0.0" }, Echo, { stateless: true })
 *
 * // Cloudflare Workers: the header its edge sets. Deno: `Deno.serve((request, info) =>
 * // mcp.handler(request, { remoteAddress: info.remoteAddr.hostname, remotePort:
 * // info.remoteAddr.port }))`; Bun: `fetch(request, server)` with `{ remoteAddress:
 * // server.requestIP(request)?.address, remotePort: server.requestIP(request)?.port }`.
 * export default {
 *   fetch: (request: Request) => mcp.handler(request, { remoteAddress: request.headers.get("cf-connecting-ip") ?? undefined })
 * }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface ServeInfo {
  /**
   * The client's address (the peer of the connection, as the runtime knows it): what a stateless
   * server tells anonymous callers apart by (`RateLimit`'s default key, task ownership), and
   * `McpContext.http`'s `remoteAddress`.
   */
  readonly remoteAddress?: string | undefined
  /**
   * The client's port (of the connection, as the runtime knows it, with `remoteAddress`):
   * `McpContext.http`'s `remotePort`, and `Telemetry`'s `client.port`.
   *
   * @since 0.2.0
   */
  readonly remotePort?: number | undefined
}

/**
 * Builds the server (`components` with `options`, as `McpServer.serve` would) and answers web
 * requests on `http.path` (default `/mcp`), with the health and protected-resource metadata paths
 * when configured; any other path is 404. A framework hands the handler the whole path: mounted
 * under a prefix (`app.route("/api", api)`), give `path: "/api/mcp"` (the first 404 at such a path
 * is logged once, naming the path to give).
 *
 * **Example** (A server in a web framework (Hono))
 *
 * ```ts
 * import { WebHandler } from "effect-mcp-server/web"
 *
 * const mcp = WebHandler.make({ name: "demo", version: "1.0.0" }, Components)
 * app.all("/mcp", (c) => mcp.handler(c.req.raw))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <EL>(
  options: McpServer.Options,
  components: Layer.Layer<never, EL, McpServer.McpServer>,
  http: HttpOptions = {}
): WebHandler => {
  const checked = checkOptions("WebHandler.make", http)
  const server = Layer.provideMerge(components, McpServer.McpServer.layer(options))
  // Whether the server was built: a request is answered by the platform's handler once it was, at
  // no cost of ours; until then (and after a failed build) a rejection is the build's. "stopped":
  // disposed before its build ended.
  let built: "pending" | "done" | "failed" | "stopped" = "pending"
  // Done by `dispose`: a build still under way is interrupted. The platform's `dispose` only closes
  // the scope the build adds to: the build went on (a component that never finished building held
  // every request for ever), its resources acquired after `dispose` had resolved.
  const stop = Deferred.makeUnsafe<void>()
  // Done once the build ended, however: `dispose` waits for it.
  const settled = Deferred.makeUnsafe<void>()
  const endpoint = Layer.unwrap(
    Effect.map(McpServer.McpServer, (mcp) => Endpoint.route((transport, sessionOptions) => mcp.run(transport, sessionOptions), checked))
  ).pipe(
    Layer.provide(server),
    Layer.provide(HttpServer.layerServices)
  )
  const build = Effect.raceFirst(Layer.build(endpoint), Effect.andThen(Deferred.await(stop), Effect.interrupt)).pipe(
    Effect.ensuring(Effect.sync(() => Deferred.doneUnsafe(settled, Exit.void)))
  )
  const app = Layer.effectContext(build).pipe(
    Layer.tap(() => Effect.sync(() => void (built = "done"))),
    // Said once, when the server is built (each request would only reject with it); not when
    // `dispose` stopped the build.
    Layer.tapCause((cause) =>
      Effect.suspend(() => {
        if (built === "stopped" && Cause.hasInterruptsOnly(cause)) return Effect.void
        built = "failed"
        return Effect.logError("effect-mcp-server: the server could not be built", forLog(cause))
      })
    )
  )
  const web = HttpRouter.toWebHandler(app as Layer.Layer<never, never, HttpRouter.HttpRouter>, {
    disableLogger: true,
    // Exact paths, as `serve`'s (see `exactPaths`): `/MCP`, `//mcp` and `/mcp/` are 404.
    routerConfig: Endpoint.exactPaths
  })
  const whileBuilding = (request: Request, context: Context.Context<never> | undefined) =>
    web.handler(request, context).catch((error: unknown) =>
      built === "failed" ? notBuilt() : built === "stopped" ? stopped() : Promise.reject(error)
    )
  let disposing: Promise<void> | undefined
  // `trustedProxies`: the address given is a proxy's, the client's is in its X-Forwarded-For.
  const forwarded = forwardedAddress(checked.trustedProxies)
  return {
    clientError: checked.auth === undefined ? undefined : headerOverflowAnswer(checked.auth, checked.cors),
    handler: (request, info) => {
      // The address is in the context of the fiber serving the request (read only where asked).
      let address = info?.remoteAddress
      let port = info?.remotePort
      if (forwarded !== undefined && typeof address === "string") {
        const client = forwarded(address, request.headers.get("x-forwarded-for") ?? undefined)
        // The port given is the proxy's connection's, not the client's.
        if (client !== undefined) {
          address = client
          port = undefined
        }
      }
      let context = typeof address === "string" && address !== "" ? Context.make(RemoteAddress, address) : undefined
      if (context !== undefined && typeof port === "number" && Number.isInteger(port)) context = Context.add(context, RemotePort, port)
      return built === "done"
        ? web.handler(request, context)
        : built === "failed"
        ? Promise.resolve(notBuilt())
        : built === "stopped"
        ? Promise.resolve(stopped())
        : whileBuilding(request, context)
    },
    dispose: () =>
      disposing ??= (() => {
        if (built === "pending") built = "stopped"
        Deferred.doneUnsafe(stop, Exit.void)
        return Promise.all([web.dispose(), Effect.runPromise(Deferred.await(settled))]).then(() => undefined)
      })()
  }
}

/**
 * The answer of a handler disposed before its server was built: as the stopped endpoint answers,
 * -32000, HTTP 503.
 */
const stopped = (): Response =>
  new Response(
    JSON.stringify(JsonRpc.failure(undefined, {
      code: ErrorCode.ServerUnavailable,
      message: "Service Unavailable: the server is shutting down; retry on another instance or later"
    })),
    { status: 503, headers: { "content-type": "application/json" } }
  )

/**
 * The answer of a handler whose server could not be built (a component that failed; logged when
 * it did): JSON-RPC's internal error, HTTP 500, instead of a rejected promise the framework turns
 * into its own bare 500 (or an unhandled rejection).
 */
const notBuilt = (): Response =>
  new Response(
    JSON.stringify(JsonRpc.failure(undefined, { code: ErrorCode.InternalError, message: "Internal error: the server could not be built" })),
    { status: 500, headers: { "content-type": "application/json" } }
  )
