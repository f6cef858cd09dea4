/**
 * The standard OpenTelemetry environment variables `Telemetry.fromEnvironment` honours, read and
 * checked: `OTEL_EXPORTER_OTLP_ENDPOINT` and the per-signal `OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL` and its per-signal variables, `OTEL_SDK_DISABLED`, `OTEL_SERVICE_NAME`,
 * `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`, in the formats the OpenTelemetry specification gives them.
 *
 * @internal
 */
import * as Data from "effect/Data"

/**
 * A standard OpenTelemetry variable read by `Telemetry.fromEnvironment` does not parse:
 * `OTEL_SDK_DISABLED=yes`, `OTEL_EXPORTER_OTLP_HEADERS=authorization` (no `=`), a value that is not
 * percent-encoded (`%ZZ`), an `OTEL_EXPORTER_OTLP_ENDPOINT` that is not an http(s) URL. Thrown by `fromEnvironment`, before anything is served; its message
 * names the variable and what is wrong with it, in one line. No stack: it is a mistake in the
 * configuration, not in code.
 *
 * @since 0.2.0
 * @category errors
 */
export class TelemetryConfigError extends Data.TaggedError("TelemetryConfigError")<{
  /** The variable, `OTEL_EXPORTER_OTLP_HEADERS`... */
  readonly variable: string
  /** What is wrong with its value, as the rest of the sentence after the variable's name. */
  readonly problem: string
}> {
  constructor(args: { readonly variable: string; readonly problem: string }) {
    super(args)
    Object.defineProperty(this, "stack", { value: `${this.name}: ${this.message}`, writable: true, configurable: true })
  }

  override get message(): string {
    return `${this.variable} ${this.problem}`
  }
}

/** The environment, as `process.env` is. */
export type Environment = { readonly [name: string]: string | undefined }

/**
 * `OTEL_SDK_DISABLED`: a boolean, `true` (any case) disables; unset, empty or `false` does not.
 * The specification has other values read as false with a warning: refused here instead, since a
 * value meant to disable (`1`, `yes`) would silently leave telemetry on.
 */
export const sdkDisabled = (environment: Environment): boolean => {
  const value = environment.OTEL_SDK_DISABLED?.trim().toLowerCase()
  if (value === undefined || value === "" || value === "false") return false
  if (value === "true") return true
  throw new TelemetryConfigError({
    variable: "OTEL_SDK_DISABLED",
    problem: `must be true or false, got ${JSON.stringify(environment.OTEL_SDK_DISABLED)}`
  })
}

/** A variable that is set and not empty (blank counts as unset, as the specification says). */
export const nonEmpty = (environment: Environment, variable: string): string | undefined => {
  const value = environment[variable]?.trim()
  return value === undefined || value === "" ? undefined : value
}

/** Whether `value` is an absolute `http:` or `https:` URL. */
export const isHttpUrl = (value: string): boolean => {
  const url = URL.parse(value)
  return url !== null && (url.protocol === "http:" || url.protocol === "https:")
}

/**
 * The endpoint's base URL, checked: an absolute `http:` or `https:` URL. Effect's exporter takes
 * any string and fails every export without a word, so an endpoint without its scheme
 * (`127.0.0.1:4318`, `collector:4318`) would have exported nothing, silently.
 */
export const endpointUrl = (variable: string, value: string): string => {
  if (!isHttpUrl(value)) {
    throw new TelemetryConfigError({
      variable,
      problem: `must be an http:// or https:// URL (OTLP/HTTP), got ${JSON.stringify(value)}`
    })
  }
  return value
}

/**
 * A list of `key=value` pairs, as `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES` are
 * written (the W3C Baggage format without properties): separated by commas, spaces and tabs
 * around them and around `=` ignored, keys and values percent-decoded (`%2C` for a comma, `%20`
 * for a space), a value containing `=` kept whole. An empty member is skipped; a member without
 * `=`, with an empty key, or with an escape that does not decode is refused, naming the variable.
 * `undefined` when the variable is unset or empty.
 */
export const keyValues = (environment: Environment, variable: string): Record<string, string> | undefined => {
  const text = nonEmpty(environment, variable)
  if (text === undefined) return undefined
  const pairs: Record<string, string> = {}
  for (const member of text.split(",")) {
    if (member.trim() === "") continue
    const equals = member.indexOf("=")
    const key = equals < 0 ? "" : decoded(variable, member.slice(0, equals).trim())
    if (key === "") {
      throw new TelemetryConfigError({
        variable,
        problem: `must be a list of key=value pairs separated by commas, got ${JSON.stringify(member.trim())}`
      })
    }
    pairs[key] = decoded(variable, member.slice(equals + 1).trim())
  }
  return pairs
}

const decoded = (variable: string, text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new TelemetryConfigError({ variable, problem: `has ${JSON.stringify(text)}, which is not percent-encoded (write %25 for %)` })
  }
}

/** An HTTP header name (RFC 9110 `token`). */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * `OTEL_EXPORTER_OTLP_HEADERS`: the headers every export is sent with (an API key, an
 * `authorization`). Names must be header names, values must not break a line.
 */
export const exportHeaders = (environment: Environment): Record<string, string> | undefined => {
  const variable = "OTEL_EXPORTER_OTLP_HEADERS"
  const headers = keyValues(environment, variable)
  if (headers === undefined) return undefined
  for (const [name, value] of Object.entries(headers)) {
    if (!token.test(name)) throw new TelemetryConfigError({ variable, problem: `names ${JSON.stringify(name)}, which is not a header name` })
    if (/[\r\n\0]/.test(value)) {
      throw new TelemetryConfigError({ variable, problem: `gives ${name} a value with a line break or NUL, which no header may have` })
    }
  }
  return headers
}

/** The signals exported over OTLP, as their variables name them (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). */
export const signals = ["traces", "metrics", "logs"] as const

/** One of {@link signals}. */
export type Signal = typeof signals[number]

/** The OTLP protocols Effect's exporter speaks: OTLP/HTTP with JSON or protobuf bodies (not gRPC). */
export type Protocol = "http/json" | "http/protobuf"

/** Where a signal is exported, and how. */
export interface Target {
  readonly url: string
  readonly protocol: Protocol
}

/** Where each signal is exported; a signal without a target is not exported. */
export type Targets = { readonly [S in Signal]?: Target | undefined }

/**
 * The exports the environment asks for, or `undefined` when no endpoint is set. Per the
 * OpenTelemetry specification, `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` is the signal's URL as it is
 * (no `v1/traces` added), else `OTEL_EXPORTER_OTLP_ENDPOINT` with `v1/<signal>` appended to its
 * path; `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else
 * `http/json` (what the server exported before these variables were read; the specification's
 * default is `http/protobuf`), is its protocol. A signal with neither endpoint is not exported
 * (the specification would send it to `http://localhost:4318`: telemetry here is on only where an
 * endpoint is given). An endpoint set but not an http(s) URL, or a protocol other than
 * `http/json` and `http/protobuf` (`grpc` included: Effect's exporter speaks OTLP/HTTP only), is a
 * {@link TelemetryConfigError} naming the variable.
 */
export const targets = (environment: Environment): Targets | undefined => {
  const base = nonEmpty(environment, "OTEL_EXPORTER_OTLP_ENDPOINT")
  if (base !== undefined) endpointUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base)
  const fallback = protocolOf(environment, "OTEL_EXPORTER_OTLP_PROTOCOL")
  const result: { [S in Signal]?: Target } = {}
  let any = false
  for (const signal of signals) {
    const variable = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`
    const own = nonEmpty(environment, variable)
    const url = own !== undefined ? endpointUrl(variable, own) : base !== undefined ? signalUrl(base, signal) : undefined
    if (url === undefined) continue
    const protocol = protocolOf(environment, `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`) ?? fallback ?? "http/json"
    result[signal] = { url, protocol }
    any = true
  }
  return any ? result : undefined
}

/** `base` with `v1/<signal>` appended to its path (after a `/`), as the specification builds it. */
export const signalUrl = (base: string, signal: Signal): string => {
  const url = new URL(base)
  url.pathname = `${url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`}v1/${signal}`
  return url.href
}

/** A protocol variable, checked; `undefined` when unset or empty. */
const protocolOf = (environment: Environment, variable: string): Protocol | undefined => {
  const value = nonEmpty(environment, variable)
  if (value === undefined) return undefined
  if (value === "http/json" || value === "http/protobuf") return value
  throw new TelemetryConfigError({
    variable,
    problem: value === "grpc"
      ? `is "grpc", which this server cannot export with (Effect's OTLP exporter speaks OTLP/HTTP only): use http/protobuf or http/json, and the collector's OTLP/HTTP port (4318)`
      : `must be http/protobuf or http/json, got ${JSON.stringify(value)}`
  })
}
