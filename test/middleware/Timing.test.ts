/**
 * Timing middleware: the duration histogram (per method) and the request counter (per method
 * and outcome), read back with `Metric.value` after real calls; unknown methods share the
 * `"other"` series; `report` sees every timing; custom metrics.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as Timing from "../../src/middleware/builtin/Timing.ts"
import { McpServer } from "../../src/index.ts"
import { connectRaw, startServer } from "../server/McpServerHarness.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"
import { captureLogs, eventually, sdk, sdkError, serve } from "./builtinHarness.ts"

class Busy extends Schema.TaggedError<Busy>()("Busy", { retryAfter: Schema.Number }) {}

const Slow = McpServer.tool({
  name: "slow",
  parameters: { millis: Schema.Number },
  handler: ({ millis }) => Effect.as(Effect.sleep(millis), "done")
})
const Fails = McpServer.tool({
  name: "fails",
  failure: Busy,
  handler: () => Effect.fail(new Busy({ retryAfter: 1 }))
})
const All = Layer.mergeAll(Slow, Fails)

/** Every test has its own series: the metrics are global. */
let runs = 0
const testAttributes = () => ({ test: `timing-${++runs}` })

const count = (attributes: Record<string, string>) =>
  Effect.map(Metric.value(Metric.withAttributes(Timing.requestsTotal, attributes)), (state) => state.count)
const durations = (attributes: Record<string, string>) =>
  Metric.value(Metric.withAttributes(Timing.requestDuration, attributes))

describe("Timing middleware", () => {
  it.live("counts requests per method and outcome and records their durations", () =>
    Effect.gen(function*() {
      const attributes = testAttributes()
      const { client } = yield* serve(All, [Timing.middleware({ attributes })])
      yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 60 } }))
      yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 1 } }))
      yield* sdk(() => client.callTool({ name: "fails", arguments: {} }))
      yield* sdkError(() => client.callTool({ name: "nope", arguments: {} }))
      assert.strictEqual(yield* count({ ...attributes, method: "tools/call", outcome: "success" }), 2)
      assert.strictEqual(yield* count({ ...attributes, method: "tools/call", outcome: "tool-error" }), 1)
      assert.strictEqual(yield* count({ ...attributes, method: "tools/call", outcome: "error" }), 1)
      assert.strictEqual(yield* count({ ...attributes, method: "initialize", outcome: "success" }), 1)
      const histogram = yield* durations({ ...attributes, method: "tools/call" })
      assert.strictEqual(histogram.count, 4)
      assert.isAtLeast(histogram.max, 50)
      assert.isBelow(histogram.min, 50)
      // the buckets are cumulative: every call is under 60 s, not every one under 10 ms
      const buckets = new Map(histogram.buckets)
      assert.strictEqual(buckets.get(60_000), 4)
      assert.isBelow(buckets.get(10)!, 4)
    }))

  it.live("the series are visible in Metric.snapshot", () =>
    Effect.gen(function*() {
      const attributes = testAttributes()
      const { client } = yield* serve(All, [Timing.middleware({ attributes })])
      yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 1 } }))
      const snapshot = yield* Metric.snapshot
      const mine = snapshot.filter((metric) => metric.attributes?.test === attributes.test)
      const ids = new Set(mine.map((metric) => metric.id))
      assert.deepStrictEqual([...ids].sort(), ["mcp_request_duration_ms", "mcp_requests_total"])
      assert.isTrue(mine.some((metric) => metric.attributes?.method === "tools/call" && metric.type === "Histogram"))
    }))

  it.live("unknown methods share the \"other\" series", () =>
    Effect.gen(function*() {
      const attributes = testAttributes()
      const server = yield* startServer({}, Layer.merge(All, McpServer.middleware(Timing.middleware({ attributes }))))
      const raw = yield* connectRaw(server)
      const first = yield* Effect.promise(() => raw.request(1, "made/up", {}))
      yield* Effect.promise(() => raw.request(2, "another/one", {}))
      assert.strictEqual(first.error.code, -32601)
      assert.strictEqual(yield* count({ ...attributes, method: "other", outcome: "error" }), 2)
      assert.strictEqual(yield* count({ ...attributes, method: "made/up", outcome: "error" }), 0)
    }))

  it.live("cancelled requests are counted as cancelled", () =>
    Effect.gen(function*() {
      const attributes = testAttributes()
      const { client } = yield* serve(All, [Timing.middleware({ attributes })])
      const controller = new AbortController()
      client.callTool({ name: "slow", arguments: { millis: 10_000 } }, undefined, { signal: controller.signal })
        .catch(() => undefined)
      yield* Effect.sleep(30)
      controller.abort()
      const cancelled = { ...attributes, method: "tools/call", outcome: "cancelled" }
      yield* eventually(Effect.map(count(cancelled), (n) => n === 1))
    }))

  it.live("report receives every timing, and custom metrics are used", () =>
    Effect.gen(function*() {
      const timings: Array<Timing.Timing> = []
      const histogram = Metric.histogram("custom_duration", { boundaries: [5, 100] })
      const counter = Metric.counter("custom_total")
      const attributes = testAttributes()
      const { client } = yield* serve(All, [
        Timing.middleware({
          attributes,
          histogram,
          counter,
          report: (timing) => Effect.sync(() => void timings.push(timing))
        })
      ])
      yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 20 } }))
      const call = timings.find((timing) => timing.method === "tools/call")
      assert.strictEqual(call?.outcome, "success")
      assert.isAtLeast(call!.durationMillis, 15)
      assert.deepStrictEqual(timings.map((timing) => timing.method), ["initialize", "tools/call"])
      const custom = yield* Metric.value(Metric.withAttributes(counter, { ...attributes, method: "tools/call", outcome: "success" }))
      assert.strictEqual(custom.count, 1)
      assert.strictEqual(yield* count({ ...attributes, method: "tools/call", outcome: "success" }), 0)
    }))

  it.live("a report that fails or throws is logged; the request keeps its answer", () =>
    Effect.gen(function*() {
      for (const report of [() => Effect.die(new Error("report broke")), () => { throw new Error("report threw") }]) {
        const { entries, logger } = captureLogs()
        const { client } = yield* serve(All, [Timing.middleware({ attributes: testAttributes(), report })], [logger])
        // Fails before: -32603 Internal error (the call had done its work).
        const result = yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 1 } }))
        assert.deepStrictEqual(result.content, [{ type: "text", text: "done" }])
        yield* eventually(() => entries.some((entry) => entry.message === "effect-mcp-server: the Timing middleware's report failed"))
        assert.include(entries.find((entry) => entry.message.includes("report failed"))!.cause, "report")
      }
    }))

  it("refuses an option no type checked, naming it, when it is made", () => {
    const make = (config: unknown) => () => Timing.middleware(config as Timing.Config)
    // Fails before: made, and every request (initialize too) failed.
    assert.throws(make({ histogram: "mcp_duration" }), TypeError, `Timing: histogram must be a Metric, not "mcp_duration"`)
    assert.throws(make({ counter: {} }), TypeError, "Timing: counter must be a Metric, not an object")
    assert.throws(make({ attributes: { replica: 3 } }), TypeError, `Timing: attributes["replica"] must be a string, not 3`)
    assert.throws(make({ attributes: ["server"] }), TypeError, "Timing: attributes must be an object of strings, not an array")
    assert.throws(make({ report: "slow" }), TypeError, `Timing: report must be a function, not "slow"`)
    assert.throws(make(null), TypeError, "Timing: the configuration must be an object, not null")
    Timing.middleware({ histogram: Timing.requestDuration, counter: Timing.requestsTotal, attributes: { server: "s" }, report: () => Effect.void })
  })

  it("methodAttribute keeps MCP methods and folds the rest", () => {
    assert.strictEqual(Timing.methodAttribute("tools/call"), "tools/call")
    assert.strictEqual(Timing.methodAttribute("resources/read"), "resources/read")
    assert.strictEqual(Timing.methodAttribute("evil/random-123"), "other")
    assert.strictEqual(Timing.methodAttribute("constructor"), "other")
  })

  it.live("2026-07-28's methods have series of their own (server/discover was counted as \"other\")", () =>
    Effect.gen(function*() {
      const attributes = testAttributes()
      const { request } = yield* serveInMemory(
        { name: "timing-2026", version: "1" },
        Layer.merge(All, McpServer.middleware(Timing.middleware({ attributes })))
      )
      const _meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      const discovered = yield* request("server/discover", { _meta })
      assert.isDefined(discovered.result)
      assert.strictEqual(yield* count({ ...attributes, method: "server/discover", outcome: "success" }), 1)
      assert.strictEqual(yield* count({ ...attributes, method: "other", outcome: "success" }), 0)
      for (const method of ["subscriptions/listen", "tasks/update"]) assert.strictEqual(Timing.methodAttribute(method), method)
    }))
})
