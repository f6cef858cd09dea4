/**
 * What the tests of answers longer, in all, than V8's longest string share
 * (test/e2e/StdioBigAnswers.test.ts, test/http/BigBatch.test.ts): how many answers of a given size
 * pass that length, and a count of a marker in output read as it comes, its bytes scanned where
 * they are (not decoded into strings: hundreds of MiB go by).
 */
import { constants } from "node:buffer"

/**
 * The fewest answers of `bytes` characters each whose text, in all, is longer than V8's longest
 * string (`MAX_STRING_LENGTH`, 2^29 - 24 in Node 24's 64-bit V8): the least that fails where the
 * answers are joined into one string. Far past it, the output costs its bytes (written, read,
 * scanned) for nothing more.
 */
export const pastLongestString = (bytes: number): number => Math.floor(constants.MAX_STRING_LENGTH / bytes) + 1

/**
 * Counts `marker` (ASCII) in chunks given in order, one that spans two chunks included: `add`
 * each chunk, `count()` the occurrences so far.
 */
export const markerCounter = (marker: string) => {
  const needle = Buffer.from(marker, "latin1")
  let count = 0
  // The last bytes of the chunk before (fewer than the marker's): a marker may start there.
  let tail: Buffer = Buffer.alloc(0)
  const add = (chunk: Uint8Array) => {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    // The markers starting in the tail (ending in this chunk): in the tail and this chunk's start.
    if (tail.length > 0) {
      const seam = Buffer.concat([tail, bytes.subarray(0, needle.length - 1)])
      for (let at = seam.indexOf(needle); at !== -1 && at < tail.length; at = seam.indexOf(needle, at + 1)) count++
    }
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) count++
    const kept = bytes.length >= needle.length - 1 ? bytes : Buffer.concat([tail, bytes])
    tail = Buffer.from(kept.subarray(Math.max(0, kept.length - (needle.length - 1))))
  }
  return { add, count: () => count }
}
