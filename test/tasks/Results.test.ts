/**
 * `tasks/result` (MCP 2025-11-25): it blocks until the task is terminal, then answers exactly what
 * the request would have answered (with the related-task `_meta`), or exactly its JSON-RPC error;
 * a tool result with `isError` makes the task `failed`. Also `resources/read` and `prompts/get` as
 * tasks.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpError, McpServer } from "../../src/index.ts"
import { connect, connectRaw, type RawClient, settle } from "../server/McpServerHarness.ts"
import { everything, firstText, RELATED, rawCaller, toolTaskResult, untilTerminal } from "./support.ts"

const Broken = Layer.mergeAll(
  McpServer.resource({
    uri: "test://broken",
    name: "broken",
    taskSupport: "optional",
    read: Effect.andThen(Effect.sleep(30), Effect.fail(McpError.invalidParams("broken on purpose", { why: "test" })))
  }),
  McpServer.tool({
    name: "dies",
    execution: { taskSupport: "optional" },
    handler: () => Effect.andThen(Effect.sleep(20), Effect.die(new Error("secret defect")))
  })
)

/** The plain answer and the task answer (`tasks/result`) of the same request, and the task's final state. */
const plainAndTask = (raw: RawClient, method: string, params: Record<string, unknown>) =>
  Effect.promise(async () => {
    const call = rawCaller(raw)
    const plain = await call(method, params)
    const created = await call(method, { ...params, task: {} })
    const taskId: string = created.result.task.taskId
    const result = await call("tasks/result", { taskId })
    const task = await call("tasks/get", { taskId })
    return { plain, created, taskId, result, task: task.result }
  })

const withRelated = (result: any, taskId: string) => ({ ...result, _meta: { ...result._meta, [RELATED]: { taskId } } })

describe("tasks/result", () => {
  it.live("blocks while the task works, then answers exactly the tool result with the related-task _meta", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const plain = yield* Effect.promise(() => call("tools/call", { name: "test_task_slow", arguments: { ms: 0 } }))
      const created = yield* Effect.promise(() =>
        call("tools/call", { name: "test_task_slow", arguments: { ms: 300, steps: 3 }, task: {} })
      )
      const taskId = created.result.task.taskId
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: "blocking", method: "tasks/result", params: { taskId } }))
      yield* settle(120)
      assert.isFalse(raw.received.some((m) => m.id === "blocking"), "tasks/result answered before the task ended")
      // other requests are still served meanwhile
      const got = yield* Effect.promise(() => call("tasks/get", { taskId }))
      assert.strictEqual(got.result.status, "working")
      const answer = yield* Effect.promise(() => raw.waitFor((m) => m.id === "blocking", 3_000))
      assert.deepStrictEqual(answer.result, withRelated(plain.result, taskId))
      const after = yield* Effect.promise(() => call("tasks/get", { taskId }))
      assert.strictEqual(after.result.status, "completed")
      // a terminal task answers its stored outcome again, at once
      const again = yield* Effect.promise(() => call("tasks/result", { taskId }))
      assert.deepStrictEqual(again.result, answer.result)
    }))

  it.live("an isError tool result makes the task failed; tasks/result returns that isError result", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const { plain, result, task, taskId } = yield* plainAndTask(raw, "tools/call", { name: "test_task_fail", arguments: {} })
      assert.isTrue(plain.result.isError)
      assert.deepStrictEqual(result.result, withRelated(plain.result, taskId))
      assert.strictEqual(task.status, "failed")
      assert.isString(task.statusMessage)
      // through the SDK client too
      const { client } = yield* connect(server)
      const created = yield* Effect.promise(() =>
        client.experimental.tasks.callToolStream({ name: "test_task_fail", arguments: {} }, undefined, { task: {} }).next()
      )
      const id = (created.value as any).task.taskId
      const sdkResult = yield* toolTaskResult(client, id)
      assert.isTrue(sdkResult.isError)
      assert.deepStrictEqual(sdkResult._meta?.[RELATED], { taskId: id })
      assert.strictEqual((yield* untilTerminal(client, id)).status, "failed")
    }))

  it.live("a handler defect: the masked isError result, task failed", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, Broken)
      const raw = yield* connectRaw(server)
      const { plain, result, task, taskId } = yield* plainAndTask(raw, "tools/call", { name: "dies", arguments: {} })
      assert.isTrue(plain.result.isError)
      assert.notInclude(JSON.stringify(result), "secret defect")
      assert.deepStrictEqual(result.result, withRelated(plain.result, taskId))
      assert.strictEqual(task.status, "failed")
    }))

  it.live("work failing with a JSON-RPC error: task failed, tasks/result answers exactly that error", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, Broken)
      const raw = yield* connectRaw(server)
      const { plain, created, result, task } = yield* plainAndTask(raw, "resources/read", { uri: "test://broken" })
      assert.strictEqual(plain.error.code, -32602)
      assert.strictEqual(created.result.task.status, "working")
      assert.isUndefined(result.result)
      assert.deepStrictEqual(result.error, plain.error)
      assert.deepStrictEqual(result.error, { code: -32602, message: "broken on purpose", data: { why: "test" } })
      assert.strictEqual(task.status, "failed")
      assert.include(task.statusMessage, "broken on purpose")
    }))
})

describe("resources/read and prompts/get as tasks", () => {
  it.live("resources/read of test://task-resource: CreateTaskResult, then the read result", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const { plain, created, result, task, taskId } = yield* plainAndTask(raw, "resources/read", { uri: "test://task-resource" })
      assert.deepStrictEqual(Object.keys(created.result), ["task"])
      assert.strictEqual(created.result.task.status, "working")
      assert.strictEqual(plain.result.contents[0].text, "task resource content")
      assert.deepStrictEqual(result.result, withRelated(plain.result, taskId))
      assert.strictEqual(task.status, "completed")
    }))

  it.live("prompts/get of test_task_prompt: CreateTaskResult, then the prompt result", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const { plain, created, result, task, taskId } = yield* plainAndTask(raw, "prompts/get", { name: "test_task_prompt" })
      assert.deepStrictEqual(Object.keys(created.result), ["task"])
      assert.strictEqual(plain.result.messages[0].content.text, "task prompt text")
      assert.deepStrictEqual(result.result, withRelated(plain.result, taskId))
      assert.strictEqual(task.status, "completed")
    }))

  it.live("a task-capable resource template reads as a task", () =>
    Effect.gen(function*() {
      let reads = 0
      const Template = McpServer.resourceTemplate({
        uriTemplate: "test://slow/{id}",
        name: "slow",
        taskSupport: "optional",
        params: { id: Schema.String },
        read: ({ id }) => {
          reads++
          return Effect.as(Effect.sleep(20), `slow ${id}`)
        }
      })
      const server = yield* everything({}, Template)
      const raw = yield* connectRaw(server)
      const { plain, result, taskId } = yield* plainAndTask(raw, "resources/read", { uri: "test://slow/7" })
      assert.strictEqual(firstText({ content: plain.result.contents }), "slow 7")
      assert.deepStrictEqual(result.result, withRelated(plain.result, taskId))
      // Once for the plain read, once for the task: the handler is not called again to match.
      assert.strictEqual(reads, 2)
    }))
})
