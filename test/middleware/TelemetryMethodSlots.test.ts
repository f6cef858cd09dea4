/**
 * Telemetry's per-method series, as a real OTLP/HTTP receiver sees them: a method the server does
 * not serve (answered -32601, the client's to name, without bound) is measured in the overflow
 * series (`_OTHER`) and takes none of the bounded slots the methods served keep. In a file of its
 * own: the slots are the process's (per transport and protocol version), and this test fills them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { EmptyResultSchema, ResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Extension, InMemory, McpServer } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { receiver, until } from "./otlpReceiver.ts"

describe("Telemetry's method slots", () => {
  // Fails before the fix: the first 128 methods a client named, served or not, each took a slot
  // for the process's life (per transport and version); the tool calls made after them were
  // measured as `_OTHER`, and 127 made-up methods had series of their own.
  it.live("a method answered -32601 goes to _OTHER at once: the methods served after 200 of them keep series of their own", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Echo = McpServer.tool({ name: "echo", description: "Echoes", parameters: {}, handler: () => Effect.succeed("echo") })
      // A method MCP does not define that the server serves: kept once served.
      const Weather = Extension.make({
        id: "com.example/weather",
        methods: { "weather/current": Extension.method({ params: Schema.Struct({}), handler: () => Effect.succeed({ celsius: 21 }) }) }
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "slots", version: "1" }, Layer.mergeAll(Echo, McpServer.extension(Weather), Telemetry.layer), pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "slots", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      for (let i = 0; i < 200; i++) {
        const code = yield* Effect.promise(() =>
          client.request({ method: `made/up-${i}` } as never, EmptyResultSchema).then(() => undefined, (error: { code?: number }) => error.code)
        )
        assert.strictEqual(code, -32601)
      }
      const result = yield* Effect.promise(() => client.callTool({ name: "echo", arguments: {} }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "echo" }])
      yield* Effect.promise(() => client.listTools())
      yield* Effect.promise(() => client.request({ method: "weather/current", params: {} } as never, ResultSchema))
      const methods = () => new Set(otlp.durationAttributes.map((a) => a["mcp.method.name"]))
      yield* until(() => methods().has("weather/current") && methods().has("_OTHER"))
      const seen = methods()
      assert.isTrue(seen.has("_OTHER"), [...seen].join(", "))
      assert.deepStrictEqual([...seen].filter((method) => method?.startsWith("made/")), [])
      assert.isTrue(["tools/call", "tools/list", "initialize", "weather/current"].every((method) => seen.has(method)), [...seen].join(", "))
      const call = otlp.durationAttributes.find((a) => a["mcp.method.name"] === "tools/call")
      assert.strictEqual(call?.["gen_ai.tool.name"], "echo")
      // The span of a method not served still names it (a span is the request's own).
      assert.isTrue(otlp.spans.some((span) => span.name === "made/up-199"))
    }))
})
