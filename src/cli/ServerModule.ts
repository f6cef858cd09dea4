/**
 * The convention by which a module exports its server, so that the `effect-mcp` CLI can run,
 * develop, inspect and install it: the module's **default export** is `{ options, components }`,
 * or the module has the **named exports** `options` and `components`.
 *
 * - `options`: the server's {@link McpServer.Options} (at least `name` and `version`);
 * - `components`: one Layer registering its tools, resources, templates, prompts, middleware and
 *   extensions (usually `Layer.mergeAll(...)` of `McpServer.tool(...)` and the like), with every
 *   service it needs already provided: it may require only the `McpServer` itself.
 *
 * Exporting the server instead of running it keeps the module free of a transport: the CLI picks
 * stdio or Streamable HTTP, inspection builds the server without serving it, and tests import the
 * same exports. A module that also runs itself when started with `node` must not do so when it is
 * imported (the CLI imports it): guarded by `if (import.meta.main)`. One whose `runMain` runs as
 * it is imported is refused ({@link ServesItself}).
 *
 * **Example** (A server module, default export)
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Schema from "effect/Schema"
 * import { McpServer, type ServerModule } from "effect-mcp-server"
 *
 * const Echo = McpServer.tool({
 *   name: "echo",
 *   parameters: { text: Schema.String },
 *   handler: ({ text }) => Effect.succeed(text)
 * })
 *
 * export default { options: { name: "echo", version: "1.0.0" }, components: Echo } satisfies ServerModule
 * // then: npx effect-mcp run server.ts --stdio
 * ```
 *
 * **Example** (The same, with named exports)
 *
 * ```ts
 * export const options: McpServer.Options = { name: "echo", version: "1.0.0" }
 * export const components = Layer.mergeAll(Echo, Greeting)
 * ```
 *
 * **Gotchas**
 *
 * A `.ts` module is loaded by Node itself: Node ≥ 22.18 (and 23.6+) strips types by default, so
 * only erasable syntax works (no `enum`, `namespace` or constructor parameter properties; set
 * `erasableSyntaxOnly` in tsconfig), and relative imports name their `.ts` files. An older Node
 * cannot load a `.ts` module at all ({@link TypeScriptUnsupported}): compile the server to
 * JavaScript and load the `.js`, or run the CLI under a loader (`node --import tsx …`).
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { realpathSync, statSync } from "node:fs"
import { basename, extname, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { inspect } from "node:util"
import { whileImporting } from "../internal/mainGuard.ts"
import type * as McpServer from "../server/McpServer.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * What a server module exports: its options and its components (see the module documentation).
 *
 * **Example** (Checking the default export's type)
 *
 * ```ts
 * export default { options, components } satisfies ServerModule
 * ```
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export interface ServerModule<E = unknown> {
  readonly options: McpServer.Options
  readonly components: Layer.Layer<never, E, McpServer.McpServer>
}

/**
 * A loaded server module: the server and the absolute path it was loaded from.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export interface Loaded {
  readonly path: string
  readonly server: ServerModule
  /** Which convention the module follows. */
  readonly exportedAs: "default" | "named"
}

/**
 * The file extensions a server module may have.
 *
 * @stability experimental
 * @category constants
 * @since 0.2.0
 */
export const extensions: ReadonlyArray<string> = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * There is no file at the given path.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class ModuleNotFound extends Data.TaggedError("ModuleNotFound")<{ readonly path: string }> {
  override get message(): string {
    return `file not found: ${this.path}`
  }
}

/**
 * The path is not a module the CLI can load: a directory, or a file whose extension is not one
 * of {@link extensions}.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class UnsupportedFile extends Data.TaggedError("UnsupportedFile")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot load ${this.path}: ${this.reason}`
  }
}

/**
 * The Node running the CLI cannot load TypeScript (older than 22.18 without a loader).
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class TypeScriptUnsupported extends Data.TaggedError("TypeScriptUnsupported")<{
  readonly path: string
  readonly nodeVersion: string
}> {
  override get message(): string {
    return `cannot load ${this.path}: Node ${this.nodeVersion} does not run TypeScript. ` +
      "Node ≥ 22.18 strips types by default (22.6 to 22.17 need --experimental-strip-types); " +
      "on this Node, compile the server to JavaScript and pass the .js file, " +
      "or run the CLI under a loader (node --import tsx <path to effect-mcp> …)"
  }
}

/**
 * Importing the module failed: its code threw, one of its imports is missing, or its TypeScript
 * uses syntax that Node's type stripping does not support.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class LoadFailed extends Data.TaggedError("LoadFailed")<{
  readonly path: string
  readonly cause: unknown
}> {
  override get message(): string {
    const code = errorCode(this.cause)
    const detail = thrown(this.cause, 0)
    const advice = code === "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX"
      ? "\nNode's type stripping runs only erasable TypeScript (no enum, namespace or parameter properties): " +
        "rewrite that syntax (tsconfig: erasableSyntaxOnly) or compile to JavaScript"
      : code === "ERR_MODULE_NOT_FOUND"
      ? missingModuleAdvice(this.cause)
      : ""
    return `loading ${this.path} failed: ${detail}${advice}`
  }
}

/**
 * The module loaded, but exports no server: neither a default export `{ options, components }`
 * nor the named exports `options` and `components`.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class NoServerExported extends Data.TaggedError("NoServerExported")<{
  readonly path: string
  /** What is wrong with what was found. */
  readonly problem: string
  /** The names the module exports. */
  readonly exportNames: ReadonlyArray<string>
}> {
  override get message(): string {
    const names = this.exportNames.length === 0 ? "nothing" : this.exportNames.join(", ")
    return `${this.path} exports no server: ${this.problem}.\n` +
      "Export the server's options and components, as a default export `export default { options, components }` " +
      "or as named exports `export const options = { name, version }` and `export const components = Layer.mergeAll(...)` " +
      `(the module exports: ${names})`
  }
}

/**
 * The module runs a server itself as it is imported (`McpServer.serve(...).pipe(Stdio.runMain)` at
 * its top level): the CLI imports it and serves its exports, and a second server in the CLI's
 * process, on its stdin, would end the process at the end of that input. That `runMain` ran
 * nothing.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class ServesItself extends Data.TaggedError("ServesItself")<{ readonly path: string }> {
  override get message(): string {
    return `${this.path} runs a server itself as it is imported (Stdio.runMain or GracefulShutdown.runMain at its top level), ` +
      "beside the one the CLI serves from its exports: run it only when the module is the main program, " +
      "if (import.meta.main) McpServer.serve(options, components, Stdio.make()).pipe(Stdio.runMain)"
  }
}

/**
 * Every way loading a server module can fail.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export type LoadError = ModuleNotFound | UnsupportedFile | TypeScriptUnsupported | LoadFailed | NoServerExported | ServesItself

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/**
 * Finds the server among a module's exports: the default export when it is `{ options,
 * components }`, else the named exports `options` and `components`. The default export of a
 * module compiled to CommonJS (`exports.default` beside `__esModule`, as tsc and esbuild write an
 * ES module's) is the one its source wrote.
 *
 * **Example** (Named exports)
 *
 * ```ts
 * const loaded = yield* ServerModule.fromExports({ options, components }, "server.ts")
 * loaded.exportedAs // => "named"
 * ```
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const fromExports = (
  exports: Readonly<Record<string, unknown>>,
  path: string
): Effect.Effect<Omit<Loaded, "path">, NoServerExported> => {
  const exportNames = Object.keys(exports)
  const fail = (problem: string) => Effect.fail(new NoServerExported({ path, problem, exportNames }))
  const candidate = defaultExport(exports)
  if (isRecord(candidate) && ("options" in candidate || "components" in candidate)) {
    const problem = problemOf(candidate, "the default export")
    return problem === undefined
      ? Effect.succeed({ server: candidate as unknown as ServerModule, exportedAs: "default" })
      : fail(problem)
  }
  if ("options" in exports || "components" in exports) {
    const problem = problemOf(exports, "the module")
    return problem === undefined
      ? Effect.succeed({ server: { options: exports.options, components: exports.components } as ServerModule, exportedAs: "named" })
      : fail(problem)
  }
  return fail(
    candidate === undefined
      ? "it has no default export and no `options`/`components` exports"
      : "its default export is not `{ options, components }`"
  )
}

/**
 * The absolute path of the module at `path` (relative to the working directory), once it is
 * known to be a file a server module can be ({@link extensions}); the module is not imported.
 * `dev` checks its file so, and leaves the import to the server it starts: what the module's
 * top-level code opens (a port, a lock) is then that server's alone.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const locate = Effect.fnUntraced(function*(path: string) {
  const absolute = resolve(path)
  const stats = yield* Effect.try({
    try: () => statSync(absolute, { throwIfNoEntry: false }),
    catch: (cause) => new LoadFailed({ path, cause })
  })
  if (stats === undefined) return yield* new ModuleNotFound({ path })
  if (stats.isDirectory()) return yield* new UnsupportedFile({ path, reason: "it is a directory, not a module" })
  if (!stats.isFile()) return yield* new UnsupportedFile({ path, reason: "it is not a regular file" })
  if (!extensions.includes(extname(absolute))) {
    return yield* new UnsupportedFile({ path, reason: `expected a module file (${extensions.join(", ")})` })
  }
  return absolute
})

/**
 * Fails when Node will not run the TypeScript module at `absolute` (found by {@link locate}): one
 * whose real path is under a `node_modules` folder (Node strips no types there), or any when this
 * Node's type stripping is off (`--no-experimental-strip-types`) or this Node strips no types by
 * default. `load` says the same reasons when the import fails so (not {@link TypeScriptUnsupported}
 * on a Node that runs TypeScript). Nothing is said when the process
 * runs under a loader (`--import`, `--loader`, `--require`, in its flags or `NODE_OPTIONS`), which
 * may well run it. `dev` checks its module so before it starts a server (the server would fail
 * with it at every start, and no change of the file could help); `load` learns it from the import.
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const checkRunnable = (
  path: string,
  absolute: string,
  options: { readonly execArgv: ReadonlyArray<string>; readonly nodeOptions: string | undefined }
): Effect.Effect<void, UnsupportedFile> =>
  Effect.suspend(() => {
    if (!isTypeScript(absolute)) return Effect.void
    const flags = [...options.execArgv, ...(options.nodeOptions ?? "").split(/\s+/)]
    if (flags.some((flag) => /^(?:--import|--loader|--experimental-loader|--require|-r)(?:=|$)/.test(flag))) return Effect.void
    const problem = whyNotRunnable(absolute)
    return problem === undefined ? Effect.void : Effect.fail(new UnsupportedFile({ path, reason: problem.reason }))
  })

/**
 * Why this Node will not run the TypeScript module at `absolute`, if it will not: its real path is
 * under `node_modules` (Node strips no types there), this Node strips no types by default (older
 * than 22.18, 23.0 to 23.5), or its type stripping is off (`--no-experimental-strip-types`).
 */
const whyNotRunnable = (absolute: string): { readonly reason: string; readonly tooOld: boolean } | undefined => {
  const advice = "compile the server to JavaScript and pass the .js file, or run the CLI under a loader (node --import tsx <path to effect-mcp> …)"
  const real = (() => {
    try {
      return realpathSync(absolute)
    } catch {
      return absolute
    }
  })()
  if (real.split(/[\\/]/).includes("node_modules")) {
    return { reason: `Node strips no types from a file under node_modules (${real}): ${advice}`, tooOld: false }
  }
  if ((process.features as { readonly typescript?: unknown }).typescript) return undefined
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  const stripsByDefault = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)
  return stripsByDefault
    ? { reason: `this Node's type stripping is off (--no-experimental-strip-types, in its flags or NODE_OPTIONS): ${advice}`, tooOld: false }
    : {
      reason: `Node ${process.version} strips no types by default (Node ≥ 22.18 does; 22.6 to 22.17 with --experimental-strip-types): ${advice}`,
      tooOld: true
    }
}

/**
 * Imports the module at `path` (relative to the working directory; `.ts` or `.js`) and finds its
 * server (see {@link fromExports}).
 *
 * **Gotchas**
 *
 * The module is imported into the running process: its top-level code runs (once; a second load
 * of the same path reuses it). Loading a `.ts` module needs a Node that strips types (see the
 * module documentation).
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const load = Effect.fnUntraced(function*(path: string) {
  const absolute = yield* locate(path)
  const imported = yield* Effect.tryPromise({
    // A `runMain` the module calls as it is imported runs nothing (see internal/mainGuard.ts).
    try: () => whileImporting(() => import(pathToFileURL(absolute).href) as Promise<Record<string, unknown>>),
    catch: (cause): LoadError => {
      if (!isTypeScript(absolute)) return new LoadFailed({ path, cause })
      const code = errorCode(cause)
      // Node would not run it: said with the real reason (under node_modules, type stripping
      // off), not as a Node too old for TypeScript, which this one may well not be.
      // A Node that runs it, failing on something else (an import of a `.css`): as it says.
      if (code === "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING" || code === "ERR_UNKNOWN_FILE_EXTENSION") {
        const problem = whyNotRunnable(absolute)
        if (problem !== undefined) {
          return problem.tooOld ? new TypeScriptUnsupported({ path, nodeVersion: process.version }) : new UnsupportedFile({ path, reason: problem.reason })
        }
      }
      return new LoadFailed({ path, cause })
    }
  })
  if (imported.calledMain) return yield* new ServesItself({ path })
  const exports = imported.value
  const found = yield* Effect.flatten(Effect.try({ try: () => fromExports(exports, path), catch: (cause) => new LoadFailed({ path, cause }) }))
  return { path: absolute, ...found } satisfies Loaded
})

/**
 * Whether `path` names a TypeScript module (`.ts`, `.mts`, `.cts`).
 *
 * @stability experimental
 * @category predicates
 * @since 0.2.0
 */
export const isTypeScript = (path: string): boolean => /\.[mc]?ts$/.test(path)

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

/**
 * The module's default export as its source wrote it. Node imports a CommonJS module with its
 * whole `module.exports` as the default export; a module compiled to CommonJS from an ES module
 * (tsc in a package that is not `"type": "module"`, esbuild, Babel) marks it with `__esModule`
 * and holds the source's default export one level down, in `exports.default`, where TypeScript's
 * and the bundlers' interop read it.
 */
const defaultExport = (exports: Readonly<Record<string, unknown>>): unknown => {
  const candidate = exports.default
  return isRecord(candidate) && candidate.__esModule === true && "default" in candidate ? candidate.default : candidate
}

/** What keeps `value` from being a server module, if anything. */
const problemOf = (value: Readonly<Record<string, unknown>>, where: string): string | undefined => {
  const options = value.options
  if (!isRecord(options)) return `${where} has no \`options\` object (the server's name and version)`
  if (typeof options.name !== "string" || typeof options.version !== "string") {
    return `the \`options\` of ${where} need a string \`name\` and \`version\``
  }
  if (!Layer.isLayer(value.components)) {
    return value.components === undefined
      ? `${where} has no \`components\` (a Layer of tools, resources and prompts)`
      : `the \`components\` of ${where} is not a Layer (combine the components with Layer.mergeAll)`
  }
  return undefined
}

/** The package's own files (their frames say nothing about the user's module). */
const ownFiles = new URL("../", import.meta.url).href

/** The TypeScript file an import of a JavaScript file may have meant (`./x.js` for `./x.ts`). */
const typeScriptOf: { readonly [extension: string]: string | undefined } = { ".js": ".ts", ".mjs": ".mts", ".cjs": ".cts" }

/**
 * Advice for an import of a file that is not there when a file it likely meant is: `./helper.js`
 * for `helper.ts` (TypeScript's `nodenext` resolution has one write `.js`, which Node's type
 * stripping does not map to `.ts`), or `./helper` without extension (which ES modules do not
 * complete). Node's error names the file it looked for (`url`).
 */
const missingModuleAdvice = (cause: unknown): string => {
  const url = isRecord(cause) && typeof cause.url === "string" && cause.url.startsWith("file:") ? cause.url : undefined
  if (url === undefined) return ""
  const missing = fileURLToPath(url)
  const extension = extname(missing)
  const typeScript = typeScriptOf[extension]
  const candidates = typeScript !== undefined
    ? [missing.slice(0, -extension.length) + typeScript]
    : extension === ""
    ? extensions.map((candidate) => missing + candidate)
    : []
  const found = candidates.find(isFile)
  if (found === undefined) return ""
  return `\n${basename(missing)} is not there, ${basename(found)} is: ` + (typeScript !== undefined
    ? `Node runs the file an import names (it does not map ${extension} to ${typeScript}): write the import with ${basename(found)} ` +
      "(tsconfig: allowImportingTsExtensions, and rewriteRelativeImportExtensions to compile it)"
    : `an ES module's import names the file with its extension: write the import with ${basename(found)}`)
}

/** Whether `path` is a file (not when it cannot be told: a folder that cannot be read). */
const isFile = (path: string): boolean => {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true
  } catch {
    return false
  }
}

/** How deep a chain of `cause`s is followed. */
const maxCauseDepth = 8

/**
 * What a module threw, for people: an error's stack without the frames of Node's loader and of
 * this package, then its causes (what a connection that failed at import says is often only
 * there); anything else as `util.inspect` shows it (a thrown object is not "[object Object]").
 */
const thrown = (value: unknown, depth: number): string => {
  if (!(value instanceof Error)) return typeof value === "string" ? value : inspect(value, { depth: 4, breakLength: Infinity })
  const stack = (value.stack ?? value.message).split("\n").filter((line) =>
    !/^\s+at /.test(line) || !(line.includes("node:internal/") || line.includes(ownFiles))
  ).join("\n")
  return value.cause === undefined || depth >= maxCauseDepth ? stack : `${stack}\nCaused by: ${thrown(value.cause, depth + 1)}`
}

const errorCode = (cause: unknown): string | undefined =>
  isRecord(cause) && typeof cause.code === "string" ? cause.code : undefined
