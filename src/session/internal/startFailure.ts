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
 * `server`, which a stdio server builds, saying itself that it could not start (on stderr: built
 * under `References.LogToStderr`), for when what runs it would say it on stdout (see
 * `McpServer.serve`). Said, the error is marked reported (`Runtime.errorReported`,
 * non-enumerable), so that `NodeRuntime.runMain` (and `GracefulShutdown.runMain`) do not say it
 * again there. Not said when it cannot be marked (a defect that is no object, a frozen one) or
 * says already whether it is reported: the runner says it then, as before.
 */
export const reportingStartFailure = <A, E, R>(server: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  Layer.tapCause(server, (cause) =>
    Cause.hasInterruptsOnly(cause) || !markedReported(Cause.squash(cause)) ? Effect.void : logStartFailure(cause))

/** Marks `error` reported (see {@link reportingStartFailure}); whether it did. */
const markedReported = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null || !Object.isExtensible(error)) return false
  if (typeof (error as { readonly [Runtime.errorReported]?: unknown })[Runtime.errorReported] === "boolean") return false
  Object.defineProperty(error, Runtime.errorReported, { value: false, writable: true, configurable: true, enumerable: false })
  return true
}
