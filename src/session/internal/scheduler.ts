/**
 * The scheduler of a session: what runs now and what waits. Requests (and notification handlers)
 * run in one of two lanes: the request slots (`maxConcurrentRequests`), or, for methods that wait
 * by design (`tasks/result`, `subscriptions/listen`) and `ping` (answered promptly, whatever holds
 * the slots), a lane of their own (`maxWaitingRequests`). What has no room waits
 * in a FIFO, started in arrival order as slots free (a full lane does not block the other). The
 * reader pauses while the FIFO is full, and while the session works through it reads more only
 * below twice the bound; a FIFO that stays full with nothing finishing is stalled, and past twice
 * its bound then refuses (a burst the session works through only past eight times the bound, which
 * takes one very large read).
 *
 * Plain imperative code on the hot path of every request (see `performance-notes.md`). The session
 * extends it: the scheduler's state lives in the session object (no object of its own per
 * session: measured, 20 of the ~1 KB an idle HTTP session holds), and the session answers,
 * refuses and drains as the abstract members say.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { emptyMap, shrink, writable } from "../../internal/emptyMap.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"

/** A request (or notification, then `request` is undefined) running or waiting for a slot. */
export class Inflight {
  readonly key: JsonRpc.RequestId | symbol
  readonly request: JsonRpc.Request | undefined
  readonly effect: Effect.Effect<unknown, unknown>
  /** The version the request's answer is projected to (its resolved truth). */
  readonly version: ProtocolVersion.ProtocolVersion
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  cancelled = false
  /**
   * The session interrupted it (a cancellation, the end of the session). An interruption it did
   * not ask for (the handler or a middleware interrupted itself) still owes the client an answer.
   */
  interrupted = false
  constructor(
    key: JsonRpc.RequestId | symbol,
    request: JsonRpc.Request | undefined,
    effect: Effect.Effect<unknown, unknown>,
    version: ProtocolVersion.ProtocolVersion
  ) {
    this.key = key
    this.request = request
    this.effect = effect
    this.version = version
  }
}

/**
 * The effect of the running entry that holds the slot of work an answered request left running
 * ({@link Scheduler.holdSlot}): it is never run (the work's fiber is given), only told apart from a
 * notification handler's when its failure is logged.
 */
export const heldWork: Effect.Effect<unknown> = Effect.void

/** The scheduler's bounds (see `SessionOptions`). */
export interface SchedulerLimits {
  readonly maxConcurrentRequests?: number | undefined
  readonly maxQueuedRequests?: number | undefined
  readonly maxWaitingRequests?: number | undefined
  readonly waitingMethods?: ReadonlyArray<string> | undefined
}

/**
 * `ping` is always answered in the waiting lane: the receiver "MUST respond promptly", and in the
 * request slots a ping that middleware made asynchronous (no answer inline) waited for a slot
 * behind the calls that held them all, its client timing out (a keep-alive giving up on a busy
 * server). It takes a place there only the moment it is answered.
 */
const alwaysWaiting = "ping"
const defaultWaitingMethods: ReadonlySet<string> = new Set([alwaysWaiting])

/** The bounds, resolved: one object for every session with the same ones (not four fields each). */
class Bounds {
  readonly limit: number
  readonly maxQueued: number
  readonly maxWaiting: number
  readonly waitingMethods: ReadonlySet<string>
  constructor(limits: SchedulerLimits) {
    this.limit = limits.maxConcurrentRequests ?? 64
    this.maxQueued = limits.maxQueuedRequests ?? 256
    this.maxWaiting = limits.maxWaitingRequests ?? 1024
    this.waitingMethods = limits.waitingMethods === undefined
      ? defaultWaitingMethods
      : new Set([...limits.waitingMethods, alwaysWaiting])
  }
}

/**
 * The resolved bounds of these limits, shared by the sessions that have the same (a server's
 * sessions all do; each gets its own copy of the options). Measured: the four fields per session
 * were 12 of the ~1 KB an idle session holds.
 */
const boundsOf = (limits: SchedulerLimits): Bounds => {
  // Numbers as `String` spells them: `JSON.stringify` spells `Infinity` (no limit) as it does an
  // absent option (`null`), and a session would get the bounds of another with the default.
  const key = `${limits.maxConcurrentRequests},${limits.maxQueuedRequests},${limits.maxWaitingRequests},${
    JSON.stringify(limits.waitingMethods)
  }`
  let bounds = sharedBounds.get(key)
  if (bounds === undefined) {
    if (sharedBounds.size >= 64) sharedBounds.clear()
    sharedBounds.set(key, bounds = new Bounds(limits))
  }
  return bounds
}
const sharedBounds = new Map<string, Bounds>()

/**
 * Longest the reader pauses at a time while the FIFO is full: short, because what unblocks a
 * session (the client's answers, cancellations) arrives in the same input behind its requests.
 */
const readPauseMillis = 50

/** The running and waiting requests of one session: the base of the session's class. */
export abstract class Scheduler {
  /** running requests (and notification handlers) by id */
  running: Map<JsonRpc.RequestId | symbol, Inflight> = emptyMap
  /** accepted requests waiting for a slot, in arrival order */
  queued: Map<JsonRpc.RequestId | symbol, Inflight> = emptyMap
  private readonly bounds: Bounds
  /** requests of the waiting lane that are running */
  private waiting = 0
  private pumping = false
  /** readers waiting for room in the FIFO (one for a pull connection; any number pushing) */
  private resumeReaders: Array<() => void> | undefined = undefined
  /** The FIFO stayed full and nothing finished for a whole read pause (cleared once a slot frees). */
  private stalled = false
  /** Requests and handlers finished so far: a read pause without progress is a stall. */
  private finishedCount = 0

  constructor(limits: SchedulerLimits) {
    this.bounds = boundsOf(limits)
  }

  /** Runs a request's effect (in the session's context) in a fiber of its own. */
  abstract forkRequest(inflight: Inflight): Fiber.Fiber<unknown, unknown>
  /** A request or handler ended: its answer, unless cancelled, is the session's to send. */
  abstract finished(inflight: Inflight, exit: Exit.Exit<unknown, unknown>): void
  /** Refused while stuck: past `max` waiting. */
  abstract refused(inflight: Inflight, max: number): void
  /** Nothing runs or waits any more (told after something finished). */
  abstract idle(): void
  /** A handler waits for the client's answer to a request of the session's (sampling, elicitation, roots). */
  abstract readonly awaitingClient: boolean

  /** How many requests run at once. */
  get limit(): number {
    return this.bounds.limit
  }

  /** Whether a request with this id runs or waits. */
  has(id: JsonRpc.RequestId): boolean {
    return this.running.has(id) || this.queued.has(id)
  }

  /**
   * The request running under `id` as the session took it (a middleware may have passed its own
   * copy on): what `stoppedRequests` marks. Read only when a request ended interrupted.
   */
  runningRequest(id: JsonRpc.RequestId): JsonRpc.Request | undefined {
    return this.running.get(id)?.request
  }

  /** Whether nothing runs or waits (work a request left running counts: see {@link holdSlot}). */
  get isIdle(): boolean {
    return this.running.size === 0 && this.queued.size === 0
  }

  /**
   * The request `key`, about to be answered, leaves `fiber` running (interrupted, its uninterruptible
   * regions and finalizers still to run: `Timeout` answers at the deadline): a request slot
   * stays taken until the fiber ends, so a client whose answered requests
   * still work cannot start more than the bound at once; the fiber is interrupted with what runs
   * (`stopAll`), and the session is not idle (a drain waits) while it runs.
   *
   * @internal
   */
  holdSlot(_key: JsonRpc.RequestId, fiber: Fiber.Fiber<unknown, unknown>): void {
    if (fiber.pollUnsafe() !== undefined) return
    // A running entry of its own, with no request (as a notification handler's: its end answers
    // nothing, a failure other than the interruption is logged): it takes a request slot (of the
    // request slots whatever the request's lane: a bound kept, never exceeded), is interrupted
    // by `stopAll`, and keeps the session from being idle. No field of the session's for it: an
    // idle session's size is a target.
    const held = new Inflight(Symbol(), undefined, heldWork, ProtocolVersion.latest)
    held.fiber = fiber
    this.running = writable(this.running)
    this.running.set(held.key, held)
    fiber.addObserver((exit) => this.finish(held, exit))
  }

  /** Whether the FIFO is full (the reader should wait for room). */
  get full(): boolean {
    return this.queued.size >= this.bounds.maxQueued
  }

  /** Starts a request, or queues it when its lane is full (refused past the bound while stuck). */
  admit(inflight: Inflight): void {
    if (!this.hasRoom(inflight)) {
      // Past twice the bound while stuck, or eight times whatever the progress: refused.
      const max = this.bounds.maxQueued * (this.stalled ? 2 : 8)
      if (this.queued.size >= max) return this.refused(inflight, max)
      this.queued = writable(this.queued)
      this.queued.set(inflight.key, inflight)
      return
    }
    this.start(inflight)
  }

  /**
   * The client cancelled a request (`notifications/cancelled`): a waiting one is dropped, a running
   * one interrupted and left unanswered. `initialize` is never cancelled (the spec's rule).
   */
  cancelRequest(requestId: JsonRpc.RequestId): void {
    const waiting = this.queued.get(requestId)
    if (waiting !== undefined) {
      if (waiting.request?.method === "initialize") return
      this.queued.delete(requestId)
      this.queued = shrink(this.queued)
      return this.wakeReader()
    }
    const inflight = this.running.get(requestId)
    if (inflight === undefined || inflight.request?.method === "initialize") return
    inflight.cancelled = true
    inflight.interrupted = true
    inflight.fiber?.interruptUnsafe()
  }

  /** Drops what waits and interrupts what runs (`cancelled`: their answers are not sent either). */
  stopAll(cancelled: boolean): void {
    this.queued.clear()
    for (const inflight of this.running.values()) {
      if (cancelled) inflight.cancelled = true
      inflight.interrupted = true
      inflight.fiber?.interruptUnsafe()
    }
  }

  /**
   * Pauses the reader while the FIFO of waiting requests is full: until a slot frees, or for at
   * most {@link readPauseMillis}. The pause never becomes a stop: what unblocks the session (the
   * client's answers, cancellations) may be next in the input, behind requests.
   */
  waitForRoom(): Effect.Effect<void> {
    if (this.queued.size < this.bounds.maxQueued) return Effect.void
    const finishedBefore = this.finishedCount
    const queuedBefore = this.queued.size
    const wait = Effect.callback<void>((resume) => {
      const resumer = () => resume(Effect.void)
      ;(this.resumeReaders ??= []).push(resumer)
      // A pause that timed out leaves no resumer behind.
      return Effect.sync(() => {
        const index = this.resumeReaders?.indexOf(resumer) ?? -1
        if (index >= 0) this.resumeReaders!.splice(index, 1)
      })
    })
    return Effect.timeoutOrElse(wait, {
      duration: readPauseMillis,
      orElse: () =>
        Effect.suspend(() => {
          if (this.queued.size < this.bounds.maxQueued) return Effect.void
          // Nothing finished for a whole pause: the session is stuck (on the client, or on slow
          // work); reading on finds what unblocks it, and refuses requests past twice the bound.
          if (this.finishedCount === finishedBefore) {
            this.stalled = true
            return Effect.void
          }
          // Working through its backlog (the FIFO shrank during the pause), the session reads on
          // below twice the bound, and else pauses again: the input waits (the transport's
          // backpressure holds the client) instead of being read only to be refused past eight
          // times the bound. Not while a handler waits on the client: its answer may be next.
          const working = this.queued.size < queuedBefore && !this.awaitingClient
          return working && this.queued.size >= 2 * this.bounds.maxQueued ? this.waitForRoom() : Effect.void
        })
    })
  }

  /** Requests that wait by design (`tasks/result`) have a lane of their own, not the request slots. */
  private isWaiting(inflight: Inflight): boolean {
    return inflight.request !== undefined && this.bounds.waitingMethods.has(inflight.request.method)
  }

  private hasRoom(inflight: Inflight): boolean {
    return this.isWaiting(inflight) ? this.waiting < this.bounds.maxWaiting : this.running.size - this.waiting < this.bounds.limit
  }

  private start(inflight: Inflight): void {
    this.running = writable(this.running)
    this.running.set(inflight.key, inflight)
    if (this.isWaiting(inflight)) this.waiting++
    const fiber = this.forkRequest(inflight)
    inflight.fiber = fiber
    const exit = fiber.pollUnsafe()
    if (exit !== undefined) return this.finish(inflight, exit)
    fiber.addObserver((exit) => this.finish(inflight, exit))
  }

  private finish(inflight: Inflight, exit: Exit.Exit<unknown, unknown>): void {
    if (this.running.get(inflight.key) !== inflight) return
    this.finishedCount++
    this.stalled = false
    this.running.delete(inflight.key)
    this.running = shrink(this.running)
    if (this.isWaiting(inflight)) this.waiting--
    this.finished(inflight, exit)
    this.pump()
  }

  /** Starts waiting requests while slots are free; re-entrant calls (from `finish`) fold into the loop. */
  private pump(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      // In arrival order, start whatever has room in its lane (a full lane does not block the other).
      let started = true
      while (started && this.queued.size > 0) {
        started = false
        for (const next of this.queued.values()) {
          if (!this.hasRoom(next)) continue
          this.queued.delete(next.key)
          this.start(next)
          started = true
          break
        }
      }
    } finally {
      this.pumping = false
    }
    this.queued = shrink(this.queued)
    this.wakeReader()
    if (this.isIdle) this.idle()
  }

  private wakeReader(): void {
    if (this.queued.size < this.bounds.maxQueued) this.stalled = false
    if (this.resumeReaders !== undefined && this.queued.size < this.bounds.maxQueued) {
      const resumers = this.resumeReaders
      this.resumeReaders = undefined
      for (let i = 0; i < resumers.length; i++) resumers[i]!()
    }
  }
}
