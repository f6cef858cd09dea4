/**
 * SizeLimit and 2026-07-28 tasks over Streamable HTTP: a task's tool result over the limit,
 * replaced inline in `tasks/get` by the isError result, is still a 2026-07-28 tool result
 * (`resultType: "complete"`), which the official tasks client (`@modelcontextprotocol/ext-tasks`)
 * takes; a `subscriptions/listen` stream following the task carries that replacement too.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import { createTaskSessionFromClient, resultFromTaskOutcome } from "@modelcontextprotocol/ext-tasks/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import * as SizeLimit from "../../src/middleware/builtin/SizeLimit.ts"
import { modern, rawDispatch, serveHttp, withTasks } from "../extensions/support.ts"
import { listenToTasks } from "../http/support.ts"

/** A tool that runs as a task, with a result of `times` characters. */
const Export = McpServer.tool({
  name: "export",
  execution: { taskSupport: "required" },
  parameters: { times: Schema.Int },
  handler: ({ times }) => Effect.as(Effect.sleep(5), "e".repeat(times))
})

/** The same, slow enough to be followed by a listen stream opened after the task is created. */
const SlowExport = McpServer.tool({
  name: "slow_export",
  execution: { taskSupport: "required" },
  parameters: { times: Schema.Int },
  handler: ({ times }) => Effect.as(Effect.sleep(300), "e".repeat(times))
})

const capabilities = { extensions: { "io.modelcontextprotocol/tasks": {} } }
const framing = { protocolVersion: "2026-07-28", clientInfo: { name: "size-tasks", version: "1.0.0" }, clientCapabilities: capabilities }

const connect = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Client({ name: "size-tasks", version: "1.0.0" }, {
        capabilities: capabilities as never,
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      await client.connect(new StreamableHTTPClientTransport(new URL(url)))
      const session = createTaskSessionFromClient(client, {
        endpointId: "size-tasks",
        rawDispatch: rawDispatch(url) as never,
        v2RequestFraming: framing as never
      })
      return { client, session }
    }),
    ({ client, session }) => Effect.promise(() => session.close().catch(() => undefined).then(() => client.close().catch(() => undefined)))
  )

describe("SizeLimit and the official tasks client (2026-07-28, HTTP)", () => {
  // Fails before: the replacement inline in tasks/get had no `resultType`, which a 2026-07-28 tool
  // result must carry: the client refused the completed task's result (its settle rejected).
  it.live("a task's tool result over the limit settles as the isError result", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp(
        { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(Export, McpServer.middleware(SizeLimit.middleware({ maxBytes: 400 })))
      )
      const { session } = yield* connect(url)
      // Under the limit: as it is.
      const small = yield* Effect.promise(() => session.callTool("export", { times: 10 }))
      assert.strictEqual(small.kind, "task")
      const fits = yield* Effect.promise(() => small.settle())
      assert.strictEqual(fits.outcome.status, "completed", JSON.stringify(fits.outcome))
      assert.deepStrictEqual((resultFromTaskOutcome(fits.outcome as never) as any).content, [{ type: "text", text: "e".repeat(10) }])
      // Over it: the isError result, taken.
      const large = yield* Effect.promise(() => session.callTool("export", { times: 1000 }))
      assert.strictEqual(large.kind, "task")
      const over = yield* Effect.promise(() => large.settle().then((settled) => settled, (error) => ({ rejected: String(error) })))
      assert.notProperty(over, "rejected", JSON.stringify(over))
      const outcome = (over as any).outcome
      assert.strictEqual(outcome.status, "completed", JSON.stringify(outcome))
      const result = resultFromTaskOutcome(outcome as never) as any
      assert.isTrue(result.isError)
      assert.match(result.content[0].text, /^Tool result too large: \d+ bytes \(limit 400\)$/)
    }), 30_000)
})

describe("SizeLimit and a subscriptions/listen stream following a task (2026-07-28, HTTP)", () => {
  const request = (url: string, method: string, params: Record<string, unknown>) =>
    modern(url, method, params, { meta: withTasks() }).then((answer) => answer.message.result)

  // Fails before: tasks/get replaced the result, but the task recorded it whole, and the stream's
  // notifications/tasks carried it whole (1,000 characters past a limit of 400 bytes).
  it.live("the task's end, told on the stream, carries the isError result, as tasks/get does", () =>
    Effect.gen(function*() {
      const { port, url } = yield* serveHttp(
        { name: "size", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(SlowExport, McpServer.middleware(SizeLimit.middleware({ maxBytes: 400 })))
      )
      const created = yield* Effect.promise(() => request(url, "tools/call", { name: "slow_export", arguments: { times: 1000 } }))
      assert.strictEqual(created?.resultType, "task", JSON.stringify(created))
      const taskId: string = created.taskId
      const reader = yield* Effect.acquireRelease(Effect.promise(() => listenToTasks(port, [taskId])), (reader) => Effect.promise(() => reader.cancel()))
      let ended: any
      for (let i = 0; i < 20 && ended === undefined; i++) {
        const event = yield* Effect.promise(() => reader.next(5_000))
        if (event === undefined) break
        if (event.data === "") continue
        const message = JSON.parse(event.data)
        if (message.method === "notifications/tasks" && message.params.status !== "working") ended = message.params
      }
      assert.strictEqual(ended?.status, "completed", JSON.stringify(ended))
      assert.isTrue(ended.result.isError, JSON.stringify(ended).slice(0, 300))
      assert.match(ended.result.content[0].text, /^Tool result too large: \d+ bytes \(limit 400\)$/)
      assert.isAtMost(Buffer.byteLength(JSON.stringify(ended.result), "utf8"), 400)
      // tasks/get agrees (the task's fields around it are measured there too: its size may differ).
      const got = yield* Effect.promise(() => request(url, "tasks/get", { taskId }))
      assert.isTrue(got.result.isError, JSON.stringify(got).slice(0, 300))
      assert.match(got.result.content[0].text, /^Tool result too large: \d+ bytes \(limit 400\)$/)
    }), 30_000)
})
