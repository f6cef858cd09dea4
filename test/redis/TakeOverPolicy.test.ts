/**
 * A 2026-07-28 task taken over from a replica that stopped runs under the same policies as one
 * made on its replica: the extension's spawn policy (cancelled from another replica, the input its
 * work waits for in an uninterruptible region is given up, `SessionClosed` with `reason:
 * "taskCancelled"`), and the `Retry`s of the stack, nested as around the call (two stacked: each
 * attempt of the outer runs the inner). Two replicas in this process on the test Redis, one prefix
 * and a short lease: the first is stopped (its scope closed: a graceful stop hands its lease back),
 * the second takes the task over at its next claim.
 */
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { McpContext, McpError, McpServer } from "../../src/index.ts"
import { Authorization, Middleware, Retry, SizeLimit } from "../../src/middleware/index.ts"
import { RedisTaskStore } from "../../src/redis.ts"
import { TaskStore } from "../../src/tasks/TaskStore.ts"
import { McpTestClient } from "../../src/testing.ts"
import { askUntilReleased } from "../extensions/support.ts"
import { redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

/** Every request is Ada's (the tasks' owner), on any replica. */
const AsAda = Authorization.layer({ rules: {}, unauthenticated: { principal: { subject: "ada", scopes: [], claims: {} } } })

const capabilities = { elicitation: { form: {} }, extensions: { "io.modelcontextprotocol/tasks": {} } }

/**
 * Replicas of one server on the test Redis under one prefix (a fresh one unless given), a 600 ms
 * lease: each with its own store (its own Redis client) and scope, given `components`, its client
 * declaring `declared`.
 */
const replicas = (components: Layer.Layer<never, never, McpServer.McpServer>, prefix = uniquePrefix(), declared: object = capabilities) =>
  Effect.gen(function*() {
    const { url } = yield* TestRedis
    return (scope: Scope.Scope) =>
      Effect.gen(function*() {
        const stores = yield* Layer.build(RedisTaskStore.layer({ prefix }).pipe(Layer.provide(redisClient(url)), Layer.orDie))
        return yield* McpTestClient.make(Layer.mergeAll(components, AsAda), {
          server: { name: "replica", version: "1", tasks: McpServer.tasks({ leaseMillis: 600 }) },
          protocolVersion: "2026-07-28",
          capabilities: declared,
          timeoutMillis: 10_000
        }).pipe(Effect.provideContext(stores))
      }).pipe(Scope.provide(scope))
  })

/** Polls `tasks/get` (every 50 ms, at most 200 times) until `until` holds; the last task seen. */
const pollUntil = (client: McpTestClient.McpTestClient, taskId: string, until: (task: any) => boolean) =>
  Effect.gen(function*() {
    let task: any
    for (let i = 0; i < 200; i++) {
      task = yield* client.request("tasks/get", { taskId })
      if (until(task)) break
      yield* Effect.sleep("50 millis")
    }
    return task
  })

layer(TestRedis.layer, { excludeTestServices: true })("a 2026-07-28 task taken over from a replica that stopped", (it) => {
  /**
   * A task taken over by b whose run asks in a region nothing interrupts, cancelled `through` b
   * itself or another replica (started then: the task is b's, it claims nothing): how its ask ended.
   */
  const cancelledWhileAsking = (through: "itsReplica" | "another") => {
    // Lets a work that still waits go as the test ends (else its replica's scope waits for it).
    const release = Deferred.makeUnsafe<void>()
    return Effect.gen(function*() {
      let runs = 0
      const outcome = yield* Deferred.make<string>()
      const Confirm = McpServer.tool({
        name: "confirm",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.gen(function*() {
            // The first run (on the replica that stops) waits until it is stopped.
            if (++runs === 1) return yield* Effect.never
            // The run that took the task over asks, in a region nothing interrupts.
            return yield* Effect.uninterruptible(Effect.gen(function*() {
              const ended = yield* askUntilReleased(release)
              yield* Deferred.succeed(outcome, ended)
              return ended
            }))
          })
      })
      const replica = yield* replicas(Confirm)
      const scopeA = yield* Scope.make()
      const a = yield* replica(scopeA)
      const b = yield* replica(yield* Effect.scope)
      const { taskId } = yield* a.callToolAsTask("confirm")
      yield* Scope.close(scopeA, Exit.void)
      // Taken over by b, its run asks.
      const waiting = yield* pollUntil(b, taskId, (task) => task?.status === "input_required")
      assert.strictEqual(waiting?.status, "input_required", JSON.stringify(waiting))
      assert.strictEqual(runs, 2)
      const canceller = through === "itsReplica" ? b : yield* replica(yield* Effect.scope)
      const cancelled = yield* canceller.request("tasks/cancel", { taskId })
      assert.strictEqual(cancelled.resultType, "complete", JSON.stringify(cancelled))
      const ended = yield* Deferred.await(outcome).pipe(Effect.timeoutOption("5 seconds"))
      const task = yield* b.request("tasks/get", { taskId })
      assert.strictEqual(task.status, "cancelled", JSON.stringify(task))
      return ended._tag === "Some" ? ended.value : "still waiting"
    }).pipe(Effect.ensuring(Deferred.succeed(release, undefined)), Effect.scoped)
  }

  // Fails before: the task was taken over with no spawn policy, so no `onStopped`: cancelled through
  // another replica, its work (interrupted, running on) still waited for the input: no outcome within 5 s.
  it.effect("cancelled through another replica: the input its work waits for is given up (SessionClosed, taskCancelled)", () =>
    Effect.map(
      cancelledWhileAsking("another"),
      (ended) => assert.strictEqual(ended, "SessionClosed:taskCancelled")
    ), 30_000)

  // The `tasks/cancel` handler gave the inputs up itself until 6653bc3e (its `abandon`, for a task
  // taken over with no spawn policy); the supervisor's `onStopped` alone does now. Fails with the
  // take-over's policy left out (src/server/internal/tasks.ts `resume`): still waiting after 5 s.
  it.effect("cancelled on the replica running it: the input its work waits for is given up (SessionClosed, taskCancelled)", () =>
    Effect.map(
      cancelledWhileAsking("itsReplica"),
      (ended) => assert.strictEqual(ended, "SessionClosed:taskCancelled")
    ), 30_000)

  /**
   * A task taken over by b, whose runs there fail with `failures` (tags, one a run), then succeed,
   * under a `Retry` (1 retry, 5 ms apart) for each tag of `retrying`, outermost first: how it ended,
   * and how many runs b made.
   */
  const retriedTakenOver = (
    failures: ReadonlyArray<"Busy" | "Flaky">,
    retrying: ReadonlyArray<"Busy" | "Flaky">,
    wrap: (retry: Middleware.Middleware) => Middleware.Middleware = (retry) => retry
  ) =>
    Effect.gen(function*() {
      class Busy extends Schema.TaggedError<Busy>()("Busy", { run: Schema.Number }) {}
      class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { run: Schema.Number }) {}
      let runs = 0
      /** The runs of the replica that took the task over. */
      let takenOverRuns = 0
      const Tool = McpServer.tool({
        name: "flaky",
        execution: { taskSupport: "optional" },
        failure: Schema.Union([Busy, Flaky]),
        handler: () =>
          Effect.suspend(() => {
            // The first run (on the replica that stops) waits until it is stopped.
            if (++runs === 1) return Effect.never
            const run = ++takenOverRuns
            const tag = failures[run - 1]
            if (tag === undefined) return Effect.succeed(`done at run ${run}`)
            return Effect.fail(tag === "Busy" ? new Busy({ run }) : new Flaky({ run }))
          })
      })
      const retries = retrying.map((tag) =>
        wrap(Retry.middleware({ schedule: Schedule.spaced("5 millis").pipe(Schedule.upTo({ times: 1 })), retryable: Retry.byTag(tag) }))
      )
      const replica = yield* replicas(Layer.merge(Tool, McpServer.middleware(...retries)))
      const scopeA = yield* Scope.make()
      const a = yield* replica(scopeA)
      const b = yield* replica(yield* Effect.scope)
      const { taskId } = yield* a.callToolAsTask("flaky")
      yield* Scope.close(scopeA, Exit.void)
      const ended = yield* pollUntil(b, taskId, (task) => task?.status === "completed" || task?.status === "failed" || task?.status === "cancelled")
      return { ended, takenOverRuns }
    }).pipe(Effect.scoped)

  // Fails before: the run that took the task over was the handler alone, under neither policy: it
  // ran once, and its first (retryable) failure ended the task.
  it.effect("under two stacked Retry (1 retry each): its work is retried, nested, as around the call (4 runs)", () =>
    Effect.gen(function*() {
      // Busy three times, then done: done only at the fourth run, (1 + 1) × (1 + 1).
      const { ended, takenOverRuns } = yield* retriedTakenOver(["Busy", "Busy", "Busy"], ["Busy", "Busy"])
      assert.strictEqual(ended?.status, "completed", JSON.stringify(ended))
      assert.deepStrictEqual(ended.result?.content, [{ type: "text", text: "done at run 4" }], JSON.stringify(ended))
      assert.strictEqual(takenOverRuns, 4)
    }), 30_000)

  // Two equal policies nest the same either way round; these two tell the order. Outer (Busy)
  // around inner (Flaky), as around a call: Flaky retried by the inner, Busy passes it to the outer,
  // which runs the inner anew: Flaky retried again, done at run 4. Nested the other way round (Flaky
  // outermost), the last Flaky found both retries spent: 3 runs, ended by the Flaky failure.
  it.effect("under two stacked Retry of different failures: the outer one's policy around the inner one's, as around the call", () =>
    Effect.gen(function*() {
      const { ended, takenOverRuns } = yield* retriedTakenOver(["Flaky", "Busy", "Flaky"], ["Busy", "Flaky"])
      assert.deepStrictEqual(ended.result?.content, [{ type: "text", text: "done at run 4" }], JSON.stringify(ended))
      assert.strictEqual(takenOverRuns, 4)
    }), 30_000)

  // Fails before: the wrapper's spread kept Retry's policy (its symbol), so the take-over ran the
  // work under the whole policy (retried: completed at run 2) while a call made through the
  // wrapper, which never runs Retry's onRequest, is not retried at all.
  it.effect("under a wrapper that spreads Retry but narrows its onRequest (to no request): its work is not retried, as around the call", () =>
    Effect.gen(function*() {
      const { ended, takenOverRuns } = yield* retriedTakenOver(
        ["Busy"],
        ["Busy"],
        (retry) => Middleware.make("narrowed-retry", { ...retry, onRequest: (request, _context, next) => next(request) })
      )
      assert.strictEqual(ended?.status, "completed", JSON.stringify(ended))
      assert.strictEqual(ended.result?.isError, true, JSON.stringify(ended))
      assert.strictEqual(takenOverRuns, 1)
    }), 30_000)

  // A spread that keeps Retry's own onRequest (renamed, `{ ...retry, name }`) keeps the policy.
  it.effect("under Retry spread with its own onRequest (renamed): its work is retried (2 runs)", () =>
    Effect.gen(function*() {
      const { ended, takenOverRuns } = yield* retriedTakenOver(["Busy"], ["Busy"], (retry) => ({ ...retry, name: "renamed-retry" }))
      assert.deepStrictEqual(ended.result?.content, [{ type: "text", text: "done at run 2" }], JSON.stringify(ended))
      assert.strictEqual(takenOverRuns, 2)
    }), 30_000)

  /**
   * Under `middleware`: a task of a tool answering 2,000 bytes (past the promotion), taken over by b
   * from a, which stopped, then one made on b; both completed, the tool run 3 times. What each
   * recorded, read from Redis (the store's own view, not tasks/get's): its text as `read` gives it
   * (the one made on b first), or its outcome as JSON when it is no result.
   */
  const recordedTakenOver = (middleware: Middleware.Middleware, read: (text: string) => unknown) =>
    Effect.gen(function*() {
      let runs = 0
      const Large = McpServer.tool({
        name: "large",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.suspend(() => {
            // The first run (on the replica that stops) waits until it is stopped; the others,
            // the take-over's and the call made on b, answer past the promotion (100 ms): a task each.
            if (++runs === 1) return Effect.never
            return Effect.as(Effect.sleep("200 millis"), "x".repeat(2_000))
          })
      })
      const prefix = uniquePrefix()
      const replica = yield* replicas(Layer.merge(Large, McpServer.middleware(middleware)), prefix)
      const scopeA = yield* Scope.make()
      const a = yield* replica(scopeA)
      const b = yield* replica(yield* Effect.scope)
      const takenOver = yield* a.callToolAsTask("large")
      yield* Scope.close(scopeA, Exit.void)
      const made = yield* b.callToolAsTask("large")
      const ended = (task: any) => task?.status === "completed" || task?.status === "failed" || task?.status === "cancelled"
      for (const taskId of [made.taskId, takenOver.taskId]) {
        const task = yield* pollUntil(b, taskId, ended)
        assert.strictEqual(task?.status, "completed", JSON.stringify(task))
      }
      assert.strictEqual(runs, 3)
      const { url } = yield* TestRedis
      const store = Context.get(yield* Layer.build(RedisTaskStore.layer({ prefix }).pipe(Layer.provide(redisClient(url)), Layer.orDie)), TaskStore)
      return yield* Effect.forEach([made.taskId, takenOver.taskId], (taskId) =>
        Effect.map(store.get(taskId, "2026|principal:ada"), (task) => {
          const outcome = task.outcome
          const text = outcome?._tag === "Result" ? (outcome.result as any).content?.[0]?.text : undefined
          return typeof text === "string" ? read(text) : JSON.stringify(outcome)
        }))
    }).pipe(Effect.scoped)

  // Fails before: the run that took the task over was not measured as it ended (SizeLimit did not
  // see its request): its result was recorded whole (in Redis, and so carried whole by the
  // notifications of a client following the task by listen), replaced only as tasks/get sent it.
  it.effect("under SizeLimit: its result over the limit is recorded replaced, as a task's made on that replica is", () =>
    Effect.gen(function*() {
      const recorded = yield* recordedTakenOver(SizeLimit.middleware({ maxBytes: 1_000 }), (text) => text.replace(/\d+ bytes/, "N bytes").slice(0, 60))
      // The size said differs by the server's identity (`_meta`), which the call made on b was sent with.
      assert.deepStrictEqual(recorded, ["Tool result too large: N bytes (limit 1000)", "Tool result too large: N bytes (limit 1000)"], JSON.stringify(recorded))
    }), 30_000)

  // Fails before: the wrapper's spread kept SizeLimit's mapping (its symbol), so the take-over's
  // result was recorded replaced ("Tool result too large") while a call made through the wrapper,
  // which never runs SizeLimit's onRequest, records its result whole.
  it.effect("under a wrapper that spreads SizeLimit but narrows its onRequest (to no request): its result is recorded whole, as a call's through it", () =>
    Effect.gen(function*() {
      const limit = SizeLimit.middleware({ maxBytes: 1_000 })
      const narrowed = Middleware.make("narrowed-size-limit", { ...limit, onRequest: (request, _context, next) => next(request) })
      const recorded = yield* recordedTakenOver(narrowed, (text) => text.length)
      assert.deepStrictEqual(recorded, [2_000, 2_000], JSON.stringify(recorded))
    }), 30_000)
})

layer(TestRedis.layer, { excludeTestServices: true })("a 2026-07-28 task taken over whose run requires a URL elicitation", (it) => {
  // Fails before: the run that took the task over was the handler alone, without the policy of a
  // task's URL elicitations (taskExtension's urlsAsked): its UrlElicitationRequired ended the task
  // failed -32603, the URL never asked, where the same task on its first replica asked for it.
  it.effect("asks for it in the task's inputRequests there; completed, the work runs again and the task completes", () =>
    Effect.gen(function*() {
      let runs = 0
      let signedIn = false
      const Connect = McpServer.tool({
        name: "connect",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.suspend(() => {
            // The first run (on the replica that stops) waits until it is stopped.
            if (++runs === 1) return Effect.never
            return signedIn ? Effect.succeed("connected") : Effect.fail(
              new McpError.UrlElicitationRequired({
                elicitations: [{ mode: "url", elicitationId: "drive", url: "https://example.com/drive", message: "Sign in to drive" }],
                message: "Sign in to drive first"
              })
            )
          })
      })
      const replica = yield* replicas(Connect, undefined, { ...capabilities, elicitation: { form: {}, url: {} } })
      const scopeA = yield* Scope.make()
      const a = yield* replica(scopeA)
      const b = yield* replica(yield* Effect.scope)
      const { taskId } = yield* a.callToolAsTask("connect")
      yield* Scope.close(scopeA, Exit.void)
      const waiting = yield* pollUntil(b, taskId, (task) => task?.status !== "working")
      assert.strictEqual(waiting?.status, "input_required", JSON.stringify(waiting))
      const keys = Object.keys(waiting.inputRequests)
      assert.deepStrictEqual(keys.map((key) => waiting.inputRequests[key].params.url), ["https://example.com/drive"])
      signedIn = true
      yield* b.request("tasks/update", { taskId, inputResponses: { [keys[0]!]: { action: "accept" } } })
      const ended = yield* pollUntil(b, taskId, (task) => task?.status !== "working" && task?.status !== "input_required")
      assert.deepStrictEqual([ended?.status, ended?.result?.content], ["completed", [{ type: "text", text: "connected" }]], JSON.stringify(ended))
      assert.strictEqual(runs, 3)
    }).pipe(Effect.scoped), 30_000)
  // The answers a run that took the task over was given are kept for its runs after a URL
  // elicitation, as on the replica that made the task (its inputs made as it starts, before its
  // policy: `resumedWork` gives them their run). Without, the form was listed again there.
  it.effect("its question answered before the URL elicitation: answered from that answer in the run after it, listed once", () =>
    Effect.gen(function*() {
      let runs = 0
      let signedIn = false
      const Name = Schema.Struct({ name: Schema.String })
      const Connect = McpServer.tool({
        name: "connect_as",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.gen(function*() {
            // The first run (on the replica that stops) waits until it is stopped.
            if (++runs === 1) return yield* Effect.never
            const outcome = yield* Effect.orDie(McpContext.elicit("Name?", Name))
            if (!signedIn) {
              return yield* new McpError.UrlElicitationRequired({
                elicitations: [{ mode: "url", elicitationId: "drive", url: "https://example.com/drive", message: "Sign in to drive" }],
                message: "Sign in to drive first"
              })
            }
            return outcome.action === "accept" ? `connected as ${outcome.content.name}` : outcome.action
          })
      })
      const replica = yield* replicas(Connect, undefined, { ...capabilities, elicitation: { form: {}, url: {} } })
      const scopeA = yield* Scope.make()
      const a = yield* replica(scopeA)
      const b = yield* replica(yield* Effect.scope)
      const { taskId } = yield* a.callToolAsTask("connect_as")
      yield* Scope.close(scopeA, Exit.void)
      const asked = yield* pollUntil(b, taskId, (task) => task?.status !== "working")
      assert.strictEqual(asked?.status, "input_required", JSON.stringify(asked))
      const [form] = Object.keys(asked.inputRequests)
      assert.strictEqual(asked.inputRequests[form!].params.message, "Name?", JSON.stringify(asked))
      yield* b.request("tasks/update", { taskId, inputResponses: { [form!]: { action: "accept", content: { name: "Ada" } } } })
      const url = yield* pollUntil(b, taskId, (task) => task?.status !== "working" && !(form! in (task?.inputRequests ?? {})))
      const keys = Object.keys(url?.inputRequests ?? {})
      assert.deepStrictEqual(keys.map((key) => url.inputRequests[key].params.url), ["https://example.com/drive"], JSON.stringify(url))
      signedIn = true
      yield* b.request("tasks/update", { taskId, inputResponses: { [keys[0]!]: { action: "accept" } } })
      const ended = yield* pollUntil(b, taskId, (task) => task?.status !== "working" && !(keys[0]! in (task?.inputRequests ?? {})))
      assert.deepStrictEqual([ended?.status, ended?.result?.content], ["completed", [{ type: "text", text: "connected as Ada" }]], JSON.stringify(ended))
      assert.strictEqual(runs, 3)
    }).pipe(Effect.scoped), 30_000)
})
