/**
 * Untied server→client requests (`context.session.request`) over Streamable HTTP. A 2026-07-28
 * request, and every request of a `stateless: true` endpoint, is answered by the endpoint's one
 * shared stateless session: it has no stream an untied request could go out on (no GET stream,
 * no session id), so the request fails at once, typed, and nothing is sent. A stateful 2025
 * session without a GET stream keeps its behaviour: the request is sent nowhere and times out.
 * Real clients over HTTP on 127.0.0.1 (SDK v2 pinned to 2026-07-28, SDK v1 stateless, raw fetch).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { Content, McpContext, McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import * as KeepAlive from "../../src/middleware/builtin/KeepAlive.ts"
import { sdk } from "../e2e/harness.ts"
import { eventually } from "../middleware/contractHarness.ts"
import { answerOf, freePort, on, openSession, post, ready } from "./support.ts"

/** How long the tool lets its untied ping wait: a refusal comes long before it. */
const pingTimeoutMillis = 2_000

/**
 * Serves one tool that pings the client untied and answers what it got: `ok`, or the failure's
 * tag and message (two text blocks). `observed` collects what the observer middleware was told was sent.
 */
const serve = (http: StreamableHttp.Options, observed: Array<string>, ...more: Array<Middleware.Middleware<never>>) =>
  Effect.gen(function*() {
    const PingUntied = McpServer.tool({
      name: "ping_untied",
      description: "Pings the client through the session, not the request",
      handler: () =>
        Effect.gen(function*() {
          const context = yield* McpContext.current
          return yield* context.session.request("ping", undefined, { timeoutMillis: pingTimeoutMillis }).pipe(
            Effect.match({
              onSuccess: () => [Content.text("ok")],
              onFailure: (error) => [Content.text(error._tag), Content.text(error.message)]
            })
          )
        })
    })
    const observer = McpServer.middleware(
      Middleware.make("observer", {
        onCallTool: (params, context, next) => next(params, context.with({ onClientRequest: (method) => observed.push(method) }))
      }),
      ...more
    )
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = yield* Effect.promise(freePort)
      const fiber = yield* Effect.forkScoped(
        McpServer.serve({ name: "untied", version: "1.0.0" }, Layer.mergeAll(PingUntied, observer), StreamableHttp.make({ ...http, host: "127.0.0.1", port }))
      )
      if ((yield* Effect.promise(() => ready(port, 300))) && fiber.pollUnsafe() === undefined) return `http://127.0.0.1:${port}/mcp`
      yield* Fiber.interrupt(fiber)
    }
    return yield* Effect.die(new Error("could not start the HTTP server"))
  })

const textOf = (result: object): Array<string | undefined> =>
  ((result as { readonly content: Array<{ readonly text?: string }> }).content).map((c) => c.text)

describe("untied server→client requests over Streamable HTTP", () => {
  // Fails before: the ping went nowhere and the tool waited for its timeout (ClientRequestTimeout).
  it.live("a 2026-07-28 request (SDK v2 pinned) on the default endpoint: ClientVersionUnsupported at once, nothing sent", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const url = yield* serve({}, observed)
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new ClientV2({ name: "untied-v2", version: "2.0.0" }, {
            capabilities: {},
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          yield* Effect.promise(() => client.connect(new TransportV2(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2026-07-28")
      const result = yield* sdk(() => client.callTool({ name: "ping_untied", arguments: {} }))
      assert.deepStrictEqual(textOf(result), [
        "ClientVersionUnsupported",
        "ping with these params cannot be sent to a client on protocol 2026-07-28"
      ])
      assert.deepStrictEqual(observed, [], "nothing was to be sent")
    }))

  // Fails before: the ping went nowhere and the tool waited for its timeout (ClientRequestTimeout).
  it.live("a 2025-11-25 request on a stateless endpoint (SDK v1, no session): SessionClosed at once, nothing sent", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const url = yield* serve({ stateless: true }, observed)
      const transport = new TransportV1(new URL(url))
      const client = new ClientV1({ name: "untied-v1", version: "1.0.0" })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(transport)),
        () => Effect.promise(() => client.close().catch(() => undefined))
      )
      assert.isUndefined(transport.sessionId)
      const result = yield* sdk(() => client.callTool({ name: "ping_untied", arguments: {} }))
      const [tag, message] = textOf(result)
      assert.strictEqual(tag, "SessionClosed")
      assert.include(message, "a stateless session has no stream for requests not tied to a client request")
      assert.deepStrictEqual(observed, [], "nothing was to be sent")
    }))

  // Fails before: as above (ClientRequestTimeout). The era of the calling request decides the error.
  it.live("a 2026-07-28 request (raw fetch) on a stateless endpoint: ClientVersionUnsupported at once, nothing sent", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const url = yield* serve({ stateless: true }, observed)
      const response = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: "m-1",
          method: "tools/call",
          params: {
            name: "ping_untied",
            arguments: {},
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientCapabilities": {},
              "io.modelcontextprotocol/clientInfo": { name: "untied-raw", version: "1.0.0" }
            }
          }
        }, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "ping_untied" })
      )
      const answer = yield* Effect.promise(() => answerOf(response))
      assert.strictEqual(answer.id, "m-1")
      assert.deepStrictEqual(textOf(answer.result)[0], "ClientVersionUnsupported")
      assert.deepStrictEqual(observed, [], "nothing was to be sent")
    }))

  // Unchanged: a stateful session may open its GET stream at any time, so the request is sent
  // (the observer is told) but, with no stream open, it reaches nobody and times out.
  it.live("a stateful 2025-11-25 session without a GET stream: the ping is sent nowhere and times out", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const url = yield* serve({}, observed)
      const sessionId = yield* Effect.promise(() => openSession(url))
      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ping_untied", arguments: {} } }, on(sessionId))
      )
      const answer = yield* Effect.promise(() => answerOf(response))
      assert.deepStrictEqual(textOf(answer.result), ["ClientRequestTimeout", `The client did not answer ping within ${pingTimeoutMillis} ms`])
      assert.deepStrictEqual(observed, ["ping"])
    }))

  // Fails before: the loop's pings went nowhere and timed out, one missed ping after another,
  // for as long as the endpoint ran (a warning logged each, "the client seems gone" after three).
  it.live("KeepAlive on a stateless endpoint: the shared session's loop ends at the refusal", () =>
    Effect.gen(function*() {
      const keepAlive = KeepAlive.middleware({ interval: "20 millis", timeout: "50 millis" })
      const ended: Array<string> = []
      const probed = Middleware.make("probed-keep-alive", {
        ...keepAlive,
        onSession: (session) =>
          keepAlive.onSession!(session).pipe(Effect.onExit((exit) => Effect.sync(() => void ended.push(exit._tag))))
      })
      const url = yield* serve({ stateless: true }, [], probed)
      // The first request starts the shared session (and its keep-alive loop).
      const response = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }, { "mcp-protocol-version": "2025-11-25" })
      )
      assert.isDefined((yield* Effect.promise(() => answerOf(response))).result)
      yield* eventually(() => ended.length > 0, 1_000)
      assert.deepStrictEqual(ended, ["Success"])
    }))
})
