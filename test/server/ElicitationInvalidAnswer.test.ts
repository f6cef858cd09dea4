/**
 * A form elicitation answered with content that does not match the form
 * (`{ action: "accept", content: { name: 5 } }` for a string field), in both eras: a 2025-11-25
 * session's answer to `elicitation/create`, a 2026-07-28 client's `inputResponses`. The handler
 * gets `ElicitationInvalid`; a tool that lets it through answers -32602 naming what is wrong (the
 * client's answer is invalid: MCP 2026-07-28 "Error Handling", a protocol error the server SHOULD
 * answer with a JSON-RPC error), the same in both eras, and logs no error: not the tool's
 * "internal error" with an ERROR line and a stack trace.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer } from "../../src/index.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"

/** Asks for a name; lets `ElicitationInvalid` through (the other failures answered as text). */
const Ask = McpServer.tool({
  name: "ask",
  handler: () =>
    McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : outcome.action),
      Effect.catchTag(
        ["ClientCapabilityMissing", "ClientVersionUnsupported", "ClientRequestTimeout", "ClientRequestFailed", "ClientResultInvalid", "SessionClosed"],
        (error) => Effect.succeed(error._tag)
      )
    )
})

const invalid = { action: "accept", content: { name: 5 } }

/** A server on an in-memory pair, what it logs kept; `answer` answers its requests (2025). */
const serve = (answer: (request: any) => unknown = () => undefined) =>
  Effect.gen(function*() {
    const logged: Array<string> = []
    const capture = Logger.make(({ logLevel, message }) => void logged.push(`${logLevel} ${Array.isArray(message) ? message.join(" ") : String(message)}`))
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(McpServer.serve({ name: "invalid", version: "1" }, Ask, pair.server).pipe(Effect.provide(Logger.layer([capture]))))
    const { notify, request } = requestsOver(pair.client)
    // Requests from the server (2025) answered by `answer`; answers to ours go to `request`.
    const ours = pair.client.onmessage!
    pair.client.onmessage = (message: any) => {
      if ("method" in message && "id" in message) {
        const result = answer(message)
        if (result !== undefined) void pair.client.send({ jsonrpc: "2.0", id: message.id, result } as never)
        return
      }
      ours(message as never)
    }
    return { notify, request, logged }
  })

const expectedMessage = `Invalid params: The client's answer does not match the form: Expected string\n  at ["name"]`

describe("a form elicitation answered with content that does not match the form", () => {
  // Fails before: the tool answered `isError` "Tool ask failed: internal error", and the server
  // logged an ERROR with the stack trace of the client's wrong answer.
  it.live("2026-07-28: -32602 naming what is wrong, nothing logged as an error", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serve()
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { elicitation: {} }
      }
      const first = (yield* request("tools/call", { name: "ask", arguments: {}, _meta: meta })).result
      assert.strictEqual(first?.resultType, "input_required", JSON.stringify(first))
      const [key] = Object.keys(first.inputRequests)
      const answered = yield* request("tools/call", {
        name: "ask",
        arguments: {},
        _meta: meta,
        inputResponses: { [key!]: invalid },
        requestState: first.requestState
      })
      assert.strictEqual(answered.error?.code, -32602, JSON.stringify(answered))
      assert.strictEqual(answered.error.message, expectedMessage)
      // A valid answer still completes.
      const valid = yield* request("tools/call", {
        name: "ask",
        arguments: {},
        _meta: meta,
        inputResponses: { [key!]: { action: "accept", content: { name: "Ada" } } },
        requestState: first.requestState
      })
      assert.deepStrictEqual(valid.result?.content, [{ type: "text", text: "hello Ada" }])
      assert.deepStrictEqual(logged.filter((line) => /^(Error|Fatal)/i.test(line)), [])
    }))

  // Fails before: as above, over a session.
  it.live("2025-11-25: the same -32602, nothing logged as an error", () =>
    Effect.gen(function*() {
      const { logged, notify, request } = yield* serve((message) => message.method === "elicitation/create" ? invalid : undefined)
      yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: { elicitation: {} },
        clientInfo: { name: "c", version: "1" }
      })
      // As a client does: the server's requests wait for it (the lifecycle).
      yield* notify("notifications/initialized")
      const answered = yield* request("tools/call", { name: "ask", arguments: {} })
      assert.strictEqual(answered.error?.code, -32602, JSON.stringify(answered))
      assert.strictEqual(answered.error.message, expectedMessage)
      assert.deepStrictEqual(logged.filter((line) => /^(Error|Fatal)/i.test(line)), [])
    }))
})
