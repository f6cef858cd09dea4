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

/** The frontmatter block of a `SKILL.md`: `---` line, YAML, `---` line (an optional BOM first). */
const block = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/

/** The YAML text of the frontmatter block of `text`; `undefined` when it has none. */
export const extract = (text: string): string | undefined => block.exec(text)?.[1]

/**
 * Parses frontmatter YAML; fails with the parser's message (invalid YAML, duplicate keys).
 * The `yaml` package is imported on first use.
 */
export const parse = (yaml: string): Effect.Effect<unknown, string> =>
  Effect.flatMap(
    Effect.promise(() => library ??= import("yaml")),
    (lib) => Effect.try({ try: () => lib.parse(yaml) as unknown, catch: (error) => String((error as Error)?.message ?? error) })
  )

let library: Promise<typeof import("yaml")> | undefined

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
