/**
 * The everything server (conformance fixtures) driven by the official SDK v1 client over the
 * in-memory pair: each test asserts what the conformance suite 0.1.16 checks for the scenario.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import { components, options } from "../../examples/everything-server.ts"
import { InMemory, McpServer } from "../../src/index.ts"
import { sdk } from "./harness.ts"

const connect = Effect.acquireRelease(
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(McpServer.serve(options, components, pair.server))
    const client = new Client(
      { name: "conformance-test-client", version: "1.0.0" },
      { capabilities: { sampling: {}, elicitation: {} } }
    )
    const elicitations: Array<any> = []
    client.setRequestHandler(CreateMessageRequestSchema, () => ({
      role: "assistant",
      model: "test",
      content: { type: "text", text: "a sampled answer" }
    }))
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      elicitations.push(request.params)
      return { action: "accept", content: { username: "ada", email: "ada@example.com" } }
    })
    yield* Effect.promise(() => client.connect(pair.client as never))
    return { client, elicitations }
  }),
  ({ client }) => Effect.promise(() => client.close())
)

const texts = (content: unknown) => (content as Array<{ type: string; text?: string }>).filter((c) => c.type === "text")

describe("everything server (conformance fixtures)", () => {
  it.live("server-initialize, ping, logging-set-level: empty results", () =>
    Effect.gen(function*() {
      const { client } = yield* connect
      assert.strictEqual(client.getServerVersion()?.name, "effect-mcp-everything-server")
      const caps = client.getServerCapabilities()!
      for (const key of ["tools", "resources", "prompts", "logging", "completions"] as const) assert.isDefined(caps[key])
      assert.isTrue(caps.resources?.subscribe)
      assert.deepStrictEqual(yield* sdk(() => client.ping()), {})
      assert.deepStrictEqual(yield* sdk(() => client.setLoggingLevel("info")), {})
    }))

  it.live("tools-list: every tool has a description and an input schema; json-schema-2020-12 passthrough", () =>
    Effect.gen(function*() {
      const { client } = yield* connect
      const { tools } = yield* sdk(() => client.listTools())
      assert.isAtLeast(tools.length, 14)
      for (const tool of tools) {
        assert.isAbove(tool.description?.length ?? 0, 0, tool.name)
        assert.strictEqual(tool.inputSchema.type, "object", tool.name)
      }
      const raw = tools.find((t) => t.name === "json_schema_2020_12_tool")!.inputSchema as Record<string, any>
      assert.strictEqual(raw.$schema, "https://json-schema.org/draft/2020-12/schema")
      assert.isDefined(raw.$defs.address)
      assert.deepStrictEqual(raw.properties.address, { $ref: "#/$defs/address" })
      assert.strictEqual(raw.additionalProperties, false)
    }))

  it.live("tools-call: text, image, audio, embedded resource, mixed content, error", () =>
    Effect.gen(function*() {
      const { client } = yield* connect
      const simple = yield* sdk(() => client.callTool({ name: "test_simple_text" }))
      assert.isAbove(texts(simple.content)[0]!.text!.length, 0)
      const image = yield* sdk(() => client.callTool({ name: "test_image_content", arguments: {} }))
      assert.deepInclude(image.content as Array<object>, { type: "image", data: (image.content as any)[0].data, mimeType: "image/png" })
      const audio = yield* sdk(() => client.callTool({ name: "test_audio_content", arguments: {} }))
      assert.strictEqual((audio.content as any)[0].mimeType, "audio/wav")
      const embedded = yield* sdk(() => client.callTool({ name: "test_embedded_resource", arguments: {} }))
      const resource = (embedded.content as any)[0].resource
      assert.deepStrictEqual(resource, {
        uri: "test://embedded-resource",
        mimeType: "text/plain",
        text: "This is an embedded resource content."
      })
      const mixed = yield* sdk(() => client.callTool({ name: "test_multiple_content_types", arguments: {} }))
      assert.deepStrictEqual((mixed.content as Array<{ type: string }>).map((c) => c.type), ["text", "image", "resource"])
      const error = yield* sdk(() => client.callTool({ name: "test_error_handling", arguments: {} }))
      assert.isTrue(error.isError)
      assert.isAbove(texts(error.content)[0]!.text!.length, 0)
    }))

  it.live("tools-call-with-logging and tools-call-with-progress: notifications before the response", () =>
    Effect.gen(function*() {
      const { client } = yield* connect
      const logs: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data))
      yield* sdk(() => client.setLoggingLevel("debug"))
      yield* sdk(() => client.callTool({ name: "test_tool_with_logging", arguments: {} }))
      assert.deepStrictEqual(logs, ["Tool execution started", "Tool processing data", "Tool execution completed"])
      const progress: Array<number> = []
      const result = yield* sdk(() =>
        client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
          onprogress: (p) => void progress.push(p.progress)
        })
      )
      assert.deepStrictEqual(progress, [0, 50, 100])
      assert.include(texts(result.content)[0]!.text!, "Progress reported for token")
    }))

  it.live("tools-call-sampling and tools-call-elicitation", () =>
    Effect.gen(function*() {
      const { client, elicitations } = yield* connect
      const sampled = yield* sdk(() => client.callTool({ name: "test_sampling", arguments: { prompt: "Hi" } }))
      assert.strictEqual(texts(sampled.content)[0]!.text, "LLM response: a sampled answer")
      const elicited = yield* sdk(() => client.callTool({ name: "test_elicitation", arguments: { message: "Who?" } }))
      assert.strictEqual(
        texts(elicited.content)[0]!.text,
        `User response: action=accept, content={"username":"ada","email":"ada@example.com"}`
      )
      const schema = elicitations[0].requestedSchema
      assert.deepStrictEqual(schema.required, ["username", "email"])
      assert.strictEqual(schema.properties.email.format, "email")
    }))

  it.live("elicitation-sep1034-defaults and elicitation-sep1330-enums: the requested schemas", () =>
    Effect.gen(function*() {
      const { client, elicitations } = yield* connect
      yield* sdk(() => client.callTool({ name: "test_elicitation_sep1034_defaults", arguments: {} }))
      const defaults = elicitations[0].requestedSchema.properties
      assert.deepInclude(defaults.name, { type: "string", default: "John Doe" })
      assert.deepInclude(defaults.age, { type: "integer", default: 30 })
      assert.deepInclude(defaults.score, { type: "number", default: 95.5 })
      assert.deepInclude(defaults.status, { type: "string", default: "active" })
      assert.includeMembers(defaults.status.enum, ["active", "inactive", "pending"])
      assert.deepInclude(defaults.verified, { type: "boolean", default: true })

      yield* sdk(() => client.callTool({ name: "test_elicitation_sep1330_enums", arguments: {} }))
      const enums = elicitations[1].requestedSchema.properties
      assert.isDefined(enums.untitledSingle.enum)
      assert.isUndefined(enums.untitledSingle.oneOf)
      assert.deepStrictEqual(enums.titledSingle.oneOf[0], { const: "value1", title: "First Option" })
      assert.strictEqual(enums.legacyEnum.enumNames.length, enums.legacyEnum.enum.length)
      assert.isDefined(enums.untitledMulti.items.enum)
      assert.isDefined(enums.titledMulti.items.anyOf)
    }))

  it.live("resources: list, read text, read binary, template read, subscribe/unsubscribe", () =>
    Effect.gen(function*() {
      const { client } = yield* connect
      const { resources } = yield* sdk(() => client.listResources())
      for (const resource of resources) {
        assert.isDefined(resource.uri)
        assert.isDefined(resource.name)
      }
      const text = yield* sdk(() => client.readResource({ uri: "test://static-text" }))
      assert.deepStrictEqual(text.contents[0], {
        uri: "test://static-text",
        mimeType: "text/plain",
        text: "This is the content of the static text resource."
      })
      const binary = yield* sdk(() => client.readResource({ uri: "test://static-binary" }))
      assert.strictEqual((binary.contents[0] as { blob: string }).blob.length > 0, true)
      assert.strictEqual(binary.contents[0]!.mimeType, "image/png")
      const { resourceTemplates } = yield* sdk(() => client.listResourceTemplates())
      assert.deepStrictEqual(resourceTemplates.map((t) => t.uriTemplate), ["test://template/{id}/data"])
      const templated = yield* sdk(() => client.readResource({ uri: "test://template/123/data" }))
      assert.strictEqual(templated.contents[0]!.uri, "test://template/123/data")
      assert.include((templated.contents[0] as { text: string }).text, "123")
      assert.deepStrictEqual(yield* sdk(() => client.subscribeResource({ uri: "test://watched-resource" })), {})
      assert.deepStrictEqual(yield* sdk(() => client.unsubscribeResource({ uri: "test://watched-resource" })), {})
    }))

  it.live("prompts: list, simple, with arguments, embedded resource, image; completion", () =>
    Effect.gen(function*() {
      const { client } = yield* connect
      const { prompts } = yield* sdk(() => client.listPrompts())
      for (const prompt of prompts) assert.isAbove(prompt.description?.length ?? 0, 0)
      const withArgs = prompts.find((p) => p.name === "test_prompt_with_arguments")!
      assert.deepStrictEqual(withArgs.arguments, [
        { name: "arg1", description: "First test argument", required: true },
        { name: "arg2", description: "Second test argument", required: true }
      ])
      const simple = yield* sdk(() => client.getPrompt({ name: "test_simple_prompt" }))
      assert.strictEqual(simple.messages[0]!.role, "user")
      const args = yield* sdk(() =>
        client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "testValue1", arg2: "testValue2" } })
      )
      assert.include(JSON.stringify(args.messages), "testValue1")
      assert.include(JSON.stringify(args.messages), "testValue2")
      const embedded = yield* sdk(() =>
        client.getPrompt({ name: "test_prompt_with_embedded_resource", arguments: { resourceUri: "test://example-resource" } })
      )
      assert.strictEqual(embedded.messages[0]!.content.type, "resource")
      const image = yield* sdk(() => client.getPrompt({ name: "test_prompt_with_image" }))
      assert.strictEqual(image.messages[0]!.content.type, "image")
      const completion = yield* sdk(() =>
        client.complete({ ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "test" } })
      )
      assert.deepStrictEqual(completion.completion.values, ["test", "testing", "tested"])
    }))
})
