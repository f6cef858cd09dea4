/**
 * The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
 *
 * stdout carries only protocol messages (log with `Logger.LogToStderr`, see {@link logToStderr});
 * stdin is read pull-based, a whole chunk at a time, so a busy server stops reading instead of
 * buffering; every batch the session produced is written with one `write`. At end of input the
 * session finishes or cancels what is in flight, everything is flushed, and `run` returns (so a
 * process built on it exits with code 0).
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"
import { type Connection, TransportFailure } from "../session/Connection.ts"
import { encodeBatch, NdjsonDecoder } from "./internal/ndjson.ts"
import type { Transport } from "./Transport.ts"

/** Options of the stdio transport. */
export interface StdioOptions {
  /** Input stream; `process.stdin` by default. */
  readonly stdin?: Readable | NodeJS.ReadableStream | undefined
  /** Output stream; `process.stdout` by default. */
  readonly stdout?: Writable | NodeJS.WritableStream | undefined
  /** Largest accepted message in bytes (4 MiB by default); larger lines are discarded and answered with -32600. */
  readonly maxMessageBytes?: number | undefined
}

/** The default largest message: 4 MiB. */
export const defaultMaxMessageBytes = 4 * 1024 * 1024

/** Makes a stdio transport (or one over any pair of Node streams, e.g. a socket). */
export const make = (options: StdioOptions = {}): Transport =>
  ({ run: (connection) => run(connection, options) })

/**
 * Sends Effect's log output to stderr, as a stdio server must (stdout is the protocol).
 *
 * **Example** (Running a server on stdio)
 *
 * ```ts
 * server.run(Stdio.make()).pipe(Stdio.logToStderr, Effect.runFork)
 * ```
 */
export const logToStderr = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, Logger.LogToStderr, true)

/**
 * Runs a stdio server as the process's main program: logs go to stderr (including the report of
 * a failure, e.g. a broken stdout), SIGINT/SIGTERM interrupt it, and the exit code is 0 after a
 * clean end of input, 1 after a failure.
 *
 * **Example** (The main program of a stdio server)
 *
 * ```ts
 * server.run(Stdio.make()).pipe(Stdio.runMain)
 * ```
 */
export const runMain = <A, E>(effect: Effect.Effect<A, E>): void =>
  NodeRuntime.runMain(
    effect.pipe(
      Effect.tapCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("effect-mcp-server: the stdio server stopped", cause)
      ),
      logToStderr
    ),
    // NOTE: runMain's own report would be logged outside `logToStderr`, i.e. on stdout.
    { disableErrorReporting: true }
  )

const run = (connection: Connection, options: StdioOptions): Effect.Effect<void> =>
  Effect.gen(function*() {
    const stdin = options.stdin ?? process.stdin
    const stdout = (options.stdout ?? process.stdout) as Writable
    const decoder = new NdjsonDecoder(options.maxMessageBytes ?? defaultMaxMessageBytes)

    const reader = NodeStream.fromReadable<Uint8Array, TransportFailure>({
      evaluate: () => stdin,
      onError: (cause) => new TransportFailure({ message: "reading input failed", cause }),
      closeOnDone: false
    }).pipe(
      Stream.runForEachArray((chunks) => {
        const messages: Array<unknown> = []
        for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]!, messages)
        return messages.length === 0 ? Effect.void : Queue.offerAll(connection.inbound, messages)
      }),
      Effect.andThen(Effect.suspend(() => {
        const messages: Array<unknown> = []
        decoder.end(messages)
        return Queue.offerAll(connection.inbound, messages)
      })),
      Effect.andThen(Queue.end(connection.inbound)),
      Effect.catch((failure) => Queue.fail(connection.inbound, failure))
    )
    yield* Effect.forkChild(reader)

    yield* writeLoop(connection, stdout)
  })

/** Drains the outbound Queue: one write per batch, waiting for `drain` when the pipe is full. */
const writeLoop = (connection: Connection, stdout: Writable): Effect.Effect<void> => {
  let failed = false
  const onError = (cause: unknown) => {
    if (failed) return
    failed = true
    // A broken output ends the session: fail its input so it stops and interrupts in-flight work.
    Queue.failCauseUnsafe(
      connection.inbound,
      Cause.fail(new TransportFailure({ message: "writing output failed", cause }))
    )
  }
  const write = (data: string): Effect.Effect<void> =>
    Effect.callback<void>((resume) => {
      if (failed || stdout.write(data)) return resume(Effect.void)
      const done = () => {
        stdout.off("drain", done)
        stdout.off("error", done)
        resume(Effect.void)
      }
      stdout.on("drain", done)
      stdout.on("error", done)
      return Effect.sync(() => {
        stdout.off("drain", done)
        stdout.off("error", done)
      })
    })
  const flush = Effect.callback<void>((resume) => {
    if (failed || stdout.writableEnded) return resume(Effect.void)
    stdout.write("", () => resume(Effect.void))
  })
  return Effect.gen(function*() {
    stdout.on("error", onError)
    while (true) {
      const batch = yield* Queue.takeAll(connection.outbound)
      yield* write(encodeBatch(batch))
    }
  }).pipe(
    Effect.catch(() => flush), // the session is done: everything it queued was written
    Effect.ensuring(Effect.sync(() => stdout.off("error", onError)))
  )
}
