/**
 * The 2026-07-28 path of the Streamable HTTP endpoint: a request that names its version (header or
 * `_meta`), resolved from its own `_meta` and headers and answered by the shared stateless
 * session, whatever the endpoint's mode. What it refuses, that session's middleware observes.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as McpError from "../../../protocol/McpError.ts"
import * as Negotiation from "../../../protocol/Negotiation.ts"
import type { Principal } from "../../../session/Principal.ts"
import { HttpInfo } from "./HttpSession.ts"
import type { Endpoint } from "./EndpointState.ts"
import { closingFor, repeatedMcpHeader } from "./guards.ts"
import { jsonError } from "./responses.ts"

const { ErrorCode } = McpError

/**
 * The refusal (400, -32020) of a 2026-07-28 POST that sends an MCP header more than once, else
 * `undefined`: a header the body is checked against must come once (SEP-2243's point:
 * intermediaries route on it, and must see what the server checks).
 */
const refuseRepeated = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  value: unknown,
  id: JsonRpc.RequestId | undefined,
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> | undefined => {
  const repeated = repeatedMcpHeader(request)
  return repeated === undefined ? undefined : self.refuse(
    value,
    400,
    { code: ErrorCode.HeaderMismatch, message: `Header mismatch: ${repeated} is sent more than once` },
    id,
    undefined,
    new HttpInfo(request, principal)
  )
}

/**
 * A 2026-07-28 request: resolved from its `_meta` and headers (`Negotiation.resolveModern`;
 * refused with its status before any handler runs), then answered by the shared stateless session
 * with that truth, under an internal id.
 */
export const post = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  rpc: JsonRpc.Request,
  mode: "auto" | "json" | "sse",
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const repeated = refuseRepeated(self, request, rpc, rpc.id, principal)
  if (repeated !== undefined) return repeated
  const shared = self.statelessSession
  // The shared session is started by the first 2026-07-28 request, before it is resolved: its
  // refusal says whether `initialize` is served here (`Negotiation.Handshake`), which the server's
  // versions decide and the endpoint learns from that session. Then a field read.
  if (shared === undefined) {
    // Started as a graceful drain began: refused as the drain refuses a request that comes now.
    return Effect.flatMap(self.openStateless, (opened) =>
      self.closing
        ? Effect.succeed(self.refuseDraining(rpc, rpc.id, closingFor(request), opened, new HttpInfo(request, principal)))
        : opened === undefined
        ? Effect.succeed(unstarted(rpc, headers))
        : resolve(self, request, headers, rpc, mode, principal, opened.input))
  }
  return resolve(self, request, headers, rpc, mode, principal, shared.input)
}

/**
 * {@link post}'s answer when the shared session could not start (just tried): the request's
 * refusal, with no session to observe it, else 503 as `Endpoint.answerShared` answers; the
 * session is not started again for it (the application's start ran twice per request).
 */
const unstarted = (rpc: JsonRpc.Request, headers: Negotiation.Headers): HttpServerResponse.HttpServerResponse => {
  const resolved = Negotiation.resolveModern(rpc, headers)
  if (resolved._tag === "Success") {
    return jsonError(503, ErrorCode.ServerUnavailable, "Service Unavailable: the session could not start", undefined, rpc.id)
  }
  const { error, status } = resolved.failure
  return jsonError(status, error.code, error.message, undefined, rpc.id, error.data)
}

/** {@link post} past its header check: resolved, `handshake` the shared session. */
const resolve = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  rpc: JsonRpc.Request,
  mode: "auto" | "json" | "sse",
  principal: Principal | undefined,
  handshake: Negotiation.Handshake | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const resolved = Negotiation.resolveModern(rpc, headers, handshake)
  if (resolved._tag === "Failure") {
    const { error, status } = resolved.failure
    return self.refuse(rpc, status, error, rpc.id, undefined, new HttpInfo(request, principal))
  }
  // A listen stream is a stream: a client that takes only JSON could never receive it (it would
  // wait for the request timeout).
  if (mode === "json" && rpc.method === "subscriptions/listen") {
    return self.refuse(rpc, 406, {
      code: ErrorCode.InvalidRequest,
      message: "Not Acceptable: subscriptions/listen answers with a stream; Accept must list text/event-stream"
    }, rpc.id, undefined, new HttpInfo(request, principal))
  }
  // The truth as resolved, not a copy naming the client's id: the request's `HttpInfo` names it
  // (`answerShared` makes it with `rpc.id`), which `RequestContext.clientRequestId` reads.
  // A plain function, not a generator of its own: the request goes straight to the shared session,
  // as a stateless 2025 request does (measured: an extra generator and its step cost ~0.15 µs per
  // 2026 request, bench/http.ts mode 2026 under --cpu-prof).
  return self.answerShared(request, rpc, mode, principal, resolved.success)
}

/**
 * A 2026-07-28 POST without a request. A notification is accepted (202), and only observed by the
 * shared stateless session's middleware (`Endpoint.observeShared`: that era defines no client
 * notification over HTTP, closing a response stream cancels its request), unless its headers
 * disagree with it, or it lacks the `MCP-Protocol-Version` its `_meta` names
 * (`Negotiation.checkModernNotification`: -32020, 400). A
 * response is refused (400, -32600): that era's servers send no requests, so a client answering
 * one is broken, and a 202 would tell it the answer was taken.
 */
export const postWithoutRequest = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  message: JsonRpc.Notification | JsonRpc.Response,
  kind: JsonRpc.Kind,
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (kind === JsonRpc.Kind.Response) {
    return self.refuse(message, 400, {
      code: ErrorCode.InvalidRequest,
      message: "Invalid Request: MCP 2026-07-28 clients send no JSON-RPC responses (its servers send no requests: " +
        "they ask for input in input_required results)"
    }, undefined, undefined, new HttpInfo(request, principal))
  }
  const repeated = refuseRepeated(self, request, message, undefined, principal)
  if (repeated !== undefined) return repeated
  const rejected = Negotiation.checkModernNotification(message as JsonRpc.Notification, headers)
  return rejected === undefined
    ? self.observeShared(request, message as JsonRpc.Notification, principal)
    : self.refuse(message, rejected.status, rejected.error, undefined, undefined, new HttpInfo(request, principal))
}
