/**
 * Smoke test with the official MCP Inspector's CLI (`mcp-inspector --cli --transport http`)
 * against the everything server over Streamable HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { serveEverything } from "./support.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const inspector = `${root}node_modules/.bin/mcp-inspector`

const cli = (url: string, ...args: Array<string>) =>
  Effect.promise(() =>
    new Promise<any>((resolve, reject) =>
      execFile(
        process.execPath,
        [inspector, "--cli", "--transport", "http", "--server-url", url, ...args],
        { timeout: 30_000, env: { ...process.env, PATH: `${root}node_modules/node/bin:${process.env.PATH}` } },
        (error, stdout, stderr) => {
          if (error) return reject(new Error(`${error.message}\n${stderr}`))
          try {
            resolve(JSON.parse(stdout))
          } catch {
            reject(new Error(`not JSON: ${stdout}\n${stderr}`))
          }
        }
      )
    )
  )

describe("MCP Inspector CLI against the everything server (Streamable HTTP)", () => {
  it.live("tools/list lists the fixtures; tools/call answers", () =>
    Effect.gen(function*() {
      const { url } = yield* serveEverything()
      const [tools, called] = yield* Effect.all([
        cli(url, "--method", "tools/list"),
        cli(url, "--method", "tools/call", "--tool-name", "test_simple_text")
      ], { concurrency: 2 })
      const names = tools.tools.map((t: { name: string }) => t.name)
      assert.includeMembers(names, [
        "test_simple_text",
        "test_tool_with_progress",
        "test_sampling",
        "test_elicitation",
        "test_reconnection",
        "test_task_slow",
        "json_schema_2020_12_tool"
      ])
      assert.deepStrictEqual(called.content, [{ type: "text", text: "This is a simple text response for testing." }])
    }), 60_000)
})
