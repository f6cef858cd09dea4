/**
 * Task execution (MCP 2025-11-25): the immediate `CreateTaskResult`, `tasks/get` right away,
 * progress on the original token until the terminal status, `notifications/tasks/status`, the
 * related-task `_meta` on a task's messages, and the SDK's own streaming task API end to end.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { taskProbe } from "../../examples/everything-server.ts"
import { McpContext, McpServer } from "../../src/index.ts"
import { connect, connectRaw, settle } from "../server/McpServerHarness.ts"
import { everything, firstText, isIsoTimestamp, RELATED, rawCaller } from "./support.ts"

describe("task execution", () => {
  it.live("a task-augmented call answers CreateTaskResult at once; tasks/get answers; progress until terminal", () =>
    Effect.gen(function*() {
      const server = yield* everything({ pollIntervalMillis: 250 })
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const completedBefore = taskProbe.completed
      const before = Date.now()
      const created = yield* Effect.promise(() =>
        call("tools/call", {
          name: "test_task_slow",
          arguments: { ms: 600, steps: 6 },
          task: { ttl: 60_000 },
          _meta: { progressToken: "p1" }
        })
      )
      const elapsed = Date.now() - before
      // Answered before the work finished (it takes 600 ms).
      assert.isBelow(elapsed, 300)
      assert.strictEqual(taskProbe.completed, completedBefore)
      assert.isUndefined(created.error)
      assert.deepStrictEqual(Object.keys(created.result), ["task"])
      const task = created.result.task
      assert.isString(task.taskId)
      assert.isAtLeast(task.taskId.length, 22) // 128 random bits
      assert.strictEqual(task.status, "working")
      assert.strictEqual(task.ttl, 60_000)
      assert.strictEqual(task.pollInterval, 250)
      assert.isTrue(isIsoTimestamp(task.createdAt), task.createdAt)
      assert.isTrue(isIsoTimestamp(task.lastUpdatedAt), task.lastUpdatedAt)
      const createdAt = Date.parse(task.createdAt)
      assert.isAtLeast(createdAt, before - 5)
      assert.isAtMost(createdAt, Date.now() + 5)

      // tasks/get answers immediately, with no related-task _meta (SHOULD NOT).
      const got = yield* Effect.promise(() => call("tasks/get", { taskId: task.taskId }))
      assert.strictEqual(got.result.taskId, task.taskId)
      assert.strictEqual(got.result.status, "working")
      assert.strictEqual(got.result.ttl, 60_000)
      assert.strictEqual(got.result.createdAt, task.createdAt)
      assert.isTrue(isIsoTimestamp(got.result.lastUpdatedAt))
      assert.isUndefined(got.result._meta?.[RELATED])

      // Progress keeps arriving on the original token while the task runs...
      const firstProgress = yield* Effect.promise(() =>
        raw.waitFor((m) => m.method === "notifications/progress" && m.params.progressToken === "p1")
      )
      assert.strictEqual(firstProgress.params.progress, 1)
      assert.strictEqual(firstProgress.params.total, 6)
      assert.deepStrictEqual(firstProgress.params._meta?.[RELATED], { taskId: task.taskId })
      const midway = yield* Effect.promise(() => call("tasks/get", { taskId: task.taskId }))
      assert.strictEqual(midway.result.status, "working")

      // ... and a status notification tells the terminal status.
      const done = yield* Effect.promise(() =>
        raw.waitFor((m) =>
          m.method === "notifications/tasks/status" && m.params.taskId === task.taskId && m.params.status === "completed"
        )
      )
      assert.isTrue(isIsoTimestamp(done.params.createdAt))
      assert.isTrue(isIsoTimestamp(done.params.lastUpdatedAt))
      assert.strictEqual(done.params.ttl, 60_000)
      assert.isUndefined(done.params._meta?.[RELATED])
      yield* settle(150)
      const progress = raw.received.filter((m) => m.method === "notifications/progress")
      assert.deepStrictEqual(progress.map((m) => m.params.progress), [1, 2, 3, 4, 5, 6])
      for (const m of progress) {
        assert.strictEqual(m.params.progressToken, "p1")
        assert.deepStrictEqual(m.params._meta?.[RELATED], { taskId: task.taskId })
      }
      // every progress notification came before the terminal status, none after
      const doneIndex = raw.received.indexOf(done)
      assert.isTrue(progress.every((m) => raw.received.indexOf(m) < doneIndex))
      const terminalGet = yield* Effect.promise(() => call("tasks/get", { taskId: task.taskId }))
      assert.strictEqual(terminalGet.result.status, "completed")
      assert.isAtLeast(Date.parse(terminalGet.result.lastUpdatedAt), createdAt + 550)
    }))

  it.live("notifications/tasks/status carry the full task on each transition and only to the creating session", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const raw = yield* connectRaw(server)
      const other = yield* connectRaw(server)
      const call = rawCaller(raw)
      const created = yield* Effect.promise(() => call("tools/call", { name: "test_task_fail", arguments: {}, task: {} }))
      const taskId = created.result.task.taskId
      const failed = yield* Effect.promise(() =>
        raw.waitFor((m) => m.method === "notifications/tasks/status" && m.params.taskId === taskId && m.params.status === "failed")
      )
      assert.isString(failed.params.statusMessage)
      assert.strictEqual(failed.params.ttl, created.result.task.ttl)
      assert.strictEqual(failed.params.createdAt, created.result.task.createdAt)
      yield* settle(30)
      assert.isFalse(other.received.some((m) => m.method === "notifications/tasks/status"))
    }))

  it.live("the SDK's callToolStream: taskCreated, then the result", () =>
    Effect.gen(function*() {
      const server = yield* everything({ pollIntervalMillis: 20 })
      const { client } = yield* connect(server)
      yield* Effect.promise(() => client.listTools()) // lets the SDK learn which tools are tasks
      const messages: Array<any> = yield* Effect.promise(async () => {
        const out: Array<any> = []
        const stream = client.experimental.tasks.callToolStream(
          { name: "test_task_slow", arguments: { ms: 100, steps: 2 } },
          undefined,
          { task: { ttl: 30_000 } }
        )
        for await (const message of stream) out.push(message)
        return out
      })
      assert.strictEqual(messages[0].type, "taskCreated")
      assert.strictEqual(messages[0].task.status, "working")
      assert.strictEqual(messages[0].task.ttl, 30_000)
      const last = messages[messages.length - 1]
      assert.strictEqual(last.type, "result", JSON.stringify(messages))
      assert.strictEqual(firstText(last.result), "done")
      assert.deepStrictEqual(last.result._meta?.[RELATED], { taskId: messages[0].task.taskId })
    }))

  const Logs = McpServer.tool({
    name: "logs",
    parameters: { n: Schema.Number },
    execution: { taskSupport: "optional" },
    handler: ({ n }) =>
      Effect.gen(function*() {
        yield* McpContext.log("debug", `debug ${n}`)
        yield* McpContext.log("error", `error ${n}`)
        yield* Effect.logInfo(`bridge-info ${n}`)
        yield* Effect.logError(`bridge-error ${n}`)
        return "logged"
      })
  })

  /** Runs `logs` plainly (n = 1) and as a task (n = 2) after `logging/setLevel`; answers the log messages. */
  const runLogs = (level: string) =>
    Effect.gen(function*() {
      const server = yield* everything({}, Logs)
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const set = yield* Effect.promise(() => call("logging/setLevel", { level }))
      assert.isUndefined(set.error)
      yield* Effect.promise(() => call("tools/call", { name: "logs", arguments: { n: 1 } }))
      const created = yield* Effect.promise(() => call("tools/call", { name: "logs", arguments: { n: 2 }, task: {} }))
      const taskId: string = created.result.task.taskId
      const result = yield* Effect.promise(() => call("tasks/result", { taskId }))
      assert.strictEqual(firstText(result.result), "logged")
      yield* settle(30)
      const logs = raw.received.filter((m) => m.method === "notifications/message")
      const of = (n: number) => logs.filter((m) => String(m.params.data).endsWith(` ${n}`))
      return { taskId, of }
    })

  it.live("log messages of a task respect logging/setLevel (McpContext.log and the Effect.log bridge)", () =>
    Effect.gen(function*() {
      const { of } = yield* runLogs("error")
      // The control case: a plain call only sends the error messages.
      assert.deepStrictEqual(of(1).map((m) => m.params.data), ["error 1", "bridge-error 1"])
      assert.deepStrictEqual(of(2).map((m) => m.params.data), ["error 2", "bridge-error 2"])
    }))

  it.live("log messages of a task carry the related-task _meta (McpContext.log and the Effect.log bridge)", () =>
    Effect.gen(function*() {
      const { of, taskId } = yield* runLogs("debug")
      const messages = of(2)
      assert.deepStrictEqual(messages.map((m) => m.params.data).sort(), ["bridge-error 2", "bridge-info 2", "debug 2", "error 2"])
      const untagged = messages.filter((m) => m.params._meta?.[RELATED]?.taskId !== taskId).map((m) => m.params.data)
      assert.deepStrictEqual(untagged, [], "every log message of the task must carry the related-task _meta")
    }))
})
