/**
 * `ReplicaChanges` on Redis pub/sub: the resource updates and resource list changes reported on
 * one replica (`McpServer.notifyResourceUpdated`, `McpServer.notifyResourceListChanged`) reach
 * the sessions and `subscriptions/listen` streams of every other replica of the server.
 *
 * **When to use**
 *
 * Replicas behind a load balancer, where the change is reported on one and a client listens on
 * another. Turned on with the stores, `RedisStores.layer({ url, prefix, resourceChanges: true })`,
 * or on a `Redis` service of your own with {@link layer}; provided around `serve`, as the stores
 * are. Off (the default), nothing is published nor followed.
 *
 * **Details**
 *
 * - One channel, `<prefix>resources:changes`: a replica's changes of one turn of its event loop
 *   go in one `PUBLISH` (up to 100 URIs a message, with the name of their server), after a tag of
 *   the replica that made them; the replica skips its own messages (it delivered them at once) and
 *   delivers the others' on its own sessions and streams as it would a change made there (a
 *   server only those of its own name).
 * - A message is at most 1 Mi characters: URIs that would make it longer go in the next; a URI
 *   longer by itself is not sent (dropped and counted, as below). A message received that is longer,
 *   not JSON or not of this shape (another program on the channel) is skipped unread.
 * - Bounded: the URIs waiting to be published are a set (a burst of updates of one URI is one),
 *   at most `maxPending` (default 1 024): past that, updates of other URIs are dropped and counted.
 * - Never in the way: the local delivery and the handler that reported the change go on whatever
 *   Redis does. A publish that fails (Redis down) or does not answer within `timeoutMillis` drops
 *   what it carried and what waits, counted, logged as a warning (at most every `warnEveryMillis`,
 *   default 10 s, with the count; a count not said yet is said when that time is past). Redis pub/sub drops what is published while a subscriber reconnects: such a change is
 *   not delivered there (a client re-reads the resource at its next update).
 * - The subscription reconnects by itself (subscribed again a second after its connection failed
 *   for good), and ends, unsubscribed, when the Layer's scope closes.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redis from "effect/persistence/Redis"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import * as NumericOptions from "../internal/options.ts"
import { type Change, ReplicaChanges } from "../server/ReplicaChanges.ts"
import { followChannel } from "./internal/channel.ts"
import { checkStoreOptions, calls, resolve, type StoreOptions } from "./internal/store.ts"

/**
 * Options of {@link layer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends StoreOptions {
  /**
   * How many updated URIs may wait to be published (default 1 024); past that, updates of other
   * URIs are dropped and counted (an update of a URI already waiting costs nothing).
   */
  readonly maxPending?: number | undefined
  /**
   * The shortest time between two warnings of changes not sent to the other replicas (default
   * 10 000 ms): changes dropped within it are counted and said, with their count, once it is past.
   * Shorter, a replica cut off its peers says so sooner (and more often); longer, its log is quieter.
   *
   * @since 0.2.0
   */
  readonly warnEveryMillis?: number | undefined
}

/**
 * Refuses options out of range with a `RangeError` naming the option (`prefix` before a nested one's name).
 *
 * @since 0.2.0
 * @category constructors
 */
export const checkOptions = (who: string, options: Options | undefined, prefix = ""): void => {
  if (options === undefined) return
  checkStoreOptions(who, options, prefix)
  NumericOptions.check(who, `${prefix}maxPending`, options.maxPending, NumericOptions.integer(1))
  NumericOptions.check(who, `${prefix}warnEveryMillis`, options.warnEveryMillis, NumericOptions.finiteMillis)
}

/** What waits to be published for one server. */
interface Pending {
  readonly uris: Set<string>
  listChanged: boolean
}

/** URIs in one message at most. */
const maxPerMessage = 100

/**
 * The longest message, in characters, sent or read: one longer is not parsed (a publisher of
 * another kind could put hundreds of megabytes on the channel). 100 URIs of 8 Ki characters, the
 * longest `resources/subscribe` takes, fit.
 */
const maxMessageLength = 1024 * 1024

/**
 * Builds the service on the `Redis` service: publishing and following until the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<ReplicaChanges["Service"], never, Redis.Redis | Scope.Scope> =>
  Effect.gen(function*() {
    checkOptions("RedisReplicaChanges.make", options)
    const redis = yield* Redis.Redis
    const call = calls(redis)
    const { prefix, run } = resolve("ReplicaChanges", "resources:", options)
    const channel = `${prefix}changes`
    const maxPending = options.maxPending ?? 1_024
    // The shortest time between two warnings of changes not sent.
    const warnEveryMillis = options.warnEveryMillis ?? 10_000
    /** This replica's messages start with it: it skips its own (it delivered them at once). */
    const origin = `${randomBytes(9).toString("base64url")}|`
    const listeners = new Set<(change: Change) => void>()

    // Waiting to be published, by server: a set of URIs, and whether the list changed.
    let pending = new Map<string, Pending>()
    // URIs waiting, of every server.
    let waiting = 0
    // Changes not sent since the last warning, and when it was.
    let dropped = 0
    let warnedAt = Number.NEGATIVE_INFINITY
    const droppedWhy = `more than ${maxPending} URIs waited, a URI too long, or Redis failed`
    const wake = yield* Queue.sliding<void>(1)
    const sender = Effect.gen(function*() {
      while (true) {
        if (dropped === 0) {
          yield* Queue.take(wake)
        } else {
          // Changes dropped since a warning less than `warnEveryMillis` ago: said when it is past,
          // unless changes to send come first (said after them, or later again).
          const woken = yield* Effect.timeoutOption(Queue.take(wake), Math.max(1, warnedAt + warnEveryMillis - Date.now()))
          if (Option.isNone(woken)) {
            yield* warnDropped(droppedWhy, undefined)
            continue
          }
        }
        while (pending.size > 0) {
          const [server, entry] = pending.entries().next().value!
          // The message's JSON, written here: `{"s":server,"u":[uris],"l":1}`, within maxMessageLength.
          const head = `${origin}{"s":${JSON.stringify(server)},"u":[`
          const tail = entry.listChanged ? `],"l":1}` : "]}"
          const uris: Array<string> = []
          let length = head.length + tail.length
          for (const uri of entry.uris) {
            if (uris.length === maxPerMessage) break
            const json = JSON.stringify(uri)
            if (length + json.length + 1 > maxMessageLength) {
              // In the next message; or never, when it does not fit in one by itself.
              if (uris.length > 0) break
              entry.uris.delete(uri)
              waiting--
              dropped++
              continue
            }
            length += json.length + 1
            uris.push(json)
            entry.uris.delete(uri)
          }
          waiting -= uris.length
          const carried = uris.length + (entry.listChanged ? 1 : 0)
          entry.listChanged = false
          if (entry.uris.size === 0) pending.delete(server)
          if (carried === 0) continue
          const sent = yield* Effect.exit(run("publish", call.send("PUBLISH", channel, head + uris.join(",") + tail)))
          if (Exit.isFailure(sent)) {
            // Redis is down or stalled: what waits would fail as well, one bound after another.
            dropped += carried + waiting
            for (const left of pending.values()) if (left.listChanged) dropped++
            pending = new Map()
            waiting = 0
            yield* warnDropped("Redis failed", sent.cause)
          }
        }
        // Those dropped past `maxPending` (Redis answering too slowly for the rate of updates), or too long.
        if (dropped > 0) yield* warnDropped(droppedWhy, undefined)
      }
    })
    const warnDropped = (why: string, cause: unknown) =>
      Effect.suspend(() => {
        const now = Date.now()
        if (now - warnedAt < warnEveryMillis) return Effect.void
        warnedAt = now
        const count = dropped
        dropped = 0
        const message = `effect-mcp-server: ${count} resource change${count === 1 ? "" : "s"} not sent to the other replicas (${why}); delivered on this replica only`
        return cause === undefined ? Effect.logWarning(message) : Effect.logWarning(message, cause)
      })
    yield* Effect.forkScoped(sender)

    const deliver = (change: Change) => {
      for (const listener of listeners) {
        try {
          listener(change)
        } catch {
          // A listener's failure is its own: the others, and the messages after, still arrive.
        }
      }
    }
    const received = (message: string) => {
      let body: { readonly s?: unknown; readonly u?: unknown; readonly l?: unknown }
      try {
        body = JSON.parse(message)
      } catch {
        return
      }
      if (typeof body !== "object" || body === null || typeof body.s !== "string") return
      const server = body.s
      if (body.l === 1) deliver({ _tag: "ResourceListChanged", server })
      if (!Array.isArray(body.u)) return
      const count = Math.min(body.u.length, maxPerMessage)
      for (let i = 0; i < count; i++) {
        const uri = body.u[i]
        if (typeof uri === "string") deliver({ _tag: "ResourceUpdated", server, uri })
      }
    }
    // Others' messages, without their tag (see `followChannel`); unsubscribed when the scope closes.
    yield* followChannel(redis, channel, origin, received, { maxLength: maxMessageLength })

    return ReplicaChanges.of({
      publish: (change) => {
        let entry = pending.get(change.server)
        if (change._tag === "ResourceListChanged") {
          if (entry === undefined) pending.set(change.server, entry = { uris: new Set(), listChanged: false })
          entry.listChanged = true
        } else if (entry?.uris.has(change.uri) === true) {
          return
        } else if (waiting < maxPending) {
          if (entry === undefined) pending.set(change.server, entry = { uris: new Set(), listChanged: false })
          entry.uris.add(change.uri)
          waiting++
        } else {
          dropped++
          return
        }
        Queue.offerUnsafe(wake, undefined)
      },
      subscribe: (listener) => {
        // Its own entry: one listener subscribed twice is stopped once per subscription.
        const entry = (change: Change) => listener(change)
        listeners.add(entry)
        return () => void listeners.delete(entry)
      }
    })
  })

/**
 * The service on the `Redis` service you provide (an option out of range is a `RangeError`
 * naming it, thrown here).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<ReplicaChanges, never, Redis.Redis> => {
  checkOptions("RedisReplicaChanges.layer", options)
  return Layer.effect(ReplicaChanges, make(options))
}
