/**
 * The Streamable HTTP options from Effect `Config` (the environment by default): what
 * `StreamableHttp.fromConfig` reads. Each variable is optional; what is not set keeps the option's
 * default, and what is given in code wins over it. A variable that does not parse, or whose value
 * the endpoint cannot take, is an `HttpConfigError` naming it (the first such, in the table's order).
 *
 * | variable | option |
 * |---|---|
 * | `MCP_HTTP_HOST` | `host` (127.0.0.1) |
 * | `MCP_HTTP_PORT` | `port` (3000; 0: a free port) |
 * | `MCP_HTTP_PATH` | `path` (/mcp) |
 * | `MCP_HTTP_STATELESS` | `stateless` (false) |
 * | `MCP_HTTP_ALLOWED_HOSTS` | `allowedHosts`: comma-separated names without port, or `any` |
 * | `MCP_HTTP_ALLOWED_ORIGINS` | `allowedOrigins`: comma-separated, or `any` |
 * | `MCP_HTTP_CORS_ORIGINS` | `cors.allowedOrigins`: comma-separated, or `*` |
 * | `MCP_HTTP_TRUSTED_PROXIES` | `trustedProxies`: comma-separated addresses or networks (`127.0.0.1,10.0.0.0/8`) |
 * | `MCP_HTTP_HEALTH_PATH` | `healthPath` |
 * | `MCP_HTTP_MAX_BODY_BYTES` | `maxBodyBytes` |
 * | `MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT` | `maxBodyBytesInFlight` (or `Infinity`) |
 * | `MCP_HTTP_MAX_SESSIONS` | `maxSessions` (or `Infinity`) |
 * | `MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL` | `maxSessionsPerPrincipal` (or `Infinity`) |
 * | `MCP_HTTP_MAX_SESSIONS_PER_ADDRESS` | `maxSessionsPerAddress` (an integer turns it on; `Infinity`: off) |
 * | `MCP_HTTP_REQUEST_TIMEOUT_MILLIS` | `requestTimeoutMillis` (or `Infinity`) |
 * | `MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS` | `sessionIdleTimeoutMillis` (or `Infinity`) |
 * | `MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS` | `keepAliveTimeoutMillis` (or `Infinity`) |
 * | `MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS` | `finishedStreamGraceMillis` (0: off) |
 * | `MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION` | `maxGracedStreamsPerSession` |
 * | `MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION` | `maxGracedBytesPerSession` (or `Infinity`) |
 *
 * `Infinity` (in any case) is read where the option takes it (no limit, never), as in code: not
 * by `MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS` and `MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION`, whose
 * options do not take it.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { clip } from "../../../internal/clip.ts"
import { HttpConfigError } from "../HttpConfigError.ts"
import { trustedProxiesProblem } from "./forwarded.ts"
import { allowedHostsList, listenHost } from "./hosts.ts"
import { bodyBytesProblem, healthPathProblem, keepAliveTimeoutRule } from "./options.ts"
import type { ServeOptions } from "../StreamableHttp.ts"

/** A variable's value, when it is set. */
const read = (variable: string): Effect.Effect<string | undefined, HttpConfigError> =>
  Effect.mapBoth(Config.option(Config.String(variable)), {
    onFailure: (error) => new HttpConfigError({ variable, problem: `could not be read: ${error.message}` }),
    onSuccess: Option.getOrUndefined
  })

/** A value as the error quotes it (clipped: it is a configuration mistake, maybe a whole file). */
const quoted = (value: string): string => JSON.stringify(clip(value))

/** A whole number written in decimal digits (not `0x50`, `1e3` or an empty value, which `Number` reads). */
const integer = (value: string): number | undefined => {
  const trimmed = value.trim()
  const number = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  return Number.isSafeInteger(number) ? number : undefined
}

/** A host to listen on (see `listenHost`: `[::1]` is `::1`; blank, or `[]`, is refused). */
const parseHost = (variable: string, value: string): Effect.Effect<string, HttpConfigError> => {
  const parsed = listenHost(value)
  return "host" in parsed ? Effect.succeed(parsed.host) : Effect.fail(new HttpConfigError({ variable, problem: parsed.problem }))
}

/** The words `Config.Boolean` took, in any case. */
const booleans: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  "1": true,
  y: true,
  false: false,
  no: false,
  off: false,
  "0": false,
  n: false
}

const parsePort = (variable: string, value: string): Effect.Effect<number, HttpConfigError> => {
  const port = integer(value)
  return port !== undefined && port >= 0 && port <= 65535
    ? Effect.succeed(port)
    : Effect.fail(new HttpConfigError({ variable, problem: `must be a port number from 0 (a free port) to 65535, got ${quoted(value)}` }))
}

/** A limit: an integer greater than 0. */
const parseLimit = (variable: string, value: string): Effect.Effect<number, HttpConfigError> => {
  const limit = integer(value)
  return limit !== undefined && limit > 0
    ? Effect.succeed(limit)
    : Effect.fail(new HttpConfigError({ variable, problem: `must be greater than 0 (a whole number), got ${quoted(value)}` }))
}

/** A whole number of 0 or more (a time whose option takes 0: off). */
const parseWhole = (variable: string, value: string): Effect.Effect<number, HttpConfigError> => {
  const whole = integer(value)
  return whole !== undefined
    ? Effect.succeed(whole)
    : Effect.fail(new HttpConfigError({ variable, problem: `must be 0 or more (a whole number), got ${quoted(value)}` }))
}

/**
 * A limit or a time whose option takes `Infinity` (no limit, never): an integer greater than 0,
 * or the word `Infinity` (in any case), as the option is written in code.
 */
const parseLimitOrInfinity = (variable: string, value: string): Effect.Effect<number, HttpConfigError> => {
  if (value.trim().toLowerCase() === "infinity") return Effect.succeed(Number.POSITIVE_INFINITY)
  const limit = integer(value)
  return limit !== undefined && limit > 0
    ? Effect.succeed(limit)
    : Effect.fail(new HttpConfigError({ variable, problem: `must be greater than 0 (a whole number) or Infinity (no limit), got ${quoted(value)}` }))
}

/** `keepAliveTimeoutMillis`: {@link parseLimitOrInfinity}, at most what a Node timer takes (see `keepAliveTimeoutRule`). */
const parseKeepAliveTimeout = (variable: string, value: string): Effect.Effect<number, HttpConfigError> =>
  Effect.flatMap(parseLimitOrInfinity(variable, value), (millis) =>
    keepAliveTimeoutRule.holds(millis)
      ? Effect.succeed(millis)
      : Effect.fail(new HttpConfigError({ variable, problem: `must be ${keepAliveTimeoutRule.text}, got ${quoted(value)}` })))

const parseBoolean = (variable: string, value: string): Effect.Effect<boolean, HttpConfigError> => {
  const flag = booleans[value.trim().toLowerCase()]
  return flag !== undefined
    ? Effect.succeed(flag)
    : Effect.fail(new HttpConfigError({ variable, problem: `must be true or false (or yes/no, on/off, 1/0), got ${quoted(value)}` }))
}

/** A path: `/` first, added when missing; no whitespace (every request would be 404). */
const parsePath = (variable: string, value: string): Effect.Effect<`/${string}`, HttpConfigError> =>
  /\s/.test(value)
    ? Effect.fail(new HttpConfigError({ variable, problem: `must not hold whitespace, got ${quoted(value)}` }))
    : Effect.succeed((value.startsWith("/") ? value : `/${value}`) as `/${string}`)

/**
 * A comma-separated list, or the one word that stands for "all" (`word`: `any`, `*`) when it is
 * the whole value. Either word elsewhere (beside names, or the other one) is refused: it would be
 * taken as a name (an origin called "*": every browser refused). (Hosts have their own parser,
 * shared with the CLI: `allowedHostsList`.)
 */
const parseList = <W extends string>(
  variable: string,
  value: string,
  word: W,
  what: string
): Effect.Effect<ReadonlyArray<string> | W, HttpConfigError> => {
  const values = value.split(",").map((part) => part.trim()).filter((part) => part.length > 0)
  if (values.length === 1 && values[0]!.toLowerCase() === word) return Effect.succeed(word)
  if (values.some((part) => ["any", "*"].includes(part.toLowerCase()))) {
    return Effect.fail(new HttpConfigError({ variable, problem: `lists ${quoted(value)}: write ${word} alone to allow every ${what}` }))
  }
  return Effect.succeed(values)
}

/** Allowed hosts: a list (each made the form the Host check compares), or any (see `allowedHostsList`). */
const parseHosts = (variable: string, value: string): Effect.Effect<ReadonlyArray<string> | "any", HttpConfigError> => {
  const parsed = allowedHostsList(value)
  return "hosts" in parsed ? Effect.succeed(parsed.hosts) : Effect.fail(new HttpConfigError({ variable, problem: parsed.problem }))
}

/** Trusted proxies: addresses or networks, comma-separated (see `trustedProxiesProblem`). */
const parseProxies = (variable: string, value: string): Effect.Effect<ReadonlyArray<string>, HttpConfigError> => {
  const entries = value.split(",").map((part) => part.trim()).filter((part) => part.length > 0)
  const problem = entries.length === 0 ? "names no proxy (an address or network: 127.0.0.1, 10.0.0.0/8)" : trustedProxiesProblem(entries)
  return problem === undefined ? Effect.succeed(entries) : Effect.fail(new HttpConfigError({ variable, problem }))
}

/**
 * The options the environment sets (an option it does not set is absent), or the error of the
 * first variable that is wrong. Read once, when the server starts.
 */
export const serveOptions: Effect.Effect<ServeOptions, HttpConfigError> = Effect.gen(function*() {
  const options: { -readonly [K in keyof ServeOptions]: ServeOptions[K] } = {}
  /** Sets `option` from `variable` when it is set, parsed (the first wrong one fails the whole). */
  const set = <K extends keyof ServeOptions>(
    option: K,
    variable: string,
    parse: (variable: string, value: string) => Effect.Effect<ServeOptions[K], HttpConfigError>
  ) =>
    Effect.flatMap(read(variable), (value) =>
      value === undefined ? Effect.void : Effect.map(parse(variable, value), (parsed) => {
        options[option] = parsed
      }))
  yield* set("host", "MCP_HTTP_HOST", parseHost)
  yield* set("port", "MCP_HTTP_PORT", parsePort)
  yield* set("path", "MCP_HTTP_PATH", parsePath)
  yield* set("stateless", "MCP_HTTP_STATELESS", parseBoolean)
  yield* set("allowedHosts", "MCP_HTTP_ALLOWED_HOSTS", parseHosts)
  yield* set("allowedOrigins", "MCP_HTTP_ALLOWED_ORIGINS", (variable, value) => parseList(variable, value, "any", "origin"))
  yield* set("cors", "MCP_HTTP_CORS_ORIGINS", (variable, value) =>
    Effect.map(parseList(variable, value, "*", "origin"), (allowedOrigins) => ({ allowedOrigins })))
  yield* set("trustedProxies", "MCP_HTTP_TRUSTED_PROXIES", parseProxies)
  yield* set("healthPath", "MCP_HTTP_HEALTH_PATH", parsePath)
  yield* set("maxBodyBytes", "MCP_HTTP_MAX_BODY_BYTES", parseLimit)
  yield* set("maxBodyBytesInFlight", "MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT", parseLimitOrInfinity)
  yield* set("maxSessions", "MCP_HTTP_MAX_SESSIONS", parseLimitOrInfinity)
  yield* set("maxSessionsPerPrincipal", "MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL", parseLimitOrInfinity)
  yield* set("maxSessionsPerAddress", "MCP_HTTP_MAX_SESSIONS_PER_ADDRESS", parseLimitOrInfinity)
  yield* set("requestTimeoutMillis", "MCP_HTTP_REQUEST_TIMEOUT_MILLIS", parseLimitOrInfinity)
  yield* set("sessionIdleTimeoutMillis", "MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS", parseLimitOrInfinity)
  yield* set("keepAliveTimeoutMillis", "MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS", parseKeepAliveTimeout)
  yield* set("finishedStreamGraceMillis", "MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS", parseWhole)
  yield* set("maxGracedStreamsPerSession", "MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION", parseLimit)
  yield* set("maxGracedBytesPerSession", "MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION", parseLimitOrInfinity)
  return options
})

/**
 * The options of `fromConfig` (and of `effect-mcp run --http` and `dev`, whose flags are `given`):
 * {@link serveOptions} under those `given` (one given as `undefined` is not given), once checked
 * together, which neither could be alone. `MCP_HTTP_HEALTH_PATH` must not be the endpoint's path
 * (see `healthPathProblem`), nor `MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT` below `maxBodyBytes` (see
 * `bodyBytesProblem`): an `HttpConfigError` naming the variable of the two, else (both given in
 * code, one the other's default) a `TypeError` or `RangeError`, as where the endpoint is made. Two
 * given in code were checked when the listener was made. Decided here only: `fromConfig` fails
 * with it as the server starts, the CLI before it starts one.
 */
export const underEnvironment = (
  options: ServeOptions
): Effect.Effect<ServeOptions, HttpConfigError | TypeError | RangeError> => {
  // An option given as `undefined` (`{ port: flags.port }` without the flag) is not given: spread
  // as it is, it would have put the environment's value back to the default.
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as ServeOptions
  return Effect.flatMap(serveOptions, (fromEnvironment) => {
    const merged = { ...fromEnvironment, ...given }
    // Both paths given in code were checked when the listener was made: at least one came from
    // the environment, or `healthPath` was given in code and the path is the default.
    const health = healthPathProblem(merged)
    if (health === undefined) return bodyBytesChecked(merged, given)
    return Effect.fail(
      given.healthPath === undefined
        ? new HttpConfigError({ variable: "MCP_HTTP_HEALTH_PATH", problem: health })
        : merged.path === undefined
        ? new TypeError(`StreamableHttp.fromConfig: healthPath ${health}`)
        : new HttpConfigError({ variable: "MCP_HTTP_PATH", problem: `${JSON.stringify(merged.path)} is the health path (healthPath ${JSON.stringify(merged.healthPath)})` })
    )
  })
}

/**
 * `merged` unless a `maxBodyBytesInFlight` is below `maxBodyBytes` (see `bodyBytesProblem`): an
 * `HttpConfigError` naming the variable of the two, else (`maxBodyBytesInFlight` given in code,
 * `maxBodyBytes` its default) a `RangeError`, as where the endpoint is made (`given`: the
 * options of the code).
 */
const bodyBytesChecked = (merged: ServeOptions, given: ServeOptions): Effect.Effect<ServeOptions, HttpConfigError | RangeError> => {
  const fromEnvironment = given.maxBodyBytes === undefined && merged.maxBodyBytes !== undefined
  if (given.maxBodyBytesInFlight === undefined) {
    const problem = bodyBytesProblem(merged, fromEnvironment ? "MCP_HTTP_MAX_BODY_BYTES" : merged.maxBodyBytes === undefined ? undefined : "given in code")
    return problem === undefined ? Effect.succeed(merged) : Effect.fail(new HttpConfigError({ variable: "MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT", problem }))
  }
  const problem = bodyBytesProblem(merged)
  if (problem === undefined) return Effect.succeed(merged)
  return Effect.fail(
    fromEnvironment
      ? new HttpConfigError({
        variable: "MCP_HTTP_MAX_BODY_BYTES",
        problem: `must be at most maxBodyBytesInFlight (${given.maxBodyBytesInFlight}, given in code), got ${merged.maxBodyBytes}: ` +
          `a body larger than ${given.maxBodyBytesInFlight} bytes would be refused 503 for ever`
      })
      : new RangeError(`StreamableHttp.fromConfig: maxBodyBytesInFlight ${problem}`)
  )
}
