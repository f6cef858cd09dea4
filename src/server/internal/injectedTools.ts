/**
 * The tools middleware serves for a server beside its registry (`ToolInjection`), by name, per
 * server (its `McpServer` service). The registry does not hold them, so what a middleware reads
 * of the tool a call reaches, without calling it, is read here first: `ResponseCache` checks an
 * injected tool's `Mcp-Param-*` headers (its wire), `Authorization` the rules of its tags.
 *
 * A middleware says which tools it serves under {@link injectedToolsKey}; the server records them
 * wherever a middleware enters it (`options.middleware`, its stack, an extension's middleware),
 * so every way of using `ToolInjection.middleware` is seen, not only `ToolInjection.layer`.
 *
 * @internal
 */
import { clip } from "../../internal/clip.ts"

/** What is known of an injected tool: its name, wire description and tags. */
export interface InjectedTool {
  readonly name: string
  readonly wire: { readonly inputSchema: unknown }
  readonly tags: ReadonlyArray<string>
}

/**
 * The property of a middleware holding the tools it serves (`ToolInjection.middleware` sets it).
 * A symbol, so spreading the middleware (`{ ...m, name }`, `Middleware.make`) keeps it, as does
 * `Middleware.provide`.
 */
export const injectedToolsKey: unique symbol = Symbol.for("effect-mcp-server/injectedTools") as never

/** The tools `middleware` says it serves, if any. */
const injectedBy = (middleware: object): ReadonlyArray<InjectedTool> | undefined =>
  (middleware as { readonly [injectedToolsKey]?: ReadonlyArray<InjectedTool> })[injectedToolsKey]

/** An injected tool, and how many entries of the stack serve it (one middleware may be stacked twice). */
interface Entry {
  readonly tool: InjectedTool
  count: number
}

const injectedTools = new WeakMap<object, Map<string, Entry>>()

/**
 * Makes the tools that `middleware` inject into `server` known to {@link injectedTool}; returns
 * what forgets them (when the middleware leaves the server). A name another middleware injects
 * already throws, naming it, and nothing is recorded: two injections of one name would disagree
 * (the stack order picks the one that answers, the order they entered the one recorded here), so
 * the second fails its registration, as two component Layers of one key do. The same tool again
 * (one middleware stacked twice) is no conflict. Done when a middleware enters a server, not per
 * request.
 */
export const injectTools = (server: object, middleware: ReadonlyArray<object>): () => void => {
  const tools: Array<InjectedTool> = []
  for (const m of middleware) {
    const injected = injectedBy(m)
    if (injected !== undefined) for (const tool of injected) tools.push(tool)
  }
  if (tools.length === 0) return noop
  let byName = injectedTools.get(server)
  if (byName === undefined) injectedTools.set(server, byName = new Map())
  const names = byName
  const seen = new Map<string, InjectedTool>()
  for (const tool of tools) {
    const other = names.get(tool.name)?.tool ?? seen.get(tool.name)
    if (other !== undefined && other !== tool) throw twice(tool.name)
    seen.set(tool.name, tool)
  }
  for (const tool of tools) {
    const entry = names.get(tool.name)
    if (entry === undefined) names.set(tool.name, { tool, count: 1 })
    else entry.count++
  }
  let forgotten = false
  return () => {
    if (forgotten) return
    forgotten = true
    for (const tool of tools) {
      const entry = names.get(tool.name)
      if (entry !== undefined && entry.tool === tool && --entry.count === 0) names.delete(tool.name)
    }
  }
}

/**
 * Every tool middleware injects into `server`, in the order they entered it (what `effect-mcp
 * inspect` describes beside the registry, as `tools/list` lists them).
 */
export const injectedToolsOf = (server: object): ReadonlyArray<InjectedTool> => {
  const byName = injectedTools.get(server)
  return byName === undefined ? [] : Array.from(byName.values(), (entry) => entry.tool)
}

/** The tool of `name` a middleware injects into `server` (it shadows a registered one), if any. */
export const injectedTool = (server: object, name: string): InjectedTool | undefined =>
  injectedTools.get(server)?.get(name)?.tool

const noop = () => {}

const twice = (name: string): Error =>
  new Error(
    `Tool ${clip(name)} is injected twice (two ToolInjection middlewares give it): one would answer ` +
      `its calls while middleware (Authorization, ResponseCache) judged them by the other. Give each its own name, or inject it from one middleware.`
  )
