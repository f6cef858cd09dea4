/**
 * `Logger.make` and `Logger.layer` without loading `effect/Logger`; and the lowered minimum log
 * level of a handler whose client asked for debug logs, with the server's own loggers gated to
 * show what they showed (`loweredFor`, `withGatedLoggers`).
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
import type * as LogLevel from "effect/LogLevel"
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

// ---------------------------------------------------------------------------
// Debug logs for a client that asked for them
// ---------------------------------------------------------------------------

/**
 * The minimum level a handler's fiber had before it was lowered for its client (see
 * {@link loweredFor}); `undefined` where nothing was lowered. Read by {@link gated} loggers.
 */
const ServerMinimumLogLevel = Context.Reference<LogLevel.LogLevel | undefined>("effect-mcp-server/ServerMinimumLogLevel", {
  defaultValue: () => undefined
})

/**
 * What a handler's minimum is lowered to: "All" rather than "Trace" (what lets every line through
 * too), so that a handler that sets a minimum of its own (`Effect.provideService(References.MinimumLogLevel,
 * "Debug")`, to see its debug lines) is told apart, and its lines are not held back.
 */
const lowered: LogLevel.LogLevel = "All"

/** The ordinals of the levels (as `LogLevel.Order`, without loading `effect/LogLevel`). */
const ordinals: Record<LogLevel.LogLevel, number> = { All: 0, Trace: 1, Debug: 2, Info: 3, Warn: 4, Error: 5, Fatal: 6, None: 7 }

/** The two services that lower a fiber's minimum from `minimum`, made once per level. */
const lowerings = new Map<LogLevel.LogLevel, Context.Context<never>>()

/**
 * `current` with its minimum log level lowered to let every line through, when it held some back:
 * for a handler whose client asked for debug logs, which Effect's minimum (Info by default) would
 * filter before the `Effect.log` bridge sees them. The server's own loggers, {@link gated}, still
 * hold back what `current`'s minimum did.
 */
export const loweredFor = (current: Context.Context<never>): Context.Context<never> => {
  const minimum = Context.get(current, References.MinimumLogLevel)
  if (ordinals[minimum] <= ordinals.Trace) return current
  let lowering = lowerings.get(minimum)
  if (lowering === undefined) {
    lowerings.set(
      minimum,
      lowering = Context.add(Context.make(References.MinimumLogLevel, lowered), ServerMinimumLogLevel, minimum)
    )
  }
  return Context.merge(current, lowering)
}

/** The gated form of each logger (a session's loggers are gated once, whatever the sessions). */
const gates = new WeakMap<Logger.Logger<unknown, unknown>, Logger.Logger<unknown, unknown>>()

/** Loggers never gated: gates themselves, and the loggers for clients (see {@link withGatedLoggers}). */
const ungated = new WeakSet<Logger.Logger<unknown, unknown>>()

/**
 * `logger`, holding back in a fiber lowered by {@link loweredFor} what the fiber's minimum held back
 * before (the server's console shows what it showed); elsewhere, as it is.
 */
export const gated = (logger: Logger.Logger<unknown, unknown>): Logger.Logger<unknown, unknown> => {
  if (ungated.has(logger)) return logger
  let gate = gates.get(logger)
  if (gate === undefined) {
    gates.set(
      logger,
      gate = makeLogger((options) => {
        const minimum = options.fiber.getRef(ServerMinimumLogLevel)
        if (
          minimum !== undefined && ordinals[minimum] > ordinals[options.logLevel] &&
          options.fiber.getRef(References.MinimumLogLevel) === lowered
        ) return
        return logger.log(options)
      })
    )
    ungated.add(gate)
  }
  return gate
}

/**
 * The current loggers {@link gated}, and `loggers` (the loggers for clients, which see every line
 * a lowered fiber logs): what a session runs with (a fresh Set per build).
 */
export const withGatedLoggers = (loggers: ReadonlyArray<Logger.Logger<unknown, unknown>>): Layer.Layer<never> => {
  for (const logger of loggers) ungated.add(logger)
  return Layer.effect(
    References.CurrentLoggers,
    Effect.map(References.CurrentLoggers, (current) => new Set([...Array.from(current, gated), ...loggers]))
  )
}
