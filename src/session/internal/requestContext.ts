/**
 * The context of one request as its handler and middleware see it (`RequestContext`): the
 * request's own truth (version, client capabilities, principal), and the client channel tied to
 * the request. Over a session it sends through that session; in a 2026-07-28 round (MRTR) or a
 * task of the tasks extension, input is asked without any server→client request.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import type {
  ClientCapabilities,
  CreateMessageResult,
  ElicitResult,
  Implementation,
  ListRootsResult,
  LoggingLevel,
  ProgressToken,
  ServerRequests
} from "../../protocol/McpSchema.ts"
import { withoutStackTrace } from "../../protocol/McpError.ts"
import * as Negotiation from "../../protocol/Negotiation.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import { ClientCapabilityMissing, type ClientRequestError, ClientRequestTimeout, SessionClosed } from "../ClientRequestError.ts"
import type { HttpRequestInfo } from "../Connection.ts"
import { GracefulShutdown } from "../GracefulShutdown.ts"
import { inputRequired, type InputRound } from "../InputRound.ts"
import type {
  ClientRequestOptions,
  ContextOverrides,
  Principal,
  RelatedTask,
  RequestContext
} from "../RequestContext.ts"
import type { ServerSession } from "../Session.ts"
import { resultDecoder } from "./clientAnswers.ts"
import { invalidLog, logLevels } from "./logMessages.ts"
import { isExit } from "../../internal/isExit.ts"
import { clip } from "../../internal/clip.ts"

/** What a request context needs of its session: the public face, and the sends tied to a request. */
export interface ContextSession extends ServerSession {
  readonly connection: { readonly closeStream?: ((related: JsonRpc.RequestId) => void) | undefined }
  /**
   * The level the client set with `logging/setLevel`, if it did (`logLevel` is `"debug"` until
   * then, for `McpContext.log`): whether it asked for debug logs (see {@link asksForDebugLogs}).
   */
  readonly askedLogLevel?: LoggingLevel | undefined
  readonly notifyRelated: (
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    version?: ProtocolVersion.ProtocolVersion,
    route?: string
  ) => Effect.Effect<void>
  readonly logRelated: (
    level: LoggingLevel,
    data: unknown,
    logger: string | undefined,
    related: JsonRpc.RequestId | undefined,
    meta?: JsonRpc.Params,
    version?: ProtocolVersion.ProtocolVersion,
    route?: string
  ) => Effect.Effect<void>
  readonly logRelatedUnsafe: (
    level: LoggingLevel,
    data: unknown,
    logger: string | undefined,
    related: JsonRpc.RequestId | undefined,
    meta?: JsonRpc.Params,
    version?: ProtocolVersion.ProtocolVersion,
    route?: string
  ) => void
  readonly requestRelated: (
    method: string,
    params: JsonRpc.Params | undefined,
    related: JsonRpc.RequestId | undefined,
    options: ClientRequestOptions | undefined,
    truth?: Negotiation.ResolvedRequest,
    route?: string,
    sent?: (id: number) => void
  ) => Effect.Effect<unknown, ClientRequestError>
  /** Whether its client does not read the request `id` it sent now (see `PushConnection.unread`). */
  readonly unread?: ((id: number, route: string | undefined) => boolean) | undefined
  /** How long its requests to the client wait for an answer by default. */
  readonly clientRequestTimeoutMillis?: number | undefined
  /** Whether its requests to the client fail at once (`SessionClosed`): it closed, or drains. */
  readonly refusesRequests?: boolean | undefined
}

/**
 * The typed failure of an input the request did not declare the client capability for (2026-07-28:
 * the capabilities are the request's own), else `undefined`.
 */
const missingPerRequest = (
  method: string,
  params: JsonRpc.Params | undefined,
  truth: Negotiation.ResolvedRequest
): Effect.Effect<never, ClientCapabilityMissing> | undefined => {
  const capability = Negotiation.requiredClientCapability(method, params, truth.clientCapabilities, truth.protocolVersion)
  // The client's (the request did not declare it): no stack trace, as the -32021 it becomes.
  return capability === undefined
    ? undefined
    : Effect.fail(withoutStackTrace(() => new ClientCapabilityMissing({ method, capability, perRequest: true })))
}

/**
 * The params of an input request as 2026-07-28 has them: a URL elicitation has no `elicitationId`
 * there (it keyed `notifications/elicitation/complete`, which that revision removed; the input's key
 * names it), so the one `McpContext.elicitUrl` makes (a new one each round) is left out.
 */
const modernInputParams = (method: string, params: JsonRpc.Params | undefined): JsonRpc.Params | undefined => {
  if (method !== "elicitation/create" || params?.mode !== "url" || !("elicitationId" in params)) return params
  const { elicitationId: _elicitationId, ...rest } = params
  return rest
}

/**
 * A server→client request in a 2026-07-28 round (MRTR): answered from the round when the client
 * sent its answer (one that does not decode as the method's result is `ClientResultInvalid`, as
 * over a session), else recorded as
 * missing and the handler stopped (after one yield, so that inputs asked concurrently are all
 * recorded). A request the client did not declare the capability for fails typed, as in a session.
 */
const inputFromRound = (
  round: InputRound,
  method: string,
  params: JsonRpc.Params | undefined,
  options: ClientRequestOptions | undefined,
  truth: Negotiation.ResolvedRequest,
  elsewhere?: ((key: string) => Effect.Effect<unknown, ClientRequestError> | undefined) | undefined,
  task?: RelatedTask | undefined
): Effect.Effect<unknown, ClientRequestError> =>
  // Decided when the effect runs (as a session's requests are): an effect built but never run
  // must not take a key or record an input.
  Effect.suspend((): Effect.Effect<unknown, ClientRequestError> => {
    const asked = modernInputParams(method, params)
    // The key its answer is given by, or it is listed under (an answer the sealed state says was
    // another question's is not given to this one: see `InputRound.keyFor`).
    const key = round.keyFor(method, asked, options?.inputKey)
    // The key a URL elicitation the handler required in an earlier round stands under: its answer
    // is the URL's (no content), never this question's.
    if (key === options?.inputKey && round.urlKeyed(key)) return Effect.die(urlKeyChosen(key))
    const missing = missingPerRequest(method, params, truth)
    if (missing !== undefined) return missing
    if (round.answers.has(key)) {
      const decode = resultDecoder(method)
      const answer = round.answers.get(key)
      const decoded = decode === undefined ? Exit.succeed(answer) : decode(method, answer)
      // Given after one yield, as a missing input is stopped after one: the keys of the inputs
      // asked next (`<method>-<n>`, by order of asking) are then handed out in the same order in
      // every round, whichever answers are in. Given at once, a fiber whose answer was in went on
      // to its next question first, and took the key its sibling's question had in the round
      // before, with the answer to that question.
      // An answer of the wrong shape fails the handler with `ClientResultInvalid`, as a 2025-era
      // session's answer of the wrong shape does (asked again, a client that keeps sending it was
      // asked round after round until it gave up, and the handler never knew).
      if (isExit(decoded)) {
        // The call may become a task whose work runs again (see `RelatedTask.answeredInRound`).
        task?.answeredInRound?.(method, asked, options?.inputKey, answer)
        return Effect.andThen(Effect.yieldNow, decoded)
      }
    }
    round.ask(key, asked === undefined ? { method } : { method, params: asked })
    if (elsewhere === undefined) return Effect.andThen(Effect.yieldNow, Effect.die(inputRequired))
    // The call may become a task during the yield (a `becomeTask` beside the question): then the
    // question is the task's (`elsewhere`), not a stop that ends the task's creation.
    return Effect.andThen(Effect.yieldNow, Effect.suspend(() => elsewhere(key) ?? Effect.die(inputRequired)))
  })

/**
 * What a task's request to the client fails with once the task is no longer its work's (see
 * `RelatedTask.ended`, `RelatedTask.whenEnded`): nothing is asked.
 */
const taskCancelled = (method: string, task: RelatedTask): Effect.Effect<never, SessionClosed> =>
  Effect.fail(new SessionClosed({ method, reason: "taskCancelled", taskId: task.taskId }))

/**
 * A server→client request of a 2026-07-28 extension task: listed in the task's `inputRequests`
 * until `tasks/update` answers it, given decoded as the method's result (one that does not decode
 * is `ClientResultInvalid`, as in a round: see `RelatedTask.ask`). A request the client did not
 * declare the capability for fails typed.
 */
const inputFromTask = (
  task: RelatedTask,
  method: string,
  params: JsonRpc.Params | undefined,
  options: ClientRequestOptions | undefined,
  truth: Negotiation.ResolvedRequest
): Effect.Effect<unknown, ClientRequestError> =>
  Effect.suspend((): Effect.Effect<unknown, ClientRequestError> => {
    // Cancelled while its work runs on (an uninterruptible region): listed, it waited for ever
    // for a `tasks/update` no client sends a cancelled task.
    if (task.ended === true) return taskCancelled(method, task)
    const missing = missingPerRequest(method, params, truth)
    if (missing !== undefined) return missing
    return task.ask!(method, modernInputParams(method, params), options?.inputKey)
  })

/**
 * The keys the server makes for inputs (`<method>-<n>` by order of asking, `<key>.<n>` fresh: see
 * `InputRound.keyOf`, `keyFor`), of any of the three methods. A chosen key names its question
 * whatever its params say: spelled so, it could take the answer the client gave to another
 * question under the server's key (concurrent branches that ask in another order in the next round).
 */
const madeKeySpelling = /^(?:elicitation\/create|sampling\/createMessage|roots\/list)-\d+(?:\.\d+)*$/

/**
 * The defect of an `inputKey` spelled like a key the server makes (a programming error, refused in
 * every era so that a handler tested over a 2025 session does not break in 2026-07-28): nothing is
 * asked.
 */
const madeKeyChosen = (method: string, inputKey: string): RangeError =>
  new RangeError(
    `${method}: inputKey ${JSON.stringify(inputKey)} is spelled like a key the server makes for inputs (<method>-<n>); choose another`
  )

/**
 * The defect of an `inputKey` that is also the key of a URL elicitation the same request requires
 * (`McpError.UrlElicitationRequired`, whose `elicitationId` keys it in MCP 2026-07-28): both are
 * inputs of the request under one key, and the URL's answer (no content) would be given to the
 * question (a form invalid, the URL asked again, for ever). A programming error, refused as a
 * made key spelling is (see {@link madeKeyChosen}): nothing is asked.
 *
 * @internal
 */
export const urlKeyChosen = (inputKey: string): RangeError =>
  new RangeError(
    `inputKey ${JSON.stringify(inputKey)} is also the elicitationId of a URL elicitation this request requires (McpError.UrlElicitationRequired): in MCP 2026-07-28 both are input keys, and the URL's answer would be given to the question; choose keys apart`
  )

/** What a task's request its client does not read on one session gives way to: asked again through another. */
const moved: unique symbol = Symbol("effect-mcp-server/moved")

/** The observers of a context and of its overrides, both told (see `ContextOverrides.onClientRequest`). */
const observing = (
  current: ((method: string) => void) | undefined,
  added: ((method: string) => void) | undefined
): ((method: string) => void) | undefined =>
  current === undefined || added === undefined || current === added ? (added ?? current) : (method) => {
    current(method)
    added(method)
  }

/**
 * The observers (`ContextOverrides.onClientRequest`) of the request a fiber runs the code of, for
 * what that code sends untied, through a session (`context.session.request`): the session's
 * `request` tells them. A fiber value, not a view of the session: the session keeps its one
 * identity (the server's subscriptions, KeepAlive, task policies and requestor keys are keyed by
 * it, and so may be an application's maps of `McpServer.onSession`). Set by {@link observedBelow},
 * and inherited by the fibers the code forks: one that outlives the request tells the observers
 * after its answer was decided, as a context it kept does when it asks through it.
 */
export const ClientRequestObserver = Context.Reference<((method: string) => void) | undefined>(
  "effect-mcp-server/ClientRequestObserver",
  { defaultValue: () => undefined }
)

/**
 * `effect` (what `next(params, below)` returned) run with the observers of `below`, the context a
 * middleware gave the code below it, when it has observers its own context had not (those of its
 * own context are the fiber's already: they came this way, from the middleware that added them).
 * Nothing is added otherwise (the common case, no observer), nor around an effect already
 * complete (its code sent nothing).
 */
export const observedBelow = <A, E>(effect: Effect.Effect<A, E>, context: RequestContext, below: RequestContext): Effect.Effect<A, E> => {
  const observer = (below as Partial<RequestContextImpl>).onClientRequest
  return observer === undefined || observer === (context as Partial<RequestContextImpl>).onClientRequest || isExit(effect)
    ? effect
    : Effect.provideService(effect, ClientRequestObserver, observer)
}

/**
 * Whether the client of the request `context` asked for debug logs (see
 * `RequestContextImpl.asksForDebugLogs`); false for a context made elsewhere.
 */
export const asksForDebugLogs = (context: RequestContext): boolean =>
  context instanceof RequestContextImpl && context.asksForDebugLogs

/**
 * The last progress reported for a request, by its `_meta` (the object every context of the
 * request, those `with` makes included, shares; a request of its own has its own): what the next
 * report must exceed. Weak: it goes with the request.
 */
const lastProgress = new WeakMap<object, number>()

/**
 * A task's message, unless the task ended while its work runs on (cancelled: an uninterruptible
 * region runs to its end; see `RelatedTask.ended`), checked as it is sent. Its progress, log lines
 * and own notifications went out after the cancel's answer; MCP requires a task's progress to stop
 * at its terminal status, and a request's (`Timeout`'s answer) says nothing after its answer either.
 */
const unlessEnded = (task: RelatedTask, sent: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.suspend(() => task.ended === true ? Effect.void : sent)

/** The requests whose dropped progress was logged (once per request, see {@link progressRefused}). */
const progressWarned = new WeakSet<object>()

/**
 * A progress report that breaks MCP's rules (not a finite number, not above the last one sent for
 * the request, or a total that is not finite): not sent, as the handler's bug it is, not the
 * client's; the call goes on (failing it for a progress bar would lose its result). Logged as a
 * warning the first time for the request.
 */
const progressRefused = (
  meta: object,
  requestId: JsonRpc.RequestId,
  progress: number,
  total: number | undefined,
  last: number | undefined
): Effect.Effect<void> => {
  if (progressWarned.has(meta)) return Effect.void
  progressWarned.add(meta)
  const why = !Number.isFinite(progress)
    ? `progress ${progress} is not a finite number`
    : total !== undefined && !Number.isFinite(total)
    ? `total ${total} is not a finite number`
    : `progress ${progress} does not exceed the last one sent (${last}): it MUST increase`
  return Effect.logWarning(
    `effect-mcp-server: a progress notification of request ${clip(String(requestId))} was not sent: ${why} ` +
      "(said once per request; later ones that break the rule are dropped too)"
  )
}

/** A request's context; `with` makes a new one of the same shape. */
export class RequestContextImpl implements RequestContext {
  readonly session: ContextSession
  readonly principal: Principal | undefined
  readonly relatedTask: RelatedTask | undefined
  readonly inputRound: InputRound | undefined
  /** See `ContextOverrides.onClientRequest` (read by {@link observedBelow}). */
  readonly onClientRequest: ((method: string) => void) | undefined
  readonly http: HttpRequestInfo | undefined
  // The request's id, method and `_meta`, not the request: a task's context outlives its request,
  // and should not keep its params (the arguments may be large).
  readonly requestId: JsonRpc.RequestId
  readonly method: string
  readonly meta: { readonly [key: string]: unknown } | undefined
  /** The truth this request is answered by (see `Negotiation.resolve`). */
  private readonly truth: Negotiation.ResolvedRequest
  constructor(
    session: ContextSession,
    requestId: JsonRpc.RequestId,
    method: string,
    meta: { readonly [key: string]: unknown } | undefined,
    http: HttpRequestInfo | undefined,
    truth: Negotiation.ResolvedRequest,
    overridden?: Required<ContextOverrides>
  ) {
    this.session = session
    this.requestId = requestId
    this.method = method
    this.meta = meta
    this.http = http
    this.truth = truth
    this.principal = overridden === undefined ? (http?.principal ?? session.principal) : overridden.principal
    this.relatedTask = overridden?.relatedTask
    this.inputRound = overridden?.inputRound
    this.onClientRequest = overridden?.onClientRequest
  }
  get protocolVersion(): ProtocolVersion.ProtocolVersion {
    return this.truth.protocolVersion
  }
  get clientCapabilities(): ClientCapabilities {
    return this.truth.clientCapabilities
  }
  get clientInfo(): Implementation | undefined {
    return this.truth.clientInfo
  }
  get sessionId(): string {
    return this.session.id
  }
  get clientRequestId() {
    return this.truth.clientRequestId ?? this.http?.clientRequestId ?? this.requestId
  }
  get progressToken() {
    return this.meta?.progressToken as ProgressToken | undefined
  }
  /** Whether this context runs a task of the 2026-07-28 extension (no notifications, input by `inputRequests`). */
  private get inExtensionTask(): boolean {
    const task = this.relatedTask
    return task !== undefined && task.ask !== undefined && task.taskId !== ""
  }
  /** Adds the task's `_meta` (see `RelatedTask.meta`) to params when this context runs a task. */
  private tagged(params: JsonRpc.Params | undefined): JsonRpc.Params | undefined {
    const taskMeta = this.relatedTask?.meta
    if (taskMeta === undefined) return params
    const meta = params?._meta as object | undefined
    return { ...params, _meta: { ...meta, ...taskMeta } }
  }
  notify(method: string, params?: JsonRpc.Params) {
    if (this.inExtensionTask) return Effect.void
    const task = this.relatedTask
    if (task !== undefined && this.http !== undefined) {
      const tagged = this.tagged(params)
      return this.throughVia(task, (session, related) => session.notifyRelated(method, tagged, related, this.protocolVersion, task.route))
    }
    const sent = this.session.notifyRelated(method, this.tagged(params), this.requestId, this.protocolVersion, task?.route)
    return task === undefined ? sent : unlessEnded(task, sent)
  }
  progress(progress: number, total?: number, message?: string) {
    const progressToken = this.progressToken
    if (progressToken === undefined || this.inExtensionTask) return Effect.void
    // MCP: "the progress value MUST increase with each notification", and JSON has no NaN nor
    // Infinity (sent, they became `null`, which clients refuse). A report that breaks that is
    // dropped (see `progressRefused`); the last one sent is kept, a number per request. Checked
    // as the report runs, not as its effect is made: one made once and run twice (a retry of
    // what holds it), or made in one order and run in another, sent what broke the rule.
    return Effect.suspend(() => {
      const meta = this.meta!
      const last = lastProgress.get(meta)
      if (!Number.isFinite(progress) || (last !== undefined && !(progress > last)) || (total !== undefined && !Number.isFinite(total))) {
        return progressRefused(meta, this.requestId, progress, total, last)
      }
      lastProgress.set(meta, progress)
      const params: Record<string, unknown> = { progressToken, progress }
      if (total !== undefined) params.total = total
      if (message !== undefined) params.message = message
      return this.notify("notifications/progress", params)
    })
  }
  log(level: LoggingLevel, data: unknown, logger?: string) {
    // Checked first: a level MCP does not have is a mistake whether or not this request logs.
    const invalid = invalidLog(level, logger)
    if (invalid !== undefined) return Effect.die(invalid)
    if (!this.mayLog(level)) return Effect.void
    const task = this.relatedTask
    if (task !== undefined && this.http !== undefined) {
      return this.throughVia(task, (session, related) =>
        session.logRelated(level, data, logger, related, this.taskMeta(), this.protocolVersion, task.route))
    }
    const sent = this.session.logRelated(level, data, logger, this.requestId, this.taskMeta(), this.protocolVersion, task?.route)
    return task === undefined ? sent : unlessEnded(task, sent)
  }
  logUnsafe(level: LoggingLevel, data: unknown, logger?: string) {
    const invalid = invalidLog(level, logger)
    if (invalid !== undefined) throw invalid
    if (!this.mayLog(level)) return
    const task = this.relatedTask
    // A task cancelled while its work runs on says nothing more (see `RelatedTask.ended`).
    if (task?.ended === true) return
    let session: ContextSession = this.session
    let related: JsonRpc.RequestId | undefined = this.requestId
    if (task !== undefined && this.http !== undefined) {
      task.locateUnsafe?.()
      const via = task.via as ContextSession | undefined
      if (via !== undefined && via !== session) {
        session = via
        related = undefined
      }
    }
    session.logRelatedUnsafe(level, data, logger, related, this.taskMeta(), this.protocolVersion, task?.route)
  }
  /**
   * A 2025-11-25 task's notification over HTTP goes through the session whose `tasks/result` waits
   * for the task (`RelatedTask.via`: this replica's, or on a shared store another replica's), whose
   * stream carries the task's messages (`route`), as its requests; through this session when none
   * waits. Tied to this request only on this session (a request of that id on another session is
   * another's).
   */
  private throughVia(
    task: RelatedTask,
    send: (session: ContextSession, related: JsonRpc.RequestId | undefined) => Effect.Effect<void>
  ): Effect.Effect<void> {
    const go = Effect.suspend(() => {
      // A task cancelled while its work runs on says nothing more (see `RelatedTask.ended`).
      if (task.ended === true) return Effect.void
      const via = task.via as ContextSession | undefined
      return via === undefined || via === this.session ? send(this.session, this.requestId) : send(via, undefined)
    })
    return Effect.suspend(() => {
      const located = task.locate?.()
      return located === undefined ? go : Effect.andThen(located, go)
    })
  }
  /**
   * Whether the client asked for debug logs: 2026-07-28, by the request's `_meta` logLevel (a task
   * of the tasks extension sends none); before, by `logging/setLevel` (the session's level before
   * it lets them out, but a client that never set one did not ask for `Effect.logDebug`'s lines).
   */
  get asksForDebugLogs(): boolean {
    if (!ProtocolVersion.isModern(this.protocolVersion)) return this.session.askedLogLevel === "debug"
    return this.truth.logLevel === "debug" && !this.inExtensionTask
  }
  /** 2026-07-28: logs only when the request opted in (`_meta` logLevel), at that level or above. */
  private mayLog(level: LoggingLevel): boolean {
    if (!ProtocolVersion.isModern(this.protocolVersion)) return true
    if (this.inExtensionTask) return false
    const minimum = this.truth.logLevel
    return minimum !== undefined && logLevels[level] >= logLevels[minimum]
  }
  /** The `_meta` of a task's messages, when this context runs a task (see `RelatedTask.meta`). */
  private taskMeta(): JsonRpc.Params | undefined {
    return this.relatedTask?.meta
  }
  get closeStream(): Effect.Effect<void> {
    const connection = this.session.connection
    const id = this.requestId
    return connection.closeStream === undefined ? Effect.void : Effect.sync(() => connection.closeStream?.(id))
  }
  /**
   * {@link with} of `{ inputRound }` alone, which every 2026-07-28 call that may answer
   * `input_required` makes (`LowLevelServer`): no `in` per override key, no overrides object from
   * the caller (measured, callgrind of bench/http-profile.ts: the keyed `in` checks, polymorphic
   * across `with`'s callers, cost about 1,300 instructions per call).
   */
  withInputRound(inputRound: InputRound): RequestContextImpl {
    return new RequestContextImpl(this.session, this.requestId, this.method, this.meta, this.http, this.truth, {
      principal: this.principal,
      relatedTask: this.relatedTask,
      inputRound,
      onClientRequest: this.onClientRequest
    })
  }
  /**
   * Puts `inputRound` on this very context, which has none: for a context no one but the code it
   * is given to has seen (`LowLevelServer`: the session's new context, on a server without raw
   * hooks), so that a 2026-07-28 call's round makes no second context ({@link withInputRound}).
   */
  enterInputRound(inputRound: InputRound): this {
    ;(this as { inputRound: InputRound | undefined }).inputRound = inputRound
    return this
  }
  with(overrides: ContextOverrides): RequestContext {
    // A new context of the same shape (measured: `Object.create(this)` made every context a
    // prototype, a slow map transition per call: 179 of 3,882 ms of server CPU under load).
    return new RequestContextImpl(this.session, this.requestId, this.method, this.meta, this.http, this.truth, {
      principal: "principal" in overrides ? overrides.principal : this.principal,
      relatedTask: "relatedTask" in overrides ? overrides.relatedTask : this.relatedTask,
      inputRound: "inputRound" in overrides ? overrides.inputRound : this.inputRound,
      onClientRequest: observing(this.onClientRequest, overrides.onClientRequest)
    })
  }
  request(method: string, params: JsonRpc.Params | undefined, options?: ClientRequestOptions) {
    // MCP 2026-07-28 has no ping: a handler's ping is answered here (it must not stop for input).
    if (method === "ping" && ProtocolVersion.isModern(this.truth.protocolVersion)) return Exit.succeed({})
    if (this.onClientRequest !== undefined) return Effect.suspend(() => this.requestObserved(method, params, options))
    return this.send(method, params, options)
  }
  /** Tells the observer, then sends (when the request runs: an effect built but not run tells nothing). */
  private requestObserved(method: string, params: JsonRpc.Params | undefined, options: ClientRequestOptions | undefined) {
    this.onClientRequest!(method)
    return this.send(method, params, options)
  }
  private send(method: string, params: JsonRpc.Params | undefined, options: ClientRequestOptions | undefined) {
    const inputKey = options?.inputKey
    if (inputKey !== undefined && madeKeySpelling.test(inputKey)) return Effect.die(madeKeyChosen(method, inputKey))
    if (this.inExtensionTask) return inputFromTask(this.relatedTask!, method, params, options, this.truth)
    const round = this.inputRound
    if (round !== undefined) {
      // The server is making the call a task (tasks extension): asked once the task exists, its
      // way; the round's if its creation failed (the call is answered with that failure).
      const promoting = this.relatedTask?.promoting
      if (promoting === undefined) {
        // A call the tasks extension may make a task: a `becomeTask` run beside the question
        // (concurrently) may start the task's creation as the question stops.
        return this.relatedTask?.ask === undefined
          ? inputFromRound(round, method, params, options, this.truth)
          : inputFromRound(round, method, params, options, this.truth, (key) => this.promotedMeanwhile(round, key, method, params, options), this.relatedTask)
      }
      return Effect.flatMap(Effect.exit(promoting), () =>
        this.inExtensionTask
          ? inputFromTask(this.relatedTask!, method, params, options, this.truth)
          : inputFromRound(round, method, params, options, this.truth))
    }
    const task = this.relatedTask
    // A task's request is not related to the request that created it (answered with the
    // CreateTaskResult): it goes by the task's route (2025-11-25 over HTTP: the task's
    // `tasks/result` stream), through the session `sendForTask` decides.
    if (task === undefined) return this.session.requestRelated(method, this.tagged(params), this.requestId, options, this.truth)
    return Effect.suspend(() => {
      // Cancelled while its work runs on (an uninterruptible region): nothing goes out for it after
      // its terminal status (it was sent, and waited for the client up to its timeout).
      if (task.ended === true) return taskCancelled(method, task)
      if (method === "ping") return this.sendForTask(task, method, params, options, false)
      // A task waiting for the client is input_required until the client answers. Its count of
      // requests pending and the end of each go together: interrupted between them (the handler gave
      // the question up as its input_required was being recorded), the task stayed counted as asking,
      // and its next request did not make it input_required (nor its end `working`).
      return Effect.uninterruptibleMask((restore) =>
        Effect.andThen(
          task.awaitingInput(true),
          Effect.ensuring(restore(this.untilEnded(task, method, this.sendForTask(task, method, params, options, true))), task.awaitingInput(false))
        )
      )
    })
  }
  /**
   * A question of the round that stopped while the call became a task of the tasks extension (the
   * handler's `becomeTask` ran beside it, and the task is being created or exists): once the task
   * exists, taken back from the round and asked the task's way. If its creation failed, the stop
   * stands, under the key it stopped with (asked again in the round, it took a key of its own
   * first asking's: a key the handler chose was listed as `<key>-<n>`, and the next round's question
   * under the chosen key never got its answer). Stopped, it ended the task's creation and the call
   * was answered `input_required`, though the handler asked for a task. `undefined`: no task in
   * the making, the stop stands.
   */
  private promotedMeanwhile(
    round: InputRound,
    key: string,
    method: string,
    params: JsonRpc.Params | undefined,
    options: ClientRequestOptions | undefined
  ): Effect.Effect<unknown, ClientRequestError> | undefined {
    const promoting = this.relatedTask?.promoting
    if (promoting === undefined && !this.inExtensionTask) return undefined
    const asked = () => {
      if (!this.inExtensionTask) return Effect.die(inputRequired)
      round.unask(key)
      return inputFromTask(this.relatedTask!, method, params, options, this.truth)
    }
    return promoting === undefined ? asked() : Effect.flatMap(Effect.exit(promoting), asked)
  }
  /**
   * A task's request, given up (`SessionClosed`, `reason: "taskCancelled"`) if the task is
   * cancelled while it waits (see `RelatedTask.whenEnded`): its work may run on, uninterruptible,
   * and waited for the client up to the request's timeout (for ever with `timeoutMillis: Infinity`).
   */
  private untilEnded(task: RelatedTask, method: string, request: Effect.Effect<unknown, ClientRequestError>) {
    return Effect.suspend(() => {
      const ended = task.whenEnded
      return ended === undefined ? request : Effect.raceFirst(
        request,
        Effect.andThen(ended, taskCancelled(method, task))
      )
    })
  }
  /**
   * A task's request through the session whose `tasks/result` waits for the task when that is
   * another (see `RelatedTask.via`), as it negotiated, else through this one; decided as the
   * request is sent. `movable`: asked again through the session of a `tasks/result` that comes to
   * wait for the task later (`RelatedTask.viaChanged`), if the client does not read it where it
   * went (`ServerSession.unread`: held unsent, or on streams the client left; the client that
   * created the task does not read that session any more, and another of its principal's sessions
   * asks for the result). It is given up there (a held one is withdrawn, with no
   * `notifications/cancelled`: nothing was sent; one on a stream the client left gets its cancel
   * there, for a resumption), and asked under the new session's id; its answer on that session
   * reaches the task.
   */
  private sendForTask(
    task: RelatedTask,
    method: string,
    params: JsonRpc.Params | undefined,
    options: ClientRequestOptions | undefined,
    movable: boolean
  ): Effect.Effect<unknown, ClientRequestError> {
    return Effect.suspend(() => {
      // Asked again (moved, or after its session closed) once the task was cancelled: not sent.
      if (task.ended === true) return taskCancelled(method, task)
      const via = task.via as ContextSession | undefined
      const session = via === undefined ? this.session : via
      const truth = session === this.session ? this.truth : undefined
      // Read with `via`: a change after this wakes it. Only over a session of its own over HTTP
      // (`tasks/result` routes a task's requests only there): elsewhere it goes as it is, with no
      // race of two fibers.
      const changed = movable && this.http !== undefined && !session.stateless ? task.viaChanged : undefined
      if (changed === undefined || session.unread === undefined) {
        return session.requestRelated(method, this.tagged(params), undefined, options, truth, task.route)
      }
      let id: number | undefined
      const request = session.requestRelated(method, this.tagged(params), undefined, options, truth, task.route, (sent) => {
        id = sent
      })
      // Completes once the task's requests go through another session and the client does not read this one.
      const movedAway = (next: Effect.Effect<void>): Effect.Effect<typeof moved> =>
        Effect.flatMap(next, () => {
          const now = (task.via as ContextSession | undefined) ?? this.session
          if (now !== session && id !== undefined && session.unread!(id, task.route)) return Exit.succeed(moved)
          const again = task.viaChanged
          return again === undefined ? Effect.never : movedAway(again)
        })
      // The loser is interrupted: the request given up, withdrawn from its transport unsent.
      return Effect.flatMap(
        Effect.raceFirst(request, movedAway(changed)),
        (answer) => answer === moved ? this.sendForTask(task, method, params, options, movable) : Exit.succeed(answer)
      ).pipe(
        // The session closed (its client ended it, or it was ended for another of its principal's):
        // over HTTP, a task that outlives it (a principal's) is reached from another session, whose
        // `tasks/result` then carries its request (`input_required` tells the client to call it).
        // Failed at once, the request was never seen by anyone, and the task went on without its
        // input. Waited for within the request's timeout.
        // Not while the server stops: every session drains then, and none can carry it (the
        // handler learns it now, and may end the task before the drain's timeout).
        Effect.catchTag("SessionClosed", (closed) =>
          closed.reason !== undefined || this.http === undefined
            ? Effect.fail(closed)
            : Effect.flatMap(Effect.service(GracefulShutdown), (shutdown) =>
              shutdown.isRequested()
                ? Effect.fail(closed)
                : Effect.andThen(
                  Effect.raceFirst(
                    this.untilElsewhere(task, session, method, options?.timeoutMillis ?? session.clientRequestTimeoutMillis ?? 60_000),
                    Effect.andThen(shutdown.requested, Effect.fail(closed))
                  ),
                  this.sendForTask(task, method, params, options, movable)
                )))
      )
    })
  }
  /**
   * Waits until the task's requests go through another session than `closed` (see
   * `RelatedTask.via`: the creating one, or the one whose `tasks/result` waits for the task), for at
   * most `millis`; then the request times out, as one the client did not answer.
   */
  private untilElsewhere(
    task: RelatedTask,
    closed: ContextSession,
    method: string,
    millis: number
  ): Effect.Effect<void, ClientRequestTimeout> {
    const elsewhere: Effect.Effect<void> = Effect.suspend(() => {
      // Read before the check: a change after it wakes the wait.
      const changed = task.viaChanged
      if (((task.via as ContextSession | undefined) ?? this.session) !== closed) return Effect.void
      return changed === undefined ? Effect.never : Effect.andThen(changed, elsewhere)
    })
    return Effect.timeoutOrElse(elsewhere, {
      duration: millis,
      orElse: () => Effect.fail(new ClientRequestTimeout({ method, timeoutMillis: millis }))
    })
  }
  ping(options?: ClientRequestOptions) {
    return Effect.asVoid(this.request("ping", undefined, options))
  }
  createMessage(params: RequestParamsOf<"sampling/createMessage">, options?: ClientRequestOptions) {
    return this.request("sampling/createMessage", params as JsonRpc.Params, options) as Effect.Effect<
      CreateMessageResult,
      ClientRequestError
    >
  }
  elicit(params: RequestParamsOf<"elicitation/create">, options?: ClientRequestOptions) {
    return this.request("elicitation/create", params as JsonRpc.Params, options) as Effect.Effect<
      ElicitResult,
      ClientRequestError
    >
  }
  listRoots(options?: ClientRequestOptions) {
    return this.request("roots/list", undefined, options) as Effect.Effect<ListRootsResult, ClientRequestError>
  }
}

type RequestParamsOf<M extends keyof typeof ServerRequests> = (typeof ServerRequests)[M]["params"]["Type"]

/**
 * The session of a request that no client is connected to any more: a background task this
 * process took over from a replica that stopped (see `TaskSupervisor.SupervisorOptions.resume`).
 * Nothing reaches a client through it (a task of the tasks extension sends nothing, and asks for
 * input through its `inputRequests`); a request to the client fails as over a closed session.
 */
class DetachedSession implements ContextSession {
  readonly id: string
  readonly phase = "operational" as const
  readonly stateless = true
  readonly logLevel: LoggingLevel = "emergency"
  readonly truth: Negotiation.ResolvedRequest
  readonly principal: Principal | undefined
  readonly connection = {}
  constructor(id: string, truth: Negotiation.ResolvedRequest, principal: Principal | undefined) {
    this.id = id
    this.truth = truth
    this.principal = principal
  }
  get protocolVersion() {
    return this.truth.protocolVersion
  }
  get clientCapabilities() {
    return this.truth.clientCapabilities
  }
  get clientInfo() {
    return this.truth.clientInfo
  }
  readonly untilDraining = Effect.never
  setLogLevel() {
    return Effect.void
  }
  routeTo() {
    return Effect.void
  }
  establish() {}
  // No slots: the work is the supervisor's, bounded by its task.
  holdSlot() {}
  notify() {
    return Effect.void
  }
  log() {
    return Effect.void
  }
  notifyRelated() {
    return Effect.void
  }
  logRelated() {
    return Effect.void
  }
  logRelatedUnsafe() {}
  request(method: string) {
    return Effect.fail(new SessionClosed({ method }))
  }
  requestRelated(method: string) {
    return Effect.fail(new SessionClosed({ method }))
  }
}

/**
 * The context of a request whose client is not connected here: a background task taken over
 * from a replica that stopped, run again with the truth and principal of the request that
 * created it and its task as `relatedTask`.
 */
export const detachedContext = (options: {
  readonly taskId: string
  readonly method: string
  readonly truth: Negotiation.ResolvedRequest
  readonly principal: Principal | undefined
  readonly relatedTask: RelatedTask
}): RequestContext =>
  new RequestContextImpl(
    new DetachedSession(`task:${options.taskId}`, options.truth, options.principal),
    `task:${options.taskId}`,
    options.method,
    undefined,
    undefined,
    options.truth,
    { principal: options.principal, relatedTask: options.relatedTask, inputRound: undefined, onClientRequest: undefined }
  )
