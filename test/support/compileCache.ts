/**
 * Imported for its effect: the Node child processes the tests start (servers, the CLI, replicas)
 * use Node's compile cache, one folder for all of them. A child's start is mostly parsing and
 * compiling the library and Effect; the cache (V8 code, keyed by each file's content: a changed
 * file is compiled again) halves its CPU time from the second start on. Set only where the test
 * run did not set it already; children given an environment of their own do without it.
 * vitest.config.ts imports it, so that the workers, and all they start, inherit it; the support
 * modules that import it keep it set when run otherwise.
 */
import { tmpdir } from "node:os"
import { join } from "node:path"

process.env["NODE_COMPILE_CACHE"] ??= join(tmpdir(), "effect-mcp-server-tests-compile-cache")

/**
 * `env`, a child's whole environment, with the compile cache added: for the SDK clients'
 * `StdioClientTransport`, which passes a few variables only (`getDefaultEnvironment()`: HOME,
 * PATH, …) when given none, and exactly `env` when given one.
 */
export const withCompileCache = (env: Record<string, string>): Record<string, string> =>
  process.env["NODE_COMPILE_CACHE"] === undefined ? env : { ...env, NODE_COMPILE_CACHE: process.env["NODE_COMPILE_CACHE"] }
