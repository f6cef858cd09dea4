/**
 * Validation of the arguments of tools described by a raw JSON Schema (`Tool.jsonSchema`), with
 * `@cfworker/json-schema` (drafts 4, 7, 2019-09 and 2020-12, interpreted: no code generation, no
 * dependencies).
 *
 * Cold start: this module does not import the library. It is loaded with `import()` when a raw
 * JSON Schema tool is first called, and each tool's schema is compiled once, then; a server
 * without such tools never loads it.
 *
 * Done here without the library:
 * - when the tool is registered, the schema's well-formedness (the shapes its keywords must have
 *   in the meta-schema, valid `pattern`s, known `type` names, local `$ref`s that resolve (and no
 *   `$ref` to another document than the schema's own `$id`s name: none is ever loaded; an `$id`
 *   with a fragment names its subschema, as in the library, not a document nor a base), a known
 *   dialect), so a mistake fails at server start, naming the tool, and not at the first call;
 * - before each validation, the arguments' nesting depth, without recursion: the library recurses
 *   once per level, and a deeply nested value must get an answer, not a stack overflow;
 * - arguments whose keys hold lone surrogates, which the library throws on, are checked with
 *   stand-ins for them (see `withWellFormedKeys`).
 *
 * @internal
 */
import type { OutputUnit, SchemaDraft } from "@cfworker/json-schema"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { clip, maxQuoted } from "../../internal/clip.ts"
import { firstProblemOnly, maxValuesForEveryProblem, moreValuesThan, nestedDeeperThan } from "../../internal/nesting.ts"

/** How many levels of objects and arrays arguments may have (the arguments object is level 1). */
export const maxDepth = 64

/** A tool's argument check, compiled once from its raw JSON Schema. */
export interface ArgumentValidator {
  /**
   * The problems in `args` as a readable list, one `- ` line each (with its instance path), none
   * when they are valid; only the first for arguments of more than `maxValuesForEveryProblem`
   * values (finding them all is slow, and the library's stack overflows past about 100,000).
   * Synchronous (an `Exit`) once the library is loaded and the schema compiled, which the first
   * call does; a schema the library cannot use is a defect.
   */
  readonly validate: (args: unknown) => Effect.Effect<ReadonlyArray<string>>
}

/**
 * Checks `schema` (a tool's `inputSchema`) and prepares its validator, without loading the
 * library. Throws an `Error` naming `tool` when the schema is not a well-formed JSON Schema.
 */
export const make = (tool: string, schema: { readonly [key: string]: unknown }): ArgumentValidator => {
  // What clients see (the wire form), and a private copy: the library annotates the schema objects
  // it compiles, and a caller's later changes must not reach the compiled schema.
  let copy: { [key: string]: unknown }
  let source: string
  try {
    source = JSON.stringify(schema)
    copy = JSON.parse(source)
  } catch (error) {
    throw invalidSchema(tool, "", `not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const draft = draftOf(tool, copy["$schema"])
  checkSchema(tool, copy, draft)

  let check: Checks | undefined
  const compile = Effect.map(
    Effect.promise(loadLibrary),
    (library) => {
      if (check !== undefined) return check
      // The one stopping at the first problem is compiled when first needed, from a copy of its own.
      let first: ((args: unknown) => ReadonlyArray<string>) | undefined
      return check = {
        every: compileWith(library, copy, draft, false),
        first: (args) => (first ??= compileWith(library, JSON.parse(source), draft, true))(args)
      }
    }
  )
  // The library writes each key it descends into in a URI (`encodeURIComponent`), which throws on a
  // lone surrogate ("\ud800", which JSON may carry): such arguments are checked again with those
  // keys made well-formed (see `withWellFormedKeys`), not answered as a masked internal error.
  const checked = (check: Checks, args: unknown): ReadonlyArray<string> => {
    try {
      return checkedAsSent(check, args)
    } catch (error) {
      if (!(error instanceof URIError)) throw error
      const wellFormed = withWellFormedKeys(args)
      return wellFormed === undefined ? [loneSurrogateNote] : checkedAsSent(check, wellFormed.value)
    }
  }
  // Valid arguments take one validation, stopping at the first problem (as fast as any when
  // there is none). Invalid ones are checked again for every problem, unless they hold more than
  // `maxValuesForEveryProblem` values: those are told their first problem only.
  const checkedAsSent = (check: Checks, args: unknown): ReadonlyArray<string> => {
    let first: ReadonlyArray<string>
    try {
      first = check.first(args)
    } catch (error) {
      // The library gathers the problems of `additionalProperties` even when it stops at the first
      // (@cfworker/json-schema 4), and its stack overflows past about 100,000 of them.
      if (error instanceof RangeError) return [largeNote, "- too many problems to list"]
      throw error
    }
    if (first.length === 0) return first
    if (!moreValuesThan(args, maxValuesForEveryProblem)) return check.every(args)
    return [largeNote, first[0]!]
  }
  return {
    validate: (args) => {
      if (nestedDeeperThan(args, maxDepth)) return Exit.succeed([`- nested deeper than ${maxDepth} levels of objects and arrays`])
      if (check === undefined) return Effect.map(compile, (check) => checked(check, args))
      try {
        return Exit.succeed(checked(check, args))
      } catch (defect) {
        return Exit.die(defect)
      }
    }
  }
}

const largeNote = `- (${firstProblemOnly})`

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const loneSurrogateNote = "- at the root: property names holding lone surrogates that cannot be told apart"

/**
 * A copy of `value` whose object keys hold no lone surrogate: each is a character of the private
 * use plane 15 (U+F0000 + its offset from U+D800), one code point too, matched by the same
 * negations and `.`; distinct keys stay distinct (`undefined` when one meets a key sent as it is).
 * Without recursion (arguments are at most `maxDepth` levels deep, but may be wide); made only for
 * arguments the library could not check as sent.
 */
const withWellFormedKeys = (value: unknown): { readonly value: unknown } | undefined => {
  const root: Record<string, unknown> = {}
  const pending: Array<{ readonly from: unknown; readonly into: Record<string, unknown>; readonly key: string }> = [
    { from: value, into: root, key: "value" }
  ]
  while (pending.length > 0) {
    const { from, into, key } = pending.pop()!
    if (Array.isArray(from)) {
      const copy: Array<unknown> = []
      into[key] = copy
      for (let i = 0; i < from.length; i++) pending.push({ from: from[i], into: copy as never, key: String(i) })
    } else if (isObject(from)) {
      const copy: Record<string, unknown> = {}
      into[key] = copy
      const names = Object.keys(from)
      const wellFormed = names.map((name) =>
        name.replace(loneSurrogate, (unit) => String.fromCodePoint(0xF0000 + unit.charCodeAt(0) - 0xD800))
      )
      if (new Set(wellFormed).size !== names.length) return undefined
      for (let i = 0; i < names.length; i++) pending.push({ from: from[names[i]!], into: copy, key: wellFormed[i]! })
    } else {
      into[key] = from
    }
  }
  return { value: root.value }
}

// ---------------------------------------------------------------------------
// The library, loaded on first use
// ---------------------------------------------------------------------------

type Library = typeof import("@cfworker/json-schema")

let library: Promise<Library> | undefined

const loadLibrary = (): Promise<Library> => library ??= import("@cfworker/json-schema")

/** Both validators of a schema: one finding every problem, one stopping at the first. */
interface Checks {
  readonly every: (args: unknown) => ReadonlyArray<string>
  readonly first: (args: unknown) => ReadonlyArray<string>
}

const compileWith = (lib: Library, schema: { [key: string]: unknown }, draft: SchemaDraft, shortCircuit: boolean) => {
  const validator = new lib.Validator(schema as never, draft, shortCircuit)
  return (args: unknown): ReadonlyArray<string> => {
    const result = validator.validate(args)
    return result.valid ? [] : describe(result.errors)
  }
}

/**
 * The library's output units as a readable list. A unit that only says a nested one failed
 * ("Property "a" does not match schema.", "A subschema had errors.") is left out for the nested
 * one; the alternatives under a failed `anyOf`/`oneOf` are indented under it; a property or item
 * refused by a `false` schema is named as unexpected.
 */
const describe = (units: ReadonlyArray<OutputUnit>): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let alternatives: string | undefined
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!
    const next = units[i + 1]
    const bullet = alternatives !== undefined && unit.keywordLocation.startsWith(alternatives + "/") ? "  - " : "- "
    if (bullet === "- ") alternatives = undefined
    if (unit.keyword === "false") {
      lines.push(`${bullet}at ${pathOf(unit.instanceLocation)}: ${refusedBy(units[i - 1]?.keyword)}`)
      continue
    }
    if (unit.keyword === "anyOf" || unit.keyword === "oneOf") {
      if (bullet === "- ") alternatives = unit.keywordLocation
    } else if (next !== undefined && (next.keyword === "false" || next.keywordLocation.startsWith(unit.keywordLocation + "/"))) {
      continue
    }
    lines.push(`${bullet}at ${pathOf(unit.instanceLocation)}: ${unit.error}`)
  }
  return lines.length > 0 ? lines : units.map((unit) => `- at ${pathOf(unit.instanceLocation)}: ${unit.error}`)
}

const refusedBy = (keyword: string | undefined): string => {
  switch (keyword) {
    case "additionalProperties":
    case "unevaluatedProperties":
      return `unexpected property (${keyword} is false)`
    case "items":
    case "prefixItems":
    case "additionalItems":
    case "unevaluatedItems":
      return `unexpected item (${keyword} is false)`
    default:
      return "not allowed (false schema)"
  }
}

/**
 * An instance location (`#/a/b%20c`) as a JSON Pointer (`/a/b c`), or "the root". Its segments
 * are the client's keys: each is clipped, as other client text quoted in a message is.
 */
const pathOf = (location: string): string => {
  if (location === "#" || location === "") return "the root"
  const pointer = location.startsWith("#") ? location.slice(1) : location
  let decoded: string
  try {
    decoded = decodeURIComponent(pointer)
  } catch {
    decoded = pointer
  }
  // A `/` in a key is `~1` in the pointer: splitting on `/` finds the segments.
  return decoded.length <= maxQuoted ? decoded : decoded.split("/").map((segment) => clip(segment)).join("/")
}

// ---------------------------------------------------------------------------
// The schema's well-formedness, checked at registration
// ---------------------------------------------------------------------------

const invalidSchema = (tool: string, at: string, problem: string): Error =>
  new Error(`Tool ${tool}: invalid JSON Schema in inputSchema${at === "" ? "" : ` at ${at}`}: ${problem}`)

/** The dialects the library implements, by their `$schema` URI (trailing `#` and scheme ignored). */
const dialects: ReadonlyMap<string, SchemaDraft> = new Map<string, SchemaDraft>([
  ["json-schema.org/draft/2020-12/schema", "2020-12"],
  ["json-schema.org/draft/2019-09/schema", "2019-09"],
  ["json-schema.org/draft-07/schema", "7"],
  ["json-schema.org/draft-04/schema", "4"]
])

/** The draft named by `$schema`; MCP's default, 2020-12, without one. */
const draftOf = (tool: string, $schema: unknown): SchemaDraft => {
  if ($schema === undefined) return "2020-12"
  if (typeof $schema !== "string") throw invalidSchema(tool, "/$schema", "must be a string")
  const draft = dialects.get($schema.replace(/^https?:\/\//, "").replace(/#$/, ""))
  if (draft === undefined) {
    throw invalidSchema(
      tool,
      "/$schema",
      `unsupported dialect ${JSON.stringify($schema)} (supported: JSON Schema 2020-12, 2019-09, draft-07, draft-04)`
    )
  }
  return draft
}

/** What a keyword's value must be, as the meta-schemas say. */
type Shape =
  | "schema"
  | "schemas"
  | "schemaMap"
  | "patternMap"
  | "items"
  | "dependencies"
  | "type"
  | "array"
  | "strings"
  | "stringsMap"
  | "count"
  | "number"
  | "exclusive"
  | "positive"
  | "boolean"
  | "string"
  | "regex"
  | "unsupported"

const shapes: ReadonlyMap<string, Shape> = new Map<string, Shape>([
  ["not", "schema"],
  ["if", "schema"],
  ["then", "schema"],
  ["else", "schema"],
  ["contains", "schema"],
  ["propertyNames", "schema"],
  ["additionalProperties", "schema"],
  ["unevaluatedProperties", "schema"],
  ["unevaluatedItems", "schema"],
  ["additionalItems", "schema"],
  ["items", "items"],
  ["allOf", "schemas"],
  ["anyOf", "schemas"],
  ["oneOf", "schemas"],
  ["prefixItems", "schemas"],
  ["properties", "schemaMap"],
  ["$defs", "schemaMap"],
  ["definitions", "schemaMap"],
  ["dependentSchemas", "schemaMap"],
  ["patternProperties", "patternMap"],
  ["dependencies", "dependencies"],
  ["type", "type"],
  ["enum", "array"],
  ["required", "strings"],
  ["dependentRequired", "stringsMap"],
  ["maxLength", "count"],
  ["minLength", "count"],
  ["maxItems", "count"],
  ["minItems", "count"],
  ["maxContains", "count"],
  ["minContains", "count"],
  ["maxProperties", "count"],
  ["minProperties", "count"],
  ["maximum", "number"],
  ["minimum", "number"],
  ["exclusiveMaximum", "exclusive"],
  ["exclusiveMinimum", "exclusive"],
  ["multipleOf", "positive"],
  ["uniqueItems", "boolean"],
  ["pattern", "regex"],
  ["$ref", "string"],
  ["$id", "string"],
  ["$anchor", "string"],
  ["$schema", "string"],
  ["$comment", "string"],
  ["format", "string"],
  // Not implemented by the library: it would be ignored, and arguments it should refuse let through.
  ["$dynamicRef", "unsupported"]
])

const typeNames = new Set(["array", "boolean", "integer", "null", "number", "object", "string"])

const isObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isSchema = (value: unknown): boolean => typeof value === "boolean" || isObject(value)

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1")

const validRegex = (pattern: string): string | undefined => {
  try {
    new RegExp(pattern, "u")
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/**
 * Walks the schema (iteratively) and throws on the first keyword whose value has the wrong shape,
 * then on a `$ref` that cannot resolve: when no `$id` changes the base URI, a reference must be
 * `#`, a JSON Pointer fragment into this schema or a `#name` of an `$anchor` in it (no other
 * schema is ever loaded); with `$id`s, a reference must name a document one of them names.
 */
const checkSchema = (tool: string, root: { readonly [key: string]: unknown }, draft: SchemaDraft): void => {
  const refs: Array<{ readonly ref: string; readonly at: string; readonly base: string | undefined }> = []
  const anchors = new Set<string>()
  // The documents the schema's `$id`s name (absolute, without fragment).
  const documents = new Set<string>()
  // The absolute URIs of `$id`s with a fragment (`https://x#foo`), which the library takes as names
  // of their subschemas (references reach them by that URI only), not as bases.
  const named = new Set<string>()
  let hasId = false
  const pending: Array<{ readonly schema: unknown; readonly at: string; readonly base: string | undefined }> = [
    { schema: root, at: "", base: undefined }
  ]
  while (pending.length > 0) {
    const { schema, at, base: parentBase } = pending.pop()!
    if (!isObject(schema)) continue // booleans are whole schemas
    // An `$id` (or `id`, which the library reads in every draft) sets the base URI of the schema
    // and its subschemas.
    // One with a fragment names the schema and leaves the base as it was.
    const id = typeof schema["$id"] === "string" && schema["$id"] !== "" ? schema["$id"] : schema["id"]
    const idUri = typeof id === "string" ? absolute(id, parentBase) : undefined
    const base = idUri === undefined || idUri.fragment !== "" ? parentBase : idUri.document
    if (idUri !== undefined) {
      if (idUri.fragment === "") documents.add(idUri.document)
      else named.add(idUri.href)
    }
    for (const keyword of Object.keys(schema)) {
      const value = schema[keyword]
      const where = `${at}/${escapePointer(keyword)}`
      const fail = (problem: string) => invalidSchema(tool, where, problem)
      const subschema = (value: unknown, at: string) => {
        if (!isSchema(value)) throw invalidSchema(tool, at, "must be a schema (an object or a boolean)")
        pending.push({ schema: value, at, base })
      }
      const entries = (problem: string) => {
        if (!isObject(value)) throw fail(problem)
        return Object.entries(value)
      }
      switch (shapes.get(keyword)) {
        case undefined:
          break // unknown keywords are allowed (annotations, extensions)
        case "schema":
          subschema(value, where)
          break
        case "schemas":
          if (!Array.isArray(value) || value.length === 0) throw fail("must be a non-empty array of schemas")
          for (let i = 0; i < value.length; i++) subschema(value[i], `${where}/${i}`)
          break
        case "items":
          if (Array.isArray(value) && draft !== "2020-12") {
            for (let i = 0; i < value.length; i++) subschema(value[i], `${where}/${i}`)
          } else {
            subschema(value, where)
          }
          break
        case "schemaMap":
          for (const [key, item] of entries("must be an object of schemas")) subschema(item, `${where}/${escapePointer(key)}`)
          break
        case "patternMap":
          for (const [key, item] of entries("must be an object of schemas keyed by regular expressions")) {
            const problem = validRegex(key)
            if (problem !== undefined) throw fail(`${JSON.stringify(key)} is not a valid regular expression: ${problem}`)
            subschema(item, `${where}/${escapePointer(key)}`)
          }
          break
        case "dependencies":
          for (const [key, item] of entries("must be an object")) {
            if (Array.isArray(item)) {
              if (!item.every((name) => typeof name === "string")) throw fail(`${JSON.stringify(key)} must be an array of strings or a schema`)
            } else {
              subschema(item, `${where}/${escapePointer(key)}`)
            }
          }
          break
        case "type": {
          const names = Array.isArray(value) ? value : [value]
          if (Array.isArray(value) && value.length === 0) throw fail("must not be empty")
          for (const name of names) {
            if (typeof name !== "string" || !typeNames.has(name)) {
              throw fail(`${JSON.stringify(name)} is not a type (${[...typeNames].join(", ")})`)
            }
          }
          if (new Set(names).size !== names.length) throw fail("must not repeat a type")
          break
        }
        case "array":
          if (!Array.isArray(value)) throw fail("must be an array")
          break
        case "strings":
          if (!Array.isArray(value) || !value.every((name) => typeof name === "string")) throw fail("must be an array of strings")
          break
        case "stringsMap":
          for (const [key, item] of entries("must be an object of string arrays")) {
            if (!Array.isArray(item) || !item.every((name) => typeof name === "string")) {
              throw fail(`${JSON.stringify(key)} must be an array of strings`)
            }
          }
          break
        case "count":
          if (!Number.isSafeInteger(value) || (value as number) < 0) throw fail("must be a non-negative integer")
          break
        case "number":
          if (typeof value !== "number") throw fail("must be a number")
          break
        case "exclusive":
          // draft-04: a boolean modifying minimum/maximum; since draft-06, the bound itself.
          if (typeof value !== "number" && !(draft === "4" && typeof value === "boolean")) throw fail("must be a number")
          break
        case "positive":
          if (typeof value !== "number" || !(value > 0)) throw fail("must be a number greater than 0")
          break
        case "boolean":
          if (typeof value !== "boolean") throw fail("must be a boolean")
          break
        case "string":
          if (typeof value !== "string") throw fail("must be a string")
          if (keyword === "$ref") refs.push({ ref: value, at: where, base })
          else if (keyword === "$anchor") anchors.add(value)
          else if (keyword === "$id") hasId = true
          break
        case "regex": {
          if (typeof value !== "string") throw fail("must be a string")
          const problem = validRegex(value)
          if (problem !== undefined) throw fail(`not a valid regular expression: ${problem}`)
          break
        }
        case "unsupported":
          throw fail(`${keyword} is not supported by this server's validator`)
      }
    }
    // draft-04's `id` (a plain annotation in later drafts, but the library reads it in every one).
    if (typeof schema["id"] === "string") hasId = true
  }
  // With an `$id`, references resolve against base URIs the library works out; it reports those
  // into the schema's own documents at the call. One naming another document (a network `$ref`)
  // never resolves: it is never loaded, and MCP (2026-07-28) forbids relying on clients to.
  if (hasId) {
    for (const { ref, at, base } of refs) {
      // Outside every `$id`'s subschemas, an absolute reference (a relative one is left to the library).
      const target = absolute(ref, base)
      if (target !== undefined && !documents.has(target.document) && !named.has(target.href)) {
        throw invalidSchema(
          tool,
          at,
          `$ref ${JSON.stringify(ref)} names another document (${target.document}), which is never loaded (only references into this schema resolve)`
        )
      }
    }
    return
  }
  for (const { ref, at } of refs) {
    if (!resolves(root, anchors, ref)) {
      throw invalidSchema(tool, at, `$ref ${JSON.stringify(ref)} does not resolve (only references into this schema are)`)
    }
  }
}

/**
 * `uri` made absolute against `base` as the library does (its fragment normalized as the library
 * normalizes it): the whole URI, its document's (without fragment) and its fragment (`""` when it
 * has none or an empty one); `undefined` when it is not absolute.
 */
const absolute = (
  uri: string,
  base: string | undefined
): { readonly href: string; readonly document: string; readonly fragment: string } | undefined => {
  try {
    const url = new URL(uri, base)
    const fragment = url.hash.length > 1 ? normalizeFragment(url.hash.slice(1)) : ""
    url.hash = ""
    return { href: fragment === "" ? url.href : `${url.href}#${fragment}`, document: url.href, fragment }
  } catch {
    return undefined
  }
}

const fragmentCharacter = /^[A-Za-z0-9._~!$&'()*+,;=:@/?-]$/
const percentEncoded = /^%[0-9A-Fa-f]{2}$/
const unreservedCharacter = /^[A-Za-z0-9._~-]$/

/** A URI fragment as the library writes it in its lookup keys (`normalizeURIFragment` in its `dereference`). */
const normalizeFragment = (fragment: string): string => {
  let normalized = ""
  for (let index = 0; index < fragment.length;) {
    const encoded = fragment.slice(index, index + 3)
    if (fragment[index] === "%" && percentEncoded.test(encoded)) {
      const decoded = String.fromCharCode(Number.parseInt(encoded.slice(1), 16))
      normalized += unreservedCharacter.test(decoded) ? decoded : encoded.toUpperCase()
      index += 3
      continue
    }
    const character = String.fromCodePoint(fragment.codePointAt(index)!)
    normalized += fragmentCharacter.test(character) ? character : encodeURIComponent(character)
    index += character.length
  }
  return normalized
}

const resolves = (root: unknown, anchors: ReadonlySet<string>, ref: string): boolean => {
  if (!ref.startsWith("#")) return false
  let fragment: string
  try {
    fragment = decodeURIComponent(ref.slice(1))
  } catch {
    return false
  }
  if (fragment === "") return true
  if (!fragment.startsWith("/")) return anchors.has(fragment)
  let target: unknown = root
  for (const token of fragment.slice(1).split("/")) {
    const key = token.replace(/~1/g, "/").replace(/~0/g, "~")
    if (Array.isArray(target)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= target.length) return false
      target = target[Number(key)]
    } else if (isObject(target) && Object.hasOwn(target, key)) {
      target = target[key]
    } else {
      return false
    }
  }
  return isSchema(target)
}
