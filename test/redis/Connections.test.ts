/**
 * What `RedisStores.layer` leaves behind (a real redis-server): a close that ends at once clears
 * the timer that would destroy a client slow to close, and a connect abandoned after
 * `connectTimeoutMillis` (Redis frozen with SIGSTOP: it accepts and never answers) drops its
 * socket instead of keeping it until Redis answers.
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { createHook } from "node:async_hooks"
import { RedisStores } from "../../src/redis.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"

/**
 * The Node timers of delay `millis` created while `effect` runs, and how many are still pending
 * after it (async hooks: a timer is destroyed once it fires or is cleared).
 */
const timersOf = <A, E, R>(millis: number, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    let created = 0
    const pending = new Set<number>()
    const hook = createHook({
      init: (id, type, _trigger, resource) => {
        if (type !== "Timeout" || (resource as { readonly _idleTimeout?: unknown })._idleTimeout !== millis) return
        created++
        pending.add(id)
      },
      destroy: (id) => void pending.delete(id)
    })
    hook.enable()
    yield* Effect.ensuring(effect, Effect.sync(() => hook.disable()))
    return { created, pending: pending.size }
  })

layer(TestRedis.layer, { excludeTestServices: true })("RedisStores.layer's client", (it) => {
  it.effect("a scope that closes at once leaves no timer to destroy the client behind", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      // A delay nothing else uses: the timers counted are the close's.
      const timeoutMillis = 54_321
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis }), scope)
      // Destroy hooks run after the tick that cleared the timer: one more turn of the event loop.
      const timers = yield* timersOf(timeoutMillis, Effect.andThen(Scope.close(scope, Exit.void), Effect.sleep(10)))
      assert.isAtLeast(timers.created, 1, "the close armed no timer: nothing was observed")
      assert.strictEqual(timers.pending, 0, "a timer to destroy the closed client is still pending")
    }), 30_000)
})
