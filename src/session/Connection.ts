/**
 * The contract between a session and a transport: two bounded Queues.
 *
 * The transport frames and parses bytes and offers each message to `inbound` (a full queue
 * suspends the transport's reader: backpressure reaches the socket or pipe, memory does not
 * grow); it ends `inbound` at end of input, or fails it with a {@link TransportFailure} when the
 * connection breaks. The session offers every outgoing message to `outbound`; the transport
 * drains it (ideally many messages per write) until it is done.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import type * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as JsonRpc from "../protocol/JsonRpc.ts"

/**
 * One outgoing message and the request it belongs to.
 *
 * **Details**
 *
 * `related` is the id of the client request a message belongs to: the request's own response,
 * and the notifications and server→client requests its handler emits. Streamable HTTP routes a
 * message to that request's stream; `undefined` means "not tied to a request" (list changes,
 * resource updates), which goes to the standalone stream. Stdio ignores it.
 */
export interface Outbound {
  readonly message: JsonRpc.Message
  readonly related: JsonRpc.RequestId | undefined
}

/**
 * An inbound frame that could not become a message (bytes that are not JSON, a message over the
 * size limit), with the error response the session sends for it.
 */
export class InvalidFrame {
  readonly response: JsonRpc.ErrorResponse
  constructor(response: JsonRpc.ErrorResponse) {
    this.response = response
  }
}

/** The connection's input broke or its output could not be written (EPIPE, reset, ...). */
export class TransportFailure extends Schema.TaggedError<TransportFailure>()("TransportFailure", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Unknown)
}) {}

/** The queue ends a transport works with; see the module documentation. */
export interface Connection {
  /** Parsed JSON values (or {@link InvalidFrame}s) for the session. */
  readonly inbound: Queue.Queue<unknown, Cause.Done | TransportFailure>
  /** Messages for the transport to write; done when the session has finished. */
  readonly outbound: Queue.Queue<Outbound, Cause.Done>
}
