/**
 * The call sites of `errorForLog` / `forLog` (`src/internal/loggedCause.ts`), driven for real:
 * a store given by the user (a legitimate seam: a Layer of the store service) fails with a
 * `StoreError` whose message and cause's message are 1 MB each, and the line the server logs
 * holds each clipped to 4 KB with the clip marker, not the megabytes. The same for what else the
 * user gives: a connection (a transport's), a session hook, a notification handler. The loggers capture what a
 * console logger would print: every part of the message inspected in full (the error, its stack,
 * its `cause` chain) and the cause pretty-printed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { CreateTaskResultSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Schema from "effect/Schema"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { inspect } from "node:util"
import { components, options } from "../../examples/everything-server.ts"
import { maxLoggedMessage } from "../../src/internal/loggedCause.ts"
import { EventStore, InMemory, McpContext, McpServer } from "../../src/index.ts"
import { Connection, LowLevelServer } from "../../src/lowlevel.ts"
import * as RateLimit from "../../src/middleware/builtin/RateLimit.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import { StoreError } from "../../src/store/StoreError.ts"
import { makeMemory, type Orphan, TaskStore } from "../../src/tasks/TaskStore.ts"
import * as TaskSupervisor from "../../src/tasks/TaskSupervisor.ts"
import { connectModern, withTasks } from "../extensions/support.ts"
import { BOTH, initializeMessage, on, openSession, post, serveEverything } from "../http/support.ts"
import { connectTo, eventually } from "../middleware/builtinHarness.ts"
import { rpcError } from "../middleware/builtinSupport.ts"
import { type Server, settle, startServer, using } from "../server/McpServerHarness.ts"

/** A message of 1 MB, as a store's driver might put a whole reply in one. */
const huge = (what: string) => `${what}: ${"x".repeat(1024 * 1024)}`

/** A store error 1 MB long, whose cause is 1 MB long too. */
const down = (store: string) =>
  Effect.fail(new StoreError({ store, message: huge(`${store} down`), cause: new Error(huge("ECONNREFUSED")) }))

/** What a console logger prints of each line: the message's parts inspected in full, and the cause. */
const captureLines = () => {
  const lines: Array<string> = []
  const logger = Logger.make((entry) => {
    const parts = Array.isArray(entry.message) ? entry.message : [entry.message]
    const shown = parts.map((part) => typeof part === "string" ? part : inspect(part, { depth: 10, maxStringLength: Infinity }))
    const cause = entry.cause.reasons.length === 0 ? "" : Cause.pretty(entry.cause)
    lines.push([...shown, cause].join("\n"))
  })
  return { lines, logger }
}

/**
 * The one line that starts with `start`: it holds the store's message and its cause's, each
 * clipped (the marker says how much was left out), and is a few times 4 KB long, not megabytes.
 */
const assertClipped = (lines: ReadonlyArray<string>, start: string, store: string) => {
  const found = lines.filter((line) => line.startsWith(start))
  assert.isAbove(found.length, 0, `no line starts with ${start}: ${lines.map((line) => line.slice(0, 100)).join(" | ")}`)
  for (const line of found) {
    assert.include(line, `${store} down: xxx`)
    assert.include(line, "ECONNREFUSED: xxx")
    assert.include(line, `(${huge(`${store} down`).length - maxLoggedMessage} more characters)`)
    assert.include(line, `(${huge("ECONNREFUSED").length - maxLoggedMessage} more characters)`)
    assert.isBelow(line.length, 12 * maxLoggedMessage, "the whole line")
  }
}

/** Connects an SDK v1 client to one session of `server`, its log lines going to `logger` only. */
const connectLogged = (server: Server, logger: Logger.Logger<unknown, unknown>) => connectTo((transport) => server.run(transport), [logger])

/** The everything server (its task tools) over `store`. */
const everythingOver = (store: TaskStore["Service"]) =>
  Effect.map(
    Layer.build(
      Layer.provideMerge(
        components,
        Layer.provideMerge(McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks() }), Layer.succeed(TaskStore, store))
      )
    ),
    (context): Server => Context.get(context, McpServer.McpServer)
  )

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("ok") })

describe("a store's 1 MB error is logged clipped to 4 KB", () => {
  it.live("RateLimit: the rate-limit store failed", () =>
    Effect.gen(function*() {
      const failing = Layer.succeed(RateLimit.RateLimitStore, { consume: () => down("RateLimitStore") })
      const limited = McpServer.middleware(
        RateLimit.middleware({ policy: RateLimit.slidingWindow({ limit: 3, windowMillis: 60_000 }) })
      ).pipe(Layer.provide(failing))
      const { lines, logger } = captureLines()
      const client = yield* connectLogged(yield* startServer({}, Layer.merge(Echo, limited)), logger)
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "echo" }))).code, -32603)
      assertClipped(lines, "effect-mcp-server: the rate-limit store failed; request refused", "RateLimitStore")
    }))

  it.live("ResponseCache: a lookup and a store (set) that fail", () =>
    Effect.gen(function*() {
      const memory = yield* ResponseCache.makeMemoryStore()
      let getFails = true
      const store: ResponseCache.CacheStoreShape = {
        get: (key) => getFails ? down("CacheStore") : memory.get(key),
        set: () => down("CacheStore"),
        invalidate: (prefix) => memory.invalidate(prefix)
      }
      const cache = ResponseCache.layer({ callTools: ["echo"] }).pipe(Layer.provide(Layer.succeed(ResponseCache.CacheStore, store)))
      const { lines, logger } = captureLines()
      const client = yield* connectLogged(yield* startServer({}, Layer.merge(Echo, cache)), logger)
      assert.strictEqual((yield* rpcError(() => client.listTools())).code, -32603)
      assertClipped(lines, "effect-mcp-server: the response cache store failed (get)", "CacheStore")
      getFails = false
      yield* Effect.promise(() => client.callTool({ name: "echo" }))
      assertClipped(lines, "effect-mcp-server: the response cache store failed (set)", "CacheStore")
    }))

  it.live("ResponseCache: an invalidation that fails, logged by the application's loggers", () =>
    Effect.gen(function*() {
      const memory = yield* ResponseCache.makeMemoryStore()
      const store: ResponseCache.CacheStoreShape = { ...memory, invalidate: () => down("CacheStore") }
      const cache = ResponseCache.layer({ callTools: ["echo"] }).pipe(Layer.provide(Layer.succeed(ResponseCache.CacheStore, store)))
      const { lines, logger } = captureLines()
      // The application's loggers are the ones its Layers are built with.
      const server = yield* startServer({}, Layer.merge(Echo, cache)).pipe(Effect.provide(Logger.layer([logger])))
      // A change invalidates the cached lists (a fiber of its own, not a request's).
      yield* using(server, McpServer.addTool({ name: "later", handler: () => Effect.succeed("later") }))
      const start = "effect-mcp-server: the response cache store failed (invalidate)"
      yield* eventually(() => lines.some((line) => line.startsWith(start)))
      yield* settle()
      assertClipped(lines, start, "CacheStore")
    }))

  it.live("EventStore: a resumption while the event store fails (replayAfter)", () =>
    Effect.gen(function*() {
      const failing: EventStore.EventStoreShape = {
        append: () => down("EventStore"),
        replayAfter: () => down("EventStore"),
        forgetStream: () => down("EventStore"),
        forgetSession: () => down("EventStore")
      }
      const { lines, logger } = captureLines()
      const { url } = yield* serveEverything().pipe(
        Effect.provideService(EventStore.EventStore, failing),
        Effect.provide(Logger.layer([logger]))
      )
      const sessionId = yield* Effect.promise(() => openSession(url))
      const resumed = yield* Effect.promise(() =>
        fetch(url, { headers: on(sessionId, { accept: "text/event-stream", "last-event-id": "0.0" }) })
      )
      assert.strictEqual(resumed.status, 503)
      yield* Effect.promise(() => resumed.body?.cancel() ?? Promise.resolve())
      assertClipped(lines, "effect-mcp-server: the event store failed (replayAfter)", "EventStore")
    }))

  it.live("TaskStore: a task request while the store fails (the 2025-11-25 task wire)", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      const failing = TaskStore.of({ ...memory, get: () => down("TaskStore"), list: () => down("TaskStore") })
      const { lines, logger } = captureLines()
      const client = yield* connectLogged(yield* everythingOver(failing), logger)
      const error = yield* rpcError(() => client.experimental.tasks.getTask("nope"))
      assert.strictEqual(error.code, -32603)
      yield* eventually(() => lines.some((line) => line.startsWith("TaskStore failed")))
      assertClipped(lines, "TaskStore failed", "TaskStore")
    }))

  it.live("TaskStore: a task waiting for input whose status cannot be recorded (input_required)", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      const failing = TaskStore.of({ ...memory, setStatus: () => down("TaskStore") })
      const server = yield* everythingOver(failing)
      const { lines, logger } = captureLines()
      // An SDK v1 client that answers elicitation, on a session whose loggers are `logger` only.
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([logger]))))
      const client = new Client({ name: "sites-test-client", version: "1.0.0" }, { capabilities: { elicitation: {} } })
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: "ada" } }))
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(pair.client as never)),
        () => Effect.promise(() => client.close())
      )
      const created = yield* Effect.promise(() =>
        client.request({ method: "tools/call", params: { name: "test_task_input", arguments: {} } }, CreateTaskResultSchema, {
          task: {}
        })
      )
      assert.strictEqual(created.task.status, "working")
      const start = "TaskStore failed to record the status of task"
      yield* eventually(() => lines.some((line) => line.startsWith(start)))
      assertClipped(lines, start, "TaskStore")
    }))

  it.live("TaskStore: a 2026-07-28 task (the tasks extension) asking for input the store cannot record", () =>
    Effect.gen(function*() {
      const memory = yield* makeMemory()
      const failing = TaskStore.of({ ...memory, setInputRequests: () => down("TaskStore") })
      const Confirm = McpServer.tool({
        name: "confirm",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.gen(function*() {
            yield* McpContext.becomeTask
            yield* McpContext.elicit("Sure?", Schema.Struct({ confirm: Schema.Boolean }))
            return "confirmed"
          }).pipe(Effect.orDie)
      })
      const server = yield* startServer({ tasks: McpServer.tasks() }, Confirm).pipe(Effect.provideService(TaskStore, failing))
      const { lines, logger } = captureLines()
      const client = yield* connectModern(server, [logger])
      const answer = yield* Effect.promise(() =>
        client.request("tools/call", { name: "confirm", arguments: {} }, withTasks({ elicitation: {} }))
      )
      assert.strictEqual(answer.result?.resultType, "task", JSON.stringify(answer))
      const start = "TaskStore failed to record the inputs of task"
      yield* eventually(() => lines.some((line) => line.startsWith(start)))
      assertClipped(lines, start, "TaskStore")
    }))

  it.live("a push connection (Streamable HTTP's kind) whose write fails: the session ends, logged", () =>
    Effect.gen(function*() {
      let input: Connection.SessionInput | undefined
      let failWrites = false
      let closed = 0
      const connection: Connection.PushConnection = {
        attach: (attached) => {
          input = attached
        },
        // A socket's error as a driver reports it: 1 MB, and its cause as long.
        write: () =>
          failWrites
            ? Effect.fail(new Connection.TransportFailure({ message: huge("Connection down"), cause: new Error(huge("ECONNREFUSED")) }))
            : Effect.void
      }
      const server = yield* startServer({}, Echo)
      const { lines, logger } = captureLines()
      yield* server.run({ open: Effect.succeed(connection) }, { onClose: () => closed++ }).pipe(Effect.provide(Logger.layer([logger])))
      yield* input!.receive([initializeMessage(0), { jsonrpc: "2.0", method: "notifications/initialized" }])
      failWrites = true
      // A list change is written by the outbox's fiber, not inline: its failure ends the session.
      yield* using(server, McpServer.addTool({ name: "later", handler: () => Effect.succeed("later") }))
      yield* eventually(() => closed === 1)
      const start = "MCP session "
      yield* eventually(() => lines.some((line) => line.startsWith(start)))
      assert.include(lines.find((line) => line.startsWith(start)), "writing to the connection failed; the session ends")
      assertClipped(lines, start, "Connection")
    }))

  it.live("Streamable HTTP: a session that could not start (the application's onOpen hook threw)", () =>
    Effect.gen(function*() {
      const { lines, logger } = captureLines()
      const { url } = yield* serveEverything({
        session: {
          onOpen: () => {
            throw new StoreError({ store: "SessionRegistry", message: huge("SessionRegistry down"), cause: new Error(huge("ECONNREFUSED")) })
          }
        }
      }).pipe(Effect.provide(Logger.layer([logger])))
      const response = yield* Effect.promise(() => post(url, initializeMessage(0), { accept: BOTH }))
      const body = (yield* Effect.promise(() => response.json())) as { readonly error: { readonly message: string } }
      assert.strictEqual(response.status, 503)
      // Said as it is (fails before: "too many sessions", the answer of a full session store).
      assert.strictEqual(body.error.message, "Service Unavailable: the session could not start")
      const start = "MCP session could not start"
      yield* eventually(() => lines.some((line) => line.startsWith(start)))
      assertClipped(lines, start, "SessionRegistry")
    }))

  it.live("LowLevelServer: a notification handler that fails", () =>
    Effect.gen(function*() {
      const server = LowLevelServer.make({
        serverInfo: { name: "low", version: "1.0.0" },
        handlers: {},
        notificationHandlers: { "notifications/roots/list_changed": () => down("RootsStore") }
      })
      const { lines, logger } = captureLines()
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([logger]))))
      const client = new Client({ name: "sites-test-client", version: "1.0.0" }, { capabilities: { roots: { listChanged: true } } })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(pair.client as never)),
        () => Effect.promise(() => client.close())
      )
      yield* Effect.promise(() => client.sendRootsListChanged())
      const start = "effect-mcp-server: notifications/roots/list_changed failed"
      yield* eventually(() => lines.some((line) => line.startsWith(start)))
      assertClipped(lines, start, "RootsStore")
    }))

  describe("the task supervisor's own fibers, on a shared store with leases (a user's store)", () => {
    /**
     * The in-memory store with leases: renewals succeed, the first claim hands back one orphan
     * (`work` recorded or not), and `overrides` fail where the test says.
     */
    const leasing = (work: unknown, overrides: Partial<TaskStore["Service"]>) =>
      Effect.gen(function*() {
        const memory = yield* makeMemory()
        const task = yield* memory.create({ owner: "o", method: "tools/call", ttlMillis: 60_000 })
        let claimed = false
        return TaskStore.of({
          ...memory,
          shared: true,
          renewLeases: () => Effect.succeed([]),
          claimOrphans: () =>
            Effect.sync((): ReadonlyArray<Orphan> => {
              if (claimed) return []
              claimed = true
              return [{ task, work, claims: 1 }]
            }),
          ...overrides
        })
      })

    /** A supervisor over `store` whose own fibers log to `logger` (the application's loggers). */
    const supervise = (
      store: TaskStore["Service"],
      logger: Logger.Logger<unknown, unknown>,
      resume?: TaskSupervisor.SupervisorOptions["resume"]
    ) =>
      Effect.gen(function*() {
        const services = yield* Effect.context<never>().pipe(Effect.provide(Logger.layer([logger])))
        return TaskSupervisor.make(store, yield* Effect.scope, { leaseMillis: 30, resume, services })
      })

    it.live("an orphan whose end cannot be recorded (no work to run again)", () =>
      Effect.gen(function*() {
        const { lines, logger } = captureLines()
        yield* supervise(yield* leasing(undefined, { finish: () => down("TaskStore") }), logger)
        const start = "TaskStore failed to record the end of orphaned task"
        yield* eventually(() => lines.some((line) => line.startsWith(start)))
        assertClipped(lines, start, "TaskStore")
      }).pipe(Effect.scoped))

    it.live("an orphan whose take-over cannot be confirmed", () =>
      Effect.gen(function*() {
        const { lines, logger } = captureLines()
        const store = yield* leasing({ tool: "t" }, { confirmClaim: () => down("TaskStore") })
        yield* supervise(store, logger, () => ({ work: Effect.succeed({ content: [] }), services: Context.empty() }))
        const start = "TaskStore failed to confirm the take-over of task"
        yield* eventually(() => lines.some((line) => line.startsWith(start)))
        assertClipped(lines, start, "TaskStore")
      }).pipe(Effect.scoped))

    it.live("in a server: the reaper's failure reaches the loggers the server was built with", () =>
      Effect.gen(function*() {
        const { lines, logger } = captureLines()
        const store = yield* leasing(undefined, { claimOrphans: () => down("TaskStore") })
        yield* Layer.build(
          Layer.provideMerge(
            components,
            Layer.provideMerge(
              McpServer.McpServer.layer({ ...options, tasks: McpServer.tasks({ leaseMillis: 30 }) }),
              Layer.succeed(TaskStore, store)
            )
          )
        ).pipe(Effect.provide(Logger.layer([logger])))
        const start = "effect-mcp-server: the orphan reaper failed; going on"
        yield* eventually(() => lines.some((line) => line.startsWith(start)))
        assertClipped(lines, start, "TaskStore")
      }).pipe(Effect.scoped))

    // Fails before (0 renewals: the services' TestClock, never moved, held every timer).
    it.effect("with a TestClock in the services given, their timers keep real time (lease renewal goes on)", () =>
      Effect.gen(function*() {
        const { logger } = captureLines()
        let renewals = 0
        const store = yield* leasing(undefined, {
          renewLeases: () =>
            Effect.sync(() => {
              renewals++
              return []
            })
        })
        yield* supervise(store, logger)
        // Real time passes (a promise on a Node timer), the TestClock of this test does not move.
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 400)))
        assert.isAbove(renewals, 0)
      }).pipe(Effect.scoped))

    it.live("the orphan reaper, whose claim fails: logged, and it goes on", () =>
      Effect.gen(function*() {
        const { lines, logger } = captureLines()
        yield* supervise(yield* leasing(undefined, { claimOrphans: () => down("TaskStore") }), logger)
        const start = "effect-mcp-server: the orphan reaper failed; going on"
        yield* eventually(() => lines.some((line) => line.startsWith(start)))
        assertClipped(lines, start, "TaskStore")
      }).pipe(Effect.scoped))
  })
})
