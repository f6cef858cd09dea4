import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
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

  it("stateless initialize: the version it asks for (else the newest), its capabilities and info", () => {
    const initialize = (version: string) => ({ jsonrpc: "2.0" as const, id: 3, method: "initialize", params: params(version) })
    assert.deepStrictEqual(
      Negotiation.resolve(initialize("2025-03-26"), { _tag: "Stateless", headerVersion: undefined, overHttp: true }),
      { protocolVersion: "2025-03-26", clientCapabilities: { sampling: {} }, clientInfo: { name: "c", version: "2" } }
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
