/**
 * A 2025-11-25 task's notes across replicas (`server/internal/taskRelay.ts`) as the replica where
 * its `tasks/result` waits changes, on the relay itself: a relay this test plays (its messages
 * recorded, those to one replica held on the way), the task machinery's side faked. Notes still
 * waiting to go when the wait moves follow it: to the new replica's wait (`Waiting`), or to a wait
 * on the task's own replica (`cameHere`), not to the replica whose wait was left, which would drop
 * them. Over real replicas on Redis: test/redis/TaskRelay.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as PubSub from "effect/PubSub"
import * as TaskRelay from "../../src/server/internal/taskRelay.ts"
import { ClientRequestTimeout } from "../../src/session/ClientRequestError.ts"
import type { ServerSession } from "../../src/session/ServerSession.ts"
import type { RelayMessage, TaskRelay as Relay } from "../../src/tasks/TaskStore.ts"

const note = (data: string) => ({ level: "info", data })

/**
 * A relay whose messages to `held` wait until released (the others each take `slowMillis` once
 * recorded, if given); the relayer over it, task "t" running here, its wait on "b|".
 */
const relayed = (held: string, resendMillis?: number, slowMillis?: number) =>
  Effect.gen(function*() {
    const messages = yield* PubSub.unbounded<RelayMessage>()
    const sent: Array<RelayMessage> = []
    const released = yield* Deferred.make<void>()
    const relay: Relay = {
      here: "a|",
      waitHere: () => Effect.void,
      waiter: () => Effect.succeed("b|"),
      send: (message) => {
        const record = Effect.sync(() => void sent.push(message))
        if ("to" in message && message.to === held) return Effect.andThen(Deferred.await(released), record)
        return slowMillis === undefined ? record : Effect.andThen(record, Effect.sleep(slowMillis))
      },
      messages,
      resendMillis
    }
    const delivered: Array<unknown> = []
    let local: ServerSession | undefined
    const session = {
      logLevel: "debug",
      notifyRelated: (_method: string, params: { readonly data?: unknown } | undefined) => Effect.sync(() => void delivered.push(params?.data))
    } as unknown as ServerSession
    const relayer = (yield* TaskRelay.make(relay, {
      local: () => local,
      running: (taskId) => taskId === "t" ? 60_000 : undefined,
      changed: () => {},
      leaseMillis: 15_000,
      runFork: (effect) => Effect.runFork(effect)
    }))!
    yield* relayer.lookUp("t")
    // Its messages followed (a fiber of its own) before any is published.
    yield* Effect.sleep("20 millis")
    const carrier = relayer.carrierOf("t") as unknown as {
      readonly notifyRelated: (method: string, params: { readonly [key: string]: unknown }) => Effect.Effect<void>
      readonly requestRelated: (
        method: string,
        params: { readonly [key: string]: unknown },
        related: undefined,
        options: { readonly timeoutMillis: number }
      ) => Effect.Effect<unknown, unknown>
    }
    assert.isDefined(carrier)
    const notes = (to: string) =>
      sent.flatMap((message) => message._tag === "Notes" && message.to === to ? message.notes.map((n) => n.params?.data) : [])
    return {
      sent,
      messages,
      relayer,
      carrier,
      notes,
      delivered,
      release: Deferred.succeed(released, undefined),
      waitHere: () => {
        local = session
      }
    }
  })

/** Another replica's ("z|") message of notes `seq` of its line "z|1" (note `m<seq>`) for task "t", its sender keeping those from `first`. */
const numbered = (messages: PubSub.PubSub<RelayMessage>) => (seq: number, first = 1) =>
  PubSub.publish(messages, {
    _tag: "Notes",
    to: "a|",
    taskId: "t",
    notes: [{ method: "notifications/message", params: note(`m${seq}`) }],
    from: "z|",
    stream: "z|1",
    seq,
    first
  })

/** Waits until `done` holds (every 10 ms, at most `times` of them: 2 s). */
const until = (done: () => boolean, times = 200) =>
  Effect.gen(function*() {
    for (let i = 0; i < times && !done(); i++) yield* Effect.sleep("10 millis")
  })

// Failed before: the notes waiting as the wait moved went to the replica whose wait was left
// (here held on the way, as one that no longer answers), none to the new one.
describe("a task's notes as its wait moves to another replica", () => {
  it.live("notes waiting to go follow the new wait (Waiting from c|), and a note sent through the carrier left goes there too", () =>
    Effect.gen(function*() {
      const { carrier, messages, notes, release } = yield* relayed("b|")
      // The first goes to b| (held on the way); the next two wait for it.
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* Effect.sleep("60 millis")
      yield* carrier.notifyRelated("notifications/message", note("n2"))
      yield* carrier.notifyRelated("notifications/message", note("n3"))
      yield* PubSub.publish(messages, { _tag: "Waiting", taskId: "t", from: "c|" })
      yield* until(() => notes("c|").length >= 2)
      assert.deepStrictEqual(notes("c|"), ["n2", "n3"])
      // The task's notification through the carrier it held (left now) goes to c| too.
      yield* carrier.notifyRelated("notifications/message", note("n4"))
      yield* until(() => notes("c|").length >= 3)
      assert.deepStrictEqual(notes("c|"), ["n2", "n3", "n4"])
      yield* release
      yield* until(() => notes("b|").length >= 1)
      yield* Effect.sleep("60 millis")
      assert.deepStrictEqual(notes("b|"), ["n1"])
    }))

  it.live("notes waiting to go as a wait comes to the task's own replica are sent on there (cameHere), not to the replica left", () =>
    Effect.gen(function*() {
      const { carrier, delivered, notes, relayer, release, waitHere } = yield* relayed("b|")
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* Effect.sleep("60 millis")
      yield* carrier.notifyRelated("notifications/message", note("n2"))
      yield* carrier.notifyRelated("notifications/message", note("n3"))
      waitHere()
      relayer.cameHere("t")
      yield* until(() => delivered.length >= 2)
      assert.deepStrictEqual(delivered, ["n2", "n3"])
      yield* carrier.notifyRelated("notifications/message", note("n4"))
      yield* until(() => delivered.length >= 3)
      assert.deepStrictEqual(delivered, ["n2", "n3", "n4"])
      yield* release
      yield* until(() => notes("b|").length >= 1)
      yield* Effect.sleep("60 millis")
      assert.deepStrictEqual(notes("b|"), ["n1"])
    }))
})

// A line of notes on a relay that can lose messages (numbered, acknowledged, sent again), as the
// task's replica keeps it: what it sends again, and when.
describe("a task's numbered notes (a relay that can lose messages)", () => {
  it.live("not sent again at a round to a replica that never acknowledged one (an older version: it would take them twice); once it has, an unacknowledged one is sent again at the next rounds, and those after a gap at once", () =>
    Effect.gen(function*() {
      const { carrier, messages, sent } = yield* relayed("nobody|", 100)
      const notesSent = () => sent.filter((message) => message._tag === "Notes") as Array<Extract<RelayMessage, { readonly _tag: "Notes" }>>
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* until(() => notesSent().length >= 1)
      const [first] = notesSent()
      assert.strictEqual(first!.seq, 1)
      assert.strictEqual(first!.first, 1)
      assert.strictEqual(first!.from, "a|")
      // Three rounds and more: never acknowledged, never sent again.
      yield* Effect.sleep("450 millis")
      assert.strictEqual(notesSent().length, 1)
      // Acknowledged (up to 1): the next, not acknowledged, is sent again within two rounds.
      yield* PubSub.publish(messages, { _tag: "Noted", to: "a|", stream: first!.stream!, seq: 1 })
      yield* carrier.notifyRelated("notifications/message", note("n2"))
      yield* until(() => notesSent().length >= 2)
      assert.deepStrictEqual(notesSent()[1]!.notes.map((n) => n.params?.data), ["n2"])
      assert.strictEqual(notesSent()[1]!.first, 2, "the first the sender still sends again")
      yield* until(() => notesSent().length >= 3)
      assert.deepStrictEqual(notesSent()[2], notesSent()[1], "n2 sent again, as it was")
      // Its replica lacks 2 (the next came first): 2 and 3 sent again at once, in order.
      yield* carrier.notifyRelated("notifications/message", note("n3"))
      yield* until(() => notesSent().some((message) => message.seq === 3))
      const before = notesSent().length
      yield* PubSub.publish(messages, { _tag: "Noted", to: "a|", stream: first!.stream!, seq: 1, gap: true })
      yield* until(() => notesSent().length >= before + 2)
      assert.deepStrictEqual(notesSent().slice(before, before + 2).map((message) => message.seq), [2, 3])
      // All acknowledged: nothing more is sent.
      yield* PubSub.publish(messages, { _tag: "Noted", to: "a|", stream: first!.stream!, seq: 3 })
      yield* Effect.sleep("50 millis")
      const settled = notesSent().length
      yield* Effect.sleep("350 millis")
      assert.strictEqual(notesSent().length, settled)
    }))

  it.live("the replica taking them: in order, once each (a duplicate acknowledged again, not sent on), the lack said once as a later one comes, acknowledged every eight", () =>
    Effect.gen(function*() {
      const { delivered, messages, sent, waitHere } = yield* relayed("none|", 10_000)
      waitHere()
      const notes = numbered(messages)
      const noted = () => sent.filter((message) => message._tag === "Noted").map((message: any) => [message.to, message.seq, message.gap === true])
      yield* notes(1)
      yield* notes(3)
      yield* notes(3)
      yield* until(() => delivered.length >= 1 && noted().length >= 1)
      yield* Effect.sleep("30 millis")
      assert.deepStrictEqual(delivered, ["m1"])
      assert.deepStrictEqual(noted(), [["z|", 1, true]], "the lack of 2 said once")
      yield* notes(2)
      yield* notes(3)
      yield* notes(2)
      yield* until(() => delivered.length >= 3 && noted().length >= 2)
      yield* Effect.sleep("30 millis")
      assert.deepStrictEqual(delivered, ["m1", "m2", "m3"])
      assert.deepStrictEqual(noted(), [["z|", 1, true], ["z|", 3, false]], "the duplicate acknowledged again")
      for (let seq = 4; seq <= 8; seq++) yield* notes(seq)
      yield* until(() => noted().length >= 3)
      assert.deepStrictEqual(noted()[2], ["z|", 8, false], "eight taken: acknowledged")
      assert.deepStrictEqual(delivered, ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"])
      // A line it does not know starts at the sender's first (those before are settled there).
      yield* PubSub.publish(messages, {
        _tag: "Notes",
        to: "a|",
        taskId: "t",
        notes: [{ method: "notifications/message", params: note("k7") }],
        from: "z|",
        stream: "z|2",
        seq: 7,
        first: 7
      })
      yield* until(() => delivered.length >= 9)
      assert.strictEqual(delivered[8], "k7")
    }))
})

// The lines of notes the task's replica keeps (to send again) are forgotten once their carrier is
// left: its wait moved or ended there, nothing more goes on the line. Kept memory is not seen from
// outside: the relayer's own map is looked at. Failed before: a line all acknowledged, or one of a
// replica that never acknowledges (an older version), was kept for good after each `Left`.
describe("a task's lines of notes once their carrier is left", () => {
  const linesOf = (relayer: unknown) => (relayer as { readonly lines: Map<string, unknown> }).lines.size

  it.live("all acknowledged: forgotten at the next round", () =>
    Effect.gen(function*() {
      const { carrier, messages, relayer, sent } = yield* relayed("nobody|", 100)
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* until(() => sent.some((message) => message._tag === "Notes"))
      const first = sent.find((message) => message._tag === "Notes") as Extract<RelayMessage, { readonly _tag: "Notes" }>
      yield* PubSub.publish(messages, { _tag: "Noted", to: "a|", stream: first.stream!, seq: 1 })
      yield* Effect.sleep("30 millis")
      assert.strictEqual(linesOf(relayer), 1, "a line followed while its carrier is the task's")
      yield* PubSub.publish(messages, { _tag: "Left", taskId: "t", from: "b|" })
      yield* until(() => linesOf(relayer) === 0)
      assert.strictEqual(linesOf(relayer), 0)
    }))

  // Failed before: those given up were said in the log only as the task ended, and only for the
  // carrier it held then (nothing said of a carrier left).
  it.live("some not acknowledged (its replica gone silent): given up after the rounds of a silent replica, said in the log", () => {
    const logged: Array<string> = []
    const capture = Logger.make(({ message }) => void logged.push(Array.isArray(message) ? message.join(" ") : String(message)))
    return Effect.gen(function*() {
      const { carrier, messages, relayer, sent } = yield* relayed("nobody|", 50)
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* until(() => sent.some((message) => message._tag === "Notes"))
      const first = sent.find((message) => message._tag === "Notes") as Extract<RelayMessage, { readonly _tag: "Notes" }>
      yield* PubSub.publish(messages, { _tag: "Noted", to: "a|", stream: first.stream!, seq: 1 })
      yield* Effect.sleep("30 millis")
      yield* carrier.notifyRelated("notifications/message", note("n2"))
      yield* until(() => sent.filter((message) => message._tag === "Notes").length >= 2)
      yield* PubSub.publish(messages, { _tag: "Left", taskId: "t", from: "b|" })
      // At most thirty rounds of 50 ms (nothing heard here: the bound in all).
      yield* until(() => linesOf(relayer) === 0, 1_000)
      assert.strictEqual(linesOf(relayer), 0)
      yield* until(() => logged.length > 0)
      assert.deepStrictEqual(logged.filter((line) => line.includes("may have been lost")).map((line) => line.match(/(\d+) notification\(s\) of task (\w+)/)?.slice(1)), [["1", "t"]])
    }).pipe(Effect.provide(Logger.layer([capture])))
  })

  it.live("never acknowledged (a replica of an older version): forgotten after the rounds of a silent replica, never sent again", () =>
    Effect.gen(function*() {
      const { carrier, messages, relayer, sent } = yield* relayed("nobody|", 50)
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* until(() => sent.some((message) => message._tag === "Notes"))
      yield* PubSub.publish(messages, { _tag: "Left", taskId: "t", from: "b|" })
      yield* until(() => linesOf(relayer) === 0, 1_000)
      assert.strictEqual(linesOf(relayer), 0)
      assert.strictEqual(sent.filter((message) => message._tag === "Notes").length, 1)
    }))

  // A replica that never acknowledges (an older version) is never sent notes again: those kept for
  // it served nothing, up to 4,096 a line for as long as the task ran. Failed before: kept.
  it.live("never acknowledged, its carrier still the task's: its notes no longer kept after the rounds of a silent replica", () =>
    Effect.gen(function*() {
      const { carrier, relayer, sent } = yield* relayed("nobody|", 50)
      yield* carrier.notifyRelated("notifications/message", note("n1"))
      yield* until(() => sent.some((message) => message._tag === "Notes"))
      yield* until(() => linesOf(relayer) === 0, 1_000)
      assert.strictEqual(linesOf(relayer), 0)
      // The task's later notes go on a line again (given its rounds again).
      yield* carrier.notifyRelated("notifications/message", note("n2"))
      yield* until(() => sent.filter((message) => message._tag === "Notes").length >= 2)
      assert.strictEqual(linesOf(relayer), 1)
      assert.deepStrictEqual(sent.filter((message) => message._tag === "Notes").map((message: any) => [message.seq, message.first]), [[1, 1], [2, 2]])
    }))
})

// A round sends the questions waiting again one after the other; one given up meanwhile (its
// Withdraw sent) was still sent again after its Withdraw, and the other replica, its question
// withdrawn already, asked its client again. Failed before: an Ask of the question after its Withdraw.
describe("questions sent again at a round", () => {
  it.live("one given up as the round sends them is not sent again after its Withdraw", () =>
    Effect.gen(function*() {
      const { carrier, sent } = yield* relayed("nobody|", 200, 50)
      const question = carrier.requestRelated("elicitation/create", { message: "?" }, undefined, { timeoutMillis: 60_000 })
      const first = yield* Effect.forkChild(question)
      const second = yield* Effect.forkChild(question)
      const asks = () => sent.filter((message) => message._tag === "Ask") as Array<Extract<RelayMessage, { readonly _tag: "Ask" }>>
      yield* until(() => asks().length >= 2)
      const [q1, q2] = asks().map((message) => message.id)
      assert.notStrictEqual(q1, q2)
      // The second round sends both again, one at a time (50 ms each): the second given up as the first goes.
      yield* until(() => asks().length >= 3)
      assert.strictEqual(asks()[2]!.id, q1)
      yield* Fiber.interrupt(second)
      yield* Effect.sleep("150 millis")
      const withdrawn = sent.findIndex((message) => message._tag === "Withdraw" && message.id === q2)
      assert.isAtLeast(withdrawn, 0, "the question given up is withdrawn")
      assert.deepStrictEqual(sent.slice(withdrawn).filter((message) => message._tag === "Ask" && message.id === q2), [])
      yield* Fiber.interrupt(first)
    }))
})

// The task's replica sends again, at a round, every message of notes not acknowledged: their
// acknowledgement lost, all come again at once. Each duplicate was acknowledged by a message of its
// own (up to as many as the line keeps). Failed before: five `Noted` for five duplicates.
describe("notes taken already, sent again", () => {
  it.live("a burst of duplicates is acknowledged once, not once each", () =>
    Effect.gen(function*() {
      const { delivered, messages, sent, waitHere } = yield* relayed("none|", 10_000)
      waitHere()
      const notes = numbered(messages)
      const noted = () => sent.filter((message) => message._tag === "Noted")
      for (let seq = 1; seq <= 5; seq++) yield* notes(seq)
      yield* until(() => delivered.length >= 5)
      assert.deepStrictEqual(noted(), [], "fewer than eight: acknowledged at the round")
      for (let seq = 1; seq <= 5; seq++) yield* notes(seq)
      yield* until(() => noted().length >= 1)
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(noted().map((message: any) => [message.to, message.seq]), [["z|", 5]])
      assert.deepStrictEqual(delivered, ["m1", "m2", "m3", "m4", "m5"], "none taken twice")
    }))
})

// Fails before: the replica that asked revived the failure without `unsent`, so a request held on
// the other replica for `notifications/initialized` (never sent) read "The client did not answer"
// to the task there, as a request held on the task's own replica no longer does.
describe("a task's request that failed on the replica of its wait", () => {
  it.live("fails on the task's replica as it failed there: a ClientRequestTimeout never sent says so", () =>
    Effect.gen(function*() {
      const { carrier, messages, sent } = yield* relayed("none")
      const asking = yield* Effect.forkChild(
        Effect.flip(carrier.requestRelated("elicitation/create", { message: "Who?" }, undefined, { timeoutMillis: 5_000 }))
      )
      yield* until(() => sent.some((message) => message._tag === "Ask"))
      const ask = sent.find((message) => message._tag === "Ask") as { readonly id: string }
      assert.isDefined(ask)
      const there = new ClientRequestTimeout({ method: "elicitation/create", timeoutMillis: 300, unsent: true })
      // As the other replica sends it (`errorFields`), through JSON (Redis pub/sub).
      const error = JSON.parse(JSON.stringify({ ...there, _tag: there._tag, message: there.message }))
      yield* PubSub.publish(messages, { _tag: "Failed", to: "a|", id: ask.id, error })
      const failed = (yield* Fiber.join(asking)) as ClientRequestTimeout
      assert.strictEqual(failed._tag, "ClientRequestTimeout")
      assert.strictEqual(failed.unsent, true)
      assert.strictEqual(failed.message, there.message)
    }))
})
