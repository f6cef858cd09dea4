/**
 * McpServer changes at run time, with SDK v1 clients connected: adding, replacing, removing,
 * disabling and enabling components; coalesced `list_changed` notifications; no stale
 * notifications for sessions opened after a change; Layer-scoped registrations.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { InMemory, McpServer } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"
import { components, type Connected, connect, sdk, sdkError, type Server, settle, startServer, using } from "./McpServerHarness.ts"

const echo = (name: string) =>
  ({
    name,
    parameters: { text: Schema.String },
    handler: ({ text }: { readonly text: string }) => Effect.succeed(`${name}:${text}`)
  }) as const

const toolsChanged = (client: Connected) => client.notifications("notifications/tools/list_changed").length
const promptsChanged = (client: Connected) => client.notifications("notifications/prompts/list_changed").length
const resourcesChanged = (client: Connected) => client.notifications("notifications/resources/list_changed").length

const toolNames = (client: Connected) => Effect.map(sdk(() => client.client.listTools()), (r) => r.tools.map((t) => t.name))

/** Waits for the `count`-th notification with `method`, then a little longer for any extra one. */
const awaitNotifications = (client: Connected, method: string, count: number) =>
  Effect.andThen(
    Effect.promise(() => client.waitFor(() => client.notifications(method).length >= count)),
    settle(80)
  )

describe("McpServer run-time changes", () => {
  it.live("adding, removing, disabling and enabling tools: tools/list follows, one list_changed each", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.tool(echo("a")))
      const client = yield* connect(server)
      assert.deepStrictEqual(yield* toolNames(client), ["a"])
      assert.strictEqual(toolsChanged(client), 0)

      yield* using(server, McpServer.addTool(echo("b")))
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      assert.strictEqual(toolsChanged(client), 1)
      assert.deepStrictEqual(yield* toolNames(client), ["a", "b"])
      const b = yield* sdk(() => client.client.callTool({ name: "b", arguments: { text: "x" } }))
      assert.deepStrictEqual(b.content, [{ type: "text", text: "b:x" }])

      assert.isTrue(yield* using(server, McpServer.setEnabled("tool", "a", false)))
      yield* awaitNotifications(client, "notifications/tools/list_changed", 2)
      assert.strictEqual(toolsChanged(client), 2)
      assert.deepStrictEqual(yield* toolNames(client), ["b"])
      const disabled = yield* sdkError(() => client.client.callTool({ name: "a", arguments: { text: "x" } }))
      assert.strictEqual(disabled.code, -32602)

      // Enabling again restores its place in the list.
      assert.isTrue(yield* using(server, McpServer.setEnabled("tool", "a", true)))
      yield* awaitNotifications(client, "notifications/tools/list_changed", 3)
      assert.deepStrictEqual(yield* toolNames(client), ["a", "b"])
      const a = yield* sdk(() => client.client.callTool({ name: "a", arguments: { text: "y" } }))
      assert.deepStrictEqual(a.content, [{ type: "text", text: "a:y" }])

      assert.isTrue(yield* using(server, McpServer.remove("tool", "b")))
      yield* awaitNotifications(client, "notifications/tools/list_changed", 4)
      assert.strictEqual(toolsChanged(client), 4)
      assert.deepStrictEqual(yield* toolNames(client), ["a"])
      const removed = yield* sdkError(() => client.client.callTool({ name: "b", arguments: { text: "x" } }))
      assert.strictEqual(removed.code, -32602)
    }))

  it.live("no-op changes (missing keys, enabling an enabled tool) return false or change nothing and announce nothing", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.tool(echo("a")))
      const client = yield* connect(server)
      assert.isFalse(yield* using(server, McpServer.remove("tool", "nope")))
      assert.isFalse(yield* using(server, McpServer.setEnabled("tool", "nope", false)))
      assert.isTrue(yield* using(server, McpServer.setEnabled("tool", "a", true)))
      assert.isFalse(yield* using(server, McpServer.remove("prompt", "a")))
      yield* settle(80)
      assert.strictEqual(toolsChanged(client), 0)
      assert.deepStrictEqual(yield* toolNames(client), ["a"])
    }))

  it.live("several changes in one go produce exactly one notification", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.tool(echo("a")))
      const client = yield* connect(server)
      yield* using(
        server,
        Effect.all([
          McpServer.addTool(echo("b")),
          McpServer.addTool(echo("c")),
          McpServer.addTool(echo("d")),
          McpServer.remove("tool", "c"),
          McpServer.setEnabled("tool", "a", false)
        ])
      )
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      yield* settle(100)
      assert.strictEqual(toolsChanged(client), 1)
      assert.deepStrictEqual(yield* toolNames(client), ["b", "d"])
    }))

  it.live("changes of several kinds in one go give one notification per kind", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool(echo("a")),
          McpServer.prompt({ name: "p", handler: () => Effect.succeed("p") }),
          McpServer.resource({ uri: "test://r", name: "r", read: Effect.succeed("r") }),
          McpServer.resourceTemplate({ uriTemplate: "test://t/{x}", name: "t", read: () => Effect.succeed("t") })
        )
      )
      const client = yield* connect(server)
      yield* using(
        server,
        Effect.all([
          McpServer.addTool(echo("b")),
          McpServer.addPrompt({ name: "q", handler: () => Effect.succeed("q") }),
          McpServer.addPrompt({ name: "s", handler: () => Effect.succeed("s") }),
          McpServer.addResource({ uri: "test://r2", name: "r2", read: Effect.succeed("r2") }),
          McpServer.remove("template", "test://t/{x}")
        ])
      )
      yield* awaitNotifications(client, "notifications/resources/list_changed", 1)
      yield* awaitNotifications(client, "notifications/prompts/list_changed", 1)
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      yield* settle(100)
      assert.strictEqual(toolsChanged(client), 1)
      assert.strictEqual(promptsChanged(client), 1)
      assert.strictEqual(resourcesChanged(client), 1)
      const prompts = yield* sdk(() => client.client.listPrompts())
      assert.deepStrictEqual(prompts.prompts.map((p) => p.name), ["p", "q", "s"])
      const resources = yield* sdk(() => client.client.listResources())
      assert.deepStrictEqual(resources.resources.map((r) => r.uri), ["test://r", "test://r2"])
      const templates = yield* sdk(() => client.client.listResourceTemplates())
      assert.deepStrictEqual(templates.resourceTemplates, [])
      const read = yield* sdk(() => client.client.readResource({ uri: "test://r2" }))
      assert.deepStrictEqual(read.contents, [{ uri: "test://r2", text: "r2" }])
      const gone = yield* sdkError(() => client.client.readResource({ uri: "test://t/1" }))
      assert.strictEqual(gone.code, -32002)
    }))

  it.live("resources and templates added at run time are listed and read; removing a template stops its reads", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.resource({ uri: "test://r", name: "r", read: Effect.succeed("r") }))
      const client = yield* connect(server)
      yield* using(
        server,
        McpServer.addResourceTemplate({
          uriTemplate: "test://notes/{id}",
          name: "note",
          params: { id: Schema.FiniteFromString },
          list: Effect.succeed([{ uri: "test://notes/1", name: "note-1" }]),
          read: ({ id }) => Effect.succeed(`note ${id * 10}`)
        })
      )
      yield* awaitNotifications(client, "notifications/resources/list_changed", 1)
      const templates = yield* sdk(() => client.client.listResourceTemplates())
      assert.deepStrictEqual(templates.resourceTemplates, [{ uriTemplate: "test://notes/{id}", name: "note" }])
      const resources = yield* sdk(() => client.client.listResources())
      assert.deepStrictEqual(resources.resources.map((r) => r.uri), ["test://r", "test://notes/1"])
      const read = yield* sdk(() => client.client.readResource({ uri: "test://notes/4" }))
      assert.deepStrictEqual(read.contents, [{ uri: "test://notes/4", text: "note 40" }])

      assert.isTrue(yield* using(server, McpServer.setEnabled("template", "test://notes/{id}", false)))
      yield* awaitNotifications(client, "notifications/resources/list_changed", 2)
      const hidden = yield* sdkError(() => client.client.readResource({ uri: "test://notes/4" }))
      assert.strictEqual(hidden.code, -32002)
      assert.deepStrictEqual((yield* sdk(() => client.client.listResources())).resources.map((r) => r.uri), ["test://r"])

      assert.isTrue(yield* using(server, McpServer.remove("template", "test://notes/{id}")))
      assert.isTrue(yield* using(server, McpServer.remove("resource", "test://r")))
      yield* awaitNotifications(client, "notifications/resources/list_changed", 3)
      assert.strictEqual(resourcesChanged(client), 3)
      assert.deepStrictEqual((yield* sdk(() => client.client.listResources())).resources, [])
    }))

  // Regression (src/server/McpServer.ts before 3461ed1): changed kinds went through a
  // Queue.sliding(64), so a burst of more than 64 changes dropped the oldest kinds' notifications.
  it.live("a burst of more than 64 changes still announces every kind that changed", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool(echo("a")),
          McpServer.prompt({ name: "p", handler: () => Effect.succeed("p") })
        )
      )
      const client = yield* connect(server)
      yield* using(
        server,
        Effect.all([
          McpServer.addPrompt({ name: "q", handler: () => Effect.succeed("q") }),
          ...Array.from({ length: 100 }, (_, i) => McpServer.addTool(echo(`t${i}`)))
        ])
      )
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      yield* settle(100)
      assert.strictEqual(toolsChanged(client), 1)
      assert.strictEqual((yield* toolNames(client)).length, 101)
      // The prompt added first in the burst must be announced too.
      assert.strictEqual(promptsChanged(client), 1)
    }))

  it.live("replacing a tool (addTool with a taken name) serves the new definition, listed last", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.mergeAll(McpServer.tool(echo("a")), McpServer.tool(echo("b"))))
      const client = yield* connect(server)
      yield* using(
        server,
        McpServer.addTool({ name: "a", description: "v2", handler: () => Effect.succeed("a v2") })
      )
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      const { tools } = yield* sdk(() => client.client.listTools())
      assert.deepStrictEqual(tools.map((t) => [t.name, t.description]), [["b", undefined], ["a", "v2"]])
      const a = yield* sdk(() => client.client.callTool({ name: "a", arguments: {} }))
      assert.deepStrictEqual(a.content, [{ type: "text", text: "a v2" }])
    }))

  it.live("sessions opened after a change get no stale notification; later changes reach every session", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.tool(echo("a")))
      // A change before any session.
      yield* using(server, McpServer.addTool(echo("early")))
      yield* settle(30)
      const first = yield* connect(server, { name: "first" })
      yield* using(server, McpServer.addTool(echo("b")))
      yield* awaitNotifications(first, "notifications/tools/list_changed", 1)

      const second = yield* connect(server, { name: "second" })
      yield* settle(100)
      assert.strictEqual(toolsChanged(first), 1)
      assert.strictEqual(toolsChanged(second), 0)
      assert.deepStrictEqual(yield* toolNames(second), ["a", "early", "b"])

      yield* using(server, McpServer.remove("tool", "early"))
      yield* awaitNotifications(first, "notifications/tools/list_changed", 2)
      yield* awaitNotifications(second, "notifications/tools/list_changed", 1)
      assert.strictEqual(toolsChanged(first), 2)
      assert.strictEqual(toolsChanged(second), 1)
    }))

  it.live("a kind with nothing registered is served only when advertised by the capabilities option", () =>
    Effect.gen(function*() {
      const advertised = yield* startServer({ capabilities: { tools: true, prompts: true, resources: true } })
      const client = yield* connect(advertised)
      assert.deepStrictEqual(client.client.getServerCapabilities()?.tools, { listChanged: true })
      assert.deepStrictEqual(yield* toolNames(client), [])
      yield* using(advertised, McpServer.addTool(echo("late")))
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      assert.deepStrictEqual(yield* toolNames(client), ["late"])
      const late = yield* sdk(() => client.client.callTool({ name: "late", arguments: { text: "!" } }))
      assert.deepStrictEqual(late.content, [{ type: "text", text: "late:!" }])

      const bare = yield* startServer()
      const bareClient = yield* connect(bare)
      assert.isUndefined(bareClient.client.getServerCapabilities()?.tools)
      assert.isUndefined(bareClient.client.getServerCapabilities()?.prompts)
      assert.isUndefined(bareClient.client.getServerCapabilities()?.resources)
    }))

  it.live("a component Layer registers while its scope is open; closing it removes the component (not a replacement)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.tool(echo("a")))
      const client = yield* connect(server)
      const scope = yield* Scope.make()
      yield* using(server, Layer.buildWithScope(McpServer.tool(echo("scoped")), scope))
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      assert.deepStrictEqual(yield* toolNames(client), ["a", "scoped"])
      yield* Scope.close(scope, Exit.void)
      yield* awaitNotifications(client, "notifications/tools/list_changed", 2)
      assert.deepStrictEqual(yield* toolNames(client), ["a"])

      // The finalizer of a replaced registration leaves the replacement alone.
      const scope2 = yield* Scope.make()
      yield* using(server, Layer.buildWithScope(McpServer.tool(echo("shared")), scope2))
      yield* using(server, McpServer.addTool({ name: "shared", handler: () => Effect.succeed("replacement") }))
      yield* Scope.close(scope2, Exit.void)
      yield* settle(50)
      assert.deepStrictEqual(yield* toolNames(client), ["a", "shared"])
      const shared = yield* sdk(() => client.client.callTool({ name: "shared", arguments: {} }))
      assert.deepStrictEqual(shared.content, [{ type: "text", text: "replacement" }])
    }))

  // Fails before the fix: the listener that threw stopped the listeners after it and the sessions'
  // notices, and `addTool` died with its error.
  it.live("an onChange or onResourceUpdated listener that throws is logged (clipped, once); the other listeners, the sessions and the change go on", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const capture = Logger.layer([Logger.make((options) => {
        if (options.logLevel === "Error") logged.push(Logger.formatSimple.log(options))
      })])
      const server = yield* startServer({}, components([
        McpServer.tool(echo("a")),
        McpServer.resource({ uri: "test://r", name: "r", read: Effect.succeed("r") })
      ])).pipe(Effect.provide(capture))
      const client = yield* connect(server)
      yield* sdk(() => client.client.subscribeResource({ uri: "test://r" }))
      const heard: Array<string> = []
      server.onChange(() => {
        throw new Error(`listener broke ${"x".repeat(100_000)}`)
      })
      server.onChange((kind) => void heard.push(kind))
      server.onResourceUpdated(() => {
        throw new Error("update listener broke")
      })
      server.onResourceUpdated((uri) => void heard.push(uri))
      const added = yield* Effect.exit(using(server, McpServer.addTool(echo("b"))))
      assert.strictEqual(added._tag, "Success", "addTool goes on")
      const updated = yield* Effect.exit(using(server, McpServer.notifyResourceUpdated("test://r")))
      assert.strictEqual(updated._tag, "Success", "notifyResourceUpdated goes on")
      assert.deepStrictEqual(heard, ["tool", "test://r"])
      yield* awaitNotifications(client, "notifications/tools/list_changed", 1)
      yield* awaitNotifications(client, "notifications/resources/updated", 1)
      assert.deepStrictEqual(yield* toolNames(client), ["a", "b"])
      assert.strictEqual(logged.length, 2)
      assert.include(logged[0], "McpServer.onChange listener failed")
      assert.include(logged[0], "listener broke xxx")
      assert.isBelow(logged[0]!.length, 16_000, "the message is clipped")
      assert.include(logged[1], "McpServer.onResourceUpdated listener failed")
      assert.include(logged[1], "update listener broke")
    }))

  // New API (did not exist before: no way to announce a template's listed resources changing).
  it.live("notifyResourceListChanged: a template's listed resources changed reach 2025 sessions as one resources/list_changed, and onChange listeners", () =>
    Effect.gen(function*() {
      const names = ["a"]
      const Files = McpServer.resourceTemplate({
        uriTemplate: "files://{name}",
        name: "file",
        list: Effect.sync(() => names.map((name) => ({ uri: `files://${name}`, name }))),
        read: ({ name }) => Effect.succeed(`file ${name}`)
      })
      const server = yield* startServer({}, Files)
      const heard: Array<string> = []
      server.onChange((kind) => void heard.push(kind))
      const client = yield* connect(server)
      const listed = () => Effect.map(sdk(() => client.client.listResources()), (r) => r.resources.map((resource) => resource.uri))
      assert.deepStrictEqual(yield* listed(), ["files://a"])
      names.push("b")
      // Twice in one go: one notification.
      yield* using(server, Effect.andThen(McpServer.notifyResourceListChanged(), McpServer.notifyResourceListChanged()))
      yield* awaitNotifications(client, "notifications/resources/list_changed", 1)
      assert.strictEqual(resourcesChanged(client), 1)
      assert.deepStrictEqual(heard, ["resource", "resource"])
      assert.deepStrictEqual(yield* listed(), ["files://a", "files://b"])
      // A session opened after the announcement is not told of it.
      const later = yield* connect(server)
      yield* settle(80)
      assert.strictEqual(resourcesChanged(later), 0)
      assert.strictEqual(toolsChanged(client) + promptsChanged(client), 0)
    }))

  it.live("notifyResourceListChanged: a 2026-07-28 listen stream that asked for resourcesListChanged is told, one that did not is not", () =>
    Effect.gen(function*() {
      const names = ["a"]
      const Files = McpServer.resourceTemplate({
        uriTemplate: "files://{name}",
        name: "file",
        list: Effect.sync(() => names.map((name) => ({ uri: `files://${name}`, name })))
        ,
        read: ({ name }) => Effect.succeed(`file ${name}`)
      })
      const Grow = McpServer.tool({
        name: "grow",
        handler: () => Effect.as(Effect.andThen(Effect.sync(() => names.push("b")), McpServer.notifyResourceListChanged()), "grown")
      })
      const options = { protocolVersion: "2026-07-28" } as const
      const resourcesClient = yield* McpTestClient.make(Layer.mergeAll(Files, Grow), options)
      assert.deepStrictEqual(yield* resourcesClient.listen({ resourcesListChanged: true }), { resourcesListChanged: true })
      yield* resourcesClient.callTool("grow")
      yield* resourcesClient.waitFor("notifications/resources/list_changed")
      yield* settle(80)
      assert.strictEqual(resourcesClient.notifications.filter((n) => n.method === "notifications/resources/list_changed").length, 1)
      const listed = yield* resourcesClient.listResources
      assert.deepStrictEqual(listed.resources.map((resource) => resource.uri), ["files://a", "files://b"])

      const toolsClient = yield* McpTestClient.make(Layer.mergeAll(Files, Grow), options)
      assert.deepStrictEqual(yield* toolsClient.listen({ toolsListChanged: true }), { toolsListChanged: true })
      yield* toolsClient.callTool("grow")
      yield* settle(100)
      assert.deepStrictEqual(toolsClient.notifications.filter((n) => n.method.endsWith("list_changed")), [])
    }))

  // Fails before the fix: a listen stream was told of every change of a list, one notification
  // each (here 4, each a re-read of the list), where a 2025 session gets one per burst.
  it.live("2026-07-28: several changes in one go reach a listen stream as one list_changed, after which the list has them all", () =>
    Effect.gen(function*() {
      const Burst = McpServer.tool({
        name: "burst",
        handler: () =>
          Effect.as(
            Effect.all([
              McpServer.addTool(echo("b")),
              McpServer.addTool(echo("c")),
              McpServer.addTool(echo("d")),
              McpServer.setEnabled("tool", "a", false)
            ]),
            "changed"
          )
      })
      const client = yield* McpTestClient.make(Layer.mergeAll(McpServer.tool(echo("a")), Burst), { protocolVersion: "2026-07-28" })
      assert.deepStrictEqual(yield* client.listen({ toolsListChanged: true }), { toolsListChanged: true })
      yield* client.callTool("burst")
      yield* client.waitFor("notifications/tools/list_changed")
      yield* settle(100)
      const told = client.notifications.filter((n) => n.method === "notifications/tools/list_changed")
      assert.strictEqual(told.length, 1)
      const listed = (yield* client.listTools) as { readonly tools: ReadonlyArray<{ readonly name: string }> }
      assert.deepStrictEqual(listed.tools.map((tool) => tool.name), ["burst", "b", "c", "d"])
    }))

  it.live("2026-07-28 requests on a connection that started before: a kind added later is served and discovered", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.tool(echo("a")))
      const raw = yield* connectModern(server)
      const before = yield* raw.request("server/discover")
      assert.isUndefined(before.result.capabilities.prompts)
      yield* using(server, McpServer.addPrompt({ name: "late", handler: () => Effect.succeed("late prompt") }))
      const after = yield* raw.request("server/discover")
      assert.deepStrictEqual(after.result.capabilities.prompts, { listChanged: true })
      const got = yield* raw.request("prompts/get", { name: "late" })
      assert.deepStrictEqual(got.result.messages, [{ role: "user", content: { type: "text", text: "late prompt" } }])
    }))
})

/** A raw 2026-07-28 client on a connection of `server` (no initialize: every request carries its `_meta`). */
const connectModern = (server: Server) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server))
    const answers = new Map<unknown, (message: any) => void>()
    pair.client.onmessage = (message: any) => answers.get(message.id)?.(message)
    let next = 0
    const request = (method: string, params: Record<string, unknown> = {}) =>
      Effect.promise(() =>
        new Promise<any>((resolve) => {
          const id = ++next
          answers.set(id, resolve)
          void pair.client.send({
            jsonrpc: "2.0",
            id,
            method,
            params: {
              ...params,
              _meta: {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": { name: "modern", version: "1.0.0" }
              }
            }
          } as never)
        })
      )
    return { request }
  })
