/**
 * McpServer tools over the in-memory pair, driven by the official SDK v1 client (and a raw
 * JSON-RPC client for a 2025-06-18 session): wire descriptions, results, error rules, progress
 * and logging.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Content, McpContext, McpServer, Tool } from "../../src/index.ts"
import { connectRaw, sdk, sdkError, serveAndConnect, settle, startServer } from "./McpServerHarness.ts"

const waitForEvent = async (events: ReadonlyArray<string>, event: string) => {
  const start = Date.now()
  while (!events.includes(event)) {
    if (Date.now() - start > 5_000) throw new Error(`no ${event} in ${JSON.stringify(events)}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { id: Schema.String }) {}

const Add = McpServer.tool({
  name: "add",
  parameters: {
    a: Schema.Int,
    b: Schema.Number,
    label: Schema.optionalKey(Schema.String),
    note: Schema.optional(Schema.String)
  },
  handler: ({ a, b, label }) => Effect.succeed(`${label ?? "sum"}=${a + b}`)
})

describe("McpServer tools: wire descriptions", () => {
  it.live("an inputSchema generated from Schemas is clean (integer, no NaN, optional keys neither required nor nullable)", () =>
    Effect.gen(function*() {
      const AsStruct = McpServer.tool({
        name: "struct",
        parameters: Schema.Struct({ n: Schema.Number, flag: Schema.optionalKey(Schema.Boolean) }),
        handler: () => Effect.succeed("ok")
      })
      const NoParams = McpServer.tool({ name: "none", handler: () => Effect.succeed("ok") })
      const { client } = yield* serveAndConnect(Layer.mergeAll(Add, AsStruct, NoParams))
      const { tools } = yield* sdk(() => client.listTools())
      const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]))
      assert.deepStrictEqual(byName.add!.inputSchema, {
        type: "object",
        properties: {
          a: { type: "integer" },
          b: { type: "number" },
          label: { type: "string" },
          note: { type: "string" }
        },
        required: ["a", "b"]
      })
      assert.deepStrictEqual(byName.struct!.inputSchema, {
        type: "object",
        properties: { n: { type: "number" }, flag: { type: "boolean" } },
        required: ["n"]
      })
      assert.deepStrictEqual(byName.none!.inputSchema, { type: "object", properties: {} })
      const text = JSON.stringify(tools)
      assert.notInclude(text, "NaN")
      assert.notInclude(text, "null")
      assert.notInclude(text, "MAX_SAFE")
      assert.notInclude(text, "9007199254740991")
    }))

  it.live("a raw Tool.jsonSchema is passed through exactly ($schema, $defs, $ref, additionalProperties) and its handler gets the arguments as sent", () =>
    Effect.gen(function*() {
      const schema = {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        $defs: {
          Point: {
            type: "object",
            properties: { x: { type: "number" }, y: { type: "number" } },
            required: ["x", "y"],
            additionalProperties: false
          }
        },
        properties: { at: { $ref: "#/$defs/Point" }, tags: { type: "array", items: { type: "string" } } },
        required: ["at"],
        additionalProperties: false
      } as const
      let seen: unknown
      const Raw = McpServer.tool({
        name: "raw",
        parameters: Tool.jsonSchema(schema),
        handler: (params) =>
          Effect.sync(() => {
            seen = params
            return "ok"
          })
      })
      const { client } = yield* serveAndConnect(Raw)
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools[0]!.inputSchema, JSON.parse(JSON.stringify(schema)))
      // Validated (test/server/McpServer.jsonSchemaTools.test.ts): arguments the schema forbids do not reach the handler.
      const refused = yield* sdk(() => client.callTool({ name: "raw", arguments: { at: { x: "1" }, extra: true } }))
      assert.isTrue(refused.isError)
      assert.isUndefined(seen)
      const result = yield* sdk(() => client.callTool({ name: "raw", arguments: { at: { x: 1, y: 2 }, tags: ["a"] } }))
      assert.isUndefined(result.isError)
      assert.deepStrictEqual(seen, { at: { x: 1, y: 2 }, tags: ["a"] })
    }))

  // Regression (src/server/Tool.ts before 21325f4, `call`: `let params: unknown = args`): a raw-schema
  // tool called without `arguments` (optional in MCP) got `undefined`, though its parameter type is
  // a record (Schema-typed tools decode `args ?? {}`).
  it.live("a raw-schema tool called without arguments gets an empty record", () =>
    Effect.gen(function*() {
      const Raw = McpServer.tool({
        name: "raw-no-args",
        parameters: Tool.jsonSchema({ type: "object", properties: { q: { type: "string" } } }),
        handler: (params) => Effect.sync(() => `keys: ${Object.keys(params).join(",")}`)
      })
      const { client } = yield* serveAndConnect(Raw)
      const result = yield* sdk(() => client.callTool({ name: "raw-no-args" }))
      assert.deepStrictEqual(result, { content: [{ type: "text", text: "keys: " }] })
    }))

  it.live("a union of Struct schemas as parameters gives an object inputSchema with anyOf and decodes either", () =>
    Effect.gen(function*() {
      const Shape = McpServer.tool({
        name: "shape",
        parameters: Schema.Union([
          Schema.Struct({ kind: Schema.Literal("circle"), radius: Schema.Number }),
          Schema.Struct({ kind: Schema.Literal("square"), side: Schema.Number })
        ]),
        handler: (shape) => Effect.succeed(shape.kind === "circle" ? `circle ${shape.radius}` : `square ${shape.side}`)
      })
      const { client } = yield* serveAndConnect(Shape)
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools[0]!.inputSchema, {
        type: "object",
        anyOf: [
          {
            type: "object",
            properties: { kind: { type: "string", enum: ["circle"] }, radius: { type: "number" } },
            required: ["kind", "radius"]
          },
          {
            type: "object",
            properties: { kind: { type: "string", enum: ["square"] }, side: { type: "number" } },
            required: ["kind", "side"]
          }
        ]
      })
      const square = yield* sdk(() => client.callTool({ name: "shape", arguments: { kind: "square", side: 2 } }))
      assert.deepStrictEqual(square.content, [{ type: "text", text: "square 2" }])
      const bad = yield* sdk(() => client.callTool({ name: "shape", arguments: { kind: "square", radius: 2 } }))
      assert.isTrue(bad.isError)
    }))

  it.live("title, description, annotations, icons, execution and _meta are on the wire", () =>
    Effect.gen(function*() {
      const Described = McpServer.tool({
        name: "described",
        title: "Described Tool",
        description: "has everything",
        annotations: { title: "Annotated", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
        icons: [{ src: "https://example.com/icon.png", mimeType: "image/png", sizes: ["48x48"] }],
        meta: { "example.com/owner": "team-a", nested: { level: 2 } },
        execution: { taskSupport: "optional" },
        handler: () => Effect.succeed("ok")
      })
      const { client } = yield* serveAndConnect(Described, { tasks: McpServer.tasks() })
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools, [{
        name: "described",
        title: "Described Tool",
        description: "has everything",
        inputSchema: { type: "object", properties: {} },
        annotations: { title: "Annotated", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
        icons: [{ src: "https://example.com/icon.png", mimeType: "image/png", sizes: ["48x48"] }],
        execution: { taskSupport: "optional" },
        _meta: { "example.com/owner": "team-a", nested: { level: 2 } }
      }])
    }))

  it.live("without the tasks capability, execution is not advertised (it would promise tasks)", () =>
    Effect.gen(function*() {
      const Optional = McpServer.tool({
        name: "optional",
        description: "could run as a task",
        execution: { taskSupport: "optional" },
        handler: () => Effect.succeed("ok")
      })
      const { client } = yield* serveAndConnect(Optional)
      assert.isUndefined(client.getServerCapabilities()?.tasks)
      const { tools } = yield* sdk(() => client.listTools())
      assert.isUndefined(tools[0]!.execution)
      const withTasks = yield* serveAndConnect(Optional, { tasks: McpServer.tasks() })
      assert.deepStrictEqual(withTasks.client.getServerCapabilities()?.tasks, {
        list: {},
        cancel: {},
        requests: { tools: { call: {} } }
      })
      const listed = yield* sdk(() => withTasks.client.listTools())
      assert.deepStrictEqual(listed.tools[0]!.execution, { taskSupport: "optional" })
    }))
})

describe("McpServer tools: results", () => {
  it.live("a success schema gives an outputSchema, structuredContent and a text block with the JSON", () =>
    Effect.gen(function*() {
      const Stats = McpServer.tool({
        name: "stats",
        parameters: { values: Schema.Array(Schema.Number) },
        success: Schema.Struct({ count: Schema.Int, mean: Schema.Number, label: Schema.optionalKey(Schema.String) }),
        handler: ({ values }) =>
          Effect.succeed({ count: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length })
      })
      const { client } = yield* serveAndConnect(Stats)
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools[0]!.outputSchema, {
        type: "object",
        properties: { count: { type: "integer" }, mean: { type: "number" }, label: { type: "string" } },
        required: ["count", "mean"]
      })
      // listTools cached the output schema: the SDK validates structuredContent against it.
      const result = yield* sdk(() => client.callTool({ name: "stats", arguments: { values: [1, 2, 6] } }))
      assert.deepStrictEqual(result.structuredContent, { count: 3, mean: 3 })
      assert.deepStrictEqual(result.content, [{ type: "text", text: JSON.stringify({ count: 3, mean: 3 }) }])
      assert.isUndefined(result.isError)
    }))

  it.live("structuredContent is the encoded side of the success schema", () =>
    Effect.gen(function*() {
      const Encoded = McpServer.tool({
        name: "encoded",
        success: Schema.Struct({ n: Schema.NumberFromString }),
        handler: () => Effect.succeed({ n: 12 })
      })
      const { client } = yield* serveAndConnect(Encoded)
      const { tools } = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools[0]!.outputSchema, {
        type: "object",
        properties: { n: { type: "string" } },
        required: ["n"]
      })
      const result = yield* sdk(() => client.callTool({ name: "encoded", arguments: {} }))
      assert.deepStrictEqual(result.structuredContent, { n: "12" })
      assert.deepStrictEqual(result.content, [{ type: "text", text: "{\"n\":\"12\"}" }])
    }))

  it.live("a non-object success schema is wrapped as { result }", () =>
    Effect.gen(function*() {
      const Answer = McpServer.tool({ name: "answer", success: Schema.Int, handler: () => Effect.succeed(42) })
      const Names = McpServer.tool({
        name: "names",
        success: Schema.Array(Schema.String),
        handler: () => Effect.succeed(["a", "b"])
      })
      const { client } = yield* serveAndConnect(Layer.mergeAll(Answer, Names))
      const { tools } = yield* sdk(() => client.listTools())
      const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]))
      assert.deepStrictEqual(byName.answer!.outputSchema, {
        type: "object",
        properties: { result: { type: "integer" } },
        required: ["result"]
      })
      assert.deepStrictEqual(byName.names!.outputSchema, {
        type: "object",
        properties: { result: { type: "array", items: { type: "string" } } },
        required: ["result"]
      })
      const answer = yield* sdk(() => client.callTool({ name: "answer", arguments: {} }))
      assert.deepStrictEqual(answer.structuredContent, { result: 42 })
      assert.deepStrictEqual(answer.content, [{ type: "text", text: "{\"result\":42}" }])
      const names = yield* sdk(() => client.callTool({ name: "names", arguments: {} }))
      assert.deepStrictEqual(names.structuredContent, { result: ["a", "b"] })
    }))

  it.live("content helpers are returned as-is; a string, one block or a whole result are normalized", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array([0, 1, 2, 253, 254, 255])
      const base64 = Buffer.from(bytes).toString("base64")
      const blocks = [
        Content.text("hello", { annotations: { audience: ["user"], priority: 0.5 } }),
        Content.image(bytes, "image/png"),
        Content.audio("UklGRg==", "audio/wav"),
        Content.resourceText("test://notes/1", "note one", { mimeType: "text/plain" }),
        Content.resourceBlob("test://blobs/1", bytes, { mimeType: "application/octet-stream" }),
        Content.resourceLink("test://docs/1", "doc-1", { title: "Doc One", mimeType: "text/markdown", size: 10 })
      ]
      const Many = McpServer.tool({ name: "many", handler: () => Effect.succeed(blocks) })
      const One = McpServer.tool({ name: "one", handler: () => Effect.succeed(Content.image("AAAA", "image/gif")) })
      const Text = McpServer.tool({ name: "text", handler: () => Effect.succeed("plain") })
      const Whole = McpServer.tool({
        name: "whole",
        handler: () => Effect.succeed({ content: [Content.text("w")], structuredContent: { w: 1 }, _meta: { k: "v" } })
      })
      const { client } = yield* serveAndConnect(Layer.mergeAll(Many, One, Text, Whole))
      const many = yield* sdk(() => client.callTool({ name: "many", arguments: {} }))
      assert.deepStrictEqual(many.content, [
        { type: "text", text: "hello", annotations: { audience: ["user"], priority: 0.5 } },
        { type: "image", data: base64, mimeType: "image/png" },
        { type: "audio", data: "UklGRg==", mimeType: "audio/wav" },
        { type: "resource", resource: { uri: "test://notes/1", mimeType: "text/plain", text: "note one" } },
        { type: "resource", resource: { uri: "test://blobs/1", mimeType: "application/octet-stream", blob: base64 } },
        { type: "resource_link", uri: "test://docs/1", name: "doc-1", title: "Doc One", mimeType: "text/markdown", size: 10 }
      ])
      const one = yield* sdk(() => client.callTool({ name: "one", arguments: {} }))
      assert.deepStrictEqual(one.content, [{ type: "image", data: "AAAA", mimeType: "image/gif" }])
      const text = yield* sdk(() => client.callTool({ name: "text", arguments: {} }))
      assert.deepStrictEqual(text.content, [{ type: "text", text: "plain" }])
      const whole = yield* sdk(() => client.callTool({ name: "whole", arguments: {} }))
      assert.deepStrictEqual(whole, { content: [{ type: "text", text: "w" }], structuredContent: { w: 1 }, _meta: { k: "v" } })
    }))

  it.live("arguments are decoded by the parameters schema before the handler runs", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(Add)
      const result = yield* sdk(() => client.callTool({ name: "add", arguments: { a: 2, b: 0.5, label: "total" } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "total=2.5" }])
    }))
})

describe("McpServer tools: errors", () => {
  const Lookup = McpServer.tool({
    name: "lookup",
    parameters: { id: Schema.String },
    success: Schema.Struct({ id: Schema.String, title: Schema.String }),
    failure: NotFound,
    handler: ({ id }) => id === "1" ? Effect.succeed({ id, title: "One" }) : Effect.fail(new NotFound({ id }))
  })
  const Boom = McpServer.tool({
    name: "boom",
    handler: () => Effect.die(new Error("secret-token-123 leaked"))
  })
  const Throws = McpServer.tool({
    name: "throws",
    handler: (): Effect.Effect<string> => {
      throw new Error("secret-thrown-456")
    }
  })
  const AsyncBoom = McpServer.tool({
    name: "async-boom",
    handler: () => Effect.andThen(Effect.sleep(1), Effect.die(new Error("secret-async-789")))
  })
  const Undeclared = McpServer.tool({
    name: "undeclared",
    failure: NotFound,
    // An error that is not the declared failure (impossible in typed code; a cast lets it through).
    handler: () => Effect.fail({ _tag: "Other", secret: "secret-undeclared-000" } as unknown as NotFound)
  })
  const Errors = Layer.mergeAll(Lookup, Boom, Throws, AsyncBoom, Undeclared)

  it.live("a declared failure is an isError result with the encoded failure as JSON text", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(Errors)
      yield* sdk(() => client.listTools())
      const ok = yield* sdk(() => client.callTool({ name: "lookup", arguments: { id: "1" } }))
      assert.deepStrictEqual(ok.structuredContent, { id: "1", title: "One" })
      const failed = yield* sdk(() => client.callTool({ name: "lookup", arguments: { id: "7" } }))
      assert.isTrue(failed.isError)
      assert.isUndefined(failed.structuredContent)
      const content = failed.content as Array<{ type: string; text: string }>
      assert.strictEqual(content.length, 1)
      assert.strictEqual(content[0]!.type, "text")
      assert.deepStrictEqual(JSON.parse(content[0]!.text), { _tag: "NotFound", id: "7" })
    }))

  it.live("defects and undeclared failures are masked by default (no secret text reaches the client)", () =>
    Effect.gen(function*() {
      const { client, received } = yield* serveAndConnect(Errors)
      for (const name of ["boom", "throws", "async-boom", "undeclared"]) {
        const result = yield* sdk(() => client.callTool({ name, arguments: {} }))
        assert.isTrue(result.isError, name)
        const text = (result.content as Array<{ text: string }>)[0]!.text
        assert.notInclude(text, "secret", name)
        assert.include(text, name)
        assert.include(text, "internal error")
      }
      yield* settle()
      // Not through logging either.
      assert.notInclude(JSON.stringify(received), "secret")
    }))

  it.live("with maskErrors: false the real message is shown", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(Errors, { maskErrors: false })
      const expected: Record<string, string> = {
        boom: "secret-token-123 leaked",
        throws: "secret-thrown-456",
        "async-boom": "secret-async-789",
        undeclared: "secret-undeclared-000"
      }
      for (const [name, secret] of Object.entries(expected)) {
        const result = yield* sdk(() => client.callTool({ name, arguments: {} }))
        assert.isTrue(result.isError, name)
        assert.include((result.content as Array<{ text: string }>)[0]!.text, secret, name)
      }
    }))

  it.live("a handler that succeeds with no result (undefined, null, a number: untyped code) fails as a defect does", () =>
    Effect.gen(function*() {
      const tools = ([["undefined", undefined], ["null", null], ["number", 42]] as const).map(([name, value]) =>
        McpServer.tool({ name, handler: () => Effect.succeed(value as unknown as string) })
      )
      const layer = Layer.mergeAll(tools[0]!, tools[1]!, tools[2]!)
      const masked = yield* serveAndConnect(layer)
      const shown = yield* serveAndConnect(layer, { maskErrors: false })
      for (const name of ["undefined", "null", "number"]) {
        const result = yield* sdk(() => masked.client.callTool({ name, arguments: {} }))
        assert.isTrue(result.isError, name)
        assert.include((result.content as Array<{ text: string }>)[0]!.text, "internal error")
        const detailed = yield* sdk(() => shown.client.callTool({ name, arguments: {} }))
        assert.include((detailed.content as Array<{ text: string }>)[0]!.text, "not a string, content blocks or a CallToolResult")
      }
    }))

  it.live("a content helper given an option the wire does not allow (meta: null, size: NaN) fails as a defect does", () =>
    Effect.gen(function*() {
      // Untyped code: the casts stand for values no type checked.
      const NullMeta = McpServer.tool({
        name: "null-meta",
        handler: () => Effect.succeed(Content.text("t", { meta: null as unknown as {} }))
      })
      const NaNSize = McpServer.tool({
        name: "nan-size",
        handler: () => Effect.sync(() => [Content.resourceLink("x://a", "a", { size: Number.NaN })])
      })
      const layer = Layer.merge(NullMeta, NaNSize)
      const masked = yield* serveAndConnect(layer)
      const shown = yield* serveAndConnect(layer, { maskErrors: false })
      const expected: Record<string, string> = {
        "null-meta": "Content.text: meta must be an object, not null",
        "nan-size": "Content.resourceLink: size must be a whole number of bytes (0 or more), not NaN"
      }
      for (const [name, message] of Object.entries(expected)) {
        // The client accepts the answer (it refused the whole result with the block in it).
        const result = yield* sdk(() => masked.client.callTool({ name, arguments: {} }))
        assert.isTrue(result.isError, name)
        assert.include((result.content as Array<{ text: string }>)[0]!.text, "internal error")
        const detailed = yield* sdk(() => shown.client.callTool({ name, arguments: {} }))
        assert.isTrue(detailed.isError, name)
        assert.include((detailed.content as Array<{ text: string }>)[0]!.text, message)
      }
    }))

  it.live("a success value that fails its own schema is a masked tool error, not invalid structuredContent", () =>
    Effect.gen(function*() {
      const Bad = McpServer.tool({
        name: "bad-output",
        success: Schema.Struct({ n: Schema.Int }),
        // The type allows any number; the schema's check rejects 1.5 when encoding.
        handler: () => Effect.succeed({ n: 1.5 })
      })
      const { client } = yield* serveAndConnect(Bad)
      yield* sdk(() => client.listTools())
      const result = yield* sdk(() => client.callTool({ name: "bad-output", arguments: {} }))
      assert.isTrue(result.isError)
      assert.isUndefined(result.structuredContent)
      assert.deepStrictEqual(result.content, [{ type: "text", text: "Tool bad-output failed: internal error" }])
    }))

  it.live("cancelling a call interrupts its handler and no result is sent", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const Slow = McpServer.tool({
        name: "slow",
        handler: () =>
          Effect.sync(() => events.push("started")).pipe(
            Effect.andThen(Effect.sleep(10_000)),
            Effect.as("finished"),
            Effect.onInterrupt(() => Effect.sync(() => events.push("interrupted")))
          )
      })
      const { client, received } = yield* serveAndConnect(Slow)
      const controller = new AbortController()
      const call = client.callTool({ name: "slow", arguments: {} }, undefined, { signal: controller.signal })
      const outcome = call.then(() => "resolved", () => "rejected")
      yield* Effect.promise(() => waitForEvent(events, "started"))
      controller.abort("user cancelled")
      assert.strictEqual(yield* Effect.promise(() => outcome), "rejected")
      yield* Effect.promise(() => waitForEvent(events, "interrupted"))
      yield* settle()
      assert.deepStrictEqual(events, ["started", "interrupted"])
      // No response for the cancelled request reached the client.
      assert.isFalse(received.some((m) => m.id !== undefined && m.result?.content?.[0]?.text === "finished"))
      // The session still serves requests.
      const again = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(again.tools.map((t) => t.name), ["slow"])
    }))

  it.live("invalid arguments are an isError result for a 2025-11-25 client and the handler does not run", () =>
    Effect.gen(function*() {
      let ran = 0
      const Counted = McpServer.tool({
        name: "counted",
        parameters: { a: Schema.Int },
        handler: ({ a }) => Effect.sync(() => `${++ran}:${a}`)
      })
      const { client } = yield* serveAndConnect(Counted)
      for (const args of [{ a: "1" }, { a: 1.5 }, {}, { a: null }]) {
        const result = yield* sdk(() => client.callTool({ name: "counted", arguments: args }))
        assert.isTrue(result.isError, JSON.stringify(args))
        const text = (result.content as Array<{ type: string; text: string }>)[0]!
        assert.strictEqual(text.type, "text")
        assert.include(text.text, "counted")
      }
      assert.strictEqual(ran, 0)
      const ok = yield* sdk(() => client.callTool({ name: "counted", arguments: { a: 3 } }))
      assert.deepStrictEqual(ok.content, [{ type: "text", text: "1:3" }])
    }))

  it.live("invalid arguments are -32602 for a client that negotiated 2025-06-18", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Add)
      const raw = yield* connectRaw(server, "2025-06-18")
      assert.strictEqual(raw.initializeResult.result.protocolVersion, "2025-06-18")
      const bad = yield* Effect.promise(() => raw.request(1, "tools/call", { name: "add", arguments: { a: "x", b: 1 } }))
      assert.strictEqual(bad.error?.code, -32602)
      assert.isUndefined(bad.result)
      const good = yield* Effect.promise(() => raw.request(2, "tools/call", { name: "add", arguments: { a: 1, b: 1 } }))
      assert.deepStrictEqual(good.result, { content: [{ type: "text", text: "sum=2" }] })
      // The same server answers a 2025-11-25 raw client with an isError result.
      const latest = yield* connectRaw(server, "2025-11-25")
      const soft = yield* Effect.promise(() => latest.request(1, "tools/call", { name: "add", arguments: { a: "x", b: 1 } }))
      assert.isUndefined(soft.error)
      assert.isTrue(soft.result.isError)
    }))

  it.live("an unknown tool is -32602", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(Add)
      const error = yield* sdkError(() => client.callTool({ name: "nope", arguments: {} }))
      assert.strictEqual(error.code, -32602)
      assert.include(error.message, "nope")
    }))
})

describe("McpServer tools: progress and logging", () => {
  const Work = McpServer.tool({
    name: "work",
    handler: () =>
      Effect.gen(function*() {
        yield* McpContext.progress(1, 3, "first")
        yield* McpContext.log("info", { step: "context-log" }, "worker")
        yield* Effect.log("effect-log-info")
        yield* Effect.logWarning("effect-log-warning")
        yield* McpContext.progress(3, 3)
        return "done"
      })
  })

  it.live("progress reaches the SDK's onprogress; McpContext.log and Effect.log reach the client as notifications/message", () =>
    Effect.gen(function*() {
      const { client, waitFor, notifications } = yield* serveAndConnect(Work)
      const progress: Array<unknown> = []
      const result = yield* sdk(() =>
        client.callTool({ name: "work", arguments: {} }, undefined, { onprogress: (p) => progress.push(p) })
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: "done" }])
      yield* Effect.promise(() => waitFor((m) => m.method === "notifications/message" && m.params.data === "effect-log-warning"))
      assert.deepStrictEqual(progress, [{ progress: 1, total: 3, message: "first" }, { progress: 3, total: 3 }])
      assert.deepStrictEqual(notifications("notifications/message").map((m) => m.params), [
        { level: "info", logger: "worker", data: { step: "context-log" } },
        { level: "info", data: "effect-log-info" },
        { level: "warning", data: "effect-log-warning" }
      ])
    }))

  it.live("Effect.log levels map to MCP levels; several parts are joined (strings) or sent as an array", () =>
    Effect.gen(function*() {
      const Levels = McpServer.tool({
        name: "levels",
        handler: () =>
          Effect.gen(function*() {
            yield* Effect.log("two", "strings")
            yield* Effect.log("count", { n: 3 })
            yield* Effect.logError("bad")
            yield* Effect.logFatal("worse")
            return "ok"
          })
      })
      const { client, waitFor, notifications } = yield* serveAndConnect(Levels)
      yield* sdk(() => client.callTool({ name: "levels", arguments: {} }))
      yield* Effect.promise(() => waitFor((m) => m.method === "notifications/message" && m.params.data === "worse"))
      assert.deepStrictEqual(notifications("notifications/message").map((m) => m.params), [
        { level: "info", data: "two strings" },
        { level: "info", data: ["count", { n: 3 }] },
        { level: "error", data: "bad" },
        { level: "critical", data: "worse" }
      ])
    }))

  it.live("without a progress token no progress is sent; logging/setLevel filters both log paths", () =>
    Effect.gen(function*() {
      const { client, waitFor, notifications } = yield* serveAndConnect(Work)
      yield* sdk(() => client.setLoggingLevel("warning"))
      yield* sdk(() => client.callTool({ name: "work", arguments: {} }))
      yield* Effect.promise(() => waitFor((m) => m.method === "notifications/message" && m.params.data === "effect-log-warning"))
      yield* settle()
      assert.deepStrictEqual(notifications("notifications/progress"), [])
      assert.deepStrictEqual(notifications("notifications/message").map((m) => m.params), [
        { level: "warning", data: "effect-log-warning" }
      ])
      yield* sdk(() => client.setLoggingLevel("error"))
      yield* sdk(() => client.callTool({ name: "work", arguments: {} }))
      yield* settle()
      assert.strictEqual(notifications("notifications/message").length, 1)
    }))

})

describe("McpServer tools: values beyond JSON travel in their JSON form", () => {
  interface Node {
    readonly name: string
    readonly children: ReadonlyArray<Node>
  }
  const Node = Schema.Struct({
    name: Schema.String,
    children: Schema.Array(Schema.suspend((): Schema.Codec<Node> => Node))
  }).annotate({ identifier: "Node" })

  it.live("Date, BigInt and Option parameters and results use the JSON form their schemas advertise", () =>
    Effect.gen(function*() {
      const When = McpServer.tool({
        name: "when",
        parameters: { at: Schema.Date, count: Schema.BigInt, note: Schema.Option(Schema.String) },
        success: Schema.Struct({ year: Schema.Number, next: Schema.BigInt, note: Schema.Option(Schema.String) }),
        handler: ({ at, count, note }) => Effect.succeed({ year: at.getUTCFullYear(), next: count + 1n, note })
      })
      const { client } = yield* serveAndConnect(When)
      const tool = (yield* sdk(() => client.listTools())).tools[0]!
      assert.strictEqual((tool.inputSchema.properties as any).at.type, "string")
      const result = yield* sdk(() =>
        client.callTool({
          name: "when",
          arguments: { at: "2024-05-06T07:08:09.000Z", count: "41", note: { _tag: "Some", value: "hi" } }
        })
      )
      assert.isUndefined(result.isError, JSON.stringify(result))
      assert.deepStrictEqual(result.structuredContent, { year: 2024, next: "42", note: { _tag: "Some", value: "hi" } })
    }))

  it.live("a wrapped recursive result schema keeps its definitions at the root (the SDK client validates against it)", () =>
    Effect.gen(function*() {
      const Tree = McpServer.tool({
        name: "tree",
        success: Schema.Array(Node),
        handler: () => Effect.succeed([{ name: "a", children: [{ name: "b", children: [] }] }])
      })
      const { client } = yield* serveAndConnect(Tree)
      const listed = yield* sdk(() => client.listTools())
      const schema = listed.tools[0]!.outputSchema as unknown as { $defs?: Record<string, unknown>; properties: { result: Record<string, unknown> } }
      assert.isDefined(schema.$defs?.Node)
      assert.isUndefined(schema.properties.result.$defs)
      const result = yield* sdk(() => client.callTool({ name: "tree", arguments: {} }))
      assert.deepStrictEqual(result.structuredContent, { result: [{ name: "a", children: [{ name: "b", children: [] }] }] })
    }))
})
