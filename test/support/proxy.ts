/**
 * A small round-robin HTTP proxy on 127.0.0.1 in front of replicas, as a load balancer without
 * sticky routing: each request goes to the next backend in turn (bodies and responses streamed,
 * SSE included); a backend that refuses the connection (a killed replica) is skipped for the next
 * one, as a load balancer's health check would. `served` records which backend took each request.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer, request as forward, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/** A running proxy. */
export interface Proxy {
  readonly port: number
  /** The backend port of each request, in arrival order. */
  readonly served: Array<number>
}

/** Starts the proxy in front of `backends` (ports on 127.0.0.1); it stops with the scope. */
export const roundRobin = (backends: ReadonlyArray<number>): Effect.Effect<Proxy, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.promise(() =>
        new Promise<{ readonly server: Server; readonly proxy: Proxy }>((resolve) => {
          let next = 0
          const served: Array<number> = []
          const server = createServer((incoming, outgoing) => {
            const chunks: Array<Buffer> = []
            incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
            incoming.on("end", () => {
              const body = Buffer.concat(chunks)
              const attempt = (tries: number) => {
                const port = backends[next++ % backends.length]!
                const upstream = forward(
                  { host: "127.0.0.1", port, method: incoming.method, path: incoming.url, headers: incoming.headers },
                  (response) => {
                    served.push(port)
                    outgoing.writeHead(response.statusCode ?? 502, response.headers)
                    response.pipe(outgoing)
                  }
                )
                // A backend that is down: the next one, else 502.
                upstream.on("error", () => tries + 1 < backends.length ? attempt(tries + 1) : void outgoing.writeHead(502).end())
                outgoing.on("close", () => upstream.destroy())
                upstream.end(body)
              }
              attempt(0)
            })
          })
          server.listen(0, "127.0.0.1", () => resolve({ server, proxy: { port: (server.address() as AddressInfo).port, served } }))
        })
      ),
      ({ server }) =>
        Effect.sync(() => {
          server.closeAllConnections()
          server.close()
        })
    ),
    ({ proxy }) => proxy
  )
