/**
 * The structural check of the contents a resource's read returns built by hand (an array of
 * contents, or a whole `ReadResourceResult`: proxied from another server, parsed JSON, a cast).
 * One entry the wire does not allow (`uri` not a string, or one without a scheme, which the Python
 * SDK's `AnyUrl` refuses; neither `text` nor `blob` a string; a `blob` that is not base64, which the
 * TypeScript SDK's clients refuse) made the clients refuse the whole answer; the read answers it
 * as its defect instead (-32603, logged naming the resource and the path), as a tool's or a
 * prompt's result built by hand is.
 *
 * A few `typeof` tests, one anchored test of the URI's start and, for a blob, one search for a
 * character outside base64's alphabet per entry, on the path of such reads only: a read returning
 * text or bytes (contents made here, for the URI read) is not checked.
 *
 * @internal
 */
import { clip } from "../../internal/clip.ts"
import { kindOf } from "../../internal/valueKind.ts"
import { isObject } from "./contentBlock.ts"
import { hasScheme, isBase64 } from "./wireFields.ts"

/**
 * What is wrong with `contents` (a read's result's), said by its path and the kind of the value
 * (a URI itself, shortened, as registrations show it), or `undefined` when clients would take it.
 */
export const readContentsProblem = (contents: ReadonlyArray<unknown>): string | undefined => {
  for (let i = 0; i < contents.length; i++) {
    const entry: unknown = contents[i]
    if (!isObject(entry)) return `contents[${i}] must be resource contents (an object with a uri and text or blob), not ${kindOf(entry)}`
    const uri = entry.uri
    if (typeof uri !== "string") return `contents[${i}].uri must be a string, not ${kindOf(uri)}`
    if (!hasScheme(uri)) {
      return `contents[${i}].uri must be a URI that starts with its scheme (RFC 3986, as MCP requires), not ${JSON.stringify(clip(uri, 64))}`
    }
    if (typeof entry.text !== "string" && typeof entry.blob !== "string") {
      return `contents[${i}] must have text or blob (a string), not ${entry.text === undefined ? kindOf(entry.blob) : kindOf(entry.text)}`
    }
    // Blob contents (text wins where both are): the SDK clients check the blob with `atob`.
    if (typeof entry.text !== "string" && !isBase64(entry.blob as string)) {
      return `contents[${i}].blob must be base64 (as atob takes it), not a string base64 has not`
    }
    if (entry.mimeType !== undefined && typeof entry.mimeType !== "string") {
      return `contents[${i}].mimeType must be a string, not ${kindOf(entry.mimeType)}`
    }
    if (entry._meta !== undefined && !isObject(entry._meta)) return `contents[${i}]._meta must be an object, not ${kindOf(entry._meta)}`
  }
  return undefined
}
