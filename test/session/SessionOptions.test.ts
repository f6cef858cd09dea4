/**
 * A session's numeric options (`SessionOptions`) out of range are refused with a `RangeError`
 * naming the option and its rule: by `McpServer.serve` when it is called, by a session when it
 * starts (a defect: `LowLevelServer.run`), by the Streamable HTTP endpoint (its `session` option)
 * when it is made. Before, `NaN`, 0 or a negative limit started no request at all (the session
 * hung), a `NaN` queue bound was no bound, a `NaN` shutdown timeout gave nothing any time. The
 * documented values still serve: the defaults, `Infinity` for a limit, 0 for the shutdown timeout.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { InMemory, McpServer } from "../../src/index.ts"
import type { LowLevelServer } from "../../src/lowlevel.ts"
import { connectRaw, initializeRaw } from "../e2e/harness.ts"
import { makeFullServer, makeProbe } from "../fixtures/FullServer.ts"

/** Each option with values it must refuse. */
const bad: ReadonlyArray<readonly [name: keyof LowLevelServer.RunOptions, values: ReadonlyArray<number>]> = [
  ["maxConcurrentRequests", [Number.NaN, 0, -1, 1.5]],
  ["maxQueuedRequests", [Number.NaN, 0, -1, 2.5]],
  ["maxWaitingRequests", [Number.NaN, 0, -3, 0.5]],
  ["outboundCapacity", [Number.NaN, 0, -1, 10.5]],
  ["clientRequestTimeoutMillis", [Number.NaN, 0, -1, Number.NEGATIVE_INFINITY]],
  ["shutdownTimeoutMillis", [Number.NaN, -1, Number.NEGATIVE_INFINITY]]
]

const server = { name: "session-options", version: "1.0.0" }

describe("SessionOptions out of range", () => {
  it("McpServer.serve refuses them when called, with a RangeError naming the option", () => {
    for (const [name, values] of bad) {
      for (const value of values) {
        assert.throws(
          () => McpServer.serve(server, Layer.empty, InMemory.makePair().server, { [name]: value }),
          RangeError,
          `McpServer.serve: ${name} must be `,
          `${name}: ${value}`
        )
      }
    }
  })

  // Failed before: the session started (and, for a limit of NaN or 0, never ran a request).
  it.live("a session refuses them when it starts: a RangeError defect, nothing served", () =>
    Effect.gen(function*() {
      const lowLevel = makeFullServer(makeProbe())
      for (const [name, values] of bad) {
        for (const value of values) {
          const pair = InMemory.makePair()
          const exit = yield* Effect.exit(lowLevel.run(pair.server, { [name]: value }).pipe(Effect.timeout("2 seconds")))
          assert.isTrue(Exit.isFailure(exit), `${name}: ${value}`)
          if (Exit.isFailure(exit)) {
            const error = Cause.squash(exit.cause)
            assert.instanceOf(error, RangeError, `${name}: ${value}: ${String(error)}`)
            assert.include(String(error), `ServerSession.run: ${name} must be `)
          }
        }
      }
    }))

  it("the message says the rule and the value", () => {
    assert.throws(
      () => McpServer.serve(server, Layer.empty, InMemory.makePair().server, { maxConcurrentRequests: Number.NaN }),
      "McpServer.serve: maxConcurrentRequests must be an integer >= 1 or Infinity, got NaN"
    )
    assert.throws(
      () => McpServer.serve(server, Layer.empty, InMemory.makePair().server, { shutdownTimeoutMillis: -1 }),
      "McpServer.serve: shutdownTimeoutMillis must be a number >= 0 (milliseconds), got -1"
    )
  })
})

describe("SessionOptions in range", () => {
  const good: ReadonlyArray<LowLevelServer.RunOptions> = [
    {},
    { maxConcurrentRequests: 1, maxQueuedRequests: 1, maxWaitingRequests: 1, outboundCapacity: 1 },
    {
      maxConcurrentRequests: Number.POSITIVE_INFINITY,
      maxQueuedRequests: Number.POSITIVE_INFINITY,
      maxWaitingRequests: Number.POSITIVE_INFINITY,
      outboundCapacity: Number.POSITIVE_INFINITY,
      clientRequestTimeoutMillis: Number.POSITIVE_INFINITY,
      shutdownTimeoutMillis: Number.POSITIVE_INFINITY
    },
    { shutdownTimeoutMillis: 0, clientRequestTimeoutMillis: 0.5 }
  ]

  it.live("the defaults, Infinity (no limit) and a shutdown timeout of 0 serve requests", () =>
    Effect.gen(function*() {
      for (const options of good) {
        yield* Effect.scoped(Effect.gen(function*() {
          const raw = yield* connectRaw(makeFullServer(makeProbe()), options)
          yield* Effect.promise(() => initializeRaw(raw))
          yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 10 } } }))
          const answer = yield* Effect.promise(() => raw.waitFor((m) => m.id === 1))
          assert.deepStrictEqual(answer.result, { content: [{ type: "text", text: "slept" }] }, JSON.stringify(options))
        }))
      }
    }))

  // Failed before: the bounds sessions share were keyed by `JSON.stringify`, which spells
  // `Infinity` as it does an absent option (`null`): a session with no limit got the default's 64
  // slots (or the other way round, whichever came first).
  it.live("a session with maxConcurrentRequests: Infinity runs more than the default's 64 at once", () =>
    Effect.gen(function*() {
      // A session with the defaults first: its bounds are the ones shared.
      yield* Effect.scoped(Effect.gen(function*() {
        const raw = yield* connectRaw(makeFullServer(makeProbe()))
        yield* Effect.promise(() => initializeRaw(raw))
      }))
      const probe = makeProbe()
      const raw = yield* connectRaw(makeFullServer(probe), { maxConcurrentRequests: Number.POSITIVE_INFINITY })
      yield* Effect.promise(() => initializeRaw(raw))
      for (let id = 1; id <= 70; id++) {
        yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } }))
      }
      for (let i = 0; i < 200 && probe.started.length < 70; i++) yield* Effect.sleep(10)
      assert.strictEqual(probe.started.length, 70)
    }).pipe(Effect.scoped))
})
