/**
 * Fair task quotas (issue 10, item 7): no single requestor (session, principal, anonymous
 * stateless address) and no single anonymous client address (across its sessions) can take the
 * server's whole task budget; the default TTL is at most 1 hour. Defaults: 10,000 tasks, 100 per
 * requestor, 500 per anonymous client address.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { TestClock } from "effect/testing"
import { type HttpRequestInfo, McpError, McpServer, type RequestContext } from "../../src/index.ts"
import { keysOf } from "../../src/server/internal/tasks.ts"
import { addressKey } from "../../src/session/Requestor.ts"
import { makeMemory, TaskLimitExceeded, type TaskStore } from "../../src/tasks/TaskStore.ts"
import { toMcpError } from "../../src/tasks/wire/v2025_11_25.ts"
import { connect, connectRaw } from "../server/McpServerHarness.ts"
import { callAsTask, everything, rawCaller, refusal } from "./support.ts"

const Forever = McpServer.tool({
  name: "forever",
  execution: { taskSupport: "optional" },
  handler: () => Effect.never
})

const forever = { name: "forever", arguments: {}, task: {} }

/** A request context with only what the task keys read. */
const contextOf = (input: {
  readonly sessionId?: string
  readonly stateless?: boolean
  readonly subject?: string
  readonly remoteAddress?: string
  readonly headers?: Record<string, string>
}): RequestContext => {
  const http: HttpRequestInfo | undefined = input.remoteAddress === undefined && input.headers === undefined
    ? undefined
    : {
      method: "POST",
      url: "/mcp",
      headers: input.headers ?? {},
      header: (name) => input.headers?.[name],
      remoteAddress: input.remoteAddress
    }
  return {
    sessionId: input.sessionId ?? "s1",
    session: { stateless: input.stateless === true },
    principal: input.subject === undefined ? undefined : { subject: input.subject, scopes: [], claims: {} },
    http
  } as unknown as RequestContext
}

const created = (store: TaskStore["Service"], owner: string, address?: string) =>
  store.create({ owner, address, method: "tools/call" })

describe("fair task quotas: defaults", () => {
  it.live("one session cannot exceed its per-requestor cap (default 100) while another session still creates tasks", () =>
    Effect.gen(function*() {
      const server = yield* everything({}, Forever)
      const a = rawCaller(yield* connectRaw(server))
      const answers = yield* Effect.promise(() => Promise.all(Array.from({ length: 100 }, () => a("tools/call", forever))))
      assert.isTrue(answers.every((answer) => answer.result?.task?.status === "working"))
      const refused = yield* Effect.promise(() => a("tools/call", forever))
      assert.strictEqual(refused.error?.code, 429)
      assert.deepStrictEqual(refused.error?.data, { limit: "tasksPerRequestor", max: 100 })
      // another session (another owner) is not affected
      const b = rawCaller(yield* connectRaw(server))
      const theirs = yield* Effect.promise(() => b("tools/call", forever))
      assert.strictEqual(theirs.result?.task?.status, "working", JSON.stringify(theirs))
    }))

  it.live("the TTL is at most 1 hour by default: longer requests are clamped, none asked gets 1 hour", () =>
    Effect.gen(function*() {
      const server = yield* everything({})
      const { client } = yield* connect(server)
      const day = 24 * 3_600_000
      assert.strictEqual((yield* callAsTask(client, "test_task_slow", { ms: 0 }, day)).task.ttl, 3_600_000)
      assert.strictEqual((yield* callAsTask(client, "test_task_slow", { ms: 0 }, 3_600_001)).task.ttl, 3_600_000)
      assert.strictEqual((yield* callAsTask(client, "test_task_slow", { ms: 0 })).task.ttl, 3_600_000)
      assert.strictEqual((yield* callAsTask(client, "test_task_slow", { ms: 0 }, 60_000)).task.ttl, 60_000)
    }))

  it.live("maxTtlMillis raises the maximum (a documented option)", () =>
    Effect.gen(function*() {
      const server = yield* everything({ maxTtlMillis: 6 * 3_600_000 })
      const { client } = yield* connect(server)
      assert.strictEqual((yield* callAsTask(client, "test_task_slow", { ms: 0 }, 24 * 3_600_000)).task.ttl, 6 * 3_600_000)
    }))

  it.effect("the in-memory store defaults: 100 per owner, 500 per address, 10,000 in all", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory()
      // 100 for one owner, then refused as "owner"
      for (let i = 0; i < 100; i++) yield* created(store, "o")
      const owner = yield* refusal(created(store, "o"))
      assert.deepStrictEqual(owner, new TaskLimitExceeded({ limit: 100, scope: "owner" }))
      // 500 for one address across owners, then refused as "address"
      for (let i = 0; i < 500; i++) yield* created(store, `s${i % 5}`, "10.0.0.1")
      const address = yield* refusal(created(store, "s9", "10.0.0.1"))
      assert.deepStrictEqual(address, new TaskLimitExceeded({ limit: 500, scope: "address" }))
      // 10,000 in all
      for (let i = 0; ; i++) {
        const exit = yield* Effect.exit(created(store, `p${Math.floor(i / 100)}`))
        if (Exit.isFailure(exit)) {
          assert.deepStrictEqual(Cause.squash(exit.cause), new TaskLimitExceeded({ limit: 10_000, scope: "server" }))
          break
        }
      }
      assert.strictEqual(yield* store.size, 10_000)
    }))
})

describe("fair task quotas: per client address", () => {
  it.effect("tasks of one address count together across owners; other addresses and no address are unaffected", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory({ maxTasksPerOwner: 2, maxTasksPerAddress: 3 })
      yield* created(store, "session:a", "10.0.0.1")
      yield* created(store, "session:b", "10.0.0.1")
      const third = yield* created(store, "session:c", "10.0.0.1")
      const refused = yield* refusal(created(store, "session:d", "10.0.0.1"))
      assert.strictEqual(refused.scope, "address")
      assert.strictEqual(refused.limit, 3)
      assert.match(refused.message, /at most 3 per client address/)
      // mapped to 429 naming the limit
      const wire = McpError.toErrorObject(toMcpError(refused))
      assert.strictEqual(wire.code, 429)
      assert.deepStrictEqual(wire.data, { limit: "tasksPerAddress", max: 3 })
      // another address, and an owner without an address (a principal), still create tasks
      yield* created(store, "session:e", "10.0.0.2")
      yield* created(store, "principal:alice")
      yield* created(store, "principal:alice")
      // the owner limit applies first
      const owner = yield* refusal(created(store, "principal:alice"))
      assert.strictEqual(owner.scope, "owner")
      // an ended task of the address makes room (the oldest terminal one)
      yield* store.finish(third.taskId, "completed", { _tag: "Result", result: {} })
      const again = yield* created(store, "session:d", "10.0.0.1")
      assert.strictEqual(again.status, "working")
      assert.strictEqual(yield* Effect.flip(store.get(third.taskId, "session:c")).pipe(Effect.map((e) => e._tag)), "TaskNotFound")
      // a cancelled one too
      yield* store.cancel(again.taskId, "session:d")
      assert.strictEqual((yield* created(store, "session:f", "10.0.0.1")).status, "working")
    }))

  it.effect("an expired task of the address makes room; Infinity lifts the limit", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory({ maxTasksPerAddress: 1, minTtlMillis: 1 })
      yield* store.create({ owner: "a", address: "x", method: "tools/call", ttlMillis: 1 })
      yield* TestClock.adjust(5)
      assert.strictEqual((yield* store.create({ owner: "b", address: "x", method: "tools/call" })).status, "working")
      const unlimited = yield* makeMemory({ maxTasksPerAddress: Infinity, maxTasksPerOwner: Infinity })
      for (let i = 0; i < 1_000; i++) yield* created(unlimited, `s${i}`, "x")
      assert.strictEqual(yield* unlimited.size, 1_000)
    }))
})

describe("task keys (owner and client address of a request)", () => {
  it("a principal owns its tasks, never counted by address", () => {
    assert.deepStrictEqual(keysOf(contextOf({ subject: "alice", remoteAddress: "10.0.0.1" })), {
      owner: "principal:alice",
      address: undefined
    })
    assert.deepStrictEqual(keysOf(contextOf({ subject: "alice", stateless: true, remoteAddress: "10.0.0.1" })), {
      owner: "principal:alice",
      address: undefined
    })
  })

  it("an anonymous stateful session owns its tasks, counted against its client address", () => {
    assert.deepStrictEqual(keysOf(contextOf({ sessionId: "s1", remoteAddress: "10.0.0.1" })), {
      owner: "session:s1",
      address: "10.0.0.1"
    })
    assert.deepStrictEqual(keysOf(contextOf({ sessionId: "s2", remoteAddress: "10.0.0.1" })).address, "10.0.0.1")
    // stdio / in-memory: no address
    assert.deepStrictEqual(keysOf(contextOf({ sessionId: "s1" })), { owner: "session:s1", address: undefined })
  })

  it("anonymous stateless callers are owned by their address: two addresses, two owners (never one shared owner)", () => {
    const one = keysOf(contextOf({ sessionId: "shared", stateless: true, remoteAddress: "10.0.0.1" }))
    const two = keysOf(contextOf({ sessionId: "shared", stateless: true, remoteAddress: "10.0.0.2" }))
    assert.deepStrictEqual(one, { owner: "address:10.0.0.1", address: "10.0.0.1" })
    assert.deepStrictEqual(two, { owner: "address:10.0.0.2", address: "10.0.0.2" })
    // the address unknown: the shared session is all there is
    assert.strictEqual(keysOf(contextOf({ sessionId: "shared", stateless: true })).owner, "session:shared")
  })

  it.effect("stateless: two anonymous callers from different addresses have separate budgets and see only their own tasks", () =>
    Effect.gen(function*() {
      const store = yield* makeMemory({ maxTasksPerOwner: 2 })
      const keys = (remoteAddress: string) =>
        keysOf(contextOf({ sessionId: "shared", stateless: true, remoteAddress }))
      const one = keys("10.0.0.1")
      const two = keys("10.0.0.2")
      const mine = yield* store.create({ ...one, method: "tools/call" })
      yield* store.create({ ...one, method: "tools/call" })
      assert.strictEqual((yield* refusal(store.create({ ...one, method: "tools/call" }))).scope, "owner")
      yield* store.create({ ...two, method: "tools/call" })
      yield* store.create({ ...two, method: "tools/call" })
      assert.strictEqual((yield* Effect.flip(store.get(mine.taskId, two.owner)))._tag, "TaskNotFound")
      assert.strictEqual((yield* store.get(mine.taskId, one.owner)).taskId, mine.taskId)
    }))

  it("clientAddress reads the address from elsewhere (a trusted proxy's header)", () => {
    const fromProxy = (http: HttpRequestInfo) => http.headers["x-forwarded-for"]?.split(",").at(-1)?.trim() ?? http.remoteAddress
    const context = contextOf({ stateless: true, remoteAddress: "10.9.9.9", headers: { "x-forwarded-for": "1.1.1.1, 203.0.113.7" } })
    assert.deepStrictEqual(keysOf(context, fromProxy), { owner: "address:203.0.113.7", address: "203.0.113.7" })
    assert.deepStrictEqual(keysOf(context), { owner: "address:10.9.9.9", address: "10.9.9.9" })
  })

  it("addresses are keyed as IPv4, or by the /64 prefix of IPv6", () => {
    assert.strictEqual(addressKey("127.0.0.1"), "127.0.0.1")
    assert.strictEqual(addressKey("::ffff:192.0.2.1"), "192.0.2.1")
    assert.strictEqual(addressKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64")
    assert.strictEqual(addressKey("2001:DB8:1:2:ffff::1"), "2001:db8:1:2::/64")
    assert.strictEqual(addressKey("2001:db8::1"), "2001:db8:0:0::/64")
    assert.strictEqual(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64")
    assert.notStrictEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"))
    assert.strictEqual(addressKey("not-an-ip"), "not-an-ip")
  })
})
