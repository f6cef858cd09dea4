/**
 * The Effect.log → notifications/message bridge keeps working when the application provides its
 * own loggers (a Layer's captured context must not replace the session's loggers).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { InMemory, McpServer, Middleware } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"

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
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(Tool, Observer), pair.server).pipe(
          Effect.provide(AppLogger)
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      const received: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params.data))
      yield* sdk(() => client.callTool({ name: "chatty", arguments: {} }))
      // Handlers' logs reach the client; middleware logs are the server's own (not sent).
      assert.deepStrictEqual(received, ["from the handler"])
      assert.isTrue(appLines.some((line) => JSON.stringify(line).includes("from the handler")))
      assert.isTrue(appLines.some((line) => JSON.stringify(line).includes("from the middleware")))
    }))
})
