/**
 * `npm run docs:check` (run by CI): every `ts` code block of `docs/*.md` is a complete module;
 * each is written to `docs/.check/<guide>-<n>.ts` and the lot is type-checked with the
 * repository's settings, the package's entry points mapped to `src/` (as a user's project maps
 * them to the installed package). A guide whose code does not compile fails CI.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const docs = join(root, "docs")
const out = join(docs, ".check")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

let blocks = 0
for (const file of readdirSync(docs).filter((name) => name.endsWith(".md")).sort()) {
  const text = readFileSync(join(docs, file), "utf8")
  const pattern = /```ts\n([\s\S]*?)```/g
  let match: RegExpExecArray | null
  let n = 0
  while ((match = pattern.exec(text)) !== null) {
    n++
    blocks++
    writeFileSync(join(out, `${file.replace(/\.md$/, "")}-${n}.ts`), match[1]!)
  }
}

const entries = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).exports as Record<string, unknown>
const paths: Record<string, Array<string>> = {}
for (const entry of Object.keys(entries)) {
  if (entry === "./package.json") continue
  const name = entry === "." ? "effect-mcp-server" : `effect-mcp-server/${entry.slice(2)}`
  const source = entry === "." ? "index" : entry.slice(2)
  const candidates = [`../../src/${source}.ts`, `../../src/${source}/index.ts`]
  paths[name] = candidates
}
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.json",
    compilerOptions: { paths, noUnusedLocals: false, types: ["node"] },
    include: ["*.ts"]
  }, null, 2)
)
try {
  // `npm run` puts node_modules/.bin (the pinned TypeScript) first on PATH.
  execFileSync("tsc", ["-p", join(out, "tsconfig.json")], { cwd: root, stdio: "inherit" })
  console.log(`docs: ${blocks} code blocks of docs/ type-check`)
} catch {
  console.error(`docs: the code blocks above do not type-check (extracted to ${out})`)
  process.exit(1)
}
