/**
 * A server served to an SDK v1 and an SDK v2 client at once (in memory), the server's log lines
 * kept: for tests of what both clients take of an answer, and what the server logged of it.
 */
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { InMemory, type McpServer } from "../../src/index.ts"
import { type Server, startServer } from "./McpServerHarness.ts"

/** Serves `components` to an SDK v1 and an SDK v2 client, the server's log lines kept. */
export const serveBoth = (components: Layer.Layer<never, never, McpServer.McpServer>, options: Partial<McpServer.Options> = {}) =>
  Effect.gen(function*() {
    const server = yield* startServer(options, components)
    const logged: Array<string> = []
    const Capture = Logger.layer([
      Logger.make((entry) => {
        const message = Array.isArray(entry.message) ? entry.message.join(" ") : String(entry.message)
        logged.push(`${message} ${Cause.pretty(entry.cause)}`)
      })
    ])
    const runOne = (server: Server) => {
      const pair = InMemory.makePair()
      return Effect.as(Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Capture))), pair.client)
    }
    const v1 = new Client({ name: "v1", version: "1" }, { capabilities: {} })
    const v1Transport = yield* runOne(server)
    yield* Effect.acquireRelease(Effect.promise(() => v1.connect(v1Transport as never)), () => Effect.promise(() => v1.close()))
    const v2 = new ClientV2({ name: "v2", version: "2" }, { capabilities: {} })
    const v2Transport = yield* runOne(server)
    yield* Effect.acquireRelease(Effect.promise(() => v2.connect(v2Transport as never)), () => Effect.promise(() => v2.close()))
    return { v1, v2, logged }
  })
