/**
 * Stateless Streamable HTTP keeps no client state (issue 10, items 3 and 9): the one shared
 * stateless session answers every client, so nothing one client sends may change what another
 * receives or be kept for it. `resources/subscribe` and `resources/unsubscribe` are not offered
 * (-32601, as `subscribe` is not advertised: nothing can be delivered to a stateless client), and
 * nothing is kept; `logging/setLevel` is answered but changes no level.
 * Official SDK v1 clients over HTTP on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { McpContext, McpError, McpServer, StreamableHttp } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "./support.ts"

const Greeting = McpServer.resource({ uri: "test://greeting", name: "greeting", read: Effect.succeed("hello") })

const Items = McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "item",
  params: { id: Schema.String },
  read: ({ id }) => Effect.succeed(`item ${id}`)
})

/** Asks the client for a name (a server→client request tied to the call); says why it could not. */
const Ask = McpServer.tool({
  name: "ask",
  handler: () =>
    McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.as("answered"),
      Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
    )
})

const Chatty = McpServer.tool({
  name: "chatty",
  description: "Logs at info and at warning",
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.log("info", "an info line")
      yield* McpContext.log("warning", "a warning line")
      return "done"
    })
})

/** Serves a stateless HTTP server on a free port in the scope; returns its URL and its service. */
const serveStateless = (
  options: Partial<McpServer.Options> = {}
): Effect.Effect<{ readonly url: string; readonly server: McpServer.McpServer["Service"] }, never, Scope.Scope> =>
  Effect.gen(function*() {
    let server: McpServer.McpServer["Service"] | undefined
    const capture = Layer.effectDiscard(Effect.map(Effect.service(McpServer.McpServer), (s) => void (server = s)))
    const { url } = yield* serveOnAnyPort(
      (port) =>
        McpServer.serve(
          { name: "stateless-isolation", version: "1.0.0", ...options },
          Layer.mergeAll(Greeting, Items, Chatty, Ask, capture),
          StreamableHttp.make({ stateless: true, host: "127.0.0.1", port })
        ),
      { started: () => server !== undefined }
    )
    return { url, server: server! }
  })

/** An SDK v1 client connected over Streamable HTTP, recording the log messages it receives. */
const connectSdk = (url: string, name: string, capabilities: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const client = new Client({ name, version: "1.0.0" }, { capabilities })
    const logs: Array<{ readonly level: string; readonly data: unknown }> = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push({ level: notification.params.level, data: notification.params.data })
    })
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
      () => Effect.promise(() => client.close())
    )
    return { client, logs }
  })

describe("Streamable HTTP, stateless: no client state", () => {
  it.live("resources/subscribe and unsubscribe are -32601, as the capability is not advertised (no update could reach the client); nothing is kept", () =>
    Effect.gen(function*() {
      const { url, server } = yield* serveStateless({ maxSubscriptionsPerSession: 2 })
      const a = yield* connectSdk(url, "a")
      const b = yield* connectSdk(url, "b")
      assert.isUndefined(a.client.getServerCapabilities()?.resources?.subscribe)
      // Fails before: answered {}, a subscription the client took as made, of which it never heard
      for (const uri of ["test://greeting", "test://items/1", "test://nothing"]) {
        const refused = yield* Effect.flip(sdk(() => b.client.subscribeResource({ uri })))
        assert.strictEqual(refused.code, McpError.ErrorCode.MethodNotFound, uri)
        assert.include(refused.message, "stateless")
      }
      const unsubscribe = yield* Effect.flip(sdk(() => a.client.unsubscribeResource({ uri: "test://greeting" })))
      assert.strictEqual(unsubscribe.code, McpError.ErrorCode.MethodNotFound)
      assert.strictEqual(server.subscriptions.size, 0)
    }))

  it.live("one client's logging/setLevel does not change the logs another client gets", () =>
    Effect.gen(function*() {
      const { url } = yield* serveStateless()
      const a = yield* connectSdk(url, "a")
      const b = yield* connectSdk(url, "b")
      yield* sdk(() => b.client.callTool({ name: "chatty", arguments: {} }))
      assert.deepStrictEqual(b.logs.map((log) => log.level), ["info", "warning"])
      // Answered (success), but it must not change what b receives.
      assert.deepStrictEqual(yield* sdk(() => a.client.setLoggingLevel("error")), {})
      yield* sdk(() => b.client.callTool({ name: "chatty", arguments: {} }))
      assert.deepStrictEqual(b.logs.map((log) => log.level), ["info", "warning", "info", "warning"])
      // Nor what a itself receives (a later request cannot be tied to it).
      yield* sdk(() => a.client.callTool({ name: "chatty", arguments: {} }))
      assert.deepStrictEqual(a.logs.map((log) => log.level), ["info", "warning"])
    }))

  // Fails before: the message said the client did not declare the capability, which it had.
  it.live("an elicitation tied to a call: ClientCapabilityMissing says a stateless session cannot know the capability the client declared", () =>
    Effect.gen(function*() {
      const { url } = yield* serveStateless()
      const { client } = yield* connectSdk(url, "asker", { elicitation: {} })
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: {} }))
      const [text] = (result.content as Array<{ readonly text: string }>).map((block) => block.text)
      assert.include(text, `ClientCapabilityMissing: elicitation/create needs the client's "elicitation" capability, which a stateless session cannot know`)
    }))
})
