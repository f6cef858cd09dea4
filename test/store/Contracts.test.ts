/**
 * The store contracts (test/store/contracts.ts) against the in-memory stores; the Redis stores run
 * the same suites in test/redis/.
 */
import { describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { TestClock } from "effect/testing"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import * as EventStore from "../../src/transport/http/EventStore.ts"
import { cacheStoreContract, eventStoreContract, rateLimitStoreContract } from "./contracts.ts"

describe("RateLimitStore contract: memory", () => {
  rateLimitStoreContract(it.effect, RateLimit.makeMemoryStore())
})

describe("CacheStore contract: memory", () => {
  cacheStoreContract(it.effect, ResponseCache.makeMemoryStore(), (millis) => TestClock.adjust(millis))
})

describe("EventStore contract: memory", () => {
  eventStoreContract(it.effect, (options) => Effect.sync(() => EventStore.makeMemory(options)))
})
