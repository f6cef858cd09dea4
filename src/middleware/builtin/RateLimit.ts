/**
 * Rate limiting: a middleware that rejects requests past a budget with a clear JSON-RPC error
 * (429 `McpError.LimitExceeded`, how long to wait, the limit), per caller.
 *
 * - Two algorithms, as pure functions of a state and the time: a **token bucket**
 *   ({@link tokenBucket}: bursts up to `capacity`, then `refillPerSecond`) and a **sliding window**
 *   ({@link slidingWindow}: at most `limit` in any `windowMillis`, counted exactly from a log).
 * - A store service, {@link RateLimitStore}, that keeps one state per key; it only promises
 *   `consume`, so a shared store can implement it (`effect-mcp-server/redis`: one budget across
 *   replicas). {@link RateLimitStore.layerMemory} keeps the states in memory, bounded (least
 *   recently used keys are dropped past `maxKeys`), with the time from `Clock` (so `TestClock`
 *   drives it).
 * - A store that fails (`StoreError`: its Redis is down) fails the request with -32603 "Store
 *   unavailable: RateLimitStore" (`McpError.storeUnavailable`): the request is refused, not let
 *   through unlimited, and the failure is logged.
 * - The middleware, {@link middleware}: keyed by the principal's subject when there is one, else by
 *   the client's address for an anonymous caller of a stateless HTTP server, else by the session
 *   id ({@link requestorKey}), or by a key function of one's own, which gets the request's params
 *   too (a budget per tool: see {@link Key}); applied to every request but `initialize`, `ping`
 *   and `server/discover` unless `methods` says otherwise.
 *
 * **Example** (Ten calls per minute per caller)
 *
 * ```ts
 * const Limits = McpServer.middleware(
 *   RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 10, windowMillis: 60_000 }) })
 * ).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NumericOptions from "../../internal/options.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import * as McpError from "../../protocol/McpError.ts"
import type { ClientRequestMethod } from "../../protocol/McpSchema.ts"
import * as Requestor from "../../session/Requestor.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import type { StoreError } from "../../store/StoreError.ts"
import * as Middleware from "../Middleware.ts"
import { checkString, checkStrings, notWhat } from "./internal/config.ts"
import { errorForLog } from "../../internal/loggedCause.ts"

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

/**
 * A token bucket: holds up to `capacity` tokens, refilled continuously at `refillPerSecond`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenBucketPolicy {
  readonly _tag: "TokenBucket"
  readonly capacity: number
  readonly refillPerSecond: number
}

/**
 * A sliding window: at most `limit` (total cost) in any window of `windowMillis`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SlidingWindowPolicy {
  readonly _tag: "SlidingWindow"
  readonly limit: number
  readonly windowMillis: number
}

/**
 * How a rate limit counts: a token bucket (bursts up to its capacity, refilled at a steady rate)
 * or a sliding window (at most its limit per window).
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = TokenBucketPolicy | SlidingWindowPolicy

/** A budget (a bucket's capacity, a window's limit): a finite number >= 1. */
const budget: NumericOptions.Rule = { text: "a finite number >= 1", holds: (value) => Number.isFinite(value) && value >= 1 }
/** A rate or a window: a finite number > 0. */
const finitePositive: NumericOptions.Rule = { text: "a finite number > 0", holds: (value) => Number.isFinite(value) && value > 0 }

const tokenBucketRules = { capacity: budget, refillPerSecond: finitePositive }
const slidingWindowRules = { limit: budget, windowMillis: NumericOptions.finiteMillis }

/**
 * Throws a `RangeError` naming the first field of `options` that `rules` names and that breaks
 * its rule. Every field is required: one left out (`undefined`) is no default here (a bucket
 * without a rate never refilled).
 */
const checkFields = (options: object, rules: { readonly [name: string]: NumericOptions.Rule }, prefix: string): void => {
  for (const [name, rule] of Object.entries(rules)) {
    const value = (options as { readonly [name: string]: unknown })[name]
    if (!(typeof value === "number" && rule.holds(value))) {
      throw NumericOptions.outOfRange("RateLimit", prefix + name, rule.text, typeof value === "string" ? JSON.stringify(value) : String(value))
    }
  }
}

/**
 * A token bucket policy; throws a `RangeError` unless `capacity` ≥ 1 and `refillPerSecond` > 0.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tokenBucket = (options: { readonly capacity: number; readonly refillPerSecond: number }): TokenBucketPolicy => {
  checkFields(options, tokenBucketRules, "")
  return { _tag: "TokenBucket", capacity: options.capacity, refillPerSecond: options.refillPerSecond }
}

/**
 * A sliding window policy; throws a `RangeError` unless `limit` ≥ 1 and `windowMillis` > 0.
 *
 * @since 0.1.0
 * @category constructors
 */
export const slidingWindow = (options: { readonly limit: number; readonly windowMillis: number }): SlidingWindowPolicy => {
  checkFields(options, slidingWindowRules, "")
  return { _tag: "SlidingWindow", limit: options.limit, windowMillis: options.windowMillis }
}

/**
 * Checks a policy given to {@link middleware}, which need not come from {@link tokenBucket} or
 * {@link slidingWindow} (`Policy` is an interface: an object literal is one): a `TypeError` for
 * what is neither kind, a `RangeError` naming the field out of range. Unchecked, a bucket of
 * capacity 0 refused every request ("retry in Infinity ms"), a `NaN` limit every one too, and a
 * misspelt `_tag` was taken for a window without a limit.
 */
const checkPolicy = (policy: unknown): void => {
  const tag = typeof policy === "object" && policy !== null ? (policy as { readonly _tag?: unknown })._tag : undefined
  if (tag === "TokenBucket") return checkFields(policy as object, tokenBucketRules, "policy.")
  if (tag === "SlidingWindow") return checkFields(policy as object, slidingWindowRules, "policy.")
  throw notWhat("RateLimit", "policy", "RateLimit.tokenBucket(...) or RateLimit.slidingWindow(...)", policy)
}

/**
 * The budget of a policy: the bucket's capacity or the window's limit.
 *
 * @since 0.1.0
 * @category limits
 */
export const limitOf = (policy: Policy): number => policy._tag === "TokenBucket" ? policy.capacity : policy.limit

// ---------------------------------------------------------------------------
// Algorithms (pure)
// ---------------------------------------------------------------------------

/**
 * The answer to one `consume`: whether it was allowed, what is left of the budget afterwards
 * (whole units), and how long to wait before the same cost would be allowed (0 when allowed;
 * `Infinity` when the cost exceeds the whole budget).
 *
 * @since 0.1.0
 * @category models
 */
export interface Decision {
  readonly allowed: boolean
  readonly remaining: number
  readonly retryAfterMillis: number
}

/**
 * The state of a token bucket: the tokens it held at `updatedAt` (epoch millis).
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenBucketState {
  readonly _tag: "TokenBucket"
  readonly tokens: number
  readonly updatedAt: number
}

/**
 * The state of a sliding window: the allowed hits still inside the window, oldest first.
 *
 * @since 0.1.0
 * @category models
 */
export interface SlidingWindowState {
  readonly _tag: "SlidingWindow"
  readonly hits: ReadonlyArray<{ readonly at: number; readonly cost: number }>
}

/**
 * The state a policy keeps per key.
 *
 * @since 0.1.0
 * @category models
 */
export type State = TokenBucketState | SlidingWindowState

/**
 * A decision and the state to keep.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome<S extends State = State> {
  readonly decision: Decision
  readonly state: S
}

/**
 * Token bucket: refills `(now - updatedAt) × refillPerSecond / 1000` tokens (up to `capacity`),
 * then takes `cost` tokens if there are enough. A missing state is a full bucket. A denial takes
 * nothing.
 *
 * @since 0.1.0
 * @category limits
 */
export const consumeTokenBucket = (
  policy: TokenBucketPolicy,
  state: TokenBucketState | undefined,
  now: number,
  cost = 1
): Outcome<TokenBucketState> => {
  let tokens = policy.capacity
  if (state !== undefined) {
    const elapsed = Math.max(0, now - state.updatedAt)
    tokens = Math.min(policy.capacity, state.tokens + elapsed * policy.refillPerSecond / 1000)
  }
  const allowed = cost <= tokens
  if (allowed) tokens -= cost
  const retryAfterMillis = allowed
    ? 0
    : cost > policy.capacity
    ? Number.POSITIVE_INFINITY
    : Math.ceil((cost - tokens) * 1000 / policy.refillPerSecond)
  return {
    decision: { allowed, remaining: Math.floor(tokens), retryAfterMillis },
    // `now`, even when the clock went back: the bucket refills from here (a stale future time
    // would stop the refill for as long as the jump).
    state: { _tag: "TokenBucket", tokens, updatedAt: now }
  }
}

/**
 * Sliding window (exact log): a hit counts while `now - at < windowMillis`; `cost` is allowed if
 * the counted total plus `cost` stays within `limit`. When denied, the wait is until enough of the
 * oldest hits leave the window. Memory per key: at most `limit` hits.
 *
 * @since 0.1.0
 * @category limits
 */
export const consumeSlidingWindow = (
  policy: SlidingWindowPolicy,
  state: SlidingWindowState | undefined,
  now: number,
  cost = 1
): Outcome<SlidingWindowState> => {
  const since = now - policy.windowMillis
  // Hits "in the future" (the clock went back) count as now: they neither lock the key out for
  // the size of the jump nor break the log's order.
  const hits = (state?.hits ?? []).filter((hit) => hit.at > since).map((hit) => hit.at > now ? { at: now, cost: hit.cost } : hit)
  let used = 0
  for (const hit of hits) used += hit.cost
  const allowed = used + cost <= policy.limit
  let retryAfterMillis = 0
  if (allowed) {
    hits.push({ at: now, cost })
    used += cost
  } else if (cost > policy.limit) {
    retryAfterMillis = Number.POSITIVE_INFINITY
  } else {
    let excess = used + cost - policy.limit
    for (const hit of hits) {
      excess -= hit.cost
      if (excess <= 0) {
        retryAfterMillis = hit.at + policy.windowMillis - now
        break
      }
    }
  }
  return {
    decision: { allowed, remaining: Math.max(0, Math.floor(policy.limit - used)), retryAfterMillis },
    state: { _tag: "SlidingWindow", hits }
  }
}

/**
 * Applies `policy` to `state` (a state of another algorithm counts as none).
 *
 * @since 0.1.0
 * @category limits
 */
export const consume = (policy: Policy, state: State | undefined, now: number, cost = 1): Outcome =>
  policy._tag === "TokenBucket"
    ? consumeTokenBucket(policy, state?._tag === "TokenBucket" ? state : undefined, now, cost)
    : consumeSlidingWindow(policy, state?._tag === "SlidingWindow" ? state : undefined, now, cost)

// ---------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------

/**
 * Options of the in-memory store.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /** How many keys are kept; the least recently used are dropped past it (default 10 000). */
  readonly maxKeys?: number | undefined
}

/**
 * The in-memory store, with its size in view (for tests and metrics). It never fails.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryStore extends RateLimitStoreShape {
  readonly consume: (key: string, policy: Policy, cost?: number) => Effect.Effect<Decision>
  /** How many keys it holds now. */
  readonly size: Effect.Effect<number>
}

/**
 * What a rate-limit store does: consume `cost` (default 1) from the budget of `key`; fails with
 * a `StoreError` when what holds the states cannot be reached (never in memory).
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitStoreShape {
  readonly consume: (key: string, policy: Policy, cost?: number) => Effect.Effect<Decision, StoreError>
}

/**
 * Where rate-limit states live. Only `consume` is required, atomically per key, so a shared
 * store (Redis: `effect-mcp-server/redis`) can implement it with the same algorithms.
 *
 * @since 0.1.0
 * @category services
 */
export class RateLimitStore extends Context.Service<RateLimitStore, RateLimitStoreShape>()(
  "effect-mcp-server/RateLimitStore"
) {
  /** States in memory, at most `maxKeys` of them (least recently used dropped); time from `Clock`. */
  static readonly layerMemory = (options: MemoryOptions = {}): Layer.Layer<RateLimitStore> =>
    Layer.effect(RateLimitStore, makeMemoryStore(options))
}

/**
 * Builds an in-memory store (the body of {@link RateLimitStore.layerMemory}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemoryStore = (options: MemoryOptions = {}): Effect.Effect<MemoryStore> =>
  Effect.sync(() => {
    const maxKeys = options.maxKeys ?? 10_000
    NumericOptions.check("RateLimitStore", "maxKeys", maxKeys, NumericOptions.integer(1))
    // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
    const states = new Map<string, State>()
    return {
      consume: (key, policy, cost = 1) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const outcome = consume(policy, states.get(key), now, cost)
          states.delete(key)
          states.set(key, outcome.state)
          if (states.size > maxKeys) states.delete(states.keys().next().value!)
          return outcome.decision
        }),
      size: Effect.sync(() => states.size)
    }
  })

// ---------------------------------------------------------------------------
// Middleware
// ---------------------------------------------------------------------------

/**
 * Whose budget a request spends: `"principal"` (default: the principal's subject when there is
 * one, else the session; for an anonymous caller of a stateless HTTP server, its client address),
 * `"session"` (the session, always; on a stateless server, which one session serves, the client
 * address, a principal's too), `"client"` (the principal's subject when there is one, else the
 * client's address over HTTP, stateful sessions included, an IPv6 one by its /64, else the
 * session: an anonymous client that sends `initialize` again keeps its budget, where the default
 * gives each of its sessions a fresh one; behind a reverse proxy every anonymous client has the
 * proxy's address and shares one budget, so use it where clients connect directly, or where a
 * `WebHandler` is given the real address), or a function of the request context and the request's params (decoded for a
 * method with a typed hook, as the request has them for the others; `undefined` when it has none):
 * what the request names (a tool's `name`, a resource's `uri`) can choose the budget.
 *
 * **Example** (A budget per caller and tool: five calls of each tool a minute)
 *
 * ```ts
 * const PerTool = RateLimit.middleware({
 *   name: "per-tool",
 *   policy: RateLimit.slidingWindow({ limit: 5, windowMillis: 60_000 }),
 *   methods: ["tools/call"],
 *   // JSON: no caller and tool name can spell another pair's key.
 *   key: (context, params) => JSON.stringify([RateLimit.requestorKey(context), params?.name])
 * })
 * ```
 *
 * A name is the client's choice: every name, unknown ones included (answered -32602 without
 * running anything), gets a budget of its own, and the store keeps at most `maxKeys` of them. Pair
 * a per-tool budget with one per caller (a second middleware with another `name`) to bound the
 * total.
 *
 * @since 0.1.0
 * @category models
 */
export type Key =
  | "principal"
  | "session"
  | "client"
  | ((context: RequestContext, params: { readonly [key: string]: unknown } | undefined) => string)

/**
 * The key the default `"principal"` keys a request by (`principal:<subject>`, else the client's
 * address for an anonymous caller of a stateless HTTP server, else `session:<id>`): for a key
 * function of one's own that refines it (per tool, per tenant).
 *
 * @since 0.2.0
 * @category formatting
 */
export const requestorKey = (context: RequestContext): string => Requestor.keyOf(context)

/**
 * Configuration of {@link middleware}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  readonly policy: Policy
  /** Whose budget a request spends (default `"principal"`). */
  readonly key?: Key | undefined
  /**
   * The request methods limited (default: all but `initialize`, `ping` and 2026-07-28's
   * `server/discover`). A request for a method the server does not serve spends budget too: the
   * typed hooks run around the -32601 of a missing handler (so that tools a middleware injects
   * into a server without tools are limited like any), and past the budget it is 429, not
   * -32601. Methods without a typed hook (2026-07-28's `tasks/update`, `subscriptions/listen`, an
   * extension's own) are limited on the raw request, before it is routed. Requests refused before
   * the typed hooks run (invalid params: -32602) or above this middleware (by `Authorization`, or
   * answered by `ResponseCache`, placed before it) spend nothing.
   */
  readonly methods?: ReadonlyArray<string> | undefined
  /** The middleware's name, also the prefix of its keys in the store (default `"rate-limit"`). */
  readonly name?: string | undefined
}

/**
 * The methods limited by default: every request method but `initialize`, `ping` and
 * `server/discover` (the handshake and its 2026-07-28 counterpart), the 2026-07-28 methods that
 * have no typed hook included.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMethods: ReadonlyArray<string> = [
  ...(Object.keys(Middleware.hookNames) as Array<ClientRequestMethod>).filter((method) => method !== "initialize" && method !== "ping"),
  "tasks/update",
  "subscriptions/listen"
]

/**
 * Refuses what no type checked, when the middleware is made (see {@link checkPolicy}): a `key`
 * misspelt (`"sessions"`) keyed by principal, silently; `methods` as one string limited the
 * methods its characters name (none).
 */
const checkConfig = (config: Config): void => {
  if (typeof config !== "object" || config === null) throw notWhat("RateLimit", "the configuration", "an object ({ policy, ... })", config)
  checkPolicy(config.policy)
  const key: unknown = config.key
  if (key !== undefined && typeof key !== "function" && key !== "principal" && key !== "session" && key !== "client") {
    throw notWhat("RateLimit", "key", `"principal", "session", "client" or a function (context, params) => string`, key)
  }
  checkStrings("RateLimit", "methods", config.methods)
  checkString("RateLimit", "name", config.name)
}

type KeyFunction = (context: RequestContext, params: { readonly [key: string]: unknown } | undefined) => string

const keyFunction = (key: Key): KeyFunction => {
  if (typeof key === "function") return (context, params) => `custom:${key(context, params)}`
  if (key === "session") {
    return (context) => {
      // A principal's too: the one stateless session's budget was every principal's.
      const address = context.session.stateless ? Requestor.addressOf(context) : undefined
      return address === undefined ? `session:${context.sessionId}` : `address:${address}`
    }
  }
  if (key === "client") {
    // The address whatever the session: a stateful session is no client (initialize gives another).
    return (context) => {
      if (context.principal !== undefined) return `principal:${context.principal.subject}`
      const address = Requestor.addressOf(context)
      return address === undefined ? `session:${context.sessionId}` : `address:${address}`
    }
  }
  // One stateless session answers every client: anonymous callers are told apart by address.
  return (context) => Requestor.keyOf(context)
}

/**
 * The error of a request over its budget: 429 (`McpError.LimitExceeded`), the wait in the
 * message and in `data` (`{ limit: "rateLimit", max, retryAfterMillis }`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const rateLimitExceeded = (retryAfterMillis: number, limit: number): McpError.LimitExceeded =>
  McpError.limitExceeded(`Rate limit exceeded: retry in ${retryAfterMillis} ms`, "rateLimit", { max: limit, retryAfterMillis })

/** A store that failed: logged with its cause, answered with -32603 "Store unavailable". */
const storeFailed = (error: StoreError): Effect.Effect<never, McpError.StoreUnavailable> =>
  Effect.andThen(
    Effect.logWarning("effect-mcp-server: the rate-limit store failed; request refused", errorForLog(error)),
    Effect.fail(McpError.storeUnavailable(error))
  )

/**
 * The rate-limit middleware. It runs as typed hooks, so it sees the principal set by middleware
 * above it (raw or typed); place it below authentication. A policy out of range (one written as
 * an object, not made by {@link tokenBucket} or {@link slidingWindow}) is a `RangeError` naming
 * the field, and a `key`, `methods` or `name` of the wrong kind a `TypeError`, thrown here.
 *
 * **Gotchas**
 *
 * Middlewares sharing one store need distinct `name`s, or they spend the same budgets. A store
 * that fails refuses the request (-32603 "Store unavailable: RateLimitStore"): a limit is never
 * silently lifted.
 *
 * A request spends its budget as it is let through, before anything below it runs: one that then
 * fails, is cancelled (`notifications/cancelled`, its session closing) or is given up by `Timeout`
 * has spent it all the same (nothing is refunded), and each attempt of a `Retry` spends again (a
 * raw hook, `Retry` runs the typed hooks, this middleware's among them, once per attempt, wherever
 * it is placed in the stack).
 *
 * In MCP 2026-07-28 a request that asks the client for input (multi round-trip: `tools/call`,
 * `prompts/get`, `resources/read`) is sent again with the answers, and each round is a request
 * that spends budget: a call that asks twice costs 3, where a 2025 session, whose request waits
 * for the answers, pays 1. The rounds that carry answers are not let through free on purpose: a
 * round's `requestState` is valid until it expires (10 minutes by default) and can be sent again
 * and again, each time running the handler (a round runs it anew), so exempting them would let a
 * client call without spending. Give tools that ask for input room for their rounds (a larger
 * budget, or a budget of their own with a `key` per tool).
 *
 * Tasks are followed by polling (`tasks/get`, every `pollInterval` the task gives: a second by
 * default; MCP 2026-07-28 has no `tasks/result` that waits), and each poll spends budget: with ten
 * requests a minute, a client following a task for longer than a few seconds is refused (429) its
 * `tasks/get`, and its other calls with it. Limit the task methods apart (a second middleware,
 * with its own `name`, `methods: ["tasks/get", "tasks/list"]` and a budget that fits the poll
 * rate), and leave them out of this one's `methods`.
 *
 * **Example** (Ten tool calls a minute per caller, counted in memory)
 *
 * ```ts
 * const Limits = McpServer.middleware(
 *   RateLimit.middleware({
 *     policy: RateLimit.slidingWindow({ limit: 10, windowMillis: 60_000 }),
 *     methods: ["tools/call"]
 *   })
 * ).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory()))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config): Middleware.Middleware<RateLimitStore> => {
  checkConfig(config)
  const policy = config.policy
  const limit = limitOf(policy)
  const prefix = `${config.name ?? "rate-limit"}:`
  const keyOf = keyFunction(config.key ?? "principal")
  const check = (
    context: RequestContext,
    params: { readonly [key: string]: unknown } | undefined
  ): Effect.Effect<void, McpError.LimitExceeded | McpError.StoreUnavailable, RateLimitStore> =>
    Effect.flatMap(Effect.service(RateLimitStore), (store) =>
      Effect.matchEffect(store.consume(prefix + keyOf(context, params), policy), {
        onFailure: storeFailed,
        onSuccess: (decision) => decision.allowed ? Effect.void : Effect.fail(rateLimitExceeded(decision.retryAfterMillis, limit))
      }))
  // The params go to the key function as they are (no copy): nothing is made for a key that
  // does not read them.
  const hook = (
    params: { readonly [key: string]: unknown },
    context: RequestContext,
    next: (params: unknown) => Effect.Effect<unknown, McpError.McpError>
  ) => Effect.flatMap(check(context, params), () => next(params))
  const hooks: Record<string, unknown> = {}
  // Methods without a typed hook (2026-07-28's, an extension's): limited on the raw request. They
  // used to be left out silently (a name the typed hooks did not know limited nothing).
  const raw = new Set<string>()
  for (const method of config.methods ?? defaultMethods) {
    if (Object.hasOwn(Middleware.hookNames, method)) hooks[(Middleware.hookNames as Record<string, string>)[method]!] = hook
    else raw.add(method)
  }
  if (raw.size > 0) {
    hooks["onRequest"] = (
      request: JsonRpc.Request,
      context: RequestContext,
      next: (request: JsonRpc.Request) => Effect.Effect<unknown, McpError.McpError>
    ) => raw.has(request.method) ? Effect.flatMap(check(context, request.params), () => next(request)) : next(request)
  }
  return Middleware.make(config.name ?? "rate-limit", hooks as Middleware.Hooks<RateLimitStore>)
}
