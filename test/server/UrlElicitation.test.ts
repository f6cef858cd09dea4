/**
 * A handler that needs the user to complete URL elicitations first (`McpError.UrlElicitationRequired`).
 * A 2025-11-25 session answers -32042 with them. MCP 2026-07-28 retired -32042 (it reserves
 * -32020…-32099 for its own codes; a request asks for input with MRTR): the call answers
 * `input_required` with each elicitation as an input request (by its `elicitationId`), and runs
 * again when the client retries; a client that did not declare URL elicitation gets -32021.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpError, McpServer } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

/** Done out of band (the user signed in at the URL): the tool then connects. */
const signedIn = new Set<string>()

const Connect = McpServer.tool({
  name: "connect",
  handler: () =>
    Effect.suspend(() =>
      signedIn.has("auth-1") ? Effect.succeed("connected") : Effect.fail(
        new McpError.UrlElicitationRequired({
          elicitations: [{ mode: "url", elicitationId: "auth-1", url: "https://auth.example/start", message: "Sign in to Example" }],
          message: "Sign in first"
        })
      )
    )
})

const ConnectBoth = McpServer.tool({
  name: "connect_both",
  handler: () =>
    Effect.fail(
      new McpError.UrlElicitationRequired({
        elicitations: [
          { mode: "url", elicitationId: "auth-1", url: "https://a.example", message: "A" },
          { mode: "url", elicitationId: "auth-2", url: "https://b.example", message: "B" }
        ]
      })
    )
})

const ConnectNone = McpServer.tool({
  name: "connect_none",
  handler: () => Effect.fail(new McpError.UrlElicitationRequired({ elicitations: [], message: "Nothing to open" }))
})

const SignedInPrompt = McpServer.prompt({
  name: "signed_in",
  handler: () =>
    Effect.suspend(() =>
      signedIn.has("auth-1")
        ? Effect.succeed("welcome")
        : Effect.fail(new McpError.UrlElicitationRequired({ elicitations: [{ mode: "url", elicitationId: "auth-1", url: "https://auth.example/start", message: "Sign in" }] }))
    )
})

/** A connection to a fresh server: `request` sends one message and waits for its answer. */
const connect = serveInMemory({ name: "url", version: "1" }, Layer.mergeAll(Connect, ConnectBoth, ConnectNone, SignedInPrompt))

const modern = (capabilities: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities
})

describe("McpError.UrlElicitationRequired in both eras", () => {
  it.live("2026-07-28: input_required with the URL elicitations as input requests; the retry runs the handler again; -32021 without elicitation.url", () =>
    Effect.gen(function*() {
      signedIn.clear()
      const { request } = yield* connect
      const caps = modern({ elicitation: { url: {} } })
      const first = yield* request("tools/call", { name: "connect", arguments: {}, _meta: caps })
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      // Keyed by the elicitation's id; 2026-07-28's URL elicitation params have none.
      assert.deepStrictEqual(first.result.inputRequests, {
        "auth-1": { method: "elicitation/create", params: { mode: "url", url: "https://auth.example/start", message: "Sign in to Example" } }
      })
      assert.isString(first.result.requestState)
      // Not signed in yet: asked again.
      const retry = { name: "connect", arguments: {}, inputResponses: { "auth-1": { action: "accept" } }, requestState: first.result.requestState, _meta: caps }
      assert.strictEqual((yield* request("tools/call", retry)).result?.resultType, "input_required")
      signedIn.add("auth-1")
      const done = yield* request("tools/call", retry)
      assert.deepStrictEqual(done.result?.content, [{ type: "text", text: "connected" }], JSON.stringify(done))
      assert.strictEqual(done.result.resultType, "complete")
      // The user declines (or cancels): the call ends; asked again, a declining client would retry for ever.
      signedIn.clear()
      for (const action of ["decline", "cancel"]) {
        const ended = yield* request("tools/call", { ...retry, inputResponses: { "auth-1": { action } } })
        assert.strictEqual(ended.error?.code, -32603, JSON.stringify(ended))
        assert.strictEqual(ended.error.message, "Sign in first: the user declined the URL elicitation")
      }
      // Two asked, one declined: the call ends too (the handler still needs the declined one).
      const both = yield* request("tools/call", { name: "connect_both", arguments: {}, _meta: caps })
      assert.deepStrictEqual(Object.keys(both.result?.inputRequests ?? {}).sort(), ["auth-1", "auth-2"], JSON.stringify(both))
      const halfDeclined = yield* request("tools/call", {
        name: "connect_both",
        arguments: {},
        inputResponses: { "auth-1": { action: "accept" }, "auth-2": { action: "decline" } },
        requestState: both.result.requestState,
        _meta: caps
      })
      assert.strictEqual(halfDeclined.error?.code, -32603, JSON.stringify(halfDeclined))
      // None to ask for: the failure as 2026-07-28 has it.
      const none = yield* request("tools/call", { name: "connect_none", arguments: {}, _meta: caps })
      assert.strictEqual(none.error?.code, -32603, JSON.stringify(none))
      assert.notInclude(none.error.message, "declined")
      // prompts/get asks the same way.
      const prompt = yield* request("prompts/get", { name: "signed_in", _meta: caps })
      assert.deepStrictEqual(Object.keys(prompt.result?.inputRequests ?? {}), ["auth-1"], JSON.stringify(prompt))
      // A client that cannot open URLs is told what it lacks.
      signedIn.clear()
      const without = yield* request("tools/call", { name: "connect", arguments: {}, _meta: modern({ elicitation: { form: {} } }) })
      assert.strictEqual(without.error?.code, -32021, JSON.stringify(without))
      assert.deepStrictEqual(without.error.data, { requiredCapabilities: { elicitation: { url: {} } } })
    }))

  it.live("2025-11-25: -32042 with the elicitations, as before", () =>
    Effect.gen(function*() {
      signedIn.clear()
      const { request, notify } = yield* connect
      const init = yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: { elicitation: { url: {} } },
        clientInfo: { name: "t", version: "1" }
      })
      assert.strictEqual(init.result?.protocolVersion, "2025-11-25")
      yield* notify("notifications/initialized")
      const refused = yield* request("tools/call", { name: "connect", arguments: {} })
      assert.strictEqual(refused.error?.code, -32042, JSON.stringify(refused))
      assert.deepStrictEqual(refused.error.data.elicitations, [
        { mode: "url", elicitationId: "auth-1", url: "https://auth.example/start", message: "Sign in to Example" }
      ])
    }))
})
