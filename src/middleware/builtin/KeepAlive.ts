/**
 * Keep-alive: pings idle clients, and reports those that stop answering.
 *
 * `onMessage` counts every inbound message of a session (requests, notifications and invalid
 * input; a client's answers to the server's own requests do not count). `onSession` wakes every
 * `interval`: when nothing arrived since it last woke (the session has been idle for at least
 * `interval`), it sends a `ping` and waits at most `timeout` for the answer. A ping without an
 * answer in time is a miss, logged as a warning; `maxMisses` consecutive misses are logged as an
 * error (once per run of misses). Any answer — a result or an error object — ends the run, and
 * so does any message of the client (it is alive). The
 * loop ends with the session, and on a session that cannot ping its client (a connection of the
 * 2026-07-28 era, which has no server→client requests; a stateless one). A connection is pinged
 * only once its `initialize` has been answered: before its first message it may be a 2026-07-28
 * client (stdio, in-memory), which takes no ping, and whose era is not known until it speaks.
 *
 * **Example** (Pinging clients idle for 30 seconds)
 *
 * ```ts
 * const Stack = McpServer.middleware(KeepAlive.middleware({ interval: "30 seconds", timeout: "10 seconds" }))
 * ```
 *
 * **Gotchas**
 *
 * The counting in `onMessage` is synchronous and calls `next` directly, so it keeps the session's
 * inline path for synchronous handlers. An idle client is pinged one to two `interval`s after its
 * last message (idleness is checked when the loop wakes). The logs go to the server's loggers
 * (annotated with `sessionId`), not to the client.
 *
 * Over Streamable HTTP a ping is a request outside any request: it goes on the session's
 * standalone GET stream. A 2025 client that has not opened that stream (the spec lets it not),
 * or has left it, is not pinged (nothing could carry the ping): its session is kept alive, or
 * ended, by the endpoint's idle timeout instead. A ping given up while the client left its stream
 * is not counted as missed.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as NumericOptions from "../../internal/options.ts"
import type { ServerSession } from "../../session/ServerSession.ts"
import * as Middleware from "../Middleware.ts"
import { durationOf, notWhat } from "./internal/config.ts"

/**
 * Options of {@link middleware}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How often idleness is checked; a session idle for at least this long is pinged. */
  readonly interval: Duration.Input
  /** How long to wait for the answer to a ping (default: `interval`). */
  readonly timeout?: Duration.Input | undefined
  /** Consecutive missed pings after which an error is logged (default 3). */
  readonly maxMisses?: number | undefined
}

/**
 * The keep-alive middleware; see the module documentation. An option out of range (an interval
 * or timeout that is not finite and > 0, a `maxMisses` that is not an integer >= 1) is a
 * `RangeError` naming it; an interval or timeout that is no duration at all (`"30 secs"`, none)
 * a `TypeError` naming it.
 *
 * **Example** (A ping every 30 seconds)
 *
 * ```ts
 * const Stack = McpServer.middleware(KeepAlive.middleware({ interval: "30 seconds", timeout: "10 seconds" }))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (options: Options): Middleware.Middleware<never> => {
  if (typeof options !== "object" || options === null) throw notWhat("KeepAlive", "the options", "an object ({ interval, ... })", options)
  const interval = durationOf("KeepAlive", "interval", options.interval)
  const intervalMillis = Duration.toMillis(interval)
  const timeoutMillis = Duration.toMillis(options.timeout === undefined ? interval : durationOf("KeepAlive", "timeout", options.timeout))
  const maxMisses = options.maxMisses ?? 3
  if (!(intervalMillis > 0 && Number.isFinite(intervalMillis))) {
    throw NumericOptions.outOfRange("KeepAlive", "interval", "a finite duration > 0", Duration.format(interval))
  }
  NumericOptions.check("KeepAlive", "timeout", timeoutMillis, NumericOptions.finiteMillis)
  NumericOptions.check("KeepAlive", "maxMisses", maxMisses, NumericOptions.integer(1))

  // Inbound messages per session; sessions are only held weakly.
  const activity = new WeakMap<ServerSession, { count: number }>()
  const stateOf = (session: ServerSession) => {
    let state = activity.get(session)
    if (state === undefined) activity.set(session, state = { count: 0 })
    return state
  }

  const loop = (session: ServerSession): Effect.Effect<void> =>
    Effect.gen(function*() {
      const state = stateOf(session)
      let seen = state.count
      let misses = 0
      // Over Streamable HTTP, a 2025 client without its GET stream open (as the spec allows, or
      // left): nothing can carry a ping. (A stateless session has no stream ever: its ping is
      // refused, which ends the loop.)
      const streamless = () => !session.stateless && session.untiedReachable?.() === false
      while (true) {
        yield* Effect.sleep(interval)
        if (state.count !== seen) {
          seen = state.count
          // The client spoke: it is alive, and its run of missed pings ends (counted on across
          // its activity, a client that never answers pings was said gone while it called tools).
          misses = 0
          continue
        }
        // Not before the handshake is answered: a connection that has not spoken yet may be a
        // 2026-07-28 client (stdio, in-memory), which takes no server→client request, and a ping
        // before its first message was sent to it (and missed, warned of, every interval).
        if (!handshaken(session.phase)) continue
        // No stream to carry it: a ping would wait for one and be reported missed of a client
        // that is only idle. Not pinged; asked again at the next wake.
        if (streamless()) continue
        const exit = yield* Effect.exit(session.request("ping", undefined, { timeoutMillis }))
        if (exit._tag === "Success") {
          misses = 0
          continue
        }
        const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
        // Closed; or a session that cannot ping its client, nothing sent: a connection of the
        // 2026-07-28 era (no server→client requests: every request carries itself), or a
        // stateless one (no stream of its own). Nothing to keep alive, and no ping ever will be.
        if (error?._tag === "SessionClosed" || error?._tag === "ClientVersionUnsupported") return
        if (error?._tag !== "ClientRequestTimeout") {
          // The client answered (with an error): it is alive.
          misses = 0
          continue
        }
        // The client left its stream while the ping waited: unread, not missed.
        if (streamless()) continue
        misses++
        yield* Effect.logWarning(`keep-alive: ping missed (${misses} in a row, no answer within ${timeoutMillis} ms)`)
        if (misses === maxMisses) {
          yield* Effect.logError(`keep-alive: ${maxMisses} consecutive pings missed; the client seems gone`)
        }
      }
    }).pipe(
      Effect.annotateLogs({ sessionId: session.id }),
      Effect.ensuring(Effect.sync(() => activity.delete(session)))
    )

  return Middleware.make("keep-alive", {
    onMessage: (message, next) => {
      stateOf(message._tag === "Request" ? message.context.session : message.session).count++
      return next()
    },
    onSession: loop
  })
}

/**
 * Whether a session has done the 2025 handshake (`initialize` answered): its client is of the
 * handshake era, which answers pings. `"modern"` sessions are asked (and refuse: the loop ends).
 */
const handshaken = (phase: ServerSession["phase"]): boolean => phase !== "new" && phase !== "initializing"
