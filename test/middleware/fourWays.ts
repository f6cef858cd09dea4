/**
 * One server, reached four ways: the SDK v1 client (2025-11-25, `initialize` handshake) and the
 * SDK v2 client `@modelcontextprotocol/client` pinned to 2026-07-28 (no handshake), each over the
 * in-memory pair and over Streamable HTTP on 127.0.0.1. For the middleware tests that must hold
 * whatever the era and the transport.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from "@modelcontextprotocol/client"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as HttpV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import { InMemory, McpServer, StreamableHttp } from "../../src/index.ts"
import { serveOnAnyPort } from "../http/support.ts"

/** What the tests ask of a client, whichever it is. */
export interface Calls {
  readonly callTool: (name: string, args?: Record<string, unknown>, signal?: AbortSignal) => Promise<any>
  readonly listTools: () => Promise<any>
  /** The instructions the handshake (or the discovery) gave. */
  readonly instructions: () => string | undefined
  /** The negotiated protocol version. */
  readonly version: () => string | undefined
  /** The server's capabilities, as the handshake (or the discovery) gave them. */
  readonly capabilities: () => { readonly [key: string]: unknown } | undefined
}

/** A way to reach a server built from component Layers. */
export interface Way {
  readonly name: string
  readonly connect: (
    components: Layer.Layer<never, never, McpServer.McpServer>,
    options?: Partial<McpServer.Options>
  ) => Effect.Effect<Calls, ConnectError, Scope.Scope>
}

/** Why a client could not connect: the JSON-RPC error of a refused `initialize` or `server/discover`. */
export interface ConnectError {
  readonly code: number
  readonly message: string
}

const serverOptions = (options: Partial<McpServer.Options>): McpServer.Options => ({
  name: "four-ways",
  version: "1.0.0",
  ...options
})

/** The in-memory pair: one session of a server built in the test's scope. */
const inMemory = (
  components: Layer.Layer<never, never, McpServer.McpServer>,
  options: Partial<McpServer.Options>
) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Layer.provideMerge(components, McpServer.McpServer.layer(serverOptions(options))))
    const server = Context.get(context, McpServer.McpServer)
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
    return pair.client
  })

/** Streamable HTTP on 127.0.0.1 (a free port): its URL. */
const http = (components: Layer.Layer<never, never, McpServer.McpServer>, options: Partial<McpServer.Options>) =>
  Effect.map(
    serveOnAnyPort((port) =>
      McpServer.serve(serverOptions(options), components, StreamableHttp.make({ host: "127.0.0.1", port })),
      { loggers: [] }
    ),
    (running) => new URL(running.url)
  )

/** Connects `make()`'s client over `transport`; a refused handshake (or discovery) is its JSON-RPC error. */
const connected = <C extends { readonly connect: (transport: never) => Promise<void>; readonly close: () => Promise<void> }>(
  make: () => C,
  transport: unknown
): Effect.Effect<C, ConnectError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = make()
        await client.connect(transport as never)
        return client
      },
      catch: (error) => error as ConnectError
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

const v1 = (transport: unknown) =>
  Effect.map(
    connected(() => new ClientV1({ name: "four-ways-v1", version: "1.0.0" }, { capabilities: {} }), transport),
    (client): Calls => ({
      instructions: () => client.getInstructions(),
      callTool: (name, args = {}, signal) => client.callTool({ name, arguments: args }, undefined, signal && { signal }),
      listTools: () => client.listTools(),
      version: () => undefined,
      capabilities: () => client.getServerCapabilities()
    })
  )

const v2 = (transport: unknown) =>
  Effect.map(
    connected(
      () =>
        new ClientV2({ name: "four-ways-v2", version: "2.0.0" }, {
          capabilities: {},
          versionNegotiation: { mode: { pin: "2026-07-28" } as never }
        }),
      transport
    ),
    (client): Calls => ({
      instructions: () => client.getInstructions(),
      callTool: (name, args = {}, signal) => client.callTool({ name, arguments: args }, signal && { signal }),
      listTools: () => client.listTools(),
      version: () => client.getNegotiatedProtocolVersion(),
      capabilities: () => client.getServerCapabilities()
    })
  )

/** The four ways: SDK v1 and SDK v2 (2026-07-28), in memory and over HTTP. */
export const fourWays: ReadonlyArray<Way> = [
  { name: "SDK v1, in memory", connect: (components, options = {}) => Effect.flatMap(inMemory(components, options), v1) },
  { name: "SDK v2 2026-07-28, in memory", connect: (components, options = {}) => Effect.flatMap(inMemory(components, options), v2) },
  { name: "SDK v1, HTTP", connect: (components, options = {}) => Effect.flatMap(http(components, options), (url) => v1(new HttpV1(url))) },
  {
    name: "SDK v2 2026-07-28, HTTP",
    connect: (components, options = {}) => Effect.flatMap(http(components, options), (url) => v2(new HttpV2(url)))
  }
]

/** An SDK call's JSON-RPC error (`code`, `message`); the test fails when the call succeeded. */
export const errorOf = (f: () => Promise<unknown>): Effect.Effect<{ readonly code: number; readonly message: string }> =>
  Effect.promise(() => {
    // Bounded: a request left unanswered fails the test in 5 s, not at the test's timeout.
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject({ code: 0, message: "no answer in 5 s" }), 5_000)))
    return Promise.race([f(), timeout]).finally(() => clearTimeout(timer)).then(
      (result) => {
        throw new Error(`expected an error, got ${JSON.stringify(result)}`)
      },
      (error: { readonly code: number; readonly message: string }) => ({ code: error.code, message: error.message })
    )
  })
