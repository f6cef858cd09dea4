/**
 * effect-mcp-server: an Effect-native framework for Model Context Protocol servers.
 *
 * The public surface, one namespace per module: the protocol layer (pure: JSON-RPC envelopes,
 * MCP wire schemas, typed errors, versions, negotiation), the session (a Stream over bounded
 * Queues), the low-level server (typed handler registry) and the transports.
 *
 * @since 0.1.0
 */

/** JSON-RPC 2.0 envelopes and their classification. */
export * as JsonRpc from "./protocol/JsonRpc.ts"
/** MCP 2025-11-25 wire schemas and the method maps. */
export * as McpSchema from "./protocol/McpSchema.ts"
/** Typed protocol errors and their mapping to JSON-RPC error objects. */
export * as McpError from "./protocol/McpError.ts"
/** Supported protocol versions. */
export * as ProtocolVersion from "./protocol/ProtocolVersion.ts"
/** Capability and version negotiation as pure functions. */
export * as Negotiation from "./protocol/Negotiation.ts"
/** Version projection of outgoing messages. */
export * as Projection from "./protocol/versions/Projection.ts"
/** Sessions: lifecycle, concurrency, cancellation, server→client requests. */
export * as ServerSession from "./session/ServerSession.ts"
/** Typed failures of server→client requests. */
export * as ClientRequestError from "./session/ClientRequestError.ts"
/** The session ↔ transport contract. */
export * as Connection from "./session/Connection.ts"
/** The per-request context given to handlers, and its service tag. */
export type { ClientChannel, ClientRequestOptions, Principal, RequestContext } from "./session/RequestContext.ts"
export { McpRequestContext } from "./session/RequestContext.ts"
/** Middleware: hooks on every message, composed outermost first. */
export * as Middleware from "./middleware/Middleware.ts"
/** Built-in middleware: structured request logging. */
export * as Logging from "./middleware/builtin/Logging.ts"
/** Built-in middleware: request durations and counts as Effect Metrics. */
export * as Timing from "./middleware/builtin/Timing.ts"
/** Built-in middleware: typed errors to JSON-RPC codes, masked defects. */
export * as ErrorMapping from "./middleware/builtin/ErrorMapping.ts"
/** Built-in middleware: retry of declared retryable failures with a Schedule. */
export * as Retry from "./middleware/builtin/Retry.ts"
/** Built-in middleware: request timeouts. */
export * as Timeout from "./middleware/builtin/Timeout.ts"
/** Built-in middleware: response size limits. */
export * as SizeLimit from "./middleware/builtin/SizeLimit.ts"
/** Built-in middleware: rate limiting (token bucket, sliding window) per principal or session. */
export * as RateLimit from "./middleware/builtin/RateLimit.ts"
/** Built-in middleware: a per-principal response cache invalidated on changes. */
export * as ResponseCache from "./middleware/builtin/ResponseCache.ts"
/** Built-in middleware: scope-based authorization of tools, resources, templates and prompts. */
export * as Authorization from "./middleware/builtin/Authorization.ts"
/** Built-in middleware: tools added by middleware, outside the server's registry. */
export * as ToolInjection from "./middleware/builtin/ToolInjection.ts"
/** Built-in middleware: pings idle sessions. */
export * as KeepAlive from "./middleware/builtin/KeepAlive.ts"
/** The low-level server: handler registry, derived capabilities, run(transport). */
export * as LowLevelServer from "./server/LowLevelServer.ts"
/** The authoring API: components registered by Layers, `run`/`serve`. */
export * as McpServer from "./server/McpServer.ts"
/** Tools: Schema-typed parameters, success and failure. */
export * as Tool from "./server/Tool.ts"
/** Resources and resource templates. */
export * as Resource from "./server/Resource.ts"
/** Prompts with Schema-typed arguments. */
export * as Prompt from "./server/Prompt.ts"
/** Argument completion for prompts and templates. */
export * as Completion from "./server/Completion.ts"
/** Content block constructors. */
export * as Content from "./server/Content.ts"
/** What handlers can do for their request: log, progress, elicit, sample, roots, metadata. */
export * as McpContext from "./server/McpContext.ts"
/** Clean JSON Schema 2020-12 from Effect Schemas. */
export * as JsonSchema from "./server/JsonSchema.ts"
/** RFC 6570 URI templates. */
export * as UriTemplate from "./server/UriTemplate.ts"
/** Stable cursor pagination. */
export * as Pagination from "./server/Pagination.ts"
/** The transport interface. */
export type { Transport } from "./transport/Transport.ts"
/** The stdio transport. */
export * as Stdio from "./transport/Stdio.ts"
/** The Streamable HTTP transport (effect/http). */
export * as StreamableHttp from "./transport/http/StreamableHttp.ts"
/** The event store behind SSE resumability. */
export * as EventStore from "./transport/http/EventStore.ts"
/** The record of Streamable HTTP sessions (limits, idle reaping). */
export * as SessionStore from "./transport/http/SessionStore.ts"
/** The in-memory linked pair. */
export * as InMemory from "./transport/InMemory.ts"
/** The internal task model (wire-neutral). */
export * as Task from "./tasks/Task.ts"
/** Where tasks live: the store service and its in-memory layer. */
export * as TaskStore from "./tasks/TaskStore.ts"
/** Runs tasks in fibers it owns; cancel = interrupt. */
export * as TaskSupervisor from "./tasks/TaskSupervisor.ts"
