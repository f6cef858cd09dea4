/**
 * `node bench/cluster-commands.ts`: what a task creation and a `tasks/get` cost Redis on the two
 * replicas of `bench/cluster.ts` (`examples/replica-server.ts`, the `queued` tool, on one real
 * redis-server), counted exactly rather than timed: each phase runs under Redis's `MONITOR`, and
 * every command seen is counted by name, those a client sent (round trips) apart from those a
 * script ran (`[0 lua]`). Counts do not depend on the machine's load; the batches do (the
 * creations of one event-loop turn go in one script call), so the 128-in-flight figures move a
 * little from run to run.
 *
 * Phases, after CLUSTER_COMMANDS_WARMUP creations (default 2,000, 64 in flight):
 * - **create, 1 in flight**: CLUSTER_COMMANDS_TASKS creations (default 500), one at a time, each
 *   read by `tasks/get` on the other replica until it completed (those reads included);
 * - **create, 128 in flight**: as many, 128 at a time, their ends included;
 * - **tasks/get**: as many reads of those (ended) tasks through the other replica, 16 in flight.
 *
 * The replicas keep CLUSTER_COMMANDS_LIMIT tasks per requestor (default 5,000, as
 * `bench/cluster.ts`; one anonymous client makes them all): with a limit below the warm-up, every
 * creation first drops the requestor's oldest ended task (`bench/cluster.ts`'s steady state).
 * Lease renewals, claims and announcements run on their own clocks and are counted where they fall.
 *
 * Options for looking further:
 * - CLUSTER_COMMANDS_CPU_TASKS=N: then N creations, 128 in flight, and the replicas' and Redis's
 *   CPU per creation (schedstat), the replicas' read and write system calls per creation, and
 *   Redis's `INFO commandstats` over them (calls and µs per creation);
 * - CLUSTER_COMMANDS_STORE=memory: the replicas keep their tasks in memory, and only the CPU
 *   phase runs (the Redis store's CPU against none);
 * - CLUSTER_COMMANDS_PROFILE=<folder>: the replicas run with `--cpu-prof` into that folder (they
 *   are stopped with SIGTERM at the end, and write their profiles);
 * - CLUSTER_COMMANDS_CALLGRIND=<folder>: Redis runs under callgrind (REDIS_SERVER names a script
 *   that runs `valgrind --tool=callgrind --instr-atstart=no
 *   --callgrind-out-file=<folder>/callgrind.out.%p redis-server "$@"`): its instructions per
 *   operation of each phase (instrumented and zeroed at its start, dumped at its end);
 * - CLUSTER_COMMANDS_DUMP=N: the first N commands of the first phase, as MONITOR shows them, on stderr.
 */
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import { make as startRedis } from "../test/support/redis.ts"
import { startReplica } from "../test/support/replicas.ts"
import { RawHttpClient } from "./rawHttpClient.ts"
import { childCpuMicros, freePort, intEnv, runBenchmark } from "./support.ts"

const TASKS = intEnv("CLUSTER_COMMANDS_TASKS", 500)
const WARMUP = intEnv("CLUSTER_COMMANDS_WARMUP", 2_000)
const LIMIT = intEnv("CLUSTER_COMMANDS_LIMIT", 5_000)
const CPU_TASKS = intEnv("CLUSTER_COMMANDS_CPU_TASKS", 1)

const meta = JSON.stringify({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "cluster-commands", version: "1" }
})
let nextId = 0
const clients = new Map<number, RawHttpClient>()
const rpc = async (port: number, method: string, name: string, params: string): Promise<any> => {
  let client = clients.get(port)
  if (client === undefined) clients.set(port, client = new RawHttpClient("127.0.0.1", port, 256))
  const reply = await client.post("/mcp", {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    "mcp-name": name
  }, `{"jsonrpc":"2.0","id":${nextId++},"method":"${method}","params":${params}}`)
  const answer = JSON.parse(reply.body)
  if (answer.result === undefined) throw new Error(`${method}: ${reply.body.slice(0, 300)}`)
  return answer.result
}
const create = (port: number): Promise<string> =>
  rpc(port, "tools/call", "queued", `{"name":"queued","arguments":{"ms":0},"_meta":${meta}}`).then((result) => result.taskId)
const get = (port: number, taskId: string) => rpc(port, "tasks/get", taskId, `{"taskId":"${taskId}","_meta":${meta}}`)

const pool = async (count: number, concurrency: number, job: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await job(next++)
  }))
}

/** MONITOR on a socket of its own: the commands Redis runs while `record` is on, by name. */
const monitor = (port: number) =>
  new Promise<{ readonly start: () => void; readonly stop: () => Promise<Map<string, number>>; readonly close: () => void }>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port })
    let pending = ""
    let started = false
    let recording = false
    let counts = new Map<string, number>()
    const marker = "cluster-commands-mark"
    let onMark: (() => void) | undefined
    let dump = intEnv("CLUSTER_COMMANDS_DUMP", 1) - 1
    socket.once("error", reject)
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1")
      const lines = pending.split("\r\n")
      pending = lines.pop()!
      for (const line of lines) {
        if (!started) {
          if (line === "+OK") {
            started = true
            resolve({
              start: () => {
                counts = new Map()
                recording = true
              },
              stop: () =>
                new Promise((done) => {
                  // A command of our own marks the end: every line before it is of the phase.
                  onMark = () => {
                    recording = false
                    done(counts)
                  }
                  const probe = connect({ host: "127.0.0.1", port }, () => probe.end(`ECHO ${marker}\r\n`))
                  probe.on("error", () => undefined)
                }),
              close: () => socket.destroy()
            })
          }
          continue
        }
        if (line.includes(marker)) {
          onMark?.()
          continue
        }
        if (!recording) continue
        if (dump > 0) {
          dump--
          process.stderr.write(`${line.length} ${line.slice(0, 400)}\n`)
        }
        // +1700000000.123456 [0 127.0.0.1:5555] "EVALSHA" "..." / [0 lua] "HSET" ...
        const close = line.indexOf("] ")
        if (close < 0) continue
        const lua = line.slice(0, close).endsWith("lua")
        const rest = line.slice(close + 2)
        const name = rest.slice(1, rest.indexOf("\"", 1)).toUpperCase()
        const key = `${lua ? "lua" : "client"} ${name}`
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
    })
    socket.once("connect", () => socket.write("MONITOR\r\n"))
  })

/** One inline command to the Redis on `port`; its answer as text, read until `done` holds. */
const inline = (port: number, command: string, done: (text: string) => boolean) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(`${command}\r\n`))
    let data = ""
    socket.on("data", (chunk) => {
      data += String(chunk)
      if (done(data)) {
        socket.end()
        resolve(data)
      }
    })
    socket.on("error", reject)
  })

/** The process id of the Redis on `port` (INFO server). */
const redisPid = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write("INFO server\r\n"))
    let data = ""
    socket.on("data", (chunk) => {
      data += String(chunk)
      const match = /process_id:(\d+)/.exec(data)
      if (match !== null) {
        socket.end()
        resolve(Number(match[1]))
      }
    })
    socket.on("error", reject)
  })

const report = (title: string, counts: Map<string, number>, per: number) => {
  let client = 0
  let lua = 0
  for (const [key, n] of counts) key.startsWith("lua") ? (lua += n) : (client += n)
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `  ${key.padEnd(26)} ${(n / per).toFixed(3)}`)
  process.stdout.write(
    `${title}: per operation ${(client / per).toFixed(3)} round-trip commands (client), ${(lua / per).toFixed(3)} in scripts, ${((client + lua) / per).toFixed(3)} in all\n${rows.join("\n")}\n`
  )
}

runBenchmark("bench/cluster-commands.ts", () =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const redis = yield* startRedis()
    const ports = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
    const profile = process.env.CLUSTER_COMMANDS_PROFILE
    const memory = process.env.CLUSTER_COMMANDS_STORE === "memory"
    const env = { MAX_TASKS_PER_REQUESTOR: String(LIMIT), ...(memory ? { STORE: "memory" } : {}), ...(profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profile}` } : {}) }
    const replicas: Array<import("node:child_process").ChildProcess> = []
    for (const port of ports) {
      replicas.push(yield* startReplica({ redisUrl: redis.url, prefix: "cc:", port, leaseMillis: 15_000, env }))
    }
    return yield* Effect.promise(async () => {
      // Under callgrind (CLUSTER_COMMANDS_CALLGRIND): Redis's instructions per operation of each
      // phase, without MONITOR (which costs Redis more than the commands it shows), and the
      // creations with 128 in flight not measured (they outlast the store's time bound there).
      const callgrind = process.env.CLUSTER_COMMANDS_CALLGRIND !== undefined ? String(await redisPid(redis.port)) : undefined
      const watch = callgrind === undefined ? await monitor(redis.port) : { start: () => undefined, stop: async () => new Map<string, number>(), close: () => undefined }
      const control = (...args: Array<string>) => execFileSync("callgrind_control", [...args, callgrind!], { encoding: "utf8", timeout: 60_000 })
      const phaseStart = async () => {
        if (callgrind !== undefined) {
          control("-i", "on")
          control("-z")
        }
        watch.start()
      }
      const phaseStop = async (name: string, per: number) => {
        const counts = await watch.stop()
        if (callgrind !== undefined) {
          control("-d", name)
          control("-i", "off")
          // The newest dump of the process: its totals line (instructions).
          const dir = process.env.CLUSTER_COMMANDS_CALLGRIND!
          const newest = readdirSync(dir).filter((file) => file.includes(`.${callgrind}`)).map((file) => join(dir, file))
            .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!
          const totals = Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(newest, "utf8"))![1])
          process.stdout.write(`Redis instructions per operation, ${name}: ${(totals / per).toFixed(0)}\n`)
        }
        return counts
      }
      await pool(WARMUP, 64, async (i) => {
        const taskId = await create(ports[i % 2]!)
        if (i % 10 === 0) await get(ports[memory ? i % 2 : 1 - (i % 2)]!, taskId)
      })
      if (memory) {
        const before = replicas.reduce((sum, child) => sum + childCpuMicros(child.pid!), 0)
        const heavy = CPU_TASKS
        await pool(heavy, 128, async (i) => void await create(ports[i % 2]!))
        const after = replicas.reduce((sum, child) => sum + childCpuMicros(child.pid!), 0)
        process.stdout.write(`in memory: CPU µs per creation (${heavy}, 128 in flight): replicas ${((after - before) / heavy).toFixed(1)}\n`)
        return 0
      }
      // 1 in flight: a creation, then reads on the other replica until it completed (counted apart).
      let reads = 0
      await phaseStart()
      for (let i = 0; i < TASKS; i++) {
        const taskId = await create(ports[i % 2]!)
        for (let tries = 0; tries < 1_000; tries++) {
          reads++
          if ((await get(ports[1 - (i % 2)]!, taskId)).status === "completed") break
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
      }
      const sequential = await phaseStop("create, 1 in flight", TASKS)
      process.stdout.write(`(1 in flight: ${(reads / TASKS).toFixed(2)} tasks/get per creation until completed)\n`)
      // 128 in flight
      const made: Array<{ taskId: string; on: number }> = []
      if (callgrind === undefined) await phaseStart()
      await pool(TASKS, 128, async (i) => void made.push({ taskId: await create(ports[i % 2]!), on: i % 2 }))
      // their ends (a `queued` task of 0 ms completes at once)
      await new Promise((resolve) => setTimeout(resolve, 200))
      const concurrent = callgrind === undefined ? await phaseStop("create, 128 in flight", TASKS) : new Map<string, number>()
      await phaseStart()
      await pool(TASKS, 16, async (i) => {
        const task = made[i % made.length]!
        await get(ports[1 - task.on]!, task.taskId)
      })
      const gets = await phaseStop("tasks/get", TASKS)
      watch.close()
      const cpu = () => replicas.reduce((sum, child) => sum + childCpuMicros(child.pid!), 0)
      const heavy = CPU_TASKS
      // The CPU phase (CLUSTER_COMMANDS_CPU_TASKS), if asked for.
      if (heavy > 1) {
        const io = () => replicas.reduce((sum, child) => {
          const text = readFileSync(`/proc/${child.pid}/io`, "utf8")
          return [sum[0]! + Number(/syscr: (\d+)/.exec(text)![1]), sum[1]! + Number(/syscw: (\d+)/.exec(text)![1])]
        }, [0, 0])
        await inline(redis.port, "CONFIG RESETSTAT", (text) => text.includes("\r\n"))
        const ioBefore = io()
        const before = cpu()
        const redisBefore = childCpuMicros(await redisPid(redis.port))
        await pool(heavy, 128, async (i) => void await create(ports[i % 2]!))
        process.stdout.write(`CPU µs per creation (${heavy}, 128 in flight): replicas ${((cpu() - before) / heavy).toFixed(1)}, Redis ${((childCpuMicros(await redisPid(redis.port)) - redisBefore) / heavy).toFixed(1)}; replicas' read / write syscalls per creation ${((io()[0]! - ioBefore[0]!) / heavy).toFixed(2)} / ${((io()[1]! - ioBefore[1]!) / heavy).toFixed(2)}\n`)
        const stats = await inline(redis.port, "INFO commandstats", (text) => /^\$(\d+)\r\n/.test(text) && text.length >= Number(/^\$(\d+)/.exec(text)![1]))
        const rows = [...stats.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)].map(([, name, calls, usec]) => [name!, Number(calls), Number(usec)] as const)
        rows.sort((a, b) => b[2] - a[2])
        process.stdout.write(`Redis commandstats per creation (calls, µs):\n${rows.map(([name, calls, usec]) => `  ${name.padEnd(16)} ${(calls / heavy).toFixed(3).padStart(8)} ${(usec / heavy).toFixed(2).padStart(8)}`).join("\n")}\n`)
      }
      if (profile) {
        // SIGTERM: each replica stops gracefully and writes its profile
        await Promise.all(replicas.map((child) => new Promise((done) => {
          child.once("exit", done)
          child.kill("SIGTERM")
          setTimeout(done, 15_000)
        })))
      }
      report(`create + reads until completed, 1 in flight (${TASKS})`, sequential, TASKS)
      report(`create, 128 in flight (${TASKS}, their ends included)`, concurrent, TASKS)
      report(`tasks/get, 16 in flight (${TASKS})`, gets, TASKS)
      return 0
    })
  })))
)
