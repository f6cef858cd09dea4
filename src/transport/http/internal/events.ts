/**
 * The endpoint's view of the `EventStore`: what a store that fails means for a stream. The
 * in-memory store never fails and is used as it is; a provided store is wrapped:
 *
 * - an `append` that fails is logged and answers `undefined`: the event is sent without an event
 *   id (the store keeps it unresumable from then on, see `EventStore.append`), so a request is
 *   never failed, or held, by the store of its events;
 * - `forgetStream`/`forgetSession` that fail are logged (what they would drop expires in the store);
 * - `replayAfter` keeps its `StoreError`: the `GET` that resumes answers 503 "Store unavailable";
 * - `retained` too (logged; the fresh `GET` that reads it sends nothing again); a store without it
 *   is read with `replayAfter` from the stream's start (nothing once the stream lost its oldest).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as JsonRpc from "../../../protocol/JsonRpc.ts"
import type { StoreError } from "../../../store/StoreError.ts"
import type { EventStoreShape, StoredEvent } from "../EventStore.ts"
import { errorForLog } from "../../../internal/loggedCause.ts"

/** The events of a stream after an event id (see `EventStore.replayAfter`). */
export type Replay = { readonly streamId: string; readonly events: ReadonlyArray<StoredEvent> } | undefined

/** The event store as the endpoint uses it. */
export interface EndpointEvents {
  /** The event's id, or `undefined` when the store could not keep it. */
  readonly append: (
    sessionId: string,
    streamId: string,
    message: JsonRpc.Message,
    final?: boolean
  ) => Effect.Effect<string | undefined>
  readonly replayAfter: (sessionId: string, eventId: string) => Effect.Effect<Replay, StoreError>
  /** What a stream still keeps, gaps allowed (see `EventStore.retained`). */
  readonly retained: (sessionId: string, streamId: string) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreError>
  readonly forgetStream: (sessionId: string, streamId: string) => Effect.Effect<void>
  readonly forgetSession: (sessionId: string) => Effect.Effect<void>
}

const failed = (operation: string) => (error: StoreError) =>
  Effect.logWarning(`effect-mcp-server: the event store failed (${operation})`, errorForLog(error))

/** Wraps a provided store (see the module's doc). */
export const guard = (store: EventStoreShape): EndpointEvents => {
  const retained = store.retained
  return {
    append: (sessionId, streamId, message, final) =>
      Effect.catch(store.append(sessionId, streamId, message, final), (error) => Effect.as(failed("append")(error), undefined)),
    replayAfter: (sessionId, eventId) => Effect.tapError(store.replayAfter(sessionId, eventId), failed("replayAfter")),
    retained: (sessionId, streamId) =>
      Effect.tapError(
        retained !== undefined
          ? retained(sessionId, streamId)
          : Effect.map(store.replayAfter(sessionId, `${streamId}.0`), (replay) => replay?.events ?? []),
        failed("retained")
      ),
    forgetStream: (sessionId, streamId) => Effect.catch(store.forgetStream(sessionId, streamId), failed("forgetStream")),
    forgetSession: (sessionId) => Effect.catch(store.forgetSession(sessionId), failed("forgetSession"))
  }
}
