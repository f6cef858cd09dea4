/**
 * JSON-RPC batches over Streamable HTTP (MCP 2025-03-26: a POST body "MUST" may be an array of
 * requests and notifications, or of responses, and implementations "MUST support receiving JSON-RPC
 * batches"): raw fetch against the everything server. A session that negotiated 2025-03-26 (and a
 * stateless endpoint whose request names that version, or none) answers a batch: one JSON array, or
 * an SSE stream of one event per response; 202 without requests. Every other version keeps -32600.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { components, options, taskProbe } from "../../examples/everything-server.ts"
import { WebHandler } from "../../src/web.ts"
import { request as httpRequest } from "node:http"
import { BOTH, messagesOf, on, openSession, post, readSse, serveEverything, sleep, sseReader, stepsDuring, untilIdFree, untilSteps } from "./support.ts"

const V = "2025-03-26"

/** Initializes a session at `version` (2025-03-26 clients send no `MCP-Protocol-Version`); its id. */
const openAt = async (url: string, version: string, capabilities: Record<string, unknown> = {}): Promise<string> => {
  const response = await post(url, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: version, capabilities, clientInfo: { name: "raw-batch", version: "0" } }
  })
  const sessionId = response.headers.get("mcp-session-id")
  const text = await response.text()
  if (response.status !== 200 || sessionId === null) throw new Error(`initialize: ${response.status} ${text}`)
  const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sessionId })
  await initialized.text()
  return sessionId
}

const call = (id: string | number, name: string, args: Record<string, unknown> = {}, progressToken?: string) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(progressToken === undefined ? {} : { _meta: { progressToken } }) }
})
const ping = (id: string | number) => ({ jsonrpc: "2.0", id, method: "ping" })

/**
 * A tool call (in the request slots, as a batch's members) answered, with `headers` (a session's,
 * or none: the shared stateless session): a known point after what the session was given before.
 */
const afterwards = async (url: string, headers: Record<string, string>) => {
  const response = await post(url, call("afterwards", "test_simple_text"), { ...headers, accept: "application/json" })
  const answer: any = await response.json()
  assert.strictEqual(answer.result?.content?.[0]?.type, "text", JSON.stringify(answer))
}
const jsonOnly = (sessionId: string) => ({ "mcp-session-id": sessionId, accept: "application/json" })

const mixed = [
  ping("a"),
  call("slow", "test_task_slow", { ms: 150, steps: 2 }),
  { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
  call("text", "test_simple_text"),
  42,
  { jsonrpc: "2.0", id: "init2", method: "initialize", params: { protocolVersion: V, capabilities: {}, clientInfo: { name: "x", version: "0" } } },
  { jsonrpc: "2.0", id: "unknown", method: "no/such/method" }
]

/** The answers to `mixed`, in its order (an SSE stream's come as each is ready: sorted by the caller). */
const assertMixed = (answer: ReadonlyArray<any>) => {
  assert.deepStrictEqual(answer.map((response) => response.id), ["a", "slow", "text", undefined, "init2", "unknown"])
  assert.deepStrictEqual(answer[0], { jsonrpc: "2.0", id: "a", result: {} })
  assert.deepStrictEqual(answer[1].result.content, [{ type: "text", text: "done" }])
  assert.strictEqual(answer[2].result.content[0].type, "text")
  assert.strictEqual(answer[3].error.code, -32600)
  assert.strictEqual(answer[4].error.code, -32600)
  assert.include(answer[4].error.message, "initialize")
  assert.strictEqual(answer[5].error.code, -32601)
}

describe("JSON-RPC batches over Streamable HTTP (MCP 2025-03-26)", () => {
  it.live("a session at 2025-03-26: one JSON array (a client accepting only JSON, or a JSON-mode endpoint), or an SSE stream of one event per response", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      // Accept: application/json only.
      const asJson = yield* Effect.promise(() => post(url, mixed, jsonOnly(sessionId)))
      assert.strictEqual(asJson.status, 200)
      assert.include(asJson.headers.get("content-type") ?? "", "application/json")
      assertMixed((yield* Effect.promise(() => asJson.json())) as Array<any>)
      // Both accepted, the endpoint in auto mode: a stream, closed after the last response.
      const asSse = yield* Effect.promise(() => post(url, mixed, { "mcp-session-id": sessionId }))
      assert.strictEqual(asSse.status, 200)
      assert.include(asSse.headers.get("content-type") ?? "", "text/event-stream")
      const events = messagesOf(yield* Effect.promise(() => readSse(asSse)))
      const order = ["a", "slow", "text", undefined, "init2", "unknown"]
      assertMixed([...events].sort((x, y) => order.indexOf(x.id) - order.indexOf(y.id)))

      const { url: jsonUrl } = yield* serveEverything({ responseMode: "json" })
      const jsonSession = yield* Effect.promise(() => openAt(jsonUrl, V))
      const inJsonMode = yield* Effect.promise(() => post(jsonUrl, [ping(1), ping(2)], { "mcp-session-id": jsonSession }))
      assert.strictEqual(inJsonMode.status, 200)
      assert.deepStrictEqual(yield* Effect.promise(() => inJsonMode.json()), [
        { jsonrpc: "2.0", id: 1, result: {} },
        { jsonrpc: "2.0", id: 2, result: {} }
      ])
    }))

  it.live("notifications only, or responses only: 202; both kinds mixed, or []: 400 -32600; a member cancelled by a notification of the batch gets -32800", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      const notifications = yield* Effect.promise(() =>
        post(url, [{ jsonrpc: "2.0", method: "notifications/roots/list_changed" }, { jsonrpc: "2.0", method: "notifications/roots/list_changed" }], {
          "mcp-session-id": sessionId
        })
      )
      assert.strictEqual(notifications.status, 202)
      assert.strictEqual(yield* Effect.promise(() => notifications.text()), "")
      const responses = yield* Effect.promise(() => post(url, [{ jsonrpc: "2.0", id: 99, result: {} }], { "mcp-session-id": sessionId }))
      assert.strictEqual(responses.status, 202)
      yield* Effect.promise(() => responses.text())
      for (const body of [[], [ping(1), { jsonrpc: "2.0", id: 99, result: {} }]]) {
        const refused = yield* Effect.promise(() => post(url, body, { "mcp-session-id": sessionId }))
        assert.strictEqual(refused.status, 400, JSON.stringify(body))
        const answer: any = yield* Effect.promise(() => refused.json())
        assert.strictEqual(answer.error.code, -32600)
      }
      const cancelled = yield* Effect.promise(() =>
        post(url, [
          call("slow", "test_task_slow", { ms: 5_000 }),
          { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "slow", reason: "test" } },
          ping("b")
        ], jsonOnly(sessionId))
      )
      assert.strictEqual(cancelled.status, 200)
      const answer: any = yield* Effect.promise(() => cancelled.json())
      assert.deepStrictEqual(answer.map((response: any) => response.id), ["slow", "b"])
      assert.strictEqual(answer[0].error.code, -32800)
      // The session still answers one message at a time.
      const single = yield* Effect.promise(() => post(url, ping("single"), jsonOnly(sessionId)))
      assert.deepStrictEqual(yield* Effect.promise(() => single.json()), { jsonrpc: "2.0", id: "single", result: {} })
    }))

  it.live("a stateless endpoint takes a batch whose header names 2025-03-26 (or none); each request answered with the client's id", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      for (const headers of [{ "mcp-protocol-version": V, accept: "application/json" }, { accept: "application/json" }]) {
        const response = yield* Effect.promise(() => post(url, [ping("x"), call("y", "test_simple_text")], headers))
        assert.strictEqual(response.status, 200)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.deepStrictEqual(answer.map((r: any) => r.id), ["x", "y"])
        assert.deepStrictEqual(answer[0].result, {})
      }
    }))

  // Fails before: a stateless endpoint took a batch without MCP-Protocol-Version as 2025-03-26's
  // whatever its members said: requests whose _meta names 2026-07-28 (a version without batches)
  // ran, their headers never checked, where each alone is refused (-32020, the header missing).
  it.live("a stateless endpoint refuses (400 -32600) a batch whose requests name 2026-07-28 in their _meta, running none of them", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      const modernCall = (id: string, ms: number) => ({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "test_task_slow", arguments: { ms }, _meta: meta }
      })
      // Without the version header (2025-03-26's), or with it.
      for (const headers of [{ accept: "application/json" }, { accept: "application/json", "mcp-protocol-version": V }]) {
        const before = taskProbe.steps
        // `ms: 0`: a member that ran would take its step at once.
        const response = yield* Effect.promise(() => post(url, [ping("x"), modernCall("y", 0)], headers))
        assert.strictEqual(response.status, 400, JSON.stringify(headers))
        const answer: any = yield* Effect.promise(() => response.json())
        assert.strictEqual(answer.error?.code, -32600, JSON.stringify(answer))
        assert.include(answer.error.message, "2026-07-28")
        // A request of the shared session answered after the refusal: a member run by then has stepped.
        yield* Effect.promise(() => afterwards(url, headers))
        assert.strictEqual(taskProbe.steps, before, "a member ran")
      }
    }))

  // Fails before: a session's batch was checked for the session's version only, and a request whose
  // _meta names 2026-07-28 (alone on that session's POST it is that version's, -32020 for its
  // headers) ran in it at 2025-03-26, as the stateless endpoint's did.
  it.live("a session at 2025-03-26 refuses (400 -32600) a batch whose requests name 2026-07-28 in their _meta, running none of them", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      // `ms: 0`: a member that ran would take its step at once.
      const modernCall = { ...call("y", "test_task_slow", { ms: 0 }), params: { name: "test_task_slow", arguments: { ms: 0 }, _meta: meta } }
      const before = taskProbe.steps
      const alone = yield* Effect.promise(() => post(url, modernCall, jsonOnly(sessionId)))
      assert.strictEqual(alone.status, 400)
      assert.strictEqual(((yield* Effect.promise(() => alone.json())) as any).error?.code, -32020)
      const response = yield* Effect.promise(() => post(url, [ping("x"), modernCall], jsonOnly(sessionId)))
      const answer: any = yield* Effect.promise(() => response.json())
      assert.strictEqual(response.status, 400, JSON.stringify(answer))
      assert.strictEqual(answer.error?.code, -32600, JSON.stringify(answer))
      assert.include(answer.error.message, "2026-07-28")
      // The session goes on; what it answers after the refusal, a member run by then has stepped.
      const served = yield* Effect.promise(() => post(url, [ping("z")], jsonOnly(sessionId)))
      assert.deepStrictEqual(yield* Effect.promise(() => served.json()), [{ jsonrpc: "2.0", id: "z", result: {} }])
      yield* Effect.promise(() => afterwards(url, jsonOnly(sessionId)))
      assert.strictEqual(taskProbe.steps, before, "a member ran")
    }))

  it.live("every other version keeps -32600: a session at 2025-06-18 or 2025-11-25, a stateless request naming another version, 2026-07-28", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      for (const version of ["2025-06-18", "2025-11-25"]) {
        const sessionId = yield* Effect.promise(() => version === "2025-11-25" ? openSession(url) : openAt(url, version))
        const response = yield* Effect.promise(() => post(url, [ping(1)], on(sessionId, { "mcp-protocol-version": version })))
        assert.strictEqual(response.status, 400, version)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.strictEqual(answer.error.code, -32600)
        assert.include(answer.error.message, "batches are not supported")
      }
      const { url: statelessUrl } = yield* serveEverything({ stateless: true })
      for (const version of ["2025-06-18", "2025-11-25", "2026-07-28"]) {
        const response = yield* Effect.promise(() => post(statelessUrl, [ping(1)], { "mcp-protocol-version": version, accept: BOTH }))
        assert.strictEqual(response.status, 400, version)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.strictEqual(answer.error.code, -32600, version)
      }
    }))
})

describe("a batch answered as SSE is answered as a request on a stream of its own", () => {
  // Fails before: the members' progress, logs and sampling request went to the session's
  // standalone stream (none open here: lost, and the sampling call waited for one), not the batch's.
  it.live("what a member sends while it runs (progress for its token, logs, a request to the client) comes on the batch's stream, before its response", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V, { sampling: {} }))
      const response = yield* Effect.promise(() =>
        post(url, [
          call("p", "test_tool_with_progress", {}, "token-p"),
          call("l", "test_tool_with_logging"),
          call("s", "test_sampling", { prompt: "hi" }),
          ping("q")
        ], { "mcp-session-id": sessionId })
      )
      assert.strictEqual(response.status, 200)
      assert.include(response.headers.get("content-type") ?? "", "text/event-stream")
      const reader = sseReader(response)
      const seen: Array<any> = []
      // Bounded: 4 answers, 3 progress, 3 logs, 1 request, and room to spare.
      for (let i = 0; i < 40; i++) {
        const event = yield* Effect.promise(() => reader.next(5_000))
        if (event === undefined) break
        const message = JSON.parse(event.data)
        seen.push(message)
        if (message.method === "sampling/createMessage") {
          // Answered by a batch of responses: 202.
          const answered = yield* Effect.promise(() =>
            post(url, [{ jsonrpc: "2.0", id: message.id, result: { role: "assistant", content: { type: "text", text: "sampled" }, model: "m" } }], {
              "mcp-session-id": sessionId
            })
          )
          assert.strictEqual(answered.status, 202)
          yield* Effect.promise(() => answered.text())
        }
      }
      const indexOf = (id: string) => seen.findIndex((message) => message.id === id && !("method" in message))
      const progress = seen.flatMap((message, index) => message.method === "notifications/progress" ? [{ message, index }] : [])
      assert.deepStrictEqual(progress.map(({ message }) => message.params.progress), [0, 50, 100])
      assert.isTrue(progress.every(({ message, index }) => message.params.progressToken === "token-p" && index < indexOf("p")))
      const logs = seen.flatMap((message, index) => message.method === "notifications/message" ? [index] : [])
      assert.strictEqual(logs.length, 3)
      assert.isTrue(logs.every((index) => index < indexOf("l")))
      const sampling = seen.findIndex((message) => message.method === "sampling/createMessage")
      assert.isTrue(sampling !== -1 && sampling < indexOf("s"))
      assert.deepStrictEqual(seen[indexOf("s")].result.content, [{ type: "text", text: "LLM response: sampled" }])
      assert.deepStrictEqual(seen[indexOf("q")], { jsonrpc: "2.0", id: "q", result: {} })
      assert.strictEqual(seen.length, 4 + 3 + 3 + 1)

      // The shared stateless session too (its requests' ids are internal: the client's come back).
      const { url: statelessUrl } = yield* serveEverything({ stateless: true })
      const stateless = yield* Effect.promise(() => post(statelessUrl, [call(7, "test_tool_with_progress", {}, "token-7"), ping(8)], {}))
      const messages = messagesOf(yield* Effect.promise(() => readSse(stateless)))
      assert.deepStrictEqual(
        messages.filter((message) => message.method === "notifications/progress").map((message) => message.params.progressToken),
        ["token-7", "token-7", "token-7"]
      )
      assert.deepStrictEqual(messages.filter((message) => !("method" in message)).map((message) => message.id).sort(), [7, 8])
    }))

  // Fails before: the batch's stream was not among the streams the keep-alive timer writes on.
  it.live("the batch's stream gets keep-alive comments while a member runs", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ keepAliveMillis: 50 })
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      const response = yield* Effect.promise(() =>
        post(url, [call("slow", "test_task_slow", { ms: 500, steps: 1 }), ping("b")], { "mcp-session-id": sessionId })
      )
      assert.include(response.headers.get("content-type") ?? "", "text/event-stream")
      const text = yield* Effect.promise(() => response.text())
      assert.include(text, ": keep-alive\n\n")
      const ids = messagesOf(text.split("\n\n").filter((block) => block.startsWith("data: ")).map((block) => ({
        id: undefined,
        retry: undefined,
        event: undefined,
        data: block.slice(6)
      }))).map((message) => message.id)
      assert.deepStrictEqual(ids.sort(), ["b", "slow"])
    }))

  it.live("the client leaving the batch's stream (or dropping its JSON POST) cancels the requests not answered yet", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      for (const accept of ["text/event-stream", "application/json"]) {
        const ids = [`${accept}-1`, `${accept}-2`]
        // node:http: its socket closes at once when dropped (a JSON answer's headers would come only with it).
        const request = httpRequest(url, { method: "POST", headers: { "mcp-session-id": sessionId, accept, "content-type": "application/json" } })
        request.on("error", () => {})
        const before = taskProbe.steps
        request.end(JSON.stringify([...ids.map((id) => call(id, "test_task_slow", { ms: 60_000, steps: 1_200 })), ping(`${accept}-ping`)]))
        // Running (two steps taken, one every 50 ms a call), however long they took to start.
        assert.isTrue(yield* Effect.promise(() => untilSteps(before, 2)), `the slow calls did not start (${accept})`)
        request.destroy()
        for (const id of ids) assert.strictEqual(yield* Effect.promise(() => untilIdFree(url, jsonOnly(sessionId), id, 40)), 200, `${id} stayed in progress`)
        assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, `the handlers kept running (${accept})`)
      }
    }))

  // Fails before: the POST was dropped while its requests were still being handed to the session
  // (its queue full: each hand-over pauses), so no response (nor the wait for its answers) was
  // made to give them up: the calls already handed over ran on (SSE and JSON), and the batch's
  // stream stayed the session's, never ended (its hand-over never finished).
  it.live("the client dropping the batch's POST while its requests are still handed to a full session cancels those handed over", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ session: { maxConcurrentRequests: 1, maxQueuedRequests: 1 } })
      for (const accept of ["text/event-stream", "application/json"]) {
        const sessionId = yield* Effect.promise(() => openAt(url, V))
        const ids = [`${accept}-1`, `${accept}-2`]
        // The first runs, the second waits for the slot; each request after them pauses the hand-over.
        const pings = Array.from({ length: 80 }, (_, i) => ping(`${accept}-ping-${i}`))
        const request = httpRequest(url, { method: "POST", headers: { "mcp-session-id": sessionId, accept, "content-type": "application/json" } })
        request.on("error", () => {})
        const before = taskProbe.steps
        request.end(JSON.stringify([...ids.map((id) => call(id, "test_task_slow", { ms: 60_000, steps: 1_200 })), ...pings]))
        assert.isTrue(yield* Effect.promise(() => untilSteps(before, 1)), `the slow call did not start (${accept})`)
        request.destroy()
        for (const id of ids) assert.strictEqual(yield* Effect.promise(() => untilIdFree(url, jsonOnly(sessionId), id, 40)), 200, `${id} stayed in progress`)
        assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, `the handler kept running (${accept})`)
      }
    }))

  // Fails before: the member whose hand-over was waiting for room in the session's queue when the
  // POST was dropped was in no list of the batch's: it was not given up, and ran once the
  // others were cancelled (its steps went on after the drop).
  it.live("the client dropping the batch's POST while a member waits for room in the session's queue cancels that member too", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ session: { maxConcurrentRequests: 1, maxQueuedRequests: 10 } })
      for (const accept of ["text/event-stream", "application/json"]) {
        const sessionId = yield* Effect.promise(() => openAt(url, V))
        // The first runs, the next nine wait for the slot; each after them is handed over only
        // once it waited for room (50 ms): the hand-over lasts about half a second.
        const ids = Array.from({ length: 20 }, (_, i) => `${accept}-${i}`)
        const request = httpRequest(url, { method: "POST", headers: { "mcp-session-id": sessionId, accept, "content-type": "application/json" } })
        request.on("error", () => {})
        const before = taskProbe.steps
        request.end(JSON.stringify(ids.map((id) => call(id, "test_task_slow", { ms: 60_000, steps: 1_200 }))))
        // Dropped once the first call runs (its first step, 50 ms in), well within the hand-over.
        assert.isTrue(yield* Effect.promise(() => untilSteps(before, 1)), `the first call did not start (${accept})`)
        request.destroy()
        for (const id of ids) assert.strictEqual(yield* Effect.promise(() => untilIdFree(url, jsonOnly(sessionId), id, 40)), 200, `${id} stayed in progress`)
        assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, `a handler kept running (${accept})`)
      }
    }))

  it.live("the endpoint stopping (WebHandler.dispose): each request of the batch still running gets its -32000 on the stream, which then ends", () =>
    Effect.gen(function*() {
      const web = WebHandler.make(options, components, {})
      const request = (body: unknown, headers: Record<string, string> = {}) =>
        web.handler(
          new Request("http://127.0.0.1/mcp", {
            method: "POST",
            headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json", ...headers },
            body: JSON.stringify(body)
          })
        )
      const init = yield* Effect.promise(() =>
        request({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: V, capabilities: {}, clientInfo: { name: "x", version: "0" } } })
      )
      const sessionId = init.headers.get("mcp-session-id")!
      yield* Effect.promise(() => init.text())
      const initialized = yield* Effect.promise(() => request({ jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sessionId }))
      yield* Effect.promise(() => initialized.text())
      const slow = (id: string) => call(id, "test_task_slow", { ms: 60_000, steps: 1 })
      const batch = yield* Effect.promise(() => request([slow("x"), ping("p"), slow("y")], { "mcp-session-id": sessionId }))
      assert.include(batch.headers.get("content-type") ?? "", "text/event-stream")
      yield* Effect.promise(() => sleep(200))
      yield* Effect.promise(() => web.dispose())
      const answers = messagesOf(yield* Effect.promise(() => readSse(batch)))
      assert.deepStrictEqual(answers.map((answer) => answer.id).sort(), ["p", "x", "y"])
      for (const answer of answers.filter((answer) => answer.id !== "p")) assert.strictEqual(answer.error.code, -32000, JSON.stringify(answer))
    }))

  it.live("answered as JSON, a member with no answer within the request timeout gets its -32603 entry, the others their answers", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ requestTimeoutMillis: 400 })
      const sessionId = yield* Effect.promise(() => openAt(url, V))
      const response = yield* Effect.promise(() =>
        post(url, [
          call("never1", "test_task_slow", { ms: 60_000, steps: 1_200 }),
          ping("b"),
          call("never2", "test_task_slow", { ms: 60_000, steps: 1_200 })
        ], jsonOnly(sessionId))
      )
      assert.strictEqual(response.status, 200)
      const answer: any = yield* Effect.promise(() => response.json())
      assert.deepStrictEqual(answer.map((entry: any) => entry.id), ["never1", "b", "never2"])
      assert.deepStrictEqual(answer[1].result, {})
      for (const entry of [answer[0], answer[2]]) {
        assert.strictEqual(entry.error.code, -32603)
        assert.include(entry.error.message, "Gateway Timeout")
      }
      assert.strictEqual(yield* Effect.promise(() => stepsDuring(300)), 0, "the timed-out handlers kept running")
    }))
})
