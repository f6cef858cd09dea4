/**
 * Request timing as Effect `Metric`s: a duration histogram per method, and a request counter per
 * method and outcome. Export them with any Effect metrics exporter (OpenTelemetry, Prometheus),
 * or read them with `Metric.value` / `Metric.snapshot`.
 *
 * **Example** (Timing every request, then reading the counter)
 *
 * ```ts
 * const Stack = McpServer.middleware(Timing.middleware())
 * // later, anywhere:
 * const calls = yield* Metric.value(Timing.requestsTotal.pipe(
 *   Metric.withAttributes({ method: "tools/call", outcome: "success" })
 * ))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import { forLog } from "../../internal/loggedCause.ts"
import * as Middleware from "../Middleware.ts"
import { checkFunction, checkString, notWhat } from "./internal/config.ts"
import { isMcpMethod } from "./internal/mcpMethods.ts"
import { type Outcome, outcomeOf } from "./Logging.ts"

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/**
 * The default bucket boundaries of {@link requestDuration}, in milliseconds.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBoundaries: ReadonlyArray<number> = [
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000
]

/**
 * `mcp_request_duration_ms`: how long requests took, with a `method` attribute.
 *
 * @since 0.1.0
 * @category metrics
 */
export const requestDuration: Metric.Histogram<number> = Metric.histogram("mcp_request_duration_ms", {
  description: "Duration of MCP requests, in milliseconds",
  boundaries: defaultBoundaries
})

/**
 * `mcp_requests_total`: requests answered (or cancelled), with `method` and `outcome` attributes.
 *
 * @since 0.1.0
 * @category metrics
 */
export const requestsTotal: Metric.Counter<number> = Metric.counter("mcp_requests_total", {
  description: "MCP requests, by method and outcome",
  incremental: true
})

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/**
 * How long one request took and how it ended (what {@link Config.report} receives).
 *
 * @since 0.1.0
 * @category models
 */
export interface Timing {
  /** The request method as received (the metrics use {@link methodAttribute}). */
  readonly method: string
  readonly durationMillis: number
  readonly outcome: Outcome
}

/**
 * Options of {@link middleware}; every one has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** The histogram to record durations in (default {@link requestDuration}). */
  readonly histogram?: Metric.Metric<number, unknown> | undefined
  /** The counter to count requests in (default {@link requestsTotal}). */
  readonly counter?: Metric.Metric<number, unknown> | undefined
  /** Attributes added to every series (e.g. `{ server: "search" }`). */
  readonly attributes?: { readonly [key: string]: string } | undefined
  /**
   * Called with every request's timing, after the metrics are updated (e.g. to flag slow calls).
   * One that fails (or throws) is logged as a warning; the request keeps its answer.
   */
  readonly report?: ((timing: Timing) => Effect.Effect<void>) | undefined
}

/**
 * The `method` attribute of a request: its method when it is an MCP client request method (of
 * any version, 2026-07-28's included), `"other"` for anything else (a client must not be able to
 * create unbounded metric series).
 *
 * @since 0.1.0
 * @category metrics
 */
export const methodAttribute = (method: string): string =>
  isMcpMethod(method) ? method : "other"

// ---------------------------------------------------------------------------
// Middleware
// ---------------------------------------------------------------------------

/**
 * Refuses what no type checked, when the middleware is made: a `histogram` or `counter` that is
 * no `Metric` failed every request (the client of a server with it could not even initialize);
 * `attributes` are the series' labels: strings, as the type says.
 */
const checkConfig = (config: Config): void => {
  if (typeof config !== "object" || config === null) throw notWhat("Timing", "the configuration", "an object", config)
  for (const option of ["histogram", "counter"] as const) {
    if (config[option] !== undefined && !Metric.isMetric(config[option])) throw notWhat("Timing", option, "a Metric", config[option])
  }
  const attributes: unknown = config.attributes
  if (attributes !== undefined) {
    if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
      throw notWhat("Timing", "attributes", "an object of strings", attributes)
    }
    for (const [name, value] of Object.entries(attributes)) checkString("Timing", `attributes["${name}"]`, value)
  }
  checkFunction("Timing", "report", config.report)
}

/**
 * Runs `report` on a timing. What it observes it never changes: a report that fails or throws is
 * logged (its messages clipped), and the request keeps its answer (a report that died turned every
 * answer, a call that had done its work included, into -32603).
 */
const reported = (report: (timing: Timing) => Effect.Effect<void>, timing: Timing): Effect.Effect<void> =>
  Effect.catchCause(
    Effect.suspend(() => report(timing)),
    (cause) => Effect.logWarning("effect-mcp-server: the Timing middleware's report failed", forLog(cause))
  )

/**
 * Records every request's duration in the histogram (attribute `method`) and counts it in the
 * counter (attributes `method` and `outcome`: `success`, `tool-error`, `error`, `cancelled`).
 *
 * **Details**
 *
 * It is an `onRequest` hook: it sees every request (unknown methods and invalid params too) and
 * times everything below it, typed hooks included. Wrapping costs every request a fiber, even
 * synchronous ones. An option of the wrong kind (a `histogram` that is no `Metric`) is a
 * `TypeError` naming it, thrown here.
 *
 * **Example** (Recording every request's duration)
 *
 * ```ts
 * const Stack = McpServer.middleware(Timing.middleware())
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config = {}): Middleware.Middleware => {
  checkConfig(config)
  const histogram = config.histogram ?? requestDuration
  const counter = config.counter ?? requestsTotal
  const extra = config.attributes ?? {}
  const report = config.report
  // One attributed metric per series, built once (their keys are computed once).
  const durations = new Map<string, Metric.Metric<number, unknown>>()
  const counts = new Map<string, Metric.Metric<number, unknown>>()
  const durationOf = (method: string) => {
    let metric = durations.get(method)
    if (metric === undefined) durations.set(method, metric = Metric.withAttributes(histogram, { ...extra, method }))
    return metric
  }
  const countOf = (method: string, outcome: Outcome) => {
    const key = `${method} ${outcome}`
    let metric = counts.get(key)
    if (metric === undefined) counts.set(key, metric = Metric.withAttributes(counter, { ...extra, method, outcome }))
    return metric
  }
  return Middleware.make("timing", {
    onRequest: (request, _context, next) =>
      Effect.clockWith((clock) => {
        const start = clock.currentTimeNanosUnsafe()
        return Effect.onExit(next(request), (exit) => {
          const durationMillis = Number(clock.currentTimeNanosUnsafe() - start) / 1_000_000
          const method = methodAttribute(request.method)
          const outcome = outcomeOf(exit)
          const update = Effect.andThen(
            Metric.update(durationOf(method), durationMillis),
            Metric.update(countOf(method, outcome), 1)
          )
          return report === undefined
            ? update
            : Effect.andThen(update, reported(report, { method: request.method, durationMillis, outcome }))
        })
      })
  })
}

