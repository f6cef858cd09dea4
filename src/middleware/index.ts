/**
 * Middleware: `effect-mcp-server/middleware`. The contract (also exported from the root) and the
 * built-in middlewares, each a `Middleware` value with its own configuration.
 *
 * @example
 * ```ts
 * import { McpServer } from "effect-mcp-server"
 * import { Logging, Timeout } from "effect-mcp-server/middleware"
 *
 * const Middlewares = McpServer.middleware(Logging.middleware(), Timeout.middleware({ default: "30 seconds" }))
 * ```
 *
 * @since 0.1.0
 */

/** Middleware: hooks on every message, composed outermost first. */
export * as Middleware from "./Middleware.ts"
/** Built-in middleware: structured request logging. */
export * as Logging from "./builtin/Logging.ts"
/** Built-in middleware: request durations and counts as Effect Metrics. */
export * as Timing from "./builtin/Timing.ts"
/** Built-in middleware: typed errors to JSON-RPC codes, masked defects. */
export * as ErrorMapping from "./builtin/ErrorMapping.ts"
/** Built-in middleware: retry of declared retryable failures with a Schedule. */
export * as Retry from "./builtin/Retry.ts"
/** Built-in middleware: request timeouts. */
export * as Timeout from "./builtin/Timeout.ts"
/** Built-in middleware: response size limits. */
export * as SizeLimit from "./builtin/SizeLimit.ts"
/** Built-in middleware: rate limiting (token bucket, sliding window) per principal or session. */
export * as RateLimit from "./builtin/RateLimit.ts"
/** Built-in middleware: a per-principal response cache invalidated on changes. */
export * as ResponseCache from "./builtin/ResponseCache.ts"
/** Built-in middleware: scope-based authorization of tools, resources, templates and prompts. */
export * as Authorization from "./builtin/Authorization.ts"
/** Built-in middleware: tools added by middleware, outside the server's registry. */
export * as ToolInjection from "./builtin/ToolInjection.ts"
/** Built-in middleware: pings idle sessions. */
export * as KeepAlive from "./builtin/KeepAlive.ts"
/**
 * Built-in middleware: OpenTelemetry spans and metrics per request (MCP semantic conventions), OTLP export.
 *
 * @since 0.2.0
 */
export * as Telemetry from "./builtin/Telemetry.ts"
