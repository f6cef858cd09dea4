/**
 * The middleware contract (`src/middleware/Middleware.ts`), end to end through `McpServer` with
 * the official SDK v1 client (and raw JSON-RPC clients for what the SDK never sends): the order
 * of hooks across a stack, what typed hooks can do with `initialize` and `tools/call` (observe,
 * change the request, change the result, reject, answer by themselves, give the handlers below a
 * principal or a service), what the raw hooks see, that a slow hook delays nothing else, and
 * `onSession`.
 */
import { assert, describe, it } from "@effect/vitest"
import { CallToolResultSchema, EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { McpContext, McpError, McpServer, Middleware } from "../../src/index.ts"
import { components, sdk, sdkError, startServer } from "../server/McpServerHarness.ts"
import {
  eventually,
  initializeRaw,
  initializeRequest,
  openRaw,
  promise,
  sleepReal,
  tryConnect
} from "./contractHarness.ts"
import { connectModern } from "../extensions/support.ts"

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

class Tenant extends Context.Service<Tenant, { readonly id: string }>()("test/middleware/Tenant") {}

/** The server's tools; `calls` counts how often the `echo` handler ran. */
const makeTools = (events: Array<string> = []) => {
  const calls = { echo: 0 }
  const Echo = McpServer.tool({
    name: "echo",
    parameters: { text: Schema.String },
    handler: ({ text }) =>
      Effect.sync(() => {
        calls.echo++
        events.push("handler(echo)")
        return text
      })
  })
  const WhoAmI = McpServer.tool({
    name: "whoami",
    handler: () =>
      Effect.gen(function*() {
        const principal = yield* McpContext.principal
        const tenant = yield* Effect.serviceOption(Tenant)
        return JSON.stringify({
          principal: principal?.subject ?? null,
          tenant: Option.match(tenant, { onNone: () => null, onSome: (tenant) => tenant.id }),
          sessionId: yield* McpContext.sessionId,
          protocolVersion: yield* McpContext.protocolVersion,
          clientInfo: (yield* McpContext.clientInfo) ?? null,
          clientCapabilities: yield* McpContext.clientCapabilities
        })
      })
  })
  const Sleep = McpServer.tool({
    name: "sleep",
    handler: () => Effect.as(Effect.sleep("2 seconds"), "woke up")
  })
  return { calls, events, tools: [Echo, WhoAmI, Sleep] }
}

/** Builds a server with the fixture tools and `middlewares` (one Layer: their order is the stack's). */
const serverWith = (...middlewares: ReadonlyArray<Middleware.Middleware<Scope.Scope>>) =>
  Effect.gen(function*() {
    const fixture = makeTools()
    const server = yield* startServer({}, components([...fixture.tools, McpServer.middleware(...middlewares)]))
    return { server, ...fixture }
  })

const textOf = (result: unknown): Array<string> =>
  ((result as { readonly content: ReadonlyArray<{ readonly text?: string }> }).content).map((block) => block.text ?? "")

const whoami = (client: { callTool: (params: { name: string; arguments: {} }) => Promise<unknown> }) =>
  Effect.map(sdk(() => client.callTool({ name: "whoami", arguments: {} })), (result) => JSON.parse(textOf(result)[0]!))

/** The method of a message as `onMessage` sees it. */
const methodOf = (message: Middleware.Message) =>
  message._tag === "Request"
    ? message.request.method
    : message._tag === "Notification"
    ? message.notification.method
    : "invalid"

/** Counts the `onInitialize` calls that reach it (placed below another middleware). */
const probe = () => {
  const reached = { initialize: 0 }
  const middleware = Middleware.make("probe", {
    onInitialize: (params, _context, next) => Effect.suspend(() => {
      reached.initialize++
      return next(params)
    })
  })
  return { reached, middleware }
}

// ---------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------

/** A middleware that records entering and leaving each of its hooks. */
const traced = (name: string, events: Array<string>) => {
  const span = <A, E>(label: string, body: () => Effect.Effect<A, E>) =>
    Effect.suspend(() => {
      events.push(`${name}.${label}>`)
      return body()
    }).pipe(Effect.ensuring(Effect.sync(() => void events.push(`<${name}.${label}`))))
  return Middleware.make(name, {
    onMessage: (message, next) => span(`onMessage(${methodOf(message)})`, next),
    onRequest: (request, _context, next) => span(`onRequest(${request.method})`, () => next(request)),
    onInitialize: (params, _context, next) => span("onInitialize", () => next(params)),
    onCallTool: (params, _context, next) => span(`onCallTool(${params.name})`, () => next(params))
  })
}

/** `labels` entered in order around `inner`, left in reverse order. */
const nested = (labels: ReadonlyArray<string>, inner: ReadonlyArray<string>) => [
  ...labels.map((label) => `${label}>`),
  ...inner,
  ...[...labels].reverse().map((label) => `<${label}`)
]

describe("Middleware contract: order", () => {
  it.live("raw hooks of a, b, c (onMessage, then onRequest) run outermost first, then the typed hooks a, b, c, then the handler; exits in reverse", () =>
    Effect.gen(function*() {
      // The middlewares and the handler record into one log.
      const events: Array<string> = []
      const fixture = makeTools(events)
      const server = yield* startServer(
        {},
        components([...fixture.tools, McpServer.middleware(traced("a", events), traced("b", events), traced("c", events))])
      )
      const { client } = yield* tryConnect(server)
      const initialize = nested(
        [
          "a.onMessage(initialize)",
          "b.onMessage(initialize)",
          "c.onMessage(initialize)",
          "a.onRequest(initialize)",
          "b.onRequest(initialize)",
          "c.onRequest(initialize)",
          "a.onInitialize",
          "b.onInitialize",
          "c.onInitialize"
        ],
        []
      )
      const initialized = nested([
        "a.onMessage(notifications/initialized)",
        "b.onMessage(notifications/initialized)",
        "c.onMessage(notifications/initialized)"
      ], [])
      yield* eventually(() => events.length >= initialize.length + initialized.length)
      assert.deepStrictEqual(events, [...initialize, ...initialized])

      events.length = 0
      const result = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      assert.deepStrictEqual(textOf(result), ["hi"])
      assert.deepStrictEqual(
        events,
        nested(
          [
            "a.onMessage(tools/call)",
            "b.onMessage(tools/call)",
            "c.onMessage(tools/call)",
            "a.onRequest(tools/call)",
            "b.onRequest(tools/call)",
            "c.onRequest(tools/call)",
            "a.onCallTool(echo)",
            "b.onCallTool(echo)",
            "c.onCallTool(echo)"
          ],
          ["handler(echo)"]
        )
      )
    }))

  it.live("middleware Layers stack in the order they were made, whatever order they are built in", () =>
    Effect.gen(function*() {
      const stackOf = (reversed: boolean) =>
        Effect.gen(function*() {
          const events: Array<string> = []
          const fixture = makeTools()
          const registered = yield* Deferred.make<void>()
          // Made first, built last: its middleware is built only once the second Layer's is in the stack.
          const first = McpServer.middlewareFrom(Effect.as(Deferred.await(registered), traced("first", events)))
          const second = McpServer.middleware(traced("second", events))
          const secondThenSignal = Layer.provideMerge(Layer.effectDiscard(Deferred.succeed(registered, undefined)), second)
          const both = reversed ? Layer.mergeAll(secondThenSignal, first) : Layer.mergeAll(first, secondThenSignal)
          const server = yield* startServer({}, components([...fixture.tools, both]))
          const { client } = yield* tryConnect(server)
          yield* eventually(() => events.includes("<first.onMessage(notifications/initialized)"))
          events.length = 0
          yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "x" } }))
          return events.filter((event) => event.includes("onCallTool"))
        })
      const expected = ["first.onCallTool(echo)>", "second.onCallTool(echo)>", "<second.onCallTool(echo)", "<first.onCallTool(echo)"]
      assert.deepStrictEqual(yield* Effect.scoped(stackOf(false)), expected)
      assert.deepStrictEqual(yield* Effect.scoped(stackOf(true)), expected)
    }))

  it.live("the same middleware registered at two places leaves the right one when one registration ends", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.empty)
      const shared = Middleware.make("shared", {})
      const other = Middleware.make("other", {})
      const removeFirst = server.stack(1, [shared])
      const removeLast = server.stack(3, [shared])
      server.stack(2, [other])
      assert.deepStrictEqual(server.middleware.map((m) => m.name), ["shared", "other", "shared"])
      removeLast()
      assert.deepStrictEqual(server.middleware.map((m) => m.name), ["shared", "other"])
      removeFirst()
      assert.deepStrictEqual(server.middleware.map((m) => m.name), ["other"])
    }))

  it.live("McpServer options.middleware come before (outside) those of McpServer.middleware Layers", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const fixture = makeTools()
      const server = yield* startServer(
        { middleware: [traced("options", events)] },
        components([...fixture.tools, McpServer.middleware(traced("layer", events))])
      )
      const { client } = yield* tryConnect(server)
      yield* eventually(() => events.includes("<options.onMessage(notifications/initialized)"))
      events.length = 0
      yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "x" } }))
      assert.deepStrictEqual(
        events.filter((event) => event.includes("onCallTool")),
        ["options.onCallTool(echo)>", "layer.onCallTool(echo)>", "<layer.onCallTool(echo)", "<options.onCallTool(echo)"]
      )
    }))
})

// ---------------------------------------------------------------------------
// initialize
// ---------------------------------------------------------------------------

describe("Middleware contract: initialize (onInitialize)", () => {
  it.live("observes the decoded params", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const { server } = yield* serverWith(Middleware.make("observe", {
        onInitialize: (params, _context, next) => Effect.suspend(() => {
          seen.push(params)
          return next(params)
        })
      }))
      yield* tryConnect(server, { name: "observed-client", capabilities: { roots: { listChanged: true } } })
      assert.strictEqual(seen.length, 1)
      const params = seen[0] as { protocolVersion: string; clientInfo: unknown; capabilities: unknown }
      assert.strictEqual(params.protocolVersion, "2025-11-25")
      assert.deepStrictEqual(params.clientInfo, { name: "observed-client", version: "1.0.0" })
      assert.deepStrictEqual(params.capabilities, { roots: { listChanged: true } })
    }))

  it.live("changes the requested version before the handler: the negotiated version follows", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("pin-version", {
        onInitialize: (params, _context, next) => next({ ...params, protocolVersion: "2025-06-18" })
      }))
      const { client, protocolVersion } = yield* tryConnect(server)
      assert.strictEqual(protocolVersion(), "2025-06-18")
      const seen = yield* whoami(client)
      assert.strictEqual(seen.protocolVersion, "2025-06-18")
    }))

  it.live("changes the result: what the negotiated version lacks is not sent (projected as the handler's result is)", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("brand", {
        onInitialize: (params, _context, next) =>
          Effect.map(next(params), (result) => ({
            ...result,
            serverInfo: { ...result.serverInfo, title: "Branded", websiteUrl: "https://example.com", icons: [{ src: "https://example.com/i.png" }] },
            capabilities: { ...result.capabilities, completions: {} }
          }))
      }))
      const raw = yield* openRaw(server)
      yield* promise(() => raw.send(initializeRequest("init", "2024-11-05")))
      const old = (yield* promise(() => raw.waitFor((message) => message.id === "init"))).result
      assert.strictEqual(old.protocolVersion, "2024-11-05")
      // 2024-11-05 has no Implementation title, websiteUrl or icons, and no completions capability.
      assert.deepStrictEqual(Object.keys(old.serverInfo).sort(), ["name", "version"])
      assert.notProperty(old.capabilities, "completions")
      assert.isDefined(old.capabilities.tools)

      const newer = yield* openRaw(server)
      yield* promise(() => newer.send(initializeRequest("init", "2025-06-18")))
      const answer = (yield* promise(() => newer.waitFor((message) => message.id === "init"))).result
      // 2025-06-18 has the title and completions, not websiteUrl or icons.
      assert.deepStrictEqual(Object.keys(answer.serverInfo).sort(), ["name", "title", "version"])
      assert.deepStrictEqual(answer.capabilities.completions, {})
    }))

  it.live("changes clientInfo and capabilities before the handler: the session and the handlers see the changed ones", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("rewrite-client", {
        onInitialize: (params, _context, next) =>
          next({ ...params, clientInfo: { name: "rewritten", version: "9.9.9" }, capabilities: {} })
      }))
      const { client } = yield* tryConnect(server, { capabilities: { sampling: {} } })
      const seen = yield* whoami(client)
      assert.deepStrictEqual(seen.clientInfo, { name: "rewritten", version: "9.9.9" })
      assert.deepStrictEqual(seen.clientCapabilities, {})
    }))

  it.live("changes the result after the handler: the client receives what the middleware returned", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("instructions", {
        onInitialize: (params, _context, next) =>
          Effect.map(next(params), (result) => ({ ...result, instructions: "added by middleware" }))
      }))
      const { client } = yield* tryConnect(server)
      assert.strictEqual(client.getInstructions(), "added by middleware")
      assert.strictEqual(client.getServerVersion()?.name, "test-server")
    }))

  it.live("rejects with a typed error: connect fails with its code, nothing below runs; a later attempt succeeds once allowed", () =>
    Effect.gen(function*() {
      let allow = false
      const { reached, middleware: below } = probe()
      const { server } = yield* serverWith(
        Middleware.make("gate", {
          onInitialize: (params, _context, next) =>
            allow ? next(params) : Effect.fail(new McpError.JsonRpcError({ code: 4032, message: "not yet" }))
        }),
        below
      )
      const error = yield* Effect.flip(tryConnect(server))
      assert.strictEqual(error.code, 4032)
      assert.include(error.message, "not yet")
      assert.strictEqual(reached.initialize, 0)

      allow = true
      const { client } = yield* tryConnect(server)
      assert.strictEqual(reached.initialize, 1)
      assert.strictEqual(client.getServerVersion()?.name, "test-server")
    }))

  it.live("a rejected initialize leaves the session new: the same raw client may retry", () =>
    Effect.gen(function*() {
      let allow = false
      const { server } = yield* serverWith(Middleware.make("gate", {
        onInitialize: (params, _context, next) =>
          allow ? next(params) : Effect.fail(new McpError.JsonRpcError({ code: 4032, message: "not yet" }))
      }))
      const raw = yield* openRaw(server)
      yield* promise(() => raw.send(initializeRequest("first")))
      const rejected = yield* promise(() => raw.waitFor((message) => message.id === "first"))
      assert.strictEqual(rejected.error.code, 4032)
      // Not initialized: other requests are refused.
      yield* promise(() => raw.send({ jsonrpc: "2.0", id: "early", method: "tools/list" }))
      const early = yield* promise(() => raw.waitFor((message) => message.id === "early"))
      assert.strictEqual(early.error.code, -32600)
      allow = true
      yield* promise(() => raw.send(initializeRequest("second")))
      const accepted = yield* promise(() => raw.waitFor((message) => message.id === "second"))
      assert.strictEqual(accepted.result.serverInfo.name, "test-server")
    }))

  it.live("answers by itself (short-circuit): the client gets its result and nothing below runs", () =>
    Effect.gen(function*() {
      const { reached, middleware: below } = probe()
      const { server } = yield* serverWith(
        Middleware.make("facade", {
          onInitialize: () =>
            Effect.succeed({
              protocolVersion: "2025-06-18",
              capabilities: { tools: {} },
              serverInfo: { name: "facade", version: "7.0.0" },
              instructions: "from the facade"
            })
        }),
        below
      )
      const { client, protocolVersion } = yield* tryConnect(server)
      assert.strictEqual(reached.initialize, 0)
      assert.deepStrictEqual(client.getServerVersion(), { name: "facade", version: "7.0.0" })
      assert.deepStrictEqual(client.getServerCapabilities(), { tools: {} })
      assert.strictEqual(client.getInstructions(), "from the facade")
      assert.strictEqual(protocolVersion(), "2025-06-18")
      // The session is initialized with the facade's version.
      const seen = yield* whoami(client)
      assert.strictEqual(seen.protocolVersion, "2025-06-18")
    }))
})

// ---------------------------------------------------------------------------
// tools/call
// ---------------------------------------------------------------------------

describe("Middleware contract: tools/call (onCallTool)", () => {
  it.live("observes the decoded params", () =>
    Effect.gen(function*() {
      const seen: Array<{ readonly name: string; readonly arguments?: unknown }> = []
      const { server } = yield* serverWith(Middleware.make("observe", {
        onCallTool: (params, _context, next) => Effect.suspend(() => {
          seen.push(params)
          return next(params)
        })
      }))
      const { client } = yield* tryConnect(server)
      yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.name, "echo")
      assert.deepStrictEqual(seen[0]!.arguments, { text: "hi" })
    }))

  it.live("changes an argument before the handler", () =>
    Effect.gen(function*() {
      const { server, calls } = yield* serverWith(Middleware.make("shout", {
        onCallTool: (params, _context, next) =>
          next({ ...params, arguments: { ...params.arguments, text: String(params.arguments?.text).toUpperCase() } })
      }))
      const { client } = yield* tryConnect(server)
      const result = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      assert.deepStrictEqual(textOf(result), ["HI"])
      assert.strictEqual(calls.echo, 1)
    }))

  it.live("changes the result after the handler: the client receives the added block", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("stamp", {
        onCallTool: (params, _context, next) =>
          Effect.map(next(params), (result) =>
            "content" in result ? { ...result, content: [...result.content, { type: "text" as const, text: "(checked)" }] } : result)
      }))
      const { client } = yield* tryConnect(server)
      const result = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      assert.deepStrictEqual(textOf(result), ["hi", "(checked)"])
    }))

  it.live("rejects with a typed error: the client gets its code and the handler never runs", () =>
    Effect.gen(function*() {
      const { server, calls } = yield* serverWith(Middleware.make("deny", {
        onCallTool: (params, _context, next) => {
          const text = (params.arguments as { readonly text?: string } | undefined)?.text
          if (text === "forbidden") return Effect.fail(new McpError.JsonRpcError({ code: 4031, message: "denied" }))
          if (text === "invalid") return Effect.fail(McpError.invalidParams("not this text"))
          return next(params)
        }
      }))
      const { client } = yield* tryConnect(server)
      const denied = yield* sdkError(() => client.callTool({ name: "echo", arguments: { text: "forbidden" } }))
      assert.strictEqual(denied.code, 4031)
      const invalid = yield* sdkError(() => client.callTool({ name: "echo", arguments: { text: "invalid" } }))
      assert.strictEqual(invalid.code, -32602)
      assert.include(invalid.message, "not this text")
      assert.strictEqual(calls.echo, 0)
      const allowed = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "fine" } }))
      assert.deepStrictEqual(textOf(allowed), ["fine"])
      assert.strictEqual(calls.echo, 1)
    }))

  it.live("answers by itself (short-circuit): the client gets its result and the handler never runs", () =>
    Effect.gen(function*() {
      const { server, calls } = yield* serverWith(Middleware.make("cache", {
        onCallTool: (params, _context, next) =>
          params.name === "echo" ? Effect.succeed({ content: [{ type: "text" as const, text: "cached" }] }) : next(params)
      }))
      const { client } = yield* tryConnect(server)
      const result = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      assert.deepStrictEqual(textOf(result), ["cached"])
      assert.strictEqual(calls.echo, 0)
    }))

  it.live("gives the handlers below a principal with next(params, context.with({ principal }))", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("authenticate", {
        onCallTool: (params, context, next) =>
          next(params, context.with({ principal: { subject: "alice", scopes: ["admin"], claims: {} } }))
      }))
      const { client } = yield* tryConnect(server)
      const seen = yield* whoami(client)
      assert.strictEqual(seen.principal, "alice")
    }))

  it.live("gives the handlers below a service with Effect.provideService(next(params), Tag, value)", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith(Middleware.make("tenant", {
        onCallTool: (params, _context, next) => Effect.provideService(next(params), Tenant, { id: "acme" })
      }))
      const { client } = yield* tryConnect(server)
      const seen = yield* whoami(client)
      assert.strictEqual(seen.tenant, "acme")
      assert.strictEqual(seen.principal, null)
    }))

  it.live("an observer given with next(params, context.with({ onClientRequest })) is told of what the code below asks through context.session too", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const sessions: Array<unknown> = []
      const Ask = McpServer.tool({
        name: "ask",
        handler: () =>
          Effect.gen(function*() {
            const context = yield* McpContext.current
            sessions.push(context.session)
            yield* context.session.request("ping", undefined)
            yield* context.ping()
            return "asked"
          }).pipe(Effect.orDie)
      })
      const server = yield* startServer({}, components([
        Ask,
        McpServer.middleware(
          Middleware.make("observer", {
            onCallTool: (params, context, next) =>
              next(params, context.with({ onClientRequest: (method) => observed.push(`${params.name}: ${method}`) })),
            onSession: (session) => Effect.sync(() => void sessions.push(session))
          }),
          // Below the observer, another context (same observers) and a request of the middleware's own.
          Middleware.make("authenticate", {
            onCallTool: (params, context, next) =>
              Effect.andThen(
                Effect.orDie(context.session.request("ping", undefined)),
                next(params, context.with({ principal: { subject: "alice", scopes: [], claims: {} } }))
              )
          })
        )
      ]))
      const { client } = yield* tryConnect(server)
      assert.deepStrictEqual(textOf(yield* sdk(() => client.callTool({ name: "ask", arguments: {} }))), ["asked"])
      assert.deepStrictEqual(observed, ["ask: ping", "ask: ping", "ask: ping"])
      // What the session sends outside the request is not the request's: nobody is told.
      yield* Effect.orDie(Effect.asVoid((sessions[0] as { request: (method: string, params: undefined) => Effect.Effect<unknown, unknown> }).request("ping", undefined)))
      assert.strictEqual(observed.length, 3)
      // The handler sees the session itself, not a view of it: the one onSession got.
      assert.strictEqual(sessions.length, 2)
      assert.strictEqual(sessions[1], sessions[0])
    }))

  /** A server with `tool` below a middleware whose `onClientRequest` observer pushes each method it is told of to `observed`. */
  const startObserved = (tool: Layer.Layer<never, never, McpServer.McpServer>, observed: Array<string>) =>
    startServer({}, components([
      tool,
      McpServer.middleware(Middleware.make("observer", {
        onCallTool: (params, context, next) => next(params, context.with({ onClientRequest: (method) => observed.push(method) }))
      }))
    ]))

  // Fails before: the observer was told of the untied request before the session refused it.
  it.live("such an observer is not told of an untied request the session refuses (nothing is sent)", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const Ask = McpServer.tool({
        name: "ask_untied",
        handler: () =>
          Effect.gen(function*() {
            const context = yield* McpContext.current
            // The client declared no elicitation: refused here, typed.
            const refused = yield* Effect.flip(context.session.request("elicitation/create", {
              mode: "form",
              message: "Name?",
              requestedSchema: { type: "object", properties: {} }
            }))
            yield* context.session.request("ping", undefined)
            return refused._tag
          }).pipe(Effect.orDie)
      })
      const server = yield* startObserved(Ask, observed)
      const { client } = yield* tryConnect(server, { capabilities: {} })
      assert.deepStrictEqual(textOf(yield* sdk(() => client.callTool({ name: "ask_untied", arguments: {} }))), ["ClientCapabilityMissing"])
      // The ping, sent, is told.
      assert.deepStrictEqual(observed, ["ping"])
    }))

  // Fails before: the session sent a handshake-era ping to the 2026 client (and the observer was told).
  it.live("on a 2026-07-28 connection an untied request fails typed: nothing is sent, the observer is not told", () =>
    Effect.gen(function*() {
      const observed: Array<string> = []
      const Ask = McpServer.tool({
        name: "ask_untied",
        handler: () =>
          Effect.gen(function*() {
            const context = yield* McpContext.current
            const refused = yield* Effect.flip(context.session.request("ping", undefined, { timeoutMillis: 1_000 }))
            return refused._tag
          }).pipe(Effect.orDie)
      })
      const server = yield* startObserved(Ask, observed)
      const client = yield* connectModern(server)
      const answer = yield* Effect.promise(() => client.request("tools/call", { name: "ask_untied", arguments: {} }))
      assert.deepStrictEqual(textOf(answer.result), ["ClientVersionUnsupported"])
      assert.deepStrictEqual(observed, [])
      assert.deepStrictEqual(client.received.filter((message) => message.method !== undefined), [])
    }))

  it.live("without such middleware the handler sees neither", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith()
      const { client } = yield* tryConnect(server)
      const seen = yield* whoami(client)
      assert.deepStrictEqual([seen.principal, seen.tenant], [null, null])
    }))
})

// ---------------------------------------------------------------------------
// Raw hooks
// ---------------------------------------------------------------------------

describe("Middleware contract: raw hooks", () => {
  it.live("onRequest sees requests for unknown methods and with invalid params, and the error they end with", () =>
    Effect.gen(function*() {
      const seen: Array<readonly [string, number | "ok"]> = []
      let typed = 0
      const { server } = yield* serverWith(Middleware.make("watch", {
        onRequest: (request, _context, next) =>
          next(request).pipe(
            Effect.tap(() => Effect.sync(() => void seen.push([request.method, "ok"]))),
            Effect.tapError((error) => Effect.sync(() => void seen.push([request.method, McpError.toErrorObject(error).code])))
          ),
        onCallTool: (params, _context, next) => Effect.suspend(() => {
          typed++
          return next(params)
        })
      }))
      const { client } = yield* tryConnect(server)
      const unknown = yield* sdkError(() => client.request({ method: "vendor/unknown", params: {} } as never, EmptyResultSchema))
      assert.strictEqual(unknown.code, -32601)
      const invalid = yield* sdkError(() =>
        client.request({ method: "tools/call", params: { name: 42 } } as never, CallToolResultSchema)
      )
      assert.strictEqual(invalid.code, -32602)
      assert.deepStrictEqual(seen, [["initialize", "ok"], ["vendor/unknown", -32601], ["tools/call", -32602]])
      // Invalid params never reach the typed hooks.
      assert.strictEqual(typed, 0)
    }))

  it.live("onMessage observes notifications: notifications/initialized and notifications/cancelled", () =>
    Effect.gen(function*() {
      const seen: Array<Middleware.Message> = []
      const { server } = yield* serverWith(Middleware.make("watch", {
        onMessage: (message, next) => {
          seen.push(message)
          return next()
        }
      }))
      const { client } = yield* tryConnect(server)
      yield* eventually(() => seen.some((message) => methodOf(message) === "notifications/initialized"))
      assert.deepStrictEqual(seen.map(methodOf), ["initialize", "notifications/initialized"])
      assert.strictEqual(seen[1]!._tag, "Notification")

      const controller = new AbortController()
      const call = client.callTool({ name: "sleep", arguments: {} }, undefined, { signal: controller.signal })
      call.catch(() => {})
      yield* eventually(() => seen.some((message) => methodOf(message) === "tools/call"))
      controller.abort("changed my mind")
      yield* eventually(() => seen.some((message) => methodOf(message) === "notifications/cancelled"))
      const request = seen.find((message) => methodOf(message) === "tools/call")!
      const cancelled = seen.find((message) => methodOf(message) === "notifications/cancelled")!
      assert.strictEqual(request._tag, "Request")
      assert.strictEqual(cancelled._tag, "Notification")
      assert.strictEqual(
        (cancelled as { notification: { params?: { requestId?: unknown } } }).notification.params?.requestId,
        (request as { request: { id: unknown } }).request.id
      )
    }))

  it.live("onMessage observes invalid input (a raw client's jsonrpc 1.0 message and a notification with array params)", () =>
    Effect.gen(function*() {
      const seen: Array<Middleware.Message> = []
      const { server } = yield* serverWith(Middleware.make("watch", {
        onMessage: (message, next) => {
          seen.push(message)
          return next()
        }
      }))
      const raw = yield* openRaw(server)
      yield* promise(() => raw.send({ jsonrpc: "1.0" }))
      yield* promise(() => raw.send({ jsonrpc: "2.0", method: "notifications/progress", params: [1, 2] }))
      yield* eventually(() => seen.length >= 2)
      assert.deepStrictEqual(
        seen.map((message) =>
          message._tag === "Invalid" ? { value: message.invalid.value, code: message.invalid.error.code } : message._tag
        ),
        [
          { value: { jsonrpc: "1.0" }, code: -32600 },
          { value: { jsonrpc: "2.0", method: "notifications/progress", params: [1, 2] }, code: -32602 }
        ]
      )
      // The invalid message was answered; the invalid notification was not.
      yield* sleepReal(20)
      assert.deepStrictEqual(raw.received.map((message) => message.error?.code), [-32600])
    }))

  it.live("onMessage observes the requests the session refuses before dispatching them, with the error they were answered", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { server } = yield* serverWith(Middleware.make("watch", {
        onMessage: (message, next) => {
          seen.push(
            message._tag === "Invalid"
              ? `invalid ${(message.invalid.value as { method?: string }).method} ${message.invalid.error.code}`
              : message._tag === "Request"
              ? `request ${message.request.method}`
              : `notification ${message.notification.method}`
          )
          return next()
        }
      }))
      // The 2025 lifecycle: a request before initialize, initialize twice, an id already in progress.
      const raw = yield* openRaw(server)
      yield* promise(() => raw.send({ jsonrpc: "2.0", id: "early", method: "tools/list" }))
      assert.strictEqual((yield* promise(() => raw.waitFor((message) => message.id === "early"))).error.code, -32600)
      yield* promise(() => initializeRaw(raw))
      yield* promise(() => raw.send(initializeRequest("again")))
      assert.strictEqual((yield* promise(() => raw.waitFor((message) => message.id === "again"))).error.code, -32600)
      const call = { jsonrpc: "2.0", id: "twice", method: "tools/call", params: { name: "sleep", arguments: {} } }
      yield* promise(() => raw.send(call))
      yield* promise(() => raw.send(call))
      assert.strictEqual((yield* promise(() => raw.waitFor((message) => message.id === "twice"))).error.code, -32600)
      // 2026-07-28: a request whose _meta is refused.
      const modern = yield* openRaw(server)
      const _meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/logLevel": "LOUD" }
      yield* promise(() => modern.send({ jsonrpc: "2.0", id: "meta", method: "tools/list", params: { _meta } }))
      assert.strictEqual((yield* promise(() => modern.waitFor((message) => message.id === "meta"))).error.code, -32602)
      yield* eventually(() => seen.filter((line) => line.startsWith("invalid")).length >= 4)
      assert.deepStrictEqual(seen.filter((line) => !line.startsWith("request tools/call")), [
        "invalid tools/list -32600",
        "request initialize",
        "notification notifications/initialized",
        "invalid initialize -32600",
        "invalid tools/call -32600",
        "invalid tools/list -32602"
      ])
    }))
})

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

describe("Middleware contract: a slow hook delays nothing else", () => {
  // The slow hooks wait for a gate the test opens once the others were answered (they slept 500 ms
  // and 300 ms, against which "answered within 100 ms" measured the machine as much as the server:
  // a loaded one passed the 100 ms, or the sleep ended first). Answered while the hook is held is
  // what "not delayed by it" means; a server that made them wait for it would never answer them
  // (the waits are bounded: the test fails).
  it.live("an onCallTool held by a slow hook delays neither a concurrent ping nor another tool call", () =>
    Effect.gen(function*() {
      const gate = Deferred.makeUnsafe<void>()
      let held = false
      const { server } = yield* serverWith(Middleware.make("slow", {
        onCallTool: (params, _context, next) =>
          (params.arguments as { readonly text?: string } | undefined)?.text === "slow"
            ? Effect.sync(() => (held = true)).pipe(Effect.andThen(Deferred.await(gate)), Effect.andThen(next(params)))
            : next(params)
      }))
      yield* Effect.addFinalizer(() => Deferred.done(gate, Exit.void))
      const { client } = yield* tryConnect(server)
      let slowAnswered = false
      const slow = client.callTool({ name: "echo", arguments: { text: "slow" } }).then((result) => {
        slowAnswered = true
        return result
      })
      // Its rejection, if the test fails first (the connection closed), is not left unhandled.
      slow.catch(() => undefined)
      yield* eventually(() => held, 10_000)
      // Bounded each (the SDK's default is 60 s, past the test's 30 s): one waiting for the held
      // hook fails at 10 s, "Request timed out", not as the test's timeout.
      yield* sdk(() => client.ping({ timeout: 10_000 }))
      const fast = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "fast" } }, undefined, { timeout: 10_000 }))
      assert.deepStrictEqual(textOf(fast), ["fast"])
      assert.isFalse(slowAnswered, "the slow call was answered before its hook let it through")
      yield* Deferred.done(gate, Exit.void)
      const done = yield* promise(() => slow)
      assert.deepStrictEqual(textOf(done), ["slow"])
    }))

  it.live("an onInitialize held by a slow hook does not delay a ping sent meanwhile", () =>
    Effect.gen(function*() {
      const gate = Deferred.makeUnsafe<void>()
      const { server } = yield* serverWith(Middleware.make("slow-initialize", {
        onInitialize: (params, _context, next) => Effect.andThen(Deferred.await(gate), next(params))
      }))
      yield* Effect.addFinalizer(() => Deferred.done(gate, Exit.void))
      const raw = yield* openRaw(server)
      yield* promise(() => raw.send(initializeRequest("init")))
      yield* promise(() => raw.send({ jsonrpc: "2.0", id: "ping", method: "ping" }))
      const pong = yield* promise(() => raw.waitFor((message) => message.id === "ping", 10_000))
      assert.deepStrictEqual(pong.result, {})
      assert.isFalse(raw.received.some((message) => message.id === "init"))
      yield* Deferred.done(gate, Exit.void)
      const initialized = yield* promise(() => raw.waitFor((message) => message.id === "init", 10_000))
      assert.strictEqual(initialized.result.serverInfo.name, "test-server")
      assert.deepStrictEqual(raw.received.map((message) => message.id), ["ping", "init"])
    }))
})

// ---------------------------------------------------------------------------
// onSession
// ---------------------------------------------------------------------------

describe("Middleware contract: onSession", () => {
  it.live("runs once per session and is interrupted when its session ends", () =>
    Effect.gen(function*() {
      const started: Array<string> = []
      const interrupted: Array<string> = []
      const { server } = yield* serverWith(Middleware.make("session", {
        onSession: (session) =>
          Effect.sync(() => void started.push(session.id)).pipe(
            Effect.andThen(Effect.never),
            Effect.onInterrupt(() => Effect.sync(() => void interrupted.push(session.id)))
          )
      }))
      const first = yield* tryConnect(server)
      const second = yield* tryConnect(server)
      const firstId = (yield* whoami(first.client)).sessionId as string
      const secondId = (yield* whoami(second.client)).sessionId as string
      assert.notStrictEqual(firstId, secondId)
      yield* eventually(() => started.length === 2)
      assert.sameMembers(started, [firstId, secondId])
      assert.deepStrictEqual(interrupted, [])

      yield* promise(() => first.client.close())
      yield* eventually(() => interrupted.length === 1)
      assert.deepStrictEqual(interrupted, [firstId])
      yield* promise(() => second.client.close())
      yield* eventually(() => interrupted.length === 2)
      assert.deepStrictEqual(interrupted, [firstId, secondId])
      assert.strictEqual(started.length, 2)
    }))

  it.live("the Scope onSession gets is the session's: its finalizers run when the session ends", () =>
    Effect.gen(function*() {
      const finalized: Array<string> = []
      const { server } = yield* serverWith(Middleware.make("session-scope", {
        onSession: (session) =>
          Effect.andThen(
            Effect.addFinalizer(() => Effect.sync(() => void finalized.push(session.id))),
            Effect.never
          )
      }))
      const { client } = yield* tryConnect(server)
      const { sessionId } = yield* whoami(client)
      yield* promise(() => client.close())
      yield* eventually(() => finalized.length === 1, 2_000)
      assert.deepStrictEqual(finalized, [sessionId])
    }))

  it.live("a middleware Layer's services reach its onSession hook", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const WithTenant = Middleware.make<Tenant>("needs-tenant", {
        onSession: () => Effect.flatMap(Effect.service(Tenant), (tenant) => Effect.sync(() => void seen.push(tenant.id)))
      })
      const fixture = makeTools()
      const server = yield* startServer(
        {},
        components([
          ...fixture.tools,
          McpServer.middleware(WithTenant).pipe(Layer.provide(Layer.succeed(Tenant, { id: "from-layer" })))
        ])
      )
      yield* tryConnect(server)
      yield* eventually(() => seen.length === 1)
      assert.deepStrictEqual(seen, ["from-layer"])
    }))
})
