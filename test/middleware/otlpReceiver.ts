/**
 * A real OTLP/HTTP receiver on 127.0.0.1 for the Telemetry tests: every span, metric name,
 * duration data point (the server's and the client side's) and session count posted to it as
 * JSON, in the order they arrived, each metric's unit and bucket boundaries; and every export, JSON or protobuf, at whatever path it was
 * posted to (its path, content type, and the span names, metric names and log bodies it carried,
 * protobuf decoded by the OTLP field numbers).
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createServer } from "node:http"

/** An attribute's value as OTLP/JSON carries it. */
export interface OtlpValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly boolValue?: boolean
}

export interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: OtlpValue }>
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
  /** The W3C `tracestate` of the span's context, when it has one. */
  readonly traceState?: string
  readonly status?: { readonly code?: number; readonly message?: string }
}

/** One export as it was posted: where, how encoded, and what it carried. */
export interface OtlpExport {
  readonly path: string
  readonly contentType: string
  readonly spanNames: ReadonlyArray<string>
  /** The trace states of the spans that have one. */
  readonly traceStates: ReadonlyArray<string>
  readonly metricNames: ReadonlyArray<string>
  readonly logBodies: ReadonlyArray<string>
}

/**
 * The length-delimited fields numbered `path` (one number per level) of a protobuf message: the
 * bytes of every match. Varint, 64-bit and 32-bit fields are skipped; a malformed message ends the
 * walk (bounded by its length).
 */
const protobufAt = (message: Uint8Array, path: ReadonlyArray<number>): Array<Uint8Array> => {
  if (path.length === 0) return [message]
  const found: Array<Uint8Array> = []
  let at = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; at < message.length && shift < 64; shift += 7) {
      const byte = message[at++]!
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) break
    }
    return value
  }
  while (at < message.length) {
    const key = varint()
    const field = Math.floor(key / 8)
    const wire = key % 8
    if (wire === 0) varint()
    else if (wire === 1) at += 8
    else if (wire === 5) at += 4
    else if (wire === 2) {
      const length = varint()
      const bytes = message.subarray(at, at + length)
      at += length
      if (field === path[0]) found.push(...protobufAt(bytes, path.slice(1)))
    } else break
  }
  return found
}

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8")

/** What an export carried, read from its protobuf body (the OTLP collector services' messages). */
const protobufExport = (body: Uint8Array) => ({
  // ExportTraceServiceRequest.resource_spans(1).scope_spans(2).spans(2).name(5)
  spanNames: protobufAt(body, [1, 2, 2, 5]).map(utf8),
  // ...spans(2).trace_state(3)
  traceStates: protobufAt(body, [1, 2, 2, 3]).map(utf8),
  // ExportMetricsServiceRequest.resource_metrics(1).scope_metrics(2).metrics(2).name(1)
  metricNames: protobufAt(body, [1, 2, 2, 1]).map(utf8),
  // ExportLogsServiceRequest.resource_logs(1).scope_logs(2).log_records(2).body(5).string_value(1)
  logBodies: protobufAt(body, [1, 2, 2, 5, 1]).map(utf8)
})

/** What an export carried, read from its JSON body. */
const jsonExport = (json: any) => ({
  spanNames: (json.resourceSpans ?? []).flatMap((r: any) => (r.scopeSpans ?? []).flatMap((s: any) => (s.spans ?? []).map((span: any) => span.name))),
  traceStates: (json.resourceSpans ?? []).flatMap((r: any) =>
    (r.scopeSpans ?? []).flatMap((s: any) => (s.spans ?? []).flatMap((span: any) => span.traceState ? [span.traceState] : []))
  ),
  metricNames: (json.resourceMetrics ?? []).flatMap((r: any) => (r.scopeMetrics ?? []).flatMap((s: any) => (s.metrics ?? []).map((m: any) => m.name))),
  logBodies: (json.resourceLogs ?? []).flatMap((r: any) =>
    (r.scopeLogs ?? []).flatMap((s: any) => (s.logRecords ?? []).map((l: any) => String(l.body?.stringValue)))
  )
})

/** The receiver: started for the test's scope, closed when it ends. */
export const receiver = Effect.acquireRelease(
  Effect.promise(async () => {
    const spans: Array<OtlpSpan> = []
    const metrics: Array<string> = []
    // The attributes of the duration histograms' data points: the server's, and the client side's
    // (the requests the server sends its client).
    const durationAttributes: Array<Record<string, string | undefined>> = []
    const clientDurationAttributes: Array<Record<string, string | undefined>> = []
    // The attributes of the session duration histogram's data points.
    const sessionDurationAttributes: Array<Record<string, string | undefined>> = []
    // The value of `mcp.server.session.count` in each export, in the order they arrived.
    const sessionCounts: Array<number> = []
    // The resource attributes of each export of spans, and the headers it came with.
    const resources: Array<Record<string, string | undefined>> = []
    const headers: Array<Record<string, string | Array<string> | undefined>> = []
    // Every export, at any path, JSON or protobuf.
    const exports: Array<OtlpExport> = []
    // Each metric's unit and, for a histogram, its bucket boundaries, as last exported.
    const units = new Map<string, string>()
    const bounds = new Map<string, ReadonlyArray<number>>()
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => void chunks.push(chunk))
      request.on("end", () => {
        const raw = Buffer.concat(chunks)
        const contentType = request.headers["content-type"] ?? ""
        const protobuf = contentType.includes("protobuf")
        const json = protobuf ? {} : JSON.parse(raw.toString("utf8") || "{}")
        exports.push({ path: request.url ?? "", contentType, ...(protobuf ? protobufExport(raw) : jsonExport(json)) })
        if (request.url === "/v1/traces") {
          headers.push(request.headers)
          for (const resource of json.resourceSpans ?? []) {
            resources.push(
              Object.fromEntries(
                (resource.resource?.attributes ?? []).map((a: { key: string; value: OtlpValue }) => [a.key, a.value.stringValue])
              )
            )
            for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans)
          }
        }
        if (request.url === "/v1/metrics") {
          for (const resource of json.resourceMetrics ?? []) {
            for (const scope of resource.scopeMetrics ?? []) {
              for (const metric of scope.metrics ?? []) {
                metrics.push(metric.name)
                units.set(metric.name, metric.unit)
                const explicitBounds = metric.histogram?.dataPoints?.[0]?.explicitBounds
                if (explicitBounds !== undefined) bounds.set(metric.name, explicitBounds)
                if (metric.name === "mcp.server.session.count") {
                  for (const point of metric.gauge?.dataPoints ?? []) sessionCounts.push(Number(point.asDouble ?? point.asInt))
                }
                const points = metric.name === "mcp.server.operation.duration"
                  ? durationAttributes
                  : metric.name === "mcp.client.operation.duration"
                  ? clientDurationAttributes
                  : metric.name === "mcp.server.session.duration"
                  ? sessionDurationAttributes
                  : undefined
                if (points === undefined) continue
                for (const point of metric.histogram?.dataPoints ?? []) {
                  points.push(
                    Object.fromEntries(
                      (point.attributes ?? []).map((a: { key: string; value: OtlpValue }) => [a.key, a.value.stringValue])
                    )
                  )
                }
              }
            }
          }
        }
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{}")
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return {
      server,
      spans,
      metrics,
      durationAttributes,
      clientDurationAttributes,
      sessionDurationAttributes,
      sessionCounts,
      resources,
      headers,
      exports,
      units,
      bounds,
      url: `http://127.0.0.1:${port}`
    }
  }),
  ({ server }) => Effect.sync(() => server.close())
)

/** A span's string attribute. */
export const attribute = (span: OtlpSpan, key: string): string | undefined =>
  span.attributes.find((a) => a.key === key)?.value.stringValue

/**
 * Asserts how a SERVER span classes the end of its request: its `error.type` and
 * `rpc.response.status_code` (`undefined`: none), and whether its status is ERROR; `name` says
 * which in a failure's message.
 */
export const assertOutcome = (
  span: OtlpSpan,
  name: string,
  errorType: string | undefined,
  statusCode: string | undefined,
  error: boolean
): void => {
  assert.strictEqual(attribute(span, "error.type"), errorType, name)
  assert.strictEqual(attribute(span, "rpc.response.status_code"), statusCode, name)
  if (error) assert.strictEqual(span.status?.code, 2, `${name}: STATUS_CODE_ERROR`)
  else assert.notStrictEqual(span.status?.code, 2, `${name}: no ERROR status`)
}

/** Waits (at most 5 s) until `condition` holds. */
export const until = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !condition(); i++) yield* Effect.sleep("25 millis")
  })
