/**
 * The supervisor copies its map of running tasks every few hundred deletions
 * (`internal/renewal.ts`): across those copies it still knows every running task (the count, a
 * cancel by id, the scope's interruption of the rest).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { period } from "../../src/internal/renewal.ts"
import { makeMemory } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"

const A = "session:a"

describe("TaskSupervisor across the renewals of its running map", () => {
  it.live("tasks that end while others run leave the right ones running: counted, cancelled by id, interrupted with the scope", () =>
    Effect.gen(function*() {
      // A multiple of 6 past 3 periods: 2n/3 deletions make two renewals at least.
      const n = 6 * Math.ceil(period / 2)
      const store = yield* makeMemory({ maxTasks: 2 * n, maxTasksPerOwner: 2 * n })
      const scope = yield* Scope.make()
      const supervisor = TaskSupervisor.make(store, scope)
      const releases: Array<Deferred.Deferred<void>> = []
      const interrupted = new Set<number>()
      const tasks = yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
        Effect.flatMap(Deferred.make<void>(), (release) => {
          releases.push(release)
          return supervisor.spawn({ owner: A, method: "tools/call" }, () =>
            Effect.onInterrupt(Effect.as(Deferred.await(release), { content: [] }), () => Effect.sync(() => interrupted.add(i))))
        }))
      yield* Effect.sleep("20 millis")
      assert.strictEqual(yield* supervisor.running, n)
      // Every task but each third ends: 2n/3 deletions, two renewals at least.
      for (let i = 0; i < n; i++) if (i % 3 !== 0) yield* Deferred.succeed(releases[i]!, undefined)
      yield* Effect.sleep("50 millis")
      assert.strictEqual(yield* supervisor.running, n / 3)
      for (let i = 0; i < n; i++) {
        const task = yield* store.get(tasks[i]!.taskId, A)
        assert.strictEqual(task.status, i % 3 === 0 ? "working" : "completed", `task ${i}`)
      }
      // Cancel by id finds the ones still running, wherever they sat.
      for (let i = 0; i < n; i += 6) yield* supervisor.cancel(tasks[i]!.taskId, A)
      yield* Effect.sleep("20 millis")
      assert.strictEqual(yield* supervisor.running, n / 3 - n / 6)
      for (let i = 0; i < n; i += 6) assert.isTrue(interrupted.has(i), `task ${i} interrupted by its cancel`)
      // The scope interrupts every one left.
      yield* Scope.close(scope, Exit.void)
      for (let i = 3; i < n; i += 6) assert.isTrue(interrupted.has(i), `task ${i} interrupted with the scope`)
      assert.strictEqual(interrupted.size, n / 3)
    }))
})
