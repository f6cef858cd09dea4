/**
 * The Redis stores' options are checked when their Layer is made: a time or a bound out of range
 * is a `RangeError` naming the option, thrown by `RedisStores.layer` (or the store's `layer`),
 * before anything connects, as `TaskStore.layerMemory` and `McpServer.tasks` refuse theirs.
 */
import { assert, describe, it } from "@effect/vitest"
import { RedisCacheStore, RedisEventStore, RedisRateLimitStore, RedisStores, RedisTaskStore } from "../../src/redis.ts"

const url = "redis://127.0.0.1:1"

describe("Redis store options out of range", () => {
  // Fails before: only `timeoutMillis` and the event store's bounds were checked, and only when
  // the Layer was built (a defect at start); `recheckMillis` of NaN or 0 made the task store's
  // re-reads a loop that never waits, and `connectTimeoutMillis` of NaN failed every connect after
  // a second ("no answer within NaN ms"), 0 at once.
  it("are refused when made, with a RangeError naming the option", () => {
    const bad: ReadonlyArray<[string, RedisStores.Options]> = [
      ["TaskStore: recheckMillis", { url, tasks: { recheckMillis: Number.NaN } }],
      ["TaskStore: recheckMillis", { url, tasks: { recheckMillis: 0 } }],
      ["TaskStore: recheckMillis", { url, tasks: { recheckMillis: -5 } }],
      ["TaskStore: recheckMillis", { url, tasks: { recheckMillis: Number.POSITIVE_INFINITY } }],
      ["TaskStore: maxTasksPerOwner", { url, tasks: { maxTasksPerOwner: Number.NaN } }],
      ["RateLimitStore: timeoutMillis", { url, timeoutMillis: Number.NaN }],
      ["RateLimitStore: timeoutMillis", { url, timeoutMillis: 0 }],
      ["EventStore: maxEventsPerStream", { url, events: { maxEventsPerStream: Number.NaN } }],
      ["EventStore: ttlMillis", { url, events: { ttlMillis: 0 } }],
      ["RedisStores: connectTimeoutMillis", { url, connectTimeoutMillis: Number.NaN }],
      ["RedisStores: connectTimeoutMillis", { url, connectTimeoutMillis: 0 }]
    ]
    for (const [message, options] of bad) {
      assert.throws(() => RedisStores.layer(options), RangeError, `${message} must be`, JSON.stringify(options))
      if (message.startsWith("RedisStores")) continue
      assert.throws(() => RedisStores.layerStores(options), RangeError, `${message} must be`, JSON.stringify(options))
    }
    assert.throws(() => RedisTaskStore.layer({ recheckMillis: Number.NaN }), RangeError, "TaskStore: recheckMillis must be")
    assert.throws(() => RedisEventStore.layer({ maxStreamsPerSession: 0 }), RangeError, "EventStore: maxStreamsPerSession must be")
    assert.throws(() => RedisCacheStore.layer({ timeoutMillis: -1 }), RangeError, "CacheStore: timeoutMillis must be")
    assert.throws(() => RedisRateLimitStore.layer({ timeoutMillis: Number.NaN }), RangeError, "RateLimitStore: timeoutMillis must be")
    // What the options document stays allowed.
    assert.doesNotThrow(() =>
      RedisStores.layer({
        url,
        timeoutMillis: 1,
        connectTimeoutMillis: 1,
        events: { maxEventsPerStream: 1, maxStreamsPerSession: 1, ttlMillis: 1 },
        tasks: { recheckMillis: 1, maxTasks: Number.POSITIVE_INFINITY, maxTtlMillis: Number.POSITIVE_INFINITY }
      })
    )
  })
})
