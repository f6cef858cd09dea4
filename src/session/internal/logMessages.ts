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

/**
 * The params of a `notifications/message`. `data` is required: a value JSON has no form for
 * (`undefined`, a function, a symbol; `Effect.log(undefined)`) is sent as `null`, as
 * `JSON.stringify` writes it in an array (as a property it would be left out, and clients refuse
 * the message); an Error as {@link errorAsData} has it. (Data `JSON.stringify` rejects, a BigInt
 * or a cycle, is made JSON as the message is sent: see `JsonRpc.stringify`.)
 */
export const logParams = (level: LoggingLevel, data: unknown, logger: string | undefined, meta: JsonRpc.Params | undefined) => {
  if (data === undefined || typeof data === "function" || typeof data === "symbol") data = null
  else if (typeof data === "object") data = errorAsData(data)
  const params: Record<string, unknown> = logger === undefined ? { level, data } : { level, logger, data }
  if (meta !== undefined) params._meta = meta
  return params
}
