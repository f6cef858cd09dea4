/**
 * `Logger.make` and `Logger.layer` without loading `effect/Logger`.
 *
 * `effect/Logger` imports `effect/FileSystem` (for its file logger), which imports
 * `effect/Stream`, `Sink` and `Channel`: loading them is about 20 ms of an installed stdio server's
 * start (measured in the note of issue 9), for one constructor. A logger is an object with a
 * `log` method on Effect's logger prototype; the prototype is taken from the runtime's own default
 * logger (the default of `References.CurrentLoggers`), so what {@link makeLogger} makes is what
 * `Logger.make` makes (test/internal/logger.test.ts checks it).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Logger from "effect/Logger"
import * as References from "effect/References"

let loggerProto: object | undefined

/** As `Logger.make`. */
export const makeLogger = <Message, Output>(
  log: (options: Logger.Options<Message>) => Output
): Logger.Logger<Message, Output> => {
  if (loggerProto === undefined) {
    const [runtimeLogger] = Context.get(Context.empty(), References.CurrentLoggers)
    loggerProto = Object.getPrototypeOf(runtimeLogger) as object
  }
  const self = Object.create(loggerProto) as { log: typeof log }
  self.log = log
  return self as unknown as Logger.Logger<Message, Output>
}

/** As `Logger.layer(loggers, { mergeWithExisting: true })`: the current loggers and these (a fresh Set per build). */
export const withLoggers = (loggers: ReadonlyArray<Logger.Logger<unknown, unknown>>): Layer.Layer<never> =>
  Layer.effect(References.CurrentLoggers, Effect.map(References.CurrentLoggers, (current) => new Set([...current, ...loggers])))
