/**
 * A stdio server's stderr carries only its logs: a client that closed it (one that does not want
 * them, or a wrapper that went away) must not stop the protocol. Real child processes of
 * test/fixtures/cut-input-server.ts, whose `later` tool logs to stderr as it answers.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { initializeMessage } from "../http/support.ts"
import { spawnNode } from "../support/child.ts"

const cutInputServer = fileURLToPath(new URL("../fixtures/cut-input-server.ts", import.meta.url))
const consoleLogServer = fileURLToPath(new URL("../fixtures/console-log-server.ts", import.meta.url))
const effectLogServer = fileURLToPath(new URL("../fixtures/effect-log-server.ts", import.meta.url))
const oldNodeServer = fileURLToPath(new URL("../fixtures/old-node-server.ts", import.meta.url))

/** Every line of `stdout`, parsed: each must be a JSON-RPC message. */
const protocolLines = (stdout: string): Array<any> =>
  stdout.split("\n").filter((line) => line.length > 0).map((line) => {
    let message: any
    try {
      message = JSON.parse(line)
    } catch {
      assert.fail(`a line on stdout that is not JSON: ${line}`)
    }
    assert.strictEqual(message.jsonrpc, "2.0", line)
    return message
  })

const later = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "later", arguments: { kb: 1, ms: 10 } }
})

describe("stdio: a client that closed the server's stderr", () => {
  // Fails before the fix: the first log after the close failed with EPIPE on `process.stderr`, an
  // error no one listened to, uncaught: the server exited 1, the second call and the ping never
  // answered.
  for (const runner of ["stdio", "effect"] as const) {
    it.live(`logs go nowhere, every request is still answered, end of input exits 0 (${runner} runner)`, () =>
      Effect.gen(function*() {
        const running = yield* spawnNode(cutInputServer, runner === "effect" ? ["--runner", "effect"] : [])
        running.child.stderr!.destroy()
        running.send(initializeMessage("init"))
        const initialized = yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === "init"), 10_000))
        assert.isTrue(initialized, `no initialize answer: ${running.stdout()}`)
        running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
        // Each logs (to stderr, which fails) before its answer.
        running.send(later(1))
        yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === 1), 5_000))
        running.send(later(2))
        running.send({ jsonrpc: "2.0", id: 3, method: "ping" })
        running.child.stdin!.end()
        const exited = yield* Effect.promise(() => running.exited(10_000))
        const messages = running.messages()
        for (const id of [1, 2]) {
          assert.strictEqual(messages.find((m) => m.id === id)?.result?.content?.[0]?.text?.length, 1024, `call ${id} unanswered, exit ${JSON.stringify(exited)}`)
        }
        assert.deepStrictEqual(messages.find((m) => m.id === 3)?.result, {})
        assert.deepStrictEqual(exited, { code: 0, signal: null })
      }), 30_000)
  }
})

describe("stdio: a handler that writes with console.log (under Stdio.runMain)", () => {
  // Fails before the fix: its lines went to stdout, in the protocol's stream (lines that are no
  // JSON-RPC message: a client refuses them, or gives up the connection).
  it.live("what it writes goes to stderr; stdout carries only JSON-RPC messages", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(consoleLogServer)
      running.send(initializeMessage("init"))
      yield* Effect.promise(() => running.until(() => running.stdout().includes(`"id":"init"`), 10_000))
      running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      running.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "noisy", arguments: {} } })
      yield* Effect.promise(() => running.until(() => running.stdout().includes(`"id":1`), 5_000))
      running.child.stdin!.end()
      const exited = yield* Effect.promise(() => running.exited(10_000))
      const lines = running.stdout().split("\n").filter((line) => line.length > 0)
      for (const line of lines) {
        let message: any
        try {
          message = JSON.parse(line)
        } catch {
          assert.fail(`a line on stdout that is not JSON: ${line}`)
        }
        assert.strictEqual(message.jsonrpc, "2.0", line)
      }
      const answer = lines.map((line) => JSON.parse(line)).find((m) => m.id === 1)
      assert.deepStrictEqual(answer?.result?.content, [{ type: "text", text: "quiet" }])
      for (const text of ["noisy: log", "noisy: info", "noisy: debug", "dir", "table"]) assert.include(running.stderr(), text)
      assert.deepStrictEqual(exited, { code: 0, signal: null })
    }), 30_000)
})

describe("stdio: Effect's logs without Stdio.runMain (Effect.runPromise, NodeRuntime.runMain, a LowLevelServer)", () => {
  // Fails before the fix: Effect's logger wrote to stdout (only Stdio.runMain and Stdio.logToStderr
  // said otherwise), so each log line, a handler's or the server's own warning as it built, was a
  // line in the protocol's stream that no client can parse.
  for (const runner of ["promise", "node", "lowlevel"] as const) {
    it.live(`logs go to stderr; stdout carries only JSON-RPC messages (${runner})`, () =>
      Effect.gen(function*() {
        const running = yield* spawnNode(effectLogServer, ["--runner", runner])
        running.send(initializeMessage("init"))
        yield* Effect.promise(() => running.until(() => running.stdout().includes(`"id":"init"`), 10_000))
        running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
        running.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "chatty", arguments: {} } })
        yield* Effect.promise(() => running.until(() => running.stdout().includes(`"id":1`), 5_000))
        running.child.stdin!.end()
        yield* Effect.promise(() => running.exited(10_000))
        const answer = protocolLines(running.stdout()).find((m) => m.id === 1)
        assert.deepStrictEqual(answer?.result?.content, [{ type: "text", text: "said" }])
        for (const text of ["chatty: info", "chatty: warning"]) assert.include(running.stderr(), text)
        if (runner !== "lowlevel") assert.include(running.stderr(), `the tool "background" declares execution.taskSupport`)
      }), 30_000)
  }
})

describe("stdio: a server's main program on a Node older than engines.node", () => {
  // Fails before the fix: nothing was said; what the package cannot do there failed later, deep in
  // a module (process.getBuiltinModule before Node 20.16, a .ts module, an import.meta.main guard).
  for (const [version, warned] of [["20.20.2", true], ["22.19.0", false]] as const) {
    it.live(`Node ${version}: ${warned ? "one warning on stderr naming both versions, and it serves" : "no warning"}`, () =>
      Effect.gen(function*() {
        const running = yield* spawnNode(oldNodeServer, [version])
        running.send(initializeMessage("init"))
        yield* Effect.promise(() => running.until(() => running.stdout().includes(`"id":"init"`), 10_000))
        running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
        running.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hello", arguments: {} } })
        yield* Effect.promise(() => running.until(() => running.stdout().includes(`"id":1`), 5_000))
        running.child.stdin!.end()
        const exited = yield* Effect.promise(() => running.exited(10_000))
        const answer = protocolLines(running.stdout()).find((m) => m.id === 1)
        assert.deepStrictEqual(answer?.result?.content, [{ type: "text", text: "hi" }])
        const warnings = running.stderr().split("\n").filter((line) => line.includes("or newer is supported"))
        if (warned) {
          assert.strictEqual(warnings.length, 1, running.stderr())
          assert.include(warnings[0], `Node.js 22.19.0 or newer is supported (engines.node); this is Node.js ${version}`)
          assert.include(warnings[0], "Upgrade Node.")
        } else {
          assert.deepStrictEqual(warnings, [])
        }
        assert.deepStrictEqual(exited, { code: 0, signal: null })
      }), 30_000)
  }
})
