/**
 * JSON-RPC batches over Streamable HTTP (MCP 2025-03-26: a POST body "MUST" may be an array of
 * requests and notifications, or of responses, and implementations "MUST support receiving JSON-RPC
 * batches"): raw fetch against the everything server. A session that negotiated 2025-03-26 (and a
 * stateless endpoint whose request names that version, or none) answers a batch: one JSON array, or
 * an SSE stream of one event per response; 202 without requests. Every other version keeps -32600.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { BOTH, messagesOf, on, openSession, post, readSse, serveEverything } from "./support.ts"

const V = "2025-03-26"

/** Initializes a session at `version` (2025-03-26 clients send no `MCP-Protocol-Version`); its id. */
const openAt = async (url: string, version: string): Promise<string> => {
  const response = await post(url, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw-batch", version: "0" } }
  })
  const sessionId = response.headers.get("mcp-session-id")
  const text = await response.text()
  if (response.status !== 200 || sessionId === null) throw new Error(`initialize: ${response.status} ${text}`)
  const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sessionId })
  await initialized.text()
  return sessionId
}

const call = (id: string | number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args }
})
const ping = (id: string | number) => ({ jsonrpc: "2.0", id, method: "ping" })
const jsonOnly = (sessionId: string) => ({ "mcp-session-id": sessionId, accept: "application/json" })

const mixed = [
  ping("a"),
  call("slow", "test_task_slow", { ms: 150, steps: 2 }),
  { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
  call("text", "test_simple_text"),
  42,
  { jsonrpc: "2.0", id: "init2", method: "initialize", params: { protocolVersion: V, capabilities: {}, clientInfo: { name: "x", version: "0" } } },
  { jsonrpc: "2.0", id: "unknown", method: "no/such/method" }
]

/** The answers to `mixed`, in its order (an SSE stream's come as each is ready: sorted by the caller). */
const assertMixed = (answer: ReadonlyArray<any>) => {
  assert.deepStrictEqual(answer.map((response) => response.id), ["a", "slow", "text", undefined, "init2", "unknown"])
  assert.deepStrictEqual(answer[0], { jsonrpc: "2.0", id: "a", result: {} })
  assert.deepStrictEqual(answer[1].result.content, [{ type: "text", text: "done" }])
  assert.strictEqual(answer[2].result.content[0].type, "text")
  assert.strictEqual(answer[3].error.code, -32600)
  assert.strictEqual(answer[4].error.code, -32600)
  assert.include(answer[4].error.message, "initialize")
  assert.strictEqual(answer[5].error.code, -32601)
}

describe("JSON-RPC batches over Streamable HTTP (MCP 2025-03-26)", () => {
  it.live("a session at 2025-03-26: one JSON array (a client accepting only JSON, or a JSON-mode endpoint), or an SSE stream of one event per response", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      // Accept: application/json only.
      const asJson = yield* Effect.promise(() => post(url, mixed, jsonOnly(sessionId)))
      assert.strictEqual(asJson.status, 200)
      assert.include(asJson.headers.get("content-type") ?? "", "application/json")
      assertMixed((yield* Effect.promise(() => asJson.json())) as Array<any>)
      // Both accepted, the endpoint in auto mode: a stream, closed after the last response.
      const asSse = yield* Effect.promise(() => post(url, mixed, { "mcp-session-id": sessionId }))
      assert.strictEqual(asSse.status, 200)
      assert.include(asSse.headers.get("content-type") ?? "", "text/event-stream")
      const events = messagesOf(yield* Effect.promise(() => readSse(asSse)))
      const order = ["a", "slow", "text", undefined, "init2", "unknown"]
      assertMixed([...events].sort((x, y) => order.indexOf(x.id) - order.indexOf(y.id)))

      const { url: jsonUrl } = yield* serveEverything({ responseMode: "json" })
      const jsonSession = yield* Effect.promise(() => openAt(jsonUrl, V))
      const inJsonMode = yield* Effect.promise(() => post(jsonUrl, [ping(1), ping(2)], { "mcp-session-id": jsonSession }))
      assert.strictEqual(inJsonMode.status, 200)
      assert.deepStrictEqual(yield* Effect.promise(() => inJsonMode.json()), [
        { jsonrpc: "2.0", id: 1, result: {} },
        { jsonrpc: "2.0", id: 2, result: {} }
      ])
    }))

  it.live("notifications only, or responses only: 202; both kinds mixed, or []: 400 -32600; a member cancelled by a notification of the batch gets -32800", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      const notifications = yield* Effect.promise(() =>
        post(url, [{ jsonrpc: "2.0", method: "notifications/roots/list_changed" }, { jsonrpc: "2.0", method: "notifications/roots/list_changed" }], {
          "mcp-session-id": sessionId
        })
      )
      assert.strictEqual(notifications.status, 202)
      assert.strictEqual(yield* Effect.promise(() => notifications.text()), "")
      const responses = yield* Effect.promise(() => post(url, [{ jsonrpc: "2.0", id: 99, result: {} }], { "mcp-session-id": sessionId }))
      assert.strictEqual(responses.status, 202)
      yield* Effect.promise(() => responses.text())
      for (const body of [[], [ping(1), { jsonrpc: "2.0", id: 99, result: {} }]]) {
        const refused = yield* Effect.promise(() => post(url, body, { "mcp-session-id": sessionId }))
        assert.strictEqual(refused.status, 400, JSON.stringify(body))
        const answer: any = yield* Effect.promise(() => refused.json())
        assert.strictEqual(answer.error.code, -32600)
      }
      const cancelled = yield* Effect.promise(() =>
        post(url, [
          call("slow", "test_task_slow", { ms: 5_000 }),
          { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "slow", reason: "test" } },
          ping("b")
        ], jsonOnly(sessionId))
      )
      assert.strictEqual(cancelled.status, 200)
      const answer: any = yield* Effect.promise(() => cancelled.json())
      assert.deepStrictEqual(answer.map((response: any) => response.id), ["slow", "b"])
      assert.strictEqual(answer[0].error.code, -32800)
      // The session still answers one message at a time.
      const single = yield* Effect.promise(() => post(url, ping("single"), jsonOnly(sessionId)))
      assert.deepStrictEqual(yield* Effect.promise(() => single.json()), { jsonrpc: "2.0", id: "single", result: {} })
    }))

  it.live("a stateless endpoint takes a batch whose header names 2025-03-26 (or none); each request answered with the client's id", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      for (const headers of [{ "mcp-protocol-version": V, accept: "application/json" }, { accept: "application/json" }]) {
        const response = yield* Effect.promise(() => post(url, [ping("x"), call("y", "test_simple_text")], headers))
        assert.strictEqual(response.status, 200)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.deepStrictEqual(answer.map((r: any) => r.id), ["x", "y"])
        assert.deepStrictEqual(answer[0].result, {})
      }
    }))

  it.live("every other version keeps -32600: a session at 2025-06-18 or 2025-11-25, a stateless request naming another version, 2026-07-28", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      for (const version of ["2025-06-18", "2025-11-25"]) {
        const sessionId = yield* Effect.promise(() => version === "2025-11-25" ? openSession(url) : openAt(url, version))
        const response = yield* Effect.promise(() => post(url, [ping(1)], on(sessionId, { "mcp-protocol-version": version })))
        assert.strictEqual(response.status, 400, version)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.strictEqual(answer.error.code, -32600)
        assert.include(answer.error.message, "batches are not supported")
      }
      const { url: statelessUrl } = yield* serveEverything({ stateless: true })
      for (const version of ["2025-06-18", "2025-11-25", "2026-07-28"]) {
        const response = yield* Effect.promise(() => post(statelessUrl, [ping(1)], { "mcp-protocol-version": version, accept: BOTH }))
        assert.strictEqual(response.status, 400, version)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.strictEqual(answer.error.code, -32600, version)
      }
    }))
})
