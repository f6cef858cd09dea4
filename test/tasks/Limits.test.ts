/**
 * Task retention and limits (MCP 2025-11-25): the TTL counts from creation and expired tasks are
 * gone (-32602) and reaped from memory; a requested TTL is capped; an owner holding its maximum
 * of running tasks gets a clear error (429 LimitExceeded, naming the limit) until one ends.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { taskProbe } from "../../examples/everything-server.ts"
import { McpServer } from "../../src/index.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
import { connectModern, withTasks } from "../extensions/support.ts"
import { connect, connectRaw, sdkError, settle } from "../server/McpServerHarness.ts"
import {
  callAsTask,
  cancelTask,
  everything,
  everythingWithStore,
  getTask,
  listTasks,
  rawCaller,
  sleep,
  untilTerminal
} from "./support.ts"

describe("TTL", () => {
  it.live("a finished task disappears after its TTL (defaultTtlMillis, reaper)", () =>
    Effect.gen(function*() {
      const server = yield* everything({ defaultTtlMillis: 200, reapIntervalMillis: 50 })
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 0 })
      assert.strictEqual(task.ttl, 200)
      const ended = yield* untilTerminal(client, task.taskId)
      assert.strictEqual(ended.status, "completed")
      assert.strictEqual(ended.ttl, 200)
      yield* settle(300)
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTask(task.taskId))).code, -32602)
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTaskResult(task.taskId))).code, -32602)
      assert.deepStrictEqual((yield* listTasks(client)).tasks, [])
    }))

  it.live("the TTL counts from createdAt, not from the end of the work", () =>
    Effect.gen(function*() {
      const server = yield* everything({ defaultTtlMillis: 400, reapIntervalMillis: 50 })
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 250 })
      yield* untilTerminal(client, task.taskId)
      // ended at ~250 ms; created + 400 ms has passed at ~500 ms (a TTL from the end would last to ~650 ms)
      yield* settle(300)
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTask(task.taskId))).code, -32602)
    }))

  it.live("the reaper removes expired tasks from memory without anyone asking", () =>
    Effect.gen(function*() {
      const { server, store } = yield* everythingWithStore({ defaultTtlMillis: 100, reapIntervalMillis: 50 })
      const { client } = yield* connect(server)
      for (let i = 0; i < 5; i++) yield* callAsTask(client, "test_task_slow", { ms: 0 })
      assert.strictEqual(yield* store.size, 5)
      yield* settle(250)
      assert.strictEqual(yield* store.size, 0)
    }))

  it.live("a requested TTL above maxTtlMillis is capped (and a smaller one is kept)", () =>
    Effect.gen(function*() {
      const server = yield* everything({ maxTtlMillis: 1_000 })
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 0 }, 60_000)
      assert.strictEqual(task.ttl, 1_000)
      assert.strictEqual((yield* getTask(client, task.taskId)).ttl, 1_000)
      const { task: small } = yield* callAsTask(client, "test_task_slow", { ms: 0 }, 500)
      assert.strictEqual(small.ttl, 500)
      // the default TTL is capped too
      const capped = yield* everything({ maxTtlMillis: 1_000, defaultTtlMillis: 5_000 })
      const other = yield* connect(capped)
      assert.strictEqual((yield* callAsTask(other.client, "test_task_slow", { ms: 0 })).task.ttl, 1_000)
    }))
})

describe("TTL and poll interval on the wire", () => {
  it.live("whole milliseconds (a fractional option is not sent as is); an unbounded TTL is null, in both eras", () =>
    Effect.gen(function*() {
      const fractional = yield* everything({ pollIntervalMillis: 1_500.5, defaultTtlMillis: 60_000.7, promoteAfterMillis: 0 })
      const call = rawCaller(yield* connectRaw(fractional))
      const created = yield* Effect.promise(() => call("tools/call", { name: "test_task_slow", arguments: { ms: 300 }, task: {} }))
      assert.deepInclude(created.result?.task, { ttl: 60_000, pollInterval: 1_501 }, JSON.stringify(created))
      const got = yield* Effect.promise(() => call("tasks/get", { taskId: created.result.task.taskId }))
      assert.deepInclude(got.result, { ttl: 60_000, pollInterval: 1_501 }, JSON.stringify(got))
      const modern = yield* connectModern(fractional)
      const task = yield* Effect.promise(() => modern.request("tools/call", { name: "test_task_slow", arguments: { ms: 300 } }, withTasks()))
      assert.deepInclude(task.result, { resultType: "task", ttlMs: 60_000, pollIntervalMs: 1_501 }, JSON.stringify(task))
      // Kept until the server decides: null (an SDK client refused the Infinity it got in memory).
      const unbounded = yield* everything({ defaultTtlMillis: Number.POSITIVE_INFINITY, maxTtlMillis: Number.POSITIVE_INFINITY, promoteAfterMillis: 0 })
      const { client } = yield* connect(unbounded)
      const { task: kept } = yield* callAsTask(client, "test_task_slow", { ms: 0 })
      assert.isNull(kept.ttl)
      assert.isNull((yield* untilTerminal(client, kept.taskId)).ttl)
      const other = yield* connectModern(unbounded)
      const modernKept = yield* Effect.promise(() => other.request("tools/call", { name: "test_task_slow", arguments: { ms: 300 } }, withTasks()))
      assert.isNull(modernKept.result?.ttlMs, JSON.stringify(modernKept))
    }))
})

describe("limits", () => {
  it.live("maxTasksPerOwner: with all of an owner's tasks running, creation fails with 429 naming the limit", () =>
    Effect.gen(function*() {
      const server = yield* everything({ maxTasksPerOwner: 2 })
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const start = () => call("tools/call", { name: "test_task_slow", arguments: { ms: 3_000, steps: 30 }, task: {} })
      const first = yield* Effect.promise(start)
      yield* Effect.promise(start)
      const refused = yield* Effect.promise(start)
      assert.isUndefined(refused.result)
      assert.strictEqual(refused.error?.code, 429)
      assert.match(refused.error.message, /\b2\b/)
      assert.match(refused.error.message, /per requestor/)
      assert.deepStrictEqual(refused.error.data, { limit: "tasksPerRequestor", max: 2 })
      // another owner (session) is not affected
      const other = rawCaller(yield* connectRaw(server))
      const theirs = yield* Effect.promise(() =>
        other("tools/call", { name: "test_task_slow", arguments: { ms: 0 }, task: {} })
      )
      assert.strictEqual(theirs.result?.task.status, "working")
      // once one ends (cancelled), there is room again
      yield* Effect.promise(() => call("tasks/cancel", { taskId: first.result.task.taskId }))
      const again = yield* Effect.promise(start)
      assert.strictEqual(again.result?.task.status, "working")
      const list = yield* Effect.promise(() => call("tasks/list", {}))
      assert.strictEqual(list.result.tasks.length, 2)
    }))

  it.live("maxTasksPerOwner: the owner's oldest finished task makes room for a new one", () =>
    Effect.gen(function*() {
      const server = yield* everything({ maxTasksPerOwner: 2 })
      const { client } = yield* connect(server)
      const { task: oldest } = yield* callAsTask(client, "test_task_slow", { ms: 0 })
      const { task: running } = yield* callAsTask(client, "test_task_slow", { ms: 3_000, steps: 30 })
      yield* untilTerminal(client, oldest.taskId)
      const { task: newest } = yield* callAsTask(client, "test_task_slow", { ms: 0 })
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTask(oldest.taskId))).code, -32602)
      const listed = (yield* listTasks(client)).tasks.map((t) => t.taskId)
      assert.deepStrictEqual(listed, [running.taskId, newest.taskId])
      yield* cancelTask(client, running.taskId)
    }))

  it.live("maxTasks: the server-wide limit across owners", () =>
    Effect.gen(function*() {
      const server = yield* everything({ maxTasks: 2 })
      const a = rawCaller(yield* connectRaw(server))
      const b = rawCaller(yield* connectRaw(server))
      const slow = { name: "test_task_slow", arguments: { ms: 3_000, steps: 30 }, task: {} }
      yield* Effect.promise(() => a("tools/call", slow))
      yield* Effect.promise(() => b("tools/call", slow))
      const refused = yield* Effect.promise(() => b("tools/call", slow))
      assert.strictEqual(refused.error?.code, 429)
      assert.match(refused.error.message, /\b2\b/)
    }))

  it.live("a tiny requested TTL (0, negative, 1 ms) cannot bypass maxTasksPerOwner: running work stays bounded", () =>
    Effect.gen(function*() {
      // A tool that counts how many of its runs are active at once.
      const gauge = { active: 0, peak: 0 }
      const Busy = McpServer.tool({
        name: "busy",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.suspend(() => {
            gauge.peak = Math.max(gauge.peak, ++gauge.active)
            return Effect.as(Effect.sleep(400), "busy done")
          }).pipe(Effect.ensuring(Effect.sync(() => gauge.active--)))
      })
      const server = yield* everything({ maxTasksPerOwner: 2, reapIntervalMillis: 50 }, Busy)
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const answers: Array<any> = []
      for (const ttl of [0, -5, 1, 0, 1]) {
        answers.push(yield* Effect.promise(() => call("tools/call", { name: "busy", arguments: {}, task: { ttl } })))
        yield* settle(5)
      }
      const refused = answers.filter((a) => a.error !== undefined)
      // Either the extra tasks are refused (429) or the work of tasks that are gone is stopped:
      // an owner must never have more than 2 tasks' work running at once.
      assert.isAtMost(gauge.peak, 2, `peak of concurrently running task work: ${gauge.peak}; refused: ${refused.length}`)
      yield* Effect.promise(() => sleep(450))
    }))

  it.live("a working task whose TTL elapsed is gone, and so is its work (no unreachable work keeps running)", () =>
    Effect.gen(function*() {
      const server = yield* everything({ reapIntervalMillis: 50 })
      const { client } = yield* connect(server)
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 2_000, steps: 40 }, 100)
      yield* settle(250)
      // gone, as the spec allows: nobody can reach it any more, not even to cancel it
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.getTask(task.taskId))).code, -32602)
      assert.strictEqual((yield* sdkError(() => client.experimental.tasks.cancelTask(task.taskId))).code, -32602)
      const steps = taskProbe.steps
      yield* settle(200)
      assert.strictEqual(taskProbe.steps, steps, "the work of an expired (unreachable) task is still running")
    }))
})

describe("options out of range", () => {
  // Fails before: nothing was checked. A limit of NaN (e.g. `Number(process.env.X)` of a variable
  // that does not parse) compared false with every count, lifting the limit; a TTL of 0 made every
  // task expired as it was created; a lease of 0 renewed every millisecond.
  it("are refused when made, with a RangeError naming the option", () => {
    const bad: ReadonlyArray<[string, McpServer.TaskOptions]> = [
      ["maxTasksPerOwner", { maxTasksPerOwner: Number.NaN }],
      ["maxTasksPerOwner", { maxTasksPerOwner: 0 }],
      ["maxTasks", { maxTasks: 2.5 }],
      ["maxTasksPerAddress", { maxTasksPerAddress: -1 }],
      ["defaultTtlMillis", { defaultTtlMillis: 0 }],
      ["maxTtlMillis", { maxTtlMillis: Number.NaN }],
      ["minTtlMillis", { minTtlMillis: Number.NaN }],
      ["pollIntervalMillis", { pollIntervalMillis: -1 }],
      ["reapIntervalMillis", { reapIntervalMillis: 0 }],
      ["listPageSize", { listPageSize: Number.NaN }],
      ["promoteAfterMillis", { promoteAfterMillis: Number.POSITIVE_INFINITY }],
      // A Node timer past 2^31 - 1 ms fires after 1 ms: every call would become a task at once.
      ["promoteAfterMillis", { promoteAfterMillis: 2 ** 31 }],
      ["leaseMillis", { leaseMillis: 0 }]
    ]
    for (const [name, options] of bad) {
      assert.throws(() => McpServer.tasks(options), RangeError, `McpServer.tasks: ${name} must be`, name)
    }
    assert.throws(() => TaskStore.layerMemory({ maxTasksPerOwner: Number.NaN }), RangeError, "TaskStore: maxTasksPerOwner must be")
    // What the limits document stays allowed: Infinity lifts one.
    assert.doesNotThrow(() =>
      McpServer.tasks({
        maxTasks: Number.POSITIVE_INFINITY,
        maxTasksPerOwner: 1,
        maxTtlMillis: Number.POSITIVE_INFINITY,
        minTtlMillis: 0,
        pollIntervalMillis: 0,
        listPageSize: 1,
        promoteAfterMillis: 0,
        leaseMillis: 1
      })
    )
  })
})
