/**
 * The schema builders of `src/protocol/internal/mcpSchemas.ts` (what the server's own code decodes
 * with, built on first use) and `McpSchema` (what users import) are one set of schemas: every
 * export of `McpSchema` is the schema its builder returns, and the method tables list the same
 * methods with the same schemas.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Schemas from "../../src/protocol/internal/mcpSchemas.ts"
import * as McpSchema from "../../src/protocol/McpSchema.ts"

const tables = ["ClientRequests", "ClientNotifications", "ServerRequests", "ServerNotifications"] as const

describe("McpSchema and its builders", () => {
  it("every schema McpSchema exports is the one its builder returns (built once)", () => {
    let compared = 0
    for (const [name, value] of Object.entries(McpSchema)) {
      if ((tables as ReadonlyArray<string>).includes(name) || name === "paramsOrEmpty") continue
      const builder = (Schemas as Record<string, unknown>)[name]
      if (typeof builder !== "function") {
        assert.strictEqual(builder, value, `${name}: a constant, the same in both`)
        continue
      }
      assert.strictEqual(builder(), value, `${name}: the builder's schema`)
      assert.strictEqual(builder(), builder(), `${name}: built once`)
      compared++
    }
    assert.isAbove(compared, 100)
  })

  it("the request tables: the same methods, the same params and result schemas", () => {
    const pairs = [
      ["ClientRequests", McpSchema.ClientRequests, Schemas.ClientRequests],
      ["ServerRequests", McpSchema.ServerRequests, Schemas.ServerRequests]
    ] as const
    for (const [name, table, builderTable] of pairs) {
      const built = table as Record<string, { readonly params: unknown; readonly result: unknown }>
      const builders = builderTable as Record<string, { readonly params: () => unknown; readonly result: () => unknown }>
      assert.deepStrictEqual(Object.keys(builders), Object.keys(built), name)
      for (const [method, spec] of Object.entries(built)) {
        assert.strictEqual(builders[method]!.params(), spec.params, `${name} ${method} params`)
        assert.strictEqual(builders[method]!.result(), spec.result, `${name} ${method} result`)
      }
    }
  })

  it("the notification tables: the same methods, the same params schemas", () => {
    const pairs = [
      ["ClientNotifications", McpSchema.ClientNotifications, Schemas.ClientNotifications],
      ["ServerNotifications", McpSchema.ServerNotifications, Schemas.ServerNotifications]
    ] as const
    for (const [name, table, builderTable] of pairs) {
      const built = table as Record<string, unknown>
      const builders = builderTable as Record<string, () => unknown>
      assert.deepStrictEqual(Object.keys(builders), Object.keys(built), name)
      for (const [method, params] of Object.entries(built)) assert.strictEqual(builders[method]!(), params, `${name} ${method}`)
    }
  })
})
