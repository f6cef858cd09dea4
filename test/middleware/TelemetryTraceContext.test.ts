/**
 * The whole W3C trace context of a request, against a real OTLP/HTTP receiver on 127.0.0.1 (and
 * the OpenTelemetry SDK through `@effect/opentelemetry`): the `tracestate` that came with the
 * `traceparent` (in `_meta`, SEP-414, or the HTTP headers) is the trace state of the request's
 * span and of its handler's spans, exported as their `traceState` (JSON and protobuf); the
 * `baggage` (in `_meta`, else the HTTP header) is the handler's `Telemetry.Baggage`, and a span
 * attribute only for the entries the middleware is told to copy. Before, the `tracestate` was
 * dropped (no span had a trace state) and the baggage was not read at all.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpServer, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"

/** A tool that answers, in a span of its own. */
const Trip = McpServer.tool({
  name: "trip",
  description: "Answers, in a span of its own",
  parameters: { key: Schema.String },
  handler: ({ key }) => Effect.withSpan(Effect.succeed(`trip ${key}`), "trip.work")
})

/** A tool that answers with the request's baggage (as JSON entries). */
const Bag = McpServer.tool({
  name: "bag",
  description: "Answers with the request's baggage",
  parameters: { key: Schema.String },
  handler: () => Effect.map(Effect.service(Telemetry.Baggage), (baggage) => JSON.stringify([...baggage]))
})

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const callerSpanId = "00f067aa0ba902b7"
const traceparent = `00-${traceId}-${callerSpanId}-01`
const tracestate = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"

/** Serves `Trip` with `telemetry` in memory, exporting to `url` (JSON, or protobuf); an SDK client connected to it. */
const served = (url: string, telemetry: Layer.Layer<never, never, McpServer.McpServer>, protocol?: Telemetry.Protocol) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Trip, Bag, telemetry), pair.server).pipe(
        Effect.provide(Telemetry.otlp({ url, serviceName: "traced", exportIntervalMillis: 100, protocol }))
      )
    )
    const client = new Client({ name: "c", version: "1" })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    return client
  })

/** The text a call answered. */
const textOf = (result: { readonly [key: string]: unknown }) => (result.content as Array<{ readonly text: string }>)[0]!.text

/** A 2026-07-28 `tools/call` of `tool` over HTTP, with these HTTP headers and `_meta` entries. */
const post = (url: string, id: number, headers: Record<string, string>, meta: Record<string, string>, tool = "trip") =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": tool,
        ...headers
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: {
          name: tool,
          arguments: { key: String(id) },
          _meta: {
            ...meta,
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
          }
        }
      })
    }).then(async (response) => ({ status: response.status, body: await response.json() as any }))
  )

describe("Telemetry and the W3C trace context", () => {
  it.live("_meta's tracestate is the trace state of the request's span and its handler's, exported as traceState", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = yield* served(otlp.url, Telemetry.layer)
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "with" }, _meta: { traceparent, tracestate } }))
      // A trace state without a valid entry is none; one without a traceparent is not read.
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "bad" }, _meta: { traceparent, tracestate: "Not A Key=1" } }))
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "alone" }, _meta: { tracestate } }))
      yield* until(() => otlp.spans.filter((span) => span.name === "trip.work").length >= 3)

      const calls = otlp.spans.filter((span) => span.name === "tools/call trip")
      assert.strictEqual(calls.length, 3)
      const [withState, ...others] = calls.sort((a, b) => (a.traceState === undefined ? 1 : 0) - (b.traceState === undefined ? 1 : 0))
      assert.strictEqual(withState!.traceState, tracestate, "the caller's trace state, carried on")
      assert.strictEqual(withState!.parentSpanId, callerSpanId)
      const work = otlp.spans.find((span) => span.name === "trip.work" && span.parentSpanId === withState!.spanId)!
      assert.isDefined(work)
      assert.strictEqual(work.traceState, tracestate, "a child span inherits its parent's trace state")
      assert.deepStrictEqual(others.map((span) => span.traceState), [undefined, undefined])
      const initialize = otlp.spans.find((span) => span.name === "initialize")!
      assert.isUndefined(initialize.traceState)
    }))

  it.live("a traceparent read as the W3C says: uppercase hex is no trace context; a later version's extra fields are read past, version 00's are not", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = yield* served(otlp.url, Telemetry.layer)
      const upper = `00-${traceId.toUpperCase()}-${callerSpanId.toUpperCase()}-01`
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "upper" }, _meta: { traceparent: upper } }))
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "later" }, _meta: { traceparent: `cc-${traceId}-${callerSpanId}-01-what-comes-next` } }))
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "extra" }, _meta: { traceparent: `${traceparent}-extra` } }))
      yield* until(() => otlp.spans.filter((span) => span.name === "trip.work").length >= 3)
      // The calls in order (the SDK's ids: 0 was initialize): the uppercase one, the later version's, version 00's.
      const calls = [1, 2, 3].map((id) => otlp.spans.find((span) => span.name === "tools/call trip" && attribute(span, "jsonrpc.request.id") === String(id))!)
      const traces = calls.map((span) => [span.traceId === traceId, span.parentSpanId || undefined])
      // Uppercase hex is invalid (W3C: the traceparent MUST then be ignored, as Effect's HTTP
      // server and OpenTelemetry do); a later version is read for its first four fields; version
      // 00 has exactly four.
      assert.deepStrictEqual(traces, [[false, undefined], [true, callerSpanId], [false, undefined]])
    }))

  it.live("the trace state is exported in protobuf too (Span.trace_state)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = yield* served(otlp.url, Telemetry.layer, "http/protobuf")
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "k" }, _meta: { traceparent, tracestate: "vendor=x, other=y " } }))
      yield* until(() => otlp.exports.some((e) => e.spanNames.includes("trip.work")))
      const traced = otlp.exports.find((e) => e.spanNames.includes("trip.work"))!
      assert.strictEqual(traced.contentType, "application/x-protobuf")
      assert.deepStrictEqual(traced.traceStates, ["vendor=x,other=y", "vendor=x,other=y"], "the work's span and the request's")
    }))

  it.live("over Streamable HTTP: the tracestate comes with its traceparent, from _meta or else the HTTP headers", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Trip, Telemetry.layer), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const headerTrace = "22222222222222222222222222222222"
      const header = { traceparent: `00-${headerTrace}-2222222222222222-01`, tracestate: "header=h" }
      // 1: both; _meta's context is the parent, with its trace state.
      assert.strictEqual((yield* post(url, 1, header, { traceparent, tracestate })).status, 200)
      // 2: the headers only; the MCP span is the HTTP server span's child, with the header's trace state.
      assert.strictEqual((yield* post(url, 2, header, {})).status, 200)
      // 3: _meta's traceparent without a tracestate: none (the header's is another trace's).
      assert.strictEqual((yield* post(url, 3, header, { traceparent })).status, 200)
      const mcp = () => otlp.spans.filter((span) => span.name === "tools/call trip")
      yield* until(() => mcp().length >= 3)
      const byKey = (key: string) => mcp().find((span) => attribute(span, "jsonrpc.request.id") === key)!
      assert.strictEqual(byKey("1").traceState, tracestate)
      assert.strictEqual(byKey("1").traceId, traceId)
      assert.strictEqual(byKey("2").traceState, "header=h")
      assert.strictEqual(byKey("2").traceId, headerTrace)
      assert.isUndefined(byKey("3").traceState)
    }), 20_000)

  it.live("baggage: the handler's Telemetry.Baggage, from _meta or else the HTTP header; a span attribute only when asked", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "traced", version: "1" },
          Layer.mergeAll(Bag, McpServer.middleware(Telemetry.middleware({ baggageAttributes: ["userId", "mcp.method.name"] }))),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 })))
      )
      const fromMeta = yield* post(url, 1, { baggage: "userId=bob" }, {
        traceparent,
        baggage: "userId=alice,serverNode=DF%2028;prop=1, isProduction=false,bad key=1,mcp.method.name=spoofed"
      }, "bag")
      assert.strictEqual(fromMeta.status, 200)
      assert.deepStrictEqual(JSON.parse(fromMeta.body.result.content[0].text), [
        ["userId", "alice"],
        ["serverNode", "DF 28"],
        ["isProduction", "false"],
        ["mcp.method.name", "spoofed"]
      ])
      const fromHeader = yield* post(url, 2, { baggage: "userId=bob" }, {}, "bag")
      assert.deepStrictEqual(JSON.parse(fromHeader.body.result.content[0].text), [["userId", "bob"]])
      const none = yield* post(url, 3, {}, {}, "bag")
      assert.deepStrictEqual(JSON.parse(none.body.result.content[0].text), [])

      const mcp = () => otlp.spans.filter((span) => span.name === "tools/call bag")
      yield* until(() => mcp().length >= 3)
      const byKey = (key: string) => mcp().find((span) => attribute(span, "jsonrpc.request.id") === key)!
      assert.strictEqual(attribute(byKey("1"), "userId"), "alice", "an entry asked for is an attribute")
      assert.isUndefined(attribute(byKey("1"), "serverNode"), "one not asked for is not")
      assert.strictEqual(attribute(byKey("1"), "mcp.method.name"), "tools/call", "nor does it overwrite the middleware's own")
      assert.strictEqual(attribute(byKey("2"), "userId"), "bob")
      assert.isUndefined(attribute(byKey("3"), "userId"))
    }), 20_000)

  it.live("by default no baggage entry is a span attribute", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = yield* served(otlp.url, Telemetry.layer)
      const result = yield* sdk(() => client.callTool({ name: "bag", arguments: { key: "k" }, _meta: { baggage: "userId=alice" } }))
      assert.deepStrictEqual(JSON.parse(textOf(result)), [["userId", "alice"]])
      yield* until(() => otlp.spans.some((span) => span.name === "tools/call bag"))
      const call = otlp.spans.find((span) => span.name === "tools/call bag")!
      assert.isUndefined(call.attributes.find((a) => a.key === "userId" || a.value.stringValue === "alice"))
    }))

  it.live("through @effect/opentelemetry and the OpenTelemetry SDK: the span context carries the trace state", () =>
    Effect.gen(function*() {
      const exporter = new InMemorySpanExporter()
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "otel", version: "1" }, Layer.mergeAll(Trip, Telemetry.layer), pair.server).pipe(
          Effect.provide(NodeSdk.layer(() => ({ resource: { serviceName: "otel" }, spanProcessor: new SimpleSpanProcessor(exporter) })))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      yield* sdk(() => client.callTool({ name: "trip", arguments: { key: "k" }, _meta: { traceparent, tracestate } }))
      yield* until(() => exporter.getFinishedSpans().some((span) => span.name === "tools/call trip"))
      const spans = exporter.getFinishedSpans()
      const call = spans.find((span) => span.name === "tools/call trip")!
      assert.strictEqual(call.parentSpanContext?.spanId, callerSpanId)
      assert.strictEqual(call.spanContext().traceState?.serialize(), tracestate)
      const work = spans.find((span) => span.name === "trip.work")!
      assert.strictEqual(work.spanContext().traceState?.serialize(), tracestate)
    }))

  it("parentOf: the tracestate of the same carrier as the traceparent, its invalid entries left out, at most 32", () => {
    const context = (headers: Record<string, string>) => ({ http: { headers, header: (name: string) => headers[name] } }) as never
    const request = (meta?: Record<string, unknown>) => ({ jsonrpc: "2.0", id: 1, method: "ping", params: meta === undefined ? {} : { _meta: meta } }) as never
    const stateOf = (parent: ReturnType<typeof Telemetry.parentOf>) =>
      parent === undefined ? undefined : Telemetry.traceStateOf(parent)?.serialize()
    assert.strictEqual(stateOf(Telemetry.parentOf(request({ traceparent, tracestate }), context({ tracestate: "h=1" }))), tracestate)
    assert.strictEqual(stateOf(Telemetry.parentOf(request(), context({ traceparent, tracestate: "h=1" }))), "h=1")
    assert.isUndefined(stateOf(Telemetry.parentOf(request({ traceparent }), context({ tracestate: "h=1" }))))
    assert.isUndefined(stateOf(Telemetry.parentOf(request({ traceparent, tracestate: 42 }), context({}))))
    assert.strictEqual(
      stateOf(Telemetry.parentOf(request({ traceparent, tracestate: "a=1,B=2,,c=3 ,d=x=y,a=4,t@sys=5,e=" }), context({}))),
      "a=1,c=3,t@sys=5"
    )
    const many = Array.from({ length: 40 }, (_, i) => `k${i}=${i}`).join(",")
    assert.strictEqual(stateOf(Telemetry.parentOf(request({ traceparent, tracestate: many }), context({}))), many.split(",").slice(0, 32).join(","))
    const state = Telemetry.traceStateOf(Telemetry.parentOf(request({ traceparent, tracestate }), context({}))!)!
    assert.strictEqual(state.get("congo"), "t61rcWkgMzE")
    assert.strictEqual(state.set("congo", "new").serialize(), "congo=new,rojo=00f067aa0ba902b7", "a changed entry moves to the front")
    assert.strictEqual(state.unset("rojo").serialize(), "congo=t61rcWkgMzE")
  })
})
