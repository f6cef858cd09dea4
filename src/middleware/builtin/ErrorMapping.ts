/**
 * Error mapping: failures that are not `McpError`s (a domain error leaking from a low-level
 * handler, a resource or a prompt) get the JSON-RPC error they deserve, and defects get a masked
 * `-32603` and a log line with their cause (messages clipped to 4 KB).
 *
 * **Example** (Answering a domain error with -32602)
 *
 * ```ts
 * const Errors = ErrorMapping.middleware({
 *   map: ErrorMapping.byTag({
 *     UserNotFound: (error: UserNotFound) => McpError.invalidParams(`No user ${error.id}`)
 *   })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { clip } from "../../internal/clip.ts"
import { isExit } from "../../internal/isExit.ts"
import { forLog, maxLoggedMessage } from "../../internal/loggedCause.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import * as McpError from "../../protocol/McpError.ts"
import { featuresOf } from "../../protocol/versions/Projection.ts"
import { TaskExitMapping, thenOuter } from "../../server/internal/taskExitMapping.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import * as Middleware from "../Middleware.ts"
import { checkBoolean, checkFunction, checkString, notWhat } from "./internal/config.ts"

/**
 * Options of {@link middleware}; every one has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /**
   * Maps a failure that is not an `McpError` to one; `undefined` leaves it unmapped (it becomes
   * an `InternalError`), as does a `map` that throws or gives no `McpError` (its defect logged
   * with the failure). Defects are never passed to it.
   */
  readonly map?: ((error: unknown) => McpError.McpError | undefined) | undefined
  /**
   * Hide the message of unmapped failures and defects from clients (default true). Shown, a
   * message is clipped to 4 KB, as in the logs.
   */
  readonly maskDefects?: boolean | undefined
  /** The message clients get for unmapped failures and defects when masked (default `"Internal error"`). */
  readonly defectMessage?: string | undefined
}

/**
 * Maps the failures of every request:
 *
 * - an `McpError` failure (with no defect beside it), or an interruption → unchanged;
 * - a defect beside any failure (a parallel branch died: `McpError.hasServerDefect`) → as a defect
 *   alone (below): the failure does not hide the server's bug;
 * - another failure → `map(error)` when it gives an `McpError`;
 * - else the client's fault, failed or made a defect (`McpError.clientFault`: its invalid answer
 *   to what the handler asked, `ElicitationInvalid` or `ClientResultInvalid` → -32602 saying what
 *   is wrong; a capability it did not declare, `ClientCapabilityMissing` → -32021 in MCP
 *   2026-07-28, else -32603 naming it), not logged;
 * - an unmapped failure or a defect → an `InternalError` (-32603) with `defectMessage` (or,
 *   with `maskDefects: false`, the failure's own message, clipped to 4 KB), logged with its
 *   cause (messages clipped to 4 KB).
 *
 * **Details**
 *
 * It is an `onRequest` hook: it sees the failures of every request, of the typed hooks below it
 * too. Successes, and synchronous failures it has nothing to do for, pass untouched (no fiber).
 * A request run as a task (MCP 2025-11-25, `params.task`) is mapped as the task records how its
 * work ended: `tasks/result` answers what the request answered directly would.
 *
 * **Gotchas**
 *
 * Tools of `McpServer` never fail this way: their failures are already `isError` results (see
 * `Tool`). An option of the wrong kind (a `defectMessage` that is not a string) is a `TypeError`
 * naming it, thrown here.
 *
 * **Example** (A domain error answered as invalid params)
 *
 * ```ts
 * const Stack = McpServer.middleware(ErrorMapping.middleware({
 *   map: ErrorMapping.byTag({ UserNotFound: (error: UserNotFound) => McpError.invalidParams(`No user ${error.id}`) })
 * }))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config = {}): Middleware.Middleware => {
  checkConfig(config)
  const map = config.map
  const mask = config.maskDefects !== false
  const defectMessage = config.defectMessage ?? "Internal error"
  const recover = (method: string, cause: Cause.Cause<unknown>): Effect.Effect<never, McpError.McpError> => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
    // A defect beside a failure is the server's bug, whatever the failure (`McpError.hasServerDefect`):
    // masked and logged, not hidden behind the failure mapped or the client's fault.
    if (McpError.hasServerDefect(cause)) return unmapped(method, cause)
    const reasons = cause.reasons
    for (const reason of reasons) {
      if (reason._tag === "Fail" && McpError.isMcpError(reason.error)) return Effect.fail(reason.error)
    }
    if (map !== undefined) {
      for (const reason of reasons) {
        if (reason._tag !== "Fail") continue
        // A map that throws, or gives what is no `McpError`, leaves the failure unmapped, its
        // defect logged with it. Thrown, it was a defect of this hook: answered "Internal error"
        // whatever `defectMessage` said, the log holding the map's error but not the failure it
        // was given; given back, it was the request's failure, logged alone.
        let mapped: McpError.McpError | undefined
        try {
          mapped = map(reason.error)
        } catch (defect) {
          return unmapped(method, Cause.combine(cause, Cause.die(defect)))
        }
        if (mapped === undefined) continue
        if (McpError.isMcpError(mapped)) return Effect.fail(mapped)
        return unmapped(method, Cause.combine(cause, Cause.die(new TypeError(`ErrorMapping: map gave ${clip(safeJson(mapped))}, not an McpError`))))
      }
    }
    // The client's fault, failed or made a defect (a prompt or a resource letting its invalid
    // answer through, or a capability it did not declare): answered as without this middleware
    // (`McpError.clientFault`), as a tool answers it; it was the masked -32603, logged as the
    // server's failure.
    const fault = McpError.clientFault(cause)
    if (fault !== undefined) return Effect.fail(fault)
    return unmapped(method, cause)
  }
  const unmapped = (method: string, cause: Cause.Cause<unknown>): Effect.Effect<never, McpError.McpError> => {
    // Unmasked, clipped as the logs clip it (4 KB), as a tool's unmasked failure is: a defect with
    // a 5 MB message went out whole as the error's message.
    const message = mask ? defectMessage : clip(describe(cause), maxLoggedMessage)
    return Effect.andThen(
      Effect.logError(`effect-mcp-server: ${method} failed`, forLog(cause)),
      Effect.fail(McpError.withoutStackTrace(() => new McpError.InternalError({ message })))
    )
  }
  // A task's work ends after its request was answered (`CreateTaskResult`): its failure is mapped
  // as the task records it, so that `tasks/result` answers what the request answered directly
  // would. It was recorded unmapped: a domain failure `map` answers (or a defect `maskDefects:
  // false` shows) was the task's masked -32603.
  const mapsTask = (method: string) =>
    Effect.map(
      Effect.serviceOption(TaskExitMapping),
      thenOuter((exit) => exit._tag === "Success" || isPlain(exit.cause) ? exit : recover(method, exit.cause))
    )
  return Middleware.make("error-mapping", {
    onRequest: (request, context, next) => {
      const effect = asksForTask(request, context)
        ? Effect.provideServiceEffect(next(request), TaskExitMapping, mapsTask(request.method))
        : next(request)
      if (isExit(effect) && (effect._tag === "Success" || isPlain(effect.cause))) return effect
      return Effect.catchCause(effect, (cause) => recover(request.method, cause))
    }
  })
}

/**
 * A `map` function by `_tag`: the handler of the failure's tag maps it (failures without a
 * `_tag`, or with another one, stay unmapped).
 *
 * @since 0.1.0
 * @category mapping
 */
export const byTag = (
  handlers: { readonly [tag: string]: (error: any) => McpError.McpError | undefined }
): (error: unknown) => McpError.McpError | undefined =>
(error) => {
  const tag = typeof error === "object" && error !== null ? (error as { readonly _tag?: unknown })._tag : undefined
  if (typeof tag !== "string" || !Object.hasOwn(handlers, tag)) return undefined
  return handlers[tag]!(error)
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * Refuses what no type checked, when the middleware is made: a `defectMessage` that is not a
 * string went out as the error's `message`, which the SDK clients refuse (the response dropped:
 * the client waited for ever); a `map` that is not a function failed each request it was asked
 * of; `maskDefects: "false"` (a string) masked.
 */
const checkConfig = (config: Config): void => {
  if (typeof config !== "object" || config === null) throw notWhat("ErrorMapping", "the configuration", "an object", config)
  checkFunction("ErrorMapping", "map", config.map)
  checkBoolean("ErrorMapping", "maskDefects", config.maskDefects)
  checkString("ErrorMapping", "defectMessage", config.defectMessage)
}

/** The methods a 2025-11-25 request may ask to run as a task (see `server/internal/tasks.ts`). */
const taskMethods: ReadonlySet<string> = new Set(["tools/call", "resources/read", "prompts/get"])

/** Whether a request asks to run as a 2025-11-25 task (`params.task`, in a version with tasks). */
const asksForTask = (request: JsonRpc.Request, context: RequestContext): boolean =>
  taskMethods.has(request.method) && (request.params as { readonly task?: unknown } | undefined)?.task !== undefined &&
  featuresOf(context.protocolVersion).taskMethods

/** A cause this middleware leaves as it is: an interruption, or a failure with an `McpError` and no defect beside it. */
const isPlain = (cause: Cause.Cause<unknown>): boolean =>
  Cause.hasInterruptsOnly(cause) ||
  (cause.reasons.some((reason) => reason._tag === "Fail" && McpError.isMcpError(reason.error)) && !McpError.hasServerDefect(cause))

/**
 * The message of the first failure or defect of `cause`, for unmasked answers. A handler's stop for
 * input (MCP 2026-07-28) never reaches it: the server takes it out of a cause that holds anything
 * beside it before any `onRequest` hook sees the cause (`McpError.failureBesideInput`).
 */
const describe = (cause: Cause.Cause<unknown>): string => {
  for (const reason of cause.reasons) {
    if (reason._tag === "Interrupt") continue
    const value = reason._tag === "Fail" ? reason.error : reason.defect
    if (typeof value === "object" && value !== null) {
      const { _tag, message } = value as { readonly _tag?: unknown; readonly message?: unknown }
      if (typeof message === "string" && message.length > 0) {
        return typeof _tag === "string" ? `${_tag}: ${message}` : message
      }
      if (typeof _tag === "string") return _tag
      if (value instanceof Error) return value.name
    }
    return typeof value === "string" ? value : safeJson(value)
  }
  return "Internal error"
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
