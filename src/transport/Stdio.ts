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
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"
import { type Connection, type Outbound, TransportFailure } from "../session/Connection.ts"
import * as GracefulShutdown from "../session/GracefulShutdown.ts"
import { encodeBatch, NdjsonDecoder } from "./internal/ndjson.ts"
import type { Transport } from "../session/Transport.ts"

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
export const make = (options: StdioOptions = {}): Transport => ({ open: open(options) })

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
 * a failure, e.g. a broken stdout); SIGTERM/SIGINT stop reading input and let in-flight requests
 * finish (within `shutdownTimeoutMillis`), as end of input does (a second signal stops at once);
 * the exit code is 0 after a clean end of input or drain, 143 when the drain was cut short, 1
 * after a failure (see `GracefulShutdown.runMain`).
 *
 * **Example** (The main program of a stdio server)
 *
 * ```ts
 * server.run(Stdio.make()).pipe(Stdio.runMain)
 * ```
 */
export const runMain = <A, E>(effect: Effect.Effect<A, E>): void =>
  GracefulShutdown.runMain(effect, { logToStderr: true })

const open = (options: StdioOptions): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function*() {
    const stdin = options.stdin ?? process.stdin
    const stdout = (options.stdout ?? process.stdout) as Writable
    const decoder = new NdjsonDecoder(options.maxMessageBytes ?? defaultMaxMessageBytes)
    // A graceful shutdown ends the input here (nothing more is read); the session drains, and the
    // process may stop once this scope has closed.
    const shutdown = yield* GracefulShutdown.GracefulShutdown
    const release = shutdown.hold()
    yield* Effect.addFinalizer(() => Effect.sync(release))

    // A broken output (EPIPE, ...) fails the inbound Stream, which ends the session.
    const broken = Deferred.makeUnsafe<never, TransportFailure>()
    let failure: Exit.Exit<never, TransportFailure> | undefined
    const onError = (cause: unknown) => {
      failure ??= Exit.fail(new TransportFailure({ message: "writing output failed", cause }))
      Deferred.doneUnsafe(broken, failure)
    }
    stdout.on("error", onError)
    yield* Effect.addFinalizer(() =>
      // Let the last writes reach the pipe before the process may exit.
      Effect.callback<void>((resume) => {
        stdout.off("error", onError)
        if (stdout.writableEnded || stdout.destroyed) return resume(Effect.void)
        stdout.write("", () => resume(Effect.void))
      })
    )

    const inbound = NodeStream.fromReadable<Uint8Array, TransportFailure>({
      evaluate: () => stdin,
      onError: (cause) => new TransportFailure({ message: "reading input failed", cause }),
      closeOnDone: false
    }).pipe(
      Stream.mapArray((chunks) => {
        const messages: Array<unknown> = []
        for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]!, messages)
        return [messages] as const
      }),
      Stream.concat(Stream.suspend(() => {
        const messages: Array<unknown> = []
        decoder.end(messages)
        return Stream.make(messages)
      })),
      Stream.interruptWhen(Deferred.await(broken)),
      Stream.interruptWhen(shutdown.requested)
    )

    const write = (batch: ReadonlyArray<Outbound>): Effect.Effect<void, TransportFailure> =>
      Effect.callback<void, TransportFailure>((resume) => {
        if (failure !== undefined) return resume(failure)
        if (stdout.write(encodeBatch(batch))) return resume(Effect.void)
        const done = () => {
          stdout.off("drain", done)
          stdout.off("close", done)
          resume(failure ?? Effect.void)
        }
        stdout.on("drain", done)
        stdout.on("close", done)
        return Effect.sync(() => {
          stdout.off("drain", done)
          stdout.off("close", done)
        })
      })

    return { inbound, write }
  })
