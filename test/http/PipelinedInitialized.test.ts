/**
 * Streamable HTTP: a 2025-11-25 client that sends `notifications/initialized` before the
 * `initialize` answer came (its SSE stream opened early, with the session id, for a log the
 * `onInitialize` middleware sent while it worked asynchronously). The notification takes effect
 * once the answer is sent: a list change then reaches the client's standalone stream. Raw `fetch`
 * on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { initializeMessage, nextMessage, on, post, serveOnAnyPort, sseReader } from "./support.ts"
import { Change } from "../fixtures/listChanging.ts"

describe("Streamable HTTP: notifications/initialized sent before the initialize answer", () => {
  it.live("takes effect once initialize is answered: a list change reaches the standalone stream", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const SlowInitialize = McpServer.middleware(Middleware.make("slow-initialize", {
        onInitialize: (params, context, next) =>
          Effect.andThen(
            Effect.sync(() => context.logUnsafe("info", "checking the client")),
            Effect.andThen(Deferred.await(gate), next(params))
          )
      }))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "pipelined-http", version: "1" },
          Layer.mergeAll(Change, SlowInitialize),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ),
        { loggers: [] }
      )
      // The log opens the answer's stream at once, with the session id: the answer comes later.
      const initialize = yield* Effect.promise(() => post(url, initializeMessage("init")))
      assert.strictEqual(initialize.status, 200)
      const sessionId = initialize.headers.get("mcp-session-id")!
      assert.isString(sessionId)
      const answer = sseReader(initialize)
      const log = yield* Effect.promise(() => nextMessage(answer))
      assert.strictEqual(log.method, "notifications/message")
      const initialized = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, on(sessionId)))
      assert.strictEqual(initialized.status, 202)
      const standalone = yield* Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream" }) }))
      assert.strictEqual(standalone.status, 200)
      const unsolicited = sseReader(standalone)

      yield* Deferred.succeed(gate, undefined)
      const result = yield* Effect.promise(() => nextMessage(answer))
      assert.strictEqual(result.id, "init")
      assert.strictEqual(result.result.protocolVersion, "2025-11-25")
      const call = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "change", arguments: {} } }, on(sessionId, { accept: "application/json, text/event-stream" }))
      )
      assert.strictEqual(call.status, 200)
      yield* Effect.promise(() => call.text())
      const changed = yield* Effect.promise(() => nextMessage(unsolicited, { timeoutMillis: 3_000 }))
      assert.strictEqual(changed.method, "notifications/tools/list_changed")
      yield* Effect.promise(() => answer.cancel())
      yield* Effect.promise(() => unsolicited.cancel())
    }))
})
