/**
 * OpenTelemetry for MCP servers: traces and metrics as the MCP semantic conventions describe them,
 * through Effect's own tracer and metrics.
 *
 * - **One SERVER span per request** (and per notification of the client's: see below), named `{mcp.method.name} {target}` where the target is a
 *   tool or prompt name (`tools/call get_weather`, `prompts/get review`, `completion/complete review` for
 *   the completion of a prompt's argument), else `{mcp.method.name}`
 *   (`resources/read`, `initialize`: a URI is not in the name, the conventions' default), with
 *   `mcp.method.name`, `gen_ai.tool.name` / `gen_ai.prompt.name` / `mcp.resource.uri`,
 *   `gen_ai.operation.name` (`execute_tool`, for `tools/call` only), `mcp.session.id` (a 2025
 *   session's: MCP 2026-07-28 has no sessions, over stdio as over HTTP),
 *   `jsonrpc.request.id`, `mcp.protocol.version`, `network.transport` (`pipe` without HTTP: stdio,
 *   in memory; `tcp` over HTTP, with `network.protocol.name` `http` and `network.protocol.version`,
 *   `1.1`, where the platform tells it, and `client.address`, the peer's address, with `client.port`, its port, where the platform tells it), and
 *   `rpc.response.status_code` for a JSON-RPC error answered: its code, as a string (`-32603` for
 *   a defect); `error.type` when the request fails: that code, unless the conventions class it as
 *   the caller's error, not the server's (`-32700`, `-32600`, `-32601`, `-32602`, an unknown tool's
 *   or prompt's too, `-32002`; MCP 2026-07-28's `-32020` and `-32022`, HTTP 400 there), or the
 *   request failed by the client's fault, whatever its code
 *   (`McpError.isClientFault`, as `Logging` classes it: a 2025-era client's missing capability
 *   answered -32603 naming it, -32021 in MCP 2026-07-28; not when a defect of the server's is in
 *   the cause): then no `error.type` and no ERROR status, on the span and its series
 *   alike; a request the session refused before any hook saw it, an id in progress, one before
 *   `initialize`, a 2026-07-28 version not served, one refused 429 while too many wait (not on a stateless endpoint's shared session), a new one while the session drains, -32000, over stdio or refused 503 by a draining Streamable HTTP endpoint (as of the session it named, else of none, told through the shared stateless session or another session still running; none when no session runs), has a span too, with its code, an error as that code is, the HTTP attributes of its POST (not a 429's: the session keeps no POST with a waiting request), and no `mcp.protocol.version` when it names a version not served); `tool_error` for
 *   a tool result with `isError`, `cancelled` for a request cancelled (not one a session's drain
 *   stopped over stdio or in memory: answered -32000 first, it says `-32000`). Such a span's status is
 *   ERROR (a tool result that is an error and a cancellation included; the client still gets the
 *   result), described by the JSON-RPC error's message the client got (`Internal error` for a
 *   defect, whose own message and stack stay in the span's `exception` event). Handlers' spans (`Effect.withSpan`, `Effect.fn`) nest under it. The client's text in
 *   them (method, name, URI, request id) is clipped past 512 characters, in the metric's series
 *   too.
 * - **A notification of the client's** (`notifications/initialized`, `notifications/cancelled`,
 *   `notifications/roots/list_changed`...) is a SERVER span too, as the conventions have one per MCP
 *   message: named by its method, with the attributes of its session (`mcp.session.id`,
 *   `mcp.protocol.version`) and of the transport that carried it, no `jsonrpc.request.id`, parented
 *   as a request's span; and it is measured in `mcp.server.operation.duration`. `error.type` is
 *   `_OTHER` when its handling fails (nothing is answered: there is no code), `cancelled` when it
 *   is interrupted.
 * - **The parent** is the caller's W3C trace context: `traceparent` in the request's `_meta`
 *   (SEP-414, every protocol version). Over Streamable HTTP the span is linked to the HTTP server
 *   span Effect's HTTP server made for the request that carried it (the conventions' way: an MCP
 *   request is not an HTTP request), or, without a `_meta` context, is that span's child (which
 *   continues the HTTP `traceparent` header).
 * - **The trace state**: the `tracestate` that came with that `traceparent` (`_meta`'s, or the
 *   HTTP header's) is the parent's ({@link TraceState}), so the request's span and the spans
 *   under it carry it, as in OpenTelemetry. {@link otlp} exports it (each span's `traceState`;
 *   Effect's own OTLP tracer makes spans without one, so `otlp` wraps it); `@effect/opentelemetry`
 *   gives it to the OpenTelemetry SDK's span context. Effect's HTTP server span, which reads no
 *   `tracestate`, has none.
 * - **Requests to the client** (MCP 2025: `sampling/createMessage`, `elicitation/create`,
 *   `roots/list`, `ping`) made for a request being handled (by its handler, through its context or
 *   its session; a background task's too) where a span is current (a handler's) are a CLIENT span
 *   each (with the transport's `network.*` attributes, as the request's, and over HTTP
 *   `server.address` and `server.port`, the endpoint's end of the connection the request being
 *   handled came over), named by the method, the current span's child, ended when the client answers (status
 *   ERROR and `error.type` on an error answer: its code, as `rpc.response.status_code` too;
 *   `timeout`...); the request's `_meta` carries that span's `traceparent` (and the trace's
 *   `tracestate`), so the client's work joins the trace, as the conventions ask of the side that
 *   sends a request. MCP 2026-07-28 sends none: a handler's questions travel in its result
 *   (`inputRequests`), no request of their own, and the conventions give them no span; the call
 *   that brings the answers is a request of the client's, with its own `traceparent`. A request for
 *   no request being handled (KeepAlive's pings, from a session's `onSession`) gets no span and no
 *   trace context, whatever span is current (one of the program's around the whole server).
 * - **Notifications sent for a request** (`notifications/progress`, `notifications/message`,
 *   a handler's own through its context; in MCP 2026-07-28 those in the call's SSE response) are
 *   a CLIENT span each where a span is current (a handler's: its child), as the conventions have
 *   the sender of a notification report it, named by the method, with `mcp.method.name`,
 *   `mcp.protocol.version`, the transport's attributes (over HTTP `server.address` and
 *   `server.port` too) and `mcp.session.id` (a 2025 session's),
 *   ended as it is sent (nothing answers it; not measured); the notification carries that span's
 *   `traceparent` and the trace's `tracestate` in its `_meta`. The middleware's
 *   `notificationSpans: false` makes none (a span per log line or progress step may be most of a
 *   trace): the notification carries the context of the span current where it is sent. Those
 *   tied to no request (list changes, resource updates) get no span and carry nothing.
 * - **Baggage**: the W3C `baggage` in the request's `_meta`, else its HTTP header, is the
 *   handler's {@link Baggage}; none of it is a span attribute unless named in the middleware's
 *   `baggageAttributes` (OpenTelemetry adds no baggage to telemetry by itself).
 * - **Metrics**: the `mcp.server.operation.duration` histogram (seconds; by method, tool or
 *   prompt name, `error.type` and `rpc.response.status_code`, and the span's attributes of the
 *   protocol version and transport, `gen_ai.operation.name`), `mcp.client.operation.duration`
 *   (seconds, for each request to the client until its answer; by method, `error.type` and
 *   `rpc.response.status_code`), `mcp.server.session.duration` (seconds, each session's life; by
 *   protocol version and `network.protocol.name`) and `mcp.server.session.count` (live sessions in the process):
 *   MCP sessions, from their `initialize`; a connection of the 2026-07-28 era is none.
 * - **A background task's work** is a span of its own, linked to the request that created it
 *   (`McpContext.becomeTask`, task-augmented calls): see `TaskSupervisor`.
 *
 * Off unless asked: {@link layer} adds the middleware; without it no span is made and nothing is
 * measured. {@link otlp} exports over OTLP/HTTP (JSON or protobuf) with Effect's exporter
 * (`effect/observability`); {@link fromEnvironment} does both when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (or a per-signal endpoint, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`...) is set, as the standard
 * variables say (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`).
 *
 * **Example** (Traces and metrics to an OpenTelemetry collector)
 *
 * ```ts
 * McpServer.serve(options, Layer.mergeAll(components, Telemetry.layer), Stdio.make()).pipe(
 *   Effect.provide(Telemetry.otlp({ url: "http://127.0.0.1:4318", serviceName: "notes" })),
 *   Stdio.runMain
 * )
 * ```
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpLogger from "effect/observability/OtlpLogger"
import * as OtlpMetrics from "effect/observability/OtlpMetrics"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import { clip } from "../../internal/clip.ts"
import * as NumericOptions from "../../internal/options.ts"
import * as McpError from "../../protocol/McpError.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import * as McpServer from "../../server/McpServer.ts"
import { type NotificationMeta, notificationMetaKey } from "../../server/internal/notificationMeta.ts"
import { type RefusedRequests, refusedRequestsKey } from "../../server/internal/refusedRequests.ts"
import type { ClientRequestError } from "../../session/ClientRequestError.ts"
import { McpRequestContext, type RequestContext } from "../../session/RequestContext.ts"
import type { ServerSession } from "../../session/Session.ts"
import type { HttpRequestInfo } from "../../session/Connection.ts"
import { stoppedAnswerOf } from "../../session/internal/stoppedRequests.ts"
import * as Middleware from "../Middleware.ts"
import { isMcpMethod } from "./internal/mcpMethods.ts"
import * as OtelEnvironment from "./internal/otelEnvironment.ts"
import * as OtlpTraceState from "./internal/otlpTraceState.ts"
import * as TraceContext from "./internal/traceContext.ts"

/**
 * `mcp.server.operation.duration`: seconds from a request's arrival at the middleware to its
 * answer (a client's notification: until it is handled), by `mcp.method.name`, tool or prompt name, `error.type` and `rpc.response.status_code`
 * (the code alone for the caller's errors: see the module),
 * `gen_ai.operation.name`, `mcp.protocol.version`, `network.transport`, `network.protocol.name`
 * and `network.protocol.version` (not by resource URI: opt-in in the conventions). Its buckets
 * are the conventions' (0.01 s to 300 s), so that it aggregates with other MCP instrumentations';
 * {@link otlp} exports its unit, `s`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const operationDuration: Metric.Histogram<number> = Metric.histogram("mcp.server.operation.duration", {
  description: "Duration of MCP requests handled by the server",
  boundaries: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]
})

/**
 * `mcp.client.operation.duration`: seconds from a request the server sends its client (MCP 2025:
 * `sampling/createMessage`, `elicitation/create`, `roots/list`, `ping`) going out to the client's
 * answer (or the server giving up), by `mcp.method.name`, `error.type` and
 * `rpc.response.status_code`, `mcp.protocol.version` and the transport (`network.transport`,
 * `network.protocol.name` and `network.protocol.version`; over HTTP `server.address` and
 * `server.port`, as text), as the conventions measure the side that sends a request. Every
 * such request the middleware sees is measured, KeepAlive's pings too (they get no span). The
 * conventions' buckets and unit (`s`), as {@link operationDuration}'s.
 *
 * @since 0.2.0
 * @category metrics
 */
export const clientOperationDuration: Metric.Histogram<number> = Metric.histogram("mcp.client.operation.duration", {
  description: "Duration of the MCP requests the server sends the client, until the client's answer",
  boundaries: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]
})

/**
 * `mcp.server.session.count`: MCP sessions alive now in the process, of every server with the
 * middleware (stdio, in memory, stateful HTTP), each from its `initialize` answered to its end.
 * MCP 2026-07-28 has no sessions: neither the shared stateless session a Streamable HTTP endpoint
 * answers 2026-07-28 and stateless requests with, nor a connection of that era (stdio, in memory:
 * no `initialize`) is counted; nor a connection closed before its handshake.
 *
 * @since 0.2.0
 * @category metrics
 */
export const sessionCount: Metric.Gauge<number> = Metric.gauge("mcp.server.session.count", {
  description: "MCP sessions alive"
})

/**
 * `mcp.server.session.duration`: seconds from a session's start (over HTTP its `initialize`; over
 * stdio and in memory its connection's opening) to its end, for the sessions {@link sessionCount}
 * counts (not a connection of the 2026-07-28 era), by `mcp.protocol.version` (what its
 * `initialize` settled), `network.protocol.name` (`http` over Streamable HTTP; none over stdio
 * or in memory: no `network.transport` nor `network.protocol.version`, which the conventions keep
 * to operations, a session's requests possibly coming over several connections), and `error.type` for a session that
 * ended with an error (over stdio or a connection of one's own: `TransportFailure`, its input or
 * output broke), as the conventions measure the server's sessions. The conventions' buckets (0.01 s to 300 s); {@link otlp} exports its unit, `s`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const sessionDuration: Metric.Histogram<number> = Metric.histogram("mcp.server.session.duration", {
  description: "Duration of the MCP sessions on the server",
  boundaries: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]
})

/**
 * The W3C trace context of a request: `traceparent` in its `_meta` (SEP-414), else in its HTTP
 * headers (also when the one in `_meta` is malformed: as the {@link middleware} parents its span);
 * `undefined` when there is none valid. Its `tracestate`, from the same place, is its trace
 * state: a {@link TraceState} in its annotations (none when it has no valid entry).
 *
 * @since 0.2.0
 * @category tracing
 */
export const parentOf = (request: JsonRpc.Request, context: RequestContext): Tracer.ExternalSpan | undefined => {
  const meta = metaOf(request)
  const traceparent = meta?.traceparent
  if (typeof traceparent === "string") {
    const fromMeta = TraceContext.parentOf(traceparent, meta!.tracestate)
    if (fromMeta !== undefined) return fromMeta
  }
  const header = context.http?.header("traceparent")
  return header === undefined ? undefined : TraceContext.parentOf(header, context.http!.header("tracestate"))
}

/** A request's `_meta`. */
const metaOf = (request: JsonRpc.Request): { readonly [key: string]: unknown } | undefined =>
  (request.params as { readonly _meta?: { readonly [key: string]: unknown } } | undefined)?._meta

/**
 * A W3C `tracestate`: the tracing systems' entries of a trace, as OpenTelemetry's `TraceState`
 * reads and changes it (`get`, `set`, `unset`, `serialize`).
 *
 * @since 0.2.0
 * @category tracing
 */
export type TraceStateEntries = TraceContext.TraceStateEntries

/**
 * The trace state of a span context, in its annotations: on the parent {@link parentOf} gives
 * when the request carried a `tracestate`. Its key is `@effect/opentelemetry`'s `OtelTraceState`,
 * so that with `@effect/opentelemetry` the OpenTelemetry SDK's spans carry it; {@link otlp}
 * exports it too, as each span's `traceState`.
 *
 * @since 0.2.0
 * @category tracing
 */
export const TraceState: typeof TraceContext.TraceState = TraceContext.TraceState

/**
 * The trace state of a span's context: its {@link TraceState} annotation (an external span's,
 * such as {@link parentOf}'s); `undefined` without one.
 *
 * @since 0.2.0
 * @category tracing
 */
export const traceStateOf = (span: Tracer.AnySpan): TraceStateEntries | undefined => TraceContext.traceStateIn(span.annotations)

/**
 * The W3C baggage of the request being handled (`baggage` in its `_meta`, else its HTTP header):
 * key to value (percent-decoded), in order; empty without one. Set by the {@link middleware} for
 * the request's middleware after it and its handler (`yield* Telemetry.Baggage`). Not a span
 * attribute unless the middleware is told so (`baggageAttributes`), as OpenTelemetry leaves it:
 * baggage is the caller's, any service on the way may have added to it, and it may be private.
 *
 * @since 0.2.0
 * @category services
 */
export const Baggage: Context.Reference<ReadonlyMap<string, string>> = Context.Reference<ReadonlyMap<string, string>>(
  "effect-mcp-server/Telemetry/Baggage",
  { defaultValue: () => noBaggage }
)
const noBaggage: ReadonlyMap<string, string> = new Map()

/** The attributes of the link to the HTTP server span: none. */
const noAttributes: Readonly<Record<string, unknown>> = {}

/**
 * The longest client-chosen text (a method, a tool or prompt name, a URI, a request id) a span or
 * the duration metric carries whole; longer text is clipped (`clip`: its start, and how much was
 * left out). A request may be megabytes: whole, such a name went into the span's name and
 * attributes exported for every request, and into the metric's series, which are kept for the
 * process's life (1,000 series of a 4 MB name would have held 8 GB).
 */
const maxText = 512

/** `text`, clipped to {@link maxText}. */
const bounded = (text: string): string => text.length <= maxText ? text : clip(text, maxText)

/**
 * What a request acts on, per the conventions: the tool or prompt name (a `prompts/get`'s, a
 * `completion/complete` of a prompt's argument's), the resource URI (clipped).
 * Only a name is a target of the span's name and of the duration metric's series: the conventions
 * leave a URI out of both by default (opt-in), a high-cardinality value (a URI per file, per
 * record) that would make a span name or series per resource; it is the span's attribute.
 */
const resourceUri = "mcp.resource.uri"
const targetOf = (request: JsonRpc.Request): { readonly key: string; readonly value: string } | undefined => {
  const params = request.params as { readonly name?: unknown; readonly uri?: unknown; readonly ref?: unknown } | undefined
  switch (request.method) {
    case "tools/call":
      return typeof params?.name === "string" ? { key: "gen_ai.tool.name", value: bounded(params.name) } : undefined
    case "prompts/get":
      return typeof params?.name === "string" ? { key: "gen_ai.prompt.name", value: bounded(params.name) } : undefined
    case "completion/complete": {
      // The completion of a prompt's argument is related to that prompt (its `ref` names it); a
      // resource template's (`ref/resource`) names a template, no resource's URI.
      const ref = params?.ref as { readonly type?: unknown; readonly name?: unknown } | undefined
      return typeof ref === "object" && ref !== null && ref.type === "ref/prompt" && typeof ref.name === "string"
        ? { key: "gen_ai.prompt.name", value: bounded(ref.name) }
        : undefined
    }
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
      return typeof params?.uri === "string" ? { key: resourceUri, value: bounded(params.uri) } : undefined
    default:
      return undefined
  }
}

/**
 * `error.type` of an answer, as the conventions ask: the JSON-RPC error code the client gets, as a
 * string (`-32602`; -32603 for a defect, which the client gets masked), `tool_error` for a tool
 * result that is an error, `cancelled` for a request cancelled (no answer); `undefined` for a
 * success. The client's fault answered with a code the server's own failures use too
 * ({@link clientFaultType}) is a key of its own: no error of the server's.
 */
const errorTypeOf = (exit: Exit.Exit<unknown, unknown>, stopped: JsonRpc.ErrorObject | undefined): string | undefined => {
  if (exit._tag === "Success") {
    return (exit.value as { readonly isError?: unknown } | undefined)?.isError === true ? toolError : undefined
  }
  const code = McpError.codeOfCause(exit.cause)
  if (code !== undefined) {
    const text = codeText(code)
    // Classed by fault, as `Logging` classes it (`McpError.isClientFault`), not by the code alone:
    // asked only of a code that would be the server's error (a failure's path).
    return notServerErrors.has(text) || !McpError.isClientFault(exit.cause) ? text : clientFaultType(text)
  }
  // Interrupted: cancelled, unless it was stopped and answered an error first (a session's drain,
  // an HTTP endpoint's shutdown, the end of its session): that error's code.
  return stopped === undefined ? cancelled : codeText(stopped.code)
}

/** `gen_ai.operation.name`: `execute_tool` for `tools/call` (and no other method), as the conventions ask. */
const operationName = "gen_ai.operation.name"
const executeTool = "execute_tool"

const toolError = "tool_error"
const cancelled = "cancelled"

/**
 * The failure a span ends with in place of its request's exit, for the status ERROR the
 * conventions want wherever `error.type` is set: Effect's tracers give it only to a span whose
 * effect failed, not to a tool result that is an error (a success: OK) nor to a cancellation (an
 * interruption: UNSET). The client still gets the result, or nothing. Made once, with a fixed
 * message (the result's content is the application's, not the span's) and no stack trace (where
 * it was made says nothing; the exporter sends it as the exception's).
 */
class SpanFailure extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
    this.stack = `${name}: ${message}`
  }
}
const toolErrorExit = Exit.fail(new SpanFailure(toolError, "The tool's result is an error (isError)"))
/**
 * The exit of a span whose request was answered `error` without a hook seeing it fail (stopped by a
 * drain: see `stoppedRequests`; refused before dispatch): its status described by that answer.
 */
const errorAnsweredExit = (error: JsonRpc.ErrorObject): Exit.Exit<never, unknown> =>
  error === McpError.stoppedByShutdownObject ? stoppedExit : Exit.fail({ name: "JSONRPCError", message: error.message, stack: `JSONRPCError: ${error.message}` })
const stoppedExit = Exit.fail({
  name: "JSONRPCError",
  message: McpError.stoppedByShutdownObject.message,
  stack: `JSONRPCError: ${McpError.stoppedByShutdownObject.message}`
})
const cancelledExit = Exit.fail(new SpanFailure(cancelled, "The request was cancelled"))

/**
 * The exit a request's span ends with when it was answered a JSON-RPC error whose message is not
 * its failure's own: the conventions want the status description to be the `JSONRPCError.message`
 * the client got, and Effect's tracers describe a span's status by the first failure of its cause.
 * A defect is answered the masked "Internal error" (its own message, the server's internals, went
 * into the status description of every such span); a `MethodNotFound` or `ResourceNotFound` is
 * answered a message made of its fields. The cause is kept after the answer's message, so the
 * failure itself is still recorded (an `exception` event, its stack trace). `undefined` when the
 * failure's own message is what the client got (a typed error's, the common case): the span ends
 * as it is.
 */
const answeredExit = (cause: Cause.Cause<unknown>): Exit.Exit<never, unknown> | undefined => {
  const answered = McpError.fromCause(cause)
  if (answered === undefined) return undefined
  for (const reason of cause.reasons) {
    if (reason._tag === "Interrupt") continue
    const first = reason._tag === "Fail" ? reason.error : reason.defect
    if (typeof first === "object" && first !== null && (first as { readonly message?: unknown }).message === answered.message) return undefined
    break
  }
  // A plain object, as the tracers read an error (`name`, `message`, `stack`): no stack captured.
  const status = { name: "JSONRPCError", message: answered.message, stack: `JSONRPCError: ${answered.message}` }
  return Exit.failCause(Cause.fromReasons<unknown>([Cause.makeFailReason(status), ...cause.reasons]))
}

/**
 * A code as text, made once per code: the framework's codes are few. An application's own
 * (`JsonRpcError`) are kept up to a bound; past it, made per answer.
 */
const codeTexts = new Map<number, string>()
const codeText = (code: number): string => {
  let text = codeTexts.get(code)
  if (text === undefined) {
    text = String(code)
    if (codeTexts.size < 100) codeTexts.set(code, text)
  }
  return text
}

/**
 * The attributes a failed request's span gets: `error.type`, and for a JSON-RPC error answered,
 * `rpc.response.status_code` (the same code), made once per error type.
 */
const failureAttributes = new Map<string, Record<string, string>>()
const failureAttributesOf = (errorType: string): Record<string, string> => {
  let attributes = failureAttributes.get(errorType)
  if (attributes === undefined) {
    attributes = errorType === toolError || errorType === cancelled || errorType === otherError
      ? { "error.type": errorType }
      : { "error.type": errorType, "rpc.response.status_code": errorType }
    if (failureAttributes.size < 100) failureAttributes.set(errorType, attributes)
  }
  return attributes
}

/**
 * The JSON-RPC error codes the conventions have the server not count as errors (the caller sent a
 * request the server could not serve: the analogue of an HTTP 4xx on a SERVER span): -32700
 * (parse error), -32600 (invalid request), -32601 (method not found), -32602 (invalid params, an
 * unknown tool or prompt too), -32002 (resource not found), and MCP 2026-07-28's -32020 (a header
 * that disagrees with the body, or is missing) and -32022 (a protocol version not served, as a
 * client's probing of versions meets it), which that version answers with HTTP 400 (its -32021,
 * HTTP 400 too, is the client's fault: {@link clientFaultType}). Such an answer's span and series have
 * `rpc.response.status_code` and no `error.type`, and the span no ERROR status. Every other code
 * is an error, unless the client's fault answered it ({@link clientFaultType}); on the client's
 * side (the requests the server sends it), every code is.
 */
const notServerErrors: Map<string, Readonly<Record<string, string>>> = new Map(
  [
    McpError.ErrorCode.ParseError,
    McpError.ErrorCode.InvalidRequest,
    McpError.ErrorCode.MethodNotFound,
    McpError.ErrorCode.InvalidParams,
    McpError.ErrorCode.ResourceNotFound,
    McpError.ErrorCode.HeaderMismatch,
    McpError.ErrorCode.UnsupportedProtocolVersion
  ].map((code) => [codeText(code), { "rpc.response.status_code": codeText(code) }])
)

/**
 * The error type of a request that failed by the client's fault (`McpError.isClientFault`: its
 * invalid answer to what the handler asked, a capability it did not declare) answered with a code
 * the server's own failures use too: -32603 naming a capability in a 2025-era session (the code
 * the TypeScript SDK's server answers it with), -32021 in MCP 2026-07-28. The conventions class
 * errors by what the instrumentation knows of the request, not the status code alone (Recording
 * errors: "Instrumentations that have additional context about a specific request SHOULD use this
 * context to classify whether the status code is an error"), and leave a SERVER span's status
 * unset for the caller's error (HTTP's 4xx): so such a request's span and series have
 * `rpc.response.status_code`, the code as sent, and no `error.type` nor ERROR status, as a
 * {@link notServerErrors} code's. A key of its own (the code and a marker), in
 * {@link notServerErrors} with those attributes; made once per code.
 */
const clientFaultTypes = new Map<string, string>()
const clientFaultType = (code: string): string => {
  let type = clientFaultTypes.get(code)
  if (type === undefined) {
    // Bounded: the client's fault is answered -32602 (a code of the caller's already), -32021 or
    // -32603 (`McpError.clientFault`): two keys at most, whatever the requests.
    type = `${code}\u0000client`
    clientFaultTypes.set(code, type)
    notServerErrors.set(type, { "rpc.response.status_code": code })
  }
  return type
}

/**
 * The attributes of a request the server answered (or a client's notification it handled) that
 * failed, as the conventions describe the server: {@link failureAttributesOf}, but only
 * `rpc.response.status_code` for a code that is no error of the server's ({@link notServerErrors}).
 */
const serverFailureAttributesOf = (errorType: string): Readonly<Record<string, string>> =>
  notServerErrors.get(errorType) ?? failureAttributesOf(errorType)

/**
 * A request span's options, and how its effect runs under it. No stack trace: capturing one per
 * span was the largest cost of tracing a call (profiled); the span's name and attributes already
 * say where it comes from.
 */
const noStackTrace: Tracer.TraceOptions = { captureStackTrace: false }

/**
 * A SERVER span's options for a client's request or notification: its parent from `_meta`'s
 * `traceparent`, else the HTTP server span, else the HTTP `traceparent` header; the HTTP span
 * linked when `_meta` names another parent; the header's `tracestate` carried (see `middleware`).
 */
const serverSpanOptions = (
  attributes: Record<string, unknown>,
  meta: { readonly [key: string]: unknown } | undefined,
  http: HttpRequestInfo | undefined
): Tracer.SpanOptions => {
  const traceparent = meta?.traceparent
  const fromMeta = typeof traceparent === "string" ? TraceContext.parentOf(traceparent, meta!.tracestate as unknown) : undefined
  const httpSpan = http?.span
  let parent: Tracer.AnySpan | undefined = fromMeta ?? httpSpan
  let annotations: Context.Context<never> | undefined
  if (fromMeta === undefined && http !== undefined) {
    if (httpSpan === undefined) {
      const header = http.header("traceparent")
      if (header !== undefined) parent = TraceContext.parentOf(header, http.header("tracestate"))
    } else {
      // Effect's HTTP server continues the header's `traceparent` but reads no `tracestate`:
      // its span has none. Given to the MCP span, its child, when it belongs to that trace.
      const tracestate = http.header("tracestate")
      if (tracestate !== undefined) annotations = transportTraceState(httpSpan, http.header("traceparent"), tracestate)
    }
  }
  return annotations !== undefined
    ? { kind: "server", captureStackTrace: false, attributes, parent, annotations }
    : parent === undefined
    ? { kind: "server", captureStackTrace: false, attributes }
    : fromMeta === undefined || httpSpan === undefined
    ? { kind: "server", captureStackTrace: false, attributes, parent }
    : { kind: "server", captureStackTrace: false, attributes, parent, links: [{ span: httpSpan, attributes: noAttributes }] }
}

/**
 * The transport a request came over, as the conventions describe it: `network.transport` (`pipe`
 * for stdio and the other transports without HTTP, `tcp` for HTTP), and over HTTP
 * `network.protocol.name` (`http`) and `network.protocol.version` (`1.1`, `2`; when the platform
 * tells it). One object per transport and HTTP version, holding the attributes of each protocol
 * version and method it carried ({@link Shared}).
 */
class Transport {
  readonly attributes: Readonly<Record<string, string>>
  /** Whether it is HTTP (`tcp`). */
  readonly http: boolean
  /** By MCP protocol version, then by method (bounded: {@link maxMethods}). */
  readonly shared = new Map<string, Map<string, Shared>>()
  /** The {@link sessionDuration} series of the sessions of its kind (HTTP or not), by protocol version (and error type, for those that failed). */
  readonly sessions = new Map<string, Metric.Histogram<number>>()
  /** The attributes of the CLIENT spans of the notifications sent for a request, by protocol version, then method (see {@link notificationSpans}). */
  readonly sent = new Map<string, Map<string, Readonly<Record<string, string>>>>()
  /** The {@link clientOperationDuration} series of its sessions' requests to their client, by protocol version, then method and error. */
  readonly clients = new Map<string, Map<string, Metric.Histogram<number>>>()
  constructor(attributes: Readonly<Record<string, string>>) {
    this.attributes = attributes
    this.http = attributes["network.transport"] === "tcp"
  }
  /**
   * The {@link sessionDuration} series of its sessions of `protocolVersion` that ended as
   * `errorType` says (`undefined`: without an error): by `network.protocol.name` (`http`), not by
   * `network.transport` nor `network.protocol.version`, which the conventions keep to operations (a
   * session's requests may come over several connections): kept by the transport without an HTTP
   * version ({@link httpTransport}, {@link pipeTransport}) for all of its kind.
   */
  sessionSeries(protocolVersion: string, errorType: string | undefined): Metric.Histogram<number> {
    const kind = this.http ? httpTransport : pipeTransport
    if (kind !== this) return kind.sessionSeries(protocolVersion, errorType)
    const key = errorType === undefined ? protocolVersion : `${protocolVersion}\u0000${errorType}`
    let series = this.sessions.get(key)
    if (series === undefined) {
      const attributes: Record<string, string> = { "mcp.protocol.version": protocolVersion }
      if (this.http) attributes["network.protocol.name"] = "http"
      if (errorType !== undefined) attributes["error.type"] = errorType
      series = Metric.withAttributes(sessionDuration, attributes)
      this.sessions.set(key, series)
    }
    return series
  }
}
const pipeTransport = new Transport({ "network.transport": "pipe" })
const httpTransport = new Transport({ "network.transport": "tcp", "network.protocol.name": "http" })
/** By HTTP version: a few (Node's parser takes 1.0, 1.1; HTTP/2 is `2`). */
const httpTransports = new Map<string, Transport>()
const transportOf = (http: RequestContext["http"]): Transport => {
  if (http === undefined) return pipeTransport
  const version = http.httpVersion
  if (version === undefined) return httpTransport
  let transport = httpTransports.get(version)
  if (transport === undefined) {
    transport = new Transport({ ...httpTransport.attributes, "network.protocol.version": copied(bounded(version)) })
    if (httpTransports.size < 8) httpTransports.set(transport.attributes["network.protocol.version"]!, transport)
  }
  return transport
}

/**
 * What every request of one method, MCP protocol version and transport shares: the attributes of
 * its span that do not change from one request to the next (`mcp.method.name`,
 * `mcp.protocol.version`, `network.*`, `gen_ai.operation.name`), which are also those of its
 * duration series, and those series (by target and error type). Built once, not per request.
 */
interface Shared {
  readonly method: string
  readonly attributes: Readonly<Record<string, string>>
  /** Its duration series, by target and error type; `undefined` past the bounds: the overflow series. */
  readonly series: Map<string, Metric.Histogram<number>> | undefined
}
/**
 * The methods whose attributes a transport keeps per protocol version: those MCP defines, and
 * another (an extension's, a custom handler's) once the server served it (answered anything but
 * -32601). The client names the method: one the server does not serve builds its own attributes
 * per request and is measured in the overflow series at once, so that made-up methods cannot take
 * the slots of the methods served (they were measured as `_OTHER` once 128 made-up ones had
 * come). Past this many methods served, likewise.
 */
const maxMethods = 128
const methodsOf = (transport: Transport, protocolVersion: string): Map<string, Shared> => {
  let methods = transport.shared.get(protocolVersion)
  if (methods === undefined) {
    methods = new Map()
    transport.shared.set(protocolVersion, methods)
  }
  return methods
}
const sharedOf = (transport: Transport, protocolVersion: string, requestMethod: string): Shared => {
  const methods = methodsOf(transport, protocolVersion)
  const method = bounded(requestMethod)
  return methods.get(method) ?? (isMcpMethod(method)
    ? kept(methods, transport, protocolVersion, method)
    : sharedWith(transport, protocolVersion, method, undefined))
}
/**
 * A request's {@link Shared} once it is answered: a method not kept yet (see {@link maxMethods})
 * that the server served is kept from now on, this request measured in its series.
 */
const servedShared = (shared: Shared, transport: Transport, protocolVersion: string, errorType: string | undefined): Shared => {
  if (shared.series !== undefined || errorType === methodNotFound) return shared
  const methods = methodsOf(transport, protocolVersion)
  const known = methods.get(shared.method)
  if (known !== undefined || methods.size >= maxMethods) return known ?? shared
  return kept(methods, transport, protocolVersion, shared.method)
}
/** A method's {@link Shared}, kept while there is room (else the overflow series'). */
const kept = (methods: Map<string, Shared>, transport: Transport, protocolVersion: string, method: string): Shared => {
  if (methods.size >= maxMethods) return sharedWith(transport, protocolVersion, method, undefined)
  // Copies: a clipped method is a slice of the request's text (V8 keeps the whole text alive
  // for a slice of it), and these live on.
  const shared = sharedWith(transport, protocolVersion, copied(method), new Map())
  methods.set(shared.method, shared)
  return shared
}
const sharedWith = (
  transport: Transport,
  protocolVersion: string,
  method: string,
  series: Shared["series"]
): Shared => {
  const attributes: Record<string, string> = protocolVersion === noVersion
    ? { "mcp.method.name": method, ...transport.attributes }
    : { "mcp.method.name": method, "mcp.protocol.version": protocolVersion, ...transport.attributes }
  if (method === "tools/call") attributes[operationName] = executeTool
  return { method, attributes, series }
}
/** The `error.type` of a method the server does not serve. */
const methodNotFound = String(McpError.ErrorCode.MethodNotFound)

/**
 * The duration histogram with its attributes (the {@link Shared} ones, the tool or prompt name, the
 * error's), made once per series (a metric with attributes is a new metric and key each time:
 * measured, a cost per call). Tool and prompt names are the client's to choose: past `maxSeries`
 * series, every new one is counted in one overflow series (`_OTHER`), so a client cannot grow the
 * metrics without bound.
 */
let seriesCount = 0
const maxSeries = 1_000
const overflow = Metric.withAttributes(operationDuration, { "mcp.method.name": "_OTHER" })
const durationWith = (
  shared: Shared,
  target: { readonly key: string; readonly value: string } | undefined,
  errorType: string | undefined
): Metric.Histogram<number> => {
  const series = shared.series
  if (series === undefined) return overflow
  const key = target === undefined ? errorType ?? "" : `${target.value}\u0000${errorType ?? ""}`
  let metric = series.get(key)
  if (metric === undefined) {
    if (seriesCount >= maxSeries) return overflow
    // The attributes are built only for a new series, of copies (see `sharedOf`).
    const labels: Record<string, string> = { ...shared.attributes }
    if (target !== undefined) labels[target.key] = copied(target.value)
    if (errorType !== undefined) Object.assign(labels, serverFailureAttributesOf(errorType))
    metric = Metric.withAttributes(operationDuration, labels)
    series.set(copied(key), metric)
    seriesCount++
  }
  return metric
}

/** A string of its own (not a slice or concatenation of another one): `JSON` makes new strings. */
const copied = (text: string): string => JSON.parse(JSON.stringify(text))

/**
 * The client-side duration histogram with its attributes, made once per method and error type, as
 * {@link durationWith} makes the server's. The methods are the server's own, but an error type may
 * be the client's (the code of its error answer): past `maxSeries` series, every new one is
 * counted in one overflow series.
 */
let clientSeriesCount = 0
const clientOverflow = Metric.withAttributes(clientOperationDuration, { "mcp.method.name": "_OTHER" })
const clientDurationWith = (
  transport: Transport,
  protocolVersion: string,
  method: string,
  errorType: OutgoingErrorType | undefined,
  server: ServerEnd | undefined
): Metric.Histogram<number> => {
  let series = transport.clients.get(protocolVersion)
  if (series === undefined) {
    series = new Map()
    transport.clients.set(protocolVersion, series)
  }
  const byMethod = errorType === undefined ? method : `${method}\u0000${errorType.type}`
  const key = server === undefined ? byMethod : `${byMethod}\u0001${server.key}`
  let metric = series.get(key)
  if (metric === undefined) {
    if (clientSeriesCount >= maxSeries) return clientOverflow
    const labels: Record<string, string> = {
      "mcp.method.name": copied(method),
      "mcp.protocol.version": protocolVersion,
      ...transport.attributes
    }
    if (errorType !== undefined) Object.assign(labels, outgoingFailureAttributes(errorType))
    // Effect's metric attributes are text: the port as its digits.
    if (server !== undefined) {
      labels["server.address"] = server.address
      if (server.port !== undefined) labels["server.port"] = String(server.port)
    }
    metric = Metric.withAttributes(clientOperationDuration, labels)
    series.set(copied(key), metric)
    clientSeriesCount++
  }
  return metric
}

/**
 * The transport a server→client request goes over: its session's, as its `initialize` came (see
 * {@link sessionTransports}), else that of the request being handled where it is asked (a stateless
 * session's POST), else none of HTTP (`pipe`).
 */
const outgoingTransport = (request: Middleware.OutgoingRequest, fiber: Fiber.Fiber<unknown, unknown>): Transport =>
  sessionTransports.get(request.session) ?? transportOf(Context.getOrUndefined(fiber.context, McpRequestContext)?.http)

/**
 * A server→client request measured in {@link clientOperationDuration}: from now (it is about to be
 * sent) to its end, whatever it ends with (an interruption too: `cancelled`).
 */
const measuredOutgoing = (
  transport: Transport,
  protocolVersion: string,
  method: string,
  server: ServerEnd | undefined,
  sent: Effect.Effect<unknown, ClientRequestError>
): Effect.Effect<unknown, ClientRequestError> => {
  const started = performance.now()
  return Effect.onExit(sent, (exit) =>
    Metric.update(
      clientDurationWith(transport, protocolVersion, method, exit._tag === "Success" ? undefined : outgoingErrorTypeOf(exit.cause), server),
      (performance.now() - started) / 1000
    ))
}

/**
 * The server's end of an HTTP connection, as the conventions give a CLIENT span and
 * `mcp.client.operation.duration`: `server.address` (the endpoint's IP address) and `server.port`.
 * `key`: the two in a series' key.
 */
interface ServerEnd {
  readonly address: string
  readonly port: number | undefined
  readonly key: string
}

/** The server's end of the connection `http` came over, where the platform tells it (Node's server); else `undefined` (stdio, in memory: none). */
const serverOf = (http: HttpRequestInfo): ServerEnd | undefined => {
  const address = http.localAddress
  if (address === undefined) return undefined
  const port = http.localPort
  return { address, port, key: port === undefined ? address : `${address}:${port}` }
}

/**
 * The telemetry middleware: a SERVER span per request, a CLIENT span per request the server
 * sends the client (its context in that request's `_meta`), the trace context in the `_meta` of the
 * notifications sent for a request, and the duration metric (see the module).
 * Put it first (outermost) to time everything the other middleware does too.
 *
 * **Details**
 *
 * `baggageAttributes` names the entries of the request's W3C baggage that become attributes of
 * its span, under their keys (as OpenTelemetry's baggage span processor does); none by default.
 * An attribute of the middleware's own (`mcp.method.name`...) is not overwritten.
 *
 * @since 0.2.0
 * @category middleware
 */
export const middleware = (options: {
  /** The baggage entries (keys) copied into the request's span as attributes; none by default. */
  readonly baggageAttributes?: ReadonlyArray<string> | undefined
  /**
   * Whether each notification sent for a request (progress, a log message, a handler's own) is a
   * CLIENT span, as the conventions have the sender of a notification report it; `true` by
   * default. `false`: none is made (a span per log line or progress step may be most of a trace),
   * and the notification carries the context of the span current where it was sent.
   */
  readonly notificationSpans?: boolean | undefined
} = {}): Middleware.Middleware<never> => {
  const baggageAttributes = options.baggageAttributes === undefined || options.baggageAttributes.length === 0
    ? undefined
    : [...options.baggageAttributes]
  const telemetry = Middleware.make("telemetry", {
    onRequest: (request, context, next) => {
      const target = targetOf(request)
      const http = context.http
      // What every request of this method, version and transport shares (its duration series'
      // attributes too), built once: `mcp.method.name`, `mcp.protocol.version`, `network.*`,
      // `gen_ai.operation.name` (`execute_tool` for a tool call, on nothing else).
      const transport = transportOf(http)
      const shared = sharedOf(transport, context.protocolVersion, request.method)
      const method = shared.method
      const attributes: Record<string, unknown> = {
        ...shared.attributes,
        // The client's id (a stateless transport answers under an id of its own).
        "jsonrpc.request.id": bounded(String(context.clientRequestId))
      }
      // MCP 2026-07-28 has no sessions: its requests carry none over a connection of their own
      // (stdio, in memory: the connection's id is no MCP session's) as over HTTP.
      if (!context.session.stateless && !ProtocolVersion.isModern(context.protocolVersion)) {
        attributes["mcp.session.id"] = context.sessionId
      }
      if (target !== undefined) attributes[target.key] = target.value
      if (http !== undefined) addPeer(attributes, http)
      const named = target === undefined || target.key === resourceUri ? undefined : target
      // As the conventions relate the span to its transport: the caller's context in `_meta` is
      // the parent, and the span current where the HTTP request was served (the HTTP server span)
      // is linked, for an MCP request is not its HTTP request (one may be retried over several,
      // one SSE response may carry several); without a `_meta` context, the HTTP server span is
      // the parent (itself the child of the HTTP `traceparent`); without one either (its tracing
      // off), the HTTP `traceparent`. Given explicitly: the request runs in its session's fiber.
      // A `tracestate` goes with the `traceparent` it came with (the parent's trace state).
      const meta = metaOf(request)
      // Baggage is independent of the trace: `_meta`'s, else the HTTP header's.
      const baggageText = typeof meta?.baggage === "string" ? meta.baggage : http?.header("baggage")
      const baggage = baggageText === undefined ? undefined : TraceContext.baggageOf(baggageText)
      if (baggage !== undefined && baggageAttributes !== undefined) {
        for (const key of baggageAttributes) {
          const value = baggage.get(key)
          if (value !== undefined && !Object.hasOwn(attributes, key)) attributes[key] = value
        }
      }
      const handled = baggage === undefined ? next(request, context) : Effect.provideService(next(request, context), Baggage, baggage)
      const started = performance.now()
      return Effect.useSpan(
        named === undefined ? method : `${method} ${named.value}`,
        serverSpanOptions(attributes, meta, http),
        (span) =>
          Effect.onExit(Effect.withParentSpan(handled, span, noStackTrace), (exit) => {
            // Interrupted: stopped and answered an error first (a session's drain, an HTTP
            // endpoint's shutdown, the end of its session), or cancelled.
            const stopped = exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause)
              ? stoppedAnswerOf(request, context.session, context.requestId)
              : undefined
            const errorType = errorTypeOf(exit, stopped)
            let measured = servedShared(shared, transport, context.protocolVersion, errorType)
            // An `initialize` runs before its session has a version (the context's is the default):
            // the version it uses is the one it settled, in its answer.
            if (exit._tag === "Success" && request.method === "initialize") {
              const settled = (exit.value as { readonly protocolVersion?: unknown } | undefined)?.protocolVersion
              if (settled !== context.protocolVersion && ProtocolVersion.isSupported(settled)) {
                span.attribute("mcp.protocol.version", settled)
                measured = sharedOf(transport, settled, request.method)
              }
            }
            const record = Metric.update(durationWith(measured, named, errorType), (performance.now() - started) / 1000)
            if (errorType === undefined) {
              // A session's `initialize` answered: the MCP session begins (counted from now on), its
              // transport its duration series' (once per session), with the version it settled
              // (known once the session took the answer).
              if (request.method === "initialize" && !context.session.stateless && !sessionTransports.has(context.session)) {
                sessionTransports.set(context.session, transport)
                return Effect.andThen(record, Metric.modify(sessionCount, 1))
              }
              return record
            }
            const failure = serverFailureAttributesOf(errorType)
            for (const key in failure) span.attribute(key, failure[key])
            // A code that is no error of the server's (the caller's request it could not serve):
            // not the ERROR status either, as the conventions ask (a success's status).
            const ending = notServerErrors.has(errorType)
              ? Exit.void
              : errorType === toolError
              ? toolErrorExit
              : errorType === cancelled
              ? cancelledExit
              : exit._tag === "Success"
              ? undefined
              : stopped !== undefined
              ? errorAnsweredExit(stopped)
              : answeredExit(exit.cause)
            if (ending === undefined) return record
            // Ended here, with its failure; `useSpan` then leaves the span as it is.
            return Effect.withFiber((fiber) => {
              const now = fiber.getRef(References.TracerTimingEnabled) ? fiber.getRef(Clock.Clock).currentTimeNanosUnsafe() : 0n
              span.end(now, ending)
              return record
            })
          })
      )
    },
    // A stateless session (the one a Streamable HTTP endpoint answers 2026-07-28 and stateless
    // requests with) is no MCP session: it lives as long as the endpoint, whoever calls.
    onSession: (session) =>
      session.stateless ? Effect.void : liveSession(session),
    // A notification of the client's (`notifications/initialized`, `notifications/cancelled`,
    // `notifications/progress`, `notifications/roots/list_changed`...) is a SERVER span of its own
    // and measured, as the conventions have one per MCP message, requests and notifications alike.
    onNotification: (notification, session, next, http) => notificationSpan(notification, session, http, next(notification)),
    // A request to the client made for a request being handled where a span is current (a
    // handler's, under the request's SERVER span) is a CLIENT span of that trace, whose context
    // its `_meta` carries. One made outside any span, or for no request (KeepAlive's pings from a
    // session's `onSession`: untied, and no handler's code), is sent as it is: the span current
    // there may be one of the program's around the whole server (`Effect.withSpan` around
    // `McpServer.run`), which would gather a CLIENT span per ping for the process's life.
    // Each is measured, spanned or not (a metric gathers nothing per request).
    onOutgoingRequest: (request, send) =>
      Effect.withFiber((fiber) => {
        const method = bounded(request.method)
        const parent = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
        const untraced = parent === undefined ||
          (request.untied && Context.getOrUndefined(fiber.context, McpRequestContext) === undefined)
        const transport = outgoingTransport(request, fiber)
        // The endpoint's end of the connection the request being handled came over (HTTP).
        const http = Context.getOrUndefined(fiber.context, McpRequestContext)?.http
        const server = http === undefined ? undefined : serverOf(http)
        return measuredOutgoing(
          transport,
          request.protocolVersion,
          method,
          server,
          untraced ? send(request.params) : outgoingSpan(request, method, transport, server, parent, send)
        )
      })
  })
  return Object.assign(telemetry, {
    [notificationMetaKey]: options.notificationSpans === false ? notificationTraceContext : notificationSpans,
    [refusedRequestsKey]: refusedRequestSpan
  })
}

/**
 * The peer over HTTP on a server span, as the conventions recommend: `client.address`, and with
 * it `client.port`, the port of the peer's connection, where the platform tells them. Behind a
 * reverse proxy, the proxy's address, unless the endpoint's `trustedProxies` lists it: then the
 * client's, from `X-Forwarded-For`, with no port (the connection's is the proxy's).
 */
const addPeer = (attributes: Record<string, unknown>, http: HttpRequestInfo): void => {
  const address = http.remoteAddress
  if (address === undefined) return
  attributes["client.address"] = address
  const port = http.remotePort
  if (port !== undefined) attributes["client.port"] = port
}

/**
 * A client's notification as a SERVER span, as the conventions describe the receiver of a request
 * or notification: named by its method (no target), the child of the `traceparent` in its `_meta`
 * (else, over HTTP, of the HTTP server span, or the HTTP `traceparent`; linked to the HTTP server
 * span when `_meta` has a context), with `mcp.method.name`, `mcp.protocol.version`, the
 * transport's attributes, `client.address` and `client.port` over HTTP, and `mcp.session.id` in an
 * MCP session (no `jsonrpc.request.id`: a notification has none); measured in
 * {@link operationDuration}, as the conventions measure a notification until it is handled. A
 * session's notification has the version and transport of its session (over HTTP, its POST's;
 * the cancellation a transport makes itself, a request's POST or stream dropped, is no message of
 * the client's: no span); one of no MCP session (a 2026-07-28 connection over stdio, in memory) the version its
 * `_meta` names, a known one only (a metric's series is by version). Streamable HTTP takes no
 * notification of the 2026-07-28 era, nor of a stateless endpoint, to a session: none is seen.
 * `error.type` when its handling fails: `cancelled` when interrupted, else `_OTHER` (no JSON-RPC
 * code: nothing is answered).
 */
const notificationSpan = (
  notification: JsonRpc.Notification,
  session: ServerSession,
  http: HttpRequestInfo | undefined,
  handled: Effect.Effect<void, unknown>
): Effect.Effect<void, unknown> => {
  const inSession = sessionTransports.get(session)
  // Over an HTTP session every notification of the client's comes in a POST: one without is the
  // transport's own (the cancellation of a request whose POST or stream was dropped), no message
  // of the peer's, so no span of its own (the request's span says `cancelled`). So on the shared
  // stateless session of a Streamable HTTP endpoint (2026-07-28, stateless), which takes no
  // notification of a client's: only the transport's.
  if (http === undefined && (session.stateless || inSession?.http === true)) return handled
  const transport = http === undefined ? inSession ?? pipeTransport : transportOf(http)
  const protocolVersion = inSession === undefined ? notificationVersion(notification, session, http) : session.protocolVersion
  const shared = notificationShared(transport, protocolVersion, notification.method)
  const attributes: Record<string, unknown> = { ...shared.attributes }
  if (inSession !== undefined && !session.stateless && !ProtocolVersion.isModern(protocolVersion)) {
    attributes["mcp.session.id"] = session.id
  }
  if (http !== undefined) addPeer(attributes, http)
  // Parented and linked as a request's span (see `middleware`).
  const meta = (notification.params as { readonly _meta?: { readonly [key: string]: unknown } } | undefined)?._meta
  const started = performance.now()
  return Effect.useSpan(shared.method, serverSpanOptions(attributes, meta, http), (span) =>
    Effect.onExit(Effect.withParentSpan(handled, span, noStackTrace), (exit) => {
      const errorType = exit._tag === "Success" ? undefined : Cause.hasInterruptsOnly(exit.cause) ? cancelled : otherError
      const record = Metric.update(durationWith(shared, undefined, errorType), (performance.now() - started) / 1000)
      if (errorType === undefined) return record
      span.attribute("error.type", errorType)
      if (errorType !== cancelled) return record
      return Effect.withFiber((fiber) => {
        const now = fiber.getRef(References.TracerTimingEnabled) ? fiber.getRef(Clock.Clock).currentTimeNanosUnsafe() : 0n
        span.end(now, cancelledExit)
        return record
      })
    }))
}

/** The `error.type` of a notification whose handling failed: no JSON-RPC code says what. */
const otherError = "_OTHER"

/**
 * The version a notification of no MCP session names in its `_meta` (2026-07-28), when a version
 * MCP defines (the client's text, else: a metric's series is by version); on a stateless
 * endpoint, the version its POST's header names (none: 2025-03-26); else that of its
 * connection's era: 2026-07-28 once its first request chose it (the session's version is the
 * handshake era's default, which it never negotiated), else the session's.
 */
const notificationVersion = (
  notification: JsonRpc.Notification,
  session: ServerSession,
  http: HttpRequestInfo | undefined
): string => {
  const named = (notification.params as { readonly _meta?: { readonly [key: string]: unknown } } | undefined)?._meta?.[
    "io.modelcontextprotocol/protocolVersion"
  ]
  if (ProtocolVersion.isModern(named) || ProtocolVersion.isSupported(named)) return named
  // A stateless endpoint's (its shared session's version is no request's): the version its POST's
  // `MCP-Protocol-Version` names, none 2025-03-26, as the endpoint runs a request.
  if (session.stateless && http !== undefined) {
    const header = http.header("mcp-protocol-version")
    return header === undefined
      ? ProtocolVersion.assumedWhenUnknown
      : ProtocolVersion.isSupported(header) || ProtocolVersion.isModern(header)
      ? header
      : session.protocolVersion
  }
  return session.phase === "modern" ? ProtocolVersion.modern[0] : session.protocolVersion
}

/**
 * The notifications a client sends that MCP defines (of any version): those whose attributes a
 * transport keeps, as it keeps MCP's request methods'; another (the client names it) is built per
 * notification and measured in the overflow series.
 */
const clientNotifications: ReadonlySet<string> = new Set([
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/roots/list_changed",
  "notifications/tasks/status"
])
const notificationShared = (transport: Transport, protocolVersion: string, method: string): Shared => {
  const methods = methodsOf(transport, protocolVersion)
  const name = bounded(method)
  return methods.get(name) ?? (clientNotifications.has(name)
    ? kept(methods, transport, protocolVersion, name)
    : sharedWith(transport, protocolVersion, name, undefined))
}

/**
 * The trace context a notification sent for a request carries in its `_meta` (progress, log
 * messages, a handler's own: the conventions' sender injects it "when creating a request or
 * notification"): the `traceparent` of the span current where it is sent (a handler's, under the
 * request's SERVER span), and the trace's `tracestate`; nothing where no span is current. No span
 * is made for it: the middleware's `notificationSpans: false` (else {@link notificationSpans}). A
 * notification tied to no request (a list change, a resource update) is not asked: the span
 * current where it is sent says nothing of it.
 */
const notificationTraceContext: NotificationMeta = (context) => {
  const span = Context.getOrUndefined(context, Tracer.ParentSpan)
  return span === undefined ? undefined : traceContextOf(span)
}

/** The `_meta` entries of a span's W3C trace context: its `traceparent`, and the trace's `tracestate` if it has one. */
const traceContextOf = (span: Tracer.AnySpan): Readonly<Record<string, string>> => {
  const traceparent = TraceContext.traceparentOf(span)
  const state = TraceContext.traceStateOfSpan(span)
  return state === undefined ? { traceparent } : { traceparent, tracestate: state.serialize() }
}

/**
 * A notification sent for a request as a CLIENT span, as the conventions describe the side that
 * sends a request or notification ("by the MCP server when server initiates the operation"): named
 * by its method, the child of the span current where it is sent (a handler's, under the
 * request's SERVER span), with `mcp.method.name`, `mcp.protocol.version`, the transport's
 * attributes and `mcp.session.id` in an MCP session (no `jsonrpc.request.id`: a notification has
 * none); ended as it is handed to the session to send (nothing answers a notification). The
 * notification carries its context (`traceparent`, and the trace's `tracestate`), so the
 * client's span of it is its child. Where no span is current, or tracing is off, none is made
 * and nothing is carried, as {@link notificationTraceContext}. Not measured: the conventions time
 * a sent message until its answer or ack, and a notification has neither.
 */
const notificationSpans: NotificationMeta = (context, method) => {
  const parent = Context.getOrUndefined(context, Tracer.ParentSpan)
  if (parent === undefined) return undefined
  if (!Context.get(context, References.TracerEnabled)) return traceContextOf(parent)
  const now = Context.get(context, References.TracerTimingEnabled) ? Context.get(context, Clock.Clock).currentTimeNanosUnsafe() : 0n
  const name = bounded(method)
  const span = Context.get(context, Tracer.Tracer).span({
    name,
    parent: Option.some(parent),
    annotations: Context.empty(),
    links: [],
    startTime: now,
    kind: "client",
    root: false,
    sampled: parent.sampled
  })
  const request = Context.getOrUndefined(context, McpRequestContext)
  if (request === undefined) {
    span.attribute("mcp.method.name", name)
  } else {
    const session = request.session
    const version = request.protocolVersion
    const attributes = sentAttributes(sessionTransports.get(session) ?? transportOf(request.http), version, name)
    for (const key in attributes) span.attribute(key, attributes[key])
    if (!session.stateless && !ProtocolVersion.isModern(version)) span.attribute("mcp.session.id", session.id)
    const server = request.http === undefined ? undefined : serverOf(request.http)
    if (server !== undefined) {
      span.attribute("server.address", server.address)
      if (server.port !== undefined) span.attribute("server.port", server.port)
    }
  }
  span.end(now, Exit.void)
  return traceContextOf(span)
}

/** The attributes of a sent notification's CLIENT span of `method`, `protocolVersion` and `transport`, made once (past {@link maxMethods} methods, each time). */
const sentAttributes = (transport: Transport, protocolVersion: string, method: string): Readonly<Record<string, string>> => {
  let methods = transport.sent.get(protocolVersion)
  if (methods === undefined) {
    methods = new Map()
    transport.sent.set(protocolVersion, methods)
  }
  let attributes = methods.get(method)
  if (attributes === undefined) {
    // Kept while there is room: of a copy (a clipped method is a slice of the handler's text).
    const keep = methods.size < maxMethods
    const name = keep ? copied(method) : method
    attributes = { "mcp.method.name": name, "mcp.protocol.version": protocolVersion, ...transport.attributes }
    if (keep) methods.set(name, attributes)
  }
  return attributes
}

/**
 * A server→client request as a CLIENT span, as the conventions describe the side that initiates
 * one: named by its method (these requests have no target), the child of `parent`, with
 * `mcp.method.name`, `jsonrpc.request.id` (the id the server sent), `mcp.protocol.version`,
 * `mcp.session.id` and the transport's attributes (`network.transport`, `network.protocol.*`; over
 * HTTP `server.address` and `server.port`, the endpoint's end of the connection the request being
 * handled came over); ended when the client's answer comes, with status ERROR and `error.type` when
 * it is no success (see {@link outgoingErrorTypeOf}). The request carries the span's context in
 * its `_meta` (`traceparent`, and `tracestate` when the trace has one: SEP-414), so that what the
 * client does to answer is of the same trace.
 */
const outgoingSpan = (
  request: Middleware.OutgoingRequest,
  method: string,
  transport: Transport,
  server: ServerEnd | undefined,
  parent: Tracer.AnySpan,
  send: (params: JsonRpc.Params | undefined) => Effect.Effect<unknown, ClientRequestError>
): Effect.Effect<unknown, ClientRequestError> => {
  const attributes: Record<string, unknown> = {
    "mcp.method.name": method,
    "jsonrpc.request.id": String(request.id),
    "mcp.protocol.version": request.protocolVersion,
    ...transport.attributes
  }
  if (server !== undefined) {
    attributes["server.address"] = server.address
    if (server.port !== undefined) attributes["server.port"] = server.port
  }
  if (!request.session.stateless && !ProtocolVersion.isModern(request.protocolVersion)) {
    attributes["mcp.session.id"] = request.session.id
  }
  const options: Tracer.SpanOptions = { kind: "client", captureStackTrace: false, attributes, parent }
  return Effect.useSpan(method, options, (span) =>
    Effect.onExit(send(withTraceContext(request.params, span)), (exit) => {
      if (exit._tag === "Success") return Effect.void
      const errorType = outgoingErrorTypeOf(exit.cause)
      const failure = outgoingFailureAttributes(errorType)
      for (const key in failure) span.attribute(key, failure[key])
      if (errorType.type !== cancelled) return Effect.void
      // Ended here, with its failure (an interruption is no failure to Effect's tracers).
      return Effect.withFiber((fiber) => {
        const now = fiber.getRef(References.TracerTimingEnabled) ? fiber.getRef(Clock.Clock).currentTimeNanosUnsafe() : 0n
        span.end(now, cancelledExit)
        return Effect.void
      })
    }))
}

/**
 * `params` with the W3C trace context of `span` in their `_meta` (what the application put there
 * kept; a `traceparent` of its own replaced, as a propagator's inject does).
 */
const withTraceContext = (params: JsonRpc.Params | undefined, span: Tracer.Span): JsonRpc.Params => {
  const meta: Record<string, unknown> = { ...(params?._meta as object | undefined), traceparent: TraceContext.traceparentOf(span) }
  const state = TraceContext.traceStateOfSpan(span)
  if (state !== undefined) meta.tracestate = state.serialize()
  return { ...params, _meta: meta }
}

/**
 * `error.type` of a server→client request that failed: the JSON-RPC code of the client's error
 * answer (also its `rpc.response.status_code`), `timeout` when it did not answer in time,
 * `cancelled` when the code that asked was interrupted, else the failure's tag
 * (`ClientResultInvalid`: an answer that is not the method's result; `SessionClosed`) or `_OTHER`
 * for a defect.
 */
const outgoingErrorTypeOf = (cause: Cause.Cause<ClientRequestError>): OutgoingErrorType => {
  if (Cause.hasInterruptsOnly(cause)) return cancelledType
  for (const reason of cause.reasons) {
    if (reason._tag !== "Fail") continue
    const error = reason.error
    if (error._tag === "ClientRequestFailed") return { type: codeText(error.code), code: error.code }
    return { type: error._tag === "ClientRequestTimeout" ? "timeout" : error._tag }
  }
  return otherType
}

/** The `error.type` of a server→client request that failed, and the client's error code, if it answered one. */
interface OutgoingErrorType {
  readonly type: string
  readonly code?: number
}
const cancelledType: OutgoingErrorType = { type: cancelled }
const otherType: OutgoingErrorType = { type: "_OTHER" }

/**
 * The attributes of a server→client request that failed (its span's and its duration series'):
 * `error.type`, and for the client's error answer `rpc.response.status_code` (its code); made once
 * per error type.
 */
const outgoingFailureAttributes = (errorType: OutgoingErrorType): Readonly<Record<string, string>> => {
  if (errorType.code !== undefined) return failureAttributesOf(errorType.type)
  let attributes = namedFailures.get(errorType.type)
  if (attributes === undefined) {
    attributes = { "error.type": errorType.type }
    namedFailures.set(errorType.type, attributes)
  }
  return attributes
}
/** The attributes of the failures that are no code (`timeout`, `cancelled`, a failure's tag): a few. */
const namedFailures = new Map<string, Readonly<Record<string, string>>>()

/**
 * The trace state of the HTTP header `tracestate`, as a span's annotations, when the header's
 * `traceparent` is valid and of the HTTP server span's trace (which Effect's HTTP server continued).
 */
const transportTraceState = (
  transport: Tracer.AnySpan,
  traceparent: string | undefined,
  tracestate: string
): Context.Context<never> | undefined => {
  const caller = traceparent === undefined ? undefined : TraceContext.parentOf(traceparent, tracestate)
  return caller === undefined || caller.traceId !== transport.traceId || TraceContext.traceStateIn(caller.annotations) === undefined
    ? undefined
    : caller.annotations
}

/**
 * A session's life on the gauge: one more while it lives, from its `initialize` answered (see
 * {@link middleware}) to its end, when its {@link sessionDuration} is measured (from its start:
 * over HTTP its `initialize`, over stdio and in memory its connection's opening). The gauge is
 * one for the process (its state is the metric registry's), so each session adds to it and takes
 * itself off, whichever server it belongs to and whichever middleware counts it: a count kept by
 * each middleware, set as the gauge's value, made servers with middlewares of their own overwrite
 * each other's.
 *
 * A connection without `initialize` is no MCP session, in neither metric: one of the 2026-07-28
 * era (stdio, in memory), whose requests each name their version and belong to no session, as
 * over Streamable HTTP (where such requests make none); or one closed before its handshake.
 */
const liveSession = (session: ServerSession) =>
  Effect.acquireRelease(
    Effect.sync(() => performance.now()),
    (started, exit) =>
      Effect.suspend(() => {
        const transport = sessionTransports.get(session)
        if (transport === undefined) {
          // Marked as settled: an `initialize` answered after this (none should be) counts nothing.
          sessionTransports.set(session, pipeTransport)
          return Effect.void
        }
        return Effect.andThen(
          Metric.modify(sessionCount, -1),
          Metric.update(transport.sessionSeries(session.protocolVersion, sessionErrorOf(exit)), (performance.now() - started) / 1000)
        )
      })
  ).pipe(Effect.andThen(Effect.never))

/**
 * The `error.type` of a session's end, which the conventions ask of `mcp.server.session.duration`
 * when the session ends with an error: over a connection the session reads itself (stdio, a
 * socket), its broken transport (`TransportFailure`: the input failed, or writing the output
 * did), the tag of the failure its run ended with (`_OTHER` for a defect); `undefined` for an end
 * without an error (the end of input, an interruption, a shutdown, a session closed or expired).
 */
const sessionErrorOf = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) return undefined
  for (const reason of exit.cause.reasons) {
    if (reason._tag !== "Fail") continue
    const tag = (reason.error as { readonly _tag?: unknown } | undefined)?._tag
    return typeof tag === "string" ? bounded(tag) : otherError
  }
  return otherError
}

/**
 * The transport of each session whose `initialize` was answered (its duration series', and its
 * requests to the client's), set then: an MCP session. A connection without HTTP may have none
 * (see {@link liveSession}). Weak: nothing is kept of a session gone.
 */
const sessionTransports = new WeakMap<ServerSession, Transport>()

/**
 * A request the session refused before dispatching it (an id in progress, a request before
 * `initialize`, a 2026-07-28 request of a version not served or with a malformed `_meta`, a member
 * of a batch that is `initialize`; a new one while the session, or the Streamable HTTP endpoint,
 * drains, -32000, or one refused 429 while too many wait, which are no invalid input, told
 * through `Dispatcher.refused` alone): none of the middleware's hooks saw it, but the client sent a
 * request and was answered, which the conventions give a SERVER span and a
 * `mcp.server.operation.duration` measure: made here, as a request's (its name, attributes and
 * parent from `_meta`, else over HTTP from its POST's, as a request's), of the transport of the
 * POST that carried it (with `client.address` and `client.port`), else of its session's
 * `initialize`, else `pipe`, and of the version it uses ({@link refusedVersion}: none when it
 * names one not served), ended at once with the error answered (its code
 * `rpc.response.status_code`, and `error.type` and the ERROR status when the conventions count
 * it as the server's: -32000 and a 429, not -32600 nor -32022). Asked for refusals only (see
 * `internal/refusedRequests.ts`): nothing on an accepted request's way, nor without Telemetry.
 * Invalid input that is no request (no method, no id) gets nothing.
 */
const refusedRequestSpan: RefusedRequests = (invalid, session) => {
  const request = invalid.value as JsonRpc.Request | undefined
  if (typeof request !== "object" || request === null || Array.isArray(request) || typeof request.method !== "string") return Effect.void
  const id = request.id
  if (typeof id !== "string" && typeof id !== "number") return Effect.void
  // Over HTTP, the POST that carried it: its transport and peer, as a served request's.
  const http = invalid.http
  // Of its MCP session, over HTTP the one its POST named: a draining endpoint tells the refusal of
  // a POST naming none through a session of its own (see `Endpoint.refuseDraining`).
  const known = sessionTransports.get(session)
  const inSession = known === undefined || http === undefined || session.stateless || http.header("mcp-session-id") === session.id
    ? known
    : undefined
  const transport = http !== undefined ? transportOf(http) : inSession ?? (session.stateless ? httpTransport : pipeTransport)
  const protocolVersion = refusedVersion(request, session, inSession !== undefined, http, invalid.error)
  const shared = sharedOf(transport, protocolVersion ?? noVersion, request.method)
  const target = targetOf(request)
  const attributes: Record<string, unknown> = { ...shared.attributes, "jsonrpc.request.id": bounded(String(id)) }
  if (!session.stateless && !ProtocolVersion.isModern(protocolVersion) && inSession !== undefined) {
    attributes["mcp.session.id"] = session.id
  }
  if (target !== undefined) attributes[target.key] = target.value
  if (http !== undefined) addPeer(attributes, http)
  const errorType = codeText(invalid.error.code)
  Object.assign(attributes, serverFailureAttributesOf(errorType))
  const named = target === undefined || target.key === resourceUri ? undefined : target
  const ending: Exit.Exit<unknown, unknown> = notServerErrors.has(errorType) ? Exit.void : errorAnsweredExit(invalid.error)
  return Effect.useSpan(
    named === undefined ? shared.method : `${shared.method} ${named.value}`,
    serverSpanOptions(attributes, metaOf(request), http),
    (span) =>
      Effect.withFiber((fiber) => {
        const now = fiber.getRef(References.TracerTimingEnabled) ? fiber.getRef(Clock.Clock).currentTimeNanosUnsafe() : 0n
        span.end(now, ending)
        return Metric.update(durationWith(shared, named, errorType), 0)
      })
  )
}

/**
 * The MCP version a refused request uses, as its accepted twin's span would say: a 2025 session's,
 * what its `initialize` settled; out of one, the version its `_meta` names (2026-07-28), else over
 * HTTP its POST's `MCP-Protocol-Version` (none: on a stateless endpoint 2025-03-26, as the
 * endpoint takes it; else none, no session having settled one), else the connection's. `undefined` (no `mcp.protocol.version`: none is used) for a request
 * refused for the version it names (its error's `data.supported` lists those served: -32022, an
 * `MCP-Protocol-Version` not served), or naming one MCP does not define.
 */
const refusedVersion = (
  request: JsonRpc.Request,
  session: ServerSession,
  inSession: boolean,
  http: HttpRequestInfo | undefined,
  error: JsonRpc.ErrorObject
): string | undefined => {
  const data = error.data as { readonly supported?: unknown } | null | undefined
  if (typeof data === "object" && data !== null && Array.isArray(data.supported)) return undefined
  if (inSession) return session.protocolVersion
  const named = metaOf(request)?.["io.modelcontextprotocol/protocolVersion"]
  if (named !== undefined) return ProtocolVersion.isModern(named) || ProtocolVersion.isSupported(named) ? named : undefined
  if (http !== undefined) {
    const header = http.header("mcp-protocol-version")
    return header === undefined
      ? session.stateless ? ProtocolVersion.assumedWhenUnknown : undefined
      : ProtocolVersion.isSupported(header) || ProtocolVersion.isModern(header)
      ? header
      : undefined
  }
  return session.protocolVersion
}

/** The key of the attributes and series of requests that use no MCP version (see {@link refusedVersion}): no `mcp.protocol.version`. */
const noVersion = ""

/**
 * Switches telemetry on for a server: the {@link middleware}, registered as a component.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<never, never, McpServer.McpServer> = McpServer.middleware(middleware())

/**
 * Exports traces, metrics and logs over OTLP/HTTP with Effect's exporter, as JSON (default: not
 * the OpenTelemetry specification's default, `http/protobuf`) or protobuf (`protocol`). A span's
 * trace state ({@link TraceState}) is exported as its `traceState`. `url` is the endpoint's base: spans go to `<url>/v1/traces`, metrics to
 * `<url>/v1/metrics`, logs to `<url>/v1/logs`; `tracesUrl`, `metricsUrl` and `logsUrl` are one
 * signal's URL, used as it is (no `/v1/traces` added), in place of `url`'s for that signal. A
 * signal without a URL is not exported. Every URL must be an http(s) URL (anything else throws:
 * Effect's exporter would fail every export without a word).
 *
 * Given no URL at all, the endpoints and protocols come from the environment as
 * {@link fromEnvironment} reads them (`OTEL_EXPORTER_OTLP_ENDPOINT`, the per-signal
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`..., `OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal
 * variables), a value that does not parse throwing a {@link TelemetryConfigError} naming it.
 *
 * Provide it to the program that serves (`Effect.provide`); pending data is flushed when it ends.
 *
 * @since 0.2.0
 * @category layers
 */
export const otlp = (options: {
  readonly url?: string | undefined
  /** The URL spans are sent to, as it is (default `<url>/v1/traces`). */
  readonly tracesUrl?: string | undefined
  /** The URL metrics are sent to, as it is (default `<url>/v1/metrics`). */
  readonly metricsUrl?: string | undefined
  /** The URL logs are sent to, as it is (default `<url>/v1/logs`). */
  readonly logsUrl?: string | undefined
  /**
   * The bodies' encoding: `"http/json"` (default) or `"http/protobuf"` (what most backends and
   * the OpenTelemetry SDKs default to). gRPC is not spoken by Effect's exporter.
   */
  readonly protocol?: Protocol | undefined
  readonly serviceName: string
  readonly serviceVersion?: string | undefined
  /** How often spans are sent; default 1 s (a number > 0 of milliseconds, finite). */
  readonly exportIntervalMillis?: number | undefined
  /** Headers sent with every export (an `authorization`, a backend's API key). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** More attributes of the resource (the service) the data comes from: `deployment.environment`... */
  readonly resourceAttributes?: Readonly<Record<string, string>> | undefined
}): Layer.Layer<OtlpExporter.Flusher> => {
  const given = options.url !== undefined || options.tracesUrl !== undefined || options.metricsUrl !== undefined ||
    options.logsUrl !== undefined
  let targets: OtelEnvironment.Targets
  if (given) {
    const protocol = options.protocol ?? "http/json"
    if (protocol !== "http/json" && protocol !== "http/protobuf") {
      throw new TypeError(`Telemetry.otlp: protocol must be "http/json" or "http/protobuf", got ${JSON.stringify(protocol)}`)
    }
    const target = (option: string, url: string | undefined, signal: OtelEnvironment.Signal) => {
      const own = url === undefined ? undefined : checkedUrl(option, url)
      const chosen = own ?? (options.url === undefined ? undefined : OtelEnvironment.signalUrl(checkedUrl("url", options.url), signal))
      return chosen === undefined ? undefined : { url: chosen, protocol }
    }
    targets = {
      traces: target("tracesUrl", options.tracesUrl, "traces"),
      metrics: target("metricsUrl", options.metricsUrl, "metrics"),
      logs: target("logsUrl", options.logsUrl, "logs")
    }
  } else {
    const environment = process.env
    const found = OtelEnvironment.targets(environment)
    if (found === undefined) {
      throw new Error("Telemetry.otlp: no url, and neither OTEL_EXPORTER_OTLP_ENDPOINT nor a per-signal endpoint is set")
    }
    targets = found
  }
  return exporters(targets, options)
}

/**
 * The OTLP/HTTP encoding {@link otlp} and {@link fromEnvironment} export with: `"http/json"` or
 * `"http/protobuf"` (gRPC is not spoken by Effect's exporter).
 *
 * @since 0.2.0
 * @category models
 */
export type Protocol = OtelEnvironment.Protocol

/** A URL given in code, checked: an http(s) URL (Effect's exporter fails any other without a word). */
const checkedUrl = (option: string, url: string): string => {
  if (!OtelEnvironment.isHttpUrl(url)) {
    throw new TypeError(`Telemetry.otlp: ${option} must be an http:// or https:// URL (OTLP/HTTP), got ${JSON.stringify(url)}`)
  }
  return url
}

/** Effect's exporter of each signal that has a target, each with its protocol's encoding. */
const exporters = (
  targets: OtelEnvironment.Targets,
  options: {
    readonly serviceName: string
    readonly serviceVersion?: string | undefined
    readonly exportIntervalMillis?: number | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
    readonly resourceAttributes?: Readonly<Record<string, string>> | undefined
  }
): Layer.Layer<OtlpExporter.Flusher> => {
  NumericOptions.check("Telemetry.otlp", "exportIntervalMillis", options.exportIntervalMillis, NumericOptions.finiteMillis)
  const interval = options.exportIntervalMillis ?? 1_000
  const resource = options.resourceAttributes === undefined
    ? { serviceName: options.serviceName, serviceVersion: options.serviceVersion }
    : { serviceName: options.serviceName, serviceVersion: options.serviceVersion, attributes: { ...options.resourceAttributes } }
  const headers = options.headers
  const encoding = (target: OtelEnvironment.Target) =>
    target.protocol === "http/protobuf" ? OtlpSerialization.layerProtobuf : OtlpSerialization.layerJson
  const layers: Array<Layer.Layer<OtlpExporter.Flusher, never, HttpClient.HttpClient>> = []
  const { traces, metrics, logs } = targets
  if (traces !== undefined) {
    // Effect's tracer, its spans given the trace state of their context (`otlpTraceState.ts`).
    const tracesEncoding = encoding(traces)
    layers.push(
      Layer.unwrap(Effect.sync(() => {
        const pending = new OtlpTraceState.PendingStates()
        return Layer.effect(
          Tracer.Tracer,
          Effect.map(
            OtlpTracer.make({ url: traces.url, resource, headers, exportInterval: `${interval} millis` }),
            (tracer) => OtlpTraceState.tracer(tracer, pending)
          )
        ).pipe(
          Layer.provideMerge(OtlpExporter.layerFlusher),
          Layer.provide(OtlpTraceState.serialization(tracesEncoding, pending))
        )
      }))
    )
  }
  if (metrics !== undefined) {
    layers.push(
      OtlpMetrics.layer({ url: metrics.url, resource, headers, exportInterval: `${Math.max(interval, 1_000)} millis` }).pipe(
        Layer.provide(withMetricUnits(encoding(metrics)))
      )
    )
  }
  if (logs !== undefined) {
    layers.push(
      OtlpLogger.layer({ url: logs.url, resource, headers, excludeLogSpans: true, mergeWithExisting: true }).pipe(
        Layer.provide(encoding(logs))
      )
    )
  }
  // The signals share one `Flusher` (Effect's `layerFlusher`, memoized within the build): one
  // flush drains them all.
  const merged = layers.length === 0
    ? OtlpExporter.layerFlusher
    : Layer.mergeAll(layers[0]!, ...layers.slice(1))
  return merged.pipe(Layer.provide(FetchHttpClient.layer))
}

/**
 * The units of the middleware's metrics, as the conventions give them (UCUM). Effect's exporter
 * takes a metric's unit from an attribute of its series (`unit`), which would be a label of every
 * data point too; without one it says `1` (dimensionless), so a backend read the durations as
 * ratios (Prometheus: no `_seconds` suffix). Written into each export instead.
 */
const metricUnits: ReadonlyMap<string, string> = new Map([
  ["mcp.server.operation.duration", "s"],
  ["mcp.client.operation.duration", "s"],
  ["mcp.server.session.count", "{session}"],
  ["mcp.server.session.duration", "s"]
])

/** The serialization `encoding` provides, with the units of the middleware's metrics ({@link metricUnits}) written in. */
const withMetricUnits = (
  encoding: Layer.Layer<OtlpSerialization.OtlpSerialization>
): Layer.Layer<OtlpSerialization.OtlpSerialization> =>
  Layer.effect(
    OtlpSerialization.OtlpSerialization,
    Effect.map(Effect.service(OtlpSerialization.OtlpSerialization), (inner) => ({
      traces: inner.traces,
      metrics: (data) => {
        for (const resource of data.resourceMetrics) {
          for (const scope of resource.scopeMetrics ?? []) {
            for (const metric of scope.metrics ?? []) {
              const unit = metricUnits.get(metric.name)
              if (unit !== undefined) (metric as { unit?: string }).unit = unit
            }
          }
        }
        return inner.metrics(data)
      },
      logs: inner.logs
    }))
  ).pipe(Layer.provide(encoding))

/**
 * The error `fromEnvironment` throws for a standard variable that does not parse (it names it).
 *
 * @since 0.2.0
 * @category errors
 */
export { TelemetryConfigError } from "./internal/otelEnvironment.ts"

/**
 * Telemetry as the environment asks, with the standard OpenTelemetry variables: when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or a per-signal endpoint is set (and `OTEL_SDK_DISABLED` is not
 * `true`), the server's requests are traced and measured and everything is exported there
 * ({@link layer} and {@link otlp}); otherwise nothing is added. `components` are the server's.
 *
 * **Details**
 *
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` is the base URL: traces go to `<endpoint>/v1/traces`, metrics
 *   to `/v1/metrics`, logs to `/v1/logs` under it. `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 *   `_METRICS_ENDPOINT` and `_LOGS_ENDPOINT` are one signal's URL, used as it is (nothing
 *   appended), as the specification says. A signal with neither is not exported.
 * - `OTEL_EXPORTER_OTLP_PROTOCOL` (and per signal `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`...):
 *   `http/protobuf` or `http/json`; unset, `http/json` (the specification's default is
 *   `http/protobuf`; JSON is what this server always sent). `grpc`, which Effect's exporter does
 *   not speak, is refused naming the variable, as any other value.
 * - `OTEL_SERVICE_NAME` names the service (else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`,
 *   else `serviceName`).
 * - `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,key2=value2`, values percent-encoded: `%20` for a
 *   space) are sent with every export.
 * - `OTEL_RESOURCE_ATTRIBUTES` (the same format) are the resource's attributes.
 * - `OTEL_SDK_DISABLED=true` turns it all off, the endpoint set or not.
 *
 * A variable that does not parse (`OTEL_SDK_DISABLED=yes`, a pair without `=`, `%ZZ`, an endpoint
 * that is not an http(s) URL, a protocol of `grpc`) is a {@link TelemetryConfigError} naming it,
 * thrown here.
 *
 * @since 0.2.0
 * @category layers
 */
export const fromEnvironment = (
  serviceName: string,
  environment: { readonly [name: string]: string | undefined } = process.env
): {
  readonly components: Layer.Layer<never, never, McpServer.McpServer>
  readonly exporter: Layer.Layer<OtlpExporter.Flusher> | Layer.Layer<never>
} => {
  const off = { components: Layer.empty, exporter: Layer.empty }
  const endpointSet = OtelEnvironment.nonEmpty(environment, "OTEL_EXPORTER_OTLP_ENDPOINT") !== undefined ||
    OtelEnvironment.signals.some((signal) =>
      OtelEnvironment.nonEmpty(environment, `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`) !== undefined
    )
  if (!endpointSet || OtelEnvironment.sdkDisabled(environment)) return off
  const targets = OtelEnvironment.targets(environment)
  if (targets === undefined) return off
  const headers = OtelEnvironment.exportHeaders(environment)
  const resourceAttributes = OtelEnvironment.keyValues(environment, "OTEL_RESOURCE_ATTRIBUTES")
  const exporter = exporters(targets, {
    serviceName: OtelEnvironment.nonEmpty(environment, "OTEL_SERVICE_NAME") ?? resourceAttributes?.["service.name"] ?? serviceName,
    headers,
    resourceAttributes
  }).pipe(
    // Effect's exporter reads `OTEL_RESOURCE_ATTRIBUTES` itself, through its `ConfigProvider`: from
    // this same environment (checked above), not `process.env`.
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({ ...environment })))
  )
  return { components: layer, exporter }
}
