/**
 * The supervisor indexes its running tasks by owner, for `cancelOwnedBy` (a closing session costs
 * its own tasks, not a scan of every running one): the index follows the tasks as they start,
 * end and are cancelled (an owner of one, of many, back to one; across the copies of its Sets),
 * a close cancels exactly its owner's tasks, and an owner's entry goes with its last task.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { period } from "../../src/internal/renewal.ts"
import { makeMemory } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"

/** Waits until `done` holds: looked at every 5 ms, at most 10 s (not a fixed while, which a loaded machine may overrun). */
const until = (done: () => Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2_000 && !(yield* done()); i++) yield* Effect.sleep("5 millis")
  })

describe("TaskSupervisor's index of running tasks by owner", () => {
  it.live("cancelOwnedBy cancels its owner's running tasks and no other's; owners' entries go with their last task", () =>
    Effect.gen(function*() {
      // Owner A holds many (its Set copied on the way), B one, C two; D none.
      const n = 3 * period
      const store = yield* makeMemory({ maxTasks: 2 * n, maxTasksPerOwner: 2 * n })
      const scope = yield* Scope.make()
      const supervisor = TaskSupervisor.make(store, scope)
      const owners = supervisor.owners!
      const interrupted = new Set<string>()
      const spawn = (owner: string) =>
        Effect.flatMap(Deferred.make<void>(), (release) =>
          Effect.map(
            supervisor.spawn({ owner, method: "tools/call" }, (task) =>
              Effect.onInterrupt(Effect.as(Deferred.await(release), { content: [] }), () => Effect.sync(() => interrupted.add(task.taskId)))),
            (task) => ({ task, release })
          ))
      const a = yield* Effect.forEach(Array.from({ length: n }), () => spawn("session:a"))
      const [b] = yield* Effect.forEach(Array.from({ length: 1 }), () => spawn("session:b"))
      const c = yield* Effect.forEach(Array.from({ length: 2 }), () => spawn("principal:c"))
      assert.strictEqual(yield* owners, 3)
      assert.strictEqual(yield* supervisor.running, n + 3)

      // Two thirds of A's end (their Set copied on the way); C goes back to one, then to two again.
      for (let i = 0; i < n; i++) if (i % 3 !== 0) yield* Deferred.succeed(a[i]!.release, undefined)
      yield* Deferred.succeed(c[0]!.release, undefined)
      yield* until(() => Effect.map(supervisor.running, (running) => running === n / 3 + 2))
      assert.strictEqual(yield* owners, 3)
      c.push(yield* spawn("principal:c"))
      assert.strictEqual(yield* supervisor.running, n / 3 + 3)

      // An owner with nothing running: nothing happens.
      yield* supervisor.cancelOwnedBy("session:d")
      assert.strictEqual(yield* supervisor.running, n / 3 + 3)
      assert.strictEqual(yield* owners, 3)

      // A closes: its running tasks are cancelled (and interrupted), its ended ones stay completed, B's and C's run on.
      yield* supervisor.cancelOwnedBy("session:a")
      yield* until(() => Effect.sync(() => interrupted.size === n / 3))
      for (let i = 0; i < n; i++) {
        const task = yield* store.get(a[i]!.task.taskId, "session:a")
        assert.strictEqual(task.status, i % 3 === 0 ? "cancelled" : "completed", `task ${i} of A`)
        assert.strictEqual(interrupted.has(a[i]!.task.taskId), i % 3 === 0, `task ${i} of A interrupted`)
      }
      assert.strictEqual((yield* store.get(b!.task.taskId, "session:b")).status, "working")
      for (const { task } of c.slice(1)) assert.strictEqual((yield* store.get(task.taskId, "principal:c")).status, "working")
      assert.strictEqual(yield* supervisor.running, 3)
      assert.strictEqual(yield* owners, 2)

      // B's task is cancelled by id, C's end: no owner is left in the index.
      yield* supervisor.cancel(b!.task.taskId, "session:b")
      assert.strictEqual(yield* owners, 1)
      for (const { release } of c.slice(1)) yield* Deferred.succeed(release, undefined)
      yield* until(() => Effect.map(supervisor.running, (running) => running === 0))
      assert.strictEqual(yield* supervisor.running, 0)
      assert.strictEqual(yield* owners, 0)
      // A second close of A finds nothing, and C's tasks (ended) are untouched by a close of C.
      yield* supervisor.cancelOwnedBy("session:a")
      yield* supervisor.cancelOwnedBy("principal:c")
      for (const { task } of c.slice(1)) assert.strictEqual((yield* store.get(task.taskId, "principal:c")).status, "completed")
      assert.strictEqual(interrupted.size, n / 3 + 1)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("tasks ended by their TTL or by the scope leave the index too", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory({ maxTasks: 100, maxTasksPerOwner: 100 })
      const scope = yield* Scope.make()
      const supervisor = TaskSupervisor.make(store, scope)
      for (let i = 0; i < 4; i++) yield* supervisor.spawn({ owner: `session:${i % 2}`, method: "tools/call", ttlMillis: 30 }, () => Effect.never)
      yield* supervisor.spawn({ owner: "session:long", method: "tools/call" }, () => Effect.never)
      assert.strictEqual(yield* supervisor.owners!, 3)
      yield* until(() => Effect.map(supervisor.running, (running) => running === 1))
      assert.strictEqual(yield* supervisor.running, 1)
      assert.strictEqual(yield* supervisor.owners!, 1)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(yield* supervisor.owners!, 0)
    }))
})
