/**
 * What the `effect-mcp` bin loads: the command tree (names, flags, descriptions) needs no
 * handler's modules, so help, the version and an invalid invocation load neither the server nor
 * its transports nor `dev`'s, nor the platform's child processes and standard streams, which each
 * command's handler imports when it runs (`Cli.ts`, `modules` and `parsing`). The modules are those Node's module hooks see load (`module.registerHooks`), in a
 * spawned bin: what a user's `effect-mcp --help` pays, not timed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { bin, cliWithBrokenImport, example, library, root, tempProject, writeModule } from "./support.ts"

/** Written to the file `EFFECT_MCP_LOADED` names as the process exits: every file URL it loaded, one a line. */
const hook = `data:text/javascript,${
  encodeURIComponent(`
import { registerHooks } from "node:module"
import { writeFileSync } from "node:fs"
const loaded = []
registerHooks({ load(url, context, next) { if (url.startsWith("file:")) loaded.push(url); return next(url, context) } })
process.on("exit", () => writeFileSync(process.env.EFFECT_MCP_LOADED, loaded.join("\\n")))
`)
}`

/**
 * The files under `src/` that `effect-mcp ...args` loads (relative to `src/`), with its exit code;
 * `platform`: those of `@effect/platform-node` and `@effect/platform-node-shared` (relative to the
 * package's folder: `@effect/platform-node/dist/NodeServices.js`).
 */
const loadedBy = (args: ReadonlyArray<string>) =>
  Effect.promise(() => {
    const dir = mkdtempSync(join(tmpdir(), "effect-mcp-startup-"))
    const list = join(dir, "loaded.txt")
    return new Promise<{ readonly code: number | null; readonly files: ReadonlyArray<string>; readonly platform: ReadonlyArray<string> }>((resolve) => {
      const child = execFile(process.execPath, ["--import", hook, bin, ...args], {
        cwd: root,
        env: { ...process.env, EFFECT_MCP_LOADED: list, NO_COLOR: "1" },
        timeout: 30_000
      }, (error) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : child.exitCode
        const src = `${pathToFileURL(join(root, "src")).href}/`
        const loaded = readFileSync(list, "utf8").split("\n")
        const files = loaded.filter((url) => url.startsWith(src)).map((url) => url.slice(src.length))
        const platform = loaded.flatMap((url) => /\/node_modules\/(@effect\/platform-node(?:-shared)?\/.*)$/.exec(url)?.[1] ?? [])
        rmSync(dir, { recursive: true, force: true })
        resolve({ code, files, platform })
      })
      child.stdin?.end()
    })
  })

/** What only a handler needs: the server, its transports, the commands' own modules. */
const handlersOnly = [
  "server/McpServer.ts",
  "transport/Stdio.ts",
  "transport/http/StreamableHttp.ts",
  "transport/http/internal/config.ts",
  "server/internal/serverOptions.ts",
  "cli/Run.ts",
  "cli/Dev.ts",
  "cli/Inspect.ts",
  "cli/Install.ts",
  "cli/ServerModule.ts"
]

/**
 * What only a handler needs of the platform (`NodeServices`): child processes and the standard
 * streams, with the stream adapters they use. Parsing has Node's file system, paths and terminal.
 */
const platformHandlersOnly = [
  "@effect/platform-node/dist/NodeServices.js",
  "@effect/platform-node/dist/NodeChildProcessSpawner.js",
  "@effect/platform-node-shared/dist/NodeChildProcessSpawner.js",
  "@effect/platform-node/dist/NodeStdio.js",
  "@effect/platform-node-shared/dist/NodeStdio.js",
  "@effect/platform-node-shared/dist/NodeStream.js",
  "@effect/platform-node-shared/dist/NodeSink.js"
]

describe("effect-mcp: what it loads", () => {
  // With the exit code each ends with (2: an invalid invocation).
  for (
    const [args, exitCode] of [
      [["--help"], 0],
      [["--version"], 0],
      [["run", "--help"], 0],
      [["dev", "--help"], 0],
      [["inspect", "--help"], 0],
      [["install", "--help"], 0],
      [["run", "server.ts", "--port", "3"], 2],
      [["bogus"], 2]
    ] as const
  ) {
    it.effect(`${args.join(" ")}: the command tree, none of the handlers' modules`, () =>
      Effect.gen(function*() {
        const { code, files, platform } = yield* loadedBy(args)
        assert.strictEqual(code, exitCode)
        assert.include(files, "cli/Cli.ts")
        assert.deepStrictEqual(files.filter((file) => handlersOnly.includes(file)), [])
        // Parsing's platform is loaded (the check below sees its files), not what only a handler needs.
        assert.include(platform, "@effect/platform-node/dist/NodeFileSystem.js")
        assert.deepStrictEqual(platform.filter((file) => platformHandlersOnly.includes(file)), [])
      }), 240_000)
  }

  // Fails before the fix: a handler's module that could not be imported (a file missing from an
  // installation, a peer dependency absent) was a defect: "effect-mcp: Error: Cannot find module
  // ..." and Node's loader stack, ten lines of it. Now a typed failure: one line naming the module
  // and why, exit 1. The import is made to fail by a module hook (its resolution throws).
  it.effect("a handler's module that cannot be imported: exit 1, one line naming it, no stack", () =>
    Effect.gen(function*() {
      for (
        const [args, module] of [
          [["install", "stdio", example("hello-server.ts")], "./Install.ts"],
          [["inspect", example("hello-server.ts")], "@effect/platform-node/NodeServices"]
        ] as const
      ) {
        const result = yield* cliWithBrokenImport(args, module)
        const what = `${args.join(" ")} (${module} broken): ${result.stderr}`
        assert.strictEqual(result.code, 1, what)
        assert.strictEqual(result.stdout, "", what)
        assert.include(result.stderr, `effect-mcp: the CLI could not load ${module}`, what)
        assert.include(result.stderr, `simulated: ${module} is not there`, what)
        assert.notMatch(result.stderr, /^\s+at /m, what)
      }
    }), 240_000)

  it.effect("inspect of a module: its handler loads what it needs", () =>
    Effect.gen(function*() {
      const { code, files, platform } = yield* loadedBy(["inspect", example("hello-server.ts")])
      assert.strictEqual(code, 0)
      for (const file of ["cli/Inspect.ts", "cli/ServerModule.ts", "cli/Run.ts", "server/McpServer.ts"]) assert.include(files, file)
      assert.notInclude(files, "cli/Dev.ts")
      assert.include(platform, "@effect/platform-node/dist/NodeServices.js")
    }), 240_000)

  // Fails before the change: the bin left Node's compile cache off (no folder made), every start
  // compiling the CLI's modules anew. Node's default folder is under the temporary one (TMPDIR).
  // The cache is the user's too: a server module is compiled through it. Node keys an entry by the
  // file's content (a checksum), not its time: a module changed between two starts, same size and
  // same modification time, is read anew (a cache that served the old code would run a stale
  // server). And a cache folder that cannot be made (TMPDIR a file: Node says FAILED, as for a
  // read-only one) leaves the CLI working, uncached.
  // One case for both (two, where the first started a bin without a cache of its own to see the
  // folder made: the first start here makes it).
  it.effect("Node's compile cache: the bin turns it on (Node's folder under TMPDIR), unless NODE_DISABLE_COMPILE_CACHE=1; a server module changed between two starts is read anew; a folder that cannot be made is done without", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const cache = join(dir, "tmp")
      const inspect = (file: string, tmp: string) =>
        Effect.promise(() => {
          const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, NO_COLOR: "1" }
          delete env["NODE_COMPILE_CACHE"]
          delete env["NODE_DISABLE_COMPILE_CACHE"]
          return new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
            const child = execFile(process.execPath, [bin, "inspect", file, "--json"], { cwd: dir, env, timeout: 60_000 }, (error, stdout, stderr) => {
              resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : child.exitCode, stdout, stderr })
            })
            child.stdin?.end()
          })
        })
      const source = (name: string) =>
        `import * as Layer from "effect/Layer"\nimport { McpServer } from "${library}"\n` +
        `export const options = { name: "${name}", version: "1.0.0" }\nexport const components = Layer.empty\n`
      const file = writeModule(dir, "server.ts", source("first"))
      const { mtime } = statSync(file)
      const first = yield* inspect(file, cache)
      assert.strictEqual(first.code, 0, first.stderr)
      assert.include(first.stdout, `"first"`)
      assert.isTrue(existsSync(join(cache, "node-compile-cache")), "the cache folder")
      // One folder per Node version, holding an entry per module compiled (the CLI's and Effect's).
      const entries = readdirSync(join(cache, "node-compile-cache"), { recursive: true, encoding: "utf8" })
      assert.isAbove(entries.length, 50, entries.join(", "))
      writeFileSync(file, source("again"))
      utimesSync(file, mtime, mtime)
      const second = yield* inspect(file, cache)
      assert.strictEqual(second.code, 0, second.stderr)
      assert.include(second.stdout, `"again"`)
      assert.notInclude(second.stdout, `"first"`)
      // TMPDIR a file: no folder can be made under it.
      const notAFolder = writeModule(dir, "not-a-folder", "")
      const uncached = yield* inspect(file, notAFolder)
      assert.strictEqual(uncached.code, 0, uncached.stderr)
      assert.include(uncached.stdout, `"again"`)
      // Turned off by NODE_DISABLE_COMPILE_CACHE=1: no folder made under a fresh TMPDIR.
      const off = yield* Effect.promise(() => {
        const tmp = mkdtempSync(join(tmpdir(), "effect-mcp-compile-cache-"))
        const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: "1" }
        // The test run's own cache (test/support/compileCache.ts) would be used instead.
        delete env["NODE_COMPILE_CACHE"]
        return new Promise<{ readonly code: number | null; readonly stdout: string; readonly entries: ReadonlyArray<string> }>((resolve) => {
          const child = execFile(process.execPath, [bin, "--version"], { cwd: root, env, timeout: 30_000 }, (error, stdout) => {
            const code = error === null ? 0 : typeof error.code === "number" ? error.code : child.exitCode
            const folder = join(tmp, "node-compile-cache")
            const entries = existsSync(folder) ? readdirSync(folder, { recursive: true, encoding: "utf8" }) : []
            rmSync(tmp, { recursive: true, force: true })
            resolve({ code, stdout, entries })
          })
          child.stdin?.end()
        })
      })
      assert.strictEqual(off.code, 0)
      assert.match(off.stdout, /^effect-mcp \d+\.\d+\.\d+/)
      assert.deepStrictEqual(off.entries, [])
    }), 240_000)
})
