/**
 * A client's answers to the server's requests over stdio, as raw bytes to a real child process of
 * the everything server: whatever an answer holds, it settles the request it answers (the
 * handler learns of it) and never ends the server.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { spawnNode } from "../support/child.ts"

const everythingServer = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))

describe("stdio: a client's malformed error answer nested thousands deep", () => {
  // Fails before the fix: its message quoted the error with JSON.stringify, which overflows the
  // stack on such nesting (JSON.parse reads it): a RangeError in the read loop, the server exited 1
  // ("Maximum call stack size exceeded"), the call and the ping never answered.
  it.live("fails the server's request as malformed; the call is answered, the server serves on", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(everythingServer)
      running.send({
        jsonrpc: "2.0",
        id: "init",
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: { sampling: {} }, clientInfo: { name: "raw", version: "0" } }
      })
      const initialized = yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === "init"), 10_000))
      assert.isTrue(initialized, `no initialize answer: ${running.stderr()}`)
      running.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      running.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_sampling", arguments: { prompt: "hi" } } })
      const asked = yield* Effect.promise(() =>
        running.until(() => running.messages().find((m) => m.method === "sampling/createMessage"), 5_000)
      )
      assert.isDefined(asked, running.stdout())
      const depth = 100_000
      running.child.stdin!.write(`{"jsonrpc":"2.0","id":${asked.id},"error":${"[".repeat(depth)}${"]".repeat(depth)}}\n`)
      running.send({ jsonrpc: "2.0", id: 2, method: "ping" })
      const pinged = yield* Effect.promise(() => running.until(() => running.messages().some((m) => m.id === 2), 5_000))
      assert.isTrue(pinged, `no answer to the ping; exit ${JSON.stringify(yield* Effect.promise(() => running.exited(0)))}: ${running.stderr()}`)
      const answer = yield* Effect.promise(() => running.until(() => running.messages().find((m) => m.id === 1 && m.method === undefined), 5_000))
      assert.deepStrictEqual(answer?.result, {
        content: [{ type: "text", text: "malformed error answer: an array" }],
        isError: true
      })
      running.child.stdin!.end()
      assert.deepStrictEqual(yield* Effect.promise(() => running.exited(10_000)), { code: 0, signal: null })
    }), 30_000)
})
