/**
 * The guards of the Streamable HTTP endpoint, before any message is read: DNS rebinding
 * protection (Host and Origin), CORS, and the body of a POST read within its size and time limits.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as ByteSize from "effect/ByteSize"
import * as Stream from "effect/Stream"
import { HttpMiddleware, HttpServerRequest, HttpServerResponse } from "effect/http"
import { isUtf8 } from "node:buffer"
import type { IncomingMessage } from "node:http"
import * as McpError from "../../../protocol/McpError.ts"
import type * as Negotiation from "../../../protocol/Negotiation.ts"
import type { Options } from "../StreamableHttp.ts"
import { allowedHostsOf, canonicalHostName } from "./hosts.ts"
import { jsonError, shuttingDown } from "./responses.ts"

const { ErrorCode } = McpError

/** The limits of a POST body (see `Options.maxBodyBytes` and `bodyTimeoutMillis`). */
export interface BodyLimits {
  readonly maxBody: number
  readonly maxBodySize: ByteSize.ByteSize
  readonly bodyTimeout: number
  /** The bound of {@link bodyBytesInFlight} (`Options.maxBodyBytesInFlight`). */
  readonly maxBodyBytesInFlight: number
  /**
   * The bytes of the bodies still arriving (`readArriving` on Node, `readWebBody` behind the web
   * handler), all requests of the endpoint together: added as each piece arrives (a declared
   * `Content-Length` of a web request at once), given back as its read ends.
   */
  bodyBytesInFlight: number
  /**
   * The bodies still arriving on other platforms than Node (the web handler), each by what ends
   * its read with 503 -32000: called when the endpoint stops (see `readPlatformBody`).
   */
  readonly bodyReads: Set<() => void>
}

/**
 * DNS rebinding protection: the check that Host and Origin name an allowed host, or Origin an
 * allowed origin when they are listed (`undefined`: the request passes; else the 403 to answer).
 * With any host allowed (`"any"`), only listed origins are checked. Built once from the options: an allowed host that
 * can be none (see `allowedHost`: `localhost:3000`) is thrown then, as an `Error` naming it.
 */
export const originCheck = (
  options: Options
): (request: HttpServerRequest.HttpServerRequest) => HttpServerResponse.HttpServerResponse | undefined => {
  // Listed CORS origins pass the Origin check too, unless allowed origins are given of their
  // own. `"*"` does not turn the check off: a page of any origin driving a local server is what
  // the check prevents; with `"*"`, say `allowedOrigins: "any"` too (behind authentication).
  const corsOrigins = options.cors === undefined || options.cors.allowedOrigins === "*" ? undefined : options.cors.allowedOrigins
  const originsListed = options.allowedOrigins ?? (corsOrigins !== undefined && corsOrigins.length > 0 ? corsOrigins : undefined)
  const origins = originsListed === "any" ? "any" : originsListed === undefined ? undefined : new Set(originsListed)
  const listed = allowedHostsOf(options.allowedHosts)
  if (listed === undefined) {
    // Any host: no Host check, and no origin on the allowed hosts to check by default. Origins
    // listed still are: a proxy that checks Host says nothing of the page a browser request
    // comes from, which only `Origin` tells (the list was ignored here, every page let through).
    if (origins === undefined || origins === "any") return () => undefined
    return (request) => {
      const origin = headersOf(request).origin
      return origin === undefined || origins.has(origin) ? undefined : forbiddenOrigin(origin)
    }
  }
  const hosts = new Set(listed)
  const originAllowed = (origin: string): boolean => {
    const match = /^https?:\/\/(\[[^\]]+\]|[^:/]+)(:\d+)?$/i.exec(origin)
    return match !== null && hosts.has(match[1]!.toLowerCase())
  }
  return (request) => {
    const headers = headersOf(request)
    const host = headers.host ?? urlHost(request)
    // The header as clients write it matches at once; another spelling of an allowed host is
    // normalised only then, off the common path (see `canonicalHostName`).
    if (host === undefined || (!hosts.has(hostName(host)) && !hosts.has(canonicalHostName(host)))) {
      return jsonError(403, ErrorCode.InvalidRequest, `Forbidden: host ${host ?? "(none)"} is not allowed`)
    }
    const origin = headers.origin
    if (origin === undefined || origins === "any") return undefined
    const allowed = origins === undefined ? originAllowed(origin) : origins.has(origin)
    return allowed ? undefined : forbiddenOrigin(origin)
  }
}

const forbiddenOrigin = (origin: string) => jsonError(403, ErrorCode.InvalidRequest, `Forbidden: origin ${origin} is not allowed`)

/**
 * The endpoint's URL as the listening line (and `effect-mcp dev`) names it: the address the server
 * listens on (`address`, `http://host:port`), under a host name the Host check accepts, so that it
 * is a URL that answers. A server whose allowed hosts leave its address out is named by an allowed
 * name that reaches that address ({@link namesReaching}: `localhost` or `127.0.0.1` for 127.0.0.1
 * and every IPv4 interface, `localhost` or `[::1]` for ::1 and every IPv6 interface), the address
 * going in `note`; one that no allowed name reaches keeps its address, `note` naming the hosts
 * requests must name, and `refused` saying that a request to `url` as it is gets 403. (An
 * allowed name of the other family would not do: `[::1]` for a server on 127.0.0.1 is refused a
 * connection.)
 */
export const listeningUrl = (
  address: string,
  path: string,
  options: Pick<Options, "allowedHosts">
): { readonly url: string; readonly note: string | undefined; readonly refused: boolean } => {
  const hosts = allowedHostsOf(options.allowedHosts)
  const url = new URL(address)
  if (hosts === undefined || hosts.includes(url.hostname)) return { url: `${address}${path}`, note: undefined, refused: false }
  const name = namesReaching(url.hostname).find((name) => hosts.includes(name))
  return name === undefined
    ? { url: `${address}${path}`, note: `requests must name ${hosts.join(", ")}`, refused: true }
    : { url: `http://${name}:${url.port}${path}`, note: `listening on ${url.hostname}`, refused: false }
}

/**
 * The loopback names that reach a server bound to `hostname` (as a URL writes it), in the order
 * the listening line prefers them. A name of the other family does not (`127.0.0.1` for `::1`),
 * nor does a name of another loopback address (`localhost` for `127.0.0.2`); `::` is taken as
 * IPv6 only (whether it also takes IPv4 depends on the system).
 */
const namesReaching = (hostname: string): ReadonlyArray<string> =>
  hostname === "127.0.0.1" || hostname === "0.0.0.0"
    ? ["localhost", "127.0.0.1"]
    : hostname === "[::1]" || hostname === "[::]"
    ? ["localhost", "[::1]"]
    : []

/**
 * The host of a request without a `Host` header, from its URL when that is absolute: a `Request`
 * made by hand (`new Request("http://localhost/mcp")` in a unit test of the web handler) has none,
 * while fetch runtimes (Deno, Bun, Workers) build the URL's host from the `Host` they received, so
 * real traffic is checked as before. On Node the URL is the request target: a path, for a request
 * without `Host` (HTTP/1.0, or malformed), which stays refused (an absolute-form target's host is
 * made its `Host` by the platform). Only read when the header is absent: not on the hot path.
 */
const urlHost = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const url = request.originalUrl
  if (!/^https?:\/\//i.test(url)) return undefined
  try {
    const host = new URL(url).host
    return host === "" ? undefined : host
  } catch {
    return undefined
  }
}

/** The host name of a `Host` header, without the port. */
const hostName = (host: string): string => {
  const lower = host.toLowerCase()
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1)
  const colon = lower.indexOf(":")
  return colon === -1 ? lower : lower.slice(0, colon)
}

/** Whether CORS is on (see `Options.cors`): an empty list is no origin (Effect's middleware would read it as any). */
export const corsOn = (cors: Options["cors"]): cors is NonNullable<Options["cors"]> =>
  cors !== undefined && (cors.allowedOrigins === "*" || cors.allowedOrigins.length > 0)

/**
 * The `Allow` of the endpoint's 405s (RFC 9110): the methods it answers; OPTIONS with CORS, which
 * answers every OPTIONS (a preflight).
 */
export const allowedMethods = (options: Options): string =>
  `${options.stateless === true ? "POST" : "GET, POST, DELETE"}${corsOn(options.cors) ? ", OPTIONS" : ""}`

/** The request headers a preflight allows, besides the `Mcp-Param-*` it asks for. */
const corsAllowedHeaders = [
  "content-type",
  "accept",
  "authorization",
  "mcp-session-id",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "last-event-id"
]

/** An HTTP header name (RFC 9110 token), lower case. */
const headerToken = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/

/**
 * The `Mcp-Param-*` headers (SEP-2243) a preflight's `Access-Control-Request-Headers` names: a
 * 2026-07-28 client mirrors a tool's `x-mcp-header` arguments in headers named after them, so no
 * fixed list can hold them; only those, and well-formed, are granted.
 */
const paramHeadersAsked = (asked: string | undefined): ReadonlyArray<string> => {
  if (asked === undefined || !asked.toLowerCase().includes("mcp-param-")) return []
  return asked.split(",").map((name) => name.trim().toLowerCase()).filter((name) =>
    name.startsWith("mcp-param-") && name.length > 10 && headerToken.test(name)
  )
}

/** The endpoint with CORS (see `Options.cors`), or as it is. */
export const withCors = (
  options: Options,
  handle: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>
) => {
  const cors = options.cors
  if (!corsOn(cors)) return handle
  const app = HttpMiddleware.cors({
    allowedOrigins: cors.allowedOrigins === "*" ? [] : cors.allowedOrigins,
    allowedMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowedHeaders: corsAllowedHeaders,
    // Retry-After (not CORS-safelisted) of a 503 (a verifier or the store unavailable, a load
    // limit): a browser client on another origin could not read when to try again.
    exposedHeaders: ["mcp-session-id", "mcp-protocol-version", "www-authenticate", "retry-after"],
    maxAge: cors.maxAgeSeconds ?? 600
  })(Effect.flatMap(HttpServerRequest.HttpServerRequest, handle))
  // A preflight's answer depends on the headers it asks for (the Mcp-Param-* ones are granted).
  const preflight = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.map(app, (response) => {
      const params = paramHeadersAsked(request.headers["access-control-request-headers"])
      const vary = response.headers["vary"]
      const varied = HttpServerResponse.setHeader(
        response,
        "vary",
        vary === undefined ? "Access-Control-Request-Headers" : `${vary}, Access-Control-Request-Headers`
      )
      return params.length === 0
        ? varied
        : HttpServerResponse.setHeader(varied, "access-control-allow-headers", [...corsAllowedHeaders, ...params].join(","))
    })
  const endpoint = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => request.method === "OPTIONS" ? preflight(request) : app)
  return (): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> => endpoint
}

/**
 * The body of a POST as text, or the error answer: 413 once more than `maxBody` bytes arrived
 * (nothing more is buffered), 400 when it cannot be read, 408 when it is still arriving after the
 * body timeout (its client is gone or hostile). After a 413 or a 408 on Node's HTTP/1.x server the
 * connection closes ({@link closingFor}).
 *
 * On Node the body is read here, by hand, from the `IncomingMessage`: measured against the
 * platform's `request.text` under `Effect.provideService(MaxBodySize)` and `Effect.timeoutOrElse`
 * (27 → 36 µs of server CPU per call), a listener, a byte count and one Node timer cost nothing
 * visible; a body Node has already parsed whole (the usual small one) is read at once, with none
 * of them (`wholeBody`). Other platforms read a web `Request`'s body with the same limits
 * ({@link readPlatformBody}), counted under `maxBodyBytesInFlight` too.
 */
export const readBody = (
  self: BodyLimits,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<string | HttpServerResponse.HttpServerResponse> => {
  const incoming = nodeRequestOf(request)
  return incoming === undefined ? readPlatformBody(self, request) : readNodeBody(self, incoming)
}

/** 413; `headers` {@link closingFor} the request when the rest of the body is not read. */
export const payloadTooLarge = (self: BodyLimits, headers?: Record<string, string>) =>
  jsonError(413, ErrorCode.InvalidRequest, `Payload Too Large: at most ${self.maxBody} bytes`, headers)

/** The headers of an answer after which the connection closes (see {@link closingFor}). */
const closing: Record<string, string> = { connection: "close" }

/**
 * The headers of an answer after which the connection should close (a body not read to its end,
 * a server shutting down): `Connection: close` on Node's HTTP/1.x server, whose platform then
 * closes the socket as soon as the answer is written (without it, it reads what is left of the
 * body, up to 256 KiB, to keep the connection); `undefined` elsewhere. HTTP/2 forbids
 * connection-specific headers (RFC 9113 §8.2.2: a fetch adapter on `node:http2` drops them with a
 * warning, one that writes the stream's headers itself fails the response), and behind the web
 * handler the connection is the server's the handler runs in, whose HTTP version the handler
 * cannot know. Off the common path: only refusals read it.
 */
export const closingFor = (request: HttpServerRequest.HttpServerRequest): Record<string, string> | undefined =>
  nodeRequestOf(request)?.httpVersionMajor === 1 ? closing : undefined
const unreadableBody = () => jsonError(400, ErrorCode.ParseError, "Parse error: the body could not be read")

const readNodeBody = (self: BodyLimits, incoming: IncomingMessage): Effect.Effect<string | HttpServerResponse.HttpServerResponse> => {
  const whole = wholeBody(self, incoming)
  if (whole !== undefined) return Effect.succeed(whole)
  // A small body usually comes in the packet of its headers: Node parses it right after the
  // request reaches us, in the same turn. After one yield it is read at once from the stream's
  // buffer: no listeners, no timer, no wait for `end`. Measured (echo over HTTP, 32 in flight,
  // server CPU per call, medians of 6 alternating rounds): 2025 stateless 33.2 → 32.5 µs, 2026
  // 35.9 → 35.0 µs.
  return Effect.flatMap(Effect.yieldNow, () => {
    const whole = wholeBody(self, incoming)
    return whole !== undefined ? Effect.succeed(whole) : readArriving(self, incoming)
  })
}

/** The body when Node has parsed all of it (within its limit) and nobody reads the stream. */
const wholeBody = (self: BodyLimits, incoming: IncomingMessage): string | HttpServerResponse.HttpServerResponse | undefined => {
  if (!incoming.complete || incoming.readableLength > self.maxBody || incoming.readableFlowing === true) return undefined
  const first: Buffer | null = incoming.read()
  if (first === null) return ""
  const next: Buffer | null = incoming.read()
  if (next === null) return text(first)
  const chunks = [first, next]
  for (let chunk: Buffer | null = incoming.read(); chunk !== null; chunk = incoming.read()) chunks.push(chunk)
  return text(Buffer.concat(chunks))
}

/**
 * A body's bytes as text, when they are UTF-8 (JSON-RPC messages must be: a decoder would replace
 * what is not with U+FFFD, and answer a request with an id it never had); a -32700 otherwise.
 */
const text = (bytes: Buffer): string | HttpServerResponse.HttpServerResponse =>
  isUtf8(bytes) ? bytes.toString() : jsonError(400, ErrorCode.ParseError, "Parse error: the body is not valid UTF-8")

/** The body as it arrives: counted, bounded in size and in time. */
const readArriving = (self: BodyLimits, incoming: IncomingMessage): Effect.Effect<string | HttpServerResponse.HttpServerResponse> =>
  Effect.callback((resume) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const stop = () => {
      clearTimeout(timer)
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onFailure)
      incoming.off("aborted", onFailure)
      self.bodyBytesInFlight -= bytes
      bytes = 0
    }
    const done = (answer: string | HttpServerResponse.HttpServerResponse) => {
      stop()
      resume(Effect.succeed(answer))
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      self.bodyBytesInFlight += chunk.length
      if (bytes > self.maxBody) {
        incoming.pause()
        // The rest of the body stays unread: the connection cannot carry another request.
        return done(payloadTooLarge(self, closingOf(incoming)))
      }
      if (self.bodyBytesInFlight > self.maxBodyBytesInFlight) {
        incoming.pause()
        return done(tooManyBodyBytes(self, closingOf(incoming)))
      }
      chunks.push(chunk)
    }
    const onEnd = () => done(text(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    const onFailure = () => done(unreadableBody())
    // After the 408 the connection closes: the body never completed.
    const timer = setTimeout(
      () =>
        done(
          jsonError(408, ErrorCode.InvalidRequest, `Request Timeout: the body did not arrive within ${self.bodyTimeout} ms`, closingOf(incoming))
        ),
      self.bodyTimeout
    )
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("error", onFailure)
    incoming.on("aborted", onFailure)
    // Interrupted (the server stopping): stop listening.
    return Effect.sync(stop)
  })

/**
 * 503 to a body whose bytes would take the endpoint's bodies still arriving past
 * `maxBodyBytesInFlight` (many slow clients each sending up to `maxBodyBytes`); `Retry-After` 1 s,
 * the connection closed after it (the rest of the body is not read).
 */
const tooManyBodyBytes = (self: BodyLimits, headers: Record<string, string> | undefined) =>
  jsonError(
    503,
    ErrorCode.ServerUnavailable,
    `Service Unavailable: the request bodies arriving at once passed ${self.maxBodyBytesInFlight} bytes, retry later`,
    headers === undefined ? retryAfter : { ...headers, ...retryAfter }
  )
const retryAfter: Record<string, string> = { "retry-after": "1" }

/** {@link closingFor} a Node request. */
const closingOf = (incoming: IncomingMessage): Record<string, string> | undefined => incoming.httpVersionMajor === 1 ? closing : undefined

/**
 * The body on other platforms (the web handler): its bytes, checked as on Node (the platform's
 * `request.text` would decode bytes that are not UTF-8 to U+FFFD). Raced against its deadline
 * ({@link bodyDeadline}), as `Effect.timeoutOrElse` would race it against a sleep. A web
 * `Request`'s body is read here ({@link readWebBody}), counted under `maxBodyBytesInFlight`;
 * another source's (an in-process `HttpClient`'s request, `HttpServerRequest.fromClientRequest`),
 * from the platform's `request.stream` ({@link readStreamBody}), counted and bounded alike.
 */
const readPlatformBody = (
  self: BodyLimits,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<string | HttpServerResponse.HttpServerResponse> => {
  const source = request.source as Partial<Request> | null
  const read = typeof source === "object" && source !== null && typeof source.headers?.get === "function" &&
      (source.body === null || typeof source.body?.getReader === "function")
    ? Effect.promise((signal) => readWebBody(self, source as Request, signal))
    : readStreamBody(self, request)
  return Effect.raceFirst(read, bodyDeadline(self))
}

/**
 * The body of a request whose source is no web `Request` (an in-process `HttpClient`'s), from
 * the platform's `request.stream`, as {@link readWebBody} reads a `Request`'s: the platform's
 * `request.arrayBuffer` read such a body whole, neither counted under `maxBodyBytesInFlight` nor
 * bounded by `maxBodyBytes` (it applies no `MaxBodySize` to it). A declared `Content-Length` is
 * reserved before the read (413 past `maxBody`, 503 past `maxBodyBytesInFlight`), a body without
 * one counted as it arrives; the bytes are given back as the read ends, however.
 */
const readStreamBody = (
  self: BodyLimits,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<string | HttpServerResponse.HttpServerResponse> =>
  Effect.suspend(() => {
    const header = request.headers["content-length"]
    const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined
    if (declared !== undefined && declared > self.maxBody) return Effect.succeed(payloadTooLarge(self))
    if (declared === 0) return Effect.succeed("")
    let held = declared ?? 0
    if (self.bodyBytesInFlight + held > self.maxBodyBytesInFlight) return Effect.succeed(tooManyBodyBytes(self, undefined))
    self.bodyBytesInFlight += held
    const limit = declared ?? self.maxBody
    const chunks: Array<Uint8Array> = []
    let bytes = 0
    let refused: HttpServerResponse.HttpServerResponse | undefined
    const read = Stream.runForEachWhile(request.stream, (chunk) =>
      Effect.sync(() => {
        bytes += chunk.byteLength
        if (bytes > limit) {
          refused = bytes > self.maxBody ? payloadTooLarge(self) : unreadableBody()
          return false
        }
        if (declared === undefined) {
          held += chunk.byteLength
          self.bodyBytesInFlight += chunk.byteLength
          if (self.bodyBytesInFlight > self.maxBodyBytesInFlight) {
            refused = tooManyBodyBytes(self, undefined)
            return false
          }
        }
        chunks.push(chunk)
        return true
      }))
    return read.pipe(
      Effect.map(() => refused ?? text(Buffer.concat(chunks))),
      Effect.catch(() => Effect.succeed(unreadableBody())),
      Effect.ensuring(Effect.sync(() => {
        self.bodyBytesInFlight -= held
        held = 0
      }))
    )
  })

/**
 * A web `Request`'s body, as the platform's `request.arrayBuffer` reads it under `MaxBodySize`
 * (413 past `maxBody`, declared or read; a body longer than its `Content-Length` is unreadable),
 * its bytes counted in `bodyBytesInFlight`: a declared `Content-Length` is reserved before any
 * byte is read (503 when it would pass `maxBodyBytesInFlight`), a body without one (chunked) is
 * counted as it arrives. The bytes are given back as the read ends, or at once when it is given up
 * (`signal`: the deadline, the endpoint stopping). Never rejects.
 */
const readWebBody = async (
  self: BodyLimits,
  source: Request,
  signal: AbortSignal
): Promise<string | HttpServerResponse.HttpServerResponse> => {
  const header = source.headers.get("content-length")
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : undefined
  if (declared !== undefined && declared > self.maxBody) return payloadTooLarge(self)
  const body = source.body
  if (body === null || declared === 0) return ""
  let held = declared ?? 0
  if (self.bodyBytesInFlight + held > self.maxBodyBytesInFlight) return tooManyBodyBytes(self, undefined)
  self.bodyBytesInFlight += held
  const release = () => {
    self.bodyBytesInFlight -= held
    held = 0
  }
  let reader: ReadableStreamDefaultReader<Uint8Array>
  try {
    reader = body.getReader()
  } catch {
    release()
    return unreadableBody()
  }
  // Cancellation is not awaited: the source's cleanup may never settle.
  const cancel = () => {
    release()
    reader.cancel().catch(() => {})
  }
  if (signal.aborted) {
    cancel()
    return unreadableBody()
  }
  signal.addEventListener("abort", cancel, { once: true })
  const limit = declared ?? self.maxBody
  const chunks: Array<Uint8Array> = []
  let bytes = 0
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      if (bytes > limit) {
        cancel()
        return bytes > self.maxBody ? payloadTooLarge(self) : unreadableBody()
      }
      if (declared === undefined) {
        held += value.byteLength
        self.bodyBytesInFlight += value.byteLength
        if (self.bodyBytesInFlight > self.maxBodyBytesInFlight) {
          cancel()
          return tooManyBodyBytes(self, undefined)
        }
      }
      chunks.push(value)
    }
  } catch {
    cancel()
    return unreadableBody()
  } finally {
    release()
    signal.removeEventListener("abort", cancel)
  }
  reader.releaseLock()
  return text(chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks))
}

/**
 * 408 once the body timeout passed, or 503 -32000 as soon as the endpoint stops (its scope closed:
 * `WebHandler.dispose`). Nothing else stops such a read: the platform does not interrupt the
 * requests it serves when the handler is disposed, so a body still arriving held its request (and
 * a timer) up to the body timeout, to be answered 408.
 */
const bodyDeadline = (self: BodyLimits): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.callback((resume) => {
    const stop = () => resume(Effect.succeed(shuttingDown()))
    const timer = setTimeout(
      () =>
        resume(Effect.succeed(jsonError(408, ErrorCode.InvalidRequest, `Request Timeout: the body did not arrive within ${self.bodyTimeout} ms`))),
      self.bodyTimeout
    )
    self.bodyReads.add(stop)
    return Effect.sync(() => {
      clearTimeout(timer)
      self.bodyReads.delete(stop)
    })
  })

/**
 * The first `Mcp-*` header a Node request carries more than once (Node joins repeated headers with
 * `", "`: `Mcp-Name: a` and `Mcp-Name: b` would compare as `"a, b"`, while a proxy routing on the
 * first value sees `a`); `undefined` when none is, or on other platforms. Free when no header at
 * all is repeated (the usual request): the raw list is only read when it is longer than the set.
 */
export const repeatedMcpHeader = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const incoming = nodeRequestOf(request)
  if (incoming === undefined) return undefined
  const raw = incoming.rawHeaders
  // `Object.keys`, not a `for…in` count: measured (callgrind, `node --jitless`, a request's eight
  // headers) ~650 instructions against ~1,250.
  if (raw.length / 2 === Object.keys(incoming.headers).length) return undefined
  let seen: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (!name.startsWith("mcp-")) continue
    if (seen?.has(name) === true) return name
    ;(seen ??= new Set()).add(name)
  }
  return undefined
}

/**
 * A request's headers as the endpoint reads them (names in lower case): Node's own
 * `IncomingMessage.headers` when nothing changed them, else the platform's.
 *
 * The platform's `request.headers` is a copy of Node's (`Headers.fromInput`, made at the first
 * read): ~60 ns per header in a tight loop, ~0.4 µs per request, every request, for values Node
 * already holds. A/B of the echo server (20 alternating rounds, paired medians of server CPU per
 * call): 0.96–1.04, about −1%, at this machine's noise floor. The copy stays the truth when it exists: a request
 * the platform rewrote (`HttpServerRequest.modify`, an absolute-form target's `Host`) carries its
 * headers in `headersOverride`, and a copy someone already made costs nothing more. HTTP/2 (names
 * such as `:authority`) and other platforms read the platform's. `test/http/Headers.test.ts`
 * checks that a rewritten request is read as rewritten.
 */
export const headersOf = (request: HttpServerRequest.HttpServerRequest): Negotiation.Headers => {
  if ((request as { readonly headersOverride?: unknown }).headersOverride === undefined) {
    const incoming = nodeRequestOf(request)
    if (incoming !== undefined && incoming.httpVersionMajor === 1) return incoming.headers as Negotiation.Headers
  }
  return request.headers
}

/**
 * A request's `Mcp-Session-Id`, `undefined` when it is not given or given empty: no session id is
 * empty (the spec's are visible characters), and a client that sends the field empty until it has
 * an id was told 404 "Session not found" to its `initialize` (it initialized again, for ever), and
 * to any other message (its session gone, where the header is required). As the SDKs' servers take it.
 */
export const sessionIdOf = (headers: Negotiation.Headers): string | undefined => {
  const id = headers["mcp-session-id"]
  return id === "" ? undefined : id
}

/**
 * Whether the request carries more than one `Authorization` field (bearer authentication). Node
 * keeps the first of them in `headers` and drops the others (a field that is no list), so two
 * tokens were taken as the first alone; other platforms join them (`Bearer a, Bearer b`), which is
 * no bearer token. A look at the names of Node's raw headers, only for a request that is
 * authenticated anyway (its token's signature check costs far more).
 */
export const repeatsAuthorization = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const raw = nodeRequestOf(request)?.rawHeaders
  if (raw === undefined) return false
  let seen = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length !== 13 || name.toLowerCase() !== "authorization") continue
    if (seen) return true
    seen = true
  }
  return false
}

/** The Node request behind a platform request (`undefined` on other platforms). */
export const nodeRequestOf = (request: HttpServerRequest.HttpServerRequest): IncomingMessage | undefined => {
  const source = request.source as { readonly complete?: unknown; readonly on?: unknown }
  return typeof source === "object" && source !== null && typeof source.complete === "boolean" &&
      typeof source.on === "function"
    ? source as IncomingMessage
    : undefined
}
