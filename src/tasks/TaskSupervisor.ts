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
 * work interrupted itself, the server shut down) → `failed` with -32603, except that on a store with
 * leases (replicas) a work stopped by the shutdown leaves its task to another process, as a
 * process that died does (see `SupervisorOptions.resume`). Cancelling records
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
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import * as McpError from "../protocol/McpError.ts"
import { isExpired, isTerminal, orphanMessage, orphanOutcome, type Outcome, type Task } from "./Task.ts"
import { Deadlines } from "../internal/deadlines.ts"
import { nextTurn } from "../internal/nextTurn.ts"
import { rootOf } from "../internal/rooted.ts"
import { Renewal, renewMap, renewSet } from "../internal/renewal.ts"
import type { StoreError } from "../store/StoreError.ts"
import { type CreateInput, type Orphan, type TaskAlreadyTerminal, type TaskLimitExceeded, type TaskNotFound, TaskStore } from "./TaskStore.ts"
import { errorForLog, forLog } from "../internal/loggedCause.ts"
import { boundedFinish } from "./internal/resultBound.ts"
import * as NumericOptions from "../internal/options.ts"

/**
 * How a wire wants its tasks run: how an ending maps to a status, and who hears of changes.
 *
 * @since 0.2.0
 * @category models
 */
export interface SpawnOptions {
  /** Called with the task after every status change the supervisor makes. */
  readonly onTransition?: ((task: Task) => Effect.Effect<void>) | undefined
  /**
   * The status and outcome of a work that ended (not interrupted); default {@link outcomeOf}.
   * `undefined`: interrupted (the supervisor decides).
   */
  readonly outcomeOf?: ((method: string, exit: Exit.Exit<object, McpError.McpError>) => Ending | undefined) | undefined
  /**
   * Called with the task's id, at once, when its work stops being the task's before it ended:
   * cancelled (here, or ended by another process), expired, or its lease lost; the work is
   * interrupted then, but an uninterruptible region runs on, and what it waits for the client for
   * is given up here (see `RelatedTask.whenEnded`).
   *
   * @since 0.2.0
   */
  readonly onStopped?: ((taskId: string) => void) | undefined
}

/**
 * How a task ends: its terminal status and outcome.
 *
 * @since 0.2.0
 * @category models
 */
export interface Ending {
  readonly status: "completed" | "failed"
  readonly outcome: Outcome
  readonly statusMessage?: string | undefined
}

/**
 * How a {@link TaskSupervisor.promotable} work was decided: it ended before it was promoted (its
 * exit, for the caller to answer with), or it became the task.
 *
 * @since 0.2.0
 * @category models
 */
export type Decision =
  | { readonly _tag: "Ended"; readonly exit: Exit.Exit<object, McpError.McpError> }
  | { readonly _tag: "Promoted"; readonly task: Task }

/**
 * Options of {@link TaskSupervisor.promotable}.
 *
 * @since 0.2.0
 * @category models
 */
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

/**
 * The supervisor; see the module documentation.
 *
 * @since 0.1.0
 * @category services
 */
export class TaskSupervisor extends Context.Service<TaskSupervisor, {
  /**
   * Creates a task and starts `work` for it; returns as soon as the task is stored (so `tasks/get`
   * already answers for it).
   */
  readonly spawn: (
    input: CreateInput,
    work: (task: Task) => Effect.Effect<object, McpError.McpError>,
    options?: SpawnOptions
  ) => Effect.Effect<Task, TaskLimitExceeded | StoreError>
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
    work: (promote: Effect.Effect<Task, TaskLimitExceeded | StoreError>) => Effect.Effect<object, McpError.McpError>,
    options?: PromotableOptions
  ) => Effect.Effect<Decision, TaskLimitExceeded | StoreError>
  /**
   * Records `cancelled`, then interrupts the work; answers with the cancelled task. A work that
   * ended but whose end is not recorded yet (the store failed, see `spawn`) is cancelled too.
   */
  readonly cancel: (taskId: string, owner: string) => Effect.Effect<Task, TaskNotFound | TaskAlreadyTerminal | StoreError>
  /**
   * Cancels every running task of `owner` (as `cancel` does, without the answer): for an owner
   * that is gone, e.g. the session that created them has closed, so nothing unreachable runs on.
   * A task of `owner` whose creation was under way (a promotion landing as its session closes) is
   * cancelled as soon as it is created (not waited for), and `SupervisorOptions.onCreatedForGone`
   * hears of it.
   */
  readonly cancelOwnedBy: (owner: string) => Effect.Effect<void>
  /** How many tasks are running now (a work that ended counts until its end is recorded). */
  readonly running: Effect.Effect<number>
  /**
   * How many owners have a task running now (the index `cancelOwnedBy` looks its owner up in).
   *
   * @internal
   */
  readonly owners?: Effect.Effect<number> | undefined
  /**
   * Whether `owner` has a task running now (as {@link running} counts them), answered at once:
   * what a transport asks before it ends a session to make room (the session's own tasks would
   * be cancelled with it). Optional: a supervisor of one's own may have none.
   *
   * @internal
   */
  readonly runsFor?: ((owner: string) => boolean) | undefined
  /**
   * Whether the work of the task `taskId` is this supervisor's now, answered at once: false once
   * it was cancelled (recorded, its work interrupted: an uninterruptible region may still run),
   * expired (its TTL elapsed, its work interrupted; `failed` recorded as the work ends) or its
   * lease lost, before its work has ended. Optional: a supervisor of one's own may have none.
   *
   * @internal
   */
  readonly runs?: ((taskId: string) => boolean) | undefined
}>()("effect-mcp-server/TaskSupervisor") {
  /** The supervisor, over the `TaskStore` in context; its scope interrupts every task when it closes. */
  static readonly layer: Layer.Layer<TaskSupervisor, never, TaskStore> = Layer.effect(
    TaskSupervisor,
    Effect.gen(function*() {
      const store = yield* TaskStore
      const scope = yield* Effect.scope
      return make(store, scope, { services: yield* Effect.context<never>() })
    })
  )
}

/**
 * The default status and outcome a task ends with: a result → `completed` (whatever it holds); a
 * JSON-RPC error → `failed` with it; `undefined` when the work was interrupted.
 *
 * @since 0.1.0
 * @category tasks
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

/** The `slot` of a work whose TTL elapsed. */
const expiredSlot = -2
/** The `slot` of a work whose lease this process lost (another took the task over). */
const lostSlot = -3

/** How many orphans of one claim are taken over at once (see the reaper). */
const takeOversAtOnce = 16

/** How many owners that went the supervisor remembers (see `gone` in {@link make}). */
const goneKept = 256

/**
 * A work the supervisor runs: its fiber, the task it runs for, the policy it runs under and its
 * TTL deadline. One object per task in flight, which the deadline heap holds too (no timer and
 * no closure of its own); a `promotable` work is one too, its task set once it is promoted.
 */
class Running {
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  /** Set when it runs for a task (a promotable work: once promoted). */
  task: Task | undefined = undefined
  options: SpawnOptions | undefined = undefined
  /** When its TTL elapses, in whole `performance.now()` milliseconds (a small integer: no boxed number). */
  deadline = 0
  /**
   * Its index in the deadline heap; -1 when it is not there, {@link expiredSlot} once its TTL
   * elapsed (the work was interrupted for that), {@link lostSlot} once another process took the
   * task over. One field for all: 8 bytes per task in flight.
   */
  slot = -1
  /** A rooted handler's (see `rootOf`): the caller's services, and how the handler's exit becomes the work's. */
  services: Context.Context<never> | undefined = undefined
  result: ((exit: Exit.Exit<unknown, unknown>) => Effect.Effect<object, McpError.McpError>) | undefined = undefined
}

/** The work's effect; a work that throws fails its task with that defect (as `Effect.suspend` would, without keeping the thunk). */
const started = <A>(work: (a: A) => Effect.Effect<object, McpError.McpError>, a: A): Effect.Effect<object, McpError.McpError> => {
  try {
    return work(a)
  } catch (defect) {
    return Effect.die(defect)
  }
}

/**
 * A background loop that never dies of one bad turn: a failure or a defect (a store answer that
 * does not parse, say) is logged and the loop goes on.
 */
const keptAlive = (what: string, loop: Effect.Effect<unknown, unknown>): Effect.Effect<void> =>
  Effect.forever(
    Effect.catchCause(loop, (cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.andThen(Effect.logWarning(`effect-mcp-server: ${what} failed; going on`, forLog(cause)), Effect.sleep("1 second"))),
    { disableYield: true }
  )

/**
 * What a promoted work keeps of its options: the spawn policy, when it has one, and only it. Not
 * the options themselves: their `onPromoted` and `mayPromote` are made per call and hold what the
 * call holds (a 2026 call's request context), which a working task would keep for its whole life
 * (measured, `bench/tasks.ts`: 2,823 B of heap per working 2026 task when every 2026 call came to
 * carry `onStopped` and its options were kept, 2,183 B with the policy alone; 2,132 B before).
 */
const policyOf = (options: PromotableOptions | undefined): SpawnOptions | undefined =>
  options === undefined ||
    (options.onTransition === undefined && options.outcomeOf === undefined && options.onStopped === undefined)
    ? undefined
    : { onTransition: options.onTransition, outcomeOf: options.outcomeOf, onStopped: options.onStopped }

/**
 * Options of {@link make}.
 *
 * @since 0.2.0
 * @category models
 */
export interface SupervisorOptions {
  /**
   * The services the supervisor's own fibers run with (lease renewal, the orphan reaper and its
   * take-overs, the watcher of tasks ended elsewhere, the retries of a task's end): what they log
   * (a store that fails) goes to these loggers. Their timers keep real time whatever these hold
   * (Effect's default `Clock`, not a `TestClock`: a test's frozen clock would stop lease renewal),
   * and they are no span's children (a span around the build would be their parent for the
   * process's life). Default: Effect's default services (its console logger).
   * {@link TaskSupervisor.layer} and the server pass those they are built with.
   */
  readonly services?: Context.Context<never> | undefined
  /**
   * On a shared store: how long a lease on this process's running tasks lasts (renewed every
   * third of it). A replica that stops renewing (killed, cut off) has its tasks taken over by
   * another within about this long (see `resume`). Default 15 000 ms.
   */
  readonly leaseMillis?: number | undefined
  /**
   * On a shared store: how to run again the work of a task whose process stopped (an orphan,
   * with the work it recorded at creation: `CreateInput.work`). `undefined` (or no `resume`):
   * the task ends `failed` ("The server running this task stopped before it finished"). A task
   * is taken over at most {@link maxTakeOvers} times: one whose work keeps stopping its process
   * fails then. A task handed back by a process stopping gracefully is not counted so (no crash),
   * but is handed back at most {@link maxHandBacks} times.
   */
  readonly resume?: ((orphan: Orphan) => Resumed | undefined) | undefined
  /**
   * On a shared store: the name of the server this process is (`McpServer` options' `name`, which
   * the server passes). Its tasks are stored with it, and it claims only the orphans of its own
   * server: another server given the same store by mistake leaves them alone (it would run its own
   * tool of that name on their calls, or fail them), for a replica of theirs. `undefined`: its
   * tasks are anyone's, and it claims anyone's.
   */
  readonly server?: string | undefined
  /**
   * Called with a task whose creation was under way when its owner went (`cancelOwnedBy`), once
   * the task is cancelled: what else must go with it (the server removes it from the store, as it
   * removed the owner's other tasks when the owner went).
   */
  readonly onCreatedForGone?: ((task: Task) => Effect.Effect<void>) | undefined
  /**
   * On a shared store: whether this process is stopping (a graceful shutdown under way). It then
   * claims no orphan: one it took would be stopped and handed back moments later, its work cut
   * short and one of its {@link maxTakeOvers} take-overs spent (replicas stopping one after the
   * other, as in a rolling restart, took each other's tasks so). A take-over whose confirmation
   * was under way when it became true does not start either: its lease is handed back. The server
   * passes its `GracefulShutdown`'s. Default: never.
   */
  readonly stopping?: (() => boolean) | undefined
  /**
   * The largest outcome a task's end records, in bytes of its UTF-8 JSON (its result, or its
   * error): one over it is recorded as the task `failed` with a -32603 naming the limit
   * (`maxResultBytes`), not stored, and a warning is logged. Default 4 MiB; `Infinity`: no bound.
   * The server passes `McpServer.tasks`'s `maxResultBytes`.
   *
   * @since 0.2.0
   */
  readonly maxResultBytes?: number | undefined
}

/**
 * An orphan's work as this process runs it again (see `SupervisorOptions.resume`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Resumed {
  /** The work run again here (the tool call, from its start). */
  readonly work: Effect.Effect<object, McpError.McpError>
  /** The services it runs with. */
  readonly services: Context.Context<never>
  /**
   * How it runs, as a task spawned here with them ({@link SpawnOptions}): its `onStopped` told when
   * it is cancelled (on any replica), expires or its lease is lost (the 2026-07-28 tasks extension
   * gives up the inputs its work waits for). None: the default outcome, no hooks.
   */
  readonly options?: SpawnOptions | undefined
}

/**
 * How many times a task is taken over before it fails (its work may be what stops its processes).
 *
 * @since 0.2.0
 * @category limits
 */
export const maxTakeOvers = 3

/**
 * How many times a task is handed back by a process stopping gracefully (a rolling restart: its
 * lease given back for another to take over, see `TaskStore.renewLeases`) before it fails as an
 * orphan. A hand-back is no crash and does not count toward {@link maxTakeOvers}; this bound
 * only keeps a task from hopping between replicas for ever (one that makes each of its processes
 * stop, a liveness probe failing while it runs, say).
 *
 * @since 0.2.0
 * @category limits
 */
export const maxHandBacks = 10

/**
 * How long a process keeps trying to record the end of a task's work (the task kept meanwhile,
 * its lease renewed) before it lets the lease lapse: 15 minutes.
 *
 * @since 0.2.0
 * @category limits
 */
export const maxRecordingMillis = 15 * 60_000

/**
 * Records the end of `task` again (`finish`, which the store failed) until the store takes it:
 * 100 ms after, doubling to 5 s apart, while `ours()` (checked before each attempt; when it no
 * longer is, it stops silently); else `giveUp` is told why: the task's TTL passed, the store died
 * doing it, or {@link maxRecordingMillis} passed since this was called. `recorded` is told what
 * the store answered.
 *
 * @internal
 *
 * @since 0.2.0
 * @category tasks
 */
export const recordAgain = <A>(
  task: Task,
  finish: () => Effect.Effect<A, StoreError>,
  options: {
    readonly ours?: (() => boolean) | undefined
    readonly giveUp: (why: string) => Effect.Effect<void>
    readonly recorded: (finished: A) => Effect.Effect<void>
  }
): Effect.Effect<void> => {
  const { giveUp, ours, recorded } = options
  const giveUpAt = Date.now() + maxRecordingMillis
  const attempt = (delay: number): Effect.Effect<void> =>
    Effect.andThen(
      Effect.sleep(delay),
      Effect.suspend(() => {
        if (ours !== undefined && !ours()) return Effect.void
        const now = Date.now()
        if (isExpired(task, now)) return giveUp("its TTL passed")
        if (now > giveUpAt) return giveUp(`still failing after ${maxRecordingMillis} ms`)
        return Effect.matchCauseEffect(finish(), {
          onFailure: (cause) => Cause.hasDies(cause) ? giveUp("the store died doing it") : attempt(Math.min(delay * 2, 5_000)),
          onSuccess: recorded
        })
      })
    )
  return attempt(100)
}

/**
 * How long a lease on a process's running tasks lasts when `SupervisorOptions.leaseMillis` says
 * nothing: a replica that stops renewing has its tasks taken over within about this long (the task
 * relay's silence bound is no shorter either: see `taskRelay.ts`).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultLeaseMillis = 15_000

/**
 * Builds a supervisor over `store` whose task fibers live in `scope` (the body of {@link TaskSupervisor.layer}).
 * Throws a `RangeError` naming the option, as `McpServer.tasks` does, for a `leaseMillis` that is
 * not a finite number > 0 (`NaN` or 0 renewed leases every millisecond, `Infinity` made leases
 * that never lapse) or a `maxResultBytes` that is not an integer >= 1 or `Infinity` (`NaN`
 * silently lifted the bound, 0 failed every task).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  store: TaskStore["Service"],
  scope: Scope.Scope,
  options: SupervisorOptions = {}
): TaskSupervisor["Service"] => {
  NumericOptions.checkAll("TaskSupervisor.make", options, {
    leaseMillis: NumericOptions.finiteMillis,
    maxResultBytes: NumericOptions.limit(1)
  })
  // Both are copied every 257 deletions, or as many as they have entries when they have more
  // (`internal/renewal.ts`: a Map or Set kept while tasks come and go makes scavenges keep every
  // task's work since it was promoted).
  let running = new Map<string, Running>()
  const runningRenewal = new Renewal()
  /**
   * The same works by owner, for `cancelOwnedBy` (a closing session costs its own tasks, not a scan
   * of every running one): an owner with one work holds it as it is, one with more a Set of them
   * (no field added to `Running`, no Set for the common owner of one). An owner's entry goes with
   * its last work. Kept in step with `running` by `enter` and `leave`.
   */
  let byOwner = new Map<string, Running | Set<Running>>()
  const byOwnerRenewal = new Renewal()
  /** Counts the deletions from the owners' Sets (one count for all: see `renewal.ts`). */
  const ownedRenewal = new Renewal()
  const own = (entry: Running, owner: string) => {
    const held = byOwner.get(owner)
    if (held === undefined) byOwner.set(owner, entry)
    else if (held instanceof Set) held.add(entry)
    else if (held !== entry) byOwner.set(owner, new Set([held, entry]))
  }
  const disown = (entry: Running, owner: string) => {
    const held = byOwner.get(owner)
    if (held === entry) {
      byOwner.delete(owner)
      byOwner = renewMap(byOwner, byOwnerRenewal)
    } else if (held instanceof Set && held.delete(entry)) {
      // Back to one: held as it is (the Set goes).
      if (held.size === 1) byOwner.set(owner, held.values().next().value!)
      else {
        const renewed = renewSet(held, ownedRenewal)
        if (renewed !== held) byOwner.set(owner, renewed)
      }
    }
  }
  /** Works of `promotable` not decided yet (not in `running`): interrupted with the scope too. */
  let undecided = new Set<Fiber.Fiber<unknown, unknown>>()
  const undecidedRenewal = new Renewal()
  const decided = (fiber: Fiber.Fiber<unknown, unknown>) => {
    if (undecided.delete(fiber)) undecided = renewSet(undecided, undecidedRenewal)
  }
  // The TTL bounds the work: when it elapses, the work is interrupted and the task fails as expired.
  const deadlines = new Deadlines<Running>((entry) => {
    entry.slot = expiredSlot
    stop(entry)
  })
  /**
   * Interrupts a work that is no longer its task's, and says so (see `SpawnOptions.onStopped`: an
   * uninterruptible region runs on).
   */
  const stop = (entry: Running | undefined): void => {
    entry?.fiber?.interruptUnsafe()
    const onStopped = entry?.options?.onStopped
    if (onStopped !== undefined) onStopped(entry!.task!.taskId)
  }

  // The supervisor's own fibers (not a task's work, which runs with its caller's services).
  const runFork = options.services === undefined
    ? Effect.runFork
    : Effect.runForkWith(
      Context.add(Context.omit(Tracer.ParentSpan)(options.services), Clock.Clock, Clock.Clock.defaultValue())
    )

  // Task fibers are root fibers run with the caller's services, tracked here (not forked into the
  // scope: measured, `forkIn` costs ~800 bytes more per fiber than `runForkWith`); the scope's one
  // finalizer interrupts them all.
  // A shared store (replicas): a task ended by another process (cancelled through `tasks/cancel`
  // there, failed as an orphan, or completed by a copy of its work that process ran) is
  // interrupted here if its work runs here. Its status is recorded already; the work only stops.
  // (A task this process ends is not heard of here: a store tells a process only of the changes
  // others made, and without `onEndedElsewhere` an own end only makes a finished work leave.)
  const endedElsewhere = (task: Task) => {
    if (!isTerminal(task.status)) return
    const entry = running.get(task.taskId)
    if (entry === undefined) return
    leave(entry)
    stop(entry)
  }
  // The store calls it directly when it can (no fiber woken per change); otherwise a fiber watches
  // every change.
  // Only the tasks whose work runs here: the store reads no other (see `TaskStore.onEndedElsewhere`).
  const unwatch = store.shared === true ? store.onEndedElsewhere?.(endedElsewhere, (taskId) => running.has(taskId)) : undefined
  const watcher = store.shared === true && unwatch === undefined
    ? runFork(keptAlive("the watcher of tasks ended elsewhere", Effect.scoped(Effect.flatMap(PubSub.subscribe(store.changes), (subscription) =>
      Effect.forever(Effect.map(PubSub.take(subscription), endedElsewhere), { disableYield: true })))))
    : undefined

  // Leases (a shared store that has them): this process renews those of the tasks it runs, and
  // takes over the tasks whose lease ran out (their process stopped): it runs them again, or ends
  // them failed. None stays working forever.
  const leaseMillis = options.leaseMillis ?? defaultLeaseMillis
  /** The store's `finish`, the outcome bounded (see `SupervisorOptions.maxResultBytes`). */
  const finishBounded = boundedFinish(store, options.maxResultBytes)
  // Called on the store (`store.renewLeases!(...)`), not detached: a store written as a class
  // keeps its `this`.
  const renewLeases = store.renewLeases
  const claimOrphans = store.claimOrphans
  // Renewal and reaping run apart: a slow reap never delays this process's own renewals.
  const every = (what: string, effect: Effect.Effect<unknown, unknown>) =>
    runFork(keptAlive(what, Effect.forever(
      Effect.andThen(Effect.sleep(Math.max(1, Math.floor(leaseMillis / 3))), effect),
      { disableYield: true }
    )))
  /**
   * Renewals that succeeded in a row. The reaper claims nothing until two did since the last
   * failure: after a store outage every lease has run out, and the other replicas must get to
   * renew theirs before this one takes their tasks (which they would then stop, to start over here).
   */
  let renewedInARow = 0
  const renewal = Effect.suspend(() =>
    Effect.matchEffect(store.renewLeases!([...running.keys()], leaseMillis), {
      onFailure: (error) =>
        Effect.suspend(() => {
          renewedInARow = 0
          return Effect.fail(error)
        }),
      onSuccess: (lostIds) =>
        Effect.sync(() => {
          renewedInARow++
          lost(lostIds ?? [])
        })
    })
  )
  // A claim's orphans are taken over side by side (a few at a time): each take-over waits for its
  // confirmation, one store round trip; one after the other, the last of a batch of 100 would wait
  // for 99 of them, and with a slow store its lease would run out first (it would not start then).
  const stopping = options.stopping
  const reap = Effect.suspend(() =>
    renewedInARow < 2 || stopping?.() === true
      ? Effect.void
      : Effect.flatMap(store.claimOrphans!(leaseMillis, options.server), (orphans) => Effect.forEach(orphans, takeOver, { discard: true, concurrency: takeOversAtOnce }))
  )
  const leasing = renewLeases !== undefined && claimOrphans !== undefined
    ? [every("lease renewal", renewal), every("the orphan reaper", reap)]
    : undefined

  /**
   * The owners that went (`cancelOwnedBy`), each with the number of its going (`goings` counts
   * them): a creation takes the count as it starts, and a task created for an owner that went
   * since is cancelled as soon as its work is in hand (else it ran until its TTL, for nobody).
   * Bounded (the {@link goneKept} last: a creation lasts one store round trip), and nothing is
   * counted per creation: one number read as it starts, one lookup in a mostly empty map as it
   * lands (measured: counting creations under way per owner, an `onExit` each, cost 10-30 % of
   * the task creation rate).
   */
  const gone = new Map<string, number>()
  let goings = 0
  const noteGone = (owner: string) => {
    gone.delete(owner)
    gone.set(owner, ++goings)
    if (gone.size > goneKept) gone.delete(gone.keys().next().value!)
  }
  /** Whether `owner` went after a creation that started at `since` (a `goings` count). */
  const wentSince = (owner: string, since: number) => gone.size !== 0 && (gone.get(owner) ?? 0) > since
  /**
   * Cancels a task created for an owner that went meanwhile: records `cancelled`, then stops its
   * work as every cancel does (its `onStopped` told: an input its work already waits for, in an
   * uninterruptible region, is given up; it waited for ever), stopped even when the store failed to
   * record it (nobody can reach the task); then tells `onCreatedForGone`.
   */
  const cancelLate = (entry: Running, task: Task): Effect.Effect<void> => {
    const cancelled = Effect.ensuring(
      Effect.ignore(store.cancel(task.taskId, task.owner)),
      Effect.sync(() => stop(leave(entry)))
    )
    const tell = options.onCreatedForGone
    return tell === undefined ? cancelled : Effect.andThen(cancelled, Effect.suspend(() => tell(task)))
  }

  /** On a store with leases, a creation takes the task's first lease with it. */
  const leased = (input: CreateInput): CreateInput =>
    leasing === undefined ? input : options.server === undefined ? { ...input, leaseMillis } : { ...input, leaseMillis, server: options.server }

  /**
   * Stops the work of tasks whose lease this process lost (cut off longer than a lease: another
   * process took them over). Their outcome is not recorded here: the task is the other's now.
   */
  const lost = (taskIds: ReadonlyArray<string>) => {
    for (const taskId of taskIds) {
      const entry = leave(running.get(taskId))
      if (entry === undefined) continue
      entry.slot = lostSlot
      stop(entry)
    }
  }

  /** Runs an orphan's work again here (at most `maxTakeOvers` times), else ends it failed. */
  const takeOver = (orphan: Orphan): Effect.Effect<void> => {
    const task = orphan.task
    // Still running here (its renewals failed for a while: a Redis outage): it goes on here, under
    // the lease the claim gave back to this process.
    if (running.has(task.taskId)) return Effect.void
    const resumed = orphan.work === undefined || orphan.claims > maxTakeOvers || (orphan.handBacks ?? 0) > maxHandBacks
      ? undefined
      : options.resume?.(orphan)
    if (resumed === undefined) {
      return Effect.matchEffect(store.finish(task.taskId, "failed", orphanOutcome, orphanMessage), {
        onFailure: (error) => Effect.logWarning(`TaskStore failed to record the end of orphaned task ${task.taskId}`, errorForLog(error)),
        onSuccess: () => Effect.void
      })
    }
    const start = Effect.sync(() => {
      // Its TTL counts from its creation, not from the take-over.
      const remaining = task.ttlMillis === null ? null : Math.max(1, task.createdAt + task.ttlMillis - Date.now())
      const entry = enter(new Running(), task, resumed.options, remaining)
      const fiber = fork(entry, resumed.services, resumed.work, recordExit.bind(entry), false)
      if (fiber.pollUnsafe() === undefined) entry.fiber = fiber
    })
    // The work starts over: what its first run was waiting for is not pending any more (an answer
    // sent now would reach nobody); it asks again when it gets there.
    const restart = task.status === "input_required" ? Effect.andThen(Effect.ignore(store.setInputRequests(task.taskId, {})), start) : start
    // Unless this process stopped meanwhile (the confirmation in flight as its stop was requested):
    // started during the drain, the work was cut short at its end, and started once the shutdown
    // had listed the works to stop, it was never stopped while its lease lapsed (and ran on two
    // processes). Its lease is handed back instead: now, or with the shutdown's (still under way:
    // it waits for the reaper this runs in).
    const begin = Effect.suspend(() => {
      if (closed) return Effect.sync(() => void handedBack.push(task.taskId))
      return stopping?.() === true ? Effect.ignore(store.renewLeases!([task.taskId], 0)) : restart
    })
    // Confirmed first, so that the take-over counts (a work that keeps stopping its processes
    // fails after `maxTakeOvers`); not started when the lease is another's already or ran out, or
    // when the confirmation fails twice (the lease lapses; the next claim counts this one only if
    // a try was made in time and its answer lost). A second try (safe to repeat) covers an answer
    // lost after the confirmation was made, or one run past its deadline.
    if (store.confirmClaim === undefined) return begin
    // Interrupted by the shutdown while it waits: the claim may be made and counted, its lease handed back with the shutdown's.
    const confirmed = Effect.onInterrupt(
      Effect.retry(store.confirmClaim(task.taskId, leaseMillis), { times: 1 }),
      () => Effect.sync(() => void handedBack.push(task.taskId))
    )
    return Effect.matchEffect(confirmed, {
      onFailure: (error) => Effect.logWarning(`TaskStore failed to confirm the take-over of task ${task.taskId}; not started`, errorForLog(error)),
      onSuccess: (mine) => mine ? begin : Effect.void
    })
  }

  Effect.runSync(Scope.addFinalizer(
    scope,
    Effect.suspend(() => {
      closed = true
      deadlines.clear()
      unwatch?.()
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = [...undecided, ...recording]
      if (watcher !== undefined) fibers.push(watcher)
      if (leasing !== undefined) fibers.push(...leasing)
      for (const entry of running.values()) if (entry.fiber !== undefined) fibers.push(entry.fiber)
      // The leases of the works stopped here (see `record`) run out now, not a lease later.
      return Effect.andThen(
        Fiber.interruptAll(fibers),
        Effect.suspend(() => handedBack.length === 0 ? Effect.void : Effect.ignore(store.renewLeases!(handedBack.splice(0), 0)))
      )
    })
  ))

  const enter = (
    entry: Running,
    task: Task,
    options: SpawnOptions | undefined,
    ttlMillis: number | null = task.ttlMillis
  ): Running => {
    entry.task = task
    entry.options = options
    running.set(task.taskId, entry)
    own(entry, task.owner)
    // Any finite TTL, also one past a Node timer's longest delay (about 24.8 days): the heap's timer
    // re-arms on the way. An unbounded one (`Infinity`) has no deadline.
    if (ttlMillis !== null && ttlMillis !== Number.POSITIVE_INFINITY) deadlines.add(entry, ttlMillis)
    // Leased already: with its creation (`CreateInput.leaseMillis`), or by the claim of a take-over.
    return entry
  }

  /** Forgets a running task (its work ended, or it was cancelled). */
  const leave = (entry: Running | undefined): Running | undefined => {
    if (entry?.task === undefined || running.get(entry.task.taskId) !== entry) return undefined
    running.delete(entry.task.taskId)
    running = renewMap(running, runningRenewal)
    disown(entry, entry.task.owner)
    deadlines.remove(entry)
    return entry
  }

  /**
   * With tracing on (the request runs in a span: `Telemetry`), the work is a span of its own,
   * a root linked to the request's span: a task outlives the request that created it, so it is
   * not the request's child. Without a span nothing is added.
   */
  const linkedToRequest = <A, E>(work: Effect.Effect<A, E>, services: Context.Context<never>): Effect.Effect<A, E> => {
    const request = Context.getOrUndefined(services, Tracer.ParentSpan)
    return request === undefined
      ? work
      : Effect.withSpan(work, "mcp.task", {
        root: true,
        links: [{ span: request, attributes: {} }],
        kind: "internal",
        captureStackTrace: false
      })
  }

  /**
   * Runs the work as a root fiber with the caller's services; a rooted handler (see `rootOf`) as
   * the fiber's root, with its own services.
   */
  const fork = (
    entry: Running,
    services: Context.Context<never>,
    work: Effect.Effect<object, McpError.McpError>,
    onExit: (exit: Exit.Exit<unknown, unknown>) => Effect.Effect<void>,
    yieldFirst: boolean
  ): Fiber.Fiber<unknown, unknown> => {
    const root = rootOf(work)
    const body = linkedToRequest(root === undefined ? work : root.handler, services)
    // A spawned task's work waits for the next turn before it runs: a root fiber starts at once,
    // and the caller's CreateTaskResult must reach the client before anything the work says (a
    // status notification, a request) or a work that never yields holds it back. `nextTurn`, not
    // `Effect.yieldNow`: that would give each task's fiber a dispatcher of its own for its life.
    const run = Effect.onExit(yieldFirst ? Effect.andThen(nextTurn, body) : body, onExit)
    if (root === undefined) return Effect.runForkWith(services)(run)
    entry.services = services
    entry.result = root.result
    return Effect.runForkWith(root.services(services))(run)
  }

  /**
   * The work's exit, given to `then`: a rooted handler's mapped to its result first. Both run
   * with the caller's services, as they did after the handler's own context was restored (the
   * mapping's logs, e.g., are not the request's).
   */
  const settle = (
    entry: Running,
    exit: Exit.Exit<unknown, unknown>,
    then: (exit: Exit.Exit<object, McpError.McpError>) => Effect.Effect<void>
  ): Effect.Effect<void> => {
    const result = entry.result
    if (result === undefined) return then(exit as Exit.Exit<object, McpError.McpError>)
    const services = entry.services as Context.Context<any>
    return Effect.updateContext(Effect.flatMap(Effect.exit(Effect.suspend(() => result(exit))), then), () => services)
  }

  const record = (entry: Running, exit: Exit.Exit<object, McpError.McpError>) => {
    // Its lease was lost: another process runs the task now and records its end.
    if (entry.slot === lostSlot) return Effect.void
    const task = entry.task!
    // Interrupted: after `cancel` the status is recorded and this is a no-op (compare-and-set);
    // by its TTL, the task expired; interrupted otherwise (the work interrupted itself, the server
    // shut down), the task failed.
    const ended = entry.slot === expiredSlot ? expired(task) : (entry.options?.outcomeOf ?? outcomeOf)(task.method, exit)
    // Stopped by this process's shutdown, on a store with leases (replicas): the task is left as it
    // is and its lease handed back as the shutdown ends, so another process takes it over as if
    // this one had died (runs its work again, or ends it failed as an orphan). Failed here, a
    // rolling restart failed every task its stopped replicas ran, which a crash did not.
    if (ended === undefined && closed && leasing !== undefined) {
      if (leave(entry) !== undefined) handedBack.push(task.taskId)
      return Effect.void
    }
    const ending = ended ?? interrupted(task)
    // The work is over, but the task stays this process's (in `running`, its lease renewed) until
    // its end is recorded: a store that fails now (an outage) must not let the lease lapse, or
    // another replica would run the work again, or fail a `runOnce` task that completed.
    deadlines.remove(entry)
    return Effect.matchCauseEffect(finishWith(task, ending), {
      onFailure: (cause) => {
        // A store that died doing it (its outcome cannot be stored, say), or a supervisor closing:
        // no retry; the task leaves, its lease lapses, and another process takes it over.
        const retry = !closed && Cause.hasFails(cause) && !Cause.hasDies(cause)
        if (!retry) leave(entry)
        return Effect.andThen(
          Effect.logWarning(`TaskStore failed to record the end of task ${task.taskId}${retry ? "; retrying" : ""}`, forLog(cause)),
          Effect.sync(() => retry && retryRecord(entry, ending))
        )
      },
      onSuccess: (finished) => recorded(entry, finished)
    })
  }

  /** Records `ending` for `task` in the store. */
  const finishWith = (task: Task, ending: Ending) => finishBounded(task.taskId, ending.status, ending.outcome, ending.statusMessage)

  /** The end of a task is recorded: it leaves, and its policy hears of it. */
  const recorded = (entry: Running, finished: Task | undefined): Effect.Effect<void> => {
    leave(entry)
    const onTransition = entry.options?.onTransition
    return finished === undefined || onTransition === undefined ? Effect.void : onTransition(finished)
  }

  /** Fibers retrying to record the end of a task (interrupted with the scope). */
  const recording = new Set<Fiber.Fiber<unknown, unknown>>()
  /** Set first when the scope closes: no retry starts after (the works' exits run then too). */
  let closed = false
  /** The tasks whose work the closing scope stopped, on a store with leases: their leases are handed back. */
  const handedBack: Array<string> = []

  /**
   * Records a task's end again until the store takes it (100 ms, doubling to 5 s apart), while the
   * task is still this process's (not taken over: its lease lost; not ended elsewhere; not
   * expired) and for at most {@link maxRecordingMillis}; then it leaves, logged, and its lease
   * lapses. A fiber of its own, not the work's exit handler: that runs uninterruptibly, and a
   * shutdown during an outage must not wait for the store.
   */
  const retryRecord = (entry: Running, ending: Ending) => {
    const task = entry.task!
    const retried = recordAgain(task, () => finishWith(task, ending), {
      ours: () => !closed && running.get(task.taskId) === entry,
      giveUp: (why) =>
        Effect.suspend(() => {
          leave(entry)
          return Effect.logWarning(`TaskStore: gave up recording the end of task ${task.taskId} (${why}); its lease lapses`)
        }),
      recorded: (finished) => recorded(entry, finished)
    })
    // Interrupted (the scope closing): it leaves, its lease left to lapse.
    const fiber = runFork(Effect.onInterrupt(retried, () => Effect.sync(() => leave(entry))))
    recording.add(fiber)
    fiber.addObserver(() => recording.delete(fiber))
  }

  // The fiber's exit handler of a work is bound to it (one small object per work; a closure, with
  // its scope, was twice that, and one made in a caller's scope kept that scope alive).
  function recordExit(this: Running, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return settle(this, exit, (settled) => record(this, settled))
  }
  function promotionExit(this: Promotion, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return settle(this, exit, (settled) => this.ended(settled))
  }

  /** What a `promotable` work needs until its task is created. */
  interface Unpromoted {
    readonly input: CreateInput
    readonly options: PromotableOptions | undefined
    /** The one creation of the task while it is under way (or when it failed). */
    creation: Deferred.Deferred<Task, TaskLimitExceeded | StoreError> | undefined
  }

  /**
   * One `promotable` work until it is decided (it ended, or it was promoted), then the task's
   * (the same object: see `Running`). Its methods are shared: per call, one object and the
   * closures the fiber and the timer need.
   */
  class Promotion extends Running {
    decided = false
    /**
     * The caller waiting for the decision, or the decision until the caller takes it: one field,
     * as only one is ever set.
     */
    handoff: ((decision: Exit.Exit<Decision, TaskLimitExceeded | StoreError>) => void) | Exit.Exit<Decision, TaskLimitExceeded | StoreError> | undefined = undefined
    /**
     * What only an unpromoted work needs, in one object dropped once promoted (the task keeps only
     * its policy): measured, 16 bytes less per task in flight than three fields.
     */
    unpromoted: Unpromoted | undefined
    /**
     * The promotion the work is given: made when asked (once), not kept here. Measured: a bound
     * method and its effect kept per promotion were 80 bytes of every running task's heap.
     */
    get promote(): Effect.Effect<Task, TaskLimitExceeded | StoreError> {
      return Effect.suspend(() => this.promoteNow())
    }

    constructor(input: CreateInput, options: PromotableOptions | undefined) {
      super()
      this.unpromoted = { input, options, creation: undefined }
    }

    decide(decision: Exit.Exit<Decision, TaskLimitExceeded | StoreError>): void {
      if (this.decided) return
      this.decided = true
      const resume = this.handoff
      if (typeof resume !== "function") return void (this.handoff = decision)
      this.handoff = undefined
      resume(decision)
    }

    /** Hands the decision to the caller (the promotion keeps nothing of it). */
    take(): Exit.Exit<Decision, TaskLimitExceeded | StoreError> | undefined {
      const decision = this.handoff
      if (decision === undefined || typeof decision === "function") return undefined
      this.handoff = undefined
      return decision
    }

    promoteNow(): Effect.Effect<Task, TaskLimitExceeded | StoreError> {
      if (this.task !== undefined) return Exit.succeed(this.task)
      const unpromoted = this.unpromoted!
      // One creation, however many ask (the work itself, the caller's timer).
      if (unpromoted.creation !== undefined) return Deferred.await(unpromoted.creation)
      const creation = unpromoted.creation = Deferred.makeUnsafe<Task, TaskLimitExceeded | StoreError>()
      const since = goings
      // Suspended: a store whose `create` throws (its bug) ends the creation with that defect; thrown
      // here, nobody ended it, and the work and the caller waited for it for ever.
      return Effect.flatMap(Effect.exit(Effect.suspend(() => store.create(leased(unpromoted.input)))), (exit): Effect.Effect<Task, TaskLimitExceeded | StoreError> => {
        let late: Task | undefined
        if (exit._tag === "Success") {
          const task = exit.value
          const options = unpromoted.options
          enter(this, task, policyOf(options))
          if (this.fiber !== undefined) decided(this.fiber)
          this.unpromoted = undefined
          options?.onPromoted?.(task)
          this.decide(Exit.succeed({ _tag: "Promoted", task }))
          if (wentSince(task.owner, since)) late = task
        }
        Deferred.doneUnsafe(creation, exit)
        return late === undefined ? exit : Effect.andThen(cancelLate(this, late), exit)
      }).pipe(
        // Interrupted while the store creates it (the work's own `becomeTask`, as its session
        // closes): no task, and whoever waits for the creation hears so. The work's end waited for
        // it forever, and with it the caller interrupting the work (the session's close).
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            if (!Deferred.isDoneUnsafe(creation)) Deferred.doneUnsafe(creation, Exit.interrupt())
          })
        )
      )
    }

    ended(exit: Exit.Exit<object, McpError.McpError>): Effect.Effect<void> {
      if (this.task !== undefined) return record(this, exit)
      // Ended while its task is being created (a store that answers later): the task exists (or
      // not) once the creation ends; a created task must still end with this work's outcome.
      const creation = this.unpromoted?.creation
      if (creation !== undefined && !Deferred.isDoneUnsafe(creation)) {
        return Effect.flatMap(Effect.exit(Deferred.await(creation)), () => this.ended(exit))
      }
      if (this.fiber !== undefined) decided(this.fiber)
      this.decide(Exit.succeed({ _tag: "Ended", exit }))
      return Effect.void
    }

    /**
     * The caller's `promoteAfter` elapsed. Not when the work started the creation itself (its
     * `becomeTask`): made, it decides; failed, the failure is the work's, to handle. Waited for
     * here, a failure the work caught (it ran on, to be answered directly) still ended the call.
     */
    timeUp(): void {
      if (this.decided || this.unpromoted?.creation !== undefined) return
      const mayPromote = this.unpromoted?.options?.mayPromote
      if (mayPromote !== undefined && !mayPromote()) return
      Effect.runFork(Effect.catch(this.promote, (limit) => Effect.sync(() => this.decide(Exit.fail(limit)))))
    }
  }

  const promotable: TaskSupervisor["Service"]["promotable"] = (input, work, options) =>
    Effect.contextWith((services: Context.Context<never>) => {
      const promotion = new Promotion(input, options)
      const fiber = fork(promotion, services, started(work, promotion.promote), promotionExit.bind(promotion), false)
      // Unless it ended already (and `record` forgot it).
      if (fiber.pollUnsafe() === undefined) promotion.fiber = fiber
      if (promotion.task === undefined && !promotion.decided) undecided.add(fiber)
      // Decided already (`becomeTask` at once, or the work ended): no timer, no waiting.
      if (promotion.decided) return promotion.take()!
      // The caller's promotion: a plain timer (no timeout fiber per call), cleared by the decision.
      const timer = options?.promoteAfter === undefined ? undefined : setTimeout(() => promotion.timeUp(), options.promoteAfter)
      return Effect.onExit(
        Effect.callback<Decision, TaskLimitExceeded | StoreError>((resume) => {
          if (promotion.decided) return resume(promotion.take()!)
          promotion.handoff = resume
        }),
        (exit) => {
          if (timer !== undefined) clearTimeout(timer)
          // Not decided (the caller was interrupted, or its promotion failed): nobody will answer for the work.
          return exit._tag === "Failure" && promotion.task === undefined ? Fiber.interrupt(fiber) : Effect.void
        }
      )
    })

  return TaskSupervisor.of({
    spawn: (input, work, options) => {
      // Taken as the creation is made (the caller runs it at once): see `gone`.
      const since = goings
      return Effect.flatMap(store.create(leased(input)), (task) =>
        Effect.contextWith((services: Context.Context<never>) => {
          const entry = enter(new Running(), task, options)
          const fiber = fork(entry, services, started(work, task), recordExit.bind(entry), true)
          // Unless it ended already (and `record` forgot it).
          if (fiber.pollUnsafe() === undefined) entry.fiber = fiber
          return wentSince(task.owner, since) ? Effect.as(cancelLate(entry, task), task) : Exit.succeed(task)
        }))
    },
    promotable,
    cancelOwnedBy: (owner) =>
      Effect.suspend(() => {
        // Its tasks still being created are cancelled as each lands (see `gone`).
        noteGone(owner)
        const held = byOwner.get(owner)
        if (held === undefined) return Effect.void
        // A copy: each cancel leaves the index as it lands.
        const owned: Array<Running> = held instanceof Set ? [...held] : [held]
        return Effect.forEach(owned, (entry) =>
          Effect.flatMap(store.cancel(entry.task!.taskId, owner), () =>
            Effect.sync(() => stop(leave(entry)))).pipe(Effect.ignore), { discard: true })
      }),
    cancel: (taskId, owner) =>
      Effect.flatMap(store.cancel(taskId, owner), (task) => {
        const entry = leave(running.get(taskId))
        stop(entry)
        const onTransition = entry?.options?.onTransition
        return onTransition === undefined ? Effect.succeed(task) : Effect.as(onTransition(task), task)
      }),
    running: Effect.sync(() => running.size),
    owners: Effect.sync(() => byOwner.size),
    runsFor: (owner) => byOwner.has(owner),
    // Expired (its TTL elapsed), its work interrupted but running on (an uninterruptible region):
    // no longer the task's, though it stays in `running` until its end (`failed`) is recorded.
    runs: (taskId) => {
      const entry = running.get(taskId)
      return entry !== undefined && entry.slot !== expiredSlot
    }
  })
}
