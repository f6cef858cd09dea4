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
  other: fileURLToPath(new URL("../fixtures/other-server.ts", import.meta.url)),
  held: fileURLToPath(new URL("../fixtures/held-replica-server.ts", import.meta.url))
}

/**
 * The `requestState` key ring of every replica this process starts (`MCP_REQUEST_STATE_KEYS`), as
 * a deployment's replicas share one: a retry of an `input_required` answer may reach another.
 */
const requestStateKeys = randomBytes(32).toString("base64url")

/** What {@link startReplica} and {@link startReplicaOnAnyPort} take (`port` aside). */
export interface ReplicaOptions {
  readonly redisUrl: string
  readonly prefix: string
  readonly leaseMillis: number
  readonly server?: "replica" | "everything" | "other" | "held" | undefined
  readonly args?: ReadonlyArray<string> | undefined
  /** Flags for the replica's Node, before its script (e.g. `--trace-gc-nvp`; Node refuses V8's in `NODE_OPTIONS`). */
  readonly nodeArgs?: ReadonlyArray<string> | undefined
  /** More environment (e.g. `STORE=memory`). */
  readonly env?: { readonly [name: string]: string } | undefined
  /** Receives everything the process writes, as it comes. */
  readonly output?: ((chunk: string) => void) | undefined
}

/** A replica process and the port it listens on. */
export interface Replica {
  readonly child: ChildProcess
  readonly port: number
}

/** The listening line of the endpoint (`MCP over Streamable HTTP at http://127.0.0.1:N/mcp`): its port. */
const listening = /MCP over Streamable HTTP at http:\/\/(?:\[[^\]\s]*\]|[^/:\s]+):(\d+)/

/**
 * How long a replica may take to say it listens: 120 s. Its start is under a second of CPU, but on
 * two cores shared by the suite's workers and their children (and whatever else runs) it was seen
 * waiting for the CPU past 15 s, then past 30 s (a load of 18), then past 60 s (a load of 22, two
 * starting side by side), the bounds before, having written nothing yet. A bound of a wait that
 * ends as soon as the replica listens: no slower when quiet.
 */
export const listenBound = 120_000

/** How many times {@link spawnReplica} starts a replica that exits "Cannot connect to Redis". */
const connectTries = 3

/** Whether a try failed as its replica exited "Cannot connect to Redis". */
const cannotConnect = (error: Error): boolean => error.message.includes("Cannot connect to Redis")

/**
 * Spawns a replica given `--port <port>` (0: it picks a free one) in the scope (killed with
 * SIGKILL when the scope closes); resolves once it says it listens, with the port its line names.
 * Rejects at once when it exits first (its port taken: EADDRINUSE, said on its stderr), or after
 * {@link listenBound} without the line, with what it wrote.
 */
const spawnReplica = (options: ReplicaOptions, port: number): Effect.Effect<Replica, never, Scope.Scope> =>
  Effect.acquireRelease(
    spawnOnce(options, port).pipe(
      // A replica whose first connect to Redis passed its 5 s bound (the examples' default
      // `connectTimeoutMillis`) exits "Cannot connect to Redis": seen at a load of 24, Redis and the
      // replica both waiting for the CPU. A precondition of the tests, not what they check: started
      // again (3 tries at most).
      Effect.retry({ times: connectTries - 1, while: cannotConnect }),
      // Given up: said as such (a replica that can never connect fails the test, not as a flake).
      Effect.mapError((error) =>
        cannotConnect(error) ? new Error(`started ${connectTries} times, each exiting "Cannot connect to Redis"; the last: ${error.message}`) : error
      ),
      Effect.orDie
    ),
    ({ child }) => Effect.sync(() => void child.kill("SIGKILL"))
  )

/** One try of {@link spawnReplica}: fails when the replica exits before it listens, or does not listen within {@link listenBound}. */
const spawnOnce = (options: ReplicaOptions, port: number): Effect.Effect<Replica, Error> =>
  Effect.tryPromise({
    catch: (error) => error as Error,
    try: () =>
      new Promise<Replica>((resolve, reject) => {
        const args = options.server === "everything"
          ? [examples.everything, "--http", "--stateless", "--redis", options.redisUrl, ...(options.args ?? [])]
          : [options.server === undefined ? examples.replica : examples[options.server], "--http", ...(options.args ?? [])]
        const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args, "--port", String(port)], {
          env: {
            PATH: process.env.PATH ?? "",
            // Node's compile cache of the test run (see `compileCache.ts`): an environment of its
            // own would go without it, and a replica's start took twice the CPU (past the bound
            // below, on a loaded machine).
            ...(process.env.NODE_COMPILE_CACHE === undefined ? {} : { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE }),
            REDIS_URL: options.redisUrl,
            REDIS_PREFIX: options.prefix,
            LEASE_MILLIS: String(options.leaseMillis),
            MCP_REQUEST_STATE_KEYS: requestStateKeys,
            ...options.env
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        let listened: number | undefined
        const timer = setTimeout(() => {
          child.kill("SIGKILL")
          reject(new Error(`the replica did not listen within ${listenBound / 1000} s:\n${output}`))
        }, listenBound)
        const onData = (chunk: unknown) => {
          options.output?.(String(chunk))
          output += String(chunk)
          const found = listened === undefined ? listening.exec(output) : null
          if (found !== null) {
            listened = Number(found[1])
            clearTimeout(timer)
            resolve({ child, port: listened })
          }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        child.on("exit", (code, signal) => {
          // Before it listened: at once, not at the bound (its output says why).
          if (listened === undefined) {
            clearTimeout(timer)
            return reject(new Error(`the replica exited (code ${code}, signal ${signal}) before it listened:\n${output}`))
          }
          // A replica that dies on its own says why (the tests and benches see only its clients'
          // errors: "socket ended", "connection refused"); one killed by the scope or a test does not.
          if (child.killed) return
          process.stderr.write(`replica on port ${listened} exited (code ${code}, signal ${signal}):\n${output.slice(-4000)}\n`)
        })
      })
  })

/**
 * Starts a replica that listens on a port of its own choosing (`--port 0`), read back from the line
 * it logs once it listens: no other process (tests of other workers run in parallel) can take it
 * first, as one picked beforehand with `freePort` could (the replica then exited, and a request
 * could reach another process's server). Killed with SIGKILL when the scope closes.
 * `examples/replica-server.ts` by default; `everything`: `examples/everything-server.ts --http
 * --stateless --redis <url>` with `args` added (e.g. `--rate-limit N`); `other`: another server
 * (`test/fixtures/other-server.ts`, named `other`, its own `crunch`); `held`: the replica with a
 * `held_crunch` tool (`test/fixtures/held-replica-server.ts`). `output` collects what it
 * writes (stdout and stderr), if given.
 */
export const startReplicaOnAnyPort = (options: ReplicaOptions): Effect.Effect<Replica, never, Scope.Scope> =>
  spawnReplica(options, 0)

/**
 * Starts a replica on `port` (killed with SIGKILL when the scope closes); resolves once it listens
 * (see {@link startReplicaOnAnyPort}, which tests use: a port given here may be taken by another
 * process first, and the start then fails).
 */
export const startReplica = (options: ReplicaOptions & { readonly port: number }): Effect.Effect<ChildProcess, never, Scope.Scope> =>
  Effect.map(spawnReplica(options, options.port), (replica) => replica.child)

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
