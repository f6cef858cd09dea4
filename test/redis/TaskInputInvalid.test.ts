/**
 * MCP 2026-07-28 background tasks (the tasks extension): an answer of the wrong shape sent by
 * `tasks/update` (a sampling answer without `content`, an elicitation answer without `action`) is
 * `ClientResultInvalid` to the handler, as in a multi round-trip and a 2025-era session: a handler
 * that catches it may ask again (under a new key), one that lets it out fails the task with -32602.
 * `tasks/update` is acknowledged (the extension's ack is eventually consistent; only an unknown
 * task is its error). With the task store in process, and with `RedisTaskStore` across two
 * replicas (the answer sent through the replica that does not run the work). Driven by the
 * official clients: the SDK v2 client (`@modelcontextprotocol/client`) pinned to 2026-07-28 over
 * Streamable HTTP, and the official tasks client (`@modelcontextprotocol/ext-tasks`) on it, whose
 * `updateJson` sends what its schema takes: an answer of one input method's shape for another's.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import { createTaskSessionFromClient, resultFromTaskOutcome } from "@modelcontextprotocol/ext-tasks/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { rawDispatch, serveHttp } from "../extensions/support.ts"
import { twoReplicas } from "../support/inProcessReplicas.ts"
import { TestRedis } from "../support/redis.ts"

const sampling = { messages: [{ role: "user" as const, content: { type: "text" as const, text: "hi" } }], maxTokens: 5 }

const components = Layer.mergeAll(
  // Catches the client's invalid answer and asks again.
  McpServer.tool({
    name: "sample_again",
    execution: { taskSupport: "optional" },
    handler: () =>
      Effect.gen(function*() {
        yield* McpContext.becomeTask
        const first = yield* McpContext.sample(sampling).pipe(
          Effect.map((result) => `got ${result.model}`),
          Effect.catchTag("ClientResultInvalid", (error) => Effect.succeed(`${error._tag} (${error.method})`)),
          Effect.orDie
        )
        const second = yield* Effect.orDie(McpContext.sample(sampling))
        return `${first}; then ${second.model}`
      })
  }),
  // Lets it out: the task fails with -32602.
  McpServer.tool({
    name: "ask_through",
    execution: { taskSupport: "optional" },
    handler: () =>
      Effect.gen(function*() {
        yield* McpContext.becomeTask
        const outcome = yield* McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(
          Effect.catchTag(["ClientCapabilityMissing", "ClientVersionUnsupported", "ClientRequestTimeout", "ClientRequestFailed", "SessionClosed"], Effect.die)
        )
        return outcome.action
      })
  })
)

const capabilities = { sampling: {}, elicitation: { form: {} }, extensions: { "io.modelcontextprotocol/tasks": {} } }
const framing = { protocolVersion: "2026-07-28", clientInfo: { name: "invalid-input", version: "1.0.0" }, clientCapabilities: capabilities }

/**
 * The SDK v2 client on `callUrl` and the tasks client on it: calls go to `callUrl`, the task's
 * requests (`tasks/get`, `tasks/update`, `tasks/cancel`) to `taskUrl`. No input handler: the test
 * answers the task's inputs itself (`updateJson`).
 */
const connect = (callUrl: string, taskUrl: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const toCalls = rawDispatch(callUrl)
      const toTasks = rawDispatch(taskUrl)
      const client = new Client({ name: "invalid-input", version: "1.0.0" }, {
        capabilities: capabilities as never,
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      await client.connect(new StreamableHTTPClientTransport(new URL(callUrl)))
      const session = createTaskSessionFromClient(client, {
        endpointId: "invalid-input",
        rawDispatch: ((request: any) => (String(request.method).startsWith("tasks/") ? toTasks : toCalls)(request)) as never,
        v2RequestFraming: framing as never
      })
      return { client, session }
    }),
    ({ client, session }) => Effect.promise(() => session.close().catch(() => undefined).then(() => client.close().catch(() => undefined)))
  )

type Session = ReturnType<typeof createTaskSessionFromClient>

/** Polls the task (at most 200 looks, 25 ms apart) until it waits for an input other than `besides`; its key and request. */
const nextInput = (session: Session, taskId: string, besides: ReadonlyArray<string> = []) =>
  Effect.promise(async () => {
    let last: unknown
    for (let i = 0; i < 200; i++) {
      const view = await session.task(taskId as never).snapshot()
      last = view.raw
      const requests = (view.raw as any).inputRequests ?? {}
      const key = Object.keys(requests).find((k) => !besides.includes(k))
      if (view.status === "input_required" && key !== undefined) return { key, request: requests[key] }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`no new input asked: ${JSON.stringify(last)}`)
  })

/** The tool's task: the handler's invalid answer given, then (sample_again) a valid one; the outcome. */
const scenario = (callUrl: string, taskUrl: string) =>
  Effect.gen(function*() {
    const { session } = yield* connect(callUrl, taskUrl)

    const again = yield* Effect.promise(() => session.callTool("sample_again"))
    assert.strictEqual(again.kind, "task")
    const taskId = again.handle!.taskId
    const first = yield* nextInput(session, taskId)
    assert.strictEqual(first.request.method, "sampling/createMessage")
    // An elicitation's answer for a sampling question: the tasks client's schema takes it (any
    // input's answer), the server's does not (no `content`). Acked.
    yield* Effect.promise(() => session.task(taskId as never).updateJson({ [first.key]: { action: "accept" } }))
    // The handler got ClientResultInvalid and asked again, under a new key.
    const second = yield* nextInput(session, taskId, [first.key])
    assert.strictEqual(second.request.method, "sampling/createMessage")
    yield* Effect.promise(() =>
      session.task(taskId as never).updateJson({ [second.key]: { role: "assistant", content: { type: "text", text: "ok" }, model: "m1" } })
    )
    const { outcome } = yield* Effect.promise(() => again.settle())
    assert.strictEqual(outcome.status, "completed", JSON.stringify(outcome))
    assert.deepStrictEqual((resultFromTaskOutcome(outcome as never) as any).content, [
      { type: "text", text: "ClientResultInvalid (sampling/createMessage); then m1" }
    ])

    // Let out: the task fails with -32602 saying what is wrong.
    const through = yield* Effect.promise(() => session.callTool("ask_through"))
    const throughId = through.handle!.taskId
    const asked = yield* nextInput(session, throughId)
    assert.strictEqual(asked.request.method, "elicitation/create")
    // A roots answer for an elicitation: no `action`.
    yield* Effect.promise(() => session.task(throughId as never).updateJson({ [asked.key]: { roots: [] } }))
    const ended = yield* Effect.promise(() => through.settle())
    assert.strictEqual(ended.outcome.status, "failed", JSON.stringify(ended.outcome))
    const failed = yield* Effect.promise(() => session.task(throughId as never).snapshot())
    const error = (failed.raw as any).error
    assert.strictEqual(error?.code, -32602, JSON.stringify(failed.raw))
    assert.include(error.message, "elicitation/create", JSON.stringify(error))
  })

describe("2026 task input of the wrong shape, task store in process", () => {
  // Fails before: the answer of the wrong shape was dropped (acked, the input left listed under
  // its key): the handler never knew, and the task waited for an answer the official client,
  // which answers a key once, would never send again.
  it.live("ClientResultInvalid to the handler: caught, it asks again under a new key; let out, the task fails -32602", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "invalid-input", version: "1", tasks: McpServer.tasks() }, components)
      yield* scenario(url, url)
    }), 30_000)
})

layer(TestRedis.layer, { excludeTestServices: true })("2026 task input of the wrong shape, RedisTaskStore on two replicas", (it) => {
  // Fails before: as in process, the answer sent through the other replica was dropped where the
  // work runs.
  it.effect("the answer sent through the other replica: ClientResultInvalid to the handler where the work runs", () =>
    Effect.gen(function*() {
      const { one, two } = yield* twoReplicas(components)
      // Calls (and so the work) on the first replica, the task's requests on the second.
      yield* scenario(one.url, two.url)
    }), 30_000)
})
