/**
 * The event store of Streamable HTTP resumability (SEP-1699): every message sent on an SSE stream
 * is kept under an event id that names its stream, so a client that lost the connection can
 * reconnect with `Last-Event-ID` and get exactly that stream's later events (never another's).
 *
 * A service with an in-memory layer (bounded per stream and per session); a shared store can
 * implement the same interface (`effect-mcp-server/redis`: the events on Redis, with the same
 * eviction rules).
 *
 * A store that fails (`StoreError`: its Redis is down) never fails a request: an event it could not
 * keep is still sent on the open stream, without an event id, and the stream can no longer be
 * resumed (resuming it would hide the lost event); a resumption (`GET` with `Last-Event-ID`)
 * while the store fails is answered HTTP 503 with -32603 "Store unavailable: EventStore"
 * (`McpError.storeUnavailable`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NumericOptions from "../../internal/options.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import type { StoreError } from "../../store/StoreError.ts"

/**
 * A message the event store kept for a stream, with the event id a client resumes after
 * (`Last-Event-ID`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredEvent {
  readonly id: string
  readonly message: JsonRpc.Message
}

/**
 * The store; event ids are `<streamId>.<sequence>`. Every operation fails with a `StoreError`
 * when what holds the events cannot be reached (never in memory).
 *
 * @since 0.1.0
 * @category services
 */
export class EventStore extends Context.Service<EventStore, {
  /**
   * Stores a message sent on a stream; returns its event id. `final` marks the stream's last
   * event (the answer of its request): a finished stream may be evicted, a live one never is.
   *
   * **Gotchas**
   *
   * After a failed append the stream must never be resumed (whether the event was kept is
   * unknown): `replayAfter` answers `undefined` for it from then on.
   */
  readonly append: (
    sessionId: string,
    streamId: string,
    message: JsonRpc.Message,
    final?: boolean
  ) => Effect.Effect<string, StoreError>
  /**
   * The stream an event id belongs to and that stream's events after it; `undefined` when the
   * stream is unknown or evicted, or when events after the id were dropped (the client cannot
   * resume without a gap: it must re-issue its request; the session's standalone GET stream has
   * none to re-issue, and the HTTP endpoint opens it afresh instead).
   */
  readonly replayAfter: (
    sessionId: string,
    eventId: string
  ) => Effect.Effect<{ readonly streamId: string; readonly events: ReadonlyArray<StoredEvent> } | undefined, StoreError>
  /**
   * The events a stream still keeps, in order, gaps allowed: past `maxEventsPerStream` its oldest
   * are gone, and what is left is given anyway (empty when the stream is unknown or evicted). Not
   * a resumption (that is `replayAfter`, which refuses a gap): the HTTP endpoint reads with it
   * the requests a standalone stream the client left carried, to send those still waiting again
   * on a fresh one.
   *
   * **Gotchas**
   *
   * Optional, for stores written before it: without it the endpoint reads the stream with
   * `replayAfter(sessionId, "<streamId>.0")`, which gives nothing once the stream carried more
   * than the store keeps (a standalone stream lives as long as its session), and the requests it
   * carried are not sent again.
   */
  readonly retained?: (sessionId: string, streamId: string) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreError>
  /** Drops a stream's events (it completed and the client received everything). */
  readonly forgetStream: (sessionId: string, streamId: string) => Effect.Effect<void, StoreError>
  /** Drops a session's events. */
  readonly forgetSession: (sessionId: string) => Effect.Effect<void, StoreError>
}>()("effect-mcp-server/EventStore") {
  /** The in-memory store. */
  static readonly layerMemory = (options: MemoryOptions = {}): Layer.Layer<EventStore> => {
    checkMemoryOptions(options)
    return Layer.sync(EventStore, () => makeMemory(options))
  }
}

/**
 * Bounds of the in-memory store: integers >= 1 (`Infinity`: no bound); another number is a
 * `RangeError` naming it, thrown by `layerMemory` and `makeMemory`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /**
   * Events kept per stream (the oldest go first; a client resuming from before them is refused,
   * not answered with a gap; the standalone GET stream is opened afresh instead). Default 256.
   */
  readonly maxEventsPerStream?: number | undefined
  /**
   * Finished streams kept per session for late resumption (the oldest go first). Live streams
   * are never evicted: they are bounded by the session's requests in flight. Default 64.
   */
  readonly maxStreamsPerSession?: number | undefined
}

/**
 * Splits an event id into its stream and sequence; `undefined` when it is not one of ours.
 *
 * @since 0.1.0
 * @category formatting
 */
export const parseEventId = (eventId: string): { readonly streamId: string; readonly seq: number } | undefined => {
  const dot = eventId.lastIndexOf(".")
  if (dot <= 0) return undefined
  const seq = Number(eventId.slice(dot + 1))
  return Number.isSafeInteger(seq) && seq >= 0 ? { streamId: eventId.slice(0, dot), seq } : undefined
}

interface Stream {
  nextSeq: number
  finished: boolean
  readonly events: Array<{ readonly seq: number; readonly message: JsonRpc.Message }>
}

/**
 * The in-memory store: it never fails.
 *
 * @since 0.2.0
 * @category models
 */
export interface MemoryEventStore extends EventStoreShape {
  readonly append: (sessionId: string, streamId: string, message: JsonRpc.Message, final?: boolean) => Effect.Effect<string>
  readonly replayAfter: (
    sessionId: string,
    eventId: string
  ) => Effect.Effect<{ readonly streamId: string; readonly events: ReadonlyArray<StoredEvent> } | undefined>
  readonly retained: (sessionId: string, streamId: string) => Effect.Effect<ReadonlyArray<StoredEvent>>
  readonly forgetStream: (sessionId: string, streamId: string) => Effect.Effect<void>
  readonly forgetSession: (sessionId: string) => Effect.Effect<void>
}

/**
 * What an event store does (the shape of the {@link EventStore} service).
 *
 * @since 0.2.0
 * @category models
 */
export type EventStoreShape = EventStore["Service"]

/**
 * Refuses a bound out of range: one of `NaN` kept every event (or dropped every finished
 * stream), one of 0 kept none, so no stream could be resumed.
 */
const checkMemoryOptions = (options: MemoryOptions): void =>
  NumericOptions.checkAll("EventStore", options, {
    maxEventsPerStream: NumericOptions.limit(1),
    maxStreamsPerSession: NumericOptions.limit(1)
  })

/**
 * Builds the in-memory store (a `RangeError` for a bound out of range).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): MemoryEventStore => {
  checkMemoryOptions(options)
  const maxEvents = options.maxEventsPerStream ?? 256
  const maxFinished = options.maxStreamsPerSession ?? 64
  const sessions = new Map<string, { readonly streams: Map<string, Stream>; finished: number }>()
  /** Evicts the oldest finished streams past the bound (insertion order is age order). */
  const evict = (session: { readonly streams: Map<string, Stream>; finished: number }) => {
    for (const [streamId, stream] of session.streams) {
      if (session.finished <= maxFinished) return
      if (!stream.finished) continue
      session.streams.delete(streamId)
      session.finished--
    }
  }
  return {
    append: (sessionId, streamId, message, final) =>
      Effect.sync(() => {
        let session = sessions.get(sessionId)
        if (session === undefined) sessions.set(sessionId, session = { streams: new Map(), finished: 0 })
        let stream = session.streams.get(streamId)
        if (stream === undefined) session.streams.set(streamId, stream = { nextSeq: 1, finished: false, events: [] })
        const seq = stream.nextSeq++
        stream.events.push({ seq, message })
        if (stream.events.length > maxEvents) stream.events.shift()
        if (final === true && !stream.finished) {
          stream.finished = true
          session.finished++
          evict(session)
        }
        return `${streamId}.${seq}`
      }),
    replayAfter: (sessionId, eventId) =>
      Effect.sync(() => {
        const parsed = parseEventId(eventId)
        if (parsed === undefined) return undefined
        const stream = sessions.get(sessionId)?.streams.get(parsed.streamId)
        if (stream === undefined || parsed.seq >= stream.nextSeq) return undefined
        const first = stream.events[0]?.seq ?? stream.nextSeq
        // Events after the client's last one were dropped: resuming would hide a gap.
        if (parsed.seq + 1 < first) return undefined
        return {
          streamId: parsed.streamId,
          events: stream.events
            .filter((event) => event.seq > parsed.seq)
            .map((event) => ({ id: `${parsed.streamId}.${event.seq}`, message: event.message }))
        }
      }),
    retained: (sessionId, streamId) =>
      Effect.sync(() =>
        sessions.get(sessionId)?.streams.get(streamId)?.events.map((event) => ({ id: `${streamId}.${event.seq}`, message: event.message })) ??
          []
      ),
    forgetStream: (sessionId, streamId) =>
      Effect.sync(() => {
        const session = sessions.get(sessionId)
        const stream = session?.streams.get(streamId)
        if (stream === undefined) return
        session!.streams.delete(streamId)
        if (stream.finished) session!.finished--
      }),
    forgetSession: (sessionId) =>
      Effect.sync(() => {
        sessions.delete(sessionId)
      })
  }
}
