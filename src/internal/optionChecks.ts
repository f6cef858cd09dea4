/**
 * The message of an option that is not what it takes, shared by the server's option checks
 * (`server/internal/serverOptions.ts`) and the built-in middlewares' (`middleware/builtin/
 * internal/config.ts`): a `TypeError`, `<who>: <option> must be <what it takes>, not <what it is>`,
 * thrown where the options are given. The numbers have their own check (`options.ts`: a
 * `RangeError`).
 *
 * @internal
 */
import { clip } from "./clip.ts"
import { kindOf } from "./valueKind.ts"

/** A value as a message shows it: a string quoted (clipped), a number as it is, anything else by its kind. */
export const shownValue = (value: unknown): string =>
  typeof value === "string" ? JSON.stringify(clip(value, 64)) : typeof value === "number" ? String(value) : kindOf(value)

/** The error for `option` of `who` that is not `expected`, the value shown by `show`. */
export const notWhat = (
  who: string,
  option: string,
  expected: string,
  value: unknown,
  show: (value: unknown) => string = shownValue
): TypeError => new TypeError(`${who}: ${option} must be ${expected}, not ${show(value)}`)

/** An optional boolean option. */
export const checkBoolean = (who: string, option: string, value: unknown, show?: (value: unknown) => string): void => {
  if (value !== undefined && typeof value !== "boolean") throw notWhat(who, option, "true or false", value, show)
}
