/**
 * The Redis stores' calls as promises (`calls`, `lendPromises`, `promised`:
 * src/redis/internal/store.ts): on the `Redis` service `RedisStores.layer` makes, each store call is
 * the node-redis client's promise under a plain timer, in the caller's fiber (no fiber forked per
 * call, as `within` does for an effect), with what `within` guarantees: the call's outcome in time,
 * the same `StoreError` past its bound, the caller's interruption ending the wait at once, a late
 * answer dropped, no unhandled rejection, the timer cleared on every path.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import { createHash } from "node:crypto"
import { calls, lendPromises, promised, resolve } from "../../src/redis/internal/store.ts"
import * as RedisStores from "../../src/redis/RedisStores.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
import { EventStore } from "../../src/transport/http/EventStore.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

/** Node's live timers (`setTimeout` not cleared nor fired). */
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length

/** A promise settled by hand. */
const deferred = <A>() => {
  let settle!: { resolve: (a: A) => void; reject: (e: unknown) => void }
  const promise = new Promise<A>((resolve, reject) => void (settle = { resolve, reject }))
  return { promise, ...settle }
}

const failed = (cause: unknown) => `failed: ${String(cause)}`
const late = () => "late"

describe("promised (a Redis call's promise under its bound)", () => {
  it.live("in time: its value or its rejection; the timer cleared", () =>
    Effect.gen(function*() {
      const before = timers()
      assert.strictEqual(yield* promised(() => Promise.resolve(1), 10_000, failed, late), 1)
      assert.deepStrictEqual(yield* Effect.exit(promised(() => Promise.reject(new Error("boom")), 10_000, failed, late)), Exit.fail("failed: Error: boom"))
      const thrown = promised(() => {
        throw new Error("sync")
      }, 10_000, failed, late)
      assert.deepStrictEqual(yield* Effect.exit(thrown), Exit.fail("failed: Error: sync"))
      assert.strictEqual(timers(), before, "a timer was left behind")
    }))

  it.live("too slow: the timeout's error; a late answer or rejection dropped, never unhandled", () =>
    Effect.gen(function*() {
      const unhandled: Array<unknown> = []
      const onUnhandled = (reason: unknown) => void unhandled.push(reason)
      process.on("unhandledRejection", onUnhandled)
      try {
        const answer = deferred<number>()
        const rejection = deferred<number>()
        assert.deepStrictEqual(yield* Effect.exit(promised(() => answer.promise, 20, failed, late)), Exit.fail("late"))
        assert.deepStrictEqual(yield* Effect.exit(promised(() => rejection.promise, 20, failed, late)), Exit.fail("late"))
        answer.resolve(1)
        rejection.reject(new Error("too late"))
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
        assert.deepStrictEqual(unhandled, [])
      } finally {
        process.off("unhandledRejection", onUnhandled)
      }
    }))

  it.live("the caller interrupted: the wait ends at once, the timer cleared, the answer dropped", () =>
    Effect.gen(function*() {
      const before = timers()
      const answer = deferred<number>()
      const fiber = yield* Effect.forkChild(promised(() => answer.promise, 10_000, failed, late))
      yield* Effect.yieldNow
      assert.strictEqual(timers(), before + 1)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
      assert.strictEqual(timers(), before, "the timer was left behind")
      answer.resolve(1)
    }))

  it.live("through a store's run: the same StoreError texts as an effect's", () =>
    Effect.gen(function*() {
      const { run } = resolve("TaskStore", "tasks:", { timeoutMillis: 30 })
      const slow = yield* Effect.flip(run("get", () => new Promise<never>(() => undefined)))
      const slowEffect = yield* Effect.flip(run("get", Effect.never))
      assert.strictEqual(slow.message, "Redis did not answer get within 30 ms")
      assert.strictEqual(slow.message, slowEffect.message)
      const cause = new Error("ERR wrong")
      const failure = yield* Effect.flip(run("get", () => Promise.reject(cause)))
      assert.strictEqual(failure.message, "Redis failed get")
      assert.strictEqual(failure.cause, cause)
    }))
})

layer(TestRedis.layer, { excludeTestServices: true })("the stores' calls on a real Redis", (it) => {
  it.effect("a script as a promise: EVALSHA, loaded again after Redis forgot it; a script's error is the call's", () =>
    Effect.gen(function*() {
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      // A service lent the promises of its own `send` (as `RedisStores.layer` lends node-redis's).
      const sent: Array<string> = []
      const lentTo = lendPromises({ ...redis }, (command, args) => {
        sent.push(command)
        return Effect.runPromise(Effect.result(redis.send(command, ...args))).then((result) =>
          result._tag === "Success" ? result.success : Promise.reject(result.failure.cause)
        )
      })
      const lua = "redis.call('INCRBY', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])"
      const script = Redis.script((key: string, by: number) => [key, by], { lua, numberOfKeys: 1 }).withReturnType<string>()
      const { run } = resolve("TaskStore", "tasks:", {})
      const call = calls(lentTo).script(script)
      const key = `${uniquePrefix()}counter`
      yield* Effect.orDie(redis.send("SCRIPT", "FLUSH"))
      assert.strictEqual(yield* Effect.orDie(run("add", call(key, 2))), "2")
      assert.deepStrictEqual(sent, ["EVALSHA", "SCRIPT", "EVALSHA"])
      const sha = createHash("sha1").update(lua).digest("hex")
      assert.deepStrictEqual(yield* Effect.orDie(redis.send<ReadonlyArray<number>>("SCRIPT", "EXISTS", sha)), [1])
      assert.strictEqual(yield* Effect.orDie(run("add", call(key, 3))), "5")
      assert.deepStrictEqual(sent, ["EVALSHA", "SCRIPT", "EVALSHA", "EVALSHA"])
      const broken = calls(lentTo).script(Redis.script((k: string) => [k], { lua: "return redis.call('NOSUCHCOMMAND', KEYS[1])", numberOfKeys: 1 }))
      const failure = yield* Effect.flip(run("broken", broken(key)))
      assert.strictEqual(failure.message, "Redis failed broken")
      assert.include(String(failure.cause), "Unknown Redis command")
      // A service not lent any: its effects, as before.
      assert.isTrue(Effect.isEffect(calls(redis).send("PING")))
      assert.isFalse(Effect.isEffect(calls(lentTo).send("PING")))
    }))

  it.effect("RedisStores.layer: a task read forks no fiber per Redis call", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const options = { url, prefix, tasks: { recheckMillis: 60_000 } }
      const writer = Context.get(yield* Layer.build(RedisStores.layer(options)), TaskStore)
      const reader = Context.get(yield* Layer.build(RedisStores.layer(options)), TaskStore)
      const task = yield* writer.create({ owner: "session:a", method: "tools/call" })
      assert.strictEqual((yield* reader.get(task.taskId, "session:a")).taskId, task.taskId)
      const fiberId = Effect.map(Effect.forkChild(Effect.void), (fiber) => fiber.id)
      const first = yield* fiberId
      const reads = 50
      for (let i = 0; i < reads; i++) assert.strictEqual((yield* reader.get(task.taskId, "session:a")).taskId, task.taskId)
      const last = yield* fiberId
      // One fiber per read before (`within`'s); a few of the stores' own at most meanwhile.
      assert.isBelow(last - first - 1, reads / 5, `${last - first - 1} fibers forked over ${reads} reads`)
    }))

  it.effect("RedisStores.layer: forgetting a stream (at each SSE stream's end) forks no fiber, and forgets it", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const context = yield* Layer.build(RedisStores.layer({ url, prefix }))
      const events = Context.get(context, EventStore)
      const redis = Context.get(context, Redis.Redis)
      const streams = 50
      const message = { jsonrpc: "2.0" as const, method: "notifications/message", params: {} }
      for (let i = 0; i < streams; i++) yield* events.append("s", `stream${i}`, message)
      const keys = () => Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}*`))
      assert.isAbove((yield* keys()).filter((key) => key.includes(":stream")).length, 0)
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("ZCARD", `${prefix}events:s:streams`)), streams)
      const fiberId = Effect.map(Effect.forkChild(Effect.void), (fiber) => fiber.id)
      const first = yield* fiberId
      for (let i = 0; i < streams; i++) yield* events.forgetStream("s", `stream${i}`)
      const last = yield* fiberId
      // One fiber per forget before (`within`'s, over a DEL and a ZREM); a few of the stores' own at most.
      assert.isBelow(last - first - 1, streams / 5, `${last - first - 1} fibers forked over ${streams} forgets`)
      // Each stream's keys and its entry in the session's streams are gone.
      assert.deepStrictEqual((yield* keys()).filter((key) => key.includes(":stream")), [])
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("ZCARD", `${prefix}events:s:streams`)), 0)
    }))
})
