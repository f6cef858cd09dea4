/**
 * The `Mcp-Param-*` check of a 2026-07-28 `tools/call` over HTTP (SEP-2243), shared by the
 * `tools/call` handler and the middlewares that may answer a call without it (`ResponseCache`,
 * `ToolInjection`): a call whose mirrored headers disagree with its arguments is refused wherever
 * it is answered.
 *
 * @internal
 */
import * as McpError from "../../protocol/McpError.ts"
import * as ParamHeaders from "../../protocol/ParamHeaders.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import { injectedTool } from "./injectedTools.ts"

/** What the check needs of a tool: its wire description's input schema. */
type Wire = { readonly inputSchema: unknown }

const paramHeaderCache = new WeakMap<object, ReadonlyArray<ParamHeaders.ParamHeader>>()

/**
 * The wire description of the tool a call of `name` on `server` reaches: an injected one (it
 * shadows a registered tool of the same name), else the registry's.
 */
export const toolWire = (
  server: { readonly tools: { readonly get: (name: string) => { readonly wire: Wire } | undefined } },
  name: string
): Wire | undefined => {
  const tool = injectedTool(server, name) ?? server.tools.get(name)
  return tool === undefined ? undefined : wireOf(tool)
}

/**
 * A tool's wire description; `undefined` when it cannot be built (a Schema of it Effect cannot
 * turn into JSON Schema): nothing to check then, the tool's own call refuses it, naming it.
 */
export const wireOf = (tool: { readonly wire: Wire }): Wire | undefined => {
  try {
    return tool.wire
  } catch {
    return undefined
  }
}

/** The `Mcp-Param-*` headers a tool declares, computed once per tool. */
const paramHeadersOf = (wire: Wire): ReadonlyArray<ParamHeaders.ParamHeader> => {
  let headers = paramHeaderCache.get(wire)
  if (headers === undefined) paramHeaderCache.set(wire, headers = ParamHeaders.paramHeadersOf(wire.inputSchema))
  return headers
}

/**
 * The -32020 of a call of the tool described by `wire` whose `Mcp-Param-*` headers disagree with
 * `args`; `undefined` when they agree, or when the request is not a 2026-07-28 one over HTTP.
 */
export const headerMismatch = (
  wire: Wire,
  args: unknown,
  context: RequestContext
): McpError.HeaderMismatch | undefined => {
  const http = context.http
  if (http === undefined || !ProtocolVersion.isModern(context.protocolVersion)) return undefined
  const mirrored = paramHeadersOf(wire)
  const problem = mirrored.length === 0 ? undefined : ParamHeaders.check(mirrored, args, (name) => http.header(name))
  return problem === undefined ? undefined : McpError.withoutStackTrace(() => new McpError.HeaderMismatch({ message: problem }))
}
