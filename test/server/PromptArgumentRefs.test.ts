/**
 * A prompt's arguments are described from their Schemas' JSON Schema: an argument Schema used
 * twice (an `identifier` annotation) is a `$ref` there, its `title` and `description` in `$defs`.
 * They must still be the arguments' title and description in `prompts/list`.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"

const Id = Schema.String.annotate({ identifier: "Id", title: "Id", description: "an order id" })

const Compare = McpServer.prompt({
  name: "compare",
  arguments: { a: Id, b: Id },
  handler: ({ a, b }) => Effect.succeed(`compare ${a} and ${b}`)
})

describe("prompt arguments of a Schema used twice", () => {
  // Fails before: `a` and `b` were listed without a description (theirs were in `$defs`).
  it.live("are listed with its description (SDK v1 and v2)", () =>
    Effect.gen(function*() {
      const { v1, v2 } = yield* serveBoth(Compare)
      for (const client of [v1, v2 as unknown as Client]) {
        const { prompts } = yield* Effect.promise(() => client.listPrompts())
        assert.deepStrictEqual(prompts[0]!.arguments, [
          // (The SDK clients' PromptArgument has no `title`: they strip it.)
          { name: "a", description: "an order id", required: true },
          { name: "b", description: "an order id", required: true }
        ])
      }
    }))
})
