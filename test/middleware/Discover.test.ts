/**
 * The typed `onDiscover` hook (MCP 2026-07-28's `server/discover`, as `onInitialize` is for the
 * handshake): middleware observes, changes and rejects it; services captured by its Layer reach it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpError, McpServer, Middleware } from "../../src/index.ts"

const meta = (extra: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  ...extra
})

/** Serves `layer` over a fresh in-memory pair; answers a raw `server/discover`. */
const discover = (layer: Layer.Layer<never, never, McpServer.McpServer>, extraMeta: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(McpServer.serve({ name: "discover", version: "1" }, layer, pair.server))
    return yield* Effect.promise(() =>
      new Promise<any>((resolve) => {
        pair.client.onmessage = (message: any) => message.id === 1 && resolve(message)
        void pair.client.send({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: meta(extraMeta) } } as never)
      })
    )
  })

const Echo = McpServer.tool({ name: "echo", parameters: { text: Schema.String }, handler: ({ text }) => Effect.succeed(text) })

class Audit extends Context.Service<Audit, { readonly seen: Array<string> }>()("test/Audit") {}

describe("onDiscover", () => {
  it.live("observes (with its Layer's services), changes and rejects server/discover", () =>
    Effect.gen(function*() {
      const audit = { seen: [] as Array<string> }
      const Observe = McpServer.middleware(Middleware.make("observe", {
        onDiscover: (params, context, next) =>
          Effect.flatMap(Effect.service(Audit), (a) =>
            Effect.map(next(params), (result) => {
              a.seen.push(`${context.protocolVersion}:${result.supportedVersions[0]}`)
              return result
            }))
      })).pipe(Layer.provide(Layer.succeed(Audit, audit)))
      const observed = yield* discover(Layer.mergeAll(Echo, Observe))
      assert.deepStrictEqual(audit.seen, ["2026-07-28:2026-07-28"])
      assert.isDefined(observed.result.capabilities.tools)

      // Changes: hides the tools from whoever did not say who they are.
      const Hide = McpServer.middleware(Middleware.make("hide", {
        onDiscover: (params, context, next) =>
          Effect.map(next(params), (result) => {
            if (context.clientInfo !== undefined) return result
            const { tools: _tools, ...capabilities } = result.capabilities
            return { ...result, capabilities, instructions: "say who you are" }
          })
      }))
      const hidden = yield* discover(Layer.mergeAll(Echo, Hide))
      assert.isUndefined(hidden.result.capabilities.tools)
      assert.strictEqual(hidden.result.instructions, "say who you are")
      assert.strictEqual(hidden.result.resultType, "complete")
      const shown = yield* discover(Layer.mergeAll(Echo, Hide), { "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" } })
      assert.isDefined(shown.result.capabilities.tools)

      // Rejects: a typed error is the answer.
      const Reject = McpServer.middleware(Middleware.make("reject", {
        onDiscover: () => Effect.fail(McpError.invalidParams("no discovery today"))
      }))
      const rejected = yield* discover(Layer.mergeAll(Echo, Reject))
      assert.strictEqual(rejected.error.code, -32602)
      assert.match(rejected.error.message, /no discovery today/)
    }))

  it.live("what onDiscover adds that 2026-07-28 does not define (the core tasks capability) is not sent", () =>
    Effect.gen(function*() {
      // A hook shared with onInitialize's 2025-11-25 shape: `tasks` is an extension in 2026-07-28.
      const Advertise = McpServer.middleware(Middleware.make("advertise", {
        onDiscover: (params, _context, next) =>
          Effect.map(next(params), (result) => ({
            ...result,
            capabilities: { ...result.capabilities, tasks: { list: {}, cancel: {} }, completions: {} }
          }))
      }))
      const answer = yield* discover(Layer.mergeAll(Echo, Advertise))
      assert.notProperty(answer.result.capabilities, "tasks", JSON.stringify(answer.result.capabilities))
      // What 2026-07-28 defines is kept.
      assert.deepStrictEqual(answer.result.capabilities.completions, {})
      assert.isDefined(answer.result.capabilities.tools)
      assert.strictEqual(answer.result.resultType, "complete")
    }))
})
