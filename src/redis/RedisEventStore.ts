/**
 * The `EventStore` of Streamable HTTP resumability on Redis: the events of a 2025 session's SSE
 * streams, so a client that lost its connection resumes with `Last-Event-ID` (on the replica that
 * holds its session: 2025 sessions are routed by `Mcp-Session-Id`), while the server's memory holds
 * none of them.
 *
 * **Details**
 *
 * - The eviction rules of the in-memory store (`EventStore.makeMemory`), by the same options: at
 *   most `maxEventsPerStream` events per stream (the oldest go first; a client resuming from
 *   before them is refused, not answered with a gap), at most `maxStreamsPerSession` finished
 *   streams per session (the oldest created go first), live streams never evicted.
 * - Keys, under `<prefix>events:<sessionId>:`: `order` (a counter), `streams` (the session's
 *   streams by creation), `s:<streamId>` (a stream's next sequence number and flags) and
 *   `e:<streamId>` (its events, a list). Each append is one Lua script; a stream's keys expire
 *   `ttlMillis` after its last append (default one hour), the session's after the session's last,
 *   so a server that died leaves nothing behind for long. `forgetSession` waits for the session's
 *   appends still running (an append sent again after Redis lost its script would otherwise run
 *   after it and bring the keys back). A live stream quiet for longer (a
 *   standalone stream with nothing to say) still resumes from the last event it sent, and
 *   keeps what it sends after (a resumption from before that is refused: those events expired).
 * - Never a silent gap: sequence numbers are counted by the server that holds the stream. An append
 *   that failed (whether Redis kept the event is unknown) makes the stream unresumable: a
 *   resumption of it is refused (the client re-issues its request; the standalone GET stream is
 *   opened afresh) instead of skipping events. A stream Redis lost (it restarted without
 *   persistence, or the keys expired) is kept again from its next event on: a resumption from
 *   before that event is refused (or opened afresh, for the standalone stream), one after it
 *   answered.
 * - `retained` gives what a stream still keeps, its oldest gone past `maxEventsPerStream` (gaps
 *   allowed: what the endpoint sends again on a fresh standalone stream); nothing for a stream
 *   Redis lost, or marked as having lost an event. One whose append failed on this server only
 *   (unknown to Redis) still gives what Redis keeps: a gap is allowed here.
 * - A Redis that fails or does not answer within `timeoutMillis` fails the operation with a
 *   `StoreError`: the HTTP transport still sends the event (without an event id) and answers a
 *   resumption 503 "Store unavailable: EventStore" while it lasts. A stream pays that bound once:
 *   until Redis answers one of its appends again, the next ones are not waited for and fail at
 *   once (their events go without an id, not a time bound later each); one of them at a time is
 *   sent, to learn when Redis answers again (the others are not: the stream lost its events).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as NumericOptions from "../internal/options.ts"
import * as JsonRpc from "../protocol/JsonRpc.ts"
import { StoreError } from "../store/StoreError.ts"
import { EventStore, type EventStoreShape, type MemoryOptions, parseEventId, type StoredEvent } from "../transport/http/EventStore.ts"
import { checkStoreOptions, calls, resolve, type StoreOptions } from "./internal/store.ts"

/**
 * Options of the Redis event store: the bounds of the in-memory store, but integers >= 1 (not
 * `Infinity`: Redis trims a stream by a count), and how long keys live. Another value is a
 * `RangeError` naming it, from `layer` and `make`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends StoreOptions, MemoryOptions {
  /** How long a session's keys outlive its last append (default 3 600 000 ms). */
  readonly ttlMillis?: number | undefined
}

const appendLua = `
local streamId = ARGV[1]
local seq = tonumber(ARGV[2])
local broken = ARGV[5] == '1'
local maxEvents = tonumber(ARGV[6])
local maxFinished = tonumber(ARGV[7])
local base = ARGV[9]
local meta = redis.call('HMGET', KEYS[3], 'next', 'broken', 'finished')
if meta[1] then
  if tonumber(meta[1]) ~= seq or meta[2] == '1' then broken = true end
else
  -- Unknown to Redis past its first event (its keys expired while it was quiet, or Redis lost
  -- them): its list starts over at this event, whose position it then gives (a resumption from
  -- before it is refused, never answered with a gap). What may be left of the old list goes.
  if seq ~= 1 then redis.call('DEL', KEYS[4]) end
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[1]), streamId)
end
if broken then
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[3], 'next', ARGV[2] + 1, 'broken', '1')
else
  redis.call('RPUSH', KEYS[4], ARGV[3])
  redis.call('LTRIM', KEYS[4], -maxEvents, -1)
  redis.call('HSET', KEYS[3], 'next', ARGV[2] + 1)
end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
if ARGV[4] == '1' and meta[3] ~= '1' then
  redis.call('HSET', KEYS[3], 'finished', '1')
  local finished = {}
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local state = redis.call('HMGET', base .. 's:' .. id, 'next', 'finished')
    if not state[1] then
      redis.call('ZREM', KEYS[2], id)
    elseif state[2] == '1' then
      finished[#finished + 1] = id
    end
  end
  for i = 1, #finished - maxFinished do
    local id = finished[i]
    redis.call('DEL', base .. 's:' .. id, base .. 'e:' .. id)
    redis.call('ZREM', KEYS[2], id)
  end
end
return 1
`

const appendScript = Redis.script(
  (
    keys: readonly [order: string, streams: string, meta: string, events: string],
    streamId: string,
    seq: number,
    message: string,
    final: boolean,
    broken: boolean,
    maxEvents: number,
    maxFinished: number,
    ttlMillis: number,
    base: string
  ) => [...keys, streamId, seq, message, final ? 1 : 0, broken ? 1 : 0, maxEvents, maxFinished, ttlMillis, base],
  { lua: appendLua, numberOfKeys: 4 }
)

const replayLua = `
local meta = redis.pcall('HMGET', KEYS[1], 'next', 'broken')
if meta.err or not meta[1] or meta[2] == '1' then return false end
local nextSeq = tonumber(meta[1])
local seq = tonumber(ARGV[1])
if not nextSeq or seq >= nextSeq then return false end
local length = redis.pcall('LLEN', KEYS[2])
if type(length) ~= 'number' then return false end
local first = nextSeq - length
if seq + 1 < first then return false end
return redis.call('LRANGE', KEYS[2], seq + 1 - first, -1)
`

const replayScript = Redis.script(
  (meta: string, events: string, seq: number) => [meta, events, seq],
  { lua: replayLua, numberOfKeys: 2 }
).withReturnType<ReadonlyArray<string> | null>()

// The stream's events with its first kept sequence number in front (as a string); false when
// the stream is unknown, evicted, or lost an event (its list was dropped then).
const retainedLua = `
local meta = redis.pcall('HMGET', KEYS[1], 'next', 'broken')
if meta.err or not meta[1] or meta[2] == '1' then return false end
local nextSeq = tonumber(meta[1])
if not nextSeq then return false end
local events = redis.pcall('LRANGE', KEYS[2], 0, -1)
if events.err then return false end
table.insert(events, 1, tostring(nextSeq - #events))
return events
`

const retainedScript = Redis.script(
  (meta: string, events: string) => [meta, events],
  { lua: retainedLua, numberOfKeys: 2 }
).withReturnType<ReadonlyArray<string> | null>()

const forgetSessionLua = `
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  redis.call('DEL', ARGV[1] .. 's:' .. id, ARGV[1] .. 'e:' .. id)
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`

const forgetSessionScript = Redis.script(
  (order: string, streams: string, base: string) => [order, streams, base],
  { lua: forgetSessionLua, numberOfKeys: 2 }
)

/** Forgets one stream: its keys, and its entry in the session's streams (one call, one round trip). */
const forgetStreamScript = Redis.script(
  (meta: string, events: string, streams: string, streamId: string) => [meta, events, streams, streamId],
  { lua: "redis.call('DEL', KEYS[1], KEYS[2])\nredis.call('ZREM', KEYS[3], ARGV[1])", numberOfKeys: 3 }
)

/** A stored event's JSON as a JSON-RPC message; `undefined` when it is not one. */
const parseMessage = (json: string): JsonRpc.Message | undefined => {
  let message: unknown
  try {
    message = JSON.parse(json)
  } catch {
    return undefined
  }
  return typeof message === "object" && message !== null && (message as { readonly jsonrpc?: unknown }).jsonrpc === "2.0" &&
      ("method" in message || "id" in message)
    ? message as JsonRpc.Message
    : undefined
}

/** What this server knows of a stream it appends to: the next sequence number, and whether it lost an event. */
interface LocalStream {
  next: number
  broken: boolean
  /** Its last append that ended failed (the next is not waited for: see `append`). */
  failing: boolean
  /** One of its appends not waited for is still running (no other is sent: see `append`). */
  probing: boolean
}

/** The failure of an append not waited for: Redis has not answered the stream since one failed. */
const notWaited = new StoreError({
  store: "EventStore",
  message: "Redis has not answered this stream since one of its appends failed: the event was sent without waiting for it"
})

/**
 * Refuses an option out of range with a `RangeError` naming it and `who` took it (`prefix` goes
 * before each name: `events.` under `RedisStores`). The bounds are whole numbers: Redis trims a
 * list by a count, and `Infinity`, which the in-memory store takes, is none.
 *
 * @internal
 *
 * @since 0.2.0
 * @category validation
 */
export const checkOptions = (who: string, options: Options | undefined, prefix = ""): void => {
  if (options === undefined) return
  checkStoreOptions(who, options, prefix)
  NumericOptions.checkAll(who, options, {
    maxEventsPerStream: NumericOptions.integer(1),
    maxStreamsPerSession: NumericOptions.integer(1),
    ttlMillis: NumericOptions.integer(1)
  }, prefix)
}

/**
 * Builds the store on the `Redis` service.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<EventStoreShape, never, Redis.Redis> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const call = calls(redis)
    const { prefix, run } = resolve("EventStore", "events:", options)
    checkOptions("RedisEventStore.make", options)
    const maxEvents = options.maxEventsPerStream ?? 256
    const maxFinished = options.maxStreamsPerSession ?? 64
    const ttlMillis = options.ttlMillis ?? 3_600_000
    const append = call.script(appendScript)
    const replay = call.script(replayScript)
    const readRetained = call.script(retainedScript)
    const forgetAll = call.script(forgetSessionScript)
    const forgetOne = call.script(forgetStreamScript)
    // NOTE: session ids are the server's own (random base64url), so `<sessionId>:` never runs
    // into another session's keys.
    const baseOf = (sessionId: string) => `${prefix}${sessionId}:`
    // The streams this server appends to (live ones, and those that lost an event until forgotten).
    const local = new Map<string, Map<string, LocalStream>>()
    // The appends of each session still running, and what waits for them to end: `forgetSession`
    // (an append sent again after its script was reloaded, or on another connection, would run
    // after the forget and recreate the session's keys, left for `ttlMillis`).
    const appending = new Map<string, { count: number; readonly ended: Array<() => void> }>()
    const appendEnded = (sessionId: string, flight: { count: number; readonly ended: Array<() => void> }) =>
      Effect.sync(() => {
        if (--flight.count > 0) return
        appending.delete(sessionId)
        for (const resume of flight.ended) resume()
      })

    const forgetLocal = (sessionId: string, streamId: string) => {
      const streams = local.get(sessionId)
      if (streams === undefined) return
      streams.delete(streamId)
      if (streams.size === 0) local.delete(sessionId)
    }

    return EventStore.of({
      append: (sessionId: string, streamId: string, message: JsonRpc.Message, final?: boolean): Effect.Effect<string, StoreError> =>
        Effect.suspend(() => {
          let streams = local.get(sessionId)
          if (streams === undefined) local.set(sessionId, streams = new Map())
          let stream = streams.get(streamId)
          if (stream === undefined) streams.set(streamId, stream = { next: 1, broken: false, failing: false, probing: false })
          const current = stream
          const seq = current.next++
          const base = baseOf(sessionId)
          // As it is sent (a log's data JSON cannot hold made JSON); what cannot be sent at all
          // (the endpoint stores none of it) throws as `JSON.stringify` does: before the append is
          // counted among the session's (see `appending`), which it would never leave.
          const data = JsonRpc.stringify(message) ?? JSON.stringify(message)
          const appended = run(
            "append",
            append(
              [`${base}order`, `${base}streams`, `${base}s:${streamId}`, `${base}e:${streamId}`],
              streamId,
              seq,
              data,
              final === true,
              current.broken,
              maxEvents,
              maxFinished,
              ttlMillis,
              base
            )
          ).pipe(
            Effect.matchEffect({
              onFailure: (error) => {
                // Whether Redis kept it is unknown: the stream can no longer be resumed without doubt.
                current.broken = true
                current.failing = true
                return Effect.fail(error)
              },
              onSuccess: () => {
                current.failing = false
                if (final === true && !current.broken) forgetLocal(sessionId, streamId)
                return Effect.succeed(`${streamId}.${seq}`)
              }
            })
          )
          // Counted, and its end awaited, with no interruption between them.
          const counted = Effect.uninterruptibleMask((restore) => {
            let flight = appending.get(sessionId)
            if (flight === undefined) appending.set(sessionId, flight = { count: 0, ended: [] })
            flight.count++
            return Effect.ensuring(restore(appended), appendEnded(sessionId, flight))
          })
          if (!current.failing) return counted
          // Redis has not answered the stream since an append of it failed: this one fails at once
          // (its event goes without an id). Waited for, a Redis that stalls held each event of the
          // stream, and every message of its session after it, for a whole time bound. It is sent
          // (for Redis to mark the stream, counted for `forgetSession`) unless another such append
          // still runs: one at a time, as when each was waited for (sent each, a stream that sends
          // fast piled its events up in the client's queue for as long as Redis stalled). The
          // stream lost its events already: Redis keeps none of a broken stream's.
          if (current.probing) return Effect.fail(notWaited)
          current.probing = true
          const probe = Effect.ensuring(Effect.ignore(counted), Effect.sync(() => current.probing = false))
          // Started at once: counted before this returns, so that a `forgetSession` asked next
          // waits for it (started later, it ran after the forget and recreated the keys).
          return Effect.andThen(Effect.forkDetach(probe, { startImmediately: true }), Effect.fail(notWaited))
        }),
      replayAfter: (sessionId, eventId) =>
        Effect.suspend(() => {
          const parsed = parseEventId(eventId)
          const stream = parsed === undefined ? undefined : local.get(sessionId)?.get(parsed.streamId)
          if (parsed === undefined || stream?.broken === true) return Effect.succeed(undefined)
          const base = baseOf(sessionId)
          return Effect.map(
            run("replayAfter", replay(`${base}s:${parsed.streamId}`, `${base}e:${parsed.streamId}`, parsed.seq)),
            (events) => {
              // A live stream of this server whose keys expired while it was quiet, resumed from
              // the last event it sent: nothing is missing.
              if (events === null) return stream?.next === parsed.seq + 1 ? { streamId: parsed.streamId, events: [] } : undefined
              const messages: Array<JsonRpc.Message> = []
              for (const json of events) {
                const message = parseMessage(json)
                // An event this store did not write: the stream cannot be replayed without doubt.
                if (message === undefined) return undefined
                messages.push(message)
              }
              return {
                streamId: parsed.streamId,
                events: messages.map((message, i) => ({ id: `${parsed.streamId}.${parsed.seq + 1 + i}`, message }))
              }
            }
          )
        }),
      retained: (sessionId, streamId) =>
        Effect.suspend(() => {
          const base = baseOf(sessionId)
          return Effect.map(run("retained", readRetained(`${base}s:${streamId}`, `${base}e:${streamId}`)), (kept) => {
            if (kept === null || kept.length === 0) return []
            const first = Number(kept[0])
            const events: Array<StoredEvent> = []
            for (let i = 1; i < kept.length; i++) {
              const message = parseMessage(kept[i]!)
              // An event this store did not write: left out (a gap is allowed here).
              if (message !== undefined) events.push({ id: `${streamId}.${first + i - 1}`, message })
            }
            return events
          })
        }),
      forgetStream: (sessionId, streamId) =>
        Effect.suspend(() => {
          forgetLocal(sessionId, streamId)
          const base = baseOf(sessionId)
          return Effect.asVoid(run("forgetStream", forgetOne(`${base}s:${streamId}`, `${base}e:${streamId}`, `${base}streams`, streamId)))
        }),
      forgetSession: (sessionId) =>
        Effect.suspend(() => {
          local.delete(sessionId)
          const base = baseOf(sessionId)
          const forget = Effect.asVoid(run("forgetSession", forgetAll(`${base}order`, `${base}streams`, base)))
          // After the session's appends still running (each bounded by `timeoutMillis`).
          const flight = appending.get(sessionId)
          return flight === undefined
            ? forget
            : Effect.andThen(Effect.callback<void>((resume) => void flight.ended.push(() => resume(Effect.void))), forget)
        })
    })
  })

/**
 * The `EventStore` on the `Redis` service (see the module's doc); a `RangeError` for an option out of range.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<EventStore, never, Redis.Redis> => {
  checkOptions("RedisEventStore.layer", options)
  return Layer.effect(EventStore, make(options))
}
