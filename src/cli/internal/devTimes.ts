/**
 * `effect-mcp dev`'s times, in one place: their defaults, which `Dev.run` uses unless told
 * otherwise (`holdTimeout`, `startNotice`, `shutdownTimeout`, `debounce`; `MCP_DEV_HOLD_MILLIS`,
 * `MCP_DEV_START_NOTICE_MILLIS`) and `dev --help` names (`Cli.ts`, which loads this module, not `Dev.ts`, to parse); the rule a
 * time given either way follows ({@link fromInput}, {@link fromText}), and those of `Dev.run`'s
 * other times ({@link rules}); and how dev says one ({@link said}).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import { clip } from "../../internal/clip.ts"
import * as NumericOptions from "../../internal/options.ts"

/** How long a connection is held while no server accepts (a restart), before it is closed. */
export const holdMillis = 30_000

/** How long a server may take to start listening before dev says so (and goes on waiting for it). */
export const startNoticeMillis = 10_000

/** How long a draining server may take before it is killed (`Dev.run`'s `shutdownTimeout`). */
export const shutdownMillis = 30_000

/** The quiet time after a change before a restart (`Dev.run`'s `debounce`). */
export const debounceMillis = 150

/**
 * What a time of dev's must be: a held connection's timer and a start's notice need a time that
 * ends (an infinite one never closes, or never says), and that is not over at once (0, a negative
 * time or `NaN` closed every held connection as it came).
 */
export const rule = "a whole number of milliseconds from 1"

/** The {@link rule}, as a rule of the package's numeric options. */
const wholeMillis: NumericOptions.Rule = { text: rule, holds: (millis) => Number.isSafeInteger(millis) && millis >= 1 }

/**
 * The rule of each time `Dev.run` takes in code. The hold and the start's notice follow their
 * variables' ({@link rule}). The other two follow the package's rules for such times: a shutdown
 * of 0 kills the draining server at once and an infinite one waits for its drain, as a session's
 * `shutdownTimeoutMillis`; a debounce of 0 restarts at the change, and an infinite one would never
 * restart. Below 0, `NaN` or no duration at all: none (a shutdown time of `NaN` or below 0 killed
 * every server at its restart, undrained).
 */
export const rules = {
  holdTimeout: wholeMillis,
  startNotice: wholeMillis,
  shutdownTimeout: NumericOptions.millisOrZero,
  debounce: NumericOptions.finiteMillisOrZero
} as const

/** A time in milliseconds, or why it breaks its rule (the value shown). */
export type Checked = { readonly millis: number } | { readonly problem: string }

/** `millis` as it follows `rule`, or its problem (`got` shows the value given). */
const checked = (millis: number, got: string, rule: NumericOptions.Rule): Checked =>
  rule.holds(millis) ? { millis } : { problem: `must be ${rule.text}, got ${got}` }

/**
 * A time given in code (`Dev.run`'s options): any `Duration.Input`, in milliseconds, checked by
 * `rule` (by default the {@link rule} of dev's variables).
 */
export const fromInput = (input: Duration.Input, rule: NumericOptions.Rule = wholeMillis): Checked => {
  const duration = Duration.fromInput(input)
  if (duration._tag === "None") return { problem: `must be ${rule.text}, got ${shown(input)}, which is no duration` }
  // A number is milliseconds as given: a Duration of `NaN` ms is 0.
  const millis = typeof input === "number" ? input : Duration.toMillis(duration.value)
  return checked(millis, `${millis} ms`, rule)
}

/** A time given as text (an environment variable): digits alone, checked. */
export const fromText = (text: string): Checked => {
  const trimmed = text.trim()
  return checked(/^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN, JSON.stringify(clip(text)), wholeMillis)
}

/**
 * `millis` as dev says it: below a second in milliseconds (`20 ms`), else in seconds, whole
 * (`30 s`) or to the tenth (`3.5 s`).
 */
export const said = (millis: number): string => {
  const whole = Math.round(millis)
  return whole < 1_000 ? `${whole} ms` : `${Math.round(millis / 100) / 10} s`
}

/** A value that is no `Duration.Input`, as a message shows it. */
const shown = (input: unknown): string =>
  typeof input === "string" ? JSON.stringify(clip(input)) : typeof input === "object" && input !== null ? "an object" : String(input)
