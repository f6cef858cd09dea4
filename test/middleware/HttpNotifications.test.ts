/**
 * Middleware sees every notification over Streamable HTTP, those no session takes too: a
 * stateless endpoint's and MCP 2026-07-28's are answered 202 and observed on the shared stateless
 * session (`onNotification`, `onMessage`), nothing else running for them (a cancellation cancels
 * nothing). The official SDK v2 client pinned to 2026-07-28, and raw `fetch`, on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { serveOnAnyPort } from "../http/support.ts"

interface Seen {
  readonly hook: "onNotification" | "onMessage"
  readonly method: string
  readonly session: string
  readonly http: boolean
}

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, body: text }
}

const modernMeta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {}
}

const serverWithWatch = (stateless: boolean) =>
  Effect.gen(function*() {
    const seen: Array<Seen> = []
    let slowStarted = 0
    const watch = McpServer.middleware(Middleware.make("watch", {
      onNotification: (notification, session, next, http) =>
        Effect.suspend(() => {
          seen.push({ hook: "onNotification", method: notification.method, session: session.id, http: http !== undefined })
          return next(notification)
        }),
      onMessage: (message, next) =>
        Effect.suspend(() => {
          if (message._tag === "Notification") {
            seen.push({ hook: "onMessage", method: message.notification.method, session: message.session.id, http: false })
          }
          return next()
        })
    }))
    const Slow = McpServer.tool({
      name: "slow",
      description: "Sleeps",
      handler: () =>
        Effect.suspend(() => {
          slowStarted++
          return Effect.as(Effect.sleep("300 millis"), "done")
        })
    })
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve(
        { name: "notifications", version: "1" },
        Layer.mergeAll(watch, Slow),
        StreamableHttp.make({ host: "127.0.0.1", port, stateless })
      ),
      { loggers: [] }
    )
    return { url, seen, slowStarted: () => slowStarted }
  })

const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && !check(); i++) yield* Effect.sleep("10 millis")
  })

const methodsOf = (seen: ReadonlyArray<Seen>, hook: Seen["hook"]) => seen.filter((s) => s.hook === hook).map((s) => s.method)

describe("Middleware sees the notifications no Streamable HTTP session takes", () => {
  it.live("SDK v2 client pinned to 2026-07-28: its notifications reach onNotification and onMessage, answered 202", () =>
    Effect.gen(function*() {
      const { seen, url } = yield* serverWithWatch(false)
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "sdk-v2-notifications", version: "2.0.0" }, {
            capabilities: {},
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2026-07-28")
      yield* Effect.promise(() => client.notification({ method: "notifications/custom", params: { n: 1 } } as never))
      yield* Effect.promise(() => client.notification({ method: "notifications/cancelled", params: { requestId: 0, reason: "test" } } as never))
      yield* eventually(() => seen.length >= 4)
      assert.deepStrictEqual(methodsOf(seen, "onNotification"), ["notifications/custom", "notifications/cancelled"])
      assert.deepStrictEqual(methodsOf(seen, "onMessage"), ["notifications/custom", "notifications/cancelled"])
      // With the HTTP request that carried each, on one session (the shared stateless one).
      assert.isTrue(seen.filter((s) => s.hook === "onNotification").every((s) => s.http))
      assert.strictEqual(new Set(seen.map((s) => s.session)).size, 1)
    }))

  it.live("raw 2026-07-28 POSTs (stateful endpoint) and a stateless endpoint's 2025 notifications: observed, 202; a cancellation cancels nothing", () =>
    Effect.gen(function*() {
      const modern = yield* serverWithWatch(false)
      const custom = { jsonrpc: "2.0", method: "notifications/custom", params: { _meta: modernMeta } }
      const answer = yield* Effect.promise(() => post(modern.url, custom, { "mcp-protocol-version": "2026-07-28" }))
      assert.deepStrictEqual([answer.status, answer.body], [202, ""])
      yield* eventually(() => modern.seen.length >= 2)
      assert.deepStrictEqual(methodsOf(modern.seen, "onNotification"), ["notifications/custom"])

      const stateless = yield* serverWithWatch(true)
      const call = { jsonrpc: "2.0", id: 0, method: "tools/call", params: { name: "slow", arguments: {} } }
      const running = Effect.runPromise(Effect.promise(() => post(stateless.url, call, { "mcp-protocol-version": "2025-11-25" })))
      // The cancellations below come while it runs (not after a fixed 50 ms, when it may not yet).
      yield* eventually(() => stateless.slowStarted() === 1)
      assert.strictEqual(stateless.slowStarted(), 1, "the call runs")
      // The shared session runs the call under an id of its own (1, its first): a client naming
      // it (or its own id, 0) cancels nothing.
      for (const id of [0, 1]) {
        const cancelled = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id } }
        const accepted = yield* Effect.promise(() => post(stateless.url, cancelled, { "mcp-protocol-version": "2025-11-25" }))
        assert.strictEqual(accepted.status, 202)
      }
      const initialized = { jsonrpc: "2.0", method: "notifications/initialized" }
      assert.strictEqual((yield* Effect.promise(() => post(stateless.url, initialized))).status, 202)
      const result = yield* Effect.promise(() => running)
      assert.strictEqual(result.status, 200)
      assert.include(result.body, "done")
      // A 2025-03-26 batch: its notification is observed as a single one is.
      const batch = [{ jsonrpc: "2.0", method: "notifications/in-batch" }, { jsonrpc: "2.0", id: 5, method: "tools/list" }]
      const batched = yield* Effect.promise(() => post(stateless.url, batch, { "mcp-protocol-version": "2025-03-26" }))
      assert.strictEqual(batched.status, 200)
      const expected = ["notifications/cancelled", "notifications/cancelled", "notifications/initialized", "notifications/in-batch"]
      yield* eventually(() => stateless.seen.length >= 8)
      assert.deepStrictEqual(methodsOf(stateless.seen, "onNotification"), expected)
      assert.deepStrictEqual(methodsOf(stateless.seen, "onMessage"), expected)
    }))
})
