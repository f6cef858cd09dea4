/**
 * Where tasks live: a service with an in-memory layer (a Redis layer can implement the same
 * interface: every operation is an Effect and nothing leaks the storage).
 *
 * Rules the store enforces:
 * - ids are 128 random bits (an id is a bearer capability: it must be unguessable);
 * - a task is visible only to its owner (an opaque key: the server uses the principal's subject,
 *   the session id, or the client address of an anonymous stateless caller): anyone else gets
 *   "not found", exactly as for an unknown id;
 * - the TTL counts from `createdAt` (capped by `maxTtlMillis`, 1 hour by default); expired tasks
 *   are gone;
 * - terminal states are final: `finish` and `cancel` are compare-and-set, so a result that
 *   arrives after a cancel is dropped without error;
 * - memory is bounded and shared fairly: at most `maxTasks` tasks, `maxTasksPerOwner` per owner
 *   and, for tasks created with an `address`, `maxTasksPerAddress` per address (so one client
 *   opening many anonymous sessions cannot hold the whole budget). Expired and old terminal tasks
 *   make room first; past that, creation fails with `TaskLimitExceeded` naming the limit;
 * - `awaitTerminal` suspends until the task is terminal (no polling), or until it expires (then
 *   `TaskNotFound`, as a `get` answers from then on, whatever its work still does; also when the
 *   task's end comes at its TTL, as the supervisor's expiry of its work makes it);
 *
 * Every operation may fail with a `StoreError` when what holds the tasks cannot be reached (a
 * shared store: its Redis is down); the in-memory store never does. The server maps it with
 * `McpError.storeUnavailable`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import { clip } from "../internal/clip.ts"
import { nodeCrypto } from "../internal/nodeCrypto.ts"
import { decodeCursor, encodeCursor } from "../protocol/Pagination.ts"
import type { StoreError } from "../store/StoreError.ts"
import * as MemoryLimits from "./internal/memoryOptions.ts"
import { ended, expiresAt, type InputRequest, isExpired, isTerminal, type Outcome, type Task } from "./Task.ts"
import { endedAtExpiry } from "./internal/expiry.ts"

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * No such task for this owner (unknown, expired, or someone else's).
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskNotFound extends Data.TaggedError("TaskNotFound")<{ readonly taskId: string }> {
  override get message() {
    return `Task not found: ${clip(this.taskId)}`
  }
}

/**
 * The task is already completed, failed or cancelled.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskAlreadyTerminal extends Data.TaggedError("TaskAlreadyTerminal")<{
  readonly taskId: string
  readonly status: string
}> {
  override get message() {
    return `Task ${this.taskId} is already ${this.status}`
  }
}

/**
 * Creating the task would exceed a limit of the store: `limit` is the maximum, `scope` which one
 * (`"owner"`: `maxTasksPerOwner`, `"address"`: `maxTasksPerAddress`, `"server"`: `maxTasks`).
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskLimitExceeded extends Data.TaggedError("TaskLimitExceeded")<{
  readonly limit: number
  readonly scope: "owner" | "address" | "server"
}> {
  override get message() {
    return this.scope === "owner"
      ? `Too many tasks: at most ${this.limit} per requestor`
      : this.scope === "address"
      ? `Too many tasks: at most ${this.limit} per client address`
      : `Too many tasks: the server holds at most ${this.limit}`
  }
}

/**
 * A `tasks/list` cursor that this store did not issue (for that list: see `TaskStore.list`'s `scope`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTaskCursor extends Data.TaggedError("InvalidTaskCursor")<{ readonly cursor: string }> {
  override get message() {
    return `Invalid cursor: ${clip(this.cursor)}`
  }
}

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * Answers for a task's pending input, sent from another process (see `TaskStore.sendInput`).
 *
 * @since 0.2.0
 * @category models
 */
export interface InputDelivery {
  readonly taskId: string
  readonly responses: { readonly [key: string]: unknown }
}

/**
 * A message between the processes sharing a store, about a 2025-11-25 task's requests to the
 * client (see `TaskStore.relay`): a `tasks/result` for the task waits in process `from`
 * (`Waiting`) or no longer does (`Left`); the process running the task asks the client through
 * it (`Ask`, the request's `id` of its own, the method and params as the task sent them, the
 * timeout), gives the question up (`Withdraw`), and hears the client's answer (`Answer`) or how the
 * question failed (`Failed`: a `ClientRequestError`'s tag and fields); it sends the task's
 * notifications (progress, log messages) there too, several in one message (`Notes`: each its
 * method and params as the task sent them), the last acknowledged (`ack`, answered `Answer`).
 * On a store whose messages can be lost (`TaskRelay.resendMillis`), each round: the tasks whose
 * `tasks/result` waits in process `from` as recorded (`Waits`: a lost `Waiting` is heard again),
 * and the questions process `from` still asks (`Asking`: `ids`, all of those it made up to the
 * `upTo`-th: one it no longer asks is given up, a lost `Withdraw` too); notes go in numbered
 * lines (`Notes`' `stream` and `seq`), acknowledged (`Noted`), the lost ones sent again.
 *
 * @since 0.2.0
 * @category models
 */
export type RelayMessage =
  | { readonly _tag: "Waiting"; readonly taskId: string; readonly from: string }
  | { readonly _tag: "Left"; readonly taskId: string; readonly from: string }
  | { readonly _tag: "Waits"; readonly from: string; readonly taskIds: ReadonlyArray<string> }
  | { readonly _tag: "Asking"; readonly from: string; readonly ids: ReadonlyArray<string>; readonly upTo: number }
  | {
    readonly _tag: "Ask"
    readonly to: string
    readonly from: string
    readonly id: string
    readonly taskId: string
    readonly method: string
    readonly params?: { readonly [key: string]: unknown } | undefined
    readonly timeoutMillis: number
  }
  | { readonly _tag: "Withdraw"; readonly to: string; readonly id: string }
  | {
    readonly _tag: "Notes"
    readonly to: string
    readonly taskId: string
    readonly notes: ReadonlyArray<{ readonly method: string; readonly params?: { readonly [key: string]: unknown } | undefined }>
    /**
     * The task's last notes (its work ended): once those before are sent on, the process that
     * gets them answers `ack` (`Answer`) to `from`, and the task's end is recorded then.
     */
    readonly ack?: string | undefined
    readonly from?: string | undefined
    /**
     * On a store whose messages can be lost: the line of notes this message is on (`stream`, one
     * per task and process it goes to) and its place there (`seq`, from 1): the process that gets
     * it takes them in order, says which it has (`Noted`) and which it lacks, and gets those again.
     */
    readonly stream?: string | undefined
    readonly seq?: number | undefined
    /** The first of the line its sender still sends again if lost (those before it are settled). */
    readonly first?: number | undefined
  }
  | {
    readonly _tag: "Noted"
    readonly to: string
    readonly stream: string
    /** Every `Notes` of the line up to this one came (taken in order). */
    readonly seq: number
    /** The next one came first (one was lost): those after `seq` are wanted again now. */
    readonly gap?: boolean | undefined
  }
  | { readonly _tag: "Answer"; readonly to: string; readonly id: string; readonly result: unknown }
  | { readonly _tag: "Failed"; readonly to: string; readonly id: string; readonly error: { readonly _tag: string; readonly [field: string]: unknown } }

/**
 * A shared store's line between processes for the requests a 2025-11-25 task sends to its client
 * (elicitation, sampling): the task runs in the process that created it, while its client's
 * `tasks/result` may wait in another (a new session landed there). See `TaskStore.relay`.
 *
 * @since 0.2.0
 * @category models
 */
export interface TaskRelay {
  /** This process's address: the `from` of its messages, the `to` of those for it. */
  readonly here: string
  /**
   * Records, while the scope is open, that a `tasks/result` for the task waits in this process
   * (with a lease the store renews, so a process that dies leaves no record for long), telling the
   * others (`Waiting`, at each such wait); once the last such wait here ends, the record goes
   * (`Left`). Never fails:
   * a store that cannot record it leaves the task's requests where they went before.
   */
  readonly waitHere: (taskId: string) => Effect.Effect<void, never, Scope.Scope>
  /** The process where a `tasks/result` for the task waits now, as recorded (the last to say so). */
  readonly waiter: (taskId: string) => Effect.Effect<string | undefined, StoreError>
  /** Sends a message (to the process it names; `Waiting` and `Left` are the store's own). */
  readonly send: (message: RelayMessage) => Effect.Effect<void, StoreError>
  /**
   * The messages other processes sent to this one (and every `Waiting`, `Left`, `Waits`, `Asking`;
   * this process's own `Waits` too, on a store whose messages can be lost: heard back, they tell
   * the relay it hears), each checked as it arrived: the relay reads their fields as typed (a store
   * drops a malformed one).
   */
  readonly messages: PubSub.PubSub<RelayMessage>
  /**
   * A store whose messages can be lost (Redis pub/sub drops what is published while a subscriber
   * reconnects): the relay sends a question not answered yet (`Ask`) again this often, and the
   * process that asked the client answers one it answered already from what it keeps (`Answer`,
   * `Failed` sent again, the client not asked twice); it numbers a task's notes, acknowledged by
   * the process that takes them, and sends again those lost. Absent: no message is lost.
   */
  readonly resendMillis?: number | undefined
}

/**
 * What creating a task needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateInput {
  /** Who may see the task; it counts against `maxTasksPerOwner` of this owner. */
  readonly owner: string
  /**
   * The client address the task also counts against (`maxTasksPerAddress`): set for anonymous
   * callers over HTTP, so that many sessions of one client share one budget; `undefined` (a
   * principal, stdio, in-memory): only the owner and server limits apply.
   */
  readonly address?: string | undefined
  /** The request method that creates it. */
  readonly method: string
  /** Requested retention in ms (the store may shorten it); `undefined`: the default. */
  readonly ttlMillis?: number | null | undefined
  /**
   * What another process needs to run the work again if the one running it stops (JSON: e.g. a
   * tool's name and arguments and the request's truth), handed back by `claimOrphans`. Kept by a
   * shared store, ignored by the in-memory one. `undefined`: the work must not run twice.
   */
  readonly work?: unknown
  /**
   * A shared store's lease (see `renewLeases`), taken with the creation, for the creating
   * process: it runs the task, and a process that dies right after creating it must not leave it
   * unleased (`working` forever). A store with leases must take it (the supervisor does not lease
   * again); the in-memory store ignores it.
   */
  readonly leaseMillis?: number | undefined
  /**
   * The name of the server whose work the task is (`McpServer` options' `name`), kept by a shared
   * store with the lease: its orphan is claimed only by a process of a server of that name (see
   * `claimOrphans`), never run again (or failed) by another server given the same store by
   * mistake. Ignored by the in-memory store.
   */
  readonly server?: string | undefined
}

/**
 * A task whose process stopped renewing its lease, claimed by one caller (see `TaskStore.claimOrphans`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Orphan {
  /** The task as stored (working or input_required). */
  readonly task: Task
  /** The work it recorded at creation (`CreateInput.work`), `undefined` when none. */
  readonly work: unknown
  /**
   * How many times its work has been taken over, this claim included (1: its first process
   * stopped). Not counted again: a claimer claiming back a lease it held (its own claim whose
   * answer it never received, or its own work whose renewals failed for a lease), and a claim
   * after one never confirmed (`TaskStore.confirmClaim`: its claimer never started the work),
   * and a claim after a hand-back (`TaskStore.renewLeases` with 0: its process stopped
   * gracefully, no crash), counted in `handBacks` instead.
   */
  readonly claims: number
  /**
   * How many times a process stopping gracefully handed its work back (`renewLeases` with 0), not
   * counted in `claims`. Absent: the store does not count them (none).
   */
  readonly handBacks?: number | undefined
}

/**
 * One page of an owner's tasks.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskPage {
  readonly tasks: ReadonlyArray<Task>
  readonly nextCursor: string | undefined
}

/**
 * The task store; see the module documentation.
 *
 * @since 0.1.0
 * @category services
 */
export class TaskStore extends Context.Service<TaskStore, {
  readonly create: (input: CreateInput) => Effect.Effect<Task, TaskLimitExceeded | StoreError>
  /** The task, if `owner` may see it and it has not expired. */
  readonly get: (taskId: string, owner: string) => Effect.Effect<Task, TaskNotFound | StoreError>
  /**
   * The owner's tasks, oldest first. `scope` names the list its cursors belong to (see
   * `Pagination.scope`; the server names `tasks/list` and itself): the cursors it hands out are of
   * that scope, and a cursor of another scope (another list's, another server's) is an
   * `InvalidTaskCursor`, as one it never issued. Default none.
   */
  readonly list: (
    owner: string,
    cursor: string | undefined,
    pageSize: number,
    scope?: string | undefined
  ) => Effect.Effect<TaskPage, InvalidTaskCursor | StoreError>
  /** Moves a non-terminal task between `working` and `input_required`; `undefined` when it is terminal or gone. */
  readonly setStatus: (
    taskId: string,
    status: "working" | "input_required",
    statusMessage?: string
  ) => Effect.Effect<Task | undefined, StoreError>
  /**
   * Records the inputs a non-terminal task waits for: non-empty → `input_required` with that
   * snapshot; empty → back to `working`. `undefined` when the task is terminal or gone.
   */
  readonly setInputRequests: (
    taskId: string,
    inputRequests: { readonly [key: string]: InputRequest }
  ) => Effect.Effect<Task | undefined, StoreError>
  /** Records the outcome if the task is not terminal yet (compare-and-set); `undefined` otherwise. */
  readonly finish: (
    taskId: string,
    status: "completed" | "failed",
    outcome: Outcome,
    statusMessage?: string
  ) => Effect.Effect<Task | undefined, StoreError>
  /** Marks the task cancelled (compare-and-set) and returns it. */
  readonly cancel: (taskId: string, owner: string) => Effect.Effect<Task, TaskNotFound | TaskAlreadyTerminal | StoreError>
  /**
   * Waits until the task is terminal (by subscription, not polling); fails with `TaskNotFound`
   * once it expires first (it is gone then, as `get` says), or when it ends at its TTL.
   */
  readonly awaitTerminal: (taskId: string, owner: string) => Effect.Effect<Task, TaskNotFound | StoreError>
  /**
   * Every status change (creation included), for the `notifications/tasks` of 2026-07-28
   * `subscriptions/listen` streams (2025-11-25's `notifications/tasks/status` are sent by the
   * supervisor's `onTransition`, not from here); a shared store
   * publishes here the changes made by other processes too, but not their creations: a task
   * created elsewhere is heard of from its first change on (who follows a task reads it first, as a
   * `subscriptions/listen` stream does, and the supervisor waits only for ends).
   */
  readonly changes: PubSub.PubSub<Task>
  /**
   * A shared store whose `changes` can miss some (Redis pub/sub drops what is published while a
   * subscriber reconnects; an expiry publishes nothing): who follows tasks through `changes` (a
   * `subscriptions/listen` stream) reads them again this often. Absent: `changes` misses nothing.
   */
  readonly recheckMillis?: number | undefined
  /**
   * Whether other processes change these tasks (a store shared by replicas): the supervisor then
   * watches `changes` for cancellations made elsewhere and interrupts the work it runs. Default
   * false (the in-memory store: every change is this process's own).
   */
  readonly shared?: boolean | undefined
  /**
   * A shared store's direct line for the supervisor: registers `listener`, called at once (in the
   * process, as the store hears of it) with each task another process ended, until the returned
   * function is called. The supervisor interrupts the work it runs for such a task. Without it,
   * the supervisor of a shared store watches `changes` instead: a fiber woken for every change of
   * every replica, measured (bench/cluster.ts, Redis) 3–5% of the replicas' CPU per creation.
   * `wants` (optional): the tasks the listener is for (the supervisor: those whose
   * work runs here); the store may then skip reading the others, as the Redis store does with the
   * tasks nobody in the process wants. A hint, not a filter: the listener may still be called with
   * others (a message read for another task, or one of a replica of the version before, which has
   * no index of its tasks) and checks each task itself.
   */
  readonly onEndedElsewhere?:
    | ((listener: (task: Task) => void, wants?: ((taskId: string) => boolean) | undefined) => () => void)
    | undefined
  /**
   * A shared store's way to the process that runs a task: answers a client gave (MCP 2026-07-28
   * `tasks/update`, on any replica) are sent here and arrive on the `inputs` of the process holding
   * the task's lease. `true` when that is this process (or the task has no lease): the caller
   * answers its own waiting work at once. A process cut off past its lease gets `false` for a task
   * another process took over, so its stale copy of the work is not answered. Absent on a store
   * only one process uses.
   */
  readonly sendInput?:
    | ((taskId: string, responses: { readonly [key: string]: unknown }) => Effect.Effect<boolean, StoreError>)
    | undefined
  /** The answers sent by other processes (see `sendInput`). */
  readonly inputs?: PubSub.PubSub<InputDelivery> | undefined
  /**
   * A shared store's line between processes for the 2025-11-25 tasks' requests to their client
   * (see {@link TaskRelay}): a task's elicitation reaches a `tasks/result` for it that waits in
   * another process, and the client's answer comes back. Absent on a store only one process uses.
   */
  readonly relay?: TaskRelay | undefined
  /**
   * A shared store's leases: the process running these tasks says it still does, for
   * `leaseMillis` more. A task whose lease ran out is an orphan (see `claimOrphans`). Only leases
   * this process still holds are renewed (it takes them with a creation, `CreateInput.leaseMillis`,
   * or a claim); the answer lists the tasks whose lease it lost (another process claimed them:
   * their work must stop here). A `leaseMillis` of 0 hands the leases back (they run out now): the
   * supervisor does so with the works its shutdown stopped, for another process to take over. A
   * store records such a hand-back with the task: the next claim is no take-over (`Orphan.claims`:
   * no crash stopped the work), and counts in `Orphan.handBacks` instead.
   */
  readonly renewLeases?:
    | ((taskIds: ReadonlyArray<string>, leaseMillis: number) => Effect.Effect<ReadonlyArray<string>, StoreError>)
    | undefined
  /**
   * Claims the tasks still working or waiting whose lease ran out (the process that ran them
   * stopped without a word: killed, crashed, cut off): each is handed to one caller only, leased
   * to it for `leaseMillis`, with the work it recorded. The caller runs it again (renewing the
   * lease) or ends it; should it stop first, the lease lapses and another claims the task. So no
   * task stays `working` forever. Any replica may call it. With `server` (the caller's server
   * name), a task created for a server of another name (`CreateInput.server`) is left alone: not
   * claimed, its lease left run out for a process of its own server (one created without a name is
   * anyone's, as before names were kept).
   */
  readonly claimOrphans?:
    | ((leaseMillis: number, server?: string | undefined) => Effect.Effect<ReadonlyArray<Orphan>, StoreError>)
    | undefined
  /**
   * Says that the caller starts the work of an orphan it claimed, before it does: the claim
   * becomes a take-over that counts (`Orphan.claims`), and the lease is renewed for
   * `leaseMillis`. A claim never confirmed (its answer was lost, or its claimer stopped first) did
   * not run the work, and the next claim does not add to the count. `false` when the lease is not
   * the caller's any more, or ran out (the caller took longer than a lease): the work must not
   * start. Safe to repeat. One that the store runs after its caller stopped waiting confirms
   * nothing (on Redis: a deadline); one whose answer is lost after it was made does count, and a
   * second try answers `true`.
   */
  readonly confirmClaim?: ((taskId: string, leaseMillis: number) => Effect.Effect<boolean, StoreError>) | undefined
  /**
   * A shared store's guard against two different servers sharing it by mistake (replicas of one
   * server share it on purpose): records that the server named `server` uses the store now, and
   * answers the names of the other servers that did within the last few minutes (each records
   * itself at start and then every minute: `McpServer` does), and `where`, the store's place as a
   * message names it (e.g. its key prefix). Absent on a store only one process uses.
   */
  readonly announce?:
    | ((server: string) => Effect.Effect<{ readonly where: string; readonly others: ReadonlyArray<string> }, StoreError>)
    | undefined
  /**
   * Removes every task of `owner`, ended or not: for an owner nobody can be again (the session that
   * owned them closed), whose tasks no request can reach (the server cancels their work first).
   * Absent: they stay until their TTL (a shared store: its own expiry frees them).
   */
  readonly removeOwnedBy?: ((owner: string) => Effect.Effect<void, StoreError>) | undefined
  /** How many tasks are stored (for tests and metrics). */
  readonly size: Effect.Effect<number, StoreError>
}>()("effect-mcp-server/TaskStore") {
  /** The in-memory store; see {@link MemoryOptions} (a `RangeError` for one out of range: {@link checkMemoryOptions}). */
  static readonly layerMemory = (options: MemoryOptions = {}): Layer.Layer<TaskStore> => {
    checkMemoryOptions(options, "TaskStore")
    return Layer.effect(TaskStore, makeMemory(options))
  }
}

/**
 * Limits and defaults of the in-memory store. The three task limits are checked at creation, each
 * after old tasks made room (expired ones, then the oldest terminal task within the limit's
 * scope): only tasks still running (or waiting for input) hold a place for good, and never
 * longer than their TTL, which bounds their work too. `Infinity` lifts a limit.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /**
   * Tasks held at most, server-wide (default 10,000). Past it: 429 with
   * `data: { limit: "tasks", max }`.
   */
  readonly maxTasks?: number | undefined
  /**
   * Tasks one owner may hold: one principal (across all its sessions), else one session, else
   * (anonymous stateless HTTP) one client address (default 100, 1% of the default `maxTasks`, so
   * no single requestor can hold the server's budget). Past it: 429 with
   * `data: { limit: "tasksPerRequestor", max }`.
   */
  readonly maxTasksPerOwner?: number | undefined
  /**
   * Tasks the anonymous callers from one client address may hold together, across all their
   * sessions (default 500: five owners' worth, 5% of the default `maxTasks`, so that a client
   * opening many sessions cannot take the server's budget, while a few clients behind one NAT
   * still fit). Tasks of principals are not counted: many users may share an address, and
   * `maxTasksPerOwner` bounds each of them. Past it: 429 with
   * `data: { limit: "tasksPerAddress", max }`.
   */
  readonly maxTasksPerAddress?: number | undefined
  /**
   * Retention when the requestor asks for none, or for zero or less (default 1 hour; never more
   * than `maxTtlMillis`).
   */
  readonly defaultTtlMillis?: number | undefined
  /**
   * The longest retention granted: a longer requested TTL is shortened to it (default 1 hour).
   * The TTL also bounds the task's work (it is interrupted when the TTL elapses), so this is how
   * long a task can hold a place against the limits; raise it for work that runs longer.
   */
  readonly maxTtlMillis?: number | undefined
  /**
   * The shortest retention a requestor may ask for (default 0). Whatever it is, a task's work
   * never outlives its TTL (the supervisor interrupts it), so a tiny TTL cannot escape the limits.
   */
  readonly minTtlMillis?: number | undefined
  /** Suggested poll interval sent to requestors (default 1 000 ms). */
  readonly pollIntervalMillis?: number | undefined
  /** How often expired tasks are removed (default 60 000 ms). */
  readonly reapIntervalMillis?: number | undefined
}

/**
 * Refuses limits and times that are not numbers of their kind, with a `RangeError` naming the
 * option (`who` names the caller). A limit of `NaN` (a variable that does not parse) compared
 * false with every count: it lifted the limit, and a TTL of `NaN` kept tasks forever; a TTL of 0
 * made every task expired on creation. The three task limits are integers ≥ 1 or `Infinity`; the
 * TTLs (but `minTtlMillis`, ≥ 0) and the reap interval numbers > 0 (`maxTtlMillis` and
 * `defaultTtlMillis` may be `Infinity`); the poll interval a finite number ≥ 0. `prefix` goes
 * before each name in the message (`tasks.` for options nested under `tasks`).
 *
 * @since 0.2.0
 * @category validation
 */
export const checkMemoryOptions: (options: MemoryOptions, who: string, prefix?: string) => void = MemoryLimits.checkMemoryOptions

// ---------------------------------------------------------------------------
// In memory
// ---------------------------------------------------------------------------

/**
 * A new task id: 128 random bits, base64url. The bits come from a pool filled 256 ids at a time
 * (each byte used once), as Node's `randomUUID` does: measured, `randomBytes(16)` per task was a
 * fifth of the CPU of creating a task.
 *
 * @since 0.2.0
 * @category constructors
 */
export const newTaskId = (): string => {
  if (idOffset === idPool.length) {
    nodeCrypto().randomFillSync(idPool)
    idOffset = 0
  }
  const id = idPool.toString("base64url", idOffset, idOffset + 16)
  idOffset += 16
  return id
}
const idPool = Buffer.allocUnsafe(16 * 256)
let idOffset = idPool.length

interface Entry {
  task: Task
  readonly seq: number
  /** the client address it counts against (`maxTasksPerAddress`), if any */
  readonly address: string | undefined
  waiters: Deferred.Deferred<Task, TaskNotFound> | undefined
}


/**
 * Builds the in-memory store (the body of {@link TaskStore.layerMemory}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<TaskStore["Service"], never, Scope.Scope> =>
  Effect.gen(function*() {
    checkMemoryOptions(options, "TaskStore")
    const maxTasks = options.maxTasks ?? 10_000
    const maxPerOwner = options.maxTasksPerOwner ?? 100
    const maxPerAddress = options.maxTasksPerAddress ?? 500
    const defaultTtl = options.defaultTtlMillis ?? 3_600_000
    const maxTtl = options.maxTtlMillis ?? 3_600_000
    const minTtl = Math.min(Math.max(0, options.minTtlMillis ?? 0), maxTtl)
    const pollInterval = options.pollIntervalMillis ?? 1_000
    const entries = new Map<string, Entry>()
    /** per owner: task ids in creation order */
    const byOwner = new Map<string, Set<string>>()
    /** per client address (tasks created with one): task ids in creation order */
    const byAddress = new Map<string, Set<string>>()
    /** terminal tasks, oldest first: what makes room when the store is full */
    const terminal = new Set<string>()
    /** a lower bound of the earliest expiry: no scan finds anything to reap before it */
    let nextExpiry = Number.POSITIVE_INFINITY
    const changes = yield* PubSub.sliding<Task>(4_096)
    let nextSeq = 1

    const publish = (task: Task) => PubSub.publishUnsafe(changes, task)

    const remove = (taskId: string) => {
      const entry = entries.get(taskId)
      if (entry === undefined) return
      entries.delete(taskId)
      terminal.delete(taskId)
      const owned = byOwner.get(entry.task.owner)
      owned?.delete(taskId)
      if (owned?.size === 0) byOwner.delete(entry.task.owner)
      if (entry.address !== undefined) {
        const fromAddress = byAddress.get(entry.address)
        fromAddress?.delete(taskId)
        if (fromAddress?.size === 0) byAddress.delete(entry.address)
      }
      if (entry.waiters !== undefined) Deferred.doneUnsafe(entry.waiters, Exit.fail(new TaskNotFound({ taskId })))
    }

    const expired = (entry: Entry, now: number) => isExpired(entry.task, now)

    const reap = (now: number) => {
      let earliest = Number.POSITIVE_INFINITY
      for (const [taskId, entry] of entries) {
        if (expired(entry, now)) remove(taskId)
        else if (entry.task.ttlMillis !== null) earliest = Math.min(earliest, entry.task.createdAt + entry.task.ttlMillis)
      }
      nextExpiry = earliest
    }

    /** Removes the oldest terminal task among `taskIds` (creation order), if there is one. */
    const removeOldestTerminal = (taskIds: Set<string> | undefined) => {
      for (const taskId of taskIds ?? []) {
        if (terminal.has(taskId)) return remove(taskId)
      }
    }

    /**
     * Makes room for one more task of `owner` (from `address`): expired tasks first (a full scan,
     * only once some task has expired), then the oldest terminal task within each full scope (the
     * owner's own list for the owner limit, bounded by `maxTasksPerOwner`; the address's list for
     * the address limit, bounded by `maxTasksPerAddress`; O(1) for the server limit).
     */
    const makeRoom = (owner: string, address: string | undefined, now: number): TaskLimitExceeded | undefined => {
      const ownerFull = () => (byOwner.get(owner)?.size ?? 0) >= maxPerOwner
      const addressFull = () => address !== undefined && (byAddress.get(address)?.size ?? 0) >= maxPerAddress
      if ((entries.size >= maxTasks || ownerFull() || addressFull()) && now >= nextExpiry) reap(now)
      if (ownerFull()) {
        removeOldestTerminal(byOwner.get(owner))
        if (ownerFull()) return new TaskLimitExceeded({ limit: maxPerOwner, scope: "owner" })
      }
      if (addressFull()) {
        removeOldestTerminal(byAddress.get(address!))
        if (addressFull()) return new TaskLimitExceeded({ limit: maxPerAddress, scope: "address" })
      }
      if (entries.size >= maxTasks) {
        const oldest = terminal.values().next()
        if (!oldest.done) remove(oldest.value)
        if (entries.size >= maxTasks) return new TaskLimitExceeded({ limit: maxTasks, scope: "server" })
      }
      return undefined
    }

    /** The entry if `owner` may see it and it has not expired. */
    const visible = (taskId: string, owner: string, now: number): Entry | undefined => {
      const entry = entries.get(taskId)
      if (entry === undefined || entry.task.owner !== owner) return undefined
      if (expired(entry, now)) {
        remove(taskId)
        return undefined
      }
      return entry
    }

    const settle = (entry: Entry, task: Task) => {
      entry.task = task
      publish(task)
      if (isTerminal(task.status)) {
        terminal.add(task.taskId)
        if (entry.waiters !== undefined) {
          // Ended at its TTL or past it: gone for those waiting (`endedAtExpiry`, the Redis store's rule too).
          Deferred.doneUnsafe(
            entry.waiters,
            endedAtExpiry(task) ? Exit.fail(new TaskNotFound({ taskId: task.taskId })) : Exit.succeed(task)
          )
          entry.waiters = undefined
        }
      }
      return task
    }

    // The periodic reaper scans only once some task may have expired (a scan of every entry,
    // allocating as it goes, was made every interval even when nothing could be found).
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.andThen(
          Effect.sleep(options.reapIntervalMillis ?? 60_000),
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.sync(() => {
              if (now >= nextExpiry) reap(now)
            }))
        )
      )
    )

    return TaskStore.of({
      create: (input) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const limit = makeRoom(input.owner, input.address, now)
          if (limit !== undefined) return Exit.fail(limit)
          // A TTL of zero or less would hand the requestor a task that is already gone: the default.
          const requested = input.ttlMillis === null || input.ttlMillis === undefined || input.ttlMillis <= 0
            ? undefined
            : input.ttlMillis
          const ttl = Math.min(requested === undefined ? defaultTtl : Math.max(minTtl, requested), maxTtl)
          nextExpiry = Math.min(nextExpiry, now + ttl)
          const task: Task = {
            taskId: newTaskId(),
            owner: input.owner,
            method: input.method,
            status: "working",
            createdAt: now,
            lastUpdatedAt: now,
            ttlMillis: ttl,
            pollIntervalMillis: pollInterval
          }
          entries.set(task.taskId, { task, seq: nextSeq++, address: input.address, waiters: undefined })
          let owned = byOwner.get(input.owner)
          if (owned === undefined) byOwner.set(input.owner, owned = new Set())
          owned.add(task.taskId)
          if (input.address !== undefined) {
            let fromAddress = byAddress.get(input.address)
            if (fromAddress === undefined) byAddress.set(input.address, fromAddress = new Set())
            fromAddress.add(task.taskId)
          }
          publish(task)
          return Exit.succeed(task)
        }),
      get: (taskId, owner) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const entry = visible(taskId, owner, now)
          return entry === undefined ? Exit.fail(new TaskNotFound({ taskId })) : Exit.succeed(entry.task)
        }),
      list: (owner, cursor, pageSize, scope) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          let after = 0
          if (cursor !== undefined) {
            const decoded = decodeCursor(cursor, scope)
            if (decoded === undefined) return Exit.fail(new InvalidTaskCursor({ cursor }))
            after = decoded
          }
          const tasks: Array<Task> = []
          let last = 0
          let more = false
          for (const taskId of [...(byOwner.get(owner) ?? [])]) {
            const entry = visible(taskId, owner, now)
            if (entry === undefined || entry.seq <= after) continue
            if (tasks.length === pageSize) {
              more = true
              break
            }
            tasks.push(entry.task)
            last = entry.seq
          }
          return Exit.succeed({ tasks, nextCursor: more ? encodeCursor(last, scope) : undefined })
        }),
      setStatus: (taskId, status, statusMessage) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const entry = entries.get(taskId)
          if (entry === undefined || isTerminal(entry.task.status) || entry.task.status === status) {
            return Exit.succeed(entry?.task.status === status ? entry.task : undefined)
          }
          return Exit.succeed(settle(entry, { ...entry.task, status, statusMessage, lastUpdatedAt: now }))
        }),
      setInputRequests: (taskId, inputRequests) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const entry = entries.get(taskId)
          if (entry === undefined || isTerminal(entry.task.status)) return Exit.succeed(undefined)
          const waiting = Object.keys(inputRequests).length > 0
          const { inputRequests: _previous, ...task } = entry.task
          return Exit.succeed(settle(
            entry,
            waiting
              ? { ...task, status: "input_required", inputRequests, lastUpdatedAt: now }
              : { ...task, status: "working", lastUpdatedAt: now }
          ))
        }),
      finish: (taskId, status, outcome, statusMessage) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const entry = entries.get(taskId)
          if (entry === undefined || isTerminal(entry.task.status)) return Exit.succeed(undefined)
          return Exit.succeed(settle(entry, ended(entry.task, status, statusMessage, outcome, now)))
        }),
      cancel: (taskId, owner) =>
        Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<Task, TaskNotFound | TaskAlreadyTerminal> => {
          const entry = visible(taskId, owner, now)
          if (entry === undefined) return Exit.fail(new TaskNotFound({ taskId }))
          if (isTerminal(entry.task.status)) {
            return Exit.fail(new TaskAlreadyTerminal({ taskId, status: entry.task.status }))
          }
          return Exit.succeed(settle(entry, ended(entry.task, "cancelled", "Cancelled by the requestor", undefined, now)))
        }),
      awaitTerminal: (taskId, owner) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const entry = visible(taskId, owner, now)
          if (entry === undefined) return Exit.fail(new TaskNotFound({ taskId }))
          if (isTerminal(entry.task.status)) return Exit.succeed(entry.task)
          entry.waiters ??= Deferred.makeUnsafe<Task, TaskNotFound>()
          const waited = Deferred.await(entry.waiters)
          // Its TTL ends the wait: the task is gone then (a `get` answers TaskNotFound), also while
          // its work runs on (an uninterruptible region, past the TTL): `tasks/result` waited for
          // that work's end, or the reaper, then answered it failed (-32603) instead of -32602.
          const expiry = expiresAt(entry.task)
          return expiry === undefined || !Number.isFinite(expiry)
            ? waited
            : Effect.timeoutOrElse(waited, {
              duration: Math.max(0, expiry - now),
              orElse: () => Exit.fail(new TaskNotFound({ taskId }))
            })
        }),
      changes,
      removeOwnedBy: (owner) =>
        Effect.sync(() => {
          const owned = byOwner.get(owner)
          if (owned !== undefined) for (const taskId of [...owned]) remove(taskId)
        }),
      size: Effect.sync(() => entries.size)
    })
  })
