/**
 * Helpers for the tests of the built-in middleware Logging, Timing, ErrorMapping, Retry, Timeout
 * and SizeLimit: a logger that records every line (level, message, annotations, cause), SDK
 * clients connected to an `McpServer` or a `LowLevelServer` run with given loggers, and small
 * result accessors.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { InMemory, McpServer, type Middleware, type Transport } from "../../src/index.ts"
import type { LowLevelServer } from "../../src/lowlevel.ts"
import { type Server, startServer } from "../server/McpServerHarness.ts"

/** One recorded log line. */
export interface LogEntry {
  readonly level: string
  readonly message: string
  readonly annotations: { readonly [key: string]: unknown }
  /** `Cause.pretty` of the line's cause ("" without one). */
  readonly cause: string
}

/** A logger recording every line into `entries`. */
export const captureLogs = () => {
  const entries: Array<LogEntry> = []
  const logger = Logger.make((options) => {
    const parts = Array.isArray(options.message) ? options.message : [options.message]
    entries.push({
      level: options.logLevel,
      message: parts.map(String).join(" "),
      annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) },
      cause: options.cause.reasons.length === 0 ? "" : Cause.pretty(options.cause)
    })
  })
  return { entries, logger }
}

/** Connects an SDK v1 client to a session served by `run` (with `loggers` as the only loggers). */
export const connectTo = <E>(
  run: (transport: Transport) => Effect.Effect<void, E>,
  loggers: ReadonlyArray<Logger.Logger<unknown, unknown>> = []
): Effect.Effect<Client, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(Effect.ignore(run(pair.server).pipe(Effect.provide(Logger.layer(loggers)))))
    const client = new Client({ name: "builtin-test-client", version: "1.0.0" }, { capabilities: {} })
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(pair.client as never)),
      () => Effect.promise(() => client.close())
    )
    return client
  })

/**
 * Connects a raw JSON-RPC client (initialized with 2025-11-25) to a session served by `run`;
 * `request` sends a request and resolves with its response.
 */
export const connectRawTo = <E>(
  run: (transport: Transport) => Effect.Effect<void, E>
): Effect.Effect<{ readonly request: (id: number, method: string, params?: unknown) => Promise<any> }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    const waiting = new Map<unknown, (response: unknown) => void>()
    pair.client.onmessage = (message: any) => waiting.get(message.id)?.(message)
    yield* Effect.forkScoped(Effect.ignore(run(pair.server).pipe(Effect.provide(Logger.layer([])))))
    yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
    const request = (id: number, method: string, params?: unknown) =>
      new Promise<any>((resolve) => {
        waiting.set(id, resolve)
        void pair.client.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) } as never)
      })
    yield* Effect.promise(() =>
      request(0, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } })
    )
    yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
    return { request }
  })

/** Builds an `McpServer` from `components` and `middleware` (outermost first) and connects a client. */
export const serve = (
  components: Layer.Layer<never, never, McpServer.McpServer>,
  middleware: ReadonlyArray<Middleware.Middleware>,
  loggers: ReadonlyArray<Logger.Logger<unknown, unknown>> = []
): Effect.Effect<{ readonly client: Client; readonly server: Server }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* startServer({}, Layer.merge(components, McpServer.middleware(...middleware)))
    const client = yield* connectTo((transport) => server.run(transport), loggers)
    return { client, server }
  })

/** Connects a client to a low-level server. */
export const serveLowLevel = (
  server: LowLevelServer.LowLevelServer,
  loggers: ReadonlyArray<Logger.Logger<unknown, unknown>> = []
): Effect.Effect<Client, never, Scope.Scope> => connectTo((transport) => server.run(transport), loggers)

/** An SDK promise as an Effect; a rejection becomes a typed failure (JSON-RPC `code`, `message`). */
export const sdk = <A>(f: () => Promise<A>): Effect.Effect<A, { readonly code?: number; readonly message: string }> =>
  Effect.tryPromise({ try: f, catch: (error) => error as { readonly code?: number; readonly message: string } })

/** The JSON-RPC error an SDK call failed with (fails the test, with the result, when it succeeded). */
export const sdkError = <A>(f: () => Promise<A>) => Effect.flip(sdk(f))

/** The text of the first content block of a tool result. */
export const text = (result: unknown): string =>
  ((result as { readonly content: ReadonlyArray<{ readonly text: string }> }).content)[0]!.text

/** Waits until `check` holds (polling every 10 ms), or fails after `timeoutMillis`. */
export const eventually = (
  check: (() => boolean) | Effect.Effect<boolean>,
  timeoutMillis = 2_000
): Effect.Effect<void, Error> =>
  (Effect.isEffect(check) ? check : Effect.sync(check)).pipe(
    Effect.flatMap((ok) => ok ? Effect.void : Effect.fail(new Error("not yet"))),
    Effect.retry({ times: Math.ceil(timeoutMillis / 10), schedule: Schedule.spaced("10 millis") }),
    Effect.mapError(() => new Error(`condition not met within ${timeoutMillis} ms`))
  )
