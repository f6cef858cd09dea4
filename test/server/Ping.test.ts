/**
 * A client's `ping` is answered promptly (MCP: "MUST respond promptly"), even while every request
 * slot of its session is taken by calls that run on, and when middleware makes every request
 * asynchronous (no answer inline).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { InMemory, McpServer } from "../../src/index.ts"
import { Logging } from "../../src/middleware/index.ts"
import { sdk, startServer } from "./McpServerHarness.ts"

/** Runs until the test ends. */
const Busy = McpServer.tool({ name: "busy", handler: () => Effect.as(Effect.never, "never") })

describe("ping", () => {
  it.live("a client's ping is answered while every request slot is taken (middleware around every request)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ middleware: [Logging.middleware()] }, Busy)
      for (const make of [() => new Client({ name: "v1", version: "1" }), () => new ClientV2({ name: "v2", version: "2" })]) {
        const pair = InMemory.makePair()
        yield* Effect.forkScoped(server.run(pair.server, { maxConcurrentRequests: 2 }).pipe(Effect.provide(Logger.layer([]))))
        const client = make()
        yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
        // Both slots taken, for as long as the test runs.
        for (let i = 0; i < 2; i++) void client.callTool({ name: "busy", arguments: {} }).catch(() => undefined)
        // Bounded: a ping waiting for a slot would wait for ever (the SDK's timeout: 60 s).
        assert.deepStrictEqual(yield* sdk(() => client.ping({ timeout: 5_000 })), {})
      }
    }))
})
