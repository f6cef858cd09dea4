/**
 * Shared helpers of the task tests (MCP 2025-11-25, SEP-1686): the everything server with task
 * options and extra components (optionally over a `TaskStore` kept in hand, to look inside it),
 * SDK v1 shortcuts for task-augmented calls, and a raw JSON-RPC request helper with fresh ids.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { CallToolResultSchema, CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer } from "../../src/index.ts"
import type { StoreError } from "../../src/store/StoreError.ts"
import { type MemoryOptions, type TaskLimitExceeded, TaskStore } from "../../src/tasks/TaskStore.ts"
import { type RawClient, type Server, sdk, startServer } from "../server/McpServerHarness.ts"

/** The `tasks` option of the server. */
export type TaskOptions = McpServer.TaskOptions
/** Component Layers. */
export type Components = Layer.Layer<never, never, McpServer.McpServer>

/** The related-task `_meta` key. */
export const RELATED = "io.modelcontextprotocol/related-task"

/** The everything server with `tasks` options (`null`: tasks disabled) and extra components. */
export const everything = (
  tasks: TaskOptions | null = {},
  extra: Components = Layer.empty,
  more: Partial<McpServer.Options> = {}
): Effect.Effect<Server, never, Scope.Scope> =>
  startServer({ ...options, ...more, tasks: tasks === null ? undefined : McpServer.tasks(tasks) }, Layer.merge(components, extra))

/** The everything server over a provided in-memory `TaskStore`, returned too (to inspect its size). */
export const everythingWithStore = (
  memory: MemoryOptions,
  tasks: TaskOptions = {},
  extra: Components = Layer.empty
): Effect.Effect<{ readonly server: Server; readonly store: TaskStore["Service"] }, never, Scope.Scope> =>
  Effect.map(
    Layer.build(
      Layer.provideMerge(
        Layer.merge(components, extra),
        Layer.provideMerge(McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks(tasks) }), TaskStore.layerMemory(memory))
      )
    ),
    (context) => ({ server: Context.get(context, McpServer.McpServer), store: Context.get(context, TaskStore) })
  )

/** A wire task as the SDK decodes it. */
export interface WireTask {
  readonly taskId: string
  readonly status: string
  readonly statusMessage?: string | undefined
  readonly createdAt: string
  readonly lastUpdatedAt: string
  readonly ttl: number | null
  readonly pollInterval?: number | undefined
}

/** `tools/call` as a task through the SDK client; answers the `CreateTaskResult`. */
export const callAsTask = (
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  ttl?: number
) =>
  sdk(() =>
    client.request(
      { method: "tools/call", params: { name, arguments: args } },
      CreateTaskResultSchema,
      { task: ttl === undefined ? {} : { ttl } }
    )
  )

/** `tasks/get` through the SDK client. */
export const getTask = (client: Client, taskId: string) => sdk(() => client.experimental.tasks.getTask(taskId))

/** `tasks/result` of a tool task through the SDK client. */
export const toolTaskResult = (client: Client, taskId: string) =>
  sdk(() => client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema))

/** `tasks/cancel` through the SDK client. */
export const cancelTask = (client: Client, taskId: string) => sdk(() => client.experimental.tasks.cancelTask(taskId))

/** `tasks/list` through the SDK client. */
export const listTasks = (client: Client, cursor?: string) => sdk(() => client.experimental.tasks.listTasks(cursor))

/** Whether a status is terminal. */
export const isTerminal = (status: string) => status === "completed" || status === "failed" || status === "cancelled"

/** Polls `tasks/get` every 10 ms until the task is terminal (fails after `timeoutMillis`). */
export const untilTerminal = (client: Client, taskId: string, timeoutMillis = 5_000) =>
  Effect.gen(function*() {
    const start = Date.now()
    while (true) {
      const task = yield* getTask(client, taskId)
      if (isTerminal(task.status)) return task
      if (Date.now() - start > timeoutMillis) return yield* Effect.die(new Error(`task ${taskId} still ${task.status}`))
      yield* Effect.promise(() => sleep(10))
    }
  })

/** A plain timer (the tests run with the live clock). */
export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** Raw requests with fresh ids: `call(method, params)` answers the whole response message. */
export const rawCaller = (raw: RawClient) => {
  let next = 0
  return (method: string, params?: unknown): Promise<any> => raw.request(`r${next++}`, method, params)
}

/** The text of the first content block of a tool result. */
export const firstText = (result: unknown): string =>
  ((result as { readonly content: ReadonlyArray<{ readonly text: string }> }).content)[0]!.text

/** An ISO 8601 timestamp as `Date#toISOString` writes it. */
export const isIsoTimestamp = (value: unknown): boolean =>
  typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
  new Date(value).toISOString() === value

/** The limit a creation was refused with (a store failure is a defect here: these stores never fail). */
export const refusal = <A>(effect: Effect.Effect<A, TaskLimitExceeded | StoreError>): Effect.Effect<TaskLimitExceeded> =>
  Effect.matchEffect(effect, {
    onSuccess: () => Effect.die("created"),
    onFailure: (error) => error._tag === "TaskLimitExceeded" ? Effect.succeed(error) : Effect.die(error)
  })
