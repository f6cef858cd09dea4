/**
 * Runs a handler's effect with what it may need: the services captured when it was registered,
 * and the current request as the `McpRequestContext` service.
 *
 * Callers skip this for effects that are already complete (an `Exit` needs no services), which
 * keeps synchronous handlers on the session's no-fiber fast path.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import { McpRequestContext, type RequestContext } from "../../session/RequestContext.ts"

/** Provides `context` (registration-time services) and `request` to `effect`. */
export const provideRequest = <A, E>(
  effect: Effect.Effect<A, E, any>,
  context: Context.Context<any>,
  request: RequestContext
): Effect.Effect<A, E> =>
  Effect.provideService(
    context.mapUnsafe.size > 0 ? Effect.provideContext(effect, context) : effect,
    McpRequestContext,
    request
  ) as Effect.Effect<A, E>

/** The effect as a typed `Exit` when it is already complete (`Exit.isExit` loses the types). */
export const completed = <A, E>(effect: Effect.Effect<A, E, any>): Exit.Exit<A, E> | undefined =>
  Exit.isExit(effect) ? (effect as Exit.Exit<A, E>) : undefined
