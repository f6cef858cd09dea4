/**
 * Newline-delimited JSON framing for byte streams (stdio, sockets).
 *
 * Whole chunks are decoded at once (`Buffer#toString` + `indexOf`), each complete line is parsed
 * with one `JSON.parse`, and a line longer than the limit is discarded as it streams in (memory
 * stays bounded) and answered with one error once it ends, by its id when it was a request (its
 * envelope is read as it streams by: see `Envelope`).
 *
 * JSON-RPC messages are UTF-8: a line whose bytes are not is answered -32700, as an HTTP body is,
 * instead of being read with U+FFFD in place of its bad bytes (a request with an id, a name or an
 * argument it never had). The bytes are checked only when the decoded chunk holds a U+FFFD (a
 * decoder's replacement, or the character itself): one scan of the text per chunk otherwise.
 *
 * A byte order mark that starts the input is skipped (RFC 8259 §8.1 lets a JSON parser ignore
 * one): some Windows tools write it before the first line, which was otherwise a -32700 without
 * an id, the client left waiting for the answer to its `initialize`.
 *
 * @internal
 */
import * as JsonRpc from "../../protocol/JsonRpc.ts"
import { InvalidFrame } from "../../session/Connection.ts"
import { ErrorCode } from "../../protocol/McpError.ts"

/** Splits byte chunks into parsed messages; keeps the partial last line between chunks. */
export class NdjsonDecoder {
  private readonly maxBytes: number
  private buffer = ""
  /**
   * Set while skipping the rest of an oversized line: what its envelope says so far (answered
   * once the line ends).
   */
  private discarding: Envelope | undefined = undefined
  /** The bytes of a character the end of the last chunk cut (at most 3), decoded with the next. */
  private carry: Buffer | undefined = undefined
  /** Whether the partial line in `buffer` had bytes that are not UTF-8. */
  private bufferInvalid = false
  /**
   * How many more bytes `buffer` takes as UTF-8 than it took as received (0 unless bytes that are
   * not UTF-8 were decoded into it: a U+FFFD takes 3 bytes for 1 to 3 received).
   */
  private bufferExcess = 0
  /**
   * The UTF-8 size of `buffer`'s text, once a size check needed it (-1 until then): kept as the
   * line grows, each chunk measuring only its own text (measuring the whole line at each chunk
   * made a long line's reading quadratic: over 100 MB measured for one message near 4 MiB read
   * in 64 KiB chunks). Sizes of texts add up: a decoder never cuts a surrogate pair.
   */
  private bufferBytes = -1
  /** Nothing decoded yet: a byte order mark here is skipped. */
  private atStart = true

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  /**
   * Decodes one chunk, appending parsed values (or `InvalidFrame`s) to `out`. A string chunk (a
   * stream with an encoding set) was decoded by the stream: its lines are taken as they are.
   */
  push(chunk: Uint8Array | string, out: Array<unknown>): void {
    let text: string
    // Set when the chunk's bytes are not UTF-8: which of its lines are not, and their sizes.
    let invalid: InvalidLines | undefined
    if (typeof chunk === "string") {
      text = chunk
      if (this.carry !== undefined) {
        // The bytes of a character the last chunk cut, which text cannot complete: not UTF-8, and
        // measured as received (an input given an encoding midway).
        const cut = this.carry.toString("utf8")
        text = cut + chunk
        this.bufferInvalid = true
        this.bufferExcess += excessOf(cut, this.carry.length)
        this.carry = undefined
      }
    } else {
      let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      if (this.carry !== undefined) {
        bytes = Buffer.concat([this.carry, bytes])
        this.carry = undefined
      }
      const end = wholeSequencesEnd(bytes)
      if (end < bytes.length) this.carry = Buffer.from(bytes.subarray(end))
      text = bytes.toString("utf8", 0, end)
      if (text.indexOf("\uFFFD") !== -1 && !isUtf8(bytes.subarray(0, end))) invalid = invalidLines(bytes, end)
    }
    if (this.atStart && text.length > 0) {
      this.atStart = false
      // Not part of the first line: dropped from its text and its received size alike (the
      // byte order mark is one UTF-16 unit, its bytes are decoded whole, never in `invalid`).
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1)
        if (invalid !== undefined) invalid.sizes[0]! -= 3
      }
    }
    let ordinal = 0
    let start = 0
    let newline = text.indexOf("\n")
    while (newline !== -1) {
      if (this.discarding !== undefined) {
        this.discarding.read(text, start, newline)
        out.push(this.oversized(this.discarding))
        this.discarding = undefined
      } else {
        const segment = text.slice(start, newline)
        const line = this.buffer.length > 0 ? this.buffer + segment : segment
        const excess = invalid === undefined ? this.bufferExcess : this.bufferExcess + excessOf(segment, invalid.sizes[ordinal]!)
        this.buffer = ""
        this.bufferBytes = -1
        this.line(line, out, this.bufferInvalid || invalid?.lines.has(ordinal) === true, excess)
      }
      this.bufferInvalid = false
      this.bufferExcess = 0
      ordinal++
      start = newline + 1
      newline = text.indexOf("\n", start)
    }
    if (invalid?.lines.has(ordinal) === true) this.bufferInvalid = true
    if (start < text.length) {
      if (this.discarding !== undefined) return this.discarding.read(text, start, text.length)
      text = start === 0 ? text : text.slice(start)
      const excess = invalid === undefined ? this.bufferExcess : this.bufferExcess + excessOf(text, invalid.sizes[ordinal]!)
      // A last "\r" may be half of the "\r\n" that ends the line: not counted (see `tooLarge`).
      const cr = text.charCodeAt(text.length - 1) === 13 ? 1 : 0
      let textBytes = -1
      const tail = text
      const bytes = () => this.measuredBuffer() + (textBytes = Buffer.byteLength(tail, "utf8"))
      if (this.tooLarge(this.buffer.length + text.length - cr, bytes, excess + cr)) {
        // Answered once it ends: the id a client waits for may be its last member.
        this.discarding = new Envelope()
        this.discarding.read(this.buffer, 0, this.buffer.length)
        this.discarding.read(text, 0, text.length)
        this.buffer = ""
        this.bufferBytes = -1
        this.bufferInvalid = false
        this.bufferExcess = 0
        return
      }
      this.buffer += text
      this.bufferBytes = this.bufferBytes === -1 || textBytes === -1 ? -1 : this.bufferBytes + textBytes
      this.bufferExcess = excess
    }
  }

  /** Flushes a final line that had no newline at end of input. */
  end(out: Array<unknown>): void {
    // A character the input ended in the middle of is not UTF-8.
    const invalid = this.bufferInvalid || this.carry !== undefined
    const cut = this.carry === undefined ? "" : this.carry.toString("utf8")
    const rest = this.buffer + cut
    const excess = this.bufferExcess + (this.carry === undefined ? 0 : excessOf(cut, this.carry.length))
    this.buffer = ""
    this.bufferBytes = -1
    this.carry = undefined
    this.bufferInvalid = false
    this.bufferExcess = 0
    if (this.discarding !== undefined) out.push(this.oversized(this.discarding))
    else if (rest.length > 0) this.line(rest, out, invalid, excess)
    this.discarding = undefined
  }

  /**
   * Exact size check, in bytes as received, paid only when it could matter: a string of `length`
   * UTF-16 units took between `length` and `3 × length` bytes (a U+FFFD decoded from bytes that
   * are not UTF-8 stands for 1 to 3 of them). `excess`: how many more bytes the text takes as
   * UTF-8 than it took as received (see `bufferExcess`), so that a line is measured by its bytes
   * whether it comes whole or in pieces, valid or not. The limit is the message's: the "\r" of a
   * "\r\n" line ending is no part of it (it was: with CRLF endings a message of exactly the limit
   * was refused), and the caller leaves it out of `length` and adds it to `excess`.
   */
  private tooLarge(length: number, bytes: string | (() => number), excess = 0): boolean {
    if (length > this.maxBytes) return true
    if (length * 3 <= this.maxBytes) return false
    return (typeof bytes === "string" ? Buffer.byteLength(bytes, "utf8") : bytes()) - excess > this.maxBytes
  }

  /** The UTF-8 size of `buffer` (see `bufferBytes`): measured once per line. */
  private measuredBuffer(): number {
    return this.bufferBytes === -1 ? (this.bufferBytes = Buffer.byteLength(this.buffer, "utf8")) : this.bufferBytes
  }

  /**
   * One complete line: too large (-32600) before anything else, as when it streams in (a line that
   * is too large is -32600 however the chunks cut it, whatever its bytes), then not UTF-8 (-32700).
   */
  private line(line: string, out: Array<unknown>, notUtf8Bytes: boolean, excess = 0): void {
    const cr = line.charCodeAt(line.length - 1) === 13 ? 1 : 0
    if (this.tooLarge(line.length - cr, line, excess + cr)) {
      const envelope = new Envelope()
      envelope.read(line, 0, line.length)
      return void out.push(this.oversized(envelope))
    }
    if (notUtf8Bytes) return void out.push(notUtf8())
    if (line.length === 0 || line === "\r") return
    try {
      out.push(JSON.parse(line))
    } catch (error) {
      // A blank line of spaces or tabs is no message, as an empty one is not (and as a last line
      // of them is not at end of input): skipped, not answered -32700.
      if (blank.test(line)) return
      out.push(new InvalidFrame(JsonRpc.parseError(error instanceof Error ? error.message : String(error))))
    }
  }

  /**
   * The error of a line too large, by what its envelope said: a request's carries its id; a
   * notification's and a response's are not answered (JSON-RPC answers neither; a response's
   * names the id it answered, whose request then fails). Without a readable envelope, no id.
   */
  private oversized(envelope: Envelope): InvalidFrame {
    const { id, kind } = envelope.result()
    return new InvalidFrame(
      JsonRpc.failure(id, {
        code: ErrorCode.InvalidRequest,
        message: `Invalid Request: message exceeds the maximum size of ${this.maxBytes} bytes and was discarded`
      }),
      kind === "request" || kind === "unknown"
    )
  }
}

/**
 * The envelope of a line too large to keep, read as it streams by (one pass over its characters,
 * constant memory): whether its top-level object has a `method` (a request, or a notification
 * without an `id`) or a `result`/`error` (a response), and its `id`. The size error then answers
 * a request by its id: without it the client, which matches answers by id, waited for its
 * timeout (its `id` may come last: the official SDKs write it after `params`). Only top-level
 * members count (a tool's argument named `id` is none); as `JSON.parse`, the last of duplicate
 * members wins.
 */
class Envelope {
  /** Nesting depth: 1 inside the top-level object. */
  private depth = 0
  private inString = false
  private escaped = false
  /** At depth 1: whether a member's name comes next (else its value). */
  private nameNext = false
  /** What is being taken: nothing, a top-level member's name, or the `id`'s value (a string, a number or literal). */
  private taking: 0 | 1 | 2 | 3 = 0
  /** Its raw text so far (bounded: see {@link maxTaken}). */
  private taken = ""
  /** The name of the top-level member whose value comes (`undefined`: one this does not look for). */
  private name: string | undefined = undefined
  /** Not a JSON object, or one that ended: nothing more is read. */
  private done = false
  private notObject = false
  private hasMethod = false
  private hasAnswer = false
  private hasId = false
  private id: JsonRpc.RequestId | undefined = undefined

  /** Reads `text` from `start` to `end`. */
  read(text: string, start: number, end: number): void {
    for (let i = start; i < end && !this.done; i++) {
      if (this.inString && this.taking === 0 && !this.escaped) {
        // The body of a string not taken (a large argument, most of such a line): skipped to its
        // next quote or backslash in one scan, not looked at character by character.
        i = nextSpecial(text, i, end)
        if (i === end) break
      }
      const c = text.charCodeAt(i)
      if (this.inString) {
        if (this.taking !== 0) this.take(c)
        if (this.escaped) this.escaped = false
        else if (c === 92) this.escaped = true // a backslash
        else if (c === 34) { // a quote
          this.inString = false
          if (this.taking !== 0) this.took()
        }
        continue
      }
      if (this.taking === 3) {
        // A number or literal ends at whitespace or a delimiter.
        if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 44 && c !== 125 && c !== 93) {
          this.take(c)
          continue
        }
        this.took()
      }
      switch (c) {
        case 32:
        case 9:
        case 10:
        case 13:
          break
        case 34: // a quote
          this.inString = true
          if (this.depth === 1 && (this.nameNext || this.name === "id")) this.begin(this.nameNext ? 1 : 2, c)
          break
        case 123: // {
        case 91: // [
          if (this.depth === 0) {
            if (c === 91) this.notObject = this.done = true
            this.nameNext = true
          } else if (this.depth === 1 && !this.nameNext && this.name === "id") this.setId(undefined)
          this.depth++
          break
        case 125: // }
        case 93: // ]
          if (--this.depth === 0) this.done = true // what follows is none of it
          break
        case 44: // ,
          if (this.depth === 1) this.nameNext = true
          break
        case 58: // :
          if (this.depth === 1) this.nameNext = false
          break
        default:
          if (this.depth === 0) this.notObject = this.done = true
          else if (this.depth === 1 && !this.nameNext && this.name === "id") this.begin(3, c)
      }
    }
  }

  /** What the envelope said: the request id, and the kind of message. */
  result(): { readonly id: JsonRpc.RequestId | undefined; readonly kind: "request" | "notification" | "response" | "unknown" } {
    if (this.notObject) return { id: undefined, kind: "unknown" }
    if (this.taking === 3) this.took() // the line ended right after the id
    if (this.hasMethod) return this.hasId ? { id: this.id, kind: "request" } : { id: undefined, kind: "notification" }
    // A response is never answered, whatever its id (none, `null`, one that is no request id), as
    // `JsonRpc.classify` has it for a line short enough to parse: its id, if a request id, names
    // the request of the server's it answered.
    if (this.hasAnswer) return { id: this.id, kind: "response" }
    return { id: undefined, kind: "unknown" }
  }

  private begin(taking: 1 | 2 | 3, c: number): void {
    this.taking = taking
    this.taken = String.fromCharCode(c)
  }

  private take(c: number): void {
    if (this.taken.length < maxTaken) return void (this.taken += String.fromCharCode(c))
    // Longer than any name looked for, or than an id answered with: none of them.
    if (this.taking !== 1) this.setId(undefined)
    this.name = undefined
    this.taking = 0
  }

  private took(): void {
    const taking = this.taking
    this.taking = 0
    let value: unknown
    try {
      value = JSON.parse(this.taken)
    } catch {
      value = undefined
    }
    if (taking !== 1) {
      this.name = undefined // its value is read
      return this.setId(value)
    }
    this.name = value === "method" || value === "result" || value === "error" || value === "id" ? value : undefined
    if (this.name === "method") this.hasMethod = true
    else if (this.name === "result" || this.name === "error") this.hasAnswer = true
    else if (this.name === "id") this.hasId = true
  }

  /** The `id`'s value (`JSON.parse` keeps the last of several): a request id, or none. */
  private setId(value: unknown): void {
    this.id = typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value)) ? value : undefined
  }
}

/** Where the next quote or backslash of `text` is, from `from` (`end` when none is before it). */
const nextSpecial = (text: string, from: number, end: number): number => {
  special.lastIndex = from
  const found = special.exec(text)
  return found === null || found.index > end ? end : found.index
}

/** A quote or a backslash (one scan for either: two `indexOf`s would rescan a long way each time). */
const special = /["\\]/g

/** The longest raw name or id an {@link Envelope} takes (a UUID as an id is 38). */
const maxTaken = 256

/** A line of JSON whitespace only (checked only for a line that did not parse). */
const blank = /^[ \t\r]*$/

/** How many more bytes `text` (decoded from `received` bytes) takes as UTF-8 than it took. */
const excessOf = (text: string, received: number): number => Buffer.byteLength(text, "utf8") - received

const notUtf8 = (): InvalidFrame => new InvalidFrame(JsonRpc.parseError("the message is not valid UTF-8"))

let strictDecoder: InstanceType<typeof TextDecoder> | undefined

/**
 * Whether `bytes` are UTF-8. A strict `TextDecoder` (global), not `node:buffer`'s `isUtf8`: Node
 * makes an ES module of a built-in that is imported, at link time (see `Stdio`'s input events),
 * for a check that runs only on a chunk that decoded to a U+FFFD.
 */
const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    ;(strictDecoder ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })).decode(bytes)
    return true
  } catch {
    return false
  }
}

/**
 * Where the last whole UTF-8 sequence of `bytes` ends: a character the chunk's end cut (a lead
 * byte followed by fewer continuation bytes than it announces) waits for the next chunk. Anything
 * else, valid or not, is decoded now.
 */
const wholeSequencesEnd = (bytes: Buffer): number => {
  const length = bytes.length
  let i = length - 1
  while (i >= 0 && i > length - 4 && (bytes[i]! & 0xc0) === 0x80) i--
  if (i < 0) return length
  const lead = bytes[i]!
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return size > 1 && length - i < size ? i : length
}

/** The lines of a chunk that is not UTF-8 as a whole (by order, 0 the one continuing the buffer). */
interface InvalidLines {
  /** Those whose bytes are not UTF-8. */
  readonly lines: Set<number>
  /** The size of each, in bytes as received (without its newline). */
  readonly sizes: Array<number>
}

/**
 * The lines of `bytes` (up to `end`) that are not UTF-8, and the size of each. A newline byte is
 * never part of a multi-byte sequence, so the decoded text has the same lines. Run only for a
 * chunk that is not UTF-8 as a whole.
 */
const invalidLines = (bytes: Buffer, end: number): InvalidLines => {
  const lines = new Set<number>()
  const sizes: Array<number> = []
  let start = 0
  for (let ordinal = 0;; ordinal++) {
    const newline = bytes.indexOf(10, start)
    const stop = newline === -1 || newline >= end ? end : newline
    if (!isUtf8(bytes.subarray(start, stop))) lines.add(ordinal)
    sizes.push(stop - start)
    if (stop === end) return { lines, sizes }
    start = stop + 1
  }
}

/**
 * The most characters {@link writeBatch} joins into one write: a batch of large answers is written
 * in several (one per line past it). Far above a usual batch (one write for the whole of it), far
 * below V8's longest string (about 512 MiB).
 */
export const maxWriteLength = 16 * 1024 * 1024

/**
 * Serialises a batch of messages as NDJSON and hands it to `write`: in one call, unless its text
 * passes {@link maxWriteLength} (then in order, in several). Joining the lines of a batch whatever
 * their size threw a RangeError ("Invalid string length") once they passed V8's longest string: a
 * hundred answers of 5 MB each, to calls sent at once, ended the server (a batch's answer, one
 * line, too: it is written in pieces). Returns what the last call returned (`false`: wait for the
 * output to drain).
 */
export const writeBatch = (
  messages: ReadonlyArray<{ readonly message: unknown }>,
  write: (text: string) => boolean
): boolean => {
  let out = ""
  let flowing = true
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!.message as JsonRpc.Outgoing
    let line: string | undefined
    if (JsonRpc.isBatch(message)) {
      // A batch's answer (MCP 2025-03-26): one line, made of its members' (`JsonRpc.stringify`'s
      // text for it); one too long for a string is written in pieces.
      const { length, members } = JsonRpc.batchMembers(message)
      if (members.length === 0) continue
      if (length >= maxWriteLength) {
        if (out.length > 0) {
          write(out)
          out = ""
        }
        for (let j = 0; j < members.length; j++) {
          write(j === 0 ? "[" : ",")
          write(members[j]!)
        }
        flowing = write("]\n")
        continue
      }
      line = `[${members.join(",")}]`
    } else {
      line = JsonRpc.stringify(message)
      if (line === undefined) continue
    }
    if (out.length + line.length >= maxWriteLength) {
      if (out.length > 0) {
        flowing = write(out)
        out = ""
      }
      if (line.length >= maxWriteLength) {
        // Written as it is: with its newline it may be one character past the longest string.
        write(line)
        flowing = write("\n")
        continue
      }
    }
    out += line + "\n"
  }
  return out.length > 0 ? write(out) : flowing
}

/** Serialises a batch of messages as one NDJSON string (what {@link writeBatch} writes, joined). */
export const encodeBatch = (messages: ReadonlyArray<{ readonly message: unknown }>): string => {
  let text = ""
  writeBatch(messages, (chunk) => {
    text += chunk
    return true
  })
  return text
}
