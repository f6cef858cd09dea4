/**
 * The checks of numeric options, shared by every part of the package that takes them (sessions,
 * transports, stores, middleware, verifiers), so that the rules and the messages are the same
 * everywhere: a value out of range is a `RangeError`, `<who>: <name> must be <rule>, got <value>`,
 * thrown where the options are given (a Layer or a listener being made), not when they are used.
 *
 * Why at all: an option of `NaN` (`Number(process.env.X)` of a variable that does not parse)
 * compares false with everything, so it silently lifts a limit or makes a bound of nothing; 0 or
 * less makes a timer fire at once or a limit refuse everything; a fraction where a count is meant
 * is rounded by whatever compares with it; and past {@link maxTimerMillis} a Node timer fires
 * after 1 ms (with only a warning). `Infinity` passes where it means "no limit" or "never".
 *
 * @internal
 */

/** The longest delay a Node timer takes (about 24.8 days): a longer one fires at once, with a warning. */
export const maxTimerMillis = 2 ** 31 - 1

/** What a numeric option must be: the test, and the words the message says it with. */
export interface Rule {
  readonly holds: (value: number) => boolean
  readonly text: string
}

const isInteger = (value: number, min: number) => Number.isSafeInteger(value) && value >= min

/** A whole number >= `min` (a count, a size in bytes). */
export const integer = (min: number): Rule => ({ text: `an integer >= ${min}`, holds: (value) => isInteger(value, min) })

/** A limit: a whole number >= `min`, or `Infinity`: no limit. */
export const limit = (min: number): Rule => ({
  text: `an integer >= ${min} or Infinity`,
  holds: (value) => value === Number.POSITIVE_INFINITY || isInteger(value, min)
})

/** A time for an Effect timer (which takes any length): a number > 0; `Infinity`: never. */
export const millis: Rule = { text: "a number > 0 (milliseconds)", holds: (value) => value > 0 }

/** A time for an Effect timer, or 0 (the option says what 0 means: off, at once); `Infinity`: never. */
export const millisOrZero: Rule = { text: "a number >= 0 (milliseconds)", holds: (value) => value >= 0 }

/** A finite time > 0 (one that is done or compared with the clock, not waited for). */
export const finiteMillis: Rule = {
  text: "a finite number > 0 (milliseconds)",
  holds: (value) => Number.isFinite(value) && value > 0
}

/** A finite time >= 0. */
export const finiteMillisOrZero: Rule = {
  text: "a finite number >= 0 (milliseconds)",
  holds: (value) => Number.isFinite(value) && value >= 0
}

/** A time for a Node timer (`setTimeout`): a number > 0 and at most {@link maxTimerMillis}. */
export const timerMillis: Rule = {
  text: `a number > 0 and at most ${maxTimerMillis} (milliseconds)`,
  holds: (value) => value > 0 && value <= maxTimerMillis
}

/** A time for a Node timer that may be 0 (at once): a number >= 0 and at most {@link maxTimerMillis}. */
export const timerMillisOrZero: Rule = {
  text: `a number >= 0 and at most ${maxTimerMillis} (milliseconds)`,
  holds: (value) => value >= 0 && value <= maxTimerMillis
}

/**
 * The error of an option out of range (also for a check of one's own: a duration, say); `shown`
 * is the value as the message shows it.
 */
export const outOfRange = (who: string, name: string, text: string, shown: string): RangeError =>
  new RangeError(`${who}: ${name} must be ${text}, got ${shown}`)

/**
 * Throws {@link outOfRange} unless `value` is a number that keeps `rule`; `undefined` (the
 * default) passes. `who` names what takes the option (`StreamableHttp.make`), `name` the option.
 */
export const check = (who: string, name: string, value: unknown, rule: Rule): void => {
  if (value !== undefined && !(typeof value === "number" && rule.holds(value))) {
    // A string (an environment variable passed as is) is quoted: "1000" is not 1000.
    throw outOfRange(who, name, rule.text, typeof value === "string" ? JSON.stringify(value) : String(value))
  }
}

/**
 * Checks each option `rules` names (see {@link check}); `options` may be `undefined`. `prefix` goes
 * before each name in the message (`session.` for options nested under `session`).
 */
export const checkAll = <O extends object>(
  who: string,
  options: O | undefined,
  rules: { readonly [K in keyof O]?: Rule },
  prefix = ""
): void => {
  if (options === undefined) return
  for (const name of Object.keys(rules) as Array<keyof O & string>) check(who, prefix + name, options[name], rules[name]!)
}
