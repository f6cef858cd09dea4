/**
 * When the CLI colours its help and its errors: on a terminal, unless `NO_COLOR` is set to
 * something (no-color.org: "when present and not an empty string"). The decision alone (a child
 * process's streams are pipes, never a terminal).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Colors from "../../src/cli/internal/colors.ts"

describe("effect-mcp: colours", () => {
  it("on a terminal without NO_COLOR, or with NO_COLOR empty; never off a terminal", () => {
    assert.isTrue(Colors.colors(true, {}))
    // Fails before the fix: an empty NO_COLOR turned colour off.
    assert.isTrue(Colors.colors(true, { NO_COLOR: "" }))
    for (const value of ["1", "0", "true", " "]) assert.isFalse(Colors.colors(true, { NO_COLOR: value }), JSON.stringify(value))
    for (const isTTY of [false, undefined]) {
      assert.isFalse(Colors.colors(isTTY, {}))
      assert.isFalse(Colors.colors(isTTY, { NO_COLOR: "" }))
    }
  })
})
