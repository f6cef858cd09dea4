import { assert, describe, it } from "@effect/vitest"
import { refusesMain, whileImporting } from "../../src/internal/mainGuard.ts"

describe("mainGuard", () => {
  it("refuses runMain during an import only, and says so to the import", async () => {
    assert.isFalse(refusesMain())
    const { value, calledMain } = await whileImporting(async () => {
      assert.isTrue(refusesMain())
      return 1
    })
    assert.strictEqual(value, 1)
    assert.isTrue(calledMain)
    assert.isFalse(refusesMain(), "no import under way: runMain runs")
  })

  it("two imports that overlap (A starts, B starts, A ends, B ends) leave runMain running after both", async () => {
    let endA!: () => void
    let endB!: () => void
    const a = whileImporting(() => new Promise<void>((resolve) => (endA = resolve)))
    const b = whileImporting(() => new Promise<void>((resolve) => (endB = resolve)))
    endA()
    assert.isFalse((await a).calledMain)
    assert.isTrue(refusesMain(), "B is still under way")
    endB()
    assert.isTrue((await b).calledMain)
    // Fails with one slot restored as a stack: A's record stayed, and runMain ran nothing for good.
    assert.isFalse(refusesMain())
  })
})
