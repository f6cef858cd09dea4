/**
 * The tasks extension (MCP 2026-07-28) driven by the official clients over stdio: the SDK v2
 * client (`@modelcontextprotocol/client`) spawning the everything server, pinned to 2026-07-28,
 * and the official tasks client (`@modelcontextprotocol/ext-tasks`) on it. Tasks pass through the
 * tasks client's raw dispatch (the SDK client's codecs refuse `resultType: "task"`, as the tasks
 * client documents): JSON-RPC requests of its own ids on the SDK's stdio transport.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/client"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/client/stdio"
import { createTaskSessionFromClient, resultFromTaskOutcome } from "@modelcontextprotocol/ext-tasks/client"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { withCompileCache } from "../support/compileCache.ts"

const server = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))

const capabilities = { elicitation: { form: {} }, extensions: { "io.modelcontextprotocol/tasks": {} } }

/** The SDK v2 client pinned to 2026-07-28 over stdio, and the tasks client's session on it. */
const connect = Effect.acquireRelease(
  Effect.promise(async () => {
    const client = new Client({ name: "ext-tasks-stdio", version: "1.0.0" }, {
      capabilities: capabilities as never,
      versionNegotiation: { mode: { pin: "2026-07-28" } as never }
    })
    const transport = new StdioClientTransport({ command: process.execPath, args: [server], env: withCompileCache(getDefaultEnvironment()), stderr: "ignore" })
    await client.connect(transport)
    // Raw requests: their answers are taken off the transport before the SDK client sees them.
    const pending = new Map<string, (message: any) => void>()
    const onmessage = transport.onmessage!
    transport.onmessage = (message: any) => {
      const resolve = typeof message.id === "string" && message.method === undefined ? pending.get(message.id) : undefined
      if (resolve === undefined) return onmessage(message)
      pending.delete(message.id)
      resolve(message)
    }
    let next = 0
    const rawDispatch = async (request: any) => {
      const id = `raw-${next++}`
      const answer = await new Promise<any>((resolve) => {
        pending.set(id, resolve)
        void transport.send({ ...request, jsonrpc: "2.0", id })
      })
      return answer.error !== undefined ? { kind: "error", error: answer.error } : { kind: "result", result: answer.result }
    }
    const session = createTaskSessionFromClient(client, {
      endpointId: "everything-stdio",
      rawDispatch: rawDispatch as never,
      v2RequestFraming: { protocolVersion: "2026-07-28", clientInfo: { name: "ext-tasks-stdio", version: "1.0.0" }, clientCapabilities: capabilities },
      onInputRequest: (async () => ({ action: "accept", content: { confirm: true } })) as never
    })
    return { client, session }
  }),
  ({ client, session }) => Effect.promise(() => session.close().catch(() => undefined).then(() => client.close().catch(() => undefined)))
)

const settle = (session: ReturnType<typeof createTaskSessionFromClient>, name: string, args: Record<string, unknown>) =>
  Effect.promise(async () => {
    const execution = await session.callTool(name, args as never)
    const { outcome } = await execution.settle()
    return outcome as any
  })

describe("tasks extension over stdio, the official SDK v2 and tasks clients", () => {
  // Fails before the fix: the inline `result` of a completed task had no `resultType` (a
  // 2026-07-28 result must carry one): the tasks client refused every completed task ("Protocol
  // value failed schema validation"), its outcome `failed` though the task had completed.
  it.live("a task polled to completion, one completed with isError, one after input by tasks/update: each completed with its result", () =>
    Effect.gen(function*() {
      const { session } = yield* connect
      const slow = yield* settle(session, "slow_compute", { seconds: 0.3, label: "stdio" })
      assert.strictEqual(slow.status, "completed", JSON.stringify(slow))
      assert.deepStrictEqual((resultFromTaskOutcome(slow) as any).content, [{ type: "text", text: "stdio: computed in 0.3 s" }])
      const failing = yield* settle(session, "failing_job", {})
      assert.strictEqual(failing.status, "completed", JSON.stringify(failing))
      assert.isTrue((resultFromTaskOutcome(failing) as any).isError)
      const confirmed = yield* settle(session, "confirm_delete", { filename: "x.log" })
      assert.strictEqual(confirmed.status, "completed", JSON.stringify(confirmed))
      assert.deepStrictEqual((resultFromTaskOutcome(confirmed) as any).content, [{ type: "text", text: "Deleted x.log" }])
      const protocolError = yield* settle(session, "protocol_error_job", {})
      assert.strictEqual(protocolError.status, "failed", JSON.stringify(protocolError))
    }), 60_000)
})
