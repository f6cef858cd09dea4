/**
 * Components and middleware added while a Streamable HTTP server runs, seen by the requests
 * answered by the shared stateless session: MCP 2026-07-28 requests (raw fetch, as the conformance suite speaks)
 * and the clients of a `stateless: true` endpoint (SDK v1). That session starts with the server's
 * first such request; what is added later is served and advertised to the requests after it.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { modern } from "../extensions/support.ts"
import { BOTH, nextMessage, serveOnAnyPort, sseReader } from "./support.ts"

const VERSION = "2026-07-28"

/** A server with one tool, which adds a prompt with a completer (a kind the server had none of). */
const serve = (http: StreamableHttp.Options) =>
  serveOnAnyPort((port) =>
    McpServer.serve(
      { name: "runtime-changes", version: "1.0.0" },
      McpServer.tool({
        name: "add_prompt",
        handler: () =>
          Effect.as(
            McpServer.addPrompt({
              name: "greet",
              arguments: { who: Schema.String },
              complete: { who: (value) => Effect.succeed(["world", "you"].filter((who) => who.startsWith(value))) },
              handler: ({ who }) => Effect.succeed(`Hello, ${who}!`)
            }),
            "added"
          )
      }),
      StreamableHttp.make({ ...http, host: "127.0.0.1", port })
    )
  )

const meta = {
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "runtime-test", version: "1.0.0" }
}

/** A 2026-07-28 request (headers and `_meta`), its JSON-RPC answer. */
const modernRequest = (url: string, method: string, params: Record<string, unknown> = {}) =>
  modern(url, method, params).then((answer) => answer.message)

describe("components added while the shared stateless session runs", () => {
  it.live("2026-07-28: server/discover, prompts/list, prompts/get and completion/complete see a prompt added later", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({})
      const before = yield* Effect.promise(() => modern(url, "server/discover"))
      assert.isUndefined(before.message.result.capabilities.prompts)
      const missing = yield* Effect.promise(() => modern(url, "prompts/list"))
      assert.strictEqual(missing.message.error?.code, -32601)

      const added = yield* Effect.promise(() => modern(url, "tools/call", { name: "add_prompt", arguments: {} }))
      assert.deepStrictEqual(added.message.result.content, [{ type: "text", text: "added" }])

      const after = yield* Effect.promise(() => modern(url, "server/discover"))
      assert.isDefined(after.message.result.capabilities.prompts)
      assert.isDefined(after.message.result.capabilities.completions)
      const list = yield* Effect.promise(() => modern(url, "prompts/list"))
      assert.deepStrictEqual(list.message.result.prompts.map((prompt: any) => prompt.name), ["greet"])
      const got = yield* Effect.promise(() => modern(url, "prompts/get", { name: "greet", arguments: { who: "you" } }))
      assert.deepStrictEqual(got.message.result.messages, [{ role: "user", content: { type: "text", text: "Hello, you!" } }])
      const completed = yield* Effect.promise(() =>
        modern(url, "completion/complete", { ref: { type: "ref/prompt", name: "greet" }, argument: { name: "who", value: "w" } })
      )
      assert.deepStrictEqual(completed.message.result.completion.values, ["world"])

      // A listen stream asking for prompt changes now gets them (replacing the prompt is one).
      const controller = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
      const response = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          signal: controller.signal,
          headers: { "content-type": "application/json", accept: BOTH, "mcp-protocol-version": VERSION, "mcp-method": "subscriptions/listen" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: "listen",
            method: "subscriptions/listen",
            params: { notifications: { promptsListChanged: true }, _meta: meta }
          })
        })
      )
      const reader = sseReader(response)
      const acknowledged = yield* Effect.promise(() => nextMessage(reader, { events: 100, timeoutMillis: 5_000 }))
      assert.deepStrictEqual(acknowledged.params.notifications, { promptsListChanged: true })
      yield* Effect.promise(() => modern(url, "tools/call", { name: "add_prompt", arguments: {} }))
      const changed = yield* Effect.promise(() => nextMessage(reader, { events: 100, timeoutMillis: 5_000 }))
      assert.strictEqual(changed.method, "notifications/prompts/list_changed")
    }))

  it.live("stateless 2025-11-25 (SDK v1): a client that connects after the prompt was added is offered it and gets it", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ stateless: true })
      const connect = Effect.acquireRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "runtime-test", version: "1.0.0" })
          await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { accept: BOTH } } }))
          return client
        }),
        (client) => Effect.promise(() => client.close())
      )
      const first = yield* connect
      assert.isUndefined(first.getServerCapabilities()?.prompts)
      yield* Effect.promise(() => first.callTool({ name: "add_prompt", arguments: {} }))

      const second = yield* connect
      assert.isDefined(second.getServerCapabilities()?.prompts)
      const prompts = yield* Effect.promise(() => second.listPrompts())
      assert.deepStrictEqual(prompts.prompts.map((prompt) => prompt.name), ["greet"])
      const got = yield* Effect.promise(() => second.getPrompt({ name: "greet", arguments: { who: "world" } }))
      assert.deepStrictEqual(got.messages, [{ role: "user", content: { type: "text", text: "Hello, world!" } }])
    }))

  it.live("2026-07-28: a tool kind added after the first request is served, and a middleware Layer built later sees the requests after it", () =>
    Effect.gen(function*() {
      // The server starts with a prompt only: no tools.
      const Hello = McpServer.prompt({ name: "hello", handler: () => Effect.succeed("hi") })
      // The codes of the refused input the middleware added at run time observes.
      const refused: Array<number> = []
      const { url } = yield* serveOnAnyPort((port) =>
        Effect.gen(function*() {
          const scope = yield* Effect.scope
          // A prompt whose `get` adds a tool and a middleware while the server runs.
          const Install = McpServer.prompt({
            name: "install",
            handler: () =>
              Effect.gen(function*() {
                yield* McpServer.addTool({
                  name: "late",
                  parameters: { text: Schema.String },
                  handler: ({ text }) => Effect.succeed(`late:${text}`)
                })
                const tagging = McpServer.middleware(Middleware.make("tagging", {
                  onMessage: (message, next) => {
                    if (message._tag === "Invalid") refused.push(message.invalid.error.code)
                    return next()
                  },
                  onListTools: (params, _context, next) =>
                    Effect.map(next(params), (result) => ({ ...result, tools: result.tools.map((tool) => ({ ...tool, title: "tagged" })) }))
                }))
                yield* Layer.buildWithScope(tagging, scope)
                return "installed"
              }).pipe(Effect.provideService(Scope.Scope, scope))
          })
          return yield* McpServer.serve(
            { name: "runtime", version: "1" },
            Layer.mergeAll(Hello, Install),
            StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })
          )
        }),
        { loggers: [] }
      )
      const before = yield* Effect.promise(() => modernRequest(url, "tools/list"))
      assert.strictEqual(before.error?.code, -32601, JSON.stringify(before))
      const installed = yield* Effect.promise(() => modernRequest(url, "prompts/get", { name: "install" }))
      assert.strictEqual(installed.result?.messages?.[0]?.content?.text, "installed", JSON.stringify(installed))
      const after = yield* Effect.promise(() => modernRequest(url, "tools/list"))
      assert.deepStrictEqual(after.result?.tools?.map((tool: any) => [tool.name, tool.title]), [["late", "tagged"]], JSON.stringify(after))
      const called = yield* Effect.promise(() => modernRequest(url, "tools/call", { name: "late", arguments: { text: "x" } }))
      assert.deepStrictEqual(called.result?.content, [{ type: "text", text: "late:x" }])
      const discovered = yield* Effect.promise(() => modernRequest(url, "server/discover"))
      assert.isDefined(discovered.result?.capabilities?.tools, JSON.stringify(discovered))
      // What the endpoint refuses (a header that disagrees with the body) reaches it too.
      const mismatch = yield* Effect.promise(() => modern(url, "tools/list", {}, { headers: { "mcp-method": "tools/call" } }))
      assert.strictEqual(mismatch.message.error?.code, -32020)
      for (let i = 0; i < 50 && refused.length === 0; i++) yield* Effect.sleep("10 millis")
      assert.deepStrictEqual(refused, [-32020])
    }))
})
