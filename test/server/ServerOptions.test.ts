/**
 * `McpServer`'s options that are not numbers, given values no type checked (a module in
 * JavaScript, options from a configuration file, `as` casts), are refused when the server is
 * built: its Layer (and so `McpServer.serve`) dies with one `TypeError` naming the option and what
 * it takes, as the numeric options are refused with a `RangeError` (`McpServer.pagination.test.ts`,
 * `test/internal/options.test.ts`). Before, each was taken and broke later: `supportedVersions: 5`
 * failed every `initialize` (-32603), an unknown version was answered to clients, `name: ""` named
 * the server nothing. Valid values still reach the SDK v1 client. The CLI's side (`inspect`,
 * `run`): `test/cli/Errors.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { InMemory, McpServer, Middleware } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"
import { connect, sdk, startServer } from "./McpServerHarness.ts"

/** Options with one value no type checked. */
const given = (options: Record<string, unknown>): McpServer.Options => ({ name: "s", version: "1", ...options }) as McpServer.Options

const versions = "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05"

/** Options and the message their build must die with. */
const refused: ReadonlyArray<readonly [McpServer.Options, string]> = [
  [undefined as unknown as McpServer.Options, "McpServer: options must be an object (at least { name, version }), not undefined"],
  [given({ name: "" }), "McpServer: name must name the server, not \"\""],
  [given({ name: "  " }), "McpServer: name must name the server, not \"  \""],
  [given({ name: 5 }), "McpServer: name must be a string, not 5"],
  [given({ version: 1 }), "McpServer: version must be a string, not 1"],
  [given({ title: 1 }), "McpServer: title must be a string, not 1"],
  [given({ instructions: ["be brief"] }), "McpServer: instructions must be a string, not an array"],
  [given({ websiteUrl: null }), "McpServer: websiteUrl must be a string, not null"],
  [given({ icons: "icon.png" }), "McpServer: icons must be an array, not a string"],
  [given({ icons: [{ src: 1 }] }), "McpServer: icons[0].src must be a string, not 1"],
  [given({ icons: [{ src: "x.png", theme: "blue" }] }), "McpServer: icons[0].theme must be \"light\" or \"dark\", not a string"],
  [given({ maskErrors: "false" }), "McpServer: maskErrors must be true or false, not \"false\""],
  [given({ dereferenceSchemas: "false" }), "McpServer: dereferenceSchemas must be true or false, not \"false\""],
  [given({ logging: 0 }), "McpServer: logging must be true or false, not 0"],
  [given({ capabilities: true }), "McpServer: capabilities must be an object of booleans: { tools?, resources?, prompts? }, not a boolean"],
  [given({ capabilities: { tool: true } }), "McpServer: capabilities must be an object of booleans: { tools?, resources?, prompts? }; \"tool\" is none of them"],
  [given({ capabilities: { tools: { listChanged: true } } }), "McpServer: capabilities.tools must be true or false, not an object ([object Object])"],
  [given({ middleware: Middleware.make("m", {}) }), "McpServer: middleware must be an array of middleware (Middleware.make(name, hooks)), not an object"],
  [given({ middleware: [McpServer.middleware()] }), "McpServer: middleware[0] must be a middleware (Middleware.make(name, hooks); a middleware Layer goes with the components)"],
  // The function that makes one, not called (`Logging.middleware`): taken, it did nothing.
  [given({ middleware: [() => Middleware.make("m", {})] }), "McpServer: middleware[0] must be a middleware (Middleware.make(name, hooks)), not a function: call the one that makes it"],
  [given({ supportedVersions: 5 }), `McpServer: supportedVersions must be an array of the protocol versions served among ${versions}, newest first (2026-07-28 is served whatever it says; [] serves it alone), not 5`],
  [given({ supportedVersions: "2025-11-25" }), "McpServer: supportedVersions must be an array"],
  [given({ supportedVersions: ["2025-11-25", "2025-11-05"] }), `McpServer: supportedVersions[1] must be one of ${versions} (2026-07-28 is served whatever supportedVersions says), not "2025-11-05"`],
  [given({ supportedVersions: ["2026-07-28"] }), "McpServer: supportedVersions[0] must be one of"],
  [given({ supportedVersions: ["2024-11-05", "2025-11-25"] }), "McpServer: supportedVersions must be newest first, each version once, not [\"2024-11-05\", \"2025-11-25\"]"],
  [given({ supportedVersions: ["2025-06-18", "2025-06-18"] }), "McpServer: supportedVersions must be newest first, each version once"],
  [given({ unsupportedVersion: "never" }), "McpServer: unsupportedVersion must be \"latest\" or \"reject\", not \"never\""],
  [given({ requestState: "secret" }), "McpServer: requestState must be an object: { keys?, ttlMillis? }, not \"secret\""],
  [given({ requestState: { keys: "a".repeat(32) } }), "McpServer: requestState.keys must be an array of keys (strings or Uint8Arrays), not \"aaaa"]
]

describe("McpServer options that are not what they take", () => {
  it.effect("are refused when the server is built: a TypeError naming the option and what it takes", () =>
    Effect.gen(function*() {
      for (const [options, message] of refused) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer(options))))
        assert.isTrue(Exit.isFailure(exit), message)
        if (Exit.isFailure(exit)) {
          const error = Cause.squash(exit.cause)
          assert.instanceOf(error, TypeError, message)
          assert.include(String((error as Error).message), message.slice("McpServer: ".length), message)
          assert.isTrue((error as Error).message.startsWith("McpServer: "), (error as Error).message)
        }
      }
    }))

  it.effect("McpServer.serve dies with it before serving (not at the first request)", () =>
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      // No client: a server that served would end with its input (a success).
      yield* Effect.promise(() => pair.client.close())
      const exit = yield* Effect.exit(McpServer.serve(given({ supportedVersions: 5 }), Layer.empty, pair.server))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(Cause.squash(exit.cause)), "TypeError: McpServer: supportedVersions must be")
    }))

  // Failed before: -32602 with `data.supported: []`, naming no version, where a server of modern
  // versions alone SHOULD name them in the error it answers `initialize` with (legacy clients have
  // no fall-forward), as the SDK v2 server's modern-only endpoint does (-32022).
  it.effect("supportedVersions: [] is a server of 2026-07-28 alone: it builds, refuses initialize (-32022 naming 2026-07-28), serves 2026-07-28", () =>
    Effect.scoped(Effect.gen(function*() {
      const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echoed") })
      const options = given({ supportedVersions: [] })
      for (const protocolVersion of ["2025-11-25", "2026-07-28", "1999-01-01"]) {
        for (const unsupportedVersion of ["latest", "reject"] as const) {
          const legacy = yield* serveInMemory({ ...options, unsupportedVersion }, Echo)
          const refused = yield* legacy.request("initialize", {
            protocolVersion,
            capabilities: {},
            clientInfo: { name: "old", version: "1" }
          })
          assert.strictEqual(refused.error?.code, -32022, JSON.stringify(refused))
          assert.deepStrictEqual(refused.error?.data, { supported: ["2026-07-28"], requested: protocolVersion })
          assert.include(refused.error?.message, `Unsupported protocol version: ${protocolVersion}`)
        }
      }
      // The SDK v1 client is told which versions there are to retry with.
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve(options, Echo, pair.server))
      const client = new Client({ name: "old", version: "1" })
      const error: any = yield* Effect.flip(sdk(() => client.connect(pair.client as never)))
      assert.deepStrictEqual([error.code, error.data?.supported], [-32022, ["2026-07-28"]])
      const modern = yield* serveInMemory(options, Echo)
      const answer = yield* modern.request("tools/call", {
        name: "echo",
        arguments: {},
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "new", version: "1" }
        }
      })
      assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "echoed" }], JSON.stringify(answer))
    })))

  it.effect("valid values are taken, and reach the SDK v1 client", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* startServer({
        name: "described",
        version: "",
        title: "Described",
        websiteUrl: "https://example.com",
        instructions: "Be brief",
        icons: [{ src: "https://example.com/i.png", sizes: ["48x48"], theme: "dark" }],
        maskErrors: false,
        logging: false,
        capabilities: { tools: true, prompts: false },
        middleware: [Middleware.make("m", {})],
        supportedVersions: ["2025-11-25", "2025-03-26"],
        unsupportedVersion: "latest",
        requestState: { keys: ["k".repeat(32), new Uint8Array(32)], ttlMillis: 60_000 }
      })
      const { client } = yield* connect(server)
      assert.deepStrictEqual(client.getServerVersion(), {
        name: "described",
        version: "",
        title: "Described",
        websiteUrl: "https://example.com",
        icons: [{ src: "https://example.com/i.png", sizes: ["48x48"], theme: "dark" }]
      })
      assert.strictEqual(client.getInstructions(), "Be brief")
      assert.deepStrictEqual(Object.keys(client.getServerCapabilities() ?? {}).sort(), ["tools"])
      assert.deepStrictEqual(yield* sdk(() => client.listTools()), { tools: [] })
    })))
})
