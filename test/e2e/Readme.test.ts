/** The README's example server, driven by the official SDK client. */
import { assert, describe, it } from "@effect/vitest"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import { server } from "../../examples/hello-server.ts"
import { connectSdk, sdk } from "./harness.ts"

describe("README example", () => {
  it.live("says hello, logs, and advertises only what it registered", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(server)
      assert.deepStrictEqual(client.getServerCapabilities(), { logging: {}, tools: {} })
      const logs: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data))
      const result = yield* sdk(() => client.callTool({ name: "hello", arguments: { name: "Ada" } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "Hello, Ada!" }])
      assert.deepStrictEqual(logs, ["saying hello"])
      const unknown = yield* Effect.flip(sdk(() => client.callTool({ name: "bye", arguments: {} })))
      assert.strictEqual(unknown.code, -32602)
    }))
})
