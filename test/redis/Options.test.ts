/**
 * The Redis stores' options are checked when their Layer is made: a time or a bound out of range
 * is a `RangeError` naming the option, thrown by `RedisStores.layer` (or the store's `layer`),
 * before anything connects, as `TaskStore.layerMemory` and `McpServer.tasks` refuse theirs.
 */
import { assert, describe, it } from "@effect/vitest"
import { RedisCacheStore, RedisEventStore, RedisRateLimitStore, RedisReplicaChanges, RedisStores, RedisTaskStore } from "../../src/redis.ts"

const url = "redis://127.0.0.1:1"

describe("Redis store options out of range", () => {
  // Fails before: only `timeoutMillis` and the event store's bounds were checked, and only when
  // the Layer was built (a defect at start); `recheckMillis` of NaN or 0 made the task store's
  // re-reads a loop that never waits, and `connectTimeoutMillis` of NaN failed every connect after
  // a second ("no answer within NaN ms"), 0 at once.
  it("are refused when made, with a RangeError naming the option", () => {
    // Named by the function they were given to, a nested one with its prefix (failed before: a
    // store's own name, unprefixed, "EventStore: maxEventsPerStream" for `events` of
    // `RedisStores.layer`, "RateLimitStore: timeoutMillis" for its `timeoutMillis`).
    const bad: ReadonlyArray<[string, RedisStores.Options]> = [
      ["tasks.recheckMillis", { url, tasks: { recheckMillis: Number.NaN } }],
      ["tasks.recheckMillis", { url, tasks: { recheckMillis: 0 } }],
      ["tasks.recheckMillis", { url, tasks: { recheckMillis: -5 } }],
      ["tasks.recheckMillis", { url, tasks: { recheckMillis: Number.POSITIVE_INFINITY } }],
      ["tasks.maxTasksPerOwner", { url, tasks: { maxTasksPerOwner: Number.NaN } }],
      ["timeoutMillis", { url, timeoutMillis: Number.NaN }],
      ["timeoutMillis", { url, timeoutMillis: 0 }],
      ["events.maxEventsPerStream", { url, events: { maxEventsPerStream: Number.NaN } }],
      ["events.maxEventsPerStream", { url, events: { maxEventsPerStream: Number.POSITIVE_INFINITY } }],
      ["events.ttlMillis", { url, events: { ttlMillis: 0 } }],
      ["connectTimeoutMillis", { url, connectTimeoutMillis: Number.NaN }],
      ["connectTimeoutMillis", { url, connectTimeoutMillis: 0 }],
      ["resourceChanges.maxPending", { url, resourceChanges: { maxPending: 0 } }],
      ["resourceChanges.maxPending", { url, resourceChanges: { maxPending: Number.NaN } }],
      ["resourceChanges.warnEveryMillis", { url, resourceChanges: { warnEveryMillis: 0 } }],
      ["resourceChanges.warnEveryMillis", { url, resourceChanges: { warnEveryMillis: Number.NaN } }],
      ["resourceChanges.warnEveryMillis", { url, resourceChanges: { warnEveryMillis: Number.POSITIVE_INFINITY } }]
    ]
    for (const [name, options] of bad) {
      assert.throws(() => RedisStores.layer(options), RangeError, `RedisStores.layer: ${name} must be`, JSON.stringify(options))
      if (name === "connectTimeoutMillis") continue
      assert.throws(() => RedisStores.layerStores(options), RangeError, `RedisStores.layerStores: ${name} must be`, JSON.stringify(options))
    }
    assert.throws(() => RedisTaskStore.layer({ recheckMillis: Number.NaN }), RangeError, "RedisTaskStore.layer: recheckMillis must be")
    assert.throws(() => RedisEventStore.layer({ maxStreamsPerSession: 0 }), RangeError, "RedisEventStore.layer: maxStreamsPerSession must be")
    assert.throws(() => RedisCacheStore.layer({ timeoutMillis: -1 }), RangeError, "RedisCacheStore.layer: timeoutMillis must be")
    assert.throws(() => RedisRateLimitStore.layer({ timeoutMillis: Number.NaN }), RangeError, "RedisRateLimitStore.layer: timeoutMillis must be")
    assert.throws(() => RedisReplicaChanges.layer({ maxPending: 1.5 }), RangeError, "RedisReplicaChanges.layer: maxPending must be")
    assert.throws(() => RedisReplicaChanges.layer({ warnEveryMillis: -1 }), RangeError, "RedisReplicaChanges.layer: warnEveryMillis must be")
    assert.throws(() => RedisStores.layer({ url, resourceChanges: "yes" as never }), TypeError, "RedisStores.layer: resourceChanges must be a boolean")
    // What the options document stays allowed.
    assert.doesNotThrow(() =>
      RedisStores.layer({
        url,
        timeoutMillis: 1,
        connectTimeoutMillis: 1,
        events: { maxEventsPerStream: 1, maxStreamsPerSession: 1, ttlMillis: 1 },
        tasks: { recheckMillis: 1, maxTasks: Number.POSITIVE_INFINITY, maxTtlMillis: Number.POSITIVE_INFINITY },
        resourceChanges: { maxPending: 1, warnEveryMillis: 1 }
      })
    )
  })
})
