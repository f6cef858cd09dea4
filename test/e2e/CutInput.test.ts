/**
 * A stdio server whose session ends without a drain still delivers what it had produced: its
 * input failed (reset by its peer: the child's stdin is a TCP socket of the test's), or its run
 * was interrupted (SIGTERM under Effect's own `NodeRuntime.runMain`). A client that reads, if
 * slowly, gets every answer written before the end; one that does not read holds the process
 * `shutdownTimeoutMillis` at most. Real child processes of test/fixtures/cut-input-server.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type AddressInfo, connect, createServer, type Socket } from "node:net"
import { fileURLToPath } from "node:url"
import { initializeMessage, sleep } from "../http/support.ts"
import { type NodeChild, spawnNode } from "../support/child.ts"

const cutInputServer = fileURLToPath(new URL("../fixtures/cut-input-server.ts", import.meta.url))

/**
 * Two connected TCP sockets on 127.0.0.1 (a free port): `theirs` becomes a child's stdin, the test
 * writes to (and resets) `mine`. Closed with the test's scope. Waits 5 s at most.
 */
const socketPair = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ readonly mine: Socket; readonly theirs: Socket }>((resolve, reject) => {
      const server = createServer()
      const timer = setTimeout(() => reject(new Error("no TCP connection within 5 s")), 5_000)
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        const theirs = connect((server.address() as AddressInfo).port, "127.0.0.1")
        theirs.on("error", () => {}) // the test's copy: what becomes of it is the child's
        let connected = false
        let mine: Socket | undefined
        const done = () => {
          if (!connected || mine === undefined) return
          clearTimeout(timer)
          server.close()
          resolve({ mine, theirs })
        }
        theirs.once("connect", () => {
          connected = true
          done()
        })
        server.once("connection", (socket) => {
          socket.on("error", () => {})
          mine = socket
          done()
        })
      })
    })
  ),
  ({ mine, theirs }) =>
    Effect.sync(() => {
      mine.destroy()
      theirs.destroy()
    })
)

const message = (value: unknown) => `${JSON.stringify(value)}\n`

const call = (id: number, name: "big" | "later", args: Record<string, number>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args }
})

/**
 * Eight calls answering 64 KiB each at once (together many times an OS pipe's buffer, the rest
 * waits in the server's), then two answering 64 KiB after 20 ms (through the session's writer, behind
 * them), as one write of under 4 KiB: the server reads it all at once.
 */
const requests = [
  ...Array.from({ length: 8 }, (_, i) => call(i + 1, "big", { kb: 64 })),
  call(9, "later", { kb: 64, ms: 20 }),
  call(10, "later", { kb: 64, ms: 20 })
].map(message).join("")

/** Initializes the child through `send` (10 s at most for the answer). */
const handshake = async (running: NodeChild, send: (line: string) => void) => {
  send(message(initializeMessage("init")))
  assert.isTrue(await running.until(() => running.messages().some((m) => m.id === "init"), 10_000), "no initialize answer")
  send(message({ jsonrpc: "2.0", method: "notifications/initialized" }))
}

/**
 * Sends {@link requests} to a child whose output is not read, and waits (bounded) until it has
 * answered all ten: its output waits in the paused pipe and in its own buffers.
 */
const answeredUnread = async (running: NodeChild, send: (line: string) => void) => {
  running.child.stdout!.pause()
  assert.isBelow(requests.length, 4096)
  send(requests)
  const later = await running.until(() => running.stderr().split("cut-input: later answered").length === 3, 10_000)
  assert.isTrue(later === true, `the later calls were not answered: ${running.stderr()}`)
  assert.isAbove(running.child.stdout!.readableLength, 0, "the server answered")
}

/** Every answer of {@link requests} is among the child's messages, whole. */
const assertEveryAnswer = async (running: NodeChild) => {
  await running.until(() => running.messages().some((m) => m.id === 10), 5_000)
  const messages = running.messages()
  for (let id = 1; id <= 10; id++) {
    assert.strictEqual(messages.find((m) => m.id === id)?.result?.content?.[0]?.text.length, 64 * 1024, `call ${id}`)
  }
}

describe("stdio: an input that fails with answers its client has not read yet", () => {
  // Fails before the fix: the server exited 1 at once, its output still in its buffers and queue
  // lost (the client that read on got only what was already in the pipe).
  it.live("a client that reads on gets every answer; the server then exits 1, naming the input's failure", () =>
    Effect.gen(function*() {
      const { mine, theirs } = yield* socketPair
      const running = yield* spawnNode(cutInputServer, [], { stdin: theirs })
      theirs.destroy() // the child has the socket now
      const send = (line: string) => void mine.write(line)
      yield* Effect.promise(() => handshake(running, send))
      yield* Effect.promise(() => answeredUnread(running, send))
      mine.resetAndDestroy() // the child's next read fails: ECONNRESET
      yield* Effect.promise(() => sleep(300))
      assert.isNull(running.child.exitCode, `exited with its output unread: ${running.stderr()}`)
      running.child.stdout!.resume()
      const exited = yield* Effect.promise(() => running.exited(10_000))
      assert.deepStrictEqual(exited, { code: 1, signal: null }, running.stderr())
      yield* Effect.promise(() => assertEveryAnswer(running))
      assert.include(running.stderr(), "reading input failed")
    }), 30_000)

  it.live("a client that does not read holds it shutdownTimeoutMillis at most: exit 1", () =>
    Effect.gen(function*() {
      const { mine, theirs } = yield* socketPair
      const running = yield* spawnNode(cutInputServer, ["--shutdown-timeout-millis", "200"], { stdin: theirs })
      theirs.destroy()
      const send = (line: string) => void mine.write(line)
      yield* Effect.promise(() => handshake(running, send))
      yield* Effect.promise(() => answeredUnread(running, send))
      mine.resetAndDestroy()
      const exited = yield* Effect.promise(() => running.exited(5_000))
      assert.deepStrictEqual(exited, { code: 1, signal: null }, running.stderr())
      assert.include(running.stderr(), "reading input failed")
      assert.include(running.stderr(), "was not read for 200 ms after it failed")
    }), 30_000)
})

describe("stdio: a run interrupted with answers its client has not read yet (SIGTERM under NodeRuntime.runMain)", () => {
  // Fails before the fix: the interrupted server exited 130 at once, its output lost.
  it.live("a client that reads on gets every answer; the server then exits 130", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(cutInputServer, ["--runner", "effect"])
      const send = (line: string) => void running.child.stdin!.write(line)
      yield* Effect.promise(() => handshake(running, send))
      yield* Effect.promise(() => answeredUnread(running, send))
      running.child.kill("SIGTERM")
      yield* Effect.promise(() => sleep(300))
      assert.isNull(running.child.exitCode, `exited with its output unread: ${running.stderr()}`)
      running.child.stdout!.resume()
      const exited = yield* Effect.promise(() => running.exited(10_000))
      assert.deepStrictEqual(exited, { code: 130, signal: null }, running.stderr())
      yield* Effect.promise(() => assertEveryAnswer(running))
    }), 30_000)

  it.live("a client that does not read holds it shutdownTimeoutMillis at most: exit 130", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(cutInputServer, ["--runner", "effect", "--shutdown-timeout-millis", "200"])
      const send = (line: string) => void running.child.stdin!.write(line)
      yield* Effect.promise(() => handshake(running, send))
      yield* Effect.promise(() => answeredUnread(running, send))
      running.child.kill("SIGTERM")
      const exited = yield* Effect.promise(() => running.exited(5_000))
      assert.deepStrictEqual(exited, { code: 130, signal: null }, running.stderr())
      assert.include(running.stderr(), "was not read for 200 ms after it was interrupted")
    }), 30_000)
})
