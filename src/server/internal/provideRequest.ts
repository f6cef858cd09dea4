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
import { McpRequestContext, type RequestContext } from "../../session/RequestContext.ts"

/** Provides `context` (registration-time services) and `request` to `effect`. */
export const provideRequest = <A, E>(
  effect: Effect.Effect<A, E, any>,
  context: Context.Context<any>,
  request: RequestContext
): Effect.Effect<A, E> =>
  Effect.provideService(
    context.mapUnsafe.size > 0 ? fillFrom(effect, context) : effect,
    McpRequestContext,
    request
  ) as Effect.Effect<A, E>

/**
 * Provides the services of `captured` that the running fiber does not have. What the fiber has
 * wins: the session's loggers (the `Effect.log` bridge to the client), the request context and
 * whatever middleware provided must not be replaced by what a Layer saw when it was built.
 */
export const fillFrom = <A, E, R>(effect: Effect.Effect<A, E, R>, captured: Context.Context<any>): Effect.Effect<A, E> =>
  Effect.updateContext(effect, (current: Context.Context<never>) => Context.merge(captured, current)) as Effect.Effect<A, E>

/** The effect as a typed `Exit` when it is already complete (`Exit.isExit` loses the types). */
export const completed = <A, E>(effect: Effect.Effect<A, E, any>): Exit.Exit<A, E> | undefined =>
  Exit.isExit(effect) ? (effect as Exit.Exit<A, E>) : undefined
