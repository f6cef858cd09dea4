/**
 * The examples' flags (issue 15, item 4): `--help` prints the usage and exits 0 without serving;
 * an unknown flag or a bad value is named on stderr with a pointer to `--help`, exit 2.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))
/** Every example server (`examples/*.ts`; not its `internal/` helpers or `fixtures/`). */
const examples = readdirSync(fileURLToPath(new URL("../../examples/", import.meta.url))).filter((name) => name.endsWith(".ts"))
const run = (name: string, args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [example(name), ...args], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] })

describe("example flags", () => {
  // Fails before the fix for echo-api-server.ts: it read no flag (--help served stdio, --http was ignored).
  it("--help: usage on stdout, exit 0, for every example", () => {
    assert.include(examples, "echo-api-server.ts")
    for (const name of examples) {
      const result = run(name, ["--help"])
      assert.strictEqual(result.status, 0, `${name}: ${result.stderr}`)
      assert.include(result.stdout, "usage: node", name)
      assert.include(result.stdout, "--http", name)
    }
    assert.include(run("protected-server.ts", ["--help"]).stdout, "--jwks-url")
  }, 120_000)

  it("an unknown flag, a flag without its value, a bad port: named, exit 2, nothing on stdout", () => {
    for (const [args, message] of [
      [["--bogus"], "unknown flag --bogus"],
      [["--http", "--port"], "--port needs a value"],
      [["--http", "--port", "99999"], "--port must be a port number"],
      [["--http", "--stdio"], "exclude each other"]
    ] as const) {
      const result = run("hello-server.ts", args)
      assert.strictEqual(result.status, 2, args.join(" "))
      assert.include(result.stderr, message)
      assert.include(result.stderr, "see --help")
      assert.strictEqual(result.stdout, "")
    }
    for (const name of examples) {
      const result = run(name, ["--bogus"])
      assert.strictEqual(result.status, 2, `${name}: ${result.stderr}`)
      assert.include(result.stderr, "unknown flag --bogus", name)
    }
  }, 120_000)

  // Fails before the fix: replica-server.ts printed the common usage, "--stdio ... (the default
  // unless --http)", and served stateless HTTP whatever it was given (`--stdio` too, on port 3000).
  it("replica-server.ts serves stateless HTTP only: its --help says so, --stdio is refused (exit 2)", () => {
    const help = run("replica-server.ts", ["--help"])
    assert.strictEqual(help.status, 0, help.stderr)
    assert.include(help.stdout, "usage: node replica-server.ts [--http] [--port N] [--host H]")
    assert.include(help.stdout, "stateless Streamable HTTP only")
    assert.notInclude(help.stdout, "--stdio")
    const stdio = run("replica-server.ts", ["--stdio"])
    assert.strictEqual(stdio.status, 2, stdio.stderr)
    assert.include(stdio.stderr, "--stdio: replica-server.ts serves stateless Streamable HTTP only; see --help")
    assert.strictEqual(stdio.stdout, "")
  }, 60_000)

  // Fails before the fix: an Error thrown at the module's top level, its stack on stderr, exit 1.
  it("protected-server.ts --http without --issuer or --jwks-url: named, exit 2, no stack", () => {
    for (const [args, missing] of [
      [["--http", "--jwks-url", "http://127.0.0.1:1/jwks.json"], "--issuer"],
      [["--http", "--issuer", "http://127.0.0.1:1"], "--jwks-url"]
    ] as const) {
      const result = run("protected-server.ts", args)
      assert.strictEqual(result.status, 2, `${args.join(" ")}: ${result.stderr}`)
      assert.include(result.stderr, `${missing} is required with --http`)
      assert.include(result.stderr, "see --help")
      assert.notInclude(result.stderr, "    at ")
      assert.strictEqual(result.stdout, "")
    }
  }, 60_000)
})
