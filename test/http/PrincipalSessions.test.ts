/**
 * With bearer authentication, one principal's sessions could take every place under `maxSessions`
 * (a client opening a session per call and never deleting it: each waits out the idle timeout,
 * 30 min), and every other principal was refused 503 "too many sessions" meanwhile. A principal
 * now holds at most `maxSessionsPerPrincipal` (default half of `maxSessions`): past it, its
 * own idle session used least recently is ended to make room; with none idle, it is refused 429.
 * Official SDK v1 client and raw POSTs over HTTP on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { BearerAuth } from "../../src/auth.ts"
import { EventStore, McpContext, McpServer, SessionStore, StreamableHttp } from "../../src/index.ts"
import { BOTH, initializeMessage, LATEST, nextMessage, post, recordingEventStore, roundTripStore, serveOnFreePort, sseReader } from "./support.ts"

const Quick = McpServer.tool({ name: "quick", handler: () => Effect.succeed("quick done") })
/** How many `slow` calls have started. */
let slowStarted = 0
const Slow = McpServer.tool({
  name: "slow",
  handler: () => Effect.andThen(Effect.sync(() => slowStarted++), Effect.as(Effect.never, "never"))
})

/** While set, a `gated` call answers once it is done. */
let gate: Deferred.Deferred<void> | undefined
/** How many `gated` calls have started. */
let gatedStarted = 0
const Gated = McpServer.tool({
  name: "gated",
  handler: () =>
    Effect.suspend(() => {
      gatedStarted++
      return gate === undefined ? Effect.succeed("gated done") : Effect.as(Deferred.await(gate), "gated done")
    })
})

/** A server whose verifier takes a token for the subject it names. */
const serve = (options: Partial<StreamableHttp.Options>) =>
  serveOnFreePort((port) =>
    McpServer.serve(
      { name: "principal-sessions", version: "1.0.0" },
      Layer.mergeAll(Quick, Slow, Gated),
      StreamableHttp.make({
        host: "127.0.0.1",
        port,
        ...options,
        auth: BearerAuth.config({
          verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
          resource: `http://127.0.0.1:${port}/mcp`,
          authorizationServers: ["https://auth.test"]
        })
      })
    )
  )

/** Opens a session as `subject` (an `initialize` POST, nothing after it): its HTTP status and session id. */
const open = (url: string, subject: string, id = 0) =>
  Effect.promise(async () => {
    const response = await post(url, initializeMessage(id), { authorization: `Bearer ${subject}` })
    await response.text()
    return { status: response.status, sessionId: response.headers.get("mcp-session-id") ?? undefined }
  })

/** A `ping` POST on a session as `subject`: its HTTP status. */
const ping = (url: string, subject: string, sessionId: string) =>
  Effect.promise(async () => {
    const response = await post(url, { jsonrpc: "2.0", id: 1, method: "ping" }, {
      authorization: `Bearer ${subject}`,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": LATEST
    })
    await response.text()
    return response.status
  })

describe("sessions per principal", () => {
  // Fails before: with a store whose `create` is a round trip (Redis), 3 sessions of mallory stayed
  // (each POST checked before any session was recorded).
  it.live("initialize POSTs sent at once by one principal are bounded too (a store's create a round trip)", () =>
    Effect.gen(function*() {
      const { url } = yield* Effect.provideService(serve({ maxSessions: 20, maxSessionsPerPrincipal: 2 }), SessionStore.SessionStore, roundTripStore(3))
      const burst = yield* Effect.all(Array.from({ length: 6 }, (_, i) => open(url, "mallory", i)), { concurrency: "unbounded" })
      let live = 0
      for (const opened of burst) if (opened.sessionId !== undefined && (yield* ping(url, "mallory", opened.sessionId)) === 200) live++
      assert.isAtMost(live, 2, `${live} sessions of one principal live (${burst.map((opened) => opened.status).join(", ")})`)
      for (const opened of burst) if (opened.status !== 200) assert.strictEqual(opened.status, 429)
    }), 30_000)

  it.live("one principal holding every session place leaves room for another's session: its own oldest idle one is ended", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maxSessions: 20 })
      const mallory: Array<string> = []
      for (let i = 0; i < 20; i++) {
        const opened = yield* open(url, "mallory", i)
        assert.strictEqual(opened.status, 200, `mallory's session ${i}`)
        mallory.push(opened.sessionId!)
      }
      const client = new Client({ name: "alice", version: "1.0.0" }, { capabilities: {} })
      const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: "Bearer alice" } } })
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
      const connected = yield* Effect.promise(() => client.connect(transport).then(() => "connected", (error) => String(error)))
      assert.strictEqual(connected, "connected")
      const result: any = yield* Effect.promise(() => client.callTool({ name: "quick", arguments: {} }))
      assert.strictEqual(result.content[0].text, "quick done")
      // Mallory keeps its last ten (half of 20); those opened first were ended (404).
      assert.strictEqual(yield* ping(url, "mallory", mallory[19]!), 200)
      assert.strictEqual(yield* ping(url, "mallory", mallory[10]!), 200)
      assert.strictEqual(yield* ping(url, "mallory", mallory[9]!), 404)
      assert.strictEqual(yield* ping(url, "mallory", mallory[0]!), 404)
    }), 60_000)

  // Fails before the fix: a session counted for its principal only once started, after its
  // record was made (a round trip with a session store of one's own), so initializes sent at once
  // all found room: one principal held as many sessions as it sent.
  it.live("initializes of one principal sent at once: it holds at most maxSessionsPerPrincipal sessions", () =>
    Effect.gen(function*() {
      const memory = SessionStore.makeMemory()
      // Each `create` waits for the six initializes' (a store's round trip), one second at most.
      const allCreating = Deferred.makeUnsafe<void>()
      let creating = 0
      const store = SessionStore.SessionStore.of({
        ...memory,
        create: (id, now) =>
          Effect.suspend(() => {
            if (++creating === 6) Deferred.doneUnsafe(allCreating, Exit.void)
            return Deferred.await(allCreating).pipe(Effect.timeout("1 second"), Effect.ignore, Effect.andThen(memory.create(id, now)))
          })
      })
      const { url } = yield* Effect.provideService(serve({ maxSessionsPerPrincipal: 2 }), SessionStore.SessionStore, store)
      const opened = yield* Effect.all(Array.from({ length: 6 }, (_, i) => open(url, "mallory", i)), { concurrency: "unbounded" })
      for (const { status } of opened) assert.include([200, 429], status)
      const live: Array<string> = []
      for (const { sessionId, status } of opened) {
        if (status === 200 && (yield* ping(url, "mallory", sessionId!)) === 200) live.push(sessionId!)
      }
      assert.strictEqual(live.length, 2, `${live.length} of mallory's sessions answer`)
      assert.strictEqual((yield* open(url, "alice")).status, 200)
    }), 60_000)

  // Fails before the fix: the session ended to make room was the one opened first, though its
  // client had just used it, while one opened later and left alone stayed.
  it.live("the session ended to make room is the one used least recently, not the one opened first", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maxSessionsPerPrincipal: 2 })
      const kept = yield* open(url, "mallory", 0)
      const left = yield* open(url, "mallory", 1)
      assert.strictEqual(kept.status, 200)
      assert.strictEqual(left.status, 200)
      // The client keeps using the session it opened first.
      assert.strictEqual(yield* ping(url, "mallory", kept.sessionId!), 200)
      const third = yield* open(url, "mallory", 2)
      assert.strictEqual(third.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", kept.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", left.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "mallory", third.sessionId!), 200)
      // And again: `third` was used last but one now (`kept`'s ping came after it).
      assert.strictEqual(yield* ping(url, "mallory", kept.sessionId!), 200)
      const fourth = yield* open(url, "mallory", 3)
      assert.strictEqual(fourth.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", third.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "mallory", kept.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", fourth.sessionId!), 200)
    }), 60_000)

  // Fails before the fix: a session's use was its last request's arrival, so one whose long call
  // had just been answered (in use until then) was taken for the one used least recently, and
  // ended, rather than one used last while that call ran.
  it.live("a session in use until a moment ago (its long call just answered) is not the one used least recently", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maxSessionsPerPrincipal: 2 })
      const calling = yield* open(url, "mallory", 0)
      const other = yield* open(url, "mallory", 1)
      const released = Deferred.makeUnsafe<void>()
      gate = released
      yield* Effect.addFinalizer(() => Effect.sync(() => (gate = undefined)))
      const before = gatedStarted
      const call = post(url, { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "gated", arguments: {} } }, {
        authorization: "Bearer mallory",
        "mcp-session-id": calling.sessionId!,
        "mcp-protocol-version": LATEST
      }).then((response) => response.text())
      for (let look = 0; look < 200 && gatedStarted === before; look++) yield* Effect.sleep("25 millis")
      assert.strictEqual(gatedStarted, before + 1, "the call started")
      // Used while the call runs.
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      Deferred.doneUnsafe(released, Exit.void)
      assert.include(yield* Effect.promise(() => call), "gated done")
      const third = yield* open(url, "mallory", 2)
      assert.strictEqual(third.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", calling.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 404)
    }), 60_000)

  // Fails without the stamp as the GET stream ends: a session whose client read its GET stream
  // until a moment ago was taken for the one used least recently (its last request, that GET,
  // came first), rather than one whose last request came while that stream was read.
  it.live("a session whose GET stream its client read until a moment ago is not the one used least recently", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maxSessionsPerPrincipal: 2 })
      const listening = yield* open(url, "mallory", 0)
      const other = yield* open(url, "mallory", 1)
      const alice = yield* open(url, "alice", 2)
      const abort = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => abort.abort()))
      const primed = yield* Effect.promise(async () => {
        const response = await fetch(url, {
          method: "GET",
          signal: abort.signal,
          headers: { accept: "text/event-stream", authorization: "Bearer mallory", "mcp-session-id": listening.sessionId!, "mcp-protocol-version": LATEST }
        })
        return (await sseReader(response).next())?.id
      })
      assert.isDefined(primed)
      // Used while the stream is read.
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      abort.abort()
      // Requests of another principal, after which the server has seen the stream go.
      assert.strictEqual(yield* ping(url, "alice", alice.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "alice", alice.sessionId!), 200)
      const third = yield* open(url, "mallory", 3)
      assert.strictEqual(third.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", listening.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 404)
    }), 60_000)

  // Fails before the fix: two principals each at their bound (half of maxSessions) took every
  // place, and every other principal was refused 503 "too many sessions" until their idle
  // timeout, though `maxSessionsPerPrincipal` says others always find room.
  it.live("every place taken by principals at their bound: another principal's session takes the place of the idle one used least recently of the principal holding the most", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maxSessions: 4 })
      const mallory = [yield* open(url, "mallory", 0), yield* open(url, "mallory", 1)]
      const eve = [yield* open(url, "eve", 2), yield* open(url, "eve", 3)]
      for (const opened of [...mallory, ...eve]) assert.strictEqual(opened.status, 200)
      // Mallory's first session used last of all: its second is the one used least recently.
      assert.strictEqual(yield* ping(url, "eve", eve[0]!.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", mallory[0]!.sessionId!), 200)
      const alice = yield* open(url, "alice", 4)
      assert.strictEqual(alice.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", mallory[1]!.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "mallory", mallory[0]!.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "eve", eve[0]!.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "eve", eve[1]!.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "alice", alice.sessionId!), 200)
      // Now eve holds the most (2): bob's session takes the place of eve's used least recently
      // (its first, pinged just before its second above).
      const bob = yield* open(url, "bob", 5)
      assert.strictEqual(bob.status, 200)
      assert.strictEqual(yield* ping(url, "eve", eve[0]!.sessionId!), 404)
      // Every principal holds one: the next is refused 503, no principal's only session ended.
      const carol = yield* open(url, "carol", 6)
      assert.strictEqual(carol.status, 503)
      for (const [who, opened] of [["mallory", mallory[0]!], ["eve", eve[1]!], ["alice", alice], ["bob", bob]] as const) {
        assert.strictEqual(yield* ping(url, who, opened.sessionId!), 200, who)
      }
    }), 60_000)

  it.live("a principal whose sessions are all in use is refused 429 (sessionsPerPrincipal); another principal is not", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ maxSessionsPerPrincipal: 2 })
      slowStarted = 0
      const aborts = new AbortController()
      yield* Effect.addFinalizer(() => Effect.sync(() => aborts.abort()))
      for (let i = 0; i < 2; i++) {
        const opened = yield* open(url, "mallory", i)
        assert.strictEqual(opened.status, 200)
        // A call in flight: the session is in use.
        fetch(url, {
          method: "POST",
          signal: aborts.signal,
          headers: {
            accept: BOTH,
            "content-type": "application/json",
            authorization: "Bearer mallory",
            "mcp-session-id": opened.sessionId!,
            "mcp-protocol-version": LATEST
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {} } })
        }).catch(() => undefined)
      }
      // Both calls in flight (at most 200 looks 25 ms apart).
      for (let look = 0; look < 200 && slowStarted < 2; look++) yield* Effect.sleep("25 millis")
      assert.strictEqual(slowStarted, 2)
      const refused = yield* Effect.promise(async () => {
        const response = await post(url, initializeMessage(2), { authorization: "Bearer mallory" })
        return { status: response.status, body: await response.json() as any }
      })
      assert.strictEqual(refused.status, 429)
      assert.strictEqual(refused.body.error.code, 429)
      assert.deepStrictEqual(refused.body.error.data, { limit: "sessionsPerPrincipal", max: 2 })
      assert.strictEqual((yield* open(url, "alice")).status, 200)
    }), 60_000)
})

/** Whether sessions now fail to start (the runner dies, as an application's session start that fails). */
let refuseSessions = false
/** While set, a session starts only once `go` is done (`starting` done as it waits), failing if `refuseSessions` holds then. */
let holdSessions: { readonly starting: Deferred.Deferred<void>; readonly go: Deferred.Deferred<void> } | undefined

/** As `serve`, but a session started while `refuseSessions` holds fails to start (503 "could not start"). */
const serveRefusing = (options: Partial<StreamableHttp.Options>) =>
  serveOnFreePort((port) =>
    McpServer.serve(
      { name: "principal-sessions", version: "1.0.0" },
      Layer.mergeAll(Quick, Slow),
      {
        listen: (run) =>
          StreamableHttp.make({
            host: "127.0.0.1",
            port,
            ...options,
            auth: BearerAuth.config({
              verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
              resource: `http://127.0.0.1:${port}/mcp`,
              authorizationServers: ["https://auth.test"]
            })
          }).listen((transport, sessionOptions) => {
            const start = Effect.suspend(() => refuseSessions ? Effect.die(new Error("no session now")) : run(transport, sessionOptions))
            const hold = holdSessions
            if (hold === undefined) return start
            Deferred.doneUnsafe(hold.starting, Exit.void)
            return Effect.andThen(Deferred.await(hold.go), start)
          })
      }
    )
  )

/** Connects an SDK v1 client as `subject`: "connected", or the error it failed with. */
const connectSdk = (url: string, subject: string) =>
  Effect.acquireRelease(
    Effect.sync(() => new Client({ name: subject, version: "1.0.0" }, { capabilities: {} })),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  ).pipe(Effect.flatMap((client) =>
    Effect.promise(() =>
      client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${subject}` } } }))
        .then(() => "connected", (error) => String(error))
    )
  ))

describe("sessions per principal: the idle session ended to make room", () => {
  // Failed before: at its bound, the principal's idle session was ended before the new session
  // started; the new one failing to start (503), the principal had lost a session for nothing.
  it.live("is ended only once the new session has started: one that fails to start ends none", () =>
    Effect.gen(function*() {
      refuseSessions = false
      yield* Effect.addFinalizer(() => Effect.sync(() => (refuseSessions = false)))
      const { url } = yield* serveRefusing({ maxSessionsPerPrincipal: 1 })
      const idle = yield* open(url, "mallory")
      assert.strictEqual(idle.status, 200)
      refuseSessions = true
      assert.include(yield* connectSdk(url, "mallory"), "the session could not start")
      assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 200)
      refuseSessions = false
      assert.strictEqual(yield* connectSdk(url, "mallory"), "connected")
      assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 404)
    }), 30_000)

  // The store full (`maxSessions`): the idle session's place is the one the new session takes,
  // freed first; given back when the new session fails to start.
  it.live("with every place under maxSessions taken, a new session that fails to start ends none either", () =>
    Effect.gen(function*() {
      refuseSessions = false
      yield* Effect.addFinalizer(() => Effect.sync(() => (refuseSessions = false)))
      const { url } = yield* serveRefusing({ maxSessions: 2, maxSessionsPerPrincipal: 1 })
      const alice = yield* open(url, "alice")
      const idle = yield* open(url, "mallory")
      assert.strictEqual(alice.status, 200)
      assert.strictEqual(idle.status, 200)
      refuseSessions = true
      assert.include(yield* connectSdk(url, "mallory"), "the session could not start")
      assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 200)
      // Its place is its own again: nobody else gets it.
      assert.strictEqual((yield* open(url, "bob")).status, 503)
      refuseSessions = false
      assert.strictEqual(yield* connectSdk(url, "mallory"), "connected")
      assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "alice", alice.sessionId!), 200)
    }), 30_000)

  // Failed before: a call sent on the idle session once it was chosen, while the new session (an
  // SDK v1 client's) started, started there (its handler ran) and was cut as the idle session then
  // ended (past the session's shutdown timeout): 200 with -32603 "The session ended" mid-flight,
  // where the client got a clean 404 when the idle session was ended first. It is answered 404 at
  // once, never started, and the idle session's id answers 404 from then on.
  it.live("a request on it while the new session starts is answered 404, not started and then cut", () =>
    requestWhileReplaced({ maxSessionsPerPrincipal: 1 }, "call", false), 30_000)

  it.live("the same with every place under maxSessions taken", () =>
    requestWhileReplaced({ maxSessions: 2, maxSessionsPerPrincipal: 1 }, "call", false), 30_000)

  // Before: the call ran on the idle session, kept (never answered here: `slow`). The request
  // cannot wait for the swap's outcome (a session's start has no bound): 404 whatever it is.
  it.live("the same when the new session then fails to start", () =>
    requestWhileReplaced({ maxSessions: 2, maxSessionsPerPrincipal: 1 }, "call", true), 30_000)

  // Failed before: the GET's standalone stream opened (200), to be closed as the session ended.
  it.live("a GET on it meanwhile is answered 404, no stream opened to be cut", () =>
    requestWhileReplaced({ maxSessionsPerPrincipal: 1 }, "get", false), 30_000)

  // Failed before: a notification on it meanwhile was taken (202), and the session ended after it,
  // where a request on it got 404: a session being terminated answers 404 to any message naming it.
  it.live("a notification on it meanwhile is answered 404, as a request is", () =>
    requestWhileReplaced({ maxSessionsPerPrincipal: 1 }, "notification", false), 30_000)

  it.live("a notification on it meanwhile, the new session then failing to start: 404 too", () =>
    requestWhileReplaced({ maxSessions: 2, maxSessionsPerPrincipal: 1 }, "notification", true), 30_000)

  // Failed before: with every place taken and a store's `create` a round trip (Redis), a request
  // on the idle session while the store answered the new session's first `create` ("full")
  // ended the idle session (404, as above), and the new session, no longer taking the idle one's
  // place, was refused 503 "full" with that place now free: mallory lost both sessions.
  it.live("every place taken, a store's create a round trip: a request on it while the store answers does not cost the new session its place", () =>
    Effect.gen(function*() {
      const memory = SessionStore.makeMemory({ maxSessions: 2 })
      // While set, a `create` is decided at once and answered once `go` is done (a round trip).
      let gate: { readonly deciding: Deferred.Deferred<void>; readonly go: Deferred.Deferred<void> } | undefined
      const store = SessionStore.SessionStore.of({
        ...memory,
        create: (id, now) =>
          Effect.flatMap(memory.create(id, now), (created) => {
            const held = gate
            if (held === undefined) return Effect.succeed(created)
            Deferred.doneUnsafe(held.deciding, Exit.void)
            return Effect.as(Deferred.await(held.go).pipe(Effect.timeout("5 seconds"), Effect.ignore), created)
          })
      })
      const { url } = yield* Effect.provideService(serve({ maxSessionsPerPrincipal: 1 }), SessionStore.SessionStore, store)
      const alice = yield* open(url, "alice")
      const idle = yield* open(url, "mallory")
      assert.deepStrictEqual([alice.status, idle.status], [200, 200])
      const held = { deciding: Deferred.makeUnsafe<void>(), go: Deferred.makeUnsafe<void>() }
      gate = held
      const replacing = yield* Effect.forkChild(open(url, "mallory", 1))
      yield* Deferred.await(held.deciding).pipe(Effect.timeout("5 seconds"))
      gate = undefined
      assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 404)
      Deferred.doneUnsafe(held.go, Exit.void)
      const opened = yield* Fiber.join(replacing)
      assert.strictEqual(opened.status, 200, "the new session opened in the idle one's place")
      assert.strictEqual(yield* ping(url, "mallory", opened.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "alice", alice.sessionId!), 200)
    }), 30_000)
})

describe("sessions per principal: a fresh GET on the idle session while it is replaced", () => {
  // Failed before: a fresh GET replacing a standalone stream the client left reads what that
  // stream carried from the event store (a round trip, with a store of one's own); the session
  // chosen to be replaced meanwhile, the GET attached its stream all the same (200), and the
  // stream was cut as the swap then ended the session. It is answered 404, as a GET that came
  // while the new session started is.
  it.live("is answered 404 when the session was chosen while the store was read, no stream opened to be cut", () =>
    Effect.gen(function*() {
      refuseSessions = false
      holdSessions = undefined
      const aborts: Array<AbortController> = []
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const abort of aborts) abort.abort()
          holdSessions = undefined
        })
      )
      const memory = EventStore.makeMemory()
      // While set, `retained` (read by a fresh GET for the streams the client left) says so and waits for `go`.
      let gate: { readonly reading: Deferred.Deferred<void>; readonly go: Deferred.Deferred<void> } | undefined
      const store = EventStore.EventStore.of({
        ...memory,
        retained: (sessionId, streamId) =>
          Effect.suspend(() => {
            const held = gate
            if (held === undefined) return memory.retained(sessionId, streamId)
            Deferred.doneUnsafe(held.reading, Exit.void)
            return Effect.andThen(Deferred.await(held.go).pipe(Effect.timeout("5 seconds"), Effect.ignore), memory.retained(sessionId, streamId))
          })
      })
      const { url } = yield* Effect.provideService(serveRefusing({ maxSessionsPerPrincipal: 1 }), EventStore.EventStore, store)
      const idle = yield* open(url, "mallory")
      assert.strictEqual(idle.status, 200)
      const headers = { authorization: "Bearer mallory", "mcp-session-id": idle.sessionId!, "mcp-protocol-version": LATEST }
      const get = () =>
        Effect.promise(() => {
          const abort = new AbortController()
          aborts.push(abort)
          return fetch(url, { method: "GET", signal: abort.signal, headers: { accept: "text/event-stream", ...headers } }).then(
            (response) => ({ status: response.status, abort }),
            (error) => ({ status: String(error), abort })
          )
        })
      // A standalone stream, then left by its client.
      const first = yield* get()
      assert.strictEqual(first.status, 200)
      first.abort.abort()
      const held = { reading: Deferred.makeUnsafe<void>(), go: Deferred.makeUnsafe<void>() }
      gate = held
      // A fresh GET, once the server saw the first one go (409 until then: at most 80 tries 25 ms apart).
      let fresh: Fiber.Fiber<{ readonly status: number | string; readonly abort: AbortController }> | undefined
      for (let attempt = 0; attempt < 80; attempt++) {
        const attemptFiber = yield* Effect.forkChild(get())
        const reading = yield* Deferred.await(held.reading).pipe(Effect.timeout("100 millis"), Effect.option)
        if (reading._tag === "Some") {
          fresh = attemptFiber
          break
        }
        const done = yield* Fiber.join(attemptFiber)
        assert.strictEqual(done.status, 409)
        yield* Effect.sleep("25 millis")
      }
      assert.isDefined(fresh, "the fresh GET read the store")
      // Meanwhile, mallory opens another session: the idle one is chosen, the new one starting (held).
      const hold = { starting: Deferred.makeUnsafe<void>(), go: Deferred.makeUnsafe<void>() }
      holdSessions = hold
      const replacing = yield* Effect.forkChild(connectSdk(url, "mallory"))
      yield* Deferred.await(hold.starting).pipe(Effect.timeout("5 seconds"))
      gate = undefined
      Deferred.doneUnsafe(held.go, Exit.void)
      const answered = yield* Fiber.join(fresh!)
      holdSessions = undefined
      Deferred.doneUnsafe(hold.go, Exit.void)
      assert.strictEqual(yield* Fiber.join(replacing), "connected")
      assert.strictEqual(answered.status, 404)
      assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 404)
    }), 30_000)
})

/** A tool that asks the client for its roots through the session, in the background (10 s at most), and answers at once. */
const RootsLater = McpServer.tool({
  name: "roots_later",
  handler: () =>
    Effect.flatMap(McpContext.current, (context) =>
      Effect.as(Effect.forkDetach(Effect.ignore(context.session.request("roots/list", undefined, { timeoutMillis: 10_000 }))), "asked"))
})

describe("sessions per principal: a session whose fresh GET is being opened", () => {
  // Failed before: a fresh GET sends first what the session held for it (a request to the client
  // made with no stream to go on), stored in the event store (a round trip, with a store of one's
  // own) before its response starts; the session, its stream attached but not read yet, was taken
  // for idle: an initialize of its principal at the bound chose it, and the GET's stream was cut
  // as the swap ended the session. Its stream being opened, it is in use (the initialize is 429).
  it.live("is not chosen to make room while what it held is stored: its stream stays, the initialize is refused 429", () =>
    Effect.gen(function*() {
      const aborts: Array<AbortController> = []
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const abort of aborts) abort.abort()
        })
      )
      const memory = EventStore.makeMemory()
      // While set, an `append` of a request (what the fresh GET sends first) says so and waits for `go`.
      let gate: { readonly storing: Deferred.Deferred<void>; readonly go: Deferred.Deferred<void> } | undefined
      const store = EventStore.EventStore.of({
        ...memory,
        append: (sessionId, streamId, message, final) =>
          Effect.suspend(() => {
            const held = gate
            if (held === undefined || !("method" in message) || message.method !== "roots/list") return memory.append(sessionId, streamId, message, final)
            Deferred.doneUnsafe(held.storing, Exit.void)
            return Effect.andThen(Deferred.await(held.go).pipe(Effect.timeout("5 seconds"), Effect.ignore), memory.append(sessionId, streamId, message, final))
          })
      })
      const { url } = yield* Effect.provideService(
        serveOnFreePort((port) =>
          McpServer.serve(
            { name: "principal-sessions", version: "1.0.0" },
            RootsLater,
            StreamableHttp.make({
              host: "127.0.0.1",
              port,
              maxSessionsPerPrincipal: 1,
              auth: BearerAuth.config({
                verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
                resource: `http://127.0.0.1:${port}/mcp`,
                authorizationServers: ["https://auth.test"]
              })
            })
          )
        ),
        EventStore.EventStore,
        store
      )
      const opened = yield* Effect.promise(async () => {
        const response = await post(url, initializeMessage(0, { roots: {} }), { authorization: "Bearer mallory" })
        await response.text()
        return response.headers.get("mcp-session-id")!
      })
      const headers = { authorization: "Bearer mallory", "mcp-session-id": opened, "mcp-protocol-version": LATEST }
      yield* Effect.promise(() => post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, headers).then((response) => response.text()))
      // The session holds a roots/list for the client (no stream to go on), and is idle.
      const asked = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "roots_later", arguments: {} } }, headers).then((response) => response.text())
      )
      assert.include(asked, "asked")
      const held = { storing: Deferred.makeUnsafe<void>(), go: Deferred.makeUnsafe<void>() }
      gate = held
      const abort = new AbortController()
      aborts.push(abort)
      const get = fetch(url, { method: "GET", signal: abort.signal, headers: { accept: "text/event-stream", ...headers } })
      yield* Deferred.await(held.storing).pipe(Effect.timeout("5 seconds"))
      gate = undefined
      // Meanwhile, mallory opens another session.
      const second = yield* Effect.promise(async () => {
        const response = await post(url, initializeMessage(1), { authorization: "Bearer mallory" })
        await response.text()
        return response.status
      })
      Deferred.doneUnsafe(held.go, Exit.void)
      const response = yield* Effect.promise(() => get)
      assert.strictEqual(response.status, 200)
      // The stream carries the held request, and stays open.
      const reader = response.body!.getReader()
      let text = ""
      for (let read = 0; read < 20 && !text.includes("roots/list"); read++) {
        const chunk = yield* Effect.promise(() => reader.read())
        if (chunk.done) break
        text += new TextDecoder().decode(chunk.value)
      }
      assert.include(text, "roots/list")
      assert.strictEqual(second, 429)
      assert.strictEqual(yield* ping(url, "mallory", opened), 200)
    }), 30_000)
})

describe("sessions per principal: what ending a session would lose", () => {
  // Fails before the fix: the session whose answer was stored for the client's resumption (the
  // client left the call's stream before it) was taken for idle, and, used least recently, ended
  // to make room: the answer was lost (its resumption 404), while an idle session with nothing
  // to lose stayed.
  it.live("a session whose answer waits in the event store for its client's resumption is ended last", () =>
    Effect.gen(function*() {
      const { stored, store } = recordingEventStore()
      const { url } = yield* Effect.provideService(
        serveOnFreePort((port) =>
          McpServer.serve(
            { name: "principal-sessions", version: "1.0.0" },
            Gated,
            StreamableHttp.make({
              host: "127.0.0.1",
              port,
              maxSessionsPerPrincipal: 2,
              responseMode: "sse",
              auth: BearerAuth.config({
                verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
                resource: `http://127.0.0.1:${port}/mcp`,
                authorizationServers: ["https://auth.test"]
              })
            })
          )
        ),
        EventStore.EventStore,
        store
      )
      const waiting = yield* open(url, "mallory", 0)
      const other = yield* open(url, "mallory", 1)
      assert.strictEqual(waiting.status, 200)
      assert.strictEqual(other.status, 200)
      const headers = { authorization: "Bearer mallory", "mcp-session-id": waiting.sessionId!, "mcp-protocol-version": LATEST }
      const released = Deferred.makeUnsafe<void>()
      gate = released
      yield* Effect.addFinalizer(() => Effect.sync(() => (gate = undefined)))
      // The call's stream: its priming event, then the client leaves it.
      const abort = new AbortController()
      const primed = yield* Effect.promise(async () => {
        const response = await fetch(url, {
          method: "POST",
          signal: abort.signal,
          headers: { accept: BOTH, "content-type": "application/json", ...headers },
          body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "gated", arguments: {} } })
        })
        const event = await sseReader(response).next()
        abort.abort()
        return event?.id
      })
      assert.isDefined(primed)
      // The other session is used after it (twice: the server has seen the stream go by then).
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      // The call answers with nobody reading: its answer is stored (5 s at most).
      Deferred.doneUnsafe(released, Exit.void)
      for (let look = 0; look < 200 && !stored.some((event) => event.message.id === 7 && "result" in event.message); look++) {
        yield* Effect.sleep("25 millis")
      }
      assert.isTrue(stored.some((event) => event.message.id === 7 && "result" in event.message), "the answer was stored")
      yield* Effect.sleep("50 millis")
      const third = yield* open(url, "mallory", 2)
      assert.strictEqual(third.status, 200)
      // The client comes back for its answer.
      const resumed = yield* Effect.promise(async () => {
        const response = await fetch(url, { method: "GET", headers: { accept: "text/event-stream", "last-event-id": primed!, ...headers } })
        if (response.status !== 200) return `${response.status} ${await response.text()}`
        return nextMessage(sseReader(response))
      })
      assert.strictEqual(typeof resumed === "string" ? resumed : resumed.result.content[0].text, "gated done")
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "mallory", third.sessionId!), 200)
    }), 30_000)

  // Fails before the fix: the session whose stored answer could no longer be resumed (events
  // dropped past maxEventsPerStream; the client told to re-issue its request, 400) was still
  // taken for one whose ending would lose that answer, for the rest of its life: the idle session
  // used least recently was kept, and the other, used since, ended (404) in its place.
  it.live("a session whose stored answer its client was refused (400: re-issue the request) has nothing more to lose", () =>
    Effect.gen(function*() {
      const { stored, store } = recordingEventStore({ maxEventsPerStream: 1 })
      const Noisy = McpServer.tool({
        name: "noisy",
        handler: () => Effect.andThen(McpContext.progress(1, 2, "started"), Effect.suspend(() => Effect.as(Deferred.await(gate!), "noisy done")))
      })
      const { url } = yield* Effect.provideService(
        serveOnFreePort((port) =>
          McpServer.serve(
            { name: "principal-sessions", version: "1.0.0" },
            Noisy,
            StreamableHttp.make({
              host: "127.0.0.1",
              port,
              maxSessionsPerPrincipal: 2,
              responseMode: "sse",
              auth: BearerAuth.config({
                verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
                resource: `http://127.0.0.1:${port}/mcp`,
                authorizationServers: ["https://auth.test"]
              })
            })
          )
        ),
        EventStore.EventStore,
        store
      )
      const refused = yield* open(url, "mallory", 0)
      const other = yield* open(url, "mallory", 1)
      assert.strictEqual(refused.status, 200)
      assert.strictEqual(other.status, 200)
      const headers = { authorization: "Bearer mallory", "mcp-session-id": refused.sessionId!, "mcp-protocol-version": LATEST }
      const released = Deferred.makeUnsafe<void>()
      gate = released
      yield* Effect.addFinalizer(() => Effect.sync(() => (gate = undefined)))
      // The call's stream: its priming event, then the client leaves it.
      const abort = new AbortController()
      const primed = yield* Effect.promise(async () => {
        const response = await fetch(url, {
          method: "POST",
          signal: abort.signal,
          headers: { accept: BOTH, "content-type": "application/json", ...headers },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 7,
            method: "tools/call",
            params: { name: "noisy", arguments: {}, _meta: { progressToken: "p" } }
          })
        })
        const event = await sseReader(response).next()
        abort.abort()
        return event?.id
      })
      assert.isDefined(primed)
      // Pings on the other session: the server has seen the stream go by then.
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      // The answer stored with nobody reading, after the progress, which the store no longer keeps.
      Deferred.doneUnsafe(released, Exit.void)
      for (let look = 0; look < 200 && !stored.some((event) => event.message.id === 7 && "result" in event.message); look++) {
        yield* Effect.sleep("25 millis")
      }
      assert.isTrue(stored.some((event) => event.message.id === 7 && "result" in event.message), "the answer was stored")
      yield* Effect.sleep("50 millis")
      // The client comes back for it: the events after its last are not all kept, 400.
      const resumed = yield* Effect.promise(async () => {
        const response = await fetch(url, { method: "GET", headers: { accept: "text/event-stream", "last-event-id": primed!, ...headers } })
        await response.text()
        return response.status
      })
      assert.strictEqual(resumed, 400)
      // The other session is used after it: the refused one is the one used least recently.
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      const third = yield* open(url, "mallory", 2)
      assert.strictEqual(third.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      assert.strictEqual(yield* ping(url, "mallory", refused.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "mallory", third.sessionId!), 200)
    }), 30_000)
})

describe("sessions per principal: how long an unread answer protects its session", () => {
  // Fails before: an answer stored for a client that never came back protected its session until
  // its idle timeout (30 min by default), whatever the principal's use: the session used since
  // was ended in its place, again and again.
  it.live("no longer than the request timeout: past it, the session used least recently is ended, its unread answer with it", () =>
    Effect.gen(function*() {
      const { stored, store } = recordingEventStore()
      const { url } = yield* Effect.provideService(
        serveOnFreePort((port) =>
          McpServer.serve(
            { name: "principal-sessions", version: "1.0.0" },
            Gated,
            StreamableHttp.make({
              host: "127.0.0.1",
              port,
              maxSessionsPerPrincipal: 2,
              responseMode: "sse",
              requestTimeoutMillis: 1_500,
              auth: BearerAuth.config({
                verifier: { verify: (token) => Effect.succeed({ subject: token, scopes: [], claims: {} }) },
                resource: `http://127.0.0.1:${port}/mcp`,
                authorizationServers: ["https://auth.test"]
              })
            })
          )
        ),
        EventStore.EventStore,
        store
      )
      const waiting = yield* open(url, "mallory", 0)
      const other = yield* open(url, "mallory", 1)
      assert.strictEqual(waiting.status, 200)
      assert.strictEqual(other.status, 200)
      const headers = { authorization: "Bearer mallory", "mcp-session-id": waiting.sessionId!, "mcp-protocol-version": LATEST }
      const released = Deferred.makeUnsafe<void>()
      gate = released
      yield* Effect.addFinalizer(() => Effect.sync(() => (gate = undefined)))
      // The call's stream: its priming event, then the client leaves it for good.
      const abort = new AbortController()
      const primed = yield* Effect.promise(async () => {
        const response = await fetch(url, {
          method: "POST",
          signal: abort.signal,
          headers: { accept: BOTH, "content-type": "application/json", ...headers },
          body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "gated", arguments: {} } })
        })
        const event = await sseReader(response).next()
        abort.abort()
        return event?.id
      })
      assert.isDefined(primed)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      // The call answers with nobody reading (well within the request timeout): its answer is stored.
      Deferred.doneUnsafe(released, Exit.void)
      for (let look = 0; look < 200 && !stored.some((event) => event.message.id === 7 && "result" in event.message); look++) {
        yield* Effect.sleep("25 millis")
      }
      assert.isTrue(stored.some((event) => event.message.id === 7 && "result" in event.message), "the answer was stored")
      // The other session is used after it, and then the request timeout passes.
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200)
      yield* Effect.sleep("1800 millis")
      const third = yield* open(url, "mallory", 2)
      assert.strictEqual(third.status, 200)
      assert.strictEqual(yield* ping(url, "mallory", other.sessionId!), 200, "the session used since was ended for the one whose answer nobody came back for")
      assert.strictEqual(yield* ping(url, "mallory", waiting.sessionId!), 404)
      assert.strictEqual(yield* ping(url, "mallory", third.sessionId!), 200)
    }), 30_000)
})

/**
 * Opens an idle session of mallory (and one of alice), holds the start of the session an SDK v1
 * client of mallory opens in its place (failing it if `fails`), and sends a `slow` call (or a GET,
 * or a notification) on the idle one meanwhile: it must be answered 404, nothing started.
 */
const requestWhileReplaced = (options: Partial<StreamableHttp.Options>, probe: "call" | "get" | "notification", fails: boolean) =>
  Effect.gen(function*() {
    refuseSessions = false
    holdSessions = undefined
    const aborts = new AbortController()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        aborts.abort()
        holdSessions = undefined
        refuseSessions = false
      })
    )
    slowStarted = 0
    const { url } = yield* serveRefusing({ ...options, session: { shutdownTimeoutMillis: 200 } })
    const alice = yield* open(url, "alice")
    const idle = yield* open(url, "mallory")
    assert.strictEqual(idle.status, 200)
    const hold = { starting: Deferred.makeUnsafe<void>(), go: Deferred.makeUnsafe<void>() }
    holdSessions = hold
    const replacing = yield* Effect.forkChild(connectSdk(url, "mallory"))
    // The idle session was chosen: the new one is starting (5 s at most).
    yield* Deferred.await(hold.starting).pipe(Effect.timeout("5 seconds"))
    const headers = { authorization: "Bearer mallory", "mcp-session-id": idle.sessionId!, "mcp-protocol-version": LATEST }
    let outcome: string | undefined
    const sent = probe === "call"
      ? post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {} } }, headers)
        .then(async (response) => `${response.status} ${await response.text()}`)
      // A stream's status comes with its headers: its body is not read.
      : probe === "notification"
      ? post(url, { jsonrpc: "2.0", method: "notifications/roots/list_changed" }, headers)
        .then(async (response) => `${response.status} ${await response.text()}`)
      : fetch(url, { method: "GET", signal: aborts.signal, headers: { accept: "text/event-stream", ...headers } })
        .then((response) => `${response.status}`)
    const call = sent.then((settled) => (outcome = settled), (error) => (outcome = String(error)))
    // The request reached the server: its handler started, or it was answered (at most 80 looks 25 ms apart).
    for (let look = 0; look < 80 && slowStarted === 0 && outcome === undefined; look++) yield* Effect.sleep("25 millis")
    holdSessions = undefined
    refuseSessions = fails
    Deferred.doneUnsafe(hold.go, Exit.void)
    const connected = yield* Fiber.join(replacing)
    if (fails) assert.include(connected, "the session could not start")
    else assert.strictEqual(connected, "connected")
    yield* Effect.promise(() => call).pipe(Effect.timeout("10 seconds"))
    assert.strictEqual(slowStarted, 0, `the call started on the session being replaced (${outcome})`)
    assert.match(outcome!, /^404\b/)
    assert.strictEqual(yield* ping(url, "mallory", idle.sessionId!), 404)
    assert.strictEqual(yield* ping(url, "alice", alice.sessionId!), 200)
  })
