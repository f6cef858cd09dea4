/**
 * Where the HTTP/1.1 messages of one connection begin and end, read from its bytes as `dev`'s TCP
 * relay passes them on (see `relay.ts`): whether the connection is **between** two exchanges,
 * every request sent whole and every answer received whole, the only moment it may be moved to
 * another server. Only what can be known is known: anything else (a framing not understood, a
 * request or answer that ends with the connection, HTTP/1.0, an upgrade, `Connection: close`,
 * a head past {@link maxLine}) makes the connection {@link Exchange.opaque} for good: relayed
 * as bytes to its server to its end, as any TCP relay does.
 *
 * @internal
 */

/** The longest head (request or answer), chunk-size line or trailer section read; a longer one is not understood. */
export const maxLine = 64 * 1024

/** The longest chunk-size line read (its extensions included). */
const maxChunkLine = 1_024

/** How a message's body is framed: none, `Content-Length` bytes, or chunked. */
type Body = { readonly _tag: "None" } | { readonly _tag: "Length"; readonly length: number } | { readonly _tag: "Chunked" }

/** Where a reader is in its direction's current message. */
type Phase =
  | { readonly _tag: "Head"; text: string }
  | { readonly _tag: "Length"; left: number }
  | { readonly _tag: "ChunkSize"; text: string }
  | { readonly _tag: "ChunkData"; left: number }
  | { readonly _tag: "Trailers"; text: string }

const none: Body = { _tag: "None" }

/** One direction's messages: `head` is told each head (what frames its body; `undefined`: not understood), `done` each message's end. */
class Reader {
  phase: Phase = { _tag: "Head", text: "" }
  private readonly head: (text: string) => Body | undefined
  private readonly done: () => void
  private readonly unsure: () => void
  constructor(head: (text: string) => Body | undefined, done: () => void, unsure: () => void) {
    this.head = head
    this.done = done
    this.unsure = unsure
  }

  /** At a message's start, nothing of it read. */
  get idle(): boolean {
    return this.phase._tag === "Head" && this.phase.text.length === 0
  }

  /** Reads `chunk`; returns false once something is not understood (the reader then stops). */
  read(chunk: Buffer): boolean {
    let at = 0
    while (at < chunk.length) {
      const phase = this.phase
      switch (phase._tag) {
        case "Head":
        case "Trailers": {
          const before = phase.text.length
          phase.text += chunk.toString("latin1", at)
          // A trailer section may be empty (its blank line alone).
          const end = phase._tag === "Trailers" && phase.text.startsWith("\r\n") ? 2 : endOfHead(phase.text, before)
          if (end < 0) {
            if (phase.text.length > maxLine) return this.fail()
            return true
          }
          at += end - before
          if (phase._tag === "Trailers") {
            this.finish()
            break
          }
          const body = this.head(phase.text.slice(0, end))
          if (body === undefined) return this.fail()
          this.phase = { _tag: "Head", text: "" }
          if (body._tag === "Length" && body.length > 0) this.phase = { _tag: "Length", left: body.length }
          else if (body._tag === "Chunked") this.phase = { _tag: "ChunkSize", text: "" }
          else this.done()
          break
        }
        case "Length": {
          const taken = Math.min(phase.left, chunk.length - at)
          phase.left -= taken
          at += taken
          if (phase.left === 0) this.finish()
          break
        }
        case "ChunkSize": {
          const before = phase.text.length
          phase.text += chunk.toString("latin1", at, Math.min(chunk.length, at + maxChunkLine + 1))
          const end = phase.text.indexOf("\r\n", Math.max(0, before - 1))
          if (end < 0) {
            if (phase.text.length > maxChunkLine) return this.fail()
            at = chunk.length
            break
          }
          at += end + 2 - before
          const size = /^([0-9a-fA-F]{1,8})[ \t]*(;[^\r\n]*)?$/.exec(phase.text.slice(0, end))
          if (size === null) return this.fail()
          const length = Number.parseInt(size[1]!, 16)
          // The data, then its CRLF.
          this.phase = length === 0 ? { _tag: "Trailers", text: "" } : { _tag: "ChunkData", left: length + 2 }
          break
        }
        case "ChunkData": {
          const taken = Math.min(phase.left, chunk.length - at)
          phase.left -= taken
          at += taken
          if (phase.left === 0) this.phase = { _tag: "ChunkSize", text: "" }
          break
        }
      }
    }
    return true
  }

  private finish(): void {
    this.phase = { _tag: "Head", text: "" }
    this.done()
  }

  private fail(): false {
    this.unsure()
    return false
  }
}

/** The index just past a head's blank line in `text` (searched from `from`, less what may have ended the text before); -1 when not there yet. */
const endOfHead = (text: string, from: number): number => {
  const found = text.indexOf("\r\n\r\n", Math.max(0, from - 3))
  return found < 0 ? -1 : found + 4
}

/** A head's fields: lower-case names, values trimmed; `undefined` for a line that is no field. */
const fieldsOf = (lines: ReadonlyArray<string>): Map<string, Array<string>> | undefined => {
  const fields = new Map<string, Array<string>>()
  for (const line of lines) {
    if (line.length === 0) continue
    const colon = line.indexOf(":")
    // An obsolete folded line, or no name: not understood.
    if (colon <= 0 || line[0] === " " || line[0] === "\t") return undefined
    const name = line.slice(0, colon).toLowerCase()
    const values = fields.get(name) ?? []
    values.push(line.slice(colon + 1).trim())
    fields.set(name, values)
  }
  return fields
}

/** The comma-separated tokens of a field, lower case. */
const tokensOf = (fields: Map<string, Array<string>>, name: string): Array<string> =>
  (fields.get(name) ?? []).flatMap((value) => value.split(",")).map((token) => token.trim().toLowerCase()).filter((token) => token.length > 0)

/**
 * How a message's body is framed (RFC 9112 §6): chunked, `Content-Length`, or `fallback` with
 * neither; `undefined` when the fields say something else (another transfer coding, lengths that
 * disagree), or the connection is to close (`Connection: close`) or be upgraded.
 */
const framingOf = (fields: Map<string, Array<string>>, fallback: Body | undefined): Body | undefined => {
  const connection = tokensOf(fields, "connection")
  if (connection.includes("close") || connection.includes("upgrade") || fields.has("upgrade")) return undefined
  const codings = tokensOf(fields, "transfer-encoding")
  if (codings.length > 0) return codings.length === 1 && codings[0] === "chunked" && !fields.has("content-length") ? { _tag: "Chunked" } : undefined
  const lengths = new Set(tokensOf(fields, "content-length"))
  if (lengths.size === 0) return fallback
  const [length] = lengths
  return lengths.size === 1 && /^\d{1,15}$/.test(length!) ? { _tag: "Length", length: Number(length) } : undefined
}

/**
 * The exchanges of one relayed connection: {@link sent} what the client sends, {@link received}
 * what its server answers; {@link between} says whether the connection may be moved now.
 */
export class Exchange {
  /** Not understood (or ending with the connection): relayed as bytes to its end, never moved. */
  opaque = false
  /** The methods of the requests sent whose answers have not ended (a `HEAD`'s answer has no body). */
  private readonly methods: Array<string> = []
  private readonly requests = new Reader((head) => this.request(head), () => {}, () => this.unsure())
  /** The answer read is an interim one (`100 Continue`): its end answers nothing yet. */
  private interim = false
  private readonly answers = new Reader((head) => this.answer(head), () => this.answered(), () => this.unsure())

  /** Every request sent whole and answered whole, nothing of the next sent: the connection may go to another server. */
  get between(): boolean {
    return !this.opaque && this.methods.length === 0 && this.requests.idle && this.answers.idle
  }

  /** The client sent `chunk`. */
  sent(chunk: Buffer): void {
    if (!this.opaque) this.requests.read(chunk)
  }

  /** The server answered `chunk`. */
  received(chunk: Buffer): void {
    if (!this.opaque) this.answers.read(chunk)
  }

  private answered(): void {
    if (this.interim) this.interim = false
    else this.methods.shift()
  }

  private unsure(): void {
    this.opaque = true
  }

  /** A request's head: HTTP/1.1 only (an HTTP/1.0 answer may end with the connection); no `CONNECT`. */
  private request(head: string): Body | undefined {
    const lines = head.split("\r\n")
    const line = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) \S+ HTTP\/1\.1$/.exec(lines[0]!)
    if (line === null || line[1] === "CONNECT") return undefined
    const fields = fieldsOf(lines.slice(1))
    const body = fields === undefined ? undefined : framingOf(fields, none)
    if (body !== undefined) this.methods.push(line[1]!)
    return body
  }

  /**
   * An answer's head: an interim one (`100 Continue`) has no body and answers nothing yet; a final
   * one answers the oldest request, without a body after `HEAD` and for 204 and 304; one with
   * neither length nor chunks ends with the connection (not understood, as `101`).
   */
  private answer(head: string): Body | undefined {
    const lines = head.split("\r\n")
    const status = /^HTTP\/1\.1 (\d{3})(?: |$)/.exec(lines[0]!)
    const method = this.methods[0]
    if (status === null || method === undefined) return undefined
    const code = Number(status[1])
    const fields = fieldsOf(lines.slice(1))
    if (fields === undefined || code === 101) return undefined
    if (code < 200) {
      this.interim = true
      return none
    }
    const bodiless = method === "HEAD" || code === 204 || code === 304
    const body = framingOf(fields, bodiless ? none : undefined)
    return body === undefined || !bodiless ? body : none
  }
}
