/**
 * MCP 2026-07-28, the tasks extension: a handler that runs `McpContext.becomeTask` and asks the
 * client (`McpContext.elicit`) concurrently. `becomeTask` is the handler's word that the call is a
 * task: the question asked beside it is the task's (listed in its `inputRequests`, answered by
 * `tasks/update`), as one asked after it is, and as one asked while the server makes the call a
 * task on its own (`promoteAfterMillis`). Before, it depended on the order and the store's speed:
 * the question's stop for input ended the task's creation (the call answered `input_required`),
 * or ended the work of a task just created (the task `failed`, -32603, the question never asked).
 * A question asked before `becomeTask` runs (in sequence) is still asked first, by multi
 * round-trip: "MRTR first, then task".
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { modern, pollTask, serveHttp, withTasks } from "../extensions/support.ts"

const name = McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(
  Effect.orDie,
  Effect.map((answer) => answer.action === "accept" ? `hello ${answer.content.name}` : answer.action)
)

const components = Layer.mergeAll(
  McpServer.tool({
    name: "task_then_ask",
    execution: { taskSupport: "optional" },
    handler: () => Effect.map(Effect.all([McpContext.becomeTask, name], { concurrency: 2 }), ([, text]) => text)
  }),
  McpServer.tool({
    name: "ask_then_task",
    execution: { taskSupport: "optional" },
    handler: () => Effect.map(Effect.all([name, McpContext.becomeTask], { concurrency: 2 }), ([text]) => text)
  }),
  // In sequence: the question first (MRTR), then the task.
  McpServer.tool({
    name: "ask_first",
    execution: { taskSupport: "optional" },
    handler: () => Effect.flatMap(name, (text) => Effect.as(McpContext.becomeTask, text))
  })
)

/** A server whose task store takes `createMillis` to create a task (a store across the network). */
const serve = (createMillis: number) =>
  Effect.gen(function*() {
    const memory = yield* makeMemory()
    const store = TaskStore.of({ ...memory, create: (input) => Effect.andThen(Effect.sleep(createMillis), memory.create(input)) })
    return yield* serveHttp({ name: "become-task-beside", version: "1.0.0", tasks: McpServer.tasks() }, components).pipe(
      Effect.provide(Layer.succeed(TaskStore, store))
    )
  })

const meta = withTasks({ elicitation: {} })

describe("tasks extension: becomeTask beside a question", () => {
  for (const createMillis of [0, 50]) {
    for (const tool of ["task_then_ask", "ask_then_task"]) {
      // Fails before: with the fast store task_then_ask's task failed (-32603), the others were
      // answered input_required (the stop ended the task's creation).
      it.live(`${tool}, a store creating in ${createMillis} ms: a task whose inputRequests hold the question`, () =>
        Effect.gen(function*() {
          const { url } = yield* serve(createMillis)
          const call = (yield* Effect.promise(() => modern(url, "tools/call", { name: tool, arguments: {} }, { meta }))).message
          assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
          const taskId = call.result.taskId
          const get = () => modern(url, "tasks/get", { taskId }, { meta }).then((answer) => answer.message)
          const waiting = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working"))
          assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
          assert.deepStrictEqual(Object.keys(waiting.inputRequests), ["elicitation/create-1"], JSON.stringify(waiting))
          assert.strictEqual(waiting.inputRequests["elicitation/create-1"].params.message, "Name?")
          const update = (yield* Effect.promise(() =>
            modern(url, "tasks/update", { taskId, inputResponses: { "elicitation/create-1": { action: "accept", content: { name: "Ada" } } } }, { meta })
          )).message
          assert.isUndefined(update.error, JSON.stringify(update))
          const done = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working" && task.status !== "input_required"))
          assert.strictEqual(done.status, "completed", JSON.stringify(done))
          assert.deepStrictEqual(done.result.content, [{ type: "text", text: "hello Ada" }])
        }))
    }
  }

  // Passes before and after: the question asked before becomeTask runs goes by MRTR.
  it.live("the question first, in sequence: input_required, then the retry with the answer is a task", () =>
    Effect.gen(function*() {
      const { url } = yield* serve(0)
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "ask_first", arguments: {} }, { meta }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      const retried = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "ask_first",
          arguments: {},
          inputResponses: { "elicitation/create-1": { action: "accept", content: { name: "Ada" } } },
          requestState: first.result.requestState
        }, { meta })
      )).message
      assert.strictEqual(retried.result?.resultType, "task", JSON.stringify(retried))
      const get = () => modern(url, "tasks/get", { taskId: retried.result.taskId }, { meta }).then((answer) => answer.message)
      const done = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working"))
      assert.deepStrictEqual([done.status, done.result?.content], ["completed", [{ type: "text", text: "hello Ada" }]], JSON.stringify(done))
    }))
})
