/**
 * MCP 2026-07-28: a tool asks for input the request's own capabilities do not allow. Uncaught, the
 * typed `ClientCapabilityMissing` answers the call -32021 with `data.requiredCapabilities` naming
 * the capability (nested: `sampling.tools` → `{ sampling: { tools: {} } }`), so the client can
 * retry declaring it; caught, the handler's fallback answers. A 2025-11-25 session keeps the tool
 * error it always got.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, type McpRequestContext, McpServer } from "../../src/index.ts"
import type { ClientRequestError } from "../../src/session/ClientRequestError.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

/** Handles every failure of the client's input but a missing capability, which it leaves to the server. */
const exceptMissing = <A>(effect: Effect.Effect<A, McpContext.ElicitationInvalid | ClientRequestError, McpRequestContext>) =>
  Effect.catch(effect, (error) =>
    error._tag === "ClientCapabilityMissing" ? Effect.fail(error) : Effect.succeed(`no input: ${error.message}`))

const Ask = McpServer.tool({
  name: "ask",
  handler: () =>
    exceptMissing(Effect.map(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })), (o) => o.action))
})
const SampleWithTools = McpServer.tool({
  name: "sample_with_tools",
  handler: () =>
    exceptMissing(Effect.map(
      McpContext.sample({
        messages: [{ role: "user", content: { type: "text", text: "hi" } }],
        maxTokens: 10,
        tools: [{ name: "t", inputSchema: { type: "object" } }]
      } as never),
      () => "sampled"
    ))
})
const Fallback = McpServer.tool({
  name: "fallback",
  handler: () =>
    McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.map((o) => o.action),
      Effect.catch((error) => Effect.succeed(error._tag === "ClientCapabilityMissing" ? "anonymous" : error.message))
    )
})

const serve = Effect.map(
  serveInMemory({ name: "caps", version: "1" }, Layer.mergeAll(Ask, SampleWithTools, Fallback)),
  ({ request }) => request
)

const modern = (capabilities: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities
})

describe("a capability the 2026-07-28 request did not declare", () => {
  it.live("uncaught: -32021 naming it (nested); caught: the handler's fallback", () =>
    Effect.gen(function*() {
      const request = yield* serve
      const asked = yield* request("tools/call", { name: "ask", arguments: {}, _meta: modern({}) })
      assert.strictEqual(asked.error.code, -32021)
      assert.deepStrictEqual(asked.error.data.requiredCapabilities, { elicitation: {} })
      const sampled = yield* request("tools/call", { name: "sample_with_tools", arguments: {}, _meta: modern({ sampling: {} }) })
      assert.strictEqual(sampled.error.code, -32021)
      assert.deepStrictEqual(sampled.error.data.requiredCapabilities, { sampling: { tools: {} } })
      const fallback = yield* request("tools/call", { name: "fallback", arguments: {}, _meta: modern({}) })
      assert.strictEqual(fallback.result.content[0].text, "anonymous")
      // Declared: the request asks for input instead (MRTR).
      const declared = yield* request("tools/call", { name: "ask", arguments: {}, _meta: modern({ elicitation: {} }) })
      assert.strictEqual(declared.result.resultType, "input_required")
    }))

  it.live("a 2025-11-25 session: the uncaught failure stays a tool error", () =>
    Effect.gen(function*() {
      const request = yield* serve
      yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
      const asked = yield* request("tools/call", { name: "ask", arguments: {} })
      assert.isUndefined(asked.error)
      assert.isTrue(asked.result.isError)
    }))
})
