/**
 * Constructors for MCP content blocks: what tools return and prompts contain.
 *
 * An option the wire does not allow (`meta: null`, `size: NaN`, a `priority` over 1), given where
 * types are not checked, throws a `TypeError` naming it, as the server treats other bad values of
 * untyped code (a handler's result that is not one): a programmer's error, which in a handler is
 * a defect, logged and answered as such (a masked `isError` result, -32603). Passed on, the block
 * would make the client refuse the whole result; dropped, the mistake would go unseen.
 *
 * @since 0.1.0
 */
import type {
  Annotations,
  AudioContent,
  BlobResourceContents,
  EmbeddedResource,
  ImageContent,
  ResourceLink,
  TextContent,
  TextResourceContents
} from "../protocol/McpSchema.ts"
import { checkAnnotations, checkMeta, checkSize, checkText, isBase64 } from "./internal/wireFields.ts"

/**
 * Options shared by every content block.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockOptions {
  readonly annotations?: Annotations | undefined
  readonly meta?: { readonly [key: string]: unknown } | undefined
}

const extras = (owner: string, options: BlockOptions | undefined) => {
  if (options === undefined) return undefined
  const out: { annotations?: Annotations; _meta?: { readonly [key: string]: unknown } } = {}
  if (options.annotations !== undefined) {
    checkAnnotations(owner, options.annotations)
    out.annotations = options.annotations
  }
  if (options.meta !== undefined) {
    checkMeta(owner, options.meta)
    out._meta = options.meta
  }
  return out
}

/**
 * `data` as base64: bytes encoded, a string as it is when it is base64 (the SDK clients refuse the
 * whole result for one `data` or `blob` that `atob` does not take: given text or raw binary as a
 * string, where bytes were meant).
 */
const base64 = (owner: string, field: string, data: string | Uint8Array): string => {
  if (typeof data !== "string") return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64")
  if (!isBase64(data)) {
    throw new TypeError(`${owner}: ${field} must be base64 (as atob takes it) or bytes (a Uint8Array); the string given is not base64`)
  }
  return data
}

/** An embedded resource's `mimeType` option, checked (a string when given). */
const mimeTypeOf = (owner: string, mimeType: string | undefined): string | undefined => {
  checkText(owner, "mimeType", mimeType)
  return mimeType
}

/**
 * A text content block (of a tool's result, a prompt's message), with the `annotations` and
 * `meta` (sent as `_meta`) of `options`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (text: string, options?: BlockOptions): TextContent => ({
  type: "text",
  text,
  ...extras("Content.text", options)
})

/**
 * An image block; `data` is base64 or raw bytes (a string that is not base64 throws a `TypeError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const image = (data: string | Uint8Array, mimeType: string, options?: BlockOptions): ImageContent => ({
  type: "image",
  data: base64("Content.image", "data", data),
  mimeType,
  ...extras("Content.image", options)
})

/**
 * An audio block; `data` is base64 or raw bytes (a string that is not base64 throws a `TypeError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const audio = (data: string | Uint8Array, mimeType: string, options?: BlockOptions): AudioContent => ({
  type: "audio",
  data: base64("Content.audio", "data", data),
  mimeType,
  ...extras("Content.audio", options)
})

/**
 * An embedded resource with text contents.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resourceText = (
  uri: string,
  text: string,
  options?: BlockOptions & { readonly mimeType?: string | undefined }
): EmbeddedResource => ({
  type: "resource",
  resource: textContents(uri, text, mimeTypeOf("Content.resourceText", options?.mimeType)),
  ...extras("Content.resourceText", options)
})

/**
 * An embedded resource with binary contents (`data`: base64 or raw bytes; a string that is not base64 throws).
 *
 * @since 0.1.0
 * @category constructors
 */
export const resourceBlob = (
  uri: string,
  data: string | Uint8Array,
  options?: BlockOptions & { readonly mimeType?: string | undefined }
): EmbeddedResource => ({
  type: "resource",
  resource: blobOf("Content.resourceBlob", uri, data, mimeTypeOf("Content.resourceBlob", options?.mimeType)),
  ...extras("Content.resourceBlob", options)
})

/**
 * A link to a resource the client may read or subscribe to (MCP ≥ 2025-06-18).
 *
 * @since 0.1.0
 * @category constructors
 */
export const resourceLink = (
  uri: string,
  name: string,
  options?: BlockOptions & {
    readonly title?: string | undefined
    readonly description?: string | undefined
    readonly mimeType?: string | undefined
    readonly size?: number | undefined
  }
): ResourceLink => {
  const link: { -readonly [K in keyof ResourceLink]: ResourceLink[K] } = { type: "resource_link", uri, name }
  if (options !== undefined) {
    checkText("Content.resourceLink", "title", options.title)
    checkText("Content.resourceLink", "description", options.description)
    checkText("Content.resourceLink", "mimeType", options.mimeType)
  }
  if (options?.title !== undefined) link.title = options.title
  if (options?.description !== undefined) link.description = options.description
  if (options?.mimeType !== undefined) link.mimeType = options.mimeType
  if (options?.size !== undefined) {
    checkSize("Content.resourceLink", options.size)
    link.size = options.size
  }
  return { ...link, ...extras("Content.resourceLink", options) }
}

/**
 * Text contents of a resource (what `resources/read` returns).
 *
 * @since 0.1.0
 * @category constructors
 */
export const textContents = (uri: string, text: string, mimeType?: string): TextResourceContents =>
  mimeType === undefined ? { uri, text } : { uri, mimeType, text }

/**
 * Binary contents of a resource (`data`: base64 or raw bytes; a string that is not base64 throws a `TypeError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const blobContents = (uri: string, data: string | Uint8Array, mimeType?: string): BlobResourceContents =>
  blobOf("Content.blobContents", uri, data, mimeType)

const blobOf = (owner: string, uri: string, data: string | Uint8Array, mimeType: string | undefined): BlobResourceContents => {
  const blob = base64(owner, "data", data)
  return mimeType === undefined ? { uri, blob } : { uri, mimeType, blob }
}
