/**
 * The low-level API: `effect-mcp-server/lowlevel`.
 *
 * A typed handler registry per method with derived capabilities (`LowLevelServer`, with
 * `createInitializationOptions` and `getCapabilities`), the session that runs it over a
 * connection (`ServerSession`), the session ↔ transport contract (`Connection`, `Transport`), and
 * the helpers a server written on it needs (JSON Schema from Effect Schemas, URI templates,
 * cursor pagination).
 *
 * @since 0.1.0
 */

/**
 * The low-level server: handler registry, derived capabilities, run(transport).
 *
 * @since 0.1.0
 */
export * as LowLevelServer from "./server/LowLevelServer.ts"
/**
 * Sessions: lifecycle, concurrency, cancellation, server→client requests.
 *
 * @since 0.1.0
 */
export * as ServerSession from "./session/ServerSession.ts"
/**
 * The session ↔ transport contract.
 *
 * @since 0.1.0
 */
export * as Connection from "./session/Connection.ts"
/** The transport interface. */
export type { Transport } from "./session/Transport.ts"
/**
 * Typed failures of server→client requests.
 *
 * @since 0.1.0
 */
export * as ClientRequestError from "./session/ClientRequestError.ts"
/** The per-request context given to handlers, and its service tag. */
export type { ClientChannel, ClientRequestOptions, Principal, RequestContext } from "./session/RequestContext.ts"
/** The service tag of the per-request context (`McpContext` reads it). */
export { McpRequestContext } from "./session/RequestContext.ts"
/**
 * Clean JSON Schema 2020-12 from Effect Schemas.
 *
 * @since 0.1.0
 */
export * as JsonSchema from "./server/JsonSchema.ts"
/**
 * RFC 6570 URI templates.
 *
 * @since 0.1.0
 */
export * as UriTemplate from "./server/UriTemplate.ts"
/**
 * Stable cursor pagination.
 *
 * @since 0.1.0
 */
export * as Pagination from "./protocol/Pagination.ts"
