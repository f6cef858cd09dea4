/**
 * The declared failure an `isError` tool result carries: the failure as its `failure` schema
 * encodes it (`{ "_tag": "Busy", "retryAfter": 1 }`), for a middleware that decides by it
 * (`Retry`). The result's text cannot say it: it is what the model reads, the failure's `message`
 * or what `formatFailure` made of it when there is one, JSON only otherwise, and `structuredContent`
 * holds it only for a tool without an output schema.
 *
 * Kept beside the result, by the objects made for it (its `content` array, each of its items, its
 * `structuredContent`): nothing on the result itself, which an in-memory client (messages cross as
 * objects) gets as it is (a symbol key, even one JSON leaves out, was in its result: a deep
 * comparison failed, and it held the failure `formatFailure` kept from the model). A middleware
 * that copies the result (`{ ...result, _meta }`) keeps its `content`; one that adds an item keeps
 * the others; one that rewrites each item (a redaction) keeps its `structuredContent`, when it has
 * one: the mark is found through any of them (by the content array alone, such a middleware hid the
 * failure from `Retry`). In a map shared through `globalThis`, as `Symbol.for` would be: a `Retry`
 * of another copy of the package reads what this copy's tools marked.
 *
 * @internal
 */

const key = Symbol.for("effect-mcp-server/declaredFailures")

/** The declared failures of results, by the objects made for them (see the module's comment). */
const marks: WeakMap<object, unknown> = (globalThis as { [key]?: WeakMap<object, unknown> })[key] ??= new WeakMap()

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null

/**
 * Marks `result` (its `content`, each item, its `structuredContent`: made for it) as the answer to
 * the declared failure `encoded` (returns it).
 */
export const markDeclaredFailure = <A extends { readonly content: ReadonlyArray<object>; readonly structuredContent?: unknown }>(
  result: A,
  encoded: unknown
): A => {
  marks.set(result.content, encoded)
  for (const item of result.content) marks.set(item, encoded)
  if (isObject(result.structuredContent)) marks.set(result.structuredContent, encoded)
  return result
}

/**
 * The declared failure `result` answers (see {@link markDeclaredFailure}), and whether it carries
 * one (an encoded failure may be any value, `undefined` too).
 */
export const declaredFailureOf = (result: object): { readonly encoded: unknown } | undefined => {
  const { content, structuredContent } = result as { readonly content?: unknown; readonly structuredContent?: unknown }
  if (isObject(content)) {
    if (marks.has(content)) return { encoded: marks.get(content) }
    if (Array.isArray(content)) {
      for (const item of content) if (isObject(item) && marks.has(item)) return { encoded: marks.get(item) }
    }
  }
  return isObject(structuredContent) && marks.has(structuredContent) ? { encoded: marks.get(structuredContent) } : undefined
}
