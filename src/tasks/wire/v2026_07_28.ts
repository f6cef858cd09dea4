/**
 * The MCP 2026-07-28 edge of tasks: the extension `io.modelcontextprotocol/tasks` (SEP-2663). The
 * flat `CreateTaskResult` (`resultType: "task"`), the `DetailedTask` of `tasks/get` (the outcome
 * inline: `result`, `error`, or the pending `inputRequests`), the params of `tasks/get`,
 * `tasks/update` and `tasks/cancel`, and the mapping of store errors to JSON-RPC errors.
 *
 * The 2026 names differ from 2025-11-25's: `ttlMs` (was `ttl`), `pollIntervalMs` (was
 * `pollInterval`); a tool result with `isError` is a `completed` task (2025-11-25: `failed`); no
 * related-task `_meta` anywhere.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { lazy } from "../../internal/lazy.ts"
import * as McpError from "../../protocol/McpError.ts"
import { projectError } from "../../protocol/versions/Projection.ts"
import * as v2026_07_28 from "../../protocol/versions/v2026_07_28.ts"
import type { Task } from "../Task.ts"
import { isoTime, wirePollInterval, wireTtl } from "./time.ts"
import type { StoreError } from "../../store/StoreError.ts"
import type { TaskAlreadyTerminal, TaskLimitExceeded, TaskNotFound } from "../TaskStore.ts"
import * as Wire2025 from "./v2025_11_25.ts"

/** The extension's identifier (`capabilities.extensions` key, client and server). */
export const extensionId = "io.modelcontextprotocol/tasks"

/** The `Task` fields of every 2026 task answer. */
const base = (task: Task): { [key: string]: unknown } => {
  const wire: { [key: string]: unknown } = {
    taskId: task.taskId,
    status: task.status,
    createdAt: isoTime(task.createdAt),
    lastUpdatedAt: isoTime(task.lastUpdatedAt),
    ttlMs: wireTtl(task.ttlMillis)
  }
  if (task.statusMessage !== undefined) wire.statusMessage = task.statusMessage
  if (task.pollIntervalMillis !== undefined) wire.pollIntervalMs = wirePollInterval(task.pollIntervalMillis)
  return wire
}

/**
 * The answer to a `tools/call` that became a task: the task's fields, flat, with
 * `resultType: "task"` (no `task` wrapper, no `result`, `inputRequests` or `requestState`).
 */
export const createTaskResult = (task: Task): { readonly [key: string]: unknown } => ({
  resultType: "task",
  ...base(task)
})

/**
 * The answer to `tasks/get`: the task with its outcome inline: `result` when `completed` (the
 * `CallToolResult` a 2026-07-28 `tools/call` would have answered, with its `resultType:
 * "complete"`), `error` (a JSON-RPC error object) when `failed`, `inputRequests` while
 * `input_required`.
 */
export const detailedTask = (task: Task): { readonly [key: string]: unknown } => {
  const wire = base(task)
  const outcome = task.outcome
  if (task.status === "completed" && outcome?._tag === "Result") wire.result = completeResult(outcome.result)
  else if (task.status === "failed") {
    // As a 2026-07-28 answer carries it (resource-not-found -32602, no retired -32042).
    wire.error = outcome?._tag === "Error"
      ? projectError(outcome.error, v2026_07_28.version)
      : { code: McpError.ErrorCode.InternalError, message: task.statusMessage ?? "The task failed" }
  } else if (task.status === "input_required" && task.inputRequests !== undefined) {
    wire.inputRequests = task.inputRequests
  }
  return wire
}

/**
 * A task's result as a 2026-07-28 result: every result of that version carries its `resultType`
 * (the stored result is the era-neutral one, as 2025-11-25's `tasks/result` answers it). Without
 * it the official tasks client (`@modelcontextprotocol/ext-tasks`) refused every completed task.
 */
const completeResult = (result: object): object =>
  (result as { readonly resultType?: unknown }).resultType === undefined ? { ...result, resultType: "complete" } : result

/** `tasks/get` and `tasks/cancel` params, made on first use. */
export const TaskIdParams = lazy(() => Schema.Struct({ taskId: Schema.String }))

/**
 * `tasks/update` params (made on first use): answers by input key. Values are not decoded here:
 * keys the task does not wait for are dropped first, then each answer is decoded as the result of
 * its request.
 */
export const UpdateParams = lazy(() =>
  Schema.Struct({
    taskId: Schema.String,
    inputResponses: Schema.Record(Schema.String, Schema.Unknown)
  })
)

/**
 * The JSON-RPC error for a store error: an unknown, expired or someone else's task is -32602; a
 * limit is 429; a store that failed -32603 "Store unavailable: TaskStore" (as in 2025-11-25).
 */
export const toMcpError = (error: TaskNotFound | TaskAlreadyTerminal | TaskLimitExceeded | StoreError): McpError.McpError =>
  Wire2025.toMcpError(error)

/** Fails with {@link toMcpError}, a `StoreError` logged first (as in 2025-11-25). */
export const failWith = Wire2025.failWith

/** {@link failWith} of a creation's failure, typed as it fails (as in 2025-11-25): what `McpContext.becomeTask` fails with. */
export const failCreation = Wire2025.failCreation
