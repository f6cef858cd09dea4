/**
 * The Effect.log → notifications/message bridge keeps working when the application provides its
 * own loggers (a Layer's captured context must not replace the session's loggers).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { McpServer, Middleware } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"

describe("Effect.log bridge", () => {
  it.live("a handler's log reaches the client even with an application logger around the server", () =>
    Effect.gen(function*() {
      const appLines: Array<unknown> = []
      const AppLogger = Logger.layer([Logger.make((options) => void appLines.push(options.message))])
      const Tool = McpServer.tool({
        name: "chatty",
        description: "logs",
        handler: () => Effect.as(Effect.logInfo("from the handler"), "ok")
      })
      const Observer = McpServer.middleware(Middleware.make("observer", {
        onCallTool: (params, _context, next) => Effect.andThen(Effect.logInfo("from the middleware"), next(params))
      }))
      // The test client runs the server inside its scope: the application logger is around it.
      const client = yield* McpTestClient.make(Layer.mergeAll(Tool, Observer)).pipe(Effect.provide(AppLogger))
      yield* client.callTool("chatty")
      yield* client.waitFor("notifications/message")
      // Handlers' logs reach the client; middleware logs are the server's own (not sent).
      const received = client.notifications.filter((n) => n.method === "notifications/message").map((n) => n.params?.data)
      assert.deepStrictEqual(received, ["from the handler"])
      assert.isTrue(appLines.some((line) => JSON.stringify(line).includes("from the handler")))
      assert.isTrue(appLines.some((line) => JSON.stringify(line).includes("from the middleware")))
    }))

  it.live("a handler's log with a cause reaches the client with the cause's messages clipped to 4 KB", () =>
    Effect.gen(function*() {
      const huge = "m".repeat(5_000_000)
      const Tool = McpServer.tool({
        name: "loud",
        description: "logs a cause",
        handler: () => Effect.as(Effect.logError("it broke", Cause.die(new Error(huge))), "ok")
      })
      const client = yield* McpTestClient.make(Tool)
      yield* client.callTool("loud")
      yield* client.waitFor("notifications/message")
      const data = client.notifications.find((n) => n.method === "notifications/message")?.params?.data as {
        readonly message: string
        readonly cause: string
      }
      assert.strictEqual(data.message, "it broke")
      assert.include(data.cause, "m".repeat(4096))
      assert.include(data.cause, "more characters)")
      assert.isBelow(data.cause.length, 20_000)
    }))
})
