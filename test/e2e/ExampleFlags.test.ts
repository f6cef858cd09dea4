/**
 * The examples' flags (issue 15, item 4): `--help` prints the usage and exits 0 without serving;
 * an unknown flag or a bad value is named on stderr with a pointer to `--help`, exit 2.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import "../support/compileCache.ts"

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))
/** Every example server (`examples/*.ts`; not its `internal/` helpers or `fixtures/`). */
const examples = readdirSync(fileURLToPath(new URL("../../examples/", import.meta.url))).filter((name) => name.endsWith(".ts"))

interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `node examples/<name> …args` to its end (killed after 15 s): its exit code and output. Fails
 * with the reason when the child cannot be started (or killed), instead of waiting for a `close`.
 * Once per command line in this file: the tests that look at the same one (`hello-server.ts
 * --bogus`, `replica-server.ts --help`, `protected-server.ts --help`) share its run, each with its
 * own assertions (a child each was a start of Node and the library, about 1 s of CPU).
 */
const run = (name: string, args: ReadonlyArray<string>): Promise<Ran> => {
  const key = JSON.stringify([name, ...args])
  const ran = runs.get(key) ?? spawnRun(name, args)
  runs.set(key, ran)
  return ran
}

/** The runs of {@link run} so far, by command line. */
const runs = new Map<string, Promise<Ran>>()

const spawnRun = (name: string, args: ReadonlyArray<string>) =>
  new Promise<Ran>((resolve, reject) => {
    const child = spawn(process.execPath, [example(name), ...args], { timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] })
    child.once("error", (error) => reject(new Error(`node examples/${[name, ...args].join(" ")}: ${error.message}`, { cause: error })))
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.once("close", (status) => resolve({ status, stdout, stderr }))
  })

/** {@link run} of each of `runs`, two at a time (the machine's cores: each is mostly a child's start, CPU-bound): the results in order. */
const runEach = async (runs: ReadonlyArray<readonly [string, ReadonlyArray<string>]>): Promise<Array<Ran>> => {
  const results: Array<Ran> = []
  let next = 0
  await Promise.all(Array.from({ length: 2 }, async () => {
    while (next < runs.length) {
      const index = next++
      results[index] = await run(...runs[index]!)
    }
  }))
  return results
}

describe("example flags", () => {
  // Fails before the fix for echo-api-server.ts: it read no flag (--help served stdio, --http was ignored).
  it("--help: usage on stdout, exit 0, for every example", async () => {
    assert.include(examples, "echo-api-server.ts")
    assert.include(examples, "protected-server.ts")
    const results = await runEach(examples.map((name) => [name, ["--help"]] as const))
    for (const [index, name] of examples.entries()) {
      const result = results[index]!
      assert.strictEqual(result.status, 0, `${name}: ${result.stderr}`)
      assert.include(result.stdout, "usage: node", name)
      assert.include(result.stdout, "--http", name)
    }
    assert.include(results[examples.indexOf("protected-server.ts")]!.stdout, "--jwks-url")
  }, 120_000)

  it("an unknown flag, a flag without its value, a bad port: named, exit 2, nothing on stdout", async () => {
    const mistakes = [
      [["--bogus"], "unknown flag --bogus"],
      [["--http", "--port"], "--port needs a value"],
      [["--http", "--port", "99999"], "--port must be a port number"],
      [["--http", "--stdio"], "exclude each other"]
    ] as const
    const results = await runEach([
      ...mistakes.map(([args]) => ["hello-server.ts", args] as const),
      ...examples.map((name) => [name, ["--bogus"]] as const)
    ])
    for (const [index, [args, message]] of mistakes.entries()) {
      const result = results[index]!
      assert.strictEqual(result.status, 2, args.join(" "))
      assert.include(result.stderr, message)
      assert.include(result.stderr, "see --help")
      assert.strictEqual(result.stdout, "")
    }
    for (const [index, name] of examples.entries()) {
      const result = results[mistakes.length + index]!
      assert.strictEqual(result.status, 2, `${name}: ${result.stderr}`)
      assert.include(result.stderr, "unknown flag --bogus", name)
    }
  }, 120_000)

  // Fails before the fix: replica-server.ts printed the common usage, "--stdio ... (the default
  // unless --http)", and served stateless HTTP whatever it was given (`--stdio` too, on port 3000).
  it("replica-server.ts serves stateless HTTP only: its --help says so, --stdio is refused (exit 2)", async () => {
    const [help, stdio] = await Promise.all([run("replica-server.ts", ["--help"]), run("replica-server.ts", ["--stdio"])])
    assert.strictEqual(help.status, 0, help.stderr)
    assert.include(help.stdout, "usage: node replica-server.ts [--http] [--port N] [--host H]")
    assert.include(help.stdout, "stateless Streamable HTTP only")
    assert.notInclude(help.stdout, "--stdio")
    assert.strictEqual(stdio.status, 2, stdio.stderr)
    assert.include(stdio.stderr, "--stdio: replica-server.ts serves stateless Streamable HTTP only; see --help")
    assert.strictEqual(stdio.stdout, "")
  }, 60_000)

  // Fails before the fix: an Error thrown at the module's top level, its stack on stderr, exit 1.
  it("protected-server.ts --http without --issuer or --jwks-url: named, exit 2, no stack", async () => {
    const cases = [
      [["--http", "--jwks-url", "http://127.0.0.1:1/jwks.json"], "--issuer"],
      [["--http", "--issuer", "http://127.0.0.1:1"], "--jwks-url"]
    ] as const
    const results = await runEach(cases.map(([args]) => ["protected-server.ts", args] as const))
    for (const [index, [args, missing]] of cases.entries()) {
      const result = results[index]!
      assert.strictEqual(result.status, 2, `${args.join(" ")}: ${result.stderr}`)
      assert.include(result.stderr, `${missing} is required with --http`)
      assert.include(result.stderr, "see --help")
      assert.notInclude(result.stderr, "    at ")
      assert.strictEqual(result.stdout, "")
    }
  }, 60_000)
})
