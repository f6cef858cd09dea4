/**
 * The pure protocol layer (no I/O, no fibers): `effect-mcp-server/protocol`.
 *
 * @since 0.1.0
 */

/** JSON-RPC 2.0 envelopes and their classification. */
export * as JsonRpc from "./JsonRpc.ts"
/** MCP 2025-11-25 wire schemas and the method maps. */
export * as McpSchema from "./McpSchema.ts"
/** Typed protocol errors and their mapping to JSON-RPC error objects. */
export * as McpError from "./McpError.ts"
/** Supported protocol versions. */
export * as ProtocolVersion from "./ProtocolVersion.ts"
/** Capability and version negotiation as pure functions. */
export * as Negotiation from "./Negotiation.ts"
/** Version projection of outgoing messages. */
export * as Projection from "./versions/Projection.ts"
