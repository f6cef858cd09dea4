/**
 * Redis down, then back (a real redis-server, stopped and started again; frozen with SIGSTOP for a
 * Redis that does not answer): requests that need a store fail fast with -32603 "Store
 * unavailable: <store>", never hang, and succeed again once Redis is back; SSE resumption answers
 * 503 meanwhile and never replays a stream that lost events. Every wait is bounded.
 */
import { assert, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Replica from "../../examples/replica-server.ts"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { RedisStores } from "../../src/redis.ts"
import { isStoreError } from "../../src/store/StoreError.ts"
import { freePort, listenToTasks, messagesOf, nodeFetch, on, openSession, readSse, serveEverything, serveOnAnyPort, sseReader } from "../http/support.ts"
import { counter, rpcError, text } from "../middleware/builtinSupport.ts"
import { connect, sdk, startServer } from "../server/McpServerHarness.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"
import { modernRequest } from "../support/replicas.ts"
import { tcpCut } from "../support/tcpCut.ts"

/** Runs `attempt` until it succeeds, at most `times` times `every` ms apart; the last failure otherwise. */
const eventually = <A, E, R>(attempt: Effect.Effect<A, E, R>, times = 100, every = 100): Effect.Effect<A, E, R> => {
  const loop = (n: number): Effect.Effect<A, E, R> =>
    Effect.catch(attempt, (error) => n + 1 >= times ? Effect.fail(error) : Effect.andThen(Effect.sleep(every), Effect.suspend(() => loop(n + 1))))
  return loop(0)
}

/** How long `effect` took, in ms (real time). */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const value = yield* effect
    return { value, millis: (yield* Clock.currentTimeMillis) - start }
  })

layer(TestRedis.layer, { excludeTestServices: true })("Redis down, then back", (it) => {
  it.effect("rate limit and cache: -32603 Store unavailable at once, the handler does not run; recovery after the restart", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const hits = counter()
      const stores = RedisStores.layer({ url: redis.url, prefix: uniquePrefix() })
      const server = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool({
            name: "double",
            parameters: { x: Schema.Number },
            handler: ({ x }) => Effect.as(hits.hit("double"), String(x * 2))
          }),
          McpServer.tool({ name: "echo", handler: () => Effect.as(hits.hit("echo"), "ok") }),
          McpServer.middleware(
            RateLimit.middleware({ policy: RateLimit.tokenBucket({ capacity: 1_000, refillPerSecond: 1_000 }), methods: ["tools/call"] })
          ),
          ResponseCache.layer({ callTools: ["double"], methods: { "tools/call": false } })
        ).pipe(Layer.provide(stores), Layer.orDie)
      )
      const { client } = yield* connect(server)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      yield* sdk(() => client.listTools())

      yield* redis.stop
      const before = hits.get("echo")
      const limited = yield* timed(rpcError(() => client.callTool({ name: "echo" })))
      assert.strictEqual(limited.value.code, -32603)
      assert.include(limited.value.message, "Store unavailable: RateLimitStore; retry later")
      assert.isBelow(limited.millis, 1_000, "failed fast")
      const cached = yield* timed(rpcError(() => client.listTools()))
      assert.strictEqual(cached.value.code, -32603)
      assert.include(cached.value.message, "Store unavailable: CacheStore; retry later")
      assert.isBelow(cached.millis, 1_000, "failed fast")
      assert.strictEqual(hits.get("echo"), before, "the handler did not run")
      yield* sdk(() => client.ping())

      yield* redis.start
      // The client reconnects on its own (backoff ≤ ~2 s): bounded polling.
      assert.strictEqual(text(yield* eventually(sdk(() => client.callTool({ name: "echo" })))), "ok")
      assert.deepStrictEqual((yield* eventually(sdk(() => client.listTools()))).tools.map((t) => t.name).sort(), ["double", "echo"])
    }))

  it.effect("a Redis that does not answer: the store's time bound fails the request, no hang", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const stores = RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis: 300 })
      const server = yield* startServer(
        {},
        Layer.merge(
          McpServer.tool({ name: "echo", handler: () => Effect.succeed("ok") }),
          McpServer.middleware(RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 100, windowMillis: 1_000 }) }))
            .pipe(Layer.provide(stores), Layer.orDie)
        )
      )
      const { client } = yield* connect(server)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      yield* redis.freeze
      const frozen = yield* timed(rpcError(() => client.callTool({ name: "echo" }))).pipe(Effect.ensuring(Effect.delay(redis.thaw, 500)))
      assert.strictEqual(frozen.value.code, -32603)
      assert.include(frozen.value.message, "Store unavailable: RateLimitStore")
      assert.isAtLeast(frozen.millis, 250)
      assert.isBelow(frozen.millis, 2_000)
      assert.strictEqual(text(yield* eventually(sdk(() => client.callTool({ name: "echo" })))), "ok")
    }))

  it.effect("rate limit: the requests refused while Redis did not answer spend no budget once it runs them late", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const stores = RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis: 300 })
      const server = yield* startServer(
        {},
        Layer.merge(
          McpServer.tool({ name: "echo", handler: () => Effect.succeed("ok") }),
          McpServer.middleware(RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 3, windowMillis: 60_000 }), methods: ["tools/call"] }))
            .pipe(Layer.provide(stores), Layer.orDie)
        )
      )
      const { client } = yield* connect(server)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      yield* redis.freeze
      for (let i = 0; i < 5; i++) {
        const refused = yield* rpcError(() => client.callTool({ name: "echo" })).pipe(Effect.onError(() => redis.thaw))
        assert.include(refused.message, "Store unavailable: RateLimitStore")
      }
      // Redis runs the queued consumes as it resumes: past their time bound, they change nothing.
      yield* redis.thaw
      assert.strictEqual(text(yield* eventually(sdk(() => client.callTool({ name: "echo" })), 20)), "ok")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "echo" }))), "ok")
      // The third call that ran: the budget is spent.
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "echo" }))).code, 429)
    }))

  it.effect("a Redis that does not answer, under load: past the client's queue bound, operations fail at once (nothing piles up)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const context = yield* Layer.build(
        RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis: 3_000, client: { commandsQueueMaxLength: 50 } }).pipe(Layer.orDie)
      )
      const cache = Context.get(context, ResponseCache.CacheStore)
      assert.isTrue(Option.isNone(yield* Effect.orDie(cache.get("warm"))))
      yield* redis.freeze
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 300 }, (_, i) => i),
        (i) => timed(Effect.exit(cache.get(`k${i}`))),
        { concurrency: "unbounded" }
      ).pipe(Effect.ensuring(redis.thaw))
      // At most the bound (and what the socket took) waited for the time bound; the rest failed at once.
      const fast = outcomes.filter((o) => o.millis < 1_000)
      assert.isAtLeast(fast.length, 200)
      for (const o of outcomes) {
        assert.strictEqual(o.value._tag, "Failure")
        const error = o.value._tag === "Failure" ? Cause.squash(o.value.cause) : undefined
        assert.isTrue(isStoreError(error), String(error))
      }
      // Back: the store answers again.
      assert.isTrue(Option.isNone(yield* eventually(cache.get("after"))))
    }))

  it.effect("SSE with the events on Redis: the answer still arrives; while down, a stream that lost events is refused at once and another 503; refused after (events lost)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const context = yield* Layer.build(RedisStores.layer({ url: redis.url, prefix: uniquePrefix() }).pipe(Layer.orDie))
      const { url } = yield* Effect.provideContext(serveEverything(), context)
      const sessionId = yield* Effect.promise(() => openSession(url))
      const callOnSse = (id: number) =>
        Effect.promise(() =>
          nodeFetch(
            url,
            "POST",
            on(sessionId, { accept: "text/event-stream", "content-type": "application/json" }),
            JSON.stringify({
              jsonrpc: "2.0",
              id,
              method: "tools/call",
              params: { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: `p${id}` } }
            })
          )
        )
      const resume = (lastEventId: string) =>
        Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": lastEventId }) }))

      yield* redis.stop
      const { response } = yield* callOnSse(1)
      const events = yield* Effect.promise(() => readSse(response))
      const priming = events[0]!
      assert.strictEqual(messagesOf(events).at(-1)?.id, 1, "the answer arrived")
      assert.isTrue(events.slice(1).every((event) => event.id === undefined), "no ids for events Redis did not keep")
      // The stream lost its events (their appends failed), which this server knows while the
      // stream is kept for resumption (`finishedStreamGraceMillis`): refused at once, re-issue.
      const lost = yield* resume(priming.id!)
      assert.strictEqual(lost.status, 400)
      yield* Effect.promise(() => lost.text())
      // One it cannot judge without the store: 503, retry later.
      const down = yield* timed(resume("s999.1"))
      assert.strictEqual(down.value.status, 503)
      assert.strictEqual(((yield* Effect.promise(() => down.value.json())) as any).error.message, "Store unavailable: EventStore; retry later")
      assert.isBelow(down.millis, 1_000)

      yield* redis.start
      // Back (the store answers again: the unknown stream is 400, no longer 503)...
      const answered = yield* eventually(Effect.flatMap(resume("s999.1"), (r) => r.status === 503 ? Effect.fail(r) : Effect.succeed(r)))
      assert.strictEqual(answered.status, 400)
      yield* Effect.promise(() => answered.text())
      // ...the lost stream is refused (never a gap)...
      const refused = yield* resume(priming.id!)
      assert.strictEqual(refused.status, 400)
      yield* Effect.promise(() => refused.text())
      // ...and a new stream is stored and resumes.
      const second = yield* callOnSse(2)
      const reader = sseReader(second.response)
      yield* Effect.promise(() => reader.next())
      const first = (yield* Effect.promise(() => reader.next()))!
      assert.isDefined(first.id)
      second.destroy()
      const resumed = yield* resume(first.id!)
      assert.strictEqual(resumed.status, 200)
      assert.strictEqual(messagesOf(yield* Effect.promise(() => readSse(resumed))).at(-1)?.id, 2)
    }))

  it.effect("SSE with the events on a Redis that does not answer: one time bound for the stream, not one per event (its later events are not held)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const steps = 20
      const Progress = McpServer.tool({
        name: "progress",
        handler: () =>
          Effect.gen(function*() {
            for (let i = 0; i < steps; i++) yield* McpContext.progress(i, steps, `step ${i}`)
            return "done"
          })
      })
      const context = yield* Layer.build(RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis: 300 }).pipe(Layer.orDie))
      const { url } = yield* Effect.provideContext(serveOnAnyPort((port) =>
        McpServer.serve({ name: "progress", version: "1.0.0" }, Progress, StreamableHttp.make({ host: "127.0.0.1", port }))
      ), context)
      const sessionId = yield* Effect.promise(() => openSession(url))
      yield* redis.freeze
      const called = yield* timed(Effect.promise(async () => {
        const { response } = await nodeFetch(
          url,
          "POST",
          on(sessionId, { accept: "text/event-stream", "content-type": "application/json" }),
          JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "progress", arguments: {}, _meta: { progressToken: "p" } } })
        )
        return readSse(response, 30_000)
      })).pipe(Effect.ensuring(redis.thaw))
      const messages = messagesOf(called.value)
      assert.strictEqual(messages.length, steps + 1, "every progress and the answer")
      assert.strictEqual(messages.at(-1)?.result?.content?.[0]?.text, "done")
      // One bound (the first event's append), then the rest at once: not 21 × 300 ms.
      assert.isBelow(called.millis, 1_500, "the stream waited for Redis once per event")
      assert.isTrue(called.value.slice(1).every((event) => event.id === undefined), "no ids for events Redis did not keep")
      // Back: the stream is refused (it lost events), a new one is stored again.
      const priming = called.value[0]!
      const refused = yield* eventually(Effect.flatMap(
        Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": priming.id! }) })),
        (r) => r.status === 503 ? Effect.fail(r) : Effect.succeed(r)
      ))
      yield* Effect.promise(() => refused.text())
      assert.strictEqual(refused.status, 400)
      const again = yield* Effect.promise(async () => {
        const { response } = await nodeFetch(
          url,
          "POST",
          on(sessionId, { accept: "text/event-stream", "content-type": "application/json" }),
          JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "progress", arguments: {}, _meta: { progressToken: "q" } } })
        )
        return readSse(response)
      })
      assert.isTrue(again.every((event) => event.id !== undefined), "a new stream is stored")
    }))

  it.effect("subscriptions/listen with taskIds while Redis does not answer: -32603 within the time bound, not an empty acknowledgement", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      // Served once it answers on its port (another process that took the port first: another one).
      const { port, url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(Replica.options, Replica.components, StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })).pipe(
          Effect.provide(RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis: 300 }))
        )
      )
      const tasks = "io.modelcontextprotocol/tasks"
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { extensions: { [tasks]: {} } }
      }
      // The listen stream read raw (its first message: the acknowledgement, or the refusal).
      const listen = (params: Record<string, unknown>) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "subscriptions/listen" },
          body: JSON.stringify({ jsonrpc: "2.0", id: "l", method: "subscriptions/listen", params: { ...params, _meta: meta } })
        })
      const created = yield* eventually(Effect.flatMap(modernRequest(port, "tools/call", "queued", { name: "queued", arguments: { ms: 60_000 } }), (answer) =>
        answer.result?.resultType === "task" ? Effect.succeed(answer.result.taskId as string) : Effect.fail(new Error(JSON.stringify(answer)))))
      const taskIds = [created, ...Array.from({ length: 9 }, (_, i) => `unknown-${i}`)]
      yield* redis.freeze
      const listened = yield* timed(Effect.promise(async () => {
        const response = await listen({ notifications: { taskIds } })
        const type = response.headers.get("content-type") ?? ""
        if (!type.includes("text/event-stream")) return response.json()
        const reader = sseReader(response)
        for (let i = 0; i < 10; i++) {
          const event = await reader.next(5_000)
          if (event === undefined) return undefined
          if (event.data !== "") {
            void reader.cancel()
            return JSON.parse(event.data)
          }
        }
        return undefined
      })).pipe(Effect.ensuring(redis.thaw))
      assert.strictEqual(listened.value?.error?.code, -32603, JSON.stringify(listened.value))
      assert.include(listened.value.error.message, "Store unavailable: TaskStore")
      // The lookups run side by side: one time bound, not one per task id (10 × 300 ms).
      assert.isBelow(listened.millis, 1_500)
    }))

  it.effect("subscriptions/listen on a replica cut off from Redis while another replica ends the task: the end is told once it is back (the stream re-reads its tasks)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const prefix = uniquePrefix()
      const relay = yield* tcpCut(redis.port)
      // Each served once it answers on its port (another process that took the port first: another one).
      const replica = (url: string) =>
        Effect.map(
          serveOnAnyPort((port) =>
            McpServer.serve(Replica.options, Replica.components, StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })).pipe(
              Effect.provide(RedisStores.layer({ url, prefix, timeoutMillis: 300, tasks: { recheckMillis: 300 } }))
            )
          ),
          (served) => served.port
        )
      // A reaches Redis directly, B through the relay.
      const portA = yield* replica(redis.url)
      const portB = yield* replica(`redis://127.0.0.1:${relay.port}`)
      const created = yield* modernRequest(portA, "tools/call", "queued", { name: "queued", arguments: { ms: 1_500 } })
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      const taskId: string = created.result.taskId

      const reader = yield* Effect.promise(() => listenToTasks(portB, [taskId]))
      /** The next JSON-RPC message of the stream, within `millis`. */
      const next = (millis: number) =>
        Effect.promise(async () => {
          const deadline = Date.now() + millis
          while (Date.now() < deadline) {
            const event = await reader.next(Math.max(1, deadline - Date.now()))
            if (event === undefined) return undefined
            if (event.data !== "") return JSON.parse(event.data)
          }
          return undefined
        })
      const acknowledged = yield* next(5_000)
      assert.deepStrictEqual(acknowledged?.params?.notifications, { taskIds: [taskId] }, JSON.stringify(acknowledged))
      // B is cut off while A ends the task (after 1.5 s): B's subscriber misses the message.
      yield* relay.cut(2_500)
      const cutAt = Date.now()
      let ended: any
      for (let i = 0; i < 10 && ended === undefined; i++) {
        const message = yield* next(5_000)
        if (message === undefined) break
        if (message.method === "notifications/tasks" && message.params?.status === "completed") ended = message
      }
      void reader.cancel()
      assert.isDefined(ended, "the task's end reached the stream")
      assert.strictEqual(ended.params.taskId, taskId)
      assert.isAtLeast(Date.now() - cutAt, 2_000, "told after the cut, by a re-read")
    }), 30_000)

  it.effect("RedisStores.layer fails fast with a StoreError when Redis cannot be reached", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const result = yield* timed(Effect.result(Layer.build(RedisStores.layer({ url: `redis://127.0.0.1:${port}` }))))
      assert.strictEqual(result.value._tag, "Failure")
      const error = result.value._tag === "Failure" ? result.value.failure : undefined
      assert.isTrue(isStoreError(error))
      assert.include(error!.message, `Cannot connect to Redis at redis://127.0.0.1:${port}`)
      assert.isBelow(result.millis, 5_000)
    }))
})
