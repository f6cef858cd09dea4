/**
 * McpServer as a whole: `McpServer.serve` with a components Layer, the server's description on
 * the wire, options (`logging`, `middleware`), and the live-session bookkeeping.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpError, McpServer, Middleware } from "../../src/index.ts"
import { connect, sdk, sdkError, settle, startServer } from "./McpServerHarness.ts"

class Counter extends Context.Service<Counter, { next: () => number }>()("test/Counter") {}

const Next = McpServer.tool({
  name: "next",
  handler: () =>
    Effect.gen(function*() {
      const counter = yield* Counter
      yield* Effect.log("counted")
      return `${counter.next()}`
    })
})

const Hello = McpServer.prompt({
  name: "hello",
  arguments: { name: Schema.String },
  handler: ({ name }) => Effect.succeed(`Hello ${name}`)
})

const options: McpServer.Options = {
  name: "served",
  version: "2.0.0",
  title: "Served Server",
  description: "serve() end to end",
  icons: [{ src: "https://example.com/served.png" }],
  websiteUrl: "https://example.com",
  instructions: "Call next."
}

describe("McpServer.serve", () => {
  it.live("serves a components Layer (with its services) over a transport", () =>
    Effect.gen(function*() {
      let count = 0
      const components = Layer.mergeAll(Next, Hello).pipe(Layer.provide(Layer.succeed(Counter, { next: () => ++count })))
      const pair = InMemory.makePair()
      // (Without the console logger: the handler's Effect.log must only reach the client.)
      yield* Effect.forkScoped(McpServer.serve(options, components, pair.server).pipe(Effect.provide(Logger.layer([]))))
      const client = new Client({ name: "serve-client", version: "1.0.0" })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(pair.client as never)),
        () => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(client.getServerVersion(), {
        name: "served",
        version: "2.0.0",
        title: "Served Server",
        description: "serve() end to end",
        icons: [{ src: "https://example.com/served.png" }],
        websiteUrl: "https://example.com"
      })
      assert.strictEqual(client.getInstructions(), "Call next.")
      assert.deepStrictEqual(client.getServerCapabilities(), {
        logging: {},
        tools: { listChanged: true },
        prompts: { listChanged: true }
      })
      const first = yield* sdk(() => client.callTool({ name: "next", arguments: {} }))
      const second = yield* sdk(() => client.callTool({ name: "next", arguments: {} }))
      assert.deepStrictEqual([first.content, second.content], [[{ type: "text", text: "1" }], [{ type: "text", text: "2" }]])
      const hello = yield* sdk(() => client.getPrompt({ name: "hello", arguments: { name: "Ada" } }))
      assert.deepStrictEqual(hello.messages, [{ role: "user", content: { type: "text", text: "Hello Ada" } }])
    }))

  it.live("with logging: false there is no logging capability, no setLevel, and Effect.log stays on the server", () =>
    Effect.gen(function*() {
      const components = Next.pipe(Layer.provide(Layer.succeed(Counter, { next: () => 1 })))
      const server = yield* startServer({ logging: false }, components)
      const { client, notifications } = yield* connect(server)
      assert.isUndefined(client.getServerCapabilities()?.logging)
      const setLevel = yield* sdkError(() => client.setLoggingLevel("debug"))
      assert.strictEqual(setLevel.code, -32601)
      yield* sdk(() => client.callTool({ name: "next", arguments: {} }))
      yield* settle()
      assert.deepStrictEqual(notifications("notifications/message"), [])
    }))

  it.live("middleware sees every request and can answer with a typed error instead of the handler", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      let ran = 0
      const Guarded = McpServer.tool({ name: "guarded", handler: () => Effect.sync(() => `ran ${++ran}`) })
      const server = yield* startServer({
        middleware: [
          Middleware.make("guard", {
            onRequest: (request, _context, next) => {
              seen.push(request.method)
              const params = request.params as { readonly name?: string; readonly arguments?: { readonly token?: string } }
              if (request.method === "tools/call" && params.arguments?.token !== "ok") {
                return Effect.fail(new McpError.JsonRpcError({ code: 4030, message: "forbidden" }))
              }
              return next(request)
            }
          })
        ]
      }, Guarded)
      const { client } = yield* connect(server)
      const denied = yield* sdkError(() => client.callTool({ name: "guarded", arguments: {} }))
      assert.strictEqual(denied.code, 4030)
      assert.strictEqual(ran, 0)
      const allowed = yield* sdk(() => client.callTool({ name: "guarded", arguments: { token: "ok" } }))
      assert.deepStrictEqual(allowed.content, [{ type: "text", text: "ran 1" }])
      assert.deepStrictEqual(seen, ["initialize", "tools/call", "tools/call"])
    }))

  it.live("the server tracks its live sessions", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Hello)
      assert.strictEqual(server.sessions.size, 0)
      const a = yield* connect(server)
      yield* connect(server)
      assert.strictEqual(server.sessions.size, 2)
      yield* Effect.promise(() => a.client.close())
      yield* settle()
      assert.strictEqual(server.sessions.size, 1)
    }))
})
