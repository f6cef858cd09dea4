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

const paramHeaderCache = new WeakMap<object, ReadonlyArray<ParamHeaders.ParamHeader>>()

/** The `Mcp-Param-*` headers a tool declares, computed once per tool. */
const paramHeadersOf = (wire: { readonly inputSchema: unknown }): ReadonlyArray<ParamHeaders.ParamHeader> => {
  let headers = paramHeaderCache.get(wire)
  if (headers === undefined) paramHeaderCache.set(wire, headers = ParamHeaders.paramHeadersOf(wire.inputSchema))
  return headers
}

/**
 * The -32020 of a call of the tool described by `wire` whose `Mcp-Param-*` headers disagree with
 * `args`; `undefined` when they agree, or when the request is not a 2026-07-28 one over HTTP.
 */
export const headerMismatch = (
  wire: { readonly inputSchema: unknown },
  args: unknown,
  context: RequestContext
): McpError.HeaderMismatch | undefined => {
  const http = context.http
  if (http === undefined || !ProtocolVersion.isModern(context.protocolVersion)) return undefined
  const mirrored = paramHeadersOf(wire)
  const problem = mirrored.length === 0 ? undefined : ParamHeaders.check(mirrored, args, (name) => http.header(name))
  return problem === undefined ? undefined : McpError.withoutStackTrace(() => new McpError.HeaderMismatch({ message: problem }))
}
