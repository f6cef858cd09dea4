/**
 * The response cache and the protocol version: one stateless Streamable HTTP server (every
 * anonymous client on 127.0.0.1 is one caller to the cache) reached by the SDK v1 client
 * (2025-11-25) and the SDK v2 client pinned to 2026-07-28. What is below the cache may answer a
 * version in its own way (caching hints for 2026-07-28, a handler reading the version): each
 * client gets the answer made for its version, never one cached for the other, in either order.
 * And a `required` task tool, run directly for a 2025-06-18 client (a version without tasks), is
 * still refused to a 2025-11-25 call without a task (in memory, one principal).
 */
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from "@modelcontextprotocol/client"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as HttpV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpContext, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { ResponseCache } from "../../src/middleware/index.ts"
import * as ProtocolVersion from "../../src/protocol/ProtocolVersion.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { connect, connectRaw, sdkError, startServer } from "../server/McpServerHarness.ts"
import { authenticateByClientName, counter, principal, text } from "./builtinSupport.ts"

/** A stateless HTTP server with the cache (calls of `version` cached) above `hints`; its URL and run counts. */
const serve = Effect.gen(function*() {
  const hits = counter()
  const version = McpServer.tool({
    name: "version",
    description: "Says the protocol version it was asked in",
    handler: () => Effect.andThen(hits.hit("version"), McpContext.protocolVersion)
  })
  /** Below the cache: gives 2026-07-28 tool lists caching hints of its own (SEP-2549), and counts the lists made. */
  const hints = Middleware.make("hints", {
    onListTools: (params, context, next) =>
      Effect.andThen(
        hits.hit("tools/list"),
        Effect.map(next(params), (result) =>
          ProtocolVersion.isModern(context.protocolVersion) ? { ...result, ttlMs: 60_000, cacheScope: "public" } : result)
      )
  })
  const cache = Layer.unwrap(Effect.map(ResponseCache.make({ callTools: ["version"] }), (made) => McpServer.middleware(made, hints)))
    .pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
  const { url } = yield* serveOnAnyPort((port) =>
    McpServer.serve(
      { name: "versions", version: "1.0.0" },
      Layer.mergeAll(version, cache),
      StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })
    ),
    { loggers: [] }
  )
  return { url: new URL(url), hits }
})

/** What a client received: every message, as the transport got it. */
interface Recording {
  readonly received: Array<any>
  readonly listTools: () => Promise<unknown>
  readonly callVersion: () => Promise<unknown>
}

const record = (transport: { onmessage?: ((message: any, extra?: any) => void) | undefined }): Array<any> => {
  const received: Array<any> = []
  const deliver = transport.onmessage
  transport.onmessage = (message, extra) => {
    received.push(message)
    deliver?.(message, extra)
  }
  return received
}

const v1 = (url: URL) =>
  Effect.acquireRelease(
    Effect.promise(async (): Promise<Recording & { readonly close: () => Promise<void> }> => {
      const client = new ClientV1({ name: "v1", version: "1.0.0" }, { capabilities: {} })
      const transport = new HttpV1(url)
      await client.connect(transport)
      const received = record(transport as never)
      return {
        received,
        listTools: () => client.listTools(),
        callVersion: () => client.callTool({ name: "version", arguments: {} }),
        close: () => client.close()
      }
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

const v2 = (url: URL) =>
  Effect.acquireRelease(
    Effect.promise(async (): Promise<Recording & { readonly close: () => Promise<void> }> => {
      const client = new ClientV2({ name: "v2", version: "2.0.0" }, {
        capabilities: {},
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      const transport = new HttpV2(url)
      await client.connect(transport as never)
      if (client.getNegotiatedProtocolVersion() !== "2026-07-28") throw new Error("not 2026-07-28")
      const received = record(transport as never)
      return {
        received,
        listTools: () => client.listTools(),
        callVersion: () => client.callTool({ name: "version", arguments: {} }),
        close: () => client.close()
      }
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

/**
 * Asks `client` for the tool list and the `version` call twice; returns the tool lists it received
 * (as sent: the SDK v2 client keeps a list for its `ttlMs` and may not ask again) and the calls' texts.
 */
const ask = (client: Recording) =>
  Effect.gen(function*() {
    const calls: Array<string> = []
    for (let i = 0; i < 2; i++) {
      yield* Effect.promise(client.listTools)
      calls.push(text(yield* Effect.promise(client.callVersion)))
    }
    const lists = client.received.filter((message) => Array.isArray(message.result?.tools)).map((message) => message.result)
    assert.isAbove(lists.length, 0)
    return { lists, calls }
  })

describe("ResponseCache: answers are kept per protocol version", () => {
  for (const order of [["v1", "v2"], ["v2", "v1"]] as const) {
    it.live(`a 2025-11-25 and a 2026-07-28 client (${order.join(" first, then ")}) each get their version's answer`, () =>
      Effect.gen(function*() {
        const { hits, url } = yield* serve
        const clients = { v1: yield* v1(url), v2: yield* v2(url) }
        const answers = { v1: { lists: [] as Array<any>, calls: [] as Array<string> }, v2: { lists: [] as Array<any>, calls: [] as Array<string> } }
        for (const name of order) answers[name] = yield* ask(clients[name])

        for (const list of answers.v1.lists) {
          assert.deepStrictEqual(list.tools.map((tool: { readonly name: string }) => tool.name), ["version"])
          // No 2026-07-28 field reaches the 2025-11-25 client.
          for (const key of ["ttlMs", "cacheScope", "resultType"]) assert.notProperty(list, key, JSON.stringify(list))
        }
        for (const list of answers.v2.lists) {
          // The hints made for 2026-07-28, not the defaults put on a 2025 answer.
          assert.strictEqual(list.ttlMs, 60_000, JSON.stringify(list))
          assert.strictEqual(list.cacheScope, "public", JSON.stringify(list))
          assert.strictEqual(list.resultType, "complete")
        }
        assert.deepStrictEqual(answers.v1.calls, ["2025-11-25", "2025-11-25"])
        assert.deepStrictEqual(answers.v2.calls, ["2026-07-28", "2026-07-28"])
        // Each version's list was made once, and each version's second call answered from the cache.
        assert.strictEqual(hits.get("tools/list"), 2)
        assert.strictEqual(hits.get("version"), 2)
      }))
  }
})

describe("ResponseCache: a tool that runs only as a task", () => {
  it.live("run directly for a 2025-06-18 client (no tasks there), its answer is not served to a 2025-11-25 call without a task", () =>
    Effect.gen(function*() {
      const hits = counter()
      const report = McpServer.tool({
        name: "report",
        execution: { taskSupport: "required" },
        handler: () => Effect.as(hits.hit("report"), "the report")
      })
      // Both clients are alice (the cache keys by principal): the raw client is named "raw".
      const alice = principal("alice")
      const cache = Layer.unwrap(
        Effect.map(ResponseCache.make({ callTools: ["report"] }), (made) => McpServer.middleware(authenticateByClientName({ raw: alice, alice }), made))
      ).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
      const server = yield* startServer({ tasks: McpServer.tasks() }, Layer.merge(report, cache))

      const old = yield* connectRaw(server, "2025-06-18")
      assert.strictEqual(old.initializeResult.result.protocolVersion, "2025-06-18")
      const direct = yield* Effect.promise(() => old.request(1, "tools/call", { name: "report", arguments: {} }))
      assert.deepStrictEqual(direct.result, { content: [{ type: "text", text: "the report" }] })

      // 2025-11-25 has tasks: a call of a `required` tool without `params.task` is refused.
      const { client } = yield* connect(server, { name: "alice" })
      const refused = yield* sdkError(() => client.callTool({ name: "report", arguments: {} }))
      assert.strictEqual(refused.code, -32601, refused.message)
      assert.include(refused.message, "requires task-augmented execution")
      assert.strictEqual(hits.get("report"), 1)
    }))
})
