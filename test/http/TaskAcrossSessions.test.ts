/**
 * A principal's task (2025-11-25, Streamable HTTP) is reachable from each of its sessions: a
 * `tasks/result` asked on another session than the one that created the task (that one still
 * open) carries the task's requests (an elicitation), and the client's answer on that session
 * reaches the task. Raw POSTs over HTTP on 127.0.0.1, with bearer authentication.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { BearerAuth } from "../../src/auth.ts"
import { GracefulShutdown, McpContext, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { McpRequestContext } from "../../src/session/RequestContext.ts"
import { callAsTask, getTask, toolTaskResult } from "../tasks/support.ts"
import { answerOf, initializeMessage, nextMessage, on, post, serveOnFreePort, sseReader } from "./support.ts"

const RELATED = "io.modelcontextprotocol/related-task"

/**
 * Asks once the client's tasks/result (on another session) waits for the task (its `via` says so;
 * looked at every 10 ms, for at most 10 s: past that it asks anyway, and the test says where the
 * elicitation did not go), not after a fixed while a loaded machine may overrun.
 */
const waited = Effect.gen(function*() {
  const context = yield* McpRequestContext
  for (let i = 0; i < 1_000 && context.relatedTask?.via === undefined; i++) yield* Effect.sleep(10)
})
const AsksLater = McpServer.tool({
  name: "asks_later",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.andThen(waited, McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
      Effect.orDie
    )
})

/** Once a tasks/result (on another session) waits for its task: progress 1/1 and a log line, then "noted". */
const NotesLater = McpServer.tool({
  name: "notes_later",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.gen(function*() {
      yield* waited
      yield* McpContext.progress(1, 1)
      yield* McpContext.log("info", "from the task")
      return "noted"
    })
})

/** Asks at once, before any tasks/result waits for its task. */
const AsksNow = McpServer.tool({
  name: "asks_now",
  execution: { taskSupport: "optional" },
  handler: () =>
    McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
      Effect.orDie
    )
})

/** Asks once the session that created its task has closed (looked at every 10 ms, for at most 10 s). */
const AsksAfterClose = McpServer.tool({
  name: "asks_after_close",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpRequestContext
      for (let i = 0; i < 1_000 && context.session.phase !== "closed"; i++) yield* Effect.sleep(10)
      return yield* McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))
    }).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
      Effect.catch((error) => Effect.succeed(`failed: ${error._tag}`))
    )
})

/** Opened by the test: the `asks_when_released` task asks then (at most 10 s after it starts). */
let gate: Promise<void> = Promise.resolve()
const AsksWhenReleased = McpServer.tool({
  name: "asks_when_released",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.promise(() => gate).pipe(
      Effect.timeout("10 seconds"),
      Effect.ignore,
      Effect.andThen(McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))),
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
      Effect.orDie
    )
})

/** The everything server, its bearer tokens taken for the subject they name. */
const serve = serveOnFreePort((port) =>
  McpServer.serve(
    options,
    Layer.mergeAll(components, AsksLater, AsksNow, AsksAfterClose, AsksWhenReleased, NotesLater),
    StreamableHttp.make({
      host: "127.0.0.1",
      port,
      auth: BearerAuth.config({
        verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
        resource: `http://127.0.0.1:${port}/mcp`,
        authorizationServers: ["https://auth.test"]
      })
    })
  )
)

/**
 * The same server with a middleware that records each answer the client gives to the server's
 * requests, which takes 1.5 s (an audit log written as the answer comes).
 */
const serveAudited = serveOnFreePort((port) =>
  McpServer.serve(
    options,
    Layer.mergeAll(
      components,
      AsksNow,
      McpServer.middleware(Middleware.make("audit", {
        onOutgoingRequest: (request, send) => Effect.tap(send(request.params), () => Effect.sleep(1_500))
      }))
    ),
    StreamableHttp.make({
      host: "127.0.0.1",
      port,
      auth: BearerAuth.config({
        verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
        resource: `http://127.0.0.1:${port}/mcp`,
        authorizationServers: ["https://auth.test"]
      })
    })
  )
)

/** As `asks_when_released`, but says how its question failed, if it did. */
const AsksWhenReleasedOrSays = McpServer.tool({
  name: "asks_when_released_or_says",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.promise(() => gate).pipe(
      Effect.timeout("10 seconds"),
      Effect.ignore,
      Effect.andThen(McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))),
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
      Effect.catch((error) => Effect.succeed(`failed: ${error._tag}`))
    )
})

/** What `asks_after_close_and_says` ended with, as it ended. */
const said: Array<string> = []
/** As `asks_after_close`, and records what it ends with in `said`. */
const AsksAfterCloseAndSays = McpServer.tool({
  name: "asks_after_close_and_says",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpRequestContext
      for (let i = 0; i < 1_000 && context.session.phase !== "closed"; i++) yield* Effect.sleep(10)
      return yield* McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))
    }).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : "no name"),
      Effect.catch((error) => Effect.succeed(`failed: ${error._tag}`)),
      Effect.tap((text) => Effect.sync(() => said.push(text)))
    )
})

/** The same server under `shutdown` (its sessions drain for up to 10 s). */
const serveStopping = (shutdown: GracefulShutdown.GracefulShutdownState) =>
  serveOnFreePort((port) =>
    McpServer.serve(
      options,
      Layer.mergeAll(components, AsksWhenReleasedOrSays, AsksAfterCloseAndSays),
      StreamableHttp.make({
        host: "127.0.0.1",
        port,
        session: { shutdownTimeoutMillis: 10_000 },
        auth: BearerAuth.config({
          verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
          resource: `http://127.0.0.1:${port}/mcp`,
          authorizationServers: ["https://auth.test"]
        })
      })
    ).pipe(Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown))
  )

/** Opens a session of `subject` that takes elicitations; its id. */
const open = (url: string, subject: string) =>
  Effect.promise(async () => {
    const auth = { authorization: `Bearer ${subject}` }
    const response = await post(url, initializeMessage(0, { elicitation: {} }), auth)
    const sessionId = response.headers.get("mcp-session-id")!
    await response.text()
    const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, on(sessionId, auth))
    await initialized.text()
    return sessionId
  })

/**
 * What the SDK does on session `b` for the task: polls tasks/get until input_required (every 20 ms,
 * for at most 10 s), then calls tasks/result; the elicitation must come on that stream, and the
 * answer given there ends it with the task's result (its text).
 */
const answeredOn = (url: string, b: string, auth: Record<string, string>, taskId: string) =>
  Effect.gen(function*() {
    let status: string | undefined
    for (let i = 0; i < 500 && status !== "input_required"; i++) {
      const got = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: `get-${i}`, method: "tasks/get", params: { taskId } }, on(b, auth)).then(answerOf)
      )
      status = got.result?.status
      if (status !== "input_required") yield* Effect.sleep(20)
    }
    assert.strictEqual(status, "input_required")
    const response = yield* Effect.promise(() =>
      post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId } }, on(b, auth))
    )
    assert.strictEqual(response.status, 200)
    const reader = sseReader(response)
    const elicitation = yield* Effect.promise(() => nextMessage(reader, { timeoutMillis: 3_000 }).catch(() => undefined))
    assert.strictEqual(elicitation?.method, "elicitation/create", "the task's elicitation did not reach B's tasks/result stream")
    assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId })
    const answered = yield* Effect.promise(async () => {
      const answer = await post(url, { jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { name: "ada" } } }, on(b, auth))
      await answer.text()
      return answer.status
    })
    assert.strictEqual(answered, 202)
    const result = yield* Effect.promise(() => nextMessage(reader, { timeoutMillis: 5_000 }))
    assert.strictEqual(result.id, "result")
    return result.result.content
  })

/** Creates a task of `tool` on session `a`; its id. */
const createOn = (url: string, a: string, auth: Record<string, string>, tool: string) =>
  Effect.promise(() =>
    post(url, {
      jsonrpc: "2.0",
      id: "create",
      method: "tools/call",
      params: { name: tool, arguments: {}, task: { ttl: 60_000 } }
    }, on(a, auth)).then(answerOf)
  ).pipe(Effect.map((created) => created.result.task.taskId as string))

/** Ends session `id` as its client does (DELETE). */
const close = (url: string, id: string, auth: Record<string, string>) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "DELETE", headers: on(id, auth) })
    await response.text()
    return response.status
  })

/** Calls tasks/result for `taskId` on session `id`: the reader of its SSE stream. */
const resultStream = (url: string, id: string, auth: Record<string, string>, taskId: string) =>
  Effect.promise(async () => {
    const response = await post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId } }, on(id, auth))
    assert.strictEqual(response.status, 200)
    return sseReader(response)
  })

/** The next message on `reader` that is no notification (a request or an answer), within 5 s; at most 20 read. */
const nextWithId = (reader: ReturnType<typeof sseReader>) =>
  Effect.promise(async () => {
    for (let i = 0; i < 20; i++) {
      const message = await nextMessage(reader, { timeoutMillis: 5_000 })
      if ("id" in message) return message
    }
    throw new Error("no request nor answer among 20 messages")
  })

/** Answers the elicitation `requestId` on session `id` (accepting the name "ada"): the HTTP status. */
const answer = (url: string, id: string, auth: Record<string, string>, requestId: unknown) =>
  Effect.promise(async () => {
    const response = await post(url, { jsonrpc: "2.0", id: requestId, result: { action: "accept", content: { name: "ada" } } }, on(id, auth))
    await response.text()
    return response.status
  })

describe("a principal's task reached from another of its sessions", () => {
  // 2025-11-25: the task's messages go on the stream of the tasks/result that waits for it, its
  // progress with the token of the call. Failed before: its requests went to B, its notifications
  // to A (its own stream answered with the CreateTaskResult; no GET stream open: lost).
  it.live("tasks/result on session B of a task made on session A: the task's progress (the token of the call on A) and log message come on B's stream, before its result", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      const auth = { authorization: "Bearer alice" }
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const created = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: "create",
          method: "tools/call",
          params: { name: "notes_later", arguments: {}, task: { ttl: 60_000 }, _meta: { progressToken: "on-a" } }
        }, on(a, auth)).then(answerOf)
      )
      const taskId = created.result.task.taskId as string
      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId } }, on(b, auth))
      )
      assert.strictEqual(response.status, 200)
      const reader = sseReader(response)
      const messages: Array<any> = []
      for (let i = 0; i < 6 && !messages.some((message) => message.id === "result"); i++) {
        const event = yield* Effect.promise(() => reader.next(5_000).catch(() => undefined))
        if (event === undefined) break
        if (event.data !== "") messages.push(JSON.parse(event.data))
      }
      assert.deepStrictEqual(messages.map((message) => message.method ?? message.id), ["notifications/progress", "notifications/message", "result"])
      assert.deepStrictEqual(messages[0].params, { progressToken: "on-a", progress: 1, total: 1, _meta: { [RELATED]: { taskId } } })
      assert.strictEqual(messages[1].params.data, "from the task")
      assert.deepStrictEqual(messages[2].result.content, [{ type: "text", text: "noted" }])
    }))

  it.live("tasks/result on session B of a task made on session A, waiting before the task asks: the elicitation comes on B's stream, B's answer completes the task", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      const auth = { authorization: "Bearer alice" }
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const created = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: "create",
          method: "tools/call",
          params: { name: "asks_later", arguments: {}, task: { ttl: 60_000 } }
        }, on(a, auth)).then(answerOf)
      )
      const taskId = created.result.task.taskId as string

      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId } }, on(b, auth))
      )
      assert.strictEqual(response.status, 200)
      const reader = sseReader(response)
      const events: Array<any> = []
      // Its first message with data (after the priming event), within 3 s.
      for (let i = 0; i < 3 && events.length === 0; i++) {
        const event = yield* Effect.promise(() => reader.next(3_000).catch(() => undefined))
        if (event === undefined) break
        if (event.data !== "") events.push(JSON.parse(event.data))
      }
      const elicitation = events[0]
      assert.strictEqual(elicitation?.method, "elicitation/create", "the task's elicitation did not reach B's tasks/result stream")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId })

      const answered = yield* Effect.promise(async () => {
        const answer = await post(url, { jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { name: "ada" } } }, on(b, auth))
        await answer.text()
        return answer.status
      })
      assert.strictEqual(answered, 202)
      const last = yield* Effect.promise(() => reader.next(5_000))
      const result = JSON.parse(last!.data)
      assert.strictEqual(result.id, "result")
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
      // A is still open: its session answers.
      const pinged = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 1, method: "ping" }, on(a, auth)).then(answerOf))
      assert.deepStrictEqual(pinged.result, {})
    }))

  it.live("the task asked on session A before B's tasks/result (A not read): the held elicitation is asked again on B, B's answer completes the task; another principal's session never sees it", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      const auth = { authorization: "Bearer alice" }
      const bobAuth = { authorization: "Bearer bob" }
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const bob = yield* open(url, "bob")
      const created = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: "create",
          method: "tools/call",
          params: { name: "asks_now", arguments: {}, task: { ttl: 60_000 } }
        }, on(a, auth)).then(answerOf)
      )
      const taskId = created.result.task.taskId as string
      // Bob's session: its standalone stream open, to see that nothing of alice's task reaches it.
      const bobStream = yield* Effect.promise(() =>
        fetch(url, { method: "GET", headers: { accept: "text/event-stream", ...on(bob, bobAuth) } })
      )
      assert.strictEqual(bobStream.status, 200)
      const bobReader = sseReader(bobStream)

      // B polls tasks/get (as the SDK does) until input_required: every 20 ms, for at most 10 s.
      let status: string | undefined
      for (let i = 0; i < 500 && status !== "input_required"; i++) {
        const got = yield* Effect.promise(() =>
          post(url, { jsonrpc: "2.0", id: `get-${i}`, method: "tasks/get", params: { taskId } }, on(b, auth)).then(answerOf)
        )
        status = got.result?.status
        if (status !== "input_required") yield* Effect.sleep(20)
      }
      assert.strictEqual(status, "input_required")
      // Bob can neither see the task nor wait for its result.
      const bobGet = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "bob-get", method: "tasks/get", params: { taskId } }, on(bob, bobAuth)).then(answerOf)
      )
      assert.isDefined(bobGet.error)
      const bobResult = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "bob-result", method: "tasks/result", params: { taskId } }, on(bob, bobAuth)).then(answerOf)
      )
      assert.isDefined(bobResult.error)

      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "result", method: "tasks/result", params: { taskId } }, on(b, auth))
      )
      assert.strictEqual(response.status, 200)
      const reader = sseReader(response)
      const elicitation = yield* Effect.promise(() => nextMessage(reader, { timeoutMillis: 3_000 }).catch(() => undefined))
      assert.strictEqual(elicitation?.method, "elicitation/create", "the elicitation held on A did not reach B's tasks/result stream")
      assert.deepStrictEqual(elicitation.params._meta[RELATED], { taskId })

      const answered = yield* Effect.promise(async () => {
        const answer = await post(url, { jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { name: "ada" } } }, on(b, auth))
        await answer.text()
        return answer.status
      })
      assert.strictEqual(answered, 202)
      const result = yield* Effect.promise(() => nextMessage(reader, { timeoutMillis: 5_000 }))
      assert.strictEqual(result.id, "result")
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])

      // Nothing but priming events came on bob's stream meanwhile (read for 300 ms more).
      const bobSaw: Array<unknown> = []
      for (let i = 0; i < 10; i++) {
        const event = yield* Effect.promise(() => bobReader.next(300).catch(() => undefined))
        if (event === undefined) break
        if (event.data !== "") bobSaw.push(JSON.parse(event.data))
      }
      yield* Effect.promise(() => bobReader.cancel())
      assert.deepStrictEqual(bobSaw, [])
      // A is still open, and holds nothing for the task: a GET stream there gets no elicitation.
      const aStream = yield* Effect.promise(() =>
        fetch(url, { method: "GET", headers: { accept: "text/event-stream", ...on(a, auth) } })
      )
      const aReader = sseReader(aStream)
      const aSaw: Array<unknown> = []
      for (let i = 0; i < 10; i++) {
        const event = yield* Effect.promise(() => aReader.next(300).catch(() => undefined))
        if (event === undefined) break
        if (event.data !== "") aSaw.push(JSON.parse(event.data))
      }
      yield* Effect.promise(() => aReader.cancel())
      assert.deepStrictEqual(aSaw.filter((message: any) => message.method === "elicitation/create"), [])
    }))

  it.live("session A closed while the task's elicitation was held there: it is asked again on B once B's tasks/result waits", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      const auth = { authorization: "Bearer alice" }
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const taskId = yield* createOn(url, a, auth, "asks_now")
      // Held on A (nobody reads it) once the task is input_required, seen from B.
      let status: string | undefined
      for (let i = 0; i < 500 && status !== "input_required"; i++) {
        const got = yield* Effect.promise(() =>
          post(url, { jsonrpc: "2.0", id: `get-${i}`, method: "tasks/get", params: { taskId } }, on(b, auth)).then(answerOf)
        )
        status = got.result?.status
        if (status !== "input_required") yield* Effect.sleep(20)
      }
      assert.strictEqual(status, "input_required")
      assert.strictEqual(yield* close(url, a, auth), 200)
      assert.deepStrictEqual(yield* answeredOn(url, b, auth, taskId), [{ type: "text", text: "hello ada" }])
    }))

  it.live("session A closed before the task asks: the elicitation waits for another session of the principal, and is asked on B", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      const auth = { authorization: "Bearer alice" }
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const taskId = yield* createOn(url, a, auth, "asks_after_close")
      assert.strictEqual(yield* close(url, a, auth), 200)
      assert.deepStrictEqual(yield* answeredOn(url, b, auth, taskId), [{ type: "text", text: "hello ada" }])
    }))

  it.live("the SDK: client A creates the task and goes away (its transport closed, no DELETE) before it asks; client B of the principal polls tasks/get until input_required, then tasks/result: B's handler answers the elicitation, and B gets the result", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      let open: () => void = () => {}
      gate = new Promise<void>((resolve) => (open = resolve))
      const sdkClient = (name: string, asked: Array<unknown>) =>
        Effect.gen(function*() {
          const client = new Client({ name, version: "1.0.0" }, { capabilities: { elicitation: {} } })
          client.setRequestHandler(ElicitRequestSchema, (request) => {
            asked.push(request.params)
            return Promise.resolve({ action: "accept", content: { name: "ada" } })
          })
          const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: "Bearer alice" } } })
          yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
          yield* Effect.promise(() => client.connect(transport))
          return { client, transport }
        })
      const askedA: Array<unknown> = []
      const askedB: Array<unknown> = []
      const a = yield* sdkClient("a", askedA)
      const { task } = yield* callAsTask(a.client, "asks_when_released", {}, 60_000)
      yield* Effect.promise(() => a.transport.close())
      open()
      const b = yield* sdkClient("b", askedB)
      let status: string | undefined
      for (let i = 0; i < 500 && status !== "input_required"; i++) {
        status = (yield* getTask(b.client, task.taskId)).status
        if (status !== "input_required") yield* Effect.sleep(20)
      }
      assert.strictEqual(status, "input_required")
      const result = yield* toolTaskResult(b.client, task.taskId).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "hello ada" }])
      assert.strictEqual(askedB.length, 1)
      assert.strictEqual(askedA.length, 0)
    }))

  // Fails before: session C's tasks/result, the last to come, took the task's requests; once C
  // closed, they went through the session that created the task (A, which nobody reads) though B's
  // tasks/result still waited: B never got the elicitation, and the task waited out its timeout.
  it.live("tasks/result waiting on B and C, the elicitation asked on C, C closed: it is asked again on B, whose answer completes the task", () =>
    Effect.gen(function*() {
      const { url } = yield* serve
      const auth = { authorization: "Bearer alice" }
      let release: () => void = () => {}
      gate = new Promise<void>((resolve) => (release = resolve))
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const c = yield* open(url, "alice")
      const taskId = yield* createOn(url, a, auth, "asks_when_released")
      const onB = yield* resultStream(url, b, auth, taskId)
      const onC = yield* resultStream(url, c, auth, taskId)
      release()
      const first = yield* Effect.promise(() => nextMessage(onC, { timeoutMillis: 3_000 }).catch(() => undefined))
      assert.strictEqual(first?.method, "elicitation/create", "the elicitation did not reach C's tasks/result stream")
      assert.strictEqual(yield* close(url, c, auth), 200)
      const again = yield* Effect.promise(() => nextMessage(onB, { timeoutMillis: 3_000 }).catch(() => undefined))
      assert.strictEqual(again?.method, "elicitation/create", "the elicitation was not asked again on B, whose tasks/result still waits")
      assert.deepStrictEqual(again.params._meta[RELATED], { taskId })
      assert.strictEqual(yield* answer(url, b, auth, again.id), 202)
      const result = yield* Effect.promise(() => nextMessage(onB, { timeoutMillis: 5_000 }))
      assert.strictEqual(result.id, "result")
      assert.deepStrictEqual(result.result.content, [{ type: "text", text: "hello ada" }])
    }))

  // Fails before: the request, answered on A while the middleware recorded the answer, was taken
  // for one A's client did not read (it had left A's GET stream): it was given up, its answer lost,
  // and asked again on B, the user asked twice.
  it.live("the elicitation answered on A (its GET stream left since) as B's tasks/result comes: the answer reaches the task, B is not asked again", () =>
    Effect.gen(function*() {
      const { url } = yield* serveAudited
      const auth = { authorization: "Bearer alice" }
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const stream = yield* Effect.promise(() => fetch(url, { method: "GET", headers: { accept: "text/event-stream", ...on(a, auth) } }))
      assert.strictEqual(stream.status, 200)
      const onA = sseReader(stream)
      const taskId = yield* createOn(url, a, auth, "asks_now")
      const asked = yield* nextWithId(onA)
      assert.strictEqual(asked.method, "elicitation/create")
      assert.strictEqual(yield* answer(url, a, auth, asked.id), 202)
      // A's client leaves its GET stream (the server sees it go), then B asks for the result while
      // the answer is being recorded.
      yield* Effect.promise(() => onA.cancel())
      yield* Effect.sleep(200)
      const onB = yield* resultStream(url, b, auth, taskId)
      const first = yield* nextWithId(onB)
      assert.notStrictEqual(first.method, "elicitation/create", "the elicitation answered on A was asked again on B")
      assert.strictEqual(first.id, "result")
      assert.deepStrictEqual(first.result.content, [{ type: "text", text: "hello ada" }])
    }))

  // Fails before: every session drained (no client can be asked any more), the question waited out
  // its timeout for another session's tasks/result instead of failing at once: the handler could
  // not end the task, B's tasks/result waited, and the drain was cut short.
  it.live("the task asks while the server shuts down (its sessions drain): the question fails at once (SessionClosed), the task ends, and B's tasks/result gets its result", () =>
    Effect.gen(function*() {
      const shutdown = GracefulShutdown.make()
      const { url } = yield* serveStopping(shutdown)
      const auth = { authorization: "Bearer alice" }
      let release: () => void = () => {}
      gate = new Promise<void>((resolve) => (release = resolve))
      const a = yield* open(url, "alice")
      const b = yield* open(url, "alice")
      const taskId = yield* createOn(url, a, auth, "asks_when_released_or_says")
      const onB = yield* resultStream(url, b, auth, taskId)
      shutdown.request()
      yield* Effect.sleep(200)
      release()
      const first = yield* nextWithId(onB)
      assert.strictEqual(first.id, "result", JSON.stringify(first))
      assert.deepStrictEqual(first.result.content, [{ type: "text", text: "failed: SessionClosed" }])
    }))

  it.live("the task's question waits for another session (A closed) when the server shuts down: it fails at once (SessionClosed)", () =>
    Effect.gen(function*() {
      const shutdown = GracefulShutdown.make()
      const { url } = yield* serveStopping(shutdown)
      const auth = { authorization: "Bearer alice" }
      said.length = 0
      const a = yield* open(url, "alice")
      yield* createOn(url, a, auth, "asks_after_close_and_says")
      assert.strictEqual(yield* close(url, a, auth), 200)
      // The question waits (the task is input_required) for another session's tasks/result.
      yield* Effect.sleep(300)
      assert.deepStrictEqual(said, [])
      shutdown.request()
      for (let i = 0; i < 100 && said.length === 0; i++) yield* Effect.sleep(20)
      assert.deepStrictEqual(said, ["failed: SessionClosed"])
    }))
})
