/**
 * OpenTelemetry: spans and metrics exported over real OTLP/HTTP (JSON) to a receiver (`otlpReceiver.ts`) served by
 * this test on 127.0.0.1, from a server driven by the SDK client. One SERVER span per request,
 * named and attributed as the MCP semantic conventions say; the trace continued from the
 * request's `_meta` `traceparent` (SEP-414); a handler's span nested under the request's; a
 * background task's span linked to the request that created it; the duration histogram; and no
 * span at all without the middleware.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { SpanKind } from "@opentelemetry/api"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { fileURLToPath } from "node:url"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { InMemory, McpError, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { connectRaw, initializeRaw, sdk, waitUntil } from "../e2e/harness.ts"
import { makeFullServer, makeProbe } from "../fixtures/FullServer.ts"
import { answerOf, on, openSession, portListener, serveOnAnyPort } from "../http/support.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"
import { withCompileCache } from "../support/compileCache.ts"

const Lookup = McpServer.tool({
  name: "lookup",
  description: "Looks something up, in a span of its own",
  parameters: { key: Schema.String },
  handler: ({ key }) => Effect.withSpan(Effect.succeed(`value of ${key}`), "lookup.database")
})

const Slow = McpServer.tool({
  name: "slow",
  description: "Becomes a background task",
  execution: { taskSupport: "optional" },
  handler: () => Effect.as(Effect.withSpan(Effect.sleep("20 millis"), "slow.work"), "done")
})

/** A middleware that passes on a copy of each request (as one that rewrites its params does). */
const rewriting = Middleware.make("rewriting", { onRequest: (request, context, next) => next({ ...request }, context) })

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const callerSpanId = "00f067aa0ba902b7"

/** A server with `Lookup` and the middleware, exporting to `url`, and an SDK client connected to it (in memory). */
const tracedLookup = (url: string) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Lookup, Telemetry.layer), pair.server).pipe(
        Effect.provide(Telemetry.otlp({ url, serviceName: "traced", exportIntervalMillis: 100 }))
      )
    )
    const client = new Client({ name: "c", version: "1" })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    return client
  })

describe("Telemetry", () => {
  it.live("one SERVER span per request, continued from _meta traceparent, with the handler's span under it, and the duration metric", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = yield* tracedLookup(otlp.url)
      const result = yield* sdk(() =>
        client.callTool({
          name: "lookup",
          arguments: { key: "k" },
          _meta: { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: "vendor=x" }
        }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "value of k" }])
      yield* until(() => otlp.spans.some((span) => span.name === "lookup.database") && otlp.metrics.includes("mcp.server.operation.duration"))

      const initialize = otlp.spans.find((span) => span.name === "initialize")
      assert.isDefined(initialize, "initialize has its span too")
      const call = otlp.spans.find((span) => span.name === "tools/call lookup")!
      assert.isDefined(call)
      assert.strictEqual(call.kind, 2, "SPAN_KIND_SERVER")
      assert.strictEqual(call.traceId, traceId, "the caller's trace is continued")
      assert.strictEqual(call.parentSpanId, callerSpanId)
      assert.strictEqual(attribute(call, "mcp.method.name"), "tools/call")
      assert.strictEqual(attribute(call, "gen_ai.tool.name"), "lookup")
      assert.strictEqual(attribute(call, "mcp.protocol.version"), "2025-11-25")
      assert.strictEqual(attribute(call, "network.transport"), "pipe")
      assert.isString(attribute(call, "mcp.session.id"))
      assert.isString(attribute(call, "jsonrpc.request.id"))
      assert.isUndefined(attribute(call, "error.type"))
      const handler = otlp.spans.find((span) => span.name === "lookup.database")!
      assert.strictEqual(handler.parentSpanId, call.spanId, "the handler's span is the request's child")
      assert.strictEqual(handler.traceId, traceId)
      assert.include(otlp.metrics, "mcp.server.operation.duration")
      yield* until(() => otlp.metrics.includes("mcp.server.session.count"))
      assert.include(otlp.metrics, "mcp.server.session.count", "the live sessions gauge")
    }))

  it.live("a failed request carries error.type; a task's work is a span linked to the request that created it", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "traced", version: "1", tasks: McpServer.tasks() }, Layer.mergeAll(Slow, Telemetry.layer), pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" }, { capabilities: { tasks: {} } })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      const missing = yield* Effect.promise(() => client.callTool({ name: "nope", arguments: {} }).then(() => undefined, (e) => e))
      assert.isDefined(missing)
      const created = yield* sdk(() =>
        client.request({ method: "tools/call", params: { name: "slow", arguments: {} } }, CreateTaskResultSchema, { task: {} }))
      assert.isDefined(created)
      yield* until(() => otlp.spans.some((span) => span.name === "slow.work") && otlp.spans.some((s) => s.name === "tools/call nope"))

      const failed = otlp.spans.find((span) => span.name === "tools/call nope")!
      // -32602 is the caller's error, no error of the server's (the conventions): its code, no error.type.
      assert.strictEqual(attribute(failed, "rpc.response.status_code"), "-32602", "the JSON-RPC error code")
      assert.isUndefined(attribute(failed, "error.type"))
      const request = otlp.spans.find((span) => span.name === "tools/call slow")!
      const task = otlp.spans.find((span) => span.name === "mcp.task")!
      assert.isDefined(task, "the task's work has a span")
      assert.isUndefined(task.parentSpanId || undefined, "a root, not the request's child")
      assert.deepStrictEqual(task.links?.map((link) => link.spanId), [request.spanId], "linked to the request")
      const work = otlp.spans.find((span) => span.name === "slow.work")!
      assert.strictEqual(work.parentSpanId, task.spanId, "the work's own spans are the task's children")
    }))

  it.live("a span with error.type has the ERROR status: a tool result that is an error (which the client still gets); an unknown tool's -32602 has none", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { key: Schema.String }) {}
      const Find = McpServer.tool({
        name: "find",
        description: "Finds a key, or fails with NotFound",
        parameters: { key: Schema.String },
        failure: NotFound,
        handler: ({ key }) => key === "k" ? Effect.succeed("found") : Effect.fail(new NotFound({ key }))
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Find, Telemetry.layer), pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const missing = yield* sdk(() => client.callTool({ name: "find", arguments: { key: "x" } }))
      assert.isTrue(missing.isError, "the client gets the tool's error result")
      assert.deepStrictEqual(JSON.parse((missing.content as Array<{ text: string }>)[0]!.text), { _tag: "NotFound", key: "x" })
      const found = yield* sdk(() => client.callTool({ name: "find", arguments: { key: "k" } }))
      assert.isUndefined(found.isError)
      const unknown = yield* Effect.promise(() => client.callTool({ name: "nope", arguments: {} }).then(() => undefined, (e: Error) => e))
      assert.isDefined(unknown)
      yield* until(() => otlp.spans.filter((span) => span.name === "tools/call find").length >= 2 && otlp.spans.some((s) => s.name === "tools/call nope"))

      const [toolError, ok] = otlp.spans.filter((span) => span.name === "tools/call find")
        .sort((a, b) => (attribute(a, "error.type") === undefined ? 1 : 0) - (attribute(b, "error.type") === undefined ? 1 : 0))
      assert.strictEqual(attribute(toolError!, "error.type"), "tool_error")
      assert.strictEqual(toolError!.status?.code, 2, "STATUS_CODE_ERROR")
      assert.notInclude(toolError!.status?.message ?? "", "NotFound", "the result's content is not the status")
      assert.isUndefined(attribute(ok!, "error.type"))
      assert.notStrictEqual(ok!.status?.code, 2)
      // An unknown tool (-32602) is the caller's error, not the server's (the conventions): no ERROR.
      const failed = otlp.spans.find((span) => span.name === "tools/call nope")!
      assert.notStrictEqual(failed.status?.code, 2)
      assert.strictEqual(attribute(failed, "rpc.response.status_code"), "-32602")
    }))

  it.live("an ERROR span's status description is the JSON-RPC error's message the client got (a defect's is masked); the defect stays the exception event", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Crash = McpServer.prompt({
        name: "crash",
        description: "Dies",
        handler: () => Effect.die(new Error("connection string db://admin:hunter2@internal-host"))
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Crash, Telemetry.layer), pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const crashed = yield* Effect.promise(() => client.getPrompt({ name: "crash" }).then(() => undefined, (e: Error) => e))
      assert.include(crashed?.message ?? "", "Internal error", "the client gets the masked -32603")
      const unread = yield* Effect.promise(() => client.readResource({ uri: "test://none" }).then(() => undefined, (e: Error) => e))
      // No resource is served: -32601, whose message names the method (the error's own has none).
      assert.strictEqual(unread?.message, "MCP error -32601: Method not found: resources/read")
      yield* until(() => otlp.spans.some((s) => s.name === "prompts/get crash") && otlp.spans.some((s) => s.name === "resources/read"))

      const crash = otlp.spans.find((s) => s.name === "prompts/get crash")!
      assert.strictEqual(attribute(crash, "error.type"), "-32603")
      assert.strictEqual(crash.status?.code, 2)
      assert.strictEqual(crash.status?.message, "Internal error", "the message the client got, not the defect's")
      const events = (crash as unknown as { events?: ReadonlyArray<{ name: string; attributes: ReadonlyArray<{ key: string; value: { stringValue?: string } }> }> }).events ?? []
      const messages = events.filter((e) => e.name === "exception").map((e) => e.attributes.find((a) => a.key === "exception.message")?.value.stringValue)
      assert.include(messages, "connection string db://admin:hunter2@internal-host", "the defect is still recorded, as an exception event")
      const read = otlp.spans.find((s) => s.name === "resources/read")!
      // -32601 is no error of the server's (the conventions): its code, no error.type, no ERROR status.
      assert.strictEqual(attribute(read, "rpc.response.status_code"), "-32601")
      assert.isUndefined(attribute(read, "error.type"))
      assert.notStrictEqual(read.status?.code, 2)
    }))

  // With a middleware before Telemetry that passes on a copy of the request, failed before the
  // fix: the span said `cancelled` (the session marked the request it took, not the copy).
  for (const rewritten of [false, true]) {
    it.live(`a request the drain stops is answered -32000 (not cancelled): its span says so (error.type, rpc.response.status_code, the message)${rewritten ? ", a middleware before Telemetry rewriting the request" : ""}`, () =>
      Effect.gen(function*() {
        const otlp = yield* receiver
        const probe = makeProbe()
        const exporter = yield* Layer.build(Telemetry.otlp({ url: otlp.url, serviceName: "drained", exportIntervalMillis: 100 }))
        const server = makeFullServer(probe, { middleware: rewritten ? [rewriting, Telemetry.middleware()] : [Telemetry.middleware()] })
        const raw = yield* connectRaw(server, { shutdownTimeoutMillis: 50 }).pipe(Effect.provide(exporter))
        yield* Effect.promise(() => initializeRaw(raw))
        yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } }))
        yield* Effect.promise(() => waitUntil(() => probe.started.length === 1))
        yield* Effect.promise(() => raw.close())
        yield* Effect.promise(() => raw.closed)
        assert.deepStrictEqual(raw.received.filter((m) => m.id === 7), [{ jsonrpc: "2.0", id: 7, error: McpError.stoppedByShutdownObject }])
        const spans = () => otlp.spans.filter((s) => s.name === "tools/call slow")
        yield* until(() => spans().length >= 1)
        const span = spans()[0]!
        assert.strictEqual(attribute(span, "error.type"), "-32000", "the code the client got")
        assert.strictEqual(attribute(span, "rpc.response.status_code"), "-32000")
        assert.strictEqual(span.status?.code, 2)
        assert.strictEqual(span.status?.message, McpError.stoppedByShutdownObject.message)
      }))
  }

  for (const [stateless, rewritten] of [[true, false], [false, false], [true, true], [false, true]] as const) {
    it.live(`over Streamable HTTP (${stateless ? "stateless, JSON" : "a session, SSE"}), a request the endpoint's shutdown stops is answered -32000 (not cancelled): its span says so${rewritten ? ", a middleware before Telemetry rewriting the request" : ""}`, () =>
      Effect.gen(function*() {
        const otlp = yield* receiver
        let started = false
        const Stuck = McpServer.tool({
          name: "stuck",
          description: "Waits",
          parameters: {},
          handler: () =>
            Effect.suspend(() => {
              started = true
              return Effect.as(Effect.sleep("60 seconds"), "late")
            })
        })
        const listening = portListener()
        const server = yield* Effect.forkDetach(listening.provide(
          McpServer.serve(
            { name: "stopped", version: "1" },
            Layer.mergeAll(Stuck, rewritten ? McpServer.middleware(rewriting, Telemetry.middleware()) : Telemetry.layer),
            StreamableHttp.make({ host: "127.0.0.1", port: 0, stateless, responseMode: stateless ? "json" : "sse" })
          ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "stopped", exportIntervalMillis: 100 })))
        ))
        const url = `http://127.0.0.1:${yield* listening.port(server)}/mcp`
        const sessionId = stateless ? undefined : yield* Effect.promise(() => openSession(url))
        const call = fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(stateless ? { "mcp-protocol-version": "2025-11-25" } : on(sessionId!))
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "stuck", arguments: {} } })
        }).then(answerOf, () => undefined)
        // Stopped once its handler runs (not after a fixed 300 ms, which a loaded machine may not
        // reach it in: the request would be refused, not stopped).
        yield* until(() => started)
        assert.isTrue(started, "the call's handler started")
        yield* Fiber.interrupt(server)
        const answer = yield* Effect.promise(() => call)
        assert.strictEqual(answer?.error?.code, McpError.stoppedByShutdownObject.code, JSON.stringify(answer))
        const spans = () => otlp.spans.filter((s) => s.name === "tools/call stuck")
        yield* until(() => spans().length >= 1)
        const span = spans()[0]!
        assert.strictEqual(attribute(span, "error.type"), "-32000", "the code the client got")
        assert.strictEqual(span.status?.code, 2)
        assert.strictEqual(span.status?.message, McpError.stoppedByShutdownObject.message)
      }), 20_000)
  }

  it.live("a long tool name or URI is clipped in the span and in the metric's series (not carried whole)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = yield* tracedLookup(otlp.url)
      const name = "n".repeat(300_000)
      const uri = `test://${"u".repeat(300_000)}`
      const failed = yield* Effect.promise(() => client.callTool({ name, arguments: {} }).then(() => undefined, (e) => e))
      assert.isDefined(failed)
      const unread = yield* Effect.promise(() => client.readResource({ uri }).then(() => undefined, (e) => e))
      assert.isDefined(unread)
      const named = (prefix: string) => otlp.spans.find((span) => span.name.startsWith(prefix))
      const read = () => otlp.spans.find((span) => attribute(span, "mcp.resource.uri")?.startsWith("test://uuu"))
      // Other tests' series (this process's metrics) are exported too.
      const pointOf = (key: string) => otlp.durationAttributes.find((attributes) => /^nnn/.test(attributes[key] ?? ""))
      yield* until(() => named("tools/call nnn") !== undefined && read() !== undefined && pointOf("gen_ai.tool.name") !== undefined)
      const call = named("tools/call nnn")!
      const toolName = attribute(call, "gen_ai.tool.name")!
      assert.isTrue(toolName.startsWith("n".repeat(512)))
      assert.strictEqual(toolName, `${"n".repeat(512)}… (${300_000 - 512} more characters)`)
      assert.strictEqual(call.name, `tools/call ${toolName}`)
      assert.isBelow(attribute(read()!, "mcp.resource.uri")!.length, 600)
      assert.strictEqual(read()!.name, "resources/read", "a URI is not in the span's name")
      assert.strictEqual(attribute(call, "rpc.response.status_code"), "-32602")
      assert.strictEqual(pointOf("gen_ai.tool.name")!["gen_ai.tool.name"], toolName)
    }))

  it.live("without the middleware no request span is made (spans of the application's own still are)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "plain", version: "1" }, Lookup, pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "plain", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      yield* sdk(() => client.callTool({ name: "lookup", arguments: { key: "k" } }))
      yield* until(() => otlp.spans.length > 0)
      assert.deepStrictEqual(otlp.spans.map((span) => span.name), ["lookup.database"])
    }))

  it.live("an example started with OTEL_EXPORTER_OTLP_ENDPOINT set exports its request spans there", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(
        Effect.promise(() =>
          client.connect(
            new StdioClientTransport({
              command: process.execPath,
              args: [fileURLToPath(new URL("../../examples/hello-server.ts", import.meta.url))],
              env: withCompileCache({ PATH: process.env.PATH ?? "", OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })
            })
          )
        ),
        () => Effect.promise(() => client.close())
      )
      yield* sdk(() => client.callTool({ name: "weather", arguments: { city: "Paris" } }))
      yield* until(() => otlp.spans.some((span) => span.name === "tools/call weather"))
      const call = otlp.spans.find((span) => span.name === "tools/call weather")
      assert.isDefined(call)
      assert.strictEqual(call!.kind, 2)
    }), 20_000)

  it.live("through @effect/opentelemetry and the OpenTelemetry SDK: the same spans reach its in-memory exporter", () =>
    Effect.gen(function*() {
      const exporter = new InMemorySpanExporter()
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "otel", version: "1" }, Layer.mergeAll(Lookup, Telemetry.layer), pair.server).pipe(
          Effect.provide(NodeSdk.layer(() => ({
            resource: { serviceName: "otel" },
            spanProcessor: new SimpleSpanProcessor(exporter)
          })))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      yield* sdk(() =>
        client.callTool({ name: "lookup", arguments: { key: "k" }, _meta: { traceparent: `00-${traceId}-${callerSpanId}-01` } }))
      yield* until(() => exporter.getFinishedSpans().some((span) => span.name === "tools/call lookup"))
      const spans = exporter.getFinishedSpans()
      const call = spans.find((span) => span.name === "tools/call lookup")!
      assert.strictEqual(call.kind, SpanKind.SERVER)
      assert.strictEqual(call.spanContext().traceId, traceId)
      assert.strictEqual(call.parentSpanContext?.spanId, callerSpanId)
      assert.strictEqual(call.attributes["gen_ai.tool.name"], "lookup")
      assert.strictEqual(call.attributes["mcp.method.name"], "tools/call")
      const handler = spans.find((span) => span.name === "lookup.database")!
      assert.strictEqual(handler.parentSpanContext?.spanId, call.spanContext().spanId)
    }))

  it.live("over Streamable HTTP: 2026-07-28 requests (no sessions) count no session; a 2025 session counts while it lives", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Lookup, Telemetry.layer), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      /** The session count of the second export from now (the first may have been under way). */
      const exportedCount = Effect.gen(function*() {
        const seen = otlp.sessionCounts.length
        yield* until(() => otlp.sessionCounts.length >= seen + 2)
        assert.isAtLeast(otlp.sessionCounts.length, seen + 2, "the gauge is exported")
        return otlp.sessionCounts[otlp.sessionCounts.length - 1]
      })
      for (let id = 1; id <= 3; id++) {
        const response = yield* Effect.promise(() =>
          fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": "tools/call",
              "mcp-name": "lookup"
            },
            body: JSON.stringify({
              jsonrpc: "2.0",
              id,
              method: "tools/call",
              params: {
                name: "lookup",
                arguments: { key: "k" },
                _meta: {
                  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
                }
              }
            })
          }).then(async (response) => ({ status: response.status, body: await response.json() as any }))
        )
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.body.result.content[0].text, "value of k")
      }
      yield* until(() => otlp.spans.filter((span) => span.name === "tools/call lookup").length >= 3)
      assert.strictEqual(attribute(otlp.spans.find((span) => span.name === "tools/call lookup")!, "mcp.protocol.version"), "2026-07-28")
      assert.strictEqual(yield* exportedCount, 0, "the endpoint's shared stateless session is no MCP session")

      const transport = new StreamableHTTPClientTransport(new URL(url))
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.promise(() => client.connect(transport))
      assert.strictEqual(yield* exportedCount, 1)
      yield* Effect.promise(() => transport.terminateSession().then(() => client.close()))
      assert.strictEqual(yield* exportedCount, 0)
    }), 20_000)

  it("parentOf reads _meta first, then the HTTP headers; a malformed traceparent is no parent, one in _meta falls back to the headers'", () => {
    const context = (headers: Record<string, string>) => ({ http: { headers, header: (name: string) => headers[name] } }) as never
    const request = (meta?: Record<string, unknown>) => ({ jsonrpc: "2.0", id: 1, method: "ping", params: meta === undefined ? {} : { _meta: meta } }) as never
    const fromMeta = Telemetry.parentOf(request({ traceparent: `00-${traceId}-${callerSpanId}-01` }), context({}))
    assert.strictEqual(fromMeta?.traceId, traceId)
    assert.strictEqual(fromMeta?.spanId, callerSpanId)
    assert.strictEqual(fromMeta?.sampled, true)
    const fromHeader = Telemetry.parentOf(request(), context({ traceparent: `00-${traceId}-${callerSpanId}-00` }))
    assert.strictEqual(fromHeader?.sampled, false)
    for (const bad of ["garbage", `00-${"0".repeat(32)}-${callerSpanId}-01`, `ff-${traceId}-${callerSpanId}-01`, `00-${traceId}-${callerSpanId}`]) {
      assert.isUndefined(Telemetry.parentOf(request({ traceparent: bad }), context({})), bad)
      // Fails before: a malformed one in `_meta` hid the headers' (the middleware falls back to
      // them, and parented its span there: the function said there was no parent).
      const header = Telemetry.parentOf(request({ traceparent: bad, tracestate: "m=1" }), context({ traceparent: `00-${traceId}-${callerSpanId}-00`, tracestate: "h=1" }))
      assert.strictEqual(header?.traceId, traceId, bad)
      assert.strictEqual(header?.sampled, false, bad)
      assert.strictEqual(Telemetry.traceStateOf(header!)?.serialize(), "h=1", bad)
    }
  })
})
