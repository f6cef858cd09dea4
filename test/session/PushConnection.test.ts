/**
 * Sessions over push connections (what Streamable HTTP uses): started without a read loop, fed
 * by `SessionInput.receive`, ended by `end` (drain) or `interrupt`; asynchronous messages are
 * written by a fiber that exists only while there is something to write.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { Connection, LowLevelServer } from "../../src/lowlevel.ts"
import type { JsonRpc } from "../../src/protocol/index.ts"
import { waitUntil } from "../e2e/harness.ts"
import { makeFullServer, makeProbe } from "../fixtures/FullServer.ts"

/**
 * A push connection recording what the session writes: `failWrites` makes writes fail, `dieWrites`
 * makes them die, `delays` makes the next writes take that long (ms) before they land.
 */
const pushConnection = () => {
  const written: Array<JsonRpc.Message> = []
  const state: {
    input: Connection.SessionInput | undefined
    failWrites: boolean
    dieWrites: boolean
    throwWrites: boolean
    delays: Array<number>
    closedCalls: number
  } = {
    input: undefined,
    failWrites: false,
    dieWrites: false,
    throwWrites: false,
    delays: [],
    closedCalls: 0
  }
  const land = (batch: ReadonlyArray<Connection.Outbound>) =>
    Effect.sync(() => {
      for (const outbound of batch) written.push(outbound.message as JsonRpc.Message)
    })
  const connection: Connection.PushConnection = {
    attach: (input) => {
      state.input = input
    },
    write: (batch) => {
      if (state.failWrites) return Effect.fail(new Connection.TransportFailure({ message: "the peer went away" }))
      if (state.dieWrites) return Effect.die(new Error("cannot write"))
      if (state.throwWrites) throw new Error("write threw")
      const delay = state.delays.shift()
      return delay === undefined ? land(batch) : Effect.andThen(Effect.sleep(delay), land(batch))
    },
    onClosed: () => {
      state.closedCalls++
    }
  }
  return { connection, written, state, transport: { open: Effect.succeed(connection) } }
}

const initialize = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }
const initialized = { jsonrpc: "2.0", method: "notifications/initialized" }
const callTool = (id: number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) }
})
const responseTo = (written: ReadonlyArray<JsonRpc.Message>, id: number) =>
  written.find((m) => "id" in m && m.id === id && !("method" in m)) as { result?: any; error?: any } | undefined

describe("ServerSession over a push connection", () => {
  it.live("run returns at once; receive answers inline; async messages are written in order; end drains", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport, written } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++ })
      const input = state.input
      assert.isDefined(input)
      yield* input!.receive([initialize, initialized])
      // Synchronous handlers are answered before `receive` completes.
      assert.strictEqual(responseTo(written, 0)?.result.protocolVersion, "2025-11-25")
      yield* input!.receive([callTool(1, "progress", {}, { progressToken: "p" }), callTool(2, "slow", { gated: true })])
      yield* Effect.promise(() => waitUntil(() => responseTo(written, 1) !== undefined))
      const progress = written.filter((m) => "method" in m && m.method === "notifications/progress")
      assert.deepStrictEqual(progress.map((m) => (m as any).params.progress), [1, 2, 3])
      assert.isBelow(written.indexOf(progress[2]!), written.indexOf(responseTo(written, 1) as JsonRpc.Message))
      // `end` waits for the slow request (held until the test opens its gate: a sleep could end
      // before this check on a loaded machine), writes its answer, then closes once.
      assert.isUndefined(responseTo(written, 2))
      const ending = yield* Effect.forkChild(input!.end)
      yield* Effect.sleep(20)
      assert.isUndefined(ending.pollUnsafe(), "end waits for the request in flight")
      yield* Deferred.succeed(probe.gate, undefined)
      yield* Fiber.join(ending)
      assert.deepStrictEqual(probe.completed, ["slow:2"])
      assert.deepStrictEqual(responseTo(written, 2)?.result, { content: [{ type: "text", text: "slept" }] })
      assert.strictEqual(closed, 1)
      // Input after the end is ignored.
      const before = written.length
      yield* input!.receive([{ jsonrpc: "2.0", id: 3, method: "ping" }])
      yield* input!.end
      assert.strictEqual(written.length, before)
      assert.strictEqual(closed, 1)
    }))

  it.live("interrupt closes at once: in-flight requests are interrupted and unanswered", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport, written } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++ })
      yield* state.input!.receive([initialize, initialized, callTool(1, "slow", { ms: 60_000 })])
      yield* Effect.promise(() => waitUntil(() => probe.started.length === 1))
      state.input!.interrupt()
      yield* Effect.promise(() => waitUntil(() => probe.interrupted.length === 1))
      assert.deepStrictEqual(probe.interrupted, ["slow:1"])
      assert.isUndefined(responseTo(written, 1))
      assert.strictEqual(closed, 1)
      state.input!.interrupt()
      assert.strictEqual(closed, 1)
    }))

  it.live("a failed write of asynchronous messages ends the session", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++ })
      yield* state.input!.receive([initialize, initialized, callTool(1, "slow", { ms: 60_000 })])
      yield* Effect.promise(() => waitUntil(() => probe.started.length === 1))
      state.failWrites = true
      // A list change is written from a fiber of the outbox: it fails, and the session ends.
      yield* state.input!.receive([callTool(2, "notify-then-answer")])
      yield* Effect.promise(() => waitUntil(() => closed === 1))
      yield* Effect.promise(() => waitUntil(() => probe.interrupted.length === 1))
      assert.deepStrictEqual(probe.interrupted, ["slow:1"])
    }))

  it.live("a write that throws synchronously ends the session too", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++ })
      yield* state.input!.receive([initialize, initialized])
      state.throwWrites = true
      // Both the inline write of a batch's response and the outbox's writer meet the throw.
      yield* Effect.exit(state.input!.receive([callTool(1, "echo", { text: "x" }), callTool(2, "notify-then-answer")]))
      yield* Effect.promise(() => waitUntil(() => closed === 1))
      yield* Effect.timeout(state.input!.end, "2 seconds")
      assert.strictEqual(state.closedCalls, 1)
    }))

  it.live("a write that dies ends the session; end and flushed do not hang; the transport hears of it once", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++ })
      yield* state.input!.receive([initialize, initialized, callTool(1, "slow", { ms: 60_000 })])
      yield* Effect.promise(() => waitUntil(() => probe.started.length === 1))
      state.dieWrites = true
      yield* state.input!.receive([callTool(2, "notify-then-answer")])
      yield* Effect.promise(() => waitUntil(() => closed === 1))
      assert.strictEqual(state.closedCalls, 1)
      yield* Effect.promise(() => waitUntil(() => probe.interrupted.length === 1))
      yield* Effect.timeout(state.input!.end, "2 seconds")
      assert.strictEqual(closed, 1)
      assert.strictEqual(state.closedCalls, 1)
    }))

  it.live("a request's notifications precede its response even when an earlier write is still in flight", () =>
    Effect.gen(function*() {
      const { state, transport, written } = pushConnection()
      yield* makeFullServer(makeProbe()).run(transport)
      yield* state.input!.receive([initialize, initialized])
      // The handler's notifications go out through the outbox first: their write takes 30 ms;
      // the response, produced in the same batch, must wait its turn, not overtake them.
      state.delays = [30]
      yield* state.input!.receive([callTool(1, "notify-then-answer")])
      yield* Effect.promise(() => waitUntil(() => responseTo(written, 1) !== undefined))
      const log = written.findIndex((m) => "method" in m && m.method === "notifications/message")
      const response = written.indexOf(responseTo(written, 1) as JsonRpc.Message)
      assert.isAtLeast(log, 0)
      assert.isBelow(log, response)
    }))

  it.live("end called twice waits for the same close", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++, shutdownTimeoutMillis: 60_000 })
      yield* state.input!.receive([initialize, initialized, callTool(1, "slow", { ms: 50 })])
      const first = yield* Effect.forkChild(state.input!.end)
      const second = yield* Effect.forkChild(state.input!.end)
      yield* Effect.timeout(Fiber.join(second), "5 seconds")
      yield* Effect.timeout(Fiber.join(first), "5 seconds")
      assert.deepStrictEqual(probe.completed, ["slow:1"])
      assert.strictEqual(closed, 1)
      assert.strictEqual(state.closedCalls, 1)
    }))

  // Fails before (no `terminate`: a transport could only `end`, and the elicitation waited for
  // an answer that could not come until the shutdown timeout interrupted its handler).
  it.live("end keeps a waiting elicitation answerable; terminate, even once end began, fails it at once with SessionClosed", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport, written } = pushConnection()
      let closed = 0
      yield* makeFullServer(probe).run(transport, { onClose: () => closed++, shutdownTimeoutMillis: 60_000 })
      const elicitation = { ...initialize, params: { ...initialize.params, capabilities: { elicitation: {} } } }
      yield* state.input!.receive([elicitation, initialized, callTool(1, "elicit", { timeoutMillis: 60_000 })])
      const asked = () => written.filter((m) => "method" in m && m.method === "elicitation/create") as Array<{ id: number }>
      yield* Effect.promise(() => waitUntil(() => asked().length === 1))
      // A graceful end: the client may still answer, and the handler waits for it.
      const ending = yield* Effect.forkChild(state.input!.end)
      yield* Effect.sleep(20)
      assert.isUndefined(responseTo(written, 1), "end failed the elicitation the client could still answer")
      // Then the client can no longer answer (a DELETE): the handler learns it now.
      const terminating = yield* Effect.forkChild(state.input!.terminate)
      const joined = yield* Effect.timeoutOption(Fiber.join(terminating), "5 seconds")
      assert.isTrue(Option.isSome(joined), "terminate waited for the shutdown timeout")
      yield* Effect.timeout(Fiber.join(ending), "5 seconds")
      const answer = responseTo(written, 1)
      assert.isTrue(answer?.result.isError)
      assert.match(answer?.result.content[0].text, /^SessionClosed: /)
      assert.strictEqual(closed, 1)
    }))

  it.live("several pushers waiting for room in a full FIFO all resume (backpressure)", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport, written } = pushConnection()
      yield* makeFullServer(probe).run(transport, { maxConcurrentRequests: 1, maxQueuedRequests: 1 })
      yield* state.input!.receive([initialize, initialized])
      // One runs, one waits in the FIFO (full): each pusher then waits for room.
      const pushers = yield* Effect.forEach(
        [1, 2, 3, 4],
        (id) => Effect.forkChild(state.input!.receive([callTool(id, "slow", { ms: 20 })]))
      )
      const exits = yield* Effect.forEach(pushers, (fiber) => Effect.timeout(Fiber.await(fiber), "5 seconds"))
      assert.isTrue(exits.every(Exit.isSuccess))
      yield* Effect.promise(() => waitUntil(() => [1, 2, 3, 4].every((id) => responseTo(written, id) !== undefined)))
      assert.deepStrictEqual(probe.completed.sort(), ["slow:1", "slow:2", "slow:3", "slow:4"])
    }))

  it.live("a reader whose session works through its backlog reads on only below twice the bound: a flood is never refused", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport, written } = pushConnection()
      // Refused past 8 (twice the bound) while stuck, past 32 (eight times) whatever the progress.
      yield* makeFullServer(probe).run(transport, { maxConcurrentRequests: 1, maxQueuedRequests: 4 })
      yield* state.input!.receive([initialize, initialized])
      // One reader (stdio's shape): batches of 20 calls of 5 ms, each read once the last returned.
      // About ten finish per 50 ms pause; a reader that read on after every pause took 20 in for
      // 10 out and passed 32 waiting at its third batch (found on Node 22.19: 10,000 pipelined
      // calls got 429s).
      let id = 0
      for (let batch = 0; batch < 6; batch++) {
        const calls = Array.from({ length: 20 }, () => callTool(++id, "slow", { ms: 5 }))
        yield* Effect.timeout(state.input!.receive(calls), "10 seconds")
      }
      yield* Effect.promise(() => waitUntil(() => written.filter((m) => "id" in m && !("method" in m)).length >= 121, 20_000))
      const refused = written.filter((m) => "error" in m)
      assert.deepStrictEqual(refused, [])
      assert.strictEqual(probe.completed.length, 120)
    }))

  it.live("a reader working through a backlog still reads on while a handler waits on the client: its answer is behind", () =>
    Effect.gen(function*() {
      const probe = makeProbe()
      const { state, transport, written } = pushConnection()
      yield* makeFullServer(probe).run(transport, { maxConcurrentRequests: 2, maxQueuedRequests: 4 })
      yield* state.input!.receive([{ ...initialize, params: { ...initialize.params, capabilities: { elicitation: {} } } }, initialized])
      // One slot waits on the client (1 s at most); the other works through 33 calls of 45 ms.
      yield* state.input!.receive([callTool(1, "elicit", { timeoutMillis: 1_000 })])
      yield* Effect.promise(() => waitUntil(() => written.some((m) => "method" in m && m.method === "elicitation/create")))
      const ask = written.find((m) => "method" in m && m.method === "elicitation/create") as { id: number }
      yield* state.input!.receive(Array.from({ length: 33 }, (_, i) => callTool(100 + i, "slow", { ms: 45 })))
      // The answer comes next: read after one pause (it waited for the backlog, past the client timeout).
      yield* state.input!.receive([{ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { name: "ada" } } }])
      yield* Effect.promise(() => waitUntil(() => responseTo(written, 1) !== undefined))
      assert.strictEqual(responseTo(written, 1)!.result.content[0].text, `accept:{"name":"ada"}`)
    }))

  it.live("each session sees the services its run was given (sessions started alike share one context)", () =>
    Effect.gen(function*() {
      class Tenant extends Context.Service<Tenant, string>()("test/Tenant") {}
      const server = LowLevelServer.make({
        serverInfo: { name: "tenants", version: "1" },
        handlers: {
          "tools/list": () => Exit.succeed({ tools: [] }),
          "tools/call": () =>
            Effect.map(Effect.serviceOption(Tenant), (tenant) => ({
              content: [{ type: "text" as const, text: Option.getOrElse(tenant, () => "none") }]
            }))
        }
      })
      const texts: Array<string> = []
      for (const tenant of ["a", "b", "a", undefined]) {
        const { state, transport, written } = pushConnection()
        const run = server.run(transport)
        yield* tenant === undefined ? run : Effect.provideService(run, Tenant, tenant)
        yield* state.input!.receive([initialize, initialized, callTool(1, "who")])
        yield* Effect.promise(() => waitUntil(() => responseTo(written, 1) !== undefined))
        texts.push(responseTo(written, 1)!.result.content[0].text)
        yield* state.input!.end
      }
      assert.deepStrictEqual(texts, ["a", "b", "a", "none"])
    }))
})
