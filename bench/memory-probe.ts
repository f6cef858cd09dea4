/**
 * Preloaded into the soak's server child (`node --import ./bench/memory-probe.ts`): once a second it
 * writes the child's `process.memoryUsage()` as one JSON object to the file named by
 * `SOAK_MEMORY_FILE` (replaced whole each time), so the soak can tell the V8 heap from native
 * memory (buffers, sockets, the allocator) without asking the server anything over the protocol.
 * Does nothing when the variable is not set. The timer is unref'd: it never keeps the child alive.
 */
import { renameSync, writeFileSync } from "node:fs"

const file = process.env.SOAK_MEMORY_FILE
if (file !== undefined && file !== "") {
  const write = () => {
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()))
      renameSync(`${file}.tmp`, file)
    } catch {
      // the soak may have removed its directory at the end
    }
  }
  write()
  setInterval(write, 1_000).unref()
}
