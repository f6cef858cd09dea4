/**
 * MCP 2026-07-28 input keys that name a property of `Object.prototype` (`__proto__`,
 * `constructor`, `toString`): an `inputKey` given to `McpContext.elicit`, a URL elicitation's
 * `elicitationId`, a task's input key. Each is an input like any other: listed under its key, and
 * answered by it. Raw JSON-RPC over an in-memory pair, and the SDK v2 client over Streamable HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpError, McpServer } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

const Name = Schema.Struct({ name: Schema.String })
const keys = ["__proto__", "constructor", "toString"]

/** Asks for a name under the key given; as a task of the tasks extension when `task` is true. */
const Ask = McpServer.tool({
  name: "ask",
  parameters: { key: Schema.String, task: Schema.Boolean },
  execution: { taskSupport: "optional" },
  handler: ({ key, task }) =>
    Effect.gen(function*() {
      if (task) yield* McpContext.becomeTask
      const outcome = yield* McpContext.elicit("Name?", Name, { inputKey: key })
      return outcome.action === "accept" ? `hello ${outcome.content.name}` : outcome.action
    }).pipe(Effect.catch((error) => Effect.succeed(error._tag)))
})

/** Sends the user to a URL under the elicitation id given, until the retry carries its answer. */
const SignIn = McpServer.tool({
  name: "sign_in",
  parameters: { key: Schema.String },
  handler: ({ key }) =>
    Effect.fail(new McpError.UrlElicitationRequired({ elicitations: [{ mode: "url", elicitationId: key, url: "https://example.com/in", message: "Sign in" }] }))
})

const components = Layer.mergeAll(Ask, SignIn)

const capabilities = { elicitation: { form: {}, url: {} } }
const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities
}
const withTasks = {
  ...meta,
  "io.modelcontextprotocol/clientCapabilities": { ...capabilities, extensions: { "io.modelcontextprotocol/tasks": {} } }
}

/** Own keys only: `Object.keys` of an object whose `__proto__` was assigned lists nothing. */
const listed = (inputRequests: unknown): ReadonlyArray<string> =>
  typeof inputRequests === "object" && inputRequests !== null ? Object.keys(inputRequests) : []

const textOf = (answer: any): string => answer.result?.content?.[0]?.text

describe("input keys named like Object.prototype's properties (2026-07-28)", () => {
  // Fails before: `__proto__` was assigned into a plain object (setting its prototype): the round
  // answered input_required with no input listed, and a retry could never answer it.
  it.live("an elicitation's inputKey: listed under it, answered by it", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "keys", version: "1" }, components)
      for (const key of keys) {
        const first = (yield* request("tools/call", { name: "ask", arguments: { key, task: false }, _meta: meta })).result
        assert.strictEqual(first?.resultType, "input_required", key)
        assert.deepStrictEqual(listed(first.inputRequests), [key])
        assert.strictEqual(first.inputRequests[key].params.message, "Name?")
        const answered = yield* request("tools/call", {
          name: "ask",
          arguments: { key, task: false },
          _meta: meta,
          inputResponses: JSON.parse(`{${JSON.stringify(key)}:{"action":"accept","content":{"name":"Ada"}}}`),
          requestState: first.requestState
        })
        assert.strictEqual(textOf(answered), "hello Ada", `${key}: ${JSON.stringify(answered)}`)
      }
    }))

  // Fails before: the URL elicitations were keyed into a plain object, `__proto__` setting its
  // prototype: input_required with no input listed.
  it.live("a URL elicitation's elicitationId: listed under it", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "keys", version: "1" }, components)
      for (const key of keys) {
        const first = (yield* request("tools/call", { name: "sign_in", arguments: { key }, _meta: meta })).result
        assert.strictEqual(first?.resultType, "input_required", key)
        assert.deepStrictEqual(listed(first.inputRequests), [key])
        assert.strictEqual(first.inputRequests[key].params.url, "https://example.com/in")
      }
    }))

  // Fails before: the task's inputs were copied into a plain object for the store: `tasks/get`
  // said input_required with nothing listed, and the task waited for an answer nobody was asked for.
  it.live("a task's input key: listed in tasks/get, answered by tasks/update", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "keys", version: "1", tasks: McpServer.tasks() }, components)
      for (const key of keys) {
        const created = (yield* request("tools/call", { name: "ask", arguments: { key, task: true }, _meta: withTasks })).result
        assert.strictEqual(created?.resultType, "task", JSON.stringify(created))
        let task: any
        for (let i = 0; i < 200; i++) {
          task = (yield* request("tasks/get", { taskId: created.taskId, _meta: withTasks })).result
          if (task?.status === "input_required") break
          yield* Effect.sleep(10)
        }
        assert.strictEqual(task?.status, "input_required", JSON.stringify(task))
        assert.deepStrictEqual(listed(task.inputRequests), [key])
        const update = yield* request("tasks/update", {
          taskId: created.taskId,
          inputResponses: JSON.parse(`{${JSON.stringify(key)}:{"action":"accept","content":{"name":"Ada"}}}`),
          _meta: withTasks
        })
        assert.isUndefined(update.error, JSON.stringify(update))
        for (let i = 0; i < 200; i++) {
          task = (yield* request("tasks/get", { taskId: created.taskId, _meta: withTasks })).result
          if (task?.status === "completed") break
          yield* Effect.sleep(10)
        }
        assert.strictEqual(task?.status, "completed", JSON.stringify(task))
        assert.strictEqual(task.result?.content?.[0]?.text, "hello Ada", key)
      }
    }))

  // Fails before: the SDK v2 client got input_required with no input, retried with no answer, and
  // gave up at its round limit.
  it.live("the SDK v2 client pinned to 2026-07-28 answers an input keyed __proto__", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "keys", version: "1" }, components)
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "keys", version: "1" }, {
            capabilities: { elicitation: { form: {} } },
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { name: "Ada" } }))
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const result = yield* sdk(() => client.callTool({ name: "ask", arguments: { key: "__proto__", task: false } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "hello Ada" }])
    }))

  // Fails before: McpTestClient put its answers in a plain object, the answer to `__proto__`
  // setting its prototype: it sent none, and gave up after 16 rounds.
  it.live("McpTestClient answers an input keyed __proto__", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, {
        protocolVersion: "2026-07-28",
        elicit: () => Effect.succeed({ action: "accept" as const, content: { name: "Ada" } })
      })
      for (const key of keys) {
        const result = yield* client.callTool("ask", { key, task: false })
        assert.deepStrictEqual(result.content, [{ type: "text", text: "hello Ada" }], key)
      }
    }))
})
