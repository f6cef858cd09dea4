/**
 * Server-Sent Events for Streamable HTTP: the framing of an event, the keep-alive comment, one
 * SSE response (a connection reading a bounded queue) and a logical stream (its events stored
 * under its id, delivered on its current connection).
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as JsonRpc from "../../../protocol/JsonRpc.ts"

/** The queue behind one SSE response (bounded: a client that does not keep up is dropped and resumes). */
export const newConnectionQueue = () => Effect.runSync(Queue.bounded<string, Cause.Done>(1024))

/** The headers of an SSE response (no caching or proxy buffering). */
export const sseHeaders = { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no", connection: "keep-alive" }

/** One event: its id (for resumption), the client's reconnection delay, and its data. */
export const frame = (id: string | undefined, data: string, retry?: number): string =>
  `${id === undefined ? "" : `id: ${id}\n`}${retry === undefined ? "" : `retry: ${retry}\n`}data: ${data}\n\n`

/** The SSE comment that keeps a quiet stream alive (clients ignore comments). */
export const keepAliveComment = ": keep-alive\n\n"

/** One HTTP response carrying an SSE stream; its body reads `queue`. */
export class SseConnection {
  readonly queue: Queue.Queue<string, Cause.Done>
  /** A response body is reading the queue (false before it starts and after the client left). */
  reading = false
  /**
   * The stream's last event was pushed here: once the response body has written everything out
   * (its end reached, not the client gone first), the stored events can go.
   */
  lastPushed = false
  constructor(queue: Queue.Queue<string, Cause.Done>) {
    this.queue = queue
  }
  push(data: string): boolean {
    return Queue.offerUnsafe(this.queue, data)
  }
  close(): void {
    Queue.endUnsafe(this.queue)
  }
}

/** A logical SSE stream: events stored under its id, delivered on its current connection (if any). */
export class SseStream {
  readonly streamId: string
  readonly requestId: JsonRpc.RequestId | undefined
  connection: SseConnection | undefined = undefined
  done = false
  /**
   * A stream no client can resume: a 2026-07-28 request's (that revision has no resumption), or
   * any of the shared stateless session (no GET reaches it: a stateless endpoint answers GET 405).
   * No priming event, no event ids, nothing stored, and closing it cancels the request.
   */
  unresumable = false
  constructor(streamId: string, requestId: JsonRpc.RequestId | undefined) {
    this.streamId = streamId
    this.requestId = requestId
  }
}
