/**
 * Middleware sees the 2026-07-28 era like the 2025 one: `server/discover` and every stateless
 * request pass through `onRequest` (observed with their resolved truth), can be rejected, and
 * their results changed. Raw JSON-RPC over the in-memory pair (no handshake).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { McpError, Middleware } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { connectRaw } from "../e2e/harness.ts"

const meta = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities
})

describe("middleware on MCP 2026-07-28 requests", () => {
  it.live("observes server/discover and stateless requests with their truth, rejects and changes them", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const guard = Middleware.make("guard", {
        onRequest: (request, context, next) => {
          seen.push(`${request.method}@${context.protocolVersion}:${Object.keys(context.clientCapabilities).join(",")}`)
          if (request.method === "tools/list" && context.clientCapabilities.roots === undefined) {
            return Effect.fail(new McpError.InvalidRequest({ message: "roots required by this server's policy" }))
          }
          return request.method === "server/discover"
            ? Effect.map(next(request), (result) => ({ ...(result as object), instructions: "from the middleware" }))
            : next(request)
        }
      })
      const server = LowLevelServer.make({
        serverInfo: { name: "modern-mw", version: "1.0.0" },
        handlers: { "tools/list": () => Exit.succeed({ tools: [] }) },
        middleware: [guard]
      })
      const raw = yield* connectRaw(server)
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: meta({ roots: {} }) } }))
      const discovered = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1))
      assert.strictEqual(discovered.result.instructions, "from the middleware")
      assert.strictEqual(discovered.result.resultType, "complete")
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: meta() } }))
      const refused = yield* Effect.promise(() => raw.waitFor((m) => m.id === 2))
      assert.strictEqual(refused.error.code, -32600)
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: meta({ roots: {} }) } }))
      const listed = yield* Effect.promise(() => raw.waitFor((m) => m.id === 3))
      assert.deepStrictEqual(listed.result, {
        tools: [],
        resultType: "complete",
        ttlMs: 0,
        cacheScope: "private",
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "modern-mw", version: "1.0.0" } }
      })
      assert.deepStrictEqual(seen, [
        "server/discover@2026-07-28:roots",
        "tools/list@2026-07-28:",
        "tools/list@2026-07-28:roots"
      ])
    }))
})

describe("a 2026-07-28 call's input round and the middleware around it", () => {
  // A server without raw hooks puts the round on the session's own context (no copy); one with
  // them gives the handler a copy, and the context the raw hook holds stays without a round.
  it.live("the context an onRequest hook was given carries no input round; the handler's does, and asks in it", () =>
    Effect.gen(function*() {
      const held: Array<{ readonly before: unknown; readonly after: () => unknown }> = []
      const rounds: Array<unknown> = []
      const keeper = Middleware.make("keeper", {
        onRequest: (request, context, next) => {
          held.push({ before: context.inputRound, after: () => context.inputRound })
          return next(request)
        }
      })
      const server = LowLevelServer.make({
        serverInfo: { name: "round-mw", version: "1.0.0" },
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": (_params, context) => {
            rounds.push(context.inputRound)
            return Effect.map(
              Effect.orDie(context.elicit({ message: "Name?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } })),
              (answer) => ({ content: [{ type: "text" as const, text: answer.action }] })
            )
          }
        },
        middleware: [keeper]
      })
      const raw = yield* connectRaw(server)
      yield* Effect.promise(() =>
        raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ask", arguments: {}, _meta: meta({ elicitation: {} }) } })
      )
      const answered = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1))
      assert.strictEqual(answered.result.resultType, "input_required", JSON.stringify(answered))
      assert.strictEqual(held.length, 1)
      assert.isUndefined(held[0]!.before)
      assert.isUndefined(held[0]!.after(), "the hook's context got no round")
      assert.isDefined(rounds[0], "the handler's context has its round")
    }))
})

describe("two 2026-07-28 calls at once on one connection, on a server without raw hooks", () => {
  // Each call's round goes on its own request context (the session makes one per request): a
  // round must not reach the other call's context, whichever asks first.
  it.live("each call asks in its own round, its input_required holds its own question only", () =>
    Effect.gen(function*() {
      const contexts: Array<{ readonly name: string; readonly context: unknown; readonly round: unknown }> = []
      let arrived = 0
      const server = LowLevelServer.make({
        serverInfo: { name: "rounds-at-once", version: "1.0.0" },
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": (params, context) =>
            Effect.gen(function*() {
              contexts.push({ name: String(params.name), context, round: context.inputRound })
              arrived++
              // Both calls in flight before either asks (bounded: 200 × 5 ms).
              for (let i = 0; i < 200 && arrived < 2; i++) yield* Effect.sleep(5)
              const answer = yield* Effect.orDie(
                context.elicit({ message: `Name for ${String(params.name)}?`, requestedSchema: { type: "object", properties: { name: { type: "string" } } } })
              )
              return { content: [{ type: "text" as const, text: answer.action }] }
            })
        }
      })
      const raw = yield* connectRaw(server)
      for (const [id, name] of [[1, "first"], [2, "second"]] as const) {
        yield* Effect.promise(() =>
          raw.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {}, _meta: meta({ elicitation: {} }) } })
        )
      }
      const first = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1))
      const second = yield* Effect.promise(() => raw.waitFor((m) => m.id === 2))
      assert.strictEqual(arrived, 2)
      for (const [answer, name] of [[first, "first"], [second, "second"]] as const) {
        assert.strictEqual(answer.result.resultType, "input_required", JSON.stringify(answer))
        const questions = Object.values(answer.result.inputRequests as Record<string, any>).map((q) => q.params.message)
        assert.deepStrictEqual(questions, [`Name for ${name}?`], JSON.stringify(answer))
      }
      assert.strictEqual(contexts.length, 2)
      assert.notStrictEqual(contexts[0]!.context, contexts[1]!.context)
      assert.isDefined(contexts[0]!.round)
      assert.isDefined(contexts[1]!.round)
      assert.notStrictEqual(contexts[0]!.round, contexts[1]!.round)
    }))
})
