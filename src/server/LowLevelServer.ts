/**
 * The low-level server: a registry of typed handlers for every MCP method, capabilities derived
 * from what is registered, and `run(transport)`.
 *
 * This is the role of FastMCP's `LowLevelServer` + `MiddlewareServerSession`: `initialize` is an
 * ordinary handler (negotiation is the pure {@link Negotiation.negotiate}) reached through the
 * same middleware hook as every other request, so middleware can observe, change or reject it.
 *
 * Handlers are plain functions `(params, context) => Effect` with params decoded by the method's
 * schema (compiled once, JIT-enabled) and errors typed as {@link McpError.McpError}; the mapping
 * to JSON-RPC errors is {@link McpError.toErrorObject}.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { SchemaJITCompiler } from "effect/schema"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import * as McpError from "../protocol/McpError.ts"
import {
  ClientNotifications,
  type ClientNotificationMethod,
  type ClientNotificationParams,
  ClientRequests,
  type ClientRequestMethod,
  type ClientRequestParams,
  type ClientRequestResult,
  type Implementation,
  type ServerCapabilities
} from "../protocol/McpSchema.ts"
import * as Negotiation from "../protocol/Negotiation.ts"
import type * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import type { TransportFailure } from "../session/Connection.ts"
import type { RequestContext } from "../session/RequestContext.ts"
import * as ServerSession from "../session/ServerSession.ts"
import type { Transport } from "../transport/Transport.ts"

// ---------------------------------------------------------------------------
// Handler types
// ---------------------------------------------------------------------------

/**
 * A request handler: decoded params and the request context in, the method's result or a typed
 * {@link McpError.McpError} out.
 *
 * **Gotchas**
 *
 * Define handlers once (at server construction), not per request; prefer plain functions that
 * return `Effect.succeed(...)` or `Effect.fnUntraced` bodies. A synchronous handler (returning an
 * `Exit` such as `Effect.succeed`) is answered inline without a fiber.
 */
export type RequestHandler<M extends ClientRequestMethod> = (
  params: ClientRequestParams<M>,
  context: RequestContext
) => Effect.Effect<ClientRequestResult<M>, McpError.McpError>

/** Handlers by method. `initialize`, `ping` and `logging/setLevel` have built-in handlers. */
export type RequestHandlers = { readonly [M in ClientRequestMethod]?: RequestHandler<M> | undefined }

/** A client notification handler. */
export type NotificationHandler<M extends ClientNotificationMethod> = (
  params: ClientNotificationParams<M>,
  session: ServerSession.ServerSession
) => Effect.Effect<void, unknown>

/** Notification handlers by method (`initialized` and `cancelled` are handled by the session). */
export type NotificationHandlers = { readonly [M in ClientNotificationMethod]?: NotificationHandler<M> | undefined }

/**
 * The middleware hook point: every request, `initialize` and `ping` included, passes through
 * each middleware (first in the list = outermost) before its handler.
 *
 * **Details**
 *
 * A middleware may observe the request, change it before calling `next`, change the result
 * after, fail with a typed error (the handler then never runs), or answer without calling `next`.
 * It runs in the request's fiber, never in the session's read loop. The typed, Layer-based
 * middleware API is built on this hook.
 */
export type Middleware = (
  request: JsonRpc.Request,
  context: RequestContext,
  next: (request: JsonRpc.Request) => Effect.Effect<unknown, McpError.McpError>
) => Effect.Effect<unknown, McpError.McpError>

/** Everything a low-level server is made of. */
export interface Options {
  /** `serverInfo`: name and version (plus title, description, icons, websiteUrl). */
  readonly serverInfo: Implementation
  readonly instructions?: string | undefined
  readonly handlers: RequestHandlers
  readonly notificationHandlers?: NotificationHandlers | undefined
  /** Which lists announce changes (`listChanged` capabilities). */
  readonly listChanged?: Negotiation.Features["listChanged"]
  /** Request methods that may be task-augmented (2025-11-25 `tasks.requests`). */
  readonly taskRequests?: ReadonlyArray<ClientRequestMethod> | undefined
  /** Serve `logging/setLevel` and advertise `logging` (default true). */
  readonly logging?: boolean | undefined
  readonly experimental?: { readonly [key: string]: object } | undefined
  readonly middleware?: ReadonlyArray<Middleware> | undefined
  readonly supportedVersions?: ReadonlyArray<ProtocolVersion.ProtocolVersion> | undefined
  readonly unsupportedVersion?: "latest" | "reject" | undefined
}

/** Options of one run: session tuning, and stateless mode. */
export type RunOptions = Omit<ServerSession.SessionOptions, "serverCapabilities">

/** A low-level server, ready to run over any number of transports. */
export interface LowLevelServer {
  /** The derived capabilities (2025-11-25 shape; projected per session). */
  readonly capabilities: ServerCapabilities
  /** What `initialize` negotiates from: info, instructions, capabilities, versions. */
  readonly description: Negotiation.ServerDescription
  /** FastMCP-compatible name for {@link LowLevelServer.description}. */
  readonly createInitializationOptions: () => Negotiation.ServerDescription
  /** FastMCP-compatible name for {@link LowLevelServer.capabilities}. */
  readonly getCapabilities: () => ServerCapabilities
  /** The dispatcher a session calls: registry + middleware. */
  readonly dispatcher: ServerSession.Dispatcher
  /** Runs one session over `transport` until its input ends. */
  readonly run: <E>(transport: Transport<E>, options?: RunOptions) => Effect.Effect<void, E | TransportFailure>
}

// ---------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------

/** Builds a low-level server from its handlers; see {@link Options}. */
export const make = (options: Options): LowLevelServer => {
  const handlers: Record<string, RequestHandler<any> | undefined> = { ...options.handlers }
  if (options.logging !== false && handlers["logging/setLevel"] === undefined) {
    handlers["logging/setLevel"] = setLevel
  }
  handlers.ping ??= ping
  const registered = Object.keys(handlers).filter((method) => handlers[method] !== undefined && method in ClientRequests)
  const capabilities = Negotiation.deriveCapabilities({
    methods: registered,
    listChanged: options.listChanged,
    taskRequests: options.taskRequests,
    ...(options.experimental !== undefined ? { experimental: options.experimental } : {})
  })
  const description: Negotiation.ServerDescription = {
    serverInfo: options.serverInfo,
    capabilities,
    instructions: options.instructions,
    supportedVersions: options.supportedVersions,
    unsupportedVersion: options.unsupportedVersion
  }
  handlers.initialize ??= (params: ClientRequestParams<"initialize">) => {
    const result = Negotiation.negotiate(description, params)
    return result._tag === "Success" ? Exit.succeed(result.success.result) : Exit.fail(result.failure)
  }

  const routes = new Map<string, Route>()
  for (const method of Object.keys(handlers)) {
    const handler = handlers[method]
    const spec = (ClientRequests as Record<string, { readonly params: Schema.Top }>)[method]
    if (handler !== undefined && spec !== undefined) routes.set(method, { decode: compile(spec.params), handler })
  }
  const notificationRoutes = new Map<string, NotificationRoute>()
  for (const [method, handler] of Object.entries(options.notificationHandlers ?? {})) {
    const spec = (ClientNotifications as Record<string, { readonly params: Schema.Top } | Schema.Top>)[method]
    if (handler === undefined || spec === undefined) continue
    notificationRoutes.set(method, { decode: compile("params" in spec ? spec.params : spec), handler })
  }

  const core = (request: JsonRpc.Request, context: RequestContext): Effect.Effect<unknown, McpError.McpError> => {
    const route = routes.get(request.method)
    if (route === undefined) return Exit.fail(McpError.methodNotFound(request.method))
    const params = route.decode(request.params ?? emptyParams)
    if (params._tag === "Failure") return Exit.fail(McpError.invalidParamsFromSchema(`params for ${request.method}`, params.cause))
    return route.handler(params.value, context)
  }
  const middleware = options.middleware ?? []
  const dispatchRequest = middleware.length === 0 ? core : middleware.reduceRight<
    (request: JsonRpc.Request, context: RequestContext) => Effect.Effect<unknown, McpError.McpError>
  >((next, mw) => (request, context) => mw(request, context, (request) => next(request, context)), core)

  const dispatcher: ServerSession.Dispatcher = {
    request: dispatchRequest,
    notification: (notification, session) => {
      const route = notificationRoutes.get(notification.method)
      if (route === undefined) return Effect.void // unknown notifications are ignored, as JSON-RPC prescribes
      const params = route.decode(notification.params ?? emptyParams)
      if (params._tag === "Failure") {
        return Effect.logWarning(`ignored ${notification.method} with invalid params`, params.cause)
      }
      return route.handler(params.value, session)
    }
  }

  return {
    capabilities,
    description,
    createInitializationOptions: () => description,
    getCapabilities: () => capabilities,
    dispatcher,
    run: (transport, runOptions) =>
      ServerSession.run(dispatcher, { ...runOptions, serverCapabilities: capabilities }, transport.open)
  }
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

interface Route {
  readonly decode: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly handler: RequestHandler<any>
}

interface NotificationRoute {
  readonly decode: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly handler: NotificationHandler<any>
}

const emptyParams = {}

const compiled = new WeakMap<Schema.Top, (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>>()

/** A decoder built once per schema, with the Schema JIT enabled (4–13× faster decoding). */
const compile = (schema: Schema.Top): (u: unknown) => Exit.Exit<unknown, Schema.SchemaError> => {
  let decode = compiled.get(schema)
  if (decode === undefined) {
    SchemaJITCompiler.enable(schema.ast)
    decode = Schema.decodeUnknownExit(schema as Schema.Codec<unknown, unknown>) as (
      u: unknown
    ) => Exit.Exit<unknown, Schema.SchemaError>
    compiled.set(schema, decode)
  }
  return decode
}

const ping = () => Exit.succeed({})

const setLevel = (params: ClientRequestParams<"logging/setLevel">, context: RequestContext) =>
  Effect.as(context.session.setLogLevel(params.level), {})
