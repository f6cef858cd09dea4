/**
 * Driving the `effect-mcp` CLI as a child process (`node src/cli/bin.ts …` on the Node running the
 * tests): one-shot commands with their exit code and output, long-running ones as scoped
 * children killed when the test ends, temporary server modules outside the repository; and, for
 * the cases that check only what the command line says before a module loads (parsing, checks,
 * help, errors), the same command run in the test's process ({@link cliInProcess}: a spawned CLI
 * costs Node's start and the CLI's loading, a second or more each). Every wait is bounded; servers
 * listen on 127.0.0.1 only.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as References from "effect/References"
import { execFile } from "node:child_process"
import { Console as NodeConsole } from "node:console"
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Writable } from "node:stream"
import { fileURLToPath, pathToFileURL } from "node:url"
// Loaded with the test file (its loading is not any case's time).
import { program } from "../../src/cli/Cli.ts"
import { kill, type NodeChild, spawnNode } from "../support/child.ts"
import { freePort } from "../support/ports.ts"

export { freePort }

export const root = fileURLToPath(new URL("../../", import.meta.url))

/**
 * How long a wait for a CLI (or the server it starts) to come up may last: 60 s. A start is a
 * second or two of CPU, but on two cores under a load of 18 (the suite's workers, other work) the
 * CLI's watchers, its server and its URL were seen past 15 s, the bound before. The bound of a wait
 * that ends as soon as the condition holds: no slower on a quiet machine. The tests' own timeouts
 * were scaled by the same factor (4) for the waits they add up.
 */
export const startBound = 60_000
/** The CLI's script, as the tests run it (Node 24 strips its types). */
export const bin = join(root, "src/cli/bin.ts")
export const example = (name: string): string => join(root, "examples", name)

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `effect-mcp ...args` to its end (killed after `timeout` ms, by default {@link startBound}). */
export const cli = (
  args: ReadonlyArray<string>,
  options: {
    readonly cwd?: string
    readonly env?: NodeJS.ProcessEnv
    readonly timeout?: number
    /** The signal that ends it after `timeout` (default SIGTERM, which a CLI draining may outlive). */
    readonly killSignal?: NodeJS.Signals
    /** Node's flags before the script (`--import`, {@link brokenImport}). */
    readonly nodeArgs?: ReadonlyArray<string>
  } = {}
) =>
  Effect.promise(() =>
    new Promise<Result>((resolve) => {
      const child = execFile(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
        cwd: options.cwd ?? root,
        env: options.env ?? process.env,
        timeout: options.timeout ?? startBound,
        killSignal: options.killSignal ?? "SIGTERM",
        maxBuffer: 16 * 1024 * 1024
      }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : child.exitCode
        resolve({ code, stdout, stderr })
      })
      child.stdin?.end()
    })
  )

/**
 * A module hook for `node --import` that fails the resolution of the specifier the variable
 * `EFFECT_MCP_BROKEN` names ("simulated: <specifier> is not there"): a module of the CLI that
 * cannot be imported (a file missing from an installation, a peer dependency absent).
 */
export const brokenImport = `data:text/javascript,${
  encodeURIComponent(`
import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) {
  if (specifier === process.env.EFFECT_MCP_BROKEN) throw new Error("simulated: " + specifier + " is not there")
  return next(specifier, context)
} })
`)
}`

/** Runs `effect-mcp ...args` (30 s at most) with the import of `specifier` failing ({@link brokenImport}), colours off. */
export const cliWithBrokenImport = (args: ReadonlyArray<string>, specifier: string) =>
  cli(args, { nodeArgs: ["--import", brokenImport], env: { ...process.env, EFFECT_MCP_BROKEN: specifier, NO_COLOR: "1" }, timeout: 30_000 })

/**
 * Runs `effect-mcp ...args` in this process (`Cli.program`, as `bin.ts` runs it, without Node's
 * start and the CLI's loading): for the cases that check only what the command line says (its
 * parsing and checks, help, the errors told before a module loads or a server starts). What it
 * writes on stdout and stderr is captured (through `process.stdout` and `process.stderr`, Effect's
 * `Console` or the global console), and its exit code is the one the process would end
 * with (0 when it set none). `env`: the `MCP_HTTP_*` variables it reads (as Effect `Config`) on
 * top of this process's environment. At most `timeout` ms (a case that reached a server would
 * serve on), then interrupted: its code is `null` then, as a killed CLI's is. Node's flags
 * (`process.execArgv`, which `install` writes into its entries and `dev` passes to its server) are
 * those of the spawned CLI, none (`node bin.ts`), not the test worker's. The spawned CLI is still
 * tested end to end ({@link cli}) by a few cases of each command.
 */
export const cliInProcess = (
  args: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string>
    readonly timeout?: number
    /**
     * Ends it (interrupted, its code `null`, as a killed CLI's) as soon as this holds of what it
     * wrote so far (checked every 25 ms): for a case that reaches a server, which serves on, and
     * checks what it said once it serves, without a fixed time that a loaded machine outlasts.
     */
    readonly until?: (output: Omit<Result, "code">) => boolean
  } = {}
): Effect.Effect<Result> =>
  Effect.suspend(() => {
    const captured = { stdout: "", stderr: "" }
    const capture = (stream: "stdout" | "stderr") =>
      new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          captured[stream] += String(chunk)
          callback()
        }
      })
    const stdout = capture("stdout")
    const stderr = capture("stderr")
    const writes = { stdout: process.stdout.write, stderr: process.stderr.write }
    // The global console too, as the spawned CLI's writes on its stdout and stderr: the test
    // runner's own (vitest's, in a worker) sends what it is given to the runner, captured by no
    // one here, so that what the CLI, the library or a module wrote with it (a warning, a
    // `console.log` that `inspect` sends to stderr) was in neither output, and a case's
    // `stderr === ""` could not fail on it. `run --stdio`, `inspect` and `install` replace its
    // stdout methods (to stderr) before a module loads: they replace this one's, dropped after.
    const capturing = new NodeConsole({ stdout, stderr })
    const globalConsole = globalThis.console
    const exitCode = process.exitCode
    const execArgv = process.execArgv
    return Effect.sync(() => {
      process.exitCode = undefined
      process.execArgv = []
      process.stdout.write = stdout.write.bind(stdout) as typeof process.stdout.write
      process.stderr.write = stderr.write.bind(stderr) as typeof process.stderr.write
      globalThis.console = capturing
    }).pipe(
      Effect.andThen(untilSaid(Effect.timeoutOption(program(args), options.timeout ?? 10_000), captured, options.until)),
      Effect.provideService(Console.Console, capturing),
      // As `main` runs it (`runMain`'s `logToStderr`): its logs on stderr, not stdout.
      Effect.provideService(References.LogToStderr, true),
      options.env === undefined ? (self) => self : Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { ...process.env, ...options.env } as Record<string, string> })),
      Effect.map((ended): Result => ({
        code: ended._tag === "None" ? null : Number(process.exitCode ?? 0),
        ...captured
      })),
      Effect.ensuring(Effect.sync(() => {
        process.stdout.write = writes.stdout
        process.stderr.write = writes.stderr
        globalThis.console = globalConsole
        process.exitCode = exitCode
        process.execArgv = execArgv
      }))
    )
  })

/** `run` (bounded), ended as at its bound (`None`: interrupted) once `until` holds of `output`. */
const untilSaid = <A>(
  run: Effect.Effect<Option.Option<A>>,
  output: Omit<Result, "code">,
  until: ((output: Omit<Result, "code">) => boolean) | undefined
): Effect.Effect<Option.Option<A>> => {
  if (until === undefined) return run
  const said = Effect.gen(function*() {
    while (!until(output)) yield* Effect.sleep(25)
    return Option.none<A>()
  })
  return Effect.raceFirst(run, said)
}

/**
 * {@link cliInProcess} for a command that loads a module and ends by itself (`inspect`, `install`):
 * for the cases that check what it prints or writes for a module that loads, where a spawned CLI
 * was Node's start and the CLI's and the library's loading (a second or more of CPU) each time.
 * The module loads once in this process (imported once): a run after its file changed is refused
 * (a defect naming it), not run on the old module; a case that checks what a module
 * does as it loads, or what depends on the process (its environment, Node's flags, its working
 * directory, signals), spawns the CLI ({@link cli}). Bounded by {@link startBound}, as a spawned
 * CLI's run is: the first run here loads the module and the library.
 */
export const cliInProcessLoading = (args: ReadonlyArray<string>): Effect.Effect<Result> =>
  Effect.suspend(() => {
    // The module is imported once here: a second run after it changed would describe the old one
    // (a spawned CLI reads it anew). Refused, said, rather than checked stale.
    for (const arg of args) {
      if (!/\.[mc]?[jt]s$/.test(arg)) continue
      const path = resolve(arg)
      const source = existsSync(path) ? readFileSync(path, "utf8") : undefined
      if (source === undefined) continue
      const before = importedSources.get(path)
      if (before !== undefined && before !== source) {
        return Effect.die(
          new Error(`cliInProcessLoading: ${path} changed since this process imported it (a second import is the cached module): write the change to another file, or spawn the CLI (cli)`)
        )
      }
      importedSources.set(path, source)
    }
    return cliInProcess(args, { timeout: startBound })
  })

/** The modules {@link cliInProcessLoading} ran with, by path: their source then. */
const importedSources = new Map<string, string>()

/** A running CLI with its output so far. */
export interface Running extends Omit<NodeChild, "exited"> {
  /** Resolves with the exit code (`null` when killed by a signal), or `undefined` after `millis`. */
  readonly exited: (millis: number) => Promise<number | null | undefined>
}

/** Starts `effect-mcp ...args` in the scope; SIGKILLed when the scope closes, if still running. */
export const spawnCli = (args: ReadonlyArray<string>, options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}) =>
  Effect.map(
    spawnNode(bin, args, { cwd: options.cwd ?? root, env: options.env }),
    (running): Running => ({ ...running, exited: (millis) => running.exited(millis).then((exited) => exited?.code) })
  )

/** Waits (polling every 25 ms, at most `millis`: {@link startBound} by default) until `condition` holds; fails naming `what`. */
export const waitUntil = (condition: () => boolean, what: string, millis = startBound) =>
  Effect.promise(async () => {
    const started = Date.now()
    while (!condition()) {
      if (Date.now() - started > millis) throw new Error(`timed out after ${millis} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  })

/**
 * A temporary folder outside the repository, removed when the scope closes. Its `node_modules`
 * links to the repository's (so `effect` resolves to the copy the library uses); modules import
 * the library by its absolute file URL ({@link library}).
 */
export const tempProject = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "effect-mcp-cli-"))
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir")
    return dir
  }),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** The library's root entry, as an import specifier usable from anywhere. */
export const library = pathToFileURL(join(root, "src/index.ts")).href

/** Writes `source` to `dir/name`; returns its path. */
export const writeModule = (dir: string, name: string, source: string): string => {
  const path = join(dir, name)
  writeFileSync(path, source)
  return path
}

/** An SDK v1 client over Streamable HTTP at `url`, closed with the scope. */
export const httpClient = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Client({ name: "cli-test", version: "1.0.0" })
      await client.connect(new StreamableHTTPClientTransport(new URL(url)))
      return client
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

/** Whether something answers HTTP at `url` (any status). */
export const answers = (url: string): Promise<boolean> =>
  fetch(url, { method: "GET", signal: AbortSignal.timeout(1_000) }).then(() => true, () => false)

/**
 * A module whose loading never ends: it says so on stderr, then awaits a promise that never
 * settles (a timer keeps the event loop busy, so the process waits instead of stalling). A signal
 * is sent once `loading` is on stderr.
 */
export const hangingModule = {
  loading: "hanging: loading",
  source: `console.error("hanging: loading")
await new Promise(() => setInterval(() => {}, 60_000))
export default {}
`
}

/** Sends `signal` to a CLI once it is loading {@link hangingModule}; resolves with its exit code (`undefined`: still running after 30 s). */
export const interruptWhileLoading = (running: Running, signal: NodeJS.Signals) =>
  Effect.gen(function*() {
    yield* waitUntil(() => running.stderr().includes(hangingModule.loading), "the module to start loading")
    running.child.kill(signal)
    // A CLI that ignored the signal would run for ever: 30 s (it was 15 s) for a loaded machine.
    return yield* Effect.promise(() => running.exited(30_000))
  })

/**
 * Another process (a test of another worker: files run in parallel) took the port an attempt of
 * {@link onFreePort} picked, before its CLI listened on it.
 */
export class PortTaken extends Data.TaggedError("PortTaken")<{ readonly port: number; readonly stderr: string }> {}

/** Whether `running` said `port` is in use (dev's own check at its start, or its server's listen). */
export const saysPortTaken = (running: Running, port: number): boolean =>
  running.stderr().includes(`port ${port} on `) && running.stderr().includes("is already in use")

/**
 * For a CLI that must be given its port beforehand (`dev` keeps it across restarts; a test of
 * `MCP_HTTP_PORT` names it): `attempt` on a port picked with `freePort`, run again from the start
 * on another port (3 tries at most) when it fails with {@link PortTaken} (see
 * {@link waitListening}). Where the CLI may pick its port, give it `--port 0` and read it with
 * `listeningPort` instead.
 */
export const onFreePort = <A, E, R>(attempt: (port: number) => Effect.Effect<A, E, R>, tries = 3): Effect.Effect<A, E | PortTaken, R> =>
  againWhenTaken(Effect.flatMap(Effect.promise(freePort), attempt), tries)

/**
 * `attempt` run again from the start (3 tries at most) when it fails with {@link PortTaken}: for a
 * CLI that picks its port itself but listens on it only later (`dev --port 0` keeps the port it
 * picked across restarts: another process may take it in between), as {@link onFreePort} does for
 * a port the test picks.
 */
export const againWhenTaken = <A, E, R>(attempt: Effect.Effect<A, E, R>, tries = 3): Effect.Effect<A, E | PortTaken, R> =>
  Effect.catch(attempt, (error) => error instanceof PortTaken && tries > 1 ? againWhenTaken(attempt, tries - 1) : Effect.fail(error))

/**
 * {@link waitUntil} `condition`, unless `running` says first that `port` is taken (another process
 * listens on it: a request would reach that one): it is killed, and the wait fails with
 * {@link PortTaken} (for {@link onFreePort} to try another port).
 */
export const waitListening = (running: Running, port: number, condition: () => boolean, what: string, millis = startBound) =>
  Effect.flatMap(waitUntil(() => condition() || saysPortTaken(running, port), what, millis), () => {
    // Taken first, whatever else holds (dev's own check fails: it exits).
    if (!saysPortTaken(running, port)) return Effect.void
    kill(running.child)
    return Effect.fail(new PortTaken({ port, stderr: running.stderr() }))
  })
