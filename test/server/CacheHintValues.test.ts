/**
 * MCP 2026-07-28 caching hints (SEP-2549) a handler sets itself on a cacheable result (a hand-built
 * `ReadResourceResult`): `ttlMs` must be a non-negative integer and `cacheScope` `"public"` or
 * `"private"`, or the client refuses the whole result. A value of another kind is not sent: the
 * default takes its place (`ttlMs: 0`, `cacheScope: "private"`), as where the handler set none (and
 * as the SDK v2 server does); a valid one is sent as it is.
 *
 * Fails before: the handler's value was sent as it was, and the SDK v2 client refused the read
 * ("Invalid result for resources/read").
 */
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { InMemory, McpServer } from "../../src/index.ts"
import * as McpTestClient from "../../src/testing/McpTestClient.ts"

const hinted = (name: string, hints: object) =>
  McpServer.resource({
    uri: `test://${name}`,
    name,
    read: Effect.succeed({ contents: [{ uri: `test://${name}`, text: name }], ...hints } as never)
  })

const cases = [
  ["negative", { ttlMs: -1 }, { ttlMs: 0, cacheScope: "private" }],
  ["string", { ttlMs: "60000", cacheScope: "public" }, { ttlMs: 0, cacheScope: "public" }],
  ["fraction", { ttlMs: 1.5 }, { ttlMs: 0, cacheScope: "private" }],
  ["null", { ttlMs: null, cacheScope: null }, { ttlMs: 0, cacheScope: "private" }],
  ["scope", { ttlMs: 60_000, cacheScope: "shared" }, { ttlMs: 60_000, cacheScope: "private" }],
  ["valid", { ttlMs: 60_000, cacheScope: "public" }, { ttlMs: 60_000, cacheScope: "public" }]
] as const

const components = cases.reduce<Layer.Layer<never, never, McpServer.McpServer>>(
  (all, [name, hints]) => Layer.merge(all, hinted(name, hints)),
  Layer.empty
)

describe("2026-07-28 caching hints a handler set", () => {
  it.live("an invalid value is replaced by the default, a valid one kept (exact values)", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { protocolVersion: "2026-07-28" })
      for (const [name, , expected] of cases) {
        const result = yield* client.request("resources/read", { uri: `test://${name}` })
        assert.deepStrictEqual({ ttlMs: result.ttlMs, cacheScope: result.cacheScope }, expected, name)
      }
    }))

  it.live("the SDK v2 client (2026-07-28) takes every read", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Layer.provideMerge(components, McpServer.McpServer.layer({ name: "hints", version: "1.0.0" })))
      const server = Context.get(context, McpServer.McpServer)
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
      const client = new ClientV2({ name: "hints-v2", version: "1.0.0" }, {
        capabilities: {},
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      for (const [name] of cases) {
        const read = yield* Effect.promise(() => client.readResource({ uri: `test://${name}` }).then((r) => r, (e: unknown) => String(e)))
        assert.deepStrictEqual(typeof read === "string" ? read : read.contents, [{ uri: `test://${name}`, text: name }], name)
      }
    }))
})
