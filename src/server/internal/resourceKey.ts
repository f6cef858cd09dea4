/**
 * Resource URIs as they are compared (RFC 3986 section 6.2.2, the cheap and safe part): the
 * scheme in lower case (`X://a` is `x://a`), percent-encoded unreserved characters decoded
 * (`%61` is `a`), the hex digits of other percent-encodings in upper case (`%2f` is `%2F`). An
 * IRI is its URI (RFC 3987 section 3.1): characters outside ASCII are percent-encoded as UTF-8
 * (`x://café` is `x://caf%C3%A9`, what `new URL(...).href` writes), as a template matches them.
 * Nothing else (the host's case, dot segments, a default port): what those mean depends on the
 * scheme, and MCP's resource URIs are mostly custom ones (`notes://Today` may not be `notes://today`).
 *
 * `resources/read` looks a URI up as it is written first; its normal form only when that found
 * nothing (see `resourceLookup.ts`), so a read of a URI written as registered does none of this.
 *
 * @internal
 */

const schemePattern = /^[A-Za-z][A-Za-z0-9+.-]*:/
const escapePattern = /%([0-9A-Fa-f]{2})/g
const unreservedPattern = /^[A-Za-z0-9\-._~]$/

/** Whether `uri`'s scheme (if it has one) has an upper-case letter: one short scan. */
const schemeHasUpper = (uri: string): boolean => {
  let upper = false
  for (let i = 0; i < uri.length; i++) {
    const code = uri.charCodeAt(i)
    if (code === 58) return upper // ":" ends the scheme
    if (code >= 65 && code <= 90) upper = true
    // Not a character of a scheme: there is none to fold.
    else if (!((code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46)) return false
  }
  return false
}

const normalizeEscape = (encoded: string, hex: string): string => {
  const c = String.fromCharCode(Number.parseInt(hex, 16))
  return unreservedPattern.test(c) ? c : encoded.toUpperCase()
}

const isHex = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102)

/**
 * Whether a percent-encoding of `uri` is not in normal form (a lower-case hex digit, or an
 * unreserved character encoded): one scan, no string made. The URIs a template gives (`%2F`,
 * `%20`) are in normal form: a read of one makes no copy of it.
 */
const escapesToNormalize = (uri: string): boolean => {
  for (let i = uri.indexOf("%"); i !== -1 && i + 2 < uri.length; i = uri.indexOf("%", i + 1)) {
    const high = uri.charCodeAt(i + 1)
    const low = uri.charCodeAt(i + 2)
    if (!isHex(high) || !isHex(low)) continue
    if (high >= 97 || low >= 97) return true
    if (unreservedPattern.test(String.fromCharCode(Number.parseInt(uri.slice(i + 1, i + 3), 16)))) return true
  }
  return false
}

const nonAscii = /[\u0080-\uffff]/
const nonAsciiRuns = /[\u0080-\uffff]+/g

/** Characters outside ASCII percent-encoded as UTF-8, upper-case hex digits (a lone surrogate is U+FFFD). */
const encodeNonAscii = (run: string): string => {
  try {
    return encodeURIComponent(run)
  } catch {
    return encodeURIComponent(run.replace(loneSurrogate, "\ufffd"))
  }
}
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `uri` in the form resource URIs are compared in (`uri` itself when it is in that form already). */
export const resourceKey = (uri: string): string => {
  let key = uri
  if (schemeHasUpper(uri)) {
    const scheme = schemePattern.exec(uri)
    if (scheme !== null) key = scheme[0].toLowerCase() + uri.slice(scheme[0].length)
  }
  if (nonAscii.test(key)) key = key.replace(nonAsciiRuns, encodeNonAscii)
  return escapesToNormalize(key) ? key.replace(escapePattern, normalizeEscape) : key
}

/** The literal scheme a URI template starts with (`Docs:` of `Docs://{id}`), or undefined. */
export const literalScheme = (template: string): string | undefined => schemePattern.exec(template)?.[0]
