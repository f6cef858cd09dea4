/**
 * The Effect.log → notifications/message bridge keeps working when the application provides its
 * own loggers (a Layer's captured context must not replace the session's loggers).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import { Extension, McpServer, Middleware } from "../../src/index.ts"
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

  it.live("Effect.logDebug and logTrace in a handler reach a client that asked for debug (setLevel, a 2026-07-28 request's logLevel); the server's console still holds them back", () =>
    Effect.gen(function*() {
      const appLines: Array<string> = []
      const AppLogger = Logger.layer([Logger.make((options) => void appLines.push(`${options.logLevel} ${String(options.message)}`))])
      const Tool = McpServer.tool({
        name: "chatty",
        description: "logs at three levels",
        handler: () => Effect.as(Effect.all([Effect.logTrace("trace line"), Effect.logDebug("debug line"), Effect.logInfo("info line")]), "ok")
      })
      // A handler that lowers its own minimum sees its debug lines on the console, as before.
      const Own = McpServer.tool({
        name: "own",
        description: "logs at debug with a minimum of its own",
        handler: () => Effect.as(Effect.logDebug("own debug").pipe(Effect.provideService(References.MinimumLogLevel, "Debug")), "ok")
      })
      // An extension's method runs as a handler does.
      const Chatty = McpServer.extension(Extension.make({
        id: "com.example/chatty",
        versions: "all",
        methods: {
          "chatty/log": Extension.method({ params: Schema.Struct({}), handler: () => Effect.as(Effect.logDebug("extension line"), {}) })
        }
      }))
      const cases = [
        { protocolVersion: "2025-11-25", logLevel: "debug", sent: ["debug trace line", "debug debug line", "info info line"] },
        { protocolVersion: "2026-07-28", logLevel: "debug", sent: ["debug trace line", "debug debug line", "info info line"] },
        // Not asked for: a 2025 client that set no level (its session's level lets debug out for
        // McpContext.log), one that asked for info.
        { protocolVersion: "2025-11-25", logLevel: undefined, sent: ["info info line"] },
        { protocolVersion: "2026-07-28", logLevel: "info", sent: ["info info line"] }
      ] as const
      for (const { logLevel, protocolVersion, sent } of cases) {
        appLines.length = 0
        const client = yield* McpTestClient.make(Layer.mergeAll(Tool, Own, Chatty), { protocolVersion, logLevel }).pipe(
          Effect.provide(AppLogger)
        )
        yield* client.callTool("chatty")
        yield* client.waitFor("notifications/message", (n) => n.params?.data === "info line")
        const received = client.notifications.filter((n) => n.method === "notifications/message").map((n) => `${n.params?.level} ${n.params?.data}`)
        assert.deepStrictEqual(received, [...sent], `${protocolVersion}, ${logLevel}`)
        yield* client.callTool("own")
        // Its log goes out before its answer.
        yield* client.request("chatty/log")
        const fromExtension = client.notifications.filter((n) => n.method === "notifications/message" && n.params?.data === "extension line")
        assert.strictEqual(fromExtension.length, logLevel === "debug" ? 1 : 0, `${protocolVersion}, ${logLevel}`)
        assert.deepStrictEqual(appLines, ["Info info line", "Debug own debug"], `${protocolVersion}, ${logLevel}`)
      }
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
