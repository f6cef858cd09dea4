/**
 * A `subscriptions/listen` whose filter names `taskIds`, sent to a server that serves no tasks (no
 * `tasks` option: it offers no tasks extension in `server/discover`). The filter is honoured as far
 * as the server can: `taskIds` is left out of the acknowledged subset, as any filter the server
 * does not serve is, and the rest of the stream is served.
 *
 * Fails before: the whole listen was refused -32021, "subscriptions/listen with taskIds needs the
 * io.modelcontextprotocol/tasks extension: declare it in clientCapabilities.extensions", naming an
 * extension the server does not offer (a client declaring it then got the stream, `taskIds` left
 * out, which is the answer it should have had at once). A server that serves tasks still refuses
 * `taskIds` from a request that did not declare the extension (test/http/Listen.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import { McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echo") })

describe("listen with taskIds on a server without tasks", () => {
  it.live("the SDK v2 client's listen is acknowledged without taskIds, declared or not", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "no-tasks", version: "1" }, Echo)
      for (const extensions of [{}, { "io.modelcontextprotocol/tasks": {} }]) {
        const client = yield* Effect.acquireRelease(
          Effect.gen(function*() {
            const client = new Client({ name: "listener", version: "1" }, {
              capabilities: { extensions } as never,
              versionNegotiation: { mode: { pin: "2026-07-28" } as never }
            })
            yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
            return client
          }),
          (client) => Effect.promise(() => client.close().catch(() => undefined))
        )
        const subscription = yield* sdk(() => client.listen({ toolsListChanged: true, taskIds: ["some-task"] } as never))
        assert.deepStrictEqual(subscription.honoredFilter, { toolsListChanged: true }, JSON.stringify(extensions))
        yield* Effect.promise(() => subscription.close())
      }
    }))
})
