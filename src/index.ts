/**
 * effect-mcp-server: an Effect-native framework for Model Context Protocol servers.
 *
 * The root entry holds what people who build servers need: the authoring API (servers,
 * tools, resources, prompts, completions, content, the request context, middleware, typed
 * errors) and the transports. The rest lives under subpaths:
 *
 * - `effect-mcp-server/protocol`: wire schemas, JSON-RPC, negotiation, version projection;
 * - `effect-mcp-server/lowlevel`: the low-level server, sessions, connections, transports;
 * - `effect-mcp-server/middleware`: the built-in middleware;
 * - `effect-mcp-server/tasks`: the task store and supervisor;
 * - `effect-mcp-server/testing`: `McpTestClient`, a client for tests, in memory;
 * - `effect-mcp-server/web`: a server as a web-standard `(Request) => Promise<Response>` handler;
 * - `effect-mcp-server/auth`: bearer authentication (`BearerAuth`);
 * - `effect-mcp-server/skills`: the skills extension;
 * - `effect-mcp-server/redis`: the stores on Redis, for replicas.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Schema from "effect/Schema"
 * import { McpServer, Stdio } from "effect-mcp-server"
 *
 * const Echo = McpServer.tool({
 *   name: "echo",
 *   parameters: { text: Schema.String },
 *   handler: ({ text }) => Effect.succeed(text)
 * })
 *
 * McpServer.serve({ name: "echo", version: "1.0.0" }, Echo, Stdio.make()).pipe(Stdio.runMain)
 * ```
 *
 * @since 0.1.0
 */

/**
 * The authoring API: components registered by Layers, `run`/`serve`.
 *
 * @since 0.1.0
 */
export * as McpServer from "./server/McpServer.ts"
/**
 * Tools: Schema-typed parameters, success and failure.
 *
 * @since 0.1.0
 */
export * as Tool from "./server/Tool.ts"
/**
 * Resources and resource templates.
 *
 * @since 0.1.0
 */
export * as Resource from "./server/Resource.ts"
/**
 * Prompts with Schema-typed arguments.
 *
 * @since 0.1.0
 */
export * as Prompt from "./server/Prompt.ts"
/**
 * Argument completion for prompts and templates.
 *
 * @since 0.1.0
 */
export * as Completion from "./server/Completion.ts"
/**
 * Extensions (SEP-2133): declared capabilities with methods of their own.
 *
 * @since 0.2.0
 */
export * as Extension from "./server/Extension.ts"
/**
 * Content block constructors.
 *
 * @since 0.1.0
 */
export * as Content from "./server/Content.ts"
/**
 * What handlers can do for their request: log, progress, elicit, sample, roots, metadata.
 *
 * @since 0.1.0
 */
export * as McpContext from "./server/McpContext.ts"
/** The per-request context given to handlers, and its service tag. */
export type { ClientChannel, ClientRequestOptions, Principal, RequestContext } from "./session/RequestContext.ts"
/**
 * The HTTP request that carried a message (`McpContext.http`); absent on stdio and in memory.
 *
 * @since 0.2.0
 */
export type { HttpRequestInfo } from "./session/Connection.ts"
/** The service tag of the per-request context (`McpContext` reads it). */
export { McpRequestContext } from "./session/RequestContext.ts"
/**
 * Middleware: hooks on every message, composed outermost first (built-ins: `effect-mcp-server/middleware`).
 *
 * @since 0.1.0
 */
export * as Middleware from "./middleware/Middleware.ts"
/**
 * Typed protocol errors and their mapping to JSON-RPC error objects.
 *
 * @since 0.1.0
 */
export * as McpError from "./protocol/McpError.ts"
/** The transport interface. */
export type { Transport } from "./session/Transport.ts"
/**
 * The stdio transport.
 *
 * @since 0.1.0
 */
export * as Stdio from "./transport/Stdio.ts"
/**
 * The Streamable HTTP transport (`effect/http`, loaded on first use).
 *
 * @since 0.1.0
 */
export * as StreamableHttp from "./transport/http/StreamableHttp.ts"
/**
 * The failure of a store's infrastructure (a shared store down), mapped by `McpError.storeUnavailable`.
 *
 * @since 0.2.0
 */
export * as StoreError from "./store/StoreError.ts"

/**
 * Why a component could not be registered (a definition no client could use, a key given twice),
 * printed with the place of the user's code that defined it.
 *
 * @since 0.2.0
 */
export * as RegistrationError from "./server/RegistrationError.ts"
/**
 * The event store behind SSE resumability (a service the HTTP transport uses when provided).
 *
 * @since 0.1.0
 */
export * as EventStore from "./transport/http/EventStore.ts"
/**
 * The record of Streamable HTTP sessions (limits, idle reaping; a service the HTTP transport uses when provided).
 *
 * @since 0.1.0
 */
export * as SessionStore from "./transport/http/SessionStore.ts"
/**
 * The channel carrying resource updates and list changes to a server's other replicas (a service
 * `McpServer` uses when provided: `RedisStores.layer({ ..., resourceChanges: true })`).
 *
 * @since 0.2.0
 */
export * as ReplicaChanges from "./server/ReplicaChanges.ts"
/**
 * The in-memory linked pair.
 *
 * @since 0.1.0
 */
export * as InMemory from "./transport/InMemory.ts"
/**
 * The graceful shutdown (SIGTERM/SIGINT/SIGHUP drain) and `runMain` for servers on any transport.
 *
 * @since 0.2.0
 */
export * as GracefulShutdown from "./session/GracefulShutdown.ts"
/**
 * What a module exports for the `effect-mcp` CLI: `{ options, components }` (default export, or named exports).
 *
 * @since 0.2.0
 */
export type { ServerModule } from "./cli/ServerModule.ts"
