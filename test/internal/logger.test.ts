import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import { makeLogger, withLoggers } from "../../src/internal/logger.ts"

describe("internal/logger (Logger.make and Logger.layer without effect/Logger)", () => {
  it("makes what Logger.make makes: a logger on the same prototype", () => {
    const log = () => "out"
    const made = makeLogger(log)
    assert.isTrue(Logger.isLogger(made))
    assert.strictEqual(Object.getPrototypeOf(made), Object.getPrototypeOf(Logger.make(log)))
    assert.strictEqual(made.log, log)
  })

  it.effect("withLoggers adds its loggers to the current ones, and Effect.log reaches them", () =>
    Effect.gen(function*() {
      const lines: Array<unknown> = []
      const mine = makeLogger((options) => void lines.push(options.message))
      const before = yield* References.CurrentLoggers
      const inside = yield* Effect.gen(function*() {
        yield* Effect.log("hello")
        return yield* References.CurrentLoggers
      }).pipe(Effect.provide(withLoggers([mine])))
      assert.strictEqual(inside.size, before.size + 1)
      for (const logger of before) assert.isTrue(inside.has(logger))
      assert.isTrue(inside.has(mine))
      assert.deepStrictEqual(lines, [["hello"]])
    }))
})
