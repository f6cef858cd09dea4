/**
 * Bounds of `resources/subscribe` (issue 10, item 3), over the in-memory pair with the SDK v1
 * client: a URI no resource or template serves is -32002 (as for `resources/read`), a URI a
 * template matches is subscribed without being read, subscriptions per session are capped
 * (429 with `data.limit`), over-long URIs are -32602, and a session's subscriptions go when it
 * closes. Observed through `McpServer.subscriptions`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { PassThrough, Writable } from "node:stream"
import { McpError, McpServer, Stdio } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"
import { connect, connectRaw, type RawClient, sdk, sdkError, settle, startServer, using } from "./McpServerHarness.ts"

const Greeting = McpServer.resource({
  uri: "test://greeting",
  name: "greeting",
  read: Effect.succeed("hello, world")
})

let itemReads = 0
const Items = McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "item",
  params: { id: Schema.String },
  read: ({ id }) =>
    Effect.sync(() => {
      itemReads++
      return `item ${id}`
    })
})

const All = Layer.mergeAll(Greeting, Items)

/** The URIs the server keeps for every live session, sorted. */
const subscribed = (server: McpServer.McpServer["Service"]) =>
  [...server.subscriptions.values()].map((uris) => [...uris].sort())

describe("McpServer resources/subscribe bounds", () => {
  it.live("a URI no resource or template serves is -32002, as resources/read answers, and nothing is kept", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server)
      const read = yield* sdkError(() => client.readResource({ uri: "test://nothing" }))
      const subscribe = yield* sdkError(() => client.subscribeResource({ uri: "test://nothing" }))
      assert.strictEqual(subscribe.code, McpError.ErrorCode.ResourceNotFound)
      assert.strictEqual(subscribe.code, read.code)
      assert.strictEqual(subscribe.message, read.message)
      assert.deepStrictEqual(subscribed(server), [])
    }))

  it.live("a URI whose template variables do not decode is -32602, as resources/read answers, and nothing is kept", () =>
    Effect.gen(function*() {
      const Pages = McpServer.resourceTemplate({
        uriTemplate: "test://pages/{n}",
        name: "page",
        params: { n: Schema.FiniteFromString },
        read: ({ n }) => Effect.succeed(`page ${n}`)
      })
      const server = yield* startServer({}, Layer.mergeAll(All, Pages))
      const { client } = yield* connect(server)
      const read = yield* sdkError(() => client.readResource({ uri: "test://pages/seven" }))
      assert.strictEqual(read.code, McpError.ErrorCode.InvalidParams)
      // Fails before: {} (subscribed to what no read serves).
      const subscribe = yield* sdkError(() => client.subscribeResource({ uri: "test://pages/seven" }))
      assert.strictEqual(subscribe.code, read.code)
      assert.strictEqual(subscribe.message, read.message)
      assert.deepStrictEqual(subscribed(server), [])
      assert.deepStrictEqual(yield* sdk(() => client.subscribeResource({ uri: "test://pages/7" })), {})
      assert.deepStrictEqual(subscribed(server), [["test://pages/7"]])
    }))

  it.live("2026-07-28: a listen stream does not follow a URI whose template variables do not decode", () =>
    Effect.gen(function*() {
      const Pages = McpServer.resourceTemplate({
        uriTemplate: "test://pages/{n}",
        name: "page",
        params: { n: Schema.FiniteFromString },
        read: ({ n }) => Effect.succeed(`page ${n}`)
      })
      const client = yield* McpTestClient.make(Pages, { protocolVersion: "2026-07-28", timeoutMillis: 2_000 })
      // Fails before: test://pages/seven accepted (followed, though no read serves it).
      const accepted = yield* client.listen({ resourceSubscriptions: ["test://pages/seven", "test://pages/7"] })
      assert.deepStrictEqual(accepted, { resourceSubscriptions: ["test://pages/7"] })
    }))

  it.live("a URI a template matches is subscribed without being read, and is notified", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const a = yield* connect(server)
      const before = itemReads
      assert.deepStrictEqual(yield* sdk(() => a.client.subscribeResource({ uri: "test://items/42" })), {})
      assert.deepStrictEqual(yield* sdk(() => a.client.subscribeResource({ uri: "test://greeting" })), {})
      assert.strictEqual(itemReads, before)
      assert.deepStrictEqual(subscribed(server), [["test://greeting", "test://items/42"]])
      yield* using(server, McpServer.notifyResourceUpdated("test://items/42"))
      const update = yield* Effect.promise(() => a.waitFor((m) => m.method === "notifications/resources/updated"))
      assert.deepStrictEqual(update.params, { uri: "test://items/42" })
    }))

  // Fails before the fix: subscribed again once a resource served the URI in its template's place,
  // the session kept two entries for it, one under each; unsubscribing removed one, and the URI
  // (`subscriptions` showed the session with no URI); once the resource was gone, subscribing again
  // found the template's entry and kept nothing: answered {}, the session was never told of an update.
  it.live("subscribing again after the lists changed what a URI names keeps one subscription: unsubscribed, then subscribed, it is told", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const a = yield* connect(server)
      const uri = "test://items/a"
      yield* sdk(() => a.client.subscribeResource({ uri }))
      yield* using(server, McpServer.addResource({ uri, name: "a", read: Effect.succeed("a") }))
      yield* sdk(() => a.client.subscribeResource({ uri }))
      assert.deepStrictEqual(subscribed(server), [[uri]])
      yield* sdk(() => a.client.unsubscribeResource({ uri }))
      assert.deepStrictEqual(subscribed(server), [])
      yield* using(server, McpServer.remove("resource", uri))
      assert.deepStrictEqual(yield* sdk(() => a.client.subscribeResource({ uri })), {})
      assert.deepStrictEqual(subscribed(server), [[uri]])
      yield* using(server, McpServer.notifyResourceUpdated(uri))
      const update = yield* Effect.promise(() => a.waitFor((m) => m.method === "notifications/resources/updated"))
      assert.deepStrictEqual(update.params, { uri })
    }))

  it.live("past maxSubscriptionsPerSession: 429 with data.limit; re-subscribing is not a new one; unsubscribe frees a slot", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ maxSubscriptionsPerSession: 2 }, All)
      const a = yield* connect(server, { name: "a" })
      const b = yield* connect(server, { name: "b" })
      yield* sdk(() => a.client.subscribeResource({ uri: "test://items/1" }))
      yield* sdk(() => a.client.subscribeResource({ uri: "test://items/2" }))
      // Already subscribed: not a new subscription.
      assert.deepStrictEqual(yield* sdk(() => a.client.subscribeResource({ uri: "test://items/2" })), {})
      const refused = yield* sdkError(() => a.client.subscribeResource({ uri: "test://items/3" }))
      assert.strictEqual(refused.code, McpError.ErrorCode.LimitExceeded)
      const data = (refused as { readonly data?: { readonly limit?: string; readonly max?: number } }).data
      assert.strictEqual(data?.limit, "subscriptions")
      assert.strictEqual(data?.max, 2)
      // The cap is per session.
      assert.deepStrictEqual(yield* sdk(() => b.client.subscribeResource({ uri: "test://items/3" })), {})
      yield* sdk(() => a.client.unsubscribeResource({ uri: "test://items/1" }))
      assert.deepStrictEqual(yield* sdk(() => a.client.subscribeResource({ uri: "test://items/3" })), {})
      assert.deepStrictEqual(subscribed(server).sort(), [["test://items/2", "test://items/3"], ["test://items/3"]])
    }))

  it.live("the default cap is 1,000 subscriptions per session", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server)
      for (let i = 0; i < 1_000; i++) yield* sdk(() => client.subscribeResource({ uri: `test://items/${i}` }))
      const refused = yield* sdkError(() => client.subscribeResource({ uri: "test://items/1000" }))
      assert.strictEqual(refused.code, McpError.ErrorCode.LimitExceeded)
      assert.strictEqual(subscribed(server)[0]!.length, 1_000)
    }))

  it.live("a URI longer than 8,192 characters is -32602 and nothing is kept", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const { client } = yield* connect(server)
      const long = `test://items/${"x".repeat(8 * 1024)}`
      const refused = yield* sdkError(() => client.subscribeResource({ uri: long }))
      assert.strictEqual(refused.code, McpError.ErrorCode.InvalidParams)
      assert.deepStrictEqual(subscribed(server), [])
      // At the bound exactly it is accepted.
      const atBound = `test://items/${"x".repeat(8 * 1024 - "test://items/".length)}`
      assert.deepStrictEqual(yield* sdk(() => client.subscribeResource({ uri: atBound })), {})
    }))

  it.live("a session's subscriptions are dropped when it closes", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const a = yield* connect(server, { name: "a" })
      const b = yield* connect(server, { name: "b" })
      yield* sdk(() => a.client.subscribeResource({ uri: "test://greeting" }))
      yield* sdk(() => b.client.subscribeResource({ uri: "test://items/1" }))
      assert.strictEqual(server.subscriptions.size, 2)
      yield* Effect.promise(() => a.client.close())
      yield* settle()
      assert.deepStrictEqual(subscribed(server), [["test://items/1"]])
    }))

  // Fails before the fix: one notifier fiber told every session in turn, waiting for room in each
  // one's outbound Queue: once a client that reads nothing had a full Queue, the notifier waited
  // for it for ever, and no other session heard of any change or update again (here: the other
  // client got 1,280 of 3,000 updates, and never the tool list's change).
  it.live("a client that reads nothing holds only its own notifications: the others get every update and later list change", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ capabilities: { tools: true } }, All)
      // A session over stdio whose client takes its first 2 KB of output, then reads no more.
      const stdin = new PassThrough()
      let taken = 0
      const stdout = new Writable({
        highWaterMark: 1024,
        write: (chunk: Buffer, _encoding, done) => {
          taken += chunk.length
          if (taken < 2048) done()
        }
      })
      yield* Effect.forkScoped(
        server.run(Stdio.make({ stdin, stdout }), { shutdownTimeoutMillis: 100 }).pipe(Effect.provide(Logger.layer([])))
      )
      const line = (message: unknown) => void stdin.write(`${JSON.stringify(message)}\n`)
      line({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "stalled", version: "1" } }
      })
      line({ jsonrpc: "2.0", method: "notifications/initialized" })
      line({ jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri: "test://greeting" } })
      const reader = yield* connect(server, { name: "reader" })
      yield* sdk(() => reader.client.subscribeResource({ uri: "test://greeting" }))
      for (let i = 0; i < 100 && server.subscriptions.size < 2; i++) yield* settle(10)
      assert.strictEqual(server.subscriptions.size, 2, "both clients subscribed")
      // Far more updates than the stalled session's outbound Queue (1,024) holds, in rounds the
      // notifier takes one at a time (it holds 1,024 updates at most).
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 500; i++) yield* using(server, McpServer.notifyResourceUpdated("test://greeting"))
        yield* settle(20)
      }
      yield* using(server, McpServer.addTool({ name: "late", description: "added last", handler: () => Effect.succeed("ok") }))
      const heard = yield* Effect.promise(() =>
        reader.waitFor((m) => m.method === "notifications/tools/list_changed", 5_000).then(() => "heard", () => "not heard within 5 s")
      )
      assert.strictEqual(heard, "heard")
      const updates = () => reader.notifications("notifications/resources/updated").length
      for (let i = 0; i < 250 && updates() < 3_000; i++) yield* settle(20)
      assert.strictEqual(updates(), 3_000)
    }))

  // Fails before: the notifier went through every session of the server for each update (here
  // each of the 28 that follow nothing, or another resource, was looked at once).
  it.live("an update visits only the sessions that follow it (not after they unsubscribe or close); a list change still reaches every session", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const clients: Array<RawClient> = []
      for (let i = 0; i < 29; i++) clients.push(yield* connectRaw(server))
      // One more, closed below.
      const closing = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(closing, Exit.void))
      const closed = yield* connectRaw(server).pipe(Scope.provide(closing))
      // Two follow the greeting, one an item, the others nothing.
      yield* Effect.promise(() => clients[3].request(2, "resources/subscribe", { uri: "test://greeting" }))
      yield* Effect.promise(() => closed.request(2, "resources/subscribe", { uri: "test://greeting" }))
      yield* Effect.promise(() => clients[9].request(2, "resources/subscribe", { uri: "test://items/7" }))
      assert.deepStrictEqual(subscribed(server).sort(), [["test://greeting"], ["test://greeting"], ["test://items/7"]])
      // Each session the notifier looks at is asked whether it is a 2026-07-28 connection (its phase).
      const followers = new Set([...server.subscriptions].filter(([, uris]) => uris.has("test://greeting")).map(([s]) => s))
      let visits = 0
      let followersVisited = 0
      for (const session of server.sessions.keys()) {
        const following = followers.has(session)
        let phase = session.phase
        Object.defineProperty(session, "phase", {
          configurable: true,
          get: () => {
            if (following) followersVisited++
            else visits++
            return phase
          },
          set: (value) => void (phase = value)
        })
      }
      const updated = (client: RawClient) =>
        client.received.filter((m) => m.method === "notifications/resources/updated").map((m) => m.params.uri)
      for (let i = 0; i < 3; i++) yield* using(server, McpServer.notifyResourceUpdated("test://greeting"))
      for (let i = 0; i < 100 && (updated(clients[3]).length < 3 || updated(closed).length < 3); i++) yield* settle(10)
      yield* settle()
      assert.deepStrictEqual(updated(clients[3]), ["test://greeting", "test://greeting", "test://greeting"])
      assert.deepStrictEqual(updated(closed), ["test://greeting", "test://greeting", "test://greeting"])
      assert.strictEqual(clients.map((client) => updated(client).length).reduce((a, b) => a + b), 3)
      assert.strictEqual(visits, 0)
      assert.isAbove(followersVisited, 0)
      // Unsubscribed, or closed, a session is no longer visited.
      yield* Effect.promise(() => clients[3].request(3, "resources/unsubscribe", { uri: "test://greeting" }))
      yield* Scope.close(closing, Exit.void)
      for (let i = 0; i < 100 && server.sessions.size > 29; i++) yield* settle(10)
      assert.deepStrictEqual(subscribed(server), [["test://items/7"]])
      followersVisited = 0
      yield* using(server, McpServer.notifyResourceUpdated("test://greeting"))
      yield* settle()
      assert.strictEqual(followersVisited + visits, 0)
      assert.strictEqual(updated(clients[3]).length, 3)
      // A list change is every session's: each is told (so each is looked at).
      yield* server.notifyResourceListChanged()
      yield* Effect.promise(() =>
        Promise.all(clients.map((client) => client.waitFor((m) => m.method === "notifications/resources/list_changed")))
      )
      assert.isAtLeast(visits, 28)
    }))

  it.live("maxSubscriptionsPerSession must be a non-negative integer", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(McpServer.make({ name: "x", version: "1", maxSubscriptionsPerSession: -1 })))
      assert.strictEqual(exit._tag, "Failure")
    }))
})
