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
import { within } from "../../src/redis/internal/store.ts"

const late = "late"

describe("within (the bound of a Redis store operation)", () => {
  it.effect("an effect in time: its success or its failure, synchronous or not", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* within(Effect.succeed(1), 50, () => late), 1)
      assert.deepStrictEqual(yield* Effect.exit(within(Effect.fail("boom"), 50, () => late)), Exit.fail("boom"))
      const later = Effect.promise(() => new Promise<number>((resolve) => setTimeout(() => resolve(2), 5)))
      assert.strictEqual(yield* within(later, 1_000, () => late), 2)
      const failsLater = Effect.flatMap(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5))), () => Effect.fail("later"))
      assert.deepStrictEqual(yield* Effect.exit(within(failsLater, 1_000, () => late)), Exit.fail("later"))
    }))

  it.effect("an effect too slow: the timeout's error, and the effect interrupted", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const never = Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
      const started = Date.now()
      assert.deepStrictEqual(yield* Effect.exit(within(never, 30, () => late)), Exit.fail(late))
      assert.isAtLeast(Date.now() - started, 25)
      yield* Effect.timeoutOrElse(Deferred.await(interrupted), { duration: 1_000, orElse: () => Effect.die(new Error("not interrupted")) })
    }))

  it.effect("its caller interrupted: the effect is interrupted too", () =>
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
})
