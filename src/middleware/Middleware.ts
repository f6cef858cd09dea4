/**
 * Middleware: code that sees every inbound message — requests (`initialize` and `ping`
 * included), notifications (`initialized` and `cancelled` included) and invalid input — and can
 * observe, change, reject or answer it, and change what comes back. Invalid input, which
 * `onMessage` observes (as `Invalid`, with the error it was answered with), is malformed messages
 * and the requests the session refuses before dispatching them (a request before `initialize`,
 * `initialize` twice, an id already in progress, a 2026-07-28 `_meta` that does not resolve).
 * Over Streamable HTTP, so is what the transport refuses before a session takes it (a body that
 * is not JSON, an unknown session, a header that disagrees with the body): on the session the
 * POST names, else on the endpoint's shared stateless session. So are the notifications no
 * session takes (a stateless endpoint's, MCP 2026-07-28's): observed on that shared session
 * (`onNotification`, `onMessage`), nothing else runs for them (they are answered 202). What is not
 * a message (a GET, a body over the size limit) and what is refused or sent during a shutdown
 * are not observed.
 *
 * A middleware is a set of hooks:
 *
 * - `onMessage` — every message (`Request`, `Notification` or `Invalid`), raw;
 * - `onRequest` — every request, raw (before its params are decoded: it also sees requests for
 *   unknown methods and with invalid params, and the error they end with);
 * - `onNotification` — every notification;
 * - typed hooks per method (`onInitialize`, `onDiscover`, `onCallTool`, `onListTools`,
 *   `onReadResource`, `onGetPrompt`, `onComplete`, ...) — the decoded params, the request
 *   context, and `next`; they return the method's result type (for `tools/call`: a tool result
 *   *or* a created task);
 * - `onSession` — runs for the lifetime of each session (keep-alive pings, ...);
 * - `onOutgoingRequest` — every request the server sends the client (sampling, elicitation, roots,
 *   ping), as it goes out: it can change its params (`Telemetry` adds its trace context) and sees
 *   the client's answer.
 *
 * **Order.** In a stack, the first middleware is the outermost. The raw hooks of every middleware
 * run first (outermost first), then the params are decoded once, then the typed hooks run
 * (outermost first), then the handler. So the raw hooks of an inner middleware run around the
 * typed hooks of an outer one: a typed hook that answers or refuses stops the typed hooks and the
 * handler below it, not those raw hooks (they already ran, and see its answer on their way out). A hook that does not call `next` answers by itself; one
 * that fails rejects the message (a typed `McpError` becomes its JSON-RPC error, and nothing below
 * runs — for `initialize` too).
 *
 * **Where it runs.** Hooks run in the request's fiber. A hook whose effect completes at once
 * (e.g. it only calls `next` and the handler is synchronous) is answered inline without a fiber;
 * a slow hook (e.g. a slow `onInitialize`) never delays other messages of the session.
 *
 * **Services.** A middleware's own services are captured when its Layer is built. It can give
 * the handlers below it a different request context (`next(params, context.with({ principal }))`)
 * or services (`Effect.provideService(next(params), Tag, value)`).
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import type { McpError } from "../protocol/McpError.ts"
import type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  ServerCapabilities
} from "../protocol/McpSchema.ts"
import type { ClientRequestError } from "../session/ClientRequestError.ts"
import type { HttpRequestInfo } from "../session/Connection.ts"
import type { RequestContext } from "../session/RequestContext.ts"
import type { InvalidInbound, OutgoingRequest, ServerSession } from "../session/ServerSession.ts"
import { filled } from "../internal/filledContext.ts"
import { isExit } from "../internal/isExit.ts"
import { rebound } from "../internal/ownHook.ts"

// ---------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------

/**
 * The typed hook of each request method.
 *
 * @since 0.1.0
 * @category constants
 */
export const hookNames = {
  "initialize": "onInitialize",
  "ping": "onPing",
  "tools/list": "onListTools",
  "tools/call": "onCallTool",
  "resources/list": "onListResources",
  "resources/templates/list": "onListResourceTemplates",
  "resources/read": "onReadResource",
  "resources/subscribe": "onSubscribe",
  "resources/unsubscribe": "onUnsubscribe",
  "prompts/list": "onListPrompts",
  "prompts/get": "onGetPrompt",
  "completion/complete": "onComplete",
  "logging/setLevel": "onSetLevel",
  "tasks/get": "onGetTask",
  "tasks/result": "onGetTaskResult",
  "tasks/list": "onListTasks",
  "tasks/cancel": "onCancelTask"
} as const satisfies Record<ClientRequestMethod, string>

/**
 * Calls the rest of the chain; `context` replaces the request context for what is below.
 *
 * @since 0.1.0
 * @category models
 */
export type Next<M extends ClientRequestMethod> = (
  params: ClientRequestParams<M>,
  context?: RequestContext
) => Effect.Effect<ClientRequestResult<M>, McpError>

/**
 * A typed hook: decoded params in, the method's result (or a typed error) out.
 *
 * @since 0.1.0
 * @category models
 */
export type MethodHook<M extends ClientRequestMethod, R> = (
  params: ClientRequestParams<M>,
  context: RequestContext,
  next: Next<M>
) => Effect.Effect<ClientRequestResult<M>, McpError, R>

/**
 * The typed hooks, one per method.
 *
 * @since 0.1.0
 * @category models
 */
export type MethodHooks<R> = {
  readonly [M in ClientRequestMethod as (typeof hookNames)[M]]?: MethodHook<M, R> | undefined
}

/**
 * A message as `onMessage` sees it.
 *
 * @since 0.1.0
 * @category models
 */
export type Message =
  | { readonly _tag: "Request"; readonly request: JsonRpc.Request; readonly context: RequestContext }
  | { readonly _tag: "Notification"; readonly notification: JsonRpc.Notification; readonly session: ServerSession }
  | { readonly _tag: "Invalid"; readonly invalid: InvalidInbound; readonly session: ServerSession }

/**
 * What `server/discover` answers (MCP 2026-07-28): what `initialize` said, up front.
 *
 * @since 0.2.0
 * @category models
 */
export interface DiscoverResult {
  readonly supportedVersions: ReadonlyArray<string>
  readonly capabilities: ServerCapabilities
  readonly instructions?: string | undefined
  readonly _meta?: { readonly [key: string]: unknown } | undefined
}

/**
 * Every hook a middleware may have; see the module documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hooks<R> extends MethodHooks<R> {
  /**
   * `server/discover` (MCP 2026-07-28), as `onInitialize` is for the handshake: observe, change
   * (e.g. hide capabilities from a principal) or reject it.
   */
  readonly onDiscover?:
    | ((
      params: { readonly _meta?: { readonly [key: string]: unknown } | undefined },
      context: RequestContext,
      next: (
        params: { readonly _meta?: { readonly [key: string]: unknown } | undefined },
        context?: RequestContext
      ) => Effect.Effect<DiscoverResult, McpError>
    ) => Effect.Effect<DiscoverResult, McpError, R>)
    | undefined
  /** Every inbound message, raw. For a request, `next` answers it; for the others it returns nothing. */
  readonly onMessage?:
    | ((message: Message, next: () => Effect.Effect<unknown, McpError>) => Effect.Effect<unknown, McpError, R>)
    | undefined
  /** Every request, raw (before params are decoded). */
  readonly onRequest?:
    | ((
      request: JsonRpc.Request,
      context: RequestContext,
      next: (request: JsonRpc.Request, context?: RequestContext) => Effect.Effect<unknown, McpError>
    ) => Effect.Effect<unknown, McpError, R>)
    | undefined
  /**
   * Every notification. `http` is the HTTP request that carried it (Streamable HTTP; `undefined`
   * over stdio and in memory, and for a cancellation the transport made itself, a request's POST
   * or stream dropped).
   */
  readonly onNotification?:
    | ((
      notification: JsonRpc.Notification,
      session: ServerSession,
      next: (notification: JsonRpc.Notification) => Effect.Effect<void, unknown>,
      http: HttpRequestInfo | undefined
    ) => Effect.Effect<void, unknown, R>)
    | undefined
  /** Runs for each session while it lives (interrupted when it ends). */
  readonly onSession?: ((session: ServerSession) => Effect.Effect<void, never, R | Scope.Scope>) | undefined
  /**
   * Every server→client request a session sends (`sampling/createMessage`, `elicitation/create`,
   * `roots/list`, `ping`), once it passed the session's checks (a request refused for a capability
   * the client lacks, or one a 2026-07-28 request asks by multi round-trip, is not sent and not
   * seen): `send` sends it with the params given and waits for the client's answer, which the
   * hook returns (or fails with). Called again (a retry), it sends a new request under a fresh id
   * (a late answer to the first cannot answer it); called once the session closed or drains, it
   * fails with `SessionClosed`. It runs in the fiber of the code that asked (a
   * handler's: its services and current span are there). Outermost first, as the other hooks.
   */
  readonly onOutgoingRequest?:
    | ((
      request: OutgoingRequest,
      send: (params: JsonRpc.Params | undefined) => Effect.Effect<unknown, ClientRequestError>
    ) => Effect.Effect<unknown, ClientRequestError, R>)
    | undefined
}

/**
 * A server→client request as {@link Hooks.onOutgoingRequest} sees it.
 *
 * @since 0.2.0
 */
export type { OutgoingRequest } from "../session/ServerSession.ts"

/**
 * A middleware: a name (for logs and tests) and hooks that may need services `R`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Middleware<R = never> extends Hooks<R> {
  readonly name: string
}

/**
 * The services the hooks of a middleware `M` need (of several, a union: all of them), `never` for
 * one that needs none.
 *
 * @since 0.2.0
 * @category models
 */
export type Services<M> = M extends Middleware<infer R> ? unknown extends R ? never : R : never

/**
 * Makes a middleware.
 *
 * **Example** (Rejecting a tool and timing every request)
 *
 * ```ts
 * const Guard = Middleware.make("guard", {
 *   onCallTool: (params, context, next) =>
 *     params.name === "rm_rf" ? Effect.fail(McpError.invalidParams("not today")) : next(params),
 *   onRequest: (request, context, next) =>
 *     Effect.timed(next(request)).pipe(
 *       Effect.tap(([duration]) => Effect.log(`${request.method} took ${Duration.toMillis(duration)} ms`)),
 *       Effect.map(([, result]) => result)
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<R = never>(name: string, hooks: NoInfer<Hooks<R>>): Middleware<R>
/**
 * Makes a middleware whose services are inferred from its hooks (the `Scope` of `onSession`
 * excluded: each session gives it one). A hook other than `onSession` that needs a `Scope` is a
 * type error: wrap its work in `Effect.scoped`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function make<const H extends Hooks<any>>(name: string, hooks: H & ScopeFreeHooks<H>): Middleware<HooksServices<H>>
export function make(name: string, hooks: Hooks<any>): Middleware<any> {
  return { ...hooks, name }
}

/**
 * The services the hooks `H` need: each hook's, but the `Scope` of `onSession` (each session gives
 * it one).
 *
 * @since 0.2.0
 * @category models
 */
export type HooksServices<H> = {
  readonly [K in keyof H]-?: K extends "onSession" ? Exclude<HookServices<H[K]>, Scope.Scope> : HookServices<H[K]>
}[keyof H]

type HookServices<F> = F extends (...args: ReadonlyArray<any>) => Effect.Effect<any, any, infer R> ? unknown extends R ? never : R
  : never

/**
 * What a handler or a hook that needs a `Scope` is told, at compile time (a tool's, resource's or
 * prompt's handler, a completer, an extension's method, a middleware's hook but `onSession`): none
 * is given per request. The scope its effect would find is the session's or the server's, so what
 * it acquired would be released only when that closes (one more resource held per request). Open
 * one per request: `Effect.scoped` around what needs it.
 *
 * @since 0.2.0
 * @category models
 */
export interface NeedsEffectScoped {
  readonly "a handler or hook gets no Scope per request (only onSession has one): wrap what needs one in Effect.scoped":
    never
}

/** Nothing when no hook of `H` but `onSession` needs a `Scope`; else {@link NeedsEffectScoped} on those that do. */
type ScopeFreeHooks<H> = [ScopedHooks<H>] extends [never] ? unknown : { readonly [K in ScopedHooks<H>]: NeedsEffectScoped }

type ScopedHooks<H> = {
  readonly [K in keyof H]-?: K extends "onSession" ? never : [Extract<HookServices<H[K]>, Scope.Scope>] extends [never] ? never : K
}[keyof H]

// ---------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------

const hookKeys = [
  "onMessage",
  "onRequest",
  "onNotification",
  "onSession",
  "onOutgoingRequest",
  "onDiscover",
  ...Object.values(hookNames)
] as const

/**
 * Binds a middleware to the services its hooks need, so servers can run it: every hook's effect
 * gets `context`. Hooks that complete at once (an `Exit`) are left as they are.
 *
 * @since 0.1.0
 * @category middleware
 */
export const provide = <R>(middleware: Middleware<R>, context: Context.Context<R>): Middleware<never> => {
  if (context.mapUnsafe.size === 0) return middleware as Middleware<never>
  // What the fiber has wins over what the Layer captured (see `filled` in the server internals).
  const fill = (current: Context.Context<never>) => filled(context, current)
  const bound: Record<PropertyKey, unknown> = { name: middleware.name }
  // What a middleware says of itself under symbol keys (the tools `ToolInjection` serves) stays.
  for (const key of Object.getOwnPropertySymbols(middleware)) bound[key] = (middleware as unknown as Record<symbol, unknown>)[key]
  for (const key of hookKeys) {
    const hook = (middleware as unknown as Record<string, Hook | undefined>)[key]
    if (hook === undefined) continue
    // Fixed arity (every hook takes at most four arguments: `onNotification`'s fourth is its HTTP
    // request): no rest-args allocation per call.
    const rebinding = (a: unknown, b: unknown, c: unknown, d: unknown) => {
      const effect = hook(a, b, c, d)
      return isExit(effect) ? effect : Effect.updateContext(effect, fill as (context: Context.Context<never>) => Context.Context<any>)
    }
    // A policy carried under a symbol is trusted where `onRequest` is still its own (`ownHook.ts`).
    if (key === "onRequest") rebound(rebinding, hook)
    bound[key] = rebinding
  }
  return bound as unknown as Middleware<never>
}

type Hook = (a: unknown, b: unknown, c: unknown, d: unknown) => Effect.Effect<unknown, unknown, any>
