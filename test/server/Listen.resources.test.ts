/**
 * `subscriptions/listen` with `resourceSubscriptions`, on the method itself: which URIs it looks
 * at. Each is matched against every resource template: all those a request named were (150,000 in
 * 4 MB, a second's work with twenty templates); now only as many as a stream may follow. Over
 * HTTP: test/http/Listen.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { RequestContext } from "../../src/session/RequestContext.ts"
import { method } from "../../src/server/internal/listen.ts"

describe("subscriptions/listen resourceSubscriptions", () => {
  it.live("looks at the first distinct URIs named, as many as a stream may follow", () =>
    Effect.gen(function*() {
      const looked: Array<string> = []
      const acknowledged: Array<unknown> = []
      const listen = method({
        serves: { tools: false, prompts: false, resources: true },
        onChange: () => () => {},
        onResourceUpdated: () => () => {},
        resourceExists: (uri) => {
          looked.push(uri)
          return uri.startsWith("test://")
        },
        maxResourceSubscriptions: 3
      })
      const context = {
        clientRequestId: "l",
        clientCapabilities: {},
        notify: (method: string, params: { readonly notifications?: unknown }) =>
          Effect.sync(() => void (method === "notifications/subscriptions/acknowledged" && acknowledged.push(params.notifications))),
        session: { untilDraining: Effect.never }
      } as unknown as RequestContext
      const named = ["test://a", "test://a", "nope://b", "test://c", ...Array.from({ length: 100_000 }, (_, i) => `test://${i}`)]
      const fiber = yield* Effect.forkChild(listen.handler({ notifications: { resourceSubscriptions: named } }, context))
      yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(looked, ["test://a", "nope://b", "test://c"])
      assert.deepStrictEqual(acknowledged, [{ resourceSubscriptions: ["test://a", "test://c"] }])
      yield* Fiber.interrupt(fiber)
    }))
})

describe("subscriptions/listen resource updates", () => {
  it.live("an update is looked up once for every stream: each stream that follows it is told with the URI it follows, by the resource it names or as written", () =>
    Effect.gen(function*() {
      // The resource a URI names: its lower-cased form, until the templates change (then nothing known).
      let names = true
      let lookups = 0
      const listeners = new Set<(uri: string) => void>()
      let mostListeners = 0
      const listen = method({
        serves: { tools: false, prompts: false, resources: true },
        onChange: () => () => {},
        onResourceUpdated: (listener) => {
          listeners.add(listener)
          mostListeners = Math.max(mostListeners, listeners.size)
          return () => void listeners.delete(listener)
        },
        resourceExists: () => true,
        resourceIdentity: (uri) => {
          lookups++
          return names ? uri.toLowerCase() : `unknown:${uri}`
        },
        maxResourceSubscriptions: 10
      })
      const update = (uri: string) => {
        for (const listener of [...listeners]) listener(uri)
      }
      const told = new Map<string, Array<string>>()
      let acknowledged = 0
      const open = (id: string, resourceSubscriptions: Array<string>) => {
        const mine: Array<string> = []
        told.set(id, mine)
        const context = {
          clientRequestId: id,
          clientCapabilities: {},
          notify: (method: string, params: { readonly uri?: string }) =>
            Effect.sync(() => {
              if (method === "notifications/resources/updated") mine.push(params.uri!)
              // Sent once the stream follows its resources.
              if (method === "notifications/subscriptions/acknowledged") acknowledged++
            }),
          session: { untilDraining: Effect.never }
        } as unknown as RequestContext
        return Effect.forkChild(listen.handler({ notifications: { resourceSubscriptions } }, context))
      }
      // What the streams were told, once each has been told `counts` (at most 2 s), not after a fixed wait.
      const toldOnce = (counts: Record<string, number>) =>
        Effect.gen(function*() {
          for (let i = 0; i < 400 && Object.entries(counts).some(([id, n]) => told.get(id)!.length < n); i++) {
            yield* Effect.sleep("5 millis")
          }
          return Object.fromEntries(told)
        })
      const a = yield* open("a", ["test://X"])
      const b = yield* open("b", ["test://x", "test://y"])
      const c = yield* open("c", ["test://other"])
      for (let i = 0; i < 400 && acknowledged < 3; i++) yield* Effect.sleep("5 millis")
      assert.strictEqual(acknowledged, 3)
      assert.strictEqual(mostListeners, 1)
      lookups = 0
      update("test://x")
      update("test://Y")
      assert.strictEqual(lookups, 2)
      // The templates changed: an update names nothing followed, and is told as written.
      names = false
      update("test://X")
      update("test://nobody")
      assert.strictEqual(lookups, 4)
      assert.deepStrictEqual(yield* toldOnce({ a: 2, b: 2 }), {
        a: ["test://X", "test://X"],
        b: ["test://x", "test://y"],
        c: []
      })
      yield* Fiber.interrupt(a)
      names = true
      update("test://x")
      const after = yield* toldOnce({ b: 3 })
      assert.deepStrictEqual(after["a"], ["test://X", "test://X"])
      assert.deepStrictEqual(after["b"], ["test://x", "test://y", "test://x"])
      yield* Fiber.interrupt(b)
      yield* Fiber.interrupt(c)
      assert.strictEqual(listeners.size, 0)
    }))
})

describe("subscriptions/listen list changes", () => {
  it.live("a list change waiting when the queue overflows (its oldest entries dropped) is told again at the next change, not lost", () =>
    Effect.gen(function*() {
      let change: (kind: "tool") => void = () => {}
      let update = undefined as ((uri: string) => void) | undefined
      const listen = method({
        serves: { tools: true, prompts: false, resources: true },
        onChange: (listener) => {
          change = listener
          return () => {}
        },
        onResourceUpdated: (listener) => {
          update = listener
          return () => {}
        },
        resourceExists: () => true,
        maxResourceSubscriptions: 10
      })
      const told: Array<string> = []
      // The client reads nothing until `open`: what the stream sends waits in its queue.
      let open = false
      const read = (method: string): Effect.Effect<void> =>
        Effect.suspend(() => open ? Effect.sync(() => void told.push(method)) : Effect.andThen(Effect.sleep("5 millis"), read(method)))
      const context = {
        clientRequestId: "l",
        clientCapabilities: {},
        notify: (method: string) => method === "notifications/subscriptions/acknowledged" ? Effect.void : read(method),
        session: { untilDraining: Effect.never }
      } as unknown as RequestContext
      const fiber = yield* Effect.forkChild(
        listen.handler({ notifications: { toolsListChanged: true, resourceSubscriptions: ["test://r"] } }, context)
      )
      // Bounded waits (by count and time), not fixed ones: on a loaded machine the stream took more
      // than 300 ms to tell its 1,024 entries (none told yet: "expected 0 to equal 1").
      // Once the stream listens (its resource listener is registered after the list one).
      for (let i = 0; i < 200 && update === undefined; i++) yield* Effect.sleep("10 millis")
      const updated = update ?? (() => {})
      updated("test://r") // taken by the stream, which waits for the client with it
      yield* Effect.sleep("20 millis")
      change("tool") // waits in the queue, first
      for (let i = 0; i < 1_100; i++) updated("test://r") // push it out of the queue (1,024 entries)
      change("tool")
      open = true
      // Until the list change is told and the stream has told all it holds (nothing more for 50 ms).
      for (let i = 0; i < 500 && !told.includes("notifications/tools/list_changed"); i++) yield* Effect.sleep("10 millis")
      for (let i = 0, before = -1; i < 100 && told.length !== before; i++) {
        before = told.length
        yield* Effect.sleep("50 millis")
      }
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(told.filter((method) => method === "notifications/tools/list_changed").length, 1)
      assert.strictEqual(told.at(-1), "notifications/tools/list_changed")
    }))
})
