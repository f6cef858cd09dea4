import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { jitDecoder } from "../../src/protocol/internal/jitDecoder.ts"
import * as Schemas from "../../src/protocol/internal/mcpSchemas.ts"
import * as Negotiation from "../../src/protocol/Negotiation.ts"
import * as ProtocolVersion from "../../src/protocol/ProtocolVersion.ts"

const serverInfo = { name: "s", version: "1", title: "S", description: "d", icons: [{ src: "https://x/i.png" }] }

const allMethods = [
  "tools/list", "tools/call", "resources/list", "resources/templates/list", "resources/read",
  "resources/subscribe", "resources/unsubscribe", "prompts/list", "prompts/get", "completion/complete",
  "logging/setLevel", "tasks/get", "tasks/result", "tasks/list", "tasks/cancel"
]

const fullCapabilities = Negotiation.deriveCapabilities({
  methods: allMethods,
  listChanged: { tools: true, resources: true, prompts: true },
  taskRequests: ["tools/call"]
})

const params = (protocolVersion: string) => ({
  protocolVersion,
  capabilities: { sampling: {} },
  clientInfo: { name: "c", version: "2" }
})

describe("deriveCapabilities", () => {
  it("advertises exactly what is registered", () => {
    assert.deepStrictEqual(fullCapabilities, {
      logging: {},
      completions: {},
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      tools: { listChanged: true },
      tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
    })
    assert.deepStrictEqual(Negotiation.deriveCapabilities({ methods: ["tools/call", "resources/read"] }), {
      resources: {},
      tools: {}
    })
    assert.deepStrictEqual(Negotiation.deriveCapabilities({ methods: [] }), {})
  })

  it("puts tasks first-class, never under experimental, and only lists task requests that have a handler", () => {
    const caps = Negotiation.deriveCapabilities({ methods: ["tasks/get", "tasks/result"], taskRequests: ["tools/call"] })
    assert.deepStrictEqual(caps, { tasks: {} })
    assert.isUndefined(caps.experimental)
  })

  it("property: a capability is present iff a method of its group is registered", () => {
    fc.assert(fc.property(fc.subarray(allMethods), (methods) => {
      const caps = Negotiation.deriveCapabilities({ methods })
      const has = (prefix: string) => methods.some((m) => m.startsWith(prefix))
      assert.strictEqual(caps.tools !== undefined, has("tools/"))
      assert.strictEqual(caps.resources !== undefined, has("resources/"))
      assert.strictEqual(caps.prompts !== undefined, has("prompts/"))
      assert.strictEqual(caps.tasks !== undefined, has("tasks/"))
      assert.strictEqual(caps.completions !== undefined, methods.includes("completion/complete"))
      assert.strictEqual(caps.logging !== undefined, methods.includes("logging/setLevel"))
      assert.strictEqual(caps.resources?.subscribe === true, methods.includes("resources/subscribe"))
    }))
  })
})

describe("negotiate", () => {
  const server: Negotiation.ServerDescription = { serverInfo, capabilities: fullCapabilities, instructions: "hi" }

  it("echoes a supported version and keeps the session state", () => {
    const result = Negotiation.negotiate(server, params("2025-11-25"))
    assert.strictEqual(result._tag, "Success")
    if (result._tag !== "Success") return
    assert.strictEqual(result.success.protocolVersion, "2025-11-25")
    assert.deepStrictEqual(result.success.clientCapabilities, { sampling: {} })
    assert.deepStrictEqual(result.success.clientInfo, { name: "c", version: "2" })
    assert.deepStrictEqual(result.success.result, {
      protocolVersion: "2025-11-25",
      capabilities: fullCapabilities,
      serverInfo,
      instructions: "hi"
    })
  })

  it("projects capabilities and serverInfo to older versions", () => {
    const result = Negotiation.negotiate(server, params("2025-06-18"))
    assert.strictEqual(result._tag, "Success")
    if (result._tag !== "Success") return
    assert.isUndefined(result.success.result.capabilities.tasks)
    assert.deepStrictEqual(result.success.result.serverInfo, { name: "s", version: "1", title: "S" })
    const old = Negotiation.negotiate(server, params("2024-11-05"))
    assert.strictEqual(old._tag, "Success")
    if (old._tag !== "Success") return
    assert.isUndefined(old.success.result.capabilities.completions)
    assert.deepStrictEqual(old.success.result.serverInfo, { name: "s", version: "1" })
  })

  it("answers an unsupported version with the newest, or rejects it with -32602 data when configured", () => {
    const result = Negotiation.negotiate(server, params("1999-01-01"))
    assert.strictEqual(result._tag === "Success" && result.success.protocolVersion, ProtocolVersion.latest)
    const strict = Negotiation.negotiate({ ...server, unsupportedVersion: "reject" }, params("1999-01-01"))
    assert.strictEqual(strict._tag, "Failure")
    if (strict._tag !== "Failure") return
    assert.deepStrictEqual(strict.failure.data, { supported: [...ProtocolVersion.supported], requested: "1999-01-01" })
  })

  it("property: the version is the requested one iff supported, else the newest the server allows", () => {
    const versions = fc.oneof(fc.constantFrom(...ProtocolVersion.supported), fc.string())
    const allowed = fc.subarray([...ProtocolVersion.supported], { minLength: 1 })
    fc.assert(fc.property(versions, allowed, (requested, supportedVersions) => {
      const result = Negotiation.negotiate({ ...server, supportedVersions }, params(requested))
      assert.strictEqual(result._tag, "Success")
      if (result._tag !== "Success") return
      const expected = (supportedVersions as ReadonlyArray<string>).includes(requested) ? requested : supportedVersions[0]
      assert.strictEqual(result.success.protocolVersion, expected)
      assert.strictEqual(result.success.result.protocolVersion, expected)
    }))
  })

  it("property: a negotiated result never carries a capability its version lacks", () => {
    fc.assert(fc.property(fc.constantFrom(...ProtocolVersion.supported), fc.subarray(allMethods), (version, methods) => {
      const capabilities = Negotiation.deriveCapabilities({ methods, taskRequests: ["tools/call"] })
      const result = Negotiation.negotiate({ serverInfo, capabilities }, params(version))
      assert.strictEqual(result._tag, "Success")
      if (result._tag !== "Success") return
      const caps = result.success.result.capabilities
      if (version < "2025-11-25") assert.isUndefined(caps.tasks)
      if (version < "2025-03-26") assert.isUndefined(caps.completions)
      if (version < "2025-06-18") assert.isUndefined((result.success.result.serverInfo as { title?: string }).title)
      if (version < "2025-11-25") assert.isUndefined((result.success.result.serverInfo as { icons?: unknown }).icons)
    }))
  })
})

describe("resolve (the truth of one request)", () => {
  const toolsList = { jsonrpc: "2.0" as const, id: 1, method: "tools/list" }
  const negotiated: Negotiation.ResolvedRequest = {
    protocolVersion: "2025-06-18",
    clientCapabilities: { roots: {} },
    clientInfo: { name: "c", version: "1" }
  }

  it("in a session: the negotiated state, whatever the request says", () => {
    assert.strictEqual(Negotiation.resolve(toolsList, { _tag: "Session", negotiated }), negotiated)
    const initialize = { jsonrpc: "2.0" as const, id: 2, method: "initialize", params: params("2024-11-05") }
    assert.strictEqual(Negotiation.resolve(initialize, { _tag: "Session", negotiated }), negotiated)
  })

  it("stateless over HTTP: the MCP-Protocol-Version header, else 2025-03-26; no client capabilities", () => {
    assert.deepStrictEqual(Negotiation.resolve(toolsList, { _tag: "Stateless", headerVersion: "2025-06-18", overHttp: true }), {
      protocolVersion: "2025-06-18",
      clientCapabilities: {},
      clientInfo: undefined
    })
    assert.strictEqual(
      Negotiation.resolve(toolsList, { _tag: "Stateless", headerVersion: undefined, overHttp: true }).protocolVersion,
      ProtocolVersion.assumedWhenUnknown
    )
    assert.strictEqual(
      Negotiation.resolve(toolsList, { _tag: "Stateless", headerVersion: undefined, overHttp: false }).protocolVersion,
      ProtocolVersion.latest
    )
  })

  it("stateless initialize: the newest (its handler negotiates and projects), its capabilities and info", () => {
    const initialize = (version: string) => ({ jsonrpc: "2.0" as const, id: 3, method: "initialize", params: params(version) })
    assert.deepStrictEqual(
      Negotiation.resolve(initialize("2025-03-26"), { _tag: "Stateless", headerVersion: undefined, overHttp: true }),
      { protocolVersion: ProtocolVersion.latest, clientCapabilities: { sampling: {} }, clientInfo: { name: "c", version: "2" } }
    )
    assert.strictEqual(
      Negotiation.resolve(initialize("1999-01-01"), { _tag: "Stateless", headerVersion: undefined, overHttp: true })
        .protocolVersion,
      ProtocolVersion.latest
    )
  })

  it("property: stateless, a supported header version is always the request's version", () =>
    fc.assert(fc.property(fc.constantFrom(...ProtocolVersion.supported), fc.string(), (version, method) => {
      if (method === "initialize") return
      const truth = Negotiation.resolve({ jsonrpc: "2.0", id: 1, method }, { _tag: "Stateless", headerVersion: version, overHttp: true })
      assert.strictEqual(truth.protocolVersion, version)
      assert.deepStrictEqual(truth.clientCapabilities, {})
    })))
})

describe("resolveModern (2026-07-28: _meta and headers)", () => {
  const meta = (over: Record<string, unknown> = {}) => ({
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": { sampling: {} },
    "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" },
    ...over
  })
  const request = (method: string, params: Record<string, unknown> = {}, metaOver: Record<string, unknown> = {}) => ({
    jsonrpc: "2.0" as const,
    id: 7,
    method,
    params: { ...params, _meta: meta(metaOver) }
  })
  const headers = (method: string, over: Record<string, string | undefined> = {}) => ({
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...over
  })
  const rejection = (result: ReturnType<typeof Negotiation.resolveModern>) => {
    if (result._tag === "Success") assert.fail(`expected a rejection, got ${JSON.stringify(result.success)}`)
    return result.failure
  }

  it("resolves version, capabilities, info and the log level from _meta", () => {
    const result = Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/logLevel": "info" }), headers("tools/list"))
    assert.deepStrictEqual(result._tag === "Success" ? result.success : undefined, {
      protocolVersion: "2026-07-28",
      clientCapabilities: { sampling: {} },
      clientInfo: { name: "c", version: "1" },
      logLevel: "info"
    })
    // stdio: no headers to check
    assert.strictEqual(Negotiation.resolveModern(request("tools/list"), undefined)._tag, "Success")
  })

  it("_meta without protocolVersion or clientCapabilities → -32602, 400 (clientInfo is optional)", () => {
    const bare = { jsonrpc: "2.0" as const, id: 1, method: "server/discover" }
    assert.deepStrictEqual(rejection(Negotiation.resolveModern(bare, undefined)).error.code, -32602)
    const noCaps = request("server/discover", {}, { "io.modelcontextprotocol/clientCapabilities": undefined })
    const refused = rejection(Negotiation.resolveModern(noCaps, headers("server/discover")))
    assert.deepStrictEqual([refused.status, refused.error.code], [400, -32602])
    const noInfo = request("server/discover", {}, { "io.modelcontextprotocol/clientInfo": undefined })
    assert.strictEqual(Negotiation.resolveModern(noInfo, headers("server/discover"))._tag, "Success")
  })

  it("a protocolVersion or clientCapabilities of the wrong type → -32602 saying what it must be and what it is", () => {
    const cases: ReadonlyArray<readonly [string, unknown, string]> = [
      ["protocolVersion", 20260728, "must be a string, not a number"],
      ["protocolVersion", ["2026-07-28"], "must be a string, not an array"],
      ["protocolVersion", { v: "2026-07-28" }, "must be a string, not an object"],
      ["protocolVersion", null, "must be a string, not null"],
      ["clientCapabilities", [], "must be an object, not an array"],
      ["clientCapabilities", null, "must be an object, not null"],
      ["clientCapabilities", "sampling", "must be an object, not a string"]
    ]
    for (const [entry, value, problem] of cases) {
      const refused = rejection(Negotiation.resolveModern(request("tools/list", {}, { [`io.modelcontextprotocol/${entry}`]: value }), headers("tools/list")))
      assert.deepStrictEqual([refused.status, refused.error.code], [400, -32602])
      assert.strictEqual(refused.error.message, `Invalid params: _meta["io.modelcontextprotocol/${entry}"] ${problem}`)
    }
    // absent: required
    const absent = rejection(Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": undefined }), undefined))
    assert.strictEqual(absent.error.message, `Invalid params: _meta["io.modelcontextprotocol/protocolVersion"] is required (a string)`)
  })

  // Fails before the fix: ignored, so the request got no log messages and said nothing.
  it("a logLevel that is no level (another case, a number, null) → -32602 naming the levels; absent, none asked", () => {
    for (const [value, shown] of [["DEBUG", "\"DEBUG\""], ["verbose", "\"verbose\""], [5, "a number"], [null, "null"]] as const) {
      const refused = rejection(Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/logLevel": value }), headers("tools/list")))
      assert.deepStrictEqual([refused.status, refused.error.code], [400, -32602])
      assert.include(refused.error.message, "must be one of debug, info, notice, warning, error, critical, alert, emergency")
      assert.include(refused.error.message, `got ${shown}`)
    }
    const none = Negotiation.resolveModern(request("tools/list"), headers("tools/list"))
    assert.isUndefined(none._tag === "Success" ? none.success.logLevel : "refused")
  })

  it("malformed clientCapabilities or clientInfo → -32602, 400, naming the entry (2026-07-28's shapes)", () => {
    const malformed: ReadonlyArray<[string, Record<string, unknown>]> = [
      ["clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { elicitation: null } }],
      ["clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { extensions: null } }],
      ["clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { sampling: 5 } }],
      ["clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { roots: 5 } }],
      ["clientCapabilities", { "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": "x" } } }],
      ["clientInfo", { "io.modelcontextprotocol/clientInfo": "c" }],
      ["clientInfo", { "io.modelcontextprotocol/clientInfo": { name: 5, version: "1" } }],
      ["clientInfo", { "io.modelcontextprotocol/clientInfo": null }]
    ]
    for (const [entry, over] of malformed) {
      for (const head of [headers("tools/list"), undefined]) {
        const refused = rejection(Negotiation.resolveModern(request("tools/list", {}, over), head))
        assert.deepStrictEqual([refused.status, refused.error.code], [400, -32602], JSON.stringify(over))
        assert.include(refused.error.message, `_meta["io.modelcontextprotocol/${entry}"]`)
      }
    }
    // 2026-07-28's own shapes: no tasks capability (an extension now), roots any object
    for (const caps of [{ tasks: { list: true } }, { roots: { listChanged: "yes" } }]) {
      assert.strictEqual(Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/clientCapabilities": caps }), undefined)._tag, "Success")
    }
    // A version we do not serve learns so first (-32022, with the versions), whatever its capabilities.
    const later = rejection(Negotiation.resolveModern(
      request("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": { roots: true } }),
      headers("tools/list", { "mcp-protocol-version": "2099-01-01" })
    ))
    assert.strictEqual(later.error.code, -32022)
    // unknown capabilities are kept as sent
    const extra = Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/clientCapabilities": { future: { x: 1 } } }), undefined)
    assert.deepStrictEqual(extra._tag === "Success" ? extra.success.clientCapabilities as unknown : undefined, { future: { x: 1 } })
  })

  it("a plain { name, version } client info skips its decoder: the same verdicts as the decoder's at its edges", () => {
    const verdict = (info: unknown) => Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/clientInfo": info }), undefined)._tag
    const inherited = Object.create({ version: "1" }) as Record<string, unknown>
    inherited["name"] = "c"
    const hidden = { name: "c" }
    Object.defineProperty(hidden, "version", { value: 1, enumerable: false })
    const cases: ReadonlyArray<[unknown, "Success" | "Failure"]> = [
      [{ name: "c", version: "1" }, "Success"],
      [{ version: "1", name: "c" }, "Success"],
      [{ name: "", version: "" }, "Success"],
      [Object.assign(Object.create(null), { name: "c", version: "1" }), "Success"],
      [{ name: "c", version: "1", title: "C" }, "Success"],
      [{ name: "c", version: "1", extra: 5 }, "Success"],
      [{ name: "c", version: 1 }, "Failure"],
      [{ name: null, version: "1" }, "Failure"],
      [{ name: "c", title: "1" }, "Failure"],
      [{ name: "c", version: "1", icons: "x" }, "Failure"],
      [hidden, "Failure"],
      [inherited, "Success"],
      [["c", "1"], "Failure"]
    ]
    for (const [info, expected] of cases) assert.strictEqual(verdict(info), expected, JSON.stringify(info))
  })

  it("a client info that throws as it is read (an in-memory client's getter or Proxy) is refused as the decoder refuses it, not thrown", () => {
    const verdict = (info: unknown) => Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/clientInfo": info }), undefined)
    const getter = { version: "1" } as Record<string, unknown>
    Object.defineProperty(getter, "name", { get: () => { throw new Error("boom") }, enumerable: true })
    const trap = new Proxy({ name: "c", version: "1" }, { get: () => { throw new Error("trap") } })
    for (const info of [getter, trap]) {
      const failure = rejection(verdict(info))
      assert.strictEqual(failure.error.code, -32602)
      assert.include(failure.error.message, "io.modelcontextprotocol/clientInfo")
    }
  })

  it("a client info's verdict is the decoder's, shortcut or not (generated: values, enumerability, getters, prototypes, key order, a symbol key)", () => {
    const decode = jitDecoder(Schemas.Implementation())
    const property = fc.record({
      value: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(undefined), fc.constant(null)),
      enumerable: fc.boolean(),
      getter: fc.boolean(),
      present: fc.boolean()
    })
    const extra = fc.option(fc.constantFrom("title", "extra", "__proto__", "icons"), { nil: undefined })
    fc.assert(
      fc.property(property, property, fc.constantFrom("plain", "null", "other"), fc.boolean(), fc.boolean(), extra, (name, version, prototype, nameFirst, symbol, key) => {
        const info: Record<string | symbol, unknown> = prototype === "plain" ? {} : Object.create(prototype === "null" ? null : { x: 1 })
        const put = (key: string, p: typeof name) => {
          if (!p.present) return
          Object.defineProperty(
            info,
            key,
            p.getter ? { get: () => p.value, enumerable: p.enumerable, configurable: true } : { value: p.value, enumerable: p.enumerable, writable: true, configurable: true }
          )
        }
        for (const field of nameFirst ? ["name", "version"] as const : ["version", "name"] as const) put(field, field === "name" ? name : version)
        if (key !== undefined) Object.defineProperty(info, key, { value: "v", enumerable: true, writable: true, configurable: true })
        if (symbol) info[Symbol("s")] = 1
        const got = Negotiation.resolveModern(request("tools/list", {}, { "io.modelcontextprotocol/clientInfo": info }), undefined)._tag
        assert.strictEqual(got, decode(info)._tag)
      }),
      { seed: 37, numRuns: 2000 }
    )
  })

  it("namesItsVersion: only an object _meta holding the version key (null, arrays and strings are not)", () => {
    const withMeta = (meta: unknown) => ({ jsonrpc: "2.0" as const, id: 1, method: "tools/list", params: { _meta: meta } })
    assert.isTrue(Negotiation.namesItsVersion(withMeta({ "io.modelcontextprotocol/protocolVersion": "2026-07-28" })))
    for (const meta of [null, undefined, [], "io.modelcontextprotocol/protocolVersion", 5, {}, { other: 1 }]) {
      assert.isFalse(Negotiation.namesItsVersion(withMeta(meta)), JSON.stringify(meta))
    }
    assert.isFalse(Negotiation.namesItsVersion({ jsonrpc: "2.0", id: 1, method: "tools/list" }))
    // a _meta of the wrong type is refused by resolveModern, never thrown on
    const refused = rejection(Negotiation.resolveModern(withMeta(null), undefined))
    assert.strictEqual(refused.error.code, -32602)
  })

  it("Mcp-Name: its =?base64?…?= form is decoded before comparing; raw bytes outside printable ASCII → -32020", () => {
    const uri = "test://\u00e9 \u00fc"
    const encoded = `=?base64?${Buffer.from(uri).toString("base64")}?=`
    assert.strictEqual(Negotiation.resolveModern(request("resources/read", { uri }), headers("resources/read", { "mcp-name": encoded }))._tag, "Success")
    const tool = `=?base64?${Buffer.from("echo").toString("base64")}?=`
    assert.strictEqual(Negotiation.resolveModern(request("tools/call", { name: "echo" }), headers("tools/call", { "mcp-name": tool }))._tag, "Success")
    // Node reads the raw UTF-8 bytes of "é" as Latin-1 "Ã©"; a raw 0xE9 as "é": both invalid
    for (const raw of ["test://\u00c3\u00a9 \u00c3\u00bc", uri, "=?base64?not base64?="]) {
      const refused = rejection(Negotiation.resolveModern(request("resources/read", { uri }), headers("resources/read", { "mcp-name": raw })))
      assert.deepStrictEqual([refused.status, refused.error.code], [400, -32020], raw)
      assert.include(refused.error.message, "invalid")
    }
  })

  it("header and body disagree → -32020, 400: version, Mcp-Method (missing, other, other case), Mcp-Name", () => {
    const cases: Array<[ReturnType<typeof request>, Record<string, string | undefined>]> = [
      [request("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "v999.0.0" }), headers("tools/list")],
      [request("tools/list"), headers("tools/list", { "mcp-method": undefined })],
      [request("tools/list"), headers("tools/list", { "mcp-method": "prompts/list" })],
      [request("tools/list"), headers("tools/list", { "mcp-method": "TOOLS/LIST" })],
      [request("tools/call", { name: "echo" }), headers("tools/call", { "mcp-name": "other" })],
      [request("tools/call", { name: "echo" }), headers("tools/call")],
      [request("resources/read", { uri: "file:///a" }), headers("resources/read", { "mcp-name": "file:///b" })]
    ]
    for (const [body, head] of cases) {
      const refused = rejection(Negotiation.resolveModern(body, head))
      assert.deepStrictEqual([refused.status, refused.error.code], [400, -32020], JSON.stringify(head))
    }
    // optional whitespace around Mcp-Name is not a mismatch
    const spaced = Negotiation.resolveModern(request("tools/call", { name: "echo" }), headers("tools/call", { "mcp-name": "  echo  " }))
    assert.strictEqual(spaced._tag, "Success")
  })

  it("an unsupported version (header and body agreeing) → -32022, 400, with supported and requested", () => {
    const body = request("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "v999.0.0" })
    const refused = rejection(Negotiation.resolveModern(body, headers("tools/list", { "mcp-protocol-version": "v999.0.0" })))
    assert.deepStrictEqual(refused, {
      status: 400,
      error: { code: -32022, message: "Unsupported protocol version: v999.0.0", data: { supported: ["2026-07-28"], requested: "v999.0.0" } }
    })
  })

  // Fails before: the same message as an unknown version's, nothing saying why 2025-11-25, a version
  // the server serves (by initialize), is refused in _meta.
  it("a 2025 version named in _meta → -32022 naming the versions a request can name, and initialize for the 2025 one", () => {
    const body = request("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "2025-11-25" })
    const refused = rejection(Negotiation.resolveModern(body, undefined, { takesInitialize: true }))
    assert.deepStrictEqual(refused, {
      status: 400,
      error: {
        code: -32022,
        message: "Unsupported protocol version: 2025-11-25 (2025-11-25 is negotiated by initialize, not per request: " +
          "name 2026-07-28 in _meta, or send initialize)",
        data: { supported: ["2026-07-28"], requested: "2025-11-25" }
      }
    })
  })

  // Fails before: "or send initialize" whatever the connection, also where initialize is refused
  // (a server of 2026-07-28 alone, a stdio connection locked to it).
  it("a 2025 version named in _meta where initialize is not taken (or not known to be) → -32022 not advising it", () => {
    const body = request("tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "2025-11-25" })
    const refused = rejection(Negotiation.resolveModern(body, undefined, { takesInitialize: false }))
    assert.strictEqual(
      refused.error.message,
      "Unsupported protocol version: 2025-11-25 (2025-11-25 is negotiated by initialize, not per request, " +
        "and initialize is not served here: name 2026-07-28 in _meta)"
    )
    const unknown = rejection(Negotiation.resolveModern(body, undefined))
    assert.strictEqual(
      unknown.error.message,
      "Unsupported protocol version: 2025-11-25 (2025-11-25 is negotiated by initialize, not per request: name 2026-07-28 in _meta)"
    )
    for (const { error } of [refused, unknown]) assert.deepStrictEqual(error.data, { supported: ["2026-07-28"], requested: "2025-11-25" })
  })

  it("initializeAfterModern: -32022 naming the versions the connection serves and the one asked for (none: said so)", () => {
    const initialize = (params?: { readonly [key: string]: unknown }) =>
      ({ jsonrpc: "2.0", id: 1, method: "initialize", ...(params === undefined ? {} : { params }) }) as const
    const refused = Negotiation.initializeAfterModern(initialize({ protocolVersion: "2025-11-25", capabilities: {} }))
    assert.strictEqual(refused.code, -32022)
    assert.deepStrictEqual(refused.data, { supported: ["2026-07-28"], requested: "2025-11-25" })
    assert.match(refused.message, /^Unsupported protocol version: 2025-11-25 \(this connection serves 2026-07-28 only: .*no initialize/)
    const unnamed = Negotiation.initializeAfterModern(initialize())
    assert.deepStrictEqual(unnamed.data, { supported: ["2026-07-28"], requested: "" })
    assert.match(unnamed.message, /^Unsupported protocol version: \(none\) \(/)
  })

  it("methods 2026-07-28 removed → -32601, 404", () => {
    for (const method of ["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"]) {
      const refused = rejection(Negotiation.resolveModern(request(method), headers(method)))
      assert.deepStrictEqual([refused.status, refused.error.code], [404, -32601], method)
    }
  })
})

describe("requiredClientCapability (what a server→client request needs)", () => {
  const required = Negotiation.requiredClientCapability
  it("sampling: the capability, then tools and context when the request uses them", () => {
    assert.strictEqual(required("sampling/createMessage", { messages: [] }, {}), "sampling")
    assert.strictEqual(required("sampling/createMessage", { messages: [] }, { sampling: {} }), undefined)
    assert.strictEqual(required("sampling/createMessage", { tools: [] }, { sampling: {} }), "sampling.tools")
    assert.strictEqual(required("sampling/createMessage", { toolChoice: { mode: "auto" } }, { sampling: { tools: {} } }), undefined)
    assert.strictEqual(required("sampling/createMessage", { includeContext: "thisServer" }, { sampling: {} }), "sampling.context")
    assert.strictEqual(required("sampling/createMessage", { includeContext: "none" }, { sampling: {} }), undefined)
  })
  it("sampling: includeContext needs sampling.context from 2025-11-25 on; before, sampling alone allowed it", () => {
    const params = { messages: [], includeContext: "thisServer" }
    for (const version of ["2024-11-05", "2025-03-26", "2025-06-18"] as const) {
      assert.strictEqual(required("sampling/createMessage", params, { sampling: {} }, version), undefined, version)
    }
    for (const version of ["2025-11-25", "2026-07-28"] as const) {
      assert.strictEqual(required("sampling/createMessage", params, { sampling: {} }, version), "sampling.context", version)
      assert.strictEqual(required("sampling/createMessage", params, { sampling: { context: {} } }, version), undefined, version)
    }
  })
  it("sampling: tools need sampling.tools, which no client before 2025-11-25 has, whatever it declares", () => {
    for (const params of [{ messages: [], tools: [] }, { messages: [], toolChoice: { mode: "auto" } }]) {
      for (const version of ["2024-11-05", "2025-03-26", "2025-06-18"] as const) {
        assert.strictEqual(required("sampling/createMessage", params, { sampling: {} }, version), "sampling.tools", version)
        assert.strictEqual(required("sampling/createMessage", params, { sampling: { tools: {} } }, version), "sampling.tools", version)
      }
      for (const version of ["2025-11-25", "2026-07-28"] as const) {
        assert.strictEqual(required("sampling/createMessage", params, { sampling: {} }, version), "sampling.tools", version)
        assert.strictEqual(required("sampling/createMessage", params, { sampling: { tools: {} } }, version), undefined, version)
      }
    }
    assert.strictEqual(required("sampling/createMessage", { messages: [] }, { sampling: {} }, "2025-06-18"), undefined)
  })
  it("elicitation: {} is form mode only; url mode needs elicitation.url", () => {
    assert.strictEqual(required("elicitation/create", { message: "m" }, {}), "elicitation")
    assert.strictEqual(required("elicitation/create", { message: "m" }, { elicitation: {} }), undefined)
    assert.strictEqual(required("elicitation/create", { mode: "url" }, { elicitation: {} }), "elicitation.url")
    assert.strictEqual(required("elicitation/create", { mode: "url" }, { elicitation: { url: {} } }), undefined)
    assert.strictEqual(required("elicitation/create", { message: "m" }, { elicitation: { url: {} } }), "elicitation.form")
  })
  it("elicitation: before 2025-11-25 (no modes) the capability is form elicitation, whatever it holds", () => {
    assert.strictEqual(required("elicitation/create", { message: "m" }, { elicitation: { url: {} } }, "2025-06-18"), undefined)
    assert.strictEqual(required("elicitation/create", { message: "m" }, {}, "2025-06-18"), "elicitation")
    assert.strictEqual(required("elicitation/create", { message: "m" }, { elicitation: { url: {} } }, "2025-11-25"), "elicitation.form")
  })
  it("elicitation: no client before 2025-06-18 has it, whatever it declares", () => {
    const url = { mode: "url", message: "m", url: "https://example.com", elicitationId: "e" }
    for (const version of ["2024-11-05", "2025-03-26"] as const) {
      for (const elicitation of [undefined, {}, { form: {} }, { url: {} }]) {
        const caps = elicitation === undefined ? {} : { elicitation }
        assert.strictEqual(required("elicitation/create", { message: "m" }, caps, version), "elicitation", `${version} ${JSON.stringify(elicitation)}`)
        assert.strictEqual(required("elicitation/create", url, caps, version), "elicitation", `${version} url ${JSON.stringify(elicitation)}`)
      }
    }
    assert.strictEqual(required("elicitation/create", { message: "m" }, { elicitation: {} }, "2025-06-18"), undefined)
  })
  it("elicitation: url mode needs elicitation.url, which no client before 2025-11-25 has, whatever it declares", () => {
    const url = { mode: "url", message: "m", url: "https://example.com", elicitationId: "e" }
    for (const version of ["2025-06-18"] as const) {
      for (const elicitation of [{}, { url: {} }, { form: {}, url: {} }]) {
        assert.strictEqual(required("elicitation/create", url, { elicitation }, version), "elicitation.url", `${version} ${JSON.stringify(elicitation)}`)
      }
      assert.strictEqual(required("elicitation/create", url, {}, version), "elicitation", version)
    }
    for (const version of ["2025-11-25", "2026-07-28"] as const) {
      assert.strictEqual(required("elicitation/create", url, { elicitation: {} }, version), "elicitation.url", version)
      assert.strictEqual(required("elicitation/create", url, { elicitation: { url: {} } }, version), undefined, version)
    }
  })
  it("roots/list needs roots; other methods need nothing", () => {
    assert.strictEqual(required("roots/list", undefined, {}), "roots")
    assert.strictEqual(required("roots/list", undefined, { roots: {} }), undefined)
    assert.strictEqual(required("ping", undefined, {}), undefined)
  })
})
