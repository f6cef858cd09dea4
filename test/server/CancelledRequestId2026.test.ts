/**
 * `notifications/cancelled` without a `requestId`: allowed by 2025-11-25 only (its `requestId` was
 * made optional for tasks, which cancel with `tasks/cancel`); 2024-11-05 to 2025-06-18 and
 * 2026-07-28 require it. Server code sending one (`RequestContext.notify`) reaches a 2025-11-25
 * client; a 2026-07-28 client does not get it (it would be a message its version does not allow).
 *
 * Fails before: the 2026-07-28 client got `{ reason }` alone.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpContext, McpServer } from "../../src/index.ts"
import * as McpTestClient from "../../src/testing/McpTestClient.ts"
import { connectRaw, settle, startServer } from "./McpServerHarness.ts"

const Notifying = McpServer.tool({
  name: "notifying",
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpContext.current
      yield* context.notify("notifications/cancelled", { reason: "no request named" })
      yield* context.notify("notifications/cancelled", { requestId: "elsewhere", reason: "named" })
      return "ok"
    })
})

const cancelled = (notifications: ReadonlyArray<{ readonly method?: string; readonly params?: unknown }>) =>
  notifications.filter((n) => n.method === "notifications/cancelled").map((n) => n.params)

describe("notifications/cancelled without requestId", () => {
  it.live("2026-07-28: not sent; one naming a request is", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(Notifying, { protocolVersion: "2026-07-28" })
      const result = yield* client.request("tools/call", { name: "notifying", arguments: {} })
      assert.deepStrictEqual(result.content, [{ type: "text", text: "ok" }])
      yield* settle(50)
      assert.deepStrictEqual(cancelled(client.notifications), [{ requestId: "elsewhere", reason: "named" }])
    }))

  it.live("2025-11-25: both sent; 2025-06-18: only the one naming a request", () =>
    Effect.gen(function*() {
      for (const [version, expected] of [
        ["2025-11-25", [{ reason: "no request named" }, { requestId: "elsewhere", reason: "named" }]],
        ["2025-06-18", [{ requestId: "elsewhere", reason: "named" }]]
      ] as const) {
        const server = yield* startServer({}, Notifying)
        const client = yield* connectRaw(server, version)
        yield* Effect.promise(() => client.request(1, "tools/call", { name: "notifying", arguments: {} }))
        yield* settle(50)
        assert.deepStrictEqual(cancelled(client.received), [...expected], version)
      }
    }))
})
