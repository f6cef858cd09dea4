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
 * Both protocol eras are served as by `StreamableHttp.make`: 2025-11-25 sessions (kept in this
 * process: use `stateless: true` where requests may reach different instances) and 2026-07-28
 * stateless requests. The server is built when the handler is made; `dispose` stops it (requests
 * still in flight are answered -32000 "Server shutting down", on their SSE stream as in JSON).
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
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpRouter, HttpServer } from "effect/http"
import * as McpServer from "../server/McpServer.ts"
import * as Endpoint from "../transport/http/internal/endpoint.ts"
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
  readonly handler: (request: Request) => Promise<Response>
  readonly dispose: () => Promise<void>
}

/**
 * Builds the server (`components` with `options`, as `McpServer.serve` would) and answers web
 * requests on `http.path` (default `/mcp`), with the health and protected-resource metadata paths
 * when configured; any other path is 404.
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
  // no cost of ours; until then (and after a failed build) a rejection is the build's.
  let built: "pending" | "done" | "failed" = "pending"
  const app = Layer.unwrap(
    Effect.map(McpServer.McpServer, (mcp) => Endpoint.route((transport, sessionOptions) => mcp.run(transport, sessionOptions), checked))
  ).pipe(
    Layer.provide(server),
    Layer.provide(HttpServer.layerServices),
    Layer.tap(() => Effect.sync(() => void (built = "done"))),
    // Said once, when the server is built (each request would only reject with it).
    Layer.tapCause((cause) =>
      Effect.andThen(
        Effect.sync(() => void (built = "failed")),
        Effect.logError("effect-mcp-server: the server could not be built", forLog(cause))
      )
    )
  )
  const web = HttpRouter.toWebHandler(app as Layer.Layer<never, never, HttpRouter.HttpRouter>, { disableLogger: true })
  const whileBuilding = (request: Request) =>
    web.handler(request).catch((error: unknown) => built === "failed" ? notBuilt() : Promise.reject(error))
  return {
    handler: (request) => built === "done" ? web.handler(request) : built === "failed" ? Promise.resolve(notBuilt()) : whileBuilding(request),
    dispose: web.dispose
  }
}

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
