/**
 * Checks of the descriptive fields the server copies to the wire as given (`meta`, `annotations`,
 * `icons`, a resource's `size`...), for values no type checked (untyped code, `as` casts). One such
 * value (`size: NaN`, `meta: null`) makes the SDK clients refuse the whole message it is in: a
 * content block refuses its result, a component's description the whole page of a list. Each check
 * throws a `TypeError` naming where the field was given (`Content.text`, `Resource x://a`) and
 * which field: content constructors throw it to the handler that called them (a defect), component
 * registrations fail with it when their Layer is built.
 *
 * @internal
 */
import { isObject } from "effect/Predicate"
import { clip } from "../../internal/clip.ts"
import { kindOf } from "../../internal/valueKind.ts"

/**
 * What is said of a field that is not a Schema (a Schema constructor given uncalled, where types
 * are not checked), after its owner and name.
 */
export const notASchema = "is not a Schema (a Schema constructor given uncalled, as Schema.Defect for Schema.Defect())"

/** The error for `field` of `owner` that is not `expected`. */
export const invalid = (owner: string, field: string, expected: string, value: unknown): TypeError =>
  new TypeError(`${owner}: ${field} must be ${expected}, not ${typeof value === "number" ? value : kindOf(value)}`)

/**
 * A component's `name`: a non-empty string. A tool or a prompt is called by it, every component is
 * listed (and shown, when it has no title) by it: an empty one names nothing. `owner` is the kind
 * ("Tool") where the name is the key, the kind and the key ("Resource x://a") otherwise.
 */
export const checkName = (owner: string, name: unknown): void => {
  if (typeof name !== "string") throw invalid(owner, "name", "a string", name)
  if (name.length === 0) throw new TypeError(`${owner}: name must not be empty`)
}

/** RFC 3986's `scheme ":"`, with which every URI (not a relative reference) starts. */
const schemeStart = /^[A-Za-z][A-Za-z0-9+.-]*:/

/** What can still begin a scheme: a template whose scheme comes (in part) from a variable. */
const schemePrefix = /^(?:[A-Za-z][A-Za-z0-9+.-]*)?$/

/** Whether `uri` starts with its scheme ({@link checkUri}): one anchored test, cheap per request. */
export const hasScheme = (uri: string): boolean => schemeStart.test(uri)

/**
 * A resource's `uri`: MCP requires an RFC 3986 URI (`format: uri`), which starts with its scheme.
 * One without (`notes/today.md`, `//host/a`, empty) is a relative reference: clients that check
 * the format (the Python SDK's `AnyUrl`) refuse every `resources/list` page it is on, and the
 * TypeScript SDK's server cannot read it. Only the scheme is checked (registration time, once).
 */
export const checkUri = (owner: string, uri: string): void => {
  if (hasScheme(uri)) return
  throw new TypeError(
    `${owner}: uri must be a URI that starts with its scheme (RFC 3986, as MCP requires: file:///notes/today.md, notes://today), not ${JSON.stringify(clip(uri, 64))}`
  )
}

/**
 * A template's `uriTemplate`: the URIs it gives must start with their scheme ({@link checkUri}).
 * Refused only when none can: its literal start has no scheme, and is not one a variable may end
 * (`{scheme}://host/{path}`, `x{rest}` are taken; `{/path}`, which expands to `/...`, is not).
 */
export const checkUriTemplate = (owner: string, template: string): void => {
  const brace = template.indexOf("{")
  const literal = brace === -1 ? template : template.slice(0, brace)
  if (schemeStart.test(literal)) return
  if (brace > 0 && schemePrefix.test(literal)) return
  // First an expression: a simple `{var}` or a reserved `{+var}` may give a scheme, the operators
  // `/ ? # . ; &` start their expansion with that character, never a scheme's first letter.
  if (brace === 0 && !"/?#.;&".includes(template.charAt(1))) return
  throw new TypeError(
    `${owner}: uriTemplate must give URIs that start with their scheme (RFC 3986, as MCP requires: file:///notes/{day}.md, notes://{day}), not ${JSON.stringify(clip(template, 64))}`
  )
}

/** A character outside base64's alphabet (`=` and whitespace included: the slow path sees to them). */
const notBase64 = /[^A-Za-z0-9+/]/
const asciiWhitespace = /[\t\n\f\r ]/g

/**
 * Whether `data` is base64 as the SDK clients take a `blob` or an image's `data`: both check it
 * with `atob`, and refuse the whole message for one value it throws on. This is `atob`'s rule
 * (WHATWG forgiving-base64): ASCII whitespace is ignored, then one or two `=` may end a length
 * that is a multiple of 4, what is left must be of the alphabet and not one character past a
 * multiple of 4 (padding may be left out). One search for a character outside the alphabet, and no
 * copy, for data without whitespace; nothing is decoded.
 */
export const isBase64 = (data: string): boolean => {
  const unpadded = withoutPadding(data)
  if (!notBase64.test(unpadded)) return unpadded.length % 4 !== 1
  // Whitespace (line breaks every 76 characters) or not base64: the whole rule, on a copy.
  const s = withoutPadding(data.replace(asciiWhitespace, ""))
  return !notBase64.test(s) && s.length % 4 !== 1
}

/** `s` without the one or two `=` that may end a length that is a multiple of 4. */
const withoutPadding = (s: string): string =>
  s.length % 4 !== 0 || !s.endsWith("=") ? s : s.slice(0, s.endsWith("==") ? -2 : -1)

/** `_meta` (given as `meta`): an object. */
export const checkMeta = (owner: string, meta: unknown): void => {
  if (!isObject(meta)) throw invalid(owner, "meta", "an object", meta)
}

/** `size` (of a resource or a resource link): a whole number of bytes. */
export const checkSize = (owner: string, size: unknown): void => {
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    throw invalid(owner, "size", "a whole number of bytes (0 or more)", size)
  }
}

/** An optional text field (`title`, `description`, `mimeType`): a string when given. */
export const checkText = (owner: string, field: string, value: unknown): void => {
  if (value !== undefined && typeof value !== "string") throw invalid(owner, field, "a string", value)
}

/**
 * `lastModified` as the SDK clients take it: both check it with zod's `z.iso.datetime({ offset:
 * true })`, and refuse the whole message for one value it does not match (v1 with a ZodError, v2
 * with an `INVALID_RESULT` SdkError). This is that pattern (zod 4.6): a calendar date (the days of
 * each month, February 29 in leap years only), an upper-case `T`, hours 00-23, minutes and
 * seconds (required, as RFC 3339 requires them with a time zone), any fraction of a second, and
 * `Z` or an offset `±hh:mm`. No leap second, no 24:00, no lower-case `t` or `z`, no date alone. A
 * regular expression, not `Date.parse`: checked by every content constructor's call.
 */
const dateTime =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8])))T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

/** The `annotations` of content and resources: audience, priority (0 to 1), lastModified. */
export const checkAnnotations = (owner: string, annotations: unknown): void => {
  if (!isObject(annotations)) throw invalid(owner, "annotations", "an object", annotations)
  const { audience, lastModified, priority } = annotations
  if (audience !== undefined && !(Array.isArray(audience) && audience.every((role) => role === "user" || role === "assistant"))) {
    throw invalid(owner, "annotations.audience", `an array of "user" and "assistant"`, audience)
  }
  if (priority !== undefined && !(typeof priority === "number" && priority >= 0 && priority <= 1)) {
    throw invalid(owner, "annotations.priority", "a number from 0 to 1", priority)
  }
  if (lastModified !== undefined && !(typeof lastModified === "string" && dateTime.test(lastModified))) {
    const expected = "an ISO 8601 date-time with seconds and a time zone (2025-01-12T15:00:58Z, 2025-01-12T17:00:58.5+02:00)"
    throw typeof lastModified === "string"
      ? new TypeError(`${owner}: annotations.lastModified must be ${expected}, not ${JSON.stringify(clip(lastModified, 64))}`)
      : invalid(owner, "annotations.lastModified", expected, lastModified)
  }
}

/** A tool's `annotations`: a title and boolean hints. */
export const checkToolAnnotations = (owner: string, annotations: unknown): void => {
  if (!isObject(annotations)) throw invalid(owner, "annotations", "an object", annotations)
  checkText(owner, "annotations.title", annotations.title)
  for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
    const value = annotations[hint]
    if (value !== undefined && typeof value !== "boolean") throw invalid(owner, `annotations.${hint}`, "a boolean", value)
  }
}

/** `icons`: an array of `{ src, mimeType?, sizes?, theme? }`. */
export const checkIcons = (owner: string, icons: unknown): void => {
  if (!Array.isArray(icons)) throw invalid(owner, "icons", "an array", icons)
  icons.forEach((icon: unknown, i) => {
    if (!isObject(icon)) throw invalid(owner, `icons[${i}]`, "an object", icon)
    if (typeof icon.src !== "string") throw invalid(owner, `icons[${i}].src`, "a string", icon.src)
    checkText(owner, `icons[${i}].mimeType`, icon.mimeType)
    const { sizes, theme } = icon
    if (sizes !== undefined && !(Array.isArray(sizes) && sizes.every((size) => typeof size === "string"))) {
      throw invalid(owner, `icons[${i}].sizes`, "an array of strings", sizes)
    }
    if (theme !== undefined && theme !== "light" && theme !== "dark") {
      throw invalid(owner, `icons[${i}].theme`, `"light" or "dark"`, theme)
    }
  })
}

/** The fields every component describes itself with: name, title, description, icons, meta. */
export const checkDescription = (
  owner: string,
  definition: {
    readonly name?: unknown
    readonly title?: unknown
    readonly description?: unknown
    readonly icons?: unknown
    readonly meta?: unknown
  }
): void => {
  if (typeof definition.name !== "string") throw invalid(owner, "name", "a string", definition.name)
  checkText(owner, "title", definition.title)
  checkText(owner, "description", definition.description)
  if (definition.icons !== undefined) checkIcons(owner, definition.icons)
  if (definition.meta !== undefined) checkMeta(owner, definition.meta)
}

/**
 * The resources a template's `list` answered with, at request time (typed code computes values
 * too: `size: Number(header)` is `NaN`): an array of resources with the fields clients accept.
 * As a registration's checks, a `uri` must start with its scheme (the Python SDK's `AnyUrl`
 * refuses the whole page for one that does not) and a `name` must not be empty; a failure is the
 * list's defect (the whole `resources/list` is -32603, logged naming the template, the index and
 * the field), as a tool's or a prompt's result built by hand is: a resource silently dropped would
 * hide the bug. Laxer than a registration's checks on `size` alone: a finite number (JSON writes
 * `NaN` and the infinities as `null`, which clients refuse), as the SDK clients' schemas take any
 * number; a negative or fractional size, wrong but accepted, does not fail the whole page.
 */
export const checkListedResources = (owner: string, resources: unknown): void => {
  if (!Array.isArray(resources)) throw invalid(owner, "list", "an array of resources", resources)
  for (let i = 0; i < resources.length; i++) {
    const resource: unknown = resources[i]
    const at = `${owner} (listed resource ${i})`
    if (!isObject(resource)) throw invalid(at, "resource", "an object", resource)
    if (typeof resource.uri !== "string") throw invalid(at, "uri", "a string", resource.uri)
    checkUri(at, resource.uri)
    checkName(at, resource.name)
    checkText(at, "title", resource.title)
    checkText(at, "description", resource.description)
    checkText(at, "mimeType", resource.mimeType)
    if (resource.size !== undefined && !Number.isFinite(resource.size)) throw invalid(at, "size", "a finite number", resource.size)
    if (resource.annotations !== undefined) checkAnnotations(at, resource.annotations)
    if (resource.icons !== undefined) checkIcons(at, resource.icons)
    if (resource._meta !== undefined && !isObject(resource._meta)) throw invalid(at, "_meta", "an object", resource._meta)
  }
}
