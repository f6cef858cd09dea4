/**
 * The Node HTTP server of `StreamableHttp.serve` (and `make`, `fromConfig`), on
 * `@effect/platform-node/NodeHttpServer`, which imports `ws` (for WebSocket upgrades, which the
 * endpoint never makes), a CommonJS package that `require`s Node's built-ins.
 *
 * Its own module, imported by `StreamableHttp`'s `serve` alone (an `import()` that
 * `scripts/build.ts` makes static in the `.bundler.js` variants): under Node, a server that never
 * starts a server of its own (`handler`, `route`, `WebHandler`, a stdio server) never loads `ws`;
 * `WebHandler` (`effect-mcp-server/web`) never reaches this module, bundled or not, so it loads where
 * modules run as ES modules without `require` (Vite's SSR with `ssr.noExternal: true`, an ES module
 * bundle without a `createRequire` banner). The root entry's variant does reach it (see
 * docs/http.md): a bundled server of `serve` pays no lazy initialiser for it.
 *
 * @internal
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpServer } from "effect/http"
import { createServer, type Server } from "node:http"
import type { Socket } from "node:net"
import type * as BearerAuth from "../../../auth/BearerAuth.ts"
import { ListenError } from "../ListenError.ts"
import type { Options } from "../StreamableHttp.ts"
import { headerOverflowAnswer } from "./bearer.ts"

/**
 * The Node HTTP server of `serve`, listening on `host` and `port`; one that cannot listen (a busy
 * port...) dies with a {@link ListenError} naming them. No preemptive wait for open responses: SSE
 * streams never end by themselves; the endpoint's shutdown closes them, then the server closes at
 * once.
 *
 * Node's `server.close()` ends the connections idle at that moment, but not one that has not
 * carried a request yet: it waits until the client drops it. undici (fetch, so the SDK clients)
 * opens such a connection at once to replace one whose request it aborted, as a client's `close()`
 * aborts its GET stream; browsers open them ahead of use. The server, and with it the process,
 * then stopped only when undici let it go (its keep-alive timeout, 4 s). Closing, the server ends
 * those too; every other connection closes as Node closes it.
 *
 * `keepAliveTimeout`: see `ServeOptions.keepAliveTimeoutMillis` (0: never). With bearer
 * authentication (`auth`), a request whose header fields are too large is answered with its
 * challenge, and with CORS its headers (see `headerOverflowAnswer`): this server is the only one of
 * `serve`, so its `clientError` is the endpoint's (with `handler` or `route`, the application's
 * server is its own; `WebHandler`'s `clientError` is the listener for one's own Node server).
 */
export const layer = (host: string, port: number, keepAliveTimeout: number, auth: BearerAuth.Config | undefined, cors: Options["cors"]) =>
  Layer.effect(
    HttpServer.HttpServer,
    Effect.gen(function*() {
      const server = createServer({ keepAliveTimeout })
      if (auth !== undefined) server.on("clientError", headerOverflowAnswer(auth, cors))
      // Per connection, not per request.
      const connections = new Set<Socket>()
      server.on("connection", (socket: Socket) => {
        connections.add(socket)
        socket.once("close", () => connections.delete(socket))
      })
      const served = yield* NodeHttpServer.make(() => server, { host, port, disablePreemptiveShutdown: true })
      // Added after `make`'s own close, so it runs before it (which then finds the server closed).
      yield* Effect.addFinalizer(() => closePromptly(server, connections))
      return served
    })
  ).pipe(
    Layer.merge(NodeHttpServer.layerHttpServices),
    Layer.catchTag("ServeError", (error) =>
      Layer.effect(HttpServer.HttpServer, Effect.die(new ListenError({ host, port, code: errorCode(error.cause), cause: error.cause }))))
  )

/** Closes `server` and waits until its connections have closed, ending those that never carried a request. */
const closePromptly = (server: Server, connections: ReadonlySet<Socket>): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
    // Not a byte read: no request is under way. (One whose bytes arrived but were not read yet is
    // reset, ECONNRESET: the server's request listeners are gone by now, it would have hung.)
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy()
  })

/** The `code` of a Node system error (`EADDRINUSE`…). */
const errorCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined
