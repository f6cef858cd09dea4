/**
 * RFC 6570 URI templates for MCP resource templates (`ResourceTemplate.uriTemplate`).
 *
 * A server matches the concrete URI of every `resources/read` against its registered templates
 * and hands the extracted variables to the resource handler; it sometimes expands a template to
 * build a concrete URI (e.g. for `resources/list` or completions). {@link parse} does all the work
 * up front (tokenising, validation, compiling one anchored `RegExp`), so {@link UriTemplate.match}
 * is a single `RegExp#exec` plus cheap percent-decoding.
 *
 * Supported: every level-4 operator that can be matched — simple `{var}`, reserved `{+var}`,
 * fragment `{#var}`, label `{.var}`, path segments `{/var}`, path-style parameters `{;var}`, form
 * query `{?a,b}` and query continuation `{&a,b}` — several variables per expression, the prefix
 * modifier `{var:3}` (applied by `expand`, ignored by `match`) and the explode modifier `*`.
 * Associative-array (key/value) values are not supported.
 *
 * Matching rules:
 * - Every variable outside a query expression is required and non-empty (`{;var}` may have an
 *   empty value, written `;var`). `{var}` matches one or more characters other than `/ ? # &`;
 *   `{+var}` and the FastMCP-style wildcard `{var*}` may span `/` (not `?` or `#`); `{#var}` takes
 *   the fragment. In an expression with several variables, `,` separates them. A variable
 *   followed by a literal and then another variable stops at that literal's first character
 *   (`{org}-{name}`: `org` has no `-`), which keeps matching linear; URIs over 8 KB match no
 *   template, and a template with adjacent values (`{a}{b}`) matches only URIs up to 256
 *   characters.
 * - `{/var*}`, `{.var*}` and `{;var*}` match one or more segments and give a string array; every
 *   other non-query variable gives a string (a non-exploded list such as `red,green,blue` is
 *   returned as that string).
 * - `{?a,b}` (with any directly following `{&c}`) matches an optional query string with the keys
 *   in any order; a missing key is absent from the result, unknown keys are ignored, an exploded
 *   `{?list*}` collects every occurrence into an array, and a repeated non-exploded key keeps its
 *   first value. Without a query expression a URI with a query string does not match.
 * - Captured values are percent-decoded (RFC 3986: `+` is not a space); malformed
 *   percent-encoding makes the URI not match. A variable used twice must capture equal values.
 *
 * @since 0.1.0
 */

/**
 * A parsed RFC 6570 URI template: the variables it declares, a matcher for concrete URIs and an
 * expander.
 *
 * @since 0.1.0
 */
export interface UriTemplate {
  /** The template string as given to {@link parse}. */
  readonly template: string
  /** The variable names, without duplicates, in order of first appearance. */
  readonly variables: ReadonlyArray<string>
  /** Match a concrete URI; undefined when it does not match. Values are percent-decoded; exploded/list vars give string arrays. */
  readonly match: (uri: string) => Readonly<Record<string, string | ReadonlyArray<string>>> | undefined
  /** Expand with values (RFC 6570 encoding rules per operator). */
  readonly expand: (
    values: Readonly<Record<string, string | number | boolean | ReadonlyArray<string> | undefined>>
  ) => string
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

type Operator = "" | "+" | "#" | "." | "/" | ";" | "?" | "&"

interface VarSpec {
  readonly name: string
  readonly explode: boolean
  readonly prefix: number | undefined
}

interface Expression {
  readonly operator: Operator
  readonly vars: ReadonlyArray<VarSpec>
}

type Part = string | Expression

interface OperatorSpec {
  readonly first: string
  readonly sep: string
  readonly named: boolean
  readonly ifemp: string
  readonly allowReserved: boolean
}

/** The expansion table of RFC 6570 appendix A. */
const operators: { readonly [K in Operator]: OperatorSpec } = {
  "": { first: "", sep: ",", named: false, ifemp: "", allowReserved: false },
  "+": { first: "", sep: ",", named: false, ifemp: "", allowReserved: true },
  "#": { first: "#", sep: ",", named: false, ifemp: "", allowReserved: true },
  ".": { first: ".", sep: ".", named: false, ifemp: "", allowReserved: false },
  "/": { first: "/", sep: "/", named: false, ifemp: "", allowReserved: false },
  ";": { first: ";", sep: ";", named: true, ifemp: "", allowReserved: false },
  "?": { first: "?", sep: "&", named: true, ifemp: "=", allowReserved: false },
  "&": { first: "&", sep: "&", named: true, ifemp: "=", allowReserved: false }
}

const operatorChars = "+#./;?&"
/** `op-reserve` of RFC 6570 section 2.2: reserved for future extensions. */
const reservedOperatorChars = "=,!@|"
/** `varname = varchar *( ["."] varchar )`, `varchar = ALPHA / DIGIT / "_" / pct-encoded`. */
const varnamePattern = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})+(?:\.(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})+)*$/
const varcharStart = /^[A-Za-z0-9_%]/
const prefixPattern = /^[1-9][0-9]{0,3}$/

const malformed = (template: string, reason: string): Error =>
  new Error(`Invalid URI template ${JSON.stringify(template)}: ${reason}`)

const parseExpression = (template: string, body: string, position: number): Expression => {
  if (body === "") throw malformed(template, `empty expression "{}" at position ${position}`)
  const head = body[0]!
  let operator: Operator = ""
  let rest = body
  if (operatorChars.includes(head)) {
    operator = head as Operator
    rest = body.slice(1)
  } else if (reservedOperatorChars.includes(head)) {
    throw malformed(template, `operator "${head}" at position ${position} is reserved by RFC 6570 and not supported`)
  } else if (!varcharStart.test(head) && head !== "*" && head !== ":") {
    throw malformed(template, `unknown operator "${head}" at position ${position}`)
  }
  const vars = rest.split(",").map((raw): VarSpec => {
    let name = raw
    let explode = false
    let prefix: number | undefined
    if (raw.endsWith("*")) {
      explode = true
      name = raw.slice(0, -1)
    }
    const colon = name.indexOf(":")
    if (colon !== -1) {
      const digits = name.slice(colon + 1)
      name = name.slice(0, colon)
      if (explode) {
        throw malformed(template, `variable "${name}" at position ${position} has both a prefix and an explode modifier`)
      }
      if (!prefixPattern.test(digits)) {
        throw malformed(template, `invalid prefix length "${digits}" for "${name}" at position ${position} (expected 1-9999)`)
      }
      prefix = Number(digits)
    }
    if (name === "") throw malformed(template, `empty variable name in expression "{${body}}" at position ${position}`)
    if (!varnamePattern.test(name)) {
      throw malformed(
        template,
        `invalid variable name "${name}" at position ${position} (letters, digits, "_", percent-encoded octets, "." between them)`
      )
    }
    return { name, explode, prefix }
  })
  return { operator, vars }
}

const parseParts = (template: string): Array<Part> => {
  const parts: Array<Part> = []
  let start = 0
  for (let i = 0; i < template.length; i++) {
    const c = template[i]
    if (c === "}") throw malformed(template, `unmatched "}" at position ${i}`)
    if (c !== "{") continue
    const close = template.indexOf("}", i + 1)
    if (close === -1) throw malformed(template, `unclosed "{" at position ${i}`)
    const nested = template.indexOf("{", i + 1)
    if (nested !== -1 && nested < close) {
      throw malformed(template, `"{" at position ${nested} inside the expression opened at position ${i}`)
    }
    if (i > start) parts.push(template.slice(start, i))
    parts.push(parseExpression(template, template.slice(i + 1, close), i))
    start = close + 1
    i = close
  }
  if (start < template.length) parts.push(template.slice(start))
  return parts
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

const hex = "0123456789ABCDEF"

/** Percent-encode one code point as UTF-8 (a lone surrogate becomes U+FFFD). */
const encodeCodePoint = (c: string): string => {
  const code = c.charCodeAt(0)
  if (code < 0x80) return "%" + hex[code >> 4] + hex[code & 15]
  if (c.length === 1 && code >= 0xd800 && code <= 0xdfff) return "%EF%BF%BD"
  return encodeURIComponent(c)
}

const notUnreserved = /[^A-Za-z0-9\-._~]/gu
const notUnreservedOrReserved = /%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]/gu
const unreservedOrReserved = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]$/

/** The `U` set: only unreserved characters pass. */
const encodeUnreserved = (s: string): string => s.replace(notUnreserved, encodeCodePoint)

/** The `U+R` set: unreserved, reserved and existing pct-encoded triplets pass. */
const encodeReserved = (s: string): string =>
  s.replace(notUnreservedOrReserved, (m) => (m.length === 3 && m[0] === "%" ? m : encodeCodePoint(m)))

const truncate = (s: string, codePoints: number): string => {
  let out = ""
  let n = 0
  for (const c of s) {
    if (n++ === codePoints) break
    out += c
  }
  return out
}

type ExpandValues = Parameters<UriTemplate["expand"]>[0]

const expandExpression = (expression: Expression, values: ExpandValues): string => {
  const spec = operators[expression.operator]
  const encode = spec.allowReserved ? encodeReserved : encodeUnreserved
  const named = (name: string, encoded: string) => (encoded === "" ? name + spec.ifemp : name + "=" + encoded)
  const out: Array<string> = []
  for (const v of expression.vars) {
    const value = Object.hasOwn(values, v.name) ? values[v.name] : undefined
    if (value === undefined || value === null) continue
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      const s = v.prefix === undefined ? String(value) : truncate(String(value), v.prefix)
      out.push(spec.named ? named(v.name, encode(s)) : encode(s))
      continue
    }
    if (value.length === 0) continue // an empty list is undefined (RFC 6570 section 2.3)
    if (!v.explode) {
      const joined = value.map((item) => encode(String(item))).join(",")
      out.push(spec.named ? v.name + "=" + joined : joined)
    } else if (spec.named) {
      out.push(value.map((item) => named(v.name, encode(String(item)))).join(spec.sep))
    } else {
      out.push(value.map((item) => encode(String(item))).join(spec.sep))
    }
  }
  return out.length === 0 ? "" : spec.first + out.join(spec.sep)
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

type Slot =
  /** One string; an absent group is the empty value of `;name`. */
  | { readonly kind: "value"; readonly group: number; readonly name: string }
  /** `{/var*}` / `{.var*}`: the group starts with `sep` and holds one segment after each. */
  | { readonly kind: "list"; readonly group: number; readonly name: string; readonly sep: string }
  /** `{;var*}`: `;name=a;name;name=c`. */
  | { readonly kind: "named-list"; readonly group: number; readonly name: string }
  /** `{?a,b*}{&c}`: the query string after `?`/`&`, or an absent group when there is none. */
  | { readonly kind: "query"; readonly group: number; readonly keys: Map<string, boolean> }

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/**
 * A literal matches itself; a character that `expand` would percent-encode also matches its
 * encoding (hex digits in either case), so `match(expand(values))` works for such templates too.
 */
const literalPattern = (literal: string): string => {
  let out = ""
  for (const c of literal) {
    if (unreservedOrReserved.test(c)) {
      out += escapeRegExp(c)
    } else {
      const encoded = encodeCodePoint(c).replace(/[A-F]/g, (h) => `[${h}${h.toLowerCase()}]`)
      out += `(?:${escapeRegExp(c)}|${encoded})`
    }
  }
  return out
}

const decode = (s: string): string | undefined => {
  if (!s.includes("%")) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

const decodeAll = (items: ReadonlyArray<string>): Array<string> | undefined => {
  const out: Array<string> = []
  for (const item of items) {
    const decoded = decode(item)
    if (decoded === undefined) return undefined
    out.push(decoded)
  }
  return out
}

const sameValue = (a: string | ReadonlyArray<string>, b: string | ReadonlyArray<string>): boolean => {
  if (typeof a === "string" || typeof b === "string") return a === b
  return a.length === b.length && a.every((item, i) => item === b[i])
}

type MatchResult = Record<string, string | ReadonlyArray<string>>

/** Store a value; false when a repeated variable captured something different. */
const assign = (result: MatchResult, name: string, value: string | ReadonlyArray<string>, checkRepeat: boolean) => {
  if (checkRepeat && Object.hasOwn(result, name)) return sameValue(result[name]!, value)
  if (name === "__proto__") {
    Object.defineProperty(result, name, { value, enumerable: true, writable: true, configurable: true })
  } else {
    result[name] = value
  }
  return true
}

const matchQuery = (
  result: MatchResult,
  query: string,
  keys: ReadonlyMap<string, boolean>,
  checkRepeat: boolean
): boolean => {
  const found = new Map<string, string | Array<string>>()
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=")
    const key = eq === -1 ? pair : pair.slice(0, eq)
    const explode = keys.get(key)
    if (explode === undefined) continue // not named in the template: ignored
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1))
    if (value === undefined) return false
    if (!explode) {
      if (!found.has(key)) found.set(key, value) // a repeated non-exploded key keeps its first value
    } else {
      const list = found.get(key)
      if (Array.isArray(list)) list.push(value)
      else found.set(key, [value])
    }
  }
  for (const [key, value] of found) {
    if (!assign(result, key, value, checkRepeat)) return false
  }
  return true
}

/** A character escaped for use inside a RegExp character class. */
const escapeClass = (c: string): string => /[\\\][^-]/.test(c) ? `\\${c}` : c

/** URIs longer than this match no template (a bound on the work one request can cause). */
const maxMatchLength = 8_192

/** The same bound for a template with adjacent values (`{a}{b}`). */
const maxAmbiguousMatchLength = 256

const queryOperators: ReadonlySet<string> = new Set(["?", "&"])
/** Operators whose values start without a character of their own. */
const leadless: ReadonlySet<string> = new Set(["", "+"])

interface Compiled {
  readonly regex: RegExp
  readonly slots: ReadonlyArray<Slot>
}

const compile = (parts: ReadonlyArray<Part>): Compiled => {
  let source = "^"
  const slots: Array<Slot> = []
  let group = 0
  let query: Extract<Slot, { kind: "query" }> | undefined
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!
    if (typeof part === "string") {
      source += literalPattern(part)
      query = undefined
      continue
    }
    const { operator, vars } = part
    if (operator === "?" || operator === "&") {
      if (query === undefined) {
        query = { kind: "query", group: ++group, keys: new Map() }
        slots.push(query)
        source += `(?:\\${operator}([^#]*))?`
      }
      for (const v of vars) query.keys.set(v.name, v.explode)
      continue
    }
    query = undefined
    const spec = operators[operator]
    const comma = vars.length > 1 ? "," : ""
    // A value followed by a literal and then another value stops at that literal's first
    // character: with overlapping classes, `{a}-{b}-{c}` backtracks polynomially (seconds for an
    // 8 KB URI); this way the match is linear. (`{name}.json` keeps dots in `name`.)
    const next = parts[index + 1]
    const stop = typeof next === "string" && next.length > 0 && typeof parts[index + 2] === "object" &&
        !queryOperators.has((parts[index + 2] as Expression).operator)
      ? escapeClass(next[0]!)
      : ""
    vars.forEach((v, i) => {
      const lead = escapeRegExp(i === 0 ? spec.first : spec.sep)
      switch (operator) {
        case "":
        case "+":
        case "#": {
          const excluded = operator === "#" ? "#" : operator === "+" || v.explode ? "?#" : "/?#&"
          const last = i === vars.length - 1 ? stop : ""
          source += `${lead}([^${excluded}${comma}${last}]+)`
          slots.push({ kind: "value", group: ++group, name: v.name })
          break
        }
        case ".":
        case "/": {
          const segment = `[^/?#${operator === "." ? "." : ""}]+`
          if (v.explode) {
            source += `((?:${lead}${segment})+)`
            slots.push({ kind: "list", group: ++group, name: v.name, sep: spec.sep })
          } else {
            source += `${lead}(${segment})`
            slots.push({ kind: "value", group: ++group, name: v.name })
          }
          break
        }
        case ";": {
          const name = escapeRegExp(v.name)
          if (v.explode) {
            source += `((?:;${name}(?:=[^/?#;]*)?)+)`
            slots.push({ kind: "named-list", group: ++group, name: v.name })
          } else {
            source += `;${name}(?:=([^/?#;]*))?`
            slots.push({ kind: "value", group: ++group, name: v.name })
          }
          break
        }
      }
    })
  }
  return { regex: new RegExp(source + "$"), slots }
}

/**
 * Parse an RFC 6570 URI template once into a matcher and expander.
 *
 * Throws a descriptive `Error` for a malformed template: an unclosed or unmatched brace, an empty
 * expression or variable name, a reserved or unknown operator, an invalid variable name or prefix.
 *
 * @since 0.1.0
 */
export const parse = (template: string): UriTemplate => {
  const parts = parseParts(template)
  // Adjacent values with nothing between them (RFC 6570's `up{+path}{var}/here`) cannot be told
  // apart: matching them backtracks polynomially, so such templates match only short URIs.
  let limit = maxMatchLength
  for (let i = 0; i + 1 < parts.length; i++) {
    const [left, right] = [parts[i], parts[i + 1]]
    if (typeof left === "object" && typeof right === "object" && leadless.has(left.operator) && leadless.has(right.operator)) {
      limit = maxAmbiguousMatchLength
    }
  }
  const expressions = parts.filter((part): part is Expression => typeof part !== "string")
  const all = expressions.flatMap((expression) => expression.vars.map((v) => v.name))
  const variables = [...new Set(all)]
  const checkRepeat = variables.length !== all.length
  const { regex, slots } = compile(parts)

  const match = (uri: string): Readonly<MatchResult> | undefined => {
    if (uri.length > limit) return undefined
    const m = regex.exec(uri)
    if (m === null) return undefined
    const result: MatchResult = {}
    for (const slot of slots) {
      const raw = m[slot.group]
      let value: string | ReadonlyArray<string> | undefined
      switch (slot.kind) {
        case "value":
          value = raw === undefined ? "" : decode(raw)
          break
        case "list":
          value = decodeAll(raw!.slice(1).split(slot.sep))
          break
        case "named-list":
          value = decodeAll(
            raw!
              .slice(1)
              .split(";")
              .map((item) => {
                const eq = item.indexOf("=")
                return eq === -1 ? "" : item.slice(eq + 1)
              })
          )
          break
        case "query":
          if (raw !== undefined && !matchQuery(result, raw, slot.keys, checkRepeat)) return undefined
          continue
      }
      if (value === undefined || !assign(result, slot.name, value, checkRepeat)) return undefined
    }
    return result
  }

  const expand = (values: ExpandValues): string => {
    let out = ""
    for (const part of parts) out += typeof part === "string" ? encodeReserved(part) : expandExpression(part, values)
    return out
  }

  return { template, variables, match, expand }
}

const expressionPattern = /\{[^{}]+\}/

/**
 * Whether a string is a URI template rather than a concrete URI: true when it contains at least
 * one `{expression}`. Use it to tell `resources` registrations from `resourceTemplates` ones.
 *
 * @since 0.1.0
 */
export const isTemplate = (uri: string): boolean => expressionPattern.test(uri)
