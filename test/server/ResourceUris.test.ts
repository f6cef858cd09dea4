/**
 * Resource URIs compared as RFC 3986 section 6.2.2 has them (the cheap and safe part: the scheme's
 * case, the hex digits of percent-encodings, percent-encoded unreserved characters), by reads,
 * subscriptions (2025 `resources/subscribe`, 2026-07-28 listen streams) and the Authorization
 * middleware alike, with the SDK v1 client (and McpTestClient for listen streams).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Authorization from "../../src/middleware/builtin/Authorization.ts"
import { McpServer } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"
import { rpcError } from "../middleware/builtinSupport.ts"
import { connect, sdk, sdkError, serveAndConnect, settle, startServer, using } from "./McpServerHarness.ts"

const Slashed = McpServer.resource({ uri: "x://a%2Fb", name: "slashed", read: Effect.succeed("fixed a/b") })
// Registered in a form that is not the normal one: lower-case hex digits.
const Lower = McpServer.resource({ uri: "x://c%2fd", name: "lower", read: Effect.succeed("fixed c/d") })
const Paths = McpServer.resourceTemplate({
  uriTemplate: "x://{+path}",
  name: "paths",
  read: ({ path }) => Effect.succeed(`template ${String(path)}`)
})
const Notes = McpServer.resourceTemplate({
  uriTemplate: "Notes://{id}",
  name: "notes",
  read: ({ id }) => Effect.succeed(`note ${String(id)}`)
})
const All = Layer.mergeAll(Slashed, Lower, Paths, Notes)

const text = (result: { readonly contents: ReadonlyArray<unknown> }) => (result.contents[0] as { readonly text: string }).text

describe("resource URIs compared per RFC 3986 6.2.2", () => {
  it.live("a fixed resource is read however its URI is written (scheme case, hex digits, unreserved escapes), before a template", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      // As registered: exact.
      assert.strictEqual(text(yield* sdk(() => client.readResource({ uri: "x://a%2Fb" }))), "fixed a/b")
      assert.strictEqual(text(yield* sdk(() => client.readResource({ uri: "x://c%2fd" }))), "fixed c/d")
      // Fails before: "template a/b" (x://{+path} took what the fixed resource has), and X:// -32002.
      for (const uri of ["x://a%2fb", "X://a%2Fb", "x://%61%2fb", "X://%61%2Fb"]) {
        assert.strictEqual(text(yield* sdk(() => client.readResource({ uri }))), "fixed a/b", uri)
      }
      for (const uri of ["x://c%2Fd", "X://c%2fd"]) {
        assert.strictEqual(text(yield* sdk(() => client.readResource({ uri }))), "fixed c/d", uri)
      }
      // Other URIs are still the template's; the host (or any other part) keeps its case.
      assert.strictEqual(text(yield* sdk(() => client.readResource({ uri: "x://A%2Fb" }))), "template A/b")
    }))

  it.live("a template's scheme is matched in either case, the read gets the URI as asked", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      for (const uri of ["Notes://1", "notes://1", "NOTES://1"]) {
        const read = yield* sdk(() => client.readResource({ uri }))
        assert.deepStrictEqual(read.contents, [{ uri, text: "note 1" }], uri)
      }
      // The template's own scheme case-folded, not the rest: x://{+path} on X://q.
      assert.strictEqual(text(yield* sdk(() => client.readResource({ uri: "X://q" }))), "template q")
      assert.strictEqual((yield* sdkError(() => client.readResource({ uri: "notes:/1" }))).code, -32002)
    }))

  it.live("resources/subscribe and notifyResourceUpdated agree with reads: one resource, told with the URI subscribed to", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.mergeAll(Slashed, Notes))
      const a = yield* connect(server, { name: "a" })
      // Fails before: -32002 (not served as written).
      yield* sdk(() => a.client.subscribeResource({ uri: "x://a%2fb" }))
      // The same resource again: not a second subscription.
      yield* sdk(() => a.client.subscribeResource({ uri: "X://a%2Fb" }))
      yield* sdk(() => a.client.subscribeResource({ uri: "notes://7" }))
      assert.deepStrictEqual([...server.subscriptions.values()].map((uris) => [...uris]), [["x://a%2fb", "notes://7"]])
      yield* using(server, McpServer.notifyResourceUpdated("x://a%2Fb"))
      yield* using(server, McpServer.notifyResourceUpdated("Notes://7"))
      yield* Effect.promise(() => a.waitFor((m) => m.method === "notifications/resources/updated" && m.params.uri === "notes://7"))
      yield* settle()
      const updates = () => a.notifications("notifications/resources/updated").map((m) => m.params.uri)
      assert.deepStrictEqual(updates(), ["x://a%2fb", "notes://7"])
      // Unsubscribed however it is written.
      yield* sdk(() => a.client.unsubscribeResource({ uri: "X://%61%2Fb" }))
      yield* using(server, McpServer.notifyResourceUpdated("x://a%2Fb"))
      yield* using(server, McpServer.notifyResourceUpdated("notes://7"))
      yield* Effect.promise(() => a.waitFor((m) => m.method === "notifications/resources/updated" && updates().length === 3))
      yield* settle()
      assert.deepStrictEqual(updates(), ["x://a%2fb", "notes://7", "notes://7"])
      assert.deepStrictEqual([...server.subscriptions.values()].map((uris) => [...uris]), [["notes://7"]])
    }))

  it.live("a template's resource is one subscription however its variables are spelled: told of an update in the other spelling", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Paths)
      const a = yield* connect(server, { name: "a" })
      const b = yield* connect(server, { name: "b" })
      // One resource, as reads have it: x://{+path} reads both with path "p/q".
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "x://p%2Fq" }))), "template p/q")
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "x://p/q" }))), "template p/q")
      yield* sdk(() => a.client.subscribeResource({ uri: "x://p%2Fq" }))
      // The same resource again: not a second subscription.
      yield* sdk(() => a.client.subscribeResource({ uri: "x://p/q" }))
      yield* sdk(() => b.client.subscribeResource({ uri: "x://p/q" }))
      assert.deepStrictEqual([...server.subscriptions.values()].map((uris) => [...uris]), [["x://p%2Fq"], ["x://p/q"]])
      // Fails before: a (subscribed as x://p%2Fq) was told nothing of x://p/q, b nothing of x://p%2Fq.
      yield* using(server, McpServer.notifyResourceUpdated("x://p/q"))
      yield* using(server, McpServer.notifyResourceUpdated("x://p%2fq"))
      const updates = (c: typeof a) => c.notifications("notifications/resources/updated").map((m) => m.params.uri)
      yield* Effect.promise(() => a.waitFor(() => updates(a).length === 2, 2_000))
      yield* Effect.promise(() => b.waitFor(() => updates(b).length === 2, 2_000))
      yield* settle()
      assert.deepStrictEqual(updates(a), ["x://p%2Fq", "x://p%2Fq"])
      assert.deepStrictEqual(updates(b), ["x://p/q", "x://p/q"])
      // Unsubscribed in the other spelling.
      yield* sdk(() => a.client.unsubscribeResource({ uri: "x://p/q" }))
      assert.deepStrictEqual([...server.subscriptions.values()].map((uris) => [...uris]), [["x://p/q"]])
      // The template gone, an update spelled as subscribed is still told.
      assert.isTrue(yield* using(server, McpServer.remove("template", "x://{+path}")))
      yield* using(server, McpServer.notifyResourceUpdated("x://p/q"))
      yield* Effect.promise(() => b.waitFor(() => updates(b).length === 3, 2_000))
      assert.deepStrictEqual(updates(a), ["x://p%2Fq", "x://p%2Fq"])
    }))

  it.live("a template's resources that read other variables are other subscriptions, though expand writes them alike in normal form", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Paths)
      const a = yield* connect(server, { name: "a" })
      // Two resources, as reads have them: path "%41" (expand of {+path} keeps its "%41", the
      // normal form of which is "A") and path "A"; "%ab" and "%AB" alike.
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "x://%2541" }))), "template %41")
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "x://A" }))), "template A")
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "x://%25ab" }))), "template %ab")
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "x://%25AB" }))), "template %AB")
      yield* sdk(() => a.client.subscribeResource({ uri: "x://%2541" }))
      yield* sdk(() => a.client.subscribeResource({ uri: "x://%25ab" }))
      // Fails before: neither was a new subscription (one identity each with the first).
      yield* sdk(() => a.client.subscribeResource({ uri: "x://A" }))
      yield* sdk(() => a.client.subscribeResource({ uri: "x://%25AB" }))
      assert.deepStrictEqual([...server.subscriptions.values()].map((uris) => [...uris]), [["x://%2541", "x://%25ab", "x://A", "x://%25AB"]])
      // Each is told of its own updates only.
      yield* using(server, McpServer.notifyResourceUpdated("x://A"))
      yield* using(server, McpServer.notifyResourceUpdated("x://%25ab"))
      const updates = () => a.notifications("notifications/resources/updated").map((m) => m.params.uri)
      yield* Effect.promise(() => a.waitFor(() => updates().length === 2, 2_000))
      yield* settle()
      assert.deepStrictEqual(updates(), ["x://A", "x://%25ab"])
    }))

  it.live("2026-07-28: a listen stream follows the resource however it is written, told with its URI", () =>
    Effect.gen(function*() {
      const Touch = McpServer.tool({
        name: "touch",
        handler: () => Effect.as(McpServer.notifyResourceUpdated("X://a%2Fb"), "touched")
      })
      const client = yield* McpTestClient.make(Layer.mergeAll(Slashed, Touch), { protocolVersion: "2026-07-28", timeoutMillis: 2_000 })
      // Fails before: x://a%2fb left out (not served as written).
      const accepted = yield* client.listen({ resourceSubscriptions: ["x://a%2fb"] })
      assert.deepStrictEqual(accepted, { resourceSubscriptions: ["x://a%2fb"] })
      yield* client.callTool("touch")
      const updated = yield* client.waitFor("notifications/resources/updated")
      assert.strictEqual(updated.params?.uri, "x://a%2fb")
    }))

  it.live("2026-07-28: a listen stream follows a template's resource however its variables are spelled", () =>
    Effect.gen(function*() {
      const Touch = McpServer.tool({
        name: "touch",
        handler: () => Effect.as(McpServer.notifyResourceUpdated("x://p/q"), "touched")
      })
      const client = yield* McpTestClient.make(Layer.mergeAll(Paths, Touch), { protocolVersion: "2026-07-28", timeoutMillis: 2_000 })
      yield* client.listen({ resourceSubscriptions: ["x://p%2Fq"] })
      yield* client.callTool("touch")
      // Fails before: nothing told (x://p/q and x://p%2Fq have other normal forms).
      const updated = yield* client.waitFor("notifications/resources/updated")
      assert.strictEqual(updated.params?.uri, "x://p%2Fq")
    }))

  it.live("2026-07-28: a listen stream whose template is gone is still told of an update spelled as it follows it", () =>
    Effect.gen(function*() {
      const Touch = McpServer.tool({
        name: "touch",
        handler: () =>
          Effect.as(
            Effect.andThen(McpServer.remove("template", "x://{+path}"), McpServer.notifyResourceUpdated("x://p/q")),
            "touched"
          )
      })
      const client = yield* McpTestClient.make(Layer.mergeAll(Paths, Touch), { protocolVersion: "2026-07-28", timeoutMillis: 2_000 })
      yield* client.listen({ resourceSubscriptions: ["x://p/q"] })
      yield* client.callTool("touch")
      // Fails before: nothing told (the stream kept the template's identity of x://p/q; with the
      // template gone, the update's is its normal form), as resources/subscribe's subscriptions are.
      const updated = yield* client.waitFor("notifications/resources/updated")
      assert.strictEqual(updated.params?.uri, "x://p/q")
    }))

  it.live("a URI with characters outside ASCII is the URI with them percent-encoded as UTF-8 (RFC 3987 3.1), as templates have it", () =>
    Effect.gen(function*() {
      // Registered as an IRI (raw é), and as a URI (%C3%A9) where `new URL(...).href` writes one.
      const Raw = McpServer.resource({ uri: "file:///Users/josé/notes.txt", name: "raw", read: Effect.succeed("raw") })
      const Encoded = McpServer.resource({ uri: "file:///tmp/%C3%A9t%C3%A9.txt", name: "encoded", read: Effect.succeed("encoded") })
      const Ruled = McpServer.resource({ uri: "ruled://café", name: "ruled", read: Effect.succeed("ruled") })
      const server = yield* startServer(
        { name: "iri", version: "1" },
        Layer.mergeAll(Raw, Encoded, Ruled, Authorization.layer({ rules: { resources: { "ruled://café": ["r"] } }, unauthenticated: "deny" }))
      )
      const a = yield* connect(server, { name: "a" })
      // A template already reads both spellings alike (its literal `é` matches `%C3%A9`, a value decodes).
      // Fails before: -32002 for each (not found as written).
      for (const uri of [new URL("file:///Users/josé/notes.txt").href, "file:///Users/jos%c3%a9/notes.txt"]) {
        assert.strictEqual(uri.includes("é"), false)
        assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri }))), "raw", uri)
      }
      assert.strictEqual(text(yield* sdk(() => a.client.readResource({ uri: "file:///tmp/été.txt" }))), "encoded")
      // One resource for subscriptions: told of an update in the other spelling.
      yield* sdk(() => a.client.subscribeResource({ uri: "file:///tmp/été.txt" }))
      yield* sdk(() => a.client.subscribeResource({ uri: "file:///tmp/%C3%A9t%C3%A9.txt" }))
      assert.deepStrictEqual([...server.subscriptions.values()].map((uris) => [...uris]), [["file:///tmp/été.txt"]])
      yield* using(server, McpServer.notifyResourceUpdated("file:///tmp/%C3%A9t%C3%A9.txt"))
      const updates = () => a.notifications("notifications/resources/updated").map((m) => m.params.uri)
      yield* Effect.promise(() => a.waitFor(() => updates().length === 1, 2_000))
      assert.deepStrictEqual(updates(), ["file:///tmp/été.txt"])
      // A rule holds for either spelling (the other was not served before, now it is guarded).
      for (const uri of ["ruled://café", "ruled://caf%C3%A9", "RULED://caf%c3%a9"]) {
        assert.strictEqual((yield* rpcError(() => a.client.readResource({ uri }))).code, 403, uri)
      }
      assert.strictEqual(Authorization.normalizeUri("X://café/%c3%a9"), "x://caf%C3%A9/%C3%A9")
    }))

  it.live("two fixed resources whose URIs are one in normal form: component Layers fail the build, a run-time addition replaces", () =>
    Effect.gen(function*() {
      const read = (text: string) => Effect.succeed(text)
      const failure = (layer: Layer.Layer<never, never, McpServer.McpServer>) =>
        Effect.map(Effect.exit(Effect.scoped(startServer({}, layer))), (exit) => Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
      // Fails before: both were served, each read in its own spelling (and a third spelling got
      // the first listed), while subscriptions and rules took them for one.
      for (
        const [first, second] of [["x://caf%C3%A9", "x://caf%c3%a9"], ["x://café", "x://caf%C3%A9"], ["x://%61", "X://a"]]
      ) {
        const text = yield* failure(
          Layer.mergeAll(McpServer.resource({ uri: first, name: "one", read: read("one") }), McpServer.resource({ uri: second, name: "two", read: read("two") }))
        )
        assert.include(text, "is registered twice", `${first} ${second}`)
        assert.include(text, first)
        assert.include(text, second)
      }
      // At run time, as for the same URI, the new one replaces the other.
      const { client, server } = yield* serveAndConnect(McpServer.resource({ uri: "x://caf%C3%A9", name: "one", read: read("one") }))
      yield* using(server, McpServer.addResource({ uri: "x://café", name: "two", read: read("two") }))
      assert.deepStrictEqual((yield* sdk(() => client.listResources())).resources.map((r) => r.uri), ["x://café"])
      for (const uri of ["x://caf%C3%A9", "x://café", "x://caf%c3%a9"]) {
        assert.strictEqual(text(yield* sdk(() => client.readResource({ uri }))), "two", uri)
      }
    }))

  it.live("Authorization guards the resource however its URI is written (its rule and its tags)", () =>
    Effect.gen(function*() {
      const Secret = McpServer.resource({ uri: "secret://admin", name: "secret", tags: ["admin"], read: Effect.succeed("secret") })
      const Ruled = McpServer.resource({ uri: "ruled://a%2Fb", name: "ruled", read: Effect.succeed("ruled") })
      const server = yield* startServer(
        { name: "authz-uris", version: "1" },
        Layer.mergeAll(
          Secret,
          Ruled,
          Authorization.layer({ rules: { tags: { admin: ["admin"] }, resources: { "ruled://a%2Fb": ["r"] } }, unauthenticated: "deny" })
        )
      )
      const { client } = yield* connect(server)
      // Fails before: -32002 (not found as written), now served: so the guard must hold.
      for (const uri of ["secret://admin", "SECRET://admin", "secret://%61dmin", "Secret://adm%69n", "ruled://a%2fb", "RULED://a%2Fb"]) {
        assert.strictEqual((yield* rpcError(() => client.readResource({ uri }))).code, 403, uri)
      }
      assert.strictEqual(Authorization.normalizeUri("X://a%2fb%7E"), "x://a%2Fb~")
    }))
})
