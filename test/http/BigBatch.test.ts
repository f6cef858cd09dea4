/**
 * A JSON-RPC batch (MCP 2025-03-26) over Streamable HTTP whose answer, one JSON array, is longer
 * than V8's longest string (about 512 MiB): just enough calls of a tool answering 5 MiB to pass it
 * (103 in Node 24), answered as JSON. Raw fetch; the body read as it comes (counted, not kept).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { markerCounter, pastLongestString } from "../support/bigOutput.ts"
import { post, serveOnAnyPort } from "./support.ts"

const text = "x".repeat(5 * 1024 * 1024)
const Big = McpServer.tool({ name: "big", description: "Answers 5 MiB of text", handler: () => Effect.succeed(text) })
const Small = McpServer.tool({ name: "small", description: "Answers a word", handler: () => Effect.succeed("word") })

/** The fewest calls whose answers pass V8's longest string in all (110 before: 7% past it, for nothing more). */
const calls = pastLongestString(text.length)

const call = (id: number, name: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } })

describe("Streamable HTTP: a batch's JSON answer longer than V8's longest string", () => {
  // Fails before: making the array one string threw RangeError 'Invalid string length' (JSON's,
  // then the join's of its members): the POST got an empty 500, no call answered.
  it.live(`${calls} calls of 5 MiB in one batch (past V8's longest string in all): one array of ${calls} answers, 200; the server serves on`, () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "big-batch", version: "1.0.0" }, Layer.merge(Big, Small), StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const init = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: 0,
          method: "initialize",
          params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
        })
      )
      const sessionId = init.headers.get("mcp-session-id")!
      yield* Effect.promise(() => init.text())
      yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sessionId }).then((r) => r.text()))
      const headers = { "mcp-session-id": sessionId, accept: "application/json" }
      const batch = Array.from({ length: calls }, (_, i) => call(i + 1, "big"))
      const response = yield* Effect.promise(() => post(url, batch, headers))
      assert.strictEqual(response.status, 200)
      assert.include(response.headers.get("content-type") ?? "", "application/json")
      // Counted as it comes: its bytes, its answers (`{"jsonrpc":"2.0","id":`, across chunks), its ends.
      const marker = `{"jsonrpc":"2.0","id":`
      let bytes = 0
      const answers = markerCounter(marker)
      let start = ""
      let end = ""
      const reader = response.body!.getReader()
      for (;;) {
        const { done, value } = yield* Effect.promise(() => reader.read())
        if (done) break
        bytes += value.length
        const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        if (start.length < 64) start += chunk.toString("latin1", 0, 64 - start.length)
        answers.add(chunk)
        end = (end + chunk.toString("latin1", Math.max(0, chunk.length - 64))).slice(-64)
      }
      assert.isAbove(bytes, calls * text.length)
      assert.strictEqual(answers.count(), calls)
      assert.isTrue(start.startsWith(`[${marker}1,"result":`), start)
      assert.isTrue(end.endsWith("}]"), end)
      // The server serves on.
      const after = yield* Effect.promise(() => post(url, [call(1, "small")], headers).then((r) => r.json() as Promise<any>))
      assert.deepStrictEqual(after[0].result.content, [{ type: "text", text: "word" }])
    }), 120_000)
})
