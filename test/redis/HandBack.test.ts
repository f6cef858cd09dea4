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
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Redis from "effect/persistence/Redis"
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

/** Waits until `check` holds (every 20 ms), or dies after `millis`. */
const waitUntil = (check: Effect.Effect<boolean>, millis: number, what: string) =>
  Effect.gen(function*() {
    const start = Date.now()
    while (!(yield* check)) {
      if (Date.now() - start > millis) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* sleep(20)
    }
  })

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

  // Fails before: each hand-back counted as a take-over, and the fourth claim (past maxTakeOvers,
  // 3) failed the task as an orphan ("The server running this task stopped before it finished"):
  // in a rolling restart a re-runnable task that hopped replicas so failed for no crash.
  it.effect("four graceful hand-backs of one task spend no take-over: the fifth replica still runs it to its end", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const seen: Array<{ readonly replica: number; readonly claims: number; readonly handBacks: number | undefined }> = []
      /** Replica `replica`: its work waits until its replica stops, but on the last, where it completes. */
      const replica = (replica: number, last: boolean) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const supervisor = TaskSupervisor.make(yield* onRedis(prefix), scope, {
            leaseMillis: 300,
            resume: (orphan) => {
              seen.push({ replica, claims: orphan.claims, handBacks: orphan.handBacks })
              return { work: last ? Effect.succeed({ content: [{ type: "text", text: "done" }] }) : Effect.never, services: Context.empty() }
            }
          })
          return { scope, supervisor }
        })
      const first = yield* replica(0, false)
      const task = yield* first.supervisor.spawn({ owner: A, method: "tools/call", work: { tool: "x" } }, () => Effect.never)
      let stopping = first
      for (let i = 1; i <= 4; i++) {
        const next = yield* replica(i, i === 4)
        // A graceful stop: the work interrupted, its lease handed back.
        yield* Scope.close(stopping.scope, Exit.void)
        if (i < 4) yield* waitUntil(Effect.map(next.supervisor.running, (running) => running === 1), 5_000, `replica ${i} to take the task over`)
        stopping = next
      }
      const reader = yield* onRedis(prefix)
      yield* waitUntil(Effect.map(reader.get(task.taskId, A).pipe(Effect.orDie), (read) => read.status !== "working"), 5_000, "the task's end")
      const ended = yield* reader.get(task.taskId, A)
      assert.strictEqual(ended.status, "completed", JSON.stringify({ ended, seen }))
      assert.deepStrictEqual(seen.map((orphan) => orphan.replica), [1, 2, 3, 4])
      assert.deepStrictEqual(seen.map((orphan) => orphan.claims), [0, 0, 0, 0], "no hand-back counted as a take-over")
      assert.deepStrictEqual(seen.map((orphan) => orphan.handBacks), [1, 2, 3, 4], "counted apart")
      yield* Scope.close(stopping.scope, Exit.void)
    }), 30_000)

  it.effect("a task handed back more than maxHandBacks times fails as an orphan: it does not hop replicas for ever", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const scope = yield* Scope.make()
      const supervisor = TaskSupervisor.make(yield* onRedis(prefix), scope, { leaseMillis: 300 })
      const task = yield* supervisor.spawn({ owner: A, method: "tools/call", work: { tool: "x" } }, () => Effect.never)
      const server = yield* TestRedis
      const redis = Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
      yield* Effect.orDie(redis.send("HSET", `${prefix}tasks:t:${task.taskId}`, "backs", String(TaskSupervisor.maxHandBacks)))
      yield* Scope.close(scope, Exit.void)
      const resumed: Array<string> = []
      const store = yield* onRedis(prefix)
      TaskSupervisor.make(store, yield* Effect.scope, {
        leaseMillis: 300,
        resume: (orphan) => {
          resumed.push(orphan.task.taskId)
          return { work: Effect.succeed({ content: [] }), services: Context.empty() }
        }
      })
      yield* waitUntil(Effect.map(store.get(task.taskId, A).pipe(Effect.orDie), (read) => read.status !== "working"), 5_000, "the task's end")
      const ended = yield* store.get(task.taskId, A)
      assert.strictEqual(ended.status, "failed", JSON.stringify(ended))
      assert.strictEqual(ended.statusMessage, "The server running this task stopped before it finished")
      assert.deepStrictEqual(resumed, [])
    }), 20_000)
})
