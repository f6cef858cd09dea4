/**
 * The shared stateless session answers every client's 2026-07-28 requests (and every request of a
 * stateless server): one session's bounds (64 running requests, a FIFO behind them) would make
 * one client's slow calls delay everyone's. Its requests have no shared bound unless
 * `session.maxConcurrentRequests` is given (see `ClientIsolation.test.ts`). Raw fetch with the
 * 2026 wire on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { serveOnAnyPort, sseReader } from "./support.ts"

const VERSION = "2026-07-28"

const call = (url: string, id: number, name: string, client: string, signal?: AbortSignal) =>
  fetch(url, {
    method: "POST",
    ...(signal === undefined ? {} : { signal }),
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": VERSION,
      "mcp-method": "tools/call",
      "mcp-name": name
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: {
        name,
        arguments: {},
        _meta: {
          "io.modelcontextprotocol/protocolVersion": VERSION,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: client, version: "1.0.0" }
        }
      }
    })
  })

const serve = (session: StreamableHttp.Options["session"], stateless = false) =>
  Effect.gen(function*() {
    const release = yield* Deferred.make<void>()
    let started = 0
    const components = Layer.mergeAll(
      McpServer.tool({
        name: "slow",
        handler: () => Effect.andThen(Effect.sync(() => started++), Deferred.await(release)).pipe(Effect.as("slow done"))
      }),
      McpServer.tool({ name: "quick", handler: () => Effect.succeed("quick done") })
    )
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve({ name: "shared-slots", version: "1.0.0" }, components, StreamableHttp.make({ host: "127.0.0.1", port, session, stateless }))
    )
    return { url, release, started: () => started }
  })

/** Waits (at most 200 looks 25 ms apart) until `done` holds; whether it did. */
const until = (done: () => boolean) =>
  Effect.promise(async () => {
    for (let look = 0; look < 200 && !done(); look++) await new Promise((resolve) => setTimeout(resolve, 25))
    return done()
  })

describe("the shared stateless session's request slots", () => {
  it.live("one client's 100 slow 2026 calls all run; another client's quick call is answered meanwhile", () =>
    Effect.gen(function*() {
      const { release, started, url } = yield* serve(undefined)
      const aborts = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => aborts.abort()))
      const slow = Array.from({ length: 100 }, (_, i) => call(url, i, "slow", "busy-client", aborts.signal).catch(() => undefined))
      assert.isTrue(yield* until(() => started() === 100), `${started()} of 100 slow calls started`)
      const quick: any = yield* Effect.promise(async () => (await call(url, 1000, "quick", "other-client")).json())
      assert.strictEqual(quick.result.content[0].text, "quick done")
      yield* Deferred.succeed(release, undefined)
      const answers = yield* Effect.promise(() => Promise.all(slow.map(async (response) => (await response)?.status)))
      assert.deepStrictEqual(new Set(answers), new Set([200]))
    }))

  // A stateless server: its shared session also takes 2025-03-26 batches, whose members it is handed
  // in order. The two calls beyond the bound come in one, before a ping (a lane of its own, answered
  // at once): once the ping is answered, the two were handed over, and would run had they a slot.
  it.live("session.maxConcurrentRequests still bounds them when given", () =>
    Effect.gen(function*() {
      const { release, started, url } = yield* serve({ maxConcurrentRequests: 4 }, true)
      const aborts = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => aborts.abort()))
      const slow = Array.from({ length: 4 }, (_, i) => call(url, i, "slow", "busy-client", aborts.signal).catch(() => undefined))
      assert.isTrue(yield* until(() => started() === 4), `${started()} of 4 slow calls started`)
      const slowCall = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow", arguments: {} } })
      const batch = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          signal: aborts.signal,
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify([slowCall(4), slowCall(5), { jsonrpc: "2.0", id: "ping", method: "ping" }])
        })
      )
      assert.strictEqual(batch.status, 200)
      assert.include(batch.headers.get("content-type") ?? "", "text/event-stream")
      const reader = sseReader(batch)
      const first = yield* Effect.promise(() => reader.next(5_000))
      assert.deepStrictEqual(JSON.parse(first?.data ?? "null"), { jsonrpc: "2.0", id: "ping", result: {} })
      assert.strictEqual(started(), 4, "the two beyond the bound wait for a slot")
      yield* Deferred.succeed(release, undefined)
      const answers = yield* Effect.promise(() => Promise.all(slow.map(async (response) => (await response)?.status)))
      assert.deepStrictEqual(answers, [200, 200, 200, 200])
      const rest = [yield* Effect.promise(() => reader.next(5_000)), yield* Effect.promise(() => reader.next(5_000))]
      assert.deepStrictEqual(rest.map((event) => JSON.parse(event?.data ?? "null").result?.content?.[0]?.text), ["slow done", "slow done"])
      assert.strictEqual(started(), 6)
    }))
})
