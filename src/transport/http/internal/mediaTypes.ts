/**
 * The media types of a request's `Accept` and `Content-Type` headers, as RFC 9110 reads them:
 * case-insensitive types, parameters after `;` (quoted values may hold `,` and `;`), wildcards in
 * `Accept` (`*\/*`, `application/*`, `text/*`), and `q=0` meaning "not acceptable". Not a
 * substring test: `application/jsonp` is not JSON, `APPLICATION/JSON` is.
 *
 * Every request runs these, and a client sends the same headers on each of its requests: the
 * last value read is remembered, so the common case is one string comparison.
 *
 * @internal
 */

/** What an `Accept` header allows of the two forms an MCP endpoint answers in. */
export interface Accepted {
  readonly json: boolean
  readonly sse: boolean
}

const none: Accepted = { json: false, sse: false }

/**
 * How a type is matched by the ranges of an `Accept`: by its own range if listed, else by its
 * type's wildcard (`application/*`), else by `*\/*` (the most specific range decides, RFC 9110
 * §12.5.1); `undefined` when none lists it.
 */
interface Ranks {
  exact?: boolean
  sub?: boolean
  any?: boolean
}
const decide = (ranks: Ranks): boolean => ranks.exact ?? ranks.sub ?? ranks.any ?? false

/**
 * `header` split at `separator` outside quoted strings: a parameter's quoted value may hold `,`
 * and `;` (RFC 9110 §5.6.4), which do not end a range or a parameter.
 */
const splitOutsideQuotes = (header: string, separator: string): Array<string> => {
  if (header.indexOf('"') === -1) return header.split(separator)
  const parts: Array<string> = []
  let start = 0
  let quoted = false
  for (let i = 0; i < header.length; i++) {
    const c = header[i]
    if (quoted) {
      if (c === "\\") i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if (c === separator) {
      parts.push(header.slice(start, i))
      start = i + 1
    }
  }
  parts.push(header.slice(start))
  return parts
}

const parseAccept = (accept: string): Accepted => {
  const json: Ranks = {}
  const sse: Ranks = {}
  for (const range of splitOutsideQuotes(accept, ",")) {
    const parts = splitOutsideQuotes(range, ";")
    const type = parts[0]!.trim().toLowerCase()
    // q=0 (or 0.0, 0.000) is "not acceptable"; any other weight is acceptable.
    let acceptable = true
    for (let i = 1; i < parts.length; i++) {
      const [name, value] = parts[i]!.split("=")
      if (name!.trim().toLowerCase() === "q" && /^0(?:\.0{0,3})?$/.test(value?.trim() ?? "")) acceptable = false
    }
    if (type === "*/*") json.any = sse.any = acceptable
    else if (type === "application/*") json.sub = acceptable
    else if (type === "text/*") sse.sub = acceptable
    else if (type === "application/json") json.exact = acceptable
    else if (type === "text/event-stream") sse.exact = acceptable
  }
  const result = { json: decide(json), sse: decide(sse) }
  return result.json || result.sse ? result : none
}

let lastAccept: string | undefined
let lastAccepted: Accepted = none

/** The forms `accept` allows (an absent header allows neither: the spec asks clients to list both). */
export const accepted = (accept: string | undefined): Accepted => {
  if (accept === undefined) return none
  if (accept === lastAccept) return lastAccepted
  lastAccepted = parseAccept(accept)
  lastAccept = accept
  return lastAccepted
}

let lastContentType: string | undefined
let lastIsJson = false

/** Whether a `Content-Type` is `application/json` (any case, any parameters, e.g. `charset=utf-8`). */
export const isJson = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  if (contentType === lastContentType) return lastIsJson
  lastIsJson = splitOutsideQuotes(contentType, ";")[0]!.trim().toLowerCase() === "application/json"
  lastContentType = contentType
  return lastIsJson
}
