/**
 * Retries of declared, retryable failures, on a `Schedule`.
 *
 * Two kinds of failure can be retried: a typed `McpError` (a JSON-RPC error), and a `tools/call`
 * result with `isError: true` answering a declared failure: a tool of `McpServer`'s failure as its
 * `failure` schema encodes it (e.g. `{"_tag":"Busy","retryAfter":1}`), whatever text the model
 * reads (the failure's message, or its `formatFailure`'s text), else, for a result made elsewhere
 * (a low-level handler's), the JSON of its first text block. `retryable` decides; {@link byTag}
 * matches both kinds by `_tag`. Defects and cancellations are never retried: a tool's defect
 * reaches the middleware as an `isError` result whose text is no JSON ("Tool <name> failed: …"),
 * which is not offered to `retryable`, nor is a tool call `Timeout` gave up on ("Tool <name>
 * timed out …") or `SizeLimit` replaced.
 *
 * **Gotchas**
 *
 * Retry sees what the middleware inside it produced: a defect that an inner ErrorMapping masked
 * arrives as an `InternalError`, and SizeLimit's refusal as one too. Match your own declared
 * tags (`Busy`, `Unavailable`), not `InternalError`, or such failures run the handler again.
 *
 * **Example** (Retrying a busy tool twice, 100 ms apart)
 *
 * ```ts
 * const Retries = Retry.middleware({
 *   schedule: Schedule.spaced("100 millis").pipe(Schedule.upTo({ times: 2 })),
 *   retryable: Retry.byTag("Busy")
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import { isExit } from "../../internal/isExit.ts"
import type * as McpError from "../../protocol/McpError.ts"
import type { CallToolResult } from "../../protocol/McpSchema.ts"
import { declaredFailureOf } from "../../server/internal/declaredFailure.ts"
import { TaskWorkRetry, taskWorkRetryKey } from "../../server/internal/taskWorkRetry.ts"
import * as Middleware from "../Middleware.ts"
import { checkStrings, notWhat } from "./internal/config.ts"

// ---------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------

/**
 * A failed attempt, as `retryable` and the schedule see it.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure =
  | {
    readonly _tag: "McpError"
    /** The JSON-RPC error the attempt failed with. */
    readonly error: McpError.McpError
  }
  | {
    readonly _tag: "ToolError"
    /**
     * The declared failure: as the tool's `failure` schema encodes it, else (a result no tool of
     * `McpServer` made) the JSON of the result's first text block. An `isError` result that is
     * neither is no declared failure (a tool's defect or undeclared failure, masked or not, "Tool
     * <name> failed: …"; `Timeout`'s and `SizeLimit`'s answers): it is never retried.
     */
    readonly error: unknown
    /** The `isError` result. */
    readonly result: CallToolResult
  }

/**
 * The tag of a failure: the `McpError`'s, or the declared tool failure's `_tag` (if any).
 *
 * @since 0.1.0
 * @category mapping
 */
export const tagOf = (failure: Failure): string | undefined => {
  const error = failure.error
  if (typeof error !== "object" || error === null) return undefined
  const tag = (error as { readonly _tag?: unknown })._tag
  return typeof tag === "string" ? tag : undefined
}

/**
 * A `retryable` predicate: true for the failures whose tag is one of `tags`, whether a JSON-RPC
 * error (`"InternalError"`, ...) or a declared tool failure (`"Busy"`, ...).
 *
 * @since 0.1.0
 * @category predicates
 */
export const byTag = (...tags: ReadonlyArray<string>): (failure: Failure) => boolean => {
  const set = new Set(tags)
  return (failure) => {
    const tag = tagOf(failure)
    return tag !== undefined && set.has(tag)
  }
}

// ---------------------------------------------------------------------------
// Middleware
// ---------------------------------------------------------------------------

/**
 * Options of {@link middleware}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** Which failures to retry (e.g. {@link byTag}). */
  readonly retryable: (failure: Failure) => boolean
  /**
   * When to retry, fed with each retryable {@link Failure}; retries stop when it ends (default:
   * 3 retries, exponential from 100 ms).
   */
  readonly schedule?: Schedule.Schedule<unknown, Failure> | undefined
  /** The request methods retried (default `["tools/call"]`). */
  readonly methods?: ReadonlyArray<string> | undefined
}

/**
 * The default schedule: up to 3 retries, 100, 200 then 400 ms apart.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultSchedule: Schedule.Schedule<unknown, Failure> = Schedule.exponential("100 millis").pipe(
  Schedule.upTo({ times: 3 })
)

/**
 * Retries the requests of `methods` while they fail retryably and the schedule goes on; the
 * client gets the first success, the first non-retryable failure, or the last failure.
 *
 * **Details**
 *
 * It is an `onRequest` hook: each attempt runs everything below it again (typed hooks included)
 * with the same request. Requests of other methods, and synchronous successes, pass untouched
 * (no fiber).
 *
 * A request answered with a task (an MCP 2025-11-25 task-augmented `tools/call`) or that may
 * become one (a 2026-07-28 call of a task-supporting tool, tasks extension declared) has its
 * work retried instead, as the task's: a retryable failure runs the work again (the handler and
 * what the tasks machinery wraps around it, not the middleware above it, which answered already),
 * under the same policy, while the task stays `working`; the task ends with the first success or
 * the last failure. Such a call is not retried as a request too (its attempts would multiply).
 * Two `Retry`s stacked nest, as for a plain call (each attempt of the outer one runs the inner one,
 * which retries on its own): a task's work too, the outer policy around the inner's. A 2026-07-28
 * task taken over by another replica (a shared store) runs its work there under the same policies,
 * as that replica's stack nests them (replicas of one server have the same middleware).
 *
 * **Gotchas**
 *
 * A middleware of your own that spreads a `Retry` but brings its own `onRequest` (narrowed to some
 * tools, or wrapping the `Retry`'s) is not a `Retry` there: a task taken over by another replica
 * runs its work under no policy of it, as no request is around that work for your `onRequest` to
 * decide on. Keep the `Retry`'s own `onRequest` (`{ ...retry, name }`), or narrow with `methods`.
 *
 * Only retry what is safe to run twice. Progress notifications and logs of every attempt reach
 * the client. A configuration of the wrong kind (no `retryable` function, a `schedule` that is
 * not one, `methods` that are not strings) is a `TypeError` naming the option, thrown here.
 *
 * **Example** (Retrying a busy handler twice)
 *
 * ```ts
 * const Stack = McpServer.middleware(
 *   Retry.middleware({
 *     schedule: Schedule.spaced("100 millis").pipe(Schedule.upTo({ times: 2 })),
 *     retryable: Retry.byTag("Busy")
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config): Middleware.Middleware => {
  checkConfig(config)
  const retryable = config.retryable
  const schedule = config.schedule ?? defaultSchedule
  const methods = new Set(config.methods ?? ["tools/call"])
  const failureOf = (result: unknown): Failure | undefined => {
    if (typeof result !== "object" || result === null || (result as { isError?: unknown }).isError !== true) {
      return undefined
    }
    // A tool's declared failure, whatever its text (its message, or its formatFailure's, is no
    // JSON: such a failure was never retried).
    const declared = declaredFailureOf(result)
    if (declared !== undefined) return { _tag: "ToolError", error: declared.encoded, result: result as CallToolResult }
    const content = (result as CallToolResult).content
    const first = Array.isArray(content) ? content[0] : undefined
    const error = first?.type === "text" ? parse(first.text) : undefined
    // Not the JSON of a declared failure: a defect (or an undeclared failure) the tool masked, or
    // a call Timeout gave up on. Offered to `retryable`, a predicate that takes every tool error
    // ran a tool that died, perhaps halfway through its work, again.
    return error === undefined ? undefined : { _tag: "ToolError", error, result: result as CallToolResult }
  }
  const settle = (failure: Failure) =>
    failure._tag === "McpError" ? Exit.fail(failure.error) : Exit.succeed(failure.result as unknown)
  /** An attempt whose retryable outcomes (a typed error, a declared tool failure) are failures. */
  const attemptOf = <A>(effect: Effect.Effect<A, McpError.McpError>): Effect.Effect<A, Failure> =>
    effect.pipe(
      Effect.mapError((error): Failure => ({ _tag: "McpError", error })),
      Effect.flatMap((result) => {
        const failure = failureOf(result)
        return failure === undefined ? Exit.succeed(result) : Exit.fail(failure)
      })
    )
  // A task's work (a task-augmented request's, a 2026-07-28 call that may become one): run again
  // as the request would be, under the same policy (the request was answered with the task).
  // Each attempt makes the work anew (a handler deciding as it is called is called again).
  const retriedWork: TaskWorkRetry["Service"] = (work) =>
    Effect.retry(attemptOf(Effect.suspend(work)), { schedule, while: retryable }).pipe(Effect.catch(settle)) as Effect.Effect<object, McpError.McpError>
  const made = Middleware.make("retry", {
    onRequest: (request, _context, next) => {
      if (!methods.has(request.method)) return next(request)
      const answer = next(request)
      // Nothing to retry: a success that is no tool error, or a failure without a typed error.
      if (isExit(answer) && (answer._tag === "Success" ? failureOf(answer.value) === undefined : !Cause.hasFails(answer.cause))) {
        return answer
      }
      // Set when the code below runs the request's work as a task's (or one that may become one):
      // that work is retried itself, so the request is not (its attempts would multiply).
      let retriesWork = false
      const withWork: TaskWorkRetry["Service"] = (work) => {
        retriesWork = true
        return retriedWork(work)
      }
      // An answer in hand (an Exit) made no task: nothing to provide. Under another `Retry`, its
      // policy wraps this one's, as its attempts wrap this one's for a plain call: only the
      // innermost's applied to a task's work.
      const provided = (effect: Effect.Effect<unknown, McpError.McpError>) =>
        isExit(effect) ? effect : Effect.flatMap(Effect.serviceOption(TaskWorkRetry), (outer) =>
          Effect.provideService(
            effect,
            TaskWorkRetry,
            outer._tag === "None" ? withWork : (work) => outer.value(() => withWork(work))
          ))
      const nextWithWork = () => provided(next(request))
      let first: Effect.Effect<unknown, McpError.McpError> | undefined = provided(answer)
      const attempt = attemptOf(Effect.suspend(() => {
        const effect = first ?? nextWithWork()
        first = undefined
        return effect
      }))
      return Effect.retry(attempt, { schedule, while: (failure) => !retriesWork && retryable(failure) }).pipe(Effect.catch(settle))
    }
  })
  // What a task taken over from a replica that stopped runs its work under (no request around it
  // there): this policy, as the server's stack nests it (`taskWorkRetryOf`).
  return Object.assign(made, { [taskWorkRetryKey]: { methods, retry: retriedWork, onRequest: made.onRequest! } })
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * Refuses what no type checked, when the middleware is made: without `retryable` (JavaScript, a
 * configuration read from elsewhere) every failure was retried, a non-idempotent tool's too;
 * a `schedule` that is not one failed every retried request; `methods` as one string retried the
 * methods its characters name (none).
 */
const checkConfig = (config: Config): void => {
  if (typeof config !== "object" || config === null) throw notWhat("Retry", "the configuration", "an object ({ retryable, ... })", config)
  if (typeof config.retryable !== "function") {
    throw notWhat("Retry", "retryable", "a function (failure) => boolean (e.g. Retry.byTag(\"Busy\"))", config.retryable)
  }
  if (config.schedule !== undefined && !Schedule.isSchedule(config.schedule)) {
    throw notWhat("Retry", "schedule", "a Schedule", config.schedule)
  }
  checkStrings("Retry", "methods", config.methods)
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
