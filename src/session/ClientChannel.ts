/**
 * What server code can send to the client: a request context sends tied to its request, a
 * session untied. Its own module, so that the session's public face and the request context
 * both build on it without depending on each other.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { LoggingLevel } from "../protocol/McpSchema.ts"
import type { ClientRequestError } from "./ClientRequestError.ts"

/**
 * Options of a server→client request.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientRequestOptions {
  /**
   * How long to wait for the client; defaults to the session's `clientRequestTimeoutMillis`.
   * Positive (`Infinity`: no timeout); another value (NaN, 0, negative) is a defect, a
   * `RangeError`, and nothing is sent.
   */
  readonly timeoutMillis?: number | undefined
  /**
   * MCP 2026-07-28: the key of this request among the `inputRequests` of an `input_required`
   * answer (default `<method>-<n>`, by order of asking). A key asked already in the request gets
   * `-<n>` after it: each question has a key, and an answer, of its own. Under a default key an
   * answer is given only to the same question (method and params) in a later round: one whose
   * params change from round to round is asked again every round; give it a key of its own. A key
   * spelled like one the server makes (`elicitation/create-1`, `roots/list-2.1`) is refused in
   * every era (a `RangeError` defect, nothing asked): it could take another question's answer.
   * So is, in 2026-07-28, the `elicitationId` of a URL elicitation the same request requires
   * (`McpError.UrlElicitationRequired`, keyed by it there), in the same round or a later one: the
   * URL's answer would be given to the question.
   */
  readonly inputKey?: string | undefined
}

/**
 * What server code can send to the client: notifications, log messages and requests.
 *
 * **Details**
 *
 * A {@link RequestContext} sends them tied to its request (Streamable HTTP delivers them on that
 * request's stream, before its response); a `ServerSession` sends them untied. A request's progress
 * and log messages stop with its answer (or its cancellation), in every era and on every transport
 * (in MCP 2026-07-28 over a connection of its own, every notification tied to it): what a fiber its
 * handler left running (forked detached, the work a `Timeout` answered for) says through its
 * context afterwards is not sent. Background work that should still be heard logs untied, through
 * the session (`context.session.log`). A 2025-11-25 task's messages go on until the task ends.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientChannel {
  /** Sends a notification (outbound gates apply: e.g. list changes only if advertised). */
  readonly notify: (method: string, params?: JsonRpc.Params) => Effect.Effect<void>
  /**
   * Logs to the client (`notifications/message`) when `level` passes the session's level. A level
   * MCP does not have (`"warn"`, from untyped code) or a logger that is not a string is a defect
   * (a `TypeError` naming it), whatever the client asked for.
   */
  readonly log: (level: LoggingLevel, data: unknown, logger?: string) => Effect.Effect<void>
  /**
   * Sends a server→client request and waits for the client's answer. Sent untied (a
   * `ServerSession`'s), it fails at once, sending nothing, where no client could answer: with
   * `ClientVersionUnsupported` on a 2026-07-28 connection or in a 2026-07-28 request (its handler,
   * middleware, or a fiber they forked), else with `SessionClosed` (`reason: "stateless"`) on a
   * stateless session, which has no stream of its own.
   * Over Streamable HTTP, an untied request of a session whose client has not opened its GET
   * stream (yet) waits for that stream, within its timeout.
   */
  readonly request: (
    method: string,
    params: JsonRpc.Params | undefined,
    options?: ClientRequestOptions
  ) => Effect.Effect<unknown, ClientRequestError>
}
