/**
 * `subscriptions/listen` following tasks, on the method itself: its task source (`taskSource`, as
 * the task machinery makes it) is over a PubSub of changes and a lookup this test controls, as a shared store's are (pub/sub messages that arrive,
 * or not; a store read again). The request context is the little the method reads of one. Over
 * HTTP with real stores: test/http/Listen.test.ts and test/redis/Outage.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as PubSub from "effect/PubSub"
import type { RequestContext } from "../../src/session/RequestContext.ts"
import { method } from "../../src/server/internal/listen.ts"
import { taskSource } from "../../src/server/internal/listenTasks.ts"
import type { Task } from "../../src/tasks/Task.ts"
import * as TaskStore from "../../src/tasks/TaskStore.ts"

const task = (status: Task["status"], lastUpdatedAt: number): Task => ({
  taskId: "t1",
  owner: "o",
  method: "tools/call",
  status,
  createdAt: 0,
  lastUpdatedAt,
  ttlMillis: 60_000,
  pollIntervalMillis: 1_000
} as unknown as Task)

/** The method of a server that serves tasks only, following them through `taskSource(tasks)`, as the task machinery makes it. */
const tasksOnly = (tasks: Parameters<typeof taskSource>[0]) =>
  method({
    serves: { tools: false, prompts: false, resources: false },
    onChange: () => () => {},
    onResourceUpdated: () => () => {},
    resourceExists: () => false,
    maxResourceSubscriptions: 10,
    tasks: taskSource(tasks)
  })

/**
 * A listen stream following `taskIds` of `tasks`; what it tells of them: each status, with what
 * else a change may tell in one state (its message, the keys of the inputs it waits for).
 */
const streamOf = (tasks: Parameters<typeof taskSource>[0], taskIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const told: Array<string> = []
    const listen = tasksOnly(tasks)
    const context = {
      clientRequestId: "l",
      clientCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } },
      notify: (method: string, params: { readonly status?: string; readonly statusMessage?: string; readonly inputRequests?: object }) =>
        Effect.sync(() =>
          void (method === "notifications/tasks" &&
            told.push(
              [
                params.status!,
                ...(params.statusMessage === undefined ? [] : [params.statusMessage]),
                ...(params.inputRequests === undefined ? [] : Object.keys(params.inputRequests))
              ].join(" ")
            ))
        ),
      session: { untilDraining: Effect.never }
    } as unknown as RequestContext
    const fiber = yield* Effect.forkChild(listen.handler({ notifications: { taskIds } }, context))
    return { told, fiber }
  })

/**
 * Waits until `condition` holds, bounded (2 s): what a stream does in its own fibers takes longer
 * on a loaded machine than a fixed sleep allows (a stream not yet waiting for changes 20 ms after
 * it started was seen with the whole suite running). The assertion after it says what failed.
 */
const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !condition(); i++) yield* Effect.sleep("10 millis")
  })

/** A listen stream following `t1`, stored as `initial`, once it has told the state it found; what it tells, and the reads it makes. */
const following = (initial: Task, recheckMillis?: number) =>
  Effect.gen(function*() {
    const changes = yield* PubSub.unbounded<Task>()
    const state = { stored: initial, reads: 0 }
    const { fiber, told } = yield* streamOf({
      changes,
      visible: () =>
        Effect.sync(() => {
          state.reads++
          return state.stored
        }),
      recheckMillis
    }, ["t1"])
    yield* eventually(() => told.length > 0)
    return { changes, state, told, fiber }
  })

describe("subscriptions/listen following tasks", () => {
  it.live("every change is told as it comes, also one stamped earlier (a replica whose clock is behind); none after the end", () =>
    Effect.gen(function*() {
      const { changes, fiber, told } = yield* following(task("working", 1_000))
      yield* PubSub.publish(changes, task("input_required", 1_200))
      // Cancelled on a replica 300 ms behind: stamped before the last change, still the last.
      yield* PubSub.publish(changes, task("cancelled", 900))
      // A change heard after the end is stale.
      yield* PubSub.publish(changes, task("working", 1_300))
      // Told once the stream has taken them (bounded: a loaded machine is slow), then a little
      // longer for anything told after the end.
      for (let i = 0; i < 200 && told.length < 3; i++) yield* Effect.sleep("10 millis")
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(told, ["working", "input_required", "cancelled"])
    }))

  it.live("a shared store's missed change is told by a re-read (also one of the same millisecond); the reads stop once the task has ended", () =>
    Effect.gen(function*() {
      const { fiber, state, told } = yield* following(task("working", 1_000), 30)
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(told, ["working"], "the state found, once: the same state is not told again")
      // Changed where this stream does not hear it (pub/sub lost the message), twice in one ms.
      state.stored = task("input_required", 1_000)
      yield* eventually(() => told.length >= 2)
      assert.deepStrictEqual(told, ["working", "input_required"])
      state.stored = task("completed", 1_500)
      yield* eventually(() => told.length >= 3)
      assert.deepStrictEqual(told, ["working", "input_required", "completed"])
      const reads = state.reads
      yield* Effect.sleep("150 millis")
      assert.strictEqual(state.reads, reads, "no read after the end")
      yield* Fiber.interrupt(fiber)
    }))

  // Fails before: only `lastUpdatedAt` and the status were compared: a change of the message, or of
  // the inputs waited for, in the same millisecond and status was taken for the state told.
  it.live("a change of what is told in the same millisecond and status (its message, its inputs) is told, heard or re-read", () =>
    Effect.gen(function*() {
      const { changes, fiber, state, told } = yield* following(task("working", 1_000), 30)
      // The store holds each change as it is published (a re-read finds the same).
      state.stored = { ...task("working", 1_000), statusMessage: "step 2 of 3" }
      yield* PubSub.publish(changes, state.stored)
      for (let i = 0; i < 200 && told.length < 2; i++) yield* Effect.sleep("10 millis")
      assert.deepStrictEqual(told, ["working", "working step 2 of 3"])
      // Missed by pub/sub, found by a re-read: the same millisecond, another question waited for.
      const asking = (keys: ReadonlyArray<string>): Task => ({
        ...task("input_required", 1_100),
        inputRequests: Object.fromEntries(keys.map((key) => [key, { method: "elicitation/create" }]))
      })
      state.stored = asking(["a"])
      yield* PubSub.publish(changes, state.stored)
      for (let i = 0; i < 200 && told.length < 3; i++) yield* Effect.sleep("10 millis")
      state.stored = asking(["a", "b"])
      for (let i = 0; i < 200 && told.length < 4; i++) yield* Effect.sleep("10 millis")
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(told, ["working", "working step 2 of 3", "input_required a", "input_required a b"])
    }))

  // The same with the in-memory store's own changes (its clock frozen: each change in the same
  // millisecond), not a feed of the test's making: a task asked one more question while it waits
  // is a change in one status, published by `setInputRequests` (fails before: not told).
  it.effect("a store's change in the same millisecond and status (another input waited for) is told", () =>
    Effect.gen(function*() {
      const store = yield* TaskStore.makeMemory()
      const created = yield* store.create({ owner: "o", method: "tools/call" })
      const { fiber, told } = yield* streamOf({
        changes: store.changes,
        visible: (taskId) => Effect.catchTag(store.get(taskId, "o"), "TaskNotFound", () => Effect.succeed(undefined)),
        recheckMillis: store.recheckMillis
      }, [created.taskId])
      const settled = (count: number) =>
        Effect.gen(function*() {
          for (let i = 0; i < 100 && told.length < count; i++) yield* Effect.yieldNow
          // A little longer for anything told twice.
          for (let i = 0; i < 20; i++) yield* Effect.yieldNow
        })
      yield* settled(1)
      const question = { method: "elicitation/create" }
      yield* store.setInputRequests(created.taskId, { a: question })
      yield* settled(2)
      const asked = yield* store.setInputRequests(created.taskId, { a: question, b: question })
      assert.strictEqual(asked?.lastUpdatedAt, created.lastUpdatedAt, "the same millisecond")
      yield* settled(3)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(told, ["working", "input_required a", "input_required a b"])
    }))

  it.live("without a re-read interval (a store that misses nothing) the store is read only for the acknowledgement", () =>
    Effect.gen(function*() {
      const { fiber, state } = yield* following(task("working", 1_000))
      yield* Effect.sleep("100 millis")
      assert.strictEqual(state.reads, 1)
      yield* Fiber.interrupt(fiber)
    }))
})

/**
 * How many subscriptions of `changes` have taken from it and are not left (a subscription enters
 * the PubSub's `subscribers` the first time it waits for a message, and leaves it when it is
 * unsubscribed): the server's task-change listeners.
 */
const listening = (changes: PubSub.PubSub<Task>) => changes.subscribers.size

// Fail before the fix: a stream whose tasks had all ended stayed subscribed to the server's task
// changes until its client left, its fiber woken (and doing nothing) by every change of the server.
describe("subscriptions/listen following tasks: once every task has ended", () => {
  it.live("the stream leaves the server's task changes (a task that ends while followed); it stays open", () =>
    Effect.gen(function*() {
      const { changes, fiber, told } = yield* following(task("working", 1_000))
      yield* eventually(() => listening(changes) === 1)
      assert.strictEqual(listening(changes), 1, "following a working task")
      yield* PubSub.publish(changes, task("completed", 1_100))
      yield* eventually(() => told.length >= 2 && listening(changes) === 0)
      assert.deepStrictEqual(told, ["working", "completed"])
      assert.strictEqual(listening(changes), 0, "nothing left to follow")
      for (let i = 0; i < 100; i++) yield* PubSub.publish(changes, task("working", 1_200 + i))
      yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(told, ["working", "completed"])
      assert.strictEqual(PubSub.sizeUnsafe(changes), 0, "no change kept for it")
      assert.isUndefined(fiber.pollUnsafe(), "the stream stays open")
      yield* Fiber.interrupt(fiber)
    }))

  it.live("a stream whose tasks had all ended when it started leaves at once", () =>
    Effect.gen(function*() {
      const { changes, fiber, told } = yield* following(task("failed", 1_000))
      yield* PubSub.publish(changes, task("working", 1_100))
      yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(told, ["failed"], "the end as found, and nothing after it")
      assert.strictEqual(listening(changes), 0)
      assert.isUndefined(fiber.pollUnsafe(), "the stream stays open")
      yield* Fiber.interrupt(fiber)
    }))

  it.live("a shared store's re-read that finds the last end leaves too (its fiber waiting for a change ends)", () =>
    Effect.gen(function*() {
      const { changes, fiber, state, told } = yield* following(task("working", 1_000), 20)
      yield* eventually(() => listening(changes) === 1)
      assert.strictEqual(listening(changes), 1)
      // Ended where this stream does not hear it (pub/sub lost the message): a re-read finds it.
      state.stored = task("cancelled", 1_100)
      yield* eventually(() => told.length >= 2 && listening(changes) === 0)
      assert.deepStrictEqual(told, ["working", "cancelled"])
      assert.strictEqual(listening(changes), 0)
      assert.isUndefined(fiber.pollUnsafe(), "the stream stays open")
      yield* Fiber.interrupt(fiber)
    }))
})

describe("subscriptions/listen following tasks: changes made while the stream starts", () => {
  it.live("a task that ends while the stream reads it is told ended (the change is not lost between the read and the subscription)", () =>
    Effect.gen(function*() {
      const changes = yield* PubSub.unbounded<Task>()
      const told: Array<string> = []
      const listen = tasksOnly({
        changes,
        // A store read that takes a while (a remote store): the task was working when read,
        // and its work ends (its change published) before the answer arrives.
        visible: () =>
          Effect.andThen(
            Effect.andThen(Effect.sleep("10 millis"), PubSub.publish(changes, task("completed", 1_100))),
            Effect.succeed(task("working", 1_000))
          )
      })
      const context = {
        clientRequestId: "l",
        clientCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } },
        notify: (method: string, params: { readonly status?: string }) =>
          Effect.sync(() => void (method === "notifications/tasks" && told.push(params.status!))),
        session: { untilDraining: Effect.never }
      } as unknown as RequestContext
      const fiber = yield* Effect.forkChild(listen.handler({ notifications: { taskIds: ["t1"] } }, context))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(told, ["working", "completed"])
    }))


  // The spec's notification carries a task's current state: a task that changed (or ended)
  // between its creation and the subscription was never told before (a client waiting for
  // notifications waited for ever). Told once, before later changes, in the order made.
  it.live("the state found is told first, once; of the changes heard while it was read, those it includes or that came before it are not told again, the later ones are, in order", () =>
    Effect.gen(function*() {
      const changes = yield* PubSub.unbounded<Task>()
      const told: Array<string> = []
      const listen = tasksOnly({
        changes,
        // While the read is under way: input_required (before the state read), working (the
        // state read, heard as well), then the read's answer, then a later change (heard too).
        visible: () =>
          Effect.gen(function*() {
            yield* PubSub.publish(changes, task("input_required", 1_100))
            yield* PubSub.publish(changes, task("working", 1_200))
            yield* PubSub.publish(changes, task("input_required", 1_300))
            return task("working", 1_200)
          })
      })
      const context = {
        clientRequestId: "l",
        clientCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } },
        notify: (method: string, params: { readonly status?: string }) =>
          Effect.sync(() => void (method === "notifications/tasks" ? told.push(params.status!) : told.push(method))),
        session: { untilDraining: Effect.never }
      } as unknown as RequestContext
      const fiber = yield* Effect.forkChild(listen.handler({ notifications: { taskIds: ["t1"] } }, context))
      yield* Effect.sleep("50 millis")
      yield* PubSub.publish(changes, task("input_required", 1_300)) // heard twice: told once
      yield* PubSub.publish(changes, task("completed", 1_400))
      for (let i = 0; i < 200 && told.length < 4; i++) yield* Effect.sleep("10 millis")
      yield* Effect.sleep("30 millis")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(told, ["notifications/subscriptions/acknowledged", "working", "input_required", "completed"])
    }))
})

// One task source serves every stream of the server (`tasks.listen`, made once by the task
// machinery): each stream's `subscribe` must be a subscription of its own. One shared by the
// streams (a source that subscribed once, when made) split the changes among them, each change
// told to one stream only, and the first to close left it for the others.
describe("subscriptions/listen following tasks: several streams of one server", () => {
  it.effect("each stream is told every change of the store; one whose client leaves hears no more, and the others go on to the end", () =>
    Effect.gen(function*() {
      const store = yield* TaskStore.makeMemory()
      const created = yield* store.create({ owner: "o", method: "tools/call" })
      const listen = tasksOnly({
        changes: store.changes,
        visible: (taskId) => Effect.catchTag(store.get(taskId, "o"), "TaskNotFound", () => Effect.succeed(undefined)),
        recheckMillis: store.recheckMillis
      })
      const stream = (id: string) =>
        Effect.gen(function*() {
          const told: Array<string> = []
          const context = {
            clientRequestId: id,
            clientCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } },
            notify: (method: string, params: { readonly status?: string; readonly statusMessage?: string }) =>
              Effect.sync(() =>
                void (method === "notifications/tasks" &&
                  told.push(params.statusMessage === undefined ? params.status! : `${params.status} ${params.statusMessage}`))
              ),
            session: { untilDraining: Effect.never }
          } as unknown as RequestContext
          const fiber = yield* Effect.forkChild(listen.handler({ notifications: { taskIds: [created.taskId] } }, context))
          return { told, fiber }
        })
      const a = yield* stream("a")
      const b = yield* stream("b")
      const c = yield* stream("c")
      const streams = [a, b, c]
      // Bounded: until each stream has been told `count` states, then a little longer for more.
      const settled = (count: number, of: ReadonlyArray<{ readonly told: ReadonlyArray<string> }>) =>
        Effect.gen(function*() {
          for (let i = 0; i < 200 && of.some(({ told }) => told.length < count); i++) yield* Effect.yieldNow
          for (let i = 0; i < 20; i++) yield* Effect.yieldNow
        })
      yield* settled(1, streams)
      assert.deepStrictEqual(streams.map(({ told }) => told), [["working"], ["working"], ["working"]])
      assert.strictEqual(listening(store.changes), 3, "a subscription per stream")
      yield* store.setStatus(created.taskId, "input_required", "which city?")
      yield* settled(2, streams)
      assert.deepStrictEqual(
        streams.map(({ told }) => told),
        [["working", "input_required which city?"], ["working", "input_required which city?"], ["working", "input_required which city?"]]
      )
      // b's client leaves: its subscription goes with it, the others stay.
      yield* Fiber.interrupt(b.fiber)
      assert.strictEqual(listening(store.changes), 2, "b's subscription left, a's and c's kept")
      yield* store.setStatus(created.taskId, "working", "looking it up")
      yield* store.finish(created.taskId, "completed", { _tag: "Result", result: {} })
      yield* settled(4, [a, c])
      const toEnd = ["working", "input_required which city?", "working looking it up", "completed"]
      assert.deepStrictEqual(a.told, toEnd)
      assert.deepStrictEqual(c.told, toEnd)
      assert.deepStrictEqual(b.told, ["working", "input_required which city?"], "nothing told after its client left")
      assert.strictEqual(listening(store.changes), 0, "every followed task ended: no stream listens")
      assert.isUndefined(a.fiber.pollUnsafe(), "the streams stay open")
      yield* Fiber.interrupt(a.fiber)
      yield* Fiber.interrupt(c.fiber)
    }))
})
