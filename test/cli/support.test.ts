/**
 * The test support's in-process CLI (`cliInProcess`) is the spawned CLI's stand-in for the cases
 * that check what the command line says: what the CLI would print must land where the spawned
 * CLI prints it, or the cases' assertions on it could never fail.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cliInProcess, example } from "./support.ts"

describe("cliInProcess", () => {
  // Fails before the fix: the CLI's logs (as `main` runs it: on stderr) went to the captured
  // stdout, so a case asserting that a refused command logged no listening line on stderr
  // (Errors.test, `--host ""`) could never fail.
  it.live("the CLI's logs are on stderr, as the spawned CLI's (the listening line of a server that serves, interrupted at the timeout)", () =>
    Effect.gen(function*() {
      const events = ["SIGINT", "SIGTERM", "exit", "beforeExit", "uncaughtException", "unhandledRejection"] as const
      const listeners = () => [...events.map((event) => process.listenerCount(event)), process.stdout.listenerCount("error"), process.stderr.listenerCount("error"), process.stdin.listenerCount("data")]
      const before = listeners()
      const execArgv = process.execArgv
      const result = yield* cliInProcess(["run", example("hello-server.ts"), "--http", "--port", "0", "--host", "127.0.0.1"], { timeout: 4_000 })
      assert.strictEqual(result.code, null, JSON.stringify(result))
      assert.include(result.stderr, "MCP over Streamable HTTP at http://127.0.0.1:", JSON.stringify(result))
      assert.strictEqual(result.stdout, "")
      // Nothing left behind for the next case: the process's listeners are as they were.
      assert.deepStrictEqual(listeners(), before)
      assert.strictEqual(process.exitCode, undefined)
      // Node's flags as they were (the CLI ran with the spawned CLI's: none).
      assert.strictEqual(process.execArgv, execArgv)
    }), 120_000)
})
