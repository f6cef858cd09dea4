/**
 * A 2025 session's standalone GET stream whose connection is cut, seen through the SDK v1 client
 * (over a TCP relay that cuts it): what the server sends while the client is away (before it
 * resumes with `Last-Event-ID`) is stored on the stream and replayed by the resumption.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { LoggingMessageNotificationSchema, ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { tcpCut } from "../support/tcpCut.ts"
import { serveOnAnyPort } from "./support.ts"

const Files = McpServer.resource({ uri: "files://a", name: "a", read: Effect.succeed("a") })
const Poke = McpServer.tool({ name: "poke", handler: () => Effect.as(McpServer.notifyResourceListChanged(), "poked") })
/** Logs through the session (not tied to its request: JSON-answered, it goes on the GET stream). */
const Say = McpServer.tool({
  name: "say",
  handler: () => Effect.flatMap(McpContext.current, (context) => Effect.as(context.log("info", "said while away"), "said"))
})

describe("Streamable HTTP: a standalone stream whose connection is cut", () => {
  // Fails before: the notifications sent once the server saw the GET stream go were dropped (the
  // session had no standalone stream until the client came back), and the resumption lacked them.
  it.live("SDK v1: a notification sent before the client resumes reaches it with the resumption", () =>
    Effect.gen(function*() {
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "left", version: "1.0.0" },
          Layer.mergeAll(Files, Poke, Say),
          StreamableHttp.make({ host: "127.0.0.1", port, retryMillis: 50, responseMode: "json" })
        )
      )
      const relay = yield* tcpCut(port)
      // The client's resumptions wait for `release`: what is sent before it is sent while it is away.
      let release!: () => void
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      const resumptions: Array<number> = []
      const client = new Client({ name: "left-client", version: "1.0.0" })
      const heard: Array<string> = []
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void heard.push("list_changed"))
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.push(String(n.params.data)))
      const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${relay.port}/mcp`), {
        fetch: async (url, init) => {
          if (!new Headers(init?.headers).has("last-event-id")) return fetch(url, init)
          await released
          const response = await fetch(url, init)
          resumptions.push(response.status)
          return response
        },
        reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 100, reconnectionDelayGrowFactor: 1, maxRetries: 2 }
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(transport)), () => Effect.promise(() => client.close()))
      yield* Effect.promise(() => client.setLoggingLevel("info"))
      // The standalone stream opens after the handshake: poked until it carries a notification.
      for (let i = 0; i < 20 && heard.length === 0; i++) {
        yield* Effect.promise(() => client.callTool({ name: "poke" }))
        yield* Effect.sleep("100 millis")
      }
      assert.deepStrictEqual(heard.slice(0, 1), ["list_changed"], "the standalone stream carries the notification")
      heard.length = 0
      // The connections are cut; the server sees the GET stream go (its socket closed) before it
      // answers a request on a new connection (the relay's end of that socket is there to read
      // first, in the event loop the server shares with the test): one answered, not a fixed wait,
      // then the calls below.
      yield* relay.cut(0)
      yield* Effect.promise(() => client.ping())
      yield* Effect.promise(() => client.callTool({ name: "poke" }))
      yield* Effect.promise(() => client.callTool({ name: "say" }))
      assert.deepStrictEqual(heard, [], "nothing reached the client while it was away")
      release()
      for (let i = 0; i < 50 && heard.length < 2; i++) yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(resumptions, [200])
      assert.deepStrictEqual(heard, ["list_changed", "said while away"])
    }), 30_000)
})
