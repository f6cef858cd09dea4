/**
 * Names and URIs of prompts, resources and resource templates, as tool names are checked
 * (test/server/ToolNames.test.ts). A prompt is got by its name, so an empty one (or one that is not
 * a string, in untyped code) fails the registration; MCP gives prompt names no naming rule (only
 * "unique identifier"), so no other name is warned of. Every resource has a name (an empty one
 * names nothing, and it is what clients show when there is no title) and a URI, which MCP requires
 * to be an RFC 3986 URI (`format: uri` in the schema): one without a scheme (`notes/today.md`,
 * empty) is not one, clients that check it (the Python SDK's `AnyUrl`) refuse the whole
 * `resources/list` page it is on, and the TypeScript SDK's own server cannot read it (`new URL`
 * throws). A template whose URIs can never have a scheme (its literal start has none) likewise.
 * Before, all of these were registered without a word. Valid ones, a scheme in a template's
 * variable among them, reach the SDK v1 and v2 clients.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { InMemory, McpServer } from "../../src/index.ts"
import { sdk, serveAndConnect, startServer, using } from "./McpServerHarness.ts"

/** Casts for values no type checked (untyped code). */
const untyped = <A>(value: unknown): A => value as A

const read = Effect.succeed("text")
const prompt = (name: string) => McpServer.prompt({ name, handler: () => Effect.succeed(name) })
const resource = (uri: string, name = "r") => McpServer.resource({ uri, name, read })
const template = (uriTemplate: string, name = "t") => McpServer.resourceTemplate({ uriTemplate, name, read: () => read })

/** The text of a registration's failure (a defect of the Layer's build, or of `add*`). */
const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "the registration must fail")
    return Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
  })

/** A component Layer no client can use, and what its registration must fail with. */
const refused: ReadonlyArray<readonly [Layer.Layer<never, never, McpServer.McpServer>, string]> = [
  [prompt(""), "Prompt: name must not be empty"],
  [prompt(untyped(7)), "Prompt: name must be a string, not 7"],
  [prompt(untyped(undefined)), "Prompt: name must be a string, not undefined"],
  [resource("x://a", ""), "Resource x://a: name must not be empty"],
  [resource("notes/today.md", "today"), `Resource today: uri must be a URI that starts with its scheme (RFC 3986, as MCP requires: file:///notes/today.md, notes://today), not "notes/today.md"`],
  [resource("", "blank"), `Resource blank: uri must be a URI that starts with its scheme`],
  [resource("//host/a", "relative"), `not "//host/a"`],
  [resource("1x://a", "digit"), `not "1x://a"`],
  [template("x://t/{id}", ""), "Resource template x://t/{id}: name must not be empty"],
  [template("notes/{day}.md", "days"), `Resource template days: uriTemplate must give URIs that start with their scheme (RFC 3986, as MCP requires: file:///notes/{day}.md, notes://{day}), not "notes/{day}.md"`],
  [template("/files{/path*}", "root"), `not "/files{/path*}"`],
  [template("{/path*}", "segments"), `not "{/path*}"`],
  [template("", "empty"), `Resource template empty: uriTemplate must give URIs that start with their scheme`]
]

describe("prompt names, resource names and URIs", () => {
  it.live("a component no client can use fails the registration, naming it and what is wrong (Layers)", () =>
    Effect.gen(function*() {
      for (const [layer, message] of refused) {
        const text = yield* failureOf(Effect.scoped(startServer({}, layer)))
        assert.include(text, message)
      }
    }))

  it.live("added while the server runs: refused the same way, and nothing is registered", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      const cases: ReadonlyArray<readonly [Effect.Effect<void, never, McpServer.McpServer>, string]> = [
        [McpServer.addPrompt({ name: "", handler: () => Effect.succeed("") }), "Prompt: name must not be empty"],
        [McpServer.addResource({ uri: "today.md", name: "today", read }), `Resource today: uri must be a URI that starts with its scheme`],
        [McpServer.addResource({ uri: "x://a", name: "", read }), "Resource x://a: name must not be empty"],
        [McpServer.addResourceTemplate({ uriTemplate: "days/{day}", name: "days", read: () => read }), `Resource template days: uriTemplate must give URIs`]
      ]
      for (const [add, message] of cases) assert.include(yield* failureOf(using(server, add)), message)
      assert.strictEqual(server.prompts.size, 0)
      assert.strictEqual(server.resources.size, 0)
      assert.strictEqual(server.templates.size, 0)
    }))

  it.live("valid names and URIs are served, without a warning, and both SDK clients take the lists", () =>
    Effect.gen(function*() {
      const warnings: Array<string> = []
      const Capture = Logger.layer([
        Logger.make((options) => {
          if (options.logLevel === "Warn") warnings.push(String(options.message))
        })
      ])
      const valid = Layer.mergeAll(
        // No naming rule for prompts: spaces, slashes and long names are served as they are.
        prompt("review code"),
        prompt("team/standup,ä"),
        prompt("p".repeat(200)),
        resource("file:///notes/today.md"),
        resource("urn:isbn:0451450523", "book"),
        resource("C:notes", "one-letter scheme"),
        resource("app+v2.x-y://config", "scheme characters"),
        template("notes://{day}"),
        template("{scheme}://host/{path}", "scheme in a variable"),
        template("x{rest}", "scheme partly in a variable")
      )
      const { client, server } = yield* serveAndConnect(valid).pipe(Effect.provide(Capture))
      assert.deepStrictEqual(warnings, [])
      assert.strictEqual(server.prompts.size, 3)
      const prompts = yield* sdk(() => client.listPrompts())
      assert.includeMembers(prompts.prompts.map((p) => p.name), ["review code", "team/standup,ä"])
      const got = yield* sdk(() => client.getPrompt({ name: "review code" }))
      assert.deepStrictEqual(got.messages, [{ role: "user", content: { type: "text", text: "review code" } }])
      const resources = yield* sdk(() => client.listResources())
      assert.strictEqual(resources.resources.length, 4)
      const templates = yield* sdk(() => client.listResourceTemplates())
      assert.strictEqual(templates.resourceTemplates.length, 3)
      // The SDK v2 client takes them too.
      const v2 = new ClientV2({ name: "v2", version: "2" }, { capabilities: {} })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server))
      yield* Effect.acquireRelease(Effect.promise(() => v2.connect(pair.client as never)), () => Effect.promise(() => v2.close()))
      assert.strictEqual((yield* Effect.promise(() => v2.listResources())).resources.length, 4)
      assert.strictEqual((yield* Effect.promise(() => v2.listPrompts())).prompts.length, 3)
    }))
})
