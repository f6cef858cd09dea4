/**
 * MCP 2026-07-28: a handler that asks the client for what the request did not declare
 * (`McpContext.elicit` without `elicitation`) gets `ClientCapabilityMissing`. The guides' handlers
 * make the client's failures defects (`Effect.orDie`), and prompts and resources may fail only
 * with `McpError`s (so they must): such a defect is still the request's missing capability, and
 * is answered -32021 with `data.requiredCapabilities` (the client may retry declaring it), by a
 * tool, a prompt and a resource alike, and not logged as the server's failure.
 *
 * Fails before: a prompt's and a resource's were -32603 "Internal error" (logged as failures:
 * "prompts/get failed ClientCapabilityMissing"), a tool's a masked `isError` "internal error"
 * result; the SDK v2 client could not tell what to declare. A 2025-11-25 session's tool gets the
 * tool error naming the capability, as when the tool lets the error out (it was masked and logged).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { ErrorMapping } from "../../src/middleware/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveOnAnyPort } from "../http/support.ts"

const ask = McpContext.elicit("Tone?", Schema.Struct({ tone: Schema.String })).pipe(
  Effect.map((answer) => (answer.action === "accept" ? answer.content.tone : "neutral")),
  Effect.orDie
)

const components = Layer.mergeAll(
  McpServer.tool({ name: "styled", handler: () => ask }),
  McpServer.prompt({ name: "styled", handler: () => Effect.map(ask, (tone) => `Write in a ${tone} tone.`) }),
  McpServer.resource({ uri: "style://tone", name: "tone", read: ask })
)

describe("ClientCapabilityMissing made a defect (Effect.orDie), 2026-07-28", () => {
  it.live("tool, prompt and resource: -32021 naming elicitation, nothing logged as a failure (SDK v2 client over HTTP)", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const keep = Logger.make((entry) => void logged.push(String(entry.message)))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "styles", version: "1" }, components, StreamableHttp.make({ host: "127.0.0.1", port })), { loggers: [keep] })
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "no-elicitation", version: "1" }, {
            capabilities: {},
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const failures = [
        yield* Effect.flip(sdk(() => client.callTool({ name: "styled", arguments: {} }))),
        yield* Effect.flip(sdk(() => client.getPrompt({ name: "styled", arguments: {} }))),
        yield* Effect.flip(sdk(() => client.readResource({ uri: "style://tone" })))
      ]
      for (const error of failures) {
        assert.strictEqual(error.code, -32021, error.message)
        assert.deepStrictEqual((error as { readonly data?: unknown }).data, { requiredCapabilities: { elicitation: {} } })
        assert.include(error.message, "elicitation")
      }
      assert.deepStrictEqual(logged.filter((line) => line.includes("failed")), [])
    }))

  // The prompt and the resource fail before: the masked -32603 "Internal error", logged as the
  // server's failure ("prompts/get failed"), while the tool beside them named the capability.
  // Under the built-in ErrorMapping too (fails before there: its masked -32603 "Internal error",
  // logged as the server's failure).
  for (const middleware of [undefined, [ErrorMapping.middleware()]]) {
    it.live(`2025-11-25 (SDK v1 client, no elicitation): the tool's answer is the tool error naming the capability, a prompt's and a resource's -32603 naming it; not logged${middleware === undefined ? "" : " (under ErrorMapping)"}`, () =>
      Effect.gen(function*() {
        const logged: Array<string> = []
        const keep = Logger.make((entry) => void logged.push(String(entry.message)))
        const { url } = yield* serveOnAnyPort((port) =>
          McpServer.serve({ name: "styles", version: "1", middleware }, components, StreamableHttp.make({ host: "127.0.0.1", port })), { loggers: [keep] })
        const client = yield* Effect.acquireRelease(
          Effect.gen(function*() {
            const client = new ClientV1({ name: "no-elicitation", version: "1" }, { capabilities: {} })
            yield* Effect.promise(() => client.connect(new TransportV1(new URL(url))))
            return client
          }),
          (client) => Effect.promise(() => client.close().catch(() => undefined))
        )
        const result = yield* sdk(() => client.callTool({ name: "styled", arguments: {} }))
        assert.isTrue(result.isError)
        assert.deepStrictEqual(result.content, [{
          type: "text",
          text: "The client did not declare the \"elicitation\" capability needed for elicitation/create"
        }])
        const failures = [
          yield* Effect.flip(sdk(() => client.getPrompt({ name: "styled", arguments: {} }))),
          yield* Effect.flip(sdk(() => client.readResource({ uri: "style://tone" })))
        ]
        for (const error of failures) {
          assert.strictEqual(error.code, -32603, error.message)
          assert.include(error.message, "The client did not declare the \"elicitation\" capability needed for elicitation/create")
        }
        assert.deepStrictEqual(logged.filter((line) => line.includes("failed")), [])
      }))
  }

  // Fails before: under the built-in ErrorMapping middleware (which maps every failure that is no
  // McpError) a prompt's and a resource's missing capability made a defect was the masked -32603
  // "Internal error", logged as the server's failure, where without it they answer -32021.
  it.live("under ErrorMapping too: a prompt's and a resource's -32021 naming elicitation, nothing logged (SDK v2 client over HTTP)", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const keep = Logger.make((entry) => void logged.push(String(entry.message)))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "styles", version: "1", middleware: [ErrorMapping.middleware()] },
          components,
          StreamableHttp.make({ host: "127.0.0.1", port })
        ), { loggers: [keep] })
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "no-elicitation", version: "1" }, {
            capabilities: {},
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const failures = [
        yield* Effect.flip(sdk(() => client.getPrompt({ name: "styled", arguments: {} }))),
        yield* Effect.flip(sdk(() => client.readResource({ uri: "style://tone" })))
      ]
      for (const error of failures) {
        assert.strictEqual(error.code, -32021, error.message)
        assert.deepStrictEqual((error as { readonly data?: unknown }).data, { requiredCapabilities: { elicitation: {} } })
      }
      assert.deepStrictEqual(logged.filter((line) => line.includes("failed")), [])
    }))
})
