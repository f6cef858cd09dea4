/**
 * Where the Redis task store keeps a lease's holder, against a real redis-server: in the task's
 * hash (its field `holder`, written with the creation), the hash `holders` only for claims and for
 * records of the layout before (each holder there). A rolling upgrade runs replicas of both
 * layouts on one Redis: the store of the layout before (test/fixtures/previous-redis-task-store.ts,
 * frozen) and this one must each see which leases are theirs on the other's records, so that no
 * task is run twice (a claim taken for the holder's own) nor left without a holder (a lease
 * renewed by nobody, or by a process that lost it).
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Redis from "effect/persistence/Redis"
import * as Scope from "effect/Scope"
import { RedisTaskStore } from "../../src/redis.ts"
import type { InputDelivery, TaskStore } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"
import * as Previous from "../fixtures/previous-redis-task-store.ts"
import { monitor, redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

const A = "session:a"

/** A store of this version on a new client of the test Redis (a replica of its own), under `prefix`. */
const current = (prefix: string) =>
  Effect.gen(function*() {
    const server = yield* TestRedis
    const context = yield* Layer.build(redisClient(server.url))
    return yield* Effect.provideContext(RedisTaskStore.make({ prefix }), context)
  }).pipe(Effect.orDie)

/** A store of the layout before (a replica not upgraded yet), under `prefix`. */
const previous = (prefix: string) =>
  Effect.gen(function*() {
    const server = yield* TestRedis
    const context = yield* Layer.build(redisClient(server.url))
    return yield* Effect.provideContext(Previous.make({ prefix }), context)
  }).pipe(Effect.orDie)

/** A plain client of the test Redis. */
const rawRedis = Effect.gen(function*() {
  const server = yield* TestRedis
  return Context.get(yield* Effect.orDie(Layer.build(redisClient(server.url))), Redis.Redis)
})

type Store = TaskStore["Service"]

/** A leased task of `store`, its lease run out at once (its process taken for dead). */
const lapsed = (store: Store, redis: Redis.Redis["Service"], prefix: string) =>
  Effect.gen(function*() {
    const task = yield* store.create({ owner: A, method: "tools/call", work: { tool: "x" }, leaseMillis: 60_000 })
    yield* Effect.orDie(redis.send("ZADD", `${prefix}tasks:leases`, "0", task.taskId))
    return task
  })

layer(TestRedis.layer, { excludeTestServices: true })("the lease holder's place in Redis, across a rolling upgrade", (it) => {
  it.effect("a creation keeps its holder in the task's hash and its end deletes nothing more: the hash `holders` stays empty", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const store = yield* current(prefix)
      const redis = yield* rawRedis
      const task = yield* store.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      const holder = yield* Effect.orDie(redis.send<string | null>("HGET", `${prefix}tasks:t:${task.taskId}`, "holder"))
      assert.strictEqual(holder, store.relay!.here, "held by the creating process, in the task's hash")
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("HLEN", `${prefix}tasks:holders`)), 0)
      assert.deepStrictEqual(yield* store.renewLeases!([task.taskId], 60_000), [], "renewed: still its holder")
      yield* store.finish(task.taskId, "completed", { _tag: "Result", result: { content: [] } })
      assert.isNull(yield* Effect.orDie(redis.send<string | null>("ZSCORE", `${prefix}tasks:leases`, task.taskId)), "the end drops the lease")
      assert.deepStrictEqual(yield* store.renewLeases!([task.taskId], 60_000), [task.taskId], "an ended task's lease is lost (the field alone holds nothing)")
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("HLEN", `${prefix}tasks:holders`)), 0)
    }))

  // Failed before: each renewal of a holder read from the task's hash checked its lease with a
  // ZSCORE of its own (3 commands per task where every holder in `holders` took 2: +15 % Redis
  // instructions per renewal, callgrind); the check now rides on the lease's move (ZADD XX CH).
  it.effect("a renewal runs two commands per task while `holders` is empty, and one of a lease at its score already still holds it", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const server = yield* TestRedis
      const store = yield* current(prefix)
      const redis = yield* rawRedis
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push((yield* store.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })).taskId)
      const watch = yield* monitor(server.port)
      assert.deepStrictEqual(yield* store.renewLeases!(ids, 60_000), [])
      // MONITOR shows the commands in the order Redis ran them: once the marker is seen, so is the renewal.
      yield* Effect.orDie(redis.send("ECHO", `${prefix}marker`))
      yield* watch.until(`${prefix}marker`, 1)
      // Its commands on the prefix's keys: one HLEN of `holders`, and a HGET (the holder) and a ZADD per task.
      assert.strictEqual(watch.count(`lua] "HLEN" "${prefix}tasks:holders"`), 1)
      assert.strictEqual(watch.count(`lua] "HGET" "${prefix}tasks:t:`), 3)
      assert.strictEqual(watch.count(`lua] "ZADD" "${prefix}tasks:leases"`), 3)
      assert.strictEqual(watch.count(`lua] "ZSCORE"`), 0)
      // The same task twice in one renewal (one clock reading): its second move leaves the score as
      // it is (ZADD's CH answers 0), and the lease, still there, is held.
      assert.deepStrictEqual(yield* store.renewLeases!([ids[0]!, ids[0]!], 60_000), [])
      assert.deepStrictEqual(yield* store.renewLeases!([ids[1]!, ids[1]!], 0), [], "handed back")
      yield* store.finish(ids[2]!, "completed", { _tag: "Result", result: { content: [] } })
      assert.deepStrictEqual(yield* store.renewLeases!([ids[2]!, ids[0]!], 60_000), [ids[2]!], "ended: no lease made again")
      assert.isNull(yield* Effect.orDie(redis.send<string | null>("ZSCORE", `${prefix}tasks:leases`, ids[2]!)))
    }))

  it.effect("a task of the layout before, claimed by this version: the previous holder loses it, the claim counts, its end clears `holders`", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const redis = yield* rawRedis
      const task = yield* lapsed(old, redis, prefix)
      assert.strictEqual(yield* Effect.orDie(redis.send<string | null>("HGET", `${prefix}tasks:holders`, task.taskId)), old.relay!.here, "(the old layout)")
      const claimed = yield* upgraded.claimOrphans!(60_000)
      assert.deepStrictEqual(claimed.map((orphan) => [orphan.task.taskId, orphan.claims, orphan.work]), [[task.taskId, 1, { tool: "x" }]])
      assert.isTrue(yield* upgraded.confirmClaim!(task.taskId, 60_000))
      // The old process was only cut off: its next renewal tells it the task is not its any more.
      assert.deepStrictEqual(yield* old.renewLeases!([task.taskId], 60_000), [task.taskId], "the previous holder lost it")
      assert.deepStrictEqual(yield* upgraded.renewLeases!([task.taskId], 60_000), [], "the claimer holds it")
      assert.deepStrictEqual(yield* old.claimOrphans!(60_000), [], "not claimed again: its lease runs")
      yield* upgraded.finish(task.taskId, "completed", { _tag: "Result", result: { content: [] } })
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("HLEN", `${prefix}tasks:holders`)), 0, "no entry left behind")
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("ZCARD", `${prefix}tasks:leases`)), 0)
    }))

  it.effect("a task of this version, claimed by a replica of the layout before: this holder loses it, the claim counts, the old end clears it", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const redis = yield* rawRedis
      const task = yield* lapsed(upgraded, redis, prefix)
      const claimed = yield* old.claimOrphans!(60_000)
      assert.deepStrictEqual(claimed.map((orphan) => [orphan.task.taskId, orphan.claims]), [[task.taskId, 1]])
      assert.isTrue(yield* old.confirmClaim!(task.taskId, 60_000))
      assert.deepStrictEqual(yield* upgraded.renewLeases!([task.taskId], 60_000), [task.taskId], "the creator lost it")
      assert.deepStrictEqual(yield* upgraded.renewLeases!([task.taskId], 0), [task.taskId], "nor hands it back")
      assert.deepStrictEqual(yield* old.renewLeases!([task.taskId], 60_000), [], "the claimer holds it")
      // Its lease runs out again (the old claimer died): this version claims it, a second take-over.
      yield* Effect.orDie(redis.send("ZADD", `${prefix}tasks:leases`, "0", task.taskId))
      assert.deepStrictEqual((yield* upgraded.claimOrphans!(60_000)).map((orphan) => orphan.claims), [2])
      assert.isTrue(yield* upgraded.confirmClaim!(task.taskId, 60_000))
      assert.deepStrictEqual(yield* old.renewLeases!([task.taskId], 60_000), [task.taskId], "the old claimer lost it")
      yield* old.finish(task.taskId, "completed", { _tag: "Result", result: { content: [] } })
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("HLEN", `${prefix}tasks:holders`)), 0)
      assert.deepStrictEqual(yield* upgraded.renewLeases!([task.taskId], 60_000), [task.taskId], "ended elsewhere: lost")
    }))

  it.effect("a cancel through the other layout's replica ends the holder's lease: its next renewal reports the task lost", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const redis = yield* rawRedis
      // This version's task cancelled by an old replica (which deletes no field of the task's hash).
      const mine = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      yield* old.cancel(mine.taskId, A)
      assert.deepStrictEqual(yield* upgraded.renewLeases!([mine.taskId], 60_000), [mine.taskId])
      assert.isNull(yield* Effect.orDie(redis.send<string | null>("ZSCORE", `${prefix}tasks:leases`, mine.taskId)), "no lease made again")
      // An old replica's task cancelled by this version.
      const theirs = yield* old.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      yield* upgraded.cancel(theirs.taskId, A)
      assert.deepStrictEqual(yield* old.renewLeases!([theirs.taskId], 60_000), [theirs.taskId])
      assert.strictEqual(yield* Effect.orDie(redis.send<number>("HLEN", `${prefix}tasks:holders`)), 0)
    }))

  // This version's change messages start with an index of their tasks' ids and statuses (read
  // without parsing the tasks): the layout before skips it (an element that is no task), and this
  // version reads the tasks of the layout before's messages, which have none.
  it.effect("an end through either layout's replica wakes a wait on the other's at once (by pub/sub, not a re-read), whichever message format", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const done = { _tag: "Result" as const, result: { content: [{ type: "text", text: "done" }] } }
      const mine = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      const theirs = yield* old.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      // The waits re-read every 5 s (recheckMillis): within 2 s, only the message can end them.
      const oldWaits = yield* Effect.forkChild(Effect.timeout(old.awaitTerminal(mine.taskId, A), 2_000))
      const newWaits = yield* Effect.forkChild(Effect.timeout(upgraded.awaitTerminal(theirs.taskId, A), 2_000))
      yield* Effect.sleep(100)
      yield* Effect.all([upgraded.finish(mine.taskId, "completed", done), old.cancel(theirs.taskId, A)])
      const heardByOld = yield* Fiber.join(oldWaits)
      assert.strictEqual(heardByOld.status, "completed")
      assert.deepStrictEqual(heardByOld.outcome, done)
      assert.strictEqual((yield* Fiber.join(newWaits)).status, "cancelled")
    }))

  // The supervisor hears of the ends of the tasks it runs through `onEndedElsewhere` (this version:
  // only those it wants, read by the message's index; the layout before: all, the index skipped).
  it.effect("ends through either layout's replica reach the other's onEndedElsewhere listener: the tasks it wants, and nothing that is no task", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const done = { _tag: "Result" as const, result: { content: [{ type: "text", text: "done" }] } }
      const heardByOld: Array<unknown> = []
      const heardByUpgraded: Array<string> = []
      const runsOnUpgraded = new Set<string>()
      const unregisterOld = old.onEndedElsewhere!((task) => void heardByOld.push(task))
      const unregisterUpgraded = upgraded.onEndedElsewhere!(
        (task) => void heardByUpgraded.push(`${task.taskId} ${task.status}`),
        (taskId) => runsOnUpgraded.has(taskId)
      )
      yield* Effect.sleep(100) // both subscribed
      // Ended by this version in one turn: one message, its index first.
      const ofOld = yield* Effect.all([1, 2].map(() => old.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })))
      yield* Effect.all([upgraded.cancel(ofOld[0]!.taskId, A), upgraded.finish(ofOld[1]!.taskId, "completed", done)], {
        concurrency: "unbounded"
      })
      // Ended by the layout before: one this version runs, one it does not.
      const ofUpgraded = yield* Effect.all([1, 2].map(() => upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })))
      runsOnUpgraded.add(ofUpgraded[0]!.taskId)
      yield* old.cancel(ofUpgraded[0]!.taskId, A)
      yield* old.cancel(ofUpgraded[1]!.taskId, A)
      for (let i = 0; i < 40 && (heardByOld.length < 2 || heardByUpgraded.length < 2); i++) yield* Effect.sleep(50)
      yield* Effect.sleep(100) // nothing more arrives
      unregisterOld()
      unregisterUpgraded()
      assert.deepStrictEqual(
        heardByOld.map((task) => `${(task as { taskId: string }).taskId} ${(task as { status: string }).status}`).sort(),
        [`${ofOld[0]!.taskId} cancelled`, `${ofOld[1]!.taskId} completed`].sort()
      )
      // The layout before's messages have no index: this version reads their tasks, the unwanted one
      // too (`wants` lets a store skip, the listener checks itself, as the supervisor does).
      assert.deepStrictEqual(heardByUpgraded, [`${ofUpgraded[0]!.taskId} cancelled`, `${ofUpgraded[1]!.taskId} cancelled`])
    }))

  it.effect("answers sent through either layout's replica reach the process running the task; this version's name it", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const waitingOn = (store: Store) =>
        Effect.gen(function*() {
          const task = yield* store.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
          yield* store.setInputRequests(task.taskId, { "q-1": { method: "elicitation/create", params: { message: "?" } } })
          return task
        })
      const oldsTask = yield* waitingOn(old)
      const upgradedTask = yield* waitingOn(upgraded)
      const oldInputs = yield* PubSub.subscribe(old.inputs!)
      const upgradedInputs = yield* PubSub.subscribe(upgraded.inputs!)
      // sendInput answers whether the answers are the sender's own to take (its process runs the task).
      assert.isFalse(yield* upgraded.sendInput!(oldsTask.taskId, { "q-1": { action: "accept" } }), "the old replica's task is not run here")
      // Sent through a third replica (this version): the message names the old replica as the holder,
      // so `upgraded` (which skips its own messages) must drop it when it hears it (below).
      const third = yield* current(prefix)
      assert.isFalse(yield* third.sendInput!(oldsTask.taskId, { "q-1": { action: "accept" } }))
      // The layout before reads no holder for this version's task: its message is for every process,
      // as for a task without a lease (the process running the task takes the answers; the others
      // run no such task). Documented in the module's doc.
      assert.isTrue(yield* old.sendInput!(upgradedTask.taskId, { "q-1": { action: "decline" } }))
      /** The deliveries of `inputs`, once `expected` is among them (at most 100 reads 20 ms apart). */
      const taken = (inputs: PubSub.Subscription<InputDelivery>, expected: string) =>
        Effect.gen(function*() {
          const got: Array<string> = []
          for (let i = 0; i < 100 && !got.includes(expected); i++) {
            for (const delivery of yield* PubSub.takeUpTo(inputs, 100)) got.push(delivery.taskId)
            if (!got.includes(expected)) yield* Effect.sleep(20)
          }
          return got
        })
      assert.include(yield* taken(oldInputs, oldsTask.taskId), oldsTask.taskId, "the old replica takes its task's answers")
      const upgradedGot = yield* taken(upgradedInputs, upgradedTask.taskId)
      assert.include(upgradedGot, upgradedTask.taskId, "this version takes its own task's")
      // Redis delivers a channel's messages in the order they were published: the third replica's
      // was heard before the old replica's, which `upgraded` took.
      assert.notInclude([...upgradedGot, ...(yield* PubSub.takeUpTo(upgradedInputs, 100)).map((delivery) => delivery.taskId)], oldsTask.taskId, "but not the old replica's (named as its holder)")
    }))

  // Failed before: the StoreError told the operator that `DEL holders` took every running task's
  // lease and stopped its work; only the leases a replica of the layout before took are there.
  it.effect("`holders` written over, then deleted as the StoreError says: this version's leases stay, those an old replica took are lost (its run stops, the task taken over), one it claimed from a creator still running it goes back to the creator", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const redis = yield* rawRedis
      const holders = `${prefix}tasks:holders`
      // Created here; created by an old replica; created here and claimed by an old replica while
      // its creator was cut off (not told yet: its next renewal fails, `holders` written over).
      const mine = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      const theirs = yield* old.create({ owner: A, method: "tools/call", work: { tool: "x" }, leaseMillis: 60_000 })
      const taken = yield* lapsed(upgraded, redis, prefix)
      assert.deepStrictEqual((yield* old.claimOrphans!(60_000)).map((orphan) => orphan.task.taskId), [taken.taskId])
      assert.isTrue(yield* old.confirmClaim!(taken.taskId, 60_000))
      yield* Effect.orDie(redis.send("SET", holders, "garbage"))
      const refused = yield* Effect.flip(upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 }))
      assert.include(refused.message, `DEL ${holders}`)
      assert.include(refused.message, "the leases this version took are kept in the tasks' own records", refused.message)
      assert.include(refused.message, "a replica of the version before", refused.message)
      assert.notInclude(refused.message, "the running tasks lose their leases", refused.message)
      // Every renewal fails meanwhile (both layouts read `holders`): nobody is told anything.
      assert.isTrue(Exit.isFailure(yield* Effect.exit(upgraded.renewLeases!([mine.taskId, taken.taskId], 60_000))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(old.renewLeases!([theirs.taskId, taken.taskId], 60_000))))
      yield* Effect.orDie(redis.send("DEL", holders))
      // This version's lease stays its own.
      assert.deepStrictEqual(yield* upgraded.renewLeases!([mine.taskId], 60_000), [], "kept: its holder is in the task's hash")
      // The old replica's own task: lost there, and taken over once its lease runs out.
      assert.deepStrictEqual(yield* old.renewLeases!([theirs.taskId], 60_000), [theirs.taskId], "the old replica lost it")
      yield* Effect.orDie(redis.send("ZADD", `${prefix}tasks:leases`, "0", theirs.taskId))
      assert.deepStrictEqual((yield* upgraded.claimOrphans!(60_000)).map((orphan) => [orphan.task.taskId, orphan.work]), [[theirs.taskId, { tool: "x" }]])
      // The task the old replica claimed: its creator's stale field names the holder again. The
      // creator, still running it, renews it; the old claimer's next renewal stops its run. Both
      // ran it from the claim on, as a take-over of a process cut off runs twice until its next
      // renewal (documented in the module's doc); here the creator's run is the one that goes on.
      assert.deepStrictEqual(yield* upgraded.renewLeases!([taken.taskId], 60_000), [], "the creator holds it again")
      assert.deepStrictEqual(yield* old.renewLeases!([taken.taskId], 60_000), [taken.taskId], "the old claimer lost it")
      assert.deepStrictEqual(yield* upgraded.renewLeases!([taken.taskId], 60_000), [], "one holder left")
    }))

  // Failed before: `DEL leases` (as the wrong-type StoreError advises) took for good the leases of
  // the tasks this version created and held: the renewal's ZADD XX made none again, and claims look
  // only in `leases`, so the work stopped and nobody took the task over.
  it.effect("`leases` deleted: a running task's holder of either layout gets its lease back at its next renewal; an ended or expired task's stays lost", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const old = yield* previous(prefix)
      const upgraded = yield* current(prefix)
      const redis = yield* rawRedis
      const leases = `${prefix}tasks:leases`
      const score = (id: string) => Effect.orDie(redis.send<string | null>("ZSCORE", leases, id))
      const done = { _tag: "Result", result: { content: [] } } as const
      // Running: created here, created by an old replica, created here and claimed by an old replica
      // (its holder in `holders`), and one this version hands back after the DEL.
      const mine = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      const theirs = yield* old.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      const taken = yield* lapsed(upgraded, redis, prefix)
      assert.deepStrictEqual((yield* old.claimOrphans!(60_000)).map((orphan) => orphan.task.taskId), [taken.taskId])
      assert.isTrue(yield* old.confirmClaim!(taken.taskId, 60_000))
      const handed = yield* upgraded.create({ owner: A, method: "tools/call", work: { tool: "x" }, leaseMillis: 60_000 })
      // Ended: by this version, by an old replica (which leaves the field), and one whose TTL ran out
      // (its key outlives it for a grace period, status still working).
      const endedHere = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      yield* upgraded.finish(endedHere.taskId, "completed", done)
      const endedThere = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      yield* old.finish(endedThere.taskId, "failed", done)
      const expired = yield* upgraded.create({ owner: A, method: "tools/call", leaseMillis: 60_000, ttlMillis: 60_000 })
      const expiredKey = `${prefix}tasks:t:${expired.taskId}`
      const keyExpiry = yield* Effect.orDie(redis.send<number>("PEXPIRETIME", expiredKey))
      // its TTL (60 s) run out two minutes ago: the key lives on for its grace period, the task is gone
      yield* Effect.orDie(redis.send("PEXPIREAT", expiredKey, String(keyExpiry - 60_000 - 120_000)))

      yield* Effect.orDie(redis.send("DEL", leases))
      assert.deepStrictEqual(yield* upgraded.renewLeases!([mine.taskId], 60_000), [], "this version's own task: its lease made again")
      assert.isNotNull(yield* score(mine.taskId))
      assert.deepStrictEqual(yield* old.renewLeases!([theirs.taskId, taken.taskId], 60_000), [], "the layout before's (a plain ZADD, as before)")
      assert.isNotNull(yield* score(theirs.taskId))
      assert.deepStrictEqual(yield* upgraded.renewLeases!([taken.taskId], 60_000), [taken.taskId], "claimed away: its creator's field holds nothing")
      assert.deepStrictEqual(yield* upgraded.renewLeases!([handed.taskId], 0), [], "handed back: its lease made again, run out now")
      // Claimed once the hand-back's lease (run out at Redis's clock when handed back) is at or before
      // the claim's cutoff, the earlier of Redis's clock and the claimer's sending time as its
      // estimate of Redis's clock gives it (off by up to a round trip): right after the hand-back it
      // may not be yet (a CI run claimed nothing there). At most 50 tries, 20 ms apart.
      let claimed: ReadonlyArray<readonly [string, number]> = []
      for (let i = 0; i < 50 && claimed.length === 0; i++) {
        if (i > 0) yield* Effect.sleep(20)
        claimed = (yield* old.claimOrphans!(60_000)).map((orphan) => [orphan.task.taskId, orphan.claims] as const)
      }
      assert.deepStrictEqual(claimed, [[handed.taskId, 0]], "taken over, no crash counted")
      const gone = [endedHere.taskId, endedThere.taskId, expired.taskId]
      assert.deepStrictEqual(yield* upgraded.renewLeases!(gone, 60_000), gone, "ended or expired: lost, as before")
      assert.deepStrictEqual(yield* upgraded.renewLeases!(gone, 0), gone, "nor handed back")
      for (const id of gone) assert.isNull(yield* score(id), "no lease made again")
      assert.deepStrictEqual(yield* upgraded.renewLeases!([mine.taskId], 60_000), [], "renewed as usual from then on")
    }))

  it.effect("`leases` deleted: a task waiting for input gets its lease back; a cancelled one, or one another replica claimed and has not confirmed yet, stays lost to its creator", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const creator = yield* current(prefix)
      const claimer = yield* current(prefix)
      const redis = yield* rawRedis
      const leases = `${prefix}tasks:leases`
      const score = (id: string) => Effect.orDie(redis.send<string | null>("ZSCORE", leases, id))
      const waiting = yield* creator.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      assert.strictEqual((yield* creator.setStatus(waiting.taskId, "input_required"))?.status, "input_required")
      const cancelled = yield* creator.create({ owner: A, method: "tools/call", leaseMillis: 60_000 })
      yield* creator.cancel(cancelled.taskId, A)
      // claimed by another replica of this version, its claim not confirmed (its work not started)
      const taken = yield* lapsed(creator, redis, prefix)
      assert.deepStrictEqual((yield* claimer.claimOrphans!(60_000)).map((orphan) => orphan.task.taskId), [taken.taskId])

      yield* Effect.orDie(redis.send("DEL", leases))
      assert.deepStrictEqual(yield* creator.renewLeases!([waiting.taskId], 60_000), [], "input_required is running")
      assert.isNotNull(yield* score(waiting.taskId))
      assert.deepStrictEqual(yield* creator.renewLeases!([cancelled.taskId, taken.taskId], 60_000), [cancelled.taskId, taken.taskId])
      assert.deepStrictEqual(yield* creator.renewLeases!([cancelled.taskId, taken.taskId], 0), [cancelled.taskId, taken.taskId], "nor handed back")
      assert.isNull(yield* score(cancelled.taskId), "cancelled: no lease made again")
      assert.isNull(yield* score(taken.taskId), "the claimer's: not made again by its creator")
      // The claimer (its holder in `holders` and in the task's hash) makes it again, and confirms.
      assert.deepStrictEqual(yield* claimer.renewLeases!([taken.taskId], 60_000), [])
      assert.isTrue(yield* claimer.confirmClaim!(taken.taskId, 60_000))
    }))

  // Failed before: the supervisor's next renewal after `DEL leases` reported the task lost and
  // stopped its work; nobody took it over (no lease to claim), and it stayed working.
  it.effect("`leases` deleted while a task runs: its replica's next renewal makes the lease again, and the task completes there", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const store = yield* current(prefix)
      const redis = yield* rawRedis
      const leaseMillis = 600
      const scope = yield* Scope.make()
      const supervisor = TaskSupervisor.make(store, scope, { leaseMillis })
      const release = Deferred.makeUnsafe<void>()
      let interrupted = false
      const task = yield* supervisor.spawn(
        { owner: A, method: "tools/call", work: { tool: "x" } },
        () => Effect.as(Effect.onInterrupt(Deferred.await(release), () => Effect.sync(() => interrupted = true)), { content: [{ type: "text" as const, text: "done" }] })
      )
      const score = Effect.orDie(redis.send<string | null>("ZSCORE", `${prefix}tasks:leases`, task.taskId))
      assert.isNotNull(yield* score, "leased at its creation")
      yield* Effect.orDie(redis.send("DEL", `${prefix}tasks:leases`))
      // A renewal every leaseMillis / 3: bounded by 30 of them (at most 20 reads 300 ms apart).
      for (let i = 0; i < 20 && (yield* score) === null; i++) yield* Effect.sleep(300)
      assert.isNotNull(yield* score, "the lease made again by a renewal")
      // Another renewal at least, to see the work still runs.
      yield* Effect.sleep(2 * leaseMillis / 3 + 100)
      assert.isFalse(interrupted, "the work runs on")
      assert.strictEqual(yield* supervisor.running, 1)
      yield* Deferred.succeed(release, undefined)
      let read = yield* store.get(task.taskId, A)
      for (let i = 0; i < 100 && read.status === "working"; i++) {
        yield* Effect.sleep(50)
        read = yield* store.get(task.taskId, A)
      }
      assert.strictEqual(read.status, "completed", JSON.stringify(read))
      yield* Scope.close(scope, Exit.void)
    }), 20_000)
})
