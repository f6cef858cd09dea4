import { assert, describe, it } from "@effect/vitest"
import * as JsonRpc from "../../src/protocol/JsonRpc.ts"

const invalid = (value: unknown) => {
  const kind = JsonRpc.classify(value)
  assert.instanceOf(kind, JsonRpc.InvalidMessage)
  return kind as JsonRpc.InvalidMessage
}

describe("JsonRpc.classify", () => {
  it("classifies valid messages without copying them", () => {
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: 1, method: "ping" }), JsonRpc.Kind.Request)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: "a", method: "x", params: {} }), JsonRpc.Kind.Request)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", method: "notifications/initialized" }), JsonRpc.Kind.Notification)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: 3, result: {} }), JsonRpc.Kind.Response)
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", id: 3, error: { code: 1, message: "m" } }), JsonRpc.Kind.Response)
  })

  it("rejects what is not a JSON-RPC message, with the id when it is readable", () => {
    for (const value of [1, "x", null, true]) {
      const error = invalid(value)
      assert.strictEqual(error.error.code, -32600)
      assert.isUndefined(error.id)
    }
    assert.include(invalid([{ jsonrpc: "2.0", id: 1, method: "ping" }]).error.message, "batches")
    const wrongVersion = invalid({ jsonrpc: "1.0", id: 7, method: "ping" })
    assert.deepStrictEqual([wrongVersion.id, wrongVersion.error.code], [7, -32600])
    const badMethod = invalid({ jsonrpc: "2.0", id: 8, method: 42 })
    assert.deepStrictEqual([badMethod.id, badMethod.error.code], [8, -32600])
    for (const id of [null, 1.5, {}, true]) {
      const error = invalid({ jsonrpc: "2.0", id, method: "ping" })
      assert.deepStrictEqual([error.id, error.error.code], [undefined, -32600])
    }
    const positional = invalid({ jsonrpc: "2.0", id: 9, method: "ping", params: [1] })
    assert.deepStrictEqual([positional.id, positional.error.code], [9, -32602])
    assert.strictEqual(invalid({ jsonrpc: "2.0", id: 1 }).error.code, -32600)
  })

  it("does not answer broken responses", () => {
    assert.isFalse(invalid({ jsonrpc: "2.0", id: {}, result: {} }).answer)
  })

  it("takes an error response without an id (MCP's form) as a response; an id-less result is invalid, never answered", () => {
    assert.strictEqual(JsonRpc.classify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" } }), JsonRpc.Kind.Response)
    const result = invalid({ jsonrpc: "2.0", result: {} })
    assert.deepStrictEqual([result.id, result.error.code, result.answer], [undefined, -32600, false])
    assert.isFalse(invalid({ jsonrpc: "2.0", result: {}, error: { code: 1, message: "m" } }).answer)
  })
})
