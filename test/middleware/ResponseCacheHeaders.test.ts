/**
 * ResponseCache and the `Mcp-Param-*` headers of MCP 2026-07-28 over Streamable HTTP (SEP-2243):
 * a call whose mirrored header disagrees with its argument is refused (-32020, HTTP 400) whether
 * or not an answer to the same call is cached. Raw `fetch` on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, Tool } from "../../src/index.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { modern, serveHttp } from "../extensions/support.ts"
import { counter } from "./builtinSupport.ts"

/** A 2026-07-28 tools/call of `routed` with `region`, its `Mcp-Param-Region` header as given. */
const call = (url: string, region: string, header: string | undefined) =>
  modern(url, "tools/call", { name: "routed", arguments: { region } }, { headers: { "mcp-param-region": header } })

describe("ResponseCache and Mcp-Param-* headers", () => {
  it.live("a call whose header disagrees with its argument is -32020 even when the call is cached", () =>
    Effect.gen(function*() {
      const hits = counter()
      const Routed = McpServer.tool({
        name: "routed",
        parameters: Tool.jsonSchema({
          type: "object",
          properties: { region: { type: "string", "x-mcp-header": "Region" } },
          required: ["region"]
        }),
        handler: (args) => Effect.as(hits.hit("routed"), `Region: ${String((args as { readonly region?: unknown }).region)}`)
      })
      const cache = ResponseCache.layer({ callTools: ["routed"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
      const { url } = yield* serveHttp({ name: "cached-headers", version: "1" }, Layer.mergeAll(Routed, cache))
      for (let i = 0; i < 2; i++) {
        const agreeing = yield* Effect.promise(() => call(url, "eu", "eu"))
        assert.strictEqual(agreeing.status, 200)
        assert.strictEqual(agreeing.message.result.content[0].text, "Region: eu")
      }
      assert.strictEqual(hits.get("routed"), 1, "the second call was answered from the cache")
      for (const header of ["us", undefined]) {
        const refused = yield* Effect.promise(() => call(url, "eu", header))
        assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020], String(header))
      }
    }))
})
