/**
 * The failure of a store's infrastructure: the one error a store service (`RateLimitStore`,
 * `CacheStore`, `EventStore`, ...) fails with when what holds its state cannot be reached or
 * answered wrongly (a Redis down, timed out, restarted without its scripts...).
 *
 * - The in-memory stores never fail with it: their error channel has it only because a shared
 *   store may.
 * - Whoever calls a store maps it explicitly, through `McpError.storeUnavailable`: a -32603
 *   "Store unavailable" JSON-RPC error that names the store and never the cause (the cause is
 *   logged on the server, not sent to clients).
 * - It is not a retryable protocol error of its own: a client retries later, when the store is
 *   back.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"

/**
 * A store could not do what it was asked: `store` names it (`"RateLimitStore"`, `"CacheStore"`,
 * `"EventStore"`, ...), `message` says what failed, `cause` is the underlying failure.
 *
 * **Gotchas**
 *
 * Whether the operation took effect is unknown (a command may have run before its reply was
 * lost): stores are written so that both outcomes are safe.
 *
 * @since 0.2.0
 * @category errors
 */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly store: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * True for a {@link StoreError} (by its tag, so a copy from another module instance counts too).
 *
 * @since 0.2.0
 * @category predicates
 */
export const isStoreError = (u: unknown): u is StoreError =>
  Predicate.isTagged(u, "StoreError")
