/**
 * A result built by hand (a proxied or cached answer, a cast) may carry what only MCP 2026-07-28
 * defines on a result: `resultType`, the caching hints `ttlMs` / `cacheScope` (SEP-2549), and the
 * input-required pieces `inputRequests` / `requestState` (MRTR). A client of 2025-11-25 or earlier
 * gets none of them (its version defines no such field); a 2026-07-28 client gets them as the
 * handler set them.
 *
 * Fails before: every version got every one of them.
 */
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { Content, InMemory, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import * as McpTestClient from "../../src/testing/McpTestClient.ts"
import { answerOf, post, serveOnAnyPort } from "../http/support.ts"
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
      const { url } = yield* serveOnAnyPort((port) =>
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

// Fails before: at 2025-11-25 (the projection's fast path) only the results `Tool`, `Prompt` and
// `Resource` took whole from a handler were cleaned: what a middleware or a `LowLevelServer`
// handler put on a result reached the client (earlier versions were cleaned whatever set them).
describe("2026-07-28 result fields set around or instead of the authoring API", () => {
  const modernKeys = Object.keys(modernOnly).concat("inputRequests")
  const withModern = (result: unknown): never => ({ ...(result as object), ...modernOnly, inputRequests: {} }) as never
  const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("hi") })
  const Greeting = McpServer.prompt({ name: "greeting", handler: () => Effect.succeed("hi") })
  const Adding = McpServer.middleware(
    Middleware.make("adds-modern-fields", {
      onCallTool: (params, _context, next) => Effect.map(next(params), withModern),
      onRequest: (request, _context, next) =>
        request.method === "tools/call" ? next(request) : Effect.map(next(request), withModern)
    })
  )
  const lowLevel = () =>
    LowLevelServer.make({
      serverInfo: { name: "low", version: "1" },
      handlers: {
        "tools/list": () => Exit.succeed(withModern({ tools: [{ name: "echo", inputSchema: { type: "object" } }] })),
        "tools/call": () => Exit.succeed(withModern({ content: [Content.text("hi")] })),
        "prompts/list": () => Exit.succeed(withModern({ prompts: [] }))
      }
    })
  const results = (received: ReadonlyArray<any>) =>
    received.filter((message) => message.result !== undefined && message.id !== "init").map((message) => message.result)
  const noModernKey = (result: object, what: string) => {
    for (const key of modernKeys) assert.notProperty(result, key, what)
  }

  for (const version of ["2025-11-25", "2025-06-18"]) {
    it.live(`${version} (raw): none from a middleware (onCallTool, onRequest) nor from a LowLevelServer's handlers`, () =>
      Effect.gen(function*() {
        const server = yield* startServer({}, Layer.mergeAll(Echo, Greeting, Adding))
        for (const target of [server, lowLevel() as never]) {
          const client = yield* connectRaw(target, version)
          yield* Effect.promise(() => client.request(1, "tools/list", {}))
          yield* Effect.promise(() => client.request(2, "tools/call", { name: "echo", arguments: {} }))
          yield* Effect.promise(() => client.request(3, "prompts/list", {}))
          const answers = results(client.received)
          assert.strictEqual(answers.length, 3, JSON.stringify(client.received))
          for (const answer of answers) noModernKey(answer, `${version} ${JSON.stringify(answer)}`)
        }
      }))
  }

  it.live("2025-11-25: the SDK v1 and SDK v2 clients get none of them (received messages, returned results)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.mergeAll(Echo, Greeting, Adding))
      for (const target of [server, lowLevel() as never]) {
        const pair1 = InMemory.makePair()
        yield* Effect.forkScoped((target as typeof server).run(pair1.server))
        const v1 = new Client({ name: "v1", version: "1" }, { capabilities: {} })
        yield* Effect.acquireRelease(Effect.promise(() => v1.connect(pair1.client as never)), () => Effect.promise(() => v1.close()))
        const pair2 = InMemory.makePair()
        yield* Effect.forkScoped((target as typeof server).run(pair2.server))
        const v2 = new ClientV2({ name: "v2", version: "2" }, { capabilities: {} })
        yield* Effect.acquireRelease(Effect.promise(() => v2.connect(pair2.client as never)), () => Effect.promise(() => v2.close()))
        const received: Array<any> = []
        for (const pair of [pair1, pair2]) {
          const deliver = pair.client.onmessage
          pair.client.onmessage = (message: any, extra: any) => {
            received.push(message)
            deliver?.(message, extra)
          }
        }
        for (const client of [v1, v2] as ReadonlyArray<Client>) {
          const what = `${client === v1 ? "v1" : "v2"} ${target === server ? "McpServer" : "LowLevelServer"}`
          noModernKey(yield* Effect.promise(() => client.listTools()), `${what} tools/list`)
          noModernKey(yield* Effect.promise(() => client.callTool({ name: "echo", arguments: {} })), `${what} tools/call`)
          noModernKey(yield* Effect.promise(() => client.listPrompts()), `${what} prompts/list`)
        }
        const answers = results(received)
        assert.strictEqual(answers.length, 6, JSON.stringify(received))
        for (const answer of answers) noModernKey(answer, JSON.stringify(answer))
      }
    }))
})
