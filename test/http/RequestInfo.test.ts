/**
 * The HTTP request in the request context (`RequestContext.http`, `McpContext.http`): handlers and
 * middleware read the method, URL, headers and remote address of the POST that carried the call,
 * stateful and stateless; over the in-memory transport it is absent.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InMemory, McpContext, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { answerOf, initializeMessage, on, post, serveOnAnyPort } from "./support.ts"

const seenByMiddleware: Array<string | undefined> = []

const Whoami = McpServer.tool({
  name: "whoami",
  description: "Echoes what it knows of the HTTP request",
  handler: () =>
    Effect.map(McpContext.http, (http) =>
      JSON.stringify(
        http === undefined
          ? null
          : { method: http.method, url: http.url, tenant: http.headers["x-tenant"], remote: http.remoteAddress }
      ))
})

const TenantProbe = McpServer.middleware(Middleware.make("tenant-probe", {
  onRequest: (request, context, next) => {
    if (request.method === "tools/call") seenByMiddleware.push(context.http?.headers["x-tenant"])
    return next(request, context)
  }
}))

const components = Layer.mergeAll(Whoami, TenantProbe)

const serveOn = (stateless: boolean) =>
  Effect.gen(function*() {
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve({ name: "info", version: "1.0.0" }, components, StreamableHttp.make({ port, stateless }))
    )
    return `${url}?probe=1`
  })

const whoami = (id: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "whoami", arguments: {} } })

describe("the HTTP request in the request context", () => {
  it.live("stateful: the handler and middleware read the POST's method, URL, headers and remote address", () =>
    Effect.gen(function*() {
      const url = yield* serveOn(false)
      const init = yield* Effect.promise(() => post(url, initializeMessage()))
      const sessionId = init.headers.get("mcp-session-id")!
      yield* Effect.promise(() => init.text())
      seenByMiddleware.length = 0
      const answer = yield* Effect.promise(() => post(url, whoami("a"), on(sessionId, { "x-tenant": "acme" })).then(answerOf))
      const info = JSON.parse(answer.result.content[0].text)
      assert.strictEqual(info.method, "POST")
      assert.strictEqual(info.url, "/mcp?probe=1")
      assert.strictEqual(info.tenant, "acme")
      assert.match(info.remote, /127\.0\.0\.1$/)
      assert.deepStrictEqual(seenByMiddleware, ["acme"])
      // each request sees its own POST
      const other = yield* Effect.promise(() => post(url, whoami("b"), on(sessionId, { "x-tenant": "other" })).then(answerOf))
      assert.strictEqual(JSON.parse(other.result.content[0].text).tenant, "other")
    }))

  it.live("stateless: each POST's own headers reach its call", () =>
    Effect.gen(function*() {
      const url = yield* serveOn(true)
      const [a, b] = yield* Effect.promise(() =>
        Promise.all([
          post(url, whoami("x"), { "x-tenant": "one" }).then(answerOf),
          post(url, whoami("x"), { "x-tenant": "two" }).then(answerOf)
        ])
      )
      assert.deepStrictEqual(
        [JSON.parse(a.result.content[0].text).tenant, JSON.parse(b.result.content[0].text).tenant],
        ["one", "two"]
      )
    }))

  it.live("in-memory: no HTTP request (undefined)", () =>
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "info", version: "1.0.0" }, components, pair.server))
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () =>
        Effect.promise(() => client.close()))
      const result = yield* Effect.promise(() => client.callTool({ name: "whoami" }))
      assert.strictEqual((result.content as Array<{ text: string }>)[0]!.text, "null")
    }))
})
