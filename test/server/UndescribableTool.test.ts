/**
 * A tool's wire description (its `inputSchema` and `outputSchema`) is built at its first listing,
 * from its Schemas: one Effect cannot turn into JSON Schema (here `Schema.Defect` given uncalled,
 * where types are not checked; a suspended Schema a module cycle left undefined alike) made every
 * `tools/list` fail with -32603, hiding every other tool, logged as "tools/list failed" without
 * naming the tool. It is now left out of the list, logged naming it, and the others are listed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"
import { components } from "./McpServerHarness.ts"

const Fine = McpServer.tool({ name: "fine", parameters: { x: Schema.String }, handler: ({ x }) => Effect.succeed(x) })
const Report = McpServer.tool({
  name: "report",
  // `Schema.Defect()` was meant: plain JavaScript, or a cast.
  success: Schema.Struct({ outcome: Schema.Defect as unknown as Schema.Unknown }),
  handler: () => Effect.succeed({ outcome: "done" })
})
const Later = McpServer.tool({ name: "later", handler: () => Effect.succeed("later") })

describe("a tool Effect cannot describe in JSON Schema", () => {
  it.live("is left out of tools/list, logged naming it; the other tools are listed to both SDK clients", () =>
    Effect.gen(function*() {
      const { v1, v2, logged } = yield* serveBoth(components([Fine, Report, Later]), { pageSize: 2 })
      // Both pages: the first (cached once built) and the one after its cursor.
      const first = yield* Effect.promise(() => v1.listTools())
      assert.deepStrictEqual(first.tools.map((tool) => tool.name), ["fine"])
      assert.isString(first.nextCursor)
      const second = yield* Effect.promise(() => v1.listTools({ cursor: first.nextCursor }))
      assert.deepStrictEqual(second.tools.map((tool) => tool.name), ["later"])
      // The SDK v2 client follows the cursors itself.
      const all = yield* Effect.promise(() => v2.listTools())
      assert.deepStrictEqual(all.tools.map((tool) => tool.name), ["fine", "later"])
      const lines = logged.filter((line) => line.includes("tool report cannot be described"))
      assert.isAtLeast(lines.length, 1, logged.join("\n"))
      assert.include(lines[0], "TypeError")
    }))
})
