/**
 * A `WebHandler` mounted under a path prefix, as a framework mounts a sub-app (Hono's
 * `app.route("/api", api)` with `api.all("/mcp", (c) => mcp.handler(c.req.raw))`): the `Request`
 * it gets carries the whole path, `/api/mcp`, and the handler answers at its `path` exactly
 * (default `/mcp`), so every request is 404.
 *
 * Fails before: that 404 was all (an empty body; the SDK v2 client reported that "the server did
 * not offer pinned protocol version 2026-07-28 via server/discover", the SDK v1 client a 404), and
 * nothing was logged: nothing said where the endpoint is. Now the first such request logs one
 * warning naming the path asked and the `path` option to give; the 404 stays (the handler serves
 * the path it was given). Given `path: "/api/mcp"`, the SDK v1 and v2 clients are served.
 */
import { afterEach, assert, describe, it, vi } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { serveOnAnyPort } from "./support.ts"

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echo") })

/**
 * A `node:http` server that hands every request under `/api/` to `handler` with its whole URL,
 * as a framework's sub-app mount does (anything else is 404 of its own, `not routed`).
 */
const mountUnderApi = (handler: (request: Request) => Promise<Response>) =>
  new Promise<{ readonly origin: string; readonly close: () => Promise<void> }>((resolve) => {
    const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      if (!req.url!.startsWith("/api/")) return void res.writeHead(404).end("not routed")
      const gone = new AbortController()
      res.on("close", () => res.writableFinished || gone.abort())
      const headers = new Headers()
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
      const response = await handler(
        new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === "GET" || req.method === "HEAD" ? undefined : Readable.toWeb(req) as ReadableStream,
          duplex: "half",
          signal: gone.signal
        } as RequestInit)
      )
      res.writeHead(response.status, Object.fromEntries(response.headers))
      if (response.body === null) return void res.end()
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk)
      res.end()
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise((closed) => {
            server.closeAllConnections()
            server.close(() => closed())
          })
      }))
  })

const logged: Array<string> = []
const keep = (...args: Array<unknown>) => void logged.push(args.map(String).join(" "))

afterEach(() => {
  vi.restoreAllMocks()
  logged.length = 0
})

describe("a WebHandler mounted under a path prefix", () => {
  it("its 404s are said once, naming the path asked and the path option; the SDK clients are not served", async () => {
    vi.spyOn(console, "log").mockImplementation(keep)
    vi.spyOn(console, "error").mockImplementation(keep)
    const web = WebHandler.make({ name: "prefix", version: "1.0.0" }, Echo, {})
    const node = await mountUnderApi(web.handler)
    const v2 = new ClientV2({ name: "v2", version: "2" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
    const v1 = new Client({ name: "v1", version: "1" }, { capabilities: {} })
    try {
      // Not the endpoint's look-alikes, nor another path: those are 404 without a word. Asked
      // first: the warning is said once, so asked after it they would prove nothing.
      for (const path of ["/api/other", "/api//mcp", "/api/mcpx", "/api/xmcp"]) {
        const response = await fetch(`${node.origin}${path}`, { method: "POST", body: "{}" })
        await response.arrayBuffer()
        assert.strictEqual(response.status, 404, path)
      }
      assert.deepStrictEqual(logged.filter((line) => line.includes("path:")), [])
      const failedV2 = await v2.connect(new TransportV2(new URL(`${node.origin}/api/mcp`))).then(() => undefined, (error: unknown) => error)
      assert.isDefined(failedV2, "the SDK v2 client is not served")
      const failedV1 = await v1.connect(new StreamableHTTPClientTransport(new URL(`${node.origin}/api/mcp`))).then(
        () => undefined,
        (error: unknown) => error
      )
      assert.strictEqual((failedV1 as { readonly code?: number } | undefined)?.code, 404, String(failedV1))
      const said = logged.filter((line) => line.includes("/api/mcp"))
      assert.strictEqual(said.length, 1, logged.join("\n"))
      assert.include(said[0]!, `path: "/api/mcp"`)
      assert.include(said[0]!, "/mcp")
    } finally {
      await v1.close().catch(() => undefined)
      await v2.close().catch(() => undefined)
      await node.close()
      await web.dispose()
    }
  })

  it("given the whole path (path: \"/api/mcp\"), the SDK v1 and v2 clients are served, nothing said", async () => {
    vi.spyOn(console, "log").mockImplementation(keep)
    vi.spyOn(console, "error").mockImplementation(keep)
    const web = WebHandler.make({ name: "prefix", version: "1.0.0" }, Echo, { path: "/api/mcp" })
    const node = await mountUnderApi(web.handler)
    const v2 = new ClientV2({ name: "v2", version: "2" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
    const v1 = new Client({ name: "v1", version: "1" }, { capabilities: {} })
    try {
      await v2.connect(new TransportV2(new URL(`${node.origin}/api/mcp`)))
      await v1.connect(new StreamableHTTPClientTransport(new URL(`${node.origin}/api/mcp`)))
      const results = [await v2.callTool({ name: "echo", arguments: {} }), await v1.callTool({ name: "echo", arguments: {} })]
      for (const result of results) assert.deepStrictEqual(result.content, [{ type: "text", text: "echo" }])
      assert.deepStrictEqual(logged.filter((line) => line.includes("path:")), [])
    } finally {
      await v1.close().catch(() => undefined)
      await v2.close().catch(() => undefined)
      await node.close()
      await web.dispose()
    }
  })
})

// `StreamableHttp.make` (`serve`) behind a reverse proxy that keeps the prefix: the same 404s, said
// the same way. Fails before: nothing was logged (the warning was `route`'s and `WebHandler`'s only).
// Said for a request that looks like an MCP client's only (its requests here are; they were
// `POST {}` as text before, which a scanner may send too).
describe("StreamableHttp.make reached at a prefixed path (a proxy that keeps the prefix)", () => {
  it.live("its 404s are said once, naming the path; look-alikes are not; /mcp is served", () =>
    Effect.gen(function*() {
      const said: Array<string> = []
      const keep = Logger.make((entry) => void said.push(String(entry.message)))
      const { port, url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "prefix", version: "1" }, Echo, StreamableHttp.make({ host: "127.0.0.1", port, healthPath: "/health" })), {
          loggers: [keep]
        })
      const origin = `http://127.0.0.1:${port}`
      // As an MCP client sends it (a POST of JSON accepting SSE; a GET naming its session), unless `scanner`.
      const status = (path: string, method = "POST", scanner = false) =>
        Effect.promise(async () => {
          const headers: Record<string, string> = scanner ? {} : method === "POST"
            ? { "content-type": "application/json", accept: "application/json, text/event-stream" }
            : { accept: "text/event-stream", "mcp-session-id": "s" }
          const response = await fetch(`${origin}${path}`, { method, headers, ...(method === "POST" ? { body: "{}" } : {}) })
          return { status: response.status, body: await response.text() }
        })
      // The router still answers HEAD with a path's GET route (the health endpoint).
      assert.strictEqual((yield* status("/health", "HEAD")).status, 200)
      for (const path of ["/api/other", "/api//mcp", "/api/mcpx", "/mcp/", "/MCP"]) {
        assert.deepStrictEqual(yield* status(path), { status: 404, body: "" }, path)
      }
      // Fails before (the one warning said for the scanner's path, none for the client's): a
      // request that does not look like an MCP client's (a scanner's GET, a POST of a form) is
      // 404 without a word.
      for (const [path, method] of [["/wp/mcp", "GET"], ["/x/mcp", "POST"], ["/x/mcp", "HEAD"]] as const) {
        assert.deepStrictEqual(yield* status(path, method, true), { status: 404, body: "" }, `${method} ${path}`)
      }
      assert.deepStrictEqual(said.filter((line) => line.includes("path:")), [])
      for (let i = 0; i < 3; i++) assert.deepStrictEqual(yield* status("/api/mcp?x=1"), { status: 404, body: "" })
      assert.deepStrictEqual(yield* status("/api/mcp", "GET"), { status: 404, body: "" })
      assert.deepStrictEqual(yield* status("/api/mcp", "HEAD"), { status: 404, body: "" })
      const lines = said.filter((line) => line.includes("path:"))
      assert.strictEqual(lines.length, 1, said.join("\n"))
      assert.include(lines[0]!, `give path: "/api/mcp"`)
      const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
        () => Effect.promise(() => client.close().catch(() => undefined))
      )
      const result = yield* Effect.promise(() => client.callTool({ name: "echo", arguments: {} }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "echo" }])
    }))
})
