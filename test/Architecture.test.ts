/**
 * The architecture as the imports of `src/` show it: dependencies point one way, from the wire up
 * (protocol ← session ← tasks and the middleware contract ← server ← built-in middleware, auth
 * and extensions ← transports ← entry points and integrations), and no module imports itself
 * back through others (type-only imports included: a circle of types is a circle of concepts).
 * JSON-RPC error codes are decided in one module, `protocol/McpError.ts`: no other writes one as a
 * number. Effect's `Exit.isExit` and `Effect.isEffect` (the shared `Predicate.hasProperty`, which
 * V8 cannot specialise) are left to registration-time checks: a request's path uses
 * `internal/isExit.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const src = fileURLToPath(new URL("../src", import.meta.url))

const modules: ReadonlyArray<string> = readdirSync(src, { recursive: true, encoding: "utf8" })
  .filter((path) => path.endsWith(".ts"))
  .map((path) => path.split("\\").join("/"))

/** Every relative import and re-export of a module (static, type-only included), as paths under `src/`. */
const importsOf = (module: string): ReadonlyArray<string> => {
  const text = readFileSync(join(src, module), "utf8")
  const found: Array<string> = []
  for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)) {
    found.push(relative(src, resolve(dirname(join(src, module)), match[1]!)).split("\\").join("/"))
  }
  return found
}

const graph = new Map(modules.map((module) => [module, importsOf(module)]))

/** The layer of a module: it may import its own layer and those below. */
const layers: ReadonlyArray<readonly [rank: number, name: string, test: (module: string) => boolean]> = [
  [0, "protocol", (m) => m.startsWith("protocol/")],
  [0, "shared internals", (m) => m.startsWith("internal/")],
  [0, "store contract", (m) => m.startsWith("store/")],
  [1, "session", (m) => m.startsWith("session/")],
  [2, "tasks", (m) => m.startsWith("tasks/")],
  [2, "middleware contract", (m) => m === "middleware/Middleware.ts"],
  [3, "server", (m) => m.startsWith("server/")],
  [4, "built-in middleware", (m) => m.startsWith("middleware/")],
  [4, "auth", (m) => m.startsWith("auth/")],
  [4, "extensions", (m) => m.startsWith("extensions/")],
  [5, "transports", (m) => m.startsWith("transport/")],
  [6, "entry points and integrations", () => true]
]

const layerOf = (module: string) => layers.find(([, , test]) => test(module))!

/** Where codes may be numbers: `McpError.ErrorCode` decides them (the version deltas name its members). */
const decidesCodes = (module: string) => module === "protocol/McpError.ts" || module.startsWith("protocol/versions/")

/**
 * The lines of `text` that write a JSON-RPC error code as a number: a `code:` property given one,
 * or a `.code` compared with one (`error?.code !== 403`). Comments are skipped (doc comments say
 * `-32602` and exit codes freely); other numbers and other `code`s (a char code, a child's exit
 * code, a `code: number` type) are not matched.
 */
const codeLiteralsOf = (text: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (const [index, line] of text.split("\n").entries()) {
    const trimmed = line.trim()
    if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//")) continue
    const code = line.replace(/(^|\s)\/\/.*$/, "")
    if (
      /\bcode\s*:\s*[-+]?\s*\d/.test(code) ||
      /[.?]code\s*[!=]==?\s*[-+]?\s*\d/.test(code) ||
      /\d\s*[!=]==?\s*[\w.?]*[.?]code\b/.test(code)
    ) found.push(`${index + 1}: ${trimmed}`)
  }
  return found
}

/**
 * The lines of `text` that call Effect's `Exit.isExit` or `Effect.isEffect`, comments skipped, but
 * for a check that throws (made once, as a component is registered).
 */
const sharedGuardsOf = (text: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (const [index, line] of text.split("\n").entries()) {
    const trimmed = line.trim()
    if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//")) continue
    const code = line.replace(/(^|\s)\/\/.*$/, "")
    if (/\b(?:Exit\.isExit|Effect\.isEffect)\b/.test(code) && !/\bthrow\b/.test(code)) found.push(`${index + 1}: ${trimmed}`)
  }
  return found
}

describe("Architecture of src/", () => {
  it("reads every module and its imports", () => {
    assert.isAbove(modules.length, 100)
    assert.includeMembers([...graph.get("session/ServerSession.ts")!], ["session/Session.ts", "session/RequestContext.ts"])
  })

  it("dependencies point one way: no module imports from a layer above its own", () => {
    const upward: Array<string> = []
    for (const [module, imports] of graph) {
      const [rank, name] = layerOf(module)
      for (const imported of imports) {
        const [importedRank, importedName] = layerOf(imported)
        if (importedRank > rank) upward.push(`${module} (${name}) imports ${imported} (${importedName})`)
      }
    }
    assert.deepStrictEqual(upward, [])
  })

  it("no import cycles (type-only imports count)", () => {
    // Depth-first search; a module met again on the current path closes a cycle.
    const cycles: Array<string> = []
    const state = new Map<string, "open" | "done">()
    const path: Array<string> = []
    const visit = (module: string) => {
      state.set(module, "open")
      path.push(module)
      for (const imported of graph.get(module) ?? []) {
        if (!graph.has(imported)) continue
        const seen = state.get(imported)
        if (seen === "open") cycles.push([...path.slice(path.indexOf(imported)), imported].join(" → "))
        else if (seen === undefined) visit(imported)
      }
      path.pop()
      state.set(module, "done")
    }
    for (const module of graph.keys()) if (!state.has(module)) visit(module)
    assert.deepStrictEqual(cycles, [])
  })

  it("JSON-RPC error codes are numbers only in McpError.ts (ErrorCode), never literals elsewhere", () => {
    // The matcher itself: what it must find, and what it must leave alone.
    assert.deepStrictEqual(
      codeLiteralsOf([
        "new JsonRpcError({ code: 403, message })",
        "  { code: -32603, message: orphanMessage }",
        "if (error?.code !== 403) return undefined",
        "/** fail with `JsonRpcError({ code: 403 })` */",
        " * code: 0 after a clean end",
        "readonly code: number",
        "{ code: ErrorCode.Forbidden, message }",
        "code === 0 ? Effect.void : exit",
        "if (code < 0x80) return hex[code >> 4]",
        "op: \"char\", code: c.charCodeAt(0)"
      ].join("\n")),
      ["1: new JsonRpcError({ code: 403, message })", "2: { code: -32603, message: orphanMessage }", "3: if (error?.code !== 403) return undefined"]
    )
    const literals: Array<string> = []
    for (const module of modules) {
      if (decidesCodes(module)) continue
      for (const line of codeLiteralsOf(readFileSync(join(src, module), "utf8"))) literals.push(`${module}:${line}`)
    }
    assert.deepStrictEqual(literals, [])
  })

  it("Exit.isExit and Effect.isEffect only in registration-time checks (requests use internal/isExit.ts)", () => {
    assert.deepStrictEqual(
      sharedGuardsOf([
        "if (Exit.isExit(effect)) return effect",
        "  return Effect.isEffect(x) ? x : Effect.succeed(x)",
        "if (!Effect.isEffect(definition.read)) throw invalid(owner, \"read\", \"an Effect\", definition.read)",
        " * `Exit.isExit` is `Predicate.hasProperty`",
        "if (isExit(effect)) return effect"
      ].join("\n")),
      ["1: if (Exit.isExit(effect)) return effect", "2: return Effect.isEffect(x) ? x : Effect.succeed(x)"]
    )
    const found: Array<string> = []
    for (const module of modules) {
      for (const line of sharedGuardsOf(readFileSync(join(src, module), "utf8"))) found.push(`${module}:${line}`)
    }
    assert.deepStrictEqual(found, [])
  })
})
