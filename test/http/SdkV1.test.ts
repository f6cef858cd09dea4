/**
 * The official SDK v1 client (`StreamableHTTPClientTransport`) against the everything server over
 * Streamable HTTP: session, tools with progress and logging, sampling and elicitation answered
 * on the request's own SSE stream, resources, prompts, SEP-1699 polling, termination.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import { sdk } from "../e2e/harness.ts"
import { jsonOf, LATEST, on, post, serveEverything } from "./support.ts"

/** What the client's fetch saw: each POST's JSON-RPC method and the answer's content type. */
interface Exchange {
  readonly httpMethod: string
  readonly rpcMethod: string | undefined
  readonly status: number
  readonly contentType: string
  readonly lastEventId: string | undefined
}

const recordingFetch = (log: Array<Exchange>) => async (input: string | URL | Request, init?: RequestInit) => {
  const response = await fetch(input, init)
  let rpcMethod: string | undefined
  if (typeof init?.body === "string") {
    try {
      rpcMethod = JSON.parse(init.body).method
    } catch {
      rpcMethod = undefined
    }
  }
  log.push({
    httpMethod: init?.method ?? "GET",
    rpcMethod,
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    lastEventId: new Headers(init?.headers).get("last-event-id") ?? undefined
  })
  return response
}

const connect = (url: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const exchanges: Array<Exchange> = []
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        fetch: recordingFetch(exchanges),
        reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 200, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 }
      })
      const client = new Client(
        { name: "sdk-v1-http-test", version: "1.0.0" },
        { capabilities: { sampling: {}, elicitation: {} } }
      )
      const samplings: Array<any> = []
      const elicitations: Array<any> = []
      client.setRequestHandler(CreateMessageRequestSchema, (request) => {
        samplings.push(request.params)
        return { role: "assistant", model: "test", content: { type: "text", text: "a sampled answer" } }
      })
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        elicitations.push(request.params)
        return { action: "accept", content: { username: "ada", email: "ada@example.com" } }
      })
      yield* Effect.promise(() => client.connect(transport))
      return { client, transport, exchanges, samplings, elicitations }
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  )

const texts = (content: unknown) =>
  (content as Array<{ type: string; text?: string }>).filter((c) => c.type === "text").map((c) => c.text)

describe("SDK v1 client over Streamable HTTP", () => {
  it.live("initialize, tools/list, progress and logging, resources/read, prompts/get, terminateSession", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const { client, transport, exchanges } = yield* connect(url)

      // initialize: a session id was minted and 2025-11-25 negotiated
      const sessionId = transport.sessionId
      assert.isString(sessionId)
      assert.isAtLeast(sessionId!.length, 16)
      assert.strictEqual(transport.protocolVersion, LATEST)
      assert.strictEqual(client.getServerVersion()?.name, "effect-mcp-everything-server")
      const init = exchanges.find((e) => e.rpcMethod === "initialize")!
      assert.strictEqual(init.status, 200)

      const { tools } = yield* sdk(() => client.listTools())
      assert.includeMembers(tools.map((t) => t.name), [
        "test_simple_text",
        "test_tool_with_progress",
        "test_sampling",
        "test_elicitation",
        "test_reconnection",
        "test_task_input"
      ])

      // progress: three notifications, all before the result
      const events: Array<string> = []
      const result = yield* sdk(() =>
        client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
          onprogress: (p) => void events.push(`progress ${p.progress}/${p.total}`)
        })
      ).pipe(Effect.tap(() => Effect.sync(() => events.push("result"))))
      assert.deepStrictEqual(events, ["progress 0/100", "progress 50/100", "progress 100/100", "result"])
      assert.match(texts(result.content)[0]!, /^Progress reported for token \S+/)
      const progressCall = exchanges.filter((e) => e.rpcMethod === "tools/call").at(-1)!
      assert.include(progressCall.contentType, "text/event-stream", "progress must stream on SSE")

      // logging: three messages at info, none below the level set
      const logs: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data))
      yield* sdk(() => client.setLoggingLevel("info"))
      const logged = yield* sdk(() => client.callTool({ name: "test_tool_with_logging", arguments: {} }))
      assert.deepStrictEqual(texts(logged.content), ["Tool with logging executed successfully"])
      assert.deepStrictEqual(logs, ["Tool execution started", "Tool processing data", "Tool execution completed"])
      yield* sdk(() => client.setLoggingLevel("error"))
      yield* sdk(() => client.callTool({ name: "test_tool_with_logging", arguments: {} }))
      assert.strictEqual(logs.length, 3, "info logs must be filtered at level error")

      // a plain call with nothing before its response is answered as JSON (auto mode)
      const simple = yield* sdk(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(simple.content), ["This is a simple text response for testing."])
      assert.include(exchanges.filter((e) => e.rpcMethod === "tools/call").at(-1)!.contentType, "application/json")

      const read = yield* sdk(() => client.readResource({ uri: "test://static-text" }))
      assert.deepStrictEqual(read.contents, [{
        uri: "test://static-text",
        mimeType: "text/plain",
        text: "This is the content of the static text resource."
      }])
      const templated = yield* sdk(() => client.readResource({ uri: "test://template/42/data" }))
      assert.deepStrictEqual(JSON.parse((templated.contents[0] as { text: string }).text), {
        id: "42",
        templateTest: true,
        data: "Data for ID: 42"
      })

      const prompt = yield* sdk(() =>
        client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "x", arg2: "y" } })
      )
      assert.deepStrictEqual(prompt.messages, [{
        role: "user",
        content: { type: "text", text: "Prompt with arguments: arg1='x', arg2='y'" }
      }])
      const unknownTool = yield* sdk(() => client.callTool({ name: "no_such_tool", arguments: {} })).pipe(
        Effect.map((r) => ({ isError: r.isError, code: undefined as number | undefined })),
        Effect.catch((e) => Effect.succeed({ isError: true, code: e.code }))
      )
      assert.isTrue(unknownTool.isError)

      // terminateSession: DELETE, then the session id is unknown
      yield* Effect.promise(() => transport.terminateSession())
      assert.isUndefined(transport.sessionId)
      const deleted = exchanges.find((e) => e.httpMethod === "DELETE")!
      assert.strictEqual(deleted.status, 200)
      const after = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 99, method: "tools/list" }, on(sessionId!))
      )
      assert.strictEqual(after.status, 404)
      assert.strictEqual((yield* Effect.promise(() => jsonOf(after))).error.code, -32001)
    }))

  it.live("sampling and elicitation: the server's requests travel on the tools/call POST's SSE stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const { client, exchanges, samplings, elicitations } = yield* connect(url)

      const sampled = yield* sdk(() => client.callTool({ name: "test_sampling", arguments: { prompt: "Hi there" } }))
      assert.deepStrictEqual(texts(sampled.content), ["LLM response: a sampled answer"])
      assert.strictEqual(samplings.length, 1)
      assert.deepStrictEqual(samplings[0].messages, [{ role: "user", content: { type: "text", text: "Hi there" } }])
      assert.strictEqual(samplings[0].maxTokens, 100)

      const elicited = yield* sdk(() => client.callTool({ name: "test_elicitation", arguments: { message: "Who?" } }))
      assert.deepStrictEqual(texts(elicited.content), [
        `User response: action=accept, content={"username":"ada","email":"ada@example.com"}`
      ])
      assert.strictEqual(elicitations.length, 1)
      assert.strictEqual(elicitations[0].message, "Who?")
      assert.deepStrictEqual(elicitations[0].requestedSchema.required, ["username", "email"])

      // both calls were answered as SSE (the server's request preceded the response), and the
      // client's answers were POSTed back (JSON-RPC responses: rpcMethod undefined, 202)
      const calls = exchanges.filter((e) => e.rpcMethod === "tools/call")
      assert.strictEqual(calls.length, 2)
      for (const call of calls) assert.include(call.contentType, "text/event-stream")
      const answers = exchanges.filter((e) => e.httpMethod === "POST" && e.rpcMethod === undefined)
      assert.deepStrictEqual(answers.map((e) => e.status), [202, 202])
    }))

  it.live("test_reconnection: the client resumes the closed stream with Last-Event-ID and gets the result", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ retryMillis: 50 })
      const { client, exchanges } = yield* connect(url)
      const result = yield* sdk(() => client.callTool({ name: "test_reconnection", arguments: {} }))
      assert.deepStrictEqual(texts(result.content), ["Reconnection test completed"])
      // the POST's stream was answered as SSE (primed), then resumed by a GET with Last-Event-ID
      const call = exchanges.find((e) => e.rpcMethod === "tools/call")!
      assert.include(call.contentType, "text/event-stream")
      const resumed = exchanges.filter((e) => e.httpMethod === "GET" && e.lastEventId !== undefined)
      assert.isAtLeast(resumed.length, 1, JSON.stringify(exchanges))
      assert.strictEqual(resumed[0]!.status, 200)
      assert.include(resumed[0]!.contentType, "text/event-stream")
    }))
})
