/**
 * Telemetry of MCP 2026-07-28 over a connection of its own (in memory, as over stdio), as a real
 * OTLP/HTTP receiver sees it: that era has no MCP sessions, so its requests' spans carry no
 * `mcp.session.id` and the connection is no session in `mcp.server.session.count` /
 * `mcp.server.session.duration`, as over Streamable HTTP; a 2025 session over such a connection is
 * one (from its `initialize`). In a file of its own: the session gauge is the process's.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InMemory, McpServer } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { attribute, receiver, until } from "./otlpReceiver.ts"

const modernMeta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
}

describe("Telemetry of a 2026-07-28 connection", () => {
  // Fails before the fix: a 2026-07-28 request in memory (or over stdio) carried the connection's
  // id as `mcp.session.id` (over HTTP it carries none), and the connection was counted as a
  // session: 2 on the gauge, and a duration series without a protocol version.
  it.live("its requests carry no mcp.session.id and it counts as no session; a 2025 session on a connection of its own does", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Tool = McpServer.tool({ name: "lives", description: "Answers", parameters: {}, handler: () => Effect.succeed("yes") })
      const served = Layer.mergeAll(Tool, Telemetry.layer)
      // One exporter for the test, exporting after the connections' servers end.
      const exporter = yield* Layer.build(Telemetry.otlp({ url: otlp.url, serviceName: "connections", exportIntervalMillis: 100 }))
      /** A connection to its own session of the server; `send` answers with the answer to a request. */
      const connect = Effect.gen(function*() {
        const pair = InMemory.makePair()
        yield* Effect.forkScoped(McpServer.serve({ name: "s", version: "1" }, served, pair.server).pipe(Effect.provide(exporter)))
        const answers = new Map<unknown, (message: unknown) => void>()
        pair.client.onmessage = (message: any) => answers.get(message.id)?.(message)
        const send = (message: { readonly id?: string; readonly method: string; readonly params?: object }) =>
          Effect.promise(() =>
            new Promise<any>((resolve) => {
              if (message.id !== undefined) answers.set(message.id, resolve)
              void pair.client.send({ jsonrpc: "2.0", ...message } as never).then(() => message.id === undefined && resolve(undefined))
            })
          )
        return { send, close: Effect.promise(() => pair.client.close()) }
      })
      const modern = yield* connect
      const answer = yield* modern.send({ id: "modern", method: "tools/call", params: { name: "lives", arguments: {}, _meta: modernMeta } })
      assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "yes" }])
      const legacy = yield* connect
      const initialized = yield* legacy.send({
        id: "init",
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } }
      })
      assert.strictEqual(initialized.result?.protocolVersion, "2025-11-25")
      yield* legacy.send({ method: "notifications/initialized" })
      assert.deepStrictEqual((yield* legacy.send({ id: "legacy", method: "tools/call", params: { name: "lives", arguments: {} } })).result?.content, [{
        type: "text",
        text: "yes"
      }])

      const spanOf = (id: string) => otlp.spans.find((span) => attribute(span, "jsonrpc.request.id") === id)
      yield* until(() => spanOf("modern") !== undefined && spanOf("legacy") !== undefined)
      assert.isUndefined(attribute(spanOf("modern")!, "mcp.session.id"), "a 2026-07-28 request has no session")
      assert.isString(attribute(spanOf("legacy")!, "mcp.session.id"), "a 2025 session is one")

      // Both connections open: one session (the second export from now: the first may have been under way).
      const seen = otlp.sessionCounts.length
      yield* until(() => otlp.sessionCounts.length >= seen + 2)
      assert.strictEqual(otlp.sessionCounts.at(-1), 1)

      yield* modern.close
      yield* legacy.close
      const series = () =>
        [...new Set(otlp.sessionDurationAttributes.map((a) => `${a["mcp.protocol.version"]} ${a["network.transport"] ?? "-"} ${a["network.protocol.name"] ?? "-"}`))]
      yield* until(() => series().length > 0)
      // Then what two exports more bring (the first may have been under way).
      const after = otlp.sessionCounts.length
      yield* until(() => otlp.sessionCounts.length >= after + 2)
      assert.isAtLeast(otlp.sessionCounts.length, after + 2, "the metrics are exported")
      assert.deepStrictEqual(series(), ["2025-11-25 - -"], "no network.transport on a session's series (the conventions')")
      assert.strictEqual(otlp.sessionCounts.at(-1), 0)
    }), 20_000)
})
