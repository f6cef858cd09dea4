import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as JsonSchema from "../../src/server/JsonSchema.ts"

interface Category {
  readonly name: string
  readonly children: ReadonlyArray<Category>
}
const Category = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Codec<Category> => Category))
}).annotate({ identifier: "Category" })

const CategoryJson = {
  type: "object",
  properties: {
    name: { type: "string" },
    children: { type: "array", items: { $ref: "#/$defs/Category" } }
  },
  required: ["name", "children"]
}

const titled = <const Values extends ReadonlyArray<readonly [string, string]>>(values: Values) =>
  Schema.Union(values.map(([value, title]) => Schema.Literal(value).annotate({ title })))

describe("JsonSchema.toolInputSchema", () => {
  it("emits plain types for String, Int, Finite, Number and Boolean", () => {
    const schema = Schema.Struct({
      name: Schema.String,
      count: Schema.Int,
      ratio: Schema.Finite,
      amount: Schema.Number,
      enabled: Schema.Boolean
    })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: {
        name: { type: "string" },
        count: { type: "integer" },
        ratio: { type: "number" },
        amount: { type: "number" },
        enabled: { type: "boolean" }
      },
      required: ["name", "count", "ratio", "amount", "enabled"]
    })
  })

  it("leaves optional fields out of required without making them nullable; NullOr stays nullable", () => {
    const schema = Schema.Struct({
      a: Schema.optionalKey(Schema.String),
      b: Schema.optional(Schema.String),
      c: Schema.optional(Schema.Number),
      d: Schema.optional(Schema.Int).annotate({ description: "the d" }),
      e: Schema.NullOr(Schema.String),
      f: Schema.optional(Schema.NullOr(Schema.String))
    })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: {
        a: { type: "string" },
        b: { type: "string" },
        c: { type: "number" },
        d: { type: "integer", description: "the d" },
        e: { anyOf: [{ type: "string" }, { type: "null" }] },
        f: { anyOf: [{ type: "string" }, { type: "null" }] }
      },
      required: ["e"]
    })
  })

  it("keeps title, description, default and examples annotations", () => {
    const schema = Schema.Struct({
      city: Schema.String.annotate({ title: "City", description: "Where", default: "Paris", examples: ["Oslo"] }),
      days: Schema.Number.annotate({ description: "How many days" }),
      unit: Schema.optionalKey(Schema.Literals(["c", "f"]).annotate({ description: "Unit" }))
    }).annotate({ title: "Forecast", description: "Forecast arguments" })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      title: "Forecast",
      description: "Forecast arguments",
      properties: {
        city: { type: "string", title: "City", description: "Where", default: "Paris", examples: ["Oslo"] },
        days: { type: "number", description: "How many days" },
        unit: { type: "string", enum: ["c", "f"], description: "Unit" }
      },
      required: ["city", "days"]
    })
  })

  it("turns checks into JSON Schema keywords", () => {
    const schema = Schema.Struct({
      code: Schema.String.check(Schema.isMinLength(3), Schema.isMaxLength(8)),
      tag: Schema.String.check(Schema.isBetweenLength(2, 4)),
      slug: Schema.String.check(Schema.isPattern(/^[a-z]+$/)),
      page: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 })),
      small: Schema.Int.check(Schema.isInt32()),
      price: Schema.Number.check(Schema.isGreaterThan(0)),
      share: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)),
      tags: Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isMaxLength(5))
    })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: {
        code: { type: "string", minLength: 3, maxLength: 8 },
        tag: { type: "string", minLength: 2, maxLength: 4 },
        slug: { type: "string", pattern: "^[a-z]+$" },
        page: { type: "integer", minimum: 1, maximum: 100 },
        small: { type: "integer", minimum: -2147483648, maximum: 2147483647 },
        price: { type: "number", exclusiveMinimum: 0 },
        share: { type: "number", minimum: 0, exclusiveMaximum: 1 },
        tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 5 }
      },
      required: ["code", "tag", "slug", "page", "small", "price", "share", "tags"]
    })
  })

  it("gives patterns clients compile as Unicode RegExps: needless escapes dropped, or no pattern", () => {
    const schema = Schema.Struct({
      // biome-ignore lint/complexity/noUselessEscapeInRegex: the needless escape is what is tested
      phone: Schema.String.check(Schema.isPattern(/^\d{3}\-\d{4}$/)),
      // biome-ignore lint/complexity/noUselessEscapeInRegex: the needless escape is what is tested
      range: Schema.String.check(Schema.isPattern(/^[a\-z\.\]]+\@\'x\/$/)),
      // biome-ignore lint/complexity/noUselessEscapeInRegex: the needless escape is what is tested
      sticky: Schema.String.check(Schema.isPattern(/a\-b/y)),
      // `a{` is a literal brace without the `u` flag, a syntax error with it: no pattern.
      brace: Schema.String.check(Schema.isPattern(/^a{$/)),
      unicode: Schema.String.check(Schema.isPattern(/^\p{L}+$/u))
    })
    const { unicode, ...rest } = JsonSchema.toolInputSchema(schema).properties as any
    // Digits are `[0-9]` (Python's `re` reads `\\d` as any Unicode digit).
    assert.deepStrictEqual(rest, {
      phone: { type: "string", pattern: "^[0-9]{3}-[0-9]{4}$" },
      range: { type: "string", pattern: "^[a\\-z\\.\\]]+@'x\\/$" },
      sticky: { type: "string", pattern: "^(?:a-b)" },
      brace: { type: "string" }
    })
    // `\\p{L}` is written as the letters it matches: Python's `re` refuses `\\p`.
    assert.notInclude(unicode.pattern, "\\p")
    assert.isTrue(new RegExp(unicode.pattern, "u").test("Émile"))
    assert.isFalse(new RegExp(unicode.pattern, "u").test("a1"))
    const source = (JsonSchema.toolInputSchema(schema) as any).properties
    for (const name of ["phone", "range", "sticky", "unicode"]) assert.doesNotThrow(() => new RegExp(source[name].pattern, "u"))
    assert.isTrue(new RegExp(source.phone.pattern, "u").test("123-4567"))
    assert.isTrue(new RegExp(source.range.pattern, "u").test("a-z.]@'x/"))
  })

  it("gives a pattern that means what the RegExp without the u flag does, or none", () => {
    // Without `u`, `\p` and `\u` not followed by four hex digits are the letters themselves: with
    // it, `\p{L}` is any letter and `\u{3}` is U+0003. Before, both were kept as they were.
    // (Sources as strings: TypeScript and biome read regular expression literals as if with `u`.)
    const cases: ReadonlyArray<readonly [string, string | undefined, ReadonlyArray<string>]> = [
      [String.raw`^[\p{L}]+$`, "^[p{L}]+$", ["p{L}", "a", "é"]],
      [String.raw`^\u{3}$`, "^u{3}$", ["uuu", "\u0003", "u"]],
      [String.raw`^\x4g\e$`, "^x4ge$", ["x4ge", "\u0004ge"]],
      [String.raw`^\k<a>$`, "^k<a>$", ["k<a>", "k"]],
      // A named group is a plain one, its backreference by number; `\cA` is `\u0001` (Python's `re`
      // reads none of `(?<a>`, `\k<a>`, `\cA`).
      [String.raw`^(?<a>x)\k<a>$`, String.raw`^(x)(?:\1)$`, ["xx", "xk<a>"]],
      [String.raw`^\cA\u0041$`, String.raw`^\u0001\u0041$`, ["\u0001A", "cA"]],
      // `{L}` with `u` is a syntax error; `\c1` is a backslash, a c and a 1 without it.
      [String.raw`^\p{L}$`, undefined, []],
      [String.raw`^\c1$`, undefined, []],
      // Characters outside the BMP are two code units without `u`, one with it.
      ["^😀+$", undefined, []],
      [String.raw`^\uD83D\uDE00$`, undefined, []]
    ]
    for (const [source, expected, samples] of cases) {
      const regExp = new RegExp(source)
      const schema = Schema.Struct({ s: Schema.String.check(Schema.isPattern(regExp)) })
      const pattern = (JsonSchema.toolInputSchema(schema) as any).properties.s.pattern
      assert.strictEqual(pattern, expected, source)
      if (pattern === undefined) continue
      const unicode = new RegExp(pattern, "u")
      for (const sample of samples) assert.strictEqual(unicode.test(sample), regExp.test(sample), `${source} on ${sample}`)
    }
  })

  it("applies the same rules inside declarations (Option, ReadonlyMap)", () => {
    // Fails before: inside them, an optional field was nullable (`anyOf: [{ type: "string" }, { type:
    // "null" }]`) and an Int had the ±Number.MAX_SAFE_INTEGER bounds.
    const Inner = Schema.Struct({ note: Schema.optional(Schema.String), count: Schema.Int })
    const inner = { type: "object", properties: { note: { type: "string" }, count: { type: "integer" } }, required: ["count"] }
    const schema = Schema.Struct({ maybe: Schema.Option(Inner), byName: Schema.ReadonlyMap(Schema.String, Inner) })
    const properties = (JsonSchema.toolInputSchema(schema) as any).properties
    assert.deepStrictEqual(properties.maybe.anyOf[0].properties.value, inner)
    assert.deepStrictEqual(properties.byName, {
      type: "array",
      items: { type: "array", prefixItems: [{ type: "string" }, inner], maxItems: 2, minItems: 2 }
    })
    // In an output schema an array's optional element stays nullable there too (it is sent as null).
    const output = Schema.Struct({ maybe: Schema.Option(Schema.Array(Schema.optional(Schema.Number))) })
    assert.deepStrictEqual((JsonSchema.toolOutputSchema(output) as any).properties.maybe.anyOf[0].properties.value, {
      type: "array",
      items: { anyOf: [{ type: "number" }, { type: "null" }] }
    })
  })

  it("emits Literals as a string enum, nested structs inline and arrays with items", () => {
    const schema = Schema.Struct({
      status: Schema.Literals(["open", "closed"]),
      address: Schema.Struct({ street: Schema.String, zip: Schema.optionalKey(Schema.String) }),
      scores: Schema.Array(Schema.Number),
      points: Schema.Array(Schema.Struct({ x: Schema.Finite, y: Schema.Finite }))
    })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: {
        status: { type: "string", enum: ["open", "closed"] },
        address: {
          type: "object",
          properties: { street: { type: "string" }, zip: { type: "string" } },
          required: ["street"]
        },
        scores: { type: "array", items: { type: "number" } },
        points: {
          type: "array",
          items: { type: "object", properties: { x: { type: "number" }, y: { type: "number" } }, required: ["x", "y"] }
        }
      },
      required: ["status", "address", "scores", "points"]
    })
  })

  it("puts recursive and identified schemas under $defs, referenced as #/$defs/Name", () => {
    const Name = Schema.String.annotate({ identifier: "Name" })
    const schema = Schema.Struct({ root: Category, owner: Name })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: { root: { $ref: "#/$defs/Category" }, owner: { $ref: "#/$defs/Name" } },
      required: ["root", "owner"],
      $defs: { Category: CategoryJson, Name: { type: "string" } }
    })
  })

  it("inlines a root that is a reference, keeping the definition only while it is referenced", () => {
    assert.deepStrictEqual(JsonSchema.toolInputSchema(Category), { ...CategoryJson, $defs: { Category: CategoryJson } })
    const Args = Schema.Struct({ q: Schema.String }).annotate({ identifier: "Args", description: "Search" })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(Args), {
      type: "object",
      properties: { q: { type: "string" } },
      required: ["q"],
      description: "Search"
    })
    class Point extends Schema.Class<Point>("Point")({ x: Schema.Finite, y: Schema.Finite }) {}
    assert.deepStrictEqual(JsonSchema.toolInputSchema(Point), {
      type: "object",
      properties: { x: { type: "number" }, y: { type: "number" } },
      required: ["x", "y"]
    })
  })

  it("advertises withDecodingDefault defaults in their JSON form, also in nested structs", () => {
    const schema = Schema.Struct({
      limit: Schema.Int.pipe(Schema.withDecodingDefault(Effect.succeed(10))),
      ratio: Schema.FiniteFromString.pipe(Schema.withDecodingDefaultType(Effect.succeed(0.5))),
      options: Schema.Struct({ verbose: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))) }),
      query: Schema.String
    })
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      properties: {
        limit: { type: "integer", default: 10 },
        ratio: { type: "string", pattern: (JsonSchema.fromSchema(Schema.FiniteFromString) as any).pattern, default: "0.5" },
        options: { type: "object", properties: { verbose: { type: "boolean", default: false } } },
        query: { type: "string" }
      },
      required: ["options", "query"]
    })
  })

  it("has no $schema key unless asked for", () => {
    const schema = Schema.Struct({ q: Schema.String })
    assert.isFalse("$schema" in JsonSchema.toolInputSchema(schema))
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema, { $schema: true }), {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { q: { type: "string" } },
      required: ["q"]
    })
  })

  it("gives an empty struct an object root, and a union of structs a root type object", () => {
    assert.deepStrictEqual(JsonSchema.toolInputSchema(Schema.Struct({})), { type: "object", properties: {} })
    const schema = Schema.Union([
      Schema.TaggedStruct("Add", { value: Schema.Finite }),
      Schema.TaggedStruct("Reset", {})
    ])
    assert.deepStrictEqual(JsonSchema.toolInputSchema(schema), {
      type: "object",
      anyOf: [
        {
          type: "object",
          properties: { _tag: { type: "string", enum: ["Add"] }, value: { type: "number" } },
          required: ["_tag", "value"]
        },
        { type: "object", properties: { _tag: { type: "string", enum: ["Reset"] } }, required: ["_tag"] }
      ]
    })
  })

  it("rejects a schema whose root is not an object", () => {
    assert.throws(() => JsonSchema.toolInputSchema(Schema.Array(Schema.String)), /toolInputSchema: .*"type": "object"/)
  })
})

describe("JsonSchema.toolOutputSchema", () => {
  it("accepts a struct", () => {
    const schema = Schema.Struct({ temperature: Schema.Number, conditions: Schema.optionalKey(Schema.String) })
    assert.deepStrictEqual(JsonSchema.toolOutputSchema(schema), {
      type: "object",
      properties: { temperature: { type: "number" }, conditions: { type: "string" } },
      required: ["temperature"]
    })
  })

  it("rejects a non-object root with a descriptive error", () => {
    const schemas = [Schema.String, Schema.Number, Schema.Array(Schema.Finite), Schema.NullOr(Schema.Struct({}))]
    for (const schema of schemas) {
      assert.throws(() => JsonSchema.toolOutputSchema(schema), /toolOutputSchema: MCP requires a tool's outputSchema/)
    }
  })

  it("with anyRoot (MCP 2026-07-28, SEP-2106): any root, an object root still typed as one", () => {
    const anyRoot = { anyRoot: true } as const
    assert.deepStrictEqual(JsonSchema.toolOutputSchema(Schema.String, anyRoot), { type: "string" })
    assert.deepStrictEqual(JsonSchema.toolOutputSchema(Schema.Array(Schema.Finite), anyRoot), { type: "array", items: { type: "number" } })
    assert.deepStrictEqual(JsonSchema.toolOutputSchema(Schema.Struct({}), anyRoot), { type: "object", properties: {} })
    assert.deepStrictEqual(
      JsonSchema.toolOutputSchema(Schema.Union([Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.String })]), anyRoot).type,
      "object"
    )
  })
})

describe("JsonSchema.fromSchema", () => {
  it("emits any schema, cleaned", () => {
    assert.deepStrictEqual(JsonSchema.fromSchema(Schema.Number), { type: "number" })
    assert.deepStrictEqual(JsonSchema.fromSchema(Schema.Int.annotate({ description: "n" })), {
      type: "integer",
      description: "n"
    })
    assert.deepStrictEqual(JsonSchema.fromSchema(Schema.Tuple([Schema.String, Schema.optional(Schema.Number)])), {
      type: "array",
      prefixItems: [{ type: "string" }, { type: "number" }],
      minItems: 1,
      maxItems: 2
    })
    assert.deepStrictEqual(JsonSchema.fromSchema(Schema.Array(Category)), {
      type: "array",
      items: { $ref: "#/$defs/Category" },
      $defs: { Category: CategoryJson }
    })
  })

  it("only cleans keywords, never property names", () => {
    const schema = Schema.Struct({ additionalProperties: Schema.Boolean, anyOf: Schema.optionalKey(Schema.String) })
    assert.deepStrictEqual(JsonSchema.fromSchema(schema), {
      type: "object",
      properties: { additionalProperties: { type: "boolean" }, anyOf: { type: "string" } },
      required: ["additionalProperties"]
    })
  })
})

describe("JsonSchema.elicitationSchema", () => {
  it("emits the primitive defaults form checked by MCP's conformance suite (SEP-1034)", () => {
    const schema = Schema.Struct({
      name: Schema.String.annotate({ default: "John Doe" }),
      age: Schema.Int.annotate({ default: 30 }),
      score: Schema.Number.annotate({ default: 95.5 }),
      status: Schema.Literals(["active", "inactive", "pending"]).annotate({ default: "active" }),
      verified: Schema.Boolean.annotate({ default: true })
    })
    assert.deepStrictEqual(JsonSchema.elicitationSchema(schema), {
      type: "object",
      properties: {
        name: { type: "string", default: "John Doe" },
        age: { type: "integer", default: 30 },
        score: { type: "number", default: 95.5 },
        status: { type: "string", enum: ["active", "inactive", "pending"], default: "active" },
        verified: { type: "boolean", default: true }
      },
      required: ["name", "age", "score", "status", "verified"]
    })
  })

  it("takes defaults from withDecodingDefault, leaving those fields optional", () => {
    const schema = Schema.Struct({
      name: Schema.String.pipe(Schema.withDecodingDefault(Effect.succeed("John Doe"))),
      age: Schema.Int.pipe(Schema.withDecodingDefaultKey(Effect.succeed(30))),
      status: Schema.Literals(["active", "inactive"]).pipe(
        Schema.withDecodingDefault(Effect.succeed("active" as const))
      ),
      email: Schema.String.annotate({ format: "email", title: "E-mail", description: "Where to write" })
    })
    assert.deepStrictEqual(JsonSchema.elicitationSchema(schema), {
      type: "object",
      properties: {
        name: { type: "string", default: "John Doe" },
        age: { type: "integer", default: 30 },
        status: { type: "string", enum: ["active", "inactive"], default: "active" },
        email: { type: "string", format: "email", title: "E-mail", description: "Where to write" }
      },
      required: ["email"]
    })
  })

  it("emits titled single-select, untitled multi-select and titled multi-select enums (SEP-1330)", () => {
    const schema = Schema.Struct({
      untitledSingle: Schema.Literals(["option1", "option2", "option3"]),
      titledSingle: titled([["value1", "First Option"], ["value2", "Second Option"]]).annotate({
        description: "Pick one",
        default: "value2"
      }),
      untitledMulti: Schema.Array(Schema.Literals(["option1", "option2", "option3"])).check(
        Schema.isMinLength(1),
        Schema.isMaxLength(2)
      ),
      titledMulti: Schema.optionalKey(
        Schema.Array(titled([["value1", "First Choice"], ["value2", "Second Choice"]])).annotate({
          default: ["value1"]
        })
      )
    })
    assert.deepStrictEqual(JsonSchema.elicitationSchema(schema), {
      type: "object",
      properties: {
        untitledSingle: { type: "string", enum: ["option1", "option2", "option3"] },
        titledSingle: {
          type: "string",
          oneOf: [{ const: "value1", title: "First Option" }, { const: "value2", title: "Second Option" }],
          description: "Pick one",
          default: "value2"
        },
        untitledMulti: {
          type: "array",
          items: { type: "string", enum: ["option1", "option2", "option3"] },
          minItems: 1,
          maxItems: 2
        },
        titledMulti: {
          type: "array",
          items: { anyOf: [{ const: "value1", title: "First Choice" }, { const: "value2", title: "Second Choice" }] },
          default: ["value1"]
        }
      },
      required: ["untitledSingle", "titledSingle", "untitledMulti"]
    })
  })

  it("keeps string lengths and number bounds, turning exclusive integer bounds inclusive", () => {
    const schema = Schema.Struct({
      code: Schema.String.check(Schema.isBetweenLength(2, 6)),
      count: Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(10)),
      ratio: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
    })
    assert.deepStrictEqual(JsonSchema.elicitationSchema(schema), {
      type: "object",
      properties: {
        code: { type: "string", minLength: 2, maxLength: 6 },
        count: { type: "integer", minimum: 1, maximum: 10 },
        ratio: { type: "number", minimum: 0, maximum: 1 }
      },
      required: ["code", "count", "ratio"]
    })
  })

  it("rejects nested objects", () => {
    const schema = Schema.Struct({ address: Schema.Struct({ street: Schema.String }) })
    assert.throws(() => JsonSchema.elicitationSchema(schema), /property "address" is a nested object/)
  })

  it("rejects what the restricted schema cannot express", () => {
    const cases: ReadonlyArray<readonly [Schema.Top, RegExp]> = [
      [Schema.String, /requires a flat object schema/],
      [Schema.Record(Schema.String, Schema.String), /requires a flat object/],
      [Schema.Struct({ a: Schema.Union([Schema.String, Schema.Finite]) }), /property "a" is not a primitive/],
      [Schema.Struct({ a: Schema.NullOr(Schema.String) }), /property "a" is not a primitive/],
      [Schema.Struct({ a: Schema.Literals([1, 2]) }), /property "a" uses "enum"/],
      [Schema.Struct({ a: Schema.String.check(Schema.isPattern(/^x+$/)) }), /property "a" uses "pattern"/],
      [Schema.Struct({ a: Schema.String.annotate({ format: "uuid" }) }), /property "a" has format "uuid"/],
      [Schema.Struct({ a: Schema.Finite.check(Schema.isGreaterThan(0)) }), /property "a" has an exclusive bound/],
      [Schema.Struct({ a: Schema.Array(Schema.String) }), /property "a" is an array whose items are not/],
      [Schema.Struct({ a: Schema.Literals(["x", "y"]).annotate({ default: "z" } as {}) }), /default \("z"\)/]
    ]
    for (const [schema, message] of cases) {
      assert.throws(() => JsonSchema.elicitationSchema(schema), message)
    }
  })
})

describe("JsonSchema.dereference", () => {
  it("inlines references, merging sibling keywords (theirs win) or, where both assert, as an allOf member", () => {
    const P = { type: "object", properties: { x: { type: "number", minimum: 0 } } }
    const schema = {
      type: "object",
      properties: {
        a: { $ref: "#/$defs/P" },
        b: { $ref: "#/$defs/P", description: "the end" },
        c: { $ref: "#/$defs/N", minimum: 1 },
        // a property named "$ref" is a name, not a reference
        d: { type: "object", properties: { $ref: { $ref: "#/$defs/N" } } }
      },
      $defs: { P, N: { type: "number", minimum: 0 } }
    }
    assert.deepStrictEqual(JsonSchema.dereference(schema), {
      type: "object",
      properties: {
        a: P,
        b: { ...P, description: "the end" },
        c: { minimum: 1, allOf: [{ type: "number", minimum: 0 }] },
        d: { type: "object", properties: { $ref: { type: "number", minimum: 0 } } }
      }
    })
  })

  it("keeps mutually recursive definitions (and other kinds of references) as they are", () => {
    const schema = {
      type: "object",
      properties: { a: { $ref: "#/$defs/A" }, s: { $ref: "#/$defs/S" }, self: { $ref: "#" }, far: { $ref: "other.json#/x" } },
      $defs: {
        A: { type: "object", properties: { b: { $ref: "#/$defs/B" }, s: { $ref: "#/$defs/S" } } },
        B: { type: "array", items: { $ref: "#/$defs/A" } },
        S: { type: "string" },
        Unused: { type: "null" }
      }
    }
    assert.deepStrictEqual(JsonSchema.dereference(schema), {
      type: "object",
      properties: { a: { $ref: "#/$defs/A" }, s: { type: "string" }, self: { $ref: "#" }, far: { $ref: "other.json#/x" } },
      $defs: {
        A: { type: "object", properties: { b: { $ref: "#/$defs/B" }, s: { type: "string" } } },
        B: { type: "array", items: { $ref: "#/$defs/A" } }
      }
    })
  })

  it("leaves a schema whose inlined form would be more than ten times its size as it is", () => {
    const $defs: Record<string, unknown> = { L0: { type: "string" } }
    for (let i = 1; i <= 9; i++) {
      $defs[`L${i}`] = { type: "object", properties: { a: { $ref: `#/$defs/L${i - 1}` }, b: { $ref: `#/$defs/L${i - 1}` } } }
    }
    const schema = { type: "object", properties: { top: { $ref: "#/$defs/L9" } }, $defs }
    assert.strictEqual(JsonSchema.dereference(schema), schema)
  })

  // Fails before: a reference where dereference does not inline (a keyword it does not walk: an
  // array `items`, `dependencies`) lost its definition, which was not recursive: `$ref` dangling,
  // "can't resolve reference" in ajv.
  it("keeps the definitions of references it leaves in place", () => {
    const schema = {
      type: "object",
      properties: {
        pair: { type: "array", items: [{ $ref: "#/$defs/S" }, { $ref: "#/$defs/S" }] },
        card: { type: "object", dependencies: { number: { $ref: "#/$defs/Billing" } } }
      },
      $defs: {
        S: { type: "string" },
        Billing: { type: "object", properties: { zip: { $ref: "#/$defs/S" } }, required: ["zip"] }
      }
    }
    const out = JsonSchema.dereference(schema) as { readonly $defs?: Record<string, unknown> }
    assert.deepStrictEqual(out.$defs, schema.$defs)
  })
})