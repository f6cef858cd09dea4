import { assert, describe, it } from "@effect/vitest"
import * as JsonRpc from "../../src/protocol/JsonRpc.ts"
import { answerText } from "../../src/protocol/internal/identityMeta.ts"
import { projectResult } from "../../src/protocol/versions/Projection.ts"

const invalid = (value: unknown) => {
  const kind = JsonRpc.classify(value)
  assert.instanceOf(kind, JsonRpc.InvalidMessage)
  return kind as JsonRpc.InvalidMessage
}

describe("JsonRpc.classify", () => {
  it("classifies valid messages without copying them", () => {
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: 1, method: "ping" }), JsonRpc.Kind.Request)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: "a", method: "x", params: {} }), JsonRpc.Kind.Request)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", method: "notifications/initialized" }), JsonRpc.Kind.Notification)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: 3, result: {} }), JsonRpc.Kind.Response)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: 3, error: { code: 1, message: "m" } }), JsonRpc.Kind.Response)
  })

  it("rejects what is not a JSON-RPC message, with the id when it is readable", () => {
    for (const value of [1, "x", null, true]) {
      const error = invalid(value)
      assert.strictEqual(error.error.code, -32600)
      assert.isUndefined(error.id)
    }
    assert.include(invalid([{ jsonrpc: "2.0", id: 1, method: "ping" }]).error.message, "batches")
    const wrongVersion = invalid({ jsonrpc: "1.0", id: 7, method: "ping" })
    assert.deepStrictEqual([wrongVersion.id, wrongVersion.error.code], [7, -32600])
    const badMethod = invalid({ jsonrpc: "2.0", id: 8, method: 42 })
    assert.deepStrictEqual([badMethod.id, badMethod.error.code], [8, -32600])
    for (const id of [null, 1.5, {}, true]) {
      const error = invalid({ jsonrpc: "2.0", id, method: "ping" })
      assert.deepStrictEqual([error.id, error.error.code], [undefined, -32600])
    }
    const positional = invalid({ jsonrpc: "2.0", id: 9, method: "ping", params: [1] })
    assert.deepStrictEqual([positional.id, positional.error.code], [9, -32602])
    assert.strictEqual(invalid({ jsonrpc: "2.0", id: 1 }).error.code, -32600)
  })

  it("does not answer broken responses", () => {
    assert.isFalse(invalid({ jsonrpc: "2.0", id: {}, result: {} }).answer)
  })

  it("takes an error response without an id (MCP's form) as a response; an id-less result is invalid, never answered", () => {
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" } }), JsonRpc.Kind.Response)
    const result = invalid({ jsonrpc: "2.0", result: {} })
    assert.deepStrictEqual([result.id, result.error.code, result.answer], [undefined, -32600, false])
    assert.isFalse(invalid({ jsonrpc: "2.0", result: {}, error: { code: 1, message: "m" } }).answer)
  })
})

describe("JsonRpc.stringify of a 2026-07-28 answer carrying the server's identity", () => {
  const serverInfo = { name: "s", version: "1.0.0", title: "S \"quoted\" ü" }
  const key = "io.modelcontextprotocol/serverInfo"
  const sent = (result: object, id: JsonRpc.RequestId = 7) =>
    JsonRpc.stringify(JsonRpc.success(id, projectResult("tools/call", result, "2026-07-28", serverInfo)))!

  it("is the bytes JSON.stringify writes of the answer, the identity in _meta, the result's own _meta entries kept", () => {
    const plain = sent({ content: [{ type: "text", text: "hi" }] })
    assert.strictEqual(
      plain,
      JSON.stringify({ jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "hi" }], resultType: "complete", _meta: { [key]: serverInfo } } })
    )
    assert.strictEqual(sent({ content: [] }, "a\"b"), JSON.stringify({ jsonrpc: "2.0", id: "a\"b", result: { content: [], resultType: "complete", _meta: { [key]: serverInfo } } }))
    // A result of no member but what the projection adds, and one with its own `resultType`.
    assert.deepStrictEqual(JSON.parse(sent({})), { jsonrpc: "2.0", id: 7, result: { resultType: "complete", _meta: { [key]: serverInfo } } })
    assert.deepStrictEqual(JSON.parse(sent({ resultType: "complete", content: [] })), {
      jsonrpc: "2.0",
      id: 7,
      result: { resultType: "complete", content: [], _meta: { [key]: serverInfo } }
    })
    // The handler's own `_meta`: its entries and the identity; its own identity wins.
    assert.deepStrictEqual(JSON.parse(sent({ content: [], _meta: { "x.dev/trace": "t1" } })).result._meta, { "x.dev/trace": "t1", [key]: serverInfo })
    assert.deepStrictEqual(JSON.parse(sent({ content: [], _meta: { [key]: { name: "mine", version: "2" } } })).result._meta, {
      [key]: { name: "mine", version: "2" }
    })
  })

  it("leaves the result as it was, and serialises any other result as it is", () => {
    const projected = projectResult("tools/call", { content: [] }, "2026-07-28", serverInfo) as Record<string, unknown>
    const meta = projected["_meta"]
    const text = JsonRpc.stringify(JsonRpc.success(1, projected))!
    assert.strictEqual(answerText(JsonRpc.success(1, projected)), text, "written with the identity's text made once")
    assert.strictEqual(projected["_meta"], meta, "its _meta back in place")
    assert.deepStrictEqual(Object.keys(projected), ["content", "resultType", "_meta"])
    // Frozen (its `_meta` cannot be set aside), or saying how it serialises itself: as it is.
    assert.strictEqual(JsonRpc.stringify(JsonRpc.success(1, Object.freeze({ ...projected }))), text)
    assert.isUndefined(answerText(JsonRpc.success(1, Object.freeze({ ...projected }))))
    const custom = { ...projected, toJSON: () => ({ mine: true }) }
    assert.strictEqual(JsonRpc.stringify(JsonRpc.success(1, custom)), `{"jsonrpc":"2.0","id":1,"result":{"mine":true}}`)
    // A result JSON cannot hold is the -32603 it was, its `_meta` in place.
    const big: Record<string, unknown> = { ...projected, content: [{ type: "text", text: 1n }] }
    const failed = JSON.parse(JsonRpc.stringify(JsonRpc.success(1, big))!)
    assert.deepStrictEqual([failed.id, failed.error.code], [1, -32603])
    assert.strictEqual(big["_meta"], meta)
  })
})

describe("The identity _meta of two servers in one process, answering in turn", () => {
  const key = "io.modelcontextprotocol/serverInfo"
  const metaOf = (serverInfo: { name: string; version: string }) =>
    (projectResult("tools/call", { content: [] }, "2026-07-28", serverInfo) as Record<string, unknown>)["_meta"] as Record<string, unknown>

  // Fails before: one identity was kept (the last asked), so each server's turn made its identity
  // anew (a serialisation, a parse and a deep freeze per answer), as its serverInfo was then, and
  // the other server's answers were serialised whole.
  it("each server's identity is made once, as its serverInfo was first, and its answers are written with its text", () => {
    const a = { name: "a", version: "1.0.0" }
    const b = { name: "b", version: "2.0.0" }
    const first = metaOf(a)
    assert.strictEqual(metaOf(b)[key] !== undefined, true)
    a.name = "renamed"
    for (let turn = 0; turn < 3; turn++) {
      assert.strictEqual(metaOf(a), first, `turn ${turn}: a's identity is the one made first`)
      assert.deepStrictEqual(metaOf(b)[key], { name: "b", version: "2.0.0" })
    }
    assert.deepStrictEqual(first[key], { name: "a", version: "1.0.0" })
    // a's answer, b's identity made last: written with a's text, the bytes JSON.stringify writes.
    const projected = projectResult("tools/call", { content: [] }, "2026-07-28", a) as Record<string, unknown>
    metaOf(b)
    const message = JsonRpc.success(3, projected)
    assert.strictEqual(answerText(message), JSON.stringify(message))
    assert.strictEqual(JsonRpc.stringify(message), JSON.stringify(message))
  })
})

describe("JsonRpc.stringify of 2026-07-28 answers, against JSON.stringify (differential)", () => {
  // A seeded generator (mulberry32): the same results on every run, a failure reproducible.
  const generator = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const serverInfo = { name: "diff", version: "0.0.1", title: "D \"q\" \u00fc\n" }
  const key = "io.modelcontextprotocol/serverInfo"
  const keys = ["content", "isError", "structuredContent", "a\"b", "line\nbreak", "\u2028", "ü", "__proto__", "0", "10", "resultType", "x"]

  const make = (random: () => number) => {
    const pick = <A>(values: ReadonlyArray<A>): A => values[Math.floor(random() * values.length)]!
    const value = (depth: number): unknown => {
      switch (Math.floor(random() * (depth > 2 ? 5 : 9))) {
        case 0: return "s\"\\\u0001é"
        case 1: return Math.floor(random() * 1000) - 500
        case 2: return undefined
        case 3: return null
        case 4: return random() < 0.5
        case 5: return [value(depth + 1), value(depth + 1)]
        case 6: return new Date(0) // toJSON deep inside
        case 7: {
          const made = value(depth + 1)
          return { toJSON: () => ({ made }) }
        }
        default: return object(depth + 1)
      }
    }
    const object = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {}
      const count = Math.floor(random() * 4)
      for (let i = 0; i < count; i++) {
        // `__proto__` as an own key, as JSON.parse makes it.
        Object.defineProperty(out, pick(keys), { value: value(depth), enumerable: true, writable: true, configurable: true })
      }
      return out
    }
    const result = object(0)
    delete result["resultType"]
    // The result's own `_meta`: absent, `undefined` (in place), not an object, an object of its own.
    const metaAt = random() < 0.5 ? "start" : "end"
    const metas: ReadonlyArray<() => unknown> = [
      () => undefined,
      () => null,
      () => [1],
      () => "m",
      () => ({ "x.dev/trace": "t" }),
      () => ({ [key]: { name: "own", version: "9" } })
    ]
    const shape = Math.floor(random() * (metas.length + 1))
    if (shape === metas.length) return result
    const meta = metas[shape]!()
    return metaAt === "start" ? { _meta: meta, ...result } : { ...result, _meta: meta }
  }

  it("writes the bytes JSON.stringify writes, and leaves each result as it was (1,000 seeded results)", () => {
    const random = generator(37)
    for (let i = 0; i < 1000; i++) {
      const result = make(random)
      const projected = projectResult("tools/call", result, "2026-07-28", serverInfo) as Record<string, unknown>
      const before = Object.keys(projected)
      const meta = projected["_meta"]
      const message = JsonRpc.success(i % 2 === 0 ? i : `r-${i}`, projected)
      const expected = JSON.stringify(message)
      assert.strictEqual(JsonRpc.stringify(message), expected, `result ${i}: ${expected}`)
      assert.deepStrictEqual(Object.keys(projected), before, `result ${i}: its keys`)
      assert.strictEqual(projected["_meta"], meta, `result ${i}: its _meta`)
      // A batch's answer is its members' texts.
      assert.strictEqual(JsonRpc.stringify([message, message] as unknown as JsonRpc.Outgoing), `[${expected},${expected}]`)
    }
  })
})

describe("JsonRpc.stringify of a result around the shared identity _meta, inherited or not enumerable", () => {
  it("writes what JSON.stringify writes (no _meta), and leaves the result as it was", () => {
    const serverInfo = { name: "again", version: "1" }
    // The shared, frozen identity as an in-memory client gets it in an answer, in a result a
    // handler made around it (a proxy of a server of the same identity), where JSON does not see it.
    const shared = (projectResult("tools/call", { content: [] }, "2026-07-28", serverInfo) as Record<string, unknown>)["_meta"]
    const inherited = Object.create({ _meta: shared }) as Record<string, unknown>
    inherited["content"] = []
    inherited["resultType"] = "complete"
    const hidden: Record<string, unknown> = { content: [], resultType: "complete" }
    Object.defineProperty(hidden, "_meta", { value: shared, enumerable: false, writable: true, configurable: true })
    for (const result of [inherited, hidden]) {
      for (const version of ["2026-07-28", "2025-11-25"] as const) {
        const message = JsonRpc.success(1, projectResult("tools/call", result, version, serverInfo))
        assert.strictEqual(JsonRpc.stringify(message), JSON.stringify(message), version)
        assert.notInclude(JsonRpc.stringify(message), "_meta", version)
      }
    }
    assert.isFalse(Object.hasOwn(inherited, "_meta"), "an inherited _meta stays inherited")
    assert.isFalse(Object.prototype.propertyIsEnumerable.call(hidden, "_meta"))
  })
})
