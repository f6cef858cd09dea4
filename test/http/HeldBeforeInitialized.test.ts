/**
 * Requests to the client before `notifications/initialized` (MCP lifecycle: the server SHOULD NOT
 * send requests other than pings before the client's `initialized` notification). A 2025-11-25
 * client that sends a call right after the `initialize` answer, without `notifications/initialized`
 * (a hand-written client, a proxy that pipelines): the call's elicitation waits for the
 * notification, then goes out; bounded by its timeout, it fails `ClientRequestTimeout`, nothing
 * sent. Raw `fetch` on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Layer from "effect/Layer"
import { InMemory, McpContext, McpError, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { recorder } from "../support/recorder.ts"
import { initializeMessage, messagesOf, nextMessage, on, post, readSse, serveOnAnyPort, sseReader } from "./support.ts"

/** `ask`: an elicitation (within `timeoutMillis`), and, 100 ms after it was asked, a progress. */
const Ask = McpServer.tool({
  name: "ask",
  parameters: { timeoutMillis: Schema.Number },
  handler: ({ timeoutMillis }) =>
    Effect.all([
      McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String }), { timeoutMillis }).pipe(
        Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : outcome.action),
        Effect.catch((error) => Effect.succeed(`failed: ${error._tag}: ${error.message}`))
      ),
      Effect.andThen(Effect.sleep(100), McpContext.progress(1, 2, "still here"))
    ], { concurrency: "unbounded" }).pipe(Effect.map(([answer]) => answer))
})

/** `ping`: pings the client (a request the lifecycle allows before `notifications/initialized`). */
const Ping = McpServer.tool({
  name: "ping",
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpContext.current
      return yield* context.ping({ timeoutMillis: 5_000 }).pipe(Effect.as("pinged"), Effect.catch((error) => Effect.succeed(`failed: ${error._tag}`)))
    })
})

const serve = Effect.gen(function*() {
  const { url } = yield* serveOnAnyPort((port) =>
    McpServer.serve({ name: "held", version: "1" }, Layer.mergeAll(Ask, Ping), StreamableHttp.make({ host: "127.0.0.1", port }))
  )
  // Initialized by hand, without `notifications/initialized`.
  const initialize = yield* Effect.promise(() => post(url, initializeMessage("init", { elicitation: {} })))
  assert.strictEqual(initialize.status, 200)
  const sessionId = initialize.headers.get("mcp-session-id")!
  yield* Effect.promise(() => initialize.text())
  const call = (timeoutMillis: number) =>
    Effect.promise(() =>
      post(url, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "ask", arguments: { timeoutMillis }, _meta: { progressToken: "p" } }
      }, on(sessionId))
    )
  return { url, sessionId, call }
})

describe("requests to the client before notifications/initialized", () => {
  // Fails before: the elicitation went out at once, before the progress sent 100 ms later.
  it.live("a call's elicitation waits for notifications/initialized, then goes out and is answered", () =>
    Effect.gen(function*() {
      const { call, sessionId, url } = yield* serve
      const response = yield* call(10_000)
      assert.strictEqual(response.status, 200)
      const stream = sseReader(response)
      const first = yield* Effect.promise(() => nextMessage(stream))
      assert.strictEqual(first.method, "notifications/progress", "nothing but the progress before notifications/initialized")
      const initialized = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, on(sessionId)))
      assert.strictEqual(initialized.status, 202)
      const asked = yield* Effect.promise(() => nextMessage(stream))
      assert.strictEqual(asked.method, "elicitation/create")
      const answered = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: asked.id, result: { action: "accept", content: { name: "Ada" } } }, on(sessionId))
      )
      assert.strictEqual(answered.status, 202)
      const result = yield* Effect.promise(() => nextMessage(stream))
      assert.strictEqual(result.id, 1)
      assert.strictEqual(result.result.content[0].text, "hello Ada")
      yield* Effect.promise(() => stream.cancel())
    }))

  // Fails before: the elicitation was sent, then a notifications/cancelled for it at its timeout.
  it.live("held past its timeout: ClientRequestTimeout, and nothing was sent (no request, no cancel)", () =>
    Effect.gen(function*() {
      const { call } = yield* serve
      const response = yield* call(300)
      const messages = messagesOf(yield* Effect.promise(() => readSse(response)))
      assert.deepStrictEqual(messages.map((message) => message.method ?? `answer ${message.id}`), ["notifications/progress", "answer 1"])
      // Fails before: its message said "The client did not answer elicitation/create within 300 ms",
      // though nothing was sent; it says what happened.
      assert.strictEqual(
        messages.at(-1).result.content[0].text,
        "failed: ClientRequestTimeout: elicitation/create was not sent: the client did not finish initializing (no notifications/initialized) within 300 ms"
      )
    }))

  // Pins: a ping is not held (the lifecycle allows it before the notification).
  it.live("a ping goes out at once, before notifications/initialized", () =>
    Effect.gen(function*() {
      const { sessionId, url } = yield* serve
      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "ping", arguments: {} } }, on(sessionId))
      )
      const stream = sseReader(response)
      const ping = yield* Effect.promise(() => nextMessage(stream))
      assert.strictEqual(ping.method, "ping")
      const answered = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: ping.id, result: {} }, on(sessionId)))
      assert.strictEqual(answered.status, 202)
      const result = yield* Effect.promise(() => nextMessage(stream))
      assert.strictEqual(result.result.content[0].text, "pinged")
      yield* Effect.promise(() => stream.cancel())
    }))

  // Pins: while `initialize` is answered no client capability is known yet; its middleware's
  // elicitation fails at once, sending nothing (it could not wait: the notification comes after the answer).
  it.live("an onInitialize middleware's elicitation fails ClientCapabilityMissing at once, nothing sent", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const Asking = McpServer.middleware(Middleware.make("asking", {
        onInitialize: (params, context, next) =>
          Effect.andThen(
            context.elicit({ message: "Who?", requestedSchema: { type: "object", properties: {} } }, { timeoutMillis: 5_000 }).pipe(
              Effect.match({ onFailure: (error) => outcomes.push(error._tag), onSuccess: () => outcomes.push("answered") })
            ),
            next(params)
          )
      }))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "asking", version: "1" }, Layer.mergeAll(Ask, Asking), StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const initialize = yield* Effect.promise(() => post(url, initializeMessage("init", { elicitation: {} })))
      // Its answer, as JSON or on a stream: the answer alone.
      const body = yield* Effect.promise(() => initialize.text())
      assert.include(body, `"id":"init"`)
      assert.notInclude(body, "elicitation/create")
      assert.deepStrictEqual(outcomes, ["ClientCapabilityMissing"])
    }))
})

/**
 * A middleware whose `onInitialize` asks the client `custom/hello` (within `timeoutMillis`), its
 * outcome told to `outcomes`: forked, then the answer made 100 ms on (the request asked while
 * `initialize` is answered); or awaited before the answer is made.
 */
const hello = (outcomes: Array<string>, mode: "forked" | "awaited", timeoutMillis = 10_000) =>
  McpServer.middleware(Middleware.make("hello", {
    onInitialize: (params, context, next) => {
      const ask = context.session.request("custom/hello", { greeting: "hi" }, { timeoutMillis }).pipe(
        Effect.match({ onFailure: (error) => outcomes.push(error._tag), onSuccess: (result) => outcomes.push(JSON.stringify(result)) })
      )
      return mode === "forked"
        ? Effect.andThen(Effect.forkDetach(ask), Effect.andThen(Effect.sleep(100), next(params)))
        : Effect.andThen(ask, next(params))
    }
  }))

/** An in-memory session (a connection of its own, as stdio) of a server with `middleware`: its raw client's record. */
const inMemory = (middleware: ReturnType<typeof hello>) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    const recorded = recorder()
    pair.client.onmessage = recorded.record
    yield* Effect.forkScoped(McpServer.serve({ name: "hello", version: "1" }, Layer.mergeAll(Ask, middleware), pair.server))
    yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
    const send = (message: unknown) => Effect.promise(() => pair.client.send(message as never))
    return { ...recorded, send }
  })

describe("a method of one's own asked by an onInitialize middleware", () => {
  // Over a connection of its own (in memory, as stdio). Fails before: `custom/hello` was not held
  // (the hold began with the initialize answer) and went out before that answer; the lifecycle
  // asks for nothing but pings before the client's notifications/initialized.
  it.live("in memory: held until notifications/initialized (not sent before the initialize answer), then goes out and is answered", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const { received, send, waitFor } = yield* inMemory(hello(outcomes, "forked"))
      yield* send(initializeMessage("init"))
      yield* Effect.promise(() => waitFor((message) => message.id === "init"))
      yield* Effect.sleep(300)
      assert.deepStrictEqual(received.map((message) => message.method ?? `answer ${message.id}`), ["answer init"], "nothing but the answer before notifications/initialized")
      yield* send({ jsonrpc: "2.0", method: "notifications/initialized" })
      const asked = yield* Effect.promise(() => waitFor((message) => message.method === "custom/hello"))
      yield* send({ jsonrpc: "2.0", id: asked.id, result: { hello: "back" } })
      const deadline = Date.now() + 5_000
      while (outcomes.length === 0 && Date.now() < deadline) yield* Effect.sleep(20)
      assert.deepStrictEqual(outcomes, [JSON.stringify({ hello: "back" })])
    }))

  // The cost of the hold, pinned: a middleware that waits for its request holds its own answer
  // until the request's timeout (the client sends notifications/initialized only after that
  // answer). Fails before: `custom/hello` went out before the answer.
  it.live("in memory, awaited by the middleware: never sent; it times out (ClientRequestTimeout), then initialize is answered", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const { received, send, waitFor } = yield* inMemory(hello(outcomes, "awaited", 400))
      yield* send(initializeMessage("init"))
      yield* Effect.promise(() => waitFor((message) => message.id === "init"))
      assert.deepStrictEqual(outcomes, ["ClientRequestTimeout"])
      assert.deepStrictEqual(received.map((message) => message.method ?? `answer ${message.id}`), ["answer init"])
    }))

  // Fails before (`custom/hello` sent after the refusal, then ClientRequestTimeout for want of an
  // answer): a session whose `initialize` was refused is `new` again, and a request of one's own
  // asked then (forked by the refusing middleware, as the docs advise, it may start after the
  // refusal) went out at once, to a client that had not initialized; only `initializing` and
  // `initialized` held them.
  it.live("in memory, asked once initialize was refused: not sent to the client that did not initialize; its timeout ends it, nothing sent", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const refusing = McpServer.middleware(Middleware.make("refusing", {
        onInitialize: (_params, context) => {
          const ask = context.session.request("custom/hello", { greeting: "hi" }, { timeoutMillis: 400 }).pipe(
            Effect.match({ onFailure: (error) => outcomes.push(error._tag), onSuccess: (result) => outcomes.push(JSON.stringify(result)) })
          )
          // Asked 100 ms on: after the refusal was answered.
          return Effect.andThen(Effect.forkDetach(Effect.andThen(Effect.sleep(100), ask)), Effect.fail(McpError.invalidParams("refused")))
        }
      }))
      const { received, send, waitFor } = yield* inMemory(refusing)
      yield* send(initializeMessage("init"))
      yield* Effect.promise(() => waitFor((message) => message.id === "init"))
      const deadline = Date.now() + 5_000
      while (outcomes.length === 0 && Date.now() < deadline) yield* Effect.sleep(20)
      assert.deepStrictEqual(outcomes, ["ClientRequestTimeout"])
      assert.deepStrictEqual(received.map((message) => message.method ?? `answer ${message.id}`), ["answer init"], "nothing but the refusal")
    }))

  // The same over Streamable HTTP. Fails before: held by the endpoint for the standalone stream
  // (an untied request), it went out as that stream opened, before notifications/initialized.
  it.live("over HTTP: not sent with the initialize answer nor on the standalone stream before notifications/initialized, then goes out and is answered", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "hello", version: "1" }, Layer.mergeAll(Ask, hello(outcomes, "forked")), StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const initialize = yield* Effect.promise(() => post(url, initializeMessage("init")))
      assert.strictEqual(initialize.status, 200)
      const sessionId = initialize.headers.get("mcp-session-id")!
      const body = yield* Effect.promise(() => initialize.text())
      assert.include(body, `"id":"init"`)
      assert.notInclude(body, "custom/hello", "nothing but the answer on the initialize POST")
      // The standalone stream, where an untied request goes: nothing on it before notifications/initialized.
      const get = yield* Effect.promise(() => fetch(url, { headers: on(sessionId, { accept: "text/event-stream" }) }))
      assert.strictEqual(get.status, 200)
      const stream = sseReader(get)
      const early = yield* Effect.promise(() => nextMessage(stream, { timeoutMillis: 500 }).catch(() => undefined))
      assert.isUndefined(early, "nothing sent before notifications/initialized")
      assert.deepStrictEqual(outcomes, [])
      const initialized = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, on(sessionId)))
      assert.strictEqual(initialized.status, 202)
      const asked = yield* Effect.promise(() => nextMessage(stream))
      assert.strictEqual(asked.method, "custom/hello")
      const answered = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: asked.id, result: { hello: "back" } }, on(sessionId)))
      assert.strictEqual(answered.status, 202)
      const deadline = Date.now() + 5_000
      while (outcomes.length === 0 && Date.now() < deadline) yield* Effect.sleep(20)
      assert.deepStrictEqual(outcomes, [JSON.stringify({ hello: "back" })])
      yield* Effect.promise(() => stream.cancel())
    }))
})

describe("requests held for notifications/initialized, the session ending", () => {
  // Pins: a held request is woken by the session's end (`close` wakes what is held), not left
  // waiting its timeout (20 s here); it fails SessionClosed, nothing sent.
  it.live("a session deleted while a call's elicitation is held: the elicitation fails SessionClosed at once", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const Held = McpServer.tool({
        name: "held",
        handler: () =>
          McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String }), { timeoutMillis: 20_000 }).pipe(
            Effect.as("answered"),
            Effect.catch((error) => Effect.succeed(error._tag)),
            Effect.tap((outcome) => Effect.sync(() => outcomes.push(outcome)))
          )
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "held", version: "1" }, Held, StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const initialize = yield* Effect.promise(() => post(url, initializeMessage("init", { elicitation: {} })))
      const sessionId = initialize.headers.get("mcp-session-id")!
      yield* Effect.promise(() => initialize.text())
      // Not awaited: nothing is sent before its answer (the elicitation held), so neither are its headers.
      const call = post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "held", arguments: {} } }, on(sessionId))
      // The call runs, its elicitation held.
      yield* Effect.sleep(300)
      assert.deepStrictEqual(outcomes, [])
      const deleted = yield* Effect.promise(() => fetch(url, { method: "DELETE", headers: on(sessionId) }))
      assert.strictEqual(deleted.status, 200)
      const deadline = Date.now() + 5_000
      while (outcomes.length === 0 && Date.now() < deadline) yield* Effect.sleep(50)
      assert.deepStrictEqual(outcomes, ["SessionClosed"])
      // The call's POST ends with the session, the elicitation never sent on it.
      const body = yield* Effect.promise(() => call.then((response) => response.text()).catch(() => ""))
      assert.notInclude(body, "elicitation/create")
    }))
})
