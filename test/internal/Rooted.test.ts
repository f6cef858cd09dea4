/**
 * The rooted handoff between a tool and the task supervisor (src/internal/rooted.ts): the root of
 * the effect made last is handed over once; anything else (a wrapped effect, an older one) gets
 * none and empties the slot, so no root is kept beyond the next start; a rooted effect run as an
 * effect gives the same result as its root.
 */
import { assert, describe, it } from "@effect/vitest"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { rooted, rootOf } from "../../src/internal/rooted.ts"

const root = (value: number) => ({
  handler: Effect.succeed(value),
  services: (current: Context.Context<never>) => current,
  result: (exit: any) => Effect.succeed(`result ${exit.value}`)
})

describe("rooted", () => {
  it.effect("the last rooted effect's root is handed over once; a wrapped one or an older one gets none and empties the slot", () =>
    Effect.gen(function*() {
      const r = root(1)
      const effect = rooted(r)
      assert.strictEqual(rootOf(effect), r)
      assert.isUndefined(rootOf(effect), "handed over once")

      const wrapped = rooted(root(2))
      assert.isUndefined(rootOf(Effect.map(wrapped, (x) => x)))
      assert.isUndefined(rootOf(wrapped), "the mismatch emptied the slot: no root is kept")

      const older = rooted(root(3))
      rooted(root(4))
      assert.isUndefined(rootOf(older))

      // Run as an effect, a rooted effect is its handler with its services, mapped by its result.
      assert.strictEqual(yield* rooted(root(5)), "result 5")
    }))
})
