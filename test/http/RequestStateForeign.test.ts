/**
 * Two replicas that do not share a `requestState` key ring (the default: a random key per process;
 * or a ring being rotated one replica at a time): a 2026-07-28 retry that reaches the other replica
 * is refused -32602, and the message says what to check, that the replicas share
 * `requestState.keys`, beside the other causes.
 *
 * Fails before: the message was "Invalid requestState: tampered with, expired, or from another
 * request", which sends a user behind a load balancer after an attacker, a clock or their client,
 * not their configuration (the SDK v2 client, round-robin over two servers, showed only that).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"

const Confirm = McpServer.tool({
  name: "confirm",
  handler: () =>
    Effect.map(McpContext.elicit("Go?", Schema.Struct({ ok: Schema.Boolean })), (answer) => answer.action).pipe(Effect.orDie)
})

describe("a requestState sealed by a replica of another key ring", () => {
  it.live("the SDK v2 client, its requests alternating between two servers: -32602 naming requestState.keys", () =>
    Effect.gen(function*() {
      // Two rings, as two processes with the default key each have (in one process they share it).
      const a = yield* serveHttp({ name: "replica", version: "1", requestState: { keys: ["a".repeat(32)] } }, Confirm)
      const b = yield* serveHttp({ name: "replica", version: "1", requestState: { keys: ["b".repeat(32)] } }, Confirm)
      let sent = 0
      const alternate = (_url: string | URL, init?: RequestInit) => fetch(sent++ % 2 === 0 ? a.url : b.url, init)
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "alternating", version: "1" }, {
            capabilities: { elicitation: { form: {} } },
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { ok: true } }))
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(a.url), { fetch: alternate })))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const error = yield* Effect.flip(sdk(() => client.callTool({ name: "confirm", arguments: {} })))
      assert.strictEqual(error.code, -32602, error.message)
      assert.include(error.message, "requestState.keys")
      assert.include(error.message, "tampered with")
    }))
})
