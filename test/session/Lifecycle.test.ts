/**
 * The handshake-era lifecycle as a table: what becomes of a request in each phase (the session
 * applies the decision; `session/internal/lifecycle.ts` only decides).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Lifecycle from "../../src/session/internal/lifecycle.ts"
import type { Phase } from "../../src/session/ServerSession.ts"

const notYetInitialized = (method: string) =>
  `received "${method}" before initialization; send "initialize" first (only "ping" is allowed before it)`
const twice = "initialize may be sent only once per session"

describe("Lifecycle.admit", () => {
  // phase, stateless, method, names its version in _meta, resolved by the transport → admission
  const rows: ReadonlyArray<readonly [Phase, boolean, string, boolean, boolean, Lifecycle.Admission]> = [
    ["new", false, "tools/list", true, false, Lifecycle.modern],
    ["new", false, "tools/list", true, true, { _tag: "Reject", detail: notYetInitialized("tools/list") }],
    ["new", false, "initialize", false, false, Lifecycle.initialize],
    ["new", false, "ping", false, false, Lifecycle.dispatch],
    ["new", false, "tools/list", false, false, { _tag: "Reject", detail: notYetInitialized("tools/list") }],
    ["initializing", false, "tools/call", false, false, { _tag: "Reject", detail: notYetInitialized("tools/call") }],
    ["initializing", false, "initialize", false, false, { _tag: "Reject", detail: twice }],
    ["initializing", false, "ping", false, false, Lifecycle.dispatch],
    ["initialized", false, "tools/call", false, false, Lifecycle.dispatch],
    ["initialized", false, "initialize", false, false, { _tag: "Reject", detail: twice }],
    ["operational", false, "tools/call", false, false, Lifecycle.dispatch],
    ["operational", false, "initialize", false, false, { _tag: "Reject", detail: twice }],
    ["operational", true, "initialize", false, false, Lifecycle.dispatch],
    ["operational", false, "tools/call", true, false, Lifecycle.dispatch],
    // A connection whose era was picked by a resolved 2026-07-28 request stays in it: whatever
    // comes next (without _meta too) is resolved by its own _meta, and refused there; a 2025
    // initialize (no version in _meta) is refused naming the versions the connection serves
    // (fails before: it was resolved, and refused -32602 for its missing _meta).
    ["modern", false, "tools/list", true, false, Lifecycle.modern],
    ["modern", false, "tools/list", false, false, Lifecycle.modern],
    ["modern", false, "initialize", false, false, Lifecycle.initializeAfterModern],
    ["modern", false, "initialize", true, false, Lifecycle.modern],
    ["modern", false, "ping", false, false, Lifecycle.modern],
    ["closed", false, "tools/call", false, false, Lifecycle.drop],
    ["closed", false, "ping", false, false, Lifecycle.dispatch]
  ]
  for (const [phase, stateless, method, namesVersion, resolved, expected] of rows) {
    it(`${phase}${stateless ? " (stateless)" : ""}: ${method}${namesVersion ? " naming its version" : ""}${resolved ? " resolved" : ""}`, () => {
      assert.deepStrictEqual(Lifecycle.admit(phase, stateless, method, namesVersion, resolved), expected)
    })
  }
  // A connection of the 2026-07-28 era that had nothing but server/discover (a dual-era client's
  // probe): the 2025 initialize it falls back to starts the handshake (fails before: refused).
  it("modern, nothing but server/discover so far: a 2025 initialize starts the handshake; one naming its version is a 2026 request", () => {
    assert.deepStrictEqual(Lifecycle.admit("modern", false, "initialize", false, false, true), Lifecycle.initialize)
    assert.deepStrictEqual(Lifecycle.admit("modern", false, "initialize", true, false, true), Lifecycle.modern)
    assert.deepStrictEqual(Lifecycle.admit("modern", false, "tools/list", false, false, true), Lifecycle.modern)
    assert.deepStrictEqual(Lifecycle.admit("modern", false, "initialize", false, false, false), Lifecycle.initializeAfterModern)
  })
})

describe("Lifecycle.initializedNotice", () => {
  // phase → what becomes of notifications/initialized
  const rows: ReadonlyArray<readonly [Phase, "apply" | "defer" | "pass"]> = [
    ["initialized", "apply"],
    // Pipelined: sent before the initialize answer, which is still being made.
    ["initializing", "defer"],
    ["new", "pass"],
    ["operational", "pass"],
    ["modern", "pass"],
    ["closed", "pass"]
  ]
  for (const [phase, expected] of rows) {
    it(`${phase} → ${expected}`, () => {
      assert.strictEqual(Lifecycle.initializedNotice(phase), expected)
    })
  }
})
