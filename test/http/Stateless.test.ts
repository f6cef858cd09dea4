/**
 * Stateless Streamable HTTP (`stateless: true`): every POST is answered by one shared stateless
 * session, with or without `initialize`; no session id; GET and DELETE are 405. Also the everything server's
 * `--http --stateless` command line, driven by the SDK v1 client.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { sdk } from "../e2e/harness.ts"
import * as Layer from "effect/Layer"
import { Middleware, StreamableHttp } from "../../src/index.ts"
import { makeFullServer, makeProbe } from "../fixtures/FullServer.ts"
import { listeningPort, spawnNode } from "../support/child.ts"
import { taskProbe } from "../../examples/everything-server.ts"
import { EventStore } from "../../src/index.ts"
import {
  answerOf,
  initializeMessage,
  LATEST,
  messagesOf,
  nodeFetch,
  post,
  readSse,
  recordingEventStore,
  serveEverything,
  serveOnAnyPort,
  sseReader
} from "./support.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))

const call = (id: number | string, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) }
})

const texts = (content: unknown) =>
  (content as Array<{ type: string; text?: string }>).filter((c) => c.type === "text").map((c) => c.text)

/**
 * Starts `examples/everything-server.ts --http --port 0 ...args` as a child process in the scope,
 * once it listens (its listening line names the port it was given: 20 s at most). Port 0: no other
 * test can take the port first and answer in its place, as with a port picked beforehand.
 */
const spawnEverything = (...args: Array<string>) =>
  Effect.gen(function*() {
    const running = yield* spawnNode(`${root}examples/everything-server.ts`, ["--http", "--port", "0", ...args], { stdin: "ignore" })
    const port = yield* Effect.promise(() => listeningPort(running))
    if (port === undefined) return yield* Effect.die(new Error(`the everything server did not start: ${running.stdout()}${running.stderr()}`))
    return { ...running, url: `http://127.0.0.1:${port}/mcp` }
  })

describe("Streamable HTTP, stateless", () => {
  it.live("anonymous clients of a stateless server cannot list each other's tasks", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const init = yield* Effect.promise(() => post(url, initializeMessage(1)).then(answerOf))
      assert.isDefined(init.result.capabilities.tasks)
      assert.isUndefined(init.result.capabilities.tasks.list)
      const started = yield* Effect.promise(() =>
        post(url, { ...call(2, "test_task_slow", { ms: 2_000, steps: 20 }), params: { name: "test_task_slow", arguments: { ms: 2_000, steps: 20 }, task: {} } }, { "mcp-protocol-version": LATEST }).then(answerOf)
      )
      const taskId = started.result.task.taskId
      assert.isString(taskId)
      // tasks.list is not advertised to them, and tasks/list is not offered: -32601 (was an empty list).
      const listed = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 3, method: "tasks/list", params: {} }, { "mcp-protocol-version": LATEST }).then(answerOf))
      assert.strictEqual(listed.error?.code, -32601, JSON.stringify(listed))
      assert.include(listed.error.message, "anonymous")
      // The task id is the key: whoever holds it can still follow the task.
      const got = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 4, method: "tasks/get", params: { taskId } }, { "mcp-protocol-version": LATEST }).then(answerOf))
      assert.strictEqual(got.result.taskId, taskId)
      yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 5, method: "tasks/cancel", params: { taskId } }, { "mcp-protocol-version": LATEST }))
    }))

  it.live("a stateless server advertises neither listChanged nor subscribe in initialize (no stream could carry them); a stateful one does", () =>
    Effect.gen(function*() {
      const stateless = yield* serveEverything({ stateless: true })
      const init = yield* Effect.promise(() => post(stateless.url, initializeMessage(1)).then(answerOf))
      const caps = init.result.capabilities
      assert.deepStrictEqual([caps.tools, caps.prompts, caps.resources], [{}, {}, {}])
      const stateful = yield* serveEverything()
      const initStateful = yield* Effect.promise(() => post(stateful.url, initializeMessage(1)).then(answerOf))
      const full = initStateful.result.capabilities
      assert.deepStrictEqual([full.tools, full.prompts, full.resources], [
        { listChanged: true },
        { listChanged: true },
        { subscribe: true, listChanged: true }
      ])
    }))

  it.live("concurrent first POSTs all share one stateless session", () =>
    Effect.gen(function*() {
      let opened = 0
      const server = makeFullServer(makeProbe())
      const { url } = yield* serveOnAnyPort((port) =>
        Layer.launch(StreamableHttp.serve(
          (transport, options) => server.run(transport, { ...options, onOpen: () => opened++ }),
          { stateless: true, port }
        ))
      )
      const answers = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 16 }, (_, i) =>
          post(url, call(i, "echo", { text: `x${i}` }), { "mcp-protocol-version": LATEST }).then(answerOf)))
      )
      assert.deepStrictEqual(answers.map((a) => a.result.structuredContent.text), Array.from({ length: 16 }, (_, i) => `x${i}`))
      assert.deepStrictEqual(answers.map((a) => a.id), Array.from({ length: 16 }, (_, i) => i))
      assert.strictEqual(opened, 1)
    }))

  it.live("tools/call with or without initialize; no session id; notifications 202; GET/DELETE 405", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })

      const direct = yield* Effect.promise(() => post(url, call(1, "test_simple_text"), { "mcp-protocol-version": LATEST }))
      assert.strictEqual(direct.status, 200)
      assert.isNull(direct.headers.get("mcp-session-id"))
      const answer = yield* Effect.promise(() => answerOf(direct))
      assert.strictEqual(answer.id, 1)
      assert.deepStrictEqual(texts(answer.result.content), ["This is a simple text response for testing."])

      const init = yield* Effect.promise(() => post(url, initializeMessage(2)))
      assert.strictEqual(init.status, 200)
      assert.isNull(init.headers.get("mcp-session-id"))
      const initialized = yield* Effect.promise(() => answerOf(init))
      assert.strictEqual(initialized.result.protocolVersion, LATEST)
      assert.strictEqual(initialized.result.serverInfo.name, "effect-mcp-everything-server")

      const note = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }))
      assert.strictEqual(note.status, 202)
      yield* Effect.promise(() => note.text())

      // a session id sent anyway changes nothing (there are no sessions)
      const withId = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 3, method: "tools/list" }, { "mcp-session-id": "whatever" })
      )
      assert.strictEqual(withId.status, 200)
      assert.isAtLeast((yield* Effect.promise(() => answerOf(withId))).result.tools.length, 10)

      // progress streams over SSE in stateless mode too
      const progress = yield* Effect.promise(() => post(url, call(4, "test_tool_with_progress", {}, { progressToken: 9 })))
      assert.include(progress.headers.get("content-type")!, "text/event-stream")
      const messages = messagesOf(yield* Effect.promise(() => readSse(progress)))
      assert.deepStrictEqual(messages.slice(0, 3).map((m) => m.params.progress), [0, 50, 100])
      assert.strictEqual(messages[3].id, 4)

      // concurrent calls, each answered with its own id
      const many = yield* Effect.promise(() =>
        Promise.all([10, 11, 12].map((id) => post(url, call(id, "test_task_slow", { ms: 100 })).then(answerOf)))
      )
      assert.deepStrictEqual(many.map((m) => [m.id, texts(m.result.content)[0]]), [[10, "done"], [11, "done"], [12, "done"]])
      // independent clients may use the same id at the same time: no 409, each gets its own answer
      const same = yield* Effect.promise(() =>
        Promise.all(["a", "b"].map((prompt) =>
          post(url, { jsonrpc: "2.0", id: 1, method: "prompts/get", params: { name: "test_prompt_with_arguments", arguments: { arg1: prompt, arg2: "z" } } })
            .then(async (response) => ({ status: response.status, answer: await answerOf(response) }))
        ))
      )
      assert.deepStrictEqual(same.map((r) => [r.status, r.answer.id, r.answer.result.messages[0].content.text]), [
        [200, 1, "Prompt with arguments: arg1='a', arg2='z'"],
        [200, 1, "Prompt with arguments: arg1='b', arg2='z'"]
      ])

      const get = yield* Effect.promise(() => fetch(url, { headers: { accept: "text/event-stream" } }))
      assert.strictEqual(get.status, 405)
      yield* Effect.promise(() => get.text())
      const del = yield* Effect.promise(() => fetch(url, { method: "DELETE", headers: { "mcp-session-id": "x" } }))
      assert.strictEqual(del.status, 405)
      yield* Effect.promise(() => del.text())
    }))

  it.live("each request is answered at the version its MCP-Protocol-Version header names (not the newest)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const listAt = (version: string) =>
        Effect.promise(() =>
          post(url, { jsonrpc: "2.0", id: `l-${version}`, method: "tools/list" }, { "mcp-protocol-version": version }).then(answerOf)
        )
      const slowOf = (answer: any) => answer.result.tools.find((tool: any) => tool.name === "test_task_slow")
      // 2025-11-25 knows Tool.execution; 2025-06-18 does not
      assert.deepStrictEqual(slowOf(yield* listAt("2025-11-25")).execution, { taskSupport: "optional" })
      assert.notProperty(slowOf(yield* listAt("2025-06-18")), "execution")
      // invalid arguments: an isError result from 2025-11-25 (SEP-1303), -32602 before
      const badCall = (version: string) =>
        Effect.promise(() =>
          post(url, call(`b-${version}`, "test_task_slow", { ms: "soon" }), { "mcp-protocol-version": version }).then(answerOf)
        )
      assert.isTrue((yield* badCall("2025-11-25")).result.isError)
      assert.strictEqual((yield* badCall("2025-06-18")).error.code, -32602)
    }))

  it.live("a version the server's supportedVersions leave out is refused 400, header or none (none is 2025-03-26); initialize still negotiates", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true }, { supportedVersions: ["2025-11-25", "2025-06-18"] })
      const list = (headers: Record<string, string>) =>
        Effect.promise(async () => {
          const response = await post(url, { jsonrpc: "2.0", id: "l", method: "tools/list" }, headers)
          return { status: response.status, body: await answerOf(response) }
        })
      const served = yield* list({ "mcp-protocol-version": "2025-06-18" })
      assert.strictEqual(served.status, 200)
      assert.isArray(served.body.result.tools)
      const supported = ["2026-07-28", "2025-11-25", "2025-06-18"]
      for (const version of ["2025-03-26", "2024-11-05"]) {
        const refused = yield* list({ "mcp-protocol-version": version })
        assert.strictEqual(refused.status, 400, version)
        assert.strictEqual(refused.body.id, "l")
        assert.strictEqual(refused.body.error.code, -32600)
        assert.deepStrictEqual(refused.body.error.data, { supported, requested: version })
        assert.include(refused.body.error.message, `unsupported MCP-Protocol-Version ${version}`)
      }
      const headerless = yield* list({})
      assert.strictEqual(headerless.status, 400)
      assert.deepStrictEqual(headerless.body.error.data, { supported })
      assert.include(headerless.body.error.message, "the MCP-Protocol-Version header is required")
      // A batch (2025-03-26's, without a header) likewise.
      const batch = yield* Effect.promise(async () => {
        const response = await post(url, [{ jsonrpc: "2.0", id: "b", method: "tools/list" }])
        return { status: response.status, body: (await response.json()) as any }
      })
      assert.strictEqual(batch.status, 400)
      assert.deepStrictEqual(batch.body.error.data, { supported })
      // initialize negotiates a served version, whatever it asked for.
      const init = yield* Effect.promise(() =>
        post(url, { ...initializeMessage(1), params: { ...initializeMessage(1).params, protocolVersion: "2024-11-05" } }).then(answerOf)
      )
      assert.strictEqual(init.result.protocolVersion, "2025-11-25")
    }))

  it.live("initialize is answered at the version it negotiated, what a middleware added to its result too", () =>
    Effect.gen(function*() {
      const brand = Middleware.make("brand", {
        onInitialize: (params, _context, next) =>
          Effect.map(next(params), (result) => ({ ...result, serverInfo: { ...result.serverInfo, icons: [{ src: "https://example.com/i.png" }] } }))
      })
      const { url } = yield* serveEverything({ stateless: true }, { middleware: [brand] })
      const initialize = (protocolVersion: string) =>
        Effect.promise(() => post(url, { ...initializeMessage(1), params: { ...initializeMessage(1).params, protocolVersion } }).then(answerOf))
      assert.deepStrictEqual((yield* initialize("2025-11-25")).result.serverInfo.icons, [{ src: "https://example.com/i.png" }])
      const old = (yield* initialize("2025-06-18")).result
      assert.strictEqual(old.protocolVersion, "2025-06-18")
      assert.notProperty(old.serverInfo, "icons")
    }))

  it.live("McpContext.closeStream is a no-op when stateless: the stream stays open until the result (no GET to resume)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const response = yield* Effect.promise(() => post(url, call("r", "test_reconnection")))
      assert.strictEqual(response.status, 200)
      const message = yield* Effect.promise(() => answerOf(response))
      assert.strictEqual(message.id, "r")
      assert.deepStrictEqual(texts(message.result.content), ["Reconnection test completed"])
    }))

  // No GET can resume a stateless stream (405): its SSE answers were primed with event ids all the
  // same (an SDK client that lost one tried that GET), every event was written to the event store
  // (Redis, for replicas) where nothing could read it, and a dropped one kept its handler running.
  it.live("SSE answers have no priming event, no event ids and store nothing; a dropped one stops its handler", () =>
    Effect.gen(function*() {
      const { store, stored } = recordingEventStore()
      const { url } = yield* Effect.provideService(serveEverything({ stateless: true }), EventStore.EventStore, store)
      const progress = yield* Effect.promise(() =>
        post(url, call("p", "test_tool_with_progress", {}, { progressToken: "t" }), { "mcp-protocol-version": LATEST })
      )
      assert.strictEqual(progress.headers.get("content-type"), "text/event-stream")
      const events = yield* Effect.promise(() => readSse(progress))
      assert.isAbove(events.length, 1)
      for (const event of events) {
        assert.isUndefined(event.id, "a stateless stream carries no event ids")
        assert.notStrictEqual(event.data, "", "no priming event")
      }
      assert.strictEqual(JSON.parse(events.at(-1)!.data).id, "p")
      assert.deepStrictEqual(stored, [], "nothing is stored for a stream no one can resume")

      // a slow call on SSE, its stream dropped: the handler stops at once (not after the request timeout)
      const { response, destroy } = yield* Effect.promise(() =>
        nodeFetch(url, "POST", {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": LATEST
        }, JSON.stringify(call("slow", "test_task_slow", { ms: 60_000, steps: 1_200 }, { progressToken: "s" })))
      )
      const reader = sseReader(response)
      assert.isDefined(yield* Effect.promise(() => reader.next(3_000)), "no progress event arrived")
      destroy()
      // Stopped: its steps (one each 50 ms while it runs) stay still for 400 ms, within 10 s
      // (however long the cancel takes to land on a loaded machine). Running, they never do.
      let stopped = false
      let last = taskProbe.steps
      for (let i = 0, still = 0; i < 50 && !stopped; i++) {
        yield* Effect.sleep(200)
        still = taskProbe.steps === last ? still + 1 : 0
        last = taskProbe.steps
        stopped = still >= 2
      }
      assert.isTrue(stopped, "the handler kept running after its stream closed")
    }))

  it.live("a server→client request cannot be answered statelessly: the call still gets an answer", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true, requestTimeoutMillis: 5_000 })
      const started = Date.now()
      const response = yield* Effect.promise(() => post(url, call(1, "test_sampling", { prompt: "hi" })))
      const answer = yield* Effect.promise(() => answerOf(response))
      assert.strictEqual(answer.id, 1)
      assert.isTrue(answer.result?.isError, JSON.stringify(answer))
      assert.isBelow(Date.now() - started, 2_000)
    }))

  // Failed before: the ping (it needs no client capability) went out on the call's stream, the
  // client's answer (a POST of its own, 202) reached no session, and the call waited the whole
  // client request timeout (60 s by default) to fail with ClientRequestTimeout.
  it.live("a request to the client that needs no capability (a ping) fails at once with SessionClosed: no answer could reach it", () =>
    Effect.gen(function*() {
      const server = makeFullServer(makeProbe())
      const { url } = yield* serveOnAnyPort((port) =>
        Layer.launch(StreamableHttp.serve((transport, options) => server.run(transport, options), { stateless: true, port }))
      )
      const started = Date.now()
      const response = yield* Effect.promise(() =>
        post(url, call(1, "ping-client"), { "mcp-protocol-version": LATEST, accept: "text/event-stream" })
      )
      const messages = messagesOf(yield* Effect.promise(() => readSse(response)))
      assert.isBelow(Date.now() - started, 5_000)
      assert.isUndefined(messages.find((m: any) => m.method === "ping"), JSON.stringify(messages))
      const answer: any = messages.at(-1)
      assert.strictEqual(answer.id, 1)
      assert.deepStrictEqual(texts(answer.result.content), [
        "SessionClosed: ping was not sent: the client of a stateless Streamable HTTP server cannot answer it (its answer, a POST of its own, reaches no session)"
      ])
    }))

  it.live("SDK v1 client against `everything-server.ts --http --stateless` (child process)", () =>
    Effect.gen(function*() {
      const { url } = yield* spawnEverything("--stateless")
      const transport = new StreamableHTTPClientTransport(new URL(url))
      const client = new Client({ name: "sdk-v1-stateless", version: "1.0.0" })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(transport)),
        () => Effect.promise(() => client.close().catch(() => undefined))
      )
      assert.isUndefined(transport.sessionId)
      assert.strictEqual(client.getServerVersion()?.name, "effect-mcp-everything-server")
      const { tools } = yield* sdk(() => client.listTools())
      assert.include(tools.map((t) => t.name), "test_simple_text")
      const result = yield* sdk(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(result.content), ["This is a simple text response for testing."])
      const progress: Array<number> = []
      yield* sdk(() =>
        client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
          onprogress: (p) => void progress.push(p.progress)
        })
      )
      assert.deepStrictEqual(progress, [0, 50, 100])
      const prompt = yield* sdk(() => client.getPrompt({ name: "test_simple_prompt" }))
      assert.strictEqual(prompt.messages.length, 1)
      const read = yield* sdk(() => client.readResource({ uri: "test://static-text" }))
      assert.strictEqual((read.contents[0] as { text: string }).text, "This is the content of the static text resource.")
    }), 20_000)
})
