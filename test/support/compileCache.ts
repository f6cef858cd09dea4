/**
 * Imported for its effect: the Node child processes the tests start (servers, the CLI, replicas)
 * use Node's compile cache, one folder for all of them. A child's start is mostly parsing and
 * compiling the library and Effect; the cache (V8 code, keyed by each file's content: a changed
 * file is compiled again) halves its CPU time from the second start on, within a test run. Set
 * only where the test run did not set it already; children given an environment of their own do
 * without it. vitest.config.ts imports it, so that the workers, and all they start, inherit it;
 * the support modules that import it keep it set when run otherwise.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

// One folder per test run, removed as the process that made it exits (vitest's main process: the
// workers and children inherit the variable). One folder for every run grew without end: its
// entries are by file path, and the tests make projects under fresh temporary paths each run
// (223 MB, 27,500 files in a day of runs on one machine). A run's own children share it.
if (process.env["NODE_COMPILE_CACHE"] === undefined) {
  const folder = mkdtempSync(join(tmpdir(), "effect-mcp-server-tests-compile-cache-"))
  process.env["NODE_COMPILE_CACHE"] = folder
  process.once("exit", () => rmSync(folder, { recursive: true, force: true }))
}

/**
 * `env`, a child's whole environment, with the compile cache added: for the SDK clients'
 * `StdioClientTransport`, which passes a few variables only (`getDefaultEnvironment()`: HOME,
 * PATH, …) when given none, and exactly `env` when given one.
 */
export const withCompileCache = (env: Record<string, string>): Record<string, string> =>
  process.env["NODE_COMPILE_CACHE"] === undefined ? env : { ...env, NODE_COMPILE_CACHE: process.env["NODE_COMPILE_CACHE"] }
