/**
 * The attributes the OpenTelemetry semantic conventions for MCP recommend on a request's SERVER
 * span and on its `mcp.server.operation.duration` series, as a real OTLP/HTTP receiver sees them,
 * in both eras: 2025-11-25 sessions (SDK clients) and 2026-07-28 requests (no session), in memory
 * (`pipe`, as stdio) and over Streamable HTTP (`tcp`, `http`, `1.1`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { request as httpRequest } from "node:http"
import { PassThrough } from "node:stream"
import { InMemory, McpContext, McpServer, Stdio, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"

const Weather = McpServer.tool({ name: "weather", description: "Answers", parameters: {}, handler: () => Effect.succeed("sunny") })
const Review = McpServer.prompt({ name: "review", description: "A prompt", handler: () => Effect.succeed("review this") })
const components = Layer.mergeAll(Weather, Review, Telemetry.layer)

const modernMeta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
}

/** A 2026-07-28 request to `url` (no session), its result; `headers`: more of them. */
const modern = (url: string, id: number, method: string, params: Record<string, unknown>, name?: string, headers: Record<string, string> = {}) =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        ...(name === undefined ? {} : { "mcp-name": name }),
        ...headers
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method,
        params: {
          ...params,
          _meta: modernMeta
        }
      })
    }).then(async (response) => ({ status: response.status, body: await response.json() as any }))
  )

describe("Telemetry attributes of the semantic conventions", () => {
  it.live("gen_ai.operation.name is execute_tool on a tools/call span and series, and on no other (2025 session, 2026 stateless)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "attrs", version: "1" }, components, pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "attrs", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      yield* sdk(() => client.callTool({ name: "weather", arguments: {} }))
      yield* sdk(() => client.getPrompt({ name: "review" }))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "attrs", version: "1" }, components, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "attrs", exportIntervalMillis: 100 }))
        )
      )
      const called = yield* modern(url, 1, "tools/call", { name: "weather", arguments: {} }, "weather")
      assert.strictEqual(called.body.result.content[0].text, "sunny")
      const prompted = yield* modern(url, 2, "prompts/get", { name: "review" }, "review")
      assert.strictEqual(prompted.status, 200)

      const spans = (name: string) => otlp.spans.filter((s) => s.name === name)
      const points = (key: string, value: string) => otlp.durationAttributes.filter((a) => a[key] === value)
      yield* until(() =>
        spans("tools/call weather").length >= 2 && spans("prompts/get review").length >= 2 &&
        points("gen_ai.tool.name", "weather").length > 0 && points("gen_ai.prompt.name", "review").length > 0
      )
      const versions = (name: string) => spans(name).map((s) => attribute(s, "mcp.protocol.version")).sort()
      assert.deepStrictEqual(versions("tools/call weather"), ["2025-11-25", "2026-07-28"])
      for (const span of spans("tools/call weather")) assert.strictEqual(attribute(span, "gen_ai.operation.name"), "execute_tool")
      assert.deepStrictEqual(versions("prompts/get review"), ["2025-11-25", "2026-07-28"])
      for (const span of spans("prompts/get review")) assert.isUndefined(attribute(span, "gen_ai.operation.name"))
      for (const span of spans("initialize")) assert.isUndefined(attribute(span, "gen_ai.operation.name"))
      for (const point of points("gen_ai.tool.name", "weather")) assert.strictEqual(point["gen_ai.operation.name"], "execute_tool")
      for (const point of points("gen_ai.prompt.name", "review")) assert.isUndefined(point["gen_ai.operation.name"])
    }), 20_000)
  // Failed before: the span was "completion/complete", with no gen_ai.prompt.name, though the
  // request names the prompt whose argument it completes (the conventions' "related to a specific
  // prompt": the attribute, and the span's target).
  it.live("completion/complete of a prompt's argument: gen_ai.prompt.name, on the span (its name's target) and its series", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Greet = McpServer.prompt({
        name: "greet",
        description: "Greets",
        arguments: { who: Schema.String },
        complete: { who: (value) => Effect.succeed([`${value}da`]) },
        handler: ({ who }) => Effect.succeed(`hello ${who}`)
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "attrs", version: "1" }, Layer.mergeAll(Greet, Telemetry.layer), pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "attrs", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const completed = yield* sdk(() => client.complete({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "who", value: "A" } }))
      assert.deepStrictEqual(completed.completion.values, ["Ada"])
      const span = () => otlp.spans.find((s) => attribute(s, "mcp.method.name") === "completion/complete")
      const point = () => otlp.durationAttributes.find((a) => a["mcp.method.name"] === "completion/complete")
      yield* until(() => span() !== undefined && point() !== undefined)
      assert.strictEqual(span()!.name, "completion/complete greet")
      assert.strictEqual(attribute(span()!, "gen_ai.prompt.name"), "greet")
      assert.isUndefined(attribute(span()!, "gen_ai.operation.name"))
      assert.strictEqual(point()!["gen_ai.prompt.name"], "greet")
    }), 20_000)
  it.live("network.transport, network.protocol.name and .version: pipe in memory, tcp/http/1.1 over HTTP; on the span and on the duration series, with mcp.protocol.version", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "where", description: "Answers", parameters: {}, handler: () => Effect.succeed("here") })
      const served = Layer.mergeAll(Tool, Telemetry.layer)
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "attrs", exportIntervalMillis: 100 })
      // A 2025-11-25 session in memory (no HTTP: pipe).
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "attrs", version: "1" }, served, pair.server).pipe(Effect.provide(exporter)))
      const piped = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => piped.connect(pair.client as never)), () => Effect.promise(() => piped.close()))
      yield* sdk(() => piped.callTool({ name: "where", arguments: {} }))
      // A 2026-07-28 request in memory (no handshake, no HTTP).
      const modernPair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "attrs", version: "1" }, served, modernPair.server).pipe(Effect.provide(exporter)))
      const answered = yield* Effect.promise(() =>
        new Promise<any>((resolve) => {
          modernPair.client.onmessage = (message) => message.id === 5 && resolve(message)
          void modernPair.client.send({
            jsonrpc: "2.0",
            id: 5,
            method: "tools/call",
            params: { name: "where", arguments: {}, _meta: modernMeta }
          })
        })
      )
      assert.strictEqual(answered.result.content[0].text, "here")
      // Over Streamable HTTP: a 2025-11-25 session (SDK client), and a 2026-07-28 request (no session).
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "attrs", version: "1" }, served, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(Effect.provide(exporter))
      )
      const overHttp = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(
        Effect.promise(() => overHttp.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => overHttp.close())
      )
      yield* sdk(() => overHttp.callTool({ name: "where", arguments: {} }))
      assert.strictEqual((yield* modern(url, 7, "tools/call", { name: "where", arguments: {} }, "where")).body.result.content[0].text, "here")

      const spans = () => otlp.spans.filter((s) => s.name === "tools/call where")
      const points = () => otlp.durationAttributes.filter((a) => a["gen_ai.tool.name"] === "where")
      const seen = (of: ReadonlyArray<Record<string, string | undefined>>) =>
        [...new Set(of.map((a) => [a["mcp.protocol.version"], a["network.transport"], a["network.protocol.name"], a["network.protocol.version"]].join(" ")))].sort()
      const expected = ["2025-11-25 pipe  ", "2025-11-25 tcp http 1.1", "2026-07-28 pipe  ", "2026-07-28 tcp http 1.1"]
      const spanAttributes = () =>
        spans().map((s) => Object.fromEntries(["mcp.protocol.version", "network.transport", "network.protocol.name", "network.protocol.version"].map((k) => [k, attribute(s, k)])))
      yield* until(() => seen(spanAttributes()).length >= 4 && seen(points()).length >= 4)
      assert.deepStrictEqual(seen(spanAttributes()), expected, "the spans")
      assert.deepStrictEqual(seen(points()), expected, "the duration series")
      for (const point of points()) {
        assert.strictEqual(point["mcp.method.name"], "tools/call")
        assert.strictEqual(point["gen_ai.operation.name"], "execute_tool")
      }
      const session = spans().find((s) => attribute(s, "network.transport") === "tcp" && attribute(s, "mcp.protocol.version") === "2025-11-25")!
      assert.isString(attribute(session, "mcp.session.id"), "a 2025 session over HTTP is one")
      const stateless = spans().find((s) => attribute(s, "network.transport") === "tcp" && attribute(s, "mcp.protocol.version") === "2026-07-28")!
      assert.isUndefined(attribute(stateless, "mcp.session.id"), "a 2026-07-28 request over HTTP has no session")
      assert.strictEqual(attribute(stateless, "jsonrpc.request.id"), "7", "the client's id")
    }), 20_000)
  it.live("the duration histograms have the conventions' unit (s) and buckets, the session count a unit of its own", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Asks = McpServer.tool({
        name: "asks",
        description: "Asks the client for its roots",
        parameters: {},
        handler: () => Effect.orDie(Effect.map(McpContext.listRoots, (roots) => `${roots.roots.length} roots`))
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(
        McpServer.serve({ name: "units", version: "1" }, Layer.mergeAll(Asks, Telemetry.layer), pair.server).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "units", exportIntervalMillis: 100 }))
        )
      )
      const client = new Client({ name: "c", version: "1" }, { capabilities: { roots: {} } })
      client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }))
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      assert.deepStrictEqual((yield* sdk(() => client.callTool({ name: "asks", arguments: {} }))).content, [{ type: "text", text: "0 roots" }])
      const names = ["mcp.server.operation.duration", "mcp.client.operation.duration", "mcp.server.session.count"]
      yield* until(() => names.every((name) => otlp.units.has(name)))
      const conventions = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]
      assert.strictEqual(otlp.units.get("mcp.server.operation.duration"), "s")
      assert.strictEqual(otlp.units.get("mcp.client.operation.duration"), "s")
      assert.strictEqual(otlp.units.get("mcp.server.session.count"), "{session}")
      assert.deepStrictEqual(otlp.bounds.get("mcp.server.operation.duration"), conventions)
      assert.deepStrictEqual(otlp.bounds.get("mcp.client.operation.duration"), conventions)
      for (const point of otlp.durationAttributes) assert.isUndefined(point.unit, "no unit label on the series")
    }), 20_000)
  it.live("mcp.server.session.duration: each session's life, by the version it settled (2025-06-18 too) and network.protocol.name (not network.transport nor .version: the conventions'); a 2026-07-28 connection is none", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "lives", description: "Answers", parameters: {}, handler: () => Effect.succeed("yes") })
      const served = Layer.mergeAll(Tool, Telemetry.layer)
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "sessions", exportIntervalMillis: 100 })
      // A 2025-11-25 session in memory, closed.
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, served, pair.server).pipe(Effect.provide(exporter)))
      const piped = new Client({ name: "c", version: "1" })
      yield* Effect.promise(() => piped.connect(pair.client as never))
      yield* sdk(() => piped.callTool({ name: "lives", arguments: {} }))
      yield* Effect.promise(() => piped.close())
      // A 2026-07-28 connection in memory (no handshake), closed.
      const modernPair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, served, modernPair.server).pipe(Effect.provide(exporter)))
      yield* Effect.promise(() =>
        new Promise<void>((resolve) => {
          modernPair.client.onmessage = (message) => message.id === 1 && resolve()
          void modernPair.client.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "lives", arguments: {}, _meta: modernMeta } })
        })
      )
      yield* Effect.promise(() => modernPair.client.close())
      // A session that settled 2025-06-18 in memory (its version is what its initialize answered,
      // not the session's default before it), closed.
      const olderPair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, served, olderPair.server).pipe(Effect.provide(exporter)))
      yield* Effect.promise(() =>
        new Promise<void>((resolve) => {
          olderPair.client.onmessage = (message) => message.id === 1 && resolve()
          void olderPair.client.send({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } }
          })
        })
      )
      yield* Effect.promise(() => olderPair.client.close())
      // Over Streamable HTTP: a 2025-11-25 session, terminated; 2026-07-28 requests (no session).
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "s", version: "1" }, served, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(Effect.provide(exporter))
      )
      assert.strictEqual((yield* modern(url, 2, "tools/call", { name: "lives", arguments: {} }, "lives")).status, 200)
      const transport = new StreamableHTTPClientTransport(new URL(url))
      const overHttp = new Client({ name: "c", version: "1" })
      yield* Effect.promise(() => overHttp.connect(transport))
      yield* sdk(() => overHttp.callTool({ name: "lives", arguments: {} }))
      yield* Effect.promise(() => transport.terminateSession().then(() => overHttp.close()))

      const seen = () =>
        [...new Set(otlp.sessionDurationAttributes.map((a) =>
          [a["mcp.protocol.version"], a["network.protocol.name"]].join(" ")
        ))].sort()
      // No series without a version: a 2026-07-28 connection in memory (no handshake) is no MCP
      // session, as its requests over HTTP make none.
      const expected = ["2025-06-18 ", "2025-11-25 ", "2025-11-25 http"]
      yield* until(() => seen().length >= 3)
      // Metrics are the process's: other tests' sessions are there too, none of another kind.
      assert.deepStrictEqual(seen(), expected)
      // The conventions keep the transport and the HTTP version to operations: a session's requests
      // may come over several connections.
      for (const a of otlp.sessionDurationAttributes) {
        assert.isUndefined(a["network.transport"])
        assert.isUndefined(a["network.protocol.version"])
      }
      assert.strictEqual(otlp.units.get("mcp.server.session.duration"), "s")
      assert.deepStrictEqual(otlp.bounds.get("mcp.server.session.duration"), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300])
    }), 20_000)
  // Failed before the fix: no series of the session duration had an error.type, whatever ended the session.
  it.live("mcp.server.session.duration: error.type on a session whose transport broke (stdio: its input failed), none on one ended cleanly", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const served = Layer.mergeAll(Weather, Telemetry.layer)
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "broken", exportIntervalMillis: 100 })
      /** A stdio session on streams of the test's own, initialized with `version`: its fiber and input. */
      const session = (version: string) =>
        Effect.gen(function*() {
          const stdin = new PassThrough()
          const stdout = new PassThrough()
          const answered = new Promise<void>((resolve) => stdout.once("data", () => resolve()))
          const fiber = yield* Effect.forkChild(
            McpServer.serve({ name: "s", version: "1" }, served, Stdio.make({ stdin, stdout })).pipe(Effect.provide(exporter), Effect.exit)
          )
          stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "c", version: "1" } } })}\n`)
          yield* Effect.promise(() => answered)
          return { fiber, stdin }
        })
      const broken = yield* session("2025-03-26")
      broken.stdin.destroy(new Error("the client's pipe broke"))
      const brokenExit = yield* Fiber.join(broken.fiber)
      assert.include(String(brokenExit), "reading input failed")
      const clean = yield* session("2025-11-25")
      clean.stdin.end()
      assert.isTrue(Exit.isSuccess(yield* Fiber.join(clean.fiber)))

      const points = (version: string) => otlp.sessionDurationAttributes.filter((a) => a["mcp.protocol.version"] === version && a["network.protocol.name"] === undefined)
      yield* until(() => points("2025-03-26").length > 0 && points("2025-11-25").length > 0)
      // Metrics are the process's: no other session of this file settles 2025-03-26; those of 2025-11-25 end cleanly.
      assert.deepStrictEqual([...new Set(points("2025-03-26").map((a) => a["error.type"]))], ["TransportFailure"])
      assert.deepStrictEqual([...new Set(points("2025-11-25").map((a) => a["error.type"]))], [undefined])
    }), 20_000)
  it.live("client.address: the peer's address on a request's span over HTTP (both eras); none in memory", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "peer", description: "Answers", parameters: {}, handler: () => Effect.succeed("ok") })
      const served = Layer.mergeAll(Tool, Telemetry.layer)
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "peer", exportIntervalMillis: 100 })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "p", version: "1" }, served, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(Effect.provide(exporter))
      )
      assert.strictEqual((yield* modern(url, 3, "tools/call", { name: "peer", arguments: {} }, "peer")).status, 200)
      const overHttp = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(
        Effect.promise(() => overHttp.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => overHttp.close())
      )
      yield* sdk(() => overHttp.callTool({ name: "peer", arguments: {} }))
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "p", version: "1" }, served, pair.server).pipe(Effect.provide(exporter)))
      const piped = new Client({ name: "c", version: "1" })
      yield* Effect.acquireRelease(Effect.promise(() => piped.connect(pair.client as never)), () => Effect.promise(() => piped.close()))
      yield* sdk(() => piped.callTool({ name: "peer", arguments: {} }))
      const spans = () => otlp.spans.filter((s) => s.name === "tools/call peer")
      yield* until(() => spans().length >= 3)
      const byTransport = spans().map((s) => `${attribute(s, "mcp.protocol.version")} ${attribute(s, "network.transport")} ${attribute(s, "client.address")}`).sort()
      assert.deepStrictEqual(byTransport, ["2025-11-25 pipe undefined", "2025-11-25 tcp 127.0.0.1", "2026-07-28 tcp 127.0.0.1"])
    }), 20_000)
  it.live("client.port: the port of the peer's connection, with client.address, on a request's span over HTTP", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "porter", description: "Answers", parameters: {}, handler: () => Effect.succeed("ok") })
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "port", exportIntervalMillis: 100 })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "p", version: "1" }, Layer.mergeAll(Tool, Telemetry.layer), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(exporter)
        )
      )
      // A 2026-07-28 call over a connection of our own, whose local port we read.
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "porter", arguments: {}, _meta: modernMeta }
      })
      const { status, localPort } = yield* Effect.promise(() =>
        new Promise<{ status: number | undefined; localPort: number | undefined }>((resolve, reject) => {
          let localPort: number | undefined
          const request = httpRequest(url, {
            method: "POST",
            agent: false,
            headers: {
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": "tools/call",
              "mcp-name": "porter"
            }
          }, (response) => {
            response.resume()
            response.on("end", () => resolve({ status: response.statusCode, localPort }))
          })
          request.on("socket", (socket) => socket.on("connect", () => localPort = socket.localPort))
          request.on("error", reject)
          request.end(body)
        })
      )
      assert.strictEqual(status, 200)
      assert.isNumber(localPort)
      const spans = () => otlp.spans.filter((s) => s.name === "tools/call porter")
      yield* until(() => spans().length >= 1)
      const span = spans()[0]!
      assert.strictEqual(attribute(span, "client.address"), "127.0.0.1")
      const port = span.attributes.find((a) => a.key === "client.port")?.value.intValue
      assert.strictEqual(port === undefined ? undefined : Number(port), localPort)
    }), 20_000)
  it.live("behind a trusted proxy (trustedProxies): client.address is the client's X-Forwarded-For names, with no client.port (the connection's is the proxy's)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "proxied", description: "Answers", parameters: {}, handler: () => Effect.succeed("ok") })
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "proxied", exportIntervalMillis: 100 })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "p", version: "1" },
          Layer.mergeAll(Tool, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port, trustedProxies: ["127.0.0.1"] })
        ).pipe(Effect.provide(exporter))
      )
      const response = yield* modern(url, 1, "tools/call", { name: "proxied", arguments: {} }, "proxied", { "x-forwarded-for": "203.0.113.7" })
      assert.strictEqual(response.status, 200)
      const spans = () => otlp.spans.filter((s) => s.name === "tools/call proxied")
      yield* until(() => spans().length >= 1)
      const span = spans()[0]!
      assert.strictEqual(attribute(span, "client.address"), "203.0.113.7")
      assert.isUndefined(span.attributes.find((a) => a.key === "client.port"), "the proxy's port is not the client's")
    }), 20_000)
  it.live("initialize: its span and duration series carry the version it settled (2025-06-18), not the session's default before it", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "settles", description: "Answers", parameters: {}, handler: () => Effect.succeed("yes") })
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "settled", exportIntervalMillis: 100 })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "settled", version: "1" }, Layer.mergeAll(Tool, Telemetry.layer), pair.server).pipe(Effect.provide(exporter)))
      const answered = yield* Effect.promise(() =>
        new Promise<any>((resolve) => {
          pair.client.onmessage = (message) => message.id === 1 && resolve(message)
          void pair.client.send({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } }
          })
        })
      )
      assert.strictEqual(answered.result.protocolVersion, "2025-06-18")
      yield* Effect.promise(() => pair.client.close())
      const spans = () => otlp.spans.filter((s) => s.name === "initialize" && s.attributes.some((a) => a.key === "mcp.session.id"))
      yield* until(() => spans().length >= 1)
      assert.deepStrictEqual(spans().map((s) => attribute(s, "mcp.protocol.version")), ["2025-06-18"])
      const points = () => otlp.durationAttributes.filter((a) => a["mcp.method.name"] === "initialize").map((a) => a["mcp.protocol.version"])
      // Metrics are the process's (other tests' 2025-11-25 sessions are there): its series is found.
      yield* until(() => points().includes("2025-06-18"))
      assert.include(points(), "2025-06-18")
    }), 20_000)
  it.live("a request to the client (roots/list): its CLIENT span and its mcp.client.operation.duration series carry the transport and protocol version", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Asks = McpServer.tool({
        name: "asksRoots",
        description: "Asks the client for its roots",
        parameters: {},
        handler: () => Effect.orDie(Effect.map(McpContext.listRoots, (roots) => `${roots.roots.length} roots`))
      })
      const served = Layer.mergeAll(Asks, Telemetry.layer)
      const exporter = Telemetry.otlp({ url: otlp.url, serviceName: "roots", exportIntervalMillis: 100 })
      const rootsClient = () => {
        const client = new Client({ name: "c", version: "1" }, { capabilities: { roots: {} } })
        client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }))
        return client
      }
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "r", version: "1" }, served, pair.server).pipe(Effect.provide(exporter)))
      const piped = rootsClient()
      yield* Effect.acquireRelease(Effect.promise(() => piped.connect(pair.client as never)), () => Effect.promise(() => piped.close()))
      assert.deepStrictEqual((yield* sdk(() => piped.callTool({ name: "asksRoots", arguments: {} }))).content, [{ type: "text", text: "0 roots" }])
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "r", version: "1" }, served, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(Effect.provide(exporter))
      )
      const overHttp = rootsClient()
      yield* Effect.acquireRelease(
        Effect.promise(() => overHttp.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => overHttp.close())
      )
      assert.deepStrictEqual((yield* sdk(() => overHttp.callTool({ name: "asksRoots", arguments: {} }))).content, [{ type: "text", text: "0 roots" }])

      const describe = (a: Record<string, string | undefined>) =>
        [a["mcp.protocol.version"], a["network.transport"], a["network.protocol.name"], a["network.protocol.version"]].join(" ")
      const expected = ["2025-11-25 pipe  ", "2025-11-25 tcp http 1.1"]
      const spans = () => otlp.spans.filter((s) => s.name === "roots/list" && s.kind === 3)
      const spanKinds = () =>
        [...new Set(spans().map((s) => describe(Object.fromEntries(s.attributes.map((a) => [a.key, a.value.stringValue])))))].sort()
      const points = () => [...new Set(otlp.clientDurationAttributes.filter((a) => a["mcp.method.name"] === "roots/list").map(describe))].sort()
      yield* until(() => spanKinds().length >= 2 && points().length >= 2)
      assert.deepStrictEqual(spanKinds(), expected, "the CLIENT spans")
      assert.deepStrictEqual(points(), expected, "the client duration series")
    }), 20_000)
})
