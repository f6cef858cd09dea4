/**
 * Many large answers at once over stdio: a real child process of
 * test/fixtures/big-answers-server.ts, sent just enough calls of 5 MiB that their answers pass V8's
 * longest string (103 in Node 24) in one write (answered inline, as one batch of output), or in one
 * JSON-RPC batch (MCP 2025-03-26: answered with one line), its output read as it comes (counted,
 * not kept).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { markerCounter, pastLongestString } from "../support/bigOutput.ts"

const bigAnswersServer = fileURLToPath(new URL("../fixtures/big-answers-server.ts", import.meta.url))

const line = (message: unknown) => `${JSON.stringify(message)}\n`

/**
 * The calls sent: the fewest whose answers (5 MiB of text each, the fixture's `big`) pass V8's
 * longest string in all. 110 before (550 MiB, 7% past it): as able to fail, for 37 MiB less
 * written, read and scanned twice.
 */
const ids = Array.from({ length: pastLongestString(5 * 1024 * 1024) }, (_, i) => i + 1)

/**
 * Runs the server: initializes it at `version`, sends `input` and closes stdin; waits for its exit.
 * What it wrote: the start of each line, and how many answers (`{"jsonrpc":"2.0","id":`) in all.
 */
const serve = (version: string, input: (initialized: string) => string) =>
  Effect.gen(function*() {
    const child = spawn(process.execPath, [bigAnswersServer], { stdio: ["pipe", "pipe", "pipe"] })
    yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    // Each line's start kept, not its 5 MiB; answers counted across chunks (a short overlap).
    const starts: Array<string> = []
    let current = ""
    const answers = markerCounter(`{"jsonrpc":"2.0","id":`)
    child.stdout.on("data", (chunk: Buffer) => {
      let from = 0
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, from)) {
        starts.push(current + chunk.toString("utf8", from, Math.min(at, from + 64)))
        current = ""
        from = at + 1
      }
      if (current.length < 64) current += chunk.toString("utf8", from, Math.min(chunk.length, from + 64 - current.length))
      answers.add(chunk)
    })
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal }))
    )
    child.stdin.on("error", () => {})
    child.stdin.write(line({
      jsonrpc: "2.0",
      id: "init",
      method: "initialize",
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "0" } }
    }))
    for (let i = 0; i < 1_000 && starts.length === 0; i++) yield* Effect.sleep("10 millis")
    assert.include(starts[0] ?? "", `"id":"init"`, stderr)
    child.stdin.end(input(line({ jsonrpc: "2.0", method: "notifications/initialized" })))
    // 515 MiB written and read (550 MiB before: 18-35 s on a loaded machine; more than 30 s in a
    // full run beside other work, the exit not seen). Bounded at 75 s.
    // The bound's timer is cleared once the race is decided (it kept the worker's event loop busy for 75 s).
    let timer: ReturnType<typeof setTimeout> | undefined
    const exit = yield* Effect.promise(() =>
      Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve(undefined), 75_000)))]).finally(() => clearTimeout(timer))
    )
    return { exit, starts, answers: answers.count() - 1, stderr: stderr.slice(0, 2000) }
  })

const call = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "big", arguments: {} } })

describe("stdio: answers longer, in all, than V8's longest string", () => {
  // Fails before the fix: the batch's answers were joined into one string for one write, past
  // V8's longest (about 512 MiB): a RangeError ("Invalid string length"), the server exited 1 and
  // no call was answered.
  it.live(`${ids.length} calls of 5 MiB each (past V8's longest string in all), sent at once: every one answered, then exit 0`, () =>
    Effect.gen(function*() {
      const { answers, exit, starts, stderr } = yield* serve("2025-11-25", (initialized) => initialized + ids.map((id) => line(call(id))).join(""))
      assert.deepStrictEqual(exit, { code: 0, signal: null }, stderr)
      assert.strictEqual(starts.length, ids.length + 1, stderr)
      for (const id of ids) assert.include(starts[id], `{"jsonrpc":"2.0","id":${id},"result"`)
      assert.strictEqual(answers, ids.length)
    }), 120_000)

  // Fails before the fix: the batch's answer, one line, could not be made one string (its members
  // joined threw the RangeError, past the JSON.stringify that had): the server exited 1.
  it.live(`a JSON-RPC batch (2025-03-26) of ${ids.length} such calls: answered with one line holding every answer, then exit 0`, () =>
    Effect.gen(function*() {
      const { answers, exit, starts, stderr } = yield* serve("2025-03-26", (initialized) => initialized + line(ids.map(call)))
      assert.deepStrictEqual(exit, { code: 0, signal: null }, stderr)
      assert.strictEqual(starts.length, 2, stderr)
      assert.include(starts[1], `[{"jsonrpc":"2.0","id":1,"result"`)
      assert.strictEqual(answers, ids.length)
    }), 120_000)
})
