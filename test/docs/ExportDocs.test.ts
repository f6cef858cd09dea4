/**
 * Every export of the public API is documented (the style rule, `docs/`'s API reference is built
 * from these comments by TypeDoc): starting from the package's entry points (package.json
 * `exports`), each declaration reachable through `export * from`, `export * as X from` and
 * `export { … } from` must have a doc comment (`/** … *\/`) right above it, with `@since` and a
 * `@category` (lower case, as the API reference groups them).
 * A re-export counts as documented where the original declaration is: the check follows it there.
 * A name declared more than once in a module (a `const` and its `type`, a namespace merged with a
 * value) is checked at its first declaration; an overloaded function at each of its signatures
 * (not its implementation), as Effect repeats the comment on every overload. A namespace
 * re-export (`export * as X from`, a module's page) needs a comment with `@since`, as Effect's
 * barrels have; a namespace's indented members need theirs; a top-level `export` of a form this
 * parser does not follow (`export default 42`, `export =`) is a finding rather than a blind spot.
 *
 * TypeScript 7 (the repository's compiler) ships no JavaScript API, so the module's top-level
 * `export` statements are read by a small parser: they start at column 0, as Biome formats them.
 */
import { assert, describe, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))

const exportsMap = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).exports as Record<
  string,
  string | { readonly default: string }
>
/** Each entry's source: its `dist/…/X.js` target is compiled from `src/…/X.ts`. */
const entryPoints: ReadonlyArray<string> = Object.entries(exportsMap)
  .filter(([entry]) => entry !== "./package.json")
  .map(([, target]) => (typeof target === "string" ? target : target.default))
  .map((target) => join(root, target.replace(/^\.\/dist\/(.*)\.js$/, "src/$1.ts")))

interface Module {
  readonly lines: ReadonlyArray<string>
  /** The module's text with its doc comments blanked (a `{@link X}` in one is no export list). */
  readonly text: string
}
const modules = new Map<string, Module>()
const load = (file: string): Module => {
  let module = modules.get(file)
  if (module === undefined) {
    const text = readFileSync(file, "utf8")
    module = { text: text.replace(/\/\*\*[\s\S]*?\*\//g, (doc) => doc.replace(/[^\n]/g, " ")), lines: text.split("\n") }
    modules.set(file, module)
  }
  return module
}

/** The doc comment ending right above a line (blank lines allowed between), or undefined. */
const docAbove = (lines: ReadonlyArray<string>, line: number): string | undefined => {
  let end = line - 1
  while (end >= 0 && lines[end]!.trim() === "") end--
  if (end < 0 || !lines[end]!.trim().endsWith("*/")) return undefined
  let start = end
  // A comment's own lines start with `*` (and may hold a `tools/*`): its first starts with `/*`.
  while (start >= 0 && !lines[start]!.trim().startsWith("/*")) start--
  if (start < 0 || !lines[start]!.trim().startsWith("/**")) return undefined
  return lines.slice(start, end + 1).join("\n")
}

const declaration =
  /^export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(const|let|var|function\*?|class|interface|type|namespace|enum)\s+([A-Za-z_$][\w$]*)/
const localDeclaration =
  /^(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|interface|type|namespace|enum)\s+([A-Za-z_$][\w$]*)/

/** The other top-level `export` statements this parser knows (a re-export, an export list). */
const reexport = /^export\s+(?:type\s+)?(?:\*|\{)/
/** A namespace member: an indented declaration, exported from its namespace. */
const member =
  /^\s+export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(const|let|var|function\*?|class|interface|type|namespace|enum)\s+([A-Za-z_$][\w$]*)/

interface Finding {
  readonly where: string
  readonly name: string
  readonly problem: "no doc comment" | "no @since" | "no @category" | "an export this check cannot read"
}

/** Every declaration reachable from the entry points, checked; the problems found. */
const check = (entries: ReadonlyArray<string>): { readonly checked: number; readonly findings: ReadonlyArray<Finding> } => {
  const findings: Array<Finding> = []
  const seenModules = new Set<string>()
  const seenNames = new Set<string>()
  let checked = 0

  const report = (file: string, line: number, name: string) => {
    const key = `${file}#${name}`
    if (seenNames.has(key)) return
    seenNames.add(key)
    checked++
    const doc = docAbove(load(file).lines, line)
    const where = `${relative(root, file)}:${line + 1}`
    if (doc === undefined) findings.push({ where, name, problem: "no doc comment" })
    else if (!/@since\s+\d+\.\d+\.\d+/.test(doc)) findings.push({ where, name, problem: "no @since" })
    else if (!/@category [a-z]/.test(doc)) findings.push({ where, name, problem: "no @category" })
  }

  /** The declaration of `name` in `file` (followed through re-exports), checked. */
  const checkName = (file: string, name: string, trail: ReadonlySet<string>): boolean => {
    const key = `${file}#${name}`
    if (trail.has(key)) return false
    const next = new Set(trail).add(key)
    const { lines, text } = load(file)
    for (let i = 0; i < lines.length; i++) {
      const match = declaration.exec(lines[i]!)
      if (match !== null && match[2] === name) {
        report(file, i, name)
        return true
      }
    }
    for (const match of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s+"([^"]+)")?/gm)) {
      for (const spec of specifiers(match[1]!)) {
        if (spec.exported !== name) continue
        if (match[2] !== undefined) return checkName(resolve(dirname(file), match[2]), spec.local, next)
        for (let i = 0; i < lines.length; i++) {
          const local = localDeclaration.exec(lines[i]!)
          if (local !== null && local[1] === spec.local) {
            report(file, i, name)
            return true
          }
        }
      }
    }
    for (const match of text.matchAll(/^export\s+\*\s+from\s+"([^"]+)"/gm)) {
      if (checkName(resolve(dirname(file), match[1]!), name, next)) return true
    }
    return false
  }

  const checkModule = (file: string) => {
    if (seenModules.has(file)) return
    seenModules.add(file)
    const { lines, text } = load(file)
    const overloads = new Map<string, Array<number>>()
    const textLines = text.split("\n")
    for (let i = 0; i < lines.length; i++) {
      const match = declaration.exec(lines[i]!)
      if (match === null) {
        // `export default 42`, `export =`, `export import X = …`: a form this parser does not
        // follow is a finding, not an export left unchecked.
        if (/^export\b/.test(textLines[i]!) && !reexport.test(textLines[i]!)) {
          findings.push({ where: `${relative(root, file)}:${i + 1}`, name: textLines[i]!.slice(0, 40), problem: "an export this check cannot read" })
        }
        // A namespace's member (`export declare namespace make { export type Fn … }`): its own comment.
        const inner = member.exec(textLines[i]!)
        if (inner !== null) report(file, i, `${inner[2]!}@${i + 1}`)
        continue
      }
      report(file, i, match[2]!)
      if (match[1]!.startsWith("function")) overloads.set(match[2]!, [...(overloads.get(match[2]!) ?? []), i])
    }
    // A namespace re-export (`export * as Tool from "./Tool.ts"`) is an entry of the API reference
    // (a module's page): its comment carries the module's `@since`, as Effect's barrels do.
    for (const match of text.matchAll(/^export\s+\*\s+as\s+([\w$]+)\s+from\s/gm)) {
      const line = text.slice(0, match.index).split("\n").length - 1
      const doc = docAbove(lines, line)
      const where = `${relative(root, file)}:${line + 1}`
      checked++
      if (doc === undefined) findings.push({ where, name: match[1]!, problem: "no doc comment" })
      else if (!/@since\s+\d+\.\d+\.\d+/.test(doc)) findings.push({ where, name: match[1]!, problem: "no @since" })
    }
    // An overloaded function: each signature a caller sees is documented (hovers show that one's
    // comment); the last declaration is the implementation, which callers never see.
    for (const [name, at] of overloads) {
      for (const i of at.slice(1, -1)) {
        const doc = docAbove(lines, i)
        const where = `${relative(root, file)}:${i + 1}`
        if (doc === undefined) findings.push({ where, name, problem: "no doc comment" })
        else if (!/@since\s+\d+\.\d+\.\d+/.test(doc)) findings.push({ where, name, problem: "no @since" })
        else if (!/@category [a-z]/.test(doc)) findings.push({ where, name, problem: "no @category" })
        checked++
      }
    }
    for (const match of text.matchAll(/^export\s+\*\s+(?:as\s+[\w$]+\s+)?from\s+"([^"]+)"/gm)) {
      checkModule(resolve(dirname(file), match[1]!))
    }
    for (const match of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s+"([^"]+)")?/gm)) {
      for (const spec of specifiers(match[1]!)) {
        const found =
          match[2] !== undefined
            ? checkName(resolve(dirname(file), match[2]), spec.local, new Set())
            : checkName(file, spec.local, new Set()) || localCheck(file, spec.local)
        if (!found) findings.push({ where: relative(root, file), name: spec.exported, problem: "no doc comment" })
      }
    }
  }

  const localCheck = (file: string, name: string): boolean => {
    const { lines } = load(file)
    for (let i = 0; i < lines.length; i++) {
      const local = localDeclaration.exec(lines[i]!)
      if (local !== null && local[1] === name) {
        report(file, i, name)
        return true
      }
    }
    return false
  }

  for (const entry of entries) checkModule(entry)
  return { checked, findings }
}

const specifiers = (list: string): ReadonlyArray<{ readonly local: string; readonly exported: string }> =>
  list
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [local, exported] = part.replace(/^type\s+/, "").split(/\s+as\s+/)
      return { local: local!.trim(), exported: (exported ?? local!).trim() }
    })

describe("ExportDocs", () => {
  it("finds an export without a doc comment or without @since (the check can fail)", () => {
    const lines = ["/** A thing. */", "export const a = 1", "", "/**", " * B.", " *", " * @since 0.1.0", " */", "export const b = 2", "export const c = 3"]
    assert.isDefined(docAbove(lines, 1))
    assert.notInclude(docAbove(lines, 1)!, "@since")
    assert.include(docAbove(lines, 8)!, "@since 0.1.0")
    assert.isUndefined(docAbove(lines, 9))
    assert.isUndefined(docAbove(["// a line comment */", "export const d = 4"], 1))
    assert.isUndefined(docAbove(["/* not a doc comment */", "export const e = 5"], 1))
    const documented = ["/**", " * Serves `tools/*`.", " *", " * @since 0.1.0", " */", "export const f = 6"]
    assert.include(docAbove(documented, 5)!, "@since")
  })

  it("reads each form of export: a namespace re-export, a namespace's members, a form it cannot follow", () => {
    const dir = mkdtempSync(join(tmpdir(), "export-docs-"))
    try {
      const doc = (since: string) => ["/**", " * Documented.", " *", ` * @since ${since}`, " * @category models", " */"]
      writeFileSync(join(dir, "Inner.ts"), [
        ...doc("0.1.0"),
        "export declare namespace make {",
        "  export type Documented = string",
        ...doc("0.1.0").map((line) => `  ${line}`),
        "  export type Fine = number",
        "}",
        "export default 42",
        "export = make"
      ].join("\n"))
      writeFileSync(join(dir, "index.ts"), [
        "/** No @since. */",
        'export * as Inner from "./Inner.ts"',
        ...doc("0.2.0"),
        'export * as Again from "./Inner.ts"'
      ].join("\n"))
      const { findings } = check([join(dir, "index.ts")])
      assert.deepStrictEqual(findings.map((finding) => `${finding.where.replace(/^.*\//, "")} ${finding.problem}`), [
        "index.ts:2 no @since",
        "Inner.ts:8 no doc comment",
        "Inner.ts:17 an export this check cannot read",
        "Inner.ts:18 an export this check cannot read"
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("every export reachable from package.json `exports` has a doc comment with @since and @category", () => {
    const { checked, findings } = check(entryPoints)
    // The entry points reach hundreds of declarations: a parser that finds none would pass vacuously.
    assert.isAbove(checked, 500)
    assert.deepStrictEqual(
      findings.map((finding) => `${finding.where} ${finding.name}: ${finding.problem}`),
      []
    )
  })
})
