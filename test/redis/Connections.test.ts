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
import { readFileSync } from "node:fs"
import { RedisStores } from "../../src/redis.ts"
import { isStoreError } from "../../src/store/StoreError.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"

/**
 * The TCP connections to or from `port` that are established, as the kernel lists them (IPv4,
 * Linux): both ends of a connection on this machine, the one Redis has not accepted yet too.
 */
const establishedOn = (port: number): number =>
  readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1).filter((line) => {
    const [, local, remote, state] = line.trim().split(/\s+/)
    if (local === undefined || remote === undefined) return false
    const portOf = (address: string) => parseInt(address.split(":")[1]!, 16)
    return state === "01" && (portOf(local) === port || portOf(remote) === port)
  }).length

/** Polls `condition` until it holds (bounded: 100 × 20 ms). */
const until = (condition: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
    return condition()
  })

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

  it.effect("a connect abandoned after connectTimeoutMillis (Redis frozen) drops its connection at once, not when Redis answers", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      assert.isTrue(yield* until(() => establishedOn(redis.port) === 0), "no connection before the test")
      yield* redis.freeze
      yield* Effect.addFinalizer(() => redis.thaw)
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const built = yield* Effect.exit(
        Layer.buildWithScope(RedisStores.layer({ url: redis.url, timeoutMillis: 500, connectTimeoutMillis: 500 }), scope)
      )
      assert.isTrue(Exit.isFailure(built) && built.cause.reasons.some((reason) => reason._tag === "Fail" && isStoreError(reason.error)))
      // The client's end sent its FIN: neither end is established any more (Redis's, not accepted
      // yet, waits to be closed), while Redis is still frozen.
      assert.isTrue(yield* until(() => establishedOn(redis.port) === 0), `${establishedOn(redis.port)} connections still established`)
    }), 30_000)

  it.effect("after the abandoned connect, a reconnect strategy of the caller's is not run again (its sockets would die at once, for ever)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      yield* redis.freeze
      yield* Effect.addFinalizer(() => redis.thaw)
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      let retries = 0
      const reconnectStrategy = () => {
        retries++
        return 20
      }
      const built = yield* Effect.exit(
        Layer.buildWithScope(RedisStores.layer({ url: redis.url, connectTimeoutMillis: 300, client: { socket: { reconnectStrategy } } }), scope)
      )
      assert.isTrue(Exit.isFailure(built))
      yield* Effect.sleep(500)
      assert.strictEqual(retries, 0, "the client kept reconnecting after its connect was abandoned")
      assert.isTrue(yield* until(() => establishedOn(redis.port) === 0), `${establishedOn(redis.port)} connections still established`)
    }), 30_000)
})
