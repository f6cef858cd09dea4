/**
 * MCP 2026-07-28 tasks across replicas (issue 13): a task created on one replica asks for input
 * while it runs there; a client answers with `tasks/update` through the other replica, and the
 * answer reaches the work (over Redis, `TaskStore.sendInput`); the task completes with it, also
 * when the answer's message is lost (the answers are kept in Redis until the work takes them).
 * (An answer of the wrong shape, `ClientResultInvalid` to the work: TaskInputInvalid.test.ts.)
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { Authorization } from "../../src/middleware/index.ts"
import { RedisTaskStore } from "../../src/redis.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
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

/** The value of a one-entry reply (a map in RESP3, a name / value pair in RESP2). */
const onlyValue = (reply: unknown): unknown => Array.isArray(reply) ? reply[1] : Object.values(reply as object)[0]

/**
 * A task made on one replica, asking for input there; `aroundAnswer` wraps the answer sent
 * through the other replica; the task is then expected to complete with it.
 */
const answeredThroughTheOther = (options: {
  readonly recheckMillis?: number | undefined
  readonly aroundAnswer?: ((redis: { readonly url: string; readonly prefix: string }, answer: Effect.Effect<void>) => Effect.Effect<void>) | undefined
}) =>
  Effect.gen(function*() {
    const { url } = yield* TestRedis
    const prefix = uniquePrefix()
    // Each replica its own server and Redis client, one prefix.
    // The store lives in the test's scope (as long as the server the client runs).
    const replica = () =>
      Effect.flatMap(
        Layer.build(RedisTaskStore.layer({ prefix, recheckMillis: options.recheckMillis }).pipe(Layer.provide(redisClient(url)), Layer.orDie)),
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

    const { taskId } = yield* one.callToolAsTask("ask_later")

    // Polled on the other replica until the work (on the first) asks.
    let waiting: any
    for (let i = 0; i < 100; i++) {
      waiting = yield* two.request("tasks/get", { taskId })
      if (waiting.status === "input_required") break
      yield* Effect.sleep("50 millis")
    }
    assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
    const [key] = Object.keys(waiting.inputRequests)
    assert.strictEqual(waiting.inputRequests[key!].method, "elicitation/create")

    const answer = Effect.asVoid(two.request("tasks/update", { taskId, inputResponses: { [key!]: { action: "accept", content: { name: "Ada" } } } }))
    yield* options.aroundAnswer === undefined ? answer : options.aroundAnswer({ url, prefix }, Effect.orDie(answer))

    let done: any
    for (let i = 0; i < 100; i++) {
      done = yield* two.request("tasks/get", { taskId })
      if (done.status === "completed" || done.status === "failed") break
      yield* Effect.sleep("50 millis")
    }
    assert.strictEqual(done.status, "completed", JSON.stringify(done))
    assert.deepStrictEqual(done.result.content, [{ type: "text", text: "Hello, Ada!" }], JSON.stringify(done))
  })

layer(TestRedis.layer, { excludeTestServices: true })("2026 tasks on two replicas", (it) => {
  it.effect("a replica cut off past its lease does not feed its stale work: its tasks/update goes to the process holding the lease", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const store = () => Layer.build(RedisTaskStore.layer({ prefix }).pipe(Layer.provide(redisClient(url)), Layer.orDie))
      const one = yield* McpTestClient.make(Layer.mergeAll(AskLater, AsAda), {
        server: { name: "replica", version: "1", tasks: McpServer.tasks() },
        protocolVersion: "2026-07-28",
        capabilities,
        timeoutMillis: 10_000
      }).pipe(Effect.provideContext(yield* store()))
      const { taskId } = yield* one.callToolAsTask("ask_later")
      let waiting: any
      for (let i = 0; i < 100 && waiting?.status !== "input_required"; i++) {
        yield* Effect.sleep("50 millis")
        waiting = yield* one.request("tasks/get", { taskId })
      }
      assert.strictEqual(waiting.status, "input_required")
      const [key] = Object.keys(waiting.inputRequests)
      // The first replica is cut off past its lease (its work still waits there) and another
      // process takes the task over: leased to it, its new run asking again under the same key.
      const claimer = Context.get(yield* store(), TaskStore)
      const heard = yield* PubSub.subscribe(claimer.inputs!)
      const redis = Context.get(yield* Layer.build(redisClient(url)), Redis.Redis)
      yield* Effect.orDie(redis.send("ZADD", `${prefix}tasks:leases`, "0", taskId))
      assert.deepStrictEqual((yield* Effect.orDie(claimer.claimOrphans!(60_000))).map((orphan) => orphan.task.taskId), [taskId])
      yield* Effect.orDie(claimer.setInputRequests(taskId, waiting.inputRequests))
      // The client answers through the cut-off replica: the answer reaches the lease's holder...
      yield* one.request("tasks/update", { taskId, inputResponses: { [key!]: { action: "accept", content: { name: "Ada" } } } })
      const delivery = yield* Effect.timeoutOrElse(PubSub.take(heard), { duration: 2_000, orElse: () => Effect.die(new Error("the holder heard nothing")) })
      assert.deepStrictEqual(delivery, { taskId, responses: { [key!]: { action: "accept", content: { name: "Ada" } } } })
      // ...and not the stale copy of the work, which would have completed the task with it.
      yield* Effect.sleep("500 millis")
      const after: any = yield* one.request("tasks/get", { taskId })
      assert.strictEqual(after.status, "input_required", JSON.stringify(after))
    }).pipe(Effect.scoped), 30_000)


  it.effect("tasks/update on the other replica reaches the work, which completes with the answer", () =>
    answeredThroughTheOther({}), 30_000)

  it.effect("an answer published while the replicas' subscribers reconnect is not lost: the work takes it from Redis", () =>
    answeredThroughTheOther({
      recheckMillis: 300,
      // Every subscriber connection cut, and no new connection accepted until the answer is sent:
      // its message reaches no one (Redis counts the receivers: none).
      aroundAnswer: ({ prefix, url }, answer) =>
        Effect.gen(function*() {
          const redis = Context.get(yield* Layer.build(redisClient(url)), Redis.Redis)
          const before = onlyValue(yield* redis.send<unknown>("CONFIG", "GET", "maxclients"))
          yield* redis.send("CONFIG", "SET", "maxclients", "1")
          const reopen = redis.send("CONFIG", "SET", "maxclients", String(before))
          yield* Effect.ensuring(
            Effect.gen(function*() {
              const killed = yield* redis.send<number>("CLIENT", "KILL", "TYPE", "pubsub")
              assert.isAtLeast(Number(killed), 2)
              const receivers = onlyValue(yield* redis.send<unknown>("PUBSUB", "NUMSUB", `${prefix}tasks:inputs`))
              assert.strictEqual(Number(receivers), 0)
              yield* answer
            }),
            Effect.orDie(reopen)
          )
        }).pipe(Effect.scoped, Effect.orDie)
    }), 30_000)
})
