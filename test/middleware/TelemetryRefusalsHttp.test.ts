/**
 * Telemetry of the requests a Streamable HTTP endpoint refuses before dispatching them: their
 * SERVER spans carry the transport's facts (`client.address`, `client.port`) as a served request's
 * do, and the MCP version the request uses (its header's, on a stateless endpoint), none when it
 * names a version the server does not serve. Over a real HTTP server, exported to a real
 * OTLP/HTTP receiver.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { GracefulShutdown, McpError, McpServer, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { initializeMessage, on, openSession, post, serveOnAnyPort } from "../http/support.ts"
import { attribute, type OtlpSpan, receiver, until } from "./otlpReceiver.ts"

const Echo = McpServer.tool({
  name: "echo",
  description: "Echoes",
  parameters: {},
  handler: () => Effect.succeed("ok")
})

const portOf = (span: OtlpSpan): number | undefined => {
  const value = span.attributes.find((a) => a.key === "client.port")?.value.intValue
  return value === undefined ? undefined : Number(value)
}

describe("Telemetry of requests a Streamable HTTP endpoint refuses", () => {
  // Failed before: no client.address / client.port on them (a served request's span has both).
  it.live("stateless: a malformed request, one naming a version not served: client.address and client.port, as a served request's; the header's version, none when not served", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "s", version: "1" },
          Layer.mergeAll(Echo, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true, responseMode: "json" })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "refused-http", exportIntervalMillis: 100 })))
      )
      // A request whose params are no object: refused 400 (-32602) by the endpoint.
      const malformed = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "malformed", method: "tools/list", params: "nope" }, { "mcp-protocol-version": "2025-06-18" })
      )
      assert.strictEqual(malformed.status, 400)
      // A version no server serves, in the header.
      const unknown = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "unknown", method: "tools/list", params: {} }, { "mcp-protocol-version": "2099-01-01" })
      )
      assert.strictEqual(unknown.status, 400)
      // Served, for comparison.
      const served = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "served", method: "tools/list", params: {} }, { "mcp-protocol-version": "2025-06-18" })
      )
      assert.strictEqual(served.status, 200)

      const spanOf = (id: string) => otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === id)
      yield* until(() => spanOf("malformed") !== undefined && spanOf("unknown") !== undefined && spanOf("served") !== undefined)
      const accepted = spanOf("served")!
      assert.strictEqual(attribute(accepted, "client.address"), "127.0.0.1")
      const refused = spanOf("malformed")!
      assert.strictEqual(refused.kind, 2, "SERVER")
      assert.strictEqual(attribute(refused, "rpc.response.status_code"), "-32602")
      assert.strictEqual(attribute(refused, "network.transport"), "tcp")
      assert.strictEqual(attribute(refused, "client.address"), "127.0.0.1")
      assert.isNumber(portOf(refused))
      assert.isAbove(portOf(refused)!, 0)
      assert.strictEqual(attribute(refused, "network.protocol.version"), attribute(accepted, "network.protocol.version"))
      const notServed = spanOf("unknown")!
      assert.strictEqual(attribute(notServed, "rpc.response.status_code"), "-32600")
      assert.strictEqual(attribute(notServed, "client.address"), "127.0.0.1")
      // Failed before (the version): the shared stateless session's (2025-11-25), not the one the
      // request's header named, nor none for a version the server does not serve.
      assert.strictEqual(attribute(refused, "mcp.protocol.version"), "2025-06-18", "the version its header named")
      assert.isUndefined(attribute(notServed, "mcp.protocol.version"), "no version is used")
      // Its measure has no version either.
      const point = () =>
        otlp.durationAttributes.find((a) =>
          a["mcp.method.name"] === "tools/list" && a["rpc.response.status_code"] === "-32600" && a["network.transport"] === "tcp" &&
          !("mcp.protocol.version" in a)
        )
      yield* until(() => point() !== undefined)
      assert.isDefined(point(), "a series without mcp.protocol.version")
    }), 20_000)

  // Failed before: no span (neither a session it named nor the shared stateless session to tell it
  // through). Told through a live session of the endpoint's now, as of no session.
  it.live("a graceful shutdown: a request naming no session, no shared stateless session running, refused 503: a SERVER span of no session", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
      const Slow = McpServer.tool({
        name: "slow",
        description: "Waits until released",
        parameters: {},
        handler: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.as(Deferred.await(release), "done"))
      })
      const shutdown = GracefulShutdown.make()
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "s", version: "1" },
          Layer.mergeAll(Slow, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port, responseMode: "json", session: { shutdownTimeoutMillis: 10_000 } })
        ).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "drained-unnamed", exportIntervalMillis: 100 })),
          Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown)
        )
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const held = Effect.runPromise(Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "held", method: "tools/call", params: { name: "slow", arguments: {} } }, on(sessionId)).then((r) => r.json() as Promise<any>)
      ))
      yield* Deferred.await(started)
      shutdown.request()
      // Until an initialize (no session named) is refused (bounded: 50 tries, 20 ms apart).
      let refused: { readonly status: number; readonly body: any } | undefined
      let late = 0
      for (; late < 50 && refused === undefined; late++) {
        const response = yield* Effect.promise(() => post(url, { ...initializeMessage(`late${late}`) }))
        const body = yield* Effect.promise(() => response.json())
        if (response.status === 503) refused = { status: response.status, body }
        else yield* Effect.sleep("20 millis")
      }
      assert.isDefined(refused, "an initialize was refused")
      const id = `late${late - 1}`
      assert.strictEqual(refused!.body.error.code, McpError.ErrorCode.ServerUnavailable)
      const spanOf = () => otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === id)
      yield* until(() => spanOf() !== undefined)
      const span = spanOf()!
      assert.isDefined(span, "a span for the refused request")
      assert.strictEqual(span.name, "initialize")
      assert.strictEqual(span.kind, 2, "SERVER")
      assert.strictEqual(attribute(span, "rpc.response.status_code"), "-32000")
      assert.strictEqual(attribute(span, "error.type"), "-32000")
      assert.strictEqual(attribute(span, "network.transport"), "tcp")
      assert.strictEqual(attribute(span, "client.address"), "127.0.0.1")
      assert.isUndefined(attribute(span, "mcp.session.id"), "it named no session: not the session it was told through")
      assert.isUndefined(attribute(span, "mcp.protocol.version"), "none negotiated")
      yield* Deferred.succeed(release, undefined)
      const answer = yield* Effect.promise(() => held)
      assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "done" }])
    }), 30_000)
})
