/**
 * Group commit for the Redis stores: the calls of one kind a process makes within one turn of the
 * event loop go to Redis as one call (a script that handles them in order), so that a busy server
 * pays one round trip, one script run and one operation bound for several of them.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

interface Pending<I, O, E> {
  readonly item: I
  readonly resume: (exit: Exit.Exit<O, E>) => void
}

/**
 * Batches calls: each call waits for the turn's batch, which `flush` sends at the end of the turn
 * (`setImmediate`, as node-redis writes what a turn queued), at most `maxBatch` items per flush,
 * and answers with one result per item, in order. A failed flush fails every call of its batch; a
 * call interrupted before its batch is sent leaves it (one already sent still runs in Redis, as an
 * interrupted single call would).
 *
 * @example
 * ```ts
 * const create = batch((creations) => run("create", createMany(creations)), 64)
 * const task = yield* create(creation)
 * ```
 */
export const batch = <I, O, E>(
  flush: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>, E>,
  maxBatch: number
): (item: I) => Effect.Effect<O, E> => {
  let pending: Array<Pending<I, O, E>> = []
  let scheduled = false

  const send = (calls: ReadonlyArray<Pending<I, O, E>>) => {
    const items = new Array<I>(calls.length)
    for (let i = 0; i < calls.length; i++) items[i] = calls[i]!.item
    // Suspended: a flush that throws while building its call fails its batch instead of the process.
    const fiber = Effect.runFork(Effect.suspend(() => flush(items)))
    fiber.addObserver((exit) => {
      if (exit._tag === "Failure") {
        const failure = Exit.failCause(exit.cause)
        for (const call of calls) call.resume(failure)
        return
      }
      for (let i = 0; i < calls.length; i++) calls[i]!.resume(Exit.succeed(exit.value[i]!))
    })
  }

  const flushAll = () => {
    scheduled = false
    const calls = pending
    pending = []
    if (calls.length === 0) return
    if (calls.length <= maxBatch) return send(calls)
    for (let i = 0; i < calls.length; i += maxBatch) send(calls.slice(i, i + maxBatch))
  }

  return (item) =>
    Effect.callback<O, E>((resume) => {
      const call = { item, resume }
      pending.push(call)
      if (!scheduled) {
        scheduled = true
        setImmediate(flushAll)
      }
      return Effect.sync(() => {
        const at = pending.indexOf(call)
        if (at >= 0) pending.splice(at, 1)
      })
    })
}
