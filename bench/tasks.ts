/**
 * `node bench/tasks.ts` (part of `npm run bench`): background tasks through the real path, in one
 * process, in both eras: MCP 2025-11-25 core tasks (`params.task`, `tasks/result`) and the
 * 2026-07-28 tasks extension (`_meta` declaring `io.modelcontextprotocol/tasks`, tools that call
 * `McpContext.becomeTask`, results by `tasks/get`).
 *
 * An `McpServer` with task-capable tools (`instant` answers at once; `held` waits on a gate
 * the benchmark opens later; `instant_task` / `held_task` the same after `becomeTask`), over a
 * provided in-memory `TaskStore` kept in hand, driven over the in-memory pair by a lean raw
 * JSON-RPC driver (no SDK client) with 256 requests in flight. 2025-11-25:
 *
 * 1. creation: 100,000 task-augmented `tools/call instant` (CreateTaskResult answers per second);
 * 2. completion: `tasks/result` for each of them (results per second);
 * 3. end to end: 100,000 slots of create → `tasks/result`, pipelined;
 * 4. memory: heapUsed delta while 10,000 `held` tasks are working, divided by 10,000; then the
 *    gate opens, every result is fetched, and after the TTL the store is empty; the heap is compared
 *    with its baseline (memory is bounded?), and the terminal status notifications are counted
 *    (the status notifier forgets a task's session only when it sees its terminal status);
 * 5. a store-level diagnostic: the cost of `create` when the store is at `maxTasks` (full of
 *    finished, unexpired tasks) against a store with room.
 *
 * 2026-07-28 (a second connection, no `initialize`): creation (CreateTaskResult answers per
 * second), pipelined create → `tasks/get` polled until `completed` (tasks per second, with the
 * polls counted), and heap per working task (10,000 held, then released and read).
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Scope from "effect/Scope"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { InMemory, McpContext, McpServer } from "../src/index.ts"
import { makeMemory, TaskStore } from "../src/tasks/TaskStore.ts"

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void
const collect = async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const N = 100_000
const HELD = 10_000
const IN_FLIGHT = 256
/** Requested retention: long enough for the run's phases, short enough to watch the reaper. */
const TTL = 6_000
const REAP = 250

const started = performance.now()
const gate = Deferred.makeUnsafe<void>()
const Instant = McpServer.tool({
  name: "instant",
  description: "answers at once",
  execution: { taskSupport: "optional" },
  handler: () => Effect.succeed("ok")
})
const Held = McpServer.tool({
  name: "held",
  description: "answers when the benchmark opens the gate",
  execution: { taskSupport: "optional" },
  handler: () => Effect.as(Deferred.await(gate), "released")
})
const gate2026 = Deferred.makeUnsafe<void>()
const InstantTask = McpServer.tool({
  name: "instant_task",
  description: "becomes a task (2026-07-28), then answers at once",
  execution: { taskSupport: "optional" },
  handler: () => Effect.as(McpContext.becomeTask, "ok")
})
const HeldTask = McpServer.tool({
  name: "held_task",
  description: "becomes a task (2026-07-28), then answers when the benchmark opens the gate",
  execution: { taskSupport: "optional" },
  handler: () => Effect.andThen(McpContext.becomeTask, Effect.as(Deferred.await(gate2026), "released"))
})

const scope = Scope.makeUnsafe()
const context = await Effect.runPromise(Layer.buildWithScope(
  Layer.provideMerge(
    Layer.mergeAll(Instant, Held, InstantTask, HeldTask),
    Layer.provideMerge(
      McpServer.McpServer.layer({ name: "bench-tasks", version: "0.0.0", tasks: McpServer.tasks() }),
      TaskStore.layerMemory({
        maxTasks: 4 * N,
        maxTasksPerOwner: 4 * N,
        maxTtlMillis: TTL,
        defaultTtlMillis: TTL,
        reapIntervalMillis: REAP
      })
    )
  ),
  scope
))
const server = Context.get(context, McpServer.McpServer)
const store = Context.get(context, TaskStore)
const storeSize = () => Effect.runSync(store.size)

// --- the lean driver -------------------------------------------------------------------------

const pending = new Map<number, (message: any) => void>()
let notifications = 0
const statuses: Record<string, number> = {}
let nextId = 1
/** A connection to the server over the in-memory pair, with a raw request function. */
const connect = () => {
  const pair = InMemory.makePair()
  pair.client.onmessage = (message) => {
    if (message.id === undefined) {
      notifications++
      if (message.method === "notifications/tasks/status") {
        statuses[message.params.status] = (statuses[message.params.status] ?? 0) + 1
      }
      return
    }
    const resolve = pending.get(message.id)
    if (resolve === undefined) return
    pending.delete(message.id)
    resolve(message)
  }
  const session = Effect.runFork(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
  const request = (method: string, params: object): Promise<any> =>
    new Promise((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      void pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
    })
  return { pair, session, request }
}
const { pair, session, request } = connect()
const init = await request("initialize", {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "bench-driver", version: "0" }
})
if (init.result?.capabilities?.tasks?.requests?.tools?.call === undefined) throw new Error("no tasks capability")
await pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never)

let bad = 0
const create = async (name: string, ttl = TTL): Promise<string> => {
  const answer = await request("tools/call", { name, arguments: {}, task: { ttl } })
  const taskId = answer.result?.task?.taskId
  if (typeof taskId !== "string" || answer.result.task.status !== "working") {
    bad++
    throw new Error(`bad CreateTaskResult: ${JSON.stringify(answer)}`)
  }
  return taskId
}
const result = async (taskId: string, text: string) => {
  const answer = await request("tasks/result", { taskId })
  const result = answer.result
  if (result?.content?.[0]?.text !== text || result._meta?.["io.modelcontextprotocol/related-task"]?.taskId !== taskId) {
    bad++
    throw new Error(`bad tasks/result: ${JSON.stringify(answer)}`)
  }
}

/** Runs `count` jobs with `IN_FLIGHT` at once; answers the elapsed milliseconds. */
const pool = async (count: number, job: (index: number) => Promise<void>) => {
  const start = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, async () => {
    while (next < count) await job(next++)
  }))
  return performance.now() - start
}

const rate = (count: number, millis: number) => Math.round(count / (millis / 1000)).toLocaleString("en-US")
const mb = (bytes: number) => (bytes / 1048576).toFixed(1)
const waitUntil = async (condition: () => boolean, timeoutMillis: number) => {
  const start = performance.now()
  while (!condition() && performance.now() - start < timeoutMillis) await new Promise((r) => setTimeout(r, 50))
  return condition()
}

// warm-up (JIT) with short-lived tasks, then a baseline once they are reaped. Their TTL outlives
// the creation of all of them on a cold JIT (500 ms did not: creating 5,000 took longer now and
// then, and the first were gone, "Task not found", before their tasks/result).
const warm: Array<string> = []
const warmCount = 5_000
await pool(warmCount, async () => void warm.push(await create("instant", 3_000)))
await pool(warm.length, async (i) => result(warm[i]!, "ok"))

await waitUntil(() => storeSize() === 0, TTL + 5_000)
await collect()
const heapBaseline = process.memoryUsage().heapUsed

// --- 1 and 2: creation, then completion --------------------------------------------------------

const ids: Array<string> = new Array(N)
const createMillis = await pool(N, async (i) => void (ids[i] = await create("instant")))
const heldInStore = storeSize()
const resultMillis = await pool(N, async (i) => result(ids[i]!, "ok"))

// --- 3: pipelined create → tasks/result --------------------------------------------------------

const pipelineMillis = await pool(N, async () => result(await create("instant"), "ok"))
const afterPipeline = storeSize()

// --- 4: memory per task in flight ---------------------------------------------------------------

console.error("waiting for the TTL of the earlier tasks to pass (store empty before measuring memory)...")
const emptied = await waitUntil(() => storeSize() === 0, TTL + 5_000)
await collect()
const heapBefore = process.memoryUsage().heapUsed
const held: Array<string> = new Array(HELD)
await pool(HELD, async (i) => void (held[i] = await create("held")))
await collect()
const heapHeld = process.memoryUsage().heapUsed
const workingHeld = storeSize()
const runningHeld = Effect.runSync(store.list("session:probe", undefined, 1)).tasks.length // another owner sees none
Deferred.doneUnsafe(gate, Exit.void)
const releaseMillis = await pool(HELD, async (i) => result(held[i]!, "released"))
held.length = 0
ids.length = 0
warm.length = 0
const reaped = await waitUntil(() => storeSize() === 0, TTL + 5_000)
await collect()
const heapAfter = process.memoryUsage().heapUsed

// --- 5: create at capacity (store level) ------------------------------------------------------

const capacity = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const size = 100_000
  const tasks = yield* makeMemory({ maxTasks: size, maxTasksPerOwner: size })
  const fill = (count: number) =>
    Effect.gen(function*() {
      for (let i = 0; i < count; i++) {
        const task = yield* tasks.create({ owner: "o", method: "tools/call" })
        yield* tasks.finish(task.taskId, "completed", { _tag: "Result", result: {} })
      }
    })
  const timed = (count: number) =>
    Effect.gen(function*() {
      const start = performance.now()
      yield* fill(count)
      return ((performance.now() - start) * 1000) / count
    })
  yield* fill(size / 2)
  const withRoom = yield* timed(1_000)
  yield* fill(size - (yield* tasks.size))
  const atCapacity = yield* timed(1_000)
  return { withRoom, atCapacity, size }
})))

// --- 2026-07-28: the tasks extension on a second connection -------------------------------------

const modern = connect()
const meta2026 = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "bench-driver", version: "0" }
}
const create2026 = async (name: string): Promise<string> => {
  const answer = await modern.request("tools/call", { name, arguments: {}, _meta: meta2026 })
  const taskId = answer.result?.taskId
  if (typeof taskId !== "string" || answer.result.resultType !== "task") {
    bad++
    throw new Error(`bad 2026 CreateTaskResult: ${JSON.stringify(answer)}`)
  }
  return taskId
}
let polls = 0
const completed2026 = async (taskId: string, text: string) => {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    polls++
    const answer = await modern.request("tasks/get", { taskId, _meta: meta2026 })
    const task = answer.result
    if (task?.status === "completed") {
      if (task.result?.content?.[0]?.text !== text) break
      return
    }
    if (task?.status !== "working") break
    await new Promise((resolve) => setImmediate(resolve))
  }
  bad++
  throw new Error(`2026 task ${taskId} did not complete with ${text}`)
}
// warm-up, then the store is emptied by the TTL before measuring
await pool(5_000, async () => completed2026(await create2026("instant_task"), "ok"))
const modernIds: Array<string> = new Array(N)
const create2026Millis = await pool(N, async (i) => void (modernIds[i] = await create2026("instant_task")))
polls = 0
const read2026Millis = await pool(N, async (i) => completed2026(modernIds[i]!, "ok"))
const readPolls = polls
modernIds.length = 0
polls = 0
const pipeline2026Millis = await pool(N, async () => completed2026(await create2026("instant_task"), "ok"))
const pipelinePolls = polls
console.error("waiting for the TTL of the 2026 tasks to pass (store empty before measuring memory)...")
const emptied2026 = await waitUntil(() => storeSize() === 0, TTL + 5_000)
await collect()
const heapBefore2026 = process.memoryUsage().heapUsed
const held2026: Array<string> = new Array(HELD)
await pool(HELD, async (i) => void (held2026[i] = await create2026("held_task")))
await collect()
const heapHeld2026 = process.memoryUsage().heapUsed
const workingHeld2026 = storeSize()
Deferred.doneUnsafe(gate2026, Exit.void)
const release2026Millis = await pool(HELD, async (i) => completed2026(held2026[i]!, "released"))
held2026.length = 0
const reaped2026 = await waitUntil(() => storeSize() === 0, TTL + 5_000)

const total = performance.now() - started
console.log(`| measure | value |\n|---|---:|`)
console.log(`| tasks created (CreateTaskResult), ${IN_FLIGHT} in flight | ${N.toLocaleString("en-US")} in ${Math.round(createMillis)} ms: **${rate(N, createMillis)}/s** |`)
console.log(`| tasks/result answered for them | ${N.toLocaleString("en-US")} in ${Math.round(resultMillis)} ms: **${rate(N, resultMillis)}/s** |`)
console.log(`| pipelined create → tasks/result | ${N.toLocaleString("en-US")} in ${Math.round(pipelineMillis)} ms: **${rate(N, pipelineMillis)} tasks/s** |`)
console.log(`| store size after creating ${N.toLocaleString("en-US")} / after the pipeline | ${heldInStore.toLocaleString("en-US")} / ${afterPipeline.toLocaleString("en-US")} (TTL ${TTL} ms) |`)
console.log(`| heap per working task (${HELD.toLocaleString("en-US")} held) | **${Math.round((heapHeld - heapBefore) / HELD).toLocaleString("en-US")} bytes** (${mb(heapBefore)} → ${mb(heapHeld)} MB; ${workingHeld.toLocaleString("en-US")} in store, another owner lists ${runningHeld}) |`)
console.log(`| results of the held tasks after the gate opens | ${HELD.toLocaleString("en-US")} in ${Math.round(releaseMillis)} ms |`)
console.log(`| store empty after TTL + reaping | before memory phase: ${emptied}; at the end: ${reaped} (size ${storeSize()}) |`)
console.log(`| heap at the end vs before the held tasks | ${mb(heapAfter)} MB vs ${mb(heapBefore)} MB (Δ ${mb(heapAfter - heapBefore)} MB) |`)
console.log(`| heap at the end vs before the 215,000 tasks (store empty both times) | ${mb(heapAfter)} MB vs ${mb(heapBaseline)} MB (Δ ${mb(heapAfter - heapBaseline)} MB, ${Math.round((heapAfter - heapBaseline) / (2 * N + HELD))} bytes per task) |`)
const createdTotal = warmCount + 2 * N + HELD
const terminalSeen = (statuses.completed ?? 0) + (statuses.failed ?? 0) + (statuses.cancelled ?? 0)
console.log(`| notifications/tasks/status received, by status | ${JSON.stringify(statuses)} for ${createdTotal.toLocaleString("en-US")} tasks (${notifications.toLocaleString("en-US")} notifications in all) |`)
console.log(`| tasks whose terminal status was never notified | **${(createdTotal - terminalSeen).toLocaleString("en-US")}** |`)
console.log(`| store-level create + finish, store of ${capacity.size.toLocaleString("en-US")} with room / at maxTasks | ${capacity.withRoom.toFixed(1)} µs / **${capacity.atCapacity.toFixed(1)} µs** per task |`)
console.log(`| **2026-07-28** tasks created (flat CreateTaskResult, \`becomeTask\`), ${IN_FLIGHT} in flight | ${N.toLocaleString("en-US")} in ${Math.round(create2026Millis)} ms: **${rate(N, create2026Millis)}/s** |`)
console.log(`| **2026-07-28** tasks/get until completed, for them | ${N.toLocaleString("en-US")} in ${Math.round(read2026Millis)} ms: **${rate(N, read2026Millis)}/s** (${(readPolls / N).toFixed(2)} tasks/get per task) |`)
console.log(`| **2026-07-28** pipelined create → tasks/get until completed | ${N.toLocaleString("en-US")} in ${Math.round(pipeline2026Millis)} ms: **${rate(N, pipeline2026Millis)} tasks/s** (${(pipelinePolls / N).toFixed(2)} tasks/get per task) |`)
console.log(`| **2026-07-28** heap per working task (${HELD.toLocaleString("en-US")} held) | **${Math.round((heapHeld2026 - heapBefore2026) / HELD).toLocaleString("en-US")} bytes** (${mb(heapBefore2026)} → ${mb(heapHeld2026)} MB; ${workingHeld2026.toLocaleString("en-US")} in store) |`)
console.log(`| **2026-07-28** results of the held tasks after the gate opens | ${HELD.toLocaleString("en-US")} in ${Math.round(release2026Millis)} ms; store empty after TTL: before memory phase ${emptied2026}, at the end ${reaped2026} |`)
console.log(`| bad answers | ${bad} |`)
console.log(`| total time | ${(total / 1000).toFixed(1)} s (Node ${process.version}) |`)

await pair.client.close()
await modern.pair.client.close()
await Effect.runPromise(
  Effect.andThen(Effect.ignore(Fiber.await(session)), Effect.andThen(Effect.ignore(Fiber.await(modern.session)), Scope.close(scope, Exit.void)))
)
if (bad > 0 || !emptied || !reaped || !emptied2026 || !reaped2026) process.exitCode = 1
