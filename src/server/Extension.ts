/**
 * Extensions (SEP-2133): a named, optional addition to MCP that a server declares in
 * `capabilities.extensions[id]` (its settings object, `{}` for none) and that may add methods of its
 * own. The tasks extension (`io.modelcontextprotocol/tasks`) and skills
 * (`io.modelcontextprotocol/skills`) are built on this module; a user's own extension is built the
 * same way.
 *
 * An extension is a value: its id, settings, the protocol versions it is served to, whether a
 * request must declare it (in its client capabilities) to use its methods, its methods (params
 * Schema + handler, like a core method's), and middleware. Register it with `McpServer.extension`
 * (a Layer, like components and middleware); components it needs (tools, resources) are ordinary
 * Layers beside it. Its methods go through the server's middleware like core methods: every
 * `onMessage` and `onRequest` hook sees them (the typed per-method hooks exist for core methods
 * only).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Schema from "effect/Schema"
 * import { Extension, McpServer } from "effect-mcp-server"
 *
 * // A server-side extension with one method, declared as `{ units: "metric" }`.
 * const Weather = Extension.make({
 *   id: "com.example/weather",
 *   settings: { units: "metric" },
 *   methods: {
 *     "weather/current": Extension.method({
 *       params: Schema.Struct({ city: Schema.String }),
 *       handler: ({ city }) => Effect.succeed({ city, celsius: 21 })
 *     })
 *   }
 * })
 *
 * const Layers = McpServer.extension(Weather)
 * ```
 *
 * @since 0.2.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as McpError from "../protocol/McpError.ts"
import { isExit } from "../internal/isExit.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import type * as Middleware from "../middleware/Middleware.ts"
import type { McpRequestContext, RequestContext } from "../session/RequestContext.ts"
import { withRequest } from "./internal/provideRequest.ts"

/**
 * One method of an extension: its params Schema (decoded once per request; an invalid params
 * object is answered -32602) and its handler. The handler runs with the request's
 * `McpRequestContext`, as a tool's does: `McpContext.log`, `progress`, `elicit`... work in it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Method<R = never> {
  readonly params: Schema.Top
  readonly handler: (params: any, context: RequestContext) => Effect.Effect<object, McpError.McpError, R>
}

/**
 * Builds a {@link Method} with its handler typed by the params Schema. The `McpRequestContext` its
 * handler needs (`McpContext`) is the server's to give, not a requirement of the extension.
 *
 * @since 0.2.0
 * @category constructors
 */
export const method = <S extends Schema.Top & { readonly DecodingServices: never }, A extends object, R = never>(
  definition: {
    readonly params: S
    readonly handler: (params: S["Type"], context: RequestContext) => Effect.Effect<A, McpError.McpError, R>
  } & ([Extract<R, Scope.Scope>] extends [never] ? unknown : { readonly handler: Middleware.NeedsEffectScoped })
): Method<Exclude<R, McpRequestContext>> => definition as unknown as Method<Exclude<R, McpRequestContext>>

/**
 * The protocol versions an extension is served to: `"modern"` only to MCP 2026-07-28 requests
 * (the tasks extension: 2025-11-25 has core tasks instead), `"all"` to every version (declared in
 * `initialize` as well as in `server/discover`).
 *
 * @since 0.2.0
 * @category models
 */
export type Versions = "modern" | "all"

/**
 * An extension; see the module documentation.
 *
 * @since 0.2.0
 * @category models
 */
export interface Extension<R = never> {
  /** The extension identifier, `<vendor-prefix>/<name>` (e.g. `io.modelcontextprotocol/tasks`). */
  readonly id: string
  /** Its settings, advertised inline as `capabilities.extensions[id]` (default `{}`). */
  readonly settings?: { readonly [key: string]: unknown } | undefined
  /** Which requests see it (default `"all"`). */
  readonly versions?: Versions | undefined
  /**
   * Whether a request must declare the extension in its client capabilities
   * (`clientCapabilities.extensions[id]`) to call its methods: otherwise -32021 with
   * `data.requiredCapabilities.extensions[id]` (default false). Checked for MCP 2026-07-28
   * requests, whose capabilities are per request.
   */
  readonly requireDeclaration?: boolean | undefined
  /**
   * Methods the extension adds, by name. `initialize` and `server/discover` are refused, and so is
   * a method the server already serves, when the server builds its routes (at the first session).
   * A `"modern"` extension's method instead takes precedence, for 2026-07-28 requests, over a
   * 2025-era method of the same name (how the tasks extension's `tasks/get` replaces 2025-11-25's
   * there).
   */
  readonly methods?: { readonly [method: string]: Method<R> } | undefined
  /**
   * Component kinds the extension relies on, advertised (and their methods served) by an
   * `McpServer` even while none is registered, as its `capabilities` option does: the skills
   * extension has `{ resources: true }` (SEP-2640: a server that declares it declares `resources`,
   * with no skill as with many). A `LowLevelServer` is given its handlers, and so its
   * capabilities, directly.
   */
  readonly advertise?: {
    readonly tools?: boolean | undefined
    readonly resources?: boolean | undefined
    readonly prompts?: boolean | undefined
  } | undefined
  /** Middleware the extension brings (after the server's own, in the order given). */
  readonly middleware?: ReadonlyArray<Middleware.Middleware<R>> | undefined
}

/**
 * Declares an extension (checks its id and returns it). Its methods and middleware may each need
 * services of their own: the extension needs all of them (inferred; or given, `make<R>(...)`).
 *
 * @since 0.2.0
 * @category constructors
 */
export function make<RM = {}, RW extends ReadonlyArray<unknown> = []>(
  extension: Omit<Extension<never>, "methods" | "middleware"> & {
    readonly methods?: { readonly [M in keyof RM]: Method<RM[M]> } | undefined
    readonly middleware?: { readonly [I in keyof RW]: Middleware.Middleware<RW[I]> } | undefined
  }
): Extension<{ readonly [M in keyof RM]: Known<RM[M]> }[keyof RM] | { readonly [I in keyof RW]: Known<RW[I]> }[number]>
/**
 * Declares an extension whose services `R` are written out (`make<R>(...)`), for methods and
 * middleware typed apart; checks its id (`"<vendor-prefix>/<name>"`) and returns it.
 *
 * @since 0.2.0
 * @category constructors
 */
export function make<R>(extension: Extension<R>): Extension<R>
export function make(extension: Extension<any>): Extension<any> {
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(extension.id)) {
    throw new Error(`Extension: the id must be "<vendor-prefix>/<name>", got ${JSON.stringify(extension.id)}`)
  }
  return extension
}

/** `R` without the `unknown` of a method or middleware whose services nothing said (it needs none). */
type Known<R> = unknown extends R ? never : R

/**
 * Whether `context`'s request declared the extension `id` in its client capabilities (for a
 * 2025-era session: in `initialize`).
 *
 * @since 0.2.0
 * @category predicates
 */
export const isDeclared = (context: RequestContext, id: string): boolean => {
  const extensions = (context.clientCapabilities as { readonly extensions?: { readonly [id: string]: unknown } })
    .extensions
  return extensions !== undefined && typeof extensions[id] === "object" && extensions[id] !== null
}

/**
 * -32021 for a request that did not declare extension `id`: `data.requiredCapabilities` is
 * `{ extensions: { [id]: {} } }`. Built without a stack trace (`McpError.withoutStackTrace`): the
 * client's failure, which it may cause as often as it likes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const notDeclared = (id: string, message?: string): McpError.MissingRequiredClientCapability =>
  McpError.withoutStackTrace(() =>
    new McpError.MissingRequiredClientCapability({
      requiredCapabilities: { extensions: { [id]: {} } },
      message: message ?? `This request needs the client capability extensions["${id}"]`
    })
  )

/**
 * Whether an extension is served to a request of `version`. @internal
 *
 * @since 0.2.0
 * @category predicates
 */
export const servesVersion = (extension: Extension<any>, version: ProtocolVersion.ProtocolVersion): boolean =>
  extension.versions !== "modern" || ProtocolVersion.isModern(version)

/**
 * Why a request of `context` may not call the extension's method `name`, whatever its params:
 * -32601 for a version the extension is not served to, -32021 for an undeclared extension when
 * required; `undefined` when it may. The low-level server asks it before answering -32602 to
 * params that do not decode (the resolver's order: the capability before the params).
 *
 * @internal
 *
 * @since 0.2.0
 * @category constructors
 */
export const refusal = (
  extension: Extension<never>,
  name: string,
  context: RequestContext
): Exit.Exit<never, McpError.McpError> | undefined => {
  if (!servesVersion(extension, context.protocolVersion)) return Exit.fail(McpError.methodNotFound(name))
  if (
    extension.requireDeclaration === true && ProtocolVersion.isModern(context.protocolVersion) &&
    !isDeclared(context, extension.id)
  ) {
    return Exit.fail(notDeclared(extension.id, `${name} needs the ${extension.id} extension: declare it in clientCapabilities.extensions`))
  }
  return undefined
}

/**
 * The handler of one method as the low-level server routes it: refused as {@link refusal} says
 * (checked again here, after the typed middleware, which sees well-formed requests).
 *
 * @internal
 *
 * @since 0.2.0
 * @category extensions
 */
export const routeHandler = (
  extension: Extension<never>,
  name: string,
  handler: Method<never>["handler"]
) =>
(params: unknown, context: RequestContext): Effect.Effect<object, McpError.McpError> => {
  const refused = refusal(extension, name, context)
  if (refused !== undefined) return refused
  // The method's effect runs with its request as `McpRequestContext` (`McpContext.log`...), as a
  // tool handler's does, whichever server serves it; one that answered at once needs nothing.
  const effect = handler(params, context)
  return isExit(effect)
    ? effect
    : Effect.updateContext(effect, (current: Context.Context<never>) => withRequest(current, context) as Context.Context<any>)
}

/**
 * `capabilities.extensions` for a request of `version`: each extension served to it, by id.
 *
 * @internal
 *
 * @since 0.2.0
 * @category extensions
 */
export const capabilitiesFor = (
  extensions: ReadonlyArray<Extension<any>>,
  modern: boolean
): { readonly [id: string]: object } | undefined => {
  let out: Record<string, object> | undefined
  for (const extension of extensions) {
    if (!modern && extension.versions === "modern") continue
    ;(out ??= {})[extension.id] = extension.settings ?? {}
  }
  return out
}

/**
 * Provides `context` to an extension's methods and middleware (what `McpServer.extension` does);
 * the request's `McpRequestContext` is given where every server routes a method (`routeHandler`).
 *
 * @internal
 *
 * @since 0.2.0
 * @category extensions
 */
export const provide = <R>(
  extension: Extension<R>,
  provideEffect: <A, E>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E>,
  provideMiddleware: (middleware: Middleware.Middleware<R>) => Middleware.Middleware<never>
): Extension<never> => ({
  ...extension,
  methods: extension.methods === undefined ? undefined : Object.fromEntries(
    Object.entries(extension.methods).map(([name, m]) => [name, {
      params: m.params,
      handler: (params: unknown, context: RequestContext) => provideEffect(m.handler(params, context))
    }])
  ),
  middleware: extension.middleware?.map(provideMiddleware)
})
