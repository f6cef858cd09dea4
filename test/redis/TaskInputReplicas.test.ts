/**
 * MCP 2026-07-28 tasks across replicas (issue 13): a task created on one replica asks for input
 * while it runs there; a client answers with `tasks/update` through the other replica, and the
 * answer reaches the work (over Redis, `TaskStore.sendInput`); the task completes with it.
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { Authorization } from "../../src/middleware/index.ts"
import { RedisTaskStore } from "../../src/redis.ts"
import { McpTestClient } from "../../src/testing.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

const AskLater = McpServer.tool({
  name: "ask_later",
  description: "Works a while (becoming a task), then asks the user's name",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.gen(function*() {
      yield* Effect.sleep("300 millis")
      const answer = yield* McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String }))
      return answer.action === "accept" ? `Hello, ${answer.content.name}!` : "Hello!"
    }).pipe(Effect.orDie)
})

/** Every request is Ada's (the tasks' owner), on either replica. */
const AsAda = Authorization.layer({ rules: {}, unauthenticated: { principal: { subject: "ada", scopes: [], claims: {} } } })

const capabilities = { elicitation: { form: {} }, extensions: { "io.modelcontextprotocol/tasks": {} } }

layer(TestRedis.layer, { excludeTestServices: true })("2026 tasks on two replicas", (it) => {
  it.effect("tasks/update on the other replica reaches the work, which completes with the answer", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      // Each replica its own server and Redis client, one prefix.
      // The store lives in the test's scope (as long as the server the client runs).
      const replica = () =>
        Effect.flatMap(
          Layer.build(RedisTaskStore.layer({ prefix }).pipe(Layer.provide(redisClient(url)), Layer.orDie)),
          (stores) =>
            McpTestClient.make(Layer.mergeAll(AskLater, AsAda), {
              server: { name: "replica", version: "1", tasks: McpServer.tasks() },
              protocolVersion: "2026-07-28",
              capabilities,
              timeoutMillis: 10_000
            }).pipe(Effect.provideContext(stores))
        )
      const one = yield* replica()
      const two = yield* replica()

      const created = yield* one.callTool("ask_later")
      assert.strictEqual((created as any).resultType, "task", JSON.stringify(created))
      const taskId: string = (created as any).taskId ?? (created as any).task?.taskId

      // Polled on the other replica until the work (on the first) asks.
      let waiting: any
      for (let i = 0; i < 100; i++) {
        waiting = yield* two.request("tasks/get", { taskId })
        if (waiting.status === "input_required") break
        yield* Effect.sleep("50 millis")
      }
      assert.strictEqual(waiting.status, "input_required")
      const [key] = Object.keys(waiting.inputRequests)
      assert.strictEqual(waiting.inputRequests[key!].method, "elicitation/create")

      yield* two.request("tasks/update", { taskId, inputResponses: { [key!]: { action: "accept", content: { name: "Ada" } } } })

      let done: any
      for (let i = 0; i < 100; i++) {
        done = yield* two.request("tasks/get", { taskId })
        if (done.status === "completed" || done.status === "failed") break
        yield* Effect.sleep("50 millis")
      }
      assert.strictEqual(done.status, "completed", JSON.stringify(done))
      assert.deepStrictEqual(done.result.content, [{ type: "text", text: "Hello, Ada!" }])
    }), 30_000)
})
