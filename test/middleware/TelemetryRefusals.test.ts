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
import { PassThrough } from "node:stream"
import { GracefulShutdown, InMemory, McpError, McpServer, Middleware, Stdio, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { on, openSession, portListener, post } from "../http/support.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"

describe("Telemetry of refused requests", () => {
  // Failed before: no span for any of them (they reach no middleware hook).
  it.live("a request before initialize, a duplicate id, a 2026-07-28 version not served: a SERVER span each, with its code (the caller's error, -32022 and -32600 alike: no error.type)", () =>
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
      // Was error.type -32022 and ERROR: a version the server does not serve is the caller's
      // error (MCP 2026-07-28 gives it HTTP 400, as -32600), met in a client's probing of versions.
      assert.isUndefined(attribute(future, "error.type"), "-32022 is the caller's error")
      assert.strictEqual(attribute(future, "network.transport"), "pipe")
      assert.notStrictEqual(future.status?.code, 2, "no ERROR status: -32022 is the caller's error")
      // Failed before: the connection's default version (2025-11-25), which the request never used.
      assert.isUndefined(attribute(future, "mcp.protocol.version"), "a version not served: none is used")
      const early_ = spanOf("early")!
      assert.strictEqual(attribute(early_, "rpc.response.status_code"), "-32600")
      assert.isUndefined(attribute(early_, "error.type"), "-32600 is the caller's error")
      assert.notStrictEqual(early_.status?.code, 2)
      const twice = spanOf("twice", "-32600")!
      assert.strictEqual(twice.name, "tools/call slow")
      assert.strictEqual(attribute(twice, "gen_ai.tool.name"), "slow")
      assert.isString(attribute(twice, "mcp.session.id"), "a session's request")
      assert.strictEqual(attribute(twice, "mcp.protocol.version"), "2025-11-25")
      const point = () => otlp.durationAttributes.find((a) => a["mcp.method.name"] === "tools/list" && a["rpc.response.status_code"] === "-32022")
      yield* until(() => point() !== undefined)
      assert.isUndefined(point()!["error.type"])
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

  // Failed before: a request read while a stdio session drains (a graceful shutdown reads on) was answered -32000 with no
  // span and no measure (answered before any hook, not as a refusal).
  it.live("a request read while a stdio session drains: answered -32000, a SERVER span (an error) and a measure; no onMessage observer sees it, the drain not held", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const Slow = McpServer.tool({
        name: "slow",
        description: "Waits until released",
        parameters: {},
        handler: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.as(Deferred.await(release), "done"))
      })
      const invalid: Array<unknown> = []
      const watching = Middleware.make("watching", {
        onMessage: (message, next) => {
          if (message._tag === "Invalid") invalid.push(message.invalid.value)
          return next()
        }
      })
      const shutdown = GracefulShutdown.make()
      const stdin = new PassThrough()
      const stdout = new PassThrough()
      const answers = new Map<unknown, { readonly code?: number; readonly message?: string }>()
      let buffered = ""
      stdout.setEncoding("utf8").on("data", (chunk: string) => {
        buffered += chunk
        const lines = buffered.split("\n")
        buffered = lines.pop()!
        for (const line of lines) {
          const message = JSON.parse(line)
          if (message.id !== undefined) answers.set(message.id, message.error ?? {})
        }
      })
      const server = yield* Effect.forkScoped(
        McpServer.serve(
          { name: "s", version: "1" },
          Layer.mergeAll(Slow, McpServer.middleware(watching, Telemetry.middleware())),
          Stdio.make({ stdin, stdout }),
          { shutdownTimeoutMillis: 10_000 }
        ).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "drained", exportIntervalMillis: 100 })),
          Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown)
        )
      )
      const send = (message: object) => Effect.sync(() => void stdin.write(`${JSON.stringify(message)}\n`))
      yield* send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } })
      yield* until(() => answers.has(1))
      yield* send({ jsonrpc: "2.0", method: "notifications/initialized" })
      yield* send({ jsonrpc: "2.0", id: "held", method: "tools/call", params: { name: "slow", arguments: {} } })
      yield* Deferred.await(started)
      shutdown.request()
      // Read on while the held call runs: refused, each of them (bounded: 50 tries, 20 ms apart).
      let late = 0
      for (; late < 50; late++) {
        yield* send({ jsonrpc: "2.0", id: `late${late}`, method: "tools/list", params: {} })
        yield* until(() => answers.has(`late${late}`))
        if (answers.get(`late${late}`)!.code === McpError.stoppedByShutdownObject.code) break
        yield* Effect.sleep("20 millis")
      }
      const id = `late${late}`
      assert.deepStrictEqual(answers.get(id), McpError.stoppedByShutdownObject)
      const spanOf = () => otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === id)
      yield* until(() => spanOf() !== undefined)
      const span = spanOf()!
      assert.isDefined(span, "a span for the refused request")
      assert.strictEqual(span.name, "tools/list")
      assert.strictEqual(span.kind, 2, "SERVER")
      assert.strictEqual(attribute(span, "rpc.response.status_code"), "-32000")
      assert.strictEqual(attribute(span, "error.type"), "-32000", "-32000 is an error of the server's")
      assert.strictEqual(attribute(span, "mcp.protocol.version"), "2025-11-25")
      assert.strictEqual(attribute(span, "network.transport"), "pipe")
      assert.isString(attribute(span, "mcp.session.id"))
      assert.strictEqual(span.status?.code, 2)
      const point = () => otlp.durationAttributes.find((a) => a["mcp.method.name"] === "tools/list" && a["error.type"] === "-32000")
      yield* until(() => point() !== undefined)
      assert.strictEqual(point()!["rpc.response.status_code"], "-32000")
      assert.deepStrictEqual(invalid, [], "a drain's refusal is no invalid input")
      // The drain ends once the held call does: nothing of the refusal holds it.
      yield* Deferred.succeed(release, undefined)
      yield* until(() => answers.has("held"))
      assert.deepStrictEqual(answers.get("held"), {})
      yield* until(() => server.pollUnsafe() !== undefined)
      assert.isDefined(server.pollUnsafe(), "the session ended after its drain")
    }), 20_000)

  // Failed before: the endpoint answered a new request 503 -32000 while it drained, with no span
  // and no measure (refused before any session saw it).
  it.live("Streamable HTTP, a graceful shutdown: a request on a draining session is answered 503 -32000, a SERVER span of that session (an error) and a measure; no onMessage observer sees it", () =>
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
      const invalid: Array<unknown> = []
      const watching = Middleware.make("watching", {
        onMessage: (message, next) => {
          if (message._tag === "Invalid") invalid.push(message.invalid.value)
          return next()
        }
      })
      const shutdown = GracefulShutdown.make()
      const listening = portListener()
      const server = yield* Effect.forkScoped(listening.provide(
        McpServer.serve(
          { name: "s", version: "1" },
          Layer.mergeAll(Slow, McpServer.middleware(watching, Telemetry.middleware())),
          StreamableHttp.make({ host: "127.0.0.1", port: 0, responseMode: "json", session: { shutdownTimeoutMillis: 10_000 } })
        ).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "drained-http", exportIntervalMillis: 100 })),
          Effect.provideService(GracefulShutdown.GracefulShutdown, shutdown)
        )
      ))
      const url = `http://127.0.0.1:${yield* listening.port(server)}/mcp`
      const sessionId = yield* Effect.promise(() => openSession(url))
      const held = Effect.runPromise(Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "held", method: "tools/call", params: { name: "slow", arguments: {} } }, on(sessionId)).then((r) => r.json() as Promise<any>)
      ))
      yield* Deferred.await(started)
      shutdown.request()
      // Until a request is refused (the drain has begun; bounded: 50 tries, 20 ms apart).
      let refused: { readonly status: number; readonly body: any } | undefined
      let late = 0
      for (; late < 50 && refused === undefined; late++) {
        const response = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: `late${late}`, method: "tools/list", params: {} }, on(sessionId)))
        const body = yield* Effect.promise(() => response.json())
        if (response.status !== 200) refused = { status: response.status, body }
        else yield* Effect.sleep("20 millis")
      }
      assert.isDefined(refused, "a request was refused")
      const id = `late${late - 1}`
      assert.strictEqual(refused!.status, 503)
      assert.strictEqual(refused!.body.id, id)
      assert.strictEqual(refused!.body.error.code, McpError.ErrorCode.ServerUnavailable)
      const spanOf = () => otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === id)
      yield* until(() => spanOf() !== undefined)
      const span = spanOf()!
      assert.isDefined(span, "a span for the refused request")
      assert.strictEqual(span.name, "tools/list")
      assert.strictEqual(span.kind, 2, "SERVER")
      assert.strictEqual(attribute(span, "rpc.response.status_code"), "-32000")
      assert.strictEqual(attribute(span, "error.type"), "-32000", "-32000 is an error of the server's")
      assert.strictEqual(attribute(span, "mcp.session.id"), sessionId, "the session it named")
      assert.strictEqual(attribute(span, "network.transport"), "tcp")
      // Failed before: none (a served request's span has the peer's address and port).
      assert.strictEqual(attribute(span, "client.address"), "127.0.0.1")
      assert.isDefined(span.attributes.find((a) => a.key === "client.port")?.value.intValue)
      assert.strictEqual(span.status?.code, 2)
      assert.strictEqual(span.status?.message, refused!.body.error.message)
      const point = () =>
        otlp.durationAttributes.find((a) => a["mcp.method.name"] === "tools/list" && a["error.type"] === "-32000" && a["network.transport"] === "tcp")
      yield* until(() => point() !== undefined)
      assert.strictEqual(point()!["rpc.response.status_code"], "-32000")
      assert.deepStrictEqual(invalid, [], "a drain's refusal is no invalid input")
      // The drain ends once the held call does: nothing of the refusal holds it.
      yield* Deferred.succeed(release, undefined)
      const answer = yield* Effect.promise(() => held)
      assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "done" }])
      const drained = yield* Effect.forkChild(shutdown.drained)
      yield* until(() => drained.pollUnsafe() !== undefined)
      assert.isDefined(drained.pollUnsafe(), "the drain ended")
      assert.isFalse(shutdown.isCutShort(), "not cut short")
      assert.isUndefined(server.pollUnsafe(), "the server stops once its process does, not by itself")
    }), 30_000)

  // Failed before: a request refused 429 because the session's queue was full had no span and no
  // measure (its effect, Telemetry's span within, never ran): overload was invisible in traces.
  it.live("a request refused 429 while the session's queue is full: a SERVER span (an error) and a measure", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Slow = McpServer.tool({
        name: "slow",
        description: "Waits",
        parameters: {},
        handler: () => Effect.never
      })
      const answers = new Map<unknown, { readonly code?: number; readonly message?: string }>()
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(Slow, Telemetry.layer), pair.server, {
          maxConcurrentRequests: 1,
          maxQueuedRequests: 1
        }).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "overloaded", exportIntervalMillis: 100 })))
      )
      pair.client.onmessage = (message: any) => {
        if (message.id !== undefined) answers.set(message.id, message.error ?? {})
      }
      yield* Effect.promise(() => pair.client.start?.() ?? Promise.resolve())
      yield* Effect.promise(() =>
        pair.client.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } })
      )
      yield* until(() => answers.has(0))
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" }))
      // One runs, two wait (twice the bound once stuck); past a read pause, more are refused
      // (bounded: 20 tries, 50 ms apart).
      for (let id = 1; id <= 3; id++) {
        yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow", arguments: {} } }))
      }
      const refused = () => [...answers.entries()].find(([, answer]) => answer.code === 429)?.[0] as number | undefined
      for (let id = 4; id < 24 && refused() === undefined; id++) {
        yield* Effect.sleep("50 millis")
        yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow", arguments: {} } }))
      }
      yield* until(() => refused() !== undefined)
      const refusedId = refused()
      assert.isDefined(refusedId, "a request was refused 429")
      const id = String(refusedId)
      const spanOf = () => otlp.spans.find((s) => attribute(s, "jsonrpc.request.id") === id)
      yield* until(() => spanOf() !== undefined)
      const span = spanOf()!
      assert.isDefined(span, "a span for the refused request")
      assert.strictEqual(span.name, "tools/call slow")
      assert.strictEqual(span.kind, 2, "SERVER")
      assert.strictEqual(attribute(span, "rpc.response.status_code"), "429")
      assert.strictEqual(attribute(span, "error.type"), "429")
      assert.strictEqual(attribute(span, "mcp.protocol.version"), "2025-11-25")
      assert.isString(attribute(span, "mcp.session.id"))
      assert.strictEqual(span.status?.code, 2)
      assert.strictEqual(span.status?.message, answers.get(refusedId!)!.message)
      const point = () => otlp.durationAttributes.find((a) => a["mcp.method.name"] === "tools/call" && a["error.type"] === "429")
      yield* until(() => point() !== undefined)
      assert.strictEqual(point()!["rpc.response.status_code"], "429")
    }), 20_000)
})
