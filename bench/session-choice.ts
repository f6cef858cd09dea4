/**
 * `node bench/session-choice.ts SCENARIO [MEASURED]` (not part of `npm run bench`): the CPU an
 * `initialize` costs the Streamable HTTP endpoint once 10,000 sessions are open, where it must
 * choose a session to end to make room (`maxSessionsPerAddress`, a full store). In-process, through
 * `WebHandler` (no sockets; each client told apart by the `remoteAddress` given to the handler):
 *
 * - `own`: one address holds every place (`maxSessionsPerAddress` = `maxSessions` = 10,000);
 *   each measured `initialize` comes from it and replaces its idle session used least recently;
 * - `crowd`: 5,000 addresses hold 2 each (`maxSessionsPerAddress` 2, a full store); each measured
 *   `initialize` comes from a new address and takes the place of the session the endpoint chooses
 *   among those of the addresses holding the most;
 * - `free`: as `crowd`, with room (`maxSessions` 40,000): what an `initialize` costs without a
 *   choice.
 *
 * 200 warm-up initializes, then MEASURED (default 1,000), one at a time; prints one JSON line
 * with the CPU (user + system, `process.cpuUsage`) and the wall time per measured `initialize`.
 * Wall time is noisy on a shared machine: compare versions by the CPU, in rounds that alternate
 * them. Run from the repository (it imports `../src`).
 */
import * as Effect from "effect/Effect"
import { McpServer } from "../src/index.ts"
import { WebHandler } from "../src/web.ts"

const scenario = process.argv[2] ?? "own"
if (scenario !== "own" && scenario !== "crowd" && scenario !== "free") throw new Error(`unknown scenario ${scenario}: own, crowd or free`)
const measured = Number(process.argv[3] ?? 1_000)
const SESSIONS = 10_000

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echo") })
const web = WebHandler.make({ name: "session-choice", version: "1.0.0" }, Echo, {
  responseMode: "json",
  maxSessions: scenario === "free" ? 4 * SESSIONS : SESSIONS,
  maxSessionsPerAddress: scenario === "own" ? SESSIONS : 2,
  sessionIdleTimeoutMillis: 3_600_000
})
const body = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } }
})

/** One `initialize` from `remoteAddress`, answered 200 (else it throws). */
const open = async (remoteAddress: string): Promise<void> => {
  const response = await web.handler(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", host: "127.0.0.1" },
      body
    }),
    { remoteAddress }
  )
  await response.text()
  if (response.status !== 200) throw new Error(`initialize answered ${response.status}`)
}

const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

// The 10,000 sessions, 8 initializes at a time.
const from = scenario === "own" ? () => "10.0.0.1" : (i: number) => addressOf(i >> 1)
for (let i = 0; i < SESSIONS; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => open(from(i + k))))

let fresh = 100_000
const next = scenario === "own" ? () => "10.0.0.1" : () => addressOf(fresh++)
for (let i = 0; i < 200; i++) await open(next())
const cpu = process.cpuUsage()
const start = performance.now()
for (let i = 0; i < measured; i++) await open(next())
const used = process.cpuUsage(cpu)
const wall = performance.now() - start
process.stdout.write(
  `${JSON.stringify({ scenario, sessions: SESSIONS, measured, cpuMicrosPerInitialize: (used.user + used.system) / measured, wallMicrosPerInitialize: (wall * 1000) / measured })}\n`
)
await web.dispose()
