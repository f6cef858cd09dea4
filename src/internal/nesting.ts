/**
 * How deep client-sent JSON nests, measured without recursion: a value nested thousands of
 * levels deep (a few KB of `[[[…]]]`) must get an answer, not a stack overflow in whatever walks
 * it next (a schema library, `JSON.stringify`, a canonical form).
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
