/**
 * `effect-mcp dev`'s relay (src/cli/internal/relay.ts) over real TCP on 127.0.0.1, with raw
 * servers standing for dev's server children (each answers what the case says), and the HTTP/1.1
 * framing it reads (src/cli/internal/exchange.ts): a connection is moved to the next server only
 * between two whole exchanges; anywhere else it stays its server's, bytes and end.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { connect, createServer, type Server, type Socket } from "node:net"
import { Exchange } from "../../src/cli/internal/exchange.ts"
import * as Relay from "../../src/cli/internal/relay.ts"

/** A raw server on 127.0.0.1 standing for a server child: what its connections send, and the connections. */
const upstream = (answer: (socket: Socket, sent: string) => void) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly server: Server; readonly port: number; readonly sockets: Array<Socket>; readonly received: () => string }>((resolve) => {
        const sockets: Array<Socket> = []
        let received = ""
        const server = createServer({ allowHalfOpen: true }, (socket) => {
          sockets.push(socket)
          socket.on("error", () => {})
          socket.on("data", (chunk: Buffer) => {
            received += chunk.toString("latin1")
            answer(socket, chunk.toString("latin1"))
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resolve({ server, port: typeof address === "object" && address !== null ? address.port : 0, sockets, received: () => received })
        })
      })
    ),
    ({ server, sockets }) =>
      Effect.sync(() => {
        for (const socket of sockets) socket.destroy()
        server.close()
      })
  )

/** dev's listener (paused connections, as `Dev.listen` makes it) and its relay. */
const relayed = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ readonly relay: ReturnType<typeof Relay.make>; readonly port: number }>((resolve) => {
      const listener = createServer({ pauseOnConnect: true, allowHalfOpen: true })
      listener.listen(0, "127.0.0.1", () => {
        const address = listener.address()
        resolve({ relay: Relay.make(listener), port: typeof address === "object" && address !== null ? address.port : 0 })
      })
    })
  ),
  ({ relay }) => Effect.sync(relay.close)
)

/** A client connected to dev: what it got, and whether its connection ended. */
const client = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly socket: Socket; readonly got: () => string; readonly closed: () => boolean }>((resolve) => {
        let got = ""
        let closed = false
        const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () =>
          resolve({ socket, got: () => got, closed: () => closed }))
        socket.on("data", (chunk: Buffer) => {
          got += chunk.toString("latin1")
        })
        socket.on("end", () => {
          closed = true
        })
        socket.on("close", () => {
          closed = true
        })
        socket.on("error", () => {})
      })
    ),
    ({ socket }) => Effect.sync(() => socket.destroy())
  )

/** Waits (every 10 ms, at most `millis`) until `condition` holds; whether it did. */
const eventually = (condition: () => boolean, millis = 3_000) =>
  Effect.promise(() =>
    new Promise<boolean>((resolve) => {
      const started = performance.now()
      const look = () => {
        if (condition()) return resolve(true)
        if (performance.now() - started > millis) return resolve(false)
        setTimeout(look, 10)
      }
      look()
    })
  )

const post = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
const next = "GET /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
const begun = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"

describe("effect-mcp dev: the relay's moves", () => {
  // Fails before the fix: an answer begun counted as the exchange's end, and an end from the old
  // server after a change was not passed on: the connection was moved, and the client waited for
  // the rest of an answer that would never come (its chunked body not ended).
  it.live("an answer cut by the old server during a restart: the client's connection ends, it is not moved", () =>
    Effect.scoped(Effect.gen(function*() {
      const old = yield* upstream((socket) => socket.write(begun))
      const { port, relay } = yield* relayed
      relay.to(old.port, relay.holds)
      const { closed, got, socket } = yield* client(port)
      socket.write(post)
      assert.isTrue(yield* eventually(() => got().includes("hello")), got())
      relay.hold()
      for (const each of old.sockets) each.destroy()
      assert.isTrue(yield* eventually(closed), "the client's connection is still open, its answer cut")
    })), 80_000)

  // Fails before the fix: the bytes a client sent once an answer had begun were taken for its
  // next request: its connection to the old server was dropped (the rest of the answer lost) and
  // the bytes sent to the next server.
  it.live("bytes sent while an answer is under way go to its server, not to the next one", () =>
    Effect.scoped(Effect.gen(function*() {
      const old = yield* upstream((socket, sent) => {
        if (sent.startsWith("POST")) socket.write(begun)
      })
      const fresh = yield* upstream((socket) => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nnew"))
      const { port, relay } = yield* relayed
      relay.to(old.port, relay.holds)
      const { got, socket } = yield* client(port)
      socket.write(post)
      assert.isTrue(yield* eventually(() => got().includes("hello")), got())
      relay.hold()
      relay.to(fresh.port, relay.holds)
      socket.write(next)
      assert.isTrue(yield* eventually(() => old.received().includes("GET /mcp")), old.received())
      // The rest of the answer still comes.
      for (const each of old.sockets) each.write("5\r\nworld\r\n0\r\n\r\n")
      assert.isTrue(yield* eventually(() => got().includes("world")), got())
      assert.strictEqual(fresh.sockets.length, 0)
    })), 80_000)

  it.live("after a whole chunked answer the next request goes to the next server, and the old one's end is not passed on", () =>
    Effect.scoped(Effect.gen(function*() {
      const old = yield* upstream((socket) => socket.write(`${begun}0\r\n\r\n`))
      const fresh = yield* upstream((socket) => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nnew"))
      const { port, relay } = yield* relayed
      relay.to(old.port, relay.holds)
      const { closed, got, socket } = yield* client(port)
      socket.write(post)
      assert.isTrue(yield* eventually(() => got().endsWith("0\r\n\r\n")), got())
      relay.hold()
      for (const each of old.sockets) each.end()
      relay.to(fresh.port, relay.holds)
      socket.write(next)
      assert.isTrue(yield* eventually(() => got().endsWith("new")), got())
      assert.isFalse(closed())
      assert.notInclude(old.received(), "GET /mcp")
    })), 80_000)

  it.live("an answer with Connection: close: the old server's end is passed on", () =>
    Effect.scoped(Effect.gen(function*() {
      const old = yield* upstream((socket) => socket.write("HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"))
      const { port, relay } = yield* relayed
      relay.to(old.port, relay.holds)
      const { closed, got, socket } = yield* client(port)
      socket.write(post)
      assert.isTrue(yield* eventually(() => got().includes("503")), got())
      relay.hold()
      for (const each of old.sockets) each.end()
      assert.isTrue(yield* eventually(closed), "the client's connection is still open")
    })), 80_000)
})

/** Whether the exchange is between two after each byte of `bytes` (`sent` by the client, else received), as a string of 0 and 1. */
const byteByByte = (exchange: Exchange, parts: ReadonlyArray<readonly [direction: "sent" | "received", bytes: string]>): boolean => {
  for (const [direction, bytes] of parts) {
    for (let at = 0; at < bytes.length; at++) {
      exchange[direction](Buffer.from(bytes[at]!, "latin1"))
      if (exchange.between && !(direction === "received" && at === bytes.length - 1)) return false
    }
  }
  return exchange.between
}

describe("effect-mcp dev: the exchanges of a relayed connection", () => {
  it("a whole exchange ends between two, byte by byte: Content-Length, chunked with trailers, 100 Continue, HEAD, 204, 304", () => {
    const cases: ReadonlyArray<ReadonlyArray<readonly ["sent" | "received", string]>> = [
      [["sent", post], ["received", "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n{}{}"]],
      [["sent", post], ["received", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nx-trailer: 1\r\n\r\n"]],
      [
        ["sent", "POST /mcp HTTP/1.1\r\nhost: h\r\nexpect: 100-continue\r\ntransfer-encoding: chunked\r\n\r\n"],
        ["received", "HTTP/1.1 100 Continue\r\n\r\n"],
        ["sent", "2\r\n{}\r\n0\r\n\r\n"],
        ["received", "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"]
      ],
      [["sent", "HEAD /mcp HTTP/1.1\r\nhost: h\r\n\r\n"], ["received", "HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 10\r\n\r\n"]],
      [["sent", next], ["received", "HTTP/1.1 204 No Content\r\n\r\n"]],
      [["sent", next], ["received", "HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n"]]
    ]
    for (const parts of cases) {
      const exchange = new Exchange()
      assert.isTrue(exchange.between)
      assert.isTrue(byteByByte(exchange, parts), JSON.stringify(parts))
    }
  })

  it("not between: an answer under way, a body still coming, a request sent before the last answer ended", () => {
    const underWay = new Exchange()
    underWay.sent(Buffer.from(post))
    underWay.received(Buffer.from(begun))
    assert.isFalse(underWay.between)
    const bodyComing = new Exchange()
    bodyComing.sent(Buffer.from("POST /mcp HTTP/1.1\r\ncontent-length: 10\r\n\r\n{}"))
    bodyComing.received(Buffer.from("HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n"))
    assert.isFalse(bodyComing.between)
    const pipelined = new Exchange()
    pipelined.sent(Buffer.from(post + next))
    pipelined.received(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"))
    assert.isFalse(pipelined.between)
    pipelined.received(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"))
    assert.isTrue(pipelined.between)
  })

  it("never between again: HTTP/1.0, Connection: close, an upgrade, an answer without a length, a framing not understood", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["GET /mcp HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"],
      ["GET /mcp HTTP/1.1\r\nconnection: close\r\n\r\n", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"],
      [next, "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\ncontent-length: 0\r\n\r\n"],
      ["GET /mcp HTTP/1.1\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n", "HTTP/1.1 101 Switching Protocols\r\n\r\n"],
      [next, "HTTP/1.1 200 OK\r\n\r\nuntil the end"],
      [next, "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n"],
      [next, "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"],
      [next, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"],
      ["POST /mcp HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 2\r\n\r\n", "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"],
      ["", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"]
    ]
    for (const [sent, received] of cases) {
      const exchange = new Exchange()
      exchange.sent(Buffer.from(sent, "latin1"))
      exchange.received(Buffer.from(received, "latin1"))
      exchange.sent(Buffer.from(next))
      exchange.received(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"))
      assert.isTrue(exchange.opaque, JSON.stringify([sent, received]))
      assert.isFalse(exchange.between, JSON.stringify([sent, received]))
    }
  })
})
