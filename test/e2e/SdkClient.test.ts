/**
 * The official SDK v1 client drives the full fixture server over the in-memory pair: every
 * server method, notifications, cancellation, progress and server→client requests.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  GetTaskResultSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import { connectSdk, sdk, waitUntil } from "./harness.ts"
import { makeFullServer, makeProbe } from "../fixtures/FullServer.ts"

describe("SDK v1 client over the in-memory pair", () => {
  it.live("initialize negotiates 2025-11-25 and advertises derived capabilities", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()))
      assert.deepStrictEqual(client.getServerVersion(), {
        name: "full-server",
        version: "1.2.3",
        title: "Full Server",
        description: "every method"
      })
      assert.deepStrictEqual(client.getServerCapabilities(), {
        logging: {},
        completions: {},
        prompts: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        tools: { listChanged: true },
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
      })
      assert.strictEqual(client.getInstructions(), "Use the tools.")
    }))

  it.live("answers every request method", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { client } = yield* connectSdk(makeFullServer(probe))
      assert.deepStrictEqual(yield* sdk(() => client.ping()), {})

      const tools = yield* sdk(() => client.listTools())
      assert.deepStrictEqual(tools.tools.map((t) => t.name), ["echo", "slow"])
      assert.strictEqual(tools.nextCursor, "page-2")
      assert.deepStrictEqual(tools.tools[0]!.execution, { taskSupport: "optional" })
      const page2 = yield* sdk(() => client.listTools({ cursor: "page-2" }))
      assert.isUndefined(page2.nextCursor)

      const echo = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      assert.deepStrictEqual(echo.content, [{ type: "text", text: "hi" }])
      assert.deepStrictEqual(echo.structuredContent, { text: "hi" })

      const resources = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(resources.resources.map((r) => r.uri), ["test://a"])
      const templates = yield* sdk(() => client.listResourceTemplates())
      assert.deepStrictEqual(templates.resourceTemplates.map((t) => t.uriTemplate), ["test://items/{id}"])
      const read = yield* sdk(() => client.readResource({ uri: "test://a" }))
      assert.deepStrictEqual(read.contents, [{ uri: "test://a", mimeType: "text/plain", text: "aaa" }])
      const missing = yield* Effect.flip(sdk(() => client.readResource({ uri: "test://nope" })))
      assert.strictEqual(missing.code, -32002)

      assert.deepStrictEqual(yield* sdk(() => client.subscribeResource({ uri: "test://a" })), {})
      assert.isTrue(probe.subscriptions.has("test://a"))
      assert.deepStrictEqual(yield* sdk(() => client.unsubscribeResource({ uri: "test://a" })), {})
      assert.isFalse(probe.subscriptions.has("test://a"))

      const prompts = yield* sdk(() => client.listPrompts())
      assert.deepStrictEqual(prompts.prompts.map((p) => p.name), ["greet"])
      const prompt = yield* sdk(() => client.getPrompt({ name: "greet", arguments: { name: "Ada" } }))
      assert.deepStrictEqual(prompt.messages, [{ role: "user", content: { type: "text", text: "Hello Ada" } }])
      const badPrompt = yield* Effect.flip(sdk(() => client.getPrompt({ name: "greet" })))
      assert.strictEqual(badPrompt.code, -32602)

      const completion = yield* sdk(() =>
        client.complete({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "name", value: "b" } })
      )
      assert.deepStrictEqual(completion.completion, { values: ["beta"], total: 3, hasMore: false })

      assert.deepStrictEqual(yield* sdk(() => client.setLoggingLevel("warning")), {})

      const task = yield* sdk(() => client.request({ method: "tasks/get", params: { taskId: "t1" } }, GetTaskResultSchema))
      assert.strictEqual(task.status, "working")
      const unknownTask = yield* Effect.flip(sdk(() => client.request({ method: "tasks/get", params: { taskId: "zz" } }, GetTaskResultSchema)))
      assert.strictEqual(unknownTask.code, -32602)
    }))

  it.live("maps typed failures and masks defects", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()))
      const unknown = yield* Effect.flip(sdk(() => client.callTool({ name: "nope", arguments: {} })))
      assert.strictEqual(unknown.code, -32602)
      const custom = yield* Effect.flip(sdk(() => client.callTool({ name: "fail", arguments: {} })))
      assert.strictEqual(custom.code, 12345)
      assert.include(custom.message, "custom failure")
      const defect = yield* Effect.flip(sdk(() => client.callTool({ name: "defect", arguments: {} })))
      assert.strictEqual(defect.code, -32603)
      assert.notInclude(defect.message, "secret")
    }))

  it.live("progress notifications arrive before the result", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()))
      const events: Array<string> = []
      const result = yield* sdk(() =>
        client.callTool({ name: "progress", arguments: {} }, undefined, {
          onprogress: (p) => void events.push(`${p.progress}/${p.total}:${p.message}`)
        })
      )
      events.push("result")
      assert.deepStrictEqual(events, ["1/3:step 1", "2/3:step 2", "3/3:step 3", "result"])
      assert.match((result.content as Array<{ text: string }>)[0]!.text, /^progress token \d+$/)
    }))

  it.live("log notifications honour logging/setLevel and precede the response", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()))
      const events: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void events.push(n.params.data))
      yield* sdk(() => client.callTool({ name: "log", arguments: {} }))
      events.push("result")
      assert.deepStrictEqual(events, ["debug line", "first", { detail: "second" }, "third", "result"])

      events.length = 0
      yield* sdk(() => client.setLoggingLevel("warning"))
      yield* sdk(() => client.callTool({ name: "log", arguments: {} }))
      events.push("result")
      assert.deepStrictEqual(events, [{ detail: "second" }, "third", "result"])
    }))

  it.live("a request's notifications and unrelated notifications arrive before its response", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()))
      const events: Array<string> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void events.push(String(n.params.data)))
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void events.push("tools changed"))
      yield* sdk(() => client.callTool({ name: "notify-then-answer", arguments: {} }))
      events.push("result")
      assert.deepStrictEqual(events, ["before", "tools changed", "result"])
    }))

  it.live("cancellation interrupts the handler's fiber; other requests go on", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { client } = yield* connectSdk(makeFullServer(probe))
      const controller = new AbortController()
      const call = client.callTool({ name: "slow", arguments: { ms: 10_000 } }, undefined, { signal: controller.signal })
      call.catch(() => {})
      yield* Effect.promise(() => waitUntil(() => probe.started.length === 1))
      controller.abort("user changed their mind")
      yield* Effect.promise(() => waitUntil(() => probe.interrupted.length === 1))
      assert.deepStrictEqual(probe.completed, [])
      const failure = yield* Effect.flip(sdk(() => call))
      assert.include(String(failure.message ?? failure), "user changed their mind")
      // the session is unaffected
      const echo = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "still here" } }))
      assert.deepStrictEqual(echo.content, [{ type: "text", text: "still here" }])
    }))

  it.live("server→client sampling, elicitation, roots and ping are answered by the client", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()), {
        capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } }
      })
      client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
        role: "assistant",
        model: "test-model",
        content: { type: "text", text: `echo ${(request.params.messages[0]!.content as { text: string }).text}` }
      }))
      client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { name: "Ada" } }))
      client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: "file:///a" }, { uri: "file:///b" }] }))

      const sampled = yield* sdk(() => client.callTool({ name: "sample", arguments: { prompt: "hello" } }))
      assert.deepStrictEqual(sampled.content, [{ type: "text", text: "model said: echo hello" }])
      const elicited = yield* sdk(() => client.callTool({ name: "elicit", arguments: {} }))
      assert.deepStrictEqual(elicited.content, [{ type: "text", text: `accept:{"name":"Ada"}` }])
      const roots = yield* sdk(() => client.callTool({ name: "roots", arguments: {} }))
      assert.deepStrictEqual(roots.content, [{ type: "text", text: "file:///a,file:///b" }])
      const pong = yield* sdk(() => client.callTool({ name: "ping-client", arguments: {} }))
      assert.deepStrictEqual(pong.content, [{ type: "text", text: "pong" }])
    }))

  it.live("server→client requests are gated by the client's declared capabilities", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()))
      const sampled = yield* sdk(() => client.callTool({ name: "sample", arguments: { prompt: "x" } }))
      assert.isTrue(sampled.isError)
      assert.include((sampled.content as Array<{ text: string }>)[0]!.text, `ClientCapabilityMissing`)
      assert.include((sampled.content as Array<{ text: string }>)[0]!.text, `"sampling"`)
      const elicited = yield* sdk(() => client.callTool({ name: "elicit", arguments: {} }))
      assert.include((elicited.content as Array<{ text: string }>)[0]!.text, `"elicitation"`)
      const roots = yield* sdk(() => client.callTool({ name: "roots", arguments: {} }))
      assert.include((roots.content as Array<{ text: string }>)[0]!.text, `"roots"`)
    }))

  it.live("a server→client request times out with a typed error and is cancelled at the client", () =>
    Effect.gen(function*() {
      const { client } = yield* connectSdk(makeFullServer(makeProbe()), { capabilities: { elicitation: {} } })
      let cancelledBy: string | undefined
      client.setRequestHandler(ElicitRequestSchema, (_request, extra) =>
        new Promise((resolve) => {
          extra.signal.addEventListener("abort", () => {
            cancelledBy = String(extra.signal.reason)
            resolve({ action: "cancel" })
          })
        }))
      const result = yield* sdk(() => client.callTool({ name: "elicit", arguments: { timeoutMillis: 50 } }))
      assert.isTrue(result.isError)
      assert.include((result.content as Array<{ text: string }>)[0]!.text, "ClientRequestTimeout")
      yield* Effect.promise(() => waitUntil(() => cancelledBy !== undefined))
      assert.include(cancelledBy!, "Timed out")
    }))

  it.live("client notifications reach their handlers", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { client } = yield* connectSdk(makeFullServer(probe), { capabilities: { roots: { listChanged: true } } })
      yield* sdk(() => client.sendRootsListChanged())
      yield* Effect.promise(() => waitUntil(() => probe.notifications.length === 1))
      assert.deepStrictEqual(probe.notifications, ["roots/list_changed"])
    }))
})
