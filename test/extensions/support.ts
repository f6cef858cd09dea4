/**
 * Support for the extension tests: raw MCP 2026-07-28 requests (version, client capabilities and
 * info in `_meta`; the SEP-2243 `Mcp-Method` / `Mcp-Name` headers derived from the body) over
 * Streamable HTTP and over an in-memory pair, a server of our own served on a free 127.0.0.1 port,
 * and a bounded poll of `tasks/get`.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { InMemory, McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import type { Server } from "../server/McpServerHarness.ts"
import { readSse, type Running, serveOnAnyPort, withRawValues } from "../http/support.ts"

export const VERSION = "2026-07-28"
/** The tasks extension's id. */
export const TASKS = "io.modelcontextprotocol/tasks"

/** The `_meta` of a 2026 request declaring `capabilities`. */
export const metaOf = (capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "extension-test", version: "1.0.0" },
  ...extra
})

/** The `_meta` of a 2026 request declaring the tasks extension (and `capabilities`). */
export const withTasks = (capabilities: Record<string, unknown> = {}) =>
  metaOf({ ...capabilities, extensions: { [TASKS]: {} } })

/** The param a method's `Mcp-Name` header mirrors (SEP-2243). */
const nameOf = (method: string, params: Record<string, unknown>): unknown =>
  method === "tools/call" || method === "prompts/get"
    ? params["name"]
    : method === "resources/read"
    ? params["uri"]
    : method.startsWith("tasks/")
    ? params["taskId"]
    : undefined

/** A JSON-RPC answer and its HTTP status. */
export interface Answer {
  readonly status: number
  readonly message: any
}

let nextId = 0

/**
 * One 2026 request over HTTP: headers derived from the body unless overridden (`undefined`
 * removes one); the status and the JSON-RPC answer (the last message of an SSE answer).
 */
export const modern = async (
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: {
    readonly meta?: Record<string, unknown>
    readonly headers?: Record<string, string | undefined>
    /** JSON text put in place of the string values named (values too deep for `JSON.stringify` here). */
    readonly rawValues?: Record<string, string>
    /** Aborts the request (a test's bound). */
    readonly signal?: AbortSignal
  } = {}
): Promise<Answer> => {
  const name = nameOf(method, params)
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": VERSION,
    "mcp-method": method,
    ...(name === undefined ? {} : { "mcp-name": String(name) })
  }
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[key]
    else headers[key] = value
  }
  const id = `h${nextId++}`
  const body = { jsonrpc: "2.0", id, method, params: { ...params, _meta: options.meta ?? metaOf() } }
  const response = await fetch(url, { method: "POST", headers, body: withRawValues(JSON.stringify(body), options.rawValues), signal: options.signal ?? null })
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const messages = (await readSse(response, 10_000)).filter((event) => event.data !== "").map((event) => JSON.parse(event.data))
    return { status: response.status, message: messages.find((m) => m.id === id) ?? messages.at(-1) }
  }
  return { status: response.status, message: await response.json() }
}

/**
 * The official tasks client's raw dispatch (`createTaskSessionFromClient`'s `rawDispatch`) over
 * HTTP to `url`: one 2026 request as the client made it (its own `_meta`), headers derived from
 * the body; its JSON-RPC answer as `{ kind: "result" | "error" }`.
 */
export const rawDispatch = (url: string) => async (request: any) => {
  const params = request.params ?? {}
  const name = nameOf(request.method, params)
  const id = `raw-${nextId++}`
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": VERSION,
      "mcp-method": request.method,
      ...(name === undefined ? {} : { "mcp-name": String(name) })
    },
    body: JSON.stringify({ ...request, jsonrpc: "2.0", id })
  })
  const answer = (response.headers.get("content-type") ?? "").includes("text/event-stream")
    ? (await readSse(response, 10_000)).filter((event) => event.data !== "").map((event) => JSON.parse(event.data)).find((m) => m.id === id)
    : await response.json()
  return answer.error !== undefined ? { kind: "error", error: answer.error } : { kind: "result", result: answer.result }
}

/**
 * Serves `components` with `options` over Streamable HTTP in the test's scope, on a free
 * 127.0.0.1 port (retried when another process took it first).
 */
export const serveHttp = (
  options: McpServer.Options,
  components: Layer.Layer<never, never, McpServer.McpServer>,
  http: StreamableHttp.Options = {}
): Effect.Effect<Running, never, Scope.Scope> =>
  serveOnAnyPort((port) =>
    McpServer.serve(options, components, StreamableHttp.make({ ...http, host: "127.0.0.1", port })),
    { loggers: [] }
  )

/** A raw in-memory client of a server: 2026 requests by `_meta` (no handshake), or anything. */
export interface ModernClient {
  /** A request with `_meta` (default: 2026, nothing declared); its answer. */
  readonly request: (method: string, params?: Record<string, unknown>, meta?: Record<string, unknown>) => Promise<any>
  /** A request exactly as given (no `_meta` added); its answer. */
  readonly send: (method: string, params?: Record<string, unknown>) => Promise<any>
  /** Every message received. */
  readonly received: Array<any>
}

/** Runs one session of `server` over an in-memory pair (closed with the scope), its log lines going to `loggers` only. */
export const connectModern = (
  server: Server,
  loggers: ReadonlyArray<Logger.Logger<unknown, unknown>> = []
): Effect.Effect<ModernClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    const received: Array<any> = []
    const waiting = new Map<string, (message: any) => void>()
    pair.client.onmessage = (message: any) => {
      received.push(message)
      if (message.id !== undefined && message.method === undefined) {
        const resolve = waiting.get(String(message.id))
        waiting.delete(String(message.id))
        resolve?.(message)
      }
    }
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer(loggers))))
    yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
    let next = 0
    const send = (method: string, params?: Record<string, unknown>) => {
      const id = `m${next++}`
      return new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id)
          reject(new Error(`no answer to ${method} (${id}) within 10 s`))
        }, 10_000)
        waiting.set(id, (message) => {
          clearTimeout(timer)
          resolve(message)
        })
        pair.client.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) } as never).catch(reject)
      })
    }
    return {
      received,
      send,
      request: (method, params = {}, meta = metaOf()) => send(method, { ...params, _meta: meta })
    }
  })

/** A plain timer (the tests run with the live clock). */
export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/**
 * Polls `get(taskId)` (a `tasks/get` answer) every `everyMillis` until `until` holds for the result;
 * fails after `timeoutMillis` (or on an error answer) with the last answer.
 */
export const pollTask = async (
  get: () => Promise<any>,
  until: (task: any) => boolean,
  timeoutMillis = 5_000,
  everyMillis = 20
): Promise<any> => {
  const deadline = Date.now() + timeoutMillis
  let last: any
  for (let i = 0; i < 10_000; i++) {
    last = await get()
    if (last.error !== undefined) throw new Error(`tasks/get failed: ${JSON.stringify(last)}`)
    if (until(last.result)) return last.result
    if (Date.now() > deadline) break
    await sleep(everyMillis)
  }
  throw new Error(`the task did not get there in ${timeoutMillis} ms: ${JSON.stringify(last)}`)
}

/** Whether a task status is terminal. */
export const isTerminal = (task: { readonly status: string }) =>
  task.status === "completed" || task.status === "failed" || task.status === "cancelled"

/** An ISO 8601 timestamp as `Date#toISOString` writes it. */
export const isIsoTimestamp = (value: unknown): boolean =>
  typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
  new Date(value).toISOString() === value

/**
 * Asks the client (`McpContext.elicit`) until it answers or `release` is done (a work that still
 * waits as its test ends): how the ask ended, `answered`, `released`, `SessionClosed:<reason>`, or
 * the failure's tag.
 */
export const askUntilReleased = (release: Deferred.Deferred<void>) =>
  Effect.raceFirst(
    Effect.match(McpContext.elicit("Go on?", Schema.Struct({ ok: Schema.Boolean })), {
      onSuccess: () => "answered",
      onFailure: (error) =>
        error._tag === "SessionClosed" ? `SessionClosed:${(error as unknown as McpContext.SessionClosed).reason}` : error._tag
    }),
    Effect.as(Deferred.await(release), "released")
  )
