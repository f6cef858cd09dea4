/**
 * Typed failures of requests the server sends to the client (ping, sampling, elicitation,
 * roots): the handler that made the request decides what each one means for its own result.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The client did not declare the capability the request needs (e.g. `sampling`, `elicitation.url`).
 * `perRequest`: the capabilities were those of the request itself (MCP 2026-07-28); a tool handler
 * that does not catch it is answered -32021 with `data.requiredCapabilities` naming it, so the
 * client can retry declaring it.
 */
export class ClientCapabilityMissing extends Schema.TaggedError<ClientCapabilityMissing>()("ClientCapabilityMissing", {
  method: Schema.String,
  capability: Schema.String,
  perRequest: Schema.optionalKey(Schema.Boolean)
}) {
  override get message() {
    return `The client did not declare the "${this.capability}" capability needed for ${this.method}`
  }
}

/** The negotiated protocol version cannot express this request (e.g. URL elicitation before 2025-11-25). */
export class ClientVersionUnsupported extends Schema.TaggedError<ClientVersionUnsupported>()("ClientVersionUnsupported", {
  method: Schema.String,
  protocolVersion: Schema.String
}) {
  override get message() {
    return `${this.method} with these params cannot be sent to a client on protocol ${this.protocolVersion}`
  }
}

/** The client did not answer in time; a `notifications/cancelled` was sent for the request. */
export class ClientRequestTimeout extends Schema.TaggedError<ClientRequestTimeout>()("ClientRequestTimeout", {
  method: Schema.String,
  timeoutMillis: Schema.Number
}) {
  override get message() {
    return `The client did not answer ${this.method} within ${this.timeoutMillis} ms`
  }
}

/** The client answered with a JSON-RPC error. */
export class ClientRequestFailed extends Schema.TaggedError<ClientRequestFailed>()("ClientRequestFailed", {
  method: Schema.String,
  code: Schema.Int,
  message: Schema.String,
  data: Schema.optionalKey(Schema.Unknown)
}) {}

/** The client answered with something that does not match the method's result schema. */
export class ClientResultInvalid extends Schema.TaggedError<ClientResultInvalid>()("ClientResultInvalid", {
  method: Schema.String,
  message: Schema.String
}) {}

/** The session closed before the client answered. */
export class SessionClosed extends Schema.TaggedError<SessionClosed>()("SessionClosed", {
  method: Schema.String
}) {
  override get message() {
    return `The session closed before the client answered ${this.method}`
  }
}

/** Every way a server→client request can fail. */
export type ClientRequestError =
  | ClientCapabilityMissing
  | ClientVersionUnsupported
  | ClientRequestTimeout
  | ClientRequestFailed
  | ClientResultInvalid
  | SessionClosed
