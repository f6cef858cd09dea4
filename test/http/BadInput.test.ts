/**
 * Malformed input over Streamable HTTP that once got the wrong answer (found by fuzzing the
 * everything server): a `_meta` that is not an object, malformed 2026-07-28 client capabilities,
 * the encodings of `Mcp-Name` and `Mcp-Param-*`, an invalid envelope's id, media types, `Allow`
 * on 405s, a huge method name. Raw requests (node:http where header bytes matter); each case
 * also checks that the server still answers.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { components as everythingComponents, options as everythingOptions } from "../../examples/everything-server.ts"
import { McpServer, SessionStore, StreamableHttp } from "../../src/index.ts"
import { BOTH, LATEST, nestedText, nodeFetch, on, openSession, post, rawRequest, serveEverything, serveOnAnyPort } from "./support.ts"

const VERSION = "2026-07-28"
const meta = (over: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "bad-input", version: "1" },
  ...over
})
const modernHeaders = (method: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  accept: BOTH,
  "mcp-protocol-version": VERSION,
  "mcp-method": method,
  ...extra
})

/** A POST with node:http: header values go out byte for byte (Latin-1), as a raw client may send them. */
const rawPost = (port: number, headers: Record<string, string>, body: unknown) =>
  rawRequest(port, "POST", headers, JSON.stringify(body)).then((answer) => ({ ...answer, message: JSON.parse(answer.body) }))

describe("Streamable HTTP: malformed input gets the spec's answer", () => {
  it.live("_meta: null (no version header): a JSON-RPC error, never an empty 500; both modes", () =>
    Effect.gen(function*() {
      for (const stateless of [false, true]) {
        const { url } = yield* serveEverything({ stateless })
        const sessionId = stateless ? undefined : yield* Effect.promise(() => openSession(url))
        const headers = sessionId === undefined ? {} : on(sessionId)
        for (const method of ["tools/list", "tools/call"]) {
          const response = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 1, method, params: { name: "test_simple_text", _meta: null } }, headers))
          // A JSON-RPC error in a 200, as every answered request's (not an empty 500).
          assert.strictEqual(response.status, 200, `${method}, stateless: ${stateless}`)
          const answer: any = yield* Effect.promise(() => response.json())
          assert.strictEqual(answer.error?.code, -32602, JSON.stringify(answer))
          assert.include(answer.error.message, "_meta")
        }
        const alive = yield* Effect.promise(() =>
          post(url, { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: meta() } }, modernHeaders("tools/list"))
        )
        assert.strictEqual(alive.status, 200)
        yield* Effect.promise(() => alive.text())
      }
    }))

  it.live("2026-07-28: malformed clientCapabilities or clientInfo → 400 -32602 naming the entry, not an internal error", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const cases: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
        ["tools/call", "clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { elicitation: null } }],
        ["tasks/get", "clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { extensions: null } }],
        ["tools/list", "clientInfo", { "io.modelcontextprotocol/clientInfo": { name: 5 } }]
      ]
      for (const [method, entry, over] of cases) {
        const params = method === "tools/call"
          ? { name: "test_simple_text", arguments: {} }
          : method === "tasks/get"
          ? { taskId: "t" }
          : {}
        const name = method === "tools/call" ? { "mcp-name": "test_simple_text" } : method === "tasks/get" ? { "mcp-name": "t" } : {}
        const answer = yield* Effect.promise(() =>
          rawPost(port, modernHeaders(method, name), { jsonrpc: "2.0", id: method, method, params: { ...params, _meta: meta(over) } })
        )
        assert.strictEqual(answer.status, 400, answer.body)
        assert.strictEqual(answer.message.error.code, -32602, answer.body)
        assert.include(answer.message.error.message, entry)
      }
    }))

  it.live("Mcp-Name and Mcp-Param-*: the =?base64?…?= form is decoded; raw bytes outside printable ASCII → 400 -32020", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const call = (name: string, args: Record<string, unknown>, headers: Record<string, string>) =>
        rawPost(port, modernHeaders("tools/call", headers), {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name, arguments: args, _meta: meta() }
        })
      const b64 = (text: string) => `=?base64?${Buffer.from(text).toString("base64")}?=`
      // An encoded name is decoded before it is compared.
      const encoded = yield* Effect.promise(() => call("test_simple_text", {}, { "mcp-name": b64("test_simple_text") }))
      assert.strictEqual(encoded.status, 200, encoded.body)
      assert.isDefined(encoded.message.result)
      // A region outside ASCII: base64 passes, the raw bytes (UTF-8 or Latin-1) do not.
      const region = "\u00e9u-west"
      const good = yield* Effect.promise(() => call("test_header_routed", { region }, { "mcp-name": "test_header_routed", "mcp-param-region": b64(region) }))
      assert.strictEqual(good.status, 200, good.body)
      assert.deepStrictEqual(good.message.result.content, [{ type: "text", text: `Region: ${region}` }])
      for (const raw of [Buffer.from(region).toString("latin1"), region]) {
        const refused = yield* Effect.promise(() => call("test_header_routed", { region }, { "mcp-name": "test_header_routed", "mcp-param-region": raw }))
        assert.strictEqual(refused.status, 400, refused.body)
        assert.strictEqual(refused.message.error.code, -32020, refused.body)
        assert.include(refused.message.error.message, "invalid value")
        const name = yield* Effect.promise(() => call("test_simple_text", {}, { "mcp-name": `test_simple_text${raw}` }))
        assert.strictEqual(name.message.error?.code, -32020, name.body)
      }
    }))

  it.live("a name, URI or task id that is not a string (even nested 5,000 deep) is its method's -32602, with or without Mcp-Name (was an empty 500: comparing it overflowed the stack)", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const cases = [
        ["tools/call", "name", "Expected string"],
        ["resources/read", "uri", "Expected string"],
        ["tasks/get", "taskId", "Expected string"]
      ] as const
      for (const [method, param, problem] of cases) {
        for (const [value, mcpName] of [[nestedText(5_000), "1"], [nestedText(5_000), undefined], ['{"a":1}', "[object Object]"], ["null", undefined]] as const) {
          // tasks/* with the extension declared: without it, -32021 whatever the params.
          const declared = method === "tasks/get"
            ? meta({ "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } } })
            : meta()
          const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { [param]: "VALUE", _meta: declared } }).replace('"VALUE"', value)
          const answer = yield* Effect.promise(() => rawRequest(port, "POST", modernHeaders(method, mcpName === undefined ? {} : { "mcp-name": mcpName }), body))
          const label = `${method} ${param}: ${value.slice(0, 20)}, Mcp-Name ${mcpName}`
          assert.strictEqual(answer.status, 200, `${label}: ${answer.body.slice(0, 300)}`)
          const message = JSON.parse(answer.body)
          assert.strictEqual(message.error?.code, -32602, label)
          assert.include(message.error.message, problem, label)
        }
      }
      const alive = yield* Effect.promise(() =>
        rawPost(port, modernHeaders("tools/list"), { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: meta() } })
      )
      assert.strictEqual(alive.status, 200)
    }))

  it.live("an Mcp-Param-* argument that is not a string, integer or boolean (even nested 5,000 deep) is the tool's invalid-arguments error, not -32603", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      for (const [value, header] of [[nestedText(5_000), "1"], [nestedText(5_000), undefined], ['{"a":1}', "[object Object]"]] as const) {
        const body = JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "test_header_routed", arguments: { region: "VALUE" }, _meta: meta() }
        }).replace('"VALUE"', value)
        const headers = modernHeaders("tools/call", { "mcp-name": "test_header_routed", ...(header === undefined ? {} : { "mcp-param-region": header }) })
        const answer = yield* Effect.promise(() => rawRequest(port, "POST", headers, body))
        const label = `${value.slice(0, 20)}, Mcp-Param-Region ${header}`
        assert.strictEqual(answer.status, 200, `${label}: ${answer.body.slice(0, 300)}`)
        const result = JSON.parse(answer.body).result
        assert.isTrue(result?.isError, `${label}: ${answer.body.slice(0, 300)}`)
        assert.include(result.content[0].text, "Invalid arguments for tool test_header_routed", label)
      }
    }))

  it.live("an Mcp-* header sent twice is -32020 (Node would join the two values, and a proxy route on the first)", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const twice = (name: string, values: ReadonlyArray<string>, params: Record<string, unknown>) =>
        rawPost(port, { ...modernHeaders("tools/call"), [name]: values } as unknown as Record<string, string>, {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { ...params, _meta: meta() }
        })
      // Joined, the values would equal the body's: without the check these passed.
      const name = yield* Effect.promise(() => twice("mcp-name", ["a", "b"], { name: "a, b", arguments: {} }))
      const param = yield* Effect.promise(() =>
        twice("mcp-param-region", ["eu", "west"], { name: "test_header_routed", arguments: { region: "eu, west" } })
      )
      for (const [header, answer] of [["mcp-name", name], ["mcp-param-region", param]] as const) {
        assert.strictEqual(answer.status, 400, answer.body)
        assert.strictEqual(answer.message.error.code, -32020, answer.body)
        assert.include(answer.message.error.message, `${header} is sent more than once`)
      }
      // Other headers may repeat (the check reads the raw headers only then).
      const ok = yield* Effect.promise(() =>
        rawPost(port, { ...modernHeaders("tools/call", { "mcp-name": "test_simple_text" }), "x-extra": ["1", "2"] } as unknown as Record<string, string>, {
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: { name: "test_simple_text", arguments: {}, _meta: meta() }
        })
      )
      assert.strictEqual(ok.status, 200, ok.body)
    }))

  it.live("an invalid envelope whose id can be read is answered with that id, as over stdio", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const cases = [
        ["v1", -32600, { jsonrpc: "1.0", id: "v1", method: "ping" }],
        [8, -32602, { jsonrpc: "2.0", id: 8, method: "ping", params: [1] }]
      ] as const
      for (const [id, code, body] of cases) {
        const response = yield* Effect.promise(() => post(url, body))
        assert.strictEqual(response.status, 400)
        const answer: any = yield* Effect.promise(() => response.json())
        assert.strictEqual(answer.id, id, JSON.stringify(answer))
        assert.strictEqual(answer.error.code, code)
      }
    }))

  // Failed before c43a83fb: 400 with a -32600 answering the response (its CHANGELOG line says 202;
  // this shows it over HTTP, where only the in-memory transport was tested).
  it.live("a 2025 error response without an id (MCP's form) is taken, 202 with no body, as a response with an id; both modes", () =>
    Effect.gen(function*() {
      for (const stateless of [false, true]) {
        const { url } = yield* serveEverything({ stateless })
        const headers = stateless ? { "mcp-protocol-version": LATEST } : on(yield* Effect.promise(() => openSession(url)))
        for (const response of [{ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" } }, { jsonrpc: "2.0", id: 99, error: { code: -1, message: "no" } }]) {
          const answer = yield* Effect.promise(() => post(url, response, headers))
          const label = `${JSON.stringify(response)}, stateless: ${stateless}`
          assert.strictEqual(answer.status, 202, label)
          assert.strictEqual(yield* Effect.promise(() => answer.text()), "", label)
        }
        const alive = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 1, method: "ping" }, headers))
        assert.strictEqual(alive.status, 200)
        yield* Effect.promise(() => alive.text())
      }
    }))

  it.live("a batch (an array), 2026-07-28 or 2025-11-25, is -32600 400 saying to send each message on its own (not 'one per line', which is stdio's framing)", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const one = { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta() } }
      const headers2025 = { "content-type": "application/json", accept: BOTH, "mcp-protocol-version": "2025-11-25" }
      for (const [headers, body] of [[modernHeaders("tools/list"), [one]], [headers2025, []]] as const) {
        const answer = yield* Effect.promise(() => rawPost(port, headers, body))
        assert.strictEqual(answer.status, 400, answer.body)
        assert.strictEqual(answer.message.error.code, -32600)
        assert.strictEqual(answer.message.error.message, "Invalid Request: JSON-RPC batches are not supported; send each message on its own")
      }
      // No version and no session: maybe a 2025-03-26 client (which has batches, and sends no
      // version header), told what its batch lacks.
      const answer = yield* Effect.promise(() => rawPost(port, { "content-type": "application/json", accept: BOTH }, []))
      assert.strictEqual(answer.status, 400, answer.body)
      assert.strictEqual(answer.message.error.code, -32600)
      assert.include(answer.message.error.message, "Mcp-Session-Id")
    }))

  it.live("a session request whose id is already in progress: 409 naming that id, quoted clipped in the message (was no id, the id whole)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const id = "i".repeat(100_000)
      const slow = { jsonrpc: "2.0", id, method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 60_000, steps: 600 } } }
      const headers = { "content-type": "application/json", accept: "text/event-stream", ...on(sessionId) }
      const first = yield* Effect.acquireRelease(
        Effect.promise(() => nodeFetch(url, "POST", headers, JSON.stringify(slow))),
        ({ destroy }) => Effect.sync(destroy)
      )
      assert.strictEqual(first.response.status, 200)
      const again = yield* Effect.promise(() => post(url, slow, on(sessionId)))
      assert.strictEqual(again.status, 409)
      const answer: any = yield* Effect.promise(() => again.json())
      assert.strictEqual(answer.id, id, "the refused request's id")
      assert.strictEqual(answer.error.code, -32600)
      assert.isBelow(answer.error.message.length, 400)
      assert.include(answer.error.message, "already in progress")
    }))

  it.live("media types: any case and parameters are JSON; look-alikes and q=0 are not", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const ping = { jsonrpc: "2.0", id: 1, method: "ping" }
      const status = async (headers: Record<string, string>) => {
        const response = await post(url, ping, headers)
        await response.text()
        return response.status
      }
      assert.strictEqual(yield* Effect.promise(() => status({ "content-type": "APPLICATION/JSON; charset=utf-8" })), 200)
      assert.strictEqual(yield* Effect.promise(() => status({ accept: "Application/Json" })), 200)
      assert.strictEqual(yield* Effect.promise(() => status({ accept: "application/*;q=0.5" })), 200)
      assert.strictEqual(yield* Effect.promise(() => status({ "content-type": "application/jsonp" })), 415)
      assert.strictEqual(yield* Effect.promise(() => status({ "content-type": "text/x-application/json" })), 415)
      assert.strictEqual(yield* Effect.promise(() => status({ accept: "application/jsonfoo" })), 406)
      assert.strictEqual(yield* Effect.promise(() => status({ accept: "application/json;q=0, text/html" })), 406)
      assert.strictEqual(yield* Effect.promise(() => status({ accept: "application/json; q=0.000" })), 406)
      // The most specific range decides: a type refused by name is not taken through */* (the
      // answer comes as SSE); one listed by name is taken though */* is refused.
      const typeFor = async (accept: string) => {
        const response = await post(url, ping, { accept })
        const type = response.headers.get("content-type") ?? ""
        await response.body?.cancel()
        return [response.status, type.split(";")[0]]
      }
      assert.deepStrictEqual(yield* Effect.promise(() => typeFor("application/json;q=0, */*")), [200, "text/event-stream"])
      assert.deepStrictEqual(yield* Effect.promise(() => typeFor("*/*;q=0, application/json")), [200, "application/json"])
      // A quoted parameter value may hold `,` and `;`: no range starts inside it.
      assert.deepStrictEqual(
        yield* Effect.promise(() => typeFor('text/event-stream;x="a,application/json;y=1"')),
        [200, "text/event-stream"]
      )
      assert.strictEqual(yield* Effect.promise(() => status({ "content-type": 'application/json;x="a;b,c"' })), 200)
      // q=0 on one form leaves the other
      const sseOnly = yield* Effect.promise(() => post(url, ping, { accept: "application/json; q=0, text/event-stream" }))
      assert.strictEqual(sseOnly.status, 200)
      assert.include(sseOnly.headers.get("content-type")!, "text/event-stream")
      yield* Effect.promise(() => sseOnly.body!.cancel())
    }))

  it.live("405 names what is allowed: POST only on a stateless server; GET, POST, DELETE on a stateful one", () =>
    Effect.gen(function*() {
      for (const [stateless, allowed] of [[true, "POST"], [false, "GET, POST, DELETE"]] as const) {
        const { port } = yield* serveEverything({ stateless })
        const methods = stateless ? ["GET", "DELETE", "PUT"] : ["PUT", "PATCH"]
        for (const method of methods) {
          const answer = yield* Effect.promise(() =>
            rawRequest(port, method, { accept: BOTH, "content-type": "application/json" })
          )
          assert.strictEqual(answer.status, 405, `${method}, stateless: ${stateless}`)
          assert.strictEqual(answer.headers["allow"], allowed, `${method}, stateless: ${stateless}`)
        }
      }
    }))

  it.live("a huge method or tool name is quoted short in the error message", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ stateless: true })
      const long = "m".repeat(100_000)
      for (const body of [
        { jsonrpc: "2.0", id: 1, method: long },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: long, arguments: {} } }
      ]) {
        const response = yield* Effect.promise(() => post(url, body))
        const answer: any = yield* Effect.promise(() => response.json())
        assert.isDefined(answer.error, JSON.stringify(answer).slice(0, 200))
        assert.isBelow(answer.error.message.length, 400)
        assert.include(answer.error.message, "more characters")
      }
    }))
})

describe("Streamable HTTP: 2026-07-28 POSTs without a request", () => {
  /** The 2026 headers without `Mcp-Method`. */
  const withoutMethod = (): Record<string, string> => {
    const { "mcp-method": _, ...headers } = modernHeaders("")
    return headers
  }

  it.live("a JSON-RPC response (a result or an error) is 400 -32600 saying that era has none, not a 202 that takes it; both modes", () =>
    Effect.gen(function*() {
      for (const stateless of [false, true]) {
        const { port } = yield* serveEverything({ stateless })
        for (const response of [{ jsonrpc: "2.0", id: 5, result: {} }, { jsonrpc: "2.0", id: "e", error: { code: -1, message: "no" } }]) {
          const answer = yield* Effect.promise(() => rawRequest(port, "POST", withoutMethod(), JSON.stringify(response)))
          const label = `${JSON.stringify(response)}, stateless: ${stateless}`
          // Fails before: 202 with no body.
          assert.strictEqual(answer.status, 400, `${label}: ${answer.body}`)
          const message = JSON.parse(answer.body)
          assert.strictEqual(message.error.code, -32600, label)
          assert.include(message.error.message, "no JSON-RPC responses", label)
          assert.notProperty(message, "id", label)
        }
        const alive = yield* Effect.promise(() =>
          rawPost(port, modernHeaders("tools/list"), { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: meta() } })
        )
        assert.strictEqual(alive.status, 200)
      }
    }))

  it.live("a notification is 202 when its headers agree with it (or are not sent); an Mcp-Method or MCP-Protocol-Version that disagrees is 400 -32020", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const cancelled = (params: Record<string, unknown>) => ({ jsonrpc: "2.0", method: "notifications/cancelled", params })
      const accepted = [
        [modernHeaders("notifications/cancelled"), cancelled({ requestId: 1, _meta: meta() })],
        // Mcp-Method is not required of notifications by the SDK v2 client, which sends none.
        [withoutMethod(), cancelled({ requestId: 1, _meta: meta() })],
        // No _meta version to compare with.
        [modernHeaders("notifications/cancelled"), cancelled({ requestId: 1 })]
      ] as const
      for (const [headers, body] of accepted) {
        const answer = yield* Effect.promise(() => rawRequest(port, "POST", headers, JSON.stringify(body)))
        assert.strictEqual(answer.status, 202, `${JSON.stringify(headers)}: ${answer.body}`)
        assert.strictEqual(answer.body, "")
      }
      const refused = [
        [modernHeaders("tools/list"), cancelled({ requestId: 1, _meta: meta() }), `Mcp-Method "tools/list" is not the method "notifications/cancelled"`],
        [
          modernHeaders("notifications/cancelled"),
          cancelled({ requestId: 1, _meta: meta({ "io.modelcontextprotocol/protocolVersion": "2099-01-01" }) }),
          `MCP-Protocol-Version "${VERSION}" is not the _meta version "2099-01-01"`
        ]
      ] as const
      for (const [headers, body, problem] of refused) {
        const answer = yield* Effect.promise(() => rawRequest(port, "POST", headers, JSON.stringify(body)))
        // Fails before: 202, the disagreement taken.
        assert.strictEqual(answer.status, 400, answer.body)
        const message = JSON.parse(answer.body)
        assert.strictEqual(message.error.code, -32020, answer.body)
        assert.include(message.error.message, problem)
        assert.notProperty(message, "id")
      }
      // A header sent twice: Node would join the two values.
      const twice = { ...modernHeaders("notifications/cancelled"), "mcp-method": ["notifications/cancelled", "tools/list"] }
      const answer = yield* Effect.promise(() =>
        rawRequest(port, "POST", twice as unknown as Record<string, string>, JSON.stringify(cancelled({ requestId: 1, _meta: meta() })))
      )
      assert.strictEqual(answer.status, 400, answer.body)
      assert.strictEqual(JSON.parse(answer.body).error.code, -32020)
      assert.include(JSON.parse(answer.body).error.message, "mcp-method is sent more than once")
    }))
})

describe("Streamable HTTP: a 2026-07-28 notification without MCP-Protocol-Version", () => {
  it.live("is 400 -32020 naming the missing header, as a request in that situation is; both modes", () =>
    Effect.gen(function*() {
      const { "mcp-protocol-version": _, ...withoutVersion } = modernHeaders("notifications/cancelled")
      const { "mcp-method": __, ...withoutEither } = withoutVersion
      const missing = `Header mismatch: the MCP-Protocol-Version header is missing (the _meta version is "${VERSION}")`
      for (const stateless of [false, true]) {
        const { port } = yield* serveEverything({ stateless })
        // A request whose _meta names 2026-07-28 without the header: what the notification is answered like.
        const request = yield* Effect.promise(() =>
          rawRequest(port, "POST", { ...withoutVersion, "mcp-method": "tools/list" }, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta() } }))
        )
        assert.strictEqual(request.status, 400, request.body)
        assert.deepStrictEqual(JSON.parse(request.body).error, { code: -32020, message: missing })
        for (const headers of [withoutVersion, withoutEither]) {
          const label = `stateless: ${stateless}, ${JSON.stringify(headers)}`
          const body = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: meta() } }
          const answer = yield* Effect.promise(() => rawRequest(port, "POST", headers, JSON.stringify(body)))
          // Fails before: taken for a 2025-03-26 notification (no header): 400 -32600 "Mcp-Session-Id
          // header is required" on a stateful endpoint, 202 on a stateless one.
          assert.strictEqual(answer.status, 400, `${label}: ${answer.body}`)
          const message = JSON.parse(answer.body)
          assert.deepStrictEqual(message.error, { code: -32020, message: missing }, label)
          assert.notProperty(message, "id", label)
        }
        // With the header, as ever: taken (202).
        const taken = yield* Effect.promise(() =>
          rawRequest(port, "POST", modernHeaders("notifications/cancelled"), JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: meta() } }))
        )
        assert.strictEqual(taken.status, 202, taken.body)
      }
    }))

  it.live("a 2025-03-26 notification (no header, no _meta version) is still a session's", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveEverything()
      const sessionId = yield* Effect.promise(() => openSession(url))
      const headers = { "content-type": "application/json", accept: BOTH, "mcp-session-id": sessionId }
      const answer = yield* Effect.promise(() =>
        rawRequest(port, "POST", headers, JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }))
      )
      assert.strictEqual(answer.status, 202, answer.body)
    }))
})

describe("Streamable HTTP: 2026-07-28 header mismatches quote client text clipped", () => {
  it.live("a huge _meta version, method, name or Mcp-Name is quoted short in the -32020 message", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything()
      const long = "x".repeat(100_000)
      const header = "\u00e9".repeat(6_000) // raw, outside printable ASCII: an invalid Mcp-Name, quoted
      const cases: ReadonlyArray<readonly [string, Record<string, string>, Record<string, unknown>]> = [
        ["tools/list", {}, { _meta: meta({ "io.modelcontextprotocol/protocolVersion": long }) }],
        [long, { "mcp-method": "tools/list" }, { _meta: meta() }],
        ["tools/call", { "mcp-name": "a" }, { name: long, _meta: meta() }],
        ["tools/call", { "mcp-name": header }, { name: "a", _meta: meta() }]
      ]
      for (const [method, headers, params] of cases) {
        const answer = yield* Effect.promise(() => rawPost(port, modernHeaders(method, headers), { jsonrpc: "2.0", id: 1, method, params }))
        assert.strictEqual(answer.status, 400, answer.body.slice(0, 300))
        assert.strictEqual(answer.message.error.code, -32020, answer.body.slice(0, 300))
        // Fails before: 100,000 characters and more
        assert.isBelow(answer.message.error.message.length, 600, answer.body.slice(0, 300))
        assert.include(answer.message.error.message, "more characters")
      }
    }))
})

describe("Streamable HTTP: bytes that are not UTF-8", () => {
  it.live("a body that is not valid UTF-8 is -32700, not a message with U+FFFD in place of its bytes", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything({ stateless: true })
      const body = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","method":"ping"}')])
      const answer = yield* Effect.promise(() =>
        new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
          const request = httpRequest(
            { host: "127.0.0.1", port, method: "POST", path: "/mcp", headers: { "content-type": "application/json", accept: BOTH } },
            (response) => {
              const chunks: Array<Buffer> = []
              response.on("data", (chunk: Buffer) => chunks.push(chunk))
              response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
            }
          )
          request.on("error", reject)
          request.end(body)
        })
      )
      assert.strictEqual(answer.status, 400)
      assert.strictEqual(JSON.parse(answer.body).error.code, -32700)
      assert.include(JSON.parse(answer.body).error.message, "UTF-8")
    }))
})

describe("Streamable HTTP: a body cut short closes its connection", () => {
  it.live("413 says Connection: close, on a chunked body and on a declared length (the rest of the body is never read)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything({ maxBodyBytes: 1000, stateless: true })
      const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(5_000) } })
      const chunked = yield* Effect.promise(() =>
        nodeFetch(url, "POST", { "content-type": "application/json", accept: BOTH, "transfer-encoding": "chunked" }, big)
      )
      assert.strictEqual(chunked.response.status, 413)
      assert.strictEqual(chunked.response.headers.get("connection"), "close")
      yield* Effect.promise(() => chunked.response.text())
      // A declared length past the limit: answered without reading the body, and closed too.
      const declared = yield* Effect.promise(() =>
        nodeFetch(url, "POST", { "content-type": "application/json", accept: BOTH }, big)
      )
      assert.strictEqual(declared.response.status, 413)
      assert.strictEqual(declared.response.headers.get("connection"), "close")
      yield* Effect.promise(() => declared.response.text())
    }))

  // What `Connection: close` is for on Node's HTTP/1.1 server: the platform closes the connection
  // as soon as the 413 is written. Without it, the platform reads what is left of the body (up to
  // 256 KiB) to keep the connection: here the whole upload. HTTP/2 and the web handler carry no
  // such header (WebHandler.test.ts); this keeps it where it stops an upload.
  it.live("a 413 stops the upload: the server closes the connection while the client still sends (declared length, chunked)", () =>
    Effect.gen(function*() {
      const { port } = yield* serveEverything({ maxBodyBytes: 1000, stateless: true })
      for (const framing of ["declared", "chunked"] as const) {
        const upload = yield* Effect.promise(() => refusedUpload(port, framing))
        assert.match(upload.answer, /^HTTP\/1\.1 413 /, upload.answer.slice(0, 200))
        assert.match(upload.answer, /\r\nconnection: close\r\n/i, upload.answer.slice(0, 400))
        assert.isTrue(upload.closed, `${framing}: the connection stayed open, ${upload.sent} bytes sent`)
        assert.isBelow(upload.sent, uploadBytes, `${framing}: the whole body was read`)
      }
    }))

  // Fails before the fix: the HTTP server's empty 500, no JSON-RPC body.
  it.live("a defect on a request's way (a session store of one's own that throws) is a JSON-RPC -32603 500, logged; other requests are served", () =>
    Effect.gen(function*() {
      const memory = SessionStore.makeMemory()
      let broken = false
      const store = SessionStore.SessionStore.of({
        ...memory,
        touch: (id, now) => broken ? Effect.die(new Error("the store broke")) : memory.touch(id, now)
      })
      const { port, url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(everythingOptions, everythingComponents, StreamableHttp.make({ host: "127.0.0.1", port })).pipe(
          Effect.provideService(SessionStore.SessionStore, store)
        )
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      broken = true
      const failed = yield* Effect.promise(() =>
        rawRequest(port, "POST", { accept: BOTH, "content-type": "application/json", ...on(sessionId) }, JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" }))
      )
      assert.strictEqual(failed.status, 500)
      assert.deepStrictEqual(JSON.parse(failed.body).error, { code: -32603, message: "Internal error" })
      broken = false
      const served = yield* Effect.promise(() => post(url, { jsonrpc: "2.0", id: 8, method: "ping" }, on(sessionId)))
      assert.strictEqual(served.status, 200)
      assert.deepStrictEqual(((yield* Effect.promise(() => served.json())) as any).result, {})
    }))

  // Fails before the fix: the reaper's runs died one after another, and nothing said so.
  it.live("a session store of one's own whose idle look dies: the reaper says so, once while it keeps failing, and goes on looking", () =>
    Effect.gen(function*() {
      const memory = SessionStore.makeMemory()
      const looks = { failed: 0, served: 0 }
      let broken = true
      const store = SessionStore.SessionStore.of({
        ...memory,
        idle: (now, idleMillis) => {
          if (!broken) {
            return Effect.tap(memory.idle(now, idleMillis), () =>
              Effect.sync(() => {
                looks.served++
              }))
          }
          looks.failed++
          return Effect.die(new Error("the store broke"))
        }
      })
      const logged: Array<string> = []
      const capture = Logger.make((entry) => void logged.push(`${String(entry.message)} ${Cause.pretty(entry.cause)}`))
      const failures = () => logged.filter((line) => line.includes("the Streamable HTTP endpoint's reaper") && line.includes("the store broke"))
      // Looks every 100 ms (half the idle timeout, at least 100 ms).
      yield* serveOnAnyPort((port) =>
        McpServer.serve(everythingOptions, everythingComponents, StreamableHttp.make({ host: "127.0.0.1", port, sessionIdleTimeoutMillis: 200 })).pipe(
          Effect.provideService(SessionStore.SessionStore, store)
        ),
        { loggers: [capture] }
      )
      for (let i = 0; i < 300 && looks.failed < 3; i++) yield* Effect.sleep(10)
      assert.isAtLeast(looks.failed, 3)
      assert.strictEqual(failures().length, 1, logged.join("\n"))
      // Mended, it looks again; broken again, it says so again.
      broken = false
      for (let i = 0; i < 300 && looks.served < 1; i++) yield* Effect.sleep(10)
      assert.isAtLeast(looks.served, 1)
      broken = true
      for (let i = 0; i < 300 && failures().length < 2; i++) yield* Effect.sleep(10)
      assert.strictEqual(failures().length, 2, logged.join("\n"))
    }))
})

/** The body `refusedUpload` sends: 192 KiB, within what the platform would drain to keep a connection. */
const uploadBytes = 192 * 1024

/**
 * A POST of {@link uploadBytes} (a declared `Content-Length`, or chunked) sent 16 KiB every 20 ms
 * on a raw socket, as long as the server keeps the connection (at most 3 s): what it answered,
 * whether it closed the connection, and how much was sent by then.
 */
const refusedUpload = (port: number, framing: "declared" | "chunked") =>
  new Promise<{ readonly answer: string; readonly closed: boolean; readonly sent: number }>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    let answer = ""
    let sent = 0
    let closed = false
    const chunk = Buffer.alloc(16 * 1024, "x")
    const finish = () => {
      clearInterval(pump)
      clearTimeout(bound)
      socket.destroy()
      resolve({ answer, closed, sent })
    }
    socket.setEncoding("latin1")
    socket.on("data", (data: string) => void (answer += data))
    socket.on("end", () => {
      closed = true
      finish()
    })
    socket.on("error", () => {
      closed = true
      finish()
    })
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: ${BOTH}\r\n` +
        (framing === "declared" ? `Content-Length: ${uploadBytes}\r\n\r\n` : "Transfer-Encoding: chunked\r\n\r\n")
    )
    const pump = setInterval(() => {
      if (socket.destroyed || sent >= uploadBytes) return
      socket.write(framing === "declared" ? chunk : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]))
      sent += chunk.length
    }, 20)
    const bound = setTimeout(finish, 3_000)
  })
