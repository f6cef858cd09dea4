/** The README's example server, driven by the official SDK client. */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Extension from "../../examples/extension-server.ts"
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

/** Raw JSON-RPC over the in-memory pair: one answer per request id. */
const rawClient = (pair: ReturnType<typeof InMemory.makePair>) => {
  const answers = new Map<number, (message: any) => void>()
  pair.client.onmessage = (message: any) => {
    const resolve = answers.get(message.id)
    if (resolve === undefined) return
    answers.delete(message.id)
    resolve(message)
  }
  let nextId = 1
  return (method: string, params: object = {}) =>
    Effect.promise(() =>
      new Promise<any>((resolve) => {
        const id = nextId++
        answers.set(id, resolve)
        void pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
      })
    )
}

describe("README user-written extension (examples/extension-server.ts)", () => {
  it.live("declared in initialize and server/discover; its methods use a service and pass its middleware", () =>
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve(Extension.options, Extension.components, pair.server))
      const request = rawClient(pair)
      const before = Extension.seen.get("notes/add") ?? 0
      const init = yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "readme", version: "1" }
      })
      assert.deepStrictEqual(init.result.capabilities.extensions, { "com.example/notes": { maxNoteLength: 280 } })
      assert.deepStrictEqual((yield* request("notes/add", { text: "buy milk" })).result, { id: 1 })
      assert.deepStrictEqual((yield* request("notes/add", { text: "call Ada" })).result, { id: 2 })
      assert.deepStrictEqual((yield* request("notes/list")).result.notes, [
        { id: 1, text: "buy milk" },
        { id: 2, text: "call Ada" }
      ])
      // params are decoded by the method's Schema: too long a note is -32602
      assert.strictEqual((yield* request("notes/add", { text: "x".repeat(281) })).error.code, -32602)
      assert.strictEqual((Extension.seen.get("notes/add") ?? 0) - before, 3, "the extension's middleware saw every notes/add")
      // a 2026-07-28 client (no initialize) on a connection of its own
      const modern = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve(Extension.options, Extension.components, modern.server))
      const discover = yield* rawClient(modern)("server/discover", {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {}
        }
      })
      assert.deepStrictEqual(discover.result.capabilities.extensions, { "com.example/notes": { maxNoteLength: 280 } })
    }))
})
