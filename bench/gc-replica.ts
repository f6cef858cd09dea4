/**
 * `node bench/gc-replica.ts [node flags…]`: the young generation's collections (scavenges) of one
 * replica (`examples/replica-server.ts --http`, tasks on a real `redis-server` on a free port)
 * answering 2026-07-28 `tasks/get` at BENCH_GC_IN_FLIGHT in flight (default 16): 3,000 tasks are
 * created, then BENCH_GC_PASSES passes (default 3) of BENCH_GC_CALLS reads (default 20,000). Per
 * pass, from the replica's `--trace-gc-nvp`: reads/s, scavenges, full collections, and the
 * medians of the bytes that survived each scavenge and of its pause. A diagnostic for the
 * `tasks/get` p99 of `bench/cluster.ts` (issue 13), not part of `npm run bench`. The arguments
 * are given to the replica's Node: `node bench/gc-replica.ts --no-allocation-site-pretenuring`.
 * BENCH_GC_STORE=memory keeps the tasks in the replica's memory instead (Redis still runs).
 *
 * Measured: see the README's "Garbage collection under load" (a table of the regimes with and
 * without `--no-allocation-site-pretenuring`, and the sites V8 pretenured, found with
 * `%InYoungGeneration` probes under `--allow-natives-syntax`). With V8's defaults a replica keeps
 * one regime for its whole life, chosen early on; with the flag, ~0.1 MB and ~0.5 ms in every run.
 * BENCH_GC_STORE=memory: ~0.1 MB in every run, flag or not. Clearing the nodes node-redis's
 * command queues leave behind (their `next` and `value`) did not remove the regimes.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { RawHttpClient } from "./rawHttpClient.ts"
import { fmt, freePort, intEnv, median } from "./support.ts"

const IN_FLIGHT = intEnv("BENCH_GC_IN_FLIGHT", 16)
const CALLS = intEnv("BENCH_GC_CALLS", 20_000)
const PASSES = intEnv("BENCH_GC_PASSES", 3)
const TASKS = 3_000
const nodeFlags = process.argv.slice(2)

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "bench-gc-replica", version: "1" }
}
const headers = (method: string, name: string) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2026-07-28",
  "mcp-method": method,
  "mcp-name": name
})

/** Resolves once `child` printed `text` (stdout or stderr), rejects after `ms`. */
const printed = (child: ChildProcess, text: string, ms: number) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms`)), ms)
    const seen = (data: Buffer) => {
      if (String(data).includes(text)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on("data", seen)
    child.stderr?.on("data", seen)
  })

const redisPort = await freePort()
const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
  stdio: ["ignore", "pipe", "pipe"]
})
await printed(redis, "Ready to accept connections", 10_000)
const port = await freePort()
const replica = spawn(process.execPath, [...nodeFlags, "--trace-gc-nvp", "examples/replica-server.ts", "--http", "--port", String(port)], {
  stdio: ["ignore", "pipe", "pipe"],
  env: {
    PATH: process.env.PATH ?? "",
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    MAX_TASKS_PER_REQUESTOR: String(TASKS),
    ...(process.env.BENCH_GC_STORE === "memory" ? { STORE: "memory" } : {})
  }
})
let trace = ""
replica.stdout!.on("data", (data) => (trace += String(data)))
await printed(replica, "MCP over", 15_000)

const client = new RawHttpClient("127.0.0.1", port, 64)
let id = 0
const pool = async (n: number, concurrency: number, job: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await job(next++)
  }))
}
const ids: Array<string> = []
const create = JSON.stringify({ name: "queued", arguments: { ms: 0 }, _meta: meta })
await pool(TASKS, 64, async () => {
  const reply = await client.post("/mcp", headers("tools/call", "queued"), `{"jsonrpc":"2.0","id":${id++},"method":"tools/call","params":${create}}`)
  const taskId = JSON.parse(reply.body).result?.taskId
  if (typeof taskId !== "string") throw new Error(`no task: ${reply.body.slice(0, 200)}`)
  ids.push(taskId)
})
const metaJson = JSON.stringify(meta)
const get = async (i: number) => {
  const taskId = ids[i % ids.length]!
  const reply = await client.post(
    "/mcp",
    headers("tasks/get", taskId),
    `{"jsonrpc":"2.0","id":${id++},"method":"tasks/get","params":{"taskId":${JSON.stringify(taskId)},"_meta":${metaJson}}}`
  )
  if (reply.status !== 200 || reply.body.includes(`"error"`)) throw new Error(`tasks/get: ${reply.body.slice(0, 200)}`)
}
await pool(CALLS, IN_FLIGHT, get) // warm-up

const field = (line: string, name: string) => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1] ?? Number.NaN)
console.log(`node ${process.version}; replica flags: ${nodeFlags.join(" ") || "(none)"}; ${fmt(CALLS)} tasks/get per pass at ${IN_FLIGHT} in flight\n`)
console.log("| pass | reads/s | scavenges | full collections | survived per scavenge MB | median pause ms | longest ms |")
console.log("|---|---:|---:|---:|---:|---:|---:|")
for (let pass = 1; pass <= PASSES; pass++) {
  const from = trace.length
  const started = performance.now()
  await pool(CALLS, IN_FLIGHT, get)
  const seconds = (performance.now() - started) / 1000
  await new Promise((resolve) => setTimeout(resolve, 100))
  const lines = trace.slice(from).split("\n")
  const scavenges = lines.filter((line) => line.includes("gc=s "))
  const full = lines.filter((line) => line.includes("gc=mc") || line.includes("gc=mmc")).length
  const pauses = scavenges.map((line) => field(line, "pause"))
  console.log(
    `| ${pass} | ${fmt(CALLS / seconds)} | ${scavenges.length} | ${full} | ${fmt(median(scavenges.map((line) => field(line, "new_space_survived"))) / 1e6, 2)} | ${
      fmt(median(pauses), 2)
    } | ${fmt(Math.max(0, ...pauses), 2)} |`
  )
}
client.close()
replica.kill("SIGKILL")
redis.kill("SIGKILL")
process.exit(0)
