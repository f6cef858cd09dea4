/**
 * A stateless HTTP server answers every client with one shared session, whose request slots are
 * unbounded (a bound there was one any client could fill: the cross-client starvation fixed
 * before). `Timeout` answers a call at its deadline while an uninterruptible region of its handler
 * goes on; in a 2025 session that work keeps a request slot until it ends, so its client cannot
 * pile it up, but in the shared session nothing bounded it: one client could leave any number of
 * such handlers running. Each requestor (principal, else anonymous address) may now have at most
 * `Timeout.maxWindingDownPerRequestor` timed requests in flight (running, or left running after
 * their answers), a burst included; its next timed request waits for one to end, and another
 * requestor's requests do not. Real HTTP on 127.0.0.1, bearer principals, SDK v1 client.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { BearerAuth } from "../../src/auth.ts"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import * as Middleware from "../../src/middleware/Middleware.ts"
import * as Timeout from "../../src/middleware/builtin/Timeout.ts"
import { BOTH, post, serveOnFreePort } from "./support.ts"

describe("stateless: the work Timeout answers leave running, per requestor", () => {
  // Fails before the fix: the 65th call of alice started while her 64 timed-out handlers still ran.
  it.live("a requestor's timed-out handlers still running are bounded; another requestor's calls go on", () =>
    Effect.gen(function*() {
      const release = Deferred.makeUnsafe<void>()
      const started: Record<string, number> = {}
      const Stuck = McpServer.tool({
        name: "stuck",
        handler: () =>
          Effect.uninterruptible(Effect.andThen(
            Effect.map(McpContext.principal, (principal) => {
              const who = principal?.subject ?? "?"
              started[who] = (started[who] ?? 0) + 1
            }),
            Effect.as(Deferred.await(release), "done")
          ))
      })
      yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
      const { url } = yield* serveOnFreePort((port) =>
        McpServer.serve(
          { name: "winding-down", version: "1.0.0" },
          Layer.mergeAll(Stuck, McpServer.middleware(Timeout.middleware({ default: "250 millis" }))),
          StreamableHttp.make({
            host: "127.0.0.1",
            port,
            stateless: true,
            responseMode: "json",
            auth: BearerAuth.config({
              verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
              resource: `http://127.0.0.1:${port}/mcp`,
              authorizationServers: ["https://auth.test"]
            })
          })
        )
      )
      const call = (subject: string, id: number) =>
        post(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name: "stuck", arguments: {} } }, {
          authorization: `Bearer ${subject}`,
          accept: BOTH,
          "mcp-protocol-version": "2025-11-25"
        }).then(async (response) => (await response.json() as any).result, () => undefined)
      const bound = Timeout.maxWindingDownPerRequestor
      const answers = yield* Effect.promise(() => Promise.all(Array.from({ length: bound }, (_, i) => call("alice", i))))
      for (const answer of answers) assert.isTrue(answer?.isError, JSON.stringify(answer))
      assert.strictEqual(started.alice, bound)
      // One more of alice's: it waits for one of hers to end (its handler does not start).
      const waiting = call("alice", bound)
      yield* Effect.sleep("300 millis")
      assert.strictEqual(started.alice, bound, "a call started past the bound of alice's winding-down handlers")
      // Bob's calls are not held up by alice's (SDK v1 client).
      const client = new Client({ name: "bob", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
      yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: "Bearer bob" } } })))
      const bobs: any = yield* Effect.promise(() => client.callTool({ name: "stuck", arguments: {} }))
      assert.isTrue(bobs.isError)
      assert.strictEqual(started.bob, 1)
      // Alice's handlers end: her waiting call starts (and times out as the others).
      yield* Deferred.succeed(release, undefined)
      const late = yield* Effect.promise(() => waiting)
      assert.strictEqual(started.alice, bound + 1)
      assert.isDefined(late)
    }).pipe(Effect.scoped), 60_000)

  // Fails before the fix: one handler's end woke one waiting request; that one answered without
  // timing out (the bound no longer reached), but the others went on waiting while a new request
  // would have gone at once.
  it.live("every request waiting for room goes once there is room", () =>
    Effect.gen(function*() {
      const stuck: Array<() => void> = []
      const started = { stuck: 0, quick: 0 }
      let quickArrived = 0
      const Stuck = McpServer.tool({
        name: "stuck",
        handler: () =>
          Effect.uninterruptible(Effect.suspend(() => {
            started.stuck++
            return Effect.as(Effect.promise(() => new Promise<void>((resolve) => stuck.push(resolve))), "done")
          }))
      })
      const Quick = McpServer.tool({ name: "quick", handler: () =>
          Effect.sync(() => {
            started.quick++
            return "ok"
          })
      })
      // Outside Timeout: a call of quick has reached the server (Timeout then holds it, synchronously).
      const arrivals = Middleware.make("arrivals", {
        onRequest: (request, _context, next) => {
          if ((request.params as { readonly name?: unknown } | undefined)?.name === "quick") quickArrived++
          return next(request)
        }
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => {
        for (const resolve of stuck.splice(0)) resolve()
      }))
      const { url } = yield* serveOnFreePort((port) =>
        McpServer.serve(
          { name: "winding-down", version: "1.0.0" },
          // Long enough for each handler to start before its timeout, on a loaded machine (one
          // interrupted before its uninterruptible region is not left running).
          Layer.mergeAll(Stuck, Quick, McpServer.middleware(arrivals, Timeout.middleware({ default: "250 millis" }))),
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true, responseMode: "json" })
        )
      )
      const call = (name: string, id: number) =>
        post(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } }, {
          accept: BOTH,
          "mcp-protocol-version": "2025-11-25"
        }).then(async (response) => (await response.json() as any).result, () => undefined)
      const bound = Timeout.maxWindingDownPerRequestor
      const answers = yield* Effect.promise(() => Promise.all(Array.from({ length: bound }, (_, i) => call("stuck", i))))
      for (const answer of answers) assert.isTrue(answer?.isError, JSON.stringify(answer))
      assert.strictEqual(started.stuck, bound)
      // Three quick calls wait for room (the bound of handlers left running is reached).
      const waiting = [call("quick", bound), call("quick", bound + 1), call("quick", bound + 2)]
      for (let i = 0; i < 500 && quickArrived < 3; i++) yield* Effect.sleep("10 millis")
      assert.strictEqual(quickArrived, 3)
      assert.strictEqual(started.quick, 0, "a call started past the bound")
      // One stuck handler ends: room for one more left running; none of the quick ones is.
      stuck.shift()!()
      const late = yield* Effect.promise(() =>
        Promise.race([
          Promise.all(waiting),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000))
        ])
      )
      assert.isDefined(late, `only ${started.quick} of the 3 waiting calls went, with room for them`)
      for (const answer of late!) assert.deepStrictEqual(answer?.content, [{ type: "text", text: "ok" }])
      assert.strictEqual(started.quick, 3)
    }).pipe(Effect.scoped), 60_000)

  // Fails before the fix: nothing was counted while alice had no handler left running, so all 100
  // of her calls started at once, timed out, and left 100 handlers running.
  it.live("a burst of timed calls from a fresh requestor leaves no more than the bound running; another requestor's calls go on", () =>
    Effect.gen(function*() {
      const release = Deferred.makeUnsafe<void>()
      const started: Record<string, number> = {}
      const Stuck = McpServer.tool({
        name: "stuck",
        handler: () =>
          Effect.uninterruptible(Effect.andThen(
            Effect.map(McpContext.principal, (principal) => {
              const who = principal?.subject ?? "?"
              started[who] = (started[who] ?? 0) + 1
            }),
            Effect.as(Deferred.await(release), "done")
          ))
      })
      const burst = 100
      const bound = Timeout.maxWindingDownPerRequestor
      // Outside Timeout: every call of alice's has reached the server.
      let arrived = 0
      const allArrived = Deferred.makeUnsafe<void>()
      const arrivals = Middleware.make("arrivals", {
        onRequest: (request, context, next) => {
          if (context.principal?.subject === "alice" && ++arrived === burst) Deferred.doneUnsafe(allArrived, Exit.void)
          return next(request)
        }
      })
      yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
      const { url } = yield* serveOnFreePort((port) =>
        McpServer.serve(
          { name: "winding-down", version: "1.0.0" },
          // Long enough for each handler to enter its uninterruptible region before its timeout.
          Layer.mergeAll(Stuck, McpServer.middleware(arrivals, Timeout.middleware({ default: "500 millis" }))),
          StreamableHttp.make({
            host: "127.0.0.1",
            port,
            stateless: true,
            responseMode: "json",
            auth: BearerAuth.config({
              verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
              resource: `http://127.0.0.1:${port}/mcp`,
              authorizationServers: ["https://auth.test"]
            })
          })
        )
      )
      let answered = 0
      const boundAnswered = Deferred.makeUnsafe<void>()
      const calls = Array.from({ length: burst }, (_, id) =>
        post(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name: "stuck", arguments: {} } }, {
          authorization: "Bearer alice",
          accept: BOTH,
          "mcp-protocol-version": "2025-11-25"
        }).then(async (response) => (await response.json() as any).result, () => undefined).finally(() => {
          if (++answered === bound) Deferred.doneUnsafe(boundAnswered, Exit.void)
        }))
      // All 100 reached the server and 64 were answered (timed out): the other 36 wait, unstarted.
      yield* Deferred.await(allArrived)
      yield* Deferred.await(boundAnswered)
      assert.strictEqual(started.alice, bound, `${started.alice} of alice's ${burst} calls started at once`)
      // Bob's calls are not held up by alice's (SDK v1 client); meanwhile none of alice's starts.
      const client = new Client({ name: "bob", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
      yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: "Bearer bob" } } })))
      const bobs: any = yield* Effect.promise(() => client.callTool({ name: "stuck", arguments: {} }))
      assert.isTrue(bobs.isError, JSON.stringify(bobs))
      assert.strictEqual(started.bob, 1)
      assert.strictEqual(started.alice, bound)
      assert.strictEqual(answered, bound)
      // Alice's handlers end: her waiting calls start, and end at once.
      yield* Deferred.succeed(release, undefined)
      const answers = yield* Effect.promise(() => Promise.all(calls))
      assert.strictEqual(started.alice, burst)
      assert.strictEqual(answers.filter((answer) => answer?.isError === true).length, bound)
      for (const answer of answers.filter((answer) => answer?.isError !== true)) {
        assert.deepStrictEqual(answer?.content, [{ type: "text", text: "done" }])
      }
    }).pipe(Effect.scoped), 60_000)
})
