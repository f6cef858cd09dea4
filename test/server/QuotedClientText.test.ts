/**
 * Found by a fuzzing helper: error messages that quote client-sent text quote it whole, where the
 * rest of the server clips it (`internal/clip.ts`: "a client that sends a 3 MB method name gets a
 * short message back, not its 3 MB echoed"): task ids, list cursors, the references of
 * `completion/complete`, and the version of an `initialize` refused by `unsupportedVersion: "reject"`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { maxQuoted } from "../../src/internal/clip.ts"
import { McpServer, Tool } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"
import { sdk, serveAndConnect } from "./McpServerHarness.ts"

const long = "Z".repeat(100_000)

/** The longest a message quoting `long` should be: the clip and the words around it. */
const bound = maxQuoted + 200

describe("client-sent text quoted in error messages", () => {
  it.live("task ids, cursors and completion references are clipped", () =>
    Effect.gen(function*() {
      const { request, notify } = yield* serveInMemory({ ...options }, components)
      yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" }
      })
      yield* notify("notifications/initialized")
      const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
        ["tasks/get", { taskId: long }],
        ["tasks/result", { taskId: long }],
        ["tasks/cancel", { taskId: long }],
        ["tasks/list", { cursor: long }],
        ["tools/list", { cursor: long }],
        ["resources/list", { cursor: long }],
        ["prompts/list", { cursor: long }],
        ["completion/complete", { ref: { type: "ref/prompt", name: long }, argument: { name: "a", value: "" } }],
        ["completion/complete", { ref: { type: "ref/resource", uri: long }, argument: { name: "a", value: "" } }]
      ]
      const lengths: Array<string> = []
      for (const [method, params] of cases) {
        const answer = yield* request(method, params)
        assert.strictEqual(answer.error?.code, -32602, method)
        lengths.push(`${method}: ${answer.error.message.length > bound ? "whole" : "clipped"}`)
      }
      // Fails before: every one of them "whole" (100,000 characters and more)
      assert.deepStrictEqual(lengths, cases.map(([method]) => `${method}: clipped`))
    }))

  it.live("an initialize refused for its version quotes the version clipped", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ ...options, unsupportedVersion: "reject" }, components)
      const answer = yield* request("initialize", {
        protocolVersion: long,
        capabilities: {},
        clientInfo: { name: "raw", version: "0" }
      })
      assert.strictEqual(answer.error?.code, -32602)
      // Fails before: 100,030 characters
      assert.isAtMost(answer.error.message.length, bound)
    }))

  it.live("a 2026-07-28 request refused for its version quotes the version clipped", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ ...options }, components)
      const answer = yield* request("tools/list", {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": `2026-${long}`,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" }
        }
      })
      assert.strictEqual(answer.error?.code, -32022)
      assert.isAtMost(answer.error.message.length, bound)
      assert.isAtMost(answer.error.data.requested.length, bound)
      assert.include(answer.error.data.supported, "2026-07-28")
    }))
})

describe("the URI of resource-not-found", () => {
  it.live("data.uri is clipped as the message is, in both eras (-32002; -32602 in 2026-07-28)", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ ...options }, components)
      const uri = `test://${long}`
      const clipped = `${uri.slice(0, maxQuoted)}… (${uri.length - maxQuoted} more characters)`
      const modern = yield* request("resources/read", {
        uri,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" }
        }
      })
      assert.strictEqual(modern.error?.code, -32602)
      // Fails before: data.uri was the whole 100,007 characters
      assert.deepStrictEqual(modern.error.data, { uri: clipped })
      const legacyServer = yield* serveInMemory({ ...options }, components)
      yield* legacyServer.request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" }
      })
      yield* legacyServer.notify("notifications/initialized")
      const legacy = yield* legacyServer.request("resources/read", { uri })
      assert.strictEqual(legacy.error?.code, -32002)
      assert.isAtMost(legacy.error.message.length, bound)
      assert.deepStrictEqual(legacy.error.data, { uri: clipped })
      // A short URI is given whole.
      assert.deepStrictEqual((yield* legacyServer.request("resources/read", { uri: "test://nowhere" })).error.data, {
        uri: "test://nowhere"
      })
    }))
})

describe("argument keys quoted in the problems of tool arguments", () => {
  const Scores = McpServer.tool({
    name: "scores",
    parameters: { x: Schema.Record(Schema.String, Schema.Number) },
    handler: () => Effect.succeed("ok")
  })
  const Strict = McpServer.tool({
    name: "strict",
    parameters: Tool.jsonSchema({ type: "object", properties: { n: { type: "number" } }, additionalProperties: false }),
    handler: () => Effect.succeed("ok")
  })

  it.live("a 100 KB key is clipped in the path of its problem (Schema and raw JSON Schema tools)", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(Layer.merge(Scores, Strict))
      const clipped = `${"Z".repeat(maxQuoted)}… (${long.length - maxQuoted} more characters)`
      const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
        ["scores", { x: { [long]: "s" } }, `at ["x"]["${clipped}"]`],
        // Every problem is still listed, each key clipped.
        ["scores", { x: { [long]: "s", [`${long}2`]: "t", short: "u" } }, `at ["x"]["short"]`],
        ["strict", { [long]: 1 }, `at /${clipped}: unexpected property (additionalProperties is false)`]
      ]
      for (const [name, args, path] of cases) {
        const result = yield* sdk(() => client.callTool({ name, arguments: args }))
        assert.isTrue(result.isError, name)
        const text = (result.content as Array<{ readonly text: string }>)[0]!.text
        assert.include(text, `Invalid arguments for tool ${name}`)
        assert.include(text, path)
        // Fails before: the key whole (the message cut at 16 KB, after the first problem)
        assert.isAtMost(text.length, 3 * bound, name)
      }
    }))
})
