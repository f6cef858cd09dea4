/**
 * A graceful shutdown of a process serving MCP: asked once (SIGTERM, SIGINT or SIGHUP, through
 * {@link runMain}), carried out by the transports, reported in the exit code.
 *
 * When it is requested, transports stop accepting (stdio answers new requests -32000 "Server
 * shutting down", reading on only for the client's answers to the server's requests; Streamable
 * HTTP answers new requests 503 with a JSON-RPC error) and end their sessions: in-flight requests finish, or
 * are interrupted after the session's `shutdownTimeoutMillis`. Transports that must finish before
 * the process stops {@link GracefulShutdown.hold | hold} it; once every hold is released the main
 * fiber is stopped. A second signal stops it at once; one that comes within
 * {@link repeatedSignalMillis} of the first is that signal delivered again (a wrapper relaying it:
 * `timeout`, `npm run`, a process group's signal) and is ignored. The exit code is 0 after a clean
 * drain, 143 when requests were cut short (by the shutdown timeout, or a second signal) or their answers were (a client, over stdio or an SSE
 * stream, that did not read them within the shutdown timeout), and 130, 143 or 129 (SIGINT,
 * SIGTERM or SIGHUP) when the signal came while nothing served yet (a Layer still building, a one-shot
 * command): it interrupted work that had nothing to drain. The transports say when they start serving
 * ({@link GracefulShutdownState.markServing}): a session's stdio (or other) connection open, a
 * Streamable HTTP endpoint up.
 *
 * Outside {@link runMain} the service is a default that is never requested: nothing changes.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import * as Runtime from "effect/Runtime"
import { forLog } from "../internal/loggedCause.ts"
import { refusesMain } from "../internal/mainGuard.ts"
import { warnIfUnsupported } from "../internal/nodeVersion.ts"
import { logStartFailure, SaidStartFailure } from "./internal/startFailure.ts"

/**
 * The shutdown state a transport or session reads from its context.
 *
 * @since 0.2.0
 * @category models
 */
export interface GracefulShutdownState {
  /** Completes when a graceful shutdown is requested. */
  readonly requested: Effect.Effect<void>
  /** Whether a graceful shutdown has been requested. */
  readonly isRequested: () => boolean
  /** Requests it (idempotent). */
  readonly request: () => void
  /**
   * Calls `listener` once when a shutdown is requested (at once if it already was); returns its
   * removal. A transport that only needs to stop reading uses this instead of a fiber waiting on
   * {@link GracefulShutdownState.requested}.
   */
  readonly onRequest: (listener: () => void) => () => void
  /**
   * Registers something that must finish draining before the process stops; returns its
   * release (idempotent). Holding marks the program serving ({@link GracefulShutdownState.markServing}):
   * what drains, serves.
   */
  readonly hold: () => () => void
  /** Completes once a shutdown was requested and every hold is released. */
  readonly drained: Effect.Effect<void>
  /**
   * Records that in-flight work was interrupted instead of finishing (a session's shutdown
   * timeout), or its output given up on (a client that did not read it within that timeout).
   */
  readonly markCutShort: () => void
  /** Whether in-flight work was cut short. */
  readonly isCutShort: () => boolean
  /**
   * Records that the program serves (once: it stays so): a transport calls it when it starts
   * serving (a session's connection opened, an HTTP endpoint up; {@link GracefulShutdownState.hold}
   * does too). A signal that {@link runMain} receives before it is told is an interruption of a
   * program that never served (exit 130 or 143), not the start of a drain (exit 0).
   */
  readonly markServing: () => void
  /** Whether the program serves ({@link GracefulShutdownState.markServing}). */
  readonly isServing: () => boolean
  /**
   * Records that the shutdown interrupted work that has nothing to drain and did not finish:
   * {@link runMain} then exits as an interrupted command does, 128 + the signal's number (130 for
   * SIGINT, 143 for SIGTERM, 129 for SIGHUP), not 0. `runMain` marks it itself when the signal came while nothing
   * served; a program that served and then does such work (and is stopped in it) may mark it too.
   * Ignored until a shutdown is requested.
   */
  readonly markInterrupted: () => void
  /** Whether work was interrupted by the shutdown ({@link GracefulShutdownState.markInterrupted}). */
  readonly isInterrupted: () => boolean
}

/**
 * Makes a shutdown state: never requested until `request` is called.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (): GracefulShutdownState => {
  const requested = Deferred.makeUnsafe<void>()
  const drained = Deferred.makeUnsafe<void>()
  let isRequested = false
  let holds = 0
  let cutShort = false
  let serving = false
  let interrupted = false
  const listeners = new Set<() => void>()
  const checkDrained = () => {
    if (isRequested && holds === 0) Deferred.doneUnsafe(drained, Exit.void)
  }
  return {
    requested: Deferred.await(requested),
    isRequested: () => isRequested,
    request: () => {
      if (isRequested) return
      isRequested = true
      Deferred.doneUnsafe(requested, Exit.void)
      for (const listener of listeners) listener()
      listeners.clear()
      checkDrained()
    },
    onRequest: (listener) => {
      if (isRequested) {
        listener()
        return () => {}
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    hold: () => {
      serving = true
      holds++
      let released = false
      return () => {
        if (released) return
        released = true
        holds--
        checkDrained()
      }
    },
    drained: Deferred.await(drained),
    markCutShort: () => {
      if (isRequested) cutShort = true
    },
    isCutShort: () => cutShort,
    markServing: () => {
      serving = true
    },
    isServing: () => serving,
    markInterrupted: () => {
      if (isRequested) interrupted = true
    },
    isInterrupted: () => interrupted
  }
}

const never: GracefulShutdownState = {
  requested: Effect.never,
  isRequested: () => false,
  request: () => {},
  onRequest: () => () => {},
  hold: () => () => {},
  drained: Effect.never,
  markCutShort: () => {},
  isCutShort: () => false,
  markServing: () => {},
  isServing: () => false,
  markInterrupted: () => {},
  isInterrupted: () => false
}

/**
 * The shutdown state of the running program: {@link runMain} provides a live one; elsewhere it
 * is never requested.
 *
 * @since 0.2.0
 * @category services
 */
export const GracefulShutdown: Context.Reference<GracefulShutdownState> = Context.Reference<GracefulShutdownState>(
  "effect-mcp-server/GracefulShutdown",
  { defaultValue: () => never }
)

/**
 * Tells the running program's shutdown, if one was requested, that it interrupted work that
 * did not finish ({@link GracefulShutdownState.markInterrupted}): {@link runMain} then exits 130
 * or 143. For work stopped after the program served (before, {@link runMain} knows it already).
 *
 * @since 0.2.0
 * @category services
 */
export const markInterrupted: Effect.Effect<void> = Effect.flatMap(GracefulShutdown, (shutdown) => Effect.sync(shutdown.markInterrupted))

/**
 * Tells the running program's shutdown that the program serves ({@link GracefulShutdownState.markServing}):
 * a signal from now on is a drain's (exit 0 when it is clean), not an interruption. The transports
 * call it themselves; for a program that drains something of its own on a signal (`effect-mcp
 * dev`, which stops its server child).
 *
 * @since 0.2.0
 * @category services
 */
export const markServing: Effect.Effect<void> = Effect.flatMap(GracefulShutdown, (shutdown) => Effect.sync(shutdown.markServing))

/** Exit codes: a clean end, a failure, a drain cut short (128 + SIGTERM). */
const exitCodes = { clean: 0, failure: 1, cutShort: 143, interrupted: 130 } as const

/** The exit code of a command a signal interrupted: 128 + the signal's number, as shells report it. */
const signalExitCodes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const

/**
 * How long after the first signal another one is that signal delivered again, not a second one
 * (ignored, the drain goes on): a wrapper that relays the signals it gets to its child while
 * the child got them too (GNU `timeout` sends its child the signal and then its whole process
 * group, `npm run` relays the SIGINT the terminal sent to the whole group) makes two of one. A
 * second signal that stops at once is one sent on purpose, later. Counted on a monotonic clock.
 *
 * @since 0.2.0
 * @category constants
 */
export const repeatedSignalMillis = 1_000

/**
 * Runs an MCP server as the process's main program, with a graceful shutdown.
 *
 * **Details**
 *
 * On the first SIGTERM, SIGINT or SIGHUP (a closed terminal), the shutdown is requested: transports
 * stop accepting and drain (in-flight requests finish within the sessions' `shutdownTimeoutMillis`),
 * then the program is stopped. A second signal stops it at once (finalizers still running are not
 * waited for); one within {@link repeatedSignalMillis} (1 s) of the first is that one delivered
 * again (a wrapper relaying it: `timeout`, `npm run`, a signal to the process group) and is
 * ignored. Exit code: 0 after a clean end or drain, 143 when the drain was cut short (whatever
 * the signal), 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP: 128 + the signal's number, as a shell
 * reports a command it ended) when the signal came while nothing served yet (its Layer still building, a database
 * connecting; a program that never serves MCP; see {@link GracefulShutdownState.markServing}) or
 * the program marked its work interrupted (`markInterrupted`), 1 after a failure
 * (reported on stderr when `logToStderr`, else by the logger: "the server could not start: …",
 * with the error's own message, before it served, "the server stopped" after; not again when a
 * stdio server's build said it on stderr itself, nor when the error is marked reported,
 * `Runtime.errorReported` false, as Effect's own `runMain` does), and 1 when the program waits for
 * something nothing left can do (the event loop is empty: a promise that never settles), said on
 * stderr. Without a signal, a program that ends by itself (stdio at end of input) exits as usual.
 * Called by a server module as the `effect-mcp` CLI imports it (at its top level, not guarded by
 * `if (import.meta.main)`), it runs nothing: the CLI serves the module's exports, and refuses it.
 *
 * **Example** (An HTTP server that drains on SIGTERM)
 *
 * ```ts
 * McpServer.serve({ name: "demo", version: "1.0.0" }, Components, StreamableHttp.make({ port: 3000 }))
 *   .pipe(GracefulShutdown.runMain)
 * ```
 *
 * @since 0.2.0
 * @category running
 */
export const runMain = <A, E>(
  effect: Effect.Effect<A, E>,
  options: { readonly logToStderr?: boolean | undefined } = {}
): void => {
  // A second server beside the CLI's, on its stdin: the CLI says so (see internal/mainGuard.ts).
  if (refusesMain()) return
  // An unsupported Node (engines.node): said once, on stderr, before anything can fail there.
  warnIfUnsupported()
  const shutdown = make()
  // What a stdio server's build said itself, on stderr (see `reportingStartFailure`).
  const said: SaidStartFailure = { said: false, error: undefined }
  const program = effect.pipe(
    // Before it served (its Layer's build, its listen), it could not start: said so, with the error's
    // own message. One said already (by a stdio server's build, or marked reported:
    // `Runtime.errorReported` false) is not said again.
    Effect.tapCause((cause) => {
      if (Cause.hasInterruptsOnly(cause)) return Effect.void
      const error = Cause.squash(cause)
      return (said.said && error === said.error) || !Runtime.getErrorReported(error)
        ? Effect.void
        : shutdown.isServing()
        ? Effect.logError("effect-mcp-server: the server stopped", forLog(cause))
        : logStartFailure(cause)
    }),
    Effect.provideService(SaidStartFailure, said),
    Effect.provideService(GracefulShutdown, shutdown),
    options.logToStderr === true ? Effect.provideService(References.LogToStderr, true) : (self) => self
  )
  let signalled: keyof typeof signalExitCodes | undefined
  let signalledAt = 0
  let forced = false
  /** The code of a program a signal stopped: an interruption's, a drain's cut short, a clean drain's. */
  const signalledCode = (signal: keyof typeof signalExitCodes): number =>
    shutdown.isInterrupted()
      ? signalExitCodes[signal]
      : forced || shutdown.isCutShort()
      ? exitCodes.cutShort
      : exitCodes.clean
  let fiber: Fiber.Fiber<A, E> | undefined
  // Whether the program served is read when the signal comes (Node passes a listener the signal's
  // number too: not read as that): a transport may start serving before a signal deferred below
  // is handled.
  // When it came (`performance.now()`: monotonic), read as it comes too: see `repeatedSignalMillis`.
  const onSignal = (signal: keyof typeof signalExitCodes): void => handleSignal(signal, shutdown.isServing(), performance.now())
  const handleSignal = (signal: keyof typeof signalExitCodes, serving: boolean, at: number): void => {
    // Emitted while the program's synchronous start runs (`process.emit`: Node delivers a real
    // signal on a later turn of the loop, once `runFork` returned): handled once it returned.
    if (fiber === undefined) return void setImmediate(() => handleSignal(signal, serving, at))
    const running = fiber
    if (signalled !== undefined) {
      // The first signal delivered again (a wrapper relaying it, see `repeatedSignalMillis`): not
      // the operator's second. Taken as one, it cut the calls the drain lets finish (-32000).
      if (at - signalledAt < repeatedSignalMillis) return
      // A second signal: stop now. What interrupting ends at once is ended; a finalizer that would
      // take longer (one that never finishes, say) is not waited for.
      forced = true
      running.interruptUnsafe()
      if (running.pollUnsafe() === undefined) process.exit(signalledCode(signalled))
      return
    }
    signalled = signal
    signalledAt = at
    shutdown.request()
    // Nothing served yet (a Layer still building): nothing to drain, the signal interrupts a
    // program that never ran, and a supervisor must not read the 0 of a clean drain.
    if (!serving) shutdown.markInterrupted()
    Effect.runFork(Effect.andThen(shutdown.drained, Effect.sync(() => running.interruptUnsafe())))
  }
  // The event loop emptied while the program still runs: it waits for something nothing left can
  // complete (a promise that never settles, a Layer that never finishes building). Node would
  // exit 0 without a word; it is a failure, said on stderr.
  // Told the second time the loop empties with the program still running: `beforeExit` listeners
  // added after this one may still schedule work (a flush), given one more turn of the loop.
  let stalled = false
  let emptied = 0
  const onBeforeExit = () => {
    if (fiber === undefined || fiber.pollUnsafe() !== undefined || stalled) return
    if (++emptied < 2) {
      setImmediate(() => {})
      return
    }
    stalled = true
    process.stderr.write(
      "effect-mcp-server: the program stopped: it waits for something that can never happen (nothing is left to run: " +
        "a promise never settled, Effect.never, a Layer that never finishes)\n"
    )
    process.exit(exitCodes.failure)
  }
  // Listening before the program starts: it runs at once, until its first wait, before
  // `runFork` returns (a Layer's synchronous start, a top-level loop); a signal that arrives
  // meanwhile would otherwise find no listener and kill the process as Node does by default,
  // without the drain or the exit code.
  // SIGHUP (the terminal closed: an ssh session dropped, a terminal window shut) drains as
  // SIGTERM does; Node's default for it ended the process at once, the in-flight calls cut.
  process.on("SIGHUP", onSignal)
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  process.on("beforeExit", onBeforeExit)
  fiber = Effect.runFork(program)
  fiber.addObserver((exit) => {
    process.off("beforeExit", onBeforeExit)
    const failed = exit._tag === "Failure" && !Cause.hasInterruptsOnly(exit.cause)
    const code = failed
      ? exitCodes.failure
      : signalled !== undefined
      ? signalledCode(signalled)
      : exit._tag === "Failure"
      ? exitCodes.interrupted
      : exitCodes.clean
    // Exiting with `code`: the signal listeners stay until the process is gone. Removed, a signal
    // that came while it exits (the first one relayed late by a wrapper, see
    // `repeatedSignalMillis`) found Node's default action and ended it by that signal instead.
    if (signalled !== undefined || code !== exitCodes.clean) return process.exit(code)
    process.off("SIGHUP", onSignal)
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
  })
}
