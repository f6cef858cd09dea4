/**
 * A session that closes while one of its tasks is being created (the store's answer arrives after
 * the session's tasks were cancelled): the task is cancelled and removed at once, its work
 * interrupted; it did not run until its TTL. A handler's own `becomeTask` under way as its session
 * closes ends with no task, and the close does not hang. The race is made deterministic by a store
 * whose `create` waits for the test to let it through.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpContext, McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { connectModern, withTasks } from "../extensions/support.ts"
import { sleep } from "./support.ts"

describe("a session closing while its task is created", () => {
  it.live("2026-07-28: a timer promotion landing after the session closed is cancelled and removed at once", () =>
    Effect.gen(function*() {
      const entered = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      let store: TaskStore["Service"] | undefined
      const removals: Array<string> = []
      // A store whose creation waits for the gate (as a slow shared store's may), once entered;
      // its removals are counted.
      const Gated = Layer.effect(
        TaskStore,
        Effect.map(makeMemory(), (memory) => {
          store = memory
          return TaskStore.of({
            ...memory,
            create: (input) => Effect.andThen(Deferred.succeed(entered, undefined), Effect.andThen(Deferred.await(gate), memory.create(input))),
            removeOwnedBy: (owner) => {
              removals.push(owner)
              return memory.removeOwnedBy!(owner)
            }
          })
        })
      )
      let sessionId = ""
      const Session = McpServer.tool({ name: "session", handler: () => McpContext.sessionId })
      let started = 0
      let interrupted = 0
      const Forever = McpServer.tool({
        name: "forever",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.andThen(
            Effect.sync(() => started++),
            Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++)))
          )
      })
      const server = Context.get(
        yield* Layer.build(Layer.provideMerge(
          Layer.merge(Forever, Session),
          Layer.provideMerge(
            McpServer.McpServer.layer({ name: "race", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 0 }) }),
            Gated
          )
        )),
        McpServer.McpServer
      )
      yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* connectModern(server)
        sessionId = yield* Effect.promise(() => client.request("tools/call", { name: "session", arguments: {} })).pipe(
          Effect.map((answer) => answer.result.content[0].text as string)
        )
        void client.request("tools/call", { name: "forever", arguments: {} }, withTasks()).catch(() => undefined)
        yield* Deferred.await(entered)
      }))
      // The session is closed (its tasks cancelled, none yet); the creation lands now.
      yield* Effect.promise(() => sleep(50))
      yield* Deferred.succeed(gate, undefined)
      const size = yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && Effect.runSync(store!.size) !== 0; i++) await sleep(10)
        return Effect.runSync(store!.size)
      })
      assert.strictEqual(started, 1)
      assert.strictEqual(interrupted, 1)
      assert.strictEqual(size, 0)
      // The session's owner key, added as the creation landed, was taken out again (with the removal).
      assert.deepStrictEqual(removals, ["2026|session:" + sessionId])
    }))
  it.live("2026-07-28: a becomeTask whose creation is under way as the session closes: nothing hangs, nothing stays", () =>
    Effect.gen(function*() {
      const entered = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      let store: TaskStore["Service"] | undefined
      const Gated = Layer.effect(
        TaskStore,
        Effect.map(makeMemory(), (memory) => {
          store = memory
          return TaskStore.of({
            ...memory,
            create: (input) => Effect.andThen(Deferred.succeed(entered, undefined), Effect.andThen(Deferred.await(gate), memory.create(input)))
          })
        })
      )
      let after = 0
      const Becomes = McpServer.tool({
        name: "becomes",
        execution: { taskSupport: "optional" },
        handler: () => Effect.andThen(McpContext.becomeTask, Effect.sync(() => `after ${++after}`))
      })
      const server = Context.get(
        yield* Layer.build(Layer.provideMerge(
          Becomes,
          Layer.provideMerge(
            McpServer.McpServer.layer({ name: "race", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 60_000 }) }),
            Gated
          )
        )),
        McpServer.McpServer
      )
      const closed = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* connectModern(server)
        void client.request("tools/call", { name: "becomes", arguments: {} }, withTasks()).catch(() => undefined)
        yield* Deferred.await(entered)
        // The store answers a little after the session closed.
        yield* Effect.forkDetach(Effect.andThen(Effect.sleep(100), Deferred.succeed(gate, undefined)))
      })).pipe(Effect.timeoutOption("5 seconds"))
      assert.strictEqual(closed._tag, "Some", "the session did not close")
      yield* Effect.promise(() => sleep(100))
      assert.strictEqual(Effect.runSync(store!.size), 0)
      assert.strictEqual(after, 0)
    }))
})
