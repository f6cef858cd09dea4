/**
 * A task cancelled while its work runs on (an uninterruptible region) that then asks the client
 * for input (`elicit`, `sample`, `listRoots`), in both eras, driven by raw requests over Streamable
 * HTTP: nothing is asked after the task's terminal status and nothing waits for an answer no one
 * will send; each ask fails at once with `SessionClosed` (`reason: "taskCancelled"`). MCP 2025-11-25 sent the request to the
 * client and waited for it up to the 60 s client-request timeout; MCP 2026-07-28 (the tasks
 * extension) listed it and waited for ever, also for an input the task waited for as it was cancelled.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { modern, pollTask, serveHttp, withTasks } from "../extensions/support.ts"
import { answerOf, on, openSession, post, sseReader } from "../http/support.ts"

/** A promise the test resolves: the work waits for it in its uninterruptible region. */
const gate = () => {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/** What the work did: whether its region started, and how each of its asks ended (`answered`, or the error's tag). */
const makeProbe = () => ({ started: gate(), go: gate(), outcomes: undefined as Array<string> | undefined })
type Probe = ReturnType<typeof makeProbe>

/** The three asks, one after the other, each's outcome recorded. */
const asks = (probe: Probe) =>
  Effect.gen(function*() {
    const outcomes: Array<string> = []
    const outcomeOf = <A, E extends { readonly _tag: string }, R>(ask: Effect.Effect<A, E, R>) =>
      Effect.match(ask, {
        onSuccess: () => "answered",
        onFailure: (error) =>
          error._tag === "SessionClosed" ? `SessionClosed:${(error as unknown as McpContext.SessionClosed).reason}` : error._tag
      })
    outcomes.push(yield* outcomeOf(McpContext.elicit("Go on?", Schema.Struct({ ok: Schema.Boolean }))))
    outcomes.push(
      yield* outcomeOf(McpContext.sample({ messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 10 }))
    )
    outcomes.push(yield* outcomeOf(McpContext.listRoots))
    probe.outcomes = outcomes
  })

/** A task's work that asks, in one uninterruptible region, once the test opens its gate (after the cancel). */
const askAfterGate = (probe: Probe, becomeTask: boolean) =>
  McpServer.tool({
    name: "transaction",
    execution: { taskSupport: "optional" },
    handler: () =>
      Effect.uninterruptible(Effect.gen(function*() {
        if (becomeTask) yield* McpContext.becomeTask
        probe.started.open()
        yield* Effect.promise(() => probe.go.promise)
        yield* asks(probe)
        return "committed"
      }))
  })

/** Waits (at most `millis`) for the work's asks to end. */
const outcomesWithin = (probe: Probe, millis: number) =>
  Effect.promise(async () => {
    const deadline = Date.now() + millis
    for (let i = 0; i < 1_000 && probe.outcomes === undefined && Date.now() < deadline; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return probe.outcomes
  })

/**
 * A 2025-11-25 session over Streamable HTTP (elicitation, sampling, roots), its stream open (where
 * the task's requests go while no tasks/result waits for it), and the task of a call asked with `task`.
 */
const taskOnStream = (probe: Probe, task: { readonly ttl?: number }) =>
  Effect.gen(function*() {
    const { url } = yield* serveHttp({ name: "cancel-input", version: "1.0.0", tasks: McpServer.tasks() }, askAfterGate(probe, false))
    const sessionId = yield* Effect.promise(() => openSession(url, { elicitation: {}, sampling: {}, roots: {} }))
    const stream = yield* Effect.acquireRelease(
      Effect.promise(() => fetch(url, { method: "GET", headers: { accept: "text/event-stream", ...on(sessionId) } })),
      (response) => Effect.promise(() => response.body?.cancel().catch(() => undefined) ?? Promise.resolve())
    )
    assert.strictEqual(stream.status, 200)
    const reader = sseReader(stream)
    const created = yield* Effect.promise(() =>
      post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "transaction", arguments: {}, task } }, on(sessionId))
        .then(answerOf)
    )
    const taskId: string = created.result?.task?.taskId
    assert.isString(taskId, JSON.stringify(created))
    return { url, sessionId, reader, taskId }
  })

/** The messages on the stream up to the first of `method` (at most 20, each within 5 s). */
const readUntil = async (reader: ReturnType<typeof sseReader>, method: string) => {
  const told: Array<any> = []
  for (let i = 0; i < 20; i++) {
    const event = await reader.next(5_000).catch(() => undefined)
    if (event === undefined) break
    if (event.data === "") continue
    const message = JSON.parse(event.data)
    told.push(message)
    if (message.method === method) break
  }
  return told
}

const cancelledEverywhere = ["SessionClosed:taskCancelled", "SessionClosed:taskCancelled", "SessionClosed:taskCancelled"]
const asked = new Set(["elicitation/create", "sampling/createMessage", "roots/list"])

describe("a task cancelled while its work runs on asks nothing more", () => {
  // Fails before: the elicitation went out on the session's stream after the cancel's answer, and
  // the work waited for its answer (60 s): no outcome within 5 s.
  it.live("2025-11-25: elicit, sample and listRoots fail at once with SessionClosed (taskCancelled); no request reaches the client", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { url, sessionId, reader, taskId } = yield* taskOnStream(probe, {})
      yield* Effect.promise(() => probe.started.promise)
      const cancelled = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 2, method: "tasks/cancel", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.strictEqual(cancelled.result?.status, "cancelled", JSON.stringify(cancelled))
      probe.go.open()
      assert.deepStrictEqual(yield* outcomesWithin(probe, 5_000), cancelledEverywhere)
      // Nothing was asked of the client on its stream.
      const after = yield* Effect.promise(async () => {
        const messages: Array<any> = []
        for (let i = 0; i < 50; i++) {
          const event = await reader.next(500).catch(() => undefined)
          if (event === undefined) break
          if (event.data !== "") messages.push(JSON.parse(event.data))
        }
        return messages
      })
      assert.deepStrictEqual(after.filter((message) => asked.has(message.method)), [], JSON.stringify(after))
      const task = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 3, method: "tasks/get", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.strictEqual(task.result?.status, "cancelled", JSON.stringify(task))
    }), 30_000)

  // Fails before: the elicitation sent before the cancel was waited for up to its timeout (60 s)
  // by the work running on: no outcome within 5 s.
  it.live("2025-11-25: an elicitation the task waits for as it is cancelled is given up at once, and the asks after it fail too", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      probe.go.open()
      const { url, sessionId, reader, taskId } = yield* taskOnStream(probe, {})
      // The elicitation, on the session's stream.
      const seen = yield* Effect.promise(() => readUntil(reader, "elicitation/create"))
      assert.strictEqual(seen.at(-1)?.method, "elicitation/create", JSON.stringify(seen))
      const cancelled = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 2, method: "tasks/cancel", params: { taskId } }, on(sessionId)).then(answerOf)
      )
      assert.strictEqual(cancelled.result?.status, "cancelled", JSON.stringify(cancelled))
      assert.deepStrictEqual(yield* outcomesWithin(probe, 5_000), cancelledEverywhere)
      // The client is told the elicitation it was shown is given up (its dialog may close).
      const elicitation = seen.at(-1)
      const after = yield* Effect.promise(() => readUntil(reader, "notifications/cancelled"))
      assert.strictEqual(after.at(-1)?.params?.requestId, elicitation.id, JSON.stringify(after))
    }), 30_000)

  // Fails before: the task's TTL elapsed while its work was in the region (interrupted, running
  // on), but the work stayed the task's until it ended: the elicitation went out and waited for
  // the client (60 s): no outcome within 5 s.
  it.live("2025-11-25: a task expired (its TTL elapsed) while its work runs on asks nothing more either", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      yield* taskOnStream(probe, { ttl: 200 })
      yield* Effect.promise(() => probe.started.promise)
      // Past its TTL: the work is interrupted (it runs on, uninterruptible).
      yield* Effect.sleep("700 millis")
      probe.go.open()
      assert.deepStrictEqual(yield* outcomesWithin(probe, 5_000), cancelledEverywhere)
    }), 30_000)

  // Fails before: the elicitation sent before the task's TTL elapsed was waited for up to its
  // timeout (60 s) by the work running on (only tasks/cancel gave it up): no outcome within 5 s.
  it.live("2025-11-25: an elicitation the task waits for as its TTL elapses is given up at once, and the asks after it fail too", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      probe.go.open()
      const { reader } = yield* taskOnStream(probe, { ttl: 500 })
      // The elicitation, on the session's stream, then the notifications/cancelled that gives it up.
      const seen = yield* Effect.promise(() => readUntil(reader, "notifications/cancelled"))
      const elicitation = seen.find((message) => message.method === "elicitation/create")
      assert.isDefined(elicitation, JSON.stringify(seen))
      assert.strictEqual(seen.at(-1)?.params?.requestId, elicitation.id, JSON.stringify(seen))
      assert.deepStrictEqual(yield* outcomesWithin(probe, 5_000), cancelledEverywhere)
    }), 30_000)

  describe("2026-07-28 (the tasks extension)", () => {
    const meta = withTasks({ elicitation: {}, sampling: {}, roots: {} })
    const call = (url: string) => modern(url, "tools/call", { name: "transaction", arguments: {} }, { meta })
    const cancel = (url: string, taskId: string) => modern(url, "tasks/cancel", { taskId }, { meta })
    const get = (url: string, taskId: string) => modern(url, "tasks/get", { taskId }, { meta }).then((answer) => answer.message)

    // Fails before: the inputs were listed for a cancelled task and waited for ever (a fiber that
    // never ends): no outcome within 5 s.
    it.live("asked after the cancel: elicit, sample and listRoots fail at once with SessionClosed (taskCancelled); nothing is listed", () =>
      Effect.gen(function*() {
        const probe = makeProbe()
        const { url } = yield* serveHttp(
          { name: "cancel-input", version: "1.0.0", tasks: McpServer.tasks() },
          askAfterGate(probe, true),
          { stateless: true }
        )
        const created = yield* Effect.promise(() => call(url))
        const taskId: string = created.message.result?.taskId
        assert.isString(taskId, JSON.stringify(created))
        yield* Effect.promise(() => probe.started.promise)
        const cancelled = yield* Effect.promise(() => cancel(url, taskId))
        assert.isUndefined(cancelled.message.error, JSON.stringify(cancelled))
        probe.go.open()
        assert.deepStrictEqual(yield* outcomesWithin(probe, 5_000), cancelledEverywhere)
        const task = yield* Effect.promise(() => get(url, taskId))
        assert.strictEqual(task.result?.status, "cancelled", JSON.stringify(task))
        assert.notProperty(task.result, "inputRequests")
      }), 30_000)

    // Fails before: the elicitation the task waited for as it was cancelled waited for ever.
    it.live("asked before the cancel, still waiting: its wait fails with SessionClosed (taskCancelled), and so do the asks after it", () =>
      Effect.gen(function*() {
        const probe = makeProbe()
        probe.go.open()
        const { url } = yield* serveHttp(
          { name: "cancel-input", version: "1.0.0", tasks: McpServer.tasks() },
          askAfterGate(probe, true),
          { stateless: true }
        )
        const created = yield* Effect.promise(() => call(url))
        const taskId: string = created.message.result?.taskId
        assert.isString(taskId, JSON.stringify(created))
        const waiting = yield* Effect.promise(() => pollTask(() => get(url, taskId), (task) => task.status === "input_required", 10_000))
        assert.deepStrictEqual(Object.values(waiting.inputRequests).map((request: any) => request.method), ["elicitation/create"])
        const cancelled = yield* Effect.promise(() => cancel(url, taskId))
        assert.isUndefined(cancelled.message.error, JSON.stringify(cancelled))
        assert.deepStrictEqual(yield* outcomesWithin(probe, 5_000), cancelledEverywhere)
        const task = yield* Effect.promise(() => get(url, taskId))
        assert.strictEqual(task.result?.status, "cancelled", JSON.stringify(task))
      }), 30_000)
  })
})
