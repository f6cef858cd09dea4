/**
 * The official SDK v2 client (`@modelcontextprotocol/client`, default legacy negotiation: an
 * `initialize` handshake) against the everything server over Streamable HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer, StreamableHttp, Tool } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { LATEST, serveEverything, serveOnAnyPort } from "./support.ts"

const connect = (url: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const transport = new StreamableHTTPClientTransport(new URL(url))
      const client = new Client({ name: "sdk-v2-http-test", version: "2.0.0" }, { capabilities: {} })
      yield* Effect.promise(() => client.connect(transport))
      return { client, transport }
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  )

const texts = (content: unknown) =>
  (content as Array<{ type: string; text?: string }>).filter((c) => c.type === "text").map((c) => c.text)

describe("SDK v2 client over Streamable HTTP", () => {
  it.live("initialize, tools/list, tools/call, prompts/get", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const { client, transport } = yield* connect(url)
      assert.strictEqual(client.getServerVersion()?.name, "effect-mcp-everything-server")
      assert.strictEqual(client.getNegotiatedProtocolVersion(), LATEST)
      assert.isString(transport.sessionId)

      const { tools } = yield* sdk(() => client.listTools())
      assert.includeMembers(tools.map((t) => t.name), ["test_simple_text", "test_tool_with_progress", "test_task_slow"])
      const slow = tools.find((t) => t.name === "test_task_slow")!
      assert.deepStrictEqual(slow.inputSchema.required, ["ms"])

      const simple = yield* sdk(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(simple.content), ["This is a simple text response for testing."])
      const progress: Array<number> = []
      const withProgress = yield* sdk(() =>
        client.callTool({ name: "test_tool_with_progress", arguments: {} }, {
          onprogress: (p: { progress: number }) => void progress.push(p.progress)
        })
      )
      assert.deepStrictEqual(progress, [0, 50, 100])
      assert.match(texts(withProgress.content)[0]!, /^Progress reported for token /)
      const failing = yield* sdk(() => client.callTool({ name: "test_error_handling", arguments: {} }))
      assert.isTrue(failing.isError)

      const prompt = yield* sdk(() => client.getPrompt({ name: "test_simple_prompt" }))
      assert.deepStrictEqual(prompt.messages, [{
        role: "user",
        content: { type: "text", text: "This is a simple prompt for testing." }
      }])
      const withArgs = yield* sdk(() =>
        client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } })
      )
      assert.deepStrictEqual(texts(withArgs.messages.map((m) => m.content)), ["Prompt with arguments: arg1='a', arg2='b'"])
    }))
})

describe("SDK v2 client on MCP 2026-07-28 over Streamable HTTP", () => {
  const connectModern = (url: string, mode: "auto" | { readonly pin: string }) =>
    Effect.acquireRelease(
      Effect.gen(function*() {
        const client = new Client({ name: "sdk-v2-modern", version: "2.0.0" }, {
          capabilities: { elicitation: {}, sampling: {}, roots: {} },
          versionNegotiation: { mode: mode as never }
        })
        // An answer that matches the form asked (one that does not is -32602 to the call).
        const answers: Record<string, string> = { name: "Ada", color: "blue", context: "tests" }
        client.setRequestHandler("elicitation/create", async (request: any) => ({
          action: "accept",
          content: Object.fromEntries(Object.keys(request.params.requestedSchema?.properties ?? {}).map((key) => [key, answers[key] ?? "x"]))
        }))
        client.setRequestHandler("sampling/createMessage", async () => ({
          role: "assistant",
          content: { type: "text", text: "Paris" },
          model: "test-model",
          stopReason: "endTurn"
        }))
        client.setRequestHandler("roots/list", async () => ({ roots: [{ uri: "file:///work", name: "work" }] }))
        yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
        return client
      }),
      (client) => Effect.promise(() => client.close().catch(() => undefined))
    )

  it.live("pinned to 2026-07-28: discover, list, call, prompts; elicitation, sampling and roots through MRTR", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const client = yield* connectModern(url, { pin: "2026-07-28" })
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2026-07-28")
      const { tools } = yield* sdk(() => client.listTools())
      assert.includeMembers(tools.map((t) => t.name), ["test_simple_text", "test_input_required_result_elicitation"])
      const simple = yield* sdk(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(simple.content), ["This is a simple text response for testing."])
      const elicited = yield* sdk(() => client.callTool({ name: "test_input_required_result_elicitation", arguments: {} }))
      assert.deepStrictEqual(texts(elicited.content), ["Hello, Ada!"])
      const sampled = yield* sdk(() => client.callTool({ name: "test_input_required_result_sampling", arguments: {} }))
      assert.deepStrictEqual(texts(sampled.content), ["The model says: Paris"])
      const rooted = yield* sdk(() => client.callTool({ name: "test_input_required_result_list_roots", arguments: {} }))
      assert.deepStrictEqual(texts(rooted.content), ["Roots: file:///work"])
      const multi = yield* sdk(() => client.callTool({ name: "test_input_required_result_multi_round", arguments: {} }))
      assert.deepStrictEqual(texts(multi.content), ["Ada likes blue"])
      const prompt = yield* sdk(() => client.getPrompt({ name: "test_input_required_result_prompt" }))
      assert.deepStrictEqual(texts(prompt.messages.map((m) => m.content)), ["Use this context: tests"])
      const read = yield* sdk(() => client.readResource({ uri: "test://static-text" }))
      assert.strictEqual(read.contents.length, 1)
    }))

  it.live("an integer argument mirrored in Mcp-Param-*: served in the safe range (the client sends the header) and beyond it (the client sends none; was -32020 'missing')", () =>
    Effect.gen(function*() {
      const Sharded = McpServer.tool({
        name: "sharded",
        description: "Echoes its shard, which clients mirror into Mcp-Param-Shard",
        parameters: Tool.jsonSchema({ type: "object", properties: { shard: { type: "integer", "x-mcp-header": "Shard" } } }),
        handler: (args) => Effect.succeed(`Shard: ${String((args as { readonly shard?: unknown }).shard)}`)
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, Layer.merge(components, Sharded), StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const client = yield* connectModern(url, { pin: "2026-07-28" })
      yield* sdk(() => client.listTools())
      for (const shard of [42, 2 ** 53 - 1, 2 ** 53, 2 ** 60]) {
        const result = yield* sdk(() => client.callTool({ name: "sharded", arguments: { shard } })).pipe(
          Effect.catch((error) => Effect.succeed({ content: [{ type: "text", text: `error ${error.code}: ${error.message}` }] }))
        )
        assert.deepStrictEqual(texts(result.content), [`Shard: ${shard}`], String(shard))
      }
    }))

  // Fails before: the server took only printable ASCII as a raw value, and refused with -32020 the
  // horizontal tab RFC 9110 (and SEP-2243's value encoding) allows inside a field value, which
  // this client sends as it is: its call of a tool whose mirrored argument holds a tab failed, as
  // its request for a prompt whose name holds one.
  it.live("a tab inside a mirrored value (Mcp-Param-*, Mcp-Name), sent raw by the client as RFC 9110 allows, is served", () =>
    Effect.gen(function*() {
      const Query = McpServer.tool({
        name: "query",
        description: "Echoes its query, which clients mirror into Mcp-Param-Query",
        parameters: Tool.jsonSchema({ type: "object", properties: { query: { type: "string", "x-mcp-header": "Query" } } }),
        handler: (args) => Effect.succeed(`Query: ${String((args as { readonly query?: unknown }).query)}`)
      })
      const Tabbed = McpServer.prompt({ name: "tabbed\tprompt", description: "A name with a tab", handler: () => Effect.succeed("tabbed") })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, Layer.mergeAll(components, Query, Tabbed), StreamableHttp.make({ host: "127.0.0.1", port }))
      )
      const client = yield* connectModern(url, { pin: "2026-07-28" })
      yield* sdk(() => client.listTools())
      const called = yield* sdk(() => client.callTool({ name: "query", arguments: { query: "SELECT a,\tb" } }))
      assert.deepStrictEqual(texts(called.content), ["Query: SELECT a,\tb"])
      const prompt = yield* sdk(() => client.getPrompt({ name: "tabbed\tprompt" }))
      assert.deepStrictEqual(texts(prompt.messages.map((m) => m.content)), ["tabbed"])
    }))

  // The SDK reads a 4xx body as JSON only: an SSE body there was no error to it at all
  // (CLIENT_HTTP_NOT_IMPLEMENTED "Error POSTing to endpoint: data: ...").
  it.live("a server answering as SSE (responseMode sse): a missing capability reaches the client as -32021, a call as its result", () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port, responseMode: "sse" }))
      )
      // Declaring no sampling (unlike `connectModern`'s client).
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "sdk-v2-sse", version: "2.0.0" }, {
            capabilities: {},
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const refused = yield* Effect.promise(() =>
        client.callTool({ name: "test_missing_capability", arguments: {} }).then(
          () => undefined,
          (error: { readonly code?: unknown; readonly message?: unknown }) => error
        )
      )
      assert.strictEqual(refused?.code, -32021, String(refused?.message))
      const simple = yield* sdk(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(simple.content), ["This is a simple text response for testing."])
    }))

  it.live("auto negotiation picks 2026-07-28 from server/discover", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const client = yield* connectModern(url, "auto")
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2026-07-28")
      const { tools } = yield* sdk(() => client.listTools())
      assert.isAbove(tools.length, 0)
    }))
})
