/**
 * Tasks of both eras on one server at once, over Streamable HTTP: a 2025-11-25 client creates a
 * task with `params.task` (core tasks), a 2026-07-28 request creates one through the extension.
 * Each era sees only its own tasks (-32602 for the other's id, whichever way), on a stateful
 * endpoint (a 2025 session beside the shared 2026 session) and on a stateless one (where both
 * are anonymous callers from the same address, so only the separate owner space keeps them
 * apart). The same tool ending with `isError` is a `failed` task in 2025-11-25 and a `completed`
 * one in 2026-07-28.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { components, options } from "../../examples/everything-server.ts"
import { answerOf, LATEST, on, openSession, post } from "../http/support.ts"
import { modern, pollTask, serveHttp, withTasks } from "./support.ts"
import { withoutServerInfo } from "../support/serverInfo.ts"

const run = <A>(body: () => Promise<A>) => Effect.promise(body)

/** A 2025-11-25 caller: a session (`sessionId`) or stateless requests (no session). */
const legacyCaller = (url: string, sessionId?: string) => {
  let next = 0
  const headers = sessionId === undefined ? { "mcp-protocol-version": LATEST } : on(sessionId)
  const request = (method: string, params: Record<string, unknown>) =>
    post(url, { jsonrpc: "2.0", id: `l${next++}`, method, params }, headers).then(answerOf)
  return {
    request,
    createTask: async (name: string, args: Record<string, unknown>) => {
      const answer = await request("tools/call", { name, arguments: args, task: { ttl: 60_000 } })
      if (answer.result?.task?.taskId === undefined) throw new Error(`no task: ${JSON.stringify(answer)}`)
      return answer.result.task as { readonly taskId: string; readonly status: string }
    },
    get: (taskId: string) => request("tasks/get", { taskId }),
    cancel: (taskId: string) => request("tasks/cancel", { taskId }),
    list: () => request("tasks/list", {})
  }
}

/** A 2026-07-28 caller that declares the tasks extension. */
const modernCaller = (url: string) => {
  const meta = withTasks()
  return {
    createTask: async (name: string, args: Record<string, unknown>) => {
      const answer = await modern(url, "tools/call", { name, arguments: args }, { meta })
      if (answer.message.result?.resultType !== "task") throw new Error(`no task: ${JSON.stringify(answer)}`)
      return answer.message.result as { readonly taskId: string }
    },
    get: (taskId: string) => modern(url, "tasks/get", { taskId }, { meta }).then((answer) => answer.message),
    cancel: (taskId: string) => modern(url, "tasks/cancel", { taskId }, { meta }).then((answer) => answer.message)
  }
}

/** Each era creates a task; neither can read or cancel the other's. */
const crossCheck = (legacy: ReturnType<typeof legacyCaller>, current: ReturnType<typeof modernCaller>) =>
  Effect.gen(function*() {
    const old = yield* run(() => legacy.createTask("slow_compute", { seconds: 5 }))
    const created = yield* run(() => current.createTask("slow_compute", { seconds: 5 }))
    assert.strictEqual(old.status, "working")
    // each era reads its own
    assert.strictEqual((yield* run(() => legacy.get(old.taskId))).result?.status, "working")
    assert.strictEqual((yield* run(() => current.get(created.taskId))).result?.status, "working")
    // and not the other's: -32602 as for an unknown id
    const modernOnLegacy = yield* run(() => current.get(old.taskId))
    assert.strictEqual(modernOnLegacy.error?.code, -32602, JSON.stringify(modernOnLegacy))
    const legacyOnModern = yield* run(() => legacy.get(created.taskId))
    assert.strictEqual(legacyOnModern.error?.code, -32602, JSON.stringify(legacyOnModern))
    assert.strictEqual((yield* run(() => current.cancel(old.taskId))).error?.code, -32602)
    assert.strictEqual((yield* run(() => legacy.cancel(created.taskId))).error?.code, -32602)
    assert.strictEqual((yield* run(() => legacy.request("tasks/result", { taskId: created.taskId }))).error?.code, -32602)
    // 2025-11-25 lists only its own
    const listed = yield* run(() => legacy.list())
    assert.notInclude((listed.result?.tasks ?? []).map((task: any) => task.taskId), created.taskId)
    // the refused cancels touched nothing
    assert.strictEqual((yield* run(() => legacy.get(old.taskId))).result?.status, "working")
    assert.strictEqual((yield* run(() => current.get(created.taskId))).result?.status, "working")
    // each era cancels its own
    assert.strictEqual((yield* run(() => legacy.cancel(old.taskId))).result?.status, "cancelled")
    assert.deepStrictEqual(withoutServerInfo((yield* run(() => current.cancel(created.taskId))).result), { resultType: "complete" })
    assert.strictEqual((yield* run(() => current.get(created.taskId))).result?.status, "cancelled")
  })

describe("tasks of both eras on one server", () => {
  it.live("stateful endpoint: a 2025-11-25 session's task and a 2026 extension task never see each other", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp(options, components)
      const sessionId = yield* run(() => openSession(url))
      yield* crossCheck(legacyCaller(url, sessionId), modernCaller(url))
    }))

  it.live("stateless endpoint: both anonymous from one address, still apart (separate owner spaces)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp(options, components, { stateless: true })
      yield* crossCheck(legacyCaller(url), modernCaller(url))
    }))

  it.live("isError: failed in 2025-11-25 (params.task), completed in 2026-07-28 (the extension), for the same tool", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp(options, components)
      const sessionId = yield* run(() => openSession(url))
      const legacy = legacyCaller(url, sessionId)
      const current = modernCaller(url)
      const old = yield* run(() => legacy.createTask("failing_job", {}))
      const created = yield* run(() => current.createTask("failing_job", {}))
      const oldDone = yield* run(() =>
        pollTask(() => legacy.get(old.taskId), (task) => task.status !== "working", 5_000, 50)
      )
      assert.strictEqual(oldDone.status, "failed")
      assert.notProperty(oldDone, "result", "2025-11-25 tasks/get carries no result")
      const oldResult = yield* run(() => legacy.request("tasks/result", { taskId: old.taskId }))
      assert.isTrue(oldResult.result?.isError, JSON.stringify(oldResult))
      const newDone = yield* run(() => pollTask(() => current.get(created.taskId), (task) => task.status !== "working", 5_000, 50))
      assert.strictEqual(newDone.status, "completed")
      assert.isTrue(newDone.result.isError)
      // 2025-11-25 required tools still need params.task (-32601), 2026-07-28 ones the extension (-32021)
      const undeclared = yield* run(() => legacy.request("tools/call", { name: "failing_job", arguments: {} }))
      assert.strictEqual(undeclared.error?.code, -32601)
    }))
})

describe("a requested task ttl out of range", () => {
  // SEP-1686: `task.ttl` is the requested retention in ms from creation, which the receiver MAY
  // override. A negative one is no duration: -32602 naming the field (was: silently the default,
  // one hour). 0 asks for no retention in particular (a client's unset integer): the default,
  // which the CreateTaskResult reports. 2026-07-28 ignores a legacy `params.task` whatever it holds.
  it.live("2025-11-25: ttl -1 is -32602 naming task.ttl, ttl 0 gets the default (reported); 2026-07-28: a legacy task.ttl of -1 is ignored", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp(options, components)
      const sessionId = yield* run(() => openSession(url))
      const legacy = legacyCaller(url, sessionId)
      const negative = yield* run(() => legacy.request("tools/call", { name: "slow_compute", arguments: { seconds: 5 }, task: { ttl: -1 } }))
      assert.strictEqual(negative.error?.code, -32602, JSON.stringify(negative))
      assert.include(negative.error.message, `["task"]["ttl"]`, negative.error.message)
      assert.include(negative.error.message, "greater than or equal to 0", negative.error.message)
      // Nothing was created: the session has no task.
      assert.deepStrictEqual((yield* run(() => legacy.list())).result?.tasks, [])
      const zero = yield* run(() => legacy.request("tools/call", { name: "slow_compute", arguments: { seconds: 5 }, task: { ttl: 0 } }))
      assert.strictEqual(zero.result?.task?.ttl, 3_600_000, JSON.stringify(zero))
      const read = yield* run(() => legacy.get(zero.result.task.taskId))
      assert.strictEqual(read.result?.status, "working")
      assert.strictEqual((yield* run(() => legacy.cancel(zero.result.task.taskId))).result?.status, "cancelled")
      // 2026-07-28: the legacy param MUST be ignored, its value too.
      const current = yield* run(() =>
        modern(url, "tools/call", { name: "slow_compute", arguments: { seconds: 5 }, task: { ttl: -1 } }, { meta: withTasks() })
      )
      assert.strictEqual(current.message.result?.resultType, "task", JSON.stringify(current.message))
      assert.strictEqual(current.message.result.ttlMs, 3_600_000)
      const cancelled = yield* run(() => modern(url, "tasks/cancel", { taskId: current.message.result.taskId }, { meta: withTasks() }))
      assert.deepStrictEqual(withoutServerInfo(cancelled.message.result), { resultType: "complete" })
    }))
})
