/**
 * Streamable HTTP security and limits: DNS rebinding protection (Host and Origin → 403), body
 * size (413), Content-Type (415), Accept (406), the session cap (503), idle reaping and the
 * request timeout (504); the listening line names a URL the Host check accepts.
 */
import { assert, describe, it, vi } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { listeningUrl } from "../../src/transport/http/internal/guards.ts"
import {
  BOTH,
  initializeMessage,
  jsonOf,
  listeningLine,
  nodeFetch,
  on,
  openEndedPost,
  openSession,
  post,
  rawRequest,
  readSse,
  serveEverything
} from "./support.ts"

const ping = (id: number | string) => ({ jsonrpc: "2.0", id, method: "ping" })
const json = { accept: BOTH, "content-type": "application/json" }
const Echo = McpServer.tool({ name: "echo", parameters: { text: Schema.String }, handler: ({ text }) => Effect.succeed(text) })

describe("Streamable HTTP security", () => {
  it.live("Host not on the allow-list → 403 (POST, GET, DELETE); localhost names accepted", () =>
    Effect.gen(function*() {
      const { url, port } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const body = JSON.stringify(initializeMessage())

      const evil = yield* Effect.promise(() => rawRequest(port, "POST", { ...json, host: "evil.example.com" }, body))
      assert.strictEqual(evil.status, 403)
      assert.include(JSON.parse(evil.body).error.message, "evil.example.com")
      const evilWithPort = yield* Effect.promise(() =>
        rawRequest(port, "POST", { ...json, host: `evil.example.com:${port}` }, body)
      )
      assert.strictEqual(evilWithPort.status, 403)
      const evilGet = yield* Effect.promise(() =>
        rawRequest(port, "GET", { ...on(sessionId), accept: "text/event-stream", host: "evil.example.com" })
      )
      assert.strictEqual(evilGet.status, 403)
      const evilDelete = yield* Effect.promise(() => rawRequest(port, "DELETE", { ...on(sessionId), host: "evil.example.com" }))
      assert.strictEqual(evilDelete.status, 403)
      // the refused DELETE did not end the session
      const alive = yield* Effect.promise(() => post(url, ping(1), on(sessionId)))
      assert.strictEqual(alive.status, 200)
      yield* Effect.promise(() => alive.text())

      for (const host of [`localhost:${port}`, "localhost", `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
        const ok = yield* Effect.promise(() => rawRequest(port, "POST", { ...json, ...on(sessionId), host }, JSON.stringify(ping(2))))
        assert.strictEqual(ok.status, 200, `Host: ${host}`)
      }
    }))

  // Fails before the fix: each of these named an allowed host in another spelling and was refused 403.
  it.live("Host: another spelling of an allowed host (long IPv6 form, IPv4 shorthand, a fully qualified name's dot) is accepted; look-alikes are not", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const status = (host: string) =>
        Effect.promise(() => rawRequest(port, "POST", { ...json, ...on(sessionId), host }, JSON.stringify(ping(3)))).pipe(
          Effect.map((response) => response.status)
        )
      for (const host of [`[0:0:0:0:0:0:0:1]:${port}`, "[0::1]", `127.1:${port}`, `localhost.:${port}`, "LocalHost."]) {
        assert.strictEqual(yield* status(host), 200, `Host: ${host}`)
      }
      // Percent-escapes and characters outside printable ASCII a URL would decode or map to an
      // allowed name (no client writes a Host so): refused (Node itself refuses to send the latter).
      for (const host of ["localhost.evil.example", "evil@localhost", "localhost/x", "[::2]", "127.0.0.2", "localhost..", "%6cocalhost"]) {
        assert.strictEqual(yield* status(host), 403, `Host: ${host}`)
      }
      // An allowed name written with a fully qualified name's dot is the name without it.
      const dotted = yield* serveEverything({ allowedHosts: ["mcp.example.com."] })
      const dottedSession = yield* Effect.promise(() =>
        rawRequest(dotted.port, "POST", { ...json, host: "mcp.example.com" }, JSON.stringify(initializeMessage()))
      )
      assert.strictEqual(dottedSession.status, 200)
    }))

  // The web handler checks a request without Host by its URL's host; on Node the URL of such a
  // request (HTTP/1.0, or malformed) is a path, so it stays refused, unless its target is absolute
  // (whose host Node's platform makes its Host: that host is checked).
  it.live("node:http: an HTTP/1.0 request without Host is still 403; an absolute-form target is checked by its host", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const body = JSON.stringify(ping(1))
      const http10 = (target: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(port, "127.0.0.1")
          const chunks: Array<Buffer> = []
          const timer = setTimeout(() => socket.destroy(new Error("no answer within 5 s")), 5_000)
          socket.on("data", (chunk: Buffer) => chunks.push(chunk))
          socket.on("close", () => {
            clearTimeout(timer)
            resolve(Buffer.concat(chunks).toString())
          })
          socket.on("error", reject)
          socket.end(
            `POST ${target} HTTP/1.0\r\ncontent-type: application/json\r\naccept: ${BOTH}\r\n` +
              `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
          )
        })
      const pathOnly = yield* Effect.promise(() => http10("/mcp"))
      assert.match(pathOnly, /^HTTP\/1\.[01] 403 /)
      assert.include(pathOnly, "host (none) is not allowed")
      const foreign = yield* Effect.promise(() => http10(`http://evil.example.com:${port}/mcp`))
      assert.match(foreign, /^HTTP\/1\.[01] 403 /)
      assert.include(foreign, "evil.example.com")
      // Past the Host check: the session's own answer (a ping without a session).
      const local = yield* Effect.promise(() => http10(`http://localhost:${port}/mcp`))
      assert.match(local, /^HTTP\/1\.[01] 400 /)
      assert.include(local, "Mcp-Session-Id header is required")
    }))

  it.live("Origin: foreign → 403 even with a good Host; localhost origins accepted", () =>
    Effect.gen(function*() {
      const { url, port } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      for (const origin of ["http://evil.example.com", `http://evil.example.com:${port}`, "null", "http://localhost.evil.com"]) {
        const refused = yield* Effect.promise(() => post(url, ping(1), on(sessionId, { origin })))
        assert.strictEqual(refused.status, 403, `Origin: ${origin}`)
        yield* Effect.promise(() => refused.text())
      }
      const refusedGet = yield* Effect.promise(() =>
        fetch(url, { headers: on(sessionId, { accept: "text/event-stream", origin: "http://evil.example.com" }) })
      )
      assert.strictEqual(refusedGet.status, 403)
      yield* Effect.promise(() => refusedGet.text())
      for (const origin of [`http://localhost:${port}`, "http://127.0.0.1:5173", "https://localhost"]) {
        const accepted = yield* Effect.promise(() => post(url, ping(2), on(sessionId, { origin })))
        assert.strictEqual(accepted.status, 200, `Origin: ${origin}`)
        assert.deepStrictEqual((yield* Effect.promise(() => jsonOf(accepted))).result, {})
      }
    }))

  it.live("allowedHosts / allowedOrigins: custom lists replace the defaults; \"any\" turns the check off", () =>
    Effect.gen(function*() {
      const custom = yield* serveEverything({ allowedHosts: ["mcp.example.com"], allowedOrigins: ["https://app.example.com"] })
      const body = JSON.stringify(initializeMessage())
      const allowed = yield* Effect.promise(() =>
        rawRequest(custom.port, "POST", { ...json, host: "mcp.example.com", origin: "https://app.example.com" }, body)
      )
      assert.strictEqual(allowed.status, 200)
      const localhost = yield* Effect.promise(() => rawRequest(custom.port, "POST", { ...json, host: "localhost" }, body))
      assert.strictEqual(localhost.status, 403)
      const otherOrigin = yield* Effect.promise(() =>
        rawRequest(custom.port, "POST", { ...json, host: "mcp.example.com", origin: "https://mcp.example.com" }, body)
      )
      assert.strictEqual(otherOrigin.status, 403)

      const open = yield* serveEverything({ allowedHosts: "any" })
      const anyHost = yield* Effect.promise(() =>
        rawRequest(open.port, "POST", { ...json, host: "evil.example.com", origin: "http://evil.example.com" }, body)
      )
      assert.strictEqual(anyHost.status, 200)
    }))

  // Fails before the fix: "any" host returned before the Origin check, so the origins listed
  // (allowedOrigins, or the CORS origins that stand for them) were ignored: every page passed.
  it.live("allowedHosts \"any\": listed origins are still checked (allowedOrigins, or CORS origins); none listed, any origin passes", () =>
    Effect.gen(function*() {
      const body = JSON.stringify(initializeMessage())
      const status = (port: number, headers: Record<string, string>) =>
        Effect.promise(() => rawRequest(port, "POST", { ...json, ...headers }, body)).pipe(Effect.map((answer) => answer.status))
      const listed = yield* serveEverything({ allowedHosts: "any", allowedOrigins: ["https://app.example.com"] })
      assert.strictEqual(yield* status(listed.port, { host: "mcp.example.com", origin: "https://app.example.com" }), 200)
      assert.strictEqual(yield* status(listed.port, { host: "mcp.example.com" }), 200, "no Origin: not a browser")
      assert.strictEqual(yield* status(listed.port, { host: "mcp.example.com", origin: "https://evil.example.com" }), 403)
      assert.strictEqual(yield* status(listed.port, { host: "mcp.example.com", origin: "https://mcp.example.com" }), 403)
      const cors = yield* serveEverything({ allowedHosts: "any", cors: { allowedOrigins: ["https://app.example.com"] } })
      assert.strictEqual(yield* status(cors.port, { host: "mcp.example.com", origin: "https://app.example.com" }), 200)
      assert.strictEqual(yield* status(cors.port, { host: "mcp.example.com", origin: "https://evil.example.com" }), 403)
      for (const open of [yield* serveEverything({ allowedHosts: "any" }), yield* serveEverything({ allowedHosts: "any", allowedOrigins: "any" })]) {
        assert.strictEqual(yield* status(open.port, { host: "mcp.example.com", origin: "https://evil.example.com" }), 200)
      }
    }))

  // Fails before the fix: `::1` (as `--host ::1` writes it) never equalled a Host header's
  // `[::1]`, and `localhost:3000` never equalled a Host's name (its port cut off): every request
  // was refused 403, and nothing said why. (Such an entry is now refused by `make`: Options.test.ts.)
  it.live("allowedHosts: a bare IPv6 address is taken in brackets; an entry with a port is refused, naming it", () =>
    Effect.gen(function*() {
      const body = JSON.stringify(initializeMessage())
      const v6 = yield* serveEverything({ allowedHosts: ["::1", "0:0:0:0:0:0:0:1", "MCP.example.com"] })
      for (const host of [`[::1]:${v6.port}`, "[::1]", `mcp.example.com:${v6.port}`]) {
        const answered = yield* Effect.promise(() => rawRequest(v6.port, "POST", { ...json, host }, body))
        assert.strictEqual(answered.status, 200, `Host: ${host}: ${answered.body}`)
      }
      const refused = yield* Effect.promise(() => rawRequest(v6.port, "POST", { ...json, host: `localhost:${v6.port}` }, body))
      assert.strictEqual(refused.status, 403)

      for (const [entry, message] of [
        ["localhost:3000", "StreamableHttp.make: allowedHosts lists \"localhost:3000\", which names a port"],
        ["[::1]:3000", "names a port (the Host check compares host names without their port): write [::1]"],
        ["https://mcp.example.com", "which is not a host name"]
      ] as const) {
        assert.throws(() => StreamableHttp.make({ port: 0, allowedHosts: [entry] }), TypeError, message, entry)
      }
    }))

  // Fails before the fix: the line named http://127.0.0.1:<port>/mcp, which these allowed hosts
  // refuse (403): the URL a user copies from it did not answer.
  it.live("the listening line names a URL the Host check accepts: allowedHosts without 127.0.0.1, the SDK client connects to it", () =>
    Effect.gen(function*() {
      const { line } = yield* listeningLine(
        McpServer.serve(
          { name: "echo", version: "1.0.0" },
          Echo,
          StreamableHttp.make({ port: 0, allowedHosts: ["mcp.example.com", "localhost"] })
        )
      )
      assert.isDefined(line, "no listening line within 5 s")
      const url = /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(line!)![1]!
      assert.match(url, /^http:\/\/localhost:\d+\/mcp$/)
      assert.include(line!, "(listening on 127.0.0.1)")
      const result = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "listening-line", version: "1.0.0" })
          await client.connect(new StreamableHTTPClientTransport(new URL(url)))
          return client
        }),
        (client) => Effect.promise(() => client.callTool({ name: "echo", arguments: { text: "hi" } })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: "hi" }])
    }))

  it("the listening line's URL for other addresses: every interface, IPv6, and a host no allowed name reaches", () => {
    const path = "/mcp"
    const line = (address: string, options: Parameters<typeof listeningUrl>[2], at = path) => {
      const { note, url } = listeningUrl(address, at, options)
      return note === undefined ? url : `${url} (${note})`
    }
    assert.strictEqual(line("http://127.0.0.1:3000", {}), "http://127.0.0.1:3000/mcp")
    assert.strictEqual(line("http://0.0.0.0:3000", {}), "http://localhost:3000/mcp (listening on 0.0.0.0)")
    assert.strictEqual(line("http://[::]:3000", { allowedHosts: ["[::1]"] }), "http://[::1]:3000/mcp (listening on [::])")
    assert.strictEqual(line("http://0.0.0.0:3000", { allowedHosts: "any" }), "http://0.0.0.0:3000/mcp")
    assert.strictEqual(
      line("http://0.0.0.0:3000", { allowedHosts: ["mcp.example.com"] }),
      "http://0.0.0.0:3000/mcp (requests must name mcp.example.com)"
    )
    assert.strictEqual(line("http://192.0.2.1:3000", { allowedHosts: ["192.0.2.1"] }, "/api"), "http://192.0.2.1:3000/api")
  })

  // Fails before the fix: any allowed loopback name stood for any loopback or every-interface
  // address, whatever its family: a server on 127.0.0.1 was named http://[::1]:… (no connection
  // there), one on ::1 http://127.0.0.1:…, one on 127.0.0.2 http://localhost:… (127.0.0.1).
  it("the listening line's URL names only a host that reaches the bound address: localhost or 127.0.0.1 for IPv4, localhost or [::1] for IPv6", () => {
    const line = (address: string, allowedHosts?: ReadonlyArray<string>) => {
      const { note, url } = listeningUrl(address, "/mcp", { allowedHosts })
      return note === undefined ? url : `${url} (${note})`
    }
    // IPv4 loopback and every IPv4 interface: localhost, else 127.0.0.1.
    assert.strictEqual(line("http://127.0.0.1:3000", ["[::1]"]), "http://127.0.0.1:3000/mcp (requests must name [::1])")
    assert.strictEqual(line("http://127.0.0.1:3000", ["[::1]", "localhost"]), "http://localhost:3000/mcp (listening on 127.0.0.1)")
    assert.strictEqual(line("http://0.0.0.0:3000", ["[::1]", "127.0.0.1"]), "http://127.0.0.1:3000/mcp (listening on 0.0.0.0)")
    assert.strictEqual(line("http://0.0.0.0:3000", ["::1"]), "http://0.0.0.0:3000/mcp (requests must name [::1])")
    // IPv6 loopback and every IPv6 interface: localhost, else [::1].
    assert.strictEqual(line("http://[::1]:3000", ["127.0.0.1"]), "http://[::1]:3000/mcp (requests must name 127.0.0.1)")
    assert.strictEqual(line("http://[::1]:3000", ["127.0.0.1", "localhost"]), "http://localhost:3000/mcp (listening on [::1])")
    assert.strictEqual(line("http://[::]:3000", ["127.0.0.1", "[::1]"]), "http://[::1]:3000/mcp (listening on [::])")
    assert.strictEqual(line("http://[::]:3000", ["127.0.0.1"]), "http://[::]:3000/mcp (requests must name 127.0.0.1)")
    assert.strictEqual(line("http://[::1]:3000", ["::1"]), "http://[::1]:3000/mcp")
    // Another loopback address: no name reaches it.
    assert.strictEqual(line("http://127.0.0.2:3000"), "http://127.0.0.2:3000/mcp (requests must name localhost, 127.0.0.1, [::1])")
    assert.strictEqual(line("http://127.0.0.2:3000", ["127.0.0.2"]), "http://127.0.0.2:3000/mcp")
  })

  // Fails before (review): the brackets reached Node's listen, which looked "[::1]" up as a name
  // (ENOTFOUND) and the server never listened.
  it.live("make({ host: \"[::1]\" }): an IPv6 address written as in a URL is listened on, and the listening line's URL answers", () =>
    Effect.gen(function*() {
      const { line, logged } = yield* listeningLine(
        McpServer.serve({ name: "echo", version: "1.0.0" }, Echo, StreamableHttp.make({ host: "[::1]", port: 0 }))
      )
      assert.isDefined(line, `no listening line within 5 s: ${logged.join(" | ")}`)
      const url = /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(line!)![1]!
      assert.match(url, /^http:\/\/\[::1\]:\d+\/mcp$/)
      const response = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers: json,
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "v6", version: "1" } }
          })
        })
      )
      assert.strictEqual(response.status, 200)
      assert.isString(response.headers.get("mcp-session-id"))
    }))

  // Fails before the fix: the line named http://[::1]:<port>/mcp, where nothing listens.
  it.live("a server on 127.0.0.1 allowing only [::1]: the listening line's URL reaches it, and a request naming the host of its note is answered", () =>
    Effect.gen(function*() {
      const { line } = yield* listeningLine(
        McpServer.serve({ name: "echo", version: "1.0.0" }, Echo, StreamableHttp.make({ host: "127.0.0.1", port: 0, allowedHosts: ["[::1]"] }))
      )
      assert.isDefined(line, "no listening line within 5 s")
      const match = /MCP over Streamable HTTP at (http:\/\/\S+) \(requests must name (.+)\)/.exec(line!)
      assert.isNotNull(match, line)
      const url = new URL(match![1]!)
      assert.strictEqual(match![2], "[::1]")
      const answer = yield* Effect.promise(() =>
        new Promise<number>((resolve, reject) => {
          const request = httpRequest(
            {
              host: url.hostname.replace(/^\[|\]$/g, ""),
              port: url.port,
              path: url.pathname,
              method: "POST",
              headers: { ...json, host: `[::1]:${url.port}` },
              timeout: 5_000
            },
            (response) => {
              response.resume()
              resolve(response.statusCode ?? 0)
            }
          )
          request.on("timeout", () => request.destroy(new Error("no answer within 5 s")))
          request.on("error", reject)
          request.end(JSON.stringify(initializeMessage()))
        })
      ).pipe(Effect.catchDefect((error) => Effect.succeed(String(error))))
      assert.strictEqual(answer, 200, `${url.href}: ${answer}`)
    }))
})

describe("Streamable HTTP limits", () => {
  it.live("body over maxBodyBytes → 413 (with and without Content-Length); Content-Type → 415; Accept → 406", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ maxBodyBytes: 1000 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const big = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_simple_text", arguments: { pad: "x".repeat(2000) } } }
      const tooLarge = yield* Effect.promise(() => post(url, big, on(sessionId)))
      assert.strictEqual(tooLarge.status, 413)
      yield* Effect.promise(() => tooLarge.text())
      // chunked: no Content-Length to trust, the body itself is measured
      const chunked = yield* Effect.promise(() =>
        nodeFetch(url, "POST", { ...json, ...on(sessionId), "transfer-encoding": "chunked" }, JSON.stringify(big))
      )
      assert.strictEqual(chunked.response.status, 413)
      yield* Effect.promise(() => chunked.response.text())
      // just under the limit is fine
      const small = { ...big, params: { ...big.params, arguments: {} } }
      const fits = yield* Effect.promise(() => post(url, small, on(sessionId)))
      assert.strictEqual(fits.status, 200)
      yield* Effect.promise(() => fits.text())

      const text = yield* Effect.promise(() => post(url, ping(2), on(sessionId, { "content-type": "text/plain" })))
      assert.strictEqual(text.status, 415)
      yield* Effect.promise(() => text.text())
      const noType = yield* Effect.promise(() =>
        fetch(url, { method: "POST", headers: on(sessionId, { accept: BOTH }), body: new Blob([JSON.stringify(ping(3))]) })
      )
      assert.strictEqual(noType.status, 415)
      yield* Effect.promise(() => noType.text())

      const html = yield* Effect.promise(() => post(url, ping(4), on(sessionId, { accept: "text/html" })))
      assert.strictEqual(html.status, 406)
      yield* Effect.promise(() => html.text())
      // either type alone is acceptable
      const jsonOnly = yield* Effect.promise(() => post(url, ping(5), on(sessionId, { accept: "application/json" })))
      assert.strictEqual(jsonOnly.status, 200)
      assert.include(jsonOnly.headers.get("content-type")!, "application/json")
      yield* Effect.promise(() => jsonOnly.text())
      const sseOnly = yield* Effect.promise(() => post(url, ping(6), on(sessionId, { accept: "text/event-stream" })))
      assert.strictEqual(sseOnly.status, 200)
      assert.include(sseOnly.headers.get("content-type")!, "text/event-stream")
      const events = yield* Effect.promise(() => readSse(sseOnly))
      assert.deepStrictEqual(JSON.parse(events.at(-1)!.data), { jsonrpc: "2.0", id: 6, result: {} })
    }))

  it.live("a body read whole when it came with its headers, or as it arrives when it did not: the same message (UTF-8 split across packets)", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const id = "héllo ✓ wörld"
      const body = Buffer.from(JSON.stringify(ping(id)))
      // In one write (the usual case: the body is parsed before it is read).
      const whole = yield* Effect.promise(() => rawRequest(port, "POST", { ...json, ...on(sessionId) }, body.toString()))
      assert.deepStrictEqual(JSON.parse(whole.body), { jsonrpc: "2.0", id, result: {} })
      // In two writes 80 ms apart, cut inside the three bytes of "✓": read as it arrives.
      const cut = body.indexOf(Buffer.from("✓")) + 1
      const split = yield* Effect.promise(() =>
        new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
          const request = httpRequest({
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/mcp",
            headers: { ...json, ...on(sessionId), "content-length": String(body.length) }
          }, (response) => {
            const chunks: Array<Buffer> = []
            response.on("data", (chunk: Buffer) => chunks.push(chunk))
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
            response.on("error", reject)
          })
          request.on("error", reject)
          request.flushHeaders()
          request.write(body.subarray(0, cut))
          setTimeout(() => request.end(body.subarray(cut)), 80)
        })
      )
      assert.strictEqual(split.status, 200)
      assert.deepStrictEqual(JSON.parse(split.body), { jsonrpc: "2.0", id, result: {} })
    }))

  it.live("a chunked body is cut at maxBodyBytes while it still arrives: 413 before the body ends", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveEverything({ maxBodyBytes: 1000 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      // 100 pieces of 100 bytes, 20 ms apart, never ended: the limit is passed after 11 pieces.
      const cut = yield* Effect.promise(() =>
        openEndedPost(port, { ...json, ...on(sessionId) }, { sizes: Array(100).fill(100), pauseMillis: 20, waitMillis: 5_000 })
      )
      assert.strictEqual(cut.status, 413, `got ${cut.status} after ${cut.afterMillis} ms`)
      assert.include(JSON.parse(cut.body).error.message, "at most 1000 bytes")
      assert.isBelow(cut.afterMillis, 1_500, "the 413 came only after the whole body")
      // the session is unharmed
      const ok = yield* Effect.promise(() => post(url, ping(1), on(sessionId)))
      assert.strictEqual(ok.status, 200)
      yield* Effect.promise(() => ok.text())
    }))

  it.live("maxBodyBytesInFlight: bodies arriving at once past it → 503; their bytes are given back as they end", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveEverything({ maxBodyBytes: 1000, maxBodyBytesInFlight: 1500 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const headers = { ...json, ...on(sessionId) }
      // A slow client holds 900 bytes (under its own 1000) until it leaves (below; 15 s at most).
      let written!: () => void
      const allWritten = new Promise<void>((resolve) => written = resolve)
      let leave!: () => void
      const left = new Promise<void>((resolve) => leave = resolve)
      yield* Effect.addFinalizer(() => Effect.sync(leave))
      const holding = openEndedPost(port, headers, { sizes: Array(9).fill(100), pauseMillis: 10, waitMillis: 15_000, written, leave: left })
      // Its 900 bytes sent (not a fixed wait a loaded machine may outlast), and it still waits.
      const sent = yield* Effect.promise(() => Promise.race([allWritten.then(() => undefined), holding]))
      assert.isUndefined(sent, "the holder was answered before its body was sent")
      // Another body passes 1500 in flight after its 7th piece (700 bytes, under 1000): 503.
      const refused = yield* Effect.promise(() =>
        openEndedPost(port, headers, { sizes: Array(20).fill(100), pauseMillis: 10, waitMillis: 3_000 })
      )
      assert.strictEqual(refused.status, 503, `got ${refused.status}: ${refused.body}`)
      const error = JSON.parse(refused.body).error
      assert.strictEqual(error.code, -32000)
      assert.include(error.message, "1500 bytes")
      // A body that came whole is served meanwhile.
      const ok = yield* Effect.promise(() => post(url, ping(1), on(sessionId)))
      assert.strictEqual(ok.status, 200)
      yield* Effect.promise(() => ok.text())
      leave()
      const held = yield* Effect.promise(() => holding)
      assert.strictEqual(held.status, "no answer")
      // The holder gone, its bytes and the refused body's are given back: a body reaches its own
      // limit (413), not the endpoint's (503).
      let status: number | string = 0
      for (let i = 0; i < 20 && status !== 413; i++) {
        const next = yield* Effect.promise(() =>
          openEndedPost(port, headers, { sizes: Array(12).fill(100), pauseMillis: 5, waitMillis: 3_000 })
        )
        status = next.status
        if (status !== 413) yield* Effect.sleep(50)
      }
      assert.strictEqual(status, 413)
    }))

  it.live("bodyTimeoutMillis: a body that stalls is cut (408 or the connection closed), not waited for", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveEverything({ bodyTimeoutMillis: 300 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const stalled = yield* Effect.promise(() =>
        openEndedPost(port, { ...json, ...on(sessionId) }, { sizes: [10], pauseMillis: 10, waitMillis: 5_000 })
      )
      assert.notStrictEqual(stalled.status, "no answer", "the stalled body was waited for")
      if (typeof stalled.status === "number") assert.strictEqual(stalled.status, 408)
      assert.isBelow(stalled.afterMillis, 3_000)
      const ok = yield* Effect.promise(() => post(url, ping(2), on(sessionId)))
      assert.strictEqual(ok.status, 200)
      yield* Effect.promise(() => ok.text())
    }))

  it.live("maxSessions: 2 → the third initialize is 503; ending one frees a slot", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ maxSessions: 2, maxSessionsPerAddress: Number.POSITIVE_INFINITY })
      const first = yield* Effect.promise(() => openSession(url))
      yield* Effect.promise(() => openSession(url))
      const third = yield* Effect.promise(() => post(url, initializeMessage(3)))
      assert.strictEqual(third.status, 503)
      assert.isNull(third.headers.get("mcp-session-id"))
      yield* Effect.promise(() => third.text())
      // existing sessions keep working
      const ok = yield* Effect.promise(() => post(url, ping(1), on(first)))
      assert.strictEqual(ok.status, 200)
      yield* Effect.promise(() => ok.text())
      const deleted = yield* Effect.promise(() => fetch(url, { method: "DELETE", headers: on(first) }))
      assert.strictEqual(deleted.status, 200)
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i++) {
        const retry = yield* Effect.promise(() => post(url, initializeMessage(4)))
        status = retry.status
        yield* Effect.promise(() => retry.text())
        if (status !== 200) yield* Effect.sleep(10)
      }
      assert.strictEqual(status, 200)
    }))

  it.live("idle sessions are reaped (404) while a busy one survives", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ sessionIdleTimeoutMillis: 300 })
      const idle = yield* Effect.promise(() => openSession(url))
      const busy = yield* Effect.promise(() => openSession(url))
      let idleStatus = 200
      const started = Date.now()
      for (let i = 0; Date.now() - started < 3_000 && idleStatus !== 404; i++) {
        yield* Effect.sleep(100)
        const kept = yield* Effect.promise(() => post(url, ping(i), on(busy)))
        assert.strictEqual(kept.status, 200, "the busy session was reaped")
        yield* Effect.promise(() => kept.text())
        if (Date.now() - started >= 1_500) {
          const probe = yield* Effect.promise(() =>
            fetch(url, { method: "DELETE", headers: on(idle) })
          )
          idleStatus = probe.status
          yield* Effect.promise(() => probe.text())
        }
      }
      assert.strictEqual(idleStatus, 404, "the idle session was not reaped")
      const stillBusy = yield* Effect.promise(() => post(url, ping("last"), on(busy)))
      assert.strictEqual(stillBusy.status, 200)
      yield* Effect.promise(() => stillBusy.text())
    }))

  it.live("requestTimeoutMillis longer than a Node timer can wait: a 504 only when it has passed, not at once", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ responseMode: "json", requestTimeoutMillis: 2 ** 32 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const call = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 100 } } }, on(sessionId))
      )
      assert.strictEqual(call.status, 200)
      assert.strictEqual((yield* Effect.promise(() => jsonOf(call))).result.content[0].text, "done")
    }))

  it.live("requests waiting for their answers share one timer for their request timeout, not one each", () =>
    Effect.gen(function*() {
      // A per-request Node timer, armed and cleared around every asynchronous answer, made
      // scavenges keep every request once a full collection had run (`internal/deadlines.ts`).
      const timeout = 7_777
      const spy = yield* Effect.acquireRelease(Effect.sync(() => vi.spyOn(globalThis, "setTimeout")), (spy) => Effect.sync(() => spy.mockRestore()))
      const { url } = yield* serveEverything({ responseMode: "json", requestTimeoutMillis: timeout })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const calls = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 10 }, (_, i) =>
          post(url, { jsonrpc: "2.0", id: 10 + i, method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 100 } } }, on(sessionId))
            .then(async (response) => ({ status: response.status, body: await jsonOf(response) }))))
      )
      const armed = spy.mock.calls.filter(([, delay]) => typeof delay === "number" && delay > timeout - 1_000 && delay <= timeout + 1).length
      for (const call of calls) {
        assert.strictEqual(call.status, 200)
        assert.strictEqual(call.body.result.content[0].text, "done")
      }
      assert.isAtLeast(armed, 1, "the request timeout is armed")
      assert.isAtMost(armed, 2, `one timer for 10 requests in flight, not one each (armed ${armed})`)
    }))

  it.live("requestTimeoutMillis: the 504 names the request's id, a session's and a 2026-07-28 client's (it had none)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ responseMode: "json", requestTimeoutMillis: 200 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const slow = (id: string, meta?: Record<string, unknown>) => ({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "test_task_slow", arguments: { ms: 1_500 }, ...(meta === undefined ? {} : { _meta: meta }) }
      })
      const legacy = yield* Effect.promise(() => post(url, slow("legacy-slow"), on(sessionId)))
      const modern = yield* Effect.promise(() =>
        post(
          url,
          slow("modern-slow", {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
          }),
          { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "test_task_slow" }
        )
      )
      for (const [response, id] of [[legacy, "legacy-slow"], [modern, "modern-slow"]] as const) {
        assert.strictEqual(response.status, 504, id)
        const answer = yield* Effect.promise(() => jsonOf(response))
        assert.strictEqual(answer.error?.code, -32603, id)
        assert.strictEqual(answer.id, id)
      }
    }))

  it.live("requestTimeoutMillis: a slow call in JSON mode → 504; the session stays usable", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ responseMode: "json", requestTimeoutMillis: 200 })
      const sessionId = yield* Effect.promise(() => openSession(url))
      const started = Date.now()
      const slow = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 1_500 } } }, on(sessionId))
      )
      const elapsed = Date.now() - started
      assert.strictEqual(slow.status, 504)
      assert.isAtLeast(elapsed, 150)
      assert.isBelow(elapsed, 1_200)
      assert.strictEqual((yield* Effect.promise(() => jsonOf(slow))).error.code, -32603)
      const quick = yield* Effect.promise(() => post(url, ping(2), on(sessionId)))
      assert.strictEqual(quick.status, 200)
      assert.deepStrictEqual((yield* Effect.promise(() => jsonOf(quick))).result, {})
      // a fast call under the timeout is answered normally
      const fast = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 20 } } }, on(sessionId))
      )
      assert.strictEqual(fast.status, 200)
      assert.strictEqual((yield* Effect.promise(() => jsonOf(fast))).result.content[0].text, "done")
    }))
})
