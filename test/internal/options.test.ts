/**
 * Numeric options across the package, out of range, are refused where they are given with a
 * `RangeError` of one form, `<who>: <option> must be <rule>, got <value>` (the shared check of
 * `src/internal/options.ts`); the defaults and the documented values (`Infinity` where it means
 * "no limit", 0 where it means "off") are still taken. The sessions' and the HTTP endpoint's own
 * options have their tests (`test/session/SessionOptions.test.ts`, `test/http/Options.test.ts`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { generateKeyPairSync } from "node:crypto"
import { BearerAuth } from "../../src/auth.ts"
import * as NumericOptions from "../../src/internal/options.ts"
import { EventStore, InMemory, McpServer, SessionStore } from "../../src/index.ts"
import { KeepAlive, RateLimit, ResponseCache, SizeLimit, Telemetry, Timeout } from "../../src/middleware/index.ts"
import { McpTestClient } from "../../src/testing.ts"

const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString()
const jwt = (options: Partial<BearerAuth.JwtOptions>) => BearerAuth.jwt({ key: pem, issuer: "https://iss.test", audience: "https://aud.test", ...options })
const introspection = (options: Partial<BearerAuth.IntrospectionOptions>) =>
  BearerAuth.introspection({ url: "http://127.0.0.1:1/introspect", audience: "https://aud.test", ...options })
const otlp = (exportIntervalMillis: number) => Telemetry.otlp({ url: "http://127.0.0.1:1", serviceName: "s", exportIntervalMillis })

/** What takes the option, its name, the message's start, and the values refused. */
const refused: ReadonlyArray<readonly [who: string, make: (value: number) => unknown, values: ReadonlyArray<number>]> = [
  // Before: jose took these, and threw at each verification: every token refused (401).
  ["BearerAuth.jwt: clockToleranceSeconds", (v) => jwt({ clockToleranceSeconds: v }), [Number.NaN, -1, Number.POSITIVE_INFINITY]],
  ["BearerAuth.jwt: jwksCacheMillis", (v) => jwt({ key: undefined, jwksUrl: "http://127.0.0.1:1/jwks", jwksCacheMillis: v }), [Number.NaN, -1]],
  // Before: `NaN` cached nothing, or kept every answer (no bound); a timeout of `NaN` or 0 gave the endpoint no time.
  ["BearerAuth.introspection: cacheMillis", (v) => introspection({ cacheMillis: v }), [Number.NaN, -1]],
  ["BearerAuth.introspection: maxCacheEntries", (v) => introspection({ maxCacheEntries: v }), [Number.NaN, 0, 1.5, Number.POSITIVE_INFINITY]],
  ["BearerAuth.introspection: timeoutMillis", (v) => introspection({ timeoutMillis: v }), [Number.NaN, 0, -1]],
  // Before: 1 ms checked each open stream's token every millisecond (an introspection each, not cached).
  ["BearerAuth.introspection: streamRecheckMillis", (v) => introspection({ streamRecheckMillis: v }), [Number.NaN, 0, 1, 999]],
  // Before: `NaN` or 0 turned the checks off, without a word; 1 ms, a check a millisecond.
  [
    "BearerAuth.config: verifier.recheckMillis",
    (v) => BearerAuth.config({ verifier: { verify: () => Effect.die("unused"), recheckMillis: v }, resource: "https://aud.test", authorizationServers: ["https://iss.test"] }),
    [Number.NaN, 0, 1, 999]
  ],
  // Before: `NaN` kept everything, 0 nothing (no stream could be resumed).
  ["EventStore: maxEventsPerStream", (v) => EventStore.EventStore.layerMemory({ maxEventsPerStream: v }), [Number.NaN, 0, 2.5]],
  ["EventStore: maxStreamsPerSession", (v) => EventStore.makeMemory({ maxStreamsPerSession: v }), [Number.NaN, -1]],
  // Before: `NaN` was no limit, 0 refused every session.
  ["SessionStore: maxSessions", (v) => SessionStore.SessionStore.layerMemory({ maxSessions: v }), [Number.NaN, 0, 1.5]],
  ["SessionStore: maxSessions", (v) => SessionStore.makeMemory({ maxSessions: v }), [Number.NaN, 0]],
  // Before: 0 made each message wait for the server to take it; `NaN`, no bound.
  ["InMemory.makePair: capacity", (v) => InMemory.makePair({ capacity: v }), [Number.NaN, 0, -1, 0.5]],
  // Before: 0 or less exported in a loop without waiting; `NaN` failed when built, unnamed.
  ["Telemetry.otlp: exportIntervalMillis", otlp, [Number.NaN, 0, -1, Number.POSITIVE_INFINITY]],
  // Checked before, with messages of their own: now the shared form.
  ["KeepAlive: maxMisses", (v) => KeepAlive.middleware({ interval: "1 second", maxMisses: v }), [Number.NaN, 0, 1.5]],
  ["KeepAlive: timeout", (v) => KeepAlive.middleware({ interval: "1 second", timeout: v }), [Number.NaN, 0, -1]],
  ["SizeLimit: maxBytes", (v) => SizeLimit.middleware({ maxBytes: v }), [Number.NaN, 0, 1.5]],
  ["RateLimit: capacity", (v) => RateLimit.tokenBucket({ capacity: v, refillPerSecond: 1 }), [Number.NaN, 0.5, Number.POSITIVE_INFINITY]],
  ["RateLimit: windowMillis", (v) => RateLimit.slidingWindow({ limit: 1, windowMillis: v }), [Number.NaN, 0]],
  ["ResponseCache: ttlMillis", (v) => ResponseCache.layer({ ttlMillis: v }), [Number.NaN, 0, -1]],
  ["Timeout: default", (v) => Timeout.middleware({ default: v }), [Number.NaN, 0, -1]]
]

describe("numeric options out of range", () => {
  it("are refused when given, with a RangeError naming the option", () => {
    for (const [who, make, values] of refused) {
      for (const value of values) assert.throws(() => make(value), RangeError, `${who} must be `, `${who}: ${value}`)
    }
  })

  it.effect("McpTestClient.make refuses a timeoutMillis of NaN or 0 (every wait timed out at once)", () =>
    Effect.gen(function*() {
      for (const timeoutMillis of [Number.NaN, 0, -1]) {
        const exit = yield* Effect.exit(Effect.scoped(McpTestClient.make(Layer.empty, { timeoutMillis })))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          assert.include(String(Cause.squash(exit.cause)), "McpTestClient.make: timeoutMillis must be a number > 0 (milliseconds)")
        }
      }
    }))

  it("the message names the rule and shows the value (a string quoted)", () => {
    assert.throws(
      () => NumericOptions.check("X", "limit", "10", NumericOptions.integer(1)),
      RangeError,
      "X: limit must be an integer >= 1, got \"10\""
    )
    assert.throws(
      () => SessionStore.makeMemory({ maxSessions: Number.NaN }),
      "SessionStore: maxSessions must be an integer >= 1 or Infinity, got NaN"
    )
    assert.throws(
      () => McpServer.tasks({ maxTasks: 0 }),
      "McpServer.tasks: maxTasks must be an integer >= 1 or Infinity, got 0"
    )
  })
})

describe("numeric options in range", () => {
  it("the defaults and the documented values are taken", () => {
    const taken: ReadonlyArray<readonly [string, () => unknown]> = [
      ["jwt defaults", () => jwt({})],
      ["jwt clockToleranceSeconds 0", () => jwt({ clockToleranceSeconds: 0 })],
      ["jwt jwksCacheMillis 0 and Infinity", () => [0, Number.POSITIVE_INFINITY].map((jwksCacheMillis) => jwt({ key: undefined, jwksUrl: "http://127.0.0.1:1/jwks", jwksCacheMillis }))],
      ["introspection defaults", () => introspection({})],
      ["introspection cacheMillis 0 (never)", () => introspection({ cacheMillis: 0, maxCacheEntries: 1, timeoutMillis: Number.POSITIVE_INFINITY })],
      ["EventStore Infinity", () => EventStore.makeMemory({ maxEventsPerStream: Number.POSITIVE_INFINITY, maxStreamsPerSession: 1 })],
      ["SessionStore Infinity", () => SessionStore.makeMemory({ maxSessions: Number.POSITIVE_INFINITY })],
      ["InMemory defaults and Infinity", () => [InMemory.makePair(), InMemory.makePair({ capacity: Number.POSITIVE_INFINITY })]],
      ["Telemetry 1 ms", () => otlp(1)],
      ["KeepAlive", () => KeepAlive.middleware({ interval: "1 second", timeout: "10 millis", maxMisses: 1 })],
      ["RateLimit", () => RateLimit.tokenBucket({ capacity: 1.5, refillPerSecond: 0.1 })],
      ["ResponseCache Infinity", () => ResponseCache.layer({ ttlMillis: Number.POSITIVE_INFINITY })],
      ["Timeout Infinity", () => Timeout.middleware({ default: "Infinity" })]
    ]
    for (const [label, make] of taken) assert.doesNotThrow(make, label)
  })
})
