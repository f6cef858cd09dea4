/**
 * A TCP relay on 127.0.0.1 in front of one server (Redis), that can cut its clients off for a
 * while, as a network partition of one replica would: `cut` destroys every connection through it
 * and refuses new ones until the time is up (what was in flight is lost, not delayed); the
 * clients then reconnect. Stops with the scope.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type AddressInfo, createConnection, createServer, type Socket } from "node:net"

/** A running relay. */
export interface TcpCut {
  readonly port: number
  /** Cuts every client off for `millis` (returns at once); `Infinity` until {@link TcpCut.restore}. */
  readonly cut: (millis: number) => Effect.Effect<void>
  /** Ends a cut at once: new connections are relayed again. */
  readonly restore: Effect.Effect<void>
}

/** Starts a relay to `targetPort` on 127.0.0.1. */
export const tcpCut = (targetPort: number): Effect.Effect<TcpCut, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly relay: TcpCut; readonly close: () => Promise<void> }>((resolve) => {
        const sockets = new Set<Socket>()
        let cutUntil = 0
        const track = (socket: Socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => socket.destroy())
        }
        const server = createServer((client) => {
          track(client)
          if (Date.now() < cutUntil) return void client.destroy()
          const upstream = createConnection({ host: "127.0.0.1", port: targetPort })
          track(upstream)
          client.pipe(upstream)
          upstream.pipe(client)
          client.on("close", () => upstream.destroy())
          upstream.on("close", () => client.destroy())
        })
        server.listen(0, "127.0.0.1", () => {
          const relay: TcpCut = {
            port: (server.address() as AddressInfo).port,
            cut: (millis) =>
              Effect.sync(() => {
                cutUntil = Date.now() + millis
                for (const socket of sockets) socket.destroy()
              }),
            restore: Effect.sync(() => {
              cutUntil = 0
            })
          }
          const close = () =>
            new Promise<void>((done) => {
              for (const socket of sockets) socket.destroy()
              server.close(() => done())
            })
          resolve({ relay, close })
        })
      })
    ),
    ({ close }) => Effect.promise(close)
  ).pipe(Effect.map(({ relay }) => relay))
