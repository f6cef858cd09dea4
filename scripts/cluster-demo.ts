/**
 * `npm run cluster-demo`: two replicas of `examples/replica-server.ts` on one Redis, shown at work.
 *
 * Starts a Redis (Debian's `redis-server`, on a free 127.0.0.1 port, no persistence) unless
 * `REDIS_URL` names one, then two replicas (stateless Streamable HTTP on free ports, 1 s leases),
 * and walks through: a task created on replica A is read on replica B; replica A is killed with
 * SIGKILL; replica B ends the task `failed` within about a lease. Everything started is stopped
 * at the end.
 */
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { freePort } from "../test/http/support.ts"
import { make as startRedis } from "../test/support/redis.ts"

const example = fileURLToPath(new URL("../examples/replica-server.ts", import.meta.url))
const say = (line: string) => console.log(`cluster-demo: ${line}`)
/** One key prefix for both replicas: one deployment. */
const prefix = `demo-${Date.now()}:`

const replica = (name: string, redisUrl: string, port: number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<ChildProcess>((resolve, reject) => {
        const child = spawn(process.execPath, [example, "--http", "--port", String(port)], {
          env: { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LEASE_MILLIS: "1000" },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 15_000)
        const onData = (chunk: unknown) => {
          output += String(chunk)
          if (output.includes("MCP over Streamable HTTP at")) {
            clearTimeout(timer)
            say(`replica ${name} serves http://127.0.0.1:${port}/mcp`)
            resolve(child)
          }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
      })
    ),
    (child) => Effect.sync(() => void child.kill("SIGKILL"))
  )

const rpc = (port: number, method: string, name: string, params: Record<string, unknown>) =>
  Effect.promise(() =>
    fetch(`http://127.0.0.1:${port}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        "mcp-name": name
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method,
        params: {
          ...params,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
            "io.modelcontextprotocol/clientInfo": { name: "cluster-demo", version: "1" }
          }
        }
      })
    }).then((response) => response.json() as Promise<any>)
  )

const program = Effect.gen(function*() {
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${(yield* startRedis()).port}`
  say(`Redis at ${redisUrl}`)
  const [portA, portB] = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
  const a = yield* replica("A", redisUrl, portA)
  yield* replica("B", redisUrl, portB)

  const created = (yield* rpc(portA, "tools/call", "crunch", { name: "crunch", arguments: { seconds: 600 } })).result
  say(`A: tools/call crunch became task ${created.taskId} (${created.status})`)
  const seen = (yield* rpc(portB, "tasks/get", created.taskId, { taskId: created.taskId })).result
  say(`B: tasks/get ${created.taskId} → ${seen.status} (one store for both replicas)`)

  a.kill("SIGKILL")
  say("A: killed with SIGKILL")
  const started = Date.now()
  for (let i = 0; i < 100; i++) {
    const task = (yield* rpc(portB, "tasks/get", created.taskId, { taskId: created.taskId })).result
    if (task.status !== "working") {
      say(`B: tasks/get ${created.taskId} → ${task.status} after ${Date.now() - started} ms: "${task.statusMessage}"`)
      return
    }
    yield* Effect.sleep("200 millis")
  }
  throw new Error("the task was not ended within 20 s")
})

await Effect.runPromise(Effect.scoped(program))
say("done: everything started is stopped")
