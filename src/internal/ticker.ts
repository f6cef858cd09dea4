/**
 * A periodic chore of a long-lived object (the Streamable HTTP endpoint's reaper and keep-alive),
 * on a Node timer that holds neither the process nor the object: `unref`'d, so that a program
 * with nothing else to do exits (the HTTP server that brings the requests keeps it alive while
 * it serves), and reaching the object through a `WeakRef`, so that an object dropped without
 * being stopped (a `WebHandler` never disposed) can be collected, its timer ending at its next
 * tick.
 *
 * An Effect fiber sleeping between the runs did neither: its timer held the process open, and
 * through the fiber the object and all it reaches, so that each `WebHandler` never disposed
 * kept its whole server and two timers for ever (one made per request grew without bound).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import { forLog } from "./loggedCause.ts"
import { maxTimerMillis } from "./options.ts"

/** What a chore runs on: the object's own `runFork`, so that the timer holds no context of its own. */
export interface Owner {
  readonly runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
}

/**
 * Runs `chore(owner)` every `millis` (counted from the end of the last run, as a loop of sleeps
 * counts it) until the scope closes, which interrupts a run under way. `chore` is called with
 * the owner each time: it must hold no reference to it (define it at module level: a closure
 * made where the owner is in scope may keep it through that scope). A run that fails (a defect:
 * a store of one's own that throws) is logged, naming `what`, and the runs go on; a chore that
 * keeps failing is logged once, and again only after it has succeeded.
 */
export const every = <O extends Owner>(
  owner: O,
  millis: number,
  chore: (owner: O) => Effect.Effect<void>,
  what: string
): Effect.Effect<void, never, Scope.Scope> => {
  const ref = new WeakRef(owner)
  return Effect.asVoid(Effect.acquireRelease(Effect.sync(() => start(ref, millis, chore, what)), (stop) => stop))
}

/** Arms the first run; returns what stops the runs (the one under way interrupted). */
const start = <O extends Owner>(
  ref: WeakRef<O>,
  millis: number,
  chore: (owner: O) => Effect.Effect<void>,
  what: string
): Effect.Effect<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Fiber.Fiber<void> | undefined
  let stopped = false
  // The last run failed, and was logged.
  let failing = false
  // Past the longest delay a Node timer takes, it fires after 1 ms (with a warning): a longer wait
  // (a `keepAliveMillis` of days) is made of several.
  const arm = (wait = millis) => {
    timer = wait > maxTimerMillis ? setTimeout(() => arm(wait - maxTimerMillis), maxTimerMillis) : setTimeout(fire, wait)
    // Where timers are numbers (the web's, Cloudflare Workers'), there is nothing to unref.
    timer.unref?.()
  }
  const fire = () => {
    timer = undefined
    const owner = ref.deref()
    // Collected: nothing is left to look after.
    if (owner === undefined || stopped) return
    const fiber = owner.runFork(chore(owner))
    running = fiber
    fiber.addObserver((exit) => {
      running = undefined
      if (exit._tag === "Success") failing = false
      else if (!failing && !Cause.hasInterruptsOnly(exit.cause)) {
        failing = true
        // Without it, a chore that failed at every run did nothing, and nothing said so.
        ref.deref()?.runFork(Effect.logError(
          `effect-mcp-server: ${what} failed (it runs again every ${millis} ms; said again once it has succeeded)`,
          forLog(exit.cause)
        ))
      }
      if (!stopped) arm()
    })
  }
  arm()
  return Effect.suspend(() => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const fiber = running
    running = undefined
    return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
  })
}
