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
