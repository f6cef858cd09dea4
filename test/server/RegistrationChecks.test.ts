/**
 * The descriptive fields a component gives for the wire (`size`, `meta`, `annotations`, `icons`,
 * `execution`), where types are not checked: a value the wire does not allow fails the
 * registration when its Layer is built (or `McpServer.add*` is run), naming the component and the
 * field. Before, it was copied to the wire, and the SDK client refused the whole list it was on.
 * Valid fields reach the SDK v1 client, every list accepted.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import { sdk, serveAndConnect, startServer, using } from "./McpServerHarness.ts"

/** Casts for values no type checked (untyped code). */
const untyped = <A>(value: unknown): A => value as A

const read = Effect.succeed("text")

/** A component Layer with a bad field, and the message its registration must fail with. */
const bad: ReadonlyArray<readonly [Layer.Layer<never, never, McpServer.McpServer>, string]> = [
  [
    McpServer.resource({ uri: "x://nan", name: "nan", size: Number.NaN, read }),
    "Resource x://nan: size must be a whole number of bytes (0 or more), not NaN"
  ],
  [
    McpServer.resource({ uri: "x://negative", name: "negative", size: -1, read }),
    "Resource x://negative: size must be a whole number of bytes (0 or more), not -1"
  ],
  [
    McpServer.resource({ uri: "x://fraction", name: "fraction", size: 1.5, read }),
    "Resource x://fraction: size must be a whole number of bytes (0 or more), not 1.5"
  ],
  [
    McpServer.resource({ uri: "x://meta", name: "meta", meta: untyped(null), read }),
    "Resource x://meta: meta must be an object, not null"
  ],
  [
    McpServer.resource({ uri: "x://priority", name: "priority", annotations: { priority: 2 }, read }),
    "Resource x://priority: annotations.priority must be a number from 0 to 1, not 2"
  ],
  [
    McpServer.resource({ uri: "x://icon", name: "icon", icons: untyped([{ mimeType: "image/png" }]), read }),
    "Resource x://icon: icons[0].src must be a string, not undefined"
  ],
  [
    McpServer.resource({ uri: "x://mime", name: "mime", mimeType: untyped(7), read }),
    "Resource x://mime: mimeType must be a string, not 7"
  ],
  [
    McpServer.resourceTemplate({ uriTemplate: "x://t/{id}", name: "t", meta: untyped([]), read: () => read }),
    "Resource template x://t/{id}: meta must be an object, not an array"
  ],
  [
    McpServer.resourceTemplate({
      uriTemplate: "x://a/{id}",
      name: "a",
      annotations: untyped({ audience: "user" }),
      read: () => read
    }),
    `Resource template x://a/{id}: annotations.audience must be an array of "user" and "assistant", not a string`
  ],
  [
    McpServer.tool({ name: "meta_tool", meta: untyped(null), handler: () => Effect.succeed("") }),
    "Tool meta_tool: meta must be an object, not null"
  ],
  [
    McpServer.tool({ name: "hint_tool", annotations: untyped({ readOnlyHint: "yes" }), handler: () => Effect.succeed("") }),
    "Tool hint_tool: annotations.readOnlyHint must be a boolean, not a string"
  ],
  [
    McpServer.tool({ name: "icons_tool", icons: untyped("icon.png"), handler: () => Effect.succeed("") }),
    "Tool icons_tool: icons must be an array, not a string"
  ],
  [
    McpServer.tool({
      name: "task_tool",
      execution: untyped({ taskSupport: "sometimes" }),
      handler: () => Effect.succeed("")
    }),
    `Tool task_tool: execution.taskSupport must be "forbidden", "optional" or "required", not a string`
  ],
  [
    McpServer.prompt({ name: "meta_prompt", meta: untyped("m"), handler: () => Effect.succeed("") }),
    "Prompt meta_prompt: meta must be an object, not a string"
  ],
  [
    McpServer.prompt({ name: "title_prompt", title: untyped(5), handler: () => Effect.succeed("") }),
    "Prompt title_prompt: title must be a string, not 5"
  ],
  [
    McpServer.prompt({
      name: "theme_prompt",
      icons: untyped([{ src: "a.png", theme: "blue" }]),
      handler: () => Effect.succeed("")
    }),
    `Prompt theme_prompt: icons[0].theme must be "light" or "dark", not a string`
  ]
]

describe("McpServer registration checks of wire fields", () => {
  it.live("a definition with a field the wire does not allow fails the build, naming the component and the field", () =>
    Effect.gen(function*() {
      for (const [layer, message] of bad) {
        const exit = yield* Effect.exit(Effect.scoped(startServer({}, layer)))
        assert.isTrue(Exit.isFailure(exit), message)
        const text = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        assert.include(text, message)
      }
    }))

  it.live("added while the server runs: refused the same way, and nothing is registered", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      const exit = yield* Effect.exit(
        using(server, McpServer.addResource({ uri: "x://late", name: "late", size: Number.NaN, read }))
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "Resource x://late: size must be")
      assert.strictEqual(server.resources.size, 0)
    }))

  it.live("valid fields reach the SDK v1 client, and every list is accepted", () =>
    Effect.gen(function*() {
      const icons = [{ src: "https://example.com/a.png", mimeType: "image/png", sizes: ["48x48"], theme: "dark" as const }]
      const meta = { "example.com/k": 1 }
      const { client } = yield* serveAndConnect(Layer.mergeAll(
        McpServer.resource({
          uri: "x://empty",
          name: "empty",
          title: "Empty",
          mimeType: "text/plain",
          size: 0,
          icons,
          meta,
          annotations: { audience: ["user"], priority: 0.5, lastModified: "2025-01-01T00:00:00Z" },
          read
        }),
        McpServer.resourceTemplate({ uriTemplate: "x://t/{id}", name: "t", icons, meta, annotations: { priority: 1 }, read: () => read }),
        McpServer.tool({
          name: "t",
          parameters: { n: Schema.Number },
          annotations: { title: "T", readOnlyHint: true, openWorldHint: false },
          execution: { taskSupport: "forbidden" },
          icons,
          meta,
          handler: () => Effect.succeed("")
        }),
        McpServer.prompt({ name: "p", title: "P", description: "d", icons, meta, handler: () => Effect.succeed("") })
      ))
      const resources = yield* sdk(() => client.listResources())
      assert.strictEqual(resources.resources[0]!.size, 0)
      assert.deepStrictEqual(resources.resources[0]!._meta, meta)
      assert.deepStrictEqual(resources.resources[0]!.icons, icons)
      const templates = yield* sdk(() => client.listResourceTemplates())
      assert.deepStrictEqual(templates.resourceTemplates[0]!.annotations, { priority: 1 })
      const tools = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools.tools[0]!.annotations, { title: "T", readOnlyHint: true, openWorldHint: false })
      assert.deepStrictEqual(tools.tools[0]!.icons, icons)
      const prompts = yield* sdk(() => client.listPrompts())
      assert.deepStrictEqual(prompts.prompts[0]!._meta, meta)
    }))

  it.live("what a template's list answers at request time is checked too: a field clients refuse leaves its list out (logged), not a list the client refuses", () =>
    Effect.gen(function*() {
      let listed: ReadonlyArray<unknown> = []
      const { client } = yield* serveAndConnect(
        McpServer.resourceTemplate({
          uriTemplate: "x://t/{id}",
          name: "t",
          list: Effect.sync(() => untyped(listed)),
          read: () => read
        })
      )
      listed = [{ uri: "x://t/1", name: "one", size: 3 }]
      assert.deepStrictEqual((yield* sdk(() => client.listResources())).resources, [{ uri: "x://t/1", name: "one", size: 3 }])
      // Wrong but accepted by clients: not a failure at run time.
      listed = [{ uri: "x://t/1", name: "one", size: -1.5 }]
      assert.deepStrictEqual((yield* sdk(() => client.listResources())).resources, [{ uri: "x://t/1", name: "one", size: -1.5 }])
      // Computed where no type sees it: Number("abc") is NaN.
      for (const resource of [{ uri: "x://t/2", name: "two", size: Number("abc") }, { uri: "x://t/3", name: "three", _meta: null }, { uri: 3 }]) {
        listed = [{ uri: "x://t/1", name: "one" }, resource]
        // The template's list is left out (the others would be listed); it was -32603 before that.
        assert.deepStrictEqual((yield* sdk(() => client.listResources())).resources, [], JSON.stringify(resource))
      }
    }))
})
