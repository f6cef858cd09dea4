/**
 * `notifications/message`: the order of log levels (a client's `logging/setLevel` minimum, a
 * 2026-07-28 request's `logLevel`), and the params of a log message.
 *
 * @internal
 */
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import type { LoggingLevel } from "../../protocol/McpSchema.ts"

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

/** The params of a `notifications/message`. */
export const logParams = (level: LoggingLevel, data: unknown, logger: string | undefined, meta: JsonRpc.Params | undefined) => {
  const params: Record<string, unknown> = logger === undefined ? { level, data } : { level, logger, data }
  if (meta !== undefined) params._meta = meta
  return params
}
