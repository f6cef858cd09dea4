/**
 * A server run over a transport that speaks on the process's stdout logs to stderr
 * (`Transport.usesProcessStdout`), whatever runs the program: under `Effect.runPromise` or
 * `NodeRuntime.runMain` Effect's logger writes to stdout, where every log line (a handler's
 * `Effect.log`, the server's own warnings) broke the client's protocol stream. `Stdio.runMain`
 * did this already; a program of one's own did not.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"
import type { Transport } from "../Transport.ts"

/** `effect` with Effect's logs on stderr when `transport` speaks on the process's stdout. */
export const logsToStderrOver = <A, E, R>(transport: Transport<any>, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  transport.usesProcessStdout === true ? Effect.provideService(effect, References.LogToStderr, true) : effect
