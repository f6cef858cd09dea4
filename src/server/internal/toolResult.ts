/**
 * The structural check of what a tool handler without a `success` schema returns: a whole
 * `CallToolResult` or content blocks, built by hand where types are not checked (a result proxied
 * from another server, parsed JSON, a cast). One the wire does not allow (`content` not an array,
 * a block without a valid `type` or the fields its type requires, `isError` not a boolean) made
 * the SDK clients refuse the whole answer; the tool answers it as its handler's defect instead
 * (see `Tool.compile`). `structuredContent` may be any JSON value (MCP 2026-07-28, SEP-2106): the
 * tool sends one that is not an object as `{ result: value }` to earlier versions.
 *
 * A few `typeof` tests per block, on the call path of such tools only (a handler returning a
 * string is not checked): no schema decode, and no message built unless something is wrong
 * (measured on Node 24: 7 ns for a one-block result, 27 ns for three blocks). The blocks are
 * checked by `contentBlock`, as a prompt's messages are.
 *
 * @internal
 */
import { kindOf } from "../../internal/valueKind.ts"
import { blockProblem, isObject, resultTypeProblem, wellFormedBlock } from "./contentBlock.ts"

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
    if (!wellFormedBlock(block)) return blockProblem(block, `content[${i}]`)
  }
  if (result.isError !== undefined && typeof result.isError !== "boolean") {
    return `isError must be a boolean, not ${kindOf(result.isError)}`
  }
  if (result._meta !== undefined && !isObject(result._meta)) return `_meta must be an object, not ${kindOf(result._meta)}`
  return resultTypeProblem(result)
}
