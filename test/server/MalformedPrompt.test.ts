/**
 * A prompt handler may return messages, or a whole `GetPromptResult`, built by hand: where types
 * are not checked (messages proxied from another server, parsed JSON, a cast), one the wire does
 * not allow (`messages` not an array, a role other than "user" or "assistant", a content block
 * without a valid `type` or its required fields, `description` not a string) was sent as it was,
 * and the SDK clients refused the whole answer (v1 with a ZodError, v2 with an `SdkError`): the
 * user saw a protocol failure, the server's log nothing. It is now a defect of the handler, as a
 * tool's is: the masked -32603 "Internal error" (what a prompt's defect is answered with), and a log
 * line naming the prompt and saying what was wrong (the path and the kind of value, not the value).
 */
import { assert, describe, it } from "@effect/vitest"
import type { Client as ClientV2 } from "@modelcontextprotocol/client"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Content, McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"
import { components } from "./McpServerHarness.ts"

/** A prompt returning `value` as it is (what untyped code can do). */
const returning = (name: string, value: unknown) => McpServer.prompt({ name, handler: () => Effect.succeed(value as never) })

/** The same, answering after a suspension (not a completed effect: the other path of `Prompt.get`). */
const returningLater = (name: string, value: unknown) =>
  McpServer.prompt({ name, handler: () => Effect.as(Effect.yieldNow, value as never) })

const user = (content: unknown) => ({ role: "user", content })

/** Malformed outputs, and what the log must be told about each. */
const malformed: ReadonlyArray<readonly [string, unknown, string]> = [
  ["messages_string", { messages: "oops" }, "messages must be an array of messages, not a string"],
  ["messages_missing", { description: "d", messagez: [] }, "an object that is neither a GetPromptResult (it has no messages) nor a message (it has no role)"],
  ["role_system", [user(Content.text("a")), { role: "system", content: Content.text("b") }], `messages[1].role must be "user" or "assistant", not "system"`],
  ["role_missing", { content: Content.text("a") }, "an object that is neither a GetPromptResult (it has no messages) nor a message (it has no role)"],
  ["role_number", { role: 1, content: Content.text("a") }, `messages[0].role must be "user" or "assistant", not a number`],
  ["content_missing", [{ role: "user" }], "messages[0].content must be a content block (an object), not undefined"],
  ["content_no_type", [user({ text: "a" })], `messages[0].content.type must be "text", "image", "audio", "resource" or "resource_link", not undefined`],
  ["content_array", [user([Content.text("a")])], "messages[0].content must be a content block (an object), not an array"],
  ["content_bad_type", { messages: [user({ type: "txt", text: "b" })] }, `messages[0].content.type must be "text", "image", "audio", "resource" or "resource_link", not "txt"`],
  ["text_number", user({ type: "text", text: 5 }), "messages[0].content.text must be a string, not a number"],
  ["image_no_mime", [user({ type: "image", data: "AAAA" })], "messages[0].content.mimeType must be a string, not undefined"],
  ["resource_no_body", [user({ type: "resource", resource: { uri: "x://a" } })], "messages[0].content.resource must have a text or a blob string"],
  ["link_no_name", [user({ type: "resource_link", uri: "x://a" })], "messages[0].content.name must be a string, not undefined"],
  // A relative URI: the Python SDK's `AnyUrl` refuses it, and the whole result.
  ["resource_relative_uri", [user({ type: "resource", resource: { uri: "", blob: "AAAA" } })], `messages[0].content.resource.uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not ""`],
  ["link_relative_uri", [user({ type: "resource_link", uri: "notes/a", name: "a" })], `messages[0].content.uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not "notes/a"`],
  ["message_null", [null], "messages[0] must be a message (an object with a role and a content block), not null"],
  // What the SDK clients check of annotations, a link's icons and an embedded resource's _meta.
  ["annotations_priority", [user({ type: "text", text: "a", annotations: { priority: 2 } })], "messages[0].content: annotations.priority must be a number from 0 to 1, not 2"],
  ["link_icons", [user({ type: "resource_link", uri: "x://a", name: "a", icons: "i" })], "messages[0].content: icons must be an array, not a string"],
  ["resource_meta", [user({ type: "resource", resource: { uri: "x://a", blob: "AAAA", _meta: 1 } })], "messages[0].content.resource._meta must be an object, not a number"],
  ["description_number", { description: 7, messages: [] }, "description must be a string, not a number"],
  ["meta_array", { messages: [], _meta: [] }, "_meta must be an object, not an array"]
]

/** Well-formed outputs of every shape, which must reach both clients as they are. */
const wellFormed = Layer.mergeAll(
  returning("text", "hello"),
  returning("whole", { description: "d", messages: [user(Content.text("t"))], _meta: { k: 1 } }),
  returning("messages", [
    user(Content.text("a", { annotations: { priority: 0.5 } })),
    { role: "assistant", content: Content.image(new Uint8Array([1, 2, 3]), "image/png") },
    user(Content.audio("AAAA", "audio/wav")),
    user(Content.resourceText("x://t", "text")),
    user(Content.resourceBlob("x://b", new Uint8Array([1]))),
    { role: "assistant", content: Content.resourceLink("x://l", "link") }
  ]),
  returning("message", user(Content.text("one"))),
  returning("none", { messages: [] }),
  returningLater("later", [user(Content.text("later"))])
)

/** Gets prompt `name` with both clients: their results, or their failures (code and message). */
const getBoth = (clients: { readonly v1: Client; readonly v2: ClientV2 }, name: string) =>
  Effect.promise(async () => {
    const settle = (promise: Promise<any>) =>
      promise.then((result) => ({ result }), (error) => ({ error: { code: error?.code, message: String(error) } }))
    return {
      v1: await settle(clients.v1.getPrompt({ name })),
      v2: await settle(clients.v2.getPrompt({ name }))
    }
  })

describe("a malformed result of a prompt handler", () => {
  it.live("is the -32603 both SDK clients take as a JSON-RPC error, and the log names the prompt and what was wrong", () =>
    Effect.gen(function*() {
      const layers = malformed.flatMap(([name, value]) => [returning(name, value), returningLater(`${name}_later`, value)])
      const { logged, ...clients } = yield* serveBoth(components(layers))
      for (const [name, , problem] of malformed) {
        for (const prompt of [name, `${name}_later`]) {
          const { v1, v2 } = yield* getBoth(clients, prompt)
          for (const [client, answer] of [["v1", v1], ["v2", v2]] as const) {
            assert.property(answer, "error", `${prompt} (${client}): ${JSON.stringify(answer)}`)
            const error = (answer as { error: { code: unknown; message: string } }).error
            // The server's answer (not the client refusing what it was sent).
            assert.strictEqual(error.code, -32603, `${prompt} (${client}): ${error.message}`)
            assert.include(error.message, "Internal error", prompt)
            assert.notInclude(error.message, problem, `${prompt}: the cause stays in the server`)
          }
          const line = logged.find((line) => line.includes(`Prompt ${prompt}:`))
          assert.isDefined(line, `${prompt}: no log line in\n${logged.join("\n")}`)
          assert.include(line, problem, prompt)
        }
      }
      // What the log names is the kind of the value, not the value.
      assert.isFalse(logged.some((line) => line.includes("oops")), "the raw value is not logged")
    }))

  it.live("well-formed results of every shape reach both clients as they are", () =>
    Effect.gen(function*() {
      const { logged, ...clients } = yield* serveBoth(wellFormed)
      for (const name of ["text", "whole", "messages", "message", "none", "later"]) {
        const { v1, v2 } = yield* getBoth(clients, name)
        assert.notProperty(v1, "error", `${name}: ${JSON.stringify(v1)}`)
        assert.notProperty(v2, "error", `${name}: ${JSON.stringify(v2)}`)
      }
      const { v1 } = yield* getBoth(clients, "whole")
      assert.deepStrictEqual((v1 as { result: any }).result, {
        description: "d",
        messages: [{ role: "user", content: { type: "text", text: "t" } }],
        _meta: { k: 1 }
      })
      const { v2 } = yield* getBoth(clients, "messages")
      assert.strictEqual((v2 as { result: any }).result.messages.length, 6)
      assert.deepStrictEqual(logged.filter((line) => line.includes("failed")), [])
    }))
})
