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
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type { Outbound, TransportFailure } from "../Connection.ts"
import { isExit } from "../../internal/isExit.ts"

/** The session's side of its outgoing messages. */
export interface Outbox {
  /** How many messages wait to be written. */
  readonly size: () => number
  /**
   * A count that grows each time written messages are handed over, and as the connection says
   * the client takes a write still under way (`Connection.taken`): what the session compares to
   * tell a client that takes its output slowly from one that takes none (see `ServerSession`).
   */
  readonly progress: () => number
  /** Adds a message without suspending; `false` when the outbox is full. */
  readonly offerUnsafe: (outbound: Outbound) => boolean
  /** Adds a message, suspending while the outbox is full. */
  readonly offer: (outbound: Outbound) => Effect.Effect<void>
  /** Adds messages in order, suspending while the outbox is full. */
  readonly offerAll: (outbound: ReadonlyArray<Outbound>) => Effect.Effect<void>
  /**
   * Writes what a batch of input produced from the reading fiber, in order behind everything
   * offered before it (without a fiber hop when nothing is waiting).
   */
  readonly writeBatch: (batch: ReadonlyArray<Outbound>) => Effect.Effect<void, TransportFailure>
}

/** Where written messages go (the connection). */
interface Sink {
  readonly write: (batch: ReadonlyArray<Outbound>) => Effect.Effect<void, TransportFailure>
  /** How much of the output the client took, within a write too (see `Connection.taken`). */
  readonly taken?: (() => number) | undefined
}

/**
 * A bounded Queue; the session's writer fiber drains it ({@link QueueOutbox.writeLoop}, forked by
 * `ServerSession.run`). A batch of input is written by the reading fiber with whatever the Queue
 * holds in front of it; the connection's contract (a write hands its batch over before it
 * suspends) keeps the two writers in order.
 *
 * **Details**
 *
 * While the writer holds messages it took and has not handed over, the reader's batch goes into
 * the Queue behind them instead. A take frees room, and a producer waiting for it is resumed
 * inside the take (a handler that offered into the full Queue): it may end its request, free a
 * slot and wake the reader, which would otherwise write that request's response before the
 * progress the writer holds.
 */
export class QueueOutbox implements Outbox {
  readonly queue: Queue.Queue<Outbound, Cause.Done>
  private readonly sink: Sink
  /** The writer has taken messages it has not handed over yet. */
  private writerHolds = false
  /** The writer's writes handed over so far (see {@link Outbox.progress}). */
  private writes = 0
  constructor(queue: Queue.Queue<Outbound, Cause.Done>, sink: Sink) {
    this.queue = queue
    this.sink = sink
  }
  size() {
    return Queue.sizeUnsafe(this.queue)
  }
  progress() {
    // A long write (answers of several MB) does not finish while the client reads it: what the
    // connection says it took counts too.
    const taken = this.sink.taken
    return taken === undefined ? this.writes : this.writes + taken()
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
  writeBatch(batch: ReadonlyArray<Outbound>): Effect.Effect<void, TransportFailure> {
    if (this.writerHolds) return batch.length === 0 ? Effect.void : this.offerAll(batch)
    if (Queue.sizeUnsafe(this.queue) === 0) return batch.length === 0 ? Effect.void : this.sink.write(batch)
    return Effect.flatMap(Queue.clear(this.queue), (queued) => this.sink.write(queued.concat(batch)))
  }
  /**
   * The writer fiber: waits for a message without taking it, then takes what the Queue holds and
   * writes it, marked as held from the take (one synchronous step, see the class's details) until
   * the write has handed it over. Ends when the Queue ends.
   */
  get writeLoop(): Effect.Effect<void, TransportFailure> {
    const self = this
    return Effect.gen(function*() {
      while (true) {
        yield* Queue.peek(self.queue)
        self.writerHolds = true
        const batch = yield* Queue.takeAll(self.queue)
        yield* self.sink.write(batch)
        self.writerHolds = false
        self.writes++
      }
    }).pipe(Effect.catch((error) => Cause.isDone(error) ? Effect.void : Effect.fail(error)))
  }
}

/** The buffer while it is empty (an idle session holds no array): never pushed to. */
const empty: Array<Outbound> = []

type RunFork = <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>

/**
 * A bounded buffer with one writer at a time: the fiber of a batch of input writes that batch
 * and then whatever was offered meanwhile; messages offered while nobody writes are written by
 * a fiber forked for them, gone once the buffer is empty. An idle session holds no fiber.
 *
 * **Details**
 *
 * One writer at a time keeps the order even when the sink's write suspends (an asynchronous
 * event store): a batch written while another write is in flight waits its turn in the buffer.
 * A failed or dying write ends the session (`owner.interrupt`); an interrupted writer (a POST
 * whose client went away) hands what is left to a forked writer.
 */
export class PushOutbox implements Outbox {
  private buffer: Array<Outbound> = empty
  private writing = false
  /** Messages accepted so far, and messages written (or given up) so far: `writeBatch` waits on these. */
  private offered = 0
  private written = 0
  /** Messages of the write in flight. */
  private inFlight = 0
  /** Fibers waiting for room, or for messages to be written. */
  private waiters: Array<() => void> | undefined = undefined
  private readonly capacity: number
  private readonly sink: Sink
  private readonly runFork: RunFork
  private readonly owner: { readonly interrupt: (cause?: Cause.Cause<unknown>) => void }

  constructor(
    capacity: number,
    sink: Sink,
    runFork: RunFork,
    owner: { readonly interrupt: (cause?: Cause.Cause<unknown>) => void }
  ) {
    this.capacity = capacity
    this.sink = sink
    this.runFork = runFork
    this.owner = owner
  }

  size() {
    return this.buffer.length
  }

  progress() {
    return this.written
  }

  offerUnsafe(outbound: Outbound) {
    if (this.buffer.length >= this.capacity) return false
    this.add(outbound)
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

  writeBatch(batch: ReadonlyArray<Outbound>): Effect.Effect<void, TransportFailure> {
    if (batch.length === 0) return Effect.void
    if (this.writing) {
      // Behind the write in flight and what waits for it (past the capacity: the batch's own
      // fiber waits for it, so this is bounded by the fibers pushing input).
      for (let i = 0; i < batch.length; i++) this.add(batch[i]!)
      return this.writtenThrough(this.offered)
    }
    this.writing = true
    this.offered += batch.length
    this.inFlight = batch.length
    const result = this.write(batch)
    if (isExit(result) && result._tag === "Success" && this.buffer.length === 0) {
      // Written at once and nothing came meanwhile (the usual case): no writer to run.
      this.done()
      this.writing = false
      return Effect.void
    }
    return this.guard(Effect.flatMap(result, () => {
      this.done()
      return this.drain()
    }))
  }

  /** Completes once everything offered so far is written (or given up). */
  flushed(): Effect.Effect<void> {
    return Effect.suspend(() => this.writtenThrough(this.offered))
  }

  private add(outbound: Outbound): void {
    if (this.buffer === empty) this.buffer = []
    this.buffer.push(outbound)
    this.offered++
  }

  private writtenThrough(target: number): Effect.Effect<void> {
    return Effect.suspend(() =>
      this.written >= target ? Effect.void : Effect.andThen(this.wait(), this.writtenThrough(target))
    )
  }

  private schedule(): void {
    if (this.writing) return
    this.writing = true
    this.runFork(Effect.ignore(this.guard(this.drain())))
  }

  private writeThenDrain(batch: ReadonlyArray<Outbound>): Effect.Effect<void, TransportFailure> {
    this.inFlight = batch.length
    return Effect.flatMap(this.write(batch), () => {
      this.done()
      return this.drain()
    })
  }

  /** The sink's write; a synchronous throw becomes a defect (which ends the session). */
  private write(batch: ReadonlyArray<Outbound>): Effect.Effect<void, TransportFailure> {
    try {
      return this.sink.write(batch)
    } catch (defect) {
      return Effect.die(defect)
    }
  }

  /** The write in flight has landed. */
  private done(): void {
    this.written += this.inFlight
    this.inFlight = 0
    this.wake()
  }

  /** Writes what is buffered until nothing is; the check and the flag change are one step. */
  private drain(): Effect.Effect<void, TransportFailure> {
    return Effect.suspend(() => {
      if (this.buffer.length === 0) {
        this.writing = false
        this.wake()
        return Effect.void
      }
      const batch = this.buffer
      this.buffer = empty
      this.wake()
      return this.writeThenDrain(batch)
    })
  }

  /** The writer's end when it did not finish: hand over (interrupted) or end the session (failed). */
  private guard<E>(writer: Effect.Effect<void, E>): Effect.Effect<void, E> {
    return Effect.onExit(writer, (exit) => exit._tag === "Success" ? Effect.void : Effect.sync(() => this.stopped(exit.cause)))
  }

  private stopped(cause: Cause.Cause<unknown>): void {
    this.writing = false
    // The write in flight may or may not have reached the sink: it counts as done.
    this.written += this.inFlight
    this.inFlight = 0
    if (Cause.hasInterruptsOnly(cause)) {
      if (this.buffer.length > 0) this.schedule()
      return this.wake()
    }
    this.written = this.offered
    this.buffer = empty
    this.wake()
    this.owner.interrupt(cause)
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
