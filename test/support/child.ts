/**
 * Node child processes for tests: `node <script> …args` on the Node running the tests (which
 * strips a `.ts` script's types), its output collected as it comes, its stdout read as JSON lines
 * where it speaks JSON-RPC over stdio, its exit awaited within a bound. What the e2e, HTTP, CLI,
 * Redis and extension tests that run a server (or the CLI) as a real process share. Every wait is
 * bounded.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import type { Socket } from "node:net"
import "./compileCache.ts"

/** How a child exited: its exit code, or the signal that ended it. */
export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface NodeChildOptions {
  /** Its working directory (default: this process's). */
  readonly cwd?: string | undefined
  /** Its whole environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv | undefined
  /**
   * Its stdin: a pipe to write to (the default), none, or a socket of the test's own (connected:
   * its descriptor is given to the child; the test writes to, or resets, its peer).
   */
  readonly stdin?: "pipe" | "ignore" | Socket | undefined
  /** An IPC channel too (`child.send`). */
  readonly ipc?: boolean | undefined
}

/** A running child and what it wrote so far. */
export interface NodeChild {
  readonly child: ChildProcess
  /** Its stdout so far. */
  readonly stdout: () => string
  /** Its stderr so far. */
  readonly stderr: () => string
  /**
   * Its complete stdout lines so far parsed as JSON (a stdio server's JSON-RPC messages, one a
   * line), blank lines skipped; throws on a line that is not JSON.
   */
  readonly messages: () => ReadonlyArray<any>
  /** Writes `message` on its stdin as one JSON line. */
  readonly send: (message: unknown) => void
  /** How it exited (at once if it already has), or `undefined` if it still runs after `millis`. */
  readonly exited: (millis: number) => Promise<Exited | undefined>
  /**
   * Looks at `found` every 10 ms until it gives something other than `undefined` or `false`, at
   * most `millis`, or until the child is gone and all its output read (then one last look). What
   * it gave, or `undefined`.
   */
  readonly until: <A>(found: () => A | undefined | false, millis: number) => Promise<A | undefined>
}

/** Kills `child` with SIGKILL if it still runs. */
export const kill = (child: ChildProcess): void => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

/**
 * Starts `node script …args`, not tied to a scope: the caller kills it (see {@link spawnNode} for
 * one killed with the test's scope).
 */
export const startNode = (script: string, args: ReadonlyArray<string> = [], options: NodeChildOptions = {}): NodeChild => {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdin ?? "pipe", "pipe", "pipe", ...(options.ipc === true ? ["ipc" as const] : [])]
  })
  // A write after the child exited is an EPIPE on stdin: ignored here (the test sees the exit),
  // never an unhandled 'error' that fails the run outside any test.
  child.stdin?.on("error", () => {})
  let stdout = ""
  let stderr = ""
  let gone = false
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const exit = new Promise<Exited>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
  // `close` comes after `exit`, once the child's output pipes are read to their end.
  child.once("close", () => (gone = true))

  const parsed: Array<any> = []
  let parsedUpTo = 0
  const messages = () => {
    const end = stdout.lastIndexOf("\n") + 1
    if (end > parsedUpTo) {
      const more = stdout.slice(parsedUpTo, end - 1).split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line))
      // One push per line: a spread of ~100,000 lines or more overflows the call stack.
      for (const message of more) parsed.push(message)
      parsedUpTo = end
    }
    return parsed
  }

  const exited = (millis: number) =>
    new Promise<Exited | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), millis)
      void exit.then((exited) => {
        clearTimeout(timer)
        resolve(exited)
      })
    })

  const until = async <A>(found: () => A | undefined | false, millis: number): Promise<A | undefined> => {
    const deadline = Date.now() + millis
    for (let i = 0; i <= millis / 10 && Date.now() < deadline && !gone; i++) {
      const value = found()
      if (value !== undefined && value !== false) return value
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const value = found()
    return value === false ? undefined : value
  }

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    messages,
    send: (message) => void child.stdin!.write(`${JSON.stringify(message)}\n`),
    exited,
    until
  }
}

/**
 * Starts `node script …args` in the test's scope: when the scope closes it is killed with SIGKILL
 * if it still runs, and its exit awaited (5 s at most).
 */
export const spawnNode = (
  script: string,
  args: ReadonlyArray<string> = [],
  options: NodeChildOptions = {}
): Effect.Effect<NodeChild, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => startNode(script, args, options)),
    (running) =>
      Effect.promise(() => {
        kill(running.child)
        return running.exited(5_000)
      })
  )

/**
 * The port an HTTP child given port 0 listens on, read from the line it logs once it listens (the
 * endpoint's "MCP over Streamable HTTP at http://127.0.0.1:N/mcp", or at another host, or a router's own "Listening on
 * http://127.0.0.1:N"; on stdout or stderr), `millis` at most (`undefined` if no such line came).
 * The child picks its port: no other test (cases run concurrently, files in parallel workers) can
 * be handed it first, as one picked beforehand with `freePort` could, and a request then reach
 * another server.
 */
export const listeningPort = async (
  running: Pick<NodeChild, "until" | "stdout" | "stderr">,
  millis = 20_000
): Promise<number | undefined> => {
  // Any host: the URL names the one requests must name (`localhost` among --allowed-hosts, `[::1]`).
  const listening = /(?:MCP over Streamable HTTP at|Listening on) http:\/\/(?:\[[^\]\s]*\]|[^/:\s]+):(\d+)/
  const port = await running.until(() => listening.exec(running.stdout() + running.stderr())?.[1], millis)
  return port === undefined ? undefined : Number(port)
}
