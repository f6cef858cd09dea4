/**
 * The bound on a task's stored result (`McpServer.tasks({ maxResultBytes })`, default 4 MiB): a task
 * whose work made more ends `failed` with a -32603 naming the limit, which `tasks/result` answers
 * (the spec's: the request's error), and the result is not kept: in memory, and on Redis. A result
 * within the bound completes as before. Without the bound, a task's result of any size was stored
 * whole (and a 500 MB one held in memory or written to Redis until its TTL).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { InMemory, McpServer, StreamableHttp } from "../../src/index.ts"
import { RedisStores } from "../../src/redis.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { boundedFinish } from "../../src/tasks/internal/resultBound.ts"
import type { Task } from "../../src/tasks/Task.ts"
import { makeMemory } from "../../src/tasks/TaskStore.ts"
import { StoreError } from "../../src/store/StoreError.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"
import { connectModern, isTerminal, pollTask, withTasks } from "../extensions/support.ts"
import { connect, sdkError } from "../server/McpServerHarness.ts"
import { callAsTask, everything, firstText, toolTaskResult, untilTerminal } from "./support.ts"

/**
 * A tool named `name` whose result is a text of `chars` characters (its JSON a few bytes more),
 * made after `delayMillis`.
 */
const bigTool = (name: string, taskSupport: "optional" | "required", delayMillis = 0) =>
  McpServer.tool({
    name,
    parameters: { chars: Schema.Number },
    execution: { taskSupport },
    handler: ({ chars }) => Effect.as(Effect.sleep(delayMillis), "x".repeat(chars))
  })

const Big = bigTool("big_result", "optional")
/** The same after 200 ms (a 2026-07-28 call is made a task after 100 ms), and a `required` one (always answered as a task). */
const BigSlow = bigTool("big_result_slow", "optional", 200)
const BigRequired = bigTool("big_result_required", "required")

/** A tool whose result holds a BigInt: no JSON (`JSON.stringify` throws a TypeError). */
const NotJson = McpServer.tool({
  name: "bigint_result",
  parameters: {},
  execution: { taskSupport: "optional" },
  handler: () => Effect.succeed({ content: [{ type: "text" as const, text: "n" }], structuredContent: { n: 1n } })
})

/** Calls `bigint_result` as a task: it ends failed, and tasks/result answers -32603 saying the result is not JSON. */
const assertNotJson = (client: Client) =>
  Effect.gen(function*() {
    const { task } = yield* callAsTask(client, "bigint_result", {})
    const ended = yield* untilTerminal(client, task.taskId, 10_000)
    assert.strictEqual(ended.status, "failed")
    assert.match(ended.statusMessage ?? "", /^Task result is not JSON: Do not know how to serialize a BigInt/)
    const error = yield* sdkError(() => client.experimental.tasks.getTaskResult(task.taskId))
    assert.strictEqual(error.code, -32603, JSON.stringify(error))
    assert.match(error.message, /Task result is not JSON: Do not know how to serialize a BigInt/)
    return ended.taskId
  })

/** Calls `big_result` as a task, waits for its end; the task and its `tasks/result` (the error, or the result's text length). */
const run = (client: Client, chars: number) =>
  Effect.gen(function*() {
    const { task } = yield* callAsTask(client, "big_result", { chars })
    const ended = yield* untilTerminal(client, task.taskId, 10_000)
    const answer = ended.status === "completed"
      ? { text: firstText(yield* toolTaskResult(client, task.taskId)).length }
      : { error: yield* sdkError(() => client.experimental.tasks.getTaskResult(task.taskId)) }
    return { ended, answer }
  })

/** The outcome of a task over the bound: failed, its error naming the limit on tasks/get and tasks/result. */
const assertOver = (outcome: Effect.Success<ReturnType<typeof run>>, max: number) => {
  assert.strictEqual(outcome.ended.status, "failed")
  assert.match(outcome.ended.statusMessage ?? "", new RegExp(`^Task result too large: \\d+ bytes, over the limit of ${max} bytes \\(maxResultBytes\\)`))
  const error = (outcome.answer as { readonly error: { readonly code?: number; readonly message: string; readonly data?: unknown } }).error
  assert.strictEqual(error.code, -32603, JSON.stringify(error))
  assert.include(error.message, `over the limit of ${max} bytes (maxResultBytes)`)
  // The error's data reaches the client through tasks/result too (memory and Redis alike).
  assert.deepInclude(error.data as object, { limit: "maxResultBytes", max }, JSON.stringify(error))
  assert.isAbove((error.data as { readonly size: number }).size, max)
}

/**
 * A 2026-07-28 session of `server` (bounded at 10,000 bytes): a promoted task and a required tool's
 * task whose results are 20,000 characters end failed, `tasks/get` carrying the error naming the limit.
 */
const assertModernOver = (server: Effect.Success<ReturnType<typeof everything>>) =>
  Effect.gen(function*() {
    const modern = yield* connectModern(server)
    for (const name of ["big_result_slow", "big_result_required"]) {
      const created = yield* Effect.promise(() => modern.request("tools/call", { name, arguments: { chars: 20_000 } }, withTasks()))
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created).slice(0, 300))
      const ended = yield* Effect.promise(() =>
        pollTask(() => modern.request("tasks/get", { taskId: created.result.taskId }, withTasks()), isTerminal, 5_000)
      )
      assert.strictEqual(ended.status, "failed", name)
      assert.strictEqual(ended.error?.code, -32603, name)
      assert.match(ended.error.message, /^Task result too large: \d+ bytes, over the limit of 10000 bytes \(maxResultBytes\)/, name)
      assert.deepInclude(ended.error.data, { limit: "maxResultBytes", max: 10_000 }, name)
      assert.isAbove(ended.error.data.size, 20_000, name)
    }
  })

describe("a task's stored result is bounded (in memory)", () => {
  // Fails before: both tasks completed and tasks/result answered the whole text.
  it.live("maxResultBytes: a result over it fails the task with -32603 naming the limit; one within it completes", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ ...options, tasks: McpServer.tasks({ maxResultBytes: 10_000 }) }, Layer.merge(components, Big), pair.server).pipe(
          Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))]))
        )
      )
      const client = new Client({ name: "result-bound", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const within = yield* run(client, 9_000)
      assert.strictEqual(within.ended.status, "completed")
      assert.deepStrictEqual(within.answer, { text: 9_000 })
      const over = yield* run(client, 20_000)
      assertOver(over, 10_000)
      assert.isTrue(logged.some((line) => line.includes(`task ${over.ended.taskId}`) && line.includes("maxResultBytes")), JSON.stringify(logged))
    }))

  // Fails before: the 5 MiB result was stored and answered whole.
  it.live("the default bound is 4 MiB", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, Big)
      const { client } = yield* connect(server)
      assertOver(yield* run(client, 5 * 1024 * 1024), 4 * 1024 * 1024)
      const within = yield* run(client, 3 * 1024 * 1024)
      assert.strictEqual(within.ended.status, "completed")
    }))

  // Fails before: both tasks completed, tasks/get carrying the whole text.
  it.live("2026-07-28: a promoted task and a required tool's task over the bound are failed, tasks/get carrying the error", () =>
    Effect.flatMap(everything({ maxResultBytes: 10_000 }, Layer.merge(BigSlow, BigRequired)), assertModernOver))

  // The measure itself: bytes of UTF-8 (not characters), what `toJSON` makes; and what cannot be
  // serialized (a cycle, a BigInt) fails the task at any bound. Fails before: the cycle was left to
  // the store, and the in-memory one kept it (completed), though no transport could send it.
  it.effect("measures UTF-8 bytes, through toJSON; a cycle or a BigInt fails the task, -32603, at any bound", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory()
      const finish = boundedFinish(store, 10_000)
      const ended = (result: object) =>
        Effect.gen(function*() {
          const { taskId } = yield* store.create({ owner: "o", method: "tools/call" })
          return yield* Effect.orDie(finish(taskId, "completed", { _tag: "Result", result }))
        })
      // 4,000 "é" are 8,000 bytes; 6,000 are 12,000 (fewer than 10,000 characters).
      assert.strictEqual((yield* ended({ text: "é".repeat(4_000) }))?.status, "completed")
      const multibyte = yield* ended({ text: "é".repeat(6_000) })
      assert.strictEqual(multibyte?.status, "failed")
      assert.deepInclude((multibyte!.outcome as any).error.data, { limit: "maxResultBytes", max: 10_000, size: 12_011 })
      assert.strictEqual((yield* ended({ at: { toJSON: () => "x".repeat(20_000) } }))?.status, "failed")
      const cyclic: { self?: unknown } = {}
      cyclic.self = cyclic
      const notJson = (task: Task | undefined, why: RegExp) => {
        assert.strictEqual(task?.status, "failed")
        const error = (task!.outcome as any).error
        assert.strictEqual(error.code, -32603)
        assert.match(error.message, why)
        assert.strictEqual(task!.statusMessage, error.message)
      }
      notJson(yield* ended(cyclic), /^Task result is not JSON: Converting circular structure to JSON/)
      notJson(yield* ended({ n: 1n }), /^Task result is not JSON: Do not know how to serialize a BigInt/)
      // No bound: whatever the size; not JSON, failed all the same.
      const unbounded = boundedFinish(store, Number.POSITIVE_INFINITY)
      const endedUnbounded = (result: object) =>
        Effect.gen(function*() {
          const { taskId } = yield* store.create({ owner: "o", method: "tools/call" })
          return yield* Effect.orDie(unbounded(taskId, "completed", { _tag: "Result", result }))
        })
      assert.strictEqual((yield* endedUnbounded({ text: "x".repeat(20_000) }))?.status, "completed")
      notJson(yield* endedUnbounded(cyclic), /^Task result is not JSON: Converting circular structure/)
      notJson(yield* endedUnbounded({ n: 1n }), /^Task result is not JSON: Do not know how to serialize a BigInt/)
      // A boxed BigInt (`Object(1n)`): an object with no keys to the walk, a BigInt to `JSON.stringify`.
      // Fails before: the walk measured it as `{}` and left it to the store (completed in memory).
      notJson(yield* ended({ n: Object(1n) }), /^Task result is not JSON: Do not know how to serialize a BigInt/)
      notJson(yield* endedUnbounded({ n: Object(1n) }), /^Task result is not JSON: Do not know how to serialize a BigInt/)
    }).pipe(Effect.scoped))

  // Fails before: each attempt to record the end again (a store that failed: every 5 s for up to
  // 15 minutes) serialised the outcome again (a result over the bound: its whole JSON) and logged
  // the warning again; three attempts here, three serialisations and three warnings.
  it.effect("an outcome recorded again after the store failed is measured and warned of once", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory()
      let failures = 2
      const failing = {
        ...store,
        finish: (...args: Parameters<typeof store.finish>) =>
          failures-- > 0 ? Effect.fail(new StoreError({ store: "TaskStore", message: "connection refused" })) : store.finish(...args)
      }
      const finish = boundedFinish(failing, 10_000)
      let serialised = 0
      const at = {
        toJSON: () => {
          serialised++
          return "x".repeat(20_000)
        }
      }
      const outcome = { _tag: "Result" as const, result: { at } }
      const { taskId } = yield* store.create({ owner: "o", method: "tools/call" })
      const logged: Array<string> = []
      const attempts: Array<string> = []
      for (let attempt = 0; attempt < 3; attempt++) {
        const exit = yield* Effect.exit(finish(taskId, "completed", outcome)).pipe(
          Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))]))
        )
        attempts.push(exit._tag === "Success" ? exit.value?.status ?? "none" : "store failed")
      }
      assert.deepStrictEqual(attempts, ["store failed", "store failed", "failed"])
      const recorded = (yield* store.get(taskId, "o")).outcome as { readonly error?: { readonly data?: unknown } }
      assert.deepInclude(recorded.error?.data, { limit: "maxResultBytes", max: 10_000 })
      assert.deepStrictEqual([serialised, logged.filter((message) => message.includes("over the task limit")).length], [1, 1], "serialised and warned of once")
    }).pipe(Effect.scoped))

  // What throws while serialized is not JSON either, whatever it threw: a `toJSON` or a getter that
  // throws an error, a string, or an object that cannot be made a string (`Object.create(null)`).
  // Fails before: the last made `boundedFinish` itself throw (`String` of it threw a TypeError), a
  // defect of the task's end, as the Redis store's `finish` died on a cycle.
  it.effect("a toJSON or a getter that throws, whatever it throws, fails the task, -32603, at any bound", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory()
      for (const max of [10_000, Number.POSITIVE_INFINITY]) {
        const finish = boundedFinish(store, max)
        const ended = (result: object) =>
          Effect.gen(function*() {
            const { taskId } = yield* store.create({ owner: "o", method: "tools/call" })
            return yield* Effect.orDie(Effect.suspend(() => finish(taskId, "completed", { _tag: "Result", result })))
          })
        const throwing = (thrown: unknown) => ({
          at: {
            toJSON: () => {
              throw thrown
            }
          }
        })
        const getter = Object.defineProperty({}, "value", {
          enumerable: true,
          get: () => {
            throw new Error("the getter failed")
          }
        })
        const cases: ReadonlyArray<readonly [object, RegExp]> = [
          [throwing(new Error("toJSON failed")), /^Task result is not JSON: toJSON failed$/],
          [throwing("a string thrown"), /^Task result is not JSON: a string thrown$/],
          [throwing(Object.create(null)), /^Task result is not JSON: threw an object \(\[object Object\]\)$/],
          [getter, /^Task result is not JSON: the getter failed$/]
        ]
        for (const [result, why] of cases) {
          const task = yield* ended(result)
          assert.strictEqual(task?.status, "failed", `${max} ${why}`)
          assert.strictEqual((task!.outcome as any).error.code, -32603)
          assert.match((task!.outcome as any).error.message, why)
        }
      }
    }).pipe(Effect.scoped))

  // The walk that spares most outcomes a serialization must never say "within" of one over the
  // bound: each value here, bounded one byte below its UTF-8 JSON, fails with its exact size, and
  // bounded at it completes. Fails before: 40 numbers of 25 characters (negative, of magnitude in
  // [1e-6, 1e-5), written "-0.0000012..."; 24 were counted) and boxed primitives (counted as the
  // empty object their keys make, `{}`) completed over the bound.
  it.effect("the measure is an upper bound of the UTF-8 JSON, whatever the value", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory()
      const ended = (result: unknown, max: number) =>
        Effect.gen(function*() {
          const { taskId } = yield* store.create({ owner: "o", method: "tools/call" })
          return yield* Effect.orDie(boundedFinish(store, max)(taskId, "completed", { _tag: "Result", result: result as object }))
        })
      const values: ReadonlyArray<readonly [string, unknown]> = [
        ["longest numbers", Array.from({ length: 40 }, () => -0.0000012345678901234567)],
        ["numbers in an object", { a: -0.0000012345678901234567, b: -2.2250738585072014e-308, c: 1e21, d: -0, e: Number.NaN }],
        ["boxed primitives", [...Array.from({ length: 40 }, () => new Number(-0.5)), new Boolean(false), new String("é\u0000")]],
        ["escapes and control characters", { "k\u0001\"": "\u0000\u001f\\\"\n".repeat(50) }],
        ["lone surrogates, astral characters, U+2028", ["\ud800".repeat(30), "\udfff x", "😀".repeat(30), "\u2028\u2029".repeat(30)]],
        ["dropped and null members", [undefined, () => 1, Symbol("s"), null, { u: undefined, f: () => 1 }]],
        ["dates and nested arrays", { at: new Date(0), nested: [[[[1, [2, [3, ["é"]]]]]]] }]
      ]
      for (const [name, value] of values) {
        const exact = Buffer.byteLength(JSON.stringify(value), "utf8")
        const over = yield* ended(value, exact - 1)
        assert.strictEqual(over?.status, "failed", `${name}: ${exact} bytes, bounded at ${exact - 1}`)
        assert.deepInclude((over!.outcome as any).error.data, { max: exact - 1, size: exact }, name)
        assert.strictEqual((yield* ended(value, exact))?.status, "completed", `${name}: bounded at its ${exact} bytes`)
      }
    }).pipe(Effect.scoped))

  // Fails before: the memory store kept the result (completed), and tasks/result could not send it.
  it.live("a result that is not JSON fails the task with -32603 saying so", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, NotJson)
      const { client } = yield* connect(server)
      yield* assertNotJson(client)
    }))

  it("an option out of range is a RangeError naming it", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => McpServer.tasks({ maxResultBytes: bad }), RangeError, "maxResultBytes")
    }
    McpServer.tasks({ maxResultBytes: Number.POSITIVE_INFINITY })
  })
})

layer(TestRedis.layer, { excludeTestServices: true })("a task's stored result is bounded (Redis)", (it) => {
  // Fails before: the task completed, its 20,000-character result written to Redis and answered whole.
  it.effect("a result over maxResultBytes fails the task with -32603 naming the limit; one within it completes", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const prefix = uniquePrefix()
      const stores = RedisStores.layer({ url: redis.url, prefix })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { ...options, tasks: McpServer.tasks({ maxResultBytes: 10_000 }) },
          Layer.merge(components, Big),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ).pipe(Effect.provide(stores))
      )
      const client = new Client({ name: "result-bound", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const within = yield* run(client, 9_000)
      assert.strictEqual(within.ended.status, "completed")
      assert.deepStrictEqual(within.answer, { text: 9_000 })
      const over = yield* run(client, 20_000)
      assertOver(over, 10_000)
      // What Redis holds of it is the error, not the result.
      const raw = yield* Effect.flatMap(Layer.build(redisClient(redis.url)), (context) =>
        Effect.orDie(Context.get(context, Redis.Redis).send<string | null>("HGET", `${prefix}tasks:t:${over.ended.taskId}`, "task")))
      assert.isString(raw)
      assert.include(raw!, "maxResultBytes")
      assert.isBelow(raw!.length, 10_000)
      const kept = yield* Effect.flatMap(Layer.build(redisClient(redis.url)), (context) =>
        Effect.orDie(Context.get(context, Redis.Redis).send<string | null>("HGET", `${prefix}tasks:t:${within.ended.taskId}`, "task")))
      assert.isAbove(kept!.length, 9_000, "the task within the bound keeps its result there")
    }), 30_000)

  // Fails before: the Redis store's finish died on the BigInt (a TypeError): the task stayed
  // working until its lease lapsed, and nothing was written.
  it.effect("a result that is not JSON fails the task with -32603, the Redis hash holding the error", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const prefix = uniquePrefix()
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, Layer.merge(components, NotJson), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(RedisStores.layer({ url: redis.url, prefix }))
        )
      )
      const client = new Client({ name: "result-bound", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const taskId = yield* assertNotJson(client)
      const raw = yield* Effect.flatMap(Layer.build(redisClient(redis.url)), (context) =>
        Effect.orDie(Context.get(context, Redis.Redis).send<string | null>("HGET", `${prefix}tasks:t:${taskId}`, "task")))
      assert.isString(raw)
      const stored = JSON.parse(raw!)
      assert.strictEqual(stored.status, "failed", raw!)
      assert.include(raw!, "Task result is not JSON: Do not know how to serialize a BigInt")
      assert.include(raw!, "-32603")
    }), 30_000)

  // The same through the Redis store: what tasks/get reads back is the error, in both tasks' paths.
  it.effect("2026-07-28: a promoted task and a required tool's task over the bound are failed, tasks/get carrying the error", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const context = yield* Layer.build(
        Layer.provideMerge(
          Layer.merge(components, Layer.merge(BigSlow, BigRequired)),
          Layer.provideMerge(
            McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks({ maxResultBytes: 10_000 }) }),
            RedisStores.layer({ url: redis.url, prefix: uniquePrefix() })
          )
        )
      )
      yield* assertModernOver(Context.get(context, McpServer.McpServer))
    }), 30_000)
})
