/**
 * The checks of the built-in middlewares' options that are not numbers (the numbers have the
 * shared check of `internal/options.ts`), made when a middleware is made: for values no type
 * checked (JavaScript, options read from configuration, `as` casts, a policy object written by
 * hand). Each such value went through unseen and broke later, far from where it was given, or
 * silently did something else: `methods: "tools/call"` (a string) limited, retried or measured
 * the methods named by its characters (none); a misspelt log level logged nothing.
 *
 * A value not what its option takes is a `TypeError`, `<who>: <option> must be <what it takes>,
 * not <what it is>` (the form of the server's option checks).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import { checkBoolean, notWhat } from "../../../internal/optionChecks.ts"

export { checkBoolean, notWhat }

/** An optional function option. */
export const checkFunction = (who: string, option: string, value: unknown): void => {
  if (value !== undefined && typeof value !== "function") throw notWhat(who, option, "a function", value)
}

/** An optional string option. */
export const checkString = (who: string, option: string, value: unknown): void => {
  if (value !== undefined && typeof value !== "string") throw notWhat(who, option, "a string", value)
}

/** An optional option that is one of `allowed` (strings, shown quoted in the message). */
export const checkOneOf = (who: string, option: string, value: unknown, allowed: ReadonlyArray<string>): void => {
  if (value !== undefined && !(typeof value === "string" && allowed.includes(value))) {
    throw notWhat(who, option, `one of ${allowed.map((name) => JSON.stringify(name)).join(", ")}`, value)
  }
}

/**
 * An optional array of strings (request methods, tool names). A string alone is refused: iterated,
 * it named its characters.
 */
export const checkStrings = (who: string, option: string, value: unknown): void => {
  if (value === undefined) return
  if (!Array.isArray(value)) throw notWhat(who, option, "an array of strings", value)
  value.forEach((item: unknown, i) => {
    if (typeof item !== "string") throw notWhat(who, `${option}[${i}]`, "a string", item)
  })
}

/**
 * A duration option as a `Duration`: what `Duration.fromInputUnsafe` takes. What it does not
 * (`"ten seconds"`, `undefined` where a duration is required) is a `TypeError` naming the option;
 * its own error said only `Invalid Input: ten seconds`.
 */
export const durationOf = (who: string, option: string, input: unknown): Duration.Duration => {
  try {
    return Duration.fromInputUnsafe(input as Duration.Input)
  } catch {
    throw notWhat(who, option, `a duration ("30 seconds", a number of milliseconds, a Duration)`, input)
  }
}
