/**
 * The endpoint answers at its path exactly: `/MCP`, `//mcp`, `/mcp/` and `/mcp//` are 404 (the
 * router's defaults took them all for `/mcp`), on `StreamableHttp.serve` stateful and stateless,
 * on `WebHandler`, and for a custom `path`. The path given is answered however a client may spell
 * it: with a query (`?` alone too), a `;` parameter, a letter percent-encoded, an absolute-form target.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { connect } from "node:net"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { initializeMessage, serveOnAnyPort } from "./support.ts"

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echo") })
const options = { name: "paths", version: "1.0.0" }
const headers = { accept: "application/json, text/event-stream", "content-type": "application/json" }
const body = JSON.stringify(initializeMessage(1))

/** Not the endpoint's path, however close. */
const others = (path: string) => [path.toUpperCase(), `/${path}`, `${path}/`, `${path}//`, `${path}x`]

/** The status of an `initialize` POSTed at `base + path` (`fetch` keeps `//` and the case). */
const statusAt = async (base: string, path: string): Promise<number> => {
  const response = await fetch(`${base}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) })
  await response.arrayBuffer()
  return response.status
}

/** The same path as a client may spell it: a query (empty too), a `;` parameter, a letter percent-encoded. */
const spellings = (path: string) => [
  `${path}?tenant=a`,
  `${path}?`,
  `${path};jsessionid=1`,
  `/%${path.charCodeAt(1).toString(16)}${path.slice(2)}`
]

/** The status line of an `initialize` POSTed with an absolute-form target (`POST http://host/mcp`), as a proxy may send it. */
const absoluteFormStatus = (base: string, path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const { hostname, port, host } = new URL(base)
    // Written, not ended: the answer ends the connection (`Connection: close`).
    const socket = connect(Number(port), hostname, () =>
      socket.write(
        `POST ${base}${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: ${headers.accept}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
      ))
    let received = ""
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")))
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()))
    socket.on("end", () => resolve(received.slice(0, received.indexOf("\r\n"))))
    socket.on("error", reject)
  })

const exactOn = (base: string, path: string) =>
  Effect.promise(async () => {
    assert.strictEqual(await statusAt(base, path), 200, path)
    for (const spelling of spellings(path)) assert.strictEqual(await statusAt(base, spelling), 200, spelling)
    assert.strictEqual(await absoluteFormStatus(base, path), "HTTP/1.1 200 OK")
    for (const other of others(path)) assert.strictEqual(await statusAt(base, other), 404, other)
  })

describe("the endpoint's path is exact", () => {
  for (const stateless of [false, true]) {
    it.live(`StreamableHttp.serve${stateless ? ", stateless" : ""}: only /mcp`, () =>
      Effect.gen(function*() {
        const { url } = yield* serveOnAnyPort((port) =>
          McpServer.serve(options, Echo, StreamableHttp.make({ host: "127.0.0.1", port, stateless, responseMode: "json" }))
        )
        yield* exactOn(new URL(url).origin, "/mcp")
      }), 30_000)
  }

  it.live("StreamableHttp.serve with path /api/Mcp: only that spelling", () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, Echo, StreamableHttp.make({ host: "127.0.0.1", port, path: "/api/Mcp", responseMode: "json" }))
      )
      yield* exactOn(new URL(url).origin, "/api/Mcp")
    }), 30_000)

  const web = WebHandler.make(options, Echo, { responseMode: "json" })
  afterAll(() => web.dispose())
  for (const stateless of [false, true]) {
    it(`WebHandler${stateless ? ", stateless" : ""}: only /mcp`, async () => {
      const handler = stateless ? WebHandler.make(options, Echo, { responseMode: "json", stateless: true }) : web
      try {
        const status = async (path: string) => {
          const response = await handler.handler(new Request(`http://127.0.0.1${path}`, { method: "POST", headers, body }))
          await response.arrayBuffer()
          return response.status
        }
        assert.strictEqual(await status("/mcp"), 200)
        for (const spelling of spellings("/mcp")) assert.strictEqual(await status(spelling), 200, spelling)
        for (const other of others("/mcp")) assert.strictEqual(await status(other), 404, other)
      } finally {
        if (handler !== web) await handler.dispose()
      }
    }, 30_000)
  }
})
