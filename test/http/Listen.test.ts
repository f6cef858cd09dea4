/**
 * `subscriptions/listen` (MCP 2026-07-28): the long-lived request that replaces 2025-11-25's
 * standalone stream and `resources/subscribe`. Over stateless HTTP with raw fetch (the
 * conformance suite's wire) and over stdio (a child process): the acknowledgement comes first with
 * the accepted subset of the filter, every notification carries the client's listen id as
 * `subscriptionId`, only what the filter asked for is delivered (list changes, resource updates,
 * the tasks extension's `notifications/tasks`), and the stream ends when the client cancels it or,
 * with a result, when the server drains.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { spawnNode } from "../support/child.ts"
import { listenBound } from "../support/replicas.ts"
import { BOTH, nextMessage, serveEverything, sseReader } from "./support.ts"
import { withoutServerInfo } from "../support/serverInfo.ts"
import { components, options } from "../../examples/everything-server.ts"
import { WebHandler } from "../../src/web.ts"

const VERSION = "2026-07-28"
const TASKS = "io.modelcontextprotocol/tasks"
const SUBSCRIPTION = "io.modelcontextprotocol/subscriptionId"

const metaOf = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "listen-test", version: "1.0.0" }
})

const headersOf = (method: string, name?: string) => ({
  "content-type": "application/json",
  accept: BOTH,
  "mcp-protocol-version": VERSION,
  "mcp-method": method,
  ...(name === undefined ? {} : { "mcp-name": name })
})

/** One 2026 request answered with JSON. */
const call = async (url: string, id: string, method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> = {}) => {
  const name = method === "tools/call" ? String(params["name"]) : method.startsWith("tasks/") ? String(params["taskId"]) : undefined
  const response = await fetch(url, {
    method: "POST",
    headers: headersOf(method, name),
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: metaOf(capabilities) } })
  })
  const type = response.headers.get("content-type") ?? ""
  if (type.includes("text/event-stream")) {
    const reader = sseReader(response)
    for (let i = 0; i < 100; i++) {
      const event = await reader.next(10_000)
      if (event === undefined) break
      const message = event.data === "" ? undefined : JSON.parse(event.data)
      if (message?.id !== undefined) return message
    }
    throw new Error(`${method}: no answer on the stream`)
  }
  return response.json()
}

/** Opens a listen stream: the reader of its messages, and how to drop it. */
const listen = async (url: string, id: string | number, notifications: Record<string, unknown>, capabilities: Record<string, unknown> = {}) => {
  const controller = new AbortController()
  const response = await fetch(url, {
    method: "POST",
    signal: controller.signal,
    headers: headersOf("subscriptions/listen"),
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "subscriptions/listen", params: { notifications, _meta: metaOf(capabilities) } })
  })
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return { status: response.status, first: await response.json(), next: undefined, close: () => undefined }
  }
  const reader = sseReader(response)
  const next = (timeoutMillis = 5_000): Promise<any> => nextMessage(reader, { events: 100, timeoutMillis })
  return {
    status: response.status,
    first: await next(),
    next,
    close: () => {
      controller.abort()
      void reader.cancel()
    }
  }
}

/** What a `subscriptions/listen` stream of the server at `url` sends in its first 700 ms. */
/**
 * What a listen stream says within `millis` (700 ms by default), or until `enough` holds of it (its
 * `millis` then only bounds the wait: a loaded machine's stream says less in 700 ms).
 */
const readListen = (url: string, enough: (text: string) => boolean = () => false, millis = 700) =>
  Effect.promise(async () => {
    const controller = new AbortController()
    const response = await fetch(url, {
      method: "POST",
      signal: controller.signal,
      headers: headersOf("subscriptions/listen"),
      body: JSON.stringify({ jsonrpc: "2.0", id: "k", method: "subscriptions/listen", params: { notifications: { toolsListChanged: true }, _meta: metaOf() } })
    })
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ""
    const deadline = Date.now() + millis
    while (Date.now() < deadline && !enough(text)) {
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now())))])
      if (chunk === undefined || chunk.done) break
      text += decoder.decode(chunk.value, { stream: true })
    }
    controller.abort()
    return text
  })

describe("subscriptions/listen over stateless HTTP", () => {
  it.live("discover advertises listChanged and subscribe; the acknowledgement comes first with the accepted subset and the client's id", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const discover = yield* Effect.promise(() => call(url, "d1", "server/discover", {}))
      const caps = discover.result.capabilities
      assert.strictEqual(caps.tools.listChanged, true)
      assert.strictEqual(caps.prompts.listChanged, true)
      assert.strictEqual(caps.resources.listChanged, true)
      assert.strictEqual(caps.resources.subscribe, true)

      const stream = yield* Effect.acquireRelease(
        Effect.promise(() =>
          listen(url, "listen-1", {
            toolsListChanged: true,
            promptsListChanged: false,
            resourceSubscriptions: ["test://static-text", "test://no-such-resource", "test://static-text"]
          })
        ),
        (s) => Effect.sync(s.close)
      )
      assert.strictEqual(stream.status, 200)
      assert.strictEqual(stream.first.method, "notifications/subscriptions/acknowledged")
      assert.deepStrictEqual(stream.first.params.notifications, {
        toolsListChanged: true,
        resourceSubscriptions: ["test://static-text"]
      })
      assert.strictEqual(stream.first.params._meta[SUBSCRIPTION], "listen-1", "the client's id, not the transport's")
    }))

  it.live("delivers what the filter asked for, tagged with the subscriptionId, and nothing else", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const tools = yield* Effect.acquireRelease(
        Effect.promise(() => listen(url, 7, { toolsListChanged: true, resourceSubscriptions: ["test://static-text"] })),
        (s) => Effect.sync(s.close)
      )
      const prompts = yield* Effect.acquireRelease(
        Effect.promise(() => listen(url, "p", { promptsListChanged: true })),
        (s) => Effect.sync(s.close)
      )
      // A prompt change, a tool change, an update of a resource only the first stream follows.
      yield* Effect.promise(() => call(url, "t1", "tools/call", { name: "test_trigger_prompt_change", arguments: {} }))
      yield* Effect.promise(() => call(url, "t2", "tools/call", { name: "test_trigger_tool_change", arguments: {} }))
      yield* Effect.promise(() =>
        call(url, "t3", "tools/call", { name: "test_trigger_resource_update", arguments: { uri: "test://static-text" } })
      )
      yield* Effect.promise(() =>
        call(url, "t4", "tools/call", { name: "test_trigger_resource_update", arguments: { uri: "test://static-binary" } })
      )
      yield* Effect.promise(() => call(url, "t5", "tools/call", { name: "test_trigger_tool_change", arguments: {} }))
      const first = yield* Effect.promise(() => tools.next!())
      const second = yield* Effect.promise(() => tools.next!())
      const third = yield* Effect.promise(() => tools.next!())
      // The prompt change and the other resource's update never reach this stream.
      assert.deepStrictEqual(
        [first.method, second.method, third.method],
        ["notifications/tools/list_changed", "notifications/resources/updated", "notifications/tools/list_changed"]
      )
      assert.strictEqual(second.params.uri, "test://static-text")
      for (const message of [first, second, third]) assert.strictEqual(message.params._meta[SUBSCRIPTION], 7)
      const onPrompts = yield* Effect.promise(() => prompts.next!())
      assert.strictEqual(onPrompts.method, "notifications/prompts/list_changed")
      assert.strictEqual(onPrompts.params._meta[SUBSCRIPTION], "p")
      // ... and the tool changes never reach the prompts stream.
      const more = yield* Effect.promise(() => prompts.next!(400).then(() => "got one", (error: Error) => error.message))
      assert.match(more, /no event within/)
    }))

  it.live("taskIds: -32021 without the tasks extension; with it, notifications/tasks for the caller's own tasks only", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const refused = yield* Effect.promise(() => listen(url, "no-ext", { taskIds: ["whatever"] }))
      assert.strictEqual(refused.status, 400)
      assert.strictEqual(refused.first.error.code, -32021)
      assert.deepStrictEqual(refused.first.error.data.requiredCapabilities, { extensions: { [TASKS]: {} } })

      const withTasks = { extensions: { [TASKS]: {} } }
      const created = yield* Effect.promise(() =>
        call(url, "c1", "tools/call", { name: "slow_compute", arguments: { seconds: 0.6, label: "watched" } }, withTasks)
      )
      assert.strictEqual(created.result.resultType, "task")
      const taskId = created.result.taskId
      const stream = yield* Effect.acquireRelease(
        Effect.promise(() => listen(url, "tasks", { taskIds: [taskId, "not-a-task"] }, withTasks)),
        (s) => Effect.sync(s.close)
      )
      assert.deepStrictEqual(stream.first.params.notifications, { taskIds: [taskId] })
      let last: any
      for (let i = 0; i < 10; i++) {
        last = yield* Effect.promise(() => stream.next!(5_000))
        assert.strictEqual(last.method, "notifications/tasks")
        assert.strictEqual(last.params.taskId, taskId)
        assert.strictEqual(last.params._meta[SUBSCRIPTION], "tasks")
        if (last.params.status === "completed") break
      }
      assert.strictEqual(last.params.status, "completed")
      assert.strictEqual(last.params.result.content[0].text, "watched: computed in 0.6 s", "the DetailedTask, result inline")
    }))

  // Failed before: a task that ended before the stream subscribed was never told (the stream told
  // changes only), and a client waiting for notifications/tasks instead of polling waited for ever.
  it.live("taskIds: each task's state as found is told first, once (an ended one with its result), then its later changes, in order", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const withTasks = { extensions: { [TASKS]: {} } }
      const createdOf = (id: string, seconds: number) =>
        Effect.promise(() => call(url, id, "tools/call", { name: "slow_compute", arguments: { seconds, label: id } }, withTasks))
      const done = yield* createdOf("done", 0.3)
      const later = yield* createdOf("later", 1.2)
      assert.strictEqual(done.result.resultType, "task")
      // The first ends before anyone listens.
      for (let i = 0; i < 100; i++) {
        const read = yield* Effect.promise(() => call(url, `g${i}`, "tasks/get", { taskId: done.result.taskId }, withTasks))
        if (read.result?.status === "completed") break
        yield* Effect.sleep("20 millis")
      }
      const stream = yield* Effect.acquireRelease(
        Effect.promise(() => listen(url, "both", { taskIds: [done.result.taskId, later.result.taskId] }, withTasks)),
        (s) => Effect.sync(s.close)
      )
      assert.deepStrictEqual(stream.first.params.notifications, { taskIds: [done.result.taskId, later.result.taskId] })
      const told: Array<any> = []
      for (let i = 0; i < 10 && told.at(-1)?.params?.status !== "completed" || told.length < 2; i++) {
        told.push(yield* Effect.promise(() => stream.next!(5_000)))
      }
      assert.deepStrictEqual(told.map((message) => [message.method, message.params.taskId, message.params.status]), [
        ["notifications/tasks", done.result.taskId, "completed"],
        ["notifications/tasks", later.result.taskId, "working"],
        ["notifications/tasks", later.result.taskId, "completed"]
      ])
      assert.strictEqual(told[0].params.result.content[0].text, "done: computed in 0.3 s")
      assert.strictEqual(told[0].params._meta[SUBSCRIPTION], "both")
      // Nothing more: no state told twice.
      const more = yield* Effect.promise(() => stream.next!(300).then(() => "got one", (error: Error) => error.message))
      assert.match(more, /no event within/)
    }))

  it.live("a client that takes only JSON is refused at once (406), not left waiting for a stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const started = Date.now()
      const response = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers: { ...headersOf("subscriptions/listen"), accept: "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: "j", method: "subscriptions/listen", params: { notifications: { toolsListChanged: true }, _meta: metaOf() } })
        })
      )
      assert.strictEqual(response.status, 406)
      const body: any = yield* Effect.promise(() => response.json())
      assert.strictEqual(body.id, "j")
      assert.match(body.error.message, /text\/event-stream/)
      assert.isBelow(Date.now() - started, 2_000)
    }))

  it.live("a quiet listen stream gets SSE keep-alive comments (keepAliveMillis); with 0 it gets none", () =>
    Effect.gen(function*() {
      const beating = yield* serveEverything({ keepAliveMillis: 150 })
      const beats = (text: string) => text.split(": keep-alive\n\n").length - 1
      // Until two came (at most 10 s): in 700 ms a loaded machine's stream had one.
      const withBeats = yield* readListen(beating.url, (text) => beats(text) >= 2, 10_000)
      assert.include(withBeats, "notifications/subscriptions/acknowledged")
      assert.isAtLeast(beats(withBeats), 2)
      const silent = yield* serveEverything({ keepAliveMillis: 0 })
      const without = yield* readListen(silent.url)
      assert.include(without, "notifications/subscriptions/acknowledged")
      assert.notInclude(without, ": keep-alive")
    }))

  // Fails before the fix: past the longest delay a Node timer takes (2 ** 31 - 1 ms), the
  // keep-alive's timer fired after 1 ms, every time: a comment on every stream every millisecond.
  it.live("a keepAliveMillis past the longest Node timer (2 ** 31 ms, about 25 days) sends no keep-alive within the stream's first moments", () =>
    Effect.gen(function*() {
      const far = yield* serveEverything({ keepAliveMillis: 2 ** 31 })
      const text = yield* readListen(far.url)
      assert.include(text, "notifications/subscriptions/acknowledged")
      assert.notInclude(text, ": keep-alive")
    }))

  it.live("a dropped listen stream unregisters its listeners (a later change reaches only the live stream)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const dropped = yield* Effect.promise(() => listen(url, "a", { toolsListChanged: true }))
      const live = yield* Effect.acquireRelease(
        Effect.promise(() => listen(url, "b", { toolsListChanged: true })),
        (s) => Effect.sync(s.close)
      )
      dropped.close()
      yield* Effect.sleep(100)
      yield* Effect.promise(() => call(url, "t", "tools/call", { name: "test_trigger_tool_change", arguments: {} }))
      const event = yield* Effect.promise(() => live.next!())
      assert.strictEqual(event.params._meta[SUBSCRIPTION], "b")
    }))

  // Fails before the fix: every 2026-07-28 request over HTTP is answered by the endpoint's one
  // shared stateless session, and each open listen stream held one of its 64 request slots: 64
  // subscribers, whoever they were, left every request that does not answer at once (a tool that
  // sleeps) waiting for ever (here: no answer within 5 s).
  it.live("64 open listen streams (any clients') do not take the request slots: a call is still answered", () =>
    Effect.gen(function*() {
      // From one address here, anonymous: not bounded (`maxListenStreamsPerAddress` is off by default).
      const { url } = yield* serveEverything()
      const streams = yield* Effect.acquireRelease(
        Effect.promise(() => Promise.all(Array.from({ length: 64 }, (_, i) => listen(url, i, { toolsListChanged: true })))),
        (opened) =>
          Effect.sync(() => {
            for (const stream of opened) stream.close()
          })
      )
      for (const stream of streams) assert.strictEqual(stream.first.method, "notifications/subscriptions/acknowledged")
      const answer = yield* Effect.promise(() =>
        Promise.race([
          call(url, "t", "tools/call", { name: "test_task_slow", arguments: { ms: 10 } }),
          new Promise((resolve) => setTimeout(() => resolve("no answer within 5 s"), 5_000))
        ])
      )
      assert.deepStrictEqual((answer as any).result?.content, [{ type: "text", text: "done" }], JSON.stringify(answer))
    }), 20_000)

  // Fails before: the shared stateless session answers every 2026-07-28 client, and its lane for
  // waiting requests had a session's bound (`maxWaitingRequests`, 1,024): the 1,025th open listen
  // stream of the server, whatever its client, got no answer at all (not even its headers) until
  // another stream closed, or the request timeout (5 min) answered it 504. Through the web handler
  // (the same endpoint, in process): 1,100 sockets and fetch clients cost far more than the check.
  it.live("more open listen streams than one session's waiting lane (1,024), from any clients: each is acknowledged", () =>
    Effect.gen(function*() {
      const web = WebHandler.make(options, components, {})
      const count = 1_100
      const controllers = Array.from({ length: count }, () => new AbortController())
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          for (const controller of controllers) controller.abort()
          await web.dispose()
        })
      )
      const opened = yield* Effect.promise(() =>
        Promise.all(controllers.map(async (controller, i) => {
          const acknowledged = (async () => {
            const response = await web.handler(
              new Request("http://127.0.0.1/mcp", {
                method: "POST",
                signal: controller.signal,
                headers: { host: "127.0.0.1", ...headersOf("subscriptions/listen") },
                body: JSON.stringify({
                  jsonrpc: "2.0",
                  id: i,
                  method: "subscriptions/listen",
                  params: { notifications: { toolsListChanged: true }, _meta: metaOf() }
                })
              })
            )
            const first = await nextMessage(sseReader(response), { events: 10, timeoutMillis: 15_000 })
            return first?.method === "notifications/subscriptions/acknowledged"
          })().catch(() => false)
          // Bounded: a stream that gets no answer is counted as such after 15 s.
          return Promise.race([acknowledged, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000))])
        }))
      )
      assert.strictEqual(opened.filter(Boolean).length, count, "some listen streams were never acknowledged")
    }), 40_000)
})

// ---------------------------------------------------------------------------
// stdio
// ---------------------------------------------------------------------------

const serverPath = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))

describe("subscriptions/listen over stdio", () => {
  it.live("notifications/cancelled ends one listen; stdin EOF drains: the other ends with its result", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(serverPath)
      const { send, messages } = running
      // The first answer waits for the server's start too (Node's, the library's loading: past 5 s,
      // then past 30 s at a load of 22), bounded as a replica's start is (`listenBound`, 120 s); the others at 10 s.
      const waitFor = async (predicate: (message: any) => boolean, what: string, millis = 10_000) => {
        const found = await running.until(() => messages().find(predicate), millis)
        if (found === undefined) throw new Error(`stdio: no ${what} within ${millis} ms; got ${JSON.stringify(messages()).slice(0, 1000)}`)
        return found
      }
      const tagged = (id: unknown) => (m: any) => m.params?._meta?.[SUBSCRIPTION] === id
      send({ jsonrpc: "2.0", id: "keep", method: "subscriptions/listen", params: { notifications: { toolsListChanged: true }, _meta: metaOf() } })
      send({ jsonrpc: "2.0", id: "stop", method: "subscriptions/listen", params: { notifications: { toolsListChanged: true }, _meta: metaOf() } })
      yield* Effect.promise(() => waitFor((m) => m.method === "notifications/subscriptions/acknowledged" && tagged("keep")(m), "ack of keep", listenBound))
      yield* Effect.promise(() => waitFor((m) => m.method === "notifications/subscriptions/acknowledged" && tagged("stop")(m), "ack of stop"))
      send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "stop", _meta: metaOf() } })
      yield* Effect.sleep(100)
      send({ jsonrpc: "2.0", id: "t", method: "tools/call", params: { name: "test_trigger_tool_change", arguments: {}, _meta: metaOf() } })
      yield* Effect.promise(() => waitFor((m) => m.id === "t", "trigger answer"))
      yield* Effect.promise(() => waitFor((m) => m.method === "notifications/tools/list_changed" && tagged("keep")(m), "list change on keep"))
      running.child.stdin!.end()
      const code = (yield* Effect.promise(() => running.exited(10_000)))?.code
      assert.strictEqual(code, 0)
      const ended = messages().find((m) => m.id === "keep")
      assert.deepStrictEqual(withoutServerInfo(ended?.result), { resultType: "complete", _meta: { [SUBSCRIPTION]: "keep" } })
      assert.isFalse(
        messages().some((m) => m.method === "notifications/tools/list_changed" && tagged("stop")(m)),
        "the cancelled listen got nothing after its cancellation"
      )
    }), { timeout: 180_000 })
})
