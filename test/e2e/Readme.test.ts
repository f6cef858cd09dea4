/** The README's example server, driven by the official SDK client. */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import { components, options } from "../../examples/hello-server.ts"
import { InMemory, McpServer } from "../../src/index.ts"
import { sdk } from "./harness.ts"

describe("README example", () => {
  it.live("a typed tool with a declared failure, a prompt, logging to the client", () =>
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve(options, components, pair.server))
      const client = new Client({ name: "readme", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      const logs: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data))

      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools[0]!.inputSchema, {
        type: "object",
        properties: { city: { type: "string", description: "City name" } },
        required: ["city"]
      })
      assert.deepStrictEqual(tools[0]!.outputSchema, {
        type: "object",
        properties: { city: { type: "string" }, celsius: { type: "number" } },
        required: ["city", "celsius"]
      })
      const paris = yield* sdk(() => client.callTool({ name: "weather", arguments: { city: "Paris" } }))
      assert.deepStrictEqual(paris.structuredContent, { city: "Paris", celsius: 21.5 })
      const rome = yield* sdk(() => client.callTool({ name: "weather", arguments: { city: "Rome" } }))
      assert.isTrue(rome.isError)
      assert.deepStrictEqual(JSON.parse((rome.content as Array<{ text: string }>)[0]!.text), {
        _tag: "UnknownCity",
        city: "Rome"
      })
      assert.deepStrictEqual(logs, ["looking up Paris", "looking up Rome"])
      const prompt = yield* sdk(() => client.getPrompt({ name: "greeting", arguments: { name: "Ada" } }))
      assert.deepStrictEqual(prompt.messages, [{ role: "user", content: { type: "text", text: "Say hello to Ada." } }])
    }))
})
