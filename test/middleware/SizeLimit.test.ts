/**
 * SizeLimit middleware: results under the limit pass, results over it become an isError tool
 * result (tools/call) or a -32603 error (other methods), sizes counted in UTF-8 bytes of JSON;
 * `methods` restricts what is measured.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SizeLimit from "../../src/middleware/builtin/SizeLimit.ts"
import { McpServer } from "../../src/index.ts"
import { sdk, sdkError, serve, text } from "./builtinHarness.ts"

const Repeat = McpServer.tool({
  name: "repeat",
  parameters: { char: Schema.String, times: Schema.Int },
  handler: ({ char, times }) => Effect.succeed(char.repeat(times))
})
const RepeatLater = McpServer.tool({
  name: "repeat_later",
  parameters: { times: Schema.Int },
  handler: ({ times }) => Effect.as(Effect.sleep(1), "x".repeat(times))
})
const Small = McpServer.resource({ uri: "test://small", name: "small", read: Effect.succeed("tiny") })
const Big = McpServer.resource({ uri: "test://big", name: "big", read: Effect.succeed("b".repeat(500)) })
const All = Layer.mergeAll(Repeat, RepeatLater, Small, Big)

/** The size of a one-text-block tool result, as the middleware measures it. */
const toolResultBytes = (text: string) => Buffer.byteLength(JSON.stringify({ content: [{ type: "text", text }] }), "utf8")

describe("SizeLimit middleware", () => {
  it.live("a tool result under the limit passes", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200 })])
      const result = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "a", times: 100 } }))
      assert.isUndefined(result.isError)
      assert.strictEqual(text(result), "a".repeat(100))
    }))

  it.live("a tool result over the limit becomes an isError result, counted in UTF-8 bytes", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200 })])
      // 100 characters, 200 bytes of text: over the limit although under it in characters
      const result = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "é", times: 100 } }))
      assert.isTrue(result.isError)
      const size = toolResultBytes("é".repeat(100))
      assert.isAbove(size, 200)
      assert.strictEqual(text(result), `Tool result too large: ${size} bytes (limit 200)`)
      const later = yield* sdk(() => client.callTool({ name: "repeat_later", arguments: { times: 300 } }))
      assert.strictEqual(text(later), `Tool result too large: ${toolResultBytes("x".repeat(300))} bytes (limit 200)`)
    }))

  it.live("the limit is inclusive", () =>
    Effect.gen(function*() {
      const exact = toolResultBytes("z".repeat(50))
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: exact })])
      const fits = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "z", times: 50 } }))
      assert.isUndefined(fits.isError)
      const over = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "z", times: 51 } }))
      assert.isTrue(over.isError)
    }))

  it.live("a resource read under the limit passes, over it is a -32603 error", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200 })])
      const small = yield* sdk(() => client.readResource({ uri: "test://small" }))
      assert.deepStrictEqual(small.contents, [{ uri: "test://small", text: "tiny" }])
      const error = yield* sdkError(() => client.readResource({ uri: "test://big" }))
      assert.strictEqual(error.code, -32603)
      const size = Buffer.byteLength(JSON.stringify({ contents: [{ uri: "test://big", text: "b".repeat(500) }] }), "utf8")
      assert.include(error.message, `Result too large: ${size} bytes (limit 200)`)
    }))

  it.live("methods restricts what is measured", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200, methods: ["tools/call"] })])
      const big = yield* sdk(() => client.readResource({ uri: "test://big" }))
      assert.deepStrictEqual(big.contents, [{ uri: "test://big", text: "b".repeat(500) }])
      const tool = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "a", times: 300 } }))
      assert.isTrue(tool.isError)
    }))

  it.live("initialize is not measured by default, every other method is", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 10 })])
      assert.strictEqual(client.getServerVersion()?.name, "test-server")
      yield* sdk(() => client.ping())
      const error = yield* sdkError(() => client.listTools())
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Result too large")
    }))

  it("rejects a limit that is not a positive integer", () => {
    assert.throws(() => SizeLimit.middleware({ maxBytes: 0 }), /maxBytes must be an integer >= 1/)
    assert.throws(() => SizeLimit.middleware({ maxBytes: 1.5 }), /maxBytes must be an integer >= 1/)
  })
})
