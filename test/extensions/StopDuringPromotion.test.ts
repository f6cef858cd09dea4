/**
 * MCP 2026-07-28, the tasks extension: a call the server is making a task (`promoteAfterMillis`
 * elapsed, its task being created in the store) whose handler asks the client for input before the
 * creation lands. The handler's question goes the task's way (listed in the task's
 * `inputRequests`, answered by `tasks/update`), not the round's: stopped for input (the round's
 * `InputRequiredSignal`), the work ended as its task was created, and the task was recorded
 * `failed` with the masked -32603 (the stop made a defect), the question never asked.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { modern, serveHttp, withTasks } from "./support.ts"

/**
 * A server on `store` whose tool asks "Name?" once `creating` is done (the store's creation under
 * way), made a task by the extension after 20 ms: its URL.
 */
const askingServer = (creating: Deferred.Deferred<void>, store: TaskStore["Service"]) =>
  serveHttp(
    { name: "stop-during-promotion", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 20 }) },
    McpServer.tool({
      name: "ask_while_promoted",
      execution: { taskSupport: "optional" },
      handler: () =>
        Effect.gen(function*() {
          yield* Deferred.await(creating)
          const answer = yield* McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(Effect.orDie)
          return answer.action === "accept" ? `hello ${answer.content.name}` : answer.action
        })
    })
  ).pipe(Effect.provide(Layer.succeed(TaskStore, store)))

describe("tasks extension: a question asked while the call's task is being created", () => {
  it.live("goes the task's way: the task waits input_required with it, tasks/update answers it, the task completes", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      const creating = yield* Deferred.make<void>()
      // The in-memory store, its creation taking 300 ms (a store across the network, slow): the
      // handler asks once the creation has started.
      const store = TaskStore.of({
        ...memory,
        create: (input) => Effect.andThen(Deferred.succeed(creating, undefined), Effect.andThen(Effect.sleep(300), memory.create(input)))
      })
      const { url } = yield* askingServer(creating, store)
      const meta = withTasks({ elicitation: {} })
      const call = yield* Effect.promise(() => modern(url, "tools/call", { name: "ask_while_promoted", arguments: {} }, { meta }))
      const created = call.message.result
      assert.strictEqual(created?.resultType, "task", JSON.stringify(call.message))
      const get = () => Effect.promise(() => modern(url, "tasks/get", { taskId: created.taskId }, { meta }))
      // Bounded: 100 polls, 20 ms apart.
      let task: any
      for (let i = 0; i < 100; i++) {
        task = (yield* get()).message.result
        if (task?.status !== "working") break
        yield* Effect.sleep(20)
      }
      assert.strictEqual(task?.status, "input_required", JSON.stringify(task))
      const keys = Object.keys(task.inputRequests)
      assert.strictEqual(keys.length, 1, JSON.stringify(task))
      assert.strictEqual(task.inputRequests[keys[0]!].method, "elicitation/create")
      const update = yield* Effect.promise(() =>
        modern(url, "tasks/update", { taskId: created.taskId, inputResponses: { [keys[0]!]: { action: "accept", content: { name: "Ada" } } } }, { meta })
      )
      assert.isUndefined(update.message.error, JSON.stringify(update.message))
      for (let i = 0; i < 100; i++) {
        task = (yield* get()).message.result
        if (task?.status === "completed" || task?.status === "failed") break
        yield* Effect.sleep(20)
      }
      assert.strictEqual(task?.status, "completed", JSON.stringify(task))
      assert.deepStrictEqual(task.result.content, [{ type: "text", text: "hello Ada" }])
    }))
})

describe("tasks extension: a store whose create throws as the server makes the call a task", () => {
  it.live("the call is still answered (the question in its round): the creation ends with the defect", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      const creating = yield* Deferred.make<void>()
      // A store's bug: `create` throws instead of returning an effect (once the handler waits).
      const store = TaskStore.of({
        ...memory,
        create: () => {
          Deferred.doneUnsafe(creating, Exit.void)
          throw new Error("a bug in the store")
        }
      })
      const { url } = yield* askingServer(creating, store)
      const meta = withTasks({ elicitation: {} })
      // Bounded: the call hung (its work waited for ever for a creation nobody ended).
      const call = yield* Effect.promise((signal) =>
        modern(url, "tools/call", { name: "ask_while_promoted", arguments: {} }, { meta, signal })
      ).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(call.message.result?.resultType, "input_required", JSON.stringify(call.message))
      assert.deepStrictEqual(Object.keys(call.message.result.inputRequests), ["elicitation/create-1"])
    }), 15_000)
})
