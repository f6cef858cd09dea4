/**
 * A task's logs (MCP 2025-11-25): the handler's `Effect.log` lines reach the client tied to the
 * task (related-task `_meta`), while the server's own log of the failure (the tool failed) does
 * not, and the masked result is the task's outcome.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpServer } from "../../src/index.ts"
import { connectRaw, settle, startServer } from "../server/McpServerHarness.ts"
import { RELATED, rawCaller } from "./support.ts"

const LogsThenDies = McpServer.tool({
  name: "logs_then_dies",
  description: "logs, then dies with a defect",
  execution: { taskSupport: "optional" },
  handler: () => Effect.andThen(Effect.logInfo("from the task"), Effect.die(new Error("the secret cause")))
})

describe("task logs", () => {
  it.live("the handler's logs reach the client as the task's; the server's log of its failure does not", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ name: "logs", version: "0", tasks: McpServer.tasks() }, LogsThenDies)
      const raw = yield* connectRaw(server)
      const call = rawCaller(raw)
      const created = yield* Effect.promise(() =>
        call("tools/call", { name: "logs_then_dies", arguments: {}, task: { ttl: 60_000 } })
      )
      const taskId = created.result.task.taskId as string
      const result = yield* Effect.promise(() => call("tasks/result", { taskId }))
      assert.isTrue(result.result.isError)
      assert.strictEqual(result.result.content[0].text, "Tool logs_then_dies failed: internal error")
      yield* settle()
      const logs = raw.received.filter((message) => message.method === "notifications/message")
      assert.deepStrictEqual(logs.map((message) => message.params.data), ["from the task"])
      assert.deepStrictEqual(logs[0].params._meta[RELATED], { taskId })
      assert.notInclude(JSON.stringify(raw.received), "the secret cause")
    }))
})
