/**
 * RateLimit: the two algorithms with exact numbers, the in-memory store (time from Clock, LRU
 * bound), and the middleware end to end with the SDK v1 client (429 limit error, per-session and
 * per-principal budgets, limited methods).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { TestClock } from "effect/testing"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import { McpContext, McpServer } from "../../src/index.ts"
import { connect, sdk, startServer } from "../server/McpServerHarness.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"
import { authenticateByClientName, counter, principal, rpcError, text } from "./builtinSupport.ts"

describe("RateLimit algorithms", () => {
  it("a clock that goes back does not lock a key out for the size of the jump", () => {
    const bucket = RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 1 })
    const spent = RateLimit.consumeTokenBucket(bucket, undefined, 3_600_000)
    // The clock steps back one hour: one second later the bucket has refilled.
    const back = RateLimit.consumeTokenBucket(bucket, spent.state, 0)
    assert.strictEqual(back.decision.retryAfterMillis, 1000)
    assert.isTrue(RateLimit.consumeTokenBucket(bucket, back.state, 1_000).decision.allowed)

    const window = RateLimit.slidingWindow({ limit: 1, windowMillis: 1_000 })
    const hit = RateLimit.consumeSlidingWindow(window, undefined, 3_600_000)
    const denied = RateLimit.consumeSlidingWindow(window, hit.state, 0)
    assert.isFalse(denied.decision.allowed)
    assert.strictEqual(denied.decision.retryAfterMillis, 1_000)
    assert.isTrue(RateLimit.consumeSlidingWindow(window, denied.state, 1_000).decision.allowed)
  })

  it("token bucket: bursts up to capacity, then refills continuously", () => {
    const policy = RateLimit.tokenBucket({ capacity: 2, refillPerSecond: 1 })
    const a = RateLimit.consumeTokenBucket(policy, undefined, 0)
    assert.deepStrictEqual(a.decision, { allowed: true, remaining: 1, retryAfterMillis: 0 })
    const b = RateLimit.consumeTokenBucket(policy, a.state, 0)
    assert.deepStrictEqual(b.decision, { allowed: true, remaining: 0, retryAfterMillis: 0 })
    const c = RateLimit.consumeTokenBucket(policy, b.state, 0)
    assert.deepStrictEqual(c.decision, { allowed: false, remaining: 0, retryAfterMillis: 1000 })
    // A quarter of a token refilled: three quarters still missing.
    const d = RateLimit.consumeTokenBucket(policy, c.state, 250)
    assert.deepStrictEqual(d.decision, { allowed: false, remaining: 0, retryAfterMillis: 750 })
    const e = RateLimit.consumeTokenBucket(policy, d.state, 1000)
    assert.deepStrictEqual(e.decision, { allowed: true, remaining: 0, retryAfterMillis: 0 })
    // A long pause refills to capacity, no more.
    const f = RateLimit.consumeTokenBucket(policy, e.state, 60_000)
    assert.deepStrictEqual(f.decision, { allowed: true, remaining: 1, retryAfterMillis: 0 })
    // A cost: 2 tokens at once, refilled at 4/s.
    const fast = RateLimit.tokenBucket({ capacity: 4, refillPerSecond: 4 })
    const g = RateLimit.consumeTokenBucket(fast, undefined, 0, 3)
    assert.deepStrictEqual(g.decision, { allowed: true, remaining: 1, retryAfterMillis: 0 })
    const h = RateLimit.consumeTokenBucket(fast, g.state, 0, 2)
    assert.deepStrictEqual(h.decision, { allowed: false, remaining: 1, retryAfterMillis: 250 })
    // More than the capacity is never allowed.
    assert.strictEqual(RateLimit.consumeTokenBucket(fast, undefined, 0, 5).decision.retryAfterMillis, Infinity)
  })

  it("sliding window: at most `limit` in any window, the wait is until the oldest hit leaves it", () => {
    const policy = RateLimit.slidingWindow({ limit: 3, windowMillis: 1000 })
    let state: RateLimit.SlidingWindowState | undefined
    const at = (now: number, cost = 1) => {
      const outcome = RateLimit.consumeSlidingWindow(policy, state, now, cost)
      state = outcome.state
      return outcome.decision
    }
    assert.deepStrictEqual(at(0), { allowed: true, remaining: 2, retryAfterMillis: 0 })
    assert.deepStrictEqual(at(100), { allowed: true, remaining: 1, retryAfterMillis: 0 })
    assert.deepStrictEqual(at(200), { allowed: true, remaining: 0, retryAfterMillis: 0 })
    assert.deepStrictEqual(at(300), { allowed: false, remaining: 0, retryAfterMillis: 700 })
    assert.deepStrictEqual(at(999), { allowed: false, remaining: 0, retryAfterMillis: 1 })
    // At 1000 the hit of 0 has left the window (it counts while now - at < 1000).
    assert.deepStrictEqual(at(1000), { allowed: true, remaining: 0, retryAfterMillis: 0 })
    // Cost 2 needs the hits of 100 and 200 gone: until 1200.
    assert.deepStrictEqual(at(1050, 2), { allowed: false, remaining: 0, retryAfterMillis: 150 })
    assert.deepStrictEqual(at(1200, 2), { allowed: true, remaining: 0, retryAfterMillis: 0 })
    assert.strictEqual(state!.hits.length, 2)
    assert.strictEqual(at(5000, 4).retryAfterMillis, Infinity)
  })

  it("a state of the other algorithm counts as none; invalid policies are rejected", () => {
    const window = RateLimit.slidingWindow({ limit: 1, windowMillis: 1000 })
    const bucket = RateLimit.tokenBucket({ capacity: 5, refillPerSecond: 1 })
    const used = RateLimit.consume(window, undefined, 0).state
    assert.deepStrictEqual(RateLimit.consume(bucket, used, 0).decision, { allowed: true, remaining: 4, retryAfterMillis: 0 })
    assert.throws(() => RateLimit.tokenBucket({ capacity: 0, refillPerSecond: 1 }), /capacity/)
    assert.throws(() => RateLimit.slidingWindow({ limit: 3, windowMillis: -1 }), /windowMillis/)
    assert.throws(() => RateLimit.slidingWindow({ limit: 0.5, windowMillis: 1000 }), /limit must be a finite number >= 1/)
    assert.strictEqual(RateLimit.limitOf(bucket), 5)
    assert.strictEqual(RateLimit.limitOf(window), 1)
  })

  it("the middleware refuses a policy, key, methods or name no type checked, naming it, when it is made", () => {
    const make = (config: unknown) => () => RateLimit.middleware(config as RateLimit.Config)
    const window = RateLimit.slidingWindow({ limit: 1, windowMillis: 1000 })
    // A policy is an interface: an object literal is one. Fails before: made, then every request
    // 429 "retry in Infinity ms" (capacity 0), or every one refused (a NaN limit, a misspelt _tag).
    assert.throws(make({ policy: { _tag: "TokenBucket", capacity: 0, refillPerSecond: 1 } }), RangeError, "RateLimit: policy.capacity must be a finite number >= 1, got 0")
    assert.throws(make({ policy: { _tag: "SlidingWindow", limit: Number.NaN, windowMillis: 1000 } }), RangeError, "RateLimit: policy.limit must be")
    assert.throws(make({ policy: { _tag: "SlidingWindow", limit: 5 } }), RangeError, "RateLimit: policy.windowMillis must be a finite number > 0 (milliseconds), got undefined")
    assert.throws(make({ policy: { _tag: "slidingWindow", limit: 5, windowMillis: 1000 } }), TypeError, "RateLimit: policy must be RateLimit.tokenBucket(...) or RateLimit.slidingWindow(...), not an object")
    assert.throws(make({}), TypeError, "RateLimit: policy must be")
    assert.throws(make(undefined), TypeError, "RateLimit: the configuration must be an object")
    // Keyed by principal, silently, before.
    assert.throws(make({ policy: window, key: "sessions" }), TypeError, `RateLimit: key must be "principal", "session", "client" or a function (context, params) => string, not "sessions"`)
    // Limited the methods named by its characters (none), before.
    assert.throws(make({ policy: window, methods: "tools/call" }), TypeError, `RateLimit: methods must be an array of strings, not "tools/call"`)
    assert.throws(make({ policy: window, methods: ["tools/call", 5] }), TypeError, "RateLimit: methods[1] must be a string, not 5")
    assert.throws(make({ policy: window, name: 5 }), TypeError, "RateLimit: name must be a string, not 5")
    assert.throws(() => RateLimit.tokenBucket({ capacity: 5 } as never), RangeError, "RateLimit: refillPerSecond must be a finite number > 0, got undefined")
    // What they take is made.
    for (const key of [undefined, "principal", "session", () => "k"]) RateLimit.middleware({ policy: window, key: key as RateLimit.Key })
    RateLimit.middleware({ policy: { _tag: "TokenBucket", capacity: 2, refillPerSecond: 0.5 }, methods: ["tools/call"], name: "calls" })
  })
})

describe("RateLimitStore.layerMemory", () => {
  it.effect("takes the time from Clock (TestClock drives refills and windows)", () =>
    Effect.gen(function*() {
      const store = yield* RateLimit.makeMemoryStore()
      const policy = RateLimit.slidingWindow({ limit: 2, windowMillis: 10_000 })
      assert.isTrue((yield* store.consume("k", policy)).allowed)
      yield* TestClock.adjust("4 seconds")
      assert.isTrue((yield* store.consume("k", policy)).allowed)
      assert.deepStrictEqual(yield* store.consume("k", policy), { allowed: false, remaining: 0, retryAfterMillis: 6000 })
      yield* TestClock.adjust("6 seconds")
      assert.deepStrictEqual(yield* store.consume("k", policy), { allowed: true, remaining: 0, retryAfterMillis: 0 })

      const bucket = RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 2 })
      assert.isTrue((yield* store.consume("b", bucket)).allowed)
      assert.deepStrictEqual(yield* store.consume("b", bucket), { allowed: false, remaining: 0, retryAfterMillis: 500 })
      yield* TestClock.adjust("500 millis")
      assert.isTrue((yield* store.consume("b", bucket)).allowed)
    }))

  it.effect("keeps at most maxKeys keys, dropping the least recently used", () =>
    Effect.gen(function*() {
      const store = yield* RateLimit.makeMemoryStore({ maxKeys: 2 })
      const policy = RateLimit.slidingWindow({ limit: 1, windowMillis: 60_000 })
      assert.isTrue((yield* store.consume("a", policy)).allowed)
      assert.isTrue((yield* store.consume("b", policy)).allowed)
      assert.isFalse((yield* store.consume("a", policy)).allowed) // a is now the most recently used
      assert.isTrue((yield* store.consume("c", policy)).allowed) // b is dropped
      assert.strictEqual(yield* store.size, 2)
      assert.isFalse((yield* store.consume("a", policy)).allowed) // a was kept
      assert.isTrue((yield* store.consume("b", policy)).allowed) // b starts afresh (c is dropped)
      for (let i = 0; i < 100; i++) yield* store.consume(`key-${i}`, policy)
      assert.strictEqual(yield* store.size, 2)

      const layered = yield* Effect.provide(
        Effect.gen(function*() {
          const fromLayer = yield* RateLimit.RateLimitStore
          for (let i = 0; i < 10; i++) yield* fromLayer.consume(`key-${i}`, policy)
          // key-0 was dropped long ago: a fresh budget.
          return yield* fromLayer.consume("key-0", policy)
        }),
        RateLimit.RateLimitStore.layerMemory({ maxKeys: 3 })
      )
      assert.isTrue(layered.allowed)
    }))
})

describe("RateLimit.middleware (SDK client)", () => {
  const hits = counter()
  const Echo = McpServer.tool({
    name: "echo",
    handler: () => Effect.as(hits.hit("echo"), "ok")
  })
  const serverWith = (stack: Layer.Layer<never, never, McpServer.McpServer>) =>
    startServer({}, Layer.merge(Echo, stack))
  const limited = (config: RateLimit.Config, principals: Parameters<typeof authenticateByClientName>[0] = {}) =>
    McpServer.middleware(authenticateByClientName(principals), RateLimit.middleware(config)).pipe(
      Layer.provide(RateLimit.RateLimitStore.layerMemory())
    )
  const window = RateLimit.slidingWindow({ limit: 3, windowMillis: 60_000 })

  it.live("the (N+1)-th call in a window fails with 429, the wait and the limit; the handler does not run", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(limited({ policy: window }))
      const { client } = yield* connect(server)
      const before = hits.get("echo")
      for (let i = 0; i < 3; i++) assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      const error = yield* rpcError(() => client.callTool({ name: "echo" }))
      assert.strictEqual(error.code, 429)
      const data = error.data as { retryAfterMillis: number; limit: string; max: number }
      assert.strictEqual(data.limit, "rateLimit")
      assert.strictEqual(data.max, 3)
      assert.isTrue(data.retryAfterMillis > 50_000 && data.retryAfterMillis <= 60_000, String(data.retryAfterMillis))
      assert.include(error.message, `Rate limit exceeded: retry in ${data.retryAfterMillis} ms`)
      assert.strictEqual(hits.get("echo") - before, 3)
      // Other methods spend the same budget; ping is not limited.
      const listError = yield* rpcError(() => client.listTools())
      assert.strictEqual(listError.code, 429)
      yield* sdk(() => client.ping())
    }))

  it.live("keyed by session, two sessions have separate budgets (by default too, without a principal)", () =>
    Effect.gen(function*() {
      for (const config of [{ policy: window, key: "session" as const }, { policy: window }]) {
        const server = yield* serverWith(limited(config))
        const a = yield* connect(server, { name: "a" })
        const b = yield* connect(server, { name: "b" })
        for (let i = 0; i < 3; i++) yield* sdk(() => a.client.callTool({ name: "echo" }))
        assert.strictEqual((yield* rpcError(() => a.client.callTool({ name: "echo" }))).code, 429)
        for (let i = 0; i < 3; i++) yield* sdk(() => b.client.callTool({ name: "echo" }))
        assert.strictEqual((yield* rpcError(() => b.client.callTool({ name: "echo" }))).code, 429)
      }
    }))

  it.live("two sessions of the same principal share one budget; another principal has its own", () =>
    Effect.gen(function*() {
      const principals = { a1: principal("alice"), a2: principal("alice"), b: principal("bob") }
      const server = yield* serverWith(limited({ policy: window }, principals))
      const a1 = yield* connect(server, { name: "a1" })
      const a2 = yield* connect(server, { name: "a2" })
      const b = yield* connect(server, { name: "b" })
      yield* sdk(() => a1.client.callTool({ name: "echo" }))
      yield* sdk(() => a2.client.callTool({ name: "echo" }))
      yield* sdk(() => a1.client.callTool({ name: "echo" }))
      assert.strictEqual((yield* rpcError(() => a2.client.callTool({ name: "echo" }))).code, 429)
      assert.strictEqual((yield* rpcError(() => a1.client.callTool({ name: "echo" }))).code, 429)
      assert.strictEqual(text(yield* sdk(() => b.client.callTool({ name: "echo" }))), "ok")

      // Keyed by session instead, the same principal's sessions are apart.
      const bySession = yield* serverWith(limited({ policy: window, key: "session" }, principals))
      const s1 = yield* connect(bySession, { name: "a1" })
      const s2 = yield* connect(bySession, { name: "a2" })
      for (let i = 0; i < 3; i++) yield* sdk(() => s1.client.callTool({ name: "echo" }))
      assert.strictEqual(text(yield* sdk(() => s2.client.callTool({ name: "echo" }))), "ok")
    }))

  it.live("only the given methods are limited; a custom key function decides the budget", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(limited({
        policy: RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 0.001 }),
        methods: ["tools/call"],
        key: () => "everyone"
      }))
      const a = yield* connect(server, { name: "a" })
      const b = yield* connect(server, { name: "b" })
      yield* sdk(() => a.client.callTool({ name: "echo" }))
      const error = yield* rpcError(() => b.client.callTool({ name: "echo" }))
      assert.strictEqual(error.code, 429)
      assert.deepStrictEqual(error.data, { limit: "rateLimit", max: 1, retryAfterMillis: error.data.retryAfterMillis })
      for (let i = 0; i < 5; i++) yield* sdk(() => a.client.listTools())
    }))
})

describe("RateLimit keyed by what a request names", () => {
  const Tools = Layer.mergeAll(
    McpServer.tool({ name: "search", handler: () => Effect.succeed("found") }),
    McpServer.tool({ name: "export", handler: () => Effect.succeed("exported") })
  )

  it.live("a budget per tool: the key function gets the request's params (the tool's name)", () =>
    Effect.gen(function*() {
      const keys: Array<string> = []
      const perTool = McpServer.middleware(RateLimit.middleware({
        policy: RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 0.001 }),
        methods: ["tools/call"],
        key: (context, params) => {
          const key = JSON.stringify([RateLimit.requestorKey(context), params?.["name"]])
          keys.push(key)
          return key
        }
      })).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
      const server = yield* startServer({}, Layer.merge(Tools, perTool))
      const { client } = yield* connect(server)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "search" }))), "found")
      // Another tool has a budget of its own (before: the params were not given, one budget for all).
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "export" }))), "exported")
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "search" }))).code, 429)
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "export" }))).code, 429)
      assert.match(keys[0]!, /^\["session:[^"]+","search"\]$/)
    }))

  it.live("a method without a typed hook gives its raw params (2026-07-28 tasks/update: the task id)", () =>
    Effect.gen(function*() {
      const limits = McpServer.middleware(RateLimit.middleware({
        policy: RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 0.001 }),
        methods: ["tasks/update"],
        key: (_context, params) => String(params?.["taskId"])
      })).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
      const taskTool = McpServer.tool({ name: "job", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("done") })
      const { request } = yield* serveInMemory({ name: "limited", version: "1", tasks: McpServer.tasks() }, Layer.merge(limits, taskTool))
      const _meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } }
      }
      const update = (taskId: string) => Effect.map(request("tasks/update", { taskId, inputResponses: {}, _meta }), (answer) => answer.error?.code)
      // Each (unknown) task id has its own budget: -32602 once, then 429.
      assert.deepStrictEqual([yield* update("AAAAAAAAAAAAAAAAAAAAAA"), yield* update("BBBBBBBBBBBBBBBBBBBBBB")], [-32602, -32602])
      assert.strictEqual(yield* update("AAAAAAAAAAAAAAAAAAAAAA"), 429)
    }))

  it.live("2026-07-28: each input round of a call is a request and spends budget (documented)", () =>
    Effect.gen(function*() {
      const limits = McpServer.middleware(RateLimit.middleware({
        policy: RateLimit.tokenBucket({ capacity: 2, refillPerSecond: 0.001 }),
        methods: ["tools/call"]
      })).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
      const ask = McpServer.tool({
        name: "ask",
        handler: () =>
          McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(
            Effect.map((answer) => answer.action),
            Effect.catch((error) => Effect.succeed(`no input: ${error.message}`))
          )
      })
      const { request } = yield* serveInMemory({ name: "limited", version: "1" }, Layer.merge(limits, ask))
      const _meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { elicitation: {} }
      }
      const round = yield* request("tools/call", { name: "ask", arguments: {}, _meta })
      assert.strictEqual(round.result?.resultType, "input_required", JSON.stringify(round))
      const [key] = Object.keys(round.result.inputRequests)
      const answered = yield* request("tools/call", {
        name: "ask",
        arguments: {},
        _meta,
        inputResponses: { [key!]: { action: "decline" } },
        requestState: round.result.requestState
      })
      assert.deepStrictEqual(answered.result?.content, [{ type: "text", text: "decline" }], JSON.stringify(answered))
      // Two rounds, two units: the budget of 2 is spent.
      assert.strictEqual((yield* request("tools/call", { name: "ask", arguments: {}, _meta })).error?.code, 429)
    }))
})

describe("RateLimit and the 2026-07-28 methods without a typed hook", () => {
  it.live("tasks/update is limited by default (it was never limited, and naming it limited nothing); server/discover is not", () =>
    Effect.gen(function*() {
      const limits = McpServer.middleware(RateLimit.middleware({ policy: RateLimit.tokenBucket({ capacity: 2, refillPerSecond: 0.001 }) })).pipe(
        Layer.provide(RateLimit.RateLimitStore.layerMemory())
      )
      const taskTool = McpServer.tool({ name: "job", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("done") })
      const { request } = yield* serveInMemory({ name: "limited", version: "1", tasks: McpServer.tasks() }, Layer.merge(limits, taskTool))
      const _meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } }
      }
      const codes: Array<number | undefined> = []
      for (let i = 0; i < 3; i++) {
        codes.push((yield* request("tasks/update", { taskId: "AAAAAAAAAAAAAAAAAAAAAA", inputResponses: {}, _meta })).error?.code)
      }
      // Two within the budget (an unknown task: -32602), the third over it.
      assert.deepStrictEqual(codes, [-32602, -32602, 429])
      for (let i = 0; i < 3; i++) assert.isDefined((yield* request("server/discover", { _meta })).result, "discovery is not limited")
    }))
})
