/**
 * `keepAliveTimeoutMillis`: how long the endpoint's own HTTP server (`StreamableHttp.serve`,
 * `make`, `fromConfig`) keeps an idle keep-alive connection open. Behind a load balancer that
 * pools connections for longer than the server keeps them (an AWS ALB: 60 s), the balancer sends
 * a request on a connection the server is closing: its client gets a 502 (a POST is not retried).
 * Before, the server closed every idle connection after Node's default 5 s (plus Node's 1 s
 * buffer), whatever was asked. A raw `node:http` Agent that keeps its sockets (not the server's
 * `Keep-Alive: timeout` hint, which Node's Agent follows) tells when the server closes one.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { Agent, request, type IncomingMessage } from "node:http"
import type { Socket } from "node:net"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { BOTH, initializeMessage, serveEverything, serveOnAnyPort } from "./support.ts"

/** Keeps every socket it is given back, for as long as the server keeps it (no timeout of its own). */
class HoldingAgent extends Agent {
  override keepSocketAlive(socket: Socket): boolean {
    socket.setKeepAlive(true)
    return true
  }
}

interface Idle {
  readonly response: IncomingMessage
  /** When the response had been read, the connection then idle. */
  readonly idleSince: number
  /** When the server closed the connection (its FIN), or `undefined` while it is open. */
  readonly closedAt: () => number | undefined
}

/** POSTs an `initialize` on a keep-alive connection of its own; resolves once the answer is read. */
const postThenIdle = (url: string): Promise<Idle> =>
  new Promise((resolve, reject) => {
    const agent = new HoldingAgent({ keepAlive: true, maxSockets: 1 })
    const body = JSON.stringify(initializeMessage())
    const req = request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", accept: BOTH, "content-length": Buffer.byteLength(body) }
    }, (response) => {
      let closedAt: number | undefined
      const socket = response.socket
      socket.once("end", () => closedAt ??= Date.now())
      socket.once("close", () => closedAt ??= Date.now())
      socket.on("error", () => closedAt ??= Date.now())
      response.resume()
      response.once("end", () => resolve({ response, idleSince: Date.now(), closedAt: () => closedAt }))
    })
    req.once("error", reject)
    req.end(body)
  })

/** Waits until `idle`'s connection is closed, or `millis` pass; its idle time then (`undefined`: still open). */
const closedWithin = async (idle: Idle, millis: number): Promise<number | undefined> => {
  const deadline = idle.idleSince + millis
  while (idle.closedAt() === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const closedAt = idle.closedAt()
  return closedAt === undefined ? undefined : closedAt - idle.idleSince
}

describe("StreamableHttp keepAliveTimeoutMillis", () => {
  // Failed before: every connection was kept Node's 5 s (+1 s): the 300 ms one still open after
  // 3.5 s; the default advertised `timeout=5`.
  it.live("an idle connection is closed after keepAliveTimeoutMillis and not before; the default outlives a load balancer's 60 s", () =>
    Effect.gen(function*() {
      const short = yield* serveEverything({ keepAliveTimeoutMillis: 300 })
      const long = yield* serveEverything({ keepAliveTimeoutMillis: 1_500 })
      const byDefault = yield* serveEverything()
      const never = yield* serveEverything({ keepAliveTimeoutMillis: Number.POSITIVE_INFINITY })
      // `fromConfig`: MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS.
      const fromEnvironment = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, components, StreamableHttp.fromConfig({ host: "127.0.0.1", port })).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: "300" } }))
        )
      )
      const [shortIdle, longIdle, defaultIdle, neverIdle, environmentIdle] = yield* Effect.promise(() =>
        Promise.all([short, long, byDefault, never, fromEnvironment].map(({ url }) => postThenIdle(url)))
      )
      for (const idle of [shortIdle, longIdle, defaultIdle, neverIdle, environmentIdle]) assert.strictEqual(idle.response.statusCode, 200)
      // Node closes an idle connection up to a second after its keep-alive timeout (from 24.6 on:
      // its `keepAliveTimeoutBuffer`, so that the client, told the timeout, lets it go first). The
      // idle time is measured from when the client has read the answer, a little after the
      // server's own, hence the margins below the timeouts.
      const shortClosed = yield* Effect.promise(() => closedWithin(shortIdle, 3_500))
      assert.isDefined(shortClosed, "the connection of the 300 ms server was still open after 3.5 s")
      assert.isAtLeast(shortClosed!, 200)
      const environmentClosed = yield* Effect.promise(() => closedWithin(environmentIdle, 3_500))
      assert.isDefined(environmentClosed, "the connection of the server with MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS=300 was still open after 3.5 s")
      assert.isAtLeast(environmentClosed!, 200)
      const longOpen = yield* Effect.promise(() => closedWithin(longIdle, 1_300))
      assert.isUndefined(longOpen, `the connection of the 1,500 ms server was closed after ${longOpen} ms`)
      const longClosed = yield* Effect.promise(() => closedWithin(longIdle, 5_000))
      assert.isDefined(longClosed, "the connection of the 1,500 ms server was still open after 5 s")
      assert.isAtLeast(longClosed!, 1_300)
      assert.isUndefined(defaultIdle.closedAt(), "the connection of the server with the default was closed")
      assert.isUndefined(neverIdle.closedAt(), "the connection of the server with Infinity was closed")
      // What the server says of its keep-alive (whole seconds, rounded down), which clients such
      // as undici and Node's Agent follow.
      assert.strictEqual(defaultIdle.response.headers["keep-alive"], "timeout=72")
      assert.strictEqual(longIdle.response.headers["keep-alive"], "timeout=1")
      // Never: no timeout to tell.
      assert.isUndefined(neverIdle.response.headers["keep-alive"])
    }).pipe(Effect.scoped))

  // Failed before: taken, and ignored.
  it("a keepAliveTimeoutMillis out of range is refused with a RangeError naming it, where the server is made", () => {
    const makers: ReadonlyArray<readonly [who: string, make: (options: StreamableHttp.ServeOptions) => unknown]> = [
      ["StreamableHttp.make", (options) => StreamableHttp.make(options)],
      ["StreamableHttp.serve", (options) => StreamableHttp.serve(() => Effect.void, options)],
      ["StreamableHttp.fromConfig", (options) => StreamableHttp.fromConfig(options)]
    ]
    for (const [who, make] of makers) {
      for (const value of [Number.NaN, 0, -1, 1.5, 2 ** 31, Number.NEGATIVE_INFINITY, "60000"]) {
        assert.throws(
          () => make({ keepAliveTimeoutMillis: value as number }),
          RangeError,
          `${who}: keepAliveTimeoutMillis must be an integer >= 1 and at most 2147482647 (milliseconds) or Infinity (never), got`,
          `${who} ${String(value)}`
        )
      }
      for (const value of [1, 65_000, 620_000, 2 ** 31 - 1_001, Number.POSITIVE_INFINITY]) {
        assert.doesNotThrow(() => make({ keepAliveTimeoutMillis: value }), `${who} ${value}`)
      }
    }
  })
})
