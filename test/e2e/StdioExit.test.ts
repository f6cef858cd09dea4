/**
 * A stdio server under `Stdio.runMain` ends with its input, whatever its modules left running: a
 * client that goes away (closes the server's stdin, crashed or quit, without a signal) must not
 * leave a server process behind for ever. A real child process of
 * test/fixtures/lingering-handle-server.ts, whose module starts an interval at import.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { initializeMessage } from "../http/support.ts"
import { spawnNode } from "../support/child.ts"

const lingeringHandleServer = fileURLToPath(new URL("../fixtures/lingering-handle-server.ts", import.meta.url))

describe("stdio: end of input under Stdio.runMain, a module having left an interval running", () => {
  // Fails before the fix: the session ended and `run` returned, but Node waited on the interval:
  // the process never exited (still running 10 s after its stdin closed).
  it.live("every request answered, then exit 0", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(lingeringHandleServer)
      running.send(initializeMessage("init"))
      const initialized = yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === "init"), 10_000))
      assert.isTrue(initialized, `no initialize answer: ${running.stdout()} ${running.stderr()}`)
      running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      for (let id = 1; id <= 20; id++) {
        running.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "ping_tool", arguments: {} } })
      }
      running.child.stdin!.end()
      const exited = yield* Effect.promise(() => running.exited(10_000))
      assert.deepStrictEqual(exited, { code: 0, signal: null }, running.stderr())
      const answered = running.messages().filter((m) => typeof m.id === "number" && m.result?.content?.[0]?.text === "pong")
      assert.strictEqual(answered.length, 20, running.stdout())
    }), 30_000)
})
