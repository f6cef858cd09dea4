/**
 * The client's invalid answer to what a handler asks (`McpContext.elicit`, `sample`), the same in
 * both eras and for every kind of handler: an answer of the wrong shape (an elicitation answer
 * without `action`, a sampling answer without `content`) is `ClientResultInvalid` to the handler,
 * whether it came as a 2025-11-25 session's answer or in a 2026-07-28 retry's `inputResponses`;
 * a tool, a prompt or a resource that lets it (or `ElicitationInvalid`) through answers -32602
 * saying what is wrong (`McpError.clientFault`, the one mapping), failed or made a defect, and
 * logs nothing (the client's fault, not the server's). Raw JSON-RPC over an
 * in-memory pair, as a client that misbehaves speaks it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer, type Middleware } from "../../src/index.ts"
import { ErrorMapping } from "../../src/middleware/index.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"

const Name = Schema.Struct({ name: Schema.String })
const others = ["ClientCapabilityMissing", "ClientVersionUnsupported", "ClientRequestTimeout", "ClientRequestFailed", "SessionClosed"] as const

/** What the handler got, or the tag of the failure it got. */
const outcome = <A>(effect: Effect.Effect<A, { readonly _tag: string }, McpContext.McpRequestContext>) =>
  Effect.match(effect, { onSuccess: (value) => JSON.stringify(value), onFailure: (error) => error._tag })

const sampling = { messages: [{ role: "user" as const, content: { type: "text" as const, text: "hi" } }], maxTokens: 5 }

const components = Layer.mergeAll(
  McpServer.tool({ name: "ask", handler: () => outcome(McpContext.elicit("Name?", Name)) }),
  McpServer.tool({ name: "sample", handler: () => outcome(Effect.map(McpContext.sample(sampling), (result) => result.model)) }),
  // Let the client's invalid answer through.
  McpServer.tool({
    name: "ask_through",
    handler: () =>
      McpContext.elicit("Name?", Name).pipe(
        Effect.map((answer) => answer.action),
        Effect.catchTag(others, (error) => Effect.succeed(error._tag))
      )
  }),
  McpServer.prompt({
    name: "greet",
    handler: () =>
      McpContext.elicit("Name?", Name).pipe(
        Effect.map((answer) => answer.action === "accept" ? `Hello, ${answer.content.name}` : answer.action),
        Effect.catchTag(others, (error) => Effect.succeed(error._tag))
      )
  }),
  // The same made a defect (`Effect.orDie`, as the guides' handlers do).
  McpServer.tool({ name: "ask_died", handler: () => Effect.orDie(Effect.map(McpContext.elicit("Name?", Name), (answer) => answer.action)) }),
  McpServer.prompt({
    name: "greet_died",
    handler: () => Effect.orDie(Effect.map(McpContext.elicit("Name?", Name), (answer) => answer.action))
  }),
  McpServer.resource({
    uri: "memo://died",
    name: "died",
    read: Effect.orDie(Effect.map(McpContext.elicit("Name?", Name), (answer) => answer.action))
  }),
  McpServer.resource({
    uri: "memo://greeting",
    name: "greeting",
    read: McpContext.elicit("Name?", Name).pipe(
      Effect.map((answer) => answer.action === "accept" ? `Hello, ${answer.content.name}` : answer.action),
      Effect.catchTag(others, (error) => Effect.succeed(error._tag))
    )
  })
)

const modern = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { elicitation: {}, sampling: {} }
}

/** Answers of the wrong shape, and one whose content does not match the form. */
const noAction = { content: { name: "Ada" } }
const noContent = { role: "assistant", model: "m" }
const wrongContent = { action: "accept", content: { name: 5 } }

/** What the servers log as failures (warnings and errors), in order: the client's fault is none. */
const failuresLogged: Array<string> = []
const keepFailures = Logger.layer([
  Logger.make(({ logLevel, message }) => {
    if (logLevel === "Warn" || logLevel === "Error" || logLevel === "Fatal") {
      failuresLogged.push(`${logLevel} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    }
  })
])

/** A server on an in-memory pair, under `middleware`; `answer` answers its requests (2025-11-25). */
const serve = (answer: (request: any) => unknown = () => undefined, middleware?: ReadonlyArray<Middleware.Middleware>) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "answers", version: "1", middleware }, components, pair.server).pipe(Effect.provide(keepFailures))
    )
    const { notify, request } = requestsOver(pair.client)
    const ours = pair.client.onmessage!
    pair.client.onmessage = (message: any) => {
      if ("method" in message && "id" in message) {
        const result = answer(message)
        if (result !== undefined) void pair.client.send({ jsonrpc: "2.0", id: message.id, result } as never)
        return
      }
      ours(message as never)
    }
    return { notify, request }
  })

/** A 2025-11-25 session whose client answers every server request with `answer`. */
const legacy = (answer: unknown, middleware?: ReadonlyArray<Middleware.Middleware>) =>
  Effect.gen(function*() {
    const { notify, request } = yield* serve(() => answer, middleware)
    yield* request("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: { elicitation: {}, sampling: {} },
      clientInfo: { name: "c", version: "1" }
    })
    // As a client does: the server's requests wait for it (the lifecycle).
    yield* notify("notifications/initialized")
    return (method: string, params: Record<string, unknown>) => request(method, params)
  })

/** A 2026-07-28 client: the request, then its retry answering the one input listed with `answer`. */
const modernRetry = (answer: unknown, middleware?: ReadonlyArray<Middleware.Middleware>) =>
  Effect.gen(function*() {
    const { request } = yield* serve(undefined, middleware)
    return (method: string, params: Record<string, unknown>) =>
      Effect.gen(function*() {
        const first = (yield* request(method, { ...params, _meta: modern })).result
        assert.strictEqual(first?.resultType, "input_required", JSON.stringify(first))
        const [key] = Object.keys(first.inputRequests)
        return yield* request(method, { ...params, _meta: modern, inputResponses: { [key!]: answer }, requestState: first.requestState })
      })
  })

const textOf = (answer: any): string => answer.result?.content?.[0]?.text

describe("the client's invalid answer, the same in both eras", () => {
  // Fails before: in 2026-07-28 an answer of the wrong shape was not given to the handler: the
  // input was listed again (input_required), round after round, while a 2025-11-25 session's
  // handler got ClientResultInvalid.
  it.live("an answer of the wrong shape is ClientResultInvalid to the handler in both eras", () =>
    Effect.gen(function*() {
      for (const [tool, answer] of [["ask", noAction], ["sample", noContent]] as const) {
        const old = yield* legacy(answer)
        assert.strictEqual(textOf(yield* old("tools/call", { name: tool, arguments: {} })), "ClientResultInvalid", `2025 ${tool}`)
        const retry = yield* modernRetry(answer)
        const answered = yield* retry("tools/call", { name: tool, arguments: {} })
        assert.strictEqual(textOf(answered), "ClientResultInvalid", `2026 ${tool}: ${JSON.stringify(answered)}`)
      }
    }))

  // Fails before: a prompt or a resource that let the client's invalid answer through answered
  // the masked -32603 (logged as the server's failure), where a tool answers -32602; and in
  // 2026-07-28 an answer of the wrong shape was asked again.
  it.live("let through by a tool, a prompt or a resource: -32602 saying what is wrong, in both eras", () =>
    Effect.gen(function*() {
      const requests = [
        ["tools/call", { name: "ask_through", arguments: {} }],
        ["prompts/get", { name: "greet" }],
        ["resources/read", { uri: "memo://greeting" }]
      ] as const
      for (const [answer, expected] of [[wrongContent, "does not match the form"], [noAction, "elicitation/create is invalid"]] as const) {
        const old = yield* legacy(answer)
        const retry = yield* modernRetry(answer)
        for (const [method, params] of requests) {
          for (const [era, answered] of [["2025", yield* old(method, params)], ["2026", yield* retry(method, params)]] as const) {
            const where = `${era} ${method} ${JSON.stringify(answer)}: ${JSON.stringify(answered)}`
            assert.strictEqual(answered.error?.code, -32602, where)
            assert.include(answered.error.message, expected, where)
          }
        }
      }
      // A valid answer still completes, everywhere.
      const retry = yield* modernRetry({ action: "accept", content: { name: "Ada" } })
      assert.strictEqual(textOf(yield* retry("tools/call", { name: "ask_through", arguments: {} })), "accept")
      const got = yield* retry("prompts/get", { name: "greet" })
      assert.strictEqual(got.result?.messages?.[0]?.content?.text, "Hello, Ada", JSON.stringify(got))
      const read = yield* retry("resources/read", { uri: "memo://greeting" })
      assert.strictEqual(read.result?.contents?.[0]?.text, "Hello, Ada", JSON.stringify(read))
    }))

  // Fails before: under the built-in ErrorMapping middleware (which maps every failure that is no
  // McpError) a prompt or a resource letting the client's invalid answer through answered the
  // masked -32603 "Internal error" and was logged as the server's failure, where a tool (which
  // maps it itself) answered -32602.
  it.live("under ErrorMapping too: -32602 saying what is wrong, for a tool, a prompt and a resource, in both eras", () =>
    Effect.gen(function*() {
      const middleware = [ErrorMapping.middleware()]
      const requests = [
        ["tools/call", { name: "ask_through", arguments: {} }],
        ["prompts/get", { name: "greet" }],
        ["resources/read", { uri: "memo://greeting" }]
      ] as const
      for (const [answer, expected] of [[wrongContent, "does not match the form"], [noAction, "elicitation/create is invalid"]] as const) {
        const old = yield* legacy(answer, middleware)
        const retry = yield* modernRetry(answer, middleware)
        for (const [method, params] of requests) {
          for (const [era, answered] of [["2025", yield* old(method, params)], ["2026", yield* retry(method, params)]] as const) {
            const where = `${era} ${method} ${JSON.stringify(answer)}: ${JSON.stringify(answered)}`
            assert.strictEqual(answered.error?.code, -32602, where)
            assert.include(answered.error.message, expected, where)
          }
        }
      }
    }))

  // Fails before: made a defect (`Effect.orDie`), the client's invalid answer was the masked
  // -32603 "Internal error", logged as the server's failure (only `ClientCapabilityMissing` was
  // recognised as the client's there), where the same let through is -32602.
  // Not logged as the server's failure either (fails before: "effect-mcp-server: … failed" and the
  // tool's masked failure were logged, each with the cause).
  it.live("made a defect (Effect.orDie): -32602 saying what is wrong, for a tool, a prompt and a resource, in both eras, under ErrorMapping too; nothing logged", () =>
    Effect.gen(function*() {
      failuresLogged.length = 0
      const requests = [
        ["tools/call", { name: "ask_died", arguments: {} }],
        ["prompts/get", { name: "greet_died" }],
        ["resources/read", { uri: "memo://died" }]
      ] as const
      for (const middleware of [undefined, [ErrorMapping.middleware()]]) {
        for (const [answer, expected] of [[wrongContent, "does not match the form"], [noAction, "elicitation/create is invalid"]] as const) {
          const old = yield* legacy(answer, middleware)
          const retry = yield* modernRetry(answer, middleware)
          for (const [method, params] of requests) {
            for (const [era, answered] of [["2025", yield* old(method, params)], ["2026", yield* retry(method, params)]] as const) {
              const where = `${era} ${method} ${middleware === undefined ? "" : "ErrorMapping "}${JSON.stringify(answer)}: ${JSON.stringify(answered)}`
              assert.strictEqual(answered.error?.code, -32602, where)
              assert.include(answered.error.message, expected, where)
            }
          }
        }
      }
      // The session logs from a fiber of its own: given a moment to do so.
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(failuresLogged, [])
    }))
})
