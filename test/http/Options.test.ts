/**
 * The numeric options of the Streamable HTTP endpoint and of stdio, out of range, are refused
 * with a `RangeError` naming the option and its rule when the endpoint or transport is made
 * (`StreamableHttp.make`, `serve`, `route`, `handler`, `fromConfig`, `WebHandler.make`,
 * `Stdio.make`). Before, a `bodyTimeoutMillis` of `NaN` or 0 cut every body after 1 ms (408), a
 * `requestTimeoutMillis` of 0 answered every request 504, a `maxSessions` or `maxMessageBytes` of
 * `NaN` was no limit, 0 refused everything. The documented values still serve: defaults,
 * `keepAliveMillis: 0` (off), `Infinity` for the limits and timeouts that say so. An
 * `allowedHosts` entry that can be no host name (`localhost:3000`) is refused there too, with a
 * `TypeError`, and so is a `healthPath` that is the endpoint's path.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PassThrough } from "node:stream"
import { Stdio, StreamableHttp } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { answerOf, on, openSession, post, serveEverything } from "./support.ts"

const run: StreamableHttp.Runner = () => Effect.void

/** Each option with values it must refuse. */
const bad: ReadonlyArray<readonly [name: string, options: StreamableHttp.Options, values: ReadonlyArray<unknown>]> = [
  ["maxBodyBytes", {}, [Number.NaN, 0, -1, 1.5, Number.POSITIVE_INFINITY]],
  ["bodyTimeoutMillis", {}, [Number.NaN, 0, -1, 2 ** 31, Number.POSITIVE_INFINITY]],
  ["maxSessions", {}, [Number.NaN, 0, -1, 2.5]],
  ["sessionIdleTimeoutMillis", {}, [Number.NaN, 0, -1]],
  ["requestTimeoutMillis", {}, [Number.NaN, 0, -1, "1000"]],
  ["retryMillis", {}, [Number.NaN, -1, 0.5, Number.POSITIVE_INFINITY]],
  ["keepAliveMillis", {}, [Number.NaN, -1]],
  ["session.maxConcurrentRequests", {}, [Number.NaN, 0]],
  ["session.shutdownTimeoutMillis", {}, [Number.NaN, -5]],
  ["cors.maxAgeSeconds", { cors: { allowedOrigins: "*" } }, [Number.NaN, -1, 1.5]]
]

/** `name` (maybe `a.b`) set to `value` in `base`. */
const withOption = (base: StreamableHttp.Options, name: string, value: unknown): StreamableHttp.Options => {
  const [outer, inner] = name.split(".") as [string, string | undefined]
  if (inner === undefined) return { ...base, [outer]: value }
  return { ...base, [outer]: { ...(base as Record<string, object | undefined>)[outer], [inner]: value } }
}

const makers: ReadonlyArray<readonly [who: string, make: (options: StreamableHttp.Options) => unknown]> = [
  ["StreamableHttp.make", (options) => StreamableHttp.make(options)],
  ["StreamableHttp.serve", (options) => StreamableHttp.serve(run, options)],
  ["StreamableHttp.route", (options) => StreamableHttp.route(run, options)],
  ["StreamableHttp.handler", (options) => StreamableHttp.handler(run, options)],
  ["StreamableHttp.fromConfig", (options) => StreamableHttp.fromConfig(options)],
  ["WebHandler.make", (options) => WebHandler.make({ name: "w", version: "1" }, Layer.empty, options)]
]

describe("Streamable HTTP options out of range", () => {
  it("are refused when the endpoint is made, with a RangeError naming the option", () => {
    for (const [who, make] of makers) {
      for (const [name, base, values] of bad) {
        for (const value of values) {
          assert.throws(() => make(withOption(base, name, value)), RangeError, `${who}: ${name} must be `, `${who} ${name}: ${value}`)
        }
      }
    }
  })

  // Failed before: taken; every body larger than maxBodyBytesInFlight (within maxBodyBytes) was
  // refused 503 with `Retry-After: 1`, for ever, whatever the load.
  it("a maxBodyBytesInFlight below maxBodyBytes (given, or its default) is refused, naming both", () => {
    for (const [who, make] of makers) {
      assert.throws(
        () => make({ maxBodyBytes: 2048, maxBodyBytesInFlight: 1024 }),
        RangeError,
        `${who}: maxBodyBytesInFlight must be at least maxBodyBytes (2048), got 1024: a body larger than it would be refused 503 for ever`
      )
      // `fromConfig`: maxBodyBytes may yet come from the environment (see FromConfig.test.ts).
      if (who !== "StreamableHttp.fromConfig") {
        assert.throws(() => make({ maxBodyBytesInFlight: 1024 }), RangeError, `${who}: maxBodyBytesInFlight must be at least maxBodyBytes (4194304, its default), got 1024`)
      }
      for (const options of [{ maxBodyBytes: 1024, maxBodyBytesInFlight: 1024 }, { maxBodyBytesInFlight: Number.POSITIVE_INFINITY }, { maxBodyBytes: 1 }]) {
        assert.doesNotThrow(() => make(options), `${who} ${JSON.stringify(options)}`)
      }
    }
  })

  it("the message says the rule and the value", () => {
    assert.throws(
      () => StreamableHttp.make({ bodyTimeoutMillis: 2 ** 31 }),
      "StreamableHttp.make: bodyTimeoutMillis must be a number > 0 and at most 2147483647 (milliseconds), got 2147483648"
    )
    assert.throws(
      () => StreamableHttp.make({ session: { maxQueuedRequests: 0 } }),
      "StreamableHttp.make: session.maxQueuedRequests must be an integer >= 1 or Infinity, got 0"
    )
  })

  it("defaults and documented values are taken", () => {
    for (const [, make] of makers) {
      for (
        const options of [
          {},
          { keepAliveMillis: 0, retryMillis: 0, cors: { allowedOrigins: "*" as const, maxAgeSeconds: 0 } },
          {
            maxSessions: Number.POSITIVE_INFINITY,
            requestTimeoutMillis: Number.POSITIVE_INFINITY,
            sessionIdleTimeoutMillis: Number.POSITIVE_INFINITY,
            keepAliveMillis: Number.POSITIVE_INFINITY,
            bodyTimeoutMillis: 2 ** 31 - 1,
            maxBodyBytes: 1,
            session: { maxConcurrentRequests: Number.POSITIVE_INFINITY, shutdownTimeoutMillis: 0 }
          }
        ]
      ) assert.doesNotThrow(() => make(options), JSON.stringify(options))
    }
  })

  it.live("an endpoint with the special values serves a session", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({
        keepAliveMillis: 0,
        maxSessions: Number.POSITIVE_INFINITY,
        requestTimeoutMillis: Number.POSITIVE_INFINITY,
        sessionIdleTimeoutMillis: Number.POSITIVE_INFINITY,
        session: { maxConcurrentRequests: Number.POSITIVE_INFINITY, shutdownTimeoutMillis: 0 }
      })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const answer = yield* Effect.promise(async () =>
        answerOf(await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_simple_text", arguments: {} } }, on(sessionId)))
      )
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "This is a simple text response for testing." }])
    }).pipe(Effect.scoped))
})

describe("Streamable HTTP allowedHosts that can be no host names", () => {
  // Fails before the fix: `make` took them; the endpoint failed as it was built (a WebHandler
  // logged it and answered every request 500, a served endpoint died once it ran).
  it("are refused when the endpoint is made, with a TypeError naming the option, the entry and why", () => {
    const cases: ReadonlyArray<readonly [allowedHosts: unknown, message: string]> = [
      [["localhost:3000"], "allowedHosts lists \"localhost:3000\", which names a port (the Host check compares host names without their port): write localhost"],
      [["mcp.example.com", "[::1]:3000"], "allowedHosts lists \"[::1]:3000\", which names a port (the Host check compares host names without their port): write [::1]"],
      [["https://mcp.example.com"], "allowedHosts lists \"https://mcp.example.com\", which is not a host name"],
      [["*"], "allowedHosts lists \"*\", which is not a host name"],
      [[3000], "allowedHosts lists 3000, which is not a host name"],
      // Failed before: a TypeError that named neither (String() of an object without a prototype throws).
      [[Object.create(null)], "allowedHosts lists an object ([object Object]), which is not a host name"],
      [Object.create(null), "allowedHosts must be a list of host names or \"any\", got an object ([object Object])"],
      ["localhost", "allowedHosts must be a list of host names or \"any\", got \"localhost\""],
      // Failed before: taken, and every request was a 403.
      [[], "allowedHosts is empty, which allows no host (every request 403): list the host names clients use, or \"any\""]
    ]
    for (const [who, make] of makers) {
      for (const [allowedHosts, message] of cases) {
        assert.throws(() => make({ allowedHosts } as StreamableHttp.Options), TypeError, `${who}: ${message}`, `${who} ${JSON.stringify(allowedHosts)}`)
      }
    }
  })

  it("names, addresses (an IPv6 one bare or in brackets), a trailing dot and \"any\" are taken", () => {
    for (const [, make] of makers) {
      for (const allowedHosts of [["localhost", "127.0.0.1", "::1", "[::1]", "MCP.example.com."], "any" as const, undefined]) {
        assert.doesNotThrow(() => make({ allowedHosts }), JSON.stringify(allowedHosts))
      }
    }
  })

  // Fails before the fix: taken, and the server stopped as it started with the router's "Method 'GET'
  // already declared for route '/mcp'" and its stack, naming no option (a WebHandler answered 500).
  it("a healthPath that is the endpoint's path (a trailing slash aside) is refused with a TypeError naming both", () => {
    const cases: ReadonlyArray<readonly [options: StreamableHttp.Options, message: string]> = [
      [{ healthPath: "/mcp" }, "healthPath \"/mcp\" is the endpoint's path (path \"/mcp\"): a GET there is the endpoint's"],
      [{ healthPath: "/mcp/" }, "healthPath \"/mcp/\" is the endpoint's path (path \"/mcp\")"],
      [{ path: "/rpc/", healthPath: "/rpc" }, "healthPath \"/rpc\" is the endpoint's path (path \"/rpc/\")"]
    ]
    for (const [who, make] of makers) {
      for (const [options, message] of cases) {
        // `fromConfig` without a path in code: the environment may give one (see FromConfig.test.ts).
        if (who === "StreamableHttp.fromConfig" && options.path === undefined) continue
        assert.throws(() => make(options), TypeError, `${who}: ${message}`, `${who} ${JSON.stringify(options)}`)
      }
      for (const options of [{ healthPath: "/healthz" as const }, { path: "/rpc" as const, healthPath: "/mcp" as const }]) {
        assert.doesNotThrow(() => make(options), JSON.stringify(options))
      }
    }
  })
})

describe("Streamable HTTP session options: checked once, when the endpoint is made", () => {
  // Failed before: every session's options were the caller's `session` object as it was then,
  // checked again as each session started, so a change after the endpoint was made (a NaN) was
  // a defect of every new session (it could not start). Now the endpoint keeps the checked copy
  // its sessions start with, unchecked as they start.
  it.live("a change to the session object after the endpoint was made does not reach a session", () =>
    Effect.gen(function*() {
      const session: { maxConcurrentRequests: number } = { maxConcurrentRequests: 4 }
      const { url } = yield* serveEverything({ session })
      session.maxConcurrentRequests = Number.NaN
      const sessionId = yield* Effect.promise(() => openSession(url))
      const answer = yield* Effect.promise(async () =>
        answerOf(await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_simple_text", arguments: {} } }, on(sessionId)))
      )
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "This is a simple text response for testing." }])
    }).pipe(Effect.scoped))
})

describe("Stdio options out of range", () => {
  it("maxMessageBytes is refused by Stdio.make, with a RangeError naming it", () => {
    const streams = { stdin: new PassThrough(), stdout: new PassThrough() }
    for (const value of [Number.NaN, 0, -1, 1.5]) {
      assert.throws(() => Stdio.make({ ...streams, maxMessageBytes: value }), RangeError, "Stdio.make: maxMessageBytes must be an integer >= 1 or Infinity, got", String(value))
    }
    for (const value of [undefined, 1, 4096, Number.POSITIVE_INFINITY]) {
      assert.doesNotThrow(() => Stdio.make({ ...streams, maxMessageBytes: value }), String(value))
    }
  })
})
