/**
 * The tasks extension at scale: 1,000 concurrent 2026-07-28 calls (one in-memory session, the
 * extension declared per request) all become tasks with unique ids, held by the store while they
 * run (the 1,001st is refused 429 at the per-requestor limit), all complete once released, and
 * the store keeps exactly 1,000 (a new task then takes the place of an ended one).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
import { connectModern, sleep, withTasks } from "./support.ts"

describe("tasks extension at scale", () => {
  it.live("1,000 concurrent calls: all tasks, held while running, all completed; store sizes as expected", () =>
    Effect.gen(function*() {
      const n = 1_000
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const probe = { started: 0, finished: 0 }
      const Held = McpServer.tool({
        name: "held",
        execution: { taskSupport: "optional" },
        parameters: { i: Schema.Int },
        handler: ({ i }) =>
          Effect.gen(function*() {
            probe.started++
            yield* Effect.promise(() => gate)
            probe.finished++
            return `done ${i}`
          })
      })
      const Later = McpServer.tool({
        name: "later",
        execution: { taskSupport: "optional" },
        handler: () => Effect.as(Effect.sleep(200), "later")
      })
      const context = yield* Layer.build(
        Layer.provideMerge(
          Layer.merge(Held, Later),
          Layer.provideMerge(
            McpServer.McpServer.layer({ name: "scale", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 50 }) }),
            TaskStore.layerMemory({ maxTasks: 5_000, maxTasksPerOwner: n })
          )
        )
      )
      const server = Context.get(context, McpServer.McpServer)
      const store = Context.get(context, TaskStore)
      const client = yield* connectModern(server)
      const meta = withTasks()
      const started = performance.now()

      const created = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: n }, (_, i) => client.request("tools/call", { name: "held", arguments: { i } }, meta)))
      )
      const createdMillis = performance.now() - started
      const ids = created.map((answer) => {
        assert.strictEqual(answer.result?.resultType, "task", JSON.stringify(answer))
        return answer.result.taskId as string
      })
      assert.strictEqual(new Set(ids).size, n, "task ids are unique")
      assert.strictEqual(yield* store.size, n)
      assert.strictEqual(probe.started, n)
      assert.strictEqual(probe.finished, 0)

      // the owner's 1,001st is refused while all of them run
      const over = yield* Effect.promise(() => client.request("tools/call", { name: "held", arguments: { i: n } }, meta))
      assert.strictEqual(over.error?.code, 429, JSON.stringify(over))
      assert.strictEqual(over.error.data?.limit, "tasksPerRequestor")
      assert.strictEqual(yield* store.size, n)

      release()
      const finished = yield* Effect.promise(async () => {
        const done = new Map<string, any>()
        for (let round = 0; round < 100 && done.size < n; round++) {
          const open = ids.filter((id) => !done.has(id))
          const answers = await Promise.all(open.map((taskId) => client.request("tasks/get", { taskId }, meta)))
          answers.forEach((answer, k) => {
            if (answer.result?.status === "completed") done.set(open[k]!, answer.result)
            else if (answer.result?.status !== "working") throw new Error(`unexpected: ${JSON.stringify(answer)}`)
          })
          if (done.size < n) await sleep(50)
        }
        return done
      })
      const totalMillis = performance.now() - started
      assert.strictEqual(finished.size, n, `${finished.size} of ${n} completed`)
      for (const [i, taskId] of ids.entries()) assert.strictEqual(finished.get(taskId).result.content[0].text, `done ${i}`)
      assert.strictEqual(probe.finished, n)
      assert.strictEqual(yield* store.size, n, "ended tasks are kept for their TTL")

      // the oldest ended task makes room for a new one: still n stored
      const next = yield* Effect.promise(() => client.request("tools/call", { name: "later", arguments: {} }, meta))
      assert.strictEqual(next.result?.resultType, "task", JSON.stringify(next))
      assert.strictEqual(yield* store.size, n)
      assert.strictEqual((yield* Effect.promise(() => client.request("tasks/get", { taskId: ids[0] }, meta))).error?.code, -32602)
      assert.strictEqual((yield* Effect.promise(() => client.request("tasks/get", { taskId: ids[1] }, meta))).result?.status, "completed")
      assert.isBelow(totalMillis, 20_000, `took ${Math.round(totalMillis)} ms`)
      console.log(`1,000 extension tasks: created in ${Math.round(createdMillis)} ms, all completed in ${Math.round(totalMillis)} ms`)
    }), 60_000)
})
