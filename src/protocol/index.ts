/**
 * The pure protocol layer (no I/O, no fibers): `effect-mcp-server/protocol`.
 *
 * @since 0.1.0
 */

/**
 * JSON-RPC 2.0 envelopes and their classification.
 *
 * @since 0.1.0
 */
export * as JsonRpc from "./JsonRpc.ts"
/**
 * MCP 2025-11-25 wire schemas and the method maps.
 *
 * @since 0.1.0
 */
export * as McpSchema from "./McpSchema.ts"
/**
 * Typed protocol errors and their mapping to JSON-RPC error objects.
 *
 * @since 0.1.0
 */
export * as McpError from "./McpError.ts"
/**
 * Supported protocol versions.
 *
 * @since 0.1.0
 */
export * as ProtocolVersion from "./ProtocolVersion.ts"
/**
 * Capability and version negotiation as pure functions.
 *
 * @since 0.1.0
 */
export * as Negotiation from "./Negotiation.ts"
/**
 * Version projection of outgoing messages.
 *
 * @since 0.1.0
 */
export * as Projection from "./versions/Projection.ts"
