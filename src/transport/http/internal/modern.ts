/**
 * The 2026-07-28 path of the Streamable HTTP endpoint: a request that names its version (header or
 * `_meta`), resolved from its own `_meta` and headers and answered by the shared stateless
 * session, whatever the endpoint's mode. What it refuses, that session's middleware observes.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import type * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as McpError from "../../../protocol/McpError.ts"
import * as Negotiation from "../../../protocol/Negotiation.ts"
import type { Principal } from "../../../session/Principal.ts"
import type { Endpoint } from "./EndpointState.ts"
import { repeatedMcpHeader } from "./guards.ts"

const { ErrorCode } = McpError

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
  // A header the body is checked against must come once (SEP-2243's point: intermediaries route
  // on it, and must see what the server checks).
  const repeated = repeatedMcpHeader(request)
  if (repeated !== undefined) {
    return self.refuse(rpc, 400, { code: ErrorCode.HeaderMismatch, message: `Header mismatch: ${repeated} is sent more than once` }, rpc.id)
  }
  const resolved = Negotiation.resolveModern(rpc, headers)
  if (resolved._tag === "Failure") {
    const { error, status } = resolved.failure
    return self.refuse(rpc, status, error, rpc.id)
  }
  // A listen stream is a stream: a client that takes only JSON could never receive it (it would
  // wait for the request timeout).
  if (mode === "json" && rpc.method === "subscriptions/listen") {
    return self.refuse(rpc, 406, {
      code: ErrorCode.InvalidRequest,
      message: "Not Acceptable: subscriptions/listen answers with a stream; Accept must list text/event-stream"
    }, rpc.id)
  }
  const truth = rpc.id === null ? resolved.success : { ...resolved.success, clientRequestId: rpc.id }
  // A plain function, not a generator of its own: the request goes straight to the shared session,
  // as a stateless 2025 request does (measured: an extra generator and its step cost ~0.15 µs per
  // 2026 request, bench/http.ts mode 2026 under --cpu-prof).
  return self.answerShared(request, rpc, mode, principal, truth)
}
