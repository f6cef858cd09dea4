/**
 * Hostile and malformed input over the in-memory pair, with a raw JSON-RPC client: invalid
 * envelopes, unknown methods, bad params, lifecycle violations, version negotiation,
 * cancellation, the per-session concurrency limit, floods, and stateless mode. After each case
 * the session must still answer a `ping`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { LowLevelServer } from "../../src/lowlevel.ts"
import { makeFullServer, makeProbe, type Probe } from "../fixtures/FullServer.ts"
import { connectRaw, initializeRaw, initializeRequest, type RawClient } from "./harness.ts"

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** Polls `condition` (cheaply, without scanning on every message) until it holds. */
const until = async (condition: () => boolean, what: string, timeoutMillis = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMillis
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

/** Runs an async scenario against a fresh raw client of the fixture server. */
const scenario = (
  body: (raw: RawClient, probe: Probe) => Promise<void>,
  runOptions?: LowLevelServer.RunOptions
) =>
  Effect.gen(function*() {
    const probe = makeProbe()
    const raw = yield* connectRaw(makeFullServer(probe), runOptions)
    yield* Effect.tryPromise({ try: () => body(raw, probe), catch: (error) => error })
  })

let pingCounter = 0

/** Sends a `ping` and asserts it is answered with `{}`: the session still works. */
const assertAlive = async (raw: RawClient) => {
  const id = `alive-${++pingCounter}`
  await raw.send({ jsonrpc: "2.0", id, method: "ping" })
  const response = await raw.waitFor((m) => m.id === id)
  assert.deepStrictEqual(response, { jsonrpc: "2.0", id, result: {} })
}

/**
 * Sends `message` and returns everything received in answer to it: the messages that arrive
 * before the answer to a `ping` sent right after it. Invalid messages are answered inline, in
 * order, so anything the session says about `message` arrives before the ping's answer.
 */
const answersTo = async (raw: RawClient, message: unknown): Promise<Array<any>> => {
  const before = raw.received.length
  const id = `fence-${++pingCounter}`
  await raw.send(message)
  await raw.send({ jsonrpc: "2.0", id, method: "ping" })
  const fence = await raw.waitFor((m) => m.id === id)
  assert.deepStrictEqual(fence.result, {})
  const index = raw.received.indexOf(fence)
  return raw.received.slice(before, index)
}

/** Asserts `message` is answered with exactly one error of `code`, with `id` (or none). */
const assertError = async (
  raw: RawClient,
  message: unknown,
  code: number,
  id: string | number | undefined,
  messageIncludes?: string
) => {
  const answers = await answersTo(raw, message)
  assert.strictEqual(answers.length, 1, `expected exactly one answer, got ${JSON.stringify(answers)}`)
  const answer = answers[0]
  assert.strictEqual(answer.jsonrpc, "2.0")
  assert.strictEqual(answer.error?.code, code, JSON.stringify(answer))
  assert.isString(answer.error.message)
  assert.notProperty(answer, "result")
  // An id that could not be read: no id (MCP's schema; its clients reject JSON-RPC's `null`).
  if (id === undefined) assert.notProperty(answer, "id")
  else assert.strictEqual(answer.id, id)
  if (messageIncludes !== undefined) assert.include(answer.error.message, messageIncludes)
  return answer
}

const callSlow = (id: string | number, ms: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "slow", arguments: { ms } }
})

const cancel = (requestId: unknown) => ({
  jsonrpc: "2.0",
  method: "notifications/cancelled",
  params: { requestId, reason: "test" }
})

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe("invalid JSON-RPC", () => {
  it.live("a value that is not an object is answered -32600 without id", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      for (const value of [42, "hello", null, true]) {
        await assertError(raw, value, -32600, undefined, "JSON object")
      }
      await assertAlive(raw)
    }))

  it.live("a batch (array) is answered -32600 without id", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      await assertError(raw, [{ jsonrpc: "2.0", id: 1, method: "ping" }], -32600, undefined, "batch")
      await assertError(raw, [], -32600, undefined, "batch")
      await assertAlive(raw)
    }))

  it.live("a missing or wrong jsonrpc version is answered -32600 with the readable id", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      await assertError(raw, { id: 3, method: "ping" }, -32600, 3, "jsonrpc")
      await assertError(raw, { jsonrpc: "1.0", id: "v1", method: "ping" }, -32600, "v1", "jsonrpc")
      await assertError(raw, { jsonrpc: 2, id: 4, method: "ping" }, -32600, 4, "jsonrpc")
      // no readable id: no id in the answer
      await assertError(raw, { jsonrpc: "1.0", method: "ping" }, -32600, undefined)
      await assertError(raw, { jsonrpc: "1.0", id: { x: 1 }, method: "ping" }, -32600, undefined)
      await assertAlive(raw)
    }))

  it.live("a method that is not a string is answered -32600", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      await assertError(raw, { jsonrpc: "2.0", id: 5, method: 5 }, -32600, 5, "method")
      await assertError(raw, { jsonrpc: "2.0", id: "m", method: null }, -32600, "m", "method")
      await assertError(raw, { jsonrpc: "2.0", id: 6, method: { name: "ping" } }, -32600, 6, "method")
      // neither method nor result/error
      await assertError(raw, { jsonrpc: "2.0", id: 7 }, -32600, 7)
      await assertAlive(raw)
    }))

  it.live("an id of a wrong type (object, float, boolean, null) is answered -32600 without id", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      for (const id of [{ a: 1 }, 1.5, true, false, null, [1]]) {
        await assertError(raw, { jsonrpc: "2.0", id, method: "ping" }, -32600, undefined, "id")
        await assertError(raw, { jsonrpc: "2.0", id, method: "tools/list" }, -32600, undefined, "id")
      }
      await assertAlive(raw)
    }))

  it.live("params that are not an object are answered -32602", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      await assertError(raw, { jsonrpc: "2.0", id: 8, method: "ping", params: [1, 2] }, -32602, 8, "params")
      await assertError(raw, { jsonrpc: "2.0", id: 9, method: "tools/list", params: "x" }, -32602, 9, "params")
      await assertError(raw, { jsonrpc: "2.0", id: 10, method: "tools/list", params: 3 }, -32602, 10, "params")
      await assertError(raw, { jsonrpc: "2.0", id: 11, method: "tools/list", params: null }, -32602, 11, "params")
      await assertAlive(raw)
    }))

  it.live("a notification whose params are not an object is not answered (JSON-RPC: never reply to a notification)", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      assert.deepStrictEqual(
        await answersTo(raw, { jsonrpc: "2.0", method: "notifications/roots/list_changed", params: [1] }),
        []
      )
      assert.deepStrictEqual(
        await answersTo(raw, { jsonrpc: "2.0", method: "notifications/whatever", params: "x" }),
        []
      )
      assert.deepStrictEqual(probe.notifications, [])
      await assertAlive(raw)
    }))

  it.live("a response-shaped message with an unknown id is ignored", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", id: 999, result: {} }), [])
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", id: "nope", result: { x: 1 } }), [])
      assert.deepStrictEqual(
        await answersTo(raw, { jsonrpc: "2.0", id: 1000, error: { code: -1, message: "client error" } }),
        []
      )
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "x" } }), [])
      // invalid, but shaped as a response: never answered (it would be answered with the peer's own id)
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "1.0", id: 77, result: {} }), [])
      assert.deepStrictEqual(await answersTo(raw, { id: 78, error: { code: 1, message: "x" } }), [])
      await assertAlive(raw)
    }))

  // Failed before: an error response without an id (MCP's form, which this server sends when it
  // cannot read a request's id) was answered -32600 "a message needs ... a result/error": a peer
  // that answers what it cannot read would answer back, for ever.
  it.live("an error response without an id (MCP's form) is never answered, nor is an id-less result", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", error: { code: -32700, message: "Parse error" } }), [])
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", error: { code: -32600, message: "x" }, result: {} }), [])
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", result: {} }), [])
      await assertAlive(raw)
    }))

  it.live("an integer id beyond 2^53 is refused (-32600, no id), never answered with a different id", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      // 2^53 + 1 parses as 2^53: answering it would name another request
      await assertError(raw, { jsonrpc: "2.0", id: 2 ** 53 + 1, method: "ping" }, -32600, undefined, "2^53")
      await assertError(raw, { jsonrpc: "2.0", id: 1e300, method: "ping" }, -32600, undefined)
      // the largest safe integer is a fine id
      const [answer] = await answersTo(raw, { jsonrpc: "2.0", id: Number.MAX_SAFE_INTEGER, method: "ping" })
      assert.deepStrictEqual(answer, { jsonrpc: "2.0", id: Number.MAX_SAFE_INTEGER, result: {} })
      await assertAlive(raw)
    }))
})

describe("unknown methods and wrong params", () => {
  it.live("an unknown method is answered -32601 naming the method", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      await assertError(raw, { jsonrpc: "2.0", id: 1, method: "foo/bar" }, -32601, 1, "foo/bar")
      await assertError(raw, { jsonrpc: "2.0", id: 2, method: "tools/explode", params: {} }, -32601, 2, "tools/explode")
      // an unknown notification is ignored
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", method: "notifications/whatever" }), [])
      await assertAlive(raw)
    }))

  it.live("params that fail the method's schema are answered -32602", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      const send = async (id: number, method: string, params: object) => {
        await raw.send({ jsonrpc: "2.0", id, method, params })
        return raw.waitFor((m) => m.id === id)
      }
      const cases: Array<[string, object]> = [
        ["tools/call", { name: 5 }],
        ["tools/call", {}],
        ["resources/read", {}],
        ["resources/read", { uri: 7 }],
        ["logging/setLevel", { level: "loud" }],
        ["logging/setLevel", {}],
        ["prompts/get", { name: ["greet"] }]
      ]
      for (let i = 0; i < cases.length; i++) {
        const [method, params] = cases[i]!
        const response = await send(100 + i, method, params)
        assert.strictEqual(response.error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(response)}`)
        assert.notProperty(response, "result")
      }
      // a valid setLevel still works afterwards
      assert.deepStrictEqual((await send(200, "logging/setLevel", { level: "error" })).result, {})
      await assertAlive(raw)
    }))
})

describe("lifecycle", () => {
  it.live("a request before initialize is answered -32600 mentioning initialize; ping is allowed", () =>
    scenario(async (raw) => {
      const error = await assertError(raw, { jsonrpc: "2.0", id: 1, method: "tools/list" }, -32600, 1, "initialize")
      assert.include(error.error.message, "tools/list")
      await raw.send({ jsonrpc: "2.0", id: 2, method: "ping" })
      assert.deepStrictEqual(await raw.waitFor((m) => m.id === 2), { jsonrpc: "2.0", id: 2, result: {} })
      // the session is still new: initialize works now
      const init = await initializeRaw(raw)
      assert.strictEqual(init.result.protocolVersion, "2025-11-25")
      await raw.send({ jsonrpc: "2.0", id: 3, method: "tools/list" })
      const list = await raw.waitFor((m) => m.id === 3)
      assert.deepStrictEqual(list.result.tools.map((t: any) => t.name), ["echo", "slow"])
    }))

  it.live("a _meta that is not an object (null, an array, a string) gets the spec's code; the session lives on", () =>
    scenario(async (raw) => {
      // Before initialize: a request is refused as such, whatever its _meta; initialize's params are invalid.
      await assertError(raw, { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: null } }, -32600, 1, "initialize")
      await assertError(raw, { ...initializeRequest(2), params: { ...initializeRequest(2).params, _meta: null } }, -32602, 2, "_meta")
      await initializeRaw(raw)
      for (const [id, meta] of [[3, null], [4, []], [5, "io.modelcontextprotocol/protocolVersion"]] as const) {
        await assertError(raw, { jsonrpc: "2.0", id, method: "tools/list", params: { _meta: meta } }, -32602, id, "_meta")
      }
      await assertAlive(raw)
    }))

  it.live("the first 2026-07-28 request resolved picks the era: later ones answer by their own _meta, initialize is refused", () =>
    scenario(async (raw) => {
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
      }
      const ask = async (id: number, method: string, params?: unknown) => {
        await raw.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })
        return raw.waitFor((m) => m.id === id)
      }
      // A refused first one (an unsupported version) leaves the connection new: a client may fall back.
      const unsupported = await ask(1, "server/discover", { _meta: { ...meta, "io.modelcontextprotocol/protocolVersion": "2099-01-01" } })
      assert.strictEqual(unsupported.error?.code, -32022)
      const discovered = await ask(2, "server/discover", { _meta: meta })
      assert.include(discovered.result.supportedVersions, "2026-07-28")
      // From now on: resolved by its own _meta, refused there when it has none (or not an object)
      for (const [id, method, params] of [[3, "tools/list", undefined], [4, "tools/list", { _meta: null }]] as const) {
        const refused = await ask(id, method, params)
        assert.strictEqual(refused.error?.code, -32602, JSON.stringify(refused))
        assert.include(refused.error.message, "protocolVersion")
      }
      // Refused ones lock nothing (initialize would still open a 2025 session: see Stdio.test.ts);
      // one resolved past the probe does.
      const tools = await ask(7, "tools/list", { _meta: meta })
      assert.deepStrictEqual(tools.result.tools.map((t: any) => t.name), ["echo", "slow"])
      // A 2025 initialize: the versions this connection serves are named (was -32602, naming none).
      const initialize = await ask(5, "initialize", initializeRequest(5).params)
      assert.strictEqual(initialize.error?.code, -32022, JSON.stringify(initialize))
      assert.deepStrictEqual(initialize.error.data, { supported: ["2026-07-28"], requested: "2025-11-25" })
      const removed = await ask(6, "initialize", { ...initializeRequest(6).params, _meta: meta })
      assert.strictEqual(removed.error?.code, -32601, JSON.stringify(removed))
    }))

  // Fails before: a 2025 version named in _meta was refused -32022 while `supported` listed it (and
  // every 2025 version): a client retrying with a listed version got the same error again, and the
  // message did not say why. Now the versions a request can name per request (retrying with each is
  // answered), a subset of server/discover's, and a 2025 version is said to be initialize's.
  for (const requested of ["2025-11-25", "2025-06-18", "2099-01-01"]) {
    it.live(`a request naming ${requested} in _meta: -32022 lists the versions a request can name, each of them answered`, () =>
      scenario(async (raw) => {
        const meta = { "io.modelcontextprotocol/protocolVersion": requested, "io.modelcontextprotocol/clientCapabilities": {} }
        await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta } })
        const unsupported = await raw.waitFor((m) => m.id === 1)
        assert.strictEqual(unsupported.error?.code, -32022, JSON.stringify(unsupported))
        assert.deepStrictEqual(unsupported.error.data, { supported: ["2026-07-28"], requested })
        if (requested.startsWith("2025")) {
          assert.strictEqual(
            unsupported.error.message,
            `Unsupported protocol version: ${requested} (${requested} is negotiated by initialize, not per request: ` +
              "name 2026-07-28 in _meta, or send initialize)"
          )
        }
        let id = 2
        for (const version of unsupported.error.data.supported) {
          const retried = { ...meta, "io.modelcontextprotocol/protocolVersion": version }
          await raw.send({ jsonrpc: "2.0", id, method: "tools/list", params: { _meta: retried } })
          const answer = await raw.waitFor((m) => m.id === id)
          assert.deepStrictEqual(answer.result?.tools?.map((t: any) => t.name), ["echo", "slow"], JSON.stringify(answer))
          id++
        }
        await raw.send({ jsonrpc: "2.0", id, method: "server/discover", params: { _meta: { ...meta, "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } })
        const discovered = await raw.waitFor((m) => m.id === id)
        for (const version of unsupported.error.data.supported) assert.include(discovered.result.supportedVersions, version)
      }))
  }

  it.live("a first request at an unsupported version leaves the connection new: a 2025 initialize is answered", () =>
    scenario(async (raw) => {
      const meta = { "io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {} }
      await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta } })
      const unsupported = await raw.waitFor((m) => m.id === 1)
      assert.strictEqual(unsupported.error?.code, -32022, JSON.stringify(unsupported))
      await initializeRaw(raw)
      await raw.send({ jsonrpc: "2.0", id: 2, method: "tools/list" })
      assert.deepStrictEqual((await raw.waitFor((m) => m.id === 2)).result.tools.map((t: any) => t.name), ["echo", "slow"])
    }))

  it.live("a second initialize is answered -32600, before and after notifications/initialized", () =>
    scenario(async (raw) => {
      await raw.send(initializeRequest("i1"))
      const first = await raw.waitFor((m) => m.id === "i1")
      assert.strictEqual(first.result.protocolVersion, "2025-11-25")
      // answered, but notifications/initialized not yet sent
      await assertError(raw, initializeRequest("i2"), -32600, "i2", "initialize")
      await raw.send({ jsonrpc: "2.0", method: "notifications/initialized" })
      await assertError(raw, initializeRequest("i3"), -32600, "i3", "initialize")
      await raw.send({ jsonrpc: "2.0", id: "t", method: "tools/list" })
      assert.isArray((await raw.waitFor((m) => m.id === "t")).result.tools)
      await assertAlive(raw)
    }))

  it.live("requests work after initialize and notifications/initialized", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } })
      const echo = await raw.waitFor((m) => m.id === 1)
      assert.deepStrictEqual(echo.result.content, [{ type: "text", text: "hi" }])
      await raw.send({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "test://a" } })
      assert.strictEqual((await raw.waitFor((m) => m.id === 2)).result.contents[0].text, "aaa")
    }))

  it.live("a notification before initialize is ignored; after it, it is handled", () =>
    scenario(async (raw, probe) => {
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", method: "notifications/roots/list_changed" }), [])
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", method: "notifications/initialized" }), [])
      assert.deepStrictEqual(probe.notifications, [])
      await initializeRaw(raw)
      await raw.send({ jsonrpc: "2.0", method: "notifications/roots/list_changed" })
      await until(() => probe.notifications.length === 1, "the notification handler")
      assert.deepStrictEqual(probe.notifications, ["roots/list_changed"])
      await assertAlive(raw)
    }))

  it.live("a duplicate in-flight request id is rejected while the first completes", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      await raw.send(callSlow("dup", 150))
      await raw.send(callSlow("dup", 150))
      const rejected = await raw.waitFor((m) => m.id === "dup" && m.error !== undefined)
      assert.strictEqual(rejected.error.code, -32600)
      assert.include(rejected.error.message, "already in progress")
      const completed = await raw.waitFor((m) => m.id === "dup" && m.result !== undefined)
      assert.deepStrictEqual(completed.result.content, [{ type: "text", text: "slept" }])
      await sleep(50)
      assert.strictEqual(raw.received.filter((m) => m.id === "dup").length, 2)
      assert.deepStrictEqual(probe.started, ["slow:dup"])
      assert.deepStrictEqual(probe.completed, ["slow:dup"])
      // the id is free again once answered
      await raw.send(callSlow("dup", 1))
      await until(() => raw.received.filter((m) => m.id === "dup").length === 3, "the reused id's answer")
      assert.isDefined(raw.received.filter((m) => m.id === "dup")[2].result)
      await assertAlive(raw)
    }))
})

describe("request ids", () => {
  it.live("falsy, negative and large ids are answered with the same id; 1 and \"1\" are distinct", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      for (const id of [0, "", -7, Number.MAX_SAFE_INTEGER, "1", 1]) {
        const answers = await answersTo(raw, { jsonrpc: "2.0", id, method: "ping" })
        assert.deepStrictEqual(answers, [{ jsonrpc: "2.0", id, result: {} }])
      }
      // 1 and "1" in flight at once are not duplicates
      await raw.send(callSlow(1, 50))
      await raw.send(callSlow("1", 50))
      await until(() => raw.received.filter((m) => m.id === 1 || m.id === "1").length === 4, "both answers")
      assert.isUndefined(raw.received.find((m) => m.error !== undefined))
      // a request with id 0 can be cancelled
      await raw.send(callSlow(0, 10_000))
      await until(() => probe.started.includes("slow:0"), "slow:0 to start")
      await raw.send(cancel(0))
      await until(() => probe.interrupted.includes("slow:0"), "slow:0 to be interrupted")
      await assertAlive(raw)
      assert.strictEqual(raw.received.filter((m) => m.id === 0).length, 1) // only the ping's
    }))

  it.live("a duplicate of a request still waiting in the FIFO is rejected", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      await raw.send(callSlow("running", 100))
      await raw.send(callSlow("waiting", 1))
      await raw.send(callSlow("waiting", 1))
      const rejected = await raw.waitFor((m) => m.id === "waiting" && m.error !== undefined)
      assert.strictEqual(rejected.error.code, -32600)
      await raw.waitFor((m) => m.id === "waiting" && m.result !== undefined)
      await raw.waitFor((m) => m.id === "running")
      await sleep(20)
      assert.strictEqual(raw.received.filter((m) => m.id === "waiting").length, 2)
      assert.deepStrictEqual(probe.started, ["slow:running", "slow:waiting"])
    }, { maxConcurrentRequests: 1 }))

  it.live("an initialize with invalid params is answered -32602 and may be retried", () =>
    scenario(async (raw) => {
      await raw.send({ jsonrpc: "2.0", id: "bad", method: "initialize", params: { protocolVersion: 5 } })
      const bad = await raw.waitFor((m) => m.id === "bad")
      assert.strictEqual(bad.error?.code, -32602, JSON.stringify(bad))
      await assertError(raw, { jsonrpc: "2.0", id: "early", method: "tools/list" }, -32600, "early", "initialize")
      const init = await initializeRaw(raw)
      assert.strictEqual(init.result.protocolVersion, "2025-11-25")
      await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/list" })
      assert.isArray((await raw.waitFor((m) => m.id === 1)).result.tools)
    }))
})

describe("negotiation", () => {
  it.live("a 2025-06-18 client gets its version, no tasks capability and no serverInfo.description", () =>
    scenario(async (raw) => {
      const init = await initializeRaw(raw, "2025-06-18")
      assert.strictEqual(init.result.protocolVersion, "2025-06-18")
      assert.notProperty(init.result.capabilities, "tasks")
      assert.deepStrictEqual(init.result.capabilities.tools, { listChanged: true })
      assert.deepStrictEqual(init.result.capabilities.resources, { subscribe: true, listChanged: true })
      assert.notProperty(init.result.serverInfo, "description")
      assert.strictEqual(init.result.serverInfo.name, "full-server")
      assert.strictEqual(init.result.serverInfo.version, "1.2.3")
      await assertAlive(raw)
    }))

  it.live("a 2025-11-25 client gets tasks and serverInfo.description (the control case)", () =>
    scenario(async (raw) => {
      const init = await initializeRaw(raw, "2025-11-25")
      assert.strictEqual(init.result.protocolVersion, "2025-11-25")
      assert.property(init.result.capabilities, "tasks")
      assert.strictEqual(init.result.serverInfo.description, "every method")
    }))

  it.live("an unknown version is answered with 2025-11-25", () =>
    scenario(async (raw) => {
      const init = await initializeRaw(raw, "1999-01-01")
      assert.strictEqual(init.result.protocolVersion, "2025-11-25")
      await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/list" })
      assert.isArray((await raw.waitFor((m) => m.id === 1)).result.tools)
    }))
})

describe("cancellation", () => {
  it.live("cancelling a running request interrupts it and suppresses its response", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      await raw.send(callSlow("c1", 10_000))
      await until(() => probe.started.includes("slow:c1"), "slow:c1 to start")
      await raw.send(cancel("c1"))
      await until(() => probe.interrupted.includes("slow:c1"), "slow:c1 to be interrupted")
      await sleep(200)
      assert.deepStrictEqual(raw.received.filter((m) => m.id === "c1"), [])
      assert.deepStrictEqual(probe.completed, [])
      // the id may be reused after cancellation
      await raw.send(callSlow("c1", 1))
      const again = await raw.waitFor((m) => m.id === "c1")
      assert.deepStrictEqual(again.result.content, [{ type: "text", text: "slept" }])
      await assertAlive(raw)
    }))

  it.live("cancelling a request waiting in the FIFO: it never starts and never answers", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      await raw.send(callSlow("first", 300))
      await raw.send(callSlow("second", 300))
      await until(() => probe.started.includes("slow:first"), "slow:first to start")
      assert.deepStrictEqual(probe.started, ["slow:first"])
      await raw.send(cancel("second"))
      const first = await raw.waitFor((m) => m.id === "first")
      assert.deepStrictEqual(first.result.content, [{ type: "text", text: "slept" }])
      await sleep(400)
      assert.deepStrictEqual(probe.started, ["slow:first"])
      assert.deepStrictEqual(probe.interrupted, [])
      assert.deepStrictEqual(raw.received.filter((m) => m.id === "second"), [])
      // the slot is free: a new request runs at once
      await raw.send(callSlow("third", 1))
      assert.isDefined((await raw.waitFor((m) => m.id === "third")).result)
      await assertAlive(raw)
    }, { maxConcurrentRequests: 1 }))

  it.live("cancelling an unknown id does nothing", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      await raw.send(callSlow("keep", 100))
      await until(() => probe.started.includes("slow:keep"), "slow:keep to start")
      assert.deepStrictEqual(await answersTo(raw, cancel("nope")), [])
      assert.deepStrictEqual(await answersTo(raw, cancel(12345)), [])
      assert.deepStrictEqual(await answersTo(raw, cancel({ id: "keep" })), [])
      assert.deepStrictEqual(await answersTo(raw, { jsonrpc: "2.0", method: "notifications/cancelled" }), [])
      const keep = await raw.waitFor((m) => m.id === "keep")
      assert.deepStrictEqual(keep.result.content, [{ type: "text", text: "slept" }])
      assert.deepStrictEqual(probe.interrupted, [])
      assert.deepStrictEqual(probe.completed, ["slow:keep"])
    }))
})

describe("concurrency limit", () => {
  it.live("maxConcurrentRequests 2: at most 2 run at once, all 5 complete, ping bypasses the limit", () => {
    const probe = makeProbe()
    let maxRunning = 0
    const started = probe.started
    started.push = (...items: Array<string>) => {
      const n = Array.prototype.push.apply(started, items)
      maxRunning = Math.max(maxRunning, started.length - probe.completed.length)
      return n
    }
    return Effect.gen(function*() {
      const raw = yield* connectRaw(makeFullServer(probe), { maxConcurrentRequests: 2 })
      yield* Effect.tryPromise({
        try: async () => {
          await initializeRaw(raw)
          for (let i = 1; i <= 5; i++) await raw.send(callSlow(`s${i}`, 100))
          await raw.send({ jsonrpc: "2.0", id: "p", method: "ping" })
          const pong = await raw.waitFor((m) => m.id === "p")
          assert.deepStrictEqual(pong.result, {})
          assert.deepStrictEqual(probe.completed, [], "ping answered only after a slow call completed")
          assert.strictEqual(probe.started.length, 2)
          for (let i = 1; i <= 5; i++) {
            const answer = await raw.waitFor((m) => m.id === `s${i}`)
            assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "slept" }])
          }
          const pongIndex = raw.received.findIndex((m) => m.id === "p")
          const firstSlowIndex = raw.received.findIndex((m) => typeof m.id === "string" && m.id.startsWith("s"))
          assert.isBelow(pongIndex, firstSlowIndex)
          assert.strictEqual(maxRunning, 2)
          assert.deepStrictEqual([...probe.started].sort(), ["slow:s1", "slow:s2", "slow:s3", "slow:s4", "slow:s5"])
          assert.strictEqual(probe.completed.length, 5)
          // FIFO order of starts
          assert.deepStrictEqual(probe.started, ["slow:s1", "slow:s2", "slow:s3", "slow:s4", "slow:s5"])
        },
        catch: (error) => error
      })
    })
  })
})

describe("floods", () => {
  it.live("100,000 pings: every one answered with its id, bounded heap", () =>
    scenario(async (raw) => {
      await initializeRaw(raw)
      const base = raw.received.length
      const N = 100_000
      const heapBefore = process.memoryUsage().heapUsed
      let peakHeap = heapBefore
      for (let id = 1; id <= N; id++) {
        await raw.send({ jsonrpc: "2.0", id, method: "ping" })
        if ((id & 0x3fff) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
      }
      await until(() => raw.received.length >= base + N, "100,000 ping answers", 30_000)
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
      const growthMb = (peakHeap - heapBefore) / 1024 / 1024
      const seen = new Uint8Array(N + 1)
      let errors = 0
      for (let i = base; i < raw.received.length; i++) {
        const m = raw.received[i]
        if (m.error !== undefined || typeof m.id !== "number" || m.id < 1 || m.id > N) {
          errors++
          continue
        }
        assert.strictEqual(Object.keys(m.result).length, 0)
        seen[m.id]!++
      }
      assert.strictEqual(errors, 0)
      assert.strictEqual(raw.received.length, base + N)
      for (let id = 1; id <= N; id++) if (seen[id] !== 1) assert.fail(`ping ${id} answered ${seen[id]} times`)
      // in-order answers: pings complete synchronously, in arrival order
      assert.strictEqual(raw.received[base].id, 1)
      assert.strictEqual(raw.received[base + N - 1].id, N)
      assert.isBelow(growthMb, 200, `heap grew by ${growthMb.toFixed(1)} MB`)
      raw.received.length = base // release memory
      await assertAlive(raw)
    }), 40_000)

  it.live("10,000 slow {ms: 1} calls with default limits all complete", () =>
    scenario(async (raw, probe) => {
      await initializeRaw(raw)
      const base = raw.received.length
      const N = 10_000
      for (let id = 1; id <= N; id++) await raw.send(callSlow(id, 1))
      await until(() => raw.received.length >= base + N, "10,000 slow answers", 30_000)
      const seen = new Uint8Array(N + 1)
      for (let i = base; i < raw.received.length; i++) {
        const m = raw.received[i]
        assert.isUndefined(m.error, JSON.stringify(m))
        assert.strictEqual(m.result.content[0].text, "slept")
        seen[m.id]!++
      }
      for (let id = 1; id <= N; id++) if (seen[id] !== 1) assert.fail(`slow ${id} answered ${seen[id]} times`)
      assert.strictEqual(probe.started.length, N)
      assert.strictEqual(probe.completed.length, N)
      assert.strictEqual(probe.interrupted.length, 0)
      await assertAlive(raw)
    }), 40_000)
})

describe("stateless mode", () => {
  it.live("tools/list works without initialize", () =>
    scenario(async (raw) => {
      await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/list" })
      const list = await raw.waitFor((m) => m.id === 1)
      assert.deepStrictEqual(list.result.tools.map((t: any) => t.name), ["echo", "slow"])
      await raw.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } })
      assert.deepStrictEqual((await raw.waitFor((m) => m.id === 2)).result.content, [{ type: "text", text: "x" }])
      await assertAlive(raw)
    }, { stateless: true }))
})
