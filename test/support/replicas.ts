/**
 * Replica processes of `examples/replica-server.ts` on one Redis, and MCP 2026-07-28 requests to
 * them: what `test/redis/KillReplica.test.ts` and `npm run cluster-demo` share.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import "./compileCache.ts"

const examples = {
  replica: fileURLToPath(new URL("../../examples/replica-server.ts", import.meta.url)),
  everything: fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url)),
  other: fileURLToPath(new URL("../fixtures/other-server.ts", import.meta.url))
}

/**
 * The `requestState` key ring of every replica this process starts (`MCP_REQUEST_STATE_KEYS`), as
 * a deployment's replicas share one: a retry of an `input_required` answer may reach another.
 */
const requestStateKeys = randomBytes(32).toString("base64url")

/**
 * Starts a replica on `port` (killed with SIGKILL when the scope closes); resolves once it listens.
 * `examples/replica-server.ts` by default; `everything`: `examples/everything-server.ts --http
 * --stateless --redis <url>` with `args` added (e.g. `--rate-limit N`); `other`: another server
 * (`test/fixtures/other-server.ts`, named `other`, its own `crunch`). `output` collects what it
 * writes (stdout and stderr), if given.
 */
export const startReplica = (options: {
  readonly redisUrl: string
  readonly prefix: string
  readonly port: number
  readonly leaseMillis: number
  readonly server?: "replica" | "everything" | "other" | undefined
  readonly args?: ReadonlyArray<string> | undefined
  /** More environment (e.g. `STORE=memory`). */
  readonly env?: { readonly [name: string]: string } | undefined
  /** Receives everything the process writes, as it comes. */
  readonly output?: ((chunk: string) => void) | undefined
}): Effect.Effect<ChildProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<ChildProcess>((resolve, reject) => {
        const args = options.server === "everything"
          ? [examples.everything, "--http", "--stateless", "--redis", options.redisUrl, ...(options.args ?? [])]
          : [options.server === "other" ? examples.other : examples.replica, "--http", ...(options.args ?? [])]
        const child = spawn(process.execPath, [...args, "--port", String(options.port)], {
          env: {
            PATH: process.env.PATH ?? "",
            REDIS_URL: options.redisUrl,
            REDIS_PREFIX: options.prefix,
            LEASE_MILLIS: String(options.leaseMillis),
            MCP_REQUEST_STATE_KEYS: requestStateKeys,
            ...options.env
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        const timer = setTimeout(() => reject(new Error(`the replica did not listen:\n${output}`)), 15_000)
        const onData = (chunk: unknown) => {
          options.output?.(String(chunk))
          output += String(chunk)
          if (output.includes("MCP over Streamable HTTP at")) {
            clearTimeout(timer)
            resolve(child)
          }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        // A replica that dies on its own says why (the tests and benches see only its clients'
        // errors: "socket ended", "connection refused"); one killed by the scope or a test does not.
        child.on("exit", (code, signal) => {
          if (child.killed) return
          process.stderr.write(`replica on port ${options.port} exited (code ${code}, signal ${signal}):\n${output.slice(-4000)}\n`)
        })
      })
    ),
    (child) => Effect.sync(() => void child.kill("SIGKILL"))
  )

/** One MCP 2026-07-28 request (declaring the tasks extension) to the replica on `port`. */
export const modernRequest = (
  port: number,
  method: string,
  name: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = {}
) =>
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
            "io.modelcontextprotocol/clientCapabilities": { ...capabilities, extensions: { "io.modelcontextprotocol/tasks": {} } },
            "io.modelcontextprotocol/clientInfo": { name: "replicas", version: "1" }
          }
        }
      })
    }).then((response) => response.json() as Promise<any>)
  )

/**
 * Reads a task with `tasks/get` on the replica at `port` until `done` holds, at most `attempts`
 * times, `everyMillis` apart; answers the last task read.
 */
export const pollTask = (port: number, taskId: string, done: (task: any) => boolean, attempts = 150, everyMillis = 100) =>
  Effect.gen(function*() {
    let task: any
    for (let i = 0; i < attempts; i++) {
      task = (yield* modernRequest(port, "tasks/get", taskId, { taskId })).result
      if (done(task)) return task
      yield* Effect.sleep(everyMillis)
    }
    return task
  })
