/**
 * `LowLevelServer.make`'s options given values no type checked (a module in JavaScript, `as` casts,
 * a misspelt method): `make` throws one `TypeError` naming the option and what it takes, as
 * `McpServer`'s build does (`ServerOptions.test.ts`). Before, each was taken and broke later or
 * never: a handler under a misspelt method registered nothing (every call -32601), a handler that
 * is not a function failed each call (-32603), `serverInfo` without a name answered `initialize`
 * with a result the SDK clients refuse.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { Extension, InMemory, Middleware } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"

/** Options with one value no type checked. */
const given = (options: Record<string, unknown>): LowLevelServer.Options =>
  ({ serverInfo: { name: "s", version: "1" }, handlers: {}, ...options }) as LowLevelServer.Options

const call = () => Exit.succeed({ content: [{ type: "text" as const, text: "called" }] })

/** Options and the message `make` must throw. */
const refused: ReadonlyArray<readonly [LowLevelServer.Options, string]> = [
  [undefined as unknown as LowLevelServer.Options, "LowLevelServer.make: options must be an object (at least { serverInfo, handlers }), not undefined"],
  [given({ serverInfo: undefined }), "LowLevelServer.make: serverInfo must be an object: { name, version, title?, ... }, not undefined"],
  [given({ serverInfo: { name: " ", version: "1" } }), "LowLevelServer.make: serverInfo.name must name the server, not \" \""],
  [given({ serverInfo: { name: "s", version: 1 } }), "LowLevelServer.make: serverInfo.version must be a string, not 1"],
  [given({ serverInfo: { name: "s", version: "1", title: 2 } }), "LowLevelServer.make: serverInfo.title must be a string, not 2"],
  [given({ serverInfo: { name: "s", version: "1", icons: [{}] } }), "LowLevelServer.make: serverInfo: icons[0].src must be a string, not undefined"],
  [given({ instructions: 1 }), "LowLevelServer.make: instructions must be a string, not 1"],
  [given({ handlers: undefined }), "LowLevelServer.make: handlers must be an object of handlers by method, not undefined"],
  [given({ handlers: { "tool/call": call } }), "LowLevelServer.make: handlers[\"tool/call\"] is no method of MCP: it takes a client request (an extension's go in extensions, MCP 2026-07-28's in modernMethods)"],
  [given({ handlers: { "server/discover": call } }), "LowLevelServer.make: handlers[\"server/discover\"] is no method of MCP"],
  [given({ handlers: { "tools/call": "call" } }), "LowLevelServer.make: handlers[\"tools/call\"] must be a function, not \"call\""],
  [given({ notificationHandlers: { "notifications/roots/listChanged": call } }), "LowLevelServer.make: notificationHandlers[\"notifications/roots/listChanged\"] is no method of MCP: it takes a client notification"],
  [given({ taskRequests: ["tools/call", "tool/call"] }), "LowLevelServer.make: taskRequests[1] must be a client request method (\"tools/call\"), not \"tool/call\""],
  [given({ listChanged: { tool: true } }), "LowLevelServer.make: listChanged must be an object of booleans: { tools?, resources?, prompts? }; \"tool\" is none of them"],
  [given({ listChanged: { tools: "yes" } }), "LowLevelServer.make: listChanged.tools must be true or false, not \"yes\""],
  [given({ experimental: { feature: true } }), "LowLevelServer.make: experimental[\"feature\"] must be an object, not a boolean"],
  [given({ logging: "false" }), "LowLevelServer.make: logging must be true or false, not \"false\""],
  [given({ middleware: [{}] }), "LowLevelServer.make: middleware[0] must be a middleware"],
  [given({ supportedVersions: ["2025-11-05"] }), "LowLevelServer.make: supportedVersions[0] must be one of"],
  [given({ unsupportedVersion: "never" }), "LowLevelServer.make: unsupportedVersion must be \"latest\" or \"reject\", not \"never\""],
  [given({ requestState: { keys: 5 } }), "LowLevelServer.make: requestState.keys must be an array of keys"],
  [given({ extensions: [{ name: "x" }] }), "LowLevelServer.make: extensions[0] must be an extension (Extension.make(...))"],
  [given({ modernMethods: { "x/y": { handler: "h" } } }), "LowLevelServer.make: modernMethods[\"x/y\"] must be a method: { params, handler }"],
  [given({ latest: {} }), "LowLevelServer.make: latest must be a function"]
]

describe("LowLevelServer.make options that are not what they take", () => {
  it("throw a TypeError naming the option and what it takes", () => {
    for (const [options, message] of refused) {
      let thrown: unknown
      try {
        LowLevelServer.make(options)
      } catch (error) {
        thrown = error
      }
      assert.instanceOf(thrown, TypeError, message)
      assert.isTrue(String((thrown as Error).message).startsWith(message), `${(thrown as Error).message}\n  expected: ${message}`)
    }
  })

  it.effect("valid values are taken: the server serves its handlers", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = LowLevelServer.make({
        serverInfo: { name: "s", version: "1", title: "S", icons: [{ src: "https://example.com/i.png" }] },
        instructions: "Be brief",
        handlers: { "tools/call": call, "tools/list": () => Exit.succeed({ tools: [] }), "prompts/list": undefined },
        notificationHandlers: { "notifications/roots/list_changed": () => Effect.void },
        taskRequests: ["tools/call"],
        listChanged: { tools: true },
        experimental: { feature: {} },
        logging: true,
        middleware: [Middleware.make("m", {})],
        supportedVersions: ["2025-11-25"],
        unsupportedVersion: "reject",
        requestState: { keys: ["k".repeat(32)], ttlMillis: 60_000 },
        extensions: [Extension.make({ id: "com.example/x" })],
        latest: () => server
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server))
      const { request } = requestsOver(pair.client)
      const init = yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "c", version: "1" }
      })
      assert.deepStrictEqual(init.result?.serverInfo, { name: "s", version: "1", title: "S", icons: [{ src: "https://example.com/i.png" }] })
      const answer = yield* request("tools/call", { name: "any", arguments: {} })
      assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "called" }], JSON.stringify(answer))
    })))
})
