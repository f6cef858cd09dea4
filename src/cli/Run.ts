/**
 * Serving a server module: `effect-mcp run <file> [--stdio | --http --port N --host H --allowed-hosts A,B] [--[no-]stateless]`.
 *
 * - **stdio** (the default): stdout carries only protocol messages. Logs go to stderr, and so do
 *   `console.log`, `console.info`, `console.debug`, `console.dir` and the like (redirected before
 *   the module is loaded, so a stray `console.log` in a handler cannot corrupt the stream); only a
 *   direct `process.stdout.write` could still break it. The process ends at end of input.
 * - **http**: Streamable HTTP at `http://<host>:<port>/mcp` (127.0.0.1:3000 by default), one
 *   line logged once it listens; a port that cannot be bound ends the command with an error
 *   naming it ({@link PortUnavailable}). The `MCP_HTTP_*` variables that `StreamableHttp.fromConfig`
 *   reads (limits, body sizes, sessions, CORS, health path, keep-alive timeout, host, port…) are
 *   honoured, the flags winning over them; one that cannot be used is an `HttpConfigError`.
 *
 * Both drain on SIGTERM, SIGINT or SIGHUP (a closed terminal; see `GracefulShutdown.runMain`,
 * which runs the CLI). A signal before the server serves (while its components are built) stops it
 * as an interrupted command (exit 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), not with a
 * drain's 0.
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import { closeSync, writeSync } from "node:fs"
import { finished } from "node:stream"
import { inspect } from "node:util"
import { redirectConsoleToStderr as redirectConsole } from "../internal/console.ts"
import * as McpServer from "../server/McpServer.ts"
import { isRegistrationError } from "../server/RegistrationError.ts"
import * as GracefulShutdown from "../session/GracefulShutdown.ts"
import { OnListening } from "../transport/http/internal/listening.ts"
import * as StreamableHttp from "../transport/http/StreamableHttp.ts"
import * as Stdio from "../transport/Stdio.ts"
import type { ServerModule } from "./ServerModule.ts"

/**
 * How the server is served.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export type Mode =
  | {
    readonly _tag: "Stdio"
    /**
     * The session's principal from `MCP_SUBJECT` and `MCP_SCOPES` (`Stdio.principalFromEnvironment`):
     * what a client's configuration sets for the server it starts. Default: no principal.
     */
    readonly principalFromEnvironment?: boolean | undefined
  }
  | {
    readonly _tag: "Http"
    /**
     * The flags' options: each one given wins over its `MCP_HTTP_*` variable, which the server reads
     * (`StreamableHttp.fromConfig`) with the others (limits, health path, CORS…); one neither sets
     * keeps its default (127.0.0.1, port 3000, with sessions, the loopback names).
     */
    readonly host?: string | undefined
    readonly port?: number | undefined
    readonly stateless?: boolean | undefined
    /** The host names requests may name (`StreamableHttp` `allowedHosts`); default: the loopback names. */
    readonly allowedHosts?: ReadonlyArray<string> | "any" | undefined
    /**
     * A file descriptor (open for writing, a pipe from `dev`) the port the server listens on is
     * written to, as a line, once it serves (whatever the log level): `dev` starts its server on
     * port 0 and relays to the port it tells. Default: none.
     */
    readonly reportPortTo?: number | undefined
  }

/**
 * The HTTP server could not listen (the port is taken, not allowed, or the host is not local).
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class PortUnavailable extends Data.TaggedError("PortUnavailable")<{ readonly error: StreamableHttp.ListenError }> {
  override get message(): string {
    const code = this.error.code
    const hint = code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME"
      ? "choose another address with --host"
      : "choose another port with --port <n>"
    return `${this.error.message}; ${hint}`
  }
}

/**
 * The server stopped with a failure: its components could not be built, or it failed while
 * serving.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class ServerFailed extends Data.TaggedError("ServerFailed")<{ readonly cause: Cause.Cause<unknown> }> {
  override get message(): string {
    // Interrupted with no signal (see `failed`): what the pretty cause alone does not say.
    const interrupted = Cause.hasInterruptsOnly(this.cause)
      ? "it was interrupted, though no signal came (a fiber its components wait for was interrupted): "
      : ""
    return `the server failed: ${interrupted}${Cause.pretty(withFieldsAsMessages(this.cause))}${advice(this.cause)}`
  }
}

/**
 * Sends what `console` writes to stdout to stderr (stdio servers call it before loading the
 * module: stdout is the protocol's; so do `inspect` and `install`, whose output stdout is):
 * `console.log`, `info`, `debug`, `dir` and `dirxml`, and what writes through `console.log`
 * (`table`, `count`, `group`, `timeEnd`…).
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const redirectConsoleToStderr: Effect.Effect<void> = Effect.sync(redirectConsole)

/**
 * Drains the server (as SIGTERM does) once stdin ends: `dev` starts its server as
 * `run --http --exit-with-stdin` with a pipe as stdin that it never writes to, so that the server
 * ends with `dev` however `dev` ends, SIGKILL included (the server runs in a process group of its
 * own, which no signal aimed at `dev`'s group reaches).
 *
 * **Details**
 *
 * Why a pipe: when a process ends, whatever ends it, the system closes its files, and the other
 * end of a pipe it held then reads end-of-file, on every platform and in any runtime. An IPC
 * channel (`disconnect`) would work too, but it is Node's own and it defines `process.send` in
 * the server, which code takes for a cluster worker or a process manager's child; Linux's
 * parent-death signal is out of Node's reach (and Linux only); watching the parent's pid is late
 * and fooled by a reused pid. On Windows, signalling oneself ends the process at once (no
 * drain): the port is freed all the same.
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const exitWithStdin: Effect.Effect<void> = Effect.sync(() => {
  const stdin = process.stdin
  let ended = false
  // The end of input, an error or a close without an end: the parent is gone either way.
  finished(stdin, () => {
    if (ended) return
    ended = true
    process.kill(process.pid, "SIGTERM")
  })
  // Its parent's pipes end with it: `dev` reads the server's stderr through one (to rewrite its
  // listening line). A write there once `dev` is gone fails (EPIPE), and that error, unheard,
  // ended the process at once, in the middle of its drain (a finalizer's, a handler's last
  // words): what is written after the parent is gone is lost, and the drain goes on.
  process.stdout.on("error", ignoreWriteError)
  process.stderr.on("error", ignoreWriteError)
  // Read (and drop) what comes: the end is seen only by a reader.
  stdin.resume()
  // Not a reason to stay up: a server that stops by itself (a busy port) still exits.
  if ("unref" in stdin && typeof stdin.unref === "function") stdin.unref()
})

/**
 * Writes `port` as a line to the descriptor `fd` and closes it (see `Mode`'s `reportPortTo`); a
 * reader gone (`dev` ended meanwhile: the server drains as its stdin ends) is no failure.
 */
const reportPort = (fd: number, port: number): void => {
  try {
    writeSync(fd, `${port}\n`)
    closeSync(fd)
  } catch {
    // The pipe's reader is gone, or the descriptor was not open: no one to tell.
  }
}

/** A failed write to stdout or stderr, whose reader is gone (see {@link exitWithStdin}). */
const ignoreWriteError = (): void => {}

/**
 * Whether `host` (an address to listen on) is this machine's loopback only: `localhost`,
 * `127.x.x.x` (also IPv4-mapped) or `::1`. Any other (`0.0.0.0`, `::`, an interface's address)
 * serves other machines.
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const isLoopback = (host: string): boolean => {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/^::ffff:/, "")
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}

/**
 * Serves `server` as `mode` says, until end of input (stdio) or until interrupted (HTTP). A
 * shutdown that stops it before its components were built exits as interrupted (see
 * `GracefulShutdown.runMain`): nothing was served, so nothing drained.
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const serve = (
  server: ServerModule,
  mode: Mode
): Effect.Effect<void, PortUnavailable | ServerFailed | StreamableHttp.HttpConfigError> => {
  const served: Effect.Effect<void, unknown> = mode._tag === "Stdio"
    ? McpServer.serve(
      server.options,
      server.components,
      Stdio.make(mode.principalFromEnvironment === true ? { principal: Stdio.principalFromEnvironment() } : {})
    )
    : McpServer.serve(
      server.options,
      server.components,
      // The environment's MCP_HTTP_* variables under the flags (an option given as undefined is not given).
      StreamableHttp.fromConfig({ host: mode.host, port: mode.port, stateless: mode.stateless, allowedHosts: mode.allowedHosts })
    )
  const reportPortTo = mode._tag === "Http" ? mode.reportPortTo : undefined
  return served.pipe(
    reportPortTo === undefined ? identity : Effect.provideService(OnListening, (port) => reportPort(reportPortTo, port)),
    Effect.catchCause((cause): Effect.Effect<never, PortUnavailable | ServerFailed | StreamableHttp.HttpConfigError> => {
      const defect = Cause.findDefect(cause)
      if (defect._tag === "Success" && defect.success instanceof StreamableHttp.ListenError) {
        return Effect.fail(new PortUnavailable({ error: defect.success }))
      }
      // A variable that cannot be used (its value, or with another's: MCP_HTTP_HEALTH_PATH the
      // path): told as the variable and its problem, as an invalid flag is, not as a failed server.
      if (defect._tag === "Success" && defect.success instanceof StreamableHttp.HttpConfigError) {
        return Effect.fail(defect.success)
      }
      return failed(cause)
    })
  )
}

/**
 * A server's failure as the CLI tells it: an interruption while a shutdown is requested (a signal
 * stopped the server, or its components being built) goes on as one (`GracefulShutdown.runMain`
 * exits 130 or 143); any other cause is {@link ServerFailed}, an interruption of the components'
 * own making included (a fiber they join was interrupted): no signal came, and the 130 of an
 * interruption, without a word, would tell of a Ctrl+C.
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const failed = (cause: Cause.Cause<unknown>): Effect.Effect<never, ServerFailed> =>
  Effect.flatMap(
    GracefulShutdown.GracefulShutdown,
    (shutdown) =>
      Cause.hasInterruptsOnly(cause) && shutdown.isRequested()
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.fail(new ServerFailed({ cause }))
  )

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * What to do, when the cause says it: a service the components use that nothing provides (Effect
 * dies with "Service not found: <key>"; a module without `satisfies ServerModule`, or in
 * JavaScript, is not told by the type checker).
 */
const advice = (cause: Cause.Cause<unknown>): string =>
  cause.reasons.some((reason) =>
      reason._tag === "Die" && reason.defect instanceof Error && reason.defect.message.startsWith("Service not found")
    )
    ? "\nthe components use a service that nothing provides: provide it in the exported components " +
      "(Layer.provide(components, its Layer)); they may require only the McpServer"
    : ""

/** What an error has that is not one of its fields. */
const notFields = new Set(["_tag", "name", "message", "stack", "cause"])

/**
 * `cause` with each error that has no message but fields (an Effect tagged error, as a Layer fails
 * with one: `new DbDown({ host, port })`) given its fields as its message: `Cause.pretty` prints
 * an error's name and message, and that one was `DbDown: `, what went wrong left out. Its stack,
 * cause and annotations are kept. A `RegistrationError` is printed without its cause (see
 * `registrationAsItself`).
 */
const withFieldsAsMessages = (cause: Cause.Cause<unknown>): Cause.Cause<unknown> => {
  let changed = false
  const reasons = cause.reasons.map((reason): Cause.Reason<unknown> => {
    if (reason._tag === "Interrupt") return reason
    const value = reason._tag === "Fail" ? reason.error : reason.defect
    const described = fieldsAsMessage(value) ?? registrationAsItself(value)
    if (described === undefined) return reason
    changed = true
    const made = reason._tag === "Fail" ? Cause.makeFailReason(described) : Cause.makeDieReason(described)
    return made.annotate(Cause.reasonAnnotations(reason))
  })
  return changed ? Cause.fromReasons(reasons) : cause
}

/**
 * A `RegistrationError` printed as its message and the user's line only: its `cause` (what the
 * definition threw, a library check's own stack as often as not) is the program's to read, not
 * the CLI's to print.
 */
const registrationAsItself = (error: unknown) =>
  isRegistrationError(error) && error.cause !== undefined ? { name: error.name, message: error.message, stack: error.stack } : undefined

const fieldsAsMessage = (error: unknown) => {
  if (!(error instanceof Error) || error.message !== "") return undefined
  const fields = Object.entries(error).filter(([key]) => !notFields.has(key))
  if (fields.length === 0) return undefined
  return {
    name: error.name,
    message: inspect(Object.fromEntries(fields), { depth: 4, breakLength: Infinity }),
    stack: error.stack,
    cause: error.cause
  }
}
