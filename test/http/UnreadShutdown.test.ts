/**
 * SIGTERM (`GracefulShutdown.runMain`) while clients hold SSE streams full of output they have not
 * read yet: a 2025-11-25 session's standalone GET stream and a POST answered as SSE, and a
 * stateless endpoint's SSE answer. A client that reads, even late, gets every event and the
 * answer before the process exits (0); one that does not read holds the process no longer than
 * the drain and `shutdownTimeoutMillis` more: its streams are cut, the drain reported cut short
 * (143), as over stdio. Real child processes (test/fixtures/flood-http-server.ts), raw node:http
 * clients whose responses stay paused. Without a signal (the server interrupted in process,
 * `WebHandler.dispose`), nothing waits for such a client: the server stops at once.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import { request as httpRequest } from "node:http"
import { fileURLToPath } from "node:url"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { listeningPort, type NodeChild, spawnNode } from "../support/child.ts"
import { BOTH, initializeMessage, LATEST, on, openSession, portListener, post, sleep } from "./support.ts"

const floodServer = fileURLToPath(new URL("../fixtures/flood-http-server.ts", import.meta.url))

/** Log messages per stream, of `kb` KiB each: many times what the sockets' buffers hold, within one SSE connection's queue (1024 events). */
const count = 800
const kb = 16

/**
 * A request with node:http whose response stays paused (node:http stops reading the socket once
 * its buffer is full, so the server's writes back up) until `resume`; then read to its end.
 */
const held = (url: string, method: "GET" | "POST", headers: Record<string, string>, body?: string) =>
  new Promise<{ readonly status: number; readonly resume: () => void; readonly ended: (millis: number) => Promise<string | undefined> }>(
    (resolve, reject) => {
      let text = ""
      let finished: ((text: string) => void) | undefined
      let outcome: string | undefined
      const done = () => {
        outcome ??= text
        finished?.(outcome)
      }
      const request = httpRequest(url, { method, headers }, (response) => {
        response.pause()
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (text += chunk))
        response.on("end", done)
        response.on("error", done)
        response.on("close", done)
        resolve({
          status: response.statusCode ?? 0,
          resume: () => void response.resume(),
          // What it read once it ended (or broke), or `undefined` if it still had not after `millis`.
          ended: (millis) =>
            outcome !== undefined ? Promise.resolve(outcome) : new Promise((settle) => {
              const timer = setTimeout(() => settle(undefined), millis)
              finished = (read) => {
                clearTimeout(timer)
                settle(read)
              }
            })
        })
      })
      request.on("error", reject)
      request.end(body)
    }
  )

/** The JSON-RPC messages of the complete events of an SSE body (comments and priming events skipped). */
const messagesOf = (body: string): Array<any> =>
  body.split("\n\n").slice(0, -1).flatMap((event) => {
    const data = event.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n")
    return data === "" ? [] : [JSON.parse(data)]
  })

const floodCall = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "flood", arguments: { count, kb } } })

/** The URL of the flood server child started on port 0, read from its listening line (20 s at most). */
const floodUrl = (running: NodeChild) =>
  Effect.promise(async () => {
    const port = await listeningPort(running)
    assert.isDefined(port, `no listening line: ${running.stderr()}`)
    return `http://127.0.0.1:${port}/mcp`
  })

/**
 * The flood server as a child on port 0 (the port its listening line names: no other test can take
 * it first and answer in its place), up (an initialize answered: at most 400 tries 25 ms apart);
 * the session it opened, unless stateless.
 */
const serveFlood = (mode: "session" | "stateless", shutdownTimeoutMillis: number) =>
  Effect.gen(function*() {
    const running = yield* spawnNode(floodServer, ["0", mode, String(shutdownTimeoutMillis)])
    const url = yield* floodUrl(running)
    let init: Response | undefined
    for (let i = 0; i < 400 && init === undefined; i++) {
      init = yield* Effect.promise(() => post(url, initializeMessage(0)).catch(() => undefined))
      if (init === undefined) yield* Effect.promise(() => sleep(25))
    }
    assert.isDefined(init, "the HTTP server did not start")
    const sessionId = init!.headers.get("mcp-session-id") ?? undefined
    yield* Effect.promise(() => init!.text())
    const headers: Record<string, string> = sessionId === undefined ? { "mcp-protocol-version": LATEST } : on(sessionId)
    if (sessionId !== undefined) {
      const initialized = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, headers))
      yield* Effect.promise(() => initialized.text())
    }
    return { running, url, headers, stateful: sessionId !== undefined }
  })

/** The flood call, answered as SSE, its response held; with the session's standalone GET stream held first, when there is a session. */
const heldStreams = (url: string, headers: Record<string, string>, stateful: boolean) =>
  Effect.gen(function*() {
    const get = stateful ? yield* Effect.promise(() => held(url, "GET", { ...headers, accept: "text/event-stream" })) : undefined
    if (get !== undefined) assert.strictEqual(get.status, 200)
    const call = yield* Effect.promise(() =>
      held(url, "POST", { ...headers, accept: BOTH, "content-type": "application/json" }, floodCall)
    )
    // Answered as SSE: the call runs (its first message opened the stream).
    assert.strictEqual(call.status, 200)
    return { get, call }
  })

const exitOf = (running: NodeChild, millis: number) => Effect.promise(() => running.exited(millis))

for (const mode of ["session", "stateless"] as const) {
  describe(`SIGTERM while a client holds unread SSE output (${mode === "session" ? "a 2025-11-25 session: GET stream and POST" : "stateless endpoint: POST"})`, () => {
    // Fails before the fix: 100 ms after the drain the server stopped, cutting the responses still
    // writing their queued events (the client got a few MB, not the answer), and exited 0.
    it.live("a client that reads only after the drain gets every event and the answer: exit 0", () =>
      Effect.gen(function*() {
        const { running, url, headers, stateful } = yield* serveFlood(mode, 10_000)
        const { get, call } = yield* heldStreams(url, headers, stateful)
        running.child.kill("SIGTERM")
        // Well past the drain (the call's loop takes milliseconds) and its former 100 ms grace.
        yield* Effect.promise(() => sleep(1_000))
        get?.resume()
        call.resume()
        const answered = messagesOf((yield* Effect.promise(() => call.ended(20_000))) ?? "")
        assert.strictEqual(answered.filter((m) => m.method === "notifications/message").length, count)
        assert.deepStrictEqual(answered.at(-1), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: `flooded ${count}` }] } })
        if (get !== undefined) {
          const untied = messagesOf((yield* Effect.promise(() => get.ended(20_000))) ?? "")
          assert.strictEqual(untied.filter((m) => m.method === "notifications/message").length, count)
        }
        assert.deepStrictEqual(yield* exitOf(running, 10_000), { code: 0, signal: null }, running.stderr())
      }), 60_000)

    // The bound: the drain (the call ends at once) and then shutdownTimeoutMillis (300 ms) for the
    // output; past it the streams are cut and the drain reported cut short. Fails before the fix
    // (exit 0: the cut was not reported); would fail on a wait without the bound (no exit).
    it.live("a client that does not read holds the process no longer than shutdownTimeoutMillis after the drain: exit 143", () =>
      Effect.gen(function*() {
        const { running, url, headers, stateful } = yield* serveFlood(mode, 300)
        yield* heldStreams(url, headers, stateful)
        // The call's loop has run (milliseconds; else the drain would cut it, not the output).
        yield* Effect.promise(() => sleep(500))
        running.child.kill("SIGTERM")
        assert.deepStrictEqual(yield* exitOf(running, 10_000), { code: 143, signal: null }, running.stderr())
        assert.include(running.stderr(), "not read")
      }), 60_000)
  })
}

describe("SIGTERM while a client holds the unread SSE answer of a JSON-RPC batch (a 2025-03-26 session)", () => {
  const members = 100
  const kb = 64
  // Fails before: the batch's stream was not counted among the SSE bodies the drain waits for:
  // 100 ms after it the server stopped, cutting the answers the client had not read yet (a few
  // of 100), and exited 0.
  it.live("a client that reads only after the drain gets every answer: exit 0", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(floodServer, ["0", "session", "10000"])
      const url = yield* floodUrl(running)
      const initialize = { ...initializeMessage(0), params: { ...initializeMessage(0).params, protocolVersion: "2025-03-26" } }
      let init: Response | undefined
      for (let i = 0; i < 400 && init === undefined; i++) {
        init = yield* Effect.promise(() => post(url, initialize).catch(() => undefined))
        if (init === undefined) yield* Effect.promise(() => sleep(25))
      }
      assert.isDefined(init, "the HTTP server did not start")
      const sessionId = init!.headers.get("mcp-session-id")!
      yield* Effect.promise(() => init!.text())
      const initialized = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sessionId }))
      yield* Effect.promise(() => initialized.text())
      const batch = Array.from({ length: members }, (_, id) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "big", arguments: { kb } } }))
      const call = yield* Effect.promise(() =>
        held(url, "POST", { "mcp-session-id": sessionId, accept: BOTH, "content-type": "application/json" }, JSON.stringify(batch))
      )
      assert.strictEqual(call.status, 200)
      // The calls answer in milliseconds: their answers wait in the stream's queue.
      yield* Effect.promise(() => sleep(300))
      running.child.kill("SIGTERM")
      // Well past the drain and its 100 ms grace.
      yield* Effect.promise(() => sleep(1_000))
      call.resume()
      const answered = messagesOf((yield* Effect.promise(() => call.ended(20_000))) ?? "")
      assert.strictEqual(answered.length, members)
      assert.deepStrictEqual(answered.map((message) => message.id).sort((a, b) => a - b), batch.map((request) => request.id))
      assert.isTrue(answered.every((message) => message.result.content[0].text.length === kb * 1024))
      assert.deepStrictEqual(yield* exitOf(running, 10_000), { code: 0, signal: null }, running.stderr())
    }), 60_000)
})

/** The fixture's tool, for the servers run in this process. */
const Flood = McpServer.tool({
  name: "flood",
  description: "Logs `count` messages of `kb` KiB on its stream and as many untied, then answers",
  parameters: { count: Schema.Int, kb: Schema.Int },
  handler: ({ count, kb }) =>
    Effect.gen(function*() {
      const context = yield* McpContext.current
      const text = "x".repeat(kb * 1024)
      for (let i = 0; i < count; i++) {
        yield* McpContext.log("info", { i, text })
        yield* context.session.log("info", { i, text })
      }
      return `flooded ${count}`
    })
})

/** Polls `condition` every 20 ms, `millis` at most. */
const within = async (millis: number, condition: () => boolean): Promise<boolean> => {
  for (let i = 0; i < millis / 20 && !condition(); i++) await sleep(20)
  return condition()
}

describe("without a signal, a client that does not read its SSE streams does not hold the server", () => {
  // What bounds it: the server's stop interrupts the requests it serves, which destroys their
  // responses, before it closes (`serve` turns Node's preemptive wait off). With that wait on
  // (`disablePreemptiveShutdown: false` in endpoint.ts), this takes the 20 s of that wait.
  it.live("interrupting McpServer.serve over StreamableHttp.make: it stops within 2 s", () =>
    Effect.gen(function*() {
      const listening = portListener()
      const server = yield* Effect.forkDetach(
        listening.provide(McpServer.serve({ name: "flood", version: "1" }, Flood, StreamableHttp.make({ host: "127.0.0.1", port: 0 })))
      )
      const url = `http://127.0.0.1:${yield* listening.port(server)}/mcp`
      const sessionId = yield* Effect.promise(() => openSession(url))
      yield* heldStreams(url, on(sessionId), true)
      // The call's loop has run (milliseconds), its output stuck behind the paused sockets.
      yield* Effect.promise(() => sleep(500))
      const started = Date.now()
      const stopping = yield* Effect.forkDetach(Fiber.interrupt(server))
      const stopped = yield* Effect.promise(() => within(2_000, () => stopping.pollUnsafe() !== undefined))
      const took = Date.now() - started
      yield* Fiber.await(stopping)
      assert.isTrue(stopped, `the server did not stop within 2 s (took ${took} ms)`)
    }), 60_000)

  // What bounds it: `dispose` interrupts the sessions and waits for nothing a client reads (a web
  // response's body is pulled by its reader; nothing of the server waits on it). Made to wait for
  // the SSE bodies as a graceful drain does (`written` in `Endpoint.shutdown`), it never ends.
  it.live("WebHandler.dispose with a flooding SSE answer nobody reads: it ends within 2 s", () =>
    Effect.gen(function*() {
      const web = WebHandler.make({ name: "flood", version: "1" }, Flood, { responseMode: "sse" })
      const request = (body: unknown, headers: Record<string, string> = {}) =>
        web.handler(
          new Request("http://127.0.0.1/mcp", {
            method: "POST",
            headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json", ...headers },
            body: JSON.stringify(body)
          })
        )
      const init = yield* Effect.promise(() => request(initializeMessage(0)))
      const sessionId = init.headers.get("mcp-session-id")!
      yield* Effect.promise(() => init.text())
      const initialized = yield* Effect.promise(() => request({ jsonrpc: "2.0", method: "notifications/initialized" }, on(sessionId)))
      yield* Effect.promise(() => initialized.text())
      const call = yield* Effect.promise(() => request(JSON.parse(floodCall), on(sessionId)))
      assert.include(call.headers.get("content-type") ?? "", "text/event-stream")
      // Its body is never read.
      yield* Effect.promise(() => sleep(500))
      let disposed = false
      const disposing = web.dispose().then(() => (disposed = true))
      const ended = yield* Effect.promise(() => within(2_000, () => disposed))
      yield* Effect.promise(() => call.body!.cancel().catch(() => undefined))
      yield* Effect.promise(() => disposing)
      assert.isTrue(ended, "WebHandler.dispose did not end within 2 s")
    }), 60_000)
})

// Fails before: the call interrupted at the drain's timeout was not answered (its -32000 goes out
// as its session ends), the drain waiting for its cleanup (60 s): the process stayed up until a
// second signal, the client without an answer. It gets
// `shutdownTimeoutMillis` more, then is left behind: exit 143 (cut short).
for (const mode of ["session", "stateless"] as const) {
  it.live(`SIGTERM, a call whose cleanup outlasts shutdownTimeoutMillis (${mode}): answered -32000, exit 143 within the bound`, () =>
    Effect.gen(function*() {
      const { running, url, headers } = yield* serveFlood(mode, 300)
      const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "slow_cleanup", arguments: {} } })
      // Its response's head may come only with its first event (here, its -32000): not awaited first.
      const response = held(url, "POST", { ...headers, accept: BOTH, "content-type": "application/json" }, body)
      const started = yield* Effect.promise(() => within(10_000, () => running.stderr().includes("slow_cleanup: started")))
      assert.isTrue(started, `the call did not start: ${running.stderr()}`)
      running.child.kill("SIGTERM")
      const call = yield* Effect.promise(() => Promise.race([response, sleep(5_000).then(() => undefined)]))
      assert.isDefined(call, "no answer 5 s after the signal")
      call!.resume()
      // Answered as JSON (nothing came before its answer) or as SSE.
      const text = (yield* Effect.promise(() => call!.ended(5_000))) ?? ""
      const answer = text.startsWith("{") ? JSON.parse(text) : messagesOf(text).at(-1)
      assert.strictEqual(answer?.id, 7, text)
      assert.strictEqual(answer?.error?.code, -32000, text)
      assert.deepStrictEqual(yield* exitOf(running, 5_000), { code: 143, signal: null }, running.stderr())
    }), 30_000)
}
