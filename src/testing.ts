/**
 * Testing servers: `effect-mcp-server/testing`.
 *
 * `McpTestClient.make(components, options)`: a client connected in memory to a server's
 * components, with typed calls as Effects, answers for elicitation, sampling and roots, recorded
 * notifications, in either protocol era.
 *
 * @since 0.1.0
 */

/** A client for tests, in memory. */
export * as McpTestClient from "./testing/McpTestClient.ts"
