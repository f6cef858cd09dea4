/**
 * The Streamable HTTP endpoint's state: its sessions (opened, drained, reaped, forgotten), the
 * answer of each request (JSON, or an SSE stream with its events stored for resumption), and the
 * routing of what sessions write. The request paths are in `legacy.ts` (2025-era sessions) and
 * `modern.ts` (2026-07-28); `endpoint.ts` puts them behind the HTTP API.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import type * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as ByteSize from "effect/ByteSize"
import { HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { toServerResponse } from "@effect/platform-node/NodeHttpServerRequest"
import { randomBytes } from "node:crypto"
import { challenge } from "../../../auth/internal/challenge.ts"
import * as Recheck from "../../../auth/internal/recheck.ts"
import { clip } from "../../../internal/clip.ts"
import { type Deadlined, Deadlines } from "../../../internal/deadlines.ts"
import { emptyMap } from "../../../internal/emptyMap.ts"
import * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as v2026_07_28 from "../../../protocol/versions/v2026_07_28.ts"
import type * as Negotiation from "../../../protocol/Negotiation.ts"
import type { Implementation } from "../../../protocol/McpSchema.ts"
import * as McpError from "../../../protocol/McpError.ts"
import type { HttpRequestInfo, Outbound } from "../../../session/Connection.ts"
import type { GracefulShutdownState } from "../../../session/GracefulShutdown.ts"
import { stoppedRequests } from "../../../session/internal/stoppedRequests.ts"
import type { Principal } from "../../../session/Principal.ts"
import type { Options, Runner } from "../StreamableHttp.ts"
import type { SessionStore } from "../SessionStore.ts"
import { missingScopesOf, stepUpScopes } from "./bearer.ts"
import type { EndpointEvents } from "./events.ts"
import { forwardedFor } from "./forwarded.ts"
import { allowedMethods, closingFor, headersOf, originCheck } from "./guards.ts"
import { defaultMaxBodyBytes } from "./options.ts"
import { WorkUnderWay } from "../../../internal/workUnderWay.ts"
import { Holder, Holders } from "./lastUse.ts"
import { awaitAnswer, forClient, HttpInfo, HttpSession, Pending, type SessionHost, settle, SseAnswer, timeUp } from "./HttpSession.ts"
import { jsonError, modernStatusOf, sessionGone, sessionNotFoundError, shuttingDown, shuttingDownError, unservedVersion } from "./responses.ts"
import { BatchStream, frame, keepAliveComment, newConnectionQueue, openedComment, SseConnection, type SseStream, sseHeaders } from "./sse.ts"
import { forLog } from "../../../internal/loggedCause.ts"

const { ErrorCode } = McpError

/** No scopes lacking (see `Endpoint.judgedAgain`). */
const noScopes: ReadonlyArray<string> = []

/** Why the requests of a batch whose POST ended while they were handed to the session are given up. */
const batchDropped = "The HTTP request ended before its batch was handed over"

/** After a graceful drain or a shutdown, how long the last answers get to reach their sockets. */
const drainGraceMillis = 100

/**
 * After a stateful endpoint's refusal failed to start the shared stateless session, how long
 * refusals do not start it again (see `Endpoint.refuse`): one failed start and log line a second
 * at most, however many refusals.
 */
const refusalRetryMillis = 1_000

/** The answer of a request still waiting when its session ended (a DELETE cut short, a session that failed). */
const sessionEnded: JsonRpc.ErrorObject = { code: ErrorCode.InternalError, message: "The session ended" }

/**
 * The answer of a request still waiting when the endpoint shut down (its handler interrupted after
 * the shutdown timeout of a graceful drain, or at once by `dispose`): as a stdio session answers
 * one its drain stopped.
 */
const stoppedByShutdown = McpError.stoppedByShutdownObject

/**
 * The answer of a 2026-07-28 `subscriptions/listen` still open when the endpoint stops
 * (`WebHandler.dispose`, the server interrupted): its result, as a graceful drain ends it (the spec
 * ends a listen with its result "on graceful server close"), not an error: a listen is never
 * answered otherwise, and the SDK v2 client took the error for an unexpected disconnect. `id` is
 * the client's: the `subscriptionId` of every notification the stream carried. With the server's
 * identity (`serverInfo`, the session's), which servers SHOULD put on every result, as the
 * session's own results carry it.
 */
const endedListen = (id: JsonRpc.RequestId, serverInfo: Implementation | undefined): JsonRpc.Message =>
  JsonRpc.success(id, {
    resultType: "complete",
    _meta: serverInfo === undefined
      ? { [v2026_07_28.metaKeys.subscriptionId]: id }
      : { [v2026_07_28.metaKeys.subscriptionId]: id, [v2026_07_28.metaKeys.serverInfo]: serverInfo }
  })

/**
 * The answer of a request still waiting when the endpoint stops, or its server stops serving it
 * (`route`'s server interrupted before the endpoint): a listen's result ({@link endedListen}, not
 * marked stopped: it was answered), else `stoppedByShutdown`, marked so for its span (Telemetry).
 */
const answerOnStop = (session: HttpSession, pending: Pending): JsonRpc.Message =>
  markStopped(pending)
    ? forClient(pending, JsonRpc.failure(pending.request.id, stoppedByShutdown))
    : endedListen(pending.clientId ?? pending.request.id, session.input?.serverInfo)

/**
 * Marks a request still waiting as the stop answers it, `stoppedByShutdown`, for its span
 * (Telemetry); not a listen, which is answered with its result ({@link endedListen}). Whether it
 * was marked (the one place of that rule: {@link answerOnStop}, and the shutdown before it
 * interrupts the handlers).
 */
const markStopped = (pending: Pending): boolean => {
  if (pending.request.method === "subscriptions/listen") return false
  stoppedRequests.set(pending.request, stoppedByShutdown)
  return true
}

/**
 * The requests that only wait (for a task's end, for notifications) rather than work: one that
 * cannot be resumed ends at the expiry of the token it came with (see `Endpoint.tokenExpired`).
 */
const waitingMethods: ReadonlySet<string> = new Set(["subscriptions/listen", "tasks/result"])

/**
 * The answers of one session its client has not read (see `Endpoint.unread`): their streams' ids,
 * with the size of each stream's events (what its grace counts once a resumption writes it out,
 * see `Endpoint.unreadBytes`), and when the last of them was stored (`Date.now()`), which bounds
 * how long they protect the session (see `Endpoint.unreadFor`).
 */
class Unread {
  readonly ids = new Map<string, number>()
  at = 0
}

/**
 * The finished streams of one session kept in their grace (see `Endpoint.writtenOut`): stream id →
 * when it is forgotten (`Date.now()` time) and the size of its events, oldest first; and their
 * sizes together.
 */
class GracedStreams {
  readonly streams = new Map<string, { readonly until: number; readonly bytes: number }>()
  bytes = 0
  add(streamId: string, until: number, bytes: number): void {
    this.streams.set(streamId, { until, bytes })
    this.bytes += bytes
  }
  /** Forgets a stream's grace; the size it counted (0: none). */
  delete(streamId: string): number {
    const graced = this.streams.get(streamId)
    if (graced === undefined) return 0
    this.streams.delete(streamId)
    this.bytes -= graced.bytes
    return graced.bytes
  }
}

/**
 * An SSE connection opened with a bearer token that expires, or that is checked again while it is
 * open (`Recheck`), in the endpoint's heap of token deadlines (see `Endpoint.watchExpiry`). Made
 * only for such connections.
 */
class Expiring implements Deadlined {
  deadline = 0
  slot = -1
  /** Whether the deadline in the heap is a check of the token (`recheck`), not its expiry. */
  checking = false
  readonly session: HttpSession
  readonly stream: SseStream
  readonly connection: SseConnection
  /** When the token expires, the grace passed (`Date.now()` time); `Infinity`: it does not. */
  readonly endsAt: number
  readonly recheck: Recheck.Recheck | undefined
  /**
   * The principal the stream was last judged as (see `Endpoint.judgedAgain`): the request's as it
   * opened, then its token's at each check that took it.
   */
  judgedAs: Principal | undefined
  constructor(
    session: HttpSession,
    stream: SseStream,
    connection: SseConnection,
    endsAt: number,
    recheck: Recheck.Recheck | undefined,
    judgedAs: Principal | undefined
  ) {
    this.session = session
    this.stream = stream
    this.connection = connection
    this.endsAt = endsAt
    this.recheck = recheck
    this.judgedAs = judgedAs
  }
}

export class Endpoint implements SessionHost {
  readonly sessions = new Map<string, HttpSession>()
  /**
   * Uses of the sessions (see {@link used}): each stamps its session with the count, which orders
   * a principal's sessions by last use. Renumbered before it leaves the small
   * integers (see {@link renumber}).
   */
  private uses = 0
  /** A graceful shutdown is under way: new requests are refused. */
  closing = false
  /** Stateless mode: the one session answering every POST. */
  statelessSession: HttpSession | undefined = undefined
  /**
   * A stateful endpoint's refusal naming no live session is starting the shared stateless session
   * (see {@link refuse}): one start at a time.
   */
  private refusalStarting = false
  /** After such a start failed: no refusal starts it again before this time (Effect's `Clock`, in milliseconds). */
  private refusalRetryAt = 0
  /** Stateless mode: unique internal request ids. */
  nextInternalId = 1
  /** The request timeouts of the POSTs waiting for their answer: one timer for all (see `awaitAnswer`). */
  readonly answerDeadlines = new Deadlines<Pending>(timeUp)
  /**
   * The expiries of the tokens SSE connections were opened with (bearer authentication): one timer
   * for all, an entry per such connection while it is read, nothing per event or per JSON answer.
   */
  private readonly tokenDeadlines = new Deadlines<Expiring>((entry) => entry.checking ? this.checkToken(entry) : this.tokenExpired(entry))
  /** How long a stream outlives its token (`BearerAuth.Config.streamExpiryGraceMillis`); `Infinity`: no authentication, or never. */
  private readonly streamGrace: number
  /** SSE response bodies started and not ended: what a graceful drain waits for once its sessions closed. */
  private readonly sseBodies = new WorkUnderWay()
  /** The sessions the reaper's last look found in use (see `reaper`). */
  private inUseAtLastLook: Set<string> | undefined = undefined
  /**
   * The ids of the sessions whose place under `maxSessions` was freed as they ended (see `end`)
   * and that still drain (their calls run): at most {@link maxReleased}. Without that bound a
   * client that opens a session, starts a long call and deletes it, again and again, held any
   * number of sessions and calls (a long or infinite `shutdownTimeoutMillis`).
   */
  private readonly released = new Set<string>()
  /** The bound of {@link released}: `maxSessions` (the store's own cap aside, its default). */
  private readonly maxReleased: number
  /** Sessions one principal holds at most (see {@link openFor}). */
  readonly maxSessionsPerPrincipal: number
  /** Anonymous sessions one client address holds at most (see {@link openFor}). */
  readonly maxSessionsPerAddress: number
  /** Whether the warning of an `initialize` without an address under `maxSessionsPerAddress` was logged (see `legacy.ts`). */
  noAddressWarned = false
  /**
   * The principal or client address (see `Holder`) of each session opened under its bound
   * (`maxSessionsPerPrincipal`, `maxSessionsPerAddress`), while it is open: kept here, not on the
   * session (idle-session heap), for {@link openFor} and {@link crowding}. None under no bound
   * (an anonymous session without `maxSessionsPerAddress`).
   */
  private readonly holderOf = new Map<HttpSession, Holder<HttpSession>>()
  /** The holders by key (`p` + subject, `a` + address), while they hold a session. */
  private readonly holders = new Map<string, Holder<HttpSession>>()
  /** The holders, the one holding the most first (see {@link crowding}). */
  private readonly byCount = new Holders<HttpSession>()
  /** What is left of the sessions one choice of a session to end looks at (see {@link lookThrough}). */
  private looksLeft = 0
  /** The idle session whose ending loses something that the last {@link lookThrough} found first. */
  private losingFound: HttpSession | undefined = undefined
  /** The sessions one {@link lookThrough} took out of order, to put back (one array for all: empty between looks). */
  private readonly passed: Array<HttpSession> = []
  /**
   * The sessions being opened per principal (`p` + subject) or address (`a` + address): room was
   * made for them (see {@link openFor}), and they are not among `sessions` yet (a session is there
   * once its record is made and it has started). An entry per key with an `initialize` under way,
   * none once it is answered.
   */
  private readonly opening = new Map<string, number>()
  /**
   * The idle sessions chosen to make room for a session being opened by their principal (or
   * address), ended once that session has started (see {@link replacing}): neither counted nor
   * chosen again meanwhile, and a request for one ends it at once, answered 404 (see
   * {@link endIfReplaced}). Empty but while such an `initialize` is under way.
   */
  private readonly evicting = new Set<HttpSession>()
  /**
   * The request streams of each session whose answer its client has not read: stored while the
   * client was away from the stream (or left before it was written out), until a resumption
   * writes it out (see {@link sseResponse}). Such a session is ended last to make room (see
   * {@link openFor}): ending it loses the answer; but only for `requestTimeoutMillis` after its
   * last answer was stored so (see {@link loses}). An entry only while a session has one (a
   * client that left a call), none per request; at most {@link maxUnreadPerSession} ids each.
   */
  private readonly unread = new Map<HttpSession, Unread>()
  /**
   * The sessions {@link ended} whose records and events the stores are still forgetting: what the
   * shutdown waits for (see {@link forgotten}) before the stores' resources (a Redis client) close.
   */
  private readonly forgets = new WorkUnderWay()
  /**
   * The finished request streams of each session written out to their end, kept resumable for
   * `finishedStreamGraceMillis` (see {@link writtenOut}), oldest first; at most
   * `maxGracedStreamsPerSession` and `maxGracedBytesPerSession` each. An entry only while a
   * session has one.
   */
  private readonly graced = new Map<HttpSession, GracedStreams>()
  /** `finishedStreamGraceMillis` (0: a stream written out is forgotten at once). */
  readonly graceMillis: number
  private readonly maxGraced: number
  private readonly maxGracedBytes: number
  readonly mode: "auto" | "json" | "sse"
  /** The `Allow` of its 405s (see `allowedMethods`). */
  readonly allow: string
  /** DNS rebinding protection (see `originCheck`). */
  readonly checkOrigin: (request: HttpServerRequest.HttpServerRequest) => HttpServerResponse.HttpServerResponse | undefined
  /** The request as from the client behind a trusted proxy (`Options.trustedProxies`); `undefined`: none trusted. */
  readonly forwarded: ((request: HttpServerRequest.HttpServerRequest) => HttpServerRequest.HttpServerRequest) | undefined
  readonly maxBody: number
  readonly maxBodySize: ByteSize.ByteSize
  readonly bodyTimeout: number
  /** See `BodyLimits.maxBodyBytesInFlight`. */
  readonly maxBodyBytesInFlight: number
  /** See `BodyLimits.bodyBytesInFlight`. */
  bodyBytesInFlight = 0
  /** See `BodyLimits.bodyReads`. */
  readonly bodyReads = new Set<() => void>()
  private readonly idleTimeout: number
  readonly requestTimeout: number
  /**
   * How long an `"auto"` request waits for its first message before its SSE stream opens anyway
   * (`keepAliveMillis`, when shorter than the request timeout; else the request timeout: never):
   * answered as JSON after a silence, nothing went on its connection meanwhile, and a reverse
   * proxy's read timeout (nginx: 60 s) cut it; its stream opened, the keep-alive comments go.
   */
  readonly quietAfter: number
  readonly retry: number
  private readonly run: Runner
  readonly options: Options
  readonly events: EndpointEvents
  readonly records: SessionStore["Service"]
  readonly runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>

  constructor(
    run: Runner,
    options: Options,
    events: EndpointEvents,
    records: SessionStore["Service"],
    runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
  ) {
    this.run = run
    this.options = options
    this.events = events
    this.records = records
    this.runFork = runFork
    this.mode = options.responseMode ?? "auto"
    this.allow = allowedMethods(options)
    this.checkOrigin = originCheck(options)
    this.forwarded = forwardedFor(options.trustedProxies, headersOf)
    this.maxBody = options.maxBodyBytes ?? defaultMaxBodyBytes
    this.maxBodySize = ByteSize.bytes(this.maxBody)
    this.bodyTimeout = options.bodyTimeoutMillis ?? 30_000
    this.maxBodyBytesInFlight = options.maxBodyBytesInFlight ?? Math.max(256 * 1024 * 1024, this.maxBody)
    this.idleTimeout = options.sessionIdleTimeoutMillis ?? 30 * 60_000
    this.requestTimeout = options.requestTimeoutMillis ?? 5 * 60_000
    const every = options.keepAliveMillis ?? 15_000
    this.quietAfter = every > 0 && every < this.requestTimeout ? every : this.requestTimeout
    this.retry = options.retryMillis ?? 1_000
    this.graceMillis = options.finishedStreamGraceMillis ?? 30_000
    this.maxGraced = options.maxGracedStreamsPerSession ?? 16
    this.maxGracedBytes = options.maxGracedBytesPerSession ?? 1024 * 1024
    this.maxReleased = options.maxSessions ?? 10_000
    this.maxSessionsPerPrincipal = options.maxSessionsPerPrincipal ?? Math.ceil(this.maxReleased / 2)
    this.maxSessionsPerAddress = options.maxSessionsPerAddress ?? Number.POSITIVE_INFINITY
    this.streamGrace = options.auth === undefined ? Number.POSITIVE_INFINITY : options.auth.streamExpiryGraceMillis ?? 0
  }

  // --- requests -----------------------------------------------------------

  /**
   * Feeds a request to its session and answers with what it produces (JSON or SSE). `opens`: the
   * `initialize` whose POST opened `session` (see `Pending.opens`).
   */
  answer(
    session: HttpSession,
    request: JsonRpc.Request,
    mode: "auto" | "json" | "sse",
    clientId: JsonRpc.RequestId | undefined,
    http: HttpRequestInfo,
    resolved?: Negotiation.ResolvedRequest,
    opens = false
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> {
    return answerImpl(this, session, request, mode, clientId, http, resolved, opens)
  }

  /**
   * Feeds one request of a JSON-RPC batch to its session (see `batch.ts`): answered on the batch's
   * `stream` ({@link openBatch}), with what it sends while it runs, as a request answered on a
   * stream of its own; without one, as JSON (what it sends while it runs goes where a
   * JSON-answered request's goes). `clientId`: the id the client used, when the session sees
   * another (the shared stateless session). Returns what to await its JSON answer on
   * ({@link awaitMembers}), or the answer itself when the request is refused here (its id already
   * in progress, the session gone).
   */
  startMember(
    session: HttpSession,
    request: JsonRpc.Request,
    clientId: JsonRpc.RequestId | undefined,
    http: HttpRequestInfo,
    stream: BatchStream | undefined
  ): Effect.Effect<Pending | JsonRpc.Message> {
    const id = clientId ?? request.id
    if (session.pending.has(request.id)) {
      const error = JsonRpc.invalidRequest(`a request with id ${clip(JSON.stringify(request.id))} is already in progress`)
      session.input?.refused(request, error, http)
      return Effect.succeed(JsonRpc.failure(id, error))
    }
    if (session.finished || this.endIfReplaced(session)) {
      return Effect.succeed(JsonRpc.failure(id, sessionNotFoundError))
    }
    const pending = new Pending(request, stream === undefined ? "json" : "sse", clientId, false, false)
    if (stream !== undefined) {
      pending.stream = stream
      stream.unanswered.add(request.id)
    }
    session.addPending(request.id, pending)
    // The session took the request as it was handed, and may then wait for room in its queue: the
    // POST ending meanwhile gives it up here, not being among the answers `dropBatch` gives up.
    return Effect.as(
      Effect.onInterrupt(session.receive(request, http), () => Effect.sync(() => this.abandon(session, pending, batchDropped))),
      pending
    )
  }

  /**
   * The stream of a batch POST answered as SSE (see `BatchStream`), for `requests` requests: its
   * connection's queue has room for all their answers beyond what any stream queues (those of a
   * batch's quick requests are all queued before its response is read).
   */
  openBatch(session: HttpSession, requests: number): BatchStream {
    const stream = session.newBatchStream()
    stream.connection = new SseConnection(newConnectionQueue(1024 + requests))
    return stream
  }

  /**
   * The response of a batch POST answered on `stream` once {@link startMember} handed the session
   * its requests: the entries of the members refused before reaching it (`refused`) first, then
   * each answer (and what each request sends while it runs) as it comes; it ends with the last
   * answer. Read as a request's stream is: counted among the SSE bodies a graceful drain waits
   * for, kept alive by comments; the client leaving it gives up the requests not answered yet.
   */
  batchResponse(
    session: HttpSession,
    stream: BatchStream,
    connection: SseConnection,
    refused: ReadonlyArray<JsonRpc.Message>,
    principal: Principal | undefined
  ): HttpServerResponse.HttpServerResponse {
    for (const message of refused) connection.push(frame(undefined, JsonRpc.stringify(message)!))
    stream.starting = false
    // Every request already answered (or given up) while the others were being handed over.
    if (stream.unanswered.size === 0 && !stream.done) this.endStream(session, stream, connection)
    return this.sseResponse(session, stream, connection, {}, principal)
  }

  /**
   * Gives up a batch whose POST ended (the client left, the server stopped serving it) while its
   * requests were being handed to the session (see `batch.ts`): no response reads their answers,
   * nor gives them up. Those handed over (`answers`' pending ones; the one whose hand-over was
   * under way gives itself up, see {@link startMember}) are abandoned, cancelled in the
   * session; its stream, if it was answered as SSE, ends (it would wait for the requests never
   * handed over).
   */
  dropBatch(session: HttpSession, answers: ReadonlyArray<JsonRpc.Message | Pending>, stream: BatchStream | undefined): void {
    if (stream !== undefined) stream.starting = false
    for (const answer of answers) {
      if (answer instanceof Pending) this.abandon(session, answer, batchDropped)
    }
    if (stream !== undefined && !stream.done) this.endStream(session, stream, stream.connection)
  }

  /** Ends an unresumable stream: nothing more goes on it, its response ends once written out. */
  private endStream(session: HttpSession, stream: SseStream, connection: SseConnection | undefined): void {
    stream.done = true
    connection?.close()
    session.removeStream(stream.streamId)
  }

  /**
   * The entries of a batch answered as JSON, in its order: each answer (a request's,
   * {@link startMember}, within the request timeout, else a -32603 "Gateway Timeout" for it, the
   * request abandoned). Interrupted, the requests not answered yet are abandoned (cancelled in the
   * session): the client dropped the POST (effect/http's `ClientAbort`), nobody can read them;
   * else the server stops serving the POST before the endpoint's own shutdown could answer it
   * (see `interrupted`), and the batch is answered as `shutdown` answers it, each of those
   * requests with -32000 "Server shutting down", by the response the interruption carries.
   */
  awaitMembers(session: HttpSession, answers: ReadonlyArray<JsonRpc.Message | Pending>): Effect.Effect<Array<JsonRpc.Message>> {
    const each = answers.map((answer) => answer instanceof Pending ? this.awaitMember(session, answer) : Effect.succeed(answer))
    return Effect.all(each, { concurrency: "unbounded" }).pipe(
      Effect.onError((cause) => {
        if (!Cause.hasInterrupts(cause)) return Effect.void
        const clientLeft = clientAborted(cause)
        return Effect.suspend(() => {
          const entries = answers.map((answer) => {
            if (!(answer instanceof Pending)) return answer
            // Answered before the interruption (as JSON: the answer is the message itself).
            if (answer.answered !== undefined) return answer.answered as JsonRpc.Message
            if (!clientLeft) stoppedRequests.set(answer.request, stoppedByShutdown)
            this.abandon(session, answer, clientLeft ? "The client closed the HTTP request" : "The server stopped serving the request")
            return forClient(answer, JsonRpc.failure(answer.request.id, stoppedByShutdown))
          })
          return clientLeft ? Effect.void : Effect.die(jsonBatch(entries, 200))
        })
      })
    )
  }

  /** A batch's request answered as JSON (see {@link awaitMembers}). */
  private awaitMember(session: HttpSession, pending: Pending): Effect.Effect<JsonRpc.Message> {
    return awaitAnswer(pending, this.answerDeadlines, this.requestTimeout).pipe(
      Effect.map((answer) => {
        if (answer !== undefined) return answer as JsonRpc.Message
        const timedOut = forClient(pending, JsonRpc.failure(pending.request.id, {
          code: ErrorCode.InternalError,
          message: `Gateway Timeout: no answer within ${this.requestTimeout} ms`
        }))
        // Its entry from now on (see `awaitMembers`), not the abandoned request's.
        settle(pending, timedOut)
        this.abandon(session, pending, `No answer within the request timeout (${this.requestTimeout} ms)`)
        return timedOut
      })
    )
  }

  /**
   * Answers a request by the shared stateless session (started by the first such request), under
   * an internal id so that its many clients cannot collide; `truth` for a 2026-07-28 request. A
   * plain function: once the session runs, the request goes straight to {@link answer}.
   */
  answerShared(
    request: HttpServerRequest.HttpServerRequest,
    rpc: JsonRpc.Request,
    mode: "auto" | "json" | "sse",
    principal: Principal | undefined,
    truth?: Negotiation.ResolvedRequest
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> {
    const shared = this.statelessSession
    if (shared !== undefined) return this.answerOnShared(shared, request, rpc, mode, principal, truth)
    // Started as a graceful drain began, the session drains (and was gone when the request came,
    // 404 "Session not found" on an endpoint without sessions): refused as the drain refuses a
    // request that comes now.
    return Effect.flatMap(this.openStateless, (opened) =>
      this.closing
        ? Effect.succeed(this.refuseDraining(rpc, rpc.id, closingFor(request), opened, new HttpInfo(request, principal)))
        : opened === undefined
        ? Effect.succeed(jsonError(503, ErrorCode.ServerUnavailable, "Service Unavailable: the session could not start", undefined, rpc.id))
        : this.answerOnShared(opened, request, rpc, mode, principal, truth))
  }

  private answerOnShared(
    shared: HttpSession,
    request: HttpServerRequest.HttpServerRequest,
    rpc: JsonRpc.Request,
    mode: "auto" | "json" | "sse",
    principal: Principal | undefined,
    truth: Negotiation.ResolvedRequest | undefined
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> {
    // A handshake-era request is answered at its header's version (none: 2025-03-26): one the
    // server's `supportedVersions` leave out is refused, as one no server serves is (it was
    // answered at that version, which the server's `initialize` would never have negotiated).
    // Not `initialize`, which negotiates a version the server serves whatever the header.
    // A server serving every version (the default) pays a getter for it, no header read.
    const served = truth === undefined ? shared.input?.legacyVersions : undefined
    if (served !== undefined && rpc.method !== "initialize") {
      const unserved = unservedVersion(served, headersOf(request)["mcp-protocol-version"])
      if (unserved !== undefined) return this.refuse(rpc, 400, unserved, rpc.id, shared, new HttpInfo(request, principal))
    }
    return this.answer(shared, { ...rpc, id: this.nextInternalId++ }, mode, rpc.id, new HttpInfo(request, principal, rpc.id), truth)
  }

  /**
   * Refuses a message the endpoint answers itself (`status` and a JSON-RPC error), and lets the
   * server's middleware observe it (`SessionInput.refused`): on `session`, the session it named,
   * else on the shared stateless session (started if need be, as a stateless request would), so
   * that what no session takes is observed too. `value` is the message, `undefined` for a body
   * that was not JSON; `http`, the POST that carried it. Not observed during a shutdown. Only
   * refusals pay for this.
   *
   * On a stateful endpoint (whose 2025 clients never need the shared session) refusals start it
   * one at a time, and after a failed start not again for {@link refusalRetryMillis}: while
   * sessions failed to start, every refusal (a client of a restarted server naming its old
   * session, again and again) made one more failed start and one more log line. Refusals arriving
   * while it starts, or within that second, are not observed; the first one after is, the
   * session started again (also when the one started ended since).
   */
  refuse(
    value: unknown,
    status: number,
    error: JsonRpc.ErrorObject,
    id?: JsonRpc.RequestId,
    session?: HttpSession,
    http?: HttpRequestInfo
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> {
    const response = jsonError(status, error.code, error.message, undefined, id, error.data)
    if (session !== undefined) {
      session.input?.refused(value, error, http)
      return Effect.succeed(response)
    }
    if (this.closing) return Effect.succeed(response)
    const shared = this.statelessSession
    if (shared !== undefined) {
      shared.input?.refused(value, error, http)
      return Effect.succeed(response)
    }
    const observed = Effect.map(this.openStateless, (opened) => {
      opened?.input?.refused(value, error, http)
      return response
    })
    if (this.options.stateless === true) return observed
    // Marked as it runs, its unmarking in place before anything can interrupt it: marked when the
    // effect was built, a POST interrupted before it ran (its client left while its fiber yielded)
    // left the mark for good, and refusals were never observed again.
    // The time is Effect's `Clock` (a `TestClock` moves it): refusals only read it.
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (this.refusalStarting || now < this.refusalRetryAt) return Effect.succeed(response)
        this.refusalStarting = true
        return Effect.onExit(restore(observed), () =>
          Effect.map(Clock.currentTimeMillis, (ended) => {
            this.refusalStarting = false
            // Not started (it failed, or the POST left while it started): not tried again for a while.
            if (this.statelessSession === undefined) this.refusalRetryAt = ended + refusalRetryMillis
          }))
      })
    )
  }

  /**
   * Refuses a POST's request, or a batch's requests, while the endpoint drains: 503 with -32000
   * ({@link shuttingDown}; `headers`: see `closingFor`), each request told to the server's
   * `Dispatcher.refused` (`Telemetry`'s span and measure) through `session`, the session it named,
   * else the shared stateless session if it runs, else any session still running (of which the
   * POST named none: `SessionInput.refusedByDrain`: no `onMessage` observer, as it is no invalid
   * input, and nothing the drain waits for). No session is opened for it: with none left, nothing
   * observes it. Only the refusals of a drain pay for this.
   */
  refuseDraining(
    value: unknown,
    id: JsonRpc.RequestId | undefined,
    headers: Record<string, string> | undefined,
    session: HttpSession | undefined,
    http: HttpRequestInfo
  ): HttpServerResponse.HttpServerResponse {
    const input = (session ?? this.statelessSession ?? this.anySession())?.input
    if (input !== undefined) {
      if (!Array.isArray(value)) input.refusedByDrain(value, shuttingDownError, http)
      else for (const member of value) if (JsonRpc.classify(member) === JsonRpc.Kind.Request) input.refusedByDrain(member, shuttingDownError, http)
    }
    return shuttingDown(id, headers)
  }

  /**
   * A session still running, to tell a drain's refusal of a POST that names none through when no
   * shared stateless session runs (what observes it sees that the POST named another: of no
   * session); `undefined` when none is left. Looked for only then.
   */
  private anySession(): HttpSession | undefined {
    for (const session of this.sessions.values()) if (!session.finished) return session
    return undefined
  }

  /**
   * Accepts (202) a notification no session takes (a stateless endpoint's; a 2026-07-28 one,
   * which that era defines none of over HTTP): the middleware of the shared stateless session
   * observes it (`SessionInput.observe`; that session started if need be, as for a refusal), if
   * its server's middleware observes notifications at all. Not observed during a shutdown.
   */
  observeShared(
    request: HttpServerRequest.HttpServerRequest,
    notification: JsonRpc.Notification,
    principal: Principal | undefined
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> {
    if (this.closing) return Effect.succeed(HttpServerResponse.empty({ status: 202 }))
    const shared = this.statelessSession
    if (shared !== undefined) return Effect.succeed(observed(shared, request, notification, principal))
    return Effect.map(this.openStateless, (opened) =>
      opened === undefined ? HttpServerResponse.empty({ status: 202 }) : observed(opened, request, notification, principal))
  }

  /** Switches a pending request to SSE: a stream, a connection, the priming event. */
  openSse(session: HttpSession, pending: Pending): SseStream {
    if (pending.stream !== undefined) return pending.stream
    const stream = session.newStream(pending.request.id)
    const connection = new SseConnection(newConnectionQueue())
    stream.connection = connection
    stream.unresumable = pending.modern || session === this.statelessSession
    if (!stream.unresumable) connection.push(frame(`${stream.streamId}.0`, "", this.retry))
    pending.stream = stream
    settle(pending, new SseAnswer(stream, connection))
    return stream
  }

  /**
   * The SSE response reading `connection` (of `stream`); `principal`: the request's (with bearer
   * authentication), whose token's expiry ends the connection (see {@link watchExpiry}).
   */
  sseResponse(
    session: HttpSession,
    stream: SseStream,
    connection: SseConnection,
    headers: Record<string, string>,
    principal: Principal | undefined
  ): HttpServerResponse.HttpServerResponse {
    let expiring: Expiring | undefined
    let writtenOut = false
    const body = Stream.fromQueue(connection.queue).pipe(
      Stream.onStart(Effect.sync(() => {
        connection.reading = true
        this.sseBodies.start()
        expiring = this.watchExpiry(session, stream, connection, principal)
        // The standalone stream carries the session's resource updates: those its token may not
        // read (subscribed with another token, one that had the scope) stop as it opens (see
        // `judgedAgain`), not at its token's first check (a minute on by default; never for a JWT).
        if (principal !== undefined && stream === session.standalone) session.input?.rechecked?.(principal, undefined)
        // The headers go with the first bytes: something goes at once (see `openedComment`).
        if (Queue.sizeUnsafe(connection.queue) === 0) connection.push(openedComment)
      })),
      Stream.encodeText,
      // Everything written out, the last event too: the stream's stored events can go.
      Stream.onEnd(Effect.sync(() => {
        if (!connection.lastPushed) return
        writtenOut = true
        this.answerRead(session, stream.streamId)
        this.writtenOut(session, stream)
      })),
      // The server stopped writing the response, not for the client leaving (it stops serving, or
      // something of the application's gave the response up): see `stoppedServing`.
      Stream.onExit((exit) =>
        exit._tag === "Success" || !Cause.hasInterrupts(exit.cause) || clientAborted(exit.cause)
          ? Effect.void
          : Effect.map(Effect.serviceOption(HttpServerRequest.HttpServerRequest), (request) => {
            if (request._tag === "Some") this.stoppedServing(session, stream, connection, request.value)
          })
      ),
      Stream.ensuring(Effect.sync(() => {
        // 2026-07-28, stateless or a batch's: the client closing the stream cancels its requests.
        if (stream.unresumable && !stream.done) this.abandonOn(session, stream, "The client closed the request's stream")
        // The client went away (or the stream ended): later events wait in the event store (a
        // standalone stream the client left stays in the session's streams, storing the
        // notifications sent until it comes back, see `leftStandalone`; requests are held). A
        // connection the stream no longer has (dropped for not keeping up, or a resumption whose
        // replay did not fit) changes nothing as it ends: the stream stays the session's, storing
        // what is sent, until the client comes back (resumes it, or replaces it by a fresh GET).
        if (expiring !== undefined) this.tokenDeadlines.remove(expiring)
        // Its answer queued, the client left before it was written out: stored, for a resumption.
        if (connection.lastPushed && !writtenOut && stream.requestId !== undefined && !stream.unresumable) {
          this.answerUnread(session, stream)
        }
        if (connection.reading) this.sseBodies.end()
        connection.reading = false
        if (stream.connection === connection) {
          stream.connection = undefined
          if (stream === session.standalone) {
            session.standalone = undefined
            // Its client read it until now: in use until now (see `used`).
            this.used(session)
          }
        }
      }))
    )
    return HttpServerResponse.stream(body, {
      contentType: "text/event-stream",
      headers: { ...sseHeaders, ...headers }
    })
  }

  /**
   * `stream` of `session` was written out to its end: handed to the socket, not yet received (a
   * connection that breaks now loses its tail, and the client resumes from its `Last-Event-ID`).
   * Its stored events stay resumable for `finishedStreamGraceMillis` (forgotten by the chore
   * {@link forgetGraced}), at most `maxGracedStreamsPerSession` streams per session and
   * `maxGracedBytesPerSession` of their events (past either the oldest are forgotten at once; a
   * stream larger than the bytes by itself is, alone); forgotten at once, they refused that resumption
   * (400), and the client re-issued a request that had been answered. Without the bound in bytes,
   * large answers held up to sessions × 16 of them for the grace.
   */
  private writtenOut(session: HttpSession, stream: SseStream): void {
    if (this.graceMillis === 0 || stream.unresumable || session.finished) {
      this.runFork(this.events.forgetStream(session.id, stream.streamId))
      return
    }
    let graced = this.graced.get(session)
    // Resumed and written out again: its grace starts over (and it is the newest), its size the
    // larger of the two counts (a resumption replays what came after its `Last-Event-ID` only).
    const bytes = Math.max(stream.bytes, graced?.delete(stream.streamId) ?? 0)
    if (bytes > this.maxGracedBytes) {
      // Larger than the bound by itself: forgotten at once, as with no grace, the others kept
      // (forgetting them first, oldest on, made no room it could fit in: one large answer took
      // every stream of its session out of its grace).
      if (graced?.streams.size === 0) this.graced.delete(session)
      this.runFork(this.events.forgetStream(session.id, stream.streamId))
      return
    }
    if (graced === undefined) this.graced.set(session, graced = new GracedStreams())
    graced.add(stream.streamId, Date.now() + this.graceMillis, bytes)
    // Never itself (it fits alone, and `maxGracedStreamsPerSession` is 1 at least).
    while (graced.streams.size > this.maxGraced || graced.bytes > this.maxGracedBytes) {
      const oldest = graced.streams.keys().next().value!
      graced.delete(oldest)
      this.runFork(this.events.forgetStream(session.id, oldest))
    }
  }

  /** How often {@link forgetGraced} runs: the grace is kept between its length and half again. */
  get graceSweepMillis(): number {
    return Math.max(100, Math.ceil(this.graceMillis / 2))
  }

  /** Forgets the finished streams whose grace (see {@link writtenOut}) has passed. */
  get forgetGraced(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.graced.size === 0) return Effect.void
      const now = Date.now()
      const expired: Array<readonly [string, string]> = []
      for (const [session, graced] of this.graced) {
        for (const [streamId, { until }] of graced.streams) {
          if (until > now) break
          graced.delete(streamId)
          expired.push([session.id, streamId])
        }
        if (graced.streams.size === 0) this.graced.delete(session)
      }
      return Effect.forEach(expired, ([sessionId, streamId]) => this.events.forgetStream(sessionId, streamId), { discard: true })
    })
  }

  /**
   * The server stopped serving an SSE response (interrupted what wrote it, the client still
   * there). When it stops serving at all, the endpoint still running: `route` in a router of
   * one's own, whose server interrupts the requests it serves before the router's layers, the
   * endpoint among them, are released. effect/http cuts a started response it stops writing, and
   * the client would learn of the stop from a broken connection; on Node (whose response is at
   * hand) the response is ended here instead, as the endpoint's shutdown ends it: what was queued
   * for it and not written yet, then the -32000 "Server shutting down" answer of each request
   * answered on it (the stream's own, or a batch's still running; a 2026-07-28 listen's result,
   * see `answerOnStop`), which are given up (cancelled in their session). A client that does not keep up (its socket's buffer full) is cut as
   * before, and one that stops reading now is cut after `drainGraceMillis`: the server's stop
   * does not wait for a client.
   *
   * Else the server serves on, and something of the application's gave up this response (a
   * middleware of its own server: an `Effect.timeout` around what it serves): that is no shutdown,
   * which the client would take the server for gone on. The response is cut, as effect/http cuts
   * a started response that fails (ended, its body would look complete; left, nothing would end
   * it: effect/http ends no response whose writing was interrupted); a stream that cannot be
   * resumed has its requests given up, as when a client leaves it (nobody can read their
   * answers); a 2025 session's stream keeps its request, for the client to resume.
   */
  private stoppedServing(session: HttpSession, stream: SseStream, connection: SseConnection, request: HttpServerRequest.HttpServerRequest): void {
    const response = toServerResponse(request) as NodeResponse | undefined
    if (response === undefined || response.destroyed || response.writableEnded) return
    if (!this.closing && !serverStopped(response)) {
      if (stream.unresumable && !stream.done) this.abandonOn(session, stream, "The server stopped serving the request's stream")
      // As effect/http aborts a response: an HTTP/2 stream is reset with INTERNAL_ERROR, not NO_ERROR.
      response.destroy(response.req?.httpVersionMajor === 2 ? new Error("The response was given up") : undefined)
      return
    }
    if (response.writableNeedDrain === true) return
    let text = ""
    for (let taken = Queue.takeUnsafe(connection.queue); taken !== undefined && taken._tag === "Success"; taken = Queue.takeUnsafe(connection.queue)) {
      text += taken.value
    }
    if (stream.connection === connection && !stream.done) {
      for (const pending of answeredOn(session, stream)) {
        text += frame(undefined, JsonRpc.stringify(answerOnStop(session, pending))!)
        this.abandon(session, pending, "The server stopped serving the request")
      }
    }
    response.end(text)
    setTimeout(() => {
      if (!response.writableFinished) response.destroy()
    }, drainGraceMillis).unref()
  }

  /**
   * Puts a connection that starts being read in the heap of token deadlines, when the principal that
   * opened it expires (`Principal.expiresAt`, plus the grace) or is checked again (its verifier's
   * `recheckMillis`, see `Recheck`); `undefined` when it is not watched: neither, a grace of
   * `Infinity`, or a request that cannot be resumed and does work (a 2026-07-28 call: admitted
   * with a valid token, it runs to its end and its answer is delivered).
   */
  private watchExpiry(
    session: HttpSession,
    stream: SseStream,
    connection: SseConnection,
    principal: Principal | undefined
  ): Expiring | undefined {
    if (this.streamGrace === Number.POSITIVE_INFINITY) return undefined
    const expiresAt = principal?.expiresAt
    const expires = expiresAt !== undefined && Number.isFinite(expiresAt)
    const recheck = Recheck.of(principal)
    if (!expires && recheck === undefined) return undefined
    if (stream.unresumable) {
      const pending = stream.requestId === undefined ? undefined : session.pending.get(stream.requestId)
      if (pending === undefined || !waitingMethods.has(pending.request.method)) return undefined
    }
    const entry = new Expiring(session, stream, connection, expires ? expiresAt + this.streamGrace : Number.POSITIVE_INFINITY, recheck, principal)
    this.nextTokenDeadline(entry)
    return entry
  }

  /** Puts `entry` back in the heap: at its token's next check or its expiry, whichever comes first. */
  private nextTokenDeadline(entry: Expiring): void {
    const untilEnd = entry.endsAt - Date.now()
    entry.checking = entry.recheck !== undefined && entry.recheck.every < untilEnd
    this.tokenDeadlines.add(entry, entry.checking ? entry.recheck!.every : untilEnd)
  }

  /**
   * A connection's token is due to be checked again (see `Recheck`): verified as a request's would
   * be (the verifier's cache first), and judged against the principal the connection was opened
   * as. Refused (revoked, or now of another subject or client), the connection ends as at the
   * token's expiry (see {@link tokenExpired}), a waiting request answered `tokenRevokedObject`;
   * without a scope every request needs, so too, a waiting request answered
   * `tokenScopesLostObject` (403, `data.missingScopes`); anything else (valid, or the verifier
   * unavailable: not the client's doing) keeps it until the next check or the expiry. Nothing is
   * done for a connection that ended meanwhile, nor once the endpoint stops.
   *
   * A check is given up after `every` (the time to the next one), or at the token's expiry if that
   * comes first, and counts as one the verifier could not make: the connection is kept and checked
   * again `every` later (the expiry follows at once when it is due). The entry is out of the heap
   * while the check runs: a verifier that did not answer (one of one's own that hangs) kept a
   * stream open for ever, its token never checked again, a revocation of it unseen. Kept rather
   * than ended, as when the verifier says it cannot check: an authorization server that does not
   * answer would otherwise end every stream at once, and each client's resumption would wait for it.
   */
  private checkToken(entry: Expiring): void {
    const { connection, stream } = entry
    if (stream.connection !== connection || stream.done || this.closing) return
    const recheck = entry.recheck!
    const verify = Effect.timeoutOption(recheck.verify, Math.max(0, Math.min(recheck.every, entry.endsAt - Date.now())))
    this.runFork(Effect.flatMap(Effect.exit(verify), (exit) =>
      Effect.sync(() => {
        if (stream.connection !== connection || stream.done || this.closing) return
        const refusal = exit._tag === "Failure" ? exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error : undefined
        if (refusal?._tag === "InvalidToken") this.tokenExpired(entry, McpError.tokenRevokedObject, "is no longer valid")
        else if (refusal?._tag === "ScopesLost") {
          this.tokenExpired(entry, McpError.tokenScopesLostObject(refusal.missing), "no longer grants a scope the server requires")
        } else {
          const lacked = exit._tag === "Success" && exit.value._tag === "Some" ? this.judgedAgain(entry, exit.value.value) : noScopes
          if (lacked.length > 0) {
            this.tokenExpired(entry, McpError.tokenScopesLostObject(lacked), "no longer grants a scope a resource it follows needs")
          } else this.nextTokenDeadline(entry)
        }
      })))
  }

  /**
   * What a stream carries, judged again for `principal`, the one its token stands for now that it
   * was checked again (see `SessionInput.rechecked`: the middleware that guards resources,
   * `Authorization`, judges): the standalone stream's session loses its subscriptions to the
   * resources the token may no longer read (their updates stop; the stream goes on), and a
   * `subscriptions/listen` that follows such a resource gets the scopes it lacks (it ends, as for
   * a scope every request needs: the client listens again, and its acknowledgement says what is
   * accepted). Before, only `requiredScopes` were judged: a token that lost the scope of one
   * resource kept receiving its updates on an open stream, for ever without an `exp`. The
   * standalone stream is judged so as it opens too (see `sseResponse`); at a check, by what its
   * token lost since it was last judged (`Expiring.judgedAs`), not by what it never had: a
   * subscription made with a token the client stepped up to is not the stream's to drop.
   */
  private judgedAgain(entry: Expiring, principal: Principal): ReadonlyArray<string> {
    const { session, stream } = entry
    const before = entry.judgedAs
    entry.judgedAs = principal
    const rechecked = session.input?.rechecked
    if (rechecked === undefined) return noScopes
    if (stream === session.standalone) {
      rechecked.call(session.input, principal, undefined, before)
      return noScopes
    }
    if (!stream.unresumable || stream.requestId === undefined) return noScopes
    const pending = session.pending.get(stream.requestId)
    return pending?.request.method === "subscriptions/listen" ? rechecked.call(session.input, principal, stream.requestId) : noScopes
  }

  /**
   * The token a connection was opened with has expired (and the grace passed), or was refused when
   * checked again (`answer`: `tokenRevokedObject`, or `tokenScopesLostObject` for a token without a
   * scope every request needs; `why` says which, for the log): nothing more reaches its client on
   * the strength of it. A stream the client can resume loses its connection only: the client
   * resumes it with a valid token (`Last-Event-ID`) and gets what was sent meanwhile (stored as for
   * a client that left; a standalone stream stays the session's, as one dropped for not keeping up
   * does), or is refused `401` with an expired or revoked one (`403 insufficient_scope` with one
   * that lacks the scope). A waiting request that cannot be resumed (a `subscriptions/listen`) is
   * answered `answer` and cancelled in its session: the client sends it again with a fresh token.
   */
  private tokenExpired(entry: Expiring, answer: McpError.ErrorObject = McpError.tokenExpiredObject, why = "expired"): void {
    const { connection, session, stream } = entry
    // Resumed on another connection, left, or ended since: nothing of this one to end.
    if (stream.connection !== connection || stream.done) return
    if (!stream.unresumable) {
      stream.connection = undefined
      connection.close()
      return
    }
    const pending = stream.requestId === undefined ? undefined : session.pending.get(stream.requestId)
    if (pending === undefined) return
    this.abandon(session, pending, `The access token the request was sent with ${why}`, JsonRpc.failure(pending.request.id, answer))
  }

  // --- sessions -----------------------------------------------------------

  /**
   * Starts a session (closed when the endpoint shuts down); `"full"` when the store has no room
   * for it, `"failed"` when it could not start (the application's `onOpen` threw: logged). The
   * session is pushed into: no fiber lives with an idle session.
   */
  open(stateless: boolean): Effect.Effect<HttpSession | "full" | "failed"> {
    const self = this
    // Interruptible only while waiting (for the store, for the session to start): once its record
    // is made, an interruption reaches the wait below, which ends the session (see there).
    return Effect.uninterruptibleMask((restore) => Effect.gen(function*() {
      const id = randomBytes(16).toString("base64url")
      if (!stateless && !(yield* self.recorded(id, restore))) return "full" as const
      const session = new HttpSession(id, self)
      const started = Deferred.makeUnsafe<boolean>()
      // Its options: `session` as checked when the endpoint was made (a snapshot; the session
      // checks them again as it starts). The shared stateless session answers every client: its
      // lanes have bounds for many clients, not one session's (see `sharedSessionOptions`).
      const options = stateless ? sharedSessionOptions(self.options.session, session.id) : { ...self.options.session, stateless, sessionId: session.id }
      const run = self.run({ open: Effect.succeed(session) }, options)
      // Forked with the endpoint's context, not the current request's (which the session would keep alive).
      self.runFork(Effect.onExit(run, (exit) =>
        Effect.sync(() => {
          if (exit._tag === "Failure") self.runFork(Effect.logError("MCP session could not start", forLog(exit.cause)))
          Deferred.doneUnsafe(started, Exit.succeed(session.input !== undefined))
        })))
      // The POST interrupted meanwhile (its client left): nobody will ever have the session's id,
      // and, never among the endpoint's sessions, nothing would end it (its record held a place
      // under `maxSessions` for good). Ended once it has started.
      const ready = yield* Effect.onInterrupt(restore(Deferred.await(started)), () =>
        Effect.sync(() => {
          self.runFork(Effect.andThen(
            Deferred.await(started),
            Effect.suspend(() => {
              session.input?.interrupt()
              return self.ended(session)
            })
          ))
        }))
      if (!ready) {
        yield* self.ended(session)
        return "failed" as const
      }
      if (!stateless) self.sessions.set(session.id, session)
      // Started while a graceful shutdown began: it drains like the others.
      if (self.closing) self.runFork(self.drainSession(session))
      return session
    }))
  }

  /**
   * A request came for `session` (a POST, a GET), or it was in use until now (a request of its
   * answered, its standalone stream left): stamped with the count of such uses, which orders a
   * principal's sessions by last use for {@link openFor} (a session whose long call was just
   * answered, or whose client read its GET stream for hours, was used now, not when that request
   * came). A number written in the session, no more: moving the session to the end of {@link sessions} (an insertion-ordered Map) cost
   * 0.3–0.6 µs per request (measured, Node 24), the Map rehashing as it fills with deleted entries.
   */
  used(session: HttpSession): void {
    if (++this.uses === maxUses) this.renumber()
    session.lastUsed = this.uses
  }

  /**
   * Numbers the sessions' stamps again from 1, in their order, so that they stay small integers
   * (a field V8 holds as such): once in about a billion requests.
   */
  private renumber(): void {
    const sessions = [...this.sessions.values()].sort((a, b) => a.lastUsed - b.lastUsed)
    for (let i = 0; i < sessions.length; i++) sessions[i]!.lastUsed = i + 1
    this.uses = sessions.length + 1
    // Lowered, the stamps are below the heaps' keys: each heap is put in order again.
    for (const holder of this.holders.values()) holder.sessions.reorder()
  }

  /**
   * Whether ending `session` to make room loses something: an answer its client has not read yet
   * (see {@link unread}), or a background task it owns still running (an anonymous session's:
   * ended, it cancels them). Asked by {@link openFor} and {@link crowding} only.
   */
  private loses(session: HttpSession): boolean {
    return (this.unread.size > 0 && this.unreadFor(session)) || session.input?.holdsWork?.() === true
  }

  /**
   * Whether `session` holds an answer its client has not read, stored less than the request
   * timeout ago: the time the endpoint waits for a client to come back to a call's stream it
   * left (see `abandonDetached`) is the time its stored answer protects its session. A client
   * that never comes back made its session the last one ended to make room until its idle
   * timeout (30 min by default), whatever its use: past that time the answer is as good as
   * lost, and the session is chosen as any idle one is (its answer stays stored, resumable
   * while the session lives).
   */
  private unreadFor(session: HttpSession): boolean {
    const unread = this.unread.get(session)
    return unread !== undefined && Date.now() - unread.at < this.requestTimeout
  }

  /**
   * Opens a session for principal `subject` (see {@link open}) under its own bound
   * (`maxSessionsPerPrincipal`), so that no principal holds every place under `maxSessions`:
   * below it, nothing to do; at it, its idle session used least recently (no request in flight, no
   * standalone stream read or being opened: see `busy`; the smallest stamp of {@link used}) is
   * ended, as its idle timeout would end it; `"principalFull"` when
   * every one of its sessions is in use. The sessions it is still opening count (`opening`):
   * counted only once started, initializes sent at once all found room. What the principal holds
   * is counted as its sessions open and end (its `Holder`), and its sessions are looked through in
   * order of last use, a few at most (see {@link lookThrough}): not every session of the endpoint
   * on every `initialize` (10,000 sessions: 1.9 ms of CPU each, measured). Nothing is kept per request but the
   * stamp of {@link used}.
   */
  openFor(subject: string): Effect.Effect<HttpSession | "full" | "failed" | "principalFull">
  /**
   * The same for an anonymous client (no `auth`) at `address`, under `maxSessionsPerAddress`:
   * `"principalFull"` when every one of that address's sessions is in use.
   */
  openFor(subject: undefined, address: string): Effect.Effect<HttpSession | "full" | "failed" | "principalFull">
  openFor(subject: string | undefined, address?: string): Effect.Effect<HttpSession | "full" | "failed" | "principalFull"> {
    return Effect.suspend((): Effect.Effect<HttpSession | "full" | "failed" | "principalFull"> => {
      const max = subject === undefined ? this.maxSessionsPerAddress : this.maxSessionsPerPrincipal
      // No bound: nothing to count (as `maxSessionsPerPrincipal: Infinity` asks).
      if (max === Number.POSITIVE_INFINITY) {
        return Effect.map(this.open(false), (session) => {
          if (typeof session !== "string" && subject !== undefined) session.subject = subject
          return session
        })
      }
      const key = subject === undefined ? `a${address}` : `p${subject}`
      const opened = Effect.map(this.open(false), (session) => {
        if (typeof session !== "string") {
          if (subject !== undefined) session.subject = subject
          if (!session.ended) this.hold(session, key)
        }
        return session
      })
      const holder = this.holders.get(key)
      const held = (this.opening.get(key) ?? 0) + (holder === undefined ? 0 : holder.count - this.evictingOf(holder))
      let idle: HttpSession | undefined
      if (held >= max && holder !== undefined) {
        this.looksLeft = maxLooks
        // An idle session whose ending would lose an answer its client has not read yet, or a
        // background task it owns still running (an anonymous session's: ended, it cancels them):
        // chosen only when no other is idle (better than refusing the principal until its idle timeout).
        idle = this.lookThrough(holder) ?? this.losingFound
        this.losingFound = undefined
      }
      if (held >= max && idle === undefined) return Effect.succeed("principalFull" as const)
      this.opening.set(key, (this.opening.get(key) ?? 0) + 1)
      return Effect.ensuring(
        held < max ? this.orCrowded(opened) : this.replacing(opened, idle!),
        Effect.sync(() => {
          const opening = this.opening.get(key)!
          if (opening > 1) this.opening.set(key, opening - 1)
          else this.opening.delete(key)
        })
      )
    })
  }

  /** `session`, just opened, is one of the principal's (or address's) `key` (see `Holder`). */
  private hold(session: HttpSession, key: string): void {
    let holder = this.holders.get(key)
    if (holder === undefined) this.holders.set(key, holder = new Holder(key))
    holder.count++
    holder.sessions.add(session)
    this.holderOf.set(session, holder)
    this.byCount.changed(holder)
  }

  /**
   * `session` ends (see {@link endInput}, {@link ended}): it no longer counts for its principal
   * (or address). Its entry in the holder's order of last use goes when it is looked at, or when
   * such entries are more than the sessions it holds (a principal that opens and deletes sessions
   * and never reaches its bound).
   */
  private release(session: HttpSession): void {
    const holder = this.holderOf.get(session)
    if (holder === undefined) return
    this.holderOf.delete(session)
    holder.count--
    if (holder.count === 0) {
      this.holders.delete(holder.key)
      this.byCount.remove(holder)
      return
    }
    this.byCount.changed(holder)
    if (holder.sessions.size > 2 * holder.count + 32) holder.sessions.compact((entry) => this.holderOf.get(entry) === holder)
  }

  /** How many of `holder`'s sessions are being replaced (see {@link evicting}): a few at most. */
  private evictingOf(holder: Holder<HttpSession>): number {
    if (this.evicting.size === 0) return 0
    let count = 0
    for (const session of this.evicting) if (this.holderOf.get(session) === holder) count++
    return count
  }

  /**
   * The idle session of `holder` used least recently whose ending loses nothing (see
   * {@link loses}); the first idle one that would lose something in {@link losingFound}. Its
   * sessions are taken in order of last use (see `LastUse`), {@link looksLeft} of them at most:
   * a session being replaced is passed over; one in use (see `busy`: a call in flight, its GET
   * stream read) is stamped used now (it is: its stamp is renewed as that use ends anyway) and
   * so goes to the back, not looked at again before the others; an idle one that would lose
   * something is kept as the fall-back, and the look goes on. The bound ({@link maxLooks}) is
   * what a flood of initializes costs at most each; what it leaves out is a session that loses
   * nothing behind as many that are in use or would lose something (an address's running tasks
   * are 500 at most by default, an unread answer protects its session for the request timeout
   * only), and sessions in use looked at go to the back, those that would lose something too when
   * the look found none that loses nothing: the next look goes further.
   */
  private lookThrough(holder: Holder<HttpSession>): HttpSession | undefined {
    const order = holder.sessions
    const passed = this.passed
    let chosen: HttpSession | undefined
    let losing: HttpSession | undefined
    while (this.looksLeft > 0) {
      const session = order.least()
      if (session === undefined) break
      order.removeLeast()
      // Ended (or ending): not the holder's any more, its entry goes.
      if (session.ended || this.holderOf.get(session) !== holder) continue
      this.looksLeft--
      passed.push(session)
      if (this.evicting.has(session)) continue
      if (busy(session)) {
        this.used(session)
        continue
      }
      if (!this.loses(session)) {
        chosen = session
        break
      }
      losing ??= session
    }
    // The looks spent, none found that loses nothing: those that would lose something go to the
    // back too (stamped used now), so that the next look goes past them as past those in use (it
    // met the same ones first again, ending one each time, while an idle one that loses nothing,
    // used more recently, was never reached: an address runs 500 tasks at most by default).
    if (chosen === undefined && this.looksLeft === 0) {
      for (const session of passed) if (!this.evicting.has(session)) this.used(session)
    }
    // Back in order, by their stamps now (those in use, and those that would lose something when
    // the looks were spent, as used now).
    for (const session of passed) order.add(session)
    passed.length = 0
    this.losingFound = losing
    return chosen
  }

  /**
   * `opened` (see {@link openFor}: a principal, or an address, below its bound), or, with every
   * place under `maxSessions` taken, opened in the place of the idle session {@link crowding}
   * chooses, when there is one: the principal's bound says others always find room, and
   * principals at their bound (half of `maxSessions` by default) left none to any other until
   * their sessions' idle timeout.
   */
  private orCrowded(opened: Effect.Effect<HttpSession | "full" | "failed">): Effect.Effect<HttpSession | "full" | "failed"> {
    return Effect.flatMap(opened, (first) => {
      if (first !== "full") return Effect.succeed(first)
      const crowded = this.crowding()
      return crowded === undefined ? Effect.succeed(first) : this.replacing(opened, crowded, true)
    })
  }

  /**
   * The session to end to make room in a full store for a principal (or address) below its bound:
   * an idle one (see `busy`) of a principal or address holding two sessions at least (the only
   * session of one is never ended for another's), one whose ending loses nothing first (see
   * {@link openFor}), then of the one holding the most, then used least recently. `undefined`:
   * none. The holders are taken the one holding the most first (see `Holders`), each one's
   * sessions in order of last use (see {@link lookThrough}), {@link maxLooks} sessions at most in
   * all: the look stops at the first holder holding fewer than the one a session that loses
   * nothing was found with. Not a look through every session (two, with a count per principal:
   * 6.9 ms of CPU per `initialize` at 10,000 sessions, measured). The holders looked through by a
   * look that found nothing losing nothing are set aside (`Holders.setAside`) until a look finds
   * one, or has looked past every other holder: the looks go on past them, as past a holder's
   * sessions in use.
   */
  private crowding(): HttpSession | undefined {
    this.looksLeft = maxLooks
    let chosen: HttpSession | undefined
    let chosenCount = 0
    let losing: HttpSession | undefined
    let losingCount = 0
    const visited: Array<Holder<HttpSession>> = []
    while (this.looksLeft > 0) {
      const holder = this.byCount.most
      if (holder === undefined || holder.count < 2) {
        // Looked past every holder not set aside: those the looks before set aside come back.
        if (chosen === undefined && this.byCount.restoreAside()) continue
        break
      }
      if (chosen !== undefined && holder.count < chosenCount) break
      this.byCount.remove(holder)
      visited.push(holder)
      // Counted without those being replaced (few, and only while such an `initialize` runs).
      if (holder.count - this.evictingOf(holder) < 2) continue
      const found = this.lookThrough(holder)
      if (found !== undefined && (chosen === undefined || found.lastUsed < chosen.lastUsed)) {
        chosen = found
        chosenCount = holder.count
      }
      const holding = this.losingFound
      if (holding !== undefined && (losing === undefined || (holder.count === losingCount && holding.lastUsed < losing.lastUsed))) {
        losing = holding
        losingCount = holder.count
      }
    }
    this.losingFound = undefined
    // Nothing that loses nothing found: the holders looked through are set aside, so that the next
    // look goes past them (those holding the most, all their sessions looked at in use, took every
    // look again: the idle sessions of those holding fewer were never reached). Back in order once
    // a look finds a session to end, or has looked past every other holder.
    if (chosen === undefined) {
      for (const holder of visited) this.byCount.setAside(holder)
    } else {
      for (const holder of visited) this.byCount.changed(holder)
      this.byCount.restoreAside()
    }
    return chosen ?? losing
  }

  /**
   * Opens a session (`opened`) in the place of `idle`, a session of the same principal (or
   * address) at its bound: `idle` is ended once the new session has started, not before (ended
   * first, a new session that then failed to start, 503, or whose client left, cost its principal
   * a session for nothing). With the store full, `idle`'s place is the one the new session takes:
   * its record is removed first (the session itself lives on), and made again when the new
   * session does not start (`idle` is ended only if another took the place meanwhile). A request
   * for `idle` meanwhile is not started (see {@link endIfReplaced}). `full`: `idle` is another
   * principal's (see {@link orCrowded}), and the store was found full: its place is taken at
   * once (a place found free meanwhile would not need it ended).
   */
  private replacing(
    opened: Effect.Effect<HttpSession | "full" | "failed">,
    idle: HttpSession,
    full = false
  ): Effect.Effect<HttpSession | "full" | "failed"> {
    this.evicting.add(idle)
    const swapped = Effect.uninterruptibleMask((restore) =>
      Effect.andThen(this.records.remove(idle.id), restore(opened)).pipe(
        Effect.onExit((exit) =>
          exit._tag === "Success" && typeof exit.value !== "string" || idle.ended
            ? Effect.void
            : Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Effect.flatMap(this.records.create(idle.id, now), (kept) => kept ? Effect.void : this.end(idle)))
        )
      )
    )
    // "full" while `idle` ended meanwhile (a request for it, see `endIfReplaced`): its place is
    // free, or being freed, and is the new session's all the same.
    return (full ? swapped : Effect.flatMap(opened, (first) => first === "full" ? swapped : Effect.succeed(first))).pipe(
      Effect.flatMap((result): Effect.Effect<HttpSession | "full" | "failed"> =>
        typeof result === "string" ? Effect.succeed(result) : Effect.as(this.end(idle), result)
      ),
      Effect.ensuring(Effect.sync(() => void this.evicting.delete(idle)))
    )
  }

  /**
   * Whether `session` is being replaced (see {@link replacing}); if so, it is ended now, as a DELETE
   * ends it. Asked as a request (or a GET's stream) would start on a session: one started then
   * was cut mid-flight as the swap ended the session (its handler interrupted, -32603 "The
   * session ended"); it is answered 404 instead, never started, and the session's id answers 404
   * from then on, whatever the swap decides (as when it was ended first). A set's size read per
   * request: the set is empty but while a principal at its bound opens a session.
   */
  endIfReplaced(session: HttpSession): boolean {
    if (this.evicting.size === 0 || !this.evicting.has(session)) return false
    this.runFork(this.end(session))
    return true
  }

  /**
   * Records a new session in the store (`false`: no room). A store's `create` may take its place
   * and then wait (a round trip's answer): interrupted then (the POST's client left), or failing,
   * the record it may have written is removed, in the background. Nothing else would remove it
   * (the reaper ends only the sessions served here; the store is shared), and its place under the
   * store's cap was lost for good.
   */
  private recorded(id: string, restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>): Effect.Effect<boolean> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.onExit(restore(this.records.create(id, now)), (exit) =>
        exit._tag === "Success" ? Effect.void : Effect.sync(() => void this.runFork(this.records.remove(id)))))
  }

  /**
   * Starts the shared stateless session, once: POSTs racing to start it all get the first one
   * (a session started meanwhile by another is closed).
   */
  get openStateless(): Effect.Effect<HttpSession | undefined> {
    return Effect.map(this.open(true), (started) => {
      // One that already closed (started into a graceful drain, drained at once) is not kept:
      // `ended` had nothing to forget yet, and every later request would find it closed.
      const opened = typeof started === "string" || started.finished ? undefined : started
      if (this.statelessSession === undefined) this.statelessSession = opened
      else if (opened !== undefined) {
        opened.input?.interrupt()
        this.runFork(this.ended(opened))
      }
      return this.statelessSession
    })
  }

  /**
   * Ends a session's input (a DELETE, the idle timeout): it finishes its requests, then closes.
   * Completes once its place under `maxSessions` is free: at once, not when its calls still
   * running finish (its client can no longer use it; they are bounded by its shutdown timeout);
   * but while `maxSessions` sessions freed so drain, it keeps its place until it closes (see
   * {@link released}).
   */
  end(session: HttpSession): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (session.ended) return Effect.void
      this.endInput(session)
      // Closed at once (nothing ran), it is forgotten already: no place to free, none to count.
      if (session.finished || this.released.size >= this.maxReleased) return Effect.void
      this.released.add(session.id)
      return this.records.remove(session.id)
    })
  }

  /**
   * {@link end}, at once: the session takes no more input from now on (answers to it are 404), so
   * its requests to the client fail at once (`SessionInput.terminate`).
   */
  endInput(session: HttpSession): void {
    if (session.ended) return
    session.ended = true
    this.release(session)
    const input = session.input
    if (input !== undefined) this.runFork(Effect.ensuring(input.terminate, this.ended(session)))
  }

  /**
   * Forgets a closed session: answers what still waits, closes its streams, drops its records.
   * A request still waiting gets an error (`stoppedByShutdown` while the endpoint shuts down),
   * as JSON or as the last event of its SSE stream: a stream closed without its answer would
   * have the client resume it, from a session that is gone, and never learn what became of it.
   */
  ended(session: HttpSession): Effect.Effect<void> {
    return Effect.suspend(() => {
      session.ended = true
      if (session.finished) return Effect.void
      session.finished = true
      if (this.statelessSession === session) this.statelessSession = undefined
      this.sessions.delete(session.id)
      this.release(session)
      this.unread.delete(session)
      // Its events go with the session's, below.
      this.graced.delete(session)
      this.released.delete(session.id)
      for (const pending of session.pending.values()) {
        // Its handler ends interrupted (if it still runs): its span says this answer (Telemetry).
        let answer: JsonRpc.Message
        if (this.closing) answer = answerOnStop(session, pending)
        else {
          stoppedRequests.set(pending.request, sessionEnded)
          answer = forClient(pending, JsonRpc.failure(pending.request.id, sessionEnded))
        }
        const stream = pending.stream
        if (stream === undefined) settle(pending, answer)
        // Not stored: the session's events are forgotten below, and no GET could resume its
        // streams. Ended below, once each request of a batch's stream has its error on it.
        else if (!stream.done) stream.connection?.push(frame(undefined, JsonRpc.stringify(answer)!))
      }
      for (const stream of session.streams.values()) {
        stream.done = true
        stream.connection?.close()
      }
      session.pending = emptyMap
      session.dropHeld()
      // Counted until the stores are done: ended in a fiber of its own (the session closed by
      // itself), the shutdown does not wait for it otherwise, and the store's client could close
      // first (its keys left until they expire).
      this.forgets.start()
      return Effect.ensuring(
        Effect.andThen(this.records.remove(session.id), this.events.forgetSession(session.id)),
        Effect.sync(() => this.forgets.end())
      )
    })
  }

  /**
   * How often the keep-alive runs (`keepAliveMillis`); `undefined`: never (0, or `Infinity`).
   * One timer for the endpoint, not one per stream (see `endpoint.ts`).
   */
  get keepAliveMillis(): number | undefined {
    const every = this.options.keepAliveMillis ?? 15_000
    return every > 0 && Number.isFinite(every) ? every : undefined
  }

  /** The keep-alive: an SSE comment on every stream a client is reading. */
  keepAlive(): void {
    const beat = (session: HttpSession) => {
      for (const stream of session.streams.values()) {
        if (stream.connection?.reading === true) stream.connection.push(keepAliveComment)
      }
    }
    for (const session of this.sessions.values()) beat(session)
    if (this.statelessSession !== undefined) beat(this.statelessSession)
  }

  /** How often the reaper looks: half the shorter of the idle and request timeouts, within 100 ms and a minute. */
  get reapMillis(): number {
    return Math.max(100, Math.min(60_000, Math.floor(Math.min(this.idleTimeout, this.requestTimeout) / 2)))
  }

  /**
   * The reaper's look: ends sessions idle for longer than the idle timeout, and abandons requests
   * whose answer no client has read for longer than the request timeout. A session running a
   * background task of its own (an anonymous session's: see `SessionInput.holdsWork`) is in use
   * (see {@link working}): ended, it cancelled the task its client may still come back for (a
   * client that neither polls nor streams while a task runs, as 2025-11-25 allows: it may ask
   * for the result later); it lives until the task ends (at its TTL at the latest), then its
   * idle timeout runs from there.
   */
  get reap(): Effect.Effect<void> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      this.abandonDetached(now)
      const wasInUse = this.inUseAtLastLook
      this.inUseAtLastLook = this.inUse()
      return Effect.flatMap(this.records.idle(now, this.idleTimeout), (ids) =>
        Effect.forEach(ids, (id) => {
          const session = this.sessions.get(id)
          if (session === undefined || working(session)) return Effect.void
          // In use at the last look and no longer: its idle time starts now. Its last request
          // may have come long ago (a call longer than the idle timeout, a standalone stream
          // read as long): it was ended as soon as that call was answered or that stream closed.
          if (wasInUse?.has(id) === true) return Effect.asVoid(this.records.touch(id, now))
          return this.end(session)
        }, { discard: true }))
    })
  }

  /** The ids of the sessions {@link working} (`undefined`: none). */
  private inUse(): Set<string> | undefined {
    let ids: Set<string> | undefined
    for (const session of this.sessions.values()) if (working(session)) (ids ??= new Set()).add(session.id)
    return ids
  }

  /**
   * Requests answered on an SSE stream that no connection reads (the client dropped it and did
   * not resume): abandoned once detached for longer than the request timeout.
   */
  private abandonDetached(now: number): void {
    const sessions = this.statelessSession === undefined ? this.sessions.values() : [...this.sessions.values(), this.statelessSession]
    for (const session of sessions) {
      if (session.pending.size === 0) continue
      for (const pending of [...session.pending.values()]) {
        const stream = pending.stream
        // Requests still waiting for their first message are bounded by `answer`'s own timeout.
        if (stream === undefined) continue
        // A stream opened for a quiet request (see `quietAfter`) that has sent nothing since: past
        // its request timeout, it ends with the answer its 504 would have carried.
        if (pending.quietDeadline !== 0 && !stream.sent && now >= pending.quietDeadline) {
          this.abandon(
            session,
            pending,
            `No answer within the request timeout (${this.requestTimeout} ms)`,
            JsonRpc.failure(pending.request.id, { code: ErrorCode.InternalError, message: `Gateway Timeout: no answer within ${this.requestTimeout} ms` })
          )
          continue
        }
        if (stream.connection?.reading === true) pending.detachedSince = undefined
        else if (pending.detachedSince === undefined) pending.detachedSince = now
        else if (now - pending.detachedSince >= this.requestTimeout) {
          this.abandon(session, pending, "The client left the request's stream and did not resume it")
        }
      }
    }
  }

  /**
   * Gives up a request nobody will read the answer of (its POST dropped, its stream left, its
   * time out), or that is to end now (`answer`: what it is answered, the last event of its
   * stream): forgotten here, cancelled in the session (its handler is interrupted), its stream
   * closed. The id may be used again at once.
   */
  abandon(session: HttpSession, pending: Pending, reason: string, answer?: JsonRpc.Message): void {
    const id = pending.request.id
    if (session.pending.get(id) !== pending) return
    this.settle(session, pending, answer)
    this.runFork(session.receive(JsonRpc.notification("notifications/cancelled", { requestId: id, reason })))
  }

  /**
   * Gives up ({@link abandon}) what an unresumable stream answers, which its client can no longer
   * read: its request, or a batch's requests not answered yet.
   */
  private abandonOn(session: HttpSession, stream: SseStream, reason: string): void {
    if (stream instanceof BatchStream) {
      for (const id of [...stream.unanswered]) {
        const pending = session.pending.get(id)
        if (pending !== undefined && pending.stream === stream) this.abandon(session, pending, reason)
      }
      return
    }
    if (stream.requestId === undefined) return
    const pending = session.pending.get(stream.requestId)
    if (pending !== undefined) this.abandon(session, pending, reason)
  }

  /**
   * Ends a pending request's answer without the session's response: with `message` (JSON, or the
   * last event of its stream), or, when `undefined`, by closing its stream.
   */
  settle(session: HttpSession, pending: Pending, message: JsonRpc.Message | undefined): void {
    session.removePending(pending.request.id)
    this.used(session)
    session.unclaim(pending)
    // An opening `initialize` given up (its POST dropped, its time out): nobody has the session's id.
    if (pending.opens) this.endInput(session)
    const stream = pending.stream
    if (stream === undefined) {
      settle(pending, forClient(pending, message ?? abandoned(pending)))
      return
    }
    if (message !== undefined) {
      this.runFork(this.emit(session, stream, forClient(pending, message), endsWith(stream, pending.request.id)))
      return
    }
    if (stream instanceof BatchStream) {
      // One request of a batch given up: the others go on (its stream is given up with them all
      // when the client left it). Its entry, while the stream is read, says so; the stream ends
      // with its last request.
      stream.connection?.push(frame(undefined, JsonRpc.stringify(forClient(pending, abandoned(pending)))!))
      if (stream.answered(pending.request.id)) this.endStream(session, stream, stream.connection)
      return
    }
    stream.done = true
    stream.connection?.close()
    stream.connection = undefined
    session.removeStream(stream.streamId)
    this.runFork(this.events.forgetStream(session.id, stream.streamId))
  }

  /**
   * The client cancelled one of its requests (`notifications/cancelled`): its HTTP answer ends at
   * once with a -32800 "Request cancelled" error (JSON, or the last event of its stream: a stream
   * closed without an answer would make clients resume it), and the session interrupts its handler
   * and sends no response of its own. A 2025-03-26 batch member too (its entry in the array, or its
   * event), where stdio gives none as the spec says: an HTTP POST answers each request it carries,
   * and a batch of cancelled requests only would have nothing to answer with (docs/protocol-eras.md).
   */
  cancelled(session: HttpSession, notification: JsonRpc.Notification): void {
    const requestId = (notification.params as { readonly requestId?: unknown } | undefined)?.requestId
    if (typeof requestId !== "string" && typeof requestId !== "number") return
    const pending = session.pending.get(requestId)
    if (pending === undefined || pending.request.method === "initialize") return
    this.settle(session, pending, JsonRpc.failure(requestId, { code: ErrorCode.RequestCancelled, message: "Request cancelled" }))
  }

  /**
   * The graceful shutdown: new requests are refused (503 with a JSON-RPC error) and every session
   * ends as a DELETE ends it: in-flight requests finish (or are interrupted after the session's
   * shutdown timeout) and their answers are sent. Completes when every session has closed and the
   * SSE responses have written out what was queued for their clients (see {@link written}).
   */
  drain(shutdown: GracefulShutdownState): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closing = true
      const sessions = [...this.sessions.values()]
      if (this.statelessSession !== undefined) sessions.push(this.statelessSession)
      // Not marked ended: the client's answers, cancellations and resumptions still reach them
      // (new requests are refused by `closing`); each closes once its input has drained. Then the
      // SSE responses write out what their clients have not read yet, and a short grace lets the
      // last answers (a 202, a JSON answer) reach their sockets before the server closes.
      return Effect.forEach(sessions, (session) => this.drainSession(session), { concurrency: "unbounded", discard: true })
        .pipe(Effect.andThen(this.written(shutdown)), Effect.andThen(Effect.sleep(drainGraceMillis)))
    })
  }

  /**
   * Waits, after the drain, until every SSE response body has ended: the sessions closed their
   * streams, and a body ends once it has handed its client everything queued for it (up to a
   * connection's 1024 events: the server stopping sooner cut a client that reads slowly, its last
   * events and answer lost). Within the sessions' `shutdownTimeoutMillis`, as over stdio: past it
   * the clients that do not read are given up on (their responses are cut as the server stops),
   * the drain is marked cut short and a warning says so. Nothing is done per request for it: the
   * bodies are counted where they start and end.
   */
  private written(shutdown: GracefulShutdownState): Effect.Effect<void> {
    const timeout = this.options.session?.shutdownTimeoutMillis ?? 10_000
    return this.sseBodies.awaitNone(timeout, (left) => {
      shutdown.markCutShort()
      return Effect.logWarning(
        `effect-mcp-server: ${left} SSE stream(s) not read for ${timeout} ms after the shutdown's drain: cut, their last events not delivered`
      )
    })
  }

  /** Ends one session's input and forgets it once it has drained. */
  drainSession(session: HttpSession): Effect.Effect<void> {
    const input = session.input
    return input === undefined ? this.ended(session) : Effect.ensuring(input.end, this.ended(session))
  }

  /**
   * The endpoint stops (its scope closes: `WebHandler.dispose`, the server interrupted): every
   * session is interrupted, and the requests in flight are answered with `stoppedByShutdown`
   * (see {@link ended}); then, when there were any, a short grace lets those answers reach their
   * sockets. Completes once the stores have forgotten the sessions (see {@link forgotten}), before
   * their resources close. Once more after that, it does nothing.
   */
  get shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closing = true
      const sessions = [...this.sessions.values()]
      if (this.statelessSession !== undefined) sessions.push(this.statelessSession)
      this.answerDeadlines.clear()
      this.tokenDeadlines.clear()
      // The POSTs whose body still arrives (on other platforms than Node, whose server interrupts them).
      for (const stop of this.bodyReads) stop()
      this.bodyReads.clear()
      const inFlight = sessions.some((session) => session.pending.size > 0)
      for (const session of sessions) {
        // Marked before their handlers are interrupted: their spans say the answer `ended` gives.
        for (const pending of session.pending.values()) markStopped(pending)
        session.input?.interrupt()
        // Ended at once (its answers given, its streams closed: `runFork` runs it up to its first
        // wait), forgotten by the stores in a fiber of its own, as a session that closes by itself
        // is: waited for below, all at once and within a bound.
        this.runFork(this.ended(session))
      }
      return inFlight ? Effect.all([this.forgotten, Effect.sleep(drainGraceMillis)], { concurrency: 2, discard: true }) : this.forgotten
    })
  }

  /**
   * Waits until the stores have forgotten every session that ended (see {@link ended}), the
   * sessions' forgets run in fibers of their own included (a session that closed by itself, or
   * as it was interrupted): the stores' resources (a Redis client) close after the endpoint, and
   * a forget cut by that left the session's keys behind until they expire. Within the sessions'
   * `shutdownTimeoutMillis` (a store that does not answer): past it, a warning says so.
   */
  private get forgotten(): Effect.Effect<void> {
    const timeout = this.options.session?.shutdownTimeoutMillis ?? 10_000
    return this.forgets.awaitNone(timeout, (left) =>
      Effect.logWarning(
        `effect-mcp-server: ${left} ended session(s) not forgotten by the stores within ${timeout} ms of the shutdown: what they keep of them expires there`
      ))
  }

  // --- routing of outgoing messages ----------------------------------------

  write(session: HttpSession, batch: ReadonlyArray<Outbound>): Effect.Effect<void> {
    let effects: Array<Effect.Effect<void>> | undefined
    for (let i = 0; i < batch.length; i++) {
      const effect = this.route(session, batch[i]!)
      if (effect !== undefined) (effects ??= []).push(effect)
    }
    return effects === undefined ? Effect.void : Effect.forEach(effects, (e) => e, { discard: true })
  }

  /** Routes one message; returns an effect only when the event store is involved. */
  private route(session: HttpSession, outbound: Outbound): Effect.Effect<void> | undefined {
    // Never a batch's answer: a session answers batches as one array over pulled connections
    // only; a batch POST's answer is the endpoint's (`batch.ts`).
    const message = outbound.message as JsonRpc.Message
    if (!("method" in message)) {
      // A response: it ends its request's answer.
      const id = (message as JsonRpc.Response).id
      if (id === undefined) return undefined
      const pending = session.pending.get(id)
      if (pending === undefined) return undefined
      session.removePending(id)
      // In use until now (see `used`).
      this.used(session)
      session.unclaim(pending)
      // The `initialize` that opened the session failed (bad params, a middleware's refusal): the
      // client starts again without a session id, so this one would only hold a place (under
      // `maxSessions`) until its idle timeout.
      if (pending.opens && "error" in message) this.endInput(session)
      const stream = pending.stream
      if (stream === undefined) {
        settle(pending, forClient(pending, message))
        return undefined
      }
      return this.emit(session, stream, forClient(pending, message), endsWith(stream, id))
    }
    const related = outbound.related
    if (related !== undefined) {
      const pending = session.pending.get(related)
      if (pending !== undefined && pending.mode !== "json") {
        return this.emit(session, pending.stream ?? this.openSse(session, pending), message, false)
      }
    }
    const route = outbound.route
    if (route !== undefined) {
      const claimed = session.routes.get(route)
      if (claimed !== undefined && claimed.mode !== "json") {
        const stream = claimed.stream ?? this.openSse(session, claimed)
        // The client left that stream (it dropped its `tasks/result` and went back to polling): a
        // request goes on the standalone stream it reads, if any (2025-11-25: clients SHOULD take
        // a task's requests on any stream, the GET stream included); else it is stored on the
        // stream left, for its resumption or for the next `tasks/result` (see `claimRoute`).
        const standalone = session.standalone
        if (stream.connection === undefined && "id" in message && standalone?.connection !== undefined) {
          return this.emit(session, standalone, message, false)
        }
        return this.emit(session, stream, message, false)
      }
    }
    const standalone = session.standalone
    if (standalone !== undefined) return this.emit(session, standalone, message, false)
    if ("id" in message) {
      // A task's request to the client (elicitation, sampling): the client is expected to call
      // tasks/result when it sees input_required, or to open the standalone stream; kept for then.
      // An untied request (`context.session.request`, or one of a request answered as JSON): the
      // client may open its GET stream any moment (the SDK v1 client opens it only after
      // notifications/initialized), so it waits for that stream, a few at most (beyond the bound
      // it is dropped: its caller times out); not on the shared stateless session, which has none.
      if (route !== undefined || session !== this.statelessSession) session.hold(route, message)
    } else if (message.method === "notifications/cancelled") {
      // Its caller gave up on a request (timed out, interrupted): one still held is forgotten,
      // never sent late (nor this notification, about a request the client never saw). The
      // session withdraws a held request itself as it gives it up (and sends no cancel then, see
      // `HttpSession.withdraw`); this is for one it had not written out yet at that moment.
      const requestId = (message.params as { readonly requestId?: unknown } | undefined)?.requestId
      if ((typeof requestId === "string" || typeof requestId === "number") && session.withdraw(requestId, route)) return undefined
    }
    if ("id" in message || session === this.statelessSession) return undefined
    // A notification (list changes, a log, a task's status; the cancel of a request sent before
    // the client left) while the client is away from its standalone stream (the server saw it go,
    // the client has not resumed it yet): stored on that stream, for the resumption to replay,
    // as while the server had not seen it go yet. Within what the store keeps of a stream
    // (`maxEventsPerStream`). Else, nowhere to deliver: a notification without a stream is lost
    // (best effort, not held).
    const left = leftStandalone(session)
    return left === undefined ? undefined : this.emit(session, left, message, false)
  }

  /**
   * The session's standalone stream is read again (a GET opened it, or resumed it): the requests
   * held while it had none go out on it, in order.
   */
  flushHeld(session: HttpSession, stream: SseStream): Effect.Effect<void> {
    if (session.held.size === 0) return Effect.void
    return this.emitHeld(session, stream, session.takeAllHeld())
  }

  /**
   * Sends held requests on `stream`, in order, but those that no longer wait for an answer (their
   * caller gave up, or the client answered): each is checked right before it is written, as
   * storing the one before it in a store that is not in memory yields. Also what sends again the
   * requests of standalone streams the client left (see `unansweredOf` and `legacy.get`): the
   * client may answer one of those on the stream it left meanwhile. (One answered while it is
   * being stored still goes out: the client sees it twice, and its second answer is ignored.)
   * Held requests are withdrawn as their caller gives up (`HttpSession.withdraw`), or forgotten
   * when their `notifications/cancelled` comes by (see `route`); but a request the session had not
   * written out yet when it gave up is held after that, and its cancel goes with the request it is
   * tied to, routed by that request's id: once a new request reused the id (an SSE one), the
   * cancel goes out on the new request's stream and the held request stays. Checked here, once
   * per held request, rather than on every tied notification.
   */
  emitHeld(session: HttpSession, stream: SseStream, held: ReadonlyArray<JsonRpc.Message>): Effect.Effect<void> {
    const input = session.input
    return Effect.forEach(held, (message) =>
      input !== undefined && !input.awaitsAnswer((message as JsonRpc.Request).id)
        ? Effect.void
        : this.emit(session, stream, message, false), { discard: true })
  }

  /**
   * The server→client requests that standalone streams the client left carried, in the order they
   * were sent (each once): what a fresh standalone stream replacing them carries again, those that
   * still wait for the client's answer as each is written (`emitHeld` checks them then). A request sent after the client's stream broke but
   * before the server saw it go reached only the event store; a client that opens a fresh stream
   * instead of resuming would never see it, and its caller would wait out its timeout. Read from
   * the event store (what each stream carried) and the session (what still waits), only then: an
   * idle session keeps no list of its own, and sending a request costs nothing more. A request
   * the client answered no longer waits; one it received and did not answer yet is sent again
   * (nothing says it got it). Read with `retained`, gaps allowed: a standalone stream lives as
   * long as its session and carries every notification of it, so past `maxEventsPerStream` its
   * oldest events are gone, and the requests among them are lost (so are those of a stream the
   * store no longer holds at all, or while it fails: logged). Each is checked again as it is
   * written (see `emitHeld`): with a store that is not in memory, the client may answer one in
   * between.
   */
  unansweredOf(session: HttpSession, left: ReadonlyArray<SseStream>): Effect.Effect<Array<JsonRpc.Message>> {
    const input = session.input
    if (input === undefined) return Effect.succeed([])
    const seen = new Set<JsonRpc.RequestId>()
    const unanswered: Array<JsonRpc.Message> = []
    return Effect.as(
      Effect.forEach(left, (stream) =>
        Effect.match(this.events.retained(session.id, stream.streamId), {
          // Logged where it failed, once: by the guard of a provided store (see `events.ts`; the
          // in-memory store never fails). Its requests are not sent again.
          onFailure: () => undefined,
          onSuccess: (events) => {
            for (const event of events) {
              const message = event.message
              if (!("method" in message) || !("id" in message)) continue
              const id = (message as JsonRpc.Request).id
              if (seen.has(id)) continue
              seen.add(id)
              unanswered.push(message)
            }
          }
        }), { discard: true }),
      unanswered
    )
  }

  /** Stores an event and delivers it on the stream's connection, if any; `last` ends the stream. */
  emit(session: HttpSession, stream: SseStream, message: JsonRpc.Message, last: boolean): Effect.Effect<void> {
    // Serialised once, before it is stored: what cannot be is dropped (a notification or request).
    const data = JsonRpc.stringify(message)
    if (data === undefined) return Effect.void
    if (stream.unresumable) {
      // No event id, nothing stored: the stream cannot be resumed. A client that does not
      // keep up loses the stream (and with it the request, which it re-issues), never a frame.
      // Sent: a request whose stream opened for its silence is alive (see `Pending.quietDeadline`).
      stream.sent = true
      const connection = stream.connection
      const delivered = connection?.push(frame(undefined, data)) === true
      if (last || !delivered) {
        if (!delivered && !last) this.abandonOn(session, stream, "The client did not keep up with the request's stream")
        this.endStream(session, stream, connection)
      }
      return Effect.void
    }
    return Effect.map(this.events.append(session.id, stream.streamId, message, last), (eventId) => {
      stream.sent = true
      stream.bytes += data.length
      const connection = stream.connection
      const delivered = connection?.push(frame(eventId, data)) === true
      if (connection !== undefined && !delivered) {
        // The client does not keep up: drop the connection; it resumes from the event store.
        // A standalone stream stays the session's: what is sent until the client comes back is
        // stored on it for that resumption, and a fresh GET replaces it as a stream the client
        // left (see `legacy.get`).
        connection.close()
        stream.connection = undefined
      }
      if (last) {
        stream.done = true
        // Ended, the stream is the store's: a resumption replays it from there (a stream the
        // session no longer has is one that ended, see `legacy.get`). Kept while its client was
        // away, it stayed with the session for the session's life, resumed or not.
        session.removeStream(stream.streamId)
        // Its answer stored with no client reading: it waits for a resumption.
        if (!delivered && stream.requestId !== undefined) this.answerUnread(session, stream)
        if (delivered) {
          // Queued is not received: the stored events go once the response has written them all
          // out (see `sseResponse`). A client gone before then resumes from the store.
          connection!.lastPushed = true
          connection!.close()
        }
      }
    })
  }

  /** A request stream of `session` ended with its answer stored, unread by its client (see {@link unread}). */
  private answerUnread(session: HttpSession, stream: SseStream): void {
    if (session.finished) return
    let unread = this.unread.get(session)
    if (unread === undefined) this.unread.set(session, unread = new Unread())
    // The oldest goes past the bound: the event store keeps as many finished streams at most.
    else if (unread.ids.size >= maxUnreadPerSession) unread.ids.delete(unread.ids.keys().next().value!)
    unread.ids.set(stream.streamId, stream.bytes)
    unread.at = Date.now()
  }

  /**
   * The size of the events of the ended stream `streamId` of `session` whose answer is unread (0:
   * none such): a resumption after part of it replays the rest only, and the event store keeps it
   * whole for its grace once written out (see {@link writtenOut}).
   */
  unreadBytes(session: HttpSession, streamId: string): number {
    return this.unread.size === 0 ? 0 : this.unread.get(session)?.ids.get(streamId) ?? 0
  }

  /**
   * The stream `streamId` of `session` was written out to its end, or its resumption refused (the
   * client told to re-issue its request, see `legacy.get`): its answer, if it was unread, is read,
   * or lost already; nothing more to lose with the session.
   */
  answerRead(session: HttpSession, streamId: string): void {
    if (this.unread.size === 0) return
    const ids = this.unread.get(session)?.ids
    if (ids === undefined || !ids.delete(streamId) || ids.size > 0) return
    this.unread.delete(session)
  }

  closeStream(session: HttpSession, related: JsonRpc.RequestId): void {
    // Stateless: no GET can resume a stream, so it stays open until the response.
    if (this.options.stateless === true) return
    const pending = session.pending.get(related)
    // 2026-07-28 has no resumption either, nor a batch's stream: closing it would cancel the
    // request (a batch's, all of its requests).
    if (pending === undefined || pending.mode === "json" || pending.modern || pending.stream instanceof BatchStream) return
    const stream = pending.stream ?? this.openSse(session, pending)
    stream.connection?.close()
    stream.connection = undefined
  }

  /** See `PushConnection.claimRoute`. */
  claimRoute(session: HttpSession, related: JsonRpc.RequestId, route: string): Effect.Effect<void> {
    const pending = session.pending.get(related)
    if (pending === undefined) return Effect.void
    const previous = session.routes.get(route)
    session.claim(route, pending)
    // A JSON answer cannot carry requests before it: held ones wait for a stream.
    if (pending.mode === "json") return Effect.void
    // Its stream opens now, not at the route's first message: the request waits for as long as
    // the route lasts (a task's `tasks/result`, up to its TTL), and one that produced nothing
    // would be cut at the request timeout (504) while a stream gets its keep-alives.
    const stream = pending.stream ?? this.openSse(session, pending)
    const held = session.takeHeld(route)
    // The route's earlier request whose stream the client left (it dropped its `tasks/result` and
    // went back to polling, as 2025-11-25 allows, and asks again on seeing `input_required`): the
    // requests that stream carried and that still wait for an answer go out again here, first (as
    // a fresh standalone stream sends those of the standalone streams the client left). Else they
    // were only stored for a resumption of the stream the client gave up, and the task waited for
    // its input until its TTL. Also when that stream still looks open here: the client that asks
    // again gave up on it (a proxy may hold the upstream open until its next write, or the new POST
    // race the old connection's close), and once the route is this request's, nothing sends them
    // again when the old stream goes (a client reading both sees them twice; its second answer is ignored).
    const left = previous === undefined || previous === pending ? undefined : previous.stream
    if (left === undefined || left.unresumable || left.done) {
      return held === undefined ? Effect.void : this.emitHeld(session, stream, held)
    }
    return Effect.flatMap(
      this.unansweredOf(session, [left]),
      (unanswered) => this.emitHeld(session, stream, held === undefined ? unanswered : [...unanswered, ...held])
    )
  }
}

/** The 202 of a notification no session takes, which `session`'s middleware observes if it observes notifications. */
const observed = (
  session: HttpSession,
  request: HttpServerRequest.HttpServerRequest,
  notification: JsonRpc.Notification,
  principal: Principal | undefined
): HttpServerResponse.HttpServerResponse => {
  const input = session.input
  if (input?.observesNotifications === true) input.observe(notification, new HttpInfo(request, principal))
  return HttpServerResponse.empty({ status: 202 })
}

/**
 * The requests still waiting whose answer goes on `stream`: its request, or a batch's requests not
 * answered yet; none for a standalone stream.
 */
const answeredOn = (session: HttpSession, stream: SseStream): Array<Pending> => {
  const ids = stream instanceof BatchStream ? [...stream.unanswered] : stream.requestId === undefined ? [] : [stream.requestId]
  const pendings: Array<Pending> = []
  for (const id of ids) {
    const pending = session.pending.get(id)
    if (pending !== undefined && pending.stream === stream) pendings.push(pending)
  }
  return pendings
}

/** The client went away (effect/http's `ClientAbort`), rather than the server stopping what it served. */
const clientAborted = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) => reason._tag === "Interrupt" && reason.annotations.has(HttpServerError.ClientAbort.key))

/** What {@link Endpoint.stoppedServing} uses of Node's `ServerResponse` (HTTP/1) or `Http2ServerResponse`. */
interface NodeResponse {
  readonly destroyed: boolean
  readonly writableEnded: boolean
  readonly writableFinished: boolean
  readonly writableNeedDrain?: boolean | undefined
  /** Its connection's socket (for HTTP/2, a proxy of it), whose `server` is the one that accepted it. */
  readonly socket?: { readonly server?: NodeServer | undefined } | null | undefined
  readonly req?: { readonly httpVersionMajor?: number } | undefined
  end(text: string): unknown
  destroy(error?: Error): unknown
}

/** What {@link serverStopped} uses of Node's `http.Server` or `Http2Server`. */
interface NodeServer {
  readonly listening: boolean
  listenerCount(event: string): number
}

/**
 * Whether the Node server that carried `response` stopped serving: it no longer listens
 * (`server.close()`: `NodeHttpServer`'s preemptive shutdown closes it first) or no longer has a
 * `request` listener (effect/http removes its own as it stops serving, before it interrupts the
 * requests it serves). A server one gave a request listener of one's own besides is taken for
 * serving still: its responses are cut, as an application's own interruption cuts them.
 */
const serverStopped = (response: NodeResponse): boolean => {
  const server = response.socket?.server
  return server !== undefined && (!server.listening || server.listenerCount("request") === 0)
}

/**
 * Whether the answer of request `id` ends `stream`: always, but a batch's, which ends with the
 * last of its requests' answers.
 */
const endsWith = (stream: SseStream, id: JsonRpc.RequestId): boolean => !(stream instanceof BatchStream) || stream.answered(id)

/** The answer of a request given up (that anyone still reading gets). */
const abandoned = (pending: Pending): JsonRpc.Message =>
  JsonRpc.failure(pending.request.id, { code: ErrorCode.InternalError, message: "The request was abandoned" })

/**
 * The options of the shared stateless session, which answers every client (every 2026-07-28
 * request, every request of a stateless server): its lanes have no bound of their own unless
 * `session` gives one. A stateless request's bounds are its own HTTP request's (the request
 * timeout, the body's limit and timeout), as a 2025 session's are its own: shared, a bound was
 * one any client could fill. With 1,024 request slots (one session's 64 before), one client's
 * 1,025 slow calls held them all, and every other client's calls queued behind them (past the
 * FIFO's bound, refused 429) until one ended; with 16,384 waiting requests, as many open
 * `subscriptions/listen` streams of one client kept every other client's listen unanswered. A
 * running request is a fiber beside the one serving its POST (which a bound did not bound: a
 * request in the FIFO held its POST too). The limits given in `session` apply as they are, to
 * all the clients of the session together.
 */
const sharedSessionOptions = (session: Options["session"], sessionId: string) => ({
  ...session,
  maxConcurrentRequests: session?.maxConcurrentRequests ?? Number.POSITIVE_INFINITY,
  maxWaitingRequests: session?.maxWaitingRequests ?? Number.POSITIVE_INFINITY,
  stateless: true,
  sessionId
})

/**
 * The standalone stream the client left (the last, if several), while the session has none: the
 * client may resume it (`Last-Event-ID`), which makes it the standalone stream again; a fresh GET
 * drops it (see `legacy.get`). Looked for only by a notification with no stream to go on.
 */
const leftStandalone = (session: HttpSession): SseStream | undefined => {
  let left: SseStream | undefined
  for (const stream of session.streams.values()) {
    if (stream.requestId === undefined && !stream.unresumable && !stream.done) left = stream
  }
  return left
}

/**
 * A session waiting on an answer, or holding its standalone stream open: not idle, whenever its
 * last request came.
 */
const inUse = (session: HttpSession): boolean => session.pending.size > 0 || session.standalone?.connection?.reading === true

/**
 * What keeps a session from its idle timeout (see `Endpoint.reap`): {@link inUse}, or a background
 * task of its own still running (`SessionInput.holdsWork`: a task of an anonymous session, which
 * ending the session cancels; bounded by the task's TTL). Asked by the reaper only.
 */
const working = (session: HttpSession): boolean => inUse(session) || session.input?.holdsWork?.() === true

/**
 * The unread answers {@link Endpoint.unread} keeps per session at most: as many finished streams
 * as the event store keeps by default (`maxStreamsPerSession`).
 */
const maxUnreadPerSession = 64

/**
 * The sessions one choice of a session to end looks at most (see `Endpoint.lookThrough`): what
 * an `initialize` at a principal's bound, or at a full store, costs at most (a few microseconds),
 * however many sessions there are.
 */
const maxLooks = 256

/** Where {@link Endpoint.used}'s count is renumbered: within V8's small integers (31 bits). */
const maxUses = 2 ** 30

/**
 * {@link inUse}, or with a standalone stream being opened (or resumed): a GET attached its
 * connection, and its response is not read yet (it first stores what the session held for it, a
 * round trip with an event store of one's own). What {@link Endpoint.openFor} asks before it
 * chooses a session to end: taken for idle, the session was ended under that GET, whose stream
 * was cut as it opened. (The reaper asks {@link inUse}: a connection that never started being
 * read does not keep a session from its idle timeout.)
 */
const busy = (session: HttpSession): boolean => inUse(session) || session.standalone?.connection !== undefined

/** Feeds a request to its session and answers with what it produces (hoisted generator). */
const answerImpl = Effect.fnUntraced(function*(
  self: Endpoint,
  session: HttpSession,
  request: JsonRpc.Request,
  mode: "auto" | "json" | "sse",
  clientId: JsonRpc.RequestId | undefined,
  http: HttpRequestInfo,
  resolved: Negotiation.ResolvedRequest | undefined,
  opens: boolean
) {
      if (session.pending.has(request.id)) {
        // Only a session's own client ids can repeat (the shared session's are internal, unique).
        const message = `Invalid Request: a request with id ${clip(JSON.stringify(request.id))} is already in progress`
        return yield* self.refuse(request, 409, { code: ErrorCode.InvalidRequest, message }, clientId ?? request.id, session, http)
      }
      const pending = new Pending(request, mode, clientId, resolved !== undefined, opens)
      // The session may have been forgotten while this POST waited (a store's `touch`, a yield), or
      // be being replaced (`endIfReplaced`): checked as the request starts, nothing between.
      if (session.finished || self.endIfReplaced(session)) return sessionGone(clientId ?? request.id)
      session.addPending(request.id, pending)
      // A 2026-07-28 request's stream opens after the yield below, unless its answer came by then
      // (an unknown method, a capability it lacks, invalid params): that answer travels with its
      // own status (404, 400), which a stream opened at once would have fixed at 200. So does an
      // `initialize` a server of 2026-07-28 alone refuses (-32022, 400: see `answerStatus`).
      const opensLate = mode === "sse" &&
        (resolved !== undefined || (request.method === "initialize" && session.input?.takesInitialize === false))
      if (mode === "sse" && !opensLate) self.openSse(session, pending)
      // Measured: answering in the tick the request arrived in costs ~6 µs more server CPU per call
      // at 32 in flight (socket `writev` time 17% → 20% of the profile); one yield avoids it. The
      // POST may be interrupted from the moment the session has the request (the client leaving
      // during the yield, its handler already running), not only while its answer is awaited:
      // outside the guard, the request was neither given up nor bounded by the request timeout.
      // (No step of its own for the other requests: every request runs this.)
      const turn = opensLate ? Effect.andThen(Effect.yieldNow, openUnlessAnswered(self, session, pending)) : Effect.yieldNow
      // Quiet for `quietAfter` (an "auto" request): its stream opens, so that its connection carries
      // the keep-alive comments while the call goes on (see `Endpoint.quietAfter`); the rest of its
      // request timeout is kept by the reaper (`quietDeadline`).
      const quiet = mode === "auto" && self.quietAfter < self.requestTimeout
      let answer = yield* session.receive(request, http, resolved).pipe(
        Effect.andThen(turn),
        Effect.andThen(awaitAnswer(pending, self.answerDeadlines, quiet ? self.quietAfter : self.requestTimeout)),
        Effect.onError((cause) => interrupted(self, session, pending, cause, http, resolved))
      )
      if (answer === undefined && quiet && session.pending.get(request.id) === pending) {
        pending.quietDeadline = Date.now() + self.requestTimeout - self.quietAfter
        self.openSse(session, pending)
        answer = pending.answered
      }
      if (answer === undefined) {
        // Abandoned, an opening `initialize` ends its session: no id goes with the 504.
        self.abandon(session, pending, `No answer within the request timeout (${self.requestTimeout} ms)`)
        return jsonError(504, ErrorCode.InternalError, `Gateway Timeout: no answer within ${self.requestTimeout} ms`, undefined, clientId ?? request.id)
      }
      const headers = answerHeaders(session, pending)
      if (!(answer instanceof SseAnswer)) {
        return opensLate
          ? sseAnswer(self, answer, headers, http, resolved, request.method)
          : jsonAnswer(self, answer, headers, http, resolved, request.method)
      }
      return self.sseResponse(session, answer.stream, answer.connection, headers, http.principal)
})

/** Opens the SSE stream of `pending` unless its answer came already (see `answerImpl`). */
const openUnlessAnswered = (self: Endpoint, session: HttpSession, pending: Pending): Effect.Effect<void> =>
  Effect.sync(() => {
    if (pending.answered === undefined) self.openSse(session, pending)
  })

/**
 * The headers of a request's answer: the new session's id on the `initialize` that opened it,
 * unless that failed (its session ended: see `Endpoint.route`). An SSE answer's headers go before
 * its answer is known: they carry the id, and the session ends with an error all the same.
 */
const answerHeaders = (session: HttpSession, pending: Pending): Record<string, string> =>
  pending.opens && !session.ended ? { "mcp-session-id": session.id } : {}

/**
 * A JSON-RPC batch's answer as one JSON array: one string, unless it is longer than a string can
 * be (110 calls answering 5 MiB each), then its members' text one after the other (the array made
 * one string threw RangeError "Invalid string length": the POST was an empty 500, nothing answered).
 */
export const jsonBatch = (answers: ReadonlyArray<JsonRpc.Message>, status: number): HttpServerResponse.HttpServerResponse => {
  // Each member serialised once, also when the whole is too long for one string.
  const members = JsonRpc.stringifyBatch(answers as JsonRpc.BatchResponse)
  if (typeof members === "string") return HttpServerResponse.text(members, { contentType: "application/json", status })
  // `[`, the members with a comma between each two, `]`.
  let contentLength = 2 + Math.max(members.length - 1, 0)
  for (const member of members) contentLength += Buffer.byteLength(member)
  const encoder = new TextEncoder()
  const pieces = function*(): Generator<Uint8Array> {
    yield encoder.encode("[")
    for (let i = 0; i < members.length; i++) {
      if (i > 0) yield encoder.encode(",")
      yield encoder.encode(members[i]!)
    }
    yield encoder.encode("]")
  }
  return HttpServerResponse.stream(Stream.fromIterable(pieces()), { contentType: "application/json", contentLength, status })
}

/** A request's answer as JSON. */
const jsonAnswer = (
  self: Endpoint,
  answer: JsonRpc.Message,
  headers: Record<string, string>,
  http: HttpRequestInfo,
  resolved: Negotiation.ResolvedRequest | undefined,
  method: string
): HttpServerResponse.HttpServerResponse => {
  return jsonText(answer, headers, answerStatus(self, answer, headers, http, resolved, method))
}

/** An answer's JSON body with its headers and status. */
const jsonText = (answer: JsonRpc.Message, headers: Record<string, string>, status: { readonly status?: number }) =>
  HttpServerResponse.text(JsonRpc.stringify(answer)!, { contentType: "application/json", headers, ...status })

/**
 * A 2026-07-28 request's answer, decided before its stream opened: with its own status (see
 * {@link answerStatus}) as JSON, the body clients read a 4xx by (the SDK v2 client takes a 4xx
 * SSE body for no error at all, and the spec's era detection reads it as JSON); a 200 as an SSE
 * stream of that one event, the form the request asked for.
 */
const sseAnswer = (
  self: Endpoint,
  answer: JsonRpc.Message,
  headers: Record<string, string>,
  http: HttpRequestInfo,
  resolved: Negotiation.ResolvedRequest | undefined,
  method: string
): HttpServerResponse.HttpServerResponse => {
  // First: it adds the challenge of a 403 to `headers`.
  const status = answerStatus(self, answer, headers, http, resolved, method)
  if (status.status !== undefined && status.status !== 200) return jsonText(answer, headers, status)
  return HttpServerResponse.text(frame(undefined, JsonRpc.stringify(answer)!), {
    contentType: "text/event-stream",
    headers: { ...sseHeaders, ...headers },
    ...status
  })
}

/**
 * The status of an answer sent whole: a call the principal may not make (the Authorization
 * middleware's 403), with bearer authentication: 403, with an `insufficient_scope` challenge
 * naming the missing scopes (added to `headers`); 2026-07-28: some errors travel with their own
 * status (dual-era clients read it); an `initialize` refused -32022 (a server of 2026-07-28
 * alone): 400, the status of that error over HTTP whatever the request (the schema's
 * `UnsupportedProtocolVersionError`: "For HTTP, the response status code MUST be 400 Bad
 * Request"), as a 2026-07-28 request's; else the default (200). Only `initialize`'s: a -32022 of
 * another 2025 request is its handler's own, answered in band.
 */
const answerStatus = (
  self: Endpoint,
  answer: JsonRpc.Message,
  headers: Record<string, string>,
  http: HttpRequestInfo,
  resolved: Negotiation.ResolvedRequest | undefined,
  method: string
): { readonly status?: number } => {
  const forbidden = self.options.auth === undefined ? undefined : missingScopesOf(answer)
  if (forbidden !== undefined) {
    headers["www-authenticate"] = challenge(self.options.auth!, {
      error: "insufficient_scope",
      scopes: stepUpScopes(self.options.auth!, http.principal, forbidden)
    })
    return { status: 403 }
  }
  if (resolved !== undefined) {
    const status = modernStatusOf(answer)
    return status === 200 ? defaultStatus : status === 400 ? badRequest : { status }
  }
  return method === "initialize" && (answer as { readonly error?: { readonly code?: unknown } }).error?.code === ErrorCode.UnsupportedProtocolVersion
    ? badRequest
    : defaultStatus
}

/**
 * {@link answerStatus}'s usual answers, made once (never changed: they are spread into the
 * response's options): a 2026-07-28 answer of 200 takes the default as a 2025 one does.
 */
const defaultStatus: { readonly status?: number } = Object.freeze({})
const badRequest: { readonly status?: number } = Object.freeze({ status: 400 })

/**
 * A POST interrupted once its session has the request (while it waits for its answer, or yields
 * before): the request is abandoned (cancelled in the session). The client dropped the POST (effect/http's `ClientAbort`): nobody can read an answer.
 * Else the server stops serving with the request in flight before the endpoint's own shutdown
 * could answer it (`route` in a router of one's own: the server interrupts its requests first):
 * it is answered as `shutdown` answers it, -32000 "Server shutting down", by the response the
 * interruption carries (a defect that is a response is what effect/http writes), not an empty 503.
 */
const interrupted = (
  self: Endpoint,
  session: HttpSession,
  pending: Pending,
  cause: Cause.Cause<never>,
  http: HttpRequestInfo,
  resolved: Negotiation.ResolvedRequest | undefined
): Effect.Effect<void> => {
  if (!Cause.hasInterrupts(cause)) return Effect.void
  if (clientAborted(cause)) {
    return Effect.sync(() => {
      self.abandon(session, pending, "The client closed the HTTP request")
      // An opening `initialize` answered already (in the turn it arrived) but never delivered:
      // nobody has the session's id either.
      if (pending.opens) self.endInput(session)
    })
  }
  return Effect.suspend(() => {
    // Answered -32000, not cancelled: its span says so (Telemetry).
    stoppedRequests.set(pending.request, stoppedByShutdown)
    self.abandon(session, pending, "The server stopped serving the request")
    const answer = forClient(pending, JsonRpc.failure(pending.request.id, stoppedByShutdown))
    return Effect.die(jsonAnswer(self, answer, answerHeaders(session, pending), http, resolved, pending.request.method))
  })
}
