/**
 * A handler's result whose properties cannot be read (a getter or a Proxy that throws) answers its
 * request -32603, as a result JSON cannot hold does, and the server goes on. Fitting the result to
 * a client's version (every version but 2025-11-25) reads it before it is serialised: a throw there
 * ended the whole server.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpServer } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

const Getter = McpServer.tool({
  name: "getter",
  handler: () =>
    Effect.succeed({
      get content(): never {
        throw new Error("lazy field not loaded")
      }
    })
})
const Revoked = McpServer.tool({
  name: "revoked",
  handler: () => {
    const { proxy, revoke } = Proxy.revocable({ content: [] }, {})
    revoke()
    return Effect.succeed(proxy)
  }
})
const Fine = McpServer.tool({ name: "fine", handler: () => Effect.succeed("fine") })

const serve = serveInMemory({ name: "unreadable", version: "1" }, Layer.mergeAll(Getter, Revoked, Fine)).pipe(
  Effect.provide(Logger.layer([]))
)

const modern = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {}
}

describe("a result that cannot be read", () => {
  it.live("2026-07-28: -32603 for that request; the server answers the next", () =>
    Effect.gen(function*() {
      const { request } = yield* serve
      const broken = yield* request("tools/call", { name: "getter", arguments: {}, _meta: modern })
      assert.strictEqual(broken.error?.code, -32603, JSON.stringify(broken))
      assert.include(broken.error.message, "could not be serialised as JSON")
      const revoked = yield* request("tools/call", { name: "revoked", arguments: {}, _meta: modern })
      assert.strictEqual(revoked.error?.code, -32603, JSON.stringify(revoked))
      const fine = yield* request("tools/call", { name: "fine", arguments: {}, _meta: modern })
      assert.deepStrictEqual(fine.result.content, [{ type: "text", text: "fine" }])
    }))

  it.live("a 2025-06-18 session: the same, and the session goes on", () =>
    Effect.gen(function*() {
      const { request } = yield* serve
      const init = yield* request("initialize", {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "c", version: "1" }
      })
      assert.strictEqual(init.result.protocolVersion, "2025-06-18")
      const broken = yield* request("tools/call", { name: "getter", arguments: {} })
      assert.strictEqual(broken.error?.code, -32603, JSON.stringify(broken))
      assert.include(broken.error.message, "lazy field not loaded")
      const fine = yield* request("tools/call", { name: "fine", arguments: {} })
      assert.deepStrictEqual(fine.result.content, [{ type: "text", text: "fine" }])
    }))
})
