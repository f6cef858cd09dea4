/**
 * Request timeouts: a handler that runs too long is interrupted (its finalizers and
 * `Effect.onInterrupt` run) and the client is answered at the deadline. The interruption goes on
 * in the background: an uninterruptible region (`Effect.uninterruptible`, a transaction) runs to
 * its end, a slow finalizer as long as it runs, and the answer says the request timed out even
 * when such a region then completes the work. Until the handler has really ended, the request
 * keeps its slot of the session (`maxConcurrentRequests`): a client whose timed-out calls are
 * still winding down cannot have more running at once than the bound; its next request waits
 * for the slot. What the handler still says after the answer (progress, logs) is not sent, and
 * the session's end interrupts it too. Keep what must not be cut short brief, or give its method
 * a longer timeout. A stateless session (stateless HTTP, and every 2026-07-28 request over HTTP:
 * one session answers every client, its request slots unbounded, so that no client can take them
 * all) bounds instead the handlers each requestor leaves running after timed-out answers (see
 * {@link maxWindingDownPerRequestor}): past the bound, a timed-out answer waits for its handler to
 * end. Nothing waits before it starts, and requests that end in time are not counted.
 *
 * A timed-out `tools/call` is answered with an `isError` result, "Tool <name> timed out after
 * N ms" (an execution problem the model can see and react to); any other method with a
 * JSON-RPC `-32603` error, "Request timed out after N ms".
 *
 * **Example** (10 s for everything, a minute for one slow method)
 *
 * ```ts
 * const Timeouts = Timeout.middleware({ default: "10 seconds", methods: { "prompts/get": "1 minute" } })
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as NumericOptions from "../../internal/options.ts"
import { isExit } from "../../internal/isExit.ts"
import * as McpError from "../../protocol/McpError.ts"
import type { CallToolResult } from "../../protocol/McpSchema.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import * as Requestor from "../../session/Requestor.ts"
import * as Middleware from "../Middleware.ts"
import { durationOf, notWhat } from "./internal/config.ts"

/**
 * Options of {@link middleware}; every one has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /**
   * The timeout of every method not in `methods` (default 30 seconds); `"Infinity"`: none. A
   * timeout shorter than 1 ms (negative, `-Infinity`, `NaN`, 0, a microsecond) is a `RangeError`
   * when the middleware is made.
   */
  readonly default?: Duration.Input | undefined
  /**
   * Timeouts per method, overriding `default` (`"Infinity"`: none). `tasks/result`, which waits
   * for a task to end, and `subscriptions/listen` (MCP 2026-07-28), a stream that lasts until the
   * client leaves, have no timeout unless they are named here.
   */
  readonly methods?: { readonly [method: string]: Duration.Input } | undefined
}

/**
 * The default timeout of {@link Config.default}.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(30)

/**
 * How many handlers one requestor may leave running after their timed-out answers (an
 * uninterruptible region, a slow finalizer) in a stateless session: 64, the default of a
 * session's request slots (`maxConcurrentRequests`).
 *
 * **Details**
 *
 * In a session of its own, a request keeps its slot until its handler has ended, so its client
 * cannot pile up handlers left running. The shared session of a stateless HTTP server (which
 * also serves every 2026-07-28 request over HTTP) has no bound on its slots (one any client could
 * fill kept every other client waiting), so nothing bounded them there. Each requestor (the
 * principal, else an anonymous client's address: `Requestor.keyOf`) may leave this many: a
 * request that times out while its requestor has fewer left running is answered at once and its
 * handler counted until it ends; at the bound, its handler is interrupted and the timed-out
 * answer waits until it has ended (as a 2025 session's request keeps its slot), so nothing more
 * is left running. Only timed-out requests count: requests run at once however many a requestor
 * sends, one that ends in time costs nothing and is never delayed, and other requestors are not
 * affected. Clients behind one proxy, anonymous, share an address and so this bound (it holds
 * back only answers to requests that timed out while 64 of theirs are still winding down).
 *
 * @since 0.2.0
 * @category limits
 */
export const maxWindingDownPerRequestor = 64

/**
 * Interrupts requests that run longer than their method's timeout and answers them (see the
 * module documentation).
 *
 * **Details**
 *
 * It is an `onRequest` hook: the time counts everything below it, typed hooks included. Put it
 * inside a retry middleware to time each attempt, outside to time them all (a tool call it gave
 * up on is no declared failure: `Retry` does not run it again). Requests without a
 * timeout, and synchronous handlers, pass untouched (no fiber).
 *
 * **Gotchas**
 *
 * The eras differ where a handler asks the client (`McpContext.elicit`, `sample`, `listRoots`).
 * In a 2025 session the request waits for the answer, and that wait (a user filling a form)
 * counts: give such methods (or tools, through `methods["tools/call"]`) a timeout that leaves
 * the user time. In MCP 2026-07-28 each input round is a request of its own, timed alone, and
 * the time between rounds counts for nothing. A task (a task-augmented request, a 2026-07-28 call
 * the server makes a task) is timed until it is created, not while it runs.
 *
 * **Example** (Ten seconds per request)
 *
 * ```ts
 * const Stack = McpServer.middleware(Timeout.middleware({ default: "10 seconds" }))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config = {}): Middleware.Middleware => {
  if (typeof config !== "object" || config === null) throw notWhat("Timeout", "the configuration", "an object", config)
  const fallback = millisOf("default", config.default ?? defaultTimeout)
  // Requests that last as long as something else does, not as long as work: untimed by default.
  const overrides = new Map<string, number | undefined>([["tasks/result", undefined], ["subscriptions/listen", undefined]])
  const methods: unknown = config.methods
  // An array or a string has entries too: its indexes were taken for method names.
  if (methods !== undefined && (typeof methods !== "object" || methods === null || Array.isArray(methods))) {
    throw notWhat("Timeout", "methods", `an object of timeouts by method ({ "tools/call": "1 minute" })`, methods)
  }
  for (const [method, input] of Object.entries(config.methods ?? {})) overrides.set(method, millisOf(`methods["${method}"]`, input))
  return Middleware.make("timeout", {
    onRequest: (request, context, next) => {
      const millis = overrides.has(request.method) ? overrides.get(request.method) : fallback
      if (millis === undefined) return next(request)
      const effect = next(request)
      if (isExit(effect)) return effect
      const orElse = () => request.method === "tools/call" ? toolTimedOut(request.params, millis) : requestTimedOut(millis)
      return timed(effect, millis, context, orElse)
    }
  })
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * The timeout in milliseconds, `undefined` when infinite; a `RangeError` for one that is not a
 * duration (negative, `NaN`: every call that took any time would time out), a `TypeError` naming
 * the option for what is no duration at all (`"ten seconds"`, `undefined`).
 */
const millisOf = (name: string, input: Duration.Input): number | undefined => {
  const duration = durationOf("Timeout", name, input)
  const millis = Duration.toMillis(duration)
  if (millis === Number.POSITIVE_INFINITY) return undefined
  // A timer fires after 1 ms at the soonest: shorter would time out nearly every call.
  if (!(millis >= 1)) throw NumericOptions.outOfRange("Timeout", name, "a duration of 1 ms or longer", Duration.format(duration))
  return millis
}

/**
 * `effect` within `millis`, else `orElse` at the deadline. The handler runs in a fiber of its own:
 * at the deadline it is interrupted without waiting for it (`Effect.timeout` waits, and an
 * uninterruptible region or a slow finalizer held the answer back until it ended), the session
 * keeping the request's slot until it ends (`holdSlot`). In a stateless session, whose slots are
 * unbounded, a requestor may leave {@link maxWindingDownPerRequestor} handlers so at most: at that
 * bound, the answer waits for the interrupted handler to end (`mayLeaveRunning`). A request
 * interrupted before (cancelled, its session ending) waits for the handler's interruption, as
 * without a timeout.
 */
const timed = <A>(
  effect: Effect.Effect<A, McpError.McpError>,
  millis: number,
  context: RequestContext,
  orElse: () => Exit.Exit<unknown, McpError.McpError>
): Effect.Effect<unknown, McpError.McpError> =>
  // Uninterruptible until the handler's interruption is tied to the request's: an interruption
  // between the fork and `onInterrupt` left the handler running, its slot free.
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
      Effect.onInterrupt(
        restore(Effect.flatMap(Effect.timeoutOption(Fiber.join(fiber), millis), (done) => {
          if (Option.isSome(done)) return Exit.succeed(done.value)
          // At its requestor's bound: answered once the handler has ended, nothing more left running.
          if (context.session.stateless && !mayLeaveRunning(context, fiber)) return Effect.andThen(Fiber.interrupt(fiber), orElse)
          context.session.holdSlot(context.requestId, fiber)
          fiber.interruptUnsafe()
          return orElse()
        })),
        () => Fiber.interrupt(fiber)
      ))
  )

/**
 * Per stateless session (`RequestContext.session`, not a field of it), per requestor key: how
 * many handlers it has left running after their timed-out answers. An entry only while it has
 * any; nothing for a request that ends in time.
 */
const windingDown = new WeakMap<object, Map<string, number>>()

/**
 * A request of a stateless session timed out, its handler (`fiber`) not ended: whether it may be
 * left running behind its answer, counted under its requestor's key until it ends (true: its
 * requestor has fewer than {@link maxWindingDownPerRequestor} left running, or the handler has
 * ended already), or must be waited for (false: at the bound). The key is computed here only, at
 * the timeout.
 */
const mayLeaveRunning = (context: RequestContext, fiber: Fiber.Fiber<unknown, unknown>): boolean => {
  if (fiber.pollUnsafe() !== undefined) return true
  const session = context.session
  const key = Requestor.keyOf(context)
  let counts = windingDown.get(session)
  const count = counts?.get(key) ?? 0
  if (count >= maxWindingDownPerRequestor) return false
  if (counts === undefined) windingDown.set(session, counts = new Map())
  counts.set(key, count + 1)
  const held = counts
  fiber.addObserver(() => {
    const left = (held.get(key) ?? 1) - 1
    if (left > 0) return void held.set(key, left)
    held.delete(key)
    if (held.size === 0 && windingDown.get(session) === held) windingDown.delete(session)
  })
  return true
}

const toolTimedOut = (params: unknown, millis: number): Exit.Exit<CallToolResult> => {
  const name = typeof params === "object" && params !== null ? (params as { readonly name?: unknown }).name : undefined
  const text = `Tool ${typeof name === "string" ? name : "call"} timed out after ${millis} ms`
  return Exit.succeed({ content: [{ type: "text", text }], isError: true })
}

const requestTimedOut = (millis: number): Exit.Exit<never, McpError.McpError> =>
  Exit.fail(McpError.withoutStackTrace(() => new McpError.InternalError({ message: `Request timed out after ${millis} ms` })))
