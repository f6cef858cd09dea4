/**
 * A tool handler (without a `success` schema) may return a whole `CallToolResult`, or content
 * blocks, built by hand: where types are not checked (a result proxied from another server, JSON,
 * a cast), one that the wire does not allow (`content` not an array, a block without a valid
 * `type` or its required fields, `isError` not a boolean) was
 * sent as it was, and the SDK clients refused the whole answer (v1 with a ZodError, v2 with an
 * `SdkError`): the user saw a protocol failure, the server's log nothing. It is now a defect of the
 * handler, answered as one: the masked tool error "Tool x failed: internal error", and a log line
 * saying what was wrong (the path and the kind of value, not the value); `maskErrors: false` shows
 * the same to the client.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Client as ClientV2 } from "@modelcontextprotocol/client"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Content, McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"
import { components } from "./McpServerHarness.ts"

/** A tool returning `value` as it is (what untyped code can do). */
const returning = (name: string, value: unknown) => McpServer.tool({ name, handler: () => Effect.succeed(value as never) })

/** Malformed outputs, and what the log (and, unmasked, the client) must be told about each. */
const malformed: ReadonlyArray<readonly [string, unknown, string]> = [
  ["content_string", { content: "oops" }, "content must be an array of content blocks, not a string"],
  ["content_missing_type", { content: [{ text: "x" }] }, `content[0].type must be "text", "image", "audio", "resource" or "resource_link", not undefined`],
  ["content_bad_type", { content: [{ type: "text", text: "a" }, { type: "txt", text: "b" }] }, `content[1].type must be "text", "image", "audio", "resource" or "resource_link", not "txt"`],
  ["text_number", { content: [{ type: "text", text: 5 }] }, "content[0].text must be a string, not a number"],
  ["is_error_string", { content: [], isError: "yes" }, "isError must be a boolean, not a string"],
  ["meta_string", { content: [], _meta: "m" }, "_meta must be an object, not a string"],
  ["image_no_mime", [{ type: "image", data: "AAAA" }], "content[0].mimeType must be a string, not undefined"],
  ["resource_no_uri", { type: "resource", resource: { text: "t" } }, "content[0].resource.uri must be a string, not undefined"],
  ["resource_no_body", { type: "resource", resource: { uri: "x://a" } }, "content[0].resource must have a text or a blob string"],
  // Text given as base64 data: both SDK clients check it with `atob`, and refuse the whole result.
  ["image_not_base64", [{ type: "image", data: "hello, world", mimeType: "image/png" }], "content[0].data must be base64 (as atob takes it), not a string base64 has not"],
  ["blob_not_base64", [{ type: "resource", resource: { uri: "x://a", blob: "AQI=A" } }], "content[0].resource.blob must be base64 (as atob takes it), not a string base64 has not"],
  ["link_description_number", [{ type: "resource_link", uri: "x://a", name: "a", description: 1 }], "content[0].description must be a string, not a number"],
  ["link_size_string", [{ type: "resource_link", uri: "x://a", name: "a", size: "big" }], "content[0].size must be a finite number, not a string"],
  ["resource_mime_number", [{ type: "resource", resource: { uri: "x://a", text: "t", mimeType: 1 } }], "content[0].resource.mimeType must be a string, not a number"],
  ["link_no_name", [{ type: "resource_link", uri: "x://a" }], "content[0].name must be a string, not undefined"],
  // A relative URI: the Python SDK's `AnyUrl` refuses it, and the whole result.
  ["resource_relative_uri", [{ type: "resource", resource: { uri: "notes/today.md", text: "t" } }], `content[0].resource.uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not "notes/today.md"`],
  ["link_relative_uri", [Content.text("a"), { type: "resource_link", uri: "//host/a", name: "a" }], `content[1].uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not "//host/a"`],
  ["block_annotations", [{ type: "text", text: "a", annotations: "high" }], "content[0].annotations must be an object, not a string"],
  ["block_annotations_array", [{ type: "text", text: "a", annotations: [] }], "content[0].annotations must be an object, not an array"],
  ["block_null", [null], "content[0] must be a content block (an object), not null"],
  // What the SDK clients check of annotations, a link's icons and an embedded resource's _meta:
  // each refused the whole result.
  ["annotations_priority", [{ type: "text", text: "a", annotations: { priority: 5 } }], "content[0]: annotations.priority must be a number from 0 to 1, not 5"],
  ["annotations_audience", [{ type: "image", data: "AAAA", mimeType: "image/png", annotations: { audience: "user" } }], `content[0]: annotations.audience must be an array of "user" and "assistant", not a string`],
  ["annotations_last_modified", [{ type: "text", text: "a", annotations: { lastModified: "yesterday" } }], "content[0]: annotations.lastModified must be an ISO 8601 date-time"],
  ["link_annotations", [{ type: "resource_link", uri: "x://a", name: "a", annotations: { priority: -1 } }], "content[0]: annotations.priority must be a number from 0 to 1, not -1"],
  ["link_icons", [{ type: "resource_link", uri: "x://a", name: "a", icons: [{ src: 1 }] }], "content[0]: icons[0].src must be a string, not 1"],
  ["resource_meta", [{ type: "resource", resource: { uri: "x://a", text: "t", _meta: "m" } }], "content[0].resource._meta must be an object, not a string"],
  ["neither", { structured: { a: 1 } }, "an object that is neither a CallToolResult (it has no content) nor a content block (it has no type)"]
]

/** Well-formed outputs of every shape, which must reach both clients as they are. */
const wellFormed = Layer.mergeAll(
  returning("whole", { content: [{ type: "text", text: "t" }], structuredContent: { a: 1 }, isError: false, _meta: { k: 1 } }),
  returning("blocks", [
    Content.text("a", { annotations: { priority: 0.5 } }),
    Content.image(new Uint8Array([1, 2, 3]), "image/png"),
    Content.audio("AAAA", "audio/wav"),
    Content.resourceText("x://t", "text"),
    Content.resourceBlob("x://b", new Uint8Array([1])),
    Content.resourceLink("x://l", "link")
  ]),
  returning("block", Content.text("one")),
  returning("empty", { content: [] }),
  // Any JSON value in MCP 2026-07-28 (SEP-2106): `{ result: value }` for these 2025-11-25 clients.
  returning("structured_array", { content: [], structuredContent: [1, 2] }),
  returning("structured_null", { content: [], structuredContent: null })
)

/** Calls `name` with both clients: their results, or their failures' messages. */
const callBoth = (clients: { readonly v1: Client; readonly v2: ClientV2 }, name: string) =>
  Effect.promise(async () => {
    const settle = (promise: Promise<any>) => promise.then((result) => ({ result }), (error) => ({ error: String(error) }))
    return {
      v1: await settle(clients.v1.callTool({ name, arguments: {} })),
      v2: await settle(clients.v2.callTool({ name, arguments: {} }))
    }
  })

describe("a malformed result of a tool handler", () => {
  it.live("is the masked tool error both SDK clients accept, and the log says what was wrong (not the value)", () =>
    Effect.gen(function*() {
      const { logged, ...clients } = yield* serveBoth(components(malformed.map(([name, value]) => returning(name, value))))
      for (const [name, , problem] of malformed) {
        const { v1, v2 } = yield* callBoth(clients, name)
        for (const [client, answer] of [["v1", v1], ["v2", v2]] as const) {
          assert.notProperty(answer, "error", `${name} (${client}): ${JSON.stringify(answer)}`)
          const result = (answer as { result: any }).result
          assert.isTrue(result.isError, name)
          assert.deepStrictEqual(result.content, [{ type: "text", text: `Tool ${name} failed: internal error` }], name)
        }
        const line = logged.find((line) => line.includes(`tool ${name} failed`))
        assert.include(line, problem, name)
      }
      // What the log names is the kind of the value, not the value.
      assert.isFalse(logged.some((line) => line.includes("oops")), "the raw value is not logged")
    }))

  it.live("with maskErrors: false, the client is told what was wrong", () =>
    Effect.gen(function*() {
      const { logged: _, ...clients } = yield* serveBoth(returning("content_string", { content: "oops" }), { maskErrors: false })
      const { v1 } = yield* callBoth(clients, "content_string")
      const text = (v1 as { result: any }).result.content[0].text as string
      assert.include(text, "Tool content_string failed")
      assert.include(text, "content must be an array of content blocks, not a string")
    }))

  it.live("well-formed results of every shape reach both clients as they are", () =>
    Effect.gen(function*() {
      const { logged, ...clients } = yield* serveBoth(wellFormed)
      for (const name of ["whole", "blocks", "block", "empty", "structured_array", "structured_null"]) {
        const { v1, v2 } = yield* callBoth(clients, name)
        assert.notProperty(v1, "error", `${name}: ${JSON.stringify(v1)}`)
        assert.notProperty(v2, "error", `${name}: ${JSON.stringify(v2)}`)
        assert.notStrictEqual((v1 as { result: any }).result.isError, true, name)
      }
      const { v1 } = yield* callBoth(clients, "whole")
      assert.deepStrictEqual((v1 as { result: any }).result.structuredContent, { a: 1 })
      for (const [name, value] of [["structured_array", [1, 2]], ["structured_null", null]] as const) {
        const both = yield* callBoth(clients, name)
        for (const answer of [both.v1, both.v2]) {
          assert.deepStrictEqual((answer as { result: any }).result.structuredContent, { result: value }, name)
        }
      }
      assert.deepStrictEqual(logged.filter((line) => line.includes("failed")), [])
    }))
})
