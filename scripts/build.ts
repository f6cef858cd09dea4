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
 * One addition for bundlers: `.bundler.js` variants, the modules as bundlers see them (the
 * `module` export condition, matched by esbuild, webpack, Rollup and Vite, never by Node). A module
 * that imports a part of itself only when used, with a line of the form
 * `const name = Effect.promise(() => import("./part.js"))` (the Streamable HTTP endpoint, the task
 * machinery; or a package: `RedisStores`' `@effect/platform-node/NodeRedis`, whose `import()` wrapped
 * 114 modules of a bundled Redis-store server, +4.8 % instructions to its first answer, callgrind),
 * has it imported statically there: a bundler that meets an `import()` wraps the
 * imported module and everything it imports, `effect` included, in lazy initialisers (a bundled
 * stdio server started 15 % slower in instructions), while a static import that nothing uses is
 * tree-shaken away (an `import()` of another form left in a variant fails the build, and so does
 * any `import()` in another module bundlers reach, unless of a package nothing else imports
 * statically and that depends on nothing: `@cfworker/json-schema`, `yaml`). Every module
 * that imports such a module, directly or not, gets a variant too,
 * importing the variants, so that a bundle holds one copy of each module (only those a bundler
 * reaches from an export: the CLI's, which Node alone runs, have none); each package export whose
 * module has a variant names it as its `module` condition (checked here against package.json).
 * Only bundled code (or code Vite inlines, `ssr.noExternal`) sees the variants; a module that Node
 * loads beside a bundle (an external) gets the plain ones, a second instance as it would be anyway.
 * Both are derived here from the same emit, line for line, so the source maps stay right.
 * The Node HTTP server of `StreamableHttp.serve` (`internal/nodeServer.js`: it imports
 * `@effect/platform-node/NodeHttpServer`, and with it `ws`, CommonJS) is such a part, imported by
 * `serve` alone, not by the endpoint, which `WebHandler` imports too. So a bundled server of
 * `serve` wraps nothing in lazy initialisers (an `import()` of that package left in the variants
 * cost the README's example served over HTTP, bundled with its recipe, +12 % instructions from
 * start to listening: callgrind), and `effect-mcp-server/web` never reaches `ws`, which fails where
 * modules run as ES modules without `require` (Vite's SSR with `ssr.noExternal: true`, a bundle
 * without a `createRequire` banner). The root entry's variant does reach it (docs/http.md).
 *
 * And one for Node: `dist/package.json`, the root manifest's `type` and `sideEffects` alone. Node
 * looks up the nearest package.json of every module it loads (for its `type`), walking up from the
 * module's folder and reading the `exports` of the one it finds; from `dist/` on, that is this
 * small file instead of the package's manifest (fewer files tried, no `exports` parsed per module:
 * ~2.5 % of an installed stdio server's start). Bundlers read `sideEffects` from the nearest
 * package.json too, hence its copy: without it, esbuild keeps every module a program imports.
 */
import { execSync } from "node:child_process"
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { posix } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url)

rmSync(dist(""), { recursive: true, force: true })
// `npm run` puts node_modules/.bin (the pinned TypeScript) first on PATH.
execSync("tsc -p tsconfig.build.json", { cwd: root, stdio: "inherit" })
// The `effect-mcp` bin (package.json `bin`): executable, as `npx effect-mcp` runs it in this repository too.
chmodSync(dist("cli/bin.js"), 0o755)

/** Every emitted module, by its path under dist/ ("server/McpServer.js"). */
const modules = new Map<string, string>()
const walk = (folder: string): void => {
  for (const entry of readdirSync(dist(folder), { withFileTypes: true })) {
    const path = folder === "" ? entry.name : `${folder}/${entry.name}`
    if (entry.isDirectory()) walk(path)
    else if (path.endsWith(".js")) modules.set(path, readFileSync(dist(path), "utf8"))
  }
}
walk("")
/** A line importing a part (or a package) when first used: replaced by a static import in the variants. */
const lazyImport = /^const (\w+) = Effect\.promise\(\(\) => import\("([^"]+)"\)\);$/gm
/** The relative specifiers of static imports and re-exports (`from "./x.js"`, `import "./x.js"`). */
const staticImport = /(\bfrom |^import )"(\.{1,2}\/[^"]+\.js)"/gm
const resolved = (from: string, specifier: string): string => posix.normalize(posix.join(posix.dirname(from), specifier))
// The modules with a lazy import, then every module importing one of them, up to a fixed point.
const variants = new Set([...modules].filter(([, text]) => text.search(lazyImport) >= 0).map(([path]) => path))
for (let grown = true; grown;) {
  grown = false
  for (const [path, text] of modules) {
    if (variants.has(path)) continue
    if ([...text.matchAll(staticImport)].some((match) => variants.has(resolved(path, match[2]!)))) {
      variants.add(path)
      grown = true
    }
  }
}
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly type: string
  readonly sideEffects: boolean | ReadonlyArray<string>
  readonly exports: Record<string, string | { readonly default: string; readonly module?: string }>
}
const exported = Object.values(manifest.exports).flatMap((target) =>
  typeof target === "string" ? [] : [target.default.replace(/^\.\/dist\//, "")]
)
// Written are only the variants a bundler reaches: from an export's module, through the imports
// of variants (the parts they import statically included). The CLI's modules import McpServer
// too, but only Node runs them (the `bin`): their variants shipped unused.
const written = new Set<string>()
for (const queue = exported.filter((path) => variants.has(path)); queue.length > 0;) {
  const path = queue.pop()!
  if (written.has(path)) continue
  written.add(path)
  const text = modules.get(path)!
  for (const match of [...text.matchAll(staticImport), ...text.matchAll(lazyImport)]) {
    const imported = resolved(path, match[2]!)
    if (variants.has(imported)) queue.push(imported)
  }
}
const variantOf = (path: string) => path.replace(/\.js$/, ".bundler.js")
/**
 * Every module bundlers reach: from the exports, through every relative import (static or lazy),
 * variants' and plain modules' alike; and the packages they import statically.
 */
const reached = new Set<string>()
const staticPackages = new Set<string>()
/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
const packageOf = (specifier: string): string =>
  specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")
const bareImport = /(\bfrom |^import )"([^"./][^"]*)"/gm
for (const queue = [...exported]; queue.length > 0;) {
  const path = queue.pop()!
  if (reached.has(path) || !modules.has(path)) continue
  reached.add(path)
  const text = modules.get(path)!
  for (const match of [...text.matchAll(staticImport), ...text.matchAll(lazyImport)]) {
    if (match[2]!.startsWith(".")) queue.push(resolved(path, match[2]!))
  }
  for (const match of text.matchAll(bareImport)) staticPackages.add(packageOf(match[2]!))
}
/** An `import()` of a specifier written out, wherever it is, and its specifier. */
const anyImportCall = /\bimport\(\s*["'`]([^"'`]*)/g
/**
 * Whether an `import()` of `specifier` may stay in a module bundlers reach: a package that no
 * module bundlers reach imports statically and that depends on nothing (`@cfworker/json-schema`,
 * `yaml`: loaded when first used, which under a bundler defers only the evaluation of that
 * package's own modules, as under Node). A relative module, or a package the rest of the program
 * imports too (`effect`) or that has dependencies, may share modules with the rest, which the
 * bundler would then wrap in lazy initialisers for everyone.
 */
const selfContained = (specifier: string): boolean => {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return false
  const name = packageOf(specifier)
  if (staticPackages.has(name)) return false
  let manifest: { readonly dependencies?: object; readonly peerDependencies?: object }
  try {
    manifest = JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, "utf8"))
  } catch {
    return false
  }
  return Object.keys(manifest.dependencies ?? {}).length === 0 && Object.keys(manifest.peerDependencies ?? {}).length === 0
}
/**
 * Fails the build when `text` (dist/`path`, a module bundlers reach) keeps an `import()` of a
 * module not {@link selfContained}: in a variant, one not of the line's form; in a plain module
 * (none of its imports lazy as the line writes it), any.
 */
const refuseImportCall = (path: string, text: string): void => {
  for (const left of text.matchAll(anyImportCall)) {
    if (selfContained(left[1]!)) continue
    const line = text.slice(0, left.index).split("\n").length
    throw new Error(
      `build: dist/${path}:${line} imports ${left[1]} with import() in a module bundlers reach: write it as \`const name = Effect.promise(() => import("…"));\``
    )
  }
}
for (const path of reached) if (!variants.has(path)) refuseImportCall(path, modules.get(path)!)
for (const path of written) {
  const text = modules.get(path)!
    .replace(lazyImport, (_, name: string, specifier: string) =>
      `import * as ${name}Module from "${specifier}"; const ${name} = /* @__PURE__ */ Effect.succeed(${name}Module);`)
    .replace(staticImport, (whole, before: string, specifier: string) =>
      variants.has(resolved(path, specifier)) ? `${before}"${variantOf(specifier)}"` : whole)
  // A lazy import not of the line's form (reformatted, split, in a function) is left as it is, and
  // wraps what it imports in a bundle's lazy initialisers again, with nothing else to tell it.
  refuseImportCall(path, text)
  writeFileSync(dist(variantOf(path)), text)
}

// Each export whose module has a variant names it as its `module` condition, and no other does.
for (const [subpath, target] of Object.entries(manifest.exports)) {
  if (typeof target === "string") continue
  const path = target.default.replace(/^\.\/dist\//, "")
  const expected = variants.has(path) ? `./dist/${variantOf(path)}` : undefined
  if (target.module !== expected) {
    throw new Error(`build: package.json exports["${subpath}"].module must be ${expected ?? "absent"}, is ${target.module}`)
  }
}
// A list of files would have to be rewritten relative to dist/: not needed while it is `false`.
if (manifest.sideEffects !== false) throw new Error("build: dist/package.json copies sideEffects: false only")
writeFileSync(dist("package.json"), `${JSON.stringify({ type: manifest.type, sideEffects: manifest.sideEffects }, null, 2)}\n`)
