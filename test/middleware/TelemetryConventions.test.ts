/**
 * Telemetry against the OpenTelemetry semantic conventions for MCP, as a real OTLP/HTTP receiver
 * sees them: `error.type` and `rpc.response.status_code` of a JSON-RPC error (its code as a
 * string), span names without resource URIs, the ERROR status of a cancelled request, the parent
 * and link of a request's span over Streamable HTTP, the session gauge shared by servers, and
 * `fromEnvironment`'s standard variables.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpMiddleware } from "effect/http"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { InMemory, McpServer, StreamableHttp } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import * as McpError from "../../src/protocol/McpError.ts"
import { sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { assertOutcome, attribute, receiver, until } from "./otlpReceiver.ts"

/** Serves `components` with the middleware in memory, exporting to `url`; an SDK client connected to it. */
const traced = <E>(url: string, components: Layer.Layer<never, E, McpServer.McpServer>, middleware = Telemetry.layer) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(components, middleware), pair.server).pipe(
        Effect.provide(Telemetry.otlp({ url, serviceName: "traced", exportIntervalMillis: 100 }))
      )
    )
    const client = new Client({ name: "c", version: "1" })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    return client
  })

const failed = <A>(run: () => Promise<A>) => Effect.promise(() => run().then(() => undefined, (error: { code?: number }) => error))

describe("Telemetry and the semantic conventions", () => {
  it.live("rpc.response.status_code of a JSON-RPC error is its code (span and metric); error.type and ERROR too for an error of the server's, not for -32601, -32602, -32002 (the caller's); a tool error is tool_error", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Refused = McpServer.tool({
        name: "refused",
        description: "Fails with an application's JSON-RPC error (Authorization's refusal)",
        parameters: {},
        handler: () => Effect.fail(McpError.forbidden("Forbidden: refused needs scope admin", ["admin"]))
      })
      // A defect, answered -32603 (a tool's defect is a tool error result: a prompt's is not).
      const Explodes = McpServer.prompt({ name: "explodes", description: "Dies", handler: () => Effect.die(new Error("boom")) })
      const Flaky = McpServer.tool({
        name: "flaky",
        description: "A tool result that is an error",
        parameters: {},
        handler: () => Effect.succeed({ content: [{ type: "text" as const, text: "no" }], isError: true })
      })
      const Note = McpServer.resource({ uri: "test://note", name: "note", read: Effect.succeed("a note") })
      const client = yield* traced(otlp.url, Layer.mergeAll(Refused, Explodes, Flaky, Note))
      assert.strictEqual((yield* failed(() => client.callTool({ name: "nope", arguments: {} })))?.code, -32602)
      assert.strictEqual((yield* failed(() => client.callTool({ name: "refused", arguments: {} })))?.code, 403)
      assert.strictEqual((yield* failed(() => client.getPrompt({ name: "explodes" })))?.code, -32603)
      assert.strictEqual((yield* failed(() => client.readResource({ uri: "test://none" })))?.code, -32002)
      assert.strictEqual((yield* failed(() => client.request({ method: "made/up", params: {} } as never, EmptyResultSchema)))?.code, -32601)
      const flaky = yield* sdk(() => client.callTool({ name: "flaky", arguments: {} }))
      assert.isTrue(flaky.isError)
      const names = ["tools/call nope", "tools/call refused", "prompts/get explodes", "resources/read", "tools/call flaky", "made/up"]
      const span = (name: string) =>
        otlp.spans.find((s) => s.name === name || (name === "resources/read" && s.name.startsWith("resources/read")))
      // Metrics are the process's: the other tests' series are exported too.
      const point = (name: string) =>
        otlp.durationAttributes.find((a) =>
          (a["gen_ai.tool.name"] ?? a["gen_ai.prompt.name"] ?? a["mcp.method.name"]) === name &&
          (a["error.type"] !== undefined || a["rpc.response.status_code"] !== undefined)
        )
      const targets = ["nope", "refused", "explodes", "flaky", "resources/read"]
      yield* until(() => names.every((name) => span(name) !== undefined) && targets.every((t) => point(t) !== undefined))

      // name, error.type, rpc.response.status_code, an ERROR status
      const expected: ReadonlyArray<readonly [string, string | undefined, string | undefined, boolean]> = [
        ["tools/call nope", undefined, "-32602", false],
        ["tools/call refused", "403", "403", true],
        ["prompts/get explodes", "-32603", "-32603", true],
        ["resources/read", undefined, "-32002", false],
        ["made/up", undefined, "-32601", false],
        ["tools/call flaky", "tool_error", undefined, true]
      ]
      for (const [name, errorType, statusCode, error] of expected) assertOutcome(span(name)!, name, errorType, statusCode, error)
      assert.strictEqual(point("refused")!["error.type"], "403")
      assert.strictEqual(point("refused")!["rpc.response.status_code"], "403")
      assert.strictEqual(point("explodes")!["error.type"], "-32603")
      assert.strictEqual(point("flaky")!["error.type"], "tool_error")
      assert.isUndefined(point("flaky")!["rpc.response.status_code"])
      for (const [target, code] of [["nope", "-32602"], ["resources/read", "-32002"]] as const) {
        assert.isUndefined(point(target)!["error.type"], target)
        assert.strictEqual(point(target)!["rpc.response.status_code"], code, target)
      }
    }))

  it.live("a cancelled request's span has error.type cancelled and the ERROR status", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const started = yield* Deferred.make<void>()
      const Waits = McpServer.tool({
        name: "waits",
        description: "Waits until cancelled",
        parameters: {},
        handler: () => Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
      })
      const client = yield* traced(otlp.url, Waits)
      const abort = new AbortController()
      const call = client.callTool({ name: "waits", arguments: {} }, undefined, { signal: abort.signal }).then(() => "answered", () => "aborted")
      yield* Deferred.await(started)
      abort.abort()
      assert.strictEqual(yield* Effect.promise(() => call), "aborted")
      yield* until(() => otlp.spans.some((s) => s.name === "tools/call waits"))

      const span = otlp.spans.find((s) => s.name === "tools/call waits")!
      assert.strictEqual(attribute(span, "error.type"), "cancelled")
      assert.isUndefined(attribute(span, "rpc.response.status_code"), "no answer, so no code")
      assert.strictEqual(span.status?.code, 2, "STATUS_CODE_ERROR (it was UNSET)")
    }))

  it.live("a resource's URI is an attribute of its span, not in the span's name nor the metric's series (high cardinality)", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Note = McpServer.resource({ uri: "test://note/1", name: "note", read: Effect.succeed("a note") })
      const client = yield* traced(otlp.url, Note)
      const read = yield* sdk(() => client.readResource({ uri: "test://note/1" }))
      assert.strictEqual((read.contents[0] as { text: string }).text, "a note")
      const readSpan = () => otlp.spans.find((s) => attribute(s, "mcp.method.name") === "resources/read")
      // Metrics are the process's: the other tests' series are exported too.
      const point = () =>
        otlp.durationAttributes.find((a) => a["mcp.method.name"] === "resources/read" && a["error.type"] === undefined && a["rpc.response.status_code"] === undefined)
      yield* until(() => readSpan() !== undefined && point() !== undefined)

      assert.strictEqual(readSpan()!.name, "resources/read")
      assert.strictEqual(attribute(readSpan()!, "mcp.resource.uri"), "test://note/1")
      assert.deepStrictEqual(
        point(),
        { "mcp.method.name": "resources/read", "mcp.protocol.version": "2025-11-25", "network.transport": "pipe" },
        "the URI is opt-in for the metric"
      )
    }))

  it.live("mcp.server.session.count counts the sessions of every server in the process, each with its own Telemetry.middleware()", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Ping = McpServer.tool({ name: "ping2", description: "Answers", parameters: {}, handler: () => Effect.succeed("pong") })
      // Two servers, each with a middleware of its own (as a program serving two transports builds them).
      const first = yield* traced(otlp.url, Ping, McpServer.middleware(Telemetry.middleware()))
      const second = yield* traced(otlp.url, Ping, McpServer.middleware(Telemetry.middleware()))
      yield* sdk(() => first.callTool({ name: "ping2", arguments: {} }))
      yield* sdk(() => second.callTool({ name: "ping2", arguments: {} }))
      // The gauge is one for the process: the count of the second export from now.
      const seen = otlp.sessionCounts.length
      yield* until(() => otlp.sessionCounts.length >= seen + 2)
      assert.isAtLeast(otlp.sessionCounts.length, seen + 2, "the gauge is exported")
      assert.strictEqual(otlp.sessionCounts[otlp.sessionCounts.length - 1], 2, "both servers' sessions")
    }))

  it.live("over Streamable HTTP: the span's parent is _meta's traceparent, linked to the HTTP server span; without it, the HTTP server span", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Echo = McpServer.tool({ name: "echo", description: "Echoes", parameters: {}, handler: () => Effect.succeed("echo") })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Echo, Telemetry.layer), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const metaTrace = "11111111111111111111111111111111"
      const metaSpan = "1111111111111111"
      const headerTrace = "22222222222222222222222222222222"
      const headerSpan = "2222222222222222"
      /** A 2026-07-28 tools/call of `echo` (its id), with a traceparent in the HTTP headers and maybe in `_meta`. */
      const call = (id: number, withMeta: boolean) =>
        Effect.promise(() =>
          fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": "tools/call",
              "mcp-name": "echo",
              traceparent: `00-${headerTrace}-${headerSpan}-01`
            },
            body: JSON.stringify({
              jsonrpc: "2.0",
              id,
              method: "tools/call",
              params: {
                name: "echo",
                arguments: {},
                _meta: {
                  ...(withMeta ? { traceparent: `00-${metaTrace}-${metaSpan}-01` } : {}),
                  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
                }
              }
            })
          }).then((response) => response.status)
        )
      assert.strictEqual(yield* call(1, true), 200)
      assert.strictEqual(yield* call(2, false), 200)
      const mcpSpans = () => otlp.spans.filter((s) => s.name === "tools/call echo")
      const httpSpans = () => otlp.spans.filter((s) => s.kind === 2 && s.name !== "tools/call echo" && s.parentSpanId === headerSpan)
      yield* until(() => mcpSpans().length >= 2 && httpSpans().length >= 2)

      const fromMeta = mcpSpans().find((s) => s.traceId === metaTrace)!
      assert.isDefined(fromMeta, "_meta's trace is continued")
      assert.strictEqual(fromMeta.parentSpanId, metaSpan)
      assert.strictEqual(fromMeta.links?.length, 1, "linked to the HTTP server span")
      const linked = httpSpans().find((s) => s.spanId === fromMeta.links![0]!.spanId)
      assert.isDefined(linked, "the link is to an HTTP server span the router made")
      assert.strictEqual(fromMeta.links![0]!.traceId, headerTrace)

      const fromHttp = mcpSpans().find((s) => s.traceId !== metaTrace)!
      assert.strictEqual(fromHttp.traceId, headerTrace)
      const parent = httpSpans().find((s) => s.spanId === fromHttp.parentSpanId)
      assert.isDefined(parent, "the HTTP server span (itself the header's traceparent's child) is the parent")
      assert.notStrictEqual(parent!.spanId, linked!.spanId, "each request's own HTTP span")

      // The 2025-11-25 transport (sessions): the same.
      const client = new Client({ name: "c", version: "1" })
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { traceparent: `00-${headerTrace}-${headerSpan}-01` } }
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(transport)), () => Effect.promise(() => client.close()))
      yield* sdk(() => client.callTool({ name: "echo", arguments: {}, _meta: { traceparent: `00-${metaTrace}-${metaSpan}-01` } }))
      yield* sdk(() => client.callTool({ name: "echo", arguments: {} }))
      yield* until(() => mcpSpans().length >= 4)
      const [withMeta, withoutMeta] = mcpSpans().filter((s) => attribute(s, "mcp.protocol.version") === "2025-11-25")
        .sort((a, b) => (a.traceId === metaTrace ? 0 : 1) - (b.traceId === metaTrace ? 0 : 1))
      assert.strictEqual(withMeta!.parentSpanId, metaSpan)
      // An HTTP server span ends (and is exported) after its response is written, so after the
      // MCP span inside it: wait for both POSTs' before looking for them.
      yield* until(() =>
        httpSpans().some((s) => s.spanId === withMeta!.links?.[0]?.spanId) &&
        httpSpans().some((s) => s.spanId === withoutMeta!.parentSpanId)
      )
      assert.isDefined(httpSpans().find((s) => s.spanId === withMeta!.links?.[0]?.spanId), "linked to its POST's HTTP server span")
      assert.isDefined(httpSpans().find((s) => s.spanId === withoutMeta!.parentSpanId), "a child of its POST's HTTP server span")
    }), 20_000)

  // Fails before: with the HTTP tracer off, the span current where the request was served is the
  // program's own (here `program`), which became the parent of every MCP span, hiding the header's.
  it.live("over Streamable HTTP with its tracer off, inside a span of the program's: the HTTP traceparent is the parent", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Echo = McpServer.tool({ name: "echo2", description: "Echoes", parameters: {}, handler: () => Effect.succeed("echo") })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "traced", version: "1" }, Layer.mergeAll(Echo, Telemetry.layer), StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.withSpan("program"),
          Effect.provideService(HttpMiddleware.TracerDisabledWhen, () => true),
          Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced", exportIntervalMillis: 100 }))
        )
      )
      const headerTrace = "33333333333333333333333333333333"
      const headerSpan = "3333333333333333"
      const status = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": "echo2",
            traceparent: `00-${headerTrace}-${headerSpan}-01`
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: {
              name: "echo2",
              arguments: {},
              _meta: {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
              }
            }
          })
        }).then((response) => response.status)
      )
      assert.strictEqual(status, 200)
      yield* until(() => otlp.spans.some((s) => s.name === "tools/call echo2"))
      const span = otlp.spans.find((s) => s.name === "tools/call echo2")!
      assert.deepStrictEqual([span.traceId, span.parentSpanId], [headerTrace, headerSpan])
      assert.isUndefined(span.links?.[0], "no link: there is no HTTP server span")
    }), 20_000)

  describe("fromEnvironment and the standard OpenTelemetry variables", () => {
    const Ping = McpServer.tool({ name: "ping3", description: "Answers", parameters: {}, handler: () => Effect.succeed("pong") })
    /** Serves `Ping` with what `fromEnvironment` gives for `environment`, in memory; one call. */
    const serveFrom = (environment: Record<string, string>) =>
      Effect.gen(function*() {
        const telemetry = Telemetry.fromEnvironment("given-name", environment)
        const pair = InMemory.makePair()
        yield* Effect.forkScoped(
          McpServer.serve({ name: "env", version: "1" }, Layer.mergeAll(Ping, telemetry.components), pair.server).pipe(
            Effect.provide(telemetry.exporter)
          )
        )
        const client = new Client({ name: "c", version: "1" })
        yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
        yield* sdk(() => client.callTool({ name: "ping3", arguments: {} }))
      })

    it.live("OTEL_SERVICE_NAME names the service, OTEL_RESOURCE_ATTRIBUTES are the resource's, OTEL_EXPORTER_OTLP_HEADERS go with each export", () =>
      Effect.gen(function*() {
        const otlp = yield* receiver
        yield* serveFrom({
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_SERVICE_NAME: "from-env",
          OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20t0ken , x-tenant=acme",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test,team=a%2Cb,service.name=not-this-one"
        })
        yield* until(() => otlp.spans.some((s) => s.name === "tools/call ping3"))
        assert.isTrue(otlp.spans.some((s) => s.name === "tools/call ping3"))
        const resource = otlp.resources[otlp.resources.length - 1]!
        assert.strictEqual(resource["service.name"], "from-env")
        assert.strictEqual(resource["deployment.environment"], "test")
        assert.strictEqual(resource.team, "a,b", "percent-decoded")
        const headers = otlp.headers[otlp.headers.length - 1]!
        assert.strictEqual(headers.authorization, "Bearer t0ken")
        assert.strictEqual(headers["x-tenant"], "acme")
      }))

    it.live("OTEL_SDK_DISABLED=true: nothing is traced, the endpoint set or not", () =>
      Effect.gen(function*() {
        const otlp = yield* receiver
        yield* serveFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SDK_DISABLED: "TRUE" })
        // Past the export interval (1 s), twice over: an enabled exporter would have sent the span.
        yield* Effect.sleep("2200 millis")
        assert.deepStrictEqual(otlp.spans.map((s) => s.name), [])
      }))

    it("a variable that does not parse is a TelemetryConfigError naming it", () => {
      const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
      const cases: ReadonlyArray<readonly [Record<string, string>, string, string]> = [
        [{ OTEL_SDK_DISABLED: "yes" }, "OTEL_SDK_DISABLED", "must be true or false"],
        [{ OTEL_EXPORTER_OTLP_HEADERS: "authorization" }, "OTEL_EXPORTER_OTLP_HEADERS", "key=value"],
        [{ OTEL_EXPORTER_OTLP_HEADERS: "api-key=%ZZ" }, "OTEL_EXPORTER_OTLP_HEADERS", "percent-encoded"],
        [{ OTEL_EXPORTER_OTLP_HEADERS: "bad name=x" }, "OTEL_EXPORTER_OTLP_HEADERS", "not a header name"],
        [{ OTEL_EXPORTER_OTLP_HEADERS: "x=a%0Ab" }, "OTEL_EXPORTER_OTLP_HEADERS", "line break"],
        [{ OTEL_RESOURCE_ATTRIBUTES: "team=%E0%A4%A" }, "OTEL_RESOURCE_ATTRIBUTES", "percent-encoded"],
        [{ OTEL_RESOURCE_ATTRIBUTES: "=x" }, "OTEL_RESOURCE_ATTRIBUTES", "key=value"]
      ]
      for (const [variables, variable, problem] of cases) {
        let thrown: unknown
        try {
          Telemetry.fromEnvironment("svc", { ...endpoint, ...variables })
        } catch (error) {
          thrown = error
        }
        assert.instanceOf(thrown, Telemetry.TelemetryConfigError, JSON.stringify(variables))
        const error = thrown as Telemetry.TelemetryConfigError
        assert.strictEqual(error.variable, variable)
        assert.isTrue(error.message.startsWith(`${variable} `), error.message)
        assert.include(error.message, problem)
      }
      // Disabled, the other variables are not read; without an endpoint, nothing is.
      assert.doesNotThrow(() => Telemetry.fromEnvironment("svc", { ...endpoint, OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_HEADERS: "x" }))
      assert.doesNotThrow(() => Telemetry.fromEnvironment("svc", { OTEL_EXPORTER_OTLP_HEADERS: "x" }))
    })

    it("an OTEL_EXPORTER_OTLP_ENDPOINT that is not an http(s) URL is a TelemetryConfigError (the exporter failed every export silently)", () => {
      for (const value of ["127.0.0.1:4318", "collector:4318", "not a url", "ftp://collector"]) {
        let thrown: unknown
        try {
          Telemetry.fromEnvironment("svc", { OTEL_EXPORTER_OTLP_ENDPOINT: value })
        } catch (error) {
          thrown = error
        }
        assert.instanceOf(thrown, Telemetry.TelemetryConfigError, value)
        const error = thrown as Telemetry.TelemetryConfigError
        assert.strictEqual(error.variable, "OTEL_EXPORTER_OTLP_ENDPOINT")
        assert.strictEqual(error.message, `OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (OTLP/HTTP), got ${JSON.stringify(value)}`)
        // Given in code, the same mistake throws too, naming the option.
        assert.throws(() => Telemetry.otlp({ url: value, serviceName: "svc" }), /Telemetry\.otlp: url must be an http:\/\/ or https:\/\/ URL/)
      }
      assert.doesNotThrow(() => Telemetry.fromEnvironment("svc", { OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example:4318/" }))
      // Disabled, the endpoint is not read.
      assert.doesNotThrow(() => Telemetry.fromEnvironment("svc", { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318", OTEL_SDK_DISABLED: "true" }))
    })
  })
})
