/**
 * The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
 *
 * stdout carries only protocol messages: a server run over the process's stdout logs to stderr
 * (`References.LogToStderr`, set by `McpServer.serve` and `run` for such a transport,
 * `Transport.usesProcessStdout`; {@link logToStderr} for one's own effects around it);
 * a client that closes the process's stderr loses its logs, nothing more (the server serves on);
 * stdin flows to the session's pending read, a whole chunk at a time, and is paused while the
 * session is busy, so a busy server stops reading instead of buffering; every batch the session
 * produced is written with one `write` (a batch of answers over 16 MiB in all: with several).
 * Under a graceful shutdown the input is still read while the session drains: the client's
 * answers to the server's requests (sampling, elicitation, roots) reach the handlers waiting on them, and a new request is answered -32000 "Server shutting down" (read
 * only while the output takes what is written: a client that sends on without reading is not
 * read further, so those answers do not pile up in memory). At end of input the session finishes or cancels what is in
 * flight, everything is flushed, and `run` returns (so a
 * process built on it exits with code 0, even when requests were cut short: see {@link runMain}),
 * however slowly the client reads. Under a graceful
 * shutdown (SIGTERM) a client that does not read its output does not hold the process: the flush
 * waits for it `shutdownTimeoutMillis` at most after the drain, then the drain is cut short
 * (exit 143). A request still running when the drain's `shutdownTimeoutMillis` runs out (at end
 * of input or under a shutdown) is interrupted and answered -32000 "Server shutting down"
 * (`McpError.stoppedByShutdownObject`), written before the output closes; its cleanup gets
 * `shutdownTimeoutMillis` more, then is left behind (the run ends without it). A client that
 * closes its end of the output (EPIPE: it quit or crashed, often closing stdin with it) has gone
 * away: that is an end of input (nothing more is read, the session drains, what it still writes is
 * dropped, `run` returns), not a failure. When the input fails (EIO, a pipe or socket closed before its end) or the run is
 * interrupted, nothing is drained, but the answers already produced are still flushed, within
 * `shutdownTimeoutMillis`, before `run` fails or ends interrupted.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import type { Readable, Writable } from "node:stream"
import { type Connection, type Outbound, TransportFailure } from "../session/Connection.ts"
import * as GracefulShutdown from "../session/GracefulShutdown.ts"
import { NdjsonDecoder, writeBatch } from "./internal/ndjson.ts"
import { redirectConsoleToStderr } from "../internal/console.ts"
import { exitOnceWritten } from "../internal/exitOnceWritten.ts"
import * as NumericOptions from "../internal/options.ts"
import type { Principal } from "../session/RequestContext.ts"
import type { Transport } from "../session/Transport.ts"

/**
 * Options of the stdio transport.
 *
 * @since 0.1.0
 * @category models
 */
export interface StdioOptions {
  /** Input stream; `process.stdin` by default. */
  readonly stdin?: Readable | NodeJS.ReadableStream | undefined
  /** Output stream; `process.stdout` by default. */
  readonly stdout?: Writable | NodeJS.WritableStream | undefined
  /**
   * Largest accepted message in bytes (4 MiB by default; an integer >= 1, `Infinity`: no limit);
   * larger lines are discarded as they stream in, a request's answered with -32600 and its id
   * once it ends (a notification's and a response's are not answered: the server's request that
   * a response answered fails).
   */
  readonly maxMessageBytes?: number | undefined
  /**
   * Who the client is. The MCP authorization spec leaves stdio to configuration (there is no HTTP
   * request to carry a token): the launching client and the environment vouch for the caller.
   * Handlers, middleware (`Authorization`), tasks and limits see it as the request's principal.
   * See {@link principalFromEnvironment}. Default: none.
   */
  readonly principal?: Principal | undefined
}

/**
 * The principal named by environment variables (default `MCP_SUBJECT`, and `MCP_SCOPES`,
 * space-separated): what a desktop client's configuration sets for a stdio server (`"env": {
 * "MCP_SUBJECT": "ada", "MCP_SCOPES": "notes:read" }`). `undefined` when the subject is not set.
 *
 * **Example**
 *
 * ```ts
 * McpServer.serve(options, components, Stdio.make({ principal: Stdio.principalFromEnvironment() }))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const principalFromEnvironment = (
  names: { readonly subject?: string | undefined; readonly scopes?: string | undefined } = {},
  environment: { readonly [name: string]: string | undefined } = process.env
): Principal | undefined => {
  const subject = environment[names.subject ?? "MCP_SUBJECT"]
  if (subject === undefined || subject.trim().length === 0) return undefined
  const scopes = (environment[names.scopes ?? "MCP_SCOPES"] ?? "").split(/\s+/).filter((scope) => scope.length > 0)
  return { subject: subject.trim(), scopes, claims: { source: "environment" } }
}

/**
 * The default largest message: 4 MiB.
 *
 * @since 0.1.0
 * @category limits
 */
export const defaultMaxMessageBytes = 4 * 1024 * 1024

/**
 * Makes a stdio transport (or one over any pair of Node streams, e.g. a socket). A
 * `maxMessageBytes` that is not an integer >= 1 (or `Infinity`) is a `RangeError` here: `NaN`
 * lifted the limit, 0 discarded every message. One socket for both that closes its output when
 * its input ends (`net`'s default, `allowHalfOpen: false`) is kept open after the end of its
 * input until the answers to what was in flight are written, then ended.
 *
 * **Example** (A stdio server that takes messages of up to 1 MiB)
 *
 * ```ts
 * McpServer.serve(options, components, Stdio.make({ maxMessageBytes: 1024 * 1024 })).pipe(Stdio.runMain)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: StdioOptions = {}): Transport => {
  NumericOptions.check("Stdio.make", "maxMessageBytes", options.maxMessageBytes, NumericOptions.limit(1))
  // On the process's stdout, a server logs to stderr however it is run (see `Transport`).
  return (options.stdout ?? process.stdout) === process.stdout ? { open: open(options), usesProcessStdout: true } : { open: open(options) }
}

/**
 * Sends Effect's log output to stderr, as a stdio server must (stdout is the protocol).
 *
 * **Example** (Running a server on stdio)
 *
 * ```ts
 * server.run(Stdio.make()).pipe(Stdio.logToStderr, Effect.runFork)
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const logToStderr = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, References.LogToStderr, true)

/**
 * Runs a stdio server as the process's main program: logs go to stderr (including the report of
 * a failure, e.g. a broken stdout), and so does what `console` writes to stdout (`console.log`,
 * `info`, `debug`, `dir`, `table`…: a handler's stray debug line would be no JSON-RPC message in
 * the protocol's stream; as `effect-mcp run` does); SIGTERM/SIGINT/SIGHUP stop taking requests (a new one
 * is answered -32000 "Server shutting down"; the client's answers to the server's requests are still
 * read, as Streamable HTTP takes them while it drains) and let in-flight requests finish (within
 * `shutdownTimeoutMillis`), as end of input does (a second signal, past 1 s after the first, stops at once);
 * the exit code is 0 at end of input (the client closed stdin: it ended the conversation), even
 * when its drain cut requests short (they were answered -32000); after a signal, 0 when its drain
 * was clean and 143 when it was cut short (a request still running, or output the client did not
 * read, after `shutdownTimeoutMillis`), the client closing stdin during that drain too, and so is
 * a drain of the end of input that cut requests short before the signal came, its answers still
 * being written (the signal decides, not the end of input, nor which came first); 130
 * (SIGINT), 143 (SIGTERM) or 129 (SIGHUP) when the signal came before it served (its Layer still building), 1
 * after a failure (see `GracefulShutdown.runMain`; a failed input's answers already produced are
 * written first, within `shutdownTimeoutMillis`). The process exits once the program has ended and
 * its output is written, even when something its modules left running would keep Node up (an
 * interval, a pool's or a client's connection opened at import): a client that went away, having
 * closed stdin without a signal, leaves no server behind. A signal before `runMain` is called (the
 * program's modules still loading) meets Node's default: the process ends by the signal, having
 * served nothing (no handler can be listening before the program's code runs).
 *
 * **Example** (The main program of a stdio server)
 *
 * ```ts
 * server.run(Stdio.make()).pipe(Stdio.runMain)
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const runMain = <A, E>(effect: Effect.Effect<A, E>): void => {
  redirectConsoleToStderr()
  GracefulShutdown.runMain(Effect.andThen(effect, exitOnceWritten), { logToStderr: true })
}

/** The listener of an input's errors once the session no longer reads it. */
const ignore = (): void => {}

/** The listener of the process's stderr errors (see `open`). */
const ignoreStderr = (): void => {}

const open = (options: StdioOptions): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function*() {
    const stdin = (options.stdin ?? process.stdin) as Readable
    const stdout = (options.stdout ?? process.stdout) as Writable
    const decoder = new NdjsonDecoder(options.maxMessageBytes ?? defaultMaxMessageBytes)
    // A process speaking MCP on its own stdout logs on its stderr, which a client may close (or
    // leave, as it goes): a log's write then fails with EPIPE, emitted on `process.stderr` after
    // the write returned (`console.error` ignores only the errors it sees at once). Unheard, that
    // error was uncaught: the process ended, every answer still due lost. Logs have nowhere to go
    // then; the protocol goes on. Kept after the session (the report of its end is a log too),
    // once per process.
    if (stdout === process.stdout && !process.stderr.listeners("error").includes(ignoreStderr)) {
      process.stderr.on("error", ignoreStderr)
    }
    // A graceful shutdown ends the input here (then it is read on for the client's answers while
    // the session drains: `readsOn`), and the process may stop once this scope has closed. Holding marks the program serving: a signal
    // before this (its Layer still building) is an interruption to `runMain`, exit 130/143.
    const shutdown = yield* GracefulShutdown.GracefulShutdown
    const release = shutdown.hold()
    yield* Effect.addFinalizer(() => Effect.sync(release))

    // The pending `read`, woken by input, end of input, a broken output or a shutdown.
    let waiting: (() => void) | undefined
    const wake = () => {
      const resume = waiting
      waiting = undefined
      resume?.()
    }

    // A broken output fails `read`, which ends the session.
    let failure: Exit.Exit<never, TransportFailure> | undefined
    // The client went away: it closed its end of the output (EPIPE: a client that quits or
    // crashes closes the server's stdin and stdout together, often while an answer is written).
    // Nobody is left to answer: the input ends there (nothing more is read), the session drains as
    // at end of input, and what it still writes is dropped. It failed the run ("the server
    // stopped", exit 1) as if the server had broken.
    let gone = false
    const onError = (cause: unknown) => {
      if (failure === undefined && (cause as { readonly code?: unknown } | null)?.code === "EPIPE") {
        gone = true
        unblock()
      } else {
        failure ??= Exit.fail(new TransportFailure({ message: "writing output failed", cause }))
      }
      wake()
    }
    stdout.on("error", onError)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        stdout.off("error", onError)
        // Writes the session gave up on (a client that does not read: see `flush`) may still
        // fail, as the client goes: that error has nowhere to go now, and must not be an
        // uncaught one (one listener at most, gone once the output has drained or closed).
        if (stdout.writableLength > 0 && !stdout.destroyed && !stdout.listeners("error").includes(ignore)) {
          stdout.on("error", ignore)
          const off = () => {
            stdout.off("error", ignore)
            stdout.off("drain", off)
            stdout.off("close", off)
          }
          stdout.on("drain", off)
          stdout.on("close", off)
        }
      })
    )

    // Writes waiting for the output to drain (its backpressure holds the session's reader, and so
    // the client). Once a graceful shutdown stopped the input, holding them back slows nobody
    // down: they are resumed (their batch is in the stream's buffer), and later writes do not
    // wait; the session drains, then waits for the output to drain (`flush`), within its shutdown
    // timeout. Else a client that stops reading holds the reader in its write forever: it never
    // learns of the shutdown, and the process never ends. (At a mere end of input the writes keep
    // waiting: a client that reads slowly gets every answer, however slowly.)
    let blocked: Set<() => void> | undefined
    const unblock = () => {
      if (blocked === undefined) return
      const resumes = blocked
      blocked = undefined
      for (const resume of resumes) resume()
    }
    const unblocked = (resume: () => void) => {
      if (blocked?.delete(resume) !== true || blocked.size > 0) return
      blocked = undefined
    }

    // Reading: stdin's chunks handed to the session's pending `read` (see `onData` below), its
    // end and failure told by Node's events. Hand-written instead of `NodeStream.fromReadable`:
    // that is a Stream, and loading `effect/Stream` and its Channel machinery is about 20 ms of an
    // installed server's start.
    let ended = false
    let inputFailure: Exit.Exit<never, TransportFailure> | undefined
    let stopped = false
    let stopTold = false
    let flushed = false
    // The input's end and failure, from its own events (what `stream.finished` tells, without
    // importing `node:stream`: Node makes an ES module of a built-in that is imported, at link
    // time; with `node:buffer`'s below, 0.2–1.1 ms of a bundled stdio server's start, side by side).
    const fail = (cause: unknown) => {
      inputFailure ??= Exit.fail(new TransportFailure({ message: "reading input failed", cause }))
      wake()
      // The input failed: the reader must learn it, not wait in a write the client may never take.
      unblock()
    }
    const onEnd = () => {
      ended = true
      wake()
    }
    const onClose = () => {
      if (stdin.readableEnded) wake()
      else fail(new Error("the input closed before its end"))
    }
    // One duplex for both (a socket) that closes its output when its input ends (`net`'s default,
    // `allowHalfOpen: false`): the answers to what was in flight at the end of input, which the
    // session still writes, were written after the end, lost (the client that half-closed, as a
    // stdio client closes stdin, got nothing, and the run failed). It stays open for them, and is
    // ended once the session is done.
    if (stdin === (stdout as unknown) && (stdin as Readable & { allowHalfOpen?: boolean }).allowHalfOpen === false) {
      ;(stdin as Readable & { allowHalfOpen: boolean }).allowHalfOpen = true
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          if (!stdout.writableEnded && !stdout.destroyed) stdout.end()
        })
      )
    }
    // Chunks the input delivered that the session has not read yet: kept while it is busy (no
    // read pending), the input paused meanwhile (see `onData`). One array for the connection:
    // a read decodes what it holds and empties it, synchronously (no chunk comes meanwhile).
    const received: Array<Uint8Array | string> = []
    // The input was paused here (a chunk came while the session was busy).
    let paused = false
    // Flowing: each chunk goes to the pending read in the event that delivers it. 'readable'
    // came through `process.nextTick` (one tick object, and a turn of the tick queue, per chunk:
    // about a tenth of a sequential call's instructions), then took the chunk with two `read`s.
    // A chunk that comes while the session is busy is kept, and the input paused: it holds what
    // comes next (in its buffer, then the pipe: the client's writes wait) until the session
    // reads again, as in paused mode: a busy server stops reading instead of buffering.
    const onData = (chunk: Uint8Array | string) => {
      received.push(chunk)
      wake()
      if (received.length > 0 && !paused) {
        paused = true
        stdin.pause()
      }
    }
    stdin.on("data", onData)
    // An input paused by a reader before (a session that ran on it in turn) flows again.
    if (stdin.readableFlowing === false) stdin.resume()
    stdin.on("end", onEnd)
    stdin.on("error", fail)
    stdin.on("close", onClose)
    if (stdin.destroyed && !stdin.readableEnded) fail(stdin.errored ?? new Error("the input closed before its end"))
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        stdin.off("data", onData)
        // What the session did not read stays the input's, in order, for whoever reads it next
        // (a flowing input without a reader would drop it).
        stdin.pause()
        if (!stdin.readableEnded) for (let i = received.length - 1; i >= 0; i--) stdin.unshift(received[i]!)
        received.length = 0
        stdin.off("end", onEnd)
        stdin.off("close", onClose)
        // An input may still fail after its end, as it is torn down: that error has nowhere to go
        // now, and must not be an uncaught one (until the input has closed, once per input).
        stdin.off("error", fail)
        if (!stdin.closed && !stdin.listeners("error").includes(ignore)) {
          stdin.on("error", ignore)
          stdin.once("close", () => stdin.off("error", ignore))
        }
      })
    )
    // A graceful shutdown ends the input: nothing more is read. A listener, not a fiber waiting
    // for it: one fork less on the start of every stdio server.
    // Read on while the session drains, it is read only while the output takes what the session
    // writes (below its high-water mark): the writes no longer wait for the client (see `blocked`),
    // so a client that sends on without reading had every request read and answered -32000 into
    // the output's buffer, unbounded, for as long as the drain and its flush lasted.
    const stopListening = shutdown.onRequest(() => {
      stopped = true
      stdout.on("drain", wake)
      stdout.on("close", wake)
      wake()
      unblock()
    })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        stopListening()
        stdout.off("drain", wake)
        stdout.off("close", wake)
      })
    )
    const done = Exit.fail(Cause.Done())

    // One read at a time (the session's read loop): its `resume`, and one `attempt` and one
    // cleanup for all reads, not a closure and an effect made per read (per request when they
    // come one at a time).
    let resume: (effect: Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, TransportFailure | Cause.Done>) => void = () => {}
    const attempt = (): void => {
      if (failure !== undefined) return resume(failure) // the output broke: the session ends
      if (gone) return resume(done)
      // A graceful shutdown ends the input once (the session drains), then it is read on while
      // the session drains (`readsOn`): the client's answers to the server's requests.
      if (stopped && !stopTold) {
        stopTold = true
        return resume(done)
      }
      // Read on only as fast as the client takes the answers (see `stopListening`).
      if (stopped && stdout.writableNeedDrain && !stdout.destroyed) {
        waiting = attempt
        return
      }
      if (received.length > 0) {
        const messages: Array<unknown> = []
        for (let i = 0; i < received.length; i++) decoder.push(received[i]!, messages)
        received.length = 0
        // Taken: the input flows again (what it holds comes as the session reads on).
        if (paused) {
          paused = false
          stdin.resume()
        }
        return resume(Exit.succeed([messages]))
      }
      if (inputFailure !== undefined) return resume(inputFailure)
      if (ended || stdin.readableEnded) {
        if (flushed) return resume(done)
        flushed = true
        const messages: Array<unknown> = []
        decoder.end(messages) // a last line without a newline
        return resume(messages.length > 0 ? Exit.succeed([messages]) : done)
      }
      waiting = attempt
    }
    const stopWaiting = Effect.sync(() => {
      waiting = undefined
    })
    const read = Effect.callback<ReadonlyArray<ReadonlyArray<unknown>>, TransportFailure | Cause.Done>((resumeRead) => {
      resume = resumeRead
      attempt()
      return stopWaiting
    })

    // An output closed without an error (a stream of one's own destroyed, or ended, by its owner):
    // what was written to it is lost, and Node says nothing of a write to it (no 'error', no
    // 'drain', no 'close' again), which waited for ever, the session with it. It ends the session,
    // as a broken output does.
    const closed = (): Exit.Exit<never, TransportFailure> =>
      failure ??= Exit.fail(new TransportFailure({ message: "writing output failed: the output is closed" }))
    const writeOut = (text: string): boolean => stdout.write(text)
    // After a write the output did not take whole: waits for it to drain (its backpressure). One
    // effect for every write, and the write itself no callback: a write the output takes (nearly
    // every one) makes nothing but its text.
    const drained = Effect.callback<void, TransportFailure>((resume) => {
      if (gone) return resume(Effect.void)
      if (stdout.destroyed) return resume(closed())
      if (stopped) return resume(Effect.void) // nothing more is to be read: see `blocked`
      const done = () => {
        stdout.off("drain", done)
        stdout.off("close", done)
        unblocked(done)
        // Closed before it drained: its error (if any) came first, and is the failure (none
        // when the client went away).
        resume(stdout.destroyed && !gone ? closed() : Effect.void)
      }
      stdout.on("drain", done)
      stdout.on("close", done)
      ;(blocked ??= new Set()).add(done)
      return Effect.sync(() => {
        stdout.off("drain", done)
        stdout.off("close", done)
        unblocked(done)
      })
    })
    const write = (batch: ReadonlyArray<Outbound>): Effect.Effect<void, TransportFailure> =>
      Effect.suspend(() => {
        if (failure !== undefined) return failure
        if (gone) return Effect.void // the client went away: nobody reads it
        if (stdout.destroyed || stdout.writableEnded) return closed()
        return writeBatch(batch, writeOut) ? Effect.void : drained
      })

    // The last writes reach the pipe before the process may exit (the session bounds the wait).
    const flush = Effect.callback<void>((resume) => {
      if (stdout.writableEnded || stdout.destroyed || stdout.writableLength === 0) return resume(Effect.void)
      stdout.write("", () => resume(Effect.void))
    })

    // How much of the output the client took, within a write too: a write of several MB of
    // answers ends (drains) once the client has read all of it, seconds later for a client that
    // reads them as they come; its stream's buffered length stays whole until then, but the
    // handle's write queue shrinks as the pipe takes it (libuv's count, which Node keeps on a pipe
    // or socket handle as `writeQueueSize`). Looked at only when a handler's logs overflow (see
    // `Connection.taken`); a stream without it (one's own) counts finished writes only.
    let queued = 0
    let taken = 0
    const handle = (stdout as { readonly _handle?: { readonly writeQueueSize?: unknown } })._handle
    const takenOut = handle !== undefined && typeof handle.writeQueueSize === "number"
      ? () => {
        const size = handle.writeQueueSize as number
        if (size < queued) taken += queued - size
        queued = size
        return taken
      }
      : undefined
    return { read, write, flush, readsOn: true, principal: options.principal, taken: takenOut }
  })
