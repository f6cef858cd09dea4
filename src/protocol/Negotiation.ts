/**
 * Capability and version negotiation as pure functions: no I/O, no fibers, unit-testable.
 *
 * {@link deriveCapabilities} turns what a server registered into the capabilities it advertises;
 * {@link negotiate} turns a server description and the client's `initialize` params into the
 * `initialize` result (projected to the negotiated version) or an error; {@link resolve} turns one
 * request and what its transport knows into the truth that request is answered by (its protocol
 * version, the client's capabilities and info).
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import { InvalidParams, JsonRpcError, schemaFailureMessage } from "./McpError.ts"
import type * as JsonRpc from "./JsonRpc.ts"
import type { ErrorObject } from "./JsonRpc.ts"
import type {
  ClientCapabilities,
  Implementation,
  InitializeRequestParams,
  InitializeResult,
  LoggingLevel,
  ServerCapabilities
} from "./McpSchema.ts"
import { jitDecoder } from "./internal/jitDecoder.ts"
import * as Schemas from "./internal/mcpSchemas.ts"
import { clip } from "../internal/clip.ts"
import { lazy } from "../internal/lazy.ts"
import { jsonKindOf } from "../internal/valueKind.ts"
import * as ParamHeaders from "./ParamHeaders.ts"
import * as ProtocolVersion from "./ProtocolVersion.ts"
import { featuresOf, projectResult } from "./versions/Projection.ts"
import * as v2026_07_28 from "./versions/v2026_07_28.ts"
import { ErrorCode } from "./McpError.ts"

/**
 * What a server has registered, as far as capabilities are concerned.
 *
 * **Details**
 *
 * `methods` are the request methods with a handler. Capabilities that are not implied by a
 * method (list-changed notifications, which requests may be task-augmented) are flags.
 *
 * @since 0.1.0
 * @category models
 */
export interface Features {
  readonly methods: Iterable<string>
  readonly listChanged?: {
    readonly tools?: boolean | undefined
    readonly resources?: boolean | undefined
    readonly prompts?: boolean | undefined
  } | undefined
  /** Request methods that may be task-augmented (2025-11-25 `tasks.requests`), e.g. `"tools/call"`. */
  readonly taskRequests?: Iterable<string> | undefined
  readonly experimental?: { readonly [key: string]: object } | undefined
}

/**
 * Derives the server capabilities (2025-11-25 shape) from what is registered.
 *
 * **Details**
 *
 * A capability is advertised exactly when a handler behind it exists: `tools` for `tools/*`,
 * `resources` for `resources/*` (with `subscribe` when `resources/subscribe` is handled),
 * `prompts`, `completions` for `completion/complete`, `logging` for `logging/setLevel`, and the
 * first-class `tasks` capability (never under `experimental`) for `tasks/*`, with `list`,
 * `cancel` and `requests` derived from the task handlers and task-capable request methods.
 *
 * @since 0.1.0
 * @category negotiation
 */
export const deriveCapabilities = (features: Features): ServerCapabilities => {
  const methods = new Set(features.methods)
  const has = (prefix: string) => {
    for (const m of methods) if (m.startsWith(prefix)) return true
    return false
  }
  const caps: { -readonly [K in keyof ServerCapabilities]: ServerCapabilities[K] } = {}
  if (features.experimental !== undefined) caps.experimental = features.experimental
  if (methods.has("logging/setLevel")) caps.logging = {}
  if (methods.has("completion/complete")) caps.completions = {}
  if (has("prompts/")) caps.prompts = features.listChanged?.prompts ? { listChanged: true } : {}
  if (has("resources/")) {
    caps.resources = {
      ...(methods.has("resources/subscribe") ? { subscribe: true } : {}),
      ...(features.listChanged?.resources ? { listChanged: true } : {})
    }
  }
  if (has("tools/")) caps.tools = features.listChanged?.tools ? { listChanged: true } : {}
  if (has("tasks/")) {
    const requests: Record<string, Record<string, object>> = {}
    for (const method of features.taskRequests ?? []) {
      if (!methods.has(method)) continue
      const [group, action] = method.split("/") as [string, string]
      requests[group] = { ...requests[group], [action]: {} }
    }
    caps.tasks = {
      ...(methods.has("tasks/list") ? { list: {} } : {}),
      ...(methods.has("tasks/cancel") ? { cancel: {} } : {}),
      ...(Object.keys(requests).length > 0 ? { requests } : {})
    }
  }
  return caps
}

/**
 * What the server says about itself in `initialize`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerDescription {
  readonly serverInfo: Implementation
  /** Full (2025-11-25) capabilities, e.g. from {@link deriveCapabilities}; projected per version. */
  readonly capabilities: ServerCapabilities
  readonly instructions?: string | undefined
  /** Versions this server accepts, newest first; defaults to every supported version. */
  readonly supportedVersions?: ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined
  /**
   * What to do with a requested version we do not speak: `"latest"` (the spec's rule: answer
   * with our newest and let the client decide) or `"reject"` (answer -32602 with the supported
   * versions, the error form the spec allows).
   */
  readonly unsupportedVersion?: "latest" | "reject" | undefined
}

/**
 * The outcome of a successful negotiation: the result to send and the session state to keep.
 *
 * @since 0.1.0
 * @category models
 */
export interface Negotiated {
  readonly protocolVersion: ProtocolVersion.LegacyVersion
  readonly clientCapabilities: ClientCapabilities
  readonly clientInfo: Implementation
  readonly result: InitializeResult
}

/**
 * Picks the protocol version to answer with: the requested one when supported, else our newest
 * (or `undefined` when the policy is to reject).
 *
 * @since 0.1.0
 * @category negotiation
 */
export const negotiateVersion = (
  requested: string,
  supportedVersions: ReadonlyArray<ProtocolVersion.LegacyVersion> = ProtocolVersion.supported,
  unsupportedVersion: "latest" | "reject" = "latest"
): ProtocolVersion.LegacyVersion | undefined => {
  for (const version of supportedVersions) if (version === requested) return version
  return unsupportedVersion === "latest" ? supportedVersions[0] : undefined
}

/**
 * Negotiates a session: (server description, initialize params) → initialize result or error.
 *
 * **Details**
 *
 * The version rule is the spec's: echo a supported requested version, else answer with our
 * newest (or reject, see {@link ServerDescription.unsupportedVersion}). Capabilities and
 * `serverInfo` are projected to the negotiated version, so a client never sees a field or a
 * capability its version does not define (e.g. no `tasks` for a 2025-06-18 client).
 *
 * @since 0.1.0
 * @category negotiation
 */
export const negotiate = (
  server: ServerDescription,
  params: InitializeRequestParams
): Result.Result<Negotiated, InvalidParams | JsonRpcError> => {
  const supportedVersions = server.supportedVersions ?? ProtocolVersion.supported
  const version = negotiateVersion(params.protocolVersion, supportedVersions, server.unsupportedVersion ?? "latest")
  if (version === undefined) {
    // A server of modern versions alone (no handshake-era version): the spec's -32022 naming them,
    // as it asks of such a server in any error to `initialize` (a legacy client cannot fall
    // forward; a dual-era client that fell back to `initialize` retries with one).
    if (supportedVersions.length === 0) return Result.fail(new JsonRpcError(modernOnlyInitialize(params.protocolVersion)))
    return Result.fail(
      new InvalidParams({
        message: `Unsupported protocol version: ${clip(params.protocolVersion)}`,
        data: { supported: [...supportedVersions], requested: clip(params.protocolVersion) }
      })
    )
  }
  const full: InitializeResult = server.instructions === undefined
    ? { protocolVersion: version, capabilities: server.capabilities, serverInfo: server.serverInfo }
    : {
      protocolVersion: version,
      capabilities: server.capabilities,
      serverInfo: server.serverInfo,
      instructions: server.instructions
    }
  return Result.succeed({
    protocolVersion: version,
    clientCapabilities: params.capabilities,
    clientInfo: params.clientInfo,
    result: projectResult("initialize", full, version) as InitializeResult
  })
}

/**
 * The truth one request is answered by: the protocol version its answer (and the messages its
 * handler sends) are projected to, and what the client declared. Handlers, middleware, projection
 * and capability gates read it from the request context, never from a session.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResolvedRequest {
  readonly protocolVersion: ProtocolVersion.ProtocolVersion
  readonly clientCapabilities: ClientCapabilities
  readonly clientInfo: Implementation | undefined
  /**
   * 2026-07-28: the log level this request opted in to (`_meta` `io.modelcontextprotocol/logLevel`);
   * without it the server sends the request no log messages. `undefined` in the handshake era.
   */
  readonly logLevel?: LoggingLevel | undefined
  /**
   * The id the client gave the request, when the transport answers it under an id of its own;
   * `undefined`: the request's own id, or the one the request's `HttpRequestInfo.clientRequestId`
   * names (Streamable HTTP names it there, for both eras, and leaves this unset).
   */
  readonly clientRequestId?: string | number | undefined
}

/**
 * What the transport knows of a request besides its message.
 *
 * - `Session`: a handshake-era session; `negotiated` is what its `initialize` settled (before it,
 *   the newest version and no capabilities).
 * - `Stateless`: one session answers every client, nothing is remembered: the request itself and
 *   its `MCP-Protocol-Version` header (HTTP) are all there is.
 *
 * @since 0.2.0
 * @category models
 */
export type RequestFacts =
  | { readonly _tag: "Session"; readonly negotiated: ResolvedRequest }
  | {
    readonly _tag: "Stateless"
    /** The request's `MCP-Protocol-Version` header (HTTP). */
    readonly headerVersion: string | undefined
    /** Whether the request came over HTTP (without HTTP there is no header: the newest version). */
    readonly overHttp: boolean
  }

const noCapabilities: ClientCapabilities = {}

/**
 * Resolves the truth of one request (pure).
 *
 * **Details**
 *
 * - In a session, the negotiated state, whatever the request.
 * - Stateless, an `initialize` at the newest version (its handler negotiates and projects its
 *   answer), with the capabilities and info it declares; any other request over HTTP at the
 *   version its `MCP-Protocol-Version` header names, or, without one, 2025-03-26 (the 2025-06-18
 *   transport rule for a request whose version nothing tells); without HTTP at the newest; with no
 *   client capabilities: a stateless server remembers nothing of a client.
 *
 * @example
 * ```ts
 * Negotiation.resolve({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { _tag: "Stateless", headerVersion: "2025-06-18", overHttp: true })
 * // { protocolVersion: "2025-06-18", clientCapabilities: {}, clientInfo: undefined }
 * ```
 *
 * @since 0.2.0
 * @category negotiation
 */
export const resolve = (request: JsonRpc.Request, facts: RequestFacts): ResolvedRequest => {
  if (facts._tag === "Session") return facts.negotiated
  if (request.method === "initialize") {
    const params = request.params as Partial<InitializeRequestParams> | undefined
    return {
      // The newest: the `initialize` handler's own negotiation (with the server's versions)
      // projects its answer; projecting again here could only remove more.
      protocolVersion: ProtocolVersion.latest,
      clientCapabilities: params?.capabilities ?? noCapabilities,
      clientInfo: params?.clientInfo
    }
  }
  return {
    protocolVersion: !facts.overHttp
      ? ProtocolVersion.latest
      : facts.headerVersion === undefined
      ? ProtocolVersion.assumedWhenUnknown
      : ProtocolVersion.isSupported(facts.headerVersion)
      ? facts.headerVersion
      : ProtocolVersion.latest,
    clientCapabilities: noCapabilities,
    clientInfo: undefined
  }
}

/**
 * Why a 2026-07-28 request is refused before any handler sees it: the JSON-RPC error to answer
 * and the HTTP status it travels with (the status is what dual-era clients detect the era by).
 *
 * @since 0.2.0
 * @category models
 */
export interface Rejection {
  readonly status: 400 | 404
  readonly error: ErrorObject
}

/**
 * Request headers by lower-case name (Node's `IncomingMessage.headers`).
 *
 * @since 0.2.0
 * @category models
 */
export type Headers = { readonly [name: string]: string | undefined }

/** The logging levels, made on first use (a `logLevel` in `_meta` is checked against them). */
const loggingLevels = lazy((): ReadonlySet<string> => new Set(Schemas.LoggingLevel().literals))

/** The param a method's `Mcp-Name` header mirrors (SEP-2243). */
const namedParam = (method: string): string | undefined => {
  switch (method) {
    case "tools/call":
    case "prompts/get":
      return "name"
    case "resources/read":
      return "uri"
    case "tasks/get":
    case "tasks/update":
    case "tasks/cancel":
      return "taskId"
  }
  return undefined
}

/**
 * The -32022 error of a request at a protocol version not served here (MCP 2026-07-28's
 * `UnsupportedProtocolVersionError`): `data.supported` names the versions that are, for the
 * client to retry with one, `data.requested` the one it asked for; `reason`, when given, ends the
 * message.
 *
 * @since 0.2.0
 * @category negotiation
 */
export const unsupportedVersionError = (
  requested: string,
  supported: ReadonlyArray<string>,
  reason?: string | undefined
): ErrorObject => ({
  code: v2026_07_28.errorCodes.UnsupportedProtocolVersion,
  message: `Unsupported protocol version: ${requested === "" ? "(none)" : clip(requested)}${reason === undefined ? "" : ` (${reason})`}`,
  data: { supported: [...supported], requested: clip(requested) }
})

/** The -32022 a server of modern versions alone answers every `initialize` with (see {@link negotiate}). */
const modernOnlyInitialize = (requested: unknown): ErrorObject =>
  unsupportedVersionError(
    typeof requested === "string" ? requested : "",
    ProtocolVersion.modern,
    `this server serves ${ProtocolVersion.modern.join(", ")} only, which has no initialize: send every request with its version in _meta`
  )

/**
 * Where a 2026-07-28 request arrived, as the -32022 of one naming a handshake-era version in its
 * `_meta` words it (see {@link resolveModern}): whether an `initialize` sent there now would be
 * taken. Read only when such a request is refused: a getter costs the requests served nothing.
 *
 * @since 0.2.0
 * @category negotiation
 */
export interface Handshake {
  /**
   * An `initialize` sent now where the request came would be taken: the server serves a
   * handshake-era version (its `supportedVersions` is not empty), and the connection is not
   * locked to 2026-07-28 (stdio past the probe).
   */
  readonly takesInitialize: boolean
}

/**
 * The -32022 of a request that names in its `_meta` a version not served per request, over every
 * transport (stdio and Streamable HTTP alike): `data.supported` lists the versions such a request
 * can name, those of the stateless era, so that retrying with one of them works (the schema: "the
 * client should choose a mutually supported version from this list and retry"). A handshake-era
 * version (`2025-11-25`, ...) is said to be `initialize`'s: it has no per-request form, whether or
 * not this server serves it by `initialize` (`server/discover` lists the versions it does).
 * `initialize` is advised only where it would be taken (`handshake`; not known: not advised, nor
 * said to be refused).
 */
const unsupportedPerRequest = (
  version: string,
  supportedVersions: ReadonlyArray<string>,
  handshake: Handshake | undefined
): ErrorObject => {
  if (!ProtocolVersion.isSupported(version)) return unsupportedVersionError(version, supportedVersions)
  const perRequest = `name ${supportedVersions.join(", ")} in _meta`
  const taken = handshake?.takesInitialize
  return unsupportedVersionError(
    version,
    supportedVersions,
    taken === true
      ? `${version} is negotiated by initialize, not per request: ${perRequest}, or send initialize`
      : taken === false
      ? `${version} is negotiated by initialize, not per request, and initialize is not served here: ${perRequest}`
      : `${version} is negotiated by initialize, not per request: ${perRequest}`
  )
}

/**
 * The answer to an `initialize` on a connection without HTTP (stdio, in-memory) whose first
 * request picked the stateless era (2026-07-28): the connection serves that era only, which has
 * no handshake. The spec's -32022 naming the versions it serves ({@link unsupportedVersionError}), as
 * it asks of a server that serves only modern versions in any error it returns to `initialize`
 * ("legacy clients have no fall-forward mechanism"); a dual-era client that fell back to
 * `initialize` after a slow `server/discover` knows the error as modern and retries with one.
 *
 * @since 0.2.0
 * @category negotiation
 */
export const initializeAfterModern = (request: JsonRpc.Request): ErrorObject => {
  const supported = ProtocolVersion.modern
  const requested = request.params?.protocolVersion
  return unsupportedVersionError(
    typeof requested === "string" ? requested : "",
    supported,
    `this connection serves ${supported.join(", ")} only: its first request was of that era, which has no initialize; ` +
      `send every request with its version in _meta`
  )
}

const rejection = (status: 400 | 404, code: number, message: string, data?: unknown): Rejection => ({
  status,
  error: data === undefined ? { code, message } : { code, message, data }
})

const reject = (status: 400 | 404, code: number, message: string, data?: unknown): Result.Result<never, Rejection> =>
  Result.fail(rejection(status, code, message, data))

/**
 * Whether a request (or a notification) is of the stateless era (MCP 2026-07-28): its `_meta`
 * names a protocol version. Total over whatever a client sent as `_meta` (`null`, an array, a
 * string: then not).
 *
 * @since 0.2.0
 * @category negotiation
 */
export const namesItsVersion = (request: JsonRpc.Request | JsonRpc.Notification): boolean => {
  const meta = request.params?._meta
  return Predicate.isObject(meta) && Object.hasOwn(meta, v2026_07_28.metaKeys.protocolVersion)
}

/**
 * Checks of the client's capabilities and info a 2026-07-28 `_meta` carries: its capabilities as
 * that version has them (no `tasks`, `roots` any object), its info as `initialize`'s, built at the
 * first 2026-07-28 request. JIT-compiled: every such request runs them. Measured
 * (`resolveModern` of a typical `tools/call`, in process): 0.1 µs without the checks, 1.1 µs
 * with the interpreter, 0.25 µs compiled.
 */
const checkClientCapabilities = lazy(() => jitDecoder(Schemas.ModernClientCapabilities()))
const checkClientInfo = lazy(() => jitDecoder(Schemas.Implementation()))

/**
 * Whether the empty capabilities (`{}`, what a client with none of the optional features sends)
 * are well-formed: asked of the schema once, so that such a request skips the decoder (measured,
 * callgrind of bench/http-profile.ts: ~400 instructions per 2026-07-28 call).
 */
const emptyCapabilitiesValid = lazy(() => checkClientCapabilities()({})._tag === "Success")

/**
 * Whether `value` is a plain empty object, as the schema sees it: no own property (enumerable or
 * not), and nothing it could inherit but `Object.prototype`'s.
 */
const isEmptyObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value)
  return (prototype === Object.prototype || prototype === null) && Object.getOwnPropertyNames(value).length === 0
}

/**
 * Whether `value` is a plain object of exactly `name` and `version` (own properties, enumerable or
 * not), both strings: the client info a client sends, as a rule (the official SDKs' clients). Its
 * decoder is skipped for it once the schema has said such an info is well-formed (measured,
 * callgrind of `Negotiation.resolveModern` of the bench's 2026-07-28 call in a loop, `node
 * --jitless`: ~5k of its ~17k instructions were that decoder).
 */
const isPlainInfo = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return false
  // An in-memory client's object may throw as it is read (a getter, a Proxy's trap): not plain,
  // for the decoder to refuse (-32602), as it did before this shortcut; thrown from here, it left
  // `resolveModern` uncaught.
  try {
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) return false
    const names = Object.getOwnPropertyNames(value)
    if (names.length !== 2) return false
    const first = names[0]
    if (!(first === "name" ? names[1] === "version" : first === "version" && names[1] === "name")) return false
    const info = value as { readonly name?: unknown; readonly version?: unknown }
    return typeof info.name === "string" && typeof info.version === "string"
  } catch {
    return false
  }
}

/** Whether the schema takes a plain `{ name, version }` of strings (see {@link isPlainInfo}): asked once. */
const plainInfoValid = lazy(() => checkClientInfo()({ name: "client", version: "1.0.0" })._tag === "Success")

const emptyMeta: { readonly [key: string]: unknown } = {}

/** A header or body value quoted in a -32020 message: as JSON, clipped; a missing header as `null`. */
const quoted = (value: string | undefined): string => value === undefined ? "null" : JSON.stringify(clip(value))

/**
 * The message of a header that does not agree with the body: `header` sent as `value` (or not
 * sent: named as missing, not as a `null` no one sent), `what` in the body being `expected`.
 */
const mismatchMessage = (header: string, value: string | undefined, what: string, expected: string | undefined): string =>
  value === undefined
    ? `Header mismatch: the ${header} header is missing (${what} is ${quoted(expected)})`
    : `Header mismatch: ${header} ${quoted(value)} is not ${what} ${quoted(expected)}`

/**
 * A required `_meta` entry absent, or of the wrong type, as the -32602 it gets: what it must be,
 * and what it is when given (a version sent as a number is not "required": it is a number).
 */
const missingMeta = (key: string, value: unknown, expected: string): Result.Result<never, Rejection> =>
  reject(
    400,
    ErrorCode.InvalidParams,
    value === undefined
      ? `Invalid params: _meta["${key}"] is required (${expected})`
      : `Invalid params: _meta["${key}"] must be ${expected}, not ${jsonKindOf(value)}`
  )


/** A malformed `_meta` entry as the -32602 it gets. */
const invalidMeta = (key: string, cause: Cause.Cause<Schema.SchemaError>): Result.Result<never, Rejection> =>
  reject(400, ErrorCode.InvalidParams, `Invalid params: _meta["${key}"]: ${schemaFailureMessage(cause)}`)

/**
 * Resolves the truth of one 2026-07-28 request from its `_meta` and, over HTTP, its headers
 * (pure). The rules, in this order (`mcp-protocol.md` §b.2, §e.3):
 *
 * 1. `_meta` must hold `protocolVersion` and `clientCapabilities` (an object) → else -32602, 400;
 * 2. over HTTP, `MCP-Protocol-Version` must equal the `_meta` version, `Mcp-Method` the method,
 *    and `Mcp-Name` (optional whitespace trimmed, its `=?base64?…?=` form decoded; raw characters
 *    outside printable ASCII and tab are invalid) the param it mirrors (`name` of `tools/call` and
 *    `prompts/get`, `uri` of `resources/read`, `taskId` of `tasks/*`; when a string: one of another
 *    type is left to the method's params schema, -32602) → else -32020, 400;
 * 3. the version must be one we serve → else -32022 with `data: { supported, requested }`, 400
 *    (a handshake-era version: said to be `initialize`'s, which it advises where `handshake` takes
 *    it, see {@link Handshake});
 * 4. a method 2026-07-28 removed (`initialize`, `ping`, `logging/setLevel`, subscribe, ...) →
 *    -32601, 404;
 * 5. the client capabilities must be well-formed for that version (no `tasks`; `sampling`,
 *    `elicitation`, `extensions` of the right shapes), and a `clientInfo` given must be well-formed
 *    (`initialize`'s schema) → else -32602, 400.
 *
 * Unknown methods and missing client capabilities are decided later, by the dispatcher and the
 * handlers. `headers` is `undefined` without HTTP (stdio); `handshake`, where the request came
 * (the session, read only to word a -32022).
 *
 * @example
 * ```ts
 * Negotiation.resolveModern(request, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" })
 * ```
 *
 * @since 0.2.0
 * @category negotiation
 */
export const resolveModern = (
  request: JsonRpc.Request,
  headers: Headers | undefined,
  handshake?: Handshake | undefined,
  supportedVersions: ReadonlyArray<ProtocolVersion.ModernVersion> = ProtocolVersion.modern
): Result.Result<ResolvedRequest, Rejection> => {
  const meta = request.params?._meta
  const fields = Predicate.isObject(meta) ? meta : emptyMeta
  const version = fields[v2026_07_28.metaKeys.protocolVersion]
  const capabilities = fields[v2026_07_28.metaKeys.clientCapabilities]
  if (typeof version !== "string") return missingMeta(v2026_07_28.metaKeys.protocolVersion, version, "a string")
  if (!Predicate.isObject(capabilities)) return missingMeta(v2026_07_28.metaKeys.clientCapabilities, capabilities, "an object")
  if (headers !== undefined) {
    const headerVersion = headers["mcp-protocol-version"]
    if (headerVersion !== version) {
      return reject(
        400,
        v2026_07_28.errorCodes.HeaderMismatch,
        mismatchMessage("MCP-Protocol-Version", headerVersion, "the _meta version", version)
      )
    }
    const method = headers["mcp-method"]
    if (method !== request.method) {
      return reject(
        400,
        v2026_07_28.errorCodes.HeaderMismatch,
        mismatchMessage("Mcp-Method", method, "the method", request.method)
      )
    }
    const param = namedParam(request.method)
    const named = param === undefined ? undefined : request.params?.[param]
    // Only a string is compared: a name, URI or task id of another type (`null`, an object, an
    // array nested thousands deep, which `String` and `JSON.stringify` overflow the stack on) is
    // the method's own -32602, from its params schema, whatever Mcp-Name says.
    if (typeof named === "string") {
      const raw = headers["mcp-name"]
      // Decoded before comparing (optional whitespace around it dropped): a name or URI outside
      // printable ASCII travels base64-encoded.
      const name = raw === undefined ? undefined : ParamHeaders.decodeHeaderValue(raw)
      if (raw !== undefined && name === undefined) {
        return reject(
          400,
          v2026_07_28.errorCodes.HeaderMismatch,
          `Header mismatch: Mcp-Name ${quoted(raw)} is invalid (${ParamHeaders.invalidValue})`
        )
      }
      if (name !== named) {
        return reject(
          400,
          v2026_07_28.errorCodes.HeaderMismatch,
          mismatchMessage("Mcp-Name", raw, `params.${param}`, named)
        )
      }
    }
  }
  // The supported version equal to the requested one: our own (internalized) string, not the one
  // parsed from this request, so that the comparisons and lookups by version downstream (projection
  // plans, `isModern`) are cheap. Measured (--cpu-prof, 200,000 2026-07-28 tools/call over HTTP):
  // `isModern` 21 → 3 ms, the projection's plan lookup 34 → 5 ms.
  let known: ProtocolVersion.ModernVersion | undefined
  for (let i = 0; i < supportedVersions.length; i++) if (supportedVersions[i] === version) known = supportedVersions[i]
  if (known === undefined) return Result.fail({ status: 400, error: unsupportedPerRequest(version, supportedVersions, handshake) })
  if (v2026_07_28.removedMethods.has(request.method)) {
    return reject(404, ErrorCode.MethodNotFound, `Method not found: ${clip(request.method)} (removed in ${version})`)
  }
  // Checked at a version we serve (a client of a later one learns of the versions first, -32022).
  if (!(isEmptyObject(capabilities) && emptyCapabilitiesValid())) {
    const capabilitiesChecked = checkClientCapabilities()(capabilities)
    if (capabilitiesChecked._tag === "Failure") return invalidMeta(v2026_07_28.metaKeys.clientCapabilities, capabilitiesChecked.cause)
  }
  const info = fields[v2026_07_28.metaKeys.clientInfo]
  if (info !== undefined && !(isPlainInfo(info) && plainInfoValid())) {
    const infoChecked = checkClientInfo()(info)
    if (infoChecked._tag === "Failure") return invalidMeta(v2026_07_28.metaKeys.clientInfo, infoChecked.cause)
  }
  const logLevel = fields[v2026_07_28.metaKeys.logLevel]
  // A level that is none (`"DEBUG"`, `5`) is refused, as `logging/setLevel` refuses it: ignored,
  // the client would wait for log messages that never come, with nothing said.
  if (logLevel !== undefined && !(typeof logLevel === "string" && loggingLevels().has(logLevel))) {
    return reject(
      400,
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${v2026_07_28.metaKeys.logLevel}"] must be one of ${[...loggingLevels()].join(", ")}, got ${
        typeof logLevel === "string" ? JSON.stringify(clip(logLevel)) : jsonKindOf(logLevel)
      }`
    )
  }
  return Result.succeed({
    protocolVersion: known,
    clientCapabilities: capabilities as ClientCapabilities,
    clientInfo: info as Implementation | undefined,
    logLevel: logLevel as LoggingLevel | undefined
  })
}

/**
 * Checks the headers of a 2026-07-28 notification over HTTP against its body (pure): `Mcp-Method`,
 * when sent, must be its method, and `MCP-Protocol-Version` its `_meta` version, when it names one
 * → else -32020, 400 (SEP-2243: an intermediary routes on the headers, the server reads the body;
 * they must not disagree). `undefined` when they agree.
 *
 * **Details**
 *
 * `Mcp-Method` not sent is not required, unlike a request's: the official SDK v2 client sends it
 * on requests only, and the notification is not processed (2026-07-28 defines no client
 * notification over HTTP; it is accepted, 202, and dropped). `MCP-Protocol-Version` not sent, when
 * the `_meta` names a version, is refused as it is for a request, named as missing: that header
 * is what tells a server a 2026-07-28 message from a 2025-03-26 one (which sends none).
 *
 * @since 0.2.0
 * @category negotiation
 */
export const checkModernNotification = (notification: JsonRpc.Notification, headers: Headers): Rejection | undefined => {
  const method = headers["mcp-method"]
  if (method !== undefined && method !== notification.method) {
    return rejection(400, v2026_07_28.errorCodes.HeaderMismatch, mismatchMessage("Mcp-Method", method, "the method", notification.method))
  }
  const meta = notification.params?._meta
  const version = Predicate.isObject(meta) ? meta[v2026_07_28.metaKeys.protocolVersion] : undefined
  const headerVersion = headers["mcp-protocol-version"]
  if (typeof version === "string" && headerVersion !== version) {
    return rejection(
      400,
      v2026_07_28.errorCodes.HeaderMismatch,
      mismatchMessage("MCP-Protocol-Version", headerVersion, "the _meta version", version)
    )
  }
  return undefined
}

/**
 * The client capability a server→client request needs and the client did not declare, as a
 * dotted path (`"sampling"`, `"sampling.tools"`, `"elicitation.url"`, `"roots"`); `undefined`
 * when the request may be sent. Pure: a session checks it before sending, a 2026-07-28 round
 * before asking.
 *
 * **Details**
 *
 * `protocolVersion` is the version the client negotiated (default: the newest handshake-era one):
 * an `includeContext` other than `"none"` needs `sampling.context`, and form elicitation
 * `elicitation.form` when `elicitation.url` is declared, from 2025-11-25 on only. Before it,
 * `sampling` alone allowed any `includeContext` and `elicitation` was form elicitation whatever it
 * held: a client of then could declare neither sub-capability. Sampling with `tools` or
 * `toolChoice` needs `sampling.tools`, and URL elicitation `elicitation.url`, which before
 * 2025-11-25 no client has, whatever it declares: those versions have no tool use in sampling and
 * no URL elicitation.
 *
 * @since 0.2.0
 * @category negotiation
 */
export const requiredClientCapability = (
  method: string,
  params: JsonRpc.Params | undefined,
  caps: ClientCapabilities,
  protocolVersion: ProtocolVersion.ProtocolVersion = ProtocolVersion.latest
): string | undefined => {
  switch (method) {
    case "sampling/createMessage": {
      if (caps.sampling === undefined) return "sampling"
      if (params?.tools !== undefined || params?.toolChoice !== undefined) {
        // Before 2025-11-25 sampling had no tool use: a client of then lacks it whatever it
        // declares (a `sampling.tools` there means nothing), and sent without them (all its
        // version can carry) the request would ask something else.
        if (caps.sampling.tools === undefined || !featuresOf(protocolVersion).samplingTools) return "sampling.tools"
      }
      const includeContext = params?.includeContext
      if (
        includeContext !== undefined && includeContext !== "none" && caps.sampling.context === undefined &&
        featuresOf(protocolVersion).samplingContextCapability
      ) {
        return "sampling.context"
      }
      return undefined
    }
    case "elicitation/create": {
      const elicitation = caps.elicitation as { readonly form?: object; readonly url?: object } | undefined
      const features = featuresOf(protocolVersion)
      // Before 2025-06-18 there is no elicitation: a client of then lacks it whatever it declares,
      // as it lacks `sampling.tools` (one typed failure, not one that depends on its declaration).
      if (elicitation === undefined || !features.elicitation) return "elicitation"
      const modes = features.elicitationUrlMode
      // Before 2025-11-25 there is no URL elicitation: a client of then lacks it whatever it
      // declares (an `elicitation.url` there means nothing), as it lacks `sampling.tools`.
      if (params?.mode === "url") return elicitation.url === undefined || !modes ? "elicitation.url" : undefined
      // Before 2025-11-25 elicitation had no modes: `elicitation` present is form elicitation,
      // whatever it holds (a client declaring the newer shape, `{ url: {} }`, at an older version).
      if (!modes) return undefined
      // `{}` alone means form mode only (2025-11-25 backwards compatibility rule).
      return elicitation.form === undefined && elicitation.url !== undefined ? "elicitation.form" : undefined
    }
    case "roots/list":
      return caps.roots === undefined ? "roots" : undefined
  }
  return undefined
}
