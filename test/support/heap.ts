/**
 * The heap a test measures: in use after full collections, V8's `gc` reached at run time (no
 * `--expose-gc` on the command line). For tests that bound what a server keeps (a fuzz run's
 * heap, a task's answers while its work runs).
 */
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/** The heap in use after two full collections (MB). */
export const heapAfterGc = (): number => {
  setFlagsFromString("--expose-gc")
  const gc = runInNewContext("gc") as () => void
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1e6
}
