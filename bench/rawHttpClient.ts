/**
 * A lean HTTP/1.1 load generator for the benchmarks whose servers share this machine's cores with
 * the client (`bench/cluster.ts`): `node:http`'s client costs about 45 µs of CPU per request here
 * (measured: 20,000 task creations, 0.9 s of the client's CPU), as much as a replica spends
 * serving one, so it measured the client as much as the servers.
 *
 * What it does, and no more: keep-alive connections (`connections` of them, opened on demand), one
 * request in flight per connection (no pipelining: clients do not pipeline), a request written as
 * one string, the answer read by its status line and `Content-Length` (or chunked framing) and
 * handed back whole. Anything else (a closed connection, a malformed answer) fails the request.
 */
import { connect, type Socket } from "node:net"

/** An answer: its status and its body (UTF-8). */
export interface RawReply {
  readonly status: number
  /** The `Content-Type` header, when the answer has one (JSON or SSE). */
  readonly contentType: string | undefined
  readonly body: string
}

interface Pending {
  readonly request: string
  readonly resolve: (reply: RawReply) => void
  readonly reject: (error: Error) => void
}

/** The framing of an answer whose head was read. */
type Framing = { readonly length: number } | { readonly chunked: true }

/** Keep-alive connections to one `host:port`, each carrying one request at a time. */
export class RawHttpClient {
  private readonly idle: Array<Connection> = []
  private readonly queued: Array<Pending> = []
  private open = 0
  /** The head of a request, by its headers object (callers that reuse one skip building it). */
  private readonly heads = new WeakMap<object, string>()
  readonly host: string
  readonly port: number
  readonly connections: number

  constructor(host: string, port: number, connections: number) {
    this.host = host
    this.port = port
    this.connections = connections
  }

  /** POSTs `body` to `path` with `headers` (names as written; Host and Content-Length added). */
  post(path: string, headers: { readonly [name: string]: string }, body: string): Promise<RawReply> {
    let head = this.heads.get(headers)
    if (head === undefined || !head.startsWith(`POST ${path} `)) {
      head = `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n`
      for (const name in headers) head += `${name}: ${headers[name]}\r\n`
      this.heads.set(headers, head)
    }
    const request = `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    return new Promise((resolve, reject) => {
      const pending = { request, resolve, reject }
      const connection = this.idle.pop() ?? (this.open < this.connections ? this.connect() : undefined)
      if (connection === undefined) this.queued.push(pending)
      else connection.send(pending)
    })
  }

  /** Closes every connection. */
  close(): void {
    for (const connection of this.idle) connection.socket.destroy()
    this.idle.length = 0
  }

  private connect(): Connection {
    this.open++
    return new Connection(connect({ host: this.host, port: this.port, noDelay: true }), this)
  }

  /** @internal A connection is free: the next queued request, or idle. */
  released(connection: Connection): void {
    const next = this.queued.shift()
    if (next === undefined) this.idle.push(connection)
    else connection.send(next)
  }

  /** @internal A connection is gone. */
  lost(connection: Connection): void {
    this.open--
    const at = this.idle.indexOf(connection)
    if (at >= 0) this.idle.splice(at, 1)
  }
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0)
  private current: Pending | undefined
  readonly socket: Socket
  private readonly client: RawHttpClient

  constructor(socket: Socket, client: RawHttpClient) {
    this.socket = socket
    this.client = client
    socket.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
      this.read()
    })
    let gone = false
    const fail = (error: Error) => {
      if (!gone) client.lost(this)
      gone = true
      const current = this.current
      this.current = undefined
      current?.reject(error)
    }
    socket.on("error", fail)
    socket.on("close", () => fail(new Error("connection closed")))
    // The server ends an idle keep-alive connection (Node's 5 s keepAliveTimeout, between phases
    // of a slow run): it leaves the idle ones at once, before 'close', or the next request written
    // to it fails ("This socket has been ended by the other party").
    socket.on("end", () => fail(new Error("connection ended by the server")))
  }

  send(pending: Pending): void {
    this.current = pending
    this.socket.write(pending.request)
  }

  /** Reads the answer in the buffer, once it is whole. */
  private read(): void {
    const current = this.current
    if (current === undefined) return
    const headEnd = this.buffer.indexOf("\r\n\r\n")
    if (headEnd < 0) return
    const head = this.buffer.toString("latin1", 0, headEnd)
    const status = Number(head.slice(9, 12))
    const framing = framingOf(head)
    if (framing === undefined) {
      this.socket.destroy(new Error(`an answer with neither Content-Length nor chunked framing: ${head}`))
      return
    }
    const bodyStart = headEnd + 4
    let body: string
    let rest: number
    if ("length" in framing) {
      if (this.buffer.length < bodyStart + framing.length) return
      body = this.buffer.toString("utf8", bodyStart, bodyStart + framing.length)
      rest = bodyStart + framing.length
    } else {
      const chunks: Array<Buffer> = []
      let at = bodyStart
      while (true) {
        const lineEnd = this.buffer.indexOf("\r\n", at)
        if (lineEnd < 0) return
        const size = Number.parseInt(this.buffer.toString("latin1", at, lineEnd), 16)
        if (this.buffer.length < lineEnd + 2 + size + 2) return
        if (size === 0) {
          rest = lineEnd + 4
          break
        }
        chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
        at = lineEnd + 2 + size + 2
      }
      body = Buffer.concat(chunks).toString("utf8")
    }
    this.buffer = this.buffer.subarray(rest)
    this.current = undefined
    current.resolve({ status, contentType: /\r\ncontent-type:[ \t]*([^\r]*)/i.exec(head)?.[1], body })
    this.client.released(this)
  }
}

const framingOf = (head: string): Framing | undefined => {
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (length !== null) return { length: Number(length[1]) }
  return /\r\ntransfer-encoding:\s*chunked/i.test(head) ? { chunked: true } : undefined
}
