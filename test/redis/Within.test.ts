/**
 * The bound of every Redis store operation (`within`, src/redis/internal/store.ts): the effect's
 * own outcome when it is in time, the timeout's error (and the effect interrupted) when it is not,
 * and the effect interrupted with its caller.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { resolve, within } from "../../src/redis/internal/store.ts"

const late = "late"

describe("within (the bound of a Redis store operation)", () => {
  it.live("an effect in time: its success or its failure, synchronous or not", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* within(Effect.succeed(1), 50, () => late), 1)
      assert.deepStrictEqual(yield* Effect.exit(within(Effect.fail("boom"), 50, () => late)), Exit.fail("boom"))
      const later = Effect.promise(() => new Promise<number>((resolve) => setTimeout(() => resolve(2), 5)))
      assert.strictEqual(yield* within(later, 1_000, () => late), 2)
      const failsLater = Effect.flatMap(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5))), () => Effect.fail("later"))
      assert.deepStrictEqual(yield* Effect.exit(within(failsLater, 1_000, () => late)), Exit.fail("later"))
    }))

  it.live("an effect too slow: the timeout's error, and the effect interrupted", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const never = Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
      const started = Date.now()
      assert.deepStrictEqual(yield* Effect.exit(within(never, 30, () => late)), Exit.fail(late))
      assert.isAtLeast(Date.now() - started, 25)
      yield* Effect.timeoutOrElse(Deferred.await(interrupted), { duration: 1_000, orElse: () => Effect.die(new Error("not interrupted")) })
    }))

  it.live("its caller interrupted at any step (also before the effect's first answer): the effect is interrupted too", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const never = Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
      const fiber = yield* Effect.forkChild(within(never, 50, () => late))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(fiber)
      yield* Effect.timeoutOrElse(Deferred.await(interrupted), { duration: 1_000, orElse: () => Effect.die(new Error("not interrupted")) })
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.hasInterrupts(exit), String(exit))
    }))

  it.live("the caller interrupted right after the effect started, many times: no effect is left running", () =>
    Effect.gen(function*() {
      let running = 0
      const tracked = Effect.acquireUseRelease(Effect.sync(() => running++), () => Effect.never, () => Effect.sync(() => running--))
      for (let i = 0; i < 200; i++) {
        const fiber = yield* Effect.forkChild(within(tracked, 10_000, () => late))
        if (i % 2 === 0) yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
      }
      assert.strictEqual(running, 0)
    }))

  it("a bound no timer can hold is refused when the store is made", () => {
    assert.throws(() => resolve("TaskStore", "tasks:", { timeoutMillis: 2 ** 31 }), /at most 2147483647/)
    assert.throws(() => resolve("TaskStore", "tasks:", { timeoutMillis: 0 }), RangeError)
    assert.strictEqual(typeof resolve("TaskStore", "tasks:", { timeoutMillis: 2 ** 31 - 1 }).run, "function")
  })
})
