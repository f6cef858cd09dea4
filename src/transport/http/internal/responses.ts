/**
 * The answers the Streamable HTTP endpoint gives of its own (errors with a JSON-RPC body, the
 * health check) and the HTTP status of a 2026-07-28 answer. JSON-RPC codes come from `McpError`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { HttpServerResponse } from "effect/http"
import * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as McpError from "../../../protocol/McpError.ts"
import * as ProtocolVersion from "../../../protocol/ProtocolVersion.ts"
import { clip } from "../../../internal/clip.ts"
import type { StoreError } from "../../../store/StoreError.ts"
import { GracefulShutdown } from "../../../session/GracefulShutdown.ts"

const { ErrorCode } = McpError

/**
 * An HTTP error with a JSON-RPC error body; `id` is the refused request's, when it was read (the
 * client can then match the error to its request).
 */
export const jsonError = (
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
  id?: JsonRpc.RequestId,
  data?: unknown
) =>
  HttpServerResponse.text(JSON.stringify(JsonRpc.failure(id, data === undefined ? { code, message } : { code, message, data })), {
    status,
    contentType: "application/json",
    ...(headers === undefined ? {} : { headers })
  })

/** A refusal of the endpoint's own: its HTTP status and JSON-RPC error. */
export interface Refusal {
  readonly status: number
  readonly error: JsonRpc.ErrorObject
}

/** The JSON-RPC error of a message naming a session the endpoint does not have (never had, ended, or forgot): with 404. */
export const sessionNotFoundError: JsonRpc.ErrorObject = { code: ErrorCode.SessionNotFound, message: "Session not found" }

/** A request naming a session the endpoint does not have (never had, ended, or forgot). */
const sessionNotFound: Refusal = { status: 404, error: sessionNotFoundError }

/**
 * The 404 {@link sessionNotFoundError} to a request on a session that ended meanwhile (answering
 * `id`, if any): the one spelling of that answer.
 */
export const sessionGone = (id?: JsonRpc.RequestId) =>
  jsonError(404, sessionNotFoundError.code, sessionNotFoundError.message, undefined, id)

/** A request whose `Mcp-Session-Id` came more than once (see {@link unknownSession}). */
const sessionIdRepeated: Refusal = {
  status: 400,
  error: { code: ErrorCode.InvalidRequest, message: "Bad Request: Mcp-Session-Id is sent more than once" }
}

/**
 * The refusal of a request (POST, GET, DELETE) whose `Mcp-Session-Id` (`sessionId`) names no
 * session here: 404, the spec's answer, which tells the client its session is gone (it starts
 * another). But 400 when the field came more than once: the platform joins the values ("id, id"),
 * and no session id (base64url) has a comma; a 404 made the client drop a session that lives, and
 * start one after another behind the intermediary that repeats the field. Looked at only once no
 * session was found.
 */
export const unknownSession = (sessionId: string): Refusal => sessionId.includes(",") ? sessionIdRepeated : sessionNotFound

/**
 * Every version the endpoint's header check takes, as the answer to an unsupported header lists
 * them (built once). The library's versions: the endpoint does not know a server's
 * `supportedVersions`, which narrows what its `initialize` then accepts (and `server/discover`
 * names).
 */
const supportedList = ProtocolVersion.all.join(", ")

/**
 * 400 to a handshake-era request (a POST, GET or DELETE) whose `MCP-Protocol-Version` header
 * names no version served here (the spec asks only for the 400): the message and `data.supported` name the versions that
 * are, both eras, for the client to retry with one; `data.requested` is the header, clipped as
 * `Negotiation.unsupportedVersionError` clips it. The code stays the handshake era's -32600 (the
 * 2026-07-28 era's -32022 is for a request whose `_meta` names its version).
 */
export const unsupportedHeader = (version: string): JsonRpc.ErrorObject => {
  const requested = clip(version)
  return {
    code: ErrorCode.InvalidRequest,
    message: `Bad Request: unsupported MCP-Protocol-Version ${version === "" ? "(empty)" : requested} (supported: ${supportedList})`,
    data: { supported: [...ProtocolVersion.all], requested }
  }
}

/**
 * 400 to a request of a stateless endpoint (or of a session) at a handshake-era version its
 * server does not serve (its `supportedVersions`): the one its `MCP-Protocol-Version` header
 * names, or, without the header, 2025-03-26 (the version a stateless request is taken at). As {@link unsupportedHeader}, but
 * `supported` names the versions this server serves (2026-07-28 and its own), as `server/discover`
 * does. Refusals only: built when one is made.
 */
export const unservedHeader = (
  version: string | undefined,
  served: ReadonlyArray<ProtocolVersion.LegacyVersion>
): JsonRpc.ErrorObject => {
  const supported = [...ProtocolVersion.modern, ...served]
  return version === undefined
    ? {
      code: ErrorCode.InvalidRequest,
      message: `Bad Request: the MCP-Protocol-Version header is required (a request without it is taken as ${ProtocolVersion.assumedWhenUnknown}, which this server does not serve; supported: ${supported.join(", ")})`,
      data: { supported }
    }
    : {
      code: ErrorCode.InvalidRequest,
      message: `Bad Request: unsupported MCP-Protocol-Version ${clip(version)} (supported: ${supported.join(", ")})`,
      data: { supported, requested: clip(version) }
    }
}

/**
 * The refusal of a stateless endpoint's handshake-era request whose `MCP-Protocol-Version`
 * `header` (none: 2025-03-26) names a version `served` leaves out (see {@link unservedHeader});
 * `undefined` when it is served, and at once when the server serves every version (`served`
 * undefined). A session's request, with its header (none: the negotiated version), likewise.
 */
export const unservedVersion = (
  served: ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined,
  header: string | undefined
): JsonRpc.ErrorObject | undefined => {
  if (served === undefined) return undefined
  const version = header ?? ProtocolVersion.assumedWhenUnknown
  return (served as ReadonlyArray<string>).includes(version) ? undefined : unservedHeader(header, served)
}

/** 405, with the methods the endpoint answers (`allow`, RFC 9110) and why in `message`. */
export const methodNotAllowed = (allow: string, message: string) => jsonError(405, ErrorCode.InvalidRequest, message, { allow })

/**
 * The answer to a new request during a graceful shutdown (or once the endpoint stopped);
 * `headers` `Connection: close` on Node's HTTP/1.x server (see `closingFor`), for the client to
 * retry on a new connection.
 */
export const shuttingDown = (id?: JsonRpc.RequestId, headers?: Record<string, string>) =>
  jsonError(503, shuttingDownError.code, shuttingDownError.message, headers, id)

/** The JSON-RPC error of {@link shuttingDown} (what a drain's refusal is observed with). */
export const shuttingDownError: JsonRpc.ErrorObject = {
  code: ErrorCode.ServerUnavailable,
  message: "Service Unavailable: the server is shutting down; retry on another instance or later"
}

/** 503 with -32603 "Store unavailable: EventStore" (`McpError.storeUnavailable`). */
export const storeUnavailable = (error: StoreError) => {
  const object = McpError.toErrorObject(McpError.storeUnavailable(error))
  return jsonError(503, object.code, object.message, { "retry-after": "1" }, undefined, object.data)
}

/** The error of a session used by another principal than the one that opened it (with bearer authentication). */
export const notYoursError: JsonRpc.ErrorObject = {
  code: ErrorCode.InvalidRequest,
  message: "Forbidden: the session belongs to another principal"
}

/** 403 to a session used by another principal than the one that opened it. */
export const notYours = (id?: JsonRpc.RequestId) => jsonError(403, notYoursError.code, notYoursError.message, undefined, id)

/**
 * The health endpoint (see `Options.healthPath`) of an endpoint that has `stopped` (its scope
 * closed: `WebHandler.dispose`, a router of one's own stopping it) or not: a stopped endpoint
 * answers every request 503, and said `ok` here (a load balancer kept sending it traffic).
 */
export const health = (stopped: () => boolean): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.map(GracefulShutdown, (shutdown) =>
    shutdown.isRequested()
      ? HttpServerResponse.text(JSON.stringify({ status: "draining" }), { status: 503, contentType: "application/json" })
      : stopped()
      ? HttpServerResponse.text(JSON.stringify({ status: "stopped" }), { status: 503, contentType: "application/json" })
      : HttpServerResponse.text(JSON.stringify({ status: "ok" }), { contentType: "application/json" }))

/** The HTTP status of a 2026-07-28 answer: 404 for -32601, 400 for -32021 and -32020, else 200. */
export const modernStatusOf = (message: JsonRpc.Message): number => {
  const code = (message as { readonly error?: { readonly code?: unknown } }).error?.code
  return code === ErrorCode.MethodNotFound
    ? 404
    : code === ErrorCode.MissingRequiredClientCapability || code === ErrorCode.HeaderMismatch
    ? 400
    : 200
}
