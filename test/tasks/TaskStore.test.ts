/**
 * The in-memory `TaskStore` and the `TaskSupervisor`, on the TestClock: ids, TTL from `createdAt`
 * (not reset when the task ends) and the reaper, compare-and-set of terminal states,
 * `awaitTerminal` without polling, owner isolation, listing, limits and the memory bound; the
 * supervisor's mapping of endings to statuses and cancellation by interruption.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as PubSub from "effect/PubSub"
import { TestClock } from "effect/testing"
import { McpError } from "../../src/index.ts"
import { expiresAt } from "../../src/tasks/Task.ts"
import { makeMemory, type MemoryOptions } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"
import { toWire } from "../../src/tasks/wire/v2025_11_25.ts"
import { outcomeOf2025 } from "../../src/server/internal/tasks.ts"
import { refusal } from "./support.ts"

const result = (text: string) => ({ _tag: "Result" as const, result: { content: [{ type: "text", text }] } })
const A = "session:a"
const B = "session:b"

const store = (options: MemoryOptions = {}) => makeMemory(options)

/** Lets forked fibers run (no time passes on the TestClock). */
const yieldMany = Effect.gen(function*() {
  for (let i = 0; i < 10; i++) yield* Effect.yieldNow
})

describe("TaskStore (memory)", () => {
  it.effect("create: working, unguessable unique ids, default TTL and poll interval, ISO on the wire", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("5 seconds")
      // (room for the 501 tasks of one owner: the default per-owner limit is 100)
      const tasks = yield* store({ defaultTtlMillis: 1_234, pollIntervalMillis: 77, maxTasksPerOwner: 1_000 })
      const task = yield* tasks.create({ owner: A, method: "tools/call" })
      assert.strictEqual(task.status, "working")
      assert.match(task.taskId, /^[A-Za-z0-9_-]{22}$/) // 128 bits, base64url
      assert.strictEqual(task.createdAt, 5_000)
      assert.strictEqual(task.lastUpdatedAt, 5_000)
      assert.strictEqual(task.ttlMillis, 1_234)
      assert.strictEqual(task.pollIntervalMillis, 77)
      assert.strictEqual(expiresAt(task), 6_234)
      assert.deepStrictEqual(toWire(task), {
        taskId: task.taskId,
        status: "working",
        createdAt: "1970-01-01T00:00:05.000Z",
        lastUpdatedAt: "1970-01-01T00:00:05.000Z",
        ttl: 1_234,
        pollInterval: 77
      })
      const ids = new Set<string>()
      for (let i = 0; i < 500; i++) ids.add((yield* tasks.create({ owner: A, method: "tools/call" })).taskId)
      assert.strictEqual(ids.size, 500)
    }))

  it.effect("a requested TTL is capped by maxTtlMillis; a smaller one is kept", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ maxTtlMillis: 1_000 })
      assert.strictEqual((yield* tasks.create({ owner: A, method: "m", ttlMillis: 60_000 })).ttlMillis, 1_000)
      assert.strictEqual((yield* tasks.create({ owner: A, method: "m", ttlMillis: 300 })).ttlMillis, 300)
      assert.strictEqual((yield* tasks.create({ owner: A, method: "m" })).ttlMillis, 1_000) // default 1 h, capped
    }))

  it.effect("the TTL counts from createdAt and is not reset when the task ends", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const task = yield* tasks.create({ owner: A, method: "tools/call", ttlMillis: 1_000 })
      yield* TestClock.adjust("600 millis")
      const done = yield* tasks.finish(task.taskId, "completed", result("ok"))
      assert.strictEqual(done?.lastUpdatedAt, 600)
      assert.strictEqual(done?.createdAt, 0)
      yield* TestClock.adjust("399 millis")
      assert.strictEqual((yield* tasks.get(task.taskId, A)).status, "completed")
      yield* TestClock.adjust("1 millis")
      const gone = yield* Effect.flip(tasks.get(task.taskId, A))
      assert.strictEqual(gone._tag, "TaskNotFound")
      assert.strictEqual((yield* tasks.list(A, undefined, 10)).tasks.length, 0)
      assert.strictEqual((yield* Effect.flip(tasks.cancel(task.taskId, A)))._tag, "TaskNotFound")
    }))

  it.effect("the reaper removes expired tasks (whatever their status) every reapIntervalMillis", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ reapIntervalMillis: 100 })
      yield* yieldMany
      const working = yield* tasks.create({ owner: A, method: "m", ttlMillis: 50 })
      const done = yield* tasks.create({ owner: B, method: "m", ttlMillis: 50 })
      yield* tasks.finish(done.taskId, "completed", result("x"))
      yield* tasks.create({ owner: A, method: "m", ttlMillis: 10_000 })
      assert.strictEqual(yield* tasks.size, 3)
      yield* TestClock.adjust("100 millis")
      yield* yieldMany
      assert.strictEqual(yield* tasks.size, 1)
      // a working task that expired is gone: its late result is dropped without error
      assert.isUndefined(yield* tasks.finish(working.taskId, "completed", result("late")))
      assert.strictEqual(yield* tasks.size, 1)
    }))

  it.effect("compare-and-set: finish after cancel is ignored; cancel after finish fails; finish twice keeps the first", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const a = yield* tasks.create({ owner: A, method: "tools/call" })
      const cancelled = yield* tasks.cancel(a.taskId, A)
      assert.strictEqual(cancelled.status, "cancelled")
      assert.isUndefined(cancelled.outcome)
      yield* TestClock.adjust("10 millis")
      assert.isUndefined(yield* tasks.finish(a.taskId, "completed", result("late")))
      const afterLate = yield* tasks.get(a.taskId, A)
      assert.strictEqual(afterLate.status, "cancelled")
      assert.isUndefined(afterLate.outcome)
      assert.strictEqual(afterLate.lastUpdatedAt, cancelled.lastUpdatedAt)
      assert.isUndefined(yield* tasks.setStatus(a.taskId, "working"))
      assert.strictEqual((yield* tasks.get(a.taskId, A)).status, "cancelled")

      const b = yield* tasks.create({ owner: A, method: "tools/call" })
      yield* tasks.finish(b.taskId, "completed", result("first"))
      const refused = yield* Effect.flip(tasks.cancel(b.taskId, A))
      assert.strictEqual(refused._tag, "TaskAlreadyTerminal")
      assert.isUndefined(yield* tasks.finish(b.taskId, "failed", result("second")))
      const kept = yield* tasks.get(b.taskId, A)
      assert.strictEqual(kept.status, "completed")
      assert.deepStrictEqual(kept.outcome, result("first"))
      // cancelling twice fails the second time
      const c = yield* tasks.create({ owner: A, method: "tools/call" })
      yield* tasks.cancel(c.taskId, A)
      assert.strictEqual((yield* Effect.flip(tasks.cancel(c.taskId, A)))._tag, "TaskAlreadyTerminal")
    }))

  it.effect("setStatus moves between working and input_required and stamps lastUpdatedAt", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const task = yield* tasks.create({ owner: A, method: "tools/call" })
      yield* TestClock.adjust("5 millis")
      const waiting = yield* tasks.setStatus(task.taskId, "input_required", "waiting for the user")
      assert.strictEqual(waiting?.status, "input_required")
      assert.strictEqual(waiting?.statusMessage, "waiting for the user")
      assert.strictEqual(waiting?.lastUpdatedAt, 5)
      yield* TestClock.adjust("5 millis")
      assert.strictEqual((yield* tasks.setStatus(task.taskId, "working"))?.status, "working")
      const done = yield* tasks.finish(task.taskId, "completed", result("ok"))
      assert.strictEqual(done?.lastUpdatedAt, 10)
    }))

  it.effect("awaitTerminal resolves on finish and on cancel without any time passing (no polling)", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const a = yield* tasks.create({ owner: A, method: "tools/call" })
      const waiter1 = yield* Effect.forkChild(tasks.awaitTerminal(a.taskId, A))
      const waiter2 = yield* Effect.forkChild(tasks.awaitTerminal(a.taskId, A))
      yield* yieldMany
      assert.isUndefined(waiter1.pollUnsafe())
      yield* tasks.setStatus(a.taskId, "input_required")
      yield* yieldMany
      assert.isUndefined(waiter1.pollUnsafe(), "input_required is not terminal")
      yield* tasks.finish(a.taskId, "completed", result("ok"))
      yield* yieldMany
      const exit1 = waiter1.pollUnsafe()
      const exit2 = waiter2.pollUnsafe()
      assert.isTrue(exit1 !== undefined && Exit.isSuccess(exit1) && exit1.value.status === "completed")
      assert.isTrue(exit2 !== undefined && Exit.isSuccess(exit2) && exit2.value.status === "completed")
      // already terminal: at once
      assert.strictEqual((yield* tasks.awaitTerminal(a.taskId, A)).status, "completed")

      const b = yield* tasks.create({ owner: A, method: "tools/call" })
      const waiter3 = yield* Effect.forkChild(tasks.awaitTerminal(b.taskId, A))
      yield* yieldMany
      yield* tasks.cancel(b.taskId, A)
      yield* yieldMany
      const exit3 = waiter3.pollUnsafe()
      assert.isTrue(exit3 !== undefined && Exit.isSuccess(exit3) && exit3.value.status === "cancelled")
    }))

  it.effect("awaitTerminal of a task that expires while awaited fails with TaskNotFound", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ reapIntervalMillis: 100 })
      yield* yieldMany
      const task = yield* tasks.create({ owner: A, method: "tools/call", ttlMillis: 50 })
      const waiter = yield* Effect.forkChild(Effect.flip(tasks.awaitTerminal(task.taskId, A)))
      yield* yieldMany
      yield* TestClock.adjust("100 millis")
      yield* yieldMany
      const exit = waiter.pollUnsafe()
      assert.isTrue(exit !== undefined && Exit.isSuccess(exit) && exit.value._tag === "TaskNotFound")
    }))

  // Fails before: the end its TTL made (the supervisor's, as its work stops) reached the waiters
  // as the failed task when it ran before their own timer at the TTL (a 2025-11-25 tasks/result
  // then answered -32603 "expired", by turns with -32602).
  it.effect("awaitTerminal: a task that ends at its TTL fails the wait with TaskNotFound, whichever timer ran first", () =>
    Effect.gen(function*() {
      // The test's time; no sleep ever ends (the waiters' timers at the TTL do not run).
      const at = { now: 1_000 }
      const nanos = () => BigInt(at.now) * 1_000_000n
      const frozen: Clock.Clock = {
        currentTimeMillisUnsafe: () => at.now,
        currentTimeMillis: Effect.sync(() => at.now),
        currentTimeNanosUnsafe: nanos,
        currentTimeNanos: Effect.sync(nanos),
        monotonicTimeNanosUnsafe: nanos,
        monotonicTimeNanos: Effect.sync(nanos),
        sleep: () => Effect.never
      }
      const tasks = yield* store()
      /** How the wait on a task of a 50 ms TTL ends when the task ends `endsAfter` ms after its creation. */
      const waitEnding = (endsAfter: number) =>
        Effect.gen(function*() {
          at.now = 1_000
          const task = yield* tasks.create({ owner: A, method: "tools/call", ttlMillis: 50 })
          const waiter = yield* Effect.forkChild(Effect.exit(tasks.awaitTerminal(task.taskId, A)))
          yield* yieldMany
          at.now = 1_000 + endsAfter
          yield* tasks.finish(task.taskId, "failed", { _tag: "Error", error: { code: -32603, message: "expired" } })
          yield* yieldMany
          const exit = waiter.pollUnsafe()
          if (exit === undefined || exit._tag === "Failure") return "still waiting"
          return exit.value._tag === "Success" ? exit.value.value.status : exit.value.cause.reasons.map((r) => r._tag === "Fail" ? r.error._tag : r._tag).join()
        }).pipe(Effect.provideService(Clock.Clock, frozen))
      // At its TTL; a millisecond before it (the supervisor's deadline timer may fire so early); past it.
      assert.deepStrictEqual([yield* waitEnding(50), yield* waitEnding(49), yield* waitEnding(70)], ["TaskNotFound", "TaskNotFound", "TaskNotFound"])
      // Ended before: the wait answers with its end.
      assert.strictEqual(yield* waitEnding(30), "failed")
    }))

  it.effect("a task is visible only to its owner: everyone else gets TaskNotFound", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const task = yield* tasks.create({ owner: A, method: "tools/call" })
      assert.strictEqual((yield* Effect.flip(tasks.get(task.taskId, B)))._tag, "TaskNotFound")
      assert.strictEqual((yield* Effect.flip(tasks.cancel(task.taskId, B)))._tag, "TaskNotFound")
      assert.strictEqual((yield* Effect.flip(tasks.awaitTerminal(task.taskId, B)))._tag, "TaskNotFound")
      assert.deepStrictEqual((yield* tasks.list(B, undefined, 10)).tasks, [])
      assert.strictEqual((yield* tasks.get(task.taskId, A)).status, "working")
    }))

  it.effect("list: the owner's tasks oldest first, in pages; an unknown cursor fails", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) {
        ids.push((yield* tasks.create({ owner: A, method: "m" })).taskId)
        yield* tasks.create({ owner: B, method: "m" })
      }
      const seen: Array<string> = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = yield* tasks.list(A, cursor, 2)
        seen.push(...page.tasks.map((t) => t.taskId))
        cursor = page.nextCursor
        pages++
      } while (cursor !== undefined && pages < 10)
      assert.strictEqual(pages, 3)
      assert.deepStrictEqual(seen, ids)
      // an exact multiple of the page size has no empty last page
      const exact = yield* tasks.list(A, undefined, 5)
      assert.strictEqual(exact.tasks.length, 5)
      assert.isUndefined(exact.nextCursor)
      assert.strictEqual((yield* Effect.flip(tasks.list(A, "not-a-cursor", 2)))._tag, "InvalidTaskCursor")
      // A scoped list's cursors are of its scope: one of no scope, or of another, is not a place in it.
      const scoped = yield* tasks.list(A, undefined, 2, "tasks.x")
      assert.deepStrictEqual((yield* tasks.list(A, scoped.nextCursor, 2, "tasks.x")).tasks.map((t) => t.taskId), ids.slice(2, 4))
      assert.strictEqual((yield* Effect.flip(tasks.list(A, scoped.nextCursor, 2, "tasks.y")))._tag, "InvalidTaskCursor")
      assert.strictEqual((yield* Effect.flip(tasks.list(A, scoped.nextCursor, 2)))._tag, "InvalidTaskCursor")
      assert.strictEqual((yield* Effect.flip(tasks.list(A, (yield* tasks.list(A, undefined, 2)).nextCursor, 2, "tasks.x")))._tag, "InvalidTaskCursor")
      // A page of any size (the server's listPageSize may be Infinity): all of them, at once.
      const all = yield* tasks.list(A, undefined, Number.POSITIVE_INFINITY)
      assert.deepStrictEqual(all.tasks.map((t) => t.taskId), ids)
      assert.isUndefined(all.nextCursor)
    }))

  it.effect("maxTasksPerOwner: refused while the owner's tasks run; the oldest terminal one makes room", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ maxTasksPerOwner: 2 })
      const first = yield* tasks.create({ owner: A, method: "m" })
      const second = yield* tasks.create({ owner: A, method: "m" })
      const refused = yield* refusal(tasks.create({ owner: A, method: "m" }))
      assert.strictEqual(refused._tag, "TaskLimitExceeded")
      assert.strictEqual(refused.scope, "owner")
      assert.strictEqual(refused.limit, 2)
      assert.include(refused.message, "2")
      yield* tasks.create({ owner: B, method: "m" }) // another owner is not affected
      yield* tasks.finish(first.taskId, "completed", result("x"))
      const third = yield* tasks.create({ owner: A, method: "m" })
      assert.strictEqual((yield* Effect.flip(tasks.get(first.taskId, A)))._tag, "TaskNotFound")
      assert.deepStrictEqual((yield* tasks.list(A, undefined, 10)).tasks.map((t) => t.taskId), [second.taskId, third.taskId])
    }))

  it.effect("maxTasks: refused when the server holds only running tasks; expired ones make room", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ maxTasks: 3 })
      yield* tasks.create({ owner: A, method: "m", ttlMillis: 100 })
      yield* tasks.create({ owner: B, method: "m" })
      yield* tasks.create({ owner: "session:c", method: "m" })
      const refused = yield* refusal(tasks.create({ owner: "session:d", method: "m" }))
      assert.strictEqual(refused._tag, "TaskLimitExceeded")
      assert.strictEqual(refused.scope, "server")
      assert.strictEqual(refused.limit, 3)
      yield* TestClock.adjust("100 millis")
      yield* tasks.create({ owner: "session:d", method: "m" })
      assert.strictEqual(yield* tasks.size, 3)
    }))

  it.effect("memory is bounded: 10,000 tasks through a store of 100 never hold more than 100", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ maxTasks: 100, maxTasksPerOwner: 100 })
      let peak = 0
      for (let i = 0; i < 10_000; i++) {
        const owner = `session:${i % 7}`
        const task = yield* tasks.create({ owner, method: "m" })
        yield* tasks.finish(task.taskId, "completed", result(String(i)))
        peak = Math.max(peak, yield* tasks.size)
      }
      assert.isAtMost(peak, 100)
      assert.strictEqual(yield* tasks.size, 100)
    }))

  it.effect("changes: every transition, creation included, is published", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const subscription = yield* PubSub.subscribe(tasks.changes)
      const task = yield* tasks.create({ owner: A, method: "m" })
      yield* tasks.setStatus(task.taskId, "input_required")
      yield* tasks.setStatus(task.taskId, "working")
      yield* tasks.finish(task.taskId, "failed", { _tag: "Error", error: { code: -32602, message: "bad" } }, "bad")
      yield* tasks.finish(task.taskId, "completed", result("late")) // dropped: not published
      const events = yield* PubSub.takeAll(subscription)
      assert.deepStrictEqual(Array.from(events, (t) => t.status), ["working", "input_required", "working", "failed"])
    }))
})

describe("TaskSupervisor", () => {
  it.effect("a result completes the task; an isError tool result (2025-11-25 policy) or a JSON-RPC error fails it", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      const policy = { outcomeOf: outcomeOf2025 }
      const ok = yield* supervisor.spawn({ owner: A, method: "tools/call" }, () => Effect.succeed({ content: [] }), policy)
      const toolError = yield* supervisor.spawn(
        { owner: A, method: "tools/call" },
        () => Effect.succeed({ content: [], isError: true }),
        policy
      )
      // The default policy (the 2026-07-28 extension's): a tool error is a completed task.
      const toolErrorByDefault = yield* supervisor.spawn(
        { owner: A, method: "tools/call" },
        () => Effect.succeed({ content: [], isError: true })
      )
      const notATool = yield* supervisor.spawn(
        { owner: A, method: "resources/read" },
        () => Effect.succeed({ contents: [], isError: true }),
        policy
      )
      const rpcError = yield* supervisor.spawn(
        { owner: A, method: "resources/read" },
        () => Effect.fail(McpError.invalidParams("nope"))
      )
      yield* yieldMany
      assert.strictEqual((yield* tasks.get(ok.taskId, A)).status, "completed")
      const failedTool = yield* tasks.get(toolError.taskId, A)
      assert.strictEqual(failedTool.status, "failed")
      assert.deepStrictEqual(failedTool.outcome, { _tag: "Result", result: { content: [], isError: true } })
      const completedTool = yield* tasks.get(toolErrorByDefault.taskId, A)
      assert.strictEqual(completedTool.status, "completed")
      assert.deepStrictEqual(completedTool.outcome, { _tag: "Result", result: { content: [], isError: true } })
      assert.strictEqual((yield* tasks.get(notATool.taskId, A)).status, "completed")
      const failedRpc = yield* tasks.get(rpcError.taskId, A)
      assert.strictEqual(failedRpc.status, "failed")
      assert.deepStrictEqual(failedRpc.outcome, { _tag: "Error", error: { code: -32602, message: "nope" } })
      assert.strictEqual(failedRpc.statusMessage, "nope")
      assert.strictEqual(yield* supervisor.running, 0)
    }))

  it.effect("spawn answers before the work ends; cancel records cancelled and interrupts the work", () =>
    Effect.gen(function*() {
      const tasks = yield* store()
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      const interrupted = yield* Deferred.make<void>()
      const task = yield* supervisor.spawn(
        { owner: A, method: "tools/call" },
        () => Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
      )
      yield* yieldMany
      assert.strictEqual((yield* tasks.get(task.taskId, A)).status, "working")
      assert.strictEqual(yield* supervisor.running, 1)
      assert.strictEqual((yield* Effect.flip(supervisor.cancel(task.taskId, B)))._tag, "TaskNotFound")
      const cancelled = yield* supervisor.cancel(task.taskId, A)
      assert.strictEqual(cancelled.status, "cancelled")
      yield* Deferred.await(interrupted)
      yield* yieldMany
      assert.strictEqual((yield* tasks.get(task.taskId, A)).status, "cancelled")
      assert.strictEqual(yield* supervisor.running, 0)
      assert.strictEqual((yield* Effect.flip(supervisor.cancel(task.taskId, A)))._tag, "TaskAlreadyTerminal")
    }))

  it.effect("spawn fails with TaskLimitExceeded (and runs nothing) when the store is full", () =>
    Effect.gen(function*() {
      const tasks = yield* store({ maxTasksPerOwner: 1 })
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      let runs = 0
      const work = () => Effect.andThen(Effect.sync(() => runs++), Effect.never)
      yield* supervisor.spawn({ owner: A, method: "tools/call" }, work)
      const refused = yield* Effect.flip(supervisor.spawn({ owner: A, method: "tools/call" }, work))
      assert.strictEqual(refused._tag, "TaskLimitExceeded")
      yield* yieldMany
      assert.strictEqual(runs, 1)
    }))
})
