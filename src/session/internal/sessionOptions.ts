/**
 * The check of a session's numeric options (`SessionOptions`), for every place that takes them:
 * `McpServer.serve` and the Streamable HTTP endpoint when they are made (so that a bad value is
 * refused before anything serves), and a session when it starts with options nobody checked (a
 * session of one's own, a runner that adds options of its own).
 *
 * The entry points check the options when they are made and keep a snapshot (a later change to
 * the caller's object does not reach a session); a session checks its own again as it starts (six
 * comparisons, the rules made once): remembering the objects already checked (a `WeakSet` entry
 * per live session) cost 32 B of heap per idle session (bench/http.ts: 1,030 B against 998 B).
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

/** The rules, made once (not a new object and closures per check). */
const rules: { readonly [K in keyof SessionNumbers]-?: Options.Rule } = {
  maxConcurrentRequests: Options.limit(1),
  maxQueuedRequests: Options.limit(1),
  maxWaitingRequests: Options.limit(1),
  outboundCapacity: Options.limit(1),
  clientRequestTimeoutMillis: Options.millis,
  shutdownTimeoutMillis: Options.millisOrZero
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
  Options.checkAll(who, options, rules, prefix)

/**
 * Checks `options` as {@link checkSessionOptions} does and returns a copy of them remembered as
 * checked (`undefined` for none): what an entry point keeps and gives its sessions.
 */
export const checkedSessionOptions = <O extends SessionNumbers>(who: string, options: O | undefined, prefix = ""): O | undefined => {
  if (options === undefined) return undefined
  // The copy first: a getter read twice cannot give the check one value and the sessions another.
  const copy = { ...options }
  checkSessionOptions(who, copy, prefix)
  return copy
}
