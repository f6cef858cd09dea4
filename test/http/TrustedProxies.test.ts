/**
 * Behind a reverse proxy every connection comes from the proxy: without `trustedProxies`, every
 * client had the proxy's address, so what tells anonymous clients apart by address
 * (`maxSessionsPerAddress`, `RateLimit`, the task quota, `maxListenStreamsPerAddress`) took them
 * all for one. With it, a request from a trusted proxy comes from the address its
 * `X-Forwarded-For` names (read from the right, past the trusted proxies); a client's own header,
 * reaching the server directly, is never believed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import * as HttpConfig from "../../src/transport/http/internal/config.ts"
import * as Forwarded from "../../src/transport/http/internal/forwarded.ts"
import { answerOf, initializeMessage, on, post, serveOnAnyPort } from "./support.ts"

const Who = McpServer.tool({
  name: "who",
  handler: () => Effect.map(McpContext.http, (http) => http?.remoteAddress ?? "(none)")
})

const serve = (options: StreamableHttp.Options) =>
  serveOnAnyPort((port) => McpServer.serve({ name: "proxied", version: "1.0.0" }, Who, StreamableHttp.make({ port, ...options })))

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "proxy-test", version: "1.0.0" }
}

/** The address a 2026-07-28 call sees, sent with `X-Forwarded-For: forwarded` (none when undefined). */
const whoAs = async (url: string, forwarded: string | undefined): Promise<string> => {
  const response = await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "who", arguments: {}, _meta: meta } }, {
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
    "mcp-name": "who",
    ...(forwarded === undefined ? {} : { "x-forwarded-for": forwarded })
  })
  const answer = await answerOf(response)
  return answer.result.content[0].text
}

/** Opens a 2025 session as the client at `forwarded`; its id. */
const sessionAs = async (url: string, forwarded: string): Promise<string> => {
  const response = await post(url, initializeMessage(0), { "x-forwarded-for": forwarded })
  assert.strictEqual(response.status, 200)
  await response.text()
  const id = response.headers.get("mcp-session-id")!
  const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, on(id, { "x-forwarded-for": forwarded }))
  await initialized.text()
  return id
}

/** The status of a `ping` on session `id`. */
const pingStatus = async (url: string, id: string, forwarded: string): Promise<number> => {
  const response = await post(url, { jsonrpc: "2.0", id: 9, method: "ping" }, on(id, { "x-forwarded-for": forwarded }))
  await response.text()
  return response.status
}

describe("trustedProxies: the client's address behind a reverse proxy", () => {
  it.live("a request from a trusted proxy comes from the address X-Forwarded-For names, read from the right", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ trustedProxies: ["127.0.0.1", "10.0.0.0/8"] })
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "203.0.113.7")), "203.0.113.7")
      // A client wrote the first entry itself; the proxy appended the address it saw.
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "6.6.6.6, 203.0.113.7")), "203.0.113.7")
      // Trusted proxies on the way are passed over.
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "203.0.113.7, 10.1.2.3")), "203.0.113.7")
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "[2001:db8::1]:4711")), "2001:db8::1")
      // One client, however its address is spelled: written canonically (effect/net's formatIp).
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "2001:DB8:0:0::1")), "2001:db8::1")
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "::ffff:203.0.113.7")), "203.0.113.7")
      // No header, or an entry that is no address: the peer.
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, undefined)), "127.0.0.1")
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "unknown")), "127.0.0.1")
    }))

  it.live("without trustedProxies, or from a peer not listed, X-Forwarded-For is not believed", () =>
    Effect.gen(function*() {
      const plain = yield* serve({})
      assert.strictEqual(yield* Effect.promise(() => whoAs(plain.url, "203.0.113.7")), "127.0.0.1")
      const elsewhere = yield* serve({ trustedProxies: ["10.0.0.0/8"] })
      assert.strictEqual(yield* Effect.promise(() => whoAs(elsewhere.url, "203.0.113.7")), "127.0.0.1")
    }))

  it.live("maxSessionsPerAddress counts each client behind the proxy, not the proxy", () =>
    Effect.gen(function*() {
      // Without: both clients are the proxy's address; the second's session ends the first's.
      const plain = yield* serve({ maxSessionsPerAddress: 1 })
      const a = yield* Effect.promise(() => sessionAs(plain.url, "203.0.113.1"))
      yield* Effect.promise(() => sessionAs(plain.url, "203.0.113.2"))
      assert.strictEqual(yield* Effect.promise(() => pingStatus(plain.url, a, "203.0.113.1")), 404)
      // With: one session each, both kept.
      const proxied = yield* serve({ maxSessionsPerAddress: 1, trustedProxies: ["127.0.0.1"] })
      const b = yield* Effect.promise(() => sessionAs(proxied.url, "203.0.113.1"))
      const c = yield* Effect.promise(() => sessionAs(proxied.url, "203.0.113.2"))
      assert.strictEqual(yield* Effect.promise(() => pingStatus(proxied.url, b, "203.0.113.1")), 200)
      assert.strictEqual(yield* Effect.promise(() => pingStatus(proxied.url, c, "203.0.113.2")), 200)
      // The same client's second session ends its first, as it did directly.
      yield* Effect.promise(() => sessionAs(proxied.url, "203.0.113.1"))
      assert.strictEqual(yield* Effect.promise(() => pingStatus(proxied.url, b, "203.0.113.1")), 404)
    }))

  it("an entry that is neither an address nor a network is refused where the endpoint is made", () => {
    assert.throws(() => StreamableHttp.make({ trustedProxies: ["nginx"] }), TypeError, /trustedProxies lists "nginx"/)
    assert.throws(() => StreamableHttp.make({ trustedProxies: ["10.0.0.0/33"] }), TypeError, /trustedProxies/)
    assert.throws(() => StreamableHttp.make({ trustedProxies: "127.0.0.1" as never }), TypeError, /trustedProxies must be a list/)
    assert.doesNotThrow(() => StreamableHttp.make({ trustedProxies: ["::1", "fd00::/8", "::ffff:127.0.0.1", "::ffff:10.0.0.0/104"] }))
  })

  it("a network with host bits set is refused, naming the network it is in (which was it meant: the address or its network?)", () => {
    assert.throws(() => StreamableHttp.make({ trustedProxies: ["10.0.0.1/8"] }), TypeError, /trustedProxies lists "10\.0\.0\.1\/8", a network with host bits set: the network is 10\.0\.0\.0\/8/)
    assert.throws(() => StreamableHttp.make({ trustedProxies: ["2001:db8::1/64"] }), TypeError, /the network is 2001:db8::\/64/)
    // An IPv4-mapped network read as its IPv4 network's prefix (`::ffff:10.0.0.0/8` is an IPv6 /8).
    assert.throws(() => StreamableHttp.make({ trustedProxies: ["::ffff:10.0.0.0/8"] }), TypeError, /host bits/)
  })

  it.live("an IPv4-mapped network (::ffff:127.0.0.0/104) trusts the IPv4 addresses it maps", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ trustedProxies: ["::ffff:127.0.0.0/104"] })
      assert.strictEqual(yield* Effect.promise(() => whoAs(url, "203.0.113.7")), "203.0.113.7")
    }))

  it("a link-local proxy, whose address Node writes with its zone (fe80::1%eth0), is trusted as its address", () => {
    // Node's socket.remoteAddress of a link-local peer carries the zone of the interface it came in
    // on; NetAddress reads no zone in a bare address: the zone is dropped from the peer, not the list.
    const forwarded = Forwarded.forwardedAddress(["fe80::/10"])!
    assert.strictEqual(forwarded("fe80::fc:ff:fe00:1%eth0", "203.0.113.7"), "203.0.113.7")
    assert.strictEqual(Forwarded.forwardedAddress(["fe80::fc:ff:fe00:1"])!("fe80::fc:ff:fe00:1%eth0", "203.0.113.7"), "203.0.113.7")
    assert.strictEqual(forwarded("fd00::1", "203.0.113.7"), undefined)
  })

  it("each address read is kept (up to 1,024, then dropped): past that, every client still gets its own address", () => {
    const forwarded = Forwarded.forwardedAddress(["10.0.0.0/8"])!
    for (let i = 0; i < 1100; i++) {
      const client = `198.51.${i >> 8}.${i & 255}`
      assert.strictEqual(forwarded("10.0.0.1", `${client}, 10.0.0.2`), client)
    }
    // Kept readings say the same as fresh ones: a trusted hop stays trusted, a client's stays its.
    assert.strictEqual(forwarded("10.0.0.1", "198.51.0.0, 10.0.0.2"), "198.51.0.0")
    assert.strictEqual(forwarded("10.0.0.1", "10.0.0.2"), "10.0.0.2")
    assert.strictEqual(forwarded("198.51.0.0", "203.0.113.7"), undefined)
    // A hop longer than any address is read, not kept, and is none.
    assert.strictEqual(forwarded("10.0.0.1", `${" ".repeat(80)}203.0.113.7`), "203.0.113.7")
    assert.strictEqual(forwarded("10.0.0.1", "x".repeat(80)), undefined)
  })

  it.effect("MCP_HTTP_TRUSTED_PROXIES sets them (comma-separated); an entry that is none is an HttpConfigError naming it", () =>
    Effect.gen(function*() {
      const withEnvironment = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
      const options = yield* withEnvironment({ MCP_HTTP_TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8" })(HttpConfig.serveOptions)
      assert.deepStrictEqual(options.trustedProxies, ["127.0.0.1", "10.0.0.0/8"])
      const refused = yield* Effect.flip(withEnvironment({ MCP_HTTP_TRUSTED_PROXIES: "127.0.0.1,nginx" })(HttpConfig.serveOptions))
      assert.strictEqual(refused.variable, "MCP_HTTP_TRUSTED_PROXIES")
      assert.match(refused.message, /"nginx"/)
      const hostBits = yield* Effect.flip(withEnvironment({ MCP_HTTP_TRUSTED_PROXIES: "10.0.0.1/8" })(HttpConfig.serveOptions))
      assert.match(hostBits.message, /the network is 10\.0\.0\.0\/8/)
    }))
})
