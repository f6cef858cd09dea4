/**
 * Group commit of the Redis stores (`batch`, src/redis/internal/batch.ts): the calls of one turn
 * of the event loop in one flush, in order, each with its own result; at most `maxBatch` per
 * flush; a failed flush fails its calls; a call interrupted before its flush is left out.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
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
      const double = batch(recording(flushes, (n: number) => n * 2), 64)
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
      const same = batch(recording(flushes, (n: number) => n), 3)
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
        64
      )
      const failed = yield* Effect.all([flaky("a"), flaky("b")].map(Effect.exit), { concurrency: "unbounded" })
      assert.deepStrictEqual(failed, [Exit.fail("down" as const), Exit.fail("down" as const)])
      assert.deepStrictEqual(yield* Effect.all([flaky("c"), flaky("d")], { concurrency: "unbounded" }), ["C", "D"])
    }))

  it.live("a flush that throws while building its call fails its batch, not the process", () =>
    Effect.gen(function*() {
      const throwing = batch((_: ReadonlyArray<number>): Effect.Effect<ReadonlyArray<number>> => {
        throw new Error("bad arguments")
      }, 64)
      const exits = yield* Effect.all([throwing(1), throwing(2)].map(Effect.exit), { concurrency: "unbounded" })
      for (const exit of exits) assert.isTrue(Exit.isFailure(exit) && String(exit.cause).includes("bad arguments"))
    }))

  it.live("a call interrupted before its flush is left out of it", () =>
    Effect.gen(function*() {
      const flushes: Array<ReadonlyArray<string>> = []
      const echo = batch(recording(flushes, (s: string) => s), 64)
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
