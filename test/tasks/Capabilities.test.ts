/**
 * Tasks (MCP 2025-11-25): the `tasks` capability derived from the components, the rule that a
 * server without it ignores `params.task`, and the tool-level augmentation rules (-32601 for a
 * task on a forbidden component, or none on a required tool, without running anything).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "../../src/index.ts"
import { connect, connectRaw, settle, startServer } from "../server/McpServerHarness.ts"
import { everything, firstText, rawCaller } from "./support.ts"

/** Forbidden components that count their runs. */
const counted = () => {
  const runs = { tool: 0, resource: 0, prompt: 0 }
  const layer = Layer.mergeAll(
    McpServer.tool({
      name: "counted",
      description: "counts its runs; never a task",
      handler: () => Effect.sync(() => `run ${++runs.tool}`)
    }),
    McpServer.resource({
      uri: "test://counted",
      name: "counted",
      read: Effect.sync(() => `read ${++runs.resource}`)
    }),
    McpServer.prompt({
      name: "counted_prompt",
      handler: () => Effect.sync(() => `prompt ${++runs.prompt}`)
    })
  )
  return { runs, layer }
}

describe("tasks capability", () => {
  it.live("the fixtures advertise list, cancel and the three task-augmentable requests", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      assert.deepStrictEqual(raw.initializeResult.result.capabilities.tasks, {
        list: {},
        cancel: {},
        requests: { tools: { call: {} }, resources: { read: {} }, prompts: { get: {} } }
      })
      // The SDK client sees it too, and tools/list tells which tools may or must run as tasks.
      const { client } = yield* connect(server)
      assert.deepStrictEqual(client.getServerCapabilities()?.tasks?.requests?.tools, { call: {} })
      const { tools } = yield* Effect.promise(() => client.listTools())
      const support = (name: string) => tools.find((tool) => tool.name === name)?.execution?.taskSupport
      assert.strictEqual(support("test_task_slow"), "optional")
      assert.strictEqual(support("test_task_required"), "required")
      assert.strictEqual(support("test_task_input"), "optional")
      assert.strictEqual(support("test_task_fail"), "optional")
      assert.include([undefined, "forbidden"], support("test_simple_text"))
    }))

  it.live("only the kinds with a task-capable component are listed in tasks.requests", () =>
    Effect.gen(function*() {
      const prompt = McpServer.prompt({ name: "p", taskSupport: "optional", handler: () => Effect.succeed("x") })
      const plainTool = McpServer.tool({ name: "t", handler: () => Effect.succeed("x") })
      const server = yield* startServer({ tasks: McpServer.tasks() }, Layer.merge(prompt, plainTool))
      const raw = yield* connectRaw(server)
      assert.deepStrictEqual(raw.initializeResult.result.capabilities.tasks, {
        list: {},
        cancel: {},
        requests: { prompts: { get: {} } }
      })
    }))

  it.live("with tasks enabled but no task-capable component: no capability, and params.task is ignored", () =>
    Effect.gen(function*() {
      const { runs, layer } = counted()
      const server = yield* startServer({ tasks: McpServer.tasks() }, layer)
      const raw = yield* connectRaw(server)
      assert.notProperty(raw.initializeResult.result.capabilities, "tasks")
      const call = rawCaller(raw)
      const answer = yield* Effect.promise(() => call("tools/call", { name: "counted", arguments: {}, task: { ttl: 1000 } }))
      assert.isUndefined(answer.error)
      assert.notProperty(answer.result, "task")
      assert.strictEqual(firstText(answer.result), "run 1")
      assert.strictEqual(runs.tool, 1)
      const read = yield* Effect.promise(() => call("resources/read", { uri: "test://counted", task: {} }))
      assert.strictEqual(read.result.contents[0].text, "read 1")
      // and the tasks/* methods do not exist
      const get = yield* Effect.promise(() => call("tasks/get", { taskId: "x" }))
      assert.strictEqual(get.error?.code, -32601)
    }))

  it.live("without the tasks server option: no capability, task ignored, a required tool runs plainly", () =>
    Effect.gen(function*() {
      const server = yield* everything(null)
      const raw = yield* connectRaw(server)
      assert.notProperty(raw.initializeResult.result.capabilities, "tasks")
      const call = rawCaller(raw)
      const slow = yield* Effect.promise(() => call("tools/call", { name: "test_task_slow", arguments: { ms: 10 }, task: { ttl: 5000 } }))
      assert.isUndefined(slow.error)
      assert.notProperty(slow.result, "task")
      assert.strictEqual(firstText(slow.result), "done")
      const required = yield* Effect.promise(() => call("tools/call", { name: "test_task_required", arguments: {} }))
      assert.strictEqual(firstText(required.result), "required task done")
      const list = yield* Effect.promise(() => call("tasks/list", {}))
      assert.strictEqual(list.error?.code, -32601)
      // execution is not advertised either
      const tools = yield* Effect.promise(() => call("tools/list", {}))
      for (const tool of tools.result.tools) assert.notProperty(tool, "execution", tool.name)
    }))
})

describe("augmentation rules", () => {
  it.live("a task on a forbidden tool, resource or prompt is refused with -32601 and nothing runs", () =>
    Effect.gen(function*() {
      const { runs, layer } = counted()
      const server = yield* everything({}, layer)
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const tool = yield* Effect.promise(() => call("tools/call", { name: "counted", arguments: {}, task: {} }))
      assert.strictEqual(tool.error?.code, -32601)
      assert.match(tool.error.message, /counted/)
      const resource = yield* Effect.promise(() => call("resources/read", { uri: "test://counted", task: {} }))
      assert.strictEqual(resource.error?.code, -32601)
      const template = yield* Effect.promise(() => call("resources/read", { uri: "test://template/1/data", task: {} }))
      assert.strictEqual(template.error?.code, -32601)
      const prompt = yield* Effect.promise(() => call("prompts/get", { name: "counted_prompt", task: {} }))
      assert.strictEqual(prompt.error?.code, -32601)
      yield* settle(50)
      assert.deepStrictEqual(runs, { tool: 0, resource: 0, prompt: 0 })
      // no task was created for them
      const list = yield* Effect.promise(() => call("tasks/list", {}))
      assert.deepStrictEqual(list.result.tasks, [])
      // the same components answer plainly without `task`
      const plain = yield* Effect.promise(() => call("tools/call", { name: "counted", arguments: {} }))
      assert.strictEqual(firstText(plain.result), "run 1")
    }))

  it.live("a required tool without task is refused with -32601; with a task it runs", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const refused = yield* Effect.promise(() => call("tools/call", { name: "test_task_required", arguments: {} }))
      assert.strictEqual(refused.error?.code, -32601)
      assert.match(refused.error.message, /test_task_required/)
      const list = yield* Effect.promise(() => call("tasks/list", {}))
      assert.deepStrictEqual(list.result.tasks, [])
      const created = yield* Effect.promise(() => call("tools/call", { name: "test_task_required", arguments: {}, task: {} }))
      assert.strictEqual(created.result.task.status, "working")
      const result = yield* Effect.promise(() => call("tasks/result", { taskId: created.result.task.taskId }))
      assert.strictEqual(firstText(result.result), "required task done")
    }))

  it.live("an optional tool without task answers a normal result", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const answer = yield* Effect.promise(() => call("tools/call", { name: "test_task_slow", arguments: { ms: 5 } }))
      assert.deepStrictEqual(answer.result, { content: [{ type: "text", text: "done" }] })
      const list = yield* Effect.promise(() => call("tasks/list", {}))
      assert.deepStrictEqual(list.result.tasks, [])
    }))
})
