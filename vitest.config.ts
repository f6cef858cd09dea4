import { availableParallelism } from "node:os"
import { configDefaults, defineConfig } from "vitest/config"
import { sharedWorkerFiles } from "./test/sharedWorkerFiles.ts"
// Node's compile cache for the test workers and every process they start (servers over stdio, the
// CLI, replicas), inherited from here: a child's start is mostly compiling Effect and the library,
// which the cache halves. Imported by the support modules of some tests only, it left the others'
// children without it (test/e2e/StdioBatch.test.ts: 14.8 s of CPU without, 9 s with).
import "./test/support/compileCache.ts"

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most test files wait on child processes, sockets and timers rather than compute: vitest's
    // default of one worker per core but one left 1 worker on CI's 2 cores, the suite run one file
    // at a time (1,025 s). At least 3 workers keep both cores busy: 567 s, every test passing.
    maxWorkers: Math.max(3, availableParallelism()),
    projects: [
      // The files that touch nothing global (test/sharedWorkerFiles.ts says which and why) share
      // their workers: Effect, the library and the SDK loaded once per worker, not once per file.
      // A fresh worker per file cost about 0.9 s of CPU, 0.35 s shared (9 files importing the
      // library: 11.5 s of CPU isolated, 7.1 s shared); the run is CPU-bound on CI's 2 cores.
      { extends: true, test: { name: "shared", include: [...sharedWorkerFiles], isolate: false } },
      // The others (child processes, process.env, stdout, signals, mocks) each in a fresh worker.
      {
        extends: true,
        test: { name: "isolated", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...sharedWorkerFiles] }
      }
    ]
  }
})
