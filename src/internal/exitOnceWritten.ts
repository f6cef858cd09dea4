/**
 * The end of a program that runs as the process's main program and ends by itself (a stdio server
 * at end of input, a CLI command once done): the process exits once stdout and stderr have written
 * what they hold, whatever else the program's modules left running.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/**
 * Exits with `process.exitCode` once stdout and stderr have written what they hold. The module's
 * top-level code runs in this process, and what it leaves running (an interval, a connection)
 * is no part of the program: Node would wait on it for ever after `inspect` printed, or after a
 * stdio server ended with its input. Scheduled, not awaited: the program ends first, so that
 * `runMain` still exits with a signal's code when a signal stopped it (it exits at once then).
 */
export const exitOnceWritten: Effect.Effect<void> = Effect.sync(() => {
  let pending = 2
  const written = () => {
    if (--pending === 0) process.exit()
  }
  // Called once what was written before is written, or the stream failed (a reader gone).
  process.stdout.write("", written)
  process.stderr.write("", written)
})
