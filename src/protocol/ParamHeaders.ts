/**
 * The `Mcp-Param-*` headers of MCP 2026-07-28 over HTTP (SEP-2243): a tool argument whose schema
 * property carries `"x-mcp-header": "<Name>"` is mirrored by the client into the header
 * `Mcp-Param-<Name>`, so that intermediaries can route on it; the server checks that header and
 * body agree (else -32020, HTTP 400). Values outside visible ASCII travel as
 * `=?base64?<base64 of UTF-8>?=`; integers compare as numbers. Pure functions.
 *
 * @since 0.2.0
 */

/** One mirrored argument: where it sits in the arguments and the header carrying it (lower case). */
export interface ParamHeader {
  readonly path: ReadonlyArray<string>
  readonly header: string
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * How deep the schema walks go (levels of subschemas): clients mirror a declaration at any depth,
 * so the bound is only there to end a schema built in code that holds a cycle.
 */
const maxDepth = 64

/**
 * The mirrored arguments a tool's input schema declares: `x-mcp-header` on a property of type
 * string, integer or boolean, reachable through `properties` only; names that are not HTTP tokens
 * are ignored (clients drop such tools).
 */
export const paramHeadersOf = (inputSchema: unknown): ReadonlyArray<ParamHeader> => {
  const found: Array<ParamHeader> = []
  const walk = (schema: unknown, path: ReadonlyArray<string>, depth: number) => {
    if (depth > maxDepth || typeof schema !== "object" || schema === null) return
    const properties = (schema as { readonly properties?: unknown }).properties
    if (typeof properties !== "object" || properties === null) return
    for (const [name, property] of Object.entries(properties)) {
      if (typeof property !== "object" || property === null) continue
      const header = (property as { readonly "x-mcp-header"?: unknown })["x-mcp-header"]
      const type = (property as { readonly type?: unknown }).type
      if (typeof header === "string" && token.test(header) && (type === "string" || type === "integer" || type === "boolean")) {
        found.push({ path: [...path, name], header: `mcp-param-${header.toLowerCase()}` })
      }
      walk(property, [...path, name], depth + 1)
    }
  }
  walk(inputSchema, [], 0)
  return found
}

/** The keywords whose subschemas are not reached through `properties` (an `x-mcp-header` there is invalid). */
const unreachable = [
  "items",
  "prefixItems",
  "contains",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "not",
  "if",
  "then",
  "else",
  "allOf",
  "anyOf",
  "oneOf",
  "patternProperties",
  "dependentSchemas",
  "$defs",
  "definitions"
] as const

/** Of {@link unreachable}, the keywords whose value maps names to subschemas. */
const schemaMaps: ReadonlySet<string> = new Set(["patternProperties", "dependentSchemas", "$defs", "definitions"])

/**
 * What makes a tool's `x-mcp-header` declarations invalid by SEP-2243, the first found, or
 * `undefined` when they are valid (or there are none): a name that is not a non-empty HTTP token,
 * two names equal but for case, a property not of type string, integer or boolean (`number`, a
 * list of types, none), or a declaration not reached from the root through `properties` only
 * (under `items`, `anyOf`, `$defs`...). Clients on Streamable HTTP must leave such a tool out of
 * their tool list, so a server says so when it is registered (the declarations that are valid are
 * still checked, see {@link paramHeadersOf}).
 *
 * @since 0.2.0
 */
export const declarationProblem = (inputSchema: unknown): string | undefined => {
  const names = new Map<string, string>()
  const walk = (schema: unknown, at: string, reachable: boolean, depth: number): string | undefined => {
    if (depth > maxDepth || typeof schema !== "object" || schema === null) return undefined
    const node = schema as { readonly [key: string]: unknown }
    if (Object.hasOwn(node, "x-mcp-header")) {
      const header = node["x-mcp-header"]
      const where = at === "" ? "the root" : at
      if (!reachable || at === "") {
        return `${where}: x-mcp-header is allowed only on a property reached from the root through "properties" alone`
      }
      if (typeof header !== "string" || header === "") return `${where}: x-mcp-header must be a non-empty string`
      if (!token.test(header)) {
        return `${where}: x-mcp-header ${JSON.stringify(header)} is not an HTTP header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_\`|~)`
      }
      const type = node["type"]
      if (type !== "string" && type !== "integer" && type !== "boolean") {
        return `${where}: x-mcp-header is allowed only on a property of type "string", "integer" or "boolean", not ${
          type === undefined ? "one without a type" : JSON.stringify(type)
        }`
      }
      const other = names.get(header.toLowerCase())
      if (other !== undefined) return `${where}: x-mcp-header ${JSON.stringify(header)} is declared twice, ignoring case (also as ${JSON.stringify(other)})`
      names.set(header.toLowerCase(), header)
    }
    const properties = node["properties"]
    if (typeof properties === "object" && properties !== null) {
      for (const [name, property] of Object.entries(properties)) {
        const problem = walk(property, `${at}/properties/${name}`, reachable, depth + 1)
        if (problem !== undefined) return problem
      }
    }
    for (const keyword of unreachable) {
      const value = node[keyword]
      if (typeof value !== "object" || value === null) continue
      const entries = Array.isArray(value)
        ? value.map((schema, index) => [`${index}`, schema] as const)
        : schemaMaps.has(keyword)
        ? Object.entries(value)
        : [["", value] as const]
      for (const [key, schema] of entries) {
        const problem = walk(schema, key === "" ? `${at}/${keyword}` : `${at}/${keyword}/${key}`, false, depth + 1)
        if (problem !== undefined) return problem
      }
    }
    return undefined
  }
  return walk(inputSchema, "", true, 0)
}

const sentinel = /^=\?base64\?(.*)\?=$/
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/**
 * What a value may hold as it is: printable US-ASCII and the horizontal tab, the characters of an
 * RFC 9110 field value that SEP-2243 lets a client send unencoded (the SDK v2 client sends a tab
 * inside a value as it is); anything else (Node reads header bytes as Latin-1) is invalid.
 */
const printable = /^[\t\x20-\x7e]*$/

let strictDecoder: InstanceType<typeof TextDecoder> | undefined

/**
 * Bytes as UTF-8 text, or `undefined` when they are not UTF-8 (a lenient decoder would put U+FFFD
 * in their place: a value no client encoded, that an argument holding U+FFFD would match). A byte
 * order mark is kept: it is part of the value the client encoded.
 */
const utf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return (strictDecoder ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })).decode(bytes)
  } catch {
    return undefined
  }
}

/** Whether a character code is optional whitespace (RFC 9110 OWS: space, horizontal tab). */
const isOws = (code: number): boolean => code === 0x20 || code === 0x09

/**
 * `value` without the optional whitespace around it (RFC 9110: spaces and tabs only). Not
 * `String.prototype.trim`, which also takes U+00A0 away: the byte 0xA0 as Node reads a header
 * (Latin-1), a character outside ASCII that a value may not carry raw.
 */
const withoutOws = (value: string): string => {
  let start = 0
  let end = value.length
  while (start < end && isOws(value.charCodeAt(start))) start++
  while (end > start && isOws(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/**
 * A mirrored header value (`Mcp-Name`, `Mcp-Param-*`) as the text it stands for: without the
 * optional whitespace around it (spaces and tabs, RFC 9110), the `=?base64?…?=` form decoded
 * (UTF-8), any other value as it is; `undefined` when the value is invalid: a base64 form that is
 * not base64, or whose bytes are not UTF-8, or characters outside printable US-ASCII and the tab
 * (0xA0 at either end included), which a client must send base64-encoded (SEP-2243: servers reject such
 * values, so that the server and an intermediary reading the bytes differently never see two
 * different values).
 */
export const decodeHeaderValue = (header: string): string | undefined => {
  if (plainValue(header)) return header
  const value = withoutOws(header)
  const match = sentinel.exec(value)
  if (match === null) return printable.test(value) ? value : undefined
  const encoded = match[1]!
  return base64.test(encoded) ? utf8(Buffer.from(encoded, "base64")) : undefined
}

/**
 * Whether a header value is its own text (the usual one, `Mcp-Name: echo`): printable US-ASCII and
 * tabs, no optional whitespace around it, not the `=?base64?…?=` form. {@link decodeHeaderValue}'s
 * fast path, a loop over the characters, no regular expression (measured, callgrind of
 * bench/http-profile.ts: the two expressions of the general path cost ~500 instructions per
 * 2026-07-28 call).
 */
const plainValue = (value: string): boolean => {
  const length = value.length
  if (length === 0) return true
  if (isOws(value.charCodeAt(0)) || isOws(value.charCodeAt(length - 1))) return false
  if (length > 1 && value.charCodeAt(0) === 0x3d && value.charCodeAt(1) === 0x3f) return false // "=?"
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i)
    if ((code < 0x20 || code > 0x7e) && code !== 0x09) return false
  }
  return true
}

/**
 * Decimal digits (leading zeros, a sign, a fraction and an exponent allowed): an integer argument's
 * header compares numerically, but only when it is written as a decimal number (not `0x2a`,
 * `Infinity`, or an empty value, which `Number` would also read).
 */
const numeric = /^[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/

/** Why {@link decodeHeaderValue} refuses a value, for error messages. */
export const invalidValue = "a raw character outside printable ASCII and tab, or an invalid =?base64?…?= form (not base64, or not UTF-8)"

/**
 * Checks the mirrored headers of a call against its arguments: `undefined` when they agree, else
 * what is wrong (a header missing while the argument is present, a value that differs, an invalid
 * base64 form). Arguments that are absent or null need no header, nor integers outside the safe
 * range (no client can mirror them exactly); objects and arrays are not checked (the tool's
 * validation refuses them); a header sent for any of these is only refused when its value is
 * invalid. `received`: the request's headers
 * by lower-case name, as a record or a lookup (`HttpRequestInfo.header`, which copies nothing).
 */
export const check = (
  headers: ReadonlyArray<ParamHeader>,
  args: unknown,
  received: { readonly [name: string]: string | undefined } | ((name: string) => string | undefined)
): string | undefined => {
  for (const { header, path } of headers) {
    let value: unknown = args
    for (const key of path) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined
    const raw = typeof received === "function" ? received(header) : received[header]
    // No value to mirror (absent, null), or none a header can mirror (an object or array: the
    // arguments break the tool's schema, which declares a string, integer or boolean here, for its
    // validation to say so; never turned into text: `String` of an array nested thousands deep
    // overflows the stack). A header sent anyway is not expected nor compared (clients omit it),
    // but one holding invalid characters is refused, as any recognized one is (SEP-2243).
    if (value === undefined || value === null || typeof value === "object") {
      if (raw !== undefined && decodeHeaderValue(raw) === undefined) return `${header} has an invalid value (${invalidValue})`
      continue
    }
    if (raw === undefined) {
      // An integer beyond ±(2^53 - 1) has no exact value a client could mirror (SEP-2243 keeps
      // mirrored integers in that range; the SDK v2 client sends no header for one), so none is
      // required; one sent is still compared.
      if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) continue
      return `${header} is missing (the argument ${path.join(".")} is set)`
    }
    const text = decodeHeaderValue(raw)
    if (text === undefined) return `${header} has an invalid value (${invalidValue})`
    const agrees = typeof value === "number" ? numeric.test(text) && Number(text) === value : text === String(value)
    if (!agrees) return `${header} does not match the argument ${path.join(".")}`
  }
  return undefined
}
