/**
 * `nextTurn`: every fiber waiting in one turn resumes on the next, in the order they waited, after
 * the current turn's synchronous work; an interrupted waiter does not go on.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { nextTurn } from "../../src/internal/nextTurn.ts"

describe("nextTurn", () => {
  it.live("resumes waiters on the next turn, in order; an interrupted one never resumes", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      const waiter = (name: string) => Effect.runFork(Effect.andThen(nextTurn, Effect.sync(() => order.push(name))))
      const a = waiter("a")
      const b = waiter("b")
      const c = waiter("c")
      order.push("same turn")
      yield* Fiber.interrupt(b)
      assert.deepStrictEqual(order, ["same turn"])
      yield* Fiber.join(a)
      yield* Fiber.join(c)
      assert.deepStrictEqual(order, ["same turn", "a", "c"])
      // Waiters of a later turn wait for a turn of their own.
      const d = waiter("d")
      assert.strictEqual(order.length, 3)
      yield* Fiber.join(d)
      assert.deepStrictEqual(order, ["same turn", "a", "c", "d"])
    }))
})
