/**
 * A real `redis-server` for tests: started on a free 127.0.0.1 port with no persistence (`--save ""
 * --appendonly no`, its working directory a fresh temporary folder outside the repository), ready
 * once it answers PING, stopped (and its folder removed) when the scope closes. It can be stopped
 * and started again on the same port, for "Redis down, then back" tests; a restarted server is
 * empty (nothing was persisted), unless it is `persistent` (an append-only file in that folder,
 * synced on every write: a restart keeps everything acknowledged).
 *
 * **Example** (One server for a `describe` block)
 *
 * ```ts
 * layer(TestRedis.layer)("RedisCacheStore", (it) => {
 *   it.live("...", () => Effect.gen(function*() { const redis = yield* TestRedis; redis.url ... }))
 * })
 * ```
 */
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redis from "effect/persistence/Redis"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./ports.ts"

/** A running test Redis. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** Stops the server (SIGKILL: as a crash; nothing is kept). Does nothing when it is stopped. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port (empty, unless persistent); waits until it answers PING. */
  readonly start: Effect.Effect<void>
  /** Whether it is running. */
  readonly running: () => boolean
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered; `thaw` resumes it. */
  readonly freeze: Effect.Effect<void>
  readonly thaw: Effect.Effect<void>
}

/** The test Redis as a service (one per `layer(...)` block). */
export class TestRedis extends Context.Service<TestRedis, RedisServer>()("test/TestRedis") {
  static readonly layer: Layer.Layer<TestRedis> = Layer.effect(TestRedis, Effect.suspend(() => make()))
  /**
   * A Redis that keeps what it acknowledged across `stop` and `start` (an append-only file in
   * its temporary folder, synced on every write): a restart, not a new empty server.
   */
  static readonly layerPersistent: Layer.Layer<TestRedis> = Layer.effect(TestRedis, Effect.suspend(() => make({ persistent: true })))
}

const binary = process.env.REDIS_SERVER ?? "redis-server"

/** One PING over a raw socket: true when the answer is +PONG within `timeoutMillis`. */
const ping = (port: number, timeoutMillis = 200): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    let answer = ""
    const done = (ok: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMillis)
    socket.once("error", () => done(false))
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1")
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"))
    })
    socket.once("connect", () => socket.write("PING\r\n"))
  })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Spawns redis-server on `port`; resolves once it answers PING (rejects when it exits or does not answer in 10 s). */
const launch = async (port: number, dir: string, persistent = false): Promise<ChildProcess> => {
  const child = spawn(binary, [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--save", "",
    ...(persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    "--dir", dir,
    "--logfile", "",
    "--loglevel", "warning",
    "--protected-mode", "yes"
  ], { stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (chunk) => void (stderr += String(chunk)))
  let exited: string | undefined
  child.once("error", (error) => void (exited = error.message))
  child.once("exit", (code, signal) => void (exited ??= `exited (${code ?? signal})`))
  // Bounded: 200 × (PING timeout ≤ 200 ms + 25 ms).
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exited !== undefined) throw new Error(`redis-server on port ${port} ${exited}: ${stderr}`)
    if (await ping(port)) return child
    await sleep(25)
  }
  child.kill("SIGKILL")
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${stderr}`)
}

/** Kills `child` and waits until it has exited (bounded: 5 s). */
const kill = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(resolve, 5_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill("SIGKILL")
  })

/** Starts a test Redis in the current scope (see the module's doc). */
export const make = (options: { readonly persistent?: boolean } = {}): Effect.Effect<RedisServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = mkdtempSync(join(tmpdir(), "effect-mcp-server-redis-"))
      // A port taken between freePort and the launch: another one (bounded: 5 attempts).
      for (let attempt = 0; ; attempt++) {
        const port = await freePort()
        try {
          const child = await launch(port, dir, options.persistent)
          return { port, dir, child: child as ChildProcess | undefined }
        } catch (error) {
          if (attempt >= 4) {
            rmSync(dir, { recursive: true, force: true })
            throw error
          }
        }
      }
    }).pipe(Effect.map((state) => {
      // The server never outlives the test process, even when the scope is not closed.
      const onExit = () => state.child?.kill("SIGKILL")
      process.once("exit", onExit)
      const server: RedisServer & { readonly release: Effect.Effect<void> } = {
        port: state.port,
        url: `redis://127.0.0.1:${state.port}`,
        running: () => state.child !== undefined,
        stop: Effect.promise(async () => {
          const child = state.child
          state.child = undefined
          if (child !== undefined) await kill(child)
        }),
        start: Effect.promise(async () => {
          if (state.child === undefined) state.child = await launch(state.port, state.dir, options.persistent)
        }),
        freeze: Effect.sync(() => void state.child?.kill("SIGSTOP")),
        thaw: Effect.sync(() => void state.child?.kill("SIGCONT")),
        release: Effect.promise(async () => {
          process.removeListener("exit", onExit)
          const child = state.child
          state.child = undefined
          if (child !== undefined) await kill(child)
          rmSync(state.dir, { recursive: true, force: true })
        })
      }
      return server
    })),
    (server) => server.release
  )

/**
 * A node-redis client on `url` as the `Redis` service, for the current scope: commands fail at
 * once while the server is down (`disableOfflineQueue`), as `RedisStores.layer` sets it up.
 */
export const redisClient = (url: string): Layer.Layer<Redis.Redis, Redis.RedisError> =>
  NodeRedis.layer({ url, disableOfflineQueue: true })

/** A key prefix no other test uses (tests share one Redis per file). */
export const uniquePrefix = (): string => `test-${randomBytes(6).toString("hex")}:`

/** The commands a test Redis runs, as `MONITOR` shows them (one line each), from when it is made. */
export interface Monitor {
  /** How many of the lines seen so far include `text`. */
  readonly count: (text: string) => number
  /** Waits until `count(text)` reaches `times` (checked every 10 ms); dies past `timeoutMillis`. */
  readonly until: (text: string, times: number, timeoutMillis?: number) => Effect.Effect<void>
}

/**
 * Watches what the Redis on `port` runs (`MONITOR` on a raw socket of its own, closed with the
 * scope), for tests that must wait until a server has made a call (not sleep and hope it has).
 */
export const monitor = (port: number): Effect.Effect<Monitor, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.promise(() =>
        new Promise<{ readonly socket: ReturnType<typeof connect>; readonly lines: Array<string> }>((resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port })
          const lines: Array<string> = []
          let pending = ""
          let started = false
          socket.once("error", reject)
          socket.on("data", (chunk) => {
            pending += chunk.toString("latin1")
            const parts = pending.split("\r\n")
            pending = parts.pop()!
            for (const line of parts) {
              if (!started && line === "+OK") {
                started = true
                resolve({ socket, lines })
              } else lines.push(line)
            }
          })
          socket.once("connect", () => socket.write("MONITOR\r\n"))
        })
      ),
      ({ socket }) => Effect.sync(() => socket.destroy())
    ),
    ({ lines }) => {
      const count = (text: string) => lines.reduce((n, line) => line.includes(text) ? n + 1 : n, 0)
      return {
        count,
        until: (text, times, timeoutMillis = 5_000) =>
          Effect.promise(async () => {
            // Bounded: timeoutMillis / 10 checks.
            for (let i = 0; i * 10 < timeoutMillis; i++) {
              if (count(text) >= times) return
              await sleep(10)
            }
            throw new Error(`Redis did not run ${times} × ${text} within ${timeoutMillis} ms (${count(text)} seen)`)
          })
      }
    }
  )
