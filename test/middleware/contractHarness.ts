/**
 * Helpers for the middleware tests: SDK clients whose `connect` may fail (a middleware may
 * reject `initialize`), raw clients that do not initialize (to send what an SDK client never
 * would), a logger that records, and an event recorder for hook order.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import { InMemory, type Transport } from "../../src/index.ts"
import { sdk, type Server } from "../server/McpServerHarness.ts"
import { recorder } from "../support/recorder.ts"

/** A log line as the recording logger saw it. */
export interface LogLine {
  readonly level: string
  readonly message: string
}

/** A logger Layer that records every line (and prints nothing). */
export const recordingLogger = () => {
  const lines: Array<LogLine> = []
  const layer = Logger.layer([
    Logger.make((options) => {
      const parts = Array.isArray(options.message) ? options.message : [options.message]
      lines.push({ level: options.logLevel, message: parts.map(String).join(" ") })
    })
  ])
  return { lines, layer }
}

/** Options of a session run by these helpers. */
export interface SessionOptions {
  /** The loggers of the session (default: none at all). */
  readonly logger?: Layer.Layer<never>
  /** Sees every message the server writes, when it writes it. */
  readonly onOutbound?: (message: any) => void
}

/** Runs one session of `server` over `transport`. */
const runSession = (server: Server, transport: Transport, options: SessionOptions) => {
  const onOutbound = options.onOutbound
  const tapped: Transport = onOutbound === undefined ? transport : {
    open: Effect.map(transport.open, (connection) => ({
      ...connection,
      write: (batch) => {
        for (const outbound of batch) onOutbound(outbound.message)
        return connection.write(batch)
      }
    }))
  }
  return Effect.forkScoped(server.run(tapped).pipe(Effect.provide(options.logger ?? Logger.layer([]))))
}

/**
 * Runs one session and connects an SDK v1 client; fails with the JSON-RPC error when
 * `initialize` is rejected (the SDK then closes its transport). The client is closed with the scope.
 */
export const tryConnect = (
  server: Server,
  options: SessionOptions & {
    readonly name?: string
    readonly capabilities?: ClientCapabilities
    /** Called with the client before it connects (to install request handlers). */
    readonly setup?: (client: Client) => void
  } = {}
): Effect.Effect<
  { readonly client: Client; readonly pair: InMemory.Pair; readonly protocolVersion: () => string | undefined },
  { readonly code?: number; readonly message: string },
  Scope.Scope
> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    let protocolVersion: string | undefined
    pair.client.setProtocolVersion = (version) => {
      protocolVersion = version
    }
    yield* runSession(server, pair.server, options)
    const client = new Client(
      { name: options.name ?? "contract-client", version: "1.0.0" },
      { capabilities: options.capabilities ?? {} }
    )
    options.setup?.(client)
    yield* Effect.acquireRelease(
      sdk(() => client.connect(pair.client as never)),
      () => Effect.promise(() => client.close())
    )
    return { client, pair, protocolVersion: () => protocolVersion }
  })

/** A raw JSON-RPC client that records everything it receives; nothing is sent for it. */
export interface RawClient {
  readonly received: Array<any>
  readonly send: (message: unknown) => Promise<void>
  /** Waits until a received message matches `predicate` (rejects after `timeoutMillis`). */
  readonly waitFor: (predicate: (message: any) => boolean, timeoutMillis?: number) => Promise<any>
  readonly close: () => Promise<void>
}

/** Runs one session of `server` and connects a raw client that has sent nothing yet. */
export const openRaw = (
  server: Server,
  options: SessionOptions = {}
): Effect.Effect<RawClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    const { received, record, waitFor } = recorder()
    pair.client.onmessage = record
    yield* runSession(server, pair.server, options)
    let closed = false
    const close = () => {
      if (closed) return Promise.resolve()
      closed = true
      return pair.client.close()
    }
    yield* Effect.addFinalizer(() => Effect.promise(close))
    return { received, send: (message) => pair.client.send(message as never), waitFor, close }
  })

/** The `initialize` request of a 2025-11-25 raw client. */
export const initializeRequest = (id: string | number = "init", protocolVersion = "2025-11-25") => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "0" } }
})

/** Initializes a raw client (request, response, `notifications/initialized`). */
export const initializeRaw = async (raw: RawClient) => {
  await raw.send(initializeRequest())
  const response = await raw.waitFor((message) => message.id === "init")
  await raw.send({ jsonrpc: "2.0", method: "notifications/initialized" })
  return response
}

/** A promise as an Effect (a rejection is a defect: the test fails). */
export const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** Milliseconds since `start`. */
export const since = (start: number) => performance.now() - start

/** Waits `millis` of real time. */
export const sleepReal = (millis: number) =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** Polls `condition` every 5 ms until it holds (the test fails after `timeoutMillis`). */
export const eventually = (condition: () => boolean, timeoutMillis = 5_000) =>
  Effect.promise(async () => {
    const start = performance.now()
    while (!condition()) {
      if (performance.now() - start > timeoutMillis) throw new Error("condition not reached in time")
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })
