/**
 * The trace context of the requests a server sends its client (MCP 2025: `sampling/createMessage`,
 * `elicitation/create`, `roots/list`, `ping`), against a real OTLP/HTTP receiver on 127.0.0.1 and
 * the official SDK v1 client, which answers them: with Telemetry, a request made in a handler is a
 * CLIENT span of its own (named by its method, as the MCP semantic conventions say), a child of
 * the handler's span, ended when the client's answer comes (status ERROR on an error answer), and
 * its `_meta` carries that span's `traceparent` (and `tracestate`), so the client's work joins the
 * tool call's trace. Before, the request carried no trace context and no span was made for it.
 * A request for no request being handled (KeepAlive's pings, from a session's `onSession`) is no
 * span and carries no trace context, even under a span of the program's around the whole server:
 * before, each ping was a CLIENT span of that span's trace, for as long as the process ran.
 * Every request to the client is measured in `mcp.client.operation.duration` (by method,
 * `error.type` and `rpc.response.status_code`, as the server's requests are in
 * `mcp.server.operation.duration`); before, none was.
 * Also the `Middleware.onOutgoingRequest` hook Telemetry uses: its order, its `untied`, and that a
 * server without it gives its sessions nothing to run per request.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  PingRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import { McpError as SdkMcpError } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { KeepAlive, Telemetry } from "../../src/middleware/index.ts"
import { connectRaw, initializeRaw, sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { attribute, type OtlpSpan, receiver, until } from "./otlpReceiver.ts"

/** A tool that asks the client's model, in a span of its own, and answers what it said (or how it failed). */
const Ask = McpServer.tool({
  name: "ask",
  description: "Asks the client's model",
  parameters: { prompt: Schema.String },
  handler: ({ prompt }) =>
    McpContext.sample({ messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 10 }).pipe(
      Effect.map((result) => `model said: ${(result.content as { readonly text?: string }).text}`),
      Effect.catch((error) => Effect.succeed(`failed: ${error._tag}`)),
      Effect.withSpan("ask.work")
    )
})

/** A tool that asks the client's model and gives it 200 ms. */
const Hurry = McpServer.tool({
  name: "hurry",
  description: "Asks the client's model, briefly",
  parameters: {},
  handler: () =>
    McpContext.sample({ messages: [{ role: "user", content: { type: "text", text: "hang" } }], maxTokens: 10 }, { timeoutMillis: 200 }).pipe(
      Effect.as("answered"),
      Effect.catch((error) => Effect.succeed(`failed: ${error._tag}`))
    )
})

/** A tool that lists the client's roots, then asks the user, straight under the request's span. */
const Survey = McpServer.tool({
  name: "survey",
  description: "Lists the roots, then elicits",
  parameters: {},
  handler: () =>
    Effect.gen(function*() {
      const roots = yield* McpContext.listRoots
      const answer = yield* McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }))
      return `${roots.roots.length} roots, ${answer.action}`
    }).pipe(Effect.orDie)
})

/** A tool that asks the client for its roots untied, through the session, in its own code. */
const Untied = McpServer.tool({
  name: "untied",
  description: "Lists the roots through the session",
  parameters: {},
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpContext.current
      const roots = (yield* context.session.request("roots/list", undefined)) as { readonly roots: ReadonlyArray<unknown> }
      return `${roots.roots.length} roots`
    }).pipe(Effect.orDie)
})

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const callerSpanId = "00f067aa0ba902b7"
const traceparent = `00-${traceId}-${callerSpanId}-01`
const tracestate = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
const traceparentFormat = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/

/** The `_meta` of every server→client request the client got, by method, in order. */
type Received = Array<{ readonly method: string; readonly meta: Record<string, unknown> | undefined }>

/** An SDK v1 client that answers sampling (with an error when the prompt is "fail"), roots and elicitation, noting each request's `_meta`. */
const answeringClient = (received: Received) => {
  const client = new Client({ name: "c", version: "1" }, { capabilities: { sampling: {}, roots: {}, elicitation: { form: {} } } })
  client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => {
    received.push({ method: request.method, meta: request.params._meta })
    const text = (request.params.messages[0]!.content as { readonly text: string }).text
    if (text === "fail") throw new SdkMcpError(-32001, "the model is busy")
    // No answer until the server gives up (its notifications/cancelled aborts this).
    if (text === "hang") return new Promise<never>((_, reject) => extra.signal.addEventListener("abort", () => reject(new Error("aborted"))))
    return { role: "assistant", model: "m", content: { type: "text", text: `echo ${text}` } }
  })
  client.setRequestHandler(ListRootsRequestSchema, (request) => {
    received.push({ method: request.method, meta: request.params?._meta })
    return { roots: [{ uri: "file:///a" }] }
  })
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    received.push({ method: request.method, meta: request.params._meta })
    return { action: "accept", content: { name: "Ada" } }
  })
  return client
}

/** Serves `Ask` and `Survey` (with `telemetry`) in memory, exporting to `url`; the answering client connected to it. */
const served = (url: string, telemetry: Layer.Layer<never, never, McpServer.McpServer>, received: Received) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Ask, Hurry, Survey, telemetry), pair.server).pipe(
        Effect.provide(Telemetry.otlp({ url, serviceName: "traced", exportIntervalMillis: 100 }))
      )
    )
    const client = answeringClient(received)
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    return client
  })

/** The text a call answered. */
const textOf = (result: { readonly [key: string]: unknown }) => (result.content as Array<{ readonly text: string }>)[0]!.text

/** The trace id and parent span id a `traceparent` names. */
const parsed = (value: unknown) => {
  assert.isString(value)
  const match = traceparentFormat.exec(value as string)
  assert.isNotNull(match, `a W3C traceparent: ${String(value)}`)
  return { traceId: match![1]!, spanId: match![2]! }
}

/** OTLP span kinds and status codes. */
const kindClient = 3
const statusError = 2

describe("Telemetry and the server's requests to the client", () => {
  it.live("a sampling request made in a tool call carries the traceparent of its CLIENT span, a child of the call's trace", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "hi" }, _meta: { traceparent, tracestate } }))
      assert.strictEqual(textOf(result), "model said: echo hi")

      assert.strictEqual(received.length, 1)
      const sent = parsed(received[0]!.meta?.traceparent)
      assert.strictEqual(sent.traceId, traceId, "the tool call's trace")
      assert.strictEqual(received[0]!.meta?.tracestate, tracestate, "the trace's state, carried on")

      const clientSpans = () => otlp.spans.filter((span) => span.name === "sampling/createMessage")
      yield* until(() => clientSpans().length >= 1 && otlp.spans.some((span) => span.name === "tools/call ask"))
      const [sampling] = clientSpans()
      assert.strictEqual(sampling!.spanId, sent.spanId, "the client's parent is the exported CLIENT span")
      assert.strictEqual(sampling!.traceId, traceId)
      assert.strictEqual(sampling!.kind, kindClient)
      assert.strictEqual(attribute(sampling!, "mcp.method.name"), "sampling/createMessage")
      assert.isString(attribute(sampling!, "jsonrpc.request.id"))
      assert.strictEqual(sampling!.traceState, tracestate)
      const work = otlp.spans.find((span) => span.name === "ask.work")!
      assert.strictEqual(sampling!.parentSpanId, work.spanId, "a child of the span current where it was asked")
      const call = otlp.spans.find((span) => span.name === "tools/call ask")!
      assert.strictEqual(work.parentSpanId, call.spanId)
      assert.strictEqual(call.parentSpanId, callerSpanId)
      assert.notStrictEqual(sampling!.status?.code, statusError)
    }))

  it.live("an error answer ends the CLIENT span with status ERROR and the client's code as error.type", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "fail" } }))
      assert.strictEqual(textOf(result), "failed: ClientRequestFailed")
      const sent = parsed(received[0]!.meta?.traceparent)
      assert.isUndefined(received[0]!.meta?.tracestate, "no trace state: none came with the call")

      yield* until(() => otlp.spans.some((span) => span.name === "sampling/createMessage"))
      const sampling = otlp.spans.find((span) => span.name === "sampling/createMessage")!
      assert.strictEqual(sampling.spanId, sent.spanId)
      assert.strictEqual(sampling.status?.code, statusError)
      assert.strictEqual(attribute(sampling, "error.type"), "-32001")
      assert.strictEqual(attribute(sampling, "rpc.response.status_code"), "-32001")
      const call = otlp.spans.find((span) => span.name === "tools/call ask")
      assert.strictEqual(call?.traceId, sent.traceId, "the call's own trace (it came without a traceparent)")
    }))

  it.live("a client that does not answer in time: the CLIENT span ends with status ERROR, error.type timeout", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      const result = yield* sdk(() => client.callTool({ name: "hurry", arguments: {} }))
      assert.strictEqual(textOf(result), "failed: ClientRequestTimeout")
      const sent = parsed(received[0]!.meta?.traceparent)
      yield* until(() => otlp.spans.some((span) => span.name === "sampling/createMessage"))
      const sampling = otlp.spans.find((span) => span.name === "sampling/createMessage")!
      assert.strictEqual(sampling.spanId, sent.spanId)
      assert.strictEqual(sampling.status?.code, statusError)
      assert.strictEqual(attribute(sampling, "error.type"), "timeout")
      assert.isUndefined(attribute(sampling, "rpc.response.status_code"), "no code: the client answered nothing")
    }))

  it.live("each request to the client is measured in mcp.client.operation.duration, by method and error, as the server's requests are", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      const answered = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "hi" } }))
      assert.strictEqual(textOf(answered), "model said: echo hi")
      const refused = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "fail" } }))
      assert.strictEqual(textOf(refused), "failed: ClientRequestFailed")
      const late = yield* sdk(() => client.callTool({ name: "hurry", arguments: {} }))
      assert.strictEqual(textOf(late), "failed: ClientRequestTimeout")
      const surveyed = yield* sdk(() => client.callTool({ name: "survey", arguments: {} }))
      assert.strictEqual(textOf(surveyed), "1 roots, accept")

      // Each series, as the latest export has it (its attributes, whole).
      const series = (method: string, errorType?: string) =>
        otlp.clientDurationAttributes.find((a) => a["mcp.method.name"] === method && a["error.type"] === errorType)
      yield* until(() =>
        series("sampling/createMessage") !== undefined && series("sampling/createMessage", "-32001") !== undefined &&
        series("sampling/createMessage", "timeout") !== undefined && series("roots/list") !== undefined &&
        series("elicitation/create") !== undefined
      )
      // In memory: a 2025-11-25 session over no HTTP.
      const session = { "mcp.protocol.version": "2025-11-25", "network.transport": "pipe" }
      assert.deepStrictEqual(series("sampling/createMessage"), { "mcp.method.name": "sampling/createMessage", ...session })
      assert.deepStrictEqual(series("sampling/createMessage", "-32001"), {
        "mcp.method.name": "sampling/createMessage",
        ...session,
        "error.type": "-32001",
        "rpc.response.status_code": "-32001"
      }, "the client's error code, as the server's metric has a request's")
      assert.deepStrictEqual(series("sampling/createMessage", "timeout"), {
        "mcp.method.name": "sampling/createMessage",
        ...session,
        "error.type": "timeout"
      }, "no status code: the client answered nothing")
      assert.deepStrictEqual(series("roots/list"), { "mcp.method.name": "roots/list", ...session })
      assert.deepStrictEqual(series("elicitation/create"), { "mcp.method.name": "elicitation/create", ...session })
    }))

  it.live("roots/list and elicitation/create straight under the request's span: each a CLIENT span, the SERVER span's child", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Telemetry.layer, received)
      const result = yield* sdk(() => client.callTool({ name: "survey", arguments: {}, _meta: { traceparent } }))
      assert.strictEqual(textOf(result), "1 roots, accept")
      assert.deepStrictEqual(received.map((r) => r.method), ["roots/list", "elicitation/create"])
      const [roots, elicit] = received.map((r) => parsed(r.meta?.traceparent))
      assert.notStrictEqual(roots!.spanId, elicit!.spanId, "a span per request")

      const named = (name: string) => otlp.spans.find((span) => span.name === name)
      yield* until(() => named("roots/list") !== undefined && named("elicitation/create") !== undefined && named("tools/call survey") !== undefined)
      const call = named("tools/call survey")!
      const check = (span: OtlpSpan, sent: { traceId: string; spanId: string }) => {
        assert.strictEqual(span.spanId, sent.spanId)
        assert.strictEqual(span.traceId, traceId)
        assert.strictEqual(span.kind, kindClient)
        assert.strictEqual(span.parentSpanId, call.spanId)
      }
      check(named("roots/list")!, roots!)
      check(named("elicitation/create")!, elicit!)
    }))

  it.live("over Streamable HTTP (the request on the call's SSE stream) too", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "traced", version: "1" },
          Layer.mergeAll(Ask, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 })))
      )
      const received: Received = []
      const client = answeringClient(received)
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "hi" }, _meta: { traceparent } }))
      assert.strictEqual(textOf(result), "model said: echo hi")
      const sent = parsed(received[0]!.meta?.traceparent)
      assert.strictEqual(sent.traceId, traceId)
      yield* until(() => otlp.spans.some((span) => span.name === "sampling/createMessage"))
      const sampling = otlp.spans.find((span) => span.name === "sampling/createMessage")!
      assert.strictEqual(sampling.spanId, sent.spanId)
      assert.strictEqual(sampling.kind, kindClient)
      // Failed before: none. The endpoint's address and port (the conventions' server.address and
      // server.port of a CLIENT span), as the connection the call came over has them.
      const port = Number(new URL(url).port)
      assert.strictEqual(attribute(sampling, "server.address"), "127.0.0.1")
      assert.strictEqual(Number(sampling.attributes.find((a) => a.key === "server.port")?.value.intValue), port)
      // And its duration series (the conventions list them there too).
      const series = () => otlp.clientDurationAttributes.find((a) => a["mcp.method.name"] === "sampling/createMessage" && a["server.address"] !== undefined)
      yield* until(() => series() !== undefined)
      assert.strictEqual(series()!["server.address"], "127.0.0.1")
      assert.strictEqual(Number(series()!["server.port"]), port)
    }), 20_000)

  it.live("KeepAlive's pings under a program's span: no CLIENT span, no trace context; a handler's requests still have theirs", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve(
          { name: "traced", version: "1" },
          Layer.mergeAll(Ask, Untied, Telemetry.layer, McpServer.middleware(KeepAlive.middleware({ interval: "20 millis" }))),
          pair.server
        ).pipe(
          // The user's span around the whole server (as around `McpServer.run` over stdio).
          Effect.withSpan("program"),
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const client = answeringClient(received)
      client.setRequestHandler(PingRequestSchema, (request) => {
        received.push({ method: request.method, meta: request.params?._meta })
        return {}
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const pings = () => received.filter((r) => r.method === "ping")
      yield* until(() => pings().length >= 2)
      assert.isAtLeast(pings().length, 2, "the idle client was pinged")
      for (const ping of pings()) assert.isUndefined(ping.meta?.traceparent, "a keep-alive ping carries no trace context")

      // A handler's requests, through its context and through its session, are still traced.
      const asked = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "hi" } }))
      assert.strictEqual(textOf(asked), "model said: echo hi")
      const untied = yield* sdk(() => client.callTool({ name: "untied", arguments: {} }))
      assert.strictEqual(textOf(untied), "1 roots")
      const sampling = parsed(received.find((r) => r.method === "sampling/createMessage")!.meta?.traceparent)
      const roots = parsed(received.find((r) => r.method === "roots/list")!.meta?.traceparent)
      const named = (name: string) => otlp.spans.find((span) => span.name === name)
      yield* until(() => named("sampling/createMessage") !== undefined && named("roots/list") !== undefined && named("tools/call untied") !== undefined)
      assert.strictEqual(named("sampling/createMessage")!.spanId, sampling.spanId)
      assert.strictEqual(named("roots/list")!.spanId, roots.spanId)
      assert.strictEqual(named("roots/list")!.parentSpanId, named("tools/call untied")!.spanId, "the handler's span's child")
      // Exported after the pings were answered: a span of theirs would be there.
      assert.deepStrictEqual(otlp.spans.filter((span) => span.name === "ping").map((span) => span.parentSpanId), [])
      // They are measured all the same: a metric gathers nothing per ping.
      yield* until(() => otlp.clientDurationAttributes.some((a) => a["mcp.method.name"] === "ping" && a["error.type"] === undefined))
      assert.deepStrictEqual(
        otlp.clientDurationAttributes.find((a) => a["mcp.method.name"] === "ping" && a["error.type"] === undefined),
        { "mcp.method.name": "ping", "mcp.protocol.version": "2025-11-25", "network.transport": "pipe" }
      )
    }))

  it.live("without Telemetry nothing is added to the request's _meta", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const received: Received = []
      const client = yield* served(otlp.url, Layer.empty, received)
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "hi" }, _meta: { traceparent } }))
      assert.strictEqual(textOf(result), "model said: echo hi")
      assert.strictEqual(received.length, 1)
      assert.isUndefined(received[0]!.meta?.traceparent)
    }))

  it.live("onOutgoingRequest hooks run outermost first, each sending what the one outside gave; the answer comes back through them", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const tagging = (name: string) =>
        Middleware.make(name, {
          onOutgoingRequest: (request, send) => {
            seen.push(`${name}:${request.method}:${request.untied}:${JSON.stringify(request.params?._meta ?? {})}`)
            return Effect.tap(send({ ...request.params, _meta: { ...(request.params?._meta as object | undefined), [name]: true } }), () =>
              Effect.sync(() => seen.push(`${name}:answered`)))
          }
        })
      const received: Received = []
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "hooked", version: "1" }, Layer.mergeAll(Ask, McpServer.middleware(tagging("outer"), tagging("inner"))), pair.server)
      )
      const client = answeringClient(received)
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { prompt: "hi" } }))
      assert.strictEqual(textOf(result), "model said: echo hi")
      assert.deepStrictEqual(seen, [
        "outer:sampling/createMessage:false:{}",
        `inner:sampling/createMessage:false:{"outer":true}`,
        "inner:answered",
        "outer:answered"
      ])
      assert.deepStrictEqual(received[0]!.meta, { outer: true, inner: true })
    }))

  // Failed before: the retry went out under the first attempt's id (ids are never to be reused in
  // a session), so a late answer to the first was taken as the second's; and two sends at once
  // shared one id (the first waited for its timeout, the second took its answer).
  it.live("a hook that sends again (a retry) sends under a fresh id; a late answer to the first answers nothing", () =>
    Effect.gen(function*() {
      const retrying = Middleware.make("retrying", {
        onOutgoingRequest: (request, send) => send(request.params).pipe(Effect.retry({ times: 1 }))
      })
      const server = LowLevelServer.make({
        serverInfo: { name: "retrying", version: "1" },
        middleware: [retrying],
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": (_params, context) =>
            context.listRoots({ timeoutMillis: 30_000 }).pipe(
              Effect.map((result) => ({ content: [{ type: "text" as const, text: result.roots.map((root) => root.uri).join(",") }] })),
              Effect.catch((error) => Effect.succeed({ content: [{ type: "text" as const, text: error._tag }], isError: true }))
            )
        }
      })
      const raw = yield* connectRaw(server)
      yield* Effect.promise(() => initializeRaw(raw, "2025-11-25", { roots: {} }))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: "call", method: "tools/call", params: { name: "roots", arguments: {} } }))
      const first = yield* Effect.promise(() => raw.waitFor((m) => m.method === "roots/list"))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: first.id, error: { code: -32603, message: "busy, try again" } }))
      const second = yield* Effect.promise(() => raw.waitFor((m) => m.method === "roots/list" && m !== first))
      assert.notStrictEqual(second.id, first.id)
      // A late second answer to the first is no answer to the retry.
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: first.id, result: { roots: [{ uri: "file:///late" }] } }))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: second.id, result: { roots: [{ uri: "file:///fresh" }] } }))
      const answer = yield* Effect.promise(() => raw.waitFor((m) => m.id === "call" && "result" in m))
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "file:///fresh" }])
    }))

  // Failed before: sent after the input ended, the request was registered and waited its whole
  // timeout (the drain, 20 s here, then interrupted it): the answer came that late.
  it.live("a hook that sends once the session's input ended gets SessionClosed at once", () =>
    Effect.gen(function*() {
      const late = Middleware.make("late", {
        onOutgoingRequest: (request, send) => Effect.andThen(Effect.sleep(200), send(request.params))
      })
      const server = LowLevelServer.make({
        serverInfo: { name: "late", version: "1" },
        middleware: [late],
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": (_params, context) =>
            context.listRoots({ timeoutMillis: 30_000 }).pipe(
              Effect.map(() => ({ content: [{ type: "text" as const, text: "answered" }] })),
              Effect.catch((error) => Effect.succeed({ content: [{ type: "text" as const, text: error._tag }], isError: true }))
            )
        }
      })
      const raw = yield* connectRaw(server, { shutdownTimeoutMillis: 20_000 })
      yield* Effect.promise(() => initializeRaw(raw, "2025-11-25", { roots: {} }))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: "call", method: "tools/call", params: { name: "roots", arguments: {} } }))
      const start = performance.now()
      yield* Effect.promise(() => raw.close())
      yield* Effect.promise(() => raw.closed)
      assert.isBelow(performance.now() - start, 5_000)
      const answer = raw.received.find((m) => m.id === "call")
      assert.deepStrictEqual(answer?.result?.content, [{ type: "text", text: "SessionClosed" }])
      assert.isUndefined(raw.received.find((m) => m.method === "roots/list"))
    }))

  it("a server whose middleware has no onOutgoingRequest gives its sessions no hook: its requests are sent as before", () => {
    const plain = LowLevelServer.make({ serverInfo: { name: "plain", version: "1" }, handlers: {} })
    assert.isUndefined(plain.dispatcher.outgoing)
    const traced = LowLevelServer.make({ serverInfo: { name: "traced", version: "1" }, handlers: {}, middleware: [Telemetry.middleware()] })
    assert.isFunction(traced.dispatcher.outgoing)
  })
})
