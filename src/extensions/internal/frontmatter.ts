/**
 * The YAML frontmatter of a `SKILL.md` (Agent Skills format): written for skills built in code,
 * read for skills loaded from a directory.
 *
 * Writing needs no YAML library: every value is a string or a map of strings, written as a plain
 * scalar when that is unambiguous and as a JSON string (a valid YAML double-quoted scalar)
 * otherwise, so any YAML parser reads back exactly the object written. Reading uses the `yaml`
 * package, loaded on first use (a server that builds its skills in code never loads it): real
 * frontmatter uses block scalars (`description: >`), quoting and nested maps, which a hand-written
 * `key: value` reader would misread, and the entry's `frontmatter` must equal what a client's YAML
 * parser reads from the same file (SEP-2640 checks it field by field).
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/**
 * The frontmatter block of a `SKILL.md`: `---` line, YAML, `---` line (an optional BOM first). The
 * YAML may be no line at all (`---` twice): that file has a block, an empty one, as a client reads it.
 * The YAML is taken with the line break that ends its last line, as a client takes it: without it,
 * a last field kept whole (`|+`, `>+`) lost its final line breaks.
 */
const block = /^\uFEFF?---\r?\n([\s\S]*?\r?\n)??---[ \t]*(?:\r?\n|$)/

/** The opening `---` line of a frontmatter block (an optional BOM first), as {@link block} takes it. */
const opening = /^\uFEFF?---(?:\r?\n|$)/

/**
 * Whether `text` opens a frontmatter block: when {@link extract} finds none in such a text, the
 * block has no closing `---` line (not "no block": the file does start with one).
 */
export const opens = (text: string): boolean => opening.test(text)

/** The YAML text of the frontmatter block of `text` (`""` when empty); `undefined` when it has none. */
export const extract = (text: string): string | undefined => {
  const found = block.exec(text)
  return found === null ? undefined : found[1] ?? ""
}

/**
 * Parses frontmatter YAML; fails with the parser's message (invalid YAML, duplicate keys), or
 * naming the first anchor, alias, tag or key that is not a string, or the first of what the SDK's
 * skills client cannot read though this parser does: a quoted value or a flow collection that goes
 * on past its line, a block scalar indentation indicator (`|2`), an explicit key (`? key`), the
 * document end marker (`...`), a pair in a flow list (`[a: b]`), a key without a value in a flow
 * map (`{a: }`, `{a}`), a block map's key written plain from a `?` (`?key:`) or quoted with a space
 * before its colon (`"key" :`), nesting deeper than 32. The `yaml` package is imported on first use.
 *
 * Those are refused because readers differ on them, and the entry's frontmatter must equal what
 * the client reads: the SDK's skills client reads a YAML subset without them and refused such a
 * skill ("anchors, aliases and tags are not supported"), a YAML 1.1 reader merges `<<: *base`,
 * tags are whatever each reader makes of them (`!foo` a string here, an error elsewhere), and a
 * key `1` or `[a, b]` is the JSON key `"1"` or `"[ a, b ]"` here but a number or a list elsewhere.
 */
export const parse = (yaml: string): Effect.Effect<unknown, string> =>
  Effect.flatMap(
    Effect.promise(() => library ??= import("yaml")),
    (lib) =>
      Effect.try({
        try: () => {
          const lines = new lib.LineCounter()
          const document = lib.parseDocument(yaml, { lineCounter: lines })
          if (document.errors.length > 0) throw document.errors[0]
          let problem: string | undefined
          // Lines of SKILL.md: the frontmatter's first line is its second.
          const at = (node: { readonly range?: ReadonlyArray<number> | null | undefined }) =>
            node.range ? ` (line ${lines.linePos(node.range[0]!).line + 1} of SKILL.md)` : ""
          // Whether the node's text goes on past the line it starts on.
          const spans = (node: { readonly range?: ReadonlyArray<number> | null | undefined }) => {
            if (!node.range) return false
            const end = yaml.indexOf("\n", node.range[0]!)
            return end !== -1 && end < node.range[1]!
          }
          // Whether a key is written explicitly (`? key`): the `?` before it on its line (not the
          // `?` that ends the line before: `summary: why?`).
          const explicit = (key: { readonly range?: ReadonlyArray<number> | null | undefined }) => {
            if (!key.range) return false
            let i = key.range[0]! - 1
            while (i >= 0 && (yaml[i] === " " || yaml[i] === "\t")) i--
            return i >= 0 && yaml[i] === "?"
          }
          lib.visit(document, {
            Alias: (_, node) => {
              problem = `aliases (*${node.source}) are not supported${at(node)}`
              return lib.visit.BREAK
            },
            Node: (_, node, path) => {
              if (lib.isAlias(node)) return undefined
              if (lib.isCollection(node)) {
                // Its depth as the SDK's skills client counts it: the frontmatter's map is 0.
                let depth = 0
                for (const ancestor of path) if (lib.isCollection(ancestor)) depth++
                const parent = path.at(-1)
                if (depth > maxDepth) problem = `nesting deeper than ${maxDepth} levels is not supported${at(node)}`
                else if (lib.isMap(node) && lib.isSeq(parent) && parent.flow === true && node.range && yaml[node.range[0]] !== "{") {
                  problem = `a key: value pair inside […] is not supported; write {key: value}${at(node)}`
                }
                if (problem !== undefined) return lib.visit.BREAK
              }
              if (node.anchor !== undefined) problem = `anchors (&${node.anchor}) are not supported${at(node)}`
              else if (node.tag !== undefined) problem = `tags (${node.tag.replace(/^tag:yaml\.org,2002:/, "!!")}) are not supported${at(node)}`
              else if (lib.isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") && spans(node)) {
                problem = `a quoted value that goes on past its line is not supported (write it on one line, or as a block scalar: > or |)${at(node)}`
              } else if (
                lib.isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") && node.range &&
                /^[|>](?:[+-]?[1-9]|[1-9][+-]?)/.test(yaml.slice(node.range[0], node.range[0] + 3))
              ) {
                problem = `block scalar indentation indicators (|2, >1-) are not supported; indent the text instead${at(node)}`
              } else if (lib.isCollection(node) && node.flow === true && spans(node)) {
                problem = `a flow collection ([…] or {…}) that goes on past its line is not supported (close it on its line, or write a block list)${at(node)}`
              }
              return problem === undefined ? undefined : lib.visit.BREAK
            },
            Pair: (_, pair, path) => {
              const key = pair.key
              if (lib.isScalar(key) && typeof key.value === "string") {
                if (explicit(key)) {
                  problem = `explicit keys (? ${key.value}) are not supported; write key: value${at(key)}`
                  return lib.visit.BREAK
                }
                const map = path.at(-1)
                // A block map's key as the SDK's skills client reads one: not plain from a `?`
                // (`?q: 1`, an explicit key to it), and a quoted one with its colon right after it.
                if (!(lib.isMap(map) && map.flow === true) && key.range) {
                  const start = key.range[0]!
                  if (key.type === "PLAIN" && yaml[start] === "?") {
                    problem = `the key ${key.value} starts with ?, which is not supported; quote it${at(key)}`
                  } else if ((key.type === "QUOTE_DOUBLE" || key.type === "QUOTE_SINGLE") && yaml[key.range[1]!] !== ":") {
                    const quote = yaml[start]!
                    problem = `the key ${key.value} is followed by a space before its colon, which is not supported; write ${quote}${key.value}${quote}:${at(key)}`
                  }
                  if (problem !== undefined) return lib.visit.BREAK
                }
                // `{a: }`, `{a}` and `{a:b}` (the key "a:b") are null values here, and no value
                // to the SDK's skills client (in a block map, `a:` is null to both).
                const value = pair.value
                if (
                  lib.isMap(map) && map.flow === true &&
                  (value === null || (lib.isScalar(value) && value.range && value.range[0] === value.range[1]))
                ) {
                  problem = `the key ${key.value} has no value in {…}, which is not supported; write ${key.value}: null${at(key)}`
                  return lib.visit.BREAK
                }
                return undefined
              }
              problem = `the key ${lib.isNode(key) ? String(key) : JSON.stringify(key)} is not a string; quote it${lib.isNode(key) ? at(key) : ""}`
              return lib.visit.BREAK
            }
          })
          // `...` ends the YAML document: what follows in the block is no YAML to this parser, and
          // the SDK's skills client reads that line as a key it cannot find.
          if (problem === undefined && document.directives?.docEnd === true) {
            problem = "the document end marker (...) is not supported; end the frontmatter with ---"
          }
          if (problem !== undefined) throw new Error(problem)
          return document.toJS() as unknown
        },
        catch: (error) => String((error as Error)?.message ?? error)
      })
  )

let library: Promise<typeof import("yaml")> | undefined

/** The deepest nesting the SDK's skills client reads (its `MAX_DEPTH`). */
const maxDepth = 32

/** The frontmatter block (both `---` lines, with a trailing newline) for these fields, in order. */
export const render = (fields: ReadonlyArray<readonly [string, string | { readonly [key: string]: string }]>): string => {
  let out = "---\n"
  for (const [key, value] of fields) {
    if (typeof value === "string") {
      out += `${scalar(key)}: ${scalar(value)}\n`
      continue
    }
    out += `${scalar(key)}:${Object.keys(value).length === 0 ? " {}" : ""}\n`
    for (const [k, v] of Object.entries(value)) out += `  ${scalar(k)}: ${scalar(v)}\n`
  }
  return out + "---\n"
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * A plain scalar that every YAML schema reads as this very string: a letter first, then letters,
 * digits, spaces and harmless punctuation (no `:`, `#`, quotes first, flow or block indicators),
 * no trailing space, and not a word a YAML 1.1 or 1.2 schema reads as a boolean or null.
 */
const plain = /^[A-Za-z][A-Za-z0-9 _.,;()'/+-]*$/
const keywords = /^(?:true|false|null|yes|no|on|off|y|n)$/i

const scalar = (value: string): string =>
  plain.test(value) && !value.endsWith(" ") && !keywords.test(value) ? value : JSON.stringify(value)
