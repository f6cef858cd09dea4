/**
 * Newline-delimited JSON framing for byte streams (stdio, sockets).
 *
 * Whole chunks are decoded at once (`StringDecoder` + `indexOf`), each complete line is parsed
 * with one `JSON.parse`, and a line longer than the limit is discarded as it streams in (memory
 * stays bounded) and answered with one error.
 *
 * @internal
 */
import { StringDecoder } from "node:string_decoder"
import * as JsonRpc from "../../protocol/JsonRpc.ts"
import { InvalidFrame } from "../../session/Connection.ts"
import { ErrorCode } from "../../protocol/McpError.ts"

/** Splits byte chunks into parsed messages; keeps the partial last line between chunks. */
export class NdjsonDecoder {
  private readonly decoder = new StringDecoder("utf8")
  private readonly maxBytes: number
  private buffer = ""
  /** true while skipping the rest of an oversized line */
  private discarding = false

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  /** Decodes one chunk, appending parsed values (or `InvalidFrame`s) to `out`. */
  push(chunk: Uint8Array, out: Array<unknown>): void {
    let text = this.decoder.write(chunk as Buffer)
    let start = 0
    let newline = text.indexOf("\n")
    while (newline !== -1) {
      if (this.discarding) {
        this.discarding = false
      } else {
        const line = this.buffer.length > 0 ? this.buffer + text.slice(start, newline) : text.slice(start, newline)
        this.buffer = ""
        this.line(line, out)
      }
      start = newline + 1
      newline = text.indexOf("\n", start)
    }
    if (start < text.length) {
      if (this.discarding) return
      text = start === 0 ? text : text.slice(start)
      if (this.tooLarge(this.buffer.length + text.length, () => this.buffer + text)) {
        this.buffer = ""
        this.discarding = true
        out.push(this.oversized())
        return
      }
      this.buffer += text
    }
  }

  /** Flushes a final line that had no newline at end of input. */
  end(out: Array<unknown>): void {
    const rest = this.buffer + this.decoder.end()
    this.buffer = ""
    if (!this.discarding && rest.trim().length > 0) this.line(rest, out)
    this.discarding = false
  }

  /**
   * Exact UTF-8 size check, paid only when it could matter: a string of `length` UTF-16 units
   * takes between `length` and `3 × length` bytes.
   */
  private tooLarge(length: number, text: string | (() => string)): boolean {
    if (length > this.maxBytes) return true
    if (length * 3 <= this.maxBytes) return false
    return Buffer.byteLength(typeof text === "string" ? text : text(), "utf8") > this.maxBytes
  }

  private line(line: string, out: Array<unknown>): void {
    if (this.tooLarge(line.length, line)) return void out.push(this.oversized())
    if (line.length === 0 || line === "\r") return
    try {
      out.push(JSON.parse(line))
    } catch (error) {
      out.push(new InvalidFrame(JsonRpc.parseError(error instanceof Error ? error.message : String(error))))
    }
  }

  private oversized(): InvalidFrame {
    return new InvalidFrame(
      JsonRpc.failure(undefined, {
        code: ErrorCode.InvalidRequest,
        message: `Invalid Request: message exceeds the maximum size of ${this.maxBytes} bytes and was discarded`
      })
    )
  }
}

/** Serialises a batch of messages as one NDJSON string (one write for the whole batch). */
export const encodeBatch = (messages: ReadonlyArray<{ readonly message: unknown }>): string => {
  let out = ""
  for (let i = 0; i < messages.length; i++) {
    const line = JsonRpc.stringify(messages[i]!.message as JsonRpc.Message)
    if (line !== undefined) out += line + "\n"
  }
  return out
}
