/**
 * A prompt and a resource whose handler lets the client's invalid answer to a form through
 * (`McpContext.ElicitationInvalid`) answer -32602 saying what is wrong, as a tool does, whatever
 * the client and era: the SDK v1 client and the SDK v2 client at 2025-11-25, the SDK v2 client
 * pinned to 2026-07-28, over Streamable HTTP. The form's name field refuses "nobody" (a check no
 * JSON Schema says, so the clients send the answer).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"

const Name = Schema.Struct({ name: Schema.String.check(Schema.makeFilter((name: string) => name !== "nobody" || "someone, please")) })
const others = ["ClientCapabilityMissing", "ClientVersionUnsupported", "ClientRequestTimeout", "ClientRequestFailed", "ClientResultInvalid", "SessionClosed"] as const

const greeting = McpContext.elicit("Name?", Name).pipe(
  Effect.map((answer) => answer.action === "accept" ? `Hello, ${answer.content.name}` : answer.action),
  Effect.catchTag(others, (error) => Effect.succeed(error._tag))
)

const components = Layer.mergeAll(
  McpServer.prompt({ name: "greet", handler: () => greeting }),
  McpServer.resource({ uri: "memo://greeting", name: "greeting", read: greeting })
)

type Connected = {
  readonly getPrompt: () => Promise<unknown>
  readonly readResource: () => Promise<unknown>
  readonly close: () => Promise<void>
}

const answer = async () => ({ action: "accept" as const, content: { name: "nobody" } })

const v1 = async (url: string): Promise<Connected> => {
  const client = new ClientV1({ name: "v1", version: "1" }, { capabilities: { elicitation: {} } })
  client.setRequestHandler(ElicitRequestSchema, answer)
  await client.connect(new TransportV1(new URL(url)))
  return {
    getPrompt: () => client.getPrompt({ name: "greet" }),
    readResource: () => client.readResource({ uri: "memo://greeting" }),
    close: () => client.close()
  }
}

const v2 = (pin: boolean) => async (url: string): Promise<Connected> => {
  const client = new ClientV2({ name: "v2", version: "1" }, {
    capabilities: { elicitation: { form: {} } },
    ...(pin ? { versionNegotiation: { mode: { pin: "2026-07-28" } as never } } : {})
  })
  client.setRequestHandler("elicitation/create", answer)
  await client.connect(new TransportV2(new URL(url)))
  return {
    getPrompt: () => client.getPrompt({ name: "greet" }),
    readResource: () => client.readResource({ uri: "memo://greeting" }),
    close: () => client.close()
  }
}

describe("a prompt or a resource that lets the client's invalid answer through (SDK clients)", () => {
  // Fails before: -32603 "Internal error" (logged as the server's failure) from the prompt and the
  // resource, in every era, where a tool answered -32602.
  for (const [name, connect] of [["SDK v1, 2025-11-25", v1], ["SDK v2, 2025-11-25", v2(false)], ["SDK v2 pinned to 2026-07-28", v2(true)]] as const) {
    it.live(`${name}: -32602 naming what is wrong`, () =>
      Effect.gen(function*() {
        const { url } = yield* serveHttp({ name: "invalid", version: "1" }, components)
        const client = yield* Effect.acquireRelease(
          Effect.promise(() => connect(url)),
          (client) => Effect.promise(() => client.close().catch(() => undefined))
        )
        for (const [what, call] of [["prompt", client.getPrompt], ["resource", client.readResource]] as const) {
          const error = yield* Effect.flip(sdk(call))
          assert.strictEqual(error.code, -32602, `${what}: ${JSON.stringify(error)} ${error.message}`)
          assert.include(error.message, "someone, please", what)
        }
      }))
  }
})
