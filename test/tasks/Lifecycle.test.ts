/**
 * Tasks across the life of sessions and protocol versions: the work outlives the connection
 * that created it, `notifications/cancelled` does not cancel a task (only `tasks/cancel` does),
 * and a session negotiated at a version without tasks (2025-06-18) gets none of the task
 * behaviour: `params.task` is ignored and a task-required tool runs plainly.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Middleware, McpServer } from "../../src/index.ts"
import { connect, connectRaw, settle } from "../server/McpServerHarness.ts"
import { callAsTask, everything, firstText, rawCaller, toolTaskResult } from "./support.ts"

const Auth = McpServer.middleware(Middleware.make("auth", {
  onRequest: (request, context, next) =>
    next(request, context.with({ principal: { subject: "carol", scopes: [], claims: {} } }))
}))

describe("task lifecycle", () => {
  it.live("the work outlives the connection: another session of the principal gets the result", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, Auth)
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const { client } = yield* connect(server)
        return (yield* callAsTask(client, "test_task_slow", { ms: 200, steps: 2 })).task
      })) // the first client is closed here, while the task works
      const { client } = yield* connect(server)
      const result = yield* toolTaskResult(client, first.taskId)
      assert.strictEqual((result.content[0] as any).text, "done")
    }))

  it.live("notifications/cancelled for the creating request does not cancel the task", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      yield* Effect.promise(() =>
        raw.send({
          jsonrpc: "2.0",
          id: "create",
          method: "tools/call",
          params: { name: "test_task_slow", arguments: { ms: 150, steps: 3 }, task: {} }
        })
      )
      const created = yield* Effect.promise(() => raw.waitFor((m) => m.id === "create"))
      yield* Effect.promise(() =>
        raw.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "create", reason: "no" } })
      )
      const result = yield* Effect.promise(() => call("tasks/result", { taskId: created.result.task.taskId }))
      assert.strictEqual(firstText(result.result), "done")
      const task = yield* Effect.promise(() => call("tasks/get", { taskId: created.result.task.taskId }))
      assert.strictEqual(task.result.status, "completed")
    }))
})

describe("a session at a protocol version without tasks (2025-06-18)", () => {
  it.live("no tasks capability: params.task is ignored (a normal result, no CreateTaskResult)", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server, "2025-06-18")
      assert.strictEqual(raw.initializeResult.result.protocolVersion, "2025-06-18")
      assert.notProperty(raw.initializeResult.result.capabilities, "tasks")
      const call = rawCaller(raw)
      const answer = yield* Effect.promise(() =>
        call("tools/call", { name: "test_task_slow", arguments: { ms: 0 }, task: { ttl: 1000 } })
      )
      assert.notProperty(answer.result, "task", "a CreateTaskResult was sent to a client that cannot know tasks")
      assert.strictEqual(firstText(answer.result), "done")
    }))

  it.live("no tasks capability: a task-required tool runs plainly instead of answering -32601", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server, "2025-06-18")
      const call = rawCaller(raw)
      const answer = yield* Effect.promise(() => call("tools/call", { name: "test_task_required", arguments: {} }))
      assert.isUndefined(answer.error, JSON.stringify(answer.error))
      assert.strictEqual(firstText(answer.result), "required task done")
    }))

  it.live("the control case: the same server serves tasks to a 2025-11-25 session at the same time", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      yield* connectRaw(server, "2025-06-18")
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_required")
      assert.strictEqual(task.status, "working")
      yield* settle(10)
    }))
})
