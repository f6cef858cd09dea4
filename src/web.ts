/**
 * Web-standard serving: `effect-mcp-server/web`.
 *
 * `WebHandler.make(options, components, httpOptions)`: a server as `(request: Request) =>
 * Promise<Response>` for Workers, Deno, Bun, serverless and other frameworks.
 *
 * @since 0.2.0
 */

/**
 * A server as a web-standard `fetch` handler.
 *
 * @since 0.2.0
 */
export * as WebHandler from "./web/WebHandler.ts"
