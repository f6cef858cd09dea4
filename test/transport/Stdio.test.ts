/**
 * The stdio transport on streams of the test's own (in process): how the end or the failure of
 * the input ends a server. The real process over pipes is in test/e2e/Stdio.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Net from "node:net"
import { PassThrough, Readable, Writable } from "node:stream"
import { GracefulShutdown, McpContext, McpServer, Stdio } from "../../src/index.ts"

const initialize = `${
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }
  })
}\n`

/** A server on fresh streams, answered `initialize`: its fiber and its input. */
const started = Effect.gen(function*() {
  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const answered = new Promise<string>((resolve) => stdout.once("data", (chunk) => resolve(String(chunk))))
  const fiber = yield* Effect.forkChild(
    McpServer.serve({ name: "s", version: "1" }, McpServer.prompt({ name: "p", handler: () => Effect.succeed("x") }), Stdio.make({ stdin, stdout }))
  )
  stdin.write(initialize)
  const answer = yield* Effect.promise(() => answered)
  assert.include(answer, `"id":1`)
  return { fiber, stdin }
})

/** The fiber's exit within 2 s (`undefined`: it still runs). */
const within2s = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Effect.map(Effect.timeoutOption(Fiber.await(fiber), "2 seconds"), (exit) => exit._tag === "Some" ? exit.value : undefined)

describe("Stdio transport: the end of its input", () => {
  it.live("end of input: the server ends, successfully", () =>
    Effect.gen(function*() {
      const { fiber, stdin } = yield* started
      stdin.end()
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isSuccess(exit!), String(exit))
    }))

  it.live("an input that fails: the server ends with the transport's failure, does not wait for more", () =>
    Effect.gen(function*() {
      const { fiber, stdin } = yield* started
      stdin.destroy(new Error("boom"))
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isFailure(exit!))
      assert.include(String(exit), "reading input failed")
    }))

  it.live("an input closed before its end: the server ends with the transport's failure", () =>
    Effect.gen(function*() {
      const { fiber, stdin } = yield* started
      stdin.destroy()
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isFailure(exit!))
      assert.include(String(exit), "reading input failed")
    }))

  it.live("an input with an encoding set (string chunks) is read as it is", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      stdin.setEncoding("utf8")
      const stdout = new PassThrough()
      const answered = new Promise<string>((resolve) => stdout.once("data", (chunk) => resolve(String(chunk))))
      const fiber = yield* Effect.forkChild(
        McpServer.serve({ name: "s", version: "1" }, McpServer.prompt({ name: "p", handler: () => Effect.succeed("x") }), Stdio.make({ stdin, stdout }))
      )
      stdin.write(initialize)
      assert.include(yield* Effect.timeout(Effect.promise(() => answered), "2 seconds"), `"id":1`)
      stdin.end()
      const exit = yield* within2s(fiber)
      assert.isTrue(exit !== undefined && Exit.isSuccess(exit), String(exit))
    }))

  it.live("an input that fails as it is torn down, after its end: no uncaught error, the server ends successfully", () =>
    Effect.gen(function*() {
      const uncaught: Array<unknown> = []
      const onUncaught = (error: unknown) => void uncaught.push(error)
      process.on("uncaughtException", onUncaught)
      try {
        for (const delay of [0, 5]) {
          const stdin = new Readable({
            read() {},
            destroy(_error, callback) {
              setTimeout(() => callback(new Error(`teardown failed after ${delay} ms`)), delay)
            }
          })
          const stdout = new PassThrough()
          stdout.resume()
          const fiber = yield* Effect.forkChild(
            McpServer.serve({ name: "s", version: "1" }, McpServer.prompt({ name: "p", handler: () => Effect.succeed("x") }), Stdio.make({ stdin, stdout }))
          )
          stdin.push(initialize)
          stdin.push(null)
          const exit = yield* within2s(fiber)
          yield* Effect.sleep("50 millis")
          assert.isDefined(exit, "the server ended")
        }
        assert.deepStrictEqual(uncaught, [])
      } finally {
        process.off("uncaughtException", onUncaught)
      }
    }))

  it.live("an input that failed before the server started: the transport's failure carries its error", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      stdin.on("error", () => {})
      stdin.destroy(new Error("EIO: the real cause"))
      yield* Effect.sleep("10 millis")
      const stdout = new PassThrough()
      const fiber = yield* Effect.forkChild(
        McpServer.serve({ name: "s", version: "1" }, McpServer.prompt({ name: "p", handler: () => Effect.succeed("x") }), Stdio.make({ stdin, stdout }))
      )
      const exit = yield* within2s(fiber)
      assert.isTrue(exit !== undefined && Exit.isFailure(exit))
      assert.include(String(exit), "EIO: the real cause")
    }))

  it.live("servers run in turn on one input leave it one listener of its errors, not one each", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      const stdout = new PassThrough()
      stdout.resume()
      for (let i = 0; i < 12; i++) {
        const fiber = yield* Effect.forkChild(
          McpServer.serve({ name: "s", version: "1" }, McpServer.prompt({ name: "p", handler: () => Effect.succeed("x") }), Stdio.make({ stdin, stdout }))
        )
        yield* Effect.sleep("5 millis")
        yield* Fiber.interrupt(fiber)
      }
      assert.strictEqual(stdin.listenerCount("error"), 1)
      stdin.destroy()
      yield* Effect.sleep("5 millis")
      assert.strictEqual(stdin.listenerCount("error"), 0, "none once the input has closed")
    }))
})

describe("Stdio transport: a server held by its output stops reading its input", () => {
  // The input flows to the session's pending read (see `Stdio.open`): a chunk that comes while the
  // session is held (here: writing to an output that never drains) is kept and the input paused,
  // not read on into memory. Fails when the input keeps flowing while the session is held: it
  // took all 4 MB. After the run, what the session did not read is the input's again.
  it.live("what the client sends on waits in the input, not in the server; the server's unread chunk is handed back", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      // An output that never takes a write: the first answer fills it, and the session waits for a drain.
      const stdout = new Writable({ highWaterMark: 16, write: () => {} })
      const fiber = yield* Effect.forkChild(
        McpServer.serve({ name: "s", version: "1" }, McpServer.prompt({ name: "p", handler: () => Effect.succeed("x") }), Stdio.make({ stdin, stdout }), {
          shutdownTimeoutMillis: 100
        })
      )
      stdin.write(initialize)
      yield* Effect.sleep("50 millis")
      const ping = (id: number) => `${JSON.stringify({ jsonrpc: "2.0", id, method: "ping" })}\n`
      // 4 MB of pings: 64 chunks of about 64 KB (the session is held by the first answer).
      const pings: Array<string> = []
      for (let id = 2; pings.length * 30 < 64 * 1024; id++) pings.push(ping(id))
      const chunk = pings.join("")
      for (let i = 0; i < 64; i++) stdin.write(chunk)
      yield* Effect.sleep("200 millis")
      const unread = () => stdin.readableLength + stdin.writableLength
      assert.isAbove(unread(), 62 * chunk.length, "the server read on while its output was full")
      const before = unread()
      yield* Fiber.interrupt(fiber)
      // What it had taken and not read (one chunk at most) is in the input again.
      assert.isAtLeast(unread(), before)
      assert.isAtMost(unread() - before, chunk.length)
      assert.strictEqual(stdin.listenerCount("data"), 0)
    }))
})

describe("Stdio transport: an output nobody reads", () => {
  // Fails before the fix: the session waited for its output to drain with no bound (in its
  // reading fiber, here), and the server never ended, even under a shutdown.
  it.live("under a shutdown the server ends after the shutdown timeout, cut short; the output failing later is no uncaught error", () =>
    Effect.gen(function*() {
      const uncaught: Array<unknown> = []
      const onUncaught = (error: unknown) => void uncaught.push(error)
      process.on("uncaughtException", onUncaught)
      try {
        const stdin = new PassThrough()
        const stdout = new PassThrough() // never read: its buffers fill, and it never drains
        const Big = McpServer.prompt({ name: "big", handler: () => Effect.succeed("x".repeat(256 * 1024)) })
        const state = GracefulShutdown.make()
        const fiber = yield* Effect.forkChild(
          McpServer.serve({ name: "s", version: "1" }, Big, Stdio.make({ stdin, stdout }), { shutdownTimeoutMillis: 100 }).pipe(
            Effect.provideService(GracefulShutdown.GracefulShutdown, state)
          )
        )
        stdin.end(
          initialize +
            `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n` +
            `${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "big" } })}\n`
        )
        // At a mere end of input it waits for its output (a client may read it slowly)...
        yield* Effect.sleep(300)
        assert.isUndefined(fiber.pollUnsafe(), "still waiting for its output")
        // ...and a shutdown gives up on it after the shutdown timeout.
        state.request()
        const exit = yield* within2s(fiber)
        assert.isDefined(exit, "the server ended")
        assert.isTrue(Exit.isSuccess(exit!), String(exit))
        assert.isTrue(state.isCutShort())
        assert.isAbove(stdout.writableLength, 0, "the answer was left in the output's buffer")
        stdout.destroy(new Error("EPIPE: the client went away"))
        yield* Effect.sleep("20 millis")
        assert.deepStrictEqual(uncaught, [])
        assert.strictEqual(stdout.listenerCount("error"), 0, "none once the output has closed")
      } finally {
        process.off("uncaughtException", onUncaught)
      }
    }))

  // Fails before the fix: the reader waited in its write for an output no one read, and never
  // learned that its input had failed: the server never ended. (It waits for that output the
  // shutdown timeout now, as an input that failed leaves it: see the next tests.)
  it.live("an input that fails while the reader waits on the output: the server ends after the shutdown timeout, failed with the input's error", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      const stdout = new PassThrough() // never read
      const Big = McpServer.prompt({ name: "big", handler: () => Effect.succeed("x".repeat(256 * 1024)) })
      const fiber = yield* Effect.forkChild(
        McpServer.serve({ name: "s", version: "1" }, Big, Stdio.make({ stdin, stdout }), { shutdownTimeoutMillis: 100 })
      )
      stdin.write(
        initialize +
          `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n` +
          `${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "big" } })}\n`
      )
      yield* Effect.sleep(100)
      assert.isAbove(stdout.writableLength, 0, "the answer waits in the output's buffer")
      stdin.destroy(new Error("the client's pipe broke"))
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isFailure(exit!), String(exit))
      assert.include(String(exit), "reading input failed")
      stdout.destroy()
    }))
})

/**
 * A server whose three answers come from its writer fiber, 64 KiB each, 20 ms apart: over an
 * output that is not read, the first waits in the output's buffer and the others in the session's
 * queue. Its fiber, its streams, and the output's bytes once it is read.
 */
const answeringLater = (shutdownTimeoutMillis: number) =>
  Effect.gen(function*() {
    const stdin = new PassThrough()
    const stdout = new PassThrough() // read only when the test says
    const Later = McpServer.prompt({
      name: "later",
      arguments: { ms: Schema.NumberFromString },
      handler: ({ ms }) => Effect.as(Effect.sleep(ms), "x".repeat(64 * 1024))
    })
    const fiber = yield* Effect.forkChild(
      McpServer.serve({ name: "s", version: "1" }, Later, Stdio.make({ stdin, stdout }), { shutdownTimeoutMillis })
    )
    const get = (id: number, ms: number) =>
      `${JSON.stringify({ jsonrpc: "2.0", id, method: "prompts/get", params: { name: "later", arguments: { ms: String(ms) } } })}\n`
    stdin.write(initialize + `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n` + get(2, 1) + get(3, 20) + get(4, 40))
    yield* Effect.sleep(200)
    assert.isAbove(stdout.writableLength, 0, "the first answer waits in the output's buffer")
    let output = ""
    const read = () => void stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    return { fiber, stdin, stdout, read, output: () => output }
  })

/** The ids of the JSON-RPC answers in `output` whose prompt text is whole (64 KiB). */
const wholeAnswers = (output: string) =>
  output.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line)).filter((m) =>
    m.result?.messages?.[0]?.content?.text?.length === 64 * 1024
  ).map((m) => m.id)

/** The whole answers read once all three are (or after 2 s: those read then), as the output's last chunks are read a turn later. */
const allAnswers = (output: () => string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && wholeAnswers(output()).length < 3; i++) yield* Effect.sleep(10)
    return wholeAnswers(output())
  })

describe("Stdio transport: a session that ends without a drain delivers what it had produced", () => {
  // Fails before the fix: the session stopped its writer as it failed, the answers still in its
  // queue were dropped (the client got answer 2 only).
  it.live("an input that fails: a client that reads on gets every answer; the server fails with the input's error", () =>
    Effect.gen(function*() {
      const { fiber, stdin, read, output } = yield* answeringLater(5_000)
      stdin.destroy(new Error("read EIO"))
      yield* Effect.sleep(100)
      read()
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isFailure(exit!), String(exit))
      assert.include(String(exit), "reading input failed")
      assert.deepStrictEqual(yield* allAnswers(output), [2, 3, 4])
    }))

  // Fails before the fix: as above, the answers in the queue dropped.
  it.live("a run interrupted: a client that reads on gets every answer; the run ends interrupted", () =>
    Effect.gen(function*() {
      const { fiber, read, output } = yield* answeringLater(5_000)
      const interrupted = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* Effect.sleep(100)
      read()
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.hasInterrupts(exit!), String(exit))
      yield* Fiber.join(interrupted)
      assert.deepStrictEqual(yield* allAnswers(output), [2, 3, 4])
    }))

  it.live("a run interrupted, its output never read: it ends after the shutdown timeout", () =>
    Effect.gen(function*() {
      const { fiber, stdout } = yield* answeringLater(100)
      fiber.interruptUnsafe()
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.hasInterrupts(exit!), String(exit))
      stdout.destroy()
    }))
})

describe("Stdio transport: one socket for input and output", () => {
  // Fails before the fix: a socket of `net.createServer` closes its output when its input ends
  // (`allowHalfOpen: false`, Node's default), so the answer to the request in flight at the
  // client's half-close was written after the end: lost (the client read nothing), the run failed.
  it.live("a client that half-closes after its request gets the answer, then the close; the run ends successfully", () =>
    Effect.gen(function*() {
      const runs: Array<Fiber.Fiber<void, unknown>> = []
      const slow = McpServer.tool({ name: "slow", handler: () => Effect.as(Effect.sleep(200), "done") })
      const listener = yield* Effect.acquireRelease(
        Effect.callback<Net.Server>((resume) => {
          const server = Net.createServer((socket) => {
            runs.push(Effect.runFork(McpServer.serve({ name: "s", version: "1" }, slow, Stdio.make({ stdin: socket, stdout: socket }))))
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.sync(() => server.close())
      )
      const { port } = listener.address() as Net.AddressInfo
      const request = {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "slow",
          _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
        }
      }
      const received = yield* Effect.promise(() =>
        new Promise<string>((resolve) => {
          let data = ""
          const client = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => client.end(`${JSON.stringify(request)}\n`))
          client.setEncoding("utf8").on("data", (chunk: string) => (data += chunk))
          client.on("close", () => resolve(data))
          client.on("error", () => {})
          // Bounded: a socket never closed is a failure, not a hang.
          setTimeout(() => client.destroy(), 5_000).unref()
        })
      )
      assert.include(received, `"id":1`, "the client got no answer")
      const answer = JSON.parse(received.split("\n")[0]!)
      assert.strictEqual(answer.id, 1, received)
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "done" }])
      assert.strictEqual(runs.length, 1)
      const exit = yield* within2s(runs[0]!)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isSuccess(exit!), String(exit))
    }))
})

describe("Stdio transport: a client's answer too large to read", () => {
  // Fails before the fix: the answer was refused with a -32600 without an id, sent to the client
  // (JSON-RPC answers no response), and the server's request waited for its timeout (60 s).
  it.live("fails the server's request at once (the handler goes on); the client gets no error", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      const stdout = new PassThrough()
      let output = ""
      stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
      const Roots = McpServer.tool({
        name: "roots",
        handler: () =>
          McpContext.listRoots.pipe(
            Effect.map(() => "listed"),
            Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
          )
      })
      yield* Effect.forkChild(McpServer.serve({ name: "s", version: "1" }, Roots, Stdio.make({ stdin, stdout, maxMessageBytes: 1000 })))
      const messages = () => output.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))
      const waitFor = (predicate: (message: any) => boolean) =>
        Effect.gen(function*() {
          for (let i = 0; i < 300 && !messages().some(predicate); i++) yield* Effect.sleep(10)
          return messages().find(predicate)
        })
      const line = (message: unknown) => `${JSON.stringify(message)}\n`
      stdin.write(line({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: { roots: {} }, clientInfo: { name: "t", version: "1" } }
      }))
      assert.isDefined(yield* waitFor((m) => m.id === 1))
      stdin.write(line({ jsonrpc: "2.0", method: "notifications/initialized" }))
      stdin.write(line({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "roots", arguments: {} } }))
      const request = yield* waitFor((m) => m.method === "roots/list")
      assert.isDefined(request, output)
      // The answer, as the SDKs write it (the id last), over the limit.
      stdin.write(line({ result: { roots: [{ uri: `file:///${"r".repeat(2000)}` }] }, jsonrpc: "2.0", id: request.id }))
      const call = yield* waitFor((m) => m.id === 2)
      assert.isDefined(call, `the call is not answered: ${output}`)
      assert.match(call.result.content[0].text, /^ClientResultInvalid: /)
      assert.include(call.result.content[0].text, "maximum size of 1000 bytes")
      assert.isUndefined(messages().find((m) => m.error !== undefined), output)
      stdin.end()
    }))
})

describe("Stdio transport: an output closed without an error", () => {
  // Fails before the fix: a write to an output destroyed without an error (a stream of one's own,
  // closed by its owner) waited for a 'drain' or 'close' Node never emits for it (a write to a
  // destroyed stream says nothing): the server never ended, even once its input had.
  for (const [name, close] of [["destroyed", (stdout: Writable) => stdout.destroy()], ["ended", (stdout: Writable) => stdout.end()]] as const) {
    it.live(`${name} while answers are due: the server ends, failed (as for a broken output), once its input ends`, () =>
      Effect.gen(function*() {
        const stdin = new PassThrough()
        // A slow output: its small buffer fills, and writes wait for it to drain.
        const stdout = new Writable({ highWaterMark: 16, write: (_chunk, _encoding, callback) => void setTimeout(callback, 20) })
        const Big = McpServer.prompt({ name: "big", handler: () => Effect.succeed("x".repeat(1024)) })
        const fiber = yield* Effect.forkChild(McpServer.serve({ name: "s", version: "1" }, Big, Stdio.make({ stdin, stdout })))
        const get = (id: number) => `${JSON.stringify({ jsonrpc: "2.0", id, method: "prompts/get", params: { name: "big" } })}\n`
        stdin.write(initialize + `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`)
        yield* Effect.sleep("100 millis")
        for (let id = 2; id < 6; id++) stdin.write(get(id))
        yield* Effect.sleep("10 millis")
        close(stdout)
        for (let id = 6; id < 9; id++) stdin.write(get(id))
        stdin.end()
        const exit = yield* within2s(fiber)
        assert.isDefined(exit, "the server still runs")
        assert.isTrue(Exit.isFailure(exit!), String(exit))
        assert.include(String(exit), "the output is closed")
      }))
  }
})

describe("Stdio transport: a graceful shutdown while a request waits on the client", () => {
  // Fails before the fix: the shutdown stopped the reading of the input, and the drain failed the
  // request to the client at once ("The session closed before the client answered
  // elicitation/create"): the client's answer, sent after, was never read.
  it.live("the client's answer is still read and reaches the handler; a new request is refused -32000; the drain is clean", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      const stdout = new PassThrough()
      let output = ""
      stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
      const lines = () => output.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))
      const Ask = McpServer.tool({
        name: "ask",
        handler: () =>
          Effect.map(
            Effect.orDie(McpContext.elicit("Who?", Schema.Struct({ name: Schema.String }))),
            (outcome) => outcome.action === "accept" ? `Hello, ${outcome.content.name}` : outcome.action
          )
      })
      const state = GracefulShutdown.make()
      const fiber = yield* Effect.forkChild(
        McpServer.serve({ name: "s", version: "1" }, Ask, Stdio.make({ stdin, stdout }), { shutdownTimeoutMillis: 5_000 }).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, state)
        )
      )
      const line = (message: unknown) => `${JSON.stringify(message)}\n`
      stdin.write(
        line({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: { elicitation: {} }, clientInfo: { name: "t", version: "1" } }
        }) +
          line({ jsonrpc: "2.0", method: "notifications/initialized" }) +
          line({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "ask", arguments: {} } })
      )
      let asked: any
      for (let i = 0; i < 200 && asked === undefined; i++) {
        yield* Effect.sleep(10)
        asked = lines().find((m) => m.method === "elicitation/create")
      }
      assert.isDefined(asked, output)
      state.request()
      yield* Effect.sleep(50)
      stdin.write(
        line({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "ask", arguments: {} } }) +
          line({ jsonrpc: "2.0", id: asked.id, result: { action: "accept", content: { name: "Ada" } } })
      )
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isSuccess(exit!), String(exit))
      assert.isFalse(state.isCutShort())
      for (let i = 0; i < 100 && lines().find((m) => m.id === 2) === undefined; i++) yield* Effect.sleep(10)
      assert.deepStrictEqual(lines().find((m) => m.id === 2)?.result?.content, [{ type: "text", text: "Hello, Ada" }], output)
      assert.deepStrictEqual(lines().find((m) => m.id === 3)?.error?.code, -32000, output)
    }))
})

describe("Stdio transport: a JSON-RPC batch read while a graceful shutdown drains (2025-03-26)", () => {
  // Fails before the fix: each member was refused with a response of its own, outside the batch,
  // and the batch was never answered (its slots waited for ever): JSON-RPC answers a batch with
  // one array.
  it.live("its requests are refused -32000 in one array, as the batch's answer", () =>
    Effect.gen(function*() {
      const stdin = new PassThrough()
      const stdout = new PassThrough()
      let output = ""
      stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
      const lines = () => output.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))
      const release = Deferred.makeUnsafe<void>()
      const Hold = McpServer.tool({ name: "hold", handler: () => Effect.as(Deferred.await(release), "released") })
      const state = GracefulShutdown.make()
      const fiber = yield* Effect.forkChild(
        McpServer.serve({ name: "s", version: "1" }, Hold, Stdio.make({ stdin, stdout }), { shutdownTimeoutMillis: 5_000 }).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, state)
        )
      )
      const line = (message: unknown) => `${JSON.stringify(message)}\n`
      stdin.write(
        line({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } }
        }) +
          line({ jsonrpc: "2.0", method: "notifications/initialized" }) +
          line({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "hold", arguments: {} } })
      )
      for (let i = 0; i < 200 && lines().find((m) => m.id === 1) === undefined; i++) yield* Effect.sleep(10)
      assert.isDefined(lines().find((m) => m.id === 1), output)
      state.request()
      stdin.write(
        line([
          { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "hold", arguments: {} } },
          { jsonrpc: "2.0", id: 4, method: "ping" }
        ])
      )
      const batchAnswer = () => lines().find((m) => Array.isArray(m))
      for (let i = 0; i < 200 && batchAnswer() === undefined; i++) yield* Effect.sleep(10)
      Deferred.doneUnsafe(release, Exit.void)
      const exit = yield* within2s(fiber)
      assert.isDefined(exit, "the server ended")
      assert.isTrue(Exit.isSuccess(exit!), String(exit))
      assert.deepStrictEqual(
        batchAnswer()?.map((m: any) => [m.id, m.error?.code]),
        [[3, -32000], [4, -32000]],
        output
      )
      assert.isUndefined(lines().find((m) => !Array.isArray(m) && (m.id === 3 || m.id === 4)), output)
      assert.deepStrictEqual(lines().find((m) => m.id === 2)?.result?.content, [{ type: "text", text: "released" }], output)
    }))
})
