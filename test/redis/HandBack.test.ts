/**
 * Graceful hand-backs between replicas, in one process: supervisors over store instances of one
 * real Redis (each its own client and lease holder, as replicas). A replica that stops gracefully
 * hands its tasks' leases back; it starts no take-over once its stop is requested, and a
 * hand-back is no crash: it does not spend one of the `maxTakeOvers` take-overs.
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { RedisTaskStore } from "../../src/redis.ts"
import type { Orphan, TaskStore } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

const A = "session:a"

const sleep = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** A store on a new client of the test Redis (a replica of its own), under `prefix`. */
const onRedis = (prefix: string) =>
  Effect.gen(function*() {
    const server = yield* TestRedis
    const context = yield* Layer.build(redisClient(server.url))
    return yield* Effect.provideContext(RedisTaskStore.make({ prefix }), context)
  }).pipe(Effect.orDie)

/** Waits for `deferred`, or dies after `millis` (every wait of a test bounded). */
const within = <A>(deferred: Deferred.Deferred<A>, millis: number, what: string) =>
  Effect.timeoutOrElse(Deferred.await(deferred), {
    duration: millis,
    orElse: () => Effect.die(new Error(`timed out waiting for ${what}`))
  })

layer(TestRedis.layer, { excludeTestServices: true })("graceful hand-backs between replicas", (it) => {
  // Fails before: the confirmation answered, the work started on the replica that was stopping
  // (cut short at its shutdown's end; started after the shutdown listed the works to stop, never
  // stopped while its lease lapsed, and run on two replicas).
  it.effect("a take-over whose confirmation is in flight when the stop is requested does not start: its lease is handed back at once", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const creator = yield* onRedis(prefix)
      const store = yield* onRedis(prefix)
      const confirming = Deferred.makeUnsafe<void>()
      const gate = Deferred.makeUnsafe<void>()
      // The real store, its confirmation held until the test lets it go on.
      const gated: TaskStore["Service"] = {
        ...store,
        confirmClaim: (taskId, leaseMillis) =>
          Effect.andThen(Deferred.succeed(confirming, undefined), Effect.andThen(Deferred.await(gate), store.confirmClaim!(taskId, leaseMillis)))
      }
      // An orphan: its replica created it and died (no supervisor renews its lease).
      const task = yield* creator.create({ owner: A, method: "tools/call", work: { tool: "x" }, leaseMillis: 100 })
      let stop = false
      const runs: Array<string> = []
      const resume = (orphan: Orphan) => ({
        work: Effect.sync(() => {
          runs.push(orphan.task.taskId)
          return { content: [] }
        }),
        services: Context.empty()
      })
      TaskSupervisor.make(gated, yield* Effect.scope, { leaseMillis: 1_500, resume, stopping: () => stop })
      yield* within(confirming, 5_000, "the take-over's confirmation")
      stop = true
      yield* Deferred.succeed(gate, undefined)
      yield* sleep(300)
      assert.deepStrictEqual(runs, [], "not started on the replica that is stopping")
      assert.strictEqual((yield* creator.get(task.taskId, A)).status, "working")
      // Handed back: another replica claims it now, not once the 1.5 s lease runs out.
      const claimed = yield* (yield* onRedis(prefix)).claimOrphans!(1_000)
      assert.deepStrictEqual(claimed.map((orphan) => orphan.task.taskId), [task.taskId])
    }), 20_000)
})
