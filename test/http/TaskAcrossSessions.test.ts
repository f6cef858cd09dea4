/**
 * A principal's task (2025-11-25, Streamable HTTP) is reachable from each of its sessions: a
 * `tasks/result` asked on another session than the one that created the task (that one still
 * open) carries the task's requests (an elicitation), and the client's answer on that session
 * reaches the task. Raw POSTs over HTTP on 127.0.0.1, with bearer authentication.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { components, options } from "../../examples/everything-server.ts"
import { BearerAuth } from "../../src/auth.ts"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { McpRequestContext } from "../../src/session/RequestContext.ts"
import { answerOf, initializeMessage, on, post, serveOnFreePort, sseReader } from "./support.ts"

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

/** The everything server, its bearer tokens taken for the subject they name. */
const serve = serveOnFreePort((port) =>
  McpServer.serve(
    options,
    Layer.merge(components, AsksLater),
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

describe("a principal's task reached from another of its sessions", () => {
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
})
