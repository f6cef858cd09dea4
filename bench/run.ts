/**
 * `npm run bench`: our echo server, on the low-level API (`examples/echo-server.ts`, "ours") and on
 * the authoring API (`examples/echo-api-server.ts`, "ours-api"), against the official SDK's
 * low-level `Server` doing the same work (`bench/sdk-echo-server.ts`, "SDK"), over stdio (a child
 * process each) and in memory (same process).
 *
 * One lean raw JSON-RPC driver is used identically for every peer (no SDK Client: its own overhead
 * would hide server differences). Per session: `initialize` + `notifications/initialized` + one
 * `tools/list` check, a warm-up, then rounds of two workloads of `tools/call echo {text:"hello"}`:
 *
 * - sequential: 1 request in flight;
 * - 64 in flight: 64 outstanding at all times (stdio: refilled after every stdout chunk with one
 *   `write`; in memory: one `send` per response).
 *
 * Peers alternate inside every round; the order rotates each round (forwards, then backwards: with
 * 6 rounds every peer is first twice and runs before each other peer 3 times). Each cell of the
 * table is the median over the rounds. Every response is validated (known outstanding id, exactly
 * one text block "hello", no error); any bad response makes the run exit 1.
 *
 * Metrics: calls/s, p50/p99 latency (µs, send → response as the driver sees it) and CPU per call.
 * For stdio that is the server child's CPU only: the sum over its threads of
 * `/proc/<pid>/task/<tid>/schedstat` (ns), read before and after each workload (nothing is asked
 * of the child). In memory it is `process.cpuUsage()` of the whole process: server *and* driver.
 *
 * Sizes (env): BENCH_ROUNDS (6), BENCH_SEQ (20000 calls), BENCH_CONC (100000 calls),
 * BENCH_WARMUP_SEQ (5000), BENCH_WARMUP_CONC (50000), BENCH_TIMEOUT_MS (15000, no-progress limit).
 * The defaults take 40–60 s on 2 cores (three peers; most of it is stdio sequential).
 * Output: a Markdown table on stdout, also written to `bench/results.md`.
 */
import * as Effect from "effect/Effect"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { components as echoApiComponents, options as echoApiOptions } from "../examples/echo-api-server.ts"
import { echoServer } from "../examples/echo-server.ts"
import { InMemory, McpServer } from "../src/index.ts"
import { makeSdkEchoServer } from "./sdk-echo-server.ts"
import { childCpuMicros, children, fmt, intEnv, median, ratio, runBenchmark } from "./support.ts"

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------


const ROUNDS = intEnv("BENCH_ROUNDS", 6)
const SEQ_CALLS = intEnv("BENCH_SEQ", 20_000)
const CONC_CALLS = intEnv("BENCH_CONC", 100_000)
const WARMUP_SEQ = intEnv("BENCH_WARMUP_SEQ", 5_000)
const WARMUP_CONC = intEnv("BENCH_WARMUP_CONC", 50_000)
const TIMEOUT_MS = intEnv("BENCH_TIMEOUT_MS", 15_000)
const IN_FLIGHT = 64
const TEXT = "hello"

const repoRoot = fileURLToPath(new URL("..", import.meta.url))
const resultsPath = fileURLToPath(new URL("results.md", import.meta.url))

type PeerName = "ours" | "ours-api" | "SDK"
/** ours: the low-level `LowLevelServer` API; ours-api: the authoring API (`McpServer`); SDK: the reference. */
const peerNames: ReadonlyArray<PeerName> = ["ours", "ours-api", "SDK"]

/**
 * The peer order of a round. The first `n` rounds rotate the list, the next `n` rotate it reversed:
 * over every `2n` rounds (6 for 3 peers: all permutations) each peer is first equally often and
 * each peer runs before each other peer equally often.
 */
const peerOrder = (round: number): ReadonlyArray<PeerName> => {
  const n = peerNames.length
  const cycle = round % (2 * n)
  const base = cycle < n ? peerNames : [...peerNames].reverse()
  return base.map((_, i) => base[(i + cycle) % n]!)
}
type TransportName = "stdio" | "in-memory"

interface Workload {
  readonly name: string
  readonly calls: number
  readonly inFlight: number
}
const workloads: ReadonlyArray<Workload> = [
  { name: "sequential (1 in flight)", calls: SEQ_CALLS, inFlight: 1 },
  { name: `${IN_FLIGHT} in flight`, calls: CONC_CALLS, inFlight: IN_FLIGHT }
]

// ---------------------------------------------------------------------------
// Links: the only peer/transport-specific part. The driver below uses them identically.
// ---------------------------------------------------------------------------

/** One client connection to a running server. */
interface Link {
  readonly label: string
  /** Called with every message the server sends (already parsed). */
  onMessage: (message: any) => void
  /** Called after a batch of incoming messages was delivered (stdio: a chunk; in memory: one message). */
  onBatchEnd: () => void
  /** Sends any JSON-RPC message (handshake; not timed). */
  sendMessage(message: object): void
  /** Queues one `tools/call echo` request with this id; `flush` puts queued requests on the wire. */
  queueEcho(id: number): void
  flush(): void
  /** CPU time in µs the measured side has used so far (server child, or this whole process). */
  cpuMicros(): number
  /** Why the link failed, if it did (child exited, transport closed, …). */
  failure: string | undefined
  /** Rejects the running workload when the link fails. */
  onFailure: (reason: string) => void
  /** Extra context for error reports (the child's last stderr output). */
  diagnostics(): string
  close(): Promise<string>
}

const echoLine = (id: number): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"${TEXT}"}}}\n`

const echoMessage = (id: number) => ({
  jsonrpc: "2.0" as const,
  id,
  method: "tools/call",
  params: { name: "echo", arguments: { text: TEXT } }
})

// --- stdio -----------------------------------------------------------------


const spawnStdio = (label: string, script: string): Link => {
  const child = spawn(process.execPath, [script], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] })
  children.add(child)
  const pid = child.pid
  if (pid === undefined) throw new Error(`${label}: spawn failed`)
  let stderr = ""
  let buffer = ""
  let queued = ""
  let closing = false
  let exitDescription: string | undefined
  let resolveExit: (description: string) => void = () => {}
  const exited = new Promise<string>((resolve) => (resolveExit = resolve))

  const link: Link = {
    label,
    onMessage: () => {},
    onBatchEnd: () => {},
    failure: undefined,
    onFailure: () => {},
    sendMessage: (message) => void child.stdin.write(JSON.stringify(message) + "\n"),
    queueEcho: (id) => void (queued += echoLine(id)),
    flush: () => {
      if (queued.length === 0) return
      child.stdin.write(queued)
      queued = ""
    },
    cpuMicros: () => {
      try {
        return childCpuMicros(pid)
      } catch (error) {
        throw new Error(
          `${label}: cannot read the child's CPU time (${exitDescription ?? "the child is gone"}): ${String(error)}` +
            link.diagnostics()
        )
      }
    },
    diagnostics: () => (stderr.length > 0 ? `\n  last stderr of ${label}:\n${stderr.trimEnd()}` : ""),
    close: () => {
      closing = true
      child.stdin.end()
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
      return exited.then((description) => {
        clearTimeout(timer)
        return description
      })
    }
  }
  const fail = (reason: string) => {
    if (link.failure !== undefined) return
    link.failure = reason
    link.onFailure(reason)
  }

  child.stdout.setEncoding("utf8")
  child.stdout.on("data", (chunk: string) => {
    let start = 0
    let newline = chunk.indexOf("\n")
    while (newline !== -1) {
      const line = buffer.length > 0 ? buffer + chunk.slice(start, newline) : chunk.slice(start, newline)
      buffer = ""
      let message: unknown
      try {
        message = JSON.parse(line)
      } catch {
        message = { unparsable: line }
      }
      link.onMessage(message)
      start = newline + 1
      newline = chunk.indexOf("\n", start)
    }
    if (start < chunk.length) buffer += chunk.slice(start)
    link.onBatchEnd()
  })
  child.stderr.setEncoding("utf8")
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000)
  })
  child.stdin.on("error", (error) => fail(`${label}: writing to the child's stdin failed: ${error.message}`))
  child.on("error", (error) => fail(`${label}: child process error: ${error.message}`))
  child.on("exit", (code, signal) => {
    children.delete(child)
    exitDescription = signal !== null ? `killed by ${signal}` : `exit code ${code}`
    if (!closing) fail(`${label}: the child exited unexpectedly (${exitDescription})`)
    resolveExit(exitDescription)
  })
  return link
}

// --- in memory --------------------------------------------------------------

/** The client end both in-memory transports expose (the SDK `Transport` shape). */
interface ClientEnd {
  start(): Promise<void>
  send(message: any): Promise<void>
  close(): Promise<void>
  onmessage?: ((message: any, extra?: any) => void) | undefined
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
}

const wrapClientEnd = (label: string, client: ClientEnd, stop: () => Promise<string>): Link => {
  let closing = false
  const link: Link = {
    label,
    onMessage: () => {},
    onBatchEnd: () => {},
    failure: undefined,
    onFailure: () => {},
    sendMessage: (message) => void client.send(message),
    queueEcho: (id) => void client.send(echoMessage(id)),
    flush: () => {},
    cpuMicros: () => {
      const usage = process.cpuUsage()
      return usage.user + usage.system
    },
    diagnostics: () => "",
    close: () => {
      closing = true
      return stop()
    }
  }
  const fail = (reason: string) => {
    if (link.failure !== undefined) return
    link.failure = reason
    link.onFailure(reason)
  }
  client.onmessage = (message) => {
    link.onMessage(message)
    link.onBatchEnd()
  }
  client.onerror = (error) => fail(`${label}: transport error: ${error.message}`)
  client.onclose = () => {
    if (!closing) fail(`${label}: the transport closed unexpectedly`)
  }
  return link
}

/** One of our servers on an in-memory pair: `serve` runs the session (a fiber) over the server end. */
const startEffectInMemory = async (
  label: string,
  serve: (pair: InMemory.Pair) => Effect.Effect<void, unknown>
): Promise<Link> => {
  const pair = InMemory.makePair()
  let outcome = "running"
  const fiber = Effect.runFork(serve(pair))
  fiber.addObserver((exit) => {
    outcome = exit._tag === "Success" ? "session ended" : `session failed: ${String(exit.cause)}`
  })
  await pair.client.start()
  return wrapClientEnd(label, pair.client, async () => {
    await pair.client.close()
    const deadline = Date.now() + 5_000
    while (outcome === "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    return outcome === "running" ? "session still running 5 s after client close" : outcome
  })
}

const startOursInMemory = (): Promise<Link> => startEffectInMemory("ours/in-memory", (pair) => echoServer.run(pair.server))

const startOursApiInMemory = (): Promise<Link> =>
  startEffectInMemory("ours-api/in-memory", (pair) => McpServer.serve(echoApiOptions, echoApiComponents, pair.server))

const startSdkInMemory = async (): Promise<Link> => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  const server = makeSdkEchoServer()
  await server.connect(serverSide)
  await clientSide.start()
  return wrapClientEnd("SDK/in-memory", clientSide, async () => {
    await clientSide.close()
    await server.close()
    return "closed"
  })
}

// ---------------------------------------------------------------------------
// The driver (identical for every link)
// ---------------------------------------------------------------------------

const nextIdByLink = new WeakMap<Link, number>()
const takeIds = (link: Link, count: number): number => {
  const base = nextIdByLink.get(link) ?? 1
  nextIdByLink.set(link, base + count)
  return base
}

/** One request/response outside the timed path (handshake, checks). */
const request = (link: Link, method: string, params: object | undefined): Promise<any> =>
  new Promise((resolve, reject) => {
    const id = takeIds(link, 1)
    const timer = setTimeout(
      () => reject(new Error(`${link.label}: no answer to ${method} within ${TIMEOUT_MS} ms${link.diagnostics()}`)),
      TIMEOUT_MS
    )
    link.onFailure = (reason) => {
      clearTimeout(timer)
      reject(new Error(reason + link.diagnostics()))
    }
    link.onBatchEnd = () => {}
    link.onMessage = (message) => {
      if (message?.id !== id) return reject(new Error(`${link.label}: unexpected message ${JSON.stringify(message)}`))
      clearTimeout(timer)
      if (message.error !== undefined) reject(new Error(`${link.label}: ${method} failed: ${JSON.stringify(message.error)}`))
      else resolve(message.result)
    }
    link.sendMessage(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params })
  })

const handshake = async (link: Link): Promise<void> => {
  const init = await request(link, "initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "effect-mcp-server-bench", version: "0.1.0" }
  })
  if (init?.protocolVersion !== "2025-11-25") {
    throw new Error(`${link.label}: negotiated ${JSON.stringify(init?.protocolVersion)} instead of 2025-11-25`)
  }
  if (init?.capabilities?.tools === undefined) throw new Error(`${link.label}: no tools capability`)
  link.sendMessage({ jsonrpc: "2.0", method: "notifications/initialized" })
  const list = await request(link, "tools/list", undefined)
  if (!Array.isArray(list?.tools) || !list.tools.some((tool: any) => tool?.name === "echo")) {
    throw new Error(`${link.label}: tools/list does not list echo: ${JSON.stringify(list)}`)
  }
}

interface Sample {
  readonly callsPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly cpuPerCall: number
  readonly bad: number
}

/** `calls` echo round-trips with `inFlight` outstanding at all times. */
const runWorkload = (link: Link, calls: number, inFlight: number): Promise<Sample & { readonly firstBad?: string }> =>
  new Promise((resolve, reject) => {
    const base = takeIds(link, calls)
    const sentAt = new Float64Array(calls)
    const latency = new Float64Array(calls)
    const answered = new Uint8Array(calls)
    let sent = 0
    let received = 0
    let bad = 0
    let firstBad: string | undefined
    let lastProgress = performance.now()
    let finished = false

    const fill = () => {
      if (sent >= calls || sent - received >= inFlight) return
      const now = performance.now()
      while (sent < calls && sent - received < inFlight) {
        sentAt[sent] = now
        link.queueEcho(base + sent)
        sent++
      }
      link.flush()
    }
    const finish = () => {
      finished = true
      const end = performance.now()
      clearInterval(watchdog)
      let cpu1: number
      try {
        cpu1 = link.cpuMicros()
      } catch (error) {
        return reject(error)
      }
      const seconds = (end - start) / 1000
      latency.sort()
      resolve({
        callsPerSecond: calls / seconds,
        p50: latency[Math.floor(calls * 0.5)]! * 1000,
        p99: latency[Math.min(calls - 1, Math.floor(calls * 0.99))]! * 1000,
        cpuPerCall: (cpu1 - cpu0) / calls,
        bad,
        ...(firstBad !== undefined ? { firstBad } : {})
      })
    }
    const markBad = (description: string) => {
      bad++
      firstBad ??= description
    }

    link.onMessage = (message) => {
      const id = message?.id
      const index = typeof id === "number" ? id - base : -1
      if (index < 0 || index >= sent || answered[index] === 1) {
        markBad(`unexpected id: ${JSON.stringify(message).slice(0, 300)}`)
        return
      }
      answered[index] = 1
      const now = performance.now()
      latency[received] = now - sentAt[index]!
      received++
      lastProgress = now
      const content = message.result?.content
      if (
        message.jsonrpc !== "2.0" || message.error !== undefined || message.result?.isError === true ||
        !Array.isArray(content) || content.length !== 1 || content[0]?.type !== "text" || content[0]?.text !== TEXT
      ) markBad(`wrong answer: ${JSON.stringify(message).slice(0, 300)}`)
      if (received === calls && !finished) finish()
    }
    link.onBatchEnd = fill
    link.onFailure = (reason) => {
      clearInterval(watchdog)
      reject(new Error(`${reason} (after ${received}/${calls} responses, ${sent} sent)${link.diagnostics()}`))
    }
    const watchdog = setInterval(() => {
      if (finished || performance.now() - lastProgress < TIMEOUT_MS) return
      clearInterval(watchdog)
      reject(
        new Error(
          `${link.label}: no response for ${TIMEOUT_MS} ms: ${received}/${calls} answered, ${sent} sent, ` +
            `${sent - received} outstanding, ${bad} bad${firstBad !== undefined ? ` (first: ${firstBad})` : ""}` +
            link.diagnostics()
        )
      )
    }, 1_000)

    let cpu0: number
    try {
      if (link.failure !== undefined) throw new Error(link.failure + link.diagnostics())
      cpu0 = link.cpuMicros()
    } catch (error) {
      clearInterval(watchdog)
      return reject(error)
    }
    const start = performance.now()
    fill()
  })

// ---------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------

interface Config {
  readonly transport: TransportName
  readonly peer: PeerName
  readonly start: () => Promise<Link>
}

const stdioScripts: Record<PeerName, string> = {
  ours: "examples/echo-server.ts",
  "ours-api": "examples/echo-api-server.ts",
  SDK: "bench/sdk-echo-server.ts"
}

const inMemoryStarters: Record<PeerName, () => Promise<Link>> = {
  ours: startOursInMemory,
  "ours-api": startOursApiInMemory,
  SDK: startSdkInMemory
}

const configs: ReadonlyArray<Config> = [
  ...peerNames.map((peer): Config => ({
    transport: "stdio",
    peer,
    start: () => Promise.resolve(spawnStdio(`${peer}/stdio`, stdioScripts[peer]))
  })),
  ...peerNames.map((peer): Config => ({ transport: "in-memory", peer, start: inMemoryStarters[peer] }))
]


/** The ratio rows of the table (numerator, denominator), in order. */
const ratioPairs: ReadonlyArray<readonly [PeerName, PeerName]> = [["ours", "SDK"], ["ours-api", "ours"], ["ours-api", "SDK"]]

const key = (transport: TransportName, workload: string, peer: PeerName) => `${transport}|${workload}|${peer}`

const main = async (): Promise<number> => {
  const t0 = performance.now()
  const loadAtStart = loadavg()[0]!
  const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}\n`)
  log(
    `node ${process.version}, ${cpus().length} cores; ${ROUNDS} rounds × (${fmt(SEQ_CALLS)} sequential + ` +
      `${fmt(CONC_CALLS)} at ${IN_FLIGHT} in flight) per peer × transport`
  )

  const links = new Map<Config, Link>()
  const readyMs = new Map<Config, number>()
  const samples = new Map<string, Array<Sample>>()
  let totalBad = 0
  const badReports: Array<string> = []
  const record = (config: Config, workload: Workload, sample: Sample & { readonly firstBad?: string }) => {
    const k = key(config.transport, workload.name, config.peer)
    const list = samples.get(k) ?? []
    list.push(sample)
    samples.set(k, list)
    if (sample.bad > 0) {
      totalBad += sample.bad
      badReports.push(`${config.peer}/${config.transport} ${workload.name}: ${sample.bad} bad; first: ${sample.firstBad}`)
    }
  }

  // Start, handshake and warm up every peer, one at a time (so the startup times do not overlap).
  for (const config of configs) {
    const startedAt = performance.now()
    const link = await config.start()
    links.set(config, link)
    await handshake(link)
    readyMs.set(config, performance.now() - startedAt)
    log(`${link.label}: ready (initialize answered) after ${fmt(readyMs.get(config)!)} ms`)
  }
  for (const config of configs) {
    const link = links.get(config)!
    const w1 = await runWorkload(link, WARMUP_SEQ, 1)
    const w2 = await runWorkload(link, WARMUP_CONC, IN_FLIGHT)
    for (const w of [w1, w2]) {
      if (w.bad > 0) {
        totalBad += w.bad
        badReports.push(`${link.label} warm-up: ${w.bad} bad; first: ${w.firstBad}`)
      }
    }
    log(`${link.label}: warmed up (${fmt(w1.callsPerSecond)} / ${fmt(w2.callsPerSecond)} calls/s)`)
  }

  // Rounds: every transport × workload, peers alternating (order rotated each round, see `peerOrder`).
  for (let round = 0; round < ROUNDS; round++) {
    const peers = peerOrder(round)
    for (const transport of ["stdio", "in-memory"] as const) {
      for (const workload of workloads) {
        const parts: Array<string> = []
        for (const peer of peers) {
          const config = configs.find((c) => c.transport === transport && c.peer === peer)!
          const sample = await runWorkload(links.get(config)!, workload.calls, workload.inFlight)
          record(config, workload, sample)
          parts.push(`${peer} ${fmt(sample.callsPerSecond)}/s ${fmt(sample.cpuPerCall, 1)} µs CPU`)
        }
        log(`round ${round + 1}/${ROUNDS} ${transport} ${workload.name}: ${parts.join(", ")}`)
      }
    }
  }

  // Shut down: close every session and check how it ended.
  const shutdown: Array<string> = []
  for (const config of configs) {
    const link = links.get(config)!
    shutdown.push(`${link.label}: ${await link.close()}`)
  }
  links.clear()
  const elapsed = (performance.now() - t0) / 1000

  // Report.
  const lines: Array<string> = []
  lines.push(
    `| transport | workload | peer | calls/s | p50 µs | p99 µs | server CPU µs/call |`,
    `|---|---|---|---:|---:|---:|---:|`
  )
  /** Ratios of medians (numerator / denominator) per transport × workload. */
  const ratios: Array<{ pair: string; transport: TransportName; workload: string; rate: number; cpu: number }> = []
  for (const transport of ["stdio", "in-memory"] as const) {
    for (const workload of workloads) {
      const medians = {} as Record<PeerName, { rate: number; p50: number; p99: number; cpu: number }>
      for (const peer of peerNames) {
        const list = samples.get(key(transport, workload.name, peer)) ?? []
        const m = {
          rate: median(list.map((s) => s.callsPerSecond)),
          p50: median(list.map((s) => s.p50)),
          p99: median(list.map((s) => s.p99)),
          cpu: median(list.map((s) => s.cpuPerCall))
        }
        medians[peer] = m
        const cpuCell = transport === "stdio" ? fmt(m.cpu, 1) : `${fmt(m.cpu, 1)}*`
        lines.push(
          `| ${transport} | ${workload.name} | ${peer} | ${fmt(m.rate)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${cpuCell} |`
        )
      }
      for (const [a, b] of ratioPairs) {
        const rate = medians[a].rate / medians[b].rate
        const cpu = medians[a].cpu / medians[b].cpu
        ratios.push({ pair: `${a} / ${b}`, transport, workload: workload.name, rate, cpu })
        lines.push(
          `| ${transport} | ${workload.name} | **${a} / ${b}** | **${ratio(rate)}** | ` +
            `${ratio(medians[a].p50 / medians[b].p50)} | ${ratio(medians[a].p99 / medians[b].p99)} | ${ratio(cpu)} |`
        )
      }
    }
  }
  const ratioOf = (pair: string, transport: TransportName, workloadName: string) =>
    ratios.find((x) => x.pair === pair && x.transport === transport && x.workload === workloadName)!

  const perRound: Array<string> = []
  const paired = new Map<string, Array<string>>(ratioPairs.map(([a, b]) => [`${a} / ${b}`, []]))
  for (const transport of ["stdio", "in-memory"] as const) {
    for (const workload of workloads) {
      for (const peer of peerNames) {
        const list = samples.get(key(transport, workload.name, peer)) ?? []
        perRound.push(
          `- ${transport}, ${workload.name}, ${peer}: calls/s ${list.map((s) => fmt(s.callsPerSecond)).join(" / ")}; ` +
            `CPU µs/call ${list.map((s) => fmt(s.cpuPerCall, 1)).join(" / ")} (min ${
              fmt(Math.min(...list.map((s) => s.cpuPerCall)), 1)
            })`
        )
      }
      // Ratios of two peers' runs in the same round (run close together): less exposed to load drift.
      for (const [a, b] of ratioPairs) {
        const xs = samples.get(key(transport, workload.name, a)) ?? []
        const ys = samples.get(key(transport, workload.name, b)) ?? []
        const pairs = xs.map((x, i) => ({ x, y: ys[i]! })).filter((p) => p.y !== undefined)
        paired.get(`${a} / ${b}`)!.push(
          `${transport} ${workload.name}: calls/s ${
            ratio(median(pairs.map((p) => p.x.callsPerSecond / p.y.callsPerSecond)))
          }, CPU/call ${ratio(median(pairs.map((p) => p.x.cpuPerCall / p.y.cpuPerCall)))}`
        )
      }
    }
  }

  /** `value` with 2 decimals, or more when 2 would round it across `goal` (1.4996 shown as 1.50 but "NOT met"). */
  const versus = (value: number, goal: number): string => {
    let digits = 2
    while (digits < 6 && Number(value.toFixed(digits)) >= goal !== value >= goal) digits++
    return value.toFixed(digits)
  }
  const target = (transport: TransportName, workloadName: string, goal: number) => {
    const r = ratioOf("ours / SDK", transport, workloadName)
    return `${transport} ${workloadName}: ${versus(r.rate, goal)}× (target ≥ ${goal}×: ${r.rate >= goal ? "met" : "NOT met"})`
  }
  // The authoring API is a layer over the low-level one: it should cost at most 10% of the rate.
  const apiTarget = (transport: TransportName, workloadName: string) => {
    const r = ratioOf("ours-api / ours", transport, workloadName)
    const sdk = ratioOf("ours-api / SDK", transport, workloadName)
    return `${transport} ${workloadName}: ${versus(r.rate, 0.9)}× of ours (target ≥ 0.9×: ${
      r.rate >= 0.9 ? "met" : "NOT met"
    }; ours-api / SDK ${sdk.rate.toFixed(2)}× calls/s, ${ratio(sdk.cpu)} CPU/call)`
  }
  const cells = (transport: TransportName) => [workloads[1]!.name, workloads[0]!.name].map((w) => [transport, w] as const)
  const allCells = [...cells("stdio"), ...cells("in-memory")]

  const notes = [
    `Peers: ours = \`examples/echo-server.ts\` (low-level \`LowLevelServer\` API); ours-api = \`examples/echo-api-server.ts\` ` +
      `(authoring API, \`McpServer\`); SDK = \`bench/sdk-echo-server.ts\` (official SDK v1 low-level \`Server\`).`,
    `Medians of ${ROUNDS} rounds; per round ${fmt(SEQ_CALLS)} sequential and ${fmt(CONC_CALLS)} calls at ${IN_FLIGHT} in flight ` +
      `per peer, peers alternating (order rotated every round, forwards then backwards: ${
        Array.from({ length: Math.min(ROUNDS, 2 * peerNames.length) }, (_, r) => peerOrder(r).join("→")).join(", ")
      }${ROUNDS > 2 * peerNames.length ? ", …" : ""}), after a warm-up of ${fmt(WARMUP_SEQ)} + ${fmt(WARMUP_CONC)} calls.`,
    `Workload: \`tools/call echo {text:"hello"}\` over a raw JSON-RPC driver (no SDK Client), protocol 2025-11-25.`,
    `Latency: send → response as seen by the driver (at ${IN_FLIGHT} in flight it includes queueing). ` +
      `"a / b" rows: every column is a divided by b (calls/s: higher is better; µs: lower is better).`,
    `stdio CPU: the server child only (sum of its threads' \`/proc/<pid>/task/*/schedstat\`).`,
    `\\* in-memory CPU: \`process.cpuUsage()\` of the single process, i.e. server **and** driver (and GC of both).`,
    `Bad responses: ${totalBad}. Run time: ${elapsed.toFixed(1)} s. Node ${process.version}, ${cpus().length} cores ` +
      `(${cpus()[0]?.model ?? "?"}); 1-min load average ${loadAtStart.toFixed(2)} at start, ` +
      `${loadavg()[0]!.toFixed(2)} at end (above ~2 other work competed for the cores: calls/s and latency suffer, CPU/call much less).`,
    `Startup to initialize answered (ms): ${configs.map((c) => `${c.peer}/${c.transport} ${fmt(readyMs.get(c) ?? NaN)}`).join(", ")}.`,
    `Targets: ${target("stdio", workloads[1]!.name, 2)}; ${target("stdio", workloads[0]!.name, 1.5)}; ` +
      `${target("in-memory", workloads[1]!.name, 2)}; ${target("in-memory", workloads[0]!.name, 1.5)}.`,
    `Targets, authoring API within 10% of the low-level rate (ours-api calls/s ≥ 0.9 × ours): ${
      allCells.map(([t, w]) => apiTarget(t, w)).join("; ")
    }.`,
    ...ratioPairs.map(([a, b]) =>
      `Median of per-round ${a} / ${b} ratios (same round): ${paired.get(`${a} / ${b}`)!.join("; ")}.`
    ),
    `Shutdown: ${shutdown.join("; ")}.`
  ]

  const report = [
    `# Benchmark: effect-mcp-server echo (low-level and authoring API) vs official SDK low-level Server`,
    ``,
    `Generated by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString()}.`,
    ``,
    ...lines,
    ``,
    ...notes.map((n) => `- ${n}`),
    ``,
    `Per round (in run order):`,
    ``,
    ...perRound,
    ...(badReports.length > 0 ? [``, `Bad responses:`, ``, ...badReports.map((b) => `- ${b}`)] : []),
    ``
  ].join("\n")

  process.stdout.write(report)
  writeFileSync(resultsPath, report)
  log(`wrote ${resultsPath}`)
  return totalBad > 0 ? 1 : 0
}

runBenchmark("bench", main)
