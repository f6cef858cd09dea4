/**
 * Bearer challenges (`WWW-Authenticate`, RFC 6750 and RFC 9728), without `jose`: the HTTP
 * endpoint builds them, and must not load the token verifiers' library to do so.
 *
 * @internal
 */
/** What a challenge names of the configuration (`BearerAuth.Config`). */
interface Challenged {
  readonly metadataUrl: string
  readonly requiredScopes: ReadonlyArray<string>
}

/** A scope token (RFC 6749 §3.3, RFC 6750 §3): %x21 / %x23-5B / %x5D-7E. */
export const scopeToken = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** See `BearerAuth.challenge`. */
export const challenge = (
  config: Challenged,
  error?: { readonly error: "invalid_request" | "invalid_token" | "insufficient_scope"; readonly description?: string; readonly scopes?: ReadonlyArray<string> }
): string => {
  const parts = [`resource_metadata="${config.metadataUrl}"`]
  if (error !== undefined) {
    parts.push(`error="${error.error}"`)
    // RFC 6750 §3: %x20-21 / %x23-5B / %x5D-7E only (no quote, backslash, control or non-ASCII).
    if (error.description !== undefined) parts.push(`error_description="${error.description.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "")}"`)
  }
  // Only scope tokens (RFC 6750 §3: %x21 / %x23-5B / %x5D-7E): a step-up challenge names the
  // token's own scopes, which its issuer wrote; a CR or NUL there made Node refuse the header (an
  // empty 500), a quote or backslash broke the quoted string.
  const scopes = (error?.scopes ?? config.requiredScopes).filter((scope) => scopeToken.test(scope))
  if (scopes.length > 0) parts.push(`scope="${scopes.join(" ")}"`)
  return `Bearer ${parts.join(", ")}`
}
