/**
 * The official SDK v2 client (`@modelcontextprotocol/client`, default legacy negotiation: an
 * `initialize` handshake) against the everything server over Streamable HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import { sdk } from "../e2e/harness.ts"
import { LATEST, serveEverything } from "./support.ts"

const connect = (url: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const transport = new StreamableHTTPClientTransport(new URL(url))
      const client = new Client({ name: "sdk-v2-http-test", version: "2.0.0" }, { capabilities: {} })
      yield* Effect.promise(() => client.connect(transport))
      return { client, transport }
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  )

const texts = (content: unknown) =>
  (content as Array<{ type: string; text?: string }>).filter((c) => c.type === "text").map((c) => c.text)

describe("SDK v2 client over Streamable HTTP", () => {
  it.live("initialize, tools/list, tools/call, prompts/get", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const { client, transport } = yield* connect(url)
      assert.strictEqual(client.getServerVersion()?.name, "effect-mcp-everything-server")
      assert.strictEqual(client.getNegotiatedProtocolVersion(), LATEST)
      assert.isString(transport.sessionId)

      const { tools } = yield* sdk(() => client.listTools())
      assert.includeMembers(tools.map((t) => t.name), ["test_simple_text", "test_tool_with_progress", "test_task_slow"])
      const slow = tools.find((t) => t.name === "test_task_slow")!
      assert.deepStrictEqual(slow.inputSchema.required, ["ms"])

      const simple = yield* sdk(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(simple.content), ["This is a simple text response for testing."])
      const progress: Array<number> = []
      const withProgress = yield* sdk(() =>
        client.callTool({ name: "test_tool_with_progress", arguments: {} }, {
          onprogress: (p: { progress: number }) => void progress.push(p.progress)
        })
      )
      assert.deepStrictEqual(progress, [0, 50, 100])
      assert.match(texts(withProgress.content)[0]!, /^Progress reported for token /)
      const failing = yield* sdk(() => client.callTool({ name: "test_error_handling", arguments: {} }))
      assert.isTrue(failing.isError)

      const prompt = yield* sdk(() => client.getPrompt({ name: "test_simple_prompt" }))
      assert.deepStrictEqual(prompt.messages, [{
        role: "user",
        content: { type: "text", text: "This is a simple prompt for testing." }
      }])
      const withArgs = yield* sdk(() =>
        client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } })
      )
      assert.deepStrictEqual(texts(withArgs.messages.map((m) => m.content)), ["Prompt with arguments: arg1='a', arg2='b'"])
    }))
})
