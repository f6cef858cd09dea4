/**
 * A stdio client that goes away while the server writes to it: it closes the server's stdin and
 * its own end of the server's stdout together (a client that quits, or crashes), while answers are
 * being written. The server's write then fails with EPIPE. Nobody is left to answer: the server
 * ends as at end of input (exit 0, no error report), not as a server that failed. A real child
 * process of test/fixtures/big-answers-server.ts (answers of 5 MiB: the pipe is full when the
 * client goes).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { initializeMessage } from "../http/support.ts"
import { spawnNode } from "../support/child.ts"

const bigAnswersServer = fileURLToPath(new URL("../fixtures/big-answers-server.ts", import.meta.url))

describe("stdio: the client goes away while an answer is written", () => {
  // Fails before the fix: the write's EPIPE failed the run: "ERROR … the server stopped
  // TransportFailure: writing output failed" on stderr, and exit 1.
  it.live("stdin and stdout closed together: exit 0, no ERROR on stderr", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(bigAnswersServer)
      running.send(initializeMessage("init"))
      const initialized = yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === "init"), 10_000))
      assert.isTrue(initialized, `no initialize answer: ${running.stdout()} ${running.stderr()}`)
      running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      const before = running.stdout().length
      for (let id = 1; id <= 5; id++) running.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "big", arguments: {} } })
      // An answer is being written (its first bytes came): the client goes.
      const writing = yield* Effect.promise(() => running.until(() => running.stdout().length > before, 10_000))
      assert.isTrue(writing, `no answer started: ${running.stderr()}`)
      running.child.stdin!.end()
      running.child.stdout!.destroy()
      const exited = yield* Effect.promise(() => running.exited(10_000))
      assert.deepStrictEqual(exited, { code: 0, signal: null }, running.stderr())
      assert.notInclude(running.stderr(), "ERROR")
    }), 30_000)

  it.live("stdout closed alone (stdin left open): the server stops reading and exits 0", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(bigAnswersServer)
      running.send(initializeMessage("init"))
      const initialized = yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === "init"), 10_000))
      assert.isTrue(initialized, `no initialize answer: ${running.stdout()} ${running.stderr()}`)
      running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      const before = running.stdout().length
      for (let id = 1; id <= 5; id++) running.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "big", arguments: {} } })
      const writing = yield* Effect.promise(() => running.until(() => running.stdout().length > before, 10_000))
      assert.isTrue(writing, `no answer started: ${running.stderr()}`)
      running.child.stdout!.destroy()
      const exited = yield* Effect.promise(() => running.exited(10_000))
      assert.deepStrictEqual(exited, { code: 0, signal: null }, running.stderr())
      assert.notInclude(running.stderr(), "ERROR")
    }), 30_000)
})
