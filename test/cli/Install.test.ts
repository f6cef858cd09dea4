/**
 * `effect-mcp install`: the printed entries (Claude-Desktop-style `mcpServers`, VS Code `servers`,
 * a generic stdio entry) name this Node and the CLI's script by absolute path; written
 * configurations keep the other servers, replace an entry of the same name, keep a JSONC file's
 * comments, links and permissions, and refuse a file that is not JSON; Claude Desktop's file is found under the home folder; and the written command
 * starts a server the SDK client can use, its script named through the project's
 * node_modules/effect-mcp-server under pnpm (not its versioned store path), the Node by a link or
 * shim on PATH (not a version manager's versioned folder), the project's copy of the CLI (not
 * npx's cache), said when there is none. A module whose server
 * options the server refuses is not installed; `stdio` takes no --name. A signal while the module
 * loads ends it as an interrupted command (130 for SIGINT, 143 for SIGTERM), nothing written.
 *
 * What is printed or written for a module that loads is checked in this process
 * (`cliInProcessLoading`); a spawned CLI checks what needs a process of its own: a module's output
 * at import, the working directory's file, a FIFO, HOME and NODE_OPTIONS, Node's flags, pnpm's and
 * npx's layouts, the written commands started by the SDK client, signals.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import { execFile, execFileSync } from "node:child_process"
import {
  chmodSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { isAbsolute, join } from "node:path"
import { pathToFileURL } from "node:url"
import * as Install from "../../src/cli/Install.ts"
import { withCompileCache } from "../support/compileCache.ts"
import { bin, cli, cliInProcess, cliInProcessLoading, example, hangingModule, interruptWhileLoading, library, root, spawnCli, startBound, tempProject, writeModule } from "./support.ts"

const hello = example("hello-server.ts")

/** A temporary folder of its own (no node_modules), its real path; removed when the scope closes. */
const folder = Effect.acquireRelease(
  Effect.sync(() => realpathSync(mkdtempSync(join(tmpdir(), "effect-mcp-install-")))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)
const expected = { command: process.execPath, args: [realpathSync(bin), "run", hello, "--stdio"] }


describe("effect-mcp install", () => {
  it.live("--print: mcpServers (claude-desktop, cursor, mcp-json), servers with type stdio (vscode), a bare entry (stdio)", () =>
    Effect.gen(function*() {
      for (const client of ["claude-desktop", "cursor", "mcp-json"]) {
        const result = yield* cliInProcessLoading(["install", client, hello, "--print"])
        assert.strictEqual(result.code, 0, result.stderr)
        assert.deepStrictEqual(JSON.parse(result.stdout), { mcpServers: { hello: expected } }, client)
      }
      // Fails before the fix: `--env DEBUG=` (a variable set empty) was refused, exit 2.
      const vscode = yield* cliInProcessLoading(
        ["install", "vscode", hello, "--print", "--name", "weather", "--env", "API_KEY=xyz", "--env", "MODE=dev", "--env", "DEBUG=", "--env", "QUERY=a=b"]
      )
      assert.strictEqual(vscode.code, 0, vscode.stderr)
      assert.deepStrictEqual(JSON.parse(vscode.stdout), {
        servers: { weather: { type: "stdio", ...expected, env: { API_KEY: "xyz", MODE: "dev", DEBUG: "", QUERY: "a=b" } } }
      })
      const stdio = yield* cliInProcessLoading(["install", "stdio", hello])
      assert.strictEqual(stdio.code, 0, stdio.stderr)
      assert.deepStrictEqual(JSON.parse(stdio.stdout), expected)
      // Fails before the fix: a principal named in env was not read by the server it starts.
      const principal = yield* cliInProcessLoading(["install", "stdio", hello, "--env", "MCP_SUBJECT=ada", "--env", "MCP_SCOPES=admin"])
      assert.deepStrictEqual(JSON.parse(principal.stdout), {
        ...expected,
        args: [...expected.args, "--principal-from-env"],
        env: { MCP_SUBJECT: "ada", MCP_SCOPES: "admin" }
      })
    }), 120_000)

  // Fails before the fix: what the module wrote with console.log at import came first on stdout,
  // before the entry (`install stdio server.ts > entry.json` wrote no JSON).
  it.live("stdout is the configuration only: what the module writes with console.log at import goes to stderr", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "noisy.ts",
        `import * as Effect from "effect/Effect"
import { McpServer } from "${library}"
console.log("noisy: loading")
export default { options: { name: "noisy", version: "1.0.0" }, components: McpServer.tool({ name: "ping", handler: () => Effect.succeed("pong") }) }
`
      )
      const noisy = { ...expected, args: [realpathSync(bin), "run", file, "--stdio"] }
      const stdio = yield* cli(["install", "stdio", file], { cwd: dir })
      assert.strictEqual(stdio.code, 0, stdio.stderr)
      assert.deepStrictEqual(JSON.parse(stdio.stdout), noisy)
      const printed = yield* cli(["install", "cursor", file, "--print"], { cwd: dir })
      assert.deepStrictEqual(JSON.parse(printed.stdout), { mcpServers: { noisy } })
      const written = yield* cli(["install", "mcp-json", file], { cwd: dir })
      assert.strictEqual(written.code, 0, written.stderr)
      assert.strictEqual(written.stdout, "")
      for (const result of [stdio, printed, written]) assert.include(result.stderr, "noisy: loading")
    }), 120_000)

  it.live("--config: added beside the other servers, replaced by name, a file that is not JSON left as it is", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const config = join(dir, "nested", "config.json")
      mkdirSync(join(dir, "nested"))
      writeFileSync(config, JSON.stringify({ theme: "dark", mcpServers: { other: { command: "other" } } }))
      const added = yield* cliInProcessLoading(["install", "claude-desktop", hello, "--config", config])
      assert.strictEqual(added.code, 0, added.stderr)
      assert.strictEqual(added.stdout, "")
      assert.include(added.stderr, `added the server "hello" in ${config}`)
      assert.deepStrictEqual(JSON.parse(readFileSync(config, "utf8")), {
        theme: "dark",
        mcpServers: { other: { command: "other" }, hello: expected }
      })
      const replaced = yield* cliInProcessLoading(["install", "claude-desktop", hello, "--config", config, "--env", "A=1"])
      assert.include(replaced.stderr, `replaced the server "hello"`)
      assert.deepStrictEqual(JSON.parse(readFileSync(config, "utf8")).mcpServers.hello, { ...expected, env: { A: "1" } })

      const broken = join(dir, "broken.json")
      writeFileSync(broken, "{ not json")
      const refused = yield* cliInProcessLoading(["install", "cursor", hello, "--config", broken])
      assert.strictEqual(refused.code, 1)
      assert.include(refused.stderr, `${broken} is left unchanged: it is not valid JSON`)
      assert.strictEqual(readFileSync(broken, "utf8"), "{ not json")
    }), 120_000)

  // Fails before the fix: installing again (after an upgrade, a move) replaced the entry whole: the
  // API key given at the first install was dropped without a word, and the server failed without it.
  it.live("an entry replaced keeps its environment variables, --env setting some anew; said on stderr", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const config = join(dir, "mcp.json")
      const first = yield* cliInProcessLoading(["install", "mcp-json", hello, "--config", config, "--env", "API_KEY=secret", "--env", "MODE=dev"])
      assert.strictEqual(first.code, 0, first.stderr)
      assert.notInclude(first.stderr, "keeps")
      const again = yield* cliInProcessLoading(["install", "mcp-json", hello, "--config", config, "--env", "MODE=prod"])
      assert.strictEqual(again.code, 0, again.stderr)
      assert.deepStrictEqual(JSON.parse(readFileSync(config, "utf8")).mcpServers.hello, { ...expected, env: { API_KEY: "secret", MODE: "prod" } })
      assert.include(again.stderr, "effect-mcp install: the entry it replaces keeps its environment variables API_KEY")
      // A principal kept is still read by the server it starts.
      const vscode = join(dir, "vscode.json")
      assert.strictEqual((yield* cliInProcessLoading(["install", "vscode", hello, "--config", vscode, "--env", "MCP_SUBJECT=ada"])).code, 0)
      assert.strictEqual((yield* cliInProcessLoading(["install", "vscode", hello, "--config", vscode])).code, 0)
      assert.deepStrictEqual(JSON.parse(readFileSync(vscode, "utf8")).servers.hello, {
        type: "stdio",
        ...expected,
        args: [...expected.args, "--principal-from-env"],
        env: { MCP_SUBJECT: "ada" }
      })
    }), 120_000)

  it.live("--config: a symbolic link is written where it points (the link stays); the file keeps its permissions; a new one with env values is its owner's only", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      mkdirSync(join(dir, "dotfiles"))
      const real = join(dir, "dotfiles", "claude.json")
      writeFileSync(real, JSON.stringify({ mcpServers: {} }))
      chmodSync(real, 0o664) // group-writable: the umask would narrow it at creation
      const link = join(dir, "config.json")
      symlinkSync(real, link)
      const linked = yield* cliInProcessLoading(["install", "claude-desktop", hello, "--config", link, "--env", "API_KEY=secret"])
      assert.strictEqual(linked.code, 0, linked.stderr)
      assert.isTrue(lstatSync(link).isSymbolicLink(), "still a link")
      assert.deepStrictEqual(JSON.parse(readFileSync(real, "utf8")).mcpServers.hello, { ...expected, env: { API_KEY: "secret" } })
      assert.strictEqual(statSync(real).mode & 0o777, 0o664, "as it was")
      // A link to a file not made yet: made there, and the link stays.
      const dangling = join(dir, "dangling.json")
      symlinkSync(join("dotfiles", "later", "cursor.json"), dangling)
      const made = yield* cliInProcessLoading(["install", "cursor", hello, "--config", dangling])
      assert.strictEqual(made.code, 0, made.stderr)
      assert.isTrue(lstatSync(dangling).isSymbolicLink(), "still a link")
      assert.deepStrictEqual(JSON.parse(readFileSync(join(dir, "dotfiles", "later", "cursor.json"), "utf8")).mcpServers.hello, expected)
      // A chain of such links: followed to its end, every link stays.
      const first = join(dir, "first.json")
      symlinkSync("second.json", first)
      symlinkSync(join("dotfiles", "end", "mcp.json"), join(dir, "second.json"))
      assert.strictEqual((yield* cliInProcessLoading(["install", "mcp-json", hello, "--config", first])).code, 0)
      assert.isTrue(lstatSync(first).isSymbolicLink() && lstatSync(join(dir, "second.json")).isSymbolicLink(), "both still links")
      assert.deepStrictEqual(JSON.parse(readFileSync(join(dir, "dotfiles", "end", "mcp.json"), "utf8")).mcpServers.hello, expected)
      const fresh = join(dir, "fresh", "mcp.json")
      const created = yield* cliInProcessLoading(["install", "cursor", hello, "--config", fresh, "--env", "API_KEY=secret"])
      assert.strictEqual(created.code, 0, created.stderr)
      assert.strictEqual(statSync(fresh).mode & 0o777, 0o600)
      assert.deepStrictEqual(readdirSync(join(dir, "fresh")), ["mcp.json"], "no temporary file left")
    }), 120_000)

  it.live("--config: a file with comments and trailing commas (VS Code's mcp.json is JSONC) is edited in place: comments, layout and the other servers stay", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const config = join(dir, "mcp.json")
      const before = [
        "{",
        "  // Servers of this workspace",
        "  \"servers\": {",
        "    \"other\": { \"type\": \"stdio\", \"command\": \"other\" }, /* keep me */",
        "  },",
        "  \"inputs\": [],",
        "}",
        ""
      ].join("\n")
      writeFileSync(config, before)
      const added = yield* cliInProcessLoading(["install", "vscode", hello, "--config", config])
      assert.strictEqual(added.code, 0, added.stderr)
      const after = readFileSync(config, "utf8")
      assert.include(after, "// Servers of this workspace")
      assert.include(after, "/* keep me */")
      assert.include(after, "\"inputs\": [],")
      const { parse } = yield* Effect.promise(() => import("jsonc-parser"))
      assert.deepStrictEqual(parse(after, [], { allowTrailingComma: true }), {
        servers: { other: { type: "stdio", command: "other" }, hello: { type: "stdio", ...expected } },
        inputs: []
      })
      // Replaced by name, in place.
      const replaced = yield* cliInProcessLoading(["install", "vscode", hello, "--config", config, "--env", "A=1"])
      assert.include(replaced.stderr, `replaced the server "hello"`)
      const again = readFileSync(config, "utf8")
      assert.include(again, "// Servers of this workspace")
      assert.deepStrictEqual(parse(again, [], { allowTrailingComma: true }).servers.hello, { type: "stdio", ...expected, env: { A: "1" } })
      // Indented with tabs: the entry too.
      const tabs = join(dir, "tabs.json")
      writeFileSync(tabs, "{\n\t\"servers\": {\n\t\t\"other\": {}\n\t}\n}\n")
      assert.strictEqual((yield* cliInProcessLoading(["install", "vscode", hello, "--config", tabs])).code, 0)
      assert.include(readFileSync(tabs, "utf8"), "\t\t\"hello\": {")
      // Indented with four spaces: the entry too (fails before the fix: it was indented by two).
      const four = join(dir, "four.json")
      writeFileSync(four, "{\n    \"servers\": {\n        \"other\": {}\n    }\n}\n")
      assert.strictEqual((yield* cliInProcessLoading(["install", "vscode", hello, "--config", four])).code, 0)
      const fourAfter = readFileSync(four, "utf8")
      assert.include(fourAfter, "\n        \"hello\": {\n            \"type\": \"stdio\",\n")
      for (const line of fourAfter.split("\n")) assert.strictEqual(/^ */.exec(line)![0].length % 4, 0, line)
      // A block comment first (JSONC): its ` * ` lines are not the file's indentation (fails before
      // the fix: the entry was indented by one space, that of the comment's second line).
      const commented = join(dir, "commented.json")
      writeFileSync(commented, "/*\n * Servers of this workspace.\n */\n{\n    \"servers\": {\n        \"other\": {}\n    }\n}\n")
      assert.strictEqual((yield* cliInProcessLoading(["install", "vscode", hello, "--config", commented])).code, 0)
      const commentedAfter = readFileSync(commented, "utf8")
      assert.include(commentedAfter, "\n        \"hello\": {\n            \"type\": \"stdio\",\n")
      assert.isTrue(commentedAfter.startsWith("/*\n * Servers of this workspace.\n */\n{\n"), commentedAfter)
      // A name the file does not hold is added, whatever it is ("toString" is no server of an object's).
      // An empty name is an invalid invocation (exit 2), and nothing is written.
      const unchanged = readFileSync(tabs, "utf8")
      const empty = yield* cliInProcessLoading(["install", "vscode", hello, "--config", tabs, "--name", " "])
      assert.strictEqual(empty.code, 2, JSON.stringify(empty))
      assert.include(empty.stderr, "--name must not be empty")
      assert.strictEqual(readFileSync(tabs, "utf8"), unchanged)
      const named = yield* cliInProcessLoading(["install", "vscode", hello, "--config", tabs, "--name", "toString"])
      assert.include(named.stderr, `added the server "toString"`)
      // A key given twice: an edit in place would change the first, readers take the last; left as it is.
      const twice = join(dir, "twice.json")
      const doubled = `{"servers": {"a": {}}, "servers": {"b": {}}}\n`
      writeFileSync(twice, doubled)
      const refused = yield* cliInProcessLoading(["install", "vscode", hello, "--config", twice])
      assert.strictEqual(refused.code, 1, refused.stderr)
      assert.include(refused.stderr, "is left unchanged")
      assert.strictEqual(readFileSync(twice, "utf8"), doubled)
    }), 120_000)

  it.live("a write that fails leaves no temporary file behind (ConfigWriteFailed, the file as it was)", () =>
    Effect.gen(function*() {
      const dir = join(yield* tempProject, "conf")
      mkdirSync(dir)
      const config = join(dir, "c.json")
      writeFileSync(config, "{}\n")
      const failingRename = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          rename: () => Effect.fail(PlatformError.systemError({ _tag: "PermissionDenied", module: "FileSystem", method: "rename" }))
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const error = yield* Effect.flip(
        Install.write("cursor", config, "hello", { command: "node", args: [] }).pipe(Effect.provide(Layer.mergeAll(failingRename, NodePath.layer)))
      )
      assert.strictEqual(error._tag, "ConfigWriteFailed")
      assert.deepStrictEqual(readdirSync(dir), ["c.json"])
      assert.strictEqual(readFileSync(config, "utf8"), "{}\n")
    }))

  // Fails before the fix: --name was ignored without a word (exit 0), the entry printed without it.
  it.live("install stdio --name: refused as an invalid invocation (exit 2): the printed entry has no name", () =>
    Effect.gen(function*() {
      // Refused before the module loads: in this process.
      const named = yield* cliInProcess(["install", "stdio", hello, "--name", "weather"])
      assert.strictEqual(named.code, 2, JSON.stringify(named))
      assert.strictEqual(named.stdout, "")
      assert.include(named.stderr, "effect-mcp install: the stdio entry is printed alone, without a name: drop --name")
      assert.include(named.stderr, "--help\" for usage")
      const both = yield* cliInProcess(["install", "stdio", hello, "--name", "weather", "--config", "x.json"])
      assert.strictEqual(both.code, 2, JSON.stringify(both))
      assert.include(both.stderr, "drop --name and --config")
    }), 120_000)

  // Fails before the fix: an entry keyed "" was printed (or written), exit 0; the server it starts
  // fails as it is built ("McpServer: name must name the server").
  it.live("a module whose options the server refuses (name: \"\", pageSize: 0): nothing printed or written, exit 1, the option named", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const module = (file: string, options: string) =>
        writeModule(dir, file, `import * as Layer from "effect/Layer"\nexport const options = ${options}\nexport const components = Layer.empty\n`)
      const unnamed = module("unnamed.ts", `{ name: "", version: "1" }`)
      // The two that would write (.mcp.json in the working directory) spawned in dir; the others, which
      // would print or write nothing of the working directory's, in this process.
      for (const args of [["install", "mcp-json", unnamed, "--print"], ["install", "mcp-json", unnamed], ["install", "mcp-json", unnamed, "--name", "x"]]) {
        const result = yield* (args.includes("--print") ? cliInProcessLoading(args) : cli(args, { cwd: dir }))
        assert.strictEqual(result.code, 1, JSON.stringify(result))
        assert.strictEqual(result.stdout, "")
        assert.include(result.stderr, `${unnamed} is not installed: McpServer: name must name the server, not ""`)
      }
      assert.isFalse(existsSync(join(dir, ".mcp.json")), "nothing written")
      const paged = module("paged.ts", `{ name: "paged", version: "1", pageSize: 0 }`)
      const result = yield* cliInProcessLoading(["install", "stdio", paged])
      assert.strictEqual(result.code, 1, JSON.stringify(result))
      assert.strictEqual(result.stdout, "")
      assert.include(result.stderr, "McpServer: pageSize must be an integer >= 1, got 0")
      // Fails before its fix: tasks as plain options (the form before 0.2.0) was written, exit 0.
      const tasks = yield* cliInProcessLoading(["install", "stdio", module("tasks.ts", `{ name: "tasks", version: "1", tasks: {} }`)])
      assert.strictEqual(tasks.code, 1, JSON.stringify(tasks))
      assert.strictEqual(tasks.stdout, "")
      assert.include(tasks.stderr, "McpServer: options.tasks takes McpServer.tasks(options?)")
    }), 120_000)

  // Fails before the fix: the script was written by its real path, which pnpm's is in its store
  // and versioned (node_modules/.pnpm/effect-mcp-server@x.y.z/...): the folder an upgrade removes.
  it.live("under pnpm (the package a link into its store): the script is written through the project's node_modules/effect-mcp-server, and starts the server", () =>
    Effect.gen(function*() {
      const project = yield* folder
      // Node strips no types under node_modules: the store (a copy of the package) is beside it here,
      // as pnpm's global virtual store is; the layout of .pnpm itself is Install.linkedBin's test's.
      const store = join(project, ".pnpm-store", "effect-mcp-server@9.9.9", "effect-mcp-server")
      mkdirSync(store, { recursive: true })
      cpSync(join(root, "src"), join(store, "src"), { recursive: true })
      cpSync(join(root, "package.json"), join(store, "package.json"))
      symlinkSync(join(root, "node_modules"), join(store, "node_modules"), "dir")
      mkdirSync(join(project, "node_modules"))
      symlinkSync(join("..", ".pnpm-store", "effect-mcp-server@9.9.9", "effect-mcp-server"), join(project, "node_modules", "effect-mcp-server"), "dir")
      const linked = join(project, "node_modules", "effect-mcp-server", "src", "cli", "bin.ts")
      const printed = execFileSync(process.execPath, [linked, "install", "stdio", hello], { cwd: project, encoding: "utf8", timeout: 30_000 })
      const entry = JSON.parse(printed) as { command: string; args: Array<string> }
      assert.deepStrictEqual(entry.args, [linked, "run", hello, "--stdio"])
      // From another working directory, with the module elsewhere too: found from the package's own folder.
      const elsewhere = execFileSync(process.execPath, [linked, "install", "stdio", hello], { cwd: tmpdir(), encoding: "utf8", timeout: 30_000 })
      assert.strictEqual((JSON.parse(elsewhere) as { args: Array<string> }).args[0], linked)
      const paris = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "install-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, cwd: "/", env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.promise(() => client.callTool({ name: "weather", arguments: { city: "Paris" } })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(paris.structuredContent, { city: "Paris", celsius: 21.5 })
    }), 240_000)

  it.live("Install.linkedBin in a pnpm layout: the project's link that leads to the script (a workspace package's first), never pnpm's own .pnpm/node_modules, the real path when none does", () =>
    Effect.gen(function*() {
      const project = yield* folder
      const pnpm = join(project, "node_modules", ".pnpm")
      const version = (v: string) => join(pnpm, `effect-mcp-server@${v}`, "node_modules", "effect-mcp-server")
      for (const v of ["9.9.9", "9.9.10"]) {
        mkdirSync(join(version(v), "dist", "cli"), { recursive: true })
        writeFileSync(join(version(v), "dist", "cli", "bin.js"), "")
      }
      const real = join(version("9.9.9"), "dist", "cli", "bin.js")
      mkdirSync(join(pnpm, "node_modules"))
      symlinkSync(version("9.9.9"), join(pnpm, "node_modules", "effect-mcp-server"), "dir")
      const app = join(project, "packages", "app")
      mkdirSync(join(app, "node_modules"), { recursive: true })
      mkdirSync(join(app, "src"))
      const linkedBin = (from: ReadonlyArray<string>) =>
        Install.linkedBin({ bin: real, packageRoot: version("9.9.9"), packageName: "effect-mcp-server", from }).pipe(
          Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
        )
      const other = yield* folder
      // No project link yet: only pnpm's own (.pnpm/node_modules), which is not the project's.
      assert.strictEqual(yield* linkedBin([project, other]), real)
      symlinkSync(version("9.9.9"), join(project, "node_modules", "effect-mcp-server"), "dir")
      const atRoot = join(project, "node_modules", "effect-mcp-server", "dist", "cli", "bin.js")
      assert.strictEqual(yield* linkedBin([project]), atRoot)
      assert.strictEqual(yield* linkedBin([other]), atRoot, "from the package's own folder")
      symlinkSync(version("9.9.9"), join(app, "node_modules", "effect-mcp-server"), "dir")
      assert.strictEqual(yield* linkedBin([join(app, "src")]), join(app, "node_modules", "effect-mcp-server", "dist", "cli", "bin.js"))
      // A link to another version leads to another file: not that one.
      rmSync(join(project, "node_modules", "effect-mcp-server"))
      symlinkSync(version("9.9.10"), join(project, "node_modules", "effect-mcp-server"), "dir")
      assert.strictEqual(yield* linkedBin([project, other]), real)
    }))

  // Found by fuzzing (fails before a fix): the file was read (a FIFO: for ever, the first SIGTERM
  // ignored), then renamed over: run as root, `--config /dev/null` replaced /dev/null by a file.
  it.live("--config that is not a regular file (a FIFO, a device) is refused at once and left as it is", () =>
    Effect.gen(function*() {
      if (process.platform === "win32") return
      const dir = yield* tempProject
      const fifo = join(dir, "mcp.json")
      execFileSync("mkfifo", [fifo])
      const result = yield* cli(["install", "cursor", hello, "--config", fifo], { timeout: startBound, killSignal: "SIGKILL" })
      assert.strictEqual(result.code, 1, JSON.stringify(result))
      assert.include(result.stderr, fifo)
      assert.isTrue(lstatSync(fifo).isFIFO(), "left as it is")
      assert.deepStrictEqual(readdirSync(dir).filter((name) => name !== "node_modules"), ["mcp.json"], "no temporary file left")
    }), 120_000)

  // Fails before the fix: the shell leaves ~ after = as it is, and the CLI made a folder named ~
  // in the working directory, wrote there and said so as a success; the file meant was untouched.
  it.live("--config=~/mcp.json (a ~ the shell did not expand): the file in the home folder, no folder named ~", () =>
    Effect.gen(function*() {
      const home = yield* tempProject
      const cwd = yield* tempProject
      const result = yield* cli(["install", "cursor", hello, "--config=~/cursor/mcp.json"], { cwd, env: { ...process.env, HOME: home } })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.include(result.stderr, `added the server "hello" in ${join(home, "cursor", "mcp.json")}`)
      assert.deepStrictEqual(JSON.parse(readFileSync(join(home, "cursor", "mcp.json"), "utf8")), { mcpServers: { hello: expected } })
      assert.isFalse(existsSync(join(cwd, "~")), "a folder named ~")
    }), 120_000)

  it.live("claude-desktop without --config: the file under the home folder (Linux: ~/.config/Claude, or $XDG_CONFIG_HOME/Claude), created with its folders", () =>
    Effect.gen(function*() {
      if (process.platform !== "linux") return
      const home = yield* tempProject
      const { XDG_CONFIG_HOME: _, ...environment } = process.env
      const result = yield* cli(["install", "claude-desktop", hello], { env: { ...environment, HOME: home } })
      assert.strictEqual(result.code, 0, result.stderr)
      const written = JSON.parse(readFileSync(join(home, ".config", "Claude", "claude_desktop_config.json"), "utf8"))
      assert.deepStrictEqual(written, { mcpServers: { hello: expected } })
      // Fails before the fix: written under ~/.config whatever $XDG_CONFIG_HOME said, where Claude
      // Desktop (Electron, which reads $XDG_CONFIG_HOME) does not look. A relative one is no such folder.
      const xdg = join(home, "xdg")
      const moved = yield* cli(["install", "claude-desktop", hello, "--name", "moved"], { env: { ...environment, HOME: home, XDG_CONFIG_HOME: xdg } })
      assert.strictEqual(moved.code, 0, moved.stderr)
      assert.include(moved.stderr, join(xdg, "Claude", "claude_desktop_config.json"))
      assert.deepStrictEqual(JSON.parse(readFileSync(join(xdg, "Claude", "claude_desktop_config.json"), "utf8")), { mcpServers: { moved: expected } })
      const relative = yield* cli(["install", "claude-desktop", hello, "--name", "relative"], {
        env: { ...environment, HOME: home, XDG_CONFIG_HOME: "xdg" }
      })
      assert.strictEqual(relative.code, 0, relative.stderr)
      assert.include(Object.keys(JSON.parse(readFileSync(join(home, ".config", "Claude", "claude_desktop_config.json"), "utf8")).mcpServers), "relative")
    }), 120_000)

  it.live("the written command starts the server: the SDK client calls its tool", () =>
    Effect.gen(function*() {
      // The entry printed in this process: the spawned CLI's is the same (the cases above compare
      // both with expected); what is checked here is that the command it writes starts the server.
      const result = yield* cliInProcessLoading(["install", "stdio", hello])
      assert.strictEqual(result.code, 0, result.stderr)
      const entry = JSON.parse(result.stdout) as { command: string; args: Array<string> }
      const paris = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "install-test", version: "1.0.0" })
          // A desktop client's working directory is anything: not the repository.
          await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, cwd: "/", env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.promise(() => client.callTool({ name: "weather", arguments: { city: "Paris" } })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(paris.structuredContent, { city: "Paris", celsius: 21.5 })
    }), 120_000)

  // Fails before the fix: the flags were written as given, and from another working directory the
  // server did not start (".env: not found", exit 9); `--inspect-port 0` left "0" for the script.
  it.live("Node's flags naming files from the working directory (--import ./x.mjs, --env-file=.env, -r and --import of a package) are written absolute: the server starts from a client's working directory", () =>
    Effect.gen(function*() {
      const dir = realpathSync(yield* tempProject)
      writeModule(dir, "preload.mjs", "process.stderr.write('preload: ran\\n')\n")
      writeModule(dir, ".env", "FROM_ENV_FILE=yes\n")
      const printed = execFileSync(
        process.execPath,
        ["--import", "./preload.mjs", "--env-file=.env", "-r", "jsonc-parser", "--import", "effect/Function", "--inspect-port", "0", bin, "install", "stdio", hello],
        { cwd: dir, encoding: "utf8", timeout: 30_000 }
      )
      const entry = JSON.parse(printed) as { command: string; args: Array<string> }
      assert.deepStrictEqual(entry.args.slice(0, 3), ["--import", pathToFileURL(join(dir, "preload.mjs")).href, `--env-file=${join(dir, ".env")}`])
      assert.strictEqual(entry.args[3], "-r")
      assert.isTrue(isAbsolute(entry.args[4]!) && existsSync(entry.args[4]!), entry.args[4])
      assert.strictEqual(entry.args[5], "--import")
      assert.match(entry.args[6]!, /^file:\/\/.*\/effect\//)
      assert.deepStrictEqual(entry.args.slice(7), expected.args)
      const started = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const transport = new StdioClientTransport({ command: entry.command, args: entry.args, cwd: "/", env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" })
          let stderr = ""
          transport.stderr?.on("data", (chunk) => void (stderr += String(chunk)))
          const client = new Client({ name: "install-test", version: "1.0.0" })
          await client.connect(transport)
          return { client, stderr: () => stderr }
        }),
        ({ client, stderr }) =>
          Effect.promise(async () => ({ result: await client.callTool({ name: "weather", arguments: { city: "Paris" } }), stderr: stderr() })),
        ({ client }) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(started.result.structuredContent, { city: "Paris", celsius: 21.5 })
      assert.include(started.stderr, "preload: ran")
    }), 240_000)

  // Fails before the fix: the flags of NODE_OPTIONS (how `npx`/`yarn` users run the CLI under a
  // loader, and Yarn Plug'n'Play's --require) loaded the module at install, but were not written:
  // the client, which starts the server without that environment, got a server that failed to load.
  it.live("NODE_OPTIONS's flags (a preload, in quotes with a space) are written into the command, absolute, a debugger's preload not: the server starts without that environment", () =>
    Effect.gen(function*() {
      const dir = realpathSync(yield* tempProject)
      mkdirSync(join(dir, "pre load"))
      writeModule(join(dir, "pre load"), "preload.mjs", "globalThis.__preloaded = true\n")
      const debuggerPreload = join(dir, "vscode", "ms-vscode.js-debug", "src", "bootloader.js")
      mkdirSync(join(dir, "vscode", "ms-vscode.js-debug", "src"), { recursive: true })
      writeModule(join(dir, "vscode", "ms-vscode.js-debug", "src"), "bootloader.js", "")
      const file = writeModule(
        dir,
        "preloaded.ts",
        `import * as Effect from "effect/Effect"
import { McpServer } from "${library}"
if ((globalThis as { __preloaded?: boolean }).__preloaded !== true) throw new Error("loaded without its preload")
export default { options: { name: "preloaded", version: "1.0.0" }, components: McpServer.tool({ name: "ping", handler: () => Effect.succeed("pong") }) }
`
      )
      const result = yield* cli(["install", "stdio", file], {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: `--import "./pre load/preload.mjs" --require "${debuggerPreload}"` }
      })
      assert.strictEqual(result.code, 0, result.stderr)
      const entry = JSON.parse(result.stdout) as { command: string; args: Array<string> }
      assert.deepStrictEqual(entry.args, ["--import", pathToFileURL(join(dir, "pre load", "preload.mjs")).href, realpathSync(bin), "run", file, "--stdio"])
      // The SDK's transport gives the server a few variables (PATH, HOME…), NODE_OPTIONS not, as a
      // desktop client does (and the test run's compile cache: without it, this server alone compiled
      // the library and the CLI anew, in Node's default folder).
      const pong = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "install-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, cwd: "/", env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.promise(() => client.callTool({ name: "ping", arguments: {} })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(pong.content, [{ type: "text", text: "pong" }])
    }), 240_000)

  // Fails before the fix: the Node was written by its real path, a version manager's folder of its
  // version (nvm's ~/.nvm/versions/node/v24.1.0, Homebrew's Cellar/node/24.1.0), which an upgrade
  // removes; nothing said so.
  it.live("a Node named by its version's folder: the link (Homebrew's bin/node) or shim (volta's) on PATH that runs it is written, and starts the server; with none (nvm), said", () =>
    Effect.gen(function*() {
      if (process.platform === "win32") return
      const dir = yield* folder
      // Another name of this very Node (a hard link): what it reports as its path.
      const nodeAt = (...segments: Array<string>) => {
        const file = join(dir, ...segments, "node")
        mkdirSync(join(dir, ...segments), { recursive: true })
        linkSync(process.execPath, file)
        return file
      }
      const run = (node: string, path: string) =>
        Effect.promise(() =>
          new Promise<{ code: number | null; entry: { command: string; args: Array<string> }; stderr: string }>((resolve) => {
            execFile(node, [bin, "install", "stdio", hello], { env: { ...process.env, PATH: path }, timeout: 30_000 }, (error, stdout, stderr) =>
              resolve({ code: error === null ? 0 : (error.code as number), entry: JSON.parse(stdout || "null"), stderr }))
          })
        )
      // Homebrew: bin/node links to the Cellar's versioned file.
      const cellar = nodeAt("brew", "Cellar", "node", "24.9.9", "bin")
      mkdirSync(join(dir, "brew", "bin"))
      symlinkSync(join("..", "Cellar", "node", "24.9.9", "bin", "node"), join(dir, "brew", "bin", "node"))
      const brew = yield* run(cellar, `${join(dir, "brew", "Cellar", "node", "24.9.9", "bin")}:${join(dir, "brew", "bin")}:/usr/bin:/bin`)
      assert.strictEqual(brew.code, 0, brew.stderr)
      assert.strictEqual(brew.entry.command, join(dir, "brew", "bin", "node"))
      assert.notInclude(brew.stderr, "warning")
      // volta: its shim runs the version it picks (from the home folder: the default one).
      const image = nodeAt(".volta", "tools", "image", "node", "24.9.9", "bin")
      mkdirSync(join(dir, ".volta", "bin"))
      const shim = join(dir, ".volta", "bin", "node")
      writeFileSync(shim, `#!/bin/sh\nexec "${image}" "$@"\n`, { mode: 0o755 })
      const volta = yield* run(image, `${join(dir, ".volta", "bin")}:/usr/bin:/bin`)
      assert.strictEqual(volta.code, 0, volta.stderr)
      assert.strictEqual(volta.entry.command, shim)
      const paris = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "install-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: volta.entry.command, args: volta.entry.args, cwd: "/", env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.promise(() => client.callTool({ name: "weather", arguments: { city: "Paris" } })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(paris.structuredContent, { city: "Paris", celsius: 21.5 })
      // nvm: only its versioned folder on PATH (another Node may be there too: not this one).
      const nvm = nodeAt(".nvm", "versions", "node", "v24.9.9", "bin")
      const alone = yield* run(nvm, `${join(dir, ".nvm", "versions", "node", "v24.9.9", "bin")}:/usr/bin:/bin`)
      assert.strictEqual(alone.code, 0, alone.stderr)
      assert.strictEqual(alone.entry.command, nvm)
      assert.include(alone.stderr, `effect-mcp install: warning: this Node, ${nvm}, is named by its version's folder (v24.9.9)`)
      assert.include(alone.stderr, "stops working when that version is uninstalled")
    }), 240_000)

  // Fails before the fix: run through npx where the package is not installed, the CLI wrote its
  // script in npx's cache (~/.npm/_npx/<hash>/...), which goes when the cache is cleaned; nothing said so.
  it.live("a CLI run from npx's cache: the project's own copy of the package is written (and starts the server); with none, said", () =>
    Effect.gen(function*() {
      const dir = yield* folder
      // Node strips no types under node_modules: the cached package without one (its _npx folder is what tells).
      const cached = join(dir, ".npm", "_npx", "0123abcd", "pkg", "effect-mcp-server")
      mkdirSync(cached, { recursive: true })
      cpSync(join(root, "src"), join(cached, "src"), { recursive: true })
      cpSync(join(root, "package.json"), join(cached, "package.json"))
      symlinkSync(join(root, "node_modules"), join(cached, "node_modules"), "dir")
      const cachedBin = join(cached, "src", "cli", "bin.ts")
      const project = join(dir, "project")
      mkdirSync(join(project, "node_modules"), { recursive: true })
      symlinkSync(root, join(project, "node_modules", "effect-mcp-server"), "dir")
      symlinkSync(join(root, "node_modules", "effect"), join(project, "node_modules", "effect"), "dir")
      const module = writeModule(
        project,
        "server.ts",
        `import * as Effect from "effect/Effect"
import { McpServer } from "${library}"
export default { options: { name: "pinger", version: "1.0.0" }, components: McpServer.tool({ name: "ping", handler: () => Effect.succeed("pong") }) }
`
      )
      const install = (cwd: string) =>
        Effect.promise(() =>
          new Promise<{ code: number | null; entry: { command: string; args: Array<string> }; stderr: string }>((resolve) => {
            execFile(process.execPath, [cachedBin, "install", "stdio", module], { cwd, timeout: 30_000 }, (error, stdout, stderr) =>
              resolve({ code: error === null ? 0 : (error.code as number), entry: JSON.parse(stdout || "null"), stderr }))
          })
        )
      // Run from elsewhere: the project is found from the module's folder.
      const found = yield* install(tmpdir())
      assert.strictEqual(found.code, 0, found.stderr)
      const projectBin = join(project, "node_modules", "effect-mcp-server", "src", "cli", "bin.ts")
      assert.deepStrictEqual(found.entry.args, [projectBin, "run", module, "--stdio"])
      assert.include(found.stderr, `this CLI runs from npx's cache (${cachedBin}), which is cleaned: the entry runs the project's own effect-mcp-server`)
      const pong = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "install-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: found.entry.command, args: found.entry.args, cwd: "/", env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.promise(() => client.callTool({ name: "ping", arguments: {} })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(pong.content, [{ type: "text", text: "pong" }])
      // No project copy: the cached script, and a warning.
      rmSync(join(project, "node_modules", "effect-mcp-server"))
      const alone = yield* install(project)
      assert.strictEqual(alone.code, 0, alone.stderr)
      assert.strictEqual(alone.entry.args[0], cachedBin)
      assert.include(alone.stderr, "effect-mcp install: warning: this CLI runs from npx's cache")
      assert.include(alone.stderr, "npm install effect-mcp-server")
    }), 240_000)

  // Fails before a fix: the signal requested a graceful shutdown, nothing held it, and the
  // interrupted command exited 0 as if it had written the configuration.
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it.live(`${signal} while the module loads (a top-level await that never settles): exit ${code}, nothing written`, () =>
      Effect.gen(function*() {
        const dir = yield* tempProject
        const file = writeModule(dir, "hanging.ts", hangingModule.source)
        const running = yield* spawnCli(["install", "mcp-json", file, "--config", join(dir, "mcp.json")], { cwd: dir })
        const exited = yield* interruptWhileLoading(running, signal)
        assert.strictEqual(exited, code, running.stderr())
        assert.deepStrictEqual(readdirSync(dir).filter((name) => name !== "node_modules").sort(), ["hanging.ts"], "nothing written")
        assert.strictEqual(running.stdout(), "")
      }), 120_000)
  }
})
