/**
 * RFC 6570 URI templates for MCP resource templates (`ResourceTemplate.uriTemplate`).
 *
 * A server matches the concrete URI of every `resources/read` against its registered templates
 * and hands the extracted variables to the resource handler; it sometimes expands a template to
 * build a concrete URI (e.g. for `resources/list` or completions). {@link parse} does all the work
 * up front (tokenising, validation, compiling a matching program), so {@link UriTemplate.match} is
 * one run of that program plus cheap percent-decoding: at most (template size × URI length) steps
 * whatever the template and the URI (templates of the shape `prefix{+x}literal{y}suffix`, or with
 * more values, `prefix{+x}literal{y}literal{z}suffix`, skip the program: one or two passes over the
 * URI find the same match). On a URI of 128 characters or more, a template whose program may go
 * back (`{/a*}{/b}`, `{a}{b}`) is matched in one read of the URI from its end and one walk along
 * the match that never goes back: about two reads of the URI whatever the template.
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
 *   the fragment; `{.var}` stops at `.` only where another variable of its expression follows
 *   (`x://h{.ext}` on `x://h.tar.gz`: `ext` is `tar.gz`). In an expression with several
 *   variables, `,` separates them. A variable
 *   followed by a literal and then another variable ends at the first of that literal's first
 *   character after which the rest matches (`{org}-{name}` on `acme-jane-doe`: `org` is `acme`,
 *   as is `{/org}-{name}`'s on `/acme-jane-doe`; `{+dir}/{file}` on `src/lib/a.ts`: `dir` is
 *   `src/lib`); not an exploded `{/var*}` or `{.var*}`, nor a `{;var}`. Otherwise, where a URI
 *   could be split between variables in several ways (`{a}{b}`, `{/a*}{/b}`), earlier variables
 *   take as much as they can. URIs over 8 KB match no template.
 * - `{/var*}`, `{.var*}` and `{;var*}` match one or more segments and give a string array; every
 *   other non-query variable gives a string (a non-exploded list such as `red,green,blue` is
 *   returned as that string).
 * - `{?a,b}` (with any directly following `{&c}`) matches an optional query string with the keys
 *   in any order; a missing key is absent from the result, unknown keys are ignored, an exploded
 *   `{?list*}` collects every occurrence into an array, and a repeated non-exploded key keeps its
 *   first value. Without a query expression a URI with a query string does not match.
 * - Captured values are percent-decoded (RFC 3986: `+` is not a space); malformed
 *   percent-encoding makes the URI not match. A value never ends inside a percent-encoded
 *   character (a triplet, or the triplets of one UTF-8 character): where values meet (`{a}{b}`),
 *   the URI splits only into values that decode. A variable used twice must capture equal values.
 * - A literal character that `expand` percent-encodes matches raw or encoded; a pct-encoded
 *   triplet of the literal matches with its hex digits in either case (`%2f` and `%2F`). A literal `%` that
 *   does not start a pct-encoded triplet (`docs://100%/{name}`) is one (`expand` writes `%25`);
 *   raw, it matches only a `%` that starts no triplet. A value is not stopped by a literal that
 *   starts with `%` (`{a}%{b}`: `a` takes as much as it can).
 *
 * @since 0.1.0
 */
import { kindOf } from "../internal/valueKind.ts"

/**
 * A parsed RFC 6570 URI template: the variables it declares, a matcher for concrete URIs and an
 * expander.
 *
 * @since 0.1.0
 * @category models
 */
export interface UriTemplate {
  /** The template string as given to {@link parse}. */
  readonly template: string
  /** The variable names, without duplicates, in order of first appearance. */
  readonly variables: ReadonlyArray<string>
  /**
   * The variables `match` gives as string arrays (exploded `{/var*}`, `{.var*}`, `{;var*}`,
   * `{?var*}`, `{&var*}`); the others it gives as strings.
   */
  readonly listVariables: ReadonlyArray<string>
  /** Match a concrete URI; undefined when it does not match. Values are percent-decoded; exploded/list vars give string arrays. */
  readonly match: (uri: string) => Readonly<Record<string, string | ReadonlyArray<string>>> | undefined
  /**
   * Expand with values (RFC 6570 encoding rules per operator). Throws a `TypeError` naming the
   * variable for a value that is neither a string, a number, a boolean nor a list of them (a
   * key/value object: associative arrays are not supported).
   */
  readonly expand: (
    values: Readonly<Record<string, string | number | boolean | ReadonlyArray<string | number | boolean> | undefined>>
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
const unreservedOrReserved = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]$/

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

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"

/**
 * The `TypeError` for a value `expand` cannot write (where types are not checked): a key/value
 * object (RFC 6570's associative array, not supported), or anything else that is neither a string,
 * a number, a boolean nor a list of them. Without it, an object failed as "value.map is not a
 * function", naming neither the template nor the variable.
 */
const unsupportedValue = (template: string, name: string, value: unknown, item?: number): TypeError =>
  new TypeError(
    `UriTemplate ${JSON.stringify(template)}: expand got ${kindOf(value)} for ${name}${
      item === undefined ? "" : `[${item}]`
    }; it takes a string, a number, a boolean or a list of them (key/value values, RFC 6570's associative arrays, are not supported)`
  )

const expandExpression = (template: string, expression: Expression, values: ExpandValues): string => {
  const spec = operators[expression.operator]
  const encode = spec.allowReserved ? encodeReserved : encodeUnreserved
  const named = (name: string, encoded: string) => (encoded === "" ? name + spec.ifemp : name + "=" + encoded)
  const out: Array<string> = []
  for (const v of expression.vars) {
    const value: unknown = Object.hasOwn(values, v.name) ? values[v.name] : undefined
    if (value === undefined || value === null) continue
    if (isScalar(value)) {
      const s = v.prefix === undefined ? String(value) : truncate(String(value), v.prefix)
      out.push(spec.named ? named(v.name, encode(s)) : encode(s))
      continue
    }
    if (!Array.isArray(value)) throw unsupportedValue(template, v.name, value)
    for (let i = 0; i < value.length; i++) {
      if (!isScalar(value[i])) throw unsupportedValue(template, v.name, value[i], i)
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

// A template compiles to a small program (a backtracking NFA, like the `RegExp` it replaced) that
// `run` executes with a memo of the (instruction, position) pairs already tried: a pair that
// failed once fails again, so none is tried twice and a match takes at most (program size × URI
// length) steps, whatever the template (`{a}{b}{c}{d}`, `{/a*}{/b*}{/c*}`, `{a}|{b}|{c}`) and the
// URI. The `RegExp` backtracked polynomially on such templates: minutes for one 8 KB URI. The
// program tries the alternatives in the order the `RegExp` did (loops greedy, a character before
// its encoding), so it finds the same match.

/**
 * An instruction as the program is built. Positions and characters are UTF-16 code units, as a
 * `RegExp` without `u` has them.
 */
type Draft =
  /** Consume `code`, or `alt` (the other case of a hex digit). */
  | { readonly op: "char"; readonly code: number; readonly alt: number }
  /** Consume `text`. */
  | { readonly op: "text"; readonly text: string }
  /** Consume a `%` that does not start a pct-encoded triplet (`%` and two hex digits). */
  | { readonly op: "percent" }
  /**
   * `[^excluded]+` or `*` (`min` 1 or 0), greedy: consume every such code unit there is, then, while
   * what follows fails, give them back from the last. Only positions where what follows can start
   * are tried; when none but the end can be one (`{id}/`, `{+path}` at the end), nothing is given
   * back (the loop is possessive).
   */
  | { readonly op: "loop"; readonly excluded: string; readonly min: 0 | 1 }
  /** Try `next` first, then `alt`. */
  | { readonly op: "split"; next: number; alt: number }
  | { readonly op: "jump"; to: number }
  /** Record the position in capture slot `slot`. */
  | { readonly op: "save"; readonly slot: number }
  /** Succeed where a value may end (see {@link valueMayEndAt}); consume nothing. */
  | { readonly op: "cut" }
  /** Succeed when the whole URI is consumed. */
  | { readonly op: "match" }

/** Code units as a set: a table for the ASCII ones, the others in `chars`. */
interface CharSet {
  readonly chars: string
  readonly ascii: Uint8Array
}

const charSet = (chars: string): CharSet => {
  const ascii = new Uint8Array(128)
  for (let i = 0; i < chars.length; i++) {
    const code = chars.charCodeAt(i)
    if (code < 128) ascii[code] = 1
  }
  return { chars, ascii }
}

/** Whether the code unit at `i` of `uri` is in `set`. */
const has = (set: CharSet, uri: string, i: number): boolean => {
  const code = uri.charCodeAt(i)
  return code < 128 ? set.ascii[code] === 1 : set.chars.includes(uri[i]!)
}

/** The instructions' codes in a {@link Step}. */
const op = { text: 0, run: 1, char: 2, split: 3, jump: 4, save: 5, match: 6, percent: 7, cut: 8 } as const

/**
 * A {@link Draft} as `run` executes it: one shape for them all, whose fields are read in one hot
 * loop. `a` and `b`: `code` and `alt` of a `char`, `next` and `alt` of a `split`, `to` of a
 * `jump`, `slot` of a `save`, `min` and `index` of a `run` (a loop; `index` numbers a program's
 * runs, for what `run` keeps about each); `set` the code units a `run` excludes, `follow` those
 * that can come after it (`undefined`: any).
 */
class Step {
  readonly op: number
  readonly a: number
  readonly b: number
  readonly text: string
  readonly set: CharSet | undefined
  readonly follow: CharSet | undefined
  readonly possessive: boolean
  constructor(
    code: number,
    a: number,
    b: number,
    text = "",
    set: CharSet | undefined = undefined,
    follow: CharSet | undefined = undefined,
    possessive = false
  ) {
    this.op = code
    this.a = a
    this.b = b
    this.text = text
    this.set = set
    this.follow = follow
    this.possessive = possessive
  }
}

/** Builds a program; `split`/`jump` targets are patched once known. */
class Program {
  readonly code: Array<Draft> = []
  get next(): number {
    return this.code.length
  }
  char(c: string, alt: string = c): void {
    this.code.push({ op: "char", code: c.charCodeAt(0), alt: alt.charCodeAt(0) })
  }
  chars(s: string): void {
    if (s.length > 1) this.code.push({ op: "text", text: s })
    else if (s.length === 1) this.char(s)
  }
  split(): { next: number; alt: number } {
    const split = { op: "split" as const, next: this.next + 1, alt: -1 }
    this.code.push(split)
    return split
  }
  jump(): { to: number } {
    const jump = { op: "jump" as const, to: -1 }
    this.code.push(jump)
    return jump
  }
  percent(): void {
    this.code.push({ op: "percent" })
  }
  save(slot: number): void {
    this.code.push({ op: "save", slot })
  }
  cut(): void {
    this.code.push({ op: "cut" })
  }
  /** `[^excluded]+` (greedy). */
  plus(excluded: string): void {
    this.code.push({ op: "loop", excluded, min: 1 })
  }
  /** `[^excluded]*` (greedy). */
  star(excluded: string): void {
    this.code.push({ op: "loop", excluded, min: 0 })
  }

  /** The finished program (`match` appended, as `Step`s) and how many runs (loops) it has. */
  done(): { readonly program: ReadonlyArray<Step>; readonly runs: number } {
    this.code.push({ op: "match" })
    let runs = 0
    const program = this.code.map((draft, pc): Step => {
      switch (draft.op) {
        case "loop": {
          const follow = this.firstAfter(pc)
          const possessive = follow !== undefined && [...follow].every((c) => draft.excluded.includes(c))
          return new Step(op.run, draft.min, runs++, "", charSet(draft.excluded), follow === undefined ? undefined : charSet(follow), possessive)
        }
        case "char":
          return new Step(op.char, draft.code, draft.alt)
        case "text":
          return new Step(op.text, 0, 0, draft.text)
        case "percent":
          return new Step(op.percent, 0, 0)
        case "split":
          return new Step(op.split, draft.next, draft.alt)
        case "jump":
          return new Step(op.jump, draft.to, 0)
        case "save":
          return new Step(op.save, draft.slot, 0)
        case "cut":
          return new Step(op.cut, 0, 0)
        default:
          return new Step(op.match, 0, 0)
      }
    })
    return { program, runs }
  }

  /**
   * The code units the program may consume first after the loop at `pc` (reaching the end
   * consumes none); `undefined` when that may be any (another loop).
   */
  private firstAfter(pc: number): string | undefined {
    let first = ""
    const seen = new Set<number>()
    const pending = [pc + 1]
    while (pending.length > 0) {
      const at = pending.pop()!
      if (seen.has(at)) continue
      seen.add(at)
      const draft = this.code[at]!
      switch (draft.op) {
        case "char":
          first += String.fromCharCode(draft.code, draft.alt)
          break
        case "text":
          first += draft.text[0]!
          break
        case "percent":
          first += "%"
          break
        case "loop":
          return undefined
        case "split":
          pending.push(draft.next, draft.alt)
          break
        case "jump":
          pending.push(draft.to)
          break
        case "save":
        case "cut":
          pending.push(at + 1)
          break
        case "match":
          break
      }
    }
    return first
  }
}

/** Whether a code unit is a hex digit (false for `NaN`, past the end of a string). */
const isHex = (code: number): boolean => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 102)

/** Whether a `%` at `i` of `s` starts a pct-encoded triplet. */
const tripletAt = (s: string, i: number): boolean => isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))

/** Whether `i` of `s` is a `%` that starts a pct-encoded triplet. */
const percentAt = (s: string, i: number): boolean => s.charCodeAt(i) === 37 && tripletAt(s, i)

/** The value of a hex digit's code unit. */
const hexValue = (code: number): number => (code <= 57 ? code - 48 : (code | 32) - 87)

/** The octet of the pct-encoded triplet at `i` of `s`. */
const octetAt = (s: string, i: number): number => 16 * hexValue(s.charCodeAt(i + 1)) + hexValue(s.charCodeAt(i + 2))

/**
 * Whether a value may end at `i` of `uri` (and what follows begin there): not inside a
 * pct-encoded triplet, nor between the triplets of one UTF-8 character (before a continuation
 * octet, or after a leading one). A value cut there does not decode: where values meet
 * (`{a}{b}`, or `{a}2{b}` at the `2` of `%2F`), the URI matched nothing though a split into values
 * that decode was there (`x://h/%26%40`, `expand` of `&` and `@`).
 */
const valueMayEndAt = (uri: string, i: number): boolean =>
  !percentAt(uri, i - 1) && !percentAt(uri, i - 2) &&
  !(percentAt(uri, i) && (octetAt(uri, i) & 0xc0) === 0x80) &&
  !(percentAt(uri, i - 3) && octetAt(uri, i - 3) >= 0xc0)

/** Whether a `%` and two hex digits. */
const triplet = (c0: number, c1: number, c2: number): boolean => c0 === 37 && isHex(c1) && isHex(c2)

/**
 * {@link valueMayEndAt} at a position whose code unit is `c`, from the code units around it (`b3`
 * three before it, `a2` two after it; -1 for none).
 */
const mayEndAmong = (b3: number, b2: number, b1: number, c: number, a1: number, a2: number): boolean =>
  !triplet(b1, c, a1) && !triplet(b2, b1, c) &&
  !(triplet(c, a1, a2) && ((16 * hexValue(a1) + hexValue(a2)) & 0xc0) === 0x80) &&
  !(triplet(b3, b2, b1) && 16 * hexValue(b2) + hexValue(b1) >= 0xc0)

/**
 * A literal matches itself; a character that `expand` would percent-encode also matches its
 * encoding (hex digits in either case), so `match(expand(values))` works for such templates too.
 * A pct-encoded triplet of the literal matches with its hex digits in either case (RFC 3986
 * section 2.1: `%2f` and `%2F` are the same octet).
 * A `%` that does not start a pct-encoded triplet in the literal is such a character: `expand`
 * writes `%25` (RFC 6570 section 3.1). Written raw (clients that copy literals as they are send
 * `100%/` for `100%/{x}`), it matches only where it does not start a triplet: a `%` that `expand`
 * wrote always does, so a value before the literal cannot end at a `%` of its own encoding.
 */
const literalProgram = (program: Program, literal: string): void => {
  let plain = ""
  let at = 0
  let hexDigits = 0
  for (const c of literal) {
    const i = at
    at += c.length
    if (hexDigits > 0) {
      // A triplet's hex digit matches in either case: RFC 3986 makes `%2f` and `%2F` the same.
      hexDigits--
      program.char(c.toUpperCase(), c.toLowerCase())
      continue
    }
    if (c === "%" && tripletAt(literal, i)) {
      program.chars(plain + c)
      plain = ""
      hexDigits = 2
      continue
    }
    if (c !== "%" && unreservedOrReserved.test(c)) {
      plain += c
      continue
    }
    program.chars(plain)
    plain = ""
    // (?:c|%XX...): the character itself first, as the RegExp's alternation did.
    const split = program.split()
    if (c === "%") program.percent()
    else program.chars(c)
    const jump = program.jump()
    split.alt = program.next
    for (const h of encodeCodePoint(c)) program.char(h, h.toLowerCase())
    jump.to = program.next
  }
  program.chars(plain)
}

/** For each position of `uri`, where a run of code units not in `excluded` starting there ends. */
const runEnds = (excluded: CharSet, uri: string): Int32Array => {
  const ends = new Int32Array(uri.length + 1)
  ends[uri.length] = uri.length
  for (let i = uri.length - 1; i >= 0; i--) ends[i] = has(excluded, uri, i) ? i : ends[i + 1]!
  return ends
}

/** Reused between matches (they are synchronous): one bit per (instruction, position) tried. */
let visited = new Uint32Array(1024)
/** Reused between matches: `run`'s stack of alternatives. */
let stack = new Int32Array(256)

// The stack holds frames of three numbers and a tag (last):
/** Go on at (instruction `a`, position `b`). */
const resume = 0
/** Give capture slot `a` back its earlier value `b`. */
const restore = 1
/** The run at instruction `a` gives back: try what follows it at `b`, then lower, down to `c`. */
const giveBack = 2

// A guide for long URIs. `run` tries each (instruction, position) pair at most once, but on some
// templates it tries most of them: `x://{/a*}{/b}` on 8 KB of `/d/d…#` tries the rest of the
// template after each of the 4,000 segments (44,000 steps, 1.2-1.3 ms of CPU), `{+a}{/b*}{/c*}`
// on `/a/a…#` more (2 ms). The guide reads the URI once from its end and notes, for each
// position, the set of instructions from which the rest of the program matches there (a
// deterministic automaton over sets of states, built as URIs need it and kept with the template).
// A URI matches when the first instruction is in the set at its start; then `walk` follows the
// path `run` would have found, taking at each alternative the first from which the rest matches:
// no step is tried in vain. Same result, one read and one walk.

/** The kinds of a guide's states (the program with texts as one state a code unit, and two states a loop). */
const state = {
  /** Consumes code unit `a` or `b`, then `next`. */
  char: 0,
  /** Consumes a `%` that starts no pct-encoded triplet, then `next`. */
  percent: 1,
  /** A loop's states after its first code unit: consumes one it does not exclude (`set`), staying; or is done: `next`. */
  loop: 2,
  /** A loop of `min` 1: consumes one code unit it does not exclude, then `alt` (its `loop` state). */
  first: 3,
  /** Consumes nothing: `next` or `alt` (-1: none). */
  empty: 4,
  /** Consumes nothing, where a value may end: `next`. */
  cut: 5,
  /** The end of the URI. */
  match: 6
} as const

/** The most state sets a guide keeps; past it a URI is matched without a guide. */
const maxGuideSets = 512

/** From what length a URI is matched with a guide: shorter ones take few steps whatever the template. */
const guideFrom = 128

class Guide {
  /** The state each instruction of the program starts at. */
  readonly entry: Int32Array
  readonly kind: Array<number> = []
  readonly a: Array<number> = []
  readonly b: Array<number> = []
  readonly next: Array<number> = []
  readonly alt: Array<number> = []
  readonly set: Array<CharSet | undefined> = []
  /** The states that consume nothing, each after those it goes on to. */
  readonly empties: Array<number> = []
  /** The states that consume a code unit. */
  readonly consumers: Array<number> = []
  /** Bit words a state set takes. */
  readonly words: number
  /** The state set `step` builds (`intern` keeps a copy): reused between reads (matches are synchronous). */
  readonly bits: Uint32Array
  /** The class of each ASCII code unit and of the others the program names; `otherClass` for the rest. */
  readonly asciiClass = new Uint8Array(128)
  readonly namedClass = new Map<number, number>()
  readonly otherClass: number
  /** Classes of a code unit; a position's class is `4 × that + 2 × (a value may end there) + (a lone %)`. */
  readonly classes: number
  /** The state sets met so far (`words` words each), their ids by content, and the transitions found (-1: not yet). */
  sets: Array<Uint32Array> = []
  readonly ids = new Map<string, number>()
  transitions: Int32Array = new Int32Array(0)

  constructor(program: ReadonlyArray<Step>) {
    this.entry = new Int32Array(program.length)
    const add = (kind: number, a: number, b: number, next: number, alt: number, set?: CharSet): number => {
      this.kind.push(kind)
      this.a.push(a)
      this.b.push(b)
      this.next.push(next)
      this.alt.push(alt)
      this.set.push(set)
      return this.kind.length - 1
    }
    // States in program order; `next`/`alt` of the `pending` ones hold program counters until patched below.
    const pending: Array<number> = []
    const linked = (kind: number, a: number, b: number, next: number, alt: number, set?: CharSet): number => {
      const s = add(kind, a, b, next, alt, set)
      pending.push(s)
      return s
    }
    program.forEach((step, pc) => {
      switch (step.op) {
        case op.text: {
          this.entry[pc] = this.kind.length
          for (let i = 0; i < step.text.length; i++) {
            const code = step.text.charCodeAt(i)
            const last = i === step.text.length - 1
            if (last) linked(state.char, code, code, pc + 1, -1)
            else add(state.char, code, code, this.kind.length + 1, -1)
          }
          break
        }
        case op.char:
          this.entry[pc] = linked(state.char, step.a, step.b, pc + 1, -1)
          break
        case op.percent:
          this.entry[pc] = linked(state.percent, 0, 0, pc + 1, -1)
          break
        case op.run: {
          const first = step.a === 1 ? add(state.first, 0, 0, -1, -1, step.set) : -1
          const loop = linked(state.loop, 0, 0, pc + 1, -1, step.set)
          if (first !== -1) this.alt[first] = loop
          this.entry[pc] = first === -1 ? loop : first
          break
        }
        case op.split:
          this.entry[pc] = linked(state.empty, 0, 0, step.a, step.b)
          break
        case op.jump:
          this.entry[pc] = linked(state.empty, 0, 0, step.a, -1)
          break
        case op.save:
          this.entry[pc] = linked(state.empty, 0, 0, pc + 1, -1)
          break
        case op.cut:
          this.entry[pc] = linked(state.cut, 0, 0, pc + 1, -1)
          break
        default:
          this.entry[pc] = add(state.match, 0, 0, -1, -1)
      }
    })
    for (const s of pending) {
      this.next[s] = this.entry[this.next[s]!]!
      if (this.kind[s] === state.empty && this.alt[s] !== -1) this.alt[s] = this.entry[this.alt[s]!]!
    }
    const count = this.kind.length
    this.words = (count + 31) >>> 5
    this.bits = new Uint32Array(this.words)
    // States that consume nothing, each after the ones it goes on to (every loop of the program
    // consumes: this order exists). A loop's way out is such a step too.
    const placed = new Uint8Array(count)
    const place = (s: number): void => {
      if (placed[s] !== 0) return
      placed[s] = 1
      const kind = this.kind[s]!
      if (kind === state.empty || kind === state.cut || kind === state.loop) {
        place(this.next[s]!)
        if (kind === state.empty && this.alt[s] !== -1) place(this.alt[s]!)
      }
      if (kind === state.empty || kind === state.cut || kind === state.loop || kind === state.match) this.empties.push(s)
    }
    for (let s = 0; s < count; s++) {
      place(s)
      const kind = this.kind[s]!
      if (kind === state.char || kind === state.percent || kind === state.loop || kind === state.first) this.consumers.push(s)
    }
    // Code units alike for every state share a class.
    const signatures = new Map<string, number>()
    const classOf = (code: number): number => {
      let signature = ""
      for (const s of this.consumers) signature += consumes(this, s, code) ? "1" : "0"
      let id = signatures.get(signature)
      if (id === undefined) signatures.set(signature, id = signatures.size)
      return id
    }
    for (let code = 0; code < 128; code++) this.asciiClass[code] = classOf(code)
    for (const s of this.consumers) {
      const named = this.kind[s] === state.char ? [this.a[s]!, this.b[s]!] : [...(this.set[s]?.chars ?? "")].map((c) => c.charCodeAt(0))
      for (const code of named) if (code >= 128 && !this.namedClass.has(code)) this.namedClass.set(code, classOf(code))
    }
    // A code unit no state names stands for all of them.
    let other = 0xffff
    while (this.namedClass.has(other)) other--
    this.otherClass = classOf(other)
    this.classes = 4 * signatures.size
  }

  /** The id of a state set, interned; -1 when the guide holds too many. */
  intern(bits: Uint32Array): number {
    const key = bits.join(",")
    let id = this.ids.get(key)
    if (id !== undefined) return id
    if (this.sets.length >= maxGuideSets) return -1
    id = this.sets.length
    this.sets.push(bits.slice())
    this.ids.set(key, id)
    if (this.transitions.length < this.sets.length * this.classes) {
      const grown = new Int32Array(Math.max(this.sets.length * this.classes, 2 * this.transitions.length)).fill(-1)
      grown.set(this.transitions)
      this.transitions = grown
    }
    return id
  }

  /**
   * The set of states from which the rest matches at a position: from the set at the next
   * position (`after`, -1 at the end of the URI) and the position's class.
   */
  step(after: number, positionClass: number, code: number, bits: Uint32Array): number {
    bits.fill(0)
    const isIn = (s: number) => (bits[s >>> 5]! & (1 << (s & 31))) !== 0
    const add = (s: number) => {
      bits[s >>> 5] = bits[s >>> 5]! | (1 << (s & 31))
    }
    if (after !== -1) {
      const next = this.sets[after]!
      const had = (s: number) => (next[s >>> 5]! & (1 << (s & 31))) !== 0
      const lone = (positionClass & 1) !== 0
      for (const s of this.consumers) {
        if (this.kind[s] === state.percent ? !lone : !consumes(this, s, code)) continue
        if (had(this.kind[s] === state.loop ? s : this.kind[s] === state.first ? this.alt[s]! : this.next[s]!)) add(s)
      }
    }
    const mayEnd = (positionClass & 2) !== 0
    for (const s of this.empties) {
      switch (this.kind[s]) {
        case state.match:
          if (after === -1) add(s)
          break
        case state.cut:
          if (mayEnd && isIn(this.next[s]!)) add(s)
          break
        default:
          if (isIn(this.next[s]!) || (this.alt[s] !== -1 && this.kind[s] === state.empty && isIn(this.alt[s]!))) add(s)
      }
    }
    return this.intern(bits)
  }

  /**
   * For each position of `uri` (and its end), the id of the set of states from which the rest
   * matches there; undefined when the guide holds too many sets.
   */
  read(uri: string): Int32Array | undefined {
    const n = uri.length
    if (guided.length < n + 1) guided = new Int32Array(Math.max(n + 1, 2 * guided.length))
    const ids = guided
    const bits = this.bits
    const asciiClass = this.asciiClass
    const classes = this.classes
    let id = this.step(-1, valueMayEndAt(uri, n) ? 2 : 0, -1, bits)
    if (id === -1) return undefined
    ids[n] = id
    let transitions = this.transitions
    // Without a `%` in the URI, a value may end anywhere and no `%` is lone. With one, the code
    // units at p + 2 and p + 1 tell whether a `%` at p starts a triplet; those at p - 1, p - 2 and
    // p - 3 whether a value may end at p (only where one of them or p's is a `%` need it be asked).
    const percent = uri.includes("%")
    let after2 = -1
    let after1 = -1
    let before1 = n >= 1 ? uri.charCodeAt(n - 1) : -1
    let before2 = n >= 2 ? uri.charCodeAt(n - 2) : -1
    let before3 = n >= 3 ? uri.charCodeAt(n - 3) : -1
    for (let p = n - 1; p >= 0; p--) {
      let code: number
      let positionClass: number
      if (!percent) {
        code = uri.charCodeAt(p)
        positionClass = 4 * (code < 128 ? asciiClass[code]! : (this.namedClass.get(code) ?? this.otherClass)) + 2
      } else {
        code = before1
        before1 = before2
        before2 = before3
        before3 = p >= 3 ? uri.charCodeAt(p - 3) : -1
        positionClass = 4 * (code < 128 ? asciiClass[code]! : (this.namedClass.get(code) ?? this.otherClass))
        if (
          (code !== 37 && before1 !== 37 && before2 !== 37 && before3 !== 37) ||
          mayEndAmong(before3, before2, before1, code, after1, after2)
        ) positionClass += 2
        if (code === 37 && !(isHex(after1) && isHex(after2))) positionClass += 1
        after2 = after1
        after1 = code
      }
      const cell = id * classes + positionClass
      let next = transitions[cell]!
      if (next === -1) {
        next = this.step(id, positionClass, code, bits)
        if (next === -1) return undefined
        transitions = this.transitions
        transitions[cell] = next
      }
      ids[p] = id = next
    }
    return ids
  }

  /** Whether the rest of the program matches from instruction `pc` at the position whose set is `id`. */
  alive(id: number, pc: number): boolean {
    const s = this.entry[pc]!
    return (this.sets[id]![s >>> 5]! & (1 << (s & 31))) !== 0
  }
}

/** Whether state `s` (one that consumes) takes code unit `code` (a `%` for a `percent` state: whether lone is the position's). */
const consumes = (guide: Guide, s: number, code: number): boolean => {
  switch (guide.kind[s]) {
    case state.char:
      return code === guide.a[s] || code === guide.b[s]
    case state.percent:
      return code === 37
    default: {
      const set = guide.set[s]!
      return code < 128 ? set.ascii[code] !== 1 : !set.chars.includes(String.fromCharCode(code))
    }
  }
}

/** Reused between matches (they are synchronous): `Guide.read`'s set ids by position. */
let guided = new Int32Array(1024)

/**
 * Runs `program` on `uri`, anchored at both ends: the capture slots of the first match in the
 * `RegExp`'s order of preference, or undefined. Iterative (an 8 KB URI is too deep for the stack).
 */
const run = (program: ReadonlyArray<Step>, runs: number, slots: number, uri: string): Int32Array | undefined => {
  const n = uri.length
  const stride = n + 1
  const words = (program.length * stride + 31) >>> 5
  if (visited.length < words) visited = new Uint32Array(Math.max(words, visited.length * 2))
  else visited.fill(0, 0, words)
  const captures = new Int32Array(slots).fill(-1)
  // Per run: where its runs starting at each position end (made the second time it is entered: a
  // run entered at every position of a long value would scan to its end each time); and the end
  // of the last stretch it gave back from, with the lowest position given back there. Entered
  // again in that stretch (it can only be once the earlier giving back is over: what follows a
  // run never loops back into its stretch), it need not give back those positions again.
  let ends: Array<Int32Array | null | undefined> | undefined
  let givenBack: Int32Array | undefined
  let top = 0
  const push = (a: number, b: number, c: number, tag: number) => {
    if (top + 4 > stack.length) {
      const grown = new Int32Array(stack.length * 2)
      grown.set(stack)
      stack = grown
    }
    stack[top] = a
    stack[top + 1] = b
    stack[top + 2] = c
    stack[top + 3] = tag
    top += 4
  }
  push(0, 0, 0, resume)
  while (top > 0) {
    top -= 4
    let pc = stack[top]!
    let position = stack[top + 1]!
    const least = stack[top + 2]!
    const tag = stack[top + 3]!
    if (tag === restore) {
      captures[pc] = position
      continue
    }
    if (tag === giveBack) {
      const follow = program[pc]!.follow
      if (follow !== undefined) while (position >= least && !has(follow, uri, position)) position--
      if (position < least) continue
      if (position > least) push(pc, position - 1, least, giveBack)
      pc++
    }
    for (;;) {
      const bit = pc * stride + position
      const word = bit >>> 5
      const mask = 1 << (bit & 31)
      if ((visited[word]! & mask) !== 0) break
      visited[word] = visited[word]! | mask
      const step = program[pc]!
      switch (step.op) {
        case op.text:
          if (!uri.startsWith(step.text, position)) break
          pc++
          position += step.text.length
          continue
        case op.run: {
          const index = step.b
          let end = position
          const table = (ends ??= new Array(runs))[index]
          if (table === undefined) {
            ends[index] = null
            while (end < n && !has(step.set!, uri, end)) end++
          } else {
            end = (table ?? (ends[index] = runEnds(step.set!, uri)))[position]!
          }
          const shortest = position + step.a
          if (end < shortest) break
          if (!step.possessive && end > shortest) {
            givenBack ??= new Int32Array(2 * runs).fill(-1)
            const stretch = givenBack[2 * index] === end
            const from = stretch ? Math.min(end - 1, givenBack[2 * index + 1]! - 1) : end - 1
            if (!stretch || shortest < givenBack[2 * index + 1]!) {
              givenBack[2 * index] = end
              givenBack[2 * index + 1] = shortest
            }
            if (from >= shortest) push(pc, from, shortest, giveBack)
          }
          pc++
          position = end
          continue
        }
        case op.char: {
          const code = uri.charCodeAt(position)
          if (position === n || (code !== step.a && code !== step.b)) break
          pc++
          position++
          continue
        }
        case op.split:
          push(step.b, position, 0, resume)
          pc = step.a
          continue
        case op.jump:
          pc = step.a
          continue
        case op.percent:
          if (uri.charCodeAt(position) !== 37 || tripletAt(uri, position)) break
          pc++
          position++
          continue
        case op.cut:
          if (!valueMayEndAt(uri, position)) break
          pc++
          continue
        case op.save:
          push(step.a, captures[step.a]!, 0, restore)
          captures[step.a] = position
          pc++
          continue
        default:
          if (position === n) return captures
      }
      break
    }
  }
  return undefined
}

/**
 * What `run` finds, found with a guide and the sets it read from `uri` (`Guide.read`), from an
 * (instruction, position) pair from which the rest matches: where `run` would try an alternative
 * (a `split`, the end of a loop), it takes the first one from which the rest matches, so it never
 * goes back. Steps where `run` would take many: the path it finds, without the ones it tried.
 */
const walk = (program: ReadonlyArray<Step>, guide: Guide, sets: Int32Array, slots: number, uri: string): Int32Array => {
  const n = uri.length
  const captures = new Int32Array(slots).fill(-1)
  let pc = 0
  let position = 0
  for (;;) {
    const step = program[pc]!
    switch (step.op) {
      case op.text:
        position += step.text.length
        pc++
        break
      case op.char:
      case op.percent:
        position++
        pc++
        break
      case op.run: {
        // The longest run from which the rest matches (`run` gives back from the longest).
        let end = position
        while (end < n && !has(step.set!, uri, end)) end++
        pc++
        while (!guide.alive(sets[end]!, pc)) end--
        position = end
        break
      }
      case op.split:
        pc = guide.alive(sets[position]!, step.a) ? step.a : step.b
        break
      case op.jump:
        pc = step.a
        break
      case op.save:
        captures[step.a] = position
        pc++
        break
      case op.cut:
        pc++
        break
      default:
        return captures
    }
  }
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

/** URIs longer than this match no template (a bound on the work one request can cause). */
const maxMatchLength = 8_192

const queryOperators: ReadonlySet<string> = new Set(["?", "&"])
/** The operators whose exploded variables `match` gives as lists. */
const listOperators: ReadonlySet<string> = new Set(["/", ".", ";", "?", "&"])

interface Compiled {
  readonly program: ReadonlyArray<Step>
  /** How many `run` instructions it has. */
  readonly runs: number
  /** Two capture slots (start, end) per group; group `g` is slots `2g - 2` and `2g - 1`. */
  readonly captures: number
  readonly slots: ReadonlyArray<Slot>
}

/**
 * `((?:[^excluded]+|(?=last))(?:last[^excluded]*)*?)`: a value up to the first `last`, then one
 * more stretch at a time while what follows fails (`org` in `{org}-{name}` is the shortest;
 * `{+dir}/{file}` still matches `a/b/c`). `last` is excluded from both loops, so neither is
 * entered again inside a stretch it took (see `run`).
 */
const upToLiteral = (program: Program, excluded: string, last: string) => {
  const first = program.split()
  program.plus(excluded + last)
  const again = program.next
  const more = program.split()
  first.alt = more.alt = program.next
  program.char(last)
  program.star(excluded + last)
  program.jump().to = again
  more.next = program.next
}

const compile = (parts: ReadonlyArray<Part>): Compiled => {
  const program = new Program()
  const slots: Array<Slot> = []
  let group = 0
  const open = () => program.save(2 * group - 2)
  // A value ends where it may (see `valueMayEndAt`); not a query string, whose pairs are decoded
  // one by one (a key the template does not name is not decoded at all).
  const close = (query = false) => {
    if (!query) program.cut()
    program.save(2 * group - 1)
  }
  let query: Extract<Slot, { kind: "query" }> | undefined
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!
    if (typeof part === "string") {
      literalProgram(program, part)
      query = undefined
      continue
    }
    const { operator, vars } = part
    if (operator === "?" || operator === "&") {
      if (query === undefined) {
        // (?:\?([^#]*))?
        query = { kind: "query", group: ++group, keys: new Map() }
        slots.push(query)
        const optional = program.split()
        program.char(operator)
        open()
        program.star("#")
        close(true)
        optional.alt = program.next
      }
      for (const v of vars) query.keys.set(v.name, v.explode)
      continue
    }
    query = undefined
    const spec = operators[operator]
    const comma = vars.length > 1 ? "," : ""
    // A value followed by a literal and then another value ends at the first of that literal's
    // first character after which the rest matches (`{org}-{name}`: `org` has no `-` when the
    // rest matches after the first one; `{+dir}/{file}`: `dir` spans `/` up to the last one).
    // (`{name}.json` keeps dots in `name`.) Not at a `%`: the value's own percent-encoding has
    // them (`{a}%{b}`, `{a}%2F{b}`: `a` takes as much as it can).
    const next = parts[index + 1]
    const stop = typeof next === "string" && next.length > 0 && next[0] !== "%" &&
        typeof parts[index + 2] === "object" && !queryOperators.has((parts[index + 2] as Expression).operator)
      ? next[0]!
      : ""
    vars.forEach((v, i) => {
      const lead = i === 0 ? spec.first : spec.sep
      switch (operator) {
        case "":
        case "+":
        case "#": {
          const excluded = operator === "#" ? "#" : operator === "+" || v.explode ? "?#" : "/?#&"
          const last = i === vars.length - 1 && !(excluded + comma).includes(stop) ? stop : ""
          program.chars(lead)
          slots.push({ kind: "value", group: ++group, name: v.name })
          open()
          if (last === "") {
            // lead([^excluded]+)
            program.plus(excluded + comma)
          } else {
            upToLiteral(program, excluded + comma, last)
          }
          close()
          break
        }
        case ".":
        case "/": {
          const segment = `/?#${operator === "." ? "." : ""}`
          slots.push(
            v.explode
              ? { kind: "list", group: ++group, name: v.name, sep: spec.sep }
              : { kind: "value", group: ++group, name: v.name }
          )
          if (v.explode) {
            // ((?:lead[^segment]+)+)
            open()
            const start = program.next
            program.chars(lead)
            program.plus(segment)
            const again = program.split()
            again.next = start
            again.alt = program.next
            close()
          } else {
            // lead([^segment]+), or up to the literal that follows (as for `{var}`; a `/` or `.`
            // the segment excludes ends it anyway). The last value of a `{.var}` expression holds
            // dots: `expand` leaves them unencoded (`x://h{.ext}` gives `x://h.tar.gz`), and only
            // the next variable of the expression needs one to end it.
            const excluded = operator === "." && i === vars.length - 1 ? "/?#" : segment
            const last = i === vars.length - 1 && !excluded.includes(stop) ? stop : ""
            program.chars(lead)
            open()
            if (last === "") program.plus(excluded)
            else upToLiteral(program, excluded, last)
            close()
          }
          break
        }
        case ";": {
          if (v.explode) {
            // ((?:;name(?:=[^/?#;]*)?)+)
            slots.push({ kind: "named-list", group: ++group, name: v.name })
            open()
            const start = program.next
            program.chars(";" + v.name)
            const value = program.split()
            program.char("=")
            program.star("/?#;")
            value.alt = program.next
            const again = program.split()
            again.next = start
            again.alt = program.next
            close()
          } else {
            // ;name(?:=([^/?#;]*))?
            slots.push({ kind: "value", group: ++group, name: v.name })
            program.chars(";" + v.name)
            const value = program.split()
            program.char("=")
            open()
            program.star("/?#;")
            close()
            value.alt = program.next
          }
          break
        }
      }
    })
  }
  return { ...program.done(), captures: 2 * group, slots }
}

/** Whether a literal compiles to plain text: no character that also matches its encoding, no `%`. */
const isPlain = (literal: string): boolean => {
  for (const c of literal) if (c === "%" || !unreservedOrReserved.test(c)) return false
  return true
}

/** The code units the value of a one-variable `{var}` or `{+var}` expression excludes; undefined for any other part. */
const singleValue = (part: Part | undefined): string | undefined => {
  if (part === undefined || typeof part === "string" || part.vars.length !== 1) return undefined
  if (part.operator !== "" && part.operator !== "+") return undefined
  return part.operator === "+" || part.vars[0]!.explode ? "?#" : "/?#&"
}

/**
 * The shape the one-pass matchers take, `prefix{+a}literal{b}…literal{z}suffix`: two values or
 * more, each `{x}` or `{+x}` (`excluded`: the code units it excludes), plain literals between them
 * (none empty, the first character of each one the value before it may hold), a plain prefix and
 * suffix, query expressions at the end (`query`: then no literal holds `?` or `#`).
 */
interface ValueChain {
  readonly prefix: string
  readonly excluded: ReadonlyArray<string>
  readonly literals: ReadonlyArray<string>
  readonly suffix: string
  readonly query: boolean
}

/** The {@link ValueChain} of a template; undefined when it has another shape. */
const valueChain = (parts: ReadonlyArray<Part>): ValueChain | undefined => {
  const [prefix, offset] = typeof parts[0] === "string" ? [parts[0], 1] : ["", 0]
  // Query expressions at the end (`{?rev}`, `{?a}{&b}`): one optional query string, after `?`.
  let length = parts.length
  while (length > offset + 3 && typeof parts[length - 1] === "object" && queryOperators.has((parts[length - 1] as Expression).operator)) {
    length--
  }
  const query = length < parts.length
  // value (literal value)+ suffix?
  const body = parts.slice(offset, length)
  const suffix = body.length % 2 === 0 ? body[body.length - 1] : ""
  const count = Math.ceil(body.length / 2)
  if (count < 2 || typeof suffix !== "string" || !isPlain(prefix) || !isPlain(suffix)) return undefined
  const excluded: Array<string> = []
  const literals: Array<string> = []
  for (let i = 0; i < count; i++) {
    const value = singleValue(body[2 * i])
    if (value === undefined) return undefined
    excluded.push(value)
    if (i === count - 1) break
    const literal = body[2 * i + 1]
    if (typeof literal !== "string" || literal === "" || value.includes(literal[0]!) || !isPlain(literal)) return undefined
    literals.push(literal)
  }
  if (query && /[?#]/.test(prefix + literals.join("") + suffix)) return undefined
  return { prefix, excluded, literals, suffix, query }
}

/** Reused between matches (they are synchronous): `chainEnd`'s position of the `?` that starts the query string (-1: none). */
let question = -1

/**
 * Where the values of a {@link ValueChain} end in `uri` (before the suffix and any query string;
 * the query string's `?` in `question`), or -1 when the URI cannot match: a `#` after the `?`, no
 * room for the values, the prefix or the suffix not there, or a value that would end inside a
 * percent-encoded character.
 */
const chainEnd = (chain: ValueChain, uri: string): number => {
  const start = chain.prefix.length
  // The query string starts at the first `?`: no value nor literal before it may hold one.
  question = chain.query ? uri.indexOf("?", start) : -1
  if (question !== -1 && uri.includes("#", question)) return -1
  const end = (question === -1 ? uri.length : question) - chain.suffix.length
  if (end <= start || !uri.startsWith(chain.prefix) || !uri.startsWith(chain.suffix, end) || !valueMayEndAt(uri, end)) return -1
  return end
}

/** The captures of the values (`values` slots) followed, with a query expression, by the query string's. */
const chainCaptures = (chain: ValueChain, values: number, uri: string): Int32Array => {
  const captures = new Int32Array(values + (chain.query ? 2 : 0))
  if (chain.query) {
    captures[values] = question === -1 ? -1 : question + 1
    captures[values + 1] = question === -1 ? -1 : uri.length
  }
  return captures
}

/**
 * For the shape most templates with two values have, `prefix{+x}literal{y}suffix` (a
 * {@link ValueChain} of two: `repo://{+dir}/{file}`, `users://{org}-{name}.json`,
 * `repo://{+dir}/{file}{?rev}`), the captures `run` finds, in one pass over the URI: `x` ends at
 * the first occurrence of the literal after which `y` (all that is left but the suffix) holds
 * none of the code units it excludes, where values may end. `run` tried the literal's occurrences
 * one by one, about a dozen steps each: a 4 KB `repo://d/d/…/f` took 20 times as long as one
 * without slashes.
 */
const twoValues = (chain: ValueChain): ((uri: string) => Int32Array | undefined) => {
  const setX = charSet(chain.excluded[0]!)
  const setY = charSet(chain.excluded[1]!)
  const literal = chain.literals[0]!
  const start = chain.prefix.length
  return (uri) => {
    const end = chainEnd(chain, uri)
    if (end === -1) return undefined
    // `y` starts after the last code unit it excludes, at the latest one before `end`.
    let lowestY = end
    while (lowestY > start && !has(setY, uri, lowestY - 1)) lowestY--
    // `x` is not empty and ends before the first code unit it excludes.
    let highestX = start
    while (highestX < end && !has(setX, uri, highestX)) highestX++
    for (
      let at = uri.indexOf(literal, Math.max(start + 1, lowestY - literal.length));
      at !== -1 && at <= highestX && at + literal.length < end;
      at = uri.indexOf(literal, at + 1)
    ) {
      if (!valueMayEndAt(uri, at)) continue
      const captures = chainCaptures(chain, 4, uri)
      captures[0] = start
      captures[1] = at
      captures[2] = at + literal.length
      captures[3] = end
      return captures
    }
    return undefined
  }
}

/** Reused between matches (they are synchronous): `manyValues`'s ends of each value but the last, by start. */
let valueEnds = new Int32Array(1024)

/**
 * For a {@link ValueChain} of three values or more, `prefix{+a}literal{b}literal{c}suffix`
 * (`repo://{+dir}/{name}.{ext}`), the captures `run` finds, in two passes over the URI: from the
 * end, for each value but the last and each position it may start at, where it ends (at the first
 * occurrence of its literal after which the rest matches, as `run` has it); then from the start,
 * value by value. `run` tried the rest after each occurrence of a literal: an 8 KB
 * `repo://d/d/…/f.ts` was read eight times over, against once without slashes.
 */
const manyValues = (chain: ValueChain): ((uri: string) => Int32Array | undefined) => {
  const sets = chain.excluded.map(charSet)
  const literals = chain.literals
  const count = sets.length
  const last = count - 1
  const start = chain.prefix.length
  return (uri) => {
    const end = chainEnd(chain, uri)
    if (end === -1) return undefined
    // Where each value may start, from `floor[i]` on: the last one after the last code unit it
    // excludes; another where it has an end (`valueEnds`).
    const floor = new Int32Array(count).fill(end)
    let lowest = end
    while (lowest > start && !has(sets[last]!, uri, lowest - 1)) lowest--
    floor[last] = lowest
    const stride = end + 1
    if (valueEnds.length < last * stride) valueEnds = new Int32Array(Math.max(last * stride, valueEnds.length * 2))
    const starts = (i: number, at: number): boolean =>
      at < end && at >= floor[i]! && (i === last || valueEnds[i * stride + at] !== -1)
    // Where value `i` ends when it starts at `at` (-1: nowhere): at the lowest position after
    // `at` where its literal begins and the rest matches, none past a code unit it excludes.
    // From the end; the first value's only from where it starts (below).
    for (let i = last - 1; i >= 1; i--) {
      const set = sets[i]!
      const literal = literals[i]!
      const first = literal.charCodeAt(0)
      let next = -1
      for (let at = end - 1; at >= start; at--) {
        if (has(set, uri, at)) next = -1
        // Below, no end can be found: none is.
        else if (next === -1 && at + literal.length < floor[i + 1]!) break
        valueEnds[i * stride + at] = next
        if (next !== -1) floor[i] = at
        if (
          uri.charCodeAt(at) === first && uri.startsWith(literal, at) && valueMayEndAt(uri, at) &&
          starts(i + 1, at + literal.length)
        ) next = at
      }
    }
    // The first value: its literal's first occurrence after which the rest matches, before the
    // first code unit it excludes.
    let highest = start
    while (highest < end && !has(sets[0]!, uri, highest)) highest++
    let firstEnd = -1
    for (
      let at = uri.indexOf(literals[0]!, Math.max(start + 1, floor[1]! - literals[0]!.length));
      at !== -1 && at <= highest;
      at = uri.indexOf(literals[0]!, at + 1)
    ) {
      if (valueMayEndAt(uri, at) && starts(1, at + literals[0]!.length)) {
        firstEnd = at
        break
      }
    }
    if (firstEnd === -1) return undefined
    const captures = chainCaptures(chain, 2 * count, uri)
    let at = start
    for (let i = 0; i < last; i++) {
      const valueEnd = i === 0 ? firstEnd : valueEnds[i * stride + at]!
      if (valueEnd === -1) return undefined
      captures[2 * i] = at
      captures[2 * i + 1] = valueEnd
      at = valueEnd + literals[i]!.length
    }
    if (!starts(last, at)) return undefined
    captures[2 * last] = at
    captures[2 * last + 1] = end
    return captures
  }
}

/**
 * Parse an RFC 6570 URI template once into a matcher and expander.
 *
 * Throws a descriptive `Error` for a malformed template: an unclosed or unmatched brace, an empty
 * expression or variable name, a reserved or unknown operator, an invalid variable name or prefix.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (template: string): UriTemplate => {
  const parts = parseParts(template)
  const expressions = parts.filter((part): part is Expression => typeof part !== "string")
  const all = expressions.flatMap((expression) => expression.vars.map((v) => v.name))
  const variables = [...new Set(all)]
  const listVariables = [
    ...new Set(expressions.flatMap((expression) =>
      listOperators.has(expression.operator) ? expression.vars.filter((v) => v.explode).map((v) => v.name) : []
    ))
  ]
  const checkRepeat = variables.length !== all.length
  const { program, runs, captures, slots } = compile(parts)
  const chain = valueChain(parts)
  const shortcut = chain === undefined ? undefined : chain.literals.length === 1 ? twoValues(chain) : manyValues(chain)
  // Most templates a URI is tried against differ from it in their scheme: refused at once.
  const head = program[0]!
  const prefix = head.op === op.text ? head.text : ""

  // The general matcher: `run`, or on long URIs, where it may take many steps a character (it has
  // a loop that gives back, or one of instructions), `walk` with the guide (see `Guide`), at the
  // cost of one read of the URI from its end.
  const backtracks = program.some((step, pc) =>
    (step.op === op.run && !step.possessive) || (step.op === op.split && step.a < pc) || (step.op === op.jump && step.a < pc)
  )
  let guide: Guide | undefined
  const general = (uri: string): Int32Array | undefined => {
    if (forced === false || (forced === undefined && (!backtracks || uri.length < guideFrom))) {
      return run(program, runs, captures, uri)
    }
    guide ??= new Guide(program)
    const sets = guide.read(uri)
    if (sets === undefined) return run(program, runs, captures, uri)
    return guide.alive(sets[0]!, 0) ? walk(program, guide, sets, captures, uri) : undefined
  }

  const match = (uri: string): Readonly<MatchResult> | undefined => {
    if (uri.length > maxMatchLength || !uri.startsWith(prefix)) return undefined
    const m = shortcut !== undefined && forced === undefined ? shortcut(uri) : general(uri)
    if (m === undefined) return undefined
    const result: MatchResult = {}
    for (const slot of slots) {
      const start = m[2 * slot.group - 2]!
      const raw = start === -1 ? undefined : uri.slice(start, m[2 * slot.group - 1])
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
    for (const part of parts) out += typeof part === "string" ? encodeReserved(part) : expandExpression(template, part, values)
    return out
  }

  return { template, variables, listVariables, match, expand }
}

/** How `matchWith` has `match` take the general matcher: always with a guide, never, or as it sees fit (undefined). */
let forced: boolean | undefined

/**
 * `template.match(uri)` with the general matcher (not a one-pass shortcut) always guided (`true`)
 * or never (`false`): for tests, which check that both find the same.
 *
 * @since 0.2.0
 * @category internal
 * @internal
 */
export const matchWith = (template: UriTemplate, uri: string, guided: boolean): ReturnType<UriTemplate["match"]> => {
  forced = guided
  try {
    return template.match(uri)
  } finally {
    forced = undefined
  }
}

const expressionPattern = /\{[^{}]+\}/

/**
 * Whether a string is a URI template rather than a concrete URI: true when it contains at least
 * one `{expression}`. Use it to tell `resources` registrations from `resourceTemplates` ones.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTemplate = (uri: string): boolean => expressionPattern.test(uri)
