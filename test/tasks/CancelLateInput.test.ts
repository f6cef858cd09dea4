/**
 * A task whose owner's session closed while the task was being created (the store's answer arriving
 * after the session's tasks were cancelled: `TaskSupervisor.cancelLate`), whose work asks the client
 * at once in an uninterruptible region: the ask ends with `SessionClosed` (`reason: "taskCancelled"`)
 * as soon as the task is cancelled, as for every other cancel. It waited for ever (a 2026-07-28
 * input, listed for a `tasks/update` no client sends a cancelled task). The race is made
 * deterministic by a store whose `create` waits for the test, and whose `cancel` waits for the
 * work to have asked. The session's close is given 100 ms to land before the creation does; the
 * test asserts that it did (the late path taken), rather than passing without testing it on a busy
 * machine: the supervisor's late cancel runs in the fiber that created the task, at once after the
 * store's `create` answered, while the session's close cancels from a fiber of its own. The store
 * records which fiber created the task and which cancelled it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { askUntilReleased, connectModern, withTasks } from "../extensions/support.ts"

/**
 * One try: the session's close given `closeMillis` to land before the creation does. What ended the
 * task's ask, which fibers created and cancelled the task, whether the session closed.
 */
const attempt = (closeMillis: number) =>
  Effect.scoped(Effect.gen(function*() {
    const entered = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    const asked = yield* Deferred.make<void>()
    const cancelling = yield* Deferred.make<void>()
    const outcome = yield* Deferred.make<string>()
    // The fibers that created and cancelled the task (the same one: the late path).
    let createdBy: number | undefined
    let cancelledBy: number | undefined
    // Lets a work that still waits go as the test ends (else the server's scope waits for it).
    const release = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
    const Gated = Layer.effect(
      TaskStore,
      Effect.map(makeMemory(), (memory) =>
        TaskStore.of({
          ...memory,
          create: (input) =>
            Effect.andThen(
              Deferred.succeed(entered, undefined),
              Effect.andThen(
                Deferred.await(gate),
                Effect.tap(memory.create(input), () => Effect.map(Effect.fiberId, (id) => void (createdBy = id)))
              )
            ),
          setInputRequests: (taskId, inputs) =>
            Effect.tap(memory.setInputRequests(taskId, inputs), () =>
              Object.keys(inputs).length > 0 ? Deferred.succeed(asked, undefined) : Effect.void),
          // The cancel lands once the work asked (a store's round trip, during which it did).
          cancel: (taskId, owner) =>
            Effect.andThen(
              Effect.map(Effect.fiberId, (id) => void (cancelledBy ??= id)),
              Effect.andThen(Deferred.succeed(cancelling, undefined), Effect.andThen(Deferred.await(asked), memory.cancel(taskId, owner)))
            )
        }))
    )
    const Asks = McpServer.tool({
      name: "asks",
      execution: { taskSupport: "optional" },
      handler: () =>
        Effect.uninterruptible(Effect.gen(function*() {
          // Asks once its task (promoted by the timer) exists and is being cancelled late.
          yield* Deferred.await(cancelling)
          const ended = yield* askUntilReleased(release)
          yield* Deferred.succeed(outcome, ended)
          return ended
        }))
    })
    const server = Context.get(
      yield* Layer.build(Layer.provideMerge(
        Asks,
        Layer.provideMerge(
          McpServer.McpServer.layer({ name: "late", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 0 }) }),
          Gated
        )
      )),
      McpServer.McpServer
    )
    // The session, closed (in a fiber of its own: its close waits for the call) while the creation is under way.
    const session = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
      const client = yield* connectModern(server)
      void client.request("tools/call", { name: "asks", arguments: {} }, withTasks({ elicitation: {} })).catch(() => undefined)
      yield* Deferred.await(entered)
    })))
    yield* Deferred.await(entered)
    // The session's close (its tasks cancelled, none yet) runs meanwhile; then the creation lands.
    yield* Effect.sleep(closeMillis)
    yield* Deferred.succeed(gate, undefined)
    const ended = yield* Deferred.await(outcome).pipe(Effect.timeoutOption("5 seconds"))
    const closed = yield* Fiber.join(session).pipe(Effect.timeoutOption("5 seconds"))
    return { ended, createdBy, cancelledBy, closed }
  }))

describe("a task cancelled as it lands for an owner that went", () => {
  it.live("2026-07-28: an input its work waits for is given up at once (SessionClosed, taskCancelled)", () =>
    Effect.gen(function*() {
      // The late path needs the session's close to land first: a busy machine can make it land
      // after 100 ms, so up to three tries, each giving it longer (bounded: 100 ms, 500 ms, 2 s).
      let outcome = yield* attempt(100)
      for (const closeMillis of [500, 2_000]) {
        if (outcome.createdBy !== undefined && outcome.cancelledBy === outcome.createdBy) break
        outcome = yield* attempt(closeMillis)
      }
      const { ended, createdBy, cancelledBy, closed } = outcome
      // Fails before: the late cancel interrupted the work but did not give its input up: still waiting.
      assert.deepStrictEqual(ended._tag === "Some" ? ended.value : "still waiting", "SessionClosed:taskCancelled")
      // The late path was what ended it: the supervisor's cancel as the creation landed, not the
      // session's close after it (which a busy machine makes, the close landing late).
      assert.isDefined(createdBy, "the task was not created")
      assert.strictEqual(
        cancelledBy,
        createdBy,
        "the late path (TaskSupervisor.cancelLate, in the creating fiber) was not taken: the session's close landed after the creation"
      )
      assert.strictEqual(closed._tag, "Some", "the session did not close")
    }), 60_000)
})
