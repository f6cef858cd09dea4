/**
 * Test harness: connects the official SDK v1 client to one of our servers over the in-memory
 * pair, and a raw JSON-RPC client for the cases an SDK client would never send.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import { InMemory } from "../../src/index.ts"
import type { LowLevelServer } from "../../src/lowlevel.ts"
import { recorder } from "../support/recorder.ts"

/** Runs `server` over an in-memory pair and connects an SDK client; closes both with the scope. */
export const connectSdk = (
  server: LowLevelServer.LowLevelServer,
  options: {
    readonly capabilities?: ClientCapabilities
    readonly runOptions?: LowLevelServer.RunOptions
  } = {}
): Effect.Effect<{ readonly client: Client; readonly pair: InMemory.Pair }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      const fiber = yield* Effect.forkDetach(server.run(pair.server, options.runOptions))
      const client = new Client({ name: "sdk-test-client", version: "1.0.0" }, { capabilities: options.capabilities ?? {} })
      yield* Effect.promise(() => client.connect(pair.client as never))
      return { client, pair, fiber }
    }),
    ({ client, fiber }) => Effect.promise(() => client.close()).pipe(Effect.andThen(Fiber.interrupt(fiber)))
  )

/** Runs an SDK promise; a rejection becomes a typed failure to assert on. */
export const sdk = <A>(f: () => Promise<A>): Effect.Effect<A, { readonly code?: number; readonly message: string }> =>
  Effect.tryPromise({ try: f, catch: (error) => error as { readonly code?: number; readonly message: string } })

/** A raw JSON-RPC client over the in-memory pair: sends anything, records everything received. */
export interface RawClient {
  readonly received: Array<any>
  readonly send: (message: unknown) => Promise<void>
  /** Waits until a message matching `predicate` has arrived (or fails after `timeoutMillis`). */
  readonly waitFor: (predicate: (message: any) => boolean, timeoutMillis?: number) => Promise<any>
  readonly close: () => Promise<void>
  readonly closed: Promise<void>
}

export const connectRaw = (
  server: LowLevelServer.LowLevelServer,
  runOptions?: LowLevelServer.RunOptions
): Effect.Effect<RawClient, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      const fiber = yield* Effect.forkDetach(server.run(pair.server, runOptions))
      const { received, record, waitFor } = recorder()
      let onClosed!: () => void
      const closed = new Promise<void>((resolve) => (onClosed = resolve))
      pair.client.onmessage = record
      pair.client.onclose = () => onClosed()
      const raw: RawClient = {
        received,
        send: (message) => pair.client.send(message as never),
        waitFor,
        close: () => pair.client.close(),
        closed
      }
      return { raw, fiber }
    }),
    ({ fiber, raw }) => Effect.promise(() => raw.close()).pipe(Effect.andThen(Fiber.interrupt(fiber)))
  ).pipe(Effect.map(({ raw }) => raw))

/** The `initialize` request a 2025-11-25 client sends. */
export const initializeRequest = (id: number | string = 0, protocolVersion = "2025-11-25", capabilities: object = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion, capabilities, clientInfo: { name: "raw", version: "0" } }
})

/** Initializes a raw client fully (request, response, `notifications/initialized`). */
export const initializeRaw = async (raw: RawClient, protocolVersion = "2025-11-25", capabilities: object = {}) => {
  await raw.send(initializeRequest("init", protocolVersion, capabilities))
  const response = await raw.waitFor((m) => m.id === "init")
  await raw.send({ jsonrpc: "2.0", method: "notifications/initialized" })
  return response
}

/** Polls `condition` every 2 ms until it holds; fails after `timeoutMillis`. */
export const waitUntil = async (condition: () => boolean, timeoutMillis = 5_000): Promise<void> => {
  const start = performance.now()
  while (!condition()) {
    if (performance.now() - start > timeoutMillis) throw new Error("condition not reached in time")
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}
