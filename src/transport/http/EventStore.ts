/**
 * The event store of Streamable HTTP resumability (SEP-1699): every message sent on an SSE stream
 * is kept under an event id that names its stream, so a client that lost the connection can
 * reconnect with `Last-Event-ID` and get exactly that stream's later events (never another's).
 *
 * A service with an in-memory layer (bounded per stream and per session); a shared store (Redis)
 * can implement the same interface.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"

/** One stored event. */
export interface StoredEvent {
  readonly id: string
  readonly message: JsonRpc.Message
}

/** The store; event ids are `<streamId>.<sequence>`. */
export class EventStore extends Context.Service<EventStore, {
  /** Stores a message sent on a stream; returns its event id. */
  readonly append: (sessionId: string, streamId: string, message: JsonRpc.Message) => Effect.Effect<string>
  /** The stream an event id belongs to and that stream's events after it; `undefined` when unknown. */
  readonly replayAfter: (
    sessionId: string,
    eventId: string
  ) => Effect.Effect<{ readonly streamId: string; readonly events: ReadonlyArray<StoredEvent> } | undefined>
  /** Drops a stream's events (it completed and the client received everything). */
  readonly forgetStream: (sessionId: string, streamId: string) => Effect.Effect<void>
  /** Drops a session's events. */
  readonly forgetSession: (sessionId: string) => Effect.Effect<void>
}>()("effect-mcp-server/EventStore") {
  /** The in-memory store. */
  static readonly layerMemory = (options: MemoryOptions = {}): Layer.Layer<EventStore> =>
    Layer.sync(EventStore, () => makeMemory(options))
}

/** Bounds of the in-memory store. */
export interface MemoryOptions {
  /** Events kept per stream (the oldest go first). Default 256. */
  readonly maxEventsPerStream?: number | undefined
  /** Streams kept per session (the oldest go first). Default 64. */
  readonly maxStreamsPerSession?: number | undefined
}

/** Splits an event id into its stream and sequence; `undefined` when it is not one of ours. */
export const parseEventId = (eventId: string): { readonly streamId: string; readonly seq: number } | undefined => {
  const dot = eventId.lastIndexOf(".")
  if (dot <= 0) return undefined
  const seq = Number(eventId.slice(dot + 1))
  return Number.isSafeInteger(seq) && seq >= 0 ? { streamId: eventId.slice(0, dot), seq } : undefined
}

interface Stream {
  nextSeq: number
  readonly events: Array<{ readonly seq: number; readonly message: JsonRpc.Message }>
}

/** Builds the in-memory store. */
export const makeMemory = (options: MemoryOptions = {}): EventStore["Service"] => {
  const maxEvents = options.maxEventsPerStream ?? 256
  const maxStreams = options.maxStreamsPerSession ?? 64
  const sessions = new Map<string, Map<string, Stream>>()
  return EventStore.of({
    append: (sessionId, streamId, message) =>
      Effect.sync(() => {
        let streams = sessions.get(sessionId)
        if (streams === undefined) sessions.set(sessionId, streams = new Map())
        let stream = streams.get(streamId)
        if (stream === undefined) {
          if (streams.size >= maxStreams) streams.delete(streams.keys().next().value!)
          streams.set(streamId, stream = { nextSeq: 1, events: [] })
        }
        const seq = stream.nextSeq++
        stream.events.push({ seq, message })
        if (stream.events.length > maxEvents) stream.events.shift()
        return `${streamId}.${seq}`
      }),
    replayAfter: (sessionId, eventId) =>
      Effect.sync(() => {
        const parsed = parseEventId(eventId)
        if (parsed === undefined) return undefined
        const stream = sessions.get(sessionId)?.get(parsed.streamId)
        if (stream === undefined) return { streamId: parsed.streamId, events: [] }
        return {
          streamId: parsed.streamId,
          events: stream.events
            .filter((event) => event.seq > parsed.seq)
            .map((event) => ({ id: `${parsed.streamId}.${event.seq}`, message: event.message }))
        }
      }),
    forgetStream: (sessionId, streamId) =>
      Effect.sync(() => {
        sessions.get(sessionId)?.delete(streamId)
      }),
    forgetSession: (sessionId) =>
      Effect.sync(() => {
        sessions.delete(sessionId)
      })
  })
}
