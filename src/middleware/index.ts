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

/**
 * Middleware: hooks on every message, composed outermost first.
 *
 * @since 0.1.0
 */
export * as Middleware from "./Middleware.ts"
/**
 * Built-in middleware: structured request logging.
 *
 * @since 0.1.0
 */
export * as Logging from "./builtin/Logging.ts"
/**
 * Built-in middleware: request durations and counts as Effect Metrics.
 *
 * @since 0.1.0
 */
export * as Timing from "./builtin/Timing.ts"
/**
 * Built-in middleware: typed errors to JSON-RPC codes, masked defects.
 *
 * @since 0.1.0
 */
export * as ErrorMapping from "./builtin/ErrorMapping.ts"
/**
 * Built-in middleware: retry of declared retryable failures with a Schedule.
 *
 * @since 0.1.0
 */
export * as Retry from "./builtin/Retry.ts"
/**
 * Built-in middleware: request timeouts.
 *
 * @since 0.1.0
 */
export * as Timeout from "./builtin/Timeout.ts"
/**
 * Built-in middleware: response size limits.
 *
 * @since 0.1.0
 */
export * as SizeLimit from "./builtin/SizeLimit.ts"
/**
 * Built-in middleware: rate limiting (token bucket, sliding window) per principal or session.
 *
 * @since 0.1.0
 */
export * as RateLimit from "./builtin/RateLimit.ts"
/**
 * Built-in middleware: a per-principal response cache invalidated on changes.
 *
 * @since 0.1.0
 */
export * as ResponseCache from "./builtin/ResponseCache.ts"
/**
 * Built-in middleware: scope-based authorization of tools, resources, templates and prompts.
 *
 * @since 0.1.0
 */
export * as Authorization from "./builtin/Authorization.ts"
/**
 * Built-in middleware: tools added by middleware, outside the server's registry.
 *
 * @since 0.1.0
 */
export * as ToolInjection from "./builtin/ToolInjection.ts"
/**
 * Built-in middleware: pings idle sessions.
 *
 * @since 0.1.0
 */
export * as KeepAlive from "./builtin/KeepAlive.ts"
/**
 * Built-in middleware: OpenTelemetry spans and metrics per request (MCP semantic conventions), OTLP export.
 *
 * @since 0.2.0
 */
export * as Telemetry from "./builtin/Telemetry.ts"
