/**
 * An effect that resumes its fiber on the next turn of the event loop (`setImmediate`), for every
 * fiber that waits in one turn through a single `setImmediate`.
 *
 * `Effect.yieldNow` would do the same, but it schedules through the fiber's own dispatcher, which
 * effect creates on a fiber's first yield and keeps for the fiber's life (a dispatcher, its
 * priority buckets and its bound callback: ~220 B per fiber, measured with 10,000 held background
 * tasks), and it costs one `setImmediate` per fiber. A callback resumes the fiber directly.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

let waiting: Array<(effect: Effect.Effect<void>) => void> = []

const resumeAll = (): void => {
  const resumes = waiting
  waiting = []
  for (let i = 0; i < resumes.length; i++) {
    try {
      resumes[i](Effect.void)
    } catch {
      // A fiber's own failure is its business: the others still start.
    }
  }
}

/** `setImmediate` where the runtime has it (Node, Bun, Deno); a zero timer elsewhere (workers). */
const schedule: (f: () => void) => void = typeof setImmediate === "function" ? setImmediate : (f) => void setTimeout(f, 0)

/** Resumes on the next turn of the event loop; an interrupted waiter's resumption is ignored by effect. */
export const nextTurn: Effect.Effect<void> = Effect.callback<void>((resume) => {
  if (waiting.push(resume) === 1) schedule(resumeAll)
})
