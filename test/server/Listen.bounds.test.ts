/**
 * What one 2026-07-28 `subscriptions/listen` may cost the process: each URI of its
 * `resourceSubscriptions` is matched against the resource templates (up to template size × URI
 * length steps), synchronously, every other client waiting meanwhile. 1,000 URIs of 4 KB each
 * against `repo://{+dir}/{file}` were 3.3 s of event-loop time (4.5 s with the Authorization
 * middleware), each URI looked up twice by the method and once more by the middleware. Counted
 * here as calls of the template's matcher, with the McpTestClient (in memory).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "../../src/index.ts"
import * as Authorization from "../../src/middleware/builtin/Authorization.ts"
import { McpTestClient } from "../../src/testing.ts"

const Repo = McpServer.resourceTemplate({
  uriTemplate: "repo://{+dir}/{file}",
  name: "file",
  read: ({ dir, file }) => Effect.succeed(`${dir}/${file}`)
})

const Other = McpServer.resourceTemplate({
  uriTemplate: "other://{x}",
  name: "other",
  read: ({ x }) => Effect.succeed(String(x))
})

/** The templates of the server, each with its matcher's calls counted in `counts` (by template). */
const counted = (counts: Map<string, number>) =>
  Layer.provideMerge(
    Layer.effectDiscard(Effect.gen(function*() {
      const server = yield* McpServer.McpServer
      for (const entry of server.templates.list()) {
        const template = entry.value as { -readonly [K in "match" | "matchKey"]: (uri: string) => unknown } & {
          readonly uriTemplate: string
        }
        for (const name of ["match", "matchKey"] as const) {
          const original = template[name]
          template[name] = (uri) => {
            counts.set(template.uriTemplate, (counts.get(template.uriTemplate) ?? 0) + 1)
            return original(uri)
          }
        }
      }
    })),
    Layer.mergeAll(Repo, Other)
  )

/** `n` distinct URIs of `repo://{+dir}/{file}`, each about `size` characters long. */
const longUris = (n: number, size: number) => Array.from({ length: n }, (_, i) => `repo://${"d".repeat(size)}/f${i}`)

describe("subscriptions/listen: the work one request may cause", () => {
  // Fails before: all 100 accepted, after 200 matches of 4 KB URIs (2 per URI).
  it.live("the URIs past 128 KB in all are left out of the acknowledged subset, never matched", () =>
    Effect.gen(function*() {
      const counts = new Map<string, number>()
      const client = yield* McpTestClient.make(counted(counts), { protocolVersion: "2026-07-28", timeoutMillis: 10_000 })
      const uris = longUris(100, 4_000)
      const within = Math.floor(131_072 / uris[0]!.length)
      const accepted = yield* client.listen({ resourceSubscriptions: uris })
      // The first ones, in order, as many as fit.
      assert.deepStrictEqual(accepted.resourceSubscriptions, uris.slice(0, within))
      assert.strictEqual(counts.get("repo://{+dir}/{file}") ?? 0, within)
    }))

  // Fails before: 2,000 matches for 1,000 URIs (whether served, then the resource named).
  it.live("each URI of a listen is looked up once", () =>
    Effect.gen(function*() {
      const counts = new Map<string, number>()
      const client = yield* McpTestClient.make(counted(counts), { protocolVersion: "2026-07-28", timeoutMillis: 10_000 })
      // 1,000 URIs of about 110 characters: within the bound.
      const uris = longUris(1_000, 100)
      const accepted = yield* client.listen({ resourceSubscriptions: [...uris, ...uris] })
      assert.strictEqual(accepted.resourceSubscriptions?.length, 1_000)
      assert.strictEqual(counts.get("repo://{+dir}/{file}"), 1_000)
    }))

  // Fails before: all 100 accepted, after 300 matches of 4 KB URIs (the middleware's, then the method's).
  it.live("with the Authorization middleware, the URIs past 128 KB in all are never matched either", () =>
    Effect.gen(function*() {
      const counts = new Map<string, number>()
      const client = yield* McpTestClient.make(
        Layer.merge(
          counted(counts),
          Authorization.layer({ rules: { resources: { "other://secret": ["admin"] } }, unauthenticated: "allow" })
        ),
        { protocolVersion: "2026-07-28", timeoutMillis: 10_000 }
      )
      // A first listen with one URI: what is looked up once (at the first URI) is counted before.
      yield* client.listen({ resourceSubscriptions: ["repo://warm/up"] })
      const before = counts.get("repo://{+dir}/{file}") ?? 0
      const uris = longUris(100, 4_000)
      const within = Math.floor(131_072 / uris[0]!.length)
      const accepted = yield* client.listen({ resourceSubscriptions: uris })
      assert.deepStrictEqual(accepted.resourceSubscriptions, uris.slice(0, within))
      // Each URI within the bound: the middleware's look, then the method's.
      assert.strictEqual((counts.get("repo://{+dir}/{file}") ?? 0) - before, 2 * within)
    }))

  // Fails before: -32602 for URIs no resource could match (the listen's tool list changes lost).
  it.live("a server without resources ignores the URIs of a listen, however long (it looks at none), as before the bound", () =>
    Effect.gen(function*() {
      const Tool = McpServer.tool({ name: "t", handler: () => Effect.succeed("ok") })
      const client = yield* McpTestClient.make(Tool, { protocolVersion: "2026-07-28", timeoutMillis: 10_000 })
      const accepted = yield* client.listen({ toolsListChanged: true, resourceSubscriptions: longUris(100, 4_000) })
      assert.strictEqual(accepted.toolsListChanged, true)
      assert.isUndefined(accepted.resourceSubscriptions)
    }))
})
