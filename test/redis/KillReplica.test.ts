/**
 * Two replicas as real processes on one Redis (`examples/replica-server.ts`): a task created on
 * one is seen working on the other; the first is killed with SIGKILL (no shutdown, no word); the
 * other ends the task `failed` within about a lease (issue 13: no task stays `working` forever).
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { orphanMessage } from "../../src/tasks/Task.ts"
import { freePort } from "../http/support.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"

const example = fileURLToPath(new URL("../../examples/replica-server.ts", import.meta.url))

const startReplica = (redisUrl: string, prefix: string, port: number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<ChildProcess>((resolve, reject) => {
        const child = spawn(process.execPath, [example, "--http", "--port", String(port)], {
          env: { PATH: process.env.PATH ?? "", REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LEASE_MILLIS: "600" },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        const timer = setTimeout(() => reject(new Error(`replica did not listen:\n${output}`)), 15_000)
        const onData = (chunk: unknown) => {
          output += String(chunk)
          if (output.includes("MCP over Streamable HTTP at")) {
            clearTimeout(timer)
            resolve(child)
          }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
      })
    ),
    (child) => Effect.sync(() => void child.kill("SIGKILL"))
  )

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  "io.modelcontextprotocol/clientInfo": { name: "kill-test", version: "1" }
}

const call = (port: number, method: string, name: string, params: Record<string, unknown>) =>
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
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: meta } })
    }).then((response) => response.json() as Promise<any>)
  )

layer(TestRedis.layer, { excludeTestServices: true })("a replica killed with SIGKILL", (it) => {
  it.effect("its working task is ended failed by the surviving replica within about a lease", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const [portA, portB] = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
      const a = yield* startReplica(url, prefix, portA)
      yield* startReplica(url, prefix, portB)

      const created = yield* call(portA, "tools/call", "crunch", { name: "crunch", arguments: { seconds: 600 } })
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      const taskId: string = created.result.taskId
      const seen = yield* call(portB, "tasks/get", taskId, { taskId })
      assert.strictEqual(seen.result?.status, "working", JSON.stringify(seen))

      a.kill("SIGKILL")
      const killedAt = Date.now()
      let task: any
      for (let i = 0; i < 100; i++) {
        task = (yield* call(portB, "tasks/get", taskId, { taskId })).result
        if (task?.status !== "working") break
        yield* Effect.sleep("100 millis")
      }
      assert.strictEqual(task?.status, "failed", JSON.stringify(task))
      assert.strictEqual(task.statusMessage, orphanMessage)
      assert.isBelow(Date.now() - killedAt, 8_000, "within a few leases (600 ms each), not the task's TTL")
    }), 60_000)
})
