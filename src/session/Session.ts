/**
 * The public face of a session: what handlers, middleware and server code see of it (the
 * implementation is `ServerSession.run`'s). Its own module, so that the request context can name
 * its session without depending on the session's implementation.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/McpSchema.ts"
import type * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import type { ClientChannel } from "./ClientChannel.ts"
import type { Principal } from "./Principal.ts"

/**
 * Where a session is in the handshake-era lifecycle.
 *
 * @since 0.1.0
 * @category models
 */
export type Phase =
  /** nothing yet: only `ping` and `initialize` are accepted (or a 2026-07-28 request, see `"modern"`) */
  | "new"
  /**
   * a connection of the stateless era (MCP 2026-07-28, no handshake): its first request named its
   * protocol version in `_meta` and was resolved; every request is answered by its own `_meta`
   * (`initialize` is not a method of that era: refused, unless nothing but `server/discover` was
   * resolved yet, a dual-era client's probe, which it may follow with `initialize`: that starts a
   * 2025 session)
   */
  | "modern"
  /**
   * `initialize` is being answered (a `notifications/initialized` sent meanwhile, without waiting
   * for the answer, takes effect once the answer is sent)
   */
  | "initializing"
  /** `initialize` answered; waiting for `notifications/initialized` (requests are accepted) */
  | "initialized"
  /** `notifications/initialized` received */
  | "operational"
  /** input ended or the session was closed */
  | "closed"

/**
 * What an `initialize` settled for a session ({@link ServerSession.establish}): the protocol
 * version, and the client's capabilities and info.
 *
 * @since 0.2.0
 * @category models
 */
export interface Established {
  readonly protocolVersion: ProtocolVersion.ProtocolVersion
  readonly clientCapabilities: ClientCapabilities
  readonly clientInfo: Implementation | undefined
}

/**
 * A live session, as handlers and server code see it; its {@link ClientChannel} sends messages
 * not tied to a request (list changes, resource updates, ...).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerSession extends ClientChannel {
  /** An opaque id, unique per connection. */
  readonly id: string
  /** The lifecycle phase. */
  readonly phase: Phase
  /** The negotiated protocol version (the newest before negotiation). */
  readonly protocolVersion: ProtocolVersion.ProtocolVersion
  /** What the client declared in `initialize`. */
  readonly clientCapabilities: ClientCapabilities
  /** The client's name and version, once initialized. */
  readonly clientInfo: Implementation | undefined
  /** The authenticated principal of the connection, when there is one. */
  readonly principal: Principal | undefined
  /**
   * Whether the session is stateless (one session answering many clients, e.g. stateless HTTP,
   * and every 2026-07-28 request over HTTP). It has no stream of its own: its untied requests
   * (`request`) fail at once (see `ClientChannel.request`).
   */
  readonly stateless: boolean
  /** The minimum level of `notifications/message` the client wants (`logging/setLevel`). */
  readonly logLevel: LoggingLevel
  /** Sets the minimum log level (what `logging/setLevel` does). */
  readonly setLogLevel: (level: LoggingLevel) => Effect.Effect<void>
  /**
   * Completes when the session starts draining (its input ended, or a graceful shutdown began):
   * how a request that would otherwise never end (a 2026-07-28 `subscriptions/listen`) knows to
   * answer and let the drain finish. At once when it is already draining.
   */
  readonly untilDraining: Effect.Effect<void>
  /**
   * From now until the request `related` is answered, the messages of `route` go with it (see
   * `Outbound.route`): the 2025-11-25 `tasks/result` of a task carries the task's messages.
   * Nothing on transports without streams.
   */
  readonly routeTo: (route: string, related: JsonRpc.RequestId) => Effect.Effect<void>
  /**
   * Records what the `initialize` being answered settled: every later request of the session is
   * answered by it. The server's `initialize` handler calls it with what it negotiated (after
   * middleware changed the request, if one did); a handler of your own should too, else the session
   * takes the answer's `protocolVersion` and the request's capabilities and client info. The answer's
   * `protocolVersion`, if middleware changed it to another supported version, wins. Ignored outside
   * the `initialize` handshake (a stateless session has none: each request carries its own truth),
   * and if the answer fails.
   */
  readonly establish: (established: Established) => void
  /**
   * The request `requestId`, about to be answered, leaves `fiber` running (interrupted, winding
   * down: `Timeout` answers at the deadline): the request's slot (`maxConcurrentRequests`) stays
   * taken until the fiber ends, and the session's end interrupts it.
   *
   * @internal
   */
  readonly holdSlot: (requestId: JsonRpc.RequestId, fiber: Fiber.Fiber<unknown, unknown>) => void
  /**
   * Whether a request sent with `request` (tied to no client request) would reach the client now:
   * false over Streamable HTTP while the client has no standalone GET stream open (the request
   * waits for one; a 2025 client need never open it). Absent: it would.
   *
   * @internal
   */
  readonly untiedReachable?: (() => boolean) | undefined
}
