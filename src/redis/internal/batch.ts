/**
 * Group commit for the Redis stores: the calls of one kind a process makes go to Redis as one call
 * (a script that handles them in order), so that a busy server pays one round trip, one script run
 * and one operation bound for several of them. One such call is in flight at a time: the calls
 * made while it runs wait for it, and go together in the next.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

interface Pending<I, O, E> {
  readonly item: I
  readonly resume: (exit: Exit.Exit<O, E>) => void
  /** When the call was made (`Date.now()`): its bound counts from then, not from its flush. */
  readonly at: number
}

/**
 * Batches calls: each call waits for its batch, which `flush` sends at the end of the turn
 * (`setImmediate`, as node-redis writes what a turn queued), at most `maxBatch` items per flush,
 * and answers with one result per item, in order. One flush is in flight at a time: the calls made
 * meanwhile (or past `maxBatch`) go in the next, sent at the end of the turn its predecessor
 * answered in, or once the oldest of them has waited `maxWaitMillis` (a flush that is slow, a
 * Redis loading a script or stalled, does not take the bound of every call behind it).
 * `flush` is given when the oldest call of its batch was made (`Date.now()`), so that it bounds
 * each call from when it was made, not from when its batch went. A failed flush fails every call
 * of its batch; a call interrupted before its batch is sent leaves it (one already sent still runs
 * in Redis, as an interrupted single call would).
 *
 * @example
 * ```ts
 * const create = batch((creations, since) => run("create", createMany(creations, since)), 64, 20)
 * const task = yield* create(creation)
 * ```
 */
export const batch = <I, O, E>(
  flush: (items: ReadonlyArray<I>, since: number) => Effect.Effect<ReadonlyArray<O>, E>,
  maxBatch: number,
  maxWaitMillis: number
): (item: I) => Effect.Effect<O, E> => {
  let pending: Array<Pending<I, O, E>> = []
  let scheduled = false
  /** Flushes sent and not answered yet: one, but for those sent past `maxWaitMillis`. */
  let inFlight = 0
  /** Sends the calls waiting behind a flush in flight once the oldest has waited `maxWaitMillis`. */
  let overdue: ReturnType<typeof setTimeout> | undefined

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(flushAll)
  }
  const onOverdue = () => {
    overdue = undefined
    schedule()
  }

  const send = (calls: ReadonlyArray<Pending<I, O, E>>) => {
    inFlight++
    const items = new Array<I>(calls.length)
    for (let i = 0; i < calls.length; i++) items[i] = calls[i]!.item
    // Suspended: a flush that throws while building its call fails its batch instead of the process.
    const fiber = Effect.runFork(Effect.suspend(() => flush(items, calls[0]!.at)))
    fiber.addObserver((exit) => {
      inFlight--
      if (pending.length > 0) schedule()
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
    if (pending.length === 0) return
    if (inFlight > 0) {
      const waited = Date.now() - pending[0]!.at
      if (waited < maxWaitMillis) {
        overdue ??= setTimeout(onOverdue, maxWaitMillis - waited)
        return
      }
    }
    if (overdue !== undefined) {
      clearTimeout(overdue)
      overdue = undefined
    }
    if (pending.length <= maxBatch) {
      const calls = pending
      pending = []
      return send(calls)
    }
    const calls = pending.slice(0, maxBatch)
    pending = pending.slice(maxBatch)
    send(calls)
    // The calls past `maxBatch` wait for this flush as any made while it runs: until it answers,
    // or their oldest has waited `maxWaitMillis` (without this, until some flush answered).
    schedule()
  }

  return (item) =>
    Effect.callback<O, E>((resume) => {
      const call = { item, resume, at: Date.now() }
      pending.push(call)
      schedule()
      return Effect.sync(() => {
        const at = pending.indexOf(call)
        if (at >= 0) pending.splice(at, 1)
      })
    })
}
