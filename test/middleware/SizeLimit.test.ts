/**
 * SizeLimit middleware: results under the limit pass, results over it become an isError tool
 * result (tools/call) or a -32603 error (other methods), sizes counted in UTF-8 bytes of JSON;
 * `methods` restricts what is measured.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SizeLimit from "../../src/middleware/builtin/SizeLimit.ts"
import * as McpError from "../../src/protocol/McpError.ts"
import { McpContext, McpServer } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"
import { sdk, sdkError, serve, text } from "./builtinHarness.ts"

const Repeat = McpServer.tool({
  name: "repeat",
  parameters: { char: Schema.String, times: Schema.Int },
  handler: ({ char, times }) => Effect.succeed(char.repeat(times))
})
const RepeatLater = McpServer.tool({
  name: "repeat_later",
  parameters: { times: Schema.Int },
  handler: ({ times }) => Effect.as(Effect.sleep(1), "x".repeat(times))
})
const Small = McpServer.resource({ uri: "test://small", name: "small", read: Effect.succeed("tiny") })
const Big = McpServer.resource({ uri: "test://big", name: "big", read: Effect.succeed("b".repeat(500)) })
const All = Layer.mergeAll(Repeat, RepeatLater, Small, Big)

/** The size of a one-text-block tool result, as the middleware measures it. */
const toolResultBytes = (text: string) => Buffer.byteLength(JSON.stringify({ content: [{ type: "text", text }] }), "utf8")

describe("SizeLimit middleware", () => {
  it.live("a tool result under the limit passes", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200 })])
      const result = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "a", times: 100 } }))
      assert.isUndefined(result.isError)
      assert.strictEqual(text(result), "a".repeat(100))
    }))

  it.live("a tool result over the limit becomes an isError result, counted in UTF-8 bytes", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200 })])
      // 100 characters, 200 bytes of text: over the limit although under it in characters
      const result = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "é", times: 100 } }))
      assert.isTrue(result.isError)
      const size = toolResultBytes("é".repeat(100))
      assert.isAbove(size, 200)
      assert.strictEqual(text(result), `Tool result too large: ${size} bytes (limit 200)`)
      const later = yield* sdk(() => client.callTool({ name: "repeat_later", arguments: { times: 300 } }))
      assert.strictEqual(text(later), `Tool result too large: ${toolResultBytes("x".repeat(300))} bytes (limit 200)`)
    }))

  it.live("the limit is inclusive", () =>
    Effect.gen(function*() {
      const exact = toolResultBytes("z".repeat(50))
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: exact })])
      const fits = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "z", times: 50 } }))
      assert.isUndefined(fits.isError)
      const over = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "z", times: 51 } }))
      assert.isTrue(over.isError)
    }))

  it.live("a resource read under the limit passes, over it is a -32603 error", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200 })])
      const small = yield* sdk(() => client.readResource({ uri: "test://small" }))
      assert.deepStrictEqual(small.contents, [{ uri: "test://small", text: "tiny" }])
      const error = yield* sdkError(() => client.readResource({ uri: "test://big" }))
      assert.strictEqual(error.code, -32603)
      const size = Buffer.byteLength(JSON.stringify({ contents: [{ uri: "test://big", text: "b".repeat(500) }] }), "utf8")
      assert.include(error.message, `Result too large: ${size} bytes (limit 200)`)
    }))

  it.live("methods restricts what is measured", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 200, methods: ["tools/call"] })])
      const big = yield* sdk(() => client.readResource({ uri: "test://big" }))
      assert.deepStrictEqual(big.contents, [{ uri: "test://big", text: "b".repeat(500) }])
      const tool = yield* sdk(() => client.callTool({ name: "repeat", arguments: { char: "a", times: 300 } }))
      assert.isTrue(tool.isError)
    }))

  it.live("initialize is not measured by default, every other method is", () =>
    Effect.gen(function*() {
      const { client } = yield* serve(All, [SizeLimit.middleware({ maxBytes: 10 })])
      assert.strictEqual(client.getServerVersion()?.name, "test-server")
      yield* sdk(() => client.ping())
      const error = yield* sdkError(() => client.listTools())
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Result too large")
    }))

  it("rejects a limit that is not a positive integer", () => {
    assert.throws(() => SizeLimit.middleware({ maxBytes: 0 }), /maxBytes must be an integer >= 1/)
    assert.throws(() => SizeLimit.middleware({ maxBytes: 1.5 }), /maxBytes must be an integer >= 1/)
  })

  it("rejects methods that are not an array of strings (one string measured the methods its characters name: none)", () => {
    // Fails before: made.
    assert.throws(() => SizeLimit.middleware({ methods: "tools/call" as never }), TypeError, `SizeLimit: methods must be an array of strings, not "tools/call"`)
    assert.throws(() => SizeLimit.middleware({ methods: [5] as never }), TypeError, "SizeLimit: methods[0] must be a string, not 5")
    assert.throws(() => SizeLimit.middleware(null as never), TypeError, "SizeLimit: the configuration must be an object, not null")
  })
})

// ---------------------------------------------------------------------------
// What is measured: the result as it goes to the client (its version), and a task's tool result
// ---------------------------------------------------------------------------

/** A tool whose result has a short text block and a large `structuredContent` (dropped before 2025-06-18). */
const Report = McpServer.tool({
  name: "report",
  execution: { taskSupport: "optional" },
  handler: () => Effect.succeed({ content: [{ type: "text" as const, text: "summary" }], structuredContent: { rows: "r".repeat(400) } })
})
/** A tool that must run as a task, with a result of `times` characters. */
const Export = McpServer.tool({
  name: "export",
  execution: { taskSupport: "required" },
  parameters: { times: Schema.Int },
  handler: ({ times }) => Effect.as(Effect.sleep(5), "e".repeat(times))
})
/** A resource and a prompt that may run as tasks, of `size` characters (a query parameter, an argument). */
const BigRead = McpServer.resourceTemplate({
  uriTemplate: "test://big/{size}",
  name: "big",
  taskSupport: "optional",
  params: { size: Schema.FiniteFromString },
  read: ({ size }) => Effect.as(Effect.sleep(5), "b".repeat(size))
})
const LongPrompt = McpServer.prompt({
  name: "long",
  taskSupport: "optional",
  arguments: { size: Schema.FiniteFromString },
  handler: ({ size }) => Effect.as(Effect.sleep(5), "p".repeat(size))
})
const Reports = Layer.mergeAll(Report, Export, BigRead, LongPrompt)

const modernMeta = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "size-test", version: "1.0.0" }
})

/** Bytes of the UTF-8 JSON of a value as received (the order of its keys is the order sent). */
const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8")

/**
 * A raw JSON-RPC client of a server with `Reports`, tasks and a size limit of `maxBytes` (none
 * without; several: one SizeLimit each, outermost first).
 */
const rawServer = (maxBytes: number | undefined | ReadonlyArray<number>) =>
  serveInMemory(
    { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
    maxBytes === undefined
      ? Reports
      : Layer.mergeAll(
        Reports,
        McpServer.middleware(...(typeof maxBytes === "number" ? [maxBytes] : maxBytes).map((max) => SizeLimit.middleware({ maxBytes: max })))
      )
  )

/** Initializes a raw client at `version`. */
const initialize = (client: Effect.Success<ReturnType<typeof rawServer>>, version: string) =>
  Effect.gen(function*() {
    const answer = yield* client.request("initialize", { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "0" } })
    assert.strictEqual(answer.result?.protocolVersion, version, JSON.stringify(answer))
    yield* client.notify("notifications/initialized")
  })

// ---------------------------------------------------------------------------
// Errors: measured as they are sent; one over the limit keeps its code and the start of its message
// ---------------------------------------------------------------------------

/** A read that fails with -32602 and `size` characters of data (a task too, if asked). */
const FailingRead = McpServer.resourceTemplate({
  uriTemplate: "test://fail/{size}",
  name: "fail",
  taskSupport: "optional",
  params: { size: Schema.FiniteFromString },
  read: ({ size }) => Effect.andThen(Effect.sleep(5), Effect.fail(new McpError.InvalidParams({ message: "No such row", data: { row: "d".repeat(size) } })))
})
/** A tool that needs a URL elicitation with a large URL. */
const NeedsUrl = McpServer.tool({
  name: "needs_url",
  handler: () =>
    Effect.fail(new McpError.UrlElicitationRequired({ elicitations: [{ mode: "url", elicitationId: "e", url: `https://example.com/${"u".repeat(2000)}`, message: "Sign in" }] }))
})

const errorServer = (maxBytes: number) =>
  serveInMemory(
    { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
    Layer.mergeAll(FailingRead, NeedsUrl, Small, McpServer.middleware(SizeLimit.middleware({ maxBytes })))
  )

describe("SizeLimit measures errors", () => {
  it.live("an error over the limit keeps its code and the start of its message, without its data", () =>
    Effect.gen(function*() {
      const client = yield* errorServer(500)
      yield* initialize(client as never, "2025-11-25")
      // Under the limit: as it is.
      const small = yield* client.request("resources/read", { uri: "test://fail/10" })
      assert.deepStrictEqual(small.error, { code: -32602, message: "No such row", data: { row: "d".repeat(10) } })
      // Fails before: sent whole, 2,000 characters of data.
      const large = yield* client.request("resources/read", { uri: "test://fail/2000" })
      const size = bytesOf({ code: -32602, message: "No such row", data: { row: "d".repeat(2000) } })
      assert.deepStrictEqual(large.error, { code: -32602, message: `No such row (error too large: ${size} bytes, limit 500; its data left out)` })
      // A client's 5,000-character URI, echoed in -32002's data.
      const uri = `test://nothing/${"x".repeat(5_000)}`
      const unknown = yield* client.request("resources/read", { uri })
      assert.strictEqual(unknown.error?.code, -32002, JSON.stringify(unknown).slice(0, 300))
      assert.isUndefined(unknown.error.data)
      assert.match(unknown.error.message, /^Resource not found: test:\/\/nothing\/x+… \(\d+ more characters\) \(error too large: \d+ bytes, limit 500; its data left out\)$/)
      // -32042 means nothing without its elicitations: -32603.
      const url = yield* client.request("tools/call", { name: "needs_url", arguments: {} })
      assert.strictEqual(url.error?.code, -32603, JSON.stringify(url).slice(0, 300))
      assert.match(url.error.message, /^Sign in|^URL elicitation required/)
      assert.include(url.error.message, "(error too large: ")
      assert.isUndefined(url.error.data)
    }))

  it.live("2025-11-25: a task whose error is over the limit is failed with the replaced error, which tasks/result answers", () =>
    Effect.gen(function*() {
      const client = yield* errorServer(500)
      yield* initialize(client as never, "2025-11-25")
      const created = yield* client.request("resources/read", { uri: "test://fail/2000", task: { ttl: 60_000 } })
      const taskId: string = created.result?.task?.taskId
      assert.isString(taskId, JSON.stringify(created))
      let task: any
      for (let i = 0; i < 250; i++) {
        task = (yield* client.request("tasks/get", { taskId })).result
        if (task?.status !== "working") break
        yield* Effect.sleep(20)
      }
      assert.strictEqual(task.status, "failed", JSON.stringify(task))
      const fetched = yield* client.request("tasks/result", { taskId })
      // Fails before: the error with its 2,000 characters of data.
      assert.isUndefined(fetched.error?.data, JSON.stringify(fetched).slice(0, 300))
      assert.strictEqual(fetched.error.code, -32602)
      assert.match(fetched.error.message, /^No such row \(error too large: \d+ bytes, limit 500; its data left out\)$/)
      assert.strictEqual(task.statusMessage, fetched.error.message)
    }))
})

/** A tool that runs only as a task and fails (a JSON-RPC error of its own) with -32602 and `size` characters of data after `millis`. */
const FailingExport = McpServer.tool({
  name: "failing_export",
  execution: { taskSupport: "required" },
  parameters: { size: Schema.Int, millis: Schema.Int },
  handler: ({ size, millis }) =>
    Effect.andThen(Effect.sleep(millis), Effect.fail(new McpError.JsonRpcError({ code: -32602, message: "No such row", data: { row: "d".repeat(size) } })))
})

describe("SizeLimit measures a 2026-07-28 task's error", () => {
  it.live("a task whose error is over the limit records the replaced error: tasks/get answers it inline (not -32603 'Result too large')", () =>
    Effect.gen(function*() {
      const client = yield* serveInMemory(
        { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(FailingExport, McpServer.middleware(SizeLimit.middleware({ maxBytes: 1000 })))
      )
      const meta = modernMeta({ extensions: { "io.modelcontextprotocol/tasks": {} } })
      // One that fails before the server would make it a task (a required tool's task that already
      // ended), one that fails after it was made one (past the 100 ms promotion).
      for (const millis of [5, 300]) {
        const created = yield* client.request("tools/call", { name: "failing_export", arguments: { size: 3000, millis }, _meta: meta })
        assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created).slice(0, 300))
        const taskId = created.result.taskId
        let got: any
        for (let i = 0; i < 250; i++) {
          got = yield* client.request("tasks/get", { taskId, _meta: meta })
          if (got.result?.status !== "working") break
          yield* Effect.sleep(20)
        }
        // Fails before: -32603 "Result too large" (the error's 3,000 characters of data inline)
        assert.isUndefined(got.error, `${millis} ms: ${JSON.stringify(got).slice(0, 300)}`)
        assert.strictEqual(got.result.status, "failed")
        assert.strictEqual(got.result.error.code, -32602)
        assert.isUndefined(got.result.error.data)
        assert.match(got.result.error.message, /^No such row \(error too large: \d+ bytes, limit 1000; its data left out\)$/)
        assert.strictEqual(got.result.statusMessage, got.result.error.message)
      }
    }))

  it.live("a failed task whose tasks/get is over the limit though its error is not (its message twice, the task's fields) keeps its code and the start of its message", () =>
    Effect.gen(function*() {
      const Wordy = McpServer.tool({
        name: "wordy",
        execution: { taskSupport: "required" },
        handler: () => Effect.andThen(Effect.sleep(5), Effect.fail(new McpError.JsonRpcError({ code: -32602, message: "m".repeat(600) })))
      })
      const client = yield* serveInMemory(
        { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(Wordy, McpServer.middleware(SizeLimit.middleware({ maxBytes: 1000 })))
      )
      const meta = modernMeta({ extensions: { "io.modelcontextprotocol/tasks": {} } })
      const created = yield* client.request("tools/call", { name: "wordy", arguments: {}, _meta: meta })
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created).slice(0, 300))
      const got = yield* client.request("tasks/get", { taskId: created.result.taskId, _meta: meta })
      // Fails before: -32603 "Result too large: 1534 bytes (limit 1000)" (the message there twice, with the task's fields)
      assert.isUndefined(got.error, JSON.stringify(got).slice(0, 300))
      assert.strictEqual(got.result.status, "failed")
      assert.strictEqual(got.result.error.code, -32602)
      assert.match(got.result.error.message, /^m{200}… \(400 more characters\) \(task too large: \d+ bytes, limit 1000; its error's data left out\)$/)
      assert.strictEqual(got.result.statusMessage, `${"m".repeat(200)}… (400 more characters)`)
      assert.isAtMost(bytesOf(got.result), 1000)
    }))
})

describe("SizeLimit measures what is sent", () => {
  it.live("2025-03-26: the result as that version gets it (structuredContent dropped), not as the handler made it", () =>
    Effect.gen(function*() {
      const free = yield* rawServer(undefined)
      yield* initialize(free, "2025-03-26")
      const sent = (yield* free.request("tools/call", { name: "report", arguments: {} })).result
      assert.isUndefined(sent.structuredContent)
      const wire = bytesOf(sent)
      assert.isBelow(wire, 200, "the 2025-03-26 body is small")
      // A limit that the body sent fits exactly: it passes, though the handler's result is larger.
      const limited = yield* rawServer(wire)
      yield* initialize(limited, "2025-03-26")
      const answer = yield* limited.request("tools/call", { name: "report", arguments: {} })
      assert.deepStrictEqual(answer.result, sent, JSON.stringify(answer))
      // A 2025-11-25 client gets the structured content: over the same limit.
      const current = yield* rawServer(wire)
      yield* initialize(current, "2025-11-25")
      const over = yield* current.request("tools/call", { name: "report", arguments: {} })
      assert.isTrue(over.result?.isError, JSON.stringify(over))
    }))

  it.live("2026-07-28: what the server adds (resultType, its identity in _meta) counts", () =>
    Effect.gen(function*() {
      const free = yield* rawServer(undefined)
      const sent = (yield* free.request("tools/call", { name: "report", arguments: {}, _meta: modernMeta() })).result
      assert.strictEqual(sent.resultType, "complete")
      const wire = bytesOf(sent)
      const fits = yield* rawServer(wire)
      const fitting = yield* fits.request("tools/call", { name: "report", arguments: {}, _meta: modernMeta() })
      assert.deepStrictEqual(fitting.result, sent, JSON.stringify(fitting))
      // One byte less than what goes out: refused, though the handler's result alone is smaller.
      const tight = yield* rawServer(wire - 1)
      const over = yield* tight.request("tools/call", { name: "report", arguments: {}, _meta: modernMeta() })
      assert.isTrue(over.result?.isError, JSON.stringify(over).slice(0, 300))
      assert.strictEqual(over.result.content[0].text, `Tool result too large: ${wire} bytes (limit ${wire - 1})`)
    }))

  it.live("2025-11-25: a task's tool result over the limit is the same isError result from tasks/result, with its related task", () =>
    Effect.gen(function*() {
      const client = yield* rawServer(300)
      yield* initialize(client, "2025-11-25")
      // Direct (optional task support, no task asked): the isError result.
      const direct = yield* client.request("tools/call", { name: "report", arguments: {} })
      assert.isTrue(direct.result?.isError, JSON.stringify(direct))
      const created = yield* client.request("tools/call", { name: "export", arguments: { times: 1000 }, task: { ttl: 60_000 } })
      const taskId = created.result?.task?.taskId
      assert.isString(taskId, JSON.stringify(created))
      const fetched = yield* client.request("tasks/result", { taskId })
      assert.isUndefined(fetched.error, JSON.stringify(fetched))
      assert.isTrue(fetched.result.isError)
      assert.match(fetched.result.content[0].text, /^Tool result too large: \d+ bytes \(limit 300\)$/)
      assert.deepStrictEqual(fetched.result._meta, { "io.modelcontextprotocol/related-task": { taskId } })
      // A small one passes as it is.
      const small = yield* client.request("tools/call", { name: "export", arguments: { times: 3 }, task: { ttl: 60_000 } })
      const smallResult = yield* client.request("tasks/result", { taskId: small.result.task.taskId })
      assert.deepStrictEqual(smallResult.result.content, [{ type: "text", text: "eee" }])
    }))

  it.live("2025-11-25: a task whose tool result is over the limit is failed, as one whose tool reported an error (tasks/get agrees with tasks/result)", () =>
    Effect.gen(function*() {
      // One SizeLimit, and two of them whose outer one is the tighter (the inner one's limit alone
      // was applied to the task: completed, while the outer one's tasks/result was the isError result).
      for (const limits of [[300], [300, 1_048_576], [1_048_576, 300]]) {
        const client = yield* rawServer(limits)
        yield* initialize(client, "2025-11-25")
        const ended = (times: number) =>
          Effect.gen(function*() {
            const created = yield* client.request("tools/call", { name: "export", arguments: { times }, task: { ttl: 60_000 } })
            const taskId: string = created.result?.task?.taskId
            assert.isString(taskId, JSON.stringify(created))
            let task: any
            for (let i = 0; i < 250; i++) {
              task = (yield* client.request("tasks/get", { taskId })).result
              if (task?.status !== "working") break
              yield* Effect.sleep(20)
            }
            return { taskId, task, fetched: (yield* client.request("tasks/result", { taskId })).result }
          })
        // The 2025-11-25 rule: a tool result with isError is a failed task.
        const over = yield* ended(1000)
        // Fails before with [300, 1 MiB]: "completed"
        assert.strictEqual(over.task.status, "failed", JSON.stringify(over.task))
        assert.isTrue(over.fetched.isError)
        assert.match(over.fetched.content[0].text, /^Tool result too large: \d+ bytes \(limit 300\)$/)
        assert.deepStrictEqual(over.fetched._meta, { "io.modelcontextprotocol/related-task": { taskId: over.taskId } })
        // Under the limit: completed, its result as it is.
        const under = yield* ended(3)
        assert.strictEqual(under.task.status, "completed", JSON.stringify(under.task))
        assert.deepStrictEqual(under.fetched.content, [{ type: "text", text: "eee" }])
      }
    }))

  it.live("2025-11-25: a resources/read or prompts/get task whose result is over the limit is failed with the error tasks/result answers", () =>
    Effect.gen(function*() {
      for (const limits of [[300], [300, 1_048_576], [1_048_576, 300]]) {
        const client = yield* rawServer(limits)
        yield* initialize(client, "2025-11-25")
        const ended = (method: string, params: (size: number) => Record<string, unknown>, size: number) =>
          Effect.gen(function*() {
            const created = yield* client.request(method, { ...params(size), task: { ttl: 60_000 } })
            const taskId: string = created.result?.task?.taskId
            assert.isString(taskId, JSON.stringify(created))
            let task: any
            for (let i = 0; i < 250; i++) {
              task = (yield* client.request("tasks/get", { taskId })).result
              if (task?.status !== "working") break
              yield* Effect.sleep(20)
            }
            return { task, fetched: yield* client.request("tasks/result", { taskId }) }
          })
        const read = (size: number) => ({ uri: `test://big/${size}` })
        const get = (size: number) => ({ name: "long", arguments: { size: String(size) } })
        for (const [method, params] of [["resources/read", read], ["prompts/get", get]] as const) {
          const over = yield* ended(method, params, 1000)
          // Fails before: "completed", while tasks/result answered -32603.
          assert.strictEqual(over.task.status, "failed", `${method} ${JSON.stringify(limits)}: ${JSON.stringify(over.task)}`)
          assert.strictEqual(over.fetched.error?.code, -32603, JSON.stringify(over.fetched).slice(0, 300))
          assert.match(over.fetched.error.message, /^Result too large: \d+ bytes \(limit 300\)$/)
          assert.strictEqual(over.task.statusMessage, over.fetched.error.message)
          const under = yield* ended(method, params, 3)
          assert.strictEqual(under.task.status, "completed", JSON.stringify(under.task))
          assert.isUndefined(under.fetched.error, JSON.stringify(under.fetched))
        }
      }
    }))

  it.live("2026-07-28: server/discover (what initialize is to the earlier versions) is not measured by default", () =>
    Effect.gen(function*() {
      const client = yield* rawServer(10)
      // Fails before: -32603 "Result too large" (a 2026 client could not discover a server a 2025 one initializes with).
      const discovered = yield* client.request("server/discover", { _meta: modernMeta() })
      assert.isUndefined(discovered.error, JSON.stringify(discovered))
      assert.include(discovered.result.supportedVersions, "2026-07-28")
      // Every other method is, in that era too; and named in methods, server/discover is.
      const listed = yield* client.request("tools/list", { _meta: modernMeta() })
      assert.strictEqual(listed.error?.code, -32603)
      const named = yield* serveInMemory(
        { name: "size", version: "1.0.0" },
        Layer.mergeAll(Reports, McpServer.middleware(SizeLimit.middleware({ maxBytes: 10, methods: ["server/discover"] })))
      )
      assert.strictEqual((yield* named.request("server/discover", { _meta: modernMeta() })).error?.code, -32603)
    }))

  it.live("2026-07-28: a task's tool result over the limit is the isError result inline in tasks/get", () =>
    Effect.gen(function*() {
      const client = yield* rawServer(400)
      const meta = modernMeta({ extensions: { "io.modelcontextprotocol/tasks": {} } })
      const created = yield* client.request("tools/call", { name: "export", arguments: { times: 1000 }, _meta: meta })
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      const taskId = created.result.taskId
      let task: any
      for (let i = 0; i < 250; i++) {
        const got = yield* client.request("tasks/get", { taskId, _meta: meta })
        assert.isUndefined(got.error, JSON.stringify(got).slice(0, 300))
        task = got.result
        if (task.status !== "working") break
        yield* Effect.sleep(20)
      }
      assert.strictEqual(task.status, "completed", JSON.stringify(task).slice(0, 300))
      assert.isTrue(task.result.isError)
      assert.match(task.result.content[0].text, /^Tool result too large: \d+ bytes \(limit 400\)$/)
    }))
})

describe("SizeLimit and 2026-07-28 input (MRTR, a task's inputRequests)", () => {
  const document = "All work and no play. ".repeat(100)
  const summary = (text: string) => `Summary: ${text.slice(0, 20)}`
  const samplingOf = (taskFirst: boolean) =>
    Effect.gen(function*() {
      if (taskFirst) yield* McpContext.becomeTask
      const sampled = yield* McpContext.sample({
        messages: [{ role: "user", content: { type: "text", text: `Summarize: ${document}` } }],
        maxTokens: 50
      }, { inputKey: "summary" })
      const content = sampled.content as { readonly type: string; readonly text?: string }
      return summary(content.type === "text" ? content.text ?? "?" : "?")
    }).pipe(Effect.orDie)
  const Summarize = McpServer.tool({ name: "summarize", handler: () => samplingOf(false) })
  const SummarizeLater = McpServer.tool({ name: "summarize_later", execution: { taskSupport: "optional" }, handler: () => samplingOf(true) })
  const Briefing = McpServer.prompt({
    name: "briefing",
    handler: () =>
      Effect.map(
        McpContext.elicit(`Which part of this matters? ${document}`, Schema.Struct({ part: Schema.String }), { inputKey: "part" }),
        (answer) => `Brief on ${answer.action === "accept" ? answer.content.part : "all of it"}`
      ).pipe(Effect.orDie)
  })
  const answers = {
    summary: { role: "assistant", content: { type: "text", text: "Dull Jack" }, model: "m", stopReason: "endTurn" },
    part: { action: "accept", content: { part: "the play" } }
  }

  // Fails before: the round's input_required (the question: a sampling request with the
  // document, 2,500 bytes) was replaced as if it were the tool's result, "Tool result too large"
  // (the prompt's: -32603 "Result too large"; the task's tasks/get: -32603, the task then
  // unreadable while it waited), so the question was never asked, where a 2025-11-25 session
  // sends it (a request to the client, not a result) whatever the limit.
  it.live("a question over the limit is asked, in a round and in a task; the answer over it is still replaced", () =>
    Effect.gen(function*() {
      const client = yield* serveInMemory(
        { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(Summarize, SummarizeLater, Briefing, McpServer.middleware(SizeLimit.middleware({ maxBytes: 1000 })))
      )
      const meta = modernMeta({ sampling: {}, elicitation: {}, extensions: { "io.modelcontextprotocol/tasks": {} } })
      const asked = yield* client.request("tools/call", { name: "summarize", arguments: {}, _meta: meta })
      assert.strictEqual(asked.result?.resultType, "input_required", JSON.stringify(asked).slice(0, 300))
      assert.isAbove(bytesOf(asked.result), 1000)
      assert.include(asked.result.inputRequests.summary.params.messages[0].content.text, document)
      const done = yield* client.request("tools/call", {
        name: "summarize",
        arguments: {},
        _meta: meta,
        inputResponses: { summary: answers.summary },
        requestState: asked.result.requestState
      })
      assert.deepStrictEqual(done.result?.content, [{ type: "text", text: "Summary: Dull Jack" }], JSON.stringify(done).slice(0, 300))

      const prompt = yield* client.request("prompts/get", { name: "briefing", _meta: meta })
      assert.strictEqual(prompt.result?.resultType, "input_required", JSON.stringify(prompt).slice(0, 300))
      const briefed = yield* client.request("prompts/get", {
        name: "briefing",
        _meta: meta,
        inputResponses: { part: answers.part },
        requestState: prompt.result.requestState
      })
      assert.strictEqual(briefed.result?.messages?.[0]?.content?.text, "Brief on the play", JSON.stringify(briefed).slice(0, 300))

      const created = yield* client.request("tools/call", { name: "summarize_later", arguments: {}, _meta: meta })
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created).slice(0, 300))
      const taskId = created.result.taskId
      let task: any
      for (let i = 0; i < 250; i++) {
        const got = yield* client.request("tasks/get", { taskId, _meta: meta })
        assert.isUndefined(got.error, JSON.stringify(got).slice(0, 300))
        task = got.result
        if (task.status !== "working") break
        yield* Effect.sleep(20)
      }
      assert.strictEqual(task.status, "input_required", JSON.stringify(task).slice(0, 300))
      assert.deepStrictEqual(Object.keys(task.inputRequests), ["summary"])
      yield* client.request("tasks/update", { taskId, inputResponses: { summary: answers.summary }, _meta: meta })
      for (let i = 0; i < 250 && task.status !== "completed"; i++) {
        yield* Effect.sleep(20)
        task = (yield* client.request("tasks/get", { taskId, _meta: meta })).result
      }
      assert.deepStrictEqual(task.result?.content, [{ type: "text", text: "Summary: Dull Jack" }], JSON.stringify(task).slice(0, 300))

      // What the handler makes is still measured.
      const Long = McpServer.tool({ name: "long", handler: () => Effect.succeed("x".repeat(2000)) })
      const limited = yield* serveInMemory(
        { name: "size", version: "1.0.0" },
        Layer.mergeAll(Long, McpServer.middleware(SizeLimit.middleware({ maxBytes: 1000 })))
      )
      const long = yield* limited.request("tools/call", { name: "long", arguments: {}, _meta: meta })
      assert.match(long.result?.content?.[0]?.text, /^Tool result too large: \d+ bytes \(limit 1000\)$/)
    }))
})

describe("SizeLimit measures a 2026-07-28 call that may become a task once", () => {
  /** A task-supporting tool answered at once (never a task), its text marked. */
  const Marked = McpServer.tool({
    name: "marked",
    execution: { taskSupport: "optional" },
    handler: () => Effect.succeed("measure-me-once")
  })
  // Fails before: 2. The task's limit (6912836b) measured the work's result as it ended, whether
  // or not the call became a task, and the request's measured the same result again: one more
  // serialization of every such call's result.
  it.live("a call answered directly is serialized once to be measured", () =>
    Effect.gen(function*() {
      const client = yield* serveInMemory(
        { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(Marked, McpServer.middleware(SizeLimit.middleware({ maxBytes: 4_000 })))
      )
      const meta = modernMeta({ extensions: { "io.modelcontextprotocol/tasks": {} } })
      const stringify = JSON.stringify
      let serialized = 0
      const answer = yield* Effect.acquireUseRelease(
        Effect.sync(() => {
          JSON.stringify = function(this: unknown, ...args: Parameters<typeof stringify>) {
            const json = stringify.apply(this, args)
            if (typeof json === "string" && json.includes("measure-me-once")) serialized++
            return json
          } as typeof stringify
        }),
        () => client.request("tools/call", { name: "marked", arguments: {}, _meta: meta }),
        () => Effect.sync(() => JSON.stringify = stringify)
      )
      assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "measure-me-once" }], stringify(answer))
      assert.strictEqual(serialized, 1)
    }))
})
