/**
 * The test support's in-process CLI (`cliInProcess`) is the spawned CLI's stand-in for the cases
 * that check what the command line says: what the CLI would print must land where the spawned
 * CLI prints it, or the cases' assertions on it could never fail.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { cliInProcess, cliInProcessLoading, example, library, startBound, tempProject, writeModule } from "./support.ts"

describe("cliInProcess", () => {
  // Fails before the fix: the CLI's logs (as `main` runs it: on stderr) went to the captured
  // stdout, so a case asserting that a refused command logged no listening line on stderr
  // (Errors.test, `--host ""`) could never fail.
  // Its run ends once the server says it listens (`until`), not at a fixed 4 s: on a loaded machine
  // (these files run together, other work) the library's loading alone outlasted 4 s, and the case
  // failed with nothing said yet (`{"code":null,"stdout":"","stderr":""}`).
  it.live("the CLI's logs are on stderr, as the spawned CLI's (the listening line of a server that serves, interrupted once it serves)", () =>
    Effect.gen(function*() {
      const events = ["SIGINT", "SIGTERM", "exit", "beforeExit", "uncaughtException", "unhandledRejection"] as const
      const listeners = () => [...events.map((event) => process.listenerCount(event)), process.stdout.listenerCount("error"), process.stderr.listenerCount("error"), process.stdin.listenerCount("data")]
      const before = listeners()
      const execArgv = process.execArgv
      const result = yield* cliInProcess(["run", example("hello-server.ts"), "--http", "--port", "0", "--host", "127.0.0.1"], {
        timeout: startBound,
        until: (output) => output.stderr.includes("MCP over Streamable HTTP at")
      })
      assert.strictEqual(result.code, null, JSON.stringify(result))
      assert.include(result.stderr, "MCP over Streamable HTTP at http://127.0.0.1:", JSON.stringify(result))
      assert.strictEqual(result.stdout, "")
      // Nothing left behind for the next case: the process's listeners are as they were.
      assert.deepStrictEqual(listeners(), before)
      assert.strictEqual(process.exitCode, undefined)
      // Node's flags as they were (the CLI ran with the spawned CLI's: none).
      assert.strictEqual(process.execArgv, execArgv)
    }), 120_000)

  // Fails before the fix: the global console was the test runner's (vitest's, which sends what it
  // is given to the runner), not captured: what the CLI, the library or a module wrote with it
  // was in neither output, and a case's `stderr === ""` (Inspect.test's README server) could not
  // fail on a warning a spawned CLI would print.
  it.live("what is written with the global console (a module's components as they are built) is captured as the spawned CLI's: on stderr, inspect's description alone on stdout", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "noisy.ts",
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"
export const options = { name: "noisy", version: "1.0.0" }
export const components = Layer.mergeAll(
  McpServer.tool({ name: "one", handler: () => Effect.succeed("one") }),
  Layer.effectDiscard(Effect.sync(() => {
    console.warn("support-test: warned while built")
    console.log("support-test: logged while built")
  }))
)
`
      )
      const globalConsole = globalThis.console
      const result = yield* cliInProcessLoading(["inspect", file, "--json"])
      assert.strictEqual(result.code, 0, JSON.stringify(result))
      assert.include(result.stderr, "support-test: warned while built", JSON.stringify(result))
      // inspect sends the console's stdout methods to stderr before the module loads.
      assert.include(result.stderr, "support-test: logged while built", JSON.stringify(result))
      assert.deepStrictEqual(JSON.parse(result.stdout).tools.map((tool: { name: string }) => tool.name), ["one"])
      // The runner's console is back, untouched.
      assert.strictEqual(globalThis.console, globalConsole)
    }).pipe(Effect.scoped), 120_000)

  // Fails before the guard: the module is imported once in this process (the test runner's module
  // cache), so a second in-process run after the file changed described the old module (tools
  // ["one"] again), where a spawned CLI reads the file anew: a case that changed a module between
  // two runs would check the old one and pass or fail for nothing it meant to check.
  it.live("cliInProcessLoading refuses a module changed since this process imported it (the import is cached): said, not the old module described", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const source = (tool: string) =>
        `import * as Effect from "effect/Effect"
import { McpServer } from "${library}"
export const options = { name: "changing", version: "1.0.0" }
export const components = McpServer.tool({ name: "${tool}", handler: () => Effect.succeed("${tool}") })
`
      const file = writeModule(dir, "changing.ts", source("one"))
      const first = yield* cliInProcessLoading(["inspect", file, "--json"])
      assert.strictEqual(first.code, 0, first.stderr)
      assert.deepStrictEqual(JSON.parse(first.stdout).tools.map((tool: { name: string }) => tool.name), ["one"])
      // The same file again, unchanged: run as before.
      assert.strictEqual((yield* cliInProcessLoading(["inspect", file, "--json"])).code, 0)
      writeModule(dir, "changing.ts", source("two"))
      const second = yield* Effect.exit(cliInProcessLoading(["inspect", file, "--json"]))
      assert.isTrue(Exit.isFailure(second), JSON.stringify(second))
      assert.include(String(Cause.squash((second as Exit.Failure<unknown, unknown>).cause)), `${file} changed since this process imported it`)
    }).pipe(Effect.scoped), 120_000)
})
