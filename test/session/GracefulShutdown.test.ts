/**
 * The shutdown state of `GracefulShutdown.make`: `onRequest` listeners hear the request once
 * (at once when it was already made), and a removed listener hears nothing; what marks the
 * program serving (a signal under `runMain` before that is an interruption: exit 130/143).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InMemory, McpServer } from "../../src/index.ts"
import * as GracefulShutdown from "../../src/session/GracefulShutdown.ts"
import { recorder } from "../support/recorder.ts"

describe("GracefulShutdown.make", () => {
  it("onRequest: called once when a shutdown is requested, not before, not again", () => {
    const state = GracefulShutdown.make()
    const heard: Array<string> = []
    state.onRequest(() => heard.push("a"))
    state.onRequest(() => heard.push("b"))
    assert.deepStrictEqual(heard, [])
    state.request()
    state.request()
    assert.deepStrictEqual(heard, ["a", "b"])
    assert.isTrue(state.isRequested())
  })

  it("onRequest after the request: called at once", () => {
    const state = GracefulShutdown.make()
    state.request()
    let heard = 0
    state.onRequest(() => heard++)
    assert.strictEqual(heard, 1)
  })

  it("a removed listener is not called; the others are", () => {
    const state = GracefulShutdown.make()
    const heard: Array<string> = []
    const remove = state.onRequest(() => heard.push("removed"))
    state.onRequest(() => heard.push("kept"))
    remove()
    state.request()
    assert.deepStrictEqual(heard, ["kept"])
  })
})

describe("GracefulShutdown: whether the program serves", () => {
  it("not at first; a hold (a transport that drains) marks it, for good", () => {
    const state = GracefulShutdown.make()
    assert.isFalse(state.isServing())
    const release = state.hold()
    assert.isTrue(state.isServing())
    release()
    assert.isTrue(state.isServing())
  })

  // A transport of one's own that does not hold the process (the in-memory one here): its session
  // still marks the program serving once its connection is open, so a signal under `runMain` then
  // drains it (exit 0), as before, and is not taken for the interruption of a server that never ran.
  it.live("a session over a connection that does not hold marks the program serving once it is open", () =>
    Effect.gen(function*() {
      const state = GracefulShutdown.make()
      const pair = InMemory.makePair()
      const { record, waitFor } = recorder()
      pair.client.onmessage = record
      yield* Effect.forkScoped(
        McpServer.serve({ name: "serving", version: "1.0.0" }, Layer.empty, pair.server).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, state)
        )
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
      yield* Effect.promise(async () => {
        await pair.client.send({ jsonrpc: "2.0", id: "p", method: "ping" } as never)
        await waitFor((m) => m.id === "p")
      })
      assert.isTrue(state.isServing())
    }))

  // Fails before the fix: only a pulled connection (`run`) and holding marked it; a push
  // connection of one's own (the shape HTTP sessions use) left the program "not serving", and a
  // SIGTERM under `runMain` then exited 143 instead of draining.
  it.live("a session over a push connection of one's own marks the program serving once it is attached", () =>
    Effect.gen(function*() {
      const state = GracefulShutdown.make()
      let attached = false
      const transport = {
        open: Effect.succeed({
          attach: () => {
            attached = true
          },
          write: () => Effect.void
        })
      }
      yield* Effect.forkScoped(
        McpServer.serve({ name: "push", version: "1.0.0" }, Layer.empty, transport).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, state)
        )
      )
      for (let i = 0; i < 100 && !attached; i++) yield* Effect.sleep(10)
      assert.isTrue(attached)
      assert.isTrue(state.isServing())
    }))

  // Fails before the fix: a listener of one's own that holds nothing (no session accepted yet)
  // was never marked serving once built.
  it.live("a listener of one's own marks the program serving once it is built", () =>
    Effect.gen(function*() {
      const state = GracefulShutdown.make()
      let built = false
      const listener = {
        listen: () =>
          Layer.effectDiscard(Effect.sync(() => {
            built = true
          }))
      }
      yield* Effect.forkScoped(
        McpServer.serve({ name: "listener", version: "1.0.0" }, Layer.empty, listener).pipe(
          Effect.provideService(GracefulShutdown.GracefulShutdown, state)
        )
      )
      for (let i = 0; i < 100 && !(built && state.isServing()); i++) yield* Effect.sleep(10)
      assert.isTrue(built)
      assert.isTrue(state.isServing())
    }))
})
