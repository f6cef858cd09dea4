/**
 * Group commit of the Redis stores (`batch`, src/redis/internal/batch.ts): the calls of one turn
 * of the event loop in one flush, in order, each with its own result; at most `maxBatch` per
 * flush; one flush in flight (the calls made meanwhile go in the next); a failed flush fails its
 * calls; a call interrupted before its flush is left out.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { batch } from "../../src/redis/internal/batch.ts"

/** A flush that records its items and answers `f` of each. */
const recording = <I, O>(flushes: Array<ReadonlyArray<I>>, f: (item: I) => O) => (items: ReadonlyArray<I>) =>
  Effect.sync(() => {
    flushes.push(items)
    return items.map(f)
  })

describe("batch (group commit of the Redis stores)", () => {
  it.live("the calls of one turn go in one flush, in order, each with its own result", () =>
    Effect.gen(function*() {
      const flushes: Array<ReadonlyArray<number>> = []
      const double = batch(recording(flushes, (n: number) => n * 2), 64, 1_000)
      const results = yield* Effect.all([1, 2, 3, 4, 5].map(double), { concurrency: "unbounded" })
      assert.deepStrictEqual(results, [2, 4, 6, 8, 10])
      assert.deepStrictEqual(flushes, [[1, 2, 3, 4, 5]])
      // Alone, a call is a batch of one; a later turn is a flush of its own.
      assert.strictEqual(yield* double(7), 14)
      assert.deepStrictEqual(flushes, [[1, 2, 3, 4, 5], [7]])
    }))

  it.live("at most maxBatch items per flush", () =>
    Effect.gen(function*() {
      const flushes: Array<ReadonlyArray<number>> = []
      const same = batch(recording(flushes, (n: number) => n), 3, 1_000)
      const results = yield* Effect.all(Array.from({ length: 8 }, (_, i) => same(i)), { concurrency: "unbounded" })
      assert.deepStrictEqual(results, [0, 1, 2, 3, 4, 5, 6, 7])
      assert.deepStrictEqual(flushes, [[0, 1, 2], [3, 4, 5], [6, 7]])
    }))

  it.live("an asynchronous flush that fails fails every call of its batch, and only those", () =>
    Effect.gen(function*() {
      let calls = 0
      const flaky = batch(
        (items: ReadonlyArray<string>) =>
          Effect.andThen(Effect.sleep(5), ++calls === 1 ? Effect.fail("down" as const) : Effect.succeed(items.map((s) => s.toUpperCase()))),
        64,
        1_000
      )
      const failed = yield* Effect.all([flaky("a"), flaky("b")].map(Effect.exit), { concurrency: "unbounded" })
      assert.deepStrictEqual(failed, [Exit.fail("down" as const), Exit.fail("down" as const)])
      assert.deepStrictEqual(yield* Effect.all([flaky("c"), flaky("d")], { concurrency: "unbounded" }), ["C", "D"])
    }))

  it.live("a flush that throws while building its call fails its batch, not the process", () =>
    Effect.gen(function*() {
      const throwing = batch((_: ReadonlyArray<number>): Effect.Effect<ReadonlyArray<number>> => {
        throw new Error("bad arguments")
      }, 64, 1_000)
      const exits = yield* Effect.all([throwing(1), throwing(2)].map(Effect.exit), { concurrency: "unbounded" })
      for (const exit of exits) assert.isTrue(Exit.isFailure(exit) && String(exit.cause).includes("bad arguments"))
    }))

  // One flush in flight: a busy process's calls gather while Redis runs the last batch (bigger
  // batches: fewer round trips and script runs per call), and each call's bound counts from when
  // it was made (the flush is told when its oldest call was).
  it.live("one flush in flight: the calls made while it runs go together in the next, told when their oldest was made", () =>
    Effect.gen(function*() {
      const flushes: Array<{ readonly items: ReadonlyArray<string>; readonly since: number; readonly at: number }> = []
      const open = yield* Deferred.make<void>()
      // The first flush waits for `open`; the others answer at once.
      const slow = batch((items: ReadonlyArray<string>, since: number) => {
        const wait = flushes.length === 0 ? Deferred.await(open) : Effect.void
        flushes.push({ items, since, at: Date.now() })
        return Effect.as(wait, items)
      }, 64, 1_000)
      const first = yield* Effect.forkChild(slow("a"))
      yield* Effect.sleep(5)
      assert.deepStrictEqual(flushes.map((flush) => flush.items), [["a"]])
      // Made while "a" is in flight, in two turns: they wait for it.
      const b = yield* Effect.forkChild(slow("b"))
      yield* Effect.sleep(5)
      const madeB = Date.now()
      const c = yield* Effect.forkChild(slow("c"))
      yield* Effect.sleep(20)
      assert.deepStrictEqual(flushes.map((flush) => flush.items), [["a"]])
      yield* Deferred.succeed(open, undefined)
      assert.deepStrictEqual(yield* Effect.all([Fiber.join(first), Fiber.join(b), Fiber.join(c)]), ["a", "b", "c"])
      assert.deepStrictEqual(flushes.map((flush) => flush.items), [["a"], ["b", "c"]])
      // told when "b" was made, 25 ms or more before its flush went
      assert.isAtMost(flushes[1]!.since, madeB)
      assert.isAtLeast(flushes[1]!.at - flushes[1]!.since, 20)
    }))

  // A flush that is slow (a Redis loading its script, on a loaded machine, took 160 ms) took
  // the bound of every call behind it: a creation of a store bounded at 300 ms failed
  // (test/redis/ShutdownForget.test.ts).
  it.live("calls behind a flush that does not answer go anyway once the oldest has waited maxWaitMillis", () =>
    Effect.gen(function*() {
      const flushes: Array<ReadonlyArray<string>> = []
      const never = yield* Deferred.make<void>()
      const stuck = batch((items: ReadonlyArray<string>) => {
        const wait = flushes.length === 0 ? Deferred.await(never) : Effect.void
        flushes.push(items)
        return Effect.as(wait, items)
      }, 64, 30)
      yield* Effect.forkChild(stuck("a"))
      yield* Effect.sleep(5)
      const b = yield* Effect.forkChild(stuck("b"))
      const c = yield* Effect.forkChild(stuck("c"))
      assert.deepStrictEqual(yield* Effect.all([Fiber.join(b), Fiber.join(c)]), ["b", "c"])
      assert.deepStrictEqual(flushes, [["a"], ["b", "c"]])
    }))

  // Past maxBatch, the calls behind a flush that does not answer went only when some flush
  // answered: the first maxBatch of them after maxWaitMillis, the others never here.
  it.live("calls past maxBatch behind a flush that does not answer go too once the oldest has waited maxWaitMillis", () =>
    Effect.gen(function*() {
      const flushes: Array<ReadonlyArray<string>> = []
      const never = yield* Deferred.make<void>()
      const stuck = batch((items: ReadonlyArray<string>) => {
        const wait = items[0] === "a" || items[0] === "b" ? Deferred.await(never) : Effect.void
        flushes.push(items)
        return Effect.as(wait, items)
      }, 2, 30)
      // "a" and then "b", "c" never answer: "d", "e" and "f" go all the same.
      yield* Effect.forkChild(stuck("a"))
      yield* Effect.sleep(5)
      for (const item of ["b", "c"]) yield* Effect.forkChild(stuck(item))
      const rest = yield* Effect.forkChild(Effect.all(["d", "e", "f"].map(stuck), { concurrency: "unbounded" }))
      const answered = yield* Effect.timeoutOption(Fiber.join(rest), 5_000)
      assert.deepStrictEqual(answered, Option.some(["d", "e", "f"]))
      assert.deepStrictEqual(flushes, [["a"], ["b", "c"], ["d", "e"], ["f"]])
    }))

  it.live("a call interrupted before its flush is left out of it", () =>
    Effect.gen(function*() {
      const flushes: Array<ReadonlyArray<string>> = []
      const echo = batch(recording(flushes, (s: string) => s), 64, 1_000)
      const left = yield* Effect.forkChild(echo("left"))
      const kept = yield* Effect.forkChild(echo("kept"))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(left)
      assert.strictEqual(yield* Fiber.join(kept), "kept")
      assert.deepStrictEqual(flushes, [["kept"]])
      // All of a turn's calls interrupted: nothing is flushed.
      const gone = yield* Effect.forkChild(echo("gone"))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(gone)
      yield* Effect.sleep(10)
      assert.deepStrictEqual(flushes, [["kept"]])
    }))
})
