/**
 * MCP 2026-07-28 over Streamable HTTP, beside 2025-11-25 on the same endpoint: stateless requests
 * carrying their version, client capabilities and info in `_meta` (no `initialize`, no session),
 * `server/discover`, `resultType` and caching hints on results, and the 2026 rejections with their
 * HTTP statuses (-32602, -32020, -32022, -32601 as 404, -32021 as 400). Raw fetch, as the
 * conformance suite's 2026 wire speaks.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { connect } from "node:net"
import { components, options, taskProbe } from "../../examples/everything-server.ts"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import {
  initializeMessage,
  nestedText,
  nodeFetch,
  on,
  openSession,
  post,
  readSse,
  serveEverything,
  serveOnAnyPort,
  sseReader,
  withRawValues
} from "./support.ts"

const VERSION = "2026-07-28"

const metaOf = (capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "modern-test", version: "1.0.0" },
  ...extra
})

/** The name header a method mirrors (SEP-2243). */
const nameOf = (method: string, params: Record<string, unknown>) =>
  method === "tools/call" || method === "prompts/get"
    ? params["name"]
    : method === "resources/read"
    ? params["uri"]
    : undefined

/** One 2026 request: its headers derived from the body unless overridden; the status and JSON-RPC message. */
const modern = async (
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: {
    readonly meta?: Record<string, unknown> | null
    readonly headers?: Record<string, string | undefined>
    /** JSON text put in place of the string values named (values too deep for `JSON.stringify` here). */
    readonly rawValues?: Record<string, string>
    readonly accept?: string
  } = {}
): Promise<{ readonly status: number; readonly message: any; readonly events: Array<any> }> => {
  const name = nameOf(method, params)
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: options.accept ?? "application/json, text/event-stream",
    "mcp-protocol-version": VERSION,
    "mcp-method": method,
    ...(name === undefined ? {} : { "mcp-name": String(name) })
  }
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[key]
    else headers[key] = value
  }
  const body = {
    jsonrpc: "2.0",
    id: `m-${method}`,
    method,
    params: options.meta === null ? params : { ...params, _meta: options.meta ?? metaOf() }
  }
  const response = await fetch(url, { method: "POST", headers, body: withRawValues(JSON.stringify(body), options.rawValues) })
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const events = (await readSse(response)).filter((event) => event.data !== "").map((event) => JSON.parse(event.data))
    return { status: response.status, message: events.at(-1), events }
  }
  return { status: response.status, message: await response.json(), events: [] }
}

describe("MCP 2026-07-28 over Streamable HTTP", () => {
  it.live("server/discover: versions of both eras, 2026 capabilities, identity in _meta, resultType and caching hints", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const { status, message } = yield* Effect.promise(() => modern(url, "server/discover"))
      assert.strictEqual(status, 200)
      assert.strictEqual(message.id, "m-server/discover")
      const result = message.result
      assert.deepStrictEqual(result.supportedVersions, ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
      assert.isDefined(result.capabilities.tools)
      assert.isDefined(result.capabilities.prompts)
      assert.notProperty(result.capabilities, "tasks", "core tasks are not a 2026 capability")
      assert.strictEqual(result._meta["io.modelcontextprotocol/serverInfo"].name, "effect-mcp-everything-server")
      assert.strictEqual(result.resultType, "complete")
      assert.isTrue(Number.isInteger(result.ttlMs) && result.ttlMs >= 0)
      assert.oneOf(result.cacheScope, ["public", "private"])
    }))

  it.live("results carry resultType (and caching hints where cacheable); 2026 shapes (no Tool.execution)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const list = (yield* Effect.promise(() => modern(url, "tools/list"))).message.result
      assert.strictEqual(list.resultType, "complete")
      assert.strictEqual(list.cacheScope, "private")
      assert.strictEqual(list.ttlMs, 0)
      const slow = list.tools.find((tool: any) => tool.name === "test_task_slow")
      assert.notProperty(slow, "execution")
      const called = yield* Effect.promise(() => modern(url, "tools/call", { name: "test_simple_text", arguments: {} }))
      assert.strictEqual(called.status, 200)
      assert.strictEqual(called.message.result.resultType, "complete")
      assert.notProperty(called.message.result, "ttlMs")
      const missing = yield* Effect.promise(() => modern(url, "resources/read", { uri: "test://nowhere" }))
      assert.deepStrictEqual(missing.message.error.code, -32602, "resource not found is -32602 in 2026-07-28")
      assert.deepStrictEqual(missing.message.error.data, { uri: "test://nowhere" })
    }))

  it.live("every 2026 result carries the server's identity in _meta (a list, a call, a round asking for input); 2025 results do not", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const identity = { name: "effect-mcp-everything-server", version: "0.1.0" }
      const key = "io.modelcontextprotocol/serverInfo"
      const list = (yield* Effect.promise(() => modern(url, "tools/list"))).message.result
      const called = (yield* Effect.promise(() => modern(url, "tools/call", { name: "test_simple_text", arguments: {} }))).message.result
      const round = (yield* Effect.promise(() =>
        modern(url, "tools/call", { name: "test_sampling", arguments: { prompt: "hi" } }, { meta: metaOf({ sampling: {} }) })
      )).message.result
      assert.strictEqual(round.resultType, "input_required")
      for (const result of [list, called, round]) assert.deepInclude(result._meta[key], identity)
      const sessionId = yield* Effect.promise(() => openSession(url))
      const legacy = (yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_simple_text", arguments: {} } }, on(sessionId))
          .then((response) => response.json())
      )) as any
      assert.notProperty(legacy.result, "_meta")
    }))

  it.live("rejections before any handler, with their HTTP status and the request's id", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const noMeta = yield* Effect.promise(() => modern(url, "server/discover", {}, { meta: null }))
      assert.deepStrictEqual([noMeta.status, noMeta.message.error.code, noMeta.message.id], [400, -32602, "m-server/discover"])
      const mismatch = yield* Effect.promise(() => modern(url, "tools/list", {}, { headers: { "mcp-method": "prompts/list" } }))
      assert.deepStrictEqual([mismatch.status, mismatch.message.error.code], [400, -32020])
      // A header left out is named as missing (the message said `Mcp-Method null`, a value no one sent).
      const noMethod = yield* Effect.promise(() => modern(url, "tools/list", {}, { headers: { "mcp-method": undefined } }))
      assert.deepStrictEqual([noMethod.status, noMethod.message.error.code], [400, -32020])
      assert.strictEqual(noMethod.message.error.message, `Header mismatch: the Mcp-Method header is missing (the method is "tools/list")`)
      const noName = yield* Effect.promise(() =>
        modern(url, "tools/call", { name: "test_simple_text", arguments: {} }, { headers: { "mcp-name": undefined } })
      )
      assert.deepStrictEqual([noName.status, noName.message.error.code], [400, -32020])
      assert.strictEqual(noName.message.error.message, `Header mismatch: the Mcp-Name header is missing (params.name is "test_simple_text")`)
      const unsupported = yield* Effect.promise(() =>
        modern(url, "tools/list", {}, {
          meta: { ...metaOf(), "io.modelcontextprotocol/protocolVersion": "v999.0.0" },
          headers: { "mcp-protocol-version": "v999.0.0" }
        })
      )
      assert.deepStrictEqual([unsupported.status, unsupported.message.error.code], [400, -32022])
      // The versions a request can name per request (retrying with one works): see the next test.
      assert.deepStrictEqual(unsupported.message.error.data, { supported: ["2026-07-28"], requested: "v999.0.0" })
      for (const method of ["ping", "initialize", "logging/setLevel", "resources/subscribe"]) {
        const removed = yield* Effect.promise(() => modern(url, method))
        assert.deepStrictEqual([removed.status, removed.message.error.code], [404, -32601], method)
      }
      const unknown = yield* Effect.promise(() => modern(url, "unknown/method"))
      assert.deepStrictEqual([unknown.status, unknown.message.error.code], [404, -32601])
    }))

  // Fails before: a request naming 2025-11-25 in _meta was refused -32022 with `supported` listing
  // 2025-11-25 (every version server/discover lists): a client retrying with a listed version got
  // the same error again, and the message did not say why. Now the versions a request can name
  // (each retried: answered), of those server/discover lists, and a 2025 version is initialize's.
  for (const [what, options] of [["every version", {}], ["narrowed to 2025-11-25", { supportedVersions: ["2025-11-25"] }]] as const) {
    it.live(`-32022 of a request naming 2025-11-25 (${what}): the versions a request can name, each answered`, () =>
      Effect.gen(function*() {
        const { url } = yield* serveEverything({}, options as never)
        const discovered = yield* Effect.promise(() => modern(url, "server/discover"))
        for (const requested of ["2025-11-25", "v999.0.0"]) {
          const unsupported = yield* Effect.promise(() =>
            modern(url, "tools/list", {}, {
              meta: { ...metaOf(), "io.modelcontextprotocol/protocolVersion": requested },
              headers: { "mcp-protocol-version": requested }
            })
          )
          assert.deepStrictEqual([unsupported.status, unsupported.message.error.code], [400, -32022])
          assert.deepStrictEqual(unsupported.message.error.data, { supported: ["2026-07-28"], requested })
          if (requested === "2025-11-25") assert.include(unsupported.message.error.message, "negotiated by initialize, not per request: name 2026-07-28 in _meta, or send initialize")
          for (const version of unsupported.message.error.data.supported) {
            assert.include(discovered.message.result.supportedVersions, version)
            const retried = yield* Effect.promise(() =>
              modern(url, "tools/list", {}, {
                meta: { ...metaOf(), "io.modelcontextprotocol/protocolVersion": version },
                headers: { "mcp-protocol-version": version }
              })
            )
            assert.strictEqual(retried.status, 200, JSON.stringify(retried.message))
            assert.isArray(retried.message.result.tools)
          }
        }
      }))
  }

  // Fails before the fix: on a server of 2026-07-28 alone (`supportedVersions: []`), the -32022 of a
  // request naming 2025-11-25 in _meta advised "or send initialize", which that server refuses.
  for (const stateless of [false, true]) {
    it.live(`a 2026-only server (${stateless ? "stateless" : "stateful"} endpoint): -32022 of a request naming 2025-11-25 does not advise initialize`, () =>
      Effect.gen(function*() {
        const { url } = yield* serveEverything({ stateless }, { supportedVersions: [] })
        const unsupported = yield* Effect.promise(() =>
          modern(url, "tools/list", {}, {
            meta: { ...metaOf(), "io.modelcontextprotocol/protocolVersion": "2025-11-25" },
            headers: { "mcp-protocol-version": "2025-11-25" }
          })
        )
        assert.deepStrictEqual([unsupported.status, unsupported.message.error?.code], [400, -32022])
        assert.deepStrictEqual(unsupported.message.error.data, { supported: ["2026-07-28"], requested: "2025-11-25" })
        assert.notInclude(unsupported.message.error.message, "send initialize")
        assert.include(unsupported.message.error.message, "name 2026-07-28 in _meta")
        // What it does not advise is indeed refused.
        const initialize = yield* Effect.promise(async () => {
          const response = await post(url, initializeMessage("i"))
          return { status: response.status, message: await response.json() as any }
        })
        assert.strictEqual(initialize.message.error?.code, -32022, JSON.stringify(initialize.message))
      }))
  }

  // Fails before the fix: HTTP 200, while the same -32022 to a 2026-07-28 request is 400. The
  // schema's UnsupportedProtocolVersionError: "For HTTP, the response status code MUST be 400 Bad
  // Request" (the SDK v2 server answers an initialize on a modern-only endpoint so too). As JSON,
  // whatever the response mode: the body a client reads a 4xx by.
  for (const stateless of [false, true]) {
    for (const responseMode of ["auto", "json", "sse"] as const) {
      it.live(`a 2026-only server (${stateless ? "stateless" : "stateful"}, ${responseMode}): initialize is refused -32022 with HTTP 400, no session`, () =>
        Effect.gen(function*() {
          const { url } = yield* serveEverything({ stateless, responseMode }, { supportedVersions: [] })
          const answer = yield* Effect.promise(async () => {
            const response = await post(url, initializeMessage("i"))
            return {
              status: response.status,
              type: response.headers.get("content-type"),
              session: response.headers.get("mcp-session-id"),
              message: await response.json() as any
            }
          })
          assert.deepStrictEqual([answer.status, answer.message.error?.code], [400, -32022], JSON.stringify(answer))
          assert.include(answer.type, "application/json")
          assert.isNull(answer.session)
          assert.deepStrictEqual(answer.message.error.data, { supported: ["2026-07-28"], requested: "2025-11-25" })
          assert.strictEqual(answer.message.id, "i")
        }))
    }
  }

  // Stays so: a server serving 2025 versions answers its initialize 200, an error to it too (the
  // -32602 of `unsupportedVersion: "reject"`, an ordinary JSON-RPC error).
  it.live("initialize on a server of 2025 versions: answered 200, its -32602 (unsupportedVersion reject) too", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({}, { supportedVersions: ["2025-06-18"], unsupportedVersion: "reject" })
      const refused = yield* Effect.promise(async () => {
        const response = await post(url, initializeMessage("i"))
        return { status: response.status, message: await response.json() as any }
      })
      assert.deepStrictEqual([refused.status, refused.message.error?.code], [200, -32602], JSON.stringify(refused))
      const accepted = yield* Effect.promise(async () => {
        const response = await post(url, { ...initializeMessage("j"), params: { ...initializeMessage("j").params, protocolVersion: "2025-06-18" } })
        return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
      })
      assert.strictEqual(accepted.status, 200)
      assert.include(accepted.text, "2025-06-18")
    }))

  it.live("Mcp-Param-* headers mirror x-mcp-header arguments: agreeing (base64 or literal) served, else -32020 400", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const call = { name: "test_header_routed", arguments: { region: "Hello" } }
      const asJson = { accept: "application/json" }
      const encoded = yield* Effect.promise(() => modern(url, "tools/call", call, { ...asJson, headers: { "mcp-param-region": "=?base64?SGVsbG8=?=" } }))
      assert.deepStrictEqual([encoded.status, encoded.message.result?.content?.[0]?.text], [200, "Region: Hello"])
      const literal = yield* Effect.promise(() => modern(url, "tools/call", call, { ...asJson, headers: { "mcp-param-region": "Hello" } }))
      assert.strictEqual(literal.status, 200)
      for (const value of [undefined, "Goodbye", "=?base64?SGVsbG8?=", "=?base64?SGVs!!!bG8=?="]) {
        const refused = yield* Effect.promise(() => modern(url, "tools/call", call, { ...asJson, headers: { "mcp-param-region": value } }))
        assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020], String(value))
      }
    }))

  // Fails before: a header whose argument the body lacks (or holds as null) was not looked at at
  // all, though a server must refuse a recognized Mcp-Param-* header holding invalid characters.
  it.live("an Mcp-Param-* header sent for an argument the body lacks: refused (-32020) when invalid, else not expected nor compared", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const asJson = { accept: "application/json" }
      for (const args of [{}, { region: null }]) {
        const call = { name: "test_header_routed", arguments: args }
        const invalid = yield* Effect.promise(() => modern(url, "tools/call", call, { ...asJson, headers: { "mcp-param-region": "=?base64?SGVs!!!bG8=?=" } }))
        assert.deepStrictEqual([invalid.status, invalid.message.error?.code], [400, -32020], JSON.stringify(args))
        // A valid one is not compared: the call reaches the tool (whose validation wants a region).
        const valid = yield* Effect.promise(() => modern(url, "tools/call", call, { ...asJson, headers: { "mcp-param-region": "eu" } }))
        assert.deepStrictEqual([valid.status, valid.message.result?.isError], [200, true], JSON.stringify(args))
      }
    }))

  // Fails before: a value ending or starting with the byte 0xA0 (Latin-1 NBSP, what Node reads it
  // as) was trimmed by `String.prototype.trim` as whitespace, and served as equal to the body's
  // value; an intermediary reads those bytes as another value (or refuses them).
  it.live("Mcp-Name and Mcp-Param-* with a byte outside ASCII around the value (0xA0) are -32020 400, not trimmed away", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      // Raw bytes on a socket: node:http and fetch write a header value's U+00A0 as UTF-8 (C2 A0).
      const send = (name: string, args: Record<string, unknown>, headers: Record<string, string>) =>
        Effect.promise(() =>
          new Promise<{ readonly status: number; readonly message: any }>((resolve, reject) => {
            const body = Buffer.from(JSON.stringify({
              jsonrpc: "2.0",
              id: "nbsp",
              method: "tools/call",
              params: { name, arguments: args, _meta: metaOf() }
            }))
            const lines = [
              "POST /mcp HTTP/1.1",
              `Host: 127.0.0.1:${port}`,
              "Content-Type: application/json",
              "Accept: application/json",
              `MCP-Protocol-Version: ${VERSION}`,
              "Mcp-Method: tools/call",
              ...Object.entries(headers).map(([header, value]) => `${header}: ${value}`),
              `Content-Length: ${body.length}`,
              "Connection: close"
            ]
            const socket = connect(port, "127.0.0.1")
            const chunks: Array<Buffer> = []
            const timer = setTimeout(() => socket.destroy(new Error("no answer within 5 s")), 5_000)
            socket.on("data", (chunk: Buffer) => chunks.push(chunk))
            socket.on("error", (error) => {
              clearTimeout(timer)
              reject(error)
            })
            socket.on("end", () => {
              clearTimeout(timer)
              const text = Buffer.concat(chunks).toString("utf8")
              const split = text.indexOf("\r\n\r\n")
              try {
                resolve({ status: Number(text.split(" ")[1]), message: JSON.parse(text.slice(split + 4)) })
              } catch {
                reject(new Error(`not a JSON answer: ${JSON.stringify(text)}`))
              }
            })
            socket.write(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]))
          })
        )
      const region = { region: "eu" }
      const cases: ReadonlyArray<readonly [string, Record<string, unknown>, Record<string, string>]> = [
        ["test_simple_text", {}, { "mcp-name": "test_simple_text\u00a0" }],
        ["test_simple_text", {}, { "mcp-name": "\u00a0test_simple_text" }],
        ["test_header_routed", region, { "mcp-name": "test_header_routed", "mcp-param-region": "eu\u00a0" }],
        ["test_header_routed", region, { "mcp-name": "test_header_routed", "mcp-param-region": "\u00a0eu" }]
      ]
      for (const [name, args, headers] of cases) {
        const refused = yield* send(name, args, headers)
        assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32020], JSON.stringify(headers))
      }
      // Optional whitespace (space, tab) around a value is still no part of it.
      const served = yield* send("test_header_routed", region, { "mcp-name": " test_header_routed\t", "mcp-param-region": "\teu " })
      assert.deepStrictEqual([served.status, served.message.result?.content?.[0]?.text], [200, "Region: eu"])
    }))

  it.live("2026 SSE answers have no priming event and no event ids; closing the stream cancels the request", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const progress = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "text/event-stream",
            "mcp-protocol-version": VERSION,
            "mcp-method": "tools/call",
            "mcp-name": "test_tool_with_progress"
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: "p",
            method: "tools/call",
            params: { name: "test_tool_with_progress", arguments: {}, _meta: { ...metaOf(), progressToken: "t" } }
          })
        })
      )
      const events = yield* Effect.promise(() => readSse(progress))
      assert.isAbove(events.length, 1)
      for (const event of events) {
        assert.isUndefined(event.id, "a 2026 stream carries no event ids")
        assert.notStrictEqual(event.data, "", "no priming event")
      }
      assert.strictEqual(JSON.parse(events.at(-1)!.data).result.resultType, "complete")

      // a slow call on SSE, its stream dropped: the handler stops at once (not after the request timeout)
      const { response, destroy } = yield* Effect.promise(() =>
        nodeFetch(url, "POST", {
          "content-type": "application/json",
          accept: "text/event-stream",
          "mcp-protocol-version": VERSION,
          "mcp-method": "tools/call",
          "mcp-name": "test_task_slow"
        }, JSON.stringify({
          jsonrpc: "2.0",
          id: "slow",
          method: "tools/call",
          params: { name: "test_task_slow", arguments: { ms: 60_000, steps: 1_200 }, _meta: { ...metaOf(), progressToken: "s" } }
        }))
      )
      const reader = sseReader(response)
      assert.isDefined(yield* Effect.promise(() => reader.next(3_000)), "no progress event arrived")
      destroy()
      yield* Effect.sleep(300)
      const before = taskProbe.steps
      yield* Effect.sleep(400)
      assert.strictEqual(taskProbe.steps, before, "the handler kept running after its stream closed")
    }))

  it.live("a client capability the request did not declare: -32021 with requiredCapabilities, HTTP 400", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const call = { name: "test_missing_capability", arguments: {} }
      const refused = yield* Effect.promise(() => modern(url, "tools/call", call, { accept: "application/json" }))
      assert.strictEqual(refused.status, 400)
      assert.strictEqual(refused.message.error.code, -32021)
      assert.deepStrictEqual(refused.message.error.data, { requiredCapabilities: { sampling: {} } })
      // The error made without a message (as the fixture makes it) says what is missing. Failed
      // before: the message was "" (an Error's own, which the fallback after `??` never replaced).
      assert.strictEqual(refused.message.error.message, "Missing required client capability: sampling")
      // declared on this request only: served
      const served = yield* Effect.promise(() =>
        modern(url, "tools/call", call, { meta: metaOf({ sampling: {} }), accept: "application/json" })
      )
      assert.strictEqual(served.status, 200)
      assert.strictEqual(served.message.result.resultType, "complete")
    }))

  // Fails before: in SSE mode the stream (and its 200) was opened before the request was even
  // dispatched, so an unknown method was 200 with -32601 (the spec: 404) and a capability the
  // request lacks 200 with -32021 (the spec: 400), which dual-era clients read the era by.
  it.live("answered as SSE (responseMode sse, or a client taking only SSE): an unknown method is still 404, a missing capability 400 (as JSON)", () =>
    Effect.gen(function*() {
      for (const [options, accept] of [[{ responseMode: "sse" as const }, undefined], [{}, "text/event-stream"]] as const) {
        const { url } = yield* serveEverything(options)
        const unknown = yield* Effect.promise(() => modern(url, "unknown/method", {}, { ...(accept === undefined ? {} : { accept }) }))
        assert.deepStrictEqual([unknown.status, unknown.message.error?.code], [404, -32601], JSON.stringify(options))
        const call = { name: "test_missing_capability", arguments: {} }
        const refused = yield* Effect.promise(() => modern(url, "tools/call", call, { ...(accept === undefined ? {} : { accept }) }))
        assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32021], JSON.stringify(options))
        // As JSON, the body clients read a 4xx by; a 200 stays SSE, as the mode (or the client) asks.
        assert.strictEqual(refused.events.length, 0, "a 4xx answered as SSE")
        const served = yield* Effect.promise(() =>
          modern(url, "tools/call", call, { meta: metaOf({ sampling: {} }), ...(accept === undefined ? {} : { accept }) })
        )
        assert.deepStrictEqual([served.status, served.message.result?.resultType], [200, "complete"])
        assert.isAbove(served.events.length, 0, "not an SSE answer")
      }
    }))

  it.live("logs reach a request only when its _meta asks for a log level", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const call = { name: "test_logging_tool", arguments: {} }
      const quiet = yield* Effect.promise(() => modern(url, "tools/call", call, { accept: "text/event-stream" }))
      assert.isUndefined(quiet.events.find((m) => m.method === "notifications/message"))
      assert.strictEqual(quiet.message.result.resultType, "complete")
      const verbose = yield* Effect.promise(() =>
        modern(url, "tools/call", call, { meta: metaOf({}, { "io.modelcontextprotocol/logLevel": "debug" }), accept: "text/event-stream" })
      )
      assert.isDefined(verbose.events.find((m) => m.method === "notifications/message"))
      const filtered = yield* Effect.promise(() =>
        modern(url, "tools/call", call, { meta: metaOf({}, { "io.modelcontextprotocol/logLevel": "error" }), accept: "text/event-stream" })
      )
      assert.isUndefined(filtered.events.find((m) => m.method === "notifications/message"), "an info log passed an error level")
    }))

  it.live("a handler asking the client (sampling) answers input_required, never a request on the stream", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const answer = yield* Effect.promise(() =>
        modern(url, "tools/call", { name: "test_sampling", arguments: { prompt: "hi" } }, { meta: metaOf({ sampling: {} }), accept: "text/event-stream" })
      )
      for (const event of answer.events) assert.isFalse("method" in event && "id" in event, `a request on the stream: ${JSON.stringify(event)}`)
      const result = answer.message.result
      assert.strictEqual(result.resultType, "input_required")
      const [request] = Object.values(result.inputRequests) as Array<any>
      assert.strictEqual(request.method, "sampling/createMessage")
      assert.isString(result.requestState)
    }))

  it.live("the same endpoint still serves 2025-11-25 sessions beside stateless 2026 requests", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      yield* Effect.promise(() => modern(url, "tools/list"))
      const legacy = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 1, method: "tools/list" }, on(sessionId)))
      assert.strictEqual(legacy.status, 200)
      const body = (yield* Effect.promise(() => legacy.json())) as any
      assert.notProperty(body.result, "resultType")
      assert.deepStrictEqual(
        body.result.tools.find((tool: any) => tool.name === "test_task_slow").execution,
        { taskSupport: "optional" }
      )
      // and an initialize is a legacy request, even without a session
      const init = yield* Effect.promise(() => post(url, initializeMessage("fresh")))
      assert.strictEqual(init.status, 200)
      yield* Effect.promise(() => init.text())
    }))

  // Fails before the fix: both were 400 "Mcp-Session-Id header is required", the handshake era's answer.
  it.live("GET and DELETE naming 2026-07-28 without a session: 405 (that era is POST only); a 2025 session's GET and DELETE still work", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      for (const method of ["GET", "DELETE"]) {
        const response = yield* Effect.promise(() =>
          fetch(url, { method, headers: { accept: "text/event-stream", "mcp-protocol-version": VERSION } })
        )
        assert.strictEqual(response.status, 405, method)
        assert.include(response.headers.get("allow") ?? "", "POST", method)
        const body = (yield* Effect.promise(() => response.json())) as any
        assert.include(body.error.message, "POST only", method)
      }
      const sessionId = yield* Effect.promise(() => openSession(url))
      // First: an Accept without text/event-stream, or a session id (ignored in that era), changes nothing.
      for (const [method, headers] of [["GET", { accept: "application/json" }], ["GET", { "mcp-session-id": sessionId }], ["DELETE", { "mcp-session-id": sessionId }]] as const) {
        const response = yield* Effect.promise(() => fetch(url, { method, headers: { accept: "text/event-stream", ...headers, "mcp-protocol-version": VERSION } }))
        assert.strictEqual(response.status, 405, `${method} ${JSON.stringify(headers)}`)
        yield* Effect.promise(() => response.text())
      }
      const stream = yield* Effect.promise(() => fetch(url, { method: "GET", headers: { accept: "text/event-stream", ...on(sessionId) } }))
      assert.strictEqual(stream.status, 200)
      yield* Effect.promise(() => stream.body!.cancel())
      const ended = yield* Effect.promise(() => fetch(url, { method: "DELETE", headers: on(sessionId) }))
      assert.strictEqual(ended.status, 200)
    }))
})

describe("MCP 2026-07-28 multi round-trip requests (MRTR)", () => {
  const retry = (url: string, name: string, meta: Record<string, unknown>, round: Record<string, unknown>) =>
    modern(url, "tools/call", { name, arguments: {}, ...round }, { meta, accept: "application/json" })
  const caps = metaOf({ elicitation: {}, sampling: {}, roots: {} })
  const accept = (content: Record<string, unknown>) => ({ action: "accept", content })

  it.live("elicit: input_required with the key, then complete with the answer; unknown keys ignored", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const tool = "test_input_required_result_elicitation"
      const first = (yield* Effect.promise(() => retry(url, tool, caps, {}))).message.result
      assert.strictEqual(first.resultType, "input_required")
      assert.deepStrictEqual(Object.keys(first.inputRequests), ["user_name"])
      assert.strictEqual(first.inputRequests.user_name.method, "elicitation/create")
      assert.strictEqual(first.inputRequests.user_name.params.message, "What is your name?")
      const second = yield* Effect.promise(() =>
        retry(url, tool, caps, {
          inputResponses: { user_name: accept({ name: "Alice" }), junk: { x: 1 } },
          requestState: first.requestState
        })
      )
      assert.strictEqual(second.message.result.resultType, "complete")
      assert.deepStrictEqual(second.message.result.content, [{ type: "text", text: "Hello, Alice!" }])
      // a missing answer is asked again; one of the wrong shape is -32602 (the handler got
      // ClientResultInvalid, as in a 2025-11-25 session, and let it through)
      const wrongKey = (yield* Effect.promise(() => retry(url, tool, caps, { inputResponses: { other: accept({}) } }))).message.result
      assert.strictEqual(wrongKey.resultType, "input_required")
      const invalid = (yield* Effect.promise(() => retry(url, tool, caps, { inputResponses: { user_name: 12345 } }))).message
      assert.strictEqual(invalid.error?.code, -32602, JSON.stringify(invalid))
    }))

  it.live("several rounds: earlier answers travel in the sealed requestState, which changes each round", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const tool = "test_input_required_result_multi_round"
      const one = (yield* Effect.promise(() => retry(url, tool, caps, {}))).message.result
      assert.deepStrictEqual(Object.keys(one.inputRequests), ["step1"])
      const two = (yield* Effect.promise(() =>
        retry(url, tool, caps, { inputResponses: { step1: accept({ name: "Bob" }) }, requestState: one.requestState })
      )).message.result
      assert.deepStrictEqual(Object.keys(two.inputRequests), ["step2"])
      assert.notStrictEqual(two.requestState, one.requestState)
      const three = (yield* Effect.promise(() =>
        retry(url, tool, caps, { inputResponses: { step2: accept({ color: "green" }) }, requestState: two.requestState })
      )).message.result
      assert.deepStrictEqual(three.content, [{ type: "text", text: "Bob likes green" }])
    }))

  it.live("the sealed requestState carries only answers the handler asked for and took (not unknown or invalid ones)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const tool = "test_input_required_result_multi_round"
      const junk = "x".repeat(100_000)
      const one = (yield* Effect.promise(() => retry(url, tool, caps, { inputResponses: { unasked: junk } }))).message.result
      assert.deepStrictEqual(Object.keys(one.inputRequests), ["step1"])
      assert.isBelow(one.requestState.length, 2_000, "an answer nobody asked for was sealed")
      // An answer that does not decode is -32602 (ClientResultInvalid, let through): nothing sealed.
      const again = (yield* Effect.promise(() =>
        retry(url, tool, caps, { inputResponses: { step1: { action: junk } }, requestState: one.requestState })
      )).message
      assert.strictEqual(again.error?.code, -32602)
      assert.isBelow(JSON.stringify(again).length, 4_000, "an invalid answer was quoted whole")
      const two = (yield* Effect.promise(() =>
        retry(url, tool, caps, { inputResponses: { step1: accept({ name: "Bob" }), other: junk }, requestState: one.requestState })
      )).message.result
      assert.deepStrictEqual(Object.keys(two.inputRequests), ["step2"])
      assert.isBelow(two.requestState.length, 2_000)
      const three = (yield* Effect.promise(() =>
        retry(url, tool, caps, { inputResponses: { step2: accept({ color: "green" }) }, requestState: two.requestState })
      )).message.result
      assert.deepStrictEqual(three.content, [{ type: "text", text: "Bob likes green" }])
    }))

  it.live("inputs asked concurrently come in one round; a tampered or foreign state is -32602", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const multiple = (yield* Effect.promise(() => retry(url, "test_input_required_result_multiple_inputs", caps, {}))).message.result
      assert.deepStrictEqual(Object.keys(multiple.inputRequests).sort(), ["client_roots", "greeting", "user_name"])
      const tool = "test_input_required_result_tampered_state"
      const first = (yield* Effect.promise(() => retry(url, tool, caps, {}))).message.result
      const tampered = yield* Effect.promise(() =>
        retry(url, tool, caps, { inputResponses: { user_name: accept({ name: "Eve" }) }, requestState: `${first.requestState}-TAMPERED` })
      )
      assert.strictEqual(tampered.message.error.code, -32602)
      // a state sealed for another request (another tool) does not open here
      const foreign = yield* Effect.promise(() =>
        retry(url, "test_input_required_result_elicitation", caps, { requestState: first.requestState })
      )
      assert.strictEqual(foreign.message.error.code, -32602)
    }))

  it.live("a state sealed by one server opens on another with the same key ring, not with another key", () =>
    Effect.gen(function*() {
      const keys = { keys: ["0123456789abcdef0123456789abcdef-shared"] }
      const a = yield* serveEverything({}, { requestState: keys })
      const b = yield* serveEverything({}, { requestState: keys })
      const c = yield* serveEverything({}, { requestState: { keys: ["another-key-another-key-another-key!"] } })
      const tool = "test_input_required_result_elicitation"
      const first = (yield* Effect.promise(() => retry(a.url, tool, caps, {}))).message.result
      const round = { inputResponses: { user_name: accept({ name: "Zoe" }) }, requestState: first.requestState }
      const onB = yield* Effect.promise(() => retry(b.url, tool, caps, round))
      assert.deepStrictEqual(onB.message.result.content, [{ type: "text", text: "Hello, Zoe!" }])
      const onC = yield* Effect.promise(() => retry(c.url, tool, caps, round))
      assert.strictEqual(onC.message.error.code, -32602)
    }))

  it.live("inputResponses that are not an object (a number, a string, an array, null) are -32602, as on tasks/update", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      for (const inputResponses of [5, "x", [], null]) {
        const answer = yield* Effect.promise(() => retry(url, "test_input_required_result_elicitation", caps, { inputResponses }))
        assert.strictEqual(answer.message.error?.code, -32602, JSON.stringify(answer.message))
        assert.strictEqual(answer.message.error.message, "Invalid params: inputResponses must be an object (the answers by key)")
      }
    }))

  it.live("a requestState that is not a string (a number, null, an object, an array) is -32602 saying so, not 'tampered with'", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      for (const requestState of [5, null, {}, []]) {
        const answer = yield* Effect.promise(() => retry(url, "test_input_required_result_elicitation", caps, { requestState }))
        assert.strictEqual(answer.message.error?.code, -32602, JSON.stringify(answer.message))
        assert.strictEqual(
          answer.message.error.message,
          "Invalid params: requestState must be a string (the one an input_required result gave)",
          JSON.stringify(requestState)
        )
      }
      // A string that does not open is still said to be tampered with, expired or another request's
      const forged = yield* Effect.promise(() => retry(url, "test_input_required_result_elicitation", caps, { requestState: "" }))
      assert.include(forged.message.error?.message, "tampered with")
    }))

  it.live("deep nesting: arguments thousands of levels deep get their rounds; an answer nested deeper than 64 levels is -32602 (both were -32603: a stack overflow)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const tool = "test_input_required_result_elicitation"
      // Sent as text: nested this deep, the test's own JSON.stringify would overflow its stack.
      const call = (round: Record<string, unknown>) =>
        modern(url, "tools/call", { name: tool, arguments: { x: "DEEP" }, ...round }, {
          meta: caps,
          accept: "application/json",
          rawValues: { DEEP: nestedText(10_000) }
        })
      const first = (yield* Effect.promise(() => call({}))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first).slice(0, 300))
      const second = (yield* Effect.promise(() =>
        call({ inputResponses: { user_name: accept({ name: "Deep" }) }, requestState: first.result.requestState })
      )).message
      assert.deepStrictEqual(second.result?.content, [{ type: "text", text: "Hello, Deep!" }], JSON.stringify(second).slice(0, 300))
      // An answer is level 1: 64 levels are taken, 65 are not, nor 10,000.
      const answer = (levels: number) =>
        modern(url, "tools/call", {
          name: "test_input_required_result_multi_round",
          arguments: {},
          inputResponses: { step1: { ...accept({ name: "A" }), extra: "DEEP" } }
        }, { meta: caps, accept: "application/json", rawValues: { DEEP: nestedText(levels - 1) } })
      const taken = (yield* Effect.promise(() => answer(64))).message
      assert.strictEqual(taken.result?.resultType, "input_required", JSON.stringify(taken).slice(0, 300))
      assert.deepStrictEqual(Object.keys(taken.result.inputRequests), ["step2"])
      for (const levels of [65, 10_000]) {
        const refused = yield* Effect.promise(() => answer(levels))
        assert.strictEqual(refused.message.error?.code, -32602, JSON.stringify(refused.message).slice(0, 300))
        assert.strictEqual(refused.message.error.message, `Invalid params: inputResponses["step1"] is nested deeper than 64 levels`)
      }
    }))

  it.live("prompts/get may need input too; lists never answer input_required", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const first = yield* Effect.promise(() =>
        modern(url, "prompts/get", { name: "test_input_required_result_prompt" }, { meta: caps, accept: "application/json" })
      )
      assert.deepStrictEqual(Object.keys(first.message.result.inputRequests), ["user_context"])
      const second = yield* Effect.promise(() =>
        modern(url, "prompts/get", {
          name: "test_input_required_result_prompt",
          inputResponses: { user_context: accept({ context: "tests" }) },
          requestState: first.message.result.requestState
        }, { meta: caps, accept: "application/json" })
      )
      assert.strictEqual(second.message.result.resultType, "complete")
      assert.include(second.message.result.messages[0].content.text, "tests")
      const list = (yield* Effect.promise(() => modern(url, "tools/list", {}, { meta: caps }))).message.result
      assert.strictEqual(list.resultType, "complete")
    }))
})

describe("2026-07-28 over HTTP, the shared session failing to start", () => {
  // Failed before: the first 2026 request started the shared session to word a refusal
  // (`Negotiation.Handshake`), and, that start failed, answering it started one again: each
  // request ran the application's session start twice (2 starts for one 503).
  it.live("a 2026-07-28 request is answered 503 after one session start, not two", () =>
    Effect.gen(function*() {
      let starts = 0
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(options, components, {
          listen: () =>
            StreamableHttp.make({ host: "127.0.0.1", port }).listen(() =>
              Effect.suspend(() => {
                starts++
                return Effect.die(new Error("no session now"))
              })
            )
        }))
      const answer = yield* Effect.promise(() => modern(url, "tools/list"))
      assert.strictEqual(answer.status, 503, JSON.stringify(answer.message))
      assert.strictEqual(starts, 1)
      // A refused one keeps its own status and error.
      const refused = yield* Effect.promise(() => modern(url, "tools/list", {}, {
        meta: metaOf({}, { "io.modelcontextprotocol/protocolVersion": "2025-11-25" }),
        headers: { "mcp-protocol-version": "2025-11-25" }
      }))
      assert.deepStrictEqual([refused.status, refused.message.error?.code], [400, -32022], JSON.stringify(refused.message))
      assert.strictEqual(starts, 2)
    }).pipe(Effect.scoped))
})

describe("2026-07-28 answers as bytes", () => {
  // The server's identity is written into a result's answer from a text made once per server
  // (`protocol/internal/identityMeta.ts`): the answer must stay the JSON it was, with a result's
  // own `_meta` entries beside the identity.
  it.live("a call's answer is its result, resultType and the server's identity in _meta, a handler's own _meta entries kept", () =>
    Effect.gen(function*() {
      const serverInfo = { name: "bytes-server", version: "3.1.4", title: "Bytes \"quoted\" ü" }
      const server = LowLevelServer.make({
        serverInfo,
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": (params) =>
            Exit.succeed(
              params.name === "own"
                ? { content: [{ type: "text" as const, text: "mine" }], _meta: { "x.dev/trace": "t-1" } }
                : { content: [{ type: "text" as const, text: String(params.name) }] }
            )
        }
      })
      const { url } = yield* serveOnAnyPort((port) =>
        Layer.launch(StreamableHttp.serve((transport, options) => server.run(transport, options), { port, stateless: true }))
      )
      const key = "io.modelcontextprotocol/serverInfo"
      for (const accept of ["application/json", "text/event-stream"]) {
        const plain = yield* Effect.promise(() => modern(url, "tools/call", { name: "plain", arguments: {} }, { accept }))
        assert.deepStrictEqual(plain.message, {
          jsonrpc: "2.0",
          id: "m-tools/call",
          result: { content: [{ type: "text", text: "plain" }], resultType: "complete", _meta: { [key]: serverInfo } }
        }, accept)
        const own = yield* Effect.promise(() => modern(url, "tools/call", { name: "own", arguments: {} }, { accept }))
        assert.deepStrictEqual(own.message, {
          jsonrpc: "2.0",
          id: "m-tools/call",
          result: { content: [{ type: "text", text: "mine" }], _meta: { "x.dev/trace": "t-1", [key]: serverInfo }, resultType: "complete" }
        }, accept)
      }
    }).pipe(Effect.scoped))
})
