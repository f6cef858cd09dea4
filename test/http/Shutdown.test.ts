/**
 * Shutting down `McpServer.serve` over `StreamableHttp.make` (interrupting it, as Ctrl-C does through `runMain`) while
 * clients hold SSE streams: the streams end and the server stops promptly.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { request as httpRequest } from "node:http"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { freePort, on, openSession, sleep } from "./support.ts"

describe("Streamable HTTP shutdown", () => {
  it.live("interrupting McpServer.serve over StreamableHttp with an open standalone GET stream ends the stream and stops within 2 s", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const url = `http://127.0.0.1:${port}/mcp`
      const server = yield* Effect.forkDetach(McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port })))
      let sessionId: string | undefined
      for (let i = 0; i < 200 && sessionId === undefined; i++) {
        sessionId = yield* Effect.promise(() => openSession(url).catch(() => undefined))
        if (sessionId === undefined) yield* Effect.sleep(10)
      }
      assert.isString(sessionId)

      // a client (node:http, like any long-lived SSE client) holds the standalone stream open
      let ended = false
      let status = 0
      const get = httpRequest(url, { headers: on(sessionId!, { accept: "text/event-stream" }) }, (response) => {
        status = response.statusCode ?? 0
        response.on("data", () => undefined)
        response.on("end", () => (ended = true))
        response.on("close", () => (ended = true))
      })
      get.on("error", () => (ended = true))
      get.end()
      yield* Effect.promise(() => sleep(100))
      assert.strictEqual(status, 200)
      assert.isFalse(ended)

      const started = Date.now()
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const stopped = yield* Effect.promise(async () => {
        while (Date.now() - started < 2_000) {
          if (stopping.pollUnsafe() !== undefined) return true
          await sleep(20)
        }
        return false
      })
      const clientSawEnd = ended
      // whatever happened, let the server finish closing
      get.destroy()
      yield* Fiber.await(stopping)
      assert.isTrue(clientSawEnd, "the server did not end the open SSE stream on shutdown")
      assert.isTrue(stopped, `the HTTP server did not stop within 2 s (took ${Date.now() - started} ms)`)
    }), 30_000)
})
