/**
 * Following a Redis pub/sub channel that several processes publish on, each message tagged with
 * its publisher (`<tag>|<body>`): what the task store's relay and `RedisReplicaChanges` share.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Redis from "effect/persistence/Redis"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"

/**
 * Follows `channel` for as long as the scope lasts (unsubscribed when it closes): another
 * process's message goes to `onMessage` without its tag; this process's own (tagged `origin`,
 * which ends with `|`) to `own` without it, or nowhere; one longer than `maxLength` nowhere, unread.
 * The subscriber reconnects by itself; should its queue fail, it subscribes again a second later.
 */
export const followChannel = (
  redis: Redis.Redis["Service"],
  channel: string,
  origin: string,
  onMessage: (body: string) => void,
  options: { readonly own?: ((body: string) => void) | undefined; readonly maxLength?: number | undefined } = {}
): Effect.Effect<void, never, Scope.Scope> => {
  const { maxLength = Number.POSITIVE_INFINITY, own } = options
  return Effect.asVoid(Effect.forkScoped(
    Effect.scoped(Effect.gen(function*() {
      const messages = yield* redis.subscribe(channel)
      while (true) {
        const { message } = yield* Queue.take(messages)
        if (message.length > maxLength) continue
        if (message.startsWith(origin)) {
          own?.(message.slice(origin.length))
          continue
        }
        onMessage(message.slice(message.indexOf("|") + 1))
      }
    })).pipe(Effect.retry(Schedule.spaced(1_000)), Effect.ignore)
  ))
}
