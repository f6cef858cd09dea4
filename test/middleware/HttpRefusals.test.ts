/**
 * Middleware observes what the Streamable HTTP transport refuses before a session takes it (a body
 * that is not JSON, a bad envelope, an unsupported version header, no or an unknown session, a
 * 2026-07-28 header that disagrees with the body or a `_meta` that does not resolve, an id in
 * progress): `onMessage` sees each as `Invalid`, with the error the client got, on the session it
 * named or else on the shared stateless session. Raw `fetch` on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { serveOnAnyPort } from "../http/support.ts"

interface Seen {
  readonly value: unknown
  readonly code: number
  readonly session: string
}

const post = async (url: string, body: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body
  })
  const text = await response.text()
  return { status: response.status, sessionId: response.headers.get("mcp-session-id"), message: text === "" ? undefined : JSON.parse(text) }
}

const initialize = (id: number) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
  })

const modernMeta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {}
}

const serverWithWatch = (stateless: boolean) =>
  Effect.gen(function*() {
    const seen: Array<Seen> = []
    const watch = McpServer.middleware(Middleware.make("watch", {
      onMessage: (message, next) => {
        if (message._tag === "Invalid") {
          seen.push({ value: message.invalid.value, code: message.invalid.error.code, session: message.session.id })
        }
        return next()
      }
    }))
    const Slow = McpServer.tool({
      name: "slow",
      description: "Sleeps",
      handler: () => Effect.as(Effect.sleep("300 millis"), "done")
    })
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve(
        { name: "refusals", version: "1" },
        Layer.mergeAll(watch, Slow),
        StreamableHttp.make({ host: "127.0.0.1", port, stateless })
      ),
      { loggers: [] }
    )
    return { url, seen }
  })

const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && !check(); i++) yield* Effect.sleep("10 millis")
  })

describe("Middleware observes what Streamable HTTP refuses before a session", () => {
  it.live("stateful endpoint: each refusal reaches onMessage as Invalid with the client's error, on the session it names or the shared one", () =>
    Effect.gen(function*() {
      const { seen, url } = yield* serverWithWatch(false)
      const opened = yield* Effect.promise(() => post(url, initialize(1)))
      const sessionId = opened.sessionId!
      assert.isString(sessionId)
      yield* Effect.promise(() =>
        post(url, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
          "mcp-session-id": sessionId,
          "mcp-protocol-version": "2025-11-25"
        })
      )
      const session = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" }
      const list = { jsonrpc: "2.0", id: 2, method: "tools/list" }
      const refusals: Array<[string, Record<string, string>, number, number]> = [
        ["{not json", session, 400, -32700],
        [JSON.stringify({ jsonrpc: "1.0", id: 3, method: "ping" }), session, 400, -32600],
        [JSON.stringify(list), {}, 400, -32600],
        [JSON.stringify(list), { "mcp-session-id": "unknown" }, 404, -32001],
        [JSON.stringify(list), { "mcp-protocol-version": "1999-01-01" }, 400, -32600],
        [JSON.stringify(list), { "mcp-session-id": sessionId, "mcp-protocol-version": "1999-01-01" }, 400, -32600],
        [
          JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/list", params: { _meta: modernMeta } }),
          { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call" },
          400,
          -32020
        ]
      ]
      for (const [body, headers, status, code] of refusals) {
        const answer = yield* Effect.promise(() => post(url, body, headers))
        assert.deepStrictEqual([answer.status, answer.message?.error?.code], [status, code], body)
      }
      // An id in progress: the second POST of the same id is refused while the first runs.
      const call = JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "slow", arguments: {} } })
      const first = Effect.runPromise(Effect.promise(() => post(url, call, session)))
      yield* Effect.sleep("50 millis")
      const twice = yield* Effect.promise(() => post(url, call, session))
      assert.deepStrictEqual([twice.status, twice.message?.error?.code], [409, -32600])
      assert.strictEqual((yield* Effect.promise(() => first)).status, 200)

      yield* eventually(() => seen.length >= refusals.length + 1)
      assert.deepStrictEqual(seen.map((s) => s.code), [-32700, -32600, -32600, -32001, -32600, -32600, -32020, -32600])
      // The body that was not JSON has no value; the others are the messages received.
      assert.strictEqual(seen[0]!.value, undefined)
      assert.deepStrictEqual(seen[1]!.value, { jsonrpc: "1.0", id: 3, method: "ping" })
      assert.deepStrictEqual(seen[3]!.value, list)
      assert.deepStrictEqual((seen[7]!.value as { readonly id: unknown }).id, 9)
      // Refusals naming the live session are observed on it; the others on the shared stateless session.
      const shared = seen[2]!.session
      assert.notStrictEqual(shared, sessionId)
      assert.deepStrictEqual(seen.map((s) => s.session), [sessionId, sessionId, shared, shared, shared, sessionId, shared, sessionId])
    }))

  // Failed before: each of these refusals started the shared stateless session again (it failed:
  // one more failed start and one more log line per refusal, as many as the clients' retries).
  it.live("stateful endpoint whose sessions fail to start: refusals naming no live session start the shared session at most once", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ message }) => {
        lines.push(Array.isArray(message) ? message.join(" ") : String(message))
      })
      let opens = 0
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "refusals", version: "1" },
          Layer.empty,
          StreamableHttp.make({
            host: "127.0.0.1",
            port,
            session: {
              onOpen: () => {
                opens++
                throw new Error("no session now")
              }
            }
          })
        ), { loggers: [logger] })
      const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })
      const began = Date.now()
      for (let i = 0; i < 10; i++) {
        const answer = yield* Effect.promise(() => post(url, list, { "mcp-session-id": `gone-${i}`, "mcp-protocol-version": "2025-11-25" }))
        assert.deepStrictEqual([answer.status, answer.message?.error?.code], [404, -32001])
        const unnamed = yield* Effect.promise(() => post(url, list, { "mcp-protocol-version": "2025-11-25" }))
        assert.deepStrictEqual([unnamed.status, unnamed.message?.error?.code], [400, -32600])
      }
      yield* Effect.sleep("50 millis")
      // One start, then none for a second after it failed (one more a second at most, should the
      // 20 refusals take longer on a loaded machine).
      const most = 1 + Math.floor((Date.now() - began) / 1_000)
      assert.isAtLeast(opens, 1)
      assert.isAtMost(opens, most)
      const failed = lines.filter((line) => line.startsWith("MCP session could not start")).length
      assert.strictEqual(failed, opens, lines.join("\n"))
      // A session a client opens is still tried (and refused 503), each time.
      const before = opens
      const opened = yield* Effect.promise(() => post(url, initialize(1)))
      assert.strictEqual(opened.status, 503)
      assert.strictEqual(opens, before + 1)
    }))

  // Failed before: the first refusal's start of the shared session, failed, was never tried again
  // (nor one that ended started again): refusals went unobserved by middleware for good.
  it.live("stateful endpoint: a failed start of the shared session for refusals is one at a time, tried again a second later, and the refusals then observed", () =>
    Effect.gen(function*() {
      const seen: Array<Seen> = []
      const watch = McpServer.middleware(Middleware.make("watch", {
        onMessage: (message, next) => {
          if (message._tag === "Invalid") {
            seen.push({ value: message.invalid.value, code: message.invalid.error.code, session: message.session.id })
          }
          return next()
        }
      }))
      let failing = true
      let opens = 0
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "refusals", version: "1" },
          watch,
          StreamableHttp.make({
            host: "127.0.0.1",
            port,
            session: {
              onOpen: () => {
                opens++
                if (failing) throw new Error("no session now")
              }
            }
          })
        ), { loggers: [] })
      const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })
      const refusal = (name: string) =>
        Effect.promise(() => post(url, list, { "mcp-session-id": name, "mcp-protocol-version": "2025-11-25" }))
      // Eight at once while sessions fail: one start.
      const answers = yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => `gone-${i}`), refusal, { concurrency: "unbounded" })
      assert.deepStrictEqual(answers.map((answer) => answer.status), Array(8).fill(404))
      assert.strictEqual(opens, 1)
      assert.deepStrictEqual(seen, [])
      // Sessions start again; past the second after the failure, a refusal starts the shared one.
      failing = false
      yield* Effect.sleep("1100 millis")
      assert.strictEqual((yield* refusal("late-1")).status, 404)
      yield* eventually(() => seen.length === 1)
      assert.strictEqual(opens, 2)
      assert.deepStrictEqual(seen.map((s) => s.code), [-32001])
      // It runs: the next refusal is observed on it, no start.
      assert.strictEqual((yield* refusal("late-2")).status, 404)
      yield* eventually(() => seen.length === 2)
      assert.strictEqual(opens, 2)
      assert.deepStrictEqual(seen.map((s) => s.code), [-32001, -32001])
      assert.strictEqual(seen[0]!.session, seen[1]!.session)
    }))

  it.live("stateless endpoint: a 2026-07-28 _meta that does not resolve and a repeated Mcp-Method are observed", () =>
    Effect.gen(function*() {
      const { seen, url } = yield* serverWithWatch(true)
      const bad = { ...modernMeta, "io.modelcontextprotocol/logLevel": "LOUD" }
      const refused = yield* Effect.promise(() =>
        post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: bad } }), {
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/list"
        })
      )
      assert.strictEqual(refused.message?.error?.code, -32602)
      const repeated = yield* Effect.promise(() =>
        post(url, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: modernMeta } }), {
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/list, tools/list"
        })
      )
      assert.deepStrictEqual([repeated.status, repeated.message?.error?.code], [400, -32020])
      // A request that is served is not Invalid.
      const served = yield* Effect.promise(() =>
        post(url, JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: modernMeta } }), {
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/list"
        })
      )
      assert.isArray(served.message?.result?.tools)
      yield* eventually(() => seen.length >= 2)
      yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(seen.map((s) => [(s.value as { readonly id: unknown }).id, s.code]), [[1, -32602], [2, -32020]])
    }))
})
