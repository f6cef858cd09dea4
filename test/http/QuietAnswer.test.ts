/**
 * A call that sends nothing for a while, answered behind a reverse proxy: nginx cuts an upstream
 * response that sends no byte for `proxy_read_timeout` (60 s by default; an AWS load balancer's
 * idle timeout is 60 s too). Answered as JSON, such a call sent nothing at all until its answer,
 * and the proxy answered its client 504 after a minute. Now a request of a client that accepts
 * both (`"auto"`) that is still quiet after `keepAliveMillis` opens its SSE stream, which the
 * keep-alive comments then keep alive; its request timeout still holds (the stream ends with the
 * -32603 "Gateway Timeout" its 504 carried).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { messagesOf, nextMessage, on, openSession, post, readSse, serveOnAnyPort, sseReader } from "./support.ts"

const Sleep = McpServer.tool({
  name: "sleep",
  parameters: { ms: Schema.Int },
  handler: ({ ms }) => Effect.as(Effect.sleep(ms), `slept ${ms}`)
})

/** Quiet for `quiet` ms, then a progress notification every 100 ms, `steps` of them, then its answer. */
const Busy = McpServer.tool({
  name: "busy",
  parameters: { quiet: Schema.Int, steps: Schema.Int },
  handler: ({ quiet, steps }) =>
    Effect.gen(function*() {
      yield* Effect.sleep(quiet)
      for (let i = 1; i <= steps; i++) {
        yield* McpContext.progress(i, steps, `step ${i}`)
        yield* Effect.sleep(100)
      }
      return `busy ${steps}`
    })
})

const serve = (options: StreamableHttp.Options) =>
  serveOnAnyPort((port) => McpServer.serve({ name: "quiet", version: "1.0.0" }, Layer.mergeAll(Sleep, Busy), StreamableHttp.make({ port, ...options })))

const call = (id: number, ms: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "sleep", arguments: { ms } } })

describe("a quiet call's answer", () => {
  it.live("a 2025 call quiet past keepAliveMillis is answered on an SSE stream that carries keep-alive comments before the answer", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ keepAliveMillis: 100 })
      const session = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() => post(url, call(1, 700), on(session)))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("content-type"), "text/event-stream")
      const text = yield* Effect.promise(() => response.text())
      const answer = text.indexOf("slept 700")
      assert.isAbove(answer, 0)
      assert.include(text.slice(0, answer), ": keep-alive\n\n", "a comment went before the answer")
    }))

  it.live("a 2026-07-28 call quiet past keepAliveMillis opens its stream too; a quick one is still JSON", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ keepAliveMillis: 100 })
      const headers = { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "sleep" }
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "quiet-test", version: "1.0.0" }
      }
      const modern = (id: number, ms: number) => ({ ...call(id, ms), params: { ...call(id, ms).params, _meta: meta } })
      const slow = yield* Effect.promise(() => post(url, modern(1, 700), headers))
      assert.strictEqual(slow.headers.get("content-type"), "text/event-stream")
      const events = yield* Effect.promise(() => readSse(slow))
      assert.deepStrictEqual(messagesOf(events).map((m) => m.result?.content?.[0]?.text), ["slept 700"])
      const quick = yield* Effect.promise(() => post(url, modern(2, 0), headers))
      assert.strictEqual(quick.headers.get("content-type"), "application/json")
    }))

  it.live("the SDK v1 client gets the answer of a call quiet for several keep-alive periods", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ keepAliveMillis: 100 })
      const client = new Client({ name: "quiet-v1", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const result = yield* Effect.promise(() => client.callTool({ name: "sleep", arguments: { ms: 600 } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "slept 600" }])
    }))

  it.live("its request timeout still holds: the stream ends with -32603 Gateway Timeout", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ keepAliveMillis: 100, requestTimeoutMillis: 400 })
      const session = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() => post(url, call(1, 60_000), on(session)))
      assert.strictEqual(response.headers.get("content-type"), "text/event-stream")
      const messages = messagesOf(yield* Effect.promise(() => readSse(response, 5_000)))
      assert.strictEqual(messages.length, 1)
      assert.strictEqual(messages[0].id, 1)
      assert.strictEqual(messages[0].error.code, -32603)
      assert.match(messages[0].error.message, /Gateway Timeout/)
    }))

  it.live("a client that accepts only JSON still gets JSON (and its 504 at the request timeout)", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ keepAliveMillis: 100, requestTimeoutMillis: 400 })
      const session = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() => post(url, call(1, 60_000), { ...on(session), accept: "application/json" }))
      assert.strictEqual(response.status, 504)
      assert.strictEqual(response.headers.get("content-type"), "application/json")
    }))

  it.live("a stream opened for its silence that then streams progress is not cut at the request timeout (2026-07-28, 2025 stateless: streams without event ids)", () =>
    Effect.gen(function*() {
      // Quiet 200 ms (its stream opens at 100), then progress for 1.2 s: three times its request timeout.
      const options = { keepAliveMillis: 100, requestTimeoutMillis: 400 }
      const busy = (id: number, _meta: Record<string, unknown>) => ({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "busy", arguments: { quiet: 200, steps: 12 }, _meta }
      })
      const modern = yield* serve(options)
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "quiet-test", version: "1.0.0" },
        progressToken: "p"
      }
      const headers = { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "busy" }
      const streamed = yield* Effect.promise(() => post(modern.url, busy(1, meta), headers))
      assert.strictEqual(streamed.headers.get("content-type"), "text/event-stream")
      const messages = messagesOf(yield* Effect.promise(() => readSse(streamed, 10_000)))
      assert.strictEqual(messages.filter((m) => m.method === "notifications/progress").length, 12)
      assert.deepStrictEqual(messages.at(-1)?.result?.content?.[0]?.text, "busy 12")
      const stateless = yield* serve({ ...options, stateless: true })
      const legacy = yield* Effect.promise(() => post(stateless.url, busy(2, { progressToken: "q" })))
      assert.strictEqual(legacy.headers.get("content-type"), "text/event-stream")
      const answered = messagesOf(yield* Effect.promise(() => readSse(legacy, 10_000)))
      assert.deepStrictEqual(answered.at(-1)?.result?.content?.[0]?.text, "busy 12")
    }))

  it.live("a 2025 session's stream opened for its silence is primed: the client that drops it resumes it with Last-Event-ID and gets the answer", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ keepAliveMillis: 100 })
      const session = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() => post(url, call(1, 700), on(session)))
      assert.strictEqual(response.headers.get("content-type"), "text/event-stream")
      const reader = sseReader(response)
      const priming = yield* Effect.promise(() => reader.next(5_000))
      assert.match(priming?.id ?? "", /\.0$/, "a priming event with an id")
      assert.strictEqual(priming?.data, "")
      // The client drops the stream before the answer, then resumes it.
      yield* Effect.promise(() => reader.cancel())
      const resumed = yield* Effect.promise(() =>
        fetch(url, { headers: on(session, { accept: "text/event-stream", "last-event-id": priming!.id! }) })
      )
      assert.strictEqual(resumed.status, 200)
      const answer = yield* Effect.promise(() => nextMessage(sseReader(resumed), { timeoutMillis: 5_000 }))
      assert.strictEqual(answer.id, 1)
      assert.strictEqual(answer.result?.content?.[0]?.text, "slept 700")
    }))
})
