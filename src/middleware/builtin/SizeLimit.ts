/**
 * A limit on the size of results: one over `maxBytes` (the UTF-8 JSON of the result as it is
 * sent) is not sent.
 *
 * A tool's result over the limit is replaced by an `isError` result, "Tool result too large: N
 * bytes (limit M)" (the model can see it and ask for less): the result of a `tools/call`, and the
 * same result fetched from a task (2025-11-25's `tasks/result`, keeping its related-task `_meta`;
 * 2026-07-28's `tasks/get` of a completed task, inline). Any other result over the limit is
 * replaced by a JSON-RPC `-32603` error, "Result too large: N bytes (limit M)".
 *
 * An error is measured too (its JSON-RPC error object): one over the limit, as a large `data`
 * makes it (a handler's, a client's URI echoed in -32002's), keeps its code and the start of its
 * message, which says "(error too large: N bytes, limit M; its data left out)", and loses its
 * `data`: a part of data of any shape would be no use. An error whose code means nothing without
 * its data (-32042 `UrlElicitationRequired`, -32021 `MissingRequiredClientCapability`) becomes
 * -32603 with that message. Defects, answered with the masked -32603, are small already. A
 * 2026-07-28 task's error (a `tools/call` of a client that declared the tasks extension) is
 * replaced so as its task records it: `tasks/get` carries it inline, with its status message. A
 * `tasks/get` of a failed task still over the limit (the message twice, the task's fields; a task
 * another replica recorded) keeps the error's code and the start of its message, without data.
 *
 * A 2025-11-25 task's result is measured when the task ends, as its `tasks/result` will send it:
 * a tool result over the limit is recorded as that `isError` result, so the task is `failed`
 * (that version's status for a tool result with `isError`; 2026-07-28 calls such a task
 * `completed`); a `resources/read` or `prompts/get` result over it (tasks the server runs for
 * them too) as the `-32603` error, so the task is `failed` with it. `tasks/get` agrees with
 * `tasks/result`. A 2026-07-28 task's tool result is measured when the task ends too, as the
 * call would send it, and recorded as the isError result (the task `completed`): `tasks/get` and
 * the `notifications/tasks` of a `subscriptions/listen` stream following it carry that, also for a
 * task another replica took over and ran again (measured there as it ends, as the call would be
 * sent but for the server's identity `_meta`, some 80 bytes, which that run, having no session,
 * does not add: a result within those bytes of the limit is replaced only as `tasks/get` sends
 * it). Of two `SizeLimit`s in one stack, each limit applies to the task's result as it does to a
 * direct call's. A middleware of your own that spreads a `SizeLimit` but brings its own
 * `onRequest` is not taken for it by such a run: no limit of it applies there.
 *
 * A 2026-07-28 answer that asks the client for input (a round's `input_required`, `tasks/get` of
 * a task waiting for input) is not replaced: it holds the handler's questions, which a 2025-11-25
 * session sends as requests (not measured), and the client's own earlier answers.
 *
 * What is measured is what goes out: the result as the server sends it to the request's protocol
 * version, not as the handler made it. An older version may get less (before 2025-06-18 a tool's
 * `structuredContent` is dropped), MCP 2026-07-28 gets more (`resultType`, the server's identity
 * in `_meta`, caching hints on lists). So one tool result can fit for one client and not for
 * another. A middleware placed outside this one may still change the result after it was measured.
 *
 * **Example** (At most 256 KiB per result)
 *
 * ```ts
 * const Limit = SizeLimit.middleware({ maxBytes: 256 * 1024 })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { clip } from "../../internal/clip.ts"
import { isExit } from "../../internal/isExit.ts"
import * as NumericOptions from "../../internal/options.ts"
import { RELATED_TASK_META_KEY } from "../../protocol/internal/mcpSchemas.ts"
import * as McpError from "../../protocol/McpError.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import { featuresOf } from "../../protocol/versions/Projection.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import * as Extension from "../../server/Extension.ts"
import { TaskExitMapping, taskExitMappingKey, thenOuter } from "../../server/internal/taskExitMapping.ts"
import * as TasksWire from "../../tasks/wire/v2026_07_28.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import { resultAsSent } from "../../session/ServerSession.ts"
import * as Middleware from "../Middleware.ts"
import { checkStrings, notWhat } from "./internal/config.ts"

/**
 * Options of {@link middleware}; every one has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** The largest result allowed, in bytes of UTF-8 JSON (default 1 MiB). */
  readonly maxBytes?: number | undefined
  /**
   * The request methods whose results are measured (default: every method but `initialize` and
   * its MCP 2026-07-28 counterpart `server/discover`, whose results the server controls and a
   * client needs to start).
   */
  readonly methods?: ReadonlyArray<string> | undefined
}

/**
 * What is not measured by default: the handshake of each era. `server/discover` was measured: a
 * limit a server's instructions and capabilities went over refused 2026-07-28 clients (-32603)
 * while earlier ones initialized.
 */
const handshakes: ReadonlySet<string> = new Set(["initialize", "server/discover"])

/**
 * The default of {@link Config.maxBytes}: 1 MiB.
 *
 * @since 0.1.0
 * @category limits
 */
export const defaultMaxBytes = 1_048_576

/**
 * The size of a result: the bytes of its UTF-8 JSON (an absent result is sent as `{}`).
 *
 * @since 0.1.0
 * @category limits
 */
export const sizeOf = (result: unknown): number =>
  result === undefined || result === null ? 2 : Buffer.byteLength(JSON.stringify(result), "utf8")

/**
 * Measures the results of `methods` and replaces those over `maxBytes` (see the module
 * documentation).
 *
 * **Details**
 *
 * It is an `onRequest` hook: it measures the result as everything below it made it, typed hooks
 * included, projected to the request's protocol version as the session sends it. Synchronous
 * results are measured without a fiber. Measuring serializes each result once more (and, for a
 * version other than 2025-11-25, projects it once more).
 *
 * **Example** (Results of at most 256 KiB)
 *
 * ```ts
 * const Stack = McpServer.middleware(SizeLimit.middleware({ maxBytes: 256 * 1024 }))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config = {}): Middleware.Middleware => {
  if (typeof config !== "object" || config === null) throw notWhat("SizeLimit", "the configuration", "an object", config)
  const maxBytes = config.maxBytes ?? defaultMaxBytes
  NumericOptions.check("SizeLimit", "maxBytes", maxBytes, NumericOptions.integer(1))
  // A string alone measured the methods its characters name: none.
  checkStrings("SizeLimit", "methods", config.methods)
  const methods = config.methods === undefined ? undefined : new Set(config.methods)
  /** The results `modernTaskLimit` measured within the limit, each with its request. */
  const fitting = new WeakMap<object, RequestContext>()
  const check = (method: string, context: RequestContext) => (result: unknown): Exit.Exit<unknown, McpError.McpError> => {
    // Measured already for this request as its work ended, and within the limit (see `modernTaskLimit`).
    if (method === "tools/call" && fitting.get(result as object) === context) return Exit.succeed(result)
    const size = sizeOf(resultAsSent(context, method, result))
    if (size <= maxBytes || asksForInput(method, result)) return Exit.succeed(result)
    const tool = toolResultOver(method, result, `Tool result too large: ${size} bytes (limit ${maxBytes})`)
    if (tool !== undefined) return Exit.succeed(tool)
    const failed = failedTaskOver(method, result, size, maxBytes)
    if (failed !== undefined) return Exit.succeed(failed)
    return resultTooLarge(size, maxBytes)
  }
  // An error is measured too: one whose data a client sent back whole, or a handler filled, was
  // sent at any size (a 2 MB unknown URI echoed in -32002's data).
  const checkError = (error: McpError.McpError): Exit.Exit<never, McpError.McpError> => Exit.fail(errorOver(error, maxBytes) ?? error)
  const measured = (method: string, effect: Effect.Effect<unknown, McpError.McpError>, context: RequestContext) => {
    if (isExit(effect)) {
      return effect._tag === "Success" ? check(method, context)(effect.value) : failureWithin(effect as Exit.Failure<unknown, McpError.McpError>, maxBytes)
    }
    return Effect.flatMap(Effect.catch(effect, checkError), check(method, context))
  }
  // A 2025-11-25 task's result is measured as its `tasks/result` will send it (with its
  // related-task `_meta`) when the task records it: replaced there, the task is `failed` (a tool's
  // by the isError result, as one whose tool reported an error is in that version; a read's or a
  // prompt's by the -32603 error), and `tasks/get` agrees with `tasks/result`.
  const limitsTasks = methods === undefined || methods.has("tasks/result")
  const taskLimit = (context: RequestContext, method: string): Limit => (exit, taskId) => {
    if (exit._tag === "Failure") return failureWithin(exit, maxBytes)
    const result = exit.value
    const meta = (result as { readonly _meta?: { readonly [key: string]: unknown } | undefined })._meta
    const size = sizeOf(resultAsSent(context, "tasks/result", { ...result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId } } }))
    if (size <= maxBytes) return exit
    return method === "tools/call"
      ? Exit.succeed(tooLarge(`Tool result too large: ${size} bytes (limit ${maxBytes})`))
      : resultTooLarge(size, maxBytes)
  }
  const asksForTask = (request: JsonRpc.Request, context: RequestContext) =>
    taskMethods.has(request.method) && limitsTasks && (request.params as { readonly task?: unknown } | undefined)?.task !== undefined &&
    featuresOf(context.protocolVersion).taskMethods
  // A 2026-07-28 call may become a task (the tasks extension declared): its outcome is carried
  // inline by `tasks/get` and by the `notifications/tasks` of a `subscriptions/listen` stream, so
  // one over the limit is replaced as the task records it: an error by its shortened form (it made
  // the whole `tasks/get` -32603), a tool result measured as the call would send it by the isError
  // result (the task `completed` either way in that version). A tool result replaced only when
  // `tasks/get` carried it went whole, at any size, to the client following the task by listen.
  // The call's work ends through this limit whether or not it became a task: a result within it is
  // noted (weakly, with its request: one object a handler returns to every call is measured for
  // each), and the call's own answer, when that result is it, is not measured again (each such
  // call's result was serialized twice).
  const limitsModernTasks = methods === undefined || methods.has("tasks/get")
  const modernTaskLimit = (context: RequestContext): Limit => (exit) => {
    if (exit._tag === "Failure") return failureWithin(exit, maxBytes)
    const size = sizeOf(resultAsSent(context, "tools/call", exit.value))
    if (size <= maxBytes) {
      if (typeof exit.value === "object" && exit.value !== null) fitting.set(exit.value, context)
      return exit
    }
    if (asksForInput("tools/call", exit.value)) return exit
    return Exit.succeed(tooLarge(`Tool result too large: ${size} bytes (limit ${maxBytes})`))
  }
  const mayBecomeTask = (request: JsonRpc.Request, context: RequestContext) =>
    request.method === "tools/call" && limitsModernTasks && ProtocolVersion.isModern(context.protocolVersion) &&
    Extension.isDeclared(context, TasksWire.extensionId)
  const withTaskLimit = (effect: Effect.Effect<unknown, McpError.McpError>, limit: Limit) =>
    Effect.provideServiceEffect(effect, TaskExitMapping, Effect.map(Effect.serviceOption(TaskExitMapping), withOuter(limit)))
  const made = Middleware.make("size-limit", {
    onRequest: (request, context, next) => {
      const measures = methods === undefined ? !handshakes.has(request.method) : methods.has(request.method)
      // The task's work is forked with this request's services: it finds the limit there.
      const effect = asksForTask(request, context)
        ? withTaskLimit(next(request), taskLimit(context, request.method))
        : mayBecomeTask(request, context)
        ? withTaskLimit(next(request), modernTaskLimit(context))
        : next(request)
      return measures ? measured(request.method, effect, context) : effect
    }
  })
  // What a 2026-07-28 task taken over from a replica that stopped ends through (no request around
  // it there): this limit, as the server's stack chains it (`taskExitMappingOf`).
  return limitsModernTasks ? Object.assign(made, { [taskExitMappingKey]: { mapping: modernTaskLimit, onRequest: made.onRequest! } }) : made
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

type Limit = TaskExitMapping["Service"]

/** The methods a 2025-11-25 request may ask to run as a task (see `server/internal/tasks.ts`). */
const taskMethods: ReadonlySet<string> = new Set(["tools/call", "resources/read", "prompts/get"])

/** The -32603 error that replaces a result (not a tool's) over the limit. */
const resultTooLarge = (size: number, maxBytes: number): Exit.Exit<never, McpError.McpError> => {
  const message = `Result too large: ${size} bytes (limit ${maxBytes})`
  return Exit.fail(McpError.withoutStackTrace(() => new McpError.InternalError({ message })))
}

/**
 * This middleware's task limit, then that of a `SizeLimit` outside it (two in one stack): the one
 * provided nearest the task hid the others, so a tighter outer limit was not the task's outcome
 * (`completed`, while that middleware's `tasks/result` sent the isError result).
 */
const withOuter = thenOuter

/**
 * The error that replaces `error` when its JSON-RPC error object is over `maxBytes` (`undefined`
 * when it fits): its code and the start of its message, saying how large it was, without its
 * `data` (what makes an error large: it has no shape a part of it would keep). An error whose
 * code means nothing without its data (-32042's elicitations, -32021's required capabilities)
 * becomes -32603.
 */
const errorOver = (error: unknown, maxBytes: number): McpError.McpError | undefined => {
  if (!McpError.isMcpError(error)) return undefined
  const object = McpError.toErrorObject(error)
  const size = sizeOf(object)
  if (size <= maxBytes) return undefined
  const message = `${clip(object.message)} (error too large: ${size} bytes, limit ${maxBytes}; its data left out)`
  return McpError.withoutStackTrace(() =>
    error._tag === "UrlElicitationRequired" || error._tag === "MissingRequiredClientCapability"
      ? new McpError.InternalError({ message })
      : new McpError.JsonRpcError({ code: object.code, message })
  )
}

/** A failed exit whose typed error is over the limit, failed with {@link errorOver}'s instead; else itself. */
const failureWithin = <A>(exit: Exit.Failure<A, McpError.McpError>, maxBytes: number): Exit.Exit<A, McpError.McpError> => {
  for (const reason of exit.cause.reasons) {
    if (reason._tag !== "Fail") continue
    const over = errorOver(reason.error, maxBytes)
    return over === undefined ? exit : Exit.fail(over)
  }
  return exit
}

/**
 * What replaces a 2026-07-28 `tasks/get` of a failed task that is over the limit though its
 * error, replaced as the task recorded it, was not (its message is there twice, as the error's and
 * as the task's status message, among the task's fields), or that another replica recorded: the
 * task with its error's code and the start of its message, saying how large the answer was,
 * without the error's data, its status message clipped. -32021 means nothing without its data:
 * -32603. `undefined` for anything else: a -32603 error could not tell the client how its task ended.
 */
const failedTaskOver = (method: string, result: unknown, size: number, maxBytes: number): object | undefined => {
  if (method !== "tasks/get" || typeof result !== "object" || result === null) return undefined
  const fields = result as { readonly [key: string]: unknown }
  const error = fields["error"] as { readonly code?: unknown; readonly message?: unknown } | undefined
  if (fields["status"] !== "failed" || typeof error !== "object" || error === null) return undefined
  if (typeof error.code !== "number" || typeof error.message !== "string") return undefined
  const message = `${clip(error.message)} (task too large: ${size} bytes, limit ${maxBytes}; its error's data left out)`
  const code = error.code === McpError.ErrorCode.MissingRequiredClientCapability ? McpError.ErrorCode.InternalError : error.code
  const statusMessage = fields["statusMessage"]
  return { ...fields, ...(typeof statusMessage === "string" ? { statusMessage: clip(statusMessage) } : {}), error: { code, message } }
}

/**
 * Whether a result over the limit asks the client for input instead of answering (MCP
 * 2026-07-28): a round's `input_required` (MRTR), or `tasks/get` of a task waiting for input. Its
 * size is that of the handler's questions (what a 2025-11-25 session sends as requests, which are
 * not measured) and of the client's own answers, carried back in `requestState`: replaced, the
 * question was never asked (a tool's turned into "Tool result too large", though there was no
 * result yet), and a waiting task could not be read at all.
 */
const asksForInput = (method: string, result: unknown): boolean => {
  if (typeof result !== "object" || result === null) return false
  const fields = result as { readonly resultType?: unknown; readonly status?: unknown }
  return fields.resultType === "input_required" || (method === "tasks/get" && fields.status === "input_required")
}

/** An `isError` tool result saying `message`. */
const tooLarge = (message: string) => ({ content: [{ type: "text", text: message }], isError: true })

/**
 * What replaces a result over the limit that is a tool's (the failure a model can read, as the
 * spec shapes a tool's failure), or `undefined` for another method's: the result of `tools/call`;
 * a task's tool result fetched by 2025-11-25's `tasks/result` (a result with a `content` array:
 * a read's has `contents`, a prompt's `messages`), with its related-task `_meta`, which that
 * result must carry; a completed task's result inline in 2026-07-28's `tasks/get` (only
 * `tools/call` makes tasks there), the task around it kept.
 */
const toolResultOver = (method: string, result: unknown, message: string): object | undefined => {
  if (method === "tools/call") return tooLarge(message)
  if (typeof result !== "object" || result === null) return undefined
  const fields = result as { readonly [key: string]: unknown }
  if (method === "tasks/result" && Array.isArray(fields["content"])) {
    const related = (fields["_meta"] as { readonly [key: string]: unknown } | undefined)?.[RELATED_TASK_META_KEY]
    return related === undefined ? tooLarge(message) : { ...tooLarge(message), _meta: { [RELATED_TASK_META_KEY]: related } }
  }
  // A 2026-07-28 tool result, as the task carried it: with its `resultType` (the official tasks
  // client refused the replacement without it, failing a task that completed).
  if (method === "tasks/get" && fields["status"] === "completed" && typeof fields["result"] === "object") {
    return { ...fields, result: { ...tooLarge(message), resultType: "complete" } }
  }
  return undefined
}
