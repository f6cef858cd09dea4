/**
 * The structural check of what a tool handler without a `success` schema returns: a whole
 * `CallToolResult` or content blocks, built by hand where types are not checked (a result proxied
 * from another server, parsed JSON, a cast). One the wire does not allow (`content` not an array,
 * a block without a valid `type` or the fields its type requires, `isError` not a boolean,
 * `structuredContent` not an object) made the SDK clients refuse the whole answer; the tool
 * answers it as its handler's defect instead (see `Tool.compile`).
 *
 * A few `typeof` tests per block, on the call path of such tools only (a handler returning a
 * string is not checked): no schema decode, and no message built unless something is wrong
 * (measured on Node 24: 7 ns for a one-block result, 27 ns for three blocks). What the SDK clients check beyond it is left to the
 * code that makes blocks (`Content.image` makes valid base64, checks annotations): base64 data and
 * the fields of annotations are not read here, only that annotations and `_meta` are objects.
 *
 * @internal
 */
import { kindOf } from "../../internal/valueKind.ts"

const blockTypes = `"text", "image", "audio", "resource" or "resource_link"`

const isObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Whether a block has the fields its `type` requires (the common case: no message is built). */
const wellFormed = (block: { readonly [key: string]: unknown }): boolean => {
  switch (block.type) {
    case "text":
      if (typeof block.text !== "string") return false
      break
    case "image":
    case "audio":
      if (typeof block.data !== "string" || typeof block.mimeType !== "string") return false
      break
    case "resource": {
      const resource = block.resource
      if (!isObject(resource) || typeof resource.uri !== "string") return false
      if (typeof resource.text !== "string" && typeof resource.blob !== "string") return false
      break
    }
    case "resource_link":
      if (typeof block.uri !== "string" || typeof block.name !== "string") return false
      break
    default:
      return false
  }
  return (block.annotations === undefined || isObject(block.annotations)) && (block._meta === undefined || isObject(block._meta))
}

const notString = (at: string, field: string, value: unknown): string | undefined =>
  typeof value === "string" ? undefined : `${at}.${field} must be a string, not ${kindOf(value)}`

/** What is wrong with the content block at `at` (`content[1]`), found not {@link wellFormed}. */
const blockProblem = (block: unknown, at: string): string => {
  if (!isObject(block)) return `${at} must be a content block (an object), not ${kindOf(block)}`
  let problem: string | undefined
  switch (block.type) {
    case "text":
      problem = notString(at, "text", block.text)
      break
    case "image":
    case "audio":
      problem = notString(at, "data", block.data) ?? notString(at, "mimeType", block.mimeType)
      break
    case "resource": {
      const resource = block.resource
      if (!isObject(resource)) return `${at}.resource must be an object, not ${kindOf(resource)}`
      problem = notString(`${at}.resource`, "uri", resource.uri) ??
        (typeof resource.text === "string" || typeof resource.blob === "string"
          ? undefined
          : `${at}.resource must have a text or a blob string`)
      break
    }
    case "resource_link":
      problem = notString(at, "uri", block.uri) ?? notString(at, "name", block.name)
      break
    default: {
      const type = block.type
      const shown = typeof type === "string" ? JSON.stringify(type.slice(0, 40)) : kindOf(type)
      return `${at}.type must be ${blockTypes}, not ${shown}`
    }
  }
  if (problem !== undefined) return problem
  if (block.annotations !== undefined && !isObject(block.annotations)) {
    return `${at}.annotations must be an object, not ${kindOf(block.annotations)}`
  }
  return `${at}._meta must be an object, not ${kindOf(block._meta)}`
}

/**
 * What is wrong with a handler's result (as sent: blocks already wrapped as `content`), said by
 * its path and the kind of the value (never the value: it may be large, or the user's data), or
 * `undefined` when the SDK clients would take its shape.
 */
export const resultProblem = (result: { readonly [key: string]: unknown }): string | undefined => {
  const content = result.content
  if (!Array.isArray(content)) return `content must be an array of content blocks, not ${kindOf(content)}`
  for (let i = 0; i < content.length; i++) {
    const block: unknown = content[i]
    if (!isObject(block) || !wellFormed(block)) return blockProblem(block, `content[${i}]`)
  }
  if (result.isError !== undefined && typeof result.isError !== "boolean") {
    return `isError must be a boolean, not ${kindOf(result.isError)}`
  }
  if (result.structuredContent !== undefined && !isObject(result.structuredContent)) {
    return `structuredContent must be an object, not ${kindOf(result.structuredContent)}`
  }
  if (result._meta !== undefined && !isObject(result._meta)) return `_meta must be an object, not ${kindOf(result._meta)}`
  return undefined
}
