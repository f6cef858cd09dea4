/**
 * How deep client-sent JSON nests, measured without recursion: a value nested thousands of
 * levels deep (a few KB of `[[[…]]]`) must get an answer, not a stack overflow in whatever walks
 * it next (a schema library, `JSON.stringify`, a canonical form). And whether it holds more
 * values than some bound, measured without counting them all.
 *
 * @internal
 */

/**
 * Whether `value` has objects or arrays nested deeper than `max` levels (a top-level object or
 * array is level 1). Iterative: its memory grows with the value's size, never the call stack.
 */
export const nestedDeeperThan = (value: unknown, max: number): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (max < 1) return true
  const pending: Array<object> = [value]
  const depths: Array<number> = [1]
  while (pending.length > 0) {
    const current = pending.pop()!
    const depth = depths.pop()!
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child !== "object" || child === null) continue
      if (depth >= max) return true
      pending.push(child)
      depths.push(depth + 1)
    }
  }
  return false
}

/**
 * Arguments holding more values than this that fail validation are told their first problem
 * only: finding every problem of a 900,000-item array took 1.6 s and listing them made a 64 MB
 * message (below it, at most about 40 ms and 600 KB, cut to {@link maxProblemsText}).
 */
export const maxValuesForEveryProblem = 10_000

/** What an answer says of arguments told their first problem only (see {@link maxValuesForEveryProblem}). */
export const firstProblemOnly = `the first problem; arguments of more than ${maxValuesForEveryProblem} values are not checked further`

/** The longest list of argument problems an answer carries, in characters (16 Ki). */
export const maxProblemsText = 16 * 1024

/**
 * Whether `value` holds more than `max` values: itself, and every property and item at every
 * level. Iterative, and it stops counting past `max` (but for gathering one object's keys, its cost is bounded by `max`).
 */
export const moreValuesThan = (value: unknown, max: number): boolean => {
  let count = 1
  if (count > max) return true
  if (typeof value !== "object" || value === null) return false
  const pending: Array<object> = [value]
  while (pending.length > 0) {
    const current = pending.pop()!
    if (Array.isArray(current)) {
      count += current.length
      if (count > max) return true
      for (const child of current) if (typeof child === "object" && child !== null) pending.push(child)
      continue
    }
    // Counted key by key, stopping past `max` (V8 still gathers an object's keys when the loop
    // starts: cheaper than `Object.values`, not free; the body limit bounds it).
    for (const key in current) {
      if (!Object.hasOwn(current, key)) continue
      if (++count > max) return true
      const child = (current as Record<string, unknown>)[key]
      if (typeof child === "object" && child !== null) pending.push(child)
    }
  }
  return false
}
