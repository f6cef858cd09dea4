/**
 * The `effect-mcp` command line, on `effect/cli`: run, develop, inspect and install a server
 * module (a module that exports its server, see {@link ServerModule}).
 *
 * ```sh
 * effect-mcp run server.ts                      # MCP over stdio (stdout: protocol only)
 * effect-mcp run server.ts --http --port 3001   # Streamable HTTP at http://127.0.0.1:3001/mcp
 * effect-mcp dev server.ts                      # HTTP, restarted when a file changes
 * effect-mcp inspect server.ts --json           # tools, resources, prompts, capabilities
 * effect-mcp install claude-desktop server.ts   # add it to Claude Desktop's configuration
 * ```
 *
 * **Details**
 *
 * The whole command runs under `GracefulShutdown.runMain` with logs on stderr (as
 * `Stdio.runMain` does), in every mode: stdout is the protocol's in stdio mode, and the output of
 * `inspect` and `install --print` elsewhere; `--wizard` asks its questions on stderr (it asks for
 * every argument and flag of the command: given beside it, `run server.ts --wizard`, they are refused, exit 2). Exit codes:
 * 0 on success (and after a clean drain), 1 when the command failed (file not found, nothing
 * exported that is a server, port unavailable, the server failed) or a `--wizard` ended without
 * running it (cancelled, or declined), 2 for an invalid invocation (unknown or conflicting flags,
 * an `MCP_HTTP_*` variable that `run --http` or `dev` cannot use),
 * 143 when a drain was cut short, and 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP) when a signal stopped
 * `inspect` or `install` before it finished (nothing is printed or written then), or stopped `run`
 * before it served (while its module loaded, or its components were built): a signal while
 * nothing serves is an interruption to `GracefulShutdown.runMain`. SIGHUP (a closed terminal)
 * drains as SIGTERM does (`GracefulShutdown.runMain` listens for it). `dev` does not import the
 * module (its server does, in a process of its own): a module that does not load is told by that
 * server, and `dev` waits for the change that fixes it (a `.ts` module this Node will not run,
 * under `node_modules` or with type stripping off, which no change fixes, fails `dev` at once).
 *
 * Modules are loaded by the Node that runs the CLI: `.js` anywhere, `.ts` on Node ≥ 22.18 (it
 * strips types; see {@link ServerModule} for older Nodes).
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import { ChildProcessSpawner } from "effect/process"
import * as Stdio from "effect/Stdio"
import { Argument, CliError, CliOutput, Command, Flag, GlobalFlag } from "effect/cli"
import { readFileSync, realpathSync } from "node:fs"
import { homedir } from "node:os"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import * as GracefulShutdown from "../session/GracefulShutdown.ts"
import { exitOnceWritten } from "../internal/exitOnceWritten.ts"
import * as Clients from "./internal/clients.ts"
import * as Colors from "./internal/colors.ts"
import * as DevTimes from "./internal/devTimes.ts"
import * as NodeArgs from "./internal/nodeArgs.ts"
import * as Wizard from "./internal/wizard.ts"
import { HttpConfigError } from "../transport/http/HttpConfigError.ts"
import { allowedHostsList, listenHost } from "../transport/http/internal/hosts.ts"
import type * as StreamableHttp from "../transport/http/StreamableHttp.ts"
import type * as Run from "./Run.ts"

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * Flags that parse but do not go together (`--stdio` with `--http`, `--port` without `--http`…).
 * Exit code 2, like a parse error.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{
  readonly message: string
  readonly command: string
}> {}

// ---------------------------------------------------------------------------
// Where this CLI is
// ---------------------------------------------------------------------------

/**
 * The CLI's own script (`dist/cli/bin.js` in the package; `src/cli/bin.ts` in its repository),
 * symbolic links resolved: what `dev` starts. `install` writes it through the project's
 * `node_modules/effect-mcp-server` when that leads to it (see `Install.linkedBin`).
 *
 * @stability experimental
 * @category constants
 * @since 0.2.0
 */
export const binPath: string = realpathSync(fileURLToPath(new URL(`./bin${extname(import.meta.url)}`, import.meta.url)))

/** The package's name and version (the CLI's `--version`). */
const { name: packageName, version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  readonly name: string
  readonly version: string
}

/** The package's folder, its real path (as {@link binPath}'s). */
const packageRoot: string = realpathSync(fileURLToPath(new URL("../../", import.meta.url)))

/** Node's flags for a child or a client config: a loader (`--import tsx`) is kept, a debugger is not. */
const nodeArgs = (): ReadonlyArray<string> => NodeArgs.inherited(process.execArgv)

// ---------------------------------------------------------------------------
// The handlers' modules
// ---------------------------------------------------------------------------

/**
 * A module of {@link modules} that could not be imported: the CLI's installation is incomplete (a
 * file missing, a peer dependency absent or of another version). Exit code 1, said in one line
 * (it was a defect: Node's loader stack), naming the module as it is imported (`./Install.js` in
 * the package, `./Install.ts` in its repository), the file Node looked for (one of the CLI's own;
 * `undefined` for a package's) and the command that needed it.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class ModuleLoadError extends Data.TaggedError("ModuleLoadError")<{
  readonly module: string
  /** The CLI's own module's file (`…/node_modules/effect-mcp-server/dist/cli/Install.js`). */
  readonly file?: string | undefined
  /** The command whose handler needed it (`install`). */
  readonly command?: string | undefined
  readonly cause: unknown
}> {
  override get message(): string {
    const why = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `the CLI could not load ${this.module}${this.file === undefined ? "" : ` (${this.file})`}` +
      `${this.command === undefined ? "" : `, which effect-mcp ${this.command} needs`}` +
      ` (is effect-mcp-server installed whole, with its peer dependencies?): ${why}`
  }
}

/**
 * `module`, imported by `load` when first used; its failure a {@link ModuleLoadError}. A module of
 * the CLI's own is named without extension (`./Install`): it is said as this module imports it,
 * `.js` once built (TypeScript rewrites the import, not a string), with its file.
 */
const handlerModule = <A>(module: string, load: () => Promise<A>): Effect.Effect<A, ModuleLoadError> => {
  const own = module.startsWith(".")
  const named = own ? `${module}${extname(import.meta.url)}` : module
  const file = own ? fileURLToPath(new URL(named, import.meta.url)) : undefined
  return Effect.tryPromise({ try: load, catch: (cause) => new ModuleLoadError({ module: named, file, cause }) })
}

/** `command`'s handler, its {@link ModuleLoadError} naming `command` (the module is shared by several). */
const needing = (command: string) => <A, E, R>(handler: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.mapError(handler, (error) =>
    error instanceof ModuleLoadError && error.command === undefined ? (new ModuleLoadError({ module: error.module, file: error.file, command, cause: error.cause }) as E) : error)

/**
 * The modules the commands' handlers use, imported when a handler needs one: the command tree
 * (names, flags, descriptions) needs none of them, so `--help`, `--version` and an invalid
 * invocation load none (the server, its transports and schemas, `dev`'s child processes: about
 * 170 of the 400 modules the CLI loaded at every start). Node imports each once.
 */
const modules = {
  dev: handlerModule("./Dev", () => import("./Dev.ts")),
  httpConfig: handlerModule("../transport/http/internal/config", () => import("../transport/http/internal/config.ts")),
  inspect: handlerModule("./Inspect", () => import("./Inspect.ts")),
  install: handlerModule("./Install", () => import("./Install.ts")),
  nodeServices: handlerModule("@effect/platform-node/NodeServices", () => import("@effect/platform-node/NodeServices")),
  run: handlerModule("./Run", () => import("./Run.ts")),
  serverModule: handlerModule("./ServerModule", () => import("./ServerModule.ts")),
  stdio: handlerModule("../transport/Stdio", () => import("../transport/Stdio.ts")),
  streamableHttp: handlerModule("../transport/http/StreamableHttp", () => import("../transport/http/StreamableHttp.ts"))
}

/**
 * What effect/cli asks of the platform while it parses (`Command.Environment`), without the
 * modules only a handler uses: Node's file system (`dev --watch` names a folder that must exist),
 * paths and terminal (`--wizard`) as `NodeServices` gives them; child processes and the standard
 * streams (Node's `child_process` and streams, effect's sinks and their Node adapters: a fifth of
 * what `--help` loaded besides effect/cli) as stubs that no parsing uses. Each handler runs with
 * all of `NodeServices`, imported as it starts ({@link withNode}).
 */
const parsing = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeTerminal.layer,
  Layer.succeed(
    ChildProcessSpawner.ChildProcessSpawner,
    ChildProcessSpawner.make(() => Effect.die(new Error("effect-mcp: child processes are a command's, started by its handler (withNode)")))
  ),
  Stdio.layerTest({})
)

/** A command's handler with all of Node's services (`NodeServices`, imported now: see {@link parsing}). */
const withNode = <A, E, R>(handler: Effect.Effect<A, E, R>) =>
  Effect.flatMap(modules.nodeServices, (NodeServices) => Effect.provide(handler, NodeServices.layer))

// ---------------------------------------------------------------------------
// Shared arguments and flags
// ---------------------------------------------------------------------------

const file = Argument.String("file").pipe(
  Argument.withDescription(
    "The server module (.ts or .js): a default export { options, components }, or named exports options and components"
  )
)
const port = Flag.Int("port").pipe(
  Flag.filter((n) => Number.isSafeInteger(n) && n >= 0 && n <= 65535, (n) => `--port must be 0 to 65535, got ${n}`),
  Flag.withDescription("The HTTP port (default 3000; 0: any free port)"),
  Flag.optional
)
const host = Flag.String("host").pipe(
  Flag.filter((h) => h.trim() !== "", () => "--host must name an address (an empty one listens on every interface)"),
  // An IPv6 address as a URL writes it (`[::1]`) is the address (`::1`): Node would look the
  // bracketed name up (ENOTFOUND), and `dev` made a URL of it with a second pair (TypeError).
  // Only an IPv6 address: `[]` is no host (a listen error), never the empty one (every interface).
  Flag.map((h) => {
    const parsed = listenHost(h)
    return "host" in parsed ? parsed.host : h
  }),
  Flag.withDescription("The address to listen on (default 127.0.0.1: this machine only)"),
  Flag.optional
)
const allowedHosts = Flag.String("allowed-hosts").pipe(
  // Parsed as MCP_HTTP_ALLOWED_HOSTS is (`allowedHostsList`): each name as the Host check
  // compares it (`::1` is `[::1]`), `any` alone in any case; one the check can never match
  // (`localhost:3000`), `*` or `any` beside names is refused here, not answered 403 at every request.
  Flag.filterMap(
    (value) => {
      const parsed = allowedHostsList(value)
      return "hosts" in parsed ? Option.some(parsed.hosts) : Option.none()
    },
    (value) => `--allowed-hosts ${(allowedHostsList(value) as { readonly problem: string }).problem}`
  ),
  Flag.withDescription(
    "The host names requests may name (their Host header, without port; comma-separated): default localhost, 127.0.0.1, [::1]. " +
      "With --host serving other machines, list the names their clients use. " +
      "any allows every host and turns off DNS rebinding protection (the Host and Origin checks): " +
      "only behind a proxy that checks Host"
  ),
  Flag.optional
)
// Optional, not false by default: `--no-stateless` (`--stateless=false`) is a value given, which
// wins over MCP_HTTP_STATELESS=true as `--stateless` wins over its false; not given, the variable decides.
const stateless = Flag.Boolean("stateless").pipe(
  Flag.withDescription(
    "HTTP without sessions: every POST answered on its own (no server-to-client requests); " +
      "--no-stateless (or --stateless=false) serves with sessions whatever MCP_HTTP_STATELESS says"
  ),
  Flag.optional
)

const defaultHost = "127.0.0.1"
const defaultPort = 3000

/**
 * The options the `MCP_HTTP_*` variables set (what `StreamableHttp.fromConfig` reads, which serves
 * `run --http`) under those the flags `given` set, read before the module loads and checked as
 * `fromConfig` checks them (`HttpConfig.underEnvironment`, one variable alone and with another:
 * `MCP_HTTP_HEALTH_PATH` the endpoint's path): one that cannot be used is an invalid invocation of
 * `command`, as an invalid flag is (exit 2), said at once (`dev`'s every server exited 2 on it).
 */
const httpEnvironment = (
  command: string,
  given: StreamableHttp.ServeOptions
): Effect.Effect<StreamableHttp.ServeOptions, UsageError | ModuleLoadError> =>
  Effect.flatMap(modules.httpConfig, (HttpConfig) =>
    Effect.catch(HttpConfig.underEnvironment(given), (error) =>
      // The flags give no health path or body limit: only a variable's problem can be found here.
      error instanceof HttpConfigError
        ? Effect.fail(new UsageError({ command, message: error.message }))
        : Effect.die(error)))

/**
 * A time `dev` reads from the environment variable `variable` (`MCP_DEV_HOLD_MILLIS`,
 * `MCP_DEV_START_NOTICE_MILLIS`): a whole number of milliseconds from 1 (`DevTimes.rule`, which
 * `Dev.run`'s options follow too), or `undefined` when it is not set. Another value is an invalid
 * invocation of `dev` (exit 2), said at once.
 */
const devMillis = (variable: string): Effect.Effect<number | undefined, UsageError> =>
  Effect.flatMap(
    Effect.mapError(Config.option(Config.String(variable)), (error) => new UsageError({ command: "dev", message: `${variable} could not be read: ${error.message}` })),
    (value) => {
      if (Option.isNone(value)) return Effect.succeed(undefined)
      const checked = DevTimes.fromText(value.value)
      return "millis" in checked
        ? Effect.succeed(checked.millis)
        : Effect.fail(new UsageError({ command: "dev", message: `${variable} ${checked.problem}` }))
    }
  )

/**
 * Said when `command` listens on `host` beyond the loopback without allowed hosts: other machines'
 * requests name this machine as they know it, which the default allowed hosts (this machine's
 * loopback names) refuse, 403 each, with nothing said. `byFlag`: `host` came from `--host`, not
 * `MCP_HTTP_HOST`.
 */
const warnOtherMachines = (command: string, host: string, byFlag: boolean): Effect.Effect<void, ModuleLoadError> =>
  Effect.flatMap(modules.run, (Run) =>
    Run.isLoopback(host) ? Effect.void : Console.error(
      `effect-mcp ${command}: ${byFlag ? "--host " : "MCP_HTTP_HOST="}${host} listens for other machines, ` +
        "but only requests naming localhost, 127.0.0.1 or [::1] are answered (DNS rebinding protection): list the host names " +
        `their clients use with --allowed-hosts${byFlag ? "" : " (or MCP_HTTP_ALLOWED_HOSTS)"}`
    ))

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/** `run`'s flags and argument but `--exit-with-stdin` (see {@link exitWithStdin}). */
const runConfig = {
  file,
  stdio: Flag.Boolean("stdio").pipe(
    Flag.withDescription("Serve MCP over stdin/stdout (the default); stdout carries only protocol, logs go to stderr"),
    Flag.withDefault(false)
  ),
  http: Flag.Boolean("http").pipe(
    Flag.withDescription("Serve MCP over Streamable HTTP at http://<host>:<port>/mcp"),
    Flag.withDefault(false)
  ),
  port,
  host,
  allowedHosts,
  stateless,
  principalFromEnv: Flag.Boolean("principal-from-env").pipe(
    Flag.withDescription(
      "Over stdio, the session's principal (who calls, for Authorization rules and per-user state) is named by " +
        "MCP_SUBJECT and MCP_SCOPES (space-separated), as the client's configuration sets them; without it, none"
    ),
    Flag.withDefault(false)
  )
}

/**
 * For `dev`, which starts its server with it (see Run.exitWithStdin): not in the help, nor among
 * `--wizard`'s questions (effect/cli's wizard asks for every flag, hidden ones too: the wizard's
 * `run` has it not, see {@link commandFor}).
 */
const exitWithStdin = Flag.Boolean("exit-with-stdin").pipe(
  Flag.withDescription("Drain and stop when stdin ends (the parent process is gone)"),
  Flag.withDefault(false),
  Flag.withHidden
)

/**
 * For `dev` too, which starts its server on port 0 with a pipe as descriptor 3 (see
 * `Run.Mode`'s `reportPortTo`): hidden, and not among `--wizard`'s questions, as {@link exitWithStdin}.
 */
const reportPort = Flag.Int("report-port").pipe(
  Flag.filter((fd) => Number.isSafeInteger(fd) && fd >= 3, (fd) => `--report-port must name a file descriptor from 3, got ${fd}`),
  Flag.withDescription("Write the port the server listens on, once it serves, to this file descriptor"),
  Flag.optional,
  Flag.withHidden
)

const runHandler = (
  input: Command.Command.Config.Infer<typeof runConfig> & { readonly exitWithStdin: boolean; readonly reportPort: Option.Option<number> }
) =>
  Effect.gen(function*() {
    if (input.stdio && input.http) return yield* new UsageError({ command: "run", message: "--stdio and --http exclude each other" })
    if (input.http && input.principalFromEnv) {
      return yield* new UsageError({
        command: "run",
        message: "--principal-from-env is for stdio (run --http checks no token: its requests have no principal; a server that " +
          "verifies bearer tokens is served by its own program, StreamableHttp.make({ auth }))"
      })
    }
    const httpOnly = [
      ...(Option.isSome(input.port) ? ["--port"] : []),
      ...(Option.isSome(input.host) ? ["--host"] : []),
      ...(Option.isSome(input.allowedHosts) ? ["--allowed-hosts"] : []),
      ...(Option.isSome(input.stateless) ? [input.stateless.value ? "--stateless" : "--no-stateless"] : []),
      // Over stdio, the end of input already ends the server.
      ...(input.exitWithStdin ? ["--exit-with-stdin"] : []),
      ...(Option.isSome(input.reportPort) ? ["--report-port"] : [])
    ]
    if (!input.http && httpOnly.length > 0) {
      return yield* new UsageError({ command: "run", message: `${httpOnly.join(", ")} ${httpOnly.length === 1 ? "needs" : "need"} --http (stdio is the default)` })
    }
    // The flags given (one not given is left to its MCP_HTTP_* variable, then to its default: see
    // `Run.serve`); the environment read now, before the module loads, so that a variable that does
    // not parse, or goes not with another, is told at once, as an invalid flag is (exit 2), and what
    // it sets is known here.
    const mode: Run.Mode = input.http
      ? {
        _tag: "Http",
        host: Option.getOrUndefined(input.host),
        port: Option.getOrUndefined(input.port),
        stateless: Option.getOrUndefined(input.stateless),
        allowedHosts: Option.getOrUndefined(input.allowedHosts),
        reportPortTo: Option.getOrUndefined(input.reportPort)
      }
      : { _tag: "Stdio", principalFromEnvironment: input.principalFromEnv }
    const environment = mode._tag === "Http"
      ? yield* httpEnvironment("run", { host: mode.host, port: mode.port, stateless: mode.stateless, allowedHosts: mode.allowedHosts })
      : {}
    // Other machines' requests name this machine as they know it, which the default allowed hosts
    // (this machine's loopback names) refuse: 403 for every one of them, with nothing said.
    if (mode._tag === "Http" && (mode.allowedHosts ?? environment.allowedHosts) === undefined) {
      const listening = mode.host ?? environment.host ?? defaultHost
      yield* warnOtherMachines("run", listening, mode.host !== undefined)
    }
    // The flag asks for a principal: one the environment does not name (a client's configuration
    // without MCP_SUBJECT, or a blank one) leaves the session anonymous, which is said.
    if (mode._tag === "Stdio" && mode.principalFromEnvironment === true && (yield* modules.stdio).principalFromEnvironment() === undefined) {
      yield* Console.error(
        "effect-mcp run: --principal-from-env, but MCP_SUBJECT names no one: the session has no principal " +
          "(set MCP_SUBJECT, and MCP_SCOPES, in the server's environment)"
      )
    }
    // The checks above need no platform: an invalid invocation loads none of the handler's modules.
    yield* withNode(Effect.gen(function*() {
      const run = yield* modules.run
      // Before the module loads: nothing it prints may reach stdout.
      if (mode._tag === "Stdio") yield* run.redirectConsoleToStderr
      // Before the module loads too: a module whose loading never ends still ends with its parent.
      if (input.exitWithStdin) yield* run.exitWithStdin
      // A signal while the module loads (nothing serves yet) exits 130/143 (see `GracefulShutdown.runMain`).
      const loaded = yield* Effect.flatMap(modules.serverModule, (ServerModule) => ServerModule.load(input.file))
      yield* run.serve(loaded.server, mode)
    }))
  })

/** The `run` command; for `--wizard`, without its hidden flag. */
const runCommand = (wizard: boolean) =>
  describeRun(
    wizard
      ? Command.make("run", runConfig, (input) => needing("run")(runHandler({ ...input, exitWithStdin: false, reportPort: Option.none() })))
      : Command.make("run", { ...runConfig, exitWithStdin, reportPort }, (input) => needing("run")(runHandler(input)))
  )

const describeRun = <Input, E, R>(self: Command.Command<"run", Input, {}, E, R>) =>
  self.pipe(
    Command.provideEffectDiscard(Wizard.commandRuns),
    Command.withDescription(
      "Runs a server module: MCP over stdio (default; stdout carries only protocol) or over Streamable HTTP. " +
        "SIGTERM, SIGINT or SIGHUP (a closed terminal) drains it: in-flight requests finish. " +
        "Over HTTP the MCP_HTTP_* environment variables are read (as StreamableHttp.fromConfig reads them; the flags win): " +
        "MCP_HTTP_HOST, MCP_HTTP_PORT, MCP_HTTP_PATH, MCP_HTTP_STATELESS, MCP_HTTP_ALLOWED_HOSTS, MCP_HTTP_ALLOWED_ORIGINS, " +
        "MCP_HTTP_CORS_ORIGINS, MCP_HTTP_HEALTH_PATH, MCP_HTTP_MAX_BODY_BYTES, MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT, " +
        "MCP_HTTP_MAX_SESSIONS, MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL, MCP_HTTP_MAX_SESSIONS_PER_ADDRESS, " +
        "MCP_HTTP_REQUEST_TIMEOUT_MILLIS, MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS, MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS, " +
        "MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS, MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION, MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION, " +
        "MCP_HTTP_TRUSTED_PROXIES " +
        "(docs/http.md); one that cannot be used is an invalid invocation (exit 2)."
    ),
    Command.withExamples([
      { command: "effect-mcp run server.ts", description: "MCP over stdio, for a client that starts the server" },
      { command: "effect-mcp run server.ts --http --port 3001", description: "Streamable HTTP at http://127.0.0.1:3001/mcp" },
      {
        command: "effect-mcp run dist/server.js --http --host 0.0.0.0 --allowed-hosts mcp.example.com --stateless",
        description: "Stateless HTTP on every interface, for clients that reach it as mcp.example.com"
      },
      {
        command: "MCP_HTTP_HEALTH_PATH=/healthz MCP_HTTP_MAX_SESSIONS=500 effect-mcp run dist/server.js --http",
        description: "HTTP with a health endpoint and a session cap from the environment (a container's, say)"
      }
    ])
  )

const dev = Command.make("dev", {
  file,
  port,
  host,
  allowedHosts,
  stateless,
  watch: Flag.Directory("watch", { mustExist: true }).pipe(
    Flag.withDescription("Another folder to watch (repeatable); the module's own folder is always watched"),
    Flag.atLeast(0)
  )
}, (input) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const [Dev, Run, ServerModule, StreamableHttp] = yield* Effect.all([modules.dev, modules.run, modules.serverModule, modules.streamableHttp])
    // A missing file, or one that is no module, fails now. The module is not imported here: its
    // top-level code would run in this process too, holding what it opens (a port, a lock) from
    // every server started; one that does not load is told by its server, and the next change
    // (the fix) starts another.
    const file = yield* ServerModule.locate(input.file)
    // A `.ts` module this Node will not run (under node_modules, type stripping off) fails at every
    // start of its server, whatever changes: said now, exit 1.
    yield* ServerModule.checkRunnable(input.file, file, { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS })
    // The server (`run --http`) reads the MCP_HTTP_* variables; read here too, a flag winning over
    // its variable as there: the address checked and printed is the one served, and a variable
    // that does not parse, or does not go with another (MCP_HTTP_HEALTH_PATH the endpoint's path),
    // is told at once (exit 2), in run's words, not at every start of the server.
    const environment = yield* httpEnvironment("dev", {
      host: Option.getOrUndefined(input.host),
      port: Option.getOrUndefined(input.port),
      stateless: Option.getOrUndefined(input.stateless),
      allowedHosts: Option.getOrUndefined(input.allowedHosts)
    })
    // How long a connection waits for a server, and a server's start before it is said (dev's own variables).
    const holdMillis = yield* devMillis("MCP_DEV_HOLD_MILLIS")
    const startNoticeMillis = yield* devMillis("MCP_DEV_START_NOTICE_MILLIS")
    const devHost = Option.getOrElse(input.host, () => environment.host ?? defaultHost)
    const requested = Option.getOrElse(input.port, () => environment.port ?? defaultPort)
    // dev listens on its port itself, for its whole life (its server, restarted, is relayed to):
    // port 0 is one free port, kept across restarts (the printed Inspector command connects). One
    // another process holds (the server of another `dev`) fails here, exit 1, as `run` says it,
    // before any "serving at" names it.
    const listener = yield* Dev.listen(devHost, requested).pipe(
      // Said as `run` says it (an address that does not resolve: choose another --host).
      Effect.mapError((cause) =>
        new Run.PortUnavailable({ error: new StreamableHttp.ListenError({ host: devHost, port: requested, code: cause.code, cause }) })
      )
    )
    // Said by `run` when it listened there itself; its server listens on the loopback now (dev relays).
    const devAllowedHosts = Option.getOrElse(input.allowedHosts, () => environment.allowedHosts)
    if (devAllowedHosts === undefined) yield* warnOtherMachines("dev", devHost, Option.isSome(input.host))
    // `--log-level` is for the server's logs (dev itself logs nothing): passed on to it.
    const logLevel = yield* GlobalFlag.LogLevel
    yield* Dev.run({
      file,
      logLevel: Option.getOrUndefined(logLevel),
      host: devHost,
      port: requested,
      listener,
      stateless: Option.getOrUndefined(input.stateless),
      allowedHosts: devAllowedHosts,
      path: environment.path,
      watch: input.watch.map((folder) => path.resolve(folder)),
      command: { node: process.execPath, nodeArgs: nodeArgs(), bin: binPath },
      holdTimeout: holdMillis,
      startNotice: startNoticeMillis
    })
  }).pipe(Effect.scoped, withNode, needing("dev"))).pipe(
    Command.provideEffectDiscard(Wizard.commandRuns),
    Command.withDescription(
      "Develops a server module: serves it over Streamable HTTP in a child process, restarted (after draining " +
        "in-flight requests) when a file in its folder changes, and prints the MCP Inspector command. " +
        "The MCP_HTTP_* environment variables are read as run --http reads them (the flags win). " +
        `A request made while no server accepts (a restart) waits for one, at most MCP_DEV_HOLD_MILLIS (default ${DevTimes.holdMillis}); ` +
        `a server that has not started listening after MCP_DEV_START_NOTICE_MILLIS (default ${DevTimes.startNoticeMillis}) is said on stderr.`
    ),
    Command.withExamples([
      { command: "effect-mcp dev server.ts", description: "http://127.0.0.1:3000/mcp, restarted on changes" },
      { command: "effect-mcp dev src/server.ts --port 3001 --watch lib", description: "Another port; also watch lib/" }
    ])
  )

const inspect = Command.make("inspect", {
  file,
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("Print the description as JSON (server info, capabilities, every component with its schemas)"),
    Flag.withDefault(false)
  )
}, (input) =>
  Effect.gen(function*() {
    const [Inspect, Run, ServerModule] = yield* Effect.all([modules.inspect, modules.run, modules.serverModule])
    // Before the module loads: stdout is the description's (`inspect --json | jq`), not the module's.
    yield* Run.redirectConsoleToStderr
    const loaded = yield* ServerModule.load(input.file)
    const description = yield* Inspect.describe(loaded.server).pipe(Effect.catchCause(Run.failed))
    yield* print(input.json ? JSON.stringify(description, null, 2) : Inspect.formatText(description))
  }).pipe(withNode, needing("inspect"))).pipe(
    Command.provideEffectDiscard(Wizard.commandRuns),
    Command.withDescription(
      "Describes a server module without serving it: server info, capabilities, tools, resources, resource templates " +
        "and prompts, with their schemas."
    ),
    Command.withExamples([
      { command: "effect-mcp inspect server.ts", description: "A summary for people" },
      { command: "effect-mcp inspect server.ts --json", description: "Everything, as JSON" }
    ])
  )

const install = Command.make("install", {
  client: Argument.Literals("client", Clients.clients).pipe(
    Argument.withDescription(
      "claude-desktop, cursor (~/.cursor/mcp.json), mcp-json (./.mcp.json), vscode (./.vscode/mcp.json), " +
        "or stdio (a generic entry, printed)"
    )
  ),
  file,
  name: Flag.String("name").pipe(
    // An empty key would be a server no client can name (and a blank one, one nobody sees).
    Flag.filter((name) => name.trim() !== "", () => "--name must not be empty"),
    Flag.withDescription("The server's name in the configuration (default: its options.name; not for stdio, printed without one)"),
    Flag.optional
  ),
  print: Flag.Boolean("print").pipe(Flag.withDescription("Print the configuration instead of writing it"), Flag.withDefault(false)),
  config: Flag.String("config").pipe(
    Flag.withDescription("Write this configuration file instead of the client's usual one (~/ names the home folder; not for stdio)"),
    Flag.optional
  ),
  // Not `Flag.KeyValuePair`, which refuses an empty value: `--env DEBUG=` sets a variable to "",
  // which a server may well read (a variable that is set, or cleared on purpose).
  env: Flag.String("env").pipe(
    Flag.withMetavar("key=value"),
    Flag.atLeast(1),
    Flag.filterMap(
      (pairs) => Option.fromUndefinedOr(environmentOf(pairs)),
      (pairs) => `--env takes KEY=VALUE (the value may be empty), got ${JSON.stringify(pairs.find((pair) => !isPair(pair)))}`
    ),
    Flag.withDescription("An environment variable for the server, KEY=VALUE (repeatable; KEY= sets it empty)"),
    Flag.optional
  )
}, (input) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    // The stdio entry is `{ command, args, env? }` alone: a name or a file given for it would be ignored.
    const notForStdio = input.client === "stdio"
      ? [...(Option.isSome(input.name) ? ["--name"] : []), ...(Option.isSome(input.config) ? ["--config"] : [])]
      : []
    if (notForStdio.length > 0) {
      const without = [...(Option.isSome(input.name) ? ["a name"] : []), ...(Option.isSome(input.config) ? ["a configuration file"] : [])]
      return yield* new UsageError({
        command: "install",
        message: `the stdio entry is printed alone, without ${without.join(" or ")}: drop ${notForStdio.join(" and ")}`
      })
    }
    const [Install, Run, ServerModule] = yield* Effect.all([modules.install, modules.run, modules.serverModule])
    // Before the module loads: stdout is the printed configuration's, not the module's.
    yield* Run.redirectConsoleToStderr
    const loaded = yield* ServerModule.load(input.file)
    // A server that cannot be built (its name "", say: an entry keyed "") is not installed.
    yield* Install.checkOptions(input.file, loaded.server.options)
    const name = Option.getOrElse(input.name, () => loaded.server.options.name)
    // Not a version manager's folder of this Node's version (nvm's, Homebrew's Cellar), which goes
    // with that version: a link or shim on PATH that runs it, else said.
    const node = yield* Install.durableNode({ execPath: process.execPath, path: process.env.PATH, home: homedir(), platform: process.platform })
    // Not pnpm's real path, which names the version: the project's link, which an upgrade follows;
    // not npx's cache either, which is cleaned: the project's own copy, else said.
    const bin = yield* Install.durableBin({ bin: binPath, packageRoot, packageName, from: [process.cwd(), path.dirname(loaded.path)] })
    for (const note of [node.note, bin.note]) if (note !== undefined) yield* Console.error(`effect-mcp install: ${note}`)
    const target = Option.match(input.config, {
      onSome: (config) => path.resolve(inHome(config, homedir(), path)),
      onNone: () =>
        Install.configPath(input.client, {
          platform: process.platform,
          home: homedir(),
          appData: process.env.APPDATA,
          xdgConfigHome: process.env.XDG_CONFIG_HOME,
          cwd: process.cwd()
        }, path)
    })
    // An entry replaced keeps its variables (an API key given at the first install), those --env
    // names set anew: installing again (after an upgrade, a move) does not drop them unsaid.
    const given = Option.getOrUndefined(input.env)
    const previous = input.print || target === undefined ? undefined : yield* Install.previousEnv(input.client, target, name)
    const kept = Object.keys(previous ?? {}).filter((key) => given === undefined || !Object.hasOwn(given, key))
    if (kept.length > 0) {
      yield* Console.error(
        `effect-mcp install: the entry it replaces keeps its environment variables ${kept.join(", ")} ` +
          "(--env KEY=VALUE sets one anew; remove one in the file)"
      )
    }
    const env = kept.length > 0 ? { ...previous, ...given } : given
    const entry = Install.stdioEntry({
      node: node.node,
      // A client starts it in a working directory of its own: the files the flags name, named
      // absolutely; and without this environment: the flags of NODE_OPTIONS (a loader that let the
      // module load, Yarn Plug'n'Play's) first, as Node reads them before its command line's.
      nodeArgs: NodeArgs.portable([...NodeArgs.inherited(NodeArgs.fromNodeOptions(process.env.NODE_OPTIONS)), ...nodeArgs()], process.cwd()),
      bin: bin.bin,
      file: loaded.path,
      env
    })
    if (input.print || target === undefined) {
      const config = yield* Install.configFor(input.client, name, entry)
      yield* print(JSON.stringify(config, null, 2))
      return
    }
    const { replaced } = yield* Install.write(input.client, target, name, entry)
    yield* Console.error(
      `effect-mcp install: ${replaced ? "replaced" : "added"} the server "${name}" in ${target}` +
        (input.client === "claude-desktop" ? " (restart Claude Desktop to load it)" : "")
    )
  }).pipe(withNode, needing("install"))).pipe(
    Command.provideEffectDiscard(Wizard.commandRuns),
    Command.withDescription(
      "Adds a server module to a client's configuration: the absolute path of this Node, with this CLI's script " +
        "and `run <file> --stdio` as arguments (desktop clients start servers without your shell's PATH), each by a " +
        "path that outlives an upgrade where there is one (a link or shim on PATH, not a version's folder; the " +
        "project's copy of the CLI, not npx's cache): where there is none, it says so."
    ),
    Command.withExamples([
      { command: "effect-mcp install claude-desktop server.ts", description: "Add it to Claude Desktop" },
      { command: "effect-mcp install mcp-json server.ts --name weather --env API_KEY=xyz", description: "Add it to ./.mcp.json" },
      { command: "effect-mcp install stdio server.ts", description: "Print a generic { command, args } entry" }
    ])
  )

/**
 * The root command; for `--wizard` (`wizard`), its `run` without the hidden flag: effect/cli's
 * wizard asks for every flag, hidden ones too.
 */
const commandFor = (wizard: boolean) =>
  Command.make("effect-mcp").pipe(
    Command.withDescription(
      "Runs, develops, inspects and installs MCP servers written with effect-mcp-server. A server module exports " +
        "its server: export default { options, components }, or export const options and components."
    ),
    Command.withSubcommands([runCommand(wizard), dev, inspect, install])
  )

/**
 * The `effect-mcp` command and its subcommands.
 *
 * @stability experimental
 * @category commands
 * @since 0.2.0
 */
export const command = commandFor(false)

/** {@link command} as `--wizard` builds it (see {@link commandFor}). */
const wizardCommand = commandFor(true)

const subcommandNames = ["run", "dev", "inspect", "install"]

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/**
 * Runs the command line `args` (without the Node and script paths): help and version on stdout,
 * errors on stderr, the exit code in `process.exitCode` (see the module documentation).
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const program = (args: ReadonlyArray<string>): Effect.Effect<void> => {
  const wizard = Wizard.requested(args)
  // The wizard asks for the command's arguments and flags: given too, they would come twice.
  const beside = wizard ? Wizard.givenBeside(args, subcommandNames) : undefined
  const parsed = beside?.subcommand !== undefined && beside.given.length > 0
    ? Effect.fail(
      new UsageError({
        command: beside.subcommand,
        message: `--wizard asks for the command's arguments and flags itself: give none beside it ` +
          `(effect-mcp ${beside.subcommand} --wizard), not ${beside.given.join(" ")}`
      })
    )
    // effect/cli writes `--wizard` on stdout and ends a cancelled one as a success: see `Wizard`.
    : wizard
    ? Wizard.onStderr(Command.runWith(wizardCommand, { version })(args))
    : Command.runWith(command, { version })(args)
  return parsed.pipe(
    Effect.catchCause(report),
    Effect.provide(CliOutput.layerPresenter(presenter)),
    Effect.provide(parsing)
  )
}

/**
 * The CLI's main program: {@link program} under `GracefulShutdown.runMain`, logs on stderr. The
 * process exits once the command is done (its output written), even when the module left
 * something running that would keep Node up (a timer, a client's socket opened at import).
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const main = (args: ReadonlyArray<string> = process.argv.slice(2)): void => {
  GracefulShutdown.runMain(Effect.andThen(program(args), exitOnceWritten), { logToStderr: true })
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

const exitCodes = { failure: 1, usage: 2 } as const

/**
 * Writes a command's output (`inspect`'s description, `install`'s printed configuration) on
 * stdout. Not through `console.log`: by then it writes to stderr (`Run.redirectConsoleToStderr`,
 * so that what the module logs stays out of the output).
 */
const print = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(`${text}\n`))

/**
 * `~` and `~/…` named from the home folder: a shell leaves `--config=~/.cursor/mcp.json` as it is
 * (it expands `~` at the start of a word only), and resolved from the working directory it made
 * a folder named `~` there. `~user` is left as it is.
 */
const inHome = (file: string, home: string, path: Path.Path): string =>
  file === "~" ? home : /^~[\\/]/.test(file) ? path.join(home, file.slice(2)) : file

const colors = (stream: NodeJS.WriteStream): boolean => Colors.colors(stream.isTTY, process.env)

/** Whether `pair` is `KEY=VALUE`: a name before its first `=`, the value (possibly empty) after. */
const isPair = (pair: string): boolean => pair.indexOf("=") > 0

/** The variables `--env` pairs set (the last of one name wins), or `undefined` when one is not a pair. */
const environmentOf = (pairs: ReadonlyArray<string>): Record<string, string> | undefined => {
  const environment: Record<string, string> = {}
  for (const pair of pairs) {
    if (!isPair(pair)) return undefined
    const separator = pair.indexOf("=")
    environment[pair.slice(0, separator)] = pair.slice(separator + 1)
  }
  return environment
}

/** Help on stdout; an invalid invocation on stderr only (never on a stdio server's stdout). */
const presenter: CliOutput.Presenter = {
  present: (event) => {
    switch (event._tag) {
      // Written, not logged: with `--wizard`, what is logged goes to stderr (see `Wizard`).
      case "Help":
        return print(CliOutput.defaultFormatter({ colors: colors(process.stdout) }).formatHelpDoc(event.helpDoc))
      case "Version":
        return print(`effect-mcp ${event.version}`)
      case "InvalidInvocation":
        return Console.error(
          `${CliOutput.defaultFormatter({ colors: colors(process.stderr) }).formatErrors(event.errors).trim()}\n` +
            `Run "${event.commandPath.join(" ")} --help" for usage.`
        )
    }
  }
}

/** Reports a failure on stderr and sets the exit code; an interruption (a signal) goes on. */
const report = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const error = Cause.findError(cause)
  const failure = error._tag === "Success" ? error.success : undefined
  if (CliError.isCliError(failure)) {
    // Already presented (help, or the parse errors with a pointer to --help).
    if (!(failure._tag === "ShowHelp" && failure.errors.length === 0)) process.exitCode = exitCodes.usage
    return Effect.void
  }
  if (failure instanceof UsageError) {
    process.exitCode = exitCodes.usage
    return Console.error(`effect-mcp ${failure.command}: ${failure.message}\nRun "effect-mcp ${failure.command} --help" for usage.`)
  }
  // An MCP_HTTP_* variable `run --http` cannot use: an invalid input, as an invalid flag is.
  if (failure instanceof HttpConfigError) {
    process.exitCode = exitCodes.usage
    return Console.error(`effect-mcp run: ${failure.message}\nRun "effect-mcp run --help" for usage.`)
  }
  process.exitCode = exitCodes.failure
  if (typeof failure === "object" && failure !== null && "message" in failure && typeof failure.message === "string") {
    return Console.error(`effect-mcp: ${failure.message}`)
  }
  return Console.error(`effect-mcp: ${Cause.pretty(cause)}`)
}
