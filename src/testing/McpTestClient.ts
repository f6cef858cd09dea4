/**
 * A client for testing servers: connects in memory to a server's components and calls them as
 * Effects, in either protocol era.
 *
 * - **Typed calls** returning Effects: `callTool`, `listTools`, `readResource`, `listResources`,
 *   `getPrompt`, `listPrompts`, `complete`, `ping`, and `request` for any method. A JSON-RPC error
 *   fails the Effect with {@link RequestFailed} (its code, message and data). A request interrupted
 *   (or not answered within the timeout) is cancelled, as a real client cancels it:
 *   `notifications/cancelled` with its id, so that its handler is interrupted.
 * - **Tasks**: `callTool` always gives the tool's result, following a task the server makes of the
 *   call (2026-07-28) to its end; `callToolAsTask` gives the task (asked for in 2025-11-25) and
 *   `taskResult` awaits its result, its questions answered by the options in both eras.
 * - **The client's side of the conversation**: answers for elicitation (`elicit`), sampling
 *   (`sample`) and roots (`roots`) are given as options; a capability is declared for each one
 *   given. In 2025-11-25 the server asks with requests; in 2026-07-28 with input-required results
 *   (MRTR), which the client answers and retries, as a real client would (`inputResponses` gives
 *   those answers for input a test answers itself: a 2026 task's, with `tasks/update`). An
 *   answer that fails with `{ code, message }` (one that dies: -32603, Internal error, with the
 *   defect) is that JSON-RPC error in both eras: sent to the server in 2025-11-25; in 2026-07-28,
 *   whose answers can only be results, the request fails with it, as the SDK's client fails it.
 *   Without `elicit` an elicitation is declined (when the capability is declared by hand).
 * - **Recorded notifications**: `notifications` (everything the server sent, in order), `waitFor`
 *   for the first of a kind (progress, logs, list changes...), received or not yet, and
 *   `waitForNext` for each of a kind in turn. Log messages
 *   come in both eras, from `logLevel` up (every level by default): a 2026-07-28 request asks for
 *   them in its `_meta`, as a real client that wants them does. Each request asks for progress
 *   (`_meta.progressToken`, its id) unless the `progress` option is `false`. In 2026-07-28, list
 *   changes and resource updates come on a `subscriptions/listen` stream: `listen` opens one.
 *
 * What the client sends (arguments, answers) reaches the server as a real client's JSON carries
 * it: a member `undefined` left out, a `Date` as its string; a value JSON cannot hold (a `BigInt`)
 * fails the call as a defect, as a real client's `send` throws. What it receives (answers,
 * notifications) is what the server's transports write, read back: a log's data as a client reads
 * it (a `Date` as its string, a `BigInt` as `"5n"`), a result JSON cannot hold as the -32603
 * answer a real client gets.
 *
 * The server runs in the scope of `make` (with `@effect/vitest`, `it.live` or `it.effect` gives
 * one); closing it ends the session and interrupts the answers still running; a request, wait or
 * notification then fails at once (-32603, "the client is closed"). The client's own
 * waits (answers, `waitFor`) are bounded in real time on any test clock; the server's time (a
 * handler's `Effect.sleep`, task promotion) is the test's: under `it.effect`'s TestClock it moves
 * only with `TestClock.adjust`, so prefer `it.live` unless the test drives time. A server that
 * fails (a component that does not build) fails every request and wait with its cause.
 *
 * **Example**
 *
 * ```ts
 * import { McpTestClient } from "effect-mcp-server/testing"
 *
 * it.live("weather", () =>
 *   Effect.gen(function*() {
 *     const client = yield* McpTestClient.make(Layer.mergeAll(Weather, Greeting))
 *     const result = yield* client.callTool("weather", { city: "Paris" })
 *     assert.deepStrictEqual(result.structuredContent, { city: "Paris", celsius: 21.5 })
 *     const log = yield* client.waitFor("notifications/message")
 *   }))
 * ```
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as NumericOptions from "../internal/options.ts"
import * as JsonRpc from "../protocol/JsonRpc.ts"
import { ErrorCode } from "../protocol/McpError.ts"
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteResult,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  GetPromptResult,
  Implementation,
  InitializeResult,
  ListPromptsResult,
  ListResourcesResult,
  ListToolsResult,
  LoggingLevel,
  ReadResourceResult,
  Root
} from "../protocol/McpSchema.ts"
import * as McpServer from "../server/McpServer.ts"
import * as InMemory from "../transport/InMemory.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The server answered a request with a JSON-RPC error.
 *
 * @since 0.2.0
 * @category errors
 */
export class RequestFailed extends Data.TaggedError("RequestFailed")<{
  readonly method: string
  readonly code: number
  readonly message: string
  readonly data?: unknown | undefined
  /**
   * What made it, when the client did (not an answer of the server): the server's failure (a
   * component's error, as it failed: its message only says it), the defect of a test's answer
   * that died (2026-07-28).
   */
  readonly cause?: unknown
}> {}

/**
 * A notification the server sent.
 *
 * @since 0.2.0
 * @category models
 */
export interface Notification {
  readonly method: string
  readonly params: { readonly [key: string]: unknown } | undefined
}

/**
 * The JSON-RPC error an answer of the options (`elicit`, `sample`) fails with, to answer the
 * server's question with it.
 *
 * @since 0.2.0
 * @category models
 */
export interface AnswerError {
  readonly code: number
  readonly message: string
}

/**
 * Options of {@link make}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The server's options (name, version, tasks, ...); default `{ name: "test-server", version: "0.0.0" }`. */
  readonly server?: McpServer.Options | undefined
  /** `"2025-11-25"` (default: an `initialize` handshake) or `"2026-07-28"` (stateless, per-request `_meta`). */
  readonly protocolVersion?: "2025-11-25" | "2025-06-18" | "2025-03-26" | "2024-11-05" | "2026-07-28" | undefined
  /** The client's info; default `{ name: "mcp-test-client", version: "0.0.0" }`. */
  readonly clientInfo?: Implementation | undefined
  /** Capabilities declared besides those implied by `elicit`, `sample` and `roots`. */
  readonly capabilities?: ClientCapabilities | undefined
  /**
   * Answers elicitation requests (declares `elicitation`). Failing with `{ code, message }` is
   * answering that JSON-RPC error (see {@link McpTestClient}); so is dying (-32603).
   */
  readonly elicit?: ((params: ElicitRequestParams) => Effect.Effect<ElicitResult, AnswerError>) | undefined
  /** Answers sampling requests (declares `sampling`); fails as `elicit` does. */
  readonly sample?: ((params: CreateMessageRequestParams) => Effect.Effect<CreateMessageResult, AnswerError>) | undefined
  /** The roots to list (declares `roots`). */
  readonly roots?: ReadonlyArray<Root> | undefined
  /**
   * The lowest level of the log messages (`notifications/message`) the server is to send; default
   * `"debug"`, every one. 2025 era: `logging/setLevel` after the handshake when given;
   * 2026-07-28: each request's `_meta` `io.modelcontextprotocol/logLevel` (a 2026 request gets no
   * log message unless it asks; one given in a request's own `_meta` wins).
   */
  readonly logLevel?: LoggingLevel | undefined
  /**
   * Whether each request asks for progress notifications (`_meta.progressToken`: the request's
   * own id), as a client showing progress does; default `true`, so that `waitFor("notifications/progress")`
   * sees what a handler reports with `McpContext.progress`. A token given in a request's own
   * `_meta` wins.
   */
  readonly progress?: boolean | undefined
  /**
   * Longest wait for an answer or a notification, in real time (whatever clock the test runs
   * on); default 5 s (a number > 0 of milliseconds; another is a `RangeError` naming it: `NaN`
   * or 0 timed out every wait at once). A request not answered in time (a 2026-07-28 request
   * with its input rounds; `callTool` with the following of its task) fails with
   * {@link RequestFailed} -32001 and is cancelled.
   */
  readonly timeoutMillis?: number | undefined
}

/**
 * A 2026-07-28 `inputRequests` map (an input-required result's, a task's): the server's
 * questions by key.
 *
 * @since 0.2.0
 * @category models
 */
export interface InputRequests {
  readonly [key: string]: { readonly method: string; readonly params?: unknown }
}

/**
 * What a 2026-07-28 `subscriptions/listen` asks for (and the server acknowledges).
 *
 * @since 0.2.0
 * @category models
 */
export interface ListenFilter {
  readonly toolsListChanged?: boolean | undefined
  readonly promptsListChanged?: boolean | undefined
  readonly resourcesListChanged?: boolean | undefined
  readonly resourceSubscriptions?: ReadonlyArray<string> | undefined
  readonly taskIds?: ReadonlyArray<string> | undefined
}

/**
 * A task as the server created it: 2025-11-25's `CreateTaskResult.task`, or 2026-07-28's flat
 * `CreateTaskResult` (its `resultType: "task"` included), the era's own field names (`ttl` and
 * `pollInterval` in 2025, `ttlMs` and `pollIntervalMs` in 2026).
 *
 * @since 0.2.0
 * @category models
 */
export interface CreatedTask {
  readonly taskId: string
  readonly status: "working" | "input_required" | "completed" | "failed" | "cancelled"
  readonly [key: string]: unknown
}

/**
 * A client connected in memory to the served components, for tests: any request, and helpers for
 * tools, resources, prompts and tasks, each answer as the server sent it.
 *
 * @since 0.2.0
 * @category models
 */
export interface McpTestClient {
  /** What `initialize` answered (2025 era), or `undefined` (2026-07-28). */
  readonly initializeResult: InitializeResult | undefined
  /**
   * Any request, its answer as the server sent it (2026-07-28: after the input rounds, all within
   * the client's timeout).
   * Interrupting it sends `notifications/cancelled`: the way to test a cancellation.
   */
  readonly request: (method: string, params?: { readonly [key: string]: unknown }) => Effect.Effect<any, RequestFailed>
  /**
   * Calls a tool and returns its result. A call the server makes a task of (2026-07-28, for a
   * client declaring the tasks extension) is followed to its end, as {@link McpTestClient.taskResult}
   * follows it: the call and the following within the client's timeout; a call that gives up on
   * its task (the timeout, an interruption, an input it cannot answer) cancels it with
   * `tasks/cancel`. For the task itself, {@link McpTestClient.callToolAsTask}. In 2025-11-25 it
   * asks for no task: a tool whose `taskSupport` is `"required"` refuses the call (-32601); call it
   * with `callToolAsTask` and `taskResult`.
   */
  readonly callTool: (name: string, args?: { readonly [key: string]: unknown }) => Effect.Effect<CallToolResult, RequestFailed>
  /**
   * Calls a tool as a task and returns the task, for tests of the task itself (its status,
   * `tasks/get`, `tasks/cancel`, `listen`'s `taskIds`); {@link McpTestClient.taskResult} awaits
   * its result. 2025-11-25: asks for a task (`params.task`, with `ttlMillis` when given). 2026-07-28:
   * the server decides, for a client declaring the tasks extension
   * (`capabilities.extensions["io.modelcontextprotocol/tasks"]`); `ttlMillis` is not sent (there
   * is no such param). A call answered without a task fails with {@link RequestFailed} (-32603).
   */
  readonly callToolAsTask: (
    name: string,
    args?: { readonly [key: string]: unknown },
    options?: { readonly ttlMillis?: number | undefined }
  ) => Effect.Effect<CreatedTask, RequestFailed>
  /**
   * The result of a task once it ends. 2025-11-25: `tasks/result` (the server answers it at the
   * end; its questions come as requests, answered by the options). 2026-07-28: `tasks/get` every
   * 10 ms, its `inputRequests` answered with the options through `tasks/update` (once each key).
   * A failed task fails with its error; a cancelled one with -32602 (as 2025's `tasks/result`).
   * Within the client's timeout (-32001); the task is left as it is (cancel it with `tasks/cancel`).
   */
  readonly taskResult: (taskId: string) => Effect.Effect<CallToolResult, RequestFailed>
  /** The first page of tools (`nextCursor` names the next: `request("tools/list", { cursor })`). */
  readonly listTools: Effect.Effect<ListToolsResult, RequestFailed>
  readonly readResource: (uri: string) => Effect.Effect<ReadResourceResult, RequestFailed>
  /** The first page of resources (`nextCursor` names the next: `request("resources/list", { cursor })`). */
  readonly listResources: Effect.Effect<ListResourcesResult, RequestFailed>
  readonly getPrompt: (name: string, args?: { readonly [key: string]: string }) => Effect.Effect<GetPromptResult, RequestFailed>
  /** The first page of prompts (`nextCursor` names the next: `request("prompts/list", { cursor })`). */
  readonly listPrompts: Effect.Effect<ListPromptsResult, RequestFailed>
  /**
   * Completes an argument; `context.arguments` gives the arguments already chosen, which a
   * completer receives (a city completed for the country chosen).
   */
  readonly complete: (
    ref: { readonly type: "ref/prompt"; readonly name: string } | { readonly type: "ref/resource"; readonly uri: string },
    argument: { readonly name: string; readonly value: string },
    context?: { readonly arguments?: { readonly [name: string]: string } | undefined }
  ) => Effect.Effect<CompleteResult, RequestFailed>
  readonly ping: Effect.Effect<void, RequestFailed>
  /** Sends a notification to the server; once the client is closed, fails (-32603, "the client is closed"). */
  readonly notify: (method: string, params?: { readonly [key: string]: unknown }) => Effect.Effect<void, RequestFailed>
  /** Every notification received so far, in order. */
  readonly notifications: ReadonlyArray<Notification>
  /**
   * MCP 2026-07-28: the answers the options (`elicit`, `sample`, `roots`) give to an
   * `inputRequests` map, by key, as `request` sends them back after an input-required result; for
   * input a test answers itself, such as a task's (`tasks/get` lists it, `tasks/update` answers:
   * `{ taskId, inputResponses }`). An elicitation without an `elicit` option is declined; an
   * answer that fails (or a sampling or roots input without its option) fails with
   * {@link RequestFailed}: its code and message, `data.inputKey` naming the input (2026-07-28
   * answers hold results only: a client cannot send an error for an input). Within the client's
   * timeout (-32001, naming the input still unanswered).
   */
  readonly inputResponses: (inputRequests: InputRequests) => Effect.Effect<{ readonly [key: string]: unknown }, RequestFailed>
  /**
   * MCP 2026-07-28: opens a `subscriptions/listen` stream for the notifications named (list
   * changes, resource updates, the tasks extension's `taskIds`) and returns what the server
   * accepted (its `notifications/subscriptions/acknowledged`), once acknowledged. The stream stays
   * open, without a timeout, until the scope ends (it is then cancelled); its notifications are
   * recorded, for `waitFor`. A 2025 session is refused -32601: it gets list changes without asking,
   * and follows a resource with `resources/subscribe`.
   */
  readonly listen: (notifications: ListenFilter) => Effect.Effect<ListenFilter, RequestFailed, Scope.Scope>
  /**
   * The first notification of `method` (matching `where`) received so far, or the next one; fails
   * after the timeout (saying how many of `method` came, when some did), at once when the client is
   * closed. Asked twice, it returns the same one: for a later one, {@link McpTestClient.waitForNext}.
   * A `where` that throws ends the wait with its error (a defect), not the others.
   */
  readonly waitFor: (
    method: string,
    where?: (notification: Notification) => boolean
  ) => Effect.Effect<Notification, RequestFailed>
  /**
   * The first notification of `method` (matching `where`) received after the last one of `method`
   * a wait (`waitFor`, `waitForNext`) returned, or the first one if none was; fails after the
   * timeout. Called again, it returns the one after: each notification of a method once, in the
   * order received, however long ago it came (while the test was calling a tool, say). Waits
   * running at once (forked) take one each, in the order they started.
   */
  readonly waitForNext: (
    method: string,
    where?: (notification: Notification) => boolean
  ) => Effect.Effect<Notification, RequestFailed>
}

// ---------------------------------------------------------------------------
// Constructor
// ---------------------------------------------------------------------------

/**
 * A message the client sends, as a real client's reaches the server: through JSON, so a member
 * `undefined` is left out (an optional argument given as `undefined` is one not given, not
 * "Invalid arguments"), a `Date` is its ISO string, `NaN` is `null`. The in-memory transport
 * carries objects as they are. A value JSON cannot hold (a `BigInt`, a cycle) throws, as a real
 * client's `send` does.
 */
const asSent = <A>(message: A): A => JSON.parse(JSON.stringify(message))

const latest2026 = "2026-07-28"
/** The `_meta` key a 2026-07-28 request asks for log messages with (the lowest level it wants). */
const logLevelKey = "io.modelcontextprotocol/logLevel"
/** The `_meta` key naming the `subscriptions/listen` stream a notification belongs to (its request's id). */
const subscriptionIdKey = "io.modelcontextprotocol/subscriptionId"

/**
 * Serves `components` in memory and connects a client to them (the handshake is done when it
 * returns, in the 2025 era). The server lives in the scope.
 *
 * **Example** (Calling a tool in a test)
 *
 * ```ts
 * import { McpTestClient } from "effect-mcp-server/testing"
 *
 * it.effect("echoes", () =>
 *   Effect.gen(function*() {
 *     const client = yield* McpTestClient.make(Echo)
 *     const result = yield* client.callTool("echo", { text: "hi" })
 *     assert.deepStrictEqual(result.content, [{ type: "text", text: "hi" }])
 *   }).pipe(Effect.scoped))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <EL, RL>(
  components: Layer.Layer<never, EL, RL>,
  options: Options = {}
): Effect.Effect<McpTestClient, RequestFailed, Scope.Scope | Exclude<RL, McpServer.McpServer>> =>
  Effect.gen(function*() {
    const version = options.protocolVersion ?? "2025-11-25"
    const logLevel = options.logLevel ?? "debug"
    const progress = options.progress ?? true
    const modern = version === latest2026
    NumericOptions.check("McpTestClient.make", "timeoutMillis", options.timeoutMillis, NumericOptions.millis)
    const timeout = Duration.millis(options.timeoutMillis ?? 5_000)
    const clientInfo = options.clientInfo ?? { name: "mcp-test-client", version: "0.0.0" }
    const capabilities: Record<string, unknown> = { ...options.capabilities }
    if (options.elicit !== undefined) capabilities.elicitation ??= { form: {}, url: {} }
    if (options.sample !== undefined) capabilities.sampling ??= {}
    if (options.roots !== undefined) capabilities.roots ??= { listChanged: true }

    const pair = InMemory.makePair()
    const server = options.server ?? { name: "test-server", version: "0.0.0" }
    // The server's fiber: if it fails (a component that does not build, say), every request
    // fails at once with its cause, instead of waiting for the timeout.
    const serving = yield* Effect.forkScoped(McpServer.serve(server, components, pair.server))
    const pending = new Map<JsonRpc.RequestId, Deferred.Deferred<any, RequestFailed>>()
    const methods = new Map<JsonRpc.RequestId, string>()
    const notifications: Array<Notification> = []
    const waiters = new Set<() => void>()

    // Why no answer nor notification can come any more: the server failed, or the client closed
    // (the test's scope ended). Requests and waits then fail at once with it, named by their own
    // method, instead of waiting for the timeout to say that nothing came.
    let ended: { readonly code: number; readonly message: string; readonly cause?: unknown } | undefined
    const endedSignal = Deferred.makeUnsafe<void>()
    const end = (reason: { readonly code: number; readonly message: string; readonly cause?: unknown }) => {
      if (ended !== undefined) return
      ended = reason
      Deferred.doneUnsafe(endedSignal, Effect.void)
      for (const wake of [...waiters]) wake()
    }
    const endedAs = (method: string) => new RequestFailed({ method, ...ended! })
    serving.addObserver((exit) => {
      if (exit._tag === "Failure" && !Cause.hasInterruptsOnly(exit.cause)) {
        end({ code: ErrorCode.InternalError, message: `the server failed: ${Cause.pretty(exit.cause)}`, cause: Cause.squash(exit.cause) })
      }
    })
    const clientClosed = { code: ErrorCode.InternalError, message: "the client is closed" }
    let nextId = 1
    // The client's answers to server requests run as fibers of the client's scope: one still
    // running when the test ends (an `elicit` that never answers) is interrupted with it.
    const runAnswer = yield* FiberSet.makeRuntime<never>()
    // The answers running, by the id of the server's request they answer.
    const answering = new Map<JsonRpc.RequestId, Fiber.Fiber<unknown, unknown>>()
    // The client's waits are bounded in real time, whatever clock the test runs on: `it.effect`'s
    // TestClock (which only `TestClock.adjust` moves) would make a wait that cannot end hang.
    const realClock = Clock.Clock.defaultValue()
    const within = <A>(self: Effect.Effect<A, RequestFailed>, timedOut: () => RequestFailed): Effect.Effect<A, RequestFailed> =>
      Effect.raceFirst(
        self,
        Effect.sleep(timeout).pipe(Effect.provideService(Clock.Clock, realClock), Effect.andThen(() => Effect.fail(timedOut())))
      )

    /**
     * The client's answer to a server request (2025) or an input request (2026). Without an
     * `elicit` option an elicitation is declined (a valid answer: the user said no); sampling and
     * roots have no such answer, so without their option they fail (-32601). An option that throws
     * (instead of returning an Effect) dies, so it is answered as one that dies: it would
     * otherwise throw into the transport, and the server wait for an answer until the timeout.
     */
    const answerOf = (method: string, params: any): Effect.Effect<unknown, { code: number; message: string }> =>
      Effect.suspend(() => answerWith(method, params))
    const answerWith = (method: string, params: any): Effect.Effect<unknown, { code: number; message: string }> => {
      switch (method) {
        case "ping":
          return Effect.succeed({})
        case "elicitation/create":
          return options.elicit === undefined ? Effect.succeed({ action: "decline" }) : options.elicit(params)
        case "sampling/createMessage":
          return options.sample === undefined ? Effect.fail({ code: ErrorCode.MethodNotFound, message: "no sampling" }) : options.sample(params)
        case "roots/list":
          return options.roots === undefined ? Effect.fail({ code: ErrorCode.MethodNotFound, message: "no roots" }) : Effect.succeed({ roots: options.roots })
        default:
          return Effect.fail({ code: ErrorCode.MethodNotFound, message: `Method not found: ${method}` })
      }
    }

    /** Sends `message`; once the client is closed (the test's scope ended) there is no one to tell. */
    const sendQuietly = (message: JsonRpc.Message): Promise<void> => pair.client.send(message).catch(() => undefined)

    /** The JSON-RPC error answering a server request whose answer failed (or died). */
    const errorOf = (method: string, cause: Cause.Cause<{ code: number; message: string }>) => {
      const failure = Cause.findErrorOption(cause)
      return Option.isSome(failure)
        ? failure.value
        : { code: ErrorCode.InternalError, message: `the test's answer to ${method} failed: ${Cause.pretty(cause)}` }
    }

    pair.client.onmessage = (sent: any) => {
      // As a real client receives it: as the server's transports write it (`JsonRpc.stringify`:
      // a log's data JSON cannot hold made JSON, a result it cannot hold a -32603 answer), read
      // back (a Date in a log's data is its string, an Error nested in it what JSON.stringify
      // writes of one, `{}`, unless the data holds what JSON cannot). What no transport can
      // write is not received.
      const text = JsonRpc.stringify(sent)
      if (text === undefined) return
      const message = JSON.parse(text)
      if ("method" in message && "id" in message) {
        // A request of the server: answered with the options' handlers. One that dies is
        // answered -32603 with the defect, as a client whose handler throws answers.
        const fiber = runAnswer(Effect.matchCause(Effect.map(answerOf(message.method, message.params), asSent), {
          onSuccess: (result) => ({ jsonrpc: "2.0", id: message.id, result }),
          onFailure: (cause) => ({ jsonrpc: "2.0", id: message.id, error: errorOf(message.method, cause) })
        }).pipe(Effect.flatMap((answer) => Effect.promise(() => sendQuietly(answer as JsonRpc.Message)))))
        answering.set(message.id, fiber)
        fiber.addObserver(() => {
          if (answering.get(message.id) === fiber) answering.delete(message.id)
        })
        return
      }
      if ("method" in message) {
        // The server gave up on one of its requests (its tool was cancelled, its wait timed out):
        // the answer still running is interrupted, as the SDK's client aborts its handler's signal.
        if (message.method === "notifications/cancelled") answering.get(message.params?.requestId)?.interruptUnsafe()
        notifications.push({ method: message.method, params: message.params })
        for (const wake of [...waiters]) wake()
        return
      }
      const deferred = pending.get(message.id)
      if (deferred === undefined) return
      pending.delete(message.id)
      const method = methods.get(message.id) ?? "?"
      methods.delete(message.id)
      if (message.error !== undefined) {
        Deferred.doneUnsafe(deferred, Effect.fail(new RequestFailed({ method, code: message.error.code, message: message.error.message, data: message.error.data })))
      } else Deferred.doneUnsafe(deferred, Effect.succeed(message.result))
    }
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        end(clientClosed)
        return Effect.promise(() => pair.client.close())
      })
    )

    const timedOut = (method: string) => new RequestFailed({ method, code: ErrorCode.RequestTimeout, message: `no answer within ${Duration.format(timeout)}` })

    /** One request and its answer, as sent (no MRTR rounds). */
    const once = (
      method: string,
      params: { readonly [key: string]: unknown } | undefined,
      options: { readonly id?: number; readonly timed?: boolean } = {}
    ) =>
      Effect.suspend(() => {
        const id = options.id ?? nextId++
        const asked = progress && method !== "initialize" ? { progressToken: id } : undefined
        const withMeta = modern
          ? {
            ...params,
            _meta: {
              [logLevelKey]: logLevel,
              ...asked,
              ...(params?._meta as object | undefined),
              "io.modelcontextprotocol/protocolVersion": version,
              "io.modelcontextprotocol/clientCapabilities": capabilities,
              "io.modelcontextprotocol/clientInfo": clientInfo
            }
          }
          : asked === undefined
          ? params
          : { ...params, _meta: { ...asked, ...(params?._meta as object | undefined) } }
        // As JSON carries it (a params' value JSON cannot hold throws here: the test's defect).
        const sent = asSent({ jsonrpc: "2.0", id, method, ...(withMeta === undefined ? {} : { params: withMeta }) } as JsonRpc.Message)
        const deferred = Deferred.makeUnsafe<any, RequestFailed>()
        pending.set(id, deferred)
        methods.set(id, method)
        pair.client.send(sent)
          .catch(() => Deferred.doneUnsafe(deferred, Effect.fail(new RequestFailed({ method, ...clientClosed }))))
        // Given up (the test interrupted the call, or no answer came in time): the server is told
        // with `notifications/cancelled`, as a real client tells it, so that the handler stops
        // instead of running on in the test's server. `initialize` is never cancelled (the spec).
        const withdraw = Effect.sync(() => {
          if (!pending.delete(id)) return
          methods.delete(id)
          if (method !== "initialize") {
            void sendQuietly({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason: "the test client gave up on the request" } } as JsonRpc.Message)
          }
        })
        const answer = Effect.raceFirst(Deferred.await(deferred), Effect.andThen(Deferred.await(endedSignal), () => Effect.fail(endedAs(method))))
        return (options.timed === false ? answer : within(answer, () => timedOut(method))).pipe(Effect.ensuring(withdraw))
      })

    /**
     * The options' answers to 2026-07-28 input requests, by key. An answer that fails cannot be
     * sent: `inputResponses` hold results only (an elicitation's, a sampling's, a roots list), no
     * error, and a made-up result (a decline for a sampling) is not one the server can take (it
     * asks again, round after round). So the request fails here, with the answer's code and
     * message (`method`: the request's, or the input's own for `inputResponses`), as the SDK's
     * client fails a call whose input handler throws. The 2025 era sends the same error to the
     * server, as the answer to its request.
     */
    const answerInputs = (inputRequests: InputRequests, method?: string, current?: { key: string; method: string }) =>
      Effect.gen(function*() {
        // Without a prototype: any key is an answer (`__proto__` set the prototype of a `{}`).
        const responses: Record<string, unknown> = Object.create(null)
        for (const [key, input] of Object.entries(inputRequests)) {
          // The input being answered, for the timeout's message.
          if (current !== undefined) {
            current.key = key
            current.method = input.method
          }
          responses[key] = yield* answerOf(input.method, input.params).pipe(
            Effect.catchCause((cause) => {
              if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
              const error = errorOf(input.method, cause)
              return Effect.fail(new RequestFailed({
                method: method ?? input.method,
                code: error.code,
                message: `the answer to input "${key}" (${input.method}) failed: ${error.message}`,
                data: { inputKey: key, inputMethod: input.method },
                // An answer that died (or threw): its defect, for the test to look at.
                ...(Cause.hasFails(cause) ? {} : { cause: Cause.squash(cause) })
              }))
            })
          )
        }
        return responses
      })
    /** Bounded by the timeout as a request is: an answer that never comes would hang the test. */
    const inputResponses = (inputRequests: InputRequests) =>
      Effect.suspend(() => {
        const current = { key: "", method: "" }
        return within(answerInputs(inputRequests, undefined, current), () =>
          new RequestFailed({
            method: current.method,
            code: ErrorCode.RequestTimeout,
            message: `the answer to input "${current.key}" (${current.method}) did not come within ${Duration.format(timeout)}`,
            data: { inputKey: current.key, inputMethod: current.method }
          }))
      })

    /**
     * A request; in 2026-07-28, input-required rounds are answered and the request retried. Not
     * bounded in time: `request` bounds it, all rounds in one timeout, as a 2025 request's
     * questions (asked while it runs) are.
     */
    const rounds = (method: string, params?: { readonly [key: string]: unknown }): Effect.Effect<any, RequestFailed> =>
      Effect.gen(function*() {
        let round = params
        for (let attempt = 0; attempt < 16; attempt++) {
          const result = yield* once(method, round, { timed: false })
          if (!modern || result?.resultType !== "input_required") return result
          const responses = yield* answerInputs(result.inputRequests ?? {}, method)
          round = { ...params, inputResponses: responses, ...(result.requestState === undefined ? {} : { requestState: result.requestState }) }
        }
        return yield* Effect.fail(new RequestFailed({ method, code: ErrorCode.InternalError, message: "more than 16 input rounds" }))
      })
    const request = (method: string, params?: { readonly [key: string]: unknown }): Effect.Effect<any, RequestFailed> =>
      within(rounds(method, params), () => timedOut(method))

    /** How often a 2026-07-28 task is read while it runs: often, in memory, to end tests soon. */
    const pollEvery = Duration.millis(10)
    const pause = Effect.sleep(pollEvery).pipe(Effect.provideService(Clock.Clock, realClock))

    /**
     * 2026-07-28: a task read until it ends, its input answered (failures named as `method`'s).
     * Bounded in count; in time by its caller.
     */
    const following = (taskId: string, method: string) =>
      Effect.gen(function*() {
        const answered = new Set<string>()
        // At most one read per pause within the timeout.
        const reads = Math.ceil(Duration.toMillis(timeout) / Duration.toMillis(pollEvery)) + 1
        for (let read = 0; read < reads; read++) {
          const task = yield* once("tasks/get", { taskId })
          switch (task?.status) {
            case "completed":
              return task.result as CallToolResult
            case "failed": {
              const error = task.error ?? {}
              return yield* Effect.fail(new RequestFailed({ method, code: error.code ?? ErrorCode.InternalError, message: error.message ?? `task ${taskId} failed`, data: error.data }))
            }
            case "cancelled":
              return yield* Effect.fail(new RequestFailed({ method, code: ErrorCode.InvalidParams, message: `Task ${taskId} was cancelled: it has no result` }))
            case "input_required": {
              // Each question answered once: `tasks/update` is acknowledged before the task
              // takes the answer, so a read soon after may still list it.
              const fresh = Object.fromEntries(Object.entries((task.inputRequests ?? {}) as InputRequests).filter(([key]) => !answered.has(key)))
              if (Object.keys(fresh).length > 0) {
                const inputResponses = yield* answerInputs(fresh, method)
                yield* once("tasks/update", { taskId, inputResponses })
                for (const key of Object.keys(fresh)) answered.add(key)
              }
            }
          }
          yield* pause
        }
        return yield* Effect.fail(timedOutTask(taskId, method))
      })
    const timedOutTask = (taskId: string, method: string) =>
      new RequestFailed({ method, code: ErrorCode.RequestTimeout, message: `task ${taskId} did not end within ${Duration.format(timeout)}` })

    const taskResult = (taskId: string): Effect.Effect<CallToolResult, RequestFailed> =>
      modern ? within(following(taskId, "tasks/result"), () => timedOutTask(taskId, "tasks/result")) : once("tasks/result", { taskId })

    /** The task a `tools/call` was answered with, if it was: 2026's flat one, 2025's `task`. */
    const taskOf = (result: any): CreatedTask | undefined =>
      modern ? (result?.resultType === "task" ? result : undefined) : (result?.content === undefined ? result?.task : undefined)

    /** The call and the following of its task in one timeout: the test's bound on the call. */
    const callTool = (name: string, args: { readonly [key: string]: unknown } = {}): Effect.Effect<CallToolResult, RequestFailed> =>
      Effect.suspend(() => {
        let task: CreatedTask | undefined
        const calling = Effect.flatMap(rounds("tools/call", { name, arguments: args }), (result) => {
          task = taskOf(result)
          if (task === undefined) return Effect.succeed(result as CallToolResult)
          return modern ? following(task.taskId, "tools/call") : once("tasks/result", { taskId: task.taskId }, { timed: false })
        })
        return within(calling, () => task === undefined ? timedOut("tools/call") : timedOutTask(task.taskId, "tools/call")).pipe(
          // The test asked for a result, not a task: one it gives up on is of no use, cancelled.
          Effect.onError(() => task === undefined ? Effect.void : Effect.ignore(once("tasks/cancel", { taskId: task.taskId })))
        )
      })

    // Why a call is answered without a task, as far as the test client can tell: tasks off in the
    // test server (the most common cause: \`server\` not given them), else, in 2026-07-28, the
    // server's choice and the extension the client must declare.
    const withoutTaskReason = server.tasks === undefined
      ? `: the test server has no tasks (give McpTestClient.make the server options that enable them: { server: { name, version, tasks: McpServer.tasks() } })`
      : modern
      ? ` (in 2026-07-28 the server decides, for a client that declares the tasks extension, capabilities.extensions["io.modelcontextprotocol/tasks"])`
      : ` (the tool's execution.taskSupport must be "optional" or "required")`
    const callToolAsTask = (
      name: string,
      args: { readonly [key: string]: unknown } = {},
      asTask: { readonly ttlMillis?: number | undefined } = {}
    ): Effect.Effect<CreatedTask, RequestFailed> =>
      Effect.flatMap(
        request("tools/call", modern ? { name, arguments: args } : { name, arguments: args, task: asTask.ttlMillis === undefined ? {} : { ttl: asTask.ttlMillis } }),
        (result) => {
          const task = taskOf(result)
          return task !== undefined ? Effect.succeed(task) : Effect.fail(
            new RequestFailed({
              method: "tools/call",
              code: ErrorCode.InternalError,
              message: `tools/call ${name} was answered without a task${withoutTaskReason}`,
              data: { result }
            })
          )
        }
      )

    let initializeResult: InitializeResult | undefined
    if (!modern) {
      initializeResult = yield* once("initialize", { protocolVersion: version, capabilities, clientInfo })
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as JsonRpc.Message))
      if (options.logLevel !== undefined) yield* once("logging/setLevel", { level: options.logLevel })
    }

    // By method, the position after the last notification a wait returned: where `waitForNext` looks from.
    const returned = new Map<string, number>()
    // By method, the position after the last notification a `waitForNext` returned: waits of it
    // running at once take a notification each (the first waits, woken in the order they started,
    // the first ones), not all the same one. A `waitFor`, which returns the first, takes none.
    const taken = new Map<string, number>()
    /** A wait; `ownWait`: the client's own (`listen`'s), which moves no test's `waitForNext` on. */
    const waitFrom = (method: string, where: ((notification: Notification) => boolean) | undefined, next: boolean, ownWait = false) =>
      Effect.callback<Notification, RequestFailed>((resume) => {
        // Decided when the wait starts, not when it is made.
        let from = next ? (returned.get(method) ?? 0) : 0
        const check = () => {
          if (next) from = Math.max(from, taken.get(method) ?? 0)
          for (; from < notifications.length; from++) {
            const found = notifications[from]!
            if (found.method !== method) continue
            let matches: boolean
            try {
              matches = where === undefined || where(found)
            } catch (defect) {
              // The test's `where` threw: its wait dies with the error, at once (as a throwing
              // `Effect.filter` predicate does), instead of the throw ending the loop that wakes
              // the other waits (they waited for the timeout) and its own wait saying nothing came.
              waiters.delete(check)
              resume(Effect.die(defect))
              return true
            }
            if (!matches) continue
            waiters.delete(check)
            if (!ownWait) returned.set(method, Math.max(returned.get(method) ?? 0, from + 1))
            if (next) taken.set(method, from + 1)
            resume(Effect.succeed(found))
            return true
          }
          if (ended === undefined) return false
          waiters.delete(check)
          resume(Effect.fail(endedAs(method)))
          return true
        }
        if (check()) return
        waiters.add(check)
        return Effect.sync(() => void waiters.delete(check))
      }).pipe((waiting) =>
        within(waiting, () => new RequestFailed({ method, code: ErrorCode.RequestTimeout, message: `no ${method} within ${Duration.format(timeout)}${received(method, where, next)}` }))
      )
    /**
     * Why a wait found none of `method` when some came, for its message: "none came" would send
     * the test's author looking for a notification that came but did not match, or was returned.
     */
    const received = (method: string, where: ((notification: Notification) => boolean) | undefined, next: boolean) => {
      const count = notifications.filter((notification) => notification.method === method).length
      if (count === 0) return ""
      const matching = where === undefined ? "" : " matching where"
      return next ? ` (${count} received, none${matching} after the last one returned)` : ` (${count} received, none${matching})`
    }
    const waitFor = (method: string, where?: (notification: Notification) => boolean) => waitFrom(method, where, false)
    const waitForNext = (method: string, where?: (notification: Notification) => boolean) => waitFrom(method, where, true)

    const listen = (filter: ListenFilter) =>
      Effect.gen(function*() {
        // The acknowledgement names the stream by its request's id (`_meta` subscriptionId).
        const id = nextId++
        const stream = yield* Effect.forkScoped(once("subscriptions/listen", { notifications: filter }, { id, timed: false }))
        const acknowledged = waitFrom(
          "notifications/subscriptions/acknowledged",
          (notification) => (notification.params?._meta as { readonly [key: string]: unknown } | undefined)?.[subscriptionIdKey] === id,
          false,
          true
        )
        // A refused listen (-32601 in 2025, -32021 for taskIds without the extension) fails at once.
        const refused = Effect.flatMap(Fiber.join(stream), () =>
          Effect.fail(new RequestFailed({ method: "subscriptions/listen", code: ErrorCode.InternalError, message: "the stream ended before it was acknowledged" })))
        const ack = yield* Effect.raceFirst(acknowledged, refused)
        return (ack.params?.notifications ?? {}) as ListenFilter
      })

    const client: McpTestClient = {
      initializeResult,
      request,
      callTool,
      callToolAsTask,
      taskResult,
      listTools: request("tools/list", {}),
      readResource: (uri) => request("resources/read", { uri }),
      listResources: request("resources/list", {}),
      getPrompt: (name, args = {}) => request("prompts/get", { name, arguments: args }),
      listPrompts: request("prompts/list", {}),
      complete: (ref, argument, context) => request("completion/complete", { ref, argument, ...(context === undefined ? {} : { context }) }),
      ping: Effect.asVoid(request("ping", {})),
      notify: (method, params) =>
        Effect.suspend(() => {
          const sent = asSent({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) } as JsonRpc.Message)
          return Effect.tryPromise({ try: () => pair.client.send(sent), catch: () => new RequestFailed({ method, ...clientClosed }) })
        }),
      get notifications() {
        return notifications
      },
      inputResponses,
      listen,
      waitFor,
      waitForNext
    }
    return client
  })
