/**
 * Smoke test with the official MCP Inspector's CLI (`mcp-inspector --cli`) driving the demo
 * server over stdio: list and call tools, read a templated resource, get a prompt.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))
const inspector = `${root}node_modules/.bin/mcp-inspector`
const demo = `${root}examples/demo.ts`

const cli = (...args: Array<string>) =>
  Effect.promise(() =>
    new Promise<any>((resolve, reject) =>
      execFile(
        process.execPath,
        [inspector, "--cli", process.execPath, demo, "--stdio", ...args],
        { timeout: 30_000, env: { ...process.env, PATH: `${root}node_modules/node/bin:${process.env.PATH}` } },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))
      )
    )
  )

describe("MCP Inspector CLI against the demo server (stdio)", () => {
  it.live("tools/list, tools/call, resources/read, prompts/get", () =>
    Effect.gen(function*() {
      const tools = yield* cli("--method", "tools/list")
      assert.includeMembers(tools.tools.map((t: { name: string }) => t.name), ["add", "divide", "count", "greet_me"])
      const sum = yield* cli("--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=2", "--tool-arg", "b=40")
      assert.deepStrictEqual(sum.structuredContent, { sum: 42 })
      const user = yield* cli("--method", "resources/read", "--uri", "demo://users/1")
      assert.deepStrictEqual(JSON.parse(user.contents[0].text), { id: 1, name: "Ada Lovelace" })
      const prompt = yield* cli("--method", "prompts/get", "--prompt-name", "review_code", "--prompt-args", "code=x=1", "language=go")
      assert.include(prompt.messages[0].content.text, "Please review this go")
    }), 60_000)
})
