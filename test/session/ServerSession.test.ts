/** Session behaviour at end of input: drain, shutdown timeout, pending client requests. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { connectRaw, initializeRaw, waitUntil } from "../e2e/harness.ts"
import { makeFullServer, makeProbe } from "../fixtures/FullServer.ts"

describe("ServerSession shutdown", () => {
  it.live("at end of input, in-flight requests finish and are answered before the session ends", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const raw = yield* connectRaw(makeFullServer(probe))
      yield* Effect.promise(() => initializeRaw(raw))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 100 } } }))
      yield* Effect.promise(() => raw.close())
      yield* Effect.promise(() => raw.closed)
      assert.deepStrictEqual(probe.completed, ["slow:1"])
      const response = raw.received.find((m) => m.id === 1)
      assert.deepStrictEqual(response?.result, { content: [{ type: "text", text: "slept" }] })
    }))

  it.live("requests still running after the shutdown timeout are interrupted, unanswered", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const raw = yield* connectRaw(makeFullServer(probe), { shutdownTimeoutMillis: 50 })
      yield* Effect.promise(() => initializeRaw(raw))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } }))
      yield* Effect.promise(() => waitUntil(() => probe.started.length === 1))
      const start = performance.now()
      yield* Effect.promise(() => raw.close())
      yield* Effect.promise(() => raw.closed)
      assert.isBelow(performance.now() - start, 5_000)
      assert.deepStrictEqual(probe.interrupted, ["slow:1"])
      assert.isUndefined(raw.received.find((m) => m.id === 1))
    }))

  it.live("at end of input, a handler waiting on the client gets SessionClosed at once", () =>
    Effect.gen(function*() {
      const raw = yield* connectRaw(makeFullServer(makeProbe()))
      yield* Effect.promise(() => initializeRaw(raw, "2025-11-25", { elicitation: {} }))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "elicit", arguments: { timeoutMillis: 30_000 } } }))
      yield* Effect.promise(() => raw.waitFor((m) => m.method === "elicitation/create"))
      const start = performance.now()
      yield* Effect.promise(() => raw.close())
      yield* Effect.promise(() => raw.closed)
      assert.isBelow(performance.now() - start, 5_000)
      const response = raw.received.find((m) => m.id === 1 && "result" in m)
      assert.isTrue(response?.result?.isError)
      assert.include(response?.result?.content?.[0]?.text, "SessionClosed: The session closed before the client answered elicitation/create")
    }))
})
