/**
 * Tasks outlive the component that made them: once the last task-capable tool is removed at run
 * time, the tasks it started can still be read, awaited, listed and cancelled, in both eras (the
 * 2025-11-25 `tasks/*` methods for a session started after the removal, the 2026-07-28
 * extension's `tasks/get` and `tasks/cancel`), and `tasks.requests` no longer offers `tools/call`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpContext, McpServer, Middleware, type Principal } from "../../src/index.ts"
import { connect, connectRaw, startServer, using } from "../server/McpServerHarness.ts"
import { connectModern, withTasks } from "../extensions/support.ts"
import { callAsTask, getTask, listTasks, rawCaller } from "./support.ts"

/** The principal "alice" for every request, so that a later session sees the tasks of an earlier one. */
const Alice = McpServer.middleware(Middleware.make("alice", {
  onRequest: (request, context, next) => {
    const principal: Principal = { subject: "alice", scopes: [], claims: {} }
    return next(request, context.with({ principal }))
  }
}))

/** A task-capable tool that runs until it is told to stop (or cancelled). */
const gate = { open: false }
const Waits = McpServer.tool({
  name: "waits",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.becomeTask
      for (let i = 0; i < 500 && !gate.open; i++) yield* Effect.sleep(10)
      return "opened"
    })
})

describe("tasks after their tool is removed", () => {
  it.live("both eras still read, list and cancel the tasks it started", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ tasks: McpServer.tasks({ promoteAfterMillis: 0 }) }, Layer.merge(Waits, Alice))
      const before = yield* connect(server)
      const legacy = yield* callAsTask(before.client, "waits")
      const modern = yield* connectModern(server)
      const created = yield* Effect.promise(() => modern.request("tools/call", { name: "waits", arguments: {} }, withTasks()))
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      assert.isTrue(yield* using(server, McpServer.remove("tool", "waits")))
      // 2026-07-28: the extension still answers for the task.
      const got = yield* Effect.promise(() => modern.request("tasks/get", { taskId: created.result.taskId }, withTasks()))
      assert.strictEqual(got.result?.status, "working", JSON.stringify(got))
      const cancelled = yield* Effect.promise(() => modern.request("tasks/cancel", { taskId: created.result.taskId }, withTasks()))
      assert.isUndefined(cancelled.error, JSON.stringify(cancelled))
      // 2025-11-25: a session started after the removal (the same principal) gets, lists and awaits it.
      const raw = yield* connectRaw(server)
      assert.deepStrictEqual(raw.initializeResult.result.capabilities.tasks, { list: {}, cancel: {} })
      const after = yield* connect(server)
      assert.strictEqual((yield* getTask(after.client, legacy.task.taskId)).status, "working")
      assert.include((yield* listTasks(after.client)).tasks.map((task) => task.taskId), legacy.task.taskId)
      gate.open = true
      const result = yield* Effect.promise(() => rawCaller(raw)("tasks/result", { taskId: legacy.task.taskId }))
      assert.strictEqual(result.result?.content?.[0]?.text, "opened", JSON.stringify(result))
    }))
})
