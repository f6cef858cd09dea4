/**
 * What a middleware does with a request its session refused before dispatching it (an id in
 * progress, a request before `initialize`, a 2026-07-28 request of a version not served, a
 * malformed one, a new one while the session drains): `Telemetry`'s SERVER span and duration
 * series, as the MCP semantic conventions have one for each request the server receives and
 * answers.
 *
 * Not a hook of `Middleware`'s public surface: it is asked only for a refusal, with what the
 * session refused and the error it answered. A middleware says it under {@link refusedRequestsKey};
 * the server adds it to what observes invalid input, and makes it the session's
 * `Dispatcher.refused` (the requests a drain refuses, -32000: told to it alone, no `onMessage`
 * observer, forked on their own so that no drain waits for them), only when one of its middleware
 * has it, so a server without (no `Telemetry`) refuses as before, asking nothing, and an accepted
 * request never meets it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { InvalidInbound, ServerSession } from "../../session/ServerSession.ts"

/** Observes a refusal (or other invalid input: it picks what it wants); never fails. */
export type RefusedRequests = (invalid: InvalidInbound, session: ServerSession) => Effect.Effect<void>

/**
 * The property of a middleware holding its {@link RefusedRequests}. A symbol, so spreading the
 * middleware (`{ ...m, name }`, `Middleware.make`) keeps it, as does `Middleware.provide`.
 */
export const refusedRequestsKey: unique symbol = Symbol.for("effect-mcp-server/refusedRequests") as never

/**
 * What observes the refusals of a server whose middleware is `middleware`: `undefined` when none of
 * it has a {@link RefusedRequests} (the common case); with several, each in turn.
 */
export const refusedRequestsOf = (middleware: ReadonlyArray<object>): RefusedRequests | undefined => {
  const all: Array<RefusedRequests> = []
  for (const m of middleware) {
    const observe = (m as { readonly [refusedRequestsKey]?: RefusedRequests })[refusedRequestsKey]
    if (observe !== undefined) all.push(observe)
  }
  if (all.length <= 1) return all[0]
  return (invalid, session) => Effect.forEach(all, (observe) => observe(invalid, session), { discard: true })
}
