/**
 * A result built by hand (a proxied or cached answer, a cast) may carry what only MCP 2026-07-28
 * defines on a result: `resultType`, the caching hints `ttlMs` / `cacheScope` (SEP-2549), and the
 * input-required pieces `inputRequests` / `requestState` (MRTR). A client of 2025-11-25 or earlier
 * gets none of them (its version defines no such field); a 2026-07-28 client gets them as the
 * handler set them.
 *
 * Fails before: every version got every one of them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Content, McpServer, StreamableHttp } from "../../src/index.ts"
import * as McpTestClient from "../../src/testing/McpTestClient.ts"
import { answerOf, post, serveOnFreePort } from "../http/support.ts"
import { connect, connectRaw, startServer } from "./McpServerHarness.ts"

const modernOnly = { resultType: "complete", ttlMs: 60_000, cacheScope: "public", requestState: "opaque" }

const Handmade = McpServer.tool({
  name: "handmade",
  handler: () => Effect.succeed({ content: [Content.text("hi")], ...modernOnly } as never)
})
const HandmadePrompt = McpServer.prompt({
  name: "handmade",
  handler: () => Effect.succeed({ messages: [{ role: "user", content: Content.text("hi") }], ...modernOnly } as never)
})
const HandmadeResource = McpServer.resource({
  uri: "test://handmade",
  name: "handmade",
  read: Effect.succeed({ contents: [{ uri: "test://handmade", text: "hi" }], ...modernOnly } as never)
})

const components = Layer.mergeAll(Handmade, HandmadePrompt, HandmadeResource)

const calls = [
  ["tools/call", { name: "handmade" }, ["content"]],
  ["prompts/get", { name: "handmade" }, ["messages"]],
  ["resources/read", { uri: "test://handmade" }, ["contents"]]
] as const

describe("2026-07-28 result fields of a hand-built result", () => {
  for (const version of ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]) {
    it.live(`${version}: none of them reaches the client (raw client, exact keys)`, () =>
      Effect.gen(function*() {
        const server = yield* startServer({}, components)
        const client = yield* connectRaw(server, version)
        let id = 0
        for (const [method, params, keys] of calls) {
          const response = yield* Effect.promise(() => client.request(++id, method, params))
          assert.deepStrictEqual(Object.keys(response.result ?? response.error), [...keys], `${version} ${method}`)
        }
      }))
  }

  it.live("2025-11-25, SDK v1 client: the messages received carry none of them", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, components)
      const { client, received } = yield* connect(server)
      yield* Effect.promise(() => client.callTool({ name: "handmade" }))
      yield* Effect.promise(() => client.getPrompt({ name: "handmade" }))
      yield* Effect.promise(() => client.readResource({ uri: "test://handmade" }))
      const results = received.filter((message) => message.result !== undefined).map((message) => Object.keys(message.result))
      assert.deepStrictEqual(results, [["content"], ["messages"], ["contents"]])
    }))

  it.live("a stateless HTTP endpoint (127.0.0.1): none of them in a 2025-11-25 or 2025-06-18 answer", () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnFreePort((port) =>
        McpServer.serve({ name: "handmade", version: "1.0.0" }, components, StreamableHttp.make({ host: "127.0.0.1", port, stateless: true }))
      )
      for (const version of ["2025-11-25", "2025-06-18"]) {
        for (const [method, params, keys] of calls) {
          const answer = yield* Effect.promise(() =>
            post(url, { jsonrpc: "2.0", id: 1, method, params }, { "mcp-protocol-version": version }).then(answerOf)
          )
          assert.deepStrictEqual(Object.keys(answer.result ?? answer.error), [...keys], `${version} ${method}`)
        }
      }
    }))

  it.live("2026-07-28: the handler's own values are sent", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { protocolVersion: "2026-07-28" })
      for (const [method, params] of calls) {
        const result = yield* client.request(method, params)
        for (const [key, value] of Object.entries(modernOnly)) assert.deepStrictEqual(result[key], value, `${method} ${key}`)
      }
    }))
})
