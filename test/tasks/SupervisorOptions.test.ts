/**
 * `TaskSupervisor.make` checks its numeric options as `McpServer.tasks` does: a `RangeError` naming
 * the option, thrown when the supervisor is made. Before, none was checked: `maxResultBytes: NaN`
 * silently lifted the bound on a task's stored result, 0 failed every task, and a `leaseMillis` of
 * `NaN` or 0 renewed leases every millisecond.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { makeMemory } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"

describe("TaskSupervisor.make's options", () => {
  // Fails before: make took each of these and threw nothing.
  it.effect("an option out of range is a RangeError naming it; a value in range is taken", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory()
      const scope = yield* Effect.scope
      const make = (options: TaskSupervisor.SupervisorOptions) => () => TaskSupervisor.make(store, scope, options)
      for (const bad of [Number.NaN, 0, -1, 1.5, Number.NEGATIVE_INFINITY, "1000" as unknown as number]) {
        assert.throws(make({ maxResultBytes: bad }), RangeError, /^TaskSupervisor\.make: maxResultBytes must be an integer >= 1 or Infinity, got /)
      }
      for (const bad of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY]) {
        assert.throws(make({ leaseMillis: bad }), RangeError, /^TaskSupervisor\.make: leaseMillis must be a finite number > 0 \(milliseconds\), got /)
      }
      const child = yield* Scope.fork(scope)
      for (const good of [{}, { maxResultBytes: 1 }, { maxResultBytes: Number.POSITIVE_INFINITY }, { leaseMillis: 0.5 }, { leaseMillis: 15_000 }]) {
        assert.isObject(TaskSupervisor.make(store, child, good), JSON.stringify(good))
      }
      yield* Scope.close(child, Exit.void)
    }).pipe(Effect.scoped))
})
