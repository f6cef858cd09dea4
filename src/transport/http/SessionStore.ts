/**
 * The record of Streamable HTTP sessions: which ids exist, when each was last used, and the cap on
 * how many may exist. The live parts of a session (its queues and fibers) stay in the process that
 * serves it; this store is what a shared implementation (Redis) replaces so that every instance
 * agrees on which sessions exist and which are idle.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NumericOptions from "../../internal/options.ts"

/**
 * What is known of a session.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionRecord {
  readonly id: string
  readonly createdAt: number
  readonly lastActivity: number
}

/**
 * Where the Streamable HTTP transport records the sessions it serves, refusing a new one past its
 * cap (`makeMemory`: in memory, one process).
 *
 * @since 0.1.0
 * @category services
 */
export class SessionStore extends Context.Service<SessionStore, {
  /**
   * Records a new session; `false` when the cap is reached. Interrupted (the client that asked for
   * the session left) or dying, it is followed by a `remove` of the id: a record it wrote before
   * it was interrupted does not keep its place.
   */
  readonly create: (id: string, now: number) => Effect.Effect<boolean>
  /** Marks a session as used now; `false` when it does not exist. */
  readonly touch: (id: string, now: number) => Effect.Effect<boolean>
  /** What is known of a session now: a record that later `touch`es do not change. */
  readonly get: (id: string) => Effect.Effect<SessionRecord | undefined>
  readonly remove: (id: string) => Effect.Effect<void>
  /** The ids of sessions unused since `now - idleMillis`. */
  readonly idle: (now: number, idleMillis: number) => Effect.Effect<ReadonlyArray<string>>
  readonly size: Effect.Effect<number>
}>()("effect-mcp-server/SessionStore") {
  /**
   * The in-memory store, holding at most `maxSessions` (default 10 000; an integer >= 1,
   * `Infinity`: no limit; another number is a `RangeError` naming it).
   */
  static readonly layerMemory = (options: { readonly maxSessions?: number | undefined } = {}): Layer.Layer<SessionStore> => {
    checkMaxSessions(options.maxSessions)
    return Layer.sync(SessionStore, () => makeMemory(options))
  }
}

/** A `maxSessions` of `NaN` was no limit, and of 0 or less refused every session. */
const checkMaxSessions = (maxSessions: number | undefined): void =>
  NumericOptions.check("SessionStore", "maxSessions", maxSessions, NumericOptions.limit(1))

/**
 * What the in-memory store keeps of a session: its use stamped in place by `touch`, so that a
 * request allocates nothing (a `lastActivity` field holding a number already, V8 writes the new
 * one where the old one was); `get` hands out a copy, the `SessionRecord` a caller keeps never
 * changing under it.
 */
class MemoryRecord {
  readonly createdAt: number
  lastActivity: number
  constructor(now: number) {
    this.createdAt = now
    this.lastActivity = now
  }
}

/**
 * Builds the in-memory store (a `RangeError` for a `maxSessions` out of range).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (options: { readonly maxSessions?: number | undefined } = {}): SessionStore["Service"] => {
  checkMaxSessions(options.maxSessions)
  const maxSessions = options.maxSessions ?? 10_000
  const sessions = new Map<string, MemoryRecord>()
  return SessionStore.of({
    create: (id, now) =>
      Effect.sync(() => {
        if (sessions.size >= maxSessions) return false
        sessions.set(id, new MemoryRecord(now))
        return true
      }),
    touch: (id, now) =>
      Effect.sync(() => {
        const record = sessions.get(id)
        if (record === undefined) return false
        // In place: a new record per request was garbage at once (the store is touched by every POST).
        record.lastActivity = now
        return true
      }),
    get: (id) =>
      Effect.sync(() => {
        const record = sessions.get(id)
        return record === undefined ? undefined : { id, createdAt: record.createdAt, lastActivity: record.lastActivity }
      }),
    remove: (id) =>
      Effect.sync(() => {
        sessions.delete(id)
      }),
    idle: (now, idleMillis) =>
      Effect.sync(() => {
        const ids: Array<string> = []
        for (const [id, record] of sessions) if (now - record.lastActivity > idleMillis) ids.push(id)
        return ids
      }),
    size: Effect.sync(() => sessions.size)
  })
}
