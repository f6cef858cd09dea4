/**
 * RateLimit keyed by `"session"` on a stateless Streamable HTTP server (one session answers every
 * client): each client address has its budget, principals' too (they shared the session's one).
 * Real HTTP on 127.0.0.x, several source addresses where the system lets a socket bind them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { request as httpRequest } from "node:http"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import { LATEST, loopbackAliasesBindable, serveOnAnyPort } from "../http/support.ts"

const Echo = McpServer.tool({ name: "echo", parameters: { text: Schema.String }, handler: ({ text }) => Effect.succeed(text) })

/** `x-user: <name>` makes the caller the principal `<name>` (a stand-in for real authentication). */
const HeaderAuth = Middleware.make("header-auth", {
  onRequest: (request, context, next) => {
    const user = context.http?.headers["x-user"]
    return typeof user !== "string" ? next(request) : next(request, context.with({ principal: { subject: user, scopes: [], claims: {} } }))
  }
})

/** One stateless `tools/call` of echo, from `from`, as `user` (none: anonymous); the JSON-RPC answer. */
const call = (port: number, from: string, user: string | undefined, id: number): Promise<any> =>
  new Promise((resolve, reject) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/mcp",
      localAddress: from,
      headers: {
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
        "mcp-protocol-version": LATEST,
        ...(user === undefined ? {} : { "x-user": user })
      }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", reject)
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString()
        const data = text.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim())
        resolve(JSON.parse(data.filter((d) => d !== "").at(-1) ?? text))
      })
    })
    request.on("error", reject)
    request.end(JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }))
  })

/** Whether a client socket can be bound to 127.0.0.2 (Linux: yes; macOS by default: no). */
const canBindLoopbackAliases = await loopbackAliasesBindable()

describe.skipIf(!canBindLoopbackAliases)("RateLimit keyed by session on a stateless HTTP server", () => {
  it.live("principals from different addresses have separate budgets, as anonymous callers do (they shared one)", () =>
    Effect.gen(function*() {
      const limits = RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 1, windowMillis: 60_000 }), key: "session" })
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "stateless-limits", version: "1.0.0" },
          Layer.merge(Echo, McpServer.middleware(HeaderAuth, limits)).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory())),
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })
        )
      )
      let id = 0
      const answer = (from: string, user?: string) => Effect.promise(() => call(port, from, user, ++id))
      // Anonymous callers: one budget per address.
      assert.deepStrictEqual((yield* answer("127.0.0.2")).result?.content, [{ type: "text", text: "hi" }])
      assert.strictEqual((yield* answer("127.0.0.2")).error?.code, 429)
      assert.deepStrictEqual((yield* answer("127.0.0.3")).result?.content, [{ type: "text", text: "hi" }])
      // Principals: the same (fails before: bob got 429, every principal spending the one session's budget).
      assert.deepStrictEqual((yield* answer("127.0.0.4", "ada")).result?.content, [{ type: "text", text: "hi" }])
      assert.deepStrictEqual((yield* answer("127.0.0.5", "bob")).result?.content, [{ type: "text", text: "hi" }])
      assert.strictEqual((yield* answer("127.0.0.5", "bob")).error?.code, 429)
    }))
})

describe("RateLimit keyed by client on a stateful HTTP server", () => {
  // Fails before: the key "client" did not exist (a TypeError at build). With the default key an
  // anonymous client got a fresh budget with every initialize (documented: keyed by session).
  it.live("an anonymous client keeps its budget across initializes (SDK v1 client); the default key gives each session its own", () =>
    Effect.gen(function*() {
      const window = RateLimit.slidingWindow({ limit: 1, windowMillis: 60_000 })
      const perClient = RateLimit.middleware({ policy: window, key: "client", name: "per-client", methods: ["tools/call"] })
      const perSession = RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 2, windowMillis: 60_000 }), name: "per-session", methods: ["tools/list"] })
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "stateful-limits", version: "1.0.0" },
          Layer.merge(Echo, McpServer.middleware(perClient, perSession)).pipe(Layer.provide(RateLimit.RateLimitStore.layerMemory())),
          StreamableHttp.make({ host: "127.0.0.1", port })
        )
      )
      const connect = Effect.acquireRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "again", version: "1.0.0" }, { capabilities: {} })
          await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const echo = (client: Client) =>
        Effect.promise(() =>
          client.callTool({ name: "echo", arguments: { text: "hi" } }).then(
            (result) => ({ result }),
            (error: { code?: number }) => ({ code: error.code })
          )
        )
      const first = yield* connect
      assert.deepStrictEqual((yield* echo(first)), { result: { content: [{ type: "text", text: "hi" }] } })
      assert.strictEqual(((yield* echo(first)) as { code?: number }).code, 429)
      // A fresh session of the same client (its address): the budget it spent, not a new one.
      const second = yield* connect
      assert.strictEqual(((yield* echo(second)) as { code?: number }).code, 429)
      // The default key: each session has its own (two lists each).
      for (const client of [first, second]) {
        yield* Effect.promise(() => client.listTools())
        yield* Effect.promise(() => client.listTools())
      }
      const third = yield* Effect.promise(() => first.listTools().then(() => 0, (error: { code?: number }) => error.code))
      assert.strictEqual(third, 429)
    }))
})

