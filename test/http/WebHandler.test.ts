/**
 * The web-standard handler (`effect-mcp-server/web`), driven with `fetch` `Request` objects (no
 * socket): a 2025-11-25 session (initialize, then a call on its `Mcp-Session-Id`), a stateless
 * 2026-07-28 request, 404 elsewhere; CORS (preflight answered, headers exposed, other origins
 * refused) and the health endpoint, on the handler and on a real HTTP server; a client that leaves
 * (the request's `signal`); the handler disposed (in flight, during its build) or never built;
 * and behind a `node:http` server adapted as frameworks adapt it, driven by the SDK clients.
 */
import { afterAll, assert, describe, it, vi } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { HttpClientRequest, HttpServerRequest } from "effect/http"
import * as Schema from "effect/Schema"
import { McpContext, McpError, McpServer, Middleware, StreamableHttp, Tool } from "../../src/index.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import { WebHandler } from "../../src/web.ts"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import {
  type ClientHttp2Session,
  connect as connectHttp2,
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse
} from "node:http2"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"
import { fileURLToPath } from "node:url"
import { kill, startNode } from "../support/child.ts"
import { serveOnAnyPort } from "./support.ts"

const Echo = McpServer.tool({
  name: "echo",
  description: "Echoes",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.succeed(text)
})

/** What a handler reads of the request's headers: one by one, and as it would log them all. */
const HeaderProbe = McpServer.tool({
  name: "headers",
  description: "Reports request headers",
  handler: () =>
    Effect.map(McpContext.http, (http) =>
      JSON.stringify({
        tenant: http?.header("x-tenant") ?? null,
        authorization: http?.header("authorization") ?? null,
        constructor: typeof http?.header("constructor"),
        logged: JSON.parse(JSON.stringify(http?.headers ?? {})).authorization ?? null
      }))
})

/** A tool whose `region` argument a 2026-07-28 client mirrors in the `Mcp-Param-Region` header (SEP-2243). */
const Regional = McpServer.tool({
  name: "regional",
  description: "Names its region",
  parameters: Tool.jsonSchema({
    type: "object",
    properties: { region: { type: "string", "x-mcp-header": "Region" } },
    required: ["region"]
  }),
  handler: (args) => Effect.succeed(`region ${(args as { readonly region: string }).region}`)
})

const base = "http://127.0.0.1"
const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${base}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      host: "127.0.0.1",
      ...headers
    },
    body: JSON.stringify(body)
  })

const web = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.mergeAll(Echo, HeaderProbe, Regional), {
  responseMode: "json",
  healthPath: "/healthz",
  cors: { allowedOrigins: ["https://app.example"] }
})

afterAll(() => web.dispose())

describe("WebHandler: the endpoint as (Request) => Promise<Response>", () => {
  it("2025-11-25: initialize opens a session; a call on it is answered", async () => {
    const init = await web.handler(json({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }
    }))
    assert.strictEqual(init.status, 200)
    const sessionId = init.headers.get("mcp-session-id")
    assert.isString(sessionId)
    assert.strictEqual(((await init.json()) as any).result.serverInfo.name, "web")
    const call = await web.handler(json(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } },
      { "mcp-session-id": sessionId!, "mcp-protocol-version": "2025-11-25" }
    ))
    assert.strictEqual(call.status, 200)
    assert.deepStrictEqual(((await call.json()) as any).result.content, [{ type: "text", text: "hi" }])
  })

  it("2026-07-28: a stateless request with its _meta is answered", async () => {
    const response = await web.handler(json(
      {
        jsonrpc: "2.0",
        id: "m",
        method: "tools/call",
        params: {
          name: "echo",
          arguments: { text: "modern" },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" }
          }
        }
      },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" }
    ))
    assert.strictEqual(response.status, 200)
    const body = (await response.json()) as any
    assert.strictEqual(body.id, "m")
    assert.deepStrictEqual(body.result.content, [{ type: "text", text: "modern" }])
  })

  it("handlers read the request's headers one by one (http.header) and log them with secrets hidden", async () => {
    const response = await web.handler(json(
      {
        jsonrpc: "2.0",
        id: "h",
        method: "tools/call",
        params: {
          name: "headers",
          arguments: {},
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
          }
        }
      },
      {
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "headers",
        "x-tenant": "acme",
        authorization: "Bearer SECRET"
      }
    ))
    assert.strictEqual(response.status, 200)
    const body = (await response.json()) as any
    assert.deepStrictEqual(JSON.parse(body.result.content[0].text), {
      tenant: "acme",
      authorization: "Bearer SECRET",
      constructor: "undefined",
      logged: "<redacted>"
    })
  })

  it("a body that is not valid UTF-8 is -32700 (the platform's text would hold U+FFFD in place of its bytes); a multi-byte UTF-8 body is answered", async () => {
    const post = (body: Uint8Array) =>
      web.handler(
        new Request(`${base}/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", host: "127.0.0.1", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" },
          body
        })
      )
    const message = (text: string) =>
      `{"jsonrpc":"2.0","id":"u","method":"tools/call","params":{"name":"echo","arguments":{"text":"${text}"},` +
      `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
    const [before, after] = message("@").split("@") as [string, string]
    const refused = await post(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]))
    assert.strictEqual(refused.status, 400)
    const error = ((await refused.json()) as any).error
    assert.strictEqual(error.code, -32700)
    assert.include(error.message, "UTF-8")
    const answered = await post(Buffer.from(message("h\u00e9llo \u2713")))
    assert.strictEqual(answered.status, 200)
    assert.deepStrictEqual(((await answered.json()) as any).result.content, [{ type: "text", text: "h\u00e9llo \u2713" }])
  })

  // A user's unit test builds `new Request("http://localhost/mcp", ...)`, with no Host header
  // (fetch runtimes build the URL's host from the Host they received). It was refused 403 "host
  // (none) is not allowed" (fails before the fix): without a Host header, the URL's host is checked.
  it("a Request without a Host header is checked by its URL's host: localhost answered, another host refused; a Host header still wins", async () => {
    const withoutHost = (url: string, headers: Record<string, string> = {}) =>
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: "h",
          method: "tools/call",
          params: {
            name: "echo",
            arguments: { text: "no host" },
            _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
          }
        })
      })
    const modern = { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" }
    for (const url of ["http://localhost/mcp", "http://127.0.0.1:8080/mcp", "http://[::1]:3000/mcp"]) {
      const request = withoutHost(url, modern)
      assert.isNull(request.headers.get("host"))
      const answered = await web.handler(request)
      const body = (await answered.json()) as any
      assert.strictEqual(answered.status, 200, `${url}: ${JSON.stringify(body)}`)
      assert.deepStrictEqual(body.result.content, [{ type: "text", text: "no host" }])
    }
    const foreign = await web.handler(withoutHost("http://evil.example/mcp", modern))
    assert.strictEqual(foreign.status, 403)
    assert.include(((await foreign.json()) as any).error.message, "evil.example")
    // A Host header present is what counts, whatever the URL says.
    const forged = await web.handler(withoutHost("http://localhost/mcp", { ...modern, host: "evil.example" }))
    assert.strictEqual(forged.status, 403)
    assert.include(((await forged.json()) as any).error.message, "evil.example")
  })

  it("another path is 404; the health endpoint answers", async () => {
    const other = await web.handler(new Request(`${base}/elsewhere`, { headers: { host: "127.0.0.1" } }))
    assert.strictEqual(other.status, 404)
    const health = await web.handler(new Request(`${base}/healthz`))
    assert.strictEqual(health.status, 200)
    assert.deepStrictEqual(await health.json(), { status: "ok" })
  })

  it("CORS: a preflight from an allowed origin is answered; responses expose the session headers; other origins are refused", async () => {
    const preflight = await web.handler(new Request(`${base}/mcp`, {
      method: "OPTIONS",
      headers: {
        host: "127.0.0.1",
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, mcp-protocol-version"
      }
    }))
    assert.isBelow(preflight.status, 300)
    assert.strictEqual(preflight.headers.get("access-control-allow-origin"), "https://app.example")
    assert.include(preflight.headers.get("access-control-allow-headers") ?? "", "mcp-protocol-version")

    const init = await web.handler(json({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }
    }, { origin: "https://app.example" }))
    assert.strictEqual(init.status, 200)
    assert.strictEqual(init.headers.get("access-control-allow-origin"), "https://app.example")
    assert.include(init.headers.get("access-control-expose-headers") ?? "", "mcp-session-id")
    await init.text()

    const foreign = await web.handler(json({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: "https://evil.example" }))
    assert.strictEqual(foreign.status, 403)
  })

  // A browser sends a call of a tool with an `x-mcp-header` argument only if the preflight allows
  // its `Mcp-Param-*` header; the fixed list of allowed headers named none, so such calls from
  // a page never left the browser (fails before the fix).
  it("CORS: a preflight asking for Mcp-Param-* headers allows them (and no other header it was not given); the call is answered", async () => {
    const preflight = await web.handler(new Request(`${base}/mcp`, {
      method: "OPTIONS",
      headers: {
        host: "127.0.0.1",
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,mcp-method,mcp-name,mcp-param-region,mcp-protocol-version,x-other"
      }
    }))
    assert.isBelow(preflight.status, 300)
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").split(",").map((name) => name.trim())
    for (const name of ["content-type", "mcp-method", "mcp-name", "mcp-param-region", "mcp-protocol-version"]) {
      assert.include(allowed, name)
    }
    assert.notInclude(allowed, "x-other")
    assert.include(preflight.headers.get("vary") ?? "", "Access-Control-Request-Headers")

    const call = await web.handler(json({
      jsonrpc: "2.0",
      id: "r",
      method: "tools/call",
      params: {
        name: "regional",
        arguments: { region: "eu" },
        _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      }
    }, {
      origin: "https://app.example",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "regional",
      "mcp-param-region": "eu"
    }))
    const body = (await call.json()) as any
    assert.strictEqual(call.status, 200, JSON.stringify(body))
    assert.strictEqual(call.headers.get("access-control-allow-origin"), "https://app.example")
    assert.deepStrictEqual(body.result.content, [{ type: "text", text: "region eu" }])
  })
})

describe("WebHandler: a client that leaves (request.signal)", () => {
  // Fails before the fix: the POST yields once after handing the request to the session, and an
  // abort during that yield (a client gone at once: its handler already running) was outside the
  // guard that gives the request up. The handler ran on (here for ever: nothing bounded it, not
  // even the request timeout), answered to nobody.
  it("as soon as its call reached the session: the call is given up (its handler interrupted), JSON and SSE", async () => {
    let leave: (() => void) | undefined
    let interrupted = 0
    const Leaves = McpServer.tool({
      name: "leaves",
      description: "Its client leaves as it starts",
      // The client's abort comes in the turn the call started, as a dropped connection would.
      handler: () =>
        Effect.andThen(Effect.sync(() => queueMicrotask(() => leave?.())), Effect.never).pipe(
          Effect.onInterrupt(() => Effect.sync(() => void interrupted++))
        )
    })
    const left = WebHandler.make({ name: "web", version: "1.0.0" }, Leaves, {})
    try {
      for (const accept of ["application/json", "text/event-stream"]) {
        const client = new AbortController()
        leave = () => client.abort()
        const request = json(
          {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: {
              name: "leaves",
              arguments: {},
              _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
            }
          },
          { accept, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "leaves" }
        )
        const response = await left.handler(new Request(request, { signal: client.signal }))
        await response.body?.cancel()
      }
      for (let i = 0; i < 500 && interrupted < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.strictEqual(interrupted, 2, "a handler whose client left ran on")
    } finally {
      await left.dispose()
    }
  })

  // Fails before the fix: an `initialize` is answered in the turn it arrives, and its client gone
  // during the POST's yield never got the session's id; the session held the one place of
  // `maxSessions: 1` (until the idle timeout, 30 minutes): every later initialize was 503.
  it("as soon as its initialize was answered: the session it opened ends (its place under maxSessions is free)", async () => {
    let leave: (() => void) | undefined
    const Leaves = McpServer.middleware(Middleware.make("leaves", {
      onInitialize: (params, _context, next) => Effect.andThen(Effect.sync(() => queueMicrotask(() => leave?.())), next(params))
    }))
    const one = WebHandler.make({ name: "web", version: "1.0.0" }, Leaves, { responseMode: "json", maxSessions: 1 })
    const initialize = json({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }
    })
    try {
      const client = new AbortController()
      leave = () => client.abort()
      await (await one.handler(new Request(initialize.clone(), { signal: client.signal }))).text()
      leave = undefined
      let status = 0
      // The session ends as its input does: a few turns (bounded: 5 s).
      for (let i = 0; i < 500 && status !== 200; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 10))
        const again = await one.handler(initialize.clone())
        status = again.status
        await again.text()
      }
      assert.strictEqual(status, 200, "the session of the initialize whose client left kept its place")
    } finally {
      await one.dispose()
    }
  })
})

describe("WebHandler: maxBodyBytesInFlight", () => {
  /** A body sent in pieces and held open until `end` is called (`length`: its Content-Length). */
  const heldPost = (handler: (request: Request) => Promise<Response>, sizes: ReadonlyArray<number>, length?: number) => {
    let end: () => void = () => {}
    let cancelled = false
    // The reader took what was enqueued (and asks for more): the read has begun.
    let pulled = false
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        for (const size of sizes) controller.enqueue(new Uint8Array(size).fill(0x20))
        end = () => {
          try {
            controller.close()
          } catch {
            // cancelled already
          }
        }
      },
      pull: () => void (pulled = true),
      cancel: () => void (cancelled = true)
    })
    const response = handler(
      new Request(`${base}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          host: "127.0.0.1",
          ...(length === undefined ? {} : { "content-length": String(length) })
        },
        body,
        duplex: "half"
      } as RequestInit)
    )
    return { response, end: () => end(), cancelled: () => cancelled, pulled: () => pulled }
  }
  const within = <A,>(promise: Promise<A>, millis: number) =>
    Promise.race([promise, new Promise<"unanswered">((resolve) => setTimeout(() => resolve("unanswered"), millis))])
  const refused = async (response: Response | "unanswered") => {
    assert.notStrictEqual(response, "unanswered", "the body past maxBodyBytesInFlight was waited for")
    const answer = response as Response
    const body = (await answer.json()) as any
    assert.strictEqual(answer.status, 503, JSON.stringify(body))
    assert.strictEqual(body.error.code, -32000)
    assert.include(body.error.message, "1500 bytes")
    assert.strictEqual(answer.headers.get("retry-after"), "1")
  }

  // Fails before the fix: the web handler's bodies were read by the platform, counted nowhere, so
  // any number of bodies of up to maxBodyBytes each could be held at once.
  it("a declared Content-Length is reserved before its body is read, a chunked body counted as it arrives; both given back as their reads end", async () => {
    const limited = WebHandler.make({ name: "web", version: "1.0.0" }, Echo, {
      responseMode: "json",
      maxBodyBytes: 1000,
      maxBodyBytesInFlight: 1500
    })
    try {
      // A slow client declares 900 bytes, sends 100 and holds the rest.
      const holder = heldPost(limited.handler, [100], 900)
      // Its read has begun (its 900 reserved), not a fixed 100 ms a loaded machine may not reach it in.
      for (let i = 0; i < 500 && !holder.pulled(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.isTrue(holder.pulled(), "the held body is being read")
      // 900 more declared would pass 1500: refused before its body is read (sent whole here).
      const declared = heldPost(limited.handler, [700], 700)
      declared.end()
      await refused(await within(declared.response, 2_000))
      // A chunked body passes 1500 as its pieces arrive (100 + 600 + 600, under its own 1000).
      const chunked = heldPost(limited.handler, [100, 600, 600])
      await refused(await within(chunked.response, 2_000))
      assert.isTrue(chunked.cancelled(), "the refused chunked body was read on")
      // The holder's read ends: its bytes are given back, and bodies of 900 bytes (declared, then
      // chunked) are read and answered.
      holder.end()
      const held = await within(holder.response, 2_000)
      assert.notStrictEqual(held, "unanswered")
      assert.notStrictEqual((held as Response).status, 503)
      await (held as Response).text()
      const call = new TextEncoder().encode(JSON.stringify({
        jsonrpc: "2.0",
        id: "c",
        method: "tools/call",
        params: {
          name: "echo",
          arguments: { text: "x" },
          _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
        }
      }).padEnd(900, " "))
      for (const length of [900, undefined]) {
        const answer = await limited.handler(
          new Request(`${base}/mcp`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json",
              host: "127.0.0.1",
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": "tools/call",
              "mcp-name": "echo",
              ...(length === undefined ? {} : { "content-length": String(length) })
            },
            body: length === undefined ? new Blob([call]).stream() : call,
            duplex: "half"
          } as RequestInit)
        )
        const text = await answer.text()
        assert.strictEqual(answer.status, 200, `${length ?? "chunked"}: ${text}`)
        assert.include(text, "\"x\"")
      }
    } finally {
      await limited.dispose()
    }
  })
})

describe("StreamableHttp.handler: maxBodyBytesInFlight, a request whose source is no fetch Request (an in-process HttpClient's)", () => {
  /**
   * A POST whose body (a `ping` padded to `size` bytes) is a stream held open after its first
   * `first` bytes until `end` (`length`: its Content-Length; none: chunked), as
   * `HttpServerRequest.fromClientRequest` makes it (the request of an in-process `HttpClient`).
   */
  const heldRequest = (size: number, first: number, length?: number) => {
    const end = Deferred.makeUnsafe<void>()
    let reading = false
    const bytes = new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }).padEnd(size, " "))
    const body = Stream.concat(
      Stream.succeed(bytes.subarray(0, first)),
      Stream.fromEffect(Effect.andThen(Effect.sync(() => void (reading = true)), Effect.as(Deferred.await(end), bytes.subarray(first))))
    )
    const request = HttpClientRequest.post(`${base}/mcp`).pipe(
      HttpClientRequest.setHeaders({
        "content-type": "application/json",
        accept: "application/json",
        host: "127.0.0.1",
        "mcp-protocol-version": "2025-03-26"
      }),
      // Its Content-Length header: the body's length, when given.
      HttpClientRequest.bodyStream(body, { contentType: "application/json", contentLength: length })
    )
    return { request: HttpServerRequest.fromClientRequest(request), end: () => Deferred.doneUnsafe(end, Exit.void), reading: () => reading }
  }

  // Fails before the fix: such a body was read by the platform's `arrayBuffer`, which neither
  // counted it nor bounded it (`MaxBodySize` is not applied to it): any number of them, of any size, were held at once.
  it.live("its body is counted as it arrives and bounded by maxBodyBytes; its bytes given back as the read ends", () =>
    Effect.gen(function*() {
      const mcp = Context.get(yield* Layer.build(McpServer.McpServer.layer({ name: "in-process", version: "1.0.0" })), McpServer.McpServer)
      const handle = yield* StreamableHttp.handler((transport, options) => mcp.run(transport, options), {
        stateless: true,
        responseMode: "json",
        maxBodyBytes: 1000,
        maxBodyBytesInFlight: 1500
      })
      const answer = (request: HttpServerRequest.HttpServerRequest) =>
        handle(request).pipe(
          Effect.map((response) => ({ status: response.status, body: response.body._tag === "Uint8Array" ? new TextDecoder().decode(response.body.body) : "" })),
          Effect.timeoutOrElse({ duration: "2 seconds", orElse: () => Effect.succeed({ status: 0, body: "unanswered" }) })
        )
      const holder = heldRequest(900, 100, 900)
      const held = yield* Effect.forkChild(answer(holder.request))
      for (let i = 0; i < 200 && !holder.reading(); i++) yield* Effect.sleep("10 millis")
      assert.isTrue(holder.reading(), `the held body is being read: ${JSON.stringify(held.pollUnsafe())}`)
      for (const length of [900, undefined]) {
        const other = heldRequest(900, 700, length)
        other.end()
        const refused = yield* answer(other.request)
        assert.strictEqual(refused.status, 503, `${length ?? "chunked"}: ${refused.body}`)
        assert.include(refused.body, "1500 bytes", `${length ?? "chunked"}: ${refused.body}`)
      }
      holder.end()
      const heldAnswer = yield* Fiber.join(held)
      assert.deepStrictEqual([heldAnswer.status, JSON.parse(heldAnswer.body)], [200, { jsonrpc: "2.0", id: 1, result: {} }])
      // Past maxBodyBytes, declared or not: 413.
      for (const length of [2000, undefined]) {
        const big = heldRequest(2000, 600, length)
        big.end()
        assert.strictEqual((yield* answer(big.request)).status, 413, `${length ?? "chunked"}`)
      }
      // Its bytes given back: a body of 900 bytes, declared or not, is read.
      for (const length of [900, undefined]) {
        const next = heldRequest(900, 700, length)
        next.end()
        const read = yield* answer(next.request)
        assert.strictEqual(read.status, 200, `${length ?? "chunked"}: ${read.body}`)
      }
    }).pipe(Effect.scoped))
})

describe("WebHandler after dispose", () => {
  // Found by fuzzing (fails before a fix): the stopped server went on answering, without its
  // components: every tool call was -32601 "Method not found" (HTTP 404), which tells a client the
  // tool is gone, and a 2025 initialize opened a session on the stopped server.
  it("requests are answered 503 (the server stopped), not as if it had no tools", async () => {
    const stopped = WebHandler.make({ name: "web", version: "1.0.0" }, Echo, { responseMode: "json" })
    const call = () =>
      stopped.handler(json(
        {
          jsonrpc: "2.0",
          id: "d",
          method: "tools/call",
          params: {
            name: "echo",
            arguments: { text: "x" },
            _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
          }
        },
        { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" }
      ))
    const before = await call()
    assert.strictEqual(before.status, 200)
    await before.text()
    await stopped.dispose()
    const after = await call()
    const body = (await after.json()) as any
    assert.strictEqual(after.status, 503, JSON.stringify(body))
    assert.notStrictEqual(body.error?.code, -32601)
    const init = await stopped.handler(json({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }
    }))
    assert.strictEqual(init.status, 503)
    assert.isNull(init.headers.get("mcp-session-id"))
    await init.text()
  })

  // Fails before the fix: the platform does not interrupt the requests it serves when disposed,
  // and a POST whose body was still arriving waited for it up to the body timeout (30 s by
  // default), then was answered 408; its body stream was read on meanwhile.
  it("a POST whose body is still arriving is answered 503 -32000 at once, its body given up", async () => {
    const stopped = WebHandler.make({ name: "web", version: "1.0.0" }, Echo, { responseMode: "json" })
    let send: ((text: string) => void) | undefined
    let cancelled = false
    let reading: () => void = () => {}
    const read = new Promise<"reading">((resolve) => (reading = () => resolve("reading")))
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => void (send = (text) => controller.enqueue(new TextEncoder().encode(text))),
      // With no high-water mark, asked for more only by a reader that took what was sent: the
      // endpoint reads the body (not a sleep: the server may still be building).
      pull: () => reading(),
      cancel: () => void (cancelled = true)
    }, { highWaterMark: 0 })
    const posted = stopped.handler(
      new Request(`${base}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", host: "127.0.0.1" },
        body,
        duplex: "half"
      } as RequestInit)
    )
    send!("{\"jsonrpc\":\"2.0\",")
    // The body is being read (its first bytes taken) when the handler is disposed.
    const started = await Promise.race([read, new Promise<"not read">((resolve) => setTimeout(() => resolve("not read"), 10_000))])
    assert.strictEqual(started, "reading", "the endpoint did not start reading the body")
    await stopped.dispose()
    const answer = await Promise.race([posted, new Promise<"unanswered">((resolve) => setTimeout(() => resolve("unanswered"), 2_000))])
    assert.notStrictEqual(answer, "unanswered", "the POST waited for its body")
    const response = answer as Response
    assert.strictEqual(response.status, 503)
    assert.strictEqual(((await response.json()) as any).error.code, -32000)
    assert.isTrue(cancelled, "its body was read on")
  })

  // Fails before the fix: the health endpoint went on answering 200 "ok" for a handler whose every
  // request was 503 (a load balancer kept sending it traffic).
  it("the health endpoint answers 503 (stopped), not ok", async () => {
    const stopped = WebHandler.make({ name: "web", version: "1.0.0" }, Echo, { healthPath: "/healthz" })
    const before = await stopped.handler(new Request(`${base}/healthz`))
    assert.strictEqual(before.status, 200)
    assert.deepStrictEqual(await before.json(), { status: "ok" })
    await stopped.dispose()
    const after = await stopped.handler(new Request(`${base}/healthz`))
    assert.strictEqual(after.status, 503)
    assert.deepStrictEqual(await after.json(), { status: "stopped" })
  })
})

describe("WebHandler never disposed", () => {
  // Fails before the fix: the endpoint's reaper and keep-alive slept on Effect timers, which held
  // the process (it never exited: killed after 15 s) and, through their fibers, every server
  // (none collected): a program making a handler per request grew without bound.
  it("holds nothing once idle and dropped: the process exits by itself and each server is collected", async () => {
    const running = startNode(fileURLToPath(new URL("../fixtures/undisposed-web-handlers.ts", import.meta.url)))
    try {
      // Its work first (Node's start, the library's loading, 40 servers made and used: a few
      // seconds of CPU, past 15 s on a loaded machine), told by its line, waited for at most 60 s;
      // then nothing is left to do but exit (and Node's compile cache written): held by a timer it
      // would never, which 30 s tells from a loaded machine's pace (10 s was passed at a load of 22).
      await running.until(() => running.stdout().includes("\n"), 60_000)
      const exited = await running.exited(30_000)
      assert.deepStrictEqual(exited, { code: 0, signal: null }, `never exited by itself; ${running.stdout()} ${running.stderr()}`)
      const { made, collected } = JSON.parse(running.stdout()) as { readonly made: number; readonly collected: number }
      assert.strictEqual(collected, made, "servers kept after their handlers were dropped")
    } finally {
      kill(running.child)
    }
  }, 120_000)
})

describe("WebHandler where timers are numbers (the web's: Cloudflare Workers)", () => {
  // Fails before the fix: the endpoint's timers were unref'd as Node's are, which a number is not
  // (TypeError: timer.unref is not a function): the server could not be built, every request was
  // answered 500, and the process never exited (killed after 15 s).
  it("serves, and is disposed", async () => {
    const running = startNode(fileURLToPath(new URL("../fixtures/web-timers-handler.ts", import.meta.url)))
    try {
      // Its work first (waited for at most 60 s: a loaded machine took its start past 15 s), then its exit (30 s, as above).
      await running.until(() => running.stdout().includes("\n"), 60_000)
      const exited = await running.exited(30_000)
      assert.deepStrictEqual(exited, { code: 0, signal: null }, `${running.stdout()} ${running.stderr()}`)
      const { statuses, bodies } = JSON.parse(running.stdout()) as { readonly statuses: Array<number>; readonly bodies: Array<string> }
      assert.deepStrictEqual(statuses, [200, 200], bodies.join(" "))
      assert.deepStrictEqual(JSON.parse(bodies[1]!), { jsonrpc: "2.0", id: 2, result: {} })
    } finally {
      kill(running.child)
    }
  }, 120_000)
})

describe("WebHandler given the client's address by its runtime", () => {
  const Address = McpServer.tool({
    name: "address",
    description: "Names the caller's address",
    handler: () => Effect.map(McpContext.http, (http) => String(http?.remoteAddress))
  })
  const callFrom = (web: WebHandler.WebHandler, id: number, remoteAddress?: string) =>
    web.handler(
      json({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "address", arguments: {} } }, { "mcp-protocol-version": "2025-11-25" }),
      remoteAddress === undefined ? undefined : { remoteAddress }
    ).then((response) => response.json() as Promise<any>)

  it("a stateless server tells anonymous callers apart by it: each has its own RateLimit budget", async () => {
    const limits = McpServer.middleware(RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 1, windowMillis: 60_000 }) })).pipe(
      Layer.provide(RateLimit.RateLimitStore.layerMemory())
    )
    const web = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.mergeAll(Address, limits), { stateless: true, responseMode: "json" })
    try {
      // Fails before: the address was dropped ("undefined"), every anonymous caller one requestor
      const first = await callFrom(web, 1, "203.0.113.7")
      assert.deepStrictEqual(first.result?.content, [{ type: "text", text: "203.0.113.7" }])
      assert.strictEqual((await callFrom(web, 2, "203.0.113.7")).error?.code, McpError.ErrorCode.LimitExceeded)
      // Another address has a budget of its own: the first caller spent only its own.
      const other = await callFrom(web, 3, "2001:db8::9")
      assert.deepStrictEqual(other.result?.content, [{ type: "text", text: "2001:db8::9" }])
      // Without one, as before: no address.
      assert.deepStrictEqual((await callFrom(web, 4)).result?.content, [{ type: "text", text: "undefined" }])
    } finally {
      await web.dispose()
    }
  })

  // Fails before the fix: sessions were counted per whole address, so one IPv6 host (a /64 is
  // usually its own) held as many as it liked, one address each; RateLimit counts by the /64.
  it("maxSessionsPerAddress counts an IPv6 address by its /64, as RateLimit does; an IPv4-mapped one as its IPv4 address", async () => {
    const web = WebHandler.make({ name: "web", version: "1.0.0" }, Address, { responseMode: "json", maxSessionsPerAddress: 1 })
    const open = (id: number, remoteAddress: string) =>
      web.handler(json({ jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }), {
        remoteAddress
      }).then(async (response) => {
        await response.text()
        return response.headers.get("mcp-session-id") ?? undefined
      })
    const ping = (sessionId: string) =>
      web.handler(json({ jsonrpc: "2.0", id: 9, method: "ping" }, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" })).then(async (response) => {
        await response.text()
        return response.status
      })
    try {
      for (const [first, second] of [["2001:db8:0:1::1", "2001:db8:0:1::2"], ["192.0.2.5", "::ffff:192.0.2.5"]] as const) {
        const one = await open(1, first)
        const two = await open(2, second)
        assert.isDefined(one)
        assert.isDefined(two)
        // The second replaced the first, idle: the same requestor's.
        assert.strictEqual(await ping(two!), 200, `${second}`)
        assert.strictEqual(await ping(one!), 404, `${first} and ${second} counted apart`)
      }
      // Another /64: a place of its own.
      const mine = await open(3, "2001:db8:0:1::3")
      const theirs = await open(4, "2001:db8:0:2::1")
      assert.strictEqual(await ping(mine!), 200)
      assert.strictEqual(await ping(theirs!), 200)
    } finally {
      await web.dispose()
    }
  })

  // Fails before the fix: without an address the bound was skipped (both sessions lived, and as
  // many more as a client sent initializes): the option silently did nothing.
  it("maxSessionsPerAddress: the clients whose address the runtime did not give count as one address", async () => {
    const web = WebHandler.make({ name: "web", version: "1.0.0" }, Address, { responseMode: "json", maxSessionsPerAddress: 1 })
    const open = (id: number, remoteAddress?: string) =>
      web.handler(
        json({ jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }),
        remoteAddress === undefined ? undefined : { remoteAddress }
      ).then(async (response) => {
        await response.text()
        return response.headers.get("mcp-session-id") ?? undefined
      })
    const ping = (sessionId: string) =>
      web.handler(json({ jsonrpc: "2.0", id: 9, method: "ping" }, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" })).then(async (response) => {
        await response.text()
        return response.status
      })
    try {
      const one = await open(1)
      const two = await open(2)
      assert.isDefined(one)
      assert.isDefined(two)
      // The second replaced the first, idle: one address's place.
      assert.strictEqual(await ping(two!), 200)
      assert.strictEqual(await ping(one!), 404)
      // A client whose address is given has a place of its own.
      const known = await open(3, "203.0.113.7")
      assert.strictEqual(await ping(known!), 200)
      assert.strictEqual(await ping(two!), 200)
    } finally {
      await web.dispose()
    }
  })

  // Fails before the fix: a listen stream of no known address was not counted (the bound did
  // nothing for those callers, the second stream acknowledged), where sessions counted them under
  // one "unknown" address.
  it("maxListenStreamsPerAddress: the listen streams of callers whose address the runtime did not give count as one address's; said once", async () => {
    const logged: Array<string> = []
    const keep = (...args: Array<unknown>) => void logged.push(args.map(String).join(" "))
    const spies = [vi.spyOn(console, "log").mockImplementation(keep), vi.spyOn(console, "error").mockImplementation(keep)]
    const web = WebHandler.make({ name: "web", version: "1.0.0", maxListenStreamsPerAddress: 1 }, Address, { stateless: true })
    const aborts = new AbortController()
    /** A listen (its first message: the acknowledgment, or its refusal), its stream left open until the test ends. */
    const listen = async (id: number, remoteAddress?: string) => {
      const request = new Request(`${base}/mcp`, {
        method: "POST",
        signal: aborts.signal,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          host: "127.0.0.1",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "subscriptions/listen"
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "subscriptions/listen",
          params: {
            notifications: { toolsListChanged: true },
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientCapabilities": {},
              "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }
            }
          }
        })
      })
      const response = await web.handler(request, remoteAddress === undefined ? undefined : { remoteAddress })
      if ((response.headers.get("content-type") ?? "").startsWith("application/json")) return response.json() as Promise<any>
      const reader = response.body!.getReader()
      let text = ""
      for (let read = 0; read < 50 && !text.includes("data:"); read++) {
        const chunk = await reader.read()
        if (chunk.done) break
        text += new TextDecoder().decode(chunk.value)
      }
      const data = text.split("\n").find((line) => line.startsWith("data:"))
      return data === undefined ? undefined : JSON.parse(data.slice(5))
    }
    try {
      const first = await listen(1)
      assert.strictEqual(first?.method, "notifications/subscriptions/acknowledged", JSON.stringify(first))
      const second = await listen(2)
      assert.strictEqual(second?.error?.code, McpError.ErrorCode.LimitExceeded, JSON.stringify(second))
      assert.deepStrictEqual(second?.error?.data, { limit: "listenStreamsPerAddress", max: 1 })
      assert.strictEqual((await listen(3))?.error?.code, McpError.ErrorCode.LimitExceeded)
      // A caller whose address is given has a bound of its own.
      const known = await listen(4, "203.0.113.7")
      assert.strictEqual(known?.method, "notifications/subscriptions/acknowledged", JSON.stringify(known))
      const said = logged.filter((line) => line.includes("maxListenStreamsPerAddress"))
      assert.strictEqual(said.length, 1, logged.join("\n"))
    } finally {
      aborts.abort()
      for (const spy of spies) spy.mockRestore()
      await web.dispose()
    }
  })

  it("the runtime's port is McpContext.http's remotePort (Telemetry's client.port), with the address", async () => {
    const Port = McpServer.tool({
      name: "port",
      description: "Names the caller's address and port",
      handler: () => Effect.map(McpContext.http, (http) => `${http?.remoteAddress} ${http?.remotePort}`)
    })
    const web = WebHandler.make({ name: "web", version: "1.0.0" }, Port, { stateless: true, responseMode: "json" })
    const call = (id: number, info: WebHandler.ServeInfo | undefined) =>
      web.handler(
        json({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "port", arguments: {} } }, { "mcp-protocol-version": "2025-11-25" }),
        info
      ).then((response) => response.json() as Promise<any>)
    try {
      assert.deepStrictEqual((await call(1, { remoteAddress: "203.0.113.7", remotePort: 51234 })).result?.content, [
        { type: "text", text: "203.0.113.7 51234" }
      ])
      assert.deepStrictEqual((await call(2, { remoteAddress: "203.0.113.7" })).result?.content, [{ type: "text", text: "203.0.113.7 undefined" }])
    } finally {
      await web.dispose()
    }
  })
})

describe("WebHandler behind a trusted proxy (trustedProxies)", () => {
  it("the address given to its handler is a listed proxy's: the client's is read from X-Forwarded-For, with no port; a client's own header is not believed", async () => {
    const Port = McpServer.tool({
      name: "port",
      description: "Names the caller's address and port",
      handler: () => Effect.map(McpContext.http, (http) => `${http?.remoteAddress} ${http?.remotePort}`)
    })
    const web = WebHandler.make({ name: "web", version: "1.0.0" }, Port, { stateless: true, responseMode: "json", trustedProxies: ["10.0.0.0/8"] })
    const call = (id: number, remoteAddress: string, forwarded: string) =>
      web.handler(
        json({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "port", arguments: {} } }, {
          "mcp-protocol-version": "2025-11-25",
          "x-forwarded-for": forwarded
        }),
        { remoteAddress, remotePort: 51234 }
      ).then(async (response) => ((await response.json()) as any).result?.content?.[0]?.text)
    try {
      // Fails before: the option was taken and did nothing ("10.0.0.5 51234").
      assert.strictEqual(await call(1, "10.0.0.5", "6.6.6.6, 203.0.113.7"), "203.0.113.7 undefined")
      assert.strictEqual(await call(2, "198.51.100.1", "203.0.113.7"), "198.51.100.1 51234")
    } finally {
      await web.dispose()
    }
  })
})

describe("WebHandler whose server cannot be built", () => {
  // Fails before the fix: every handler() promise rejected (the framework's bare 500), and the
  // library said nothing of why.
  it("every request is a JSON-RPC -32603 500 naming it; the failure is logged once", async () => {
    const logged: Array<string> = []
    const keep = (...args: Array<unknown>) => void logged.push(args.map(String).join(" "))
    const spies = [vi.spyOn(console, "log").mockImplementation(keep), vi.spyOn(console, "error").mockImplementation(keep)]
    const Broken = Layer.effectDiscard(Effect.die(new Error("no skills directory at ./skills")))
    const broken = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.mergeAll(Echo, Broken), { responseMode: "json" })
    try {
      for (let i = 0; i < 2; i++) {
        const response = await broken.handler(json({ jsonrpc: "2.0", id: 1, method: "ping" }))
        assert.strictEqual(response.status, 500)
        assert.deepStrictEqual(((await response.json()) as any).error, { code: -32603, message: "Internal error: the server could not be built" })
      }
      const said = logged.filter((line) => line.includes("the server could not be built"))
      assert.strictEqual(said.length, 1, logged.join("\n"))
      assert.include(said[0], "no skills directory at ./skills")
    } finally {
      for (const spy of spies) spy.mockRestore()
      await broken.dispose()
    }
  })
})

describe("WebHandler disposed while its server is still building", () => {
  // Fails before the fix: `dispose` only closed the scope the build adds to; the build went on,
  // here for ever, and the requests waiting for it (and every later one) were never answered.
  it("the build is interrupted (what it acquired released); waiting and later requests are 503 -32000; nothing is logged as a failure", async () => {
    const logged: Array<string> = []
    const keep = (...args: Array<unknown>) => void logged.push(args.map(String).join(" "))
    const spies = [vi.spyOn(console, "log").mockImplementation(keep), vi.spyOn(console, "error").mockImplementation(keep)]
    let released = false
    let interrupted = false
    const Hangs = Layer.effectDiscard(Effect.andThen(
      Effect.addFinalizer(() => Effect.sync(() => void (released = true))),
      Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (interrupted = true)))
    ))
    const building = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.mergeAll(Echo, Hangs), { responseMode: "json" })
    const within = <A>(promise: Promise<A>) =>
      Promise.race([promise, new Promise<"unanswered">((resolve) => setTimeout(() => resolve("unanswered"), 2_000))])
    try {
      const waiting = building.handler(json({ jsonrpc: "2.0", id: 1, method: "ping" }))
      assert.notStrictEqual(await within(building.dispose()), "unanswered", "dispose did not end")
      assert.isTrue(interrupted, "the build went on")
      assert.isTrue(released)
      for (const answer of [waiting, building.handler(json({ jsonrpc: "2.0", id: 2, method: "ping" }))]) {
        const response = await within(answer)
        assert.notStrictEqual(response, "unanswered", "a request was never answered")
        const stopped = response as Response
        assert.strictEqual(stopped.status, 503)
        assert.strictEqual(((await stopped.json()) as any).error.code, -32000)
      }
      assert.deepStrictEqual(logged.filter((line) => line.includes("could not be built")), [])
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })
})

describe("CORS \"*\"", () => {
  it("answers any origin's preflight, but keeps the Origin check (a page of any origin must not drive a local server)", async () => {
    const open = WebHandler.make({ name: "web", version: "1.0.0" }, Echo, { responseMode: "json", cors: { allowedOrigins: "*" } })
    try {
      const preflight = await open.handler(new Request(`${base}/mcp`, {
        method: "OPTIONS",
        headers: { host: "127.0.0.1", origin: "https://anywhere.example", "access-control-request-method": "POST" }
      }))
      assert.strictEqual(preflight.headers.get("access-control-allow-origin"), "*")
      const refused = await open.handler(json({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: "https://anywhere.example" }))
      assert.strictEqual(refused.status, 403)
      await refused.text()
    } finally {
      await open.dispose()
    }
  })
})

describe("health and CORS on a real HTTP server", () => {
  it.live("GET /healthz is 200 while serving; no CORS headers without the option", () =>
    Effect.gen(function*() {
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "h", version: "1" }, Echo, StreamableHttp.make({ port, healthPath: "/healthz" }))
      )
      const health = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/healthz`))
      assert.strictEqual(health.status, 200)
      assert.deepStrictEqual(yield* Effect.promise(() => health.json()), { status: "ok" })
      const preflight = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/mcp`, { method: "OPTIONS", headers: { "access-control-request-method": "POST" } }))
      assert.strictEqual(preflight.status, 405, "no CORS: OPTIONS is not a method of the endpoint")
      assert.isNull(preflight.headers.get("access-control-allow-origin"))
    }))
})

/**
 * Writes a web `Response` to a Node response (HTTP/1 or HTTP/2) as the adapters below do: its
 * status and headers, then its body as it is produced (cancelled when the client goes away).
 */
const writeResponse = async (
  response: Response,
  res: {
    writeHead(status: number, headers: Record<string, string>): unknown
    write(chunk: Uint8Array): unknown
    end(): unknown
    destroy(): unknown
    on(event: "close", listener: () => void): unknown
  }
): Promise<void> => {
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (response.body === null) return void res.end()
  const reader = response.body.getReader()
  res.on("close", () => void reader.cancel().catch(() => undefined))
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value)
    res.end()
  } catch {
    res.destroy()
  }
}

/**
 * The handler behind a `node:http` server on 127.0.0.1, adapted as frameworks adapt it (Hono's
 * Node server): each header appended as it came, the body streamed, the request's `signal`
 * aborted when the client goes away, the response body written as it is produced (and cancelled
 * when the client goes away). Its URL, and how to close it.
 */
const serveOnNode = (handler: (request: Request) => Promise<Response>) =>
  new Promise<{ readonly url: string; readonly close: () => Promise<void> }>((resolve) => {
    const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
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
      await writeResponse(response, res)
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
        close: () =>
          new Promise((closed) => {
            server.closeAllConnections()
            server.close(() => closed())
          })
      }))
  })

describe("WebHandler behind a node:http server, driven by the SDK clients", () => {
  it("SDK v1 (2025-11-25 session: progress, a stream closed and resumed, DELETE) and SDK v2 (2026-07-28); a call the client aborts is cancelled", async () => {
    let running = 0
    let cancelled = 0
    const Steps = McpServer.tool({
      name: "steps",
      description: "Reports progress, closes its stream (the client resumes it), answers",
      handler: () =>
        Effect.gen(function*() {
          yield* McpContext.progress(1, 2, "half")
          yield* McpContext.closeStream
          yield* Effect.sleep(50)
          return "stepped"
        })
    })
    const Waits = McpServer.tool({
      name: "waits",
      description: "Waits until cancelled",
      handler: () =>
        Effect.andThen(Effect.sync(() => void running++), Effect.never).pipe(Effect.onInterrupt(() => Effect.sync(() => void cancelled++)))
    })
    const web = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.mergeAll(Echo, Regional, Steps, Waits), {})
    const node = await serveOnNode(web.handler)
    const v1 = new Client({ name: "v1", version: "1" }, { capabilities: {} })
    const v2 = new ClientV2({ name: "v2", version: "2" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
    try {
      const transport = new StreamableHTTPClientTransport(new URL(node.url), {
        reconnectionOptions: { initialReconnectionDelay: 20, maxReconnectionDelay: 50, reconnectionDelayGrowFactor: 1, maxRetries: 5 }
      })
      await v1.connect(transport)
      assert.isString(transport.sessionId)
      const progress: Array<number> = []
      const stepped = await v1.callTool({ name: "steps", arguments: {} }, undefined, {
        timeout: 5_000,
        onprogress: (p) => void progress.push(p.progress)
      })
      assert.deepStrictEqual(stepped.content, [{ type: "text", text: "stepped" }])
      assert.deepStrictEqual(progress, [1])

      await v2.connect(new TransportV2(new URL(node.url)))
      assert.strictEqual(v2.getNegotiatedProtocolVersion(), "2026-07-28")
      const regional = await v2.callTool({ name: "regional", arguments: { region: "eu" } })
      assert.deepStrictEqual(regional.content, [{ type: "text", text: "region eu" }])

      for (const call of [
        (signal: AbortSignal) => v1.callTool({ name: "waits", arguments: {} }, undefined, { signal }),
        (signal: AbortSignal) => v2.callTool({ name: "waits", arguments: {} }, { signal })
      ]) {
        const client = new AbortController()
        const failed = call(client.signal).then(() => false, () => true)
        const before = running
        for (let i = 0; i < 1_000 && running === before; i++) await new Promise((resolve) => setTimeout(resolve, 5))
        assert.strictEqual(running, before + 1, "the call did not start")
        client.abort()
        assert.isTrue(await failed)
      }
      for (let i = 0; i < 1_000 && cancelled < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5))
      assert.strictEqual(cancelled, 2, "an aborted call ran on")

      await transport.terminateSession()
      assert.isUndefined(transport.sessionId)
    } finally {
      await v1.close().catch(() => undefined)
      await v2.close().catch(() => undefined)
      await web.dispose()
      await node.close()
    }
  })
})

/**
 * The handler behind a `node:http2` server (h2c) on 127.0.0.1, adapted as a fetch adapter adapts
 * it (Hono's Node server on `http2`): the request's pseudo-headers left out, the body streamed,
 * the response's headers given to `writeHead` as they are. Every header name the handler
 * answered is kept in `answered`.
 */
const serveOnHttp2 = (handler: (request: Request) => Promise<Response>) =>
  new Promise<{ readonly origin: string; readonly answered: Array<string>; readonly close: () => Promise<void> }>((resolve) => {
    const answered: Array<string> = []
    const server = createHttp2Server(async (req: Http2ServerRequest, res: Http2ServerResponse) => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (!name.startsWith(":") && typeof value === "string") headers.append(name, value)
      }
      const response = await handler(
        new Request(`http://${req.headers[":authority"]}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === "GET" || req.method === "HEAD" ? undefined : Readable.toWeb(req) as ReadableStream,
          duplex: "half"
        } as RequestInit)
      )
      for (const name of response.headers.keys()) answered.push(name)
      await writeResponse(response, res)
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        answered,
        close: () => new Promise((closed) => server.close(() => closed()))
      }))
  })

/**
 * One request on an HTTP/2 session: its status, headers and body; an SSE stream that does not end
 * (a standalone GET) is closed once its headers came, `body` then empty. Bounded: 5 s.
 */
const h2Request = (
  client: ClientHttp2Session,
  method: string,
  headers: Record<string, string>,
  body?: string,
  headersOnly = false
) =>
  new Promise<{ readonly status: number; readonly headers: Record<string, unknown>; readonly body: string }>((resolve, reject) => {
    const stream = client.request({ ":method": method, ":path": "/mcp", ...headers })
    const timer = setTimeout(() => {
      stream.close()
      reject(new Error(`no answer to ${method} within 5 s`))
    }, 5_000)
    let status = 0
    let received: Record<string, unknown> = {}
    let text = ""
    stream.on("response", (answer) => {
      status = Number(answer[":status"])
      received = answer
      if (!headersOnly) return
      clearTimeout(timer)
      stream.close()
      resolve({ status, headers: received, body: "" })
    })
    stream.setEncoding("utf8")
    stream.on("data", (chunk: string) => void (text += chunk))
    stream.on("end", () => {
      clearTimeout(timer)
      resolve({ status, headers: received, body: text })
    })
    stream.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    stream.end(body)
  })

describe("WebHandler behind a node:http2 server (h2c)", () => {
  // Fails before the fix: SSE answers said `Connection: keep-alive`, and the 413 to a declared
  // length and the 503 of a stopped handler `Connection: close`; HTTP/2 forbids such headers
  // (RFC 9113 §8.2.2): Node's compatibility API dropped them with an UnsupportedWarning.
  it("its answers (SSE, JSON, 202, 413, 503) carry no connection-specific header, and Node warns of none", async () => {
    const warnings: Array<string> = []
    const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`)
    process.on("warning", onWarning)
    const h2web = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.mergeAll(Echo, Regional), {
      responseMode: "sse",
      maxBodyBytes: 1_000
    })
    const h2 = await serveOnHttp2(h2web.handler)
    const client = connectHttp2(h2.origin)
    const connectionSpecific = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]
    const post = { "content-type": "application/json", accept: "application/json, text/event-stream" }
    try {
      const statuses: Array<number> = []
      const answers: Array<{ readonly status: number; readonly headers: Record<string, unknown>; readonly body: string }> = []
      const ask = async (method: string, headers: Record<string, string>, body?: string, headersOnly = false) => {
        const answer = await h2Request(client, method, headers, body, headersOnly)
        statuses.push(answer.status)
        answers.push(answer)
        return answer
      }
      const init = await ask("POST", post, JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "h2", version: "1" } }
      }))
      assert.strictEqual(init.headers["content-type"], "text/event-stream")
      assert.include(init.body, "\"protocolVersion\":\"2025-11-25\"")
      const session = { "mcp-session-id": String(init.headers["mcp-session-id"]), "mcp-protocol-version": "2025-11-25" }
      await ask("POST", { ...post, ...session }, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }))
      const call = await ask(
        "POST",
        { ...post, ...session },
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "over h2" } } })
      )
      assert.include(call.body, "over h2")
      await ask("GET", { accept: "text/event-stream", ...session }, undefined, true)
      const modern = await ask(
        "POST",
        { ...post, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "regional", "mcp-param-region": "eu" },
        JSON.stringify({
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: {
            name: "regional",
            arguments: { region: "eu" },
            _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
          }
        })
      )
      assert.include(modern.body, "region eu")
      // A declared length past the limit: refused unread.
      const big = JSON.stringify({ jsonrpc: "2.0", id: 4, method: "ping", params: { pad: "x".repeat(5_000) } })
      await ask("POST", { ...post, ...session, "content-length": String(Buffer.byteLength(big)) }, big)
      await h2web.dispose()
      await ask("POST", { ...post, ...session }, JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }))
      assert.deepStrictEqual(statuses, [200, 202, 200, 200, 200, 413, 503])
      assert.deepStrictEqual(h2.answered.filter((name) => connectionSpecific.includes(name.toLowerCase())), [])
      for (const answer of answers) {
        assert.deepStrictEqual(Object.keys(answer.headers).filter((name) => connectionSpecific.includes(name)), [])
      }
      assert.deepStrictEqual(warnings.filter((warning) => /connection header/i.test(warning)), [])
    } finally {
      process.off("warning", onWarning)
      client.close()
      await h2web.dispose()
      await h2.close()
    }
  })
})
