/**
 * `node bench/cluster.ts` (part of `npm run bench`): tasks across replicas (issue 13, item 7).
 * Two replicas of `examples/replica-server.ts` (stateless Streamable HTTP, MCP 2026-07-28 with the
 * tasks extension) on one real Redis, side by side in one run with the same two replicas keeping
 * their stores in memory (`STORE=memory`: nothing shared, so each task is read where it was made).
 *
 * Each store is measured in BENCH_CLUSTER_ROUNDS rounds (default 3) on the same replicas, each
 * round its creations, then its reads. The table gives the medians of the rounds, the lines under
 * it every round's figures: the machine's speed drifts within minutes (single runs of 20,000
 * creations gave 7,959–11,414/s on Redis within one hour).
 *
 * - **creations/s**: `tools/call queued` (a task at once), BENCH_CLUSTER_TASKS of them per round
 *   (default 20,000), BENCH_CLUSTER_CONCURRENCY in flight (default 128), alternating the replicas,
 *   once the replicas are warm: BENCH_CLUSTER_WARMUP creations first (default 30,000), as many in
 *   flight.
 *   A replica's CPU per creation falls by half over its first 30,000 or so (V8 optimizes the
 *   path's functions as they get hot). Measured in rounds of 10,000 after 3,000: in memory, the
 *   replicas' CPU per creation went 110, 115, 74, 65, 58 and 62 µs while `--trace-opt` counted
 *   385, 498, 87, 38, 4 and 8 optimizations; on Redis 159, 179, 114, 95, 106, 113 and 106 µs.
 *   With the 500 warm-up creations this bench had, the rate measured that warm-up, not a running
 *   deployment;
 * - **CPU per creation**: the replicas' (both) and Redis's CPU time over the creations
 *   (the schedstat of their threads), divided by their number: what the rate would be on cores
 *   of their own (the load generator shares these);
 * - **Redis commands per task**: Redis's `total_commands_processed` over the creations, divided
 *   by their number (the commands a script runs count too; lease renewals and the reaper
 *   included);
 * - **tasks/get** p50/p99: 5,000 reads per round of the round's newest 2,000 tasks (the replicas
 *   keep 5,000 per requestor here: one anonymous client makes them all), 16 in flight, right
 *   after the round's creations; on Redis through the *other* replica. The warm-up reads 5,000
 *   times too: without it, the first reads run the tasks/get path's code before V8 compiled it
 *   (p99 9–14 ms instead of 3–4 on Redis, 8 instead of 3 in memory, measured);
 * - **the reads' collections** (a line per store under the table): the replicas' scavenges while
 *   they answer a round's reads, how much each kept (`new_space_survived`) and their longest
 *   pause, and their full collections, from the replicas' `--trace-gc-nvp`: the tasks/get tail
 *   follows them (a scavenge stops a replica's reads in flight; what it keeps sets its length);
 * - **create → completed** p50/p99: 500 tasks of `queued` (0 ms), each polled with `tasks/get`
 *   every millisecond until completed (on Redis through the other replica), once, after the rounds.
 *
 * The load generator is `bench/rawHttpClient.ts` (BENCH_CLUSTER_CLIENT=node-http for `node:http`'s
 * client), in this process, on the same cores: about 20 µs of its CPU per creation.
 *
 * Output: a Markdown table, also appended to `bench/results.md`.
 */
import * as Effect from "effect/Effect"
import { appendFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { make as startRedis } from "../test/support/redis.ts"
import { startReplica } from "../test/support/replicas.ts"
import { RawHttpClient } from "./rawHttpClient.ts"
import { childCpuMicros, fmt, freePort, intEnv, median, runBenchmark } from "./support.ts"

const TASKS = intEnv("BENCH_CLUSTER_TASKS", 20_000)
const CONCURRENCY = intEnv("BENCH_CLUSTER_CONCURRENCY", 128)
const WARMUP = intEnv("BENCH_CLUSTER_WARMUP", 30_000)
const ROUNDS = intEnv("BENCH_CLUSTER_ROUNDS", 3)
const GETS = 5_000
const LATENCIES = 500
const resultsPath = fileURLToPath(new URL("results.md", import.meta.url))

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "bench-cluster", version: "1" }
}

let nextId = 0
/**
 * The load generator: by default {@link RawHttpClient} (keep-alive sockets, one request in flight
 * per connection; about 20 µs of CPU per request here), `BENCH_CLUSTER_CLIENT=node-http` for
 * `node:http`'s client (about 45 µs: on these 2 cores, shared with the replicas and Redis, it took
 * as much CPU as a replica serving the request, so the rate measured the client too).
 */
const clientKind = process.env.BENCH_CLUSTER_CLIENT === "node-http" ? "node-http" : "raw"
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const rawClients = new Map<number, RawHttpClient>()
const rawClient = (port: number) => {
  let client = rawClients.get(port)
  if (client === undefined) rawClients.set(port, client = new RawHttpClient("127.0.0.1", port, 256))
  return client
}
const headersByCall = new Map<string, Record<string, string>>()
/** A request's headers: one object per method and name for the few made again and again. */
const headersOf = (method: string, name: string): Record<string, string> => {
  const key = `${method}\u0000${name}`
  let headers = headersByCall.get(key)
  if (headers === undefined) {
    headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      "mcp-name": name
    }
    if (headersByCall.size < 64) headersByCall.set(key, headers)
  }
  return headers
}
/** The JSON-RPC result of an answer (its error rejects). */
const resultOf = (method: string, text: string) => {
  const answer = JSON.parse(text)
  if (answer.error !== undefined || answer.result === undefined) throw new Error(`${method}: ${text.slice(0, 300)}`)
  return answer.result
}
/** A request's params with the `_meta` every 2026-07-28 request carries, as JSON. */
const paramsWithMeta = (params: Record<string, unknown>): string => JSON.stringify({ ...params, _meta: meta })
/** One 2026-07-28 request to the replica on `port` (`params`: JSON); its JSON-RPC result. */
const rpc = (port: number, method: string, name: string, params: string): Promise<any> => {
  const body = `{"jsonrpc":"2.0","id":${nextId++},"method":${JSON.stringify(method)},"params":${params}}`
  if (clientKind === "raw") {
    return rawClient(port).post("/mcp", headersOf(method, name), body).then((reply) => {
      if (reply.status !== 200) throw new Error(`${method}: status ${reply.status}: ${reply.body.slice(0, 300)}`)
      return resultOf(method, reply.body)
    })
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/mcp",
      method: "POST",
      agent,
      headers: { ...headersOf(method, name), "content-length": Buffer.byteLength(body) }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk) => void (text += chunk))
      response.on("end", () => {
        try {
          resolve(resultOf(method, text))
        } catch (error) {
          reject(error)
        }
      })
    })
    req.on("error", reject)
    req.end(body)
  })
}

/** The params of a `queued` creation, by its `ms`: serialised once, not per request (the load generator's CPU). */
const queuedParams = new Map<number, string>()
const create = (port: number, ms = 0) => {
  let params = queuedParams.get(ms)
  if (params === undefined) queuedParams.set(ms, params = paramsWithMeta({ name: "queued", arguments: { ms } }))
  return rpc(port, "tools/call", "queued", params)
}
/** The `_meta` as JSON, made once: a read's params are its task id and this. */
const metaJson = JSON.stringify(meta)
const get = (port: number, taskId: string) => rpc(port, "tasks/get", taskId, `{"taskId":${JSON.stringify(taskId)},"_meta":${metaJson}}`)

/** Runs `count` jobs, `concurrency` at a time. */
const pool = async (count: number, concurrency: number, job: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await job(next++)
  }))
}

const percentile = (values: Array<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** A field of Redis's `INFO` (an inline command over a plain socket). */
const redisInfo = async (port: number, section: string, field: string): Promise<number> => {
  const { createConnection } = await import("node:net")
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => socket.write(`INFO ${section}\r\n`))
    let data = ""
    socket.on("data", (chunk) => {
      data += String(chunk)
      const match = new RegExp(`${field}:(\\d+)`).exec(data)
      if (match !== null) {
        socket.end()
        resolve(Number(match[1]))
      }
    })
    socket.on("error", reject)
  })
}

/** Redis's commands processed so far. */
const commandsProcessed = (port: number) => redisInfo(port, "stats", "total_commands_processed")

/** One round: `TASKS` creations, then `GETS` reads of the newest tasks. */
interface RoundResult {
  readonly creations: number
  readonly commandsPerTask: number | undefined
  /** CPU µs per creation: both replicas together, and Redis. */
  readonly replicaCpu: number
  readonly redisCpu: number | undefined
  readonly getP50: number
  readonly getP99: number
  /** The replicas' collections during the round's reads (see {@link collections}). */
  readonly readsGc: Collections
}

/** Garbage collections of the replicas over a stretch of their `--trace-gc-nvp` output. */
interface Collections {
  readonly scavenges: number
  /** The median of what each scavenge kept (`new_space_survived`), MB. */
  readonly keptMb: number
  readonly longestPauseMs: number
  /** Mark-compacts (full collections). */
  readonly full: number
}

/** A field of a `--trace-gc-nvp` line (`name=value`). */
const nvpField = (line: string, name: string) => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1] ?? Number.NaN)

/** The collections in `traces` (the replicas' output) since the lengths `from`. */
const collections = (traces: ReadonlyArray<string>, from: ReadonlyArray<number>): Collections => {
  const lines = traces.flatMap((trace, i) => trace.slice(from[i]).split("\n"))
  // A line cut at the stretch's start lacks its first fields: left out.
  const scavenges = lines.filter((line) => line.includes("gc=s ") && Number.isFinite(nvpField(line, "pause")))
  const pauses = scavenges.map((line) => nvpField(line, "pause"))
  return {
    scavenges: scavenges.length,
    keptMb: scavenges.length === 0 ? 0 : median(scavenges.map((line) => nvpField(line, "new_space_survived"))) / 1e6,
    longestPauseMs: Math.max(0, ...pauses),
    full: lines.filter((line) => line.includes("gc=mc ") || line.includes("gc=mmc ")).length
  }
}

/** A store's figures: the medians of its rounds (create → completed measured once, after them). */
interface Row extends Omit<RoundResult, "readsGc"> {
  readonly rounds: ReadonlyArray<RoundResult>
  readonly store: string
  readonly doneP50: number
  readonly doneP99: number
}

const measure = (store: "redis" | "memory", redisUrl: string, redisPort: number) =>
  Effect.gen(function*() {
    const ports = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
    const prefix = `bench-${Date.now()}:`
    const pids: Array<number> = []
    /** Each replica's output: its `--trace-gc-nvp` lines. */
    const traces = ["", ""]
    for (const [i, port] of ports.entries()) {
      // One anonymous client makes them all: the per-requestor limit (100 by default) raised.
      const env = { MAX_TASKS_PER_REQUESTOR: "5000", ...(store === "memory" ? { STORE: "memory" } : {}) }
      const output = (chunk: string) => void (traces[i] += chunk)
      pids.push((yield* startReplica({ redisUrl, prefix, port, leaseMillis: 15_000, env, nodeArgs: ["--trace-gc-nvp"], output })).pid!)
    }
    const redisPid = yield* Effect.promise(() => redisInfo(redisPort, "server", "process_id"))
    const cpu = () => pids.reduce((sum, pid) => sum + childCpuMicros(pid), 0)
    // The replica that reads a task: on Redis the other one (any replica answers), in memory its own.
    const reader = (created: number) => store === "redis" ? ports[1 - created]! : ports[created]!
    return yield* Effect.promise(async (): Promise<Row> => {
      // Warm-up: creations, and reads of those tasks (the code of both paths compiled before it is measured).
      const warm: Array<{ readonly taskId: string; readonly on: number }> = []
      await pool(WARMUP, CONCURRENCY, async (i) => void warm.push({ taskId: (await create(ports[i % 2]!)).taskId, on: i % 2 }))
      // The newest (past the requestor's limit, a store drops the oldest ended ones).
      const warmRecent = warm.slice(-2_000)
      await pool(GETS, 16, async (i) => {
        const task = warmRecent[i % warmRecent.length]!
        await get(reader(task.on), task.taskId)
      })
      const rounds: Array<RoundResult> = []
      for (let round = 0; round < ROUNDS; round++) {
        const before = store === "redis" ? await commandsProcessed(redisPort) : 0
        const cpuBefore = cpu()
        const redisCpuBefore = childCpuMicros(redisPid)
        const made: Array<{ readonly taskId: string; readonly on: number }> = []
        const started = performance.now()
        await pool(TASKS, CONCURRENCY, async (i) => {
          const result = await create(ports[i % 2]!)
          if (result.resultType !== "task") throw new Error(`not a task: ${JSON.stringify(result)}`)
          made.push({ taskId: result.taskId, on: i % 2 })
        })
        const seconds = (performance.now() - started) / 1000
        const replicaCpu = (cpu() - cpuBefore) / TASKS
        const redisCpu = store === "redis" ? (childCpuMicros(redisPid) - redisCpuBefore) / TASKS : undefined
        const commands = store === "redis" ? (await commandsProcessed(redisPort)) - before : undefined
        // The newest tasks: past the requestor's limit, a store drops the oldest ended ones.
        const recent = made.slice(-2_000)
        const gets: Array<number> = []
        const traced = traces.map((trace) => trace.length)
        await pool(GETS, 16, async (i) => {
          const task = recent[i % recent.length]!
          const t = performance.now()
          await get(reader(task.on), task.taskId)
          gets.push(performance.now() - t)
        })
        rounds.push({
          creations: TASKS / seconds,
          commandsPerTask: commands === undefined ? undefined : commands / TASKS,
          replicaCpu,
          redisCpu,
          getP50: percentile(gets, 50),
          getP99: percentile(gets, 99),
          readsGc: collections(traces, traced)
        })
      }
      const done: Array<number> = []
      await pool(LATENCIES, 8, async (i) => {
        const t = performance.now()
        const { taskId } = await create(ports[i % 2]!)
        for (let tries = 0; tries < 5_000; tries++) {
          const task = await get(reader(i % 2), taskId)
          if (task.status === "completed") break
          if (task.status !== "working") throw new Error(`task ${taskId} ${task.status}`)
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
        done.push(performance.now() - t)
      })
      const middle = <K extends keyof Row & keyof RoundResult>(key: K) => {
        const values = rounds.map((round) => round[key]).filter((value): value is number => value !== undefined)
        return values.length === 0 ? undefined : median(values)
      }
      return {
        store,
        creations: middle("creations")!,
        commandsPerTask: middle("commandsPerTask"),
        replicaCpu: middle("replicaCpu")!,
        redisCpu: middle("redisCpu"),
        getP50: middle("getP50")!,
        getP99: middle("getP99")!,
        doneP50: percentile(done, 50),
        doneP99: percentile(done, 99),
        rounds
      }
    })
  }).pipe(Effect.scoped)

runBenchmark("bench/cluster.ts", async () => {
  const rows = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const redis = yield* startRedis()
    const memory = yield* measure("memory", redis.url, redis.port)
    const shared = yield* measure("redis", redis.url, redis.port)
    return [shared, memory]
  })))
  const ms = (value: number) => value.toFixed(2)
  const table = [
    `### Tasks on two replicas (medians of ${ROUNDS} rounds of ${TASKS.toLocaleString("en")} creations and ${GETS.toLocaleString("en")} reads, after ${WARMUP.toLocaleString("en")} creations to warm up; ${CONCURRENCY} in flight, load generator ${clientKind === "raw" ? "bench/rawHttpClient.ts" : "node:http"}; Node ${process.version})`,
    "",
    "| stores | task creations/s (both replicas) | CPU µs per creation: replicas / Redis | Redis commands per task | tasks/get p50 / p99 ms | create → completed p50 / p99 ms |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map((row) =>
      `| ${row.store === "redis" ? "Redis, shared (reads through the other replica)" : "in memory, per replica"} | ${
        Math.round(row.creations).toLocaleString("en")
      } | ${row.replicaCpu.toFixed(0)} / ${row.redisCpu === undefined ? "–" : row.redisCpu.toFixed(0)} | ${
        row.commandsPerTask === undefined ? "–" : row.commandsPerTask.toFixed(1)
      } | ${ms(row.getP50)} / ${ms(row.getP99)} | ${
        ms(row.doneP50)
      } / ${ms(row.doneP99)} |`
    ),
    "",
    ...rows.map((row) =>
      `- ${row.store === "redis" ? "Redis" : "in memory"}, per round: creations/s ${
        row.rounds.map((round) => Math.round(round.creations).toLocaleString("en")).join(" / ")
      }; replica CPU µs per creation ${row.rounds.map((round) => round.replicaCpu.toFixed(0)).join(" / ")}; tasks/get p99 ms ${
        row.rounds.map((round) => ms(round.getP99)).join(" / ")
      }; the reads' scavenges (both replicas; kept median MB, longest pause ms) ${
        row.rounds.map(({ readsGc: gc }) => `${gc.scavenges} (${fmt(gc.keptMb, 2)}, ${fmt(gc.longestPauseMs, 1)})${gc.full > 0 ? ` + ${gc.full} full` : ""}`).join(" / ")
      }`
    ),
    "",
    "Targets (issue 13): ≥ 10,000 task creations/s across the two replicas on Redis; tasks/get p99 ≤ 5 ms.",
    ""
  ].join("\n")
  process.stdout.write(`${table}\n`)
  appendFileSync(resultsPath, `\n${table}`)
  return 0
})
