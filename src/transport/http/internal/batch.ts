/**
 * A POST whose body is a JSON-RPC batch (an array), which MCP 2025-03-26 lets a client send ("MUST
 * support receiving JSON-RPC batches"; 2025-06-18 removed them). Taken by a session that
 * negotiated 2025-03-26, and by a stateless endpoint when the request's `MCP-Protocol-Version` is
 * that version (or absent, which means it), when none of its requests names 2026-07-28 in its
 * `_meta`; everything else keeps the -32600 a batch always got.
 *
 * The body holds requests and notifications, or responses (the spec's two kinds of batch). Each
 * member goes to the session as a message of its own, in order (through middleware, a request
 * slot each, cancellable); the POST's answer is the endpoint's: 202 without requests, else the
 * responses to its requests, as one JSON array (a client that accepts only JSON, an endpoint in
 * JSON mode) or an SSE stream (`BatchStream`) of one event per response as each is ready, then
 * closed. A member that is not a valid message, and an `initialize` (which may not be in a
 * batch), get their own -32600 entry.
 *
 * On the SSE stream, each request is answered as one on a stream of its own: what it sends while
 * it runs (progress for its token, its logs, a request to the client tied to it) goes on the
 * batch's stream before its response, as 2025-03-26 has it; the stream gets keep-alive comments,
 * and a graceful drain waits for it to be written out. Answered as JSON, what it sends goes where
 * a JSON-answered request's goes (the session's standalone stream), and each request has the
 * request timeout (then its entry is a -32603 "Gateway Timeout").
 *
 * **Gotchas**
 *
 * The batch's stream cannot be resumed (its events carry no id: one stream answers several
 * requests, which a resumption would have to replay as one): the client leaving it cancels the
 * requests not answered yet, as a dropped JSON POST does. Its requests have no request timeout,
 * as a request whose stream opens at once has none (the stream shows the client they are alive).
 * Only a batch pays for any of this: a single message never reaches this module.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as McpError from "../../../protocol/McpError.ts"
import * as Negotiation from "../../../protocol/Negotiation.ts"
import * as ProtocolVersion from "../../../protocol/ProtocolVersion.ts"
import type { Principal } from "../../../session/Principal.ts"
import { type Endpoint, jsonBatch } from "./EndpointState.ts"
import { HttpInfo, type HttpSession, ownedBy, Pending } from "./HttpSession.ts"
import { closingFor, sessionIdOf } from "./guards.ts"
import { jsonError, notYoursError, sessionNotFoundError, unknownSession, unservedVersion, unsupportedHeader } from "./responses.ts"
import type { BatchStream, SseConnection } from "./sse.ts"

const { ErrorCode } = McpError

/** What a batch gets where batches are not taken (every version but 2025-03-26): as before. */
const notTaken = JsonRpc.invalidRequest("JSON-RPC batches are not supported; send each message on its own")

/**
 * POST of a batch (`members`, parsed): answered as the module says; `json`, `sse`: what the
 * client's `Accept` lists.
 */
export const post = Effect.fnUntraced(function*(
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  principal: Principal | undefined,
  members: ReadonlyArray<unknown>,
  json: boolean,
  sse: boolean
) {
  const version = headers["mcp-protocol-version"]
  let session: HttpSession | undefined
  if (self.options.stateless === true) {
    // One client per request: the header is the version in force (none: 2025-03-26, as ever).
    if ((version ?? ProtocolVersion.assumedWhenUnknown) !== ProtocolVersion.batching) {
      return yield* refuse(self, members, version, undefined)
    }
    // Unless a request says otherwise in its `_meta`: 2026-07-28, which has no batches (alone, such
    // a request is that version's, refused for its header; in a batch it would run as
    // 2025-03-26's, its headers never checked). Only a batch pays for the look.
    if (members.some(namesModernVersion)) {
      return yield* self.refuse(members, 400, modernMember, undefined)
    }
    if (self.closing) return self.refuseDraining(members, undefined, closingFor(request), undefined, new HttpInfo(request, principal))
    session = self.statelessSession ?? (yield* self.openStateless)
    // Started as a graceful drain began (see `Endpoint.answerShared`).
    if (self.closing) return self.refuseDraining(members, undefined, closingFor(request), session, new HttpInfo(request, principal))
    if (session === undefined) return jsonError(503, ErrorCode.ServerUnavailable, "Service Unavailable: the session could not start")
    // 2025-03-26, which a server's `supportedVersions` may leave out (as for a single message).
    const unserved = unservedVersion(session.input?.legacyVersions, version)
    if (unserved !== undefined) return yield* self.refuse(members, 400, unserved, undefined, session)
  } else {
    const sessionId = sessionIdOf(headers)
    // No session: `initialize`, which settles the version, may not be in a batch.
    if (sessionId === undefined) {
      return yield* (version === undefined || version === ProtocolVersion.batching
        ? self.refuse(members, 400, { code: ErrorCode.InvalidRequest, message: "Bad Request: Mcp-Session-Id header is required" })
        : refuse(self, members, version, undefined))
    }
    session = self.sessions.get(sessionId)
    if (session === undefined) {
      const { error, status } = unknownSession(sessionId)
      return yield* self.refuse(members, status, error)
    }
    if (session.ended) return yield* self.refuse(members, 404, sessionNotFoundError)
    if (!ownedBy(session, principal)) return yield* self.refuse(members, 403, notYoursError)
    if (session.input?.takesBatches !== true || (version !== undefined && version !== ProtocolVersion.batching)) {
      return yield* refuse(self, members, version, session)
    }
    // As on a stateless endpoint: alone on this session's POST, such a request is 2026-07-28's.
    if (members.some(namesModernVersion)) return yield* self.refuse(members, 400, modernMember, undefined, session)
    self.used(session)
    yield* self.records.touch(session.id, yield* Clock.currentTimeMillis)
    // A store's `touch` may take a while: the session may have ended meanwhile (as in `legacy.ts`).
    // Or be being replaced (a request started on it would be cut: see `Endpoint.endIfReplaced`).
    if (session.ended || self.endIfReplaced(session)) {
      return yield* self.refuse(members, 404, sessionNotFoundError)
    }
  }
  const shared = self.options.stateless === true
  if (members.length === 0) {
    return yield* self.refuse(members, 400, JsonRpc.invalidRequest("a JSON-RPC batch must hold at least one message"), undefined, shared ? undefined : session)
  }
  const kinds = members.map((member) => Array.isArray(member) ? nested : JsonRpc.classify(member))
  const responses = kinds.some((kind) => kind === JsonRpc.Kind.Response)
  if (responses && kinds.some((kind) => kind === JsonRpc.Kind.Request || kind === JsonRpc.Kind.Notification)) {
    const error = JsonRpc.invalidRequest("a batch holds requests and notifications, or responses, not both")
    return yield* self.refuse(members, 400, error, undefined, shared ? undefined : session)
  }
  const http = new HttpInfo(request, principal)
  if (self.closing && kinds.some((kind) => kind === JsonRpc.Kind.Request)) return self.refuseDraining(members, undefined, closingFor(request), session, http)
  const mode = !sse ? "json" : !json ? "sse" : self.mode
  const handed = new Handed()
  // The POST may end while its requests are handed over (each waits while the session's queue is
  // full): no response will give up those handed over, so they are given up here.
  yield* handOver(self, session, members, kinds, http, mode !== "json", shared, handed).pipe(
    Effect.onInterrupt(() => Effect.sync(() => self.dropBatch(session, handed.answers, handed.stream)))
  )
  const { answers, stream } = handed
  if (answers.length === 0) return HttpServerResponse.empty({ status: 202 })
  // Only members refused here (no request reached the session): their errors, as a refusal's.
  if (!answers.some((answer) => answer instanceof Pending)) {
    if (stream !== undefined) session.removeStream(stream.streamId)
    return jsonBatch(answers as Array<JsonRpc.Message>, 400)
  }
  if (stream !== undefined) {
    const refused = answers.filter((answer): answer is JsonRpc.Message => !(answer instanceof Pending))
    return self.batchResponse(session, stream, handed.connection!, refused, principal)
  }
  return jsonBatch(yield* self.awaitMembers(session, answers), 200)
})

/** What a batch's hand-over made so far (see {@link handOver}). */
class Handed {
  /** In the order of the batch: each answer, or what it will be. */
  readonly answers: Array<JsonRpc.Message | Pending> = []
  /** Answered as SSE: the batch's stream, opened with the first request handed to the session. */
  stream: BatchStream | undefined = undefined
  connection: SseConnection | undefined = undefined
}

/** Hands each member of a batch to `session`, in order, noting in `handed` what each will answer. */
const handOver = Effect.fnUntraced(function*(
  self: Endpoint,
  session: HttpSession,
  members: ReadonlyArray<unknown>,
  kinds: ReadonlyArray<ReturnType<typeof JsonRpc.classify>>,
  http: HttpInfo,
  asSse: boolean,
  shared: boolean,
  handed: Handed
) {
  for (let index = 0; index < members.length; index++) {
    const member = members[index]
    const kind = kinds[index]!
    if (kind instanceof JsonRpc.InvalidMessage) {
      session.input?.refused(member, kind.error, http)
      if (kind.answer) handed.answers.push(JsonRpc.failure(kind.id, kind.error))
      continue
    }
    if (kind === JsonRpc.Kind.Notification || kind === JsonRpc.Kind.Response) {
      // The shared stateless session takes no notification or response (as for a single POST):
      // its requests' ids are its own, and it asks its clients nothing. Its middleware observes
      // the notifications (`SessionInput.observe`), if it observes any.
      if (shared) {
        const input = session.input
        if (kind === JsonRpc.Kind.Notification && input?.observesNotifications === true) input.observe(member as JsonRpc.Notification, http)
        continue
      }
      if (kind === JsonRpc.Kind.Notification && (member as JsonRpc.Notification).method === "notifications/cancelled") {
        self.cancelled(session, member as JsonRpc.Notification)
      }
      yield* session.receive(member as JsonRpc.Message, http)
      continue
    }
    const rpc = member as JsonRpc.Request
    if (rpc.method === "initialize") {
      const error = JsonRpc.invalidRequest(`"initialize" must not be part of a JSON-RPC batch`)
      session.input?.refused(rpc, error, http)
      handed.answers.push(JsonRpc.failure(rpc.id, error))
      continue
    }
    if (asSse && handed.stream === undefined) {
      handed.stream = self.openBatch(session, members.length)
      handed.connection = handed.stream.connection
    }
    // The shared session sees an id of its own (its clients' ids may collide), as for a single POST.
    handed.answers.push(
      shared
        ? yield* self.startMember(session, { ...rpc, id: self.nextInternalId++ }, rpc.id, http.forClientId(rpc.id), handed.stream)
        : yield* self.startMember(session, rpc, undefined, http, handed.stream)
    )
  }
})

/** The refusal of a batch holding a request of 2026-07-28 (see `post`). */
const modernMember = JsonRpc.invalidRequest(
  "JSON-RPC batches are not supported in MCP 2026-07-28, which a request of this batch names in its _meta; send each request on its own"
)

/** Whether a member is a request whose `_meta` names its version (2026-07-28: see `Negotiation.namesItsVersion`). */
const namesModernVersion = (member: unknown): boolean =>
  JsonRpc.classify(member) === JsonRpc.Kind.Request && Negotiation.namesItsVersion(member as JsonRpc.Request)

/** A member that is itself an array: no message. */
const nested = new JsonRpc.InvalidMessage(undefined, JsonRpc.invalidRequest("a member of a batch must be a JSON-RPC message, not an array"))

/** The -32600 of a batch where batches are not taken (400 naming an unsupported version first, as for a single message). */
const refuse = (self: Endpoint, members: ReadonlyArray<unknown>, version: string | undefined, session: HttpSession | undefined) =>
  version !== undefined && !ProtocolVersion.isSupported(version) && !ProtocolVersion.isModern(version)
    ? self.refuse(members, 400, unsupportedHeader(version), undefined, session)
    : self.refuse(members, 400, notTaken, undefined, session)
