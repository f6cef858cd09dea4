/**
 * Timeout middleware: a slow tool is interrupted (its onInterrupt runs) and answered with an
 * isError result within about the timeout; other methods get -32603; fast requests are
 * unaffected; per-method overrides, "Infinity", and tasks/result and subscriptions/listen untimed by
 * default.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Timeout from "../../src/middleware/builtin/Timeout.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { McpContext, McpServer, type Middleware, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { connectModern, sleep } from "../extensions/support.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { startServer } from "../server/McpServerHarness.ts"
import { captureLogs, connectRawTo, connectTo, eventually, sdk, sdkError, serve, text } from "./builtinHarness.ts"

/** Components whose slow handlers record their interruption. */
const components = () => {
  const interrupted: Array<string> = []
  const Slow = McpServer.tool({
    name: "slow",
    parameters: { millis: Schema.Number },
    handler: ({ millis }) =>
      Effect.as(Effect.sleep(millis), "done").pipe(
        Effect.onInterrupt(() => Effect.sync(() => void interrupted.push("slow")))
      )
  })
  const Fast = McpServer.tool({ name: "fast", handler: () => Effect.succeed("quick") })
  const Async = McpServer.tool({ name: "async", handler: () => Effect.as(Effect.sleep(5), "soon") })
  const SlowResource = McpServer.resource({
    uri: "test://slow",
    name: "slow",
    read: Effect.as(Effect.sleep(10_000), "late").pipe(
      Effect.onInterrupt(() => Effect.sync(() => void interrupted.push("resource")))
    )
  })
  return { interrupted, layer: Layer.mergeAll(Slow, Fast, Async, SlowResource) }
}

/** An SDK v1 client of `components` with `middleware`, served over Streamable HTTP on a port its server picks. */
const httpClient = (components: Layer.Layer<never, never, McpServer.McpServer>, middleware: ReadonlyArray<Middleware.Middleware>) =>
  Effect.gen(function*() {
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve({ name: "timeout-test", version: "1.0.0", middleware }, components, StreamableHttp.make({ host: "127.0.0.1", port }))
    )
    const client = new Client({ name: "timeout-http-client", version: "1.0.0" }, { capabilities: {} })
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)) as never)),
      () => Effect.promise(() => client.close())
    )
    return client
  })

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const start = Date.now()
    return Effect.map(effect, (a) => [a, Date.now() - start] as const)
  })

describe("Timeout middleware", () => {
  it.live("interrupts a slow tool and answers an isError result within about the timeout", () =>
    Effect.gen(function*() {
      const { interrupted, layer } = components()
      const { client } = yield* serve(layer, [Timeout.middleware({ default: "100 millis" })])
      const [result, millis] = yield* elapsed(sdk(() => client.callTool({ name: "slow", arguments: { millis: 10_000 } })))
      assert.isTrue(result.isError)
      assert.strictEqual(text(result), "Tool slow timed out after 100 ms")
      assert.isAtLeast(millis, 90)
      assert.isBelow(millis, 1_000)
      yield* eventually(() => interrupted.includes("slow"))
    }))

  it.live("fast requests are unaffected", () =>
    Effect.gen(function*() {
      const { interrupted, layer } = components()
      const { client } = yield* serve(layer, [Timeout.middleware({ default: "100 millis" })])
      const fast = yield* sdk(() => client.callTool({ name: "fast", arguments: {} }))
      assert.strictEqual(text(fast), "quick")
      assert.isUndefined(fast.isError)
      const async = yield* sdk(() => client.callTool({ name: "async", arguments: {} }))
      assert.strictEqual(text(async), "soon")
      const slowButInTime = yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 20 } }))
      assert.strictEqual(text(slowButInTime), "done")
      assert.deepStrictEqual(interrupted, [])
    }))

  it.live("other methods get a -32603 error", () =>
    Effect.gen(function*() {
      const { interrupted, layer } = components()
      const { client } = yield* serve(layer, [Timeout.middleware({ default: "50 millis" })])
      const [error, millis] = yield* elapsed(sdkError(() => client.readResource({ uri: "test://slow" })))
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Request timed out after 50 ms")
      assert.isBelow(millis, 1_000)
      yield* eventually(() => interrupted.includes("resource"))
    }))

  it.live("per-method timeouts override the default", () =>
    Effect.gen(function*() {
      const { layer } = components()
      const { client } = yield* serve(layer, [
        Timeout.middleware({ default: "10 seconds", methods: { "tools/call": "60 millis", "resources/read": 30 } })
      ])
      const [result, millis] = yield* elapsed(sdk(() => client.callTool({ name: "slow", arguments: { millis: 5_000 } })))
      assert.strictEqual(text(result), "Tool slow timed out after 60 ms")
      assert.isBelow(millis, 1_000)
      const error = yield* sdkError(() => client.readResource({ uri: "test://slow" }))
      assert.include(error.message, "Request timed out after 30 ms")
    }))

  it.live("an infinite override turns the timeout off for its method", () =>
    Effect.gen(function*() {
      const { layer } = components()
      const { client } = yield* serve(layer, [
        Timeout.middleware({ default: "20 millis", methods: { "tools/call": "Infinity" } })
      ])
      const result = yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 80 } }))
      assert.strictEqual(text(result), "done")
      const error = yield* sdkError(() => client.readResource({ uri: "test://slow" }))
      assert.include(error.message, "Request timed out after 20 ms")
    }))

  it.live("tasks/result (which waits for its task) is not timed unless named", () =>
    Effect.gen(function*() {
      const server = (methods?: Timeout.Config["methods"]) =>
        LowLevelServer.make({
          serverInfo: { name: "timeout-test", version: "1.0.0" },
          handlers: {
            "tasks/result": () => Effect.as(Effect.sleep(80), { answer: 42 }),
            "tasks/get": () => Effect.never
          },
          middleware: [Timeout.middleware(methods === undefined ? { default: 20 } : { default: 20, methods })]
        })
      const untimed = yield* connectRawTo((transport) => server().run(transport))
      const result = yield* Effect.promise(() => untimed.request(1, "tasks/result", { taskId: "t" }))
      assert.deepStrictEqual(result.result, { answer: 42 })
      const other = yield* Effect.promise(() => untimed.request(2, "tasks/get", { taskId: "t" }))
      assert.strictEqual(other.error.code, -32603)
      const timed = yield* connectRawTo((transport) => server({ "tasks/result": 20 }).run(transport))
      const timedOut = yield* Effect.promise(() => timed.request(1, "tasks/result", { taskId: "t" }))
      assert.deepStrictEqual(timedOut.error, { code: -32603, message: "Request timed out after 20 ms" })
    }))

  it.live("subscriptions/listen (a stream that lasts until the client leaves) is not timed unless named", () =>
    Effect.gen(function*() {
      const { layer } = components()
      const listening = (methods?: Timeout.Config["methods"]) =>
        Effect.gen(function*() {
          const middleware = Timeout.middleware(methods === undefined ? { default: 50 } : { default: 50, methods })
          const server = yield* startServer({}, Layer.merge(layer, McpServer.middleware(middleware)))
          const client = yield* connectModern(server)
          const answer = client.request("subscriptions/listen", { notifications: { toolsListChanged: true } })
          // Well past the default timeout: the stream is still open (no answer).
          const early = yield* Effect.promise(() => Promise.race([answer, sleep(300).then(() => undefined)]))
          return { client, early }
        })
      const { client, early } = yield* listening()
      assert.isUndefined(early, `the listen stream ended: ${JSON.stringify(early)}`)
      assert.isTrue(client.received.some((m) => m.method === "notifications/subscriptions/acknowledged"))
      const named = yield* listening({ "subscriptions/listen": 50 })
      assert.deepStrictEqual(named.early?.error, { code: -32603, message: "Request timed out after 50 ms" })
    }))
})

describe("Timeout at the deadline", () => {
  /**
   * A tool stuck in an uninterruptible region until the test releases it, and a fast one, on a
   * session that runs one request at a time, under a 100 ms timeout.
   */
  const stuckServer = Effect.gen(function*() {
    const release = yield* Deferred.make<void>()
    const events: Array<string> = []
    const Stuck = McpServer.tool({
      name: "stuck",
      handler: () =>
        Effect.uninterruptible(Effect.as(Deferred.await(release), "worked")).pipe(
          Effect.ensuring(Effect.sync(() => void events.push("stuck ended")))
        )
    })
    const Fast = McpServer.tool({
      name: "fast",
      handler: () => Effect.as(Effect.sync(() => void events.push("fast ran")), "quick")
    })
    const server = yield* startServer({}, Layer.mergeAll(Stuck, Fast, McpServer.middleware(Timeout.middleware({ default: "100 millis" }))))
    const client = yield* connectTo((transport) => server.run(transport, { maxConcurrentRequests: 1 }))
    return { client, events, release }
  })

  it.live("the client is answered at the deadline while an uninterruptible region goes on, whose slot stays taken until it ends", () =>
    Effect.gen(function*() {
      const { client, events, release } = yield* stuckServer
      // Fails before: the answer waited for the region, which waits for the release (no answer in 5 s).
      const answer = yield* Effect.promise(() =>
        Promise.race([client.callTool({ name: "stuck", arguments: {} }), sleep(5_000).then(() => "no answer" as const)])
      )
      assert.notStrictEqual(answer, "no answer", "the timed-out call was not answered while its handler was stuck")
      assert.strictEqual(text(answer), "Tool stuck timed out after 100 ms")
      assert.isTrue((answer as { readonly isError?: boolean }).isError)
      assert.deepStrictEqual(events, [])
      // The handler still runs: the session's one slot is its, the next call waits for it.
      const fast = client.callTool({ name: "fast", arguments: {} })
      yield* Effect.sleep(300)
      assert.deepStrictEqual(events, [], "a call started while the timed-out handler still held the slot")
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(text(yield* Effect.promise(() => fast)), "quick")
      assert.deepStrictEqual(events, ["stuck ended", "fast ran"])
    }))

  it.live("work that fails after its timed-out answer is logged as the request's work, not as a notification's", () =>
    Effect.gen(function*() {
      const Late = McpServer.tool({
        name: "late",
        handler: () => Effect.uninterruptible(Effect.andThen(Effect.sleep(150), Effect.die(new Error("late boom"))))
      })
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(Late, [Timeout.middleware({ default: "50 millis" })], [logger])
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "late", arguments: {} }))), "Tool late timed out after 50 ms")
      yield* eventually(() => entries.some((entry) => entry.cause.includes("late boom")))
      const failed = entries.find((entry) => entry.cause.includes("late boom"))!
      // Fails before: "effect-mcp-server: notification failed".
      assert.strictEqual(failed.message, "effect-mcp-server: a request's work after its answer (Timeout) failed")
    }))

  // Fails before: a 2025 session sent the handler's log and progress after the timed-out answer
  // (over a connection of its own on its one stream, over Streamable HTTP on the standalone
  // stream): a progress for a request answered already (the SDK client reports an unknown
  // token), as the documentation says it does not.
  for (const over of ["in memory", "Streamable HTTP"] as const) {
    it.live(`what the handler says after its timed-out answer (a log, progress) is not sent; before it, and a call in time, as ever (SDK v1 client, ${over})`, () =>
      Effect.gen(function*() {
        const Chatty = McpServer.tool({
          name: "chatty",
          parameters: { millis: Schema.Number },
          handler: ({ millis }) =>
            Effect.uninterruptible(Effect.gen(function*() {
              yield* McpContext.log("info", "before")
              yield* McpContext.progress(1, 2)
              yield* Effect.sleep(millis)
              yield* McpContext.log("info", "after")
              yield* McpContext.progress(2, 2)
              return "done"
            }))
        })
        const Inline = McpServer.tool({
          name: "inline",
          handler: () => Effect.andThen(McpContext.log("info", "inline"), Effect.succeed("quick"))
        })
        const components = Layer.merge(Chatty, Inline)
        const middleware = [Timeout.middleware({ default: "100 millis" })]
        const client = over === "in memory"
          ? (yield* serve(components, middleware)).client
          : yield* httpClient(components, middleware)
        const logs: Array<unknown> = []
        client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params.data))
        const errors: Array<string> = []
        client.onerror = (error) => void errors.push(error.message)
        const progress: Array<number> = []
        const onprogress = (update: { readonly progress: number }) => void progress.push(update.progress)
        const late = yield* sdk(() => client.callTool({ name: "chatty", arguments: { millis: 300 } }, undefined, { onprogress }))
        assert.strictEqual(text(late), "Tool chatty timed out after 100 ms")
        yield* Effect.sleep(500)
        assert.deepStrictEqual(logs, ["before"])
        assert.deepStrictEqual(progress, [1])
        assert.deepStrictEqual(errors, [])
        // In time: everything it says, before its answer; a handler answered at once too.
        assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "chatty", arguments: { millis: 5 } }, undefined, { onprogress }))), "done")
        assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "inline", arguments: {} }))), "quick")
        assert.deepStrictEqual(logs, ["before", "before", "after", "inline"])
        assert.deepStrictEqual(progress, [1, 1, 2])
        assert.deepStrictEqual(errors, [])
      }))
  }

  it.live("a call cancelled before the deadline interrupts its handler and is not answered", () =>
    Effect.gen(function*() {
      const { interrupted, layer } = components()
      const { client } = yield* serve(layer, [Timeout.middleware({ default: "10 seconds" })])
      const abort = new AbortController()
      const call = client.callTool({ name: "slow", arguments: { millis: 10_000 } }, undefined, { signal: abort.signal })
      yield* Effect.sleep(50)
      abort.abort("enough")
      const error = yield* Effect.promise(() => call.then(() => undefined, (error: unknown) => error))
      assert.isDefined(error)
      yield* eventually(() => interrupted.includes("slow"))
      // The session goes on.
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "fast", arguments: {} }))), "quick")
    }))
})

describe("Timeout configuration", () => {
  it("a timeout shorter than 1 ms (negative, -Infinity, NaN, 0, a microsecond) is refused when the middleware is made", () => {
    for (const bad of [-1, Number.NaN, 0, "-5 millis", "0 millis", Number.NEGATIVE_INFINITY, "-Infinity", "1 nano", 0.0001] as const) {
      assert.throws(() => Timeout.middleware({ default: bad }), RangeError, undefined, String(bad))
      assert.throws(() => Timeout.middleware({ methods: { "tools/call": bad } }), RangeError, undefined, String(bad))
    }
    assert.doesNotThrow(() => Timeout.middleware({ default: "Infinity", methods: { "tools/call": 1 } }))
  })

  it("what is no duration at all, or methods that are no object, is a TypeError naming the option", () => {
    const make = (config: unknown) => () => Timeout.middleware(config as Timeout.Config)
    const expected = `a duration ("30 seconds", a number of milliseconds, a Duration)`
    // Fails before: "Invalid Input: ten seconds", naming no option.
    assert.throws(make({ default: "ten seconds" }), TypeError, `Timeout: default must be ${expected}, not "ten seconds"`)
    assert.throws(make({ methods: { "tools/call": undefined } }), TypeError, `Timeout: methods["tools/call"] must be ${expected}, not undefined`)
    assert.throws(make({ methods: ["1 second"] }), TypeError, "Timeout: methods must be an object of timeouts by method")
    assert.throws(make({ methods: "tools/call" }), TypeError, "Timeout: methods must be an object of timeouts by method")
    assert.throws(make(null), TypeError, "Timeout: the configuration must be an object, not null")
  })
})
