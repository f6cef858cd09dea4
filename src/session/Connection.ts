/**
 * The contract between a session and a transport: a `read` effect and a `write` function.
 *
 * The transport frames and parses bytes into batches of messages, and the session pulls them with
 * `read` in its own fiber: pull-based all the way to the source (stdin is taken only while the
 * session asks for more: a chunk that comes while it is busy pauses it) or taken from a bounded Queue (the in-memory pair), so a busy session
 * slows its client down instead of growing memory. `read` is a plain effect, not a Stream: a
 * stdio server then never loads `effect/Stream` and its Channel machinery (about 20 ms of an
 * installed server's start); a transport that has a Stream turns it into `read` with
 * `Stream.toPull` (its pull has exactly this shape). The session hands batches of
 * outgoing messages to `write`: the responses a batch produced inline right after the batch
 * (one write per input batch, no fiber hop), and everything produced asynchronously through its
 * bounded outbound Queue and writer fiber.
 *
 * A transport whose input arrives as discrete deliveries (Streamable HTTP: one POST at a time)
 * opens a {@link PushConnection} instead: no read loop and no writer fiber live with the session;
 * the transport pushes messages into the session's {@link SessionInput}, and asynchronously
 * produced messages are written by a fiber that exists only while there is something to write.
 * An idle push session is a few plain objects.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { Implementation } from "../protocol/McpSchema.ts"
import type { ResolvedRequest } from "../protocol/Negotiation.ts"
import type * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import type { Principal } from "./Principal.ts"

/**
 * One outgoing message and the request it belongs to.
 *
 * **Details**
 *
 * `related` is the id of the client request a message belongs to: the request's own response,
 * and the notifications and server→client requests its handler emits. Streamable HTTP routes a
 * message to that request's stream; `undefined` means "not tied to a request" (list changes,
 * resource updates), which goes to the standalone stream (a request waits for that stream while
 * the client has none open; a notification is lost). Stdio ignores it.
 *
 * `route` groups the messages of something that outlives its request (a 2025-11-25 background
 * task: its id): a request that {@link PushConnection.claimRoute claimed} the route carries them
 * (the task's `tasks/result`), and a server→client request of the route with nowhere to go waits
 * for such a request or for the standalone stream. Transports without streams ignore it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outbound {
  /**
   * The message; an array is the answer to a JSON-RPC batch (MCP 2025-03-26 over a pulled
   * connection only: see `JsonRpc.BatchResponse`), written as one message.
   */
  readonly message: JsonRpc.Outgoing
  readonly related: JsonRpc.RequestId | undefined
  readonly route?: string | undefined
}

/**
 * An inbound frame that could not become a message (bytes that are not JSON, a message over the
 * size limit), with the error response the session sends for it.
 *
 * **Details**
 *
 * `answer` false: the frame was a notification or a response (a transport read that much of it),
 * which JSON-RPC never answers; middleware still observes the error. A response's `id` is the one
 * it answered: the session's request of that id fails with the error, instead of waiting for its
 * timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFrame {
  readonly response: JsonRpc.ErrorResponse
  readonly answer: boolean
  constructor(response: JsonRpc.ErrorResponse, answer = true) {
    this.response = response
    this.answer = answer
  }
}

/**
 * The connection's input broke or its output could not be written (EPIPE, reset, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportFailure extends Data.TaggedError("TransportFailure")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * One session's connection, as a transport opens it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  /**
   * Reads what arrived since the last read: one or more batches of parsed JSON values (or
   * {@link InvalidFrame}s), in arrival order (a batch may be empty); suspends until something
   * arrives. Fails with `Cause.Done` at end of input and with {@link TransportFailure} when the
   * connection breaks. Called again only after the session has taken in the previous batches.
   *
   * @example
   * ```ts
   * // A transport whose input is a Stream of batches, inside the scope `open` runs in:
   * const read = yield* Stream.toPull(batches)
   * ```
   */
  readonly read: Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, TransportFailure | Cause.Done>
  /**
   * Writes a batch of messages, in order; suspends while the sink is full (backpressure).
   *
   * **Gotchas**
   *
   * The batch must be handed to the sink synchronously, before `write` suspends: the session
   * writes from two places (its read loop and its writer fiber), and this keeps their order.
   */
  readonly write: (batch: ReadonlyArray<Outbound>) => Effect.Effect<void, TransportFailure>
  /**
   * Completes once everything written has left the transport's own buffers (stdio: reached the
   * pipe). The session waits for it at its end, after its writer (under a graceful shutdown within
   * its `shutdownTimeoutMillis`: a client that does not read cannot hold the process the signal is
   * to stop; so too when its input failed or it was interrupted). Transports whose writes are done
   * when `write` completes leave it out.
   */
  readonly flush?: Effect.Effect<void> | undefined
  /**
   * A count that grows as the client takes the output, within a write too (stdio: the bytes the
   * pipe took of a write still under way, as Node's handle reports them). The session looks at it
   * only when a handler's logs overflow the outbound queue, to tell a client that reads a long
   * write (several MB of answers, written at once) from one that reads nothing: counting finished
   * writes alone, it dropped the logs of a client that read all the time. Transports without such
   * a measure leave it out (finished writes count then).
   *
   * @since 0.1.0
   */
  readonly taken?: (() => number) | undefined
  /**
   * Closes the response stream of a request while it is still running (Streamable HTTP: the
   * client reconnects with `Last-Event-ID` and gets the rest from the event store). Transports
   * without such streams leave it out.
   */
  readonly closeStream?: ((related: JsonRpc.RequestId) => void) | undefined
  /**
   * Whether `read`, having failed with `Cause.Done` because a graceful shutdown stopped the input
   * (not at its end), may be called again while the session drains: it then reads on what the
   * client still sends (its answers to the server's requests the drain waits on; a new request is
   * refused -32000 "Server shutting down") and fails with `Cause.Done` at the input's end. Default
   * false: the drain fails the server's requests still waiting for an answer at once.
   *
   * @since 0.2.0
   */
  readonly readsOn?: boolean | undefined
  /**
   * The principal of the whole connection, when the transport knows it (stdio: from
   * configuration, as the MCP authorization spec says for stdio). Default: the session's option.
   */
  readonly principal?: Principal | undefined
}

/**
 * A connection the transport pushes messages into, instead of a Stream the session pulls.
 *
 * **Details**
 *
 * When the session starts it calls `attach` once with its {@link SessionInput}, and the effect
 * that runs the session completes at once: from then on the session lives until the transport
 * calls `end` or `interrupt`. The scope `open` ran in is closed when the session starts, so a
 * push connection must not keep resources in it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushConnection {
  /** Receives the session's input handle, once, when the session has started. */
  readonly attach: (input: SessionInput) => void
  /** As {@link Connection.write}; a failure ends the session. */
  readonly write: (batch: ReadonlyArray<Outbound>) => Effect.Effect<void, TransportFailure>
  /** As {@link Connection.closeStream}. */
  readonly closeStream?: ((related: JsonRpc.RequestId) => void) | undefined
  /**
   * From now until the request `related` is answered, messages of `route` (see
   * {@link Outbound.route}) go with it: on its stream (Streamable HTTP opens it at once: the
   * request may wait long), after the route's requests that were waiting for somewhere to go.
   * Transports without streams leave it out.
   */
  readonly claimRoute?: ((related: JsonRpc.RequestId, route: string) => Effect.Effect<void>) | undefined
  /**
   * Forgets the server→client request `id` (of `route`, if any) if the transport still holds it,
   * unsent for want of somewhere to go (Streamable HTTP: no GET stream open); whether it did.
   * Asked once, when the session gives the request up (timed out, interrupted): the client never
   * saw a withdrawn request, so no `notifications/cancelled` goes out for it. Transports that hold
   * nothing leave it out.
   */
  readonly withdraw?: ((id: JsonRpc.RequestId, route: string | undefined) => boolean) | undefined
  /**
   * Whether the client does not read the server→client request `id` (of `route`, if any) now: the
   * transport still holds it, unsent for want of somewhere to go (as {@link withdraw} would find
   * it; nothing is forgotten), or no stream the client reads would carry it (Streamable HTTP: it
   * left them; what they carried waits in the event store for a resumption). Transports whose
   * client reads every request leave it out.
   */
  readonly unread?: ((id: JsonRpc.RequestId, route: string | undefined) => boolean) | undefined
  /**
   * Whether a server→client request tied to no client request would go out now (Streamable HTTP:
   * the client has its standalone GET stream open; without one such a request waits for it).
   * Transports whose client reads everything leave it out.
   */
  readonly untiedReachable?: (() => boolean) | undefined
  /**
   * Called once when the session has closed, however it ended (`end`, `interrupt`, or a failed
   * write): the transport forgets it and answers further input as for an unknown session.
   */
  readonly onClosed?: (() => void) | undefined
}

/**
 * The HTTP request that carried a message, as handlers and middleware may read it (read-only):
 * the request context's `http`. Absent on transports without HTTP (stdio, in-memory).
 *
 * @since 0.2.0
 * @category models
 */
export interface HttpRequestInfo {
  /** The HTTP method (`POST` for a request's message). */
  readonly method: string
  /** The request URL as received (path and query). */
  readonly url: string
  /**
   * The request headers, names in lower case. Over Node this is a copy of the headers made when
   * first read, which logs `authorization`, `cookie`, `set-cookie` and `x-api-key` as
   * `<redacted>`; to read a few headers, {@link header} is cheaper.
   */
  readonly headers: { readonly [name: string]: string | undefined }
  /**
   * One request header by lower-case name (a repeated header as Node joins it), `undefined` when
   * absent; read without copying the headers (the framework's own reads use it).
   */
  readonly header: (name: string) => string | undefined
  /** The peer's address, when the platform knows it. */
  readonly remoteAddress: string | undefined
  /**
   * The peer's port (of the connection the request came over), when the platform tells it
   * (Node's server does; a web `Request` does not): OpenTelemetry's `client.port`.
   *
   * @since 0.2.0
   */
  readonly remotePort?: number | undefined
  /**
   * The HTTP version the request came over, as OpenTelemetry's `network.protocol.version` writes
   * it (`"1.1"`, `"2"`), when the platform tells it (Node's server does; a web `Request` does not).
   *
   * @since 0.2.0
   */
  readonly httpVersion?: string | undefined
  /**
   * The server's address of the connection the request came over (the endpoint's end: an IP
   * address), when the platform tells it (Node's server does; a web `Request` does not):
   * OpenTelemetry's `server.address`.
   *
   * @since 0.2.0
   */
  readonly localAddress?: string | undefined
  /**
   * The server's port of the connection the request came over, with {@link localAddress}:
   * OpenTelemetry's `server.port`.
   *
   * @since 0.2.0
   */
  readonly localPort?: number | undefined
  /**
   * The principal the transport's authentication verified for this HTTP request (a bearer
   * token): the request context's `principal`. `undefined` without authentication.
   */
  readonly principal?: Principal | undefined
  /**
   * The span current where the HTTP request was served: the HTTP server span Effect's HTTP server
   * makes for it (`HttpMiddleware.tracer`), unless its tracing is off. The MCP request runs in its
   * session, outside that span: telemetry relates them (`Telemetry`). `undefined` when there is
   * none, or the transport does not say.
   */
  readonly span?: Tracer.AnySpan | undefined
  /**
   * The JSON-RPC id the client gave the request, where the transport hands it to the session
   * under an id of its own (a stateless HTTP endpoint: its many clients' ids may collide);
   * `undefined` otherwise. Read it as `RequestContext.clientRequestId`.
   *
   * @since 0.2.0
   */
  readonly clientRequestId?: JsonRpc.RequestId | undefined
}

/**
 * How a transport feeds a session started over a {@link PushConnection}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionInput {
  /**
   * Processes received messages (parsed JSON values or {@link InvalidFrame}s), in order; the
   * responses they produce at once are written before it completes. `http` is the HTTP request
   * that carried them (the request contexts of their requests expose it); `resolved`, the truth a
   * transport already resolved for the request among them (2026-07-28 over HTTP: see
   * `Negotiation.resolveModern`), so the session does not resolve it again. Suspends while the
   * session's queue of waiting requests is full (backpressure).
   */
  readonly receive: (
    messages: ReadonlyArray<unknown>,
    http?: HttpRequestInfo,
    resolved?: ResolvedRequest
  ) => Effect.Effect<void, TransportFailure>
  /**
   * Ends the input: in-flight requests finish (or are interrupted after the shutdown timeout),
   * everything is written, then the session closes. Completes when it has closed.
   */
  readonly end: Effect.Effect<void>
  /**
   * Ends the input as {@link end} does, for a session whose client can send nothing more
   * (Streamable HTTP: it was terminated by a DELETE or its idle timeout, and answers to it are
   * 404): the server→client requests waiting for the client's answer fail at once
   * (`SessionClosed`), as new ones do, so their handlers go on instead of waiting for the
   * shutdown timeout. Also once `end` began (a graceful drain, then a DELETE). Completes when the
   * session has closed.
   */
  readonly terminate: Effect.Effect<void>
  /** Closes the session at once, interrupting in-flight requests. */
  readonly interrupt: () => void
  /**
   * Whether the server→client request `id` still waits for the client's answer: not answered
   * yet, its caller still waiting. A transport re-sends such a request the client may have missed
   * (Streamable HTTP: one of a standalone stream the client left for a fresh one), and never one
   * that no longer waits (a late request would be answered to nobody).
   */
  readonly awaitsAnswer: (id: JsonRpc.RequestId) => boolean
  /**
   * The server's identity, which a 2026-07-28 result carries in its `_meta`
   * (`io.modelcontextprotocol/serverInfo`): for a result the transport makes itself (Streamable
   * HTTP: a `subscriptions/listen`'s result when the endpoint stops), as the session's own carry
   * it. Optional (`undefined`: none).
   *
   * @since 0.2.0
   */
  readonly serverInfo?: Implementation | undefined
  /**
   * Whether the session holds work of its own beyond its requests in flight, which ending it would
   * cost (`McpServer`: a background task it owns, still running). A transport that ends sessions
   * to make room (Streamable HTTP's `maxSessionsPerAddress`) ends such a one last. Optional
   * (`undefined`: none); asked rarely, answered at once.
   */
  readonly holdsWork?: (() => boolean) | undefined
  /**
   * Tells the session that the token one of its streams was opened with was checked again and
   * now stands for `principal` (Streamable HTTP with bearer authentication whose verifier
   * re-checks: `BearerAuth.Verifier.recheckMillis`): what the stream carries is judged again by
   * the middleware that guards resources (`Authorization`). `related`: the request the stream
   * answers; `undefined`, the standalone stream, whose session's resource subscriptions the
   * principal may no longer read are dropped: with `before` (the principal the stream was last
   * judged as: at its opening, or its token's last check), only those `before` could read (what
   * the token lost; a subscription made with another token, one that grants what this one never
   * did, after a step-up, is kept); without it (the stream opens), all of them. Returns the
   * scopes the principal lacks for what the request's stream follows (a `subscriptions/listen`'s
   * resources), which is then to end; empty: it goes on. Optional (`undefined`: nothing is
   * judged); answered at once.
   */
  readonly rechecked?:
    | ((principal: Principal, related: JsonRpc.RequestId | undefined, before?: Principal | undefined) => ReadonlyArray<string>)
    | undefined
  /**
   * Tells the session that the transport refused `value` and answered it with `error` itself,
   * before handing it over (Streamable HTTP: a body that is not JSON, a header that disagrees
   * with the body, an unknown session): the server's middleware observes it (`onMessage`, as
   * `Invalid`), as it observes the input a session refuses. `http`: the HTTP request that carried
   * it (its `InvalidInbound.http`). Nothing is sent; ignored once the session has closed.
   */
  readonly refused: (value: unknown, error: JsonRpc.ErrorObject, http?: HttpRequestInfo) => void
  /**
   * Tells the session that the transport refused the request `value` because it drains (a
   * graceful shutdown: Streamable HTTP's 503 -32000), answered with `error` itself: only what
   * observes such refusals is told (`Telemetry`'s span and measure), not `onMessage` (it is no
   * invalid input), and nothing of it is work the session's drain waits for. `http`: the HTTP
   * request that carried it. Nothing is sent; ignored once the session has closed, and without
   * such an observer.
   */
  readonly refusedByDrain: (value: unknown, error: JsonRpc.ErrorObject, http?: HttpRequestInfo) => void
  /**
   * Whether the server's middleware observes notifications (`onNotification`, `onMessage`): a
   * transport that accepts notifications it hands over to no session (Streamable HTTP: those of
   * a stateless endpoint and of MCP 2026-07-28) tells the session of them (`observe`) only then.
   * `false` once the session has closed.
   */
  readonly observesNotifications: boolean
  /**
   * Tells the session of a notification the transport accepted but does not hand over (see
   * `observesNotifications`): the server's middleware observes it (`onNotification`, `onMessage`),
   * and nothing else runs (a cancellation cancels nothing: a stateless session's requests run
   * under ids of its own). `http`: the HTTP request that carried it. Ignored once the session has
   * closed.
   */
  readonly observe: (notification: JsonRpc.Notification, http?: HttpRequestInfo) => void
  /**
   * Whether the session receives JSON-RPC batches: its `initialize` settled MCP 2025-03-26, the
   * one version that has them (see `ProtocolVersion.batching`), and it serves one client. The
   * transport answers a batch itself (one HTTP answer for the POST), feeding the session each
   * member as a message of its own; else it refuses the batch with -32600.
   */
  readonly takesBatches: boolean
  /**
   * The handshake-era versions the session's server serves, when it narrows them (its
   * `supportedVersions`); `undefined` when it serves every one. A stateless transport, where a
   * request's `MCP-Protocol-Version` header (none: 2025-03-26) is the version it is answered at,
   * refuses a request at another (Streamable HTTP: 400, as for a version no server serves).
   */
  readonly legacyVersions: ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined
  /**
   * Whether an `initialize` would be taken where the session's server is reached (its
   * `supportedVersions` is not empty): what the -32022 of a 2026-07-28 request naming a
   * handshake-era version advises (`Negotiation.Handshake`, read only to word that refusal).
   */
  readonly takesInitialize: boolean
}
