/**
 * The 2025-era paths of the Streamable HTTP endpoint: POSTs to a session (opened by
 * `initialize`, named by `Mcp-Session-Id`) or to the shared stateless session, the standalone SSE
 * stream and its resumption (GET), and the end of a session (DELETE).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import * as JsonRpc from "../../../protocol/JsonRpc.ts"
import * as McpError from "../../../protocol/McpError.ts"
import * as ProtocolVersion from "../../../protocol/ProtocolVersion.ts"
import type { Principal } from "../../../session/Principal.ts"
import { addressKey } from "../../../session/Requestor.ts"
import { parseEventId } from "../EventStore.ts"
import type { Endpoint } from "./EndpointState.ts"
import { closingFor, headersOf, sessionIdOf } from "./guards.ts"
import { HttpInfo, type HttpSession, ownedBy } from "./HttpSession.ts"
import * as MediaTypes from "./mediaTypes.ts"
import type * as Negotiation from "../../../protocol/Negotiation.ts"
import {
  jsonError,
  methodNotAllowed,
  notYours,
  notYoursError,
  sessionGone,
  sessionNotFoundError,
  storeUnavailable,
  unknownSession,
  unservedVersion,
  unsupportedHeader
} from "./responses.ts"
import { frame, heldAfter, HoldingConnection, newConnectionQueue, SseConnection, SseStream } from "./sse.ts"
import { clip } from "../../../internal/clip.ts"

const { ErrorCode } = McpError

/** A POST of a stateful endpoint that names no session (and is no `initialize`). */
const sessionIdRequired: JsonRpc.ErrorObject = { code: ErrorCode.InvalidRequest, message: "Bad Request: Mcp-Session-Id header is required" }


/**
 * POST of a 2025-era message (already read and classified): answered by the shared session of a
 * stateless endpoint (under an internal id, so clients cannot collide), else by its session.
 * A plain function: the stateless path adds no generator step to the request. `headers`: the
 * request's, as the POST read them (`headersOf`), not read again here.
 */
export const post = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  message: unknown,
  kind: JsonRpc.Kind,
  requestId: JsonRpc.RequestId | undefined,
  mode: "auto" | "json" | "sse",
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (self.options.stateless !== true) return postToSession(self, request, headers, message, kind, requestId, mode, principal)
  // A notification is accepted, and only observed (its middleware): the shared session's requests
  // run under ids of its own, so a cancellation names none of them.
  if (kind === JsonRpc.Kind.Notification) return self.observeShared(request, message as JsonRpc.Notification, principal)
  if (kind !== JsonRpc.Kind.Request) return Effect.succeed(HttpServerResponse.empty({ status: 202 }))
  return self.answerShared(request, message as JsonRpc.Request, mode, principal)
}

/** POST to a session: `initialize` opens one; anything else names it with `Mcp-Session-Id`. */
const postToSession = Effect.fnUntraced(function*(
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  headers: Negotiation.Headers,
  message: unknown,
  kind: JsonRpc.Kind,
  requestId: JsonRpc.RequestId | undefined,
  mode: "auto" | "json" | "sse",
  principal: Principal | undefined
) {
    const sessionId = sessionIdOf(headers)
    let session: HttpSession | undefined
    if (sessionId === undefined) {
      if (kind !== JsonRpc.Kind.Request || (message as JsonRpc.Request).method !== "initialize") {
        return yield* self.refuse(message, 400, sessionIdRequired, requestId, undefined, new HttpInfo(request, principal))
      }
      // The address only under a per-address limit: none is kept per session otherwise (idle-session heap).
      // Counted as RateLimit counts a requestor's: an IPv6 address by its /64 (one host's, usually),
      // an IPv4-mapped one as its IPv4 address; else one host held a session per address it used.
      const peer = principal === undefined && self.maxSessionsPerAddress !== Number.POSITIVE_INFINITY
        ? new HttpInfo(request, undefined).remoteAddress
        : undefined
      // No address (a `WebHandler` whose runtime gave none): such clients cannot be told apart, and
      // count as one address under the bound (`noAddress`), as they share a `RateLimit` budget; not let
      // through unbounded, which made the option silently do nothing. Said once in the log.
      const address = peer !== undefined && peer !== ""
        ? addressKey(peer)
        : principal === undefined && self.maxSessionsPerAddress !== Number.POSITIVE_INFINITY
        ? noAddress
        : undefined
      if (address === noAddress && !self.noAddressWarned) {
        self.noAddressWarned = true
        yield* Effect.logWarning(
          "effect-mcp-server: maxSessionsPerAddress is set but an initialize came without the client's address " +
            "(WebHandler: give it as the handler's second argument, { remoteAddress }); " +
            "such clients share one address's sessions"
        )
      }
      const opened = yield* (principal !== undefined
        ? self.openFor(principal.subject)
        : address !== undefined
        ? self.openFor(undefined, address)
        : self.open(false))
      if (opened === "principalFull") {
        const error = McpError.toErrorObject(
          principal !== undefined
            ? McpError.limitExceeded(
              "Too many sessions of this principal, all in use: end one (DELETE) or retry later",
              "sessionsPerPrincipal",
              { max: self.maxSessionsPerPrincipal }
            )
            : McpError.limitExceeded(
              "Too many sessions from this address, all in use: end one (DELETE) or retry later",
              "sessionsPerAddress",
              { max: self.maxSessionsPerAddress }
            )
        )
        return jsonError(429, error.code, error.message, undefined, requestId, error.data)
      }
      if (opened === "full") return jsonError(503, ErrorCode.ServerUnavailable, "Service Unavailable: too many sessions", undefined, requestId)
      if (opened === "failed") {
        return jsonError(503, ErrorCode.ServerUnavailable, "Service Unavailable: the session could not start", undefined, requestId)
      }
      session = opened
      session.subject = principal?.subject
    } else {
      session = self.sessions.get(sessionId)
      if (session === undefined) {
        const { error, status } = unknownSession(sessionId)
        return yield* self.refuse(message, status, error, requestId, undefined, new HttpInfo(request, principal))
      }
      if (session.ended) return yield* self.refuse(message, 404, sessionNotFoundError, requestId, undefined, new HttpInfo(request, principal))
      if (!ownedBy(session, principal)) return yield* self.refuse(message, 403, notYoursError, requestId, undefined, new HttpInfo(request, principal))
      const unserved = unservedInSession(session, headers)
      if (unserved !== undefined) return yield* self.refuse(message, 400, unserved, requestId, session, new HttpInfo(request, principal))
    }
    self.used(session)
    yield* self.records.touch(session.id, yield* Clock.currentTimeMillis)
    // The session of this `initialize` started as a graceful drain began (or the drain began
    // since): it drains with the others, and was closing, or gone, when its request came (404
    // "Session not found" to a POST that named none). Refused as the drain refuses an `initialize`
    // that comes now: the client retries on another instance.
    if (sessionId === undefined && self.closing) return self.refuseDraining(message, requestId, closingFor(request), session, new HttpInfo(request, principal))
    // A store's `touch` may take a while: the session may have ended meanwhile (a DELETE, its
    // idle timeout), and takes nothing more.
    if (session.ended) return yield* self.refuse(message, 404, sessionNotFoundError, requestId, undefined, new HttpInfo(request, principal))
    if (kind !== JsonRpc.Kind.Request) {
      // A session being replaced (see `Endpoint.endIfReplaced`) is being terminated: 404 to any
      // message naming it, as a request gets (a notification was taken, 202, the session ended after).
      if (self.endIfReplaced(session)) return yield* self.refuse(message, 404, sessionNotFoundError, undefined, undefined, new HttpInfo(request, principal))
      if (kind === JsonRpc.Kind.Notification && (message as JsonRpc.Notification).method === "notifications/cancelled") {
        self.cancelled(session, message as JsonRpc.Notification)
      }
      yield* session.receive(message as JsonRpc.Message, new HttpInfo(request, principal))
      return HttpServerResponse.empty({ status: 202 })
    }
    return yield* self.answer(session, message as JsonRpc.Request, mode, undefined, new HttpInfo(request, principal), undefined, sessionId === undefined)
})

/** The key under `maxSessionsPerAddress` of the anonymous clients whose address is unknown (no address is empty). */
const noAddress = ""

/** {@link unknownSession} as the response a GET or DELETE gets. */
const unknownSessionResponse = (sessionId: string): HttpServerResponse.HttpServerResponse => {
  const { error, status } = unknownSession(sessionId)
  return jsonError(status, error.code, error.message)
}

/** GET and DELETE on a stateless server: it has no sessions, so only POST (RFC 9110: with `Allow`). */
const statelessOnlyPost = (self: Endpoint, method: "GET" | "DELETE") =>
  methodNotAllowed(self.allow, `Method Not Allowed: ${method} (a stateless server answers POST only)`)

/**
 * A GET or DELETE that names a 2026-07-28 version: that era is POST only (no standalone stream:
 * `subscriptions/listen`; no session to end; an `Mcp-Session-Id` is ignored), so 405, as the spec
 * asks, before anything of the handshake era is checked ("Mcp-Session-Id header is required", an
 * `Accept` without `text/event-stream`, the session's lookup).
 */
const modernMethod = (self: Endpoint, method: "GET" | "DELETE", version: string | undefined) =>
  ProtocolVersion.isModern(version)
    ? methodNotAllowed(
      self.allow,
      `Method Not Allowed: ${method} (MCP ${version} is POST only${method === "GET" ? "; listen for notifications with subscriptions/listen" : ""})`
    )
    : undefined

/**
 * The refusal (400, as {@link unservedVersion}'s on a stateless endpoint) of a request to a session
 * whose `MCP-Protocol-Version` names a version its server's `supportedVersions` leave out: the
 * spec's "unsupported" version, which a server MUST answer with 400, as it does one no server
 * serves. A header not sent is the version the session negotiated. One naming another version the
 * server serves is taken: the spec asks the client for the negotiated one (SHOULD) and asks
 * nothing of the server then, and the SDK's servers take it. A server serving every version (the
 * default) pays a getter, no header read.
 */
const unservedInSession = (session: HttpSession, headers: Negotiation.Headers): JsonRpc.ErrorObject | undefined => {
  const served = session.input?.legacyVersions
  if (served === undefined) return undefined
  const header = headers["mcp-protocol-version"]
  return header === undefined ? undefined : unservedVersion(served, header)
}

/** {@link unservedInSession} as the 400 a GET or DELETE gets. */
const unservedResponse = (session: HttpSession, headers: Negotiation.Headers): HttpServerResponse.HttpServerResponse | undefined => {
  const error = unservedInSession(session, headers)
  return error === undefined ? undefined : jsonError(400, error.code, error.message, undefined, undefined, error.data)
}

/**
 * 400 to a GET or DELETE whose `MCP-Protocol-Version` names no version served here, as to a POST
 * (the spec's MUST is for every request): the stream is not opened, the session not ended.
 */
const unsupportedVersion = (version: string | undefined): HttpServerResponse.HttpServerResponse | undefined => {
  if (version === undefined || ProtocolVersion.isSupported(version)) return undefined
  const error = unsupportedHeader(version)
  return jsonError(400, error.code, error.message, undefined, undefined, error.data)
}

/** GET: the session's standalone SSE stream, or the resumption of a stream after `Last-Event-ID`. */
export const get = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const headers = headersOf(request)
    const modern = modernMethod(self, "GET", headers["mcp-protocol-version"])
    if (modern !== undefined) return modern
    if (self.options.stateless === true) return statelessOnlyPost(self, "GET")
    if (!MediaTypes.accepted(headers.accept).sse) {
      return jsonError(406, ErrorCode.InvalidRequest, "Not Acceptable: Accept must list text/event-stream")
    }
    const unsupported = unsupportedVersion(headers["mcp-protocol-version"])
    if (unsupported !== undefined) return unsupported
    const sessionId = sessionIdOf(headers)
    if (sessionId === undefined) return jsonError(400, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required")
    const session = self.sessions.get(sessionId)
    if (session === undefined) return unknownSessionResponse(sessionId)
    if (session.ended) return sessionGone()
    if (!ownedBy(session, principal)) return notYours()
    const unserved = unservedResponse(session, headers)
    if (unserved !== undefined) return unserved
    self.used(session)
    yield* self.records.touch(session.id, yield* Clock.currentTimeMillis)
    // A store's `touch` and `replayAfter` may take a while: the session may end meanwhile (a
    // DELETE, its idle timeout), and a stream attached to it then would never be ended; or it may
    // be being replaced, its stream then cut at once (see `Endpoint.endIfReplaced`).
    if (session.ended || self.endIfReplaced(session)) return sessionGone()
    const connection = new SseConnection(newConnectionQueue())
    const lastEventId = headers["last-event-id"]
    if (lastEventId !== undefined) {
      const parsed = parseEventId(lastEventId)
      const found = parsed === undefined ? undefined : session.streams.get(parsed.streamId)
      // A stream whose events carry no id (a batch's) is not resumed, whatever id is forged for it.
      const live = found?.unresumable === true ? undefined : found
      // What the stream sends while the store reads the replay is held for after it (see
      // `HoldingConnection`); given back to the connection it had if the resumption is refused.
      const holding = live === undefined || live.done ? undefined : new HoldingConnection(live.connection)
      if (holding !== undefined) live!.connection = holding
      // A live stream that has sent nothing but its priming event has nothing stored yet (what it
      // sends while the store is read is held). One that has sent more, which the store cannot
      // replay, lost events (see `SseStream.sent`).
      const primed = holding !== undefined && !live!.sent && parsed!.seq === 0
      // The client leaving during the read (the GET interrupted) refuses it too.
      const replayed = yield* Effect.result(self.events.replayAfter(session.id, lastEventId)).pipe(
        Effect.onInterrupt(() => Effect.sync(() => holding !== undefined && giveBack(session, live!, holding)))
      )
      let replay = replayed._tag === "Success" ? replayed.success : undefined
      if (replay === undefined && primed) replay = { streamId: live!.streamId, events: [] }
      // Ended meanwhile, or being replaced (see `Endpoint.endIfReplaced`).
      const gone = session.ended || self.endIfReplaced(session)
      // Refused (a failed read too, though a primed stream has a replay): see `giveBack`.
      if (holding !== undefined && (replay === undefined || replayed._tag === "Failure" || gone)) {
        giveBack(session, live!, holding)
      }
      // The store cannot say what the stream holds now: the client tries again later.
      if (replayed._tag === "Failure") return storeUnavailable(replayed.failure)
      if (gone) return sessionGone()
      if (replay === undefined) {
        // Unknown, forged, expired, or with events lost: the client must re-issue its request.
        // But a standalone stream the session still has, whose events after `Last-Event-ID` are
        // gone (past `maxEventsPerStream` while its client was away, or dropped for not keeping
        // up): it has no request to re-issue, and a client refused would give up its GET stream
        // for good (the SDK's, after its retries). It is opened afresh, as a GET without
        // `Last-Event-ID` opens it: the requests it carried that still wait go out again.
        if (live === undefined || live.requestId !== undefined) {
          // The answer it waited with, if any, the client will not have: the session loses it no more.
          if (live === undefined && parsed !== undefined) self.answerRead(session, parsed.streamId)
          return jsonError(
            400,
            ErrorCode.InvalidRequest,
            `Bad Request: the stream of Last-Event-ID ${clip(lastEventId)} cannot be resumed (unknown, expired or incomplete); re-issue the request`
          )
        }
        // A connection still on it is one its client no longer reads (as for any resumption).
        live.connection?.close()
        live.connection = undefined
        yield* Effect.logWarning(
          `effect-mcp-server: the standalone stream of Last-Event-ID ${clip(lastEventId)} lost events the event store no longer keeps: opened afresh (the notifications among them are lost)`
        )
        return yield* fresh(self, session, connection, principal)
      }
      let queued = true
      let replayedBytes = 0
      for (const event of replay.events) {
        const data = JsonRpc.stringify(event.message)
        if (data === undefined) continue
        replayedBytes += data.length
        queued = connection.push(frame(event.id, data)) && queued
      }
      if (holding !== undefined) {
        const last = replay.events.at(-1)
        queued = heldAfter(holding, connection, last === undefined ? parsed!.seq : parseEventId(last.id)?.seq ?? parsed!.seq) && queued
        // Detached while held (the client did not keep up, the call closed its stream): the client
        // resumes again from what it gets (as when the replay does not fit). Its last event
        // held: the stream ended, replayed whole.
        if (live!.connection === holding) live!.connection = undefined
        else if (!holding.lastPushed) queued = false
        // With the connection the client left, if the stream still had it.
        holding.close()
      }
      const stream = session.streams.get(replay.streamId)
      if (stream === undefined || stream.done) {
        // A stream that ended: replayed whole, its stored events go once written out (as a
        // stream read to its end on its first connection).
        connection.lastPushed = queued
        connection.close()
      } else if (!queued) {
        // The replay did not fit the connection's queue (a client long away, or dropped for not
        // keeping up): what it holds goes out, then the response ends, and the client resumes
        // again from the last event it got, the stream storing meanwhile. Attached, the
        // connection would have carried the live events after a gap the client could not see.
        stream.connection?.close()
        stream.connection = undefined
        connection.close()
        // A request's stream being caught up is not one its client left.
        if (stream.requestId !== undefined) {
          const pending = session.pending.get(stream.requestId)
          if (pending !== undefined) pending.detachedSince = undefined
        }
      } else {
        stream.connection?.close()
        stream.connection = connection
        if (stream.requestId === undefined && session.standalone === undefined) {
          // A standalone stream resumed while the session has none: it is the standalone stream
          // again, and what was held while it was away goes out on it, after the replay.
          session.standalone = stream
          yield* whileAttached(session, stream, connection, self.flushHeld(session, stream))
        }
      }
      const resumed = stream ?? endedStream(replay.streamId, Math.max(replayedBytes, self.unreadBytes(session, replay.streamId)))
      return self.sseResponse(session, resumed, connection, {}, principal)
    }
    return yield* fresh(self, session, connection, principal)
  })

/**
 * A stream that ended, resumed: the replay's connection writes it out, and its grace counts
 * `bytes`: its whole size when its answer was stored unread (see `Endpoint.unreadBytes`), else
 * what was replayed (see `Endpoint.writtenOut`: at least what its first grace counted).
 */
const endedStream = (streamId: string, bytes: number): SseStream => {
  const stream = new SseStream(streamId, undefined)
  stream.bytes = bytes
  return stream
}

/**
 * A resumption refused (or failed) while `holding` held `stream`'s events: the stream goes back to
 * the connection it had, which got them all too, if its client still reads it; else it has none
 * (a standalone stream is then the session's no more: the client left it).
 */
const giveBack = (session: HttpSession, stream: SseStream, holding: HoldingConnection): void => {
  if (stream.connection !== holding) return
  const previous = holding.previous
  if (previous?.reading === true && !holding.previousMissed) {
    stream.connection = previous
    return
  }
  previous?.close()
  stream.connection = undefined
  if (session.standalone === stream) session.standalone = undefined
}

/**
 * A fresh standalone stream on `connection` (a GET without `Last-Event-ID`, or one whose standalone
 * stream lost events, see `get`): it replaces the ones the client left, and sends first the requests
 * they carried that still wait, then those held for it.
 */
const fresh = Effect.fnUntraced(function*(self: Endpoint, session: HttpSession, connection: SseConnection, principal: Principal | undefined) {
    if (session.standalone?.connection !== undefined) {
      return jsonError(409, ErrorCode.InvalidRequest, "Conflict: the session already has a standalone stream")
    }
    let unanswered: Array<JsonRpc.Message> | undefined
    // A standalone stream without a connection is one the server dropped for not keeping up, its
    // response not ended yet (it ends once the client read what was queued, or left): a fresh GET
    // replaces it as any stream the client left, and it carried what was sent since (stored for a
    // resumption), the requests among it sent again below. Taken as it was, none of that came.
    if (session.standalone !== undefined && session.standalone.connection === undefined) session.standalone = undefined
    if (session.standalone === undefined) {
      // A fresh standalone stream, not a resumed one: the client gave up the earlier ones it left
      // (their stored events are what it was sent before it left). Dropped, with those events, or
      // each reconnect would keep one more for the session's life; the requests they carried that
      // still wait for an answer go out again on the fresh stream.
      const left = [...session.streams.values()].filter((stream) => stream.requestId === undefined && stream.connection === undefined)
      // And those of the `tasks/result` streams the client left (it dropped them and went back to
      // polling): 2025-11-25 has clients take a task's requests on any stream, this one included.
      // Those streams stay their requests' (still waiting for their tasks).
      const leftRoutes: Array<SseStream> = []
      for (const claimed of session.routes.values()) {
        const stream = claimed.stream
        if (stream !== undefined && stream.connection === undefined && !stream.unresumable && !stream.done) leftRoutes.push(stream)
      }
      if (left.length > 0 || leftRoutes.length > 0) {
        unanswered = yield* self.unansweredOf(session, leftRoutes.length === 0 ? left : [...left, ...leftRoutes])
        // Read from the store, which may have taken a while: the session may have ended, or be
        // being replaced (its stream would be cut: see `Endpoint.endIfReplaced`), or another GET
        // opened or resumed the stream meanwhile.
        if (session.ended || self.endIfReplaced(session)) return sessionGone()
        if ((session.standalone as SseStream | undefined)?.connection !== undefined) {
          return jsonError(409, ErrorCode.InvalidRequest, "Conflict: the session already has a standalone stream")
        }
        for (const stream of left) {
          if (stream.connection !== undefined) continue
          session.removeStream(stream.streamId)
          self.runFork(self.events.forgetStream(session.id, stream.streamId))
        }
      }
    }
    const stream = session.standalone ?? session.newStream(undefined)
    session.standalone = stream
    stream.connection = connection
    connection.push(frame(`${stream.streamId}.0`, "", self.retry))
    // Sent again first (they were sent first), then the requests that had nowhere to go until now
    // (untied ones, those of routes: tasks). Each only if it still waits as it is written: the
    // client may have answered it (on the stream it left) since the store was read.
    const held = self.flushHeld(session, stream)
    yield* whileAttached(session, stream, connection, unanswered === undefined ? held : Effect.andThen(self.emitHeld(session, stream, unanswered), held))
    return self.sseResponse(session, stream, connection, {}, principal)
})

/**
 * Sends `sending` (the requests a GET sends first) on the stream it has just attached `connection`
 * to, and detaches the connection when the GET is interrupted (the client left before its response
 * started). Storing them may take a while (a store that is not in memory): interrupted then, the
 * connection stayed the stream's though no response would ever read or end it, so each later
 * fresh GET of the session was a 409, and what it carried was lost. They are stored whole
 * (uninterruptibly), so that a fresh GET sends those still waiting again, as for any stream the
 * client left.
 */
const whileAttached = (session: HttpSession, stream: SseStream, connection: SseConnection, sending: Effect.Effect<void>) =>
  Effect.onInterrupt(Effect.andThen(Effect.uninterruptible(sending), Effect.yieldNow), () =>
    Effect.sync(() => {
      connection.close()
      if (stream.connection !== connection) return
      stream.connection = undefined
      if (session.standalone === stream) session.standalone = undefined
    }))

/**
 * DELETE: ends the session (its requests finish, then it closes; its requests to the client fail
 * at once), and answers once its place under `maxSessions` is free.
 */
export const del = (
  self: Endpoint,
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const headers = headersOf(request)
  const modern = modernMethod(self, "DELETE", headers["mcp-protocol-version"])
  if (modern !== undefined) return Effect.succeed(modern)
  if (self.options.stateless === true) return Effect.succeed(statelessOnlyPost(self, "DELETE"))
  const unsupported = unsupportedVersion(headers["mcp-protocol-version"])
  if (unsupported !== undefined) return Effect.succeed(unsupported)
  const sessionId = sessionIdOf(headers)
  if (sessionId === undefined) return Effect.succeed(jsonError(400, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required"))
  const session = self.sessions.get(sessionId)
  if (session === undefined) return Effect.succeed(unknownSessionResponse(sessionId))
  if (session.ended) return Effect.succeed(sessionGone())
  if (!ownedBy(session, principal)) return Effect.succeed(notYours())
  const unserved = unservedResponse(session, headers)
  if (unserved !== undefined) return Effect.succeed(unserved)
  return Effect.as(self.end(session), HttpServerResponse.empty({ status: 200 }))
}
