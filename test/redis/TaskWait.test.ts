/**
 * A `tasks/result` waiting on a task of the Redis `TaskStore` while Redis restarts (a real
 * redis-server that keeps what it acknowledged, stopped and started again): the wait outlives
 * the outage and answers the task's result once it ends. Its re-reads (every `recheckMillis`,
 * for a change pub/sub dropped) failed while Redis was down, and the first one that did failed
 * the request with -32603 "Store unavailable", though the task went on and completed.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { RedisStores } from "../../src/redis.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { monitor, TestRedis, uniquePrefix } from "../support/redis.ts"
import { callAsTask, firstText, toolTaskResult } from "../tasks/support.ts"

layer(TestRedis.layerPersistent, { excludeTestServices: true })("a task's result awaited while Redis restarts", (it) => {
  it.effect("tasks/result outlives the outage and answers the result (a re-read that failed meanwhile answered -32603)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const stores = RedisStores.layer({ url: redis.url, prefix: uniquePrefix(), timeoutMillis: 300, tasks: { recheckMillis: 200 } })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(Effect.provide(stores))
      )
      const client = new Client({ name: "task-wait", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const created = yield* callAsTask(client, "test_task_slow", { ms: 2_500 })
      const watch = yield* monitor(redis.port)
      const result = yield* Effect.forkChild(Effect.result(toolTaskResult(client, created.task.taskId)))
      // Redis stops once the wait has made its first read (the request's, then the wait's: two
      // reads of the task), which fails the request while Redis is down.
      yield* watch.until(`tasks:t:${created.task.taskId}" "task" "v"`, 2)
      // Down for more than a few re-reads, back before the work ends.
      yield* redis.stop
      yield* Effect.sleep(1_000)
      yield* redis.start
      const answer = yield* Fiber.join(result).pipe(Effect.timeoutOrElse({ duration: 15_000, orElse: () => Effect.die(new Error("no answer within 15 s")) }))
      assert.strictEqual(answer._tag, "Success", JSON.stringify(answer))
      if (answer._tag === "Success") assert.strictEqual(firstText(answer.success), "done")
    }), 30_000)

  // Failed before: a task that never expires (no TTL) was waited for without limit while Redis
  // stayed down (each failed re-read was retried until the task would have expired: never).
  it.effect("a task with no TTL: tasks/result fails with -32603 once the re-reads have failed for the bound, while Redis stays down (it waited for good)", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      // The bound: max(10 × timeoutMillis, 2 × recheckMillis) = 1 s.
      const stores = RedisStores.layer({
        url: redis.url,
        prefix: uniquePrefix(),
        timeoutMillis: 100,
        tasks: { recheckMillis: 100, defaultTtlMillis: Number.POSITIVE_INFINITY, maxTtlMillis: Number.POSITIVE_INFINITY }
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(Effect.provide(stores))
      )
      const client = new Client({ name: "task-wait-forever", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const created = yield* callAsTask(client, "test_task_slow", { ms: 60_000 })
      assert.strictEqual(created.task.ttl, null)
      const watch = yield* monitor(redis.port)
      const result = yield* Effect.forkChild(Effect.result(toolTaskResult(client, created.task.taskId)))
      yield* watch.until(`tasks:t:${created.task.taskId}" "task" "v"`, 2)
      yield* Effect.acquireRelease(redis.stop, () => redis.start)
      const stoppedAt = Date.now()
      const answer = yield* Fiber.join(result).pipe(Effect.timeoutOrElse({ duration: 8_000, orElse: () => Effect.die(new Error("no answer within 8 s of Redis stopping")) }))
      assert.strictEqual(answer._tag, "Failure", JSON.stringify(answer))
      if (answer._tag === "Failure") assert.match(String(answer.failure), /Store unavailable/)
      // Not before the bound (the re-reads went on failing for 1 s first).
      assert.isAtLeast(Date.now() - stoppedAt, 900)
    }), 30_000)
})
