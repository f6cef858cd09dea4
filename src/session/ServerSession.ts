/**
 * A server session: one client connection, driven as a Stream over bounded Queues.
 *
 * Inbound messages are pulled, a batch at a time, from the connection's Stream (pull-based to
 * the source, or read from a bounded Queue) and dispatched in the session's own fiber. Responses
 * a batch produced inline are written right after it, with one write; messages produced
 * asynchronously (by request fibers) go through a bounded outbound Queue drained by a writer
 * fiber. In between:
 *
 * - the lifecycle state machine (only `ping` before `initialize`; `initialize` once;
 *   `notifications/initialized`), unless the session is stateless;
 * - requests run concurrently under a per-session limit: a handler that completes synchronously
 *   (its effect is an `Exit`, or its fiber is done at once) is answered inline with no fiber
 *   bookkeeping; others run in a fiber registered by id; past the limit they wait in a FIFO, and
 *   when that is full the session pauses reading (50 ms at a time: backpressure reaches the
 *   transport, yet the client's answers and cancellations behind its requests are still read;
 *   requests past twice the FIFO's bound are refused with 429);
 * - `notifications/cancelled` interrupts the request's fiber (or drops it from the FIFO) and
 *   suppresses its response;
 * - server→client requests (ping, sampling, elicitation, roots) with id correlation, timeouts,
 *   typed failures and client-capability gates;
 * - notifications a request emits are queued before that request's response.
 *
 * At end of input the session stops reading, lets in-flight requests finish (or interrupts them
 * after `shutdownTimeoutMillis`, over a pulled connection answered -32000 first), ends the outbound Queue, and returns once the transport has
 * written everything (under a graceful shutdown, within `shutdownTimeoutMillis` again: a client
 * that does not read does not hold the process). When its input fails or it is interrupted it
 * stops what runs, and writes what it had produced within `shutdownTimeoutMillis`.
 *
 * Over a push connection (Streamable HTTP) there is no read loop and no writer fiber: the
 * transport pushes messages in with `SessionInput.receive`, asynchronous messages wait in a
 * bounded buffer written by a fiber that exists only while there is something to write, and
 * sessions started alike share one captured context. An idle session costs no fiber.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import { clip } from "../internal/clip.ts"
import { forLog } from "../internal/loggedCause.ts"
import { emptyMap, shrink, writable } from "../internal/emptyMap.ts"
import * as JsonRpc from "../protocol/JsonRpc.ts"
import * as McpError from "../protocol/McpError.ts"
import type {
  ClientCapabilities,
  Implementation,
  LoggingLevel,
  ServerCapabilities
} from "../protocol/McpSchema.ts"
import * as Negotiation from "../protocol/Negotiation.ts"
import { RELATED_TASK_META_KEY } from "../protocol/internal/mcpSchemas.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import {
  NotSendable,
  projectError,
  projectLatestResult,
  projectResult,
  projectServerNotification,
  projectServerRequest
} from "../protocol/versions/Projection.ts"
import {
  ClientCapabilityMissing,
  type ClientRequestError,
  ClientRequestTimeout,
  ClientVersionUnsupported,
  SessionClosed
} from "./ClientRequestError.ts"
import {
  type Connection,
  type HttpRequestInfo,
  InvalidFrame,
  type Outbound,
  type PushConnection,
  type SessionInput,
  type TransportFailure
} from "./Connection.ts"
import { GracefulShutdown, type GracefulShutdownState } from "./GracefulShutdown.ts"
import { BatchAnswer, BatchMember } from "./internal/batch.ts"
import { answerExit, malformedAnswer, type PendingClientRequest, resultDecoder } from "./internal/clientAnswers.ts"
import { invalidLog, logLevels, logParams } from "./internal/logMessages.ts"
import { type Outbox, PushOutbox, QueueOutbox } from "./internal/Outbox.ts"
import * as Lifecycle from "./internal/lifecycle.ts"
import * as OutboundGates from "./internal/outboundGates.ts"
import { stoppedRequests } from "./internal/stoppedRequests.ts"
import { ClientRequestObserver, RequestContextImpl } from "./internal/requestContext.ts"
import { heldWork, Inflight, Scheduler } from "./internal/scheduler.ts"
import { checkSessionOptions } from "./internal/sessionOptions.ts"
import type { ClientRequestOptions } from "./ClientChannel.ts"
import type { Principal } from "./Principal.ts"
import { McpRequestContext, type RequestContext } from "./RequestContext.ts"

// ---------------------------------------------------------------------------
// Public surface
// ---------------------------------------------------------------------------

import type { Established, Phase, ServerSession } from "./Session.ts"
import { isExit } from "../internal/isExit.ts"

/**
 * The session's public face (declared in `Session.ts`, which the request context names without this
 * implementation): `ServerSession` and `Phase` as they have always been here, and `Established`
 * (since 0.2.0).
 */
export type { Established, Phase, ServerSession } from "./Session.ts"

/**
 * An inbound value that is not a valid message, as middleware observes it: the value received
 * (`undefined` for bytes that were not JSON) and the error the session answered with.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvalidInbound {
  readonly value: unknown
  readonly error: JsonRpc.ErrorObject
  /**
   * The HTTP request that carried it, when it came over HTTP (Streamable HTTP: the POST refused,
   * or that brought what the session refused); `undefined` otherwise.
   *
   * @since 0.2.0
   */
  readonly http?: HttpRequestInfo | undefined
}

/**
 * What the session calls to answer messages: the server's handler registry (and the middleware
 * around it). Every inbound message reaches it: requests (`initialize` and `ping` included),
 * every notification, and invalid input.
 *
 * @since 0.1.0
 * @category models
 */
export interface Dispatcher {
  /** The effect answering a request; its success is the JSON-RPC `result`. */
  readonly request: (request: JsonRpc.Request, context: RequestContext) => Effect.Effect<unknown, unknown>
  /**
   * The effect handling a notification. `notifications/initialized` and `notifications/cancelled`
   * have already taken effect in the session (a cancellation must interrupt at once); they are
   * passed on so that middleware observes them. `http`: the HTTP request that carried it, if any.
   */
  readonly notification: (
    notification: JsonRpc.Notification,
    session: ServerSession,
    http?: HttpRequestInfo
  ) => Effect.Effect<void, unknown>
  /** Observes invalid input after the session answered it (optional). */
  readonly invalid?: ((invalid: InvalidInbound, session: ServerSession) => Effect.Effect<void, unknown>) | undefined
  /**
   * Observes a request the session (or its transport) refused because it drains, after it was
   * answered -32000, or because too many requests wait (429) (optional: `Telemetry`'s span and measure of it, see
   * `server/internal/refusedRequests.ts`; `undefined` without it). Not invalid input: `invalid`
   * (`onMessage`) is not told. Run on its own, not as the session's work: it holds no drain open.
   */
  readonly refused?: ((invalid: InvalidInbound, session: ServerSession) => Effect.Effect<void>) | undefined
  /**
   * Observes a notification the transport accepted but hands over to no session (optional:
   * `undefined` when no middleware observes notifications, `onNotification` or `onMessage`): the
   * middleware sees it, and nothing else runs (no handler; a cancellation cancels nothing).
   * Streamable HTTP: those of a stateless endpoint and of MCP 2026-07-28, on the shared stateless
   * session.
   */
  readonly observe?:
    | ((notification: JsonRpc.Notification, session: ServerSession, http?: HttpRequestInfo) => Effect.Effect<void, unknown>)
    | undefined
  /**
   * The server's identity, put in every 2026-07-28 result's `_meta`
   * (`io.modelcontextprotocol/serverInfo`) as the session answers (optional). Here, and not in
   * the session's options, so that a session holds nothing more for it.
   */
  readonly serverInfo?: Implementation | undefined
  /**
   * The handshake-era versions the server serves, when it narrows them (its `supportedVersions`;
   * optional, `undefined`: every one). What its `initialize` negotiates; a stateless transport,
   * where a request's `MCP-Protocol-Version` header is its version, refuses one outside them
   * (`SessionInput.legacyVersions`).
   */
  readonly supportedVersions?: ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined
  /**
   * Around each server→client request the session sends (optional): the middleware's
   * `onOutgoingRequest` hooks, outermost first. Read once per such request, never per inbound
   * message; `undefined` (no middleware has the hook) sends as it is.
   */
  readonly outgoing?: OutgoingHook | undefined
  /**
   * What the notifications sent for a request (progress, log messages, a handler's own; not those
   * tied to no request) carry in their `_meta`, from the context of the fiber sending each one
   * and the notification's method (optional: `Telemetry`'s trace context, from its current span,
   * or the CLIENT span it makes for the notification). Asked once per such notification,
   * synchronously; `undefined` (no middleware adds anything) sends them as they are.
   */
  readonly notificationMeta?:
    | ((context: Context.Context<never>, method: string) => Readonly<Record<string, string>> | undefined)
    | undefined
  /**
   * Whether a session holds work of its own beyond its requests in flight (optional: see
   * `LowLevelServer.Options.holdsWork`): what {@link SessionInput.holdsWork} answers. Here, and
   * not in the session's options, so that a session holds nothing more for it.
   */
  readonly holdsWork?: ((session: ServerSession) => boolean) | undefined
  /**
   * What {@link SessionInput.rechecked} answers (optional: see
   * `LowLevelServer.Options.rechecked`).
   */
  readonly rechecked?: Rechecked | undefined
}

/**
 * What judges a stream of `session` whose token was checked again and stands for `principal` now
 * (see {@link SessionInput.rechecked}, which it answers with the session named): `related`, the
 * request the stream answers (`undefined`: the standalone stream); `before`, the principal the
 * stream was last judged as. Returns the scopes the principal lacks for what the request's stream
 * follows (empty: it goes on). `LowLevelServer.Options.rechecked` takes one; `McpServer` makes it.
 *
 * @since 0.2.0
 * @category models
 */
export type Rechecked = (
  session: ServerSession,
  principal: Principal,
  related: JsonRpc.RequestId | undefined,
  before?: Principal | undefined
) => ReadonlyArray<string>

/**
 * A server→client request about to be sent (`sampling/createMessage`, `elicitation/create`,
 * `roots/list`, `ping`), as `Middleware.onOutgoingRequest` sees it: it passed the session's
 * checks (the client's capability, the protocol version) and has its id.
 *
 * @since 0.2.0
 * @category models
 */
export interface OutgoingRequest {
  /**
   * The JSON-RPC id it goes out with (the session's own numbering; the client answers under it).
   * A hook that calls `send` again (a retry) sends under a fresh id each time: ids are never reused.
   * This is the first send's id, also as the hooks inside a retrying one see it on each retry
   * (`Telemetry` inside one names it as each attempt's `jsonrpc.request.id`).
   */
  readonly id: number
  readonly method: string
  /** Its params as they go out: projected to the protocol version, the task's `_meta` added. */
  readonly params: JsonRpc.Params | undefined
  /** The protocol version it is sent in. */
  readonly protocolVersion: ProtocolVersion.ProtocolVersion
  /** The session that sends it. */
  readonly session: ServerSession
  /**
   * Sent untied, through the session (`session.request`: KeepAlive's pings, an `onSession` hook's,
   * a handler's `context.session.request`), rather than by a request through its context
   * (`McpContext.sample`, `elicit`, `listRoots`, `ping`, `context.request`; a background task's
   * too). The former may belong to no request being handled: `Telemetry` makes it no CLIENT span
   * unless a handler's code sent it.
   */
  readonly untied: boolean
}

/**
 * Sends an {@link OutgoingRequest} through `send`, which sends `params` and waits for the client's
 * answer (within the request's timeout) and is what it returns; called again, under a fresh id.
 *
 * @since 0.2.0
 * @category models
 */
export type OutgoingHook = (
  request: OutgoingRequest,
  send: (params: JsonRpc.Params | undefined) => Effect.Effect<unknown, ClientRequestError>
) => Effect.Effect<unknown, ClientRequestError>

/**
 * Tuning and behaviour of a session. All limits are per session. A number out of range (`NaN`,
 * a limit below 1 or with a fraction, a timeout below 0) is a `RangeError` naming it: thrown by
 * `McpServer.serve` and the Streamable HTTP endpoint when they are made, a defect of the session
 * otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionOptions {
  /** Requests running at once; further ones wait in a FIFO. Default 64 (an integer >= 1; `Infinity`: no limit). */
  readonly maxConcurrentRequests?: number | undefined
  /**
   * Requests waiting for a slot before the session pauses reading input (backpressure). Default
   * 256 (an integer >= 1; `Infinity`: no limit).
   *
   * **Details**
   *
   * The pause is short (50 ms at a time): input also carries what unblocks the session (the
   * client's answers to sampling, elicitation and roots requests, cancellations, pings). While
   * the FIFO shrinks and no handler waits on the client, the session reads on below twice this
   * bound and otherwise pauses again (the transport's backpressure holds the client; a
   * cancellation or ping behind the backlog waits too); when no slot has freed for a whole
   * pause, it reads on, and requests past twice this bound (past eight times it, whatever the
   * progress: one very large read) are refused with 429 (`McpError.LimitExceeded`,
   * `data.limit: "queuedRequests"`).
   */
  readonly maxQueuedRequests?: number | undefined
  /**
   * Methods whose requests wait by design (a server answering `tasks/result`, which blocks until
   * its task ends, gives `["tasks/result"]`; one answering 2026-07-28's `subscriptions/listen`,
   * open until cancelled, gives that too): they run in a lane of their own, so they never take
   * the request slots that `tasks/get`, `tasks/cancel` or any other request need. Default: none.
   * `ping` is always in that lane (a client's ping is answered even while every slot is taken).
   */
  readonly waitingMethods?: ReadonlyArray<string> | undefined
  /** Requests of the waiting lane running at once. Default 1024 (an integer >= 1; `Infinity`: no limit). */
  readonly maxWaitingRequests?: number | undefined
  /** Capacity of the outbound Queue of asynchronously produced messages. Default 1024 (an integer >= 1; `Infinity`: no limit). */
  readonly outboundCapacity?: number | undefined
  /**
   * Default timeout of server→client requests. Default 60 000 ms. Positive (`Infinity`: none);
   * another value is refused (see above; a request's own `timeoutMillis`: see
   * `ClientRequestOptions.timeoutMillis`).
   */
  readonly clientRequestTimeoutMillis?: number | undefined
  /**
   * At end of input, how long in-flight requests may finish before they are interrupted (over a
   * pulled connection, stdio or in memory, answered -32000 "Server shutting down" first,
   * `McpError.stoppedByShutdownObject`, as Streamable HTTP answers them; those still waiting for a
   * request slot then are answered -32000, `McpError.notStartedObject`: they never started, and
   * may be sent again; the interrupted get as long again to end, their cleanup with it, then are
   * left behind: the session ends without them); then, under
   * a graceful shutdown, how long what the session wrote may take to go out (over a pulled
   * connection, stdio: its output; over Streamable HTTP: the SSE responses, the endpoint's
   * `session` option): a client that does not read is given up on. Over a pulled connection, the
   * same bound on what it wrote when its input failed or it was interrupted. Default 10 000 ms
   * (0: none, interrupted and given up at once; `Infinity`: no bound).
   */
  readonly shutdownTimeoutMillis?: number | undefined
  /**
   * Stateless mode: no lifecycle is enforced and nothing is remembered between requests
   * (each request is answered with the newest protocol version and no client capabilities,
   * unless the request's context says otherwise). Its requests to the client not tied to a
   * client request (`ServerSession.request`) fail at once with `SessionClosed`
   * (`reason: "stateless"`; asked in a 2026-07-28 request, `ClientVersionUnsupported`), sending
   * nothing. Over a {@link PushConnection} it is taken to be
   * handed no client answer at all (Streamable HTTP's shared session: each POST stands alone), so
   * those asked through a request's context fail so too (`tied: true`), unless a missing client
   * capability refuses them first; over a connection of its own (stdio, in memory) they are sent.
   */
  readonly stateless?: boolean | undefined
  /** The capabilities the server advertises: gate outgoing list-changed, update and log notifications. */
  readonly serverCapabilities: ServerCapabilities
  /** A session id; a random UUID by default. */
  readonly sessionId?: string | undefined
  /** The authenticated principal of this connection, when the transport established one. */
  readonly principal?: Principal | undefined
  /** Called when the session starts (e.g. to register it for list-changed notifications). */
  readonly onOpen?: ((session: ServerSession) => void) | undefined
  /** Called when the session has ended. */
  readonly onClose?: ((session: ServerSession) => void) | undefined
  /** Runs while the session lives (middleware `onSession` hooks); interrupted when it ends. */
  readonly onSession?: ((session: ServerSession) => Effect.Effect<void, never, Scope.Scope>) | undefined
}

/**
 * Runs a session over a connection until its input ends (then drains) or it fails.
 *
 * **Details**
 *
 * `open` opens the connection (a transport's `open`). The returned effect succeeds after a clean
 * end of input (in-flight requests finished or were interrupted after `shutdownTimeoutMillis`,
 * those answered -32000 "Server shutting down", everything written, however slowly the client reads), fails with {@link TransportFailure} when
 * the connection broke, and, when interrupted, interrupts every in-flight request. Under a
 * graceful shutdown, output the client has not taken `shutdownTimeoutMillis` after the drain is
 * given up (the drain marked cut short): a client that does not read does not hold the process.
 * When the input fails or the run is interrupted nothing is drained, but what the session had
 * produced is still written, within `shutdownTimeoutMillis` (not after a broken output).
 *
 * Over a {@link PushConnection} it succeeds as soon as the session has started and its
 * {@link SessionInput} is attached; the transport then ends the session with `end`, `terminate` or `interrupt`.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E>(
  dispatcher: Dispatcher,
  options: SessionOptions,
  open: Effect.Effect<Connection | PushConnection, E, Scope.Scope>
): Effect.Effect<void, E | TransportFailure> =>
  Effect.scoped(Effect.gen(function*() {
    // Before the connection opens: a session with an option out of range would hang or misbehave.
    // Options an entry point checked (`McpServer.serve`, the HTTP endpoint) are not checked again.
    checkSessionOptions("ServerSession.run", options)
    const connection = yield* open
    if ("attach" in connection) return yield* start(dispatcher, options, connection)
    const queue = yield* Queue.bounded<Outbound, Cause.Done>(options.outboundCapacity ?? 1024)
    const context = yield* Effect.context<never>()
    const outbox = new QueueOutbox(queue, connection)
    const shutdown = Context.get(context, GracefulShutdown)
    // The connection is open: the program serves, and a signal from now on drains it (over stdio
    // and any transport of one's own, whether it holds the process or not).
    shutdown.markServing()
    const session = new SessionImpl(dispatcher, options, outbox, connection, new Forks(context), shutdown)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        session.close()
        options.onClose?.(session)
      })
    )
    options.onOpen?.(session)
    if (options.onSession !== undefined) yield* Effect.forkScoped(options.onSession(session))
    const writer = yield* Effect.forkChild(outbox.writeLoop)
    // No yield per read (the runtime still yields by operation count): a yield per batch cost the
    // in-memory pair 60% of its sequential throughput.
    const serve = Effect.forever(Effect.flatMap(connection.read, (batches) => session.processBatches(batches)), {
      disableYield: true
    }).pipe(
      Effect.catchIf(Cause.isDone, () => Effect.void),
      // Ended by a graceful shutdown (not at its end), an input that reads on (stdio) is read
      // while the session drains: the client's answers to the server's requests still reach them.
      Effect.andThen(Effect.suspend(() =>
        session.drain(connection.readsOn === true && shutdown.isRequested() ? connection.read : undefined)
      ))
    )
    // Then what the session produced goes out: the overflow into the Queue, the Queue through the
    // writer, the connection's own buffer. However long a client that reads takes (one that closed
    // its input and reads slowly gets everything); under a graceful shutdown, within
    // `shutdownTimeoutMillis` more: past it the client does not read, and must not hold the
    // process the signal is to stop (the writer is stopped, the rest dropped, the drain cut short).
    const flushed = session.overflowFlushed().pipe(
      Effect.andThen(Queue.end(queue)),
      Effect.andThen(Fiber.join(writer)),
      Effect.andThen(connection.flush ?? Effect.void)
    )
    // A broken output: the writer's failure, which ended the session (nothing more can go out).
    let writerFailure: Cause.Cause<TransportFailure> | undefined
    // A failed write in the writer fiber ends the session as well (without a race: no extra fibers per session).
    yield* Effect.withFiber((main) => {
      const stop = writer.addObserver((exit) => {
        if (exit._tag !== "Failure") return
        if (!Cause.hasInterruptsOnly(exit.cause)) writerFailure = exit.cause
        main.interruptUnsafe()
      })
      const unflushed = (when: string) =>
        Effect.suspend(() => {
          stop()
          writer.interruptUnsafe()
          Queue.shutdownUnsafe(queue) // an overflow still waiting for room goes too
          return session.unflushed(when)
        })
      // Raced, then given up: giving up interrupts the writer, which would end the flush first.
      const givenUp = Effect.andThen(shutdown.requested, Effect.as(Effect.sleep(session.shutdownTimeout), true))
      const bounded = Effect.flatMap(
        Effect.raceFirst(Effect.as(flushed, false), givenUp),
        (gaveUp) => gaveUp ? unflushed("after the shutdown's drain") : Effect.void
      )
      // The input failed (a read error such as EIO, a pipe closed before its end) or the session
      // was interrupted: nothing is drained (what still runs is stopped), but what the session had
      // produced still goes out, within `shutdownTimeoutMillis`: else the process, which ends
      // next, drops it (the client loses answers it may be waiting for), and a client that does
      // not read must not hold it longer. Not after a broken output: nothing can go out. Run as
      // a finalizer (uninterruptible: a second interruption does not cut it, the bound does);
      // the session's failure or interruption stands.
      const last = (exit: Exit.Exit<void, TransportFailure>) =>
        exit._tag === "Success" || writerFailure !== undefined ? Effect.void : Effect.suspend(() => {
          stop() // a write failing now does not replace the session's own cause
          session.close()
          const timedOut = Effect.as(Effect.sleep(session.shutdownTimeout), true)
          const when = Cause.hasInterruptsOnly(exit.cause) ? "after it was interrupted" : "after it failed"
          return Effect.flatMap(
            Effect.raceFirst(Effect.as(Effect.exit(flushed), false), timedOut),
            (gaveUp) => gaveUp ? unflushed(when) : Effect.void
          )
        })
      const ended = Effect.sync(() => session.cutShortSaidAgain())
      return Effect.ensuring(Effect.onExit(Effect.andThen(Effect.andThen(serve, bounded), ended), last), Effect.sync(stop))
    }).pipe(
      // The writer's failure, not the interruption it caused.
      Effect.catchCause((cause) => Effect.failCause(writerFailure ?? cause))
    )
  }))

/**
 * Starts a session over a push connection and hands its input to the transport: no fiber lives
 * with the session, only while it has work (a request running, messages being written).
 */
const start = (
  dispatcher: Dispatcher,
  options: SessionOptions,
  connection: PushConnection
): Effect.Effect<void> =>
  Effect.map(Effect.context<never>(), (context) => {
    const shutdown = Context.get(context, GracefulShutdown)
    // A session open serves, as over a pulled connection (`run`): a push transport of one's own
    // need not hold the shutdown for a signal to drain it.
    shutdown.markServing()
    const pushed = new PushedSession(dispatcher, options, connection, forksFor(dispatcher, context), shutdown)
    connection.attach(pushed)
  })

/**
 * The last session context seen per dispatcher, and the {@link Forks} of it: sessions started the
 * same way (every session of one HTTP endpoint) share them, instead of each holding a Context of
 * its own (about 1 KB).
 */
const sharedForks = new WeakMap<Dispatcher, Forks>()

const forksFor = (dispatcher: Dispatcher, context: Context.Context<never>): Forks => {
  // The scope `run` opened closes when a push session starts: the session must not hold it.
  const services = Context.omit(Scope.Scope)(context)
  const shared = sharedForks.get(dispatcher)
  if (shared !== undefined && sameServices(shared.context, services)) return shared
  const forks = new Forks(services)
  sharedForks.set(dispatcher, forks)
  return forks
}

/**
 * Whether two contexts hold the same services: the same values, except the set of loggers, which
 * `Logger.layer` builds afresh per run and is compared by its elements.
 */
const sameServices = (a: Context.Context<never>, b: Context.Context<never>): boolean => {
  if (a.mapUnsafe.size !== b.mapUnsafe.size) return false
  for (const [key, value] of a.mapUnsafe) {
    const other = b.mapUnsafe.get(key)
    if (value === other) continue
    if (key !== References.CurrentLoggers.key || !(value instanceof Set && other instanceof Set && value.size === other.size)) {
      return false
    }
    for (const element of value) if (!other.has(element)) return false
  }
  return true
}

/**
 * The input of a session over a push connection, and its life: plain objects and methods (no
 * closures, no fibers), so an idle session costs little memory.
 */
class PushedSession implements SessionInput {
  private readonly session: SessionImpl
  private readonly outbox: PushOutbox
  private readonly onClose: ((session: ServerSession) => void) | undefined
  private hooks: Fiber.Fiber<void> | undefined
  private closed = false
  /** Set by the first `end`: later calls wait for the same close. */
  private ending: Deferred.Deferred<void> | undefined

  constructor(
    dispatcher: Dispatcher,
    options: SessionOptions,
    connection: PushConnection,
    forks: Forks,
    shutdown: GracefulShutdownState
  ) {
    this.outbox = new PushOutbox(options.outboundCapacity ?? 1024, connection, forks.runFork, this)
    this.session = new SessionImpl(dispatcher, options, this.outbox, connection, forks, shutdown)
    this.onClose = options.onClose
    options.onOpen?.(this.session)
    if (options.onSession !== undefined) this.hooks = forks.runFork(Effect.scoped(options.onSession(this.session)))
  }

  receive(
    messages: ReadonlyArray<unknown>,
    http?: HttpRequestInfo,
    resolved?: Negotiation.ResolvedRequest
  ): Effect.Effect<void, TransportFailure> {
    // A failed write ends the session (the outbox calls `interrupt`).
    return this.closed ? Effect.void : this.session.processBatches([messages], http, resolved)
  }

  get end(): Effect.Effect<void> {
    return this.finish(false)
  }

  get terminate(): Effect.Effect<void> {
    return this.finish(true)
  }

  /** `end`; `answersEnded`: `terminate` (no answer of the client's can come any more). */
  private finish(answersEnded: boolean): Effect.Effect<void> {
    return Effect.suspend(() => {
      // Before anything else: a drain already under way (a graceful shutdown) still has handlers
      // waiting on answers that can no longer come.
      if (answersEnded && !this.closed) this.session.endAnswers()
      if (this.ending !== undefined) return Deferred.await(this.ending)
      if (this.closed) return Effect.void
      const ending = this.ending = Deferred.makeUnsafe<void>()
      return this.session.drain().pipe(
        Effect.andThen(this.session.overflowFlushed()),
        Effect.andThen(this.outbox.flushed()),
        Effect.ensuring(Effect.sync(() => {
          this.interrupt()
          Deferred.doneUnsafe(ending, Exit.void)
        }))
      )
    })
  }

  awaitsAnswer(id: JsonRpc.RequestId): boolean {
    return this.session.awaitsAnswer(id)
  }

  get serverInfo(): Implementation | undefined {
    return this.session.serverInfo
  }

  holdsWork(): boolean {
    return !this.closed && this.session.holdsWork()
  }

  rechecked(principal: Principal, related: JsonRpc.RequestId | undefined, before?: Principal): ReadonlyArray<string> {
    return this.closed ? noScopes : this.session.rechecked(principal, related, before)
  }

  refused(value: unknown, error: JsonRpc.ErrorObject, http?: HttpRequestInfo): void {
    if (!this.closed) this.session.observeRefused(value, error, http)
  }

  refusedByDrain(value: unknown, error: JsonRpc.ErrorObject, http?: HttpRequestInfo): void {
    if (!this.closed) this.session.observeDrainRefusal(value, error, http)
  }

  get observesNotifications(): boolean {
    return !this.closed && this.session.observesNotifications
  }

  observe(notification: JsonRpc.Notification, http?: HttpRequestInfo): void {
    if (!this.closed) this.session.observeNotification(notification, http)
  }

  get takesBatches(): boolean {
    return !this.closed && this.session.negotiatedBatches
  }

  get legacyVersions(): ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined {
    return this.session.legacyVersions
  }

  get takesInitialize(): boolean {
    return this.session.takesInitialize
  }

  interrupt(cause?: Cause.Cause<unknown>): void {
    if (this.closed) return
    this.closed = true
    if (cause !== undefined) {
      this.session.runFork(Effect.logError(`MCP session ${this.session.id}: writing to the connection failed; the session ends`, forLog(cause)))
    }
    this.session.close()
    this.hooks?.interruptUnsafe()
    this.onClose?.(this.session)
    ;(this.session.connection as PushConnection).onClosed?.()
  }
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

type RunFork = <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>

/**
 * The 2026-07-28 version of the request whose code a fiber of a stateless session runs (unset for
 * a request of another version, and outside requests): what decides how an untied request made
 * there is refused (see {@link untiedRefused}) wherever in the request it is made (a middleware,
 * a `LowLevelServer` handler, a fiber they forked), not only in a component's handler, which has
 * its request context. Not provided per request: such a request's fiber is forked in a context
 * that has it (see {@link Forks}), inherited by the fibers it forks.
 */
const ModernRequest = Context.Reference<ProtocolVersion.ModernVersion | undefined>("effect-mcp-server/ModernRequest", {
  defaultValue: () => undefined
})

/** A `notifications/initialized` that came before the `initialize` answer, and its HTTP request (see `SessionImpl`). */
interface PipelinedInitialized {
  readonly notification: JsonRpc.Notification
  readonly http: HttpRequestInfo | undefined
}

/**
 * How a session forks: `runFork`, in the session's context; and `runModern`, in that context with
 * {@link ModernRequest} (made at first use, once per context: the fibers of 2026-07-28 requests
 * share it, so knowing their era costs no allocation per request).
 */
class Forks {
  readonly context: Context.Context<never>
  readonly runFork: RunFork
  private modern: RunFork | undefined = undefined
  constructor(context: Context.Context<never>) {
    this.context = context
    this.runFork = Effect.runForkWith(context)
  }
  get runModern(): RunFork {
    // The era's one version (`modern` has a single member; a later one would get its own).
    return this.modern ??= Effect.runForkWith(Context.add(this.context, ModernRequest, ProtocolVersion.modern[0]))
  }
}

const noParams: JsonRpc.Params = {}

/** No scopes lacking (see `SessionInput.rechecked`). */
const noScopes: ReadonlyArray<string> = []

/**
 * Whether `session` serves the 2026-07-28 era only: a connection of its own (stdio, in memory)
 * that era locked, past the probe (`initialize` refused). What `server/discover` lists then: the
 * versions of that era alone (it listed the 2025 ones too, which the connection refuses).
 *
 * @internal
 *
 * @since 0.2.0
 * @category predicates
 */
export const servesModernOnly = (session: ServerSession): boolean => session instanceof SessionImpl && session.lockedToModern

/**
 * The result of the request of `context` as its session sends it (an absent one is `{}`),
 * projected to the request's protocol version: what a middleware measuring what goes out
 * (`SizeLimit`) measures. Returns `result` itself when the version changes nothing.
 * Throws as the projection does (a result whose properties cannot be read).
 *
 * @internal
 *
 * @since 0.2.0
 * @category projection
 */
export const resultAsSent = (context: RequestContext, method: string, result: unknown): object => {
  const value = (result === undefined || result === null ? noParams : result) as object
  const session: unknown = context.session
  return session instanceof SessionImpl
    ? session.asSent(method, value, context.protocolVersion)
    : context.protocolVersion === ProtocolVersion.latest && method === "initialize"
    ? initializeAsSent(projectLatestResult(method, value))
    : projectResult(method, value, context.protocolVersion)
}

/**
 * An `initialize` result as the version it negotiated has it. The request is answered before any
 * version is settled (at the newest, its truth), and the negotiation projects what it makes; but
 * what is around the handler (an `onInitialize` or `onRequest` middleware, a `LowLevelServer`'s
 * own `initialize` handler) may add what that version lacks (`serverInfo.icons`,
 * `capabilities.completions` for 2024-11-05...): projected again (idempotent) at the version the
 * result names. Once per session.
 */
const initializeAsSent = (result: object): object => {
  const version = (result as { readonly protocolVersion?: unknown }).protocolVersion
  return version !== ProtocolVersion.latest && ProtocolVersion.isSupported(version)
    ? projectResult("initialize", result, version)
    : result
}

/**
 * How many messages may wait beyond a full outbound Queue before a log sent synchronously (the
 * `Effect.log` bridge, `logUnsafe`, which cannot wait for room) is dropped, unless the client took
 * some of the output within the last {@link stalledOutputMillis}: a handler's burst outruns a
 * client that reads (over stdio, the pipe), and is kept; a client that reads nothing loses the
 * logs past this.
 */
const maxOverflowingLogs = 1024
/**
 * How long the output may stand still before the logs past {@link maxOverflowingLogs} are dropped.
 * The session sees a client take its output only as the kernel lets the writer go on: over the
 * socket pair of a spawned stdio server (how SDK clients start one) that is once the client has
 * read about three quarters of the socket's send buffer (some 150 KB at Linux's defaults, measured
 * in steps of 146,176 bytes). At a second, a client reading a burst at less than ~150 KB/s (the
 * SDK's stdio client on a loaded machine: its reads never more than 0.6 s apart) was taken for one
 * that reads nothing, and lost lines; at 5 s, one that reads at ~30 KB/s or more loses none.
 */
const stalledOutputMillis = 5_000
/** Past this many waiting beyond the Queue, a log is dropped however the client reads (memory stays bounded). */
const maxHeldLogs = 64 * 1024

/** The value of the session's message arrays while they are empty: never pushed to. */
const noOutbound: Array<Outbound> = []
/** A session's truth before `initialize`: the newest version, no capabilities. */
const notNegotiated: Negotiation.ResolvedRequest = {
  protocolVersion: ProtocolVersion.latest,
  clientCapabilities: {},
  clientInfo: undefined
}
/** The bits of `SessionImpl.once`. */
const Once = {
  /** Logs were dropped for a client that does not take its output (logged once, see `dropLog`). */
  DroppedLogs: 1,
  /** A notification's handlers were skipped for a full queue (logged once). */
  RefusedObservers: 2,
  /** The client set a level (`logging/setLevel`): see {@link SessionImpl.askedLogLevel}. */
  LevelSet: 4,
  /** The input has ended: in-flight requests finish, new server→client requests fail. */
  Draining: 8,
  /**
   * A connection of the 2026-07-28 era had a request other than `server/discover` resolved: a 2025
   * `initialize` is refused from then on (before it, the probe's fallback: see `internal/lifecycle.ts`).
   */
  BeyondProbe: 16,
  /**
   * A drain cut work short (its timeout, or work left behind), recorded with the shutdown only if
   * one was requested then: a pulled session records it again as it ends (see `run`), so that a
   * signal that came after the cut (at end of input) counts it as well.
   */
  CutShort: 32
} as const

class SessionImpl extends Scheduler implements ServerSession {
  /** The id given by the transport, or one made at its first read (see {@link id}). */
  private sessionId: string | undefined
  phase: Phase = "new"
  /** What `initialize` settled (before it: the newest version, no capabilities). */
  private negotiated: Negotiation.ResolvedRequest = notNegotiated
  /** What the `initialize` being answered settled ({@link ServerSession.establish}), until it is answered. */
  private established: Established | undefined = undefined
  /** Stateless: the truth of requests by `MCP-Protocol-Version` header (a handful of values). */
  private statelessTruths: Map<string, Negotiation.ResolvedRequest> | undefined = undefined
  logLevel: LoggingLevel = "debug"
  readonly principal: Principal | undefined

  readonly stateless: boolean
  private readonly clientTimeout: number
  /** At the end of input, how long in-flight work may finish, and then how long its output may take to go out. */
  readonly shutdownTimeout: number
  private readonly caps: ServerCapabilities

  /** server→client requests waiting for the client's answer */
  private pendingClient: Map<number, PendingClientRequest> = emptyMap
  /** messages produced while a batch is processed: written right after the batch */
  private pendingOut: Array<Outbound> = noOutbound
  private inBatch = false
  /** unsolicited messages produced before `notifications/initialized`, sent after it */
  private held: Array<JsonRpc.Notification> | undefined = undefined
  /**
   * `notifications/initialized` received while `initialize` was being answered, with the HTTP
   * request that carried it (middleware observes it as it came): applied after the answer
   */
  private pipelinedInitialized: PipelinedInitialized | undefined = undefined
  /** messages produced outside a batch that did not fit in the outbound Queue, in order */
  private overflow: Array<Outbound> = noOutbound
  private flushing = false
  // NOTE: ids start at 1: some clients (SDK v1) ignore `notifications/cancelled` for a falsy requestId.
  private nextClientRequestId = 1
  private resumeDrain: (() => void) | undefined = undefined
  /** The drain may resume, once the batch being processed is handed to the outbox. */
  private drainAfterBatch = false
  /** The request whose effect is being made (see `dispatchOwn`). */
  private dispatching: JsonRpc.RequestId | undefined = undefined
  /**
   * What happened once in the session's life, as bits (`Once`): one field rather than a boolean
   * each, for the heap of an idle session (measured: `npm run bench`, at most 1,024 B).
   */
  private once = 0
  /**
   * The outbox's progress when last looked at (as messages began to overflow, and past the bound),
   * and when it was last seen to grow (see `logFits`): made when messages first overflow.
   */
  private pace: { seen: number; at: number } | undefined = undefined
  /**
   * The requests of JSON-RPC batches (2025-03-26) waiting for their answers, by their objects
   * (ids may repeat; each member is its own object): `undefined` while there are none, so a
   * single message's answer pays one field read for batches.
   */
  private batchMembers: Map<JsonRpc.Request, BatchMember> | undefined = undefined

  private readonly dispatcher: Dispatcher
  private readonly outbound: Outbox
  readonly connection: Connection | PushConnection
  /**
   * A connection of its own (stdio, in memory: every request's messages on one stream), not
   * Streamable HTTP's: told once, not at every notification (see `endsWithAnswer`).
   */
  private readonly ownConnection: boolean
  private readonly forks: Forks
  /** Told when the drain at end of input interrupts in-flight work (the process's exit code). */
  private readonly shutdown: GracefulShutdownState

  constructor(
    dispatcher: Dispatcher,
    options: SessionOptions,
    outbound: Outbox,
    connection: Connection | PushConnection,
    forks: Forks,
    shutdown: GracefulShutdownState
  ) {
    // What runs and what waits: the base class (`internal/scheduler.ts`).
    super(options)
    this.shutdown = shutdown
    this.dispatcher = dispatcher
    this.outbound = outbound
    this.connection = connection
    this.ownConnection = !("attach" in connection)
    this.forks = forks
    this.sessionId = options.sessionId
    this.stateless = options.stateless === true
    this.clientTimeout = options.clientRequestTimeoutMillis ?? 60_000
    this.shutdownTimeout = options.shutdownTimeoutMillis ?? 10_000
    this.caps = options.serverCapabilities
    this.principal = ("principal" in connection ? connection.principal : undefined) ?? options.principal
    if (this.stateless) this.phase = "operational"
  }

  /**
   * A random UUID unless the transport gave one, made at its first read: a stdio session that
   * never reads it never loads Web Crypto (about 3 ms of a process's start).
   */
  get id(): string {
    return this.sessionId ??= crypto.randomUUID()
  }

  /** Forks in the session's context (what the session runs besides requests). */
  get runFork(): RunFork {
    return this.forks.runFork
  }

  /**
   * Runs a request's effect. A stateless session runs a 2026-07-28 request's in a fiber that says
   * so ({@link ModernRequest}): one check per request, nothing allocated.
   */
  forkRequest(inflight: Inflight): Fiber.Fiber<unknown, unknown> {
    return this.stateless && ProtocolVersion.isModern(inflight.version)
      ? this.forks.runModern(inflight.effect)
      : this.forks.runFork(inflight.effect)
  }

  get protocolVersion(): ProtocolVersion.ProtocolVersion {
    return this.negotiated.protocolVersion
  }
  get awaitingClient(): boolean {
    return this.pendingClient.size > 0
  }
  /** How long its requests to the client wait for an answer by default (`clientRequestTimeoutMillis`). */
  get clientRequestTimeoutMillis(): number {
    return this.clientTimeout
  }
  /** Whether its requests to the client fail at once (`SessionClosed`): it closed, or drains (its input ended). */
  get refusesRequests(): boolean {
    return this.phase === "closed" || (this.once & Once.Draining) !== 0
  }
  /** The server's identity, which its 2026-07-28 results carry (see `SessionInput.serverInfo`). */
  get serverInfo(): Implementation | undefined {
    return this.dispatcher.serverInfo
  }

  /** Whether the server→client request `id` still waits for the client's answer (see `SessionInput.awaitsAnswer`). */
  awaitsAnswer(id: JsonRpc.RequestId): boolean {
    return typeof id === "number" && this.pendingClient.has(id)
  }
  /** See `SessionInput.holdsWork`: the dispatcher's answer (`Dispatcher.holdsWork`). */
  holdsWork(): boolean {
    return this.dispatcher.holdsWork?.(this) === true
  }
  /** See `SessionInput.rechecked`: the dispatcher's answer (`Dispatcher.rechecked`). */
  rechecked(principal: Principal, related: JsonRpc.RequestId | undefined, before?: Principal): ReadonlyArray<string> {
    return this.dispatcher.rechecked?.(this, principal, related, before) ?? noScopes
  }
  get clientCapabilities(): ClientCapabilities {
    return this.negotiated.clientCapabilities
  }
  get clientInfo(): Implementation | undefined {
    return this.negotiated.clientInfo
  }

  /**
   * The truth a request is answered by ({@link Negotiation.resolve}): the negotiated state of a
   * session; stateless, the request and its HTTP header. Built once per distinct value, so the
   * hot path allocates nothing for it.
   */
  private resolve(request: JsonRpc.Request, http: HttpRequestInfo | undefined): Negotiation.ResolvedRequest {
    if (!this.stateless) return this.negotiated
    if (request.method === "initialize" || http === undefined) {
      return Negotiation.resolve(request, { _tag: "Stateless", headerVersion: http?.header("mcp-protocol-version"), overHttp: http !== undefined })
    }
    const header = http.header("mcp-protocol-version")
    const key = header ?? ""
    let truth = this.statelessTruths?.get(key)
    if (truth === undefined) {
      truth = Negotiation.resolve(request, { _tag: "Stateless", headerVersion: header, overHttp: true })
      // Only supported versions reach here (the transport refuses others): a bounded cache.
      if ((this.statelessTruths ??= new Map()).size < 16) this.statelessTruths.set(key, truth)
    }
    return truth
  }

  // --- inbound ------------------------------------------------------------

  processBatches(
    batches: ReadonlyArray<ReadonlyArray<unknown>>,
    http?: HttpRequestInfo,
    resolved?: Negotiation.ResolvedRequest
  ): Effect.Effect<void, TransportFailure> {
    this.inBatch = true
    try {
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!
        for (let j = 0; j < batch.length; j++) this.processOne(batch[j], http, resolved)
      }
    } finally {
      this.inBatch = false
    }
    const flushed = this.flushBatch()
    // The drain resumes once this batch's answers are in the outbox (handed over just above).
    if (this.drainAfterBatch) {
      this.drainAfterBatch = false
      this.resumeDrainNow()
    }
    return flushed
  }

  /**
   * Writes what the batch produced, behind whatever the outbound Queue holds (a request's
   * notifications are there when its response is here), then waits for room if the FIFO is full.
   */
  private flushBatch(): Effect.Effect<void, TransportFailure> {
    const pending = this.pendingOut
    if (pending.length === 0 && this.outbound.size() === 0) return this.waitForRoom()
    this.pendingOut = noOutbound
    const written = this.outbound.writeBatch(pending)
    return this.full ? Effect.andThen(written, this.waitForRoom()) : written
  }

  private processOne(value: unknown, http: HttpRequestInfo | undefined, resolved: Negotiation.ResolvedRequest | undefined): void {
    if (value instanceof InvalidFrame) {
      const id = value.response.id
      if (value.answer) this.send(value.response, id)
      // A response too large to read: its request fails now, not at its timeout.
      else if (id !== undefined && this.pendingClient.size > 0) {
        const pending = this.takePending(id)
        if (pending !== undefined) Deferred.doneUnsafe(pending.deferred, Exit.fail(malformedAnswer(pending.method, value.response.error.message)))
      }
      return this.observeInvalid(undefined, value.response.error)
    }
    const kind = JsonRpc.classify(value)
    if (kind instanceof JsonRpc.InvalidMessage) {
      // A batch is looked for only here, off a single message's path.
      if (Array.isArray(value) && this.takesBatches) return this.processBatch(value, http, resolved)
      if (kind.answer) this.send(JsonRpc.failure(kind.id, kind.error), kind.id)
      // Never answered: maybe the client's answer to a request of ours, which is not JSON-RPC
      // (`"jsonrpc": "1.0"`). Its request fails now, not at its timeout.
      else if (this.pendingClient.size > 0) {
        const pending = this.takePending((value as { readonly id?: unknown }).id)
        if (pending !== undefined) Deferred.doneUnsafe(pending.deferred, Exit.fail(malformedAnswer(pending.method, kind.error.message)))
      }
      return this.observeInvalid(value, kind.error, http)
    }
    switch (kind) {
      case JsonRpc.Kind.Request:
        return this.onRequest(value as JsonRpc.Request, http, resolved)
      case JsonRpc.Kind.Notification:
        return this.onNotification(value as JsonRpc.Notification, http)
      case JsonRpc.Kind.Response:
        return this.onResponse(value as JsonRpc.Response)
    }
  }

  /**
   * Whether a JSON-RPC batch is taken (else it is -32600, as `JsonRpc.classify` says): only once
   * `initialize` settled 2025-03-26 (the one version that has batches; `initialize` itself may not
   * be in one), over a pulled connection (stdio, in-memory: a batch POST has one HTTP answer,
   * which the endpoint makes, see `transport/http/internal/batch.ts`), in a session of one client.
   */
  private get takesBatches(): boolean {
    return this.negotiatedBatches && !("attach" in this.connection)
  }

  /**
   * A connection of the 2026-07-28 era (stdio, in memory) past the probe: it had a request other
   * than `server/discover` resolved, and refuses `initialize` (see `internal/lifecycle.ts`).
   */
  get lockedToModern(): boolean {
    return this.phase === "modern" && (this.once & Once.BeyondProbe) !== 0
  }

  /**
   * Whether an `initialize` would be taken now (`Negotiation.Handshake`, read only to word the
   * -32022 of a 2026-07-28 request naming a handshake-era version): the server serves a
   * handshake-era version, and the connection is not locked to 2026-07-28.
   */
  get takesInitialize(): boolean {
    return !this.lockedToModern && this.dispatcher.supportedVersions?.length !== 0
  }

  /** The versions the server narrowed its service to (see `SessionInput.legacyVersions`). */
  get legacyVersions(): ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined {
    return this.dispatcher.supportedVersions
  }

  /** Whether `initialize` settled the version that has batches, in a session of one client (see `SessionInput.takesBatches`). */
  get negotiatedBatches(): boolean {
    return this.negotiated.protocolVersion === ProtocolVersion.batching && !this.stateless &&
      (this.phase === "initialized" || this.phase === "operational")
  }

  /**
   * A JSON-RPC batch (JSON-RPC 2.0 §6): each member is taken in as a single message is (through
   * middleware, a request slot each, cancellable), and the responses to its requests are written
   * as one array once all are answered (see {@link BatchAnswer}); notifications and responses get
   * no entry, and a batch without an entry is not answered. An empty batch, and an `initialize`
   * in one (2025-03-26: it "MUST NOT be part of a JSON-RPC batch"), are -32600.
   */
  private processBatch(
    members: ReadonlyArray<unknown>,
    http: HttpRequestInfo | undefined,
    resolved: Negotiation.ResolvedRequest | undefined
  ): void {
    if (members.length === 0) {
      const error = JsonRpc.invalidRequest("a JSON-RPC batch must hold at least one message")
      this.send(JsonRpc.failure(undefined, error), undefined)
      return this.observeInvalid(members, error, http)
    }
    const batch = new BatchAnswer(members.length)
    for (let index = 0; index < members.length; index++) {
      const member = members[index]
      const kind = Array.isArray(member)
        ? new JsonRpc.InvalidMessage(undefined, JsonRpc.invalidRequest("a member of a batch must be a JSON-RPC message, not an array"))
        : JsonRpc.classify(member)
      if (kind instanceof JsonRpc.InvalidMessage) {
        if (!kind.answer && this.pendingClient.size > 0) {
          // As for a single message: maybe the client's malformed answer to a request of ours.
          const pending = this.takePending((member as { readonly id?: unknown }).id)
          if (pending !== undefined) Deferred.doneUnsafe(pending.deferred, Exit.fail(malformedAnswer(pending.method, kind.error.message)))
        }
        batch.settle(index, kind.answer ? JsonRpc.failure(kind.id, kind.error) : undefined)
        this.observeInvalid(member, kind.error, http)
        continue
      }
      if (kind !== JsonRpc.Kind.Request) {
        batch.settle(index, undefined)
        if (kind === JsonRpc.Kind.Notification) this.onNotification(member as JsonRpc.Notification, http)
        else this.onResponse(member as JsonRpc.Response)
        continue
      }
      let request = member as JsonRpc.Request
      if (request.method === "initialize") {
        const error = JsonRpc.invalidRequest(`"initialize" must not be part of a JSON-RPC batch`)
        batch.settle(index, JsonRpc.failure(request.id, error))
        this.observeInvalid(request, error, http)
        continue
      }
      // The same object twice (a client in the same process): each needs a key of its own.
      if (this.batchMembers?.has(request) === true) request = { ...request }
      ;(this.batchMembers ??= new Map()).set(request, new BatchMember(batch, index))
      this.onRequest(request, http, resolved)
    }
    if (batch.seal()) this.batchAnswered(batch)
  }

  /**
   * A request's answer (`undefined`: none, it was cancelled or stopped): written, or, for a
   * member of a batch, put in its slot (the batch is written once complete).
   */
  private answer(request: JsonRpc.Request, message: JsonRpc.Response | undefined): void {
    const members = this.batchMembers
    if (members !== undefined) {
      const member = members.get(request)
      if (member !== undefined) {
        members.delete(request)
        if (members.size === 0) this.batchMembers = undefined
        if (member.batch.settle(member.index, message)) this.batchAnswered(member.batch)
        return
      }
    }
    if (message !== undefined) this.send(message, request.id)
  }

  /** Every member of a batch is settled: its responses go out as one array, if it has any. */
  private batchAnswered(batch: BatchAnswer): void {
    const responses = batch.responses
    if (responses !== undefined) this.send(responses, undefined)
  }

  private onRequest(
    request: JsonRpc.Request,
    http: HttpRequestInfo | undefined,
    resolved: Negotiation.ResolvedRequest | undefined
  ): void {
    const id = request.id
    // Read while a pulled connection drains (its input read on after a graceful shutdown, see
    // `drain`): refused, as Streamable HTTP refuses a request while it drains (a batch's member in
    // the batch's answer).
    if ((this.once & Once.Draining) !== 0 && !("attach" in this.connection)) {
      this.answer(request, JsonRpc.failure(id, McpError.stoppedByShutdownObject))
      return this.observeDrainRefusal(request, McpError.stoppedByShutdownObject, http)
    }
    if (this.has(id)) {
      return this.reject(request, `a request with id ${clip(JSON.stringify(id))} is already in progress`, http)
    }
    // The lifecycle decides (see `internal/lifecycle.ts`). The stateless era (2026-07-28) on a
    // connection without HTTP (stdio, in-memory): the first message picks the era.
    const admission = Lifecycle.admit(
      this.phase,
      this.stateless,
      request.method,
      (this.phase === "new" || (this.phase === "modern" && request.method === "initialize")) && Negotiation.namesItsVersion(request),
      resolved !== undefined,
      (this.once & Once.BeyondProbe) === 0
    )
    switch (admission._tag) {
      case "Modern": {
        const modern = Negotiation.resolveModern(request, undefined, this)
        // A refused one (its version not served, its `_meta` malformed) picks no era and locks
        // nothing: a dual-era client refused may still fall back to `initialize` (after a probe
        // it was refused `initialize`: the client could not connect). Its -32022 is Streamable
        // HTTP's (`Negotiation.resolveModern`): the versions a request names per request.
        if (modern._tag === "Failure") return this.refuse(request, modern.failure.error, http)
        // The era is picked by the first request resolved; past the probe (a request other than
        // `server/discover` resolved), `initialize` is refused (see `internal/lifecycle.ts`).
        if (this.phase === "new") this.phase = "modern"
        if (request.method !== "server/discover") this.once |= Once.BeyondProbe
        resolved = modern.success
        break
      }
      case "Initialize":
        this.phase = "initializing"
        return this.startInitialize(request, http)
      case "InitializeAfterModern":
        return this.refuse(request, Negotiation.initializeAfterModern(request), http)
      case "Reject":
        return this.reject(request, admission.detail, http)
      case "Drop":
        return this.answer(request, undefined)
    }
    // A transport that resolved the request already (2026-07-28 over HTTP) hands its truth along.
    const truth = resolved ?? this.resolve(request, http)
    const effect = this.dispatchOwn(request, admission === Lifecycle.modern ? undefined : http, truth)
    if (isExit(effect)) return this.respond(request, effect, truth.protocolVersion)
    this.admit(new Inflight(id, request, effect, truth.protocolVersion))
  }

  private dispatch(
    request: JsonRpc.Request,
    http: HttpRequestInfo | undefined,
    truth: Negotiation.ResolvedRequest
  ): Effect.Effect<unknown, unknown> {
    try {
      const meta = request.params?._meta as { readonly [key: string]: unknown } | undefined
      return this.dispatcher.request(request, new RequestContextImpl(this, request.id, request.method, meta, http, truth))
    } catch (defect) {
      return Effect.die(defect)
    }
  }

  /**
   * Dispatches a request, which may notify while its effect is made, before it is admitted (see
   * {@link answering}).
   */
  private dispatchOwn(
    request: JsonRpc.Request,
    http: HttpRequestInfo | undefined,
    truth: Negotiation.ResolvedRequest
  ): Effect.Effect<unknown, unknown> {
    this.dispatching = request.id
    try {
      return this.dispatch(request, http, truth)
    } finally {
      this.dispatching = undefined
    }
  }

  /**
   * Whether the request `id` has not been answered yet, so that its notifications may still go out:
   * it runs (and was not cancelled), or its effect is being made.
   */
  private answering(id: JsonRpc.RequestId): boolean {
    const inflight = this.running.get(id)
    return inflight === undefined ? id === this.dispatching : !inflight.cancelled
  }

  private reject(request: JsonRpc.Request, detail: string, http: HttpRequestInfo | undefined): void {
    this.refuse(request, { code: McpError.ErrorCode.InvalidRequest, message: `Invalid Request: ${detail}` }, http)
  }

  /**
   * Answers a request the session refuses before dispatching it (the lifecycle, a malformed
   * `_meta`, an id in progress) with `error`; middleware observes it as invalid input, as it
   * observes a malformed message (it saw none of them: logging and telemetry missed them).
   */
  private refuse(request: JsonRpc.Request, error: JsonRpc.ErrorObject, http: HttpRequestInfo | undefined): void {
    this.answer(request, JsonRpc.failure(request.id, error))
    this.observeInvalid(request, error, http)
  }

  private startInitialize(request: JsonRpc.Request, http: HttpRequestInfo | undefined): void {
    // Nothing settled yet by this attempt (a rejected earlier one may have established something).
    this.established = undefined
    const effect = Effect.onExit(this.dispatchOwn(request, http, this.negotiated), (exit) =>
      Effect.sync(() => {
        if (exit._tag === "Success" && this.phase === "initializing") {
          const answered = (exit.value as { readonly protocolVersion?: unknown }).protocolVersion
          // What the handler established (a middleware may have changed the request), else the request.
          const established = this.established
          const params = (request.params ?? noParams) as {
            readonly capabilities?: ClientCapabilities
            readonly clientInfo?: Implementation
          }
          this.established = undefined
          this.negotiated = {
            protocolVersion: ProtocolVersion.isSupported(answered)
              ? answered
              : established?.protocolVersion ?? this.protocolVersion,
            clientCapabilities: established === undefined ? params.capabilities ?? {} : established.clientCapabilities,
            clientInfo: established === undefined ? params.clientInfo : established.clientInfo
          }
          this.phase = "initialized"
        } else if (this.phase === "initializing") {
          this.established = undefined
          // A rejected initialize (middleware, bad params) leaves the session as it was: the client may retry.
          this.phase = "new"
        }
      }))
    // Answered as negotiated (the result is already projected by the negotiation).
    this.admit(new Inflight(request.id, request, effect, ProtocolVersion.latest))
    // Answered at once inside a read (a batch) of a connection of its own (stdio, in memory): the
    // answer, and what came before it, go to the outbound Queue now, in front of what the read's
    // next requests queue from their fibers (a tool's log, its elicitation/create), which the
    // batch's answers would go out behind (`flushBatch`). Once per session, not per message.
    if (this.inBatch && this.pendingOut.length > 0 && this.ownConnection) {
      const pending = this.pendingOut
      this.pendingOut = noOutbound
      for (let i = 0; i < pending.length; i++) this.enqueue(pending[i]!)
    }
  }

  private onNotification(notification: JsonRpc.Notification, http?: HttpRequestInfo): void {
    switch (notification.method) {
      case "notifications/initialized":
        switch (Lifecycle.initializedNotice(this.phase)) {
          case "apply":
            this.becomeOperational()
            break
          case "defer":
            // Sent before the `initialize` answer, which is still being made (asynchronously): it
            // takes effect, and middleware observes it, once that answer is sent (`finished`).
            if (this.pipelinedInitialized === undefined) {
              this.pipelinedInitialized = { notification, http }
              return
            }
        }
        break
      case "notifications/cancelled":
        this.cancel((notification.params as { readonly requestId?: unknown } | undefined)?.requestId)
        break
      default:
        if (this.phase === "new" || this.phase === "initializing" || this.phase === "modern") return
    }
    if (this.phase === "closed") return
    this.runObserver(notification.method, () => this.dispatcher.notification(notification, this, http))
  }

  /** Input the transport refused and answered itself (see `SessionInput.refused`): observed only. */
  observeRefused(value: unknown, error: JsonRpc.ErrorObject, http: HttpRequestInfo | undefined): void {
    this.observeInvalid(value, error, http)
  }

  /**
   * A request refused because the session drains (here, or by its transport: see
   * `SessionInput.refusedByDrain`), or because its lanes are full (429, see `refused`), answered:
   * told to `Dispatcher.refused` only (no `onMessage` observer: it is no invalid input), forked on
   * its own, not admitted as the session's work (the drain waits for none of it, and a full lane
   * has no room for it). Nothing without such a hook.
   */
  observeDrainRefusal(value: unknown, error: JsonRpc.ErrorObject, http: HttpRequestInfo | undefined): void {
    const refused = this.dispatcher.refused
    if (refused === undefined || this.phase === "closed") return
    const effect = refused({ value, error, http }, this)
    if (!isExit(effect)) this.runFork(effect)
  }

  /** Whether middleware observes the notifications no session takes (see `SessionInput.observesNotifications`). */
  get observesNotifications(): boolean {
    return this.dispatcher.observe !== undefined
  }

  /** A notification the transport accepted and hands over to no session (see `SessionInput.observe`): observed only. */
  observeNotification(notification: JsonRpc.Notification, http: HttpRequestInfo | undefined): void {
    const observe = this.dispatcher.observe
    if (observe !== undefined && this.phase !== "closed") this.runObserver(notification.method, () => observe(notification, this, http))
  }

  /** `notifications/initialized` took effect: what was held for it goes out. */
  private becomeOperational(): void {
    this.phase = "operational"
    this.wakeHeldRequests()
    const held = this.held
    this.held = undefined
    if (held !== undefined) for (const message of held) this.send(message, undefined)
  }

  /**
   * The `initialize` answer is sent (or given up) and a pipelined `notifications/initialized`
   * waited for it: applied now, after that answer, if `initialize` succeeded (the phase is
   * `"initialized"`); dropped if it failed (the session is new again: the client may retry).
   */
  private initializeAnswered(): void {
    const { http, notification } = this.pipelinedInitialized!
    this.pipelinedInitialized = undefined
    if (this.phase === "initialized") this.onNotification(notification, http)
  }

  private observeInvalid(value: unknown, error: JsonRpc.ErrorObject, http?: HttpRequestInfo): void {
    const invalid = this.dispatcher.invalid
    if (invalid !== undefined && this.phase !== "closed") this.runObserver("invalid input", () => invalid({ value, error, http }, this))
  }

  /** Runs an effect nobody answers (notification handlers, observers): inline if done, else under the limit. */
  private runObserver(what: string, make: () => Effect.Effect<void, unknown>): void {
    let effect: Effect.Effect<void, unknown>
    try {
      effect = make()
    } catch (defect) {
      effect = Effect.die(defect)
    }
    if (isExit(effect)) {
      if (effect._tag === "Failure") this.logFailure(what, effect.cause)
      return
    }
    this.admit(new Inflight(Symbol(), undefined, effect, ProtocolVersion.latest))
  }

  private cancel(requestId: unknown): void {
    if (typeof requestId !== "string" && typeof requestId !== "number") return
    // A member of a batch still waiting for a slot is dropped unanswered: its slot is settled.
    const waiting = this.batchMembers === undefined ? undefined : this.queued.get(requestId)?.request
    this.cancelRequest(requestId)
    if (waiting !== undefined && !this.queued.has(requestId)) this.answer(waiting, undefined)
  }

  /**
   * As the scheduler's, and the requests that waited for a slot (never started) are answered: at
   * the drain's timeout (not `cancelled`) with -32000 (`McpError.notStartedObject`), while the
   * output still takes it. Dropped unanswered, their clients waited for ever (over stdio; a batch
   * whose requests all waited was not answered at all). Over a pulled connection (stdio, in
   * memory) the requests still running then are answered too, before they are interrupted, with
   * -32000 (`McpError.stoppedByShutdownObject`), as Streamable HTTP answers the ones its shutdown
   * stops: interrupted unanswered, their clients learnt of it only from the output closing (or at
   * their own timeout); answered now, not once they end (a finalizer may never end). Over a push
   * connection the transport answers them (`EndpointState.ended`). As the session closes
   * (`cancelled`: its input failed, it was interrupted) nothing more is answered, but the members
   * of batches are settled unanswered, so that the rest of their batch still goes out.
   */
  override stopAll(cancelled: boolean): void {
    if (!cancelled && this.ownConnection) this.answerStopped()
    if (this.queued.size === 0 || (cancelled && this.batchMembers === undefined)) return super.stopAll(cancelled)
    const waiting = [...this.queued.values()]
    super.stopAll(cancelled)
    for (const inflight of waiting) {
      const request = inflight.request
      if (request !== undefined) this.answer(request, cancelled ? undefined : JsonRpc.failure(request.id, McpError.notStartedObject))
    }
  }

  /**
   * The running requests the drain stops (see `stopAll`) are answered -32000 and marked cancelled
   * first: their end, at their interruption or later, sends nothing more (nor do their
   * notifications), and a batch's member keeps its answer.
   */
  private answerStopped(): void {
    for (const inflight of this.running.values()) {
      const request = inflight.request
      if (request === undefined || inflight.cancelled) continue
      inflight.cancelled = true
      stoppedRequests.set(request, McpError.stoppedByShutdownObject)
      this.answer(request, JsonRpc.failure(request.id, McpError.stoppedByShutdownObject))
    }
  }

  private onResponse(response: JsonRpc.Response): void {
    const pending = this.takePending(response.id)
    if (pending !== undefined) Deferred.doneUnsafe(pending.deferred, answerExit(pending.method, response))
  }

  /**
   * The server→client request `id`, if it waits for its answer: it waits no more. The session's
   * ids are integers; an answer naming one as a string (`"3"` for 3, as a client that keeps ids
   * as strings sends) is its answer, as the TS SDK takes it (`Number(id)`). Ignored, its request
   * waited for its timeout and failed as unanswered though the client had answered.
   */
  private takePending(answered: unknown): PendingClientRequest | undefined {
    const id = typeof answered === "string" && this.pendingClient.size > 0 ? numericId(answered) : answered
    if (typeof id !== "number") return undefined
    const pending = this.pendingClient.get(id)
    if (pending === undefined) return undefined
    this.pendingClient.delete(id)
    this.pendingClient = shrink(this.pendingClient)
    return pending
  }

  // --- concurrency --------------------------------------------------------

  /**
   * Refuses what arrives past twice the FIFO's bound while the session is stuck (the FIFO stayed
   * full for a whole read pause; a burst that the session works through is never refused): a request gets
   * 429; a notification's handlers (middleware observers) are skipped, logged once per session.
   */
  refused(inflight: Inflight, max: number): void {
    const request = inflight.request
    if (request === undefined) {
      if ((this.once & Once.RefusedObservers) === 0) {
        this.once |= Once.RefusedObservers
        this.runFork(Effect.logWarning(
          `MCP session ${this.id}: notification handlers skipped while ${this.queued.size} requests wait for a slot`
        ))
      }
      return
    }
    const error = McpError.toErrorObject(McpError.limitExceeded(
      `Too many requests waiting: at most ${max} may wait while ${this.limit} run; retry later`,
      "queuedRequests",
      { max }
    ))
    this.answer(request, JsonRpc.failure(request.id, error))
    // Refused before any hook saw it, as a drain refuses: told to what observes such refusals
    // (`Telemetry`'s span and measure), forked on its own (the lanes are full). Not on a stateless
    // session, whose requests it sees under ids of the transport's (the client's is in the HTTP
    // request, which is not kept with a waiting request): it would name another request.
    if (!this.stateless) this.observeDrainRefusal(request, error, undefined)
  }

  /** A request or handler ended: a request's answer goes out (unless it was cancelled). */
  finished(inflight: Inflight, exit: Exit.Exit<unknown, unknown>): void {
    const request = inflight.request
    if (request === undefined) {
      if (exit._tag === "Failure" && !Cause.hasInterruptsOnly(exit.cause)) {
        this.logFailure(inflight.effect === heldWork ? "a request's work after its answer (Timeout)" : "notification", exit.cause)
      }
      return
    }
    if (!inflight.cancelled) this.respond(request, exit, inflight.version, inflight.interrupted)
    else if (this.batchMembers !== undefined) this.answer(request, undefined)
    // A `notifications/initialized` that came before this answer waited for it (one field read
    // per request otherwise).
    if (this.pipelinedInitialized !== undefined && request.method === "initialize") this.initializeAnswered()
  }

  /** Nothing runs or waits: a drain waiting for that resumes. */
  idle(): void {
    if (this.resumeDrain === undefined) return
    // Inside a batch, the answers it produced are not in the outbox yet: resumed after it.
    if (this.inBatch) this.drainAfterBatch = true
    else this.resumeDrainNow()
  }

  private resumeDrainNow(): void {
    const resume = this.resumeDrain
    this.resumeDrain = undefined
    resume?.()
  }

  // --- outbound -----------------------------------------------------------

  /**
   * A request's result as it is sent at `version`: projected to that version (2026-07-28 adds
   * `resultType` and the server's identity). Throws as `projectResult` does (a result whose
   * properties cannot be read).
   */
  asSent(method: string, result: object, version: ProtocolVersion.ProtocolVersion): object {
    if (version !== ProtocolVersion.latest) return projectResult(method, result, version, this.dispatcher.serverInfo)
    // 2025-11-25: what only 2026-07-28 defines on a result (a few property checks), an `outputSchema`
    // whose root is not an object (SEP-2106) and the `structuredContent` that goes with it.
    const projected = projectLatestResult(method, result)
    // `initialize` is answered at the newest (nothing is settled before it), its result at the
    // version it names (see `initializeAsSent`).
    return method === "initialize" ? initializeAsSent(projected) : projected
  }

  private respond(
    request: JsonRpc.Request,
    exit: Exit.Exit<unknown, unknown>,
    version: ProtocolVersion.ProtocolVersion,
    interruptedBySession = false
  ): void {
    if (exit._tag === "Success") {
      const value = exit.value
      const result = (value === undefined || value === null ? noParams : value) as object
      let projected: object
      try {
        projected = this.asSent(request.method, result, version)
      } catch (defect) {
        // A result whose properties cannot be read (a getter or a Proxy that throws) is answered as
        // one JSON cannot hold (`JsonRpc.stringify`): a -32603 for this request. Thrown from here,
        // it ended the session, and a stdio server with it.
        this.logFailure(request.method, Cause.die(defect))
        return this.answer(request, JsonRpc.failure(request.id, JsonRpc.unserialisable(defect)))
      }
      return this.answer(request, JsonRpc.success(request.id, projected))
    }
    // Interrupted by the session (a cancellation, its end): no response. A request that
    // interrupted itself (`Effect.interrupt` in a handler or middleware, the join of a fiber that
    // was interrupted) is -32603: left unanswered, its client waited for ever.
    const error = McpError.fromCause(exit.cause) ?? (interruptedBySession ? undefined : McpError.internalErrorObject)
    if (error === undefined) return this.answer(request, undefined)
    if (error === McpError.internalErrorObject) this.logFailure(request.method, exit.cause)
    this.answer(request, JsonRpc.failure(request.id, version === ProtocolVersion.latest ? error : projectError(error, version)))
  }

  /**
   * Queues a message from synchronous code: during a batch it is written right after the batch;
   * otherwise it goes to the outbound Queue (keeping order with anything already overflowing).
   */
  private send(message: JsonRpc.Outgoing, related: JsonRpc.RequestId | undefined): void {
    const outbound: Outbound = { message, related }
    if (this.inBatch) {
      if (this.pendingOut === noOutbound) this.pendingOut = []
      this.pendingOut.push(outbound)
    }
    else this.enqueue(outbound)
  }

  /** Queues a message on the outbound Queue without suspending; what does not fit waits in order. */
  private enqueue(outbound: Outbound): void {
    if (this.overflow.length > 0 || !this.outbound.offerUnsafe(outbound)) {
      if (this.overflow === noOutbound) this.overflow = []
      this.overflow.push(outbound)
      this.flushOverflow()
    }
  }

  /** Moves overflowing messages to the outbound Queue from a fiber of their own, in order. */
  private flushOverflow(): void {
    if (this.flushing) return
    this.flushing = true
    // Where the output stands as messages begin to overflow (see `logFits`): off the common path.
    const progress = this.outbound.progress()
    const now = performance.now()
    if (this.pace === undefined) this.pace = { seen: progress, at: now }
    else {
      this.pace.seen = progress
      this.pace.at = now
    }
    this.runFork(Effect.suspend(() => {
      const pending = this.overflow
      this.overflow = noOutbound
      return this.outbound.offerAll(pending)
    }).pipe(
      Effect.repeat({ while: () => this.overflow.length > 0 }),
      Effect.ensuring(Effect.sync(() => {
        this.flushing = false
      }))
    ))
  }

  /** Queues a message from a fiber, suspending while the outbound Queue is full. */
  offer(message: JsonRpc.Message, related: JsonRpc.RequestId | undefined, route?: string): Effect.Effect<void> {
    return this.outbound.offer(route === undefined ? { message, related } : { message, related, route })
  }

  notifyRelated(
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    version: ProtocolVersion.ProtocolVersion = this.protocolVersion,
    route?: string
  ) {
    const message = this.notification(method, params, related, version, route)
    if (message === undefined || this.hold(message, related)) return Effect.void
    const meta = this.dispatcher.notificationMeta
    const send = meta === undefined || related === undefined
      ? this.offer(message, related, route)
      // Read where the notification is sent (when the effect runs): the sender's current span.
      : Effect.withFiber((fiber) => this.offer(withMeta(message, meta(fiber.context, method)), related, route))
    // Asked again as it is sent: an effect made while its request ran (`Effect.andThen(context.log(...))`
    // in a fiber the handler forked) may run after the answer.
    return this.endsWithAnswer(method, related, version, route) ? Effect.suspend(() => this.answering(related!) ? send : Effect.void) : send
  }

  /**
   * Whether the notification `method` tied to `related` stops with its answer. A 2026-07-28
   * request's, on a connection of its own (stdio, in memory: one stream for every request): they go
   * on its stream, before its answer, which ends it (over Streamable HTTP its stream has ended then,
   * and the transport drops them). Before 2026-07-28, on every transport, its progress and log
   * messages (what its handler says): a progress notification for a request answered is for no
   * operation in progress, which the spec forbids, and they went out, on the one stream of a
   * connection of its own and on the standalone stream of a session over Streamable HTTP (the
   * handler `Timeout` answered still said its log and progress). Other notifications go out as
   * before (one about something else, such as `notifications/elicitation/complete`, may come
   * later); nor a 2025-11-25 task's (`route`): its messages go on after the `CreateTaskResult`.
   */
  private endsWithAnswer(
    method: string,
    related: JsonRpc.RequestId | undefined,
    version: ProtocolVersion.ProtocolVersion,
    route: string | undefined
  ): boolean {
    if (related === undefined || route !== undefined) return false
    return ProtocolVersion.isModern(version)
      ? this.ownConnection
      : method === "notifications/progress" || method === "notifications/message"
  }

  /**
   * The notification as the client may get it: `undefined` when a gate stops it or the
   * negotiated version does not define it.
   */
  private notification(
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    version: ProtocolVersion.ProtocolVersion,
    route: string | undefined
  ): JsonRpc.Notification | undefined {
    const modern = related !== undefined && ProtocolVersion.isModern(version)
    if (!OutboundGates.mayNotify(this.phase, this.caps, method, related, modern)) return undefined
    // Its request answered (or cancelled): for no request any more (see `endsWithAnswer`).
    if (this.endsWithAnswer(method, related, version, route) && !this.answering(related!)) return undefined
    const projected = version === ProtocolVersion.latest
      ? params
      : projectServerNotification(method, params, version)
    return projected === NotSendable ? undefined : JsonRpc.notification(method, projected)
  }

  /**
   * Holds an unsolicited notification (a list change, a resource update; logs excepted) between
   * the `initialize` answer and `notifications/initialized`, to send it once the client has said
   * it is ready; a bounded number, duplicates folded.
   */
  private hold(message: JsonRpc.Notification, related: JsonRpc.RequestId | undefined): boolean {
    if (!OutboundGates.isHeld(this.phase, message.method, related)) return false
    this.held = OutboundGates.hold(this.held, message)
    return true
  }

  /** The synchronous form of {@link logRelated}, for callers outside Effect (the log bridge). */
  logRelatedUnsafe(
    level: LoggingLevel,
    data: unknown,
    logger: string | undefined,
    related: JsonRpc.RequestId | undefined,
    meta?: JsonRpc.Params,
    version: ProtocolVersion.ProtocolVersion = this.protocolVersion,
    route?: string
  ) {
    if (logLevels[level] < logLevels[this.logLevel]) return
    let message = this.notification("notifications/message", logParams(level, data, logger, meta), related, version, route)
    if (message === undefined) return
    // Synchronous (Effect's logger), it cannot wait for room: while the client does not take the
    // output, what overflows the outbound Queue grew with every line a handler logged. Past a
    // bound, a log is dropped (said once per session): logs are best effort, the memory is not.
    // Before its `_meta` is asked for: a log dropped is no notification sent (no CLIENT span).
    if (this.overflow.length >= maxOverflowingLogs && !this.logFits()) return this.dropLog()
    // Called from within the sending fiber (Effect's logger): its context is the sender's.
    const added = this.dispatcher.notificationMeta
    const fiber = added === undefined || related === undefined ? undefined : Fiber.getCurrent()
    if (fiber !== undefined) message = withMeta(message, added!(fiber.context, message.method))
    // From a handler's fiber: through the outbound Queue, in order with its other messages.
    this.enqueue(route === undefined ? { message, related } : { message, related, route })
  }

  /**
   * Whether a log may still wait beyond the outbound Queue, {@link maxOverflowingLogs} waiting
   * there already: while the client takes some output (the outbox's progress grew within
   * {@link stalledOutputMillis}, or messages began to overflow since), up to {@link maxHeldLogs}.
   * A burst outruns a client that reads (a handler logging each item of a loop, over a stdio
   * pipe): counting alone dropped all of it past a few thousand lines. Off the common path: only
   * past the bound.
   */
  private logFits(): boolean {
    if (this.overflow.length >= maxHeldLogs) return false
    const now = performance.now()
    const progress = this.outbound.progress()
    // Made as messages began to overflow (`flushOverflow`), before any log could wait beyond the Queue.
    const pace = this.pace ??= { seen: progress, at: now }
    if (progress !== pace.seen) {
      pace.seen = progress
      pace.at = now
    }
    return now - pace.at < stalledOutputMillis
  }

  /** A log did not fit (see `logRelatedUnsafe`): dropped, the first time said. */
  private dropLog(): void {
    if ((this.once & Once.DroppedLogs) !== 0) return
    this.once |= Once.DroppedLogs
    this.runFork(Effect.logWarning(
      `MCP session ${this.id}: the client does not take its output: log messages are dropped ` +
        `(more than ${maxOverflowingLogs} wait beyond the outbound queue, and it took none for ` +
        `${stalledOutputMillis} ms; or more than ${maxHeldLogs} wait)`
    ))
  }

  logRelated(
    level: LoggingLevel,
    data: unknown,
    logger: string | undefined,
    related: JsonRpc.RequestId | undefined,
    meta?: JsonRpc.Params,
    version: ProtocolVersion.ProtocolVersion = this.protocolVersion,
    route?: string
  ) {
    if (logLevels[level] < logLevels[this.logLevel]) return Effect.void
    return this.notifyRelated("notifications/message", logParams(level, data, logger, meta), related, version, route)
  }

  requestRelated(
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    options: ClientRequestOptions | undefined,
    truth?: Negotiation.ResolvedRequest,
    route?: string,
    sent?: (id: number) => void
  ): Effect.Effect<unknown, ClientRequestError> {
    // Everything is decided when the effect runs, not when it is built: a retried effect checks
    // again and sends a fresh request id (a late answer to the first attempt cannot resolve it).
    return Effect.suspend(() => this.requestNow(method, params, related, options, truth ?? this.negotiated, route, false, undefined, sent))
  }

  /**
   * Whether the client does not read the request `id` this session sent (of `route`, if any) now:
   * held unsent by its transport, or on streams the client left (see `PushConnection.unread`). One
   * the client answered is read, whatever stream it left since (its answer is on its way to the
   * caller): moved, its answer was lost and the client asked again.
   */
  unread(id: number, route: string | undefined): boolean {
    const connection = this.connection
    return this.pendingClient.has(id) && "attach" in connection && connection.unread?.(id, route) === true
  }

  /**
   * `observer`, if any, is told once the request is to be sent (not for one refused here); `sent`,
   * if any, the id it is sent under.
   */
  private requestNow(
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    options: ClientRequestOptions | undefined,
    truth: Negotiation.ResolvedRequest,
    route: string | undefined,
    untied: boolean,
    observer?: (method: string) => void,
    sent?: (id: number) => void
  ): Effect.Effect<unknown, ClientRequestError> {
    const missing = Negotiation.requiredClientCapability(method, params, truth.clientCapabilities, truth.protocolVersion)
    if (missing !== undefined) {
      const stateless = this.stateless && !ProtocolVersion.isModern(truth.protocolVersion)
      // The client's (it did not declare it): no stack trace, as the -32021 it becomes.
      return Effect.fail(McpError.withoutStackTrace(() =>
        new ClientCapabilityMissing(stateless ? { method, capability: missing, stateless } : { method, capability: missing })
      ))
    }
    // Closed, or draining (the input ended): no answer is to be waited for any more.
    if (this.phase === "closed" || (this.once & Once.Draining) !== 0) return Effect.fail(new SessionClosed({ method }))
    const version = truth.protocolVersion
    // 2026-07-28 has no server→client requests (input reaches a handler through MRTR).
    if (ProtocolVersion.isModern(version)) return Effect.fail(new ClientVersionUnsupported({ method, protocolVersion: version }))
    // The shared session of a stateless Streamable HTTP endpoint is handed no answer (each POST
    // stands alone: a client's answer names no session): sent on its request's stream, a request
    // (a `ping`, which needs no capability; a method of one's own) waited its whole timeout, and
    // failed as unanswered though its client had answered.
    if (this.stateless && !this.ownConnection) return Effect.fail(new SessionClosed({ method, reason: "stateless", tied: true }))
    const projected = version === ProtocolVersion.latest ? params : projectServerRequest(method, params, version)
    if (projected === NotSendable) {
      return Effect.fail(new ClientVersionUnsupported({ method, protocolVersion: version }))
    }
    const timeoutMillis = options?.timeoutMillis ?? this.clientTimeout
    // NaN (`Number()` of a variable that does not parse), 0 or less: the request went out and was
    // given up at once, a `ClientRequestTimeout` the handler took for a client that did not answer.
    if (!(timeoutMillis > 0)) return Effect.die(badTimeout(method, options?.timeoutMillis === undefined, timeoutMillis))
    observer?.(method)
    const id = this.nextClientRequestId++
    sent?.(id)
    const outgoing = this.dispatcher.outgoing
    if (outgoing === undefined) return this.sendRequest(id, method, projected, related, route, timeoutMillis)
    let unsent = true
    return outgoing(
      { id, method, params: projected, protocolVersion: version, session: this, untied },
      // Registered when the send runs: a hook that built it and did not run it leaves nothing pending.
      (params) =>
        Effect.suspend(() => {
          // The session closed or drains since it was asked: no answer can be waited for (a
          // request registered now would wait for its whole timeout, `Infinity` for ever).
          if (this.refusesRequests) return Effect.fail(new SessionClosed({ method }))
          // A hook that sends again (a retry, after a timeout that cancelled the first) sends under
          // a fresh id: ids are never reused in a session (the client was told the first was
          // cancelled; a late answer to it resolved the next), and two sends at once under one
          // id left the first waiting for its timeout, its answer taken by the second.
          let sendId = id
          if (unsent) unsent = false
          else {
            sendId = this.nextClientRequestId++
            sent?.(sendId)
          }
          return this.sendRequest(sendId, method, params, related, route, timeoutMillis)
        })
    )
  }

  /**
   * A request to the client (other than `ping`) asked between the `initialize` answer and
   * `notifications/initialized` (by a request the client sent without waiting for the latter, or
   * an untied one), or while `initialize` is answered (a method of one's own asked by its
   * middleware: it went out before the answer), or before it (after one refused: a request the
   * refusing middleware forked went out to a client that had not initialized): the server
   * SHOULD NOT send it before the client said it is ready (MCP lifecycle), so it waits for that,
   * then goes out; the whole within
   * `timeoutMillis` (a `ClientRequestTimeout` naming it, `unsent`: nothing sent, no cancel). A
   * session that closes or drains meanwhile fails it `SessionClosed`, sending nothing. An
   * `initialize` middleware that waits for such a request holds its own answer until the request
   * times out: it forks it instead.
   */
  private heldUntilOperational(
    id: number,
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    route: string | undefined,
    timeoutMillis: number
  ): Effect.Effect<unknown, ClientRequestError> {
    const since = performance.now()
    let signal = operationalSignals.get(this)
    if (signal === undefined) operationalSignals.set(this, signal = Deferred.makeUnsafe<void>())
    return Deferred.await(signal).pipe(
      Effect.timeoutOrElse({
        duration: timeoutMillis,
        // Nothing was sent: said so, not that the client did not answer.
        orElse: () => Effect.fail(new ClientRequestTimeout({ method, timeoutMillis, unsent: true }))
      }),
      Effect.andThen(Effect.suspend(() => {
        if (this.phase !== "operational" || (this.once & Once.Draining) !== 0) return Effect.fail(new SessionClosed({ method }))
        const left = Math.max(1, timeoutMillis - (performance.now() - since))
        return this.sendRequest(id, method, params, related, route, left, timeoutMillis)
      }))
    )
  }

  /** Wakes the requests held for `notifications/initialized` (see {@link operationalSignals}). */
  private wakeHeldRequests(): void {
    const signal = operationalSignals.get(this)
    if (signal === undefined) return
    operationalSignals.delete(this)
    Deferred.doneUnsafe(signal, Exit.void)
  }

  /**
   * Sends the request `id` and waits for its answer, within `timeoutMillis` (`reported`: the
   * timeout a `ClientRequestTimeout` names, when part of it was spent held); a request given up is cancelled.
   */
  private sendRequest(
    id: number,
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    route: string | undefined,
    timeoutMillis: number,
    reported = timeoutMillis
  ): Effect.Effect<unknown, ClientRequestError> {
    // A request sent as a task (`params.task`) may be answered with a `CreateTaskResult`; no other.
    // Until `notifications/initialized`: held (see `heldUntilOperational`); while `initialize` is
    // answered (its middleware's, a method of one's own: others need a capability not known yet),
    // and before it too, or after one refused (`new`: a request forked by the middleware that
    // refused it, which may start after the refusal, went out to a client that had not initialized).
    if ((this.phase === "new" || this.phase === "initializing" || this.phase === "initialized") && method !== "ping") {
      return this.heldUntilOperational(id, method, params, related, route, timeoutMillis)
    }
    const decode = resultDecoder(method, params?.["task"] !== undefined)
    const deferred = Deferred.makeUnsafe<unknown, ClientRequestError>()
    this.pendingClient = writable(this.pendingClient)
    this.pendingClient.set(id, { deferred, method })
    return this.offer(JsonRpc.request(id, method, params), related, route).pipe(
        Effect.andThen(Deferred.await(deferred)),
        Effect.timeoutOrElse({
          duration: timeoutMillis,
          orElse: () => Effect.fail(new ClientRequestTimeout({ method, timeoutMillis: reported }))
        }),
        Effect.flatMap((result) => decode === undefined ? Effect.succeed(result) : decode(method, result)),
        Effect.onExit((exit) => {
          if (exit._tag === "Success" || !this.pendingClient.delete(id)) return Effect.void
          // Gave up before the client answered (timeout or interruption): tell the client, unless
          // the transport still held the request (the client never saw it). Asked here, once per
          // request given up, not of each message written: a cancel tied to a request whose id a
          // later request reused would be routed to that one's stream (Streamable HTTP), naming
          // a request the client never saw.
          const connection = this.connection
          if ("attach" in connection && connection.withdraw?.(id, route) === true) return Effect.void
          const cancelled: Record<string, unknown> = {
            requestId: id,
            reason: Exit.hasInterrupts(exit) ? "The server cancelled the request" : "Timed out"
          }
          // The cancel of a task's request belongs to the task, as the request did: it carries
          // the request's related-task `_meta` (2025-11-25: every message of a task MUST).
          const task = (params?._meta as { readonly [key: string]: unknown } | undefined)?.[RELATED_TASK_META_KEY]
          if (task !== undefined) cancelled._meta = { [RELATED_TASK_META_KEY]: task }
          return this.offer(JsonRpc.notification("notifications/cancelled", cancelled), related, route)
        })
      )
  }

  // --- ServerSession ------------------------------------------------------

  setLogLevel(level: LoggingLevel): Effect.Effect<void> {
    return Effect.sync(() => {
      this.logLevel = level
      this.once |= Once.LevelSet
    })
  }

  /** The level the client set (`logging/setLevel`), if it did: see `ContextSession.askedLogLevel`. */
  get askedLogLevel(): LoggingLevel | undefined {
    return (this.once & Once.LevelSet) !== 0 ? this.logLevel : undefined
  }

  notify(method: string, params?: JsonRpc.Params): Effect.Effect<void> {
    return this.notifyRelated(method, params, undefined)
  }

  log(level: LoggingLevel, data: unknown, logger?: string): Effect.Effect<void> {
    const invalid = invalidLog(level, logger)
    return invalid === undefined ? this.logRelated(level, data, logger, undefined) : Effect.die(invalid)
  }

  untiedReachable(): boolean {
    const connection = this.connection
    return !("attach" in connection) || connection.untiedReachable?.() !== false
  }

  request(method: string, params: JsonRpc.Params | undefined, options?: ClientRequestOptions) {
    // Sent untied, by a request's code too (`context.session.request`): the observers of that
    // request are told, as for what it sends through its context (see `ClientRequestObserver`),
    // once it is to be sent: one refused (a capability the client lacks) asked the client nothing.
    return Effect.withFiber((fiber) =>
      // A connection of the 2026-07-28 era (stdio, in-memory) negotiated nothing (`negotiated` is
      // the default, a handshake-era version) and that era has no server→client requests. A
      // stateless session has no stream for an untied request (see `untiedRefused`).
      this.phase === "modern"
        // The era's one version: `modern` has a single member; a connection of a later one would
        // name its own here.
        ? Effect.fail(new ClientVersionUnsupported({ method, protocolVersion: ProtocolVersion.modern[0] }))
        : this.stateless
        ? Effect.fail(untiedRefused(method, fiber))
        : this.requestNow(method, params, undefined, options, this.negotiated, undefined, true, fiber.getRef(ClientRequestObserver))
    )
  }

  // --- shutdown -----------------------------------------------------------

  /**
   * After end of input: let in-flight work finish, then interrupt what is left. `readOn`: the
   * input still read meanwhile (a pulled connection stopped by a graceful shutdown, see
   * `Connection.readsOn`): the client's answers reach the requests the drain waits on, a new
   * request is refused -32000 "Server shutting down"; the server's requests still waiting fail
   * once it ends or fails.
   */
  drain(
    readOn?: Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, TransportFailure | Cause.Done> | undefined
  ): Effect.Effect<void> {
    if (readOn === undefined) return Effect.suspend(() => this.drainNow(false))
    // Stopped only while it waits for input: a batch read is processed and written whole (its
    // answer may be what ends the drain). The writes of a connection that reads on do not wait
    // once the shutdown began (see `Connection.readsOn`).
    const reading = Effect.uninterruptibleMask((restore) =>
      Effect.forever(Effect.flatMap(restore(readOn), (batches) => this.processBatches(batches)), { disableYield: true })
    ).pipe(Effect.onExit(() => Effect.sync(() => this.failPendingClientRequests())), Effect.ignore)
    // Draining before the reader is forked: a request it reads first is refused, whatever turn
    // the runtime gives the reader.
    return Effect.suspend(() => {
      this.startDraining()
      return Effect.flatMap(
        Effect.forkChild(reading),
        (reader) => Effect.ensuring(Effect.suspend(() => this.drainNow(true)), Fiber.interrupt(reader))
      )
    })
  }

  /** Completed when draining starts (see `untilDraining`); made on first use. */
  private drainSignal: Deferred.Deferred<void> | undefined

  get untilDraining(): Effect.Effect<void> {
    if ((this.once & Once.Draining) !== 0) return Effect.void
    return Deferred.await(this.drainSignal ??= Deferred.makeUnsafe<void>())
  }

  establish(established: Established): void {
    if (this.phase === "initializing") this.established = established
  }

  routeTo(route: string, related: JsonRpc.RequestId): Effect.Effect<void> {
    const connection = this.connection
    return "attach" in connection && connection.claimRoute !== undefined ? connection.claimRoute(related, route) : Effect.void
  }

  /**
   * No answer of the client's can come any more (a pulled connection's input ended; a pushed one's
   * session was terminated, see `SessionInput.terminate`): the session drains, and the
   * server→client requests waiting for an answer fail now (`SessionClosed`), as new ones do at once.
   */
  endAnswers(): void {
    this.startDraining()
    this.failPendingClientRequests()
  }

  private startDraining(): void {
    this.once |= Once.Draining
    this.wakeHeldRequests()
    if (this.drainSignal !== undefined) Deferred.doneUnsafe(this.drainSignal, Exit.void)
  }

  private drainNow(readingOn: boolean): Effect.Effect<void> {
    // A pull connection's input has ended: no answer can arrive, handlers waiting on the client
    // learn it now (unless it is read on, see `drain`). A pushed one (HTTP) still takes the
    // client's answers while it drains, unless it was terminated (`endAnswers`, called before this).
    if (readingOn || "attach" in this.connection) this.startDraining()
    else this.endAnswers()
    const idle = Effect.callback<void>((resume) => {
      if (this.isIdle) return resume(Effect.void)
      const resumeDrain = () => resume(Effect.void)
      this.resumeDrain = resumeDrain
      return Effect.sync(() => {
        if (this.resumeDrain === resumeDrain) this.resumeDrain = undefined
      })
    })
    return idle.pipe(
      Effect.timeoutOrElse({
        duration: this.shutdownTimeout,
        orElse: () =>
          Effect.suspend(() => {
            if (!this.isIdle) this.cutShort()
            this.stopAll(false)
            // What was interrupted (and answered) gets `shutdownTimeoutMillis` more to end, its
            // cleanup with it; then it is left behind. Waited for until it ended, a cleanup that
            // outlasts the process's patience (a finalizer awaiting a peer gone quiet), or an
            // uninterruptible handler, held the session open, and the process up after its answer,
            // at end of input and after the first signal alike.
            return Effect.timeoutOrElse(idle, {
              duration: this.shutdownTimeout,
              orElse: () => this.leftBehind()
            })
          })
      }),
      Effect.andThen(Effect.sync(() => this.close()))
    )
  }

  /**
   * The drain's requests interrupted at its timeout that did not end `shutdownTimeoutMillis` later
   * (a long cleanup, an uninterruptible handler): already answered, they are left running, and
   * the session ends without them.
   */
  private leftBehind(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.cutShort()
      return Effect.logWarning(
        `MCP session ${this.id}: ${this.running.size} interrupted request(s) did not end within ${this.shutdownTimeout} ms ` +
          "(a cleanup that takes longer, or an uninterruptible handler): left behind"
      )
    })
  }

  /** The drain cut work short: said to the shutdown (which keeps it only once requested). */
  private cutShort(): void {
    this.once |= Once.CutShort
    this.shutdown.markCutShort()
  }

  /**
   * At a pulled session's end: a drain cut short before a shutdown was requested (a mere end of
   * input) is said again, so that a signal that came since, while the answers were still written,
   * counts it (exit 143), as it counts a cut made after it.
   */
  cutShortSaidAgain(): void {
    if ((this.once & Once.CutShort) !== 0) this.shutdown.markCutShort()
  }

  /** Waits until messages that did not fit in the outbound Queue are in it (only at shutdown). */
  overflowFlushed(): Effect.Effect<void> {
    return Effect.suspend(() =>
      this.flushing || this.overflow.length > 0 ? Effect.andThen(Effect.sleep(1), this.overflowFlushed()) : Effect.void
    )
  }

  /**
   * A pulled session's output did not go out within the bound it had (see `run`: after a graceful
   * shutdown's drain, or `when` the session failed or was interrupted): its client does not read.
   * The last messages are lost; under a shutdown, the drain was cut short (the exit code says so).
   */
  unflushed(when: string): Effect.Effect<void> {
    this.shutdown.markCutShort()
    return Effect.logWarning(
      `MCP session ${this.id}: the output was not read for ${this.shutdownTimeout} ms ${when}: the last messages were not delivered`
    )
  }

  /** Closes the session: interrupts whatever still runs and fails pending client requests. */
  close(): void {
    this.phase = "closed"
    this.wakeHeldRequests()
    this.stopAll(true)
    this.failPendingClientRequests()
  }

  private failPendingClientRequests(): void {
    for (const [id, pending] of this.pendingClient) {
      this.pendingClient.delete(id)
      Deferred.doneUnsafe(pending.deferred, Exit.fail(new SessionClosed({ method: pending.method })))
    }
  }

  private logFailure(what: string, cause: Cause.Cause<unknown>): void {
    this.runFork(Effect.logError(`effect-mcp-server: ${what} failed`, forLog(cause)))
  }
}

/**
 * Per session, completed when it becomes operational (`notifications/initialized`), or can no
 * longer (it closes or drains): what held requests wait for (see `heldUntilOperational`). Made on
 * first use, and kept beside the session rather than as its field: a session that never holds a
 * request (nearly all) carries no slot for it (the heap per idle session is a target).
 */
const operationalSignals = new WeakMap<SessionImpl, Deferred.Deferred<void>>()

/**
 * The integer a string id spells as `String` writes it (`"3"`, not `"03"`, `"3.0"` or `" 3"`), as
 * the session's own ids are written; `undefined` for any other string.
 */
const numericId = (id: string): number | undefined => {
  const n = Number(id)
  return Number.isSafeInteger(n) && String(n) === id ? n : undefined
}

/**
 * Why a stateless session (one answering many clients: stateless Streamable HTTP, and every
 * 2026-07-28 request over Streamable HTTP) refuses an untied request: it has no stream of its own
 * (no session id, no GET stream), so the request would reach nobody and its caller would wait for
 * the timeout. Asked in a 2026-07-28 request (its fiber says so, see {@link ModernRequest}; so
 * does the request context of a component's handler, a task's too), the era has no
 * server→client requests at all; else no client can be reached outside its request.
 */
const untiedRefused = (method: string, fiber: Fiber.Fiber<unknown, unknown>): ClientRequestError => {
  const version = fiber.getRef(ModernRequest) ?? Context.getOrUndefined(fiber.context, McpRequestContext)?.protocolVersion
  return version !== undefined && ProtocolVersion.isModern(version)
    ? new ClientVersionUnsupported({ method, protocolVersion: version })
    : new SessionClosed({
      method,
      reason: "stateless"
    })
}

/**
 * A notification with `entries` in its `_meta` (what the sender put there kept, but the same keys:
 * a `traceparent` of its own is replaced, as a propagator's inject does). Nothing is made for
 * none.
 */
const withMeta = (message: JsonRpc.Notification, entries: Readonly<Record<string, string>> | undefined): JsonRpc.Notification => {
  if (entries === undefined) return message
  const params = message.params
  return JsonRpc.notification(message.method, { ...params, _meta: { ...(params?._meta as object | undefined), ...entries } })
}

/**
 * The defect of a server→client request whose timeout is not a positive number of milliseconds
 * (a programming error, as a `KeepAlive` or `Timeout` middleware's is): nothing is sent.
 */
const badTimeout = (method: string, sessionDefault: boolean, millis: number): RangeError =>
  new RangeError(
    `${method}: ${
      sessionDefault ? "clientRequestTimeoutMillis" : "timeoutMillis"
    } must be a positive number of milliseconds (Infinity: no timeout), got ${millis}`
  )

/** The client capability a server→client request needs and the client did not declare, if any. */
