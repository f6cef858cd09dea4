/**
 * A stateless HTTP server answers every client with one shared session, whose request slots are
 * unbounded (a bound there was one any client could fill: the cross-client starvation fixed
 * before). `Timeout` answers a call at its deadline while an uninterruptible region of its handler
 * goes on; in a 2025 session that work keeps a request slot until it ends, so its client cannot
 * pile it up, but in the shared session nothing bounded it: one client could leave any number of
 * such handlers running. Each requestor (principal, else anonymous address) may now leave at most
 * `Timeout.maxWindingDownPerRequestor` of them; its next timed request waits for one to end, and
 * another requestor's requests do not. Real HTTP on 127.0.0.1, bearer principals, SDK v1 client.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { BearerAuth } from "../../src/auth.ts"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
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
          Layer.mergeAll(Stuck, McpServer.middleware(Timeout.middleware({ default: "50 millis" }))),
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
})
