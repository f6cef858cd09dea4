/**
 * Background tasks over Streamable HTTP (2025-11-25): a task's server→client requests (with the
 * related-task `_meta`) travel on the stream of a `tasks/result` waiting on that task, or on the
 * standalone GET stream; the client answers with a separate POST (202).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { EventStore, McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import {
  answerOf,
  nextMessage,
  nodeFetch,
  on,
  openSession,
  post,
  recordingEventStore,
  serveEverything,
  serveOnAnyPort,
  sseReader,
  streamOfEventId,
  untilStandaloneLeft
} from "./support.ts"

const RELATED = "io.modelcontextprotocol/related-task"

const createTask = (url: string, sessionId: string) =>
  Effect.promise(() =>
    post(url, {
      jsonrpc: "2.0",
      id: "create",
      method: "tools/call",
      params: { name: "test_task_input", arguments: {}, task: { ttl: 60_000 } }
    }, on(sessionId)).then(answerOf)
  ).pipe(Effect.map((answer) => answer.result.task as { taskId: string; status: string }))

const getTask = (url: string, sessionId: string, taskId: string) =>
  Effect.promise(() =>
    post(url, { jsonrpc: "2.0", id: `get-${Date.now()}`, method: "tasks/get", params: { taskId } }, on(sessionId)).then(answerOf)
  ).pipe(Effect.map((answer) => answer.result as { status: string }))

/** Polls tasks/get (100 times at most, 10 ms apart) until the task's status is `status`; the last status seen. */
const untilStatus = (url: string, sessionId: string, taskId: string, status: string, first: string) =>
  Effect.gen(function*() {
    let seen = first
    for (let i = 0; i < 100 && seen !== status; i++) {
      yield* Effect.sleep(10)
      seen = (yield* getTask(url, sessionId, taskId)).status
    }
    return seen
  })

/** Answers an elicitation request the way a client does: a separate POST carrying the response. */
const answerElicitation = (url: string, sessionId: string, request: any, name: string) =>
  Effect.promise(async () => {
    const response = await post(
      url,
      { jsonrpc: "2.0", id: request.id, result: { action: "accept", content: { name } } },
      on(sessionId)
    )
    await response.text()
    return response.status
  })

describe("tasks over Streamable HTTP", () => {
  it.live("test_task_input as a task: the elicitation arrives on the tasks/result stream, which ends with the result", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const task = yield* createTask(url, sessionId)
      assert.strictEqual(task.status, "working")

      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId))
      )
      assert.strictEqual(response.status, 200)
      assert.include(response.headers.get("content-type")!, "text/event-stream")
      const reader = sseReader(response)
      const priming = (yield* Effect.promise(() => reader.next()))!
      assert.strictEqual(priming.data, "")
      const elicitation = JSON.parse((yield* Effect.promise(() => reader.next()))!.data)
      assert.strictEqual(elicitation.method, "elicitation/create")
      assert.strictEqual(elicitation.params.message, "What is your name?")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId: task.taskId })
      assert.strictEqual((yield* getTask(url, sessionId, task.taskId)).status, "input_required")

      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "ada"), 202)
      const last = (yield* Effect.promise(() => reader.next()))!
      const result = JSON.parse(last.data)
      assert.strictEqual(result.id, "result")
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
      assert.deepStrictEqual(result.result._meta[RELATED], { taskId: task.taskId })
      assert.isUndefined(yield* Effect.promise(() => reader.next()), "the tasks/result stream ends with its result")
      assert.strictEqual((yield* getTask(url, sessionId, task.taskId)).status, "completed")
    }))

  it.live("without a waiting tasks/result, the elicitation goes to the standalone GET stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const standalone = yield* Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream" }) }))
      assert.strictEqual(standalone.status, 200)
      const reader = sseReader(standalone)
      yield* Effect.addFinalizer(() => Effect.promise(() => reader.cancel()))
      assert.strictEqual((yield* Effect.promise(() => reader.next()))!.data, "") // priming

      const task = yield* createTask(url, sessionId)
      const seen: Array<any> = []
      let elicitation: any
      while (elicitation === undefined) {
        const event = yield* Effect.promise(() => reader.next())
        assert.isDefined(event, "the standalone stream ended")
        const message = JSON.parse(event!.data)
        seen.push(message)
        if (message.method === "elicitation/create") elicitation = message
      }
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId: task.taskId })
      // the status change was notified on the standalone stream first
      assert.deepInclude(
        seen.map((m) => [m.method, m.params?.taskId, m.params?.status]),
        ["notifications/tasks/status", task.taskId, "input_required"]
      )
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "grace"), 202)
      const result = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 9, method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId)).then(answerOf)
      )
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello grace" }])
      yield* Effect.promise(() => fetch(url, { method: "DELETE", headers: on(sessionId) }))
    }))

  // Fails before: a tasks/result waiting on a running task produced nothing until the task ended,
  // so the endpoint's requestTimeoutMillis (5 min by default, shorter than the default TTL of an
  // hour) answered it 504 while the task still ran.
  it.live("tasks/result on a task that runs past requestTimeoutMillis: its stream opens at once and ends with the result (no 504)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ requestTimeoutMillis: 300 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const created = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: "slow",
          method: "tools/call",
          params: { name: "test_task_slow", arguments: { ms: 1_000, steps: 2 }, task: {} }
        }, on(sessionId)).then(answerOf)
      )
      const taskId = created.result.task.taskId as string
      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "r", method: "tasks/result", params: { taskId } }, on(sessionId))
      )
      assert.strictEqual(response.status, 200)
      assert.include(response.headers.get("content-type") ?? "", "text/event-stream")
      const result = yield* Effect.promise(() => nextMessage(sseReader(response), { events: 3, timeoutMillis: 5_000 }))
      assert.strictEqual(result.id, "r")
      assert.isUndefined(result.error, JSON.stringify(result))
      assert.strictEqual(result.result._meta[RELATED].taskId, taskId)
    }))

  // Spec flow (2025-11-25 tasks: "When the requestor encounters the input_required status, it
  // SHOULD preemptively call tasks/result"): the requestor polls tasks/get, sees input_required,
  // then calls tasks/result. The elicitation was emitted before any tasks/result was waiting and
  // with no standalone stream open, so it must be kept for the tasks/result stream.
  it.live("tasks/result called after input_required (no standalone stream) still receives the elicitation", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ requestTimeoutMillis: 1_500 })
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const task = yield* createTask(url, sessionId)
      const status = yield* untilStatus(url, sessionId, task.taskId, "input_required", task.status)
      assert.strictEqual(status, "input_required")

      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "late", method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId))
      )
      assert.strictEqual(response.status, 200, "tasks/result got no answer: the elicitation request was lost")
      const reader = sseReader(response)
      const elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      assert.strictEqual(elicitation?.method, "elicitation/create")
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "ada"), 202)
      const result = JSON.parse((yield* Effect.promise(() => reader.next()))!.data)
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
    }))

  // Fails before: the elicitation went out on the first tasks/result's stream only (stored there
  // for a resumption of that stream); the client that dropped it and asked again (2025-11-25:
  // "Clients MAY drop the tasks/result SSE connection at any time and go back to polling") never
  // got it, and the task waited in input_required until its TTL.
  it.live("a client that dropped its tasks/result stream and asks again on input_required gets the elicitation on the new stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const task = yield* createTask(url, sessionId)
      assert.strictEqual(yield* untilStatus(url, sessionId, task.taskId, "input_required", task.status), "input_required")
      // The first tasks/result: its stream opens (with the elicitation on it), and the client drops it unread.
      yield* Effect.promise(async () => {
        const abort = new AbortController()
        const first = await fetch(url, {
          method: "POST",
          signal: abort.signal,
          headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...on(sessionId) },
          body: JSON.stringify({ jsonrpc: "2.0", id: "first", method: "tasks/result", params: { taskId: task.taskId } })
        })
        assert.include(first.headers.get("content-type")!, "text/event-stream")
        abort.abort()
      })
      // Polling again, the client sees input_required and asks for the result again.
      yield* Effect.sleep(100)
      assert.strictEqual((yield* getTask(url, sessionId, task.taskId)).status, "input_required")
      const again = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "again", method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId))
      )
      const reader = sseReader(again)
      const elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      assert.strictEqual(elicitation?.method, "elicitation/create")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId: task.taskId })
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "ada"), 202)
      const result = JSON.parse((yield* Effect.promise(() => reader.next()))!.data)
      assert.strictEqual(result.id, "again")
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
    }))

  // Fails before: the earlier stream's requests went out again only when the server had already
  // seen that stream go. A client that gives up on it and asks again while its connection still
  // looks open to the server (a proxy that keeps the upstream open until its next write, or the
  // client's new POST racing its connection's close) never got the elicitation: the route moved to
  // the new request, the old stream's close later re-sent nothing, and the task waited until its TTL.
  it.live("a client that asks tasks/result again while its earlier stream still looks open gets the elicitation on the new stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const task = yield* createTask(url, sessionId)
      assert.strictEqual(yield* untilStatus(url, sessionId, task.taskId, "input_required", task.status), "input_required")
      // The first tasks/result: its stream opens, with the elicitation on it; the client does not read it (nor close it).
      const first = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "first", method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId))
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => first.body?.cancel() ?? Promise.resolve()))
      assert.include(first.headers.get("content-type")!, "text/event-stream")
      const again = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "again", method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId))
      )
      const reader = sseReader(again)
      yield* Effect.addFinalizer(() => Effect.promise(() => reader.cancel()))
      const elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      assert.strictEqual(elicitation?.method, "elicitation/create")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId: task.taskId })
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "ada"), 202)
      const result = JSON.parse((yield* Effect.promise(() => reader.next()))!.data)
      assert.strictEqual(result.id, "again")
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
    }))

  // Fails before: the elicitation went to the stream of the tasks/result the client had dropped
  // (stored there for a resumption), not to the standalone stream the client reads, which saw the
  // task go input_required and nothing more.
  it.live("an elicitation asked after the client dropped its tasks/result stream goes to the standalone stream it reads", () =>
    Effect.gen(function*() {
      // Asks only after a while: once the client has dropped its tasks/result.
      const AsksLater = McpServer.tool({
        name: "asks_later",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.andThen(Effect.sleep(300), McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))).pipe(
            Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
            Effect.orDie
          )
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, Layer.merge(components, AsksLater), StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const standalone = yield* Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream" }) }))
      const reader = sseReader(standalone)
      yield* Effect.addFinalizer(() => Effect.promise(() => reader.cancel()))
      assert.strictEqual((yield* Effect.promise(() => reader.next()))!.data, "") // priming
      const created = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "create", method: "tools/call", params: { name: "asks_later", arguments: {}, task: {} } }, on(sessionId))
          .then(answerOf)
      )
      const taskId: string = created.result.task.taskId
      // tasks/result, dropped at once (the client goes back to polling).
      yield* Effect.promise(async () => {
        const abort = new AbortController()
        await fetch(url, {
          method: "POST",
          signal: abort.signal,
          headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...on(sessionId) },
          body: JSON.stringify({ jsonrpc: "2.0", id: "dropped", method: "tasks/result", params: { taskId } })
        })
        abort.abort()
      })
      let elicitation: any
      for (let i = 0; i < 5 && elicitation === undefined; i++) {
        const event = yield* Effect.promise(() => reader.next(2_000))
        const message = JSON.parse(event!.data)
        if (message.method === "elicitation/create") elicitation = message
      }
      assert.isDefined(elicitation, "no elicitation on the standalone stream")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId })
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "ada"), 202)
      const result = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
    }))

  // Fails before: a fresh standalone stream sent again only the requests of the standalone streams
  // the client had left, not those of the tasks/result stream it had dropped: the elicitation
  // stayed stored on that stream, and the task waited in input_required until its TTL.
  it.live("an elicitation on a tasks/result stream the client dropped goes out again on the standalone stream it opens next", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const task = yield* createTask(url, sessionId)
      assert.strictEqual(yield* untilStatus(url, sessionId, task.taskId, "input_required", task.status), "input_required")
      yield* Effect.promise(async () => {
        const abort = new AbortController()
        await fetch(url, {
          method: "POST",
          signal: abort.signal,
          headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...on(sessionId) },
          body: JSON.stringify({ jsonrpc: "2.0", id: "dropped", method: "tasks/result", params: { taskId: task.taskId } })
        })
        abort.abort()
      })
      yield* Effect.sleep(100)
      const standalone = yield* Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream" }) }))
      assert.strictEqual(standalone.status, 200)
      const reader = sseReader(standalone)
      yield* Effect.addFinalizer(() => Effect.promise(() => reader.cancel()))
      const elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      assert.strictEqual(elicitation?.method, "elicitation/create")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId: task.taskId })
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "ada"), 202)
      const result = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId: task.taskId } }, on(sessionId)).then(answerOf)
      )
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
    }))

  it.live("a task's progress with nowhere to go is not replayed later; a waiting elicitation reaches a standalone stream opened later", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ requestTimeoutMillis: 1_500 })
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      // Progress of a task nobody streams: dropped, not kept for a later tasks/result.
      const slow = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: "slow",
          method: "tools/call",
          params: { name: "test_task_slow", arguments: { ms: 60, steps: 6 }, task: {}, _meta: { progressToken: "p" } }
        }, on(sessionId)).then(answerOf)
      )
      const slowId = slow.result.task.taskId as string
      let status = "working"
      for (let i = 0; i < 100 && status === "working"; i++) {
        yield* Effect.sleep(10)
        status = (yield* getTask(url, sessionId, slowId)).status
      }
      const result = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "r", method: "tasks/result", params: { taskId: slowId } }, on(sessionId))
      )
      const text = yield* Effect.promise(() => result.text())
      assert.notInclude(text, "notifications/progress")
      assert.include(text, "done")

      // An elicitation from a task with no stream waits, and goes out on the standalone stream.
      const task = yield* createTask(url, sessionId)
      status = yield* untilStatus(url, sessionId, task.taskId, "input_required", task.status)
      assert.strictEqual(status, "input_required")
      const standalone = yield* Effect.promise(() =>
        fetch(url, { method: "GET", headers: { accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" } })
      )
      const reader = sseReader(standalone)
      const elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      assert.strictEqual(elicitation?.method, "elicitation/create")
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "grace"), 202)
      const done = yield* untilStatus(url, sessionId, task.taskId, "completed", "working")
      assert.strictEqual(done, "completed")
      yield* Effect.promise(() => reader.cancel())
    }))

  // Fails before: a resumed standalone stream only replayed its events; the elicitation held
  // while it was away waited for a fresh GET.
  it.live("an elicitation held while the standalone stream is away goes out when the client resumes it (Last-Event-ID)", () =>
    Effect.gen(function*() {
      const { store, stored } = recordingEventStore()
      const { url } = yield* Effect.provideService(serveEverything({ requestTimeoutMillis: 1_500 }), EventStore.EventStore, store)
      const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {} }))
      const standaloneHeaders = (extra: Record<string, string> = {}) =>
        ({ accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25", ...extra })
      const opened = yield* Effect.promise(() => nodeFetch(url, "GET", standaloneHeaders()))
      const priming = yield* Effect.promise(() => sseReader(opened.response).next(2_000))
      assert.isDefined(priming?.id)
      opened.destroy()
      // Once the server saw the stream go (else the elicitation would just be stored for the
      // resumption). A probe: a call answered as JSON, whose log messages go on the standalone stream.
      let probes = 100
      const probe = () =>
        post(url, { jsonrpc: "2.0", id: probes++, method: "tools/call", params: { name: "test_tool_with_logging", arguments: {} } }, on(sessionId, {
          accept: "application/json"
        })).then(answerOf)
      const lastEventId = yield* Effect.promise(() => untilStandaloneLeft(stored, sessionId, priming!.id!, probe))
      const task = yield* createTask(url, sessionId)
      const status = yield* untilStatus(url, sessionId, task.taskId, "input_required", task.status)
      assert.strictEqual(status, "input_required")
      // The task is input_required as it sends its elicitation: what is sent after (a probe,
      // answered) is routed after it.
      yield* Effect.promise(probe)
      const left = streamOfEventId(priming!.id!)
      assert.isFalse(
        stored.some((event) =>
          event.sessionId === sessionId && streamOfEventId(event.eventId) === left && event.message.method === "elicitation/create"
        ),
        "held, not stored on the stream the client left"
      )
      const resumed = yield* Effect.promise(() =>
        fetch(url, { method: "GET", headers: standaloneHeaders({ "last-event-id": lastEventId }) })
      )
      assert.strictEqual(resumed.status, 200)
      const reader = sseReader(resumed)
      // The replay first: the notifications sent while the client was away (stored on the stream
      // it left: the task's status, the probe's log messages), then the held elicitation.
      const before: Array<string> = []
      let elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      for (let i = 0; i < 10 && elicitation?.id === undefined; i++) {
        before.push(elicitation.method)
        elicitation = yield* Effect.promise(() => nextMessage(reader, { events: 3, timeoutMillis: 2_000 }))
      }
      assert.include(before, "notifications/tasks/status")
      assert.strictEqual(elicitation?.method, "elicitation/create")
      assert.strictEqual(yield* answerElicitation(url, sessionId, elicitation, "linus"), 202)
      const done = yield* untilStatus(url, sessionId, task.taskId, "completed", "input_required")
      assert.strictEqual(done, "completed")
      yield* Effect.promise(() => reader.cancel())
    }))
})
