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
import type * as Exit from "effect/Exit"
import { filled } from "../../internal/filledContext.ts"
import { kindOf } from "../../internal/valueKind.ts"
import { loweredFor } from "../../internal/logger.ts"
import { asksForDebugLogs } from "../../session/internal/requestContext.ts"
import { McpRequestContext, type RequestContext } from "../../session/RequestContext.ts"
import { isExit } from "../../internal/isExit.ts"

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

/** The services of a handler: `current` (the fiber's) filled with `captured`, and `request` (see {@link withRequest}). */
export const requestServices = (
  captured: Context.Context<any>,
  current: Context.Context<never>,
  request: RequestContext
): Context.Context<never> => withRequest(filled(captured, current), request)

/**
 * `services` with `request` as the `McpRequestContext`; when its client asked for debug logs, with
 * the minimum log level lowered, so that `Effect.logDebug` and `Effect.logTrace` reach the
 * `Effect.log` bridge (the server's own loggers still show what they showed: see `loweredFor`).
 */
export const withRequest = (services: Context.Context<never>, request: RequestContext): Context.Context<never> => {
  const withContext = Context.add(services, McpRequestContext, request)
  return asksForDebugLogs(request) ? loweredFor(withContext) : withContext
}

/** The effect as a typed `Exit` when it is already complete (`isExit` loses the types). */
export const completed = <A, E>(effect: Effect.Effect<A, E, any>): Exit.Exit<A, E> | undefined =>
  isExit(effect) ? (effect as Exit.Exit<A, E>) : undefined

/**
 * The defect of a handler of `owner` (`Tool x`, `Prompt x`, `Resource template x://{a}`) that
 * returned `value`, which is no Effect (where types are not checked: an `async` function, a plain
 * value). Run as an Effect it died unnamed ("Not a valid effect"): a tool answered -32603 instead of
 * its masked tool error, and no log said which handler it was. A Promise's rejection is handled
 * here (the defect says what was wrong): unhandled, an `async` handler that threw ended the process
 * (Node's default for an unhandled rejection), every session with it.
 */
export const notAnEffect = (owner: string, value: unknown): TypeError => {
  const then = (value as { readonly then?: unknown } | null)?.then
  if (typeof then !== "function") return new TypeError(`${owner}: the handler returned ${kindOf(value)}, not an Effect`)
  try {
    then.call(value, undefined, ignore)
  } catch {
    // A `then` of its own that throws: nothing to handle.
  }
  return new TypeError(
    `${owner}: the handler returned a Promise, not an Effect (an async function? wrap its work in Effect.promise or Effect.tryPromise)`
  )
}

const ignore = (): void => {}
