/**
 * Typed protocol errors and the one mapping from errors (and failure causes) to JSON-RPC error
 * objects.
 *
 * Handlers fail with these tagged errors; {@link toErrorObject} is the only place that turns an
 * error into wire codes, and {@link fromCause} the only place that decides what a failed request
 * answers: a typed failure maps to its code, a defect to a masked -32603, an interruption to no
 * response at all.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Exit from "effect/Exit"
import type * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import { clip, maxQuoted } from "../internal/clip.ts"

/**
 * The error object of a JSON-RPC error response (`JsonRpc.ErrorObject` is its schema): what every
 * mapping here produces.
 *
 * @since 0.2.0
 * @category models
 */
export interface ErrorObject {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

/**
 * The standard and MCP-specific JSON-RPC error codes.
 *
 * @since 0.1.0
 * @category constants
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP ≤ 2025-11-25: `resources/read` of an unknown URI. */
  ResourceNotFound: -32002,
  /** MCP 2025-11-25: the request needs a URL-mode elicitation first. */
  UrlElicitationRequired: -32042,
  /**
   * This server (not MCP): a limit refused the request (too many tasks, a rate limit, a full
   * request queue); `data` names the limit (`{ limit, max, retryAfterMillis? }`), so a client can
   * back off and retry. An application code (the HTTP status it mirrors), outside JSON-RPC's
   * reserved -32768…-32000 as MCP 2026-07-28 directs: that version reserves -32020…-32099 for
   * codes the spec defines (implementations MUST NOT emit others), so -32029, used before, was
   * not conformant there. The same code in every version.
   */
  LimitExceeded: 429,
  /**
   * This server (not MCP): the `Authorization` middleware refused a use (`tools/call`,
   * `resources/read`, `prompts/get`, ...) of a component the caller lacks scopes for;
   * `data.missingScopes` names them (see {@link forbidden}). Neither JSON-RPC nor MCP defines a
   * code for it, so it is an application code: the HTTP status it mirrors (as 429 is
   * {@link ErrorCode.LimitExceeded}'s), outside the ranges they reserve (JSON-RPC's
   * -32768…-32000, MCP 2026-07-28's -32020…-32099). Over Streamable HTTP with bearer
   * authentication the answer is HTTP 403 with a `WWW-Authenticate: Bearer
   * error="insufficient_scope"` challenge naming the scopes to ask for (RFC 6750 step-up: the
   * endpoint recognizes this code with a non-empty `data.missingScopes`); elsewhere it is a
   * plain JSON-RPC error. Documented, and the same in every version: clients may match on it.
   */
  Forbidden: 403,
  /**
   * This server (not MCP): the bearer token a long-lived request was admitted with has expired, and
   * the request ends with it (a 2026-07-28 `subscriptions/listen`, a `tasks/result` of a stateless
   * server: see `BearerAuth.config`'s `streamExpiryGraceMillis`); sent again with a valid token, it
   * is served again. An application code, the HTTP status it mirrors, as {@link ErrorCode.Forbidden}
   * is: neither JSON-RPC nor MCP defines one (an expired token is refused `401` by HTTP before any
   * JSON-RPC, but a stream's `200` is long sent by then).
   */
  Unauthorized: 401,
  /**
   * MCP 2026-07-28: the request needs a client capability it did not declare in its `_meta`;
   * `data.requiredCapabilities` names them (HTTP 400).
   */
  MissingRequiredClientCapability: -32021,
  /** MCP 2026-07-28: an HTTP header disagrees with the body, or a required one is missing (HTTP 400). */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28: the request's protocol version is not served; `data: { supported, requested }` (HTTP 400). */
  UnsupportedProtocolVersion: -32022,
  /**
   * Streamable HTTP: the server cannot take the request now (shutting down, too many sessions, a
   * session that could not start: HTTP 503); retry later or elsewhere. Also the answer of a request
   * still in flight when the endpoint shut down, or (stdio, in memory) when its session's drain ran
   * out of time: its handler was stopped ({@link stoppedByShutdownObject}); and, over any
   * transport, of one that still waited for a request slot then ({@link notStartedObject}).
   */
  ServerUnavailable: -32000,
  /** Streamable HTTP (2025-era): the `Mcp-Session-Id` names no live session (HTTP 404). */
  SessionNotFound: -32001,
  /** The request was cancelled (`notifications/cancelled`, or its HTTP stream closed) before it was answered. */
  RequestCancelled: -32800,
  /**
   * A client's own, never sent by this server: the client gave up waiting for an answer (the
   * official SDKs' `RequestTimeout`; `McpTestClient` fails with it). The same number as
   * {@link ErrorCode.SessionNotFound}, which only a server sends.
   */
  RequestTimeout: -32001
} as const

/**
 * -32700: the bytes received were not valid JSON.
 *
 * @since 0.1.0
 * @category errors
 */
export class ParseError extends Data.TaggedError("ParseError")<{ readonly message: string }> {}

/**
 * -32600: the message is not a valid JSON-RPC request, or arrives out of the lifecycle order.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Data.TaggedError("InvalidRequest")<{
  readonly message: string
  readonly data?: unknown
}> {}

/**
 * -32601: the method does not exist, or its server capability is not advertised.
 *
 * @since 0.1.0
 * @category errors
 */
export class MethodNotFound extends Data.TaggedError("MethodNotFound")<{
  readonly method: string
  readonly message?: string
}> {}

/**
 * -32602: the params are invalid (schema failure, unknown tool or prompt, bad cursor, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidParams extends Data.TaggedError("InvalidParams")<{
  readonly message: string
  readonly data?: unknown
}> {}

/**
 * -32603: an internal error the client may see. Defects never become this with their message.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalError extends Data.TaggedError("InternalError")<{
  readonly message: string
  readonly data?: unknown
}> {}

/**
 * -32603: a store the request needed failed (a `StoreError`: a shared store down, say); `store`
 * names it (`"TaskStore"`, `"RateLimitStore"`, ...). Made by {@link storeUnavailable}, which
 * decides its message; a handler can catch it by its tag (e.g. `McpContext.becomeTask`'s).
 *
 * @since 0.2.0
 * @category errors
 */
export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  readonly message: string
  readonly store: string
}> {}

/**
 * -32002: `resources/read` of a URI no resource or template serves.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceNotFound extends Data.TaggedError("ResourceNotFound")<{ readonly uri: string }> {}

/**
 * -32042: the request cannot proceed until the user completes the given URL elicitations. MCP
 * 2026-07-28 retired the code: there a `tools/call`, `prompts/get` or `resources/read` that
 * fails with it answers `input_required` with the elicitations as input requests (MRTR; those of
 * every such failure in its cause; another failure beside it wins, see
 * {@link failureBesideUrlElicitation}; the same elicitation asked once, one `elicitationId` or,
 * without one, one payload; two different elicitations under one id a defect; -32021 with
 * `data.requiredCapabilities` for a client that did not declare `elicitation.url`, a task's error too), and another method -32603. Once the call is a task of the
 * tasks extension, they are listed in the task's `inputRequests` and the handler runs again from
 * the start once the user completed them (up to 10 times, see docs/tasks.md; the questions the
 * client answered in an earlier run are given those answers, not asked again): fail with it before
 * any side effect, as a client's retry runs the handler again too.
 *
 * @since 0.1.0
 * @category errors
 */
export class UrlElicitationRequired extends Data.TaggedError("UrlElicitationRequired")<{
  readonly elicitations: ReadonlyArray<{ readonly [key: string]: unknown }>
  readonly message?: string
}> {}

/**
 * 429: a limit of the server refused the request (see {@link ErrorCode.LimitExceeded}).
 * `limit` names which one (e.g. `"tasks"`, `"rateLimit"`, `"queuedRequests"`), `max` its size.
 *
 * @since 0.2.0
 * @category errors
 */
export class LimitExceeded extends Data.TaggedError("LimitExceeded")<{
  readonly message: string
  readonly limit: string
  readonly max?: number
  readonly retryAfterMillis?: number
}> {}

/**
 * -32021 (MCP 2026-07-28): the request needs client capabilities it did not declare
 * (`requiredCapabilities`, a `ClientCapabilities` object, e.g. `{ sampling: {} }`).
 *
 * @since 0.2.0
 * @category errors
 */
export class MissingRequiredClientCapability extends Data.TaggedError("MissingRequiredClientCapability")<{
  readonly requiredCapabilities: { readonly [key: string]: unknown }
  readonly message?: string
}> {}

/**
 * -32020 (MCP 2026-07-28): an HTTP header disagrees with the request body (e.g. `Mcp-Param-*`).
 *
 * @since 0.2.0
 * @category errors
 */
export class HeaderMismatch extends Data.TaggedError("HeaderMismatch")<{ readonly message: string }> {}

/**
 * An application-defined JSON-RPC error with an explicit code.
 *
 * **Gotchas**
 *
 * The spec reserves -32768…-32000; application codes should live outside that range.
 *
 * @since 0.1.0
 * @category errors
 */
export class JsonRpcError extends Data.TaggedError("JsonRpcError")<{
  readonly code: number
  readonly message: string
  readonly data?: unknown
}> {}

/**
 * Every error a low-level handler, a middleware, a resource read or a prompt may fail with; each
 * maps to exactly one JSON-RPC error object. A tool's handler takes fewer (`Tool.RequestError`:
 * `JsonRpcError` for an error of the application's; `invalidParams` and the protocol's other
 * errors do not compile there, a bad argument being an `isError` result from 2025-11-25).
 *
 * @since 0.1.0
 * @category errors
 */
export type McpError =
  | ParseError
  | InvalidRequest
  | MethodNotFound
  | InvalidParams
  | InternalError
  | StoreUnavailable
  | ResourceNotFound
  | UrlElicitationRequired
  | LimitExceeded
  | MissingRequiredClientCapability
  | HeaderMismatch
  | JsonRpcError

const mcpErrorTags = new Set([
  "ParseError",
  "InvalidRequest",
  "MethodNotFound",
  "InvalidParams",
  "InternalError",
  "StoreUnavailable",
  "ResourceNotFound",
  "UrlElicitationRequired",
  "LimitExceeded",
  "MissingRequiredClientCapability",
  "HeaderMismatch",
  "JsonRpcError"
])

/**
 * True for the errors in {@link McpError}.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isMcpError = (u: unknown): u is McpError => {
  if (typeof u !== "object" || u === null) return false
  // A failure whose properties cannot be read (a revoked Proxy, a getter that throws) is none:
  // thrown from here, it ended the session that answered it (a stdio server with it).
  try {
    return mcpErrorTags.has((u as { _tag?: unknown })._tag as string)
  } catch {
    return false
  }
}

/**
 * The JSON-RPC code of a typed error: the `code` of its {@link toErrorObject}, without building
 * the object. The one place where codes are decided.
 *
 * @since 0.2.0
 * @category mapping
 */
export const codeOf = (error: McpError): number => {
  if (unsendable(error)) return ErrorCode.InternalError
  switch (error._tag) {
    case "ParseError":
      return ErrorCode.ParseError
    case "InvalidRequest":
      return ErrorCode.InvalidRequest
    case "MethodNotFound":
      return ErrorCode.MethodNotFound
    case "InvalidParams":
      return ErrorCode.InvalidParams
    case "InternalError":
    case "StoreUnavailable":
      return ErrorCode.InternalError
    case "ResourceNotFound":
      return ErrorCode.ResourceNotFound
    case "UrlElicitationRequired":
      return ErrorCode.UrlElicitationRequired
    case "LimitExceeded":
      return ErrorCode.LimitExceeded
    case "MissingRequiredClientCapability":
      return ErrorCode.MissingRequiredClientCapability
    case "HeaderMismatch":
      return ErrorCode.HeaderMismatch
    case "JsonRpcError":
      return error.code
  }
}

/**
 * Whether an error would make an error object no client reads: JSON-RPC 2.0 (§5.1) asks for an
 * integer `code` and a string `message`, and the SDK clients drop a response without them, the
 * request left waiting. A `JsonRpcError`'s code is any number to the types (a fraction, `NaN`),
 * and a message may be `undefined` where no type checked it (`ErrorMapping.byTag`'s handlers take
 * `any`). Such an error is the server's bug: answered as a defect is, the masked -32603, its cause
 * logged (see `ServerSession`).
 */
const unsendable = (error: McpError): boolean => {
  switch (error._tag) {
    case "JsonRpcError":
      return !Number.isSafeInteger(error.code) || typeof error.message !== "string"
    case "MethodNotFound":
    case "UrlElicitationRequired":
    case "MissingRequiredClientCapability":
      return error.message !== undefined && typeof error.message !== "string"
    case "ResourceNotFound":
      return false
    default:
      return typeof error.message !== "string"
  }
}

/**
 * Maps a typed error to its JSON-RPC error object (its code is {@link codeOf}'s); one no client
 * could read (a code that is no integer, a message that is no string) is {@link internalErrorObject}.
 *
 * @since 0.1.0
 * @category mapping
 */
export const toErrorObject = (error: McpError): ErrorObject => {
  if (unsendable(error)) return internalErrorObject
  const code = codeOf(error)
  switch (error._tag) {
    case "ParseError":
    case "HeaderMismatch":
      return { code, message: error._tag === "HeaderMismatch" ? `Header mismatch: ${error.message}` : error.message }
    case "MethodNotFound":
      return { code, message: error.message || `Method not found: ${clip(error.method)}` }
    case "InvalidRequest":
    case "InvalidParams":
    case "InternalError":
    case "JsonRpcError":
      return withData(code, error.message, error.data)
    case "StoreUnavailable":
      return { code, message: error.message, data: { store: error.store } }
    case "ResourceNotFound":
      // The URI clipped in `data` too: a client that asks for a 3 MB URI gets a short answer.
      return { code, message: `Resource not found: ${clip(error.uri)}`, data: { uri: clip(error.uri) } }
    case "UrlElicitationRequired":
      return { code, message: error.message || "URL elicitation required", data: { elicitations: error.elicitations } }
    case "LimitExceeded": {
      const data: Record<string, unknown> = { limit: error.limit }
      if (error.max !== undefined) data.max = error.max
      if (error.retryAfterMillis !== undefined) data.retryAfterMillis = error.retryAfterMillis
      return { code, message: error.message, data }
    }
    case "MissingRequiredClientCapability":
      return {
        code,
        // `||`: an error made without a message has an Error's own, "" (never `undefined`).
        message: error.message ||
          `Missing required client capability: ${Object.keys(error.requiredCapabilities).join(", ")}`,
        data: { requiredCapabilities: error.requiredCapabilities }
      }
  }
}

const withData = (code: number, message: string, data: unknown): ErrorObject =>
  data === undefined ? { code, message } : { code, message, data }

/**
 * The masked answer for a defect: the client learns nothing of the server's internals.
 *
 * @since 0.1.0
 * @category constants
 */
export const internalErrorObject: ErrorObject = { code: ErrorCode.InternalError, message: "Internal error" }

/**
 * The answer of a request that still waited for a request slot when its session's drain ran out
 * of time (`shutdownTimeoutMillis`): it was never started, so nothing of it ran and the client may
 * send it again (elsewhere, or later). -32000 ({@link ErrorCode.ServerUnavailable}), as a request
 * stopped by a shutdown is answered over Streamable HTTP; not MCP's: the spec has no code for it.
 *
 * @since 0.2.0
 * @category constants
 */
export const notStartedObject: ErrorObject = {
  code: ErrorCode.ServerUnavailable,
  message: "Session shutting down: the request was not started (it still waited for a request slot when the shutdown timeout ran out)"
}

/**
 * The answer of a request still running when the server stopped it because it shuts down: its
 * session's drain ran out of time (`shutdownTimeoutMillis`: over stdio and the in-memory pair, at
 * the end of input or under a graceful shutdown), or a Streamable HTTP endpoint stopped with the
 * request in flight. It was interrupted, so what it did may be half done. -32000
 * ({@link ErrorCode.ServerUnavailable}), as for {@link notStartedObject}; the spec has no code for it.
 *
 * @since 0.2.0
 * @category constants
 */
export const stoppedByShutdownObject: ErrorObject = {
  code: ErrorCode.ServerUnavailable,
  message: "Server shutting down: the request was stopped before it was answered"
}

/**
 * The answer that ends a long-lived request at the expiry of the bearer token it was admitted with
 * ({@link ErrorCode.Unauthorized}).
 *
 * @since 0.2.0
 * @category constants
 */
export const tokenExpiredObject: ErrorObject = {
  code: ErrorCode.Unauthorized,
  message: "Unauthorized: the access token this request was sent with has expired; send it again with a valid token"
}

/**
 * The answer that ends a long-lived request when the bearer token it was admitted with, checked
 * again while it runs, is refused (revoked: see `BearerAuth.Verifier.recheckMillis`),
 * ({@link ErrorCode.Unauthorized}).
 *
 * @since 0.2.0
 * @category constants
 */
export const tokenRevokedObject: ErrorObject = {
  code: ErrorCode.Unauthorized,
  message: "Unauthorized: the access token this request was sent with is no longer valid; send it again with a valid token"
}

/**
 * The answer that ends a long-lived request when the bearer token it was admitted with, checked
 * again while it runs (see `BearerAuth.Verifier.recheckMillis`), no longer grants a scope every
 * request needs (`BearerAuth.Config.requiredScopes`), or one a resource a `subscriptions/listen`
 * follows needs (the `Authorization` middleware's rules): {@link ErrorCode.Forbidden} (403) with
 * `data: { missingScopes }`, as a request with such a token is refused (`insufficient_scope`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const tokenScopesLostObject = (missingScopes: ReadonlyArray<string>): ErrorObject => ({
  code: ErrorCode.Forbidden,
  message: `Forbidden: the access token this request was sent with no longer grants scope(s) ${
    missingScopes.join(", ")
  }; send it again with a token that does`,
  data: { missingScopes: [...missingScopes] }
})

/**
 * What a failed request answers, decided from its cause.
 *
 * **Details**
 *
 * - a defect anywhere in the cause ({@link hasServerDefect}: not the client's fault made one) →
 *   the masked -32603 (the caller logs the cause), whatever else the cause holds: a typed failure
 *   or the client's fault beside it (a parallel branch failed with one as another died) does not
 *   hide the server's bug;
 * - a typed {@link McpError} failure → its JSON-RPC error object;
 * - the client's fault, failed or made a defect ({@link clientFault}): its invalid answer to what
 *   the handler asked → -32602; a capability it did not declare → -32021 in MCP 2026-07-28, else
 *   -32603 with its message;
 * - any other failure → the masked -32603 (the caller logs the cause);
 * - interruption only (the request was cancelled) → `undefined`: no response is sent.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromCause = (cause: Cause.Cause<unknown>): ErrorObject | undefined => {
  if (Cause.hasInterruptsOnly(cause)) return undefined
  if (hasServerDefect(cause)) return internalErrorObject
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail" && isMcpError(reason.error)) return toErrorObject(reason.error)
  }
  const fault = clientFault(cause)
  return fault === undefined ? internalErrorObject : toErrorObject(fault)
}

/**
 * The client's fault in a failed request's cause, failed or made a defect: the guides' handlers
 * turn the client's failures into defects (`Effect.orDie`), and a prompt's or a resource's handler
 * may fail with `McpError`s only, so it must. Either way the client, not the server, got something
 * wrong, and is told what (not the masked "Internal error" of a server's failure, nor logged as
 * one). The one place that decides it:
 *
 * - its invalid answer to what a handler asked ({@link clientAnswerInvalid}: `ElicitationInvalid`,
 *   `ClientResultInvalid`) → -32602 saying what was wrong;
 * - a capability it did not declare (`ClientCapabilityMissing`) → -32021 in MCP 2026-07-28
 *   ({@link missingClientCapability}); in a 2025-era session (capabilities negotiated once, no code
 *   for it) -32603 with the error's message, which names the capability and the request it was
 *   needed for (as a tool's error says it, and as the TypeScript SDK's server answers it);
 * - `undefined` for anything else, and for a cause that also holds a defect of the server's
 *   ({@link hasServerDefect}): the server's failure, answered and logged as one.
 *
 * @since 0.2.0
 * @category mapping
 */
export const clientFault = (
  cause: Cause.Cause<unknown>
): InvalidParams | MissingRequiredClientCapability | InternalError | undefined => {
  // A defect beside it is the server's bug: the cause is the server's failure (see `fromCause`).
  if (hasServerDefect(cause)) return undefined
  const invalid = clientAnswerInvalidOf(cause)
  const missing = invalid === undefined ? capabilityMissingOf(cause) : undefined
  const fault = invalid !== undefined
    ? invalid
    : missing === undefined
    ? undefined
    : missing.perRequest === true
    ? requiredCapability(missing)
    : withoutStackTrace(() => new InternalError({ message: clip(missing.message as string) }))
  if (fault !== undefined) clientFaults.add(fault)
  return fault
}

/**
 * The errors {@link clientFault} made: one a middleware answers with (`ErrorMapping`) is still the
 * client's fault to what reads the request's end after it ({@link isClientFault}), though a typed
 * failure. Weak: an error is forgotten with its request.
 */
const clientFaults = new WeakSet<object>()

/**
 * True when {@link fromCause} answers a cause as the client's fault ({@link clientFault}): no typed
 * {@link McpError} failure answers it first, or the one that does is {@link clientFault}'s own (a
 * middleware, `ErrorMapping`, answered the fault with it) or a {@link MissingRequiredClientCapability}
 * (-32021: a capability the request did not declare, whoever answered it); never with a defect of
 * the server's in the cause ({@link hasServerDefect}). Not the server's
 * failure: the session does not log its cause, and what logs requests (the `Logging` middleware)
 * logs it at the level of a client's error, without its cause, even where its code is -32603 (a
 * 2025-era capability).
 *
 * @since 0.2.0
 * @category predicates
 */
export const isClientFault = (cause: Cause.Cause<unknown>): boolean => {
  if (Cause.hasInterruptsOnly(cause) || hasServerDefect(cause)) return false
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail" && isMcpError(reason.error)) {
      // A -32021 is the client's by what it says (a capability the request did not declare),
      // whoever made it (a tool's uncaught `ClientCapabilityMissing`, an extension not declared).
      return clientFaults.has(reason.error) || reason.error._tag === "MissingRequiredClientCapability"
    }
  }
  // `clientFault` itself (its answer built, without a stack trace: a failure's path only), so that
  // the two never disagree (a failure whose fields cannot be read is none to either).
  return clientFault(cause) !== undefined
}

/**
 * The -32602 of the client's invalid answer in a cause, failed or made a defect
 * ({@link clientAnswerInvalid} of its first such failure); `undefined` when there is none.
 *
 * @since 0.2.0
 * @category mapping
 */
export const clientAnswerInvalidOf = (cause: Cause.Cause<unknown>): InvalidParams | undefined => {
  for (const reason of cause.reasons) {
    const invalid = clientAnswerInvalid(heldBy(reason))
    if (invalid !== undefined) return invalid
  }
  return undefined
}

/**
 * Whether a cause holds a defect of the server's: a `Die` whose defect is not the client's fault
 * made one (its invalid answer, a capability it did not declare, made defects with `Effect.orDie`
 * as the guides do: see {@link clientFault}). Such a cause is the server's failure whatever else
 * it holds: {@link fromCause} answers it the masked -32603 (the caller logs the cause, the defect's
 * stack with it), not the -32602 of the client's invalid answer a parallel branch failed with, nor
 * a typed failure's code; {@link isClientFault} is false for it. A handler's stop for input (MCP
 * 2026-07-28) is none: what a cause with one answers is {@link failureBesideInput}'s rule.
 *
 * @since 0.2.0
 * @category predicates
 */
export const hasServerDefect = (cause: Cause.Cause<unknown>): boolean => {
  for (const reason of cause.reasons) {
    if (reason._tag === "Die" && !isClientFaultValue(reason.defect) && !isInputSignal(reason.defect)) return true
  }
  return false
}

/**
 * The one rule for a failed MCP 2026-07-28 request whose handler stopped for input
 * (`McpContext.elicit`, `sample`, `listRoots` without an answer yet: the session's stop, a defect
 * value), used by every path that turns such a cause into an answer (a tool's result, a prompt's,
 * a resource's, a low-level handler's, a call of the tasks extension):
 *
 * - `undefined` when the cause holds nothing but stops for input, and interruptions: the request
 *   answers `input_required`. An interruption is no failure the client's retry would lose: one
 *   beside a stop is another branch's, interrupted (a race's other contender: `Effect.all` keeps
 *   none of the branches a stop ended), whatever its origin, which the cause does not tell. The
 *   request's own interruption is no answer of this rule's: a cancelled request is answered
 *   nothing (and the round's recovery does not run for an interruption from outside), a
 *   timed-out one by `Timeout`, one a drain stops -32000;
 * - else the cause without its stops: whatever failed beside the stop wins, and the request is
 *   answered as that failure alone would be: a defect of the server's ({@link hasServerDefect}) the
 *   masked -32603 (a tool's internal-error result), logged with its stack; a tool's declared failure
 *   its `isError` result; the client's fault ({@link clientFault}) its code (-32602, -32021); an
 *   {@link McpError} its own error (a {@link UrlElicitationRequired}, which asks for input in
 *   2026-07-28, `input_required` with its URL elicitations and the questions the handler stopped
 *   for, when no other failure stands beside it: {@link failureBesideUrlElicitation}). Answered `input_required`, the failure was lost when the client retried with the answers;
 * - a cause that holds no stop, as it is.
 *
 * Without the stop, nothing that renders the cause (an unmasked message, a log line) names the
 * server's internal `InputRequiredSignal`.
 *
 * @since 0.2.0
 * @category mapping
 */
export const failureBesideInput = <E>(cause: Cause.Cause<E>): Cause.Cause<E> | undefined => failureBeside(cause, isInputStop)

/**
 * {@link failureBesideInput}'s rule for a {@link UrlElicitationRequired}, which asks for input in
 * MCP 2026-07-28 (its URL elicitations become the request's input requests, answered
 * `input_required`): used by the 2026-07-28 paths that answer a cause without stops (a tool's
 * result, a round's answer), never in a 2025-era session (where it is -32042 as it is, beside a
 * failure or not):
 *
 * - `undefined` when the cause holds nothing but URL elicitations required (one or more: all
 *   are asked, in one round) and interruptions: the request asks for them;
 * - else the cause without them: whatever failed beside the URL elicitation wins (another
 *   `McpError`, a tool's declared failure, the client's fault, a defect), answered as it would be
 *   alone: asked for the URL first, the client's retry lost it;
 * - a cause that holds no URL elicitation required, as it is.
 *
 * @since 0.2.0
 * @category mapping
 */
export const failureBesideUrlElicitation = <E>(cause: Cause.Cause<E>): Cause.Cause<E> | undefined =>
  failureBeside(cause, isUrlElicitationRequired)

/**
 * The one rule of {@link failureBesideInput} and {@link failureBesideUrlElicitation}, for the
 * reasons `asks` tells apart (those that ask the client for input): `undefined` when the cause
 * holds some and nothing else but interruptions; else the cause without them (what failed beside
 * them wins); a cause that holds none, as it is.
 */
const failureBeside = <E>(cause: Cause.Cause<E>, asks: (reason: Cause.Reason<E>) => boolean): Cause.Cause<E> | undefined => {
  let asked = false
  let other = false
  for (const reason of cause.reasons) {
    if (asks(reason)) asked = true
    else if (reason._tag !== "Interrupt") other = true
  }
  if (!asked) return cause
  if (!other) return undefined
  return Cause.fromReasons(cause.reasons.filter((reason) => !asks(reason)))
}

/** A handler's stop for input (the session's `InputRequiredSignal`, a defect). */
const isInputStop = (reason: Cause.Reason<unknown>): boolean => reason._tag === "Die" && isInputSignal(reason.defect)

/** A {@link UrlElicitationRequired} failure. */
const isUrlElicitationRequired = (reason: Cause.Reason<unknown>): boolean =>
  reason._tag === "Fail" && reason.error instanceof UrlElicitationRequired

/** Whether a value is the client's fault as {@link clientFault} answers it (failed or made a defect). */
const isClientFaultValue = (value: unknown): boolean => {
  if (answerInvalidTag(value) !== undefined) return true
  const missing = capabilityMissing(value)
  return missing !== undefined && (missing.perRequest === true || typeof missing.message === "string")
}

/**
 * The signal that stops a 2026-07-28 handler whose input is missing (`InputRound`'s, a defect value
 * so that handlers do not catch it; recognized by tag: the session's): no bug.
 */
const isInputSignal = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return false
  try {
    return (value as { readonly _tag?: unknown })._tag === "InputRequiredSignal"
  } catch {
    return false
  }
}

/** What a reason of a cause holds: a failure's error, a defect; `undefined` for an interruption. */
const heldBy = (reason: Cause.Reason<unknown>): unknown =>
  reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : undefined

/**
 * The -32021 of a `ClientCapabilityMissing` for a capability the request itself did not declare
 * (MCP 2026-07-28, where capabilities are each request's: its `perRequest` is true), with
 * `data.requiredCapabilities` (`sampling.tools` → `{ sampling: { tools: {} } }`) so the client
 * may retry declaring it; `undefined` for anything else (a 2025-era session's, whose capabilities
 * were negotiated once: the handler's failure). Recognized by tag, as {@link clientAnswerInvalid}.
 *
 * @since 0.2.0
 * @category mapping
 */
export const missingClientCapability = (error: unknown): MissingRequiredClientCapability | undefined => {
  const missing = capabilityMissing(error)
  return missing === undefined || missing.perRequest !== true ? undefined : requiredCapability(missing)
}

/** A per-request {@link capabilityMissing}'s -32021 (see {@link missingClientCapability}). */
const requiredCapability = (missing: CapabilityMissing): MissingRequiredClientCapability => {
  const requiredCapabilities: Record<string, unknown> = {}
  let level = requiredCapabilities
  for (const part of missing.capability.split(".")) {
    const next: Record<string, unknown> = {}
    level[part] = next
    level = next
  }
  const message = missing.message
  // The client's failure, as often as it likes: no stack trace (see `withoutStackTrace`).
  return withoutStackTrace(() =>
    new MissingRequiredClientCapability({ requiredCapabilities, ...(typeof message === "string" ? { message } : {}) })
  )
}

/**
 * The first `ClientCapabilityMissing` of a cause, failed or made a defect, that is answered as the
 * client's fault (see {@link clientFault}): per request (MCP 2026-07-28), or with a message to
 * tell; `undefined` when there is none. Read only: nothing is built.
 */
const capabilityMissingOf = (cause: Cause.Cause<unknown>): CapabilityMissing | undefined => {
  for (const reason of cause.reasons) {
    const missing = capabilityMissing(heldBy(reason))
    if (missing !== undefined && (missing.perRequest === true || typeof missing.message === "string")) return missing
  }
  return undefined
}

/** What {@link capabilityMissing} reads of a `ClientCapabilityMissing`. */
interface CapabilityMissing {
  readonly capability: string
  readonly perRequest: unknown
  readonly message: unknown
}

/**
 * The fields of a `ClientCapabilityMissing` (recognized by tag, as {@link clientAnswerInvalid}: one
 * with a `capability` string), read once; `undefined` for anything else.
 */
const capabilityMissing = (error: unknown): CapabilityMissing | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  try {
    const { _tag, perRequest, capability, message } = error as {
      _tag?: unknown
      perRequest?: unknown
      capability?: unknown
      message?: unknown
    }
    return _tag === "ClientCapabilityMissing" && typeof capability === "string" ? { capability, perRequest, message } : undefined
  } catch {
    // A failure whose properties cannot be read is none (see `isMcpError`).
    return undefined
  }
}

/**
 * The -32602 of a failure that is the client's invalid answer to what a handler asked it, in either
 * era (a 2025-era session's answer to a server→client request, a 2026-07-28 `inputResponses`
 * entry): `ElicitationInvalid` (an accepted form whose content does not match it) and
 * `ClientResultInvalid` (an answer that is not the method's result, or a malformed error). Not the
 * handler's failure nor the server's, and not masked: the client is told what was wrong. Tools,
 * prompts and resources answer it alike (a handler that catches it decides otherwise); `undefined`
 * for any other failure. Recognized by tag: the errors are the session's and the authoring API's.
 *
 * @since 0.2.0
 * @category mapping
 */
export const clientAnswerInvalid = (error: unknown): InvalidParams | undefined => {
  const tag = answerInvalidTag(error)
  if (tag === undefined) return undefined
  try {
    const { message, method } = error as { message: string; method?: unknown }
    return tag === "ElicitationInvalid"
      ? invalidParams(`Invalid params: ${clip(message)}`)
      : invalidParams(`Invalid params: the client's answer to ${clip(String(method))} is invalid: ${clip(message)}`)
  } catch {
    // A failure whose properties cannot be read is none (see `isMcpError`).
    return undefined
  }
}

/**
 * The tag of a failure {@link clientAnswerInvalid} answers (one with a string `message`), read
 * without building its answer; `undefined` for anything else.
 */
const answerInvalidTag = (error: unknown): "ElicitationInvalid" | "ClientResultInvalid" | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  try {
    const { _tag, message } = error as { _tag?: unknown; message?: unknown }
    if (typeof message !== "string") return undefined
    return _tag === "ElicitationInvalid" || _tag === "ClientResultInvalid" ? _tag : undefined
  } catch {
    // A failure whose properties cannot be read is none (see `isMcpError`).
    return undefined
  }
}

/**
 * The code of {@link fromCause}'s answer, without building it: -32603 for a cause with a defect of
 * the server's ({@link hasServerDefect}), else a typed failure's code, the client's fault's
 * ({@link clientFault}), -32603 for anything else; `undefined` for a cancellation (no
 * response). What telemetry records of a failure.
 *
 * @since 0.2.0
 * @category mapping
 */
export const codeOfCause = (cause: Cause.Cause<unknown>): number | undefined => {
  if (Cause.hasInterruptsOnly(cause)) return undefined
  if (hasServerDefect(cause)) return ErrorCode.InternalError
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail" && isMcpError(reason.error)) return codeOf(reason.error)
  }
  // Recognized, not built (its answer's message is made only where it is sent).
  for (const reason of cause.reasons) if (answerInvalidTag(heldBy(reason)) !== undefined) return ErrorCode.InvalidParams
  return capabilityMissingOf(cause)?.perRequest === true ? ErrorCode.MissingRequiredClientCapability : ErrorCode.InternalError
}

/**
 * Constructs an error without capturing a stack trace.
 *
 * **When to use**
 *
 * For the protocol errors the framework itself answers with (unknown tool, invalid params, ...):
 * their stack says nothing useful, and capturing it is most of their cost (≈ 4.3 µs against
 * 0.9 µs measured), which matters when a client floods the server with bad requests.
 *
 * @since 0.1.0
 * @category constructors
 */
export const withoutStackTrace = <A>(make: () => A): A => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * An {@link InvalidParams} without a stack trace (see {@link withoutStackTrace}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const invalidParams = (message: string, data?: unknown): InvalidParams =>
  withoutStackTrace(() => data === undefined ? new InvalidParams({ message }) : new InvalidParams({ message, data }))

/**
 * A {@link MethodNotFound} without a stack trace (see {@link withoutStackTrace}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const methodNotFound = (method: string): MethodNotFound => withoutStackTrace(() => new MethodNotFound({ method }))

/**
 * The -32601 of a task augmentation a component does not allow (MCP 2025-11-25, the tool-level
 * rule): called as a task though its `taskSupport` is "forbidden" (a tool a middleware injects
 * too), or without one though it is "required". `message` names the component and the rule.
 *
 * @since 0.2.0
 * @category constructors
 */
export const taskSupportMismatch = (message: string): MethodNotFound =>
  withoutStackTrace(() => new MethodNotFound({ method: "", message }))

/**
 * A {@link LimitExceeded} without a stack trace (see {@link withoutStackTrace}).
 *
 * @since 0.2.0
 * @category constructors
 */
export const limitExceeded = (
  message: string,
  limit: string,
  details: { readonly max?: number | undefined; readonly retryAfterMillis?: number | undefined } = {}
): LimitExceeded =>
  withoutStackTrace(() =>
    new LimitExceeded({
      message,
      limit,
      ...(details.max === undefined ? {} : { max: details.max }),
      ...(details.retryAfterMillis === undefined ? {} : { retryAfterMillis: details.retryAfterMillis })
    })
  )

/**
 * The answer to a request that needed a store that failed (a `StoreError`): a -32603
 * {@link StoreUnavailable} "Store unavailable: <store>; retry later", with `data: { store }`. The
 * one place that decides how a store's failure reaches clients: the middleware and transports that
 * call a store map its failure with this (and log the cause, which clients never see).
 *
 * @since 0.2.0
 * @category constructors
 */
export const storeUnavailable = (error: { readonly store: string }): StoreUnavailable =>
  withoutStackTrace(() => new StoreUnavailable({ message: `Store unavailable: ${error.store}; retry later`, store: error.store }))

/**
 * A use the caller may not make: a {@link JsonRpcError} with {@link ErrorCode.Forbidden} (403),
 * the message as given and `data: { missingScopes }` (the scopes the caller lacks, which the
 * Streamable HTTP endpoint names in its `insufficient_scope` challenge), without a stack trace
 * (see {@link withoutStackTrace}). What the `Authorization` middleware fails with.
 *
 * @since 0.2.0
 * @category constructors
 */
export const forbidden = (message: string, missingScopes: ReadonlyArray<string>): JsonRpcError =>
  withoutStackTrace(() => new JsonRpcError({ code: ErrorCode.Forbidden, message, data: { missingScopes } }))

/**
 * A {@link ResourceNotFound} without a stack trace (see {@link withoutStackTrace}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const resourceNotFound = (uri: string): ResourceNotFound => withoutStackTrace(() => new ResourceNotFound({ uri }))

/**
 * An {@link InvalidParams} from a failed schema decode: `what` names what was decoded (e.g.
 * `"params of tools/call"`), the message carries the schema's own description of the problem.
 *
 * @since 0.1.0
 * @category mapping
 */
export const invalidParamsFromSchema = (what: string, cause: Cause.Cause<Schema.SchemaError>): InvalidParams =>
  invalidParams(`Invalid ${what}: ${schemaFailureMessage(cause)}`)

/**
 * Whether a failed decode's cause is the schema's verdict on the value (a `SchemaError`), not a
 * defect of the decode itself: a transformation or filter that threw (the server's bug, its message
 * possibly a secret), or a recursive schema's decoder overflowing the stack on a value nested
 * thousands deep.
 *
 * @internal
 *
 * @since 0.2.0
 * @category predicates
 */
export const isSchemaVerdict = (cause: Cause.Cause<Schema.SchemaError>): boolean =>
  cause.reasons.some((reason) => reason._tag === "Fail")

/**
 * A failed decode of a request's params as the request's answer: the schema's verdict is
 * {@link invalidParamsFromSchema} (-32602); a decode that died stays a defect, answered as every
 * defect is (the masked -32603, its cause logged), so that its message and stack trace never reach
 * the client.
 *
 * @internal
 *
 * @since 0.2.0
 * @category mapping
 */
export const decodeFailure = (what: string, cause: Cause.Cause<Schema.SchemaError>): Exit.Exit<never, InvalidParams> =>
  isSchemaVerdict(cause) ? Exit.fail(invalidParamsFromSchema(what, cause)) : Exit.failCause(cause as Cause.Cause<never>)

/**
 * What a failed decode says, for a message: the schema error's own message (the paths and what
 * was expected), not the `Cause` around it. The keys of its paths are the client's (an argument
 * object's keys): quoted clipped, as other client text is (`["KKK…… (99800 more characters)"]`).
 * A `Schema.Number` decoded from JSON that is given no number reads `Expected number` (as its
 * JSON Schema, `{ type: "number" }`, says), not the strings its JSON form also takes for `NaN`
 * and the infinities (`Expected "Infinity" | "-Infinity" | "NaN"`, of a string).
 *
 * @since 0.2.0
 * @category constructors
 */
export const schemaFailureMessage = (cause: Cause.Cause<Schema.SchemaError>): string => {
  const error = Cause.findErrorOption(cause)
  // A decode that died (see `isSchemaVerdict`): its message and stack are the server's, not the client's to read.
  return error._tag === "Some" ? formatIssue(readable(error.value.issue)) : "the value could not be checked"
}

/** What `SchemaError.message` is made with. */
const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * `issue` with the string keys of its paths clipped, and a number's JSON form told as `number`
 * (see {@link schemaFailureMessage}); `issue` itself (nothing made) when there is neither. The
 * nodes above a changed one are copied, with the input they report.
 */
const readable = (issue: SchemaIssue.Issue): SchemaIssue.Issue => {
  switch (issue._tag) {
    case "Pointer": {
      const inner = readable(issue.issue)
      const long = issue.path.some((key) => typeof key === "string" && key.length > maxQuoted)
      if (!long && inner === issue.issue) return issue
      return new SchemaIssue.Pointer(long ? issue.path.map((key) => typeof key === "string" ? clip(key) : key) : issue.path, inner)
    }
    case "Filter": {
      const inner = readable(issue.issue)
      return inner === issue.issue ? issue : new SchemaIssue.Filter(issue.filter, inner, ...reported(issue))
    }
    case "Encoding": {
      // Neither a finite number nor one of the strings for the others: Effect reports the
      // alternatives of the input's type only (the strings, for a string), which misleads.
      if (isMissedNumber(issue)) return new SchemaIssue.InvalidType(issue.ast, ...reported(issue.issue))
      const inner = readable(issue.issue)
      return inner === issue.issue ? issue : new SchemaIssue.Encoding(issue.ast, inner, ...reported(issue))
    }
    case "Composite":
    case "AnyOf": {
      if (issue._tag === "AnyOf" && issue.issues.every(missedNumberJson)) {
        // No member applies (or only a number's JSON form did, by the input's type: a string):
        // the expected members are listed, a number's by its JSON form, told as `number` here.
        const members = plainNumbers(issue.ast)
        return members === issue.ast && issue.issues.length === 0 ? issue : new SchemaIssue.AnyOf(members, [], ...reported(issue))
      }
      const issues = issue.issues.map(readable)
      if (issues.every((inner, i) => inner === issue.issues[i])) return issue
      return issue._tag === "Composite"
        ? new SchemaIssue.Composite(issue.ast, issues as [SchemaIssue.Issue, ...Array<SchemaIssue.Issue>], ...reported(issue))
        : new SchemaIssue.AnyOf(issue.ast, issues, ...reported(issue))
    }
    default:
      return issue
  }
}

const nonFinite = ["Infinity", "-Infinity", "NaN"]

/**
 * The issue of a `Schema.Number` given no number (its JSON form's strings missed: see `readable`),
 * or of a union whose members that applied were all such (a nested union with a number).
 */
const missedNumberJson = (issue: SchemaIssue.Issue): boolean =>
  (issue._tag === "Encoding" && isMissedNumber(issue)) ||
  (issue._tag === "AnyOf" && issue.issues.length > 0 && issue.issues.every(missedNumberJson))

/** The encoding issue of a `Schema.Number` whose JSON form's members all missed (see `readable`). */
const isMissedNumber = (issue: SchemaIssue.Encoding): boolean =>
  issue.ast._tag === "Number" && issue.issue._tag === "AnyOf" && isNumberJson(issue.issue.ast)

/** The JSON form of `Schema.Number`: a finite number, or "Infinity", "-Infinity", "NaN". */
const isNumberJson = (ast: SchemaAST.AST): boolean => {
  if (ast._tag !== "Union" || ast.types.length !== 2) return false
  const [finite, others] = ast.types as [SchemaAST.AST, SchemaAST.AST]
  return finite._tag === "Number" && others._tag === "Union" && others.types.length === nonFinite.length &&
    others.types.every((literal, i) => literal._tag === "Literal" && literal.literal === nonFinite[i])
}

/** `union` with its members (nested unions' too) that are numbers encoded to their JSON form as plain numbers. */
const plainNumbers = (union: SchemaAST.Union): SchemaAST.Union => {
  let changed = false
  const types = union.types.map((member) => {
    const plain = member._tag === "Number" && member.encoding?.length === 1 && isNumberJson(member.encoding[0].to)
      ? SchemaAST.toType(member)
      : member._tag === "Union"
      ? plainNumbers(member)
      : member
    if (plain !== member) changed = true
    return plain
  })
  return changed ? new SchemaAST.Union(types, union.options, union.annotations) : union
}

/** The input an issue reports, as its constructor takes it (none when it reports none). */
const reported = (issue: SchemaIssue.Issue): [unknown, { readonly reportInput: boolean }] =>
  SchemaIssue.hasInput(issue) ? [issue.input, { reportInput: true }] : [undefined, { reportInput: false }]
