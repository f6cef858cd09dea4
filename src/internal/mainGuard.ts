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

/** The import under way, and whether `runMain` was called during it. */
let importing: { calledMain: boolean } | undefined

/**
 * Runs `load` (the import of a server module) with `runMain` refused; resolves with its value and
 * whether the module called `runMain` meanwhile.
 */
export const whileImporting = async <A>(load: () => Promise<A>): Promise<{ readonly value: A; readonly calledMain: boolean }> => {
  const current = { calledMain: false }
  const previous = importing
  importing = current
  try {
    const value = await load()
    return { value, calledMain: current.calledMain }
  } finally {
    importing = previous
  }
}

/** Whether `runMain` must run nothing (a server module being imported called it); notes the call. */
export const refusesMain = (): boolean => {
  if (importing === undefined) return false
  importing.calledMain = true
  return true
}
