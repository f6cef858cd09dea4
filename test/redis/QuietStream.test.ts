/**
 * A 2025 session's standalone stream on `RedisEventStore`, quiet for longer than the store keeps
 * a stream's keys (`ttlMillis`), seen through the SDK's client across a cut connection: it resumes
 * the stream with `Last-Event-ID`, and hears what the server sends after. Fails before the fix:
 * the resumption was refused 400 (the keys had expired), and the client gave its stream up for
 * good, hearing nothing more.
 */
import { assert, layer } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { RedisStores } from "../../src/redis.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"
import { tcpCut } from "../support/tcpCut.ts"

const Files = McpServer.resource({ uri: "files://a", name: "a", read: Effect.succeed("a") })
const Poke = McpServer.tool({ name: "poke", handler: () => Effect.as(McpServer.notifyResourceListChanged(), "poked") })

layer(TestRedis.layer, { excludeTestServices: true })("a quiet standalone stream on Redis", (it) => {
  it.effect("resumes after its keys expired, and carries what the server sends after", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const stores = yield* Layer.build(RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), events: { ttlMillis: 300 } }))
      const { port } = yield* Effect.provideContext(
        serveOnAnyPort((port) =>
          McpServer.serve({ name: "quiet", version: "1.0.0" }, Layer.merge(Files, Poke), StreamableHttp.make({ host: "127.0.0.1", port }))
        ),
        stores
      )
      const relay = yield* tcpCut(port)
      const client = new Client({ name: "quiet-client", version: "1.0.0" })
      let heard = 0
      const resumptions: Array<number> = []
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void heard++)
      const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${relay.port}/mcp`), {
        fetch: async (url, init) => {
          const response = await fetch(url, init)
          if (new Headers(init?.headers).has("last-event-id")) resumptions.push(response.status)
          return response
        },
        reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 200, reconnectionDelayGrowFactor: 1, maxRetries: 2 }
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(transport)), () => Effect.promise(() => client.close()))
      const until = (check: () => boolean, what: string) =>
        Effect.gen(function*() {
          for (let i = 0; i < 50 && !check(); i++) yield* Effect.sleep("100 millis")
          assert.isTrue(check(), what)
        })
      // The standalone stream opens after the handshake: poked until it carries a notification.
      for (let i = 0; i < 20 && heard === 0; i++) {
        yield* Effect.promise(() => client.callTool({ name: "poke" }))
        yield* Effect.sleep("100 millis")
      }
      assert.isAbove(heard, 0, "the standalone stream carries the notification")
      // Quiet past the keys' lifetime, then the connection is cut: the client resumes the stream.
      yield* Effect.sleep("800 millis")
      yield* relay.cut(50)
      yield* until(() => resumptions.length > 0, "the client resumes its stream")
      assert.strictEqual(resumptions[0], 200, `resumed, not refused: ${resumptions.join(", ")}`)
      yield* Effect.sleep("200 millis")
      const before = heard
      yield* Effect.promise(() => client.callTool({ name: "poke" }))
      yield* until(() => heard > before, "the resumed stream carries the next notification")
    }), 30_000)
})
