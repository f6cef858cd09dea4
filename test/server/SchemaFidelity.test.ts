/**
 * What a tool's JSON Schema says is what its Schema decodes: checked with the validator the SDK v1
 * client validates structured content with (Ajv, `AjvJsonSchemaValidator`), on values the Schema
 * accepts and values it refuses.
 */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { assert, describe, it } from "@effect/vitest"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as JsonSchema from "../../src/server/JsonSchema.ts"

const ajv = new AjvJsonSchemaValidator()

/** Whether the JSON value is valid for the advertised schema (Ajv) and for the Schema's JSON codec. */
const both = (schema: Schema.Top, advertised: JsonSchema.JsonSchema, value: unknown) => ({
  advertised: ajv.getValidator(advertised as any)(value).valid,
  decoded: Exit.isSuccess(Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)(value))
})

/** Asserts the advertised input schema and the Schema agree on each value. */
const agree = (schema: Schema.Top, values: ReadonlyArray<unknown>) => {
  const advertised = JsonSchema.toolInputSchema(schema)
  for (const value of values) {
    const { advertised: valid, decoded } = both(schema, advertised, value)
    assert.strictEqual(valid, decoded, `${JSON.stringify(value)} against ${JSON.stringify(advertised)}`)
  }
}

describe("JSON Schema fidelity", () => {
  it("advertises a record's value schema whatever its key (Int, a RegExp without u, a length)", () => {
    // Fails before: Effect leaves out an index signature whose key is not an exact pattern, value
    // schema included: each record was a bare `{ type: "object" }`, accepting `{ "1": "x" }`.
    agree(Schema.Struct({ r: Schema.Record(Schema.Int, Schema.Number) }), [
      { r: { "1": 1 } },
      { r: { "1": "x" } },
      { r: {} }
    ])
    // biome-ignore lint/complexity/noUselessEscapeInRegex: a needless escape, as written without the u flag
    const dashed = Schema.Struct({ r: Schema.Record(Schema.String.check(Schema.isPattern(/^a\-/)), Schema.Number) })
    agree(dashed, [{ r: { "a-1": 1 } }, { r: { "a-1": "x" } }, { r: { b: "x" } }, { r: { b: 1 } }])
    assert.deepStrictEqual((JsonSchema.toolInputSchema(dashed) as any).properties.r, {
      type: "object",
      patternProperties: { "^a-": { type: "number" } }
    })
    agree(Schema.Struct({ r: Schema.Record(Schema.String.check(Schema.isMinLength(2)), Schema.Number) }), [
      { r: { ab: 1 } },
      { r: { ab: "x" } }
    ])
    // Keys the Schema does not decode are dropped, not refused: the schema lets them be.
    const ints = JsonSchema.toolInputSchema(Schema.Struct({ r: Schema.Record(Schema.Int, Schema.Number) }))
    assert.isTrue(both(Schema.Struct({ r: Schema.Record(Schema.Int, Schema.Number) }), ints, { r: { a: "x" } }).advertised)
  })
})
