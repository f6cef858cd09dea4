/**
 * `tasks/cancel` (MCP 2025-11-25) of a task whose work runs on after it (an uninterruptible
 * region), over Streamable HTTP: the task's progress stops at its terminal status, as MCP requires
 * ("they MUST stop at a terminal status"), and so do its log lines.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { InMemory, McpContext, McpServer } from "../../src/index.ts"
import { serveHttp } from "../extensions/support.ts"
import { answerOf, on, openSession, post, sseReader } from "../http/support.ts"

/** Resolved as the transaction's region has said all it says (its messages are queued by then). */
let regionEnded: () => void = () => {}
const regionEnd = () => new Promise<void>((resolve) => regionEnded = resolve)

/** Reports progress (and logs) before and after a pause, all in one uninterruptible region (a transaction). */
const Transaction = McpServer.tool({
  name: "transaction",
  execution: { taskSupport: "optional" },
  handler: () =>
    Effect.uninterruptible(Effect.gen(function*() {
      yield* McpContext.progress(1, 3)
      yield* Effect.sleep(1_000)
      yield* McpContext.log("info", "committing")
      yield* Effect.log("committing (a line of Effect.log)")
      yield* McpContext.progress(2, 3)
      yield* Effect.sleep(50)
      yield* McpContext.progress(3, 3)
      yield* Effect.sync(() => regionEnded())
      return "committed"
    }))
})

/** The messages of the events a reader gets until none comes for `quietMillis` (at most 50). */
const messagesUntilQuiet = async (reader: ReturnType<typeof sseReader>, quietMillis: number): Promise<Array<any>> => {
  const messages: Array<any> = []
  for (let i = 0; i < 50; i++) {
    const event = await reader.next(quietMillis).catch(() => undefined)
    if (event === undefined) break
    if (event.data !== "") messages.push(JSON.parse(event.data))
  }
  return messages
}

describe("tasks/cancel of a task whose work runs on", () => {
  // Fails before: the progress of 2 and 3 went out after the cancel's answer (on the session's
  // stream: no tasks/result waits for the task), with the task's related-task _meta.
  it.live("no progress and no log line after the cancel's answer; the task stays cancelled", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "cancel", version: "1.0.0", tasks: McpServer.tasks() }, Transaction)
      const ended = regionEnd()
      const sessionId = yield* Effect.promise(() => openSession(url))
      // The session's stream, where the task's messages go while no tasks/result waits for it.
      const stream = yield* Effect.acquireRelease(
        Effect.promise(() => fetch(url, { method: "GET", headers: { accept: "text/event-stream", ...on(sessionId) } })),
        (response) => Effect.promise(() => response.body?.cancel().catch(() => undefined) ?? Promise.resolve())
      )
      assert.strictEqual(stream.status, 200)
      const reader = sseReader(stream)
      const created = yield* Effect.promise(() =>
        post(url, {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "transaction", arguments: {}, task: {}, _meta: { progressToken: "t" } }
        }, on(sessionId)).then(answerOf)
      )
      const taskId: string = created.result?.task?.taskId
      assert.isString(taskId, JSON.stringify(created))
      // Progress 1, as the work starts (its next comes a second later).
      const first = yield* Effect.promise(async () => {
        const told: Array<any> = []
        for (let i = 0; i < 20; i++) {
          const event = await reader.next(5_000)
          if (event === undefined) break
          if (event.data === "") continue
          const message = JSON.parse(event.data)
          told.push(message)
          if (message.method === "notifications/progress") break
        }
        return told
      })
      assert.strictEqual(first.at(-1)?.params?.progress, 1, JSON.stringify(first))
      const cancelled = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 2, method: "tasks/cancel", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.strictEqual(cancelled.result?.status, "cancelled", JSON.stringify(cancelled))
      // Whatever the region said after the cancel is queued once it ends (however long that takes
      // on a loaded machine: waiting for a quiet stream alone let the test pass, unchecked, when
      // the region's last messages came later than the quiet time); then it has come within a
      // second of quiet.
      yield* Effect.promise(() => ended).pipe(Effect.timeout("20 seconds"))
      const after = yield* Effect.promise(() => messagesUntilQuiet(reader, 1_000))
      assert.deepStrictEqual(after.filter((message) => message.method === "notifications/progress"), [], JSON.stringify(after))
      // Nor its log lines (through McpContext.log, and the Effect.log bridge).
      assert.deepStrictEqual(after.filter((message) => message.method === "notifications/message"), [], JSON.stringify(after))
      const task = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 3, method: "tasks/get", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.strictEqual(task.result?.status, "cancelled", JSON.stringify(task))
    }), 30_000)

  // A connection of its own (in memory, as stdio): the task's messages go on the one stream.
  // Fails before: the progress of 2 and 3 and both log lines came after the cancel's answer.
  it.live("in memory: no progress and no log line after the cancel's answer", () =>
    Effect.gen(function*() {
      const ended = regionEnd()
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "cancel", version: "1.0.0", tasks: McpServer.tasks() }, Transaction, pair.server))
      const messages: Array<any> = []
      const waiters: Array<() => void> = []
      pair.client.onmessage = (message: any) => {
        messages.push(message)
        for (const wake of waiters.splice(0)) wake()
      }
      /** The first message `holds` takes, waiting for it up to 10 s. */
      const first = (holds: (message: any) => boolean) =>
        Effect.promise(async () => {
          for (let i = 0; i < 200; i++) {
            const found = messages.find(holds)
            if (found !== undefined) return found
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 50)
              waiters.push(() => {
                clearTimeout(timer)
                resolve()
              })
            })
          }
          return undefined
        })
      const send = (message: object) => Effect.promise(() => pair.client.send({ jsonrpc: "2.0", ...message } as never))
      yield* send({ id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } } })
      assert.isDefined(yield* first((message) => message.id === 1))
      yield* send({ method: "notifications/initialized" })
      yield* send({ id: 2, method: "tools/call", params: { name: "transaction", arguments: {}, task: {}, _meta: { progressToken: "t" } } })
      const created = yield* first((message) => message.id === 2)
      const taskId: string = created?.result?.task?.taskId
      assert.isString(taskId, JSON.stringify(created))
      const progress = yield* first((message) => message.method === "notifications/progress")
      assert.strictEqual(progress?.params?.progress, 1, JSON.stringify(messages))
      yield* send({ id: 3, method: "tasks/cancel", params: { taskId } })
      const cancelled = yield* first((message) => message.id === 3)
      assert.strictEqual(cancelled?.result?.status, "cancelled", JSON.stringify(cancelled))
      yield* Effect.promise(() => ended).pipe(Effect.timeout("20 seconds"))
      // The region's last messages are queued by now; a ping answered comes after them (and a
      // moment more, should an answer ever overtake what is queued).
      yield* send({ id: 4, method: "ping" })
      assert.isDefined(yield* first((message) => message.id === 4))
      yield* Effect.sleep(200)
      const after = messages.slice(messages.indexOf(cancelled) + 1)
      assert.deepStrictEqual(after.filter((message) => message.method === "notifications/progress"), [], JSON.stringify(after))
      assert.deepStrictEqual(after.filter((message) => message.method === "notifications/message"), [], JSON.stringify(after))
    }), 30_000)
})
