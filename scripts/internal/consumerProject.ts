/**
 * A project of a new user, outside this repository: `npm pack` of this package, then a fresh
 * folder under the system's temporary directory that installs the tarball and its peers from the
 * registry, as `npm install effect-mcp-server effect @effect/platform-node` would. Shared by the
 * consumer test (`npm run test:consumer`) and the cold-start benchmark (`bench/coldstart.ts`).
 */
import { execFileSync, type ExecFileSyncOptions } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  readonly name: string
  readonly version: string
  readonly exports: Record<
    string,
    string | { readonly types: string; readonly module?: string; readonly default: string }
  >
  readonly bin: Record<string, string>
  readonly devDependencies: Record<string, string>
  readonly engines: { readonly node: string }
}

/** This package's manifest. */
export const packageManifest = manifest

/** The version this repository pins for `name` (its devDependency), so consumer installs are reproducible. */
export const pinned = (name: string): string => {
  const version = manifest.devDependencies[name]
  if (version === undefined) throw new Error(`${name} is not a devDependency of ${manifest.name}`)
  return `${name}@${version}`
}

/** npm itself: the one next to the running Node (npm run puts the pinned Node first on PATH). */
const npm = (args: ReadonlyArray<string>, options: ExecFileSyncOptions): string =>
  execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    ...options
  }) as string

/** What `npm pack` made: the tarball's path and the files it holds. */
export interface Packed {
  readonly tarball: string
  readonly files: ReadonlyArray<string>
}

/** `npm pack` of the repository into `destination` (its `prepack` builds `dist/` first). */
export const pack = (destination: string): Packed => {
  const output = npm(["pack", "--json", "--pack-destination", destination], { cwd: repoRoot })
  // prepack's own output precedes the JSON on stdout: the JSON is the trailing array.
  const json = JSON.parse(output.slice(output.lastIndexOf("\n[") + 1)) as ReadonlyArray<{
    readonly filename: string
    readonly files: ReadonlyArray<{ readonly path: string }>
  }>
  const info = json[0]!
  return { tarball: join(destination, info.filename), files: info.files.map((file) => file.path) }
}

/**
 * The oldest Node the package supports: the version `engines.node` names (`>=22.19.0`).
 */
export const oldestSupportedNode = (): string => {
  const floor = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines.node)
  if (floor === null) throw new Error(`engines.node is not of the form ">=x.y.z": ${manifest.engines.node}`)
  return floor[1]!
}

/**
 * Installs Node `version` from the registry (the `node` package, as this repository gets its own
 * Node 24) into `dir`, outside the consumer project; returns the path of its `node` executable.
 */
export const installNode = (dir: string, version: string): string => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "node-floor", version: "1.0.0", private: true }, null, 2))
  npm(["install", "--no-audit", "--no-fund", "--loglevel=error", `node@${version}`], { cwd: dir })
  return join(dir, "node_modules", "node", "bin", process.platform === "win32" ? "node.exe" : "node")
}

/** A consumer project: its folder, the tarball it installed, and a way to remove it. */
export interface ConsumerProject {
  readonly dir: string
  readonly packed: Packed
  readonly remove: () => void
}

/**
 * Packs the repository and installs the tarball, the peers (at the versions this repository
 * pins) and `extra` packages into a new folder outside the repository.
 */
export const makeConsumerProject = (extra: ReadonlyArray<string> = []): ConsumerProject => {
  const dir = mkdtempSync(join(tmpdir(), "effect-mcp-server-consumer-"))
  try {
    const tarballs = join(dir, "tarballs")
    mkdirSync(tarballs)
    const packed = pack(tarballs)
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2)
    )
    npm(
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        packed.tarball,
        pinned("effect"),
        pinned("@effect/platform-node"),
        ...extra
      ],
      { cwd: dir }
    )
    return { dir, packed, remove: () => rmSync(dir, { recursive: true, force: true }) }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** The README's "server in 30 lines" (its first `ts` code block), exactly as a user would copy it. */
export const readmeExample = (): string => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8")
  const section = readme.indexOf("## A server in 30 lines")
  const start = readme.indexOf("```ts\n", section)
  const end = readme.indexOf("```\n", start + 6)
  if (section < 0 || start < 0 || end < 0) throw new Error("README.md has no example under '## A server in 30 lines'")
  return readme.slice(start + 6, end)
}

/**
 * The getting-started guide's `tsconfig.json` and `server.ts` (its first `json` and `ts` code
 * blocks), exactly as a user would copy them.
 */
export const gettingStarted = (): { readonly tsconfig: string; readonly server: string } => {
  const guide = readFileSync(join(repoRoot, "docs/getting-started.md"), "utf8")
  const block = (language: string): string => {
    const start = guide.indexOf("```" + language + "\n")
    const end = guide.indexOf("```\n", start + language.length + 4)
    if (start < 0 || end < 0) throw new Error(`docs/getting-started.md has no ${language} code block`)
    return guide.slice(start + language.length + 4, end)
  }
  return { tsconfig: block("json"), server: block("ts") }
}

/**
 * The esbuild invocation the README documents for a single-file stdio server; the `createRequire`
 * banner lets bundled dependencies that `require` Node's built-ins keep working in ESM (taken with
 * `process.getBuiltinModule`: an `import` of `node:module` would make an ES module of it at start).
 */
export const bundleArgs = (entry: string, outfile: string): ReadonlyArray<string> => [
  entry,
  "--bundle",
  "--platform=node",
  "--format=esm",
  "--target=node22",
  "--minify",
  `--outfile=${outfile}`,
  "--banner:js=const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);",
  "--log-level=warning"
]
