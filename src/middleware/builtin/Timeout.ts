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
 * all) bounds its timed requests in
 * flight, running or winding down, per requestor instead (see {@link maxWindingDownPerRequestor}).
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

/** Options of {@link middleware}; every one has a default. */
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

/** The default timeout of {@link Config.default}. */
export const defaultTimeout: Duration.Duration = Duration.seconds(30)

/**
 * How many timed requests one requestor may have in flight in a stateless session, running or
 * left running after their timed-out answers (an uninterruptible region, a slow finalizer): 64,
 * the default of a session's request slots (`maxConcurrentRequests`).
 *
 * **Details**
 *
 * In a session of its own, a request keeps its slot until its handler has ended, so its client
 * cannot pile up handlers left running. The shared session of a stateless HTTP server has no
 * bound on its slots (one any client could fill kept every other client waiting), and nothing
 * bounded them: one client could leave any number running. So each requestor there (the
 * principal, else an anonymous client's address: `RateLimit.requestorKey`) may have this many of
 * the requests `Timeout` times in flight, each counted from its start until its handler has
 * ended, a burst from a requestor with none in flight too (each of them may be left running);
 * past it, its next timed request waits (its handler not started, its wait not timed) until one
 * of them ends, as a 2025 session's next request waits for a slot; within its HTTP request's own
 * timeout. Each gives its place back as it ends, to the next one waiting. Other requestors'
 * requests do not wait, and requests `Timeout` does not time (no timeout for their method) are
 * not counted. Clients behind one proxy, anonymous, share an address and so this bound.
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
      if (!context.session.stateless) return timed(effect, millis, context, orElse, undefined)
      // A stateless session: counted under its requestor's bound, from its start until its handler ends.
      return admitted(context.session, Requestor.keyOf(context), (admission) => timed(effect, millis, context, orElse, admission))
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
 * keeping the request's slot until it ends (`holdSlot`), and so does its `admission` (a stateless
 * session's). A request interrupted before (cancelled, its session ending) waits for the handler's
 * interruption, as without a timeout.
 */
const timed = <A>(
  effect: Effect.Effect<A, McpError.McpError>,
  millis: number,
  context: RequestContext,
  orElse: () => Exit.Exit<unknown, McpError.McpError>,
  admission: Admission | undefined
): Effect.Effect<unknown, McpError.McpError> =>
  // Uninterruptible until the handler's interruption is tied to the request's: an interruption
  // between the fork and `onInterrupt` left the handler running, its slot free.
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
      Effect.onInterrupt(
        restore(Effect.flatMap(Effect.timeoutOption(Fiber.join(fiber), millis), (done) => {
          if (Option.isSome(done)) return Exit.succeed(done.value)
          context.session.holdSlot(context.requestId, fiber)
          if (admission !== undefined) admission.leftRunning(fiber)
          fiber.interruptUnsafe()
          return orElse()
        })),
        () => Fiber.interrupt(fiber)
      ))
  )

/**
 * One requestor's timed requests in a stateless session, counted from their start until their
 * handlers end (running, or left running after a timed-out answer), and its requests waiting for
 * one of them to end. An entry only while it has any.
 */
class InFlight {
  count = 0
  readonly waiters: Array<() => void> = []
}

/**
 * Per stateless session (`RequestContext.session`, not a field of it), per requestor key: its
 * {@link InFlight}.
 */
const inFlight = new WeakMap<object, Map<string, InFlight>>()

/** A timed request of a stateless session, counted in its requestor's entry (given back once). */
class Admission {
  /** Its handler was left running after its timed-out answer: counted until that ends. */
  handedOn = false
  readonly session: object
  readonly key: string
  readonly entry: InFlight
  constructor(session: object, key: string, entry: InFlight) {
    this.session = session
    this.key = key
    this.entry = entry
  }

  /** Hands the request's place on to its handler, left running after its answer, until it ends. */
  leftRunning(fiber: Fiber.Fiber<unknown, unknown>): void {
    if (fiber.pollUnsafe() !== undefined) return
    this.handedOn = true
    fiber.addObserver(() => this.release())
  }

  /** The request (or the handler it left running) ended: one waiting request may go. */
  release(): void {
    const entry = this.entry
    entry.count--
    const next = entry.waiters.shift()
    if (next !== undefined) return next()
    if (entry.count === 0) forget(this.session, this.key, entry)
  }
}

/** The requestor's entry in `session`, made when it has none. */
const entryOf = (session: object, key: string): InFlight => {
  let held = inFlight.get(session)
  if (held === undefined) inFlight.set(session, held = new Map())
  let entry = held.get(key)
  if (entry === undefined) held.set(key, entry = new InFlight())
  return entry
}

/** Drops a requestor's entry (and its session's map, left empty). */
const forget = (session: object, key: string, entry: InFlight): void => {
  const held = inFlight.get(session)
  if (held === undefined || held.get(key) !== entry) return
  held.delete(key)
  if (held.size === 0) inFlight.delete(session)
}

/**
 * Runs `run`, a timed request of a stateless session, once its requestor has fewer than
 * {@link maxWindingDownPerRequestor} timed requests in flight (at once when it has): counted in
 * (where it cannot be interrupted before the count is given back), its place given back as it
 * ends, or as its handler left running ends (to the next one waiting, else to whoever comes).
 * Only the wait is interruptible (the request cancelled, its HTTP request timed out): it waits no
 * more, and hands a wake-up it got on.
 */
const admitted = <A, E, R>(
  session: object,
  key: string,
  run: (admission: Admission) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) => {
    const attempt: Effect.Effect<A, E, R> = Effect.suspend(() => {
      const entry = entryOf(session, key)
      if (entry.count >= maxWindingDownPerRequestor) return Effect.andThen(restore(roomIn(session, key, entry)), attempt)
      entry.count++
      const admission = new Admission(session, key, entry)
      return Effect.ensuring(
        restore(run(admission)),
        Effect.sync(() => {
          if (!admission.handedOn) admission.release()
        })
      )
    })
    return attempt
  })

/**
 * Waits until one of `entry`'s ends (looked at again once woken: another request may have taken
 * the room first). Interrupted once woken, the room it was woken for goes to the next waiting
 * request (or, none waiting and nothing in flight, the entry is dropped).
 */
const roomIn = (session: object, key: string, entry: InFlight): Effect.Effect<void> =>
  Effect.onInterrupt(
    Effect.callback<void>((resume) => {
      const waiter = () => resume(Effect.void)
      entry.waiters.push(waiter)
      return Effect.sync(() => {
        const index = entry.waiters.indexOf(waiter)
        if (index >= 0) entry.waiters.splice(index, 1)
      })
    }),
    () =>
      Effect.sync(() => {
        if (entry.count >= maxWindingDownPerRequestor) return
        const next = entry.waiters.shift()
        if (next !== undefined) return next()
        if (entry.count === 0) forget(session, key, entry)
      })
  )

const toolTimedOut = (params: unknown, millis: number): Exit.Exit<CallToolResult> => {
  const name = typeof params === "object" && params !== null ? (params as { readonly name?: unknown }).name : undefined
  const text = `Tool ${typeof name === "string" ? name : "call"} timed out after ${millis} ms`
  return Exit.succeed({ content: [{ type: "text", text }], isError: true })
}

const requestTimedOut = (millis: number): Exit.Exit<never, McpError.McpError> =>
  Exit.fail(McpError.withoutStackTrace(() => new McpError.InternalError({ message: `Request timed out after ${millis} ms` })))
