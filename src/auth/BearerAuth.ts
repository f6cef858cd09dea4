/**
 * Bearer authentication for Streamable HTTP: the server as an OAuth 2.1 resource server.
 *
 * A {@link Verifier} turns an access token into the {@link Principal} of the request (subject,
 * scopes, claims), or fails with {@link InvalidToken}. Two are built in:
 *
 * - {@link jwt}: JWT access tokens, verified with `jose` against a JWKS URL (cached, fetched again
 *   for an unknown `kid`: key rotation) or a static key; issuer, audience (the resource, RFC 8707),
 *   expiry, not-before and the allowed algorithms are checked (an unsigned `alg: none` token never
 *   verifies);
 * - {@link introspection}: opaque tokens, asked of the authorization server's introspection
 *   endpoint (RFC 7662), with a bounded cache.
 *
 * Given to the transport (`StreamableHttp.make({ auth: BearerAuth.config({ ... }) })`), every
 * request must carry `Authorization: Bearer <token>`: without one, or with one that does not
 * verify, the answer is `401` with `WWW-Authenticate: Bearer resource_metadata="…"` (and
 * `error="invalid_token"` when a token was given), which is what a spec-following client needs to
 * start its OAuth flow; a token without the scopes every request needs is `403` with an
 * `insufficient_scope` challenge, as is a call the `Authorization` middleware refuses when its
 * answer is JSON (an SSE answer, `responseMode: "sse"`, has begun with `200`: its JSON-RPC error
 * 403, with `data.missingScopes`, says it alone); a request with more than one `Authorization`
 * header is `400` `invalid_request` (RFC 6750 §3.1). The
 * protected-resource metadata (RFC 9728) is served at `/.well-known/oauth-protected-resource` and
 * its path-suffixed form (with and without a trailing slash the resource has), to any origin (CORS, its preflight answered; another method than GET or
 * OPTIONS is 405 with `Allow: GET, OPTIONS`). The verified principal is the request's (`McpContext.principal`): tasks,
 * rate limits and response caches key on it, and a session is bound to the subject that opened it.
 * A stream ends when the token that opened it expires (see `streamExpiryGraceMillis` of
 * {@link config}), or, introspected, when it is found revoked as it is checked again while the
 * stream is open ({@link Verifier.recheckMillis}): a caller whose token expired, or was revoked
 * and not renewed, stops receiving.
 *
 * **Example** (JWTs from an authorization server, scope `mcp` for every request)
 *
 * ```ts
 * import { BearerAuth } from "effect-mcp-server/auth"
 *
 * const auth = BearerAuth.config({
 *   verifier: BearerAuth.jwt({
 *     jwksUrl: "https://auth.example.com/.well-known/jwks.json",
 *     issuer: "https://auth.example.com",
 *     audience: "https://mcp.example.com/mcp"
 *   }),
 *   resource: "https://mcp.example.com/mcp",
 *   authorizationServers: ["https://auth.example.com"],
 *   requiredScopes: ["mcp"]
 * })
 * McpServer.serve(options, components, StreamableHttp.make({ port: 3000, auth }))
 * ```
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions, KeyObject } from "jose"
import type * as Crypto from "node:crypto"
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors as JoseErrors, jwksCache, jwtVerify } from "jose"
import { nodeCrypto } from "../internal/nodeCrypto.ts"
import * as NumericOptions from "../internal/options.ts"
import type { Principal } from "../session/RequestContext.ts"
import * as Challenge from "./internal/challenge.ts"
import * as Recheck from "./internal/recheck.ts"
import { errorForLog, forLog } from "../internal/loggedCause.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * A token that does not verify: missing claims, expired, not yet valid, for another audience or
 * issuer, badly signed, unsigned, inactive. `description` is sent to the client
 * (`error_description`): it says what is wrong, never a secret.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidToken extends Data.TaggedError("InvalidToken")<{ readonly description: string }> {
  override get message(): string {
    return `Invalid token: ${this.description}`
  }
}

/**
 * The token could not be checked now: the authorization server's keys or its introspection
 * endpoint did not answer, or a key it published cannot be used. Not the token's fault: the
 * client gets `503` with `Retry-After` and keeps its token (a `401` would make it start its OAuth
 * flow again).
 *
 * @since 0.2.0
 * @category errors
 */
export class VerifierUnavailable extends Data.TaggedError("VerifierUnavailable")<{ readonly description: string }> {
  override get message(): string {
    return `Token verification unavailable: ${this.description}`
  }
}

/**
 * Turns an access token into the principal it stands for.
 *
 * @since 0.2.0
 * @category models
 */
export interface Verifier {
  readonly verify: (token: string) => Effect.Effect<Principal, InvalidToken | VerifierUnavailable>
  /**
   * While a stream opened with a token this verifier took is open (the session's `GET` stream, a
   * long call's SSE answer, a `subscriptions/listen`), how often the token is verified again, in
   * milliseconds (a second at least, or `Infinity`: {@link config} refuses less with a
   * `RangeError`): refused (`InvalidToken`: revoked), or taken as another subject or client than
   * the one the stream was opened as (which should never happen: taken as revoked), the stream
   * ends as at the token's expiry (see `streamExpiryGraceMillis` of {@link config}); taken without
   * a scope of {@link Config.requiredScopes}, it ends so too (`insufficient_scope`: a resumption
   * with the token is `403`, a `subscriptions/listen` ends with the error 403 and
   * `data.missingScopes`); taken, what the stream carries is judged by the `Authorization`
   * middleware's resource rules against its scopes then (a 2025 session's subscription to a
   * resource the token lost the scope of since it was last judged is dropped; a
   * `subscriptions/listen` that follows one ends with the error 403); not checked (`VerifierUnavailable`), it goes on until the next check. A
   * check not ended after `recheckMillis` (or at the token's expiry, if sooner) is given up, as one
   * not made: the stream goes on, checked again `recheckMillis` later (or ends at the expiry).
   * `undefined` (a JWT, whose signature and `exp` do not change): never. One entry per open
   * stream in the endpoint's heap of deadlines (one timer for all), run only at these moments:
   * nothing per event or per request. {@link introspection} sets it (its `streamRecheckMillis`).
   *
   * @since 0.2.0
   */
  readonly recheckMillis?: number | undefined
}

/**
 * The transport's authentication settings (see {@link config}).
 *
 * @since 0.2.0
 * @category models
 */
export interface Config {
  readonly verifier: Verifier
  /** The protected resource's identifier: the server's MCP URL (`https://mcp.example.com/mcp`). */
  readonly resource: string
  /** The authorization servers that issue tokens for it (their issuer URLs). */
  readonly authorizationServers: ReadonlyArray<string>
  /** Scopes every request needs (checked before anything else runs); default none. */
  readonly requiredScopes: ReadonlyArray<string>
  /** Advertised in the metadata (`scopes_supported`); default `requiredScopes` when there are any. */
  readonly scopesSupported: ReadonlyArray<string> | undefined
  /** The protected-resource metadata document (RFC 9728), as served. */
  readonly metadata: { readonly [key: string]: unknown }
  /**
   * The absolute URL of that document (what `resource_metadata` in challenges points at): the
   * resource's, with `/.well-known/oauth-protected-resource` between its host and its path and
   * query (RFC 9728 §3.1).
   */
  readonly metadataUrl: string
  /**
   * The paths the document is served at: `/.well-known/oauth-protected-resource` and with the
   * resource's path after it, without its trailing slash and, when it has one, with it too.
   */
  readonly metadataPaths: ReadonlyArray<string>
  /**
   * How long a stream outlives the expiry of the token that opened it (see {@link config});
   * `undefined`: 0.
   */
  readonly streamExpiryGraceMillis?: number | undefined
}

/**
 * An option that must be an absolute http(s) URL, checked when the verifier or config is made: an
 * unset environment variable (`""`) or a URL without its scheme made `new URL` throw a bare
 * "Invalid URL" naming no option, or (an introspection `url`) was taken and every token was 503.
 */
const httpUrl = (where: string, option: string, value: string): URL => {
  const url = typeof value === "string" ? URL.parse(value) : null
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(`${where}: ${option} must be an http:// or https:// URL, got ${JSON.stringify(value)}`)
  }
  return url
}

/**
 * Checks a list of scopes of {@link config}: each a scope token (RFC 6749 §3.3: no space, quote or
 * backslash). `["read write"]` (two scopes written as one) was required as one scope no token has,
 * and every request was refused `403`, its challenge naming no scope (a challenge names only scope
 * tokens); a string (`"mcp"`) failed every request (500), or was advertised letter by letter.
 */
const scopeList = (option: string, scopes: ReadonlyArray<string> | undefined): void => {
  if (scopes === undefined) return
  const given: unknown = scopes
  if (!Array.isArray(given)) throw new TypeError(`BearerAuth.config: ${option} must be a list of scopes, got ${JSON.stringify(given)}`)
  given.forEach((scope, i) => {
    if (typeof scope !== "string" || !Challenge.scopeToken.test(scope)) {
      throw new TypeError(
        `BearerAuth.config: ${option}[${i}] must be one scope (no space, quote or backslash: RFC 6749 §3.3), got ${JSON.stringify(scope)}`
      )
    }
  })
}

/**
 * Builds the transport's authentication settings and the metadata document from them.
 *
 * @since 0.2.0
 * @category constructors
 */
export const config = (options: {
  readonly verifier: Verifier
  readonly resource: string
  /**
   * The authorization servers that issue tokens for it (their issuer URLs): at least one, each an
   * http(s) URL (MCP asks the metadata's `authorization_servers` for at least one, which is where a
   * client gets its token).
   */
  readonly authorizationServers: ReadonlyArray<string>
  /** Scopes every request needs, each one scope (`["read", "write"]`, never `["read write"]`). */
  readonly requiredScopes?: ReadonlyArray<string> | undefined
  readonly scopesSupported?: ReadonlyArray<string> | undefined
  /** Further metadata fields (`resource_name`, `resource_documentation`, ...). */
  readonly metadata?: { readonly [key: string]: unknown } | undefined
  /**
   * How long after its token expires ({@link Principal.expiresAt}) a stream opened with it is
   * ended; default 0, `Infinity`: never (a stream then lasts as long as its connection, whatever
   * became of the token). A request is checked when it arrives; a stream outlives that moment, and
   * without this, a caller whose token had expired (or was revoked, and so not renewed) kept
   * receiving list changes and resource updates for as long as its connection lived. At the
   * token's expiry:
   *
   * - a stream the client can resume (MCP 2025: the session's `GET` stream, and the SSE answer of
   *   a request, a long call's or a `tasks/result`'s) has its connection closed: the client
   *   resumes it (`Last-Event-ID`, as the SDK clients do by themselves) with a valid token, and
   *   gets what was sent meanwhile; with the expired one (or an introspected token since
   *   revoked) it gets `401`;
   * - a 2026-07-28 `subscriptions/listen` (or a `tasks/result` of a stateless server: neither can
   *   be resumed) ends with the error `McpError.ErrorCode.Unauthorized` (401), and the
   *   client listens again with a fresh token (the SDK v2 client's subscription closes: `closed`
   *   resolves `"remote"`);
   * - any other request that cannot be resumed (a 2026-07-28 call, a call of a stateless server)
   *   runs to its end and its answer
   *   is delivered: it was admitted with a valid token, and its stream carries only what that
   *   call produces (the `Timeout` middleware bounds how long a call may run).
   *
   * Revocation is seen at the next request, and on an open stream at the verifier's next check
   * ({@link Verifier.recheckMillis}: {@link introspection}'s `streamRecheckMillis`, by default its
   * `cacheMillis`, a second at least): a revoked token's stream ends then, as at its expiry (a
   * `subscriptions/listen` with an error saying the token is no longer valid), whether or not the
   * token has an `exp`; so does the stream of a token that no longer grants a scope of
   * `requiredScopes` (a resumption with it is `403 insufficient_scope`, a `subscriptions/listen`
   * ends with the error 403, `data.missingScopes` naming them). What a stream carries is judged
   * at the same check by the `Authorization` middleware's resource rules: a 2025 session's
   * subscription to a resource the `GET` stream's token lost the scope of is dropped (not one it
   * never had: a subscription made with a token the client stepped up to is kept), and a
   * `subscriptions/listen` that follows one ends with the error 403 (`data.missingScopes`). A JWT
   * cannot be revoked here: its stream ends at its `exp`. `Infinity` here turns both off.
   */
  readonly streamExpiryGraceMillis?: number | undefined
}): Config => {
  NumericOptions.checkAll("BearerAuth.config", options, { streamExpiryGraceMillis: NumericOptions.millisOrZero })
  // A verifier of one's own asking for a check a millisecond (or of `NaN`, which turned the checks
  // off without a word) is refused as `introspection`'s `streamRecheckMillis` is.
  NumericOptions.check("BearerAuth.config", "verifier.recheckMillis", options.verifier?.recheckMillis, recheckRule)
  const resource = httpUrl("BearerAuth.config", "resource", options.resource)
  // Served as they are: an empty list (an unset environment variable split), an entry without its
  // scheme, `undefined` (`null` in the document) or a string spread into its characters made a
  // document no client could get a token from, every client failing at discovery with its own error.
  const servers: unknown = options.authorizationServers
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new TypeError(`BearerAuth.config: authorizationServers must list at least one authorization server (its issuer URL), got ${JSON.stringify(servers)}`)
  }
  servers.forEach((server, i) => void httpUrl("BearerAuth.config", `authorizationServers[${i}]`, server as string))
  scopeList("requiredScopes", options.requiredScopes)
  scopeList("scopesSupported", options.scopesSupported)
  const requiredScopes = options.requiredScopes ?? []
  const scopesSupported = options.scopesSupported ?? (requiredScopes.length > 0 ? requiredScopes : undefined)
  const base = "/.well-known/oauth-protected-resource"
  const suffix = resource.pathname === "/" ? "" : resource.pathname.replace(/\/$/, "")
  const metadata: Record<string, unknown> = {
    ...options.metadata,
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    bearer_methods_supported: ["header"]
  }
  if (scopesSupported !== undefined) metadata.scopes_supported = [...scopesSupported]
  return {
    verifier: options.verifier,
    resource: options.resource,
    authorizationServers: options.authorizationServers,
    requiredScopes,
    scopesSupported,
    metadata,
    // RFC 9728 §3.1: the well-known path goes between the host and the resource's path and query;
    // the query is kept (a resource `…/mcp?tenant=a` has its metadata at `…/mcp?tenant=a`): dropped,
    // the URL was not the one the RFC makes of the resource. It is served whatever its query. A
    // backslash, which URL leaves in a query, is escaped: it would end the challenge's quoted string.
    metadataUrl: `${resource.origin}${base}${suffix}${resource.search.replaceAll("\\", "%5C")}`,
    // A resource whose path ends with a slash (`https://h/mcp/`) has RFC 9728's metadata path with
    // it (`…/mcp/`): served too, as the same document (the URL above, and the SDK clients, drop
    // it). The server's paths are exact (see `exactPaths`): that path was 404.
    metadataPaths: suffix === ""
      ? [base]
      : suffix === resource.pathname
      ? [base, `${base}${suffix}`]
      : [base, `${base}${suffix}`, `${base}${resource.pathname}`],
    streamExpiryGraceMillis: options.streamExpiryGraceMillis ?? 0
  }
}

// ---------------------------------------------------------------------------
// JWT
// ---------------------------------------------------------------------------

/**
 * Options of {@link jwt}: where the keys are and what the token must say.
 *
 * @since 0.2.0
 * @category models
 */
export interface JwtOptions {
  /**
   * The authorization server's JWKS URL; keys are cached and fetched again for an unknown `kid`
   * or a token they do not verify (a key rotated under the same `kid`, or without one), at most
   * once a second (so a flood of made-up `kid`s or forged tokens does not flood the authorization
   * server): in the second after a fetch, a token of an unknown `kid`, or that the keys do not
   * verify (a key just rotated in, under a new `kid`, the same one or none), waits for the next
   * fetch allowed (at most a second, one fetch for all that wait) and is refused only if its keys
   * do not verify it either; unless no key published since could make it valid: one issued (`iat`)
   * before that fetch was asked (beyond the clock tolerance), expired, not valid yet, or for
   * another audience or issuer is refused at once. A fetch that fails is logged (a warning
   * naming the URL and why) and not tried again for a second either: meanwhile a token that needs
   * the keys fetched is `503` at once. A key of them that cannot be used (a malformed JWK, an RSA
   * key under 2,048 bits) has its tokens `503` too (and a token without a `kid` that no key
   * verifies when one it may be of is such a key), the keys fetched again (at most once a second)
   * until it can, and a warning logged. Once the keys are older than `jwksCacheMillis` and a fetch
   * fails, they still verify tokens (stale-if-error) for `jwksStaleIfErrorMillis` more (by default
   * `jwksCacheMillis`: until twice it since they were fetched; a warning per failed fetch, one
   * fetch a second at most): a token they do not verify is `503` (it may be of a key published
   * since), one they verify but expired (or for another audience...) `401`; past that, every token
   * is `503` until a fetch answers. A key the authorization server removed meanwhile (after a
   * compromise) verifies until then.
   */
  readonly jwksUrl?: string | undefined
  /**
   * A static key instead: a JWKS document, a PEM public key (SPKI, PKCS#1, or an X.509
   * certificate: its key), or a key object. A PEM that cannot be read is a `TypeError` here, as is
   * a key that cannot verify: a JWKS key an accepted algorithm would use (its `kty`, curve, `use`,
   * `key_ops` and `alg` allowing it) that is malformed or private (it has `d`), or an RSA key under
   * 2,048 bits (JWK, PEM or key object), which jose refuses (its tokens were all `401`).
   */
  readonly key?: { readonly keys: ReadonlyArray<unknown> } | string | KeyObject | undefined
  /**
   * The expected `iss`: one issuer, or several. With several, a principal's subject is
   * `"<iss> <sub>"`: a `sub` is unique only within its issuer (RFC 9068 §2.2), so two issuers'
   * `user-1` are two users, and must not share sessions, tasks or limits (`claims.sub` keeps the
   * token's own). Going from one issuer to several therefore renames every principal: what is
   * keyed on subjects (tasks, rate limits, cached responses, sealed MRTR states, sessions) starts
   * over for them.
   */
  readonly issuer: string | ReadonlyArray<string>
  /** The expected `aud`: this resource (RFC 8707). */
  readonly audience: string | ReadonlyArray<string>
  /**
   * Accepted signature algorithms, at least one; default the asymmetric ones jose supports (never
   * `none`).
   */
  readonly algorithms?: ReadonlyArray<string> | undefined
  /** Leeway for `exp` and `nbf`, in seconds; default 5 (a finite number >= 0). */
  readonly clockToleranceSeconds?: number | undefined
  /**
   * How long fetched keys are trusted before they are fetched again; default 10 minutes (a number
   * >= 0). While the fetch fails, they are used for `jwksStaleIfErrorMillis` more (see `jwksUrl`).
   */
  readonly jwksCacheMillis?: number | undefined
  /**
   * How long past `jwksCacheMillis` the keys fetched last still verify tokens while the JWKS cannot
   * be fetched (stale-if-error); default `jwksCacheMillis` (a number >= 0; 0: never, every token
   * `503` as soon as a fetch of stale keys fails). A key the authorization server removed (rotated
   * out, or withdrawn after a compromise) verifies tokens until a fetch succeeds: up to
   * `jwksCacheMillis` plus this since the last fetch, while the fetches fail (one who holds that
   * key may make them fail).
   */
  readonly jwksStaleIfErrorMillis?: number | undefined
}

const defaultAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]

/**
 * Verifies JWT access tokens with `jose` (signature, `iss`, `aud`, `exp`, `nbf`, algorithm) and
 * makes the principal from `sub` (required), the scopes from `scope` (space-separated) or `scp`
 * (a list), and every claim.
 *
 * @since 0.2.0
 * @category constructors
 */
export const jwt = (options: JwtOptions): Verifier => {
  if ((options.jwksUrl === undefined) === (options.key === undefined)) {
    throw new Error("BearerAuth.jwt: give exactly one of jwksUrl and key")
  }
  // jose takes a tolerance of `NaN`, `Infinity` or less than 0 here and throws at every
  // verification: every token was refused (401) as if it were invalid.
  NumericOptions.checkAll("BearerAuth.jwt", options, {
    clockToleranceSeconds: { text: "a finite number >= 0 (seconds)", holds: (value) => Number.isFinite(value) && value >= 0 },
    jwksCacheMillis: NumericOptions.millisOrZero,
    jwksStaleIfErrorMillis: NumericOptions.millisOrZero
  })
  // jose skips a check whose expected value is undefined: a missing issuer or audience (an unset
  // environment variable, say) would accept any. Refused here instead.
  const nonEmpty = (value: string | ReadonlyArray<string> | undefined) =>
    typeof value === "string" ? value.length > 0 : Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string" && v.length > 0)
  if (!nonEmpty(options.issuer)) throw new Error("BearerAuth.jwt: issuer is required")
  if (!nonEmpty(options.audience)) throw new Error("BearerAuth.jwt: audience is required (this resource, RFC 8707)")
  // An empty list (an unset environment variable split) or one string (spread into letters)
  // accepted no algorithm: every token was refused 401 "the token's algorithm is not accepted".
  const given: unknown = options.algorithms
  if (given !== undefined && (!Array.isArray(given) || given.length === 0 || !given.every((a) => typeof a === "string" && a.length > 0))) {
    throw new TypeError(`BearerAuth.jwt: algorithms must list at least one algorithm (names such as "RS256"), got ${JSON.stringify(given)}`)
  }
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)]
  if (algorithms.some((algorithm) => algorithm.toLowerCase() === "none")) {
    throw new Error("BearerAuth.jwt: the algorithm none cannot be accepted")
  }
  const jwksUrl = options.jwksUrl === undefined ? undefined : httpUrl("BearerAuth.jwt", "jwksUrl", options.jwksUrl)
  const key = options.key
  let getKey: JWTVerifyGetKey
  // When the last fetch of the JWKS failed (see `fetchAfterCooldown`); never set without a JWKS URL.
  const lastFailure = { at: Number.NEGATIVE_INFINITY }
  // When the last fetch of the JWKS was answered (see `reloadWhenAllowed`), and when the last one
  // answered with keys (200) was asked (see `mayBeOfNewKey`).
  const lastFetch = { at: Number.NEGATIVE_INFINITY, keysAskedAt: Number.NEGATIVE_INFINITY }
  // The keys fetched from the JWKS URL, when given (see `verifyRotated`).
  let remote: RemoteKeys | undefined
  let reloadWhenAllowed: () => Promise<void> = () => Promise.resolve()
  // The keys jose fetched last, and when (jose's own record: `jwksCache`), and how long after that
  // they are still used while a fetch fails: their cache age and `jwksStaleIfErrorMillis` (see
  // `staleKeys`).
  const fetched: { uat?: number; jwks?: Parameters<typeof createLocalJWKSet>[0] } = {}
  let staleFor = 0
  if (jwksUrl !== undefined) {
    const cacheMaxAge = options.jwksCacheMillis ?? 10 * 60_000
    staleFor = cacheMaxAge + (options.jwksStaleIfErrorMillis ?? cacheMaxAge)
    const keys = getKey = remote = createRemoteJWKSet(jwksUrl, {
      cacheMaxAge,
      cooldownDuration: refetchCooldownMillis,
      [customFetch]: fetchAfterCooldown(lastFailure, lastFetch),
      [jwksCache]: fetched as Record<string, never>
    })
    // One fetch for every token that waits for it, when the cooldown after the last one is over.
    let next: Promise<void> | undefined
    reloadWhenAllowed = () =>
      next ??= new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, lastFetch.at + refetchCooldownMillis - Date.now())))
        .then(() => keys.reload())
        .finally(() => {
          next = undefined
        })
  } else if (typeof key === "string") {
    // Read once, here: a PEM that is no public key jose reads (a certificate, a PKCS#1 key, a
    // truncated or mistyped one) was taken, and every token was then refused 401 "the token could
    // not be verified", the operator's mistake blamed on each client. Node reads SPKI, PKCS#1 and
    // X.509 certificates; jose imports the key object for each algorithm a token names (an EC key
    // cannot verify RS256: refused as ever), and the allowed algorithms are still checked.
    const object = usableKeyObject("key", publicKeyOf(key))
    getKey = () => object
  } else if (key !== undefined && "keys" in key) {
    getKey = createLocalJWKSet(key as Parameters<typeof createLocalJWKSet>[0])
    checkStaticJwks(key.keys, algorithms)
  } else {
    const object = usableKeyObject("key", key as KeyObject)
    getKey = () => object
  }
  // Several issuers: subjects are qualified by theirs (see `JwtOptions.issuer`).
  const qualified = typeof options.issuer !== "string" && new Set(options.issuer).size > 1
  const verifyOptions = {
    issuer: typeof options.issuer === "string" ? options.issuer : [...options.issuer],
    audience: typeof options.audience === "string" ? options.audience : [...options.audience],
    algorithms,
    clockTolerance: options.clockToleranceSeconds ?? 5,
    requiredClaims: ["exp", "sub"]
  }
  /**
   * Why a token is refused. A JWKS fetch that failed is told the operator (a warning, at most one
   * a second: the requests that waited for one fetch share its failure), as an introspection
   * endpoint's is: every token was `503` with nothing logged, whatever the cause (a wrong
   * `jwksUrl` answering 404, a redirect, which jose does not follow, an authorization server down).
   */
  const refused = (error: unknown): Effect.Effect<never, InvalidToken | VerifierUnavailable> => {
    if (!unavailable(error)) return Effect.fail(new InvalidToken({ description: describeJoseError(error) }))
    const failure = new VerifierUnavailable({ description: "the authorization server's keys could not be fetched" })
    return Effect.andThen(
      error instanceof JwksKeyUnusable
        ? unusableKeyTold(error)
        : failedFetch(
          error,
          `effect-mcp-server: the authorization server's keys could not be ${
            jwksUrl === undefined ? "read" : `fetched from ${jwksUrl.href}`
          } (tokens that need them are refused 503)`
        ),
      Effect.fail(failure)
    )
  }
  // When a key that cannot be used was last told (see `unusableKeyTold`).
  const unusableWarned = { at: Number.NEGATIVE_INFINITY }
  /**
   * A key of the fetched JWKS that cannot be used, told (a warning) unless it was in the second
   * before. Not a failed fetch: it does not hold the next fetch back (`lastFailure`). A token that
   * names such a key (any token can: the JWKS is public) held every fetch back for a second, so
   * one such request a second kept a key rotated in since unseen, its tokens `503`.
   */
  const unusableKeyTold = (error: JwksKeyUnusable): Effect.Effect<void> => {
    const now = Date.now()
    if (now - unusableWarned.at < refetchCooldownMillis) return Effect.void
    unusableWarned.at = now
    return Effect.logWarning(
      `effect-mcp-server: a key of the JWKS fetched from ${jwksUrl?.href} cannot be used (tokens that need it are refused 503)`,
      errorForLog(error)
    )
  }
  /**
   * A fetch that failed, told (a warning, `message`) unless another was in the second before. A
   * fetch refused for the cooldown does not start another one (and is not told): the next real
   * fetch comes a cooldown after the last one that failed, however many tokens arrive meanwhile.
   */
  const failedFetch = (error: unknown, message: string): Effect.Effect<void> => {
    if (error instanceof JwksCoolingDown) return Effect.void
    const now = Date.now()
    const told = now - lastFailure.at < refetchCooldownMillis
    lastFailure.at = now
    return told ? Effect.void : Effect.logWarning(message, errorForLog(error))
  }
  // The keys fetched last as a key set, made once per fetch (see `staleKeys`).
  let stale: { readonly uat: number; readonly keys: JWTVerifyGetKey } | undefined
  /**
   * The keys fetched last, while they are to be used though a fetch failed: up to
   * `jwksStaleIfErrorMillis` past their cache age (by default twice it since they were fetched).
   * Without them, once the keys were stale, a JWKS that could not be fetched (an authorization
   * server down for a minute) made every token `503`, those the keys verify too.
   */
  const staleKeys = (): JWTVerifyGetKey | undefined => {
    const { uat, jwks } = fetched
    if (uat === undefined || jwks === undefined || Date.now() >= uat + staleFor) return undefined
    if (stale?.uat !== uat) stale = { uat, keys: createLocalJWKSet(jwks) }
    return stale.keys
  }
  const checked = (payload: JWTPayload): Principal => {
    if (typeof payload.sub !== "string" || payload.sub.length === 0) {
      throw new JoseErrors.JWTClaimValidationFailed("\"sub\" claim must be a non-empty string", payload, "sub", "invalid")
    }
    return principalOf(payload, qualified, verifyOptions.clockTolerance)
  }
  if (remote === undefined) {
    return {
      verify: (token) =>
        Effect.tryPromise({
          try: async () => checked(await verifyWithEach(token, getKey, verifyOptions)),
          catch: (error) => error
        }).pipe(Effect.catch(refused))
    }
  }
  const keys = remote
  return {
    verify: (token) => {
      // The failed fetch a token was verified despite, with the stale keys.
      let fetchError: unknown
      return Effect.tryPromise({
        try: async () => {
          try {
            return checked(await verifyRotated(token, keys, verifyOptions, reloadWhenAllowed, lastFetch))
          } catch (error) {
            const last = fetchFailed(error) ? staleKeys() : undefined
            if (last === undefined) throw error
            let payload: JWTPayload
            try {
              payload = await verifyWithEach(token, last, verifyOptions)
            } catch (inner) {
              // Not verified by these keys: it may be of a key published since (503, as before).
              // Verified, but expired, for another audience...: the token's fault (401).
              throw inner instanceof JoseErrors.JWKSNoMatchingKey || inner instanceof JoseErrors.JWSSignatureVerificationFailed ||
                  unusableKey(inner)
                ? error
                : inner
            }
            fetchError = error
            return checked(payload)
          }
        },
        catch: (error) => error
      }).pipe(
        Effect.tap(() =>
          fetchError === undefined ? Effect.void : failedFetch(
            fetchError,
            `effect-mcp-server: the authorization server's keys could not be fetched from ${jwksUrl?.href}; tokens are verified with the keys fetched at ${
              new Date(fetched.uat ?? 0).toISOString()
            }${Number.isFinite(staleFor) ? ` until ${new Date((fetched.uat ?? 0) + staleFor).toISOString()}` : ""}`
          )
        ),
        Effect.catch(refused)
      )
    }
  }
}

/**
 * The key type (and curve) each asymmetric algorithm takes, as jose picks a JWKS's keys for a
 * token's `alg`.
 */
const keyTypeOfAlgorithm: { readonly [alg: string]: { readonly kty: string; readonly crv?: string } } = {
  RS256: { kty: "RSA" },
  RS384: { kty: "RSA" },
  RS512: { kty: "RSA" },
  PS256: { kty: "RSA" },
  PS384: { kty: "RSA" },
  PS512: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
  ES384: { kty: "EC", crv: "P-384" },
  ES512: { kty: "EC", crv: "P-521" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  Ed25519: { kty: "OKP", crv: "Ed25519" }
}

/** The least RSA modulus jose verifies with, in bits. */
const minRsaBits = 2048

/**
 * Why a static key cannot verify (an RSA key under {@link minRsaBits}, which jose refuses at each
 * token), or `undefined`.
 */
const keyObjectFault = (object: Crypto.KeyObject): string | undefined => {
  if (object.asymmetricKeyType !== "rsa" && object.asymmetricKeyType !== "rsa-pss") return undefined
  const bits = object.asymmetricKeyDetails?.modulusLength ?? 0
  return bits < minRsaBits ? `an RSA key of ${bits} bits (at least 2,048 needed)` : undefined
}

/** A static key object (or a PEM's), checked once, or a `TypeError` saying why it cannot verify. */
const usableKeyObject = (option: string, object: KeyObject): KeyObject => {
  const fault = typeof object === "object" && object !== null && "asymmetricKeyType" in object ? keyObjectFault(object as Crypto.KeyObject) : undefined
  if (fault !== undefined) throw new TypeError(`BearerAuth.jwt: ${option} cannot verify tokens: ${fault}`)
  return object
}

/**
 * Checks, once, each key of a static JWKS that jose could pick for an accepted algorithm (as it
 * picks them: its `kty` and curve, `use`, `key_ops` and `alg` allowing it): it must be a public key
 * Node reads, and an RSA key of at least 2,048 bits. Such a key was taken, and every token it
 * should verify was refused `401` ("the token could not be verified", or "malformed" for a private
 * key): each client sent back through its OAuth flow for the operator's mistake, which nothing
 * logged. A key no accepted algorithm picks (`use: "enc"`, another `alg`, a key type jose does not
 * verify with here) is not read, as jose never reads it.
 */
const checkStaticJwks = (keys: ReadonlyArray<unknown>, algorithms: ReadonlyArray<string>): void => {
  keys.forEach((jwk, i) => {
    if (typeof jwk !== "object" || jwk === null) return
    const member = jwk as { readonly [key: string]: unknown }
    const keyOps = member.key_ops
    const picked = algorithms.some((alg) => {
      const wanted = keyTypeOfAlgorithm[alg]
      return wanted !== undefined && member.kty === wanted.kty && (wanted.crv === undefined || member.crv === wanted.crv) &&
        (member.use === undefined || member.use === "sig") && (member.alg === undefined || member.alg === alg) &&
        (keyOps === undefined || (Array.isArray(keyOps) && keyOps.includes("verify")))
    })
    if (!picked) return
    const fault = (() => {
      // jose imports a JWK with `d` as a private key, and refuses it for a JWKS.
      if (member.d !== undefined) return "it is a private key (it has d)"
      let object: Crypto.KeyObject
      try {
        object = nodeCrypto().createPublicKey({ key: member as never, format: "jwk" })
      } catch (error) {
        return `it cannot be read (${error instanceof Error ? error.message : String(error)})`
      }
      return keyObjectFault(object)
    })()
    if (fault !== undefined) {
      const kid = typeof member.kid === "string" ? ` (kid ${JSON.stringify(member.kid)})` : ""
      throw new TypeError(`BearerAuth.jwt: key.keys[${i}]${kid} cannot verify tokens: ${fault}`)
    }
  })
}

/** A PEM public key (SPKI, PKCS#1 or an X.509 certificate's) as a key object, or a `TypeError` saying why not. */
const publicKeyOf = (pem: string): KeyObject => {
  try {
    return nodeCrypto().createPublicKey(pem)
  } catch (error) {
    throw new TypeError(
      `BearerAuth.jwt: key must be a PEM public key (SPKI, PKCS#1 or an X.509 certificate), a JWKS or a key object; the PEM given could not be read (${
        error instanceof Error ? error.message : String(error)
      })`
    )
  }
}

/**
 * `jwtVerify`, trying in turn each key that may have signed the token when several do. jose
 * leaves that to its caller (it fails with `JWKSMultipleMatchingKeys`): a JWKS whose keys have no
 * `kid` (or share one) holds two during a rotation, and a token without a `kid` matches both, so
 * every valid token was refused, as "malformed". The candidates are the JWKS's own keys, as many
 * as the authorization server publishes; one jose cannot use is skipped, as jose skips one it
 * cannot import. When none verifies the token and one of them could not be used (jose skipped one
 * it could not import, see {@link candidatesOf}, or one was refused as it verified), the token may
 * be of that key: the failure is the key's ({@link UnusableCandidates}: `503` against a JWKS URL,
 * as for a key named by its `kid`), not the token's (it was `401` "the token's signature does not
 * verify", nothing logged).
 */
const verifyWithEach = async (
  token: string,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions
): Promise<JWTPayload> => {
  try {
    return (await jwtVerify(token, getKey, options)).payload
  } catch (error) {
    if (!(error instanceof JoseErrors.JWKSMultipleMatchingKeys)) throw error
    // jose throws this only for two candidates or more; it yields those it could import.
    let tried = 0
    let refusedKey: unknown
    for await (const candidate of error) {
      tried++
      try {
        return (await jwtVerify(token, candidate, options)).payload
      } catch (inner) {
        // A key jose refuses (an error not its own: an RSA key under 2,048 bits) is not the one:
        // the next is tried (it made a valid token of another key `401`).
        if (!(inner instanceof JoseErrors.JWSSignatureVerificationFailed) && inner instanceof JoseErrors.JOSEError) throw inner
        if (!(inner instanceof JoseErrors.JOSEError)) refusedKey ??= inner
      }
    }
    if (tried === 0 || refusedKey !== undefined || (await candidatesOf(token, getKey)) > tried) throw new UnusableCandidates(refusedKey)
    throw new JoseErrors.JWSSignatureVerificationFailed()
  }
}

/**
 * How many keys of the set `getKey` may have signed `token` (as jose picks them: its `kty`, curve,
 * `use`, `key_ops`, `alg` and `kid`), those jose cannot import too; 0 for a key that is no set.
 * Each key is asked of jose twice over (a set of it twice), so that jose only picks it, and imports
 * nothing. More of them than jose gave to {@link verifyWithEach}: it skipped one (a key it could
 * not import) that the token may be of.
 */
const candidatesOf = async (token: string, getKey: JWTVerifyGetKey): Promise<number> => {
  const set = (getKey as { readonly jwks?: () => { readonly keys: ReadonlyArray<unknown> } | undefined }).jwks?.()
  if (set === undefined) return 0
  const header = decodeProtectedHeader(token)
  let candidates = 0
  for (const key of set.keys) {
    try {
      await createLocalJWKSet({ keys: [key, key] } as Parameters<typeof createLocalJWKSet>[0])(header)
    } catch (error) {
      if (error instanceof JoseErrors.JWKSMultipleMatchingKeys) candidates++
    }
  }
  return candidates
}

/**
 * No key that may have signed a token without a `kid` (or of a shared one) verified it, and one of
 * them could not be used (see {@link verifyWithEach}): none of jose's errors, so taken for an
 * unusable key ({@link unusableKey}). `cause`: the refusal of one, when jose told it.
 */
class UnusableCandidates extends Error {
  constructor(cause: unknown) {
    super(
      `no key that may have signed the token verified it, and one of them cannot be used${
        cause === undefined ? " (it could not be imported)" : `: ${cause instanceof Error ? cause.message : String(cause)}`
      }`,
      { cause }
    )
  }
}

/** The keys of a JWKS URL (jose's remote key set). */
type RemoteKeys = ReturnType<typeof createRemoteJWKSet>

/**
 * {@link verifyWithEach} against a JWKS URL, whose keys are fetched again when the cached ones do
 * not verify the token, unless they were fetched less than {@link refetchCooldownMillis} ago (a
 * flood of forged tokens asks no more often than one of made-up `kid`s). jose fetches them again
 * only for a `kid` none of them has: an authorization server that rotated its key under the same
 * `kid`, or whose keys have none, had every token of the new key refused `401` "the token's
 * signature does not verify" until the cache expired (`jwksCacheMillis`, 10 minutes by default),
 * the clients' new tokens as well.
 *
 * A token whose `kid` none of the keys has, or that the cached key of its `kid` (or the keys,
 * without one) does not verify, in the cooldown after a fetch, waits for the next fetch allowed
 * (`reloadWhenAllowed`: at most a second, one fetch for all that wait) and is verified with its
 * keys: a key rotated in within a second of a fetch (the authorization server issuing tokens with
 * it at once, a fetch made by a made-up `kid` or a forged token a moment before), under a new
 * `kid`, the same one or none, was refused `401`, which sends the client back through its
 * authorization flow for a valid token.
 *
 * Only a token that a key published since the last fetch could have signed waits (see
 * {@link mayBeOfNewKey}); any other is refused at once, as jose refuses an unknown `kid` in its
 * cooldown: every forged token (an old token's claims under another `kid` or signature, another
 * audience's, an expired one) was held up to a second before its `401`, one connection held per
 * forged token for that second.
 */
const verifyRotated = (
  token: string,
  remote: RemoteKeys,
  options: JwtClaimOptions,
  reloadWhenAllowed: () => Promise<void>,
  lastFetch: { readonly keysAskedAt: number }
): Promise<JWTPayload> =>
  verifyWithFetchedKeys(token, remote, options, reloadWhenAllowed, lastFetch).catch((error: unknown) => {
    throw unusableKey(error) ? new JwksKeyUnusable(error) : error
  })

const verifyWithFetchedKeys = async (
  token: string,
  remote: RemoteKeys,
  options: JwtClaimOptions,
  reloadWhenAllowed: () => Promise<void>,
  lastFetch: { readonly keysAskedAt: number }
): Promise<JWTPayload> => {
  // Cooling down now, jose will not fetch for a `kid` the keys lack (else it did, for this token).
  const cooling = remote.coolingDown
  try {
    return await verifyWithEach(token, remote, options)
  } catch (error) {
    // A key of the set that cannot be used: fetched again, unless it was in the last second (the
    // authorization server may have put it right); still unusable, the token is `503`.
    if (unusableKey(error)) {
      if (remote.coolingDown) throw error
      await remote.reload()
      return await verifyWithEach(token, remote, options)
    }
    if (error instanceof JoseErrors.JWKSNoMatchingKey && cooling) {
      if (!mayBeOfNewKey(token, options, lastFetch.keysAskedAt)) throw error
      await reloadWhenAllowed()
      return await verifyWithEach(token, remote, options)
    }
    if (!(error instanceof JoseErrors.JWSSignatureVerificationFailed)) throw error
    // In the cooldown, as for an unknown `kid`: the next allowed fetch, shared.
    if (remote.coolingDown) {
      if (!mayBeOfNewKey(token, options, lastFetch.keysAskedAt)) throw error
      await reloadWhenAllowed()
    } else {
      await remote.reload()
    }
    return await verifyWithEach(token, remote, options)
  }
}

/** What {@link jwt} checks of a token's claims (jose's options, as `jwt` builds them). */
type JwtClaimOptions = JWTVerifyOptions & {
  readonly issuer: string | ReadonlyArray<string>
  readonly audience: string | ReadonlyArray<string>
  readonly clockTolerance: number
}

/**
 * Whether a token the cached keys do not verify could still be valid once the keys are fetched
 * again: its claims (read unverified) would pass (`iss`, `aud`, `exp`, `nbf`, as jose checks them,
 * with the clock tolerance), and it was not issued before the keys were last asked for (`iat`,
 * with the tolerance for the clocks; a token without `iat` may be of any time). An authorization
 * server publishes a key before it signs with it (RFC 7517 §5, OpenID Connect Core §10.1.1), so a
 * token issued before the last fetch was asked for was signed by a key that fetch got: if those
 * keys do not verify it, no later fetch will. Any other token is refused at once.
 */
const mayBeOfNewKey = (token: string, options: JwtClaimOptions, keysAskedAt: number): boolean => {
  let claims: JWTPayload
  try {
    claims = decodeJwt(token)
  } catch {
    return false
  }
  const tolerance = options.clockTolerance
  const now = Date.now() / 1000
  if (typeof claims.exp !== "number" || claims.exp <= now - tolerance) return false
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > now + tolerance)) return false
  if (claims.iat !== undefined && (typeof claims.iat !== "number" || (claims.iat + tolerance) * 1000 < keysAskedAt)) return false
  const issuers: ReadonlyArray<string> = typeof options.issuer === "string" ? [options.issuer] : options.issuer
  if (typeof claims.iss !== "string" || !issuers.includes(claims.iss)) return false
  const audiences: ReadonlyArray<string> = typeof options.audience === "string" ? [options.audience] : options.audience
  const given = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : []
  return given.some((aud) => audiences.includes(aud))
}

/** The least time between two fetches of a JWKS (jose's cooldown, and ours after a failure). */
const refetchCooldownMillis = 1_000

/** A JWKS fetch not made: the last one failed less than {@link refetchCooldownMillis} ago. */
class JwksCoolingDown extends Error {}

/**
 * A key of the fetched JWKS that jose cannot use to verify: one it cannot import (a malformed
 * JWK, a public key with private members) or refuses (an RSA key under 2,048 bits). `cause`: jose's
 * or WebCrypto's error.
 */
class JwksKeyUnusable extends Error {
  constructor(cause: unknown) {
    super(`a key of the JWKS cannot be used: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/**
 * Whether jose failed, verifying against fetched keys, on one of those keys rather than on the
 * token or the fetch: an error that is none of jose's (every fault of a token is a `JOSEError`), nor
 * a fetch that failed (see {@link unavailable}): WebCrypto's `DataError` importing a malformed JWK,
 * jose's `TypeError` for a key it refuses. Such a token was refused `401` "the token could not be
 * verified", with nothing logged, every valid one too, until the keys' cache expired (10 minutes
 * by default), the authorization server's fix unseen until then.
 */
const unusableKey = (error: unknown): boolean => !(error instanceof JoseErrors.JOSEError) && !unavailable(error)

/** Whether jose failed for want of the keys' fetch (not for a key of them: {@link JwksKeyUnusable}). */
const fetchFailed = (error: unknown): boolean => unavailable(error) && !(error instanceof JwksKeyUnusable)

/**
 * The JWKS fetch, refused (without asking the authorization server) for a second after a fetch
 * that failed. jose's own cooldown starts at a fetch that succeeded: while the authorization
 * server failed (an error status, no answer, a body that is no JWKS), every token with a `kid` the
 * cached keys lack (a flood of made-up ones), and every token once the keys were stale or had
 * never been fetched, fetched them again, at the rate the tokens came. `lastFailure` is set by the
 * verifier, which sees every way a fetch fails; `lastFetch.at` when a fetch is answered, and
 * `lastFetch.keysAskedAt` when one answered `200` (keys, as jose reads them) was asked.
 */
const fetchAfterCooldown = (lastFailure: { readonly at: number }, lastFetch: { at: number; keysAskedAt: number }) =>
(url: string, init: RequestInit): Promise<Response> => {
  if (Date.now() - lastFailure.at < refetchCooldownMillis) {
    return Promise.reject(new JwksCoolingDown("the JWKS fetch is cooling down after a failure"))
  }
  const asked = Date.now()
  return fetch(url, init).then((response) => {
    lastFetch.at = Date.now()
    if (response.status === 200) lastFetch.keysAskedAt = asked
    return response
  })
}

/**
 * Whether jose failed for want of the keys (a JWKS that timed out, could not be fetched or read):
 * then the client keeps its token (503), rather than drop it (401). jose's plain `JOSEError`
 * (`ERR_JOSE_GENERIC`) is thrown only by its JWKS fetch: an answer other than 200, or a body that
 * is not JSON (an authorization server failing, a proxy's HTML error page).
 */
const unavailable = (error: unknown): boolean =>
  error instanceof JwksCoolingDown ||
  error instanceof JwksKeyUnusable ||
  error instanceof JoseErrors.JWKSTimeout ||
  (error instanceof JoseErrors.JOSEError && (error.code === "ERR_JWKS_INVALID" || error.code === "ERR_JOSE_GENERIC")) ||
  (!(error instanceof JoseErrors.JOSEError) && error instanceof Error && /fetch|ECONN|network|socket/i.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`))

/**
 * The principal of a verified payload; its subject qualified by its issuer when several are
 * trusted. It holds until jose would refuse the token: `exp` (required) plus the clock tolerance.
 */
const principalOf = (payload: JWTPayload, qualified: boolean, toleranceSeconds: number): Principal => ({
  subject: qualified ? `${payload.iss} ${payload.sub}` : payload.sub!,
  scopes: scopesOf(payload),
  claims: payload as { readonly [key: string]: unknown },
  expiresAt: (payload.exp! + toleranceSeconds) * 1000
})

/** `scope` (space-separated, RFC 8693 / 9068) or `scp` (a list or a string). */
const scopesOf = (claims: { readonly [key: string]: unknown }): ReadonlyArray<string> => {
  const scope = claims.scope ?? claims.scp
  if (typeof scope === "string") return scope.split(" ").filter((part) => part.length > 0)
  if (Array.isArray(scope)) return scope.filter((part): part is string => typeof part === "string")
  return []
}

/** What went wrong, for `error_description`: jose's reason, never the token. */
const describeJoseError = (error: unknown): string => {
  if (error instanceof JoseErrors.JWTExpired) return "the token has expired"
  if (error instanceof JoseErrors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return "the token is not valid yet"
    if (error.claim === "aud") return "the token is for another audience"
    if (error.claim === "iss") return "the token is from another issuer"
    if (error.claim === "sub") return "the token's sub claim is missing or not a string"
    return `the token's ${error.claim} claim is invalid: ${error.reason}`
  }
  if (error instanceof JoseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted"
  if (error instanceof JoseErrors.JWSSignatureVerificationFailed) return "the token's signature does not verify"
  if (error instanceof JoseErrors.JWKSNoMatchingKey) return "no key of the authorization server matches the token"
  if (error instanceof JoseErrors.JOSEError) return "the token is malformed"
  return "the token could not be verified"
}

// ---------------------------------------------------------------------------
// Introspection
// ---------------------------------------------------------------------------

/**
 * Options of {@link introspection}.
 *
 * @since 0.2.0
 * @category models
 */
export interface IntrospectionOptions {
  /** The introspection endpoint (RFC 7662). */
  readonly url: string
  /** Client credentials the endpoint wants (HTTP Basic); none by default. */
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  /**
   * This resource (RFC 8707): the answer's `aud` must name it, so a token the same authorization
   * server issued for another resource is refused. `false` skips the check, explicitly (for an
   * authorization server that does not say `aud`).
   */
  readonly audience: string | false
  /** When given, the answer's `iss` must be it. */
  readonly issuer?: string | undefined
  /** How long an answer is reused (never past the token's `exp`); default 60 s, 0: never. */
  readonly cacheMillis?: number | undefined
  /** Most answers kept (the oldest are dropped first); default 10,000 (an integer >= 1). */
  readonly maxCacheEntries?: number | undefined
  /**
   * While a stream opened with a token is open, how often the token is checked again (see
   * {@link Verifier.recheckMillis}): the cached answer while it holds, else the endpoint is asked
   * (one request for all the streams of a token); a token since inactive (revoked), or without a
   * scope of `BearerAuth.config`'s `requiredScopes`, ends its streams, as at its expiry. Default
   * `cacheMillis` (60 s), or 60 s when nothing is cached, a second at least; a number >= 1000 of
   * milliseconds (less is a `RangeError`: at 1 ms, each open stream was checked every
   * millisecond, a request to the endpoint each time the answer was not cached), `Infinity`: never
   * (a revoked token's stream then lasts until its `exp`, for ever without one).
   */
  readonly streamRecheckMillis?: number | undefined
  /**
   * Longest wait for the endpoint; default 5 s (a number > 0 of milliseconds; `Infinity`: no
   * limit). A request still unanswered half of it on has a made-up token asked about (one at a
   * time, one a second at most; never with `Infinity`); once the endpoint cannot be reached (no connection, or neither
   * answered), only one request at a time waits for it (see {@link introspection}). With
   * `Infinity` (or more than a timer takes, 2^31 - 1 ms), a token's lookup lasts as long as a
   * request waits for it: when the last one goes (its client left, or a timeout of its own), the
   * lookup is given up, the made-up token asked for it too, and the next request with the token
   * asks again.
   */
  readonly timeoutMillis?: number | undefined
}

/**
 * How often an open stream's token may be checked again (`IntrospectionOptions.streamRecheckMillis`,
 * `Verifier.recheckMillis`): a second at least, or `Infinity` (never). A check every millisecond (a
 * value meant in seconds, say) ran a check per open stream that often, each a request to the
 * introspection endpoint when its answer was not cached.
 */
const recheckRule: NumericOptions.Rule = {
  text: `a number >= ${Recheck.minRecheckMillis} (milliseconds) or Infinity`,
  holds: (value) => value >= Recheck.minRecheckMillis
}

/** The least time between two warnings of failed introspections. */
const introspectionWarningMillis = 1_000

/**
 * While the introspection endpoint does not answer (see {@link IntrospectionUnanswered}), the least
 * time between two requests to it (each a probe, one at a time).
 */
const introspectionProbeMillis = 1_000

/**
 * The least time between two made-up tokens asked about by one introspection verifier (see
 * {@link introspection}). A check was asked for every request whose connection was closed (or
 * that hung half its timeout) with nothing answered since it was sent: tokens that make the
 * endpoint close the connection (anyone may send them) doubled the requests it got. In the
 * interval after a check, that check's outcome stands for one: answered, the endpoint is taken to
 * be there (a request that fails is `503` alone, no cooldown); unanswered, it is not.
 */
const checkIntervalMillis = 1_000

/**
 * One token's request to the introspection endpoint, which the requests with that token wait for
 * (see `introspection`): its outcome, the fiber asking, and (with no timeout) how many wait.
 */
class Lookup {
  readonly deferred = Deferred.makeUnsafe<Principal, InvalidToken | VerifierUnavailable>()
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  waiting = 0
}

/**
 * Whether `millis` have passed since `since` (a `Date.now()`): so too when the clock was set back
 * past it (NTP stepping it, a VM resumed). Measured as `now - since >= millis` alone, an interval
 * begun before the clock was set back an hour lasted that hour: no made-up token was asked (the
 * last one's outcome stood for every check), and a cooldown had no probe (every token not cached
 * `503`, the endpoint back). Set forward, an interval ends early: one check or probe more.
 */
const passed = (since: number, millis: number): boolean => {
  const elapsed = Date.now() - since
  return elapsed >= millis || elapsed < 0
}

/**
 * What a request that timed out learned of the endpoint meanwhile (see {@link introspection}):
 * a made-up token was asked (or one asked in the last check interval went unanswered:
 * `"checked"`), one was answered in the last check interval (`"vouched"`), or nothing (`"none"`).
 */
type Meanwhile = "checked" | "vouched" | "none"

/**
 * The introspection endpoint cannot be reached: no connection could be made to it (see
 * {@link notConnected}: refused, reset in the connect call, its host unknown or unreachable, a
 * connect timeout, a TLS handshake that failed), or a connection closed once the request was sent
 * while a made-up token's was closed too (see {@link introspection}). Its cooldown follows at once.
 * An answer, of any status (`429` and `5xx` too), or a connection closed on one request while the
 * made-up token is answered, is not: a token can make the endpoint answer so (a forged one it
 * fails on, one too large for a proxy), and one such request a second kept every other token not
 * cached `503`. Those were answered at once: no request waited for them.
 */
class IntrospectionUnanswered extends Error {}

/**
 * The introspection endpoint did not answer one request in time. That may be the endpoint (an
 * authorization server down behind a firewall that drops packets, overloaded) or the token (one
 * that makes it hang, which anyone may send): the request is `503`, and the cooldown follows only
 * when the endpoint answered nothing since it was sent and a made-up token asked about meanwhile,
 * or a request for another token, went unanswered too (see {@link introspection}). One token that made the endpoint hang
 * started the cooldown: every token not cached was then `503` for a second, one such request a
 * second denying everyone.
 */
class IntrospectionTimedOut extends Error {}

/** The codes of a connection that could not be made (its host unknown, refused, unreachable, timed out). */
const connectionFailures = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT"
])

/**
 * The codes of a TLS handshake that failed (Node's, OpenSSL's, and OpenSSL's certificate
 * verification's: an expired or self-signed certificate, another host's, a plain-HTTP port).
 */
const tlsFailure = /^(?:ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/

/** Whether `code` says no connection could be made, or no TLS session on it (see {@link notConnected}). */
const connectionFailure = (code: unknown): boolean => typeof code === "string" && (connectionFailures.has(code) || tlsFailure.test(code))

/**
 * Whether `fetch` failed for want of a connection, before the request was sent: its `cause` (or,
 * several addresses tried, each of them) has a code of {@link connectionFailures}, or of a TLS
 * handshake that failed (which no token can cause: the request is sent after it), or failed in
 * the `connect` system call whatever its code (a reset as the connection was made: `connect
 * ECONNRESET`, a listener resetting every connection; a reset once the request was sent is
 * `read ECONNRESET`, which a token may cause).
 */
const notConnected = (error: unknown): boolean => {
  const cause = error instanceof Error ? error.cause : undefined
  if (!(cause instanceof Error)) return false
  const code = (cause as { readonly code?: unknown }).code
  if (typeof code === "string") return connectionFailure(code) || (cause as { readonly syscall?: unknown }).syscall === "connect"
  return cause instanceof AggregateError && cause.errors.length > 0 &&
    cause.errors.every((each: unknown) => connectionFailure((each as { readonly code?: unknown } | undefined)?.code))
}

/**
 * How the made-up tokens of {@link introspection}'s checks begin (32 random characters follow):
 * the authorization server says they are not active; the prefix tells them from clients' tokens
 * in its logs.
 */
const checkTokenPrefix = "effect-mcp-check."

/**
 * How far in the future an introspected token's `nbf` may be and the token still be taken, in
 * seconds: the authorization server's clock and this one's may differ by that much (`jwt`'s
 * default clock tolerance).
 */
const nbfLeewaySeconds = 5

/**
 * Whether an introspection answer's `nbf` (RFC 7662 §2.2) is still to come. It was not read: an
 * authorization server that said `active: true` of a token not valid yet had it taken.
 */
const notYetValid = (answer: { readonly [key: string]: unknown }): boolean =>
  typeof answer.nbf === "number" && (answer.nbf - nbfLeewaySeconds) * 1000 > Date.now()

/**
 * The date of an active answer (`exp`, `nbf`, `iat`: NumericDates, RFC 7662 §2.2) that is given
 * and no number, or `undefined`. Such an answer is the endpoint failing (`503`, a warning), as one
 * that is no JSON object: an `exp` of `"1"` was not read, the token taken without an expiry (its
 * streams never ended), and an `nbf` of a string left a token not valid yet taken. `null` is
 * taken for absent (some servers say so of what they do not know).
 */
const malformedDate = (answer: { readonly [key: string]: unknown }): "exp" | "nbf" | "iat" | undefined => {
  if (answer.active !== true) return undefined
  for (const claim of ["exp", "nbf", "iat"] as const) {
    const value = answer[claim]
    if (value !== undefined && value !== null && typeof value !== "number") return claim
  }
  return undefined
}

/**
 * The `token_type` values (compared without case) of an access token a client sends as `Bearer`:
 * RFC 7662 §2.2 gives OAuth's token type (RFC 6749 §5.1: `Bearer`); some authorization servers say
 * `access_token` (RFC 7009's token type hint) or RFC 8693's URN, and a JWT access token's type is
 * `at+jwt` (RFC 9068 §2.1).
 */
const accessTokenTypes = new Set(["bearer", "access_token", "urn:ietf:params:oauth:token-type:access_token", "at+jwt", "application/at+jwt"])

/**
 * `token_use` values (not RFC 7662's: Ory Hydra says `access_token` or `refresh_token`, Cognito's
 * claims `access` or `id`) of a token that is no access token. Only these are refused: the field is
 * no standard's, and a value of another vocabulary is not taken for a refresh token.
 */
const notAccessTokenUses = new Set(["refresh_token", "refresh", "id_token", "id"])

/**
 * Whether an introspection answer is of an access token to be sent as `Bearer`: its `token_type`,
 * when given, one of {@link accessTokenTypes}, and its `token_use`, when given, none of
 * {@link notAccessTokenUses}. Neither was read: a refresh token (`refresh_token`,
 * `urn:…:refresh_token`), an ID token, or a DPoP-bound token (`DPoP`, RFC 9449, whose proof this
 * server does not check) that the endpoint said was active was taken as an access token.
 */
const accessTokenType = (answer: { readonly [key: string]: unknown }): boolean =>
  (answer.token_type === undefined || (typeof answer.token_type === "string" && accessTokenTypes.has(answer.token_type.toLowerCase()))) &&
  !(typeof answer.token_use === "string" && notAccessTokenUses.has(answer.token_use.toLowerCase()))

/**
 * Verifies opaque tokens by asking the authorization server (RFC 7662): the token must be
 * `active`, unexpired, valid already (`nbf`, with 5 s of leeway for the clocks), an access token
 * (a `token_type` given must be `Bearer`, or another name of an access token's type: a refresh
 * token, an ID token or a DPoP-bound one is refused) and, when configured, for this audience and
 * from this issuer. Answers are
 * cached (bounded; an inactive token is cached too, so a flood of bad tokens costs one request
 * each at most once per cache period); concurrent requests with one token share one request to
 * the endpoint. A stream opened with a token is checked again every `streamRecheckMillis` while
 * it is open (by default `cacheMillis`: the cached answer, else the endpoint asked, once for all the
 * token's streams; a second at least), and ends when the token is no longer active (revoked), `exp`
 * or not, or no longer grants a scope every request needs.
 * An endpoint that cannot be reached (or answers no JSON object, an active token
 * whose `exp`, `nbf` or `iat` is no number, or not in time) is `VerifierUnavailable` (`503`: the
 * client keeps its token) and a logged warning for the operator (at most one a second, saying how
 * many failures it did not tell). Once the endpoint cannot be reached, a token not cached is
 * `503` at once, without asking, but for one request at a time, a second after the last failure
 * at the earliest (a probe): its answer, of any kind (or a late one to the made-up token below),
 * has tokens asked about again; without this, every request with a token not cached waited the
 * whole `timeoutMillis` for its `503`. Cached answers still hold meanwhile. Unreachable means:
 * no connection, or no TLS session, can be made with it (refused, reset in the connect call,
 * unknown host, a bad certificate); or it answered nothing, to a made-up token either, while a
 * request went unanswered or had its connection closed before an answer. The made-up token
 * (`effect-mcp-check.` and 32 random characters, which the endpoint says is not active; one at a
 * time, and one a second at most) is asked about when a request is still unanswered half its
 * timeout on, or when a request's connection is closed (or reset) before its answer, the endpoint
 * having answered nothing since it was sent; in the second after one was asked, its outcome
 * stands for another (answered: the endpoint is there; unanswered: it is not), so tokens that make
 * the endpoint close the connection cost it one more request a second at most, not one each.
 * A request that fails while one is on its way waits for it. Two tokens' requests that time out
 * with no answer between, and none to a made-up token in the second before, start the wait too.
 * An answer of any status (`429`, `5xx`: `503` for that request),
 * a connection closed on a request, or a request that times out while the endpoint answers the
 * made-up token (or others) starts no such wait, and is `503` for that request alone: a token can
 * make the endpoint fail, close the connection, or hang, and others' tokens would have been
 * refused for it. Node's `fetch` says the same of a connection closed as it was made (a port
 * forwarder whose backend is gone) and of one closed on reading a request, and nothing of a
 * connect that never completes until its own 10 s connect timeout: the made-up token tells them
 * apart.
 *
 * @since 0.2.0
 * @category constructors
 */
export const introspection = (options: IntrospectionOptions): Verifier => {
  if (options.audience !== false && (typeof options.audience !== "string" || options.audience.length === 0)) {
    throw new Error("BearerAuth.introspection: audience is required (this resource), or false to skip the check")
  }
  httpUrl("BearerAuth.introspection", "url", options.url)
  // A cache age of `NaN` cached nothing (every answer expired as kept) and a bound of `NaN` none
  // (every answer kept: a flood of made-up tokens grew the cache without end); a timeout of
  // `NaN`, 0 or less gave the endpoint no time (every token 503).
  NumericOptions.checkAll("BearerAuth.introspection", options, {
    cacheMillis: NumericOptions.millisOrZero,
    // A bound, never lifted (`Infinity` would let made-up tokens grow the cache without end).
    maxCacheEntries: NumericOptions.integer(1),
    timeoutMillis: NumericOptions.millis,
    streamRecheckMillis: recheckRule
  })
  const cacheMillis = options.cacheMillis ?? 60_000
  // By default as often as answers are cached, a second at least (see `recheckRule`).
  const streamRecheckMillis = options.streamRecheckMillis ?? Math.max(Recheck.minRecheckMillis, cacheMillis > 0 ? cacheMillis : 60_000)
  const maxEntries = options.maxCacheEntries ?? 10_000
  const timeout = Duration.millis(options.timeoutMillis ?? 5_000)
  // By a digest of the token (a few bytes per entry whatever the token's size); insertion order
  // is age order: the first key is the oldest.
  const cache = new Map<string, { readonly until: number; readonly outcome: Principal | InvalidToken }>()
  // One request to the endpoint per token at a time: concurrent requests with it wait for it.
  const inFlight = new Map<string, Lookup>()
  // Whether the endpoint is taken for unreachable (see `IntrospectionUnanswered`, `settled`), since
  // when, and whether a probe (the one request allowed meanwhile) is on its way; how many answers
  // it gave (of any status: a count, not a time, which a still clock would make equal), and the
  // token (its digest) of a request that timed out since the last one (see `IntrospectionTimedOut`).
  const endpoint = {
    down: false,
    failedAt: Number.NEGATIVE_INFINITY,
    probing: false,
    answers: 0,
    silent: undefined as string | undefined,
    // The made-up token's check on its way (see `check`), when the last one was sent, and whether
    // the endpoint answered since the last one that went unanswered (`true` before any): what
    // stands for a check in the interval after one (see `checkIntervalMillis`).
    checking: undefined as Promise<boolean> | undefined,
    checkedAt: Number.NEGATIVE_INFINITY,
    checkAnswered: true
  }
  const unanswered = new VerifierUnavailable({ description: "the token could not be checked; try again later" })
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }
  if (options.clientId !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret ?? "")}`).toString("base64")}`
  }
  // `notAfter`: when the answer stops holding (the token's `exp`; for a token not valid yet, when
  // it becomes so), in milliseconds.
  const remember = (key: string, outcome: Principal | InvalidToken, notAfter: number) => {
    if (cacheMillis <= 0) return
    const now = Date.now()
    const until = Math.min(now + cacheMillis, notAfter)
    if (until <= now) return
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!)
    cache.set(key, { until, outcome })
  }
  const judge = (answer: { readonly [key: string]: unknown }): Principal | InvalidToken => {
    if (answer.active !== true) return new InvalidToken({ description: "the token is not active" })
    // An authorization server should say `active: false` of these; one that does not (a bug, a
    // token store that checks revocation only) is not trusted with them.
    if (typeof answer.exp === "number" && answer.exp * 1000 <= Date.now()) return new InvalidToken({ description: "the token has expired" })
    if (notYetValid(answer)) return new InvalidToken({ description: "the token is not valid yet" })
    if (!accessTokenType(answer)) return new InvalidToken({ description: "the token is not a bearer access token" })
    if (options.audience !== false) {
      const aud = answer.aud
      const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : []
      if (!audiences.includes(options.audience)) return new InvalidToken({ description: "the token is for another audience" })
    }
    if (options.issuer !== undefined && answer.iss !== options.issuer) {
      return new InvalidToken({ description: "the token is from another issuer" })
    }
    if (typeof answer.sub !== "string" || answer.sub.length === 0) return new InvalidToken({ description: "the token names no subject" })
    // Refused from its `exp` on (above): a stream opened with it ends then.
    const principal: Principal = { subject: answer.sub, scopes: scopesOf(answer), claims: answer }
    return typeof answer.exp === "number" ? { ...principal, expiresAt: answer.exp * 1000 } : principal
  }
  /**
   * Whether the endpoint is to be taken for unreachable after a request for the token `key`,
   * sent when it had given `answersBefore` answers, ended as `exit` (`checked`: what a made-up
   * token told while it waited, see `checkMeanwhile`). Unreachable (no connection, no TLS
   * session; or a connection closed before an answer, a made-up token's too, see
   * `answersOthers`): yes. Timed out: only if it answered nothing since that request was sent, and
   * a made-up token asked meanwhile (or in the check interval before) went unanswered too, or,
   * none answered in that interval, a request for another token that timed out since its last
   * answer did (so one token that makes it hang cannot start the cooldown, nor two: the made-up
   * token is answered); else as it was. Anything else (an answer, a connection closed on the
   * request while the endpoint answers others): no.
   */
  const settled = (exit: Exit.Exit<unknown, unknown>, key: string, answersBefore: number, checked: Meanwhile): boolean => {
    if (Exit.isSuccess(exit)) return false
    const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
    if (failure instanceof IntrospectionUnanswered) return true
    if (!(failure instanceof IntrospectionTimedOut)) return false
    if (endpoint.answers > answersBefore) return false
    if (checked === "checked") return true
    // A made-up token answered less than a check interval ago vouches for the endpoint: the
    // silence is the tokens' (two that make it hang start no cooldown), until a check may be made.
    if (checked === "vouched") return false
    if (endpoint.silent !== undefined && endpoint.silent !== key) return true
    endpoint.silent = key
    return endpoint.down
  }
  const post = (token: string, signal: AbortSignal) =>
    fetch(options.url, {
      method: "POST",
      headers,
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
      signal
    })
  /**
   * The endpoint answered (whatever it said): it is there (see `settled`), and a cooldown ends, as
   * a request's answer ends it. A made-up token's answer may come after the request it was asked
   * for timed out (it had only the rest of that request's timeout, half of it or less): the
   * cooldown that request's silence started went on until a probe, a second later at the earliest.
   */
  const answered = () => {
    endpoint.answers++
    endpoint.silent = undefined
    endpoint.down = false
    endpoint.checkAnswered = true
  }
  /**
   * Whether the endpoint answers a made-up token (see `checkTokenPrefix`), asked once the
   * connection of a request was closed before its answer while the endpoint answered nothing since
   * it was sent: `false` (refused, closed, reset, no answer before `signal`) when it closes every
   * connection whatever is sent (a port forwarder whose backend is gone), which a request's own
   * failure cannot tell from a token that makes it close (the request was sent: `fetch` says the
   * same of both); `true` when it answers (any status), the closing then that request's. Not asked
   * once it answered since `answersBefore`. A check already on its way is waited for and
   * decides (it was taken for answered: a request closed meanwhile ended a cooldown that check
   * went on to confirm, see `ask`). In the check interval after the last one (see
   * `checkIntervalMillis`), none is asked: that one's outcome decides. The check is bounded by a
   * timeout of its own, as one asked half a request's timeout on: with the signal of the request
   * it was asked for, that request's timeout aborted it, the abort was taken for no answer, and
   * the requests waiting for it (and, in the interval after, any request closed) were taken for
   * an outage, a cooldown starting while the endpoint answered.
   */
  const answersOthers = (answersBefore: number, signal: AbortSignal): Promise<boolean> => {
    if (endpoint.answers > answersBefore) return Promise.resolve(true)
    const asked = endpoint.checking ?? (mayCheck() ? check(checkSignal(signal), signal) : undefined)
    if (asked === undefined) return Promise.resolve(endpoint.checkAnswered)
    // Given up with the lookup that asked it (see `unbounded`), it told nothing: what the check
    // before it told stands, as in the interval after a check. Taken for no answer, another
    // token's lookup that waited for it had the endpoint taken for unreachable.
    return asked.then((told) => endpoint.answers > answersBefore || (!told && endpoint.checkAnswered))
  }
  /** Whether a made-up token may be asked about now: none on its way, none in the last check interval. */
  const mayCheck = () => endpoint.checking === undefined && passed(endpoint.checkedAt, checkIntervalMillis)
  /**
   * A made-up token asked about (one at a time, one per `checkIntervalMillis` at most): an answer
   * of any status counts as one (`answered`). `abandoned`: the signal of the lookup it was asked
   * for, when that lookup's end ends it (see `checkSignal`): a check it aborted tells nothing
   * (`false`: told nothing).
   */
  const check = (signal: AbortSignal, abandoned?: AbortSignal): Promise<boolean> => {
    endpoint.checkedAt = Date.now()
    const madeUp = `${checkTokenPrefix}${nodeCrypto().randomBytes(24).toString("base64url")}`
    const asked = post(madeUp, signal).then((response) => {
      answered()
      void response.body?.cancel().catch(() => undefined)
      return true
    }, () => {
      if (abandoned?.aborted === true) return false
      endpoint.checkAnswered = false
      return true
    }).finally(() => {
      endpoint.checking = undefined
    })
    endpoint.checking = asked
    return asked
  }
  // Node timers, in whole milliseconds: `AbortSignal.timeout` throws on a fraction or `Infinity`
  // (in a timer callback: an uncaught exception, the process ended), and a timer of more than
  // `maxTimerMillis` fires after 1 ms. A timeout too long for one (`Infinity`: none) has no check
  // half-way: the request goes on until it is answered or fails, and nothing is to be told apart.
  const halfTimeout = Math.ceil(Duration.toMillis(timeout) / 2)
  const checkTimeout = Math.min(Math.ceil(Duration.toMillis(timeout)), NumericOptions.maxTimerMillis)
  // A timeout too long for a timer (`Infinity`): a lookup is bounded by the requests waiting for
  // it instead, and ends (its request, and the made-up token's asked for it, aborted) when the last
  // of them is gone (its client left, or its own timeout passed). Before, once its connection was
  // closed it waited on a made-up token's check that only the timer's limit (24.8 days) bounded,
  // and every later request with the token waited for that lookup.
  const unbounded = Duration.toMillis(timeout) > NumericOptions.maxTimerMillis
  /** The signal of a made-up token's check asked for a lookup of signal `lookup` (see `unbounded`). */
  const checkSignal = (lookup: AbortSignal): AbortSignal =>
    unbounded ? AbortSignal.any([AbortSignal.timeout(checkTimeout), lookup]) : AbortSignal.timeout(checkTimeout)
  /**
   * Half the timeout after a request was sent, unanswered, with no answer from the endpoint since:
   * a made-up token is asked about (unless a check is on its way already, or the endpoint is taken
   * for unreachable: its probes are the only requests then, or one was asked in the last
   * `checkIntervalMillis`: its outcome stands for this one, `"vouched"` when it was answered),
   * bounded by the timeout; `"checked"` when one is on its way (or the last, in the interval,
   * went unanswered). Answered, the request that times out is that token's (no cooldown);
   * unanswered too, the endpoint answered nothing for the whole timeout while two tokens waited,
   * and is taken for unreachable (see `settled`). Without it, the cooldown needed two clients'
   * tokens to time out together: with one token (one client, or one waiting at a time) every
   * request waited the whole timeout for its 503 while the endpoint was down, and a connect that
   * never completes (a host that drops packets) was never told apart (Node's own connect timeout,
   * 10 s, comes after ours). A request answered within half the timeout asks nothing more.
   */
  const checkMeanwhile = (answersBefore: number): Meanwhile => {
    if (endpoint.down || endpoint.answers > answersBefore) return "none"
    if (endpoint.checking !== undefined) return "checked"
    if (mayCheck()) {
      void check(AbortSignal.timeout(checkTimeout))
      return "checked"
    }
    // In the check interval after the last check: its outcome stands for one.
    return endpoint.checkAnswered ? "vouched" : "checked"
  }
  // `answersBefore`: the endpoint's answers when the request is sent (see `settled`).
  const ask = (token: string, key: string, answersBefore: number) => {
    // Whether a made-up token was asked about while this request waited (see `checkMeanwhile`).
    let checked: Meanwhile = "none"
    return Effect.tryPromise({
      try: (signal) => {
        const meanwhile = halfTimeout > NumericOptions.maxTimerMillis ? undefined : setTimeout(() => {
          checked = checkMeanwhile(answersBefore)
        }, halfTimeout)
        return post(token, signal).finally(() => clearTimeout(meanwhile)).then(async (response) => {
          // The endpoint answers (whatever it says): it is there; a request timed out before
          // now is not another token's sign that it is not (see `settled`).
          answered()
          // Any status, a `5xx` or `429` too, is an answer: what a token makes the endpoint say
          // (a forged one that makes it fail) starts no cooldown for the others' tokens.
          if (!response.ok) throw new Error(`introspection answered ${response.status}`)
          const answer: unknown = await response.json()
          if (typeof answer !== "object" || answer === null || Array.isArray(answer)) throw new Error("introspection answered no JSON object")
          const malformed = malformedDate(answer as { readonly [key: string]: unknown })
          if (malformed !== undefined) throw new Error(`introspection answered an active token whose ${malformed} is no number (RFC 7662 §2.2: a NumericDate)`)
          return answer as { readonly [key: string]: unknown }
        }, async (error: unknown) => {
          // `fetch` failed: no connection (the endpoint unreachable), or one that broke once the
          // request was sent (not the timeout's abort: that fiber is interrupted, and its failure
          // is the timeout's). The first is the endpoint's. A connection closed on a request (a
          // token too large for a proxy) is that request's, and starts no cooldown, unless the
          // endpoint closes a made-up token's too (see `answersOthers`).
          if (notConnected(error) || (!signal.aborted && !(await answersOthers(answersBefore, signal)))) {
            throw new IntrospectionUnanswered(`introspection endpoint could not be reached: ${String(error)}`, { cause: error })
          }
          throw error
        })
      },
      catch: (cause) => cause
    }).pipe(
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new IntrospectionTimedOut("introspection timed out")) }),
      Effect.onExit((exit) =>
        Effect.sync(() => {
          // Any answer (a token judged, a `4xx`, a malformed one) says the endpoint is there, and
          // ends a cooldown (`answered`); nothing else does. A failure that says nothing of the
          // endpoint (a connection closed on this request, while the endpoint answers others) is
          // this request's alone, and leaves the cooldown as it is: it was set off here, and a
          // request sent before a cooldown began, closed while it went on, ended it.
          if (settled(exit, key, answersBefore, checked)) {
            endpoint.down = true
            endpoint.failedAt = Date.now()
          }
        })
      ),
      // A lookup abandoned by every request waiting for it (see `unbounded`) is no failure to tell.
      Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.suspend(() => warnFailed(cause))),
      Effect.mapError(() => unanswered)
    )
  }
  // A failure is told at most once a second, with how many went untold since: every request
  // with a token not cached asks, and while the endpoint failed each one logged its warning (with
  // its stack), a line per request.
  const warned = { at: Number.NEGATIVE_INFINITY, since: 0 }
  const warnFailed = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
    const now = Date.now()
    if (now - warned.at < introspectionWarningMillis) {
      warned.since++
      return Effect.void
    }
    const untold = warned.since
    warned.at = now
    warned.since = 0
    return Effect.logWarning(
      `effect-mcp-server: token introspection failed${untold > 0 ? ` (and ${untold} more times since the last warning)` : ""}`,
      Cause.squash(forLog(cause))
    )
  }
  /**
   * Waits for a lookup's outcome. With no timeout (see `unbounded`), counted among its waiting
   * requests: the last to go (interrupted: its client left) ends the lookup.
   */
  const awaitLookup = (entry: Lookup): Effect.Effect<Principal, InvalidToken | VerifierUnavailable> =>
    !unbounded ? Deferred.await(entry.deferred) : Effect.suspend(() => {
      entry.waiting++
      return Effect.ensuring(
        Deferred.await(entry.deferred),
        Effect.sync(() => {
          if (--entry.waiting === 0 && entry.fiber !== undefined && !Deferred.isDoneUnsafe(entry.deferred)) {
            entry.fiber.interruptUnsafe()
          }
        })
      )
    })
  // Made as the request is sent (see `verify`).
  const lookup = (token: string, key: string) =>
    Effect.flatMap(ask(token, key, endpoint.answers), (answer) => {
      const outcome = judge(answer)
      // A token refused as not valid yet is refused only until it is (not for the cache's 60 s).
      const validFrom = notYetValid(answer) ? ((answer.nbf as number) - nbfLeewaySeconds) * 1000 : Infinity
      remember(key, outcome, Math.min(validFrom, typeof answer.exp === "number" ? answer.exp * 1000 : Infinity))
      return outcome instanceof InvalidToken ? Effect.fail(outcome) : Effect.succeed(outcome)
    })
  return {
    recheckMillis: Number.isFinite(streamRecheckMillis) ? streamRecheckMillis : undefined,
    verify: (token) =>
      Effect.suspend(() => {
        const key = nodeCrypto().createHash("sha256").update(token).digest("base64url")
        const cached = cache.get(key)
        if (cached !== undefined) {
          if (cached.until > Date.now()) {
            return cached.outcome instanceof InvalidToken ? Effect.fail(cached.outcome) : Effect.succeed(cached.outcome)
          }
          cache.delete(key)
        }
        const waiting = inFlight.get(key)
        if (waiting !== undefined) return awaitLookup(waiting)
        // The endpoint did not answer its last request: a token not known is refused at once (it
        // waited the whole timeout, 5 s by default, a connection held each), but for one request,
        // a probe, at most every `introspectionProbeMillis`, one at a time.
        let probe = false
        if (endpoint.down) {
          if (endpoint.probing || !passed(endpoint.failedAt, introspectionProbeMillis)) return Effect.fail(unanswered)
          probe = endpoint.probing = true
        }
        const entry = new Lookup()
        inFlight.set(key, entry)
        // The lookup is every waiting request's, not the first one's: in the first request's
        // fiber, a client that went away interrupted it, and every other request with the token
        // got that interruption (an empty 499). Detached, it ends by itself (the endpoint's
        // answer or the timeout; with no timeout, the last waiting request gone, see
        // `unbounded`); whoever goes away stops waiting only.
        return Effect.andThen(
          Effect.tap(
            Effect.forkDetach(lookup(token, key).pipe(
              Effect.onExit((exit) =>
                Effect.sync(() => {
                  if (probe) endpoint.probing = false
                  inFlight.delete(key)
                  Deferred.doneUnsafe(entry.deferred, exit)
                })
              )
            )),
            (fiber) => Effect.sync(() => void (entry.fiber = fiber))
          ),
          awaitLookup(entry)
        )
      })
  }
}

// ---------------------------------------------------------------------------
// Challenges
// ---------------------------------------------------------------------------

/**
 * The `WWW-Authenticate` value of a refusal: no token (no error), a malformed request (`invalid_request`:
 * more than one `Authorization` header), a token that does not verify (`invalid_token`), or one
 * that lacks scopes (`insufficient_scope`, naming them).
 *
 * @since 0.2.0
 * @category formatting
 */
export const challenge: (
  config: Config,
  error?: { readonly error: "invalid_request" | "invalid_token" | "insufficient_scope"; readonly description?: string; readonly scopes?: ReadonlyArray<string> }
) => string = Challenge.challenge
