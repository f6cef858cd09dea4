/**
 * The notifications a client sends, against a real OTLP/HTTP receiver on 127.0.0.1 and the
 * official SDK v1 client: with Telemetry each is a SERVER span of its own (the MCP semantic
 * conventions have one per MCP message, "the MCP request or notification initiated by the peer")
 * named by its method, with `mcp.method.name`, `mcp.session.id`, `mcp.protocol.version` and the
 * transport's attributes (over Streamable HTTP its POST's: `tcp`, `http`, `client.address`), no
 * `jsonrpc.request.id`, the child of the `traceparent` in its `_meta`; and it is measured in
 * `mcp.server.operation.duration` ("request or notification duration"). Before, notifications had
 * neither span nor data point.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InMemory, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { sdk } from "../e2e/harness.ts"
import { initializeMessage, on, post, serveOnAnyPort } from "../http/support.ts"
import { attribute, type OtlpSpan, receiver, until } from "./otlpReceiver.ts"

const Tool = McpServer.tool({ name: "noop", description: "Answers", parameters: {}, handler: () => Effect.succeed("ok") })
const components = Layer.mergeAll(Tool, Telemetry.layer)

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const parentId = "00f067aa0ba902b7"

/** An SDK v1 client that has roots (so it may tell the server they changed). */
const rootsClient = () => {
  const client = new Client({ name: "c", version: "1" }, { capabilities: { roots: { listChanged: true } } })
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }))
  return client
}

const serverKind = 2

/** A tool that never ends, and a promise settled once a call of it has started. */
const slowTool = () => {
  let begun: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    begun = resolve
  })
  const Slow = McpServer.tool({
    name: "slow",
    description: "Waits",
    parameters: {},
    handler: () => Effect.andThen(Effect.sync(() => begun()), Effect.as(Effect.never, "late"))
  })
  return { Slow, started }
}

describe("Telemetry and the notifications a client sends", () => {
  it.live("MCP 2025 in memory: notifications/initialized and roots/list_changed are SERVER spans, measured; _meta's traceparent is the parent", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "n", version: "1" }, components, pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 }))
        )
      )
      const client = rootsClient()
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      yield* sdk(() =>
        client.notification({
          method: "notifications/roots/list_changed",
          params: { _meta: { traceparent: `00-${traceId}-${parentId}-01` } }
        })
      )
      const named = (name: string) => otlp.spans.filter((s) => s.name === name)
      yield* until(() => named("notifications/initialized").length >= 1 && named("notifications/roots/list_changed").length >= 1)
      const initialized = named("notifications/initialized")[0]!
      const changed = named("notifications/roots/list_changed")[0]!
      for (const span of [initialized, changed]) {
        assert.strictEqual(span.kind, serverKind, span.name)
        assert.strictEqual(attribute(span, "mcp.method.name"), span.name)
        assert.strictEqual(attribute(span, "mcp.protocol.version"), "2025-11-25")
        assert.strictEqual(attribute(span, "network.transport"), "pipe")
        assert.isString(attribute(span, "mcp.session.id"), `${span.name}: of the session`)
        assert.isUndefined(attribute(span, "jsonrpc.request.id"), `${span.name}: a notification has no id`)
        assert.isUndefined(attribute(span, "error.type"))
      }
      assert.strictEqual(changed.traceId, traceId, "the client's trace")
      assert.strictEqual(changed.parentSpanId, parentId, "the client's span is the parent")
      const measured = () =>
        new Set(otlp.durationAttributes.map((a) => `${a["mcp.method.name"]} ${a["mcp.protocol.version"]} ${a["network.transport"]}`))
      yield* until(() => measured().has("notifications/initialized 2025-11-25 pipe"))
      yield* until(() => measured().has("notifications/roots/list_changed 2025-11-25 pipe"))
    }), 20_000)

  it.live("over Streamable HTTP: a notification's span has its POST's transport, the client's address and the session id", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "n", version: "1" }, components, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 }))
        )
      )
      const client = rootsClient()
      const transport = new StreamableHTTPClientTransport(new URL(url))
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(transport)), () => Effect.promise(() => client.close()))
      yield* sdk(() => client.sendRootsListChanged())
      const spans = (): Array<OtlpSpan> => otlp.spans.filter((s) => s.name.startsWith("notifications/"))
      yield* until(() => spans().length >= 2)
      const names = spans().map((s) => s.name).sort()
      assert.deepStrictEqual(names, ["notifications/initialized", "notifications/roots/list_changed"])
      for (const span of spans()) {
        assert.strictEqual(span.kind, serverKind, span.name)
        assert.strictEqual(attribute(span, "network.transport"), "tcp", span.name)
        assert.strictEqual(attribute(span, "network.protocol.name"), "http", span.name)
        assert.strictEqual(attribute(span, "client.address"), "127.0.0.1", span.name)
        assert.strictEqual(attribute(span, "mcp.session.id"), transport.sessionId, span.name)
        assert.strictEqual(attribute(span, "mcp.protocol.version"), "2025-11-25", span.name)
      }
    }), 20_000)

  // Failed before the fix: the notification, held until the `initialize` answer went out, was
  // handed on without its POST, as the transport's own would be: no span.
  it.live("over Streamable HTTP (SSE): a notifications/initialized sent before the initialize answer (its headers came first) is a span of its POST's transport", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      // The `initialize` answer is made slowly: its SSE response's headers (the session id) come first.
      let initializing: () => void = () => undefined
      const begun = new Promise<void>((resolve) => {
        initializing = resolve
      })
      let release: () => void = () => undefined
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      const slowInitialize = Middleware.make("slow-initialize", {
        onRequest: (request, context, next) =>
          request.method === "initialize"
            ? Effect.andThen(Effect.andThen(Effect.sync(() => initializing()), Effect.promise(() => released)), next(request, context))
            : next(request, context)
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "n", version: "1" },
          Layer.mergeAll(Tool, McpServer.middleware(Telemetry.middleware(), slowInitialize)),
          StreamableHttp.make({ host: "127.0.0.1", port, responseMode: "sse" })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 })))
      )
      const opening = yield* Effect.promise(() => post(url, initializeMessage(1)))
      assert.strictEqual(opening.status, 200)
      const sessionId = opening.headers.get("mcp-session-id")
      assert.isString(sessionId, "the session id comes with the headers")
      yield* Effect.promise(() => begun)
      const notified = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, on(sessionId!, { "user-agent": "early" }))
      )
      assert.strictEqual(notified.status, 202)
      release()
      const answered = yield* Effect.promise(() => opening.text())
      assert.include(answered, `"protocolVersion"`)
      const spans = () => otlp.spans.filter((s) => s.name === "notifications/initialized" && attribute(s, "mcp.session.id") === sessionId)
      yield* until(() => spans().length >= 1)
      const span = spans()[0]!
      assert.strictEqual(span.kind, serverKind)
      assert.strictEqual(attribute(span, "network.transport"), "tcp")
      assert.strictEqual(attribute(span, "network.protocol.name"), "http")
      assert.strictEqual(attribute(span, "client.address"), "127.0.0.1")
      assert.strictEqual(attribute(span, "mcp.protocol.version"), "2025-11-25")
    }), 20_000)

  // Failed before the fix: both said 2025-11-25, the shared stateless session's default, which
  // no request of a stateless endpoint runs as (each is its header's version, none: 2025-03-26).
  it.live("a stateless endpoint: a notification's span has the version its POST's MCP-Protocol-Version names (none: 2025-03-26), as a request's", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "n", version: "1" }, components, StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 }))
        )
      )
      const named = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", method: "notifications/roots/list_changed" }, { "mcp-protocol-version": "2025-06-18", "user-agent": "named" })
      )
      assert.strictEqual(named.status, 202)
      const unnamed = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/roots/list_changed" }, { "user-agent": "unnamed" }))
      assert.strictEqual(unnamed.status, 202)
      const called = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "noop", arguments: {} } }, { "mcp-protocol-version": "2025-06-18" })
          .then((response) => response.text())
      )
      assert.include(called, `"ok"`)
      const spans = () => otlp.spans.filter((s) => s.name === "notifications/roots/list_changed")
      yield* until(() => spans().length >= 2 && otlp.spans.some((s) => s.name === "tools/call noop"))
      assert.deepStrictEqual(spans().map((s) => attribute(s, "mcp.protocol.version")).sort(), ["2025-03-26", "2025-06-18"])
      assert.strictEqual(attribute(otlp.spans.find((s) => s.name === "tools/call noop")!, "mcp.protocol.version"), "2025-06-18", "as the request's")
      for (const span of spans()) assert.strictEqual(attribute(span, "network.transport"), "tcp")
    }), 20_000)

  it.live("over Streamable HTTP: the cancellation the transport makes itself (a call's POST dropped) is no notification of the client's: no span", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { Slow, started } = slowTool()
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "n", version: "1" }, Layer.mergeAll(Slow, Tool, Telemetry.layer), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 }))
        )
      )
      const client = rootsClient()
      const transport = new StreamableHTTPClientTransport(new URL(url))
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(transport)), () => Effect.promise(() => client.close()))
      // The call's POST, sent by hand and dropped: the client sends no notifications/cancelled.
      const abort = new AbortController()
      const posted = fetch(url, {
        method: "POST",
        signal: abort.signal,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-session-id": transport.sessionId!,
          "mcp-protocol-version": "2025-11-25"
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 77, method: "tools/call", params: { name: "slow", arguments: {} } })
      }).catch(() => undefined)
      yield* Effect.promise(() => started)
      abort.abort()
      yield* Effect.promise(() => posted)
      // The call ends cancelled: its span is exported once the transport cancelled it.
      yield* until(() => otlp.spans.some((s) => s.name === "tools/call slow"))
      assert.strictEqual(attribute(otlp.spans.find((s) => s.name === "tools/call slow")!, "error.type"), "cancelled")
      yield* until(() => otlp.spans.some((s) => s.name === "notifications/initialized"))
      // A later call's span is exported after any span of that cancellation (one exporter, in order).
      yield* sdk(() => client.callTool({ name: "noop", arguments: {} }))
      yield* until(() => otlp.spans.some((s) => s.name === "tools/call noop"))
      assert.deepStrictEqual(otlp.spans.filter((s) => s.name === "notifications/cancelled").map((s) => s.name), [])
    }), 20_000)

  it.live("a stateless endpoint: the cancellation it makes itself (a call's POST dropped) has no span either (it had one saying pipe)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { Slow, started } = slowTool()
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "n", version: "1" },
          Layer.mergeAll(Slow, Tool, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 })))
      )
      const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" }
      const abort = new AbortController()
      const posted = fetch(url, {
        method: "POST",
        signal: abort.signal,
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: 78, method: "tools/call", params: { name: "slow", arguments: {} } })
      }).catch(() => undefined)
      yield* Effect.promise(() => started)
      abort.abort()
      yield* Effect.promise(() => posted)
      yield* until(() => otlp.spans.some((s) => s.name === "tools/call slow"))
      assert.strictEqual(attribute(otlp.spans.find((s) => s.name === "tools/call slow")!, "error.type"), "cancelled")
      // A later call's span is exported after any span of that cancellation (same exporter, in order).
      const later = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers,
          body: JSON.stringify({ jsonrpc: "2.0", id: 79, method: "tools/call", params: { name: "noop", arguments: {} } })
        }).then((response) => response.text())
      )
      assert.include(later, "ok")
      yield* until(() => otlp.spans.some((s) => s.name === "tools/call noop"))
      assert.deepStrictEqual(otlp.spans.filter((s) => s.name.startsWith("notifications/")).map((s) => `${s.name} ${attribute(s, "network.transport")}`), [])
    }), 20_000)

  it.live("MCP 2026-07-28 over a connection of its own: a notification's span has that version and no session id", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "n", version: "1" }, components, pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 }))
        )
      )
      const answered = new Promise<any>((resolve) => {
        pair.client.onmessage = (message: any) => message.id === "m" && resolve(message)
      })
      const modernMeta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
      }
      yield* Effect.promise(() =>
        pair.client.send({ jsonrpc: "2.0", id: "m", method: "tools/call", params: { name: "noop", arguments: {}, _meta: modernMeta } } as never)
      )
      assert.deepStrictEqual((yield* Effect.promise(() => answered)).result?.content, [{ type: "text", text: "ok" }])
      // A cancellation of a request already answered, its _meta naming no version.
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "gone" } } as never))
      const spans = () => otlp.spans.filter((s) => s.name === "notifications/cancelled")
      yield* until(() => spans().length >= 1)
      const span = spans()[0]!
      assert.strictEqual(attribute(span, "mcp.protocol.version"), "2026-07-28", "the connection's era")
      assert.strictEqual(attribute(span, "network.transport"), "pipe")
      assert.isUndefined(attribute(span, "mcp.session.id"), "2026-07-28 has no sessions")
      yield* Effect.promise(() => pair.client.close())
    }), 20_000)
  it.live("MCP 2026-07-28 over Streamable HTTP: a notification (202, no session takes it) is a SERVER span of that version, with its POST's transport", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "n", version: "1" }, components, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "notified", exportIntervalMillis: 100 }))
        )
      )
      const modernMeta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      const posted = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28" },
          body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "gone", _meta: modernMeta } })
        })
      )
      assert.strictEqual(posted.status, 202)
      const spans = () => otlp.spans.filter((s) => s.name === "notifications/cancelled")
      yield* until(() => spans().length >= 1)
      const span = spans()[0]!
      assert.strictEqual(span.kind, serverKind)
      assert.strictEqual(attribute(span, "mcp.protocol.version"), "2026-07-28")
      assert.strictEqual(attribute(span, "network.transport"), "tcp")
      assert.strictEqual(attribute(span, "client.address"), "127.0.0.1")
      assert.isUndefined(attribute(span, "mcp.session.id"), "2026-07-28 has no sessions")
    }), 20_000)
})
