import { assert, describe, it, vi } from "@effect/vitest"
import * as fc from "fast-check"
import { InvalidFrame } from "../../src/session/Connection.ts"
import { encodeBatch, maxWriteLength, NdjsonDecoder, writeBatch } from "../../src/transport/internal/ndjson.ts"

const bytes = (s: string) => new TextEncoder().encode(s)

/** What a decoder of `maxBytes` makes of `all` fed in chunks cut at `cuts`, then ended. */
const decodeCut = (maxBytes: number, all: Uint8Array, cuts: ReadonlyArray<number>): Array<unknown> => {
  const decoder = new NdjsonDecoder(maxBytes)
  const out: Array<unknown> = []
  let start = 0
  for (const point of [...[...new Set(cuts)].sort((a, b) => a - b), all.length]) {
    decoder.push(all.subarray(start, point), out)
    start = point
  }
  decoder.end(out)
  return out
}

describe("NdjsonDecoder", () => {
  it("frames lines across arbitrary chunk boundaries, including inside multi-byte characters", () => {
    const messages = [{ a: "é" }, { b: "😀 emoji" }, { c: [1, 2, 3] }, { d: "plain" }]
    const all = bytes(messages.map((m) => JSON.stringify(m)).join("\r\n") + "\n")
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 8 }), (cuts) => {
      assert.deepStrictEqual(decodeCut(1024, all, cuts), messages)
    }))
  })

  it("answers a line that is not UTF-8 with -32700, wherever the chunks cut it, and reads the others", () => {
    const good = (n: number) => bytes(JSON.stringify({ n, text: "é😀\uFFFD" }) + "\n")
    // A lone continuation byte, a lead byte without its continuation, an overlong encoding, a surrogate.
    const bads = [[0x80], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80]].map((bad) =>
      Uint8Array.from([...bytes('{"n":"'), ...bad, ...bytes('"}\n')]))
    for (const bad of bads) {
      const all = Uint8Array.from([...good(1), ...bad, ...good(2), ...bad, ...good(3)])
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 6 }), (cuts) => {
        const out = decodeCut(1024, all, cuts)
        assert.strictEqual(out.length, 5, JSON.stringify(out))
        assert.deepStrictEqual([out[0], out[2], out[4]], [1, 2, 3].map((n) => ({ n, text: "é😀\uFFFD" })))
        for (const frame of [out[1], out[3]]) {
          assert.instanceOf(frame, InvalidFrame)
          assert.strictEqual((frame as InvalidFrame).response.error.code, -32700)
          assert.strictEqual((frame as InvalidFrame).response.error.message, "Parse error: the message is not valid UTF-8")
        }
      }))
    }
  })

  it("a character cut by a byte chunk, then text (an encoding set midway), is not UTF-8", () => {
    const decoder = new NdjsonDecoder(1024)
    const out: Array<unknown> = []
    decoder.push(Uint8Array.from([...bytes('{"a":"x'), 0xe2]), out)
    decoder.push('"}\n{"b":1}\n', out)
    assert.strictEqual(out.length, 2, JSON.stringify(out))
    assert.strictEqual((out[0] as InvalidFrame).response.error.message, "Parse error: the message is not valid UTF-8")
    assert.deepStrictEqual(out[1], { b: 1 })
  })

  it("a last line cut in the middle of a character at end of input is not UTF-8", () => {
    const decoder = new NdjsonDecoder(1024)
    const out: Array<unknown> = []
    decoder.push(Uint8Array.from([...bytes('{"a":"'), 0xf0, 0x9f]), out)
    decoder.end(out)
    assert.strictEqual(out.length, 1)
    assert.strictEqual((out[0] as InvalidFrame).response.error.message, "Parse error: the message is not valid UTF-8")
  })

  it("a byte order mark that starts the input is skipped, wherever the chunks cut it; one later is not", () => {
    const first = { jsonrpc: "2.0", id: "init", method: "initialize" }
    const all = bytes(`\uFEFF${JSON.stringify(first)}\n\uFEFF{"a":1}\n{"b":2}\n`)
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 6 }), (cuts) => {
      const out = decodeCut(1024, all, cuts)
      assert.strictEqual(out.length, 3, JSON.stringify(out))
      assert.deepStrictEqual(out[0], first)
      // Only the input's start: one before a later line is that line's, not JSON.
      assert.strictEqual((out[1] as InvalidFrame).response.error.code, -32700)
      assert.deepStrictEqual(out[2], { b: 2 })
    }))
    // Text chunks (an input with an encoding set) alike; and a line with bad bytes after the mark
    // is measured without it (3 bytes), as a line without it is.
    const text = new NdjsonDecoder(1024)
    const out: Array<unknown> = []
    text.push(`\uFEFF${JSON.stringify(first)}\n`, out)
    assert.deepStrictEqual(out, [first])
    const bad = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes('{"n":"'), 0xff, ...bytes("x".repeat(91)), ...bytes('"}\n')])
    const sized = decodeCut(100, bad, [])
    assert.strictEqual((sized[0] as InvalidFrame).response.error.code, -32700, JSON.stringify(sized))
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

  it("blank lines (empty, or spaces and tabs, with \"\\n\" or \"\\r\\n\") are skipped, not answered, wherever the chunks cut them", () => {
    const all = bytes(`\n   \n{"a":1}\r\n\t\r\n \t \n\r\n{"b":2}\n  `)
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 6 }), (cuts) => {
      assert.deepStrictEqual(decodeCut(1024, all, cuts), [{ a: 1 }, { b: 2 }])
    }))
    // Other white space is not JSON's: such a line is -32700, in the middle or at the end.
    const out = decodeCut(1024, bytes("\u00a0\n{}\n\u00a0"), [])
    assert.strictEqual(out.length, 3, JSON.stringify(out))
    assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32700)
    assert.deepStrictEqual(out[1], {})
    assert.strictEqual((out[2] as InvalidFrame).response.error.code, -32700)
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

  // Fails before the fix: every line too large was answered without an id (and a notification's,
  // a response's were answered at all).
  it("a line too large is answered by what its envelope says, however the chunks cut it: a request with its id, a notification or a response not at all", () => {
    const filler = "x\\\"{[,:".repeat(40) // escapes and structure inside a string are none of the envelope's
    const cases: ReadonlyArray<readonly [string, string | number | undefined, boolean]> = [
      [`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"t":"${filler}"}}`, 7, true],
      // The SDKs write the id last; a member named "id" deeper down is not the request's.
      [`{"method":"tools/call","params":{"arguments":{"id":3,"t":"${filler}"}},"jsonrpc":"2.0","id":"abc"}`, "abc", true],
      [`{"jsonrpc":"2.0","\\u0069d":12,"method":"a","params":{"t":"${filler}"}}`, 12, true],
      [`{"jsonrpc":"2.0","id":1,"id":2,"method":"a","params":{"t":"${filler}"}}`, 2, true],
      // The input ends in it: what was read is what it said.
      [`{"jsonrpc":"2.0","method":"a","params":{"t":"${filler}"},"id":99`, 99, true],
      // An id that is none: no id, as for a small line.
      [`{"jsonrpc":"2.0","id":null,"method":"a","params":{"t":"${filler}"}}`, undefined, true],
      [`{"jsonrpc":"2.0","id":1.5,"method":"a","params":{"t":"${filler}"}}`, undefined, true],
      [`{"jsonrpc":"2.0","id":{"a":1},"method":"a","params":{"t":"${filler}"}}`, undefined, true],
      [`{"jsonrpc":"2.0","method":"a","params":{"t":"${filler}"},"id":9007199254740993}`, undefined, true],
      [`{"jsonrpc":"2.0","method":"a","params":{"t":"${filler}"},"id":"${"q".repeat(300)}"}`, undefined, true],
      // Not an object: no envelope.
      [`[{"jsonrpc":"2.0","id":1,"method":"a","params":{"t":"${filler}"}}]`, undefined, true],
      [`x{"jsonrpc":"2.0","id":1,"method":"a","params":{"t":"${filler}"}}`, undefined, true],
      [`{"n":"${filler}"}`, undefined, true],
      // Never answered: a notification; a response (its id: the request it answered).
      [`{"jsonrpc":"2.0","method":"notifications/progress","params":{"t":"${filler}"}}`, undefined, false],
      [`{"jsonrpc":"2.0","id":5,"result":{"t":"${filler}"}}`, 5, false],
      // A response whose id is none is not answered either, as a short one (`JsonRpc.classify`):
      // MCP's error without an id (the request's could not be read), one naming null, or a bad id.
      [`{"jsonrpc":"2.0","error":{"code":-32700,"message":"${filler}"}}`, undefined, false],
      [`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"${filler}"}}`, undefined, false],
      [`{"jsonrpc":"2.0","id":{"a":1},"result":{"t":"${filler}"}}`, undefined, false]
    ]
    for (const [line, id, answer] of cases) {
      for (const last of [false, true]) {
        const all = bytes(last ? line : `${line}\n{"next":1}\n`)
        fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 4 }), (cuts) => {
          const out = decodeCut(100, all, cuts)
          assert.strictEqual(out.length, last ? 1 : 2, JSON.stringify(out))
          const frame = out[0] as InvalidFrame
          assert.instanceOf(frame, InvalidFrame)
          assert.strictEqual(frame.response.error.code, -32600)
          assert.strictEqual(frame.response.id, id, line.slice(0, 80))
          assert.strictEqual(frame.answer, answer, line.slice(0, 80))
          if (!last) assert.deepStrictEqual(out[1], { next: 1 })
        }), { numRuns: 50 })
      }
    }
  })

  it("a short line of bad bytes is -32700 however the chunks cut it, not too large (its U+FFFDs are not its size)", () => {
    // 48 bytes, 40 of them bad: decoded, 128 bytes of text; received, 48 (the limit is 100).
    const all = Uint8Array.from([...bytes('{"n":"'), ...new Array(40).fill(0xff), ...bytes('"}\n{"next":1}\n')])
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 6 }), (cuts) => {
      const out = decodeCut(100, all, cuts)
      assert.strictEqual(out.length, 2, JSON.stringify(out))
      assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32700, JSON.stringify(out[0]))
      assert.deepStrictEqual(out[1], { next: 1 })
    }))
  })

  it("lines are measured by their bytes as received, valid or not, whole or in pieces, with a newline at the end or not: over the limit -32600, else not UTF-8 -32700", () => {
    // Pieces of a line's body: ASCII, a valid U+FFFD (EF BF BD), other valid multi-byte text, and
    // bytes that are not UTF-8 (a lone byte, a lead byte short of its continuation, an overlong form).
    const piece = fc.oneof(
      fc.constant([0x61]),
      fc.constant([0xef, 0xbf, 0xbd]),
      fc.constant([0xc3, 0xa9]),
      fc.constant([0xf0, 0x9f, 0x98, 0x80]),
      fc.constant([0xff]),
      fc.constant([0xe2, 0x82]),
      fc.constant([0xc0, 0xaf])
    )
    const limit = 100
    const body = fc.array(piece, { minLength: 20, maxLength: 70 })
    const expectation = (line: Uint8Array) => {
      if (line.length > limit) return -32600
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(line)
        return undefined
      } catch {
        return -32700
      }
    }
    fc.assert(fc.property(body, body, fc.boolean(), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 5 }), (first, second, newline, cuts) => {
      // The second line ends the input, with its newline or not; a cut character may end it.
      const lines = [first, second].map((pieces) => Uint8Array.from([...bytes('{"n":"'), ...pieces.flat(), ...bytes('"}')]))
      const all = Uint8Array.from([...lines[0]!, 0x0a, ...lines[1]!, ...(newline ? [0x0a] : [])])
      const out = decodeCut(limit, all, cuts.filter((cut) => cut < all.length))
      assert.strictEqual(out.length, 2, JSON.stringify(out))
      lines.forEach((line, i) => {
        const expected = expectation(line)
        if (expected === undefined) assert.notInstanceOf(out[i], InvalidFrame, JSON.stringify(out[i]))
        else assert.strictEqual((out[i] as InvalidFrame).response?.error.code, expected, `line ${i}: ${line.length} bytes: ${JSON.stringify(out[i])}`)
      })
    }), { numRuns: 2000 })
    // The input ends in the middle of a character, just under the limit: not UTF-8, not too large.
    for (const tail of [[0xe2], [0xed, 0xa0]]) {
      const out = decodeCut(10, Uint8Array.from([...bytes("a".repeat(10 - tail.length)), ...tail]), [])
      assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32700, JSON.stringify(out))
    }
  })

  it("a line both too large and not UTF-8 is -32600 however the chunks cut it (as it would be while streaming)", () => {
    const bad = Uint8Array.from([...bytes('{"n":"'), 0xff, ...bytes("x".repeat(150)), 0xc3, 0x28, ...bytes('"}\n')])
    for (const last of [true, false]) {
      const all = last ? bad.subarray(0, bad.length - 1) : Uint8Array.from([...bad, ...bytes('{"next":true}\n')])
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 6 }), (cuts) => {
        const out = decodeCut(100, all, cuts)
        assert.strictEqual(out.length, last ? 1 : 2, JSON.stringify(out))
        assert.instanceOf(out[0], InvalidFrame)
        assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32600, JSON.stringify(out[0]))
        if (!last) assert.deepStrictEqual(out[1], { next: true })
      }))
    }
  })

  it("the limit is the message's: a \"\\r\\n\" ending is not counted, wherever the chunks cut it", () => {
    // Messages of exactly the limit, and of one byte more, in text, then in multi-byte text.
    const sized = (n: number, fill: string) => {
      const body = `{"n":"${fill.repeat(Math.floor((n - 8) / Buffer.byteLength(fill)))}"}`
      return body.slice(0, -2) + "x".repeat(n - Buffer.byteLength(body)) + body.slice(-2)
    }
    for (const fill of ["x", "é"]) {
      const exact = sized(100, fill)
      const over = sized(101, fill)
      assert.strictEqual(Buffer.byteLength(exact), 100)
      assert.strictEqual(Buffer.byteLength(over), 101)
      const all = bytes(`${exact}\r\n${over}\r\n${exact}\r\n`)
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 6 }), (cuts) => {
        const out = decodeCut(100, all, cuts)
        assert.strictEqual(out.length, 3, JSON.stringify(out))
        assert.deepStrictEqual(out[0], JSON.parse(exact))
        assert.strictEqual((out[1] as InvalidFrame).response?.error.code, -32600, JSON.stringify(out[1]))
        assert.deepStrictEqual(out[2], JSON.parse(exact))
      }))
    }
    // A "\r" that does not end the line is the line's own: past the limit with it, too large.
    const out: Array<unknown> = []
    const decoder = new NdjsonDecoder(10)
    decoder.push(bytes("1234567890\r"), out)
    decoder.push(bytes(" \n{}\n"), out)
    assert.strictEqual((out[0] as InvalidFrame).response.error.code, -32600, JSON.stringify(out))
    assert.deepStrictEqual(out[1], {})
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

  it("writes a batch past maxWriteLength in several writes, in order, each line whole and ended", () => {
    const answer = (id: number, size: number) => ({ message: { jsonrpc: "2.0", id, result: { text: "x".repeat(size) } } })
    const writes: Array<string> = []
    const flowing = writeBatch(
      [answer(1, 10), answer(2, maxWriteLength / 2), answer(3, maxWriteLength / 2), answer(4, maxWriteLength), answer(5, 10)],
      (text) => writes.push(text) < 100
    )
    assert.isTrue(flowing)
    assert.deepStrictEqual(writes.map((text) => text.length <= maxWriteLength || !text.includes("\n")), writes.map(() => true))
    const lines = writes.join("").split("\n")
    assert.strictEqual(lines.pop(), "")
    assert.deepStrictEqual(lines.map((text) => JSON.parse(text).id), [1, 2, 3, 4, 5])
    assert.isAbove(writes.length, 2)
    // A JSON-RPC batch's answer (one line) past it: in pieces, one line all the same.
    const pieces: Array<string> = []
    writeBatch([{ message: [answer(6, maxWriteLength / 2).message, answer(7, maxWriteLength / 2).message] }, answer(8, 10)], (text) =>
      pieces.push(text) > 0
    )
    assert.isAbove(pieces.length, 2)
    const [batchLine, last, end] = pieces.join("").split("\n")
    assert.deepStrictEqual(JSON.parse(batchLine!).map((member: { id: number }) => member.id), [6, 7])
    assert.strictEqual(JSON.parse(last!).id, 8)
    assert.strictEqual(end, "")
    // A usual batch: one write.
    const one: Array<string> = []
    writeBatch([answer(1, 10), answer(2, 10)], (text) => one.push(text) > 0)
    assert.strictEqual(one.length, 1)
  })

  it("a result JSON cannot express becomes a -32603 error for its id; such a notification is dropped, a log made JSON", () => {
    const line = encodeBatch([
      { message: { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1n } } },
      { message: { jsonrpc: "2.0", id: 7, result: { n: 1n } } },
      { message: { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { n: 1n } } } },
      { message: { jsonrpc: "2.0", id: 8, result: {} } }
    ])
    const [first, second, third, ...rest] = line.trimEnd().split("\n").map((l) => JSON.parse(l))
    assert.strictEqual(rest.length, 0)
    assert.strictEqual(first.id, 7)
    assert.strictEqual(first.error.code, -32603)
    assert.include(first.error.message, "could not be serialised as JSON")
    assert.deepStrictEqual(second, { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { n: "1n" } } })
    assert.deepStrictEqual(third, { jsonrpc: "2.0", id: 8, result: {} })
  })
})

describe("NdjsonDecoder size limit", () => {
  // Fails before the fix: each chunk of a line measured the whole line so far (joined to it), so a
  // message near the 4 MiB limit, read in 64 KiB chunks, was measured over 100 MB in all (about
  // half a second of the server's time for one message, growing with the square of its size).
  it("measures a long line as it streams in by its new bytes, not the whole line again at each chunk", () => {
    const limit = 4 * 1024 * 1024
    const line = bytes(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { text: "é".repeat(limit / 2 - 100) } })}\n`)
    assert.isBelow(line.length, limit)
    const decoder = new NdjsonDecoder(limit)
    const out: Array<unknown> = []
    // What the decoder measures (observed, not changed: the real `byteLength` answers).
    const original = Buffer.byteLength
    let measured = 0
    const spy = vi.spyOn(Buffer, "byteLength").mockImplementation((...args: Parameters<typeof Buffer.byteLength>) => {
      if (typeof args[0] === "string") measured += args[0].length
      return original.apply(Buffer, args)
    })
    try {
      for (let i = 0; i < line.length; i += 64 * 1024) decoder.push(line.subarray(i, i + 64 * 1024), out)
    } finally {
      spy.mockRestore()
    }
    assert.strictEqual(out.length, 1)
    assert.strictEqual((out[0] as { id: number }).id, 1)
    // The line is measured as a whole once, as it completes; its pieces once each as they come.
    assert.isBelow(measured, 3 * line.length, `${measured} characters measured for a line of ${line.length} bytes`)
  })

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
