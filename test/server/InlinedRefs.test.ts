/**
 * A tool's `inputSchema` and `outputSchema` are advertised without `$ref` where it can be inlined
 * (as FastMCP's `dereference_schemas=True`, its default): VS Code Copilot and other clients
 * mishandle `$ref`. A schema used twice (an `identifier` annotation) is written out at each use;
 * only recursive definitions stay under `$defs`; a schema whose inlined form would be too large
 * keeps its references; `dereferenceSchemas: false` keeps them all.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"

const P = Schema.Struct({ x: Schema.Number, y: Schema.Number }).annotate({ identifier: "P" })
const inlinedP = { type: "object", properties: { x: { type: "number" }, y: { type: "number" } }, required: ["x", "y"] }

const Segment = McpServer.tool({
  name: "segment",
  parameters: { from: P, to: P },
  success: Schema.Struct({ start: P, end: P }),
  handler: ({ from, to }) => Effect.succeed({ start: from, end: to })
})

interface Node {
  readonly at: typeof P.Type
  readonly children: ReadonlyArray<Node>
}
const Node = Schema.Struct({
  at: P,
  children: Schema.Array(Schema.suspend((): Schema.Codec<Node> => Node))
}).annotate({ identifier: "Node" })

const Tree = McpServer.tool({
  name: "tree",
  parameters: { root: Node, origin: P },
  handler: () => Effect.succeed("ok")
})

/** Twenty levels, each using the one below twice: inlined, 2^20 copies of the innermost. */
const blowUp = (() => {
  let level: Schema.Top = Schema.Struct({ v: Schema.String }).annotate({ identifier: "L0" })
  for (let i = 1; i <= 20; i++) {
    level = Schema.Struct({ a: level as Schema.Codec<unknown>, b: level as Schema.Codec<unknown> }).annotate({ identifier: `L${i}` })
  }
  return level as Schema.Codec<unknown>
})()

const Big = McpServer.tool({
  name: "big",
  parameters: { top: blowUp },
  handler: () => Effect.succeed("ok")
})

/** A recursive Schema under properties that spell JSON Schema value keywords. */
interface Item {
  readonly name: string
  readonly default?: Item | undefined
}
const Item = Schema.Struct({
  name: Schema.String,
  default: Schema.optional(Schema.suspend((): Schema.Codec<Item> => Item))
}).annotate({ identifier: "Item" })

const Settings = McpServer.tool({
  name: "settings",
  parameters: { default: Item, enum: Item },
  success: Schema.Struct({ const: Item, examples: Item }),
  handler: ({ default: item }) => Effect.succeed({ const: item, examples: item })
})

const has$ref = (schema: unknown): boolean => JSON.stringify(schema).includes("\"$ref\"")

describe("tool schemas are advertised with their references inlined", () => {
  // Fails before: `from`, `to`, `start` and `end` were `{ $ref: "#/$defs/P" }` with `$defs.P`.
  it.live("a schema used twice is written out at each use, in inputSchema and outputSchema (SDK v1 and v2)", () =>
    Effect.gen(function*() {
      const { v1, v2 } = yield* serveBoth(Segment)
      for (const client of [v1, v2 as unknown as Client]) {
        const { tools } = yield* Effect.promise(() => client.listTools())
        const tool = tools[0]!
        assert.isFalse(has$ref(tool.inputSchema), JSON.stringify(tool.inputSchema))
        assert.isFalse(has$ref(tool.outputSchema), JSON.stringify(tool.outputSchema))
        assert.notProperty(tool.inputSchema, "$defs")
        assert.notProperty(tool.outputSchema, "$defs")
        assert.deepStrictEqual((tool.inputSchema.properties as any).from, inlinedP)
        assert.deepStrictEqual((tool.inputSchema.properties as any).to, inlinedP)
        assert.deepStrictEqual((tool.outputSchema!.properties as any).start, inlinedP)
        // The clients validate the structured content against the inlined outputSchema.
        const result = yield* Effect.promise(() =>
          client.callTool({ name: "segment", arguments: { from: { x: 1, y: 2 }, to: { x: 3, y: 4 } } })
        )
        assert.isUndefined(result.isError, JSON.stringify(result))
        assert.deepStrictEqual(result.structuredContent, { start: { x: 1, y: 2 }, end: { x: 3, y: 4 } })
      }
    }))

  it.live("a recursive definition stays under $defs (the definitions it uses are inlined into it)", () =>
    Effect.gen(function*() {
      const { v1, v2 } = yield* serveBoth(Tree)
      for (const client of [v1, v2 as unknown as Client]) {
        const { tools } = yield* Effect.promise(() => client.listTools())
        const schema = tools[0]!.inputSchema as any
        assert.deepStrictEqual(Object.keys(schema.$defs), ["Node"])
        assert.deepStrictEqual(schema.properties.root, { $ref: "#/$defs/Node" })
        assert.deepStrictEqual(schema.properties.origin, inlinedP)
        assert.deepStrictEqual(schema.$defs.Node.properties.at, inlinedP)
        assert.deepStrictEqual(schema.$defs.Node.properties.children.items, { $ref: "#/$defs/Node" })
      }
    }))

  it.live("a schema whose inlined form would be too large keeps its references", () =>
    Effect.gen(function*() {
      const { v1 } = yield* serveBoth(Big)
      const { tools } = yield* Effect.promise(() => v1.listTools())
      const schema = tools[0]!.inputSchema as any
      assert.isTrue(has$ref(schema))
      assert.strictEqual(Object.keys(schema.$defs).length, 21)
      assert.isBelow(JSON.stringify(schema).length, 64 * 1024)
    }))

  it.live("dereferenceSchemas: false keeps the references", () =>
    Effect.gen(function*() {
      const { v1, v2 } = yield* serveBoth(Layer.mergeAll(Segment), { dereferenceSchemas: false })
      for (const client of [v1, v2 as unknown as Client]) {
        const { tools } = yield* Effect.promise(() => client.listTools())
        const tool = tools[0]!
        assert.deepStrictEqual((tool.inputSchema.properties as any).from, { $ref: "#/$defs/P" })
        assert.deepStrictEqual((tool.inputSchema as any).$defs.P, inlinedP)
        assert.deepStrictEqual((tool.outputSchema!.properties as any).end, { $ref: "#/$defs/P" })
      }
    }))

  // Fails before: a property named `default`, `enum`, `const` or `examples` was taken for the
  // keyword (a value, not a schema): the recursive definition only it referred to was left out of
  // `$defs`, its `$ref` dangling; ajv (the SDK v1 client's validator) refused the outputSchema at
  // listTools ("can't resolve reference #/$defs/Item"), and the definition was also not found to be
  // recursive (inlined until too large: the whole schema kept its references).
  it.live("a recursive definition under properties named default, enum, const, examples stays in $defs (SDK v1 and v2)", () =>
    Effect.gen(function*() {
      const { v1, v2 } = yield* serveBoth(Settings)
      for (const client of [v1, v2 as unknown as Client]) {
        const { tools } = yield* Effect.promise(() => client.listTools())
        const tool = tools[0]! as any
        for (const schema of [tool.inputSchema, tool.outputSchema]) {
          assert.deepStrictEqual(Object.keys(schema.$defs), ["Item"], JSON.stringify(schema))
          assert.deepStrictEqual(schema.$defs.Item.properties.default, { $ref: "#/$defs/Item" })
        }
        assert.deepStrictEqual(tool.inputSchema.properties.default, { $ref: "#/$defs/Item" })
        assert.deepStrictEqual(tool.outputSchema.properties.examples, { $ref: "#/$defs/Item" })
        const item = { name: "a", default: { name: "b" } }
        const result = yield* Effect.promise(() => client.callTool({ name: "settings", arguments: { default: item, enum: item } }))
        assert.isUndefined(result.isError, JSON.stringify(result))
        assert.deepStrictEqual(result.structuredContent, { const: item, examples: item })
      }
    }))
})
