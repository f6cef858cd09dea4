/**
 * `node bench/http-profile.ts <callgrind|ab> [...]`: the per-request cost of our stateless HTTP
 * paths, one kind of request at a time, on one `examples/echo-server.ts --http --stateless`
 * process (not a step of `npm run bench`; a tool for work on the request path, issue 11 item 8).
 *
 * Kinds (the bytes as in `bench/http.ts`): `2026` (a 2026-07-28 `tools/call echo`: its version,
 * `Mcp-Method` and `Mcp-Name` headers and the three `_meta` keys, no initialize), `control` (a
 * stateless 2025-11-25 echo with the same bytes: the two headers, a `_meta` as long under keys
 * that name no protocol), `stateless` (a plain stateless 2025-11-25 echo). Every answer is checked
 * (status 200, the echo, `resultType: "complete"` for 2026); a wrong one stops the run.
 *
 * - `callgrind`: the server runs under `valgrind --tool=callgrind`: `--jitless` (node without its
 *   JIT: deterministic counts, but interpreted JavaScript weighs far more than it does with the
 *   JIT), or with the JIT (`--smc-check=all`, without which V8's code ran wrong here: a 2026
 *   echo answered "Unknown tool"; `--perf-basic-prof`, whose `/tmp/perf-<pid>.map` names the
 *   JIT's code in the dumps). The server is `examples/echo-server.ts` bundled by esbuild (node
 *   `--jitless` has no WebAssembly, which its type stripping needs). After a warm-up of every
 *   kind, for each kind: the counters are zeroed (`callgrind_control -z`), PROFILE_CALLS requests
 *   are sent, the counters are dumped (`-d`); the instructions of each dump divided by the calls
 *   are printed (the server's threads, all of them). While `callgrind_control` waits for the
 *   server to see its command, requests of the same kind keep flowing (one at a time), so a zero
 *   or dump lands between two requests of that kind; they add a handful of requests to a count
 *   of thousands, and are counted in (see the output). Dumps are left in PROFILE_OUT (default
 *   `/tmp/http-profile`), for `callgrind_annotate`.
 * - `ab <rootA> <rootB>`: the server of each root (a checkout of this repository) alive side by
 *   side; PROFILE_ROUNDS rounds, each sending every kind to A and B in alternating order (A first
 *   in odd rounds), after a warm-up; server CPU µs per request from `/proc/<pid>/task/*\/schedstat`.
 *   Prints per kind the medians and the median of the paired ratios B/A.
 * - `send <port> <kind> <calls>`: only sends, to a server started by hand (under `--cpu-prof`, say).
 *
 * Sizes (env): PROFILE_CALLS (callgrind 3,000; ab 10,000), PROFILE_WARMUP (callgrind 3,000 per kind;
 * ab 20,000 per kind and server), PROFILE_ROUNDS (ab: 11), PROFILE_IN_FLIGHT (8), PROFILE_KINDS
 * (all: `2026,control,stateless`; callgrind measures them in the order given, a kind named twice
 * twice: the JIT still tiers code up and down after the warm-up, so a kind measured again after
 * the others compares steadier), PROFILE_TIMEOUT_MS (120,000: how long a server may take to listen,
 * and a `callgrind_control` to answer; a server with its JIT under callgrind on a busy machine took
 * longer).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { resolve as resolvePath } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { RawHttpClient } from "./rawHttpClient.ts"
import { childCpuMicros, children, fmt, freePort, intEnv, median, ratio, runBenchmark } from "./support.ts"

const HOST = "127.0.0.1"
const PATH = "/mcp"
const TEXT = "hello"
const TIMEOUT_MS = intEnv("PROFILE_TIMEOUT_MS", 120_000)
const IN_FLIGHT = intEnv("PROFILE_IN_FLIGHT", 8)

type Kind = "2026" | "control" | "stateless"
const allKinds: ReadonlyArray<Kind> = ["2026", "control", "stateless"]
const kinds: ReadonlyArray<Kind> = (() => {
  const raw = process.env["PROFILE_KINDS"]
  if (raw === undefined || raw === "") return allKinds
  const chosen = raw.split(",").map((k) => k.trim())
  for (const k of chosen) if (!allKinds.includes(k as Kind)) throw new Error(`PROFILE_KINDS: unknown kind ${k}`)
  return chosen as ReadonlyArray<Kind>
})()

const common = { "content-type": "application/json", accept: "application/json, text/event-stream" }
const headersOf: Record<Kind, Record<string, string>> = {
  "2026": { ...common, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" },
  control: { ...common, "mcp-protocol-version": "2025-11-25", "mcp-method": "tools/call", "mcp-name": "echo" },
  stateless: { ...common, "mcp-protocol-version": "2025-11-25" }
}
const modernMeta = JSON.stringify({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "effect-mcp-server-bench", version: "0.1.0" }
})
const controlMeta = modernMeta.replaceAll("io.modelcontextprotocol/", "xx.modelcontextprotocol/")
const bodyOf = (kind: Kind, id: number): string =>
  kind === "stateless"
    ? `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"${TEXT}"}}}`
    : `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"${TEXT}"},"_meta":${
      kind === "2026" ? modernMeta : controlMeta
    }}}`

/** Why an answer is wrong, or undefined. */
const check = (kind: Kind, status: number, body: string, id: number): string | undefined => {
  if (status !== 200) return `status ${status}: ${body.slice(0, 200)}`
  let message: any
  try {
    message = JSON.parse(body)
  } catch {
    return `not JSON: ${body.slice(0, 200)}`
  }
  const content = message?.result?.content
  if (
    message?.id !== id || !Array.isArray(content) || content[0]?.text !== TEXT ||
    (kind === "2026" && message.result.resultType !== "complete")
  ) return `wrong answer to ${id}: ${body.slice(0, 200)}`
  return undefined
}

interface Server {
  readonly port: number
  readonly pid: number
  readonly process: ChildProcess
}

const start = async (
  root: string,
  prefix: ReadonlyArray<string>,
  nodeFlags: ReadonlyArray<string>,
  script = "examples/echo-server.ts",
  cwd = root
): Promise<Server> => {
  const port = await freePort()
  const command = [...prefix, process.execPath, ...nodeFlags, script, "--http", "--stateless", "--port", String(port)]
  const proc = spawn(command[0]!, command.slice(1), { cwd, stdio: ["ignore", "ignore", "inherit"] })
  children.add(proc)
  proc.on("exit", () => children.delete(proc))
  const deadline = performance.now() + TIMEOUT_MS
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${root}: the server exited (${proc.exitCode})`)
    const up = await new Promise<boolean>((resolve) => {
      const req = httpRequest({ host: HOST, port, path: PATH, method: "GET", agent: false }, (res) => {
        res.resume()
        res.on("end", () => resolve(true))
      })
      req.on("error", () => resolve(false))
      req.end()
    })
    if (up) return { port, pid: proc.pid!, process: proc }
    if (performance.now() > deadline) throw new Error(`${root}: not listening after ${TIMEOUT_MS} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

let nextId = 1
/** `calls` requests of `kind`, `inFlight` at a time; rejects on a wrong answer. */
const send = async (server: Server, kind: Kind, calls: number, inFlight = IN_FLIGHT): Promise<void> => {
  const client = new RawHttpClient(HOST, server.port, inFlight)
  try {
    let sent = 0
    const worker = async () => {
      while (sent < calls) {
        sent++
        const id = nextId++
        const reply = await client.post(PATH, headersOf[kind], bodyOf(kind, id))
        const problem = check(kind, reply.status, reply.body, id)
        if (problem !== undefined) throw new Error(`${kind}: ${problem}`)
      }
    }
    await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker))
  } finally {
    client.close()
  }
}

/** Runs `callgrind_control <flag> <pid>` while requests of `kind` trickle in; the requests sent meanwhile. */
const control = async (server: Server, kind: Kind, flag: string): Promise<number> => {
  let done = false
  let trickled = 0
  const finished = new Promise<void>((resolve, reject) =>
    execFile("callgrind_control", [flag, String(server.pid)], { timeout: TIMEOUT_MS }, (error) => {
      done = true
      if (error) reject(error)
      else resolve()
    })
  )
  while (!done) {
    await send(server, kind, 1, 1)
    trickled++
  }
  await finished
  return trickled
}

/** The instructions (Ir) of the newest callgrind dump in `dir` for `pid` after `before`. */
const newestDump = (dir: string, pid: number, before: ReadonlySet<string>): number => {
  const fresh = readdirSync(dir).filter((f) => f.startsWith(`callgrind.out.${pid}`) && !before.has(f))
  let total = 0
  for (const file of fresh) {
    const text = readFileSync(`${dir}/${file}`, "utf8")
    const summary = /^summary:\s*(\d+)/m.exec(text) ?? /^totals:\s*(\d+)/m.exec(text)
    if (summary === null) throw new Error(`${file}: no summary line`)
    total += Number(summary[1])
  }
  if (fresh.length === 0) throw new Error(`no new dump for ${pid} in ${dir}`)
  process.stderr.write(`dump ${fresh.join(", ")}\n`)
  return total
}

const callgrind = async (jitless: boolean): Promise<number> => {
  const calls = intEnv("PROFILE_CALLS", 3_000)
  const warmup = intEnv("PROFILE_WARMUP", 3_000)
  const dir = resolvePath(process.env["PROFILE_OUT"] ?? "/tmp/http-profile")
  mkdirSync(dir, { recursive: true })
  const root = fileURLToPath(new URL("..", import.meta.url))
  const prefix = [
    "valgrind",
    "--tool=callgrind",
    `--callgrind-out-file=${dir}/callgrind.out.%p`,
    ...(jitless ? [] : ["--smc-check=all"])
  ]
  // Bundled: `--jitless` has no WebAssembly, which Node's type stripping needs; and a bundle is
  // what a server ships (both modes run it, so their counts compare).
  const bundle = `${dir}/echo-server.mjs`
  execFileSync(`${root}node_modules/.bin/esbuild`, [
    "examples/echo-server.ts",
    "--bundle",
    "--platform=node",
    "--format=esm",
    `--outfile=${bundle}`,
    "--log-level=warning",
    "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
  ], { cwd: root, stdio: "inherit" })
  // Run in PROFILE_OUT: what V8 writes beside the perf map (`isolate-*-v8.log`) lands there.
  const server = await start(root, prefix, jitless ? ["--jitless"] : ["--perf-basic-prof"], bundle, dir)
  process.stderr.write(`server pid ${server.pid} (callgrind${jitless ? ", --jitless" : ""}), warming up\n`)
  for (const kind of new Set(kinds)) await send(server, kind, warmup)
  const rows: Array<string> = []
  for (const kind of kinds) {
    await control(server, kind, "-z")
    const before = new Set(readdirSync(dir))
    const t0 = performance.now()
    await send(server, kind, calls)
    const trickled = await control(server, kind, "-d")
    const ir = newestDump(dir, server.pid, before)
    const perCall = ir / (calls + trickled)
    rows.push(`| ${kind} | ${fmt(perCall)} | ${calls} + ${trickled} | ${fmt((performance.now() - t0) / 1000, 1)} |`)
    process.stderr.write(`${kind}: ${fmt(perCall)} instructions per request\n`)
  }
  server.process.kill("SIGTERM")
  process.stdout.write(
    `instructions per request (callgrind${jitless ? ", node --jitless" : ", node with its JIT"}, ${IN_FLIGHT} in flight)\n\n` +
      `| kind | Ir / request | requests | s |\n|---|---:|---:|---:|\n${rows.join("\n")}\n`
  )
  return 0
}

const ab = async (rootA: string, rootB: string): Promise<number> => {
  const calls = intEnv("PROFILE_CALLS", 10_000)
  const warmup = intEnv("PROFILE_WARMUP", 20_000)
  const rounds = intEnv("PROFILE_ROUNDS", 11)
  const a = await start(rootA, [], [])
  const b = await start(rootB, [], [])
  const distinct = [...new Set(kinds)]
  for (const kind of distinct) {
    await send(a, kind, warmup)
    await send(b, kind, warmup)
  }
  const cost = async (server: Server, kind: Kind): Promise<number> => {
    await new Promise((r) => setTimeout(r, 100))
    const cpu0 = childCpuMicros(server.pid)
    await send(server, kind, calls)
    return (childCpuMicros(server.pid) - cpu0) / calls
  }
  const samples = new Map<Kind, { a: Array<number>; b: Array<number>; ratio: Array<number> }>(
    distinct.map((k) => [k, { a: [], b: [], ratio: [] }])
  )
  for (let round = 1; round <= rounds; round++) {
    for (const kind of distinct) {
      const s = samples.get(kind)!
      let ca: number
      let cb: number
      if (round % 2 === 1) {
        ca = await cost(a, kind)
        cb = await cost(b, kind)
      } else {
        cb = await cost(b, kind)
        ca = await cost(a, kind)
      }
      s.a.push(ca)
      s.b.push(cb)
      s.ratio.push(cb / ca)
      process.stderr.write(`round ${round} ${kind}: A ${fmt(ca, 1)} B ${fmt(cb, 1)} µs\n`)
    }
  }
  const rows = distinct.map((kind) => {
    const s = samples.get(kind)!
    return `| ${kind} | ${fmt(median(s.a), 1)} | ${fmt(median(s.b), 1)} | ${ratio(median(s.ratio))} | ${
      s.ratio.filter((r) => r < 1).length
    }/${rounds} |`
  })
  process.stdout.write(
    `server CPU µs per request, A = ${rootA}, B = ${rootB} (${rounds} rounds × ${calls}, ${IN_FLIGHT} in flight)\n\n` +
      `| kind | A median | B median | median of B/A | rounds B < A |\n|---|---:|---:|---:|---:|\n${rows.join("\n")}\n`
  )
  return 0
}

runBenchmark("http-profile", () => {
  const [command, ...rest] = process.argv.slice(2)
  if (command === "callgrind") return callgrind(rest.includes("--jitless"))
  if (command === "ab" && rest.length === 2) return ab(rest[0]!, rest[1]!)
  if (command === "send" && rest.length === 3 && allKinds.includes(rest[1] as Kind)) {
    // To a server started by hand (under `--cpu-prof`, say): `send <port> <kind> <calls>`.
    const server = { port: Number(rest[0]), pid: 0, process: undefined as unknown as ChildProcess }
    return send(server, rest[1] as Kind, Number(rest[2])).then(() => 0)
  }
  process.stderr.write(
    "usage: node bench/http-profile.ts callgrind [--jitless] | ab <rootA> <rootB> | send <port> <kind> <calls>\n"
  )
  return Promise.resolve(2)
})
