/**
 * `input_required` (MCP 2025-11-25): a task that elicits from the client sends the request with
 * the related-task `_meta`, is `input_required` while the client has not answered, goes back to
 * `working` and ends `completed` with the handler's result once it has.
 */
import { assert, describe, it } from "@effect/vitest"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { McpContext, McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { connect, type Server } from "../server/McpServerHarness.ts"
import { callAsTask, cancelTask, everything, getTask, RELATED, sleep, toolTaskResult, untilTerminal } from "./support.ts"

/** Gives up a first question after 100 ms, then asks its name. */
const AsksTwice = McpServer.tool({
  name: "asks_twice",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.elicit("Anything to add?", Schema.Struct({ note: Schema.String })).pipe(Effect.timeout("100 millis"), Effect.ignore)
      const outcome = yield* McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))
      return outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"
    }).pipe(Effect.orDie)
})

/** The everything server (and `AsksTwice`) over the in-memory store, whose status changes take 300 ms (a store under load). */
const slowStatusServer = Effect.gen(function*() {
  const memory = yield* makeMemory()
  const store = TaskStore.of({ ...memory, setStatus: (taskId, status, message) => Effect.andThen(Effect.sleep(300), memory.setStatus(taskId, status, message)) })
  const context = yield* Layer.build(
    Layer.provideMerge(
      Layer.merge(components, AsksTwice),
      Layer.provideMerge(McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks() }), Layer.succeed(TaskStore, store))
    )
  )
  return Context.get(context, McpServer.McpServer) as Server
})

/** A client whose elicitation handler waits until the test releases it with an answer. */
const connectEliciting = (server: Parameters<typeof connect>[0]) =>
  Effect.gen(function*() {
    const connected = yield* connect(server, { capabilities: { elicitation: {} } })
    const requests: Array<any> = []
    let release: (answer: any) => void = () => {}
    const answered = new Promise<any>((resolve) => (release = resolve))
    connected.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      requests.push(request)
      return await answered
    })
    return { ...connected, requests, release }
  })

describe("input_required", () => {
  it.live("elicitation from a task: related-task _meta, input_required while unanswered, then completed", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client, requests, release, received } = yield* connectEliciting(server)
      const { task } = yield* callAsTask(client, "test_task_input")
      assert.strictEqual(task.status, "working")
      yield* Effect.promise(async () => {
        for (let i = 0; i < 500 && requests.length === 0; i++) await sleep(5)
      })
      assert.strictEqual(requests.length, 1, "no elicitation request reached the client")
      // the request as sent on the wire carries the related-task _meta
      const wire = received.find((m) => m.method === "elicitation/create")
      assert.deepStrictEqual(wire.params._meta?.[RELATED], { taskId: task.taskId })
      assert.strictEqual(wire.params.message, "What is your name?")
      // while the client has not answered, the task is input_required
      const waiting = yield* getTask(client, task.taskId)
      assert.strictEqual(waiting.status, "input_required")
      const listed = yield* Effect.promise(() => client.experimental.tasks.listTasks())
      assert.strictEqual(listed.tasks.find((t) => t.taskId === task.taskId)?.status, "input_required")
      release({ action: "accept", content: { name: "ada" } })
      const result = yield* toolTaskResult(client, task.taskId)
      assert.strictEqual((result.content[0] as any).text, "hello ada")
      assert.deepStrictEqual(result._meta?.[RELATED], { taskId: task.taskId })
      assert.strictEqual((yield* untilTerminal(client, task.taskId)).status, "completed")
      // the transitions were notified in order
      yield* Effect.promise(() => sleep(30))
      const statuses = received
        .filter((m) => m.method === "notifications/tasks/status" && m.params.taskId === task.taskId)
        .map((m) => m.params.status)
      const inputAt = statuses.indexOf("input_required")
      assert.isAtLeast(inputAt, 0, JSON.stringify(statuses))
      assert.include(statuses.slice(inputAt + 1), "working")
      assert.strictEqual(statuses.at(-1), "completed")
    }))

  it.live("a declined elicitation: the task still completes with the handler's result", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client, release, requests } = yield* connectEliciting(server)
      release({ action: "decline" })
      const { task } = yield* callAsTask(client, "test_task_input")
      const result = yield* toolTaskResult(client, task.taskId)
      assert.strictEqual((result.content[0] as any).text, "no name (decline)")
      assert.strictEqual(requests.length, 1)
      assert.strictEqual((yield* getTask(client, task.taskId)).status, "completed")
    }))

  it.live("cancelling a task that waits for input: cancelled, and a late answer changes nothing", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client, release, requests } = yield* connectEliciting(server)
      const { task } = yield* callAsTask(client, "test_task_input")
      yield* Effect.promise(async () => {
        for (let i = 0; i < 500 && requests.length === 0; i++) await sleep(5)
      })
      assert.strictEqual((yield* getTask(client, task.taskId)).status, "input_required")
      assert.strictEqual((yield* cancelTask(client, task.taskId)).status, "cancelled")
      release({ action: "accept", content: { name: "late" } })
      yield* Effect.promise(() => sleep(50))
      assert.strictEqual((yield* getTask(client, task.taskId)).status, "cancelled")
    }))

  it.live("cancelling a task that waits for input: the notifications/cancelled of its request carries the related-task _meta", () =>
    Effect.gen(function*() {
      const server = yield* everything()
      const { client, requests, received } = yield* connectEliciting(server)
      const { task } = yield* callAsTask(client, "test_task_input")
      yield* Effect.promise(async () => {
        for (let i = 0; i < 500 && requests.length === 0; i++) await sleep(5)
      })
      const request = received.find((m) => m.method === "elicitation/create")
      assert.isDefined(request, "no elicitation request reached the client")
      assert.strictEqual((yield* cancelTask(client, task.taskId)).status, "cancelled")
      const cancelled = yield* Effect.promise(async () => {
        for (let i = 0; i < 200; i++) {
          const found = received.find((m) => m.method === "notifications/cancelled" && m.params?.requestId === request.id)
          if (found !== undefined) return found
          await sleep(5)
        }
        return undefined
      })
      assert.isDefined(cancelled, "no notifications/cancelled for the task's request")
      assert.deepStrictEqual(cancelled.params._meta?.[RELATED], { taskId: task.taskId }, JSON.stringify(cancelled))
    }))

  // Fails before: the first question, given up while its input_required was being recorded, left
  // the task counted as asking (its end never counted): the second question did not make the
  // task input_required, so a client polling tasks/get never learnt to answer it.
  it.live("a question given up while its input_required is recorded: the next one makes the task input_required again", () =>
    Effect.gen(function*() {
      const server = yield* slowStatusServer
      const { client, requests, release } = yield* connectEliciting(server)
      const { task } = yield* callAsTask(client, "asks_twice")
      yield* Effect.promise(async () => {
        for (let i = 0; i < 600 && requests.length === 0; i++) await sleep(5)
      })
      assert.deepStrictEqual(requests.map((request) => request.params.message), ["What is your name?"])
      let status: string | undefined
      for (let i = 0; i < 250 && status !== "input_required"; i++) {
        status = (yield* getTask(client, task.taskId)).status
        if (status !== "input_required") yield* Effect.sleep(20)
      }
      assert.strictEqual(status, "input_required", "the task waits for its second answer but is not input_required")
      release({ action: "accept", content: { name: "ada" } })
      const result = yield* toolTaskResult(client, task.taskId)
      assert.strictEqual((result.content[0] as any).text, "hello ada")
      assert.strictEqual((yield* untilTerminal(client, task.taskId)).status, "completed")
    }))
})
