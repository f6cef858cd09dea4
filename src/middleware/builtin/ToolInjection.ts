/**
 * Tool injection: tools served by a middleware instead of the server's registry — e.g. admin or
 * diagnostic tools that exist only in one deployment, added without touching the server's
 * component Layers.
 *
 * `ToolInjection.layer(...definitions)` compiles the definitions like `McpServer.tool` does
 * (same Schemas, error rules and masking; the handlers' services are captured when the Layer is
 * built) and registers a middleware that:
 *
 * - appends their wire descriptions to `tools/list`, on the last page (the result without a
 *   `nextCursor`), and drops registered tools of the same name from every page (an injected tool
 *   shadows a registered one);
 * - advertises the `tools` capability (in `initialize`, and in 2026-07-28's `server/discover`)
 *   when the server has no tools of its own;
 * - answers `tools/call` for their names, and calls `next` for every other name. A 2026-07-28
 *   call over Streamable HTTP is checked against its `Mcp-Param-*` headers as a registered
 *   tool's is (a mismatch is -32020).
 *
 * Injected tools are never in `server.tools`: they are not counted by it, and adding or removing
 * them sends no `list_changed`. They never run as tasks: their `execution` is not listed, and a
 * task-augmented call (MCP 2025-11-25's `params.task`) is refused with -32601 without running
 * where the server takes task-augmented tool calls (`tasks.requests.tools.call`), as the server
 * refuses its own tools whose `taskSupport` is "forbidden"; elsewhere the `task` field is ignored,
 * as by a server without that capability.
 *
 * **Example** (An admin tool for one deployment)
 *
 * ```ts
 * const Admin = ToolInjection.layer({
 *   name: "admin_flush_cache",
 *   handler: () => Effect.as(Cache.flush, "flushed")
 * })
 * McpServer.serve(options, Layer.mergeAll(Tools, Admin), Stdio.make())
 * ```
 *
 * **Gotchas**
 *
 * The stack position is that of the Layer: middlewares added before it (outside) see injected
 * tool calls in their `onCallTool`, those added after it (inside) do not. This holds when the
 * server serves no tools of its own too: the middleware then advertises the `tools` capability
 * in `initialize`, and the server still runs every typed hook around its (missing) handlers, so
 * Authorization, RateLimit and the others outside it see the injected tools.
 *
 * A name another `ToolInjection` Layer (or middleware) injects already fails the Layer's build (as
 * two component Layers of one name do); injecting a registered tool's name shadows it, as said above.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import { clip } from "../../internal/clip.ts"
import { isExit } from "../../internal/isExit.ts"
import { forLog } from "../../internal/loggedCause.ts"
import * as McpError from "../../protocol/McpError.ts"
import * as Schemas from "../../protocol/internal/mcpSchemas.ts"
import { featuresOf } from "../../protocol/versions/Projection.ts"
import type { ClientRequestResult, ServerCapabilities, Tool as WireTool } from "../../protocol/McpSchema.ts"
import * as McpServer from "../../server/McpServer.ts"
import { type InjectedTool, injectedToolsKey } from "../../server/internal/injectedTools.ts"
import { headerMismatch, wireOf } from "../../server/internal/paramHeaders.ts"
import * as Tool from "../../server/Tool.ts"
import type { McpRequestContext, RequestContext } from "../../session/RequestContext.ts"
import * as Middleware from "../Middleware.ts"

/**
 * Any tool definition (what {@link layer} accepts).
 *
 * @since 0.1.0
 * @category models
 */
export type AnyDefinition = Tool.Definition<any, any, any, any>

/**
 * The services the handlers of `D` need (beyond the request context, which is provided).
 *
 * @since 0.1.0
 * @category models
 */
export type Services<D> = D extends Tool.Definition<any, any, any, infer R> ? Exclude<R, McpRequestContext> : never

/**
 * A tool definition with its types checked, for use with {@link layer}: the handler's parameters
 * are typed from `parameters` (inside `layer(...)` itself they are not).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tool = <
  const P extends Tool.Parameters | undefined = undefined,
  S extends Tool.EncodedWithoutServices | undefined = undefined,
  F extends Tool.EncodedWithoutServices | undefined = undefined,
  R = never
>(definition: Tool.Definition<P, S, F, R> & McpServer.ScopeFree<R, "handler">): Tool.Definition<P, S, F, R> => definition

/**
 * A Layer that serves the given tools from a middleware while it is alive (see the module
 * documentation). Needs the server and the services of the tools' handlers.
 *
 * **Example** (A tool served from a middleware)
 *
 * ```ts
 * const Admin = ToolInjection.layer(ToolInjection.tool({
 *   name: "flush_cache",
 *   handler: () => Effect.as(Cache.flush, "flushed")
 * }))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <const Definitions extends ReadonlyArray<AnyDefinition>>(
  ...definitions: Definitions
): Layer.Layer<never, never, McpServer.McpServer | Services<Definitions[number]>> =>
  McpServer.middlewareFrom(Effect.gen(function*() {
    const server = yield* McpServer.McpServer
    const context = yield* Effect.context<never>()
    const masking: Tool.ErrorMasking = {
      maskErrors: server.options.maskErrors !== false,
      dereferenceSchemas: server.options.dereferenceSchemas !== false
    }
    const tools = definitions.map((definition) => Tool.compile(definition, context as Context.Context<any>, masking))
    // As `McpServer.tool`: a name against MCP's naming rule, or invalid `x-mcp-header`
    // declarations, are served, with a warning.
    for (const tool of tools) {
      for (const warning of Tool.warningsOf(tool)) yield* Effect.logWarning(warning)
    }
    // The server records its tools as it stacks it (see `middleware`); a name another
    // ToolInjection injects already fails the build there.
    return middleware(tools)
  })) as Layer.Layer<never, never, McpServer.McpServer | Services<Definitions[number]>>

/**
 * The middleware serving already compiled tools (what {@link layer} registers). Two tools of the
 * same name are a defect.
 *
 * However it reaches a server (`McpServer.middleware`, `options.middleware`, an extension's
 * middleware; spread into another middleware object too), the server records its tools while it
 * is there, for the middleware that judge a call without calling it: `Authorization` (the rules of
 * their tags) and `ResponseCache` (their `Mcp-Param-*` headers). A tool name another
 * `ToolInjection` middleware in the same server injects already fails its registration (the
 * Layer's build, the server's for `options.middleware`). A middleware of your own that calls its
 * hooks without being it is not seen: its tools are judged as unknown ones (untagged).
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = (tools: ReadonlyArray<Tool.Registered>): Middleware.Middleware<never> => {
  const byName = new Map<string, Tool.Registered>()
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`ToolInjection: two tools are named ${JSON.stringify(tool.name)}`)
    byName.set(tool.name, tool)
  }
  // Built at the first listing, as the server builds its own tools' (not at start, see
  // `Tool.compile`). An injected tool never runs as a task (its call is answered here, not by the
  // server's task machinery): its `execution` would promise what it does not do, as the server
  // drops a tool's own without the tasks capability.
  let described: Exit.Exit<ReadonlyArray<WireTool>> | undefined
  /**
   * The injected tools' wire descriptions, built once. One that cannot be described (a Schema
   * Effect cannot turn into JSON Schema) is left out, logged naming it as the list is built, as the
   * server leaves out its own (its call is refused by `Tool.compile`'s); it failed the Layer's
   * build with an unnamed TypeError.
   */
  const wires = (): Effect.Effect<ReadonlyArray<WireTool>> => {
    if (described !== undefined) return described
    const listed: Array<WireTool> = []
    let undescribed: Array<readonly [string, unknown]> | undefined
    for (const tool of tools) {
      try {
        listed.push(withoutExecution(tool.wire))
      } catch (error) {
        ;(undescribed ??= []).push([tool.name, error])
      }
    }
    described = Exit.succeed(listed)
    if (undescribed === undefined) return described
    return Effect.as(
      Effect.forEach(undescribed, ([name, error]) =>
        Effect.logError(
          `effect-mcp-server: tool ${clip(name, 64)} cannot be described to clients and is left out of the list`,
          forLog(Cause.die(error))
        ), { discard: true }),
      listed
    )
  }

  type ListResult = ClientRequestResult<"tools/list">
  const withInjected = (result: ListResult): Effect.Effect<ListResult> => {
    const own = result.tools.some((tool) => byName.has(tool.name))
      ? result.tools.filter((tool) => !byName.has(tool.name))
      : result.tools
    if (result.nextCursor !== undefined) return Exit.succeed(own === result.tools ? result : { ...result, tools: own })
    return mapInline(wires(), (wires) => ({ ...result, tools: [...own, ...wires] }))
  }

  /**
   * The list of a server without tools of its own: the injected tools, on one page. A cursor is
   * one nobody gave (-32602, as the server answers an unknown cursor), never the first page again.
   */
  const alone = (cursor: string | undefined): Effect.Effect<ListResult, McpError.McpError> =>
    cursor === undefined
      ? mapInline(wires(), (tools) => ({ tools }))
      : Exit.fail(McpError.invalidParams(`Invalid cursor: ${clip(cursor)}`))

  /**
   * Answers `tools/list` and `tools/call` when the server has no handlers for them (as the
   * server would: an unknown tool is -32602).
   */
  const fallback = (request: JsonRpc.Request, context: RequestContext): Effect.Effect<unknown, McpError.McpError> => {
    if (request.method === "tools/list") {
      const params = decodeListParams(request.params ?? {})
      if (params._tag === "Failure") return McpError.decodeFailure("params for tools/list", params.cause)
      return alone(params.value.cursor)
    }
    const params = decodeCallParams(request.params ?? {})
    if (params._tag === "Failure") return McpError.decodeFailure("params for tools/call", params.cause)
    const tool = byName.get(params.value.name)
    if (tool === undefined) return Exit.fail(McpError.invalidParams(`Unknown tool: ${clip(params.value.name)}`))
    return call(tool, params.value.arguments, context)
  }

  const made = Middleware.make("tool-injection", {
    onInitialize: (params, _context, next) => mapInline(next(params), withTools),
    // MCP 2026-07-28 says up front what `initialize` said: a server without tools of its own
    // serves the injected ones in that era too.
    onDiscover: (params, _context, next) => mapInline(next(params), withTools),
    onListTools: (params, _context, next): Effect.Effect<ListResult, McpError.McpError> => {
      const listed: Effect.Effect<ListResult, McpError.McpError> = next(params)
      // A server without tools of its own: the injected tools are the list.
      const isMissing = (error: McpError.McpError) => error._tag === "MethodNotFound" && error.method === "tools/list"
      if (isExit(listed)) {
        const error = Exit.findErrorOption(listed as Exit.Exit<ListResult, McpError.McpError>)
        if (Option.isSome(error) && isMissing(error.value)) return alone(params.cursor)
        return flatMapInline(listed as Effect.Effect<ListResult, McpError.McpError>, withInjected)
      }
      return Effect.catchIf(Effect.flatMap(listed, withInjected), isMissing, () => alone(params.cursor))
    },
    onCallTool: (params, context, next) => {
      const tool = byName.get(params.name)
      if (tool === undefined) return next(params)
      // MCP 2025-11-25 (the only version with `params.task`): asked to run as a task.
      return params.task !== undefined && featuresOf(context.protocolVersion).taskMethods
        ? callAsTask(tool, params.arguments, context)
        : call(tool, params.arguments, context)
    },
    onRequest: (request, context, next) => {
      const effect: Effect.Effect<unknown, McpError.McpError> = next(request)
      if (request.method !== "tools/call" && request.method !== "tools/list") return effect
      const isMissing = (error: McpError.McpError) => error._tag === "MethodNotFound" && error.method === request.method
      if (isExit(effect)) {
        const error = Exit.findErrorOption(effect as Exit.Exit<unknown, McpError.McpError>)
        return Option.isSome(error) && isMissing(error.value) ? fallback(request, context) : effect
      }
      return Effect.catchIf(effect, isMissing, () => fallback(request, context))
    }
  })
  // What the server records of it when it enters one (see `server/internal/injectedTools.ts`).
  return Object.assign(made, { [injectedToolsKey]: tools as ReadonlyArray<InjectedTool> })
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * Calls an injected tool as the server calls its own: a 2026-07-28 call over HTTP whose
 * `Mcp-Param-*` headers disagree with its arguments is refused (-32020, SEP-2243), by the check the
 * server's `tools/call` handler runs (an injected tool never reaches that handler).
 */
const call = (tool: Tool.Registered, args: unknown, context: RequestContext): ReturnType<Tool.Registered["call"]> => {
  const wire = context.http === undefined ? undefined : wireOf(tool)
  const mismatch = wire === undefined ? undefined : headerMismatch(wire, args, context)
  return mismatch === undefined ? tool.call(args, context) : Exit.fail(mismatch)
}

/**
 * A task-augmented call of an injected tool (MCP 2025-11-25): refused with -32601, without
 * running, where the server takes task-augmented calls (`tasks.requests.tools.call`: it has tasks
 * and a tool that supports them), as it refuses its own tools whose `taskSupport` is "forbidden"
 * (an injected tool never runs as a task); elsewhere the `task` field is ignored, as the spec
 * directs a server without that capability to, and the tool runs.
 */
const callAsTask = (tool: Tool.Registered, args: unknown, context: RequestContext): ReturnType<Tool.Registered["call"]> =>
  Effect.flatMap(Effect.serviceOption(McpServer.McpServer), (server) =>
    Option.isSome(server) && takesToolTasks(server.value)
      ? Exit.fail(McpError.taskSupportMismatch(`Tool ${tool.name} does not support task-augmented execution`))
      : call(tool, args, context))

/** Whether `server` advertises `tasks.requests.tools.call` (the rule of its `tools/call` handler). */
const takesToolTasks = (server: McpServer.McpServer["Service"]): boolean =>
  server.options.tasks !== undefined && server.tools.list().some((entry) => entry.value.taskSupport !== "forbidden")

const decodeCallParams = Schema.decodeUnknownExit(Schemas.CallToolRequestParams())
const decodeListParams = Schema.decodeUnknownExit(Schemas.PaginatedRequestParams())

/** Capabilities that advertise `tools` (a server without tools of its own serves the injected ones). */
const withTools = <A extends { readonly capabilities: ServerCapabilities }>(result: A): A =>
  result.capabilities.tools !== undefined ? result : { ...result, capabilities: { ...result.capabilities, tools: {} } }

/** A wire description without `execution` (see `middleware`). */
const withoutExecution = (wire: WireTool): WireTool => {
  if (wire.execution === undefined) return wire
  const { execution: _, ...rest } = wire
  return rest
}

/** `Effect.flatMap` that keeps an already-completed effect completed when `f`'s is (see {@link mapInline}). */
const flatMapInline = <A, B, E, E2>(effect: Effect.Effect<A, E>, f: (a: A) => Effect.Effect<B, E2>): Effect.Effect<B, E | E2> => {
  if (!isExit(effect)) return Effect.flatMap(effect, f)
  const exit = effect as Exit.Exit<A, E>
  return exit._tag === "Success" ? f(exit.value) : (exit as unknown as Exit.Exit<B, E>)
}

/** `Effect.map` that keeps an already-completed effect completed (the session's inline path). */
const mapInline = <A, B, E>(effect: Effect.Effect<A, E>, f: (a: A) => B): Effect.Effect<B, E> => {
  if (!isExit(effect)) return Effect.map(effect, f)
  const exit = effect as Exit.Exit<A, E>
  return exit._tag === "Success" ? Exit.succeed(f(exit.value)) : (exit as unknown as Exit.Exit<B, E>)
}

