/**
 * A client decides how often a request lacks a capability it did not declare (MCP 2026-07-28:
 * each request's own): the -32021 `MissingRequiredClientCapability` (and the
 * `ClientCapabilityMissing` a handler gets) is the client's, built without a stack trace, as the
 * framework's other protocol errors (`McpError.withoutStackTrace`: capturing it is most of their
 * cost). Fails before: `McpError.clientFault`'s and `missingClientCapability`'s (a tool's, a
 * prompt's under `ErrorMapping`), the low-level server's (URL elicitation not declared), and the
 * handler's `ClientCapabilityMissing` carried the frames of where they were built.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Extension, McpContext, McpError, McpServer, Middleware } from "../../src/index.ts"
import { ErrorMapping } from "../../src/middleware/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

/** A stack with at least one frame ("    at ..."). */
const hasFrames = (error: unknown): boolean => /\n\s+at /.test(String((error as { readonly stack?: unknown }).stack))

describe("client-caused missing capabilities are built without a stack trace (2026-07-28)", () => {
  it.live("a tool's, a prompt's (under ErrorMapping) and the low-level server's -32021, and the handler's ClientCapabilityMissing", () =>
    Effect.gen(function*() {
      const seen: Array<{ readonly method: string; readonly error: unknown }> = []
      const handlerSaw: Array<unknown> = []
      // Outermost: records the failures the request ends with.
      const capture = Middleware.make("capture", {
        onRequest: (request, _context, next) =>
          Effect.onExit(next(request), (exit) =>
            Effect.sync(() => {
              if (exit._tag === "Failure") {
                for (const reason of exit.cause.reasons) if (Cause.isFailReason(reason)) seen.push({ method: request.method, error: reason.error })
              }
            }))
      })
      const ask = McpContext.elicit("Tone?", Schema.Struct({ tone: Schema.String })).pipe(
        Effect.tapError((error) => Effect.sync(() => handlerSaw.push(error))),
        Effect.map((answer) => (answer.action === "accept" ? answer.content.tone : "neutral")),
        Effect.orDie
      )
      const components = Layer.mergeAll(
        McpServer.tool({ name: "styled", handler: () => ask }),
        McpServer.prompt({ name: "styled", handler: () => Effect.map(ask, (tone) => `Write ${tone}.`) }),
        McpServer.tool({
          name: "connect",
          handler: () =>
            Effect.fail(new McpError.UrlElicitationRequired({
              elicitations: [{ mode: "url", elicitationId: "a-1", url: "https://auth.example/start", message: "Sign in" }]
            }))
        }),
        McpServer.middleware(capture, ErrorMapping.middleware())
      )
      const { request } = yield* serveInMemory({ name: "nostack", version: "1" }, components)
      const meta = (capabilities: Record<string, unknown>) => ({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities
      })
      const tool = yield* request("tools/call", { name: "styled", arguments: {}, _meta: meta({}) })
      const prompt = yield* request("prompts/get", { name: "styled", _meta: meta({}) })
      const url = yield* request("tools/call", { name: "connect", arguments: {}, _meta: meta({ elicitation: { form: {} } }) })
      for (const answer of [tool, prompt, url]) assert.strictEqual(answer.error?.code, -32021, JSON.stringify(answer))
      const missing = seen.filter((entry) => entry.error instanceof McpError.MissingRequiredClientCapability)
      assert.deepStrictEqual(missing.map((entry) => entry.method), ["tools/call", "prompts/get", "tools/call"])
      for (const entry of missing) assert.isFalse(hasFrames(entry.error), String((entry.error as Error).stack))
      assert.strictEqual(handlerSaw.length, 2)
      for (const error of handlerSaw) {
        assert.strictEqual((error as { readonly _tag?: unknown })._tag, "ClientCapabilityMissing")
        assert.isFalse(hasFrames(error), String((error as Error).stack))
      }
    }))
  // Not covered above, and failed before: a 2025-era session's `ClientCapabilityMissing` (its
  // capabilities negotiated once, `ServerSession`'s), and `Extension.notDeclared`'s -32021 (the
  // refusal of a `subscriptions/listen` asking for `taskIds` without the tasks extension).
  it.live("a 2025-era handler's ClientCapabilityMissing, and Extension.notDeclared's -32021", () =>
    Effect.gen(function*() {
      const handlerSaw: Array<unknown> = []
      const ask = McpContext.elicit("Tone?", Schema.Struct({ tone: Schema.String })).pipe(
        Effect.tapError((error) => Effect.sync(() => handlerSaw.push(error))),
        Effect.map((answer) => (answer.action === "accept" ? answer.content.tone : "neutral")),
        Effect.orDie
      )
      const { notify, request } = yield* serveInMemory({ name: "nostack", version: "1" }, McpServer.tool({ name: "styled", handler: () => ask }))
      const init = yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
      assert.strictEqual(init.result?.protocolVersion, "2025-11-25", JSON.stringify(init))
      yield* notify("notifications/initialized")
      const tool = yield* request("tools/call", { name: "styled", arguments: {} })
      assert.isTrue(tool.result?.isError, JSON.stringify(tool))
      assert.strictEqual(handlerSaw.length, 1)
      assert.strictEqual((handlerSaw[0] as { readonly _tag?: unknown })._tag, "ClientCapabilityMissing")
      assert.isFalse(hasFrames(handlerSaw[0]), String((handlerSaw[0] as Error).stack))

      // `Extension.notDeclared` itself (listen's taskIds refusal calls it bare; the others wrapped it).
      const refusal = Extension.notDeclared("io.modelcontextprotocol/tasks")
      assert.strictEqual(McpError.codeOf(refusal), -32021)
      assert.isFalse(hasFrames(refusal), String(refusal.stack))
    }))
})
