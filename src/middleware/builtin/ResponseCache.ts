/**
 * A response cache: answers repeated list, read and get requests (and calls of the tools you name)
 * from a store, per caller, and drops what a change of the server's components makes stale.
 *
 * - **What is cached.** `tools/list`, `resources/list`, `resources/templates/list`,
 *   `prompts/list`, `resources/read`, `prompts/get`, and `tools/call` only for the tools named in
 *   `callTools` (tools may have side effects). Each method has a TTL (`ttlMillis`, overridable
 *   per method, or `false` not to cache it). Failures, `isError` tool results, task-augmented
 *   requests and the tasks any call becomes (2026-07-28's `resultType: "task"`), a `resources/list`
 *   that left out a template whose `list` failed (the next list asks it again), rounds that ask
 *   for input (`input_required`) and the answers of a retried round (they hold the client's
 *   answers), answers of a call that asked the client (the answer may hold the client's input),
 *   through its request context (`McpContext.elicit`, `sample`, `listRoots`) or untied, through a
 *   session (`context.session.request`), and params nested deeper than 64 levels or longer than
 *   16,384 characters (as JSON) are never cached. An untied request is seen when the handler's
 *   fiber, or a fiber it forked, sends it; not one sent for the handler by a fiber started
 *   outside the request (e.g. a worker fed by a queue): do not name such tools in `callTools`.
 *   A cached tool's 2026-07-28 call over HTTP whose `Mcp-Param-*` headers disagree with its
 *   arguments is refused (-32020), as the handler refuses it, never answered from the cache.
 * - **Whose answer.** The key holds the caller: the principal (subject and scopes) when there is
 *   one, else the session (on a stateless HTTP server, the client address). An answer is never served to another principal (lists may be filtered
 *   per principal by authorization), nor to a request of another protocol version (what is below
 *   the cache may answer each version in its own way); the rest of the key is the method and the
 *   params without `_meta` (object keys in any order). What is kept is the answer before its
 *   projection to the version (which the session applies as it sends every answer).
 * - **Freshness hints** (MCP 2026-07-28, SEP-2549). An answer that says how long it is fresh (its
 *   `ttlMs`, set by a read or by a middleware below the cache) is served from the cache with that
 *   time shortened by the answer's age, as a cache's `Age` counts against `max-age` (never below 0).
 * - **Invalidation.** Through `McpServer.onChange`: a change of the tools drops `tools/list` and
 *   `tools/call`; of the resources or templates, the three resource methods; of the prompts,
 *   `prompts/list` and `prompts/get`. The drop is synchronous (each change starts a new key
 *   generation, so even an answer computed before the change and stored after it is never served)
 *   and the store is asked to `invalidate` the old entries.
 * - **Store.** {@link CacheStore} only promises `get`, `set` and `invalidate(prefix)`, so a shared
 *   store can implement it (`effect-mcp-server/redis`); {@link CacheStore.layerMemory} is bounded
 *   (LRU) with TTLs on `Clock`.
 * - **An entry of the wrong shape** (written under the same prefix by another program or version,
 *   by hand, or corrupted: not an object, or not an answer of its method, e.g. a `tools/call`
 *   entry without a `content` array of blocks with a `type`, a `tools/list` one whose tools lack
 *   a `name` or an `inputSchema`) is a miss, never served: the request runs and its answer is
 *   written over the entry (unless it is one the cache does not keep: the entry then stays until
 *   it expires). The first is logged as a warning naming the key, the next ones at debug level.
 *   The check is a few property checks per hit (about 0.6 µs for a list of 20 tools), not a
 *   Schema decode (about 140 µs).
 * - **A store that fails** (`StoreError`: its Redis is down): a lookup that fails answers the
 *   request with -32603 "Store unavailable: CacheStore" (`McpError.storeUnavailable`); a store
 *   that fails to keep an answer, or to drop stale entries, is logged and the answer is still
 *   sent (entries of an older generation are never served anyway).
 *
 * **Gotchas**
 *
 * `McpServer.notifyResourceUpdated(uri)` drops every cached `resources/read` (and the resource
 * lists); content that changes without that call needs a short TTL (or `resources/read: false`).
 * Place the cache below authentication, or it keys by session only.
 *
 * **Example** (Caching lists for a minute, and one pure tool)
 *
 * ```ts
 * const Cache = ResponseCache.layer({ callTools: ["convert_units"] }).pipe(
 *   Layer.provide(ResponseCache.CacheStore.layerMemory({ maxEntries: 5_000 }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { canonicalJson } from "../../internal/canonicalJson.ts"
import { clip } from "../../internal/clip.ts"
import { nestedDeeperThan } from "../../internal/nesting.ts"
import { nodeCrypto } from "../../internal/nodeCrypto.ts"
import { scopeList } from "../../internal/scopes.ts"
import * as NumericOptions from "../../internal/options.ts"
import * as McpError from "../../protocol/McpError.ts"
import type { ClientRequestParams, ClientRequestResult } from "../../protocol/McpSchema.ts"
import * as McpServer from "../../server/McpServer.ts"
import { headerMismatch, toolWire } from "../../server/internal/paramHeaders.ts"
import { isPartial } from "../../server/internal/partialList.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import * as Requestor from "../../session/Requestor.ts"
import type { StoreError } from "../../store/StoreError.ts"
import * as Middleware from "../Middleware.ts"
import { isCachedAnswer } from "./internal/cachedAnswer.ts"
import { checkString, checkStrings, notWhat } from "./internal/config.ts"
import { errorForLog } from "../../internal/loggedCause.ts"

// ---------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------

/**
 * What a cache store does. Values are JSON-compatible results. Each operation fails with a
 * `StoreError` when what holds the entries cannot be reached (never in memory).
 *
 * @since 0.1.0
 * @category models
 */
export interface CacheStoreShape {
  /** The value under `key`, unless absent or expired. */
  readonly get: (key: string) => Effect.Effect<Option.Option<unknown>, StoreError>
  /** Stores `value` under `key` for `ttlMillis`. */
  readonly set: (key: string, value: unknown, ttlMillis: number) => Effect.Effect<void, StoreError>
  /** Drops every entry whose key starts with `prefix`. */
  readonly invalidate: (prefix: string) => Effect.Effect<void, StoreError>
}

/**
 * Options of the in-memory store.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /** How many entries are kept; the least recently used are dropped past it (default 1000). */
  readonly maxEntries?: number | undefined
}

/**
 * The in-memory store, with its size in view (for tests and metrics). It never fails.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryCacheStore extends CacheStoreShape {
  readonly get: (key: string) => Effect.Effect<Option.Option<unknown>>
  readonly set: (key: string, value: unknown, ttlMillis: number) => Effect.Effect<void>
  readonly invalidate: (prefix: string) => Effect.Effect<void>
  /** How many entries it holds now (expired ones included until touched or evicted). */
  readonly size: Effect.Effect<number>
}

/**
 * Where cached responses live; see {@link CacheStoreShape}.
 *
 * @since 0.1.0
 * @category services
 */
export class CacheStore extends Context.Service<CacheStore, CacheStoreShape>()("effect-mcp-server/CacheStore") {
  /** Entries in memory, at most `maxEntries` (least recently used dropped), expiring on `Clock`. */
  static readonly layerMemory = (options: MemoryOptions = {}): Layer.Layer<CacheStore> =>
    Layer.effect(CacheStore, makeMemoryStore(options))
}

/**
 * Builds an in-memory store (the body of {@link CacheStore.layerMemory}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemoryStore = (options: MemoryOptions = {}): Effect.Effect<MemoryCacheStore> =>
  Effect.sync(() => {
    const maxEntries = options.maxEntries ?? 1000
    NumericOptions.check("CacheStore", "maxEntries", maxEntries, NumericOptions.integer(1))
    // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
    const entries = new Map<string, { readonly value: unknown; readonly expiresAt: number }>()
    return {
      get: (key) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const entry = entries.get(key)
          if (entry === undefined) return Option.none()
          entries.delete(key)
          if (entry.expiresAt <= now) return Option.none()
          entries.set(key, entry)
          return Option.some(entry.value)
        }),
      set: (key, value, ttlMillis) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          entries.delete(key)
          entries.set(key, { value, expiresAt: now + ttlMillis })
          while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
        }),
      invalidate: (prefix) =>
        Effect.sync(() => {
          for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key)
        }),
      size: Effect.sync(() => entries.size)
    }
  })

// ---------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------

/**
 * The methods the cache can answer.
 *
 * @since 0.1.0
 * @category models
 */
export type CacheableMethod =
  | "tools/list"
  | "tools/call"
  | "resources/list"
  | "resources/templates/list"
  | "resources/read"
  | "prompts/list"
  | "prompts/get"

/**
 * Configuration of {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** How long an answer is kept (default 60 000 ms). */
  readonly ttlMillis?: number | undefined
  /** Per-method TTL in milliseconds, or `false` not to cache that method. */
  readonly methods?: { readonly [M in CacheableMethod]?: number | false | undefined } | undefined
  /** The tools whose calls are cached (default none: tools may have side effects). */
  readonly callTools?: ReadonlyArray<string> | undefined
  /** The prefix of every key in the store (default `"mcp-response-cache:"`). */
  readonly keyPrefix?: string | undefined
}

type Group = "tools" | "resources" | "prompts"

const groupOf: Record<McpServer.Kind, Group> = { tool: "tools", resource: "resources", template: "resources", prompt: "prompts" }

const methodsOf: Record<Group, ReadonlyArray<CacheableMethod>> = {
  tools: ["tools/list", "tools/call"],
  resources: ["resources/list", "resources/templates/list", "resources/read"],
  prompts: ["prompts/list", "prompts/get"]
}

const groupOfMethod: Record<CacheableMethod, Group> = {
  "tools/list": "tools",
  "tools/call": "tools",
  "resources/list": "resources",
  "resources/templates/list": "resources",
  "resources/read": "resources",
  "prompts/list": "prompts",
  "prompts/get": "prompts"
}

/** Separates the parts of a key (JSON never contains it raw). */
const separator = "\u0000"

/**
 * Who the answer is for: the principal (subject and whole scopes, also where no type checked them:
 * see `scopeList`), else the requestor (the session; for
 * an anonymous caller of a stateless HTTP server, its client address: one session serves them all).
 *
 * @since 0.1.0
 * @category formatting
 */
export const callerKey = (context: RequestContext): string =>
  context.principal === undefined
    ? JSON.stringify(Requestor.keyOf(context))
    : `principal:${JSON.stringify([context.principal.subject, [...scopeList(context.principal.scopes)].sort()])}`

/**
 * Whether a result is a complete answer, not a task a 2026-07-28 call became (`resultType:
 * "task"`, the tasks extension): a task answered from the cache would be one task for every
 * caller (and a 2025 client would get a 2026 task). A round asking for input (MRTR) reaches the
 * cache as the handler's failure, never kept; it becomes `input_required` above it.
 */
const complete = (result: unknown): boolean => {
  const resultType = (result as { readonly resultType?: unknown }).resultType
  return resultType === undefined || resultType === "complete"
}

/**
 * The field under which an answer with a 2026-07-28 freshness hint (`ttlMs`, SEP-2549) is kept
 * with the time it was made (see {@link stamped}); never sent.
 */
const madeAtKey = "effect-mcp-server/cachedAt"

/**
 * The answer as the store keeps it: one that says how long it is fresh (`ttlMs` an integer > 0, as a
 * read or a middleware below the cache may set) with the time it was made. Any other as it is: a
 * `ttlMs` clients refuse (not an integer) is sent as 0 (`Projection`), and counted down it became
 * a whole number of milliseconds, fresher from the cache than the answer was made.
 */
const stamped = (result: unknown): Effect.Effect<unknown> => {
  const ttlMs = (result as { readonly ttlMs?: unknown }).ttlMs
  return typeof ttlMs === "number" && Number.isSafeInteger(ttlMs) && ttlMs > 0
    ? Effect.map(Clock.currentTimeMillis, (now) => ({ ...(result as object), [madeAtKey]: now }))
    : Effect.succeed(result)
}

/**
 * A cached answer as it is served: one kept with the time it was made has its `ttlMs` shortened by
 * its age (as a cache's `Age` counts against `max-age`), never below 0, and that time left out.
 * Served as it was kept, an answer 59 s old said it was fresh for another minute: a client could
 * hold it twice as long as its hint allowed.
 */
const aged = (value: unknown): Effect.Effect<unknown> => {
  const madeAt = (value as { readonly [madeAtKey]?: unknown })[madeAtKey]
  if (typeof madeAt !== "number") return Effect.succeed(value)
  return Effect.map(Clock.currentTimeMillis, (now) => {
    const { [madeAtKey]: _, ...answer } = value as { [key: string]: unknown }
    const ttlMs = answer["ttlMs"]
    if (typeof ttlMs === "number") answer["ttlMs"] = Math.max(0, Math.floor(ttlMs - Math.max(0, now - madeAt)))
    return answer
  })
}

/** How deep the params of a cached request may nest (deeper ones are not cached). */
const maxKeyDepth = 64

/**
 * The longest params (as their key, `paramsKey`) a cached request may have: longer ones are not
 * cached. The store is bounded in entries, not bytes, and a key holds the params (a read's
 * result holds its URI too): a template that matches any URI let a client fill the 1,000 entries
 * of the memory store with 4 MB URIs, 8 GB. 16,384 characters is far beyond the names, URIs and
 * arguments of a call worth caching.
 */
const maxParamsKey = 16_384

/**
 * The params as a stable string: `_meta` left out, object keys sorted.
 *
 * @since 0.1.0
 * @category formatting
 */
export const paramsKey = (params: object): string => {
  const { _meta, ...rest } = params as { readonly _meta?: unknown }
  return canonicalJson(rest, true)
}

const badEntryMessage = (method: CacheableMethod) =>
  `effect-mcp-server: the response cache store held an entry that is not a ${method} answer (written by another program or version under the same prefix, or corrupted); it is treated as a miss and written over by the answer (further such entries are logged at debug level)`

const storeFailed = (operation: string) => `effect-mcp-server: the response cache store failed (${operation})`

/**
 * Refuses a TTL that is not a number > 0 (`ttlMillis`, or one of `methods` but `false`) with a
 * `RangeError` naming it, and a method the cache does not answer in `methods`, `callTools` that
 * are not strings or a `keyPrefix` that is not one with a `TypeError`. A `NaN` TTL (a variable that does not parse) kept answers for ever in
 * the in-memory store and never on Redis; 0 or less cached nothing (`false` says so). `Infinity`
 * keeps an answer until a change drops it (on Redis, `RedisCacheStore`, a day at most).
 */
const checkConfig = (config: Config): void => {
  if (typeof config !== "object" || config === null) throw notWhat("ResponseCache", "the configuration", "an object", config)
  const check = (name: string, ttl: number | undefined) => NumericOptions.check("ResponseCache", name, ttl, NumericOptions.millis)
  check("ttlMillis", config.ttlMillis)
  const methods: unknown = config.methods
  if (methods !== undefined && (typeof methods !== "object" || methods === null || Array.isArray(methods))) {
    throw notWhat("ResponseCache", "methods", `an object of TTLs (or false) by method ({ "resources/read": false })`, methods)
  }
  for (const [method, ttl] of Object.entries(config.methods ?? {})) {
    // A method misspelt (`"resource/read": false`) kept the method it meant cached, silently.
    if (!Object.hasOwn(groupOfMethod, method)) {
      throw new TypeError(
        `ResponseCache: methods must name methods the cache answers (${Object.keys(groupOfMethod).join(", ")}); ${
          JSON.stringify(clip(method, 64))
        } is none of them`
      )
    }
    if (ttl !== false) check(`methods["${method}"]`, ttl)
  }
  // A string alone named the tools its characters spell: none cached.
  checkStrings("ResponseCache", "callTools", config.callTools)
  checkString("ResponseCache", "keyPrefix", config.keyPrefix)
}

/**
 * Builds the cache middleware and subscribes it to the server's changes (unsubscribed when the
 * scope closes). Register it with `McpServer.middleware` (or use {@link layer}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: Config = {}): Effect.Effect<Middleware.Middleware<never>, never, McpServer.McpServer | CacheStore | Scope.Scope> =>
  Effect.gen(function*() {
    checkConfig(config)
    const server = yield* McpServer.McpServer
    const store = yield* CacheStore
    const prefix = config.keyPrefix ?? "mcp-response-cache:"
    const defaultTtl = config.ttlMillis ?? 60_000
    const callTools = new Set(config.callTools ?? [])
    const generations: Record<Group, number> = { tools: 0, resources: 0, prompts: 0 }
    // Generations count from 0 in every process: keys carry this instance's id too, so servers
    // sharing a store (replicas, a restart against Redis) never answer from each other's entries.
    const instance = nodeCrypto().randomBytes(6).toString("base64url")

    // Dropping stale entries only frees room: a new generation is never answered from them. Run
    // with the services the middleware was built with: its failure is logged by the application's
    // loggers (a bare `Effect.runFork` logged it with Effect's default console logger only).
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const invalidate = (keyPrefix: string) =>
      runFork(Effect.catch(store.invalidate(keyPrefix), (error) => Effect.logWarning(storeFailed("invalidate"), errorForLog(error))))
    const unsubscribe = server.onChange((kind) => {
      const group = groupOf[kind]
      generations[group]++
      for (const method of methodsOf[group]) invalidate(`${prefix}${method}${separator}`)
    })
    // An updated resource may read differently: drop the cached reads (and resource lists, same group).
    const unsubscribeUpdates = server.onResourceUpdated(() => {
      generations.resources++
      invalidate(`${prefix}resources/read${separator}`)
    })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        unsubscribe()
        unsubscribeUpdates()
      })
    )

    // An entry of the wrong shape (another program or version, a hand edit, corruption) is a
    // miss; the first is logged as a warning (with the application's loggers, not the request's:
    // those may forward to the client), the next ones at debug level, so a store full of them does
    // not flood the log.
    let badEntryWarned = false
    const badEntry = (method: CacheableMethod, key: string) => {
      const level = badEntryWarned ? Effect.logDebug : Effect.logWarning
      badEntryWarned = true
      runFork(
        Effect.annotateLogs(level(badEntryMessage(method)), { key: clip(key, 256) })
      )
    }

    const ttlOf = (method: CacheableMethod): number | undefined => {
      const ttl = config.methods?.[method]
      if (ttl === false) return undefined
      return ttl ?? defaultTtl
    }

    /**
     * A miss: asks `next`, and stores what `keep` accepts unless the code below asked the client
     * (its answer is in the result: kept, it would answer later calls without asking them).
     */
    const missed = <M extends CacheableMethod>(
      key: string,
      ttl: number,
      params: ClientRequestParams<M>,
      context: RequestContext,
      next: Middleware.Next<M>,
      keep: (result: ClientRequestResult<M>) => boolean
    ): Effect.Effect<ClientRequestResult<M>, McpError.McpError> => {
      let askedClient = false
      return Effect.tap(next(params, context.with({ onClientRequest: () => askedClient = true })), (result) =>
        !askedClient && complete(result) && keep(result)
          ? Effect.catch(
            Effect.flatMap(stamped(result), (kept) => store.set(key, kept, ttl)),
            (error) => Effect.logWarning(storeFailed("set"), errorForLog(error))
          )
          : Effect.void)
    }

    /** A typed hook that answers from the store, or asks `next` and stores what `keep` accepts. */
    const cached = <M extends CacheableMethod>(
      method: M,
      keep: (result: ClientRequestResult<M>) => boolean
    ): Middleware.MethodHook<M, never> | undefined => {
      const ttl = ttlOf(method)
      if (ttl === undefined) return undefined
      const group = groupOfMethod[method]
      return (params, context, next) => {
        // A task-augmented request creates a task each time: never answered from the cache.
        if ((params as { readonly task?: unknown }).task !== undefined) return next(params)
        if (method === "tools/call") {
          const call = params as ClientRequestParams<"tools/call">
          if (!callTools.has(call.name)) return next(params)
          // A 2026-07-28 call over HTTP whose `Mcp-Param-*` headers disagree with its arguments is
          // refused (-32020) by the handler: refused here too, not answered from the cache.
          // An injected tool's (`ToolInjection`) too: the registry does not hold it.
          const wire = context.http === undefined ? undefined : toolWire(server, call.name)
          const mismatch = wire === undefined ? undefined : headerMismatch(wire, call.arguments, context)
          if (mismatch !== undefined) return Exit.fail(mismatch)
        }
        // Params nested deeper than any a cached method takes are not cached.
        if (nestedDeeperThan(params, maxKeyDepth)) return next(params)
        // A retried 2026-07-28 round carries the client's answers (`inputResponses`,
        // `requestState`), which the typed params leave out: its answer holds them, and kept under
        // the call's key it would answer later calls without asking (a cached "accept").
        if ((context.inputRound?.answers.size ?? 0) > 0) return next(params)
        const paramsPart = paramsKey(params)
        // Params larger than any a cache should keep are not cached (see `maxParamsKey`).
        if (paramsPart.length > maxParamsKey) return next(params)
        // The protocol version too: what is below the cache may answer a version in its own way (a
        // handler reading it, a middleware's 2026-07-28 caching hints, a `required` task tool run
        // directly for a version without tasks), which another version must not be served.
        const key = `${prefix}${method}${separator}${instance}.${generations[group]}${separator}${context.protocolVersion}${separator}${callerKey(context)}${separator}${paramsPart}`
        return Effect.matchEffect(store.get(key), {
          // The store cannot say whether an answer is cached: the request is refused, not run uncached.
          onFailure: (error): Effect.Effect<never, McpError.McpError> =>
            Effect.andThen(Effect.logWarning(storeFailed("get"), errorForLog(error)), Effect.fail(McpError.storeUnavailable(error))),
          onSuccess: (hit): Effect.Effect<ClientRequestResult<M>, McpError.McpError> => {
            if (Option.isNone(hit)) return missed(key, ttl, params, context, next, keep)
            // An entry that is no answer of this method is a miss, written over by the answer.
            if (isCachedAnswer(method, hit.value)) return aged(hit.value) as Effect.Effect<ClientRequestResult<M>>
            badEntry(method, key)
            return missed(key, ttl, params, context, next, keep)
          }
        })
      }
    }

    const always = () => true
    const hooks: Middleware.MethodHooks<never> = {
      onListTools: cached("tools/list", always),
      onCallTool: callTools.size === 0
        ? undefined
        : cached("tools/call", (result) => (result as { readonly isError?: boolean }).isError !== true),
      // A list that left out a template whose `list` failed: the next list asks that template again.
      onListResources: cached("resources/list", (result) => !isPartial(result)),
      onListResourceTemplates: cached("resources/templates/list", always),
      onReadResource: cached("resources/read", always),
      onListPrompts: cached("prompts/list", always),
      onGetPrompt: cached("prompts/get", always)
    }
    return Middleware.make("response-cache", hooks)
  })

/**
 * The cache as a Layer: builds it ({@link make}) and registers its middleware with the server
 * while the Layer lives (like `McpServer.middleware`). A TTL that is not a number > 0 is a
 * `RangeError` naming it, a method misspelt in `methods` or an option of the wrong kind a
 * `TypeError`, thrown here.
 *
 * **Example** (Caching one tool's results in memory)
 *
 * ```ts
 * const Cached = ResponseCache.layer({ callTools: ["convert_units"] }).pipe(
 *   Layer.provide(ResponseCache.CacheStore.layerMemory())
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: Config = {}): Layer.Layer<never, never, McpServer.McpServer | CacheStore> => {
  checkConfig(config)
  return McpServer.middlewareFrom(make(config))
}

