/**
 * The tasks extension of MCP 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663) in the
 * server: the extension value (`tasks/get`, `tasks/update`, `tasks/cancel`, each refused -32021
 * to a request that did not declare the extension) and the policy for `tools/call`.
 *
 * The server decides per call (there is no client hint; a legacy `params.task` is ignored): a call
 * of a tool that supports tasks, from a request that declared the extension, runs in a fiber of
 * the supervisor before any task exists, and becomes a task when its handler calls
 * `McpContext.becomeTask` or when it has not finished within `promoteAfterMillis` (default 100 ms;
 * not while it is stopping for input). A call that
 * ends first is answered directly (MRTR `input_required` included, so a tool can gather input
 * before it becomes a task), except that a `required` tool's result is answered as a task that
 * already ended. Once a task, its input requests wait in the task's `inputRequests` until
 * `tasks/update` answers them.
 *
 * Tasks are owned as in 2025-11-25 (principal, else anonymous client address, else session), in
 * an owner space of their own: a task of one era is never visible in the other.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as McpError from "../../protocol/McpError.ts"
import type { ClientCapabilities, Implementation } from "../../protocol/McpSchema.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import { resultDecoder } from "../../session/internal/clientAnswers.ts"
import { detachedContext } from "../../session/internal/requestContext.ts"
import type { Principal, RelatedTask, RequestContext } from "../../session/RequestContext.ts"
import { tooDeepAnswer } from "./inputResponses.ts"
import { type ClientResultInvalid, SessionClosed } from "../../session/ClientRequestError.ts"
import type { ClientAddress } from "../../session/Requestor.ts"
import type { InputRequest, Outcome, Task } from "../../tasks/Task.ts"
import type { StoreError } from "../../store/StoreError.ts"
import type { CreateInput, TaskLimitExceeded, TaskStore } from "../../tasks/TaskStore.ts"
import * as TaskSupervisor from "../../tasks/TaskSupervisor.ts"
import * as Wire from "../../tasks/wire/v2026_07_28.ts"
import * as Extension from "../Extension.ts"
import type { TaskSupport } from "../Tool.ts"
import { perRequestor } from "./requestorKeys.ts"
import { TaskExitMapping } from "./taskExitMapping.ts"
import { TaskWorkRetry } from "./taskWorkRetry.ts"
import { distinctUrlElicitations, urlCapabilityMissing, urlFailuresOf } from "./urlElicitations.ts"
import type { TaskKeys } from "./requestorKeys.ts"
import { errorForLog } from "../../internal/loggedCause.ts"
import { boundedFinish, defaultMaxResultBytes, mostJsonBytes } from "../../tasks/internal/resultBound.ts"
import { canonicalJson } from "../../internal/canonicalJson.ts"

/** The inputs of a task: those it waits for, the keys it used, and the answers its runs were given. */
interface Waiting {
  /** keys handed out so far (never reused within a task) */
  counter: number
  readonly used: Set<string>
  readonly pending: Map<string, Pending>
  /** Set when this run took the task over from a process that stopped (see {@link keyOfRun}). */
  readonly takenOver?: TakenOver | undefined
  /**
   * The run of the task's work its questions are asked in now (see {@link Run}); `undefined` while
   * the URL elicitations a run failed for are asked, between two runs (asked again on each run
   * that requires one, never answered from an earlier answer), and for a client that did not
   * declare `elicitation.url`, whose task's work never runs again (nothing kept for it).
   */
  run: Run | undefined
  /** The number of the runs so far (see {@link Run.serial}). */
  runs: number
  /**
   * The answers its runs were given, by the logical key of their question (see {@link Run}), the
   * last one's for a key (and under a key of their own, `<place>.<n>`, those of an earlier run that
   * a question asked at their place displaced: see `keep` in {@link make}): made at the first. Kept
   * as long as the task's work (this object is its work's), within the task's bound (see `keep`).
   */
  answers: Map<string, Answered> | undefined
  /** What the answers kept take, as `keep` measures them. */
  keptBytes: number
}

/** An input a task waits for. */
interface Pending {
  readonly request: InputRequest
  readonly answer: Deferred.Deferred<unknown, ClientResultInvalid | SessionClosed>
  /** The question's logical key in its run (see {@link Run}); `undefined` for a URL elicitation asked between runs. */
  readonly logical: string | undefined
}

/** A question a run of a task's work asked and the client answered. */
interface Answered {
  readonly request: InputRequest
  /** The answer as the client sent it (decoded when given: one that did not decode fails again). */
  readonly value: unknown
  /** The request as {@link canonicalRequest} writes it, once it was compared. */
  canonical: string | undefined
  /** What the answer takes, as `keep` measured it. */
  readonly bytes: number
  /** Its key in `Waiting.answers` (it moves: see {@link earlierAnswer}). */
  key: string
  /**
   * The {@link Run.serial} of the last run it was given in (or answered in): an answer is given at
   * most once per run.
   */
  given: number
}

/**
 * One run of a task's work (the work runs again from the start once the user completed the URL
 * elicitations it required: `urlsAsked` in {@link make}), as its questions are told apart from
 * one run to the next: by the `inputKey` the handler gave (`<n> <inputKey>` for its n-th question
 * under that key in the run), else by their place among the run's questions asked without one
 * (`<n>`), as a multi round-trip's keys by order of asking are. A question whose logical key and
 * request are those of one answered in an earlier run is given that answer at once: the user is
 * not asked again, as a client's retry replays its answers by key. A question without an
 * `inputKey` whose place's answer is another question's (concurrent branches asking in another
 * order than in the run before, a question asked before the others) is given the answer to the
 * same request kept under another place, as the round's `InputRound.keyFor` gives the answer its
 * state records under another key; an answer is given at most once in a run (see {@link earlierAnswer}).
 */
class Run {
  /** Its number among the runs of its task's work (`Waiting.runs`), from 1. */
  readonly serial: number
  /**
   * The answers of earlier runs kept under a place (no `inputKey`), by their request as
   * {@link canonicalRequest} writes it: made at the run's first question whose place's answer is
   * not its own (see {@link earlierAnswer}); {@link noneEarlier} in a run with no answers before it.
   * It may hold answers given in this run since, or moved or replaced: each is checked as it is taken.
   */
  byRequest: Map<string, Array<Answered>> | undefined
  private auto = 0
  private chosen: Map<string, number> | undefined = undefined
  constructor(serial: number, earlier: boolean) {
    this.serial = serial
    this.byRequest = earlier ? undefined : noneEarlier
  }
  logicalKey(inputKey: string | undefined): string {
    if (inputKey === undefined) return `${++this.auto}`
    const chosen = this.chosen ??= new Map()
    const n = (chosen.get(inputKey) ?? 0) + 1
    chosen.set(inputKey, n)
    return `${n} ${inputKey}`
  }
}

/** The byRequest of a run that has no answers of runs before it: nothing to look up. */
const noneEarlier: Map<string, Array<Answered>> = new Map()

/**
 * A task's inputs, made at its first question (or as a run that took it over starts), with its
 * first run when `reruns` (see `ExtensionTask.reruns`).
 */
const waitingOf = (reruns: boolean, takenOver?: TakenOver): Waiting => ({
  counter: 0,
  used: new Set(),
  pending: new Map(),
  takenOver,
  run: reruns ? new Run(1, false) : undefined,
  runs: reruns ? 1 : 0,
  answers: undefined,
  keptBytes: 0
})

/** The next run of a task's work (see {@link Run}). */
const nextRun = (inputs: Waiting): Run => {
  const run = new Run(++inputs.runs, inputs.answers !== undefined && inputs.answers.size > 0)
  inputs.run = run
  return run
}

/** A request as answers are compared by: method and params as canonical JSON (keys in any order). */
const canonicalRequest = (request: InputRequest): string => canonicalJson([request.method, request.params ?? null], true)

/** `answered`'s request as {@link canonicalRequest} writes it, written once. */
const canonicalOf = (answered: Answered): string => answered.canonical ??= canonicalRequest(answered.request)

/** Whether a logical key is a place (`<n>`, or `<n>.<m>` for an answer displaced from it), not an `inputKey`'s. */
const isPlace = (logical: string): boolean => !logical.includes(" ")

/** Whether a logical key is that of an answer displaced from its place (`<n>.<m>`, see `keep` in {@link make}). */
const isDisplaced = (logical: string): boolean => isPlace(logical) && logical.includes(".")

/**
 * The answer an earlier run was given to the question `request` asked under `logical` in `run`
 * (see {@link Run}), now given in `run`; `undefined`: none, the question is asked. First the one
 * kept under its logical key, when it is for the same request. Else, for a question without an
 * `inputKey` (`place`), one for the same request kept under another place (or displaced from
 * one), not given in this run: it moves to this place, and the answer that stood here (another
 * question's, not given yet) moves to the place it leaves, for its question should it come later
 * (so the next run, asking in this order, finds each at its place). Costs nothing new to a run
 * with no answers of runs before it, and looks up by request only when the place's answer is not
 * the question's, in `run.byRequest`, made once per run.
 */
const earlierAnswer = (inputs: Waiting, run: Run, logical: string, place: boolean, request: InputRequest): Answered | undefined => {
  const answers = inputs.answers
  if (answers === undefined) return undefined
  const here = answers.get(logical)
  let canonical: string | undefined
  if (here !== undefined && here.given !== run.serial) {
    canonical = canonicalRequest(request)
    if (canonicalOf(here) === canonical) {
      here.given = run.serial
      return here
    }
  }
  if (!place || run.byRequest === noneEarlier) return undefined
  const byRequest = run.byRequest ??= answersByRequest(answers, run.serial)
  const same = byRequest.get(canonical ??= canonicalRequest(request))
  if (same === undefined) return undefined
  let taken: Answered | undefined
  while (same.length > 0 && taken === undefined) {
    const first = same.shift()!
    // Given in this run already, or no longer kept (replaced under its key): not one to take.
    if (first.given !== run.serial && answers.get(first.key) === first) taken = first
  }
  if (same.length === 0) byRequest.delete(canonical)
  if (taken === undefined) return undefined
  const left = taken.key
  if (here === undefined) {
    answers.delete(left)
  } else {
    answers.set(left, here)
    here.key = left
  }
  answers.set(logical, taken)
  taken.key = logical
  taken.given = run.serial
  return taken
}

/** The answers kept under places not given in the run `serial`, by request (see `Run.byRequest`). */
const answersByRequest = (answers: Map<string, Answered>, serial: number): Map<string, Array<Answered>> => {
  const byRequest = new Map<string, Array<Answered>>()
  for (const answered of answers.values()) {
    if (answered.given === serial || !isPlace(answered.key)) continue
    const canonical = canonicalOf(answered)
    const same = byRequest.get(canonical)
    if (same === undefined) byRequest.set(canonical, [answered])
    else same.push(answered)
  }
  return byRequest
}

/** What a run that took a task over knows of the runs before it. */
export interface TakenOver {
  /**
   * This run's number among the task's take-overs: its claims (crashes) and hand-backs (graceful
   * stops) so far, this run's included. Each run has its own: both only grow.
   */
  readonly run: number
}

/**
 * The key of an input in this run. A run that took a task over asks again from the start, and the
 * keys of the runs before it are the task's for its lifetime: a client that answered one never
 * answers it again (the official client takes a request under a key it answered as a duplicate and
 * ignores it, or fails the task when the request differs), and the task waited for ever. So every
 * key of such a run is its own (`<key>-takeover<n>`, `n` its number: one suffix per run, never
 * stacked), also the one of a question the task still waited for when its process stopped: the
 * client's answer to it, sent while no process ran the task, went with that run.
 */
const keyOfRun = (inputs: Waiting, key: string): string => {
  const takenOver = inputs.takenOver
  return takenOver === undefined ? key : `${key}-takeover${takenOver.run}`
}

/** The extension and the `tools/call` policy. */
export interface TaskExtension {
  readonly extension: Extension.Extension<never>
  /**
   * Runs a `tools/call` of a 2026-07-28 request under the policy (see the module documentation).
   * `replay`: the tool and arguments another replica runs the call with again should this process
   * stop while it runs as a task (see {@link WorkItem}); `undefined`: it must not run twice.
   */
  readonly run: <A>(
    context: RequestContext,
    taskSupport: TaskSupport,
    work: (context: RequestContext) => Effect.Effect<A, McpError.McpError>,
    replay?: Replay | undefined
  ) => Effect.Effect<A | object, McpError.McpError>
  /**
   * The context to run a task's recorded call again with (see {@link WorkItem}): the request's
   * truth and principal, the task as its `relatedTask`. `undefined` for a work item of another kind.
   */
  readonly resumedContext: (
    taskId: string,
    work: unknown,
    takenOver?: TakenOver | undefined
  ) => { readonly item: WorkItem; readonly context: RequestContext } | undefined
  /**
   * A resumed task's work (`attempt` runs it once, with the context of {@link resumedContext}) under
   * the policy of a task's URL elicitations, as a call made a task here (see `urlsAsked` in
   * {@link make}): a run that took the task over and requires a URL asks for it.
   */
  readonly resumedWork: (
    context: RequestContext,
    attempt: () => Effect.Effect<object, McpError.McpError>
  ) => Effect.Effect<object, McpError.McpError>
  /** The owner key of a request's 2026 tasks. */
  readonly ownerOf: (context: RequestContext) => string
  /**
   * The spawn policy of the extension's tasks (their `onStopped` gives up the inputs a work still
   * waits for): a task taken over from a replica that stopped runs under it too.
   */
  readonly policy: TaskSupervisor.SpawnOptions
  /** Answers a task's pending input if its work runs in this process (what another replica sent). */
  readonly answerHere: (taskId: string, responses: { readonly [key: string]: unknown }) => Effect.Effect<void, StoreError>
}

/** A tool call as another replica can run it again. */
export interface Replay {
  readonly tool: string
  readonly arguments: unknown
}

/**
 * What a task of the extension records for another replica (`CreateInput.work`, JSON): the call
 * and the truth of the request that made it.
 */
export interface WorkItem extends Replay {
  readonly kind: "tools/call@2026"
  readonly protocolVersion: string
  readonly clientCapabilities: unknown
  readonly clientInfo: unknown
  readonly principal: Principal | undefined
}

const isWorkItem = (u: unknown): u is WorkItem =>
  typeof u === "object" && u !== null && (u as WorkItem).kind === "tools/call@2026" && typeof (u as WorkItem).tool === "string" &&
  ProtocolVersion.isModern((u as WorkItem).protocolVersion)

/**
 * Whether a call's failure asks the client for input (answered `input_required` by its round): its
 * handler's stops for input, URL elicitations it requires, nothing else but interruptions.
 */
const asksForInput = (cause: Cause.Cause<unknown>): boolean => {
  const beside = McpError.failureBesideInput(cause)
  return beside === undefined || McpError.failureBesideUrlElicitation(beside) === undefined
}

/** How many runs of a task's work may ask for the URL elicitations they require (see `urlsAsked` in {@link make}). */
const maxUrlRounds = 10

/** The 2026 owner key: the request's key in a space of its own. */
export const ownerKey = (key: string): string => `2026|${key}`

/** Builds the extension over the server's store and supervisor. */
export const make = (options: {
  readonly store: TaskStore["Service"]
  readonly supervisor: TaskSupervisor.TaskSupervisor["Service"]
  readonly keysOf: (context: RequestContext, clientAddress?: ClientAddress) => TaskKeys
  /** When the server makes a still-running call a task (default 100 ms). */
  readonly promoteAfterMillis?: number | undefined
  /** Told the owner of each task made (as it is made). */
  readonly created?: ((owner: string) => void) | undefined
  /**
   * The server's scope: where the end of a `required` tool's task that the store failed to record
   * is recorded again (see {@link recordAgain}); without one, it is not.
   */
  readonly scope?: Scope.Scope | undefined
  /**
   * The largest outcome a `required` tool's task records (`McpServer.tasks`'s `maxResultBytes`;
   * default 4 MiB), and the most a task keeps of its answers (see `keep`).
   */
  readonly maxResultBytes?: number | undefined
}): TaskExtension => {
  const { store, supervisor } = options
  // The store's `finish`, the outcome bounded (see `TaskSupervisor.SupervisorOptions.maxResultBytes`).
  const finishBounded = boundedFinish(store, options.maxResultBytes)
  const promoteAfter = options.promoteAfterMillis ?? 100
  // The most a task keeps of its answers (see `keep`): as much as it may record of its result.
  const maxKeptBytes = options.maxResultBytes ?? defaultMaxResultBytes
  const waiting = new Map<string, Waiting>()
  const ownerOf = perRequestor((context) => ownerKey(options.keysOf(context).owner))

  // Without a prototype: any key is an entry (`__proto__` set the prototype of a `{}`).
  const snapshot = (inputs: Waiting) => {
    const out: { [key: string]: InputRequest } = Object.create(null)
    for (const [key, { request }] of inputs.pending) out[key] = request
    return out
  }

  /**
   * A call under the policy as its handler's context sees it (`RelatedTask`), before and after it
   * becomes a task: one object per call, its methods shared (measured: per-call closures here,
   * with the scope they kept alive, were ~0.5 KB of each task's heap).
   */
  class ExtensionTask implements RelatedTask {
    /**
     * The supervisor's promotion from when the work starts until it is promoted, then the task's
     * id: one field, as only one is needed at a time (8 bytes per task in flight).
     */
    state: Effect.Effect<unknown, TaskLimitExceeded | StoreError> | string = ""
    /** Its inputs, once it asked for one; listed in `waiting` while any is pending. */
    inputs: Waiting | undefined = undefined
    /** Set once the server starts making the call a task on its own (`promoteAfter` elapsed). */
    creating = false
    /**
     * Set as its work starts when its client declared `elicitation.url` (see `askingUrls`): only
     * then may the work run again after a URL elicitation, and are its answers kept (see {@link Run}).
     */
    reruns = false
    /** `""` until promoted. */
    get taskId(): string {
      return typeof this.state === "string" ? this.state : ""
    }
    get promote(): Effect.Effect<void, McpError.LimitExceeded | McpError.StoreUnavailable> | undefined {
      // A task already (or not started): `becomeTask` has nothing left to do.
      if (typeof this.state === "string") return undefined
      const creation = Effect.asVoid(Effect.catch(this.state, Wire.failCreation))
      // Run by the handler (`becomeTask`): a question asked beside it waits for the task, as one
      // asked while the server makes the call a task does (`promoting`).
      return this.creating ? creation : Effect.andThen(Effect.sync(() => (this.creating = true)), creation)
    }
    /**
     * See `RelatedTask.promoting`: the creation the server or the handler (`becomeTask`) started,
     * until the task exists.
     */
    get promoting(): Effect.Effect<unknown, unknown> | undefined {
      return this.creating ? this.promote : undefined
    }
    awaitingInput(): Effect.Effect<void> {
      return Effect.void
    }
    /** See `RelatedTask.ended`: a task (promoted) cancelled while its work runs on. */
    get ended(): boolean {
      const state = this.state
      return typeof state === "string" && state !== "" && supervisor.runs?.(state) === false
    }
    /**
     * See `RelatedTask.answeredInRound`: kept as a question of this run answered (see {@link Run}),
     * its place among the run's questions counted as the task's questions are.
     */
    answeredInRound(method: string, params: { readonly [key: string]: unknown } | undefined, inputKey: string | undefined, answer: unknown): void {
      if (!this.reruns) return
      const inputs = this.inputs ??= waitingOf(true)
      const logical = inputs.run?.logicalKey(inputKey)
      if (logical === undefined) return
      keep(inputs, logical, params === undefined ? { method } : { method, params }, answer)
    }
    /** Lists the input, waits for `tasks/update`; one answered in an earlier run is given that answer (see {@link Run}). */
    ask(method: string, params: { readonly [key: string]: unknown } | undefined, inputKey: string | undefined) {
      return Effect.suspend(() => {
        const taskId = this.taskId
        const inputs = this.inputs ??= waitingOf(this.reruns)
        const request: InputRequest = params === undefined ? { method } : { method, params }
        const run = inputs.run
        const logical = run?.logicalKey(inputKey)
        // Answered in an earlier run (the same question: see `earlierAnswer`): that answer,
        // decoded again (one that did not decode fails again), after one yield as a pending
        // input waits at least one (the logical keys by order of asking stay those of the runs
        // before, whichever answers are in), nothing listed.
        const earlier = logical === undefined ? undefined : earlierAnswer(inputs, run!, logical, inputKey === undefined, request)
        if (earlier !== undefined) {
          const decode = resultDecoder(method)
          return Effect.andThen(Effect.yieldNow, decode === undefined ? Exit.succeed(earlier.value) : decode(method, earlier.value))
        }
        let key = keyOfRun(inputs, inputKey ?? `${method}-${++inputs.counter}`)
        while (inputs.used.has(key)) key = keyOfRun(inputs, `${inputKey ?? method}-${++inputs.counter}`)
        inputs.used.add(key)
        const answer = Deferred.makeUnsafe<unknown, ClientResultInvalid | SessionClosed>()
        inputs.pending.set(key, { request, answer, logical })
        waiting.set(taskId, inputs)
        return recorded(taskId, store.setInputRequests(taskId, snapshot(inputs))).pipe(
          Effect.andThen(Deferred.await(answer)),
          Effect.onInterrupt(() =>
            Effect.suspend(() => {
              if (!inputs.pending.delete(key)) return Effect.void
              unlist(taskId, inputs)
              return recorded(taskId, store.setInputRequests(taskId, snapshot(inputs)))
            })
          )
        )
      })
    }
  }

  /**
   * Keeps the answer to a question of a run for the runs after it (see {@link Run}) under its
   * logical key, while the task's answers take at most `maxKeptBytes` (`McpServer.tasks`'s
   * `maxResultBytes`, 4 MiB by default; measured as a result is, at the most their JSON can take):
   * one that does not fit is not kept, and its question is asked again in a run after a URL
   * elicitation. Without a bound, a work that asks in a loop kept every answer its client sent (up
   * to 4 MiB each) as long as it ran. The one kept under its key is replaced, but when it is
   * another question's, kept under a place and not given in this run: that one moves to a key of
   * its own (`<place>.<n>`), for its question asked later or in a later run (see
   * {@link earlierAnswer}), as the round keeps an answer under its key when another question
   * takes a fresh one (`InputRound.keyFor`). A changing question (its text naming the run) so
   * keeps one answer per run, within the bound (at most {@link maxUrlRounds} runs), and those displaced
   * give way to an answer that does not fit (see {@link madeRoom}).
   */
  const keep = (inputs: Waiting, logical: string, request: InputRequest, value: unknown): void => {
    const answers = inputs.answers ??= new Map()
    const before = answers.get(logical)
    if (before !== undefined) {
      answers.delete(logical)
      if (before.given !== inputs.runs && isPlace(logical) && canonicalOf(before) !== canonicalRequest(request)) {
        let n = 1
        let key = `${logical}.1`
        while (answers.has(key)) key = `${logical}.${++n}`
        answers.set(key, before)
        before.key = key
      } else {
        inputs.keptBytes -= before.bytes
      }
    }
    let bytes = mostJsonBytes(value, maxKeptBytes - inputs.keptBytes)
    if (inputs.keptBytes + bytes > maxKeptBytes) {
      bytes = mostJsonBytes(value, maxKeptBytes)
      if (!madeRoom(inputs, answers, bytes)) return
    }
    inputs.keptBytes += bytes
    answers.set(logical, { request, value, canonical: undefined, bytes, key: logical, given: inputs.runs })
  }

  /**
   * Drops the answers displaced from their place (`<place>.<n>`, see `keep`), the first displaced
   * first, until an answer of `bytes` fits the task's bound, when dropping them all makes it fit
   * (else none is dropped): kept for a question that may never come (one whose text names its
   * run leaves one per run), they took the bound, and the answer of a question asked now, which a
   * run after it asks again, was not kept. Only when an answer does not fit.
   */
  const madeRoom = (inputs: Waiting, answers: Map<string, Answered>, bytes: number): boolean => {
    let displaced = 0
    for (const [key, answered] of answers) if (isDisplaced(key)) displaced += answered.bytes
    if (inputs.keptBytes - displaced + bytes > maxKeptBytes) return false
    for (const [key, answered] of answers) {
      if (inputs.keptBytes + bytes <= maxKeptBytes) break
      if (!isDisplaced(key)) continue
      answers.delete(key)
      inputs.keptBytes -= answered.bytes
    }
    return true
  }

  /**
   * A task's inputs recorded in the store; a store that fails is logged (the input stays pending
   * here, and `tasks/update` still answers it).
   */
  const recorded = (taskId: string, update: Effect.Effect<unknown, StoreError>): Effect.Effect<void> =>
    Effect.matchEffect(update, {
      onFailure: (error) => Effect.logWarning(`TaskStore failed to record the inputs of task ${taskId}`, errorForLog(error)),
      onSuccess: () => Effect.void
    })

  /**
   * Fails the inputs a task still waits for once its work is no longer the task's (`SessionClosed`,
   * `reason: "taskCancelled"`; `SpawnOptions.onStopped`: cancelled, here or elsewhere, expired, its
   * lease lost): its work, interrupted, gives them up, but one in an uninterruptible region waited
   * for ever for a `tasks/update` that no client sends a cancelled task.
   */
  const abandon = (taskId: string): void => {
    const inputs = waiting.get(taskId)
    if (inputs === undefined) return
    waiting.delete(taskId)
    for (const { answer, request } of inputs.pending.values()) {
      Deferred.doneUnsafe(answer, Exit.fail(new SessionClosed({ method: request.method, reason: "taskCancelled", taskId })))
    }
    inputs.pending.clear()
  }

  /**
   * A task is listed in `waiting` only while an input of it is pending: nothing is left to forget
   * when its work ends (no finalizer per task).
   */
  const unlist = (taskId: string, inputs: Waiting) => {
    if (inputs.pending.size === 0 && waiting.get(taskId) === inputs) waiting.delete(taskId)
  }

  const run: TaskExtension["run"] = (context, taskSupport, work, replay) => {
    if (taskSupport === "forbidden") return work(context)
    if (!Extension.isDeclared(context, Wire.extensionId)) {
      return taskSupport === "required"
        ? Exit.fail(Extension.notDeclared(
          Wire.extensionId,
          `This tool runs only as a task: declare the ${Wire.extensionId} extension in clientCapabilities.extensions`
        ))
        : work(context)
    }
    // Recorded only where another replica could run it (a shared store).
    const recorded: WorkItem | undefined = replay === undefined || store.shared !== true ? undefined : {
      kind: "tools/call@2026",
      tool: replay.tool,
      arguments: replay.arguments,
      protocolVersion: context.protocolVersion,
      clientCapabilities: context.clientCapabilities,
      clientInfo: context.clientInfo,
      principal: context.principal
    }
    const input = { owner: ownerOf(context), address: options.keysOf(context).address, method: "tools/call", work: recorded }
    // The work's end mapped as a middleware asked (`SizeLimit`: an error over it
    // by its shortened form, see `taskExitMapping.ts`), before the task records it: `tasks/get`
    // carries the error inline, and one over the limit made the whole answer -32603. A call
    // answered directly gets the same error SizeLimit would answer with. Without a mapping the work
    // runs as it is.
    return Effect.flatMap(Effect.serviceOption(TaskExitMapping), (mapping) =>
      Effect.flatMap(Effect.serviceOption(TaskWorkRetry), (retry) =>
        decided(context, taskSupport, work, input, mapping._tag === "None" ? undefined : mapping.value, retry._tag === "None" ? undefined : retry.value)))
  }

  /**
   * A task's work that failed for URL elicitations only (`McpError.UrlElicitationRequired`, nothing
   * else beside it: `McpError.failureBesideUrlElicitation`) once the call is a task: they are asked
   * in the task's `inputRequests`, as the call's round asks them before it is a task, and the work
   * runs again once the user completed them all, as a client's retry runs the handler again. One
   * declined (or cancelled): the task fails -32603, as the round answers it. The task failed
   * -32603 at once, the URL never asked (and a call the server made a task after
   * `promoteAfterMillis` failed where the same call, quicker, asked by multi round-trip). Only for
   * a client that declared `elicitation.url` (else the failure is as it is). At most
   * {@link maxUrlRounds} runs ask so; the next one's failure is the task's.
   */
  const urlsAsked = (
    handle: ExtensionTask,
    context: RequestContext,
    attempt: () => Effect.Effect<object, McpError.McpError>,
    rounds: number
  ): Effect.Effect<object, McpError.McpError> =>
    Effect.catchCause(attempt(), (cause) => {
      if (rounds >= maxUrlRounds || Cause.hasInterrupts(cause) || McpError.failureBesideUrlElicitation(cause) !== undefined) {
        return Effect.failCause(cause)
      }
      return onceTask(handle, cause, () => urlsOfTask(handle, context, attempt, rounds, cause))
    })

  /**
   * `ofTask` once the call that failed with `cause` is a task: now, or once the creation under way
   * made it one (the server's `promoteAfterMillis`, or a `becomeTask` beside it: ended so, the
   * supervisor waited for the creation and recorded the failure as the new task's end); else the
   * failure as it is (the call's: its round answers it). One rule for {@link urlsAsked} and
   * {@link urlsRefused}.
   */
  const onceTask = (
    handle: ExtensionTask,
    cause: Cause.Cause<McpError.McpError>,
    ofTask: () => Effect.Effect<object, McpError.McpError>
  ): Effect.Effect<object, McpError.McpError> => {
    if (handle.taskId !== "") return ofTask()
    const promoting = handle.promoting
    if (promoting === undefined) return Effect.failCause(cause)
    return Effect.flatMap(Effect.exit(promoting), () => handle.taskId === "" ? Effect.failCause(cause) : ofTask())
  }

  /**
   * `attempt` under {@link urlsAsked} for a client that declared `elicitation.url`, its work's
   * answers kept for the runs after a URL elicitation (see {@link Run}); for another, under
   * {@link urlsRefused}, nothing kept: its work never runs again (kept, every answer of a task
   * stayed in memory as long as its work ran, for nothing).
   */
  const askingUrls = (
    handle: ExtensionTask,
    context: RequestContext,
    attempt: () => Effect.Effect<object, McpError.McpError>
  ): Effect.Effect<object, McpError.McpError> => {
    if (context.clientCapabilities.elicitation?.url === undefined) return urlsRefused(handle, attempt)
    handle.reruns = true
    // A run that took the task over has its inputs already (see `resumedContext`).
    if (handle.inputs !== undefined && handle.inputs.run === undefined) nextRun(handle.inputs)
    return urlsAsked(handle, context, attempt, 0)
  }

  /**
   * A task's work that failed for URL elicitations only, for a client that did not declare
   * `elicitation.url`: the task fails -32021 with `data.requiredCapabilities`, as the call answered
   * before it is a task does (`urlCapabilityMissing`: the client retries declaring it). It failed
   * -32603, the URL elicitation's retired -32042, which told the client nothing it could act on.
   * Before the task exists (and is not being created) the failure is the call's, as it is: its
   * round answers it.
   */
  const urlsRefused = (
    handle: ExtensionTask,
    attempt: () => Effect.Effect<object, McpError.McpError>
  ): Effect.Effect<object, McpError.McpError> =>
    Effect.catchCause(attempt(), (cause) => {
      if (Cause.hasInterrupts(cause) || McpError.failureBesideUrlElicitation(cause) !== undefined) return Effect.failCause(cause)
      return onceTask(handle, cause, () => refusedOfTask(cause))
    })

  /** See {@link urlsRefused}: its -32021, or the defect of two elicitations under one id (as asked, `distinctUrlElicitations`). */
  const refusedOfTask = (cause: Cause.Cause<McpError.McpError>): Effect.Effect<never, McpError.McpError> => {
    const failures = urlFailuresOf(cause)
    if (failures.length === 0) return Effect.failCause(cause)
    const distinct = distinctUrlElicitations(failures)
    return distinct instanceof RangeError ? Effect.die(distinct) : Effect.fail(urlCapabilityMissing(failures[0]!))
  }

  /** The URL elicitations of `cause` (nothing else beside them) asked in the task's `inputRequests`; see {@link urlsAsked}. */
  const urlsOfTask = (
    handle: ExtensionTask,
    context: RequestContext,
    attempt: () => Effect.Effect<object, McpError.McpError>,
    rounds: number,
    cause: Cause.Cause<McpError.McpError>
  ): Effect.Effect<object, McpError.McpError> => {
    const failures = urlFailuresOf(cause)
    // Each once (two branches that need the same sign-in: one input request); two different
    // elicitations under one `elicitationId`, the server's bug: a defect, the task's failure.
    const distinct = distinctUrlElicitations(failures)
    if (distinct instanceof RangeError) return Effect.die(distinct)
    // One declined fails at once, the others given up (taken out of `inputRequests`): awaited
    // together first, the task stayed input_required with them, which a client whose user
    // declined need not answer, until its TTL.
    const asked = distinct.map(({ failure, params }) =>
      Effect.flatMap(
        Effect.orDie(context.elicit(params as never)),
        (answer): Effect.Effect<void, McpError.InternalError> =>
          answer.action === "accept" ? Effect.void : Exit.fail(
            new McpError.InternalError({ message: `${failure.message || "URL elicitation required"}: the user declined the URL elicitation` })
          )
      )
    )
    if (asked.length === 0) return Effect.failCause(cause)
    // Asked between two runs: not questions of a run (see `Waiting.run`).
    const inputs = handle.inputs ??= waitingOf(false)
    inputs.run = undefined
    return Effect.andThen(
      Effect.all(asked, { concurrency: "unbounded", discard: true }),
      Effect.suspend(() => {
        nextRun(inputs)
        return urlsAsked(handle, context, attempt, rounds + 1)
      })
    )
  }

  /** The call of {@link run} under the policy, its work's end mapped by `mapping`. */
  const decided = <A>(
    context: RequestContext,
    taskSupport: TaskSupport,
    work: (context: RequestContext) => Effect.Effect<A, McpError.McpError>,
    input: CreateInput,
    mapping: TaskExitMapping["Service"] | undefined,
    retry: TaskWorkRetry["Service"] | undefined
  ): Effect.Effect<object, McpError.McpError> => {
    const handle = new ExtensionTask()
    return supervisor.promotable(input, (promote) => {
      handle.state = promote
      const related = context.with({ relatedTask: handle })
      // `Retry` around the call: the work is made and run again on a retryable failure, before
      // and after it became a task (see `taskWorkRetry.ts`).
      const attempt = retry === undefined
        ? () => work(related) as Effect.Effect<object, McpError.McpError>
        : () => retry(() => work(related) as Effect.Effect<object, McpError.McpError>)
      const result = askingUrls(handle, related, attempt)
      return mapping === undefined ? result : Effect.flatMap(Effect.exit(result), (exit) => mapping(exit, handle.taskId))
    }, {
      promoteAfter,
      onPromoted: (task) => {
        // The task does not keep the promotion.
        handle.state = task.taskId
        options.created?.(task.owner)
      },
      // Cancelled, expired, ended elsewhere, its lease lost: the inputs its work still waits for fail.
      onStopped: abandon,
      // A call that is stopping for input (MRTR) is answered input_required, not made a task. One
      // made a task asks for its input once the task exists (`RelatedTask.promoting`).
      mayPromote: () => {
        if (context.inputRound !== undefined && Object.keys(context.inputRound.pending).length > 0) return false
        handle.creating = true
        return true
      }
    }).pipe(
      Effect.catch(Wire.failWith),
      Effect.flatMap((decision): Effect.Effect<object, McpError.McpError> => {
        if (decision._tag === "Promoted") return Exit.succeed(Wire.createTaskResult(decision.task))
        const exit = decision.exit
        // Stopped for input and nothing else (`McpError.failureBesideInput`, the one rule), or for
        // URL elicitations (`McpError.failureBesideUrlElicitation`): answered input_required, no
        // task (MRTR first). Anything beside them is the call's end, recorded below (`Tool` has
        // answered such a cause already: a declared failure is its isError result).
        if (taskSupport !== "required" || (exit._tag === "Failure" && asksForInput(exit.cause))) return exit
        // A required tool is always answered as a task: one that already ended. One interrupted
        // (it interrupted itself) has no ending to record: answered as it is, with no task (one
        // created first stayed working until its TTL, holding a place against the limits).
        const error = exit._tag === "Failure" ? McpError.fromCause(exit.cause) : undefined
        if (exit._tag === "Failure" && error === undefined) return exit
        return Effect.matchEffect(store.create(input), {
          // No room for its task (a limit), or a store that failed: the call's own answer, which
          // is in hand (a client that declared the extension takes either). A 429 lost the result
          // of work that ran, and a client asking again ran it twice.
          onFailure: (failure) =>
            failure._tag === "StoreError"
              ? Effect.andThen(Effect.logWarning("TaskStore failed to record a required tool's task", errorForLog(failure)), exit)
              : exit,
          onSuccess: (task) => {
            options.created?.(task.owner)
            // One outcome for every attempt: measured against the bound once (see `boundedFinish`).
            const outcome: Outcome = exit._tag === "Success" ? { _tag: "Result", result: exit.value } : { _tag: "Error", error: error! }
            const finish = () =>
              exit._tag === "Success"
                ? finishBounded(task.taskId, "completed", outcome)
                : finishBounded(task.taskId, "failed", outcome, error!.message)
            // Its end not recorded (a store that failed): the call's own answer, as when its task
            // could not be created (-32603 lost the result of work that ran). The task, which no
            // client knows of, has its end recorded again in the background (it stayed `working`,
            // unleased, holding a place against the task limits until its TTL).
            return Effect.matchEffect(finish(), {
              onFailure: (failure) =>
                Effect.andThen(
                  Effect.logWarning(
                    `TaskStore failed to record the end of a required tool's task${options.scope === undefined ? "" : "; retrying"}`,
                    errorForLog(failure)
                  ),
                  Effect.andThen(recordAgain(task, finish), exit)
                ),
              onSuccess: (ended) => Exit.succeed(Wire.createTaskResult(ended ?? task))
            })
          }
        })
      })
    )
  }

  /**
   * Records the end of a `required` tool's task again (`finish`, which the store failed), in a fiber
   * of the server's scope, as the supervisor records the end of a task's work
   * ({@link TaskSupervisor.recordAgain}: until the store takes it, its TTL passes, the store dies
   * doing it, or {@link TaskSupervisor.maxRecordingMillis} passed). Nobody else records it: the task has no lease
   * (no other replica takes it over) and no client knows of it (the call was answered directly).
   */
  const recordAgain = (task: Task, finish: () => Effect.Effect<unknown, StoreError>): Effect.Effect<void> => {
    const scope = options.scope
    if (scope === undefined) return Effect.void
    const retried = TaskSupervisor.recordAgain(task, finish, {
      giveUp: (why) => Effect.logWarning(`TaskStore: gave up recording the end of the required tool's task ${task.taskId} (${why})`),
      recorded: () => Effect.void
    })
    return Effect.asVoid(Effect.forkIn(retried, scope))
  }

  /**
   * Answers a task's pending input. On a shared store the answers go through it
   * (`TaskStore.sendInput`) to the process holding the task's lease, and are answered here at once
   * only when that is this process: a process cut off past its lease, whose task another took
   * over (its new run asking again), must not feed its own stale copy of the work. That costs one
   * Redis call per answer, also for work running here. When they are this process's, the store also
   * publishes them on its `inputs` (for other servers of this process sharing it): that second
   * delivery arrives after this answer and finds nothing pending here.
   */
  const answer = (taskId: string, responses: { readonly [key: string]: unknown }) =>
    Effect.suspend(() =>
      store.sendInput === undefined
        ? answerHere(taskId, responses)
        : Effect.flatMap(store.sendInput(taskId, responses), (here) => here ? answerHere(taskId, responses) : Effect.void)
    )

  /**
   * Answers a task's pending input if its work runs here (answers from another process arrive here
   * too, and so do those kept in a shared store, again while the task waits). Each answer is
   * decoded as the result of its request's method, here where it is taken whichever store carried
   * it: the work gets the decoded result, or `ClientResultInvalid` for one that does not decode,
   * as a multi round-trip's handler and a 2025-era session's do (the question is answered: the
   * handler may catch it and ask again, under a new key). `tasks/update` is acknowledged either
   * way (the extension's ack is eventually consistent, and only an unknown task is its error).
   */
  const answerHere = (taskId: string, responses: { readonly [key: string]: unknown }) =>
    Effect.suspend(() => {
      const inputs = waiting.get(taskId)
      if (inputs === undefined) return Effect.void
      let answered = false
      for (const [key, value] of Object.entries(responses)) {
        const pending = inputs.pending.get(key)
        if (pending === undefined) continue // unknown, answered or superseded keys are dropped
        const method = pending.request.method
        const decode = resultDecoder(method)
        // An answer of the wrong shape is `ClientResultInvalid` to the work. Dropped (the input
        // left pending), a client that keeps sending it (the official tasks client takes a key it
        // answered as answered) left the task waiting until its TTL, and the handler never knew.
        inputs.pending.delete(key)
        // Kept for the runs after this one (see `Run`): the answer as sent, the user's (a form
        // declined, one that does not match), given again as it is given now.
        if (pending.logical !== undefined) keep(inputs, pending.logical, pending.request, value)
        Deferred.doneUnsafe(pending.answer, decode === undefined ? Exit.succeed(value) : decode(method, value))
        answered = true
      }
      unlist(taskId, inputs)
      return answered ? recorded(taskId, store.setInputRequests(taskId, snapshot(inputs))) : Effect.void
    })

  const ack = {}
  const extension = Extension.make({
    id: Wire.extensionId,
    versions: "modern",
    requireDeclaration: true,
    methods: {
      "tasks/get": Extension.method({
        get params() {
          return Wire.TaskIdParams()
        },
        handler: (params, context) =>
          store.get(params.taskId, ownerOf(context)).pipe(Effect.map(Wire.detailedTask), Effect.catch(Wire.failWith))
      }),
      "tasks/update": Extension.method({
        get params() {
          return Wire.UpdateParams()
        },
        handler: (params, context) => {
          const tooDeep = tooDeepAnswer(params.inputResponses)
          if (tooDeep !== undefined) return Exit.fail(tooDeep)
          return store.get(params.taskId, ownerOf(context)).pipe(
            Effect.catch(Wire.failWith),
            Effect.andThen(Effect.mapError(answer(params.taskId, params.inputResponses), McpError.storeUnavailable)),
            Effect.as(ack)
          )
        }
      }),
      "tasks/cancel": Extension.method({
        get params() {
          return Wire.TaskIdParams()
        },
        // Cooperative and idempotent: an already ended task gets the same ack. The inputs its
        // work waits for are given up by the supervisor's `onStopped` (see `policy`).
        handler: (params, context) =>
          supervisor.cancel(params.taskId, ownerOf(context)).pipe(
            Effect.as(ack),
            Effect.catchTag("TaskAlreadyTerminal", () => Exit.succeed(ack)),
            Effect.catch(Wire.failWith)
          )
      })
    }
  })
  const resumedContext: TaskExtension["resumedContext"] = (taskId, work, takenOver) => {
    if (!isWorkItem(work)) return undefined
    const handle = new ExtensionTask()
    handle.state = taskId
    // Its run (see `Run`) given by `resumedWork`, for a client that declared `elicitation.url`.
    if (takenOver !== undefined) handle.inputs = waitingOf(false, takenOver)
    const truth = {
      protocolVersion: work.protocolVersion as ProtocolVersion.ProtocolVersion,
      clientCapabilities: (work.clientCapabilities ?? {}) as ClientCapabilities,
      clientInfo: work.clientInfo as Implementation | undefined
    }
    return {
      item: work,
      context: detachedContext({ taskId, method: "tools/call", truth, principal: work.principal, relatedTask: handle })
    }
  }

  // Without it, the run that took a task over failed it -32603 on a URL elicitation, where the
  // same task on its first replica asked for it.
  const resumedWork: TaskExtension["resumedWork"] = (context, attempt) =>
    context.relatedTask instanceof ExtensionTask ? askingUrls(context.relatedTask, context, attempt) : attempt()

  // One object for every task taken over (a promoted call keeps its own: see `decided`).
  const policy: TaskSupervisor.SpawnOptions = { onStopped: abandon }

  return { extension, run, ownerOf, policy, answerHere, resumedContext, resumedWork }
}
