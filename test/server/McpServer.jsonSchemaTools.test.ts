/**
 * Tools described by a raw JSON Schema (`Tool.jsonSchema`) validate their arguments (MCP: servers
 * MUST validate tool input), driven by the official SDK v1 client over the in-memory pair: wrong
 * types, missing required properties, keys `additionalProperties: false` forbids and too-deep
 * nesting are answered as for Schema tools (an `isError` result from 2025-11-25 on, `-32602`
 * before), valid arguments reach the handler as sent, and a schema that is not well-formed fails
 * the tool's registration. A child process checks that the validator is loaded only when needed.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { McpServer, Tool } from "../../src/index.ts"
import { connectRaw, sdk, sdkError, serveAndConnect, startServer } from "./McpServerHarness.ts"

const schema = {
  type: "object",
  $defs: {
    Point: {
      type: "object",
      properties: { x: { type: "number" }, y: { type: "number" } },
      required: ["x", "y"],
      additionalProperties: false
    }
  },
  properties: {
    name: { type: "string", minLength: 1 },
    count: { type: "integer", minimum: 0 },
    ratio: { type: "number" },
    enabled: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    at: { $ref: "#/$defs/Point" },
    mode: { enum: ["fast", "slow"] },
    data: {}
  },
  required: ["name", "count"],
  additionalProperties: false
} as const

/** A raw-schema tool that records the arguments its handler received. */
const makeRaw = () => {
  const seen: Array<unknown> = []
  const layer = McpServer.tool({
    name: "raw",
    parameters: Tool.jsonSchema(schema),
    handler: (params) =>
      Effect.sync(() => {
        seen.push(params)
        return "ok"
      })
  })
  return { seen, layer }
}

/** `depth` levels of arrays: `[[[...]]]`, built without recursion. */
const nestedArrays = (depth: number): unknown => {
  let value: unknown = []
  for (let i = 1; i < depth; i++) value = [value]
  return value
}

const textOf = (result: object): string =>
  ((result as { readonly content: ReadonlyArray<{ readonly text?: string }> }).content[0]!).text!

describe("McpServer raw JSON Schema tools: validation (2025-11-25, isError results)", () => {
  it.live("valid arguments reach the handler unchanged", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      const args = {
        name: "n",
        count: 3,
        ratio: 0.5,
        enabled: false,
        tags: ["a", "b"],
        at: { x: 1, y: 2.5 },
        mode: "slow",
        data: { anything: [1, { goes: null }] }
      }
      const result = yield* sdk(() => client.callTool({ name: "raw", arguments: args }))
      assert.deepStrictEqual(result, { content: [{ type: "text", text: "ok" }] })
      assert.deepStrictEqual(seen, [args])
      // Required properties only: nothing is added (no defaults, no coercion).
      yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "m", count: 0 } }))
      assert.deepStrictEqual(seen[1], { name: "m", count: 0 })
    }))

  it.live("a wrong type is an isError result naming the instance path and the expected type", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      const result = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: 1, count: 2 } }))
      assert.isTrue(result.isError)
      const text = textOf(result)
      assert.include(text, "Invalid arguments for tool raw")
      assert.include(text, "at /name:")
      assert.include(text, `Expected "string"`)
      // An integer property refuses a fractional number.
      const fractional = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1.5 } }))
      assert.isTrue(fractional.isError)
      assert.include(textOf(fractional), "at /count:")
      assert.deepStrictEqual(seen, [])
    }))

  it.live("a missing required property is an isError result", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      const result = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n" } }))
      assert.isTrue(result.isError)
      assert.include(textOf(result), `required property "count"`)
      // No arguments at all: both required properties are missing.
      const none = yield* sdk(() => client.callTool({ name: "raw" }))
      assert.isTrue(none.isError)
      assert.include(textOf(none), `required property "name"`)
      assert.include(textOf(none), `required property "count"`)
      assert.deepStrictEqual(seen, [])
    }))

  it.live("a key additionalProperties: false forbids is an isError result, at the root and in a $ref'd object", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      const result = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1, extra: true } }))
      assert.isTrue(result.isError)
      assert.include(textOf(result), "at /extra: unexpected property")
      const nested = yield* sdk(() =>
        client.callTool({ name: "raw", arguments: { name: "n", count: 1, at: { x: 1, y: 2, z: 3 } } })
      )
      assert.isTrue(nested.isError)
      assert.include(textOf(nested), "at /at/z: unexpected property")
      assert.deepStrictEqual(seen, [])
    }))

  it.live("a key holding a lone surrogate is validated as other keys are, not a masked internal error", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const Open = McpServer.tool({
        name: "open",
        parameters: Tool.jsonSchema({ type: "object", additionalProperties: { type: "number" } }),
        handler: (params) =>
          Effect.sync(() => {
            seen.push(params)
            return "ok"
          })
      })
      const { client } = yield* serveAndConnect(Layer.mergeAll(layer, Open))
      // Fails before: the validator library writes each key into a URI (`encodeURIComponent`),
      // which throws on "\ud800": a masked "internal error" for arguments a client may send.
      const extra = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1, "\ud800": true } }))
      assert.isTrue(extra.isError)
      assert.include(textOf(extra), "unexpected property")
      const wrong = yield* sdk(() => client.callTool({ name: "open", arguments: { "\udc00x": "y" } }))
      assert.isTrue(wrong.isError)
      assert.include(textOf(wrong), `Expected "number"`)
      // Valid ones reach the handler as sent.
      const ok = yield* sdk(() => client.callTool({ name: "open", arguments: { "\ud800": 1 } }))
      assert.deepStrictEqual(ok, { content: [{ type: "text", text: "ok" }] })
      assert.deepStrictEqual(seen, [{ "\ud800": 1 }])
      // A key that its stand-in would be (a character of plane 15) is not mistaken for it.
      const both = yield* sdk(() =>
        client.callTool({ name: "open", arguments: { "\ud800": "x", [String.fromCodePoint(0xF0000)]: 1 } })
      )
      assert.isTrue(both.isError)
      assert.strictEqual(seen.length, 1)
    }))

  it.live("every problem is reported, each with its instance path, one per line", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      const result = yield* sdk(() =>
        client.callTool({
          name: "raw",
          arguments: { name: 1, tags: ["a", 2], at: { x: "1" }, mode: "medium", extra: 1 }
        })
      )
      assert.isTrue(result.isError)
      const lines = textOf(result).split("\n")
      assert.strictEqual(lines[0], "Invalid arguments for tool raw:")
      const problems = lines.slice(1)
      const has = (fragment: string) => assert.isTrue(problems.some((line) => line.includes(fragment)), `${fragment} in ${lines.join("\n")}`)
      has(`at the root: Instance does not have required property "count"`)
      has("at /name:")
      has("at /tags/1:")
      has("at /at/x:")
      has(`at /at: Instance does not have required property "y"`)
      has("at /mode:")
      has("at /extra: unexpected property")
      // Only the problems themselves: no "A subschema had errors." or "Property ... does not match schema." lines.
      assert.isFalse(problems.some((line) => line.includes("subschema had errors") || line.includes("does not match schema")))
      assert.isTrue(problems.every((line) => line.startsWith("- at ")))
      assert.deepStrictEqual(seen, [])
    }))

  it.live("arguments nested deeper than 64 levels are refused before validation; 64 levels are fine", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      // The arguments object is level 1, so `data` may hold 63 levels.
      const fits = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1, data: nestedArrays(63) } }))
      assert.isUndefined(fits.isError)
      assert.strictEqual(seen.length, 1)
      const deep = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1, data: nestedArrays(64) } }))
      assert.isTrue(deep.isError)
      assert.include(textOf(deep), "Invalid arguments for tool raw")
      assert.include(textOf(deep), "nested deeper than 64 levels")
      assert.strictEqual(seen.length, 1)
    }))

  it.live("a 100,000-deep [[[...]]] value gets a clear answer, not a stack overflow, and the server goes on", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer)
      const deep = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1, data: nestedArrays(100_000) } }))
      assert.isTrue(deep.isError)
      assert.include(textOf(deep), "nested deeper than 64 levels")
      const after = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1 } }))
      assert.deepStrictEqual(after, { content: [{ type: "text", text: "ok" }] })
      assert.deepStrictEqual(seen, [{ name: "n", count: 1 }])
    }))

  it.live("the alternatives of a failed anyOf are listed under it", () =>
    Effect.gen(function*() {
      const Either = McpServer.tool({
        name: "either",
        parameters: Tool.jsonSchema({ type: "object", properties: { id: { anyOf: [{ type: "string" }, { type: "integer" }] } } }),
        handler: () => Effect.succeed("ok")
      })
      const { client } = yield* serveAndConnect(Either)
      const result = yield* sdk(() => client.callTool({ name: "either", arguments: { id: true } }))
      assert.isTrue(result.isError)
      assert.strictEqual(
        textOf(result),
        [
          "Invalid arguments for tool either:",
          "- at /id: Instance does not match any subschemas.",
          `  - at /id: Instance type "boolean" is invalid. Expected "string".`,
          `  - at /id: Instance type "boolean" is invalid. Expected "integer".`
        ].join("\n")
      )
    }))

  it.live("a schema the validator cannot use at the call (a $ref to an unknown anchor of its $id) is a masked tool error, not a crash", () =>
    Effect.gen(function*() {
      const Unresolved = McpServer.tool({
        name: "unresolved",
        parameters: Tool.jsonSchema({
          $id: "https://example.com/tool",
          type: "object",
          properties: { x: { $ref: "https://example.com/tool#nowhere" } }
        }),
        handler: () => Effect.succeed("ok")
      })
      const { client } = yield* serveAndConnect(Unresolved)
      const result = yield* sdk(() => client.callTool({ name: "unresolved", arguments: { x: 1 } }))
      assert.deepStrictEqual(result, { content: [{ type: "text", text: "Tool unresolved failed: internal error" }], isError: true })
      // Arguments that never reach the reference still validate.
      const ok = yield* sdk(() => client.callTool({ name: "unresolved", arguments: {} }))
      assert.deepStrictEqual(ok, { content: [{ type: "text", text: "ok" }] })
    }))

  it.live("an $id with a fragment names its subschema, which a $ref to that URI reaches at the call", () =>
    Effect.gen(function*() {
      const Named = McpServer.tool({
        name: "named",
        parameters: Tool.jsonSchema({
          $id: "https://example.com/tools/a.json",
          type: "object",
          properties: {
            p: { $id: "https://example.com/other/b.json#word", type: "object", properties: { r: { $ref: "#/$defs/N" } } },
            q: { $ref: "https://example.com/other/b.json#word" }
          },
          $defs: { N: { type: "number" } }
        }),
        handler: () => Effect.succeed("ok")
      })
      const { client } = yield* serveAndConnect(Named)
      // The relative reference under the fragment `$id` resolves against the root's base.
      const ok = yield* sdk(() => client.callTool({ name: "named", arguments: { p: { r: 1 }, q: { r: 2 } } }))
      assert.deepStrictEqual(ok, { content: [{ type: "text", text: "ok" }] })
      const wrong = yield* sdk(() => client.callTool({ name: "named", arguments: { q: { r: "x" } } }))
      assert.isTrue((wrong as { isError?: boolean }).isError)
      assert.include(textOf(wrong), "/q/r")
    }))

  it.live("a $schema naming draft-07 is validated as draft-07 (items as a tuple)", () =>
    Effect.gen(function*() {
      let calls = 0
      const Draft7 = McpServer.tool({
        name: "draft7",
        parameters: Tool.jsonSchema({
          $schema: "http://json-schema.org/draft-07/schema#",
          type: "object",
          properties: { pair: { type: "array", items: [{ type: "string" }, { type: "number" }] } }
        }),
        handler: () => Effect.sync(() => `call ${++calls}`)
      })
      const { client } = yield* serveAndConnect(Draft7)
      const ok = yield* sdk(() => client.callTool({ name: "draft7", arguments: { pair: ["a", 1] } }))
      assert.isUndefined(ok.isError)
      const bad = yield* sdk(() => client.callTool({ name: "draft7", arguments: { pair: [1, "a"] } }))
      assert.isTrue(bad.isError)
      assert.include(textOf(bad), "at /pair/0:")
      assert.strictEqual(calls, 1)
    }))
})

describe("McpServer raw JSON Schema tools: validation (2025-06-18, -32602)", () => {
  it.live("wrong type, missing required, extra key and deep nesting are -32602 Invalid params; valid arguments pass", () =>
    Effect.gen(function*() {
      const { seen, layer } = makeRaw()
      const { client } = yield* serveAndConnect(layer, { supportedVersions: ["2025-06-18"] })
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ name: 1, count: 1 }, "at /name:"],
        [{ name: "n" }, `required property "count"`],
        [{ name: "n", count: 1, extra: true }, "at /extra: unexpected property"],
        [{ name: "n", count: 1, data: nestedArrays(100_000) }, "nested deeper than 64 levels"]
      ]
      for (const [args, fragment] of cases) {
        const error = yield* sdkError(() => client.callTool({ name: "raw", arguments: args }))
        assert.strictEqual(error.code, -32602)
        assert.include(error.message, "Invalid arguments for tool raw")
        assert.include(error.message, fragment)
      }
      assert.deepStrictEqual(seen, [])
      const ok = yield* sdk(() => client.callTool({ name: "raw", arguments: { name: "n", count: 1, tags: [] } }))
      assert.deepStrictEqual(ok, { content: [{ type: "text", text: "ok" }] })
      assert.deepStrictEqual(seen, [{ name: "n", count: 1, tags: [] }])
    }))

  it.live("a raw JSON-RPC client that negotiated 2025-06-18 gets -32602 with every problem in the message", () =>
    Effect.gen(function*() {
      const { layer } = makeRaw()
      const server = yield* startServer({}, layer)
      const raw = yield* connectRaw(server, "2025-06-18")
      assert.strictEqual(raw.initializeResult.result.protocolVersion, "2025-06-18")
      const bad = yield* Effect.promise(() => raw.request(1, "tools/call", { name: "raw", arguments: { name: 1, extra: 2 } }))
      assert.isUndefined(bad.result)
      assert.strictEqual(bad.error.code, -32602)
      assert.include(bad.error.message, "at /name:")
      assert.include(bad.error.message, `required property "count"`)
      assert.include(bad.error.message, "at /extra: unexpected property")
    }))
})

describe("McpServer raw JSON Schema tools: a schema that is not well-formed fails the registration", () => {
  const registering = (inputSchema: Record<string, unknown>) =>
    Effect.scoped(startServer({}, McpServer.tool({
      name: "broken",
      parameters: Tool.jsonSchema({ type: "object", ...inputSchema }),
      handler: () => Effect.succeed("never")
    })))

  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ["an unknown type name", { properties: { a: { type: "strin" } } }, "/properties/a/type"],
    ["required that is not an array", { required: "a" }, "/required"],
    ["a property that is not a schema", { properties: { a: 1 } }, "/properties/a"],
    ["an invalid pattern", { properties: { a: { type: "string", pattern: "(" } } }, "/properties/a/pattern"],
    ["a negative minLength", { properties: { a: { minLength: -1 } } }, "/properties/a/minLength"],
    ["a $ref that does not resolve", { properties: { a: { $ref: "#/$defs/Missing" } } }, "/properties/a/$ref"],
    ["an external $ref", { properties: { a: { $ref: "other.json#/x" } } }, "/properties/a/$ref"],
    // Fails before: with an `$id`, references were left to the library, which fails each call
    // reaching one to another document (never loaded; nor may a server rely on clients to).
    [
      "a $ref to another document than its $id's",
      { $id: "https://example.com/tool", properties: { a: { $ref: "https://example.com/elsewhere#/X" } } },
      "/properties/a/$ref"
    ],
    [
      "a relative $ref to another document than its $id's",
      { $id: "https://example.com/tools/a.json", properties: { a: { $ref: "b.json" } } },
      "/properties/a/$ref"
    ],
    // Fails before: a reference outside every `$id`'s subschemas was left to the library too.
    [
      "a $ref to another document, where only a subschema sets an $id",
      { properties: { a: { $ref: "https://example.com/elsewhere#/X" }, b: { $id: "https://example.com/b", type: "string" } } },
      "/properties/a/$ref"
    ],
    // Fails before: an `$id` with a fragment was taken as naming a document (its fragment dropped)
    // and as the base of its subschemas; the library takes it as the name of that subschema only
    // and keeps the base, so each call reaching these references was a masked internal error.
    [
      "a $ref to the document of an $id with a fragment (a name, not a document)",
      {
        $id: "https://example.com/a.json",
        properties: { p: { $id: "https://example.com/b.json#foo", type: "string" }, q: { $ref: "https://example.com/b.json" } }
      },
      "/properties/q/$ref"
    ],
    [
      "a relative $ref under an $id with a fragment, resolved against that $id",
      {
        $id: "https://example.com/tools/a.json",
        properties: { p: { $id: "https://example.com/other/b.json#foo", properties: { r: { $ref: "c.json" } } } },
        $defs: { C: { $id: "https://example.com/other/c.json", type: "string" } }
      },
      "/properties/p/properties/r/$ref"
    ],
    ["an unsupported dialect", { $schema: "https://example.com/my-dialect" }, "/$schema"],
    ["$dynamicRef (not implemented by the validator)", { properties: { a: { $dynamicRef: "#meta" } } }, "/properties/a/$dynamicRef"]
  ]
  for (const [what, inputSchema, at] of cases) {
    it.effect(`${what}: the server does not start, and the error names the tool and the place`, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(registering(inputSchema))
        assert.isTrue(Exit.isFailure(exit))
        const message = Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause)
        assert.include(message, "Tool broken: invalid JSON Schema in inputSchema")
        assert.include(message, `at ${at}:`)
      }))
  }

  it.effect("well-formed schemas register: anchors, pointers with escapes, booleans, draft-04 exclusive bounds", () =>
    Effect.gen(function*() {
      const schemas: ReadonlyArray<Record<string, unknown>> = [
        { $defs: { A: { $anchor: "a", type: "string" } }, properties: { x: { $ref: "#a" }, y: { $ref: "#" } } },
        { $defs: { "a/b": { type: "string" }, "c~d": true }, properties: { x: { $ref: "#/$defs/a~1b" }, y: { $ref: "#/$defs/c~0d" } } },
        { properties: { x: false, y: true }, additionalProperties: false },
        { $schema: "http://json-schema.org/draft-04/schema#", properties: { n: { type: "number", minimum: 0, exclusiveMinimum: true } } },
        { $id: "https://example.com/tool", properties: { x: { $ref: "https://example.com/tool#/$defs/X" } }, $defs: { X: {} } },
        // A nested `$id` names a document of the schema, which references reach, relative or not.
        {
          $id: "https://example.com/tools/a.json",
          properties: { x: { $ref: "item.json" }, y: { $ref: "#/$defs/Item" } },
          $defs: { Item: { $id: "item.json", type: "string" } }
        },
        { $schema: "http://json-schema.org/draft-04/schema#", id: "https://example.com/t", properties: { x: { $ref: "#/definitions/X" } }, definitions: { X: {} } },
        // The library reads `id` as a base in every draft, as `$id`.
        { id: "https://example.com/t", properties: { x: { $ref: "https://example.com/t#/$defs/X" }, y: { $id: "https://example.com/y" } }, $defs: { X: {} } },
        { properties: { x: { "x-vendor": { anything: 1 }, description: "unknown keywords are fine" } } },
        // An `$id` with a fragment names its subschema: references reach it by that URI.
        {
          $id: "https://example.com/a.json",
          properties: { p: { $id: "https://example.com/b.json#foo" }, q: { $ref: "https://example.com/b.json#%66oo" } }
        }
      ]
      for (const inputSchema of schemas) {
        const exit = yield* Effect.exit(registering(inputSchema))
        assert.isTrue(Exit.isSuccess(exit), JSON.stringify(inputSchema))
      }
    }))

  it.effect("McpServer.addTool at run time dies with the same message", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* startServer({}, Layer.empty)
        return yield* Effect.exit(Effect.provideService(
          McpServer.addTool({
            name: "late",
            parameters: Tool.jsonSchema({ type: "object", properties: { a: { type: "strin" } } }),
            handler: () => Effect.succeed("never")
          }),
          McpServer.McpServer,
          server
        ))
      }))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause), "Tool late: invalid JSON Schema in inputSchema at /properties/a/type")
    }))
})

describe("McpServer raw JSON Schema tools: the validator is loaded only when needed", () => {
  // A child process: a fresh module graph, with a resolve hook recording what gets loaded.
  const script = (withRaw: boolean, call: boolean) => `
    import { registerHooks } from "node:module"
    const loaded = []
    registerHooks({ resolve: (specifier, context, next) => { loaded.push(specifier); return next(specifier, context) } })
    const Effect = await import("effect/Effect")
    const Layer = await import("effect/Layer")
    const Schema = await import("effect/Schema")
    const { InMemory, McpServer, Tool } = await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)})
    const tools = [McpServer.tool({ name: "typed", parameters: { a: Schema.String }, handler: ({ a }) => Effect.succeed(a) })]
    if (${withRaw}) tools.push(McpServer.tool({
      name: "raw",
      parameters: Tool.jsonSchema({ type: "object", properties: { a: { type: "string" } } }),
      handler: () => Effect.succeed("ok")
    }))
    const pair = InMemory.makePair()
    const answers = []
    pair.client.onmessage = (message) => answers.push(message)
    const server = McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(...tools), pair.server)
    Effect.runFork(server)
    const request = async (id, method, params) => {
      await pair.client.send({ jsonrpc: "2.0", id, method, params })
      while (!answers.some((m) => m.id === id)) await new Promise((resolve) => setTimeout(resolve, 1))
      return answers.find((m) => m.id === id)
    }
    await request(0, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
    await pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" })
    await request(1, "tools/call", { name: "typed", arguments: { a: "x" } })
    const before = loaded.includes("@cfworker/json-schema")
    let answer
    if (${call}) answer = await request(2, "tools/call", { name: "raw", arguments: { a: 1 } })
    const after = loaded.includes("@cfworker/json-schema")
    console.log(JSON.stringify({ before, after, isError: answer?.result?.isError ?? null }))
    process.exit(0)
  `
  const run = (withRaw: boolean, call: boolean) =>
    JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script(withRaw, call)], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        encoding: "utf8",
        timeout: 30_000
      }).trim().split("\n").at(-1)!
    ) as { readonly before: boolean; readonly after: boolean; readonly isError: boolean | null }

  it("a server with only Schema tools never loads it; a raw JSON Schema tool loads it at its first call", () => {
    assert.deepStrictEqual(run(false, false), { before: false, after: false, isError: null })
    assert.deepStrictEqual(run(true, false), { before: false, after: false, isError: null })
    assert.deepStrictEqual(run(true, true), { before: false, after: true, isError: true })
  }, 60_000)
})
