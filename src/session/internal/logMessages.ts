/**
 * `notifications/message`: the order of log levels (a client's `logging/setLevel` minimum, a
 * 2026-07-28 request's `logLevel`), what a log call must give (a level MCP has, a string logger),
 * and the params of a log message.
 *
 * @internal
 */
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import type { LoggingLevel } from "../../protocol/McpSchema.ts"
import { clip } from "../../internal/clip.ts"
import { kindOf } from "../../internal/valueKind.ts"

/** Each level's rank: a message is sent when its rank is at least the minimum's. */
export const logLevels: Record<LoggingLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7
}

/** The levels by name, for untyped input (a Map: `toString` and `constructor` are no levels). */
const ranks: ReadonlyMap<unknown, number> = new Map(Object.entries(logLevels))

/**
 * The defect of a log call whose level is not one of MCP's (`"warn"`, `"WARNING"`, `4`: untyped
 * code) or whose logger is not a string, else `undefined`. Such a message is one no client takes
 * (2025-11-25 clients refuse it) and no 2026-07-28 request's minimum can be compared with: the
 * handler learns of its mistake whatever the client asked for, rather than its logs vanishing.
 */
export const invalidLog = (level: unknown, logger: unknown): TypeError | undefined =>
  !ranks.has(level)
    ? new TypeError(
      `Logging to the client: the level must be one of ${Object.keys(logLevels).join(", ")}, got ${
        typeof level === "string" ? JSON.stringify(clip(level)) : kindOf(level)
      }`
    )
    : logger !== undefined && typeof logger !== "string"
    ? new TypeError(`Logging to the client: the logger must be a string, got ${kindOf(logger)}`)
    : undefined

/**
 * An Error as log data: its name and message (and its own enumerable fields), as Effect's
 * structured logs have it (`JSON.stringify` writes a plain Error as `{}`); one that says how it
 * is written (`toJSON`), and any other value, as it is.
 */
export const errorAsData = (value: unknown): unknown =>
  value instanceof Error && !("toJSON" in value) ? { ...value, name: value.name, message: value.message } : value

/** How many values (fields, items) of a log's data are looked through for Errors: see {@link errorsAsData}. */
const maxLookedAt = 1_000

/** What {@link errorsAsData} may still look at (one log at a time: it is synchronous). */
let lookable = 0

/**
 * A log's data with every Error in it (the whole of it, a field, an array's item, at any depth)
 * as {@link errorAsData} has it: `JSON.stringify` writes an Error as `{}`, so `{ error }` reached
 * clients as `{"error":{}}`. Copied only along the path to an Error: data holding none is
 * returned as it is, having been looked through once. Bounded: past {@link maxLookedAt} values
 * the rest goes as it is (a huge payload is not walked per log); a value that says how it is
 * written (`toJSON`: a Date) and a typed array are not looked into; one that throws as it is read
 * (a getter, a Proxy) leaves the data as it is, for `JsonRpc.stringify` to make JSON.
 *
 * @internal
 */
export const errorsAsData = (data: object): unknown => {
  lookable = maxLookedAt
  try {
    return lookThrough(data)
  } catch {
    return data
  }
}

const lookThrough = (value: object): object => {
  if (Array.isArray(value)) {
    let copy: Array<unknown> | undefined
    for (let i = 0; i < value.length && lookable-- > 0; i++) {
      const item: unknown = value[i]
      if (typeof item !== "object" || item === null) continue
      const made = lookThrough(item)
      if (made !== item) (copy ??= value.slice())[i] = made
    }
    return copy ?? value
  }
  // In this order, the cheapest first: the walk is paid by every log whose data is an object.
  if ("toJSON" in value) return value
  if (value instanceof Error) return fieldsAsData(errorAsData(value) as Record<string, unknown>)
  if (ArrayBuffer.isView(value)) return value
  let copy: Record<string, unknown> | undefined
  for (const key in value) {
    if (lookable-- <= 0) break
    const field: unknown = (value as Record<string, unknown>)[key]
    if (typeof field !== "object" || field === null) continue
    const made = lookThrough(field)
    // An inherited field is not written (`JSON.stringify` writes own ones): asked only on the way to an Error.
    if (made !== field && Object.hasOwn(value, key)) (copy ??= { ...value })[key] = made
  }
  return copy ?? value
}

/** An Error's fields (already a copy: {@link errorAsData}) with the Errors among them made data. */
const fieldsAsData = (fields: Record<string, unknown>): object => {
  for (const key in fields) {
    if (lookable-- <= 0) break
    const field = fields[key]
    if (typeof field === "object" && field !== null) fields[key] = lookThrough(field)
  }
  return fields
}

/**
 * The params of a `notifications/message`. `data` is required: a value JSON has no form for
 * (`undefined`, a function, a symbol; `Effect.log(undefined)`) is sent as `null`, as
 * `JSON.stringify` writes it in an array (as a property it would be left out, and clients refuse
 * the message); an Error in it, whole or nested, as {@link errorsAsData} has it. (Data
 * `JSON.stringify` rejects, a BigInt or a cycle, is made JSON as the message is sent: see
 * `JsonRpc.stringify`.)
 */
export const logParams = (level: LoggingLevel, data: unknown, logger: string | undefined, meta: JsonRpc.Params | undefined) => {
  if (data === undefined || typeof data === "function" || typeof data === "symbol") data = null
  else if (typeof data === "object" && data !== null) data = errorsAsData(data)
  const params: Record<string, unknown> = logger === undefined ? { level, data } : { level, logger, data }
  if (meta !== undefined) params._meta = meta
  return params
}
