/**
 * `npm run docs:check` (run by CI): every `ts` code block of `docs/*.md` is a complete module;
 * each is written to `docs/.check/<guide>-<n>.ts`, the lot is type-checked with the repository's
 * settings (the package's entry points mapped to `src/`, as a user's project maps them to the
 * installed package), then run: a block with tests runs as a vitest file, any other is imported
 * (it must load without throwing; the servers it defines are values, not started; the
 * `components` it exports are built by the test client, in both eras). A guide whose
 * code does not compile or run fails CI. The README's `ts` blocks are type-checked too (most are
 * fragments, completed by `scripts/internal/readme-prelude.ts`); those that are tests are run too,
 * against the prelude's stand-ins for the README's server. The `ts` blocks of the public modules'
 * doc comments (`@example`) are type-checked the same way (`scripts/internal/examples-prelude.ts`),
 * not run. The README's first example must be, declarations alike, `examples/hello-server.ts` and
 * the prelude's copy. Not checked: prose (option names, defaults, error codes), `sh` and `js` blocks.
 */
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const docs = join(root, "docs")
const out = join(docs, ".check")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

let blocks = 0
const modules: Array<string> = []
for (const file of readdirSync(docs).filter((name) => name.endsWith(".md")).sort()) {
  const text = readFileSync(join(docs, file), "utf8")
  const pattern = /```ts\n([\s\S]*?)```/g
  let match: RegExpExecArray | null
  let n = 0
  while ((match = pattern.exec(text)) !== null) {
    n++
    blocks++
    const code = match[1]!
    // A block with tests is a test file (run as it is); any other is a module, run by importing it.
    const name = `${file.replace(/\.md$/, "")}-${n}${code.includes("@effect/vitest") ? ".test" : ""}.ts`
    writeFileSync(join(out, name), code)
    if (!name.endsWith(".test.ts")) modules.push(name)
  }
}
// A module that exports `components` (the server module convention) has them built too, by the test
// client in both eras: what a server checks when it builds (names, URIs, schemas without a JSON
// form, two components of one key, a middleware's options) fails here, not in a reader's server.
writeFileSync(
  join(out, "modules.test.ts"),
  `import { it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { McpTestClient } from "effect-mcp-server/testing"

const load = async (module: Promise<object>) => {
  const { components } = (await module) as { readonly components?: unknown }
  if (components === undefined) return
  for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
    await Effect.runPromise(Effect.scoped(McpTestClient.make(components as never, { protocolVersion })))
  }
}
${modules.map((name) => `it("${name} loads", () => load(import("./${name}")))`).join("\n")}
`
)

// The README's `ts` blocks: type-checked; not run (its first example serves stdio when loaded,
// the others are fragments), but for the tests (`it.live(...)`), run as vitest files. A fragment
// names what surrounds it in a program (the modules it uses, the example server's components,
// `options`...): each block gets the imports below and the names of
// `scripts/internal/readme-prelude.ts`, except those it imports or declares itself.
const readmeImports: ReadonlyArray<readonly [string, string]> = [
  ["Context", `import * as Context from "effect/Context"`],
  ["Effect", `import * as Effect from "effect/Effect"`],
  ["Layer", `import * as Layer from "effect/Layer"`],
  ["Schema", `import * as Schema from "effect/Schema"`],
  ["McpContext", `import * as McpContext from "effect-mcp-server/McpContext"`],
  ["McpServer", `import * as McpServer from "effect-mcp-server/McpServer"`],
  ["McpError", `import * as McpError from "effect-mcp-server/McpError"`],
  ["Extension", `import * as Extension from "effect-mcp-server/Extension"`],
  ["Stdio", `import * as Stdio from "effect-mcp-server/Stdio"`],
  ["StreamableHttp", `import * as StreamableHttp from "effect-mcp-server/StreamableHttp"`],
  ["Middleware", `import { Middleware } from "effect-mcp-server"`],
  ["it", `import { it } from "@effect/vitest"`],
  ["assert", `import { assert } from "@effect/vitest"`]
]
const preludeNames = ["Weather", "Greeting", "options", "Tools", "components", "loadBigFile", "rollout", "NoteBook"]
copyFileSync(join(root, "scripts", "internal", "readme-prelude.ts"), join(out, "readme-prelude.ts"))
const readme = readFileSync(join(root, "README.md"), "utf8")
const readmePattern = /```ts\n([\s\S]*?)```/g
let readmeBlocks = 0
for (let match = readmePattern.exec(readme); match !== null; match = readmePattern.exec(readme)) {
  readmeBlocks++
  const code = match[1]!
  // Names the block binds itself: imported, or declared at its top level.
  const own = new Set<string>()
  for (const [, clause] of code.matchAll(/^import\s+(?:type\s+)?(.+?)\s+from\s/gm)) {
    for (const name of clause!.replace(/[{}*]/g, " ").replace(/\bas\b/g, " ").split(/[\s,]+/)) if (name !== "") own.add(name)
  }
  for (const [, name] of code.matchAll(/^(?:export\s+)?(?:const|let|class|function)\s+(\w+)/gm)) own.add(name!)
  const imports = readmeImports.filter(([name]) => !own.has(name)).map(([, line]) => line)
  const taken = preludeNames.filter((name) => !own.has(name))
  if (taken.length > 0) imports.push(`import { ${taken.join(", ")} } from "./readme-prelude.ts"`)
  const test = /^\s*it\.(?:live|effect|scoped)\(/m.test(code) ? ".test" : ""
  writeFileSync(join(out, `readme-${readmeBlocks}${test}.ts`), `${imports.join("\n")}\n${code}`)
}

// The README's first example is `examples/hello-server.ts` (which the tests run with the SDK
// client) and what `readme-prelude.ts` gives the README's other blocks (its test runs against
// them): its declarations (comments and spacing aside) must be theirs, or one was changed alone.
{
  const normal = (code: string) => code.replace(/\/\/[^\n]*/g, "").replace(/^export /gm, "").replace(/\s+/g, " ").trim()
  const first = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## A server in 30 lines")))![1]!
  const declarations = [...first.matchAll(/^(?:class|const) \w+[\s\S]*?(?=\n\n|\n$)/gm)].map(([declaration]) => declaration)
  const copies = ["examples/hello-server.ts", "scripts/internal/readme-prelude.ts"]
  const drifted = copies.flatMap((file) => {
    const text = normal(readFileSync(join(root, file), "utf8"))
    return declarations.filter((declaration) => !text.includes(normal(declaration))).map((declaration) =>
      `${file}: not the README's ${declaration.split("\n")[0]}`
    )
  })
  if (declarations.length < 3 || drifted.length > 0) {
    console.error(`docs: the README's first example and its copies differ:\n  ${drifted.join("\n  ") || "no declarations found"}`)
    process.exit(1)
  }
}

// The `ts` blocks of the doc comments (`@example`, `**Example**`) of the public modules: what the
// package's entry points are compiled from, and the modules they re-export (`export * as X from`).
// Type-checked, not run (most are fragments, like the README's, and several serve stdio): each gets
// the imports of the modules it names and the names of `scripts/internal/examples-prelude.ts` it
// does not declare itself; a fragment that yields or returns at its top level (a handler's body)
// is wrapped in `Effect.gen`.
const exampleImports: ReadonlyArray<readonly [string, string]> = [
  ...readmeImports.filter(([name]) => name !== "it" && name !== "assert"),
  ...["Duration", "Metric", "Schedule", "Stream"].map((name) => [name, `import * as ${name} from "effect/${name}"`] as const),
  ["NodeRuntime", `import * as NodeRuntime from "@effect/platform-node/NodeRuntime"`],
  ["NodeServices", `import * as NodeServices from "@effect/platform-node/NodeServices"`],
  ["GracefulShutdown", `import * as GracefulShutdown from "effect-mcp-server/GracefulShutdown"`],
  ["Negotiation", `import { Negotiation } from "effect-mcp-server/protocol"`],
  ["Skills", `import { Skills } from "effect-mcp-server/skills"`],
  ["RedisRateLimitStore", `import { RedisRateLimitStore } from "effect-mcp-server/redis"`],
  ...["Authorization", "ErrorMapping", "KeepAlive", "Logging", "RateLimit", "ResponseCache", "Retry", "SizeLimit", "Telemetry", "Timeout", "Timing", "ToolInjection"]
    .map((name) => [name, `import { ${name} } from "effect-mcp-server/middleware"`] as const),
  ["it", `import { it } from "@effect/vitest"`],
  ["assert", `import { assert } from "@effect/vitest"`]
]
const exampleNames = [
  ...preludeNames,
  ...["Echo", "Components", "server", "Authentication", "make", "Cache", "UserNotFound", "work", "request", "batches", "redis", "Review", "Invoices", "app"]
]
const exampleTypes = ["Config"]
copyFileSync(join(root, "scripts", "internal", "examples-prelude.ts"), join(out, "examples-prelude.ts"))
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const publicModules = new Set<string>()
for (const target of Object.values(packageJson.exports as Record<string, string | { readonly default: string }>)) {
  const file = (typeof target === "string" ? target : target.default).replace(/^\.\/dist\/(.*)\.js$/, "src/$1.ts")
  if (!file.endsWith(".ts")) continue
  publicModules.add(file)
  for (const [, path] of readFileSync(join(root, file), "utf8").matchAll(/^export \* as \w+ from "(\.[^"]+)"/gm)) {
    publicModules.add(join(file, "..", path!))
  }
}
let exampleBlocks = 0
for (const file of [...publicModules].sort()) {
  const text = readFileSync(join(root, file), "utf8")
  for (const [, block] of text.matchAll(/^[ \t]*\* ```ts\n([\s\S]*?)^[ \t]*\* ```/gm)) {
    exampleBlocks++
    const code = block!.split("\n").map((line) => line.replace(/^[ \t]*\*(?: |$)/, "")).join("\n")
    const own = new Set<string>()
    for (const [, clause] of code.matchAll(/^import\s+(?:type\s+)?(.+?)\s+from\s/gm)) {
      for (const name of clause!.replace(/[{}*]/g, " ").replace(/\b(?:as|type)\b/g, " ").split(/[\s,]+/)) if (name !== "") own.add(name)
    }
    for (const [, name] of code.matchAll(/^(?:export\s+)?(?:const|let|class|function)\s+(\w+)/gm)) own.add(name!)
    const wrapped = /^(?:const \w+ = )?yield\*|^(?:if \(.*\) )?return /m.test(code)
    const named = (name: string) => !own.has(name) && (new RegExp(`\\b${name}\\b`).test(code) || (wrapped && name === "Effect"))
    const imports = exampleImports.filter(([name]) => named(name)).map(([, line]) => line)
    const taken = [...exampleNames.filter(named), ...exampleTypes.filter(named).map((name) => `type ${name}`)]
    if (taken.length > 0) imports.push(`import { ${taken.join(", ")} } from "./examples-prelude.ts"`)
    const body = wrapped ? `export const example = Effect.gen(function*() {\n${code}})\n` : code
    const name = `src-${file.slice(4, -3).replace(/\//g, "-")}-${exampleBlocks}.ts`
    writeFileSync(join(out, name), `// ${file}\n${imports.join("\n")}\n${body}`)
  }
}

const entries = packageJson.exports as Record<
  string,
  string | { readonly default: string }
>
const paths: Record<string, Array<string>> = {}
for (const [entry, target] of Object.entries(entries)) {
  if (entry === "./package.json") continue
  const name = entry === "." ? "effect-mcp-server" : `effect-mcp-server/${entry.slice(2)}`
  // Each entry's source: its `dist/…/X.js` target is compiled from `src/…/X.ts`.
  paths[name] = [(typeof target === "string" ? target : target.default).replace(/^\.\/dist\/(.*)\.js$/, "../../src/$1.ts")]
}
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.json",
    compilerOptions: { paths, noUnusedLocals: false, types: ["node"] },
    include: ["*.ts"]
  }, null, 2)
)
// Run: the entry points aliased to src/, as for the type-check.
const alias = Object.fromEntries(
  Object.entries(paths).map(([name, [first, second]]) => [
    name,
    join(out, existsSync(join(out, first!)) ? first! : second!)
  ])
)
writeFileSync(
  join(out, "vitest.config.ts"),
  `import { defineConfig } from "vitest/config"
export default defineConfig({
  resolve: { alias: ${JSON.stringify(Object.entries(alias).sort((a, b) => b[0].length - a[0].length).map(([find, replacement]) => ({ find: new RegExp(`^${find.replace(/[/-]/g, "\\$&")}$`).source, replacement })))}.map((a) => ({ find: new RegExp(a.find), replacement: a.replacement })) },
  test: { root: ${JSON.stringify(out)}, include: ["*.test.ts"], testTimeout: 30000 }
})
`
)
try {
  // `npm run` puts node_modules/.bin (the pinned TypeScript and vitest) first on PATH.
  execFileSync("tsc", ["-p", join(out, "tsconfig.json")], { cwd: root, stdio: "inherit" })
  console.log(
    `docs: ${blocks} code blocks of docs/, ${readmeBlocks} of the README and ${exampleBlocks} of the public modules' doc comments type-check`
  )
} catch {
  console.error(`docs: the code blocks above do not type-check (extracted to ${out})`)
  process.exit(1)
}
try {
  execFileSync("vitest", ["run", "--config", join(out, "vitest.config.ts")], { cwd: root, stdio: "inherit" })
  console.log(`docs: every module of docs/ loads, and its tests (and the README's) pass`)
} catch {
  console.error(`docs: a code block of docs/ failed when run (extracted to ${out})`)
  process.exit(1)
}
