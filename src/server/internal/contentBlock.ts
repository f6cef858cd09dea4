/**
 * The structural check of one content block built by hand (a tool's result, a prompt's message):
 * where types are not checked (proxied from another server, parsed JSON, a cast), a block without
 * a valid `type` or the fields its type requires makes the SDK clients refuse the whole answer it
 * is in. Shared by `toolResult` and `promptResult`, which say what to do about it.
 *
 * A few `typeof` tests per block (see `toolResult` for what they cost): no schema decode, and no
 * message built unless something is wrong. What the SDK clients check beyond it is left to the code
 * that makes blocks; what they check of a block's `annotations` (audience, priority from 0 to 1,
 * `lastModified` a date-time), a link's `icons` and an embedded resource's `_meta` is checked here
 * too, where one is given (a block built by hand with `priority: 5` made the SDK clients refuse the
 * whole answer, as a missing field does). Base64 data (an image's, an embedded
 * resource's blob) is searched once for a character outside the alphabet, as the SDK clients
 * refuse the whole answer for data `atob` throws on. A link's `title`, `description`, `mimeType`
 * (and an embedded resource's `mimeType`) must be strings when given, its `size` a finite number. A
 * resource's or a link's `uri` must start with its scheme (one anchored test), as a registered or
 * a read resource's must: the Python SDK's `AnyUrl` refuses a relative URI, and the whole answer.
 *
 * @internal
 */
import { clip } from "../../internal/clip.ts"
import { kindOf } from "../../internal/valueKind.ts"
import { checkAnnotations, checkIcons, hasScheme, isBase64 } from "./wireFields.ts"

const blockTypes = `"text", "image", "audio", "resource" or "resource_link"`

/** A plain object (not `null`, not an array): what the wire's objects are. */
export const isObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A tag field's value as a message shows it: a string quoted (its first 40 characters, it may be
 * the user's), anything else by its kind.
 */
export const shownTag = (value: unknown): string => typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : kindOf(value)

/** An optional text field (`title`, `mimeType`): absent or a string. */
const optionalString = (value: unknown): boolean => value === undefined || typeof value === "string"

/**
 * What `check` (a `wireFields` check, which throws) says of `value`, given at `at`, or `undefined`
 * when it takes it. Run only for a field a block has (the common block has none of them).
 */
const checked = (check: (owner: string, value: unknown) => void, at: string, value: unknown): string | undefined => {
  try {
    check(at, value)
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/**
 * What is wrong with a result's `resultType` built by hand, or `undefined` when it is absent or
 * `"complete"`: the framework decides the others (`"input_required"` for its input rounds, a task's
 * for a task), and a value the request's method does not take (`"weird"`, `"task"` on a read) made
 * the SDK v2 client refuse the whole answer. Judged in every version, so a handler behaves the same
 * for every client (before 2026-07-28 the field is not sent at all).
 */
export const resultTypeProblem = (result: { readonly [key: string]: unknown }): string | undefined => {
  const resultType = result.resultType
  return resultType === undefined || resultType === "complete"
    ? undefined
    : `resultType must be "complete" (or absent: the framework sets the others), not ${shownTag(resultType)}`
}

/** Whether `block` is a content block with the fields its `type` requires (the common case: no message is built). */
export const wellFormedBlock = (block: unknown): boolean => {
  if (!isObject(block)) return false
  switch (block.type) {
    case "text":
      if (typeof block.text !== "string") return false
      break
    case "image":
    case "audio":
      if (typeof block.data !== "string" || typeof block.mimeType !== "string" || !isBase64(block.data)) return false
      break
    case "resource": {
      const resource = block.resource
      if (!isObject(resource) || typeof resource.uri !== "string" || !hasScheme(resource.uri)) return false
      if (typeof resource.text !== "string" && (typeof resource.blob !== "string" || !isBase64(resource.blob))) return false
      if (!optionalString(resource.mimeType)) return false
      if (resource._meta !== undefined && !isObject(resource._meta)) return false
      break
    }
    case "resource_link":
      if (typeof block.uri !== "string" || !hasScheme(block.uri) || typeof block.name !== "string") return false
      if (!optionalString(block.title) || !optionalString(block.description) || !optionalString(block.mimeType)) return false
      if (block.size !== undefined && !Number.isFinite(block.size)) return false
      if (block.icons !== undefined && checked(checkIcons, "", block.icons) !== undefined) return false
      break
    default:
      return false
  }
  return (block.annotations === undefined ||
    (isObject(block.annotations) && checked(checkAnnotations, "", block.annotations) === undefined)) &&
    (block._meta === undefined || isObject(block._meta))
}

const notString = (at: string, field: string, value: unknown): string | undefined =>
  typeof value === "string" ? undefined : `${at}.${field} must be a string, not ${kindOf(value)}`

/** The same for an optional text field: absent or a string. */
const notOptionalString = (at: string, field: string, value: unknown): string | undefined =>
  value === undefined ? undefined : notString(at, field, value)

/** The same for base64 data (a string already). */
const notBase64 = (at: string, field: string, value: string): string | undefined =>
  isBase64(value) ? undefined : `${at}.${field} must be base64 (as atob takes it), not a string base64 has not`

/** The same for a `uri`, which must also start with its scheme (the URI shown shortened, as a read's is). */
const notUri = (at: string, value: unknown): string | undefined =>
  typeof value !== "string"
    ? `${at}.uri must be a string, not ${kindOf(value)}`
    : hasScheme(value)
    ? undefined
    : `${at}.uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not ${JSON.stringify(clip(value, 64))}`

/**
 * What is wrong with the content block at `at` (`content[1]`, `messages[0].content`), found not
 * {@link wellFormedBlock}: said by its path and the kind of the value (never the value: it may be
 * large, or the user's data; a `uri` without a scheme alone is shown, shortened, as a registration's
 * or a read's is).
 */
export const blockProblem = (block: unknown, at: string): string => {
  if (!isObject(block)) return `${at} must be a content block (an object), not ${kindOf(block)}`
  let problem: string | undefined
  switch (block.type) {
    case "text":
      problem = notString(at, "text", block.text)
      break
    case "image":
    case "audio":
      problem = notString(at, "data", block.data) ?? notString(at, "mimeType", block.mimeType) ??
        notBase64(at, "data", block.data as string)
      break
    case "resource": {
      const resource = block.resource
      if (!isObject(resource)) return `${at}.resource must be an object, not ${kindOf(resource)}`
      problem = notUri(`${at}.resource`, resource.uri) ??
        (typeof resource.text === "string"
          ? undefined
          : typeof resource.blob === "string"
          ? notBase64(`${at}.resource`, "blob", resource.blob)
          : `${at}.resource must have a text or a blob string`) ??
        notOptionalString(`${at}.resource`, "mimeType", resource.mimeType) ??
        (resource._meta === undefined || isObject(resource._meta)
          ? undefined
          : `${at}.resource._meta must be an object, not ${kindOf(resource._meta)}`)
      break
    }
    case "resource_link":
      problem = notUri(at, block.uri) ?? notString(at, "name", block.name) ?? notOptionalString(at, "title", block.title) ??
        notOptionalString(at, "description", block.description) ?? notOptionalString(at, "mimeType", block.mimeType) ??
        (block.size === undefined || Number.isFinite(block.size) ? undefined : `${at}.size must be a finite number, not ${kindOf(block.size)}`) ??
        (block.icons === undefined ? undefined : checked(checkIcons, at, block.icons))
      break
    default:
      return `${at}.type must be ${blockTypes}, not ${shownTag(block.type)}`
  }
  if (problem !== undefined) return problem
  if (block.annotations !== undefined && !isObject(block.annotations)) {
    return `${at}.annotations must be an object, not ${kindOf(block.annotations)}`
  }
  const annotations = block.annotations === undefined ? undefined : checked(checkAnnotations, at, block.annotations)
  if (annotations !== undefined) return annotations
  return `${at}._meta must be an object, not ${kindOf(block._meta)}`
}
