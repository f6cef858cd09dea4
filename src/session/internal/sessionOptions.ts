/**
 * The check of a session's numeric options (`SessionOptions`), for every place that takes them:
 * the session itself when it starts, and, so that a bad value is refused before anything
 * serves, `McpServer.serve` and the Streamable HTTP endpoint when they are made.
 *
 * @internal
 */
import * as Options from "../../internal/options.ts"

/** The numbers of `SessionOptions` (not imported from there: `ServerSession` imports this). */
export interface SessionNumbers {
  readonly maxConcurrentRequests?: number | undefined
  readonly maxQueuedRequests?: number | undefined
  readonly maxWaitingRequests?: number | undefined
  readonly outboundCapacity?: number | undefined
  readonly clientRequestTimeoutMillis?: number | undefined
  readonly shutdownTimeoutMillis?: number | undefined
}

/**
 * Refuses a session option out of range with a `RangeError` naming it (`who` names what took
 * the options; `prefix` is put before each option's name: `session.`). What each did before: a limit of `NaN` compared false with every count, so
 * `maxConcurrentRequests` or `maxWaitingRequests` of `NaN`, 0 or less started no request at all
 * (the session hung), `maxQueuedRequests` of `NaN` lifted the bound (nothing paused or refused)
 * and 0 paused every read for 50 ms and refused whatever had to wait, an `outboundCapacity` of 0
 * held every message a request produced asynchronously (progress, notifications) for ever; a
 * `shutdownTimeoutMillis` of `NaN` or less than 0 gave in-flight requests and unread output no
 * time at all at the end, as 0 does; a fraction was rounded up by the comparisons. `Infinity`
 * stays "no limit" (for the timeouts: no timeout).
 */
export const checkSessionOptions = (who: string, options: SessionNumbers | undefined, prefix = ""): void =>
  Options.checkAll(who, options, {
    maxConcurrentRequests: Options.limit(1),
    maxQueuedRequests: Options.limit(1),
    maxWaitingRequests: Options.limit(1),
    outboundCapacity: Options.limit(1),
    clientRequestTimeoutMillis: Options.millis,
    shutdownTimeoutMillis: Options.millisOrZero
  }, prefix)
