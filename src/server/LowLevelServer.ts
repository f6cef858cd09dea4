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
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { lazy } from "../internal/lazy.ts"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import * as McpError from "../protocol/McpError.ts"
import { plainInitializeParams } from "../protocol/internal/initializeParams.ts"
import { type Decoder, jitDecoder } from "../protocol/internal/jitDecoder.ts"
import * as Schemas from "../protocol/internal/mcpSchemas.ts"
import type {
  ClientNotificationMethod,
  ClientNotificationParams,
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  Implementation,
  ServerCapabilities
} from "../protocol/McpSchema.ts"
import * as Negotiation from "../protocol/Negotiation.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import {
  featuresOf,
  hasNonObjectRoot,
  projectServerCapabilities,
  takesObjectStructuredContent
} from "../protocol/versions/Projection.ts"
import { metaKeys } from "../protocol/versions/v2026_07_28.ts"
import { valuesShapedBy } from "./internal/shapedOutput.ts"
import type { HttpRequestInfo, TransportFailure } from "../session/Connection.ts"
import * as Middleware from "../middleware/Middleware.ts"
import type { RequestContext } from "../session/RequestContext.ts"
import { observedBelow, RequestContextImpl, urlKeyChosen } from "../session/internal/requestContext.ts"
import { InputRound, type InputRequest, urlQuestion } from "../session/InputRound.ts"
import * as Extension from "./Extension.ts"
import * as ServerSession from "../session/ServerSession.ts"
import { tooDeepAnswer } from "./internal/inputResponses.ts"
import { distinctUrlElicitations, type UrlElicitation, urlCapabilityMissing, urlFailuresOf } from "./internal/urlElicitations.ts"
import { notificationMetaOf } from "./internal/notificationMeta.ts"
import { refusedRequestsOf } from "./internal/refusedRequests.ts"
import { checkLowLevelOptions } from "./internal/serverOptions.ts"
import { digestOf, makeSealer, type RequestStateOptions, type RequestStateSealer } from "./internal/requestState.ts"
import { logsToStderrOver } from "../session/internal/logsToStderr.ts"
import type { ListenerSessionOptions, Transport } from "../session/Transport.ts"
import { forLog } from "../internal/loggedCause.ts"
import { isExit } from "../internal/isExit.ts"

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
 *
 * @since 0.1.0
 * @category models
 */
export type RequestHandler<M extends ClientRequestMethod> = (
  params: ClientRequestParams<M>,
  context: RequestContext
) => Effect.Effect<ClientRequestResult<M>, McpError.McpError>

/**
 * Handlers by method. `initialize`, `ping` and `logging/setLevel` have built-in handlers (the
 * built-in `logging/setLevel` changes nothing in a stateless session: see {@link Options.logging}).
 *
 * @since 0.1.0
 * @category models
 */
export type RequestHandlers = { readonly [M in ClientRequestMethod]?: RequestHandler<M> | undefined }

/**
 * A client notification handler.
 *
 * @since 0.1.0
 * @category models
 */
export type NotificationHandler<M extends ClientNotificationMethod> = (
  params: ClientNotificationParams<M>,
  session: ServerSession.ServerSession
) => Effect.Effect<void, unknown>

/**
 * Notification handlers by method (`initialized` and `cancelled` are handled by the session).
 *
 * @since 0.1.0
 * @category models
 */
export type NotificationHandlers = { readonly [M in ClientNotificationMethod]?: NotificationHandler<M> | undefined }

/**
 * Everything a low-level server is made of.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `serverInfo`: name and version (plus title, description, icons, websiteUrl). */
  readonly serverInfo: Implementation
  /** How to use the server, for the client's model (`instructions`; default none). */
  readonly instructions?: string | undefined
  readonly handlers: RequestHandlers
  readonly notificationHandlers?: NotificationHandlers | undefined
  /** Which lists announce changes (`listChanged` capabilities). */
  readonly listChanged?: Negotiation.Features["listChanged"]
  /** Request methods that may be task-augmented (2025-11-25 `tasks.requests`). */
  readonly taskRequests?: ReadonlyArray<ClientRequestMethod> | undefined
  /**
   * Serve `logging/setLevel` and advertise `logging` (default true). In a stateless session (one
   * session answering many clients) the built-in handler answers `{}` without changing the level.
   */
  readonly logging?: boolean | undefined
  readonly experimental?: { readonly [key: string]: object } | undefined
  /** Middleware, outermost first (see {@link Middleware}); their services already provided. */
  readonly middleware?: ReadonlyArray<Middleware.Middleware<never>> | undefined
  /** The handshake-era versions served, newest first (default: every one); see `McpServer.Options`. */
  readonly supportedVersions?: ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined
  /**
   * `initialize` asking for a version not served: `"latest"` (default) negotiates the newest
   * served, `"reject"` refuses it (-32602); see `McpServer.Options`.
   */
  readonly unsupportedVersion?: "latest" | "reject" | undefined
  /**
   * MCP 2026-07-28: how the `requestState` of `input_required` answers is sealed (the key ring,
   * shared by replicas; the lifetime). Default: a random key per process, 10 minutes.
   */
  readonly requestState?: RequestStateOptions | undefined
  /**
   * Extensions the server declares (`capabilities.extensions`) and whose methods it serves; see
   * {@link Extension}. Their context already provided.
   */
  readonly extensions?: ReadonlyArray<Extension.Extension<never>> | undefined
  /**
   * Core methods of MCP 2026-07-28 that the 2025-11-25 schema lacks (`subscriptions/listen`):
   * served to 2026-07-28 requests only (-32601 to the others). With `subscriptions/listen` served,
   * `server/discover` advertises `listChanged` and `subscribe` (they are delivered on listen
   * streams).
   */
  readonly modernMethods?: { readonly [method: string]: Extension.Method<never> } | undefined
  /**
   * The server as it is now, when it may have been rebuilt since a session started (`McpServer`:
   * components or middleware added or removed). A session keeps the server it started with for
   * what it negotiated, but a 2026-07-28 request and any request of a stateless session negotiated
   * nothing to keep: they are answered by this one (else a prompt added after the shared session
   * started stayed -32601 and out of `server/discover` for good). The servers sharing this
   * function also share what their `tools/list` answers taught them: which tools' object values
   * are sent wrapped `{ result }` to 2025-06-18 and 2025-11-25 (see `asListed`). Default: this server.
   */
  readonly latest?: (() => LowLevelServer) | undefined
  /**
   * Whether a session holds work of its own beyond its requests in flight, which ending it would
   * cost (`McpServer`: a background task it owns still running). Asked, rarely, by a transport
   * choosing a session to end to make room (Streamable HTTP's `maxSessionsPerAddress`); answered
   * at once. Default: none.
   */
  readonly holdsWork?: ((session: ServerSession.ServerSession) => boolean) | undefined
  /**
   * A stream's token was checked again and stands for `principal` now (see
   * `SessionInput.rechecked`): drops the session's resource subscriptions it may no longer read
   * (`related` `undefined`: the standalone stream; with `before`, only those `before` could read),
   * or returns the scopes it lacks for what the request `related` follows (a
   * `subscriptions/listen` then ends). Default: nothing judged.
   */
  readonly rechecked?: ServerSession.Rechecked | undefined
}

/**
 * Options of one run: session tuning, and stateless mode (what a `Listener` passes for each
 * session it accepts).
 *
 * @since 0.1.0
 * @category models
 */
export type RunOptions = ListenerSessionOptions

/**
 * A low-level server, ready to run over any number of transports.
 *
 * @since 0.1.0
 * @category models
 */
export interface LowLevelServer {
  /** The derived capabilities (2025-11-25 shape; projected per session). */
  readonly capabilities: ServerCapabilities
  /** What `initialize` negotiates from: info, instructions, capabilities, versions. */
  readonly description: Negotiation.ServerDescription
  /** FastMCP-compatible name for {@link LowLevelServer.description}. */
  readonly createInitializationOptions: () => Negotiation.ServerDescription
  /** FastMCP-compatible name for {@link LowLevelServer.capabilities}. */
  readonly getCapabilities: () => ServerCapabilities
  /**
   * The capabilities `server/discover` advertises (MCP 2026-07-28): projected to that version,
   * with the extensions declared to it (the tasks extension among them). Made at the first call.
   */
  readonly modernCapabilities: () => ServerCapabilities
  /** The dispatcher a session calls: registry + middleware. */
  readonly dispatcher: ServerSession.Dispatcher
  /**
   * Runs one session over `transport` until its input ends; over a push connection (Streamable
   * HTTP) it returns once the session has started, and the transport ends the session.
   */
  readonly run: <E>(transport: Transport<E>, options?: RunOptions) => Effect.Effect<void, E | TransportFailure>
}

// ---------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------

/**
 * Builds a low-level server from its handlers; see {@link Options}. Options that are not what they
 * take (a module in JavaScript, an `as` cast, a misspelt method in `handlers`) throw a `TypeError`
 * naming the first of them here, not when a request comes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): LowLevelServer => {
  checkLowLevelOptions("LowLevelServer.make", options)
  const handlers: Record<string, RequestHandler<any> | undefined> = { ...options.handlers }
  if (options.logging !== false && handlers["logging/setLevel"] === undefined) {
    handlers["logging/setLevel"] = setLevel
  }
  handlers.ping ??= ping
  const registered = Object.keys(handlers).filter((method) =>
    handlers[method] !== undefined && Object.hasOwn(Schemas.ClientRequests, method)
  )
  const extensions = options.extensions ?? []
  const legacyExtensions = Extension.capabilitiesFor(extensions, false)
  const derived = Negotiation.deriveCapabilities({
    methods: registered,
    listChanged: options.listChanged,
    taskRequests: options.taskRequests,
    ...(options.experimental !== undefined ? { experimental: options.experimental } : {})
  })
  const capabilities: ServerCapabilities = legacyExtensions === undefined ? derived : { ...derived, extensions: legacyExtensions }
  const description: Negotiation.ServerDescription = {
    serverInfo: options.serverInfo,
    capabilities,
    instructions: options.instructions,
    supportedVersions: options.supportedVersions,
    unsupportedVersion: options.unsupportedVersion
  }
  // A stateless session has no stream of its own on which a list change or a resource update
  // could reach a client: it advertises neither `listChanged` nor `subscribe` (and keeps no
  // subscriptions). Without a principal it serves many clients that cannot be told apart: their
  // tasks cannot be bound to them, so `tasks/list` is not offered either (the spec's rule).
  const statelessCapabilities = withoutListenFeatures(capabilities)
  const statelessDescription: Negotiation.ServerDescription = { ...description, capabilities: statelessCapabilities }
  const anonymousDescription: Negotiation.ServerDescription = statelessCapabilities.tasks?.list === undefined
    ? statelessDescription
    : { ...description, capabilities: { ...statelessCapabilities, tasks: withoutList(statelessCapabilities.tasks) } }
  handlers.initialize ??= (params: ClientRequestParams<"initialize">, context: RequestContext) => {
    const chosen = !context.session.stateless
      ? description
      : context.principal === undefined
      ? anonymousDescription
      : statelessDescription
    const result = Negotiation.negotiate(chosen, params)
    if (result._tag === "Failure") return Exit.fail(result.failure)
    const { clientCapabilities, clientInfo } = result.success
    context.session.establish({ protocolVersion: result.success.protocolVersion, clientCapabilities, clientInfo })
    return Exit.succeed(result.success.result)
  }

  const routes = new Map<string, Route>()
  for (const method of Object.keys(handlers)) {
    const handler = handlers[method]
    const spec = clientRequest(method)
    if (handler !== undefined && spec !== undefined) {
      routes.set(method, {
        decode: method === "initialize" ? decodeInitialize : lazily(() => jitDecoder(spec.params())),
        handler
      })
    }
  }
  // 2026-07-28: `server/discover` says up front what `initialize` said (versions, capabilities,
  // instructions, identity). Through middleware like every request (raw hooks).
  // Built at the first `server/discover` (a 2025 stdio server never builds it: its start is on the
  // critical path of every client that spawns it).
  const discoverResult = lazy(() => {
    const modernExtensions = Extension.capabilitiesFor(extensions, true)
    const listens = options.modernMethods?.["subscriptions/listen"] !== undefined
    const projected = projectServerCapabilities(derived, ProtocolVersion.modern[0])
    const modernCapabilities = listens ? projected : withoutListenFeatures(projected)
    return {
      supportedVersions: [...ProtocolVersion.modern, ...(options.supportedVersions ?? ProtocolVersion.supported)],
      capabilities: modernExtensions === undefined ? modernCapabilities : { ...modernCapabilities, extensions: modernExtensions },
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
      _meta: { [metaKeys.serverInfo]: options.serverInfo }
    }
  })
  // A connection locked to 2026-07-28 (stdio past the probe) refuses `initialize`: it lists that
  // era's versions alone, as its -32022 errors do.
  const modernDiscoverResult = lazy(() => ({ ...discoverResult(), supportedVersions: [...ProtocolVersion.modern] }))
  routes.set("server/discover", {
    decode: lazily(() => jitDecoder(Schemas.RequestParams())),
    handler: (_params: unknown, context: RequestContext) =>
      ProtocolVersion.isModern(context.protocolVersion)
        ? Exit.succeed(ServerSession.servesModernOnly(context.session) ? modernDiscoverResult() : discoverResult())
        : Exit.fail(McpError.methodNotFound("server/discover"))
  })
  // Extension methods: a modern-only extension's methods answer 2026-07-28 requests only, and take
  // precedence there over a core method of the same name (the tasks extension's `tasks/get` is not
  // 2025-11-25's); the others are routes like any.
  const modernRoutes = new Map<string, Route>()
  for (const [name, method] of Object.entries(options.modernMethods ?? {})) {
    modernRoutes.set(name, {
      decode: lazily(() => jitDecoder(method.params)),
      handler: (params: unknown, context: RequestContext) =>
        ProtocolVersion.isModern(context.protocolVersion) ? method.handler(params, context) : Exit.fail(McpError.methodNotFound(name))
    })
  }
  for (const extension of extensions) {
    for (const [name, method] of Object.entries(extension.methods ?? {})) {
      if (name === "initialize" || name === "server/discover") {
        throw new Error(`Extension ${extension.id}: the method ${name} is the core protocol's`)
      }
      const route = {
        decode: lazily(() => jitDecoder(method.params)),
        handler: Extension.routeHandler(extension, name, method.handler),
        refuse: (context: RequestContext) => Extension.refusal(extension, name, context)
      }
      if (extension.versions === "modern") {
        if (modernRoutes.has(name)) throw new Error(`Extension ${extension.id}: the method ${name} is already served`)
        modernRoutes.set(name, route)
      }
      else if (routes.has(name)) throw new Error(`Extension ${extension.id}: the method ${name} is already served`)
      else routes.set(name, route)
    }
  }
  const notificationRoutes = new Map<string, NotificationRoute>()
  for (const [method, handler] of Object.entries(options.notificationHandlers ?? {})) {
    if (handler === undefined || !Object.hasOwn(Schemas.ClientNotifications, method)) continue
    const params = (Schemas.ClientNotifications as Record<string, () => Schema.Top>)[method]!
    notificationRoutes.set(method, { decode: lazily(() => jitDecoder(params())), handler })
  }

  const middleware = [...(options.middleware ?? []), ...extensions.flatMap((extension) => extension.middleware ?? [])]

  // A method the server does not handle but a middleware hooks (ToolInjection's tools on a server
  // without tools) gets a route whose handler answers -32601: every typed hook runs around it, so
  // a middleware answering it is still wrapped by the ones outside it (Authorization, RateLimit).
  const hookOnly = new Set<string>()
  for (const [method, hookName] of Object.entries(Middleware.hookNames)) {
    if (routes.has(method) || !middleware.some((m) => (m as unknown as Record<string, unknown>)[hookName] !== undefined)) continue
    const spec = clientRequest(method)
    if (spec === undefined) continue
    hookOnly.add(method)
    routes.set(method, {
      decode: lazily(() => jitDecoder(spec.params())),
      handler: () => Exit.fail(McpError.methodNotFound(method))
    })
  }

  // Typed hooks, per method, around the handler (outermost first); built once, kept on the route.
  const withHooks = (method: string, route: Route) => {
    let chain: Chain = route.handler
    const hookName = method === "server/discover" ? "onDiscover" : Middleware.hookNames[method as ClientRequestMethod]
    for (let i = middleware.length - 1; i >= 0; i--) {
      const hook = (middleware[i] as unknown as Record<string, unknown>)[hookName] as
        | ((params: unknown, context: RequestContext, next: Chain) => Effect.Effect<unknown, McpError.McpError>)
        | undefined
      if (hook === undefined) continue
      const next = chain
      chain = (params, context) =>
        hook(params, context, (params, below) => below === undefined ? next(params, context) : observedBelow(next(params, below), context, below))
    }
    route.chain = chain
  }
  for (const [method, route] of routes) withHooks(method, route)
  for (const [method, route] of modernRoutes) withHooks(method, route)
  // Tools listed by hand with an `outputSchema` whose root is not an object type: their values
  // sent as listed, whoever answers their calls (see `asListed`).
  asListed(routes, listedBy(options.latest))

  const sealer = makeSealer(options.requestState)
  // Without raw hooks, a request's context comes to `core` straight from its session, made for it
  // and seen by no one else: a 2026-07-28 call's input round goes on it (see `inRound`).
  const contextUnseen = !middleware.some((m) => m.onRequest !== undefined || m.onMessage !== undefined)
  const hasModernRoutes = modernRoutes.size > 0
  const core = (request: JsonRpc.Request, context: RequestContext): Effect.Effect<unknown, McpError.McpError> => {
    let route = routes.get(request.method)
    if (hasModernRoutes && ProtocolVersion.isModern(context.protocolVersion)) {
      route = modernRoutes.get(request.method) ?? route
    }
    if (route === undefined) return Exit.fail(McpError.methodNotFound(request.method))
    const params = route.decode(paramsOf(request, context))
    if (params._tag === "Failure") {
      // A request refused whatever its params (an undeclared extension: -32021) is refused so
      // with params that do not decode too; well-formed, it is refused after the typed hooks.
      return hookOnly.has(request.method)
        ? Exit.fail(McpError.methodNotFound(request.method))
        : route.refuse?.(context) ?? McpError.decodeFailure(`params for ${request.method}`, params.cause)
    }
    const chain = route.chain!
    if (ProtocolVersion.isModern(context.protocolVersion) && inputMethods.has(request.method)) {
      return inRound(request, context, sealer, chain, params.value, contextUnseen)
    }
    return chain(params.value, context)
  }

  // Raw hooks around decoding: every onMessage (outermost first), then every onRequest.
  type RequestChain = (request: JsonRpc.Request, context: RequestContext) => Effect.Effect<unknown, McpError.McpError>
  let dispatchRequest: RequestChain = core
  for (let i = middleware.length - 1; i >= 0; i--) {
    const onRequest = middleware[i]!.onRequest
    if (onRequest === undefined) continue
    const next = dispatchRequest
    dispatchRequest = (request, context) =>
      onRequest(request, context, (request, below) => below === undefined ? next(request, context) : observedBelow(next(request, below), context, below))
  }
  for (let i = middleware.length - 1; i >= 0; i--) {
    const onMessage = middleware[i]!.onMessage
    if (onMessage === undefined) continue
    const next = dispatchRequest
    dispatchRequest = (request, context) =>
      onMessage({ _tag: "Request", request, context }, () => next(request, context))
  }

  type NotificationChain = (
    notification: JsonRpc.Notification,
    session: ServerSession.ServerSession,
    http?: HttpRequestInfo
  ) => Effect.Effect<void, unknown>
  let dispatchNotification: NotificationChain = (notification, session) => {
    const route = notificationRoutes.get(notification.method)
    if (route === undefined) return Effect.void // unknown notifications are ignored, as JSON-RPC prescribes
    const params = route.decode(notification.params ?? emptyParams)
    if (params._tag === "Failure") {
      return Effect.logWarning(`ignored ${notification.method} with invalid params`, forLog(params.cause))
    }
    return route.handler(params.value, session)
  }
  for (let i = middleware.length - 1; i >= 0; i--) {
    const onNotification = middleware[i]!.onNotification
    if (onNotification === undefined) continue
    const next = dispatchNotification
    dispatchNotification = (notification, session, http) => onNotification(notification, session, (n) => next(n, session, http), http)
  }
  const observers = middleware.flatMap((m) => m.onMessage === undefined ? [] : [m.onMessage])
  for (let i = observers.length - 1; i >= 0; i--) {
    const onMessage = observers[i]!
    const next = dispatchNotification
    dispatchNotification = (notification, session, http) =>
      Effect.asVoid(onMessage({ _tag: "Notification", notification, session }, () => next(notification, session, http) as Effect.Effect<void, never>))
  }
  // The notifications a transport accepts and hands over to no session (a stateless endpoint's,
  // 2026-07-28's over Streamable HTTP): the same hooks around nothing (no handler runs). Built
  // once, and only if a middleware observes notifications: else the transport does not ask.
  let observe: NotificationChain | undefined
  if (middleware.some((m) => m.onNotification !== undefined || m.onMessage !== undefined)) {
    let chain: NotificationChain = () => Effect.void
    for (let i = middleware.length - 1; i >= 0; i--) {
      const onNotification = middleware[i]!.onNotification
      if (onNotification === undefined) continue
      const next = chain
      chain = (notification, session, http) => onNotification(notification, session, (n) => next(n, session, http), http)
    }
    for (let i = observers.length - 1; i >= 0; i--) {
      const onMessage = observers[i]!
      const next = chain
      chain = (notification, session, http) =>
        Effect.asVoid(onMessage({ _tag: "Notification", notification, session }, () => next(notification, session, http) as Effect.Effect<void, never>))
    }
    observe = chain
  }
  const observed = observers.length === 0 ? undefined : (value: ServerSession.InvalidInbound, session: ServerSession.ServerSession) =>
    observers.reduceRight<Effect.Effect<unknown, McpError.McpError>>(
      (next, onMessage) => onMessage({ _tag: "Invalid", invalid: value, session }, () => next),
      Effect.void
    ).pipe(Effect.asVoid)
  // The refusals Telemetry makes a span of (see `internal/refusedRequests.ts`): asked for invalid
  // input, and on its own (`Dispatcher.refused`, no `onMessage` observer) for the requests a drain
  // refuses; only when a middleware has it (none: as before).
  const refused = refusedRequestsOf(middleware)
  const invalid = refused === undefined
    ? observed
    : observed === undefined
    ? refused
    : (value: ServerSession.InvalidInbound, session: ServerSession.ServerSession) => Effect.andThen(refused(value, session), observed(value, session))

  // Around each request the server sends the client: the `onOutgoingRequest` hooks, outermost
  // first; none (the common case) leaves the session's `outgoing` undefined.
  const outgoingHooks = middleware.flatMap((m) => m.onOutgoingRequest === undefined ? [] : [m.onOutgoingRequest])
  let outgoing: ServerSession.OutgoingHook | undefined
  for (let i = outgoingHooks.length - 1; i >= 0; i--) {
    const hook = outgoingHooks[i]!
    const inner = outgoing
    outgoing = inner === undefined ? hook : (request, send) => hook(request, (params) => inner({ ...request, params }, send))
  }
  // What the notifications sent for a request carry in their `_meta` (Telemetry's trace context);
  // none (the common case) leaves the session's `notificationMeta` undefined.
  const notificationMeta = notificationMetaOf(middleware)

  const sessionHooks = middleware.flatMap((m) => m.onSession === undefined ? [] : [m.onSession])
  const onSession = sessionHooks.length === 0
    ? undefined
    : (session: ServerSession.ServerSession) =>
      Effect.forEach(sessionHooks, (hook) => hook(session), { concurrency: "unbounded", discard: true })

  // `tasks/result` (2025-11-25) blocks until its task ends, a 2026-07-28 `subscriptions/listen`
  // until it is cancelled or the session drains: they wait in the session's lane for waiting
  // requests, never in the request slots other requests need (a client's open subscriptions, as
  // many as the slots, left its every other request waiting for ever).
  const waitingMethods = waitsFor(handlers["tasks/result"] !== undefined, modernRoutes.has("subscriptions/listen"))

  const serverInfo = options.serverInfo
  const supportedVersions = options.supportedVersions
  const holdsWork = options.holdsWork
  const rechecked = options.rechecked
  const own: ServerSession.Dispatcher = {
    request: dispatchRequest,
    notification: dispatchNotification,
    invalid,
    refused,
    observe,
    serverInfo,
    supportedVersions,
    outgoing,
    notificationMeta,
    holdsWork,
    rechecked
  }
  const latest = options.latest
  // With `latest`: a 2026-07-28 request, and every message of a stateless session (its requests,
  // notifications and the input it refused, which middleware observes), go to the server as it
  // is now, straight to its own dispatch (it does not ask `latest` again).
  const dispatcher: ServerSession.Dispatcher = latest === undefined ? own : {
    request: (request, context) => {
      if (context.session.stateless || ProtocolVersion.isModern(context.protocolVersion)) {
        const now = latest()
        if (now !== server) return ownDispatch.get(now)!.request(request, context)
      }
      return dispatchRequest(request, context)
    },
    notification: (notification, session, http) => {
      const now = session.stateless ? latest() : server
      return now === server
        ? dispatchNotification(notification, session, http)
        : ownDispatch.get(now)!.notification(notification, session, http)
    },
    invalid: (value, session) => {
      const now = session.stateless ? latest() : server
      const observe = now === server ? invalid : ownDispatch.get(now)!.invalid
      return observe === undefined ? Effect.void : observe(value, session)
    },
    // A drain's refusals (rare): those of the stateless session told to the server as it is now.
    refused: (value, session) => {
      const now = session.stateless ? latest() : server
      const observe = now === server ? refused : ownDispatch.get(now)!.refused
      return observe === undefined ? Effect.void : observe(value, session)
    },
    // Asked of the stateless session only (the server as it is now may have other middleware).
    observe: (notification, session, http) => {
      const now = latest()
      const chain = now === server ? observe : ownDispatch.get(now)!.observe
      return chain === undefined ? Effect.void : chain(notification, session, http)
    },
    serverInfo,
    supportedVersions,
    // The server the session started with: a stateless session's requests to the client (on the
    // streams of the requests that asked) are rare, and looking up the server as it is now for
    // each would make this defined for every server. So for what its notifications carry.
    outgoing,
    notificationMeta,
    holdsWork,
    rechecked
  }

  const server: LowLevelServer = {
    capabilities,
    description,
    createInitializationOptions: () => description,
    getCapabilities: () => capabilities,
    modernCapabilities: () => discoverResult().capabilities,
    dispatcher,
    run: (transport, runOptions) =>
      logsToStderrOver(
        transport,
        ServerSession.run(
          dispatcher,
          { waitingMethods, ...runOptions, serverCapabilities: capabilities, onSession },
          transport.open
        )
      )
  }
  ownDispatch.set(server, own)
  return server
}

// ---------------------------------------------------------------------------
// Tool results as listed
// ---------------------------------------------------------------------------

/**
 * Before 2026-07-28 an `outputSchema` whose root is not an object type (`{ anyOf: [...] }`,
 * `{ type: ["object", "null"] }`, `{ $ref }`...) is listed wrapped as `{ result: <schema> }`
 * (`Projection.legacyOutputSchema`), whatever lists it: the values of that tool must be sent as
 * `{ result: <value> }` then, objects too (the projection wraps only the values that are not
 * objects, the one case it can tell from the value alone), or the clients that validate them (SDK
 * v1) refuse the call. A tool the server's handler or a middleware lists by hand says nothing of
 * that: the server remembers the names that the `tools/list` answer (its handler's and its typed
 * hooks', `onListTools`: a middleware adding its own tools) listed with such a schema (the same
 * test as the listing's, `hasNonObjectRoot`), and sends the `structuredContent` of their
 * `tools/call` answers (whoever answers them: the handler or an `onCallTool`), and of their tasks'
 * results fetched by `tasks/result` (2025-11-25), wrapped to the versions that list the schema
 * wrapped, 2025-06-18 and 2025-11-25; not to 2025-03-26 and 2024-11-05, which get no
 * `structuredContent` (its JSON becomes the text of a result without content: the value, not the
 * wrapper). A `Tool`'s schema is not remembered: it wraps its own values (`shapedOutput.ts`).
 *
 * Costs nothing per call until one tool was listed so: only then do the calls go through the
 * wrapping (the route's chain is swapped), one `Set` lookup per call of those versions.
 *
 * What the listings taught is kept by the servers sharing one `Options.latest` (the servers
 * `McpServer` rebuilds after a component change): a tool listed before the change is answered as
 * listed after it, before any new listing (a stateless client lists once).
 *
 * Limits: a tool name is listed with one schema for every session (the last listing's); a call
 * reaching a process that never listed the tool (a stateless replica) is sent as it is made; a raw
 * hook (`onRequest`, `onMessage`) answering `tools/list` or `tools/call` by itself is not seen.
 */
const asListed = (routes: ReadonlyMap<string, Route>, listed: Listed): void => {
  const list = routes.get("tools/list")
  const call = routes.get("tools/call")
  if (list === undefined || call === undefined) return
  const listChain = list.chain!
  const callChain = call.chain!
  const taskResult = routes.get("tasks/result")
  const resultChain = taskResult?.chain
  const { tools: wrappedTools, tasks: wrappedTasks } = listed
  const record = (result: unknown): void => {
    try {
      const tools = Predicate.isObject(result) ? result["tools"] : undefined
      if (!Array.isArray(tools)) return
      for (const tool of tools) {
        const name = Predicate.isObject(tool) ? tool["name"] : undefined
        if (typeof name !== "string") continue
        const schema = (tool as { readonly outputSchema?: unknown }).outputSchema
        if (!hasNonObjectRoot(schema) || valuesShapedBy(schema)) wrappedTools.delete(name)
        else if (wrappedTools.size < maxWrappedTools) wrappedTools.add(name)
      }
    } catch {
      // Properties that cannot be read (a getter or a Proxy that throws): sending the list fails,
      // and that request is answered -32603 saying why.
    } finally {
      // Read by the session's dispatch at each request: no wrapping at all until it is needed.
      call.chain = wrappedTools.size > 0 ? callAsListed : callChain
    }
  }
  list.chain = (params, context) => {
    const result = listChain(params, context)
    if (isExit(result)) {
      const exit = result as Exit.Exit<unknown, McpError.McpError>
      if (exit._tag === "Success") record(exit.value)
      return exit
    }
    return Effect.tap(result, (value) => Effect.sync(() => record(value)))
  }
  const taskMade = (result: unknown): void => {
    if (taskResult === undefined) return
    let taskId: unknown
    try {
      const task = Predicate.isObject(result) ? result["task"] : undefined
      taskId = Predicate.isObject(task) ? task["taskId"] : undefined
    } catch {
      return // properties that cannot be read: see `withStructuredContentWrapped`
    }
    if (typeof taskId !== "string") return
    if (wrappedTasks.size >= maxWrappedTasks) wrappedTasks.delete(wrappedTasks.values().next().value!)
    wrappedTasks.add(taskId)
    taskResult.chain = resultAsListed
  }
  const asListedResult = (result: unknown): unknown => {
    taskMade(result)
    return withStructuredContentWrapped(result)
  }
  const callAsListed: Chain = (params, context) => {
    const result = callChain(params, context)
    if (!takesObjectStructuredContent(context.protocolVersion) || !wrappedTools.has((params as { readonly name: string }).name)) {
      return result
    }
    return isExit(result) ? Exit.map(result as Exit.Exit<unknown, McpError.McpError>, asListedResult) : Effect.map(result, asListedResult)
  }
  const resultAsListed: Chain = (params, context) => {
    const result = resultChain!(params, context)
    if (!wrappedTasks.has((params as { readonly taskId: string }).taskId)) return result
    return isExit(result)
      ? Exit.map(result as Exit.Exit<unknown, McpError.McpError>, withStructuredContentWrapped)
      : Effect.map(result, withStructuredContentWrapped)
  }
  // A server built after others of its `latest` starts with what they learned.
  if (wrappedTools.size > 0) call.chain = callAsListed
  if (wrappedTasks.size > 0 && taskResult !== undefined) taskResult.chain = resultAsListed
}

/** What {@link asListed} learned from the listings: the names, and their calls' tasks. */
interface Listed {
  /** The names last listed with an `outputSchema` whose root is not an object type, as many as `maxWrappedTools`. */
  readonly tools: Set<string>
  /** The tasks of those tools' calls (2025-11-25 task-augmented), oldest first, as many as `maxWrappedTasks`. */
  readonly tasks: Set<string>
}

/** What the servers sharing an `Options.latest` (one `McpServer`, rebuilt) learned, kept while that function lives. */
const listedByLatest = new WeakMap<() => LowLevelServer, Listed>()

/** The {@link Listed} of a server: its own, or the one its `latest` shares with the servers built before it. */
const listedBy = (latest: (() => LowLevelServer) | undefined): Listed => {
  let listed = latest === undefined ? undefined : listedByLatest.get(latest)
  if (listed === undefined) {
    listed = { tools: new Set(), tasks: new Set() }
    if (latest !== undefined) listedByLatest.set(latest, listed)
  }
  return listed
}

/** How many tool names {@link asListed} remembers (a server listing more sends the others' values as made). */
const maxWrappedTools = 10_000
/** How many tasks {@link asListed} remembers (the oldest are forgotten first). */
const maxWrappedTasks = 10_000

/** A result whose `structuredContent`, any value, is sent as `{ result: <value> }`. */
const withStructuredContentWrapped = (result: unknown): unknown => {
  try {
    const content = Predicate.isObject(result) ? result["structuredContent"] : undefined
    return content === undefined ? result : { ...(result as object), structuredContent: { result: content } }
  } catch {
    // Properties that cannot be read: sent as made (sending it fails, answered -32603).
    return result
  }
}

/** Each server's own dispatch, without the forwarding to `Options.latest` (see `make`). */
const ownDispatch = new WeakMap<LowLevelServer, ServerSession.Dispatcher>()

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/** The methods whose requests wait by design: `tasks/result` and `subscriptions/listen`, when served. */
const waitsFor = (taskResults: boolean, listens: boolean): ReadonlyArray<string> | undefined =>
  taskResults ? (listens ? bothWait : taskResultWaits) : listens ? listenWaits : undefined
const taskResultWaits: ReadonlyArray<string> = ["tasks/result"]
const listenWaits: ReadonlyArray<string> = ["subscriptions/listen"]
const bothWait: ReadonlyArray<string> = ["tasks/result", "subscriptions/listen"]

/** The 2026-07-28 methods that may answer `input_required` (MRTR). */
const inputMethods: ReadonlySet<string> = new Set(["tools/call", "prompts/get", "resources/read"])

/**
 * Runs a 2026-07-28 request that may need input from the client (MRTR): opens its round (the
 * answers sealed in `requestState` plus the new `inputResponses`; a state that does not open is
 * -32602), runs the handler with it, and when the handler stops for input answers
 * `input_required` with what is missing and the sealed answers so far. `unseen`: `context` is the
 * session's, made for this request and seen by no one else (no raw hooks): the round goes on it
 * rather than on a copy.
 */
const inRound = (
  request: JsonRpc.Request,
  context: RequestContext,
  sealer: RequestStateSealer,
  chain: (params: unknown, context: RequestContext) => Effect.Effect<unknown, McpError.McpError>,
  decoded: unknown,
  unseen: boolean
): Effect.Effect<unknown, McpError.McpError> => {
  const params: JsonRpc.Params = request.params ?? emptyParams
  // Computed only when a state is opened or sealed (a SHA-256 per round, not per call).
  let digest: string | undefined
  let answers: ReadonlyMap<string, unknown> = noAnswers
  // The keys whose answers are the request's own (see `InputRound.kept`), when a state is opened.
  let expected: ReadonlyArray<string> | undefined
  // The questions the state records under the keys the server made (see `InputRound.keyFor`).
  let questions: ReadonlyMap<string, string> | undefined
  // The one input the last round listed, when it listed one (see `InputRound.superseded`).
  let listedAlone: string | undefined
  const state = params["requestState"]
  const responses = params["inputResponses"]
  const hasResponses = typeof responses === "object" && responses !== null && !Array.isArray(responses)
  // Answers by key, as `tasks/update` takes them (its schema refuses the rest with -32602 too).
  if (responses !== undefined && !hasResponses) {
    return Exit.fail(McpError.invalidParams("Invalid params: inputResponses must be an object (the answers by key)"))
  }
  if (hasResponses) {
    const tooDeep = tooDeepAnswer(responses as { readonly [key: string]: unknown })
    if (tooDeep !== undefined) return Exit.fail(tooDeep)
  }
  // Not a state this server could have sealed, nor tampered with: the wrong type, said so.
  if (state !== undefined && typeof state !== "string") {
    return Exit.fail(McpError.invalidParams("Invalid params: requestState must be a string (the one an input_required result gave)"))
  }
  if (state !== undefined || hasResponses) {
    const given = new Map<string, unknown>()
    if (state !== undefined) {
      digest = digestOf(request, context.principal?.subject)
      const opened = sealer.open(state as string, digest)
      if (opened === undefined) {
        // Behind a load balancer the likeliest cause is the configuration: replicas that do not
        // share a key ring (the default is a key per process), said so rather than only an attack.
        return Exit.fail(McpError.invalidParams(
          "Invalid requestState: tampered with, expired, from another request, or sealed by a server that does not share this one's requestState.keys"
        ))
      }
      const carried = Object.keys(opened.answers)
      for (const key of carried) given.set(key, opened.answers[key])
      expected = opened.listed.length === 0 ? carried : carried.concat(opened.listed)
      questions = opened.questions
      if (opened.listed.length === 1) listedAlone = opened.listed[0]
    }
    if (hasResponses) for (const [key, value] of Object.entries(responses)) given.set(key, value)
    answers = given
  }
  const round = new InputRound(answers, expected, questions, listedAlone)
  // The first round of a call that needs no input (the common case) allocates only the round and
  // its context: the answers map is made when there are answers, the digest and the sealing only
  // when a state is opened or sealed (no closures per call). In process, a 2026 tools/call echo
  // through the dispatcher: 208 → 181 ns.
  const result = chain(
    decoded,
    !(context instanceof RequestContextImpl)
      ? context.with({ inputRound: round })
      : unseen && context.inputRound === undefined
      ? context.enterInputRound(round)
      : context.withInputRound(round)
  )
  // A retry's result is not cacheable (see `notCached`); only retries pay for the check.
  const retried = answers !== noAnswers
  // A handler that answered at once keeps the session's inline fast path (no fiber).
  if (isExit(result)) {
    const exit = result as Exit.Exit<unknown, McpError.McpError>
    return exit._tag === "Success"
      ? (retried ? Exit.succeed(notCached(exit.value, request.method)) : exit)
      : inputRequiredOr(exit.cause, request, context, sealer, round, digest)
  }
  const answered = Effect.catchCause(result, (cause) => inputRequiredOr(cause, request, context, sealer, round, digest))
  return retried ? Effect.map(answered, (value) => notCached(value, request.method)) : answered
}

/**
 * The complete result of a retried request (one that carried `inputResponses` or `requestState`)
 * with caching hints that forbid sharing it: stale at once (`ttlMs: 0`) and `cacheScope:
 * "private"`, whatever its handler set. "Results produced by retrying a request through the multi
 * round-trip requests mechanism [...] MUST NOT be cached, as they depend on inputs that are not
 * part of the cache key" (SEP-2549). The hints a handler sets describe the resource, not the
 * user's answers: a client that kept such a result (the SDK v2 client does) served the next read
 * of the URI without asking the user again, and a `"public"` one is a shared cache's to give to
 * other callers, though it was built from one client's answers. A `resources/read` (the one
 * retried method whose results carry hints) gets both always; a `tools/call` or `prompts/get`
 * result only when its handler set hints (it needs none). An `input_required` or task answer (no
 * hints) is left as it is.
 */
const notCached = (result: unknown, method: string): unknown => {
  if (typeof result !== "object" || result === null) return result
  const { resultType, ttlMs, cacheScope } = result as {
    readonly resultType?: unknown
    readonly ttlMs?: unknown
    readonly cacheScope?: unknown
  }
  if (resultType !== undefined && resultType !== "complete") return result
  return method === "resources/read" || ttlMs !== undefined || cacheScope !== undefined
    ? { ...result, ttlMs: 0, cacheScope: "private" }
    : result
}

/** No answers yet: the first round of a request without `requestState` or `inputResponses`. */
const noAnswers: ReadonlyMap<string, unknown> = new Map()

/**
 * A failed round: `input_required` with what is missing and the answers so far, sealed in
 * `requestState`, when the handler stopped for input and nothing else failed; else the failure
 * itself, without the stop (`McpError.failureBesideInput`, the one rule: a defect, a typed failure
 * or the client's fault beside the stop wins, answered as it would be alone). A handler that
 * failed with `McpError.UrlElicitationRequired` (2025-11-25's -32042, which 2026-07-28 retired:
 * "use MRTR") asks for its URL elicitations the 2026 way: as input requests, to be completed
 * before the client retries (-32021 when the client did not declare URL elicitation); beside a
 * stop for input, with the questions the handler asked (one round for inputs asked together);
 * beside another failure, that failure (`McpError.failureBesideUrlElicitation`); each once (one
 * `elicitationId`, one input request); a question the handler keyed as a URL elicitation is
 * (`inputKey` = `elicitationId`), or two different elicitations under one id, a defect.
 */
const inputRequiredOr = (
  cause: Cause.Cause<McpError.McpError>,
  request: JsonRpc.Request,
  context: RequestContext,
  sealer: RequestStateSealer,
  round: InputRound,
  digest: string | undefined
): Effect.Effect<unknown, McpError.McpError> => {
  // Only stops for input: input_required. Anything else beside them wins, without the stops.
  const failed = McpError.failureBesideInput(cause)
  let inputRequests: { readonly [key: string]: InputRequest }
  // The URL elicitations' keys: no question of the handler's stands under them (see below).
  let urlKeys: ReadonlyArray<string> | undefined
  if (failed === undefined) {
    inputRequests = round.pending
  } else {
    // A defect of the server's in the cause wins over a URL elicitation too
    // (`McpError.hasServerDefect`): the masked -32603, logged with its stack.
    if (McpError.hasServerDefect(failed)) return Exit.failCause(failed)
    // Anything else that failed beside a URL elicitation required wins too, answered as it would
    // be alone (`McpError.failureBesideUrlElicitation`); a cause with none, as it is.
    const beside = McpError.failureBesideUrlElicitation(failed)
    if (beside !== undefined) return Exit.failCause(beside)
    // Nothing but URL elicitations required (one or more, from concurrent branches): all asked.
    const failures = urlFailuresOf(failed)
    const distinct = distinctUrlElicitations(failures)
    // Two different elicitations under one `elicitationId`: the server's bug (a defect, logged, nothing asked).
    if (distinct instanceof RangeError) return Exit.die(distinct)
    const { requests: urls, by } = urlInputRequests(distinct)
    const keys = urlKeys = Object.keys(urls)
    // A question the handler keyed as a URL elicitation is (`inputKey` = `elicitationId`): the
    // URL's answer would be its (the server's bug: a defect, logged, nothing asked).
    const clash = keys.find((key) => round.chose(key))
    if (clash !== undefined) return Exit.die(urlKeyChosen(clash))
    const first = failures[0]!
    if (context.clientCapabilities.elicitation?.url === undefined) return Exit.fail(urlCapabilityMissing(first))
    // None to ask for: the failure as it is (-32603 in 2026-07-28). The user declined (or
    // cancelled) one of them: the request ends, as the client's -32042 ended it in 2025-11-25
    // (the handler still needs it; asked again, a declining client would retry for ever).
    if (keys.length === 0) return Exit.failCause(failed)
    const declinedKey = keys.find((key) => declined(round.answers.get(key)))
    if (declinedKey !== undefined) {
      const failure = by.get(declinedKey)!
      return Exit.fail(McpError.withoutStackTrace(() =>
        new McpError.InternalError({ message: `${failure.message || "URL elicitation required"}: the user declined the URL elicitation` })
      ))
    }
    // The questions the handler stopped for beside it (another branch's; a tool's `Tool.resultOf`
    // has taken the stop out already): inputs asked together are asked in one round (under a key
    // an elicitation has, the question waits for the next round).
    const asked = round.pending
    for (const key of Object.keys(asked)) if (!(key in urls)) urls[key] = asked[key]!
    inputRequests = urls
  }
  const kept = round.kept()
  const listed = Object.keys(inputRequests)
  // A question the handler asked under a URL elicitation's key (an id spelled as a key the server
  // makes) is not recorded as that key's: the URL's answer was given to it next round (an answer
  // without content, the form invalid, the URL asked again: the client retried for ever). The URL
  // keys are recorded as such (`InputRound.urlQuestion`): a question the handler keys so in a later
  // round is refused, as here.
  const questioned = urlKeys === undefined ? listed : listed.filter((key) => !urlKeys!.includes(key))
  let questions = round.questions(Object.keys(kept).concat(questioned))
  if (urlKeys !== undefined && urlKeys.length > 0) {
    const marked: { [key: string]: string } = Object.create(null)
    if (questions !== undefined) for (const key of Object.keys(questions)) marked[key] = questions[key]!
    for (const key of urlKeys) marked[key] = urlQuestion
    questions = marked
  }
  return Exit.succeed({
    resultType: "input_required",
    inputRequests,
    requestState: sealer.seal(digest ?? digestOf(request, context.principal?.subject), kept, listed, questions)
  })
}

/**
 * URL elicitations as 2026-07-28 input requests (each once: `distinctUrlElicitations`), keyed by
 * their `elicitationId` (else by order, across the failures); their params without it (2026-07-28's
 * URL elicitation has none: the key names the input); `by`: the failure each key's elicitation came
 * from first. In an object without a prototype: any id is a key (`__proto__` set the prototype of a `{}`).
 */
const urlInputRequests = (
  elicitations: ReadonlyArray<UrlElicitation>
): { readonly requests: { [key: string]: InputRequest }; readonly by: Map<string, McpError.UrlElicitationRequired> } => {
  const requests: { [key: string]: InputRequest } = Object.create(null)
  const by = new Map<string, McpError.UrlElicitationRequired>()
  for (const { failure, id, order, params } of elicitations) {
    const key = id ?? `elicitation/create-url-${order}`
    requests[key] = { method: "elicitation/create", params: params as JsonRpc.Params }
    if (!by.has(key)) by.set(key, failure)
  }
  return { requests, by }
}

/** Whether an answer to an elicitation is a decline or a cancellation. */
const declined = (answer: unknown): boolean => {
  const action = typeof answer === "object" && answer !== null ? (answer as { readonly action?: unknown }).action : undefined
  return action === "decline" || action === "cancel"
}

/** The handler and the middleware's typed hooks around it, as one function. */
type Chain = (params: unknown, context: RequestContext) => Effect.Effect<unknown, McpError.McpError>

interface Route {
  /** Replaced by the built decoder at its first call (see {@link lazily}). */
  decode: Decoder
  readonly handler: RequestHandler<any>
  /** An extension method's refusal whatever the params, asked before -32602 (`Extension.refusal`). */
  readonly refuse?: (context: RequestContext) => Exit.Exit<never, McpError.McpError> | undefined
  /** Set once the routes are built. */
  chain?: Chain
}

interface NotificationRoute {
  /** Replaced by the built decoder at its first call (see {@link lazily}). */
  decode: Decoder
  readonly handler: NotificationHandler<any>
}

const emptyParams = {}

/** The requests whose params carry `task` in a version with task-augmented requests (2025-11-25). */
const taskAugmentable: ReadonlySet<string> = new Set(["tools/call", "resources/read", "prompts/get"])

/**
 * A request's params as they are decoded: without `task` for a version that has no task-augmented
 * requests (2026-07-28, where a legacy `task` MUST be ignored, and those before 2025-11-25, where
 * it is no field), so that it is an unknown key whatever its value. Decoded with the field, a
 * malformed one (`"task": null`) was -32602. One property read per request when there is none.
 */
const paramsOf = (request: JsonRpc.Request, context: RequestContext): JsonRpc.Params => {
  const params = request.params
  if (params === undefined) return emptyParams
  if (params.task === undefined || !taskAugmentable.has(request.method) || featuresOf(context.protocolVersion).taskAugmentedRequests) {
    return params
  }
  const { task: _task, ...rest } = params
  return rest
}

/**
 * 2026-07-28 delivers list changes and resource updates only on `subscriptions/listen` streams: a
 * server that does not serve them advertises neither `listChanged` nor `subscribe` there.
 */
const withoutListenFeatures = (caps: ServerCapabilities): ServerCapabilities => {
  const out: { -readonly [K in keyof ServerCapabilities]: ServerCapabilities[K] } = { ...caps }
  for (const kind of ["tools", "prompts", "resources"] as const) {
    if (out[kind] !== undefined) out[kind] = {}
  }
  return out
}

const withoutList = (tasks: NonNullable<ServerCapabilities["tasks"]>): NonNullable<ServerCapabilities["tasks"]> => {
  const { list: _list, ...rest } = tasks
  return rest
}

/**
 * `initialize`'s params: a client sends them once per session, so they are never JIT-compiled
 * (compiling costs about 2 ms the first time, on the critical path of every stdio server's start).
 * The common shapes are checked by hand (`plainInitializeParams`: no schema built, no parser run);
 * anything else is decoded by Schema's interpreter, which also words the errors.
 */
const decodeInitialize = (u: unknown): Exit.Exit<unknown, Schema.SchemaError> => {
  const plain = plainInitializeParams(u)
  return plain !== undefined ? Exit.succeed(plain) : interpretInitialize()(u)
}

const interpretInitialize = lazy(() =>
  Schema.decodeUnknownExit(Schemas.InitializeRequestParams()) as (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
)

/** The schema builders of a core client→server request (`undefined` for any other method). */
const clientRequest = (method: string): { readonly params: () => Schema.Top } | undefined =>
  Object.hasOwn(Schemas.ClientRequests, method)
    ? (Schemas.ClientRequests as Record<string, { readonly params: () => Schema.Top }>)[method]
    : undefined

/**
 * A route's decoder, built on its first call: a server builds the schema and the decoder of a
 * method when it first receives one, so starting a server builds none (a stdio server's start is
 * on the critical path of every client that spawns it). Called as `route.decode(params)`, the
 * first call puts the built decoder in its own place on the route: later calls go straight to it
 * (no wrapper on the per-request path).
 */
const lazily = (build: () => Decoder) =>
  function(this: { decode: Decoder }, u: unknown): Exit.Exit<unknown, Schema.SchemaError> {
    const decode = build()
    this.decode = decode
    return decode(u)
  }

const ping = () => Exit.succeed({})

/**
 * Sets the session's log level. A stateless session answers many clients with one level: it is
 * answered `{}` and left as it is (one client must not change what the others receive, and no
 * later request could be told apart as the same client's).
 */
const setLevel = (params: ClientRequestParams<"logging/setLevel">, context: RequestContext) =>
  context.session.stateless ? Exit.succeed({}) : Effect.as(context.session.setLogLevel(params.level), {})
