/**
 * 2026-07-28 `subscriptions/listen` streams per client on a stateless Streamable HTTP server, as
 * the endpoint bounds sessions: one principal holds at most `maxListenStreamsPerPrincipal` open
 * (default 16), past which one more is refused 429 (`data.limit: "listenStreamsPerPrincipal"`)
 * and another principal's is not; anonymous clients, told apart by their address, are bounded only
 * under `maxListenStreamsPerAddress` (off by default: behind a reverse proxy every client has the
 * proxy's address, and all of them shared one bound of 16, the 17th refused). A stream closed
 * makes room. With the SDK v2 client pinned to 2026-07-28 and raw requests (node:http, to choose
 * the local address and the bearer token).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import { request as httpRequest } from "node:http"
import { Readable } from "node:stream"
import { components, options } from "../../examples/everything-server.ts"
import { BearerAuth } from "../../src/auth.ts"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { BOTH, loopbackAliasesBindable, nextMessage, serveEverything, serveOnFreePort, sleep, sseReader } from "./support.ts"

const MODERN = "2026-07-28"

/**
 * A raw 2026-07-28 listen POST from `localAddress` (as `subject`'s bearer token, when given): its
 * first message, and `close` (drops the connection).
 */
const rawListen = (url: string, id: string, localAddress: string, subject?: string) =>
  new Promise<{ readonly first: any; readonly close: () => void }>((resolve, reject) => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "subscriptions/listen",
      params: {
        notifications: { toolsListChanged: true },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1.0.0" }
        }
      }
    })
    const request = httpRequest(url, {
      method: "POST",
      localAddress,
      headers: {
        accept: BOTH,
        "content-type": "application/json",
        "mcp-protocol-version": MODERN,
        "mcp-method": "subscriptions/listen",
        ...(subject === undefined ? {} : { authorization: `Bearer ${subject}` })
      }
    }, (incoming) => {
      const close = () => request.destroy()
      if ((incoming.headers["content-type"] ?? "").startsWith("application/json")) {
        let text = ""
        incoming.on("data", (chunk) => text += chunk)
        incoming.on("end", () => resolve({ first: JSON.parse(text), close }))
        return
      }
      const response = new Response(Readable.toWeb(incoming) as ReadableStream<Uint8Array>)
      nextMessage(sseReader(response)).then((first) => resolve({ first, close }), reject)
    })
    request.on("error", reject)
    request.end(body)
  })

/** The everything server, stateless, whose bearer verifier takes a token for the subject it names. */
const serveAuthenticated = (server: Partial<McpServer.Options> = {}) =>
  serveOnFreePort((port) =>
    McpServer.serve(
      { ...options, ...server },
      components,
      StreamableHttp.make({
        host: "127.0.0.1",
        port,
        stateless: true,
        auth: BearerAuth.config({
          verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
          resource: `http://127.0.0.1:${port}/mcp`,
          authorizationServers: ["https://auth.test"]
        })
      })
    )
  )

/** Opens `count` raw listen streams one after another; all of them closed as the test's scope ends. */
const openStreams = (url: string, count: number, localAddress: string, subject?: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const opened: Array<{ readonly first: any; readonly close: () => void }> = []
      for (let i = 0; i < count; i++) opened.push(await rawListen(url, `s${i}`, localAddress, subject))
      return opened
    }),
    (opened) =>
      Effect.sync(() => {
        for (const stream of opened) stream.close()
      })
  )

describe("subscriptions/listen streams per client (stateless HTTP)", () => {
  // Fails before: every anonymous client of one address (all of them, behind a reverse proxy)
  // shared one bound of 16 by default: the 17th stream was refused 429.
  it.live("by default, anonymous clients of one address are not bounded: 20 streams are acknowledged", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const streams = yield* openStreams(url, 20, "127.0.0.1")
      for (const stream of streams) {
        assert.strictEqual(stream.first.method, "notifications/subscriptions/acknowledged", JSON.stringify(stream.first))
      }
    }), 30_000)

  // Fails before: the limit was named "listenStreams", and the option maxListenStreamsPerClient.
  it.live("past maxListenStreamsPerPrincipal (default 16) a principal is refused 429 (listenStreamsPerPrincipal), another principal is not", () =>
    Effect.gen(function*() {
      const { url } = yield* serveAuthenticated()
      const streams = yield* openStreams(url, 17, "127.0.0.1", "alice")
      for (const stream of streams.slice(0, 16)) {
        assert.strictEqual(stream.first.method, "notifications/subscriptions/acknowledged", JSON.stringify(stream.first))
      }
      const refused = streams[16]!.first
      assert.strictEqual(refused.error?.code, 429, JSON.stringify(refused))
      assert.strictEqual(refused.error?.data?.limit, "listenStreamsPerPrincipal")
      assert.strictEqual(refused.error?.data?.max, 16)
      // Another principal, from the same address: not refused.
      const [bob] = yield* openStreams(url, 1, "127.0.0.1", "bob")
      assert.strictEqual(bob!.first.method, "notifications/subscriptions/acknowledged", JSON.stringify(bob!.first))
    }), 30_000)

  // Fails before: there was no maxListenStreamsPerAddress (one bound per client, by the option
  // maxListenStreamsPerClient): the third listen of the SDK client was acknowledged.
  it.live("past maxListenStreamsPerAddress one address is refused 429 (listenStreamsPerAddress), another address is not, a closed stream makes room", () =>
    Effect.gen(function*() {
      const aliases = yield* Effect.promise(loopbackAliasesBindable)
      const { url } = yield* serveEverything({ stateless: true }, { maxListenStreamsPerAddress: 2 })
      const client = new Client({ name: "listener", version: "2.0.0" }, { capabilities: {}, versionNegotiation: { mode: { pin: MODERN } as never } })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close().catch(() => undefined))
      )
      const first = yield* Effect.promise(() => client.listen({ toolsListChanged: true }))
      const second = yield* Effect.promise(() => client.listen({ toolsListChanged: true }))
      assert.deepStrictEqual(second.honoredFilter, { toolsListChanged: true })
      // The third of the SDK client: refused, with the limit named.
      const refused = yield* Effect.promise(() =>
        client.listen({ toolsListChanged: true }).then(
          (subscription) => ({ subscription }),
          (error: { code?: number; data?: any }) => ({ error })
        )
      )
      assert.isTrue("error" in refused, "the third listen stream of one client is refused")
      if ("error" in refused) {
        assert.strictEqual(refused.error.code, 429)
        assert.strictEqual(refused.error.data?.limit, "listenStreamsPerAddress")
        assert.strictEqual(refused.error.data?.max, 2)
      }
      // A raw request from the same address: refused too (one client, however it asks).
      const same = yield* Effect.promise(() => rawListen(url, "same", "127.0.0.1"))
      same.close()
      assert.strictEqual(same.first.id, "same")
      assert.strictEqual(same.first.error?.code, 429)
      // A client at another address is not starved.
      if (aliases) {
        const other = yield* Effect.promise(() => rawListen(url, "other", "127.0.0.2"))
        other.close()
        assert.strictEqual(other.first.method, "notifications/subscriptions/acknowledged")
      }
      // A stream closed makes room (the server sees it go a little later: at most 50 tries).
      yield* Effect.promise(() => first.close())
      let again: any
      for (let attempt = 0; attempt < 50; attempt++) {
        const next = yield* Effect.promise(() => rawListen(url, `again${attempt}`, "127.0.0.1"))
        next.close()
        again = next.first
        if (again.error === undefined) break
        yield* Effect.promise(() => sleep(50))
      }
      assert.strictEqual(again?.method, "notifications/subscriptions/acknowledged")
      yield* Effect.promise(() => second.close())
    }), 30_000)
})
