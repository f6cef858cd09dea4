/**
 * MCP 2026-07-28 caching (SEP-2549): "Results produced by retrying a request through the multi
 * round-trip requests mechanism — that is, requests carrying `inputResponses` or `requestState` —
 * MUST NOT be cached, as they depend on inputs that are not part of the cache key." A
 * `resources/read` answered after input rounds therefore carries `ttlMs: 0` (stale at once), whatever
 * its handler set: the hints a handler sets describe the resource, not the user's answer.
 *
 * Fails before: the retry's result carried the handler's `ttlMs: 60000` / `cacheScope: "public"`,
 * and the SDK v2 client (pinned to 2026-07-28, over Streamable HTTP) kept it: its next read of the
 * URI was served from its cache, the user never asked again (the secret shown though the user
 * would have said no). A read that asked nothing keeps its hints.
 *
 * Its `cacheScope` is `"private"` too, whatever the handler set (fails before: the handler's
 * `"public"` was kept, a result built from one client's answers offered to shared caches); so are
 * the hints a retried `tools/call` or `prompts/get` handler sets (fails before: kept as set).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"

const hints = { ttlMs: 60_000, cacheScope: "public" } as const

const Secret = McpServer.resource({
  uri: "secret://value",
  name: "secret",
  read: Effect.gen(function*() {
    const answer = yield* McpContext.elicit("Show the secret?", Schema.Struct({ ok: Schema.Boolean }))
    const text = answer.action === "accept" && answer.content.ok ? "42" : "hidden"
    return { contents: [{ uri: "secret://value", text }], ...hints }
  }).pipe(Effect.orDie)
})

const Plain = McpServer.resource({
  uri: "plain://value",
  name: "plain",
  read: Effect.succeed({ contents: [{ uri: "plain://value", text: "plain" }], ...hints })
})

const ask = McpContext.elicit("Go on?", Schema.Struct({ ok: Schema.Boolean })).pipe(Effect.orDie)
const text = (value: string) => ({ type: "text" as const, text: value })

/** A tool and a prompt that ask, then answer with hints of their own; and the same without asking. */
const Asking = Layer.mergeAll(
  McpServer.tool({ name: "asks", handler: () => Effect.map(ask, () => ({ content: [text("done")], ...hints })) }),
  McpServer.tool({ name: "plain", handler: () => Effect.succeed({ content: [text("done")], ...hints }) }),
  McpServer.prompt({ name: "asks", handler: () => Effect.map(ask, () => ({ messages: [{ role: "user" as const, content: text("hi") }], ...hints })) }),
  McpServer.prompt({ name: "plain", handler: () => Effect.succeed({ messages: [{ role: "user" as const, content: text("hi") }], ...hints }) })
)

const components = Layer.mergeAll(Secret, Plain, Asking)

describe("a result answered after input rounds is not cacheable (2026-07-28)", () => {
  it.live("the SDK v2 client asks the user again on the next read; a read without input keeps its hints", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "retry-cache", version: "1" }, components)
      const asked: Array<boolean> = []
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "retry-cache", version: "1" }, {
            capabilities: { elicitation: { form: {} } },
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          // Yes the first time, no after.
          client.setRequestHandler("elicitation/create", async () => {
            asked.push(true)
            return { action: "accept", content: { ok: asked.length === 1 } }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const first = yield* sdk(() => client.readResource({ uri: "secret://value" }))
      assert.deepStrictEqual(first.contents, [{ uri: "secret://value", text: "42" }])
      assert.deepStrictEqual({ ttlMs: (first as any).ttlMs, cacheScope: (first as any).cacheScope }, { ttlMs: 0, cacheScope: "private" })
      const second = yield* sdk(() => client.readResource({ uri: "secret://value" }))
      assert.strictEqual(asked.length, 2, "the user is asked again")
      assert.deepStrictEqual(second.contents, [{ uri: "secret://value", text: "hidden" }])
      const plain = yield* sdk(() => client.readResource({ uri: "plain://value" }))
      assert.deepStrictEqual({ ttlMs: (plain as any).ttlMs, cacheScope: (plain as any).cacheScope }, hints)
    }))

  it.live("McpTestClient: the retry's hints are ttlMs 0 and private, whatever the handler set", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, {
        protocolVersion: "2026-07-28",
        elicit: () => Effect.succeed({ action: "accept", content: { ok: true } })
      })
      const result = yield* client.request("resources/read", { uri: "secret://value" })
      assert.deepStrictEqual({ ttlMs: result.ttlMs, cacheScope: result.cacheScope }, { ttlMs: 0, cacheScope: "private" })
      const plain = yield* client.request("resources/read", { uri: "plain://value" })
      assert.deepStrictEqual({ ttlMs: plain.ttlMs, cacheScope: plain.cacheScope }, hints)
    }))

  it.live("McpTestClient: a retried tools/call's and prompts/get's hints are ttlMs 0 and private; asked nothing, kept", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, {
        protocolVersion: "2026-07-28",
        elicit: () => Effect.succeed({ action: "accept", content: { ok: true } })
      })
      const hintsOf = (result: any) => ({ ttlMs: result.ttlMs, cacheScope: result.cacheScope })
      const call = yield* client.request("tools/call", { name: "asks", arguments: {} })
      assert.deepStrictEqual(call.content, [text("done")])
      assert.deepStrictEqual(hintsOf(call), { ttlMs: 0, cacheScope: "private" })
      const prompt = yield* client.request("prompts/get", { name: "asks" })
      assert.deepStrictEqual(hintsOf(prompt), { ttlMs: 0, cacheScope: "private" })
      assert.deepStrictEqual(hintsOf(yield* client.request("tools/call", { name: "plain", arguments: {} })), hints)
      assert.deepStrictEqual(hintsOf(yield* client.request("prompts/get", { name: "plain" })), hints)
    }))
})
