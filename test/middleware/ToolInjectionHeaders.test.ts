/**
 * ToolInjection and the `Mcp-Param-*` headers of MCP 2026-07-28 over Streamable HTTP (SEP-2243):
 * an injected tool's call whose mirrored header disagrees with its argument (or lacks it) is
 * refused (-32020, HTTP 400), as a registered tool's is, whether the server has tools of its own
 * (the call reaches the middleware's `onCallTool`) or none (its `onRequest` answers). Raw `fetch`
 * on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, Tool } from "../../src/index.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import * as ToolInjection from "../../src/middleware/builtin/ToolInjection.ts"
import { modern, serveHttp } from "../extensions/support.ts"

/** A 2026-07-28 tools/call of `routed` with `region`, its `Mcp-Param-Region` header as given. */
const call = (url: string, region: string, header: string | undefined) =>
  modern(url, "tools/call", { name: "routed", arguments: { region } }, { headers: { "mcp-param-region": header } })

const Routed = ToolInjection.tool({
  name: "routed",
  parameters: Tool.jsonSchema({
    type: "object",
    properties: { region: { type: "string", "x-mcp-header": "Region" } },
    required: ["region"]
  }),
  handler: (args) => Effect.succeed(`Region: ${String((args as { readonly region?: unknown }).region)}`)
})

const Own = McpServer.tool({ name: "own", handler: () => Effect.succeed("own") })

describe("ToolInjection and Mcp-Param-* headers", () => {
  for (const [label, components] of [
    ["beside the server's own tools", Layer.mergeAll(Own, ToolInjection.layer(Routed))],
    ["on a server without tools of its own", ToolInjection.layer(Routed)]
  ] as const) {
    it.live(`${label}: a mismatching or missing header is -32020, a matching one is answered`, () =>
      Effect.gen(function*() {
        const { url } = yield* serveHttp({ name: "injected-headers", version: "1" }, components)
        const agreeing = yield* Effect.promise(() => call(url, "eu", "eu"))
        assert.strictEqual(agreeing.status, 200)
        assert.strictEqual(agreeing.message.result.content[0].text, "Region: eu")
        for (const header of ["us", undefined]) {
          const refused = yield* Effect.promise(() => call(url, "eu", header))
          assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020], String(header))
          assert.include(refused.message.error?.message, "mcp-param-region")
        }
      }))
  }

  it.live("a ResponseCache outside the injection refuses a mismatching call of an injected tool, not answered from the cache", () =>
    Effect.gen(function*() {
      // Made first: outermost in the stack, it sees the injected tool's calls before the injection.
      const cache = ResponseCache.layer({ callTools: ["routed"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
      const injected = ToolInjection.layer(Routed)
      const { url } = yield* serveHttp({ name: "injected-cached-headers", version: "1" }, Layer.mergeAll(cache, injected))
      for (let i = 0; i < 2; i++) {
        const agreeing = yield* Effect.promise(() => call(url, "eu", "eu"))
        assert.strictEqual(agreeing.status, 200)
        assert.strictEqual(agreeing.message.result.content[0].text, "Region: eu")
      }
      for (const header of ["us", undefined]) {
        const refused = yield* Effect.promise(() => call(url, "eu", header))
        assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020], String(header))
      }
    }))
})
