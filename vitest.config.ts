import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
// Node's compile cache for the test workers and every process they start (servers over stdio, the
// CLI, replicas), inherited from here: a child's start is mostly compiling Effect and the library,
// which the cache halves. Imported by the support modules of some tests only, it left the others'
// children without it (test/e2e/StdioBatch.test.ts: 14.8 s of CPU without, 9 s with).
import "./test/support/compileCache.ts"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most test files wait on child processes, sockets and timers rather than compute: vitest's
    // default of one worker per core but one left 1 worker on CI's 2 cores, the suite run one file
    // at a time (1,025 s). At least 3 workers keep both cores busy: 567 s, every test passing.
    maxWorkers: Math.max(3, availableParallelism())
  }
})
