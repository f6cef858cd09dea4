/**
 * The extension API (SEP-2133: `Extension.make`, `Extension.method`, `McpServer.extension`) with a
 * user-written extension: declared in `server/discover` (and in `initialize` when served to every
 * version), its method answered through the server's middleware (and its own), its params
 * validated, `requireDeclaration` (-32021 with `data.requiredCapabilities.extensions[id]`), a
 * modern-only method unknown to 2025 sessions, services captured from its Layer, unregistered with
 * its Layer's scope, and the refusals (a bad id, an id registered twice, a core method's name).
 * Raw requests over in-memory pairs: 2026-07-28 by `_meta`, 2025-11-25 after `initialize`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Extension, McpContext, McpError, McpServer, Middleware } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { connectRaw as connectRawLow } from "../e2e/harness.ts"
import { connectRaw, startServer, using } from "../server/McpServerHarness.ts"
import { connectModern, metaOf } from "./support.ts"
import { withoutServerInfo } from "../support/serverInfo.ts"

const WEATHER = "com.example/weather"

/** A user's extension: one method with settings, served to every version. */
const Weather = Extension.make({
  id: WEATHER,
  settings: { units: "metric", stations: 3 },
  methods: {
    "weather/current": Extension.method({
      params: Schema.Struct({ city: Schema.String, days: Schema.optionalKey(Schema.Int) }),
      handler: ({ city }) =>
        city === "Atlantis"
          ? Effect.fail(McpError.invalidParams(`unknown city: ${city}`))
          : Effect.succeed({ city, celsius: 21 })
    })
  }
})

/** A modern-only extension whose method must be declared. */
const Strict = Extension.make({
  id: "com.example/strict",
  versions: "modern",
  requireDeclaration: true,
  methods: {
    "strict/echo": Extension.method({
      params: Schema.Struct({ text: Schema.String }),
      handler: ({ text }) => Effect.succeed({ echoed: text })
    })
  }
})

/** A modern-only extension without settings or declaration requirement. */
const ModernOnly = Extension.make({
  id: "com.example/modern-only",
  versions: "modern",
  methods: {
    "modern/hello": Extension.method({ params: Schema.Struct({}), handler: () => Effect.succeed({ hello: "2026" }) })
  }
})

/** The answer of a 2025-11-25 session to `method`. */
const legacyRequest = (server: McpServer.McpServer["Service"], capabilities: object = {}) =>
  Effect.map(connectRaw(server, "2025-11-25", capabilities), (raw) => {
    let next = 0
    return {
      initializeResult: raw.initializeResult,
      request: (method: string, params?: unknown) => raw.request(`l${next++}`, method, params)
    }
  })

const run = <A>(body: () => Promise<A>) => Effect.promise(body)

describe("Extension API", () => {
  it.live("declared in server/discover with its settings; in initialize only when served to every version", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.mergeAll(McpServer.extension(Weather), McpServer.extension(ModernOnly)))
      const modern = yield* connectModern(server)
      const discovered = yield* run(() => modern.request("server/discover"))
      assert.deepStrictEqual(discovered.result.capabilities.extensions, {
        [WEATHER]: { units: "metric", stations: 3 },
        "com.example/modern-only": {}
      })
      const legacy = yield* legacyRequest(server)
      assert.deepStrictEqual(legacy.initializeResult.result.capabilities.extensions, { [WEATHER]: { units: "metric", stations: 3 } })

      // Only modern extensions: initialize declares no extensions at all.
      const modernOnly = yield* startServer({}, McpServer.extension(ModernOnly))
      const init = (yield* legacyRequest(modernOnly)).initializeResult.result
      assert.notProperty(init.capabilities, "extensions")
      // No extension: server/discover declares none.
      const bare = yield* connectModern(yield* startServer())
      assert.notProperty((yield* run(() => bare.request("server/discover"))).result.capabilities, "extensions")
    }))

  it.live("its method answers 2026 requests and 2025 sessions; params are validated (-32602); its own errors pass through", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.extension(Weather))
      const modern = yield* connectModern(server)
      const answer = yield* run(() => modern.request("weather/current", { city: "Oslo" }))
      assert.deepStrictEqual(withoutServerInfo(answer.result), { city: "Oslo", celsius: 21, resultType: "complete" })
      const legacy = yield* legacyRequest(server)
      const legacyAnswer = yield* run(() => legacy.request("weather/current", { city: "Oslo", days: 2 }))
      assert.deepStrictEqual(legacyAnswer.result, { city: "Oslo", celsius: 21 })
      for (const params of [{}, { city: 5 }, { city: "Oslo", days: 1.5 }]) {
        const refused = yield* run(() => modern.request("weather/current", params))
        assert.strictEqual(refused.error?.code, -32602, JSON.stringify(params))
        const refusedLegacy = yield* run(() => legacy.request("weather/current", params))
        assert.strictEqual(refusedLegacy.error?.code, -32602, JSON.stringify(params))
      }
      const noParams = yield* run(() => legacy.request("weather/current"))
      assert.strictEqual(noParams.error?.code, -32602)
      const failed = yield* run(() => modern.request("weather/current", { city: "Atlantis" }))
      assert.deepStrictEqual([failed.error?.code, failed.error?.message], [-32602, "unknown city: Atlantis"])
      // methods it does not add are still unknown
      assert.strictEqual((yield* run(() => modern.request("weather/forecast", { city: "Oslo" }))).error?.code, -32601)
    }))

  it.live("onMessage and onRequest middleware see the extension's method (and can change its answer); the extension's own middleware too", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const spy = Middleware.make("spy", {
        onMessage: (message, next) => {
          if (message._tag === "Request") seen.push(`message ${message.request.method}`)
          return next()
        },
        onRequest: (request, context, next) => {
          seen.push(`request ${request.method}@${context.protocolVersion}`)
          return request.method === "weather/current"
            ? Effect.map(next(request), (result) => ({ ...(result as object), observed: true }))
            : next(request)
        }
      })
      const own = Extension.make({
        ...Weather,
        middleware: [
          Middleware.make("own", {
            onRequest: (request, _context, next) => {
              seen.push(`own ${request.method}`)
              return (request.params as { city?: string } | undefined)?.city === "Mordor"
                ? Effect.fail(new McpError.InvalidRequest({ message: "not there" }))
                : next(request)
            }
          })
        ]
      })
      const server = yield* startServer({}, Layer.mergeAll(McpServer.extension(own), McpServer.middleware(spy)))
      const modern = yield* connectModern(server)
      const answer = yield* run(() => modern.request("weather/current", { city: "Bergen" }))
      assert.deepStrictEqual(withoutServerInfo(answer.result), { city: "Bergen", celsius: 21, observed: true, resultType: "complete" })
      assert.deepStrictEqual(seen, ["message weather/current", "request weather/current@2026-07-28", "own weather/current"])
      seen.length = 0
      const refused = yield* run(() => modern.request("weather/current", { city: "Mordor" }))
      assert.strictEqual(refused.error?.code, -32600)
      assert.deepStrictEqual(seen, ["message weather/current", "request weather/current@2026-07-28", "own weather/current"])
      seen.length = 0
      const legacy = yield* legacyRequest(server)
      seen.length = 0
      yield* run(() => legacy.request("weather/current", { city: "Oslo" }))
      assert.deepStrictEqual(seen, ["message weather/current", "request weather/current@2025-11-25", "own weather/current"])
    }))

  it.live("requireDeclaration: a 2026 request that did not declare it gets -32021 with data.requiredCapabilities.extensions[id]", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, McpServer.extension(Strict))
      const modern = yield* connectModern(server)
      for (const capabilities of [{}, { extensions: {} }, { extensions: { "com.example/other": {} } }]) {
        const refused = yield* run(() => modern.request("strict/echo", { text: "hi" }, metaOf(capabilities)))
        assert.strictEqual(refused.error?.code, -32021, JSON.stringify(capabilities))
        assert.deepStrictEqual(refused.error.data, { requiredCapabilities: { extensions: { "com.example/strict": {} } } })
        assert.include(refused.error.message, "com.example/strict")
      }
      const declared = yield* run(() =>
        modern.request("strict/echo", { text: "hi" }, metaOf({ extensions: { "com.example/strict": {} } }))
      )
      assert.deepStrictEqual(withoutServerInfo(declared.result), { echoed: "hi", resultType: "complete" })
      // the declaration is per request: the next undeclared one is refused again
      assert.strictEqual((yield* run(() => modern.request("strict/echo", { text: "again" }))).error?.code, -32021)
      // a declaration that is not an object is malformed, as in initialize: -32602
      const malformed = yield* run(() => modern.request("strict/echo", { text: "hi" }, metaOf({ extensions: { "com.example/strict": true } })))
      assert.strictEqual(malformed.error?.code, -32602)
      // the capability is checked before the params: undeclared with malformed params is -32021
      for (const params of [{}, { text: 1 }]) {
        const undeclared = yield* run(() => modern.request("strict/echo", params))
        assert.strictEqual(undeclared.error?.code, -32021, JSON.stringify(params))
        assert.deepStrictEqual(undeclared.error.data, { requiredCapabilities: { extensions: { "com.example/strict": {} } } })
        const declared = yield* run(() => modern.request("strict/echo", params, metaOf({ extensions: { "com.example/strict": {} } })))
        assert.strictEqual(declared.error?.code, -32602, JSON.stringify(params))
      }
    }))

  it.live("a modern-only method answers -32601 to a 2025 session (declared or not) and is served to 2026 requests", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.mergeAll(McpServer.extension(ModernOnly), McpServer.extension(Strict)))
      const legacy = yield* legacyRequest(server, { extensions: { "com.example/modern-only": {}, "com.example/strict": {} } })
      assert.strictEqual((yield* run(() => legacy.request("modern/hello", {}))).error?.code, -32601)
      assert.strictEqual((yield* run(() => legacy.request("strict/echo", { text: "x" }))).error?.code, -32601)
      const modern = yield* connectModern(server)
      assert.deepStrictEqual(withoutServerInfo((yield* run(() => modern.request("modern/hello"))).result), { hello: "2026", resultType: "complete" })
    }))

  it.live("its methods get the services of its Layer; it is unregistered when that Layer's scope closes (for sessions opened after)", () =>
    Effect.gen(function*() {
      class Station extends Context.Service<Station, { readonly reading: (city: string) => number }>()("test/Station") {}
      const Served = Extension.make<Station>({
        id: "com.example/station",
        methods: {
          "station/read": Extension.method({
            params: Schema.Struct({ city: Schema.String }),
            handler: ({ city }) => Effect.map(Effect.service(Station), (station) => ({ celsius: station.reading(city) }))
          })
        }
      })
      const server = yield* startServer()
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(
          McpServer.extension(Served).pipe(Layer.provide(Layer.succeed(Station, { reading: (city) => city.length })))
        ).pipe((built) => using(server, built))
        // (a session runs with the extensions registered when it opened, as with middleware)
        const modern = yield* connectModern(server)
        const answer = yield* run(() => modern.request("station/read", { city: "Oslo" }))
        assert.deepStrictEqual(withoutServerInfo(answer.result), { celsius: 4, resultType: "complete" })
        const discovered = yield* run(() => modern.request("server/discover"))
        assert.deepStrictEqual(discovered.result.capabilities.extensions, { "com.example/station": {} })
      }))
      const modern = yield* connectModern(server)
      assert.strictEqual((yield* run(() => modern.request("station/read", { city: "Oslo" }))).error?.code, -32601)
      assert.notProperty((yield* run(() => modern.request("server/discover"))).result.capabilities, "extensions")
    }))

  // A method's handler had no McpRequestContext: `McpServer.extension` of one that used McpContext
  // did not type-check (its Layer required the service), and run anyway it died with "Service not
  // found: effect-mcp-server/McpRequestContext" (-32603), where a tool's handler has it.
  it.live("its methods may use McpContext, as a tool's handler does: the request's context is theirs", () =>
    Effect.gen(function*() {
      const Who = Extension.make({
        id: "com.example/who",
        methods: {
          "who/am-i": Extension.method({
            params: Schema.Struct({}),
            handler: () =>
              Effect.gen(function*() {
                yield* McpContext.log("info", "asked who")
                return { version: yield* McpContext.protocolVersion, client: (yield* McpContext.clientInfo)?.name ?? null }
              })
          })
        }
      })
      const server = yield* startServer({}, McpServer.extension(Who))
      const modern = yield* connectModern(server)
      const answer = yield* run(() => modern.request("who/am-i"))
      assert.deepStrictEqual(withoutServerInfo(answer.result), { version: "2026-07-28", client: "extension-test", resultType: "complete" })
      const legacy = yield* legacyRequest(server)
      const legacyAnswer = yield* run(() => legacy.request("who/am-i", {}))
      assert.strictEqual(legacyAnswer.result?.version, "2025-11-25", JSON.stringify(legacyAnswer))
    }))

  // Fails before the fix: its type no longer asked for McpRequestContext (McpServer gives it), but
  // the low-level server routed it without: -32603 "Service not found: ...McpRequestContext".
  it.live("its methods may use McpContext on a LowLevelServer too (its extensions option)", () =>
    Effect.gen(function*() {
      const Who = Extension.make({
        id: "com.example/who",
        methods: {
          "who/am-i": Extension.method({
            params: Schema.Struct({}),
            handler: () => Effect.map(McpContext.protocolVersion, (version) => ({ version }))
          })
        }
      })
      const server = LowLevelServer.make({ serverInfo: { name: "low", version: "1.0.0" }, handlers: {}, extensions: [Who] })
      const raw = yield* connectRawLow(server)
      const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "who/am-i", params: { _meta: meta } }))
      const answer = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1))
      assert.deepStrictEqual(answer.result, {
        version: "2026-07-28",
        resultType: "complete",
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "low", version: "1.0.0" } }
      }, JSON.stringify(answer))
    }))

  it.live("refusals: a malformed id, the same id registered twice (the Layer dies), a core method's name", () =>
    Effect.gen(function*() {
      for (const id of ["weather", "/weather", "com.example/", "com example/weather", "com.example/we/ather", ""]) {
        assert.throws(() => Extension.make({ id }), /id must be/, id)
      }
      const twice = yield* Effect.exit(Effect.scoped(
        startServer({}, Layer.mergeAll(McpServer.extension(Weather), McpServer.extension(Extension.make({ id: WEATHER }))))
      ))
      assert.isTrue(Exit.isFailure(twice))
      assert.include(String(Exit.isFailure(twice) ? twice.cause : ""), "registered twice")
      // the same id from two Layers in turn: the second dies as well
      const server = yield* startServer({}, McpServer.extension(Weather))
      const again = yield* Effect.exit(Effect.scoped(using(server, Layer.build(McpServer.extension(Weather)))))
      assert.isTrue(Exit.isFailure(again))
      // an extension may not take initialize or server/discover
      const core = yield* startServer(
        {},
        McpServer.extension(Extension.make({
          id: "com.example/core",
          methods: { "server/discover": Extension.method({ params: Schema.Struct({}), handler: () => Effect.succeed({}) }) }
        }))
      )
      assert.throws(() => core.lowLevel(), /server\/discover is the core protocol's/)
      // an extension served to every version may not take a method the server serves
      const taken = yield* startServer(
        {},
        Layer.mergeAll(
          McpServer.tool({ name: "noop", handler: () => Effect.succeed("ok") }),
          McpServer.extension(Extension.make({
            id: "com.example/taken",
            methods: { "tools/list": Extension.method({ params: Schema.Struct({}), handler: () => Effect.succeed({ tools: [] }) }) }
          }))
        )
      )
      assert.throws(() => taken.lowLevel(), /tools\/list is already served/)
      // two 2026-only extensions may not serve the same method (nor replace subscriptions/listen)
      const modernOnly = (id: string, method: string) =>
        McpServer.extension(Extension.make({
          id,
          versions: "modern",
          methods: { [method]: Extension.method({ params: Schema.Struct({}), handler: () => Effect.succeed({}) }) }
        }))
      const clash = yield* startServer({}, Layer.mergeAll(modernOnly("com.example/a", "x/go"), modernOnly("com.example/b", "x/go")))
      assert.throws(() => clash.lowLevel(), /x\/go is already served/)
      const listen = yield* startServer({}, modernOnly("com.example/listen", "subscriptions/listen"))
      assert.throws(() => listen.lowLevel(), /subscriptions\/listen is already served/)
    }))
})
