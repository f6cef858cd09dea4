/**
 * Fair task quotas over real Streamable HTTP (issue 10, item 7): anonymous sessions from one
 * client address share one budget (`maxTasksPerAddress`) however many sessions they open, while a
 * principal from the same address and callers from other addresses are unaffected; on a
 * stateless server anonymous callers are keyed by their address, so two addresses have separate
 * budgets and cannot see each other's tasks. Other source addresses come from binding the client
 * socket to 127.0.0.x (Linux routes 127.0.0.0/8 to loopback); where that is impossible, those
 * tests are skipped.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { request as httpRequest } from "node:http"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { initializeMessage, LATEST, loopbackAliasesBindable, serveOnAnyPort } from "./support.ts"

/** A task tool that runs until cancelled. */
const Forever = McpServer.tool({
  name: "forever",
  execution: { taskSupport: "optional" },
  handler: () => Effect.never
})

/** `x-user: <name>` makes the caller the principal `<name>` (a stand-in for real authentication). */
const Auth = McpServer.middleware(Middleware.make("header-auth", {
  onRequest: (request, context, next) => {
    const user = context.http?.headers["x-user"]
    return user === undefined
      ? next(request)
      : next(request, context.with({ principal: { subject: user, scopes: [], claims: {} } }))
  }
}))

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly message: any
}

/** One HTTP request from `from` (a local source address); the JSON-RPC answer (JSON or the last SSE message). */
const send = (
  port: number,
  method: string,
  headers: Record<string, string>,
  body: unknown,
  from?: string
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      method,
      path: "/mcp",
      ...(from === undefined ? {} : { localAddress: from }),
      headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headers }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", reject)
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString()
        const type = String(response.headers["content-type"] ?? "")
        let message: unknown
        if (type.includes("text/event-stream")) {
          const data = text.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim())
          const last = data.filter((d) => d !== "").at(-1)
          message = last === undefined ? undefined : JSON.parse(last)
        } else if (text !== "") message = JSON.parse(text)
        resolve({ status: response.statusCode ?? 0, headers: response.headers, message })
      })
    })
    request.on("error", reject)
    request.end(body === undefined ? undefined : JSON.stringify(body))
  })

/** A caller of a server on `port` from `from`: a stateful session (`open`) or stateless requests. */
const caller = (port: number, from?: string, extra: Record<string, string> = {}) => {
  let sessionId: string | undefined
  let next = 0
  const headers = () => ({
    "mcp-protocol-version": LATEST,
    ...(sessionId === undefined ? {} : { "mcp-session-id": sessionId }),
    ...extra
  })
  return {
    open: async () => {
      const init = await send(port, "POST", extra, initializeMessage(0), from)
      if (init.status !== 200) throw new Error(`initialize: ${init.status}`)
      sessionId = init.headers["mcp-session-id"] as string
      const initialized = await send(port, "POST", headers(), { jsonrpc: "2.0", method: "notifications/initialized" }, from)
      if (initialized.status !== 202) throw new Error(`notifications/initialized: ${initialized.status}`)
    },
    request: async (method: string, params: unknown): Promise<any> =>
      (await send(port, "POST", headers(), { jsonrpc: "2.0", id: `q${next++}`, method, params }, from)).message,
    startTask: async (): Promise<any> =>
      (await send(port, "POST", headers(), {
        jsonrpc: "2.0",
        id: `q${next++}`,
        method: "tools/call",
        params: { name: "forever", arguments: {}, task: {} }
      }, from)).message,
    close: () => send(port, "DELETE", headers(), undefined, from)
  }
}

/** Serves Forever + header auth with `tasks` options over Streamable HTTP on 127.0.0.1. */
const serveTasks = (tasks: McpServer.TaskOptions, stateless = false) =>
  Effect.gen(function*() {
    const { port } = yield* serveOnAnyPort((port) =>
      McpServer.serve(
        { name: "quotas", version: "1.0.0", tasks: McpServer.tasks(tasks) },
        Layer.mergeAll(Forever, Auth),
        StreamableHttp.make({ host: "127.0.0.1", port, stateless })
      )
    )
    return port
  })

/** Whether a client socket can be bound to 127.0.0.2 (Linux: yes; macOS by default: no). */
const canBindLoopbackAliases = await loopbackAliasesBindable()

describe("task quotas over Streamable HTTP", () => {
  it.live("11 anonymous sessions from one address share maxTasksPerAddress; a principal from that address is unaffected", () =>
    Effect.gen(function*() {
      const port = yield* serveTasks({ maxTasksPerOwner: 3, maxTasksPerAddress: 10 })
      const sessions = Array.from({ length: 11 }, () => caller(port))
      yield* Effect.promise(() => Promise.all(sessions.map((s) => s.open())))
      // one task per session: each is far below its own cap (3), yet the 11th is refused
      const answers: Array<any> = []
      for (const session of sessions) answers.push(yield* Effect.promise(() => session.startTask()))
      assert.deepStrictEqual(answers.slice(0, 10).map((a) => a.result?.task?.status), Array(10).fill("working"))
      const refused = answers[10]
      assert.strictEqual(refused.error?.code, 429, JSON.stringify(refused))
      assert.deepStrictEqual(refused.error.data, { limit: "tasksPerAddress", max: 10 })
      assert.match(refused.error.message, /per client address/)
      // more sessions do not help
      const more = caller(port)
      yield* Effect.promise(() => more.open())
      assert.deepStrictEqual((yield* Effect.promise(() => more.startTask())).error?.data, { limit: "tasksPerAddress", max: 10 })
      // a principal from the same address: only its own cap applies
      const alice = caller(port, undefined, { "x-user": "alice" })
      yield* Effect.promise(() => alice.open())
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* Effect.promise(() => alice.startTask())).result?.task?.status, "working")
      assert.deepStrictEqual((yield* Effect.promise(() => alice.startTask())).error?.data, { limit: "tasksPerRequestor", max: 3 })
      // a session that ends gives its place back (its tasks are cancelled, then make room)
      assert.strictEqual((yield* Effect.promise(() => sessions[0]!.close())).status, 200)
      const after = yield* Effect.promise(() => sessions[10]!.startTask())
      assert.strictEqual(after.result?.task?.status, "working", JSON.stringify(after))
    }))

  it.live("stateless: one anonymous caller cannot exceed its cap; tasks/list is not offered to it (-32601)", () =>
    Effect.gen(function*() {
      const port = yield* serveTasks({ maxTasksPerOwner: 2 }, true)
      const anonymous = caller(port)
      for (let i = 0; i < 2; i++) assert.strictEqual((yield* Effect.promise(() => anonymous.startTask())).result?.task?.status, "working")
      const refused = yield* Effect.promise(() => anonymous.startTask())
      assert.deepStrictEqual(refused.error?.data, { limit: "tasksPerRequestor", max: 2 })
      assert.strictEqual((yield* Effect.promise(() => anonymous.request("tasks/list", {}))).error?.code, -32601)
      // a principal on the same stateless server has its own budget
      const bob = caller(port, undefined, { "x-user": "bob" })
      assert.strictEqual((yield* Effect.promise(() => bob.startTask())).result?.task?.status, "working")
    }))

  describe.skipIf(!canBindLoopbackAliases)("from several source addresses (127.0.0.x)", () => {
    it.live("stateful: anonymous sessions from another address have their own budget", () =>
      Effect.gen(function*() {
        const port = yield* serveTasks({ maxTasksPerOwner: 5, maxTasksPerAddress: 4 })
        const crowd = Array.from({ length: 4 }, () => caller(port, "127.0.0.2"))
        yield* Effect.promise(() => Promise.all(crowd.map((s) => s.open())))
        for (const session of crowd) assert.strictEqual((yield* Effect.promise(() => session.startTask())).result?.task?.status, "working")
        const late = caller(port, "127.0.0.2")
        yield* Effect.promise(() => late.open())
        assert.deepStrictEqual((yield* Effect.promise(() => late.startTask())).error?.data, { limit: "tasksPerAddress", max: 4 })
        const other = caller(port, "127.0.0.3")
        yield* Effect.promise(() => other.open())
        for (let i = 0; i < 4; i++) assert.strictEqual((yield* Effect.promise(() => other.startTask())).result?.task?.status, "working")
      }))

    it.live("stateless: two anonymous callers from different addresses have separate budgets and cannot see each other's tasks", () =>
      Effect.gen(function*() {
        const port = yield* serveTasks({ maxTasksPerOwner: 2 }, true)
        const one = caller(port, "127.0.0.2")
        const two = caller(port, "127.0.0.3")
        const first = yield* Effect.promise(() => one.startTask())
        const taskId = first.result.task.taskId
        yield* Effect.promise(() => one.startTask())
        assert.deepStrictEqual((yield* Effect.promise(() => one.startTask())).error?.data, { limit: "tasksPerRequestor", max: 2 })
        // the other address is not blocked by the first one's tasks
        for (let i = 0; i < 2; i++) assert.strictEqual((yield* Effect.promise(() => two.startTask())).result?.task?.status, "working")
        // and cannot reach them, even with the id; the owner can
        assert.strictEqual((yield* Effect.promise(() => two.request("tasks/get", { taskId }))).error?.code, -32602)
        assert.strictEqual((yield* Effect.promise(() => two.request("tasks/cancel", { taskId }))).error?.code, -32602)
        assert.strictEqual((yield* Effect.promise(() => one.request("tasks/get", { taskId }))).result?.status, "working")
        assert.strictEqual((yield* Effect.promise(() => one.request("tasks/cancel", { taskId }))).result?.status, "cancelled")
        // a cancelled task makes room for its owner
        assert.strictEqual((yield* Effect.promise(() => one.startTask())).result?.task?.status, "working")
      }))
  })
})
