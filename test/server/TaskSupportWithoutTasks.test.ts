/**
 * A component that declares task support on a server without tasks (no `tasks:
 * McpServer.tasks()` in its options) is served without them: every call runs directly, and the
 * tool's `execution` is not advertised. Before, nothing said so: a user who forgot the option saw
 * their "background" tool answer in the request and could not tell why. Now one warning per
 * component names it, its option and the server option that enables tasks.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
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

const Report = McpServer.tool({
  name: "build_report",
  parameters: { year: Schema.Int },
  execution: { taskSupport: "optional" },
  handler: ({ year }) => Effect.succeed(`report for ${year}`)
})
const Export = McpServer.tool({ name: "export", execution: { taskSupport: "required" }, handler: () => Effect.succeed("exported") })
const Plain = McpServer.tool({ name: "plain", handler: () => Effect.succeed("plain") })
const Big = McpServer.resource({ uri: "data://big", name: "big", taskSupport: "optional", read: Effect.succeed("big") })
const Summary = McpServer.prompt({ name: "summary", taskSupport: "optional", handler: () => Effect.succeed("Summarize.") })
const components = Layer.mergeAll(Report, Export, Plain, Big, Summary)

describe("task support declared on a server without tasks", () => {
  it.live("each such component is warned of once, naming it, its option and McpServer.tasks()", () =>
    Effect.gen(function*() {
      const { value: server, warnings } = yield* warningsOf(startServer({ name: "reports" }, components))
      assert.strictEqual(warnings.length, 4, warnings.join("\n"))
      const about = (what: string) => warnings.find((warning) => warning.includes(what))
      assert.include(about(`tool "build_report"`), `declares execution.taskSupport "optional", but the server "reports" has no tasks`)
      assert.include(about(`tool "export"`), `declares execution.taskSupport "required"`)
      assert.include(about(`resource "data://big"`), `declares taskSupport "optional"`)
      assert.include(about(`prompt "summary"`), `declares taskSupport "optional"`)
      for (const warning of warnings) assert.include(warning, "tasks: McpServer.tasks()")
      // Added again at run time (a reload): no second warning.
      const again = yield* warningsOf(using(server, McpServer.addTool({ name: "build_report", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("again") })))
      assert.deepStrictEqual(again.warnings, [])
    }))

  it.live("with tasks enabled nothing is said; without, the calls still run directly", () =>
    Effect.gen(function*() {
      const enabled = yield* warningsOf(startServer({ tasks: McpServer.tasks() }, components))
      assert.deepStrictEqual(enabled.warnings, [])
      const { value: { client } } = yield* warningsOf(serveAndConnect(components))
      const result = yield* sdk(() => client.callTool({ name: "build_report", arguments: { year: 2025 } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "report for 2025" }])
    }))
})
