/**
 * Every store of the server on one Redis, in one call: {@link layer} connects to Redis (node-redis,
 * through `@effect/platform-node`'s `NodeRedis`) and provides the `RateLimitStore`, the
 * `CacheStore`, the `EventStore` and the `TaskStore` on it, all keys under one prefix.
 *
 * **When to use**
 *
 * Several replicas of a server behind a load balancer: one rate-limit budget across them, tasks
 * any replica can read, cancel and wait for (their work still runs on the replica that created
 * them), and neither cached answers nor SSE events in their memory. Provide the Layer around
 * `serve` (`McpServer.serve(options, components, transport).pipe(Effect.provide(stores))`): the
 * server reads its `TaskStore`, and the Streamable HTTP transport its `EventStore`, from there.
 * Given to the components only (`components.pipe(Layer.provide(stores))`), it reaches only their
 * middleware (rate limits, the response cache): tasks and SSE events stay in each replica's
 * memory, unshared, and nothing says so.
 *
 * **Details**
 *
 * - The client fails a command at once while Redis is unreachable (`disableOfflineQueue`), and
 *   every store operation is bounded by `timeoutMillis`: a request that needs Redis then fails fast
 *   with -32603 "Store unavailable: <store>" (`McpError.storeUnavailable`), never hangs, and
 *   succeeds again once the client has reconnected (it retries with a backoff of at most about
 *   two seconds). A `READONLY` answer (a failover made the server it is connected to a replica,
 *   its address moved to the new primary) makes the client connect again, at most once a second.
 * - Building the Layer fails with a `StoreError` when Redis cannot be reached then, or when the
 *   optional peer dependency `redis` is not installed (it is loaded only here: the store layers
 *   on a `Redis` service of your own, {@link layerStores}, do not need it).
 * - `prefix` (default `"mcp:"`) comes before every key; servers sharing a Redis under distinct
 *   prefixes never see each other's keys. Replicas of one server (one `name` in the server's
 *   options) share one prefix; two servers of different names need one each. Given one by
 *   mistake, a task is still taken over only by a replica of its own server, but their task lists,
 *   limits and rate-limit budgets mix: a server with tasks that finds its prefix in use by one of
 *   another name logs a warning naming both (see `TaskStore.announce`).
 * - `resourceChanges: true` provides `ReplicaChanges` on the same client too (see
 *   `RedisReplicaChanges`; in the Layer's type too): resource updates and list changes reported on
 *   one replica reach the sessions and listen streams of the others. Off by default. Its
 *   subscription takes one more connection to Redis per replica (as each of the task store's three
 *   channels does: a subscribed connection carries nothing else).
 *
 * **Example** (The stores of a replicated server)
 *
 * ```ts
 * import { RedisStores } from "effect-mcp-server/redis"
 *
 * const Stores = RedisStores.layer({ url: "redis://127.0.0.1:6379", prefix: "weather:" })
 * const Limits = McpServer.middleware(
 *   RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 100, windowMillis: 60_000 }) })
 * )
 * McpServer.serve(options, Layer.merge(components, Limits), StreamableHttp.make({ port: 3000 })).pipe(
 *   Effect.provide(Stores)
 * )
 * ```
 *
 * @since 0.2.0
 */
import type * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redis from "effect/persistence/Redis"
import * as Scope from "effect/Scope"
import { setMaxListeners } from "node:events"
import type { RateLimitStore } from "../middleware/builtin/RateLimit.ts"
import type { CacheStore } from "../middleware/builtin/ResponseCache.ts"
import { StoreError } from "../store/StoreError.ts"
import type { TaskStore } from "../tasks/TaskStore.ts"
import type { EventStore } from "../transport/http/EventStore.ts"
import type { ReplicaChanges } from "../server/ReplicaChanges.ts"
import { checkMillis, checkStoreOptions, lendPromises, type StoreOptions } from "./internal/store.ts"
import * as RedisCacheStore from "./RedisCacheStore.ts"
import * as RedisEventStore from "./RedisEventStore.ts"
import * as RedisRateLimitStore from "./RedisRateLimitStore.ts"
import * as RedisReplicaChanges from "./RedisReplicaChanges.ts"
import * as RedisTaskStore from "./RedisTaskStore.ts"

/**
 * The stores {@link layer} provides.
 *
 * @since 0.2.0
 * @category models
 */
export type Stores = RateLimitStore | CacheStore | EventStore | TaskStore

/**
 * Options of {@link layerStores}: the prefix and time bound of every store, and the event store's bounds.
 *
 * @since 0.2.0
 * @category models
 */
export interface StoresOptions extends StoreOptions {
  /** The event store's bounds and key lifetime (see `RedisEventStore`). */
  readonly events?: Omit<RedisEventStore.Options, keyof StoreOptions> | undefined
  /** The task store's limits, TTLs and re-read interval (see `RedisTaskStore`). */
  readonly tasks?: Omit<RedisTaskStore.Options, keyof StoreOptions> | undefined
  /**
   * Resource updates and resource list changes (`McpServer.notifyResourceUpdated`,
   * `notifyResourceListChanged`) reported on one replica reach the sessions and listen streams
   * of every other, through Redis pub/sub (see `RedisReplicaChanges`): `true`, or its options.
   * Off by default (each replica tells its own only; nothing is published nor followed).
   *
   * @since 0.2.0
   */
  readonly resourceChanges?: boolean | Omit<RedisReplicaChanges.Options, keyof StoreOptions> | undefined
}

/**
 * Options of {@link layer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends StoresOptions {
  /** The Redis server, e.g. `redis://127.0.0.1:6379` (`rediss://` for TLS; user and password in it). */
  readonly url: string
  /**
   * More options of the node-redis client and of the pool behind `Redis.reserve` (`socket`,
   * `database`, `maxConnections`...); `disableOfflineQueue` is `true` unless set here,
   * node-redis's per-command timeout (`commandOptions.timeout`) is off unless set here (each store
   * operation is bounded by `timeoutMillis`), and `commandsQueueMaxLength` is 10 000 unless set
   * here (a Redis that stops reading, frozen or overloaded, fails what comes past that at once
   * instead of queueing it in memory). That bound is on the one connection all the stores share,
   * and it counts commands whose operation already timed out: raise it if your rate times the
   * longest stall you accept (a `BGSAVE` fork, say) is more than 10 000 commands. A connection
   * ended by `socket.socketTimeout` (a Redis that stopped answering) is made again, with the
   * backoff of any reconnect (node-redis gives up on it), unless `socket.reconnectStrategy` is
   * given: that one decides. Give `pingInterval` below `socketTimeout`: an idle connection
   * times out too, and is made again each time.
   */
  readonly client?: Omit<NodeRedisOptions, "url"> | undefined
  /**
   * How long connecting may take, the client's handshake included, before building the Layer
   * fails with a `StoreError` (and the connection is dropped). Default 5 000 ms. (A Redis that
   * accepts connections and never answers, frozen or behind a dead proxy, would otherwise hold the
   * start for ever: node-redis's `socket.connectTimeout` bounds only the TCP connection.)
   */
  readonly connectTimeoutMillis?: number | undefined
}

/**
 * The options `NodeRedis.layer` takes.
 *
 * @since 0.2.0
 * @category models
 */
export type NodeRedisOptions = NonNullable<Parameters<typeof NodeRedis.layer>[0]>

/**
 * The stores on the `Redis` service you provide (any client `effect/persistence`'s `Redis.make`
 * wraps). No dependency on `redis` or `@effect/platform-node`. An option out of range is a
 * `RangeError` naming it, thrown here.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerStores: {
  /** With `resourceChanges` on: `ReplicaChanges` too. */
  (options: StoresOptions & ChangesOn): Layer.Layer<Stores | ReplicaChanges, never, Redis.Redis>
  (options?: StoresOptions): Layer.Layer<Stores, never, Redis.Redis>
} = (options: StoresOptions = {}) => stores("RedisStores.layerStores", options)

/** The options that turn `resourceChanges` on: the Layer provides `ReplicaChanges` too, in its type. */
interface ChangesOn {
  readonly resourceChanges: true | Omit<RedisReplicaChanges.Options, keyof StoreOptions>
}

/**
 * The stores, their options checked first as `who`'s (a nested one named with its prefix:
 * `events.maxEventsPerStream`), not as the store's that gets it.
 */
const stores = (who: string, options: StoresOptions): Layer.Layer<Stores | ReplicaChanges, never, Redis.Redis> => {
  checkStoreOptions(who, options)
  RedisEventStore.checkOptions(who, options.events, "events.")
  RedisTaskStore.checkOptions(who, options.tasks, "tasks.")
  const changes = options.resourceChanges
  if (changes !== undefined && typeof changes !== "boolean" && (typeof changes !== "object" || changes === null)) {
    throw new TypeError(`${who}: resourceChanges must be a boolean or an object of options, not ${typeof changes}`)
  }
  if (typeof changes === "object") RedisReplicaChanges.checkOptions(who, changes, "resourceChanges.")
  const common: StoreOptions = { prefix: options.prefix, timeoutMillis: options.timeoutMillis }
  const all = Layer.mergeAll(
    RedisRateLimitStore.layer(common),
    RedisCacheStore.layer(common),
    RedisEventStore.layer({ ...options.events, ...common }),
    RedisTaskStore.layer({ ...options.tasks, ...common })
  )
  // Without `ReplicaChanges` when not asked: the overloads of `layer` and `layerStores` say which.
  if (changes === undefined || changes === false) return all as Layer.Layer<Stores | ReplicaChanges, never, Redis.Redis>
  return Layer.merge(all, RedisReplicaChanges.layer({ ...(changes === true ? {} : changes), ...common }))
}

/**
 * Connects to Redis at `url` and provides every store on it (see the module's doc), and the
 * `Redis` service itself (for stores of your own). The client closes when the Layer's scope does.
 * An option out of range (a time that is `NaN`, 0 or negative, a limit that is not one) is a
 * `RangeError` naming it, thrown here.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: {
  /** With `resourceChanges` on: `ReplicaChanges` too. */
  (options: Options & ChangesOn): Layer.Layer<Stores | ReplicaChanges | Redis.Redis, StoreError>
  (options: Options): Layer.Layer<Stores | Redis.Redis, StoreError>
} = (options: Options) => {
  // `NaN` gave up on every connect after a second ("no answer within NaN ms"), 0 at once.
  checkMillis("RedisStores.layer", "connectTimeoutMillis", options.connectTimeoutMillis)
  return stores("RedisStores.layer", options).pipe(Layer.provideMerge(client(options)))
}

/**
 * `@effect/platform-node`'s `NodeRedis`, and with it `redis` (an optional peer), imported when the
 * first {@link layer} is built: a program that imports this module without building one (its
 * stores on a `Redis` service of its own, {@link layerStores}) never needs `redis`; a failed
 * import is a defect, turned into a `StoreError` by {@link client}.
 *
 * Bundlers get a static import instead (`scripts/build.ts` writes `RedisStores.bundler.js` with
 * this line replaced, reached through `effect-mcp-server/redis`'s `module` export condition): a
 * bundler that meets an `import()` wraps the imported module and everything it imports, `effect`
 * included, in lazy initialisers (114 in a bundled Redis-store server, +4.8 % instructions to its
 * first answer: callgrind), while a static import that nothing uses is tree-shaken away. Keep this line as it
 * is: the build checks for it.
 */
const nodeRedisModule = Effect.promise(() => import("@effect/platform-node/NodeRedis"))

/** The node-redis client as the `Redis` service, `redis` loaded on first use. */
const client = (options: Options): Layer.Layer<Redis.Redis, StoreError> =>
  Layer.effectContext(Effect.gen(function*() {
    const NodeRedisModule = yield* Effect.catchDefect(nodeRedisModule, (cause) =>
      Effect.fail(
        new StoreError({
          store: "Redis",
          message: "RedisStores.layer needs the packages redis and @effect/platform-node: npm install redis",
          cause
        })
      ))
    // Aborted when the connect is abandoned: see `abandonable`.
    const connecting = new AbortController()
    // node-redis's own command timeout is off unless `client.commandOptions` sets one: it bounds
    // only the wait before a command is written (short here: the offline queue is off; longer
    // only while the socket is backed up), at the cost of an AbortSignal timer per command. Each
    // store operation is bounded by `timeoutMillis` instead, until its answer.
    const nodeRedisLayer = NodeRedisModule.layer({
      disableOfflineQueue: true,
      ...options.client,
      socket: abandonable(options.client?.socket, connecting.signal),
      // `undefined` or 0 would be no bound at all.
      commandsQueueMaxLength: options.client?.commandsQueueMaxLength || defaultQueueLength,
      commandOptions: { timeout: 0, ...options.client?.commandOptions },
      url: options.url
    })
    const cannotConnect = (cause: unknown) =>
      new StoreError({ store: "Redis", message: `Cannot connect to Redis at ${redacted(options.url)}`, cause })
    // Built in a scope of its own, by a fiber of its own: a build past the bound is left to finish
    // (or fail) by itself, and closed then, since interrupting it would wait, in the client's
    // close, for the answers of a Redis that does not answer. Its socket is destroyed at once
    // (the abort): the connect fails then, instead of keeping its connection until Redis answers.
    const scope = yield* Scope.make()
    const building = yield* Effect.forkDetach(Layer.buildWithScope(nodeRedisLayer, scope))
    const abandon = Effect.asVoid(Effect.forkDetach(Effect.andThen(
      Effect.sync(() => connecting.abort()),
      Effect.andThen(Fiber.await(building), Scope.close(scope, Exit.void))
    )))
    const built = yield* Effect.onInterrupt(
      Effect.timeoutOption(Fiber.await(building), options.connectTimeoutMillis ?? 5_000),
      // Interrupted meanwhile (a signal at start, the caller's own timeout): closed once built too.
      () => abandon
    )
    if (Option.isNone(built)) {
      yield* abandon
      return yield* cannotConnect(`no answer within ${options.connectTimeoutMillis ?? 5_000} ms`)
    }
    if (built.value._tag === "Failure") {
      yield* Scope.close(scope, Exit.void)
      const failure = built.value.cause.reasons.find((reason) => reason._tag === "Fail")
      return yield* cannotConnect(failure === undefined ? built.value.cause : failure.error.cause)
    }
    const context = built.value.value
    // Closing waits for the replies of the commands in flight: a Redis that stopped answering (frozen,
    // or a dead proxy in between) would hold the shutdown for ever. The client is destroyed if it
    // has not closed within the operations' bound; a close that ends first clears the timer (left
    // behind, it kept the closed client reachable until it fired, to destroy it again).
    const nodeRedis = Context.get(context as Context.Context<NodeRedis.NodeRedis>, NodeRedisModule.NodeRedis)
    const bound = options.timeoutMillis ?? 2_000
    yield* Effect.addFinalizer((exit) =>
      Effect.suspend(() => {
        const timer = setTimeout(() => {
          try {
            nodeRedis.client.destroy()
          } catch {
            // Already closing or closed: nothing to destroy.
          }
        }, bound).unref()
        return Effect.ensuring(Scope.close(scope, exit), Effect.sync(() => clearTimeout(timer)))
      })
    )
    if (options.client?.socket?.reconnectStrategy === undefined) yield* reconnectAfterTimeout(nodeRedis.client)
    return Context.add(context, Redis.Redis, yield* reconnectOnReadOnly(nodeRedis.client, Context.get(context, Redis.Redis)))
  }))

/** Redis's answer to a write sent to a replica (a script's write too), as node-redis's error prints it. */
const readOnlyAnswer = /^(?:\w+: )?READONLY /

/**
 * The `Redis` service whose commands (and scripts, `eval`) answered `READONLY` connect the client again, at most once a
 * second, until the scope closes: the server it is connected to is a replica now (a failover, its
 * address moved to the new primary), and node-redis stays on it, every write failing for good.
 * The commands of that answer fail as they did; those after it reach the new primary once
 * connected (while connecting, they fail at once).
 */
const reconnectOnReadOnly = (
  client: NodeRedis.NodeRedis["Service"]["client"],
  redis: Redis.Redis["Service"]
): Effect.Effect<Redis.Redis["Service"], never, Scope.Scope> =>
  Effect.suspend(() => {
    let closed = false
    let lastAt = Number.NEGATIVE_INFINITY
    const readOnly = (cause: unknown) => {
      if (closed || !readOnlyAnswer.test(String(cause)) || Date.now() - lastAt < 1_000) return
      lastAt = Date.now()
      try {
        client.destroy()
      } catch {
        // Already closed: connected again below.
      }
      client.connect().catch(() => undefined)
    }
    const noticed = (error: Redis.RedisError) => Effect.sync(() => readOnly(error.cause))
    const send = <A = unknown>(command: string, ...args: ReadonlyArray<string>): Effect.Effect<A, Redis.RedisError> =>
      Effect.tapError(redis.send<A>(command, ...args), noticed)
    const evalScript: Redis.Redis["Service"]["eval"] = (script) => {
      const run = redis.eval(script)
      return (...params) => Effect.tapError(run(...params), noticed)
    }
    // The stores' calls are the client's promises (see `lendPromises`): what `send` does, the
    // client's `Effect.tryPromise` and the fiber bounding it aside.
    const failed = (cause: unknown) => {
      readOnly(cause)
      throw cause
    }
    const service = lendPromises({ ...redis, send, eval: evalScript }, (command, args) => client.sendCommand([command, ...args]).catch(failed))
    return Effect.as(Effect.addFinalizer(() => Effect.sync(() => void (closed = true))), service)
  })

/**
 * Connects `client` again, with the backoff of its reconnects, each time its socket timeout
 * (`client.socket.socketTimeout`: a Redis that stopped answering) closed it, until the scope
 * closes. node-redis does not reconnect after a socket timeout, nor does NodeRedis's strategy
 * (which the client has when the caller gives none): the client stayed closed for good, every
 * operation failing "Store unavailable" after Redis answered again. A strategy of the caller's
 * decides for itself.
 */
const reconnectAfterTimeout = (client: NodeRedis.NodeRedis["Service"]["client"]): Effect.Effect<void, never, Scope.Scope> =>
  Effect.suspend(() => {
    let closed = false
    let timer: ReturnType<typeof setTimeout> | undefined
    // Tries since the client was last ready: the delay doubles from 50 ms up to 2 s, as node-redis's.
    let tries = 0
    const onReady = () => void (tries = 0)
    const onTerminated = () => {
      if (closed || timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        // Failing again, or timed out again, it ends in another `terminated`.
        if (!closed && !client.isOpen) client.connect().catch(() => undefined)
      }, Math.min(2 ** tries++ * 50, 2_000) + Math.floor(Math.random() * 200))
    }
    client.on("ready", onReady)
    client.on("terminated", onTerminated)
    return Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        clearTimeout(timer)
        client.off("ready", onReady)
        client.off("terminated", onTerminated)
      })
    )
  })

/**
 * The client's socket options with `signal`, which node-redis hands to Node's `net`/`tls` connect
 * with the rest: aborting it destroys the socket of a connect still waiting for Redis's answer to
 * its handshake. Nothing else reaches it from outside: `connect()` has not returned the client
 * yet, and node-redis's `socket.connectTimeout` bounds only the TCP connection. A reconnect
 * strategy of the caller's gives up once it is aborted (its sockets would be destroyed at once,
 * again and again); without one, NodeRedis's gives up on the first failure before `ready` anyway.
 */
const abandonable = (socket: NodeRedisOptions["socket"], signal: AbortSignal): NonNullable<NodeRedisOptions["socket"]> => {
  // `tls.ConnectionOptions` does not declare `signal`, which `tls.connect` honours as `net.connect` does.
  const given = (socket as { readonly signal?: AbortSignal } | undefined)?.signal
  const strategy = socket?.reconnectStrategy
  const signals = given === undefined ? signal : AbortSignal.any([given, signal])
  // Every socket of the client listens to it while open (its duplicates too: reserved connections,
  // subscribers), more than the 10 past which Node warns of a leak.
  setMaxListeners(0, signals)
  return {
    ...socket,
    signal: signals,
    ...(strategy === undefined ? {} : {
      reconnectStrategy: (retries: number, cause: Error) =>
        signal.aborted ? cause : typeof strategy === "function" ? strategy(retries, cause) : strategy
    })
  } as NonNullable<NodeRedisOptions["socket"]>
}

/**
 * How many commands may wait for Redis (to be written, or for their answer) before new ones fail
 * at once: far above what a healthy Redis ever has waiting, and a bound on what a frozen one piles
 * up in memory (with node-redis's own command timeout off, nothing else drops them).
 */
const defaultQueueLength = 10_000

/** The URL without its password (for messages and logs). */
const redacted = (url: string): string => {
  if (!URL.canParse(url)) return "(an invalid URL)"
  const parsed = new URL(url)
  if (parsed.password !== "") parsed.password = "***"
  return parsed.toString()
}
