/**
 * `effect-mcp dev`: a small server copied to a temporary folder, served over HTTP; the file is
 * changed while a slow call is in flight: the call still gets its answer (the old server drains
 * before the new one starts), and the new server lists the new tool. SIGTERM stops dev and its
 * server. A missing file fails at once.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { writeFileSync } from "node:fs"
import { answers, cli, freePort, httpClient, library, spawnCli, tempProject, waitUntil, writeModule } from "./support.ts"

const server = (tools: ReadonlyArray<string>) =>
  `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"

const Slow = McpServer.tool({
  name: "slow",
  handler: () => Effect.as(Effect.sleep(1_500), "slow done")
})
${tools.map((name) => `const ${name} = McpServer.tool({ name: "${name}", handler: () => Effect.succeed("${name}") })`).join("\n")}

export const options = { name: "dev-test", version: "1.0.0" }
export const components = Layer.mergeAll(Slow, ${tools.join(", ")})
`

const toolNames = (url: string) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* httpClient(url)
    const { tools } = yield* Effect.promise(() => client.listTools())
    return tools.map((tool) => tool.name).sort()
  }))

describe("effect-mcp dev", () => {
  it.live("restarts on a change after draining an in-flight call; the new tool is listed; SIGTERM stops everything", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(dir, "server.ts", server(["one"]))
      const port = yield* Effect.promise(freePort)
      const url = `http://127.0.0.1:${port}/mcp`
      const dev = yield* spawnCli(["dev", file, "--port", String(port)], { cwd: dir })
      yield* waitUntil(() => dev.stderr().includes("effect-mcp dev: watching"), "the watchers")
      yield* waitUntil(() => dev.stderr().includes("MCP over Streamable HTTP at"), "the first server")
      assert.include(dev.stderr(), `inspect it with: npx @modelcontextprotocol/inspector --transport http --server-url ${url}`)
      assert.deepStrictEqual(yield* toolNames(url), ["one", "slow"])

      // A call in flight while the file changes.
      const slow = yield* Effect.forkScoped(Effect.scoped(Effect.gen(function*() {
        const client = yield* httpClient(url)
        return yield* Effect.promise(() => client.callTool({ name: "slow", arguments: {} }))
      })))
      yield* Effect.sleep(300)
      writeFileSync(file, server(["one", "two"]))
      yield* waitUntil(() => dev.stderr().includes("server.ts changed, restarting"), "the restart")
      const answered = yield* Fiber.join(slow)
      assert.deepStrictEqual(answered.content, [{ type: "text", text: "slow done" }])

      // The new server (bounded: it may still be starting).
      yield* waitUntil(() => dev.stderr().split("MCP over Streamable HTTP at").length === 3, "the second server")
      assert.deepStrictEqual(yield* toolNames(url), ["one", "slow", "two"])

      dev.child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => dev.exited(15_000)), 0)
      assert.isFalse(yield* Effect.promise(() => answers(url)), "the server outlived dev")
    }), 60_000)

  // Found by fuzzing (fails before a fix): dev printed http://127.0.0.1:0/mcp (an Inspector command
  // that cannot connect), and each restarted child took another free port.
  it.live("--port 0: one free port, printed with the Inspector command, kept across restarts", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(dir, "server.ts", server(["one"]))
      const dev = yield* spawnCli(["dev", file, "--port", "0"], { cwd: dir })
      // Stopped gracefully whatever happens (a SIGKILLed dev leaves its server running).
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          dev.child.kill("SIGTERM")
          await dev.exited(15_000)
        })
      )
      const listening = () => [...dev.stderr().matchAll(/MCP over Streamable HTTP at (\S+)/g)].map((match) => match[1])
      yield* waitUntil(() => dev.stderr().includes("effect-mcp dev: watching"), "the watchers")
      yield* waitUntil(() => listening().length === 1, "the first server")
      const printed = /--server-url (\S+)/.exec(dev.stderr())?.[1]
      assert.notInclude(printed ?? "", ":0/", dev.stderr())
      assert.strictEqual(listening()[0], printed)
      writeFileSync(file, server(["one", "two"]))
      yield* waitUntil(() => listening().length === 2, "the second server")
      assert.strictEqual(listening()[1], printed, "the same port after the restart")
      dev.child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => dev.exited(15_000)), 0)
    }), 60_000)

  it.live("a file that is not there: exit 1 at once, nothing started", () =>
    Effect.gen(function*() {
      const result = yield* cli(["dev", "nowhere.ts"])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stderr, "effect-mcp: file not found: nowhere.ts\n")
    }), 30_000)
})
