/**
 * The built-in middlewares stacked together, as an application uses them: Timeout, ResponseCache,
 * Authorization and RateLimit in one stack (and in the other order where it matters), with SDK v1
 * clients over the in-memory pair. What one refuses or answers, the others see as documented.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "../../src/index.ts"
import { Authorization, RateLimit, ResponseCache, Timeout } from "../../src/middleware/index.ts"
import { components, connect, sdk, startServer } from "../server/McpServerHarness.ts"
import { authenticateByClientName, counter, principal, rpcError, text } from "./builtinSupport.ts"

const principals = { admin: principal("ada", ["admin"]), user: principal("bob") }

const makeTools = (hits: ReturnType<typeof counter>) => [
  McpServer.tool({ name: "report", tags: ["admin"], handler: () => Effect.as(hits.hit("report"), "secret report") }),
  McpServer.tool({ name: "echo", handler: () => Effect.as(hits.hit("echo"), "ok") })
]

describe("ResponseCache above Authorization", () => {
  it.live("a refusal is not cached, an answer is never served to another principal, and each principal sees its own list", () =>
    Effect.gen(function*() {
      const hits = counter()
      const server = yield* startServer(
        {},
        components([
          ...makeTools(hits),
          McpServer.middleware(authenticateByClientName(principals)),
          ResponseCache.layer({ callTools: ["report"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())),
          Authorization.layer({ rules: { tags: { admin: ["admin"] } }, unauthenticated: "deny" })
        ])
      )
      const user = yield* connect(server, { name: "user" })
      const admin = yield* connect(server, { name: "admin" })
      for (let i = 0; i < 2; i++) {
        const refused = yield* rpcError(() => user.client.callTool({ name: "report" }))
        assert.strictEqual(refused.code, 403)
      }
      assert.strictEqual(text(yield* sdk(() => admin.client.callTool({ name: "report" }))), "secret report")
      assert.strictEqual(text(yield* sdk(() => admin.client.callTool({ name: "report" }))), "secret report")
      assert.strictEqual(hits.get("report"), 1, "the admin's second call came from the cache")
      // The admin's cached answer does not reach the user.
      assert.strictEqual((yield* rpcError(() => user.client.callTool({ name: "report" }))).code, 403)
      // Nor the admin's list the user's (asked in both orders).
      const adminList = (yield* sdk(() => admin.client.listTools())).tools.map((tool) => tool.name).sort()
      const userList = (yield* sdk(() => user.client.listTools())).tools.map((tool) => tool.name).sort()
      assert.deepStrictEqual(adminList, ["echo", "report"])
      assert.deepStrictEqual(userList, ["echo"])
      assert.deepStrictEqual((yield* sdk(() => admin.client.listTools())).tools.map((tool) => tool.name).sort(), adminList)
      assert.strictEqual(hits.get("report"), 1)
    }))
})

describe("RateLimit with the others", () => {
  const window = RateLimit.slidingWindow({ limit: 2, windowMillis: 60_000 })
  const limits = (name = "rate-limit") =>
    McpServer.middleware(RateLimit.middleware({ policy: window, name })).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))

  it.live("below Authorization: refused uses spend nothing; below the cache: answers from the cache spend nothing", () =>
    Effect.gen(function*() {
      const hits = counter()
      const server = yield* startServer(
        {},
        components([
          ...makeTools(hits),
          McpServer.middleware(authenticateByClientName(principals)),
          ResponseCache.layer({ callTools: ["echo"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())),
          Authorization.layer({ rules: { tags: { admin: ["admin"] } }, unauthenticated: "deny" }),
          limits()
        ])
      )
      const user = yield* connect(server, { name: "user" })
      for (let i = 0; i < 5; i++) assert.strictEqual((yield* rpcError(() => user.client.callTool({ name: "report" }))).code, 403)
      // Five cached answers for one call that spent budget.
      for (let i = 0; i < 5; i++) assert.strictEqual(text(yield* sdk(() => user.client.callTool({ name: "echo" }))), "ok")
      assert.strictEqual(hits.get("echo"), 1)
      // One unit left: tools/list spends it, the next (a new list, not cached: other params) is refused.
      yield* sdk(() => user.client.listTools())
      assert.strictEqual((yield* rpcError(() => user.client.listTools({ cursor: "x" }))).code, 429)
    }))

  it.live("requests with invalid params spend nothing (refused before the typed hooks)", () =>
    Effect.gen(function*() {
      const hits = counter()
      const server = yield* startServer({}, components([...makeTools(hits), limits()]))
      const { client } = yield* connect(server)
      for (let i = 0; i < 5; i++) {
        const error = yield* rpcError(() => client.request({ method: "tools/call", params: { name: 5 } } as never, {} as never))
        assert.strictEqual(error.code, -32602)
      }
      yield* sdk(() => client.callTool({ name: "echo" }))
      yield* sdk(() => client.callTool({ name: "echo" }))
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "echo" }))).code, 429)
    }))

  it.live("methods the server does not serve spend budget too, as documented: past it they are 429", () =>
    Effect.gen(function*() {
      const hits = counter()
      // A server with tools only: no prompts.
      const server = yield* startServer({}, components([...makeTools(hits), limits()]))
      const { client } = yield* connect(server)
      const getPrompt = () => rpcError(() => client.request({ method: "prompts/get", params: { name: "x" } } as never, {} as never))
      assert.strictEqual((yield* getPrompt()).code, -32601)
      yield* sdk(() => client.callTool({ name: "echo" }))
      assert.strictEqual((yield* getPrompt()).code, 429)
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "echo" }))).code, 429)
      assert.strictEqual(hits.get("echo"), 1)
    }))
})

describe("Timeout with the others", () => {
  it.live("a timed-out call is interrupted, its isError answer is not cached, and the session's slot is free again", () =>
    Effect.gen(function*() {
      const hits = counter()
      let interrupted = 0
      const Slow = McpServer.tool({
        name: "slow",
        handler: () =>
          Effect.andThen(hits.hit("slow"), Effect.as(Effect.sleep("10 seconds"), "woke")).pipe(
            Effect.onInterrupt(() => Effect.sync(() => interrupted++))
          )
      })
      const server = yield* startServer(
        {},
        components([
          Slow,
          ...makeTools(hits),
          ResponseCache.layer({ callTools: ["slow"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())),
          McpServer.middleware(Timeout.middleware({ default: "100 millis" }))
        ])
      )
      const { client } = yield* connect(server)
      for (let i = 1; i <= 2; i++) {
        const result = yield* sdk(() => client.callTool({ name: "slow" }))
        assert.isTrue(result.isError)
        assert.strictEqual(text(result), "Tool slow timed out after 100 ms")
        assert.strictEqual(hits.get("slow"), i, "not answered from the cache")
        assert.strictEqual(interrupted, i)
      }
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
    }))
})
