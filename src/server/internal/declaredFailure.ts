/**
 * The declared failure an `isError` tool result carries: the failure as its `failure` schema
 * encodes it (`{ "_tag": "Busy", "retryAfter": 1 }`), for a middleware that decides by it
 * (`Retry`). The result's text cannot say it: it is what the model reads, the failure's `message`
 * or what `formatFailure` made of it when there is one, JSON only otherwise, and `structuredContent`
 * holds it only for a tool without an output schema. A symbol key, enumerable so that a middleware
 * that spreads the result keeps it, and never sent (JSON has no symbol keys). Set only on a
 * declared failure's result: nothing on any other.
 *
 * @internal
 */

/** The key of the mark. */
export const declaredFailure: unique symbol = Symbol.for("effect-mcp-server/declaredFailure")

/** Marks `result` as the answer to the declared failure `encoded` (returns it). */
export const markDeclaredFailure = <A extends object>(result: A, encoded: unknown): A => {
  ;(result as { [declaredFailure]?: unknown })[declaredFailure] = encoded
  return result
}

/**
 * The declared failure `result` answers (see {@link markDeclaredFailure}), and whether it carries
 * one (an encoded failure may be any value, `undefined` too).
 */
export const declaredFailureOf = (result: object): { readonly encoded: unknown } | undefined =>
  Object.hasOwn(result, declaredFailure) ? { encoded: (result as { readonly [declaredFailure]?: unknown })[declaredFailure] } : undefined
