/**
 * The MCP 2025-11-25 edge of tasks (SEP-1686): the wire `Task`, `CreateTaskResult`,
 * the related-task `_meta`, and the mapping of store errors to JSON-RPC errors.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as McpError from "../../protocol/McpError.ts"
import type { CreateTaskResult, Task as WireTask } from "../../protocol/McpSchema.ts"
import { relatedTaskMetaKey, type Task } from "../Task.ts"
import { isoTime, wirePollInterval, wireTtl } from "./time.ts"
import type { StoreError } from "../../store/StoreError.ts"
import type { InvalidTaskCursor, TaskAlreadyTerminal, TaskLimitExceeded, TaskNotFound } from "../TaskStore.ts"
import { errorForLog } from "../../internal/loggedCause.ts"

/** The task as 2025-11-25 sends it (`tasks/get`, `tasks/cancel`, `notifications/tasks/status`). */
export const toWire = (task: Task): WireTask => {
  const wire: { -readonly [K in keyof WireTask]: WireTask[K] } = {
    taskId: task.taskId,
    status: task.status,
    createdAt: isoTime(task.createdAt),
    lastUpdatedAt: isoTime(task.lastUpdatedAt),
    ttl: wireTtl(task.ttlMillis)
  }
  if (task.statusMessage !== undefined) wire.statusMessage = task.statusMessage
  if (task.pollIntervalMillis !== undefined) wire.pollInterval = wirePollInterval(task.pollIntervalMillis)
  return wire
}

/** The immediate answer to a task-augmented request. */
export const createTaskResult = (task: Task): CreateTaskResult => ({ task: toWire(task) })

/** `_meta` tying a message to a task. */
export const relatedTaskMeta = (taskId: string) => ({ [relatedTaskMetaKey]: { taskId } })

/** A result (of `tasks/result`) with the related-task `_meta` added. */
export const withRelatedTask = (result: object, taskId: string): object => {
  const meta = (result as { readonly _meta?: object })._meta
  return { ...result, _meta: { ...meta, ...relatedTaskMeta(taskId) } }
}

/** The `data.limit` of 429 for each limit of the store. */
const limitNames = { owner: "tasksPerRequestor", address: "tasksPerAddress", server: "tasks" } as const

/**
 * The JSON-RPC error for a creation's failure: 429 for a limit (`McpError.LimitExceeded`, see
 * {@link toMcpError}), -32603 for a store that failed (`McpError.StoreUnavailable`).
 *
 * @since 0.2.0
 */
export const creationError = (error: TaskLimitExceeded | StoreError): McpError.LimitExceeded | McpError.StoreUnavailable =>
  error._tag === "StoreError"
    ? McpError.storeUnavailable(error)
    : McpError.limitExceeded(error.message, limitNames[error.scope], { max: error.limit })

/**
 * The JSON-RPC error for a store error: every one of them is -32602 except a limit (429,
 * `McpError.LimitExceeded`, whose `data.limit` names it: `"tasksPerRequestor"`,
 * `"tasksPerAddress"` or `"tasks"`, and `data.max` is its maximum) and a store that failed
 * (`StoreError`: -32603 "Store unavailable: TaskStore", `McpError.storeUnavailable`).
 */
export const toMcpError = (
  error: TaskNotFound | TaskAlreadyTerminal | InvalidTaskCursor | TaskLimitExceeded | StoreError
): McpError.McpError => {
  switch (error._tag) {
    case "TaskLimitExceeded":
    case "StoreError":
      return creationError(error)
    default:
      return McpError.invalidParams(error.message)
  }
}

/**
 * Fails with {@link toMcpError} of a store error; a `StoreError` is logged first (its cause is
 * for the server's log, never for clients). The one mapping of every call site of the store:
 * `Effect.catch(failWith)`.
 *
 * @since 0.2.0
 */
export const failWith = (
  error: TaskNotFound | TaskAlreadyTerminal | InvalidTaskCursor | TaskLimitExceeded | StoreError
): Effect.Effect<never, McpError.McpError> =>
  error._tag === "StoreError"
    ? Effect.andThen(Effect.logWarning("TaskStore failed", errorForLog(error)), Effect.fail(toMcpError(error)))
    : Effect.fail(toMcpError(error))

/**
 * {@link failWith} of a creation's failure, typed as it fails ({@link creationError}): what
 * `McpContext.becomeTask` fails with.
 *
 * @since 0.2.0
 */
export const failCreation = (
  error: TaskLimitExceeded | StoreError
): Effect.Effect<never, McpError.LimitExceeded | McpError.StoreUnavailable> =>
  error._tag === "StoreError"
    ? Effect.andThen(Effect.logWarning("TaskStore failed", errorForLog(error)), Effect.fail(creationError(error)))
    : Effect.fail(creationError(error))
