/**
 * Typed failures of requests the server sends to the client (ping, sampling, elicitation,
 * roots): the handler that made the request decides what each one means for its own result.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The client did not declare the capability the request needs (e.g. `sampling`, `elicitation.url`).
 * `perRequest`: the capabilities were those of the request itself (MCP 2026-07-28); a tool handler
 * that does not catch it is answered -32021 with `data.requiredCapabilities` naming it, so the
 * client can retry declaring it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientCapabilityMissing extends Data.TaggedError("ClientCapabilityMissing")<{
  readonly method: string
  readonly capability: string
  readonly perRequest?: boolean
  /**
   * The request came to a stateless session in the handshake era: it carries no capabilities,
   * and the session keeps none from an `initialize` (the client may well have declared it).
   */
  readonly stateless?: boolean
}> {
  override get message() {
    return this.stateless === true
      ? `${this.method} needs the client's "${this.capability}" capability, which a stateless session cannot know: it keeps nothing of initialize, and a 2025-era request carries no capabilities`
      : `The client did not declare the "${this.capability}" capability needed for ${this.method}`
  }
}

/**
 * The negotiated protocol version cannot express this request: any server→client request in MCP
 * 2026-07-28, a form with a multi-select enum before 2025-11-25. (What a version lacks as a
 * capability is `ClientCapabilityMissing`, whatever the client declared: URL elicitation or
 * sampling with tools before 2025-11-25.)
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientVersionUnsupported extends Data.TaggedError("ClientVersionUnsupported")<{
  readonly method: string
  readonly protocolVersion: string
}> {
  override get message() {
    return `${this.method} with these params cannot be sent to a client on protocol ${this.protocolVersion}`
  }
}

/**
 * The client did not answer in time; a `notifications/cancelled` was sent for the request. With
 * `unsent`, nothing was sent at all: the request was held for `notifications/initialized` (the
 * server sends no request but `ping` before the client says it is ready), which did not come
 * within the timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientRequestTimeout extends Data.TaggedError("ClientRequestTimeout")<{
  readonly method: string
  readonly timeoutMillis: number
  /**
   * The request was never sent: it waited for the client's `notifications/initialized` the whole
   * timeout (the client did not finish initializing).
   *
   * @since 0.2.0
   */
  readonly unsent?: boolean | undefined
}> {
  override get message() {
    return this.unsent === true
      ? `${this.method} was not sent: the client did not finish initializing (no notifications/initialized) within ${this.timeoutMillis} ms`
      : `The client did not answer ${this.method} within ${this.timeoutMillis} ms`
  }
}

/**
 * The client answered with a JSON-RPC error.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientRequestFailed extends Data.TaggedError("ClientRequestFailed")<{
  readonly method: string
  readonly code: number
  readonly message: string
  readonly data?: unknown
}> {}

/**
 * The client answered with something that does not match the method's result schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientResultInvalid extends Data.TaggedError("ClientResultInvalid")<{
  readonly method: string
  readonly message: string
}> {}

/**
 * The session closed before the client answered; or, with `reason: "stateless"`, no client could
 * ever answer, though the session lives on: an untied request (`ServerSession.request`) of a
 * stateless session (one session answering many clients, as stateless Streamable HTTP's), which
 * has no stream of its own to carry it. Nothing was sent then: ask through the request context
 * (`McpContext.elicit`, ...), which goes with the request. With `tied` too, a request asked through
 * the request context of a stateless Streamable HTTP endpoint (a 2025 client's): its client's
 * answer, a POST of its own, would reach no session. With `reason: "taskCancelled"`, asked for a
 * task (`taskId`) whose work is no longer the task's though it runs on: the task was cancelled
 * (`tasks/cancel`; or it expired, its owner went, another replica ended or took it over) while its
 * work was in an uninterruptible region. Nothing goes out for a task after its terminal status, and
 * no client would answer (MCP 2026-07-28: no `tasks/update` comes for a cancelled task); a request
 * or input the task still waited for as `tasks/cancel` came fails so too. Either way, no answer will come.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionClosed extends Data.TaggedError("SessionClosed")<{
  readonly method: string
  /** Why no client can answer, when it is not that the session closed. */
  readonly reason?: "stateless" | "taskCancelled" | undefined
  /**
   * With `reason: "stateless"`: the request was asked through a request's context (a stateless
   * Streamable HTTP endpoint's), not untied.
   *
   * @since 0.2.0
   */
  readonly tied?: boolean | undefined
  /**
   * With `reason: "taskCancelled"`: the task's id.
   *
   * @since 0.2.0
   */
  readonly taskId?: string | undefined
}> {
  override get message() {
    return this.reason === undefined
      ? `The session closed before the client answered ${this.method}`
      : this.reason === "taskCancelled"
      ? `${this.method} was not asked: task ${this.taskId} was cancelled (its work runs on, no longer the task's)`
      : this.tied === true
      ? `${this.method} was not sent: the client of a stateless Streamable HTTP server cannot answer it (its answer, a POST of its own, reaches no session)`
      : `${this.method} was not sent: a stateless session has no stream for requests not tied to a client request (ask through the request context)`
  }
}

/**
 * Every way a server→client request can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type ClientRequestError =
  | ClientCapabilityMissing
  | ClientVersionUnsupported
  | ClientRequestTimeout
  | ClientRequestFailed
  | ClientResultInvalid
  | SessionClosed
