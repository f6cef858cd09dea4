/**
 * A server that could not start (its Layer failed to build, or it failed before it served: a
 * registration refused, a port taken), as the library says it: "the server could not start", with
 * the error's own message. `GracefulShutdown.runMain` says it so; a stdio server (`McpServer.serve`
 * over the process's stdout) says it itself, on stderr, when what runs it would say it on stdout,
 * the protocol's stream (`NodeRuntime.runMain`, `GracefulShutdown.runMain` without `logToStderr`).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Runtime from "effect/Runtime"
import { clip } from "../../internal/clip.ts"
import { forLog, maxLoggedMessage } from "../../internal/loggedCause.ts"

/**
 * Logs (at error level) that the server could not start: a `RegistrationError` (told by its tag:
 * the server's module is above this one) as its message and the line it names, no tag nor library
 * frame, its `cause` left out (a library check's own stack, or what its message already says);
 * anything else with its cause after the words.
 */
export const logStartFailure = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  const error = Cause.squash(cause)
  if (Predicate.isTagged(error, "RegistrationError")) {
    const { message, site } = error as { readonly message?: unknown; readonly site?: unknown }
    return Effect.logError(
      `effect-mcp-server: the server could not start: ${clip(String(message), maxLoggedMessage)}${typeof site === "string" ? `\n    at ${site}` : ""}`
    )
  }
  return Effect.logError("effect-mcp-server: the server could not start:", forLog(cause))
}

/**
 * What a stdio server's build said itself under `GracefulShutdown.runMain` (see
 * {@link reportingStartFailure}): the runner provides one, and does not say that error again.
 */
export interface SaidStartFailure {
  /** Whether the build said its failure. */
  said: boolean
  /** The failure it said (`Cause.squash` of its cause). */
  error: unknown
}

/**
 * The {@link SaidStartFailure} of the `GracefulShutdown.runMain` running the program; `undefined`
 * under any other runner.
 */
export const SaidStartFailure = Context.Reference<SaidStartFailure | undefined>("effect-mcp-server/SaidStartFailure", {
  defaultValue: () => undefined
})

/**
 * `server`, which a stdio server builds, saying itself that it could not start (on stderr: built
 * under `References.LogToStderr`), for when what runs it would say it on stdout (see
 * `McpServer.serve`); not an error that says it was reported already (`Runtime.errorReported`
 * false), as Effect's `runMain` does not. Under `GracefulShutdown.runMain` it tells the runner
 * through {@link SaidStartFailure}, whatever the error (a string, a frozen object), which is left
 * untouched. Under another runner (`NodeRuntime.runMain`) the error is marked reported
 * (`Runtime.errorReported`, non-enumerable: the one thing Effect's `runMain` reads, as Effect's own
 * CLI marks a user's error it printed), so that it is not said again there; one that cannot be
 * marked (no object, a frozen one, one that says it is to be reported) is said on stderr all the
 * same, where a client shows it, and the runner says it again, on stdout.
 */
export const reportingStartFailure = <A, E, R>(server: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  Layer.tapCause(server, (cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.void
    const error = Cause.squash(cause)
    if (!Runtime.getErrorReported(error)) return Effect.void
    return Effect.flatMap(SaidStartFailure, (runner) => {
      if (runner !== undefined) {
        runner.said = true
        runner.error = error
      } else markReported(error)
      return logStartFailure(cause)
    })
  })

/**
 * Marks `error` reported (see {@link reportingStartFailure}) where it can: a proxy that refuses
 * (throws) leaves it unmarked, never its own error in place of the failure.
 */
const markReported = (error: unknown): void => {
  if (typeof error !== "object" || error === null) return
  try {
    if (!Object.isExtensible(error)) return
    if (typeof (error as { readonly [Runtime.errorReported]?: unknown })[Runtime.errorReported] === "boolean") return
    Object.defineProperty(error, Runtime.errorReported, { value: false, writable: true, configurable: true, enumerable: false })
  } catch {
    // Unmarked: the runner says it again.
  }
}
