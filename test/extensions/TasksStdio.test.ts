/**
 * The tasks extension over stdio: the everything server as a child process, raw MCP 2026-07-28
 * JSON-RPC lines (no handshake; version, capabilities and the extension in each request's
 * `_meta`). A slow call becomes a task polled to completion with `tasks/get`; a task waiting for
 * input gets it by `tasks/update`; a cancelled task stays cancelled; other tasks' ids are -32602.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { spawnNode } from "../support/child.ts"
import { isIsoTimestamp, metaOf, pollTask, sleep, TASKS, withTasks } from "./support.ts"
import { withoutServerInfo } from "../support/serverInfo.ts"

const serverPath = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))

/** The everything server over stdio: requests by line, answers matched by id. */
interface Child {
  readonly request: (method: string, params: Record<string, unknown>, meta?: Record<string, unknown>) => Promise<any>
  /** Every message the server wrote. */
  readonly messages: () => ReadonlyArray<any>
  readonly stderr: () => string
}

/** Spawns the everything server for the scope (killed when it closes). */
const spawnServer = Effect.map(spawnNode(serverPath), (running): Child => {
  running.child.stdin!.on("error", () => {}) // EPIPE once the child is gone
  let next = 0
  const request: Child["request"] = async (method, params, meta = withTasks({ elicitation: {} })) => {
    const id = `s${next++}`
    running.send({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta } })
    const answer = await running.until(() => running.messages().find((message) => message.id === id && message.method === undefined), 15_000)
    if (answer === undefined) throw new Error(`no answer to ${method} within 15 s; stderr: ${running.stderr().slice(0, 2000)}`)
    return answer
  }
  return { request, messages: running.messages, stderr: running.stderr }
})

const run = <A>(body: () => Promise<A>) => Effect.promise(body)

describe("tasks extension over stdio", () => {
  it.live("create a task, poll tasks/get to completion; input by tasks/update; cancel; unknown ids -32602", () =>
    Effect.gen(function*() {
      const server: Child = yield* spawnServer
      const discovered = yield* run(() => server.request("server/discover", {}))
      assert.deepStrictEqual(discovered.result.capabilities.extensions[TASKS], {})

      const get = (taskId: string) => server.request("tasks/get", { taskId })
      // a slow call becomes a task, polled to completion
      const created = (yield* run(() => server.request("tools/call", { name: "slow_compute", arguments: { seconds: 0.5, label: "stdio" } }))).result
      assert.strictEqual(created.resultType, "task", JSON.stringify(created))
      assert.isTrue(isIsoTimestamp(created.createdAt))
      assert.strictEqual((yield* run(() => get(created.taskId))).result.status, "working")
      const done = yield* run(() => pollTask(() => get(created.taskId), (task) => task.status !== "working", 5_000, 50))
      assert.strictEqual(done.status, "completed")
      assert.deepStrictEqual(done.result.content, [{ type: "text", text: "stdio: computed in 0.5 s" }])

      // input by tasks/update
      const confirm = (yield* run(() => server.request("tools/call", { name: "confirm_delete", arguments: { filename: "x.log" } }))).result
      assert.strictEqual(confirm.resultType, "task")
      const waiting = yield* run(() => pollTask(() => get(confirm.taskId), (task) => task.status === "input_required", 5_000, 20))
      const [key] = Object.keys(waiting.inputRequests)
      assert.strictEqual(waiting.inputRequests[key!].method, "elicitation/create")
      const ack = yield* run(() =>
        server.request("tasks/update", { taskId: confirm.taskId, inputResponses: { [key!]: { action: "accept", content: { confirm: true } } } })
      )
      assert.deepStrictEqual(withoutServerInfo(ack.result), { resultType: "complete" })
      const confirmed = yield* run(() => pollTask(() => get(confirm.taskId), (task) => task.status === "completed" || task.status === "failed", 5_000, 20))
      assert.deepStrictEqual(confirmed.result.content, [{ type: "text", text: "Deleted x.log" }])

      // cancel a long one
      const long = (yield* run(() => server.request("tools/call", { name: "slow_compute", arguments: { seconds: 60 } }))).result
      assert.deepStrictEqual(
        withoutServerInfo((yield* run(() => server.request("tasks/cancel", { taskId: long.taskId }))).result),
        { resultType: "complete" }
      )
      yield* run(() => sleep(100))
      assert.strictEqual((yield* run(() => get(long.taskId))).result.status, "cancelled")

      // unknown ids, undeclared extension, removed methods
      assert.strictEqual((yield* run(() => get("AAAAAAAAAAAAAAAAAAAAAA"))).error.code, -32602)
      assert.strictEqual((yield* run(() => server.request("tasks/get", { taskId: created.taskId }, metaOf()))).error.code, -32021)
      assert.strictEqual((yield* run(() => server.request("tasks/list", {}))).error.code, -32601)
      // nothing but answers went out: no notifications or server→client requests for extension tasks
      for (const message of server.messages()) assert.isUndefined(message.method, JSON.stringify(message))
    }), 30_000)
})
