/**
 * JSON-RPC 2.0 envelopes as MCP uses them: requests, notifications, responses.
 *
 * Inbound messages are classified by a hand-written guard that allocates nothing for valid input
 * (the message object itself is returned, typed); invalid input becomes an {@link InvalidMessage}
 * carrying the JSON-RPC error to answer with. Outbound messages are plain objects that a transport
 * serialises once. The schemas here document the envelope and serve the type-level oracle test.
 *
 * @since 0.1.0
 */
import * as Formatter from "effect/Formatter"
import * as Schema from "effect/Schema"
import { clip } from "../internal/clip.ts"
import { answerText } from "./internal/identityMeta.ts"
import { ErrorCode, type ErrorObject as McpErrorObject } from "./McpError.ts"

// ---------------------------------------------------------------------------
// Schemas (documentation and type oracle; the hot path uses `classify`). Pure: a bundle that
// does not use them leaves them out
// ---------------------------------------------------------------------------

/**
 * A request id: a string or an integer, never null (MCP forbids null ids).
 *
 * @since 0.1.0
 * @category models
 */
export const RequestId = /* @__PURE__ */ Schema.Union([Schema.String, Schema.Int])
/** @see {@link RequestId} */
export type RequestId = string | number

/**
 * The error object of a JSON-RPC error response.
 *
 * @since 0.1.0
 * @category models
 */
export const ErrorObject = /* @__PURE__ */ Schema.Struct({
  code: Schema.Int,
  message: Schema.String,
  data: /* @__PURE__ */ Schema.optionalKey(Schema.Unknown)
})
/** @see {@link ErrorObject} (the type is McpError's: error objects are decided there). */
export type ErrorObject = McpErrorObject

/**
 * A JSON-RPC request: expects exactly one response with the same id.
 *
 * @since 0.1.0
 * @category models
 */
export const Request = /* @__PURE__ */ Schema.Struct({
  jsonrpc: /* @__PURE__ */ Schema.Literal("2.0"),
  id: RequestId,
  method: Schema.String,
  params: /* @__PURE__ */ Schema.optionalKey(/* @__PURE__ */ Schema.Record(Schema.String, Schema.Unknown))
})
/** @see {@link Request} */
export interface Request {
  readonly jsonrpc: "2.0"
  readonly id: RequestId
  readonly method: string
  readonly params?: Params
}

/**
 * A JSON-RPC notification: no id, never answered.
 *
 * @since 0.1.0
 * @category models
 */
export const Notification = /* @__PURE__ */ Schema.Struct({
  jsonrpc: /* @__PURE__ */ Schema.Literal("2.0"),
  method: Schema.String,
  params: /* @__PURE__ */ Schema.optionalKey(/* @__PURE__ */ Schema.Record(Schema.String, Schema.Unknown))
})
/** @see {@link Notification} */
export interface Notification {
  readonly jsonrpc: "2.0"
  readonly method: string
  readonly params?: Params
}

/**
 * A successful JSON-RPC response.
 *
 * @since 0.1.0
 * @category models
 */
export const SuccessResponse = /* @__PURE__ */ Schema.Struct({
  jsonrpc: /* @__PURE__ */ Schema.Literal("2.0"),
  id: RequestId,
  result: /* @__PURE__ */ Schema.Record(Schema.String, Schema.Unknown)
})
/** @see {@link SuccessResponse} */
export interface SuccessResponse {
  readonly jsonrpc: "2.0"
  readonly id: RequestId
  readonly result: object
}

/**
 * A JSON-RPC error response; `id` is absent only when the request's id could not be read (a parse
 * error, an invalid request without a readable id).
 *
 * **Gotchas**
 *
 * JSON-RPC 2.0 §5 writes `"id": null` then; MCP's schema (2025-11-25 and 2026-07-28) makes `id`
 * optional and a `RequestId` (string or integer) when present, and MCP clients (the official
 * SDKs) and the conformance suite's wire check reject `null`: MCP's form is followed.
 *
 * @since 0.1.0
 * @category models
 */
export const ErrorResponse = /* @__PURE__ */ Schema.Struct({
  jsonrpc: /* @__PURE__ */ Schema.Literal("2.0"),
  id: /* @__PURE__ */ Schema.optionalKey(RequestId),
  error: ErrorObject
})
/** @see {@link ErrorResponse} */
export interface ErrorResponse {
  readonly jsonrpc: "2.0"
  readonly id?: RequestId
  readonly error: ErrorObject
}

/**
 * Params of a request or notification: MCP params are always an object.
 *
 * @since 0.1.0
 * @category models
 */
export type Params = { readonly [key: string]: unknown }

/**
 * Any JSON-RPC message.
 *
 * @since 0.1.0
 * @category models
 */
export type Message = Request | Notification | SuccessResponse | ErrorResponse

/**
 * A response of either kind.
 *
 * @since 0.1.0
 * @category models
 */
export type Response = SuccessResponse | ErrorResponse

/**
 * The answer to a JSON-RPC batch (JSON-RPC 2.0 §6): the responses to its requests, in one array.
 * MCP 2025-03-26 only (see `ProtocolVersion.batching`); never empty (a batch of notifications is
 * not answered at all).
 *
 * @since 0.2.0
 * @category models
 */
export type BatchResponse = ReadonlyArray<Response>

/**
 * What a session writes: one message, or the answer to a batch.
 *
 * @since 0.2.0
 * @category models
 */
export type Outgoing = Message | BatchResponse

// ---------------------------------------------------------------------------
// Classification of inbound values
// ---------------------------------------------------------------------------

/**
 * An inbound value that is not a valid JSON-RPC message, with the error to answer it with.
 *
 * **Details**
 *
 * `id` is the request id when it could be read (so the client can correlate the error), and
 * `undefined` otherwise (the error response then carries no `id`: see {@link ErrorResponse}). `answer` is false for invalid *responses* (anything without a `method` that
 * has a `result` or `error`) and *notifications*: nobody waits for an answer to those, and
 * JSON-RPC forbids answering a notification.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidMessage {
  readonly id: RequestId | undefined
  readonly error: ErrorObject
  readonly answer: boolean
  constructor(id: RequestId | undefined, error: ErrorObject, answer = true) {
    this.id = id
    this.error = error
    this.answer = answer
  }
}

/**
 * The kind of a classified message.
 *
 * @since 0.1.0
 * @category constants
 */
export const Kind = {
  Request: 0,
  Notification: 1,
  Response: 2
} as const
/** @see {@link Kind} */
export type Kind = (typeof Kind)[keyof typeof Kind]

/**
 * Strings and safe integers: an integer beyond 2^53 has already lost digits in `JSON.parse`, so it
 * could not be answered with the id the peer sent; it is refused instead.
 */
const isId = (u: unknown): u is RequestId =>
  typeof u === "string" || (typeof u === "number" && Number.isSafeInteger(u))

const isParams = (u: unknown): boolean => u === undefined || (typeof u === "object" && u !== null && !Array.isArray(u))

/**
 * Classifies a parsed JSON value: returns the {@link Kind} of a valid message, or an
 * {@link InvalidMessage} describing why it is not one.
 *
 * **Details**
 *
 * No allocation for valid input. Rules: the value must be an object with `jsonrpc: "2.0"`;
 * with `method` (a string) it is a request when it has an `id` (string or integer) and a
 * notification otherwise; `params`, when present, must be an object (MCP never uses positional
 * params); without `method` it is a response with an `id` and exactly one of `result`/`error`, or
 * an error response without one (MCP's form when the request's id could not be read, see
 * {@link ErrorResponse}). Something shaped as a response is never answered, valid or not.
 *
 * A batch (an array) is an {@link InvalidMessage} here (-32600): JSON-RPC batches are MCP
 * 2025-03-26's only (2025-06-18 removed them, and `initialize`, which picks the version, must not
 * be in one), so only a session that negotiated that version takes them, and it looks for an
 * array only once this said "invalid": a single message pays nothing for them. Over stdio (any
 * pulled connection) the session answers a batch with one array (`ServerSession`); Streamable
 * HTTP answers a POST whose body is one (`transport/http/internal/batch.ts`). Everywhere else
 * this -32600 is the answer.
 *
 * @since 0.1.0
 * @category validation
 */
export const classify = (value: unknown): Kind | InvalidMessage => {
  if (typeof value !== "object" || value === null) {
    return new InvalidMessage(undefined, invalidRequest("a JSON-RPC message must be a JSON object"))
  }
  if (Array.isArray(value)) {
    return new InvalidMessage(undefined, invalidRequest("JSON-RPC batches are not supported; send each message on its own"))
  }
  const message = value as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown }
  const hasId = "id" in message
  const id = hasId && isId(message.id) ? message.id : undefined
  if (message.jsonrpc !== "2.0") {
    // Something shaped as a response (no method, a result or error) is never answered.
    const responseShaped = !("method" in message) && ("result" in message || "error" in message)
    return new InvalidMessage(responseShaped ? undefined : id, invalidRequest(`"jsonrpc" must be "2.0"`), !responseShaped)
  }
  if ("method" in message) {
    if (typeof message.method !== "string") {
      return new InvalidMessage(id, invalidRequest(`"method" must be a string`))
    }
    if (hasId && id === undefined) {
      return new InvalidMessage(undefined, invalidRequest(`"id" must be a string or an integer of at most 2^53 - 1`))
    }
    if (!isParams(message.params)) {
      // A notification is never answered, not even with an error (JSON-RPC 2.0 §4.1).
      return new InvalidMessage(id, { code: ErrorCode.InvalidParams, message: `Invalid params: "params" must be an object` }, hasId)
    }
    return hasId ? Kind.Request : Kind.Notification
  }
  if ("result" in message || "error" in message) {
    // An error response without an id is MCP's (its schema makes `id` optional: the request's could
    // not be read), as the server sends one: a response, never answered (a peer answering it too
    // would answer back for ever). A result always names its request.
    if (!hasId) {
      return "error" in message && !("result" in message)
        ? Kind.Response
        : new InvalidMessage(undefined, invalidRequest(`a result needs the "id" of its request`), false)
    }
    if (id === undefined && message.id !== null) {
      return new InvalidMessage(undefined, invalidRequest(`"id" must be a string or an integer`), false)
    }
    return Kind.Response
  }
  return new InvalidMessage(id, invalidRequest(`a message needs a "method" (request or notification) or a "result"/"error" (response)`))
}

/**
 * The -32600 error object saying why a message is not a valid request (`detail`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const invalidRequest = (detail: string): ErrorObject => ({ code: ErrorCode.InvalidRequest, message: `Invalid Request: ${detail}` })

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

/**
 * Builds a success response.
 *
 * @since 0.1.0
 * @category constructors
 */
export const success = (id: RequestId, result: object): SuccessResponse => ({ jsonrpc: "2.0", id, result })

/**
 * Builds an error response; `id` undefined means the request id could not be read (no `id`, as MCP's schema has it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const failure = (id: RequestId | undefined, error: ErrorObject): ErrorResponse =>
  id === undefined ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error }

/**
 * Serialises a message for the wire; never throws.
 *
 * **Details**
 *
 * A value `JSON.stringify` rejects (a BigInt, a cycle) in a handler's result must not take the
 * session down: a response becomes a -32603 error response for the same id; a log message
 * (`notifications/message`, whose data is free-form) goes out with its data made JSON as Effect's
 * structured logs make it (`Formatter.formatJson`: a BigInt as `"10n"`, a cycle cut, an Error as
 * its name and message); another request or notification that cannot be serialised is dropped
 * (`undefined`; a server→client request then times out). A batch's answer longer than V8's
 * longest string (about 512 MiB) is `undefined` too: its members are written in pieces (stdio's
 * `writeBatch`, Streamable HTTP's JSON answer).
 *
 * @since 0.1.0
 * @category formatting
 */
export const stringify = (message: Outgoing): string | undefined => {
  try {
    // A 2026-07-28 result carrying the server's identity: its text made once (see `identityMeta.ts`).
    if ((message as { readonly result?: unknown }).result !== undefined) {
      const answer = answerText(message as SuccessResponse)
      if (answer !== undefined) return answer
    }
    return JSON.stringify(message)
  } catch (error) {
    // A batch's answer: each response on its own, one that cannot be serialised as its -32603;
    // one longer in all than a string can be is `undefined` (see `maxStringLength`).
    if (isBatch(message)) {
      const { length, members } = batchMembers(message)
      return members.length === 0 || length > maxStringLength ? undefined : `[${members.join(",")}]`
    }
    if ("method" in message) return message.method === "notifications/message" ? logMadeJson(message) : undefined
    if (message.id === undefined) return undefined
    return JSON.stringify(failure(message.id, unserialisable(error)))
  }
}

/**
 * A batch's answer as its members' texts (each as {@link stringify} makes it; one that cannot be
 * made, left out) and the length of the array they make: what is written in pieces when that is
 * longer than a string can be (stdio's `writeBatch`, Streamable HTTP's JSON answer).
 *
 * @internal
 *
 * @since 0.2.0
 * @category formatting
 */
export const batchMembers = (batch: BatchResponse): { readonly members: Array<string>; readonly length: number } => {
  const members: Array<string> = []
  let length = 1
  for (let i = 0; i < batch.length; i++) {
    const member = stringify(batch[i]!)
    if (member === undefined) continue
    members.push(member)
    length += member.length + 1
  }
  return { members, length }
}

/**
 * A batch's answer as one string, as {@link stringify} makes it; or, when it is longer than a
 * string can be, its members (see {@link batchMembers}), serialised once.
 *
 * @internal
 *
 * @since 0.2.0
 * @category formatting
 */
export const stringifyBatch = (batch: BatchResponse): string | ReadonlyArray<string> => {
  try {
    return JSON.stringify(batch)
  } catch {
    const { length, members } = batchMembers(batch)
    return length > maxStringLength || members.length === 0 ? members : `[${members.join(",")}]`
  }
}

/**
 * V8's longest string (2^29 - 24 characters): a batch's answer longer than that cannot be one
 * string (`join` threw RangeError "Invalid string length"); it is written in pieces.
 */
const maxStringLength = 2 ** 29 - 24

/** A log message made JSON (see {@link stringify}); `undefined` when even that fails (a getter that throws). */
const logMadeJson = (message: Message): string | undefined => {
  try {
    return Formatter.formatJson(message)
  } catch {
    return undefined
  }
}

/**
 * The -32603 error answering a result that cannot go out as JSON: `JSON.stringify` rejects it (a
 * BigInt, a cycle), or reading it throws (a getter, a Proxy). Names why, clipped.
 *
 * @since 0.2.0
 * @category constructors
 */
export const unserialisable = (cause: unknown): ErrorObject => {
  let detail: string
  try {
    detail = clip(String(cause instanceof Error ? cause.message : cause))
  } catch {
    detail = "unreadable"
  }
  return { code: ErrorCode.InternalError, message: `Internal error: the result could not be serialised as JSON (${detail})` }
}

/**
 * Whether an outgoing value is a batch's answer (an array), not one message.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isBatch = (message: Outgoing): message is BatchResponse => Array.isArray(message)

/**
 * Builds a notification.
 *
 * @since 0.1.0
 * @category constructors
 */
export const notification = (method: string, params?: Params): Notification =>
  params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params }

/**
 * Builds a request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const request = (id: RequestId, method: string, params?: Params): Request =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

/**
 * The parse-error response (-32700) for bytes that are not JSON.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseError = (detail: string): ErrorResponse =>
  failure(undefined, { code: ErrorCode.ParseError, message: `Parse error: ${detail}` })
