/**
 * A field's `title` and `description` reach what clients list, whatever the field's Schema: JSON
 * Schema describes a field's JSON side, and Effect writes it from the annotations of the last
 * node of its encoding chain only. A field whose Schema transforms (`Schema.FiniteFromString`,
 * `Schema.Date`, `Schema.BigInt`, a Class) had its documentation left out: a prompt argument
 * `Schema.FiniteFromString.annotate({ description })` (the Schema the prompt docs recommend for
 * numbers) was listed without its description, a tool's `Schema.Date.annotate({ description })`
 * parameter and output field without theirs; the model saw a bare `{ "type": "string" }`.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import * as JsonSchema from "../../src/server/JsonSchema.ts"
import { serveBoth } from "./bothClients.ts"
import { components } from "./McpServerHarness.ts"

class Point extends Schema.Class<Point>("Point")({ x: Schema.Finite, y: Schema.Finite }) {}

const Plan = McpServer.tool({
  name: "plan",
  parameters: {
    when: Schema.Date.annotate({ title: "When", description: "The day, as an ISO date" }),
    budget: Schema.optionalKey(Schema.BigInt.annotate({ description: "Cents" })),
    repeat: Schema.optional(Schema.FiniteFromString.annotate({ description: "Times, as text" })),
    where: Point.annotate({ description: "The place" }),
    // The JSON side's own annotation stays.
    note: Schema.String.annotate({ description: "raw" }).pipe(Schema.decodeTo(Schema.String.annotate({ description: "typed" })))
  },
  success: Schema.Struct({ at: Schema.Date.annotate({ description: "When it was planned" }) }),
  handler: ({ when }) => Effect.succeed({ at: when })
})

const Repeat = McpServer.prompt({
  name: "repeat",
  arguments: {
    count: Schema.FiniteFromString.annotate({ title: "Count", description: "How many times" }),
    label: Schema.optionalKey(Schema.NumberFromString.annotate({ description: "A number label" })),
    // Checks after it: its documentation stays.
    times: Schema.optionalKey(Schema.FiniteFromString.annotate({ description: "How often" }).check(Schema.isInt()))
  },
  handler: ({ count }) => Effect.succeed(`${count}`)
})

/** The pattern of a string decoded to a finite number (see SchemaFidelity.test.ts). */
const numberPattern = (JsonSchema.fromSchema(Schema.FiniteFromString) as { pattern: string }).pattern

describe("the documentation of transformed fields", () => {
  it("is in JsonSchema.toolInputSchema and toolOutputSchema", () => {
    assert.deepStrictEqual(
      JsonSchema.toolInputSchema(Schema.Struct({ n: Schema.FiniteFromString.annotate({ description: "N" }) })),
      { type: "object", properties: { n: { type: "string", pattern: numberPattern, description: "N" } }, required: ["n"] }
    )
    assert.deepStrictEqual(
      JsonSchema.toolOutputSchema(Schema.Struct({ o: Schema.Struct({ d: Schema.Date.annotate({ title: "D" }) }) })),
      {
        type: "object",
        properties: { o: { type: "object", properties: { d: { type: "string", title: "D" } }, required: ["d"] } },
        required: ["o"]
      }
    )
  })

  it("keeps their examples and default annotations too, in their JSON form", () => {
    // They are values of the type side: a number where the JSON is a string, a Date.
    assert.deepStrictEqual(
      JsonSchema.toolInputSchema(Schema.Struct({
        n: Schema.FiniteFromString.annotate({ examples: [1, 2.5], default: 3 }),
        at: Schema.optionalKey(Schema.Date.annotate({ examples: [new Date(0)] })),
        // One that does not encode is left out.
        bad: Schema.Date.annotate({ examples: ["yesterday" as unknown as Date] })
      })),
      {
        type: "object",
        properties: {
          n: { type: "string", pattern: numberPattern, examples: ["1", "2.5"], default: "3" },
          at: { type: "string", examples: ["1970-01-01T00:00:00.000Z"] },
          bad: { type: "string" }
        },
        required: ["n", "bad"]
      }
    )
  })

  it("reaches the fields of a struct in Schema.optional, with their decoding defaults", () => {
    assert.deepStrictEqual(
      JsonSchema.toolInputSchema(Schema.Struct({
        options: Schema.optional(Schema.Struct({
          since: Schema.Date.annotate({ description: "From when" }),
          limit: Schema.Int.pipe(Schema.withDecodingDefault(Effect.succeed(10)))
        }))
      })),
      {
        type: "object",
        properties: {
          options: {
            type: "object",
            properties: { since: { type: "string", description: "From when" }, limit: { type: "integer", default: 10 } },
            required: ["since"]
          }
        }
      }
    )
  })

  it("is kept when checks follow it (a Schema's annotations are its last check's)", () => {
    const positive = Schema.makeFilter((n: number) => n > 0)
    // Fails before: Effect reads a node's annotations from its last check, which had none: each
    // field was listed bare.
    assert.deepStrictEqual(
      JsonSchema.toolInputSchema(Schema.Struct({
        n: Schema.FiniteFromString.annotate({ title: "N", description: "A count" }).check(positive, Schema.isInt()),
        at: Schema.Date.annotate({ description: "Since" }).check(Schema.isGreaterThanDate(new Date(0))),
        big: Schema.BigInt.annotate({ examples: [5n] }).check(Schema.makeFilter((b: bigint) => b > 0n)),
        where: Point.annotate({ description: "The place" }).check(Schema.makeFilter((p: Point) => p.x !== p.y)),
        // A check's own documentation wins.
        m: Schema.FiniteFromString.annotate({ description: "outer" }).check(positive).annotate({ description: "last" })
      })).properties,
      {
        n: { type: "string", pattern: (JsonSchema.fromSchema(Schema.FiniteFromString.check(Schema.isInt())) as any).pattern, title: "N", description: "A count" },
        at: { type: "string", description: "Since" },
        big: { type: "string", pattern: "^-?\\d+$", examples: ["5"] },
        where: {
          type: "object",
          properties: { x: { type: "number" }, y: { type: "number" } },
          required: ["x", "y"],
          description: "The place"
        },
        m: { type: "string", pattern: numberPattern, description: "last" }
      }
    )
  })

  it.live("reaches both SDK clients' tools/list and prompts/list", () =>
    Effect.gen(function*() {
      const { v1, v2 } = yield* serveBoth(components([Plan, Repeat]))
      // Both clients, through the methods and result types they share.
      for (const client of [v1, v2 as unknown as Client]) {
        const { tools } = yield* Effect.promise(() => client.listTools())
        const tool = tools.find((tool) => tool.name === "plan")!
        const properties = tool.inputSchema.properties as Record<string, Record<string, unknown>>
        assert.strictEqual(properties.when!.description, "The day, as an ISO date")
        assert.strictEqual(properties.when!.title, "When")
        assert.strictEqual(properties.budget!.description, "Cents")
        assert.strictEqual(properties.repeat!.description, "Times, as text")
        assert.strictEqual(properties.where!.description, "The place")
        assert.strictEqual(properties.note!.description, "raw")
        const output = tool.outputSchema!.properties as Record<string, Record<string, unknown>>
        assert.strictEqual(output.at!.description, "When it was planned")
        const { prompts } = yield* Effect.promise(() => client.listPrompts())
        // (The SDK v1 client's type of a prompt argument has no `title`: it drops it.)
        const listed = prompts.find((prompt) => prompt.name === "repeat")!.arguments!
        assert.deepStrictEqual(listed.map(({ description, name, required }) => ({ name, description, required })), [
          { name: "count", description: "How many times", required: true },
          { name: "label", description: "A number label", required: undefined },
          { name: "times", description: "How often", required: undefined }
        ])
        // The tool still decodes what its schema describes.
        const result = yield* Effect.promise(() =>
          client.callTool({ name: "plan", arguments: { when: "2026-01-02T00:00:00.000Z", where: { x: 1, y: 2 }, note: "n" } })
        )
        assert.deepStrictEqual(result.structuredContent, { at: "2026-01-02T00:00:00.000Z" })
      }
    }))
})
