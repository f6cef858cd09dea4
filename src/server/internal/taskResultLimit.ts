/**
 * The limit a middleware (`SizeLimit`) puts on what an MCP 2025-11-25 task's `tasks/result` will
 * send, applied when the task's tool result is recorded rather than only when it is fetched: in
 * that version a tool result with `isError` makes the task `failed`, so a result replaced by
 * "Tool result too large" must be the task's outcome, or `tasks/get` (and the status
 * notification) would say "completed" of a task whose `tasks/result` is an error. Provided by the
 * middleware around a task-augmented `tools/call`; the task's work, forked with that request's
 * services, reads it once as the work ends.
 *
 * @internal
 */
import * as Context from "effect/Context"

/** Replaces a task's tool result (of task `taskId`) that would be over the limit; else returns it. */
export class TaskResultLimit extends Context.Service<TaskResultLimit, (result: object, taskId: string) => object>()(
  "effect-mcp-server/internal/TaskResultLimit"
) {}
