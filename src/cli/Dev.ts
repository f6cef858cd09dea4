/**
 * Development mode: `effect-mcp dev <file>` serves the module over Streamable HTTP in a child
 * process and restarts it when a file changes.
 *
 * - **Child**: `node <the CLI> run <file> --http --port 0 --host 127.0.0.1` (and dev's `--log-level`),
 *   with this process's Node, Node flags and environment (its `MCP_HTTP_*` variables included),
 *   so the server runs exactly as `effect-mcp run` runs it (and a fresh process loads
 *   the changed modules: Node's module cache cannot be emptied in place). Its stdin is a pipe from
 *   this process, never written to: when this process ends, however it ends (SIGKILL included),
 *   the child reads end-of-file and drains (`--exit-with-stdin`, see `Run.exitWithStdin`): no
 *   orphan lives on.
 * - **The port** is `dev`'s for its whole life: it listens there itself and relays each
 *   connection to the current child, which listens on a loopback port of its own choosing
 *   (`127.0.0.1`, port 0) and tells it on descriptor 3 once it serves (`run --report-port`,
 *   whatever the log level; its listening line, on stderr, names `dev`'s address). A connection
 *   that comes while no child serves (a restart, a module that does not load) is held until one
 *   does: at most {@link Relay.maxHeld} of them, each at most `holdTimeout` (30 s), then closed (said on
 *   stderr, once while no server accepts); one whose client gives up is dropped at once. A child
 *   that has not told its port after `startNotice` (10 s) is said on stderr, and waited for. So no
 *   request is refused during a restart, and no other process can take a port meanwhile. The
 *   server sees every request come from the loopback (`MCP_HTTP_MAX_SESSIONS_PER_ADDRESS` counts
 *   them as one).
 * - **Restart**: on a change new connections are held, the requests relayed get their answers
 *   begun (at most {@link settleMillis}), then the child gets SIGTERM, which drains it
 *   (in-flight requests finish), and the next child starts once it has exited; a child still
 *   running after `shutdownTimeout` is killed. A keep-alive connection relayed to the old child
 *   goes to the next one with its next request, and stays open when the old child closes it
 *   (see `Relay.make`): the draining child's 503 is not seen. Changes are debounced (an editor's
 *   save is several events).
 * - **Watched**: the module's folder (and, for a module reached through a symlink, the real file's
 *   folder, where Node runs it from) and its subfolders, except `node_modules`, `dist`, `build`,
 *   `coverage` and folders whose name starts with a dot, plus any `--watch` folders; only module
 *   and JSON files (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`, `.json`) count. A folder made
 *   later is watched as it appears (its module files count as changed), one removed no longer; a
 *   removed `--watch` folder (or the module's) is watched again once it is there again;
 *   at most 1,000 folders are watched, and dev says so on stderr when there are more.
 * - **Failures**: a child that exits by itself (a syntax error) or is killed by a signal (the OOM
 *   killer) is reported, and the next change starts a new one; connections meanwhile are held for
 *   it (as during a restart).
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import type * as LogLevel from "effect/LogLevel"
import * as Path from "effect/Path"
import * as Queue from "effect/Queue"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { lstatSync, readdirSync } from "node:fs"
import { createServer, type Server } from "node:net"
import * as GracefulShutdown from "../session/GracefulShutdown.ts"
import { listeningUrl } from "../transport/http/internal/guards.ts"
import * as DevTimes from "./internal/devTimes.ts"
import * as Relay from "./internal/relay.ts"

/**
 * `dev`'s listener on `port` (any free one for 0: `dev --port 0` picks one and keeps it), open
 * until the scope closes. Fails as listening fails (`EADDRINUSE`: another process holds `port`;
 * `EADDRNOTAVAIL`, `EACCES`): `dev` says so and stops before it starts a server. Its connections
 * are paused until relayed (see {@link Options.listener}).
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const listen = (host: string, port: number): Effect.Effect<Server, NodeJS.ErrnoException, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Server, NodeJS.ErrnoException>((resume) => {
      const server = createServer({ pauseOnConnect: true, allowHalfOpen: true })
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(port, host, () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.sync(() => server.close())
  )

/**
 * What `dev` serves and how it starts the server.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** The server module (absolute path). */
  readonly file: string
  readonly host: string
  readonly port: number
  /**
   * `dev`'s listener on `host` and `port` (see {@link listen}), whose connections are relayed to
   * the server; default: one made here (a port another process holds is then a defect).
   */
  readonly listener?: Server | undefined
  /**
   * `true`: the server without sessions (`run --stateless`); `false`: with sessions, whatever
   * `MCP_HTTP_STATELESS` says (`run --no-stateless`); not given: as `MCP_HTTP_STATELESS` says.
   */
  readonly stateless?: boolean | undefined
  /** The host names requests may name (`run --allowed-hosts`); default: the loopback names. */
  readonly allowedHosts?: ReadonlyArray<string> | "any" | undefined
  /**
   * The endpoint's path, for the URL printed (the server reads it from `MCP_HTTP_PATH`, as it reads
   * the other `MCP_HTTP_*` variables in the environment it inherits); default `/mcp`.
   */
  readonly path?: `/${string}` | undefined
  /** The server's minimum log level (`--log-level`); default: `run`'s. */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /** More folders to watch (absolute paths). */
  readonly watch: ReadonlyArray<string>
  /** How to start the CLI in the child: the Node, its flags, the CLI's script. */
  readonly command: { readonly node: string; readonly nodeArgs: ReadonlyArray<string>; readonly bin: string }
  /**
   * How long a draining child may take before it is killed. Default 30 seconds. 0 or more (0: killed
   * at once; infinite: it is waited for), as a session's `shutdownTimeoutMillis` (else {@link InvalidTime}).
   */
  readonly shutdownTimeout?: Duration.Input | undefined
  /** Quiet time after a change before restarting. Default 150 ms. Finite, 0 or more (else {@link InvalidTime}). */
  readonly debounce?: Duration.Input | undefined
  /**
   * How long a connection that comes while no server accepts (a restart, a server still starting)
   * is held for one, at most, before it is closed. Default 30 seconds. A whole number of
   * milliseconds from 1, as `MCP_DEV_HOLD_MILLIS` (else {@link InvalidTime}).
   */
  readonly holdTimeout?: Duration.Input | undefined
  /**
   * How long a server may take to start listening before dev says so on stderr (it goes on
   * waiting for it). Default 10 seconds. A whole number of milliseconds from 1, as
   * `MCP_DEV_START_NOTICE_MILLIS` (else {@link InvalidTime}).
   */
  readonly startNotice?: Duration.Input | undefined
}

/**
 * A time of {@link Options} that `dev` cannot use. `holdTimeout` and `startNotice` follow the rule
 * of `MCP_DEV_HOLD_MILLIS` and `MCP_DEV_START_NOTICE_MILLIS`: a whole number of milliseconds from 1
 * (a hold of 0 closed every held connection as it came), not 0, negative, `NaN`, infinite, a
 * fraction of a millisecond, or no duration at all. `shutdownTimeout` must be 0 or more (infinite:
 * the drain is waited for) and `debounce` finite, 0 or more: not negative, `NaN` (a shutdown time
 * of `NaN` killed every server at its restart, undrained), or no duration at all. {@link run}
 * fails with it before it listens or starts anything.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class InvalidTime extends Data.TaggedError("InvalidTime")<{
  /** The option, as {@link Options} names it. */
  readonly option: "holdTimeout" | "startNotice" | "shutdownTimeout" | "debounce"
  /** Why (`must be a whole number of milliseconds from 1, got 0 ms`). */
  readonly reason: string
}> {
  override get message(): string {
    return `Dev.run: ${this.option} ${this.reason}`
  }
}

/**
 * The Inspector command for an HTTP endpoint.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const inspectorCommand = (url: string): string =>
  `npx @modelcontextprotocol/inspector --transport http --server-url ${url}`

/**
 * Serves `options.file` in a child process, restarted on every change, until interrupted (the
 * child is then drained and stopped). Fails with {@link InvalidTime} at once, before it listens,
 * when one of its times is one it cannot use.
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const run = Effect.fnUntraced(function*(options: Options) {
  // Checked first, by the rule of their variables (DevTimes): a bad one opens no port.
  const holdMillis = yield* timeOf("holdTimeout", options.holdTimeout, DevTimes.holdMillis)
  const startMillis = yield* timeOf("startNotice", options.startNotice, DevTimes.startNoticeMillis)
  const shutdownMillis = yield* timeOf("shutdownTimeout", options.shutdownTimeout, DevTimes.shutdownMillis)
  const debounceMillis = yield* timeOf("debounce", options.debounce, DevTimes.debounceMillis)
  const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const listener = options.listener ?? (yield* Effect.orDie(listen(options.host, options.port)))
  const port = portOf(listener)
  // A URL that answers: under a name the Host check accepts (`localhost` for a server on every interface).
  const { note, refused, url } = listeningUrl(
    `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
    options.path ?? "/mcp",
    { allowedHosts: options.allowedHosts }
  )
  const notListening = notListeningFor(startMillis, holdMillis)
  const relay = Relay.make(listener, holdMillis)
  yield* Effect.addFinalizer(() => Effect.sync(relay.close))
  /** The server's listening line (on its own port) names dev's address, the one to use. */
  const announced = `MCP over Streamable HTTP at ${url}${note === undefined ? "" : ` (${note})`}`
  const args = [
    ...options.command.nodeArgs,
    options.command.bin,
    "run",
    options.file,
    "--http",
    // A port of its own choosing, told on descriptor 3 once it serves (see Run.Mode's
    // reportPortTo): none picked here, which another process could take before the server listens.
    "--port",
    "0",
    "--report-port",
    String(reportFd),
    "--host",
    Relay.loopback,
    ...(options.allowedHosts === undefined
      ? []
      : ["--allowed-hosts", options.allowedHosts === "any" ? "any" : options.allowedHosts.join(",")]),
    // False said too: the server inherits MCP_HTTP_STATELESS, which a flag not given leaves in force.
    ...(options.stateless === undefined ? [] : [options.stateless ? "--stateless" : "--no-stateless"]),
    // The flag's spelling of the level (`Debug` is `debug`).
    ...(options.logLevel === undefined ? [] : ["--log-level", options.logLevel.toLowerCase()]),
    "--exit-with-stdin"
  ]
  const command = ChildProcess.make(options.command.node, args, {
      // A lifeline: this end stays open while this process lives (see Run.exitWithStdin).
      stdin: "pipe",
      stdout: "inherit",
      // Passed on, its listening line naming dev's address.
      stderr: "pipe",
      // Its port, once it serves.
      additionalFds: { [`fd${reportFd}`]: { type: "output" } },
      killSignal: "SIGTERM",
      forceKillAfter: Duration.millis(shutdownMillis)
    })
  // What the servers say is read here until dev has stopped the last one (its drain says what it
  // does): this scope closes after it (a finalizer added before the one that stops it, closed after).
  const outputs = yield* Scope.make()
  yield* Effect.addFinalizer(() => Scope.close(outputs, Exit.void))

  /**
   * Starts a child in a scope of its own, on a loopback port of its own: closing the scope drains
   * and stops it. Connections are relayed to it once it tells its port (it then serves).
   */
  const start = Effect.gen(function*() {
    const scope = yield* Scope.make()
    const handle = yield* Scope.provide(spawner.spawn(command), scope)
    // Read to its end (past the scope's close: the child's drain says what it does), in `outputs`.
    const decoder = new TextDecoder()
    yield* Effect.forkIn(
      Stream.runForEach(handle.stderr, (chunk) =>
        Effect.sync(() => void process.stderr.write(decoder.decode(chunk, { stream: true }).replace(ownLine, announced)))).pipe(
          Effect.ignore
        ),
      outputs
    )
    let ended = false
    /** The port it told, once it serves. */
    let port: number | undefined
    // Relayed to once it tells its port (its module loaded, its components built, it listens); not
    // if it ends first (its descriptor closes untold), nor once a change came meanwhile (see
    // `Relay.hold`: traffic went back to a server stopping). Nothing is polled meanwhile: a server
    // that hangs at its start is said once, after `startMillis`, and waited for.
    const since = relay.holds
    yield* Effect.forkIn(
      Effect.gen(function*() {
        const slow = yield* Effect.forkChild(Effect.andThen(
          Effect.sleep(startMillis),
          Effect.suspend(() => ended || since !== relay.holds ? Effect.void : Console.error(notListening))
        ))
        const told = yield* reportedPort(handle.getOutputFd(reportFd))
        yield* Fiber.interrupt(slow)
        if (ended || told === undefined) return
        port = told
        relay.to(told, since)
      }),
      scope
    )
    // Interrupted first when the scope closes (a restart, dev's end): only an end of its own is told.
    yield* Effect.forkIn(
      handle.exitCode.pipe(
        // Ended by itself (a crash): connections are held for the next server, not sent to its port.
        Effect.ensuring(Effect.sync(() => {
          ended = true
          if (port !== undefined) relay.gone(port)
        })),
        Effect.matchEffect({
          onSuccess: (code) =>
            code === 0 ? Effect.void : Console.error(`effect-mcp dev: the server exited with code ${code}; waiting for a change to restart it`),
          // Killed by a signal (the OOM killer's SIGKILL, a crash's SIGSEGV): the exit code fails.
          onFailure: (error) => Console.error(`effect-mcp dev: the server ${endedBy(error)}; waiting for a change to restart it`)
        }),
        Effect.ignore
      ),
      scope
    )
    return scope
  })

  // The note says why the URL is not the address given (`listening on 0.0.0.0`), or, when no
  // allowed name reaches the server, that the URL as printed is refused and which names are not.
  yield* Console.error(
    `effect-mcp dev: serving ${path.relative(process.cwd(), options.file) || options.file} at ${url}` +
      `${note === undefined ? "" : ` (${note})`}, restarted on changes\n` +
      `  inspect it with: ${inspectorCommand(url)}` +
      (refused
        ? `\n  its host ${new URL(url).hostname} is not an allowed host (403): ${note}, through a name that reaches this address (a proxy, or the name of this machine)`
        : "")
  )
  let current = yield* start
  yield* Effect.addFinalizer(() => Effect.suspend(() => Scope.close(current, Exit.void)))
  // A server runs: a signal from now on stops it as a drain (the child drains, exit 0), not as an
  // interruption of a program that never served (see `GracefulShutdown.runMain`).
  yield* GracefulShutdown.markServing

  // A module reached through a symlink is run from its real path (Node resolves the main module's
  // links, and its imports from there): the real file's folder is watched too, where its edits and
  // those of the modules beside it are seen (the link's folder sees only the link).
  const real = yield* fs.realPath(options.file).pipe(Effect.orElseSucceed(() => options.file))
  const roots = [...new Set([path.dirname(options.file), path.dirname(real), ...options.watch].map((root) => path.resolve(root)))]
  const listed = yield* foldersUnder(roots, path, maxFolders)
  const scope = yield* Effect.scope
  /** The changed files, as the watchers see them (and the files of folders made later, found as they are). */
  const changed = yield* Queue.unbounded<string>()
  /** The folders watched, each with its watcher (a token: its fiber is set once forked). */
  const watched = new Map<string, { fiber?: Fiber.Fiber<void> }>()
  let toldCap = listed.capped
  const tellCap = (folder: string) =>
    Effect.suspend(() => {
      if (toldCap) return Effect.void
      toldCap = true
      return Console.error(
        `effect-mcp dev: ${maxFolders} folders are watched, the most it watches: ${path.relative(process.cwd(), folder) || folder} ` +
          `and the folders made from now on are not (a change there restarts nothing)`
      )
    })
  const worthWatching = (file: string) => watchedExtensions.has(path.extname(file)) && !path.basename(file).startsWith(".")

  /**
   * Watches `folder` (once; not past {@link maxFolders}), until it is removed; resolves once its
   * watcher is installed (or could not be: a folder removed meanwhile is left alone).
   */
  const watchFolder = (folder: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (watched.has(folder)) return Effect.void
      if (watched.size >= maxFolders) return tellCap(folder)
      const token: { fiber?: Fiber.Fiber<void> } = {}
      watched.set(folder, token)
      const ready = Deferred.makeUnsafe<void>()
      const watching = fs.watch(folder, { onReady: () => Deferred.doneUnsafe(ready, Exit.void) }).pipe(
        Stream.runForEach((event) => seen(folder, event, token)),
        Effect.catch((error) =>
          error.reason._tag === "NotFound"
            ? Effect.void
            : Console.error(`effect-mcp dev: ${path.relative(process.cwd(), folder) || folder} is not watched: ${error.message}`)
        ),
        Effect.ensuring(Effect.sync(() => {
          if (watched.get(folder) === token) watched.delete(folder)
        }))
      )
      return Effect.flatMap(Effect.forkIn(watching, scope), (fiber) => {
        token.fiber = fiber
        return Effect.raceFirst(Deferred.await(ready), Fiber.await(fiber))
      })
    })

  /** What a watcher saw: a module file changed; a folder made (watched, with what it holds) or removed (no longer). */
  const seen = (folder: string, event: FileSystem.WatchEvent, token: { fiber?: Fiber.Fiber<void> }): Effect.Effect<void> =>
    Effect.suspend(() => {
      // The watched folder itself removed (its watcher names it, and goes on watching nothing,
      // even once a folder of that name is made again): a folder under a root is forgotten by its
      // parent's watcher; a root (which has none) is forgotten here, and watched again once it is
      // there again (at once when it already is: `rm -rf lib && git checkout lib`). A file of the
      // root's own name removed in it is told the same way: it is watched again, one restart more.
      if (event._tag === "Remove" && event.path === path.basename(folder) && roots.includes(folder)) {
        // Once: the watcher may tell it twice, the second time once the folder is watched again.
        if (watched.get(folder) !== token) return Effect.void
        const fibers = detach(folder)
        return Effect.asVoid(Effect.forkIn(Effect.andThen(Fiber.interruptAll(fibers), rootRemoved(folder)), scope))
      }
      const file = path.resolve(folder, event.path)
      if (worthWatching(file)) Queue.offerUnsafe(changed, file)
      if (event._tag === "Remove") return forget(file)
      if (event._tag === "Create" && worthDescending(path.basename(file)) && isFolder(file)) return madeLater(file)
      return Effect.void
    })

  /**
   * A folder made while dev runs: watched with its subfolders (within {@link maxFolders}); the
   * module files already in them (made with it, as a checkout does, before its watcher was
   * there) count as changed.
   */
  const madeLater = (folder: string) =>
    Effect.gen(function*() {
      const found = yield* foldersUnder([folder], path, maxFolders - watched.size)
      for (const each of found.folders) yield* watchFolder(each)
      if (found.capped) yield* tellCap(folder)
      for (const each of found.folders) {
        for (const entry of yield* entriesOf(each)) {
          const file = path.join(each, entry.name)
          if (entry.isFile() && worthWatching(file)) Queue.offerUnsafe(changed, file)
        }
      }
    })

  /**
   * A removed root (the module's folder, a `--watch` folder: `rm -rf lib && git checkout lib`),
   * which no parent's watcher sees made again: looked for every {@link rootPollMillis}, then
   * watched as a folder made later is (its module files count as changed).
   */
  const rootRemoved = (root: string) =>
    Effect.suspend(() => {
      // Looked for once before it is said: a folder made after the message is found by a later look.
      const back = isFolder(root)
      return Effect.andThen(
        Console.error(`effect-mcp dev: ${path.relative(process.cwd(), root) || root} was removed; it is watched again once it is there`),
        back ? madeLater(root) : Effect.andThen(Effect.sleep(rootPollMillis), madeAgain(root))
      )
    })
  const madeAgain = (root: string): Effect.Effect<void> =>
    Effect.suspend(() => isFolder(root) ? madeLater(root) : Effect.andThen(Effect.sleep(rootPollMillis), madeAgain(root)))

  /**
   * A folder removed: its watcher, and those of the folders under it, end (made again, it is
   * watched again), and a watched one counts as changed. Its own watcher may not tell the removal
   * of its files: a folder moved out of the tree tells none, and one removed whole may have its
   * watcher ended here before that watcher's events are read.
   */
  const forget = (folder: string) =>
    Effect.suspend(() => {
      const fibers = detach(folder)
      if (fibers.length === 0) return Effect.void
      Queue.offerUnsafe(changed, folder)
      return Fiber.interruptAll(fibers)
    })

  /** Forgets `folder` and the folders under it now; returns their watchers' fibers, to interrupt. */
  const detach = (folder: string): Array<Fiber.Fiber<void>> => {
    const under = folder + path.sep
    const fibers: Array<Fiber.Fiber<void>> = []
    for (const [each, token] of watched) {
      if (each !== folder && !each.startsWith(under)) continue
      watched.delete(each)
      if (token.fiber !== undefined) fibers.push(token.fiber)
    }
    return fibers
  }

  // Said once every watcher is installed (or could not be: a folder removed meanwhile).
  yield* Effect.forkIn(
    Effect.andThen(
      Effect.forEach(listed.folders, watchFolder, { concurrency: "unbounded", discard: true }),
      Console.error(
        `effect-mcp dev: watching ${listed.folders.length} folder${listed.folders.length === 1 ? "" : "s"} under ${roots.join(", ")}` +
          (listed.capped
            ? ` (only the first ${maxFolders} folders found, the most it watches: a change in the others restarts nothing; serve a module from a smaller folder tree)`
            : "")
      )
    ),
    scope
  )
  const changes = Stream.fromQueue(changed).pipe(Stream.debounce(Duration.millis(debounceMillis)))

  yield* Stream.runForEach(changes, (file) =>
    Effect.gen(function*() {
      yield* Console.error(`effect-mcp dev: ${path.relative(process.cwd(), file) || file} changed, restarting (in-flight requests finish first)`)
      // Connections from now on wait for the next server (the old one answers only what it has).
      relay.hold()
      // What the server was sent is answered first: a request still in its backlog when it stops
      // listening is reset, one it has not read yet is closed unanswered.
      yield* Effect.promise(() => relay.answered(settleMillis))
      yield* Scope.close(current, Exit.void)
      current = yield* start
    }))
}, Effect.scoped)

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * How a server whose exit code could not be read ended: the signal that killed it, which the
 * spawner's error (its `cause`) names.
 */
const endedBy = (error: { readonly message: string; readonly cause?: unknown }): string => {
  const said = error.cause instanceof Error ? `${error.cause.message} ${error.message}` : error.message
  const signal = /signal: '(SIG[A-Z0-9]+)'/.exec(said)?.[1]
  return signal !== undefined ? `was killed by ${signal}` : `stopped: ${error.message}`
}

/** `option`'s time in milliseconds (`fallback` when not given), or why it cannot be used (its rule: `DevTimes.rules`). */
const timeOf = (option: InvalidTime["option"], input: Duration.Input | undefined, fallback: number): Effect.Effect<number, InvalidTime> => {
  if (input === undefined) return Effect.succeed(fallback)
  const checked = DevTimes.fromInput(input, DevTimes.rules[option])
  return "millis" in checked ? Effect.succeed(checked.millis) : Effect.fail(new InvalidTime({ option, reason: checked.problem }))
}

/** How long a restart waits for the requests sent to the server to be answered, before it drains it. */
const settleMillis = 5_000
/** The child's descriptor it tells its port on (see Run.Mode's `reportPortTo`). */
const reportFd = 3
/** What dev says of a server that has not started listening after `startMillis`, its connections held `holdMillis` each. */
const notListeningFor = (startMillis: number, holdMillis: number): string =>
  `effect-mcp dev: the server did not start listening within ${DevTimes.said(startMillis)} (its module still loading, ` +
  `or its components still being built): requests wait for it (each at most ${DevTimes.said(holdMillis)}) and are relayed ` +
  "to it once it listens; a change restarts it"
/**
 * The server's own listening line (on the loopback port it picked), rewritten to name dev's
 * address: any port (only it logs this line).
 */
const ownLine = /MCP over Streamable HTTP at http:\/\/\S+:\d+\/\S*( \([^)\n]*\))?/g

/** The port a server tells on its descriptor (a line), once it serves; `undefined` when it ends untold. */
const reportedPort = (told: Stream.Stream<Uint8Array, unknown>): Effect.Effect<number | undefined> =>
  told.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.runHead,
    Effect.map((line) => {
      const port = line._tag === "Some" ? Number(line.value) : Number.NaN
      return Number.isSafeInteger(port) && port > 0 && port <= 65535 ? port : undefined
    }),
    Effect.orElseSucceed(() => undefined)
  )

const portOf = (server: Server): number => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}

const watchedExtensions = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"])
const skippedFolders = new Set(["node_modules", "dist", "build", "coverage"])
const maxFolders = 1_000
/** How often a removed root is looked for. */
const rootPollMillis = 250

/** The entries of `folder`; none when it cannot be read (it is then watched, not descended into). */
const entriesOf = (folder: string) =>
  Effect.try(() => readdirSync(folder, { withFileTypes: true })).pipe(Effect.orElseSucceed(() => []))

/** Whether a folder of this name is watched (and descended into). */
const worthDescending = (name: string): boolean => !name.startsWith(".") && !skippedFolders.has(name)

/** Whether `file` is a folder (not a link to one, as when listing). */
const isFolder = (file: string): boolean => {
  try {
    return lstatSync(file).isDirectory()
  } catch {
    return false
  }
}

/**
 * `roots` and their subfolders worth watching (breadth first, at most `max` in all); `capped`
 * when there were more.
 */
const foldersUnder = Effect.fnUntraced(function*(roots: ReadonlyArray<string>, path: Path.Path, max: number) {
  const folders: Array<string> = []
  const seen = new Set<string>()
  const queue = roots.map((root) => path.resolve(root))
  while (queue.length > 0 && folders.length < max) {
    const folder = queue.shift()!
    if (seen.has(folder)) continue
    seen.add(folder)
    folders.push(folder)
    for (const entry of yield* entriesOf(folder)) {
      if (entry.isDirectory() && worthDescending(entry.name)) queue.push(path.join(folder, entry.name))
    }
  }
  return { folders, capped: queue.some((folder) => !seen.has(folder)) }
})
