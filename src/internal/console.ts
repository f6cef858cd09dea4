/**
 * Sends what `console` writes to stdout to stderr, for a process whose stdout carries the MCP
 * protocol (a stdio server): a stray `console.log` in a handler would otherwise write a line that
 * is no JSON-RPC message into the stream. `console.log`, `info`, `debug`, `dir` and `dirxml`, and
 * what writes through `console.log` (`table`, `count`, `group`, `timeEnd`…).
 *
 * @internal
 */
import type * as Util from "node:util"

/** Redirects them (idempotent: the console's own `error` is what they become). */
export const redirectConsoleToStderr = (): void => {
  // The console's own `error`: its group indentation stays.
  const toStderr = console.error.bind(console)
  console.log = toStderr
  console.info = toStderr
  console.debug = toStderr
  // Node writes these to stdout by their own paths, not through `console.log` (`dirxml` is `log`
  // under another name, bound before it was replaced). `node:util` is loaded at the first
  // `console.dir`, not with the server (see `nodeCrypto`).
  console.dirxml = toStderr
  console.dir = (item, options) =>
    toStderr((process.getBuiltinModule("node:util") as typeof Util).inspect(item, { customInspect: false, ...options }))
}
