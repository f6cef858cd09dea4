/**
 * Authentication: `effect-mcp-server/auth`.
 *
 * `BearerAuth`: the server as an OAuth 2.1 resource server over Streamable HTTP (JWTs verified
 * against a JWKS, or token introspection; `401`/`403` challenges; protected-resource metadata).
 * An entry point of its own: it loads `jose`, which a server without authentication does not need.
 *
 * @since 0.2.0
 */

/**
 * Bearer authentication for Streamable HTTP.
 *
 * @since 0.2.0
 */
export * as BearerAuth from "./auth/BearerAuth.ts"
