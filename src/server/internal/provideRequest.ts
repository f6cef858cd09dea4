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
import * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import { filled } from "../../internal/filledContext.ts"
import { McpRequestContext, type RequestContext } from "../../session/RequestContext.ts"

/** Provides `context` (registration-time services) and `request` to `effect`, with one context update. */
export const provideRequest = <A, E>(
  effect: Effect.Effect<A, E, any>,
  context: Context.Context<any>,
  request: RequestContext
): Effect.Effect<A, E> =>
  Effect.updateContext(
    effect,
    (current: Context.Context<never>) => requestServices(context, current, request) as Context.Context<any>
  ) as Effect.Effect<A, E>

/** The services of a handler: `current` (the fiber's) filled with `captured`, and `request`. */
export const requestServices = (
  captured: Context.Context<any>,
  current: Context.Context<never>,
  request: RequestContext
): Context.Context<never> => Context.add(filled(captured, current), McpRequestContext, request)

/** The effect as a typed `Exit` when it is already complete (`Exit.isExit` loses the types). */
export const completed = <A, E>(effect: Effect.Effect<A, E, any>): Exit.Exit<A, E> | undefined =>
  Exit.isExit(effect) ? (effect as Exit.Exit<A, E>) : undefined
