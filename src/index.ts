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
/** The per-request context given to handlers. */
export type { ClientChannel, ClientRequestOptions, RequestContext } from "./session/RequestContext.ts"
/** The low-level server: handler registry, derived capabilities, run(transport). */
export * as LowLevelServer from "./server/LowLevelServer.ts"
/** The transport interface. */
export type { Transport } from "./transport/Transport.ts"
/** The stdio transport. */
export * as Stdio from "./transport/Stdio.ts"
/** The in-memory linked pair. */
export * as InMemory from "./transport/InMemory.ts"
