/**
 * `TaskWorkRetry`: how `Retry` runs the work of a task made by a request it retries (an MCP
 * 2025-11-25 task-augmented `tools/call`, a 2026-07-28 call that may become a task). The request
 * is answered once the task is made, so retrying the request retries nothing of the work: the
 * work runs again here instead, under the same policy, as the task's own (it stays `working`
 * meanwhile; its status says the last attempt's outcome). Provided by `Retry` around such a
 * request; the work, forked with that request's services, is wrapped once as it starts. It is
 * given as a function that makes the work: each attempt calls it again, so that the handler is
 * called anew, as a retried request's is (run again, one Effect made once re-ran a handler that
 * decides as it is called with the same outcome: its first failure at each attempt). Without it
 * the work runs as it is. Read where `TaskExitMapping` is (the mapping sees the last attempt).
 *
 * @internal
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as McpError from "../../protocol/McpError.ts"

/** Wraps a task's work so that a retryable failure runs it again (see the module's doc). */
export class TaskWorkRetry extends Context.Service<
  TaskWorkRetry,
  (work: () => Effect.Effect<object, McpError.McpError>) => Effect.Effect<object, McpError.McpError>
>()("effect-mcp-server/internal/TaskWorkRetry") {}
