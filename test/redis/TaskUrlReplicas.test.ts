/**
 * MCP 2026-07-28, the tasks extension on `RedisTaskStore` across two replicas: a URL elicitation
 * a task's work requires (`McpError.UrlElicitationRequired`) is listed in the task's
 * `inputRequests` where the work runs (the first replica) and seen, answered and cancelled through
 * the other: accepted, the work runs again there and the task completes; cancelled while it waits
 * for the URL, the task is `cancelled` and the work does not run again. Raw 2026 HTTP requests.
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpContext, McpError, McpServer } from "../../src/index.ts"
import { modern, pollTask, withTasks } from "../extensions/support.ts"
import { twoReplicas } from "../support/inProcessReplicas.ts"
import { TestRedis } from "../support/redis.ts"

/** The URLs the user completed, and how many times each work ran. */
const completed = new Set<string>()
const runs = new Map<string, number>()

const tool = McpServer.tool({
  name: "connect_in_task",
  execution: { taskSupport: "optional" },
  parameters: { id: Schema.String },
  handler: ({ id }) =>
    Effect.andThen(
      McpContext.becomeTask,
      Effect.suspend(() => {
        runs.set(id, (runs.get(id) ?? 0) + 1)
        return completed.has(`https://example.com/${id}`) ? Effect.succeed(`connected to ${id}`) : Effect.fail(
          new McpError.UrlElicitationRequired({
            elicitations: [{ mode: "url", elicitationId: id, url: `https://example.com/${id}`, message: `Sign in to ${id}` }],
            message: `Sign in to ${id} first`
          })
        )
      })
    )
})

const meta = withTasks({ elicitation: { form: {}, url: {} } })

layer(TestRedis.layer, { excludeTestServices: true })("tasks extension, RedisTaskStore on two replicas: a URL elicitation a task requires", (it) => {
  it.effect("waits on the first replica, seen, answered and cancelled through the second", () =>
    Effect.gen(function*() {
      const { one, two } = yield* twoReplicas(tool)
      const waitingTask = (id: string) =>
        Effect.gen(function*() {
          const call = (yield* Effect.promise(() => modern(one.url, "tools/call", { name: "connect_in_task", arguments: { id } }, { meta }))).message
          assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
          const taskId: string = call.result.taskId
          const get = () => modern(two.url, "tasks/get", { taskId }, { meta }).then((answer) => answer.message)
          const waiting = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working"))
          assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
          const keys = Object.keys(waiting.inputRequests)
          assert.deepStrictEqual(keys.map((key) => waiting.inputRequests[key].params.url), [`https://example.com/${id}`])
          return { taskId, key: keys[0]!, get }
        })

      // Accepted through the second replica: the work runs again on the first and completes.
      completed.clear()
      const drive = yield* waitingTask("drive")
      completed.add("https://example.com/drive")
      yield* Effect.promise(() => modern(two.url, "tasks/update", { taskId: drive.taskId, inputResponses: { [drive.key]: { action: "accept" } } }, { meta }))
      const done = yield* Effect.promise(() => pollTask(drive.get, (task) => task.status !== "working" && task.status !== "input_required"))
      assert.deepStrictEqual([done.status, done.result?.content], ["completed", [{ type: "text", text: "connected to drive" }]], JSON.stringify(done))
      assert.strictEqual(runs.get("drive"), 2)

      // Cancelled through the second replica while it waits: cancelled, the work not run again.
      const photos = yield* waitingTask("photos")
      yield* Effect.promise(() => modern(two.url, "tasks/cancel", { taskId: photos.taskId }, { meta }))
      const cancelled = yield* Effect.promise(() => pollTask(photos.get, (task) => task.status === "cancelled"))
      assert.strictEqual(cancelled.status, "cancelled")
      completed.add("https://example.com/photos")
      // A late answer (the user finished signing in) finds nothing to run again.
      yield* Effect.promise(() => modern(two.url, "tasks/update", { taskId: photos.taskId, inputResponses: { [photos.key]: { action: "accept" } } }, { meta }))
      yield* Effect.sleep(300)
      assert.strictEqual(runs.get("photos"), 1)
      assert.strictEqual((yield* Effect.promise(photos.get)).result.status, "cancelled")
    }), 30_000)
})
