/**
 * A Redis that accepts connections but does not answer (frozen with SIGSTOP: a stalled server, a
 * proxy in front of a dead one): starting the stores fails within a bound, with a `StoreError`
 * (the doc: "Building the Layer fails with a StoreError when Redis cannot be reached then"), and a
 * server on those stores still stops on SIGTERM. Found by fuzzing; these fail before a fix (the
 * build waited for ever, and no timeout or signal ended it; the shutdown waited for Redis to
 * answer, a second signal too). And the client comes back: after its `socketTimeout` ended a
 * connection to the frozen Redis (node-redis gives up then), and after a failover (the old
 * primary, now a replica, answers writes READONLY; the address leads to the new primary).
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as Scope from "effect/Scope"
import { type AddressInfo, connect, createServer, type Server } from "node:net"
import { fileURLToPath } from "node:url"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import { RedisStores } from "../../src/redis.ts"
import { isStoreError } from "../../src/store/StoreError.ts"
import { spawnNode } from "../support/child.ts"
import * as TestRedisServer from "../support/redis.ts"
import { redisClient, TestRedis } from "../support/redis.ts"
import { listenBound } from "../support/replicas.ts"

const fixture = fileURLToPath(new URL("../fixtures/redis-stores-server.ts", import.meta.url))

layer(TestRedis.layer, { excludeTestServices: true })("a Redis that does not answer", (it) => {
  it.effect("RedisStores.layer fails with a StoreError within a bound, instead of waiting for ever", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      yield* redis.freeze
      const scope = yield* Scope.make()
      // Thawed before anything is closed: a build still waiting then finishes, and closes.
      yield* Effect.addFinalizer(() => Effect.andThen(redis.thaw, Scope.close(scope, Exit.void)))
      const build = Effect.runFork(Layer.buildWithScope(RedisStores.layer({ url: redis.url, timeoutMillis: 500, connectTimeoutMillis: 1_000 }), scope))
      // Its bound is `connectTimeoutMillis` (1 s); what this catches is a build waiting for ever.
      // 15 s, not the 5 s it was, leaves room for a loaded machine (a load of 18 on two cores).
      const outcome = yield* Effect.promise(() =>
        new Promise<Exit.Exit<unknown, unknown> | "still building">((resolve) => {
          const timer = setTimeout(() => resolve("still building"), 15_000)
          build.addObserver((exit) => {
            clearTimeout(timer)
            resolve(exit)
          })
        })
      )
      assert.notStrictEqual(outcome, "still building", "the build waited for Redis for more than 15 s")
      if (outcome !== "still building") {
        assert.isTrue(Exit.isFailure(outcome))
        if (Exit.isFailure(outcome)) {
          const error = outcome.cause.reasons.find((reason) => reason._tag === "Fail")
          assert.isTrue(error !== undefined && isStoreError(error.error), String(outcome.cause))
          // Given up at its own bound, not the default 5 s (which the 15 s above lets pass).
          assert.strictEqual(error !== undefined && isStoreError(error.error) ? error.error.cause : undefined, "no answer within 1000 ms")
        }
      }
    }), 30_000)

  it.effect("a server on the stores stops on SIGTERM while Redis does not answer (it waited for Redis, a second signal too)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const running = yield* spawnNode(fixture, [redis.url])
      yield* Effect.addFinalizer(() => redis.thaw)
      const answer = (id: number, millis = 10_000) => Effect.promise(() => running.until(() => running.messages().find((m) => m.id === id), millis))
      running.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } })
      // The first answer waits for the server's start too: bounded as a replica's is (`listenBound`, 120 s).
      assert.isDefined(yield* answer(0, listenBound), "initialized")
      running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      running.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: {} } })
      assert.strictEqual((yield* answer(1))?.result?.content?.[0]?.text, "echo")

      yield* redis.freeze
      running.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: {} } })
      assert.include((yield* answer(2))?.error?.message, "Store unavailable: RateLimitStore")
      running.child.kill("SIGTERM")
      // The stop waits for Redis at most the stores' 500 ms; what this catches is a stop waiting for
      // ever. 15 s, not the 5 s it was, leaves room for a loaded machine.
      const first = yield* Effect.promise(() => running.exited(15_000))
      if (first === undefined) {
        running.child.kill("SIGTERM")
        const second = yield* Effect.promise(() => running.exited(3_000))
        assert.fail(`still running 15 s after SIGTERM (Redis frozen); after a second SIGTERM: ${second === undefined ? "running" : second.code}`)
      }
    }), 180_000)

  it.effect("a client whose socketTimeout ends its connection to a Redis that stopped answering connects again once it answers (it stayed closed for good)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      yield* Effect.addFinalizer(() => redis.thaw)
      // A ping keeps the idle connection busy: only a Redis that does not answer times it out.
      const context = yield* Layer.build(
        // The first connect to a Redis that answers, bounded at 30 s: the default 5 s was passed at a
        // load of 20 ("Cannot connect to Redis: no answer within 5000 ms"); not what this is about.
        RedisStores.layer({
          url: redis.url,
          timeoutMillis: 300,
          connectTimeoutMillis: 30_000,
          client: { pingInterval: 100, socket: { socketTimeout: 400 } }
        })
      )
      const limits = Context.get(context, RateLimit.RateLimitStore)
      const policy = RateLimit.tokenBucket({ capacity: 1_000, refillPerSecond: 1 })
      assert.isTrue((yield* limits.consume("k", policy)).allowed)
      yield* redis.freeze
      // Past the socket timeout: node-redis ends the connection.
      yield* Effect.sleep("1 second")
      yield* redis.thaw
      // Bounded: 60 tries 100 ms apart (the client's backoff is at most about 2 s).
      let last: unknown
      for (let i = 0; i < 60; i++) {
        const outcome = yield* Effect.result(limits.consume("k", policy))
        if (outcome._tag === "Success") return
        last = outcome.failure
        yield* Effect.sleep("100 millis")
      }
      assert.fail(`still failing 6 s after Redis answers again: ${String(last)}`)
    }), 30_000)
})

/** A TCP proxy on 127.0.0.1 whose new connections go to the port `target()` gives (an address that moves). */
const movingAddress = (target: () => number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<Server>((resolve) => {
        const server = createServer((socket) => {
          const upstream = connect({ host: "127.0.0.1", port: target() })
          socket.pipe(upstream).pipe(socket)
          socket.on("error", () => upstream.destroy())
          upstream.on("error", () => socket.destroy())
          socket.on("close", () => upstream.destroy())
          upstream.on("close", () => socket.destroy())
        })
        server.listen(0, "127.0.0.1", () => resolve(server))
      })
    ),
    (server) => Effect.sync(() => void server.close())
  )

/**
 * The stores on a Redis whose primary fails over (it is made a replica of another, and its address,
 * a DNS name or a cloud's primary endpoint, moves to that one): `write` succeeds again within 6 s.
 */
const failover = (write: (context: Context.Context<Redis.Redis | RateLimit.RateLimitStore>) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function*() {
    const old = yield* TestRedis
    const promoted = yield* TestRedisServer.make()
    let target = old.port
    const proxy = yield* movingAddress(() => target)
    const url = `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    // The first connect bounded at 30 s, not the default 5 s, which a load of 20 passed (as above).
    const context = yield* Layer.build(RedisStores.layer({ url, timeoutMillis: 500, connectTimeoutMillis: 30_000 }))
    yield* Effect.orDie(write(context))
    const admin = Context.get(yield* Layer.build(redisClient(old.url)), Redis.Redis)
    yield* Effect.orDie(admin.send("REPLICAOF", "127.0.0.1", String(promoted.port)))
    // The old primary is the file's Redis: a primary again for the next test.
    yield* Effect.addFinalizer(() => Effect.ignore(admin.send("REPLICAOF", "NO", "ONE")))
    target = promoted.port
    // Bounded: 60 tries 100 ms apart.
    let last: unknown
    for (let i = 0; i < 60; i++) {
      const outcome = yield* Effect.result(write(context))
      if (outcome._tag === "Success") return
      last = outcome.failure
      yield* Effect.sleep("100 millis")
    }
    assert.fail(`still failing 6 s after the failover: ${String(last)} ${String((last as { cause?: unknown })?.cause)}`)
  })

const incr = Redis.script((key: string) => [key], { lua: "return redis.call('INCR', KEYS[1])", numberOfKeys: 1 })

layer(TestRedis.layer, { excludeTestServices: true })("a failover (the primary made a replica, its address moved to the new primary)", (it) => {
  it.effect("the client connects again on a READONLY answer and reaches the new primary (every write failed 'Store unavailable' for good)", () =>
    failover((context) =>
      Context.get(context, RateLimit.RateLimitStore).consume("k", RateLimit.tokenBucket({ capacity: 1_000, refillPerSecond: 1 }))
    ), 30_000)

  it.effect("a READONLY answer to a script of the Redis service's eval (a store of the user's own) does so too", () =>
    failover((context) => Context.get(context, Redis.Redis).eval(incr)("counter")), 30_000)
})
