import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import { errorForLog, forLog, maxLoggedMessage } from "../../src/internal/loggedCause.ts"
import { StoreError } from "../../src/store/StoreError.ts"

class Tagged extends Schema.TaggedError<Tagged>()("Tagged", { message: Schema.String, code: Schema.Number }) {}

const long = "m".repeat(maxLoggedMessage + 10)
const clipped = `${"m".repeat(maxLoggedMessage)}… (10 more characters)`

describe("internal/loggedCause (a cause as the server logs it)", () => {
  it("is the cause itself when no message is too long", () => {
    const cause = Cause.combine(Cause.die(new Error("short")), Cause.fail("also short"))
    assert.strictEqual(forLog(cause), cause)
  })

  it("clips the message of an Error defect, in its stack too, and keeps the rest", () => {
    const error = new TypeError(long)
    const logged = forLog(Cause.die(error))
    const defect = (logged.reasons[0] as Cause.Die).defect as TypeError
    assert.instanceOf(defect, TypeError)
    assert.strictEqual(defect.message, clipped)
    assert.isTrue(defect.stack!.startsWith(`TypeError: ${clipped}\n    at `))
    assert.notInclude(Cause.pretty(logged), long)
    assert.include(Cause.pretty(logged), clipped)
    assert.strictEqual(error.message, long, "the original is left as it was")
  })

  it("clips string defects, failures with a message and long messages down a chain of causes", () => {
    const logged = forLog(Cause.combine(
      Cause.die(long),
      Cause.fail(new Tagged({ message: long, code: 7 }))
    ))
    const [die, fail] = logged.reasons as [Cause.Die, Cause.Fail<Tagged>]
    assert.strictEqual(die.defect, clipped)
    assert.instanceOf(fail.error, Tagged)
    assert.strictEqual(fail.error.message, clipped)
    assert.strictEqual(fail.error.code, 7)
    const chained = forLog(Cause.die(new Error("outer", { cause: new Error(long) })))
    const outer = (chained.reasons[0] as Cause.Die).defect as Error
    assert.strictEqual(outer.message, "outer")
    assert.strictEqual((outer.cause as Error).message, clipped)
  })

  it("errorForLog clips an error logged as a message part (a StoreError and its driver's cause)", () => {
    const short = new StoreError({ store: "TaskStore", message: "connection refused" })
    assert.strictEqual(errorForLog(short), short)
    const error = new StoreError({ store: "TaskStore", message: "the script failed", cause: new Error(long) })
    const logged = errorForLog(error)
    assert.instanceOf(logged, StoreError)
    assert.strictEqual(logged.store, "TaskStore")
    assert.strictEqual(logged.message, "the script failed")
    assert.strictEqual((logged.cause as Error).message, clipped)
    assert.strictEqual((error.cause as Error).message, long, "the original is left as it was")
  })

  it.effect("what loggers print of a tagged error is clipped too (its toJSON: util.inspect, Effect's JSON logger)", () =>
    Effect.gen(function*() {
      // A tagged error keeps its constructor's arguments and prints those: before, the copy
      // printed the original message and cause whole (2 x 1 MB in the JSON logger's line).
      const huge = "h".repeat(1024 * 1024)
      const error = new StoreError({ store: "TaskStore", message: huge, cause: new Error(huge) })
      const logged = errorForLog(error)
      const cut = `(${huge.length - maxLoggedMessage} more characters)`
      for (const printed of [inspect(logged, { depth: 10, maxStringLength: Infinity }), JSON.stringify(logged)]) {
        assert.include(printed, cut)
        assert.notInclude(printed, huge)
        assert.isBelow(printed.length, 4 * maxLoggedMessage)
      }
      const failure = errorForLog(new Tagged({ message: huge, code: 7 }))
      assert.notInclude(inspect(failure, { maxStringLength: Infinity }), huge)
      assert.strictEqual(failure.code, 7)
      const lines: Array<string> = []
      const json = Logger.map(Logger.formatJson, (line) => lines.push(line))
      yield* Effect.logWarning("TaskStore failed", logged).pipe(Effect.provide(Logger.layer([json])))
      assert.strictEqual(lines.length, 1)
      assert.include(lines[0], cut)
      assert.isBelow(lines[0]!.length, 4 * maxLoggedMessage)
      assert.notInclude(inspect(error, { maxStringLength: Infinity }), cut, "the original is left as it was")
    }))

  it("keeps the annotations of a reason (the runtime's stack frame and span)", () => {
    class RequestId extends Context.Service<RequestId, string>()("RequestId") {}
    const logged = forLog(Cause.annotate(Cause.die(new Error(long)), Context.make(RequestId, "req-1")))
    assert.strictEqual(Context.getOrUndefined(Cause.reasonAnnotations(logged.reasons[0]!), RequestId), "req-1")
    assert.strictEqual(((logged.reasons[0] as Cause.Die).defect as Error).message, clipped)
  })
})
