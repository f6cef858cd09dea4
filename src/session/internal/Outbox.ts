/**
 * Where a session puts the messages it produces asynchronously (from request fibers), until the
 * transport has written them.
 *
 * Two forms, one per kind of connection: a bounded Queue drained by a writer fiber that lives as
 * long as the session (pull connections: stdio, in-memory, where the session has a read loop
 * anyway), and a bounded buffer written by a fiber that exists only while there is something to
 * write (push connections: Streamable HTTP, where an idle session must cost no fibers).
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type { Outbound, TransportFailure } from "../Connection.ts"

/** The session's side of its outgoing messages. */
export interface Outbox {
  /** How many messages wait to be written. */
  readonly size: () => number
  /** Adds a message without suspending; `false` when the outbox is full. */
  readonly offerUnsafe: (outbound: Outbound) => boolean
  /** Adds a message, suspending while the outbox is full. */
  readonly offer: (outbound: Outbound) => Effect.Effect<void>
  /** Adds messages in order, suspending while the outbox is full. */
  readonly offerAll: (outbound: ReadonlyArray<Outbound>) => Effect.Effect<void>
  /** Takes every waiting message (to write them ahead of a batch's own). */
  readonly clear: () => Effect.Effect<Array<Outbound>>
}

/** A bounded Queue; the session's writer fiber drains it (see `ServerSession.run`). */
export class QueueOutbox implements Outbox {
  readonly queue: Queue.Queue<Outbound, Cause.Done>
  constructor(queue: Queue.Queue<Outbound, Cause.Done>) {
    this.queue = queue
  }
  size() {
    return Queue.sizeUnsafe(this.queue)
  }
  offerUnsafe(outbound: Outbound) {
    return Queue.offerUnsafe(this.queue, outbound)
  }
  offer(outbound: Outbound) {
    return Effect.asVoid(Queue.offer(this.queue, outbound))
  }
  offerAll(outbound: ReadonlyArray<Outbound>) {
    return Effect.asVoid(Queue.offerAll(this.queue, outbound))
  }
  clear() {
    return Queue.clear(this.queue)
  }
}

/** Where written messages go (the connection). */
interface Sink {
  readonly write: (batch: ReadonlyArray<Outbound>) => Effect.Effect<void, TransportFailure>
}

/** The buffer while it is empty (an idle session holds no array): never pushed to. */
const empty: Array<Outbound> = []

type RunFork = <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>

/**
 * A bounded buffer written by a short-lived fiber: forked when the first message arrives, gone
 * once the buffer is empty. A failed write closes the session (`owner.interrupt`).
 */
export class PushOutbox implements Outbox {
  private buffer: Array<Outbound> = empty
  private writing = false
  /** Fibers waiting for room, or for the buffer to be written out. */
  private waiters: Array<() => void> | undefined = undefined
  private readonly capacity: number
  private readonly sink: Sink
  private readonly runFork: RunFork
  private readonly owner: { readonly interrupt: () => void }

  constructor(capacity: number, sink: Sink, runFork: RunFork, owner: { readonly interrupt: () => void }) {
    this.capacity = capacity
    this.sink = sink
    this.runFork = runFork
    this.owner = owner
  }

  size() {
    return this.buffer.length
  }

  offerUnsafe(outbound: Outbound) {
    if (this.buffer.length >= this.capacity) return false
    if (this.buffer === empty) this.buffer = []
    this.buffer.push(outbound)
    this.schedule()
    return true
  }

  offer(outbound: Outbound): Effect.Effect<void> {
    return Effect.suspend(() => this.offerUnsafe(outbound) ? Effect.void : Effect.andThen(this.wait(), this.offer(outbound)))
  }

  offerAll(outbound: ReadonlyArray<Outbound>): Effect.Effect<void> {
    return Effect.suspend(() => {
      let i = 0
      while (i < outbound.length && this.offerUnsafe(outbound[i]!)) i++
      return i === outbound.length ? Effect.void : Effect.andThen(this.wait(), this.offerAll(outbound.slice(i)))
    })
  }

  clear() {
    return Effect.sync(() => this.takeAll())
  }

  /** Completes once everything offered so far is written. */
  flushed(): Effect.Effect<void> {
    return Effect.suspend(() =>
      !this.writing && this.buffer.length === 0 ? Effect.void : Effect.andThen(this.wait(), this.flushed())
    )
  }

  private takeAll(): Array<Outbound> {
    const batch = this.buffer
    this.buffer = empty
    this.wake()
    return batch
  }

  private schedule(): void {
    if (this.writing) return
    this.writing = true
    this.runFork(Effect.catch(this.step(), () =>
      Effect.sync(() => {
        this.writing = false
        this.buffer = empty
        this.wake()
        this.owner.interrupt()
      })))
  }

  /** Writes what is buffered, until nothing is; the check and the flag change are one step. */
  private step(): Effect.Effect<void, TransportFailure> {
    return Effect.suspend(() => {
      if (this.buffer.length === 0) {
        this.writing = false
        this.wake()
        return Effect.void
      }
      return Effect.flatMap(this.sink.write(this.takeAll()), () => this.step())
    })
  }

  private wait(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      ;(this.waiters ??= []).push(() => resume(Effect.void))
    })
  }

  private wake(): void {
    const waiters = this.waiters
    if (waiters === undefined) return
    this.waiters = undefined
    for (let i = 0; i < waiters.length; i++) waiters[i]!()
  }
}
