/**
 * What a tool with a `success` schema sends matches the `outputSchema` it advertises, checked
 * with the SDK clients that validate `structuredContent` against it (v1 2025-11-25 and v2 pinned
 * to 2026-07-28, in memory and over Streamable HTTP): an optional member holding `undefined` is
 * left out (not `null`, which the schema does not allow), a number that is not finite is a
 * masked tool error (not `"NaN"`, which fails the whole call on the client), a pattern is one
 * the clients compile (as a Unicode RegExp), and a multiple of a fraction is not checked by the
 * clients in floating point.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import * as JsonSchema from "../../src/server/JsonSchema.ts"
import { fourWays } from "../middleware/fourWays.ts"

class Person extends Schema.Class<Person>("Person")({ name: Schema.String, nick: Schema.optional(Schema.String) }) {}

const Optional = McpServer.tool({
  name: "optional",
  success: Schema.Struct({
    note: Schema.optional(Schema.String),
    nested: Schema.Struct({ when: Schema.optional(Schema.NullOr(Schema.Number)) }),
    person: Person,
    pair: Schema.Tuple([Schema.String, Schema.optional(Schema.Number)]),
    plain: Schema.UndefinedOr(Schema.String)
  }),
  handler: () =>
    Effect.succeed({
      note: undefined,
      nested: { when: undefined },
      person: new Person({ name: "Ada", nick: undefined }),
      pair: ["a", undefined] as const,
      plain: undefined
    })
})

// Inside declarations (`Option`) and arrays: the same rules, and an optional element that is
// `undefined` (which cannot be left out of an array without a hole) is null, which the schema allows.
const Inside = McpServer.tool({
  name: "inside",
  success: Schema.Struct({
    maybe: Schema.Option(Schema.Struct({ note: Schema.optional(Schema.String) })),
    list: Schema.Array(Schema.optional(Schema.Number)),
    both: Schema.Tuple([Schema.optional(Schema.String), Schema.optional(Schema.Number)])
  }),
  handler: () =>
    Effect.succeed({ maybe: Option.some({ note: undefined }), list: [1, undefined, 2], both: [undefined, 3] as const })
})

const OptionNotFinite = McpServer.tool({
  name: "option_not_finite",
  success: Schema.Struct({ ratio: Schema.Option(Schema.Number) }),
  handler: () => Effect.succeed({ ratio: Option.some(Number.NaN) })
})

const Given = McpServer.tool({
  name: "given",
  success: Schema.Struct({ note: Schema.optional(Schema.String), nested: Schema.Struct({ when: Schema.optional(Schema.NullOr(Schema.Number)) }) }),
  handler: () => Effect.succeed({ note: "n", nested: { when: null } })
})

const NotFinite = McpServer.tool({
  name: "not_finite",
  success: Schema.Struct({ ratio: Schema.Number }),
  handler: () => Effect.succeed({ ratio: Number.NaN })
})

const Wrapped = McpServer.tool({
  name: "wrapped",
  success: Schema.Number,
  handler: () => Effect.succeed(Number.POSITIVE_INFINITY)
})

const Phone = McpServer.tool({
  name: "phone",
  // biome-ignore lint/complexity/noUselessEscapeInRegex: the needless escape is what is tested
  parameters: { phone: Schema.String.check(Schema.isPattern(/^\d{3}\-\d{4}$/)) },
  // biome-ignore lint/complexity/noUselessEscapeInRegex: the needless escape is what is tested
  success: Schema.Struct({ phone: Schema.String.check(Schema.isPattern(/^\d{3}\-\d{4}$/)) }),
  handler: ({ phone }) => Effect.succeed({ phone })
})

// Without the u flag `\u{2}` is "uu"; with it (as the clients compile patterns), U+0002.
const Twice = McpServer.tool({
  name: "twice",
  // biome-ignore lint/complexity/useRegexLiterals: TypeScript reads the literal as if with the u flag
  success: Schema.Struct({ us: Schema.String.check(Schema.isPattern(new RegExp(String.raw`^\u{2}$`))) }),
  handler: () => Effect.succeed({ us: "uu" })
})

const Price = McpServer.tool({
  name: "price",
  parameters: { cents: Schema.Int },
  success: Schema.Struct({ price: Schema.Number.check(Schema.isMultipleOf(0.01)) }),
  handler: ({ cents }) => Effect.succeed({ price: cents / 100 })
})

const Prices = McpServer.tool({
  name: "prices",
  success: Schema.Array(Schema.Number.check(Schema.isMultipleOf(0.1))),
  handler: () => Effect.succeed([0.3, 0.7])
})

const tools = Layer.mergeAll(Optional, Inside, OptionNotFinite, Given, NotFinite, Wrapped, Phone, Twice, Price, Prices)

describe("Tool results match their outputSchema", () => {
  for (const way of fourWays) {
    it.live(`${way.name}: an optional member holding undefined is left out, not sent as null`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        // Listed first: the clients validate the results of the tools they know the outputSchema of.
        yield* Effect.promise(() => client.listTools())
        const result = yield* Effect.promise(() => client.callTool("optional"))
        assert.isUndefined(result.isError)
        // `plain` is required and may be undefined: the schema says null for it, as for an array's
        // optional element.
        assert.deepStrictEqual(result.structuredContent, { nested: {}, person: { name: "Ada" }, pair: ["a", null], plain: null })
        const given = yield* Effect.promise(() => client.callTool("given"))
        assert.deepStrictEqual(given.structuredContent, { note: "n", nested: { when: null } })
      }), 30_000)

    it.live(`${way.name}: inside an Option and an array, an undefined member is left out or null as the schema says`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        // Listed first: the clients validate the results of the tools they know the outputSchema of.
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: the list's and the tuple's undefined were null where the schema said number
        // or string (the clients refused the call, -32602), the Option's optional member was null.
        const result = yield* Effect.promise(() => client.callTool("inside"))
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "inside")
        assert.deepStrictEqual(tool.outputSchema.properties.list.items, { anyOf: [{ type: "number" }, { type: "null" }] })
        assert.isUndefined(result.isError)
        const expected = { maybe: { _tag: "Some", value: {} }, list: [1, null, 2], both: [null, 3] }
        assert.deepStrictEqual(result.structuredContent, expected)
        assert.deepStrictEqual(JSON.parse(result.content[0].text), expected)
      }), 30_000)

    it.live(`${way.name}: a pattern written without the u flag (\\- outside a class) is one the clients compile`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        // Fails before: SDK v1's tools/list throws "Invalid regular expression: /^\d{3}\-\d{4}$/u:
        // Invalid escape"; SDK v2 refuses the call ("Tool 'phone' has an invalid outputSchema").
        const listed = yield* Effect.promise(() => client.listTools())
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "phone")
        // (Digits as `[0-9]`: Python's `re` reads `\\d` as any Unicode digit.)
        assert.deepStrictEqual(tool.outputSchema.properties.phone, { type: "string", pattern: "^[0-9]{3}-[0-9]{4}$" })
        const result = yield* Effect.promise(() => client.callTool("phone", { phone: "123-4567" }))
        assert.deepStrictEqual(result.structuredContent, { phone: "123-4567" })
        // Fails before: the pattern was `^\u{2}$`, U+0002 for the clients, which refused the call.
        const twice = yield* Effect.promise(() => client.callTool("twice"))
        assert.deepStrictEqual(twice.structuredContent, { us: "uu" })
        const tool2 = listed.tools.find((tool: { name: string }) => tool.name === "twice")
        assert.deepStrictEqual(tool2.outputSchema.properties.us, { type: "string", pattern: "^u{2}$" })
      }), 30_000)

    it.live(`${way.name}: a multiple of a fraction the server accepts is one the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: the clients' validators divide in floating point (0.07 / 0.01 is
        // 7.000000000000001) and refused "data/price must be multiple of 0.01".
        const result = yield* Effect.promise(() => client.callTool("price", { cents: 7 }))
        assert.deepStrictEqual(result.structuredContent, { price: 0.07 })
        // An array: itself in 2026-07-28 (SEP-2106), `{ result }` before.
        const prices = yield* Effect.promise(() => client.callTool("prices"))
        assert.deepStrictEqual(prices.structuredContent, client.version() === "2026-07-28" ? [0.3, 0.7] : { result: [0.3, 0.7] })
        // The server still checks it: not in the outputSchema, which clients validate with floats.
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "price")
        assert.deepStrictEqual(tool.outputSchema.properties.price, { type: "number" })
        // Arguments are checked by the server alone: their schema keeps it, for the model to read.
        assert.deepStrictEqual(
          JsonSchema.toolInputSchema(Schema.Struct({ price: Schema.Number.check(Schema.isMultipleOf(0.01)) })).properties,
          { price: { type: "number", multipleOf: 0.01 } }
        )
      }), 30_000)

    it.live(`${way.name}: a number that is not finite is a masked tool error, not "NaN"`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        // Listed first: the clients validate the results of the tools they know the outputSchema of.
        yield* Effect.promise(() => client.listTools())
        // Fails before for option_not_finite: its value went out as "NaN" (the clients refused the call).
        for (const name of ["not_finite", "wrapped", "option_not_finite"]) {
          const result = yield* Effect.promise(() => client.callTool(name))
          assert.isTrue(result.isError, name)
          assert.isUndefined(result.structuredContent, name)
          assert.deepStrictEqual(result.content, [{ type: "text", text: `Tool ${name} failed: internal error` }])
        }
      }), 30_000)
  }
})
