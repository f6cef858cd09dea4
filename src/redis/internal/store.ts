/**
 * What the Redis stores share: their options, the prefix of their keys, and how a Redis call
 * becomes a store operation (a `RedisError` or a timeout → `StoreError`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Redis from "effect/persistence/Redis"
import { createHash } from "node:crypto"
import { isEffect } from "../../internal/isExit.ts"
import * as NumericOptions from "../../internal/options.ts"
import { StoreError } from "../../store/StoreError.ts"

/** Options every Redis store takes. */
export interface StoreOptions {
  /**
   * The prefix of every key the store writes (default `"mcp:"`); each store adds its own part
   * (`rate-limit:`, `cache:`, `events:`). Servers sharing a Redis with distinct prefixes never see
   * each other's keys; replicas of one server share a prefix.
   */
  readonly prefix?: string | undefined
  /**
   * How long one operation may take before it fails with a `StoreError` (default 2 000 ms), so a
   * Redis that hangs never holds a request.
   */
  readonly timeoutMillis?: number | undefined
}

/** The default prefix of every key. */
export const defaultPrefix = "mcp:"

/** The default bound of one operation. */
export const defaultTimeoutMillis = 2_000

/**
 * `effect`, failed with `onTimeout()` (and interrupted) should it take longer than `millis`: what
 * `Effect.timeoutOrElse` does, for less. That one races two forked fibers (the effect and a sleep);
 * this runs the effect in one fiber (with the caller's context), started at once, under a plain
 * timer, and answers at once when the effect completes without waiting. The effect's fiber, its
 * timer and the caller's interruption are set up in one step (inside the callback): a caller
 * interrupted at any point interrupts the effect too. Every Redis operation of the stores is
 * bounded so.
 */
export const within = <A, E, E2>(effect: Effect.Effect<A, E>, millis: number, onTimeout: () => E2): Effect.Effect<A, E | E2> =>
  Effect.withFiber((parent) =>
    Effect.callback<A, E | E2>((resume) => {
      const fiber = Effect.runForkWith(parent.context)(effect)
      const done = fiber.pollUnsafe()
      if (done !== undefined) return resume(done)
      const timer = setTimeout(() => {
        remove()
        fiber.interruptUnsafe()
        resume(Effect.fail(onTimeout()))
      }, millis)
      const remove = fiber.addObserver((exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.sync(() => {
        clearTimeout(timer)
        remove()
        fiber.interruptUnsafe()
      })
    })
  )

/**
 * The promise of `command` sent with `args`, rejected with what the client rejects with (a
 * `RedisError`'s `cause`): what a client lends its `Redis` service (see {@link lendPromises}).
 */
export type SendPromise = (command: string, args: ReadonlyArray<string>) => Promise<unknown>

/** The promises lent to a `Redis` service, by service. */
const lent = new WeakMap<Redis.Redis["Service"], SendPromise>()

/**
 * Lends `redis` the promises of its commands (`RedisStores.layer` lends its node-redis client's): the
 * stores built on that service then make each call a promise (see {@link calls}), awaited without
 * an Effect of the client's (`redis.send`'s `Effect.tryPromise`) nor a fiber of its own to bound it.
 * `send` must do what `redis.send` does (the same command, the same failure as its `cause`).
 */
export const lendPromises = (redis: Redis.Redis["Service"], send: SendPromise): Redis.Redis["Service"] => {
  lent.set(redis, send)
  return redis
}

/**
 * One Redis call of a store (what {@link resolve}'s `run` takes): an effect, or, on a service that
 * was lent its client's promises, a function making the call's promise (called once, by `run`).
 */
export type Call<A> = Effect.Effect<A, Redis.RedisError> | (() => Promise<A>)

/**
 * The calls of a store on `redis` (see {@link Call}): promises when the service was lent them
 * ({@link lendPromises}), its effects otherwise. `script` is {@link evalScript}, as one promise.
 */
export const calls = (redis: Redis.Redis["Service"]): {
  readonly send: <A = unknown>(command: string, ...args: ReadonlyArray<string>) => Call<A>
  readonly script: <Config extends { readonly params: ReadonlyArray<unknown>; readonly result: unknown }>(
    script: Redis.Script<Config>
  ) => (...params: Config["params"]) => Call<Config["result"]>
} => {
  const send = lent.get(redis)
  if (send === undefined) return { send: redis.send, script: (script) => evalScript(redis, script) }
  return {
    send: <A>(command: string, ...args: ReadonlyArray<string>) => () => send(command, args) as Promise<A>,
    script: <Config extends { readonly params: ReadonlyArray<unknown>; readonly result: unknown }>(script: Redis.Script<Config>) => {
      const sha = createHash("sha1").update(script.lua).digest("hex")
      const load = ["LOAD", script.lua]
      return (...params: Config["params"]) => {
        const args = scriptArgs(sha, script, params)
        return () =>
          send("EVALSHA", args).catch((cause: unknown) =>
            String(cause).includes("NOSCRIPT") ? send("SCRIPT", load).then(() => send("EVALSHA", args)) : Promise.reject(cause)
          ) as Promise<Config["result"]>
      }
    }
  }
}

/**
 * The promise `make()`, failed with `onFailure` of its rejection, or with `onTimeout()` should it
 * not settle within `millis`: a Redis call under its bound in the caller's fiber (no fiber of its
 * own, as {@link within} needs for an effect). The caller interrupted stops waiting at once; the
 * timer is cleared on every path; an answer past the bound or the interruption is dropped (a
 * rejection too: handled, never unhandled).
 */
export const promised = <A, E>(
  make: () => PromiseLike<A>,
  millis: number,
  onFailure: (cause: unknown) => E,
  onTimeout: () => E
): Effect.Effect<A, E> =>
  Effect.callback<A, E>((resume) => {
    let settled = false
    let promise: PromiseLike<A>
    try {
      promise = make()
    } catch (cause) {
      return resume(Effect.fail(onFailure(cause)))
    }
    const timer = setTimeout(() => {
      settled = true
      resume(Effect.fail(onTimeout()))
    }, millis)
    promise.then(
      (value) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(Effect.succeed(value))
      },
      (cause) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(Effect.fail(onFailure(cause)))
      }
    )
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
    })
  })

/** The arguments of `EVALSHA` for `script` called with `params`. */
const scriptArgs = <Config extends { readonly params: ReadonlyArray<unknown>; readonly result: unknown }>(
  sha: string,
  script: Redis.Script<Config>,
  params: Config["params"]
): Array<string> => {
  const values = script.params(...params)
  const args = new Array<string>(values.length + 2)
  args[0] = sha
  args[1] = String(script.numberOfKeys(...params))
  for (let i = 0; i < values.length; i++) args[i + 2] = String(values[i])
  return args
}

/**
 * What `redis.eval(script)` does, for less: the script's SHA-1 is computed once, here, and each
 * call sends `EVALSHA` at once (on a `NOSCRIPT` answer, a Redis that restarted or was flushed, the
 * script is loaded and the call sent again). `Redis.eval` looks the script up in an Effect `Cache`
 * on every call: measured (a one-line script, 8 calls in flight, client CPU per call), 8.6 µs
 * against 6.1 µs for `EVALSHA` sent directly.
 */
export const evalScript = <Config extends { readonly params: ReadonlyArray<unknown>; readonly result: unknown }>(
  redis: Redis.Redis["Service"],
  script: Redis.Script<Config>
): (...params: Config["params"]) => Effect.Effect<Config["result"], Redis.RedisError> => {
  const sha = createHash("sha1").update(script.lua).digest("hex")
  const load = redis.send("SCRIPT", "LOAD", script.lua)
  return (...params) => {
    const args = scriptArgs(sha, script, params)
    const call = redis.send<Config["result"]>("EVALSHA", ...args)
    return Effect.catchIf(call, (error) => String(error.cause).includes("NOSCRIPT"), () => Effect.andThen(load, call))
  }
}

/**
 * Refuses a time of `store`'s options that no timer takes, with a `RangeError` naming the option:
 * `NaN` or 0 would be a bound of nothing (or, for an interval, a loop that never waits), and past
 * a Node timer's longest (`NumericOptions.maxTimerMillis`) it fires at once. `undefined` (the default) passes.
 */
export const checkMillis = (who: string, name: string, value: number | undefined): void =>
  NumericOptions.check(who, name, value, NumericOptions.timerMillis)

/**
 * Refuses options every store takes that are out of range (`timeoutMillis`), with a `RangeError`
 * naming the option and `who` took it (`RedisCacheStore.layer`; `prefix` before the name of a
 * nested option): what each store's `layer` calls, so that a bad value is refused when the
 * Layer is made, not when it is built.
 */
export const checkStoreOptions = (who: string, options: StoreOptions = {}, prefix = ""): void =>
  checkMillis(who, `${prefix}timeoutMillis`, options.timeoutMillis)

/** Reads the options: the full key prefix of a store and a function that runs its Redis calls. */
export const resolve = (store: string, part: string, options: StoreOptions = {}) => {
  // Named by the function that takes them: `RedisCacheStore.make` for the `CacheStore`.
  checkStoreOptions(`Redis${store}.make`, options)
  const timeoutMillis = options.timeoutMillis ?? defaultTimeoutMillis
  const timedOut = (operation: string) => () =>
    new StoreError({ store, message: `Redis did not answer ${operation} within ${timeoutMillis} ms` })
  return {
    prefix: `${options.prefix ?? defaultPrefix}${part}`,
    /** The bound of one operation, in ms. */
    timeoutMillis,
    /**
     * Runs one Redis call as a store operation: its failure or its time out is a `StoreError`. A
     * call that is one promise (see {@link Call}) is awaited under a plain timer, in the caller's
     * fiber; an effect runs in a fiber of its own (see {@link within}).
     */
    run: <A>(operation: string, call: Call<A>): Effect.Effect<A, StoreError> =>
      isEffect(call)
        ? within(
          Effect.mapError(call, (error) => new StoreError({ store, message: `Redis failed ${operation}`, cause: error.cause })),
          timeoutMillis,
          timedOut(operation)
        )
        : promised(
          call,
          timeoutMillis,
          (cause) => new StoreError({ store, message: `Redis failed ${operation}`, cause }),
          timedOut(operation)
        )
  }
}

/**
 * Redis's clock as this process estimates it, for the deadlines of calls whose script must do
 * nothing once their caller stopped waiting (see {@link RedisClock.deadlineOf}).
 */
export interface RedisClock {
  /**
   * The deadline (Redis's clock) of a call sent at `sentAt` (`Date.now()`): a margin before this
   * process stops waiting (the operation's bound), so that an answer can still arrive in time.
   */
  readonly deadlineOf: (sentAt: number) => number
  /** A time of this process's (`Date.now()`) on Redis's clock, as estimated (a lower bound). */
  readonly toRedis: (at: number) => number
  /** Takes Redis's time read in a call sent at `sentAt` (its script's `TIME`, in ms). */
  readonly sample: (redisNow: number, sentAt: number) => void
  /** Reads Redis's time once (`TIME`), to start from; a failure leaves the estimate as it is. */
  readonly read: Effect.Effect<void>
}

/**
 * A {@link RedisClock}: Redis's clock minus this process's, in ms, as a lower bound (Redis's time
 * read in a call minus this process's time at the answer: the script ran before). Too low is the
 * safe side: a deadline a little early. Of the samples of the last minute, the one of the quickest
 * call is kept: a slow answer (a Redis that stalled) would set the bound too low. 0 without an
 * answer. Samples come from the answers of the calls that read Redis's time (the task store's
 * creations and claims, the rate limiter's consumes).
 */
export const redisClock = (
  redis: Redis.Redis["Service"],
  run: <A>(operation: string, call: Call<A>) => Effect.Effect<A, StoreError>,
  timeoutMillis: number
): RedisClock => {
  let offset = 0
  let offsetRoundTrip = Number.POSITIVE_INFINITY
  let offsetAt = 0
  const margin = Math.min(250, Math.floor(timeoutMillis / 4))
  const sample = (redisNow: number, sentAt: number) => {
    const now = Date.now()
    if (!Number.isFinite(redisNow)) return
    const roundTrip = now - sentAt
    if (roundTrip <= offsetRoundTrip || now - offsetAt > 60_000) {
      offset = redisNow - now
      offsetRoundTrip = roundTrip
      offsetAt = now
    }
  }
  return {
    deadlineOf: (sentAt) => sentAt + offset + timeoutMillis - margin,
    toRedis: (at) => at + offset,
    sample,
    read: Effect.ignore(Effect.flatMap(Effect.sync(() => Date.now()), (sentAt) =>
      Effect.map(run("TIME", redis.send<ReadonlyArray<string>>("TIME")), ([seconds, micros]) =>
        sample(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), sentAt))))
  }
}
