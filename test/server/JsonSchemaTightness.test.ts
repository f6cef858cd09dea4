/**
 * A tool's JSON Schema refuses no value its Schema accepts, and says as much of the Schema as it can
 * say exactly: checked with the validators of the SDK clients (Ajv draft-07 for v1, Ajv 2020-12 for
 * v2) against the Schema's JSON codec, on generated values (fast-check, bounded runs).
 */
import { AjvJsonSchemaValidator as Ajv2020JsonSchemaValidator } from "@modelcontextprotocol/client/validators/ajv"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { McpServer } from "../../src/index.ts"
import * as JsonSchema from "../../src/server/JsonSchema.ts"
import { fourWays } from "../middleware/fourWays.ts"

const validators = [new AjvJsonSchemaValidator(), new Ajv2020JsonSchemaValidator()]

/** Whether each SDK client's validator and the Schema's JSON codec accept a value. */
const judge = (schema: Schema.Top, advertised: JsonSchema.JsonSchema) => {
  const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
  const validates = validators.map((validator) => validator.getValidator(advertised as any))
  return (value: unknown) => {
    const [v1, v2] = validates.map((validate) => validate(value).valid)
    assert.strictEqual(v1, v2, `draft-07 and 2020-12 differ on ${JSON.stringify(value)}`)
    return { decoded: Exit.isSuccess(decode(value)), valid: v1! }
  }
}

/** An integer spelled as a record key may be: a sign, leading zeros, a fraction of zeros. */
const integerKey = (bound: number) =>
  fc.tuple(
    fc.integer({ min: -bound, max: bound }),
    fc.constantFrom("", "+", "0", "00"),
    fc.constantFrom("", ".0", ".00")
  ).map(([n, prefix, fraction]) => `${n < 0 ? "-" : prefix === "+" ? "+" : ""}${prefix === "0" || prefix === "00" ? prefix : ""}${Math.abs(n)}${fraction}`)

describe("JSON Schema tightness: record keys", () => {
  it("a record keyed by an Int with a check no selector says leaves the values of the keys it drops free", () => {
    // Fails before: the selector was every integer's (`intKey`), so `{ "4": "x" }` was refused for
    // `isMultipleOf(7)` though the Schema drops the key "4" (and accepts the record).
    const keys = {
      seven: Schema.Int.check(Schema.isMultipleOf(7)),
      nine: Schema.Int.check(Schema.isMultipleOf(9)),
      filter: Schema.Int.check(Schema.makeFilter((n: number) => n !== 4)),
      bounded: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 50 }), Schema.makeFilter((n: number) => n % 2 === 1)),
      positive: Schema.Number.check(Schema.isGreaterThan(0)),
      short: Schema.String.check(Schema.isMaxLength(2)),
      patterned: Schema.String.check(Schema.isPattern(/^a/), Schema.isMaxLength(2))
    }
    for (const [name, key] of Object.entries(keys)) {
      const schema = Schema.Struct({ r: Schema.Record(key, Schema.Finite) })
      const outcome = judge(schema, JsonSchema.toolInputSchema(schema))
      for (const k of ["4", "5", "-1", "14", "a", "abc", "ab", "1.5"]) {
        const { decoded, valid } = outcome({ r: { [k]: "x" } })
        if (decoded) assert.isTrue(valid, `${name}: { "${k}": "x" }`)
      }
      fc.assert(
        fc.property(integerKey(10_000), fc.oneof(fc.constant("x"), fc.integer()), (k, v) => {
          const { decoded, valid } = outcome({ r: { [k]: v } })
          if (decoded) assert.isTrue(valid, `${name}: { "${k}": ${JSON.stringify(v)} }`)
        }),
        { numRuns: 300 }
      )
    }
  })

  it("a record keyed by a multiple of 3 (times a divisor of 1000) has a selector matching exactly the multiples", () => {
    // Fails before: no such selector (every integer's, which refused the values of keys the Schema drops).
    for (const divisor of [3, 6, 12, 15, 24, 30, 75, 375, 3000]) {
      const schema = Schema.Struct({ r: Schema.Record(Schema.Int.check(Schema.isMultipleOf(divisor)), Schema.Finite) })
      const advertised = JsonSchema.toolInputSchema(schema)
      const outcome = judge(schema, advertised)
      const outcomes = new Set<boolean>()
      fc.assert(
        fc.property(fc.oneof(integerKey(100_000), integerKey(999_999_999_999_999), integerKey(100_000).map((k) => `${BigInt(k.replace(/\.0*$/, "")) * BigInt(divisor)}`)), (k) => {
          // A key the Schema drops may hold anything; one it decodes must hold a number.
          const { decoded, valid } = outcome({ r: { [k]: "x" } })
          outcomes.add(decoded)
          assert.strictEqual(valid, decoded, `${divisor}: { "${k}": "x" }`)
        }),
        { numRuns: 400 }
      )
      assert.strictEqual(outcomes.size, 2, String(divisor))
      // No `\d`, which Python's `re` reads as any Unicode digit.
      assert.notInclude(JSON.stringify(advertised), "\\\\d")
    }
  })
})

describe("JSON Schema tightness: record keys by a RegExp without u", () => {
  it("a key the RegExp drops, counting UTF-16 units, is not one the selector matches", () => {
    const patterns = [/^.{1,2}$/, /^[^a]+$/, /^\S+$/, /b.c/, /^x.$/s, /^[a-c]+$/, /^[^\d]?$/i]
    const key = fc.array(fc.constantFrom("a", "b", "c", "x", "1", " ", "\n", "é", "😀", "\u{10400}", "\ud800"), { maxLength: 4 })
      .map((chars) => chars.join(""))
    for (const regExp of patterns) {
      const schema = Schema.Struct({ r: Schema.Record(Schema.String.check(Schema.isPattern(regExp)), Schema.Finite) })
      for (const advertised of [JsonSchema.toolInputSchema(schema), JsonSchema.toolOutputSchema(schema)]) {
        const outcome = judge(schema, advertised)
        if (regExp === patterns[0]) {
          // Fails before: the selector `^.{1,2}$` matched "😀😀" (two characters), which the RegExp
          // drops (four units): `{ "😀😀": "x" }` was refused though the Schema accepts it.
          assert.deepStrictEqual(outcome({ r: { "😀😀": "x" } }), { decoded: true, valid: true })
        }
        fc.assert(
          fc.property(key, (k) => {
            const { decoded, valid } = outcome({ r: { [k]: "x" } })
            if (decoded) assert.isTrue(valid, `${regExp}: { ${JSON.stringify(k)}: "x" }`)
            // Keys within the BMP are selected as the RegExp selects them.
            if (!/[\ud800-\udbff][\udc00-\udfff]/.test(k)) assert.strictEqual(valid, decoded, `${regExp}: ${JSON.stringify(k)}`)
          }),
          { numRuns: 400 }
        )
      }
    }
  })
})

describe("JSON Schema tightness: record keys by Schema.Number", () => {
  it("the selector says digits as [0-9], which Python's re does not widen to every Unicode digit", () => {
    const schema = Schema.Struct({ r: Schema.Record(Schema.Number, Schema.Finite) })
    const advertised = JsonSchema.toolInputSchema(schema)
    // Fails before: Effect's selector, `^(?:[+-]?(?:\d+...`, whose `\d` matches "١" in Python's `re`
    // (the Python SDK's jsonschema), a key the Schema drops: `{ "١": "x" }` was refused there.
    assert.notInclude(JSON.stringify(advertised), "\\d")
    const outcome = judge(schema, advertised)
    const key = fc.oneof(
      fc.constantFrom("Infinity", "-Infinity", "NaN", "١", "1e400", ".5", "5.", "+1", "1_0", " 1"),
      fc.double().map(String),
      fc.array(fc.constantFrom("1", "0", ".", "e", "-", "+", "٣"), { minLength: 1, maxLength: 5 }).map((chars) => chars.join(""))
    )
    fc.assert(
      fc.property(key, (k) => {
        const { decoded, valid } = outcome({ r: { [k]: "x" } })
        assert.strictEqual(valid, decoded, JSON.stringify(k))
      }),
      { numRuns: 500 }
    )
  })
})

describe("JSON Schema tightness: template literal record keys", () => {
  it("a key with an Int part has a selector matching keys the Schema selects, and none it drops", () => {
    const keys = {
      id: Schema.TemplateLiteral(["id-", Schema.Int]),
      bounded: Schema.TemplateLiteral(["v", Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 12 })), ".", Schema.String]),
      union: Schema.TemplateLiteral([Schema.Union([Schema.Literal("a"), Schema.Int]), "-", Schema.Number]),
      // A check no pattern says: no selector (the values are left unchecked).
      even: Schema.TemplateLiteral(["e", Schema.Int.check(Schema.isMultipleOf(2))])
    }
    const piece = fc.oneof(
      fc.constantFrom("id-", "v", "v3.", "v12.", ".", "-", "a-", "e", "x", "1.5", "-2", "+07", "3.0", "1e2", "13", "12"),
      integerKey(50),
      fc.string({ maxLength: 3 })
    )
    for (const [name, key] of Object.entries(keys)) {
      const schema = Schema.Struct({ r: Schema.Record(key, Schema.Finite) })
      const advertised = JsonSchema.toolInputSchema(schema)
      const outcome = judge(schema, advertised)
      fc.assert(
        fc.property(fc.array(piece, { minLength: 1, maxLength: 4 }), (pieces) => {
          const k = pieces.join("")
          // A key the Schema drops may hold anything; one it selects must hold a number.
          const { decoded, valid } = outcome({ r: { [k]: "x" } })
          if (decoded) assert.isTrue(valid, `${name}: { ${JSON.stringify(k)}: "x" }`)
        }),
        { numRuns: 1000 }
      )
      for (const [k, selected] of Object.entries(name === "id" ? { "id-7": true, "id--2.0": true, "id-1.5": false } : name === "bounded" ? { "v12.x": true, "v13.x": false, "v007.": true } : name === "union" ? { "a-1.5": true, "-3-2": true, "1.5-1": false } : { e4: true, e3: false })) {
        const { decoded, valid } = outcome({ r: { [k]: "x" } })
        assert.strictEqual(decoded, !selected, `${name}: ${k}`)
        // Fails before: the record was a bare `{ type: "object" }`, which `{ "id-7": "x" }` passed.
        if (name !== "even") assert.strictEqual(valid, decoded, `${name}: ${k} against ${JSON.stringify(advertised.properties)}`)
      }
    }
  })
})

describe("JSON Schema tightness: the size of sets and maps", () => {
  const schema = Schema.Struct({
    tags: Schema.ReadonlySet(Schema.String).check(Schema.isMinSize(2), Schema.isMaxSize(3)),
    scores: Schema.ReadonlyMap(Schema.String, Schema.Finite).check(Schema.isBetweenSize(1, 2)),
    ids: Schema.ReadonlySet(Schema.Int).check(Schema.isMinSize(1))
  })
  const letters = fc.constantFrom("a", "b", "c", "d")
  const value = fc.record({
    tags: fc.array(letters, { maxLength: 6 }),
    scores: fc.array(fc.tuple(letters, fc.integer({ min: 0, max: 9 })), { maxLength: 4 }),
    ids: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })
  })

  it("arguments: an array of fewer items than the least size is refused, none the Schema accepts", () => {
    const outcome = judge(schema, JsonSchema.toolInputSchema(schema))
    // Fails before: no `minItems` (Effect writes no check of a declaration), so `[]` passed.
    assert.deepStrictEqual(outcome({ tags: ["a"], scores: [["a", 1]], ids: [1] }), { decoded: false, valid: false })
    assert.deepStrictEqual(outcome({ tags: ["a", "b"], scores: [], ids: [1] }), { decoded: false, valid: false })
    assert.deepStrictEqual(outcome({ tags: ["a", "b"], scores: [["a", 1]], ids: [] }), { decoded: false, valid: false })
    // More items than the most members, alike ones merged: the Schema accepts it, so does the schema.
    assert.deepStrictEqual(outcome({ tags: ["a", "a", "b", "b"], scores: [["a", 1], ["a", 2], ["a", 3]], ids: [1] }), {
      decoded: true,
      valid: true
    })
    fc.assert(
      fc.property(value, (v) => {
        const { decoded, valid } = outcome(v)
        if (decoded) assert.isTrue(valid, JSON.stringify(v))
        if (v.tags.length < 2 || v.scores.length < 1 || v.ids.length < 1) assert.isFalse(valid, JSON.stringify(v))
      }),
      { numRuns: 500 }
    )
  })

  it("results: what the server sends is accepted, and an array of a size out of bounds refused", () => {
    const outcome = judge(schema, JsonSchema.toolOutputSchema(schema))
    const encode = Schema.encodeSync(Schema.toCodecJson(schema) as any)
    const decode = Schema.decodeUnknownExit(Schema.toCodecJson(schema) as any)
    fc.assert(
      fc.property(value, (v) => {
        // What the server has (a value of the Schema's type) and sends (its JSON).
        const decoded = decode(v)
        if (!Exit.isSuccess(decoded)) return
        const sent = encode(decoded.value)
        assert.isTrue(outcome(sent).valid, JSON.stringify(sent))
      }),
      { numRuns: 500 }
    )
    // Fails before: no `minItems` / `maxItems`, so these passed.
    for (const sent of [
      { tags: ["a", "b", "c", "d"], scores: [["a", 1]], ids: [1] },
      { tags: ["a"], scores: [["a", 1]], ids: [1] },
      { tags: ["a", "b"], scores: [["a", 1], ["b", 1], ["c", 1]], ids: [1] }
    ]) {
      assert.isFalse(outcome(sent).valid, JSON.stringify(sent))
    }
  })
})

describe("JSON Schema: a check group's documentation", () => {
  it("is on the schema, not in an allOf member, and the schema says what it said", () => {
    const schema = Schema.Struct({
      count: Schema.Int.check(Schema.isInt32({ description: "A 32-bit count" })),
      ratio: Schema.Number.check(
        Schema.makeFilterGroup([Schema.isGreaterThan(0), Schema.isLessThan(5)], { title: "Ratio", description: "Above 0, below 5" })
      ),
      // The group's bounds meet the field's own: they stay in `allOf`, the documentation comes up.
      small: Schema.Int.check(Schema.isInt32({ description: "Small" }), Schema.isBetween({ minimum: 0, maximum: 10 })),
      // The field's own documentation wins.
      named: Schema.Int.check(Schema.isInt32({ description: "group" })).annotate({ description: "field" })
    })
    const advertised = JsonSchema.toolInputSchema(schema)
    // Fails before: `{ type: "integer", allOf: [{ description: "A 32-bit count", minimum: ..., maximum: ... }] }`.
    assert.deepStrictEqual(advertised.properties, {
      count: { type: "integer", description: "A 32-bit count", minimum: -2147483648, maximum: 2147483647 },
      ratio: { type: "number", title: "Ratio", description: "Above 0, below 5", exclusiveMinimum: 0, exclusiveMaximum: 5 },
      small: {
        type: "integer",
        allOf: [{ minimum: -2147483648, maximum: 2147483647 }],
        minimum: 0,
        maximum: 10,
        description: "Small"
      },
      named: { type: "integer", description: "field", minimum: -2147483648, maximum: 2147483647 }
    })
    const outcome = judge(schema, advertised)
    fc.assert(
      fc.property(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -20, max: 20 }), fc.integer(), (count, ratio, small, named) => {
        const value = { count, ratio, small, named }
        const { decoded, valid } = outcome(value)
        assert.strictEqual(valid, decoded, JSON.stringify(value))
      }),
      { numRuns: 300 }
    )
    // An elicitation form, which has no `allOf`: fails before ("uses allOf, which elicitation does not support").
    assert.deepStrictEqual(JsonSchema.elicitationSchema(Schema.Struct({ count: schema.fields.count })).properties, {
      count: { type: "integer", description: "A 32-bit count", minimum: -2147483648, maximum: 2147483647 }
    })
  })
})

/** Spellings `Number` reads: white space, a sign, leading zeros, a fraction of zeros, `0x` / `0o` / `0b`. */
const exactSpelling = (n: bigint) =>
  fc.tuple(
    fc.constantFrom("", " ", "\n\t"),
    fc.constantFrom("dec", "dec", "dec", "hex", "HEX", "oct", "bin"),
    fc.constantFrom("", "0", "000"),
    fc.constantFrom("", "+"),
    fc.constantFrom("", ".", ".0", ".000")
  ).map(([space, form, zeros, plus, fraction]) => {
    const abs = n < 0n ? -n : n
    if (form === "dec") return `${space}${n < 0n ? "-" : plus}${zeros}${abs}${fraction}${space}`
    // `0x` and the like have no sign: a negative number is spelled in decimal.
    if (n < 0n) return `${space}${n}${space}`
    const [prefix, base] = form === "hex" ? ["0x", 16] : form === "HEX" ? ["0X", 16] : form === "oct" ? ["0o", 8] : ["0b", 2]
    const digits = abs.toString(base)
    return `${space}${prefix}${zeros}${form === "HEX" ? digits.toUpperCase() : digits}${space}`
  })

/** Other spellings `Number` may read as an integer: exponents, 16 digits or more with a fraction. */
const roundedSpelling = (n: bigint) =>
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 9 })).map(([form, k, d]) => {
    const sign = n < 0n ? "-" : ""
    const abs = n < 0n ? -n : n
    switch (form) {
      case 0:
        // Within 1e-17 below or above: `Number` rounds to n (or to n's neighbour, far from 0).
        return `${sign}${abs === 0n ? "0" : abs - 1n}.${"9".repeat(17 + k)}`
      case 1:
        return `${sign}${abs}.${"0".repeat(16 + k)}${d}`
      case 2:
        return `${sign}${abs}${"0".repeat(k)}e-${k}`
      default:
        return `${sign}${abs}e${k}`
    }
  })

describe("JSON Schema tightness: strings decoded to a bounded Int", () => {
  const fields = {
    int32: { schema: Schema.NumberFromString.check(Schema.isInt32()), low: -2147483648n, high: 2147483647n },
    page: { schema: Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 250 })), low: 1n, high: 250n },
    negative: { schema: Schema.NumberFromString.check(Schema.isInt(), Schema.isLessThan(-4)), low: undefined, high: -5n },
    positive: { schema: Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThan(0)), low: 1n, high: undefined },
    even: {
      schema: Schema.NumberFromString.check(Schema.isInt(), Schema.isMultipleOf(4), Schema.isBetween({ minimum: -100, maximum: 100 })),
      low: -100n,
      high: 100n
    }
  }
  for (const [name, { high, low, schema: field }] of Object.entries(fields)) {
    it(`${name}: the pattern refuses integers outside the bounds and no string the Schema reads within them`, () => {
      const schema = Schema.Struct({ n: field })
      const advertised = JsonSchema.toolInputSchema(schema)
      const outcome = judge(schema, advertised)
      // Around the bounds, 0 and far away.
      const anchors = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 40n, -(2n ** 40n)]
        .concat([low, high].flatMap((bound) => bound === undefined ? [] : [bound - 2n, bound - 1n, bound, bound + 1n, bound + 2n]))
      const number = fc.oneof(
        fc.constantFrom(...anchors),
        fc.bigInt({ min: -(2n ** 33n), max: 2n ** 33n }),
        fc.bigInt({ min: -300n, max: 300n })
      )
      const outcomes = new Set<boolean>()
      fc.assert(
        fc.property(number.chain((n) => fc.tuple(fc.constant(n), exactSpelling(n))), ([n, s]) => {
          const { decoded, valid } = outcome({ n: s })
          outcomes.add(decoded)
          // Fails before: the pattern of any integer's string, which "2147483648" passed for `isInt32`.
          // (A multiple is said of decimals only: `0x63` passes for `isMultipleOf(4)`.)
          if (name !== "even" || !/0[xob]/i.test(s)) assert.strictEqual(valid, decoded, `${n} as ${JSON.stringify(s)}`)
          else if (decoded) assert.isTrue(valid, `${n} as ${JSON.stringify(s)}`)
        }),
        { numRuns: 1500 }
      )
      assert.strictEqual(outcomes.size, 2)
      fc.assert(
        fc.property(number.chain(roundedSpelling), (s) => {
          const { decoded, valid } = outcome({ n: s })
          if (decoded) assert.isTrue(valid, JSON.stringify(s))
        }),
        { numRuns: 1000 }
      )
      for (const s of ["", "  ", ".0", "-.00", "abc", "1.5", "0x", "-0x1", "Infinity"]) {
        const { decoded, valid } = outcome({ n: s })
        assert.strictEqual(valid, decoded, JSON.stringify(s))
      }
      // No `\d`, which Python's `re` reads as any Unicode digit.
      assert.notInclude(JSON.stringify(advertised), "\\\\d")
    })
  }
})

describe("JSON Schema: patterns in the syntax Python's re reads", () => {
  it("has no escape or group Python refuses or reads otherwise, and means what the RegExp does", () => {
    const regExps = [
      /^\p{L}[\p{L}\p{Nd} '-]*$/u,
      /^(?<year>\d{4})-\k<year>$/u,
      /^\u{1F600}?\cJ?[^\P{Lu}]$/u,
      /^\D+$/,
      /\bfoo\B/,
      /^[\w.-]+@[^\s@]+$/,
      /^\S*\W$/,
      /^[^\W\d]+$/u,
      /^[\b\d]$/
    ]
    const chars = ["a", "É", "é", "Z", "1", "١", "_", "-", ".", "@", " ", "\t", "\u00a0", "\ufeff", "\u001c", "\u2028", "\b", "\n", "'", "f", "o", "😀"]
    const text = fc.array(fc.constantFrom(...chars), { maxLength: 6 }).map((each) => each.join(""))
    for (const regExp of regExps) {
      const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
      const advertised = JsonSchema.toolInputSchema(schema)
      const pattern: string = (advertised as any).properties.s.pattern
      assert.isString(pattern, String(regExp))
      // Fails before: `\p{L}`, `(?<year>`, `\k<year>`, `\u{1F600}`, `\cJ` were kept, which Python's
      // `re` refuses (`jsonschema` fails the whole validation: "is not a 'regex'"), and `\d`, `\w`,
      // `\s`, `\b`, which it reads as their Unicode classes (`\D` refused "١").
      const left = pattern.replaceAll("[\\s\\S]", "").match(/\\[pPkcdDwWsSbB]|\\u\{|\(\?<(?![=!])/g)
      assert.isNull(left, `${regExp}: ${pattern.slice(0, 120)}`)
      const compiled = new RegExp(pattern, "u")
      const outcome = judge(schema, advertised)
      fc.assert(
        fc.property(text, (s) => {
          // Strings within the BMP: the pattern matches as the RegExp does.
          if (!s.includes("😀") || regExp.unicode) assert.strictEqual(compiled.test(s), regExp.test(s), `${regExp} on ${JSON.stringify(s)}`)
          const { decoded, valid } = outcome({ s })
          if (decoded) assert.isTrue(valid, `${regExp} on ${JSON.stringify(s)}`)
        }),
        { numRuns: 300 }
      )
    }
  })
})

describe("JSON Schema: backreferences Python's re reads as ECMAScript does", () => {
  const field = (regExp: RegExp) =>
    (JsonSchema.toolInputSchema(Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })) as any).properties.s
  // From strings: the linter refuses these backreferences (and the compiler a name two groups share).
  const unicode = (source: string) => new RegExp(source, "u")

  it("a name two groups share leaves the pattern out, not a backreference to the last group only", () => {
    const regExp = unicode("^(?:(?<q>x)|(?<q>y))\\k<q>$")
    const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
    const outcome = judge(schema, JsonSchema.toolInputSchema(schema))
    // Fails before: `^(?:(x)|(y))(?:\2)$`, which refused "xx" (the RegExp's `\k<q>` is to whichever
    // group matched).
    for (const s of ["xx", "yy", "xy", "x", ""]) {
      const { decoded, valid } = outcome({ s })
      assert.strictEqual(decoded, regExp.test(s), s)
      if (decoded) assert.isTrue(valid, s)
    }
  })

  it("a backreference to a group not closed where it stands leaves the pattern out", () => {
    // Fails before: kept (`^(?:\1)(x)$`, `^(a(?:\1))$`, `^\1(a)$`), which Python's `re` refuses
    // ("invalid group reference", "cannot refer to an open group"): `jsonschema` failed every
    // validation against the schema. ECMAScript matches the empty string there.
    for (const regExp of ["^\\k<a>(?<a>x)$", "^(?<a>a\\k<a>)$", "^\\1(a)$", "(?<=\\1(a))b"].map(unicode)) {
      assert.deepStrictEqual(field(regExp), { type: "string" }, String(regExp))
    }
    // A group closed before its backreference: kept, by number.
    assert.deepStrictEqual(field(/^(?<q>['"])a\k<q>$/u), { type: "string", pattern: "^(['\"])a(?:\\1)$" })
    assert.deepStrictEqual(field(/^(a)\1$/u), { type: "string", pattern: "^(a)\\1$" })
  })
})

describe("JSON Schema: lookbehinds Python's re reads", () => {
  it("a lookbehind of no fixed width leaves the pattern out; one of a fixed width is kept", () => {
    const field = (regExp: RegExp) =>
      (JsonSchema.toolInputSchema(Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })) as any).properties.s
    // Fails before: kept, and Python's `re` refuses them ("look-behind requires fixed-width
    // pattern"): `jsonschema` failed every validation against the schema.
    for (const regExp of [/(?<=a+)b/, /(?<!x|yy)b/, /(?<=\d{1,3})px/]) {
      assert.deepStrictEqual(field(regExp), { type: "string" }, String(regExp))
      // Left out, the schema refuses nothing the Schema accepts.
      const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
      const outcome = judge(schema, JsonSchema.toolInputSchema(schema))
      for (const s of ["aab", "yyb", "12px", "b", ""]) {
        const { decoded, valid } = outcome({ s })
        if (decoded) assert.isTrue(valid, `${regExp} on ${s}`)
      }
    }
    assert.deepStrictEqual(field(/(?<=ab)c/), { type: "string", pattern: "(?<=ab)c" })
    assert.deepStrictEqual(field(/(?<![a-z])\d/), { type: "string", pattern: "(?<![a-z])[0-9]" })
  })

  it("a lookbehind of a fixed width with \\p{...}, \\u{...} or an exact count is kept", () => {
    const field = (regExp: RegExp) =>
      (JsonSchema.toolInputSchema(Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })) as any).properties.s
    // Fails before: left out, their braces taken for a quantifier of no fixed count (Python's `re`
    // reads each: one character, or three).
    assert.deepStrictEqual(field(/(?<=\u{1F600})x/u), { type: "string", pattern: "(?<=\u{1F600})x" })
    assert.deepStrictEqual(field(/(?<=a{3})b/), { type: "string", pattern: "(?<=a{3})b" })
    const letter = field(/(?<!\p{L})x/u).pattern
    assert.isString(letter)
    const compiled = new RegExp(letter, "u")
    for (const s of ["x", "1x", " x", "ax", "éx", "Ωx"]) assert.strictEqual(compiled.test(s), /(?<!\p{L})x/u.test(s), s)
    // One of no fixed count still is.
    assert.deepStrictEqual(field(/(?<=a{2,3})b/), { type: "string" })
  })
})

describe("JSON Schema: null literals", () => {
  // The types allow no null literal (`LiteralValue`), the runtime does: from JavaScript, or literals
  // read from data.
  const nothing = null as unknown as string
  const Switch = Schema.Struct({ state: Schema.Literals(["on", "off", nothing]), cleared: Schema.Literal(nothing) })
  const Toggle = McpServer.tool({
    name: "toggle",
    parameters: Switch,
    success: Switch,
    handler: ({ state }) => Effect.succeed({ state, cleared: nothing })
  })

  it("a null literal is of type null, in arguments and results", () => {
    for (const advertised of [JsonSchema.toolInputSchema(Switch), JsonSchema.toolOutputSchema(Switch)]) {
      const outcome = judge(Switch, advertised)
      // Fails before: `{ type: "object", enum: [null] }` (Effect types a literal by its `typeof`),
      // which refused null, the one value it names.
      for (const state of ["on", "off", null, "x", 1, {}]) {
        for (const cleared of [null, {}, "null"]) {
          const value = { state, cleared }
          const { decoded, valid } = outcome(value)
          assert.strictEqual(valid, decoded, JSON.stringify(value))
        }
      }
    }
  })

  for (const way of fourWays) {
    it.live(`${way.name}: a result holding a null literal is one the clients accept`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(Toggle)
        yield* Effect.promise(() => client.listTools())
        // Fails before: the clients refused the result (null is not of type "object").
        const result = yield* Effect.promise(() => client.callTool("toggle", { state: null, cleared: null }))
        assert.deepStrictEqual(result.structuredContent, { state: null, cleared: null })
      }), 30_000)
  }
})
