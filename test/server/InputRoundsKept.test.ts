/**
 * MCP 2026-07-28 multi round-trip requests: the answers a round keeps for the next. A handler that
 * asks concurrently may be stopped by one question before another branch reaches a question whose
 * answer the client gave already (a slow lookup before it, say): that answer is carried on, not
 * dropped, so the user is not asked twice. Raw JSON-RPC over an in-memory pair.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

const Confirm = Schema.Struct({ ok: Schema.Boolean })

/** How many times the lookup ran: fast the first time, slow afterwards (a cold cache, a busy database). */
let lookups = 0
const lookup = Effect.suspend(() => lookups++ === 0 ? Effect.void : Effect.sleep(100))

const confirm = (key: string) =>
  Effect.map(McpContext.elicit(`${key}?`, Confirm, { inputKey: key }), (answer) => answer.action === "accept" && answer.content.ok)

/**
 * One branch asks `a`, then `c`; the other looks something up, then asks `b`. In the first round
 * both `a` and `b` are asked (the lookup is fast); in the second, `a` answered, `c` stops the
 * handler while the lookup before `b` still runs.
 */
const Plan = McpServer.tool({
  name: "plan",
  handler: () =>
    Effect.all([
      Effect.all([confirm("a"), confirm("c")]),
      Effect.andThen(lookup, confirm("b"))
    ], { concurrency: 2 }).pipe(
      Effect.map(([[a, c], b]) => JSON.stringify({ a, b, c })),
      Effect.catch((error) => Effect.succeed(error._tag))
    )
})

/** Asks `a` and, after it, `b`: an answer to `b` before `b` was ever asked is one nobody asked for. */
const Sequential = McpServer.tool({
  name: "sequential",
  handler: () =>
    Effect.all([confirm("a"), confirm("b")]).pipe(
      Effect.map(([a, b]) => JSON.stringify({ a, b })),
      Effect.catch((error) => Effect.succeed(error._tag))
    )
})

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { elicitation: {} }
}
const yes = { action: "accept", content: { ok: true } }

describe("answers kept from round to round (2026-07-28)", () => {
  // Fails before: round 2 kept only `a` (the handler stopped at `c` before the slow branch reached
  // `b`), so the user's answer to `b` was dropped and `b` was asked again in round 3.
  it.live("an answer to a question the handler did not reach this round is kept, not asked again", () =>
    Effect.gen(function*() {
      lookups = 0
      const { request } = yield* serveInMemory({ name: "kept", version: "1" }, Layer.mergeAll(Plan, Sequential))
      const asked: Array<ReadonlyArray<string>> = []
      let round: Record<string, unknown> = {}
      let answer: any
      for (let i = 0; i < 5; i++) {
        answer = (yield* request("tools/call", { name: "plan", arguments: {}, _meta: meta, ...round })).result
        if (answer?.resultType !== "input_required") break
        const keys = Object.keys(answer.inputRequests)
        asked.push(keys)
        round = { inputResponses: Object.fromEntries(keys.map((key) => [key, yes])), requestState: answer.requestState }
      }
      assert.deepStrictEqual(asked, [["a", "b"], ["c"]])
      assert.deepStrictEqual(answer?.content, [{ type: "text", text: JSON.stringify({ a: true, b: true, c: true }) }])
    }))

  // Holds before and after: what the client answers unasked is not carried in the state.
  it.live("an answer to a key never listed is not carried", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "kept", version: "1" }, Layer.mergeAll(Plan, Sequential))
      const junk = "x".repeat(50_000)
      const first = (yield* request("tools/call", { name: "sequential", arguments: {}, _meta: meta })).result
      assert.deepStrictEqual(Object.keys(first.inputRequests), ["a"])
      // An answer of the wrong shape under `b`, given before `b` was asked, is the answer to `b`
      // when the handler reaches it: ClientResultInvalid, as in a 2025-11-25 session.
      const early = yield* request("tools/call", {
        name: "sequential",
        arguments: {},
        _meta: meta,
        inputResponses: { a: yes, b: { action: junk } },
        requestState: first.requestState
      })
      assert.strictEqual(early.result?.content?.[0]?.text, "ClientResultInvalid", JSON.stringify(early).slice(0, 300))
      const second = (yield* request("tools/call", {
        name: "sequential",
        arguments: {},
        _meta: meta,
        inputResponses: { a: yes, made_up: junk },
        requestState: first.requestState
      })).result
      assert.deepStrictEqual(Object.keys(second.inputRequests), ["b"])
      assert.isBelow(second.requestState.length, 2_000, "an answer nobody asked for was sealed")
      const third = (yield* request("tools/call", {
        name: "sequential",
        arguments: {},
        _meta: meta,
        inputResponses: { b: yes, made_up: junk },
        requestState: second.requestState
      })).result
      assert.deepStrictEqual(third.content, [{ type: "text", text: JSON.stringify({ a: true, b: true }) }])
    }))
})
