/**
 * The tools middleware serves for a server beside its registry (`ToolInjection`), by name, per
 * server (its `McpServer` service). The registry does not hold them, so what a middleware reads
 * of the tool a call reaches, without calling it, is read here first: `ResponseCache` checks an
 * injected tool's `Mcp-Param-*` headers (its wire), `Authorization` the rules of its tags.
 *
 * @internal
 */

/** What is known of an injected tool: its name, wire description and tags. */
export interface InjectedTool {
  readonly name: string
  readonly wire: { readonly inputSchema: unknown }
  readonly tags: ReadonlyArray<string>
}

const injectedTools = new WeakMap<object, Map<string, InjectedTool>>()

/**
 * The name of one of `tools` that another Layer injects into `server` already, if any: two
 * injections of one name would disagree (the stack order picks the one that answers, the order
 * they were built the one recorded here), so the second fails its build, as two component Layers
 * of one key do. Check and {@link injectTools} with no yield between them.
 */
export const alreadyInjected = (server: object, tools: ReadonlyArray<InjectedTool>): string | undefined => {
  const names = injectedTools.get(server)
  if (names === undefined) return undefined
  for (const tool of tools) if (names.has(tool.name)) return tool.name
  return undefined
}

/**
 * Makes the tools a middleware injects into `server` known to {@link injectedTool}; returns what
 * forgets them (when the middleware's Layer goes).
 */
export const injectTools = (server: object, tools: ReadonlyArray<InjectedTool>): () => void => {
  let byName = injectedTools.get(server)
  if (byName === undefined) injectedTools.set(server, byName = new Map())
  const names = byName
  for (const tool of tools) names.set(tool.name, tool)
  return () => {
    for (const tool of tools) if (names.get(tool.name) === tool) names.delete(tool.name)
  }
}

/** The tool of `name` a middleware injects into `server` (it shadows a registered one), if any. */
export const injectedTool = (server: object, name: string): InjectedTool | undefined => injectedTools.get(server)?.get(name)
