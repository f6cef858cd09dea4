/**
 * Retry middleware: declared retryable tool failures (isError results carrying the failure's
 * JSON) and retryable McpErrors are retried on the schedule, others are not; the schedule's
 * limit holds; only the configured methods are retried.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Retry from "../../src/middleware/builtin/Retry.ts"
import * as Timeout from "../../src/middleware/builtin/Timeout.ts"
import { McpError, McpServer, Middleware } from "../../src/index.ts"
import * as McpTestClient from "../../src/testing/McpTestClient.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { options } from "../../examples/everything-server.ts"
import { isTerminal as isTerminalTask, modern, pollTask, serveHttp, withTasks } from "../extensions/support.ts"
import { connect, startServer } from "../server/McpServerHarness.ts"
import { callAsTask, toolTaskResult, untilTerminal } from "../tasks/support.ts"
import { connectRawTo, sdk, sdkError, serve, serveLowLevel, text } from "./builtinHarness.ts"

class Busy extends Schema.TaggedError<Busy>()("Busy", { retryAfter: Schema.Number }) {}
class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { id: Schema.String }) {}

/** Tools failing `failures` times (per test: the counters are made fresh), then succeeding. */
const flaky = () => {
  const runs = { busy: 0, missing: 0, always: 0, resource: 0 }
  const BusyTwice = McpServer.tool({
    name: "busy_twice",
    failure: Busy,
    handler: () => Effect.suspend(() => ++runs.busy <= 2 ? Effect.fail(new Busy({ retryAfter: runs.busy })) : Effect.succeed("finally"))
  })
  const Missing = McpServer.tool({
    name: "missing",
    failure: Schema.Union([Busy, NotFound]),
    handler: () =>
      Effect.suspend(() => {
        runs.missing++
        return Effect.fail(new NotFound({ id: "x" }))
      })
  })
  const AlwaysBusy = McpServer.tool({
    name: "always_busy",
    failure: Busy,
    handler: () => Effect.suspend(() => Effect.fail(new Busy({ retryAfter: ++runs.always })))
  })
  const Flaky = McpServer.resource({
    uri: "test://flaky",
    name: "flaky",
    read: Effect.suspend(() =>
      ++runs.resource <= 1
        ? Effect.fail(new McpError.InternalError({ message: "try again" }))
        : Effect.succeed("read it")
    )
  })
  return { runs, layer: Layer.mergeAll(BusyTwice, Missing, AlwaysBusy, Flaky) }
}

const fast = Schedule.spaced("5 millis")

describe("Retry middleware", () => {
  it.live("retries a declared retryable tool failure until it succeeds", () =>
    Effect.gen(function*() {
      const { runs, layer } = flaky()
      const { client } = yield* serve(layer, [Retry.middleware({ schedule: fast, retryable: Retry.byTag("Busy") })])
      const result = yield* sdk(() => client.callTool({ name: "busy_twice", arguments: {} }))
      assert.isUndefined(result.isError)
      assert.strictEqual(text(result), "finally")
      assert.strictEqual(runs.busy, 3)
    }))

  it.live("does not retry a failure that is not retryable", () =>
    Effect.gen(function*() {
      const { runs, layer } = flaky()
      const { client } = yield* serve(layer, [Retry.middleware({ schedule: fast, retryable: Retry.byTag("Busy") })])
      const result = yield* sdk(() => client.callTool({ name: "missing", arguments: {} }))
      assert.isTrue(result.isError)
      assert.deepStrictEqual(JSON.parse(text(result)), { _tag: "NotFound", id: "x" })
      assert.strictEqual(runs.missing, 1)
    }))

  it.live("respects the schedule's limit and answers the last failure", () =>
    Effect.gen(function*() {
      const { runs, layer } = flaky()
      const { client } = yield* serve(layer, [
        Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times: 2 })), retryable: Retry.byTag("Busy") })
      ])
      const result = yield* sdk(() => client.callTool({ name: "always_busy", arguments: {} }))
      assert.isTrue(result.isError)
      assert.strictEqual(runs.always, 3)
      assert.deepStrictEqual(JSON.parse(text(result)), { _tag: "Busy", retryAfter: 3 })
    }))

  // Fails before: each tool ran once (the text the model reads, the failure's message or what
  // formatFailure made of it, is no JSON, and the declared failure was not offered to retryable).
  it.live("retries a declared failure whose text is its message or formatFailure's, not its JSON, in both eras", () =>
    Effect.gen(function*() {
      class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", { message: Schema.String }) {}
      const runs = { message: 0, formatted: 0, typed: 0 }
      const failTwice = <E>(key: keyof typeof runs, fail: () => E) =>
        Effect.suspend(() => ++runs[key] % 3 !== 0 ? Effect.fail(fail()) : Effect.succeed(`ran ${runs[key]} times`))
      const WithMessage = McpServer.tool({
        name: "with_message",
        failure: Overloaded,
        handler: () => failTwice("message", () => new Overloaded({ message: "The service is overloaded, try later" }))
      })
      const Formatted = McpServer.tool({
        name: "formatted",
        failure: Busy,
        formatFailure: (busy) => `Busy: retry in ${busy.retryAfter} s`,
        handler: () => failTwice("formatted", () => new Busy({ retryAfter: 1 }))
      })
      // With an output schema: no structuredContent for the failure either.
      const Typed = McpServer.tool({
        name: "typed",
        success: Schema.Struct({ ok: Schema.Boolean }),
        failure: Overloaded,
        handler: () =>
          Effect.map(failTwice("typed", () => new Overloaded({ message: "overloaded" })), () => ({ ok: true }))
      })
      const seen: Array<unknown> = []
      const retryable = (failure: Retry.Failure) => {
        seen.push(failure.error)
        return Retry.byTag("Overloaded", "Busy")(failure)
      }
      const layer = Layer.mergeAll(WithMessage, Formatted, Typed)
      const { client } = yield* serve(layer, [Retry.middleware({ schedule: fast, retryable })])
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "with_message", arguments: {} }))), "ran 3 times")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "formatted", arguments: {} }))), "ran 3 times")
      const typed = yield* sdk(() => client.callTool({ name: "typed", arguments: {} }))
      assert.deepStrictEqual(typed.structuredContent, { ok: true })
      assert.deepStrictEqual(runs, { message: 3, formatted: 3, typed: 3 })
      // The predicate sees the encoded failure, as for one whose text is its JSON.
      assert.deepStrictEqual(seen.slice(0, 3), [
        { _tag: "Overloaded", message: "The service is overloaded, try later" },
        { _tag: "Overloaded", message: "The service is overloaded, try later" },
        { _tag: "Busy", retryAfter: 1 }
      ])
      // The last failure is answered as the tool made it (its text, not JSON).
      let alwaysRuns = 0
      const always = McpServer.tool({
        name: "always",
        failure: Overloaded,
        handler: () => Effect.suspend(() => Effect.fail(new Overloaded({ message: `still overloaded (${++alwaysRuns})` })))
      })
      const modern = yield* McpTestClient.make(always, {
        protocolVersion: "2026-07-28",
        server: { name: "retry-test", version: "1.0.0", middleware: [Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times: 2 })), retryable })] }
      })
      const result = yield* modern.callTool("always", {})
      assert.isTrue(result.isError)
      assert.strictEqual(text(result), "still overloaded (3)")
      assert.strictEqual(alwaysRuns, 3)
    }))

  // Fails before: the result the client got over the in-memory transport (whose messages cross as
  // objects) carried the encoded failure under a symbol key of the server's (a deep comparison of
  // the result failed; the failure formatFailure kept from the model was in it).
  it.live("a declared failure's result reaches an in-memory client with its wire fields only, and is retried through a middleware that spreads it", () =>
    Effect.gen(function*() {
      class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", { message: Schema.String, account: Schema.String }) {}
      let runs = 0
      const Formatted = McpServer.tool({
        name: "formatted",
        failure: Overloaded,
        formatFailure: (overloaded) => overloaded.message,
        handler: () => Effect.suspend(() => Effect.fail(new Overloaded({ message: `overloaded (${++runs})`, account: "acct-42" })))
      })
      // Inside Retry: a middleware that adds to each result, as a copy.
      const Stamp = Middleware.make("stamp", {
        onRequest: (request, _context, next) =>
          Effect.map(next(request), (result) => ({ ...(result as object), _meta: { stamped: true } }))
      })
      const retries = Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times: 2 })), retryable: Retry.byTag("Overloaded") })
      const server = yield* startServer({}, Layer.merge(Formatted, McpServer.middleware(retries, Stamp)))
      const raw = yield* connectRawTo((transport) => server.run(transport))
      const response = yield* Effect.promise(() => raw.request(1, "tools/call", { name: "formatted", arguments: {} }))
      assert.strictEqual(runs, 3)
      assert.deepStrictEqual(response.result, {
        content: [{ type: "text", text: "overloaded (3)" }],
        isError: true,
        structuredContent: { _tag: "Overloaded", message: "overloaded (3)", account: "acct-42" },
        _meta: { stamped: true }
      })
      assert.deepStrictEqual(Object.getOwnPropertySymbols(response.result), [])
    }))

  // Fails before: the mark was found by the result's content array only: a middleware inside Retry
  // that made other content (one more item; each item rewritten, as a redaction does) hid the
  // declared failure, and a failure whose text is its message was not retried (one run).
  it.live("a declared failure is retried through a middleware that adds content, or rewrites each item", () =>
    Effect.gen(function*() {
      class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", { message: Schema.String }) {}
      const attempt = (rewrite: (content: ReadonlyArray<{ readonly type: string; readonly text?: string }>) => unknown) =>
        Effect.gen(function*() {
          let runs = 0
          const Failing = McpServer.tool({
            name: "failing",
            failure: Overloaded,
            handler: () => Effect.suspend(() => Effect.fail(new Overloaded({ message: `overloaded (${++runs})` })))
          })
          const Rewrite = Middleware.make("rewrite", {
            onRequest: (request, _context, next) =>
              request.method !== "tools/call" ? next(request) : Effect.map(next(request), (result) => ({
                ...(result as object),
                content: rewrite((result as { readonly content: ReadonlyArray<{ readonly type: string }> }).content)
              }))
          })
          const retries = Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times: 2 })), retryable: Retry.byTag("Overloaded") })
          const server = yield* startServer({}, Layer.merge(Failing, McpServer.middleware(retries, Rewrite)))
          const raw = yield* connectRawTo((transport) => server.run(transport))
          const response = yield* Effect.promise(() => raw.request(1, "tools/call", { name: "failing", arguments: {} }))
          return { runs, result: response.result }
        })
      const added = yield* attempt((content) => [...content, { type: "text", text: "try again later" }])
      assert.strictEqual(added.runs, 3)
      assert.deepStrictEqual((added.result as { readonly content: unknown }).content, [
        { type: "text", text: "overloaded (3)" },
        { type: "text", text: "try again later" }
      ])
      const redacted = yield* attempt((content) => content.map((item) => ({ ...item, text: item.text?.replace(/\d/g, "#") })))
      assert.strictEqual(redacted.runs, 3)
      assert.deepStrictEqual((redacted.result as { readonly content: unknown }).content, [{ type: "text", text: "overloaded (#)" }])
    }))

  it.live("the schedule's delays are applied between attempts", () =>
    Effect.gen(function*() {
      const { runs, layer } = flaky()
      const { client } = yield* serve(layer, [
        Retry.middleware({ schedule: Schedule.spaced("40 millis"), retryable: Retry.byTag("Busy") })
      ])
      const start = Date.now()
      yield* sdk(() => client.callTool({ name: "busy_twice", arguments: {} }))
      assert.isAtLeast(Date.now() - start, 75)
      assert.strictEqual(runs.busy, 3)
    }))

  it.live("a tool that dies, or a call Timeout gave up on, is not retried, even by a predicate that takes every failure", () =>
    Effect.gen(function*() {
      let runs = 0
      const Dies = McpServer.tool({
        name: "dies",
        handler: () => Effect.andThen(Effect.sync(() => runs++), Effect.die(new Error("halfway through")))
      })
      const Hangs = McpServer.tool({
        name: "hangs",
        handler: () => Effect.andThen(Effect.sync(() => runs++), Effect.never)
      })
      const seen: Array<Retry.Failure> = []
      const everything = (failure: Retry.Failure) => {
        seen.push(failure)
        return true
      }
      const { client } = yield* serve(Layer.merge(Dies, Hangs), [
        Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times: 3 })), retryable: everything }),
        Timeout.middleware({ default: "50 millis" })
      ])
      const died = yield* sdk(() => client.callTool({ name: "dies", arguments: {} }))
      assert.isTrue(died.isError)
      assert.strictEqual(text(died), "Tool dies failed: internal error")
      // Fails before: 4 (the defect, a masked isError result, was offered to the predicate and retried)
      assert.strictEqual(runs, 1)
      const gaveUp = yield* sdk(() => client.callTool({ name: "hangs", arguments: {} }))
      assert.strictEqual(text(gaveUp), "Tool hangs timed out after 50 ms")
      assert.strictEqual(runs, 2)
      assert.deepStrictEqual(seen, [])
    }))

  it.live("retries a retryable McpError, only for the configured methods", () =>
    Effect.gen(function*() {
      const byDefault = flaky()
      const { client } = yield* serve(byDefault.layer, [
        Retry.middleware({ schedule: fast, retryable: Retry.byTag("InternalError") })
      ])
      const error = yield* sdkError(() => client.readResource({ uri: "test://flaky" }))
      assert.strictEqual(error.code, -32603)
      assert.strictEqual(byDefault.runs.resource, 1)

      const configured = flaky()
      const { client: other } = yield* serve(configured.layer, [
        Retry.middleware({ schedule: fast, retryable: Retry.byTag("InternalError"), methods: ["resources/read"] })
      ])
      const read = yield* sdk(() => other.readResource({ uri: "test://flaky" }))
      assert.deepStrictEqual(read.contents, [{ uri: "test://flaky", text: "read it" }])
      assert.strictEqual(configured.runs.resource, 2)
    }))

  it.live("retries a synchronous McpError of a low-level tools/call handler; the predicate sees it", () =>
    Effect.gen(function*() {
      let runs = 0
      const seen: Array<Retry.Failure> = []
      const server = LowLevelServer.make({
        serverInfo: { name: "retry-test", version: "1.0.0" },
        handlers: {
          "tools/call": () =>
            ++runs < 3
              ? Effect.fail(new McpError.JsonRpcError({ code: 1002, message: "overloaded" }))
              : Effect.succeed({ content: [{ type: "text", text: `ran ${runs} times` }] })
        },
        middleware: [Retry.middleware({
          schedule: fast,
          retryable: (failure) => {
            seen.push(failure)
            return failure._tag === "McpError" && failure.error._tag === "JsonRpcError" && failure.error.code === 1002
          }
        })]
      })
      const client = yield* serveLowLevel(server)
      const result = yield* sdk(() => client.callTool({ name: "anything", arguments: {} }))
      assert.strictEqual(text(result), "ran 3 times")
      assert.strictEqual(runs, 3)
      // asked once per failed attempt
      assert.deepStrictEqual(seen.map((failure) => failure._tag), ["McpError", "McpError"])
    }))

  it("refuses a configuration no type checked, naming the option, when it is made", () => {
    const make = (config: unknown) => () => Retry.middleware(config as Retry.Config)
    // Fails before: made, and every failure retried (a non-idempotent tool's too).
    assert.throws(make({}), TypeError, "Retry: retryable must be a function (failure) => boolean")
    assert.throws(make({ retryable: "Busy" }), TypeError, `Retry: retryable must be a function (failure) => boolean (e.g. Retry.byTag("Busy")), not "Busy"`)
    assert.throws(make({ retryable: Retry.byTag("Busy"), schedule: 3 }), TypeError, "Retry: schedule must be a Schedule, not 3")
    assert.throws(make({ retryable: Retry.byTag("Busy"), methods: "resources/read" }), TypeError, `Retry: methods must be an array of strings, not "resources/read"`)
    assert.throws(make(undefined), TypeError, "Retry: the configuration must be an object")
    Retry.middleware({ retryable: Retry.byTag("Busy"), schedule: fast, methods: ["tools/call", "resources/read"] })
  })

  it("byTag matches McpErrors and declared tool failures by tag", () => {
    const busy = Retry.byTag("Busy", "InternalError")
    const toolError = (error: unknown): Retry.Failure => ({
      _tag: "ToolError",
      error,
      result: { content: [{ type: "text", text: JSON.stringify(error) }], isError: true }
    })
    assert.isTrue(busy(toolError({ _tag: "Busy", retryAfter: 1 })))
    assert.isFalse(busy(toolError({ _tag: "NotFound" })))
    assert.isFalse(busy(toolError("Busy")))
    assert.isFalse(busy(toolError(undefined)))
    assert.isTrue(busy({ _tag: "McpError", error: new McpError.InternalError({ message: "x" }) }))
    assert.isFalse(busy({ _tag: "McpError", error: McpError.invalidParams("x") }))
  })
})

// Fail before: the request was answered with its task, and the task's work, which failed
// retryably, ran once (the task failed, or, 2026, ended with the first failure).
describe("Retry and the work of tasks", () => {
  /** A task-supporting tool busy `failures` times, then done, after `ms` each run; its runs counted. */
  const slowFlaky = (failures: number, ms: number) => {
    const runs = { count: 0 }
    const layer = McpServer.tool({
      name: "slow_flaky",
      execution: { taskSupport: "optional" },
      failure: Busy,
      handler: () =>
        Effect.andThen(
          Effect.sleep(ms),
          Effect.suspend(() => ++runs.count <= failures ? Effect.fail(new Busy({ retryAfter: runs.count })) : Effect.succeed("done at last"))
        )
    })
    return { runs, layer }
  }
  const retries = (times: number) => Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times })), retryable: Retry.byTag("Busy") })

  it.live("2025-11-25: a task-augmented call's work is run again on a retryable failure, under the same policy", () =>
    Effect.gen(function*() {
      const { runs, layer } = slowFlaky(2, 0)
      const server = yield* startServer(
        { tasks: McpServer.tasks({}) },
        Layer.merge(layer, McpServer.middleware(retries(3)))
      )
      const { client } = yield* connect(server)
      const created = yield* callAsTask(client, "slow_flaky")
      const ended = yield* untilTerminal(client, created.task.taskId)
      assert.strictEqual(ended.status, "completed")
      assert.strictEqual(text(yield* toolTaskResult(client, created.task.taskId)), "done at last")
      assert.strictEqual(runs.count, 3)

      // The schedule's limit holds: 1 + 2 runs, then the task fails with the last failure.
      const always = slowFlaky(100, 0)
      const limited = yield* startServer({ tasks: McpServer.tasks({}) }, Layer.merge(always.layer, McpServer.middleware(retries(2))))
      const other = (yield* connect(limited)).client
      const task = yield* callAsTask(other, "slow_flaky")
      assert.strictEqual((yield* untilTerminal(other, task.task.taskId)).status, "failed")
      assert.strictEqual(always.runs.count, 3)
    }))

  it.live("2026-07-28: a call that became a task has its work run again; one answered directly is retried once over, not per layer", () =>
    Effect.gen(function*() {
      // Each run takes 60 ms, past promoteAfterMillis (20): the call becomes a task during the first.
      const promoted = slowFlaky(2, 60)
      const { url } = yield* serveHttp(
        { ...options, tasks: McpServer.tasks({ promoteAfterMillis: 20 }) },
        Layer.merge(promoted.layer, McpServer.middleware(retries(3))),
        { stateless: true }
      )
      const meta = withTasks()
      const answer = yield* Effect.promise(() => modern(url, "tools/call", { name: "slow_flaky", arguments: {} }, { meta }))
      assert.strictEqual(answer.message.result?.resultType, "task", JSON.stringify(answer.message))
      const taskId = answer.message.result.taskId as string
      const ended = yield* Effect.promise(() =>
        pollTask(() => modern(url, "tasks/get", { taskId }, { meta }).then((got) => got.message), isTerminalTask)
      )
      assert.strictEqual(ended.status, "completed", JSON.stringify(ended))
      assert.strictEqual(ended.result.content[0].text, "done at last")
      assert.strictEqual(promoted.runs.count, 3)

      // Quick runs (no task): the work's retries answer the call; the request is not retried on top (3 runs, not 3 × 4).
      const quick = slowFlaky(100, 0)
      const direct = yield* serveHttp(
        { ...options, tasks: McpServer.tasks({ promoteAfterMillis: 5_000 }) },
        Layer.merge(quick.layer, McpServer.middleware(retries(2))),
        { stateless: true }
      )
      const failed = yield* Effect.promise(() => modern(direct.url, "tools/call", { name: "slow_flaky", arguments: {} }, { meta }))
      assert.strictEqual(failed.message.result?.isError, true, JSON.stringify(failed.message))
      assert.strictEqual(quick.runs.count, 3)
    }))
  /**
   * A plain call of a tool that always fails, then a 2025-11-25 task-augmented one on a server of
   * its own, under `stack`: each runs the tool's work `runs` times.
   */
  const runsPlainAndTasked = (stack: ReturnType<typeof McpServer.middleware>, runs: number) =>
    Effect.gen(function*() {
      const plain = slowFlaky(100, 0)
      const { client } = yield* connect(yield* startServer({ tasks: McpServer.tasks({}) }, Layer.merge(plain.layer, stack)))
      assert.isTrue((yield* sdk(() => client.callTool({ name: "slow_flaky", arguments: {} }))).isError)
      assert.strictEqual(plain.runs.count, runs)

      const tasked = slowFlaky(100, 0)
      const other = (yield* connect(yield* startServer({ tasks: McpServer.tasks({}) }, Layer.merge(tasked.layer, stack)))).client
      const task = yield* callAsTask(other, "slow_flaky")
      assert.strictEqual((yield* untilTerminal(other, task.task.taskId)).status, "failed")
      assert.strictEqual(tasked.runs.count, runs)
    })
  // Two Retry middlewares nest for a plain call: each attempt of the outer runs the inner, which
  // retries on its own ((1 + 1) × (1 + 2) = 6 runs). A task's work follows the same rule. Failed
  // before: the inner one's policy alone applied to the work (3 runs), whichever the era.
  describe("stacked (outer: 1 retry, inner: 2), nested as for a plain call", () => {
    const stacked = McpServer.middleware(retries(1), retries(2))
    it.live("a plain call runs 6 times; a 2025-11-25 task-augmented call's work too", () => runsPlainAndTasked(stacked, 6))

    // Three stacked, a Timeout between them: each nests in the one above ((1 + 1) × (1 + 1) × (1 + 2)
    // = 12 runs), a task's work as a plain call; the Timeout (generous) changes nothing.
    it.live("three stacked (1, 1, 2 retries) with a Timeout between: 12 runs, a 2025-11-25 task's work too", () =>
      Effect.gen(function*() {
        const three = McpServer.middleware(retries(1), Timeout.middleware({ default: "30 seconds" }), retries(1), retries(2))
        yield* runsPlainAndTasked(three, 12)
      }))

    it.live("2026-07-28: a call that became a task runs its work 6 times; one answered directly too", () =>
      Effect.gen(function*() {
        const meta = withTasks()
        const promoted = slowFlaky(100, 30)
        const { url } = yield* serveHttp(
          { ...options, tasks: McpServer.tasks({ promoteAfterMillis: 10 }) },
          Layer.merge(promoted.layer, stacked),
          { stateless: true }
        )
        const answer = yield* Effect.promise(() => modern(url, "tools/call", { name: "slow_flaky", arguments: {} }, { meta }))
        assert.strictEqual(answer.message.result?.resultType, "task", JSON.stringify(answer.message))
        const taskId = answer.message.result.taskId as string
        const ended = yield* Effect.promise(() =>
          pollTask(() => modern(url, "tasks/get", { taskId }, { meta }).then((got) => got.message), isTerminalTask)
        )
        // 2026-07-28: a tool's error ends its task completed, with the error result.
        assert.strictEqual(ended.status, "completed", JSON.stringify(ended))
        assert.strictEqual(ended.result.isError, true, JSON.stringify(ended))
        assert.strictEqual(promoted.runs.count, 6)

        const quick = slowFlaky(100, 0)
        const direct = yield* serveHttp(
          { ...options, tasks: McpServer.tasks({ promoteAfterMillis: 5_000 }) },
          Layer.merge(quick.layer, stacked),
          { stateless: true }
        )
        const failed = yield* Effect.promise(() => modern(direct.url, "tools/call", { name: "slow_flaky", arguments: {} }, { meta }))
        assert.strictEqual(failed.message.result?.isError, true, JSON.stringify(failed.message))
        assert.strictEqual(quick.runs.count, 6)
      }))
  })
})

// Failed before: the work of a task was built once and that Effect run again, so a handler that
// decides as it is called (no `Effect.suspend`) was not called again: its first failure came back
// at each attempt (1 run, the task failed), where a request's retry calls the handler anew.
describe("Retry and the work of tasks, a handler deciding as it is called", () => {
  const eagerFlaky = (failures: number) => {
    const runs = { count: 0 }
    const layer = McpServer.tool({
      name: "eager_flaky",
      execution: { taskSupport: "optional" },
      failure: Busy,
      handler: () => ++runs.count <= failures ? Effect.fail(new Busy({ retryAfter: runs.count })) : Effect.succeed("done at last")
    })
    return { runs, layer }
  }
  const retries = (times: number) => Retry.middleware({ schedule: fast.pipe(Schedule.upTo({ times })), retryable: Retry.byTag("Busy") })

  it.live("2025-11-25: the handler is called again for each attempt of the task's work", () =>
    Effect.gen(function*() {
      const { runs, layer } = eagerFlaky(2)
      const server = yield* startServer({ tasks: McpServer.tasks({}) }, Layer.merge(layer, McpServer.middleware(retries(3))))
      const { client } = yield* connect(server)
      const created = yield* callAsTask(client, "eager_flaky")
      const ended = yield* untilTerminal(client, created.task.taskId)
      assert.strictEqual(runs.count, 3)
      assert.strictEqual(ended.status, "completed")
      assert.strictEqual(text(yield* toolTaskResult(client, created.task.taskId)), "done at last")
    }))

  it.live("2026-07-28: the handler is called again for each attempt of a call that may become a task", () =>
    Effect.gen(function*() {
      const { runs, layer } = eagerFlaky(2)
      const { url } = yield* serveHttp(
        { ...options, tasks: McpServer.tasks({ promoteAfterMillis: 5_000 }) },
        Layer.merge(layer, McpServer.middleware(retries(3))),
        { stateless: true }
      )
      const answer = yield* Effect.promise(() => modern(url, "tools/call", { name: "eager_flaky", arguments: {} }, { meta: withTasks() }))
      assert.strictEqual(runs.count, 3)
      assert.strictEqual(answer.message.result?.content?.[0]?.text, "done at last", JSON.stringify(answer.message))
    }))
})
