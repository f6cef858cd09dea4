/**
 * Test harness for the authoring API: builds an `McpServer` (with its component Layers) in the
 * test's scope, and connects official SDK v1 clients, or raw JSON-RPC clients, to it over
 * in-memory pairs. Every client records every message it receives, for notification assertions.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import { InMemory, McpServer, type Transport } from "../../src/index.ts"
import { recorder, type WaitFor } from "../support/recorder.ts"

/** The server service, in hand for run-time changes. */
export type Server = McpServer.McpServer["Service"]

/** Builds the server and its components in the current scope (unregistered when it closes). */
export const startServer = (
  options: Partial<McpServer.Options> = {},
  components: Layer.Layer<never, never, McpServer.McpServer> = Layer.empty
): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.map(
    Layer.build(Layer.provideMerge(components, McpServer.McpServer.layer({ name: "test-server", version: "1.0.0", ...options }))),
    (context) => Context.get(context, McpServer.McpServer)
  )

/**
 * Runs one session of `server` with the console logger removed (the server's own logs of masked
 * failures would only be noise); the server's `Effect.log` → client bridge is merged in by `run`.
 */
const runQuiet = (server: Server, transport: Transport) => server.run(transport).pipe(Effect.provide(Logger.layer([])))

/** Merges any number of component Layers (`Layer.mergeAll` wants a non-empty tuple). */
export const components = (
  layers: ReadonlyArray<Layer.Layer<never, never, McpServer.McpServer>>
): Layer.Layer<never, never, McpServer.McpServer> =>
  layers.reduce<Layer.Layer<never, never, McpServer.McpServer>>((all, layer) => Layer.merge(all, layer), Layer.empty)

/** Runs an effect needing `McpServer` (addTool, remove, setEnabled, ...) against `server`. */
export const using = <A, E, R>(server: Server, effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, McpServer.McpServer, server)

export type { WaitFor } from "../support/recorder.ts"

/** An SDK client connected to a server, and what it received after the handshake. */
export interface Connected {
  readonly client: Client
  /** Every message received after `initialize` completed. */
  readonly received: Array<any>
  readonly waitFor: WaitFor
  /** The notifications received so far with this method. */
  readonly notifications: (method: string) => Array<any>
}

/** Runs one session of `server` over an in-memory pair and connects an SDK v1 client to it. */
export const connect = (
  server: Server,
  options: { readonly capabilities?: ClientCapabilities; readonly name?: string } = {}
): Effect.Effect<Connected, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(runQuiet(server, pair.server))
    const client = new Client(
      { name: options.name ?? "sdk-test-client", version: "1.0.0" },
      { capabilities: options.capabilities ?? {} }
    )
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(pair.client as never)),
      () => Effect.promise(() => client.close())
    )
    const { received, record, waitFor } = recorder()
    const deliver = pair.client.onmessage
    pair.client.onmessage = (message, extra) => {
      record(message)
      deliver?.(message, extra)
    }
    return {
      client,
      received,
      waitFor,
      notifications: (method: string) => received.filter((message) => message.method === method && message.id === undefined)
    }
  })

/** Builds the server from `components` and connects one SDK client. */
export const serveAndConnect = (
  components: Layer.Layer<never, never, McpServer.McpServer>,
  options: Partial<McpServer.Options> = {},
  clientOptions: { readonly capabilities?: ClientCapabilities } = {}
): Effect.Effect<Connected & { readonly server: Server }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* startServer(options, components)
    const connected = yield* connect(server, clientOptions)
    return { ...connected, server }
  })

/** An SDK promise as an Effect; a rejection becomes a typed failure (JSON-RPC `code`, `message`). */
export const sdk = <A>(f: () => Promise<A>): Effect.Effect<A, { readonly code?: number; readonly message: string }> =>
  Effect.tryPromise({ try: f, catch: (error) => error as { readonly code?: number; readonly message: string } })

/** The JSON-RPC error an SDK call failed with (the test fails, with the result, when the call succeeded). */
export const sdkError = <A>(f: () => Promise<A>) => Effect.flip(sdk(f))

/** A raw JSON-RPC client: sends anything, records everything received. */
export interface RawClient {
  readonly received: Array<any>
  readonly send: (message: unknown) => Promise<void>
  readonly waitFor: WaitFor
  /** Sends a request and waits for its response (at most `timeoutMillis`, default 5 s). */
  readonly request: (id: number | string, method: string, params?: unknown, timeoutMillis?: number) => Promise<any>
}

/** Runs one session of `server` and connects a raw client, initialized with `protocolVersion`. */
export const connectRaw = (
  server: Server,
  protocolVersion = "2025-11-25",
  capabilities: object = {}
): Effect.Effect<RawClient & { readonly initializeResult: any }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    const { received, record, waitFor } = recorder()
    pair.client.onmessage = record
    yield* Effect.forkScoped(runQuiet(server, pair.server))
    yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
    const send = (message: unknown) => pair.client.send(message as never)
    const request = async (id: number | string, method: string, params?: unknown, timeoutMillis?: number) => {
      await send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })
      return waitFor((message) => message.id === id && message.method === undefined, timeoutMillis)
    }
    const initializeResult = yield* Effect.promise(() =>
      request("init", "initialize", { protocolVersion, capabilities, clientInfo: { name: "raw", version: "0" } })
    )
    yield* Effect.promise(() => send({ jsonrpc: "2.0", method: "notifications/initialized" }))
    return { received, send, waitFor, request, initializeResult }
  })

/** Lets the server's fibers run (for asserting that something did NOT arrive). */
export const settle = (millis = 50) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))
