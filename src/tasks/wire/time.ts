/**
 * Task times on the wire (ISO 8601, whole milliseconds), shared by both wires.
 *
 * @internal
 */

/**
 * `millis` as an ISO 8601 string. The last two are kept: tasks created in one millisecond share
 * their times, and a task's `createdAt` and `lastUpdatedAt` alternate (measured: two `Date`
 * conversions per wire task were 8 % of the CPU of creating tasks).
 */
export const isoTime = (millis: number): string => {
  if (millis === last) return lastIso
  if (millis === previous) return previousIso
  previous = last
  previousIso = lastIso
  last = millis
  return lastIso = new Date(millis).toISOString()
}

let last = Number.NaN
let lastIso = ""
let previous = Number.NaN
let previousIso = ""

/**
 * A task's TTL as both wires send it: whole milliseconds (floored: the task is kept at least that
 * long), `null` when it is kept until the server decides (`null`, or an unbounded `Infinity`).
 * The store's options may be fractions or `Infinity`; sent as they were, a fraction broke the
 * wire's integer, and `Infinity` reached an in-memory client as a number no schema takes.
 */
export const wireTtl = (ttlMillis: number | null): number | null =>
  ttlMillis === null || ttlMillis === Number.POSITIVE_INFINITY ? null : Number.isInteger(ttlMillis) ? ttlMillis : Math.floor(ttlMillis)

/** A poll interval as both wires send it: whole milliseconds (rounded up: no sooner than asked). */
export const wirePollInterval = (millis: number): number => Number.isInteger(millis) ? millis : Math.ceil(millis)
