import { assert, describe, it } from "@effect/vitest"
import * as ParamHeaders from "../../src/protocol/ParamHeaders.ts"

const schema = {
  type: "object",
  properties: {
    region: { type: "string", "x-mcp-header": "Region" },
    shard: { type: "integer", "x-mcp-header": "Shard" },
    ratio: { type: "number", "x-mcp-header": "Ratio" },
    bad: { type: "string", "x-mcp-header": "Not A Token" },
    nested: { type: "object", properties: { tenant: { type: "string", "x-mcp-header": "Tenant" } } },
    plain: { type: "string" }
  }
}

describe("ParamHeaders (SEP-2243 Mcp-Param-*)", () => {
  it("finds string, integer and boolean properties with a token name, through properties chains", () => {
    assert.deepStrictEqual(ParamHeaders.paramHeadersOf(schema), [
      { path: ["region"], header: "mcp-param-region" },
      { path: ["shard"], header: "mcp-param-shard" },
      { path: ["nested", "tenant"], header: "mcp-param-tenant" }
    ])
  })

  it("declarationProblem: what makes x-mcp-header declarations invalid (clients leave such a tool out), the first found", () => {
    const of = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      ParamHeaders.declarationProblem({ type: "object", properties, ...extra })
    // Valid: string, integer and boolean properties, at any depth through properties.
    assert.isUndefined(of({ region: { type: "string", "x-mcp-header": "Region" }, n: { type: "integer", "x-mcp-header": "N" } }))
    assert.isUndefined(of({ a: { type: "object", properties: { b: { type: "boolean", "x-mcp-header": "B" } } } }))
    assert.isUndefined(of({ plain: { type: "string" } }))
    assert.isUndefined(ParamHeaders.declarationProblem({ type: "object" }))
    const cases: ReadonlyArray<readonly [Record<string, unknown>, Record<string, unknown>, string]> = [
      [{ bad: { type: "string", "x-mcp-header": "Not A Token" } }, {}, `/properties/bad: x-mcp-header "Not A Token" is not an HTTP header name`],
      [{ bad: { type: "string", "x-mcp-header": "" } }, {}, "/properties/bad: x-mcp-header must be a non-empty string"],
      [{ bad: { type: "string", "x-mcp-header": 5 } }, {}, "/properties/bad: x-mcp-header must be a non-empty string"],
      [{ ratio: { type: "number", "x-mcp-header": "Ratio" } }, {}, `/properties/ratio: x-mcp-header is allowed only on a property of type "string", "integer" or "boolean", not "number"`],
      [{ note: { type: ["string", "null"], "x-mcp-header": "Note" } }, {}, `not ["string","null"]`],
      [{ any: { "x-mcp-header": "Any" } }, {}, "not one without a type"],
      [{ a: { type: "string", "x-mcp-header": "Dup" }, b: { type: "string", "x-mcp-header": "dup" } }, {}, `/properties/b: x-mcp-header "dup" is declared twice, ignoring case (also as "Dup")`],
      [{ list: { type: "array", items: { type: "string", "x-mcp-header": "Item" } } }, {}, `/properties/list/items: x-mcp-header is allowed only on a property reached from the root through "properties" alone`],
      [{ either: { anyOf: [{ type: "object", properties: { x: { type: "string", "x-mcp-header": "X" } } }] } }, {}, "/properties/either/anyOf/0/properties/x: x-mcp-header is allowed only"],
      [{}, { $defs: { d: { type: "string", "x-mcp-header": "D" } } }, "/$defs/d: x-mcp-header is allowed only"],
      [{}, { "x-mcp-header": "Root" }, "the root: x-mcp-header is allowed only"]
    ]
    for (const [properties, extra, problem] of cases) {
      assert.include(of(properties, extra), problem, JSON.stringify(properties))
    }
    // A cycle (a schema built in code) ends.
    const cyclic: Record<string, unknown> = { type: "object" }
    cyclic["properties"] = { self: cyclic }
    assert.isUndefined(ParamHeaders.declarationProblem(cyclic))
  })

  it("a declaration nested 40 properties deep is found and checked (was ignored past 16 levels, though clients mirror it at any depth)", () => {
    let schema: Record<string, unknown> = { type: "string", "x-mcp-header": "Deep" }
    let args: unknown = "v"
    const path: Array<string> = []
    for (let level = 39; level >= 0; level--) {
      schema = { type: "object", properties: { [`p${level}`]: schema } }
      args = { [`p${level}`]: args }
      path.unshift(`p${level}`)
    }
    const headers = ParamHeaders.paramHeadersOf(schema)
    assert.deepStrictEqual(headers, [{ path, header: "mcp-param-deep" }])
    assert.include(ParamHeaders.check(headers, args, { "mcp-param-deep": "other" })!, "does not match")
    assert.isUndefined(ParamHeaders.check(headers, args, { "mcp-param-deep": "v" }))
    assert.isUndefined(ParamHeaders.declarationProblem(schema))
  })

  it("decodes the base64 sentinel strictly; other values are literal", () => {
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?base64?SGVsbG8=?="), "Hello")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?base64?w6lsw6g=?="), "élè")
    assert.isUndefined(ParamHeaders.decodeHeaderValue("=?base64?SGVsbG8?="), "bad padding")
    assert.isUndefined(ParamHeaders.decodeHeaderValue("=?base64?SGVs!!!bG8=?="), "non-alphabet")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("SGVsbG8=?="), "SGVsbG8=?=")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?base64?SGVsbG8="), "=?base64?SGVsbG8=")
  })

  it("a plain value is itself; at the edges of that fast path, the general rules decide", () => {
    for (const value of ["echo", "", "=", "=x", "a\tb", "test://a b/~", "?=", "x=?base64?SGVsbG8=?="]) {
      assert.strictEqual(ParamHeaders.decodeHeaderValue(value), value, JSON.stringify(value))
    }
    // Optional whitespace around the sentinel: trimmed, then decoded.
    assert.strictEqual(ParamHeaders.decodeHeaderValue(" =?base64?SGVsbG8=?=\t"), "Hello")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?"), "=?")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?base64??="), "")
    // 0xA0 at an end is not optional whitespace; DEL and other controls are not printable.
    assert.isUndefined(ParamHeaders.decodeHeaderValue("\u00a0echo"))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("echo\u00a0"))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("ech\u007f"))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("\u0000"))
  })

  it("refuses a base64 form whose bytes are not UTF-8 (was decoded with U+FFFD in their place, and matched an argument holding U+FFFD)", () => {
    // 0xFF, and a lone continuation byte: never UTF-8; an intermediary decoding them strictly sees no value.
    assert.isUndefined(ParamHeaders.decodeHeaderValue("=?base64?/w==?="))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("=?base64?gA==?="))
    // A truncated sequence (the first two bytes of "€").
    assert.isUndefined(ParamHeaders.decodeHeaderValue("=?base64?4oI=?="))
    const headers = ParamHeaders.paramHeadersOf(schema)
    assert.include(ParamHeaders.check(headers, { region: "\ufffd" }, { "mcp-param-region": "=?base64?/w==?=" })!, "invalid value")
    // UTF-8 decodes as it is, a byte order mark kept (it is part of the value the client encoded).
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?base64?4oKs?="), "\u20ac")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("=?base64?77u/YQ==?="), "\ufeffa")
  })

  it("refuses raw characters outside printable ASCII and tab (they must travel base64-encoded)", () => {
    // Node reads header bytes as Latin-1: the byte 0xE9 arrives as "é", the UTF-8 bytes of "é" as "Ã©".
    assert.isUndefined(ParamHeaders.decodeHeaderValue("\u00e9"))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("\u00c3\u00a9"))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("a\u000bb"))
    assert.isUndefined(ParamHeaders.decodeHeaderValue("a\u007fb"))
    // A tab inside a value is an RFC 9110 field value's (SEP-2243's value encoding names it): the
    // SDK v2 client sends it as it is. Around a value it is optional whitespace.
    assert.strictEqual(ParamHeaders.decodeHeaderValue("a\tb"), "a\tb")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("\ta\tb "), "a\tb")
    assert.strictEqual(ParamHeaders.decodeHeaderValue("a b ~"), "a b ~")
    const headers = ParamHeaders.paramHeadersOf(schema)
    assert.include(ParamHeaders.check(headers, { region: "\u00e9" }, { "mcp-param-region": "\u00e9" })!, "invalid value")
    assert.isUndefined(ParamHeaders.check(headers, { region: "\u00e9" }, { "mcp-param-region": "=?base64?w6k=?=" }))
  })

  it("checks headers against the arguments: agree, missing, different, invalid; integers numerically", () => {
    const headers = ParamHeaders.paramHeadersOf(schema)
    const args = { region: "Hello", shard: 7, nested: { tenant: "acme" } }
    const good = { "mcp-param-region": "=?base64?SGVsbG8=?=", "mcp-param-shard": "007", "mcp-param-tenant": " acme " }
    assert.isUndefined(ParamHeaders.check(headers, args, good))
    assert.include(ParamHeaders.check(headers, args, { ...good, "mcp-param-region": undefined })!, "missing")
    assert.include(ParamHeaders.check(headers, args, { ...good, "mcp-param-shard": "8" })!, "does not match")
    assert.include(ParamHeaders.check(headers, args, { ...good, "mcp-param-region": "=?base64?SGVsbG8?=" })!, "base64")
    // integers compare numerically, but only written as decimal numbers
    for (const loose of ["0x7", "", " ", "7 apples", "Infinity"]) {
      assert.include(ParamHeaders.check(headers, args, { ...good, "mcp-param-shard": loose })!, "does not match", loose)
    }
    assert.isUndefined(ParamHeaders.check(headers, args, { ...good, "mcp-param-shard": "7.0" }))
    // an absent or null argument needs no header
    assert.isUndefined(ParamHeaders.check(headers, { region: null }, {}))
  })

  it("an integer outside the safe range needs no header (clients cannot mirror it: the SDK v2 client sends none), but one sent still compares", () => {
    const headers = ParamHeaders.paramHeadersOf(schema)
    for (const shard of [2 ** 53, -(2 ** 60), 1e300]) {
      // Fails before: "mcp-param-shard is missing".
      assert.isUndefined(ParamHeaders.check(headers, { shard }, {}), String(shard))
      assert.include(ParamHeaders.check(headers, { shard }, { "mcp-param-shard": "7" })!, "does not match", String(shard))
    }
    assert.isUndefined(ParamHeaders.check(headers, { shard: 2 ** 53 }, { "mcp-param-shard": "9007199254740992" }))
    // The safe range's ends, and a fraction (which the client mirrors), still need it.
    for (const shard of [2 ** 53 - 1, -(2 ** 53 - 1), 7.5]) {
      assert.include(ParamHeaders.check(headers, { shard }, {})!, "missing", String(shard))
    }
  })

  it("an argument that is not a string, number or boolean is left to the tool's validation, never thrown on (was: a stack overflow nested 5,000 deep)", () => {
    const headers = ParamHeaders.paramHeadersOf(schema)
    // Built by hand: nested this deep, JSON.parse of text is how a request brings it.
    const deep = JSON.parse(`${"[".repeat(5_000)}1${"]".repeat(5_000)}`)
    for (const region of [deep, { a: 1 }, [1]]) {
      for (const header of ["1", "[object Object]", undefined]) {
        assert.isUndefined(ParamHeaders.check(headers, { region }, { "mcp-param-region": header }), String(header))
      }
    }
  })
})
