/**
 * Who is calling: the principal an authenticator established. Its own module, so that the
 * transport's facts (`Connection`) and the request context both name it without depending on
 * each other.
 *
 * @since 0.2.0
 */

/**
 * Who is calling: the authenticated principal, when the transport or an auth middleware
 * established one (HTTP with a bearer token, ...). Stdio has none unless configured.
 *
 * @since 0.1.0
 * @category models
 */
export interface Principal {
  /** A stable identifier of the caller (e.g. the token's `sub`). */
  readonly subject: string
  /**
   * The scopes granted to the caller, each compared whole (authorization never matches part of
   * one). Given as one string where no type checked it (a verifier of one's own, configuration),
   * they are the space-separated scopes it writes (RFC 6749 §3.3).
   */
  readonly scopes: ReadonlyArray<string>
  /** Any further claims, as the authenticator provides them. */
  readonly claims: { readonly [key: string]: unknown }
  /**
   * When the principal stops holding (epoch milliseconds): the moment its verifier refuses the
   * token (`BearerAuth.jwt`: the token's `exp` plus the clock tolerance; `BearerAuth.introspection`:
   * the answer's `exp`). Over Streamable HTTP, the streams a request with it opened end then (see
   * `BearerAuth.config`'s `streamExpiryGraceMillis`). Absent: it does not expire.
   */
  readonly expiresAt?: number | undefined
}
