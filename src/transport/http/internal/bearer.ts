/**
 * Bearer authentication at the Streamable HTTP endpoint (see `StreamableHttp.Options.auth`): the
 * token of a request checked before anything else reads it, the 401/403/503 answers with their
 * RFC 6750 challenges (step-up scopes included), and the protected-resource metadata (RFC 9728).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type * as BearerAuth from "../../../auth/BearerAuth.ts"
import { challenge } from "../../../auth/internal/challenge.ts"
import * as Recheck from "../../../auth/internal/recheck.ts"
import { clip } from "../../../internal/clip.ts"
import { missingScopes, scopeList } from "../../../internal/scopes.ts"
import type * as JsonRpc from "../../../protocol/JsonRpc.ts"
import { ErrorCode } from "../../../protocol/McpError.ts"
import type { Principal } from "../../../session/RequestContext.ts"
import { maxHeaderSize } from "node:http"
import type { Duplex } from "node:stream"
import type { Options } from "../StreamableHttp.ts"
import { corsOn, headersOf, repeatsAuthorization } from "./guards.ts"

/**
 * The Node server's `clientError` listener of `StreamableHttp.serve` with bearer authentication: a
 * request whose header fields are larger than Node takes (`maxHeaderSize`, 16 KiB by default; a
 * huge token) is answered `431` with an `invalid_request` challenge (RFC 6750 §3.1) and its JSON
 * body, written on the socket (Node has parsed no request: there is none to answer through). Node
 * answered a bare `431`, without `WWW-Authenticate`: nothing said, in the terms an OAuth client
 * reads, that the request was refused for its size, nor where the resource's metadata is. Any
 * other error is answered as Node answers it when no listener is set (`400`, `408`, `413`, the
 * connection closed). The limit is kept, not raised for authentication: a token is taken up to
 * 8 KiB (`maxAuthorizationLength`), well under it.
 *
 * With CORS (`cors`), the `431` carries what a browser client on another origin needs to read it
 * and its challenge: `Access-Control-Allow-Origin: *` and `Access-Control-Expose-Headers:
 * WWW-Authenticate`. Without them the browser hid the answer (a network error), the challenge with
 * it. `*` for a list of origins too: Node has parsed no header, and the request's `Origin` could be
 * looked for only in the bytes it was parsing when the limit was passed (`rawPacket`), not in an
 * earlier read (a header block split over TCP segments, as over any real network), whose fields
 * Node keeps out of reach; and what the answer says (the challenge, the metadata URL) is what the
 * metadata document says to any origin. The endpoint never allows credentials (cookies), so no
 * browser request it serves is refused `*`.
 */
export const headerOverflowAnswer = (auth: BearerAuth.Config, cors?: Options["cors"]) => {
  const description = `the request's header fields are too large (at most ${maxHeaderSize} bytes; a bearer token of at most ${maxAuthorizationLength} characters is taken)`
  const body = JSON.stringify({ error: "invalid_request", error_description: description })
  const corsHeaders = corsOn(cors) ? "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: WWW-Authenticate\r\n" : ""
  const answer = "HTTP/1.1 431 Request Header Fields Too Large\r\n" +
    "Connection: close\r\n" +
    "Content-Type: application/json\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `WWW-Authenticate: ${challenge(auth, { error: "invalid_request", description })}\r\n` +
    corsHeaders +
    "\r\n" +
    body
  return (error: Error & { readonly code?: string }, socket: Duplex): void => {
    // As Node's own listener: no answer on a connection whose response has begun, nor to a
    // client that is gone (a reset).
    const inFlight = (socket as { readonly _httpMessage?: { readonly headersSent?: boolean } })._httpMessage
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy()
      return
    }
    socket.end(error.code === "HPE_HEADER_OVERFLOW" ? answer : nodeClientErrorAnswers[error.code ?? ""] ?? badRequest)
    // The answer is written; a client that goes on sending (the rest of its headers) and never
    // closes is not kept.
    setTimeout(() => socket.destroy(), clientErrorLingerMillis).unref()
  }
}

/** How long a connection answered by {@link headerOverflowAnswer} is kept for the client to read it. */
const clientErrorLingerMillis = 2_000

/** Node's answers to a request it could not read (`_http_server.js`, without a `clientError` listener). */
const nodeClientErrorAnswers: { readonly [code: string]: string } = {
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n",
  ERR_HTTP_REQUEST_TIMEOUT: "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"
}

const badRequest = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"

/** An OAuth error answer: the status, the challenge, and RFC 6750's JSON body. */
export const oauthError = (status: 400 | 401 | 403, wwwAuthenticate: string, error: string, description: string) =>
  HttpServerResponse.text(JSON.stringify({ error, error_description: description }), {
    status,
    contentType: "application/json",
    headers: { "www-authenticate": wwwAuthenticate }
  })

/**
 * The principal of a request's bearer token, or the refusal: 401 without a token or with one that
 * does not verify (`invalid_token`), 403 when it lacks a scope every request needs.
 */
export const authenticate = (
  auth: BearerAuth.Config,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Principal | HttpServerResponse.HttpServerResponse> => {
  const header = headersOf(request).authorization
  if (header === undefined || header.length === 0) {
    return Effect.succeed(oauthError(401, challenge(auth), "invalid_request", "Authorization: Bearer <token> is required"))
  }
  // Tokens longer than this are refused before any verifier sees them (a verifier may cache or
  // send them on).
  const match = header.length > maxAuthorizationLength ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)
  // Several fields, joined by the platform (a token has no comma), or kept apart by Node. Joined,
  // one of them is a bearer credential; a single field of another scheme may have commas of its
  // own (`Digest username="a", realm="b"`): that is one credential, of a scheme not supported.
  if (match === null && header.includes(",") && joinedBearer.test(header)) return Effect.succeed(severalCredentials(auth))
  // A bearer token too long to be taken is said to be that, not "not a bearer token", which sent
  // its operator looking for a malformed header.
  if (match === null && header.length > maxAuthorizationLength && /^Bearer +/i.test(header)) {
    return Effect.succeed(invalidToken(auth, tooLong))
  }
  if (match === null) return Effect.succeed(invalidToken(auth, "the Authorization header is not a bearer token"))
  if (repeatsAuthorization(request)) return Effect.succeed(severalCredentials(auth))
  // A verifier of one's own that throws (one around a synchronous library) is a defect answered
  // as one (500, logged), as one that dies; thrown here, it was an empty 500, unlogged.
  let verified: Effect.Effect<Principal, BearerAuth.InvalidToken | BearerAuth.VerifierUnavailable>
  const token = match[1]!
  try {
    verified = auth.verifier.verify(token)
  } catch (defect) {
    verified = Effect.die(defect)
  }
  return Effect.match(verified, {
    onFailure: (error) =>
      error._tag === "VerifierUnavailable"
        ? HttpServerResponse.text(JSON.stringify({ error: "temporarily_unavailable", error_description: error.description }), {
          status: 503,
          contentType: "application/json",
          headers: { "retry-after": "5" }
        })
        : invalidToken(auth, error.description),
    onSuccess: (given) => {
      // A session is bound to its subject: a principal without one is not a principal.
      if (typeof given.subject !== "string" || given.subject.length === 0) {
        return invalidToken(auth, "the token names no subject")
      }
      // A verifier of one's own may give the scopes as one string (OAuth's form): every scope is
      // judged whole, below and by what the request reaches (see `scopeList`).
      const scopes = scopeList(given.scopes)
      const principal = scopes === given.scopes ? given : { ...given, scopes }
      const missing = missingScopes(auth.requiredScopes, scopes)
      if (missing.length > 0) return insufficientScope(auth, principal, missing)
      // A verifier that has streams checked again: the principal the check of its token goes
      // with, against the scopes every request needs (see `Recheck.register`: a cached
      // introspected token's own, nothing per request). `BearerAuth.config` refuses an interval
      // under `Recheck.minRecheckMillis`; a config made by hand is held to it here.
      const every = auth.verifier.recheckMillis
      if (every === undefined || !(every > 0 && Number.isFinite(every))) return principal
      return Recheck.register(principal, token, Math.max(every, Recheck.minRecheckMillis), auth.verifier, auth.requiredScopes)
    }
  })
}

/**
 * 400 `invalid_request` to a request with more than one `Authorization` field: RFC 6750 §3.1's
 * answer to a request that "repeats the same parameter" or "uses more than one method for
 * including an access token". Which of two tokens is the caller's is not the server's to guess.
 */
const severalCredentials = (auth: BearerAuth.Config) => {
  const description = "the request carries more than one Authorization header"
  return oauthError(400, challenge(auth, { error: "invalid_request", description }), "invalid_request", description)
}

/** A bearer credential among fields joined with commas (`Basic x, Bearer y`, `Bearer x, Bearer y`). */
const joinedBearer = /(?:^|,)[ \t]*Bearer +[^ ,]/i

/** Longest `Authorization` header taken: 8 KiB. */
export const maxAuthorizationLength = 8 * 1024

/** The refusal of a bearer token longer than {@link maxAuthorizationLength}. */
const tooLong = `the token is too long (the Authorization header may have at most ${maxAuthorizationLength} characters)`

/** 401 `invalid_token`: a token that is not one, or does not verify (RFC 6750). */
export const invalidToken = (auth: BearerAuth.Config, description: string) =>
  oauthError(401, challenge(auth, { error: "invalid_token", description }), "invalid_token", description)

/**
 * 403 for missing scopes. The challenge names every scope the client should ask for: those every
 * request needs, those the token has, and the missing ones (asking only for the missing ones would
 * give a token without the others, and the client would go back and forth).
 */
export const insufficientScope = (auth: BearerAuth.Config, principal: Principal | undefined, missing: ReadonlyArray<string>) => {
  const description = `the token lacks scope(s) ${missing.join(", ")}`
  return oauthError(403, challenge(auth, { error: "insufficient_scope", scopes: stepUpScopes(auth, principal, missing), description }), "insufficient_scope", description)
}

/** The scopes a step-up challenge asks for: every request's, the token's own, and the missing ones. */
export const stepUpScopes = (auth: BearerAuth.Config, principal: Principal | undefined, missing: ReadonlyArray<string>) => [
  ...new Set([...auth.requiredScopes, ...(principal?.scopes ?? []), ...missing])
]

/**
 * The scopes a refused call lacks: the `Authorization` middleware's 403
 * (`McpError.ErrorCode.Forbidden`) with `data.missingScopes`. Any other error (a handler's own
 * 403 without them included) is answered as it is.
 */
export const missingScopesOf = (message: JsonRpc.Message): ReadonlyArray<string> | undefined => {
  const error = (message as { readonly error?: { readonly code?: unknown; readonly data?: { readonly missingScopes?: unknown } } }).error
  if (error?.code !== ErrorCode.Forbidden) return undefined
  const missing = error.data?.missingScopes
  if (!Array.isArray(missing)) return undefined
  const scopes = missing.filter((scope): scope is string => typeof scope === "string")
  return scopes.length > 0 ? scopes : undefined
}

/**
 * Serves the protected-resource metadata (RFC 9728), to any origin: a browser-based MCP client (the
 * Inspector in a browser) reads it cross-origin, as the TypeScript SDK's `metadataHandler` lets it
 * (`cors()`: any origin). The document is public.
 */
export const metadataRoute = (auth: BearerAuth.Config) => {
  const body = JSON.stringify(auth.metadata)
  return Effect.succeed(HttpServerResponse.text(body, {
    contentType: "application/json",
    headers: { "cache-control": "max-age=3600", "access-control-allow-origin": "*" }
  }))
}

/**
 * The CORS preflight of the metadata document (`OPTIONS`, 204). The SDK clients fetch it with an
 * `MCP-Protocol-Version` header, which a browser asks leave for first: without an answer (the
 * router's 404) the fetch failed, and the SDK fell back to one without the header, or the client
 * had no metadata. The headers asked for are granted, as `cors()` grants them, when they are a list
 * of header names (anything else is not echoed into the answer).
 */
export const metadataPreflight = Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
  const asked = request.headers["access-control-request-headers"]
  const headers: Record<string, string> = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, OPTIONS",
    "access-control-max-age": "3600",
    vary: "Access-Control-Request-Headers"
  }
  if (asked !== undefined && headerNames.test(asked)) headers["access-control-allow-headers"] = asked
  return HttpServerResponse.empty({ status: 204, headers })
})

/** The methods the metadata document answers, as the `Allow` header of a 405 lists them (the SDK's). */
const metadataAllow = "GET, OPTIONS"

/**
 * The metadata document's paths, every method: `GET` (and `HEAD`, as the router answers it for a
 * `GET` route) the document, `OPTIONS` its preflight, any other 405 with `Allow: GET, OPTIONS` and
 * an OAuth error body, as the TypeScript SDK's `metadataHandler` answers (`allowedMethods`); it
 * was the router's 404, which says the document is not there.
 */
export const metadataMethods = (auth: BearerAuth.Config) => {
  const document = metadataRoute(auth)
  return (request: HttpServerRequest.HttpServerRequest) => {
    const method = request.method
    if (method === "GET" || method === "HEAD") return document
    if (method === "OPTIONS") return metadataPreflight
    const description = `The method ${clip(method, 64)} is not allowed for this endpoint`
    return Effect.succeed(HttpServerResponse.text(JSON.stringify({ error: "method_not_allowed", error_description: description }), {
      status: 405,
      contentType: "application/json",
      headers: { allow: metadataAllow, "access-control-allow-origin": "*" }
    }))
  }
}

/** A list of header names (RFC 9110 tokens, separated by commas and spaces). */
const headerNames = /^[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*[ \t]*$/
