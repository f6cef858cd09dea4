/**
 * MCP 2026-07-28: a handler stopped for input (`McpContext.elicit` without an answer yet) while
 * another branch failed, with a declared failure, an `McpError` or the client's fault. The failure
 * wins (`McpError.failureBesideInput`, the one rule): the request is answered as that failure alone
 * would be, not `input_required`, whose retry (the client answering the question) lost it: the
 * handler then succeeded. `input_required` only for a cause that holds nothing but stops. Driven by
 * the official SDK v2 client pinned to 2026-07-28 over Streamable HTTP and stdio, and by raw 2026
 * requests over HTTP (a low-level handler, the tasks extension); the 2025 era unchanged (the
 * question is a server→client request there, answered, and the handler succeeds).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/client/stdio"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { fileURLToPath } from "node:url"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { sdk } from "../e2e/harness.ts"
import { metaOf, modern, serveHttp, withTasks } from "../extensions/support.ts"
import { components, quotaExhausted } from "../fixtures/failureBesideInput.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { withCompileCache } from "../support/compileCache.ts"

/** An SDK v2 client that answers every elicitation with a name, counting them. */
const makeClient = (mode: "legacy" | { readonly pin: string }) => {
  const client = new Client({ name: "failure-beside-input", version: "2.0.0" }, {
    capabilities: { elicitation: {} },
    versionNegotiation: { mode: mode as never }
  })
  const asked = { count: 0 }
  client.setRequestHandler("elicitation/create", async () => {
    asked.count++
    return { action: "accept", content: { name: "Ada" } }
  })
  return { client, asked }
}

/** The SDK v2 client (pinned to 2026-07-28, or `legacy`: a 2025-11-25 session) over Streamable HTTP. */
const connectHttp = (url: string, mode: "legacy" | { readonly pin: string } = { pin: "2026-07-28" }) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const { asked, client } = makeClient(mode)
      yield* sdk(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
      return { client, asked }
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  )

const serve = (server: Partial<McpServer.Options> = {}) =>
  serveHttp({ name: "failure-beside-input", version: "1.0.0", ...server }, components)

const texts = (content: unknown) => (content as Array<{ readonly text?: string }>).map((block) => block.text)

/** The JSON-RPC error a call failed with (the SDK throws it). */
const errorOf = <A>(call: () => Promise<A>) =>
  Effect.map(Effect.flip(sdk(call)), (error) => ({ code: error.code, message: error.message }))

describe("2026-07-28: a failure beside a handler's stop for input wins", () => {
  // Fails before: each was answered input_required; the client asked the user and retried, and the
  // handler (its question answered) succeeded: "hello Ada", the failure lost.
  it.live("a tool: its declared failure's isError result; the client's fault -32602; the stop alone still asks", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const { asked, client } = yield* connectHttp(url)
      const control = yield* sdk(() => client.callTool({ name: "order_asks", arguments: {} }))
      assert.deepStrictEqual([texts(control.content), asked.count], [["hello Ada"], 1])
      const declared = yield* sdk(() => client.callTool({ name: "order", arguments: {} }))
      assert.deepStrictEqual(declared.content, [{ type: "text", text: "A1 is out of stock" }], JSON.stringify(declared))
      assert.isTrue(declared.isError)
      assert.deepStrictEqual(declared.structuredContent, { _tag: "OutOfStock", sku: "A1" })
      const invalid = yield* errorOf(() => client.callTool({ name: "order_invalid", arguments: {} }))
      assert.strictEqual(invalid.code, -32602, JSON.stringify(invalid))
      assert.include(invalid.message, "the quantity is not a number")
      assert.strictEqual(asked.count, 1, "the user was asked only for the control")
    }))

  // Fails before: input_required, then "hello Ada" at the retry.
  it.live("a prompt: its McpError's code; the client's fault -32602", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const { asked, client } = yield* connectHttp(url)
      const quota = yield* errorOf(() => client.getPrompt({ name: "greeting" }))
      assert.strictEqual(quota.code, 4001, JSON.stringify(quota))
      assert.include(quota.message, "Quota exhausted")
      const invalid = yield* errorOf(() => client.getPrompt({ name: "greeting_invalid" }))
      assert.strictEqual(invalid.code, -32602, JSON.stringify(invalid))
      assert.strictEqual(asked.count, 0)
    }))

  // Fails before: input_required, then the resource's text at the retry.
  it.live("a resource: its not-found error (-32602 in 2026-07-28, with its URI)", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const answered = yield* Effect.promise(() =>
        modern(url, "resources/read", { uri: "stock://a1" }, { meta: metaOf({ elicitation: {} }) })
      )
      assert.strictEqual(answered.message.error?.code, -32602, JSON.stringify(answered.message))
      assert.deepStrictEqual(answered.message.error.data, { uri: "stock://a1" })
      const { asked, client } = yield* connectHttp(url)
      const read = yield* errorOf(() => client.readResource({ uri: "stock://a1" }))
      assert.strictEqual(read.code, -32602, JSON.stringify(read))
      assert.strictEqual(asked.count, 0)
    }))

  // Fails before: input_required listed the URL elicitation alone (since 914a7ddf; before it, the
  // form question alone): the other asked in the next round, one round more for inputs asked together.
  it.live("a URL elicitation the handler requires beside a form question: both asked in one round", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const meta = metaOf({ elicitation: { form: {}, url: {} } })
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "order_sign_in", arguments: {} }, { meta }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      const requests = first.result.inputRequests as Record<string, { readonly method: string; readonly params: any }>
      assert.deepStrictEqual(Object.keys(requests).sort(), ["elicitation/create-1", "sign-in"], JSON.stringify(requests))
      assert.strictEqual(requests["elicitation/create-1"]!.params.message, "Name?")
      assert.deepStrictEqual(requests["sign-in"]!.params, { mode: "url", url: "https://example.com/sign-in", message: "Sign in" })
      const retried = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "order_sign_in",
          arguments: {},
          inputResponses: { "elicitation/create-1": { action: "accept", content: { name: "Ada" } }, "sign-in": { action: "accept" } },
          requestState: first.result.requestState
        }, { meta })
      )).message
      assert.deepStrictEqual(retried.result?.content, [{ type: "text", text: "hello Ada" }], JSON.stringify(retried))
      // The client that cannot open URLs: told so (-32021), as for the URL elicitation alone.
      const without = (yield* Effect.promise(() =>
        modern(url, "tools/call", { name: "order_sign_in", arguments: {} }, { meta: metaOf({ elicitation: { form: {} } }) })
      )).message
      assert.strictEqual(without.error?.code, -32021, JSON.stringify(without))
    }))

  it.live("a URL elicitation under the key of the question beside it: its answer is not the question's, asked next round", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const meta = metaOf({ elicitation: { form: {}, url: {} } })
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "order_sign_in_same_key", arguments: {} }, { meta }))).message
      assert.deepStrictEqual(Object.keys(first.result?.inputRequests ?? {}), ["elicitation/create-1"], JSON.stringify(first))
      assert.strictEqual(first.result.inputRequests["elicitation/create-1"].params.mode, "url")
      // The URL elicitation completed: its answer (no content) was given to the form question
      // (the state sealed that question's digest under the URL's key), which failed to decode.
      const second = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "order_sign_in_same_key",
          arguments: {},
          inputResponses: { "elicitation/create-1": { action: "accept" } },
          requestState: first.result.requestState
        }, { meta })
      )).message
      assert.strictEqual(second.result?.resultType, "input_required", JSON.stringify(second))
      const asked = Object.values(second.result.inputRequests as Record<string, { readonly params: any }>)
      // The form question asked (the URL again beside it: this handler requires it while the form stops).
      assert.deepStrictEqual(asked.map((request) => request.params.message).sort(), ["Name?", "Sign in"], JSON.stringify(second))
    }))

  // Fails before: the call was answered input_required (the low-level server's round).
  it.live("a low-level handler: its McpError; the stop alone still input_required", () =>
    Effect.gen(function*() {
      const server = LowLevelServer.make({
        serverInfo: { name: "low-level-beside", version: "1.0.0" },
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": (params, context) =>
            Effect.flatMap(
              Effect.exit(context.elicit({
                message: "Name?",
                requestedSchema: { type: "object", properties: { name: { type: "string" } } }
              } as never)),
              (exit) =>
                exit._tag === "Success"
                  ? Exit.succeed({ content: [{ type: "text" as const, text: "answered" }] })
                  : Effect.failCause(
                    params.name === "asks"
                      ? exit.cause as Cause.Cause<never>
                      : Cause.combine(exit.cause as Cause.Cause<never>, Cause.fail(quotaExhausted()))
                  )
            )
        }
      })
      const { url } = yield* serveOnAnyPort((port) =>
        Layer.launch(StreamableHttp.serve((transport, options) => server.run(transport, options), { host: "127.0.0.1", port, stateless: true }))
      )
      const meta = metaOf({ elicitation: {} })
      const control = yield* Effect.promise(() => modern(url, "tools/call", { name: "asks", arguments: {} }, { meta }))
      assert.strictEqual(control.message.result?.resultType, "input_required", JSON.stringify(control.message))
      const answered = yield* Effect.promise(() => modern(url, "tools/call", { name: "quota", arguments: {} }, { meta }))
      assert.deepStrictEqual(answered.message.error, { code: 4001, message: "Quota exhausted" }, JSON.stringify(answered.message))
    }))

  // Fails before: the required tool's call was answered input_required, with no task.
  it.live("the tasks extension: a required tool's call is a task that ended with its declared failure", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp(
        { name: "failure-beside-input", version: "1.0.0", tasks: McpServer.tasks() },
        components,
        { stateless: true }
      )
      const meta = withTasks({ elicitation: {} })
      const call = yield* Effect.promise(() => modern(url, "tools/call", { name: "order_task", arguments: {} }, { meta }))
      const created = call.message.result
      assert.strictEqual(created?.resultType, "task", JSON.stringify(call.message))
      assert.strictEqual(created.status, "completed")
      const got = (yield* Effect.promise(() => modern(url, "tasks/get", { taskId: created.taskId }, { meta }))).message.result
      assert.deepStrictEqual(got.result.content, [{ type: "text", text: "B2 is out of stock" }], JSON.stringify(got))
      assert.isTrue(got.result.isError)
    }))

  // Fails before: the text named the stop ("InputRequiredSignal") beside the branch's defect.
  it.live("a tool's unmasked internal error (maskErrors: false) names the defect, not the stop", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maskErrors: false })
      const { client } = yield* connectHttp(url)
      const died = yield* sdk(() => client.callTool({ name: "order_died", arguments: {} }))
      assert.isTrue(died.isError)
      const [text] = texts(died.content)
      assert.include(text, "the stock branch died", text)
      assert.notInclude(text, "InputRequiredSignal", text)
    }))

  // Fails before: over stdio too, "hello Ada" after the client asked the user.
  it.live("over stdio (SDK v2 client pinned to 2026-07-28): the declared failure's isError result", () =>
    Effect.gen(function*() {
      const server = fileURLToPath(new URL("../fixtures/failure-beside-input-server.ts", import.meta.url))
      const { asked, client } = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const made = makeClient({ pin: "2026-07-28" })
          yield* sdk(() =>
            made.client.connect(
              new StdioClientTransport({ command: process.execPath, args: [server], env: withCompileCache(getDefaultEnvironment()), stderr: "ignore" })
            )
          )
          return made
        }),
        ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
      )
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2026-07-28")
      const declared = yield* sdk(() => client.callTool({ name: "order", arguments: {} }))
      assert.deepStrictEqual([declared.content, declared.isError], [[{ type: "text", text: "A1 is out of stock" }], true], JSON.stringify(declared))
      const invalid = yield* errorOf(() => client.callTool({ name: "order_invalid", arguments: {} }))
      assert.strictEqual(invalid.code, -32602, JSON.stringify(invalid))
      assert.strictEqual(asked.count, 0)
    }), 30_000)
})

describe("2025-11-25: the same handlers ask by a server→client request, as before", () => {
  // Passes before and after: no stop in that era, the question answered and the handler done.
  it.live("the question is sent and answered; the tool and the prompt succeed", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const { asked, client } = yield* connectHttp(url, "legacy")
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2025-11-25")
      const declared = yield* sdk(() => client.callTool({ name: "order", arguments: {} }))
      assert.deepStrictEqual([texts(declared.content), declared.isError], [["hello Ada"], undefined])
      const prompt = yield* sdk(() => client.getPrompt({ name: "greeting" }))
      assert.deepStrictEqual(texts(prompt.messages.map((message) => message.content)), ["hello Ada"])
      assert.strictEqual(asked.count, 2)
    }))
})
