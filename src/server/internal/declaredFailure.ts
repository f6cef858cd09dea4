/**
 * The declared failure an `isError` tool result carries: the failure as its `failure` schema
 * encodes it (`{ "_tag": "Busy", "retryAfter": 1 }`), for a middleware that decides by it
 * (`Retry`). The result's text cannot say it: it is what the model reads, the failure's `message`
 * or what `formatFailure` made of it when there is one, JSON only otherwise, and `structuredContent`
 * holds it only for a tool without an output schema.
 *
 * Kept beside the result, by its `content` array (made for that result): nothing on the result
 * itself, which an in-memory client (messages cross as objects) gets as it is (a symbol key, even
 * one JSON leaves out, was in its result: a deep comparison failed, and it held the failure
 * `formatFailure` kept from the model). A middleware that copies the result (`{ ...result, _meta }`)
 * keeps its `content`, hence the mark; one that makes other content makes another answer, no
 * declared failure's. In a map shared through `globalThis`, as `Symbol.for` would be: a `Retry` of
 * another copy of the package reads what this copy's tools marked.
 *
 * @internal
 */

const key = Symbol.for("effect-mcp-server/declaredFailures")

/** The declared failures of results, by their `content` array. */
const marks: WeakMap<object, unknown> = (globalThis as { [key]?: WeakMap<object, unknown> })[key] ??= new WeakMap()

/** Marks `result` as the answer to the declared failure `encoded` (returns it). */
export const markDeclaredFailure = <A extends { readonly content: object }>(result: A, encoded: unknown): A => {
  marks.set(result.content, encoded)
  return result
}

/**
 * The declared failure `result` answers (see {@link markDeclaredFailure}), and whether it carries
 * one (an encoded failure may be any value, `undefined` too).
 */
export const declaredFailureOf = (result: object): { readonly encoded: unknown } | undefined => {
  const content = (result as { readonly content?: unknown }).content
  return typeof content === "object" && content !== null && marks.has(content) ? { encoded: marks.get(content) } : undefined
}
