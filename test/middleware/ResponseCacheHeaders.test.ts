/**
 * ResponseCache and the `Mcp-Param-*` headers of MCP 2026-07-28 over Streamable HTTP (SEP-2243):
 * a call whose mirrored header disagrees with its argument is refused (-32020, HTTP 400) whether
 * or not an answer to the same call is cached. Raw `fetch` on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpServer, StreamableHttp, Tool } from "../../src/index.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { serveOnFreePort } from "../http/support.ts"
import { counter } from "./builtinSupport.ts"

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {}
}

/** A 2026-07-28 tools/call of `routed` with `region`, its `Mcp-Param-Region` header as given. */
const call = async (url: string, region: string, header: string | undefined) => {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
    "mcp-name": "routed"
  }
  if (header !== undefined) headers["mcp-param-region"] = header
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "routed", arguments: { region }, _meta: meta }
    })
  })
  return { status: response.status, message: (await response.json()) as any }
}

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
      const { url } = yield* serveOnFreePort((port) =>
        McpServer.serve(
          { name: "cached-headers", version: "1" },
          Layer.mergeAll(Routed, cache),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ).pipe(Effect.provide(Logger.layer([])))
      )
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
