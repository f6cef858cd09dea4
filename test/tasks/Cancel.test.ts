/**
 * `tasks/cancel` (MCP 2025-11-25): the task is `cancelled` before the answer, the work stops (no
 * more steps, no more progress), the status stays `cancelled` even when a result arrives later;
 * cancelling a terminal task and unknown task ids answer -32602.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { taskProbe } from "../../examples/everything-server.ts"
import { McpServer } from "../../src/index.ts"
import { connect, connectRaw, sdkError, settle } from "../server/McpServerHarness.ts"
import {
  callAsTask,
  cancelTask,
  everything,
  getTask,
  rawCaller,
  sleep,
  toolTaskResult,
  untilTerminal
} from "./support.ts"

describe("tasks/cancel", () => {
  it.live("cancels a working task: status cancelled at once, the work stops, progress stops", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const stepsBefore = taskProbe.steps
      const completedBefore = taskProbe.completed
      const created = yield* Effect.promise(() =>
        call("tools/call", {
          name: "test_task_slow",
          arguments: { ms: 5_000, steps: 100 },
          task: {},
          _meta: { progressToken: "c1" }
        })
      )
      const taskId = created.result.task.taskId
      // Let it run a few steps.
      yield* Effect.promise(async () => {
        while (taskProbe.steps < stepsBefore + 3) await sleep(5)
      })
      const cancelled = yield* Effect.promise(() => call("tasks/cancel", { taskId }))
      assert.isUndefined(cancelled.error)
      assert.strictEqual(cancelled.result.taskId, taskId)
      assert.strictEqual(cancelled.result.status, "cancelled")
      assert.strictEqual(cancelled.result.createdAt, created.result.task.createdAt)
      const stepsAtCancel = taskProbe.steps
      const progressAtCancel = raw.received.filter((m) => m.method === "notifications/progress").length
      yield* settle(300)
      assert.strictEqual(taskProbe.steps, stepsAtCancel, "the work went on after tasks/cancel")
      assert.strictEqual(taskProbe.completed, completedBefore)
      assert.strictEqual(raw.received.filter((m) => m.method === "notifications/progress").length, progressAtCancel)
      const got = yield* Effect.promise(() => call("tasks/get", { taskId }))
      assert.strictEqual(got.result.status, "cancelled")
      // the status notification told it
      const notified = raw.received.filter((m) => m.method === "notifications/tasks/status" && m.params.taskId === taskId)
      assert.strictEqual(notified.at(-1)?.params.status, "cancelled")
      // cancelling again: terminal → -32602
      const again = yield* Effect.promise(() => call("tasks/cancel", { taskId }))
      assert.strictEqual(again.error?.code, -32602)
      // tasks/result of a cancelled task answers (an error: there is no result) instead of hanging
      const result = yield* Effect.promise(() => call("tasks/result", { taskId }))
      assert.isDefined(result.error)
      assert.isUndefined(result.result)
    }))

  it.live("unknown task ids answer -32602 for get, result and cancel", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client } = yield* connect(server)
      const missing = "AAAAAAAAAAAAAAAAAAAAAA"
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTask(missing))).code, -32602)
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTaskResult(missing))).code, -32602)
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.cancelTask(missing))).code, -32602)
    }))

  it.live("cancelling a completed or failed task answers -32602 and changes nothing", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client } = yield* connect(server)
      for (const [name, status] of [["test_task_slow", "completed"], ["test_task_fail", "failed"]] as const) {
        const { task } = yield* callAsTask(client, name, name === "test_task_slow" ? { ms: 0 } : {})
        const ended = yield* untilTerminal(client, task.taskId)
        assert.strictEqual(ended.status, status)
        const error = yield* sdkError(() => client.experimental.tasks.cancelTask(task.taskId))
        assert.strictEqual(error.code, -32602)
        const after = yield* getTask(client, task.taskId)
        assert.strictEqual(after.status, status)
        assert.strictEqual(after.lastUpdatedAt, ended.lastUpdatedAt)
        const result = yield* toolTaskResult(client, task.taskId)
        assert.isDefined(result.content)
      }
    }))

  it.live("a result arriving after the cancel is dropped: the task stays cancelled", () =>
    Effect.gen(function*() {
      // The handler cannot be interrupted: it finishes and returns a result after the cancel.
      const finished = { late: false }
      const Stubborn = McpServer.tool({
        name: "stubborn",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.uninterruptible(Effect.gen(function*() {
            yield* Effect.sleep(150)
            finished.late = true
            return "late result"
          }))
      })
      const server = yield* everything({}, Stubborn)
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "stubborn")
      yield* settle(20)
      const cancelled = yield* cancelTask(client, task.taskId)
      assert.strictEqual(cancelled.status, "cancelled")
      assert.isFalse(finished.late)
      yield* settle(250)
      assert.isTrue(finished.late, "the handler was expected to finish anyway")
      const after = yield* getTask(client, task.taskId)
      assert.strictEqual(after.status, "cancelled")
      assert.strictEqual(after.lastUpdatedAt, cancelled.lastUpdatedAt)
      const result = yield* sdkError(() => client.experimental.tasks.getTaskResult(task.taskId))
      assert.isNumber(result.code)
    }))

  it.live("a task blocked on tasks/result: the cancel releases the waiter", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 5_000, steps: 10 })
      const waiting = client.experimental.tasks.getTaskResult(task.taskId).then(
        (result) => ({ result }),
        (error) => ({ error })
      )
      yield* settle(50)
      yield* cancelTask(client, task.taskId)
      const outcome: any = yield* Effect.promise(() => Promise.race([waiting, sleep(2_000).then(() => "hung")]))
      assert.notStrictEqual(outcome, "hung", "tasks/result still blocked after the task was cancelled")
      assert.isDefined(outcome.error)
    }))

  it.live("tasks/cancel and tasks/get answer promptly while 64 tasks/result calls are blocked", () =>
    Effect.gen(function*() {
      // tasks/result blocks by design; 64 is the session's default request concurrency.
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const ids: Array<string> = []
      // Their work takes 20 s (it was 2 s): tasks/get and tasks/cancel waiting behind the blocked
      // calls would wait that long, which the 10 s bound below tells from a loaded machine's pace.
      for (let i = 0; i < 65; i++) {
        const created = yield* Effect.promise(() =>
          call("tools/call", { name: "test_task_slow", arguments: { ms: 20_000 }, task: {} })
        )
        ids.push(created.result.task.taskId)
      }
      for (let i = 0; i < 64; i++) {
        yield* Effect.promise(() =>
          raw.send({ jsonrpc: "2.0", id: `blocked-${i}`, method: "tasks/result", params: { taskId: ids[i] } })
        )
      }
      yield* settle(50)
      const start = Date.now()
      const got = yield* Effect.promise(() => call("tasks/get", { taskId: ids[64] }))
      const cancelled = yield* Effect.promise(() => call("tasks/cancel", { taskId: ids[64] }))
      const elapsed = Date.now() - start
      assert.strictEqual(got.result.status, "working")
      assert.strictEqual(cancelled.result.status, "cancelled")
      assert.isBelow(elapsed, 10_000, `tasks/get + tasks/cancel took ${elapsed} ms behind the blocked tasks/result calls`)
    }))
})
