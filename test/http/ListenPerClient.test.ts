/**
 * 2026-07-28 `subscriptions/listen` streams per client on a stateless Streamable HTTP server: one
 * client (here, an anonymous one, told apart by its address) holds at most
 * `maxListenStreamsPerClient` open; one more is refused 429 (`data.limit: "listenStreams"`), a
 * client at another address is not, and a stream closed makes room. Before, one client could open
 * any number (only its connections bounded them). With the SDK v2 client pinned to 2026-07-28 and
 * raw requests (node:http, to choose the local address).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import { request as httpRequest } from "node:http"
import { Readable } from "node:stream"
import { BOTH, loopbackAliasesBindable, nextMessage, serveEverything, sleep, sseReader } from "./support.ts"

const MODERN = "2026-07-28"

/** A raw 2026-07-28 listen POST from `localAddress`: its first message, and `close` (drops the connection). */
const rawListen = (url: string, id: string, localAddress: string) =>
  new Promise<{ readonly first: any; readonly close: () => void }>((resolve, reject) => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "subscriptions/listen",
      params: {
        notifications: { toolsListChanged: true },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1.0.0" }
        }
      }
    })
    const request = httpRequest(url, {
      method: "POST",
      localAddress,
      headers: {
        accept: BOTH,
        "content-type": "application/json",
        "mcp-protocol-version": MODERN,
        "mcp-method": "subscriptions/listen"
      }
    }, (incoming) => {
      const close = () => request.destroy()
      if ((incoming.headers["content-type"] ?? "").startsWith("application/json")) {
        let text = ""
        incoming.on("data", (chunk) => text += chunk)
        incoming.on("end", () => resolve({ first: JSON.parse(text), close }))
        return
      }
      const response = new Response(Readable.toWeb(incoming) as ReadableStream<Uint8Array>)
      nextMessage(sseReader(response)).then((first) => resolve({ first, close }), reject)
    })
    request.on("error", reject)
    request.end(body)
  })

describe("subscriptions/listen streams per client (stateless HTTP)", () => {
  // Fails before: the third listen of the SDK client was acknowledged (no bound per client).
  it.live("past maxListenStreamsPerClient one client is refused 429 (listenStreams), another address is not, a closed stream makes room", () =>
    Effect.gen(function*() {
      const aliases = yield* Effect.promise(loopbackAliasesBindable)
      const { url } = yield* serveEverything({ stateless: true }, { maxListenStreamsPerClient: 2 })
      const client = new Client({ name: "listener", version: "2.0.0" }, { capabilities: {}, versionNegotiation: { mode: { pin: MODERN } as never } })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close().catch(() => undefined))
      )
      const first = yield* Effect.promise(() => client.listen({ toolsListChanged: true }))
      const second = yield* Effect.promise(() => client.listen({ toolsListChanged: true }))
      assert.deepStrictEqual(second.honoredFilter, { toolsListChanged: true })
      // The third of the SDK client: refused, with the limit named.
      const refused = yield* Effect.promise(() =>
        client.listen({ toolsListChanged: true }).then(
          (subscription) => ({ subscription }),
          (error: { code?: number; data?: any }) => ({ error })
        )
      )
      assert.isTrue("error" in refused, "the third listen stream of one client is refused")
      if ("error" in refused) {
        assert.strictEqual(refused.error.code, 429)
        assert.strictEqual(refused.error.data?.limit, "listenStreams")
        assert.strictEqual(refused.error.data?.max, 2)
      }
      // A raw request from the same address: refused too (one client, however it asks).
      const same = yield* Effect.promise(() => rawListen(url, "same", "127.0.0.1"))
      same.close()
      assert.strictEqual(same.first.id, "same")
      assert.strictEqual(same.first.error?.code, 429)
      // A client at another address is not starved.
      if (aliases) {
        const other = yield* Effect.promise(() => rawListen(url, "other", "127.0.0.2"))
        other.close()
        assert.strictEqual(other.first.method, "notifications/subscriptions/acknowledged")
      }
      // A stream closed makes room (the server sees it go a little later: at most 50 tries).
      yield* Effect.promise(() => first.close())
      let again: any
      for (let attempt = 0; attempt < 50; attempt++) {
        const next = yield* Effect.promise(() => rawListen(url, `again${attempt}`, "127.0.0.1"))
        next.close()
        again = next.first
        if (again.error === undefined) break
        yield* Effect.promise(() => sleep(50))
      }
      assert.strictEqual(again?.method, "notifications/subscriptions/acknowledged")
      yield* Effect.promise(() => second.close())
    }), 30_000)
})
