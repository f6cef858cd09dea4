/**
 * One stateless session answers every client of a stateless HTTP server, so per-caller state of
 * the built-in middleware is keyed by the client address for anonymous callers: one client's rate
 * limit budget and cached answers never reach another (real HTTP, callers bound to 127.0.0.2 and
 * 127.0.0.3; skipped where loopback aliases cannot be bound).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { request as httpRequest } from "node:http"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { RateLimit, ResponseCache } from "../../src/middleware/index.ts"
import { loopbackAliasesBindable, serveOnAnyPort } from "./support.ts"

/** One POST from a local source address; resolves with the JSON-RPC answer. */
const postFrom = (port: number, from: string, body: unknown): Promise<any> =>
  new Promise((resolve, reject) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/mcp",
      localAddress: from,
      headers: { accept: "application/json", "content-type": "application/json" }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", reject)
      response.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString())))
    })
    request.on("error", reject)
    request.end(JSON.stringify(body))
  })

const canBindLoopbackAliases = await loopbackAliasesBindable()

let calls = 0
const Counter = McpServer.tool({
  name: "counter",
  description: "Counts its calls and says who called",
  handler: () => Effect.map(McpContext.http, (http) => `call ${++calls} from ${http?.remoteAddress}`)
})

const serve = (middleware: Layer.Layer<never, never, McpServer.McpServer>) =>
  Effect.gen(function*() {
    const { port } = yield* serveOnAnyPort((port) =>
      McpServer.serve({ name: "requestors", version: "1.0.0" }, Layer.mergeAll(Counter, middleware), StreamableHttp.make({ port, stateless: true }))
    )
    return port
  })

const call = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "counter", arguments: {} } })

describe.skipIf(!canBindLoopbackAliases)("stateless HTTP: per-client state of the built-in middleware", () => {
  it.live("RateLimit: one anonymous client spending its budget does not spend another's", () =>
    Effect.gen(function*() {
      const port = yield* serve(
        McpServer.middleware(RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 2, windowMillis: 60_000 }) }))
          .pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
      )
      for (let i = 1; i <= 2; i++) assert.isDefined((yield* Effect.promise(() => postFrom(port, "127.0.0.2", call(i)))).result)
      const over = yield* Effect.promise(() => postFrom(port, "127.0.0.2", call(3)))
      assert.strictEqual(over.error?.code, 429)
      // another client (another address) still has its whole budget
      for (let i = 4; i <= 5; i++) {
        const other = yield* Effect.promise(() => postFrom(port, "127.0.0.3", call(i)))
        assert.isDefined(other.result, JSON.stringify(other))
      }
    }))

  it.live("ResponseCache: one anonymous client's cached answer is not served to another", () =>
    Effect.gen(function*() {
      const port = yield* serve(
        ResponseCache.layer({ ttlMillis: 60_000, callTools: ["counter"] })
          .pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
      )
      const first = yield* Effect.promise(() => postFrom(port, "127.0.0.2", call(1)))
      const again = yield* Effect.promise(() => postFrom(port, "127.0.0.2", call(2)))
      assert.strictEqual(again.result.content[0].text, first.result.content[0].text, "not cached for its own caller")
      const other = yield* Effect.promise(() => postFrom(port, "127.0.0.3", call(3)))
      assert.notStrictEqual(other.result.content[0].text, first.result.content[0].text)
      assert.include(other.result.content[0].text, "127.0.0.3")
    }))
})
