/**
 * Many large answers at once over stdio: a real child process of
 * test/fixtures/big-answers-server.ts, sent a hundred and ten calls in one write (answered inline,
 * as one batch), its output read as it comes (counted, not kept).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const bigAnswersServer = fileURLToPath(new URL("../fixtures/big-answers-server.ts", import.meta.url))

const line = (message: unknown) => `${JSON.stringify(message)}\n`

describe("stdio: a batch of answers longer, in all, than V8's longest string", () => {
  // Fails before the fix: the batch's answers were joined into one string for one write, past
  // V8's longest (about 512 MiB): a RangeError ("Invalid string length"), the server exited 1 and
  // no call was answered.
  it.live("110 calls of 5 MiB each, sent at once: every one answered, then exit 0", () =>
    Effect.gen(function*() {
      const child = spawn(process.execPath, [bigAnswersServer], { stdio: ["pipe", "pipe", "pipe"] })
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
      let stderr = ""
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      // Lines counted as they come; an answer's start (its id) kept, not its 5 MiB.
      const starts: Array<string> = []
      let current = ""
      child.stdout.on("data", (chunk: Buffer) => {
        let from = 0
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, from)) {
          starts.push(current + chunk.toString("utf8", from, Math.min(at, from + 64)))
          current = ""
          from = at + 1
        }
        if (current.length < 64) current += chunk.toString("utf8", from, Math.min(chunk.length, from + 64 - current.length))
      })
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal }))
      )
      child.stdin.on("error", () => {})
      child.stdin.write(line({
        jsonrpc: "2.0",
        id: "init",
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
      }))
      for (let i = 0; i < 1_000 && starts.length === 0; i++) yield* Effect.sleep("10 millis")
      assert.include(starts[0] ?? "", `"id":"init"`, stderr)
      let calls = line({ jsonrpc: "2.0", method: "notifications/initialized" })
      for (let id = 1; id <= 110; id++) calls += line({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "big", arguments: {} } })
      child.stdin.end(calls)
      const exit = yield* Effect.promise(() => Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 30_000))]))
      assert.deepStrictEqual(exit, { code: 0, signal: null }, stderr.slice(0, 2000))
      assert.strictEqual(starts.length, 111, stderr.slice(0, 2000))
      for (let id = 1; id <= 110; id++) assert.include(starts[id], `{"jsonrpc":"2.0","id":${id},"result"`)
    }), 60_000)
})
