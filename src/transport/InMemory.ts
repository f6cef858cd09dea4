/**
 * An in-memory linked pair: a server {@link Transport} and a client end that any JS MCP client
 * can use (it has the shape of the official SDK's `Transport`: `start`, `send`, `close`,
 * `onmessage`, `onclose`, `onerror`).
 *
 * Messages cross as objects, without serialisation, through the session's bounded Queues: a
 * client that sends faster than the server reads waits on `send`'s promise (backpressure).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { Connection } from "../session/Connection.ts"
import type { Transport } from "./Transport.ts"

/** The client end: structurally the official SDK's `Transport` interface. */
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

/** A linked pair: run `server` with a server; give `client` to a client. */
export interface Pair {
  readonly server: Transport
  readonly client: ClientTransport
}

/**
 * Makes a linked pair.
 *
 * **Details**
 *
 * Messages the client sends before the server runs are kept and delivered in order once it does.
 * `client.close()` ends the server's input (the session finishes in-flight work and ends);
 * `onclose` fires on the client once the server has written its last message.
 */
export const makePair = (): Pair => {
  let connection: Connection | undefined
  let early: Array<JsonRpc.Message> = []
  let closed = false
  // Sends that had to wait for room; later sends queue behind them so order is kept.
  let backlog: Promise<void> | undefined

  const offer = (conn: Connection, message: JsonRpc.Message): Promise<void> => {
    if (backlog === undefined && Queue.offerUnsafe(conn.inbound, message)) return Promise.resolve()
    const previous = backlog ?? Promise.resolve()
    const next: Promise<void> = previous.then(() => Effect.runPromise(Effect.asVoid(Queue.offer(conn.inbound, message))))
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
      if (connection === undefined) {
        early.push(message)
        return Promise.resolve()
      }
      return offer(connection, message)
    },
    close: () => {
      if (closed) return Promise.resolve()
      closed = true
      if (connection === undefined) {
        client.onclose?.()
        return Promise.resolve()
      }
      const conn = connection
      return (backlog ?? Promise.resolve()).then(() => void Queue.endUnsafe(conn.inbound))
    }
  }

  // A throwing client callback is the client's bug: report it there, keep the server running.
  const deliver = (message: JsonRpc.Message) => {
    try {
      client.onmessage?.(message)
    } catch (error) {
      client.onerror?.(error instanceof Error ? error : new Error(String(error)))
    }
  }

  const server: Transport = {
    run: (conn) =>
      Effect.gen(function*() {
        connection = conn
        const pending = early
        early = []
        for (const message of pending) yield* Queue.offer(conn.inbound, message)
        if (closed) yield* Queue.end(conn.inbound)
        while (true) {
          const batch = yield* Queue.takeAll(conn.outbound)
          for (let i = 0; i < batch.length; i++) deliver(batch[i]!.message)
        }
      }).pipe(
        Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.void),
        Effect.ensuring(Effect.sync(() => {
          closed = true
          client.onclose?.()
        }))
      ) as Effect.Effect<void>
  }

  return { server, client }
}
