/**
 * A server module imported by the CLI (`ServerModule.load`) must not run a server of its own as it
 * is imported: the CLI serves its exports. One that does (`McpServer.serve(...).pipe(Stdio.runMain)`
 * at its top level, without `if (import.meta.main)`) ran a second server in the CLI's process, on
 * the CLI's stdin: at the end of that input it exited the process, 0, whatever the CLI was doing
 * (`run --http` stopped as it started, `install` wrote nothing). While a module is imported so,
 * `GracefulShutdown.runMain` runs nothing and says it was called, for the CLI to refuse the module.
 *
 * @internal
 */

/**
 * The imports under way, each with whether `runMain` was called during it: kept on `globalThis`,
 * under a registered symbol, so that a module importing another copy of the package than the CLI's
 * (the CLI run from npx's cache, the module's project with its own) is guarded all the same. A set,
 * not one slot: two imports that overlap (A starts, B starts, A ends, B ends) leave none behind (one
 * slot restored as a stack kept A's, and every later `runMain` of the process ran nothing).
 */
const key = Symbol.for("effect-mcp-server/internal/mainGuard")
const state = (): Set<{ calledMain: boolean }> =>
  ((globalThis as { [key]?: Set<{ calledMain: boolean }> })[key] ??= new Set())

/**
 * Runs `load` (the import of a server module) with `runMain` refused; resolves with its value and
 * whether the module called `runMain` meanwhile.
 */
export const whileImporting = async <A>(load: () => Promise<A>): Promise<{ readonly value: A; readonly calledMain: boolean }> => {
  const importing = state()
  const current = { calledMain: false }
  importing.add(current)
  try {
    const value = await load()
    return { value, calledMain: current.calledMain }
  } finally {
    importing.delete(current)
  }
}

/** Whether `runMain` must run nothing (a server module being imported called it); notes the call. */
export const refusesMain = (): boolean => {
  const importing = state()
  if (importing.size === 0) return false
  // Which import's module called it cannot be known: each one under way is told.
  for (const each of importing) each.calledMain = true
  return true
}
