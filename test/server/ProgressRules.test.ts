/**
 * `McpContext.progress` keeps MCP's rules for a request's progress notifications: "the progress
 * value MUST increase with each notification", and a number JSON can carry (NaN and Infinity
 * became `null`, which clients refuse). A report that breaks them is not sent, the call goes on,
 * and a warning is logged once per request. An SDK v1 client over an in-memory pair.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer } from "../../src/index.ts"
import { startServer } from "./McpServerHarness.ts"

/** Reports each of `values` as progress (of 10), in order, then answers "done". */
const Report = McpServer.tool({
  name: "report",
  parameters: { values: Schema.Array(Schema.Unknown) },
  handler: ({ values }) =>
    Effect.as(
      Effect.forEach(values, (value) => McpContext.progress(value === "NaN" ? Number.NaN : value === "Infinity" ? Infinity : Number(value), 10), { discard: true }),
      "done"
    )
})

/**
 * Reports through effects made before they run: 1 made once and run twice (as a retry re-runs
 * what it wraps), then 2 and 3 made in that order and run 3 first; then answers "done".
 */
const Prebuilt = McpServer.tool({
  name: "prebuilt",
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpContext.current
      const one = context.progress(1, 10)
      yield* one
      yield* one
      const two = context.progress(2, 10)
      const three = context.progress(3, 10)
      yield* three
      yield* two
      return "done"
    })
})

/** A session of a server with `Report`, its logs kept, and an SDK client connected to it. */
const connected = Effect.gen(function*() {
  const logged: Array<string> = []
  const capture = Logger.make(({ logLevel, message }) => void logged.push(`${logLevel} ${Array.isArray(message) ? message.join(" ") : String(message)}`))
  const server = yield* startServer({}, Layer.mergeAll(Report, Prebuilt))
  const pair = InMemory.makePair()
  yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([capture]))))
  const client = new Client({ name: "progress", version: "1" }, { capabilities: {} })
  yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
  const callSeeing = (name: string, args: Record<string, unknown>) =>
    Effect.promise(async () => {
      const seen: Array<unknown> = []
      const result = await client.callTool({ name, arguments: args }, undefined, { onprogress: (p) => void seen.push(p.progress) })
      return { seen, text: (result.content as any)[0].text as string }
    })
  const report = (values: ReadonlyArray<unknown>) => callSeeing("report", { values })
  return { report, callSeeing, logged }
})

describe("McpContext.progress: values that break MCP's rules are not sent", () => {
  // Fails before: every value was sent as given (2, 2, 1; NaN and Infinity as null, which the SDK
  // client refuses), and nothing said so.
  it.live("a value not above the last one sent, NaN or Infinity: dropped, the call answered, one warning per request", () =>
    Effect.gen(function*() {
      const { logged, report } = yield* connected
      const first = yield* report([1, 2, 2, 1, "NaN", 3, "Infinity", 2.5, 4])
      assert.strictEqual(first.text, "done")
      assert.deepStrictEqual(first.seen, [1, 2, 3, 4])
      const warnings = logged.filter((line) => line.includes("progress notification"))
      assert.strictEqual(warnings.length, 1, logged.join("\n"))
      assert.include(warnings[0]!, "progress 2 does not exceed the last one sent (2)")
      // Another request starts afresh (its own progress, its own warning).
      const second = yield* report(["NaN", 0.5, 0.25])
      assert.deepStrictEqual(second.seen, [0.5])
      const all = logged.filter((line) => line.includes("progress notification"))
      assert.strictEqual(all.length, 2)
      assert.include(all[1]!, "progress NaN is not a finite number")
    }))

  // Fails before (1, 1, 3, 2 were sent): the rule was checked, and the last value kept, when the
  // effect was made, not when it ran. An effect run twice (a retry of what holds it) sent its
  // value twice; two made in one order and run in the other sent a decrease.
  it.live("checked when the report runs, not when its effect is made: one run twice is sent once, a decrease in run order is dropped", () =>
    Effect.gen(function*() {
      const { callSeeing, logged } = yield* connected
      const result = yield* callSeeing("prebuilt", {})
      assert.strictEqual(result.text, "done")
      assert.deepStrictEqual(result.seen, [1, 3])
      const warnings = logged.filter((line) => line.includes("progress notification"))
      assert.strictEqual(warnings.length, 1, logged.join("\n"))
      assert.include(warnings[0]!, "progress 1 does not exceed the last one sent (1)")
    }))
})
