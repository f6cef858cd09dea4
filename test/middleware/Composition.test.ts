/**
 * Several middlewares composed, as an application stacks them, checked four ways (SDK v1 and SDK
 * v2 pinned to 2026-07-28, in memory and over Streamable HTTP on 127.0.0.1): one explicit order
 * whatever order the Layers are built in; what one changes is what the next sees; a short-circuit
 * runs nothing below; a typed rejection is its code; a middleware that dies, fails untyped, throws
 * or interrupts itself is -32603 and the server goes on.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpError, McpServer, Middleware } from "../../src/index.ts"
import { RateLimit, Timeout } from "../../src/middleware/index.ts"
import { eventually } from "./contractHarness.ts"
import { errorOf, fourWays } from "./fourWays.ts"

/** A tool whose handler records that it ran and echoes its text. */
const echoTool = (events: Array<string>) =>
  McpServer.tool({
    name: "echo",
    parameters: { text: Schema.String },
    handler: ({ text }) =>
      Effect.sync(() => {
        events.push(`handler(${text})`)
        return text
      })
  })

/** A middleware recording its onCallTool's entry and exit into `events`. */
const traced = (name: string, events: Array<string>) =>
  Middleware.make(name, {
    onCallTool: (params, _context, next) =>
      Effect.suspend(() => {
        events.push(`${name}>`)
        return Effect.tap(next(params), () => Effect.sync(() => events.push(`<${name}`)))
      })
  })

const textOf = (result: any): Array<string> => result.content.map((block: { text: string }) => block.text)

describe("Middleware composition: order", () => {
  it.live("stacked in the order the Layers were made, whether merged or provided, in any order", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const a = McpServer.middleware(traced("a", events))
      const b = McpServer.middleware(traced("b", events))
      const c = McpServer.middleware(traced("c", events))
      const tool = echoTool(events)
      const stacks = {
        "mergeAll(a, b, c)": Layer.mergeAll(a, b, c, tool),
        "mergeAll(c, b, a)": Layer.mergeAll(tool, c, b, a),
        "c provided by b provided by a": Layer.mergeAll(c.pipe(Layer.provideMerge(b), Layer.provideMerge(a)), tool),
        "a provided by b provided by c": Layer.mergeAll(a.pipe(Layer.provideMerge(b), Layer.provideMerge(c)), tool),
        "merge(b, provide(a, c))": Layer.mergeAll(b, a.pipe(Layer.provideMerge(c)), tool)
      }
      const way = fourWays[0]!
      for (const [name, stack] of Object.entries(stacks)) {
        events.length = 0
        const client = yield* Effect.scoped(Effect.gen(function*() {
          const client = yield* way.connect(stack)
          yield* Effect.promise(() => client.callTool("echo", { text: "x" }))
          return client
        }))
        assert.ok(client)
        assert.deepStrictEqual(events, ["a>", "b>", "c>", "handler(x)", "<c", "<b", "<a"], name)
      }
    }))
})

describe("Middleware composition: what is not a middleware", () => {
  const expected = "must be a middleware (Middleware.make(name, hooks)), not a function: call the one that makes it"

  it("the function that makes one, not called, is a TypeError when the Layer is made (it was taken and did nothing)", () => {
    // The types take it (a function has a name, every hook is optional). Fails before: no throw,
    // and the server ran with no timeout and no limit.
    assert.throws(() => McpServer.middleware(Timeout.middleware), TypeError, `McpServer.middleware: middleware[0] ${expected}`)
    assert.throws(() => McpServer.middleware(Timeout.middleware(), RateLimit.middleware as never), TypeError, `McpServer.middleware: middleware[1] ${expected}`)
    assert.throws(() => McpServer.middleware({ onRequest: () => Effect.void } as never), TypeError, "McpServer.middleware: middleware[0] must be a middleware (Middleware.make(name, hooks)), not an object")
  })

  it.effect("what middlewareFrom makes is checked as its Layer is built", () =>
    Effect.gen(function*() {
      const layer = McpServer.middlewareFrom(Effect.succeed(Timeout.middleware as never))
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(Layer.provide(layer, McpServer.McpServer.layer({ name: "s", version: "1" })))))
      assert.isTrue(exit._tag === "Failure" && String(Cause.squash(exit.cause)).includes(`McpServer.middlewareFrom: middleware[0] ${expected}`), String(exit))
    }))
})

describe("Middleware composition: change, short-circuit, reject", () => {
  for (const way of fourWays) {
    it.live(`${way.name}: changed params reach the next and the handler; a changed result reaches the outer ones`, () =>
      Effect.gen(function*() {
        const events: Array<string> = []
        const seen: Array<string> = []
        const outer = Middleware.make("outer", {
          onCallTool: (params, _context, next) =>
            Effect.map(
              next({ ...params, arguments: { text: `${params.arguments?.text}+outer` } }),
              (result) => {
                seen.push(`outer saw ${textOf(result).join(",")}`)
                return result
              }
            )
        })
        const inner = Middleware.make("inner", {
          onCallTool: (params, _context, next) => {
            seen.push(`inner saw ${params.arguments?.text}`)
            return Effect.map(next(params), (result) => ({
              ...result,
              content: [...(result as any).content, { type: "text" as const, text: "added by inner" }]
            }))
          }
        })
        const client = yield* way.connect(Layer.mergeAll(McpServer.middleware(outer, inner), echoTool(events)))
        const result = yield* Effect.promise(() => client.callTool("echo", { text: "x" }))
        assert.deepStrictEqual(textOf(result), ["x+outer", "added by inner"])
        assert.deepStrictEqual(events, ["handler(x+outer)"])
        assert.deepStrictEqual(seen, ["inner saw x+outer", "outer saw x+outer,added by inner"])
      }))

    it.live(`${way.name}: an outer short-circuit runs neither the inner ones nor the handler`, () =>
      Effect.gen(function*() {
        const events: Array<string> = []
        const outer = Middleware.make("outer", {
          onCallTool: (params, _context, next) =>
            params.arguments?.text === "cached"
              ? Effect.succeed({ content: [{ type: "text" as const, text: "from outer" }] })
              : next(params)
        })
        const client = yield* way.connect(
          Layer.mergeAll(McpServer.middleware(traced("before", events), outer, traced("inner", events)), echoTool(events))
        )
        const result = yield* Effect.promise(() => client.callTool("echo", { text: "cached" }))
        assert.deepStrictEqual(textOf(result), ["from outer"])
        assert.deepStrictEqual(events, ["before>", "<before"])
        events.length = 0
        yield* Effect.promise(() => client.callTool("echo", { text: "y" }))
        assert.deepStrictEqual(events, ["before>", "inner>", "handler(y)", "<inner", "<before"])
      }))

    it.live(`${way.name}: a typed rejection is its code (-32602, 403, 429), and nothing below runs`, () =>
      Effect.gen(function*() {
        const events: Array<string> = []
        const guard = Middleware.make("guard", {
          onCallTool: (params, _context, next) => {
            switch (params.arguments?.text) {
              case "params":
                return Effect.fail(McpError.invalidParams("not these params"))
              case "forbidden":
                return Effect.fail(McpError.forbidden("Forbidden: not you", ["admin"]))
              case "limit":
                return Effect.fail(McpError.limitExceeded("Slow down", "test", { max: 1 }))
              default:
                return next(params)
            }
          }
        })
        const client = yield* way.connect(Layer.mergeAll(McpServer.middleware(guard, traced("inner", events)), echoTool(events)))
        const params = yield* errorOf(() => client.callTool("echo", { text: "params" }))
        assert.strictEqual(params.code, -32602)
        assert.include(params.message, "not these params")
        const forbidden = yield* errorOf(() => client.callTool("echo", { text: "forbidden" }))
        assert.strictEqual(forbidden.code, 403)
        assert.include(forbidden.message, "Forbidden: not you")
        const limit = yield* errorOf(() => client.callTool("echo", { text: "limit" }))
        assert.strictEqual(limit.code, 429)
        assert.deepStrictEqual(events, [])
      }))

    it.live(`${way.name}: a middleware that dies, fails untyped, throws or interrupts itself is -32603; the server goes on`, () =>
      Effect.gen(function*() {
        const events: Array<string> = []
        const broken = Middleware.make("broken", {
          onCallTool: (params, _context, next) => {
            switch (params.arguments?.text) {
              case "die":
                return Effect.die(new Error("a defect in middleware"))
              case "untyped":
                return Effect.fail(new Error("not an McpError")) as never
              case "throw":
                throw new Error("thrown by the hook")
              case "throw-later":
                return Effect.sync(() => {
                  throw new Error("thrown inside the effect")
                })
              case "interrupt":
                return Effect.interrupt
              case "interrupt-later":
                return Effect.andThen(Effect.sleep(1), Effect.interrupt)
              default:
                return next(params)
            }
          }
        })
        // A handler that interrupts itself is answered the same way.
        const Quits = McpServer.tool({ name: "quits", handler: () => Effect.andThen(Effect.sleep(1), Effect.interrupt) })
        const client = yield* way.connect(Layer.mergeAll(McpServer.middleware(broken), echoTool(events), Quits))
        const quit = yield* errorOf(() => client.callTool("quits"))
        assert.strictEqual(quit.code, -32603)
        for (const text of ["die", "untyped", "throw", "throw-later", "interrupt", "interrupt-later"]) {
          const error = yield* errorOf(() => client.callTool("echo", { text }))
          assert.strictEqual(error.code, -32603, text)
          // The defect's own message stays on the server.
          assert.notInclude(error.message, "thrown", text)
          assert.notInclude(error.message, "defect", text)
          const ok = yield* Effect.promise(() => client.callTool("echo", { text: `after ${text}` }))
          assert.deepStrictEqual(textOf(ok), [`after ${text}`])
        }
      }), 30_000)
  }
})

describe("Middleware composition: every message", () => {
  for (const way of fourWays) {
    it.live(`${way.name}: onMessage and onNotification see the client's notifications (cancelled included); the cancelled handler is interrupted`, () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        let interrupted = 0
        const started = yield* Deferred.make<void>()
        const Slow = McpServer.tool({
          name: "slow",
          handler: () =>
            Effect.andThen(Deferred.succeed(started, undefined), Effect.sleep("20 seconds")).pipe(
              Effect.as("woke"),
              Effect.onInterrupt(() => Effect.sync(() => interrupted++))
            )
        })
        const observer = Middleware.make("observer", {
          onMessage: (message, next) => {
            seen.push(`onMessage ${message._tag === "Request" ? message.request.method : message._tag === "Notification" ? message.notification.method : "invalid"}`)
            return next()
          },
          onNotification: (notification, _session, next) => {
            seen.push(`onNotification ${notification.method}`)
            return next(notification)
          }
        })
        const client = yield* way.connect(Layer.mergeAll(McpServer.middleware(observer), Slow))
        const modern = client.version() === "2026-07-28"
        // The 2025 handshake's notification; 2026-07-28 has none.
        if (!modern) yield* eventually(() => seen.includes("onNotification notifications/initialized"))
        const controller = new AbortController()
        const call = client.callTool("slow", {}, controller.signal).then(() => "answered", () => "aborted")
        yield* Deferred.await(started)
        controller.abort()
        assert.strictEqual(yield* Effect.promise(() => call), "aborted")
        yield* eventually(() => interrupted === 1)
        // Everything the client sent, in order: the 2025 handshake or the 2026-07-28 discovery first.
        const opening = modern
          ? ["onMessage server/discover"]
          : ["onMessage initialize", "onMessage notifications/initialized", "onNotification notifications/initialized"]
        assert.deepStrictEqual(seen, [
          ...opening,
          "onMessage tools/call",
          "onMessage notifications/cancelled",
          "onNotification notifications/cancelled"
        ])
      }), 30_000)
  }
})

describe("Middleware composition: the handshake and the discovery", () => {
  for (const way of fourWays) {
    it.live(`${way.name}: onInitialize / onDiscover change what the client is told, and a typed rejection is its code; a later attempt succeeds`, () =>
      Effect.gen(function*() {
        let refuse = true
        const opening = Middleware.make("opening", {
          onInitialize: (params, _context, next) =>
            refuse
              ? Effect.fail(new McpError.InvalidRequest({ message: "not yet" }))
              : Effect.map(next(params), (result) => ({ ...result, instructions: "from onInitialize" })),
          onDiscover: (params, _context, next) =>
            refuse
              ? Effect.fail(new McpError.InvalidRequest({ message: "not yet" }))
              : Effect.map(next(params), (result) => ({ ...result, instructions: "from onDiscover" }))
        })
        const stack = Layer.mergeAll(McpServer.middleware(opening), echoTool([]))
        const refused = yield* Effect.flip(Effect.scoped(way.connect(stack)))
        if (way.name.startsWith("SDK v1")) {
          assert.strictEqual(refused.code, -32600)
          assert.include(refused.message, "not yet")
        } else {
          // The SDK v2 client takes a refused server/discover (its code is checked raw in
          // Discover.test.ts) for a server without 2026-07-28: pinned, it gives up.
          assert.include(refused.message, "server/discover")
        }
        refuse = false
        const client = yield* way.connect(stack)
        const modern = client.version() === "2026-07-28"
        assert.strictEqual(client.instructions(), modern ? "from onDiscover" : "from onInitialize")
        assert.deepStrictEqual(textOf(yield* Effect.promise(() => client.callTool("echo", { text: "in" }))), ["in"])
      }), 30_000)
  }
})

describe("Middleware composition: built-ins four ways", () => {
  for (const way of fourWays) {
    it.live(`${way.name}: Timeout answers a slow call isError and interrupts it; RateLimit refuses with 429 past the budget`, () =>
      Effect.gen(function*() {
        let interrupted = 0
        const Slow = McpServer.tool({
          name: "slow",
          handler: () => Effect.as(Effect.sleep("20 seconds"), "woke").pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++)))
        })
        const limits = McpServer.middleware(
          Timeout.middleware({ default: "100 millis" }),
          RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 2, windowMillis: 60_000 }), methods: ["tools/call"] })
        ).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
        const client = yield* way.connect(Layer.mergeAll(limits, Slow, echoTool([])))
        const timedOut = yield* Effect.promise(() => client.callTool("slow"))
        assert.isTrue(timedOut.isError)
        assert.deepStrictEqual(textOf(timedOut), ["Tool slow timed out after 100 ms"])
        yield* eventually(() => interrupted === 1)
        assert.deepStrictEqual(textOf(yield* Effect.promise(() => client.callTool("echo", { text: "second" }))), ["second"])
        const limited = yield* errorOf(() => client.callTool("echo", { text: "third" }))
        assert.strictEqual(limited.code, 429)
        assert.include(limited.message, "Rate limit exceeded")
      }), 30_000)
  }
})

