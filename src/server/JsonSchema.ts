/**
 * JSON Schema 2020-12 for the LLM-facing parts of MCP: tool `inputSchema` / `outputSchema`,
 * prompt-argument descriptions and the restricted `requestedSchema` of form elicitation.
 *
 * Everything is derived from Effect Schemas through `Schema.toJsonSchemaDocument`, with the schema
 * prepared beforehand and the output tidied afterwards so that it describes what a client can
 * actually send as JSON:
 *
 * - `Schema.Number` is `{ type: "number" }`: the `"NaN"` / `"Infinity"` string alternatives of
 *   Effect's canonical JSON codec are not offered (tool arguments cannot carry them), and the
 *   checks and annotations of the field are kept (Effect drops them on that path).
 * - `Schema.Int` is `{ type: "integer" }`, without the ±`Number.MAX_SAFE_INTEGER` bounds.
 * - `Schema.optional(X)` / `Schema.optionalKey(X)` fields are absent from `required` and never
 *   nullable (Effect's JSON codec would accept `null` for `optional`); only `Schema.NullOr` is. In
 *   an output schema, an array's `Schema.optional(X)` element (of a tuple, or its rest) is
 *   nullable: a tool's `undefined` there is sent as `null`, an array having no holes.
 * - String `isMinLength(n)` / `isBetweenLength(n, m)` give `minLength: n` in an input schema
 *   (the checks count UTF-16 code units, JSON Schema code points: a string of `n` code points has
 *   at least `n` units) and, as Effect does, `minLength: ceil(n / 2)` in an output schema, which
 *   clients validate results with (`"😀"` is 2 units, 1 code point). `isMaxLength(n)` is
 *   `maxLength: n` in both: no string has more code points than units, but `n` characters outside
 *   the BMP are `2n` units, which the check refuses though the schema allows them; `isPattern` gives
 *   `pattern` also for a RegExp without the `u` flag, its needless escapes dropped (`\-` is `-`,
 *   `\p` is `p`: clients compile patterns as Unicode RegExps), its flags written into it (JSON
 *   Schema patterns have none: `s` makes `.` `[\s\S]`, `m` makes `^` / `$` match at line ends,
 *   `i` makes `a` `[Aa]` and each class the class of what it matches ignoring case), or none when
 *   it still is not a valid Unicode RegExp, holds characters outside the BMP, has `i` and a
 *   backreference, or has the `v` flag (on strings with characters outside the BMP, `.` and
 *   negations still count code points, not units: an output schema lets such strings through,
 *   see {@link toolOutputSchema}). A RegExp with the `u` flag has its `i`, `m` and
 *   `s` written in the same way, `i` by Unicode case folding (`[a-z]` with `iu` matches `ſ` and the
 *   Kelvin sign, and so do `\w` and `\b`). `elicitationSchema` leaves out a pattern with `i`, `m`
 *   or `s` (and refuses others). Every pattern is written in the syntax Python's `re` (the Python
 *   SDK client's `jsonschema`) reads as ECMAScript does: `\p{...}`, `\d`, `\w`, `\s` (and their
 *   negations) as the code points they match (`[0-9]`), `\b` as lookarounds, a named group as a
 *   plain one (`\k<name>` by number), `\u{...}` as the character, `\cX` as `\uXXXX`.
 * - `isLowercased`, `isUppercased`, `isCapitalized` and `isUncapitalized` have a pattern of the
 *   characters `toLowerCase` / `toUpperCase` leaves as they are (the class of the code points
 *   without `Changes_When_Lowercased`, ..., written out: Python's `re` reads no `\P{...}`), not
 *   Effect's of ASCII letters only (`^[^A-Z]*$`, which `"É"` passes).
 * - A `Schema.BigInt` with bounds (`isBetweenBigInt`, `isGreaterThanBigInt`, ...) has the pattern of
 *   exactly the integer strings within them (`-0`, leading zeros included, as the Schema decodes
 *   them), not `^-?\d+$`.
 * - A `Schema.TemplateLiteral` has Effect's pattern but for an `Int` part: the decimal numbers `Number`
 *   may read as integers (no fraction but zeros, unless it has an exponent or 16 digits or more),
 *   not any number's (`"1.5px"` for `[Schema.Int, "px"]`); digits are `[0-9]`.
 * - A string `Number` decodes to a finite number (`Schema.FiniteFromString`) has the `pattern` of
 *   the strings `Number` reads as finite numbers (white space around, `0x` / `0o` / `0b`, the empty
 *   string, which is 0; `"1e400"` passes it, which the Schema refuses), except in an elicitation
 *   form; one decoded to an Int (`Schema.NumberFromString.check(Schema.isInt())`) the pattern of
 *   those it may read as integers (not `"1.5"`), within its bounds and multiples when it has some
 *   (`isInt32`, `isBetween`, `isMultipleOf(4)`; not said of exponents, `"1e10"` passes `isInt32`'s,
 *   nor a multiple of `0x` integers). `Schema.Date` and `Schema.DateTimeUtc` have no `format` or `pattern`: they accept any
 *   string `Date` parses (`"2024-01-01"`, `"Jan 1 2024"`), which `format: "date-time"` refuses.
 * - A `Schema.Record`'s key is a `patternProperties` selector (or, for any string,
 *   `additionalProperties`) with the value's schema: a key `isPattern` gives its pattern as above,
 *   a `Schema.Int` key the integers of up to 15 digits (`"-2.0"`; not `"1.5"`, which the Schema
 *   drops), within its bounds when it has some (`isBetween`, `isGreaterThan`, `isInt32`, ...),
 *   the multiples only for `isMultipleOf(d)` with `d` dividing 3000 once its 2s and 5s are cut to
 *   1000's (2, 3, 5, 6, 8, 12, 25, ...), a string key with `isMinLength(n)` the strings of `n`
 *   code points or more. The selector matches no key the Schema drops (it ignores their values):
 *   a string or number key with other checks (another multiple, `isMaxLength`, a filter) has none,
 *   its values left unchecked; a template key's own checks are left out, an Int part
 *   (`["id-", Schema.Int]`) is an integer of up to 15 digits (within its bounds).
 * - The rules above hold inside declarations (`Option`, `ReadonlyMap`, ...) too, whose JSON form
 *   is built from their type parameters.
 * - A collection's size checks (`Schema.ReadonlySet(X).check(Schema.isMinSize(2))`, `isMaxSize`,
 *   `isBetweenSize`), which Effect does not write, are `minItems` on its array and, in an output
 *   schema, `maxItems` too (arguments may repeat a member: `["a", "a"]` is a set of one).
 * - `additionalProperties: true` (the default) is left out; definitions live under `$defs` at the
 *   root and are referenced as `#/$defs/Name`; a root that is itself a reference is inlined.
 * - `title`, `description`, `default` and `examples` annotations are kept, also those of a filter
 *   JSON Schema cannot say (`Schema.String.check(Schema.makeFilter(f)).annotate({ description })`,
 *   whose annotations are the filter's), which Effect leaves out with it. Defaults also come from
 *   `Schema.withDecodingDefault` (and the `Key` / `Type` variants) on the fields of a struct (also
 *   under the names `Schema.encodeKeys` gives them, with their documentation), and of
 *   structs nested in its fields (a struct with a decoding default of its own included), directly or
 *   through `Schema.optional`, `Schema.NullOr`, a union
 *   or the items of a `Schema.Array` (not through a `$ref`), when the default can be
 *   computed synchronously without services; it is emitted in its JSON-encoded form. An explicit `default` annotation wins. A
 *   field's `title`, `description`, `examples` and `default` annotations are kept also when its
 *   Schema transforms (`Schema.FiniteFromString.annotate({ description })`, `Schema.Date`,
 *   `Schema.BigInt`, a Class), where Effect writes only those of the JSON side (the JSON side's own
 *   win), checks after them or not (`Schema.Date.annotate({ description }).check(...)`; a check's
 *   own win); examples and default in their JSON form (left out when one does not encode).
 * - `Schema.Literal(null)` (and a `Schema.Literals` holding null) is `{ type: "null", enum: [null] }`,
 *   not Effect's `type: "object"` (the literal's `typeof`), which refused null.
 * - No `$schema` key unless asked for: 2020-12 is MCP's default dialect. In an output schema, a
 *   tuple's rest element unlike a leading one is `unevaluatedItems`, not `items` (which draft-07,
 *   the SDK v1 client's validator, applies to every element).
 *
 * All functions are pure; call them once, at registration.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as JsonPointer from "effect/JsonPointer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { copyNode, finite, hasCheck, type Rules, rewrite } from "./internal/schemaRewrite.ts"

/**
 * A JSON Schema object, as sent on the wire.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonSchema = { readonly [key: string]: unknown }

type MutableJsonSchema = { [key: string]: unknown }

/** The `$schema` URI of JSON Schema draft 2020-12. */
const DIALECT = "https://json-schema.org/draft/2020-12/schema"

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * The `inputSchema` of a tool, from its parameters schema (normally a `Schema.Struct`).
 *
 * **Details**
 *
 * The root has `type: "object"` with `properties` and `required`, cleaned as described in the
 * module documentation. An empty struct gives `{ type: "object", properties: {} }`. A union of
 * object schemas gives `{ type: "object", anyOf: [...] }`. Pass `{ $schema: true }` to add
 * `$schema: "https://json-schema.org/draft/2020-12/schema"`.
 *
 * **Gotchas**
 *
 * Throws an `Error` when the root is not an object schema (MCP requires `type: "object"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const toolInputSchema = (schema: Schema.Top, options?: { readonly $schema?: boolean }): JsonSchema =>
  withDialect(objectRoot("toolInputSchema", "a tool's inputSchema", compile(schema)), options?.$schema === true)

/**
 * The `outputSchema` of a tool, from the schema of its structured content.
 *
 * **Details**
 *
 * Same shape and cleaning as {@link toolInputSchema}. MCP 2025-11-25 requires the root of an
 * output schema to be an object type, because `structuredContent` is a JSON object; MCP 2026-07-28
 * (SEP-2106) allows any root, as `structuredContent` may be any JSON value: pass
 * `{ anyRoot: true }` for that schema (an object root is still given `type: "object"`). Clients
 * validate results against it, in floating point: a `multipleOf` that is a fraction
 * (`isMultipleOf(0.01)`) is left out, as 0.07 fails it there (0.07 / 0.01 is 7.000000000000001),
 * and so is one of a number that is not an Int (`Schema.Number.check(isMultipleOf(5))`), as Ajv
 * finds 5e21 no multiple of 5 (it reads the quotient 1e21 through `parseInt`, which is 1);
 * `isUnique` is `uniqueItems` only on arrays of strings, numbers, booleans and literals, as items
 * Effect finds distinct may be alike in JSON (`{}` and `{ a: undefined }`); the pattern of a RegExp
 * without `u` that may match half of a character outside the BMP (`.`, a negation, `\S`) lets any
 * string holding such a character through (`^.{3,}$|[𐀀-\u{10FFFF}]`, the range written with
 * the characters themselves, which every dialect reads: the RegExp finds "😀😀" four units long,
 * clients two characters); a `Schema.Any` field is optional (its `undefined` is sent as no key);
 * a string's `isMinLength(n)` is `minLength: ceil(n / 2)`, as clients count code points.
 *
 * **Gotchas**
 *
 * Without `anyRoot`, throws an `Error` when the root is not an object schema (wrap a scalar or
 * array result in a `Schema.Struct`). `McpServer` advertises a tool's with `anyRoot` to 2026-07-28
 * clients, and wrapped as `{ result: ... }` to earlier ones.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toolOutputSchema = (schema: Schema.Top, options?: { readonly anyRoot?: boolean }): JsonSchema =>
  objectRoot("toolOutputSchema", "a tool's outputSchema", compile(schema, "output"), options?.anyRoot === true)

/**
 * Any schema as clean JSON Schema 2020-12 (used for prompt arguments' descriptions, resource
 * contents and the like).
 *
 * **Details**
 *
 * The same cleaning as {@link toolInputSchema}, without the requirement on the root type.
 * Definitions, when there are any, are under `$defs` at the root.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSchema = (schema: Schema.Top): JsonSchema => assemble(compile(schema))

/**
 * The restricted schema MCP form elicitation accepts (`requestedSchema`): a flat object whose
 * properties are primitives.
 *
 * **Details**
 *
 * Each property must be one of (its `title` / `description` annotations are kept everywhere):
 *
 * - a string: `Schema.String`, with `minLength` / `maxLength` (`isMinLength`, `isMaxLength`,
 *   `isBetweenLength`), a `format` annotation of `email`, `uri`, `date` or `date-time`, a string
 *   default;
 * - a number or integer: `Schema.Number`, `Schema.Finite`, `Schema.Int`, with `minimum` / `maximum`
 *   (on integers an exclusive bound becomes the next inclusive one), a numeric default;
 * - a boolean: `Schema.Boolean`, with a boolean default;
 * - a single-select enum: `Schema.Literals(["a", "b"])` gives `{ type: "string", enum: [...] }`.
 *   **Titled options** are written as a union of annotated literals,
 *   `Schema.Union([Schema.Literal("a").annotate({ title: "Apple" }), ...])`, and give
 *   `{ type: "string", oneOf: [{ const: "a", title: "Apple" }, ...] }` (an option without a title
 *   is titled with its value);
 * - a multi-select enum: `Schema.Array` of either of the above, giving
 *   `{ type: "array", items: { type: "string", enum: [...] } }` or
 *   `{ type: "array", items: { anyOf: [{ const, title }, ...] } }`, with `minItems` / `maxItems`
 *   (`isMinLength` / `isMaxLength` on the array) and an array default (`uniqueItems` is dropped:
 *   a multi-select is a set anyway).
 *
 * Defaults come from a `default` annotation (`Schema.String.annotate({ default: "John Doe" })`) or
 * from `Schema.withDecodingDefault` / `withDecodingDefaultKey` on the field, which also makes it
 * optional. Optional fields are absent from `required`. The `examples` annotation is dropped (the
 * restricted schema has no such keyword).
 *
 * **Gotchas**
 *
 * Throws a descriptive `Error` for anything else: a non-object root, index signatures, nested
 * objects, unions other than string literals, nullable fields, numeric enums, `pattern`,
 * `multipleOf`, other formats, ...
 *
 * @since 0.1.0
 * @category constructors
 */
export const elicitationSchema = (schema: Schema.Top): JsonSchema => {
  const compiled = compile(schema, "elicitation")
  const root = compiled.root
  const fail = (message: string): never => {
    throw new Error(`elicitationSchema: ${message}`)
  }
  if (root.type !== "object" || !isRecord(root.properties)) {
    return fail(`MCP elicitation requires a flat object schema (a Schema.Struct), got ${show(root)}`)
  }
  for (const key of ["patternProperties", "additionalProperties", "propertyNames", "anyOf", "oneOf", "allOf"]) {
    if (key in root) {
      return fail(`MCP elicitation requires a flat object with named properties only, got "${key}" in ${show(root)}`)
    }
  }
  const properties: MutableJsonSchema = {}
  for (const [name, property] of Object.entries(root.properties)) {
    properties[name] = elicitationProperty(name, resolve(property, compiled.defs), compiled.defs)
  }
  const required = Array.isArray(root.required) ? root.required.filter((name) => name in properties) : []
  return required.length > 0 ? { type: "object", properties, required } : { type: "object", properties }
}

/**
 * The schema with its references to its own definitions (`#/$defs/Name`) replaced by the
 * definitions themselves, as FastMCP's `dereference_schemas` does: VS Code Copilot and other MCP
 * clients mishandle `$ref`. `McpServer` does it to the `inputSchema` and `outputSchema` it makes
 * of a tool's Schemas (see `McpServer.Options.dereferenceSchemas`).
 *
 * **Details**
 *
 * Only recursive definitions (those that reach themselves) stay under `$defs`, still referenced
 * where they are used; the definitions they use are inlined into them. A reference with sibling
 * keywords is merged with its definition (the siblings' annotations win), or, where both hold the
 * same assertion, the definition becomes an `allOf` member. Other references (`#`, anchors, other
 * documents) are left as they are.
 *
 * **Gotchas**
 *
 * A schema whose inlined form would be larger than 64 KiB, or more than ten times its own size (a
 * definition used twice by one used twice, and so on), is returned unchanged, with its `$ref`s.
 *
 * @since 0.2.0
 * @category constructors
 */
export const dereference = (schema: JsonSchema): JsonSchema => {
  const defs = schema.$defs
  if (!isRecord(defs) || Object.keys(defs).length === 0) return schema
  const recursive = recursiveDefinitions(defs)
  const limit = Math.min(dereferenceMaxLength, dereferenceMaxGrowth * JSON.stringify(schema).length)
  let budget = limit
  const spend = (n: number): void => {
    budget -= n
    if (budget < 0) throw tooLarge
  }
  const value = (u: unknown): unknown => {
    spend(isRecord(u) || Array.isArray(u) ? JSON.stringify(u).length : String(u).length + 2)
    return u
  }
  const expand = (u: unknown): unknown => {
    if (!isRecord(u)) return value(u)
    const name = definitionName(u.$ref)
    if (name === undefined || recursive.has(name) || !Object.hasOwn(defs, name)) return expandObject(u)
    const { $ref: _, ...rest } = u
    const inlined = expand(defs[name])
    const siblings = expandObject(rest)
    if (Object.keys(siblings).length === 0) return inlined
    if (
      isRecord(inlined) &&
      Object.keys(siblings).every((key) => !(key in inlined) || annotationKeywords.includes(key))
    ) return { ...inlined, ...siblings }
    return { ...siblings, allOf: [...(Array.isArray(siblings.allOf) ? siblings.allOf : []), inlined] }
  }
  const expandObject = (u: MutableJsonSchema): MutableJsonSchema => {
    const out: MutableJsonSchema = {}
    for (const [key, member] of Object.entries(u)) {
      spend(key.length + 4)
      if (schemaKeywords.includes(key) && isRecord(member)) {
        out[key] = expand(member)
      } else if (schemaMapKeywords.includes(key) && isRecord(member)) {
        const map: MutableJsonSchema = {}
        for (const [name, each] of Object.entries(member)) {
          spend(name.length + 4)
          map[name] = expand(each)
        }
        out[key] = map
      } else if (schemaArrayKeywords.includes(key) && Array.isArray(member)) {
        out[key] = member.map(expand)
      } else {
        out[key] = value(member)
      }
    }
    return out
  }
  try {
    const { $defs: _, ...rest } = schema
    const root = expandObject(rest)
    const kept: Record<string, MutableJsonSchema> = {}
    for (const name of Object.keys(defs)) {
      const definition = defs[name]
      if (recursive.has(name) && isRecord(definition)) kept[name] = expandObject(definition)
    }
    // A reference left in place under a keyword not walked (an array `items`, `dependencies`)
    // keeps its definition as it was, not inlined: no `$ref` is left dangling.
    const reachable = reachableDefinitions(root, { ...(defs as Record<string, MutableJsonSchema>), ...kept })
    const out = Object.keys(reachable).length === 0 ? root : { ...root, $defs: reachable }
    return JSON.stringify(out).length > limit ? schema : out
  } catch (error) {
    if (error === tooLarge) return schema
    throw error
  }
}

/** The largest inlined schema {@link dereference} makes, in characters of JSON. */
const dereferenceMaxLength = 64 * 1024

/** How many times its own size a schema {@link dereference} inlines may grow. */
const dereferenceMaxGrowth = 10

/** Thrown (and caught) by {@link dereference} to stop as soon as the inlined form is too large. */
const tooLarge = new Error("too large")

/** The names of the definitions that reach themselves through `#/$defs/...` references. */
const recursiveDefinitions = (defs: { readonly [name: string]: unknown }): ReadonlySet<string> => {
  const direct = new Map<string, ReadonlySet<string>>()
  for (const [name, definition] of Object.entries(defs)) {
    const refs = new Set<string>()
    forEachRef(definition, (ref) => {
      const target = definitionName(ref)
      if (target !== undefined && Object.hasOwn(defs, target)) refs.add(target)
    })
    direct.set(name, refs)
  }
  const recursive = new Set<string>()
  for (const name of direct.keys()) {
    const seen = new Set<string>()
    const stack = [...direct.get(name)!]
    while (stack.length > 0) {
      const next = stack.pop()!
      if (next === name) {
        recursive.add(name)
        break
      }
      if (seen.has(next)) continue
      seen.add(next)
      stack.push(...direct.get(next)!)
    }
  }
  return recursive
}

// ---------------------------------------------------------------------------
// Compilation: prepare the AST, let Effect compile it, tidy the output
// ---------------------------------------------------------------------------

interface Compiled {
  readonly root: MutableJsonSchema
  readonly defs: Record<string, MutableJsonSchema>
}

/**
 * What a schema is for: `"output"` for the results clients validate against it (see
 * `overrideCheck`), `"elicitation"` for a form's (see `overrideCheck`), `"input"` for everything
 * else (what a model reads and sends).
 */
type Use = "input" | "output" | "elicitation"

const compile = (schema: Schema.Top, use: Use = "input"): Compiled => {
  const document = Schema.toJsonSchemaDocument(Schema.make<Schema.Top>(prepare(schema.ast, use)))
  const defs: Record<string, MutableJsonSchema> = {}
  for (const [name, definition] of Object.entries(document.definitions)) {
    defs[name] = tidy(definition, use)
  }
  let root = tidy(document.schema, use)
  // A root that is only a reference (a Class, an identified or recursive schema) is inlined: MCP
  // clients read `type` at the root. The definition stays when something else still refers to it.
  const name = definitionName(root.$ref)
  if (name !== undefined && defs[name] !== undefined) {
    const { $ref: _, ...rest } = root
    root = { ...defs[name], ...rest }
  }
  root = applyShape(root, shapeOf(schema.ast, 0))
  const rootDocs = lostDocs(schema.ast)
  if (rootDocs !== undefined) root = withDocs(root, rootDocs)
  return { root, defs: reachableDefinitions(root, defs) }
}

const assemble = (compiled: Compiled): MutableJsonSchema =>
  Object.keys(compiled.defs).length === 0 ? compiled.root : { ...compiled.root, $defs: compiled.defs }

const withDialect = (schema: JsonSchema, $schema: boolean): JsonSchema =>
  $schema ? { $schema: DIALECT, ...schema } : schema

const objectRoot = (api: string, what: string, compiled: Compiled, anyRoot = false): JsonSchema => {
  const root = compiled.root
  if (root.type === "object") return assemble(compiled)
  // `Schema.Struct({})` accepts any non-nullish value, which Effect writes as `not: { type: "null" }`;
  // as arguments or structured content it can only be an object.
  if (isRecord(root.not) && root.not.type === "null" && Object.keys(root.not).length === 1) {
    const { not: _, ...rest } = root
    return assemble({ root: { type: "object", properties: {}, ...rest }, defs: compiled.defs })
  }
  const members = Array.isArray(root.anyOf) ? root.anyOf : Array.isArray(root.oneOf) ? root.oneOf : undefined
  if (
    root.type === undefined && members !== undefined && members.length > 0 &&
    members.every((member) => resolve(member, compiled.defs).type === "object")
  ) {
    return assemble({ root: { type: "object", ...root }, defs: compiled.defs })
  }
  if (anyRoot) return assemble(compiled)
  throw new Error(
    `${api}: MCP requires ${what} to describe a JSON object (root "type": "object"), ` +
      `so use a Schema.Struct (or a union of structs); got ${show(root)}`
  )
}

// ---------------------------------------------------------------------------
// Preparing the AST
// ---------------------------------------------------------------------------

const approximate = (schema: JsonSchema): readonly [JsonSchema, true] => [schema, true]

/** The check of a safe integer (`Schema.Int`, and within `isInt32`, `isUint8`, ...). */
const intIds = ["effect/schema/isInt"]

/** What the checks of a node apply to. */
interface Checked {
  /** The node is an Int: a multiple's quotient is below 2^53. */
  readonly integer: boolean
  /** The node is an array whose items are their own JSON (strings, numbers, ...): distinct ones stay distinct. */
  readonly distinct: boolean
}

/** Nodes whose values are their own JSON, without an encoding. */
const ownJson: ReadonlyArray<string> = ["String", "Number", "Boolean", "Literal", "Enum", "TemplateLiteral", "Null"]

const checked = (ast: SchemaAST.AST): Checked => ({
  integer: hasCheck(ast.checks, intIds),
  distinct: ast._tag === "Arrays" &&
    [...ast.elements, ...ast.rest].every((item) => item.encoding === undefined && ownJson.includes(item._tag))
})

/**
 * Overrides the JSON Schema of the checks whose Effect translation does not suit an LLM. Checks
 * are recognised by their representation id, so a custom `toJsonSchema` passed to these very
 * filters is replaced too.
 */
const overrideCheck = (use: Use, node: Checked) => (check: SchemaAST.Check<any>): SchemaAST.Check<any> => {
  if (check._tag === "FilterGroup") {
    const checks = SchemaAST.mapOrSame(check.checks, overrideCheck(use, node))
    const group = checks === check.checks
      ? check
      : new SchemaAST.FilterGroup(
        checks as readonly [SchemaAST.Check<any>, ...Array<SchemaAST.Check<any>>],
        check.annotations
      )
    // A group none of whose filters says anything: its documentation, as a filter's (below).
    return documented(group) ? group.annotate({ toJsonSchema: () => approximate({}) }) : group
  }
  // A filter JSON Schema cannot say (`Schema.makeFilter`): Effect leaves it out with its
  // annotations, where `Schema.String.check(filter).annotate({ description })` puts them (a
  // Schema's annotations go to its last check): the field's description was lost. Kept, alone.
  if (documented(check)) return check.annotate({ toJsonSchema: () => approximate({}) })
  const representation = check.annotations?.representation
  const payload: any = representation?.payload
  switch (representation?.id) {
    case "effect/schema/isInt":
      // Effect adds minimum/maximum: ±Number.MAX_SAFE_INTEGER, noise for a reader.
      return check.annotate({ toJsonSchema: () => approximate({ type: "integer" }) })
    case "effect/schema/isMinLength": {
      // Clients count a string's length in code points, the check in UTF-16 units: a result's
      // string of `n` units may have `ceil(n / 2)` code points (Effect's own translation).
      if (use === "output") return check
      const minLength: number = payload.minLength
      return check.annotate({
        toJsonSchema: ({ type }) =>
          type === "string"
            ? approximate({ minLength })
            : type === "array"
            ? { minItems: minLength }
            : approximate(type === undefined ? { minLength, minItems: minLength } : {})
      })
    }
    case "effect/schema/isBetweenLength": {
      const minimum: number = payload.minimum
      const maximum: number = payload.maximum
      const minLength = use === "output" ? Math.ceil(minimum / 2) : minimum
      return check.annotate({
        toJsonSchema: ({ type }) =>
          type === "string"
            ? approximate({ minLength, maxLength: maximum })
            : type === "array"
            ? { minItems: minimum, maxItems: maximum }
            : approximate({})
      })
    }
    case "effect/schema/isMultipleOf": {
      // Clients validate results in floating point (0.07 / 0.01 is 7.000000000000001), where Effect
      // finds 0.07 a multiple of 0.01, and Ajv takes a quotient of 1e21 or more for no integer (it
      // compares it with its `parseInt`: 5e21 / 5 is 1e21, read as 1): a fraction's multiple, and
      // an integer's of a number that is not an Int (whose quotients stay below 2^53), are left to
      // the server's own check.
      const divisor: number = payload.divisor
      if (use === "output" && !(node.integer && Number.isInteger(divisor))) {
        return check.annotate({ toJsonSchema: () => approximate({}) })
      }
      return check
    }
    case "effect/schema/isUnique":
      // Items Effect finds distinct may be alike in JSON (`{}` and `{ a: undefined }`), which
      // clients would refuse: a result's are unique only when each item is its own JSON.
      return use === "output" && !node.distinct ? check.annotate({ toJsonSchema: () => approximate({}) }) : check
    case "effect/schema/isLowercased":
    case "effect/schema/isUppercased":
    case "effect/schema/isCapitalized":
    case "effect/schema/isUncapitalized":
      // Effect's patterns name ASCII letters only (`^[^A-Z]*$`), the checks every letter
      // `toLowerCase` / `toUpperCase` changes ("É" is not lowercased).
      return check.annotate({ toJsonSchema: () => approximate({ pattern: casePattern(representation.id) }) })
    case "effect/schema/isPattern": {
      // An elicitation form has no `pattern` (`elicitationSchema` refuses one): a RegExp with the
      // `i`, `m` or `s` flag, which had none before those were written into patterns, still has
      // none there, so a form that was asked for is not refused now.
      const legacy = use === "elicitation" && /[ims]/.test(payload.flags)
      const translated = legacy ? undefined : advertisedPattern(payload.source, payload.flags)
      // Clients read a result's pattern with `u`, where a character outside the BMP is one code
      // point, not the two units a RegExp without `u` may match one at a time (`.{3,}` finds
      // "😀😀" four units long): a string holding one is let through, others are checked as the
      // RegExp checks them.
      const pattern = translated !== undefined && use === "output" && unitAtoms(payload.source, payload.flags)
        ? `${translated}|[${String.fromCodePoint(0x10000)}-${String.fromCodePoint(0x10FFFF)}]`
        : translated
      // Not one clients can compile: left out (the schema says less, rather than break the list).
      return check.annotate({ toJsonSchema: () => approximate(pattern === undefined ? {} : { pattern }) })
    }
  }
  return check
}

/** Whether a check or one of its group's has a JSON Schema translation. */
const translated = (check: SchemaAST.Check<any>): boolean =>
  check.annotations?.toJsonSchema !== undefined || (check._tag === "FilterGroup" && check.checks.some(translated))

/** A check without a JSON Schema translation that holds documentation (`title`, `description`, `examples`, `default`). */
const documented = (check: SchemaAST.Check<any>): boolean =>
  check.annotations !== undefined && !translated(check) && docKeys.some((key) => check.annotations![key] !== undefined)

/**
 * The pattern of a case check, which compares a string (or its first character) with its
 * `toLowerCase()` / `toUpperCase()`: a code point changes when lowercased exactly when it has the
 * Unicode property `Changes_When_Lowercased` (and `Σ`, the only one lowercased by its context,
 * changes either way), likewise when uppercased; a lone surrogate has neither. Written as the
 * class of those code points (`[^...]`), not as `\P{Changes_When_Lowercased}`, which only
 * JavaScript reads: Python's `re` (the Python SDK client's jsonschema) refuses `\P` and fails
 * the validation. Made once per property, at the first such check registered.
 */
const casePattern = (id: string): string => {
  const lowered = id === "effect/schema/isLowercased" || id === "effect/schema/isUncapitalized"
  const property = lowered ? "Changes_When_Lowercased" : "Changes_When_Uppercased"
  let changes = changingCase.get(property)
  if (changes === undefined) {
    changes = codePointClass(codePointRanges(`\\p{${property}}`, "u"))
    changingCase.set(property, changes)
  }
  return id === "effect/schema/isLowercased" || id === "effect/schema/isUppercased"
    ? `^[^${changes}]*$`
    : `^(?:[^${changes}][\\s\\S]*)?$`
}

/** The members of the classes of {@link casePattern}, by property (two at most). */
const changingCase = new Map<string, string>()

/**
 * Whether a RegExp may match half of a character outside the BMP (without `u`, where `.`, a
 * negation, `\S` or a class reaching the surrogates matches one UTF-16 unit): what such a RegExp
 * matches may differ on strings holding such a character from its pattern, read with `u`.
 */
const unitAtoms = (source: string, flags: string): boolean =>
  !flags.includes("u") && /\.|\[\^|\\[SWD]|\\u[D-Fd-f][0-9A-Fa-f]{3}|[\uD800-\uFFFF]/.test(source)

/** The `pattern` advertised for an `isPattern` RegExp (see `asUnicodePattern`), `undefined` when there is none. */
const advertisedPattern = (source: string, flags: string): string | undefined => {
  // `i`, `m` and `s` are translated; `d`, `g` and `y` change nothing here (`v` has no pattern).
  if (!/^[dgimsuy]*$/.test(flags)) return undefined
  const unicode = !flags.includes("u")
    ? asUnicodePattern(source, flags)
    : /[ims]/.test(flags)
    ? withUnicodeFlags(source, flags)
    : source
  if (unicode === undefined) return undefined
  const portable = portablePattern(unicode)
  if (portable === undefined) return undefined
  return flags.includes("y") ? `^(?:${portable})` : portable
}

/**
 * A pattern (valid with `u`) in the syntax both ECMAScript and Python's `re` (the Python SDK
 * client's `jsonschema`) read alike: Python refuses `\p{...}`, `(?<name>...)`, `\k<name>`,
 * `\u{...}` and `\cX`, and `jsonschema` then fails the whole validation (`'^\p{L}+$' is not a
 * 'regex'`), so a tool whose schema held one could not be called by a Python client; and Python
 * takes `\d`, `\w`, `\s` and `\b` for their Unicode meanings (`\D` refused `"١"`, which the
 * RegExp's ASCII `\D` matches). Property and class escapes are written as the code points they
 * match (`[0-9]` for `\d`), a named group as a plain one and its backreference by number,
 * `\u{...}` as the character, `\cX` as `\uXXXX`, `\b` / `\B` as lookarounds on `[0-9A-Z_a-z]`.
 * `undefined` when a backreference names no group, a name two groups share, or a group that has
 * not closed where it stands.
 */
const portablePattern = (pattern: string): string | undefined => {
  if (variableLookbehind(pattern)) return undefined
  if (!/\\[pPdDwWsSbBkuc1-9]|\(\?<[^=!]/.test(pattern)) return pattern
  // The number of each named group (groups are counted in the order they open; a name two groups
  // share, in alternatives, has none: its backreference is to whichever matched), and where each
  // group closes.
  const numbers = new Map<string, number | undefined>()
  const closes: Array<number> = []
  const open: Array<number> = []
  let count = 0
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]
    if (char === "\\") i++
    else if (inClass) inClass = char !== "]"
    else if (char === "[") inClass = true
    else if (char === ")") {
      const group = open.pop()
      if (group !== undefined && group > 0) closes[group] = i
    } else if (char === "(" && pattern[i + 1] !== "?") open.push(++count)
    else if (char === "(" && pattern[i + 2] === "<" && !/[=!]/.test(pattern[i + 3] ?? "")) {
      open.push(++count)
      const name = pattern.slice(i + 3, pattern.indexOf(">", i))
      numbers.set(name, numbers.has(name) ? undefined : count)
    } else if (char === "(") open.push(0)
  }
  // A backreference Python reads otherwise: to a group that has not closed where it stands (it
  // matches the empty string in ECMAScript; Python refuses the pattern, "invalid group reference"
  // or "cannot refer to an open group"), or by a name two groups share.
  const readable = (group: number | undefined, at: number) => group !== undefined && (closes[group] ?? Infinity) < at
  const word = "[0-9A-Z_a-z]"
  let out = ""
  inClass = false
  for (let i = 0; i < pattern.length;) {
    const char = pattern[i]!
    // Any character, in either dialect.
    if (!inClass && pattern.startsWith("[\\s\\S]", i)) {
      out += "[\\s\\S]"
      i += 6
      continue
    }
    if (char === "\\") {
      const next = pattern[i + 1] ?? ""
      if (next === "p" || next === "P" || /[dDwWsS]/.test(next)) {
        const end = next === "p" || next === "P" ? pattern.indexOf("}", i) + 1 : i + 2
        const members = escapeMembers(pattern.slice(i, end))
        if (members === undefined) return undefined
        out += inClass ? members : `[${members}]`
        i = end
      } else if (next === "b" || next === "B") {
        out += inClass
          ? "\\u0008"
          : next === "b"
          ? `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`
          : `(?:(?<=${word})(?=${word})|(?<!${word})(?!${word}))`
        i += 2
      } else if (next === "k") {
        const end = pattern.indexOf(">", i)
        const number = numbers.get(pattern.slice(i + 3, end))
        if (!readable(number, i)) return undefined
        out += `(?:\\${number})`
        i = end + 1
      } else if (/[1-9]/.test(next) && !inClass) {
        const digits = /^[0-9]+/.exec(pattern.slice(i + 1))![0]
        if (!readable(Number(digits), i)) return undefined
        out += pattern.slice(i, i + 1 + digits.length)
        i += 1 + digits.length
      } else if (next === "u" && pattern[i + 2] === "{") {
        const end = pattern.indexOf("}", i)
        const code = parseInt(pattern.slice(i + 3, end), 16)
        out += code > 0xFFFF ? String.fromCodePoint(code) : member(code)
        i = end + 1
      } else if (next === "c") {
        out += member(pattern.charCodeAt(i + 2) % 32)
        i += 3
      } else {
        out += pattern.slice(i, i + 2)
        i += 2
      }
      continue
    }
    if (!inClass && char === "(" && pattern.startsWith("?<", i + 1) && !/[=!]/.test(pattern[i + 3] ?? "")) {
      out += "("
      i = pattern.indexOf(">", i) + 1
      continue
    }
    if (inClass) inClass = char !== "]"
    else if (char === "[") inClass = true
    out += char
    i++
  }
  return out
}

/**
 * Whether a pattern has a lookbehind that may match strings of different lengths (a quantifier or
 * an alternative in it), which ECMAScript allows and Python's `re` refuses ("look-behind requires
 * fixed-width pattern"), failing the whole validation as `\p` does.
 */
const variableLookbehind = (pattern: string): boolean => {
  for (let start = pattern.indexOf("(?<"); start >= 0; start = pattern.indexOf("(?<", start + 1)) {
    if (!/[=!]/.test(pattern[start + 3] ?? "")) continue
    let depth = 0
    let inClass = false
    for (let i = start; i < pattern.length; i++) {
      const char = pattern[i]!
      if (char === "\\") {
        // `\p{L}`, `\u{1F600}`: one character, their braces no quantifier.
        if (/[pPu]/.test(pattern[i + 1] ?? "") && pattern[i + 2] === "{") i = pattern.indexOf("}", i)
        else i++
        continue
      }
      if (inClass) {
        inClass = char !== "]"
        continue
      }
      // `{3}`: as many each time.
      const exactly = char === "{" ? /^\{[0-9]+\}/.exec(pattern.slice(i)) : null
      if (exactly !== null) i += exactly[0].length - 1
      else if (char === "[") inClass = true
      else if (char === "(") depth++
      else if (char === ")" && --depth === 0) break
      else if ("*+|{".includes(char) || (char === "?" && pattern[i - 1] !== "(")) return true
    }
  }
  return false
}

/** The code points a class escape matches with `u` (`\p{L}`, `\D`), as the members of a class (remembered). */
const escapeMembers = (classEscape: string): string | undefined => {
  const key = `e${classEscape}`
  if (caseInsensitiveSets.has(key)) return caseInsensitiveSets.get(key)
  let members: string | undefined
  try {
    // `\d`, `\w`, `\s` and their negations without asking the RegExp over every code point.
    const known = classEscapeRanges[classEscape.slice(1).toLowerCase()]
    const ranges = known === undefined
      ? codePointRanges(classEscape, "u")
      : classEscape[1] === classEscape[1]!.toLowerCase()
      ? known
      : complement(known)
    members = codePointClass(ranges)
  } catch {
    members = undefined
  }
  if (caseInsensitiveSets.size >= 1024) caseInsensitiveSets.clear()
  caseInsensitiveSets.set(key, members)
  return members
}

/** What `\d`, `\w` and `\s` match with `u` (without `i`): ASCII digits, ASCII word characters, JavaScript's white space and line terminators. */
const classEscapeRanges: { readonly [letter: string]: ReadonlyArray<readonly [number, number]> } = {
  d: [[0x30, 0x39]],
  w: [[0x30, 0x39], [0x41, 0x5A], [0x5F, 0x5F], [0x61, 0x7A]],
  s: [
    [0x09, 0x0D],
    [0x20, 0x20],
    [0xA0, 0xA0],
    [0x1680, 0x1680],
    [0x2000, 0x200A],
    [0x2028, 0x2029],
    [0x202F, 0x202F],
    [0x205F, 0x205F],
    [0x3000, 0x3000],
    [0xFEFF, 0xFEFF]
  ]
}

/** The code points not in ordered, disjoint ranges. */
const complement = (ranges: ReadonlyArray<readonly [number, number]>): Array<readonly [number, number]> => {
  const out: Array<readonly [number, number]> = []
  let next = 0
  for (const [start, end] of ranges) {
    if (start > next) out.push([next, start - 1])
    next = end + 1
  }
  if (next <= 0x10FFFF) out.push([next, 0x10FFFF])
  return out
}

/**
 * A record's key as Effect can write it as a `patternProperties` selector (or, for any string, as
 * `additionalProperties`): Effect leaves out the whole index signature, value schema included,
 * when its key is not an exact pattern (`Schema.Int`, a RegExp without the `u` flag, a string
 * with a length), so `Schema.Record(Schema.Int, Schema.Number)` was a bare `{ type: "object" }`.
 * Effect ignores (drops) the keys its key schema does not select (a string or number key whose
 * checks fail, a template whose parts do not match), whatever their values, so a selector must
 * match no key the Schema drops (its value would be refused though the Schema ignores it) and may
 * match fewer than it decodes (their values are left unchecked): a string key with one `isPattern`
 * check gets its pattern (as a field's has it), one with `isMinLength(n)` the strings of `n` code
 * points or more (each has at least `n` UTF-16 units), an Int key the integers it surely decodes
 * (`intKey`, `boundedIntKey`); a template key's own checks, which do not select its keys (a key
 * they refuse makes the record fail), are left out. A string or number key with other checks has
 * no selector: its values are left unchecked.
 */
const recordKey = (ast: SchemaAST.AST): SchemaAST.AST => {
  switch (ast._tag) {
    case "String":
    case "Number":
    case "TemplateLiteral": {
      if (ast.checks === undefined) {
        return ast._tag === "TemplateLiteral" ? templateKey(ast) : ast._tag === "Number" ? numberKey : ast
      }
      if (ast._tag === "TemplateLiteral") return templateKey(copyNode(ast, { checks: undefined }))
      const check = ast.checks[0]
      const representation = check.annotations?.representation
      const payload: any = representation?.payload
      if (ast._tag === "String" && ast.checks.length === 1 && check._tag === "Filter") {
        const pattern = representation?.id === "effect/schema/isPattern"
          ? keyPattern(payload.source, payload.flags)
          : representation?.id === "effect/schema/isMinLength"
          ? `^[\\s\\S]{${payload.minLength},}$`
          : undefined
        if (pattern !== undefined) return copyNode(ast, { checks: [check.annotate({ toJsonSchema: () => ({ pattern }) })] })
      }
      // An Int's keys: not every number's (the Schema drops "1.5", whatever its value).
      if (ast._tag === "Number" && hasCheck(ast.checks, intIds)) return boundedIntKey(ast.checks) ?? ast
      // Not an exact pattern: Effect leaves the index signature out.
      return ast
    }
    case "Union": {
      const types = SchemaAST.mapOrSame(ast.types, recordKey)
      return types === ast.types && ast.checks === undefined
        ? ast
        : new SchemaAST.Union(types, ast.options, ast.annotations, undefined, undefined, ast.context, ast.encodingChecks)
    }
  }
  return ast
}

/**
 * The keys of a record keyed by `Schema.Number` (`matchKey`: a decimal, `Infinity`, `-Infinity`,
 * `NaN`), Effect's selector with `[0-9]` for its `\d`, which Python's `re` (the Python SDK's
 * jsonschema) takes for any Unicode digit: there it matched `"١"`, which the Schema drops, and
 * the key's value was refused.
 */
const numberKeyPattern = "^(?:[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[Ee][+-]?[0-9]+)?|Infinity|-Infinity|NaN)$"

const numberKey: SchemaAST.AST = Schema.String.check(
  Schema.isPattern(new RegExp(numberKeyPattern, "u")).annotate({ toJsonSchema: () => ({ pattern: numberKeyPattern }) })
).ast

/**
 * The keys of a record keyed by `Schema.Int` its selector matches: integers of up to 15 digits
 * (`"7"`, `"-2.0"`, `"007"`), which are all safe, so the Schema decodes each of them. Longer ones
 * and exponents (`"1e3"`) are left unchecked rather than risk a key it drops.
 */
const intKeyPattern = /^[+-]?[0-9]{1,15}(?:\.0+)?$/

/**
 * The selector of a string key with an `isPattern` check (see `advertisedPattern`). A RegExp
 * without `u` that may match half of a character outside the BMP (`.`, a negation, `\S`) counts
 * UTF-16 units where the selector, read with `u`, counts code points: `/^.{1,2}$/` drops the key
 * "😀😀" (four units), which `^.{1,2}$` matches (two characters), and the key's value was refused
 * though the Schema ignores it. Such a pattern selects no key holding such a character (their
 * values are left unchecked): `^(?![\s\S]*[U+10000-U+10FFFF])[\s\S]*?(?:...)` (the range written
 * with the characters themselves), the pattern searched as before.
 */
const keyPattern = (source: string, flags: string): string | undefined => {
  const pattern = advertisedPattern(source, flags)
  if (pattern === undefined || !unitAtoms(source, flags)) return pattern
  return `^(?![\\s\\S]*[${String.fromCodePoint(0x10000)}-${String.fromCodePoint(0x10FFFF)}])[\\s\\S]*?(?:${pattern})`
}

/**
 * A template literal key whose parts have checks (`Schema.TemplateLiteral(["id-", Schema.Int])`),
 * which Effect leaves out (with the value's schema: the record was a bare `{ type: "object" }`), as
 * the string of the pattern of keys it surely selects (`keyPartPattern`): it selects a key when the
 * key splits into pieces each part matches, its checks included, trying every split, so a key
 * whose pieces match these patterns is selected. As it is when a part has no such pattern.
 */
const templateKey = (ast: SchemaAST.TemplateLiteral): SchemaAST.AST => {
  const hasChecks = (part: SchemaAST.AST): boolean =>
    part.checks !== undefined ||
    (part._tag === "Union" && part.types.some(hasChecks)) ||
    (part._tag === "TemplateLiteral" && part.parts.some(hasChecks))
  if (!ast.parts.some(hasChecks)) return ast
  let pattern = "^"
  for (const part of ast.parts) {
    const each = keyPartPattern(part)
    if (each === undefined) return ast
    pattern += each
  }
  pattern += "$"
  return Schema.String.check(Schema.isPattern(new RegExp(pattern, "u")).annotate({ toJsonSchema: () => ({ pattern }) })).ast
}

/**
 * What a template literal key's part surely matches (`matchPart`), as a group of a pattern: a
 * literal, any string or number (Effect's patterns, `[0-9]` for `\d`), a bigint, an Int of up to
 * 15 digits within its bounds (`intChecks`; not its multiples, which a lookahead says only at the
 * end of the key), a template literal or a union of these. `undefined` for another part, or one
 * with other checks.
 */
const keyPartPattern = (part: SchemaAST.AST): string | undefined => {
  switch (part._tag) {
    case "Literal":
      return partPattern(part)
    case "String":
    case "BigInt":
      return part.checks === undefined ? partPattern(part) : undefined
    case "Number": {
      if (part.checks === undefined) return decimalPart
      if (!hasCheck(part.checks, intIds)) return undefined
      const said = intChecks(part.checks)
      if (said === undefined || said.multiples.length > 0) return undefined
      if (said.low === undefined && said.high === undefined) return "[+-]?[0-9]{1,15}(?:\\.0+)?"
      const limit = 10n ** 15n - 1n
      const low = said.low === undefined || said.low < -limit ? -limit : said.low
      const high = said.high === undefined || said.high > limit ? limit : said.high
      return `${integerRange(low, high, true)}(?:\\.0+)?`
    }
    case "TemplateLiteral": {
      // Its own checks do not select its pieces (`matchPart` splits only).
      let out = ""
      for (const each of part.parts) {
        const pattern = keyPartPattern(each)
        if (pattern === undefined) return undefined
        out += pattern
      }
      return `(?:${out})`
    }
    case "Union": {
      if (part.checks !== undefined) return undefined
      const members: Array<string> = []
      for (const member of part.types) {
        const pattern = keyPartPattern(member)
        if (pattern === undefined) return undefined
        members.push(pattern)
      }
      return members.length === 0 ? "(?!)" : `(?:${members.join("|")})`
    }
  }
  return undefined
}

/**
 * The keys of a record keyed by a `Schema.Int` its selector matches: the integers within its bounds
 * (`isBetween`, `isGreaterThan`, `isInt32`, ...) and multiples (`isMultipleOf(d)`, `d` dividing
 * 3000 once its factors 2 and 5 are taken to their powers dividing 1000: 2, 3, 5, 6, 8, 12, 25,
 * 30, ...) of up to 15 digits, as `intKey` writes them, leading zeros and all, which the Schema
 * decodes; `intKey` when it has none of these. `undefined` when the key has another check
 * (another multiple, `Schema.makeFilter`), which no selector says: one matching every integer
 * (`intKey`) refused the values of keys it drops (`{ "4": "x" }` for `isMultipleOf(3)`).
 */
const boundedIntKey = (checks: SchemaAST.Checks): SchemaAST.AST | undefined => {
  const said = intChecks(checks)
  if (said === undefined) return undefined
  if (said.low === undefined && said.high === undefined && said.multiples.length === 0) return intKey
  const limit = 10n ** 15n - 1n
  const low = said.low === undefined || said.low < -limit ? -limit : said.low
  const high = said.high === undefined || said.high > limit ? limit : said.high
  // Lookaheads: the digits of a multiple of each divisor.
  const multiples = said.multiples.map((digits) => `(?=[+-]?${digits}(?:\\.0+)?$)`).join("")
  const pattern = `^${multiples}${integerRange(low, high, true)}(?:\\.0+)?$`
  return Schema.String.check(Schema.isPattern(new RegExp(pattern, "u")).annotate({ toJsonSchema: () => ({ pattern }) })).ast
}

/**
 * What the checks of an Int say of its values: its bounds (inclusive, integers; `undefined`: none)
 * and the digit strings of the multiples it must be (`multipleDigits`, each a group of a pattern).
 * `undefined` when a check says something else (another multiple, `Schema.makeFilter`).
 */
const intChecks = (
  checks: SchemaAST.Checks
): { readonly low: bigint | undefined; readonly high: bigint | undefined; readonly multiples: ReadonlyArray<string> } | undefined => {
  let low: bigint | undefined
  let high: bigint | undefined
  let other = false
  const multiples: Array<string> = []
  const above = (n: number) => {
    if (low === undefined || BigInt(n) > low) low = BigInt(n)
  }
  const below = (n: number) => {
    if (high === undefined || BigInt(n) < high) high = BigInt(n)
  }
  const visit = (check: SchemaAST.Check<any>): void => {
    if (check._tag === "FilterGroup") return check.checks.forEach(visit)
    const representation = check.annotations?.representation
    const payload: any = representation?.payload
    switch (representation?.id) {
      case "effect/schema/isInt":
      case "effect/schema/isFinite":
        return
      case "effect/schema/isGreaterThan":
        return above(Math.floor(payload.exclusiveMinimum) + 1)
      case "effect/schema/isGreaterThanOrEqualTo":
        return above(Math.ceil(payload.minimum))
      case "effect/schema/isLessThan":
        return below(Math.ceil(payload.exclusiveMaximum) - 1)
      case "effect/schema/isLessThanOrEqualTo":
        return below(Math.floor(payload.maximum))
      case "effect/schema/isBetween":
        above(payload.exclusiveMinimum === true ? Math.floor(payload.minimum) + 1 : Math.ceil(payload.minimum))
        return below(payload.exclusiveMaximum === true ? Math.ceil(payload.maximum) - 1 : Math.floor(payload.maximum))
      case "effect/schema/isMultipleOf": {
        const digits = multipleDigits(payload.divisor)
        if (digits !== undefined) {
          multiples.push(...digits)
          return
        }
      }
    }
    other = true
  }
  checks.forEach(visit)
  return other ? undefined : { low, high, multiples }
}

/**
 * The digit strings (leading zeros and all) whose value is a multiple of `divisor`, as groups of a
 * pattern all of which they match, for a divisor of 1000 (`2^a * 5^b`, `a` and `b` at most 3) or
 * three times one: whether a number is a multiple of the first is said by its last
 * `k = max(a, b)` digits (a shorter one's, as if zeros led it), written as a tree of their digits
 * (`isMultipleOf(4)`: `[0-9]*(?:[02468][048]|[13579][26])|[048]`); of 3, by the sum of its digits,
 * written as the paths of the automaton of that sum modulo 3 from 0 back to 0 (`multipleOfThree`).
 * `undefined` for any other divisor.
 */
const multipleDigits = (divisor: number): ReadonlyArray<string> | undefined => {
  if (!Number.isInteger(divisor) || divisor < 1) return undefined
  const three = divisor % 3 === 0 && divisor % 9 !== 0
  const rest = three ? divisor / 3 : divisor
  if (1000 % rest !== 0) return undefined
  const out = three ? [multipleOfThree] : []
  let k = 0
  while (10 ** k % rest !== 0) k++
  if (k === 0) return three ? out : ["[0-9]+"]
  const ofLength = (length: number): Array<string> => {
    const out: Array<string> = []
    for (let n = 0; n < 10 ** length; n += rest) out.push(String(n).padStart(length, "0"))
    return out
  }
  const shorter: Array<string> = []
  for (let length = 1; length < k; length++) shorter.push(digitTree(ofLength(length)))
  return [...out, `(?:[0-9]*${digitTree(ofLength(k))}${shorter.map((tree) => `|${tree}`).join("")})`]
}

/**
 * The digit strings whose digits sum to a multiple of 3 (the multiples of 3): the paths from 0 back
 * to 0 of the automaton of the sum modulo 3, its state 2 then 1 eliminated (`A` is a digit adding
 * 0, `B` 1, `C` 2: `(?:A|CA*B|(?:B|CA*C)(?:A|BA*C)*(?:C|BA*B))*`). Each string has one path, so
 * a backtracking engine does not retry splits.
 */
const multipleOfThree = (() => {
  const [a, b, c] = ["[0369]", "[147]", "[258]"]
  return `(?:${a}|${c}${a}*${b}|(?:${b}|${c}${a}*${c})(?:${a}|${b}${a}*${c})*(?:${c}|${b}${a}*${b}))*`
})()

/**
 * Strings of digits of one length as a pattern: by their first digit, those digits whose rests are
 * the same put in one class (`["00", "04", "12"]`: `(?:0[04]|12)`).
 */
const digitTree = (strings: ReadonlyArray<string>): string => {
  if (strings[0] === "") return ""
  const rests = new Map<string, Array<string>>()
  for (const s of strings) {
    const rest = rests.get(s[0]!)
    if (rest === undefined) rests.set(s[0]!, [s.slice(1)])
    else rest.push(s.slice(1))
  }
  // The digits whose rests are the same, by those rests.
  const byRest = new Map<string, { digits: string; rest: ReadonlyArray<string> }>()
  for (const [digit, rest] of rests) {
    const key = rest.join(",")
    const same = byRest.get(key)
    if (same === undefined) byRest.set(key, { digits: digit, rest })
    else same.digits += digit
  }
  const branches = [...byRest.values()].map(({ digits, rest }) =>
    (digits.length === 1 ? digits : `[${digits}]`) + digitTree(rest)
  )
  return branches.length === 1 ? branches[0]! : `(?:${branches.join("|")})`
}

const intKey: SchemaAST.AST = Schema.String.check(
  Schema.isPattern(intKeyPattern).annotate({ toJsonSchema: () => ({ pattern: intKeyPattern.source }) })
).ast

/**
 * The source of a RegExp without the `u` flag as a pattern clients can compile: JSON Schema
 * patterns are read as Unicode regular expressions without flags (the SDK clients' validators,
 * this package's own for raw JSON Schemas, compile them with `u`), where an identity escape of a
 * character that needs none (`\-` outside a class, `\'`, `\@`, ...) is a syntax error: a tool
 * whose schema held `^\d{3}\-\d{4}$` made the SDK v1 client's `tools/list` throw, and the SDK v2
 * client refuse its calls. Such escapes are dropped (they match the character itself), also of
 * letters, where `u` gives some a meaning (`\p{L}` is `p{L}` without it, any letter with it).
 *
 * The flags are written into the pattern: `s` makes `.` `[\s\S]`, `m` makes `^` and `$` match at
 * line terminators too (`(?<![^\n\r\u2028\u2029])`, `(?![^\n\r\u2028\u2029])`), `i` makes each
 * character and class the class of the characters it matches ignoring case (`a` is `[Aa]`, as
 * the RegExp finds them); a pattern with `i` and a backreference (which matches ignoring case
 * too) has none.
 *
 * `undefined` when the pattern still does not compile, or holds characters outside the BMP. On
 * strings without such characters the pattern means what the RegExp does; on strings with them,
 * `.`, `\S`, `[^...]` and the like count code points, not code units, a difference no rewriting
 * removes.
 */
const asUnicodePattern = (source: string, flags = ""): string | undefined => {
  const ignoreCase = flags.includes("i")
  // Without `u`, `\k` is a backreference only in a pattern with named groups.
  const namedGroups = /\(\?<[^=!]/.test(source)
  if (ignoreCase && (/\\[1-9]/.test(source) || (namedGroups && /\\k/.test(source)))) return undefined
  let out = ""
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!
    if (ignoreCase && char === "[" && !inClass) {
      // The whole class, as the RegExp reads it (`]` right after `[` or `[^` closes it).
      let end = i + 1
      if (source[end] === "^") end++
      while (end < source.length && source[end] !== "]") end += source[end] === "\\" ? 2 : 1
      if (end >= source.length) return undefined
      const negated = source[i + 1] === "^"
      const body = source.slice(negated ? i + 2 : i + 1, end)
      // A leading `^` of the body (`[^^a]`) is a member.
      const members = caseInsensitiveSet(`[${body.startsWith("^") ? "\\" : ""}${body}]`)
      if (members === undefined) return undefined
      out += `[${negated ? "^" : ""}${members}]`
      i = end
      continue
    }
    if (char === "\\" && i + 1 < source.length) {
      const next = source[++i]!
      const rest = source.slice(i + 1)
      // `\cX` with a letter is a control character; else it is a backslash and a `c` (or, in a
      // class, something else again): no pattern.
      if (next === "c" && !/^[A-Za-z]/.test(rest)) return undefined
      // Kept: escapes with a meaning (`\d`, `\x41`, `\u0041`, `\k<name>` where groups have names,
      // digits: the Unicode compile refuses what differs), of syntax characters, `\-` in a class.
      // Any other letter is an identity escape, the letter itself, as `\p` and `\P` are (Unicode
      // property escapes with `u`) and `\u` not followed by four hex digits (`\u{41}` is 41 `u`s).
      const hex = (next === "x" && /^[0-9A-Fa-f]{2}/.test(rest)) || (next === "u" && /^[0-9A-Fa-f]{4}/.test(rest))
      const needed = /[bBdDsSwWfnrtvc0-9^$\\.*+?()[\]{}|/]/.test(next) || (next === "-" && inClass) || hex ||
        (next === "k" && namedGroups)
      if (ignoreCase && !inClass && (hex || next === "c" || !needed)) {
        // A character, which matches ignoring case.
        const length = next === "x" ? 2 : next === "u" ? 4 : next === "c" ? 1 : 0
        const members = caseInsensitiveSet(`[\\${next}${rest.slice(0, length)}]`)
        if (members === undefined) return undefined
        out += `[${members}]`
        i += length
        continue
      }
      out += needed ? `\\${next}` : next
      continue
    }
    if (!inClass) {
      if (char === "(" && source.startsWith("?<", i + 1) && !/^[=!]/.test(source[i + 3] ?? "")) {
        // A group's name, kept as it is.
        const end = source.indexOf(">", i)
        if (end < 0) return undefined
        out += source.slice(i, end + 1)
        i = end
        continue
      }
      if (char === "." && flags.includes("s")) {
        out += "[\\s\\S]"
        continue
      }
      if ((char === "^" || char === "$") && flags.includes("m")) {
        out += char === "^" ? "(?<![^\\n\\r\\u2028\\u2029])" : "(?![^\\n\\r\\u2028\\u2029])"
        continue
      }
      if (ignoreCase && (char.toLowerCase() !== char || char.toUpperCase() !== char)) {
        const members = caseInsensitiveSet(`[${char}]`)
        if (members === undefined) return undefined
        out += `[${members}]`
        continue
      }
    }
    if (char === "[" && !inClass) inClass = true
    else if (char === "]" && inClass) inClass = false
    out += char
  }
  // A character outside the BMP is two code units without `u`, one with it (`[😀]`, `😀+`,
  // `\uD83D\uDE00` match differently): no pattern.
  if (/[\uD800-\uDFFF]|\\u[Dd][89A-Fa-f]/.test(out)) return undefined
  try {
    new RegExp(out, "u")
    return out
  } catch {
    return undefined
  }
}

/**
 * The source of a RegExp with the `u` flag and `i`, `m` or `s` as a pattern without flags (see
 * `asUnicodePattern`; the source is a Unicode RegExp already, its escapes are kept): `s` makes `.`
 * `[\s\S]`, `m` makes `^` and `$` lookarounds at line terminators, `i` makes each character, each
 * class and each escape whose matches change ignoring case (`\w`, `\p{Lu}`, `\u{10400}`) the class
 * of the code points the RegExp matches ignoring case (Unicode case folding: `[a-z]` with `iu`
 * matches `ſ` and the Kelvin sign, `\w` too), and `\b` / `\B` lookarounds on that `\w`.
 * `undefined` with `i` and a backreference (which matches ignoring case), with modifiers
 * (`(?i:...)`), or when the result does not compile.
 */
const withUnicodeFlags = (source: string, flags: string): string | undefined => {
  const ignoreCase = flags.includes("i")
  if (/\(\?[-ims]+:/.test(source) || (ignoreCase && /\\[1-9k]/.test(source))) return undefined
  let out = ""
  for (let i = 0; i < source.length;) {
    const char = source[i]!
    if (char === "[") {
      // The whole class (`]` right after `[` or `[^` closes it).
      let end = i + 1
      if (source[end] === "^") end++
      while (end < source.length && source[end] !== "]") end += source[end] === "\\" ? 2 : 1
      if (end >= source.length) return undefined
      if (ignoreCase) {
        const negated = source[i + 1] === "^"
        const body = source.slice(negated ? i + 2 : i + 1, end)
        // A leading `^` of the body (`[^^a]`) is a member.
        const members = caseInsensitiveSet(`[${body.startsWith("^") ? "\\" : ""}${body}]`, true)
        if (members === undefined) return undefined
        out += `[${negated ? "^" : ""}${members}]`
      } else {
        out += source.slice(i, end + 1)
      }
      i = end + 1
      continue
    }
    if (char === "\\") {
      const next = source[i + 1] ?? ""
      let end = i + 2
      if ((next === "u" || next === "p" || next === "P") && source[end] === "{") end = source.indexOf("}", end) + 1
      else if (next === "u") {
        end = i + 6
        // A surrogate pair written as two escapes is one code point.
        if (/^\\u[Dd][89ABab][0-9A-Fa-f]{2}\\u[Dd][C-Fc-f][0-9A-Fa-f]{2}/.test(source.slice(i))) end = i + 12
      } else if (next === "x") end = i + 4
      else if (next === "c") end = i + 3
      else if (next === "k") end = source.indexOf(">", end) + 1
      if (end <= i) return undefined
      const escaped = source.slice(i, end)
      i = end
      if (!ignoreCase || /^[dDsSfnrtv0^$\\.*+?()[\]{}|/-]$/.test(next)) {
        out += escaped
      } else if (next === "b" || next === "B") {
        const word = caseInsensitiveSet("[\\w]", true)
        if (word === undefined) return undefined
        const w = `[${word}]`
        out += next === "b" ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`
      } else {
        // A character or a class escape (`\w`, `\p{...}`) that matches ignoring case.
        const members = caseInsensitiveSet(`[${escaped}]`, true)
        if (members === undefined) return undefined
        out += `[${members}]`
      }
      continue
    }
    if (char === "(" && source.startsWith("?<", i + 1) && !/^[=!]/.test(source[i + 3] ?? "")) {
      // A group's name, kept as it is.
      const end = source.indexOf(">", i)
      if (end < 0) return undefined
      out += source.slice(i, end + 1)
      i = end + 1
      continue
    }
    const character = String.fromCodePoint(source.codePointAt(i)!)
    i += character.length
    if (character === "." && flags.includes("s")) {
      out += "[\\s\\S]"
    } else if ((character === "^" || character === "$") && flags.includes("m")) {
      out += character === "^" ? "(?<![^\\n\\r\\u2028\\u2029])" : "(?![^\\n\\r\\u2028\\u2029])"
    } else if (ignoreCase && (character.codePointAt(0)! > 0x7F || /[A-Za-z]/.test(character))) {
      // Any character but ASCII punctuation, digits and controls may match others ignoring case.
      const members = caseInsensitiveSet(`[${character}]`, true)
      if (members === undefined) return undefined
      out += `[${members}]`
    } else {
      out += character
    }
  }
  try {
    new RegExp(out, "u")
    return out
  } catch {
    return undefined
  }
}

/**
 * The members of a class matched ignoring case, as the body of a class clients compile. Without
 * `unicode`: the BMP characters the RegExp `[...]` with `i` matches, found by asking it in one pass
 * over them all; `undefined` when it does not compile, or matches a surrogate (a character outside
 * the BMP is two of them without `u`). With `unicode`: the code points `[...]` with `iu` matches
 * (lone surrogates asked one by one). Called at registration only, once per class of a pattern
 * with `i` (remembered, up to 1,024).
 */
const caseInsensitiveSet = (cls: string, unicode = false): string | undefined => {
  const key = unicode ? `u${cls}` : cls
  const cached = caseInsensitiveSets.get(key)
  if (cached !== undefined || caseInsensitiveSets.has(key)) return cached
  const members = unicode ? caseInsensitiveCodePoints(cls) : caseInsensitiveMembers(cls)
  // Bounded: the classes of the patterns of a server's Schemas.
  if (caseInsensitiveSets.size >= 1024) caseInsensitiveSets.clear()
  caseInsensitiveSets.set(key, members)
  return members
}

const caseInsensitiveCodePoints = (cls: string): string | undefined => {
  let ranges: ReadonlyArray<readonly [number, number]>
  try {
    ranges = codePointRanges(cls.slice(1, -1))
  } catch {
    return undefined
  }
  return codePointClass(ranges)
}

/** Code point ranges as the members of a class compiled with `u`, which other dialects read too. */
const codePointClass = (ranges: ReadonlyArray<readonly [number, number]>): string => {
  // Surrogates are written `\uXXXX` (what other dialects read), and a leading one right before a
  // trailing one would be a single code point with `u`: the trailing ones go first.
  const pieces: Array<Array<readonly [number, number]>> = [[], [], []]
  for (const [start, end] of ranges) {
    for (const [from, to, at] of [[0, 0xD7FF, 0], [0xDC00, 0xDFFF, 1], [0xD800, 0xDBFF, 2], [0xE000, 0x10FFFF, 0]] as const) {
      if (start <= to && end >= from) pieces[at]!.push([Math.max(start, from), Math.min(end, to)])
    }
  }
  let out = ""
  for (const [start, end] of pieces.flat()) {
    out += start === end ? codePointMember(start) : `${codePointMember(start)}-${codePointMember(end)}`
  }
  return out
}

/**
 * The code points the class of `body` matches with `flags` (`iu` unless given), as ordered ranges: a run of code points
 * all of which it matches (or none) is asked at once, and split in two otherwise, so a class of
 * many (`\p{L}`, `\W`) costs little more than one of few. Throws when it does not compile.
 */
const codePointRanges = (body: string, flags = "iu"): Array<readonly [number, number]> => {
  const every = new RegExp(`^[${body}]*$`, flags)
  const none = new RegExp(`^[^${body}]*$`, flags)
  const text = codePoints()
  // Where a code point is in `text`, which holds no surrogates.
  const offset = (code: number): number =>
    code <= 0xD800 ? code : code <= 0x10000 ? code - 0x800 : 0xF800 + (code - 0x10000) * 2
  const ranges: Array<readonly [number, number]> = []
  const add = (start: number, end: number) => {
    const last = ranges[ranges.length - 1]
    if (last !== undefined && last[1] === start - 1) ranges[ranges.length - 1] = [last[0], end]
    else ranges.push([start, end])
  }
  const visit = (start: number, end: number): void => {
    const run = text.slice(offset(start), offset(end + 1))
    if (every.test(run)) return add(start, end)
    if (none.test(run)) return
    const middle = Math.floor((start + end) / 2)
    visit(start, middle)
    visit(middle + 1, end)
  }
  const single = new RegExp(`^[${body}]$`, flags)
  for (const [start, end] of [[0, 0xD7FF], [0xD800, 0xDFFF], [0xE000, 0x10FFFF]] as const) {
    if (start !== 0xD800) {
      visit(start, end)
      continue
    }
    // Lone surrogates, which `text` cannot hold one by one, asked one at a time.
    for (let each = start; each <= end; each++) if (single.test(String.fromCharCode(each))) add(each, each)
  }
  return ranges
}

let allCodePoints: string | undefined

/**
 * Every code point but the surrogates, in order (4 MB): made at the first pattern with `iu` of a
 * registration, let go once it is over (the patterns of the Schemas registered together share it).
 */
const codePoints = (): string => {
  if (allCodePoints === undefined) {
    setTimeout(() => {
      allCodePoints = undefined
    }, 0).unref?.()
    const chunks: Array<string> = []
    for (let code = 0; code <= 0x10FFFF; code += 4096) {
      const chunk: Array<number> = []
      for (let each = code; each < code + 4096; each++) if (each < 0xD800 || each > 0xDFFF) chunk.push(each)
      chunks.push(String.fromCodePoint(...chunk))
    }
    allCodePoints = chunks.join("")
  }
  return allCodePoints
}

/**
 * A code point as a member of a class compiled with `u`: the character itself outside the BMP
 * (`\u{...}` is JavaScript's alone, other dialects' escapes differ too), else as in {@link member}.
 */
const codePointMember = (code: number): string => code > 0xFFFF ? String.fromCodePoint(code) : member(code)

const caseInsensitiveSets = new Map<string, string | undefined>()

const caseInsensitiveMembers = (cls: string): string | undefined => {
  let regExp: RegExp
  try {
    // One pass over every BMP code unit (a class matches one at a time without `u`).
    regExp = new RegExp(cls, "gi")
  } catch {
    return undefined
  }
  let out = ""
  let start = -1
  let last = -2
  const flush = () => {
    if (start >= 0) out += last === start ? member(start) : `${member(start)}-${member(last)}`
  }
  for (let match = regExp.exec(bmp()); match !== null; match = regExp.exec(bmp())) {
    const code = match.index
    if (match[0].length !== 1 || (code >= 0xD800 && code <= 0xDFFF)) return undefined
    if (code !== last + 1) {
      flush()
      start = code
    }
    last = code
  }
  flush()
  return out
}

let bmpUnits: string | undefined

/** Every UTF-16 code unit, in order (made once, at the first pattern with `i`). */
const bmp = (): string => {
  if (bmpUnits === undefined) {
    const codes: Array<string> = []
    for (let code = 0; code <= 0xFFFF; code += 4096) {
      codes.push(String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => code + i)))
    }
    bmpUnits = codes.join("")
  }
  return bmpUnits
}

/** A BMP character as a member of a class clients compile (`\uXXXX`, which other dialects read too). */
const member = (code: number): string =>
  /[A-Za-z0-9]/.test(String.fromCharCode(code)) ? String.fromCharCode(code) : `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`

/**
 * Rewrites the encoded side of a schema (see `schemaRewrite`) so that Effect's canonical JSON codec
 * describes what an LLM should send: numbers without non-finite alternatives, optional members
 * without `undefined` (which the JSON codec turns into `null`), and LLM-friendly check translations.
 */
const prepare = (root: SchemaAST.AST, use: Use): SchemaAST.AST => {
  // A form has no `pattern` (`elicitationSchema` refuses one).
  return rewrite(SchemaAST.toEncoded(use === "elicitation" ? root : rewrite(root, numberStrings)), {
    // An output's optional array element (of a tuple or its rest) holding `undefined` is sent as
    // null (see `outputCodec`): it stays nullable.
    elements: use === "output",
    // An optional member is absent, not `undefined`: the JSON codec would offer `null` for it.
    optionalMembers: (types) =>
      types.some(SchemaAST.isUndefined) && !types.every(SchemaAST.isUndefined)
        ? types.filter((type) => !SchemaAST.isUndefined(type))
        : types,
    node: (bounded) => {
      const ast = sizedAsArray(bigIntWithin(templateWithin(bounded)), use)
      const checks = ast.checks === undefined
        ? undefined
        : SchemaAST.mapOrSame(ast.checks, overrideCheck(use, checked(ast))) as SchemaAST.Checks
      const node = finite(checks === ast.checks ? ast : copyNode(ast, { checks }), "first")
      return use === "output" ? undefinedMayBeMissing(node) : node
    },
    parameter: recordKey
  })
}

/** The size checks of a collection (`ReadonlySet`, `ReadonlyMap`, `HashSet`, ...). */
const sizeIds = ["effect/schema/isMinSize", "effect/schema/isMaxSize", "effect/schema/isBetweenSize"]

/**
 * A collection with size checks (`Schema.ReadonlySet(X).check(Schema.isMinSize(2))`) as its JSON
 * form, the array of its members (or entries), with `minItems` / `maxItems`: Effect writes no
 * check of a declaration, so any array was advertised. Arguments have the least length
 * (`minItems`): a set of `n` members is decoded from `n` items or more, as alike ones merge
 * (`["a", "a"]` is a set of one), so an array of more items than the most members may still be
 * one the Schema accepts; a result, the set encoded, has as many items as members: both. Any
 * other node as it is.
 */
const sizedAsArray = (ast: SchemaAST.AST, use: Use): SchemaAST.AST => {
  if (ast._tag !== "Declaration" || !hasCheck(ast.checks, sizeIds)) return ast
  let min = 0
  let max: number | undefined
  const visit = (check: SchemaAST.Check<any>): void => {
    if (check._tag === "FilterGroup") return check.checks.forEach(visit)
    const representation = check.annotations?.representation
    const payload: any = representation?.payload
    const atMost = (n: number) => {
      if (max === undefined || n < max) max = n
    }
    switch (representation?.id) {
      case "effect/schema/isMinSize":
        min = Math.max(min, payload.minSize)
        return
      case "effect/schema/isMaxSize":
        return atMost(payload.maxSize)
      case "effect/schema/isBetweenSize":
        min = Math.max(min, payload.minimum)
        return atMost(payload.maximum)
    }
  }
  ast.checks!.forEach(visit)
  let json: SchemaAST.AST
  try {
    json = SchemaAST.toEncoded(Schema.toCodecJson(Schema.make<Schema.Top>(copyNode(ast, { checks: undefined }))).ast)
  } catch {
    return ast
  }
  if (json._tag !== "Arrays" || json.elements.length > 0 || json.rest.length !== 1) return ast
  const checks: Array<SchemaAST.Check<any>> = []
  if (min > 0) checks.push(Schema.isMinLength(min))
  if (use === "output" && max !== undefined) checks.push(Schema.isMaxLength(max))
  return checks.length === 0 ? json : copyNode(json, { checks: [...(json.checks ?? []), ...checks] as SchemaAST.Checks })
}

/**
 * A result's struct with its `Schema.Any` fields optional: `Any` holds `undefined` too, whose JSON
 * is no key at all (a required one was refused by clients). Other fields as they are.
 */
const undefinedMayBeMissing = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (ast._tag !== "Objects") return ast
  const propertySignatures = SchemaAST.mapOrSame(ast.propertySignatures, (ps) =>
    ps.type._tag === "Any" && ps.type.encoding === undefined && !SchemaAST.isOptional(ps.type)
      ? new SchemaAST.PropertySignature(ps.name, Schema.optionalKey(Schema.make<Schema.Top>(ps.type)).ast)
      : ps)
  return propertySignatures === ast.propertySignatures
    ? ast
    : new SchemaAST.Objects(
      propertySignatures,
      ast.indexSignatures,
      ast.annotations,
      ast.checks,
      undefined,
      ast.context,
      ast.encodingChecks
    )
}

/**
 * JavaScript's white space and line terminators, which `Number` trims (`\s` of a JavaScript RegExp,
 * spelled out: other dialects' `\s` differ).
 */
const numberSpace = "[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*"

/**
 * Every string `Number` reads as a finite number (white space around it; decimal with a sign, a
 * fraction, an exponent; `0x`, `0o`, `0b` integers; nothing, which is 0), and a few it reads as
 * infinite (`"1e400"`): no finite number is refused.
 */
const finiteNumberString = new RegExp(
  `^${numberSpace}(?:[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)?${numberSpace}$`
)

/**
 * Every string `Number` may read as an integer (see {@link finiteNumberString}): a decimal without a
 * fraction but zeros (`"7"`, `"7."`, `"7.00"`), unless it has an exponent (`"1.5e1"`) or 16 digits
 * or more (`"1.0000000000000001"` is 1: a fraction that is not zero rounds away only past 2^52,
 * which fewer digits cannot reach); `0x` / `0o` / `0b` integers; nothing. Not `"1.5"`.
 */
const integerNumberString = new RegExp(
  `^${numberSpace}(?:[+-]?(?:[0-9]+(?:\\.0*)?|\\.0+|(?=(?:\\.?[0-9]){16})(?:[0-9]+\\.[0-9]*|\\.[0-9]+)|(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)[eE][+-]?[0-9]+)|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)?${numberSpace}$`
)

/**
 * The strings `Number` may read as an Int within the bounds and multiples its checks say (see
 * `intChecks`; `Schema.NumberFromString.check(Schema.isInt32())`), among those of
 * {@link integerNumberString}: a decimal integer within them (a sign, leading zeros, a fraction of
 * zeros; nothing, or only a fraction of zeros, when 0 is), a multiple's by its digits; a decimal of
 * 16 digits or more with a fraction not all zeros, which may round to an integer, whose integer
 * part is within them or next to them (`"4.99999999999999999"` is 5), whatever its multiples; a
 * `0x` / `0o` / `0b` integer within them (those are never negative), whatever its multiples. A decimal with an exponent (`"1e3"`) is let
 * through whatever its value: its bounds would be the exponent's arithmetic. `undefined` when the
 * checks say nothing of these, or something else too.
 */
const boundedIntegerNumberString = (checks: SchemaAST.Checks): RegExp | undefined => {
  const said = intChecks(checks)
  if (said === undefined || (said.low === undefined && said.high === undefined && said.multiples.length === 0)) {
    return undefined
  }
  const { low, high } = said
  const within = (n: bigint) => (low === undefined || low <= n) && (high === undefined || high >= n)
  const zero = within(0n)
  const alternatives: Array<string> = []
  const multiples = said.multiples.map((digits) => `(?=[+-]?${digits}(?:\\.0*)?${numberSpace}$)`).join("")
  alternatives.push(`${multiples}${integerRange(low, high, true)}(?:\\.0*)?`)
  if (zero) alternatives.push("[+-]?\\.0+")
  // Rounded: the value is within one of its integer part (`"-4.99999999999999999"` is -5).
  const nearLow = low === undefined ? undefined : low - 1n
  const nearHigh = high === undefined ? undefined : high + 1n
  const nearZero = (nearLow === undefined || nearLow <= 0n) && (nearHigh === undefined || nearHigh >= 0n)
  alternatives.push(
    `(?=[+-]?(?:\\.?[0-9]){16})(?:${integerRange(nearLow, nearHigh, true)}|${nearZero ? "[+-]?" : "(?!)"})\\.0*[1-9][0-9]*`
  )
  alternatives.push("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)[eE][+-]?[0-9]+")
  // `0x` / `0o` / `0b`: no sign, any case, leading zeros.
  if (high === undefined || high >= 0n) {
    const from = low === undefined || low < 1n ? 1n : low
    for (const [prefix, base] of [["[xX]", 16], ["[oO]", 8], ["[bB]", 2]] as const) {
      const digits: Array<string> = []
      if (zero) digits.push("0+")
      if (high === undefined || from <= high) digits.push(`0*(?:${positive(from, high, base)})`)
      if (digits.length > 0) alternatives.push(`0${prefix}(?:${digits.join("|")})`)
    }
  }
  return new RegExp(`^${numberSpace}(?:${alternatives.join("|")})${zero ? "?" : ""}${numberSpace}$`)
}

/** Whether a type refuses every non-finite number (`Schema.Finite`, `Schema.Int`, their checks). */
const refusesNonFinite = (ast: SchemaAST.AST): boolean => {
  try {
    const is = Schema.is(Schema.make<Schema.Top>(SchemaAST.toType(ast)))
    return !is(Number.NaN) && !is(Number.POSITIVE_INFINITY) && !is(Number.NEGATIVE_INFINITY)
  } catch {
    return false
  }
}

/**
 * A `Schema.TemplateLiteral` as a string with the pattern of its parts (see `partPattern`), Effect's
 * own but for an Int part: Effect gives a number part the pattern of any finite number whatever
 * its checks, so `TemplateLiteral([Schema.Int, "px"])` advertised `"1.5px"`, which it refuses. Digits
 * are `[0-9]`, not `\d`, which Python's `re` (the Python SDK's jsonschema) takes for any Unicode
 * digit. As it is when a part is not one of these.
 */
const templateWithin = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (ast._tag !== "TemplateLiteral") return ast
  const pattern = templatePattern(ast.parts)
  if (pattern === undefined) return ast
  const check = Schema.isPattern(new RegExp(`^${pattern}$`, "u"))
  return new SchemaAST.String(ast.annotations, [check, ...(ast.checks ?? [])] as SchemaAST.Checks, undefined, ast.context)
}

/** The pattern of a template literal's parts, joined; `undefined` when one is not a literal, a string, a number, a bigint, a template literal or a union of them. */
const templatePattern = (parts: ReadonlyArray<SchemaAST.AST>): string | undefined => {
  let out = ""
  for (const part of parts) {
    const pattern = partPattern(part)
    if (pattern === undefined) return undefined
    out += pattern
  }
  return out
}

/**
 * A decimal number, as the Schema reads one in a template literal (Effect's `FINITE_PATTERN`, digits
 * written `[0-9]`).
 */
const decimalPart = "[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[Ee][+-]?[0-9]+)?"

/**
 * The decimal numbers an Int part may read as integers: without an exponent, a fraction of zeros,
 * or one with 16 digits or more in all (`Number` rounds `"1.0000000000000001"` to 1: a fraction
 * that is not zero rounds away only past 2^52, which fewer digits cannot reach); any with one
 * (`"1.5e1"` is 15). Not `"1.5"`.
 */
const integerPart =
  "[+-]?(?:[0-9]+(?:\\.0+)?|\\.0+|(?=(?:\\.?[0-9]){16})(?:[0-9]+\\.[0-9]+|\\.[0-9]+)|(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)[Ee][+-]?[0-9]+)"

/** What a template literal's part matches, as Effect writes it (see {@link templateWithin}). */
const partPattern = (part: SchemaAST.AST): string | undefined => {
  switch (part._tag) {
    case "Literal":
      return String(part.literal).replace(/[/\\^$*+?.()|[\]{}]/g, "\\$&")
    case "String":
      return "[\\s\\S]*?"
    case "Number":
      return hasCheck(part.checks, intIds) ? integerPart : decimalPart
    case "BigInt":
      return "-?[0-9]+"
    case "TemplateLiteral":
      return templatePattern(part.parts)
    case "Union": {
      const members: Array<string> = []
      for (const member of part.types) {
        const pattern = partPattern(member)
        if (pattern === undefined) return undefined
        members.push(pattern)
      }
      return members.length === 0 ? "(?!)" : `(?:${members.join("|")})`
    }
  }
  return undefined
}

/** The bounds checks of a `Schema.BigInt`. */
const bigIntBoundIds = [
  "effect/schema/isGreaterThanBigInt",
  "effect/schema/isGreaterThanOrEqualToBigInt",
  "effect/schema/isLessThanBigInt",
  "effect/schema/isLessThanOrEqualToBigInt",
  "effect/schema/isBetweenBigInt"
]

/**
 * A `Schema.BigInt` with bounds (`isBetweenBigInt`, `isGreaterThanBigInt`, ...) as the string
 * whose pattern holds the integers within them exactly (Effect writes no bounds, so any integer
 * string was advertised, `^-?\d+$`); any other node as it is.
 */
const bigIntWithin = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (ast._tag !== "BigInt" || !hasCheck(ast.checks, bigIntBoundIds)) return ast
  let low: bigint | undefined
  let high: bigint | undefined
  const above = (n: bigint) => {
    if (low === undefined || n > low) low = n
  }
  const below = (n: bigint) => {
    if (high === undefined || n < high) high = n
  }
  const visit = (check: SchemaAST.Check<any>): void => {
    if (check._tag === "FilterGroup") return check.checks.forEach(visit)
    const representation = check.annotations?.representation
    const payload: any = representation?.payload
    switch (representation?.id) {
      case "effect/schema/isGreaterThanBigInt":
        return above(BigInt(payload.exclusiveMinimum) + 1n)
      case "effect/schema/isGreaterThanOrEqualToBigInt":
        return above(BigInt(payload.minimum))
      case "effect/schema/isLessThanBigInt":
        return below(BigInt(payload.exclusiveMaximum) - 1n)
      case "effect/schema/isLessThanOrEqualToBigInt":
        return below(BigInt(payload.maximum))
      case "effect/schema/isBetweenBigInt":
        above(BigInt(payload.minimum) + (payload.exclusiveMinimum === true ? 1n : 0n))
        return below(BigInt(payload.maximum) - (payload.exclusiveMaximum === true ? 1n : 0n))
    }
  }
  ast.checks?.forEach(visit)
  const pattern = bigIntRange(low, high)
  // Its own title and description kept (its examples and default are bigints, written by `lostDocs`).
  const { description, title } = ast.annotations ?? {}
  return copyNode(Schema.String.check(Schema.isPattern(new RegExp(pattern, "u"))).ast, {
    annotations: { ...(title !== undefined && { title }), ...(description !== undefined && { description }) }
  })
}

/** The digits `from` to `to` of a base as a pattern (a letter in both cases: `0x` digits). */
const digitClass = (base: number, from: number, to: number): string => {
  const char = (n: number) => n.toString(base)
  if (from === to && from < 10) return char(from)
  const ranges: Array<string> = []
  const span = (a: number, b: number, upper: boolean) => {
    const [x, y] = upper ? [char(a).toUpperCase(), char(b).toUpperCase()] : [char(a), char(b)]
    ranges.push(a === b ? x : `${x}-${y}`)
  }
  if (from <= 9) span(from, Math.min(to, 9), false)
  if (to >= 10) {
    span(Math.max(from, 10), to, false)
    span(Math.max(from, 10), to, true)
  }
  return `[${ranges.join("")}]`
}

/**
 * The digits of the numbers from `low` to `high` (as many digits each, `low <= high`, written in
 * `base`, lowercase), as a pattern.
 */
const sameLength = (low: string, high: string, base = 10): string => {
  const digit = (c: string) => parseInt(c, base)
  const literal = (digits: string) => Array.from(digits, (c) => digitClass(base, digit(c), digit(c))).join("")
  if (low === high) return literal(low)
  if (low[0] === high[0]) return `${literal(low[0]!)}(?:${sameLength(low.slice(1), high.slice(1), base)})`
  const rest = low.length - 1
  const top = (base - 1).toString(base)
  // `[0-9]`, not `\d`: Python's `re` (the Python SDK's jsonschema) takes any Unicode digit for `\d`.
  const anyDigit = digitClass(base, 0, base - 1)
  const any = rest === 0 ? "" : rest === 1 ? anyDigit : `${anyDigit}{${rest}}`
  const lowFull = /^0*$/.test(low.slice(1))
  const highFull = new RegExp(`^${top}*$`).test(high.slice(1))
  const first = digit(low[0]!) + (lowFull ? 0 : 1)
  const last = digit(high[0]!) - (highFull ? 0 : 1)
  const parts: Array<string> = []
  if (!lowFull) parts.push(`${literal(low[0]!)}(?:${sameLength(low.slice(1), top.repeat(rest), base)})`)
  if (first <= last) parts.push(`${digitClass(base, first, last)}${any}`)
  if (!highFull) parts.push(`${literal(high[0]!)}(?:${sameLength("0".repeat(rest), high.slice(1), base)})`)
  return parts.join("|")
}

/** The numbers from `low` (at least 1) to `high` (none: no end), without leading zeros, in `base`, as a pattern. */
const positive = (low: bigint, high: bigint | undefined, base = 10): string => {
  const a = low.toString(base)
  const b = high?.toString(base)
  if (b !== undefined && a.length === b.length) return sameLength(a, b, base)
  const top = (base - 1).toString(base)
  const nonZero = digitClass(base, 1, base - 1)
  const anyDigit = digitClass(base, 0, base - 1)
  const parts = [sameLength(a, top.repeat(a.length), base)]
  if (b === undefined) parts.push(`${nonZero}${anyDigit}{${a.length},}`)
  else {
    if (b.length - a.length > 1) parts.push(`${nonZero}${anyDigit}{${a.length},${b.length - 2}}`)
    parts.push(sameLength(`1${"0".repeat(b.length - 1)}`, b, base))
  }
  return parts.join("|")
}

/**
 * The strings `Schema.BigInt` decodes (`-?\d+`, leading zeros and `-0` included) to a number from
 * `low` to `high` (inclusive; none: no end), as a pattern.
 */
const bigIntRange = (low: bigint | undefined, high: bigint | undefined): string => `^${integerRange(low, high, false)}$`

/**
 * The integers from `low` to `high` (inclusive; none: no end) written with leading zeros or not,
 * `-0` too, and with `plus` a `+` sign, as a group of a pattern (one matching nothing when none).
 */
const integerRange = (low: bigint | undefined, high: bigint | undefined, plus: boolean): string => {
  const parts: Array<string> = []
  // Negative numbers: -high' .. -low' with high' = min(high, -1).
  if (low === undefined || low < 0n) {
    const top = high === undefined || high >= 0n ? -1n : high
    if (low === undefined || low <= top) parts.push(`-0*(?:${positive(-top, low === undefined ? undefined : -low)})`)
  }
  if ((low === undefined || low <= 0n) && (high === undefined || high >= 0n)) parts.push(plus ? "[+-]?0+" : "-?0+")
  if (high === undefined || high > 0n) {
    const bottom = low === undefined || low < 1n ? 1n : low
    if (high === undefined || bottom <= high) parts.push(`${plus ? "\\+?" : ""}0*(?:${positive(bottom, high)})`)
  }
  return parts.length === 0 ? "(?!)" : `(?:${parts.join("|")})`
}

/**
 * A string decoded by `Number` to a finite number (`Schema.FiniteFromString`, or
 * `SchemaTransformation.numberFromString` into `Schema.Int`) is given the pattern of the strings
 * `Number` reads as finite ones (as integers, into an Int), so the model is told it is a number; one decoded to any number
 * (`Schema.NumberFromString`, whose `"abc"` is `NaN`) is not. Not in an elicitation form.
 */
const numberStrings: Rules = {
  elements: false,
  optionalMembers: (types) => types,
  node: (ast) => ast,
  link: (ast, to, link) =>
    link.transformation === SchemaTransformation.numberFromString && to._tag === "String" && refusesNonFinite(ast)
      ? copyNode(to, {
        checks: [
          ...(to.checks ?? []),
          Schema.isPattern(
            hasCheck(ast.checks, intIds)
              ? boundedIntegerNumberString(ast.checks!) ?? integerNumberString
              : finiteNumberString
          )
        ]
      })
      : to
}

// ---------------------------------------------------------------------------
// Tidying the output
// ---------------------------------------------------------------------------

const isRecord = (u: unknown): u is MutableJsonSchema => typeof u === "object" && u !== null && !Array.isArray(u)

const show = (schema: unknown): string => JSON.stringify(schema)

const schemaKeywords = [
  "items",
  "additionalProperties",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
  "contentSchema"
]
const schemaMapKeywords = ["properties", "patternProperties", "dependentSchemas", "$defs"]
const schemaArrayKeywords = ["anyOf", "oneOf", "allOf", "prefixItems"]
const annotationKeywords = ["title", "description", "default", "examples", "readOnly", "writeOnly"]
const inlineableKeywords = [
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties"
]

/** `$ref` and `type` first, for whoever reads the schema. */
const ordered = (schema: MutableJsonSchema): MutableJsonSchema => {
  const { $ref, type, ...rest } = schema
  return { ...($ref === undefined ? {} : { $ref }), ...(type === undefined ? {} : { type }), ...rest }
}

const isNonFiniteAlternative = (u: unknown): boolean =>
  isRecord(u) && u.type === "string" && Array.isArray(u.enum) && u.enum.length === 3 &&
  Object.keys(u).length === 2 &&
  ["NaN", "Infinity", "-Infinity"].every((value) => (u.enum as Array<unknown>).includes(value))

/** Cleans a compiled schema (a fresh copy; keyword-aware, so property names are never mistaken for keywords). */
const tidy = (schema: JsonSchema, use: Use): MutableJsonSchema => {
  const out: MutableJsonSchema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (schemaKeywords.includes(key) && isRecord(value)) {
      out[key] = tidy(value, use)
    } else if (schemaMapKeywords.includes(key) && isRecord(value)) {
      const map: MutableJsonSchema = {}
      for (const [name, member] of Object.entries(value)) map[name] = isRecord(member) ? tidy(member, use) : member
      out[key] = map
    } else if (schemaArrayKeywords.includes(key) && Array.isArray(value)) {
      out[key] = value.map((member) => isRecord(member) ? tidy(member, use) : member)
    } else {
      out[key] = value
    }
  }
  // A tuple's rest element (`items` beside `prefixItems`) is every element's schema in draft-07,
  // which the SDK v1 client validates results with: there, one unlike a leading element is
  // `unevaluatedItems`, which 2020-12 reads alike (the elements `prefixItems` does not cover) and
  // draft-07 ignores.
  if (
    use === "output" && Array.isArray(out.prefixItems) && isRecord(out.items) && !("unevaluatedItems" in out) &&
    out.prefixItems.some((member) => show(member) !== show(out.items))
  ) {
    out.unevaluatedItems = out.items
    delete out.items
  }
  // `additionalProperties: true` is the default.
  if (out.additionalProperties === true) delete out.additionalProperties
  // `Schema.Literal(null)` (and a `Schema.Literals` holding null): Effect types the literal by its
  // `typeof`, `"object"`, which null is not in JSON Schema: `{ type: "object", enum: [null] }`
  // refused every value, null included (clients refused a result holding it).
  if (
    out.type === "object" && Array.isArray(out.enum) && out.enum.length > 0 && out.enum.every((value) => value === null)
  ) out.type = "null"
  // Check groups (e.g. `isInt32`) come out as `allOf` members of plain constraints: inline them,
  // with the group's documentation (`isInt32({ description })`, `makeFilterGroup(..., { title })`),
  // which clients and models read on the schema itself, not in an `allOf` member; the schema's own
  // documentation wins.
  if (Array.isArray(out.allOf)) {
    const kept = out.allOf.flatMap((member) => {
      if (!isRecord(member) || !Object.keys(member).every((key) => inlineableKeywords.includes(key) || annotationKeywords.includes(key))) {
        return [member]
      }
      if (Object.keys(member).some((key) => key in out && !annotationKeywords.includes(key))) {
        // Its constraints stay (they meet the schema's own), its documentation comes up.
        const constraints: MutableJsonSchema = {}
        for (const [key, value] of Object.entries(member)) {
          if (!annotationKeywords.includes(key)) constraints[key] = value
          else if (!(key in out)) out[key] = value
        }
        return [constraints]
      }
      for (const [key, value] of Object.entries(member)) if (!(key in out)) out[key] = value
      return []
    })
    if (kept.length === 0) delete out.allOf
    else out.allOf = kept
  }
  for (const key of ["anyOf", "oneOf"]) {
    const members = out[key]
    if (!Array.isArray(members)) continue
    // Non-finite numbers as strings (only reachable through declarations' own codecs).
    const kept = members.filter((member) => !isNonFiniteAlternative(member))
    out[key] = kept
    if (kept.length === 1 && isRecord(kept[0])) {
      // A single alternative (left over from an optional member): merge it into its parent, whose
      // annotations (the field's) win; other collisions keep the `anyOf`.
      const { [key]: _, ...rest } = out
      const only = kept[0]
      if (Object.keys(rest).every((name) => !(name in only) || annotationKeywords.includes(name))) {
        return ordered({ ...only, ...rest })
      }
    }
  }
  return ordered(out)
}

const definitionName = (ref: unknown): string | undefined => {
  if (typeof ref !== "string") return undefined
  const path = JsonPointer.parseUriFragment(ref)
  return path !== undefined && path.length === 2 && path[0] === "$defs" ? path[1] : undefined
}

const resolve = (schema: unknown, defs: Record<string, MutableJsonSchema>): MutableJsonSchema => {
  let current: unknown = schema
  const seen = new Set<string>()
  while (isRecord(current)) {
    const name = definitionName(current.$ref)
    if (name === undefined || seen.has(name) || defs[name] === undefined) return current
    seen.add(name)
    const { $ref: _, ...rest } = current
    current = { ...defs[name], ...rest }
  }
  return {}
}

/**
 * Calls `f` with every `$ref` of a schema and its subschemas, but not those inside values
 * (`default`, `examples`, `enum`, `const`). The members of `properties` (and the other maps of
 * subschemas) are schemas whatever their names: a property named `default` or `const` is walked.
 */
const forEachRef = (u: unknown, f: (ref: unknown) => void): void => {
  if (Array.isArray(u)) {
    for (const member of u) forEachRef(member, f)
  } else if (isRecord(u)) {
    for (const [key, value] of Object.entries(u)) {
      if (key === "$ref") {
        f(value)
      } else if (schemaMapKeywords.includes(key) && isRecord(value)) {
        for (const member of Object.values(value)) forEachRef(member, f)
      } else if (!valueKeywords.includes(key)) {
        forEachRef(value, f)
      }
    }
  }
}

/** The keywords whose values are data, not schemas: a `$ref` in them is not one. */
const valueKeywords = ["default", "examples", "enum", "const"]

/** The definitions reachable from the root, in their original order. */
const reachableDefinitions = (
  root: JsonSchema,
  defs: Record<string, MutableJsonSchema>
): Record<string, MutableJsonSchema> => {
  const reached = new Set<string>()
  const visit = (ref: unknown): void => {
    const name = definitionName(ref)
    if (name !== undefined && !reached.has(name) && defs[name] !== undefined) {
      reached.add(name)
      forEachRef(defs[name], visit)
    }
  }
  forEachRef(root, visit)
  const out: Record<string, MutableJsonSchema> = {}
  for (const [name, definition] of Object.entries(defs)) {
    if (reached.has(name)) out[name] = definition
  }
  return out
}

// ---------------------------------------------------------------------------
// Defaults from `withDecodingDefault`, documentation from transformations
// ---------------------------------------------------------------------------

interface Defaults {
  readonly values: Map<string, unknown>
  /** The `title` / `description` of fields whose JSON side lost them (see `lostDocs`). */
  readonly docs: Map<string, Docs>
  readonly nested: Map<string, Shape>
}

/**
 * Where defaults and lost documentation are found in a schema: the fields of a struct, the items
 * of an array, the members of a union (`Schema.NullOr(Struct)`, `Schema.optional(Struct)`).
 */
type Shape =
  | { readonly _tag: "Object"; readonly defaults: Defaults }
  | { readonly _tag: "Array"; readonly items: Shape }
  | { readonly _tag: "Union"; readonly members: ReadonlyArray<Shape | undefined> }

type Docs = {
  readonly title?: string
  readonly description?: string
  readonly examples?: ReadonlyArray<unknown>
  readonly default?: unknown
}

const docKeys = ["title", "description", "examples", "default"] as const

/** Nodes whose JSON form Effect builds anew, without their annotations (`Schema.Date`, a Class, `Schema.BigInt`). */
const jsonFormBuilt: ReadonlyArray<string> = ["Declaration", "BigInt", "Symbol", "UniqueSymbol"]

/**
 * The `title` and `description` a field's Schema gives on its way to its JSON side, which Effect's
 * JSON Schema leaves out: it writes the annotations of the last node of an encoding chain only, so
 * those of a transformation's type side (`Schema.FiniteFromString.annotate({ description })`, the
 * Schema prompts take numbers with) and of a declaration whose JSON form is built anew
 * (`Schema.Date`, a Class, `Schema.BigInt`) were lost, and the model saw a bare `{ "type": "string" }`. The
 * outermost wins; through `Schema.optional`'s union to its member. Applied only where the JSON side
 * has none of its own.
 */
const lostDocs = (ast: SchemaAST.AST): Docs | undefined => {
  const docs: { title?: string; description?: string; examples?: ReadonlyArray<unknown>; default?: unknown } = {}
  let current: SchemaAST.AST | undefined = ast
  for (let depth = 0; current !== undefined && depth < 16; depth++) {
    const node: SchemaAST.AST = current
    current = undefined
    if (node.encoding !== undefined || jsonFormBuilt.includes(node._tag)) {
      const title = annotationOf(node, "title")
      const description = annotationOf(node, "description")
      if (docs.title === undefined && typeof title?.value === "string") docs.title = title.value
      if (docs.description === undefined && typeof description?.value === "string") docs.description = description.value
      // Values of the type side: sent in their JSON form (left out when one does not encode).
      const examples = annotationOf(node, "examples")?.value
      if (docs.examples === undefined && Array.isArray(examples) && examples.length > 0) {
        const encoded = encodedAsJson(node, examples)
        if (encoded !== undefined) docs.examples = encoded
      }
      const defaultValue = annotationOf(node, "default")
      if (!("default" in docs) && defaultValue !== undefined) {
        const encoded = encodedAsJson(node, [defaultValue.value])
        if (encoded !== undefined) docs.default = encoded[0]
      }
    }
    if (node.encoding !== undefined) {
      current = node.encoding[node.encoding.length - 1].to
    } else {
      current = optionalMember(node)
    }
  }
  return Object.keys(docs).length === 0 ? undefined : docs
}

/**
 * An annotation of a node: its last check's that has it (a Schema's annotations go to its last
 * check, `SchemaAST.annotate`), else its own (given before its checks:
 * `Schema.Date.annotate({ description }).check(...)`, which `SchemaAST.resolve` does not see).
 */
const annotationOf = (ast: SchemaAST.AST, key: string): { readonly value: unknown } | undefined => {
  for (let i = (ast.checks?.length ?? 0) - 1; i >= 0; i--) {
    const annotations = ast.checks![i]!.annotations
    if (annotations !== undefined && key in annotations) return { value: annotations[key] }
  }
  return ast.annotations !== undefined && key in ast.annotations ? { value: ast.annotations[key] } : undefined
}

/** `values` of `ast`'s type encoded as JSON through its JSON codec; `undefined` when one does not encode. */
const encodedAsJson = (ast: SchemaAST.AST, values: ReadonlyArray<unknown>): ReadonlyArray<unknown> | undefined => {
  try {
    const encode = Schema.encodeUnknownExit(Schema.toCodecJson(Schema.make<Schema.Codec<unknown, unknown>>(ast)) as any)
    const out: Array<unknown> = []
    for (const value of values) {
      const encoded = encode(value)
      if (!Exit.isSuccess(encoded) || encoded.value === undefined) return undefined
      out.push(encoded.value)
    }
    return out
  } catch {
    return undefined
  }
}

/** The member of `Schema.optional(X)`'s union (`X | undefined`): `X`, whose JSON Schema the field's is. */
const optionalMember = (ast: SchemaAST.AST): SchemaAST.AST | undefined => {
  if (ast._tag !== "Union") return undefined
  const members: ReadonlyArray<SchemaAST.AST> = ast.types.filter((member) => !SchemaAST.isUndefined(member))
  return members.length === 1 && members.length < ast.types.length ? members[0] : undefined
}

/** The encoded end of an AST's encoding chain (the side JSON Schema describes), with its encodings. */
const encodedEnd = (ast: SchemaAST.AST): SchemaAST.AST => {
  let current = ast
  while (current.encoding !== undefined) current = current.encoding[current.encoding.length - 1].to
  return current
}

/**
 * Where the schema of `ast` (its encoded side) holds defaults or lost documentation, `undefined`
 * when it holds none.
 */
const shapeOf = (ast: SchemaAST.AST, depth: number): Shape | undefined => {
  if (depth > 8) return undefined
  const end = encodedEnd(ast)
  // A struct with a decoding default (`Schema.withDecodingDefault`): its JSON side is the struct's
  // encoded form (in `Schema.optional`), whose fields lost their defaults and documentation.
  if (ast._tag === "Objects" && end !== ast && isEncodedForm(ast, optionalMember(end) ?? end)) {
    const defaults = collectDefaults(ast, depth)
    return defaults.values.size > 0 || defaults.docs.size > 0 || defaults.nested.size > 0
      ? { _tag: "Object", defaults }
      : undefined
  }
  switch (end._tag) {
    case "Objects": {
      // `Schema.encodeKeys`: the defaults and documentation are the type side's, under their JSON names.
      const names = end === ast ? undefined : renamedKeys(ast)
      const defaults = names === undefined
        ? collectDefaults(end, depth)
        : renameDefaults(collectDefaults(ast as SchemaAST.Objects, depth), names)
      return defaults.values.size > 0 || defaults.docs.size > 0 || defaults.nested.size > 0
        ? { _tag: "Object", defaults }
        : undefined
    }
    case "Arrays": {
      // `Schema.Array(X)`: its `items`.
      if (end.elements.length > 0 || end.rest.length !== 1) return undefined
      const items = shapeOf(end.rest[0]!, depth + 1)
      return items === undefined ? undefined : { _tag: "Array", items }
    }
    case "Union": {
      // An optional member's `undefined` has no JSON Schema.
      const members = end.types.filter((member) => !SchemaAST.isUndefined(member)).map((member) => shapeOf(member, depth + 1))
      return members.some((member) => member !== undefined) ? { _tag: "Union", members } : undefined
    }
  }
  return undefined
}

/** Whether `encoded` is the struct `Schema.toEncoded` makes of `objects`: the same keys, each field's encoded form. */
const isEncodedForm = (objects: SchemaAST.Objects, encoded: SchemaAST.AST): boolean =>
  encoded._tag === "Objects" && encoded.indexSignatures.length === 0 && objects.indexSignatures.length === 0 &&
  encoded.propertySignatures.length === objects.propertySignatures.length &&
  encoded.propertySignatures.every((ps, i) => {
    const own = objects.propertySignatures[i]!
    return ps.name === own.name && ps.type === SchemaAST.toEncoded(own.type)
  })

/**
 * The JSON name of each field of a struct whose encoding only renames its keys
 * (`Schema.encodeKeys`), found by encoding an object of distinct markers; `undefined` for any other
 * encoding. The struct's fields carry the defaults and documentation the renamed side (their
 * encoded forms) has lost.
 */
const renamedKeys = (ast: SchemaAST.AST): ReadonlyMap<string, string> | undefined => {
  if (ast._tag !== "Objects" || ast.encoding?.length !== 1) return undefined
  const link = ast.encoding[0]
  if (link.to._tag !== "Objects" || link.to.encoding !== undefined || link.transformation._tag !== "Transformation") {
    return undefined
  }
  const markers = new Map<object, string>()
  const probe: Record<string, object> = {}
  for (const ps of ast.propertySignatures) {
    if (typeof ps.name !== "string") return undefined
    const marker = {}
    markers.set(marker, ps.name)
    probe[ps.name] = marker
  }
  try {
    // A getter needing services or time is not a renaming: it fails here (or throws), caught below.
    const run = SchemaGetter.run(link.transformation.encode, Option.some(probe), {})
    const exit = Effect.runSyncExit(run as Effect.Effect<Option.Option<unknown>, unknown>)
    if (!Exit.isSuccess(exit) || Option.isNone(exit.value) || !isRecord(exit.value.value)) return undefined
    const encoded = exit.value.value
    const names = new Map<string, string>()
    for (const key of Reflect.ownKeys(encoded)) {
      const name = markers.get(encoded[key as string] as object)
      if (typeof key !== "string" || name === undefined || names.has(name)) return undefined
      names.set(name, key)
    }
    return names.size === markers.size ? names : undefined
  } catch {
    return undefined
  }
}

/** Defaults found under the fields' own names, under their JSON names. */
const renameDefaults = (defaults: Defaults, names: ReadonlyMap<string, string>): Defaults => {
  const rename = <A>(map: Map<string, A>): Map<string, A> =>
    new Map(Array.from(map, ([name, value]) => [names.get(name) ?? name, value]))
  return { values: rename(defaults.values), docs: rename(defaults.docs), nested: rename(defaults.nested) }
}

/**
 * Finds the fields whose decoding supplies a default for a missing key, by decoding `{}` with a
 * one-field struct and encoding the result back to JSON. Only synchronous defaults without
 * services are found; anything that fails is skipped.
 */
const collectDefaults = (objects: SchemaAST.Objects, depth: number): Defaults => {
  const values = new Map<string, unknown>()
  const docs = new Map<string, Docs>()
  const nested = new Map<string, Shape>()
  for (const ps of objects.propertySignatures) {
    if (typeof ps.name !== "string") continue
    const name = ps.name
    const lost = lostDocs(ps.type)
    if (lost !== undefined) docs.set(name, lost)
    if (ps.type.encoding !== undefined) {
      try {
        const codec: any = Schema.toCodecJson(Schema.make<Schema.Top>(new SchemaAST.Objects([ps], [])))
        const decoded = Schema.decodeUnknownExit(codec)({})
        if (Exit.isSuccess(decoded) && isRecord(decoded.value) && Object.hasOwn(decoded.value, name)) {
          const encoded = Schema.encodeUnknownExit(codec)(decoded.value)
          if (Exit.isSuccess(encoded) && isRecord(encoded.value) && Object.hasOwn(encoded.value, name)) {
            values.set(name, encoded.value[name])
          }
        }
      } catch {
        // An asynchronous or effectful default: not detectable, nothing to advertise.
      }
    }
    const inner = shapeOf(ps.type, depth + 1)
    if (inner !== undefined) nested.set(name, inner)
  }
  return { values, docs, nested }
}

/** The schema with what the shape holds added (copies; definitions are never touched). */
const applyShape = (schema: MutableJsonSchema, shape: Shape | undefined): MutableJsonSchema => {
  if (shape === undefined) return schema
  switch (shape._tag) {
    case "Object":
      return applyDefaults(schema, shape.defaults)
    case "Array":
      return isRecord(schema.items) ? { ...schema, items: applyShape(schema.items, shape.items) } : schema
    case "Union": {
      const key = Array.isArray(schema.anyOf) ? "anyOf" : Array.isArray(schema.oneOf) ? "oneOf" : undefined
      // A single member (`Schema.optional(X)`) was merged into its parent.
      if (key === undefined) return shape.members.length === 1 ? applyShape(schema, shape.members[0]) : schema
      const alternatives = schema[key] as Array<unknown>
      // The members are written in order, unless some were merged (literals into an `enum`, a
      // union in a union, `undefined` into `null`): then a single member that is a union is
      // matched with the whole, another with the single object.
      if (alternatives.length === shape.members.length) {
        return {
          ...schema,
          [key]: alternatives.map((member, i) => isRecord(member) ? applyShape(member, shape.members[i]) : member)
        }
      }
      const shaped = shape.members.filter((member) => member !== undefined)
      if (shaped.length !== 1) return schema
      if (shaped[0]._tag === "Union") return applyShape(schema, shaped[0])
      const objects = alternatives.filter((member) => isRecord(member) && member.type === "object")
      if (objects.length !== 1) return schema
      return {
        ...schema,
        [key]: alternatives.map((member) => member === objects[0] ? applyShape(member as MutableJsonSchema, shaped[0]) : member)
      }
    }
  }
}

/** The schema with the defaults and lost documentation added to its properties (copies; definitions are never touched). */
const applyDefaults = (schema: MutableJsonSchema, defaults: Defaults): MutableJsonSchema => {
  if (!isRecord(schema.properties)) return schema
  const properties: MutableJsonSchema = { ...schema.properties }
  // An explicit `default` annotation wins over a decoding default.
  for (const [name, docs] of defaults.docs) {
    const property = properties[name]
    if (isRecord(property)) properties[name] = withDocs(property, docs)
  }
  for (const [name, value] of defaults.values) {
    const property = properties[name]
    if (isRecord(property) && !("default" in property)) properties[name] = { ...property, default: value }
  }
  for (const [name, inner] of defaults.nested) {
    const property = properties[name]
    if (isRecord(property)) properties[name] = applyShape(property, inner)
  }
  return { ...schema, properties }
}

/** The schema with the documentation it lacks (a copy when anything is added). */
const withDocs = (schema: MutableJsonSchema, docs: Docs): MutableJsonSchema => {
  let out = schema
  for (const key of docKeys) {
    if (key in docs && !(key in out)) out = { ...out, [key]: docs[key] }
  }
  return out
}

// ---------------------------------------------------------------------------
// Elicitation
// ---------------------------------------------------------------------------

const elicitationFormats = ["email", "uri", "date", "date-time"]

/** Keywords dropped silently: annotations the restricted schema has no room for. */
const droppedKeywords = ["examples", "readOnly", "writeOnly", "$comment"]

/** A literal option: `{ type: "string", enum: [v] }` or `{ const: v }`, with an optional title. */
const literalOption = (u: unknown): { readonly value: string; readonly title: string | undefined } | undefined => {
  if (!isRecord(u)) return undefined
  const { type, enum: values, const: constant, title, description: _, ...rest } = u
  if (Object.keys(rest).length > 0 || (type !== undefined && type !== "string")) return undefined
  if (title !== undefined && typeof title !== "string") return undefined
  const value = Array.isArray(values) && values.length === 1 ? values[0] : constant
  return typeof value === "string" ? { value, title } : undefined
}

interface Options {
  readonly values: ReadonlyArray<string>
  readonly titles: ReadonlyArray<string> | undefined
}

/** The options of a string enum: `enum` of strings, or an `anyOf` / `oneOf` of literal options. */
const enumOptions = (
  schema: MutableJsonSchema
): { readonly options: Options; readonly rest: MutableJsonSchema } | undefined => {
  const { enum: values, anyOf, oneOf, type, ...rest } = schema
  if (Array.isArray(values)) {
    if (type !== "string" || anyOf !== undefined || oneOf !== undefined) return undefined
    if (!values.every((value) => typeof value === "string")) return undefined
    return { options: { values, titles: undefined }, rest }
  }
  const members = anyOf ?? oneOf
  if (!Array.isArray(members) || members.length === 0 || (anyOf !== undefined && oneOf !== undefined)) return undefined
  if (type !== undefined && type !== "string") return undefined
  const options = members.map(literalOption)
  if (!options.every((option) => option !== undefined)) return undefined
  const titled = options.some((option) => option.title !== undefined)
  return {
    options: {
      values: options.map((option) => option.value),
      titles: titled ? options.map((option) => option.title ?? option.value) : undefined
    },
    rest
  }
}

const elicitationProperty = (
  name: string,
  schema: MutableJsonSchema,
  defs: Record<string, MutableJsonSchema>
): JsonSchema => {
  const fail = (reason: string): never => {
    throw new Error(
      `elicitationSchema: property "${name}" ${reason}. MCP elicitation accepts only strings, numbers, integers, ` +
        `booleans and single- or multi-select enums of strings; got ${show(schema)}`
    )
  }
  const out: MutableJsonSchema = {}
  const take = (source: MutableJsonSchema, allowed: ReadonlyArray<string>, checkDefault: (u: unknown) => boolean) => {
    for (const [key, value] of Object.entries(source)) {
      if (droppedKeywords.includes(key)) continue
      if (key === "title" || key === "description") {
        if (typeof value === "string") out[key] = value
        continue
      }
      if (key === "default") {
        if (!checkDefault(value)) fail(`has a default (${show(value)}) that is not one of its values`)
        out.default = value
        continue
      }
      if (!allowed.includes(key)) fail(`uses "${key}", which elicitation does not support`)
      out[key] = value
    }
  }
  const isString = (u: unknown) => typeof u === "string"
  const options = enumOptions(schema)
  if (options !== undefined) {
    const { values, titles } = options.options
    out.type = "string"
    if (titles === undefined) out.enum = values
    else out.oneOf = values.map((value, i) => ({ const: value, title: titles[i] }))
    take(options.rest, [], (u) => typeof u === "string" && values.includes(u))
    return out
  }
  switch (schema.type) {
    case "string": {
      if (schema.format !== undefined && !elicitationFormats.includes(schema.format as string)) {
        fail(`has format ${show(schema.format)}; elicitation supports only ${elicitationFormats.join(", ")}`)
      }
      take(schema, ["type", "minLength", "maxLength", "format"], isString)
      return out
    }
    case "boolean": {
      take(schema, ["type"], (u) => typeof u === "boolean")
      return out
    }
    case "number":
    case "integer": {
      const { exclusiveMinimum, exclusiveMaximum, ...rest } = schema
      if (exclusiveMinimum !== undefined || exclusiveMaximum !== undefined) {
        if (schema.type !== "integer") fail("has an exclusive bound, which elicitation cannot express on numbers")
        // On integers an exclusive bound is the next inclusive one.
        if (typeof exclusiveMinimum === "number") {
          const minimum = Math.floor(exclusiveMinimum) + 1
          rest.minimum = typeof rest.minimum === "number" ? Math.max(rest.minimum, minimum) : minimum
        }
        if (typeof exclusiveMaximum === "number") {
          const maximum = Math.ceil(exclusiveMaximum) - 1
          rest.maximum = typeof rest.maximum === "number" ? Math.min(rest.maximum, maximum) : maximum
        }
      }
      take(rest, ["type", "minimum", "maximum"], (u) => typeof u === "number")
      return out
    }
    case "array": {
      const { items, uniqueItems: _, ...rest } = schema
      const itemOptions = isRecord(items) ? enumOptions(resolve(items, defs)) : undefined
      const annotationsOnly = (keys: ReadonlyArray<string>) =>
        keys.every((key) => droppedKeywords.includes(key) || key === "title" || key === "description")
      if (itemOptions === undefined || !annotationsOnly(Object.keys(itemOptions.rest))) {
        return fail("is an array whose items are not a plain enum of strings (a multi-select)")
      }
      const { values, titles } = itemOptions.options
      out.type = "array"
      out.items = titles === undefined
        ? { type: "string", enum: values }
        : { anyOf: values.map((value, i) => ({ const: value, title: titles[i] })) }
      take(
        rest,
        ["type", "minItems", "maxItems"],
        (u) => Array.isArray(u) && u.every((value) => typeof value === "string" && values.includes(value))
      )
      return out
    }
    case "object":
      return fail("is a nested object, but elicitation schemas are flat")
  }
  return fail("is not a primitive (a union, a nullable value, a reference or an unconstrained value)")
}
