/**
 * The stores on Redis: `effect-mcp-server/redis`.
 *
 * Each store is a Layer that needs `effect/persistence`'s `Redis` service, every key under a
 * configurable prefix; `RedisStores.layer({ url, prefix })` connects (node-redis, through
 * `@effect/platform-node`'s `NodeRedis`: `redis` is an optional peer dependency, needed only by
 * it) and provides them all. A store whose Redis fails or does not answer fails with a
 * `StoreError`, which requests answer with -32603 "Store unavailable: <store>".
 *
 * @since 0.2.0
 */

/**
 * Every store on one Redis in one call: `RedisStores.layer({ url, prefix })`.
 *
 * @since 0.2.0
 */
export * as RedisStores from "./redis/RedisStores.ts"
/**
 * The `RateLimitStore` on Redis: one budget across replicas, the in-memory store's algorithms.
 *
 * @since 0.2.0
 */
export * as RedisRateLimitStore from "./redis/RedisRateLimitStore.ts"
/**
 * The `CacheStore` of `ResponseCache` on Redis: a TTL per entry.
 *
 * @since 0.2.0
 */
export * as RedisCacheStore from "./redis/RedisCacheStore.ts"
/**
 * The `EventStore` of Streamable HTTP resumability on Redis: the in-memory store's eviction rules.
 *
 * @since 0.2.0
 */
export * as RedisEventStore from "./redis/RedisEventStore.ts"
/**
 * The `TaskStore` on Redis: tasks, limits and changes shared by replicas, the in-memory store's rules.
 *
 * @since 0.2.0
 */
export * as RedisTaskStore from "./redis/RedisTaskStore.ts"
/**
 * `ReplicaChanges` on Redis pub/sub: resource updates and list changes reach every replica.
 *
 * @since 0.2.0
 */
export * as RedisReplicaChanges from "./redis/RedisReplicaChanges.ts"
