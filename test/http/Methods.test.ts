/**
 * The methods the endpoint answers, alike on every entry point (`StreamableHttp.make`,
 * `StreamableHttp.route` in a router of one's own, `WebHandler`): any other method on its path is
 * 405 with `Allow` (OPTIONS in it with CORS, which answers every OPTIONS) and a JSON-RPC error
 * body, never the router's empty 404. Real HTTP on 127.0.0.1 where a method can travel over it
 * (Node's parser refuses methods outside `http.METHODS` with 400 before any server code runs:
 * `FOO` reaches only a web handler, as a fetch `Request`).
 */
import { assert, describe, it, vi } from "@effect/vitest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { McpError, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { WebHandler } from "../../src/web.ts"
import { BOTH, rawRequest, routerListening, serveOnAnyPort } from "./support.ts"

const server = LowLevelServer.make({ serverInfo: { name: "methods", version: "1.0.0" }, handlers: {} })
const run: StreamableHttp.Runner = (transport, options) => server.run(transport, options)

const cors = { allowedOrigins: ["https://app.example"] }

/** The `Allow` expected of a server with these options. */
const allowed = (options: StreamableHttp.Options) =>
  `${options.stateless === true ? "POST" : "GET, POST, DELETE"}${options.cors === undefined ? "" : ", OPTIONS"}`

/** Each way of serving the endpoint over real HTTP, on `port` (0: one its server picks). */
const entryPoints: ReadonlyArray<readonly [string, (options: StreamableHttp.Options, port: number) => Layer.Layer<never, unknown>]> = [
  ["StreamableHttp.serve", (options, port) => StreamableHttp.serve(run, { ...options, host: "127.0.0.1", port })],
  ["StreamableHttp.route", (options, port) =>
    routerListening.pipe(
      Layer.provide(HttpRouter.serve(StreamableHttp.route(run, options), { disableLogger: true, disableListenLog: true })),
      Layer.provide(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port }))
    )]
]

describe("methods the endpoint does not serve: 405 with Allow and a JSON-RPC body", () => {
  it.live("over HTTP, StreamableHttp.serve and StreamableHttp.route agree; OPTIONS is allowed with CORS", () =>
    Effect.gen(function*() {
      for (const [name, serve] of entryPoints) {
        for (const options of [{}, { cors }, { stateless: true }, { stateless: true, cors }] as const) {
          const { port } = yield* serveOnAnyPort((port) => Layer.launch(serve(options, port)))
          const methods = options.stateless === true ? ["GET", "DELETE", "PUT", "PROPFIND"] : ["PUT", "PATCH", "PROPFIND"]
          for (const method of methods) {
            const what = `${name} ${JSON.stringify(options)} ${method}`
            const answer = yield* Effect.promise(() => rawRequest(port, method, { accept: BOTH, host: "127.0.0.1" }))
            assert.strictEqual(answer.status, 405, what)
            assert.strictEqual(answer.headers["allow"], allowed(options), what)
            const body = JSON.parse(answer.body)
            assert.strictEqual(body.jsonrpc, "2.0", what)
            assert.strictEqual(body.error.code, McpError.ErrorCode.InvalidRequest, what)
            assert.include(body.error.message, method, what)
          }
        }
      }
    }), 30_000)

  it("WebHandler: a method the router does not know (FOO) is 405 on the endpoint's path, 404 elsewhere", async () => {
    for (const options of [{}, { cors }] as const) {
      const web = WebHandler.make({ name: "methods", version: "1.0.0" }, Layer.empty, options)
      try {
        for (const method of ["FOO", "PUT", "M-SEARCH"]) {
          const what = `${JSON.stringify(options)} ${method}`
          const response = await web.handler(
            new Request("http://127.0.0.1/mcp?x=1", {
              method,
              headers: { host: "127.0.0.1", ...(options.cors === undefined ? {} : { origin: "https://app.example" }) }
            })
          )
          assert.strictEqual(response.status, 405, what)
          assert.strictEqual(response.headers.get("allow"), allowed(options), what)
          const body: any = await response.json()
          assert.strictEqual(body.error.code, McpError.ErrorCode.InvalidRequest, what)
          assert.include(body.error.message, `Method Not Allowed: ${method}`, what)
          // With CORS, the refusal is readable by the page that sent it.
          assert.strictEqual(response.headers.get("access-control-allow-origin"), options.cors === undefined ? null : "https://app.example", what)
        }
        // Fails before (404): the path as the router matches it, spelled otherwise (a letter
        // percent-encoded, a `;` parameter), as POST there is the endpoint's (test/http/EndpointPath.test.ts).
        for (const path of ["/m%63p", "/%6Dcp?x=1", "/mcp;jsessionid=1"]) {
          const response = await web.handler(new Request(`http://127.0.0.1${path}`, { method: "FOO", headers: { host: "127.0.0.1" } }))
          assert.strictEqual(response.status, 405, path)
          assert.strictEqual(response.headers.get("allow"), allowed(options), path)
          await response.text()
          const posted = await web.handler(
            new Request(`http://127.0.0.1${path}`, {
              method: "POST",
              headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
            })
          )
          assert.notStrictEqual(posted.status, 404, path)
          await posted.text()
        }
        // Not the endpoint's path, however decoded: the router's 404 for FOO as for POST.
        for (const path of ["/MCP", "/mcp/", "/m%2Fcp"]) {
          const response = await web.handler(new Request(`http://127.0.0.1${path}`, { method: "FOO", headers: { host: "127.0.0.1" } }))
          assert.strictEqual(response.status, 404, path)
          await response.text()
        }
        const elsewhere = await web.handler(new Request("http://127.0.0.1/other", { method: "FOO", headers: { host: "127.0.0.1" } }))
        assert.strictEqual(elsewhere.status, 404)
        await elsewhere.text()
      } finally {
        await web.dispose()
      }
    }
  })

  // Fails before (404 for FOO where POST is 200): the 405 matched the path by `serve`'s exact
  // rules whatever the router's own, and a router of default settings takes `/MCP`, `/mcp/` and
  // `//mcp` for the endpoint's path.
  it("StreamableHttp.route in a router of default settings: FOO is 405 wherever the router gives the endpoint a POST, 404 elsewhere", async () => {
    const web = HttpRouter.toWebHandler(StreamableHttp.route(run, {}), { disableLogger: true })
    try {
      for (const path of ["/mcp", "/MCP", "/mcp/", "//mcp", "/M%63P?x=1"]) {
        const posted = await web.handler(
          new Request(`http://127.0.0.1${path}`, {
            method: "POST",
            headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
          })
        )
        // The endpoint's answer (400: no session), not the router's 404.
        assert.strictEqual(posted.status, 400, path)
        assert.strictEqual(((await posted.json()) as { jsonrpc?: string }).jsonrpc, "2.0", path)
        const response = await web.handler(new Request(`http://127.0.0.1${path}`, { method: "FOO", headers: { host: "127.0.0.1" } }))
        assert.strictEqual(response.status, 405, path)
        assert.strictEqual(response.headers.get("allow"), allowed({}), path)
        await response.text()
      }
      for (const path of ["/other", "/mcp/x", "/m%2Fcp"]) {
        const response = await web.handler(new Request(`http://127.0.0.1${path}`, { method: "FOO", headers: { host: "127.0.0.1" } }))
        assert.strictEqual(response.status, 404, path)
        await response.text()
      }
    } finally {
      await web.dispose()
    }
  })

  // Fails before (FOO /MCP 405 where POST /MCP is 404, FOO /mcp/ likewise): a `routerConfig` given
  // to the function serving the router (`HttpRouter.toWebHandler`, `HttpRouter.serve`) reaches the
  // router only, and the 405 matched the path by the defaults (case and a trailing slash ignored).
  it("StreamableHttp.route in a router given a routerConfig by what serves it: FOO is 405 exactly where POST is the endpoint's", async () => {
    const web = HttpRouter.toWebHandler(StreamableHttp.route(run, {}), {
      disableLogger: true,
      routerConfig: { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false }
    })
    const ask = async (path: string, method: string) => {
      const response = await web.handler(
        new Request(`http://127.0.0.1${path}`, {
          method,
          headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json" },
          ...(method === "POST" ? { body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) } : {})
        })
      )
      await response.text()
      return response.status
    }
    try {
      for (const path of ["/mcp", "/m%63p"]) {
        assert.strictEqual(await ask(path, "POST"), 400, path)
        assert.strictEqual(await ask(path, "FOO"), 405, path)
      }
      for (const path of ["/MCP", "/mcp/", "//mcp"]) {
        assert.strictEqual(await ask(path, "POST"), 404, path)
        assert.strictEqual(await ask(path, "FOO"), 404, path)
      }
    } finally {
      await web.dispose()
    }
  })

  /** What `console.log` and `console.error` print from now on (`vi.restoreAllMocks` ends it), one line per call. */
  const capturedConsole = (): Array<string> => {
    const logged: Array<string> = []
    const keep = (...args: Array<unknown>) => void logged.push(args.map(String).join(" "))
    vi.spyOn(console, "log").mockImplementation(keep)
    vi.spyOn(console, "error").mockImplementation(keep)
    return logged
  }
  // Fails before: `FOO /a/mcp` was 405, but the `/mcp` endpoint's middleware, asked first (it
  // matched its own path only), logged that `/a/mcp` looked like `/mcp` mounted under a prefix.
  it("two StreamableHttp.route endpoints whose paths end alike (/mcp, /a/mcp): FOO on either is its 405, no warning", async () => {
    const logged = capturedConsole()
    try {
      for (const order of [["/mcp", "/a/mcp"], ["/a/mcp", "/mcp"]] as const) {
        const endpoint = (path: "/mcp" | "/a/mcp") => StreamableHttp.route(run, { path, stateless: path === "/a/mcp" })
        const web = HttpRouter.toWebHandler(Layer.mergeAll(endpoint(order[0]), endpoint(order[1])), { disableLogger: true })
        try {
          for (const [path, allow] of [["/a/mcp", "POST"], ["/mcp", "GET, POST, DELETE"]] as const) {
            const response = await web.handler(
              new Request(`http://127.0.0.1${path}`, {
                method: "FOO",
                headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json", "mcp-protocol-version": "2025-11-25" }
              })
            )
            assert.strictEqual(response.status, 405, `${order} ${path}`)
            assert.strictEqual(response.headers.get("allow"), allow, `${order} ${path}: the endpoint at that path`)
            await response.text()
          }
          assert.deepStrictEqual(logged.filter((line) => line.includes("path:")), [], String(order))
        } finally {
          await web.dispose()
        }
      }
    } finally {
      vi.restoreAllMocks()
    }
  })
  // Fails before: a request to /x/a/mcp logged both endpoints' warnings (/mcp under "/x/a", and
  // /a/mcp under "/x"): the one meant is the longest path it ends with.
  it("two StreamableHttp.route endpoints (/mcp, /a/mcp): a 404 at /x/a/mcp is said once, naming /a/mcp", async () => {
    const logged = capturedConsole()
    try {
      for (const order of [["/mcp", "/a/mcp"], ["/a/mcp", "/mcp"]] as const) {
        logged.length = 0
        const endpoint = (path: "/mcp" | "/a/mcp") => StreamableHttp.route(run, { path })
        const web = HttpRouter.toWebHandler(Layer.mergeAll(endpoint(order[0]), endpoint(order[1])), { disableLogger: true })
        try {
          for (const method of ["POST", "FOO", "POST"]) {
            const response = await web.handler(
              new Request("http://127.0.0.1/x/a/mcp", {
                method,
                headers: { host: "127.0.0.1", accept: BOTH, "content-type": "application/json", "mcp-protocol-version": "2025-11-25" },
                ...(method === "POST" ? { body: "{}" } : {})
              })
            )
            assert.strictEqual(response.status, 404, `${order} ${method}`)
            await response.text()
          }
          const said = logged.filter((line) => line.includes("answered 404"))
          assert.strictEqual(said.length, 1, `${order}: ${said.join("\n")}`)
          assert.include(said[0], "the MCP endpoint is at /a/mcp (", String(order))
          assert.include(said[0], `give path: "/x/a/mcp"`, String(order))
        } finally {
          await web.dispose()
        }
      }
    } finally {
      vi.restoreAllMocks()
    }
  })
})
