/**
 * Structured request logging: one log line per request, with its method, ids, duration and
 * outcome as log annotations.
 *
 * The line is written with `Effect.log*`, so it goes to whatever loggers the server runs with
 * (JSON, logfmt, OpenTelemetry, ...). It is not sent to the client: the `Effect.log` → client
 * bridge only forwards lines logged inside handlers.
 *
 * **Example** (Logging every request, with redacted params)
 *
 * ```ts
 * const Stack = McpServer.middleware(
 *   Logging.middleware({ includeParams: true, redact: Logging.redactKeys("password", "token") })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as LogLevel from "effect/LogLevel"
import { clip } from "../../internal/clip.ts"
import { forLog } from "../../internal/loggedCause.ts"
import { nestedDeeperThan } from "../../internal/nesting.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import * as McpError from "../../protocol/McpError.ts"
import * as Middleware from "../Middleware.ts"
import { checkBoolean, checkFunction, checkOneOf, notWhat } from "./internal/config.ts"

// ---------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------

/**
 * How a request ended:
 *
 * - `"success"` — a result;
 * - `"tool-error"` — a result with `isError: true` (a tool failure the model can see);
 * - `"error"` — a JSON-RPC error;
 * - `"cancelled"` — interrupted (cancelled by the client, or the session closed): no response.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = "success" | "error" | "tool-error" | "cancelled"

/**
 * True for a result with `isError: true` (a `CallToolResult` reporting a tool failure).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isToolError = (result: unknown): boolean =>
  typeof result === "object" && result !== null && (result as { readonly isError?: unknown }).isError === true

/**
 * The {@link Outcome} of a request from its exit.
 *
 * @since 0.1.0
 * @category mapping
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): Outcome =>
  exit._tag === "Success"
    ? isToolError(exit.value) ? "tool-error" : "success"
    : Cause.hasInterruptsOnly(exit.cause)
    ? "cancelled"
    : "error"

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/**
 * Options of {@link middleware}; every one has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** Level of the lines of successful and cancelled requests (default `"Info"`). */
  readonly level?: LogLevel.Severity | undefined
  /**
   * Level of the lines of tool errors, JSON-RPC errors other than -32603, and the client's faults
   * (`McpError.isClientFault`: a 2025-era missing client capability is -32603 naming it) (default
   * `"Warn"`).
   */
  readonly failureLevel?: LogLevel.Severity | undefined
  /**
   * Level of the lines of internal errors (-32603: defects, undeclared failures; not the client's faults) (default
   * `"Error"`). The line carries the cause (messages clipped to 4 KB), unless the server logs it
   * itself: the cause of a masked -32603 (a defect, an undeclared failure) is logged once, by the
   * session (`effect-mcp-server: <method> failed`), not again here. (A middleware of one's own
   * outside this one that turns such a defect into a typed error should log its cause, as
   * `ErrorMapping` does: the session then never sees it.)
   */
  readonly defectLevel?: LogLevel.Severity | undefined
  /**
   * Add the request params as the `params` annotation (default false). Params nested deeper than
   * {@link maxParamsDepth} levels are logged as {@link paramsTooDeep}, not walked.
   */
  readonly includeParams?: boolean | undefined
  /**
   * What of the params to log (with `includeParams`), e.g. {@link redactKeys}; default: the
   * params as received. One that throws logs {@link redactFailed} instead (the answer is kept).
   */
  readonly redact?: ((params: unknown, method: string) => unknown) | undefined
}

/**
 * The annotations of a request's log line.
 *
 * @since 0.1.0
 * @category models
 */
export interface Annotations {
  /** The method; a name longer than 200 characters (a client's own) is clipped, as error messages quote it. */
  readonly method: string
  /**
   * The request's id as the client gave it (`RequestContext.clientRequestId`: over stateless HTTP,
   * not the endpoint's own); a string id longer than 200 characters is clipped.
   */
  readonly requestId: JsonRpc.RequestId
  readonly sessionId: string
  readonly durationMillis: number
  readonly outcome: Outcome
  /** The JSON-RPC error code, for the `"error"` outcome. */
  readonly errorCode?: number
  /** The JSON-RPC error message, for the `"error"` outcome. */
  readonly errorMessage?: string
  /** The (redacted) params, with `includeParams`. */
  readonly params?: unknown
}

/**
 * How deep logged params may nest (a top-level object is level 1). The client chooses them: a few
 * KB of `[[[…]]]` overflowed the stack of what walks them next (`redactKeys`, a JSON logger), and
 * the request, answered until then, was answered -32603 with no line logged.
 *
 * @since 0.2.0
 * @category limits
 */
export const maxParamsDepth = 64

/**
 * What the `params` annotation says of params nested deeper than {@link maxParamsDepth} levels.
 *
 * @since 0.2.0
 * @category constants
 */
export const paramsTooDeep = `[params nested deeper than ${maxParamsDepth} levels: not logged]`

// ---------------------------------------------------------------------------
// Middleware
// ---------------------------------------------------------------------------

/**
 * Logs one line per request when it ends, annotated with {@link Annotations}; the message is
 * `"<method> <outcome>"`.
 *
 * **Details**
 *
 * It is an `onRequest` hook: it sees every request (unknown methods and invalid params too) and
 * times everything below it, typed hooks included. Put it first (outermost) to log what clients
 * get. Wrapping costs every request a fiber, even synchronous ones. A level that is not a
 * `LogLevel.Severity` (`"info"`), or an option of the wrong kind, is a `TypeError` naming it,
 * thrown here.
 *
 * **Example** (Logging every message, secrets redacted)
 *
 * ```ts
 * const Stack = McpServer.middleware(Logging.middleware({ includeParams: true, redact: Logging.redactKeys("token") }))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (config: Config = {}): Middleware.Middleware => {
  checkConfig(config)
  const level = config.level ?? "Info"
  const failureLevel = config.failureLevel ?? "Warn"
  const defectLevel = config.defectLevel ?? "Error"
  const includeParams = config.includeParams === true
  const redact = config.redact
  return Middleware.make("logging", {
    onRequest: (request, context, next) =>
      Effect.clockWith((clock) => {
        const start = clock.currentTimeNanosUnsafe()
        return Effect.onExit(next(request), (exit) => {
          // The client's text, clipped as error messages quote it: a 3 MB method name (or string
          // id) was written whole, twice for the method (its annotation and the message).
          const method = clip(request.method)
          // The id the client gave: a stateless HTTP endpoint answers under an id of its own
          // (`request.id`, a counter no client saw), which made the line useless to correlate.
          const id = context.clientRequestId
          const annotations: Record<string, unknown> = {
            method,
            requestId: typeof id === "string" ? clip(id) : id,
            sessionId: context.sessionId,
            durationMillis: Math.round(Number(clock.currentTimeNanosUnsafe() - start) / 1_000) / 1_000,
            outcome: outcomeOf(exit)
          }
          if (includeParams) {
            // Measured without recursion, before anything walks them (see `maxParamsDepth`).
            annotations.params = nestedDeeperThan(request.params, maxParamsDepth)
              ? paramsTooDeep
              : redact === undefined
              ? request.params
              : redacted(redact, request.params, request.method)
          }
          const message = `${method} ${annotations.outcome}`
          let log: Effect.Effect<void>
          if (exit._tag === "Success") {
            log = Effect.logWithLevel(annotations.outcome === "tool-error" ? failureLevel : level)(message)
          } else {
            const error = McpError.fromCause(exit.cause)
            if (error === undefined) {
              log = Effect.logWithLevel(level)(message)
            } else {
              annotations.errorCode = error.code
              annotations.errorMessage = error.message
              // A masked -32603 (`internalErrorObject`): the session logs its cause; logged here
              // too, a 5 MB defect message was written twice. The client's fault (a 2025-era
              // missing capability is -32603 naming it) is no server failure: as the session, not
              // its cause (`McpError.isClientFault`).
              log = error.code !== McpError.ErrorCode.InternalError || McpError.isClientFault(exit.cause)
                ? Effect.logWithLevel(failureLevel)(message)
                : error === McpError.internalErrorObject
                ? Effect.logWithLevel(defectLevel)(message)
                : Effect.logWithLevel(defectLevel)(message, forLog(exit.cause))
            }
          }
          return Effect.annotateLogs(log, annotations)
        })
      })
  })
}

/**
 * What the `params` annotation says when `redact` threw: not the params (what it was to hide may be
 * in them, or in its error).
 *
 * @since 0.2.0
 * @category constants
 */
export const redactFailed = "[params not logged: redact threw]"

/**
 * The params as `redact` makes them; {@link redactFailed} when it throws. A line is an observation:
 * a `redact` that threw on some params turned the request's answer, a call that had done its work
 * included, into -32603, and its line was lost.
 */
const redacted = (redact: (params: unknown, method: string) => unknown, params: unknown, method: string): unknown => {
  try {
    return redact(params, method)
  } catch {
    return redactFailed
  }
}

/** The levels a line may be logged at. */
const severities: ReadonlyArray<LogLevel.Severity> = ["Fatal", "Error", "Warn", "Info", "Debug", "Trace"]

/**
 * Refuses what no type checked, when the middleware is made: a level Effect does not know
 * (`"info"`, `"warning"`) logged every line at it, which no logger printed (every request's line
 * lost, silently); `includeParams: "true"` (a string) included nothing.
 */
const checkConfig = (config: Config): void => {
  if (typeof config !== "object" || config === null) throw notWhat("Logging", "the configuration", "an object", config)
  for (const option of ["level", "failureLevel", "defectLevel"] as const) checkOneOf("Logging", option, config[option], severities)
  checkBoolean("Logging", "includeParams", config.includeParams)
  checkFunction("Logging", "redact", config.redact)
}

// ---------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------

/**
 * A `redact` function that replaces the value of every property with one of the given names,
 * at any depth, by `"[redacted]"`. What nests deeper than {@link maxParamsDepth} levels is
 * replaced by {@link paramsTooDeep} (it recurses: deeper, it would overflow the stack).
 *
 * @since 0.1.0
 * @category constructors
 */
export const redactKeys = (...keys: ReadonlyArray<string>): (params: unknown) => unknown => {
  const secret = new Set(keys)
  const go = (value: unknown, depth: number): unknown => {
    if (typeof value !== "object" || value === null) return value
    if (depth > maxParamsDepth) return paramsTooDeep
    if (Array.isArray(value)) return value.map((inner) => go(inner, depth + 1))
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) out[key] = secret.has(key) ? "[redacted]" : go(inner, depth + 1)
    return out
  }
  return (params) => go(params, 1)
}
