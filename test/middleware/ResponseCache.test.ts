/**
 * ResponseCache: the in-memory store (TTL on TestClock, LRU bound, prefix invalidation), the key
 * (no `_meta`, key order irrelevant), and the cache end to end with the SDK v1 client: hits
 * proven by the handlers' side-effect counters, TTL expiry, invalidation on component changes,
 * isolation between principals, failures not cached.
 */
import { assert, describe, it } from "@effect/vitest"
import { CreateTaskResultSchema, ElicitRequestSchema, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { TestClock } from "effect/testing"
import * as Authorization from "../../src/middleware/builtin/Authorization.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { McpContext, McpError, McpServer, Middleware, type Principal } from "../../src/index.ts"
import { connect, sdk, settle, startServer, using } from "../server/McpServerHarness.ts"
import { authenticateByClientName, counter, principal, rpcError, text } from "./builtinSupport.ts"

describe("CacheStore.layerMemory", () => {
  it.effect("entries expire after their TTL (on Clock)", () =>
    Effect.gen(function*() {
      const store = yield* ResponseCache.makeMemoryStore()
      yield* store.set("a", { v: 1 }, 1000)
      assert.deepStrictEqual(yield* store.get("a"), Option.some({ v: 1 }))
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(yield* store.get("a"), Option.some({ v: 1 }))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isNone(yield* store.get("a")))
      assert.strictEqual(yield* store.size, 0)
      assert.isTrue(Option.isNone(yield* store.get("missing")))
    }))

  it.effect("keeps at most maxEntries (least recently used dropped); invalidate drops a prefix", () =>
    Effect.gen(function*() {
      const store = yield* ResponseCache.makeMemoryStore({ maxEntries: 2 })
      yield* store.set("x:1", 1, 60_000)
      yield* store.set("x:2", 2, 60_000)
      yield* store.get("x:1") // x:1 is now the most recently used
      yield* store.set("y:1", 3, 60_000) // x:2 is dropped
      assert.strictEqual(yield* store.size, 2)
      assert.deepStrictEqual(yield* store.get("x:1"), Option.some(1))
      assert.isTrue(Option.isNone(yield* store.get("x:2")))
      yield* store.invalidate("x:")
      assert.isTrue(Option.isNone(yield* store.get("x:1")))
      assert.deepStrictEqual(yield* store.get("y:1"), Option.some(3))
      for (let i = 0; i < 50; i++) yield* store.set(`z:${i}`, i, 60_000)
      assert.strictEqual(yield* store.size, 2)

      const viaLayer = yield* Effect.provide(
        Effect.gen(function*() {
          const cache = yield* ResponseCache.CacheStore
          yield* cache.set("k", "v", 10)
          return yield* cache.get("k")
        }),
        ResponseCache.CacheStore.layerMemory()
      )
      assert.deepStrictEqual(viaLayer, Option.some("v"))
    }))

  it("the params part of a key leaves out _meta and ignores key order", () => {
    assert.strictEqual(
      ResponseCache.paramsKey({ name: "t", arguments: { a: 1, b: [1, { d: 2, c: 3 }] }, _meta: { progressToken: 1 } }),
      ResponseCache.paramsKey({ arguments: { b: [1, { c: 3, d: 2 }], a: 1 }, name: "t" })
    )
    assert.notStrictEqual(ResponseCache.paramsKey({ name: "t", arguments: { a: 1 } }), ResponseCache.paramsKey({ name: "t", arguments: { a: 2 } }))
  })
})

class Broken extends Schema.TaggedError<Broken>()("Broken", { reason: Schema.String }) {}

/** A server's components whose handlers count their runs; a middleware below the cache counts list requests. */
const fixture = () => {
  const hits = counter()
  const components = Layer.mergeAll(
    McpServer.tool({
      name: "double",
      parameters: { x: Schema.Number },
      handler: ({ x }) => Effect.as(hits.hit("double"), String(x * 2))
    }),
    McpServer.tool({
      name: "whoami",
      handler: () => Effect.andThen(hits.hit("whoami"), Effect.map(McpContext.principal, (p) => p?.subject ?? "anonymous"))
    }),
    McpServer.tool({ name: "uncached", handler: () => Effect.as(hits.hit("uncached"), "ok") }),
    McpServer.tool({
      name: "fails",
      failure: Broken,
      handler: () => Effect.andThen(hits.hit("fails"), Effect.fail(new Broken({ reason: "no" })))
    }),
    McpServer.tool({ name: "admin-reset", tags: ["admin"], handler: () => Effect.succeed("reset") }),
    McpServer.resource({ uri: "test://counter", name: "counter", read: Effect.as(hits.hit("counter"), "content") }),
    McpServer.resource({
      uri: "test://broken",
      name: "broken",
      read: Effect.andThen(hits.hit("broken"), Effect.fail(McpError.invalidParams("broken resource")))
    }),
    McpServer.resourceTemplate({
      uriTemplate: "test://items/{id}",
      name: "item",
      params: { id: Schema.String },
      read: ({ id }) => Effect.as(hits.hit("item"), `item ${id}`)
    }),
    McpServer.prompt({
      name: "greet",
      arguments: { name: Schema.String },
      handler: ({ name }) => Effect.as(hits.hit("greet"), `hello ${name}`)
    })
  )
  /** Below the cache: counts list requests; shows `admin-*` tools only to principals with scope "admin". */
  const below = Middleware.make("below-the-cache", {
    onListTools: (params, context, next) =>
      Effect.andThen(
        hits.hit("tools/list"),
        Effect.map(next(params), (result) => ({
          ...result,
          tools: result.tools.filter((tool) =>
            !tool.name.startsWith("admin-") || context.principal?.scopes.includes("admin") === true
          )
        }))
      ),
    onListResources: (params, _, next) => Effect.andThen(hits.hit("resources/list"), next(params)),
    onListResourceTemplates: (params, _, next) => Effect.andThen(hits.hit("resources/templates/list"), next(params)),
    onListPrompts: (params, _, next) => Effect.andThen(hits.hit("prompts/list"), next(params))
  })
  /** A server with authentication (by client name), the cache, and `below`, in that order. */
  const start = (
    config: ResponseCache.Config,
    principals: { readonly [name: string]: Principal } = {},
    store: Layer.Layer<ResponseCache.CacheStore> = ResponseCache.CacheStore.layerMemory()
  ) =>
    startServer(
      {},
      Layer.merge(
        components,
        Layer.unwrap(Effect.map(
          ResponseCache.make(config),
          (cache) => McpServer.middleware(authenticateByClientName(principals), cache, below)
        )).pipe(Layer.provide(store))
      )
    )
  return { hits, start }
}

describe("ResponseCache (SDK client)", () => {
  it.live("two servers sharing one store never answer from each other's entries", () =>
    Effect.gen(function*() {
      const store = yield* ResponseCache.makeMemoryStore()
      const shared = Layer.succeed(ResponseCache.CacheStore, store)
      const alice = McpServer.middleware(Middleware.make("alice", {
        onRequest: (request, context, next) => next(request, context.with({ principal: principal("alice") }))
      }))
      const serverWith = (tool: string) =>
        startServer(
          { name: tool, version: "1" },
          Layer.mergeAll(alice, McpServer.tool({ name: tool, handler: () => Effect.succeed(tool) }), ResponseCache.layer().pipe(Layer.provide(shared)))
        )
      const one = yield* connect(yield* serverWith("one_tool"))
      const two = yield* connect(yield* serverWith("two_tool"))
      assert.deepStrictEqual((yield* sdk(() => one.client.listTools())).tools.map((t) => t.name), ["one_tool"])
      assert.deepStrictEqual((yield* sdk(() => two.client.listTools())).tools.map((t) => t.name), ["two_tool"])
    }))

  it.live("a second identical request is answered from the cache (the handler does not run again)", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start({ callTools: ["double"] })
      const { client } = yield* connect(server)
      for (let i = 0; i < 2; i++) {
        yield* sdk(() => client.listTools())
        yield* sdk(() => client.listResources())
        yield* sdk(() => client.listResourceTemplates())
        yield* sdk(() => client.listPrompts())
        assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "double", arguments: { x: 1 } }))), "2")
        yield* sdk(() => client.readResource({ uri: "test://counter" }))
        yield* sdk(() => client.readResource({ uri: "test://items/7" }))
        yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
        yield* sdk(() => client.callTool({ name: "uncached" }))
      }
      for (const key of ["tools/list", "resources/list", "resources/templates/list", "prompts/list"]) {
        assert.strictEqual(hits.get(key), 1, key)
      }
      for (const key of ["double", "counter", "item", "greet"]) assert.strictEqual(hits.get(key), 1, key)
      // Tools not named in callTools are never cached.
      assert.strictEqual(hits.get("uncached"), 2)
      // Another _meta is the same request; other arguments are not.
      yield* sdk(() => client.callTool({ name: "double", arguments: { x: 1 }, _meta: { trace: "t-1" } }))
      assert.strictEqual(hits.get("double"), 1)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "double", arguments: { x: 2 } }))), "4")
      yield* sdk(() => client.readResource({ uri: "test://items/8" }))
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Grace" } }))
      assert.strictEqual(hits.get("double"), 2)
      assert.strictEqual(hits.get("item"), 2)
      assert.strictEqual(hits.get("greet"), 2)
    }))

  it.live("entries expire after their TTL; per-method TTLs override the default, false disables a method", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start({ methods: { "resources/read": 100, "prompts/get": false } })
      const { client } = yield* connect(server)
      yield* sdk(() => client.readResource({ uri: "test://counter" }))
      yield* sdk(() => client.readResource({ uri: "test://counter" }))
      yield* sdk(() => client.listTools())
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      assert.strictEqual(hits.get("counter"), 1)
      assert.strictEqual(hits.get("greet"), 2)
      yield* settle(250)
      yield* sdk(() => client.readResource({ uri: "test://counter" }))
      yield* sdk(() => client.listTools())
      assert.strictEqual(hits.get("counter"), 2)
      assert.strictEqual(hits.get("tools/list"), 1) // the default TTL (60 s) has not run out
    }))

  it.live("a change of the components drops the entries it makes stale, and only those", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const store = yield* ResponseCache.makeMemoryStore()
      const server = yield* start({ callTools: ["double"] }, {}, Layer.succeed(ResponseCache.CacheStore, store))
      const { client } = yield* connect(server)
      /** The store's size once the invalidation the change started has run. */
      const sizeAfterChange = Effect.andThen(settle(10), store.size)
      yield* sdk(() => client.listTools())
      yield* sdk(() => client.callTool({ name: "double", arguments: { x: 1 } }))
      yield* sdk(() => client.readResource({ uri: "test://counter" }))
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      assert.strictEqual(yield* store.size, 4)

      yield* using(server, McpServer.addTool({ name: "added", handler: () => Effect.succeed("new") }))
      // The store dropped tools/list and tools/call (the resource read and the prompt are left).
      assert.strictEqual(yield* sizeAfterChange, 2)
      const listed = yield* sdk(() => client.listTools())
      assert.include(listed.tools.map((tool) => tool.name), "added")
      assert.strictEqual(hits.get("tools/list"), 2)
      yield* sdk(() => client.callTool({ name: "double", arguments: { x: 1 } }))
      assert.strictEqual(hits.get("double"), 2)
      // Resources and prompts are still cached.
      yield* sdk(() => client.readResource({ uri: "test://counter" }))
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      assert.strictEqual(hits.get("counter"), 1)
      assert.strictEqual(hits.get("greet"), 1)

      // A replaced tool answers with its new handler at once.
      yield* using(server, McpServer.addTool({ name: "double", parameters: { x: Schema.Number }, handler: ({ x }) => Effect.succeed(`${x}+${x}`) }))
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "double", arguments: { x: 1 } }))), "1+1")

      // A template change drops resource reads; a prompt change drops prompts/get.
      const before = yield* store.size
      yield* using(server, McpServer.addResourceTemplate({ uriTemplate: "test://other/{id}", name: "other", read: () => Effect.succeed("o") }))
      assert.strictEqual(yield* sizeAfterChange, before - 1)
      yield* sdk(() => client.readResource({ uri: "test://counter" }))
      assert.strictEqual(hits.get("counter"), 2)
      assert.strictEqual(hits.get("greet"), 1)
      yield* using(server, McpServer.setEnabled("prompt", "greet", false))
      yield* using(server, McpServer.setEnabled("prompt", "greet", true))
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      assert.strictEqual(hits.get("greet"), 2)
    }))

  it.live("ResponseCache.layer: tools/list shows a tool added at run time immediately", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        {},
        Layer.merge(
          McpServer.tool({ name: "first", handler: () => Effect.succeed("1") }),
          ResponseCache.layer().pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
        )
      )
      const { client } = yield* connect(server)
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools.map((tool) => tool.name), ["first"])
      yield* using(server, McpServer.addTool({ name: "second", handler: () => Effect.succeed("2") }))
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools.map((tool) => tool.name), ["first", "second"])
      yield* using(server, McpServer.remove("tool", "first"))
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools.map((tool) => tool.name), ["second"])
    }))

  it.live("answers are never shared between principals; sessions of one principal share them", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const principals = {
        alice: principal("alice", ["admin"]),
        alice2: principal("alice", ["admin"]),
        bob: principal("bob"),
        // Same subject, other scopes: another principal as far as the cache is concerned.
        aliceReadOnly: principal("alice")
      }
      const server = yield* start({ callTools: ["whoami"] }, principals)
      const alice = yield* connect(server, { name: "alice" })
      const bob = yield* connect(server, { name: "bob" })
      const names = (connected: typeof alice) =>
        Effect.map(sdk(() => connected.client.listTools()), (result) => result.tools.map((tool) => tool.name))

      assert.include(yield* names(alice), "admin-reset")
      assert.notInclude(yield* names(bob), "admin-reset")
      assert.include(yield* names(alice), "admin-reset")
      assert.strictEqual(hits.get("tools/list"), 2)
      assert.strictEqual(text(yield* sdk(() => alice.client.callTool({ name: "whoami" }))), "alice")
      assert.strictEqual(text(yield* sdk(() => bob.client.callTool({ name: "whoami" }))), "bob")
      assert.strictEqual(hits.get("whoami"), 2)

      // Alice's second session is served from her cache.
      const alice2 = yield* connect(server, { name: "alice2" })
      assert.include(yield* names(alice2), "admin-reset")
      assert.strictEqual(text(yield* sdk(() => alice2.client.callTool({ name: "whoami" }))), "alice")
      assert.strictEqual(hits.get("tools/list"), 2)
      assert.strictEqual(hits.get("whoami"), 2)

      const readOnly = yield* connect(server, { name: "aliceReadOnly" })
      assert.notInclude(yield* names(readOnly), "admin-reset")

      // Without a principal, each session has its own answers.
      const anonymous1 = yield* connect(server, { name: "nobody-1" })
      const anonymous2 = yield* connect(server, { name: "nobody-2" })
      assert.strictEqual(text(yield* sdk(() => anonymous1.client.callTool({ name: "whoami" }))), "anonymous")
      assert.strictEqual(text(yield* sdk(() => anonymous2.client.callTool({ name: "whoami" }))), "anonymous")
      assert.strictEqual(hits.get("whoami"), 4)
    }))

  it.live("a principal whose scopes no type checked (one string, none) is keyed by its whole scopes", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      // As a verifier of one's own or a principal from configuration may give them (JavaScript).
      const principals = {
        spaced: { subject: "carol", scopes: "admin read", claims: {} } as unknown as Principal,
        listed: principal("carol", ["read", "admin"]),
        bare: { subject: "dave", claims: {} } as unknown as Principal
      }
      const server = yield* start({ callTools: ["whoami"] }, principals)
      const spaced = yield* connect(server, { name: "spaced" })
      const listed = yield* connect(server, { name: "listed" })
      const bare = yield* connect(server, { name: "bare" })
      assert.strictEqual(text(yield* sdk(() => spaced.client.callTool({ name: "whoami" }))), "carol")
      // The same scopes as a list: the same principal, served from the cache.
      assert.strictEqual(text(yield* sdk(() => listed.client.callTool({ name: "whoami" }))), "carol")
      assert.strictEqual(hits.get("whoami"), 1)
      // No scopes at all: answered (it was -32603 on every request: the key spread `undefined`).
      assert.strictEqual(text(yield* sdk(() => bare.client.callTool({ name: "whoami" }))), "dave")
      assert.strictEqual(text(yield* sdk(() => bare.client.callTool({ name: "whoami" }))), "dave")
      assert.strictEqual(hits.get("whoami"), 2)
    }))

  it.live("an answer computed across a change is not served after it", () =>
    Effect.gen(function*() {
      const hits = counter()
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const server = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.resource({
            uri: "test://slow",
            name: "slow",
            read: Effect.gen(function*() {
              yield* hits.hit("slow")
              yield* Deferred.succeed(started, undefined)
              yield* Deferred.await(release)
              return `version ${hits.get("slow")}`
            })
          }),
          ResponseCache.layer().pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
        )
      )
      const { client } = yield* connect(server)
      const first = yield* Effect.forkChild(sdk(() => client.readResource({ uri: "test://slow" })))
      yield* Deferred.await(started)
      // The resources change while the read is in flight; its answer is stored afterwards.
      yield* using(server, McpServer.addResource({ uri: "test://other", name: "other", read: Effect.succeed("o") }))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      const second = yield* sdk(() => client.readResource({ uri: "test://slow" }))
      assert.strictEqual(hits.get("slow"), 2)
      assert.deepStrictEqual(second.contents.map((content) => (content as { text?: string }).text), ["version 2"])
      yield* sdk(() => client.readResource({ uri: "test://slow" }))
      assert.strictEqual(hits.get("slow"), 2)
    }))

  it.live("task-augmented requests are never answered from the cache, nor their tasks stored", () =>
    Effect.gen(function*() {
      const hits = counter()
      const server = yield* startServer(
        { tasks: McpServer.tasks() },
        Layer.mergeAll(
          McpServer.tool({
            name: "double",
            parameters: { x: Schema.Number },
            execution: { taskSupport: "optional" },
            handler: ({ x }) => Effect.as(hits.hit("double"), String(x * 2))
          }),
          McpServer.resource({
            uri: "test://report",
            name: "report",
            taskSupport: "optional",
            read: Effect.as(hits.hit("report"), "report")
          }),
          ResponseCache.layer({ callTools: ["double"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
        )
      )
      const { client } = yield* connect(server)
      const asTask = (method: string, params: Record<string, unknown>) =>
        sdk(() => client.request({ method, params }, CreateTaskResultSchema, { task: {} }))
      const first = yield* asTask("tools/call", { name: "double", arguments: { x: 1 } })
      const second = yield* asTask("tools/call", { name: "double", arguments: { x: 1 } })
      assert.notStrictEqual(first.task.taskId, second.task.taskId)
      const read1 = yield* asTask("resources/read", { uri: "test://report" })
      const read2 = yield* asTask("resources/read", { uri: "test://report" })
      assert.notStrictEqual(read1.task.taskId, read2.task.taskId)
      // The same requests without a task are plain answers (not a stored task), then cached.
      for (let i = 0; i < 2; i++) {
        assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "double", arguments: { x: 1 } }))), "2")
        const read = yield* sdk(() => client.readResource({ uri: "test://report" }))
        assert.deepStrictEqual(read.contents.map((content) => (content as { text?: string }).text), ["report"])
      }
      yield* settle(50)
      assert.strictEqual(hits.get("double"), 3)
      assert.strictEqual(hits.get("report"), 3)
    }))

  it.live("a call that asked the client (elicitation, roots) is not kept: the next call asks again", () =>
    Effect.gen(function*() {
      const hits = counter()
      const observed: Array<string> = []
      const server = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool({
            name: "ask_name",
            handler: () =>
              Effect.andThen(
                hits.hit("ask_name"),
                Effect.map(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })), (outcome) =>
                  outcome.action === "accept" ? outcome.content.name : outcome.action)
              ).pipe(Effect.orDie)
          }),
          McpServer.tool({
            name: "roots",
            handler: () =>
              Effect.andThen(hits.hit("roots"), Effect.map(McpContext.listRoots, (result) => result.roots.map((root) => root.uri).join(","))).pipe(
                Effect.orDie
              )
          }),
          McpServer.tool({ name: "plain", handler: () => Effect.as(hits.hit("plain"), "plain") }),
          // Another middleware observing the same requests: both observers are told.
          McpServer.middleware(Middleware.make("observer", {
            onRequest: (request, context, next) =>
              next(request, context.with({ onClientRequest: (method) => observed.push(method) }))
          })),
          ResponseCache.layer({ callTools: ["ask_name", "roots", "plain"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
        )
      )
      const { client } = yield* connect(server, { capabilities: { elicitation: { form: {} }, roots: {} } })
      let asked = 0
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: `user-${++asked}` } }))
      client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file:///root-${++asked}` }] }))
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "ask_name" }))), "user-1")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "ask_name" }))), "user-2")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "roots" }))), "file:///root-3")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "roots" }))), "file:///root-4")
      for (let i = 0; i < 2; i++) assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "plain" }))), "plain")
      assert.strictEqual(hits.get("ask_name"), 2)
      assert.strictEqual(hits.get("roots"), 2)
      // A call that asked nothing is still kept.
      assert.strictEqual(hits.get("plain"), 1)
      assert.deepStrictEqual(observed, ["elicitation/create", "elicitation/create", "roots/list", "roots/list"])
    }))

  it.live("a call that asked the client untied, through context.session.request, is not kept either", () =>
    Effect.gen(function*() {
      const hits = counter()
      const observed: Array<string> = []
      const sessions = new Set<unknown>()
      const server = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool({
            name: "ask_untied",
            handler: () =>
              Effect.gen(function*() {
                yield* hits.hit("ask_untied")
                const context = yield* McpContext.current
                sessions.add(context.session)
                const answer = (yield* context.session.request("elicitation/create", {
                  mode: "form",
                  message: "Name?",
                  requestedSchema: { type: "object", properties: { name: { type: "string" } } }
                })) as { readonly action: string; readonly content?: { readonly name?: string } }
                return `${context.protocolVersion} ${answer.content?.name ?? answer.action}`
              }).pipe(Effect.orDie)
          }),
          // Another middleware observing from outside the cache: told as well.
          McpServer.middleware(Middleware.make("observer", {
            onRequest: (request, context, next) =>
              next(request, context.with({ onClientRequest: (method) => observed.push(method) }))
          })),
          ResponseCache.layer({ callTools: ["ask_untied"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
        )
      )
      const { client } = yield* connect(server, { capabilities: { elicitation: { form: {} } } })
      let asked = 0
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: `user-${++asked}` } }))
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "ask_untied" }))), "2025-11-25 user-1")
      // Kept, the first user's answer would be served here without asking the client.
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "ask_untied" }))), "2025-11-25 user-2")
      assert.strictEqual(hits.get("ask_untied"), 2)
      assert.strictEqual(asked, 2)
      assert.deepStrictEqual(observed, ["elicitation/create", "elicitation/create"])
      // The handler sees the session itself (one identity, whether or not a middleware observes).
      assert.strictEqual(sessions.size, 1)
    }))

  it.live("params longer than 16,384 characters are not cached (the store is bounded in entries, not bytes)", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start({ callTools: ["double"] })
      const { client } = yield* connect(server)
      const long = "a".repeat(20_000)
      const short = "b".repeat(16_000)
      for (let i = 0; i < 2; i++) {
        yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: long } }))
        yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: short } }))
      }
      // The long one ran twice, the short one once (then from the cache).
      assert.strictEqual(hits.get("greet"), 3)
    }))

  it.live("failures and isError tool results are not cached", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start({ callTools: ["fails"] })
      const { client } = yield* connect(server)
      for (let i = 0; i < 2; i++) {
        const result = yield* sdk(() => client.callTool({ name: "fails" }))
        assert.isTrue(result.isError)
        const error = yield* rpcError(() => client.readResource({ uri: "test://broken" }))
        assert.strictEqual(error.code, -32602)
        yield* rpcError(() => client.getPrompt({ name: "greet", arguments: {} }))
      }
      assert.strictEqual(hits.get("fails"), 2)
      assert.strictEqual(hits.get("broken"), 2)
      // An unknown prompt is an error each time, then a valid call is computed (nothing was stored).
      yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      assert.strictEqual(hits.get("greet"), 1)
    }))
})

describe("ResponseCache and a template whose list fails", () => {
  it.live("a resources/list that left the template out is not kept: the next list (within the TTL) asks it again and has its resources", () =>
    Effect.gen(function*() {
      let lists = 0
      const Flaky = McpServer.resourceTemplate({
        uriTemplate: "flaky://{id}",
        name: "flaky",
        // Its store is down the first time only.
        list: Effect.suspend(() =>
          ++lists === 1
            ? Effect.fail(new McpError.InternalError({ message: "the store is down" }))
            : Effect.succeed([{ uri: "flaky://1", name: "one" }])
        ),
        read: ({ id }) => Effect.succeed(String(id))
      })
      const cacheAndAuthorization = Layer.unwrap(Effect.gen(function*() {
        const cache = yield* ResponseCache.make({ ttlMillis: 60_000 })
        // Below the cache, a middleware that rebuilds the list (spreading it) as it filters it.
        const authorization = yield* Authorization.make({ rules: { resources: { "test://secret": ["admin"] } }, unauthenticated: "allow" })
        return McpServer.middleware(cache, authorization)
      })).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
      const server = yield* startServer(
        {},
        Layer.mergeAll(McpServer.resource({ uri: "test://a", name: "a", read: Effect.succeed("a") }), Flaky, cacheAndAuthorization)
      )
      const { client } = yield* connect(server)
      const first = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(first.resources.map((resource) => resource.uri), ["test://a"])
      // Fails before: the partial list was kept and answered again, without flaky://1
      const second = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(second.resources.map((resource) => resource.uri), ["test://a", "flaky://1"])
      assert.strictEqual(lists, 2)
      // The whole list is kept as any other.
      const third = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(third.resources.map((resource) => resource.uri), ["test://a", "flaky://1"])
      assert.strictEqual(lists, 2)
    }))
})

describe("ResponseCache and resource updates", () => {
  it.live("notifyResourceUpdated drops cached reads", () =>
    Effect.gen(function*() {
      let reads = 0
      const Live = McpServer.resource({
        uri: "test://live",
        name: "live",
        read: Effect.sync(() => `version ${++reads}`)
      })
      const Cache = Layer.unwrap(Effect.map(ResponseCache.make({ ttlMillis: 60_000 }), (cache) => McpServer.middleware(cache)))
      const server = yield* startServer({}, Layer.mergeAll(Live, Cache).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())))
      const { client } = yield* connect(server)
      const first = yield* sdk(() => client.readResource({ uri: "test://live" }))
      const cached = yield* sdk(() => client.readResource({ uri: "test://live" }))
      assert.deepStrictEqual(cached, first)
      assert.strictEqual(reads, 1)
      yield* server.notifyResourceUpdated("test://live")
      const fresh = yield* sdk(() => client.readResource({ uri: "test://live" }))
      assert.strictEqual((fresh.contents[0] as { text: string }).text, "version 2")
    }))
})

describe("ResponseCache options out of range", () => {
  // Fails before: nothing was checked. A TTL of NaN (a variable that does not parse) kept answers
  // for ever in the in-memory store and cached none on Redis; 0 or less cached nothing, silently.
  it("are refused when made, with a RangeError naming the option", () => {
    const bad: ReadonlyArray<[string, ResponseCache.Config]> = [
      ["ttlMillis", { ttlMillis: Number.NaN }],
      ["ttlMillis", { ttlMillis: 0 }],
      ["methods[\"tools/list\"]", { methods: { "tools/list": -1 } }],
      ["methods[\"resources/read\"]", { methods: { "resources/read": Number.NaN } }]
    ]
    for (const [name, config] of bad) {
      assert.throws(() => ResponseCache.layer(config), RangeError, `ResponseCache: ${name} must be a number > 0`, name)
    }
    assert.doesNotThrow(() =>
      ResponseCache.layer({ ttlMillis: Number.POSITIVE_INFINITY, methods: { "tools/list": 1, "prompts/get": false, "tools/call": undefined } })
    )
  })

  it("a method misspelt in methods, or callTools and keyPrefix of the wrong kind, are a TypeError naming them", () => {
    const make = (config: unknown) => () => ResponseCache.layer(config as ResponseCache.Config)
    // Fails before: made, and resources/read (meant to be off) cached.
    assert.throws(make({ methods: { "resource/read": false } }), TypeError, `ResponseCache: methods must name methods the cache answers (tools/list, tools/call, resources/list, resources/templates/list, resources/read, prompts/list, prompts/get); "resource/read" is none of them`)
    assert.throws(make({ methods: [false] }), TypeError, "ResponseCache: methods must be an object of TTLs (or false) by method")
    // A string alone: the tools its characters name (none) were cached.
    assert.throws(make({ callTools: "convert_units" }), TypeError, `ResponseCache: callTools must be an array of strings, not "convert_units"`)
    assert.throws(make({ keyPrefix: 5 }), TypeError, "ResponseCache: keyPrefix must be a string, not 5")
    assert.throws(make(null), TypeError, "ResponseCache: the configuration must be an object, not null")
  })
})
