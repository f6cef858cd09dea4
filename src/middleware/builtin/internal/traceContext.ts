/**
 * The W3C trace context a request carries, read: `traceparent` and `tracestate` (W3C Trace
 * Context) and `baggage` (W3C Baggage), in the formats those specifications give them, from a
 * request's `_meta` (SEP-414) or its HTTP headers; and a span's, written for a request the server
 * sends.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Tracer from "effect/Tracer"

/**
 * A W3C `tracestate`: the tracing systems' entries of a trace, leftmost the latest, as
 * OpenTelemetry's `TraceState` (`@opentelemetry/api`) reads and changes it.
 */
export interface TraceStateEntries {
  /** The value of a system's entry. */
  readonly get: (key: string) => string | undefined
  /** A trace state with `key` set to `value`, moved to the front (the W3C rule for a changed entry). */
  readonly set: (key: string, value: string) => TraceStateEntries
  /** A trace state without `key`. */
  readonly unset: (key: string) => TraceStateEntries
  /** The `tracestate` text: `key=value` entries joined by commas. */
  readonly serialize: () => string
}

/**
 * The trace state of a span context, in a span's annotations (`Tracer.externalSpan`'s, or a span's
 * options'). The key is `@effect/opentelemetry`'s `OtelTraceState`: its tracer gives the
 * OpenTelemetry span context this trace state, so the SDK's spans carry it.
 */
export class TraceState extends Context.Service<TraceState, TraceStateEntries>()("@effect/opentelemetry/Tracer/OtelTraceState") {}

/** A trace state's entries, in order. */
class Entries implements TraceStateEntries {
  readonly entries: ReadonlyMap<string, string>
  constructor(entries: ReadonlyMap<string, string>) {
    this.entries = entries
  }
  get(key: string): string | undefined {
    return this.entries.get(key)
  }
  set(key: string, value: string): TraceStateEntries {
    const entries = new Map([[key, value]])
    for (const [k, v] of this.entries) if (k !== key) entries.set(k, v)
    return new Entries(entries)
  }
  unset(key: string): TraceStateEntries {
    const entries = new Map(this.entries)
    entries.delete(key)
    return new Entries(entries)
  }
  serialize(): string {
    let text = ""
    for (const [key, value] of this.entries) text += text === "" ? `${key}=${value}` : `,${key}=${value}`
    return text
  }
}

/** The most entries a trace state keeps (W3C: at most 32). */
const maxTraceStateEntries = 32

/** A `tracestate` key: a simple key, or a multi-tenant `tenant@system`, per W3C Trace Context. */
const traceStateKey = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/
/** A `tracestate` value: up to 256 printable ASCII characters but `,` and `=`, not ending in a space. */
const traceStateValue = /^[ -+\--<>-~]{0,255}[!-+\--<>-~]$/

/**
 * The trace state `tracestate` gives, `undefined` when it has no valid entry. As OpenTelemetry
 * reads it: an invalid entry (or a later duplicate of a key) is left out, not the whole list, and
 * only the first 32 entries are kept.
 */
export const traceStateOf = (text: string): TraceStateEntries | undefined => {
  let entries: Map<string, string> | undefined
  for (const member of text.split(",")) {
    const trimmed = member.trim()
    const equals = trimmed.indexOf("=")
    if (equals <= 0) continue
    const key = trimmed.slice(0, equals)
    const value = trimmed.slice(equals + 1)
    if (!traceStateKey.test(key) || !traceStateValue.test(value)) continue
    entries ??= new Map()
    if (entries.has(key)) continue
    entries.set(key, value)
    if (entries.size === maxTraceStateEntries) break
  }
  return entries === undefined ? undefined : new Entries(entries)
}

/**
 * A well-formed W3C `traceparent`: version, trace id, parent id, flags, in lowercase hex (the W3C
 * grammar's `HEXDIGLC`), and what a later version adds after them (`-...`).
 */
const traceparentFormat = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const zeros = /^0+$/

/**
 * The span a W3C `traceparent` names, `undefined` when it is malformed; with the trace state of
 * `tracestate` (when it is text with a valid entry) in its annotations. A `tracestate` is read
 * only with a valid `traceparent`, as the W3C says. As the W3C (and OpenTelemetry, and Effect's
 * HTTP server for the header) reads it: uppercase hex is invalid (the caller's context is then
 * ignored; it was lowercased and joined); version `ff` is invalid; version `00` has exactly four
 * fields, and a later version is read for its first four (what it adds after them was refused).
 */
export const parentOf = (traceparent: string, tracestate: unknown): Tracer.ExternalSpan | undefined => {
  const match = traceparentFormat.exec(traceparent.trim())
  if (
    match === null || match[1] === "ff" || (match[1] === "00" && match[5] !== undefined) || zeros.test(match[2]!) ||
    zeros.test(match[3]!)
  ) return undefined
  const state = typeof tracestate === "string" ? traceStateOf(tracestate) : undefined
  return Tracer.externalSpan({
    traceId: match[2]!,
    spanId: match[3]!,
    sampled: (parseInt(match[4]!, 16) & 1) === 1,
    annotations: state === undefined ? undefined : Context.make(TraceState, state)
  })
}

/** The trace state in a span's annotations (`undefined` without one). */
export const traceStateIn = (annotations: Context.Context<never>): TraceStateEntries | undefined =>
  Context.getOrUndefined(annotations, TraceState)

/** The most ancestors {@link traceStateOfSpan} looks through (spans nest far less deep). */
const maxAncestors = 256

/**
 * The trace state of a span's context: its own (its annotations'), else its nearest ancestor's,
 * as OpenTelemetry's span contexts inherit it (and `otlpTraceState.ts` exports it); `undefined`
 * without one.
 */
export const traceStateOfSpan = (span: Tracer.AnySpan): TraceStateEntries | undefined => {
  let current: Tracer.AnySpan | undefined = span
  for (let depth = 0; current !== undefined && depth < maxAncestors; depth++) {
    const state = traceStateIn(current.annotations)
    if (state !== undefined) return state
    current = current._tag === "Span" && current.parent._tag === "Some" ? current.parent.value : undefined
  }
  return undefined
}

/** A span's W3C `traceparent`: version 00, its trace and span ids, and whether it is sampled. */
export const traceparentOf = (span: Tracer.AnySpan): string => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** The most entries baggage keeps, and its most characters (W3C Baggage: at least 64 and 8192). */
const maxBaggageEntries = 64
const maxBaggageLength = 8192

/** A baggage key: an HTTP token. */
const baggageKey = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * The entries of a W3C `baggage`, key to (percent-decoded) value, in order; `undefined` when it
 * has none. An entry's properties (`;key=value` after its value) are left out. As OpenTelemetry
 * reads it: an entry that does not parse is left out, not the whole list; past 64 entries or
 * 8192 characters, the rest is (the limits every W3C platform propagates).
 */
export const baggageOf = (text: string): ReadonlyMap<string, string> | undefined => {
  let entries: Map<string, string> | undefined
  let length = 0
  for (const member of text.split(",")) {
    length += member.length + 1
    if (length > maxBaggageLength + 1) break
    const semicolon = member.indexOf(";")
    const pair = semicolon === -1 ? member : member.slice(0, semicolon)
    const equals = pair.indexOf("=")
    if (equals === -1) continue
    const key = pair.slice(0, equals).trim()
    if (!baggageKey.test(key)) continue
    let value: string
    try {
      value = decodeURIComponent(pair.slice(equals + 1).trim())
    } catch {
      continue
    }
    entries ??= new Map()
    entries.set(key, value)
    if (entries.size === maxBaggageEntries) break
  }
  return entries
}
