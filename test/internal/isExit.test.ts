/**
 * The `Exit` check of the per-request fast paths: it answers as `Exit.isExit` does, for complete
 * effects of either outcome and for everything else a handler may return.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Context from "effect/Context"
import { isEffect, isExit } from "../../src/internal/isExit.ts"

describe("isExit", () => {
  it("answers as Exit.isExit", () => {
    const values: ReadonlyArray<unknown> = [
      Exit.succeed(1),
      Exit.fail("no"),
      Exit.die(new Error("boom")),
      Exit.interrupt(),
      Effect.succeed("text"),
      Effect.fail("no"),
      Effect.sync(() => 1),
      Effect.suspend(() => Effect.succeed(1)),
      Effect.flatMap(Effect.succeed(1), (n) => Effect.succeed(n + 1)),
      Effect.gen(function*() {
        return yield* Effect.succeed(1)
      }),
      Effect.never,
      { _tag: "Success", value: 1 },
      null,
      undefined,
      "~effect/Exit",
      () => 1
    ]
    for (const value of values) assert.strictEqual(isExit(value), Exit.isExit(value), String(value))
    assert.isTrue(isExit(Effect.succeed(1)))
    assert.isTrue(isExit(Effect.fail("no")))
    assert.isFalse(isExit(Effect.sync(() => 1)))
  })

  it("isEffect answers as Effect.isEffect", () => {
    class Service extends Context.Service<Service, { readonly n: number }>()("Service") {}
    const values: ReadonlyArray<unknown> = [
      Exit.succeed(1),
      Exit.die(new Error("boom")),
      Effect.sync(() => 1),
      Effect.gen(function*() {
        return yield* Effect.succeed(1)
      }),
      Effect.never,
      Service,
      Promise.resolve(1),
      { "~effect/Effect": undefined },
      null,
      undefined,
      "~effect/Effect",
      42,
      () => 1
    ]
    for (const value of values) assert.strictEqual(isEffect(value), Effect.isEffect(value), String(value))
    assert.isTrue(isEffect(Service))
    assert.isTrue(isEffect(Effect.sync(() => 1)))
    assert.isFalse(isEffect(Promise.resolve(1)))
  })
})
