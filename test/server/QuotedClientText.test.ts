/**
 * Found by a fuzzing helper: error messages that quote client-sent text quote it whole, where the
 * rest of the server clips it (`internal/clip.ts`: "a client that sends a 3 MB method name gets a
 * short message back, not its 3 MB echoed"): task ids, list cursors, the references of
 * `completion/complete`, and the version of an `initialize` refused by `unsupportedVersion: "reject"`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { components, options } from "../../examples/everything-server.ts"
import { maxQuoted } from "../../src/internal/clip.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

const long = "Z".repeat(100_000)

/** The longest a message quoting `long` should be: the clip and the words around it. */
const bound = maxQuoted + 200

describe("client-sent text quoted in error messages", () => {
  it.live("task ids, cursors and completion references are clipped", () =>
    Effect.gen(function*() {
      const { request, notify } = yield* serveInMemory({ ...options }, components)
      yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" }
      })
      yield* notify("notifications/initialized")
      const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
        ["tasks/get", { taskId: long }],
        ["tasks/result", { taskId: long }],
        ["tasks/cancel", { taskId: long }],
        ["tasks/list", { cursor: long }],
        ["tools/list", { cursor: long }],
        ["resources/list", { cursor: long }],
        ["prompts/list", { cursor: long }],
        ["completion/complete", { ref: { type: "ref/prompt", name: long }, argument: { name: "a", value: "" } }],
        ["completion/complete", { ref: { type: "ref/resource", uri: long }, argument: { name: "a", value: "" } }]
      ]
      const lengths: Array<string> = []
      for (const [method, params] of cases) {
        const answer = yield* request(method, params)
        assert.strictEqual(answer.error?.code, -32602, method)
        lengths.push(`${method}: ${answer.error.message.length > bound ? "whole" : "clipped"}`)
      }
      // Fails before: every one of them "whole" (100,000 characters and more)
      assert.deepStrictEqual(lengths, cases.map(([method]) => `${method}: clipped`))
    }))

  it.live("an initialize refused for its version quotes the version clipped", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ ...options, unsupportedVersion: "reject" }, components)
      const answer = yield* request("initialize", {
        protocolVersion: long,
        capabilities: {},
        clientInfo: { name: "raw", version: "0" }
      })
      assert.strictEqual(answer.error?.code, -32602)
      // Fails before: 100,030 characters
      assert.isAtMost(answer.error.message.length, bound)
    }))

  it.live("a 2026-07-28 request refused for its version quotes the version clipped", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ ...options }, components)
      const answer = yield* request("tools/list", {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": `2026-${long}`,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" }
        }
      })
      assert.strictEqual(answer.error?.code, -32022)
      assert.isAtMost(answer.error.message.length, bound)
      assert.isAtMost(answer.error.data.requested.length, bound)
      assert.include(answer.error.data.supported, "2026-07-28")
    }))
})
