/**
 * An in-memory linked pair: a server {@link Transport} and a client end that any JS MCP client
 * can use (it has the shape of the official SDK's `Transport`: `start`, `send`, `close`,
 * `onmessage`, `onclose`, `onerror`).
 *
 * Messages cross as objects, without serialisation. The client's messages go through a bounded
 * Queue the session takes from: a client that sends faster than the server reads waits on
 * `send`'s promise (backpressure).
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as NumericOptions from "../internal/options.ts"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { Outbound } from "../session/Connection.ts"
import type { Transport } from "../session/Transport.ts"

/**
 * The client end: structurally the official SDK's `Transport` interface.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientTransport {
  start(): Promise<void>
  send(message: JsonRpc.Message, options?: unknown): Promise<void>
  close(): Promise<void>
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: ((message: any, extra?: any) => void) | undefined
  sessionId?: string | undefined
  setProtocolVersion?: ((version: string) => void) | undefined
}

/**
 * A linked pair: run `server` with a server; give `client` to a client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pair {
  readonly server: Transport
  readonly client: ClientTransport
}

/**
 * Options of the in-memory pair.
 *
 * @since 0.1.0
 * @category models
 */
export interface PairOptions {
  /**
   * Capacity of the Queue of client messages waiting for the server. Default 1024 (an integer
   * >= 1, `Infinity`: no limit; another number is a `RangeError` naming it, from `makePair`).
   */
  readonly capacity?: number | undefined
}

/**
 * Makes a linked pair.
 *
 * **Details**
 *
 * Messages the client sends before the server runs are kept and delivered in order once it does.
 * `client.close()` ends the server's input (the session finishes in-flight work and ends);
 * `onclose` fires on the client once the server has written its last message.
 *
 * **Example** (A server and a client in one process)
 *
 * ```ts
 * import * as InMemory from "effect-mcp-server/InMemory"
 *
 * const pair = InMemory.makePair()
 * const serving = McpServer.serve(options, components, pair.server)
 * // `pair.client` is a transport for the SDK's `Client.connect`
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePair = (options: PairOptions = {}): Pair => {
  // 0 made every message wait for the server to take it; `NaN`, no bound.
  NumericOptions.check("InMemory.makePair", "capacity", options.capacity, NumericOptions.limit(1))
  let inbound: Queue.Queue<JsonRpc.Message, Cause.Done> | undefined
  let early: Array<JsonRpc.Message> = []
  let closed = false
  // Sends that had to wait for room; later sends queue behind them so order is kept.
  let backlog: Promise<void> | undefined

  const offer = (queue: Queue.Queue<JsonRpc.Message, Cause.Done>, message: JsonRpc.Message): Promise<void> => {
    if (backlog === undefined && Queue.offerUnsafe(queue, message)) return Promise.resolve()
    const next: Promise<void> = (backlog ?? Promise.resolve()).then(() =>
      Effect.runPromise(Effect.asVoid(Queue.offer(queue, message)))
    )
    backlog = next
    void next.finally(() => {
      if (backlog === next) backlog = undefined
    })
    return next
  }

  const client: ClientTransport = {
    start: () => Promise.resolve(),
    send: (message) => {
      if (closed) return Promise.reject(new Error("the in-memory transport is closed"))
      if (inbound === undefined) {
        early.push(message)
        return Promise.resolve()
      }
      return offer(inbound, message)
    },
    close: () => {
      if (closed) return Promise.resolve()
      closed = true
      const queue = inbound
      if (queue === undefined) {
        client.onclose?.()
        return Promise.resolve()
      }
      return (backlog ?? Promise.resolve()).then(() => void Queue.endUnsafe(queue))
    }
  }

  // A throwing client callback is the client's bug: report it there, keep the server running.
  const deliver = (message: JsonRpc.Outgoing) => {
    try {
      client.onmessage?.(message)
    } catch (error) {
      client.onerror?.(error instanceof Error ? error : new Error(String(error)))
    }
  }

  // Messages of a batch are delivered one microtask apart, as separate sends would be: the SDK v1
  // client runs notification handlers a microtask late but responses at once, so a progress
  // notification delivered in the same turn as its response would be dropped ("unknown token").
  const write = (batch: ReadonlyArray<Outbound>): Effect.Effect<void> =>
    batch.length === 1
      ? Effect.sync(() => deliver(batch[0]!.message))
      : Effect.promise(async () => {
        for (let i = 0; i < batch.length; i++) {
          if (i > 0) await undefined
          deliver(batch[i]!.message)
        }
      })

  const server: Transport = {
    open: Effect.gen(function*() {
      const queue = yield* Queue.bounded<JsonRpc.Message, Cause.Done>(options.capacity ?? 1024)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          closed = true
          client.onclose?.()
        })
      )
      inbound = queue
      const pending = early
      early = []
      for (const message of pending) yield* Queue.offer(queue, message)
      if (closed) yield* Queue.end(queue)
      return {
        // Everything queued is one batch; the queue ends (`Cause.Done`) when the client closes.
        read: Effect.map(Queue.takeAll(queue), (messages): ReadonlyArray<ReadonlyArray<unknown>> => [messages]),
        write
      }
    })
  }

  return { server, client }
}
