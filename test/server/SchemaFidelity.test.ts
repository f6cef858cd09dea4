/**
 * What a tool's JSON Schema says is what its Schema decodes: checked with the validator the SDK v1
 * client validates structured content with (Ajv, `AjvJsonSchemaValidator`), on values the Schema
 * accepts and values it refuses; and with the SDK clients themselves, which validate a tool's
 * `structuredContent` against its `outputSchema`.
 */
import { AjvJsonSchemaValidator as Ajv2020JsonSchemaValidator } from "@modelcontextprotocol/client/validators/ajv"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import * as JsonSchema from "../../src/server/JsonSchema.ts"
import { fourWays } from "../middleware/fourWays.ts"

const ajv = new AjvJsonSchemaValidator()
/** The SDK v2 client's validator (Ajv for JSON Schema 2020-12). */
const ajv2020 = new Ajv2020JsonSchemaValidator()

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

// A string's length is counted in UTF-16 code units by the checks, in code points by the clients.
const Emoji = McpServer.tool({
  name: "emoji",
  success: Schema.Struct({
    at_least: Schema.String.check(Schema.isMinLength(2)),
    between: Schema.String.check(Schema.isBetweenLength(4, 4))
  }),
  handler: () => Effect.succeed({ at_least: "😀", between: "😀😀" })
})

// A multiple of 5 the check accepts, whose quotient (1e21) Ajv's `multipleOf` reads through parseInt.
const Huge = McpServer.tool({
  name: "huge",
  success: Schema.Struct({ n: Schema.Number.check(Schema.isMultipleOf(5)), k: Schema.Int.check(Schema.isMultipleOf(5)) }),
  handler: () => Effect.succeed({ n: 5e21, k: 10 })
})

// A tuple with a rest element unlike its first: the SDK v1 client's Ajv reads draft-07, where
// `items` is every element's schema.
const Tupled = McpServer.tool({
  name: "tupled",
  success: Schema.Struct({
    t: Schema.TupleWithRest(Schema.Tuple([Schema.String]), [Schema.Finite]),
    ne: Schema.NonEmptyArray(Schema.Finite)
  }),
  handler: () => Effect.succeed({ t: ["a", 1, 2] as const, ne: [1, 2] as const })
})

// A record keyed by integers: the Schema drops a key such as "1.5", whatever its value.
const Counts = McpServer.tool({
  name: "counts",
  parameters: Schema.Struct({ byId: Schema.Record(Schema.Int, Schema.Finite) }),
  success: Schema.Struct({ ids: Schema.Array(Schema.String) }),
  handler: ({ byId }) => Effect.succeed({ ids: Object.keys(byId) })
})

// Distinct items (`{}` and `{ note: undefined }` differ to Effect) whose JSON is the same.
const Notes = McpServer.tool({
  name: "notes",
  success: Schema.Struct({
    notes: Schema.UniqueArray(Schema.Struct({ note: Schema.optional(Schema.String) })),
    tags: Schema.UniqueArray(Schema.String)
  }),
  handler: () => Effect.succeed({ notes: [{}, { note: undefined }], tags: ["a", "b"] })
})

// A RegExp without `u` counts UTF-16 units: "😀😀" is four of them to `.{3,}`, two code points to clients.
const Titled = McpServer.tool({
  name: "titled",
  success: Schema.Struct({
    title: Schema.String.check(Schema.isPattern(/^.{3,}$/)),
    code: Schema.String.check(Schema.isPattern(/^[a-z]+$/))
  }),
  handler: () => Effect.succeed({ title: "😀😀", code: "abc" })
})

// `Schema.Any` holds `undefined` too, which JSON has not: the key is left out.
const Anything = McpServer.tool({
  name: "anything",
  success: Schema.Struct({ data: Schema.Any, note: Schema.String }),
  handler: () => Effect.succeed({ data: undefined, note: "x" })
})

const tools = Layer.mergeAll(Emoji, Huge, Tupled, Counts, Notes, Titled, Anything)

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

  it("advertises defaults and transformed fields' documentation inside NullOr, arrays and unions of structs", () => {
    const Page = Schema.Struct({
      limit: Schema.Int.pipe(Schema.withDecodingDefault(Effect.succeed(10))),
      since: Schema.Date.annotate({ description: "An ISO date" })
    })
    const page = {
      type: "object",
      properties: {
        limit: { type: "integer", default: 10 },
        since: { type: "string", description: "An ISO date" }
      },
      required: ["since"]
    }
    const schema = Schema.Struct({
      maybe: Schema.NullOr(Page),
      pages: Schema.Array(Page),
      either: Schema.Union([Page, Schema.Struct({ all: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(true))) })]),
      later: Schema.optional(Schema.NullOr(Page)),
      unset: Schema.UndefinedOr(Page)
    })
    // Fails before: only a struct in a field (or in `Schema.optional`) had its fields' defaults
    // and documentation; in these they were left out.
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema).properties, {
      maybe: { anyOf: [page, { type: "null" }] },
      pages: { type: "array", items: page },
      either: { anyOf: [page, { type: "object", properties: { all: { type: "boolean", default: true } } }] },
      later: { anyOf: [page, { type: "null" }] },
      unset: { anyOf: [page, { type: "null" }] }
    })
    // What the Schema decodes the key's absence to.
    const decoded: any = Schema.decodeUnknownSync(Schema.toCodecJson(schema) as any)({
      maybe: { since: "2026-01-01T00:00:00.000Z" },
      pages: [{ since: "2026-01-01T00:00:00.000Z" }],
      either: {},
      unset: { since: "2026-01-01T00:00:00.000Z" }
    })
    assert.strictEqual(decoded.maybe.limit, 10)
    assert.strictEqual(decoded.pages[0].limit, 10)
    assert.strictEqual(decoded.either.all, true)
    assert.strictEqual(decoded.unset.limit, 10)
  })

  it("advertises the defaults and documentation of fields renamed by Schema.encodeKeys, under their JSON names", () => {
    const schema = Schema.Struct({
      limit: Schema.Int.pipe(Schema.withDecodingDefault(Effect.succeed(5))).annotate({ description: "How many" }),
      query: Schema.String,
      since: Schema.Date.annotate({ description: "An ISO date" }),
      page: Schema.Struct({ size: Schema.Int.pipe(Schema.withDecodingDefault(Effect.succeed(20))) })
        .pipe(Schema.encodeKeys({ size: "page_size" }))
    }).pipe(Schema.encodeKeys({ limit: "max", since: "from" }))
    // Fails before: the JSON side's fields are the encoded forms, which have no decoding default and
    // lost the type side's description: `max: { type: "integer" }`, `page_size` likewise.
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: {
        max: { type: "integer", description: "How many", default: 5 },
        query: { type: "string" },
        from: { type: "string", description: "An ISO date" },
        page: { type: "object", properties: { page_size: { type: "integer", default: 20 } } }
      },
      required: ["query", "from", "page"]
    })
    // What the Schema decodes the keys' absence to.
    const decoded: any = Schema.decodeUnknownSync(Schema.toCodecJson(schema) as any)({
      query: "q",
      from: "2026-01-01T00:00:00.000Z",
      page: {}
    })
    assert.strictEqual(decoded.limit, 5)
    assert.strictEqual(decoded.page.size, 20)
    agree(schema, [{ query: "q", from: "2026-01-01T00:00:00.000Z", page: {} }, { query: "q", page: {} }])
  })

  it("advertises the fields' defaults and documentation of a struct that itself has a decoding default", () => {
    const schema = Schema.Struct({
      options: Schema.Struct({
        limit: Schema.Int.pipe(Schema.withDecodingDefault(Effect.succeed(10))),
        since: Schema.optional(Schema.Date.annotate({ description: "An ISO date" }))
      }).pipe(Schema.withDecodingDefault(Effect.succeed({})))
    })
    // Fails before: the JSON side is the struct's encoded form, whose fields have no default and
    // lost their documentation: `limit: { type: "integer" }`, `since: { type: "string" }`.
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema).properties, {
      options: {
        type: "object",
        properties: {
          limit: { type: "integer", default: 10 },
          since: { type: "string", description: "An ISO date" }
        },
        // The struct's own default, decoded (its fields' defaults applied) and encoded.
        default: { limit: 10 }
      }
    })
    // What the Schema decodes the keys' absence to.
    const decoded: any = Schema.decodeUnknownSync(Schema.toCodecJson(schema) as any)({ options: {} })
    assert.strictEqual(decoded.options.limit, 10)
    assert.strictEqual((Schema.decodeUnknownSync(Schema.toCodecJson(schema) as any)({}) as any).options.limit, 10)
  })

  it("gives a string decoded to a finite number the pattern of what Number reads as one, refusing none of them", () => {
    const schema = Schema.Struct({ n: Schema.FiniteFromString })
    const advertised = JsonSchema.toolInputSchema(schema)
    // Fails before: `{ type: "string" }`, which "abc" passed (the Schema refuses it).
    assert.isString((advertised as any).properties.n.pattern)
    agree(
      schema,
      ["1", "-2.5", "+.5", "1.", "1e3", "1E-3", " 7\n", "\u00a010\ufeff", "", "  ", "0x1F", "0o17", "0B101", "00012"]
        .concat(["abc", "NaN", "Infinity", "-Infinity", "1_000", "-0x10", "0x", "1e", ".", "+", "1 2", "0b2", "١"])
        .map((n) => ({ n }))
    )
    // Every code unit around a number: the pattern and Number agree (white space, line terminators).
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code)
      const value = { n: `${c}1${c}` }
      const { advertised: valid, decoded } = both(schema, advertised, value)
      assert.strictEqual(valid, decoded, `U+${code.toString(16)}`)
    }
    // What the pattern lets through that the Schema refuses: a number too large to be finite.
    assert.deepStrictEqual(both(schema, advertised, { n: "1e400" }), { advertised: true, decoded: false })
    // Any number (NaN for "abc") is any string.
    assert.deepStrictEqual(JsonSchema.toolInputSchema(Schema.Struct({ n: Schema.NumberFromString })).properties, {
      n: { type: "string" }
    })
    // A form has no pattern: as before.
    assert.deepStrictEqual(JsonSchema.elicitationSchema(schema).properties, { n: { type: "string" } })
  })

  it("gives a string decoded to an Int the pattern of what Number reads as an integer, refusing none of them", () => {
    const schema = Schema.Struct({
      page: Schema.NumberFromString.check(Schema.isInt()),
      count: Schema.FiniteFromString.check(Schema.isInt(), Schema.isGreaterThan(0))
    })
    const advertised = JsonSchema.toolInputSchema(schema)
    const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
    const validates = [ajv, ajv2020].map((validator) => validator.getValidator(advertised as any))
    const outcome = (page: string) => {
      const value = { page, count: "1" }
      const valid = validates.map((validate) => validate(value).valid)
      assert.strictEqual(valid[0], valid[1], JSON.stringify(value))
      return { decoded: Exit.isSuccess(decode(value)), valid: valid[0] }
    }
    // Fails before: the pattern of any finite number's string, which "1.5" passed (the Schema refuses it).
    for (const n of ["1.5", " -2.25 ", ".5", "7.000001", "abc", "1e", "0x"]) {
      assert.deepStrictEqual(outcome(n), { decoded: false, valid: false }, n)
    }
    for (const n of ["1", " 7\n", "-0", "007", "7.", "1.00", ".0", "", "1e3", "1.5e1", "250E-1", "0x1F", "0b11", "1.0000000000000001"]) {
      assert.deepStrictEqual(outcome(n), { decoded: true, valid: true }, JSON.stringify(n))
    }
    // No string the Schema reads as an integer is refused: random spellings, both sides.
    let seed = 11
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const digits = (n: number) => Array.from({ length: n }, () => "0123456789"[random(10)]).join("")
    const outcomes = new Set<boolean>()
    for (let i = 0; i < 3000; i++) {
      const whole = random(4) === 0 ? "" : digits(1 + random(18))
      const fraction = random(3) === 0 ? "" : "." + (random(2) === 0 ? "0".repeat(random(20)) : digits(random(20)))
      const exponent = random(3) === 0 ? `e${["", "+", "-"][random(3)]}${random(25)}` : ""
      const n = `${[" ", "", "-", "+"][random(4)]}${whole === "" && fraction.length < 2 ? "0" : whole}${fraction}${exponent}`
      const { decoded, valid } = outcome(n)
      outcomes.add(decoded)
      if (decoded) assert.isTrue(valid, n)
    }
    assert.strictEqual(outcomes.size, 2)
  })

  it("gives the case checks patterns that refuse every letter toLowerCase / toUpperCase changes, not only ASCII's", () => {
    const checks = {
      lowercased: Schema.String.check(Schema.isLowercased()),
      uppercased: Schema.String.check(Schema.isUppercased()),
      capitalized: Schema.String.check(Schema.isCapitalized()),
      uncapitalized: Schema.String.check(Schema.isUncapitalized())
    }
    // Both SDK clients' validators: v1's (Ajv, draft-07) and v2's (Ajv, 2020-12).
    const validators = [ajv, ajv2020]
    for (const [name, field] of Object.entries(checks)) {
      const schema = Schema.Struct({ s: field })
      const advertised = JsonSchema.toolInputSchema(schema)
      const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
      const validates = validators.map((validator) => validator.getValidator(advertised as any))
      // Fails before (`^\P{Changes_When_Lowercased}*$`): Python's `re` (the Python SDK client's
      // jsonschema) refuses a `\p` / `\P` escape ("bad escape \P"), and the validation failed.
      const pattern = (advertised as any).properties.s.pattern as string
      assert.notMatch(pattern, /\\[pP]/, `${name}: ${pattern.slice(0, 80)}`)
      const check = (s: string) => {
        const decoded = Exit.isSuccess(decode({ s }))
        for (const validate of validates) {
          // Fails before: "É" was lowercased and "é" uppercased to the pattern (`^[^A-Z]*$`).
          assert.strictEqual(validate({ s }).valid, decoded, `${name}: ${JSON.stringify(s)} against ${JSON.stringify(advertised)}`)
        }
      }
      for (const s of ["", "abc", "Abc", "ABC", "É", "é", "Éa", "éA", "ß", "ǅ", "ΑΣ", "aΣb", "ς", "İ", "1 + 2", "\ud800", "\udc00a"]) check(s)
      // Each character of the blocks with cased letters (Latin to Glagolitic, Cyrillic Extended-B to
      // Latin Extended-D, ..., Deseret, Adlam, enclosed letters): all those of Unicode 17.
      const ranges = [
        [0, 0x2DFF], [0xA640, 0xA7FF], [0xAB30, 0xABBF], [0xFB00, 0xFB1F], [0xFF00, 0xFF5F], [0x10400, 0x104FF],
        [0x10570, 0x105BF], [0x10C80, 0x10CFF], [0x10D40, 0x10D8F], [0x118A0, 0x118FF], [0x16E40, 0x16EDF],
        [0x1E900, 0x1E95F], [0x1F130, 0x1F18F]
      ]
      for (const [start, end] of ranges) {
        for (let code = start; code <= end; code++) {
          if (code >= 0xD800 && code <= 0xDFFF) continue
          const c = String.fromCodePoint(code)
          check(c)
        }
      }
    }
  })

  it("advertises a BigInt's bounds: the pattern holds exactly the integer strings within them", () => {
    const big = 12345678901234567890n
    const fields = {
      between: Schema.BigInt.check(Schema.isBetweenBigInt({ minimum: -15n, maximum: 1000n })),
      open: Schema.BigInt.check(
        Schema.isBetweenBigInt({ minimum: -1n, maximum: 99n, exclusiveMinimum: true, exclusiveMaximum: true })
      ),
      above: Schema.BigInt.check(Schema.isGreaterThanBigInt(big)),
      atLeast: Schema.BigInt.check(Schema.isGreaterThanOrEqualToBigInt(-7n)),
      below: Schema.BigInt.check(Schema.isLessThanBigInt(-big)),
      atMost: Schema.BigInt.check(Schema.isLessThanOrEqualToBigInt(205n)),
      both: Schema.BigInt.check(Schema.isGreaterThanBigInt(5n), Schema.isLessThanOrEqualToBigInt(70n)).annotate({
        description: "Five to seventy"
      })
    }
    const schema = Schema.Struct(fields)
    const advertised = JsonSchema.toolInputSchema(schema)
    // Fails before: each was `^-?\d+$`, which "0" passed for `between` (the Schema refuses it).
    const around = [-big - 1n, -big, -big + 1n, big - 1n, big, big + 1n, big * 10n]
      .concat([-1001n, -16n, -15n, -14n, -9n, -8n, -7n, -6n, -2n, -1n, 0n, 1n, 4n, 5n, 6n, 7n, 9n, 10n, 11n])
      .concat([69n, 70n, 71n, 98n, 99n, 100n, 101n, 199n, 204n, 205n, 206n, 999n, 1000n, 1001n, 10000n])
    const strings = around.flatMap((n) => [String(n), n < 0n ? `-00${-n}` : `00${n}`]).concat(["-0", "-00", "000"])
    // Each field within its bounds, but the one whose strings are tried.
    const valid = { between: "6", open: "6", above: String(big + 1n), atLeast: "6", below: String(-big - 1n), atMost: "6", both: "6" }
    const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
    const validates = [ajv, ajv2020].map((validator) => validator.getValidator(advertised as any))
    for (const name of Object.keys(fields)) {
      const outcomes = new Set<boolean>()
      for (const s of strings) {
        const value = { ...valid, [name]: s }
        const decoded = Exit.isSuccess(decode(value))
        outcomes.add(decoded)
        for (const validate of validates) {
          assert.strictEqual(validate(value).valid, decoded, `${name}: ${JSON.stringify(s)} against ${JSON.stringify(advertised.properties)}`)
        }
      }
      // Strings on both sides of the bounds were tried.
      assert.strictEqual(outcomes.size, 2, name)
    }
    // The documentation stays.
    assert.strictEqual((advertised as any).properties.both.description, "Five to seventy")
    // Fails before (`[1-9]\d{2,}`, ...): Python's `re` (the Python SDK's jsonschema) takes any
    // Unicode digit for `\d` ("1٢" fitted `between` there), which the Schema refuses.
    for (const [name, field] of Object.entries((advertised as any).properties)) {
      assert.notInclude((field as { pattern: string }).pattern, "\\d", name)
    }
  })

  it("advertises a record keyed by a bounded Int with a selector matching only the keys within the bounds", () => {
    const keys = {
      between: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 })),
      open: Schema.Int.check(Schema.isBetween({ minimum: -2.5, maximum: 3, exclusiveMinimum: true, exclusiveMaximum: true })),
      above: Schema.Int.check(Schema.isGreaterThan(-3)),
      atMost: Schema.Int.check(Schema.isLessThanOrEqualTo(12.5)),
      int32: Schema.Int.check(Schema.isInt32())
    }
    const tried = ["1", "5", "6", "0", "-0", "+3", "003", "3.0", "2", "-2", "-3", "-4", "9", "12", "13", "-12"]
      .concat(["2147483647", "2147483648", "-2147483648", "-2147483649", "999999999999999", "-999999999999999"])
    for (const [name, key] of Object.entries(keys)) {
      const schema = Schema.Struct({ r: Schema.Record(key, Schema.Finite) })
      const advertised = JsonSchema.toolInputSchema(schema)
      const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
      const validates = [ajv, ajv2020].map((validator) => validator.getValidator(advertised as any))
      const outcomes = new Set<boolean>()
      for (const k of tried) {
        // A key the Schema drops may hold anything; one it decodes must hold a number.
        for (const v of [1, "x"]) {
          const value = { r: { [k]: v } }
          const decoded = Exit.isSuccess(decode(value))
          outcomes.add(decoded)
          for (const validate of validates) {
            // Fails before: the selector matched "9" of 1 to 5, and { "9": "x" } was refused.
            assert.strictEqual(validate(value).valid, decoded, `${name}: ${JSON.stringify(value)} against ${JSON.stringify(advertised.properties)}`)
          }
        }
      }
      assert.strictEqual(outcomes.size, 2, name)
      // No `\d`, which Python's `re` reads as any Unicode digit (see the BigInt's bounds).
      assert.notInclude(JSON.stringify(advertised), "\\\\d", name)
    }
  })

  it("advertises a template literal's Int part as the numbers it reads as integers, refusing none of them", () => {
    const schema = Schema.Struct({
      width: Schema.TemplateLiteral([Schema.Int, "px"]),
      at: Schema.TemplateLiteral(["v", Schema.Int, ".", Schema.Union([Schema.Literal("x"), Schema.BigInt])]),
      ratio: Schema.TemplateLiteral([Schema.Number, "%"]).annotate({ description: "A share" })
    })
    const advertised = JsonSchema.toolInputSchema(schema)
    const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
    const validates = [ajv, ajv2020].map((validator) => validator.getValidator(advertised as any))
    const valid = { width: "1px", at: "v1.x", ratio: "1%" }
    const outcome = (field: keyof typeof valid, s: string) => {
      const value = { ...valid, [field]: s }
      const decoded = Exit.isSuccess(decode(value))
      const advertisedValid = validates.map((validate) => validate(value).valid)
      assert.strictEqual(advertisedValid[0], advertisedValid[1], JSON.stringify(value))
      return { decoded, valid: advertisedValid[0]! }
    }
    // Fails before: Effect's pattern of any finite number, which "1.5px" passed (the Schema refuses it).
    for (const n of ["1.5", "-2.25", ".5", "+0.1", "7.000001", "1.5e0", "١"]) {
      if (n !== "1.5e0") assert.deepStrictEqual(outcome("width", `${n}px`), { decoded: false, valid: false }, n)
    }
    for (const n of ["1", "-0", "+7", "007", "1.0", "-3.000", ".0", "1e3", "1.5e1", "250E-1", "1.0000000000000001", "0.99999999999999999"]) {
      assert.deepStrictEqual(outcome("width", `${n}px`), { decoded: true, valid: true }, n)
    }
    assert.deepStrictEqual(outcome("at", "v3.-12"), { decoded: true, valid: true })
    assert.deepStrictEqual(outcome("at", "v3.5.x"), { decoded: false, valid: false })
    assert.deepStrictEqual(outcome("ratio", "2.5%"), { decoded: true, valid: true })
    assert.deepStrictEqual(outcome("ratio", "2.5"), { decoded: false, valid: false })
    // No number the Schema reads as an integer is refused: random spellings, both sides.
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const digits = (n: number) => Array.from({ length: n }, () => "0123456789"[random(10)]).join("")
    const outcomes = new Set<boolean>()
    for (let i = 0; i < 3000; i++) {
      const whole = random(4) === 0 ? "" : digits(1 + random(18))
      const fraction = random(3) === 0 ? "" : "." + (random(2) === 0 ? "0".repeat(1 + random(20)) : digits(1 + random(20)))
      const exponent = random(3) === 0 ? `e${["", "+", "-"][random(3)]}${random(25)}` : ""
      const n = `${["", "-", "+"][random(3)]}${whole === "" && fraction === "" ? "0" : whole}${fraction}${exponent}`
      const { decoded, valid } = outcome("width", `${n}px`)
      outcomes.add(decoded)
      if (decoded) assert.isTrue(valid, n)
    }
    assert.strictEqual(outcomes.size, 2)
    // The documentation stays; no `\d`, which Python's `re` takes for any Unicode digit.
    assert.strictEqual((advertised as any).properties.ratio.description, "A share")
    assert.notInclude(JSON.stringify(advertised), "\\\\d")
  })

  it("keeps the documentation a Schema gives after a filter JSON Schema cannot say", () => {
    const longer = Schema.makeFilter((s: string) => s.trim().length > 1)
    const schema = Schema.Struct({
      // A Schema's annotations are its last check's.
      name: Schema.String.check(longer).annotate({ title: "Name", description: "At least two characters" }),
      count: Schema.Int.check(Schema.makeFilter((n: number) => n % 7 !== 0)).annotate({ description: "Not a multiple of 7" }),
      tags: Schema.Array(Schema.String).check(Schema.makeFilter((a: ReadonlyArray<string>) => a.length < 5))
        .annotate({ description: "Fewer than five", examples: [["a"]] }),
      both: Schema.String.check(Schema.isMinLength(1), longer).annotate({ description: "Trimmed" })
    })
    // Fails before: each field's documentation was left out with the filter it sits on.
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema).properties, {
      name: { type: "string", title: "Name", description: "At least two characters" },
      count: { type: "integer", description: "Not a multiple of 7" },
      tags: { type: "array", items: { type: "string" }, description: "Fewer than five", examples: [["a"]] },
      both: { type: "string", minLength: 1, description: "Trimmed" }
    })
    assert.deepStrictEqual((JsonSchema.toolOutputSchema(schema) as any).properties.name, {
      type: "string",
      title: "Name",
      description: "At least two characters"
    })
    // The schema says no more than before (what the filters refuse, it lets through).
    agree(schema, [
      { name: "ab", count: 1, tags: [], both: "ab" },
      { name: 1, count: 1, tags: [], both: "ab" },
      { name: "ab", count: 1.5, tags: [], both: "ab" },
      { name: "ab", count: 1, tags: [], both: "" }
    ])
  })

  it("advertises a record keyed by an Int multiple with a selector matching only the multiples", () => {
    const keys = {
      even: Schema.Int.check(Schema.isMultipleOf(2)),
      eights: Schema.Int.check(Schema.isMultipleOf(-8)),
      quarters: Schema.Int.check(Schema.isMultipleOf(25)),
      thousands: Schema.Int.check(Schema.isMultipleOf(1000)),
      tens: Schema.Int.check(Schema.isMultipleOf(10), Schema.isBetween({ minimum: -50, maximum: 100 }))
    }
    const tried: Array<string> = []
    for (const n of [-1100, -1008, -1000, -992, -875, 625, 875, 992, 1000, 1008, 1024, 1100].concat(Array.from({ length: 521 }, (_, i) => i - 260))) {
      tried.push(String(n))
      if (n % 7 === 0) tried.push(n < 0 ? `-00${-n}` : `+0${n}`, `${n}.0`)
    }
    tried.push("-0", "000", "123456789000", "999999999999992", "100000000000000", "2.5", "a")
    for (const [name, key] of Object.entries(keys)) {
      const schema = Schema.Struct({ r: Schema.Record(key, Schema.Finite) })
      const advertised = JsonSchema.toolInputSchema(schema)
      const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
      const validates = [ajv, ajv2020].map((validator) => validator.getValidator(advertised as any))
      const outcomes = new Set<boolean>()
      for (const k of tried) {
        // A key the Schema drops may hold anything; one it decodes must hold a number.
        const value = { r: { [k]: "x" } }
        const decoded = Exit.isSuccess(decode(value))
        outcomes.add(decoded)
        for (const validate of validates) {
          // Fails before: the selector matched every integer, and { "3": "x" } was refused for even keys.
          assert.strictEqual(validate(value).valid, decoded, `${name}: ${JSON.stringify(value)} against ${JSON.stringify(advertised.properties)}`)
        }
      }
      assert.strictEqual(outcomes.size, 2, name)
      assert.notInclude(JSON.stringify(advertised), "\\\\d", name)
    }
  })

  it("writes a RegExp's i, m and s flags into its pattern (JSON Schema patterns have none)", () => {
    // Fails before: each pattern was left out (any string was valid for the schema).
    const cases: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
      [/^[a-z0-9_-]+$/i, ["Abc_9", "ABC-d", "a b", "é", ""]],
      [/^(?<word>ab)\x41c$/i, ["aBAC", "abac", "abbc"]],
      [/^[^a-f]x$/i, ["gX", "Fx", "fx", "zz"]],
      [/^é+$/i, ["éÉ", "e"]],
      [/^a.c$/s, ["a\nc", "abc", "ac"]],
      [/^b$/m, ["a\nb", "b\nc", "ab", "a\u2028b"]],
      [/^x.y$/ims, ["a\nX\nY", "X\ny", "xzy\n", "xy"]],
      // A `^` right after `[^` is a member.
      [/^[^^a]$/i, ["^", "A", "b"]]
    ]
    for (const [regExp, samples] of cases) {
      const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
      const pattern = (JsonSchema.toolInputSchema(schema) as any).properties.s.pattern
      assert.isString(pattern, String(regExp))
      for (const sample of samples) {
        assert.strictEqual(new RegExp(pattern, "u").test(sample), regExp.test(sample), `${regExp} on ${JSON.stringify(sample)}`)
      }
      agree(schema, samples.map((s) => ({ s })))
    }
    // A backreference matches ignoring case too, which no class says: no pattern.
    const back = Schema.Struct({ s: Schema.String.check(Schema.isPattern(/^(a)\1$/i)) })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(back).properties, { s: { type: "string" } })
    // An elicitation form has no `pattern` (a plain one is refused): such a RegExp still has none
    // there, as before, rather than make `elicit` fail.
    const form = Schema.Struct({ name: Schema.String.check(Schema.isPattern(/^[a-z]+$/i)) })
    assert.deepStrictEqual(JsonSchema.elicitationSchema(form), {
      type: "object",
      properties: { name: { type: "string" } },
      required: ["name"]
    })
  })

  it("writes a Unicode RegExp's i, m and s flags into its pattern", () => {
    // Fails before: with the `u` flag, any of these left the pattern out (any string was valid).
    const cases: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
      // `ſ` and the Kelvin sign fold to `s` and `k` with `iu`.
      [/^[a-z0-9_-]+$/iu, ["Abc_9", "ABC-d", "a b", "é", "", "ſK", "\u017f"]],
      [/^[^a-f]x$/iu, ["gX", "Fx", "fx", "zz", "😀x"]],
      [/^\p{Lu}+\d$/iu, ["AB1", "ab1", "ǅ1", "1"]],
      [/^\w+\b/iu, ["ſ", "a b", "K.", " a"]],
      [/^\W$/iu, ["ſ", "-", "k", "😀"]],
      [/^😀+x$/iu, ["😀😀X", "😀x", "x", "\ud83dx"]],
      [/^\u{10400}\u0041$/iu, ["\u{10428}a", "\u{10400}A", "a"]],
      [/^(?<first>a)c$/iu, ["AC", "ac", "ab"]],
      [/^a.c$/su, ["a\nc", "a😀c", "ac"]],
      [/^b$/mu, ["a\nb", "b\nc", "ab", "a\u2028b"]],
      [/^x.y$/imsu, ["a\nX\nY", "X\ny", "xzy\n", "xy", "x😀Y"]],
      [/^[^^a]$/iu, ["^", "A", "b"]]
    ]
    for (const [regExp, samples] of cases) {
      const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
      const pattern = (JsonSchema.toolInputSchema(schema) as any).properties.s.pattern
      assert.isString(pattern, String(regExp))
      for (const sample of samples) {
        assert.strictEqual(new RegExp(pattern, "u").test(sample), regExp.test(sample), `${regExp} on ${JSON.stringify(sample)}`)
      }
      agree(schema, samples.map((s) => ({ s })))
    }
    // Characters outside the BMP are written as themselves (`\u{...}` is JavaScript's alone).
    const wide = (JsonSchema.toolInputSchema(Schema.Struct({ s: Schema.String.check(Schema.isPattern(/^\W$/iu)) })) as any)
      .properties.s.pattern
    assert.notInclude(wide, "\\u{")
    assert.include(wide, String.fromCodePoint(0x10FFFF))
    // A backreference matches ignoring case too, which no class says: no pattern.
    for (const regExp of [/^(a)\1$/iu, /^(?<x>a)\k<x>$/iu]) {
      const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
      assert.deepStrictEqual(JsonSchema.toolInputSchema(schema).properties, { s: { type: "string" } })
    }
  })

  for (const way of fourWays) {
    it.live(`${way.name}: a result's string as long as its check asks is one the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: the outputSchema said minLength 2 (and 4) where "😀" is 2 UTF-16 units (the
        // check's count) but 1 code point (the clients'): the clients refused the call.
        const result = yield* Effect.promise(() => client.callTool("emoji"))
        assert.deepStrictEqual(result.structuredContent, { at_least: "😀", between: "😀😀" })
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "emoji")
        assert.deepStrictEqual(tool.outputSchema.properties, {
          at_least: { type: "string", minLength: 1 },
          between: { type: "string", minLength: 2, maxLength: 4 }
        })
        // Arguments keep the check's own number, for the model to read: a string of that many
        // code points has at least as many units.
        assert.deepStrictEqual(
          JsonSchema.toolInputSchema(Schema.Struct({ s: Schema.String.check(Schema.isMinLength(2)) })).properties,
          { s: { type: "string", minLength: 2 } }
        )
      }), 30_000)
  }

  for (const way of fourWays) {
    it.live(`${way.name}: a result's multiple the check accepts is one the clients accept, however large`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: `multipleOf: 5` on a number that is not an Int, which Ajv (both SDK
        // clients) finds 5e21 is not a multiple of (5e21 / 5 is 1e21, whose parseInt is 1).
        const huge = yield* Effect.promise(() => client.callTool("huge"))
        assert.deepStrictEqual(huge.structuredContent, { n: 5e21, k: 10 })
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "huge")
        assert.deepStrictEqual(tool.outputSchema.properties, {
          n: { type: "number" },
          k: { type: "integer", multipleOf: 5 }
        })
      }), 30_000)
  }

  for (const way of fourWays) {
    it.live(`${way.name}: a result's tuple with a rest element is one the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before (SDK v1): `items: { type: "number" }` beside `prefixItems`, which draft-07
        // applies to every element, "a" included: the client refused the result.
        const result = yield* Effect.promise(() => client.callTool("tupled"))
        assert.deepStrictEqual(result.structuredContent, { t: ["a", 1, 2], ne: [1, 2] })
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "tupled")
        assert.deepStrictEqual(tool.outputSchema.properties, {
          t: { type: "array", prefixItems: [{ type: "string" }], minItems: 1, unevaluatedItems: { type: "number" } },
          // The rest like the first: every element's schema, in any dialect.
          ne: { type: "array", prefixItems: [{ type: "number" }], minItems: 1, items: { type: "number" } }
        })
      }), 30_000)
  }

  it("says what a result's tuple with a rest element holds to a 2020-12 validator, and its arguments' with items", () => {
    const schema = Schema.Struct({ t: Schema.TupleWithRest(Schema.Tuple([Schema.String]), [Schema.Finite]) })
    const validate = ajv2020.getValidator(JsonSchema.toolOutputSchema(schema) as any)
    assert.isTrue(validate({ t: ["a", 1, 2] }).valid)
    assert.isFalse(validate({ t: ["a", "b"] }).valid)
    assert.isFalse(validate({ t: [1] }).valid)
    // What a model reads keeps the usual spelling.
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema).properties, {
      t: { type: "array", prefixItems: [{ type: "string" }], minItems: 1, items: { type: "number" } }
    })
  })

  for (const way of fourWays) {
    it.live(`${way.name}: arguments a record keyed by Int accepts are valid for its inputSchema`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "counts")
        const args = { byId: { "1": 1, "-2.0": 2, "1.5": "x", a: "y" } }
        const result = yield* Effect.promise(() => client.callTool("counts", args))
        assert.deepStrictEqual(result.structuredContent, { ids: ["1", "-2"] })
        // Fails before: the key's selector was any number's, so "1.5" (which the Schema drops) had
        // to hold a number: the schema refused arguments the server accepts.
        assert.isTrue(ajv2020.getValidator(tool.inputSchema)(args).valid)
        assert.isTrue(ajv.getValidator(tool.inputSchema)(args).valid)
        assert.isFalse(ajv.getValidator(tool.inputSchema)({ byId: { "7": "x" } }).valid)
      }), 30_000)
  }

  for (const way of fourWays) {
    it.live(`${way.name}: a result's unique items whose JSON is alike are ones the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: `uniqueItems: true`, which `[{}, {}]` fails (the clients refused the result).
        const result = yield* Effect.promise(() => client.callTool("notes"))
        assert.deepStrictEqual(result.structuredContent, { notes: [{}, {}], tags: ["a", "b"] })
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "notes")
        assert.deepStrictEqual(tool.outputSchema.properties, {
          notes: { type: "array", items: { type: "object", properties: { note: { type: "string" } } } },
          // Strings are their own JSON: distinct ones stay distinct.
          tags: { type: "array", items: { type: "string" }, uniqueItems: true }
        })
      }), 30_000)
  }

  for (const way of fourWays) {
    it.live(`${way.name}: a result's string a RegExp without u accepts is one the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: the pattern `^.{3,}$`, which clients read with `u`, where "😀😀" is two
        // characters (the RegExp, without it, finds four): they refused the result.
        const result = yield* Effect.promise(() => client.callTool("titled"))
        assert.deepStrictEqual(result.structuredContent, { title: "😀😀", code: "abc" })
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "titled")
        const validate = ajv2020.getValidator(tool.outputSchema)
        // Strings within the BMP are checked as the RegExp checks them.
        assert.isFalse(validate({ title: "ab", code: "abc" }).valid)
        assert.isTrue(validate({ title: "abc", code: "abc" }).valid)
        assert.isFalse(validate({ title: "abc", code: "ab1" }).valid)
        // Written with the characters themselves, which other dialects (Python's `re`) read too.
        assert.strictEqual(tool.outputSchema.properties.title.pattern, `^.{3,}$|[${String.fromCodePoint(0x10000)}-${String.fromCodePoint(0x10FFFF)}]`)
        // A pattern without such atoms is the same either way: as it was.
        assert.deepStrictEqual(tool.outputSchema.properties.code, { type: "string", pattern: "^[a-z]+$" })
      }), 30_000)
  }

  for (const way of fourWays) {
    it.live(`${way.name}: a result's Schema.Any field holding undefined is one the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const listed = yield* Effect.promise(() => client.listTools())
        // Fails before: `data` was required, and the JSON of `undefined` is no key at all: the
        // clients refused the result.
        const result = yield* Effect.promise(() => client.callTool("anything"))
        // (In memory the value is passed as it is, `data: undefined`, not through JSON.)
        assert.deepStrictEqual(JSON.parse(JSON.stringify(result.structuredContent)), { note: "x" })
        const tool = listed.tools.find((tool: { name: string }) => tool.name === "anything")
        assert.deepStrictEqual(tool.outputSchema.required, ["note"])
        // Arguments still name it required: the Schema refuses the key's absence.
        assert.deepStrictEqual(JsonSchema.toolInputSchema(Schema.Struct({ data: Schema.Any })).required, ["data"])
      }), 30_000)
  }
})
