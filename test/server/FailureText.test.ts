/**
 * A declared failure's text for the model (issue 15): the error's own message, or the tool's
 * `formatFailure`, else the encoded error as JSON; the encoded error is `structuredContent` when the
 * tool has no output schema (with one, clients check `structuredContent` against it).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"

class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", { sku: Schema.String, left: Schema.Number }) {
  override get message() {
    return `Item ${this.sku} is out of stock (${this.left} left); suggest another item.`
  }
}
class Plain extends Schema.TaggedError<Plain>()("Plain", { code: Schema.Number }) {}

const Order = McpServer.tool({
  name: "order",
  description: "fails with a message of its own",
  failure: OutOfStock,
  handler: () => Effect.fail(new OutOfStock({ sku: "A1", left: 0 }))
})

const Formatted = McpServer.tool({
  name: "formatted",
  description: "fails through a formatter",
  failure: Plain,
  formatFailure: (error) => `Failed with code ${error.code}; retry later.`,
  handler: () => Effect.fail(new Plain({ code: 7 }))
})

const Typed = McpServer.tool({
  name: "typed",
  description: "has an output schema, fails without a message",
  success: Schema.Struct({ ok: Schema.Boolean }),
  failure: Plain,
  handler: () => Effect.fail(new Plain({ code: 9 }))
})

const Broken = McpServer.tool({
  name: "broken",
  description: "its formatter throws",
  failure: Plain,
  formatFailure: () => {
    throw new Error("formatter bug")
  },
  handler: () => Effect.fail(new Plain({ code: 1 }))
})

describe("a declared failure's text", () => {
  it.live("message, formatter, JSON; structuredContent keeps the encoded error when there is no output schema", () =>
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(Order, Formatted, Typed, Broken), pair.server))
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      yield* sdk(() => client.listTools())

      const order = yield* sdk(() => client.callTool({ name: "order", arguments: {} }))
      assert.deepStrictEqual(order, {
        content: [{ type: "text", text: "Item A1 is out of stock (0 left); suggest another item." }],
        structuredContent: { _tag: "OutOfStock", sku: "A1", left: 0 },
        isError: true
      })

      const formatted = yield* sdk(() => client.callTool({ name: "formatted", arguments: {} }))
      assert.deepStrictEqual(formatted.content, [{ type: "text", text: "Failed with code 7; retry later." }])
      assert.deepStrictEqual(formatted.structuredContent, { _tag: "Plain", code: 7 })

      // With an output schema the SDK client validates structuredContent: none is sent for the error.
      const typed = yield* sdk(() => client.callTool({ name: "typed", arguments: {} }))
      assert.deepStrictEqual(typed, { content: [{ type: "text", text: JSON.stringify({ _tag: "Plain", code: 9 }) }], isError: true })

      const broken = yield* sdk(() => client.callTool({ name: "broken", arguments: {} }))
      assert.deepStrictEqual(broken.content, [{ type: "text", text: JSON.stringify({ _tag: "Plain", code: 1 }) }])
    }))
})
