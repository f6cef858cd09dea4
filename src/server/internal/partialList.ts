/**
 * The mark of a list answered without some of its items: a `resources/list` that left out the
 * resources of a template whose `list` failed (logged). A cache must not keep such an answer: the
 * next list should ask that template again. A symbol key, enumerable so that a middleware that
 * spreads the result (`{ ...result, resources }`, as `Authorization` filters it) keeps it, and
 * never sent (JSON has no symbol keys). Set only on a partial answer: a complete one carries
 * nothing, and reading the mark is one property lookup on a cache miss.
 *
 * @internal
 */

/** The key of the mark. */
export const partialList: unique symbol = Symbol.for("effect-mcp-server/partialList")

/** Marks `result` as missing some of its items (returns it). */
export const markPartial = <A extends object>(result: A): A => {
  ;(result as { [partialList]?: true })[partialList] = true
  return result
}

/** Whether `result` was answered without some of its items (see {@link markPartial}). */
export const isPartial = (result: unknown): boolean =>
  typeof result === "object" && result !== null && (result as { readonly [partialList]?: unknown })[partialList] === true
