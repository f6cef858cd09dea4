/**
 * The skills extension (SEP-2640): skills built in code and read from disk (checked and digested
 * at construction), and served: `server/discover` and `initialize` declare the extension,
 * `skills/list` pages, `skills/get` answers an entry or -32602, every file is a resource whose
 * served bytes match its digest, `resources/directory/read` lists a directory's children. Raw
 * MCP 2026-07-28 requests (`_meta` with the protocol version, no handshake) over the in-memory pair.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parse as parseYaml } from "yaml"
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { SkillsClient } from "@modelcontextprotocol/client/ext/skills"
import * as Logger from "effect/Logger"
import * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Cause from "effect/Cause"
import { InMemory, McpServer, RegistrationError } from "../../src/index.ts"
import * as RegularFile from "../../src/extensions/internal/regularFile.ts"
import { Skills } from "../../src/skills.ts"
import { connectRaw, initializeRaw, type RawClient } from "../e2e/harness.ts"
import { startServer } from "../server/McpServerHarness.ts"
import { recorder } from "../support/recorder.ts"

const id = "io.modelcontextprotocol/skills"
const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`
const fixtureDirectory = fileURLToPath(new URL("../../examples/skills/conformance-skill", import.meta.url))
const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)
/**
 * The loader's opens (`internal/regularFile.ts`, the one seam it opens and reads files through)
 * wrapped by `wrap`: a test's race injected right before or after an open, or its reads counted.
 */
const opening = (wrap: (open: RegularFile.Open) => RegularFile.Open) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, RegularFile.Open, wrap(RegularFile.Open.defaultValue()))

const Review = Skills.make({
  name: "code-review",
  description: "Reviews a change: correctness first, then style. # not a comment",
  body: "# Code review\n\nSee references/style.md.\n",
  metadata: { author: "platform-team", "io.modelcontextprotocol.skills/origin": "test: yes" },
  files: {
    "references/style.md": "Prefer small functions.\n",
    "references/deep/notes.txt": "nested\n",
    "assets/logo.bin": new Uint8Array([0, 255, 1, 254]),
    "scripts/run.sh": { content: "echo hi\n", mimeType: "application/x-sh" }
  }
})
const Plain = Skills.make({ name: "plain", description: "Nothing but a SKILL.md.", body: "Plain.\n" })
const Numeric = Skills.make({ name: "123", description: "true", body: "" })

/** The SkillError `f` throws (the test fails when it throws nothing or something else). */
const refusal = (f: () => unknown): Skills.SkillError => {
  try {
    f()
  } catch (error) {
    assert.instanceOf(error, Skills.SkillError)
    return error as Skills.SkillError
  }
  return assert.fail("expected a SkillError") as never
}

/** Serves `skills` and connects a raw client (no handshake: every request names 2026-07-28 in `_meta`). */
const serve = (skills: ReadonlyArray<Skills.Skill>, options?: Skills.Options, serverName?: string) =>
  Effect.gen(function*() {
    const server = yield* startServer(serverName === undefined ? {} : { name: serverName }, Skills.layer(skills, options))
    const raw = yield* connectRaw(server.lowLevel())
    let next = 0
    const request = (method: string, params: Record<string, unknown> = {}, _meta: object = meta) =>
      Effect.promise(async () => {
        const requestId = `r${next++}`
        await raw.send({ jsonrpc: "2.0", id: requestId, method, params: { ...params, _meta } })
        return raw.waitFor((message) => message.id === requestId)
      })
    return { raw, request }
  })

/**
 * Serves `skills` and connects the official SDK v2 client (negotiating `mode`) over an in-memory
 * pair, with the SDK's own skills client on it.
 */
const serveToSdk = (skills: ReadonlyArray<Skills.Skill>, options: Skills.Options, mode: "legacy" | { readonly pin: string }) =>
  Effect.gen(function*() {
    const server = yield* startServer({}, Skills.layer(skills, options))
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
    const client = new ClientV2({ name: "skills-host", version: "1.0.0" }, { versionNegotiation: { mode: mode as never } })
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(pair.client as never)),
      () => Effect.promise(() => client.close())
    )
    return { client, skills: new SkillsClient(client) }
  })

/** The bytes a `resources/read` contents entry carries. */
const bytesOf = (contents: { readonly text?: string; readonly blob?: string }) =>
  contents.text !== undefined ? Buffer.from(contents.text, "utf8") : Buffer.from(contents.blob!, "base64")

describe("Skills.make", () => {
  it("writes SKILL.md as frontmatter + body and digests every file once", () => {
    assert.strictEqual(Review.uri, "skill://code-review/SKILL.md")
    assert.deepStrictEqual(Review.files.map((file) => file.path), [
      "SKILL.md",
      "assets/logo.bin",
      "references/deep/notes.txt",
      "references/style.md",
      "scripts/run.sh"
    ])
    const manifest = Review.files[0]!
    assert.strictEqual(manifest.mimeType, "text/markdown")
    assert.isTrue((manifest.content as string).startsWith("---\nname: code-review\ndescription: "))
    assert.isTrue((manifest.content as string).endsWith("---\n# Code review\n\nSee references/style.md.\n"))
    assert.deepStrictEqual(Review.files.map((file) => file.mimeType), [
      "text/markdown",
      "application/octet-stream",
      "text/plain",
      "text/markdown",
      "application/x-sh"
    ])
    for (const file of Review.files) {
      const bytes = typeof file.content === "string" ? Buffer.from(file.content, "utf8") : file.content
      assert.strictEqual(file.digest, sha256(bytes), file.path)
      assert.match(file.digest, /^sha256:[0-9a-f]{64}$/)
      assert.strictEqual(file.size, bytes.byteLength)
    }
    assert.deepStrictEqual(Review.entry.resources, Review.files.map(({ uri, digest, size }) => ({ uri, digest, size })))
    assert.strictEqual(Review.files[2]!.uri, "skill://code-review/references/deep/notes.txt")
  })

  it("writes frontmatter that a YAML parser reads back as the entry's frontmatter", () => {
    for (const skill of [Review, Plain, Numeric]) {
      const text = skill.files[0]!.content as string
      const yaml = /^---\n([\s\S]*?)\n---\n/.exec(text)![1]!
      assert.deepStrictEqual(parseYaml(yaml), skill.entry.frontmatter, skill.name)
    }
    assert.deepStrictEqual(Numeric.frontmatter, { name: "123", description: "true" })
    assert.deepStrictEqual(Review.frontmatter.metadata, { author: "platform-team", "io.modelcontextprotocol.skills/origin": "test: yes" })
  })

  it("refuses a name that breaks the naming rule", () => {
    for (const name of ["Bad", "a--b", "-a", "a-", "", "a".repeat(65), "a_b", "a/b"]) {
      assert.strictEqual(refusal(() => Skills.make({ name, description: "d", body: "" })).reason, "InvalidName", name)
    }
    for (const name of ["a", "a".repeat(64), "a-b-c", "0"]) {
      assert.strictEqual(Skills.make({ name, description: "d", body: "" }).name, name)
    }
  })

  it("refuses an empty description and reserved metadata keys", () => {
    assert.strictEqual(refusal(() => Skills.make({ name: "a", description: " ", body: "" })).reason, "InvalidFrontmatter")
    const reserved = refusal(() => Skills.make({ name: "a", description: "d", body: "", metadata: { "io.modelcontextprotocol/x": "1" } }))
    assert.strictEqual(reserved.reason, "InvalidFrontmatter")
    assert.include(reserved.message, "reserved")
  })

  it("refuses paths outside the skill, SKILL.md itself, and a path that is both file and directory (SKILL.md too)", () => {
    for (const path of ["../x.md", "/x.md", "a//b.md", "./a.md", "a/../b.md", "SKILL.md", "a\\b.md", ""]) {
      const error = refusal(() => Skills.make({ name: "a", description: "d", body: "", files: { [path]: "x" } }))
      assert.strictEqual(error.reason, "InvalidPath", path)
    }
    const both = refusal(() => Skills.make({ name: "a", description: "d", body: "", files: { "ref": "x", "ref/guide.md": "y" } }))
    assert.strictEqual(both.reason, "InvalidPath")
    // SKILL.md is a file: `SKILL.md/x` made it a directory too, and a directory read of the root
    // listed skill://a/SKILL.md as inode/directory, never the file.
    const underSkillMd = refusal(() => Skills.make({ name: "a", description: "d", body: "", files: { "SKILL.md/x": "y" } }))
    assert.strictEqual(underSkillMd.reason, "InvalidPath")
    assert.include(underSkillMd.message, "SKILL.md is both a file and a directory")
  })

  it("holds at most 512 files (SKILL.md included) and 16 MiB", () => {
    const files = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}.txt`, "x"]))
    assert.strictEqual(Skills.make({ name: "a", description: "d", body: "", files: files(511) }).entry.resources.length, 512)
    assert.strictEqual(refusal(() => Skills.make({ name: "a", description: "d", body: "", files: files(512) })).reason, "TooManyFiles")
    const skillMd = Skills.make({ name: "a", description: "d", body: "" }).files[0]!.size
    const fits = new Uint8Array(Skills.limits.bytes - skillMd)
    assert.strictEqual(Skills.make({ name: "a", description: "d", body: "", files: { "big.bin": fits } }).files[1]!.size, fits.byteLength)
    const over = { "big.bin": fits, "one.bin": new Uint8Array(1) }
    assert.strictEqual(refusal(() => Skills.make({ name: "a", description: "d", body: "", files: over })).reason, "TooLarge")
  })

  it("refuses two skills of one name in a layer, and a bad pageSize", () => {
    assert.strictEqual(refusal(() => Skills.layer([Plain, Skills.make({ name: "plain", description: "again", body: "" })])).reason, "DuplicateName")
    assert.throws(() => Skills.layer([Plain], { pageSize: 0 }), /pageSize/)
  })
})

describe("Skills.fromDirectory", () => {
  it.effect("reads the example fixture: SKILL.md frontmatter (YAML, verbatim) and every file", () =>
    Effect.gen(function*() {
      const skill = yield* Skills.fromDirectory(fixtureDirectory)
      assert.strictEqual(skill.uri, "skill://conformance-skill/SKILL.md")
      assert.deepStrictEqual(skill.frontmatter, {
        name: "conformance-skill",
        description: "A small skill served by the effect-mcp-server conformance fixture.",
        metadata: { author: "effect-mcp-server" }
      })
      assert.deepStrictEqual(skill.files.map((file) => file.uri), [
        "skill://conformance-skill/SKILL.md",
        "skill://conformance-skill/references/guide.md"
      ])
    }).pipe(Effect.provide(platform)))

  it.effect("serves files byte for byte (UTF-8 as text, the rest as bytes), skips dot entries and directory links", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "\uFEFF---\nname: disk-skill\ndescription: >\n  Folded\n  text.\nlicense: MIT\n---\nBody\n")
      mkdirSync(join(dir, "data"))
      writeFileSync(join(dir, "data", "blob.bin"), Buffer.from([0xff, 0xfe, 0x00, 0x80]))
      writeFileSync(join(dir, "data", "café.txt"), "crème\n")
      writeFileSync(join(dir, ".hidden"), "no")
      symlinkSync(join(dir, "data"), join(dir, "loop"))
      const skill = yield* Skills.fromDirectory(dir)
      assert.deepStrictEqual(skill.frontmatter, { name: "disk-skill", description: "Folded text.\n", license: "MIT" })
      assert.deepStrictEqual(skill.files.map((file) => [file.path, typeof file.content, file.mimeType]), [
        ["SKILL.md", "string", "text/markdown"],
        ["data/blob.bin", "object", "application/octet-stream"],
        ["data/café.txt", "string", "text/plain"]
      ])
      assert.strictEqual(skill.files[2]!.uri, "skill://disk-skill/data/caf%C3%A9.txt")
      // The BOM is kept: the digest is of the file as it is on disk.
      assert.strictEqual(skill.files[0]!.size, Buffer.byteLength(skill.files[0]!.content as string))
      assert.isTrue((skill.files[0]!.content as string).startsWith("\uFEFF---"))
    }).pipe(Effect.provide(platform), Effect.scoped))

  it.effect("fails without SKILL.md, without frontmatter, with a bad name, or not in UTF-8 (said so)", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const reason = (skillMd: string | undefined) =>
        Effect.gen(function*() {
          rmSync(join(dir, "SKILL.md"), { force: true })
          if (skillMd !== undefined) writeFileSync(join(dir, "SKILL.md"), skillMd)
          const error = yield* Effect.flip(Skills.fromDirectory(dir))
          return error._tag === "SkillError" ? error.reason : error._tag
        })
      assert.strictEqual(yield* reason(undefined), "MissingSkillMd")
      assert.strictEqual(yield* reason("# No frontmatter\n"), "InvalidFrontmatter")
      assert.strictEqual(yield* reason("---\nname: [unclosed\n---\n"), "InvalidFrontmatter")
      assert.strictEqual(yield* reason("---\nname: Not_Valid\ndescription: d\n---\n"), "InvalidName")
      assert.strictEqual(yield* reason("---\nname: ok\n---\n"), "InvalidFrontmatter")
      // Saved as UTF-16 (with its BOM): said to be not UTF-8, not to lack the block it shows.
      writeFileSync(join(dir, "SKILL.md"), Buffer.from("\uFEFF---\nname: ok\ndescription: d\n---\n", "utf16le"))
      const utf16 = yield* Effect.flip(Skills.fromDirectory(dir))
      assert.strictEqual(utf16._tag === "SkillError" ? utf16.reason : utf16._tag, "InvalidFrontmatter")
      assert.include(utf16.message, "SKILL.md is not valid UTF-8")
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: `---` twice (or with only comments between) is a block, an empty one, as
  // a client reads it; it was said to be no block at all ("does not start with a YAML frontmatter block").
  it.effect("an empty frontmatter block is InvalidFrontmatter said to be empty, not missing", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      for (const skillMd of ["---\n---\nBody\n", "---\r\n---", "---\n# nothing yet\n\n---\n", "\uFEFF---\n---\n---\n"]) {
        writeFileSync(join(dir, "SKILL.md"), skillMd)
        const error = yield* Effect.flip(Skills.fromDirectory(dir))
        assert.strictEqual(error._tag === "SkillError" ? error.reason : error._tag, "InvalidFrontmatter", skillMd)
        assert.include(error.message, "SKILL.md: the frontmatter is empty (it needs a name and a description)", skillMd)
      }
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: a block opened by `---` and never closed was said to be no block at all
  // ("does not start with a YAML frontmatter block"), to whoever sees the `---` first in the file.
  it.effect("a frontmatter block with no closing --- is InvalidFrontmatter said to have none; a file without the opening one still has no block", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const message = (skillMd: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), skillMd)
          const error = yield* Effect.flip(Skills.fromDirectory(dir))
          assert.strictEqual(error._tag === "SkillError" ? error.reason : error._tag, "InvalidFrontmatter", skillMd)
          return error.message
        })
      for (const skillMd of ["---\nname: open\ndescription: d\n", "\uFEFF---\r\nname: open\r\n\r\nBody\r\n", "---\nname: open\n--- not a closing line\n", "---"]) {
        assert.include(yield* message(skillMd), "SKILL.md: the frontmatter block has no closing --- line", JSON.stringify(skillMd))
      }
      for (const skillMd of ["# Title\n---\nname: late\n---\n", " ---\nname: indented\n---\n", ""]) {
        assert.include(yield* message(skillMd), "SKILL.md does not start with a YAML frontmatter block", JSON.stringify(skillMd))
      }
    }).pipe(Effect.provide(platform), Effect.scoped))

  // The SDK's skills client checks each entry against the Agent Skills bounds and refused the whole
  // `skills/list` for one entry past them ("skills/list returned invalid entries"): a server that
  // served one such skill hid every skill it had.
  it.live("a description past 1,024 characters, or a compatibility that is not 1-500 characters, is refused; at the bounds the SDK's skills client lists and verifies them", () =>
    Effect.gen(function*() {
      const tooLong = refusal(() => Skills.make({ name: "a", description: "x".repeat(1025), body: "" }))
      assert.strictEqual(tooLong.reason, "InvalidFrontmatter")
      assert.include(tooLong.message, "1025 characters, more than 1024")
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const load = (frontmatter: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), `---\nname: bounds\n${frontmatter}\n---\nBody\n`)
          return yield* Effect.result(Skills.fromDirectory(dir))
        })
      for (
        const frontmatter of [
          `description: ${"d".repeat(1025)}`,
          `description: d\ncompatibility: ${"c".repeat(501)}`,
          `description: d\ncompatibility: ""`,
          `description: d\ncompatibility: 5`,
          `description: d\ncompatibility: [node]`
        ]
      ) {
        const result = yield* load(frontmatter)
        assert.isTrue(Result.isFailure(result), frontmatter.slice(0, 40))
        const error = (result as Result.Failure<never, Skills.SkillError>).failure
        assert.strictEqual(error.reason, "InvalidFrontmatter", frontmatter.slice(0, 40))
      }
      // At the bounds, counted in characters (an emoji is two UTF-16 code units): taken, and the
      // SDK's client lists both skills and verifies their SKILL.md.
      const emoji = Skills.make({ name: "emoji", description: "\u{1F600}".repeat(1024), body: "" })
      const onDisk = yield* load(`description: ${"d".repeat(1024)}\ncompatibility: ${"c".repeat(500)}`)
      assert.isTrue(Result.isSuccess(onDisk))
      const bounds = (onDisk as Result.Success<Skills.Skill, never>).success
      const { skills } = yield* serveToSdk([emoji, bounds], {}, { pin: "2026-07-28" })
      const listing = yield* Effect.promise(() => skills.list())
      assert.deepStrictEqual(listing.skills.map((skill) => skill.uri), [emoji.uri, bounds.uri])
      for (const entry of listing.skills) {
        assert.isTrue((yield* Effect.promise(() => skills.read(entry))).verified, entry.uri)
      }
    }).pipe(Effect.provide(platform), Effect.scoped))

  // The entry's frontmatter must equal what a client parses from the SKILL.md: a value JSON does
  // not carry as it is was sent changed (`.inf` as null, `!!binary` as a byte dump, `!!set` as {}),
  // and the SDK's skills client refused the skill's SKILL.md ("differs from the skill entry", or,
  // for a `__proto__` key, the whole listing).
  it.live("frontmatter values JSON does not carry as they are (non-finite numbers, tagged objects, __proto__ keys) are refused; any JSON value is served and verified", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const load = (extra: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), `---\nname: values\ndescription: d\n${extra}\n---\nBody\n`)
          return yield* Effect.result(Skills.fromDirectory(dir))
        })
      for (
        const [extra, field] of [
          ["limit: .inf", "limit"],
          ["limit: 1e400", "limit"],
          ["ratios: [1, .nan]", "ratios[1]"],
          ["__proto__: {admin: true}", "__proto__"],
          ["nested:\n  deeper:\n    __proto__: x", "nested.deeper.__proto__"],
          // Tagged values are refused as tags (by the test below), before they are values.
          ["logo: !!binary aGVsbG8=", undefined],
          ["tags: !!set {a, b}", undefined],
          ["since: !!timestamp 2001-12-14", undefined]
        ] as const
      ) {
        const result = yield* load(extra)
        assert.isTrue(Result.isFailure(result), extra)
        const error = (result as Result.Failure<never, Skills.SkillError>).failure
        assert.strictEqual(error.reason, "InvalidFrontmatter", extra)
        assert.include(error.message, field === undefined ? "tags (!!" : `the frontmatter field ${field} is`, extra)
      }
      const rich = yield* load("license: MIT\nversion: 2\nratio: 0.5\nbeta: false\nowner: null\ntags: [a, b]\nextra:\n  nested: {deep: [1, {x: y}]}")
      assert.isTrue(Result.isSuccess(rich))
      const skill = (rich as Result.Success<Skills.Skill, never>).success
      assert.deepStrictEqual(skill.frontmatter.extra, { nested: { deep: [1, { x: "y" }] } })
      const { skills } = yield* serveToSdk([skill], {}, { pin: "2026-07-28" })
      const entry = (yield* Effect.promise(() => skills.get(skill.uri))).skill
      const read = yield* Effect.promise(() => skills.read(entry))
      assert.isTrue(read.verified)
      assert.deepStrictEqual(read.frontmatter, JSON.parse(JSON.stringify(skill.frontmatter)))
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: anchors, aliases, tags and keys that are not strings were read by the
  // `yaml` parser and served, but readers differ on them (the SDK's skills client reads a subset
  // without them and could not verify such a skill: "anchors, aliases and tags are not supported";
  // a YAML 1.1 reader merges `<<: *b`; a key `1` is a number to most readers, "1" in the entry).
  // An alias inside its own anchor (`&a [*a]`) overflowed the stack once: it is an anchor too.
  it.live("anchors, aliases, tags and keys that are not strings are InvalidFrontmatter naming the line; the SDK's skills client verifies what is served", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const load = (extra: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), `---\nname: values\ndescription: d\n${extra}\n---\nBody\n`)
          return yield* Effect.result(Skills.fromDirectory(dir))
        })
      for (
        const [extra, said] of [
          ["base: &b {x: 1}\ncopy: *b", "anchors (&b) are not supported (line 4 of SKILL.md)"],
          ["loop: &a [1, *a]", "anchors (&a) are not supported (line 4 of SKILL.md)"],
          ["outer:\n  inner: &m {self: *m}", "anchors (&m) are not supported (line 5 of SKILL.md)"],
          ["base: {x: 1}\nmerged:\n  <<: *b", "aliases (*b) are not supported (line 6 of SKILL.md)"],
          ["license: !foo MIT", "tags (!foo) are not supported (line 4 of SKILL.md)"],
          ["version: !!str 2", "tags (!!str) are not supported (line 4 of SKILL.md)"],
          ["tags: !!seq [a]", "tags (!!seq) are not supported (line 4 of SKILL.md)"],
          ["1: one", "the key 1 is not a string; quote it (line 4 of SKILL.md)"],
          ["~: none", "the key null is not a string; quote it (line 4 of SKILL.md)"],
          ["? [a, b]\n: pair", "the key [\"a\",\"b\"] is not a string; quote it (line 4 of SKILL.md)"]
        ] as const
      ) {
        const result = yield* load(extra)
        assert.isTrue(Result.isFailure(result), extra)
        const failure = (result as Result.Failure<never, Skills.SkillError>).failure
        assert.strictEqual(failure.reason, "InvalidFrontmatter", extra)
        assert.include(failure.message, said, extra)
      }
      // Quoted, the same values are strings every reader reads alike, and the SDK verifies them.
      const quoted = yield* load("\"1\": one\nlicense: \"!foo MIT\"\nbase: \"&b\"")
      assert.isTrue(Result.isSuccess(quoted))
      const skill = (quoted as Result.Success<Skills.Skill, never>).success
      assert.deepStrictEqual(skill.frontmatter, { "1": "one", name: "values", description: "d", license: "!foo MIT", base: "&b" })
      const { skills } = yield* serveToSdk([skill], {}, { pin: "2026-07-28" })
      const entry = (yield* Effect.promise(() => skills.get(skill.uri))).skill
      assert.isTrue((yield* Effect.promise(() => skills.read(entry))).verified)
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: the `yaml` parser reads more than the SDK's skills client does, and such
  // a skill was served, but the client could not read its SKILL.md ("a quoted value must close on
  // the same line", "block scalar indentation indicators are not supported", "a flow collection
  // must close on the same line", "complex keys", and `...` read as a key): every host using it
  // failed on the skill. They are InvalidFrontmatter naming the line, as anchors are.
  it.live("what the SDK's skills client cannot read (multi-line quotes and flow collections, |2, ? key, ...) is InvalidFrontmatter naming the line", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const load = (extra: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), `---\nname: values\ndescription: d\n${extra}\n---\nBody\n`)
          return yield* Effect.result(Skills.fromDirectory(dir))
        })
      for (
        const [extra, said] of [
          ["license: \"MIT\n  or Apache\"", "a quoted value that goes on past its line is not supported (write it on one line, or as a block scalar: > or |) (line 4 of SKILL.md)"],
          ["license: 'MIT\n  or Apache'", "a quoted value that goes on past its line is not supported"],
          ["notes: |2\n   indented", "block scalar indentation indicators (|2, >1-) are not supported; indent the text instead (line 4 of SKILL.md)"],
          ["notes: >-1\n  folded", "block scalar indentation indicators"],
          ["tags: [a,\n  b]", "a flow collection ([…] or {…}) that goes on past its line is not supported (close it on its line, or write a block list) (line 4 of SKILL.md)"],
          ["extra: {a: 1,\n  b: 2}", "a flow collection ([…] or {…}) that goes on past its line"],
          ["? license\n: MIT", "explicit keys (? license) are not supported; write key: value (line 4 of SKILL.md)"],
          ["license: MIT\n...", "the document end marker (...) is not supported; end the frontmatter with ---"]
        ] as const
      ) {
        const result = yield* load(extra)
        assert.isTrue(Result.isFailure(result), extra)
        const failure = (result as Result.Failure<never, Skills.SkillError>).failure
        assert.strictEqual(failure.reason, "InvalidFrontmatter", extra)
        assert.include(failure.message, said, extra)
      }
      // Written as the client reads them, the same values load, and the SDK verifies the skill.
      const readable = yield* load("summary: why?\nlicense: \"MIT or Apache\"\nnotes: |\n  indented\ntags: [a, b]\nextra: {a: 1, b: 2}\nmore: |-\n  kept")
      assert.isTrue(Result.isSuccess(readable))
      const skill = (readable as Result.Success<Skills.Skill, never>).success
      const { skills } = yield* serveToSdk([skill], {}, { pin: "2026-07-28" })
      const entry = (yield* Effect.promise(() => skills.get(skill.uri))).skill
      assert.isTrue((yield* Effect.promise(() => skills.read(entry))).verified)
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: pairs in a flow list, keys without a value in a flow map and nesting
  // past 32 levels are read by the `yaml` parser, not by the SDK's skills client ("mappings inside
  // flow collections are not supported", "empty value in a flow collection", "nesting deeper than
  // 32 levels"): such a skill was served, and every host using that client failed on its SKILL.md.
  it.live("[a: b], {a: }, {a} and nesting past 32 levels are InvalidFrontmatter naming the line; 32 levels are served", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const load = (extra: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), `---\nname: values\ndescription: d\n${extra}\n---\nBody\n`)
          return yield* Effect.result(Skills.fromDirectory(dir))
        })
      for (
        const [extra, said] of [
          ["tags: [a: b]", "a key: value pair inside […] is not supported; write {key: value} (line 4 of SKILL.md)"],
          ["tags: [x, [y, a: b]]", "a key: value pair inside […] is not supported"],
          ["extra: {a: }", "the key a has no value in {…}, which is not supported; write a: null (line 4 of SKILL.md)"],
          ["extra: {a}", "the key a has no value in {…}"],
          ["extra: {b: 1, a:c}", "the key a:c has no value in {…}"],
          [`deep: ${"[".repeat(33)}${"]".repeat(33)}`, "nesting deeper than 32 levels is not supported (line 4 of SKILL.md)"],
          [`deep:${"\n".concat(...Array.from({ length: 32 }, (_, i) => `${"  ".repeat(i + 1)}k:\n`))}${"  ".repeat(33)}v: 1`, "nesting deeper than 32 levels"]
        ] as const
      ) {
        const result = yield* load(extra)
        assert.isTrue(Result.isFailure(result), extra)
        const failure = (result as Result.Failure<never, Skills.SkillError>).failure
        assert.strictEqual(failure.reason, "InvalidFrontmatter", extra)
        assert.include(failure.message, said, extra)
      }
      // Written as the client reads them, the same values load, and the SDK verifies the skill.
      const readable = yield* load(`tags: [{a: b}, c]\nextra: {a: null, b: ~, 'c:d': 1}\ndeep: ${"[".repeat(32)}${"]".repeat(32)}`)
      assert.isTrue(Result.isSuccess(readable))
      const skill = (readable as Result.Success<Skills.Skill, never>).success
      const { skills } = yield* serveToSdk([skill], {}, { pin: "2026-07-28" })
      const entry = (yield* Effect.promise(() => skills.get(skill.uri))).skill
      assert.isTrue((yield* Effect.promise(() => skills.read(entry))).verified)
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: the frontmatter's YAML was taken without the line break that ends its
  // last line, so a last field kept whole (`|+`, `>+`) lost its final line breaks in the entry, and
  // the SDK's skills client, reading the whole lines, refused the SKILL.md ("differs from the skill
  // entry"): every host using it failed on the skill.
  it.live("a last field that keeps its line breaks (|+, >+) is the entry's as a client reads it", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      for (
        const [text, expected] of [
          ["---\nname: kept\ndescription: d\nnotes: |+\n  line\n---\nBody\n", "line\n"],
          ["---\nname: kept\ndescription: d\nnotes: >+\n  line\n\n---\nBody\n", "line\n\n"],
          ["---\r\nname: kept\r\ndescription: d\r\nnotes: |+\r\n  line\r\n---\r\nBody\r\n", "line\n"]
        ] as const
      ) {
        writeFileSync(join(dir, "SKILL.md"), text)
        const skill = yield* Skills.fromDirectory(dir)
        assert.strictEqual(skill.frontmatter.notes, expected, JSON.stringify(text))
        assert.deepStrictEqual(skill.frontmatter.notes, parseYaml(text.replace(/\r\n/g, "\n").split("---\n")[1]!).notes)
        const { skills } = yield* serveToSdk([skill], {}, { pin: "2026-07-28" })
        const entry = (yield* Effect.promise(() => skills.get(skill.uri))).skill
        const read = yield* Effect.promise(() => skills.read(entry))
        assert.isTrue(read.verified)
        assert.strictEqual(read.frontmatter?.notes, expected)
      }
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: in a block map, a key written plain from a `?` (`?q: 1`, the key "?q" to
  // the `yaml` parser) or quoted with a space before its colon (`"q" : 1`) is read by the `yaml`
  // parser, not by the SDK's skills client ("complex keys", "expected key: value", "frontmatter
  // must be a mapping"): such a skill was served, and every host using that client failed on it.
  it.live("a block map key from a ? (?q: 1) or quoted with a space before its colon (\"q\" : 1) is InvalidFrontmatter naming the line", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const load = (extra: string) =>
        Effect.gen(function*() {
          writeFileSync(join(dir, "SKILL.md"), `---\nname: values\ndescription: d\n${extra}\n---\nBody\n`)
          return yield* Effect.result(Skills.fromDirectory(dir))
        })
      for (
        const [extra, said] of [
          ["?q: 1", "the key ?q starts with ?, which is not supported; quote it (line 4 of SKILL.md)"],
          ["extra:\n  - ?q : 1", "the key ?q starts with ?, which is not supported; quote it (line 5 of SKILL.md)"],
          ["\"q\" : 1", "the key q is followed by a space before its colon, which is not supported; write \"q\": (line 4 of SKILL.md)"],
          ["extra:\n  'q'\t: 1", "the key q is followed by a space before its colon, which is not supported; write 'q': (line 5 of SKILL.md)"]
        ] as const
      ) {
        const result = yield* load(extra)
        assert.isTrue(Result.isFailure(result), extra)
        const failure = (result as Result.Failure<never, Skills.SkillError>).failure
        assert.strictEqual(failure.reason, "InvalidFrontmatter", extra)
        assert.include(failure.message, said, extra)
      }
      // Written as the client reads them, the same keys load (a flow map takes both), and the SDK
      // verifies the skill.
      const readable = yield* load("\"?q\": 1\n\"r\": 2\nsummary: why?\nextra: {?s: 1, \"t\" : 2}\nlist: [?u]")
      assert.isTrue(Result.isSuccess(readable))
      const skill = (readable as Result.Success<Skills.Skill, never>).success
      assert.deepStrictEqual(skill.frontmatter.extra, { "?s": 1, t: 2 })
      const { skills } = yield* serveToSdk([skill], {}, { pin: "2026-07-28" })
      const entry = (yield* Effect.promise(() => skills.get(skill.uri))).skill
      assert.isTrue((yield* Effect.promise(() => skills.read(entry))).verified)
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Node reads a name that is not UTF-8 with U+FFFD in place of its bytes: the loader then asked
  // for a path that names nothing and failed with the file system's "NotFound" for a file there.
  it.effect("a file or directory whose name is not UTF-8 is InvalidPath, said so; a name with a real U+FFFD is served", () =>
    Effect.gen(function*() {
      for (const [label, make] of [
        ["file", (dir: string) => writeFileSync(Buffer.from(`${dir}/f\xff.txt`, "latin1"), "x")],
        ["directory", (dir: string) => {
          mkdirSync(Buffer.from(`${dir}/d\xff`, "latin1"))
          writeFileSync(Buffer.from(`${dir}/d\xff/inner.txt`, "latin1"), "x")
        }]
      ] as const) {
        const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
        writeFileSync(join(dir, "SKILL.md"), "---\nname: names\ndescription: d\n---\n")
        make(dir)
        const error = yield* Effect.flip(Skills.fromDirectory(dir))
        assert.strictEqual(error._tag === "SkillError" ? error.reason : error._tag, "InvalidPath", label)
        assert.include(error.message, "is not valid UTF-8", label)
      }
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: names\ndescription: d\n---\n")
      writeFileSync(join(dir, "f\uFFFD.txt"), "x")
      const skill = yield* Skills.fromDirectory(dir)
      assert.deepStrictEqual(skill.files.map((file) => file.uri), ["skill://names/SKILL.md", "skill://names/f%EF%BF%BD.txt"])
    }).pipe(Effect.provide(platform), Effect.scoped))

  it.effect("a link that leads to no file (dangling, or round a loop) is named: InvalidPath, not the file system's NotFound", () =>
    Effect.gen(function*() {
      for (const [name, make] of [
        ["dangling", (dir: string) => symlinkSync(join(dir, "missing.txt"), join(dir, "dangling"))],
        ["loop", (dir: string) => {
          symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"))
          symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"))
        }]
      ] as const) {
        const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
        writeFileSync(join(dir, "SKILL.md"), "---\nname: links\ndescription: d\n---\n")
        make(dir)
        const error = yield* Effect.flip(Skills.fromDirectory(dir))
        assert.strictEqual(error._tag === "SkillError" ? error.reason : error._tag, "InvalidPath", name)
        assert.include(error.message, "is a link that leads to no file", name)
      }
    }).pipe(Effect.provide(platform), Effect.scoped))

  it.effect("a link to a file outside the skill's directory is refused (InvalidPath), not served; one inside it is served", () =>
    Effect.gen(function*() {
      const outside = mkdtempSync(join(tmpdir(), "skills-secret-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(outside, { recursive: true, force: true })))
      writeFileSync(join(outside, "secret.txt"), "not for clients\n")
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: links\ndescription: d\n---\n")
      mkdirSync(join(dir, "references"))
      writeFileSync(join(dir, "references", "guide.md"), "Guide.\n")
      // Inside: an absolute link and a relative one from a subdirectory.
      symlinkSync(join(dir, "references", "guide.md"), join(dir, "alias.md"))
      symlinkSync("guide.md", join(dir, "references", "same.md"))
      const skill = yield* Skills.fromDirectory(dir)
      assert.deepStrictEqual(skill.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: links\ndescription: d\n---\n"],
        ["alias.md", "Guide.\n"],
        ["references/guide.md", "Guide.\n"],
        ["references/same.md", "Guide.\n"]
      ])
      for (const [name, target] of [["absolute", join(outside, "secret.txt")], ["relative", join("..", "..", outside.split("/").pop()!, "secret.txt")]]) {
        rmSync(join(dir, "references", "leak.txt"), { force: true })
        symlinkSync(target, join(dir, "references", "leak.txt"))
        const error = yield* Effect.flip(Skills.fromDirectory(dir))
        assert.strictEqual(error._tag === "SkillError" ? error.reason : error._tag, "InvalidPath", name)
        assert.include(error.message, "references/leak.txt is a link to a file outside the skill's directory", name)
      }
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: a link was checked through its real path, then read through its own
  // path; re-pointed between the two (here by the file system the loader gets, right after it
  // resolved the link, or right before it opened it) it served a file outside the skill's
  // directory. So did a file replaced by such a link after its directory was listed.
  it.effect("a link re-pointed outside, or a file replaced by such a link, while the skill is read is refused (InvalidPath), never served", () =>
    Effect.gen(function*() {
      const outside = mkdtempSync(join(tmpdir(), "skills-secret-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(outside, { recursive: true, force: true })))
      writeFileSync(join(outside, "secret.txt"), "not for clients\n")
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const link = join(dir, "link.txt")
      const plain = join(dir, "plain.txt")
      const point = (at: string, target: string) => {
        rmSync(at, { force: true })
        symlinkSync(target, at)
      }
      // When the swap happens: right after the link was resolved, around its open (outside while
      // it is opened, back inside after: at each open, as a file replaced in place is opened
      // again), or right after the directory was listed (the plain file).
      let when: "realPath" | "open" | "listed" | undefined
      const swapping = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          readDirectoryEntries: (path: string) =>
            Effect.tap(fs.readDirectoryEntries(path), () =>
              Effect.sync(() => when === "listed" && path === dir && point(plain, join(outside, "secret.txt")))),
          realPath: (path: string) =>
            Effect.tap(fs.realPath(path), () =>
              Effect.sync(() => {
                if (when === "realPath" && path === link) {
                  when = undefined
                  point(link, join(outside, "secret.txt"))
                }
              }))
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const load = Skills.fromDirectory(dir).pipe(
        opening((open) => (path) => {
          if (when !== "open" || path !== link) return open(path)
          point(link, join(outside, "secret.txt"))
          return Effect.tap(open(path), () => Effect.sync(() => point(link, "inside.txt")))
        }),
        Effect.provide(Layer.mergeAll(swapping, NodePath.layer))
      )
      for (const swap of ["realPath", "open", "listed"] as const) {
        rmSync(dir, { recursive: true, force: true })
        mkdirSync(dir)
        writeFileSync(join(dir, "SKILL.md"), "---\nname: swaps\ndescription: d\n---\n")
        writeFileSync(join(dir, "inside.txt"), "Inside.\n")
        writeFileSync(plain, "Plain.\n")
        symlinkSync("inside.txt", link)
        when = swap
        const outcome = yield* load.pipe(
          Effect.map((skill) => skill.files.map((file) => `${file.path}: ${typeof file.content === "string" ? file.content : "bytes"}`).join("")),
          Effect.catchTag("SkillError", (error) => Effect.succeed(`${error.reason}: ${error.message.slice(dir.length + 2)}`))
        )
        assert.notInclude(outcome, "not for clients", swap)
        assert.strictEqual(
          outcome,
          `InvalidPath: ${swap === "listed" ? "plain.txt" : "link.txt"} changed while the skill was read (it leads elsewhere now)`,
          swap
        )
      }
      // Nothing swapped: the link and the file are served.
      when = undefined
      rmSync(plain)
      writeFileSync(plain, "Plain.\n")
      point(link, "inside.txt")
      const skill = yield* load
      assert.deepStrictEqual(skill.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: swaps\ndescription: d\n---\n"],
        ["inside.txt", "Inside.\n"],
        ["link.txt", "Inside.\n"],
        ["plain.txt", "Plain.\n"]
      ])
    }).pipe(Effect.scoped))

  // Fails before the fix: a file replaced in place while it was read (a new file renamed over it,
  // as an editor saves), here by the file system the loader gets, right after the loader opened
  // it, was refused "changed while the skill was read", and the whole skill with it. It is opened
  // again: the saved file is served, directly or through a link to it.
  it.effect("a file replaced in place while the skill is read (an editor's atomic save) is opened again and served as saved", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: saves\ndescription: d\n---\n")
      writeFileSync(join(dir, "notes.md"), "Draft.\n")
      symlinkSync("notes.md", join(dir, "alias.md"))
      /** Saves `notes.md` as an editor does: a new file, renamed over the old one. */
      const save = (text: string) => {
        writeFileSync(join(dir, ".notes.md.swp"), text)
        renameSync(join(dir, ".notes.md.swp"), join(dir, "notes.md"))
      }
      // The paths whose next open is followed by a save (once each), and the saves made.
      const saveAfterOpen = new Set<string>()
      let saves = 0
      const saving = opening((open) => (path) =>
        Effect.tap(open(path), () =>
          Effect.sync(() => {
            if (saveAfterOpen.delete(path)) save(`Saved ${++saves}.\n`)
          }))
      )
      const load = Skills.fromDirectory(dir).pipe(saving, Effect.provide(platform))
      saveAfterOpen.add(join(dir, "notes.md"))
      saveAfterOpen.add(join(dir, "alias.md"))
      const skill = yield* load
      assert.strictEqual(saves, 2)
      assert.deepStrictEqual(skill.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: saves\ndescription: d\n---\n"],
        ["alias.md", "Saved 1.\n"],
        ["notes.md", "Saved 2.\n"]
      ])
    }).pipe(Effect.scoped))

  // Fails before the fix: a skill directory that is a link a deploy re-points to a new release
  // while the skill is read was refused "changed while the skill was read". It is read again, once,
  // from the new release; re-pointed again during that read, it is refused as before.
  it.effect("a skill directory link re-pointed while read (a deploy) is read again once, from where it leads now", () =>
    Effect.gen(function*() {
      const base = mkdtempSync(join(tmpdir(), "skills-deploy-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(base, { recursive: true, force: true })))
      for (const release of ["v1", "v2", "v3"]) {
        mkdirSync(join(base, release))
        writeFileSync(join(base, release, "SKILL.md"), `---\nname: deployed\ndescription: release ${release}\n---\n`)
        writeFileSync(join(base, release, "notes.md"), `Notes of ${release}.\n`)
      }
      const current = join(base, "current")
      /** Points `current` at `release` as a deploy does: a new link renamed over the old one. */
      const deploy = (release: string) => {
        symlinkSync(join(base, release), join(base, "next"))
        renameSync(join(base, "next"), current)
      }
      deploy("v1")
      // The releases deployed, one after each open of `current/notes.md`, while any are left.
      const pending: Array<string> = []
      const deploying = opening((open) => (path) =>
        Effect.tap(open(path), () =>
          Effect.sync(() => {
            const next = path === join(current, "notes.md") ? pending.shift() : undefined
            if (next !== undefined) deploy(next)
          }))
      )
      const load = Skills.fromDirectory(current).pipe(deploying, Effect.provide(platform))
      pending.push("v2")
      const skill = yield* load
      assert.deepStrictEqual(skill.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: deployed\ndescription: release v2\n---\n"],
        ["notes.md", "Notes of v2.\n"]
      ])
      // Re-pointed during the second read too: refused, not read a third time.
      deploy("v1")
      pending.push("v2", "v3")
      const refused = yield* Effect.flip(load)
      assert.strictEqual(refused._tag, "SkillError")
      assert.include(refused.message, "notes.md changed while the skill was read")
      assert.deepStrictEqual(pending, [])
    }).pipe(Effect.scoped))

  // Fails before the fix: the load never ended (the open of the FIFO waited for a writer, holding a
  // thread of libuv's pool). The FIFO is refused, and the thread let go.
  it.live("a file swapped for a FIFO between its listing and its open is refused (InvalidPath), not waited on for ever", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-fifo-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: fifo\ndescription: d\n---\n")
      writeFileSync(join(dir, "notes.md"), "Notes.\n")
      const notes = join(dir, "notes.md")
      let swapped = false
      const swapping = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          // Right after the loader measured it as a file, it becomes a FIFO.
          stat: (path: string) =>
            Effect.tap(fs.stat(path), () =>
              Effect.sync(() => {
                if (path !== notes || swapped) return
                swapped = true
                rmSync(notes)
                execFileSync("mkfifo", [notes], { timeout: 5_000 })
              }))
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const outcome = yield* Skills.fromDirectory(dir).pipe(
        Effect.provide(Layer.mergeAll(swapping, NodePath.layer)),
        Effect.flip,
        Effect.timeoutOrElse({ duration: 4_000, orElse: () => Effect.succeed("still waiting after 4 s" as const) })
      )
      assert.isTrue(swapped)
      assert.strictEqual(typeof outcome === "string" ? outcome : `${outcome._tag}: ${outcome.message.slice(dir.length + 2)}`,
        "SkillError: notes.md is not a regular file now (a FIFO or a device was put in its place while the skill was read)")
      // The pool's threads are free: another read completes.
      rmSync(notes)
      writeFileSync(notes, "Notes.\n")
      assert.strictEqual((yield* Skills.fromDirectory(dir).pipe(Effect.provide(platform))).files.length, 2)
    }).pipe(Effect.scoped))

  // Fails before the fix (the FIFO was released by a writer that looked only at the path, while the
  // open waited): a FIFO swapped in, then moved away and a file put back while the open waited,
  // was never given a writer, and the load waited for ever (still waiting after 4 s, a libuv
  // thread held). Opened without waiting, it ends at once: the FIFO refused if it was opened, or
  // the file put back served if that was.
  it.live("a FIFO swapped in and swapped back for a file while the skill is read ends the load promptly", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-fifo-back-"))
      const aside = mkdtempSync(join(tmpdir(), "skills-fifo-aside-"))
      let timer: ReturnType<typeof setTimeout> | undefined
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          clearTimeout(timer)
          // Before the fix: the open still waits on the FIFO, reachable aside; a writer lets it go.
          try {
            closeSync(openSync(join(aside, "fifo"), constants.O_WRONLY | constants.O_NONBLOCK))
          } catch {
            // No reader waits (the fix), or no FIFO there.
          }
          rmSync(dir, { recursive: true, force: true })
          rmSync(aside, { recursive: true, force: true })
        }))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: fifo\ndescription: d\n---\n")
      writeFileSync(join(dir, "notes.md"), "Notes.\n")
      const notes = join(dir, "notes.md")
      let swapped = false
      let back = false
      const swapping = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          // Right after the loader measured it as a file, it becomes a FIFO; 5 ms later the FIFO
          // is moved aside and a file put back.
          stat: (path: string) =>
            Effect.tap(fs.stat(path), () =>
              Effect.sync(() => {
                if (path !== notes || swapped) return
                swapped = true
                rmSync(notes)
                execFileSync("mkfifo", [notes], { timeout: 5_000 })
                timer = setTimeout(() => {
                  renameSync(notes, join(aside, "fifo"))
                  writeFileSync(notes, "Notes again.\n")
                  back = true
                }, 5)
              }))
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const outcome = yield* Skills.fromDirectory(dir).pipe(
        Effect.provide(Layer.mergeAll(swapping, NodePath.layer)),
        Effect.map((skill) => `loaded: ${skill.files.map((file) => `${file.path} ${JSON.stringify(file.content)}`).join(", ")}`),
        Effect.catchTag("SkillError", (error) => Effect.succeed(`${error.reason}: ${error.message.slice(dir.length + 2)}`)),
        Effect.timeoutOrElse({ duration: 4_000, orElse: () => Effect.succeed("still waiting after 4 s") })
      )
      assert.isTrue(swapped)
      assert.oneOf(outcome, [
        "InvalidPath: notes.md is not a regular file now (a FIFO or a device was put in its place while the skill was read)",
        `loaded: SKILL.md "---\\nname: fifo\\ndescription: d\\n---\\n", notes.md "Notes again.\\n"`
      ])
      // The swap back done (at most 2 s), the skill is read again: the pool's threads are free.
      for (let turn = 0; turn < 200 && !back; turn++) yield* Effect.sleep(10)
      assert.isTrue(back)
      const again = yield* Skills.fromDirectory(dir).pipe(Effect.provide(platform))
      assert.deepStrictEqual(again.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: fifo\ndescription: d\n---\n"],
        ["notes.md", "Notes again.\n"]
      ])
    }).pipe(Effect.scoped))

  // A FIFO (or a link to one) in the directory from the start is no file to serve: skipped, as a
  // socket or a device is, the load not waiting on it; the regular files are served.
  it.live("a FIFO in the directory from the start is skipped, not waited on", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-fifo-start-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: fifo\ndescription: d\n---\n")
      writeFileSync(join(dir, "notes.md"), "Notes.\n")
      execFileSync("mkfifo", [join(dir, "pipe.md")], { timeout: 5_000 })
      symlinkSync("pipe.md", join(dir, "alias.md"))
      const outcome = yield* Skills.fromDirectory(dir).pipe(
        Effect.provide(platform),
        Effect.map((skill) => skill.files.map((file) => [file.path, file.content])),
        Effect.timeoutOrElse({ duration: 4_000, orElse: () => Effect.succeed("still waiting after 4 s") })
      )
      assert.deepStrictEqual(outcome, [
        ["SKILL.md", "---\nname: fifo\ndescription: d\n---\n"],
        ["notes.md", "Notes.\n"]
      ])
    }).pipe(Effect.scoped))

  // Fails before the fix: the bytes were read by Node's open at the path the `FileSystem` given
  // listed, on the disk Node sees: a file system that is not that disk (here one that puts a real
  // directory under a path that exists nowhere) lost every file (MissingSkillMd, "removed while the
  // skill was read"). Its own open reads them now.
  it.effect("a FileSystem that is not the disk Node sees has its files read by its own open", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-virtual-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: virtual\ndescription: d\n---\nBody\n")
      mkdirSync(join(dir, "refs"))
      writeFileSync(join(dir, "refs", "a.md"), "A.\n")
      const node = yield* FileSystem.FileSystem
      const real = yield* node.realPath(dir)
      const virtual = `/no-such-root-${createHash("sha256").update(real).digest("hex").slice(0, 12)}`
      const inside = (path: string) => path === virtual || path.startsWith(`${virtual}/`) ? real + path.slice(virtual.length) : path
      const outside = (path: string) => path === real || path.startsWith(`${real}/`) ? virtual + path.slice(real.length) : path
      const mapped = FileSystem.makeNoop({
        realPath: (path) => Effect.map(node.realPath(inside(path)), outside),
        stat: (path) => node.stat(inside(path)),
        exists: (path) => node.exists(inside(path)),
        readDirectoryEntries: (path) => node.readDirectoryEntries(inside(path)),
        open: (path, options) => node.open(inside(path), options)
      })
      const skill = yield* Skills.fromDirectory(virtual).pipe(Effect.provideService(FileSystem.FileSystem, mapped))
      assert.deepStrictEqual(skill.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: virtual\ndescription: d\n---\nBody\n"],
        ["refs/a.md", "A.\n"]
      ])
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: dot entries were skipped, but a link to a file under one (`notes ->
  // .git/config`) was followed and served, the skipped file's bytes under another name.
  it.effect("a link to a file under a dot entry is skipped as the entry is; a link to a visible file is served", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: dots\ndescription: d\n---\n")
      mkdirSync(join(dir, ".git"))
      writeFileSync(join(dir, ".git", "config"), "[remote] url = https://token@example.invalid\n")
      writeFileSync(join(dir, ".env"), "SECRET=1\n")
      writeFileSync(join(dir, "visible.txt"), "Visible.\n")
      mkdirSync(join(dir, "deep"))
      symlinkSync(join(".git", "config"), join(dir, "notes"))
      symlinkSync(join(dir, ".env"), join(dir, "env.txt"))
      symlinkSync(join("..", ".git", "config"), join(dir, "deep", "config"))
      symlinkSync("visible.txt", join(dir, "alias.txt"))
      const skill = yield* Skills.fromDirectory(dir)
      assert.deepStrictEqual(skill.files.map((file) => [file.path, file.content]), [
        ["SKILL.md", "---\nname: dots\ndescription: d\n---\n"],
        ["alias.txt", "Visible.\n"],
        ["visible.txt", "Visible.\n"]
      ])
    }).pipe(Effect.provide(platform), Effect.scoped))

  // Fails before the fix: a file removed between the listing and its read failed the whole load
  // with the file system's bare NotFound, and an unreadable one with PermissionDenied: neither a
  // SkillError, so a `catchTag("SkillError")` on the documented errors missed them, and neither
  // said whose file it was. (As root, permissions deny nothing: the file system the loader gets
  // refuses the one file, as Node's does for a file of mode 000.)
  it.effect("a file or directory removed after it was listed, or unreadable, is a SkillError naming the file (MissingSkillMd for SKILL.md, InvalidPath otherwise)", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      // The entry removed right after its directory was listed, and the file the server may not read.
      let removed: string | undefined
      let denied: string | undefined
      const deny = (path: string, method: string) =>
        Effect.fail(PlatformError.systemError({ _tag: "PermissionDenied", module: "FileSystem", method, pathOrDescriptor: path }))
      const racing = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          readDirectoryEntries: (path: string) =>
            Effect.tap(fs.readDirectoryEntries(path), () =>
              Effect.sync(() => {
                if (removed !== undefined && path === dir) rmSync(join(dir, removed), { recursive: true, force: true })
              })),
          readFile: (path: string) => path === join(dir, denied ?? "\0") ? deny(path, "readFile") : fs.readFile(path)
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const load = Skills.fromDirectory(dir).pipe(
        opening((open) => (path) => path === join(dir, denied ?? "\0") ? deny(path, "open") : open(path)),
        Effect.provide(Layer.mergeAll(racing, NodePath.layer))
      )
      const refused = (setup: () => void) =>
        Effect.gen(function*() {
          rmSync(dir, { recursive: true, force: true })
          mkdirSync(join(dir, "sub"), { recursive: true })
          writeFileSync(join(dir, "SKILL.md"), "---\nname: racing\ndescription: d\n---\n")
          writeFileSync(join(dir, "gone.txt"), "here when listed\n")
          writeFileSync(join(dir, "sub", "inner.txt"), "inner\n")
          removed = undefined
          denied = undefined
          setup()
          // Caught by its tag, as a user's code catches the documented errors.
          return yield* load.pipe(
            Effect.as("loaded"),
            Effect.catchTag("SkillError", (error) => Effect.succeed(`${error.reason}: ${error.message.slice(dir.length + 2)}`))
          )
        })
      assert.strictEqual(yield* refused(() => removed = "gone.txt"), "InvalidPath: gone.txt could not be read (it was removed while the skill was read)")
      assert.strictEqual(yield* refused(() => removed = "sub"), "InvalidPath: sub could not be read (it was removed while the skill was read)")
      assert.strictEqual(yield* refused(() => removed = "SKILL.md"), "MissingSkillMd: SKILL.md could not be read (it was removed while the skill was read)")
      assert.strictEqual(yield* refused(() => denied = "gone.txt"), "InvalidPath: gone.txt could not be read (permission denied)")
      assert.strictEqual(yield* refused(() => denied = "SKILL.md"), "MissingSkillMd: SKILL.md could not be read (permission denied)")
      assert.strictEqual(yield* refused(() => {}), "loaded")
    }).pipe(Effect.scoped))

  it.effect("files past the size limit are refused before they are read: one too large, or the SKILL.md and files together (TooLarge, not 2 GB of memory and a defect)", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: big\ndescription: d\n---\n")
      // Sparse: 1 GiB on paper, no disk; read whole, it would not even fit in a string.
      const sparse = (file: string, size: number) => {
        writeFileSync(join(dir, file), "")
        truncateSync(join(dir, file), size)
      }
      // The file system the loader gets, with the files it read (whole, or opened to read).
      const read: Array<string> = []
      const counting = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          readFile: (path: string) => {
            read.push(path.slice(dir.length + 1))
            return fs.readFile(path)
          }
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const opened = opening((open) => (path) => {
        read.push(path.slice(dir.length + 1))
        return open(path)
      })
      const load = Effect.flip(Skills.fromDirectory(dir)).pipe(opened, Effect.provide(Layer.mergeAll(counting, NodePath.layer)))
      sparse("big.bin", 1024 ** 3)
      const alone = yield* load
      assert.strictEqual(alone._tag === "SkillError" ? alone.reason : alone._tag, "TooLarge")
      assert.deepStrictEqual(read, ["SKILL.md"], "the big file is not read")
      // A file of exactly the limit: too large with the SKILL.md beside it, and not read either.
      rmSync(join(dir, "big.bin"))
      sparse("exact.bin", Skills.limits.bytes)
      read.length = 0
      const together = yield* load
      assert.strictEqual(together._tag === "SkillError" ? together.reason : together._tag, "TooLarge")
      assert.deepStrictEqual(read, ["SKILL.md"])
      // Exactly the limit, SKILL.md included: taken.
      rmSync(join(dir, "exact.bin"))
      sparse("exact.bin", Skills.limits.bytes - Buffer.byteLength("---\nname: big\ndescription: d\n---\n"))
      const skill = yield* Skills.fromDirectory(dir).pipe(opened, Effect.provide(Layer.mergeAll(counting, NodePath.layer)))
      assert.strictEqual(skill.files.reduce((sum, file) => sum + file.size, 0), Skills.limits.bytes)
    }).pipe(Effect.scoped))

  // Fails before the fix: a file measured within the limit and grown past it before its read was
  // read whole (here 64 MiB; any size, as much memory) before the limit was checked again.
  it.effect("a file that grows past the limit between its measure and its read is read no further than the limit (TooLarge); one that grows within it is served as read", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: grows\ndescription: d\n---\n")
      writeFileSync(join(dir, "grow.bin"), "small")
      // The size the file takes right after the loader measured it (sparse: no disk), and the
      // bytes of it that came back to the loader, whole or through the file it opened.
      let grownTo = 0
      let delivered = 0
      const growing = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          stat: (path: string) =>
            Effect.tap(fs.stat(path), () => Effect.sync(() => path === join(dir, "grow.bin") && truncateSync(path, grownTo))),
          readFile: (path: string) =>
            Effect.tap(fs.readFile(path), (bytes) => Effect.sync(() => path === join(dir, "grow.bin") && (delivered += bytes.byteLength)))
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const load = Skills.fromDirectory(dir).pipe(
        opening((open) => (path) =>
          Effect.map(open(path), (file): RegularFile.Opened =>
            path !== join(dir, "grow.bin")
              ? file
              // The same open file, its reads counted.
              : { ...file, read: (buffer) => Effect.tap(file.read(buffer), (count) => Effect.sync(() => delivered += count)) })
        ),
        Effect.provide(Layer.mergeAll(growing, NodePath.layer))
      )
      grownTo = 4 * Skills.limits.bytes
      const error = yield* Effect.flip(load)
      assert.strictEqual(error._tag === "SkillError" ? error.reason : error._tag, "TooLarge")
      assert.isAtMost(delivered, Skills.limits.bytes + 1, "bytes of grow.bin read")
      assert.isAbove(delivered, 0, "the reads of grow.bin are counted (through the loader's opens)")
      // Grown within the limit: served as it was read, its digest that of the bytes served.
      writeFileSync(join(dir, "grow.bin"), "small")
      grownTo = 1000
      delivered = 0
      const skill = yield* load
      const grown = skill.files.find((file) => file.path === "grow.bin")!
      assert.strictEqual(grown.size, 1000)
      assert.strictEqual(grown.digest, sha256(Buffer.concat([Buffer.from("small"), Buffer.alloc(995)])))
    }).pipe(Effect.scoped))
})

describe("Skills.layer: a skill file's URI given by another component too", () => {
  const here = fileURLToPath(import.meta.url)
  /** The refusal of serving `skills` beside a resource of `uri` built first, and its printed form. */
  const refusalBeside = (uri: string, skills: Layer.Layer<never, never, McpServer.McpServer>) =>
    Effect.map(
      Effect.exit(Effect.scoped(startServer({}, Layer.provideMerge(skills, McpServer.resource({ uri, name: "mine", read: Effect.succeed("mine") }))))), // MARK:user
      (exit) => {
        assert.isTrue(Exit.isFailure(exit))
        const cause = Exit.isFailure(exit) ? exit.cause : Cause.empty
        const defect = cause.reasons.find(Cause.isDieReason)?.defect
        assert.isTrue(RegistrationError.isRegistrationError(defect), Cause.pretty(cause))
        return { error: defect as RegistrationError.RegistrationError, printed: Cause.pretty(cause) }
      }
    )
  const lineOf = (marker: string) => readFileSync(here, "utf8").split("\n").findIndex((line) => line.includes(marker)) + 1

  // Fails before: the refusal pointed at the line of Skills.ts that registers every file.
  it.live("a skill made in code: the refusal points at its Skills.make, the other definition at its line", () =>
    Effect.gen(function*() {
      const Clash = Skills.make({ name: "clash", description: "Clashes.", body: "" }) // MARK:make
      const { error, printed } = yield* refusalBeside("skill://clash/SKILL.md", Skills.layer([Clash]))
      assert.include(error.message, "Resource skill://clash/SKILL.md is registered twice", printed)
      assert.include(`${error.site}:`, `${here}:${lineOf("// MARK:make")}:`, printed)
      assert.include(`${error.otherSite}:`, `${here}:${lineOf("// MARK:user")}:`, printed)
      assert.notInclude(printed, "src/extensions/", printed)
    }))

  it.live("a skill read from a directory: the refusal points at the file read", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      writeFileSync(join(dir, "SKILL.md"), "---\nname: clash-disk\ndescription: Clashes.\n---\n")
      mkdirSync(join(dir, "references"))
      writeFileSync(join(dir, "references", "guide.md"), "Guide\n")
      const skill = yield* Skills.fromDirectory(dir).pipe(Effect.provide(platform))
      const { error, printed } = yield* refusalBeside("skill://clash-disk/references/guide.md", Skills.layer([skill]))
      assert.strictEqual(error.site, join(realpathSync(dir), "references", "guide.md"), printed)
      assert.include(`${error.otherSite}:`, `${here}:${lineOf("// MARK:user")}:`, printed)
      assert.notInclude(printed, "src/extensions/", printed)
    }).pipe(Effect.scoped))
})

describe("Skills.layer", () => {
  it.effect("server/discover and initialize declare the extension (inline settings) beside resources", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([Plain], { directoryRead: true })
      const discovered = yield* request("server/discover")
      assert.deepStrictEqual(discovered.result.capabilities.extensions, { [id]: { directoryRead: true } })
      assert.isObject(discovered.result.capabilities.resources)
      // A connection's first resolved request picks its era: initialize on a connection of its own.
      const legacy = yield* serve([Plain], { directoryRead: true })
      const initialized = yield* Effect.promise(() => initializeRaw(legacy.raw))
      assert.deepStrictEqual(initialized.result.capabilities.extensions, { [id]: { directoryRead: true } })
      const plain = yield* serve([Plain])
      const bare = yield* plain.request("server/discover")
      assert.deepStrictEqual(bare.result.capabilities.extensions, { [id]: {} })
      // Without directoryRead the method is not served.
      assert.strictEqual((yield* plain.request("resources/directory/read", { uri: "skill://plain" })).error.code, -32601)
    }))

  // SEP-2640: a server that declares skills MUST declare `resources`. With no skill (a skills
  // folder with none in it) no resource was registered: the extension was declared alone,
  // `resources/list` was -32601, and an SDK client enforcing capabilities took skills as unsupported.
  it.live("with no skill, the server still declares (and serves) resources in both eras", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([], { directoryRead: true })
      const discovered = (yield* request("server/discover")).result.capabilities
      assert.deepStrictEqual(discovered.extensions, { [id]: { directoryRead: true } })
      assert.isObject(discovered.resources)
      assert.deepStrictEqual((yield* request("resources/list")).result.resources, [])
      assert.deepStrictEqual((yield* request("skills/list")).result.skills, [])
      const legacy = yield* serve([])
      const initialized = yield* Effect.promise(() => initializeRaw(legacy.raw))
      assert.isObject(initialized.result.capabilities.resources)
      // The SDK's skills client, enforcing capabilities as the spec asks of hosts.
      const server = yield* startServer({}, Skills.layer([]))
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
      const client = new ClientV2({ name: "skills-host", version: "1.0.0" }, {
        versionNegotiation: { mode: { pin: "2026-07-28" } as never },
        enforceStrictCapabilities: true
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const skills = new SkillsClient(client)
      assert.isTrue(skills.supported)
      assert.deepStrictEqual((yield* Effect.promise(() => skills.list())).skills, [])
    }).pipe(Effect.scoped))

  it.effect("skills/list pages one entry at a time, never splitting one, with caching hints", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([Review, Plain, Numeric], { pageSize: 1 })
      const pages: Array<any> = []
      let cursor: string | undefined
      do {
        const response = yield* request("skills/list", cursor === undefined ? {} : { cursor })
        pages.push(response.result)
        cursor = response.result.nextCursor
      } while (cursor !== undefined && pages.length < 10)
      assert.strictEqual(pages.length, 3)
      assert.deepStrictEqual(pages.map((page) => page.skills.length), [1, 1, 1])
      assert.deepStrictEqual(pages.flatMap((page) => page.skills), [Review.entry, Plain.entry, Numeric.entry].map((entry) => JSON.parse(JSON.stringify(entry))))
      for (const page of pages) {
        assert.strictEqual(page.ttlMs, 0)
        assert.strictEqual(page.cacheScope, "private")
        assert.strictEqual(page.resultType, "complete")
      }
      assert.isUndefined(pages[2].nextCursor)
      assert.strictEqual((yield* request("skills/list", { cursor: "not-a-cursor" })).error.code, -32602)
      const whole = yield* serve([Review, Plain, Numeric])
      const all = (yield* whole.request("skills/list")).result
      assert.strictEqual(all.skills.length, 3)
      assert.isUndefined(all.nextCursor)
    }))

  // Every file was one argument of a single `Layer.mergeAll(...)`: past about 120,000 files (250
  // skills at the 512-file limit, which SEP-2640 lets a server have however many of) the call
  // overflowed the stack, and `Skills.layer` threw a RangeError.
  it.live("serves 300 skills at the 512-file limit (153,600 files): the last skill and its last file answer", () =>
    Effect.gen(function*() {
      const files = Object.fromEntries(Array.from({ length: Skills.limits.files - 1 }, (_, i) => [`f${i}.txt`, `${i}`]))
      const many = Array.from({ length: 300 }, (_, i) => Skills.make({ name: `s${i}`, description: "d", body: "", files }))
      const { request } = yield* serve(many)
      const got = (yield* request("skills/get", { uri: "skill://s299/SKILL.md" })).result
      assert.strictEqual(got.skill.resources.length, Skills.limits.files)
      const read = (yield* request("resources/read", { uri: "skill://s299/f510.txt" })).result
      assert.strictEqual(read.contents[0].text, "510")
      assert.strictEqual((yield* request("skills/list")).result.skills.length, 300)
    }), 120_000)

  it.effect("skills/get answers the entry without a cursor, -32602 for an unknown skill", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([Review, Plain], { pageSize: 1 })
      const got = (yield* request("skills/get", { uri: Review.uri })).result
      assert.deepStrictEqual(got.skill, JSON.parse(JSON.stringify(Review.entry)))
      assert.isUndefined(got.nextCursor)
      assert.strictEqual(got.ttlMs, 0)
      assert.strictEqual(got.cacheScope, "private")
      const unknown = yield* request("skills/get", { uri: "skill://mcp-conformance-nonexistent-skill-9f3a2b/SKILL.md" })
      assert.strictEqual(unknown.error.code, -32602)
      // A file of a skill is not a skill.
      assert.strictEqual((yield* request("skills/get", { uri: Review.files[1]!.uri })).error.code, -32602)
      assert.strictEqual((yield* request("skills/get", {})).error.code, -32602)
      // A long URI is quoted clipped in the message and in data.uri, as resource-not-found's is.
      const long = `skill://${"x".repeat(100_000)}`
      const refused = (yield* request("skills/get", { uri: long })).error
      assert.isBelow(refused.message.length, 400)
      assert.isBelow(refused.data.uri.length, 400)
    }))

  it.effect("every file is a resource whose served bytes match the entry's digest and size", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([Review, Plain])
      const listed = (yield* request("resources/list")).result.resources
      const manifest = listed.find((resource: any) => resource.uri === Review.uri)
      assert.deepStrictEqual(manifest, {
        uri: Review.uri,
        name: "code-review",
        description: Review.frontmatter.description,
        mimeType: "text/markdown",
        size: Review.files[0]!.size
      })
      assert.strictEqual(listed.length, Review.files.length + Plain.files.length)
      for (const entry of [...Review.entry.resources, ...Plain.entry.resources]) {
        const read = (yield* request("resources/read", { uri: entry.uri })).result
        assert.strictEqual(read.contents.length, 1)
        const bytes = bytesOf(read.contents[0])
        assert.strictEqual(sha256(bytes), entry.digest, entry.uri)
        assert.strictEqual(bytes.byteLength, entry.size, entry.uri)
      }
      const skillMd = (yield* request("resources/read", { uri: Review.uri })).result.contents[0]
      assert.strictEqual(skillMd.mimeType, "text/markdown")
      assert.deepStrictEqual(parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(skillMd.text)![1]!), Review.frontmatter)
      const blob = (yield* request("resources/read", { uri: "skill://code-review/assets/logo.bin" })).result.contents[0]
      assert.deepStrictEqual([...Buffer.from(blob.blob, "base64")], [0, 255, 1, 254])
    }))

  it.effect("resources/directory/read lists direct children, subdirectories as inode/directory; -32602 otherwise", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([Review, Plain], { directoryRead: true })
      const root = (yield* request("resources/directory/read", { uri: "skill://code-review" })).result
      assert.deepStrictEqual(root.resources.map((r: any) => [r.uri, r.mimeType]), [
        ["skill://code-review/SKILL.md", "text/markdown"],
        ["skill://code-review/assets", "inode/directory"],
        ["skill://code-review/references", "inode/directory"],
        ["skill://code-review/scripts", "inode/directory"]
      ])
      assert.isUndefined(root.nextCursor)
      const references = (yield* request("resources/directory/read", { uri: "skill://code-review/references/" })).result
      assert.deepStrictEqual(references.resources, [
        { uri: "skill://code-review/references/deep", name: "references/deep", mimeType: "inode/directory" },
        { uri: "skill://code-review/references/style.md", name: "references/style.md", mimeType: "text/markdown", size: Review.files[3]!.size }
      ])
      const deep = (yield* request("resources/directory/read", { uri: "skill://code-review/references/deep" })).result
      assert.deepStrictEqual(deep.resources.map((r: any) => r.uri), ["skill://code-review/references/deep/notes.txt"])
      const single = (yield* request("resources/directory/read", { uri: "skill://plain" })).result
      assert.deepStrictEqual(single.resources.map((r: any) => r.uri), ["skill://plain/SKILL.md"])
      for (const uri of [Review.uri, "skill://code-review/references/style.md", "skill://nothing", "test://x"]) {
        const refused = yield* request("resources/directory/read", { uri })
        assert.strictEqual(refused.error?.code, -32602, uri)
      }
      const long = (yield* request("resources/directory/read", { uri: `skill://${"x".repeat(100_000)}` })).error
      assert.strictEqual(long.code, -32602)
      assert.isBelow(long.message.length, 400)
    }))

  // Fails before the fix: the skill's URIs were looked up as spelled (`%c3%a9` is not `%C3%A9`):
  // a directory read or a get of a URI spelled otherwise than the server writes it was -32602,
  // while resources/read read the same URI's files.
  it.effect("resources/directory/read and skills/get compare URIs in normal form, as resources/read does", () =>
    Effect.gen(function*() {
      const Accent = Skills.make({ name: "accent", description: "d", body: "", files: { "réf/guide.md": "Guide.\n" } })
      const { request } = yield* serve([Accent], { directoryRead: true, pageSize: 1 })
      const written = "skill://accent/r%C3%A9f"
      assert.deepStrictEqual((yield* request("resources/directory/read", { uri: written })).result.resources.map((r: any) => r.uri), [
        `${written}/guide.md`
      ])
      for (const uri of ["skill://accent/r%c3%a9f", "SKILL://accent/r%C3%A9f/", "skill://accent/%72%c3%A9f"]) {
        assert.strictEqual((yield* request("resources/read", { uri: `${uri.replace(/\/$/, "")}/guide.md` })).result?.contents[0].text, "Guide.\n", uri)
        const read = yield* request("resources/directory/read", { uri })
        assert.deepStrictEqual(read.result?.resources.map((r: any) => r.uri), [`${written}/guide.md`], uri)
      }
      // The cursor of one spelling pages the same directory under another.
      const first = (yield* request("resources/directory/read", { uri: "skill://accent" })).result
      const second = (yield* request("resources/directory/read", { uri: "Skill://%61ccent", cursor: first.nextCursor })).result
      assert.deepStrictEqual([...first.resources, ...second.resources].map((r: any) => r.uri), [Accent.uri, written])
      for (const uri of ["SKILL://accent/SKILL.md", "skill://accent/%53KILL.md", "skill://%61ccent/SKILL.md"]) {
        assert.strictEqual((yield* request("skills/get", { uri })).result?.skill.uri, Accent.uri, uri)
      }
      // Still a different URI: %2F is not a slash, nor another case of a letter the same letter.
      for (const uri of ["skill://accent%2Fr%C3%A9f", "skill://Accent/r%C3%A9f"]) {
        assert.strictEqual((yield* request("resources/directory/read", { uri })).error?.code, -32602, uri)
      }
    }))

  it.effect("resources/directory/read pages with the cursor", () =>
    Effect.gen(function*() {
      const { request } = yield* serve([Review], { directoryRead: true, pageSize: 3 })
      const first = (yield* request("resources/directory/read", { uri: "skill://code-review" })).result
      assert.strictEqual(first.resources.length, 3)
      assert.isString(first.nextCursor)
      const second = (yield* request("resources/directory/read", { uri: "skill://code-review", cursor: first.nextCursor })).result
      assert.deepStrictEqual(second.resources.map((r: any) => r.uri), ["skill://code-review/scripts"])
      assert.isUndefined(second.nextCursor)
    }))

  it.effect("a cursor is its list's: one of skills/list, of another directory or of another server is -32602 (as the core lists')", () =>
    Effect.gen(function*() {
      const served = yield* serve([Review, Plain, Numeric], { directoryRead: true, pageSize: 1 })
      const first = (method: string, params: Record<string, unknown> = {}) =>
        Effect.map(served.request(method, params), (response) => response.result.nextCursor as string)
      const cursors = {
        skills: yield* first("skills/list"),
        root: yield* first("resources/directory/read", { uri: "skill://code-review" }),
        references: yield* first("resources/directory/read", { uri: "skill://code-review/references" })
      }
      // Each list, continued with each cursor: its own gives its second page, any other -32602.
      const lists: Record<keyof typeof cursors, (cursor: string) => ReturnType<typeof served.request>> = {
        skills: (cursor) => served.request("skills/list", { cursor }),
        root: (cursor) => served.request("resources/directory/read", { uri: "skill://code-review", cursor }),
        references: (cursor) => served.request("resources/directory/read", { uri: "skill://code-review/references", cursor })
      }
      for (const [list, continued] of Object.entries(lists)) {
        for (const [from, cursor] of Object.entries(cursors)) {
          const response = yield* continued(cursor)
          if (from === list) assert.isDefined(response.result, `${from}'s cursor on ${list}`)
          else assert.strictEqual(response.error?.code, -32602, `${from}'s cursor on ${list}`)
        }
      }
      assert.deepStrictEqual((yield* lists.skills(cursors.skills)).result.skills, [JSON.parse(JSON.stringify(Plain.entry))])
      // Another server's (another name) is not ours; a replica's (the same name) is.
      const other = yield* serve([Review, Plain, Numeric], { directoryRead: true, pageSize: 1 }, "other")
      assert.strictEqual((yield* other.request("skills/list", { cursor: cursors.skills })).error.code, -32602)
      const replica = yield* serve([Review, Plain, Numeric], { directoryRead: true, pageSize: 1 })
      assert.deepStrictEqual((yield* replica.request("skills/list", { cursor: cursors.skills })).result.skills, [JSON.parse(JSON.stringify(Plain.entry))])
    }))

  // The SDK's skills client checks 2026-07-28 directory pages for the caching hints, as it does
  // skills/list's: they had none, and it refused every directory read ("Invalid result for
  // resources/directory/read: ttlMs: ... expected number").
  it.live("the SDK v2 skills client lists, gets, reads and verifies every file, and reads directories, on both eras", () =>
    Effect.gen(function*() {
      for (const [mode, version] of [[{ pin: "2026-07-28" }, "2026-07-28"], ["legacy", "2025-11-25"]] as const) {
        const { client, skills } = yield* serveToSdk([Review, Plain], { directoryRead: true }, mode)
        assert.strictEqual(client.getNegotiatedProtocolVersion(), version)
        assert.isTrue(skills.supported && skills.directoryRead, version)
        const listing = yield* Effect.promise(() => skills.list())
        assert.deepStrictEqual(listing.skills.map((skill) => skill.uri), [Review.uri, Plain.uri], version)
        const entry = (yield* Effect.promise(() => skills.get(Review.uri))).skill
        for (const resource of Review.entry.resources) {
          const file = yield* Effect.promise(() => skills.read(entry, resource.uri))
          assert.isTrue(file.verified, resource.uri)
          assert.strictEqual(file.bytes.byteLength, resource.size, resource.uri)
        }
        const root = yield* Effect.promise(() => skills.readDirectory("skill://code-review"))
        assert.deepStrictEqual(root.resources.map((resource) => resource.uri), [
          "skill://code-review/SKILL.md",
          "skill://code-review/assets",
          "skill://code-review/references",
          "skill://code-review/scripts"
        ], version)
        if (version === "2026-07-28") {
          assert.strictEqual(root.ttlMs, 0)
          assert.strictEqual(root.cacheScope, "private")
        }
      }
    }).pipe(Effect.scoped))

  // Fails before the fix: a 2025 session keeps the server it started with (what it negotiated), and
  // with it the skills extension's methods as they were: after the skills were swapped (one
  // `Skills.layer` closed, another built in the running server) it was told the resources changed
  // and read the new files, but `skills/list`, `skills/get` and `resources/directory/read` answered
  // the old set: skills gone, and a skill of the same name with its old digests, which the files
  // it read then failed.
  it.live("a run-time swap of skills reaches an open 2025 session: told resources/list_changed, it lists, gets, reads and reads directories of the new set", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      const swapIn = (skills: ReadonlyArray<Skills.Skill>, directoryRead = true) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
          yield* Layer.buildWithScope(Skills.layer(skills, { directoryRead }), scope).pipe(Effect.provideService(McpServer.McpServer, server))
          return scope
        })
      const before = yield* swapIn([Review, Plain])
      // A 2025-11-25 session, open across the swap.
      const pair = InMemory.makePair()
      const { record, waitFor } = recorder()
      pair.client.onmessage = record
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
      yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
      let next = 0
      const request = (method: string, params: Record<string, unknown> = {}) =>
        Effect.promise(async () => {
          const requestId = `s${next++}`
          await pair.client.send({ jsonrpc: "2.0", id: requestId, method, params } as never)
          return waitFor((message) => message.id === requestId)
        })
      assert.strictEqual((yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } })).result.protocolVersion, "2025-11-25")
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
      assert.deepStrictEqual((yield* request("skills/list")).result.skills.map((entry: any) => entry.uri), [Review.uri, Plain.uri])
      // Swapped: code-review gone, plain in a new version (same URIs, other bytes), numeric new.
      const PlainAgain = Skills.make({ name: "plain", description: "Plain, second version.", body: "Plain again.\n", files: { "notes.md": "New.\n" } })
      yield* Scope.close(before, Exit.void)
      const after = yield* swapIn([PlainAgain, Numeric])
      yield* Effect.promise(() => waitFor((message) => message.method === "notifications/resources/list_changed"))
      const json = (value: unknown) => JSON.parse(JSON.stringify(value))
      assert.deepStrictEqual((yield* request("skills/list")).result.skills, [json(PlainAgain.entry), json(Numeric.entry)])
      assert.deepStrictEqual((yield* request("skills/get", { uri: PlainAgain.uri })).result.skill, json(PlainAgain.entry))
      assert.strictEqual((yield* request("skills/get", { uri: Review.uri })).error?.code, -32602)
      // Every file the entry lists is read with the bytes its digest says.
      for (const entry of PlainAgain.entry.resources) {
        const read = (yield* request("resources/read", { uri: entry.uri })).result
        assert.strictEqual(sha256(bytesOf(read.contents[0])), entry.digest, entry.uri)
      }
      assert.deepStrictEqual((yield* request("resources/directory/read", { uri: "skill://plain" })).result.resources.map((r: any) => r.uri), [
        "skill://plain/SKILL.md",
        "skill://plain/notes.md"
      ])
      assert.strictEqual((yield* request("resources/directory/read", { uri: "skill://code-review" })).error?.code, -32602)
      // With no skills layer left, the session's extension methods answer as one with no skill.
      yield* Scope.close(after, Exit.void)
      assert.deepStrictEqual((yield* request("skills/list")).result, { skills: [] })
      assert.strictEqual((yield* request("skills/get", { uri: PlainAgain.uri })).error?.code, -32602)
      assert.strictEqual((yield* request("resources/directory/read", { uri: "skill://plain" })).error?.code, -32602)
      // Swapped in without directoryRead: the directory reads are not served, as by such a server.
      yield* swapIn([PlainAgain], false)
      assert.deepStrictEqual((yield* request("skills/list")).result.skills, [json(PlainAgain.entry)])
      assert.strictEqual((yield* request("resources/directory/read", { uri: "skill://plain" })).error?.code, -32601)
    }).pipe(Effect.scoped))

  it.live("after a swap to no skills, the refusals of skills/get and directory reads quote a long URI clipped in data.uri too", () =>
    Effect.gen(function*() {
      const server = yield* startServer()
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      yield* Layer.buildWithScope(Skills.layer([Plain], { directoryRead: true }), scope).pipe(Effect.provideService(McpServer.McpServer, server))
      const pair = InMemory.makePair()
      const { record, waitFor } = recorder()
      pair.client.onmessage = record
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
      yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
      let next = 0
      const request = (method: string, params: Record<string, unknown> = {}) =>
        Effect.promise(async () => {
          const requestId = `c${next++}`
          await pair.client.send({ jsonrpc: "2.0", id: requestId, method, params } as never)
          return waitFor((message) => message.id === requestId)
        })
      yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } })
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
      // The session's extension now answers as one with no skill.
      yield* Scope.close(scope, Exit.void)
      const long = `skill://${"x".repeat(100_000)}`
      for (const method of ["skills/get", "resources/directory/read"]) {
        const refused = (yield* request(method, { uri: long })).error
        assert.strictEqual(refused.code, -32602, method)
        assert.isBelow(refused.message.length, 400, method)
        // Fails before: data.uri was the whole 100,008 characters (the clip missed this copy)
        assert.isBelow(refused.data.uri.length, 400, method)
      }
    }).pipe(Effect.scoped))

  it.effect("a 2025-11-25 session lists skills too, without the 2026 caching hints", () =>
    Effect.gen(function*() {
      const { raw } = yield* serve([Plain])
      yield* Effect.promise(() => initializeRaw(raw))
      yield* Effect.promise(() => raw.send({ jsonrpc: "2.0", id: 7, method: "skills/list", params: {} }))
      const listed = yield* Effect.promise(() => (raw as RawClient).waitFor((message) => message.id === 7))
      assert.deepStrictEqual(listed.result, { skills: [JSON.parse(JSON.stringify(Plain.entry))] })
    }))
})
