/**
 * The response cache and what a 2026-07-28 call becomes: a call that became a task (the tasks
 * extension) or a round asking for input (MRTR) is no answer to keep. Each call runs its handler;
 * a 2025 session and a 2026 client without the extension never get another's task. Params nested
 * deeper than a key is made of are not cached (they were a stack overflow: -32603).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { ResponseCache } from "../../src/middleware/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

let runs = 0
const Slow = McpServer.tool({
  name: "slow",
  execution: { taskSupport: "optional" },
  parameters: { ms: Schema.Number },
  handler: ({ ms }) => Effect.as(Effect.andThen(Effect.sync(() => void runs++), Effect.sleep(ms)), `slept ${ms}`)
})
const Ask = McpServer.tool({
  name: "ask",
  handler: () =>
    McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.map((answer) => answer.action),
      Effect.catch((error) => Effect.succeed(`no input: ${error.message}`))
    )
})
const Echo = McpServer.tool({
  name: "echo",
  handler: () =>
    Effect.sync(() => {
      runs++
      return "echoed"
    })
})

const TASKS = "io.modelcontextprotocol/tasks"
const modern = (capabilities: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": capabilities
})

/** A connection to a server with the cache (calls of slow, ask and echo cached). */
const connect = Effect.map(
  serveInMemory(
    { name: "cache", version: "1", tasks: McpServer.tasks({ promoteAfterMillis: 20 }) },
    Layer.mergeAll(Slow, Ask, Echo, ResponseCache.layer({ callTools: ["slow", "ask", "echo"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory())))
  ),
  ({ request }) => request
)

describe("ResponseCache and what a 2026-07-28 call becomes", () => {
  it.live("a call that became a task is not kept: each identical call runs and gets its own task", () =>
    Effect.gen(function*() {
      runs = 0
      const request = yield* connect
      const call = { name: "slow", arguments: { ms: 200 }, _meta: modern({ extensions: { [TASKS]: {} } }) }
      const first = yield* request("tools/call", call)
      const second = yield* request("tools/call", call)
      assert.strictEqual(first.result?.resultType, "task", JSON.stringify(first))
      assert.strictEqual(second.result?.resultType, "task", JSON.stringify(second))
      assert.notStrictEqual(first.result.taskId, second.result.taskId, "two tasks, not one answered twice")
      assert.strictEqual(runs, 2)
      // Without the extension the call waits for its answer (and that one is kept).
      const plain = yield* request("tools/call", { ...call, _meta: modern({}) })
      assert.deepStrictEqual(plain.result?.content, [{ type: "text", text: "slept 200" }], JSON.stringify(plain))
    }))

  it.live("a round asking for input is not kept; params nested deeper than 64 levels are answered, not cached", () =>
    Effect.gen(function*() {
      runs = 0
      const request = yield* connect
      const ask = { name: "ask", arguments: {}, _meta: modern({ elicitation: {} }) }
      const round = yield* request("tools/call", ask)
      assert.strictEqual(round.result?.resultType, "input_required", JSON.stringify(round).slice(0, 500))
      const answered = yield* request("tools/call", { ...ask, inputResponses: { "elicitation/create-1": { action: "decline" } }, requestState: round.result.requestState })
      assert.deepStrictEqual(answered.result?.content, [{ type: "text", text: "decline" }], JSON.stringify(answered))
      // Asked afresh: a new round (its own sealed state), not the kept one.
      const again = yield* request("tools/call", ask)
      assert.strictEqual(again.result?.resultType, "input_required")
      let deep: unknown = 1
      for (let i = 0; i < 5_000; i++) deep = [deep]
      for (let i = 0; i < 2; i++) {
        const answer = yield* request("tools/call", { name: "echo", arguments: { deep }, _meta: modern({}) })
        assert.isUndefined(answer.error, JSON.stringify(answer.error))
      }
      assert.strictEqual(runs, 2, "run each time: not cached")
    }))
})
