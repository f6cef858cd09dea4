/**
 * Runtime tests for `src/protocol/McpSchema.ts`: real MCP 2025-11-25 messages decode
 * (and re-encode unchanged), malformed ones are rejected, and open-ended JSON survives.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Mcp from "../../src/protocol/McpSchema.ts"

// -----------------------------------------------------------------------------
// Helpers
// -----------------------------------------------------------------------------

type AnySchema = Schema.Codec<unknown, unknown>

/** Decodes or fails the test with the schema error. */
const decodeOk = <S extends AnySchema>(schema: S, input: unknown): S["Type"] => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  if (Exit.isFailure(exit)) {
    assert.fail(`expected ${JSON.stringify(input)} to decode, got:\n${Cause.pretty(exit.cause)}`)
  }
  return exit.value
}

/** Asserts that decoding fails. */
const decodeFails = (schema: AnySchema, input: unknown): void => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  assert.isTrue(Exit.isFailure(exit), `expected ${JSON.stringify(input)} to be rejected`)
}

/** Decodes, checks the decoded value equals the input, re-encodes and checks the JSON is unchanged. */
const roundTrip = <S extends AnySchema>(schema: S, input: unknown): S["Type"] => {
  const decoded = decodeOk(schema, input)
  assert.deepStrictEqual(decoded, input, "decoding changed the value")
  const exit = Schema.encodeUnknownExit(schema)(decoded)
  if (Exit.isFailure(exit)) assert.fail(`re-encoding failed:\n${Cause.pretty(exit.cause)}`)
  assert.deepStrictEqual(JSON.parse(JSON.stringify(exit.value)), input, "encoding changed the value")
  return decoded
}

const task: Mcp.Task = {
  taskId: "786512e2-9e0d-44bd-8f29-789f320fe840",
  status: "working",
  statusMessage: "The operation is now in progress.",
  createdAt: "2025-11-25T10:30:00Z",
  lastUpdatedAt: "2025-11-25T10:40:00Z",
  ttl: 60000,
  pollInterval: 5000
}

// -----------------------------------------------------------------------------
// Common
// -----------------------------------------------------------------------------

describe("McpSchema: common shapes", () => {
  it("parameterless requests accept absent params, {} and { _meta }", () => {
    const ping = Mcp.ClientRequests["ping"].params
    assert.deepStrictEqual(decodeOk(ping, Mcp.paramsOrEmpty(undefined)), {})
    assert.deepStrictEqual(decodeOk(ping, {}), {})
    roundTrip(ping, { _meta: { progressToken: "p-1", "example.com/trace": { id: 1 } } })
    for (const method of ["notifications/initialized", "notifications/roots/list_changed"] as const) {
      assert.deepStrictEqual(decodeOk(Mcp.ClientNotifications[method], Mcp.paramsOrEmpty(undefined)), {})
      roundTrip(Mcp.ClientNotifications[method], { _meta: { a: 1 } })
    }
    assert.deepStrictEqual(decodeOk(Mcp.ClientRequests["tools/list"].params, Mcp.paramsOrEmpty(undefined)), {})
    roundTrip(Mcp.ClientRequests["tools/list"].params, { cursor: "opaque-cursor" })
    assert.strictEqual(Mcp.paramsOrEmpty(null), null)
    decodeFails(ping, null)
    decodeFails(ping, "params")
  })

  it("methods with required params reject absent params", () => {
    decodeFails(Mcp.ClientRequests["tools/call"].params, Mcp.paramsOrEmpty(undefined))
    decodeFails(Mcp.ClientRequests["resources/read"].params, Mcp.paramsOrEmpty(undefined))
    decodeFails(Mcp.ClientRequests["initialize"].params, Mcp.paramsOrEmpty(undefined))
  })

  it("_meta keeps every key and exposes a typed progressToken", () => {
    const params = roundTrip(Mcp.RequestParams, {
      _meta: { progressToken: 42, "io.modelcontextprotocol/related-task": { taskId: "t1" }, deep: { x: [1, { y: null }] } }
    })
    assert.strictEqual(params._meta?.progressToken, 42)
    decodeFails(Mcp.RequestParams, { _meta: { progressToken: 1.5 } })
    decodeFails(Mcp.RequestParams, { _meta: { progressToken: true } })
    decodeFails(Mcp.RequestParams, { _meta: [] })
  })

  it("optional keys are absent, never undefined or null", () => {
    decodeFails(Mcp.PaginatedRequestParams, { cursor: null })
    decodeFails(Mcp.Implementation, { name: "x", version: "1", title: null })
    const decoded = decodeOk(Mcp.Implementation, { name: "x", version: "1" })
    assert.isFalse("title" in decoded)
  })

  it("closed objects drop unknown keys", () => {
    assert.deepStrictEqual(decodeOk(Mcp.Icon, { src: "https://x/icon.png", unknownKey: 1 }), { src: "https://x/icon.png" })
  })

  it("every method map entry is a schema", () => {
    for (const map of [Mcp.ClientRequests, Mcp.ServerRequests]) {
      for (const [method, entry] of Object.entries(map)) {
        assert.isTrue(Schema.isSchema(entry.params), `${method}.params`)
        assert.isTrue(Schema.isSchema(entry.result), `${method}.result`)
      }
    }
    for (const map of [Mcp.ClientNotifications, Mcp.ServerNotifications]) {
      for (const [method, params] of Object.entries(map)) assert.isTrue(Schema.isSchema(params), method)
    }
    assert.strictEqual(Object.keys(Mcp.ClientRequests).length, 17)
    assert.strictEqual(Object.keys(Mcp.ServerRequests).length, 8)
    assert.strictEqual(Object.keys(Mcp.ClientNotifications).length, 5)
    assert.strictEqual(Object.keys(Mcp.ServerNotifications).length, 9)
  })
})

// -----------------------------------------------------------------------------
// initialize
// -----------------------------------------------------------------------------

describe("McpSchema: initialize", () => {
  it("decodes what the SDK client actually sends, and the SDK client accepts our result", async () => {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
    const received: Array<JSONRPCMessage> = []
    const initializeResult = Schema.encodeUnknownSync(Mcp.InitializeResult)({
      protocolVersion: "2025-11-25",
      capabilities: { tools: { listChanged: true }, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      serverInfo: { name: "effect-mcp-server", version: "0.1.0", icons: [{ src: "data:image/png;base64,AAAA", sizes: ["any"] }] },
      instructions: "Be nice."
    })
    const rawTool = {
      name: "search",
      inputSchema: { type: "object", properties: { q: { type: "string" } }, required: ["q"], additionalProperties: false }
    }
    serverTransport.onmessage = (message) => {
      received.push(message)
      if (!("id" in message) || !("method" in message)) return
      const reply = (result: unknown) =>
        void serverTransport.send({ jsonrpc: "2.0", id: message.id, result } as JSONRPCMessage)
      switch (message.method) {
        case "initialize":
          return reply(initializeResult)
        case "tools/list":
          return reply(Schema.encodeUnknownSync(Mcp.ListToolsResult)({ tools: [rawTool] }))
        case "tools/call":
          return reply(Schema.encodeUnknownSync(Mcp.CallToolResult)({
            content: [{ type: "text", text: "found" }],
            structuredContent: { hits: [1, 2] }
          }))
      }
    }
    await serverTransport.start()

    const client = new Client(
      { name: "test-client", version: "1.2.3", title: "Test client" },
      {
        capabilities: {
          roots: { listChanged: true },
          sampling: { tools: {} },
          elicitation: { form: {}, url: {} },
          tasks: { list: {}, cancel: {}, requests: { elicitation: { create: {} } } },
          experimental: { "example.com/feature": { level: 2 } }
        }
      }
    )
    await client.connect(clientTransport)
    assert.deepStrictEqual<unknown>(client.getServerVersion(), decodeOk(Mcp.Implementation, initializeResult.serverInfo))
    const tools = await client.listTools()
    assert.deepStrictEqual<unknown>(tools.tools[0]?.inputSchema, rawTool.inputSchema)
    const called = await client.callTool({ name: "search", arguments: { q: "effect" } }, undefined, {
      onprogress: () => {}
    })
    assert.deepStrictEqual(called.structuredContent, { hits: [1, 2] })
    await client.close()

    const [initialize, initialized, list, call] = received
    assert.isTrue(initialize !== undefined && "method" in initialize && initialize.method === "initialize")
    const init = roundTrip(Mcp.ClientRequests["initialize"].params, (initialize as { params?: unknown }).params)
    assert.strictEqual(init.clientInfo.name, "test-client")
    assert.strictEqual(init.protocolVersion, "2025-11-25")
    assert.deepStrictEqual(init.capabilities.experimental, { "example.com/feature": { level: 2 } })
    assert.deepStrictEqual(init.capabilities.elicitation, { form: {}, url: {} })

    assert.isTrue(initialized !== undefined && "method" in initialized && initialized.method === "notifications/initialized")
    decodeOk(
      Mcp.ClientNotifications["notifications/initialized"],
      Mcp.paramsOrEmpty((initialized as { params?: unknown }).params)
    )

    assert.isTrue(list !== undefined && "method" in list && list.method === "tools/list")
    decodeOk(Mcp.ClientRequests["tools/list"].params, Mcp.paramsOrEmpty((list as { params?: unknown }).params))

    assert.isTrue(call !== undefined && "method" in call && call.method === "tools/call")
    const callParams = roundTrip(Mcp.ClientRequests["tools/call"].params, (call as { params?: unknown }).params)
    assert.deepStrictEqual(callParams.arguments, { q: "effect" })
    assert.isDefined(callParams._meta?.progressToken)
  })

  it("decodes a full hand-written initialize exchange", () => {
    roundTrip(Mcp.InitializeRequestParams, {
      protocolVersion: "2025-11-25",
      capabilities: {
        roots: { listChanged: true },
        sampling: { context: {}, tools: {} },
        elicitation: {},
        tasks: { requests: { sampling: { createMessage: {} } } },
        extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html"] } }
      },
      clientInfo: {
        name: "ExampleClient",
        title: "Example Client Display Name",
        version: "1.0.0",
        description: "An example MCP client application",
        icons: [{ src: "https://example.com/icon.png", mimeType: "image/png", sizes: ["48x48"], theme: "light" }],
        websiteUrl: "https://example.com"
      },
      _meta: { progressToken: "init" }
    })
    roundTrip(Mcp.InitializeResult, {
      protocolVersion: "2025-11-25",
      capabilities: {
        logging: {},
        completions: {},
        prompts: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        tools: { listChanged: true },
        experimental: { "x/y": {} }
      },
      serverInfo: { name: "ExampleServer", version: "1.0.0" },
      instructions: "Optional instructions for the client",
      _meta: { a: 1 }
    })
  })

  it("rejects malformed initialize params", () => {
    const valid = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } }
    decodeOk(Mcp.InitializeRequestParams, valid)
    decodeFails(Mcp.InitializeRequestParams, { ...valid, protocolVersion: 20251125 })
    decodeFails(Mcp.InitializeRequestParams, { capabilities: {}, clientInfo: valid.clientInfo })
    decodeFails(Mcp.InitializeRequestParams, { ...valid, clientInfo: { name: "c" } })
    decodeFails(Mcp.InitializeRequestParams, { ...valid, capabilities: { roots: { listChanged: "yes" } } })
    decodeFails(Mcp.InitializeRequestParams, { ...valid, capabilities: { experimental: { feature: true } } })
    decodeFails(Mcp.InitializeRequestParams, { ...valid, capabilities: { sampling: { tools: null } } })
    decodeFails(Mcp.InitializeRequestParams, {
      ...valid,
      clientInfo: { ...valid.clientInfo, icons: [{ src: "x", theme: "blue" }] }
    })
  })
})

// -----------------------------------------------------------------------------
// Tools
// -----------------------------------------------------------------------------

describe("McpSchema: tools", () => {
  const CallParams = Mcp.ClientRequests["tools/call"].params
  const CallResult = Mcp.ClientRequests["tools/call"].result

  it("tools/call without task keeps arbitrary arguments", () => {
    const params = roundTrip(CallParams, {
      name: "get_weather",
      arguments: { location: "New York", units: null, nested: { list: [1, "two", { three: 3 }], empty: {} } },
      _meta: { progressToken: "abc" }
    })
    assert.isUndefined(params.task)
    roundTrip(CallParams, { name: "no_args" })
  })

  it("tools/call with task", () => {
    const params = roundTrip(CallParams, {
      name: "get_weather",
      arguments: { city: "New York" },
      task: { ttl: 60000 },
      _meta: { "io.modelcontextprotocol/related-task": { taskId: "parent" } }
    })
    assert.strictEqual(params.task?.ttl, 60000)
    roundTrip(CallParams, { name: "t", task: {} })
  })

  it("tools/call rejects malformed params", () => {
    decodeFails(CallParams, { arguments: {} })
    decodeFails(CallParams, { name: 7 })
    decodeFails(CallParams, { name: "t", arguments: [1, 2] })
    decodeFails(CallParams, { name: "t", arguments: "{}" })
    decodeFails(CallParams, { name: "t", task: { ttl: "60000" } })
    decodeFails(CallParams, { name: "t", task: { ttl: 1.5 } })
    decodeFails(CallParams, { name: "t", task: true })
  })

  it("tools/call result is a CallToolResult or a CreateTaskResult", () => {
    roundTrip(CallResult, {
      content: [
        { type: "text", text: "hi", annotations: { audience: ["user"], priority: 0.5, lastModified: "2025-01-12T15:00:58Z" } },
        { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
        { type: "audio", data: "UklGRg==", mimeType: "audio/wav", _meta: { x: 1 } },
        { type: "resource_link", uri: "file:///a.txt", name: "a.txt", mimeType: "text/plain", size: 12 },
        { type: "resource", resource: { uri: "file:///b.bin", blob: "AAEC", mimeType: "application/octet-stream" } },
        { type: "resource", resource: { uri: "file:///c.txt", text: "hello" } }
      ],
      structuredContent: { temperature: 22.5, conditions: "Partly cloudy", extra: [null] },
      isError: false
    })
    const created = roundTrip(CallResult, {
      task: { ...task, ttl: null },
      _meta: { "io.modelcontextprotocol/model-immediate-response": "working on it" }
    })
    assert.isTrue("task" in created)
    decodeFails(CallResult, { content: [{ type: "video", data: "" }] })
    decodeFails(CallResult, { content: [{ type: "text" }] })
    decodeFails(CallResult, { content: "text" })
    decodeFails(CallResult, { isError: true })
    decodeFails(CallResult, { content: [{ type: "text", text: "x", annotations: { priority: 2 } }] })
    decodeFails(CallResult, { task: { ...task, ttl: undefined } })
    decodeFails(CallResult, { task: { ...task, status: "done" } })
  })

  it("a Tool with a raw JSON Schema 2020-12 inputSchema round-trips unchanged", () => {
    const tool = {
      name: "create_order",
      title: "Create order",
      description: "Creates an order",
      icons: [{ src: "https://example.com/order.svg", mimeType: "image/svg+xml", sizes: ["any"], theme: "dark" }],
      inputSchema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "https://example.com/schemas/order",
        type: "object",
        $defs: {
          address: {
            type: "object",
            properties: { street: { type: "string" }, zip: { type: "string", pattern: "^[0-9]{5}$" } },
            required: ["street"],
            additionalProperties: false
          }
        },
        properties: {
          shipTo: { $ref: "#/$defs/address" },
          items: {
            type: "array",
            items: { oneOf: [{ type: "string" }, { type: "integer", minimum: 1 }] },
            minItems: 1
          },
          note: { type: ["string", "null"], "x-mcp-header": "Note" }
        },
        required: ["shipTo", "items"],
        additionalProperties: false,
        unevaluatedProperties: false,
        "x-vendor": { keep: true }
      },
      outputSchema: {
        type: "object",
        properties: { orderId: { type: "string", format: "uuid" } },
        required: ["orderId"],
        $defs: { unused: { const: 1 } }
      },
      execution: { taskSupport: "optional" },
      annotations: { title: "Order", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      _meta: { "example.com/version": 3 }
    }
    const decoded = roundTrip(Mcp.Tool, tool)
    assert.strictEqual(decoded.inputSchema["$schema"], "https://json-schema.org/draft/2020-12/schema")
    assert.deepStrictEqual(decoded.inputSchema["$defs"], tool.inputSchema.$defs)
    assert.strictEqual(decoded.inputSchema["additionalProperties"], false)
    roundTrip(Mcp.ListToolsResult, { tools: [tool], nextCursor: "next" })
  })

  it("rejects malformed tools", () => {
    const base = { name: "t", inputSchema: { type: "object" } }
    roundTrip(Mcp.Tool, base)
    decodeFails(Mcp.Tool, { ...base, name: 1 })
    decodeFails(Mcp.Tool, { name: "t" })
    decodeFails(Mcp.Tool, { ...base, inputSchema: { type: "array" } })
    decodeFails(Mcp.Tool, { ...base, inputSchema: { properties: {} } })
    decodeFails(Mcp.Tool, { ...base, inputSchema: { type: "object", properties: { a: "string" } } })
    decodeFails(Mcp.Tool, { ...base, inputSchema: { type: "object", required: "a" } })
    decodeFails(Mcp.Tool, { ...base, execution: { taskSupport: "sometimes" } })
    decodeFails(Mcp.Tool, { ...base, annotations: { readOnlyHint: "true" } })
  })
})

// -----------------------------------------------------------------------------
// Prompts, resources, completion, logging
// -----------------------------------------------------------------------------

describe("McpSchema: prompts, resources, completion, logging", () => {
  it("prompts/get", () => {
    const Params = Mcp.ClientRequests["prompts/get"].params
    roundTrip(Params, { name: "code_review", arguments: { code: "def hello():\n    print('world')" } })
    roundTrip(Params, { name: "no_args" })
    decodeFails(Params, { name: "code_review", arguments: { lines: 3 } })
    decodeFails(Params, { arguments: {} })
    roundTrip(Mcp.ClientRequests["prompts/get"].result, {
      description: "Code review prompt",
      messages: [
        { role: "user", content: { type: "text", text: "Please review this Python code" } },
        { role: "assistant", content: { type: "resource", resource: { uri: "file:///x.py", text: "x = 1", mimeType: "text/x-python" } } }
      ]
    })
    decodeFails(Mcp.GetPromptResult, { messages: [{ role: "system", content: { type: "text", text: "x" } }] })
    roundTrip(Mcp.ListPromptsResult, {
      prompts: [{
        name: "code_review",
        title: "Request Code Review",
        description: "Asks the LLM to analyze code quality",
        arguments: [{ name: "code", description: "The code to review", required: true }],
        icons: [{ src: "https://example.com/p.png" }]
      }]
    })
  })

  it("resources", () => {
    roundTrip(Mcp.ClientRequests["resources/read"].params, { uri: "file:///project/src/main.rs" })
    decodeFails(Mcp.ClientRequests["resources/read"].params, { url: "file:///x" })
    roundTrip(Mcp.ClientRequests["resources/subscribe"].params, { uri: "file:///x" })
    roundTrip(Mcp.ClientRequests["resources/read"].result, {
      contents: [{ uri: "file:///project/src/main.rs", mimeType: "text/x-rust", text: "fn main() {}" }, { uri: "x:b", blob: "AA==" }]
    })
    decodeFails(Mcp.ReadResourceResult, { contents: [{ uri: "x:a" }] })
    roundTrip(Mcp.ListResourceTemplatesResult, {
      resourceTemplates: [{ uriTemplate: "file:///{path}", name: "Project Files", mimeType: "application/octet-stream", annotations: { priority: 1 } }]
    })
    decodeFails(Mcp.Resource, { uri: "x:a", name: "a", size: 1.5 })
    roundTrip(Mcp.ServerNotifications["notifications/resources/updated"], { uri: "file:///x" })
  })

  it("completion/complete with both reference types", () => {
    const Params = Mcp.ClientRequests["completion/complete"].params
    const prompt = roundTrip(Params, {
      ref: { type: "ref/prompt", name: "code_review" },
      argument: { name: "language", value: "py" },
      context: { arguments: { framework: "flask" } }
    })
    assert.strictEqual(prompt.ref.type, "ref/prompt")
    const resource = roundTrip(Params, {
      ref: { type: "ref/resource", uri: "file:///{path}" },
      argument: { name: "path", value: "src/" }
    })
    assert.strictEqual(resource.ref.type, "ref/resource")
    decodeFails(Params, { ref: { type: "ref/tool", name: "x" }, argument: { name: "a", value: "b" } })
    decodeFails(Params, { ref: { type: "ref/resource" }, argument: { name: "a", value: "b" } })
    decodeFails(Params, { ref: { type: "ref/prompt", name: "p" } })
    decodeFails(Params, { ref: { type: "ref/prompt", name: "p" }, argument: { name: "a", value: 1 } })
    const Result = Mcp.ClientRequests["completion/complete"].result
    roundTrip(Result, { completion: { values: ["python", "pytorch", "pyside"], total: 10, hasMore: true } })
    decodeFails(Result, { completion: { values: Array.from({ length: 101 }, (_, i) => `v${i}`) } })
    decodeFails(Result, { completion: { values: [], total: 2.5 } })
  })

  it("logging and progress", () => {
    roundTrip(Mcp.ClientRequests["logging/setLevel"].params, { level: "warning" })
    decodeFails(Mcp.ClientRequests["logging/setLevel"].params, { level: "verbose" })
    roundTrip(Mcp.ServerNotifications["notifications/message"], {
      level: "error",
      logger: "database",
      data: { error: "Connection failed", details: { host: "localhost", port: 5432 } }
    })
    roundTrip(Mcp.ServerNotifications["notifications/message"], { level: "info", data: null })
    decodeFails(Mcp.ServerNotifications["notifications/message"], { level: "info" })
    roundTrip(Mcp.ServerNotifications["notifications/progress"], { progressToken: "abc123", progress: 50.5, total: 100, message: "Halfway" })
    decodeFails(Mcp.ServerNotifications["notifications/progress"], { progressToken: "abc123" })
    decodeFails(Mcp.ServerNotifications["notifications/progress"], { progressToken: 1.5, progress: 1 })
    roundTrip(Mcp.ClientNotifications["notifications/cancelled"], { requestId: "123", reason: "User requested cancellation" })
    roundTrip(Mcp.ClientNotifications["notifications/cancelled"], {})
    decodeFails(Mcp.ClientNotifications["notifications/cancelled"], { requestId: null })
  })
})

// -----------------------------------------------------------------------------
// Server → client: sampling, elicitation, roots
// -----------------------------------------------------------------------------

describe("McpSchema: sampling, elicitation, roots", () => {
  it("elicitation form params with every primitive and enum variant", () => {
    const params = {
      mode: "form",
      message: "Please provide your details",
      requestedSchema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: {
          name: { type: "string", title: "Name", minLength: 1, maxLength: 100 },
          email: { type: "string", format: "email", default: "a@b.c" },
          age: { type: "integer", minimum: 0, maximum: 150, default: 30 },
          score: { type: "number", minimum: 0.5, maximum: 9.5 },
          subscribe: { type: "boolean", title: "Subscribe", default: true },
          color: { type: "string", enum: ["red", "green"], default: "red" },
          size: { type: "string", title: "Size", oneOf: [{ const: "s", title: "Small" }, { const: "l", title: "Large" }] },
          legacy: { type: "string", enum: ["a", "b"], enumNames: ["Option A", "Option B"], description: "old style" },
          tags: { type: "array", minItems: 1, maxItems: 2, items: { type: "string", enum: ["x", "y", "z"] }, default: ["x"] },
          features: { type: "array", items: { anyOf: [{ const: "f1", title: "Feature 1" }, { const: "f2", title: "Feature 2" }] } }
        },
        required: ["name", "email"]
      },
      task: { ttl: 1000 },
      _meta: { "io.modelcontextprotocol/related-task": { taskId: "t1" } }
    }
    const decoded = roundTrip(Mcp.ServerRequests["elicitation/create"].params, params)
    assert.strictEqual(decoded.mode, "form")
    roundTrip(Mcp.ElicitRequestFormParams, params)
    // Each variant alone keeps all its keys (union order never strips `enumNames`, `oneOf`, …).
    for (const property of Object.values(params.requestedSchema.properties)) {
      roundTrip(Mcp.PrimitiveSchemaDefinition, property)
    }
    roundTrip(Mcp.EnumSchema, params.requestedSchema.properties.legacy)
    roundTrip(Mcp.SingleSelectEnumSchema, params.requestedSchema.properties.size)
    roundTrip(Mcp.MultiSelectEnumSchema, params.requestedSchema.properties.features)
    // `mode` may be omitted for form mode.
    roundTrip(Mcp.ElicitRequestParams, { message: "m", requestedSchema: { type: "object", properties: {} } })
  })

  it("rejects malformed elicitation params", () => {
    const ok = { message: "m", requestedSchema: { type: "object", properties: {} } }
    decodeFails(Mcp.ElicitRequestParams, { ...ok, mode: "modal" })
    decodeFails(Mcp.ElicitRequestParams, { requestedSchema: ok.requestedSchema })
    decodeFails(Mcp.ElicitRequestParams, { ...ok, requestedSchema: { type: "object" } })
    decodeFails(Mcp.ElicitRequestParams, { ...ok, requestedSchema: { type: "object", properties: { a: { type: "object" } } } })
    decodeFails(Mcp.ElicitRequestParams, { ...ok, requestedSchema: { type: "object", properties: { a: { type: "string", format: "phone" } } } })
    decodeFails(Mcp.ElicitRequestParams, { ...ok, requestedSchema: { type: "object", properties: { a: { type: "string", oneOf: [{ const: "x" }] } } } })
    decodeFails(Mcp.ElicitRequestParams, { mode: "url", message: "m", url: "https://x" })
  })

  it("elicitation URL mode, result, completion notification, -32042 data", () => {
    const url = {
      mode: "url",
      message: "Please authorize",
      elicitationId: "550e8400-e29b-41d4-a716-446655440000",
      url: "https://mcp.example.com/ui/set_api_key"
    }
    const decoded = roundTrip(Mcp.ServerRequests["elicitation/create"].params, url)
    assert.strictEqual(decoded.mode, "url")
    const Result = Mcp.ServerRequests["elicitation/create"].result
    roundTrip(Result, { action: "accept", content: { name: "Ada", age: 36, ratio: 0.5, ok: true, tags: ["a"] } })
    roundTrip(Result, { action: "decline" })
    roundTrip(Result, { task })
    decodeFails(Result, { action: "maybe" })
    decodeFails(Result, { action: "accept", content: { nested: { a: 1 } } })
    roundTrip(Mcp.ServerNotifications["notifications/elicitation/complete"], { elicitationId: url.elicitationId })
    decodeFails(Mcp.ServerNotifications["notifications/elicitation/complete"], {})
    roundTrip(Mcp.URLElicitationRequiredErrorData, { elicitations: [url], hint: "retry after" })
    decodeFails(Mcp.URLElicitationRequiredErrorData, { elicitations: [{ ...url, mode: "form" }] })
  })

  it("sampling/createMessage params and result", () => {
    const Params = Mcp.ServerRequests["sampling/createMessage"].params
    roundTrip(Params, {
      messages: [
        { role: "user", content: { type: "text", text: "What is the capital of France?" } },
        { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "lookup", input: { q: "France" } }] },
        {
          role: "user",
          content: [{ type: "tool_result", toolUseId: "call_1", content: [{ type: "text", text: "Paris" }], structuredContent: { city: "Paris" } }]
        }
      ],
      modelPreferences: { hints: [{ name: "claude-3-sonnet" }], intelligencePriority: 0.8, speedPriority: 0.5, costPriority: 0 },
      systemPrompt: "You are a helpful assistant.",
      includeContext: "thisServer",
      temperature: 0.7,
      maxTokens: 100,
      stopSequences: ["\n\n"],
      metadata: { provider: { anything: [1] } },
      tools: [{ name: "lookup", inputSchema: { type: "object", properties: { q: { type: "string" } } } }],
      toolChoice: { mode: "auto" },
      task: { ttl: 5000 }
    })
    decodeFails(Params, { messages: [], maxTokens: 1.5 })
    decodeFails(Params, { messages: [] })
    decodeFails(Params, { messages: [], maxTokens: 1, modelPreferences: { costPriority: 1.5 } })
    decodeFails(Params, { messages: [], maxTokens: 1, toolChoice: { mode: "always" } })
    decodeFails(Params, { messages: [{ role: "user", content: { type: "resource_link", uri: "x:a", name: "a" } }], maxTokens: 1 })
    const Result = Mcp.ServerRequests["sampling/createMessage"].result
    roundTrip(Result, {
      role: "assistant",
      content: { type: "text", text: "The capital of France is Paris." },
      model: "claude-3-sonnet-20240307",
      stopReason: "endTurn"
    })
    roundTrip(Result, { role: "assistant", content: [], model: "m", stopReason: "provider_specific" })
    decodeFails(Mcp.CreateMessageResult, { role: "assistant", content: { type: "text", text: "x" } })
  })

  it("roots/list", () => {
    roundTrip(Mcp.ServerRequests["roots/list"].result, {
      roots: [{ uri: "file:///home/user/projects/myproject", name: "My Project", _meta: { a: 1 } }]
    })
    decodeFails(Mcp.ListRootsResult, { roots: [{ name: "no uri" }] })
  })
})

// -----------------------------------------------------------------------------
// Tasks
// -----------------------------------------------------------------------------

describe("McpSchema: tasks", () => {
  it("tasks/* params and results", () => {
    for (const method of ["tasks/get", "tasks/result", "tasks/cancel"] as const) {
      roundTrip(Mcp.ClientRequests[method].params, { taskId: task.taskId })
      roundTrip(Mcp.ServerRequests[method].params, { taskId: task.taskId, _meta: { a: 1 } })
      decodeFails(Mcp.ClientRequests[method].params, {})
      decodeFails(Mcp.ClientRequests[method].params, { taskId: 1 })
    }
    roundTrip(Mcp.ClientRequests["tasks/get"].result, task)
    roundTrip(Mcp.ClientRequests["tasks/cancel"].result, { ...task, status: "cancelled", ttl: null })
    roundTrip(Mcp.ClientRequests["tasks/list"].params, { cursor: "c" })
    roundTrip(Mcp.ClientRequests["tasks/list"].result, { tasks: [task], nextCursor: "n" })
    roundTrip(Mcp.ClientNotifications["notifications/tasks/status"], { ...task, status: "completed" })
    decodeFails(Mcp.ClientRequests["tasks/get"].result, { ...task, createdAt: undefined })
    decodeFails(Mcp.ClientRequests["tasks/get"].result, { ...task, pollInterval: 0.5 })
    decodeFails(Mcp.Task, { ...task, status: "running" })
  })

  it("tasks/result passes the original result through untouched", () => {
    const payload = {
      content: [{ type: "text", text: "done" }],
      structuredContent: { x: 1 },
      isError: true,
      _meta: { "io.modelcontextprotocol/related-task": { taskId: task.taskId } },
      vendorKey: ["kept"]
    }
    roundTrip(Mcp.ClientRequests["tasks/result"].result, payload)
    decodeFails(Mcp.ClientRequests["tasks/result"].result, { _meta: "nope" })
    decodeFails(Mcp.ClientRequests["tasks/result"].result, [])
  })

  it("related-task metadata", () => {
    assert.strictEqual(Mcp.RELATED_TASK_META_KEY, "io.modelcontextprotocol/related-task")
    const params = decodeOk(Mcp.CallToolRequestParams, {
      name: "x",
      _meta: { [Mcp.RELATED_TASK_META_KEY]: { taskId: "t1" } }
    })
    assert.deepStrictEqual(decodeOk(Mcp.RelatedTaskMetadata, params._meta?.[Mcp.RELATED_TASK_META_KEY]), { taskId: "t1" })
  })
})
