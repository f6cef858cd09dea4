/**
 * The Streamable HTTP options from Effect `Config` (the environment by default): what
 * `StreamableHttp.fromConfig` reads. Each variable is optional; what is not set keeps the option's
 * default, and what is given in code wins over it.
 *
 * | variable | option |
 * |---|---|
 * | `MCP_HTTP_HOST` | `host` (127.0.0.1) |
 * | `MCP_HTTP_PORT` | `port` (3000; 0: a free port) |
 * | `MCP_HTTP_PATH` | `path` (/mcp) |
 * | `MCP_HTTP_STATELESS` | `stateless` (false) |
 * | `MCP_HTTP_ALLOWED_HOSTS` | `allowedHosts`: comma-separated, or `any` |
 * | `MCP_HTTP_ALLOWED_ORIGINS` | `allowedOrigins`: comma-separated, or `any` |
 * | `MCP_HTTP_CORS_ORIGINS` | `cors.allowedOrigins`: comma-separated, or `*` |
 * | `MCP_HTTP_HEALTH_PATH` | `healthPath` |
 * | `MCP_HTTP_MAX_BODY_BYTES` | `maxBodyBytes` |
 * | `MCP_HTTP_MAX_SESSIONS` | `maxSessions` |
 * | `MCP_HTTP_REQUEST_TIMEOUT_MILLIS` | `requestTimeoutMillis` |
 * | `MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS` | `sessionIdleTimeoutMillis` |
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Option from "effect/Option"
import type { ServeOptions } from "../StreamableHttp.ts"

const list = (name: string) =>
  Config.option(Config.String(name)).pipe(
    Config.map(Option.map((value) => value.split(",").map((part) => part.trim()).filter((part) => part.length > 0)))
  )

const path = (name: string) =>
  Config.option(Config.String(name)).pipe(
    Config.map(Option.map((value) => (value.startsWith("/") ? value : `/${value}`) as `/${string}`))
  )

/** The limits read from the environment that must be positive, by variable. */
const positive = {
  maxBodyBytes: "MCP_HTTP_MAX_BODY_BYTES",
  maxSessions: "MCP_HTTP_MAX_SESSIONS",
  requestTimeoutMillis: "MCP_HTTP_REQUEST_TIMEOUT_MILLIS",
  sessionIdleTimeoutMillis: "MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS"
} as const

/**
 * What is wrong with options read from the environment (a port out of range, a limit that is not
 * positive...), if anything.
 */
export const problemOf = (options: ServeOptions): string | undefined => {
  const port = options.port
  if (port !== undefined && !(port >= 0 && port <= 65535)) {
    return `MCP_HTTP_PORT must be a port number from 0 (a free port) to 65535, got ${port}`
  }
  for (const [option, variable] of Object.entries(positive) as Array<[keyof typeof positive, string]>) {
    const value = options[option]
    if (value !== undefined && !(value > 0)) return `${variable} must be greater than 0, got ${value}`
  }
  for (const [option, variable] of [["path", "MCP_HTTP_PATH"], ["healthPath", "MCP_HTTP_HEALTH_PATH"]] as const) {
    const value = options[option]
    if (value !== undefined && /\s/.test(value)) return `${variable} must not hold whitespace, got ${JSON.stringify(value)}`
  }
  const misplaced = (values: ReadonlyArray<string> | string | undefined, words: ReadonlyArray<string>) =>
    typeof values !== "string" && values !== undefined && values.some((value) => words.includes(value.toLowerCase()))
  if (misplaced(options.allowedHosts, ["any", "*"])) return "MCP_HTTP_ALLOWED_HOSTS: write any alone to allow every host"
  if (misplaced(options.allowedOrigins, ["any", "*"])) return "MCP_HTTP_ALLOWED_ORIGINS: write any alone to allow every origin"
  if (misplaced(options.cors?.allowedOrigins, ["any", "*"])) return "MCP_HTTP_CORS_ORIGINS: write * alone to allow every origin"
  if (options.allowedHosts !== undefined && options.allowedHosts !== "any" && options.allowedHosts.length === 0) {
    return "MCP_HTTP_ALLOWED_HOSTS names no host (every request would be refused); list hosts, or any"
  }
  return undefined
}

/** A list, or the one word that stands for "all" (`any`, `*`) when it is the whole value. */
const listOr = <W extends string>(values: ReadonlyArray<string>, word: W): ReadonlyArray<string> | W =>
  values.length === 1 && values[0] === word ? word : values

/** The options the environment sets (an option it does not set is absent). */
export const serveOptions: Config.Config<ServeOptions> = Config.all({
  host: Config.option(Config.String("MCP_HTTP_HOST")),
  // Not `Config.Port` (1 to 65535): 0 is a free port, as `StreamableHttp.make({ port: 0 })` and
  // `effect-mcp run --port 0` take it. The range is checked by `problemOf`.
  port: Config.option(Config.Int("MCP_HTTP_PORT")),
  path: path("MCP_HTTP_PATH"),
  stateless: Config.option(Config.Boolean("MCP_HTTP_STATELESS")),
  allowedHosts: list("MCP_HTTP_ALLOWED_HOSTS"),
  allowedOrigins: list("MCP_HTTP_ALLOWED_ORIGINS"),
  cors: list("MCP_HTTP_CORS_ORIGINS"),
  healthPath: path("MCP_HTTP_HEALTH_PATH"),
  maxBodyBytes: Config.option(Config.Int("MCP_HTTP_MAX_BODY_BYTES")),
  maxSessions: Config.option(Config.Int("MCP_HTTP_MAX_SESSIONS")),
  requestTimeoutMillis: Config.option(Config.Int("MCP_HTTP_REQUEST_TIMEOUT_MILLIS")),
  sessionIdleTimeoutMillis: Config.option(Config.Int("MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS"))
}).pipe(Config.map((read): ServeOptions => {
  const options: { -readonly [K in keyof ServeOptions]: ServeOptions[K] } = {}
  if (Option.isSome(read.host)) options.host = read.host.value
  if (Option.isSome(read.port)) options.port = read.port.value
  if (Option.isSome(read.path)) options.path = read.path.value
  if (Option.isSome(read.stateless)) options.stateless = read.stateless.value
  if (Option.isSome(read.allowedHosts)) options.allowedHosts = listOr(read.allowedHosts.value, "any")
  if (Option.isSome(read.allowedOrigins)) options.allowedOrigins = listOr(read.allowedOrigins.value, "any")
  if (Option.isSome(read.cors)) options.cors = { allowedOrigins: listOr(read.cors.value, "*") }
  if (Option.isSome(read.healthPath)) options.healthPath = read.healthPath.value
  if (Option.isSome(read.maxBodyBytes)) options.maxBodyBytes = read.maxBodyBytes.value
  if (Option.isSome(read.maxSessions)) options.maxSessions = read.maxSessions.value
  if (Option.isSome(read.requestTimeoutMillis)) options.requestTimeoutMillis = read.requestTimeoutMillis.value
  if (Option.isSome(read.sessionIdleTimeoutMillis)) options.sessionIdleTimeoutMillis = read.sessionIdleTimeoutMillis.value
  return options
}))
