/**
 * The `RateLimitStore` on Redis: one budget per key shared by every server (replica) that uses the
 * same Redis and prefix, with exactly the algorithms of the in-memory store (`RateLimit`'s token
 * bucket and sliding window), each `consume` one atomic Lua script.
 *
 * **Details**
 *
 * - One key per budget, `<prefix>rate-limit:<key>`: a hash of the bucket's tokens and time, or a
 *   sorted set of the window's hits (a `consume` reads and writes a few of them, not the whole
 *   log: its cost does not grow with the hits in the window). The window's total is a difference
 *   of running totals: exact for whole costs (the middleware's); with fractional costs (0.1) it
 *   may differ from the in-memory sum in its last bits, so that a cost bringing the window to its
 *   limit exactly may be refused here and allowed in memory, or the other way. It expires once it would read as a
 *   fresh key anyway (a full bucket, an empty window), plus a second: Redis needs no `maxKeys`.
 * - The time is the caller's `Clock` (so `TestClock` drives it too), sent with each call: replicas
 *   should keep their clocks in sync (NTP); a clock that goes back never locks a key out (the
 *   algorithms' own rule).
 * - Why not `effect/persistence`'s `RateLimiter`: its algorithms are a fixed window and a bucket
 *   refilled by whole tokens, and the middleware's are a sliding window and a continuous bucket,
 *   whose exact decisions (`remaining`, `retryAfterMillis`) clients already see; the script keeps
 *   them, number for number.
 * - A Redis that fails or does not answer within `timeoutMillis` fails `consume` with a
 *   `StoreError`: the middleware refuses the request (-32603 "Store unavailable: RateLimitStore").
 *   Each consume carries a deadline on Redis's clock (this process's estimate of it, from the
 *   answers), a little before the bound: run later (a Redis that stalled runs what queued meanwhile
 *   as it resumes), it counts nothing, since its request was refused.
 *
 * **Example** (A limit shared by every replica)
 *
 * ```ts
 * const Limits = McpServer.middleware(
 *   RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 100, windowMillis: 60_000 }) })
 * ).pipe(Layer.provide(RedisRateLimitStore.layer({ prefix: "my-server:" })), Layer.provide(redis))
 * ```
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import { type Decision, type Policy, RateLimitStore, type RateLimitStoreShape } from "../middleware/builtin/RateLimit.ts"
import { StoreError } from "../store/StoreError.ts"
import { checkStoreOptions, redisClock, calls, resolve, type StoreOptions } from "./internal/store.ts"

/**
 * Options of the Redis rate-limit store.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends StoreOptions {}

// NOTE: a port of `RateLimit.consumeTokenBucket` and `consumeSlidingWindow`, operation for
// operation (Lua's numbers are the same doubles): keep them in step. Numbers are stored and
// returned as "%.17g" strings (Redis would truncate a returned number to an integer); -1 is an
// infinite wait. The window's total is a difference of running totals, not a sum of the hits in
// the window: the same number for whole costs (the middleware's are 1), maybe not to the last bit
// for fractions.
const lua = `
local function num(x) return string.format('%.17g', x) end
local function member(seq, total, c) return string.format('%016d', seq) .. ':' .. num(total) .. ':' .. num(c) end
local function parse(m)
  local seq, total, c = string.match(m or '', '^(%d+):([^:]+):([^:]+)$')
  return tonumber(seq), tonumber(total), tonumber(c)
end
-- Run past its deadline (Redis's clock, ARGV[7]): its caller stopped waiting and refused the
-- request (a Redis that stalled runs what queued meanwhile as it resumes): nothing is counted.
local clock = redis.call('TIME')
local redisNow = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if redisNow > tonumber(ARGV[7]) then return { -1, '0', '0', tostring(redisNow) } end
local key = KEYS[1]
local kind = ARGV[1]
local now = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local slack = tonumber(ARGV[6])
local allowed, remaining, retry, ttl
-- A key that cannot be read as a budget (another type, numbers that are not numbers: written by
-- hand) reads as a fresh key and is written over, not a failure of every request of that key.
if kind == 'tb' then
  local state = redis.pcall('HMGET', key, 'kind', 'tokens', 'at')
  if state.err then state = {} end
  local capacity = tonumber(ARGV[4])
  local rate = tonumber(ARGV[5])
  local tokens = capacity
  local storedTokens, storedAt = tonumber(state[2]), tonumber(state[3])
  if state[1] == 'tb' and storedTokens and storedAt then
    local elapsed = math.max(0, now - storedAt)
    tokens = math.min(capacity, storedTokens + elapsed * rate / 1000)
  end
  allowed = cost <= tokens
  if allowed then tokens = tokens - cost end
  retry = 0
  if not allowed then
    if cost > capacity then retry = -1 else retry = math.ceil((cost - tokens) * 1000 / rate) end
  end
  remaining = math.floor(tokens)
  redis.call('DEL', key)
  redis.call('HSET', key, 'kind', 'tb', 'tokens', num(tokens), 'at', num(now))
  ttl = (capacity - tokens) * 1000 / rate
else
  local limit = tonumber(ARGV[4])
  local window = tonumber(ARGV[5])
  local since = now - window
  -- The log is a sorted set: one member per hit, scored by its time, named
  -- '<seq>:<total>:<cost>' (seq zero-padded, so hits of one millisecond keep their order; total:
  -- the cost of every hit up to this one since the log began). The hits in the window are the
  -- members between the first and the last, their cost the difference of the totals: each call
  -- reads a few members, whatever the size of the log.
  local t = redis.call('TYPE', key)
  t = t.ok or t
  if t == 'hash' then
    -- A log of the previous version (one string of 'at:cost' pairs): moved over once.
    local old = redis.pcall('HMGET', key, 'kind', 'hits')
    redis.call('DEL', key)
    if not old.err and old[1] == 'sw' and old[2] then
      local seq, total = 0, 0
      for at, c in string.gmatch(old[2], '([^:,]+):([^,]+)') do
        at, c = tonumber(at), tonumber(c)
        if at and c and at > since then
          seq = seq + 1
          total = total + c
          redis.call('ZADD', key, num(at), member(seq, total, c))
        end
      end
    end
  elseif t ~= 'zset' and t ~= 'none' then
    redis.call('DEL', key)
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', num(since))
  -- Hits "in the future" (the clock went back) count as now.
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. num(now), '+inf')) do
    redis.call('ZADD', key, num(now), m)
  end
  local seq, total, base = 0, 0, 0
  local first = redis.call('ZRANGE', key, 0, 0)[1]
  if first then
    local _, firstTotal, firstCost = parse(first)
    local lastSeq, lastTotal = parse(redis.call('ZRANGE', key, -1, -1)[1])
    if firstTotal and firstCost and lastSeq and lastTotal then
      seq, total, base = lastSeq, lastTotal, firstTotal - firstCost
    else
      -- Members that are not hits (written by hand): a fresh key.
      redis.call('DEL', key)
    end
  end
  local used = total - base
  allowed = used + cost <= limit
  retry = 0
  if allowed then
    redis.call('ZADD', key, num(now), member(seq + 1, total + cost, cost))
    used = used + cost
  elseif cost > limit then
    retry = -1
  else
    -- The oldest hit whose leaving frees enough: the first whose total reaches base + excess
    -- (totals grow along the log), found by bisection.
    local excess = used + cost - limit
    local lo, hi = 0, redis.call('ZCARD', key) - 1
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      local _, midTotal = parse(redis.call('ZRANGE', key, mid, mid)[1])
      if midTotal and midTotal - base >= excess then hi = mid else lo = mid + 1 end
    end
    local hit = redis.call('ZRANGE', key, lo, lo, 'WITHSCORES')
    retry = tonumber(hit[2]) + window - now
  end
  remaining = math.max(0, math.floor(limit - used))
  ttl = window
end
ttl = math.min(math.ceil(ttl) + slack, 1e13)
redis.call('PEXPIRE', key, string.format('%d', ttl))
if allowed then allowed = 1 else allowed = 0 end
return { allowed, num(remaining), num(retry), tostring(redisNow) }
`

const consumeScript = Redis.script(
  (key: string, kind: "tb" | "sw", now: number, cost: number, a: number, b: number, slackMillis: number, deadline: number) => [
    key,
    kind,
    now,
    cost,
    a,
    b,
    slackMillis,
    deadline
  ],
  { lua, numberOfKeys: 1 }
).withReturnType<readonly [number, string, string, string]>()

/** How long a key outlives the moment it reads as fresh again (clock skew between replicas). */
const slackMillis = 1_000

/** A consume Redis ran past its deadline: nothing was counted, and the request is not let through. */
const late = new StoreError({ store: "RateLimitStore", message: "Redis ran the consume after its time bound: nothing was counted" })

/**
 * Builds the store on the `Redis` service.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RateLimitStoreShape, never, Redis.Redis> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const call = calls(redis)
    const { prefix, run, timeoutMillis } = resolve("RateLimitStore", "rate-limit:", options)
    const consume = call.script(consumeScript)
    const clock = redisClock(redis, run, timeoutMillis)
    yield* clock.read
    return {
      consume: (key: string, policy: Policy, cost = 1): Effect.Effect<Decision, StoreError> =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          // Sent with a deadline (see the module's doc): the time is real time, whatever `Clock` is.
          const sentAt = Date.now()
          const deadline = clock.deadlineOf(sentAt)
          return Effect.flatMap(
            run(
              "consume",
              policy._tag === "TokenBucket"
                ? consume(prefix + key, "tb", now, cost, policy.capacity, policy.refillPerSecond, slackMillis, deadline)
                : consume(prefix + key, "sw", now, cost, policy.limit, policy.windowMillis, slackMillis, deadline)
            ),
            ([allowed, remaining, retry, redisNow]): Effect.Effect<Decision, StoreError> => {
              clock.sample(Number(redisNow), sentAt)
              if (Number(allowed) === -1) return Exit.fail(late)
              return Exit.succeed({
                allowed: Number(allowed) === 1,
                remaining: Number(remaining),
                retryAfterMillis: retry === "-1" ? Number.POSITIVE_INFINITY : Number(retry)
              })
            }
          )
        })
    }
  })

/**
 * The `RateLimitStore` on the `Redis` service (see the module's doc); a `RangeError` for an option out of range.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RateLimitStore, never, Redis.Redis> => {
  checkStoreOptions("RedisRateLimitStore.layer", options)
  return Layer.effect(RateLimitStore, make(options))
}
