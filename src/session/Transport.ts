/**
 * The interfaces a server is served over.
 *
 * A {@link Transport} moves bytes for one session: `open` gives the session its `Connection`
 * (a `read` effect that pulls parsed messages and a `write` function, or a push connection) and the
 * scope closes it. Stdio and the in-memory pair are transports.
 *
 * A {@link Listener} accepts many sessions (Streamable HTTP): `listen(run)` is a Layer that serves
 * every session it accepts with `run` for as long as the Layer lives. `McpServer.serve` takes
 * either, so the server module never depends on a particular transport (and a stdio server never
 * loads, or bundles, the HTTP stack).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Connection, PushConnection, TransportFailure } from "./Connection.ts"
import type { SessionOptions } from "./ServerSession.ts"

/**
 * A transport: opens the connection of one session; closing the scope closes the connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport<E = never> {
  readonly open: Effect.Effect<Connection | PushConnection, E, Scope.Scope>
  /**
   * The transport speaks the protocol on the process's stdout (`Stdio.make()` with its default
   * output): a server run over it logs to stderr (Effect's `References.LogToStderr`), however the
   * program is run (`Effect.runPromise`, `NodeRuntime.runMain`, not only `Stdio.runMain`), its
   * components' build included under `McpServer.serve`; a log line on stdout would be no JSON-RPC
   * message to the client. A build that fails under `McpServer.serve` says so itself, on stderr,
   * when the runner would say it on stdout (`NodeRuntime.runMain`, `GracefulShutdown.runMain`
   * without `logToStderr`), and the runner does not say it again (`NodeRuntime.runMain` is told by
   * the error marked reported, `Runtime.errorReported`: an error that cannot be marked, a string
   * or a frozen object, it prints again on stdout). What runs around the server
   * is not covered: a Layer provided outside `McpServer.serve`, and the runner's report of any other
   * failure (an input that failed: `NodeRuntime.runMain` logs it on stdout); `Stdio.runMain` sends
   * those to stderr too.
   *
   * @since 0.2.0
   */
  readonly usesProcessStdout?: boolean | undefined
}

/**
 * The session options a listener passes to `run` for each session it accepts.
 *
 * @since 0.1.0
 * @category models
 */
export type ListenerSessionOptions = Omit<SessionOptions, "serverCapabilities" | "onSession">

/**
 * A transport that accepts many sessions: `listen(run)` serves each accepted session with `run`
 * (for a server: `McpServer.run` or `LowLevelServer.run`) while the Layer lives.
 *
 * @since 0.1.0
 * @category models
 */
export interface Listener {
  readonly listen: <R>(
    run: (transport: Transport, options: ListenerSessionOptions) => Effect.Effect<void, TransportFailure, R>
  ) => Layer.Layer<never, never, R>
}

/**
 * Whether `u` is a {@link Listener} rather than a one-session {@link Transport}.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isListener = (u: Transport<any> | Listener): u is Listener => "listen" in u
