/**
 * The trace state of spans, exported by Effect's OTLP tracer, which has no place for it: its
 * spans (`effect/observability/OtlpTracer`) are made without a `traceState`, though OTLP has the
 * field (`Span.trace_state`; Effect's protobuf encoding writes it when a span has one). So the
 * tracer is wrapped: a span whose parent has a trace state (an external span's annotation, see
 * `traceContext.ts`, or a span of this tracer's that has one), or whose own annotations give one,
 * has it, as in OpenTelemetry, where a span's context inherits its parent's trace state. When such
 * a span ends, its state is noted under its span id; the serialization of the next export writes
 * it into the span's OTLP form (`traceState`) and forgets it.
 *
 * A span without a trace state costs one lookup in its annotations and, once some span had a
 * trace state, one in a WeakMap.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import { traceStateIn } from "./traceContext.ts"

/**
 * The trace states of spans ended and not yet exported, by span id. Bounded: Effect's exporter
 * drops spans without serializing them (while disabled after a failed export), whose states would
 * stay; past the bound the oldest are forgotten.
 */
export class PendingStates {
  private readonly states = new Map<string, string>()
  /** Notes the trace state of a span that ends now. */
  note(spanId: string, state: string): void {
    if (this.states.size >= maxPending) this.states.delete(this.states.keys().next().value!)
    this.states.set(spanId, state)
  }
  /** Writes the noted states into an export's spans, and forgets them. */
  fill(data: unknown): void {
    if (this.states.size === 0) return
    const resources = (data as { readonly resourceSpans?: ReadonlyArray<{ readonly scopeSpans?: ReadonlyArray<{ readonly spans?: ReadonlyArray<{ spanId: string; traceState?: string }> }> }> }).resourceSpans
    for (const resource of resources ?? []) {
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const state = this.states.get(span.spanId)
          if (state === undefined) continue
          span.traceState = state
          this.states.delete(span.spanId)
        }
      }
    }
  }
}

/** The most trace states noted and not exported (each a span id and a short text). */
const maxPending = 10_000

/** `tracer`, its spans given their trace state (see the module). */
export const tracer = (inner: Tracer.Tracer, pending: PendingStates): Tracer.Tracer => {
  // The trace state of each span of this tracer's that has one.
  const states = new WeakMap<Tracer.AnySpan, string>()
  let any = false
  const stateOf = (options: Parameters<Tracer.Tracer["span"]>[0]): string | undefined => {
    const own = traceStateIn(options.annotations)
    if (own !== undefined) return own.serialize()
    if (Option.isNone(options.parent)) return undefined
    const parent = options.parent.value
    if (parent._tag === "ExternalSpan") return traceStateIn(parent.annotations)?.serialize()
    return any ? states.get(parent) : undefined
  }
  return Tracer.make({
    span(options) {
      const span = inner.span(options)
      const state = stateOf(options)
      if (state === undefined || state === "" || !span.sampled) return span
      any = true
      states.set(span, state)
      const end = span.end
      span.end = (endTime, exit) => {
        if (span.status._tag !== "Ended") pending.note(span.spanId, state)
        end.call(span, endTime, exit)
      }
      return span
    },
    context: inner.context
  })
}

/** The serialization `encoding` provides, writing the noted trace states into the exported spans. */
export const serialization = (
  encoding: Layer.Layer<OtlpSerialization.OtlpSerialization>,
  pending: PendingStates
): Layer.Layer<OtlpSerialization.OtlpSerialization> =>
  Layer.effect(
    OtlpSerialization.OtlpSerialization,
    Effect.map(Effect.service(OtlpSerialization.OtlpSerialization), (inner) => ({
      traces: (data) => {
        pending.fill(data)
        return inner.traces(data)
      },
      metrics: inner.metrics,
      logs: inner.logs
    }))
  ).pipe(Layer.provide(encoding))
