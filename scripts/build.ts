/**
 * `npm run build` (and `prepack`): compiles `src/` into `dist/` with TypeScript's own emit
 * (`tsconfig.build.json`): ESM `.js` with source maps, `.d.ts` with declaration maps pointing at
 * the shipped `src/`, relative `.ts` imports rewritten to `.js`. `dist/` is emptied first, so a
 * module removed from `src/` never lingers in a package.
 *
 * Why TypeScript's emit and not a bundler: the package keeps one file per module, so a user's
 * bundler tree-shakes it by module (`sideEffects: false`) and Node loads only the modules an entry
 * point needs; declarations and their maps come from the same compiler run. Measured against an
 * esbuild bundle per entry point in the note of issue 9.
 *
 * One addition for bundlers: `dist/index.bundler.js`, the root entry as bundlers see it (the
 * `module` export condition, matched by esbuild, webpack, Rollup and Vite, never by Node). It is
 * `dist/index.js` with the Streamable HTTP transport importing its endpoint statically (see
 * `src/transport/http/StreamableHttp.ts`); both are derived here from the same emit, line for
 * line, so the source maps stay right.
 *
 * And one for Node: `dist/package.json`, the root manifest's `type` and `sideEffects` alone. Node
 * looks up the nearest package.json of every module it loads (for its `type`), walking up from the
 * module's folder and reading the `exports` of the one it finds; from `dist/` on, that is this
 * small file instead of the package's manifest (fewer files tried, no `exports` parsed per module:
 * ~2.5 % of an installed stdio server's start). Bundlers read `sideEffects` from the nearest
 * package.json too, hence its copy: without it, esbuild keeps every module a program imports.
 */
import { execSync } from "node:child_process"
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url)

/** `text` with `from` replaced by `to`, which must occur exactly once. */
const replaceOnce = (file: string, text: string, from: string, to: string): string => {
  const parts = text.split(from)
  if (parts.length !== 2) throw new Error(`build: expected ${JSON.stringify(from)} once in ${file}, found ${parts.length - 1}`)
  return parts.join(to)
}

rmSync(dist(""), { recursive: true, force: true })
// `npm run` puts node_modules/.bin (the pinned TypeScript) first on PATH.
execSync("tsc -p tsconfig.build.json", { cwd: root, stdio: "inherit" })
// The `effect-mcp` bin (package.json `bin`): executable, as `npx effect-mcp` runs it in this repository too.
chmodSync(dist("cli/bin.js"), 0o755)

const transport = "transport/http/StreamableHttp.js"
writeFileSync(
  dist("transport/http/StreamableHttp.bundler.js"),
  replaceOnce(
    transport,
    readFileSync(dist(transport), "utf8"),
    `const endpoint = Effect.promise(() => import("./internal/endpoint.js"));`,
    `import * as endpointModule from "./internal/endpoint.js"; const endpoint = Effect.succeed(endpointModule);`
  )
)
writeFileSync(
  dist("index.bundler.js"),
  replaceOnce("index.js", readFileSync(dist("index.js"), "utf8"), `"./${transport}"`, `"./transport/http/StreamableHttp.bundler.js"`)
)

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly type: string
  readonly sideEffects: boolean | ReadonlyArray<string>
}
// A list of files would have to be rewritten relative to dist/: not needed while it is `false`.
if (manifest.sideEffects !== false) throw new Error("build: dist/package.json copies sideEffects: false only")
writeFileSync(dist("package.json"), `${JSON.stringify({ type: manifest.type, sideEffects: manifest.sideEffects }, null, 2)}\n`)
