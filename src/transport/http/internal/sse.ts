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
import { parseEventId } from "../EventStore.ts"

/** The queue behind one SSE response (bounded: a client that does not keep up is dropped and resumes). */
export const newConnectionQueue = (capacity = 1024) => Effect.runSync(Queue.bounded<string, Cause.Done>(capacity))

/**
 * The headers of an SSE response (no caching or proxy buffering). No `Connection: keep-alive`:
 * Node's HTTP/1.1 server says it itself (keep-alive is HTTP/1.1's default), and HTTP/2 forbids
 * connection-specific headers (RFC 9113 §8.2.2): a fetch adapter on `node:http2` dropped it with a
 * warning, one that writes the stream's headers itself failed the response.
 */
export const sseHeaders = { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" }

/** One event: its id (for resumption), the client's reconnection delay, and its data. */
export const frame = (id: string | undefined, data: string, retry?: number): string =>
  `${id === undefined ? "" : `id: ${id}\n`}${retry === undefined ? "" : `retry: ${retry}\n`}data: ${data}\n\n`

/** The SSE comment that keeps a quiet stream alive (clients ignore comments). */
export const keepAliveComment = ": keep-alive\n\n"

/**
 * The SSE comment a response starts with when it has nothing else to write yet (a stream without
 * a priming event whose request has sent nothing, a resumption with nothing to replay): Node
 * sends a response's status and headers with its first bytes, so without it the client (and
 * any proxy) saw nothing of the response until the call sent something or the keep-alive came.
 */
export const openedComment = ": open\n\n"

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

/**
 * The connection of a stream being resumed while the event store reads its replay (a store not in
 * memory answers later): what the stream sends meanwhile is queued here (and still goes to the
 * connection it had, `previous`), to go out after the replay on the resuming connection, but for
 * the events the replay already holds (see {@link heldAfter}). Attached only once the replay was
 * read, the resuming connection missed the events stored in between: they went to no connection
 * (or to the one the client left), a silent gap, and a stream that ended in between was replayed
 * without its answer, then forgotten.
 */
export class HoldingConnection extends SseConnection {
  readonly previous: SseConnection | undefined
  /** `previous` did not take everything pushed since (it cannot be given back to its stream). */
  previousMissed = false
  constructor(previous: SseConnection | undefined) {
    super(newConnectionQueue())
    this.previous = previous
  }
  override push(data: string): boolean {
    if (this.previous !== undefined && !this.previous.push(data)) this.previousMissed = true
    return super.push(data)
  }
  override close(): void {
    this.previous?.close()
    super.close()
  }
}

/**
 * Moves what `holding` queued to `connection`, but the events of sequence `through` or before
 * (the replay sent them); whether `connection` took all of it.
 */
export const heldAfter = (holding: HoldingConnection, connection: SseConnection, through: number): boolean => {
  let queued = true
  for (let taken = Queue.takeUnsafe(holding.queue); taken !== undefined && taken._tag === "Success"; taken = Queue.takeUnsafe(holding.queue)) {
    const data = taken.value
    if (data.startsWith("id: ")) {
      const seq = parseEventId(data.slice(4, data.indexOf("\n")))?.seq
      if (seq !== undefined && seq <= through) continue
    }
    queued = connection.push(data) && queued
  }
  return queued
}

/** A logical SSE stream: events stored under its id, delivered on its current connection (if any). */
export class SseStream {
  readonly streamId: string
  readonly requestId: JsonRpc.RequestId | undefined
  connection: SseConnection | undefined = undefined
  done = false
  /**
   * A stream no client can resume: a 2026-07-28 request's (that revision has no resumption), any
   * of the shared stateless session (no GET reaches it: a stateless endpoint answers GET 405), or
   * a batch's ({@link BatchStream}). No priming event, no event ids, nothing stored, and closing
   * it cancels the request (a batch's, those not answered yet).
   */
  unresumable = false
  /**
   * An event went on it after its priming event, kept by the event store or not (its append
   * failed): a resumption from the priming event that the store cannot replay is refused, as
   * one that would hide events (dropped past `maxEventsPerStream`, or never kept), not taken for
   * a stream that has sent nothing yet. Set on an unresumable stream too: a request whose stream
   * opened for its silence is cut at its request timeout only while this is false (the reaper).
   */
  sent = false
  /**
   * The size of the events stored for it (their JSON's length, about their bytes): what its
   * grace once finished counts against `maxGracedBytesPerSession`.
   */
  bytes = 0
  constructor(streamId: string, requestId: JsonRpc.RequestId | undefined) {
    this.streamId = streamId
    this.requestId = requestId
  }
}

/**
 * The SSE stream of a POST whose body is a JSON-RPC batch (MCP 2025-03-26, see `batch.ts`): it
 * carries the answer of each of the batch's requests, and what each sends while it runs (as a
 * single request's stream does), and ends with the last answer. Unresumable (see
 * {@link SseStream.unresumable}): the client leaving it gives up the requests still running.
 */
export class BatchStream extends SseStream {
  /** The batch's requests not answered yet, by their id in the session. */
  readonly unanswered = new Set<JsonRpc.RequestId>()
  /**
   * Its requests are still being handed to the session: the stream does not end yet, even if every
   * request handed so far is answered.
   */
  starting = true
  constructor(streamId: string) {
    super(streamId, undefined)
    this.unresumable = true
  }
  /** Request `id` is answered (or given up): whether that ends the stream. */
  answered(id: JsonRpc.RequestId): boolean {
    this.unanswered.delete(id)
    return !this.starting && this.unanswered.size === 0
  }
}
