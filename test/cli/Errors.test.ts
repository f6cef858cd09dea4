/**
 * The CLI's help and errors: `--help` on every command (exit 0, stdout), and for each mistake a
 * message on stderr naming the file or flag, nothing on stdout, and a non-zero exit code (1 when
 * the command failed, 2 for an invalid invocation).
 *
 * How a module's server fails to build is told by `inspect` in this process (`cliInProcessLoading`)
 * where `run` tells it too, spawned. What the CLI reads of a module's exports (their names, a
 * getter that throws: the test runner's module namespace is not Node's), what Node's loader says
 * (syntax, type stripping, imports, a throw at import, their stacks) and a command's own exit
 * (timers, signals, a module serving itself) are checked with a spawned CLI.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import { cpSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { cli, cliInProcess, cliInProcessLoading, example, library, root, startBound, tempProject, writeModule } from "./support.ts"

const hello = example("hello-server.ts")

describe("effect-mcp --help", () => {
  it.live("every command documents itself on stdout, exit 0; no command at all shows the commands", () =>
    Effect.gen(function*() {
      for (const command of ["run", "dev", "inspect", "install"]) {
        const result = yield* cliInProcess([command, "--help"])
        assert.strictEqual(result.code, 0, result.stderr)
        assert.include(result.stdout, `effect-mcp ${command}`)
        assert.include(result.stdout, "<file>")
        assert.strictEqual(result.stderr, "")
      }
      const run = yield* cliInProcess(["run", "--help"])
      for (const flag of ["--stdio", "--http", "--port", "--host", "--stateless"]) assert.include(run.stdout, flag)
      // Fails before the fix: "or any" was offered with no word of what it turns off.
      for (const command of ["run", "dev"]) {
        const help = command === "run" ? run : yield* cliInProcess([command, "--help"])
        assert.include(
          help.stdout.replace(/\s+/g, " "),
          "any allows every host and turns off DNS rebinding protection (the Host and Origin checks): only behind a proxy that checks Host",
          command
        )
      }
      // The CLI itself, end to end: no command at all.
      const top = yield* cli([])
      assert.strictEqual(top.code, 0)
      for (const command of ["run", "dev", "inspect", "install"]) assert.include(top.stdout, command)
      const version = yield* cliInProcess(["--version"])
      assert.match(version.stdout.trim(), /^effect-mcp \d+\.\d+\.\d+/)
    }), 120_000)
})

describe("effect-mcp errors", () => {
  it.live("a file that is not there, a directory, a file that is not a module: exit 1, named", () =>
    Effect.gen(function*() {
      // Told before any module loads: in this process (relative paths from its working directory, the repository's).
      const missing = yield* cliInProcess(["run", "nowhere/server.ts", "--stdio"])
      assert.deepStrictEqual([missing.code, missing.stdout, missing.stderr], [1, "", "effect-mcp: file not found: nowhere/server.ts\n"])
      const folder = yield* cliInProcess(["inspect", "examples"])
      assert.strictEqual(folder.code, 1)
      assert.include(folder.stderr, "cannot load examples: it is a directory")
      const readme = yield* cliInProcess(["inspect", join(root, "README.md")])
      assert.strictEqual(readme.code, 1)
      assert.include(readme.stderr, "expected a module file (.ts, .mts, .cts, .js, .mjs, .cjs)")
    }), 120_000)

  it.live("nothing exported that is a server: what is missing, and what the module exports", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const none = writeModule(dir, "none.ts", "export const tools = 1\nexport const greeting = 'hi'\n")
      const result = yield* cli(["run", none])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stdout, "")
      assert.include(result.stderr, `${none} exports no server: it has no default export and no \`options\`/\`components\` exports`)
      assert.include(result.stderr, "export default { options, components }")
      assert.include(result.stderr, "(the module exports: greeting, tools)")

      const noComponents = writeModule(dir, "options-only.ts", "export const options = { name: 'x', version: '1' }\n")
      assert.include((yield* cli(["inspect", noComponents])).stderr, "the module has no `components`")
      // What the exports found are (not a Layer, options without a version): in this process, the
      // module read as Node gives it is the spawned cases' above.
      const notALayer = writeModule(
        dir,
        "not-a-layer.ts",
        "export default { options: { name: 'x', version: '1' }, components: [1, 2] }\n"
      )
      assert.include((yield* cliInProcessLoading(["inspect", notALayer])).stderr, "the `components` of the default export is not a Layer")
      const noVersion = writeModule(
        dir,
        "no-version.ts",
        `import { McpServer } from "${library}"\nimport * as Effect from "effect/Effect"\n` +
          "export const options = { name: 'x' }\n" +
          "export const components = McpServer.tool({ name: 't', handler: () => Effect.succeed('') })\n"
      )
      assert.include((yield* cliInProcessLoading(["inspect", noVersion])).stderr, "need a string `name` and `version`")
    }), 120_000)

  // One test for a module that throws as it loads (two, each with a spawned CLI of its own: run
  // for the cause, inspect for the file and Node's loader frames, through the same loading).
  it.live("a module that throws, has a syntax error, or uses TypeScript that Node cannot strip: exit 1, the cause and the file shown, without the frames of Node's loader (node:internal/...)", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const throws = writeModule(dir, "throws.ts", "throw new Error('the database is down')\n")
      const syntax = writeModule(dir, "syntax.ts", "export const x = (\n")
      const thrown = yield* cli(["run", throws])
      assert.strictEqual(thrown.code, 1)
      assert.include(thrown.stderr, `loading ${throws} failed: Error: the database is down`)
      const syntaxError = yield* cli(["inspect", syntax])
      for (const [result, file, says] of [[syntaxError, syntax, "SyntaxError"], [thrown, throws, "the database is down"]] as const) {
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, file)
        assert.include(result.stderr, says)
        assert.notInclude(result.stderr, "node:internal", "a stack dump of Node's module loader")
        // A plain syntax error is not TypeScript that Node cannot strip (ERR_INVALID_, not ERR_UNSUPPORTED_).
        assert.notInclude(result.stderr, "erasable", "advice for another mistake")
      }
      const missingImport = writeModule(dir, "missing-import.ts", "import 'no-such-package'\n")
      assert.include((yield* cli(["inspect", missingImport])).stderr, "no-such-package")
      const enumModule = writeModule(dir, "enum.ts", "export enum Color { Red }\n")
      const stripped = yield* cli(["inspect", enumModule])
      assert.strictEqual(stripped.code, 1)
      assert.include(stripped.stderr, "Node's type stripping runs only erasable TypeScript")
    }), 120_000)

  // Fails before the fix: under node_modules, Node's own ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING
  // and no advice; an import of a `.css` from a module Node runs, "Node v24… does not run
  // TypeScript. Node ≥ 22.18 strips types by default", on the very Node that does.
  it.live("run / inspect of a .ts module Node will not run, or one importing a file of no known kind: the real reason", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      mkdirSync(join(dir, "vendor", "node_modules", "pkg"), { recursive: true })
      const vendored = writeModule(join(dir, "vendor", "node_modules", "pkg"), "server.ts", "const n: number = 1\nexport default n\n")
      for (const command of ["run", "inspect"]) {
        const result = yield* cli([command, vendored])
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, `cannot load ${vendored}: Node strips no types from a file under node_modules`)
        assert.include(result.stderr, "compile the server to JavaScript")
        assert.notInclude(result.stderr, "does not run TypeScript")
      }
      writeModule(dir, "style.css", "body {}\n")
      const styled = writeModule(dir, "styled.ts", "import './style.css'\nexport default 1\n")
      const result = yield* cli(["inspect", styled])
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "style.css")
      assert.notInclude(result.stderr, "does not run TypeScript")
    }), 120_000)

  it.live("invalid flags: exit 2, the error and a pointer to --help on stderr, nothing on stdout", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["run", hello, "--bogus"], "Unrecognized flag: --bogus"],
        [["run"], "Missing required argument: file"],
        [["run", hello, "--http", "--port", "seventy"], "Invalid value for flag --port"],
        [["run", hello, "--http", "--port", "70000"], "--port must be 0 to 65535, got 70000"],
        [["run", hello, "--stdio", "--http"], "--stdio and --http exclude each other"],
        [["run", hello, "--port", "3000"], "--port needs --http (stdio is the default)"],
        [["run", hello, "--host", "::1", "--stateless"], "--host, --stateless need --http"],
        [["run", hello, "--allowed-hosts", "mcp.example.com"], "--allowed-hosts needs --http"],
        [["run", hello, "--http", "--principal-from-env"], "--principal-from-env is for stdio"],
        [["run", hello, "--http", "--allowed-hosts", " , "], "--allowed-hosts names no host"],
        [["run", hello, "--http", "--allowed-hosts", "any,localhost"], "--allowed-hosts lists \"any,localhost\": write any alone to allow every host"],
        // Fail before the fix: taken as written, every request was refused 403 (a Host's name has no port);
        // --port 0: had one served, on a free port.
        [["run", hello, "--http", "--port", "0", "--allowed-hosts", "localhost:3000"], "--allowed-hosts lists \"localhost:3000\", which names a port"],
        [["run", hello, "--http", "--port", "0", "--allowed-hosts", "a.example,[::1]:3000"], "names a port (the Host check compares host names without their port): write [::1]"],
        [["run", hello, "--http", "--port", "0", "--allowed-hosts", "http://mcp.example.com"], "--allowed-hosts lists \"http://mcp.example.com\", which is not a host name"],
        // Fails before the fix: an undocumented alias of any (which turns off DNS rebinding protection).
        [["run", hello, "--http", "--port", "0", "--allowed-hosts", "*"], "--allowed-hosts lists \"*\": * is not a host name"],
        [["install", "emacs", hello], "emacs"],
        [["install", "stdio", hello, "--config", "x.json"], "the stdio entry is printed"],
        [["install", "stdio", hello, "--env", "API_KEY"], "--env takes KEY=VALUE (the value may be empty), got \"API_KEY\""],
        [["frobnicate"], "Unknown subcommand \"frobnicate\""]
      ]
      // Parsed and checked in this process (no module loads), but for one case (the CLI itself, end
      // to end: the exit code and streams of an invalid invocation are the same for every command,
      // and install is spawned by the cases below).
      const spawned = new Set<ReadonlyArray<string>>([cases[0]![0]])
      for (const [args, message] of cases) {
        const result = yield* (spawned.has(args) ? cli(args) : cliInProcess(args))
        assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
        assert.strictEqual(result.stdout, "", args.join(" "))
        assert.include(result.stderr, message, args.join(" "))
        assert.include(result.stderr, "--help\" for usage", args.join(" "))
      }
    }), 240_000)

  it.live("a server whose components fail to build: exit 1, the failure shown", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const failing = writeModule(
        dir,
        "failing.ts",
        `import * as Effect from "effect/Effect"\nimport * as Layer from "effect/Layer"\n` +
          "export const options = { name: 'failing', version: '1' }\n" +
          "export const components = Layer.effectDiscard(Effect.fail(new Error('no credentials')))\n"
      )
      const inspected = yield* cliInProcessLoading(["inspect", failing])
      assert.strictEqual(inspected.code, 1)
      assert.include(inspected.stderr, "the server failed: Error: no credentials")
      assert.include(inspected.stderr, "no credentials")
      const run = yield* cli(["run", failing])
      assert.strictEqual(run.code, 1)
      assert.include(run.stderr, "no credentials")
      assert.strictEqual(run.stdout, "")
    }), 120_000)

  // Fails before: the RegistrationError keeps what the definition threw as its cause, which the
  // pretty cause printed after it, with the library's frames.
  it.live("a definition refused (a tool without a name): its message and the module's line, no library frame", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const refused = writeModule(
        dir,
        "refused.ts",
        `import * as Effect from "effect/Effect"\nimport { McpServer } from ${JSON.stringify(library)}\n` +
          "export const options = { name: 'refused', version: '1' }\n" +
          "export const components = McpServer.tool({ name: '', handler: () => Effect.succeed('') })\n"
      )
      for (const args of [["inspect", refused], ["run", refused]]) {
        const result = yield* cli(args)
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, "the server failed: RegistrationError: Tool: name must not be empty", args.join(" "))
        assert.include(result.stderr, `${pathToFileURL(refused).href}:4:`, result.stderr)
        assert.notInclude(result.stderr, "src/server/", result.stderr)
        assert.notInclude(result.stderr, "[cause]", result.stderr)
        assert.strictEqual(result.stdout, "")
      }
    }), 120_000)

  // Fails before the fix: inspect crashed with a TypeError of its own ("... is not iterable"), and
  // run served: every initialize failed (-32603), or was answered with a version nobody speaks.
  it.live("server options that are not what they take (a module in JavaScript): exit 1, the option named and what it takes", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const module = (name: string, options: string) =>
        writeModule(dir, name, `import * as Layer from "effect/Layer"\nexport const options = ${options}\nexport const components = Layer.empty\n`)
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [
          ["inspect", module("versions.js", "{ name: 'v', version: '1', supportedVersions: 5 }")],
          "the server failed: TypeError: McpServer: supportedVersions must be an array of the protocol versions served among 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, newest first (2026-07-28 is served whatever it says; [] serves it alone), not 5"
        ],
        [
          ["run", module("misspelt.js", "{ name: 'v', version: '1', supportedVersions: ['2025-11-05'] }")],
          "the server failed: TypeError: McpServer: supportedVersions[0] must be one of 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05 (2026-07-28 is served whatever supportedVersions says), not \"2025-11-05\""
        ]
      ]
      for (const [args, message] of cases) {
        const result = yield* (args[0] === "inspect" ? cliInProcessLoading(args) : cli(args))
        assert.strictEqual(result.code, 1, `${args.join(" ")}: ${result.stderr}`)
        assert.include(result.stderr, message, args.join(" "))
        assert.strictEqual(result.stdout, "", args.join(" "))
      }
    }), 120_000)

  // Fails before the fix: an error with fields and no message (Effect's tagged errors, as a Layer
  // fails with them) was shown as "DbDown: ", its fields (what went wrong) left out.
  it.live("components that fail with a tagged error made of fields only: the error shown with its fields", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const failing = writeModule(
        dir,
        "tagged.ts",
        `import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
class DbDown extends Data.TaggedError("DbDown")<{ readonly host: string; readonly port: number }> {}
export const options = { name: "tagged", version: "1" }
export const components = Layer.effectDiscard(Effect.gen(function*() {
  return yield* new DbDown({ host: "db.internal", port: 5432 })
}))
`
      )
      // inspect in this process, run spawned (as the other servers that fail to build).
      for (const args of [["inspect", failing], ["run", failing]]) {
        const result = yield* (args[0] === "inspect" ? cliInProcessLoading(args) : cli(args))
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, "the server failed: DbDown: { host: 'db.internal', port: 5432 }", args.join(" "))
        assert.include(result.stderr, `${failing}:`, "where it failed")
        assert.strictEqual(result.stdout, "")
      }
    }), 120_000)

  // Fails before the fix: exit 130 and not a word, as if the user had pressed Ctrl+C; no signal came.
  it.live("components that interrupt themselves (no signal): exit 1 and a message, not the 130 of a Ctrl+C", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const interrupted = writeModule(
        dir,
        "interrupted.ts",
        `import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
export const options = { name: "interrupted", version: "1" }
// A fiber the components wait for, interrupted by other code: joining it is an interruption.
export const components = Layer.effectDiscard(Effect.gen(function*() {
  const fiber = yield* Effect.forkChild(Effect.never)
  yield* Fiber.interrupt(fiber)
  yield* Fiber.join(fiber)
}))
`
      )
      // inspect in this process (as the other servers that fail to build); run spawned, both modes.
      for (const args of [["inspect", interrupted], ["run", interrupted], ["run", interrupted, "--http", "--port", "0"]]) {
        const result = yield* (args[0] === "inspect" ? cliInProcessLoading(args) : cli(args, { timeout: startBound, killSignal: "SIGKILL" }))
        assert.strictEqual(result.code, 1, `${args.join(" ")}: ${JSON.stringify(result)}`)
        assert.include(result.stderr, "the server failed: ", args.join(" "))
        assert.include(result.stderr, "interrupted", args.join(" "))
        assert.strictEqual(result.stdout, "", args.join(" "))
      }
    }), 240_000)

  // Fails before the fix: "Service not found: app/Db" alone, with no word of what to do.
  it.live("components that use a service the module does not provide: the service named, and how to provide it", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "unprovided.js",
        `import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
const Db = Context.Service("app/Db")
export const options = { name: "unprovided", version: "1" }
export const components = Layer.effectDiscard(Effect.flatMap(Db, (db) => db.connect()))
`
      )
      for (const args of [["inspect", file], ["run", file]]) {
        const result = yield* (args[0] === "inspect" ? cliInProcessLoading(args) : cli(args))
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, "Service not found: app/Db", args.join(" "))
        assert.include(
          result.stderr,
          "the components use a service that nothing provides: provide it in the exported components " +
            "(Layer.provide(components, its Layer)); they may require only the McpServer",
          args.join(" ")
        )
      }
    }), 120_000)

  // Found by fuzzing the CLI; each fails before a fix.

  it.live("a module whose top-level await never settles, or whose components never finish building, with nothing left to run: exit 1 and a message (it exited 0 and said nothing)", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const neverLoads = writeModule(dir, "never-loads.ts", "await new Promise(() => {})\nexport const options = { name: 'x', version: '1' }\n")
      const neverBuilds = writeModule(
        dir,
        "never-builds.ts",
        `import * as Effect from "effect/Effect"\nimport * as Layer from "effect/Layer"\n` +
          "export const options = { name: 'never', version: '1' }\n" +
          "export const components = Layer.effectDiscard(Effect.never)\n"
      )
      // Port 0: a port picked beforehand, another test's server could take, and the exit 1 would be
      // for it (EADDRINUSE), not for the components.
      for (const args of [["inspect", neverLoads], ["run", neverLoads], ["inspect", neverBuilds], ["run", neverBuilds], ["run", neverBuilds, "--http", "--port", "0"]]) {
        const result = yield* cli(args, { timeout: startBound, killSignal: "SIGKILL" })
        assert.strictEqual(result.code, 1, `${args.join(" ")}: ${JSON.stringify(result)}`)
        assert.notStrictEqual(result.stderr, "", args.join(" "))
        assert.strictEqual(result.stdout, "", args.join(" "))
      }
    }), 480_000)

  it.live("--host \"\" is refused, exit 2 (it listened on every interface: http://[::]:<port>)", () =>
    Effect.gen(function*() {
      const result = yield* cliInProcess(["run", hello, "--http", "--host", "", "--port", "0"], { timeout: 10_000 })
      assert.strictEqual(result.code, 2, JSON.stringify(result))
      assert.include(result.stderr, "--host")
      assert.notInclude(result.stderr, "MCP over Streamable HTTP at")
    }), 120_000)

  it.live("a host that does not resolve: the advice is another --host, not another port", () =>
    Effect.gen(function*() {
      const result = yield* cli(["run", hello, "--http", "--host", "no-such-host.invalid", "--port", "0"], { timeout: startBound })
      assert.strictEqual(result.code, 1, JSON.stringify(result))
      assert.include(result.stderr, "no-such-host.invalid")
      assert.include(result.stderr, "--host")
      assert.notInclude(result.stderr, "choose another port")
      // dev --port 0 picks its port on that host first: said the same way, not as a defect. Told
      // before anything starts: in this process (a dev that went on would serve: its bound, code
      // null, fails the case).
      const dev = yield* cliInProcess(["dev", hello, "--host", "no-such-host.invalid", "--port", "0"], { timeout: startBound })
      assert.strictEqual(dev.code, 1, JSON.stringify(dev))
      assert.include(dev.stderr, "choose another address with --host")
      assert.notInclude(dev.stderr, "    at ")
    }), 120_000)

  // Fails before the fix: the error's cause was dropped (only its own message and stack were shown),
  // and a thrown object that is not an Error was shown as "[object Object]".
  it.live("a module that throws an error with a cause, or an object that is not an Error: what they say is shown", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const chained = writeModule(
        dir,
        "chained.ts",
        "throw new Error('connecting to the database failed', { cause: new Error('ECONNREFUSED 127.0.0.1:5432') })\n"
      )
      const object = writeModule(dir, "object.ts", "throw { code: 'EDB', reason: 'the database is down' }\n")
      const cases = [[chained, ["connecting to the database failed", "ECONNREFUSED 127.0.0.1:5432"]], [object, ["EDB", "the database is down"]]] as const
      for (const [file, says] of cases) {
        const result = yield* cli(["inspect", file])
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, `loading ${file} failed: `)
        for (const said of says) assert.include(result.stderr, said)
        assert.notInclude(result.stderr, "[object Object]")
        assert.notInclude(result.stderr, "node:internal", "a stack dump of Node's module loader")
      }
    }), 120_000)

  // Fails before the fix: only Node's "Cannot find module .../helper.js", though helper.ts is there
  // (what TypeScript's nodenext resolution has one write, and Node's type stripping does not map).
  it.live("a relative import of helper.js, or of helper without extension, where helper.ts is: the advice names helper.ts", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      writeModule(dir, "helper.ts", "export const name = 'helper'\n")
      const js = writeModule(dir, "imports-js.ts", "import { name } from './helper.js'\nexport const options = { name, version: '1' }\n")
      const bare = writeModule(dir, "imports-bare.ts", "import { name } from './helper'\nexport const options = { name, version: '1' }\n")
      const cases = [
        [js, "helper.js is not there, helper.ts is: Node runs the file an import names (it does not map .js to .ts)"],
        [bare, "helper is not there, helper.ts is: an ES module's import names the file with its extension"]
      ] as const
      for (const [file, advice] of cases) {
        const result = yield* cli(["inspect", file])
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, `loading ${file} failed: `)
        assert.include(result.stderr, advice)
        assert.include(result.stderr, "write the import with helper.ts")
      }
      // Nothing of the kind when there is no such file.
      const none = writeModule(dir, "imports-none.ts", "import './nowhere.js'\n")
      const result = yield* cli(["inspect", none])
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "nowhere.js")
      assert.notInclude(result.stderr, "is not there")
    }), 120_000)

  it.live("exports that throw when read (a getter, a Proxy): exit 1 naming the file, not a stack of the CLI's own code", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const getter = writeModule(dir, "getter.ts", "export default { get options() { throw new Error('getter boom') }, components: 1 }\n")
      const proxy = writeModule(dir, "proxy.ts", "export default new Proxy({}, { has() { throw new Error('has boom') } })\n")
      for (const file of [getter, proxy]) {
        const result = yield* cli(["inspect", file])
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, file)
        assert.notInclude(result.stderr, "src/cli/", "a stack of the CLI's own code")
      }
    }), 120_000)

  it.live("a module path that is not a regular file (a FIFO) is refused at once (it was read for ever)", () =>
    Effect.gen(function*() {
      if (process.platform === "win32") return
      const dir = yield* tempProject
      const fifo = join(dir, "server.ts")
      execFileSync("mkfifo", [fifo])
      const result = yield* cli(["inspect", fifo], { timeout: startBound, killSignal: "SIGKILL" })
      assert.strictEqual(result.code, 1, JSON.stringify(result))
      assert.include(result.stderr, fifo)
    }), 120_000)
})

describe("effect-mcp: a module that leaves something running at import (a timer, a client's socket)", () => {
  // A module's top-level code may open what Node waits for (a pool's timer, a telemetry exporter's
  // interval, a client connection): the command ends all the same once it is done.
  const timer = "setInterval(() => {}, 60_000)\n"

  it.live("inspect, install --print, run --stdio at end of input, and a module that exports no server: each exits when done (it stayed up for ever)", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const server = writeModule(
        dir,
        "server.ts",
        `${timer}import { McpServer } from "${library}"\nimport * as Effect from "effect/Effect"\n` +
          "export const options = { name: 'busy', version: '1.0.0' }\n" +
          "export const components = McpServer.tool({ name: 'ping', handler: () => Effect.succeed('pong') })\n"
      )
      const none = writeModule(dir, "none.ts", `${timer}export const tools = 1\n`)
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, number, string]> = [
        [["inspect", server], 0, "busy 1.0.0"],
        [["inspect", server, "--json"], 0, "\"name\": \"ping\""],
        [["install", "stdio", server], 0, server],
        // stdin is closed: the end of input ends the server.
        [["run", server], 0, ""],
        [["inspect", none], 1, ""]
      ]
      for (const [args, code, says] of cases) {
        // SIGKILL after 10 s: a command still running then exits with null.
        const result = yield* cli(args, { timeout: startBound, killSignal: "SIGKILL" })
        assert.strictEqual(result.code, code, `${args.join(" ")}: ${JSON.stringify(result)}`)
        assert.include(result.stdout, says, args.join(" "))
      }
    }), 360_000)

  // Fails before the fix: the module's own stdio server (at its top level, without
  // `if (import.meta.main)`) ran beside the CLI's, on the CLI's stdin, and at its end exited the
  // process, 0: `run --http` stopped as it started, `install` wrote nothing, none said a word.
  it.live("a module that runs a server itself as it is imported (Stdio.runMain at its top level): exit 1 and the guard to write, for run --http, install and inspect", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const selfServing = (name: string, library: string) =>
        writeModule(
          dir,
          name,
          `import * as Effect from "effect/Effect"
import { McpServer, Stdio } from "${library}"
export const options = { name: "self", version: "1.0.0" }
export const components = McpServer.tool({ name: "ping", handler: () => Effect.succeed("pong") })
McpServer.serve(options, components, Stdio.make()).pipe(Stdio.runMain)
`
        )
      const file = selfServing("self.ts", library)
      // Another copy of the package than the CLI's (the CLI from npx's cache, the project's own).
      cpSync(join(root, "src"), join(dir, "copy"), { recursive: true })
      const other = selfServing("other.ts", pathToFileURL(join(dir, "copy", "index.ts")).href)
      for (const args of [["run", file, "--http", "--port", "0"], ["install", "stdio", file], ["inspect", file, "--json"], ["run", other, "--http", "--port", "0"]]) {
        const file = args[args[0] === "install" ? 2 : 1]!
        // stdin is closed, as a container's or a script's.
        const result = yield* cli(args, { cwd: dir, timeout: startBound, killSignal: "SIGKILL" })
        assert.strictEqual(result.code, 1, `${args.join(" ")}: ${JSON.stringify(result)}`)
        assert.strictEqual(result.stdout, "", args[0])
        assert.include(result.stderr, `effect-mcp: ${file} runs a server itself as it is imported`, args[0])
        assert.include(result.stderr, "if (import.meta.main)", args[0])
        assert.notInclude(result.stderr, "MCP over Streamable HTTP at", args[0])
      }
    }), 360_000)
})
