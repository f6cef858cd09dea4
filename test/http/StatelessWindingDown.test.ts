/**
 * A stateless HTTP server answers every client with one shared session, whose request slots are
 * unbounded (a bound there was one any client could fill: the cross-client starvation fixed
 * before). `Timeout` answers a call at its deadline while an uninterruptible region of its handler
 * goes on; in a 2025 session that work keeps a request slot until it ends, so its client cannot
 * pile it up, but in the shared session nothing bounded it. Each requestor (principal, else
 * anonymous address) may leave at most `Timeout.maxWindingDownPerRequestor` handlers running after
 * timed-out answers; past that, a timed-out answer waits for its handler to end. Nothing waits
 * before it starts: requests that end in time are never held back (behind a reverse proxy every
 * anonymous client is one address). Real HTTP on 127.0.0.1, bearer principals, SDK v1 client.
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
import * as Timeout from "../../src/middleware/builtin/Timeout.ts"
import { BOTH, post, serveOnAnyPort, serveOnFreePort } from "./support.ts"

const callTool = (url: string, name: string, id: number, headers: Record<string, string> = {}) =>
  post(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } }, {
    accept: BOTH,
    "mcp-protocol-version": "2025-11-25",
    ...headers
  }).then(async (response) => (await response.json() as any).result, () => undefined)

describe("stateless: the work Timeout answers leave running, per requestor", () => {
  // Fails before the fix: only 64 of alice's 100 calls started (her 65th waited before starting
  // while 64 of hers were in flight), whatever their handlers did.
  it.live("a burst of slow calls: all start, at most the bound is left running after answers, the rest answered as their handlers end", () =>
    Effect.gen(function*() {
      const burst = 100
      const bound = Timeout.maxWindingDownPerRequestor
      const stuck: Record<string, Array<() => void>> = {}
      const started: Record<string, number> = {}
      const allStarted = Deferred.makeUnsafe<void>()
      const Stuck = McpServer.tool({
        name: "stuck",
        handler: () =>
          Effect.uninterruptible(Effect.flatMap(McpContext.principal, (principal) => {
            const who = principal?.subject ?? "?"
            started[who] = (started[who] ?? 0) + 1
            if (who === "alice" && started[who] === burst) Deferred.doneUnsafe(allStarted, Exit.void)
            return Effect.as(Effect.promise(() => new Promise<void>((resolve) => (stuck[who] ??= []).push(resolve))), "done")
          }))
      })
      const releaseAll = () => {
        for (const resolves of Object.values(stuck)) for (const resolve of resolves.splice(0)) resolve()
      }
      yield* Effect.addFinalizer(() => Effect.sync(releaseAll))
      const { url } = yield* serveOnFreePort((port) =>
        McpServer.serve(
          { name: "winding-down", version: "1.0.0" },
          // Long enough for each handler to enter its uninterruptible region before its timeout,
          // on a loaded machine (one interrupted before it is not left running).
          Layer.mergeAll(Stuck, McpServer.middleware(Timeout.middleware({ default: "1 second" }))),
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
        callTool(url, "stuck", id, { authorization: "Bearer alice" }).finally(() => {
          if (++answered === bound) Deferred.doneUnsafe(boundAnswered, Exit.void)
        }))
      // Every call starts (nothing waits before starting); 64 are answered at their deadline.
      const all = yield* Effect.timeoutOption(Deferred.await(allStarted), "20 seconds")
      assert.isTrue(all._tag === "Some", `${started.alice} of alice's ${burst} calls started`)
      yield* Deferred.await(boundAnswered)
      // Bob's call is not held up by alice's (SDK v1 client): answered at its deadline, left
      // running. Its deadline comes after every one of alice's (started after they all had).
      const client = new Client({ name: "bob", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
      yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: "Bearer bob" } } })))
      const bobs: any = yield* Effect.promise(() => client.callTool({ name: "stuck", arguments: {} }))
      assert.isTrue(bobs.isError, JSON.stringify(bobs))
      assert.strictEqual(started.bob, 1)
      // Every one of alice's calls timed out, her handlers all still running: only the bound's
      // answers went, the others wait for their handlers.
      assert.strictEqual(answered, bound, `${answered} of alice's calls answered with their handlers running`)
      // Her handlers end: the held answers come, timed out as the others.
      for (const resolve of stuck.alice!.splice(0)) resolve()
      const answers = yield* Effect.promise(() => Promise.all(calls))
      assert.strictEqual(answers.filter((answer) => answer?.isError === true).length, burst, JSON.stringify(answers))
      assert.strictEqual(started.alice, burst)
      // Her count was given back: her next timed-out call is answered at its deadline again.
      const next = yield* Effect.timeoutOption(Effect.promise(() => callTool(url, "stuck", burst, { authorization: "Bearer alice" })), "20 seconds")
      assert.isTrue(next._tag === "Some" && next.value?.isError === true, "alice's next timed-out call was held: her count not given back")
      assert.strictEqual(started.alice, burst + 1)
    }).pipe(Effect.scoped), 60_000)

  // Fails before the fix: 64 of the 100 started, the others waited for one of them to end, and
  // those 64 waited for all 100: they timed out.
  it.live("requests that end in time are never held back: 100 at once from one anonymous address all start", () =>
    Effect.gen(function*() {
      const burst = 100
      let started = 0
      const everyoneIn = Deferred.makeUnsafe<void>()
      const Gate = McpServer.tool({
        name: "gate",
        handler: () =>
          Effect.suspend(() => {
            if (++started === burst) Deferred.doneUnsafe(everyoneIn, Exit.void)
            return Effect.as(Deferred.await(everyoneIn), "ok")
          })
      })
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "winding-down", version: "1.0.0" },
          Layer.mergeAll(Gate, McpServer.middleware(Timeout.middleware({ default: "10 seconds" }))),
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true, responseMode: "json" })
        )
      )
      const answers = yield* Effect.promise(() => Promise.all(Array.from({ length: burst }, (_, id) => callTool(url, "gate", id))))
      const timedOut = answers.filter((answer) => answer?.isError === true).length
      assert.strictEqual(timedOut, 0, `${timedOut} of ${burst} calls timed out waiting for the others to start`)
      for (const answer of answers) assert.deepStrictEqual(answer?.content, [{ type: "text", text: "ok" }])
      assert.strictEqual(started, burst)
    }).pipe(Effect.scoped), 60_000)
})
