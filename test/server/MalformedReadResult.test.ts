/**
 * What a resource's read (contents or a whole `ReadResourceResult` built by hand) and a template's
 * `list` return at request time is checked as registrations are: a contents `uri` or a listed
 * resource's `uri` without a scheme (a relative reference: the Python SDK's `AnyUrl` refuses the
 * whole answer), a `uri` that is not a string, contents without `text` or `blob`, a listed
 * resource with an empty name. Before, such answers went out as they were; now each is the
 * handler's defect, as a tool's or a prompt's malformed result is: the masked -32603 both SDK
 * clients take as a JSON-RPC error, and a log line naming the resource or template and the path.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"
import { components } from "./McpServerHarness.ts"

/** The answer to `call` with each client: its result, or its failure (code and message). */
const settle = (promise: Promise<unknown>) =>
  Effect.promise(() =>
    promise.then((result) => ({ result }), (error) => ({ error: { code: error?.code as unknown, message: String(error) } }))
  )

/** Asserts the server answered -32603 "Internal error" (not the client refusing what it got). */
const assertDefect = (answer: { readonly result?: unknown; readonly error?: { code: unknown; message: string } }, what: string) => {
  assert.property(answer, "error", `${what}: ${JSON.stringify(answer)}`)
  assert.strictEqual(answer.error!.code, -32603, `${what}: ${answer.error!.message}`)
  assert.include(answer.error!.message, "Internal error", what)
}

/** Contents built by hand that clients would refuse, and what the log must say of each. */
const badContents: ReadonlyArray<readonly [string, unknown, string]> = [
  ["relative", [{ uri: "notes/today.md", text: "t" }], `contents[0].uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not "notes/today.md"`],
  ["number_uri", { contents: [{ uri: "x://a", text: "a" }, { uri: 3, text: "b" }] }, "contents[1].uri must be a string, not a number"],
  ["no_body", [{ uri: "x://a" }], "contents[0] must have text or blob (a string), not undefined"],
  ["null_entry", { contents: [null] }, "contents[0] must be resource contents (an object with a uri and text or blob), not null"],
  ["blob_not_base64", [{ uri: "x://a", blob: "not base64!" }], "contents[0].blob must be base64 (as atob takes it), not a string base64 has not"],
  ["mime_number", [{ uri: "x://a", text: "a", mimeType: 1 }], "contents[0].mimeType must be a string, not a number"]
]

describe("malformed resource answers", () => {
  it.live("a read's contents built by hand that clients refuse are -32603 (logged naming the resource and the path)", () =>
    Effect.gen(function*() {
      const layers = badContents.flatMap(([name, value]) => [
        McpServer.resource({ uri: `x://${name}`, name, read: Effect.succeed(value as never) }),
        McpServer.resourceTemplate({
          uriTemplate: `t://${name}/{id}`,
          name: `t-${name}`,
          read: () => Effect.as(Effect.yieldNow, value as never)
        })
      ])
      // Well-formed contents of another URI (a part of the resource read) are served as they are.
      const good = [{ uri: "x://fine/part", text: "part" }, { uri: "x://fine/bytes", blob: "AQI=", mimeType: "application/octet-stream" }]
      const Fine = McpServer.resource({ uri: "x://fine", name: "fine", read: Effect.succeed(good) })
      const { v1, v2, logged } = yield* serveBoth(components([...layers, Fine]))
      for (const [client, c] of [["v1", v1], ["v2", v2]] as const) {
        const fine = yield* settle(c.readResource({ uri: "x://fine" }))
        assert.deepStrictEqual(fine, { result: { contents: good } }, client)
        for (const [name, , problem] of badContents) {
          for (const [uri, owner] of [[`x://${name}`, `Resource x://${name}:`], [`t://${name}/1`, `Resource template t://${name}/{id}:`]]) {
            assertDefect(yield* settle(c.readResource({ uri })), `${uri} (${client})`)
            const line = logged.find((line) => line.includes(owner))
            assert.isDefined(line, `${uri}: no log line in\n${logged.join("\n")}`)
            assert.include(line, problem, uri)
          }
        }
      }
    }))

  it.live("a whole result whose _meta is not an object is -32603 (logged), not a response the clients drop unanswered", () =>
    Effect.gen(function*() {
      const result = { contents: [{ uri: "x://meta", text: "t" }], _meta: null }
      const Meta = McpServer.resource({ uri: "x://meta", name: "meta", read: Effect.succeed(result as never) })
      const { v1, v2, logged } = yield* serveBoth(Meta)
      for (const [client, c] of [["v1", v1], ["v2", v2]] as const) {
        // Before, both clients took the answer for no JSON-RPC response and timed out.
        assertDefect(yield* settle(c.readResource({ uri: "x://meta" }, { timeout: 5_000 })), client)
      }
      const line = logged.find((line) => line.includes("Resource x://meta:"))
      assert.isDefined(line, `no log line in\n${logged.join("\n")}`)
      assert.include(line, "_meta must be an object, not null")
    }))

  it.live("a template's listed resource without a URI scheme or with an empty name leaves its list out of resources/list (logged naming the template)", () =>
    Effect.gen(function*() {
      let listed: ReadonlyArray<unknown> = []
      const Template = McpServer.resourceTemplate({
        uriTemplate: "notes://{day}",
        name: "notes",
        list: Effect.sync(() => listed as never),
        read: () => Effect.succeed("x")
      })
      const { v1, v2, logged } = yield* serveBoth(Template)
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ uri: "notes/today", name: "today" }, `Resource template notes://{day} (listed resource 1): uri must be a URI that starts with its scheme`],
        [{ uri: "notes://today", name: "" }, "Resource template notes://{day} (listed resource 1): name must not be empty"]
      ]
      for (const [client, c] of [["v1", v1], ["v2", v2]] as const) {
        listed = [{ uri: "notes://yesterday", name: "yesterday" }]
        assert.deepStrictEqual(yield* settle(c.listResources()), { result: { resources: listed } }, client)
        for (const [resource, problem] of cases) {
          listed = [{ uri: "notes://yesterday", name: "yesterday" }, resource]
          // The template's resources are left out, the list answered (it was -32603 before that).
          assert.deepStrictEqual(yield* settle(c.listResources()), { result: { resources: [] } }, `${JSON.stringify(resource)} (${client})`)
          assert.isTrue(logged.some((line) => line.includes(problem)), `${problem}: not in\n${logged.join("\n")}`)
        }
      }
    }))
})
