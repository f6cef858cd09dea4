/**
 * Where and how telemetry is exported, against real OTLP/HTTP receivers on 127.0.0.1: the
 * per-signal endpoints (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `_METRICS_ENDPOINT`,
 * `_LOGS_ENDPOINT`) are used as they are, as the OpenTelemetry specification says (no
 * `/v1/traces` added), in place of `OTEL_EXPORTER_OTLP_ENDPOINT`'s for their signal;
 * `OTEL_EXPORTER_OTLP_PROTOCOL` (and per signal) chooses JSON or protobuf bodies; `grpc`, which
 * Effect's exporter does not speak, or any other value, is a `TelemetryConfigError` naming the
 * variable and the values it takes. Before, these variables were not read: spans went to the
 * generic endpoint's `/v1/traces` as JSON whatever they said, and a server given only a
 * per-signal endpoint exported nothing.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as OtlpExporter from "effect/observability/OtlpExporter"
import { InMemory, McpServer } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { sdk } from "../e2e/harness.ts"
import { receiver, until } from "./otlpReceiver.ts"

/** A tool that logs (for the logs signal) and answers. */
const Ping = McpServer.tool({
  name: "ping",
  description: "Answers",
  handler: () => Effect.as(Effect.logInfo("ping was called"), "pong")
})

/** Serves `Ping` with the telemetry middleware and `exporter`, in memory; one call through an SDK client. */
const serveWith = (components: Layer.Layer<never, never, McpServer.McpServer>, exporter: Layer.Layer<OtlpExporter.Flusher> | Layer.Layer<never>) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve({ name: "exported", version: "1" }, Layer.mergeAll(Ping, components), pair.server).pipe(
        Effect.provide(exporter)
      )
    )
    const client = new Client({ name: "c", version: "1" })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    yield* sdk(() => client.callTool({ name: "ping", arguments: {} }))
  })

/** `serveWith` what `fromEnvironment` gives for `environment`. */
const serveFrom = (environment: Record<string, string>) => {
  const telemetry = Telemetry.fromEnvironment("endpoints", environment)
  return serveWith(telemetry.components, telemetry.exporter)
}

/** What `fromEnvironment` throws for `environment`. */
const thrownBy = (environment: Record<string, string>): Telemetry.TelemetryConfigError => {
  let thrown: unknown
  try {
    Telemetry.fromEnvironment("svc", environment)
  } catch (error) {
    thrown = error
  }
  assert.instanceOf(thrown, Telemetry.TelemetryConfigError, JSON.stringify(environment))
  return thrown as Telemetry.TelemetryConfigError
}

describe("Telemetry endpoints and protocols", () => {
  it.live("a per-signal endpoint is the signal's URL as it is; the others go under OTEL_EXPORTER_OTLP_ENDPOINT's path", () =>
    Effect.gen(function*() {
      const traces = yield* receiver
      const metrics = yield* receiver
      const base = yield* receiver
      yield* serveFrom({
        OTEL_EXPORTER_OTLP_ENDPOINT: `${base.url}/otlp`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${traces.url}/custom/spans`,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${metrics.url}/m?tenant=a`
      })
      yield* until(() =>
        traces.exports.some((e) => e.spanNames.includes("tools/call ping")) &&
        metrics.exports.some((e) => e.metricNames.includes("mcp.server.operation.duration")) &&
        base.exports.some((e) => e.logBodies.includes("ping was called"))
      )
      assert.deepStrictEqual([...new Set(traces.exports.map((e) => e.path))], ["/custom/spans"])
      assert.isTrue(traces.exports.some((e) => e.spanNames.includes("tools/call ping")))
      assert.deepStrictEqual([...new Set(metrics.exports.map((e) => e.path))], ["/m?tenant=a"])
      assert.isTrue(metrics.exports.some((e) => e.metricNames.includes("mcp.server.operation.duration")))
      // The logs, without an endpoint of their own, go under the generic one's path.
      assert.deepStrictEqual([...new Set(base.exports.map((e) => e.path))], ["/otlp/v1/logs"])
      assert.isTrue(base.exports.some((e) => e.logBodies.includes("ping was called")))
      assert.isTrue([...traces.exports, ...metrics.exports, ...base.exports].every((e) => e.contentType.includes("json")))
    }), 20_000)

  it.live("a per-signal endpoint alone turns telemetry on, for that signal only", () =>
    Effect.gen(function*() {
      const traces = yield* receiver
      yield* serveFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${traces.url}/only-traces` })
      yield* until(() => traces.exports.some((e) => e.spanNames.includes("tools/call ping")))
      assert.isTrue(traces.exports.some((e) => e.spanNames.includes("tools/call ping")))
      assert.deepStrictEqual([...new Set(traces.exports.map((e) => e.path))], ["/only-traces"])
    }), 20_000)

  it.live("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: protobuf bodies; a per-signal protocol overrides it", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      yield* serveFrom({
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json"
      })
      yield* until(() =>
        otlp.exports.some((e) => e.path === "/v1/traces" && e.spanNames.includes("tools/call ping")) &&
        otlp.exports.some((e) => e.path === "/v1/metrics" && e.metricNames.includes("mcp.server.operation.duration")) &&
        otlp.exports.some((e) => e.path === "/v1/logs" && e.logBodies.includes("ping was called"))
      )
      const at = (path: string) => otlp.exports.filter((e) => e.path === path)
      assert.isTrue(at("/v1/traces").some((e) => e.spanNames.includes("tools/call ping")), "the span, decoded from protobuf")
      assert.isTrue(at("/v1/traces").every((e) => e.contentType === "application/x-protobuf"))
      assert.isTrue(at("/v1/logs").every((e) => e.contentType === "application/x-protobuf"))
      assert.isTrue(at("/v1/logs").some((e) => e.logBodies.includes("ping was called")), "the log, decoded from protobuf")
      assert.isTrue(at("/v1/metrics").every((e) => e.contentType.includes("application/json")))
    }), 20_000)

  it.live("Telemetry.otlp in code: protocol, and a signal's own URL used as it is", () =>
    Effect.gen(function*() {
      const base = yield* receiver
      const traces = yield* receiver
      yield* serveWith(
        Telemetry.layer,
        Telemetry.otlp({
          url: base.url,
          tracesUrl: `${traces.url}/t`,
          protocol: "http/protobuf",
          serviceName: "coded",
          exportIntervalMillis: 100
        })
      )
      yield* until(() =>
        traces.exports.some((e) => e.spanNames.includes("tools/call ping")) &&
        base.exports.some((e) => e.metricNames.includes("mcp.server.operation.duration"))
      )
      assert.deepStrictEqual([...new Set(traces.exports.map((e) => e.path))], ["/t"])
      assert.isTrue(traces.exports.every((e) => e.contentType === "application/x-protobuf"))
      assert.isTrue(base.exports.some((e) => e.path === "/v1/metrics" && e.contentType === "application/x-protobuf"))
      assert.isFalse(base.exports.some((e) => e.path === "/v1/traces"), "spans go to tracesUrl only")
      assert.throws(
        () => Telemetry.otlp({ url: base.url, protocol: "grpc" as never, serviceName: "x" }),
        `Telemetry.otlp: protocol must be "http/json" or "http/protobuf", got "grpc"`
      )
      assert.throws(
        () => Telemetry.otlp({ tracesUrl: "collector:4318", serviceName: "x" }),
        "Telemetry.otlp: tracesUrl must be an http:// or https:// URL"
      )
    }), 20_000)

  it("a protocol this server cannot export with (grpc) or that does not exist is a TelemetryConfigError naming the variable", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
    const grpc = thrownBy({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })
    assert.strictEqual(grpc.variable, "OTEL_EXPORTER_OTLP_PROTOCOL")
    assert.isTrue(grpc.message.startsWith(`OTEL_EXPORTER_OTLP_PROTOCOL is "grpc"`), grpc.message)
    assert.include(grpc.message, "use http/protobuf or http/json")
    const traces = thrownBy({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" })
    assert.strictEqual(traces.variable, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
    const unknown = thrownBy({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http" })
    assert.strictEqual(unknown.message, `OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json, got "http"`)
    // A per-signal endpoint that is not an http(s) URL, named.
    const bad = thrownBy({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "collector:4318" })
    assert.strictEqual(bad.variable, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
    // Disabled, or without any endpoint, the protocol is not read.
    assert.doesNotThrow(() => Telemetry.fromEnvironment("svc", { ...endpoint, OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }))
    assert.doesNotThrow(() => Telemetry.fromEnvironment("svc", { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }))
  })
})
