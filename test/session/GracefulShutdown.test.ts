/**
 * The shutdown state of `GracefulShutdown.make`: `onRequest` listeners hear the request once
 * (at once when it was already made), and a removed listener hears nothing.
 */
import { assert, describe, it } from "@effect/vitest"
import * as GracefulShutdown from "../../src/session/GracefulShutdown.ts"

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
