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

  // A group commit's call waited for the batch before it (one in flight: src/redis/internal/batch.ts):
  // its bound counts from when it was made, not from when its batch went.
  it.live("runSince: bounded by what is left of the bound since the batch's oldest call; nothing left, failed at once and not sent", () =>
    Effect.gen(function*() {
      const { runSince } = resolve("TaskStore", "tasks:", { timeoutMillis: 1_000 })
      let sent = 0
      const call = Effect.sync(() => ++sent)
      const spent = yield* Effect.flip(runSince("create", call, Date.now() - 1_000))
      assert.strictEqual(spent.message, "Redis did not answer create within 1000 ms")
      assert.strictEqual(sent, 0)
      assert.strictEqual(yield* runSince("create", call, Date.now() - 900), 1)
      // What is left bounds it: 100 ms of 1 000, not the whole bound.
      const started = Date.now()
      const slow = yield* Effect.flip(runSince("create", Effect.never, Date.now() - 900))
      assert.strictEqual(slow.message, "Redis did not answer create within 1000 ms")
      assert.isBelow(Date.now() - started, 900)
    }))

  // `since` is a wall-clock time (Date.now()): a clock set back while a call waited puts it in the
  // future. The bound stays the operation's, never what is left of it plus the clock's jump.
  it.live("runSince: a call made after now (the clock set back since) is bounded by the whole bound, no more", () =>
    Effect.gen(function*() {
      const { runSince } = resolve("TaskStore", "tasks:", { timeoutMillis: 100 })
      const outcome = yield* Effect.timeoutOption(Effect.flip(runSince("create", Effect.never, Date.now() + 3_600_000)), 10_000)
      assert.isTrue(outcome._tag === "Some", "bounded by the clock's jump (an hour), not by timeoutMillis")
      assert.strictEqual(outcome._tag === "Some" && outcome.value.message, "Redis did not answer create within 100 ms")
    }))

  it("a bound no timer can hold is refused when the store is made", () => {
    assert.throws(() => resolve("TaskStore", "tasks:", { timeoutMillis: 2 ** 31 }), /at most 2147483647/)
    assert.throws(() => resolve("TaskStore", "tasks:", { timeoutMillis: 0 }), RangeError)
    assert.strictEqual(typeof resolve("TaskStore", "tasks:", { timeoutMillis: 2 ** 31 - 1 }).run, "function")
  })
})
