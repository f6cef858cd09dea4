/**
 * Whether a value read from the response cache's store has the shape of the answer its method
 * gives, before it is served. The store is shared (Redis): an entry may have been written by
 * another program under the same prefix, an older or newer version of this one, a hand edit, or
 * be cut or corrupted. Served, an object of the wrong shape became the answer: an SDK client that
 * validates answers drops it (its call waits or fails), one that does not shows garbage, and the
 * projection to an older version may throw on it (-32603 for every call with that key until the
 * entry expired).
 *
 * A few property checks, not a Schema decode: each method's list is an array of objects with the
 * string that identifies each item (what clients and the projection read first; a tool's
 * `inputSchema` an object, a prompt message's `content` a block with a `type`), `nextCursor` a
 * string when present, a call's `isError` a boolean when present, `_meta` an object when present.
 * Every answer the cache stores passes (it was encoded by the server); what a check leaves
 * unexamined (a content block's other fields, a tool's schemas) only another program writing
 * well-formed but wrong answers under the same key could fool, which no check can tell apart.
 *
 * @internal
 */

type Entry = { readonly [key: string]: unknown }

const isObject = (value: unknown): value is Entry => typeof value === "object" && value !== null && !Array.isArray(value)

/** An array whose items are all objects holding a string under each of `keys`. */
const arrayOf = (value: unknown, keys: ReadonlyArray<string>): boolean => {
  if (!Array.isArray(value)) return false
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i]
    if (!isObject(item)) return false
    for (let k = 0; k < keys.length; k++) if (typeof item[keys[k]!] !== "string") return false
  }
  return true
}

const optionalString = (value: unknown): boolean => value === undefined || typeof value === "string"
const optionalObject = (value: unknown): boolean => value === undefined || isObject(value)

/** A paginated list: `field` an array of objects with `keys`, `nextCursor` a string if present. */
const list = (field: string, keys: ReadonlyArray<string>) => (entry: Entry): boolean =>
  arrayOf(entry[field], keys) && optionalString(entry.nextCursor)

const toolList = list("tools", ["name"])

const checks = {
  "tools/list": (entry: Entry): boolean => {
    if (!toolList(entry)) return false
    for (const tool of entry.tools as ReadonlyArray<Entry>) if (!isObject(tool.inputSchema)) return false
    return true
  },
  "tools/call": (entry: Entry): boolean =>
    arrayOf(entry.content, ["type"]) && (entry.isError === undefined || typeof entry.isError === "boolean"),
  "resources/list": list("resources", ["uri", "name"]),
  "resources/templates/list": list("resourceTemplates", ["uriTemplate", "name"]),
  "resources/read": (entry: Entry): boolean => arrayOf(entry.contents, ["uri"]),
  "prompts/list": list("prompts", ["name"]),
  "prompts/get": (entry: Entry): boolean => {
    if (!arrayOf(entry.messages, ["role"])) return false
    for (const message of entry.messages as ReadonlyArray<Entry>) {
      if (!isObject(message.content) || typeof message.content.type !== "string") return false
    }
    return true
  }
} as const

/** The methods whose answers are checked (those the cache answers). */
export type CachedMethod = keyof typeof checks

/** Whether `value`, read from the store under a key of `method`, is an answer of that method. */
export const isCachedAnswer = (method: CachedMethod, value: unknown): boolean =>
  isObject(value) && optionalObject(value._meta) && checks[method](value)
