/**
 * A count of pieces of work under way that a stop waits for (SSE response bodies writing out what
 * their clients have not read, stores forgetting ended sessions, closed sessions' tasks being
 * removed), within a bound: started and ended with two plain field updates where the work starts
 * and ends, nothing per request; the waiter is resumed when the count falls to zero.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/**
 * The count, and the one waiter (`awaitNone`) resumed when it falls to zero.
 *
 * @internal
 */
export class WorkUnderWay {
  /** The pieces started and not ended. */
  count = 0
  private resumeAtNone: (() => void) | undefined = undefined

  /** A piece starts. */
  start(): void {
    this.count++
  }

  /** A piece ends (once per `start`). */
  end(): void {
    if (--this.count === 0) this.resumeAtNone?.()
  }

  /**
   * Waits until no piece is under way, at most `timeoutMillis`; past it, `onTimeout` runs with the
   * count left (a warning, a drain marked cut short). At once when none is.
   */
  awaitNone(timeoutMillis: number, onTimeout: (left: number) => Effect.Effect<void>): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.count === 0) return Effect.void
      const none = Effect.callback<void>((resume) => {
        if (this.count === 0) return resume(Effect.void)
        this.resumeAtNone = () => resume(Effect.void)
        return Effect.sync(() => {
          this.resumeAtNone = undefined
        })
      })
      return Effect.timeoutOrElse(none, {
        duration: timeoutMillis,
        orElse: () => Effect.suspend(() => onTimeout(this.count))
      })
    })
  }
}
