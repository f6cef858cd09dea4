/**
 * `node bench/gc.ts`: the young generation's collections (scavenges) while requests wait, before
 * and after a full collection: a diagnostic for the pauses that `tasks/get` p99 counts in
 * `bench/cluster.ts` (issue 13), not part of `npm run bench`.
 *
 * The Streamable HTTP endpoint in process (`WebHandler`, stateless), one tool that waits 1 ms,
 * BENCH_GC_IN_FLIGHT requests in flight (default 16): a warm-up, one pass of BENCH_GC_CALLS calls
 * (default 20,000), then a full collection and two passes more. Per pass: how many scavenges, and
 * their median and longest pause (`PerformanceObserver` "gc" entries).
 *
 * Measured, 3 runs alternating with the code before `internal/deadlines.ts` (median / longest
 * pause, ms): before the full collection 0.94–1.12 / 1.7–2.8 (old) and 0.96–1.20 / 1.6–1.9 (now);
 * in the pass after it 2.20–2.92 / 4.4–6.5 (old) and 1.31–1.51 / 1.9–2.5 (now); in the next
 * 1.00–1.07 and 0.97–1.06. A Node timer armed and cleared around each asynchronous answer (the
 * request timeout) made scavenges keep every request once the full collection had run, until the
 * next one; one timer for all of them removed most of it. Long-lived Maps and Sets that requests
 * come and go through did the same (`src/internal/renewal.ts`). Run `node --trace-gc-nvp
 * bench/gc.ts` for the bytes each scavenge kept (`new_space_survived`, `promoted`).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { constants, PerformanceObserver } from "node:perf_hooks"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { McpServer } from "../src/index.ts"
import { WebHandler } from "../src/web.ts"
import { fmt, intEnv, median } from "./support.ts"

const CALLS = intEnv("BENCH_GC_CALLS", 20_000)
const IN_FLIGHT = intEnv("BENCH_GC_IN_FLIGHT", 16)

setFlagsFromString("--expose-gc")
const fullCollection = runInNewContext("gc") as () => void

const Wait = McpServer.tool({
  name: "wait",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.as(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1))), text)
})
const web = WebHandler.make({ name: "gc-bench", version: "1.0.0" }, Wait, { stateless: true })
const headers = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  host: "127.0.0.1",
  "mcp-protocol-version": "2025-11-25"
}

let id = 0
const call = async () => {
  const response = await web.handler(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers,
      body: `{"jsonrpc":"2.0","id":${id++},"method":"tools/call","params":{"name":"wait","arguments":{"text":"hello"}}}`
    })
  )
  const text = await response.text()
  if (response.status !== 200 || !text.includes("hello")) throw new Error(`status ${response.status}: ${text.slice(0, 200)}`)
}
const pass = async () => {
  let next = 0
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < CALLS) await call()
  }))
}

let pauses: Array<number> = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as { readonly detail?: { readonly kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      pauses.push(entry.duration)
    }
  }
}).observe({ entryTypes: ["gc"] })
const report = (label: string) => {
  const taken = pauses
  pauses = []
  console.log(`| ${label} | ${taken.length} | ${fmt(median(taken), 2)} | ${fmt(Math.max(0, ...taken), 2)} |`)
}

await pass()
pauses = []
console.log(`node ${process.version}; ${CALLS} calls per pass, ${IN_FLIGHT} in flight, a tool that waits 1 ms\n`)
console.log("| pass | scavenges | median pause ms | longest ms |\n|---|---:|---:|---:|")
await pass()
report("before a full collection")
fullCollection()
pauses = []
await pass()
report("after it")
await pass()
report("after it, again")
await web.dispose()
process.exit(0)
