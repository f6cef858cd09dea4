/**
 * The trace context of the notifications a server sends for a request it handles (progress, log
 * messages, a handler's own), against a real OTLP/HTTP receiver on 127.0.0.1 and the official SDK
 * clients, which read each notification's `_meta`: with Telemetry, such a notification carries the
 * `traceparent` of the span current where it was sent (a handler's, under the request's SERVER
 * span) and the trace's `tracestate`, as the MCP semantic conventions ask of a sender ("when
 * creating a request or notification"). MCP 2025 in memory (SDK v1), and MCP 2026-07-28 over
 * Streamable HTTP, where they travel in the call's SSE response (SDK v2). Before, they carried
 * none. A notification tied to no request (a list change) carries none, and without Telemetry
 * nothing is added.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import {
  LoggingMessageNotificationSchema,
  ProgressNotificationSchema,
  ToolListChangedNotificationSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"

/** A tool that reports progress and logs, in a span of its own: through its context and through `Effect.log`. */
const Report = McpServer.tool({
  name: "report",
  description: "Reports progress and logs",
  parameters: {},
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.progress(1, 2, "half")
      yield* McpContext.log("info", "logged")
      yield* Effect.logWarning("bridged")
      return "done"
    }).pipe(Effect.withSpan("report.work"))
})

/** A tool that registers another tool: the server tells every session its tool list changed (tied to no request). */
const Grow = McpServer.tool({
  name: "grow",
  description: "Adds a tool",
  parameters: {},
  handler: () =>
    McpServer.addTool({ name: "grown", description: "Grown", parameters: { x: Schema.String }, handler: () => Effect.succeed("ok") }).pipe(
      Effect.as("grown"),
      Effect.withSpan("grow.work")
    )
})

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
/** OTLP's span kind CLIENT. */
const clientKind = 3
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`
const tracestate = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
const traceparentFormat = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/

/** The `_meta` of every notification the client got, by method, in order. */
type Received = Array<{ readonly method: string; readonly meta: Record<string, unknown> | undefined }>

/** The trace id and parent span id a `traceparent` names. */
const parsed = (value: unknown) => {
  assert.isString(value)
  const match = traceparentFormat.exec(value as string)
  assert.isNotNull(match, `a W3C traceparent: ${String(value)}`)
  return { traceId: match![1]!, spanId: match![2]! }
}

/** An SDK v1 client noting the `_meta` of the progress, log and tool-list notifications it gets. */
const notedClient = (received: Received) => {
  const client = new Client({ name: "c", version: "1" }, { capabilities: {} })
  client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
    received.push({ method: notification.method, meta: notification.params._meta })
  })
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    received.push({ method: notification.method, meta: notification.params._meta })
  })
  client.setNotificationHandler(ToolListChangedNotificationSchema, (notification) => {
    received.push({ method: notification.method, meta: notification.params?._meta })
  })
  return client
}

/** Serves `Report` and `Grow` (with `telemetry`) in memory, exporting to `url`; the noting client connected to it. */
const served = (url: string, telemetry: Layer.Layer<never, never, McpServer.McpServer>, received: Received) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Report, Grow, telemetry), pair.server).pipe(
        Effect.provide(Telemetry.otlp({ url, serviceName: "traced", exportIntervalMillis: 100 }))
      )
    )
    const client = notedClient(received)
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    return client
  })

describe("Telemetry and the notifications sent for a request", () => {
  // Failed before the fix: no CLIENT span was made for a notification the server sent (its
  // traceparent was the handler's span), which the conventions ask of the sender of a notification.
  it.live("MCP 2025: a tool's progress and log notifications are CLIENT spans under the span current where they were sent, whose traceparent they carry", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      yield* sdk(() => client.setLoggingLevel("debug"))
      const result = yield* sdk(() =>
        client.callTool({ name: "report", arguments: {}, _meta: { traceparent, tracestate, progressToken: "p1" } })
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: "done" }])
      yield* until(() => received.length >= 3)
      assert.deepStrictEqual(received.map((r) => r.method), [
        "notifications/progress",
        "notifications/message",
        "notifications/message"
      ])
      const sentIds = received.map(({ meta }) => parsed(meta?.traceparent).spanId)
      yield* until(() => otlp.spans.some((span) => span.name === "report.work") && sentIds.every((id) => otlp.spans.some((span) => span.spanId === id)))
      const work = otlp.spans.find((span) => span.name === "report.work")!
      for (const [i, { method, meta }] of received.entries()) {
        const sent = parsed(meta?.traceparent)
        assert.strictEqual(sent.traceId, traceId, method)
        assert.strictEqual(meta?.tracestate, tracestate, `${method}: the trace's state, carried on`)
        const span = otlp.spans.find((s) => s.spanId === sentIds[i])!
        assert.strictEqual(span.name, method)
        assert.strictEqual(span.kind, clientKind, `${method}: a CLIENT span`)
        assert.strictEqual(span.traceId, traceId)
        assert.strictEqual(span.parentSpanId, work.spanId, `${method}: the child of the handler's span, current where it was sent`)
        assert.strictEqual(attribute(span, "mcp.method.name"), method)
        assert.strictEqual(attribute(span, "mcp.protocol.version"), "2025-11-25")
        assert.strictEqual(attribute(span, "network.transport"), "pipe")
        assert.isString(attribute(span, "mcp.session.id"))
        assert.isUndefined(attribute(span, "jsonrpc.request.id"), "a notification has no id")
      }
    }))

  it.live("notificationSpans: false: a tool's progress and log notifications carry the traceparent of the span current where they were sent, no span of their own", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, McpServer.middleware(Telemetry.middleware({ notificationSpans: false })), received)
      yield* sdk(() => client.setLoggingLevel("debug"))
      const result = yield* sdk(() =>
        client.callTool({ name: "report", arguments: {}, _meta: { traceparent, tracestate, progressToken: "p1" } })
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: "done" }])
      yield* until(() => received.length >= 3)
      assert.deepStrictEqual(received.map((r) => r.method), [
        "notifications/progress",
        "notifications/message",
        "notifications/message"
      ])

      yield* until(() => otlp.spans.some((span) => span.name === "report.work"))
      const work = otlp.spans.find((span) => span.name === "report.work")!
      assert.strictEqual(work.traceId, traceId, "the call's trace")
      for (const { method, meta } of received) {
        const sent = parsed(meta?.traceparent)
        assert.strictEqual(sent.traceId, traceId, method)
        assert.strictEqual(sent.spanId, work.spanId, `${method}: the handler's span, current where it was sent`)
        assert.strictEqual(meta?.tracestate, tracestate, `${method}: the trace's state, carried on`)
      }
      assert.strictEqual(received[0]!.meta?.progressToken, undefined, "the progress token is in the params, not _meta")
      assert.isFalse(otlp.spans.some((span) => span.name.startsWith("notifications/") && span.kind === clientKind), "no CLIENT span")
    }))

  it.live("a notification tied to no request (a list change) carries no trace context", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      yield* sdk(() => client.listTools())
      const result = yield* sdk(() => client.callTool({ name: "grow", arguments: {}, _meta: { traceparent } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "grown" }])
      yield* until(() => received.some((r) => r.method === "notifications/tools/list_changed"))
      const changed = received.find((r) => r.method === "notifications/tools/list_changed")
      assert.isDefined(changed, "the list change was told")
      assert.isUndefined(changed!.meta?.traceparent)
    }))

  it.live("without Telemetry nothing is added to a notification's _meta", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Layer.empty, received)
      yield* sdk(() => client.setLoggingLevel("debug"))
      yield* sdk(() => client.callTool({ name: "report", arguments: {}, _meta: { traceparent, progressToken: "p1" } }))
      yield* until(() => received.length >= 3)
      assert.strictEqual(received.length, 3)
      for (const { meta } of received) assert.isUndefined(meta?.traceparent)
    }))

  it.live("MCP 2026-07-28 over Streamable HTTP: the notifications in the call's SSE response carry it too", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "traced", version: "1" },
          Layer.mergeAll(Report, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 })))
      )
      const received: Received = []
      const client = new ClientV2({ name: "c2", version: "2" }, {
        capabilities: {},
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      client.setNotificationHandler("notifications/progress", (notification) => {
        received.push({ method: notification.method, meta: notification.params._meta })
      })
      client.setNotificationHandler("notifications/message", (notification) => {
        received.push({ method: notification.method, meta: notification.params._meta })
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new HttpV2(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const result = yield* sdk(() =>
        client.callTool({
          name: "report",
          arguments: {},
          _meta: { traceparent, tracestate, progressToken: "p2", "io.modelcontextprotocol/logLevel": "debug" }
        })
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: "done" }])
      yield* until(() => received.length >= 3)
      assert.deepStrictEqual(received.map((r) => r.method).sort(), [
        "notifications/message",
        "notifications/message",
        "notifications/progress"
      ])
      const sentIds = received.map(({ meta }) => parsed(meta?.traceparent).spanId)
      yield* until(() => otlp.spans.some((span) => span.name === "report.work") && sentIds.every((id) => otlp.spans.some((span) => span.spanId === id)))
      const work = otlp.spans.find((span) => span.name === "report.work")!
      for (const [i, { method, meta }] of received.entries()) {
        const sent = parsed(meta?.traceparent)
        assert.strictEqual(sent.traceId, traceId, method)
        assert.strictEqual(meta?.tracestate, tracestate, method)
        const span = otlp.spans.find((s) => s.spanId === sentIds[i])!
        assert.strictEqual(span.name, method)
        assert.strictEqual(span.kind, clientKind, method)
        assert.strictEqual(span.parentSpanId, work.spanId, method)
        assert.strictEqual(attribute(span, "mcp.protocol.version"), "2026-07-28", method)
        assert.strictEqual(attribute(span, "network.transport"), "tcp", method)
        assert.strictEqual(attribute(span, "network.protocol.name"), "http", method)
        assert.isUndefined(attribute(span, "mcp.session.id"), `${method}: MCP 2026-07-28 has no sessions`)
        // Failed before: none. The endpoint's end of the call's connection, as a CLIENT span has it.
        assert.strictEqual(attribute(span, "server.address"), "127.0.0.1", method)
        assert.strictEqual(Number(span.attributes.find((a) => a.key === "server.port")?.value.intValue), Number(new URL(url).port), method)
      }
    }), 20_000)

  it("a server whose middleware adds nothing to notifications gives its sessions no hook for them", () => {
    const plain = LowLevelServer.make({ serverInfo: { name: "plain", version: "1" }, handlers: {} })
    assert.isUndefined(plain.dispatcher.notificationMeta)
    const traced = LowLevelServer.make({ serverInfo: { name: "traced", version: "1" }, handlers: {}, middleware: [Telemetry.middleware()] })
    assert.isFunction(traced.dispatcher.notificationMeta)
  })
})
