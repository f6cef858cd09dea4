/**
 * The request context inside McpServer tool handlers, with the SDK v1 client answering the
 * server→client requests: typed form elicitation (accept, decline, cancel, invalid answer,
 * missing capability), URL elicitation, sampling, roots, and the request's metadata.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { McpContext, McpRequestContext, McpServer } from "../../src/index.ts"
import { connect, connectRaw, sdk, type Server, startServer } from "./McpServerHarness.ts"

const text = (result: object) => ((result as { readonly content: unknown }).content as Array<{ readonly text: string }>)[0]!.text

const Person = Schema.Struct({ name: Schema.String, age: Schema.Int })

const Register = McpServer.tool({
  name: "register",
  handler: () =>
    McpContext.elicit("Who are you?", Person).pipe(
      Effect.map((outcome) =>
        outcome.action === "accept"
          // Typed content: `age` is a number.
          ? `hello ${outcome.content.name}, ${outcome.content.age + 1} next year`
          : `no answer: ${outcome.action}`
      ),
      Effect.catchTag("ElicitationInvalid", (error) => Effect.succeed(`invalid: ${error.message}`)),
      Effect.catchTag("ClientCapabilityMissing", (error) => Effect.succeed(`missing capability: ${error.capability}`)),
      Effect.catch((error) => Effect.succeed(`other: ${error._tag}`))
    )
})

const RegisterStrict = McpServer.tool({
  name: "register-strict",
  handler: () =>
    McpContext.elicit("Who are you?", Person).pipe(
      Effect.map(() => "answered"),
      Effect.catchTag("ClientRequestFailed", (error) =>
        Effect.succeed(JSON.stringify({ tag: error._tag, method: error.method, code: error.code, message: error.message }))),
      Effect.catch((error) => Effect.succeed(`other: ${error._tag}`))
    )
})

/** A form whose name field's decoding throws for "boom" (the server's bug). */
const Fragile = Schema.Struct({
  name: Schema.String.pipe(
    Schema.decodeTo(Schema.String, {
      decode: SchemaGetter.transform((name: string) => {
        if (name === "boom") throw new Error("lookup failed: db://admin:hunter2@db")
        return name
      }),
      encode: SchemaGetter.passthrough()
    })
  )
})

const RegisterFragile = McpServer.tool({
  name: "register-fragile",
  handler: () =>
    McpContext.elicit("Who are you?", Fragile).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : outcome.action),
      Effect.catchTag("ElicitationInvalid", (error) => Effect.succeed(`invalid: ${error.message}`)),
      Effect.catch((error) => Effect.succeed(`other: ${error._tag}`))
    )
})

/** A form with a date: sent as a string (its JSON form), decoded into a `Date` for the tool. */
const Appointment = McpServer.tool({
  name: "appointment",
  handler: () =>
    McpContext.elicit("When?", Schema.Struct({ when: Schema.Date, note: Schema.optionalKey(Schema.String) })).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `on ${outcome.content.when.toISOString()}` : outcome.action),
      Effect.catchTag("ElicitationInvalid", (error) => Effect.succeed(`invalid: ${error.message}`)),
      Effect.catch((error) => Effect.succeed(`other: ${error._tag}`))
    )
})

/** Lets `ClientCapabilityMissing` out, as a handler may (it is every handler's failure). */
const RegisterUncaught = McpServer.tool({
  name: "register-uncaught",
  handler: () =>
    McpContext.elicit("Who are you?", Person).pipe(
      Effect.map((outcome) => outcome.action),
      Effect.catch((error) => error._tag === "ClientCapabilityMissing" ? Effect.fail(error) : Effect.succeed(`other: ${error._tag}`))
    )
})

const OpenUrl = McpServer.tool({
  name: "open-url",
  handler: () =>
    McpContext.elicitUrl({ message: "Sign in", url: "https://example.com/login", elicitationId: "e-1" }).pipe(
      Effect.map((result) => `url: ${result.action}`),
      Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
    )
})

const Ask = McpServer.tool({
  name: "ask",
  parameters: { question: Schema.String },
  handler: ({ question }) =>
    McpContext.sample({ messages: [{ role: "user", content: { type: "text", text: question } }], maxTokens: 20 }).pipe(
      Effect.map((result) => `${result.model}: ${(result.content as { readonly text: string }).text}`),
      Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
    )
})

/** Samples with the server's context included (`includeContext: "thisServer"`). */
const AskWithContext = McpServer.tool({
  name: "ask-with-context",
  handler: () =>
    McpContext.sample({
      messages: [{ role: "user", content: { type: "text", text: "what do you know?" } }],
      maxTokens: 20,
      includeContext: "thisServer"
    }).pipe(
      Effect.map((result) => `${result.model}: ${(result.content as { readonly text: string }).text}`),
      Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
    )
})

/** Samples with a tool the model may call (`tools`, `toolChoice: auto`: 2025-11-25's tool use in sampling). */
const AskWithTools = McpServer.tool({
  name: "ask-with-tools",
  handler: () =>
    McpContext.sample({
      messages: [{ role: "user", content: { type: "text", text: "what is the weather?" } }],
      maxTokens: 20,
      tools: [{ name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } }],
      toolChoice: { mode: "auto" }
    }).pipe(
      Effect.map((result) => `${result.model}: ${JSON.stringify(result.content)}`),
      Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
    )
})

const Roots = McpServer.tool({
  name: "roots",
  handler: () =>
    McpContext.listRoots.pipe(
      Effect.map((result) => JSON.stringify(result.roots)),
      Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
    )
})

const Whoami = McpServer.tool({
  name: "whoami",
  handler: () =>
    Effect.gen(function*() {
      const request = yield* McpRequestContext
      return JSON.stringify({
        clientInfo: yield* McpContext.clientInfo,
        clientCapabilities: yield* McpContext.clientCapabilities,
        sessionId: yield* McpContext.sessionId,
        meta: yield* McpContext.meta,
        progressToken: (yield* McpContext.progressToken) ?? null,
        protocolVersion: yield* McpContext.protocolVersion,
        principal: (yield* McpContext.principal) ?? null,
        method: request.method,
        requestId: request.requestId
      })
    })
})

class Greeter extends Context.Service<Greeter, { readonly greet: (name: string) => string }>()("test/Greeter") {}

const Greet = McpServer.tool({
  name: "greet",
  parameters: { name: Schema.String },
  handler: ({ name }) =>
    Effect.gen(function*() {
      const greeter = yield* Greeter
      const info = yield* McpContext.clientInfo
      return `${greeter.greet(name)} (via ${info?.name})`
    })
})

const All = Layer.mergeAll(
  Register,
  RegisterUncaught,
  RegisterStrict,
  RegisterFragile,
  Appointment,
  OpenUrl,
  Ask,
  AskWithContext,
  AskWithTools,
  Roots,
  Whoami,
  Greet
).pipe(
  Layer.provide(Layer.succeed(Greeter, { greet: (name) => `Hi ${name}!` }))
)

const elicitingClient = (answer: (request: any) => unknown, capabilities: object = { elicitation: { form: {} } }) =>
  Effect.gen(function*() {
    const server = yield* startServer({}, All)
    const connected = yield* connect(server, { capabilities })
    const requests: Array<any> = []
    connected.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      requests.push(request.params)
      return answer(request.params) as never
    })
    return { ...connected, requests }
  })

describe("McpContext.elicit in a tool", () => {
  it.live("an accepted answer reaches the tool typed; the form is sent as JSON Schema", () =>
    Effect.gen(function*() {
      const { client, requests } = yield* elicitingClient(() => ({ action: "accept", content: { name: "Ada", age: 36 } }))
      const result = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.strictEqual(text(result), "hello Ada, 37 next year")
      assert.strictEqual(requests.length, 1)
      assert.strictEqual(requests[0].message, "Who are you?")
      assert.deepStrictEqual(requests[0].requestedSchema, {
        type: "object",
        properties: { name: { type: "string" }, age: { type: "integer" } },
        required: ["name", "age"]
      })
    }))

  it.live("decline and cancel are outcomes the tool sees", () =>
    Effect.gen(function*() {
      let action = "decline"
      const { client } = yield* elicitingClient(() => ({ action }))
      const declined = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.strictEqual(text(declined), "no answer: decline")
      action = "cancel"
      const cancelled = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.strictEqual(text(cancelled), "no answer: cancel")
    }))

  it.live("an answer that fails the schema is ElicitationInvalid", () =>
    Effect.gen(function*() {
      let content: object = { name: "Ada", age: 36.5 }
      const { client } = yield* elicitingClient(() => ({ action: "accept", content }))
      const fractional = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.match(text(fractional), /^invalid: /)
      content = { name: "Ada" }
      const missing = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.match(text(missing), /^invalid: /)
      content = { name: "Ada", age: "36" }
      const wrongType = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.match(text(wrongType), /^invalid: /)
      // The message says what is wrong (the schema's own words), not the Cause around it.
      assert.include(text(wrongType), "age")
      assert.notInclude(text(wrongType), "Cause(")
    }))

  it.live("the answer is decoded from the form's JSON form, as it was asked: a date asked as a string is a Date", () =>
    Effect.gen(function*() {
      let when: unknown = "2025-03-04T05:06:07.000Z"
      const { client, requests } = yield* elicitingClient(() => ({ action: "accept", content: { when } }))
      // Fails before: "invalid: ... Expected Date, got "2025-03-04T05:06:07.000Z"": the form asked
      // for a string and the answer was decoded as if the client could send a Date.
      const result = yield* sdk(() => client.callTool({ name: "appointment", arguments: {} }))
      assert.strictEqual(text(result), "on 2025-03-04T05:06:07.000Z")
      assert.deepStrictEqual(requests[0].requestedSchema.properties.when.type, "string")
      when = "not a date"
      const invalid = yield* sdk(() => client.callTool({ name: "appointment", arguments: {} }))
      assert.match(text(invalid), /^invalid: /)
    }))

  it.live("a form whose decoding throws is the tool's defect (masked), not ElicitationInvalid quoting the throw", () =>
    Effect.gen(function*() {
      let name = "boom"
      const { client } = yield* elicitingClient(() => ({ action: "accept", content: { name } }))
      // Fails before: "invalid: The client's answer does not match the form: ...", the server's bug
      // blamed on the client's answer (quoting the throw and its stack, before b36bb04).
      const result = yield* sdk(() => client.callTool({ name: "register-fragile", arguments: {} }))
      assert.deepStrictEqual(result, {
        content: [{ type: "text", text: "Tool register-fragile failed: internal error" }],
        isError: true
      })
      name = "Ada"
      const fine = yield* sdk(() => client.callTool({ name: "register-fragile", arguments: {} }))
      assert.strictEqual(text(fine), "hello Ada")
    }))

  it.live("without the client capability it is ClientCapabilityMissing and nothing is sent", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client, received } = yield* connect(server)
      const result = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
      assert.strictEqual(text(result), "missing capability: elicitation")
      assert.isFalse(received.some((message) => message.method === "elicitation/create"))
    }))

  it.live("let out of the handler, ClientCapabilityMissing is a tool error saying which capability is missing (was: \"internal error\")", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client, received } = yield* connect(server)
      const result = yield* sdk(() => client.callTool({ name: "register-uncaught", arguments: {} }))
      assert.isTrue(result.isError)
      assert.strictEqual(text(result), `The client did not declare the "elicitation" capability needed for elicitation/create`)
      assert.isFalse(received.some((message) => message.method === "elicitation/create"))
    }))

  // Regression (src/session/ServerSession.ts, requestRelated's mapError, before 3461ed1):
  // `new ClientRequestFailed({ ...error, method })` spread an Error instance, losing `message`; the
  // constructor threw, so a client's error answer became a defect ("... failed: internal error").
  it.live("a client's error answer is a typed ClientRequestFailed with the method, code and message", () =>
    Effect.gen(function*() {
      const { client } = yield* elicitingClient(() => {
        throw new Error("user closed the dialog")
      })
      const result = yield* sdk(() => client.callTool({ name: "register-strict", arguments: {} }))
      assert.isUndefined(result.isError, text(result))
      const error = JSON.parse(text(result))
      assert.strictEqual(error.tag, "ClientRequestFailed")
      assert.strictEqual(error.method, "elicitation/create")
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "user closed the dialog")
    }))
})

describe("McpContext.elicitUrl in a tool", () => {
  it.live("needs the elicitation.url capability; with it the client gets the URL request", () =>
    Effect.gen(function*() {
      const formOnly = yield* elicitingClient(() => ({ action: "accept" }))
      const refused = yield* sdk(() => formOnly.client.callTool({ name: "open-url", arguments: {} }))
      assert.match(text(refused), /^ClientCapabilityMissing: /)
      assert.include(text(refused), "elicitation.url")
      assert.strictEqual(formOnly.requests.length, 0)

      const both = yield* elicitingClient(() => ({ action: "accept" }), { elicitation: { form: {}, url: {} } })
      const opened = yield* sdk(() => both.client.callTool({ name: "open-url", arguments: {} }))
      assert.strictEqual(text(opened), "url: accept")
      assert.deepStrictEqual(both.requests, [
        { mode: "url", message: "Sign in", url: "https://example.com/login", elicitationId: "e-1" }
      ])
    }))
})

describe("Server→client requests to a 2025-06-18 client (raw JSON-RPC)", () => {
  it.live("form elicitation works; URL elicitation is ClientCapabilityMissing (elicitation.url) and is never sent", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const raw = yield* connectRaw(server, "2025-06-18", { elicitation: { form: {}, url: {} } })
      assert.strictEqual(raw.initializeResult.result.protocolVersion, "2025-06-18")
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "register", arguments: {} } }))
      const elicitation = yield* Effect.promise(() => raw.waitFor((m) => m.method === "elicitation/create"))
      assert.strictEqual(elicitation.params.message, "Who are you?")
      assert.isUndefined(elicitation.params.mode)
      yield* Effect.promise(() =>
        raw.send({ jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { name: "Bo", age: 9 } } })
      )
      const registered = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1 && m.method === undefined))
      assert.deepStrictEqual(registered.result, { content: [{ type: "text", text: "hello Bo, 10 next year" }] })

      const opened = yield* Effect.promise(() => raw.request(2, "tools/call", { name: "open-url", arguments: {} }))
      // That version has no URL elicitation, whatever the client declared (here `url: {}`).
      assert.strictEqual(
        opened.result.content[0].text,
        `ClientCapabilityMissing: The client did not declare the "elicitation.url" capability needed for elicitation/create`
      )
      assert.strictEqual(raw.received.filter((m) => m.method === "elicitation/create").length, 1)
    }))

  it.live("form elicitation is sent whatever `elicitation` holds (`{ url: {} }`: modes are 2025-11-25's)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const raw = yield* connectRaw(server, "2025-06-18", { elicitation: { url: {} } })
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "register", arguments: {} } }))
      const elicitation = yield* Effect.promise(() => raw.waitFor((m) => m.method === "elicitation/create" || (m.id === 1 && m.method === undefined)))
      assert.strictEqual(elicitation.method, "elicitation/create", JSON.stringify(elicitation))
      yield* Effect.promise(() =>
        raw.send({ jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { name: "Bo", age: 9 } } })
      )
      const registered = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1 && m.method === undefined))
      assert.deepStrictEqual(registered.result, { content: [{ type: "text", text: "hello Bo, 10 next year" }] })
    }))

  it.live("sampling with includeContext is sent on `sampling` alone (`sampling.context` is 2025-11-25's)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const raw = yield* connectRaw(server, "2025-06-18", { sampling: {} })
      assert.strictEqual(raw.initializeResult.result.protocolVersion, "2025-06-18")
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ask-with-context", arguments: {} } }))
      const sampling = yield* Effect.promise(() => raw.waitFor((m) => m.method === "sampling/createMessage"))
      assert.strictEqual(sampling.params.includeContext, "thisServer")
      yield* Effect.promise(() =>
        raw.send({ jsonrpc: "2.0", id: sampling.id, result: { role: "assistant", model: "m", content: { type: "text", text: "all" } } })
      )
      const answered = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1 && m.method === undefined))
      assert.deepStrictEqual(answered.result, { content: [{ type: "text", text: "m: all" }] })

      // A 2025-11-25 client must declare sampling.context for it: refused, never sent.
      const latest = yield* connectRaw(server, "2025-11-25", { sampling: {} })
      const refused = yield* Effect.promise(() => latest.request(1, "tools/call", { name: "ask-with-context", arguments: {} }))
      assert.match(refused.result.content[0].text, /^ClientCapabilityMissing: /)
      assert.include(refused.result.content[0].text, "sampling.context")
      assert.isFalse(latest.received.some((m) => m.method === "sampling/createMessage"))
    }))
})

describe("Sampling with tools to a 2025-06-18 client (SDK v1, the server pinned to 2025-06-18)", () => {
  /** An SDK v1 client declaring `capabilities`, recording the sampling requests it gets. */
  const samplingClient = (server: Server, capabilities: object) =>
    Effect.gen(function*() {
      const connected = yield* connect(server, { capabilities })
      const requests: Array<any> = []
      connected.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        requests.push(request.params)
        return { role: "assistant", model: "m", content: { type: "text", text: "sunny" } }
      })
      return { ...connected, requests }
    })

  it.live("is ClientCapabilityMissing (sampling.tools), never sent, whatever the client declares", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ supportedVersions: ["2025-06-18"] }, All)
      // `sampling.tools` does not exist in 2025-06-18: declared or not, the client has no tool use
      // in sampling. Before, one declaring it got the request with its tools silently dropped.
      for (const capabilities of [{ sampling: {} }, { sampling: { tools: {} } }]) {
        const { client, requests, received } = yield* samplingClient(server, capabilities)
        const whoami = yield* sdk(() => client.callTool({ name: "whoami", arguments: {} }))
        assert.strictEqual(JSON.parse(text(whoami)).protocolVersion, "2025-06-18")
        const refused = yield* sdk(() => client.callTool({ name: "ask-with-tools", arguments: {} }))
        assert.strictEqual(
          text(refused),
          `ClientCapabilityMissing: The client did not declare the "sampling.tools" capability needed for sampling/createMessage`,
          JSON.stringify(capabilities)
        )
        assert.deepStrictEqual(requests, [], JSON.stringify(capabilities))
        assert.isFalse(received.some((m) => m.method === "sampling/createMessage"))
        // Sampling without tools is sent as ever.
        const asked = yield* sdk(() => client.callTool({ name: "ask", arguments: { question: "hi?" } }))
        assert.strictEqual(text(asked), "m: sunny")
      }
    }))

  it.live("a 2025-11-25 client declaring sampling.tools gets the request with its tools", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { requests, client } = yield* samplingClient(server, { sampling: { tools: {} } })
      const answered = yield* sdk(() => client.callTool({ name: "ask-with-tools", arguments: {} }))
      assert.strictEqual(text(answered), `m: {"type":"text","text":"sunny"}`)
      assert.strictEqual(requests.length, 1)
      assert.deepStrictEqual(requests[0].tools.map((tool: { readonly name: string }) => tool.name), ["get_weather"])
      assert.deepStrictEqual(requests[0].toolChoice, { mode: "auto" })
    }))
})

describe("URL elicitation to a 2025-06-18 client (SDK v1, the server pinned to 2025-06-18)", () => {
  /** An SDK v1 client declaring `capabilities`, recording the elicitation requests it gets. */
  const elicitedClient = (server: Server, capabilities: object) =>
    Effect.gen(function*() {
      const connected = yield* connect(server, { capabilities })
      const requests: Array<any> = []
      connected.client.setRequestHandler(ElicitRequestSchema, async (request) => {
        requests.push(request.params)
        return { action: "accept", content: { name: "Bo", age: 9 } } as never
      })
      return { ...connected, requests }
    })

  it.live("is ClientCapabilityMissing (elicitation.url), never sent, whatever the client declares", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ supportedVersions: ["2025-06-18"] }, All)
      // 2025-06-18 has no URL elicitation: `elicitation.url` means nothing there, declared or not.
      // Before, a client declaring it (as a newer SDK does) got ClientVersionUnsupported, one
      // declaring `elicitation: {}` ClientCapabilityMissing.
      const declared: Array<{ readonly elicitation: { readonly form?: object; readonly url?: object } }> = [
        { elicitation: {} },
        { elicitation: { url: {} } },
        { elicitation: { form: {}, url: {} } }
      ]
      for (const capabilities of declared) {
        const { client, received, requests } = yield* elicitedClient(server, capabilities)
        const whoami = yield* sdk(() => client.callTool({ name: "whoami", arguments: {} }))
        assert.strictEqual(JSON.parse(text(whoami)).protocolVersion, "2025-06-18")
        const refused = yield* sdk(() => client.callTool({ name: "open-url", arguments: {} }))
        assert.strictEqual(
          text(refused),
          `ClientCapabilityMissing: The client did not declare the "elicitation.url" capability needed for elicitation/create`,
          JSON.stringify(capabilities)
        )
        assert.deepStrictEqual(requests, [], JSON.stringify(capabilities))
        assert.isFalse(received.some((m) => m.method === "elicitation/create"))
        // Form elicitation is sent as ever (the SDK client itself refuses a form when it declared
        // `url` alone).
        if (capabilities.elicitation.url !== undefined && !("form" in capabilities.elicitation)) continue
        const registered = yield* sdk(() => client.callTool({ name: "register", arguments: {} }))
        assert.strictEqual(text(registered), "hello Bo, 10 next year", JSON.stringify(capabilities))
        assert.strictEqual(requests.length, 1)
        assert.isUndefined(requests[0].mode)
      }
    }))
})

describe("McpContext.sample and listRoots in a tool", () => {
  it.live("sampling is answered by the client's handler", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server, { capabilities: { sampling: {} } })
      const seen: Array<any> = []
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        seen.push(request.params)
        return {
          role: "assistant",
          content: { type: "text", text: `answer to ${(request.params.messages[0]!.content as { text: string }).text}` },
          model: "test-model",
          stopReason: "endTurn"
        }
      })
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { question: "2+2?" } }))
      assert.strictEqual(text(result), "test-model: answer to 2+2?")
      assert.deepStrictEqual(seen, [{ messages: [{ role: "user", content: { type: "text", text: "2+2?" } }], maxTokens: 20 }])
    }))

  it.live("sampling without the client capability is ClientCapabilityMissing", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server)
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { question: "?" } }))
      assert.match(text(result), /^ClientCapabilityMissing: /)
      assert.include(text(result), "sampling")
    }))

  it.live("listRoots is answered by the client; without the capability it is ClientCapabilityMissing", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server, { capabilities: { roots: { listChanged: true } } })
      client.setRequestHandler(ListRootsRequestSchema, async () => ({
        roots: [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }]
      }))
      const result = yield* sdk(() => client.callTool({ name: "roots", arguments: {} }))
      assert.deepStrictEqual(JSON.parse(text(result)), [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }])

      const bare = yield* connect(server)
      const refused = yield* sdk(() => bare.client.callTool({ name: "roots", arguments: {} }))
      assert.match(text(refused), /^ClientCapabilityMissing: /)
      assert.include(text(refused), "roots")
    }))
})

describe("Request metadata in a tool", () => {
  it.live("clientInfo, clientCapabilities, sessionId, _meta, progress token and protocol version are visible", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const capabilities = { roots: { listChanged: true }, sampling: {} }
      const first = yield* connect(server, { name: "first-client", capabilities })
      const second = yield* connect(server, { name: "second-client" })
      const call = (client: typeof first.client, meta?: { readonly [key: string]: unknown }) =>
        Effect.map(
          sdk(() => client.callTool({ name: "whoami", arguments: {}, ...(meta === undefined ? {} : { _meta: meta }) })),
          (result) => JSON.parse(text(result))
        )
      const a1 = yield* call(first.client, { traceId: "abc", progressToken: "tok-1" })
      assert.deepStrictEqual(a1.clientInfo, { name: "first-client", version: "1.0.0" })
      assert.deepStrictEqual(a1.clientCapabilities, capabilities)
      assert.deepStrictEqual(a1.meta, { traceId: "abc", progressToken: "tok-1" })
      assert.strictEqual(a1.progressToken, "tok-1")
      assert.strictEqual(a1.protocolVersion, "2025-11-25")
      assert.strictEqual(a1.method, "tools/call")
      assert.isNull(a1.principal)
      assert.isString(a1.sessionId)
      assert.isAbove(a1.sessionId.length, 0)

      const a2 = yield* call(first.client)
      assert.strictEqual(a2.sessionId, a1.sessionId)
      assert.isUndefined(a2.meta)
      assert.isNull(a2.progressToken)
      assert.notStrictEqual(a2.requestId, a1.requestId)

      const b = yield* call(second.client)
      assert.deepStrictEqual(b.clientInfo, { name: "second-client", version: "1.0.0" })
      assert.deepStrictEqual(b.clientCapabilities, {})
      assert.notStrictEqual(b.sessionId, a1.sessionId)
    }))

  it.live("a handler's own services are provided next to the request context", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server)
      const result = yield* sdk(() => client.callTool({ name: "greet", arguments: { name: "Ada" } }))
      assert.strictEqual(text(result), "Hi Ada! (via sdk-test-client)")
    }))
})
