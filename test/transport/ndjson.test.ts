import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { InvalidFrame } from "../../src/session/Connection.ts"
import { encodeBatch, NdjsonDecoder } from "../../src/transport/internal/ndjson.ts"

const bytes = (s: string) => new TextEncoder().encode(s)

describe("NdjsonDecoder", () => {
  it("frames lines across arbitrary chunk boundaries, including inside multi-byte characters", () => {
    const messages = [{ a: "é" }, { b: "😀 emoji" }, { c: [1, 2, 3] }, { d: "plain" }]
    const all = bytes(messages.map((m) => JSON.stringify(m)).join("\r\n") + "\n")
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 8 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b)
      const decoder = new NdjsonDecoder(1024)
      const out: Array<unknown> = []
      let start = 0
      for (const point of [...points, all.length]) {
        decoder.push(all.subarray(start, point), out)
        start = point
      }
      decoder.end(out)
      assert.deepStrictEqual(out, messages)
    }))
  })

  it("answers unparsable lines with -32700 and goes on", () => {
    const decoder = new NdjsonDecoder(1024)
    const out: Array<unknown> = []
    decoder.push(bytes("{not json}\n{\"ok\":1}\n\n"), out)
    assert.strictEqual(out.length, 2)
    assert.instanceOf(out[0], InvalidFrame)
    assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32700)
    assert.deepStrictEqual(out[1], { ok: 1 })
  })

  it("discards an oversized line as it streams, answers once, and keeps memory bounded", () => {
    const decoder = new NdjsonDecoder(100)
    const out: Array<unknown> = []
    for (let i = 0; i < 50; i++) decoder.push(bytes("x".repeat(64)), out) // 3.2 KB without a newline
    decoder.push(bytes("tail\n{\"next\":true}\n"), out)
    assert.strictEqual(out.length, 2)
    assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32600)
    assert.include((out[0] as InvalidFrame).response.error.message, "maximum size of 100 bytes")
    assert.deepStrictEqual(out[1], { next: true })
  })

  it("flushes a final line without a newline at end of input", () => {
    const decoder = new NdjsonDecoder(100)
    const out: Array<unknown> = []
    decoder.push(bytes("{\"last\":1}"), out)
    assert.strictEqual(out.length, 0)
    decoder.end(out)
    assert.deepStrictEqual(out, [{ last: 1 }])
  })

  it("encodes a batch as one NDJSON string", () => {
    assert.strictEqual(encodeBatch([{ message: { a: 1 } }, { message: { b: "x\ny" } }]), "{\"a\":1}\n{\"b\":\"x\\ny\"}\n")
  })

  it("a result JSON cannot express becomes a -32603 error for its id; such a notification is dropped", () => {
    const line = encodeBatch([
      { message: { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { n: 1n } } } },
      { message: { jsonrpc: "2.0", id: 7, result: { n: 1n } } },
      { message: { jsonrpc: "2.0", id: 8, result: {} } }
    ])
    const [first, second, ...rest] = line.trimEnd().split("\n").map((l) => JSON.parse(l))
    assert.strictEqual(rest.length, 0)
    assert.strictEqual(first.id, 7)
    assert.strictEqual(first.error.code, -32603)
    assert.include(first.error.message, "could not be serialised as JSON")
    assert.deepStrictEqual(second, { jsonrpc: "2.0", id: 8, result: {} })
  })
})

describe("NdjsonDecoder size limit", () => {
  it("counts UTF-8 bytes, not characters", () => {
    const decoder = new NdjsonDecoder(100)
    const out: Array<unknown> = []
    // 40 "€" = 40 characters but 120 bytes (+ quotes): over a 100-byte limit
    decoder.push(bytes(`${JSON.stringify("€".repeat(40))}\n`), out)
    // 30 "€" = 90 bytes + 2 quotes = 92 bytes: under the limit
    decoder.push(bytes(`${JSON.stringify("€".repeat(30))}\n`), out)
    assert.strictEqual(out.length, 2)
    assert.instanceOf(out[0], InvalidFrame)
    assert.strictEqual(out[1], "€".repeat(30))
  })
})
