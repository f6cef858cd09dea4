/**
 * The task supervisor: runs each task's work in a fiber it owns (not the request's, not the
 * session's), so the work outlives the request that created it and a closed connection; records
 * how the work ended; and cancels by interrupting.
 *
 * How an ending maps to a status is the wire's policy, given as `outcomeOf` (the 2025-11-25 wire
 * fails a task whose tool result has `isError`; the 2026-07-28 extension completes it). By
 * default: a result → `completed`; a JSON-RPC error → `failed` with that error as the outcome.
 * Whatever the policy, an interruption after `cancel` → `cancelled`, which `cancel` recorded first
 * (the store's compare-and-set drops anything that arrives after it); any other interruption (the
 * work interrupted itself, the server shut down) → `failed` with -32603. Cancelling records
 * `cancelled` *before* interrupting and before it answers. The work never outlives the task: it
 * is interrupted when the task's TTL elapses (the task then fails as expired), and the server
 * cancels a session's tasks when that session closes (`cancelOwnedBy`): nothing unreachable
 * keeps running.
 *
 * `onTransition` is called with the task after every status change the supervisor makes (the
 * outcome, a cancellation): how the server sends `notifications/tasks/status`.
 *
 * Work may also start *before* its task exists ({@link TaskSupervisor.promotable}): the server
 * then decides while it runs whether the request is answered directly or becomes a task (the
 * 2026-07-28 extension lets the server decide per call).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as McpError from "../protocol/McpError.ts"
import type { Outcome, Task } from "./Task.ts"
import { type CreateInput, type TaskAlreadyTerminal, type TaskLimitExceeded, type TaskNotFound, TaskStore } from "./TaskStore.ts"

/** How a wire wants its tasks run: how an ending maps to a status, and who hears of changes. */
export interface SpawnOptions {
  /** Called with the task after every status change the supervisor makes. */
  readonly onTransition?: ((task: Task) => Effect.Effect<void>) | undefined
  /**
   * The status and outcome of a work that ended (not interrupted); default {@link outcomeOf}.
   * `undefined`: interrupted (the supervisor decides).
   */
  readonly outcomeOf?: ((method: string, exit: Exit.Exit<object, McpError.McpError>) => Ending | undefined) | undefined
}

/** How a task ends: its terminal status and outcome. */
export interface Ending {
  readonly status: "completed" | "failed"
  readonly outcome: Outcome
  readonly statusMessage?: string | undefined
}

/**
 * How a {@link TaskSupervisor.promotable} work was decided: it ended before it was promoted (its
 * exit, for the caller to answer with), or it became the task.
 */
export type Decision =
  | { readonly _tag: "Ended"; readonly exit: Exit.Exit<object, McpError.McpError> }
  | { readonly _tag: "Promoted"; readonly task: Task }

/** Options of {@link TaskSupervisor.promotable}. */
export interface PromotableOptions extends SpawnOptions {
  /** Promote when no decision came within this many milliseconds (`undefined`: only the work promotes). */
  readonly promoteAfter?: number | undefined
  /** Called with the task as soon as it is created, before anyone hears of the decision. */
  readonly onPromoted?: ((task: Task) => void) | undefined
  /**
   * Asked when `promoteAfter` elapses: `false` keeps waiting for the work's own decision instead
   * (e.g. it is about to stop for input).
   */
  readonly mayPromote?: (() => boolean) | undefined
}

/** The supervisor; see the module documentation. */
export class TaskSupervisor extends Context.Service<TaskSupervisor, {
  /**
   * Creates a task and starts `work` for it; returns as soon as the task is stored (so `tasks/get`
   * already answers for it).
   */
  readonly spawn: (
    input: CreateInput,
    work: (task: Task) => Effect.Effect<object, McpError.McpError>,
    options?: SpawnOptions
  ) => Effect.Effect<Task, TaskLimitExceeded>
  /**
   * Starts `work` before any task exists, in a fiber of the supervisor; `work` is given `promote`,
   * which creates its task (once; later calls return the same task). Answers with the
   * {@link Decision} as soon as there is one: the work ended unpromoted, or it was promoted (by
   * itself, or by the caller's `promoteAfter` once that many milliseconds passed; `undefined`:
   * only the work promotes). Once promoted, the work is the task's (cancel, TTL, outcome, as
   * `spawn`). If the caller is interrupted before a decision, the work is interrupted.
   */
  readonly promotable: (
    input: CreateInput,
    work: (promote: Effect.Effect<Task, TaskLimitExceeded>) => Effect.Effect<object, McpError.McpError>,
    options?: PromotableOptions
  ) => Effect.Effect<Decision, TaskLimitExceeded>
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

/**
 * The default status and outcome a task ends with: a result → `completed` (whatever it holds); a
 * JSON-RPC error → `failed` with it; `undefined` when the work was interrupted.
 */
export const outcomeOf = (_method: string, exit: Exit.Exit<object, McpError.McpError>): Ending | undefined => {
  if (exit._tag === "Success") return { status: "completed", outcome: { _tag: "Result", result: exit.value } }
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

/** How a task whose TTL elapsed before its work finished ends. */
const expired = (task: Task) => {
  const message = `Task ${task.taskId} expired after ${task.ttlMillis} ms before it finished`
  return {
    status: "failed" as const,
    outcome: { _tag: "Error" as const, error: { code: McpError.ErrorCode.InternalError, message } },
    statusMessage: message
  }
}

/** The longest delay a Node timer takes (about 24.8 days); a longer TTL does not interrupt the work. */
const maxTimerMillis = 2_147_483_647

/** Builds a supervisor over `store` whose task fibers live in `scope` (the body of {@link TaskSupervisor.layer}). */
export const make = (store: TaskStore["Service"], scope: Scope.Scope): TaskSupervisor["Service"] => {
  // Per running task: its fiber, and the TTL as one plain timer (not a timeout fiber: measured,
  // a task in flight cost 8.3 KB of heap with `Effect.timeoutOrElse` around its work).
  interface Running {
    fiber: Fiber.Fiber<unknown, unknown> | undefined
    readonly owner: string
    readonly onTransition: ((task: Task) => Effect.Effect<void>) | undefined
    timer: ReturnType<typeof setTimeout> | undefined
    expired: boolean
  }
  const running = new Map<string, Running>()
  /** Works of `promotable` not decided yet (not in `running`): interrupted with the scope too. */
  const undecided = new Set<Fiber.Fiber<unknown, unknown>>()

  // Task fibers are root fibers run with the caller's services, tracked here (not forked into the
  // scope: measured, `forkIn` costs ~800 bytes more per fiber than `runForkWith`); the scope's one
  // finalizer interrupts them all.
  Effect.runSync(Scope.addFinalizer(
    scope,
    Effect.suspend(() => {
      const fibers = [...undecided]
      for (const entry of running.values()) if (entry.fiber !== undefined) fibers.push(entry.fiber)
      return Fiber.interruptAll(fibers)
    })
  ))
  /** Runs `effect` as a root fiber with the services of the current fiber. */
  const fork = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<Fiber.Fiber<A, E>> =>
    Effect.contextWith((services: Context.Context<never>) => Effect.sync(() => Effect.runForkWith(services)(effect)))

  const enter = (task: Task, onTransition: Running["onTransition"]): Running => {
    const entry: Running = { fiber: undefined, owner: task.owner, onTransition, timer: undefined, expired: false }
    running.set(task.taskId, entry)
    if (task.ttlMillis !== null && task.ttlMillis <= maxTimerMillis) {
      entry.timer = setTimeout(() => {
        entry.expired = true
        entry.fiber?.interruptUnsafe()
      }, task.ttlMillis)
      entry.timer.unref?.()
    }
    return entry
  }

  /** Forgets a running task (its work ended, or it was cancelled). */
  const leave = (taskId: string): Running | undefined => {
    const entry = running.get(taskId)
    if (entry === undefined) return undefined
    running.delete(taskId)
    if (entry.timer !== undefined) clearTimeout(entry.timer)
    return entry
  }

  const record = (task: Task, exit: Exit.Exit<object, McpError.McpError>, options: SpawnOptions | undefined) => {
    const entry = leave(task.taskId)
    // Interrupted: after `cancel` the status is recorded and this is a no-op (compare-and-set);
    // by its TTL, the task expired; interrupted otherwise (the work interrupted itself, the server
    // shut down), the task failed.
    const { status, outcome, statusMessage } = entry?.expired === true
      ? expired(task)
      : (options?.outcomeOf ?? outcomeOf)(task.method, exit) ?? interrupted(task)
    return Effect.flatMap(
      store.finish(task.taskId, status, outcome, statusMessage),
      (finished) => finished === undefined || entry?.onTransition === undefined ? Effect.void : entry.onTransition(finished)
    )
  }

  const promotable: TaskSupervisor["Service"]["promotable"] = (input, work, options) =>
    Effect.suspend(() => {
      const decision = Deferred.makeUnsafe<Decision, TaskLimitExceeded>()
      let task: Task | undefined
      let fiber: Fiber.Fiber<unknown, unknown> | undefined
      let creation: Deferred.Deferred<Task, TaskLimitExceeded> | undefined
      const promote: Effect.Effect<Task, TaskLimitExceeded> = Effect.suspend(() => {
        // One creation, however many ask (the work itself, the caller's timer).
        if (creation !== undefined) return Deferred.await(creation)
        const created = creation = Deferred.makeUnsafe<Task, TaskLimitExceeded>()
        return Effect.flatMap(Effect.exit(store.create(input)), (exit) => {
          if (exit._tag === "Success") {
            task = exit.value
            enter(task, options?.onTransition).fiber = fiber
            if (fiber !== undefined) undecided.delete(fiber)
            options?.onPromoted?.(task)
            Deferred.doneUnsafe(decision, Exit.succeed({ _tag: "Promoted", task }))
          }
          Deferred.doneUnsafe(created, exit)
          return exit
        })
      })
      const ended = (exit: Exit.Exit<object, McpError.McpError>) =>
        Effect.suspend(() => {
          if (task !== undefined) return record(task, exit, options)
          Deferred.doneUnsafe(decision, Exit.succeed({ _tag: "Ended", exit }))
          return Effect.void
        })
      return Effect.flatMap(fork(Effect.onExit(Effect.suspend(() => work(promote)), ended)), (forked) => {
        fiber = forked
        if (task === undefined) {
          undecided.add(forked)
          forked.addObserver(() => undecided.delete(forked))
        }
        // Promoted already (the fiber ran synchronously up to here): its entry, unless the work
        // has also ended already and `record` forgot it.
        const entry = task === undefined ? undefined : running.get(task.taskId)
        if (entry !== undefined) entry.fiber = forked
        // The caller's promotion: a plain timer (no timeout fiber per call), cleared by the decision.
        let timer: ReturnType<typeof setTimeout> | undefined
        if (options?.promoteAfter !== undefined && !Deferred.isDoneUnsafe(decision)) {
          timer = setTimeout(() => {
            if (Deferred.isDoneUnsafe(decision) || (options.mayPromote !== undefined && !options.mayPromote())) return
            Effect.runFork(Effect.catch(promote, (limit) => Effect.sync(() => Deferred.doneUnsafe(decision, Exit.fail(limit)))))
          }, options.promoteAfter)
        }
        // Not decided (the caller was interrupted, or its promotion failed): nobody will answer for the work.
        return Effect.onExit(Deferred.await(decision), (exit) => {
          if (timer !== undefined) clearTimeout(timer)
          return exit._tag === "Failure" && task === undefined ? Fiber.interrupt(forked) : Effect.void
        })
      })
    })

  return TaskSupervisor.of({
    spawn: (input, work, options) =>
      Effect.flatMap(store.create(input), (task) =>
        Effect.suspend(() => {
          const entry = enter(task, options?.onTransition)
          return Effect.as(
            Effect.map(
              fork(Effect.onExit(Effect.suspend(() => work(task)), (exit) => record(task, exit, options))),
              (fiber) => {
                entry.fiber = fiber
              }
            ),
            task
          )
        })),
    promotable,
    cancelOwnedBy: (owner) =>
      Effect.suspend(() => {
        const owned: Array<string> = []
        for (const [taskId, entry] of running) if (entry.owner === owner) owned.push(taskId)
        return Effect.forEach(owned, (taskId) =>
          Effect.flatMap(store.cancel(taskId, owner), () =>
            Effect.sync(() => {
              leave(taskId)?.fiber?.interruptUnsafe()
            })).pipe(Effect.ignore), { discard: true })
      }),
    cancel: (taskId, owner) =>
      Effect.flatMap(store.cancel(taskId, owner), (task) => {
        const entry = leave(taskId)
        entry?.fiber?.interruptUnsafe()
        return entry?.onTransition === undefined ? Effect.succeed(task) : Effect.as(entry.onTransition(task), task)
      }),
    running: Effect.sync(() => running.size)
  })
}
