/**
 * What a handler knows and can do for the request it is answering.
 *
 * A request context is a plain value built once per request (no service lookup, no closures):
 * the negotiated protocol version, the client's capabilities and info, the request `_meta` and
 * progress token, and effects to notify, report progress, log to the client and send
 * server→client requests (ping, sampling, elicitation, roots) tied to this request, so that
 * Streamable HTTP can deliver them on the request's own stream before its response.
 *
 * The values are the request's own (`Negotiation.resolve`): from the session's handshake in the
 * 2025-11-25 era, from the request's `_meta` in 2026-07-28, behind the same interface.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { LimitExceeded, StoreUnavailable } from "../protocol/McpError.ts"
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  Implementation,
  ListRootsResult,
  LoggingLevel,
  ProgressToken
} from "../protocol/McpSchema.ts"
import type { ProtocolVersion } from "../protocol/ProtocolVersion.ts"
import type { ClientRequestError, ClientResultInvalid, SessionClosed } from "./ClientRequestError.ts"
import type { HttpRequestInfo } from "./Connection.ts"
import type { InputRound } from "./InputRound.ts"
import type { ClientChannel, ClientRequestOptions } from "./ClientChannel.ts"
import type { Principal } from "./Principal.ts"
import type { ServerSession } from "./Session.ts"

/** The channel to the client and its request options: declared in `ClientChannel.ts`, kept here where they always were. */
export type { ClientChannel, ClientRequestOptions } from "./ClientChannel.ts"
/** Who is calling: declared in `Principal.ts`, kept here where it always was. */
export type { Principal } from "./Principal.ts"

/** What a middleware may replace in the request context it passes on. */
export interface ContextOverrides {
  readonly principal?: Principal | undefined
  /** Set for a handler running as a background task. */
  readonly relatedTask?: RelatedTask | undefined
  /** Set for a 2026-07-28 request that may answer `input_required` (MRTR): see {@link InputRound}. */
  readonly inputRound?: InputRound | undefined
  /**
   * Told the method of each server→client request (sampling, elicitation, roots, ping) that the
   * code below sends, before it is sent: through this request context (`McpContext.elicit`,
   * `sample`, `listRoots`, `ping`, `context.request`), whichever way it goes (a session's request,
   * a 2026-07-28 round's input, a task's input), but not a 2026-07-28 `ping` (answered here, the
   * client is not asked); and untied, through a session (`context.session.request`), when this
   * context reaches the code below by a middleware's `next(params, context)` and the request is
   * sent by the fiber that runs it or a fiber it forked (the observers go with the fiber: the
   * session is the same object for every request). A fiber that outlives the request can tell
   * the observer after the request was answered. Added to any observer the context already has
   * (both are told). For a middleware whose work depends on whether the answer holds the
   * client's input: `ResponseCache` does not keep such an answer.
   */
  readonly onClientRequest?: ((method: string) => void) | undefined
}

/**
 * The task a handler runs for: its messages carry the related-task `_meta`, and while it waits
 * for the client (sampling, elicitation) the task is `input_required`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RelatedTask {
  /**
   * The task's id; `""` while a 2026-07-28 call runs before the server decided to make it a task
   * (see `McpContext.becomeTask`): until then its input comes by multi round-trip, as any call's.
   */
  readonly taskId: string
  /** Called with `true` before a server→client request, `false` once it is answered (2025-11-25). */
  readonly awaitingInput: (waiting: boolean) => Effect.Effect<void>
  /**
   * `_meta` every message of the task carries (notifications, log messages, server→client
   * requests): the 2025-11-25 wire's related-task key; none for the 2026-07-28 extension.
   */
  readonly meta?: { readonly [key: string]: unknown } | undefined
  /**
   * The route of the task's messages (see `Outbound.route`): the 2025-11-25 wire's task id, so
   * that its `tasks/result` carries them; none for the 2026-07-28 extension.
   */
  readonly route?: string | undefined
  /**
   * The session whose `tasks/result` waits for the task now (2025-11-25 over Streamable HTTP), when
   * it may be another than the one that created it (a principal's task is reached from each of its
   * sessions): the task's server→client requests go through it (its `tasks/result` stream, its
   * client's answers). Of several, the last to ask among those that still take requests (not
   * closed, not draining). `undefined`: through the session that created it.
   */
  readonly via?: ServerSession | undefined
  /**
   * Completes when the session whose `tasks/result` waits for the task changes (see `via`), from
   * the moment it is read: a request of the task that the client does not read on the session it
   * went through (held unsent there, or on streams the client left) is then asked again through
   * the new one. `undefined`: it never changes.
   */
  readonly viaChanged?: Effect.Effect<void> | undefined
  /**
   * Where the task's messages go, made known before its notification goes (see `via`): on a store
   * shared by replicas, a look-up of a `tasks/result` waiting for it on another replica, at its
   * first notification with none waiting here. `undefined` (or absent): known.
   */
  readonly locate?: (() => Effect.Effect<void> | undefined) | undefined
  /** As {@link locate}, for a synchronous log: the look-up runs on its own (this log goes where `via` says now). */
  readonly locateUnsafe?: (() => void) | undefined
  /**
   * MCP 2026-07-28 (the tasks extension): how the task asks the client for input. The server sends
   * no request: the input is listed in the task's `inputRequests` (key: `inputKey`, else
   * `<method>-<n>`) until `tasks/update` brings an answer, which it gives decoded as the method's
   * result (an answer that does not decode is `ClientResultInvalid`, as in a multi round-trip and
   * a 2025-era session). Set only for tasks of that extension;
   * their messages carry no related-task `_meta`, and no progress or log notifications are sent
   * for them (the extension has none).
   */
  readonly ask?:
    | ((
      method: string,
      params: { readonly [key: string]: unknown } | undefined,
      inputKey: string | undefined
    ) => Effect.Effect<unknown, ClientResultInvalid | SessionClosed>)
    | undefined
  /**
   * MCP 2026-07-28 (the tasks extension): told of each question of the call answered from its multi
   * round-trip round, before the call is a task (the request as asked, the `inputKey` it was asked
   * with, the answer as the client sent it): should the call become a task whose work runs again
   * from the start (once the user completed a URL elicitation it required), the same question is
   * given that answer there, not listed in the task's `inputRequests` again (see {@link ask}).
   *
   * @since 0.2.0
   */
  readonly answeredInRound?:
    | ((method: string, params: { readonly [key: string]: unknown } | undefined, inputKey: string | undefined, answer: unknown) => void)
    | undefined
  /**
   * MCP 2026-07-28: makes the call a task now, if it may become one (see `McpContext.becomeTask`);
   * fails with 429 when a task limit is reached, -32603 `StoreUnavailable` when the task store failed.
   */
  readonly promote?: Effect.Effect<void, LimitExceeded | StoreUnavailable> | undefined
  /**
   * MCP 2026-07-28 (the tasks extension): while the call is being made a task (by the server on
   * its own, its `promoteAfterMillis` elapsed, or by the handler's `becomeTask`, the task being
   * created), that creation, to wait for. Input the
   * work asks for then is asked once the task exists, the task's way (listed in its
   * `inputRequests`, answered by `tasks/update`); if the creation failed, the round's way (the
   * call is answered with that failure). Asked in the call's round instead, the work stopped as
   * its task was created and the task `failed` (-32603). Waiting for it again creates nothing
   * more: it ends as the one creation ended. `undefined` (or absent): no creation started, or its
   * task exists. A question that stopped in the round as the creation started (asked beside
   * `becomeTask`) is taken back from the round and asked so too.
   *
   * @since 0.2.0
   */
  readonly promoting?: Effect.Effect<unknown, unknown> | undefined
  /**
   * True once the task is no longer this work's though the work still runs: cancelled (an
   * uninterruptible region runs to its end), expired (its TTL elapsed; it fails as expired when
   * the work ends), or taken over by another replica. Its messages to
   * the client (progress, log lines, its own notifications) stop then (MCP 2025-11-25: progress
   * "MUST stop at a terminal status"; a request says nothing after its answer either), and what
   * it asks the client for (`elicit`, `sample`, `listRoots`, in either era) fails at once with
   * `SessionClosed` (`reason: "taskCancelled"`), asking nothing. Read as each message is sent.
   * `undefined` (or absent): it is the work's.
   *
   * @since 0.2.0
   */
  readonly ended?: boolean | undefined
  /**
   * Completes when the task's work stops being the task's (cancelled, here or by another replica;
   * expired; its lease lost) while it waits for the client's answer to a request (2025-11-25),
   * from the moment it is read: the request is given up then,
   * failing with `SessionClosed` (`reason: "taskCancelled"`), as one asked after the cancel does.
   * `undefined`: nothing tells.
   *
   * @since 0.2.0
   */
  readonly whenEnded?: Effect.Effect<void> | undefined
}

/**
 * The per-request view of a session, given to every request handler.
 *
 * **Details**
 *
 * Every effect here is safe to call whatever the client declared: `progress` is a no-op without
 * a progress token, `log` respects the session's `logging/setLevel`, and server→client requests
 * fail with a typed `ClientCapabilityMissing` when the client did not declare what they need.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestContext extends ClientChannel {
  /** The JSON-RPC id of the request being answered (the transport's own, over stateless HTTP). */
  readonly requestId: JsonRpc.RequestId
  /**
   * The JSON-RPC id the client gave the request: `requestId`, except where the transport answers
   * under an id of its own (over stateless HTTP: MCP 2026-07-28, and 2025 with `stateless: true`).
   * What the client can correlate with, e.g. a `subscriptions/listen` request's `subscriptionId`.
   */
  readonly clientRequestId: JsonRpc.RequestId
  /** The request method, e.g. `"tools/call"`. */
  readonly method: string
  /** The request `params._meta`, when the client sent one. */
  readonly meta: { readonly [key: string]: unknown } | undefined
  /** The request's progress token, when the client asked for progress. */
  readonly progressToken: ProgressToken | undefined
  /** The protocol version in force for this request. */
  readonly protocolVersion: ProtocolVersion
  /** The capabilities the client declared. */
  readonly clientCapabilities: ClientCapabilities
  /** The client's name and version, once known. */
  readonly clientInfo: Implementation | undefined
  /**
   * An opaque id of the session (unique per connection or stateful HTTP session; the stateless
   * requests of Streamable HTTP share the one of the session that answers them all).
   */
  readonly sessionId: string
  /**
   * The session the request arrived on (for notifications and requests not tied to it). Its
   * `request` reaches the client only over a session that has a channel of its own: asked in a
   * 2026-07-28 request (an era with no server→client requests: its handler, middleware, or a fiber
   * they forked) it fails at once with `ClientVersionUnsupported`; asked on a stateless session
   * (stateless Streamable HTTP's) in a 2025 request, with `SessionClosed` and
   * `reason: "stateless"`; nothing is sent. Ask through this context instead.
   */
  readonly session: ServerSession
  /** The authenticated principal, when there is one. */
  readonly principal: Principal | undefined
  /**
   * The HTTP request that carried this request (method, URL, headers, remote address), read-only;
   * `undefined` on transports without HTTP (stdio, in-memory).
   */
  readonly http: HttpRequestInfo | undefined
  /** The task this handler runs for, when it runs as a background task. */
  readonly relatedTask: RelatedTask | undefined
  /**
   * MCP 2026-07-28: the round of a request that may answer `input_required` (`tools/call`,
   * `prompts/get`, `resources/read`): server→client requests are answered from it, or end the
   * round (see {@link InputRound}).
   */
  readonly inputRound: InputRound | undefined
  /**
   * Logs to the client synchronously (what the `Effect.log` bridge uses): same gates as `log`
   * (a level MCP does not have, or a logger that is not a string, throws the `TypeError`).
   */
  readonly logUnsafe: (level: LoggingLevel, data: unknown, logger?: string) => void
  /**
   * Closes this request's response stream while the handler keeps running (Streamable HTTP, SEP-1699
   * polling: the client resumes with `Last-Event-ID`). A no-op on transports without such streams.
   */
  readonly closeStream: Effect.Effect<void>
  /**
   * A copy of this context with some values replaced, for the handlers below a middleware
   * (e.g. an authentication middleware sets the `principal`).
   */
  readonly with: (overrides: ContextOverrides) => RequestContext

  /**
   * Reports progress on this request; a no-op when the client sent no progress token, or once the
   * request is answered (see `ClientChannel`).
   */
  readonly progress: (progress: number, total?: number, message?: string) => Effect.Effect<void>
  /** `ping` the client. */
  readonly ping: (options?: ClientRequestOptions) => Effect.Effect<void, ClientRequestError>
  /** Asks the client's LLM for a completion (`sampling/createMessage`); needs client `sampling`. */
  readonly createMessage: (
    params: CreateMessageRequestParams,
    options?: ClientRequestOptions
  ) => Effect.Effect<CreateMessageResult, ClientRequestError>
  /** Asks the user for input (`elicitation/create`, form or URL mode); needs client `elicitation`. */
  readonly elicit: (
    params: ElicitRequestFormParams | ElicitRequestURLParams,
    options?: ClientRequestOptions
  ) => Effect.Effect<ElicitResult, ClientRequestError>
  /** Lists the client's roots (`roots/list`); needs client `roots`. */
  readonly listRoots: (options?: ClientRequestOptions) => Effect.Effect<ListRootsResult, ClientRequestError>
}

/**
 * The request context as a service: provided to every handler of the authoring API, so code at
 * any depth of a handler can `yield* McpRequestContext` to log, report progress, elicit, sample or
 * read the request's metadata.
 *
 * @see {@link RequestContext}
 *
 * @since 0.1.0
 * @category services
 */
export class McpRequestContext extends Context.Service<McpRequestContext, RequestContext>()(
  "effect-mcp-server/McpRequestContext"
) {}
