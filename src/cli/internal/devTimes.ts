/**
 * `effect-mcp dev`'s times, in one place: their defaults, which `Dev.run` uses unless told
 * otherwise (`holdTimeout`, `startNotice`; `MCP_DEV_HOLD_MILLIS`, `MCP_DEV_START_NOTICE_MILLIS`)
 * and `dev --help` names (`Cli.ts`, which loads this module, not `Dev.ts`, to parse); the rule a
 * time given either way follows ({@link fromInput}, {@link fromText}); and how dev says one
 * ({@link said}).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import { clip } from "../../internal/clip.ts"

/** How long a connection is held while no server accepts (a restart), before it is closed. */
export const holdMillis = 30_000

/** How long a server may take to start listening before dev says so (and goes on waiting for it). */
export const startNoticeMillis = 10_000

/**
 * What a time of dev's must be: a held connection's timer and a start's notice need a time that
 * ends (an infinite one never closes, or never says), and that is not over at once (0, a negative
 * time or `NaN` closed every held connection as it came).
 */
export const rule = "a whole number of milliseconds from 1"

/** A time in milliseconds, or why it breaks the {@link rule} (the value shown). */
export type Checked = { readonly millis: number } | { readonly problem: string }

/** `millis` as it follows the {@link rule}, or its problem (`got` shows the value given). */
const checked = (millis: number, got: string): Checked =>
  Number.isSafeInteger(millis) && millis >= 1 ? { millis } : { problem: `must be ${rule}, got ${got}` }

/** A time given in code (`Dev.run`'s options): any `Duration.Input`, in milliseconds, checked. */
export const fromInput = (input: Duration.Input): Checked => {
  const duration = Duration.fromInput(input)
  if (duration._tag === "None") return { problem: `must be ${rule}, got ${shown(input)}, which is no duration` }
  // A number is milliseconds as given: a Duration of `NaN` ms is 0.
  const millis = typeof input === "number" ? input : Duration.toMillis(duration.value)
  return checked(millis, `${millis} ms`)
}

/** A time given as text (an environment variable): digits alone, checked. */
export const fromText = (text: string): Checked => {
  const trimmed = text.trim()
  return checked(/^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN, JSON.stringify(clip(text)))
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
