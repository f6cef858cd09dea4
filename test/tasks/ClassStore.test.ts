/**
 * A `TaskStore` written as a class (its methods on its prototype, its state in a private field
 * they read through `this`) serves tasks as a plain object does: the server calls each method on
 * the store, and never copies it by spreading (which kept only own properties, losing every
 * method).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { connect } from "../server/McpServerHarness.ts"
import { connectModern, isTerminal, pollTask, withTasks } from "../extensions/support.ts"
import { callAsTask, sleep, toolTaskResult, untilTerminal } from "./support.ts"

type Service = TaskStore["Service"]

/** The in-memory store behind a class: `#memory` is reachable only with the right `this`. */
class ClassStore implements Service {
  readonly #memory: Service
  constructor(memory: Service) {
    this.#memory = memory
  }
  get changes() {
    return this.#memory.changes
  }
  get size() {
    return this.#memory.size
  }
  create(...args: Parameters<Service["create"]>) {
    return this.#memory.create(...args)
  }
  get(...args: Parameters<Service["get"]>) {
    return this.#memory.get(...args)
  }
  list(...args: Parameters<Service["list"]>) {
    return this.#memory.list(...args)
  }
  setStatus(...args: Parameters<Service["setStatus"]>) {
    return this.#memory.setStatus(...args)
  }
  setInputRequests(...args: Parameters<Service["setInputRequests"]>) {
    return this.#memory.setInputRequests(...args)
  }
  finish(...args: Parameters<Service["finish"]>) {
    return this.#memory.finish(...args)
  }
  cancel(...args: Parameters<Service["cancel"]>) {
    return this.#memory.cancel(...args)
  }
  awaitTerminal(...args: Parameters<Service["awaitTerminal"]>) {
    return this.#memory.awaitTerminal(...args)
  }
  removeOwnedBy(owner: string) {
    return this.#memory.removeOwnedBy!(owner)
  }
}

describe("a TaskStore written as a class", () => {
  it.live("runs tasks of both eras to their end, and a closed session's tasks are removed", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Layer.provideMerge(
        components,
        Layer.provideMerge(
          McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks({ promoteAfterMillis: 0 }) }),
          Layer.effect(TaskStore, Effect.map(makeMemory(), (memory) => new ClassStore(memory)))
        )
      ))
      const server = Context.get(context, McpServer.McpServer)
      const store = Context.get(context, TaskStore)
      yield* Effect.scoped(Effect.gen(function*() {
        // 2025-11-25: created, ended (recorded by the supervisor), its result read.
        const { client } = yield* connect(server)
        const { task } = yield* callAsTask(client, "test_task_slow", { ms: 0 })
        assert.strictEqual((yield* untilTerminal(client, task.taskId, 2_000)).status, "completed")
        assert.isDefined((yield* toolTaskResult(client, task.taskId)).content)
        // 2026-07-28: promoted, ended, read.
        const modern = yield* connectModern(server)
        const created = yield* Effect.promise(() => modern.request("tools/call", { name: "test_task_slow", arguments: { ms: 50 } }, withTasks()))
        assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
        const ended = yield* Effect.promise(() =>
          pollTask(() => modern.request("tasks/get", { taskId: created.result.taskId }, withTasks()), isTerminal, 2_000)
        )
        assert.strictEqual(ended.status, "completed", JSON.stringify(ended))
        assert.strictEqual(Effect.runSync(store.size), 2)
      }))
      // Both sessions closed: their tasks leave the store.
      const size = yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && Effect.runSync(store.size) !== 0; i++) await sleep(10)
        return Effect.runSync(store.size)
      })
      assert.strictEqual(size, 0)
    }))
})
