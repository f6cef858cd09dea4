/**
 * Testing servers: `effect-mcp-server/testing`.
 *
 * `McpTestClient.make(components, options)`: a client connected in memory to a server's
 * components, with typed calls as Effects, answers for elicitation, sampling and roots, recorded
 * notifications (`waitFor`, `waitForNext`), tasks (`callTool` follows one to its result,
 * `callToolAsTask`, `taskResult`) and 2026-07-28 `subscriptions/listen` streams (`listen`), in
 * either protocol era.
 *
 * @since 0.2.0
 */

/**
 * A client for tests, in memory.
 *
 * @since 0.2.0
 */
export * as McpTestClient from "./testing/McpTestClient.ts"
