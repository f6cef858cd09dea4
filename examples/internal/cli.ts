/**
 * What the examples share to run themselves (`node examples/<name>.ts [flags]`): their flags
 * (`--http`, `--stdio`, `--port N`, `--host H`, `--stateless`), whether the module is the main
 * program, and the main program itself.
 *
 * Each example but `echo-server.ts` (written on the low-level API) also exports its server
 * (`options` and `components`), so `effect-mcp run examples/<name>.ts` runs it too (see
 * `src/cli/ServerModule.ts`).
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import { realpathSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as LayerRuntime from "effect/Layer"
import { GracefulShutdown, McpServer, Stdio, StreamableHttp } from "../../src/index.ts"
import { RateLimit, Telemetry } from "../../src/middleware/index.ts"

export interface Flags {
  readonly http: boolean
  readonly stdio: boolean
  readonly port: number
  readonly host: string
  readonly stateless: boolean
  /** The values of the example's extra flags (see {@link ExtraFlags}), by flag. */
  readonly extra: { readonly [flag: string]: string | undefined }
}

/** Flags an example takes besides the common ones: name → description (each takes a value). */
export type ExtraFlags = { readonly [flag: string]: string }

/** The example's file name, as `node` was given it. */
const scriptName = (): string => process.argv[1]?.split(/[\\/]/).pop() ?? "server.ts"

const usage = (extra: ExtraFlags, statelessHttpOnly: boolean): string => {
  const script = scriptName()
  const modes = statelessHttpOnly ? "[--http] [--port N] [--host H]" : "[--stdio | --http [--port N] [--host H] [--stateless]]"
  const lines = [
    `usage: node ${script} ${modes}${Object.keys(extra).map((flag) => ` [${flag} V]`).join("")}`,
    "",
    ...(statelessHttpOnly
      ? [`  --http         MCP over Streamable HTTP at http://<host>:<port>/mcp (${script} serves stateless Streamable HTTP only)`]
      : [
        "  --stdio        MCP over stdin/stdout (the default unless --http)",
        "  --http         MCP over Streamable HTTP at http://<host>:<port>/mcp"
      ]),
    "  --port N       the HTTP port (default 3000)",
    "  --host H       the HTTP host (default 127.0.0.1)",
    ...(statelessHttpOnly ? [] : ["  --stateless    HTTP without sessions"]),
    ...Object.entries(extra).map(([flag, description]) => `  ${flag.padEnd(14)} ${description}`),
    "  --help         this text",
    "",
    "Tracing: set OTEL_EXPORTER_OTLP_ENDPOINT (or a per-signal one, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT...)",
    "to export spans and metrics over OTLP/HTTP (OTEL_EXPORTER_OTLP_PROTOCOL: http/json, the default, or http/protobuf)."
  ]
  return `${lines.join("\n")}\n`
}

/** A usage error: named on stderr with a pointer to `--help`, exit 2 (nothing is served). */
export const fail = (message: string): never => {
  process.stderr.write(`${message}; see --help\n`)
  return process.exit(2)
}

/**
 * Reads the flags from `process.argv`: `--help` prints the usage and exits 0; an unknown flag or
 * a bad value names it on stderr and exits 2 (nothing is served). `statelessHttpOnly`: the example
 * serves stateless Streamable HTTP whatever it is given (a replica): its usage says so, and
 * `--stdio` is refused.
 */
export const flags = (
  argv: ReadonlyArray<string> = process.argv.slice(2),
  extra: ExtraFlags = {},
  statelessHttpOnly = false
): Flags => {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage(extra, statelessHttpOnly))
    process.exit(0)
  }
  if (statelessHttpOnly && argv.includes("--stdio")) fail(`--stdio: ${scriptName()} serves stateless Streamable HTTP only`)
  const valued = new Set(["--port", "--host", ...Object.keys(extra)])
  const switches = new Set(["--http", "--stdio", "--stateless"])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (switches.has(arg)) continue
    if (valued.has(arg)) {
      if (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--")) fail(`${arg} needs a value`)
      i++
      continue
    }
    fail(`unknown flag ${arg}`)
  }
  const value = (name: string) => {
    const index = argv.indexOf(name)
    return index === -1 ? undefined : argv[index + 1]
  }
  const port = Number(value("--port") ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number (0-65535), got ${value("--port")}`)
  if (argv.includes("--http") && argv.includes("--stdio")) fail("--http and --stdio exclude each other")
  return {
    http: argv.includes("--http"),
    stdio: argv.includes("--stdio"),
    port,
    host: value("--host") ?? "127.0.0.1",
    stateless: argv.includes("--stateless"),
    extra: Object.fromEntries(Object.keys(extra).map((flag) => [flag, value(flag)]))
  }
}

/**
 * Whether the module whose `import.meta` this is was started as the program (`node file.ts`), not
 * imported. `import.meta.main` where Node has it (22.18+, 24); elsewhere (tsx on Node 20, where it
 * is undefined and a bare `if (import.meta.main)` would silently do nothing) the script Node was
 * started with is compared with the module's file.
 */
export const isMain = (meta: ImportMeta): boolean => {
  const main = (meta as { readonly main?: boolean | undefined }).main
  if (typeof main === "boolean") return main
  const script = process.argv[1]
  if (script === undefined || !meta.url.startsWith("file:")) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(meta.url))
  } catch {
    return false
  }
}

/**
 * A busy port (or any address the server cannot listen on) ends the program with one line naming
 * it and the flag to change it, instead of a stack trace.
 */
export const withPortHint = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A | void, E> =>
  Effect.catchDefect(effect, (defect) =>
    defect instanceof StreamableHttp.ListenError
      ? Effect.sync(() => {
        process.stderr.write(`${defect.message}; choose another port with --port <n>\n`)
        process.exitCode = 1
      })
      : Effect.die(defect))

/**
 * An example's components with tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` (or a per-signal
 * endpoint, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`...) is set (spans and
 * metrics of every request, exported over OTLP/HTTP there: `Telemetry.fromEnvironment`), and
 * what the served program needs for it (`provide`). Without the variable, nothing changes.
 */
export const traced = <E, R>(options: McpServer.Options, components: Layer.Layer<never, E, R>) => {
  const telemetry = Telemetry.fromEnvironment(options.name)
  return {
    components: LayerRuntime.mergeAll(telemetry.components, components),
    provide: <A, E2>(effect: Effect.Effect<A, E2>): Effect.Effect<A, E2> => Effect.provide(effect, telemetry.exporter)
  }
}

/**
 * `options` with the `requestState` key ring of `MCP_REQUEST_STATE_KEYS` (keys of 32 bytes or
 * more, comma-separated), when it is set and the options have none: replicas behind a load
 * balancer must share one, or the retry of an `input_required` answer that reaches another replica
 * is refused (-32602 "Invalid requestState"). `shared` (a replica on Redis): says on stderr when
 * the variable is not set, since each replica then seals with a key of its own.
 */
export const withRequestStateKeys = (options: McpServer.Options, shared: boolean): McpServer.Options => {
  const keys = process.env.MCP_REQUEST_STATE_KEYS?.split(",").map((key) => key.trim()).filter((key) => key !== "") ?? []
  if (options.requestState !== undefined) return options
  if (keys.length > 0) return { ...options, requestState: { keys } }
  if (shared) {
    process.stderr.write(
      `${options.name}: MCP_REQUEST_STATE_KEYS is not set: requestState is sealed with a key of this process, ` +
        "so the retry of an input_required answer must reach this replica\n"
    )
  }
  return options
}

/** The flags of {@link main} besides the common ones. */
const serverFlags: ExtraFlags = {
  "--redis": "with --http: tasks, rate limits, caches and SSE events on this Redis (REDIS_PREFIX; MCP_REQUEST_STATE_KEYS the replicas' requestState keys)",
  "--rate-limit": "at most N tools/call a minute per requestor (one budget for replicas on one Redis)"
}

/**
 * The main program of an example server: MCP over Streamable HTTP with `--http` (one line is
 * logged once it listens), else over stdio (stdout carries only protocol); traced when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or a per-signal endpoint is set (see {@link traced}).
 */
export const main = <E>(options: McpServer.Options, components: Layer.Layer<never, E, McpServer.McpServer>): void => {
  const cli = flags(process.argv.slice(2), serverFlags)
  const limit = cli.extra["--rate-limit"] === undefined ? undefined : Number(cli.extra["--rate-limit"])
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    process.stderr.write(`--rate-limit must be a positive integer, got ${cli.extra["--rate-limit"]}; see --help\n`)
    process.exit(2)
  }
  const redisUrl = cli.http ? cli.extra["--redis"] : undefined
  // `tools/call` per requestor and minute: one budget across the replicas sharing a Redis.
  const limiter = limit === undefined ? LayerRuntime.empty : McpServer.middleware(RateLimit.middleware({
    policy: RateLimit.slidingWindow({ limit, windowMillis: 60_000 }),
    methods: ["tools/call"]
  }))
  const limited = LayerRuntime.merge(components, limiter)
  // Replicas in tests and demos take a dead replica's tasks over sooner than the default 15 s.
  const lease = process.env.LEASE_MILLIS === undefined ? undefined : Number(process.env.LEASE_MILLIS)
  if (lease !== undefined && options.tasks !== undefined) options = { ...options, tasks: McpServer.tasks({ ...options.tasks.options, leaseMillis: lease }) }
  // Replicas on one Redis share the key ring that seals `requestState` (MCP_REQUEST_STATE_KEYS).
  options = withRequestStateKeys(options, redisUrl !== undefined)
  const tracing = traced(options, limited)
  if (cli.http) {
    const served = McpServer.serve(options, tracing.components, StreamableHttp.make({ host: cli.host, port: cli.port, stateless: cli.stateless }))
    // Tasks, limits, caches and events on Redis (its code loaded only then); else in memory.
    const stored = redisUrl === undefined
      ? Effect.provide(served, RateLimit.RateLimitStore.layerMemory())
      : Effect.flatMap(Effect.promise(() => import("../../src/redis.ts")), ({ RedisStores }) =>
        Effect.provide(served, RedisStores.layer({ url: redisUrl, prefix: process.env.REDIS_PREFIX ?? `${options.name}:` })))
    stored.pipe(withPortHint, tracing.provide, GracefulShutdown.runMain)
  } else {
    // Someone at a terminal, not a client: say what this is (on stderr; stdout is the protocol's).
    if (process.stdin.isTTY) process.stderr.write(`${options.name}: speaking MCP on stdin/stdout (--http to serve HTTP)\n`)
    McpServer.serve(options, tracing.components, Stdio.make()).pipe(
      Effect.provide(RateLimit.RateLimitStore.layerMemory()),
      tracing.provide,
      Stdio.runMain
    )
  }
}
