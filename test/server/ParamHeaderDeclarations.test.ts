/**
 * `x-mcp-header` declarations (MCP 2026-07-28, SEP-2243) that clients refuse: a name that is not
 * an HTTP token, a `number` property, two names equal but for case, a declaration under `items`.
 * Clients on Streamable HTTP must leave such a tool out of their tool list (the SDK v2 client
 * does, with a warning of its own), so the server says so once, when the tool is registered,
 * naming the tool and what is wrong; the tool is still served. Before, nothing was said: the tool
 * silently vanished from 2026 clients' lists.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpServer, Tool } from "../../src/index.ts"
import * as ToolInjection from "../../src/middleware/builtin/ToolInjection.ts"
import { sdk, serveAndConnect, startServer, using } from "./McpServerHarness.ts"

/** The warnings logged while `effect` runs (its Layers built), as text. */
const warningsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const warnings: Array<string> = []
    const Capture = Logger.layer([
      Logger.make((options) => {
        if (options.logLevel === "Warn") warnings.push(Array.isArray(options.message) ? options.message.join(" ") : String(options.message))
      })
    ])
    const value = yield* effect.pipe(Effect.provide(Capture))
    return { value, warnings }
  })

const headered = (name: string, properties: Record<string, unknown>) => ({
  name,
  parameters: Tool.jsonSchema({ type: "object", properties }),
  handler: () => Effect.succeed(name)
})

describe("x-mcp-header declarations clients refuse", () => {
  it.live("are warned of once per tool, naming it and what is wrong; the tool is still served; valid ones are not warned of", () =>
    Effect.gen(function*() {
      const tools = Layer.mergeAll(
        McpServer.tool(headered("valid", { region: { type: "string", "x-mcp-header": "Region" } })),
        McpServer.tool(headered("spaced", { region: { type: "string", "x-mcp-header": "Not A Token" } })),
        McpServer.tool(headered("ratio", { ratio: { type: "number", "x-mcp-header": "Ratio" } })),
        McpServer.tool(headered("twice", { a: { type: "string", "x-mcp-header": "Dup" }, b: { type: "string", "x-mcp-header": "dup" } })),
        McpServer.tool(headered("listed", { list: { type: "array", items: { type: "string", "x-mcp-header": "Item" } } }))
      )
      const { value: server, warnings } = yield* warningsOf(startServer({}, tools))
      // Fails before: no warning at all.
      assert.strictEqual(warnings.length, 4, warnings.join("\n"))
      const about = (name: string) => warnings.find((warning) => warning.includes(`the tool "${name}" declares an invalid x-mcp-header`))
      assert.include(about("spaced"), `/properties/region: x-mcp-header "Not A Token" is not an HTTP header name`)
      assert.include(about("ratio"), `not "number"`)
      assert.include(about("twice"), `"dup" is declared twice, ignoring case (also as "Dup")`)
      assert.include(about("listed"), "/properties/list/items: x-mcp-header is allowed only on a property reached from the root")
      assert.include(warnings[0], "clients on Streamable HTTP at 2026-07-28 leave it out of their tool list")
      // Added again at run time (a reload): no second warning.
      const again = yield* warningsOf(using(server, McpServer.addTool(headered("spaced", { r: { type: "string", "x-mcp-header": "a b" } }))))
      assert.deepStrictEqual(again.warnings, [])
      // Served as it is, and callable.
      const { value: { client } } = yield* warningsOf(serveAndConnect(McpServer.tool(headered("ratio", { ratio: { type: "number", "x-mcp-header": "Ratio" } }))))
      const result = yield* sdk(() => client.callTool({ name: "ratio", arguments: { ratio: 1.5 } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "ratio" }])
    }))

  it.live("a tool a middleware injects: warned of the same way", () =>
    Effect.gen(function*() {
      const injected = ToolInjection.layer(headered("injected", { n: { type: "integer", "x-mcp-header": "" } }))
      const { warnings } = yield* warningsOf(startServer({}, injected))
      assert.strictEqual(warnings.length, 1, warnings.join("\n"))
      assert.include(warnings[0], `the tool "injected" declares an invalid x-mcp-header`)
      assert.include(warnings[0], "/properties/n: x-mcp-header must be a non-empty string")
    }))
})
