/**
 * A 2025-11-25 client that sends `notifications/initialized` right after `initialize`, without
 * waiting for its answer (pipelined: a hand-written client, a proxy), to a server whose
 * `initialize` is answered asynchronously (an `onInitialize` middleware that does I/O): the
 * notification takes effect once the answer is sent, so the list changes held until then go out;
 * it is dropped when `initialize` fails. Raw messages over an in-memory pair, the real server; and
 * over stdio, a child process.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InMemory, McpError, McpServer, Middleware } from "../../src/index.ts"
import { fileURLToPath } from "node:url"
import { initializeRequest } from "../e2e/harness.ts"
import { spawnNode } from "../support/child.ts"
import { recorder } from "../support/recorder.ts"
import { Change } from "../fixtures/listChanging.ts"

const slowInitializeServer = fileURLToPath(new URL("../fixtures/slow-initialize-server.ts", import.meta.url))

/**
 * An `onInitialize` that answers only once `gate` is open (asynchronously, as one doing I/O), and
 * fails the first `failures` attempts; the notifications middleware observes, in `seen`.
 */
const slowInitialize = (gate: Deferred.Deferred<void>, seen: Array<string>, failures = 0) => {
  let attempts = 0
  return McpServer.middleware(Middleware.make("slow-initialize", {
    onInitialize: (params, _context, next) =>
      Effect.andThen(
        Deferred.await(gate),
        Effect.suspend(() => attempts++ < failures ? Effect.fail(McpError.invalidParams("not yet")) : next(params))
      ),
    onNotification: (notification, _session, next) => {
      seen.push(notification.method)
      return next(notification)
    }
  }))
}

const connect = (components: Layer.Layer<never, never, McpServer.McpServer>) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(McpServer.serve({ name: "pipelined", version: "1" }, components, pair.server))
    const { received, record, waitFor } = recorder()
    pair.client.onmessage = record
    const send = (message: unknown) => Effect.promise(() => pair.client.send(message as never))
    const wait = (predicate: (message: any) => boolean) => Effect.promise(() => waitFor(predicate, 3_000))
    return { received, send, wait }
  })

const initialized = { jsonrpc: "2.0", method: "notifications/initialized" }
const callChange = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "change", arguments: {} } })
const isListChanged = (message: any) => message.method === "notifications/tools/list_changed"

describe("notifications/initialized sent before the initialize answer", () => {
  it.live("takes effect once initialize is answered: a list change then reaches the client", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const seen: Array<string> = []
      const client = yield* connect(Layer.mergeAll(Change, slowInitialize(gate, seen)))
      yield* client.send(initializeRequest("init"))
      yield* client.send(initialized)
      // The notification is in the session before the answer is made.
      yield* client.send({ jsonrpc: "2.0", id: "p", method: "ping" })
      yield* client.wait((m) => m.id === "p")
      yield* Deferred.succeed(gate, undefined)
      const answer = yield* client.wait((m) => m.id === "init")
      assert.strictEqual(answer.result.protocolVersion, "2025-11-25")
      yield* client.send(callChange(1))
      yield* client.wait((m) => m.id === 1)
      yield* client.wait(isListChanged)
      assert.strictEqual(client.received.filter(isListChanged).length, 1)
      assert.isBelow(client.received.findIndex((m) => m.id === "init"), client.received.findIndex(isListChanged))
      assert.deepStrictEqual(seen, ["notifications/initialized"], "middleware observes it once, when it takes effect")
    }))

  it.live("is dropped when initialize fails: a list change waits for the next notifications/initialized", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const seen: Array<string> = []
      const client = yield* connect(Layer.mergeAll(Change, slowInitialize(gate, seen, 1)))
      yield* client.send(initializeRequest("init"))
      yield* client.send(initialized)
      yield* client.send({ jsonrpc: "2.0", id: "p", method: "ping" })
      yield* client.wait((m) => m.id === "p")
      yield* Deferred.succeed(gate, undefined)
      const refused = yield* client.wait((m) => m.id === "init")
      assert.strictEqual(refused.error?.code, -32602)
      // The client retries; this time it waits for the answer before saying it is ready.
      yield* client.send(initializeRequest("again"))
      yield* client.wait((m) => m.id === "again")
      yield* client.send(callChange(1))
      yield* client.wait((m) => m.id === 1)
      // A notification sent by the call goes out before its answer: none came, it is held.
      assert.strictEqual(client.received.filter(isListChanged).length, 0)
      assert.deepStrictEqual(seen, [], "the dropped notification reached no middleware")
      yield* client.send(initialized)
      yield* client.wait(isListChanged)
      assert.deepStrictEqual(seen, ["notifications/initialized"])
    }))

  it.live("over stdio: both in one write, then a call whose list change reaches the client", () =>
    Effect.gen(function*() {
      const running = yield* spawnNode(slowInitializeServer)
      running.child.stdin!.write(`${JSON.stringify(initializeRequest("init"))}\n${JSON.stringify(initialized)}\n`)
      const answered = yield* Effect.promise(() => running.until(() => running.messages().find((m) => m.id === "init"), 10_000))
      assert.strictEqual(answered?.result?.protocolVersion, "2025-11-25")
      running.send(callChange(1))
      const changed = yield* Effect.promise(() => running.until(() => running.messages().find(isListChanged), 3_000))
      assert.isDefined(changed, `no list change; received ${JSON.stringify(running.messages())}`)
    }), 30_000)
})
