/**
 * The requests stopped and answered with an error (the value) before their handlers were
 * interrupted: a session's drain over a pulled connection (-32000, `McpError.stoppedByShutdownObject`),
 * a Streamable HTTP endpoint's shutdown (-32000) or the end of a session (-32603 "The session
 * ended"). Their handlers end interrupted, as a cancelled request's do, but their clients got an
 * error answer. Telemetry reads it to record that answer (not a cancellation). Weak: nothing is
 * kept of a request gone; added to only as a session stops.
 *
 * @internal
 */
import type * as JsonRpc from "../../protocol/JsonRpc.ts"

export const stoppedRequests: WeakMap<object, JsonRpc.ErrorObject> = new WeakMap()

/**
 * The error answer of a request stopped (see {@link stoppedRequests}): `request`'s mark, else that
 * of the request its session took under `id` when `request` is another object (a middleware
 * before the reader passed on a copy of it: the session and the transport mark the request they
 * took). `undefined` when it was not stopped (cancelled).
 */
export const stoppedAnswerOf = (request: object, session: object, id: JsonRpc.RequestId): JsonRpc.ErrorObject | undefined => {
  const marked = stoppedRequests.get(request)
  if (marked !== undefined) return marked
  const taken = (session as { readonly runningRequest?: (id: JsonRpc.RequestId) => JsonRpc.Request | undefined }).runningRequest?.(id)
  return taken === undefined || taken === request ? undefined : stoppedRequests.get(taken)
}
