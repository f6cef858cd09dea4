/**
 * The Redis stores behind real servers, against a real redis-server: a rate limit shared by two
 * server instances (each with its own Redis client), the response cache answering from Redis and
 * expiring there, SSE resumption with the events on Redis, `RedisStores.layer` wiring them all
 * (the task store included), and a 2026-07-28 listen stream on one replica following a task that
 * runs on another.
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import * as Replica from "../../examples/replica-server.ts"
import { EventStore, McpServer, StreamableHttp } from "../../src/index.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { RedisCacheStore, RedisEventStore, RedisRateLimitStore, RedisStores } from "../../src/redis.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
import { listenToTasks, messagesOf, nextMessage, nodeFetch, on, openSession, readSse, serveEverything, serveOnAnyPort, sseReader } from "../http/support.ts"
import { authenticateByClientName, counter, principal, rpcError, text } from "../middleware/builtinSupport.ts"
import { connect, sdk, startServer } from "../server/McpServerHarness.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"
import { modernRequest } from "../support/replicas.ts"

const sleep = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

layer(TestRedis.layer, { excludeTestServices: true })("Redis stores behind servers", (it) => {
  it.effect("a rate limit is one budget across two server instances on one Redis", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const hits = counter()
      const principals = { alice: principal("alice"), bob: principal("bob") }
      // Each instance has its own Redis client, as replicas in their own processes would.
      const instance = () =>
        startServer(
          {},
          Layer.merge(
            McpServer.tool({ name: "echo", handler: () => Effect.as(hits.hit("echo"), "ok") }),
            McpServer.middleware(
              authenticateByClientName(principals),
              RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 3, windowMillis: 60_000 }) })
            ).pipe(Layer.provide(RedisRateLimitStore.layer({ prefix })), Layer.provide(redisClient(url)), Layer.orDie)
          )
        )
      const one = yield* instance()
      const two = yield* instance()
      const aliceOnOne = yield* connect(one, { name: "alice" })
      const aliceOnTwo = yield* connect(two, { name: "alice" })
      const bobOnTwo = yield* connect(two, { name: "bob" })

      yield* sdk(() => aliceOnOne.client.callTool({ name: "echo" }))
      yield* sdk(() => aliceOnTwo.client.callTool({ name: "echo" }))
      yield* sdk(() => aliceOnOne.client.callTool({ name: "echo" }))
      for (const client of [aliceOnTwo.client, aliceOnOne.client]) {
        const error = yield* rpcError(() => client.callTool({ name: "echo" }))
        assert.strictEqual(error.code, 429)
        assert.strictEqual(error.data.max, 3)
        assert.isTrue(error.data.retryAfterMillis > 50_000 && error.data.retryAfterMillis <= 60_000)
      }
      assert.strictEqual(hits.get("echo"), 3, "three calls in all, across both instances")
      assert.strictEqual(text(yield* sdk(() => bobOnTwo.client.callTool({ name: "echo" }))), "ok")
    }))

  it.effect("the response cache answers from Redis, and its entries expire there", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const hits = counter()
      const server = yield* startServer(
        {},
        Layer.merge(
          McpServer.tool({
            name: "double",
            parameters: { x: Schema.Number },
            handler: ({ x }) => Effect.as(hits.hit("double"), String(x * 2))
          }),
          ResponseCache.layer({ callTools: ["double"], ttlMillis: 300 }).pipe(
            Layer.provide(RedisCacheStore.layer({ prefix: uniquePrefix() })),
            Layer.provide(redisClient(url)),
            Layer.orDie
          )
        )
      )
      const { client } = yield* connect(server)
      for (let i = 0; i < 3; i++) assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "double", arguments: { x: 21 } }))), "42")
      assert.strictEqual(hits.get("double"), 1)
      yield* sleep(500)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "double", arguments: { x: 21 } }))), "42")
      assert.strictEqual(hits.get("double"), 2, "the entry expired in Redis")
    }))

  it.effect("SSE resumption with the events on Redis: exactly the events after Last-Event-ID", () =>
    Effect.gen(function*() {
      const { url: redisUrl } = yield* TestRedis
      const prefix = uniquePrefix()
      const context = yield* Layer.build(
        Layer.provideMerge(RedisEventStore.layer({ prefix }), redisClient(redisUrl)).pipe(Layer.orDie)
      )
      const { url } = yield* Effect.provideContext(serveEverything(), context)
      const sessionId = yield* Effect.promise(() => openSession(url))
      const { response, destroy } = yield* Effect.promise(() =>
        nodeFetch(
          url,
          "POST",
          on(sessionId, { accept: "application/json, text/event-stream", "content-type": "application/json" }),
          JSON.stringify({
            jsonrpc: "2.0",
            id: 5,
            method: "tools/call",
            params: { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: "p" } }
          })
        )
      )
      const reader = sseReader(response)
      yield* Effect.promise(() => reader.next())
      const first = (yield* Effect.promise(() => reader.next()))!
      assert.strictEqual(JSON.parse(first.data).params.progress, 0)
      destroy()
      const redis = Context.get(context, Redis.Redis)
      const keys = yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}events:${sessionId}:*`))
      assert.isTrue(keys.length > 0, "the session's events are in Redis")

      const resumed = yield* Effect.promise(() =>
        fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": first.id! }) })
      )
      assert.strictEqual(resumed.status, 200)
      const messages = messagesOf(yield* Effect.promise(() => readSse(resumed)))
      assert.deepStrictEqual(
        messages.map((m) => m.method === undefined ? `result ${m.id}` : `progress ${m.params.progress}`),
        ["progress 50", "progress 100", "result 5"]
      )
    }))

  it.effect("RedisStores.layer connects once and provides every store (and Redis) under its prefix", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const context = yield* Layer.build(RedisStores.layer({ url, prefix, events: { maxEventsPerStream: 2 } }))
      const limits = Context.get(context, RateLimit.RateLimitStore)
      const cache = Context.get(context, ResponseCache.CacheStore)
      const events = Context.get(context, EventStore.EventStore)
      const redis = Context.get(context, Redis.Redis)
      yield* limits.consume("k", RateLimit.tokenBucket({ capacity: 1, refillPerSecond: 1 }))
      yield* cache.set("c", 1, 60_000)
      for (let i = 0; i < 3; i++) yield* events.append("S", "s1", { jsonrpc: "2.0", method: "x" } as never)
      assert.isUndefined(yield* events.replayAfter("S", "s1.0"), "maxEventsPerStream reached the event store")
      const task = yield* Context.get(context, TaskStore).create({ owner: "session:a", method: "tools/call" })
      const keys = [...yield* Effect.orDie(redis.send<ReadonlyArray<string>>("KEYS", `${prefix}*`))].sort()
      assert.deepStrictEqual(keys, [
        `${prefix}cache:c`,
        `${prefix}events:S:e:s1`,
        `${prefix}events:S:order`,
        `${prefix}events:S:s:s1`,
        `${prefix}events:S:streams`,
        `${prefix}rate-limit:k`,
        `${prefix}tasks:all`,
        `${prefix}tasks:o:session:a`,
        `${prefix}tasks:seq`,
        `${prefix}tasks:t:${task.taskId}`
      ])
    }))
  // The task store publishes no creation to other replicas (`TaskStore.changes`): a stream on
  // another replica than the task's hears it from its first change on, all of them, at once. Its
  // re-reads (`recheckMillis`) are a minute apart here: what it tells came by pub/sub.
  it.effect("subscriptions/listen on one replica for a task created and run on another: every change is told as it is made", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const replica = () =>
        Effect.map(
          serveOnAnyPort((port) =>
            McpServer.serve(Replica.options, Replica.components, StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })).pipe(
              Effect.provide(RedisStores.layer({ url, prefix, tasks: { recheckMillis: 60_000 } }))
            )
          ),
          (served) => served.port
        )
      const portA = yield* replica()
      const portB = yield* replica()
      const elicitation = { elicitation: { form: {} } }
      const created = yield* modernRequest(portA, "tools/call", "greet_later", { name: "greet_later", arguments: { seconds: 2 } }, elicitation)
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      assert.strictEqual(created.result.status, "working")
      const taskId: string = created.result.taskId

      const reader = yield* Effect.promise(() => listenToTasks(portB, [taskId], elicitation))
      yield* Effect.addFinalizer(() => Effect.promise(reader.cancel))
      const next = Effect.promise(() => nextMessage(reader))
      const acknowledged = yield* next
      assert.deepStrictEqual(acknowledged?.params?.notifications, { taskIds: [taskId] }, JSON.stringify(acknowledged))
      // The stream read the task before its acknowledgement: working still (it asks after 2 s),
      // the state it tells first.
      const read = yield* modernRequest(portB, "tasks/get", taskId, { taskId })
      assert.strictEqual(read.result?.status, "working", JSON.stringify(read))
      const found = yield* next
      assert.deepStrictEqual([found?.method, found?.params?.taskId, found?.params?.status], ["notifications/tasks", taskId, "working"])
      const told: Array<any> = []
      told.push(yield* next)
      assert.strictEqual(told[0]?.params?.status, "input_required", JSON.stringify(told[0]))
      const [key] = Object.keys(told[0].params.inputRequests)
      const updated = yield* modernRequest(portA, "tasks/update", taskId, { taskId, inputResponses: { [key!]: { action: "accept", content: { name: "Grace" } } } })
      assert.isUndefined(updated.error, JSON.stringify(updated))
      while (told.length < 3 && told.at(-1)?.params?.status !== "completed") told.push(yield* next)
      assert.deepStrictEqual(told.map((message) => [message?.method, message?.params?.taskId, message?.params?.status]), [
        ["notifications/tasks", taskId, "input_required"],
        ["notifications/tasks", taskId, "working"],
        ["notifications/tasks", taskId, "completed"]
      ])
      assert.deepStrictEqual(told[2].params.result?.content, [{ type: "text", text: "Hello, Grace (on replicas)" }])
    }), 30_000)
})
