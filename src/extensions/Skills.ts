/**
 * The skills extension (SEP-2640, `io.modelcontextprotocol/skills`): a server serves Agent Skills
 * (a directory with a `SKILL.md` at its root and any supporting files) as ordinary resources under
 * `skill://<name>/…`, and lists them with `skills/list` and `skills/get`.
 *
 * A {@link Skill} is a value, checked when it is built ({@link make} in code, {@link fromDirectory}
 * from disk): its name follows the Agent Skills naming rule, it has at most 512 files and 16 MiB,
 * and each file's SHA-256 digest is computed once. {@link layer} serves a list of skills: it
 * declares the extension in `capabilities.extensions` (settings `{}`, or `{ directoryRead: true }`),
 * adds the methods `skills/list`, `skills/get` and optionally `resources/directory/read`, and
 * registers every file as a resource readable with `resources/read`.
 *
 * **Example** (One skill built in code, served over stdio)
 *
 * ```ts
 * import { McpServer, Stdio } from "effect-mcp-server"
 * import { Skills } from "effect-mcp-server/skills"
 *
 * const Invoices = Skills.make({
 *   name: "invoice-review",
 *   description: "Checks an invoice against the purchase order before it is paid.",
 *   body: "# Invoice review\n\nCompare every line with `references/checklist.md`.\n",
 *   files: { "references/checklist.md": "- totals match\n- VAT number present\n" }
 * })
 *
 * McpServer.serve({ name: "finance", version: "1.0.0" }, Skills.layer([Invoices]), Stdio.make())
 *   .pipe(Stdio.runMain)
 * ```
 *
 * @since 0.2.0
 */
import { isUtf8 } from "node:buffer"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as NumericOptions from "../internal/options.ts"
import * as McpError from "../protocol/McpError.ts"
import * as Schemas from "../protocol/internal/mcpSchemas.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import * as Extension from "../server/Extension.ts"
import * as McpServer from "../server/McpServer.ts"
import { definitionSite, type Site } from "../server/internal/definitionSite.ts"
import { resourceKey } from "../server/internal/resourceKey.ts"
import * as Pagination from "../protocol/Pagination.ts"
import type { RequestContext } from "../session/RequestContext.ts"
import { nodeCrypto } from "../internal/nodeCrypto.ts"
import { clip } from "../internal/clip.ts"
import * as RegularFile from "./internal/regularFile.ts"
import * as FrontmatterText from "./internal/frontmatter.ts"

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/**
 * The extension identifier, the key of `capabilities.extensions`.
 *
 * @since 0.2.0
 * @category constants
 */
export const id = "io.modelcontextprotocol/skills"

/**
 * The Agent Skills naming rule for a skill name (1 to 64 characters: lowercase letters, digits
 * and hyphens, no hyphen first, last or twice in a row). The name is the last segment of the
 * skill's path, so it is also what its URIs are made of.
 *
 * @since 0.2.0
 * @category constants
 */
export const namePattern: RegExp = /^(?!.*--)[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/

/**
 * The most a skill may hold (SEP-2640): 512 files (its `SKILL.md` included) and 16 MiB in all.
 *
 * @since 0.2.0
 * @category constants
 */
export const limits = { files: 512, bytes: 16 * 1024 * 1024 } as const

/**
 * The `mimeType` that marks a directory in a `resources/directory/read` result.
 *
 * @since 0.2.0
 * @category constants
 */
export const directoryMimeType = "inode/directory"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * Why a skill was refused: a bad name, frontmatter or file path (a link that leads to no file, a
 * file or directory removed while it was read or that cannot be read), too many files or bytes,
 * two skills of one name in a {@link layer}, or a directory without a readable `SKILL.md`.
 *
 * @since 0.2.0
 * @category errors
 */
export class SkillError extends Data.TaggedError("SkillError")<{
  readonly reason:
    | "InvalidName"
    | "InvalidFrontmatter"
    | "InvalidPath"
    | "TooManyFiles"
    | "TooLarge"
    | "DuplicateName"
    | "MissingSkillMd"
  /** The skill's name, or the directory it was read from. */
  readonly skill: string
  readonly message: string
}> {}

/**
 * A file of a skill as given to {@link make}: text, bytes, or either with an explicit `mimeType`
 * (otherwise guessed from the extension: `.md` is `text/markdown`, unknown text `text/plain`,
 * unknown bytes `application/octet-stream`).
 *
 * @since 0.2.0
 * @category models
 */
export type FileInput = string | Uint8Array | {
  readonly content: string | Uint8Array
  readonly mimeType?: string | undefined
}

/**
 * The YAML frontmatter of a `SKILL.md` as a JSON object: `name` and `description` always, and
 * whatever else the file declares (`metadata`, `license`, …), verbatim.
 *
 * @since 0.2.0
 * @category models
 */
export interface Frontmatter {
  readonly name: string
  readonly description: string
  readonly [key: string]: unknown
}

/**
 * One file of a skill, ready to serve: `SKILL.md` first, then the others by path.
 *
 * @since 0.2.0
 * @category models
 */
export interface File {
  /** Its path within the skill, `/`-separated (`SKILL.md`, `references/guide.md`). */
  readonly path: string
  /** `skill://<name>/<path>` (each path segment percent-encoded). */
  readonly uri: string
  readonly mimeType: string
  /** Text (served as `text`) or bytes (served as `blob`). */
  readonly content: string | Uint8Array
  /** Its length in bytes (text: as UTF-8). */
  readonly size: number
  /** `sha256:<64 lowercase hex>` of those bytes. */
  readonly digest: string
}

/**
 * A skill entry as `skills/list` and `skills/get` send it: the `SKILL.md` URI, the frontmatter,
 * and every file (the `SKILL.md` included) with its digest and size.
 *
 * @since 0.2.0
 * @category models
 */
export interface Entry {
  readonly uri: string
  readonly frontmatter: Frontmatter
  readonly resources: ReadonlyArray<{ readonly uri: string; readonly digest: string; readonly size: number }>
}

/**
 * A skill, checked and digested: build one with {@link make} or {@link fromDirectory}, serve it
 * with {@link layer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Skill {
  readonly name: string
  /** `skill://<name>/SKILL.md`. */
  readonly uri: string
  readonly frontmatter: Frontmatter
  /** `SKILL.md` first, then the other files by path. */
  readonly files: ReadonlyArray<File>
  /** What `skills/list` and `skills/get` send for it (computed once). */
  readonly entry: Entry
}

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

/**
 * Builds a skill in code. The `SKILL.md` text is the YAML frontmatter (`name`, `description`, then
 * `metadata` when given) followed by `body`; `files` are its other files by relative path.
 *
 * **Details**
 *
 * Every file is checked and digested here, once: a name that breaks the naming rule
 * ({@link namePattern}), an empty description or one past 1,024 characters (the Agent Skills
 * bounds), a `metadata` key under the reserved `io.modelcontextprotocol/` prefix, a path that is absolute, has `.`/`..`/empty segments or is
 * both a file and a directory, more than 512 files or more than 16 MiB throw a {@link SkillError}.
 *
 * **Example** (A skill with a reference file)
 *
 * ```ts
 * const Review = Skills.make({
 *   name: "code-review",
 *   description: "Reviews a change for correctness and style.",
 *   body: "# Code review\n\nSee references/style.md.\n",
 *   metadata: { author: "platform-team" },
 *   files: { "references/style.md": "Prefer small functions.\n" }
 * })
 * Review.uri // => "skill://code-review/SKILL.md"
 * Review.files.map((file) => file.path) // => ["SKILL.md", "references/style.md"]
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (definition: {
  readonly name: string
  readonly description: string
  /** The Markdown after the frontmatter. */
  readonly body: string
  /** The frontmatter's `metadata` map. */
  readonly metadata?: { readonly [key: string]: string } | undefined
  /** The other files, by path relative to the skill's root (`references/guide.md`). */
  readonly files?: { readonly [path: string]: FileInput } | undefined
}): Skill => {
  const { name, description, metadata } = definition
  const frontmatter: Frontmatter = metadata === undefined ? { name, description } : { name, description, metadata: { ...metadata } }
  const problem = checkFrontmatter(frontmatter, String(name))
  if (problem !== undefined) throw problem
  const text = FrontmatterText.render(metadata === undefined
    ? [["name", name], ["description", description]]
    : [["name", name], ["description", description], ["metadata", metadata]]) + definition.body
  const skill = Result.getOrThrow(build(frontmatter, text, Object.entries(definition.files ?? {}), name))
  // A file's registration refused (a URI another component gives too) points at this call.
  const site = definitionSite(make)
  origins.set(skill, () => site)
  return skill
}

/**
 * Reads a skill from a directory: its `SKILL.md` (whose YAML frontmatter gives the name, the
 * description and the rest of the entry's frontmatter) and every file under it, served byte for
 * byte (valid UTF-8 as text, anything else as bytes).
 *
 * **Details**
 *
 * Needs the `FileSystem` and `Path` services (`NodeServices.layer` of `@effect/platform-node`).
 * The checks are those of {@link make}, plus: the directory has a `SKILL.md` that starts with a
 * frontmatter block, a `compatibility` field, when there is one, is a string of 1 to 500
 * characters, and the frontmatter is YAML that every reader reads alike, as JSON carries it (the
 * entry's frontmatter must equal what a client parses): no anchor, alias or tag (`&a`, `*a`,
 * `!!str`), no key that is not a string (`1:`, `~:`; quote it), no `.inf` or `.nan`, no
 * `__proto__` key, and nothing the SDK's skills client cannot read (a quoted value or a `[…]`/`{…}`
 * that goes on past its line, `|2`, `? key`, `?key:`, `"key" :`, `...`). Entries whose name
 * starts with `.` are skipped, and so are symbolic links to directories; a link to a file is followed when the file is
 * within the directory, and refused (`InvalidPath`) when it leads outside it (to `~/.ssh/id_rsa`, or
 * to a file of another skill: copy it in instead). A link to a file under a `.` entry of the
 * directory (`notes -> .git/config`) is skipped, as that entry is. A file or directory whose name
 * is not UTF-8 is refused (`InvalidPath`). Each file is opened once and read through that handle
 * only when its path still leads where it was checked to lead, to the file opened: one re-pointed
 * or replaced by a link while the skill was read is refused (`InvalidPath`), never read from
 * outside the directory; one replaced in place (a new file renamed over it, as an editor saves) is
 * opened again, and the saved file served (refused only when replaced at each of 3 opens). Files
 * are opened without waiting (`O_NONBLOCK`, through Node's `node:fs`: the `FileSystem` given lists
 * and measures, the bytes are read by Node's, unless that file system is not the disk Node sees,
 * an in-memory one: then its own open reads them; a file another process holds a lease on, which such
 * an open finds busy, is opened again until the lease is broken, 46 s at most), and what was opened is read only when it is a
 * regular file: one swapped for a FIFO, a socket or a device after it was listed is refused
 * (`InvalidPath`), not waited on for a writer; one there from the start is skipped. The
 * directory itself re-pointed while it is read (a link a deploy swaps to a new release) fails
 * that read; the skill is read again, once, from where the link leads now. A file
 * or directory under it that is removed after it was listed, or that the server may not read, is
 * named: `MissingSkillMd` for the `SKILL.md`, `InvalidPath`
 * otherwise (not the file system's `NotFound` or `PermissionDenied`).
 * Each file is measured before it is read (a file past the size limit is
 * `TooLarge` unread), and read no further than the limit (one that grew past it since is
 * `TooLarge` too). The skill's URIs come from the frontmatter `name`, not from the directory's
 * name.
 *
 * **Example** (Serving a skill read from disk)
 *
 * ```ts
 * const Skill = Layer.unwrap(Effect.map(Skills.fromDirectory("./skills/pdf-processing"), (skill) => Skills.layer([skill])))
 * McpServer.serve(options, Skill.pipe(Layer.provide(NodeServices.layer)), Stdio.make())
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromDirectory = (
  directory: string
): Effect.Effect<Skill, SkillError | PlatformError.PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const loaded = { root: undefined as string | undefined }
    const load = loadDirectory(directory, loaded)
    // The directory re-pointed while it was read (a deploy swapping `skills/pdf -> releases/v2/pdf`
    // for `releases/v1/pdf`): what failed on that ("changed while the skill was read", a file
    // removed with the old release) is read again, once, from where it leads now. A second swap
    // during that read is said as it is.
    return yield* Effect.catch(load, (error) =>
      Effect.flatMap(Effect.orElseSucceed(fs.realPath(directory), () => loaded.root), (now) =>
        loaded.root !== undefined && now !== loaded.root ? load : Effect.fail(error)))
  })

/** The body of {@link fromDirectory}: one read of the skill; `loaded.root` is the real path it read. */
const loadDirectory = (
  directory: string,
  loaded: { root: string | undefined }
): Effect.Effect<Skill, SkillError | PlatformError.PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files: Array<[string, Uint8Array]> = []
    // The directory as the links are resolved: a link is followed only to a file under it.
    const root = yield* fs.realPath(directory)
    loaded.root = root
    // Node's open, unless the `FileSystem` given is not the disk Node sees (then its own).
    const open = yield* RegularFile.forDirectory(fs, root, yield* fs.stat(root))
    let manifest: Uint8Array | undefined
    // Bytes read so far: a file that would pass the limit is refused before it is read (a 1 GiB
    // file was read whole, 2 GB of memory, before the limit was checked).
    let read = 0
    // A file or directory under the root that went away after it was listed, or that the server
    // may not read, is named (as the skill's, which a `catchTag("SkillError")` sees), not a bare
    // NotFound or PermissionDenied of the file system that fails the load without saying whose.
    // A SKILL.md so is what the module says `MissingSkillMd` is, a directory without a readable
    // one; any other path is `InvalidPath`, as a link that leads to no file is.
    const named = <A>(effect: Effect.Effect<A, SkillError | PlatformError.PlatformError>, relative: string) =>
      Effect.mapError(effect, (error): SkillError | PlatformError.PlatformError =>
        error._tag !== "SkillError" && (error.reason._tag === "NotFound" || error.reason._tag === "PermissionDenied")
          ? new SkillError({
            reason: relative === "SKILL.md" ? "MissingSkillMd" : "InvalidPath",
            skill: directory,
            message: `${directory}: ${relative} could not be read (${
              error.reason._tag === "NotFound" ? "it was removed while the skill was read" : "permission denied"
            })`
          })
          : error)
    // The file at `path`, read up to `most + 1` bytes at most (one more than `most` says it holds
    // more); `expected` is its size as measured, the buffer's first size. `real` is where the file
    // must be, its real path within the root as checked: the file is opened once, and read through
    // that handle only once the path is seen to resolve there still and the file there to be the
    // one opened (same device and inode). A check of the path then a read of the path read what
    // the path named at the read: a link re-pointed between the two (or a file replaced by a link
    // after the listing) served a file outside the skill's directory. A path that resolves there
    // still, to another file, was replaced in place (an editor's atomic save: a new file renamed
    // over the old one): it is opened again, up to `readAttempts` times in all (it was refused as
    // changed, and the whole skill with it, for a save made while the server started).
    const readAtMost = (
      path: string,
      real: string,
      relative: string,
      expected: number,
      most: number,
      attempt = 1
    ): Effect.Effect<Uint8Array, SkillError | PlatformError.PlatformError> =>
      Effect.flatMap(
        Effect.scoped(Effect.gen(function*() {
          // Opened without waiting (a FIFO swapped in after the listing waited for a writer, for
          // ever: see `internal/regularFile.ts`), and read through this one descriptor only.
          // A socket cannot be opened (ENXIO, `BadResource`): no regular file either.
          const opened = yield* Effect.catchIf(
            open(path),
            (error) => error.reason._tag === "BadResource",
            () => Effect.succeed(undefined)
          )
          if (opened === undefined || opened.type !== "File") {
            return yield* new SkillError({
              reason: "InvalidPath",
              skill: directory,
              message: `${directory}: ${relative} is not a regular file now (a FIFO or a device was put in its place while the skill was read)`
            })
          }
          const now = yield* fs.realPath(path)
          const there = now === real ? yield* fs.stat(now) : undefined
          const moved = there === undefined || there.dev !== opened.dev
          if (moved || (there.ino._tag === "Some" && there.ino.value !== opened.ino)) {
            if (moved || attempt >= readAttempts) {
              return yield* new SkillError({
                reason: "InvalidPath",
                skill: directory,
                message: `${directory}: ${relative} changed while the skill was read (it leads elsewhere now)`
              })
            }
            return undefined
          }
          let buffer = new Uint8Array(Math.min(expected, most) + 1)
          let total = 0
          // Each turn reads a byte at least, or ends: at most `most + 1` turns.
          while (total <= most) {
            if (total === buffer.length) {
              const larger = new Uint8Array(Math.min(buffer.length * 2, most + 1))
              larger.set(buffer)
              buffer = larger
            }
            const count = yield* opened.read(buffer.subarray(total))
            if (count === 0) break
            total += count
          }
          return buffer.subarray(0, total)
        })),
        (bytes) => bytes === undefined ? readAtMost(path, real, relative, expected, most, attempt + 1) : Effect.succeed(bytes)
      )
    // Depth first; `relative` is `/`-separated whatever the platform's separator.
    const walk = (absolute: string, relative: string): Effect.Effect<void, SkillError | PlatformError.PlatformError> =>
      Effect.gen(function*() {
        const listed = fs.readDirectoryEntries(absolute)
        const entries = [...yield* (relative === "" ? listed : named(listed, relative))].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
        for (const entry of entries) {
          if (entry.name.startsWith(".")) continue
          const child = path.join(absolute, entry.name)
          const childRelative = relative === "" ? entry.name : `${relative}/${entry.name}`
          // A name that is not UTF-8 is read with U+FFFD in place of its bytes, a path that names
          // nothing: said as such (it was the file system's NotFound for a file that is there).
          // A name with a real U+FFFD exists, and is served.
          if (entry.name.includes("\uFFFD") && !(yield* fs.exists(child))) {
            return yield* new SkillError({
              reason: "InvalidPath",
              skill: directory,
              message: `${directory}: the name of ${childRelative} is not valid UTF-8 (rename it; a skill's paths are UTF-8)`
            })
          }
          if (entry.type === "Directory") {
            yield* walk(child, childRelative)
            continue
          }
          // A link is followed to a file, never to a directory (no cycles). One that leads nowhere
          // (to nothing, or round in a loop) is named, not a bare NotFound from the file system.
          const info = yield* named(
            Effect.mapError(fs.stat(child), (error): SkillError | PlatformError.PlatformError =>
              entry.type === "SymbolicLink" && (error.reason._tag === "NotFound" || error.reason._tag === "BadResource")
                ? new SkillError({
                  reason: "InvalidPath",
                  skill: directory,
                  message: `${directory}: ${childRelative} is a link that leads to no file (to nothing, or round a loop)`
                })
                : error),
            childRelative
          )
          if (info.type === "File") {
            // Where the file is: under the root as listed, or where the link leads.
            let real = path.join(root, ...childRelative.split("/"))
            // A link out of the skill is refused, not served: whoever could write a link in the
            // directory served any file the server can read, to every client.
            if (entry.type === "SymbolicLink") {
              real = yield* named(fs.realPath(child), childRelative)
              const relative = path.relative(root, real)
              if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
                return yield* new SkillError({
                  reason: "InvalidPath",
                  skill: directory,
                  message: `${directory}: ${childRelative} is a link to a file outside the skill's directory (copy the file in)`
                })
              }
              // Skipped as the dot entry it leads into is (`notes -> .git/config`): the rule is
              // where the bytes are, not what the link is called.
              if (relative.split(path.sep).some((segment) => segment.startsWith("."))) continue
            }
            if (files.length >= limits.files) {
              return yield* new SkillError({ reason: "TooManyFiles", skill: directory, message: `${directory} holds more than ${limits.files} files` })
            }
            const tooLarge = () => new SkillError({ reason: "TooLarge", skill: directory, message: `${directory}: its files hold more than ${limits.bytes} bytes` })
            // What this file may hold: a file that grew since it was measured is read no further
            // than one byte past it (it was read whole, however large, before the limit was
            // checked again).
            const room = limits.bytes - read
            if (Number(info.size) > room) return yield* tooLarge()
            const bytes = yield* named(readAtMost(child, real, childRelative, Number(info.size), room), childRelative)
            if (bytes.byteLength > room) return yield* tooLarge()
            read += bytes.byteLength
            if (childRelative === "SKILL.md") manifest = bytes
            else files.push([childRelative, bytes])
          }
        }
      })
    yield* walk(directory, "")
    if (manifest === undefined) {
      return yield* new SkillError({ reason: "MissingSkillMd", skill: directory, message: `${directory} has no SKILL.md` })
    }
    const text = textOf(manifest)
    if (text === undefined) {
      // Said as such: a UTF-16 file (what some editors save as "Unicode") does start with `---`
      // to whoever looks at it.
      return yield* new SkillError({
        reason: "InvalidFrontmatter",
        skill: directory,
        message: `${directory}/SKILL.md is not valid UTF-8 (a SKILL.md is UTF-8 text)`
      })
    }
    const yaml = FrontmatterText.extract(text)
    if (yaml === undefined) {
      return yield* new SkillError({
        reason: "InvalidFrontmatter",
        skill: directory,
        // A block opened and never closed is said so: "does not start with a block" was wrong to
        // whoever sees the opening `---` first thing in the file.
        message: FrontmatterText.opens(text)
          ? `${directory}/SKILL.md: the frontmatter block has no closing --- line`
          : `${directory}/SKILL.md does not start with a YAML frontmatter block (--- … ---)`
      })
    }
    const parsed = yield* Effect.mapError(FrontmatterText.parse(yaml), (problem) =>
      new SkillError({ reason: "InvalidFrontmatter", skill: directory, message: `${directory}/SKILL.md: invalid frontmatter: ${problem}` }))
    // No YAML, or only comments: said as such, not "not a map" of a block that has nothing in it.
    if (parsed === null || parsed === undefined) {
      return yield* new SkillError({
        reason: "InvalidFrontmatter",
        skill: directory,
        message: `${directory}/SKILL.md: the frontmatter is empty (it needs a name and a description)`
      })
    }
    const problem = checkFrontmatter(parsed, directory)
    if (problem !== undefined) return yield* problem
    const skill = yield* Effect.fromResult(build(parsed as Frontmatter, text, files.map(([file, bytes]) => [file, textOf(bytes) ?? bytes]), directory))
    // A file's registration refused (a URI another component gives too) points at the file read.
    origins.set(skill, (file) => path.join(root, ...file.path.split("/")))
    return skill
  })

// ---------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------

/**
 * How {@link layer} serves its skills.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Serve `resources/directory/read` on the skills' directories, and declare it
   * (`{ directoryRead: true }`). Default false.
   */
  readonly directoryRead?: boolean | undefined
  /** Entries per page of `skills/list` and `resources/directory/read` (default: all in one page). */
  readonly pageSize?: number | undefined
}

/**
 * Serves `skills`: declares the extension `io.modelcontextprotocol/skills` (to every protocol
 * version), answers `skills/list`, `skills/get` and, with `directoryRead`,
 * `resources/directory/read`, and registers every file of every skill as a resource.
 *
 * **Details**
 *
 * - `skills/list` pages with an opaque cursor; an entry is never split across pages. A cursor is
 *   its list's (`skills/list`'s, or one directory's) and its server's, as the core lists' are: one
 *   of another list or of another server is -32602.
 * - `skills/get {uri}` answers `{ skill: entry }` for a skill's `SKILL.md` URI, -32602 otherwise.
 *   A URI of `skills/get` and `resources/directory/read` is compared in its normal form, as
 *   `resources/read` compares it (the scheme's case, percent-encodings' case, unreserved
 *   characters encoded or not: `skill://a/r%c3%a9f` is `skill://a/r%C3%A9f`).
 * - `resources/directory/read {uri, cursor?}` lists the direct children of a skill directory
 *   (`skill://<name>` or a subdirectory), a subdirectory with `mimeType: "inode/directory"`;
 *   -32602 for any other URI.
 * - 2026-07-28 results of `skills/list`, `skills/get` and `resources/directory/read` carry the
 *   caching hints `ttlMs: 0` and `cacheScope: "private"`, like the core lists (the SDK's skills
 *   client refuses a page without them).
 * - The `SKILL.md` resource is named and described by its frontmatter, with `mimeType`
 *   `text/markdown`; another file's resource name is its path within the skill.
 * - Requests need not declare the extension: SEP-2640 defines no client-side declaration.
 *
 * **Gotchas**
 *
 * The extension is registered once per server: serve all skills from one `layer` (two skills of
 * one name throw a {@link SkillError}). `pageSize` must be a positive integer.
 *
 * The skills can be swapped while the server runs: close the scope of its `layer` and build
 * another in the server (`Layer.buildWithScope`). Every session is told
 * `notifications/resources/list_changed`, and lists, gets and reads the new skills. A 2025-11-25
 * session keeps what it negotiated at `initialize`, though: the extension's settings it was told
 * (`directoryRead`: a swap to skills served without it answers its directory reads -32601), and
 * whether skills were served at all (a session that started with no `layer` in the server has no
 * skills methods, nor `resources/*` unless another component served resources); MCP 2025-11-25
 * has no way to tell a session its capabilities changed: its client reconnects to see them.
 *
 * **Example** (Serving two skills with directory reads)
 *
 * ```ts
 * McpServer.serve(options, Skills.layer([Review, Invoices], { directoryRead: true }), StreamableHttp.make({ port: 3000 }))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  skills: ReadonlyArray<Skill>,
  options: Options = {}
): Layer.Layer<never, never, McpServer.McpServer> => {
  const pageSize = options.pageSize
  NumericOptions.check("Skills.layer", "pageSize", pageSize, NumericOptions.integer(1))
  const byUri = new Map<string, Skill>()
  for (const skill of skills) {
    if (byUri.has(skill.uri)) {
      throw new SkillError({ reason: "DuplicateName", skill: skill.name, message: `Two skills are named ${skill.name}` })
    }
    byUri.set(skill.uri, skill)
  }
  // The extension is made for the server it is built in: each list's cursors name it and the
  // server, as the core lists' do (`Pagination.scope`).
  const extension = Layer.unwrap(
    Effect.map(Effect.service(McpServer.McpServer), (server) => {
      const own = methodsOf(skills, byUri, options, server.options.name)
      const live = servedOn(server)
      return Layer.merge(
        McpServer.extension(extensionOf(own, options, live)),
        // These skills answer every session of the server while this Layer is alive; closed, the
        // skills served before it (none, unless it was built over a live one and failed) do.
        Layer.effectDiscard(Effect.acquireRelease(
          Effect.sync(() => {
            const previous = live.methods
            live.methods = own
            return previous
          }),
          (previous) =>
            Effect.sync(() => {
              if (live.methods === own) live.methods = previous
            })
        ))
      )
    })
  )
  // Each at the skill's file (or the `make` that built it): registered here, a file's refusal
  // pointed at this line of the library.
  const files = skills.flatMap((skill) => {
    const origin = origins.get(skill)
    return skill.files.map((file) => McpServer.resourceAt(resourceOf(skill, file), origin?.(file) ?? file.uri))
  })
  // Merged in groups: one `mergeAll(...files)` passed every file as an argument, and past about
  // 120,000 of them (250 skills at the 512-file limit) the call overflowed the stack (RangeError).
  const groups: Array<Layer.Layer<never, never, McpServer.McpServer>> = []
  for (let i = 0; i < files.length; i += layersPerGroup) {
    groups.push(Layer.mergeAll(...files.slice(i, i + layersPerGroup) as [Layer.Layer<never, never, McpServer.McpServer>]))
  }
  return Layer.mergeAll(extension, ...groups)
}

/**
 * Where each skill came from, for a refused registration of one of its files (see {@link layer}):
 * the file read ({@link fromDirectory}), or the call of {@link make} that built it. A skill made
 * otherwise (an object of one's own) is named by each file's URI.
 */
const origins = new WeakMap<Skill, (file: File) => string | Site>()

/** The skills extension's methods, by name. */
type Methods = Readonly<Record<string, Extension.Method>>

/**
 * What a server's skills extension answers with now: the methods of the `Skills.layer` alive in it
 * (`undefined` while there is none). A 2025 session keeps the server it started with, the routes
 * of the extension it negotiated among them; so each extension's methods answer from here, not
 * from their own skills, or a run-time swap (one `Skills.layer` closed, another built in the
 * running server) left that session's `skills/list`, `skills/get` and directory reads answering
 * the skills swapped out (while its resource list and reads were the new ones: the files'
 * digests no longer matched). A 2026-07-28 request is answered by the server as it is now.
 */
interface Served {
  methods: Methods | undefined
}

const served = new WeakMap<object, Served>()

/** The {@link Served} of `server` (the `McpServer` service). */
const servedOn = (server: object): Served => {
  let live = served.get(server)
  if (live === undefined) served.set(server, live = { methods: undefined })
  return live
}

/**
 * The refusals of a URI that names no skill, or no directory of one: one place for both the
 * served skills and {@link noSkills}, the client's URI clipped in the message and in `data.uri`
 * (a 3 MB URI is not sent back whole).
 */
const unknownSkill = (uri: string) => McpError.invalidParams(`Unknown skill: ${clip(uri)}`, { uri: clip(uri) })
const notADirectory = (uri: string) => McpError.invalidParams(`Not a skill directory: ${clip(uri)}`, { uri: clip(uri) })

/** Answers a 2025 session whose skills layer was closed and none built since: no skills. */
const noSkills: Methods = {
  "skills/list": Extension.method({
    params: Schemas.PaginatedRequestParams(),
    handler: (_, context) => Exit.succeed(cached({ skills: [] }, context))
  }),
  "skills/get": Extension.method({
    params: Schemas.ResourceRequestParams(),
    handler: (params) => Exit.fail(unknownSkill(params.uri))
  }),
  "resources/directory/read": Extension.method({
    params: Schemas.ResourceRequestParams(),
    handler: (params) => Exit.fail(notADirectory(params.uri))
  })
}

/**
 * The extension whose methods are those of `own` (their params), each answered by the same
 * method of the skills `live` serves now; one these do not serve (`resources/directory/read`
 * after a swap to skills served without `directoryRead`) is -32601, as a server without it answers.
 */
const extensionOf = (own: Methods, options: Options, live: Served): Extension.Extension<never> => {
  const methods: Record<string, Extension.Method> = {}
  for (const [name, method] of Object.entries(own)) {
    methods[name] = {
      params: method.params,
      handler: (params, context) => {
        const now = (live.methods ?? noSkills)[name]
        return now === undefined ? Exit.fail(McpError.methodNotFound(name)) : now.handler(params, context)
      }
    }
  }
  return Extension.make({
    id,
    settings: options.directoryRead === true ? { directoryRead: true } : {},
    versions: "all",
    requireDeclaration: false,
    // SEP-2640: a server that declares skills declares `resources`, and serves `resources/*`, even
    // with no skill (a skills folder with none in it): it declared the extension alone.
    advertise: { resources: true },
    methods
  })
}

/**
 * The methods serving `skills` on the server named `server`. Each of their lists' cursors name it
 * (`skills/list`, one directory of `resources/directory/read`) and the server (see
 * `Pagination.scope`): one of another list, or of another server, is no place in this one (-32602).
 */
const methodsOf = (
  skills: ReadonlyArray<Skill>,
  byUri: ReadonlyMap<string, Skill>,
  options: Options,
  server: string
): Methods => {
  const pageSize = options.pageSize
  const listed = skills.map((skill, seq) => ({ seq, entry: skill.entry }))
  const listScope = Pagination.scope("skills", server)
  const methods: Record<string, Extension.Method> = {
    "skills/list": Extension.method({
      params: Schemas.PaginatedRequestParams(),
      handler: (params, context) => {
        const page = Pagination.paginate(listed, params.cursor, pageSize, listScope)
        if (page._tag === "Failure") return Exit.fail(page.failure)
        const result = { skills: page.success.items.map((item) => item.entry) }
        return Exit.succeed(cached(page.success.nextCursor === undefined ? result : { ...result, nextCursor: page.success.nextCursor }, context))
      }
    }),
    "skills/get": Extension.method({
      params: Schemas.ResourceRequestParams(),
      handler: (params, context) => {
        const skill = byNormalUri(byUri, params.uri)
        return skill === undefined
          ? Exit.fail(unknownSkill(params.uri))
          : Exit.succeed(cached({ skill: skill.entry }, context))
      }
    })
  }
  if (options.directoryRead === true) {
    const directories = directoriesOf(skills, server)
    methods["resources/directory/read"] = Extension.method({
      params: Schema.Struct({ ...Schemas.ResourceRequestParams().fields, cursor: Schema.optionalKey(Schemas.Cursor()) }),
      handler: (params, context) => {
        const directory = byNormalUri(directories, params.uri.endsWith("/") ? params.uri.slice(0, -1) : params.uri)
        if (directory === undefined) {
          return Exit.fail(notADirectory(params.uri))
        }
        const page = Pagination.paginate(directory.children, params.cursor, pageSize, directory.scope)
        if (page._tag === "Failure") return Exit.fail(page.failure)
        const resources = page.success.items.map((item) => item.resource)
        return Exit.succeed(cached(page.success.nextCursor === undefined ? { resources } : { resources, nextCursor: page.success.nextCursor }, context))
      }
    })
  }
  return methods
}

/**
 * What `uri` names in `map` (keyed by URIs in normal form, as a skill's are): looked up as
 * written, then in its normal form, as `resources/read` looks resources up (`internal/resourceKey.ts`:
 * `SKILL://a` is `skill://a`, `%c3%a9` is `%C3%A9`, `%61` is `a`). A directory read or a get of a
 * URI spelled otherwise than the server writes it was -32602 while `resources/read` read it.
 */
const byNormalUri = <A>(map: ReadonlyMap<string, A>, uri: string): A | undefined => {
  const found = map.get(uri)
  if (found !== undefined) return found
  const key = resourceKey(uri)
  return key === uri ? undefined : map.get(key)
}

/** The file Layers merged in one `Layer.mergeAll` call (an argument each). */
const layersPerGroup = 4096

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

const reservedMetadataPrefix = "io.modelcontextprotocol/"

/**
 * How many times `fromDirectory` opens a file that is replaced in place while it is read (an
 * editor's atomic save) before it refuses it as changed.
 */
const readAttempts = 3

/** The Agent Skills limits of `description` and `compatibility`, in characters (code points). */
const maxDescription = 1024
const maxCompatibility = 500

/** The number of characters (code points, as Agent Skills counts them) of `text`. */
const characters = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

/** The first problem of a frontmatter object, or `undefined` when it is valid. */
const checkFrontmatter = (frontmatter: unknown, skill: string): SkillError | undefined => {
  const refuse = (reason: SkillError["reason"], message: string) => new SkillError({ reason, skill, message })
  if (typeof frontmatter !== "object" || frontmatter === null || Array.isArray(frontmatter)) {
    return refuse("InvalidFrontmatter", `${skill}: the frontmatter is not a map`)
  }
  const unsent = notJson(frontmatter, "")
  if (unsent !== undefined) {
    return refuse(
      "InvalidFrontmatter",
      `${skill}: ${unsent.path === "" ? "the frontmatter" : `the frontmatter field ${unsent.path}`} is ${unsent.what}, which a skill entry cannot carry as it is (the entry's frontmatter must equal the SKILL.md's)`
    )
  }
  const { name, description, metadata } = frontmatter as { readonly [key: string]: unknown }
  if (typeof name !== "string" || !namePattern.test(name)) {
    return refuse(
      "InvalidName",
      `${skill}: the name ${JSON.stringify(name)} breaks the naming rule (1-64 lowercase letters, digits and hyphens; no hyphen first, last or twice in a row)`
    )
  }
  if (typeof description !== "string" || description.trim() === "") {
    return refuse("InvalidFrontmatter", `${skill}: the description must be a non-empty string`)
  }
  // The Agent Skills bounds: a host refuses an entry past them, and the SDK's skills client refuses
  // the whole `skills/list` for one such entry (every skill of the server with it).
  if (characters(description) > maxDescription) {
    return refuse("InvalidFrontmatter", `${skill}: the description has ${characters(description)} characters, more than ${maxDescription}`)
  }
  const compatibility = (frontmatter as { readonly [key: string]: unknown }).compatibility
  if (
    compatibility !== undefined &&
    (typeof compatibility !== "string" || compatibility === "" || characters(compatibility) > maxCompatibility)
  ) {
    return refuse("InvalidFrontmatter", `${skill}: compatibility must be a string of 1 to ${maxCompatibility} characters`)
  }
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      return refuse("InvalidFrontmatter", `${skill}: metadata must be a map`)
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (key.startsWith(reservedMetadataPrefix)) {
        return refuse("InvalidFrontmatter", `${skill}: the metadata key ${key} is under the reserved prefix ${reservedMetadataPrefix}`)
      }
      if (typeof value !== "string") return refuse("InvalidFrontmatter", `${skill}: the metadata value of ${key} is not a string`)
    }
  }
  return undefined
}

/**
 * The first value in `value` that JSON does not carry as it is, with its path: a number that is
 * not finite (YAML's `.inf`, `.nan`, `1e400`: sent as `null`), an object that is not a plain map
 * or list (`!!binary` bytes, `!!set`, `!!omap`, `!!timestamp`: sent as `{}`, a byte dump or a date
 * string), a `__proto__` key (which a reader's object either drops or takes as its prototype), or
 * a value inside itself (an alias in its own anchor, `&a [*a]`, which the `yaml` parser makes a
 * circular value: JSON cannot write it, and walking it overflowed the stack). The entry would then
 * differ from the frontmatter a client parses, which refuses the skill. `within`: the objects and
 * lists `value` is inside (an alias used twice, not inside itself, is a value JSON writes twice).
 */
const notJson = (
  value: unknown,
  path: string,
  within: Set<object> = new Set()
): { readonly path: string; readonly what: string } | undefined => {
  const at = (key: string | number) => typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined
    case "number":
      return Number.isFinite(value) ? undefined : { path, what: `the number ${value}` }
    case "object": {
      if (value === null) return undefined
      if (within.has(value)) return { path, what: "a value inside itself (a YAML alias within its own anchor)" }
      if (Array.isArray(value)) {
        within.add(value)
        for (let i = 0; i < value.length; i++) {
          const found = notJson(value[i], at(i), within)
          if (found !== undefined) return found
        }
        within.delete(value)
        return undefined
      }
      const prototype = Object.getPrototypeOf(value)
      if (prototype !== Object.prototype && prototype !== null) {
        return { path, what: `a ${(value as object).constructor?.name ?? "non-plain"} object` }
      }
      within.add(value)
      for (const key of Object.keys(value)) {
        if (key === "__proto__") return { path: at(key), what: "a __proto__ key" }
        const found = notJson((value as { readonly [key: string]: unknown })[key], at(key), within)
        if (found !== undefined) return found
      }
      within.delete(value)
      return undefined
    }
    default:
      return { path, what: `a ${typeof value}` }
  }
}

/** Checks the paths and the limits, digests every file, and builds the entry. */
const build = (
  frontmatter: Frontmatter,
  manifest: string,
  given: ReadonlyArray<readonly [string, FileInput]>,
  skill: string
): Result.Result<Skill, SkillError> => {
  const refuse = (reason: SkillError["reason"], message: string) => Result.fail(new SkillError({ reason, skill, message }))
  const root = `skill://${frontmatter.name}`
  if (given.length + 1 > limits.files) {
    return refuse("TooManyFiles", `${skill}: ${given.length + 1} files (SKILL.md included), more than ${limits.files}`)
  }
  const sorted = [...given].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  // SKILL.md among them: `SKILL.md/x` would make it a directory too (a directory read of the root
  // listed it as one, and never the file).
  const paths = new Set(["SKILL.md", ...sorted.map(([path]) => path)])
  const files: Array<File> = [fileOf(root, "SKILL.md", manifest, "text/markdown")]
  let bytes = files[0]!.size
  for (const [path, input] of sorted) {
    const segments = path.split("/")
    if (
      path === "SKILL.md" || path.includes("\\") ||
      segments.some((segment) => segment === "" || segment === "." || segment === "..")
    ) {
      return refuse("InvalidPath", `${skill}: the file path ${JSON.stringify(path)} is not a relative path within the skill (or is SKILL.md)`)
    }
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/")
      if (paths.has(parent)) return refuse("InvalidPath", `${skill}: ${parent} is both a file and a directory`)
    }
    const content = typeof input === "string" || input instanceof Uint8Array ? input : input.content
    const mimeType = typeof input === "string" || input instanceof Uint8Array || input.mimeType === undefined
      ? guessMimeType(path, typeof content === "string")
      : input.mimeType
    const file = fileOf(root, path, content, mimeType)
    bytes += file.size
    if (bytes > limits.bytes) return refuse("TooLarge", `${skill}: its files hold more than ${limits.bytes} bytes`)
    files.push(file)
  }
  const uri = files[0]!.uri
  return Result.succeed({
    name: frontmatter.name,
    uri,
    frontmatter,
    files,
    entry: { uri, frontmatter, resources: files.map((file) => ({ uri: file.uri, digest: file.digest, size: file.size })) }
  })
}

const fileOf = (root: string, path: string, content: string | Uint8Array, mimeType: string): File => {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content
  return {
    path,
    uri: `${root}/${path.split("/").map(encodeURIComponent).join("/")}`,
    mimeType,
    content,
    size: bytes.byteLength,
    digest: `sha256:${nodeCrypto().createHash("sha256").update(bytes).digest("hex")}`
  }
}

/** The bytes as text when they are valid UTF-8 (a BOM kept, so the text encodes back to them). */
const textOf = (bytes: Uint8Array): string | undefined =>
  isUtf8(bytes) ? new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes) : undefined

const mimeTypes: { readonly [extension: string]: string } = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  csv: "text/csv",
  html: "text/html",
  xml: "application/xml",
  js: "text/javascript",
  mjs: "text/javascript",
  py: "text/x-python",
  sh: "text/x-shellscript",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  pdf: "application/pdf"
}

const guessMimeType = (path: string, text: boolean): string => {
  const dot = path.lastIndexOf(".")
  const extension = dot > path.lastIndexOf("/") ? path.slice(dot + 1).toLowerCase() : ""
  if (Object.hasOwn(mimeTypes, extension)) return mimeTypes[extension]!
  return text ? "text/plain" : "application/octet-stream"
}

/** A file's resource as listed: `SKILL.md` named and described by the frontmatter. */
interface Listed {
  readonly uri: string
  readonly name: string
  readonly description?: string
  readonly mimeType: string
  readonly size?: number
}

const listedOf = (skill: Skill, file: File): Listed =>
  file.path === "SKILL.md"
    ? { uri: file.uri, name: skill.name, description: skill.frontmatter.description, mimeType: file.mimeType, size: file.size }
    : { uri: file.uri, name: file.path, mimeType: file.mimeType, size: file.size }

/** The resource that serves one file. */
const resourceOf = (skill: Skill, file: File) => ({ ...listedOf(skill, file), read: Exit.succeed(file.content) })

interface Child {
  readonly seq: number
  readonly resource: Listed
}

/** A skill directory as `resources/directory/read` pages it: its children, and its cursors' scope. */
interface Directory {
  readonly children: ReadonlyArray<Child>
  readonly scope: string
}

/**
 * Every directory of every skill (`skill://<name>` and its subdirectories) → its direct children,
 * and the scope of its cursors (the directory by a digest of its URI, and the server).
 */
const directoriesOf = (skills: ReadonlyArray<Skill>, server: string): ReadonlyMap<string, Directory> => {
  const directories = new Map<string, Map<string, Listed>>()
  const directory = (uri: string) => {
    let children = directories.get(uri)
    if (children === undefined) directories.set(uri, children = new Map())
    return children
  }
  for (const skill of skills) {
    const root = `skill://${skill.name}`
    directory(root)
    for (const file of skill.files) {
      const segments = file.uri.slice(root.length + 1).split("/")
      const names = file.path.split("/")
      let parent = root
      for (let i = 0; i < segments.length - 1; i++) {
        const uri = `${parent}/${segments[i]}`
        directory(parent).set(uri, { uri, name: names.slice(0, i + 1).join("/"), mimeType: directoryMimeType })
        directory(uri)
        parent = uri
      }
      directory(parent).set(file.uri, listedOf(skill, file))
    }
  }
  const out = new Map<string, Directory>()
  for (const [uri, children] of directories) {
    out.set(uri, {
      children: [...children.values()].sort((a, b) => a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0).map((resource, seq) => ({ seq, resource })),
      scope: Pagination.scope(`directory.${Pagination.digest(uri)}`, server)
    })
  }
  return out
}

/** The 2026-07-28 caching hints (SEP-2549), as the core lists have them. */
const cached = <A extends object>(result: A, context: RequestContext): A =>
  ProtocolVersion.isModern(context.protocolVersion) ? { ...result, ttlMs: 0, cacheScope: "private" } : result
