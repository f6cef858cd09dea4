/**
 * The bounded walks over client-sent JSON: how deep it nests, whether it holds more values than a
 * bound (counted without recursion, and not past the bound).
 */
import { assert, describe, it } from "@effect/vitest"
import { moreValuesThan, nestedDeeperThan } from "../../src/internal/nesting.ts"

describe("moreValuesThan", () => {
  it("counts the value itself and every property and item at every level", () => {
    assert.isFalse(moreValuesThan("s", 1))
    assert.isTrue(moreValuesThan("s", 0))
    assert.isFalse(moreValuesThan({ a: 1, b: [2, 3] }, 5))
    assert.isTrue(moreValuesThan({ a: 1, b: [2, 3] }, 4))
    assert.isFalse(moreValuesThan([], 1))
    assert.isFalse(moreValuesThan(null, 1))
  })

  it("walks deep values without recursion", () => {
    let deep: unknown = 0
    for (let i = 0; i < 200_000; i++) deep = [deep]
    assert.isTrue(moreValuesThan(deep, 100_000))
    assert.isFalse(moreValuesThan(deep, 200_001))
    assert.isTrue(nestedDeeperThan(deep, 64))
  })
})
