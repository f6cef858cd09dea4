/**
 * Background tasks in the authoring API (MCP 2025-11-25, SEP-1686): the augmentation rules for
 * `tools/call` (and, as FastMCP does, `resources/read` and `prompts/get`), the `tasks/*`
 * handlers, and `notifications/tasks/status`.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as McpError from "../../protocol/McpError.ts"
import * as Pagination from "../../protocol/Pagination.ts"
import type { CreateTaskResult, TaskMetadata } from "../../protocol/McpSchema.ts"
import * as GracefulShutdown from "../../session/GracefulShutdown.ts"
import type { RelatedTask, RequestContext } from "../../session/RequestContext.ts"
import { peerAddress } from "../../session/Requestor.ts"
import type { ContextSession } from "../../session/internal/requestContext.ts"
import type { ServerSession } from "../../session/ServerSession.ts"
import { featuresOf } from "../../protocol/versions/Projection.ts"
import { isTerminal, type Task } from "../../tasks/Task.ts"
import { makeMemory, type Orphan, TaskStore } from "../../tasks/TaskStore.ts"
import * as TaskSupervisor from "../../tasks/TaskSupervisor.ts"
import * as Wire from "../../tasks/wire/v2025_11_25.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import type * as Extension from "../Extension.ts"
import type { ListenSources } from "./listen.ts"
import { taskSource } from "./listenTasks.ts"
import { keysOf } from "./requestorKeys.ts"
import { TaskExitMapping } from "./taskExitMapping.ts"
import { TaskWorkRetry } from "./taskWorkRetry.ts"
import * as TaskExtension from "./taskExtension.ts"
import * as TaskRelay from "./taskRelay.ts"
import type { RequestHandlers } from "../LowLevelServer.ts"
import type { TaskSupport } from "../Tool.ts"
import { errorForLog } from "../../internal/loggedCause.ts"
import { Renewal, renewMap } from "../../internal/renewal.ts"
import { WorkUnderWay } from "../../internal/workUnderWay.ts"
import type { TaskOptions } from "./taskOptions.ts"

export type { TaskOptions } from "./taskOptions.ts"

/** Tasks as the server uses them. */
export interface ServerTasks {
  /**
   * Applies the augmentation rules: a forbidden component asked to run as a task, or a required
   * one asked to run without, is answered -32601 without running; a task-augmented request is
   * started as a task and answered at once with `CreateTaskResult`; anything else runs as usual.
   */
  readonly run: <A>(
    context: RequestContext,
    method: string,
    what: string,
    taskSupport: TaskSupport,
    task: TaskMetadata | undefined,
    work: (context: RequestContext) => Effect.Effect<A, McpError.McpError>,
    replay?: TaskExtension.Replay | undefined
  ) => Effect.Effect<A | CreateTaskResult, McpError.McpError>
  /**
   * A session has closed: its tasks (those it owns, not a principal's) can never be reached again:
   * they are cancelled, then removed from the store (the ended ones kept their results until
   * their TTL, an hour by default, for nobody).
   */
  readonly sessionClosed: (sessionId: string) => void
  /**
   * Whether a task the session owns (not a principal's) runs now: ended, the session would cost
   * it (see {@link sessionClosed}). Answered at once, from the supervisor's index by owner.
   */
  readonly sessionRunsTasks: (sessionId: string) => boolean
  /** `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` (2025-11-25). */
  readonly handlers: Pick<RequestHandlers, "tasks/get" | "tasks/result" | "tasks/list" | "tasks/cancel">
  /** The 2026-07-28 tasks extension (declared when a tool supports tasks). */
  readonly extension: Extension.Extension<never>
  /** The extension's tasks as `subscriptions/listen` follows them (`taskIds`). */
  readonly listen: NonNullable<ListenSources["tasks"]>
}

export { keysOf, type TaskKeys } from "./requestorKeys.ts"

/** The start of a session's owner key in the 2026-07-28 tasks extension (`TaskExtension.ownerKey`). */
const sessionOwnerPrefix2026 = TaskExtension.ownerKey("session:")

/** How often a server on a shared store says it uses it (see {@link watchSharing}). */
const announceEveryMillis = 60_000

/**
 * On a store shared by replicas (`TaskStore.announce`: Redis), for a server with tasks (one
 * without carries none of this machinery: a bundler drops it), says at start, and then every minute, that the server `name` uses it, and warns (once per
 * name) of each server of another name that uses it too: servers given one Redis prefix by
 * mistake share their tasks (lists, limits), rate-limit budgets and stores, which no key tells
 * apart. Only the take-over of orphaned tasks is kept to their own server (`TaskSupervisor`'s
 * `server`); the rest is fixed by giving each server its own prefix, as the warning says. A store
 * that fails is not reported here (the requests that need it are answered so).
 */
export const watchSharing = (name: string): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const provided = yield* Effect.serviceOption(TaskStore)
    const store = provided._tag === "Some" ? provided.value : undefined
    if (store?.announce === undefined) return
    const warned = new Set<string>()
    const round = Effect.matchEffect(store.announce(name), {
      onFailure: () => Effect.void,
      onSuccess: ({ others, where }) => {
        const fresh = others.filter((other) => !warned.has(other))
        if (fresh.length === 0) return Effect.void
        for (const other of fresh) warned.add(other)
        return Effect.logWarning(
          `effect-mcp-server: ${where} is in use by the server ${fresh.map((other) => JSON.stringify(other)).join(", ")} too, ` +
            `and this server is ${JSON.stringify(name)}: servers of different names must not share it (their tasks, ` +
            `rate-limit budgets and event streams mix; only the take-over of a task stopped with its replica is kept to ` +
            `its own server). Give each server its own prefix (the option prefix of RedisStores.layer); replicas of one ` +
            `server share one prefix and one name.`
        )
      }
    })
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(round, Effect.sleep(announceEveryMillis))))
  })

/**
 * How a 2025-11-25 task ends: as by default ({@link TaskSupervisor.outcomeOf}), except that a tool
 * result with `isError: true` makes the task `failed` (the 2026-07-28 extension completes it).
 * Here, not in the 2025-11-25 wire module: that one is also loaded by servers without tasks (the
 * 2026-07-28 wire uses its store-error mapping), which need not load the supervisor.
 */
export const outcomeOf2025 = (method: string, exit: Exit.Exit<object, McpError.McpError>): TaskSupervisor.Ending | undefined => {
  if (exit._tag === "Success" && method === "tools/call" && (exit.value as { readonly isError?: boolean }).isError === true) {
    return { status: "failed", outcome: { _tag: "Result", result: exit.value }, statusMessage: "The tool reported an error" }
  }
  return TaskSupervisor.outcomeOf(method, exit)
}

/** The last of the sessions whose `tasks/result` waits for a task (see `waiters` in {@link make}). */
const lastOf = (waiting: ServerSession | Array<ServerSession> | undefined): ServerSession | undefined =>
  Array.isArray(waiting) ? waiting[waiting.length - 1] : waiting

/**
 * The session a task's requests go through among those whose `tasks/result` waits for it (see
 * `RelatedTask.via`): the last that can still send them. One that closed or drains (its client
 * ended it: its `tasks/result` goes on until the task ends or the drain's timeout) refuses them.
 */
const carrier = (waiting: ServerSession | Array<ServerSession> | undefined): ServerSession | undefined => {
  if (!Array.isArray(waiting)) return waiting === undefined || refuses(waiting) ? undefined : waiting
  for (let i = waiting.length - 1; i >= 0; i--) {
    if (!refuses(waiting[i]!)) return waiting[i]
  }
  return undefined
}

const refuses = (session: ServerSession): boolean => (session as ContextSession).refusesRequests === true

/** How long a session's requests to the client wait by default (`clientRequestTimeoutMillis`). */
const timeoutOf = (session: ServerSession): number => (session as ContextSession).clientRequestTimeoutMillis ?? 60_000

/**
 * How long a stopping server waits for the removal of its closed sessions' tasks from the store
 * (the sessions' default `shutdownTimeoutMillis`): a store that does not answer cannot hold it.
 */
const closedBoundMillis = 10_000

/**
 * Builds the task machinery: the `TaskStore` in context (else an in-memory one with `options`),
 * a supervisor whose fibers live in the server's scope, and the status notifier.
 */
export const make = (
  options: TaskOptions,
  rerun?: (tool: string, args: unknown, context: RequestContext) => Effect.Effect<object, McpError.McpError> | undefined,
  /** The server's name: on a shared store, its tasks are its own (only its replicas take them over). */
  server?: string | undefined
): Effect.Effect<ServerTasks, never, Scope.Scope> =>
  Effect.gen(function*() {
    const provided = yield* Effect.serviceOption(TaskStore)
    const store = provided._tag === "Some" ? provided.value : yield* makeMemory(options)
    const services = yield* Effect.context<never>()
    // On a shared store, a 2026-07-28 tool task whose replica stopped is run again here, with
    // the call and the truth it recorded (a 2025-11-25 task belongs to a session that is gone),
    // under the extension's spawn policy, as a task made here: cancelled (here or on another
    // replica), expired or its lease lost, the inputs its work waits for are given up (without it,
    // a work waiting in an uninterruptible region waited for ever).
    const resume = (orphan: Orphan): TaskSupervisor.Resumed | undefined => {
      const resumed = rerun === undefined ? undefined : modern.resumedContext(orphan.task.taskId, orphan.work, { run: orphan.claims + (orphan.handBacks ?? 0) })
      const work = resumed === undefined ? undefined : rerun!(resumed.item.tool, resumed.item.arguments, resumed.context)
      if (work === undefined) return undefined
      // A URL elicitation its run requires is asked, the work run again once completed (each run made anew).
      let first: typeof work | undefined = work
      const attempt = () => {
        const made = first ?? rerun!(resumed!.item.tool, resumed!.item.arguments, resumed!.context)!
        first = undefined
        return made
      }
      return { work: modern.resumedWork(resumed!.context, attempt), services, options: modern.policy }
    }
    // The sessions whose tasks this process made (by owner key): only theirs are removed from the
    // store when their session closes (else each closing session cost a store round trip, two
    // scripts on Redis, for tasks nearly no session has). A store without `removeOwnedBy` keeps
    // none. Noted where the server already is as a task is made (a 2025-11-25 one as it is asked
    // for, a 2026-07-28 one as it is promoted): a step added to every creation cost ~10 % of the
    // creation rate (measured).
    const sessionOwners = new Set<string>()
    const removeOwnedBy = store.removeOwnedBy
    const noteOwner = removeOwnedBy === undefined ? undefined : (owner: string) => {
      if (owner.startsWith("session:") || owner.startsWith(sessionOwnerPrefix2026)) sessionOwners.add(owner)
    }
    // A task whose creation landed after its session closed (a promotion as it closes) is
    // cancelled by the supervisor, then removed here as the session's others were.
    const onCreatedForGone = removeOwnedBy === undefined ? undefined : (task: Task) =>
      Effect.suspend(() => {
        sessionOwners.delete(task.owner)
        return Effect.ignore(store.removeOwnedBy!(task.owner))
      })
    // A replica that is stopping claims no orphan (see `SupervisorOptions.stopping`).
    const stopping = (yield* GracefulShutdown.GracefulShutdown).isRequested
    const serverScope = yield* Effect.scope
    const supervisor = TaskSupervisor.make(store, serverScope, {
      leaseMillis: options.leaseMillis,
      resume,
      services,
      server,
      onCreatedForGone,
      stopping,
      maxResultBytes: options.maxResultBytes
    })
    // The closed sessions' tasks still being cancelled and removed (see `sessionClosed`, which
    // does not wait for it): waited for as the server stops, within `closedBoundMillis`. The
    // store's resources (a Redis client) close after the server: its sessions, closed as it
    // stopped, left their tasks there until they expired.
    const closings = new WorkUnderWay()
    yield* Effect.addFinalizer(() =>
      closings.awaitNone(closedBoundMillis, (left) =>
        Effect.logWarning(
          `effect-mcp-server: the tasks of ${left} closed session owner(s) not removed from the task store within ${closedBoundMillis} ms of the server's stop: they stay there until they expire`
        ))
    )
    // A store shared with servers of other names by mistake (one Redis prefix) is said so.
    if (server !== undefined) yield* watchSharing(server)
    // At least one task per page: an empty page with a cursor would send clients round forever.
    const listPageSize = Math.max(1, Math.floor(options.listPageSize ?? 100))
    // Its cursors name tasks/list and this server, as the other lists' do (`Pagination.scope`): one
    // of another list, or of another server, is -32602; replicas (one name) take each other's.
    const listScope = Pagination.scope("tasks", server ?? "")
    const clientAddress = options.clientAddress ?? peerAddress
    const ownerOf = (context: RequestContext) => keysOf(context, clientAddress).owner
    const runFork = Effect.runForkWith(services)
    const modern = TaskExtension.make({
      store,
      supervisor,
      created: noteOwner,
      keysOf: (context) => keysOf(context, clientAddress),
      promoteAfterMillis: options.promoteAfterMillis,
      scope: serverScope,
      maxResultBytes: options.maxResultBytes
    })
    // A shared store: answers given on other replicas for the tasks running here.
    const inputs = store.inputs
    if (inputs !== undefined) {
      yield* Effect.forkScoped(Effect.scoped(Effect.flatMap(PubSub.subscribe(inputs), (subscription) =>
        Effect.forever(
          Effect.flatMap(PubSub.take(subscription), (delivery) => Effect.ignore(modern.answerHere(delivery.taskId, delivery.responses)))
        ))))
    }

    /**
     * The policy a session's tasks run under (their outcome by the 2025-11-25 wire;
     * notifications/tasks/status to that session, which drops it once gone): one per session, not
     * one per task.
     */
    const policies = new WeakMap<ServerSession, TaskSupervisor.SpawnOptions>()
    /** Its work no longer the task's (cancelled, here or elsewhere, expired, its lease lost): its pending requests are given up. */
    const onStopped = (taskId: string) => asking.get(taskId)?.end()
    const policyOf = (session: ServerSession): TaskSupervisor.SpawnOptions => {
      let policy = policies.get(session)
      if (policy === undefined) {
        const onTransition = (task: Task) =>
          session.notify("notifications/tasks/status", Wire.toWire(task) as unknown as Record<string, unknown>)
        policies.set(session, policy = { onTransition, outcomeOf: outcomeOf2025, onStopped })
      }
      return policy
    }

    /**
     * A task as its handler's context sees it: one object per task in flight, its methods shared
     * (measured: per-task closures for these were ~0.3 KB of each task's heap).
     */
    class CoreTask implements RelatedTask {
      readonly taskId: string
      readonly policy: TaskSupervisor.SpawnOptions
      /** Client requests pending: the task is input_required while any is. */
      waiting = 0
      /** Completed when `via` changes, while requests are pending (see `viaChanged`); made on first use. */
      changes: Deferred.Deferred<void> | undefined = undefined
      /** How long its requests wait for the client by default (its session's `clientRequestTimeoutMillis`). */
      readonly timeoutMillis: number
      constructor(taskId: string, policy: TaskSupervisor.SpawnOptions, timeoutMillis: number) {
        this.taskId = taskId
        this.policy = policy
        this.timeoutMillis = timeoutMillis
      }
      /**
       * Whether a wait on another replica was looked up for its notifications: once, at the first
       * with no wait here (a later wait elsewhere is heard of by its `Waiting`).
       */
      located = false
      /** See `RelatedTask.locate`. */
      locate(): Effect.Effect<void> | undefined {
        if (this.located || relayer === undefined || waitingHere(this.taskId) !== undefined) return undefined
        this.located = true
        return relayer.lookUp(this.taskId)
      }
      /** See `RelatedTask.locateUnsafe`. */
      locateUnsafe(): void {
        const located = this.locate()
        if (located !== undefined) runFork(located)
      }
      /** The related-task `_meta` of the task's messages (made per message: they are few). */
      get meta() {
        return Wire.relatedTaskMeta(this.taskId)
      }
      /** See `RelatedTask.ended`: cancelled, expired (or taken over elsewhere) while its work runs on. */
      get ended() {
        return supervisor.runs?.(this.taskId) === false
      }
      /** Its messages go together: its `tasks/result` carries them (see `ServerSession.routeTo`). */
      get route() {
        return this.taskId
      }
      /**
       * The session whose `tasks/result` waits for it now, over HTTP (see `RelatedTask.via`); else,
       * on a shared store, the carrier to the replica where one waits (see `taskRelay.ts`).
       */
      get via() {
        const here = waitingHere(this.taskId)
        return here === undefined && relayer !== undefined ? relayer.carrierOf(this.taskId) : here
      }
      /** See `RelatedTask.viaChanged`: woken by {@link waitingOn} while the task asks the client. */
      get viaChanged() {
        return Deferred.await(this.changes ??= Deferred.makeUnsafe<void>())
      }
      /** Completed by {@link end}, while requests are pending (see `whenEnded`); made on first use. */
      endings: Deferred.Deferred<void> | undefined = undefined
      /** See `RelatedTask.whenEnded`. */
      get whenEnded() {
        return Deferred.await(this.endings ??= Deferred.makeUnsafe<void>())
      }
      /** Its work no longer the task's while it asks the client (`SpawnOptions.onStopped`): its pending requests are given up. */
      end(): void {
        const endings = this.endings
        if (endings === undefined) return
        this.endings = undefined
        Deferred.doneUnsafe(endings, Exit.void)
      }
      /** Another session's `tasks/result` waits for the task now: its pending requests are told. */
      viaChange(): void {
        const changes = this.changes
        if (changes === undefined) return
        this.changes = undefined
        Deferred.doneUnsafe(changes, Exit.void)
      }
      awaitingInput(on: boolean): Effect.Effect<void> {
        return Effect.suspend(() => {
          this.waiting += on ? 1 : -1
          if (on ? this.waiting !== 1 : this.waiting !== 0) return Effect.void
          if (on) asking.set(this.taskId, this)
          else if (asking.get(this.taskId) === this) {
            this.changes = undefined
            asking.delete(this.taskId)
            asking = renewMap(asking, askingRenewal)
          }
          const notify = this.policy.onTransition!
          // A store that fails to record it is logged: the work goes on waiting for its input.
          const status = Effect.matchEffect(store.setStatus(this.taskId, on ? "input_required" : "working"), {
            onFailure: (error) => Effect.logWarning(`TaskStore failed to record the status of task ${this.taskId}`, errorForLog(error)),
            onSuccess: (changed) => changed === undefined ? Effect.void : notify(changed)
          })
          // Asking, on a shared store, and no `tasks/result` for it waits here: one waiting on another
          // replica carries its requests (looked up: a round trip to the store). One waiting here
          // comes first: a task asking its own replica's `tasks/result` asks the store nothing
          // (should that wait end while the task asks, the look-up is made then: `waitingOn`).
          return on && relayer !== undefined && waitingHere(this.taskId) === undefined
            ? Effect.andThen(relayer.lookUp(this.taskId), status)
            : status
        })
      }
    }

    const start = <A>(
      context: RequestContext,
      method: string,
      ttl: number | undefined,
      work: (context: RequestContext) => Effect.Effect<A, McpError.McpError>
    ): Effect.Effect<CreateTaskResult, McpError.McpError> => {
      const { owner, address } = keysOf(context, clientAddress)
      noteOwner?.(owner)
      const policy = policyOf(context.session)
      const spawn = (mapping: TaskExitMapping["Service"] | undefined, retry: TaskWorkRetry["Service"] | undefined) =>
        supervisor.spawn(
          { owner, address, method, ttlMillis: ttl },
          (task) => {
            const core = new CoreTask(task.taskId, policy, timeoutOf(context.session))
            const related = context.with({ relatedTask: core })
            // `Retry` around the request: the work is made and run again on a retryable failure (see `taskWorkRetry.ts`).
            const result = retry === undefined
              ? work(related) as Effect.Effect<object, McpError.McpError>
              : retry(() => work(related) as Effect.Effect<object, McpError.McpError>)
            const mapped = mapping === undefined ? result : Effect.flatMap(Effect.exit(result), (exit) => mapping(exit, task.taskId))
            if (relayer === undefined) return mapped
            // On a shared store, known while it runs (its carrier to another replica's wait), its
            // notes sent there before its end is recorded (they come before its result). Entered
            // when the work starts, with its removal in place (uninterruptibly): a fiber interrupted
            // before its first turn (shutdown, an early cancel) leaves no entry behind.
            return Effect.uninterruptibleMask((restore) => {
              running.set(task.taskId, core)
              return Effect.ensuring(
                restore(mapped),
                Effect.suspend(() => {
                  running.delete(task.taskId)
                  running = renewMap(running, runningRenewal)
                  return relayer.ended(task.taskId)
                })
              )
            })
          },
          policy
        ).pipe(Effect.map(Wire.createTaskResult), Effect.catch(Wire.failWith))
      // The outcome as the task records it: mapped as middleware asked (a limit, a failure mapped,
      // see `taskExitMapping.ts`), so that a replacement fails the task as the handler's own
      // isError result or error would (a read's or prompt's too: only tool tasks were limited, and
      // one over it stayed completed while its tasks/result answered -32603). Looked up as the task
      // is made: a task without a mapping runs its work as it is (a step added to every task's
      // work cost 1.2 KB of heap per working task, measured).
      return Effect.flatMap(Effect.serviceOption(TaskExitMapping), (mapping) =>
        Effect.flatMap(Effect.serviceOption(TaskWorkRetry), (retry) =>
          spawn(mapping._tag === "None" ? undefined : mapping.value, retry._tag === "None" ? undefined : retry.value)))
    }

    // Core tasks are a feature of the request's version (2025-11-25): older requests get none of it
    // (no capability is advertised to them).
    const hasTasks = (context: RequestContext) => featuresOf(context.protocolVersion).taskMethods
    const guarded = <M extends keyof ServerTasks["handlers"]>(
      method: M,
      handler: NonNullable<ServerTasks["handlers"][M]>
    ): NonNullable<ServerTasks["handlers"][M]> =>
      ((params: never, context: RequestContext) =>
        hasTasks(context) ? (handler as (p: never, c: RequestContext) => unknown)(params, context) : Exit.fail(McpError.methodNotFound(method))) as never

    /**
     * The task once it ended. Over HTTP, the messages of the caller's own running task go with
     * this request from now on (its stream; the requests it had nowhere to send first): see
     * `ServerSession.routeTo`. Other transports have one stream: nothing to route.
     */
    const awaitResult = (taskId: string, context: RequestContext) => {
      const owner = ownerOf(context)
      if (context.http === undefined) return store.awaitTerminal(taskId, owner)
      return Effect.flatMap(store.get(taskId, owner), (task) => {
        if (isTerminal(task.status)) return Exit.succeed(task)
        const terminal = store.awaitTerminal(taskId, owner)
        // On a shared store, the replica running the task hears that its requests may come here
        // (once this wait is one `waiters` knows: a request arriving at once finds it). Not for a
        // task running here: its messages find this wait first, and no other replica runs it (two
        // scripts, two PUBLISH and a renewal per round saved per wait).
        const wait = relayer === undefined || running.has(taskId)
          ? terminal
          : Effect.scoped(Effect.andThen(relayer.waitHere(taskId), terminal))
        return Effect.andThen(context.session.routeTo(taskId, context.requestId), waitingOn(taskId, context.session, wait))
      })
    }
    /**
     * The sessions whose `tasks/result` waits for a task (over HTTP), one per `tasks/result`, the
     * last to come last (a lone one as itself, several in an array): the task's requests go
     * through the last (`RelatedTask.via`), also when another session of its principal created it
     * (they went to that one, whose stream no `tasks/result` of theirs waited on). Once it ends,
     * through the one before it that still waits: kept as the last alone, a `tasks/result` ending
     * (its session closed) sent them to the creating session, which its client no longer read,
     * while another session's `tasks/result` still waited for them. An entry is kept while its
     * `tasks/result` waits.
     */
    let waiters = new Map<string, ServerSession | Array<ServerSession>>()
    const waitersRenewal = new Renewal()
    /**
     * The tasks asking the client now (a request pending), by id: when another session comes to
     * wait for one, its requests the client does not read on the session they went through (held
     * unsent, or on streams the client left) are asked again through that one (see
     * `RelatedTask.viaChanged`). Else a request the task sent before that
     * `tasks/result` came stayed held on the session that created it, which its client no longer
     * read (it polled `tasks/get` on another session, then asked there), until its TTL.
     */
    let asking = new Map<string, CoreTask>()
    const askingRenewal = new Renewal()
    /**
     * On a shared store, the tasks whose work runs here, by id: a `tasks/result` for one waiting on
     * another replica carries its requests and notifications (see `taskRelay.ts`).
     */
    let running = new Map<string, CoreTask>()
    const runningRenewal = new Renewal()
    /**
     * On a shared store, the line to the other replicas for the tasks' requests (see
     * `taskRelay.ts`): a task running here reaches a `tasks/result` waiting on another, and one
     * waiting here carries the requests of a task running on another.
     */
    const relayer: TaskRelay.Relayer | undefined = yield* TaskRelay.make(store.relay, {
      local: (taskId) => waitingHere(taskId),
      running: (taskId) => running.get(taskId)?.timeoutMillis,
      changed: (taskId) => asking.get(taskId)?.viaChange(),
      leaseMillis: options.leaseMillis ?? TaskSupervisor.defaultLeaseMillis,
      runFork
    })
    /** The session here whose `tasks/result` waits for the task and can carry its requests, if any. */
    const waitingHere = (taskId: string): ServerSession | undefined => waiters.size === 0 ? undefined : carrier(waiters.get(taskId))
    const waitingOn = <A, E>(taskId: string, session: ServerSession, wait: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.suspend(() => {
        const before = waiters.get(taskId)
        const previous = lastOf(before)
        if (Array.isArray(before)) before.push(session)
        else waiters.set(taskId, before === undefined ? session : [before, session])
        // A wait here comes first: the task's requests no longer go to another replica's (see `taskRelay.ts`).
        relayer?.cameHere(taskId)
        if (previous !== session) asking.get(taskId)?.viaChange()
        return Effect.ensuring(
          wait,
          Effect.sync(() => {
            const now = waiters.get(taskId)
            if (now === session) {
              waiters.delete(taskId)
              waiters = renewMap(waiters, waitersRenewal)
              // The requests of a task running on another replica that came through the waits here go with them.
              relayer?.noneWaits(taskId)
            } else if (Array.isArray(now)) {
              const at = now.lastIndexOf(session)
              if (at === -1) return
              now.splice(at, 1)
              if (now.length === 1) waiters.set(taskId, now[0]!)
            } else return
            // Its requests may go through another session now (the `tasks/result` before this one
            // that still waits, else the creating session): those waiting for this one (it
            // closed) are told.
            const task = asking.get(taskId)
            if (task === undefined) return
            task.viaChange()
            // On a shared store, with no wait left here, a `tasks/result` waiting on another
            // replica (recorded before the task asked, when this one's made the look-up needless)
            // carries them: looked up now.
            if (relayer !== undefined && waitingHere(taskId) === undefined && relayer.carrierOf(taskId) === undefined) {
              runFork(relayer.lookUp(taskId))
            }
          })
        )
      })

    const refuse = (message: string) => Exit.fail(McpError.taskSupportMismatch(message))
    const anonymousList = McpError.withoutStackTrace(() =>
      new McpError.MethodNotFound({
        method: "tasks/list",
        message: "Method not found: tasks/list is not offered to anonymous callers of a stateless server (their tasks are not bound to them)"
      })
    )

    return {
      sessionRunsTasks: (sessionId) => {
        const runsFor = supervisor.runsFor
        return runsFor !== undefined &&
          (runsFor(`session:${sessionId}`) || runsFor(TaskExtension.ownerKey(`session:${sessionId}`)))
      },
      sessionClosed: (sessionId) => {
        for (const owner of [`session:${sessionId}`, TaskExtension.ownerKey(`session:${sessionId}`)]) {
          // A task still being created is cancelled and removed as it lands (`onCreatedForGone`).
          closings.start()
          runFork(Effect.andThen(
            supervisor.cancelOwnedBy(owner),
            Effect.suspend(() => sessionOwners.delete(owner) ? Effect.ignore(store.removeOwnedBy!(owner)) : Effect.void)
          ).pipe(Effect.ensuring(Effect.sync(() => closings.end()))))
        }
      },
      extension: modern.extension,
      listen: taskSource({
        changes: store.changes,
        recheckMillis: store.recheckMillis,
        visible: (taskId, context) =>
          Effect.catchTags(store.get(taskId, modern.ownerOf(context)), {
            TaskNotFound: () => Exit.succeed(undefined),
            StoreError: (error) => Exit.fail(McpError.storeUnavailable(error))
          })
      }),
      run: (context, method, what, taskSupport, task, work, replay) => {
        // 2026-07-28: the extension's policy, for tools/call only (the one task-eligible method).
        if (ProtocolVersion.isModern(context.protocolVersion)) {
          return method === "tools/call" ? modern.run(context, taskSupport, work, replay) as Effect.Effect<never, McpError.McpError> : work(context)
        }
        if (!hasTasks(context)) return work(context) // like a server without the tasks capability
        if (task === undefined) {
          return taskSupport === "required"
            ? refuse(`${what} requires task-augmented execution (params.task)`)
            : work(context)
        }
        if (taskSupport === "forbidden") return refuse(`${what} does not support task-augmented execution`)
        return start(context, method, task.ttl, work)
      },
      handlers: {
        "tasks/get": guarded("tasks/get", (params, context) =>
          store.get(params.taskId, ownerOf(context)).pipe(Effect.map(Wire.toWire), Effect.catch(Wire.failWith))),
        "tasks/result": guarded("tasks/result", (params, context) =>
          awaitResult(params.taskId, context).pipe(
            Effect.catch(Wire.failWith),
            Effect.flatMap((task): Effect.Effect<object, McpError.McpError> => {
              const outcome = task.outcome
              if (outcome === undefined) {
                return Exit.fail(McpError.invalidParams(`Task ${task.taskId} was ${task.status}: it has no result`))
              }
              if (outcome._tag === "Result") return Exit.succeed(Wire.withRelatedTask(outcome.result, task.taskId))
              // Exactly the original JSON-RPC error.
              const error = outcome.error
              return Exit.fail(McpError.withoutStackTrace(() =>
                error.data === undefined
                  ? new McpError.JsonRpcError({ code: error.code, message: error.message })
                  : new McpError.JsonRpcError({ code: error.code, message: error.message, data: error.data })
              ))
            })
          ) as Effect.Effect<never, McpError.McpError>),
        "tasks/list": guarded("tasks/list", (params, context) => {
          // An anonymous caller of a stateless server is no one: its tasks cannot be bound to it,
          // and `tasks.list` is not advertised to it (see `LowLevelServer`): not offered, -32601 as
          // for any capability a server does not have (was: an empty list).
          if (context.session.stateless && context.principal === undefined) return Exit.fail(anonymousList)
          return store.list(ownerOf(context), params.cursor, listPageSize, listScope).pipe(
            Effect.map((page) =>
              page.nextCursor === undefined
                ? { tasks: page.tasks.map(Wire.toWire) }
                : { tasks: page.tasks.map(Wire.toWire), nextCursor: page.nextCursor }
            ),
            Effect.catch(Wire.failWith)
          )
        }),
        "tasks/cancel": guarded("tasks/cancel", (params, context) =>
          supervisor.cancel(params.taskId, ownerOf(context)).pipe(
            Effect.map(Wire.toWire),
            Effect.catch(Wire.failWith)
          ))
      }
    }
  })
