/**
 * The supervisor's TTL deadlines (one heap, one timer for the earliest), on the live clock: each
 * task's work is interrupted when its own TTL elapses, whatever the order the tasks were created
 * in, and the task fails as expired; a task that ended or was cancelled leaves the heap; a work
 * that throws fails its task.
 */
import { assert, describe, it } from "@effect/vitest"
import { vi } from "vitest"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type { Task } from "../../src/tasks/Task.ts"
import { makeMemory } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"

const A = "session:a"

describe("TaskSupervisor deadlines", () => {
  it.live("tasks created in any TTL order expire each at its own TTL; a cancelled one never expires", () =>
    Effect.gen(function*() {
      const tasks = yield* makeMemory({ maxTtlMillis: 60_000 })
      const changes = yield* PubSub.subscribe(tasks.changes)
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      const interrupted: Array<string> = []
      const spawn = (name: string, ttlMillis: number) =>
        supervisor.spawn(
          { owner: A, method: "tools/call", ttlMillis },
          () => Effect.onInterrupt(Effect.never, () => Effect.sync(() => interrupted.push(name)))
        )
      const long = yield* spawn("long", 1_500)
      const short = yield* spawn("short", 100)
      yield* spawn("middle", 700)
      const cancelled = yield* spawn("cancelled", 400)
      // A spawned work starts after the CreateTaskResult (one yield): let them start.
      yield* Effect.sleep("20 millis")
      yield* supervisor.cancel(cancelled.taskId, A)

      yield* Effect.sleep("400 millis")
      assert.deepStrictEqual(interrupted, ["cancelled", "short"])
      assert.strictEqual(yield* supervisor.running, 2)
      yield* Effect.sleep("600 millis")
      assert.deepStrictEqual(interrupted, ["cancelled", "short", "middle"])
      assert.strictEqual((yield* tasks.get(long.taskId, A)).status, "working")
      yield* Effect.sleep("800 millis")
      assert.deepStrictEqual(interrupted, ["cancelled", "short", "middle", "long"])
      assert.strictEqual(yield* supervisor.running, 0)

      const ended = (yield* PubSub.takeAll(changes)).filter((task: Task) => task.status !== "working")
      assert.deepStrictEqual(ended.map((task) => task.status), ["cancelled", "failed", "failed", "failed"])
      assert.strictEqual(ended[1]!.statusMessage, `Task ${short.taskId} expired after 100 ms before it finished`)
    }))

  // Fails before: a TTL past the longest delay of a Node timer (2^31 - 1 ms, about 24.8 days) put
  // no deadline at all, so the work outlived its task (gone from the store at its TTL) for ever,
  // while the options say the TTL always bounds the work. The heap re-arms its timer on the way.
  it.live("a TTL longer than a Node timer's longest delay (24.8 days) still bounds the work", () =>
    Effect.gen(function*() {
      // The timers and `performance.now()` are the test's (the deadlines' clock); Effect schedules
      // with setImmediate, which stays real.
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] })
      yield* Effect.addFinalizer(() => Effect.sync(() => vi.useRealTimers()))
      const day = 86_400_000
      const tasks = yield* makeMemory({ maxTtlMillis: 40 * day })
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      let interrupted = false
      const task = yield* supervisor.spawn(
        { owner: A, method: "tools/call", ttlMillis: 30 * day },
        () => Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (interrupted = true)))
      )
      const turns = (n: number) =>
        Effect.promise(async () => {
          for (let i = 0; i < n && !interrupted; i++) await new Promise((resolve) => setImmediate(resolve))
        })
      yield* turns(5)
      assert.strictEqual(task.ttlMillis, 30 * day)
      vi.advanceTimersByTime(29 * day)
      yield* turns(5)
      assert.isFalse(interrupted, "interrupted before its TTL")
      vi.advanceTimersByTime(day + 1_000)
      yield* turns(50)
      assert.isTrue(interrupted, "the work outlived its TTL")
      assert.strictEqual(yield* supervisor.running, 0)
    }))

  it.live("a task that ends before its TTL is not failed by it; a work that throws fails its task", () =>
    Effect.gen(function*() {
      const tasks = yield* makeMemory()
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      const quick = yield* supervisor.spawn(
        { owner: A, method: "tools/call", ttlMillis: 300 },
        () => Effect.as(Effect.sleep("50 millis"), { content: [] })
      )
      const thrown = yield* supervisor.spawn({ owner: A, method: "tools/call" }, () => {
        throw new Error("boom")
      })
      yield* Effect.sleep("150 millis")
      assert.strictEqual((yield* tasks.get(quick.taskId, A)).status, "completed")
      assert.strictEqual((yield* tasks.get(thrown.taskId, A)).status, "failed")
      assert.strictEqual(yield* supervisor.running, 0)
    }))
})

describe("TaskSupervisor start and promotion races", () => {
  it.live("a spawned work starts after spawn answers: an instant work's outcome never precedes its creation", () =>
    Effect.gen(function*() {
      const tasks = yield* makeMemory()
      const supervisor = TaskSupervisor.make(tasks, yield* Effect.scope)
      const order: Array<string> = []
      const task = yield* supervisor.spawn({ owner: A, method: "tools/call" }, () =>
        Effect.sync(() => {
          order.push("work")
          return { content: [] }
        }), {
        onTransition: (t) => Effect.sync(() => void order.push(t.status))
      })
      order.push("answered")
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(order, ["answered", "work", "completed"])
      assert.strictEqual((yield* tasks.get(task.taskId, A)).status, "completed")
    }))

  it.live("a work that ends while the timer's promotion is still creating its task: the task ends with the work's outcome", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      // A store that answers creations 40 ms late (as a remote store may).
      const slow = { ...memory, create: (input: Parameters<typeof memory.create>[0]) => Effect.andThen(Effect.sleep("40 millis"), memory.create(input)) }
      const supervisor = TaskSupervisor.make(slow, yield* Effect.scope)
      const decision = yield* supervisor.promotable(
        { owner: A, method: "tools/call" },
        () => Effect.as(Effect.sleep("25 millis"), { content: [{ type: "text", text: "done" }] }),
        { promoteAfter: 10 }
      )
      assert.strictEqual(decision._tag, "Promoted")
      const taskId = decision._tag === "Promoted" ? decision.task.taskId : ""
      yield* Effect.sleep("50 millis")
      const task = yield* memory.get(taskId, A)
      assert.strictEqual(task.status, "completed", "not left working forever")
      assert.strictEqual(yield* supervisor.running, 0)
    }))
})
