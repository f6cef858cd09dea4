/**
 * Canonical JSON: one text per value, whatever the order of its object keys.
 *
 * @internal
 */

/** Text {@link canonicalJson} writes as it is (brackets, commas, keys), beside the values it walks. */
class Verbatim {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}
const comma = new Verbatim(",")

/** The end of an array or object {@link canonicalJson} is inside of: written, it leaves it. */
class Close extends Verbatim {
  readonly value: object
  constructor(text: string, value: object) {
    super(text)
    this.value = value
  }
}

/**
 * JSON with object keys sorted: the same value always gives the same text (the digest a sealed
 * MRTR state is bound to, the response cache's keys). Iterative (a stack of what is left to
 * write), so that a value nested thousands of levels deep gets its text, not a stack overflow:
 * `[a,b]`, `{"k":v}` with keys sorted, `JSON.stringify` of anything else, `null` for what it
 * cannot write (`undefined`); keys whose value is `undefined` are written as `null`, or left out
 * with `omitUndefined` (as `JSON.stringify` leaves them out).
 */
export const canonicalJson = (root: unknown, omitUndefined = false): string => {
  const parts: Array<string> = []
  const todo: Array<unknown> = [root]
  // The arrays and objects being written: one met again inside itself is a cycle (an in-process
  // client can send one), refused as `JSON.stringify` refuses it, instead of written for ever.
  const open = new Set<object>()
  const enter = (value: object) => {
    if (open.has(value)) throw new TypeError("Converting circular structure to canonical JSON")
    open.add(value)
  }
  while (todo.length > 0) {
    const next = todo.pop()
    if (next instanceof Verbatim) {
      parts.push(next.text)
      if (next instanceof Close) open.delete(next.value)
    } else if (Array.isArray(next)) {
      enter(next)
      parts.push("[")
      todo.push(new Close("]", next))
      for (let i = next.length - 1; i >= 0; i--) {
        todo.push(next[i])
        if (i > 0) todo.push(comma)
      }
    } else if (typeof next === "object" && next !== null) {
      enter(next)
      parts.push("{")
      todo.push(new Close("}", next))
      const keys = omitUndefined
        ? Object.keys(next).filter((key) => (next as Record<string, unknown>)[key] !== undefined).sort()
        : Object.keys(next).sort()
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push((next as Record<string, unknown>)[keys[i]!])
        todo.push(new Verbatim(`${i > 0 ? "," : ""}${JSON.stringify(keys[i])}:`))
      }
    } else {
      parts.push(JSON.stringify(next) ?? "null")
    }
  }
  return parts.join("")
}
