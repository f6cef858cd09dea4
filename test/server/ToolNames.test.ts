/**
 * Tool names (MCP 2025-11-25, SEP-986: names SHOULD be 1 to 128 characters of A-Z a-z 0-9 _ - .,
 * and unique). A name no client can call a tool by (not a string, empty) fails the registration;
 * two component Layers of one name (tool, resource, template, prompt) fail the build, where one
 * silently hid the other; a name that only breaks the naming rule is served, with one warning
 * naming it and what is wrong. Before, every one of them was registered without a word.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpServer } from "../../src/index.ts"
import * as ToolInjection from "../../src/middleware/builtin/ToolInjection.ts"
import { sdk, serveAndConnect, startServer, using } from "./McpServerHarness.ts"

/** Casts for values no type checked (untyped code). */
const untyped = <A>(value: unknown): A => value as A

const tool = (name: string, text = name) => McpServer.tool({ name, handler: () => Effect.succeed(text) })

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

/** The text of a registration's failure (a defect of the Layer's build, or of `addTool`). */
const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "the registration must fail")
    return Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
  })

describe("tool names", () => {
  it.live("a name no client can call: not a string, or empty, fails the registration (Layer and addTool)", () =>
    Effect.gen(function*() {
      assert.include(yield* failureOf(Effect.scoped(startServer({}, tool("")))), "Tool: name must not be empty")
      assert.include(
        yield* failureOf(Effect.scoped(startServer({}, tool(untyped(7))))),
        "Tool: name must be a string, not 7"
      )
      assert.include(
        yield* failureOf(Effect.scoped(startServer({}, tool(untyped(undefined))))),
        "Tool: name must be a string, not undefined"
      )
      const server = yield* startServer()
      const added = yield* failureOf(using(server, McpServer.addTool({ name: "", handler: () => Effect.succeed("") })))
      assert.include(added, "Tool: name must not be empty")
      assert.strictEqual(server.tools.size, 0)
    }))

  it.live("two component Layers of one name fail the build, naming it (tools, prompts, resources, templates)", () =>
    Effect.gen(function*() {
      const read = Effect.succeed("text")
      const cases: ReadonlyArray<readonly [Layer.Layer<never, never, McpServer.McpServer>, string]> = [
        [Layer.mergeAll(tool("same", "one"), tool("same", "two")), "Tool same is registered twice"],
        [
          Layer.mergeAll(
            McpServer.prompt({ name: "p", handler: () => Effect.succeed("one") }),
            McpServer.prompt({ name: "p", handler: () => Effect.succeed("two") })
          ),
          "Prompt p is registered twice"
        ],
        [
          Layer.mergeAll(McpServer.resource({ uri: "x://a", name: "a", read }), McpServer.resource({ uri: "x://a", name: "b", read })),
          "Resource x://a is registered twice"
        ],
        [
          Layer.mergeAll(
            McpServer.resourceTemplate({ uriTemplate: "x://t/{id}", name: "a", read: () => read }),
            McpServer.resourceTemplate({ uriTemplate: "x://t/{id}", name: "b", read: () => read })
          ),
          "Resource template x://t/{id} is registered twice"
        ]
      ]
      for (const [layer, message] of cases) {
        const text = yield* failureOf(Effect.scoped(startServer({}, layer)))
        assert.include(text, message)
      }
      // Names differing only in case are two tools (names are case-sensitive).
      const { client } = yield* serveAndConnect(Layer.mergeAll(tool("Same"), tool("same")))
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools.map((t) => t.name).sort(), ["Same", "same"])
      // The same Layer twice is built once (memoized): one registration, no failure.
      const once = tool("once")
      const server = yield* startServer({}, Layer.mergeAll(once, once))
      assert.strictEqual(server.tools.size, 1)
    }))

  it.live("a run-time addTool still replaces a tool of the same name (what it is documented to do)", () =>
    Effect.gen(function*() {
      const { client, server } = yield* serveAndConnect(tool("swap", "before"))
      yield* using(server, McpServer.addTool({ name: "swap", handler: () => Effect.succeed("after") }))
      const result = yield* sdk(() => client.callTool({ name: "swap", arguments: {} }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "after" }])
    }))

  it.live("a name against the naming rule is served, and warned of once, naming it and what is wrong", () =>
    Effect.gen(function*() {
      const long = "n".repeat(129)
      const { value: server, warnings } = yield* warningsOf(
        startServer({}, Layer.mergeAll(tool("get weather"), tool("ok_name-1.v2"), tool(long), tool("wetter/heute,ä")))
      )
      assert.strictEqual(warnings.length, 3, warnings.join("\n"))
      const about = (name: string) => warnings.find((warning) => warning.includes(`tool name ${JSON.stringify(name)} `))
      assert.include(about("get weather"), `: it has " ". It is served as it is`)
      assert.include(about(long), "it is 129 characters long (at most 128)")
      assert.include(about("wetter/heute,ä"), `: it has "/", ",", "ä". It is served`)
      assert.include(warnings[0], "SEP-986")
      // Added again at run time (a reload): no second warning.
      const again = yield* warningsOf(using(server, McpServer.addTool({ name: "get weather", handler: () => Effect.succeed("again") })))
      assert.deepStrictEqual(again.warnings, [])
      // Served, and callable by an SDK client.
      const { value: { client } } = yield* warningsOf(serveAndConnect(tool("get weather")))
      const result = yield* sdk(() => client.callTool({ name: "get weather", arguments: {} }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "get weather" }])
    }))

  it.live("tools a middleware injects: the same rules (an empty name refused, one against the rule warned of)", () =>
    Effect.gen(function*() {
      const empty = ToolInjection.layer({ name: "", handler: () => Effect.succeed("") })
      assert.include(yield* failureOf(Effect.scoped(startServer({}, empty))), "Tool: name must not be empty")
      const spaced = ToolInjection.layer({ name: "flush cache", handler: () => Effect.succeed("") })
      const { warnings } = yield* warningsOf(startServer({}, spaced))
      assert.strictEqual(warnings.length, 1, warnings.join("\n"))
      assert.include(warnings[0], `tool name "flush cache" does not follow MCP's naming rule`)
    }))
})
