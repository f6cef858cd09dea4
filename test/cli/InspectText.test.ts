/**
 * `effect-mcp inspect`'s text, built in-process (`Inspect.describe`, `Inspect.formatText`): a server
 * whose resources come from a template's `list` printed "resources (0)" with nothing more, read as
 * "lists no resources" while `resources/list` lists them (inspect runs no handler). The line under
 * it now says so whenever templates are registered, and only then.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Inspect from "../../src/cli/Inspect.ts"
import { McpServer } from "../../src/index.ts"

const Users = McpServer.resourceTemplate({
  uriTemplate: "users://{id}",
  name: "user",
  params: { id: Schema.String },
  list: Effect.succeed([{ uri: "users://1", name: "Ada" }]),
  read: ({ id }) => Effect.succeed(id)
})
const Readme = McpServer.resource({ uri: "docs://readme", name: "readme", read: Effect.succeed("# Readme") })
const options = { name: "users", version: "1.0.0" }

describe("effect-mcp inspect, text: resources a template lists", () => {
  it.live("with templates: the resources line says what a template's list gives is not read", () =>
    Effect.gen(function*() {
      const text = Inspect.formatText(yield* Inspect.describe({ options, components: Layer.mergeAll(Users, Readme) }))
      assert.include(text, "resources (1)\n  docs://readme  readme\n  (and, in resources/list, what the templates' list gives at run time: not read here)\n")
      assert.include(text, "resource templates (1)\n  users://{id}  user")
    }))

  it.live("without templates: no such line", () =>
    Effect.gen(function*() {
      const text = Inspect.formatText(yield* Inspect.describe({ options, components: Readme }))
      assert.notInclude(text, "templates' list")
    }))
})
