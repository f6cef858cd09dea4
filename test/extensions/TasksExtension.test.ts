/**
 * The tasks extension of MCP 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663) over stateless
 * Streamable HTTP, driven by raw 2026 requests (`_meta` per request, SEP-2243 headers) against the
 * everything server's fixtures (examples/fixtures/tasks-extension.ts) plus probe tools of the test's
 * own: the capability, the flat `CreateTaskResult`, `tasks/get` with the outcome inline, the
 * server's decision (promoted, answered directly, a required tool always a task), gating by the
 * per-request declaration (-32021), removed methods (-32601), cancellation (idempotent ack; the
 * work interrupted, also while it waits for input), `tasks/update` (partial answers, unknown keys
 * dropped), routing headers (-32020), MRTR then task, principal binding, and TTL expiry.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { McpContext, McpError, McpServer, Middleware } from "../../src/index.ts"
import { nestedText } from "../http/support.ts"
import { connectRaw, startServer } from "../server/McpServerHarness.ts"
import {
  type Answer,
  connectModern,
  isIsoTimestamp,
  isTerminal,
  metaOf,
  modern,
  pollTask,
  serveHttp,
  TASKS,
  withTasks
} from "./support.ts"

/** What a probe tool's handler did: started, finished, was interrupted. */
const makeProbe = () => ({ started: 0, finished: 0, interrupted: 0 })
type Probe = ReturnType<typeof makeProbe>

/** Probe tools: a task-supporting sleeper, one that waits for a confirmation as a task, a quick required one. */
const probeTools = (probe: Probe) =>
  Layer.mergeAll(
    McpServer.tool({
      name: "probe_sleep",
      execution: { taskSupport: "optional" },
      parameters: { ms: Schema.Number },
      handler: ({ ms }) =>
        Effect.gen(function*() {
          probe.started++
          yield* Effect.sleep(ms)
          probe.finished++
          return `slept ${ms} ms`
        }).pipe(Effect.onInterrupt(() => Effect.sync(() => void probe.interrupted++)))
    }),
    McpServer.tool({
      name: "probe_confirm",
      execution: { taskSupport: "optional" },
      handler: () =>
        Effect.gen(function*() {
          probe.started++
          yield* McpContext.becomeTask
          const outcome = yield* McpContext.elicit("Sure?", Schema.Struct({ confirm: Schema.Boolean })).pipe(
            Effect.orElseSucceed(() => undefined)
          )
          probe.finished++
          return outcome?.action === "accept" ? "confirmed" : "not confirmed"
        }).pipe(Effect.onInterrupt(() => Effect.sync(() => void probe.interrupted++)))
    }),
    McpServer.tool({
      name: "gone_required",
      execution: { taskSupport: "required" },
      parameters: { url: Schema.Boolean },
      // The URL elicitation required once the call is a task (`becomeTask`): before it, it is
      // asked by multi round-trip (input_required, no task), as a stop for input is.
      handler: ({ url }) =>
        url
          ? Effect.andThen(
            McpContext.becomeTask,
            Effect.fail(new McpError.UrlElicitationRequired({ elicitations: [{ mode: "url", elicitationId: "e1", url: "https://x.example", message: "m" }] }))
          )
          : Effect.fail(new McpError.JsonRpcError({ code: -32002, message: "Resource not found: x://gone", data: { uri: "x://gone" } }))
    }),
    McpServer.tool({
      name: "url_later",
      execution: { taskSupport: "optional" },
      // Made a task by the server (promoteAfterMillis), then requires a URL elicitation.
      handler: () =>
        Effect.andThen(
          Effect.sleep(300),
          Effect.fail(new McpError.UrlElicitationRequired({ message: "Sign in later", elicitations: [{ mode: "url", elicitationId: "e2", url: "https://x.example", message: "m" }] }))
        )
    }),
    McpServer.tool({
      name: "quick_required",
      execution: { taskSupport: "required" },
      handler: () => Effect.succeed("quick and required")
    })
  )

/** The everything server (plus probes and `extra`) over stateless HTTP, with `tasks` options. */
const serve = (
  tasks: McpServer.TaskOptions = {},
  probe: Probe = makeProbe(),
  extra: Layer.Layer<never, never, McpServer.McpServer> = Layer.empty
) => serveHttp({ ...options, tasks: McpServer.tasks(tasks) }, Layer.mergeAll(components, probeTools(probe), extra), { stateless: true })

/** A 2026 client of `url` declaring the tasks extension (and elicitation) on every request unless told otherwise. */
const clientOf = (url: string, headers: Record<string, string> = {}) => {
  const meta = withTasks({ elicitation: {} })
  const call = (name: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, callMeta = meta) =>
    modern(url, "tools/call", { name, arguments: args, ...extra }, { meta: callMeta, headers })
  const get = (taskId: string, getMeta = meta) => modern(url, "tasks/get", { taskId }, { meta: getMeta, headers })
  const update = (taskId: string, inputResponses: Record<string, unknown>) =>
    modern(url, "tasks/update", { taskId, inputResponses }, { meta, headers })
  const cancel = (taskId: string) => modern(url, "tasks/cancel", { taskId }, { meta, headers })
  const poll = (taskId: string, until: (task: any) => boolean = isTerminal, timeoutMillis = 5_000) =>
    pollTask(() => get(taskId).then((answer) => answer.message), until, timeoutMillis)
  /** Creates a task with `name` (fails the test unless the answer is a CreateTaskResult). */
  const create = async (name: string, args: Record<string, unknown> = {}) => {
    const answer = await call(name, args)
    if (answer.message.result?.resultType !== "task") throw new Error(`not a task: ${JSON.stringify(answer)}`)
    return answer.message.result as { readonly taskId: string; readonly status: string; readonly [key: string]: unknown }
  }
  return { call, get, update, cancel, poll, create }
}

const run = <A>(body: () => Promise<A>) => Effect.promise(body)

/** Asserts an empty ack: HTTP 200, `resultType: "complete"` and nothing else (but `_meta`). */
const assertAck = (answer: Answer, what: string) => {
  assert.strictEqual(answer.status, 200, what)
  assert.isUndefined(answer.message.error, `${what}: ${JSON.stringify(answer.message)}`)
  const { _meta, ...rest } = answer.message.result
  assert.deepStrictEqual(rest, { resultType: "complete" }, what)
}

const accept = (content: Record<string, unknown>) => ({ action: "accept", content })

describe("tasks extension: capability and shapes", () => {
  it.live("server/discover declares the extension and no core tasks capability; initialize (2025) does not declare it", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const discovered = yield* run(() => modern(url, "server/discover"))
      assert.deepStrictEqual(discovered.message.result.capabilities.extensions[TASKS], {})
      assert.notProperty(discovered.message.result.capabilities, "tasks")
      const tools = (yield* run(() => modern(url, "tools/list"))).message.result.tools as Array<any>
      for (const name of ["greet", "slow_compute", "failing_job", "protocol_error_job", "confirm_delete", "multi_input", "test_tool_with_task"]) {
        const tool = tools.find((t) => t.name === name)
        assert.isDefined(tool, name)
        assert.notProperty(tool, "execution", `${name}: no Tool.execution in 2026-07-28`)
      }
      const initialized = yield* run(() =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "0" } }
          })
        }).then((response) => response.json() as Promise<any>)
      )
      assert.isDefined(initialized.result.capabilities.tasks, "2025-11-25 keeps core tasks")
      assert.notProperty(initialized.result.capabilities.extensions ?? {}, TASKS)
    }))

  it.live("a slow tool: flat CreateTaskResult, an immediate tasks/get resolves, then completed with the result inline", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const answer = yield* run(() => client.call("slow_compute", { seconds: 0.4, label: "sum" }))
      assert.strictEqual(answer.status, 200)
      const created = answer.message.result
      assert.strictEqual(created.resultType, "task")
      assert.isString(created.taskId)
      assert.isAtLeast(created.taskId.length, 16, "task ids are unguessable")
      assert.strictEqual(created.status, "working")
      assert.isTrue(isIsoTimestamp(created.createdAt), created.createdAt)
      assert.isTrue(isIsoTimestamp(created.lastUpdatedAt), created.lastUpdatedAt)
      assert.isTrue(Number.isInteger(created.ttlMs) && created.ttlMs > 0, String(created.ttlMs))
      assert.isTrue(Number.isInteger(created.pollIntervalMs) && created.pollIntervalMs > 0, String(created.pollIntervalMs))
      for (const key of ["task", "ttl", "pollInterval", "result", "error", "inputRequests", "requestState", "content"]) {
        assert.notProperty(created, key)
      }
      // durable before it is answered: an immediate tasks/get resolves
      const got = (yield* run(() => client.get(created.taskId))).message.result
      assert.strictEqual(got.resultType, "complete")
      assert.strictEqual(got.taskId, created.taskId)
      assert.strictEqual(got.status, "working")
      assert.strictEqual(got.createdAt, created.createdAt)
      assert.notProperty(got, "result")
      const done = yield* run(() => client.poll(created.taskId))
      assert.strictEqual(done.status, "completed")
      assert.strictEqual(done.resultType, "complete")
      assert.deepStrictEqual(done.result.content, [{ type: "text", text: "sum: computed in 0.4 s" }])
      assert.notProperty(done.result._meta ?? {}, "io.modelcontextprotocol/related-task")
      assert.notProperty(done, "requestState")
      assert.notProperty(done, "error")
      assert.isTrue(isIsoTimestamp(done.lastUpdatedAt))
      assert.isAtLeast(Date.parse(done.lastUpdatedAt), Date.parse(created.createdAt))
      // still readable a while after it ended
      yield* Effect.sleep(500)
      assert.strictEqual((yield* run(() => client.get(created.taskId))).message.result.status, "completed")
    }))

  it.live("a tool result with isError completes the task (not failed); a JSON-RPC error fails it with the error inline", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const failing = yield* run(() => client.create("failing_job"))
      const protocol = yield* run(() => client.create("protocol_error_job"))
      const toolError = yield* run(() => client.poll(failing.taskId))
      assert.strictEqual(toolError.status, "completed")
      assert.isTrue(toolError.result.isError)
      assert.strictEqual(toolError.result.content[0].text, "The job failed: the input was rejected")
      assert.notProperty(toolError, "error")
      const rpcError = yield* run(() => client.poll(protocol.taskId))
      assert.strictEqual(rpcError.status, "failed")
      assert.deepStrictEqual(rpcError.error, { code: -32603, message: "The job failed at the protocol level" })
      assert.notProperty(rpcError, "result")
      // The error as 2026-07-28 has it: resource-not-found -32602 (SEP-2164).
      const notFound = yield* run(() => client.create("gone_required", { url: false }))
      const urlRequired = yield* run(() => client.create("gone_required", { url: true }))
      assert.deepStrictEqual((yield* run(() => client.poll(notFound.taskId))).error, {
        code: -32602,
        message: "Resource not found: x://gone",
        data: { uri: "x://gone" }
      })
      // A URL elicitation required from a client that did not declare elicitation.url (this one
      // declares form elicitation only): -32021 naming what to declare, as the call answered
      // before it is a task is (not -32603, the retired -32042's code in 2026-07-28).
      assert.deepStrictEqual((yield* run(() => client.poll(urlRequired.taskId))).error, {
        code: -32021,
        message: "Missing required client capability: elicitation.url (URL elicitation required)",
        data: { requiredCapabilities: { elicitation: { url: {} } } }
      })
      // The same for a call the server made a task, with the failure's own message.
      const later = yield* run(() => client.create("url_later"))
      assert.deepStrictEqual((yield* run(() => client.poll(later.taskId))).error, {
        code: -32021,
        message: "Missing required client capability: elicitation.url (Sign in later)",
        data: { requiredCapabilities: { elicitation: { url: {} } } }
      })
    }))

  it.live("the server decides: a call that ends within promoteAfterMillis is answered directly; a required tool is always a task", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { url } = yield* serve({}, probe)
      const client = clientOf(url)
      const fast = (yield* run(() => client.call("slow_compute", { seconds: 0 }))).message.result
      assert.strictEqual(fast.resultType, "complete")
      assert.deepStrictEqual(fast.content, [{ type: "text", text: "result: computed in 0 s" }])
      assert.notProperty(fast, "taskId")
      // a required tool that ends at once: a task that already ended
      const required = (yield* run(() => client.call("quick_required"))).message.result
      assert.strictEqual(required.resultType, "task")
      assert.strictEqual(required.status, "completed")
      const got = (yield* run(() => client.get(required.taskId))).message.result
      assert.deepStrictEqual(got.result.content, [{ type: "text", text: "quick and required" }])
      // a sync tool never becomes a task, however long it runs
      const greet = (yield* run(() => client.call("greet", { name: "Ada" }))).message.result
      assert.deepStrictEqual([greet.resultType, greet.content[0].text], ["complete", "Hello, Ada!"])

      // with a longer promoteAfterMillis, a 300 ms call is answered directly
      const patient = yield* serve({ promoteAfterMillis: 2_000 }, probe)
      const direct = (yield* run(() => clientOf(patient.url).call("probe_sleep", { ms: 300 }))).message.result
      assert.strictEqual(direct.resultType, "complete")
      assert.strictEqual(direct.content[0].text, "slept 300 ms")
      // and a shorter one promotes a 300 ms call
      const eager = yield* serve({ promoteAfterMillis: 20 }, probe)
      const promoted = (yield* run(() => clientOf(eager.url).call("probe_sleep", { ms: 300 }))).message.result
      assert.strictEqual(promoted.resultType, "task")
    }))

  it.live("a legacy params.task is ignored: a sync tool stays sync, a fast task-supporting call stays direct", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const greet = yield* run(() => client.call("greet", { name: "legacy" }, { task: { ttl: 60_000, pollInterval: 500 } }))
      assert.strictEqual(greet.status, 200)
      assert.deepStrictEqual(greet.message.result.content, [{ type: "text", text: "Hello, legacy!" }])
      assert.strictEqual(greet.message.result.resultType, "complete")
      const fast = yield* run(() => client.call("slow_compute", { seconds: 0 }, { task: { ttl: 60_000 } }))
      assert.strictEqual(fast.message.result.resultType, "complete")
      // the task's TTL is the server's, not the legacy hint's
      const slow = yield* run(() => client.call("slow_compute", { seconds: 0.3 }, { task: { ttl: 1_234 } }))
      assert.strictEqual(slow.message.result.resultType, "task")
      assert.strictEqual(slow.message.result.ttlMs, 3_600_000)
    }))
})

describe("tasks extension: gating and errors", () => {
  it.live("without the extension: an optional tool runs synchronously, a required one is -32021 with requiredCapabilities", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const plain = metaOf({ elicitation: {} })
      const sync = yield* run(() => client.call("slow_compute", { seconds: 0.3, label: "sync" }, {}, plain))
      assert.strictEqual(sync.status, 200)
      assert.strictEqual(sync.message.result.resultType, "complete")
      assert.deepStrictEqual(sync.message.result.content, [{ type: "text", text: "sync: computed in 0.3 s" }])
      assert.notProperty(sync.message.result, "taskId")
      for (const name of ["failing_job", "test_tool_with_task", "quick_required"]) {
        const refused = yield* run(() => client.call(name, {}, {}, plain))
        assert.strictEqual(refused.status, 400, name)
        assert.strictEqual(refused.message.error.code, -32021, name)
        assert.deepStrictEqual(refused.message.error.data, { requiredCapabilities: { extensions: { [TASKS]: {} } } }, name)
      }
      // the declaration is per request: the next request that declares it gets a task
      const task = yield* run(() => client.call("slow_compute", { seconds: 0.3 }))
      assert.strictEqual(task.message.result.resultType, "task")
      // a legacy-style tasks capability is not the extension
      const legacy = yield* run(() => client.call("failing_job", {}, {}, metaOf({ tasks: { requests: { tools: { call: {} } } } })))
      assert.strictEqual(legacy.message.error.code, -32021)
    }))

  it.live("tasks/get, tasks/update and tasks/cancel without the extension: -32021 (before looking up the task)", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const task = yield* run(() => client.create("slow_compute", { seconds: 5 }))
      for (const taskId of [task.taskId, "no-such-task"]) {
        for (const [method, params] of [
          ["tasks/get", { taskId }],
          ["tasks/update", { taskId, inputResponses: {} }],
          ["tasks/cancel", { taskId }]
        ] as const) {
          const refused = yield* run(() => modern(url, method, params, { meta: metaOf({ elicitation: {} }) }))
          assert.strictEqual(refused.message.error?.code, -32021, `${method} ${taskId}`)
          assert.strictEqual(refused.status, 400)
          assert.deepStrictEqual(refused.message.error.data, { requiredCapabilities: { extensions: { [TASKS]: {} } } })
        }
      }
      // the undeclared cancel did not cancel it
      assert.strictEqual((yield* run(() => client.get(task.taskId))).message.result.status, "working")
      assertAck(yield* run(() => client.cancel(task.taskId)), "cancel")
    }))

  it.live("tasks/* without the extension and with malformed params: -32021 (the capability before the params)", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      for (const method of ["tasks/get", "tasks/update", "tasks/cancel"]) {
        for (const params of [{}, { taskId: 7 }]) {
          const refused = yield* run(() => modern(url, method, params, { meta: metaOf({ elicitation: {} }) }))
          assert.strictEqual(refused.message.error?.code, -32021, `${method} ${JSON.stringify(params)}`)
          assert.strictEqual(refused.status, 400)
          assert.deepStrictEqual(refused.message.error.data, { requiredCapabilities: { extensions: { [TASKS]: {} } } })
        }
        // declared, the same params are -32602
        const invalid = yield* run(() => modern(url, method, {}, { meta: withTasks() }))
        assert.strictEqual(invalid.message.error?.code, -32602, method)
      }
    }))

  it.live("an unknown taskId is -32602 for get, update and cancel; invalid params are -32602", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      for (const answer of [
        yield* run(() => client.get("AAAAAAAAAAAAAAAAAAAAAA")),
        yield* run(() => client.update("AAAAAAAAAAAAAAAAAAAAAA", { x: 1 })),
        yield* run(() => client.cancel("AAAAAAAAAAAAAAAAAAAAAA"))
      ]) {
        assert.strictEqual(answer.message.error?.code, -32602, JSON.stringify(answer.message))
        assert.include(answer.message.error.message, "AAAAAAAAAAAAAAAAAAAAAA")
      }
      const noInput = yield* run(() => modern(url, "tasks/update", { taskId: "x" }, { meta: withTasks() }))
      assert.strictEqual(noInput.message.error?.code, -32602)
      const badId = yield* run(() => modern(url, "tasks/get", { taskId: 42 }, { meta: withTasks(), headers: { "mcp-name": "42" } }))
      assert.strictEqual(badId.message.error?.code, -32602)
    }))

  it.live("tasks/result and tasks/list are removed: -32601, even for valid requests that declared the extension", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const task = yield* run(() => client.create("slow_compute", { seconds: 0.2 }))
      yield* run(() => client.poll(task.taskId))
      for (const meta of [withTasks(), metaOf()]) {
        const result = yield* run(() => modern(url, "tasks/result", { taskId: task.taskId }, { meta }))
        assert.strictEqual(result.message.error?.code, -32601)
        const list = yield* run(() => modern(url, "tasks/list", {}, { meta }))
        assert.strictEqual(list.message.error?.code, -32601)
      }
    }))

  it.live("routing headers: Mcp-Name must be the taskId (-32020, HTTP 400); a matching one is served", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const task = yield* run(() => client.create("slow_compute", { seconds: 5 }))
      for (const method of ["tasks/get", "tasks/cancel", "tasks/update"]) {
        const params = method === "tasks/update" ? { taskId: task.taskId, inputResponses: {} } : { taskId: task.taskId }
        for (const name of ["other-task", undefined]) {
          const refused = yield* run(() => modern(url, method, params, { meta: withTasks(), headers: { "mcp-name": name } }))
          assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020], `${method} ${name}`)
        }
      }
      const wrongMethod = yield* run(() =>
        modern(url, "tools/call", { name: "greet", arguments: { name: "x" } }, { meta: withTasks(), headers: { "mcp-method": "tasks/get" } })
      )
      assert.deepStrictEqual([wrongMethod.status, wrongMethod.message.error?.code], [400, -32020])
      // nothing was cancelled by the refused requests
      assert.strictEqual((yield* run(() => client.get(task.taskId))).message.result.status, "working")
      const greet = yield* run(() => client.call("greet", { name: "sep-2243" }))
      assert.strictEqual(greet.message.result.content[0].text, "Hello, sep-2243!")
      assertAck(yield* run(() => client.cancel(task.taskId)), "cancel")
    }))
})

describe("tasks extension: cancellation", () => {
  it.live("cancelling a running task: an empty ack, status cancelled, its work interrupted; again (and on an ended task): the same ack", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { url } = yield* serve({}, probe)
      const client = clientOf(url)
      const task = yield* run(() => client.create("probe_sleep", { ms: 60_000 }))
      assert.strictEqual(probe.started, 1)
      assertAck(yield* run(() => client.cancel(task.taskId)), "first cancel")
      const cancelled = (yield* run(() => client.get(task.taskId))).message.result
      assert.strictEqual(cancelled.status, "cancelled")
      assert.notProperty(cancelled, "result")
      assert.notProperty(cancelled, "error")
      yield* Effect.sleep(100)
      assert.deepStrictEqual(probe, { started: 1, finished: 0, interrupted: 1 })
      assertAck(yield* run(() => client.cancel(task.taskId)), "second cancel")
      assert.strictEqual((yield* run(() => client.get(task.taskId))).message.result.status, "cancelled")

      // the conformance fixture, too
      const slow = yield* run(() => client.create("slow_compute", { seconds: 60 }))
      assertAck(yield* run(() => client.cancel(slow.taskId)), "cancel slow_compute")
      assert.strictEqual((yield* run(() => client.get(slow.taskId))).message.result.status, "cancelled")

      // an already completed task: the same ack, and it stays completed
      const done = yield* run(() => client.create("slow_compute", { seconds: 0.2 }))
      assert.strictEqual((yield* run(() => client.poll(done.taskId))).status, "completed")
      assertAck(yield* run(() => client.cancel(done.taskId)), "cancel of a completed task")
      const still = (yield* run(() => client.get(done.taskId))).message.result
      assert.strictEqual(still.status, "completed")
      assert.isDefined(still.result)
    }))

  it.live("cancelling a task waiting in input_required: cancelled, its inputs gone, its handler interrupted; a later answer changes nothing", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { url } = yield* serve({}, probe)
      const client = clientOf(url)
      // the conformance fixture
      const task = yield* run(() => client.create("confirm_delete", { filename: "a.txt" }))
      const waiting = yield* run(() => client.poll(task.taskId, (t) => t.status === "input_required"))
      const [key] = Object.keys(waiting.inputRequests)
      assertAck(yield* run(() => client.cancel(task.taskId)), "cancel")
      const cancelled = (yield* run(() => client.get(task.taskId))).message.result
      assert.strictEqual(cancelled.status, "cancelled")
      assert.notProperty(cancelled, "inputRequests")
      assertAck(yield* run(() => client.update(task.taskId, { [key!]: accept({ confirm: true }) })), "late update")
      yield* Effect.sleep(200)
      const after = (yield* run(() => client.get(task.taskId))).message.result
      assert.strictEqual(after.status, "cancelled")
      assert.notProperty(after, "result")

      // a probe of the same shape: the handler fiber is interrupted, not left waiting
      const probed = yield* run(() => client.create("probe_confirm"))
      yield* run(() => client.poll(probed.taskId, (t) => t.status === "input_required"))
      assertAck(yield* run(() => client.cancel(probed.taskId)), "cancel probe")
      yield* Effect.sleep(100)
      assert.deepStrictEqual(probe, { started: 1, finished: 0, interrupted: 1 })
    }))
})

describe("tasks extension: input by tasks/update", () => {
  it.live("confirm_delete: input_required with one elicitation, the answer acked, then completed", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const task = yield* run(() => client.create("confirm_delete", { filename: "notes.txt" }))
      const waiting = yield* run(() => client.poll(task.taskId, (t) => t.status === "input_required"))
      assert.notProperty(waiting, "requestState")
      const entries = Object.entries(waiting.inputRequests) as Array<[string, any]>
      assert.strictEqual(entries.length, 1)
      const [key, request] = entries[0]!
      assert.strictEqual(request.method, "elicitation/create")
      assert.strictEqual(request.params.message, "Delete notes.txt?")
      // polled again: the same snapshot (same key)
      assert.deepStrictEqual(Object.keys((yield* run(() => client.get(task.taskId))).message.result.inputRequests), [key])
      assertAck(yield* run(() => client.update(task.taskId, { [key]: accept({ confirm: true }) })), "update")
      const done = yield* run(() => client.poll(task.taskId))
      assert.strictEqual(done.status, "completed")
      assert.deepStrictEqual(done.result.content, [{ type: "text", text: "Deleted notes.txt" }])
      assert.notProperty(done, "inputRequests")
      // a decline keeps the file
      const declined = yield* run(() => client.create("confirm_delete", { filename: "keep.txt" }))
      const asked = yield* run(() => client.poll(declined.taskId, (t) => t.status === "input_required"))
      assertAck(yield* run(() => client.update(declined.taskId, { [Object.keys(asked.inputRequests)[0]!]: { action: "decline" } })), "decline")
      assert.strictEqual((yield* run(() => client.poll(declined.taskId))).result.content[0].text, "Kept keep.txt")
    }))

  it.live("tasks/update: an answer nested deeper than 64 levels is -32602, and the task still waits for its input", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const task = yield* run(() => client.create("confirm_delete", { filename: "deep.txt" }))
      const waiting = yield* run(() => client.poll(task.taskId, (t) => t.status === "input_required"))
      const key = Object.keys(waiting.inputRequests)[0]!
      // Sent as text: nested this deep, the test's own JSON.stringify would overflow its stack.
      const refused = yield* run(() =>
        modern(url, "tasks/update", { taskId: task.taskId, inputResponses: { [key]: { ...accept({ confirm: true }), extra: "DEEP" } } }, {
          meta: withTasks({ elicitation: {} }),
          rawValues: { DEEP: nestedText(10_000) }
        })
      )
      assert.strictEqual(refused.message.error?.code, -32602, JSON.stringify(refused.message).slice(0, 300))
      assert.include(refused.message.error.message, "nested deeper than 64 levels")
      assert.strictEqual((yield* run(() => client.get(task.taskId))).message.result.status, "input_required")
      assertAck(yield* run(() => client.update(task.taskId, { [key]: accept({ confirm: true }) })), "update")
      assert.strictEqual((yield* run(() => client.poll(task.taskId))).status, "completed")
    }))

  // Fails before: an answer of the wrong shape was dropped (acked, the input left listed): the
  // handler never knew, and the task waited for a valid answer a client may never send.
  it.live("tasks/update: an answer that is not a result of its request's method is acked, and ClientResultInvalid to the handler (as in MRTR); one whose content does not match the form, ElicitationInvalid", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      // A CreateTaskResult too: 2026-07-28 asks for no task this way (it was taken: the work got
      // `{ action: undefined }` and the task completed "Kept shape.txt").
      const taskCreated = {
        task: { taskId: "t1", status: "working", createdAt: "2026-01-01T00:00:00Z", lastUpdatedAt: "2026-01-01T00:00:00Z", ttl: null }
      }
      const cases = [
        [12345, "SchemaError"],
        [{ action: "accept", content: "not an object" }, "SchemaError"],
        [{ action: "maybe" }, "SchemaError"],
        [null, "SchemaError"],
        [taskCreated, "SchemaError"],
        [accept({ confirm: "yes" }), "does not match the form"]
      ] as const
      for (const [bad, expected] of cases) {
        const task = yield* run(() => client.create("confirm_delete", { filename: "shape.txt" }))
        const waiting = yield* run(() => client.poll(task.taskId, (t) => t.status === "input_required"))
        const key = Object.keys(waiting.inputRequests)[0]!
        assertAck(yield* run(() => client.update(task.taskId, { [key]: bad })), `update with ${JSON.stringify(bad)}`)
        // confirm_delete turns the failure (ClientResultInvalid, ElicitationInvalid) into a tool error saying what is wrong.
        const done = yield* run(() => client.poll(task.taskId))
        assert.strictEqual(done.status, "completed", JSON.stringify(done))
        assert.isTrue(done.result.isError, JSON.stringify(done))
        assert.include(done.result.content[0].text, "No confirmation: ", JSON.stringify(done))
        assert.include(done.result.content[0].text, expected, JSON.stringify(done))
      }
    }))

  it.live("multi_input: two keys pending at once; a partial answer (and unknown keys) acked; completed once both are answered", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const task = yield* run(() => client.create("multi_input"))
      const waiting = yield* run(() =>
        client.poll(task.taskId, (t) => t.status === "input_required" && Object.keys(t.inputRequests).length === 2)
      )
      assert.deepStrictEqual(Object.keys(waiting.inputRequests).sort(), ["first", "second"])
      for (const request of Object.values(waiting.inputRequests) as Array<any>) assert.strictEqual(request.method, "elicitation/create")
      assertAck(yield* run(() => client.update(task.taskId, { first: accept({ name: "Ada" }), "no-such-key": { x: 1 } })), "partial")
      const partial = yield* run(() =>
        client.poll(task.taskId, (t) => t.status !== "input_required" || Object.keys(t.inputRequests).length === 1)
      )
      assert.strictEqual(partial.status, "input_required")
      assert.deepStrictEqual(Object.keys(partial.inputRequests), ["second"])
      // an answered key answered again, and only unknown keys: acked, nothing changes
      assertAck(yield* run(() => client.update(task.taskId, { first: accept({ name: "Eve" }) })), "answered again")
      assertAck(yield* run(() => client.update(task.taskId, { bogus: 1 })), "unknown only")
      assertAck(yield* run(() => client.update(task.taskId, {})), "empty")
      assert.deepStrictEqual(Object.keys((yield* run(() => client.get(task.taskId))).message.result.inputRequests), ["second"])
      assertAck(yield* run(() => client.update(task.taskId, { second: accept({ name: "Lovelace" }) })), "rest")
      const done = yield* run(() => client.poll(task.taskId))
      assert.strictEqual(done.status, "completed")
      assert.strictEqual(done.result.content[0].text, "Got Ada and Lovelace")
      // tasks/update on an ended task: acked
      assertAck(yield* run(() => client.update(task.taskId, { second: accept({ name: "late" }) })), "after the end")
    }))

  it.live("MRTR then task (test_tool_with_task): round 1 input_required without taskId, round 2 a CreateTaskResult, result with the name", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const client = clientOf(url)
      const first = (yield* run(() => client.call("test_tool_with_task"))).message.result
      assert.strictEqual(first.resultType, "input_required")
      assert.notProperty(first, "taskId")
      assert.deepStrictEqual(Object.keys(first.inputRequests), ["user_name"])
      assert.strictEqual(first.inputRequests.user_name.method, "elicitation/create")
      assert.isString(first.requestState)
      const second = (yield* run(() =>
        client.call("test_tool_with_task", {}, {
          inputResponses: { user_name: accept({ name: "Alice" }) },
          requestState: first.requestState
        })
      )).message.result
      assert.strictEqual(second.resultType, "task", JSON.stringify(second))
      assert.notProperty(second, "requestState")
      assert.notProperty(second, "inputRequests")
      assert.isString(second.taskId)
      const done = yield* run(() => client.poll(second.taskId))
      assert.strictEqual(done.status, "completed")
      assert.include(done.result.content[0].text, "Alice")
    }))
})

describe("tasks extension: owners and lifetime", () => {
  /** `x-user: <name>` makes the request the principal `<name>` (a stand-in for authentication). */
  const Auth = McpServer.middleware(Middleware.make("header-auth", {
    onRequest: (request, context, next) => {
      const user = context.http?.headers["x-user"]
      return user === undefined
        ? next(request)
        : next(request, context.with({ principal: { subject: user, scopes: [], claims: {} } }))
    }
  }))

  it.live("a principal's tasks: another principal (or an anonymous caller) gets -32602 exactly as for an unknown id", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({}, makeProbe(), Auth)
      const alice = clientOf(url, { "x-user": "alice" })
      const aliceAgain = clientOf(url, { "x-user": "alice" })
      const task = yield* run(() => alice.create("confirm_delete", { filename: "secret.txt" }))
      const waiting = yield* run(() => alice.poll(task.taskId, (t) => t.status === "input_required"))
      const key = Object.keys(waiting.inputRequests)[0]!
      const unknownId = "AAAAAAAAAAAAAAAAAAAAAA"
      const shape = (answer: Answer, id: string) => [answer.status, answer.message.error?.code, answer.message.error?.message.replace(id, "ID")]
      for (const other of [clientOf(url, { "x-user": "bob" }), clientOf(url)]) {
        const get = yield* run(() => other.get(task.taskId))
        const update = yield* run(() => other.update(task.taskId, { [key]: accept({ confirm: true }) }))
        const cancel = yield* run(() => other.cancel(task.taskId))
        assert.deepStrictEqual(shape(get, task.taskId), shape(yield* run(() => other.get(unknownId)), unknownId))
        assert.deepStrictEqual(shape(update, task.taskId), shape(yield* run(() => other.update(unknownId, {})), unknownId))
        assert.deepStrictEqual(shape(cancel, task.taskId), shape(yield* run(() => other.cancel(unknownId)), unknownId))
        assert.strictEqual(get.message.error?.code, -32602)
      }
      // nothing the others did reached the task: still waiting for the same input
      const still = (yield* run(() => aliceAgain.get(task.taskId))).message.result
      assert.strictEqual(still.status, "input_required")
      assert.deepStrictEqual(Object.keys(still.inputRequests), [key])
      assertAck(yield* run(() => aliceAgain.update(task.taskId, { [key]: accept({ confirm: true }) })), "alice answers")
      assert.strictEqual((yield* run(() => alice.poll(task.taskId))).result.content[0].text, "Deleted secret.txt")
    }))

  it.live("TTL: after the task's TTL it is gone (-32602) and its work was interrupted, running or waiting for input", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { url } = yield* serve({ defaultTtlMillis: 500, maxTtlMillis: 500 }, probe)
      const client = clientOf(url)
      const sleeping = yield* run(() => client.create("probe_sleep", { ms: 3_000 }))
      assert.strictEqual(sleeping.ttlMs, 500)
      const waiting = yield* run(() => client.create("probe_confirm"))
      const finished = yield* run(() => client.create("slow_compute", { seconds: 0.2 }))
      assert.strictEqual((yield* run(() => client.get(sleeping.taskId))).message.result.status, "working")
      assert.strictEqual((yield* run(() => client.poll(finished.taskId))).status, "completed")
      yield* Effect.sleep(800)
      for (const task of [sleeping, waiting, finished]) {
        assert.strictEqual((yield* run(() => client.get(task.taskId))).message.error?.code, -32602, "get after the TTL")
        assert.strictEqual((yield* run(() => client.update(task.taskId, {}))).message.error?.code, -32602, "update after the TTL")
        assert.strictEqual((yield* run(() => client.cancel(task.taskId))).message.error?.code, -32602, "cancel after the TTL")
      }
      assert.deepStrictEqual(probe, { started: 2, finished: 0, interrupted: 2 }, "the work outlived its task")
      yield* Effect.sleep(2_500)
      assert.strictEqual(probe.finished, 0, "the work ran on after its TTL")
    }))
})

describe("tasks extension: what a task sends (in memory)", () => {
  it.live("no progress or log notifications once a call is a task (before it, as for any call); no related-task _meta", () =>
    Effect.gen(function*() {
      const Chatty = McpServer.tool({
        name: "chatty",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.gen(function*() {
            yield* McpContext.progress(1, 2, "before the task")
            yield* McpContext.log("info", "before the task")
            yield* McpContext.becomeTask
            yield* McpContext.progress(2, 2, "inside the task")
            yield* McpContext.log("info", "inside the task")
            yield* Effect.sleep(50)
            return "chatty done"
          })
      })
      const server = yield* startServer({ tasks: McpServer.tasks() }, Chatty)
      const client = yield* connectModern(server)
      const meta = { ...withTasks(), progressToken: "p1", "io.modelcontextprotocol/logLevel": "debug" }
      const created = yield* run(() => client.request("tools/call", { name: "chatty", arguments: {} }, meta))
      assert.strictEqual(created.result.resultType, "task")
      const done = yield* run(() =>
        pollTask(() => client.request("tasks/get", { taskId: created.result.taskId }, withTasks()), isTerminal)
      )
      assert.strictEqual(done.result.content[0].text, "chatty done")
      assert.notProperty(done.result._meta ?? {}, "io.modelcontextprotocol/related-task")
      yield* Effect.sleep(50)
      const notifications = client.received.filter((message) => message.method !== undefined)
      const texts = notifications.map((message) => JSON.stringify(message.params))
      assert.isTrue(texts.some((text) => text.includes("before the task")), `nothing before the task: ${texts}`)
      assert.isFalse(texts.some((text) => text.includes("inside the task")), `a notification of the task: ${texts}`)
      for (const message of client.received) {
        assert.notProperty(message.params?._meta ?? {}, "io.modelcontextprotocol/related-task")
        assert.isFalse(message.method !== undefined && message.id !== undefined, `a server→client request: ${JSON.stringify(message)}`)
      }
    }))

  it.live("a handler that becomes a task and ends at once (no async step in between): a CreateTaskResult, then completed", () =>
    Effect.gen(function*() {
      const Instant = McpServer.tool({
        name: "instant_task",
        execution: { taskSupport: "optional" },
        handler: () => Effect.as(McpContext.becomeTask, "instant")
      })
      const server = yield* startServer({ tasks: McpServer.tasks() }, Instant)
      const client = yield* connectModern(server)
      for (let i = 0; i < 3; i++) {
        const created = yield* run(() => client.request("tools/call", { name: "instant_task", arguments: {} }, withTasks()))
        assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
        const got = yield* run(() => client.request("tasks/get", { taskId: created.result.taskId }, withTasks()))
        assert.strictEqual(got.result.status, "completed")
        assert.deepStrictEqual(got.result.result.content, [{ type: "text", text: "instant" }])
      }
    }))

  it.live("a required tool that ended before it became a task, with no room for its task: its result, not a 429 that loses it", () =>
    Effect.gen(function*() {
      let runs = 0
      const tools = Layer.merge(
        McpServer.tool({ name: "holds", execution: { taskSupport: "optional" }, handler: () => Effect.andThen(McpContext.becomeTask, Effect.never) }),
        McpServer.tool({
          name: "required_quick",
          execution: { taskSupport: "required" },
          handler: () => Effect.sync(() => `run ${++runs}`)
        })
      )
      const server = yield* startServer({ tasks: McpServer.tasks({ maxTasksPerOwner: 1 }) }, tools)
      const client = yield* connectModern(server)
      const held = yield* run(() => client.request("tools/call", { name: "holds", arguments: {} }, withTasks()))
      assert.strictEqual(held.result?.resultType, "task", JSON.stringify(held))
      // The work ran: answered with its result (a client that declared the extension takes either).
      const quick = yield* run(() => client.request("tools/call", { name: "required_quick", arguments: {} }, withTasks()))
      assert.isUndefined(quick.error, JSON.stringify(quick))
      assert.strictEqual(quick.result.resultType, "complete", JSON.stringify(quick))
      assert.deepStrictEqual(quick.result.content, [{ type: "text", text: "run 1" }])
      assert.strictEqual(runs, 1)
    }))

  it.live("a legacy params.task of any shape is ignored where the version has none (2026-07-28, 2025-06-18): the call, read or prompt is answered", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ ...options, tasks: McpServer.tasks() }, components)
      const client = yield* connectModern(server)
      const old = yield* connectRaw(server, "2025-06-18")
      let id = 0
      for (const task of ["x", null, 5, [], { ttl: 1.5 }, { ttl: "x" }]) {
        const label = JSON.stringify(task)
        for (const meta of [withTasks(), metaOf()]) {
          const call = yield* run(() => client.request("tools/call", { name: "test_simple_text", arguments: {}, task }, meta))
          assert.strictEqual(call.result?.resultType, "complete", `${label}: ${JSON.stringify(call)}`)
          assert.strictEqual(call.result.content[0].text, "This is a simple text response for testing.")
        }
        const slow = yield* run(() => client.request("tools/call", { name: "test_task_slow", arguments: { ms: 0 }, task }, withTasks()))
        assert.isUndefined(slow.error, `${label}: ${JSON.stringify(slow)}`)
        const read = yield* run(() => client.request("resources/read", { uri: "test://static-text", task }))
        assert.isUndefined(read.error, `${label}: ${JSON.stringify(read)}`)
        const prompt = yield* run(() => client.request("prompts/get", { name: "test_simple_prompt", task }))
        assert.isUndefined(prompt.error, `${label}: ${JSON.stringify(prompt)}`)
        const legacy = yield* run(() => old.request(`o${id++}`, "tools/call", { name: "test_simple_text", arguments: {}, task }))
        assert.strictEqual(legacy.result?.content?.[0]?.text, "This is a simple text response for testing.", `${label}: ${JSON.stringify(legacy)}`)
      }
      // 2025-11-25, which has the field, still refuses a malformed one.
      const current = yield* connectRaw(server)
      assert.strictEqual((yield* run(() => current.request("c", "tools/call", { name: "test_simple_text", arguments: {}, task: "x" }))).error?.code, -32602)
    }))

  it.live("a required tool whose handler interrupts itself at once: answered as an interrupted call, no task left working in its place", () =>
    Effect.gen(function*() {
      const tools = Layer.merge(
        McpServer.tool({ name: "gives_up", execution: { taskSupport: "required" }, handler: () => Effect.interrupt }),
        McpServer.tool({ name: "required_quick", execution: { taskSupport: "required" }, handler: () => Effect.succeed("quick") })
      )
      // One task per requestor: a task kept for the call that gave up would refuse every later one.
      const server = yield* startServer({ tasks: McpServer.tasks({ maxTasksPerOwner: 1 }) }, tools)
      const client = yield* connectModern(server)
      for (let i = 0; i < 2; i++) {
        const gaveUp = yield* run(() => client.request("tools/call", { name: "gives_up", arguments: {} }, withTasks()))
        assert.strictEqual(gaveUp.error?.code, -32603, JSON.stringify(gaveUp))
      }
      const quick = yield* run(() => client.request("tools/call", { name: "required_quick", arguments: {} }, withTasks()))
      assert.strictEqual(quick.result?.resultType, "task", JSON.stringify(quick))
      assert.strictEqual(quick.result.status, "completed")
    }))

  it.live("a task's input request is gated by the creating request's capabilities: no elicitation declared, no input_required", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ ...options, tasks: McpServer.tasks() }, components)
      const client = yield* connectModern(server)
      const created = yield* run(() => client.request("tools/call", { name: "confirm_delete", arguments: { filename: "f" } }, withTasks()))
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      const seen: Array<string> = []
      const done = yield* run(() =>
        pollTask(() => client.request("tasks/get", { taskId: created.result.taskId }, withTasks()), (task) => {
          seen.push(task.status)
          return isTerminal(task)
        })
      )
      assert.notInclude(seen, "input_required")
      assert.strictEqual(done.status, "completed")
      assert.isTrue(done.result.isError)
      assert.include(done.result.content[0].text, "No confirmation")
    }))
})
