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
import * as PubSub from "effect/PubSub"
import * as TaskRelay from "../../src/server/internal/taskRelay.ts"
import type { ServerSession } from "../../src/session/ServerSession.ts"
import type { RelayMessage, TaskRelay as Relay } from "../../src/tasks/TaskStore.ts"

const note = (data: string) => ({ level: "info", data })

/** A relay whose messages to `held` wait until released; the relayer over it, task "t" running here, its wait on "b|". */
const relayed = (held: string) =>
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
        return "to" in message && message.to === held ? Effect.andThen(Deferred.await(released), record) : record
      },
      messages
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
      runFork: (effect) => Effect.runFork(effect)
    }))!
    yield* relayer.lookUp("t")
    const carrier = relayer.carrierOf("t") as unknown as {
      readonly notifyRelated: (method: string, params: { readonly [key: string]: unknown }) => Effect.Effect<void>
    }
    assert.isDefined(carrier)
    const notes = (to: string) =>
      sent.flatMap((message) => message._tag === "Notes" && message.to === to ? message.notes.map((n) => n.params?.data) : [])
    return {
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

/** Waits until `done` holds (every 10 ms, at most 2 s). */
const until = (done: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !done(); i++) yield* Effect.sleep("10 millis")
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
