/**
 * The exit code's record of a drain cut short (`GracefulShutdownState.isCutShort`), over a stdio-like
 * connection of the test's own: a cut made by the drain of a mere end of input counts once a
 * signal comes while the session still writes its answers, as a cut made after the signal does.
 */
import { assert, describe, it } from "@effect/vitest"
import type * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Queue from "effect/Queue"
import { McpServer } from "../../src/index.ts"
import type { Connection } from "../../src/session/Connection.ts"
import * as GracefulShutdown from "../../src/session/GracefulShutdown.ts"
import { startServer } from "../server/McpServerHarness.ts"

const Never = McpServer.tool({ name: "never", handler: () => Effect.as(Effect.never, "never") })

describe("a drain cut short at end of input, then a signal", () => {
  // Fails before the fix: the cut came before the signal, and was not recorded (no shutdown was
  // requested then): the signal found a clean drain (exit 0), while the same signal a moment
  // earlier, before the cut, made it 143 (the spec's stdio shutdown: the client closes stdin,
  // waits, then signals).
  it.live("the signal comes while the answers are still written: the drain counts as cut short (exit 143)", () =>
    Effect.gen(function*() {
      const state = GracefulShutdown.make()
      const server = yield* startServer({}, Never)
      const input = yield* Queue.unbounded<ReadonlyArray<unknown>, Cause.Done>()
      const written: Array<any> = []
      // The client takes the last answers only when told (`read`).
      const read = yield* Deferred.make<void>()
      const connection: Connection = {
        read: Effect.map(Queue.take(input), (batch) => [batch]),
        write: (batch) => Effect.sync(() => void written.push(...batch.map((outbound) => outbound.message))),
        flush: Deferred.await(read)
      }
      const running = yield* Effect.forkChild(
        server.run({ open: Effect.succeed(connection) }, { shutdownTimeoutMillis: 100 }).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, state),
          Effect.provide(Logger.layer([]))
        )
      )
      yield* Queue.offer(input, [{ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }])
      yield* Queue.offer(input, [{ jsonrpc: "2.0", method: "notifications/initialized" }, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "never", arguments: {} } }])
      for (let i = 0; i < 500 && !written.some((message) => message.id === 0); i++) yield* Effect.sleep(10)
      yield* Queue.end(input)
      // The drain cut the call (answered -32000) at its timeout.
      for (let i = 0; i < 500 && !written.some((message) => message.id === 1); i++) yield* Effect.sleep(10)
      assert.strictEqual(written.find((message) => message.id === 1)?.error?.code, -32000)
      assert.isFalse(state.isCutShort())
      state.request()
      yield* Deferred.succeed(read, undefined)
      yield* Fiber.join(running)
      assert.isTrue(state.isCutShort())
    }))

  // Passed before; kept so that it stays so: without a signal nothing is recorded (exit 0).
  it.live("no signal: nothing recorded", () =>
    Effect.gen(function*() {
      const state = GracefulShutdown.make()
      const server = yield* startServer({}, Never)
      const input = yield* Queue.unbounded<ReadonlyArray<unknown>, Cause.Done>()
      const written: Array<any> = []
      const connection: Connection = {
        read: Effect.map(Queue.take(input), (batch) => [batch]),
        write: (batch) => Effect.sync(() => void written.push(...batch.map((outbound) => outbound.message)))
      }
      yield* Queue.offer(input, [{ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }])
      yield* Queue.offer(input, [{ jsonrpc: "2.0", method: "notifications/initialized" }, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "never", arguments: {} } }])
      yield* Queue.end(input)
      yield* server.run({ open: Effect.succeed(connection) }, { shutdownTimeoutMillis: 100 }).pipe(
        Effect.provideService(GracefulShutdown.GracefulShutdown, state),
        Effect.provide(Logger.layer([]))
      )
      assert.strictEqual(written.find((message) => message.id === 1)?.error?.code, -32000)
      assert.isFalse(state.isCutShort())
    }))
})
