/**
 * Without authentication, one client could take every place under `maxSessions` with `initialize`
 * POSTs it never used (each waits out the idle timeout, 30 min), and every other client was
 * refused 503 "too many sessions" meanwhile. With `maxSessionsPerAddress` set (off by default), an
 * anonymous client, told apart by its address, holds at most that many: past it, its own idle
 * session used least recently is ended to make room; with none idle, it is refused 429. Raw POSTs over
 * HTTP on 127.0.0.1, from the loopback addresses 127.0.0.2 and 127.0.0.3.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { request as httpRequest } from "node:http"
import { McpServer, SessionStore, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer, type ServerSession } from "../../src/lowlevel.ts"
import { BOTH, initializeMessage, LATEST, roundTripStore, serveOnAnyPort } from "./support.ts"

const Quick = McpServer.tool({ name: "quick", handler: () => Effect.succeed("quick done") })
/** Calls of `slow` started (each then runs until its client leaves). */
let slowStarted = 0
const Slow = McpServer.tool({
  name: "slow",
  handler: () => Effect.andThen(Effect.sync(() => slowStarted++), Effect.as(Effect.never, "never"))
})

const serve = (options: Partial<StreamableHttp.Options>) =>
  serveOnAnyPort((port) =>
    McpServer.serve(
      { name: "address-sessions", version: "1.0.0" },
      Layer.mergeAll(Quick, Slow),
      StreamableHttp.make({ host: "127.0.0.1", port, ...options })
    )
  )

interface Answer {
  readonly status: number
  readonly sessionId: string | undefined
  readonly body: string
}

/**
 * A POST from `from` (a loopback address) on a connection of its own: its answer, or, with
 * `signal`, none awaited (the request is destroyed when it aborts).
 */
const postFrom = (port: number, from: string, message: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  new Promise<Answer>((resolve, reject) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      localAddress: from,
      agent: false,
      method: "POST",
      path: "/mcp",
      signal,
      headers: { accept: BOTH, "content-type": "application/json", ...headers }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          sessionId: response.headers["mcp-session-id"] as string | undefined,
          body: Buffer.concat(chunks).toString()
        }))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(JSON.stringify(message))
  })

const open = (port: number, from: string, id = 0) => Effect.promise(() => postFrom(port, from, initializeMessage(id)))

const ping = (port: number, from: string, sessionId: string) =>
  Effect.promise(() =>
    postFrom(port, from, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sessionId, "mcp-protocol-version": LATEST })
  ).pipe(Effect.map((answer) => answer.status))

describe("anonymous sessions per address", () => {
  it.live("one address sending initialize after initialize leaves room for another: its own oldest idle session is ended", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxSessions: 3, maxSessionsPerAddress: 2 })
      const mallory: Array<string> = []
      for (let i = 0; i < 3; i++) {
        const opened = yield* open(port, "127.0.0.2", i)
        assert.strictEqual(opened.status, 200, `session ${i}: ${opened.body}`)
        mallory.push(opened.sessionId!)
      }
      // Another client finds a place (it was refused 503 "too many sessions").
      const alice = yield* open(port, "127.0.0.3")
      assert.strictEqual(alice.status, 200, alice.body)
      assert.strictEqual(yield* ping(port, "127.0.0.3", alice.sessionId!), 200)
      const call = yield* Effect.promise(() =>
        postFrom(port, "127.0.0.3", { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "quick", arguments: {} } }, {
          "mcp-session-id": alice.sessionId!,
          "mcp-protocol-version": LATEST
        })
      )
      assert.strictEqual(call.status, 200)
      assert.include(call.body, "quick done")
      // The first address keeps its last two; the one opened first was ended.
      assert.strictEqual(yield* ping(port, "127.0.0.2", mallory[0]!), 404)
      assert.strictEqual(yield* ping(port, "127.0.0.2", mallory[1]!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.2", mallory[2]!), 200)
    }), 30_000)

  // Fails before: with a store whose `create` is a round trip (Redis), 3 sessions of one address
  // stayed (each POST checked before any session was recorded).
  it.live("initialize POSTs sent at once from one address are bounded too (a store's create a round trip), not only one after another", () =>
    Effect.gen(function*() {
      const { port } = yield* Effect.provideService(serve({ maxSessions: 20, maxSessionsPerAddress: 2 }), SessionStore.SessionStore, roundTripStore(3))
      const burst = yield* Effect.promise(() => Promise.all(Array.from({ length: 6 }, (_, i) => postFrom(port, "127.0.0.2", initializeMessage(i)))))
      let live = 0
      for (const answer of burst) {
        if (answer.sessionId !== undefined && (yield* ping(port, "127.0.0.2", answer.sessionId)) === 200) live++
      }
      assert.isAtMost(live, 2, `${live} sessions of one address live (${burst.map((answer) => answer.status).join(", ")})`)
      for (const answer of burst) if (answer.status !== 200) assert.strictEqual(answer.status, 429, answer.body)
    }), 30_000)

  // Fails before the fix: the session ended to make room was the one opened first, though its
  // client had just used it, while one opened later and left alone stayed.
  it.live("the session ended to make room is the one used least recently, not the one opened first", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxSessionsPerAddress: 2 })
      const kept = yield* open(port, "127.0.0.2", 0)
      const left = yield* open(port, "127.0.0.2", 1)
      assert.strictEqual(kept.status, 200, kept.body)
      assert.strictEqual(left.status, 200, left.body)
      // The client keeps using the session it opened first.
      assert.strictEqual(yield* ping(port, "127.0.0.2", kept.sessionId!), 200)
      const third = yield* open(port, "127.0.0.2", 2)
      assert.strictEqual(third.status, 200, third.body)
      assert.strictEqual(yield* ping(port, "127.0.0.2", kept.sessionId!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.2", left.sessionId!), 404)
      assert.strictEqual(yield* ping(port, "127.0.0.2", third.sessionId!), 200)
    }), 30_000)

  // Fails before the fix: the session idle between its task's polls was ended to make room (used
  // least recently), and its running task was cancelled with it (an anonymous session's tasks are
  // its own), while an idle session with nothing running stayed.
  it.live("a session whose task still runs is ended last: its task is not cancelled to make room", () =>
    Effect.gen(function*() {
      const release = Deferred.makeUnsafe<void>()
      yield* Effect.addFinalizer(() => Deferred.done(release, Exit.void))
      const Gated = McpServer.tool({
        name: "gated",
        execution: { taskSupport: "optional" },
        handler: () => Effect.as(Deferred.await(release), "gated done")
      })
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "address-sessions", version: "1.0.0", tasks: McpServer.tasks() },
          Gated,
          StreamableHttp.make({ host: "127.0.0.1", port, maxSessionsPerAddress: 2 })
        )
      )
      const on = (sessionId: string) => ({ "mcp-session-id": sessionId, "mcp-protocol-version": LATEST })
      const working = yield* open(port, "127.0.0.2", 0)
      assert.strictEqual(working.status, 200, working.body)
      yield* Effect.promise(() => postFrom(port, "127.0.0.2", { jsonrpc: "2.0", method: "notifications/initialized" }, on(working.sessionId!)))
      const created = yield* Effect.promise(() =>
        postFrom(port, "127.0.0.2", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "gated", arguments: {}, task: {} } }, on(working.sessionId!))
      )
      const taskId: string = JSON.parse(created.body.slice(created.body.indexOf("{"), created.body.lastIndexOf("}") + 1)).result.task.taskId
      // Another session, used after the task was created.
      const other = yield* open(port, "127.0.0.2", 1)
      assert.strictEqual(other.status, 200, other.body)
      assert.strictEqual(yield* ping(port, "127.0.0.2", other.sessionId!), 200)
      const third = yield* open(port, "127.0.0.2", 2)
      assert.strictEqual(third.status, 200, third.body)
      const polled = yield* Effect.promise(() =>
        postFrom(port, "127.0.0.2", { jsonrpc: "2.0", id: 2, method: "tasks/get", params: { taskId } }, on(working.sessionId!))
      )
      assert.strictEqual(polled.status, 200, polled.body)
      assert.include(polled.body, `"status":"working"`)
      assert.strictEqual(yield* ping(port, "127.0.0.2", other.sessionId!), 404)
      assert.strictEqual(yield* ping(port, "127.0.0.2", third.sessionId!), 200)
    }), 30_000)

  // Fails before the fix: two addresses each at their bound took every place, and every other
  // client was refused 503 until their idle timeout.
  it.live("every place taken by addresses at their bound: another address's session takes the place of the idle one used least recently of the address holding the most", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxSessions: 4, maxSessionsPerAddress: 2 })
      const first = [yield* open(port, "127.0.0.2", 0), yield* open(port, "127.0.0.2", 1)]
      const second = [yield* open(port, "127.0.0.3", 2), yield* open(port, "127.0.0.3", 3)]
      for (const opened of [...first, ...second]) assert.strictEqual(opened.status, 200, opened.body)
      assert.strictEqual(yield* ping(port, "127.0.0.2", first[0]!.sessionId!), 200)
      const third = yield* open(port, "127.0.0.4", 4)
      assert.strictEqual(third.status, 200, third.body)
      // The one used least recently of the two addresses holding two: 127.0.0.2's second.
      assert.strictEqual(yield* ping(port, "127.0.0.2", first[1]!.sessionId!), 404)
      assert.strictEqual(yield* ping(port, "127.0.0.2", first[0]!.sessionId!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.3", second[0]!.sessionId!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.3", second[1]!.sessionId!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.4", third.sessionId!), 200)
    }), 30_000)

  it.live("off by default: one address may take every place under maxSessions (behind a proxy every client is one address)", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxSessions: 3 })
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* open(port, "127.0.0.2", i)).status, 200)
      assert.strictEqual((yield* open(port, "127.0.0.3")).status, 503)
    }), 30_000)

  it.live("an address whose sessions are all in use is refused 429 (sessionsPerAddress); another address is not", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxSessionsPerAddress: 2 })
      const before = slowStarted
      const aborts = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => aborts.abort()))
      for (let i = 0; i < 2; i++) {
        const opened = yield* open(port, "127.0.0.2", i)
        assert.strictEqual(opened.status, 200)
        // A call in flight: the session is in use.
        postFrom(port, "127.0.0.2", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {} } }, {
          "mcp-session-id": opened.sessionId!,
          "mcp-protocol-version": LATEST
        }, aborts.signal).catch(() => undefined)
      }
      // Both calls running (not a fixed wait: an idle session would be ended to make room).
      for (let i = 0; i < 200 && slowStarted - before < 2; i++) yield* Effect.sleep("25 millis")
      assert.strictEqual(slowStarted - before, 2, "both calls started")
      const refused = yield* open(port, "127.0.0.2", 2)
      assert.strictEqual(refused.status, 429, refused.body)
      assert.isUndefined(refused.sessionId)
      const error = JSON.parse(refused.body).error
      assert.strictEqual(error.code, 429)
      assert.deepStrictEqual(error.data, { limit: "sessionsPerAddress", max: 2 })
      assert.strictEqual((yield* open(port, "127.0.0.3")).status, 200)
    }), 30_000)
})

/**
 * A low-level server without handlers behind `StreamableHttp.serve`, whose sessions' background
 * work (what ending one would lose) `holdsWork` says.
 */
const serveLowLevel = (holdsWork: (session: ServerSession.ServerSession) => boolean, options: Partial<StreamableHttp.Options>) => {
  const server = LowLevelServer.make({ serverInfo: { name: "address-sessions", version: "1.0.0" }, handlers: {}, holdsWork })
  return serveOnAnyPort((port) =>
    Layer.launch(StreamableHttp.serve((transport, options) => server.run(transport, options), { host: "127.0.0.1", port, ...options }))
  )
}

/** `count` sessions opened one after another from `from`: their ids, in order. */
const openMany = (port: number, from: string, count: number) =>
  Effect.gen(function*() {
    const many: Array<string> = []
    for (let i = 0; i < count; i++) {
      const opened = yield* open(port, from, i)
      assert.strictEqual(opened.status, 200, opened.body)
      many.push(opened.sessionId!)
    }
    return many
  })

describe("anonymous sessions per address: the choice of the session to end", () => {
  // Fails before: each initialize at a bound looked through every session of the endpoint, and
  // asked what ending each idle one would lose as it found one used less recently than the last:
  // 200 asks for one initialize here (sessions used in the reverse order of their opening), as
  // many as there were sessions (a flood of initializes at 10,000 sessions cost 1.3 ms each; 5.5
  // ms at a full store). Now a session's principal or address keeps its sessions in order of last
  // use, and the one used least recently is the first looked at.
  it.live("looks at the sessions used least recently first, not at every session: one ask per initialize, at its bound and at a full store", () =>
    Effect.gen(function*() {
      let asked = 0
      const { port } = yield* serveLowLevel(() => {
        asked++
        return false
      }, { maxSessions: 204, maxSessionsPerAddress: 200 })
      const many = yield* openMany(port, "127.0.0.2", 200)
      for (const from of ["127.0.0.3", "127.0.0.4"]) {
        for (let i = 0; i < 2; i++) assert.strictEqual((yield* open(port, from, i)).status, 200)
      }
      // Used in the reverse order of their opening: the session opened last is the one used least recently.
      for (let i = many.length - 1; i >= 0; i--) assert.strictEqual(yield* ping(port, "127.0.0.2", many[i]!), 200)
      // At its bound (and at a full store): its own idle session used least recently is ended.
      asked = 0
      const own = yield* open(port, "127.0.0.2", 200)
      assert.strictEqual(own.status, 200, own.body)
      assert.isAtMost(asked, 2, `asked what ending a session loses ${asked} times for one initialize`)
      assert.strictEqual(yield* ping(port, "127.0.0.2", many[199]!), 404)
      // Below its bound, at a full store: the idle session used least recently of the address
      // holding the most (127.0.0.2, 200) is ended.
      asked = 0
      const other = yield* open(port, "127.0.0.5", 0)
      assert.strictEqual(other.status, 200, other.body)
      assert.isAtMost(asked, 2, `asked what ending a session loses ${asked} times for one initialize`)
      assert.strictEqual(yield* ping(port, "127.0.0.2", many[198]!), 404)
      assert.strictEqual(yield* ping(port, "127.0.0.2", many[0]!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.2", own.sessionId!), 200)
      assert.strictEqual(yield* ping(port, "127.0.0.5", other.sessionId!), 200)
    }), 60_000)
})

describe("anonymous sessions per address: the choice of the session to end, past sessions all in use", () => {
  // Fails before: one choice looks at 256 sessions at most, the addresses holding the most first;
  // here 86 addresses hold 3 sessions each, every one with a call in flight (258 in use), and the
  // only idle sessions are those of an address holding 2. Every look spent its 256 looks on the
  // addresses holding 3 (their sessions in use went to the back of their own order, and the same
  // addresses came first again): a new client was refused 503 "too many sessions" however often
  // it retried, the idle sessions never reached. Now the addresses a look found nothing to end in
  // are set aside until a look finds one: the next look goes past them.
  it.live("a new client finds room though more than 256 sessions of the addresses holding the most are in use", () =>
    Effect.gen(function*() {
      const busyAddresses = 86
      const { port } = yield* serve({ maxSessions: busyAddresses * 3 + 2, maxSessionsPerAddress: 3 })
      const before = slowStarted
      const aborts = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => aborts.abort()))
      for (let a = 1; a <= busyAddresses; a++) {
        for (let i = 0; i < 3; i++) {
          const opened = yield* open(port, `127.0.1.${a}`, i)
          assert.strictEqual(opened.status, 200, opened.body)
          // A call in flight: the session is in use.
          postFrom(port, `127.0.1.${a}`, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {} } }, {
            "mcp-session-id": opened.sessionId!,
            "mcp-protocol-version": LATEST
          }, aborts.signal).catch(() => undefined)
        }
      }
      const idle: Array<string> = []
      for (let i = 0; i < 2; i++) {
        const opened = yield* open(port, "127.0.0.2", i)
        assert.strictEqual(opened.status, 200, opened.body)
        idle.push(opened.sessionId!)
      }
      // Every call running (not a fixed wait: an idle session would be ended to make room).
      for (let i = 0; i < 400 && slowStarted - before < busyAddresses * 3; i++) yield* Effect.sleep("25 millis")
      assert.strictEqual(slowStarted - before, busyAddresses * 3, "every call started")
      // The first look may spend itself on the sessions in use (503); a retry goes past them.
      const statuses: Array<number> = []
      let opened: Answer | undefined
      for (let attempt = 0; attempt < 3 && opened?.status !== 200; attempt++) {
        opened = yield* open(port, "127.0.0.3", attempt)
        statuses.push(opened.status)
      }
      assert.strictEqual(opened!.status, 200, `answered ${statuses.join(", ")}`)
      assert.isAtMost(statuses.length, 2, `answered ${statuses.join(", ")}`)
      // The idle session used least recently of the only address with idle ones was ended.
      assert.strictEqual(yield* ping(port, "127.0.0.2", idle[0]!), 404)
      assert.strictEqual(yield* ping(port, "127.0.0.2", idle[1]!), 200)
    }), 90_000)
})

describe("anonymous sessions per address: the choice of the session to end, past sessions that would lose something", () => {
  // Fails before: one look at 256 sessions met only sessions running a task (an address runs 500 at
  // most by default): it ended one of them, cancelling its task, and so did every look after it,
  // the same sessions first each time (those in use went to the back, not those that would lose
  // something), while an idle session that loses nothing, used more recently, was never reached.
  it.live("a look that found only sessions that would lose something sends them to the back: the next one ends the idle one that loses nothing", () =>
    Effect.gen(function*() {
      const spared = new Set<string>()
      // Every session runs a task of its own but those spared.
      const { port } = yield* serveLowLevel((session) => !spared.has(session.id), { maxSessions: 1_000, maxSessionsPerAddress: 300 })
      const many = yield* openMany(port, "127.0.0.2", 300)
      // The one opened last (used the most recently) loses nothing: 299 used less recently would.
      const idle = many[299]!
      spared.add(idle)
      const first = yield* open(port, "127.0.0.2", 300)
      assert.strictEqual(first.status, 200, first.body)
      spared.add(first.sessionId!)
      // The first look, past its 256 sessions, ended one that would lose something (its bound).
      const second = yield* open(port, "127.0.0.2", 301)
      assert.strictEqual(second.status, 200, second.body)
      assert.strictEqual(yield* ping(port, "127.0.0.2", idle), 404, "the idle session that loses nothing was ended by the second look")
      assert.strictEqual(yield* ping(port, "127.0.0.2", many[1]!), 200, "a second session running a task was ended")
      assert.strictEqual(yield* ping(port, "127.0.0.2", second.sessionId!), 200)
    }), 90_000)
})
