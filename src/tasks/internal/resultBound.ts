/**
 * The bound on what a task's end stores: its outcome (the request's result, or its error), as the
 * supervisor and the 2026-07-28 tasks extension record it in whatever store the server uses (in
 * memory, on Redis, a store of one's own), is not stored when it is over
 * `McpServer.tasks({ maxResultBytes })` bytes of UTF-8 JSON. The task ends `failed`
 * with a -32603 naming the limit instead, which `tasks/result` (2025-11-25) answers and `tasks/get`
 * (2026-07-28) carries, and the server logs a warning. A task whose work made a 500 MB result was
 * stored whole (held in memory, or written to Redis) until its TTL, and sent whole.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { clip } from "../../internal/clip.ts"
import { maxLoggedMessage } from "../../internal/loggedCause.ts"
import { kindOf } from "../../internal/valueKind.ts"
import * as McpError from "../../protocol/McpError.ts"
import type { Outcome } from "../Task.ts"
import type { TaskStore } from "../TaskStore.ts"

/**
 * The default of `maxResultBytes`: 4 MiB. The largest message the Streamable HTTP endpoint takes
 * from a client (`maxBodyBytes`, 4 MiB) bounds a task's stored outcome too, and it is above
 * `SizeLimit`'s default (1 MiB): under that middleware a tool's result over its limit is replaced
 * by its `isError` result before it is stored, so at the defaults this bound only stops what no
 * middleware limits.
 */
export const defaultMaxResultBytes = 4 * 1024 * 1024

/** The limit's name, as the error's `data.limit` and its message say it. */
const limitName = "maxResultBytes"

/**
 * `store.finish` (called on the store: a store written as a class keeps its `this`) recording, in
 * place of an outcome over `maxBytes` bytes of UTF-8 JSON, the task `failed` with {@link tooLarge}'s
 * error, a warning logged; and, in place of one that is not JSON at all (a cycle, a `BigInt`: what
 * `JSON.stringify` throws on), the task `failed` with {@link notJson}'s error, a warning logged, at
 * any bound (`Infinity` too). What the supervisor and the 2026-07-28 tasks extension record a
 * task's end with. Such an outcome was left to the store: the Redis store's `finish` died on it
 * (the supervisor does not retry a defect), the task's lease lapsed and another replica took it
 * over (ran it again, or failed it); the in-memory store kept it, which no transport could send.
 */
export const boundedFinish = (
  store: TaskStore["Service"],
  maxBytes: number = defaultMaxResultBytes
): TaskStore["Service"]["finish"] => {
  // An outcome recorded again (the store failed: `TaskSupervisor.recordAgain`, every 5 s for up to
  // 15 minutes) is measured, and warned of, once: by the outcome object, which the retries pass
  // again (what kept it from being stored, or `null` when it is stored). Each retry serialised a
  // result over the bound anew.
  const measured = new WeakMap<Outcome, number | string | null>()
  // Measured as it is called, as the store's `finish` is called (its callers make the effect where
  // it runs): no `Effect.suspend` per task end.
  return (taskId, status, outcome, statusMessage) => {
    const known = measured.get(outcome)
    const verdict = known === undefined ? measure(outcome, maxBytes) : known === null ? undefined : known
    if (known === undefined) measured.set(outcome, verdict ?? null)
    if (verdict === undefined) return store.finish(taskId, status, outcome, statusMessage)
    const what = outcome._tag === "Result" ? "result" : "error"
    const error = typeof verdict === "string" ? notJson(verdict) : tooLarge(verdict, maxBytes)
    if (known !== undefined) return store.finish(taskId, "failed", { _tag: "Error", error }, error.message)
    return Effect.andThen(
      Effect.logWarning(
        typeof verdict === "string"
          ? `effect-mcp-server: the ${what} of task ${taskId} is not JSON (${verdict}): the task is recorded failed without it`
          : `effect-mcp-server: the ${what} of task ${taskId} is ${
            verdict === Number.POSITIVE_INFINITY ? "too large to serialize" : `${verdict} bytes`
          }, over the task limit of ${maxBytes} bytes (McpServer.tasks ${limitName}): the task is recorded failed without it`
      ),
      store.finish(taskId, "failed", { _tag: "Error", error }, error.message)
    )
  }
}

/**
 * What keeps an outcome (what a client would read: the result, or the error object) from being
 * stored: its size when over `maxBytes`; the message of what `JSON.stringify` threw when it is not
 * JSON (a cycle, a `BigInt`, nesting that overflows the stack); `undefined` when it is stored. Most
 * outcomes are far below the bound: a walk that adds up the most their JSON can take
 * ({@link mostBytes}) tells them apart without serializing them (one `JSON.stringify` more per
 * task was half the cost of recording its end, measured). Only one that may be over, or that the
 * walk cannot tell (a cycle or a `BigInt` among them), is serialized. One too long for a
 * JavaScript string (V8's `RangeError: Invalid string length`) is `Infinity`. With no bound
 * (`Infinity`), the walk goes through the whole outcome (it stops at nothing), and tells only
 * what it cannot measure.
 */
const measure = (outcome: Outcome, maxBytes: number): number | string | undefined => {
  const value = outcome._tag === "Result" ? outcome.result : outcome.error
  const most = mostBytes(value, maxBytes, 0)
  // `Infinity` is what the walk could not measure, not a size within an unbounded limit.
  if (most <= maxBytes && most !== Number.POSITIVE_INFINITY) return undefined
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    if (error instanceof RangeError && /string length/i.test(error.message)) {
      return maxBytes === Number.POSITIVE_INFINITY ? undefined : Number.POSITIVE_INFINITY
    }
    return thrownMessage(error)
  }
  if (json === undefined || maxBytes === Number.POSITIVE_INFINITY) return undefined
  // Counted exactly (the error names the size): the JSON has no lone surrogate (it escapes them),
  // so its UTF-8 is what a store writes and a client reads.
  const size = Buffer.byteLength(json, "utf8")
  return size > maxBytes ? size : undefined
}

/**
 * What a serialization threw, said in the error's message: its `message`, or the thrown value as a
 * string, clipped to {@link maxLoggedMessage}; its kind when neither can be read (a `toJSON` that
 * threw `Object.create(null)`, whose `String` throws: `boundedFinish` itself threw, a defect of the
 * task's end).
 */
const thrownMessage = (thrown: unknown): string => {
  try {
    const message = thrown instanceof Error ? thrown.message : String(thrown)
    if (typeof message === "string") return clip(message, maxLoggedMessage)
  } catch {
    // Unreadable: its kind below.
  }
  try {
    return `threw ${kindOf(thrown)}`
  } catch {
    return "threw a value that cannot be described"
  }
}

/**
 * The longest JSON of a number: 25 characters, a negative one of magnitude in [1e-6, 1e-5) and 17
 * digits, written without an exponent (`-0.0000012345678901234567`); with one, at most 24
 * (`-2.2250738585072014e-308`).
 */
const mostNumberBytes = 25

/** How deep {@link mostBytes} walks; deeper, the outcome is serialized to be measured. */
const maxWalkDepth = 32

/**
 * The most bytes the UTF-8 JSON of `value` can take (each character of a string as an escape,
 * six bytes; a number as {@link mostNumberBytes}), or `Infinity` once that is over `budget`, or for
 * what it cannot tell without serializing (a `toJSON`, a `BigInt`, a boxed primitive or `BigInt`, nesting deeper
 * than {@link maxWalkDepth}, properties that cannot be read).
 */
const mostBytes = (value: unknown, budget: number, depth: number): number => {
  switch (typeof value) {
    case "string":
      return 2 + 6 * value.length
    case "number":
      return mostNumberBytes
    case "boolean":
    case "undefined":
    case "function":
    case "symbol":
      return 5
    case "bigint":
      return Number.POSITIVE_INFINITY
  }
  if (value === null) return 4
  if (depth >= maxWalkDepth) return Number.POSITIVE_INFINITY
  try {
    if (typeof (value as { readonly toJSON?: unknown }).toJSON === "function") return Number.POSITIVE_INFINITY
    let total = 2
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        total += 1 + mostBytes(value[i], budget - total, depth + 1)
        if (total > budget) return Number.POSITIVE_INFINITY
      }
      return total
    }
    // A boxed primitive is written as its value (`new Number(-0.5)` as `-0.5`), not as the object
    // its keys make: serialized to be measured (as rare in a result as a `toJSON`). A boxed
    // `BigInt` (`Object(1n)`) is no JSON at all (`JSON.stringify` throws on it as on a `BigInt`).
    if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
      return Number.POSITIVE_INFINITY
    }
    const keys = Object.keys(value as object)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      total += 4 + 6 * key.length + mostBytes((value as { readonly [key: string]: unknown })[key], budget - total, depth + 1)
      if (total > budget) return Number.POSITIVE_INFINITY
    }
    return total
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/**
 * The most bytes the UTF-8 JSON of `value` can take, measured as a task's outcome is (see
 * `mostBytes`: each character of a string as six): `Infinity` once that is over `budget`, or for
 * what cannot be told without serializing. What bounds the answers a task of the tasks extension
 * keeps for the runs of its work (`server/internal/taskExtension.ts`).
 */
export const mostJsonBytes = (value: unknown, budget: number): number => mostBytes(value, budget, 0)

/**
 * The error a task whose outcome is not JSON ends with: -32603 (what its work made cannot be sent:
 * no fault of the client's), with what `JSON.stringify` said.
 */
const notJson = (why: string): McpError.ErrorObject => ({
  code: McpError.ErrorCode.InternalError,
  message: `Task result is not JSON: ${why}`
})

/**
 * The error a task over the bound ends with: -32603 (the server could not keep what its work
 * made: no fault of the client's), naming the limit, with `data: { limit, max, size }` (`size`
 * absent when it could not be serialized at all).
 */
const tooLarge = (size: number, maxBytes: number): McpError.ErrorObject => {
  const finite = size !== Number.POSITIVE_INFINITY
  return {
    code: McpError.ErrorCode.InternalError,
    message: `Task result too large: ${finite ? `${size} bytes` : "too large to serialize"}, over the limit of ${maxBytes} bytes (${limitName}); not kept`,
    data: finite ? { limit: limitName, max: maxBytes, size } : { limit: limitName, max: maxBytes }
  }
}
