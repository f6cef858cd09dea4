/**
 * What a handler of the authoring API can do for its request, as Effects that need the
 * `McpRequestContext` service (provided to every tool, resource, prompt and completion handler).
 *
 * Calls that need a capability the client did not declare fail with a typed
 * `ClientCapabilityMissing`; `elicit` decodes the user's answer with the Schema that described the
 * form, so the handler gets a typed value.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as McpError from "../protocol/McpError.ts"
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitResult,
  Implementation,
  ListRootsResult,
  LoggingLevel,
  ProgressToken
} from "../protocol/McpSchema.ts"
import type { ProtocolVersion } from "../protocol/ProtocolVersion.ts"
import type { ClientRequestError, ClientResultInvalid } from "../session/ClientRequestError.ts"
import type { HttpRequestInfo } from "../session/Connection.ts"
import {
  type ClientRequestOptions,
  McpRequestContext,
  type Principal,
  type RequestContext
} from "../session/RequestContext.ts"
import * as InputRound from "../session/InputRound.ts"
import * as JsonSchema from "./JsonSchema.ts"

// What these effects fail with and need, exported from here: a handler's inferred type then names
// them from this module, which a user's declaration emit (a library, a monorepo package) needs.
/**
 * What `elicit`, `elicitUrl`, `sample` and `listRoots` fail with (a `ClientRequestError`: the
 * client lacks the capability, answered with an error, did not answer in time, answered something
 * invalid, speaks a version without server→client requests, or the session closed; `SessionClosed`
 * with `reason: "taskCancelled"` too: the task the work runs for was cancelled, nothing was asked).
 *
 * @since 0.2.0
 * @category errors
 */
export {
  ClientCapabilityMissing,
  type ClientRequestError,
  ClientRequestFailed,
  ClientRequestTimeout,
  ClientResultInvalid,
  ClientVersionUnsupported,
  SessionClosed
} from "../session/ClientRequestError.ts"
/**
 * The HTTP request that carried a message (the request context's `http`; absent over stdio and
 * in memory).
 *
 * @since 0.2.0
 * @category models
 */
export type { HttpRequestInfo } from "../session/Connection.ts"
/**
 * The request context (`McpRequestContext`, the service a handler's effect needs; its value a
 * `RequestContext`) and the authenticated caller it names (`Principal`).
 *
 * @since 0.2.0
 * @category context
 */
export { McpRequestContext, type Principal, type RequestContext } from "../session/RequestContext.ts"

/**
 * The whole context of the request being handled, which the other accessors here each read one
 * part of: for what they do not cover.
 *
 * @since 0.1.0
 * @category context
 */
export const current: Effect.Effect<RequestContext, never, McpRequestContext> = Effect.service(McpRequestContext)

const use = <A, E>(f: (context: RequestContext) => Effect.Effect<A, E>): Effect.Effect<A, E, McpRequestContext> =>
  Effect.flatMap(current, f)

/**
 * Logs to the client (`notifications/message`), honouring the session's `logging/setLevel` (2026-07-28:
 * the request's `logLevel`). A level MCP does not have, or a logger that is not a string, is a defect.
 * `Effect.log` in a handler reaches the client too; `Effect.logDebug` and `logTrace` only when the
 * client asked for `debug` (Effect's minimum log level holds them back otherwise). Tied to the
 * request: nothing is sent once it is answered (see `ClientChannel`); work the handler leaves
 * running logs through `context.session.log`.
 *
 * @since 0.1.0
 * @category context
 */
export const log = (level: LoggingLevel, data: unknown, logger?: string): Effect.Effect<void, never, McpRequestContext> =>
  use((context) => context.log(level, data, logger))

/**
 * Reports progress; a no-op when the client sent no progress token, or once the request is
 * answered (a progress notification is for a request in progress: see `ClientChannel`).
 *
 * @since 0.1.0
 * @category context
 */
export const progress = (
  progress: number,
  total?: number,
  message?: string
): Effect.Effect<void, never, McpRequestContext> => use((context) => context.progress(progress, total, message))

/**
 * MCP 2026-07-28 (the tasks extension): makes this call a background task from here on. The call
 * is answered at once with a `CreateTaskResult`; the rest of the handler runs as the task, and its
 * input requests (`elicit`, `sample`, `listRoots`) are listed in the task's `inputRequests` until
 * `tasks/update` answers them. Before it, input comes by multi round-trip like any call's: a tool
 * can gather its input first, then become a task (`tasks-mrtr-composition`). A question asked
 * beside it (concurrently, in either order) is the task's, as one asked after it.
 *
 * Without `becomeTask`, the server decides: a call of a task-supporting tool from a client that
 * declared the extension becomes a task once it has run `tasks.promoteAfterMillis` (default
 * 100 ms) without finishing; a call that finishes sooner is answered directly (a `required`
 * tool's as an already completed task).
 *
 * A no-op anywhere else: a 2025-11-25 request (its client decides with `params.task`), a client
 * that did not declare the extension, a tool that does not support tasks, a call already a task.
 * Fails with 429 (`LimitExceeded`) when a task limit is reached, and with -32603 "Store
 * unavailable: TaskStore" (`StoreUnavailable`) when the task store failed (a shared store down):
 * uncaught, the call is answered so; caught (`Effect.catchTag("StoreUnavailable", ...)`), the
 * handler goes on as a call that is not a task.
 *
 * @since 0.2.0
 * @category tasks
 * @example
 * ```ts
 * const Deploy = McpServer.tool({
 *   name: "deploy",
 *   parameters: { service: Schema.String },
 *   execution: { taskSupport: "optional" },
 *   handler: ({ service }) =>
 *     Effect.gen(function*() {
 *       const go = yield* McpContext.elicit(`Deploy ${service}?`, Schema.Struct({ ok: Schema.Boolean })).pipe(Effect.orDie)
 *       if (go.action !== "accept" || !go.content.ok) return "not deployed"
 *       yield* McpContext.becomeTask // answered now; the rollout runs as the task
 *       return yield* rollout(service)
 *     })
 * })
 * ```
 */
export const becomeTask: Effect.Effect<void, McpError.LimitExceeded | McpError.StoreUnavailable, McpRequestContext> = use((context) =>
  context.relatedTask?.promote ?? Effect.void
)

/**
 * The request's `params._meta`.
 *
 * @since 0.1.0
 * @category context
 */
export const meta: Effect.Effect<{ readonly [key: string]: unknown } | undefined, never, McpRequestContext> = Effect
  .map(current, (context) => context.meta)

/**
 * The request's progress token, if the client asked for progress.
 *
 * @since 0.1.0
 * @category context
 */
export const progressToken: Effect.Effect<ProgressToken | undefined, never, McpRequestContext> = Effect.map(
  current,
  (context) => context.progressToken
)

/**
 * The client's name and version.
 *
 * @since 0.1.0
 * @category context
 */
export const clientInfo: Effect.Effect<Implementation | undefined, never, McpRequestContext> = Effect.map(
  current,
  (context) => context.clientInfo
)

/**
 * The capabilities the client declared.
 *
 * @since 0.1.0
 * @category context
 */
export const clientCapabilities: Effect.Effect<ClientCapabilities, never, McpRequestContext> = Effect.map(
  current,
  (context) => context.clientCapabilities
)

/**
 * The protocol version in force for this request.
 *
 * @since 0.1.0
 * @category context
 */
export const protocolVersion: Effect.Effect<ProtocolVersion, never, McpRequestContext> = Effect.map(
  current,
  (context) => context.protocolVersion
)

/**
 * The id of the session the request arrived on: a stdio or in-memory connection's, a stateful
 * Streamable HTTP session's (`Mcp-Session-Id`). Stateless requests (every 2026-07-28 request over
 * HTTP, every request of a stateless endpoint) are all answered by one shared session, so they
 * all read its one id: state per client is keyed by `principal` (or the HTTP request) there, not
 * by this.
 *
 * @since 0.1.0
 * @category context
 */
export const sessionId: Effect.Effect<string, never, McpRequestContext> = Effect.map(current, (context) => context.sessionId)

/**
 * The HTTP request that carried this call (method, URL, headers, remote address), read-only;
 * `undefined` over stdio and in-memory. `header(name)` reads one header without copying them all.
 *
 * @example
 * ```ts
 * const tenant = Effect.map(McpContext.http, (http) => http?.header("x-tenant"))
 * ```
 *
 * @since 0.2.0
 * @category context
 */
export const http: Effect.Effect<HttpRequestInfo | undefined, never, McpRequestContext> = Effect.map(
  current,
  (context) => context.http
)

/**
 * The authenticated principal, when there is one.
 *
 * @since 0.1.0
 * @category context
 */
export const principal: Effect.Effect<Principal | undefined, never, McpRequestContext> = Effect.map(
  current,
  (context) => context.principal
)

/**
 * Asks the client's model for a completion (`sampling/createMessage`); needs client `sampling`.
 * In MCP 2026-07-28 it is asked by multi round-trip (see {@link elicit}); `options.inputKey`
 * names it among the input requests.
 *
 * @since 0.1.0
 * @category context
 */
export const sample = (
  params: CreateMessageRequestParams,
  options?: ClientRequestOptions
): Effect.Effect<CreateMessageResult, ClientRequestError, McpRequestContext> =>
  use((context) => context.createMessage(params, options))

/**
 * Lists the client's roots (`roots/list`); needs client `roots`. `options` as for {@link sample}.
 *
 * @since 0.1.0
 * @category context
 */
export const listRoots: Effect.Effect<ListRootsResult, ClientRequestError, McpRequestContext> = use((context) =>
  context.listRoots()
)

/**
 * {@link listRoots} with options (e.g. the MRTR `inputKey`).
 *
 * @since 0.2.0
 * @category context
 */
export const listRootsWith = (
  options: ClientRequestOptions
): Effect.Effect<ListRootsResult, ClientRequestError, McpRequestContext> => use((context) => context.listRoots(options))

// ---------------------------------------------------------------------------
// Elicitation
// ---------------------------------------------------------------------------

/**
 * The user's answer to a form elicitation, with the content decoded by the form's Schema.
 *
 * @since 0.1.0
 * @category models
 */
export type ElicitOutcome<A> =
  | { readonly action: "accept"; readonly content: A }
  | { readonly action: "decline" }
  | { readonly action: "cancel" }

/**
 * The client accepted a form but its content does not match the form's Schema. A tool handler may
 * let it through, or make it a defect (`Effect.orDie`): the request is answered -32602 saying what
 * is wrong, in both eras (the client's answer is invalid, not the tool's work).
 *
 * @since 0.1.0
 * @category errors
 */
export class ElicitationInvalid extends Data.TaggedError("ElicitationInvalid")<{ readonly message: string }> {}

/**
 * The client's invalid answer to what a handler asked, in either era: `ElicitationInvalid` (an
 * accepted form whose content does not match it) or `ClientResultInvalid` (an answer that is not
 * the method's result: an elicitation answer without `action`, a sampling answer without
 * `content`). Tools, prompts and resources may let it through, or make it a defect
 * (`Effect.orDie`): the request is answered -32602 saying what is wrong (`McpError.clientFault`,
 * the one mapping), not logged.
 *
 * @since 0.2.0
 * @category errors
 */
export type InputAnswerInvalid = ElicitationInvalid | ClientResultInvalid

const elicitationSchemas = new WeakMap<Schema.Top, JsonSchema.JsonSchema>()
const elicitationDecoders = new WeakMap<Schema.Top, (input: unknown) => Exit.Exit<unknown, Schema.SchemaError>>()

/**
 * Whether a cause is the stop of a handler whose input is missing (MCP 2026-07-28: `elicit`,
 * `sample`, `listRoots` without an answer yet; the request is answered `input_required` and the
 * handler runs again when the client retries). Code that catches every cause must let it through,
 * or the question is never asked and the call completes with whatever that code made of it. A
 * guard: such a cause holds stops (defects) and interruptions only (`Cause<never>`), to fail with
 * as it is.
 *
 * It agrees with what the server answers (`McpError.failureBesideInput`, the one rule): true
 * exactly for the causes answered `input_required`, stops and nothing else but interruptions
 * (another branch's, which the stop ended). A stop *beside* anything else (a defect of another
 * branch, a typed failure, the client's fault) is answered as that would be alone, not
 * `input_required`, and the predicate is false for it: code that recovers from failures recovers
 * from that one as from the failure alone (and code that lets failures through lets it through:
 * the server then answers the failure, as it would without the stop). A URL elicitation required
 * (`McpError.UrlElicitationRequired`) is a failure to it, beside a stop as alone: let it through
 * by its tag, and the server asks for it with the handler's questions, in one round.
 *
 * **Example** (A cleanup that catches everything but the stop)
 *
 * ```ts
 * const guarded = Effect.catchCause(work, (cause) =>
 *   McpContext.isInputRequired(cause) ? Effect.failCause(cause) : Effect.succeed("failed, cleaned up"))
 * ```
 *
 * @since 0.2.0
 * @category predicates
 */
export const isInputRequired: (cause: Cause.Cause<unknown>) => cause is Cause.Cause<never> = InputRound
  .isInputRequired as (cause: Cause.Cause<unknown>) => cause is Cause.Cause<never>

/**
 * Asks the user to fill in a form described by a Schema of primitive fields (strings, numbers,
 * booleans, enums; defaults and descriptions from annotations) and decodes the answer with it,
 * from the JSON form the client was asked for (a `Schema.Date` field is asked as a string and
 * arrives a `Date`, as a tool's parameters do).
 *
 * **Details**
 *
 * Over a 2025-era session this sends `elicitation/create` and waits for the answer. In MCP
 * 2026-07-28 the server sends no requests: the call answers from the client's `inputResponses`
 * when they hold it, else the request is answered `input_required` and the handler runs again,
 * from the start, when the client retries with the answer (multi round-trip; so ask before acting).
 * `options.inputKey` names the input (default `elicitation/create-<n>` by order of asking). Under
 * a default key an answer is given only to the same question (method and params) in the next
 * round: a question whose text changes from round to round (a count, a time, a fresh URL) is asked
 * again in every round, until the client gives up (the SDK v2 client after 10 rounds); name it
 * with `inputKey`, whose answer is given whatever the text. The stop is a defect, so that catching typed failures lets it through; code that catches every cause
 * around the question (`Effect.catchCause`, `Effect.exit`, `Effect.sandbox`) must let it through
 * too (see {@link isInputRequired}), or the question is never asked.
 *
 * **Example** (Asking for a name)
 *
 * ```ts
 * const outcome = yield* McpContext.elicit("Who are you?", Schema.Struct({ name: Schema.String }))
 * if (outcome.action === "accept") return `hello ${outcome.content.name}`
 * ```
 *
 * @since 0.1.0
 * @category context
 */
export const elicit = <S extends Schema.Top & { readonly Encoded: object; readonly DecodingServices: never }>(
  message: string,
  schema: S,
  options?: ClientRequestOptions
): Effect.Effect<ElicitOutcome<S["Type"]>, ClientRequestError | ElicitationInvalid, McpRequestContext> => {
  let requestedSchema = elicitationSchemas.get(schema)
  if (requestedSchema === undefined) {
    requestedSchema = JsonSchema.elicitationSchema(schema)
    elicitationSchemas.set(schema, requestedSchema)
  }
  // Decoded through the schema's JSON codec: the form the client filled in is the JSON Schema of
  // that codec (a `Schema.Date` field is asked as a string), not of the schema's own encoded side.
  let decoder = elicitationDecoders.get(schema)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknownExit(Schema.toCodecJson(schema as unknown as Schema.Codec<unknown, unknown>))
    elicitationDecoders.set(schema, decoder)
  }
  const decode = decoder as (input: unknown) => Exit.Exit<S["Type"], Schema.SchemaError>
  const params = { message, requestedSchema } as unknown as Parameters<RequestContext["elicit"]>[0]
  return use((context) =>
    Effect.flatMap(context.elicit(params, options), (result): Effect.Effect<ElicitOutcome<S["Type"]>, ElicitationInvalid> => {
      if (result.action !== "accept") return Exit.succeed({ action: result.action })
      const content = decode(result.content ?? {})
      if (content._tag === "Success") return Exit.succeed({ action: "accept", content: content.value })
      // A decode that died (a transformation of the form's schema threw) is the server's defect,
      // not an answer that does not match: it stays one (masked for the client, logged).
      if (!McpError.isSchemaVerdict(content.cause)) return Exit.failCause(content.cause as Cause.Cause<never>)
      return Exit.fail(new ElicitationInvalid({
        message: `The client's answer does not match the form: ${McpError.schemaFailureMessage(content.cause)}`
      }))
    })
  )
}

/**
 * Sends the user to a URL (URL-mode elicitation, MCP 2025-11-25; needs client `elicitation.url`,
 * which a client of an earlier version never has: `ClientCapabilityMissing` whatever it declared):
 * for flows that must not pass through the client (credentials, payments). The answer only says
 * whether the user agreed to open it. `elicitationId` (default: a random UUID) names it to a
 * 2025-11-25 client; MCP 2026-07-28 has none (its input key names it), so it is not sent there.
 *
 * @since 0.1.0
 * @category context
 */
export const elicitUrl = (options: {
  readonly message: string
  readonly url: string
  readonly elicitationId?: string | undefined
}): Effect.Effect<ElicitResult, ClientRequestError, McpRequestContext> =>
  use((context) =>
    context.elicit({
      mode: "url",
      message: options.message,
      url: options.url,
      elicitationId: options.elicitationId ?? crypto.randomUUID()
    })
  )

/**
 * Closes this request's response stream while the handler keeps running (Streamable HTTP, SEP-1699
 * polling): the client reconnects with `Last-Event-ID` and receives the rest, the result included.
 * A no-op on stdio and in memory.
 *
 * @since 0.1.0
 * @category context
 */
export const closeStream: Effect.Effect<void, never, McpRequestContext> = Effect.flatMap(current, (context) =>
  context.closeStream
)
