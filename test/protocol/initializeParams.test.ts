import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { plainInitializeParams } from "../../src/protocol/internal/initializeParams.ts"
import * as Schemas from "../../src/protocol/internal/mcpSchemas.ts"

const decode = Schema.decodeUnknownExit(Schemas.InitializeRequestParams())

/** The hand check agrees with the schema: same value, same key order (what a client would see echoed). */
const agrees = (u: unknown) => {
  const plain = plainInitializeParams(u)
  const exit = decode(u)
  if (plain === undefined) return { taken: false, schemaAccepts: exit._tag === "Success" }
  assert.strictEqual(exit._tag, "Success", `accepted what the schema refuses: ${JSON.stringify(u)}`)
  if (exit._tag !== "Success") return { taken: true, schemaAccepts: false }
  assert.deepStrictEqual(plain, exit.value)
  assert.strictEqual(JSON.stringify(plain), JSON.stringify(exit.value))
  return { taken: true, schemaAccepts: true }
}

// What real clients send (the SDK v1 and v2 clients, desktop and IDE clients).
const typical: ReadonlyArray<unknown> = [
  { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } },
  {
    protocolVersion: "2025-06-18",
    capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} },
    clientInfo: { name: "claude-ai", version: "0.1.0", title: "Claude" }
  },
  {
    clientInfo: { version: "2.0", name: "ide", description: "An IDE", websiteUrl: "https://example.com" },
    capabilities: {
      extensions: { "io.modelcontextprotocol/tasks": {}, "io.modelcontextprotocol/ui": { mimeTypes: ["text/html"] } },
      elicitation: { url: {}, form: { applyDefaults: true } },
      sampling: { tools: {}, context: {} },
      tasks: { list: {}, cancel: {}, requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
      experimental: { feature: { on: true } },
      roots: {}
    },
    protocolVersion: "2025-11-25"
  }
]

describe("plainInitializeParams", () => {
  it("takes what real clients send, as the schema decodes it", () => {
    for (const params of typical) {
      const outcome = agrees(params)
      assert.isTrue(outcome.taken, JSON.stringify(params))
    }
  })

  it("makes fresh objects where the schema does and keeps the client's values where it does", () => {
    const feature = { on: true }
    const form = {}
    const params = {
      protocolVersion: "2025-11-25",
      capabilities: { experimental: { feature }, elicitation: { form } },
      clientInfo: { name: "c", version: "1" }
    }
    const plain = plainInitializeParams(params)!
    assert.notStrictEqual(plain, params)
    assert.notStrictEqual(plain.capabilities, params.capabilities)
    assert.notStrictEqual(plain.capabilities.experimental, params.capabilities.experimental)
    assert.notStrictEqual(plain.clientInfo, params.clientInfo)
    assert.strictEqual(plain.capabilities.experimental!["feature"], feature)
    assert.strictEqual(plain.capabilities.elicitation!.form, form)
  })

  it("reads each value once (an in-memory client's object may have getters)", () => {
    let reads = 0
    const clientInfo = {
      get name() {
        return `n${reads++}`
      },
      version: "1"
    }
    const plain = plainInitializeParams({ protocolVersion: "2025-11-25", capabilities: {}, clientInfo })
    assert.strictEqual(plain?.clientInfo.name, "n0")
    assert.strictEqual(reads, 1)
  })

  it("leaves to the schema what it does not know", () => {
    const base = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } }
    const others: ReadonlyArray<unknown> = [
      { ...base, _meta: { progressToken: 1 } },
      { ...base, extra: 1 },
      { ...base, capabilities: { future: {} } },
      { ...base, capabilities: { roots: { listChanged: "yes" } } },
      { ...base, capabilities: { elicitation: null } },
      { ...base, capabilities: { sampling: [] } },
      { ...base, capabilities: { experimental: JSON.parse(`{"__proto__": {}}`) } },
      { ...base, clientInfo: { name: "c" } },
      { ...base, clientInfo: { name: "c", version: "1", icons: [{ src: "https://x/i.png" }] } },
      { ...base, clientInfo: { name: "c", version: "1", title: undefined } },
      { capabilities: {}, clientInfo: base.clientInfo },
      { ...base, protocolVersion: 20251125 },
      [base],
      null,
      "initialize"
    ]
    for (const params of others) assert.isUndefined(plainInitializeParams(params), JSON.stringify(params))
  })

  it("agrees with the schema on generated params", () => {
    const junk = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
      fc.string({ maxLength: 3 }),
      fc.boolean(),
      fc.constant([]),
      fc.constant([{}])
    )
    const object = fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }))
    const flag = fc.oneof({ weight: 12, arbitrary: object }, { weight: 1, arbitrary: junk })
    const keyPool = fc.constantFrom("__proto__", "constructor", "name", "list", "form", "extra", "tools", "roots")
    /** A record of `fields`, any of them missing, now and then with a key the schema does not have, or not an object. */
    const struct = (fields: Record<string, fc.Arbitrary<unknown>>, requiredKeys: Array<string> = []) =>
      fc.oneof(
        { weight: 24, arbitrary: fc.record(fields, { requiredKeys }) },
        {
          weight: 1,
          arbitrary: fc.tuple(fc.record(fields, { requiredKeys }), keyPool, fc.jsonValue({ maxDepth: 1 })).map(
            ([record, key, value]) => Object.defineProperty({ ...record }, key, { value, enumerable: true, writable: true, configurable: true })
          )
        },
        { weight: 1, arbitrary: junk }
      )
    const map = fc.oneof(
      { weight: 12, arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), keyPool), flag, { maxKeys: 3 }) },
      { weight: 1, arbitrary: junk }
    )
    const text = fc.oneof({ weight: 24, arbitrary: fc.string({ maxLength: 4 }) }, { weight: 1, arbitrary: junk })
    const capabilities = struct({
      experimental: map,
      roots: struct({ listChanged: fc.oneof({ weight: 12, arbitrary: fc.boolean() }, { weight: 1, arbitrary: junk }) }),
      sampling: struct({ context: flag, tools: flag }),
      elicitation: struct({ form: flag, url: flag }),
      tasks: struct({
        list: flag,
        cancel: flag,
        requests: struct({ sampling: struct({ createMessage: flag }), elicitation: struct({ create: flag }) })
      }),
      extensions: map
    })
    const clientInfo = struct({ name: text, title: text, version: text, description: text, websiteUrl: text }, ["name", "version"])
    const params = fc.oneof(
      { weight: 12, arbitrary: fc.record({ protocolVersion: text, capabilities, clientInfo }) },
      { weight: 1, arbitrary: struct({ protocolVersion: text, capabilities, clientInfo, _meta: map }) }
    )
    let taken = 0
    let accepted = 0
    fc.assert(
      fc.property(params, (u) => {
        const outcome = agrees(u)
        if (outcome.taken) taken++
        if (outcome.schemaAccepts) accepted++
      }),
      { numRuns: 5_000 }
    )
    // Not vacuous: a good share of the generated params are valid, and the check takes most of those.
    assert.isAbove(accepted, 1_000)
    assert.isAbove(taken, accepted / 3)
  })
})
