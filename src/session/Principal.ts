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
 */
export interface Principal {
  /** A stable identifier of the caller (e.g. the token's `sub`). */
  readonly subject: string
  /** The scopes granted to the caller. */
  readonly scopes: ReadonlyArray<string>
  /** Any further claims, as the authenticator provides them. */
  readonly claims: { readonly [key: string]: unknown }
}
