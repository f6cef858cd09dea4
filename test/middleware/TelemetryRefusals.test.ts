/**
 * Telemetry of the requests a session refuses before dispatching them (no middleware hook sees
 * them): each is a SERVER span with its error's code, measured, as the conventions have one for
 * every request the server receives and answers. Over a real in-memory connection, exported to a
 * real OTLP/HTTP receiver.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InMemory, McpServer } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"

describe("Telemetry of refused requests", () => {
  // Failed before: no span for any of them (they reach no middleware hook).
  it.live("a request before initialize, a duplicate id, a 2026-07-28 version not served: a SERVER span each, with its code (-32022 an error of the server's, -32600 not)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const started = yield* Deferred.make<void>()
      const Slow = McpServer.tool({
        name: "slow",
        description: "Waits",
        parameters: {},
        handler: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
      })
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "refusals", exportIntervalMillis: 100 })
      const answers = new Map<unknown, { readonly code?: number }>()
      const connect = Effect.gen(function*() {
        const pair = InMemory.makePair()
        yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(Slow, Telemetry.layer), pair.server).pipe(Effect.provide(exporter)))
        pair.client.onmessage = (message: any) => {
          if (message.id !== undefined) answers.set(message.id, message.error ?? {})
        }
        yield* Effect.promise(() => pair.client.start?.() ?? Promise.resolve())
        return pair.client
      })
      const answered = (id: unknown) => until(() => answers.has(id))
      // A 2026-07-28 request of a version the server does not serve, first on its connection.
      const probe = yield* connect
      yield* Effect.promise(() =>
        probe.send({
          jsonrpc: "2.0",
          id: "future",
          method: "tools/list",
          params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {}, "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" } } }
        })
      )
      yield* answered("future")
      assert.strictEqual(answers.get("future")!.code, -32022)
      // A 2025 request before initialize.
      const early = yield* connect
      yield* Effect.promise(() => early.send({ jsonrpc: "2.0", id: "early", method: "tools/list", params: {} }))
      yield* answered("early")
      assert.strictEqual(answers.get("early")!.code, -32600)
      // A session: an id already in progress.
      const client = yield* connect
      yield* Effect.promise(() =>
        client.send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } })
      )
      yield* answered(1)
      yield* Effect.promise(() => client.send({ jsonrpc: "2.0", method: "notifications/initialized" }))
      yield* Effect.promise(() => client.send({ jsonrpc: "2.0", id: "twice", method: "tools/call", params: { name: "slow", arguments: {} } }))
      yield* Deferred.await(started)
      yield* Effect.promise(() => client.send({ jsonrpc: "2.0", id: "twice", method: "tools/call", params: { name: "slow", arguments: {} } }))
      yield* answered("twice")
      assert.strictEqual(answers.get("twice")!.code, -32600)

      const spanOf = (id: string, status?: string) =>
        otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === id && (status === undefined || attribute(s, "rpc.response.status_code") === status))
      yield* until(() => spanOf("future") !== undefined && spanOf("early") !== undefined && spanOf("twice", "-32600") !== undefined)
      const future = spanOf("future")!
      assert.strictEqual(future.name, "tools/list")
      assert.strictEqual(future.kind, 2, "SERVER")
      assert.strictEqual(attribute(future, "mcp.method.name"), "tools/list")
      assert.strictEqual(attribute(future, "rpc.response.status_code"), "-32022")
      assert.strictEqual(attribute(future, "error.type"), "-32022")
      assert.strictEqual(attribute(future, "network.transport"), "pipe")
      assert.strictEqual(future.status?.code, 2, "ERROR: -32022 is no caller's error the conventions name")
      const early_ = spanOf("early")!
      assert.strictEqual(attribute(early_, "rpc.response.status_code"), "-32600")
      assert.isUndefined(attribute(early_, "error.type"), "-32600 is the caller's error")
      assert.notStrictEqual(early_.status?.code, 2)
      const twice = spanOf("twice", "-32600")!
      assert.strictEqual(twice.name, "tools/call slow")
      assert.strictEqual(attribute(twice, "gen_ai.tool.name"), "slow")
      assert.isString(attribute(twice, "mcp.session.id"), "a session's request")
      assert.strictEqual(attribute(twice, "mcp.protocol.version"), "2025-11-25")
      const point = () => otlp.durationAttributes.find((a) => a["mcp.method.name"] === "tools/list" && a["error.type"] === "-32022")
      yield* until(() => point() !== undefined)
      assert.strictEqual(point()!["rpc.response.status_code"], "-32022")
    }), 20_000)

  // Failed before: the span said the session's version, the handshake era's default (2025-11-25),
  // which a 2026-07-28 connection never negotiated, not the version the request named.
  it.live("a 2026-07-28 request refused (an id in progress) has the version it named, as its accepted twin", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const started = yield* Deferred.make<void>()
      const Slow = McpServer.tool({
        name: "slow",
        description: "Waits",
        parameters: {},
        handler: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
      })
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "refusals-modern", exportIntervalMillis: 100 })
      const answers = new Map<unknown, { readonly code?: number }>()
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(Slow, Telemetry.layer), pair.server).pipe(Effect.provide(exporter)))
      pair.client.onmessage = (message: any) => {
        if (message.id !== undefined) answers.set(message.id, message.error ?? {})
      }
      yield* Effect.promise(() => pair.client.start?.() ?? Promise.resolve())
      const call = {
        jsonrpc: "2.0" as const,
        id: "again",
        method: "tools/call",
        params: {
          name: "slow",
          arguments: {},
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
          }
        }
      }
      yield* Effect.promise(() => pair.client.send(call))
      yield* Deferred.await(started)
      yield* Effect.promise(() => pair.client.send(call))
      yield* until(() => answers.has("again"))
      assert.strictEqual(answers.get("again")!.code, -32600)
      const refused = () =>
        otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === "again" && attribute(s, "rpc.response.status_code") === "-32600")
      yield* until(() => refused() !== undefined)
      assert.strictEqual(refused()!.name, "tools/call slow")
      assert.strictEqual(attribute(refused()!, "mcp.protocol.version"), "2026-07-28")
      assert.isUndefined(attribute(refused()!, "mcp.session.id"), "no MCP session in the 2026-07-28 era")
      // Measured in the series of the version it named (the series are the process's: the case
      // above measured a 2025-11-25 one).
      const point = () =>
        otlp.durationAttributes.find((a) =>
          a["mcp.method.name"] === "tools/call" && a["rpc.response.status_code"] === "-32600" && a["mcp.protocol.version"] === "2026-07-28"
        )
      yield* until(() => point() !== undefined)
      assert.isDefined(point(), "a 2026-07-28 series of the refused call")
    }), 20_000)
})
