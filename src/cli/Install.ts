/**
 * Client configurations for a stdio server: `effect-mcp install <client> <file>`.
 *
 * Desktop clients start a stdio server as a command, without the user's shell: no `PATH` from a
 * shell profile, no `npx`, and no Node version manager. The command written here is therefore
 * the absolute path of the Node that runs the CLI (it can load the module: the CLI just did),
 * with the absolute path of the CLI's own script and `run <absolute file> --stdio` as arguments.
 * Each is named by a path that outlives an upgrade where there is one: the Node by a link or a
 * version manager's shim on `PATH` rather than the folder of its version ({@link durableNode}),
 * the script through the project's `node_modules/effect-mcp-server` (see {@link linkedBin}:
 * pnpm's real path names the version), and not in `npx`'s cache ({@link durableBin}); where
 * there is none, `install` says so on stderr.
 *
 * | client | file written | shape |
 * |---|---|---|
 * | `claude-desktop` | `claude_desktop_config.json` (macOS `~/Library/Application Support/Claude/`, Windows `%APPDATA%\Claude\`, Linux `$XDG_CONFIG_HOME/Claude/`, by default `~/.config/Claude/`) | `{ "mcpServers": { name: entry } }` |
 * | `cursor` | `~/.cursor/mcp.json` | `{ "mcpServers": { name: entry } }` |
 * | `mcp-json` | `.mcp.json` in the working directory (Claude Code's project servers, and others) | `{ "mcpServers": { name: entry } }` |
 * | `vscode` | `.vscode/mcp.json` in the working directory | `{ "servers": { name: { "type": "stdio", ...entry } } }` |
 * | `stdio` | none: printed | `entry` = `{ "command", "args", "env"? }` |
 *
 * An existing file is updated in place: the server's entry is added or replaced, every other
 * key is kept; a file that is not a JSON object is refused, never overwritten. An entry replaced
 * keeps its `env` variables (see {@link previousEnv}), those `--env` names set anew.
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Predicate from "effect/Predicate"
import type { ParseError } from "jsonc-parser"
import { execFile } from "node:child_process"
import * as Clients from "./internal/clients.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The clients whose configuration can be written.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export const clients: typeof Clients.clients = Clients.clients

/**
 * A client of {@link clients}.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export type Client = typeof clients[number]

/**
 * How a client starts a stdio server.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export interface StdioEntry {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env?: { readonly [name: string]: string } | undefined
}

/**
 * Where the configuration files are, for {@link configPath}.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export interface Environment {
  readonly platform: NodeJS.Platform
  readonly home: string
  /** `%APPDATA%` on Windows. */
  readonly appData?: string | undefined
  /** `$XDG_CONFIG_HOME` elsewhere (Linux): where Claude Desktop's folder is when it is set (absolute). */
  readonly xdgConfigHome?: string | undefined
  readonly cwd: string
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * The client's configuration file exists but is not a JSON object (or its servers key is not an
 * object): it is left as it is.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class InvalidConfig extends Data.TaggedError("InvalidConfig")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.path} is left unchanged: ${this.reason}; fix it, or print the entry with --print and add it yourself`
  }
}

/**
 * Reading or writing the configuration file failed.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class ConfigWriteFailed extends Data.TaggedError("ConfigWriteFailed")<{
  readonly path: string
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `cannot write ${this.path}: ${reason}`
  }
}

/**
 * The module's server options are refused by the server (`name: ""`, `pageSize: 0`): a client
 * would start a server that fails as it is built, so nothing is printed or written.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class InvalidServerOptions extends Data.TaggedError("InvalidServerOptions")<{
  readonly path: string
  /** The server's own words, naming the option (`McpServer: name must name the server, not ""`). */
  readonly reason: string
}> {
  override get message(): string {
    return `${this.path} is not installed: ${this.reason} (the server would fail as its client starts it)`
  }
}

// ---------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------

/**
 * Checks the server options of the module at `path` as the server checks them where it is built
 * (`McpServer.layer`): options it refuses fail with {@link InvalidServerOptions}, naming the option.
 *
 * @stability experimental
 * @category validation
 * @since 0.2.0
 */
export const checkOptions = (path: string, options: unknown): Effect.Effect<void, InvalidServerOptions> =>
  // Imported here, not at the top: the CLI imports this module for its client names, and the
  // server's option checks (with the protocol's schemas) are for `install` alone to load.
  Effect.flatMap(Effect.promise(() => import("../server/internal/serverOptions.ts")), ({ checkMcpServerOptions }) =>
    Effect.try({
      try: () => checkMcpServerOptions("McpServer", options),
      catch: (cause) => new InvalidServerOptions({ path, reason: cause instanceof Error ? cause.message : String(cause) })
    }))

/**
 * The stdio entry that runs `file` with the CLI: `node <bin> run <file> --stdio`, every path
 * absolute, the Node and its flags those of the running process (`Cli` adds those of `NODE_OPTIONS`).
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const stdioEntry = (options: {
  /** The absolute path of the Node to run. */
  readonly node: string
  /**
   * Node's own flags (`process.execArgv`: a loader such as `--import tsx` must be kept), with the
   * files they name given absolutely: the client starts the server in a working directory of its own.
   */
  readonly nodeArgs?: ReadonlyArray<string> | undefined
  /** The absolute path of the CLI's script. */
  readonly bin: string
  /** The absolute path of the server module. */
  readonly file: string
  /** The server's environment; one that names `MCP_SUBJECT` runs it with `--principal-from-env`. */
  readonly env?: { readonly [name: string]: string } | undefined
}): StdioEntry => ({
  command: options.node,
  // A principal named in `env` is the session's (a configuration that names one means it).
  args: [
    ...(options.nodeArgs ?? []),
    options.bin,
    "run",
    options.file,
    "--stdio",
    ...(options.env?.MCP_SUBJECT !== undefined ? ["--principal-from-env"] : [])
  ],
  ...(options.env !== undefined && Object.keys(options.env).length > 0 ? { env: options.env } : {})
})

/**
 * The path to write for the CLI's script `bin` (its real path): the same file as a project reaches
 * it, through its `node_modules/<packageName>`, when one leads to it. Under pnpm the real path is in
 * its store and names the version (`node_modules/.pnpm/effect-mcp-server@0.2.0/node_modules/effect-mcp-server/dist/cli/bin.js`):
 * a configuration naming it breaks when the package is upgraded (that folder goes), while the
 * project's `node_modules/effect-mcp-server` is linked to the new version.
 *
 * Looked for from each folder of `from` (the working directory, the module's folder), then from
 * the package's own, up to the root, in folders that are not inside a `node_modules` (pnpm's own
 * `.pnpm/node_modules` is not the project's); the nearest first. A link to another version leads
 * to another file and is passed over. `bin` itself when none leads to it (under npm the package's
 * real path is already the project's `node_modules/effect-mcp-server`).
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const linkedBin = Effect.fnUntraced(function*(options: {
  /** The real path of the CLI's script. */
  readonly bin: string
  /** The real path of the package's folder (where its `package.json` is). */
  readonly packageRoot: string
  /** The package's name (`effect-mcp-server`), its folder's in `node_modules`. */
  readonly packageName: string
  /** The folders to look from before the package's own. */
  readonly from: ReadonlyArray<string>
}) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const inPackage = path.relative(options.packageRoot, options.bin)
  const seen = new Set<string>()
  for (const start of [...options.from, options.packageRoot]) {
    // Each folder once: the walks from `from` and from the package meet at their common folders.
    for (let folder = path.resolve(start); !seen.has(folder); folder = path.dirname(folder)) {
      seen.add(folder)
      if (folder.split(path.sep).includes("node_modules")) continue
      const candidate = path.join(folder, "node_modules", options.packageName, inPackage)
      const real = yield* Effect.option(fs.realPath(candidate))
      if (real._tag === "Some" && real.value === options.bin) return candidate
    }
  }
  return options.bin
})

/**
 * Where a copy of the package is only for a while, or `undefined`: a package runner's cache
 * (`npx`'s `_npx`, `pnpm dlx`'s `dlx`, `yarn dlx`'s `dlx-<pid>`, `bunx`'s `bunx-…`), which is
 * cleaned (`npm cache clean`, a new version fetched, the temporary folder emptied) and takes a
 * configuration naming a file in it with it.
 *
 * @stability experimental
 * @category predicates
 * @since 0.2.0
 */
export const throwawayPlace = (file: string): string | undefined => {
  const segments = file.split(/[\\/]/)
  if (segments.includes("_npx")) return "npx's cache"
  if (segments.some((segment) => segment.startsWith("bunx-"))) return "bunx's cache"
  if (segments.some((segment) => segment === "dlx" || /^dlx-\d+$/.test(segment))) return "a dlx cache (pnpm dlx, yarn dlx)"
  return undefined
}

/**
 * The version a path names in one of its folders (`v24.1.0` in nvm's
 * `~/.nvm/versions/node/v24.1.0/bin/node`, `24.1.0` in volta's, asdf's, mise's or Homebrew's
 * `Cellar/node/24.1.0/bin/node`), or `undefined`: a version manager's folder of that version,
 * which goes when it is uninstalled (`nvm uninstall`, `brew cleanup` after an upgrade).
 *
 * @stability experimental
 * @category predicates
 * @since 0.2.0
 */
export const versionNamed = (file: string): string | undefined => {
  const folders = file.split(/[\\/]/).slice(0, -1)
  return folders.find((folder) => /^(?:node-)?v?\d+\.\d+\.\d+/.test(folder))
}

/**
 * The CLI's script to write, and what to say of it: {@link linkedBin}'s, unless that is in a
 * package runner's cache ({@link throwawayPlace}: `npx effect-mcp-server install …` run where the
 * package is not installed), which is cleaned. The copy the server's project installed is then
 * written (the same script of the package in its `node_modules`, found from `from`, of whatever
 * version), with a note; with none, the cached script, with a warning that the entry goes with
 * the cache.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const durableBin = Effect.fnUntraced(function*(options: {
  readonly bin: string
  readonly packageRoot: string
  readonly packageName: string
  readonly from: ReadonlyArray<string>
}) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const linked = yield* linkedBin(options)
  const place = throwawayPlace(linked)
  if (place === undefined) return { bin: linked, note: undefined }
  const inPackage = path.relative(options.packageRoot, options.bin)
  for (const start of options.from) {
    for (let folder = path.resolve(start), parent = path.dirname(folder);; folder = parent, parent = path.dirname(folder)) {
      if (!folder.split(path.sep).includes("node_modules") && throwawayPlace(folder) === undefined) {
        const candidate = path.join(folder, "node_modules", options.packageName, inPackage)
        if (yield* Effect.orElseSucceed(fs.exists(candidate), () => false)) {
          return {
            bin: candidate,
            note: `this CLI runs from ${place} (${options.bin}), which is cleaned: the entry runs the project's own ` +
              `${options.packageName}, ${candidate}`
          }
        }
      }
      if (parent === folder) break
    }
  }
  return {
    bin: linked,
    note: `warning: this CLI runs from ${place} (${options.bin}), and the entry names it there: it stops working when that ` +
      `cache is cleaned. Add ${options.packageName} to the server's project (npm install ${options.packageName}) and run ` +
      "install again, from the project"
  }
})

/**
 * The Node to write as the entry's command, and what to say of it: `execPath` (the Node running
 * the CLI, which loaded the module) unless it names a version ({@link versionNamed}: a version
 * manager's folder, gone when that version is uninstalled). Then the first `node` on `PATH` that
 * names none and runs that same Node: a link to it (Homebrew's `/opt/homebrew/bin/node`, the
 * Cellar's versioned file behind it) or a version manager's shim (volta's `~/.volta/bin/node`,
 * asdf's or mise's `shims/node`), asked which Node it runs from the home folder (a desktop
 * client's working directory is no project's, which might pin another version). With none (nvm
 * has no such path), `execPath`, with a warning.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const durableNode = Effect.fnUntraced(function*(options: {
  /** The running Node (`process.execPath`). */
  readonly execPath: string
  /** The `PATH` to look in. */
  readonly path: string | undefined
  /** Where shims are asked from. */
  readonly home: string
  readonly platform: NodeJS.Platform
}) {
  const version = versionNamed(options.execPath)
  if (version === undefined) return { node: options.execPath, note: undefined }
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const real = (file: string) => Effect.option(fs.realPath(file))
  const running = yield* real(options.execPath)
  const self = running._tag === "Some" ? running.value : options.execPath
  const delimiter = options.platform === "win32" ? ";" : ":"
  const seen = new Set<string>()
  for (const folder of (options.path ?? "").split(delimiter)) {
    if (folder === "" || !path.isAbsolute(folder)) continue
    const candidate = path.join(folder, options.platform === "win32" ? "node.exe" : "node")
    // fnm's per-shell links go with the shell.
    if (seen.has(candidate) || versionNamed(candidate) !== undefined || throwawayPlace(candidate) !== undefined) continue
    if (candidate.split(/[\\/]/).includes("fnm_multishells")) continue
    seen.add(candidate)
    const target = yield* real(candidate)
    if (target._tag === "None") continue
    if (target.value === self || (seen.size <= maxShimsAsked && (yield* runsNode(candidate, options.home)) === self)) {
      return { node: candidate, note: undefined }
    }
  }
  return {
    node: options.execPath,
    note: `warning: this Node, ${options.execPath}, is named by its version's folder (${version}), and no node on PATH ` +
      "runs it by a path that names none: the entry stops working when that version is uninstalled (nvm uninstall, " +
      "brew cleanup); run install again after changing Node versions"
  }
})

/**
 * The configuration file of `client` (`undefined` for `stdio`, which is printed).
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const configPath = (client: Client, environment: Environment, path: Path.Path): string | undefined => {
  switch (client) {
    case "claude-desktop":
      return environment.platform === "darwin"
        ? path.join(environment.home, "Library", "Application Support", "Claude", "claude_desktop_config.json")
        : environment.platform === "win32"
        ? path.join(environment.appData ?? path.join(environment.home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json")
        : path.join(
          // As Electron finds its configuration folder: $XDG_CONFIG_HOME when it is an absolute path.
          environment.xdgConfigHome !== undefined && path.isAbsolute(environment.xdgConfigHome)
            ? environment.xdgConfigHome
            : path.join(environment.home, ".config"),
          "Claude",
          "claude_desktop_config.json"
        )
    case "cursor":
      return path.join(environment.home, ".cursor", "mcp.json")
    case "mcp-json":
      return path.join(environment.cwd, ".mcp.json")
    case "vscode":
      return path.join(environment.cwd, ".vscode", "mcp.json")
    case "stdio":
      return undefined
  }
}

/**
 * The configuration of `client` with the server `name` added (or replaced) in `existing`
 * (`undefined`: a new file); for `stdio`, the entry itself.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const configFor = (
  client: Client,
  name: string,
  entry: StdioEntry,
  existing: unknown = undefined,
  path = "the configuration"
): Effect.Effect<{ readonly [key: string]: unknown }, InvalidConfig> => {
  if (client === "stdio") return Effect.succeed({ ...entry })
  const key = client === "vscode" ? "servers" : "mcpServers"
  const value = client === "vscode" ? { type: "stdio", ...entry } : entry
  if (existing === undefined) return Effect.succeed({ [key]: { [name]: value } })
  if (!Predicate.isObject(existing)) return Effect.fail(new InvalidConfig({ path, reason: "it is not a JSON object" }))
  const servers = existing[key]
  if (servers !== undefined && !Predicate.isObject(servers)) {
    return Effect.fail(new InvalidConfig({ path, reason: `its "${key}" is not an object` }))
  }
  return Effect.succeed({ ...existing, [key]: { ...servers, [name]: value } })
}

/**
 * The environment variables (`env`, its string values) of the entry `name` in the configuration
 * file of `client` at `configFile`; `undefined` when there is no such entry, or the file is not a
 * regular file that reads as JSON with comments (writing it says why).
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const previousEnv = Effect.fnUntraced(function*(client: Client, configFile: string, name: string) {
  const fs = yield* FileSystem.FileSystem
  // A regular file only: a FIFO would be read for ever (writing it refuses it).
  const info = yield* Effect.option(fs.stat(configFile))
  if (info._tag === "None" || info.value.type !== "File") return undefined
  const text = yield* Effect.option(fs.readFileString(configFile))
  if (text._tag === "None") return undefined
  const jsonc = yield* Effect.promise(() => import("jsonc-parser"))
  const errors: Array<ParseError> = []
  const config: unknown = jsonc.parse(text.value, errors, { allowTrailingComma: true })
  if (errors.length > 0 || !Predicate.isObject(config)) return undefined
  const servers = config[client === "vscode" ? "servers" : "mcpServers"]
  const entry = Predicate.isObject(servers) && Object.hasOwn(servers, name) ? servers[name] : undefined
  const env = Predicate.isObject(entry) ? entry.env : undefined
  if (!Predicate.isObject(env)) return undefined
  const strings = Object.entries(env).filter((pair): pair is [string, string] => typeof pair[1] === "string")
  return strings.length === 0 ? undefined : Object.fromEntries(strings) as { readonly [name: string]: string }
})

/**
 * Adds the server to the configuration file at `path` (created with its folder when missing),
 * written whole to a temporary file, then renamed over the old one. Returns whether an entry of
 * that name was replaced.
 *
 * The file may hold comments and trailing commas (VS Code's `mcp.json` is JSON with comments): the
 * entry is edited in place, and the rest of the file (its comments included) stays.
 *
 * A file that is a symbolic link (a dotfiles repository) is written where it points, and the link
 * stays; the file keeps its permissions (a configuration holding secrets in `env` may be
 * readable by its owner only), and one made here with `env` values is readable by its owner only.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const write = Effect.fnUntraced(function*(client: Client, configFile: string, name: string, entry: StdioEntry) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const failed = (cause: unknown) => new ConfigWriteFailed({ path: configFile, cause })
  const exists = yield* Effect.mapError(fs.exists(configFile), failed)
  // Written where a link points (the link stays), with the permissions it had; a link to a file
  // not made yet makes it there.
  let target = exists ? yield* Effect.mapError(fs.realPath(configFile), failed) : configFile
  // A chain of links to a file not made yet: followed to its end (a few hops at most).
  for (let hops = 0; !exists && hops < 16; hops++) {
    const link = yield* Effect.option(fs.readLink(target))
    if (link._tag === "None") break
    target = path.resolve(path.dirname(target), link.value)
  }
  const info = exists ? yield* Effect.mapError(fs.stat(target), failed) : undefined
  if (info !== undefined && info.type !== "File") {
    return yield* new InvalidConfig({ path: configFile, reason: "it is not a regular file" })
  }
  const mode = info !== undefined
    ? info.mode & 0o7777
    : Object.keys(entry.env ?? {}).length > 0
    ? 0o600
    : undefined
  let existing: unknown
  let text = ""
  // Read as JSON with comments and trailing commas (VS Code's `mcp.json` is JSONC), and edited in
  // place: the rest of the file, its comments and layout included, stays as it is.
  const jsonc = yield* Effect.promise(() => import("jsonc-parser"))
  if (exists) {
    text = yield* Effect.mapError(fs.readFileString(target), failed)
    if (text.trim() !== "") {
      const errors: Array<ParseError> = []
      existing = jsonc.parse(text, errors, { allowTrailingComma: true })
      if (errors.length > 0) {
        const [first] = errors
        return yield* new InvalidConfig({
          path: configFile,
          reason: `it is not valid JSON (${jsonc.printParseErrorCode(first!.error)} at offset ${first!.offset})`
        })
      }
    }
  }
  const config = yield* configFor(client, name, entry, existing, configFile)
  const key = client === "vscode" ? "servers" : "mcpServers"
  const replaced = Predicate.isObject(existing) && Predicate.isObject(existing[key]) && Object.hasOwn(existing[key], name)
  const temporary = `${target}.${process.pid}.tmp`
  const value = (config[key] as { readonly [name: string]: unknown })[name]
  const written = existing === undefined
    ? `${JSON.stringify(config, null, 2)}\n`
    : jsonc.applyEdits(
      text,
      jsonc.modify(text, [key, name], value, {
        formattingOptions: {
          insertSpaces: !/^\t/m.test(text),
          tabSize: indentationOf(jsonc, text),
          eol: text.includes("\r\n") ? "\r\n" : "\n"
        }
      })
    )
  // An edit in place changes the first of keys a file repeats, while readers take the last: the
  // file as edited must hold the entry, else it is left as it is.
  if (existing !== undefined) {
    const edited = jsonc.parse(written, [], { allowTrailingComma: true }) as { readonly [key: string]: unknown } | undefined
    const servers = edited?.[key]
    if (!Predicate.isObject(servers) || JSON.stringify(servers[name]) !== JSON.stringify(value)) {
      return yield* new InvalidConfig({
        path: configFile,
        reason: `the entry could not be edited in place (is "${key}", or "${name}" in it, given twice?)`
      })
    }
  }
  yield* Effect.mapError(
    Effect.andThen(
      fs.makeDirectory(path.dirname(target), { recursive: true }),
      Effect.andThen(
        // The mode given at creation is narrowed by the umask: set again, as it was.
        mode === undefined
          ? fs.writeFileString(temporary, written)
          : Effect.andThen(fs.writeFileString(temporary, written, { mode }), fs.chmod(temporary, mode)),
        fs.rename(temporary, target)
      ).pipe(
        // Nothing left behind (a read-only leftover would refuse a later run of the same pid).
        Effect.onError(() => Effect.ignore(fs.remove(temporary)))
      )
    ),
    failed
  )
  return { replaced }
})

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * The file's own indentation (four spaces, say): the spaces before its first member, when they
 * start its line (else 2). Not the first indented line's: a leading block comment's ` * ` lines
 * (JSONC) are indented by one.
 */
const indentationOf = (jsonc: typeof import("jsonc-parser"), text: string): number => {
  const first = jsonc.parseTree(text, [], { allowTrailingComma: true })?.children?.[0]
  if (first === undefined) return 2
  const before = text.slice(text.lastIndexOf("\n", first.offset - 1) + 1, first.offset)
  return /^ +$/.test(before) ? before.length : 2
}

/** How many `node`s on `PATH` that are not this one are asked which Node they run. */
const maxShimsAsked = 8

/** The real path of the Node that `node` (a shim, say) runs from `cwd`, or `undefined` (within 10 seconds). */
const runsNode = (node: string, cwd: string): Effect.Effect<string | undefined> =>
  Effect.callback<string | undefined>((resume) => {
    const child = execFile(node, ["-p", "require('node:fs').realpathSync(process.execPath)"], { cwd, timeout: 10_000 }, (error, stdout) =>
      resume(Effect.succeed(error === null ? stdout.trim() : undefined)))
    return Effect.sync(() => child.kill())
  })
