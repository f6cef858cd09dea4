/**
 * The limit a middleware (`SizeLimit`) puts on what an MCP 2025-11-25 task's `tasks/result` will
 * send, applied when the task's outcome is recorded rather than only when it is fetched: the
 * outcome decides the task's status, so a replacement must be it, or `tasks/get` (and the status
 * notification) would say "completed" of a task whose `tasks/result` is an error. A tool result
 * over the limit becomes the isError result "Tool result too large" (a `failed` task in that
 * version); a `resources/read` or `prompts/get` result the -32603 error "Result too large" (a
 * `failed` task with that error); an error over it its clipped replacement. Provided by the
 * middleware around a task-augmented request; the
 * task's work, forked with that request's services, reads it once as the work ends. For a
 * 2026-07-28 `tools/call` that may become a task (tasks extension declared) it replaces only an
 * error (inline in `tasks/get`); the call's work ends through it whether or not it became one.
 *
 * @internal
 */
import * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import type * as McpError from "../../protocol/McpError.ts"

/**
 * Replaces how the work of task `taskId` ended when what its `tasks/result` would send is over
 * the limit; else returns it.
 */
export class TaskResultLimit extends Context.Service<
  TaskResultLimit,
  (exit: Exit.Exit<object, McpError.McpError>, taskId: string) => Exit.Exit<object, McpError.McpError>
>()("effect-mcp-server/internal/TaskResultLimit") {}
