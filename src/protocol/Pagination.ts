/**
 * Stable cursor pagination for the list methods (`tools/list`, `resources/list`, ...).
 *
 * Every registered component has a sequence number (`McpServer`: its Layer's place among the
 * component Layers made, run-time additions after them in the order added); lists are ordered by
 * it, and a cursor names the last sequence number a page contained. A cursor therefore stays valid
 * while the list changes: removals never shift later items, and an addition lands at its place (a
 * component Layer built while a client pages is seen only if its place comes after the cursor's;
 * the client hears of the change by `list_changed`). A cursor may also
 * name the list it continues (its `scope`: `McpServer` names the list method and the server), so
 * that one of another list, or of another server, is not taken for a place in this one. Cursors are
 * opaque to clients (base64url); one that cannot be read, or is of another scope, is answered
 * with -32602.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { clip } from "../internal/clip.ts"
import { type InvalidParams, invalidParams } from "./McpError.ts"

/**
 * An item of a paginated list: its position is its sequence number.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sequenced {
  readonly seq: number
}

/**
 * One page, and the cursor of the next one when there is more.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor: string | undefined
}

const prefix = "v1:"

/** What a cursor of `scope` starts with (`""`: no scope, the cursors of earlier versions). */
const prefixOf = (scope: string): string => scope === "" ? prefix : `${prefix}${scope}:`

/**
 * A short digest of `text` (32-bit FNV-1a, base 36: a few characters, however long the text): what
 * names a server, or a list of many (a directory by its URI), in a {@link scope}.
 *
 * @since 0.2.0
 * @category formatting
 */
export const digest = (text: string): string => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(36)
}

/**
 * The scope of the cursors of the list `list` (a short name, such as `tools`) of the server named
 * `server` (by its {@link digest}): a cursor of another list, or of another server, is then no
 * place in this one (-32602), and replicas of one server (one name) take each other's (a
 * 2026-07-28 client's next page may reach any of them).
 *
 * @since 0.2.0
 * @category formatting
 */
export const scope = (list: string, server: string): string => `${list}.${digest(server)}`

/**
 * Encodes the cursor that continues after sequence number `seq` in the list `scope` names (default
 * none).
 *
 * @since 0.1.0
 * @category formatting
 */
export const encodeCursor = (seq: number, scope = ""): string =>
  Buffer.from(`${prefixOf(scope)}${seq}`, "utf8").toString("base64url")

/**
 * Decodes a cursor of the list `scope` names (default none) to the sequence number it continues
 * after; `undefined` when it is not ours, or of another scope.
 *
 * @since 0.1.0
 * @category formatting
 */
export const decodeCursor = (cursor: string, scope = ""): number | undefined => {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  const start = prefixOf(scope)
  if (!text.startsWith(start)) return undefined
  const digits = text.slice(start.length)
  // Only what encodeCursor writes (and what it writes again when re-encoded): plain decimal digits.
  if (!/^(0|[1-9][0-9]*)$/.test(digits) || encodeCursor(Number(digits), scope) !== cursor) return undefined
  const seq = Number(digits)
  return Number.isSafeInteger(seq) ? seq : undefined
}

/**
 * The page of `items` (sorted by `seq`) that follows `cursor`, at most `pageSize` long
 * (`undefined`: everything in one page); its cursors are of the list `scope` names (default none),
 * and so must `cursor` be.
 *
 * @since 0.1.0
 * @category constructors
 */
export const paginate = <A extends Sequenced>(
  items: ReadonlyArray<A>,
  cursor: string | undefined,
  pageSize: number | undefined,
  scope = ""
): Result.Result<Page<A>, InvalidParams> => {
  let start = 0
  if (cursor !== undefined) {
    const after = decodeCursor(cursor, scope)
    if (after === undefined) return Result.fail(invalidParams(`Invalid cursor: ${clip(cursor)}`))
    // first item with seq > after (binary search: items are sorted by seq)
    let lo = 0
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (items[mid]!.seq <= after) lo = mid + 1
      else hi = mid
    }
    start = lo
  }
  if (pageSize === undefined || start + pageSize >= items.length) {
    return Result.succeed({ items: start === 0 ? items : items.slice(start), nextCursor: undefined })
  }
  const page = items.slice(start, start + pageSize)
  return Result.succeed({ items: page, nextCursor: encodeCursor(page[page.length - 1]!.seq, scope) })
}
