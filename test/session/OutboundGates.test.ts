/**
 * The session's outbound gates as tables: which notifications may go out (what the server
 * advertised, nothing unsolicited before the handshake is answered), and which wait for
 * `notifications/initialized` (`session/internal/outboundGates.ts` only decides).
 */
import { assert, describe, it } from "@effect/vitest"
import type { ServerCapabilities } from "../../src/protocol/McpSchema.ts"
import * as OutboundGates from "../../src/session/internal/outboundGates.ts"
import type { Phase } from "../../src/session/ServerSession.ts"

const everything: ServerCapabilities = {
  logging: {},
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true }
}
const nothing: ServerCapabilities = {}

describe("OutboundGates.mayNotify", () => {
  // phase, capabilities, method, related request → may it go out
  const rows: ReadonlyArray<readonly [Phase, ServerCapabilities, string, number | undefined, boolean]> = [
    ["operational", everything, "notifications/message", undefined, true],
    ["operational", nothing, "notifications/message", undefined, false],
    ["operational", everything, "notifications/tools/list_changed", undefined, true],
    ["operational", { tools: {} }, "notifications/tools/list_changed", undefined, false],
    ["operational", { prompts: { listChanged: true } }, "notifications/prompts/list_changed", undefined, true],
    ["operational", { resources: { subscribe: true } }, "notifications/resources/list_changed", undefined, false],
    ["operational", { resources: { listChanged: true } }, "notifications/resources/updated", undefined, false],
    ["operational", everything, "notifications/resources/updated", undefined, true],
    // Not gated by a capability: progress, task status, cancellations.
    ["operational", nothing, "notifications/progress", 1, true],
    ["operational", nothing, "notifications/tasks/status", undefined, true],
    // Before the handshake is answered: only what a request in flight sends (its progress, its logs).
    ["new", everything, "notifications/tools/list_changed", undefined, false],
    ["initializing", everything, "notifications/message", undefined, false],
    ["initializing", everything, "notifications/message", 7, true],
    ["initialized", everything, "notifications/tools/list_changed", undefined, true],
    // A 2026-07-28 connection: nothing unsolicited (list changes go on listen streams), a request's own yes.
    ["modern", everything, "notifications/tools/list_changed", undefined, false],
    ["modern", everything, "notifications/message", 3, true],
    // A closed session sends nothing, related or not.
    ["closed", everything, "notifications/progress", 1, false],
    ["closed", everything, "notifications/message", undefined, false]
  ]
  for (const [phase, capabilities, method, related, expected] of rows) {
    it(`${phase}, ${method}${related === undefined ? "" : " (for a request)"}${capabilities === nothing ? ", nothing advertised" : ""} → ${expected}`, () => {
      assert.strictEqual(OutboundGates.mayNotify(phase, capabilities, method, related), expected)
    })
  }

  it("for a 2026-07-28 request (a listen stream), list changes and updates are not gated by the session's capabilities; logs are", () => {
    for (const method of listenNotifications) {
      assert.isTrue(OutboundGates.mayNotify("operational", nothing, method, 5, true), method)
      assert.isFalse(OutboundGates.mayNotify("operational", nothing, method, 5, false), method)
      assert.isFalse(OutboundGates.mayNotify("closed", everything, method, 5, true), method)
    }
    assert.isFalse(OutboundGates.mayNotify("operational", nothing, "notifications/message", 5, true))
  })
})

const listenNotifications = [
  "notifications/tools/list_changed",
  "notifications/prompts/list_changed",
  "notifications/resources/list_changed",
  "notifications/resources/updated"
]

describe("OutboundGates: held until notifications/initialized", () => {
  it("only unsolicited notifications other than logs, between the initialize answer and initialized", () => {
    assert.isTrue(OutboundGates.isHeld("initialized", "notifications/tools/list_changed", undefined))
    assert.isTrue(OutboundGates.isHeld("initialized", "notifications/resources/updated", undefined))
    assert.isFalse(OutboundGates.isHeld("initialized", "notifications/message", undefined), "logs go out")
    assert.isFalse(OutboundGates.isHeld("initialized", "notifications/progress", 3), "a request's own notifications go out")
    assert.isFalse(OutboundGates.isHeld("operational", "notifications/tools/list_changed", undefined), "after initialized")
  })

  it("a parameterless notification is held once; others each; at most maxHeld", () => {
    const listChanged = { jsonrpc: "2.0" as const, method: "notifications/tools/list_changed" }
    const updated = (uri: string) => ({ jsonrpc: "2.0" as const, method: "notifications/resources/updated", params: { uri } })
    let held = OutboundGates.hold(undefined, listChanged)
    held = OutboundGates.hold(held, listChanged)
    held = OutboundGates.hold(held, updated("a"))
    held = OutboundGates.hold(held, updated("a"))
    assert.deepStrictEqual(held.map((m) => m.method), [
      "notifications/tools/list_changed",
      "notifications/resources/updated",
      "notifications/resources/updated"
    ])
    for (let i = 0; i < 100; i++) held = OutboundGates.hold(held, updated(`u${i}`))
    assert.strictEqual(held.length, OutboundGates.maxHeld)
    assert.deepStrictEqual(held.at(-1), updated(`u${OutboundGates.maxHeld - 4}`), "the newest past the bound are dropped")
  })
})
