/**
 * What kind of value untyped code gave where a typed one was expected, for the message that says
 * so (a handler succeeding with `undefined`, a number, a `Date`...). Shared by the tool, prompt,
 * resource and completion results, and (for values parsed from JSON) the protocol's -32602s.
 *
 * @internal
 */

/** `undefined`, `null`, `an array`, `an object ([object Date])`, `a number`, ... */
export const kindOf = (value: unknown): string =>
  value === undefined || value === null
    ? String(value)
    : Array.isArray(value)
    ? "an array"
    : typeof value === "object"
    ? `an object (${Object.prototype.toString.call(value)})`
    : `a ${typeof value}`

/**
 * The same for a value parsed from JSON (no class to name: an object is `an object`): `null`,
 * `an array`, `an object`, `a number`, ...
 */
export const jsonKindOf = (value: unknown): string =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? "an object" : kindOf(value)
