/**
 * The sealed `requestState` of MRTR (`src/server/internal/requestState.ts`): a state has one
 * spelling (any change to its text, even one that decodes to the same MAC, does not open), and
 * the digest a state is bound to is the same canonical JSON as before, now for any nesting depth;
 * a key ring with a key too short is refused when the server is built.
 */
import { assert, describe, it, vi } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fc from "fast-check"
import { createHash } from "node:crypto"
import * as McpServer from "../../src/server/McpServer.ts"
import { digestOf, makeSealer } from "../../src/server/internal/requestState.ts"

const request = (args: unknown) => ({ jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "t", arguments: args } })

/** The recursive canonical form the digest was made with before (states sealed then must still open). */
const recursiveCanonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(recursiveCanonical).join(",")}]`
  if (typeof value === "object" && value !== null) {
    return `{${
      Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${recursiveCanonical((value as Record<string, unknown>)[key])}`)
        .join(",")
    }}`
  }
  return JSON.stringify(value) ?? "null"
}
const recursiveDigest = (args: unknown, requestor: string | undefined) =>
  createHash("sha256").update(recursiveCanonical(["tools/call", "t", null, args, requestor ?? null])).digest("base64url")

describe("requestState", () => {
  it("a state opens as sealed; any other spelling of it does not, even one whose tag decodes to the same bytes", () => {
    const sealer = makeSealer({ keys: ["0123456789abcdef0123456789abcdef-key"] })
    const digest = digestOf(request({ a: 1 }), undefined)
    const state = sealer.seal(digest, { user_name: { action: "accept", content: { name: "Ada" } } }, ["color"])
    assert.deepStrictEqual(sealer.open(state, digest), {
      answers: { user_name: { action: "accept", content: { name: "Ada" } } },
      listed: ["color"]
    })
    const dot = state.indexOf(".")
    const tag = state.slice(dot + 1)
    assert.strictEqual(tag.length, 43, "a SHA-256 MAC, base64url without padding")
    // The last character carries 2 unused bits: flipping them spells the same 32 bytes.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    const last = alphabet.indexOf(tag.at(-1)!)
    const sameBytes = `${state.slice(0, -1)}${alphabet[last ^ 1]}`
    assert.deepStrictEqual(Buffer.from(sameBytes.slice(dot + 1), "base64url"), Buffer.from(tag, "base64url"))
    const standard = `${state.slice(0, dot)}.${Buffer.from(tag, "base64url").toString("base64")}`
    for (const changed of [`${state}!`, `${state}==`, `${state} `, `${state}\n`, `${state.slice(0, dot + 5)}*${state.slice(dot + 5)}`, sameBytes, standard, `${state}-TAMPERED`]) {
      assert.isUndefined(sealer.open(changed, digest), JSON.stringify(changed.slice(dot)))
    }
    assert.isUndefined(sealer.open(state, digestOf(request({ a: 2 }), undefined)), "another request's")
  })

  it("a state carries the question behind each key it records, by key (any key: a map, not an object)", () => {
    const sealer = makeSealer({ keys: ["0123456789abcdef0123456789abcdef-key"] })
    const digest = digestOf(request({ a: 1 }), undefined)
    const questions = JSON.parse(`{"elicitation/create-1":"q1","__proto__":"q2"}`)
    const state = sealer.seal(digest, { "elicitation/create-1": { action: "decline" } }, ["__proto__"], questions)
    assert.deepStrictEqual(sealer.open(state, digest), {
      answers: { "elicitation/create-1": { action: "decline" } },
      listed: ["__proto__"],
      questions: new Map([["elicitation/create-1", "q1"], ["__proto__", "q2"]])
    })
  })

  it("a state expires after ttlMillis; a ttlMillis that is not a positive finite number is refused when the sealer is made (every state would have been refused as expired)", () => {
    const digest = digestOf(request({ a: 1 }), undefined)
    // The clock set by the test (Date only): open at the last millisecond of the time to live, and
    // one after, whatever the machine's speed.
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 })
    try {
      const short = makeSealer({ ttlMillis: 5_000 })
      const state = short.seal(digest, {})
      assert.deepStrictEqual(short.open(state, digest), { answers: {}, listed: [] })
      vi.setSystemTime(1_000_000 + 5_000)
      assert.deepStrictEqual(short.open(state, digest), { answers: {}, listed: [] }, "usable for ttlMillis")
      vi.setSystemTime(1_000_000 + 5_001)
      assert.isUndefined(short.open(state, digest), "expired")
    } finally {
      vi.useRealTimers()
    }
    for (const ttlMillis of [Infinity, Number.NaN, 0, -1]) {
      assert.throws(() => makeSealer({ ttlMillis }), `requestState: ttlMillis must be a positive, finite number of milliseconds, got ${ttlMillis}`)
    }
  })

  it("the digest is the recursive canonical form's (keys sorted), for any JSON", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.option(fc.string(), { nil: undefined }), (args, requestor) => {
      assert.strictEqual(digestOf(request(args), requestor), recursiveDigest(args, requestor))
    }), { numRuns: 500 })
    assert.strictEqual(digestOf(request({ b: [1, { d: 2, c: 3 }], a: null }), "ada"), digestOf(request({ a: null, b: [1, { c: 3, d: 2 }] }), "ada"))
  })

  it("arguments nested 100,000 levels deep get a digest (the recursive form overflowed the stack)", () => {
    let deep: unknown = { leaf: true }
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { k: deep }
    const digest = digestOf(request(deep), undefined)
    assert.match(digest, /^[A-Za-z0-9_-]{43}$/)
    assert.throws(() => recursiveDigest(deep, undefined), RangeError)
  })

  it("a value met again inside itself (an in-process client's cycle) is refused, not written for ever; one met twice side by side is written twice", () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic["self"] = { inner: [cyclic] }
    assert.throws(() => digestOf(request(cyclic), undefined), TypeError)
    const shared = { x: [1, 2] }
    const twice = { left: shared, right: shared, list: [shared, shared] }
    assert.strictEqual(digestOf(request(twice), undefined), recursiveDigest(twice, undefined))
  })

  // It was checked only when the first session built the low-level server: the server started,
  // said it was serving, and then every session failed ("the session could not start", HTTP 503).
  it.live("a key shorter than 32 bytes is refused when the server is built, naming the rule", () =>
    Effect.gen(function*() {
      const build = (keys: ReadonlyArray<string>) =>
        Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", requestState: { keys } }))))
      const short = yield* build(["0123456789abcdef0123456789abcdef-key", "too short"])
      assert.strictEqual(short._tag, "Failure")
      if (short._tag === "Failure") {
        assert.include(String(Cause.squash(short.cause)), "requestState: a key must have at least 32 bytes, got 9")
      }
      assert.strictEqual((yield* build(["0123456789abcdef0123456789abcdef-key"]))._tag, "Success")
    }))

  // Fails before the fix: only the sealer checked it, which the first session builds (the server
  // said it was serving, then every session failed).
  it.live("a ttlMillis that is not a positive finite number is refused when the server is built", () =>
    Effect.gen(function*() {
      for (const ttlMillis of [0, -1, Infinity, Number.NaN]) {
        const built = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", requestState: { ttlMillis } }))))
        assert.strictEqual(built._tag, "Failure", String(ttlMillis))
        if (built._tag === "Failure") {
          assert.include(String(Cause.squash(built.cause)), `requestState: ttlMillis must be a positive, finite number of milliseconds, got ${ttlMillis}`)
        }
      }
      const fine = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", requestState: { ttlMillis: 1_000 } }))))
      assert.strictEqual(fine._tag, "Success")
    }))
})
