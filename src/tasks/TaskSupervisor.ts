/**
 * The task supervisor: runs each task's work in a fiber it owns (not the request's, not the
 * session's), so the work outlives the request that created it and a closed connection; records
 * how the work ended; and cancels by interrupting.
 *
 * How an ending maps to a status (MCP 2025-11-25): a result → `completed`, except a tool result
 * with `isError: true` → `failed`; a JSON-RPC error → `failed` with that error as the outcome;
 * an interruption after `cancel` → `cancelled`, which `cancel` recorded first (the store's
 * compare-and-set drops anything that arrives after it); any other interruption (the work
 * interrupted itself, the server shut down) → `failed` with -32603. Cancelling records
 * `cancelled` *before* interrupting and before it answers. The work never outlives the task: it
 * is interrupted when the task's TTL elapses (the task then fails as expired), and the server
 * cancels a session's tasks when that session closes (`cancelOwnedBy`): nothing unreachable
 * keeps running.
 *
 * `onTransition` is called with the task after every status change the supervisor makes (the
 * outcome, a cancellation): how the server sends `notifications/tasks/status`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as McpError from "../protocol/McpError.ts"
import type { Outcome, Task } from "./Task.ts"
import { type CreateInput, type TaskAlreadyTerminal, type TaskLimitExceeded, type TaskNotFound, TaskStore } from "./TaskStore.ts"

/** The supervisor; see the module documentation. */
export class TaskSupervisor extends Context.Service<TaskSupervisor, {
  /**
   * Creates a task and starts `work` for it; returns as soon as the task is stored (so `tasks/get`
   * already answers for it).
   */
  readonly spawn: (
    input: CreateInput,
    work: (task: Task) => Effect.Effect<object, McpError.McpError>,
    onTransition?: (task: Task) => Effect.Effect<void>
  ) => Effect.Effect<Task, TaskLimitExceeded>
  /** Records `cancelled`, then interrupts the work; answers with the cancelled task. */
  readonly cancel: (taskId: string, owner: string) => Effect.Effect<Task, TaskNotFound | TaskAlreadyTerminal>
  /**
   * Cancels every running task of `owner` (as `cancel` does, without the answer): for an owner
   * that is gone, e.g. the session that created them has closed, so nothing unreachable runs on.
   */
  readonly cancelOwnedBy: (owner: string) => Effect.Effect<void>
  /** How many tasks are running now. */
  readonly running: Effect.Effect<number>
}>()("effect-mcp-server/TaskSupervisor") {
  /** The supervisor, over the `TaskStore` in context; its scope interrupts every task when it closes. */
  static readonly layer: Layer.Layer<TaskSupervisor, never, TaskStore> = Layer.effect(
    TaskSupervisor,
    Effect.gen(function*() {
      const store = yield* TaskStore
      const scope = yield* Effect.scope
      return make(store, scope)
    })
  )
}

/** The status and outcome a task ends with, from how its work ended. */
export const outcomeOf = (
  method: string,
  exit: Exit.Exit<object, McpError.McpError>
): { readonly status: "completed" | "failed"; readonly outcome: Outcome; readonly statusMessage?: string } | undefined => {
  if (exit._tag === "Success") {
    const result = exit.value
    // 2025-11-25: a tool result with isError makes the task failed (the 2026 extension differs).
    if (method === "tools/call" && (result as { readonly isError?: boolean }).isError === true) {
      return { status: "failed", outcome: { _tag: "Result", result }, statusMessage: "The tool reported an error" }
    }
    return { status: "completed", outcome: { _tag: "Result", result } }
  }
  const error = McpError.fromCause(exit.cause)
  if (error === undefined) return undefined // interrupted: cancel already recorded the status
  return { status: "failed", outcome: { _tag: "Error", error }, statusMessage: error.message }
}

/** How a task whose work was interrupted without `cancel` ends. */
const interrupted = (task: Task) => {
  const message = `Task ${task.taskId} was interrupted before it finished`
  return {
    status: "failed" as const,
    outcome: { _tag: "Error" as const, error: { code: McpError.ErrorCode.InternalError, message } },
    statusMessage: message
  }
}

/** Builds a supervisor over `store` whose task fibers live in `scope` (the body of {@link TaskSupervisor.layer}). */
export const make = (store: TaskStore["Service"], scope: Scope.Scope): TaskSupervisor["Service"] => {
  interface Running {
    fiber: Fiber.Fiber<unknown, unknown> | undefined
    readonly owner: string
    readonly onTransition: ((task: Task) => Effect.Effect<void>) | undefined
  }
  const running = new Map<string, Running>()

  const record = (task: Task, exit: Exit.Exit<object, McpError.McpError>) => {
    const ending = outcomeOf(task.method, exit)
    const entry = running.get(task.taskId)
    running.delete(task.taskId)
    // Interrupted: after `cancel` the status is recorded and this is a no-op (compare-and-set);
    // interrupted otherwise (the work interrupted itself, the server shut down), the task failed.
    const { status, outcome, statusMessage } = ending ?? interrupted(task)
    return Effect.flatMap(
      store.finish(task.taskId, status, outcome, statusMessage),
      (finished) => finished === undefined || entry?.onTransition === undefined ? Effect.void : entry.onTransition(finished)
    )
  }

  /** The work, bounded by the task's TTL. */
  const bounded = (task: Task, work: Effect.Effect<object, McpError.McpError>) =>
    task.ttlMillis === null ? work : Effect.timeoutOrElse(work, {
      duration: task.ttlMillis,
      orElse: () =>
        Effect.fail(McpError.withoutStackTrace(() =>
          new McpError.InternalError({ message: `Task ${task.taskId} expired after ${task.ttlMillis} ms before it finished` })
        ))
    })

  return TaskSupervisor.of({
    spawn: (input, work, onTransition) =>
      Effect.flatMap(store.create(input), (task) =>
        Effect.suspend(() => {
          const entry: Running = { fiber: undefined, owner: task.owner, onTransition }
          running.set(task.taskId, entry)
          return Effect.as(
            Effect.map(
              Effect.forkIn(
                Effect.onExit(Effect.suspend(() => bounded(task, work(task))), (exit) => record(task, exit)),
                scope
              ),
              (fiber) => {
                entry.fiber = fiber
              }
            ),
            task
          )
        })),
    cancelOwnedBy: (owner) =>
      Effect.suspend(() => {
        const owned: Array<string> = []
        for (const [taskId, entry] of running) if (entry.owner === owner) owned.push(taskId)
        return Effect.forEach(owned, (taskId) =>
          Effect.flatMap(store.cancel(taskId, owner), () =>
            Effect.sync(() => {
              running.get(taskId)?.fiber?.interruptUnsafe()
              running.delete(taskId)
            })).pipe(Effect.ignore), { discard: true })
      }),
    cancel: (taskId, owner) =>
      Effect.flatMap(store.cancel(taskId, owner), (task) => {
        const entry = running.get(taskId)
        running.delete(taskId)
        entry?.fiber?.interruptUnsafe()
        return entry?.onTransition === undefined ? Effect.succeed(task) : Effect.as(entry.onTransition(task), task)
      }),
    running: Effect.sync(() => running.size)
  })
}
