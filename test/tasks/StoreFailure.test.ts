/**
 * A `TaskStore` that fails (`StoreError`: its Redis is down): every task request answers -32603
 * "Store unavailable: TaskStore" at once (tasks/get, tasks/result, tasks/list, tasks/cancel and
 * creation in 2025-11-25; tasks/get, tasks/update, tasks/cancel and creation in 2026-07-28), the
 * supervisor survives a `finish` that fails (logged), and everything answers again once the store
 * is back. The failing store is a stub over the in-memory one.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { components, options } from "../../examples/everything-server.ts"
import { maxLoggedMessage } from "../../src/internal/loggedCause.ts"
import { McpContext, McpServer } from "../../src/index.ts"
import { StoreError } from "../../src/store/StoreError.ts"
import type { Task } from "../../src/tasks/Task.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"
import { connectModern, withTasks } from "../extensions/support.ts"
import { captureLogs, eventually } from "../middleware/builtinHarness.ts"
import { rpcError } from "../middleware/builtinSupport.ts"
import { connect, type Server } from "../server/McpServerHarness.ts"
import { callAsTask, getTask, listTasks, sleep, untilTerminal } from "./support.ts"
import { withoutServerInfo } from "../support/serverInfo.ts"

type Operation = Exclude<keyof TaskStore["Service"], "changes" | "size">

/** The in-memory store, except that the operations in `down` fail with a `StoreError`. */
const flaky = Effect.gen(function*() {
  const memory = yield* makeMemory()
  const down = new Set<Operation>()
  const guard = <A, E>(operation: Operation, effect: () => Effect.Effect<A, E>): Effect.Effect<A, E | StoreError> =>
    down.has(operation)
      ? Effect.fail(new StoreError({ store: "TaskStore", message: "connection refused", cause: new Error("ECONNREFUSED") }))
      : effect()
  /** The tasks created, as created. */
  const created: Array<Task> = []
  const store = TaskStore.of({
    create: (input) => Effect.tap(guard("create", () => memory.create(input)), (task) => Effect.sync(() => created.push(task))),
    get: (taskId, owner) => guard("get", () => memory.get(taskId, owner)),
    list: (owner, cursor, pageSize, scope) => guard("list", () => memory.list(owner, cursor, pageSize, scope)),
    setStatus: (taskId, status, message) => guard("setStatus", () => memory.setStatus(taskId, status, message)),
    setInputRequests: (taskId, requests) => guard("setInputRequests", () => memory.setInputRequests(taskId, requests)),
    finish: (taskId, status, outcome, message) => guard("finish", () => memory.finish(taskId, status, outcome, message)),
    cancel: (taskId, owner) => guard("cancel", () => memory.cancel(taskId, owner)),
    awaitTerminal: (taskId, owner) => guard("awaitTerminal", () => memory.awaitTerminal(taskId, owner)),
    changes: memory.changes,
    size: memory.size
  })
  const all: ReadonlyArray<Operation> = [
    "create",
    "get",
    "list",
    "setStatus",
    "setInputRequests",
    "finish",
    "cancel",
    "awaitTerminal"
  ]
  return {
    store,
    memory,
    created,
    fail: (...operations: ReadonlyArray<Operation>) => {
      for (const operation of operations.length === 0 ? all : operations) down.add(operation)
    },
    recover: () => down.clear()
  }
})

/** The everything server over `store`. */
const serverOver = (store: TaskStore["Service"]) =>
  Effect.map(
    Layer.build(
      Layer.provideMerge(
        components,
        Layer.provideMerge(McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks() }), Layer.succeed(TaskStore, store))
      )
    ),
    (context): Server => Context.get(context, McpServer.McpServer)
  )

/** A 2026 client of a server with `tools` only, over `store`, promoting after `promoteAfterMillis`. */
const clientOf = (store: TaskStore["Service"], tools: Layer.Layer<never, never, McpServer.McpServer>, promoteAfterMillis: number) =>
  Effect.gen(function*() {
    const server = Context.get(
      yield* Layer.build(Layer.provideMerge(
        tools,
        Layer.provideMerge(McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks({ promoteAfterMillis }) }), Layer.succeed(TaskStore, store))
      )),
      McpServer.McpServer
    )
    return yield* connectModern(server)
  })

const unavailable = { code: -32603, message: "Store unavailable: TaskStore; retry later", data: { store: "TaskStore" } }

const assertUnavailable = (error: { readonly code: number; readonly message: string; readonly data?: unknown }) => {
  assert.strictEqual(error.code, unavailable.code)
  assert.include(error.message, unavailable.message)
  assert.deepStrictEqual(error.data, unavailable.data)
}

describe("a TaskStore that fails", () => {
  it.live("2025-11-25: tasks/get, result, list, cancel and creation answer -32603 at once, then recover", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const { client } = yield* connect(yield* serverOver(flakyStore.store))
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 5_000, steps: 10 })

      flakyStore.fail()
      assertUnavailable(yield* rpcError(() => client.experimental.tasks.getTask(task.taskId)))
      assertUnavailable(yield* rpcError(() => client.experimental.tasks.getTaskResult(task.taskId, undefined as never)))
      assertUnavailable(yield* rpcError(() => client.experimental.tasks.listTasks()))
      assertUnavailable(yield* rpcError(() => client.experimental.tasks.cancelTask(task.taskId)))
      assertUnavailable(
        yield* rpcError(() =>
          client.request(
            { method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 0 } } },
            {} as never,
            { task: {} }
          )
        )
      )
      // Calls that need no task store still answer.
      yield* Effect.promise(() => client.ping())

      flakyStore.recover()
      assert.strictEqual((yield* getTask(client, task.taskId)).status, "working")
      assert.deepStrictEqual((yield* listTasks(client)).tasks.map((t) => t.taskId), [task.taskId])
      assert.strictEqual((yield* Effect.promise(() => client.experimental.tasks.cancelTask(task.taskId))).status, "cancelled")
    }))

  it.live("a finish that fails is retried: the task is recorded once the store is back; the supervisor goes on", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const { client } = yield* connect(yield* serverOver(flakyStore.store))
      flakyStore.fail("finish")
      const { task: delayed } = yield* callAsTask(client, "test_task_slow", { ms: 20 })
      yield* Effect.promise(() => sleep(200))
      // The outcome could not be recorded yet: the task is as the store has it.
      assert.strictEqual((yield* getTask(client, delayed.taskId)).status, "working")

      flakyStore.recover()
      // Recorded by the retry (100 ms doubling to 5 s), with the work's own outcome.
      assert.strictEqual((yield* untilTerminal(client, delayed.taskId)).status, "completed")
      const { task } = yield* callAsTask(client, "test_task_slow", { ms: 20 })
      assert.strictEqual((yield* untilTerminal(client, task.taskId)).status, "completed")
    }))

  it.live("the retries stop when the supervisor's scope closes: a shutdown during an outage does not wait for the store", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      let finishes = 0
      const counting = TaskStore.of({
        ...flakyStore.store,
        finish: (taskId, status, outcome, message) => {
          finishes++
          return flakyStore.store.finish(taskId, status, outcome, message)
        }
      })
      flakyStore.fail("finish")
      const scope = yield* Scope.make()
      const supervisor = TaskSupervisor.make(counting, scope)
      // One work ended (its end retried), one still running when the scope closes (interrupted then).
      yield* supervisor.spawn({ owner: "o", method: "tools/call" }, () => Effect.succeed({ content: [] }))
      yield* supervisor.spawn({ owner: "o", method: "tools/call" }, () => Effect.never)
      yield* Effect.promise(() => sleep(400))
      assert.isAtLeast(finishes, 2, "retried")
      yield* Scope.close(scope, Exit.void)
      const atClose = finishes
      yield* Effect.promise(() => sleep(1_000))
      assert.isAtMost(finishes, atClose + 1, "the interrupted work's one attempt, no retry after the close")
      assert.strictEqual(yield* supervisor.running, 0)
    }))

  it.live("a finish that dies (an outcome the store cannot take) is not retried: the task leaves, its lease left to lapse", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      let finishes = 0
      const dying = TaskStore.of({
        ...memory,
        finish: () => {
          finishes++
          return Effect.die(new TypeError("Do not know how to serialize a BigInt"))
        }
      })
      const supervisor = TaskSupervisor.make(dying, yield* Effect.scope)
      yield* supervisor.spawn({ owner: "o", method: "tools/call" }, () => Effect.succeed({ content: [] }))
      yield* Effect.promise(() => sleep(500))
      assert.strictEqual(finishes, 1)
      assert.strictEqual(yield* supervisor.running, 0)
    }).pipe(Effect.scoped))

  it.live("a finish that dies with a 5 MB message is logged with the message clipped to 4 KB", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      const huge = `outcome refused: ${"x".repeat(5 * 1024 * 1024)}`
      const dying = TaskStore.of({ ...memory, finish: () => Effect.die(new Error(huge)) })
      const { entries, logger } = captureLogs()
      const supervisor = TaskSupervisor.make(dying, yield* Effect.scope)
      // The work runs with the caller's services: its loggers too.
      yield* supervisor.spawn({ owner: "o", method: "tools/call" }, () => Effect.succeed({ content: [] })).pipe(
        Effect.provide(Logger.layer([logger]))
      )
      yield* eventually(() => entries.some((entry) => entry.message.startsWith("TaskStore failed to record the end of task")))
      const [entry] = entries.filter((entry) => entry.message.startsWith("TaskStore failed to record the end of task"))
      assert.include(entry!.cause, "outcome refused")
      // Fails before: the 5 MB message (twice: the message, and the stack that repeats it)
      assert.include(entry!.cause, `(${huge.length - maxLoggedMessage} more characters)`)
      assert.isBelow(entry!.cause.length, 3 * maxLoggedMessage)
    }).pipe(Effect.scoped))

  it.live("2026-07-28: tasks/get, tasks/update, tasks/cancel and a promotion answer -32603, then recover", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const client = yield* connectModern(yield* serverOver(flakyStore.store))
      const meta = withTasks()
      const request = (method: string, params: Record<string, unknown>) =>
        Effect.promise(() => client.request(method, params, meta))
      const created = (yield* request("tools/call", { name: "slow_compute", arguments: { seconds: 5 } })).result
      assert.strictEqual(created.resultType, "task", JSON.stringify(created))

      flakyStore.fail()
      assertUnavailable((yield* request("tasks/get", { taskId: created.taskId })).error)
      assertUnavailable((yield* request("tasks/update", { taskId: created.taskId, inputResponses: {} })).error)
      assertUnavailable((yield* request("tasks/cancel", { taskId: created.taskId })).error)
      // A call the server decides to make a task cannot become one: -32603 once it is promoted.
      assertUnavailable((yield* request("tools/call", { name: "slow_compute", arguments: { seconds: 5 } })).error)
      // A call that ends first needs no store.
      const direct = (yield* request("tools/call", { name: "slow_compute", arguments: { seconds: 0 } })).result
      assert.notStrictEqual(direct.resultType, "task", JSON.stringify(direct))

      flakyStore.recover()
      assert.strictEqual((yield* request("tasks/get", { taskId: created.taskId })).result.status, "working")
      assert.deepStrictEqual(withoutServerInfo((yield* request("tasks/cancel", { taskId: created.taskId })).result), { resultType: "complete" })
      assert.strictEqual((yield* request("tasks/get", { taskId: created.taskId })).result.status, "cancelled")
    }))

  // Fails before: the call was answered -32603 "Store unavailable" though its work had run (a
  // client asking again ran it twice), as a failed creation of its task no longer is.
  it.live("2026-07-28: a required tool that ended before it became a task, its task's end not recordable: its result, not -32603", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const client = yield* connectModern(yield* serverOver(flakyStore.store))
      flakyStore.fail("finish")
      // test_task_required ends within promoteAfterMillis: a task that already ended is made for it.
      const answer = yield* Effect.promise(() => client.request("tools/call", { name: "test_task_required", arguments: {} }, withTasks()))
      assert.isUndefined(answer.error, JSON.stringify(answer))
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "required task done" }], JSON.stringify(answer))
    }))

  // Fails before: the task, which no client knows of, stayed working (holding a place against the
  // task limits) until its TTL, an hour by default.
  it.live("2026-07-28: a required tool's task whose end the store failed to record has it recorded once the store is back", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const client = yield* connectModern(yield* serverOver(flakyStore.store))
      flakyStore.fail("finish")
      const answer = yield* Effect.promise(() => client.request("tools/call", { name: "test_task_required", arguments: {} }, withTasks()))
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "required task done" }], JSON.stringify(answer))
      assert.strictEqual(flakyStore.created.length, 1)
      const task = flakyStore.created[0]!
      assert.strictEqual((yield* flakyStore.memory.get(task.taskId, task.owner)).status, "working")
      flakyStore.recover()
      // Retried 100 ms after, then doubling: within 3 s.
      yield* eventually(Effect.map(Effect.orDie(flakyStore.memory.get(task.taskId, task.owner)), (now) => now.status === "completed"), 3_000)
      const ended = yield* flakyStore.memory.get(task.taskId, task.owner)
      assert.deepStrictEqual((ended.outcome as any)?.result?.content, [{ type: "text", text: "required task done" }])
    }))

  it.live("2026-07-28: McpContext.becomeTask fails with a StoreUnavailable the handler can catch (a store that failed), as its type says", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const Fallback = McpServer.tool({
        name: "fallback",
        execution: { taskSupport: "optional" },
        handler: () =>
          McpContext.becomeTask.pipe(
            Effect.as("a task"),
            Effect.catchTag("StoreUnavailable", (error) => Effect.succeed(`inline, ${error.store} unavailable`))
          )
      })
      const Bare = McpServer.tool({ name: "bare", execution: { taskSupport: "optional" }, handler: () => Effect.as(McpContext.becomeTask, "a task") })
      const client = yield* clientOf(flakyStore.store, Layer.merge(Fallback, Bare), 60_000)
      flakyStore.fail("create")
      const answer = yield* Effect.promise(() => client.request("tools/call", { name: "fallback", arguments: {} }, withTasks()))
      assert.isUndefined(answer.error, JSON.stringify(answer))
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "inline, TaskStore unavailable" }], JSON.stringify(answer))
      // Uncaught, it is answered -32603 "Store unavailable: TaskStore" as before.
      assertUnavailable((yield* Effect.promise(() => client.request("tools/call", { name: "bare", arguments: {} }, withTasks()))).error)
    }))

  // Fails before: the server's promoteAfterMillis timer, firing after the handler caught its
  // becomeTask's failure, waited for the same failed creation and ended the call with it (-32603
  // "Store unavailable", the handler's work interrupted): the handler's recovery lost.
  it.live("2026-07-28: a handler that caught its becomeTask's failure runs on and is answered directly, past promoteAfterMillis", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const Fallback = McpServer.tool({
        name: "fallback_slow",
        execution: { taskSupport: "optional" },
        handler: () =>
          McpContext.becomeTask.pipe(
            Effect.as("a task"),
            // The store back as the handler recovers: the timer must not make the task after all.
            Effect.catchTag("StoreUnavailable", (error) =>
              Effect.andThen(Effect.sync(() => flakyStore.recover()), Effect.as(Effect.sleep(300), `inline, ${error.store} unavailable`)))
          )
      })
      const client = yield* clientOf(flakyStore.store, Fallback, 20)
      flakyStore.fail("create")
      const answer = yield* Effect.promise(() => client.request("tools/call", { name: "fallback_slow", arguments: {} }, withTasks()))
      assert.isUndefined(answer.error, JSON.stringify(answer))
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "inline, TaskStore unavailable" }], JSON.stringify(answer))
      // No task was made: the one creation failed, and the timer made no other (the store back by then).
      assert.strictEqual(flakyStore.created.length, 0)
    }))

  // Fails before: the question, stopped as becomeTask started, was taken back and asked again in
  // the round once the creation failed, its chosen key taken by its own first asking: listed as
  // "name-3", while the handler asks for "name" every round, the answer never given (input_required
  // round after round).
  it.live("2026-07-28: a question keyed by the handler beside a becomeTask that failed (caught) is asked under its key; answered, the call completes", () =>
    Effect.gen(function*() {
      const flakyStore = yield* flaky
      const Ask = McpServer.tool({
        name: "fallback_ask",
        execution: { taskSupport: "optional" },
        handler: () =>
          // The question first: it stops, and becomeTask starts the creation as it yields.
          Effect.all([
            Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }), { inputKey: "name" })),
            McpContext.becomeTask.pipe(Effect.catchTag("StoreUnavailable", () => Effect.void))
          ], { concurrency: 2 }).pipe(Effect.map(([answer]) => answer.action === "accept" ? `hello ${answer.content.name}` : answer.action))
      })
      const client = yield* clientOf(flakyStore.store, Ask, 60_000)
      flakyStore.fail("create")
      const meta = withTasks({ elicitation: {} })
      const first = yield* Effect.promise(() => client.request("tools/call", { name: "fallback_ask", arguments: {} }, meta))
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(Object.keys(first.result.inputRequests), ["name"], JSON.stringify(first))
      const retried = yield* Effect.promise(() =>
        client.request("tools/call", {
          name: "fallback_ask",
          arguments: {},
          inputResponses: { name: { action: "accept", content: { name: "Ada" } } },
          requestState: first.result.requestState
        }, meta)
      )
      assert.isUndefined(retried.error, JSON.stringify(retried))
      assert.deepStrictEqual(retried.result.content, [{ type: "text", text: "hello Ada" }], JSON.stringify(retried))
    }))
})
