/**
 * `node --max-semi-space-size=256 --min-semi-space-size=256 bench/redis-get-alloc.ts [root]`: the
 * bytes allocated per `RedisTaskStore.get` (a read of another replica's task: one `HMGET`), on
 * `RedisStores.layer` against a real `redis-server` (test/support/redis.ts), one read at a time.
 * The young generation is made large enough that no collection runs over a round (checked: a
 * round with one is reported so and left out), so the heap's growth over it is what the reads
 * allocated (node-redis's and the socket's share included). BENCH_ALLOC_READS reads a round
 * (default 5,000), after 2,000 to warm up; 7 rounds, the median printed. `root` (default the
 * repository) is where `src/` is taken from, to compare a copy of another commit's. Run with
 * Node's default young generation, the collections over the rounds are counted instead.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PerformanceObserver } from "node:perf_hooks"
import { resolve as resolvePath } from "node:path"
import { pathToFileURL } from "node:url"

const root = resolvePath(process.argv[2] ?? new URL("..", import.meta.url).pathname)
const READS = Number(process.env.BENCH_ALLOC_READS ?? 5_000)
const ROUNDS = 7
const RedisStores: typeof import("../src/redis/RedisStores.ts") = await import(pathToFileURL(`${root}/src/redis/RedisStores.ts`).href)
const { TaskStore }: typeof import("../src/tasks/TaskStore.ts") = await import(pathToFileURL(`${root}/src/tasks/TaskStore.ts`).href)
const { make: startRedis }: typeof import("../test/support/redis.ts") = await import(pathToFileURL(`${root}/test/support/redis.ts`).href)

let collections = 0
new PerformanceObserver((list) => void (collections += list.getEntries().length)).observe({ entryTypes: ["gc"] })

const program = Effect.gen(function*() {
  const redis = yield* startRedis()
  const options = { url: redis.url, prefix: "alloc:", tasks: { recheckMillis: 60_000 } }
  const writer = Context.get(yield* Layer.build(RedisStores.layer(options)), TaskStore)
  const reader = Context.get(yield* Layer.build(RedisStores.layer(options)), TaskStore)
  const task = yield* writer.create({ owner: "session:a", method: "tools/call" })
  const read = reader.get(task.taskId, "session:a")
  for (let i = 0; i < 2_000; i++) yield* read
  const perRead: Array<number> = []
  const gcAtStart = collections
  for (let round = 0; round < ROUNDS; round++) {
    // A collection before (not counted), none over the round.
    yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    const gcBefore = collections
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < READS; i++) yield* read
    const after = process.memoryUsage().heapUsed
    yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    if (collections !== gcBefore) console.log(`round ${round}: ${collections - gcBefore} collection(s), left out`)
    else perRead.push((after - before) / READS)
  }
  const sorted = [...perRead].sort((a, b) => a - b)
  console.log(
    `${root}: bytes per get, ${READS} reads a round: median ${sorted[sorted.length >> 1]?.toFixed(0)} (${
      sorted.map((n) => n.toFixed(0)).join(", ")
    }); collections over the ${ROUNDS} rounds: ${collections - gcAtStart}`
  )
})

await Effect.runPromise(Effect.scoped(program))
process.exit(0)
