/**
 * The Node.js versions the package supports (`engines.node` in package.json: 22.19.0 or newer),
 * checked by the `effect-mcp` bin before it does anything: on an older Node most of it loads and
 * then misbehaves (a `.ts` server module does not load, `dev` never restarts, a server module's
 * `import.meta.main` guard is always false), which says nothing of the cause. A server's main
 * program (`GracefulShutdown.runMain`, `Stdio.runMain`) warns once on such a Node and runs on:
 * much of the package works there (Node 20.20 serves), and what fails (`process.getBuiltinModule`
 * before 20.16, deep in a module) is then explained by the line before it.
 *
 * @internal
 */

/** The oldest supported version, as `engines.node` names it. */
export const oldest = "22.19.0"

const floor = oldest.split(".").map(Number) as [number, number, number]

/** Whether `version` (`process.versions.node`, e.g. `"24.2.0"`; a leading `v` is taken) is supported. */
export const isSupported = (version: string): boolean => {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (match === null) return true // not a version Node would report: nothing to say of it
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return major !== floor[0] ? major > floor[0] : minor !== floor[1] ? minor > floor[1] : patch >= floor[2]
}

/** What the bin prints on an unsupported Node. */
export const refusal = (version: string): string =>
  `effect-mcp: Node.js ${oldest} or newer is needed; this is Node.js ${version} (${process.execPath}).\n`

/** What a server's main program prints on an unsupported Node (it runs on). */
export const warning = (version: string): string =>
  `effect-mcp-server: Node.js ${oldest} or newer is supported (engines.node); this is Node.js ${version} (${process.execPath}): ` +
  `what fails may not name the cause. Upgrade Node.\n`

let warned = false

/** Warns once per process, on stderr, when this Node is older than {@link oldest}. */
export const warnIfUnsupported = (): void => {
  if (warned || isSupported(process.versions.node)) return
  warned = true
  process.stderr.write(warning(process.versions.node))
}
