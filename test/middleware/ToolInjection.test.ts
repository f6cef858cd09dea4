/**
 * ToolInjection: tools served by a middleware, not the server's registry, with the SDK v1 client:
 * listed on the last page of `tools/list`, answered on `tools/call` (other names reach the
 * server), compiled like `McpServer.tool` (services, error rules), shadowing registered tools of
 * the same name, working on a server without tools of its own, and gone with their Layer.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { McpServer, Middleware, Tool } from "../../src/index.ts"
import * as ToolInjection from "../../src/middleware/builtin/ToolInjection.ts"
import { components, sdk, sdkError, startServer } from "../server/McpServerHarness.ts"
import { tryConnect } from "./contractHarness.ts"
import { fourWays } from "./fourWays.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

class Deployment extends Context.Service<Deployment, { readonly name: string }>()("test/ToolInjection/Deployment") {}

const textOf = (result: unknown): Array<string> =>
  ((result as { readonly content: ReadonlyArray<{ readonly text?: string }> }).content).map((block) => block.text ?? "")

const registered = (name: string, calls?: Array<string>) =>
  McpServer.tool({
    name,
    description: `registered ${name}`,
    handler: () =>
      Effect.sync(() => {
        calls?.push(name)
        return `registered ${name}`
      })
  })

const Status = ToolInjection.tool({
  name: "admin_status",
  description: "Deployment status",
  parameters: { verbose: Schema.optionalKey(Schema.Boolean) },
  handler: ({ verbose }) =>
    Effect.map(Effect.service(Deployment), (deployment) => verbose === true ? `${deployment.name}: all good` : "ok")
})

const Flush = ToolInjection.tool({
  name: "admin_flush",
  parameters: { count: Schema.Int },
  handler: ({ count }) => Effect.succeed(`flushed ${count}`)
})

const Admin = ToolInjection.layer(Status, Flush).pipe(Layer.provide(Layer.succeed(Deployment, { name: "eu-1" })))

describe("ToolInjection", () => {
  it.live("injected tools are listed after the registered ones and answered; other names reach the server", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const server = yield* startServer({}, components([registered("alpha", calls), registered("beta", calls), Admin]))
      const { client } = yield* tryConnect(server)
      const { tools, nextCursor } = yield* sdk(() => client.listTools())
      assert.isUndefined(nextCursor)
      assert.deepStrictEqual(tools.map((tool) => tool.name), ["alpha", "beta", "admin_status", "admin_flush"])
      const status = tools.find((tool) => tool.name === "admin_status")!
      assert.strictEqual(status.description, "Deployment status")
      assert.deepStrictEqual(status.inputSchema, { type: "object", properties: { verbose: { type: "boolean" } } })

      const verbose = yield* sdk(() => client.callTool({ name: "admin_status", arguments: { verbose: true } }))
      assert.deepStrictEqual(textOf(verbose), ["eu-1: all good"])
      const flushed = yield* sdk(() => client.callTool({ name: "admin_flush", arguments: { count: 3 } }))
      assert.deepStrictEqual(textOf(flushed), ["flushed 3"])
      const alpha = yield* sdk(() => client.callTool({ name: "alpha", arguments: {} }))
      assert.deepStrictEqual(textOf(alpha), ["registered alpha"])
      assert.deepStrictEqual(calls, ["alpha"])
      // Unknown names still get the server's answer.
      const unknown = yield* sdkError(() => client.callTool({ name: "nope", arguments: {} }))
      assert.strictEqual(unknown.code, -32602)
      // One page: a cursor is one nobody gave, as the server answers it (was: the first page again).
      const cursor = yield* sdkError(() => client.listTools({ cursor: "bogus" }))
      assert.strictEqual(cursor.code, -32602)
      assert.match(cursor.message, /Invalid cursor: bogus/)
      assert.include(unknown.message, "Unknown tool: nope")
    }))

  it.live("injected tools are not in the server's registry", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, components([registered("alpha"), Admin]))
      assert.deepStrictEqual(server.tools.list().map((entry) => entry.value.name), ["alpha"])
      assert.isUndefined(server.tools.get("admin_status"))
    }))

  it.live("with pagination they are appended to the last page only", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        { pageSize: 2 },
        components([registered("alpha"), registered("beta"), registered("gamma"), Admin])
      )
      const { client } = yield* tryConnect(server)
      const first = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(first.tools.map((tool) => tool.name), ["alpha", "beta"])
      assert.isString(first.nextCursor)
      const last = yield* sdk(() => client.listTools({ cursor: first.nextCursor! }))
      assert.deepStrictEqual(last.tools.map((tool) => tool.name), ["gamma", "admin_status", "admin_flush"])
      assert.isUndefined(last.nextCursor)
    }))

  it.live("they follow McpServer.tool's error rules (invalid arguments are a tool error from 2025-11-25 on)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, components([registered("alpha"), Admin]))
      const { client } = yield* tryConnect(server)
      const invalid = yield* sdk(() => client.callTool({ name: "admin_flush", arguments: { count: "many" } }))
      assert.isTrue(invalid.isError)
      assert.include(textOf(invalid)[0], "arguments for tool admin_flush")
    }))

  it.live("an injected tool shadows a registered tool of the same name (listed once, answered by the injected one)", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const Shadow = ToolInjection.layer({ name: "beta", description: "injected beta", handler: () => Effect.succeed("injected beta") })
      const server = yield* startServer({}, components([registered("alpha", calls), registered("beta", calls), Shadow]))
      const { client } = yield* tryConnect(server)
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools.map((tool) => [tool.name, tool.description]), [
        ["alpha", "registered alpha"],
        ["beta", "injected beta"]
      ])
      const beta = yield* sdk(() => client.callTool({ name: "beta", arguments: {} }))
      assert.deepStrictEqual(textOf(beta), ["injected beta"])
      assert.deepStrictEqual(calls, [])
    }))

  it.live("a server without tools of its own advertises tools and serves the injected ones", () =>
    Effect.gen(function*() {
      const Hello = McpServer.prompt({ name: "hello", handler: () => Effect.succeed("hello") })
      const server = yield* startServer({}, components([Hello, Admin]))
      const { client } = yield* tryConnect(server)
      assert.deepStrictEqual(client.getServerCapabilities()?.tools, {})
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools.map((tool) => tool.name), ["admin_status", "admin_flush"])
      const status = yield* sdk(() => client.callTool({ name: "admin_status", arguments: { verbose: true } }))
      assert.deepStrictEqual(textOf(status), ["eu-1: all good"])
      const unknown = yield* sdkError(() => client.callTool({ name: "nope", arguments: {} }))
      assert.strictEqual(unknown.code, -32602)
      // One page: a cursor is one nobody gave, as the server answers it (was: the first page again).
      const cursor = yield* sdkError(() => client.listTools({ cursor: "bogus" }))
      assert.strictEqual(cursor.code, -32602)
      assert.match(cursor.message, /Invalid cursor: bogus/)
      // Prompts are untouched.
      const { prompts } = yield* sdk(() => client.listPrompts())
      assert.deepStrictEqual(prompts.map((prompt) => prompt.name), ["hello"])
    }))

  for (const way of fourWays) {
    it.live(`a server without tools of its own advertises tools in either era (${way.name})`, () =>
      Effect.gen(function*() {
        const Hello = McpServer.prompt({ name: "hello", handler: () => Effect.succeed("hello") })
        const client = yield* way.connect(components([Hello, Admin]))
        // 2026-07-28: what `server/discover` says; it said no tools, as if the server had none.
        assert.deepStrictEqual(client.capabilities()?.["tools"], {})
        const { tools } = yield* Effect.promise(() => client.listTools())
        assert.deepStrictEqual(tools.map((tool: { readonly name: string }) => tool.name), ["admin_status", "admin_flush"])
      }))
  }

  it.live("an injected tool's execution is not listed: it never runs as a task", () =>
    Effect.gen(function*() {
      const Background = ToolInjection.layer({
        name: "background",
        execution: { taskSupport: "required" },
        handler: () => Effect.succeed("done inline")
      })
      const server = yield* startServer({}, components([registered("alpha"), Background]))
      const { client } = yield* tryConnect(server)
      const { tools } = yield* sdk(() => client.listTools())
      const background = tools.find((tool) => tool.name === "background")
      assert.isDefined(background)
      assert.isUndefined(background!.execution)
      const result = yield* sdk(() => client.callTool({ name: "background", arguments: {} }))
      assert.deepStrictEqual(textOf(result), ["done inline"])
    }))

  it.live("a middleware outside the injection sees injected tool calls in onCallTool", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const Watch = McpServer.middleware(Middleware.make("watch", {
        onCallTool: (params, _context, next) => Effect.suspend(() => {
          seen.push(params.name)
          return next(params)
        })
      }))
      // Middleware Layers stack in the order they are made: Watch (outside), then this injection.
      const Injection = ToolInjection.layer(Status, Flush).pipe(Layer.provide(Layer.succeed(Deployment, { name: "eu-1" })))
      const server = yield* startServer({}, components([registered("alpha"), Layer.mergeAll(Injection, Watch)]))
      const { client } = yield* tryConnect(server)
      yield* sdk(() => client.callTool({ name: "admin_flush", arguments: { count: 1 } }))
      yield* sdk(() => client.callTool({ name: "alpha", arguments: {} }))
      assert.deepStrictEqual(seen, ["admin_flush", "alpha"])
    }))

  it.live("when the Layer's scope closes, new sessions no longer see the injected tools", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, registered("alpha"))
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(Admin.pipe(Layer.provide(Layer.succeed(McpServer.McpServer, server))), scope)
      const before = yield* tryConnect(server)
      const listed = yield* sdk(() => before.client.listTools())
      assert.deepStrictEqual(listed.tools.map((tool) => tool.name), ["alpha", "admin_status", "admin_flush"])
      yield* Scope.close(scope, Exit.void)
      const after = yield* tryConnect(server)
      const relisted = yield* sdk(() => after.client.listTools())
      assert.deepStrictEqual(relisted.tools.map((tool) => tool.name), ["alpha"])
      const gone = yield* sdkError(() => after.client.callTool({ name: "admin_flush", arguments: { count: 1 } }))
      assert.strictEqual(gone.code, -32602)
    }))

  it.live("two injected tools with the same name are a defect when the Layer is built", () =>
    Effect.gen(function*() {
      const Twice = ToolInjection.layer(Flush, Flush)
      const exit = yield* Effect.exit(Effect.scoped(startServer({}, Twice)))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(exit), "two tools are named")
    }))

  it.live("2025-11-25: a task-augmented call of an injected tool is -32601 without running, as of a registered tool without task support", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const Injected = ToolInjection.layer({ name: "injected", handler: () => Effect.as(Effect.sync(() => calls.push("injected")), "ran") })
      const Background = McpServer.tool({ name: "background", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("bg") })
      const { notify, request } = yield* serveInMemory(
        { name: "tasks", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(Background, registered("plain", calls), Injected)
      )
      const init = yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } })
      assert.deepStrictEqual(init.result?.capabilities?.tasks?.requests, { tools: { call: {} } })
      yield* notify("notifications/initialized")
      const own = yield* request("tools/call", { name: "plain", arguments: {}, task: { ttl: 60_000 } })
      const injected = yield* request("tools/call", { name: "injected", arguments: {}, task: { ttl: 60_000 } })
      assert.strictEqual(own.error?.code, -32601, JSON.stringify(own))
      assert.strictEqual(injected.error?.code, -32601, JSON.stringify(injected))
      assert.strictEqual(injected.error.message, own.error.message.replace("plain", "injected"))
      assert.deepStrictEqual(calls, [], "neither ran")
      // Without task augmentation it runs inline, as before.
      const inline = yield* request("tools/call", { name: "injected", arguments: {} })
      assert.deepStrictEqual(textOf(inline.result), ["ran"])
    }))

  it.live("a task-augmented call of an injected tool runs where the server does not take tool tasks (the task field ignored)", () =>
    Effect.gen(function*() {
      const Injected = ToolInjection.layer({ name: "injected", handler: () => Effect.succeed("ran") })
      // Tasks on, but no tool supports them: no tasks.requests.tools.call, so the field is ignored.
      const { notify, request } = yield* serveInMemory(
        { name: "tasks", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(registered("plain"), Injected)
      )
      yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } })
      yield* notify("notifications/initialized")
      const own = yield* request("tools/call", { name: "plain", arguments: {}, task: { ttl: 60_000 } })
      const injected = yield* request("tools/call", { name: "injected", arguments: {}, task: { ttl: 60_000 } })
      assert.deepStrictEqual(textOf(own.result), ["registered plain"])
      assert.deepStrictEqual(textOf(injected.result), ["ran"])
    }))

  it.live("a server without tools of its own: a legacy task of any shape is ignored where the version has none (2026-07-28, 2025-06-18)", () =>
    Effect.gen(function*() {
      const Injected = ToolInjection.layer({ name: "injected", handler: () => Effect.succeed("ran") })
      const Hello = McpServer.prompt({ name: "hello", handler: () => Effect.succeed("hello") })
      const serve = () => serveInMemory({ name: "alone", version: "1.0.0" }, Layer.merge(Hello, Injected))
      const { request } = yield* serve()
      const modern = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" }
      }
      for (const task of ["x", null, { ttl: 1.5 }]) {
        const answer = yield* request("tools/call", { name: "injected", arguments: {}, task, _meta: modern })
        assert.isUndefined(answer.error, JSON.stringify(answer))
        assert.deepStrictEqual(textOf(answer.result), ["ran"])
      }
      const legacy = yield* serve()
      yield* legacy.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } })
      yield* legacy.notify("notifications/initialized")
      const old = yield* legacy.request("tools/call", { name: "injected", arguments: {}, task: "x" })
      assert.isUndefined(old.error, JSON.stringify(old))
      assert.deepStrictEqual(textOf(old.result), ["ran"])
    }))

  it.live("two ToolInjection Layers injecting one name fail the build, naming it", () =>
    Effect.gen(function*() {
      const one = ToolInjection.layer({ name: "same", tags: ["admin"], handler: () => Effect.succeed("one") })
      const two = ToolInjection.layer({ name: "same", handler: () => Effect.succeed("two") })
      const exit = yield* Effect.exit(Effect.scoped(startServer({}, Layer.mergeAll(registered("alpha"), one, two))))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(exit), "Tool same is injected twice")
      // The same Layer twice is built once (memoized): served.
      const server = yield* startServer({}, Layer.mergeAll(registered("alpha"), one, one))
      const { client } = yield* tryConnect(server)
      const result = yield* sdk(() => client.callTool({ name: "same", arguments: {} }))
      assert.deepStrictEqual(textOf(result), ["one"])
      // Once one is gone, the name may be injected again (a Layer replaced over time).
      const other = yield* startServer({}, registered("alpha"))
      const onOther = (layer: typeof one) => layer.pipe(Layer.provide(Layer.succeed(McpServer.McpServer, other)))
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(onOther(two), scope)
      yield* Scope.close(scope, Exit.void)
      const again = yield* Effect.exit(Effect.scoped(Effect.flatMap(Effect.scope, (scope) => Layer.buildWithScope(onOther(one), scope))))
      assert.isTrue(Exit.isSuccess(again), String(again))
    }))

  it.live("ToolInjection.middleware given directly is recorded too: a name it shares with another injection fails the build", () =>
    Effect.gen(function*() {
      const compile = (name: string, answer: string) =>
        Tool.compile({ name, handler: () => Effect.succeed(answer) }, Context.empty() as Context.Context<any>, { maskErrors: true })
      const direct = ToolInjection.middleware([compile("same", "direct")])
      // options.middleware and a ToolInjection Layer.
      const withLayer = yield* Effect.exit(Effect.scoped(startServer(
        { middleware: [direct] },
        Layer.mergeAll(registered("alpha"), ToolInjection.layer({ name: "same", handler: () => Effect.succeed("layer") }))
      )))
      assert.isTrue(Exit.isFailure(withLayer))
      assert.include(String(withLayer), "Tool same is injected twice")
      // Two middlewares in options.middleware: the server's build fails.
      const inOptions = yield* Effect.exit(Effect.scoped(startServer(
        { middleware: [direct, ToolInjection.middleware([compile("same", "other")])] },
        registered("alpha")
      )))
      assert.isTrue(Exit.isFailure(inOptions))
      assert.include(String(inOptions), "Tool same is injected twice")
      // The same middleware in the options and in a middleware Layer is one injection: served.
      const server = yield* startServer({ middleware: [direct] }, Layer.mergeAll(registered("alpha"), McpServer.middleware(direct)))
      const { client } = yield* tryConnect(server)
      assert.deepStrictEqual(textOf(yield* sdk(() => client.callTool({ name: "same", arguments: {} }))), ["direct"])
    }))
})
