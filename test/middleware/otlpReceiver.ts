/**
 * A real OTLP/HTTP (JSON) receiver on 127.0.0.1 for the Telemetry tests: every span, metric name,
 * duration data point and session count posted to it, in the order they arrived.
 */
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
  readonly status?: { readonly code?: number; readonly message?: string }
}

/** The receiver: started for the test's scope, closed when it ends. */
export const receiver = Effect.acquireRelease(
  Effect.promise(async () => {
    const spans: Array<OtlpSpan> = []
    const metrics: Array<string> = []
    // The attributes of the duration histogram's data points.
    const durationAttributes: Array<Record<string, string | undefined>> = []
    // The value of `mcp.server.session.count` in each export, in the order they arrived.
    const sessionCounts: Array<number> = []
    // The resource attributes of each export of spans, and the headers it came with.
    const resources: Array<Record<string, string | undefined>> = []
    const headers: Array<Record<string, string | Array<string> | undefined>> = []
    const server = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => void (body += String(chunk)))
      request.on("end", () => {
        const json = JSON.parse(body || "{}")
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
                if (metric.name === "mcp.server.session.count") {
                  for (const point of metric.gauge?.dataPoints ?? []) sessionCounts.push(Number(point.asDouble ?? point.asInt))
                }
                if (metric.name !== "mcp.server.operation.duration") continue
                for (const point of metric.histogram?.dataPoints ?? []) {
                  durationAttributes.push(
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
    return { server, spans, metrics, durationAttributes, sessionCounts, resources, headers, url: `http://127.0.0.1:${port}` }
  }),
  ({ server }) => Effect.sync(() => server.close())
)

/** A span's string attribute. */
export const attribute = (span: OtlpSpan, key: string): string | undefined =>
  span.attributes.find((a) => a.key === key)?.value.stringValue

/** Waits (at most 5 s) until `condition` holds. */
export const until = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !condition(); i++) yield* Effect.sleep("25 millis")
  })
