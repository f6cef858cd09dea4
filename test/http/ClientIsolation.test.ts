/**
 * Clients of one Streamable HTTP endpoint do not notice each other's load. Stateless requests
 * (every 2026-07-28 request, every request of a stateless server) are answered by one shared
 * session: with shared bounds (request slots, a FIFO behind them), one client holding more slow
 * calls than it has slots made every other client's call wait behind them (past the FIFO's bound:
 * refused 429). Each such request has its own bounds now (its HTTP request's: the request timeout,
 * the body limits), as each 2025 session has its own. Official SDK clients (v2 pinned to
 * 2026-07-28, v1 stateless and stateful) over HTTP on 127.0.0.1; every wait bounded.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { serveOnAnyPort } from "./support.ts"

/** A server with a `slow` tool (waits until released) and a `quick` one (1 ms: asynchronous, as real tools are). */
const serve = (options: Partial<StreamableHttp.Options>) =>
  Effect.gen(function*() {
    const release = yield* Deferred.make<void>()
    let started = 0
    const components = Layer.mergeAll(
      McpServer.tool({
        name: "slow",
        handler: () => Effect.andThen(Effect.sync(() => started++), Deferred.await(release)).pipe(Effect.as("slow done"))
      }),
      McpServer.tool({ name: "quick", handler: () => Effect.as(Effect.sleep("1 millis"), "quick done") })
    )
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve({ name: "isolation", version: "1.0.0" }, components, StreamableHttp.make({ host: "127.0.0.1", port, ...options }))
    )
    // Before the clients close (finalizers run in reverse): their calls end.
    yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
    return { url, started: () => started }
  })

interface Caller {
  callTool(params: { name: string; arguments: {} }, schema?: undefined, options?: { timeout: number }): Promise<any>
}

const v2 = (url: string, name: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new ClientV2({ name, version: "2.0.0" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
      await client.connect(new TransportV2(new URL(url)))
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2026-07-28")
      return client
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

const v1 = (url: string, name: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new ClientV1({ name, version: "1.0.0" }, { capabilities: {} })
      await client.connect(new TransportV1(new URL(url)))
      return client
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

/** Waits (at most 1,200 looks 25 ms apart: 1,100 SDK calls take seconds to start on a busy machine) until `done` holds; whether it did. */
const until = (done: () => boolean) =>
  Effect.promise(async () => {
    for (let look = 0; look < 1_200 && !done(); look++) await new Promise((resolve) => setTimeout(resolve, 25))
    return done()
  })

/** `quick`'s text as `client` gets it, or why not ("no answer within 5 s"). */
const quickCall = (client: Caller) =>
  Effect.promise(() =>
    Promise.race([
      client.callTool({ name: "quick", arguments: {} }).then((result) => result.content[0].text as string, (error) => String(error)),
      new Promise<string>((resolve) => setTimeout(() => resolve("no answer within 5 s"), 5_000))
    ])
  )

/** Starts `count` slow calls of `client` (ended by the server's release, or the test's end). */
const holdSlow = (client: Caller, count: number) => {
  for (let i = 0; i < count; i++) client.callTool({ name: "slow", arguments: {} }, undefined, { timeout: 120_000 }).catch(() => undefined)
}

/** More slow calls than the shared session had request slots (1,024). */
const many = 1_100

describe("one client's slow calls and another client's call", () => {
  it.live("2026-07-28 (SDK v2): another client's call (and a stateless v1 client's) is answered while one client holds 1,100 slow calls", () =>
    Effect.gen(function*() {
      const { started, url } = yield* serve({ stateless: true })
      const busy = yield* v2(url, "busy")
      const other = yield* v2(url, "other")
      const legacy = yield* v1(url, "legacy")
      holdSlow(busy, many)
      assert.isTrue(yield* until(() => started() >= 1_024), `${started()} of ${many} slow calls started`)
      assert.strictEqual(yield* quickCall(other), "quick done")
      assert.strictEqual(yield* quickCall(legacy), "quick done")
      assert.isTrue(yield* until(() => started() === many), `${started()} of ${many} slow calls started`)
    }), 120_000)

  it.live("stateless 2025 (SDK v1): another client's call (and a 2026-07-28 client's) is answered while one client holds 1,100 slow calls", () =>
    Effect.gen(function*() {
      const { started, url } = yield* serve({ stateless: true })
      const busy = yield* v1(url, "busy")
      const other = yield* v1(url, "other")
      const modern = yield* v2(url, "modern")
      holdSlow(busy, many)
      assert.isTrue(yield* until(() => started() >= 1_024), `${started()} of ${many} slow calls started`)
      assert.strictEqual(yield* quickCall(other), "quick done")
      assert.strictEqual(yield* quickCall(modern), "quick done")
      assert.isTrue(yield* until(() => started() === many), `${started()} of ${many} slow calls started`)
    }), 120_000)

  // The comparison: a 2025 session has bounds of its own; its client's calls past them wait in
  // its own FIFO, and another session's call does not notice.
  it.live("stateful 2025 (SDK v1): each session has its own bounds; another session's call is answered", () =>
    Effect.gen(function*() {
      const { started, url } = yield* serve({ session: { maxConcurrentRequests: 8 } })
      const busy = yield* v1(url, "busy")
      const other = yield* v1(url, "other")
      holdSlow(busy, 100)
      assert.isTrue(yield* until(() => started() === 8), `${started()} of 8 slow calls started`)
      assert.strictEqual(yield* quickCall(other), "quick done")
      assert.strictEqual(started(), 8, "the busy session's other calls wait in its own FIFO")
    }), 120_000)
})
