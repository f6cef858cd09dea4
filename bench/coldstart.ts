/**
 * `node bench/coldstart.ts` (part of `npm run bench`): how long a client waits for a stdio server
 * it spawns: spawn → the `initialize` answer on stdout, for
 *
 * - **bundled**: the README example from the installed package, bundled into one file with the
 *   README's esbuild recipe;
 * - **bundled + compile cache**: the same bundle started through the README's two-line loader
 *   that enables Node's compile cache (the cache is warmed by one start before measuring);
 * - **installed**: the README example as `server.mjs`, importing the package from `node_modules`;
 * - **SDK**: the official SDK's (v1) low-level `Server` over its `StdioServerTransport`, with the
 *   same tool and prompt, as `.mjs` from `node_modules`;
 * - **raw Node**: a plain `.mjs` that answers `initialize` from `process.stdin` (the floor: Node's
 *   own start-up and one pipe round trip).
 *
 * Everything runs in a consumer project outside the repository (`npm pack`, install the tarball
 * and the peers: `scripts/internal/consumerProject.ts`), with the Node running this script.
 * Rounds alternate the peers (the order rotates each round); each cell is the median and the
 * min–max spread over BENCH_COLD_SPAWNS spawns (default 15). Output: a Markdown table, also
 * appended to `bench/results.md`.
 */
import { execFileSync, spawn } from "node:child_process"
import { appendFileSync, writeFileSync } from "node:fs"
import { stripTypeScriptTypes } from "node:module"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { bundleArgs, makeConsumerProject, pinned, readmeExample } from "../scripts/internal/consumerProject.ts"
import { children, fmt, intEnv, killChildren, median, ratio } from "./support.ts"

const SPAWNS = intEnv("BENCH_COLD_SPAWNS", 15)
const TIMEOUT_MS = intEnv("BENCH_TIMEOUT_MS", 15_000)
const resultsPath = fileURLToPath(new URL("results.md", import.meta.url))

const initialize = `${
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "coldstart", version: "1.0.0" } }
  })
}\n`

/** The official SDK's low-level server doing what the README example does (one tool, one prompt). */
const sdkServer = `import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { CallToolRequestSchema, GetPromptRequestSchema, ListPromptsRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
const server = new Server({ name: "hello", version: "1.0.0" }, { capabilities: { tools: {}, prompts: {} } })
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: "weather", description: "Current temperature in a city",
  inputSchema: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] } }] }))
server.setRequestHandler(CallToolRequestSchema, async (request) => ({ content: [{ type: "text", text: JSON.stringify({ city: request.params.arguments?.city, celsius: 21.5 }) }] }))
server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: [{ name: "greeting", arguments: [{ name: "name", required: true }] }] }))
server.setRequestHandler(GetPromptRequestSchema, async (request) => ({ messages: [{ role: "user", content: { type: "text", text: "Say hello to " + request.params.arguments?.name + "." } }] }))
await server.connect(new StdioServerTransport())
`

/** The floor: Node's start-up, stdin, one JSON parse and one answer. */
const rawServer = `process.stdin.setEncoding("utf8")
let buffer = ""
process.stdin.on("data", (chunk) => {
  buffer += chunk
  let newline
  while ((newline = buffer.indexOf("\\n")) >= 0) {
    const message = JSON.parse(buffer.slice(0, newline))
    buffer = buffer.slice(newline + 1)
    process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "raw", version: "1.0.0" } } }) + "\\n")
  }
})
`

const compileCacheLoader = `import { enableCompileCache, flushCompileCache } from "node:module"
enableCompileCache?.()
await import("./server.bundle.mjs")
flushCompileCache?.()
`

/** Spawns `node script` in `cwd`, sends `initialize`, resolves with the ms until its answer. */
const spawnToInitialize = (cwd: string, script: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [script], { cwd, stdio: ["pipe", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => finish(new Error(`${script}: no initialize answer within ${TIMEOUT_MS} ms\n${stderr}`)), TIMEOUT_MS)
    const finish = (outcome: number | Error) => {
      clearTimeout(timer)
      child.kill("SIGKILL")
      children.delete(child)
      if (typeof outcome === "number") resolve(outcome)
      else reject(outcome)
    }
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk
      const newline = stdout.indexOf("\n")
      if (newline < 0) return
      const elapsed = performance.now() - started
      const answer = JSON.parse(stdout.slice(0, newline)) as { id?: unknown; result?: { protocolVersion?: unknown } }
      if (answer.id !== 1 || answer.result?.protocolVersion !== "2025-11-25") {
        finish(new Error(`${script}: unexpected answer ${stdout.slice(0, newline)}`))
      } else finish(elapsed)
    })
    child.stderr.on("data", (chunk) => void (stderr += String(chunk)))
    child.on("error", (error) => finish(error))
    child.on("exit", (code) => finish(new Error(`${script} exited (${code}) before answering\n${stderr}`)))
    child.stdin.on("error", () => {})
    child.stdin.write(initialize)
  })

const main = async () => {
  console.error("cold start: packing and installing the package in a consumer project ...")
  const project = makeConsumerProject([pinned("@modelcontextprotocol/sdk"), pinned("esbuild")])
  try {
    const dir = project.dir
    writeFileSync(join(dir, "server.mjs"), stripTypeScriptTypes(readmeExample()))
    writeFileSync(join(dir, "sdk-server.mjs"), sdkServer)
    writeFileSync(join(dir, "raw.mjs"), rawServer)
    writeFileSync(join(dir, "start.mjs"), compileCacheLoader)
    execFileSync(join(dir, "node_modules/.bin", process.platform === "win32" ? "esbuild.cmd" : "esbuild"), [
      ...bundleArgs("server.mjs", "server.bundle.mjs")
    ], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] })

    const peers = [
      { name: "bundled (esbuild, one file)", script: "server.bundle.mjs" },
      { name: "bundled + compile cache", script: "start.mjs" },
      { name: "installed (node_modules, unbundled)", script: "server.mjs" },
      { name: "SDK low-level Server (node_modules)", script: "sdk-server.mjs" },
      { name: "raw Node (floor)", script: "raw.mjs" }
    ]
    // One start each first: warms the disk cache and the compile cache, and checks every peer answers.
    for (const peer of peers) await spawnToInitialize(dir, peer.script)
    const samples = new Map(peers.map((peer) => [peer.name, [] as Array<number>]))
    for (let round = 0; round < SPAWNS; round++) {
      const order = round % 2 === 0 ? peers : [...peers].reverse()
      const rotated = [...order.slice(round % peers.length), ...order.slice(0, round % peers.length)]
      for (const peer of rotated) samples.get(peer.name)!.push(await spawnToInitialize(dir, peer.script))
    }

    const med = (name: string) => median(samples.get(name)!)
    const sdk = med("SDK low-level Server (node_modules)")
    const raw = med("raw Node (floor)")
    const lines = [
      `### Cold start: spawn → initialize answer over stdio (median of ${SPAWNS} spawns, Node ${process.version})`,
      "",
      "| server | median ms | min–max ms | × raw Node | × SDK |",
      "|---|---:|---:|---:|---:|",
      ...peers.map((peer) => {
        const values = samples.get(peer.name)!
        const m = median(values)
        return `| ${peer.name} | ${fmt(m, 1)} | ${fmt(Math.min(...values), 1)}–${fmt(Math.max(...values), 1)} | ${
          ratio(m / raw)
        } | ${ratio(m / sdk)} |`
      }),
      "",
      "Targets: bundled ≤ 2× raw Node; installed ≤ 1.5× the SDK.",
      ""
    ]
    const table = lines.join("\n")
    console.log(table)
    appendFileSync(resultsPath, `\n${table}`)
  } finally {
    project.remove()
  }
}

try {
  await main()
} finally {
  killChildren()
}
