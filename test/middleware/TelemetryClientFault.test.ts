/**
 * Telemetry classes a failed request by fault, as `Logging` does (`McpError.isClientFault`), not by
 * the code the client gets alone: the client's fault answered with a code the server's own failures
 * use too (a 2025-era client's missing capability, -32603 naming it; -32021 in MCP 2026-07-28) is
 * no error of the server's. Its span and duration series keep `rpc.response.status_code` as sent,
 * with no `error.type` and no ERROR status (the conventions leave a SERVER span's status unset for
 * the caller's error, and have instrumentations that know more of a request classify its code by
 * it). The same code from a defect of the server's, the client's fault beside it included, stays an
 * error. Seen by a real OTLP/HTTP receiver.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer, StreamableHttp, Tool } from "../../src/index.ts"
import { Telemetry } from "../../src/middleware/index.ts"
import { modern } from "../extensions/support.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"
import { assertOutcome, receiver, until } from "./otlpReceiver.ts"

const askName = Effect.as(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })), "asked")

/** A prompt may fail with `McpError`s only: it makes the client's missing capability a defect, as the guides do. */
const NeedsElicitation = McpServer.prompt({ name: "fault_needs_elicitation", handler: () => Effect.orDie(askName) })
/** A tool lets `ClientCapabilityMissing` through: -32021 in MCP 2026-07-28. */
const NeedsElicitationTool = McpServer.tool({
  name: "fault_needs_elicitation_tool",
  handler: () => Effect.catch(askName, (error) => error._tag === "ClientCapabilityMissing" ? Effect.fail(error) : Effect.succeed("no"))
})
/** The client's missing capability beside a branch that dies as it is stopped: the server's bug. */
const FaultAndDefect = McpServer.prompt({
  name: "fault_and_defect",
  handler: () =>
    Effect.flatMap(Deferred.make<void>(), (started) =>
      Effect.all([
        // Asked once the other branch waits (its finalizer in place): the two fail together.
        Effect.andThen(Deferred.await(started), Effect.andThen(Effect.yieldNow, Effect.orDie(askName))),
        Effect.andThen(Deferred.succeed(started, undefined), Effect.never).pipe(Effect.ensuring(Effect.die(new Error("a branch died"))))
      ], { concurrency: 2 })).pipe(Effect.as("never"))
})

/** A server with the middleware on an in-memory pair, exporting to `url`; raw requests over it. */
const traced = (url: string) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(
      McpServer.serve(
        { name: "traced", version: "1" },
        Layer.mergeAll(NeedsElicitation, NeedsElicitationTool, FaultAndDefect, Telemetry.layer),
        pair.server
      ).pipe(Effect.provide(Telemetry.otlp({ url, serviceName: "traced", exportIntervalMillis: 100 })))
    )
    return requestsOver(pair.client)
  })

describe("Telemetry classes a failure by fault", () => {
  // Fails before: the 2025-era -32603 and the 2026-07-28 -32021 had error.type and the ERROR status.
  it.live("the client's fault answered -32603 (2025-11-25) or -32021 (2026-07-28): rpc.response.status_code as sent, no error.type, no ERROR; a defect beside it stays an error", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      // A 2025-11-25 session whose client declared no elicitation.
      const legacy = yield* traced(otlp.url)
      yield* legacy.request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
      yield* legacy.notify("notifications/initialized")
      const missing = yield* legacy.request("prompts/get", { name: "fault_needs_elicitation" })
      assert.strictEqual(missing.error?.code, -32603, JSON.stringify(missing))
      assert.notStrictEqual(missing.error.message, "Internal error", "the client's fault, named")
      const both = yield* legacy.request("prompts/get", { name: "fault_and_defect" })
      assert.deepStrictEqual(both.error, { code: -32603, message: "Internal error" }, JSON.stringify(both))
      // MCP 2026-07-28: the request declares no elicitation.
      const modern = yield* traced(otlp.url)
      const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      const undeclared = yield* modern.request("tools/call", { name: "fault_needs_elicitation_tool", arguments: {}, _meta: meta })
      assert.strictEqual(undeclared.error?.code, -32021, JSON.stringify(undeclared))

      const names = ["prompts/get fault_needs_elicitation", "prompts/get fault_and_defect", "tools/call fault_needs_elicitation_tool"]
      const span = (name: string) => otlp.spans.find((s) => s.name === name)
      // Metrics are the process's: a series of these names with a code is this test's.
      const point = (target: string) =>
        otlp.durationAttributes.find((a) =>
          (a["gen_ai.tool.name"] ?? a["gen_ai.prompt.name"]) === target && a["rpc.response.status_code"] !== undefined
        )
      const targets = ["fault_needs_elicitation", "fault_and_defect", "fault_needs_elicitation_tool"]
      yield* until(() => names.every((name) => span(name) !== undefined) && targets.every((t) => point(t) !== undefined))

      // name, error.type, rpc.response.status_code, an ERROR status
      const expected: ReadonlyArray<readonly [string, string | undefined, string, boolean]> = [
        ["prompts/get fault_needs_elicitation", undefined, "-32603", false],
        ["tools/call fault_needs_elicitation_tool", undefined, "-32021", false],
        ["prompts/get fault_and_defect", "-32603", "-32603", true]
      ]
      for (const [name, errorType, statusCode, error] of expected) assertOutcome(span(name)!, name, errorType, statusCode, error)
      for (const [target, errorType, statusCode] of [
        ["fault_needs_elicitation", undefined, "-32603"],
        ["fault_needs_elicitation_tool", undefined, "-32021"],
        ["fault_and_defect", "-32603", "-32603"]
      ] as const) {
        assert.strictEqual(point(target)!["error.type"], errorType, target)
        assert.strictEqual(point(target)!["rpc.response.status_code"], statusCode, target)
      }
    }))

  // Fails before: error.type -32020 and the ERROR status, as a server's error. MCP 2026-07-28 gives
  // -32020 (a header that disagrees with the body, or is missing) HTTP 400, as -32021 and -32022:
  // the caller's malformed request, the analogue of an HTTP 4xx on a SERVER span.
  it.live("a 2026-07-28 header that disagrees with the body (-32020): rpc.response.status_code, no error.type, no ERROR", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const Routed = McpServer.tool({
        name: "header_routed",
        parameters: Tool.jsonSchema({
          type: "object",
          properties: { region: { type: "string", "x-mcp-header": "Region" } },
          required: ["region"]
        }),
        handler: () => Effect.succeed("routed")
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "traced-http", version: "1" },
          Layer.mergeAll(Routed, Telemetry.layer),
          StreamableHttp.make({ host: "127.0.0.1", port })
        ).pipe(Effect.provide(Telemetry.otlp({ url: otlp.url, serviceName: "traced-http", exportIntervalMillis: 100 })))
      )
      const refused = yield* Effect.promise(() =>
        modern(url, "tools/call", { name: "header_routed", arguments: { region: "eu" } }, { headers: { "mcp-param-region": "us" } })
      )
      assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020])
      const span = () => otlp.spans.find((s) => s.name === "tools/call header_routed")
      const point = () =>
        otlp.durationAttributes.find((a) => a["gen_ai.tool.name"] === "header_routed" && a["rpc.response.status_code"] !== undefined)
      yield* until(() => span() !== undefined && point() !== undefined)
      assertOutcome(span()!, "tools/call header_routed", undefined, "-32020", false)
      assert.strictEqual(point()!["rpc.response.status_code"], "-32020")
      assert.isUndefined(point()!["error.type"])
    }))
})
