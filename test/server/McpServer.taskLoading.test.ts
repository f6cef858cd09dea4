/**
 * Cold start: a server without tasks never loads the task machinery (the supervisor, the relay,
 * the store, the 2026-07-28 extension, Effect's `PubSub`); one with `tasks` loads it when it
 * starts. Each case runs in a child process (a fresh module graph), with a load hook recording the
 * modules Node loads.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/**
 * The modules only a server with tasks loads: the machinery, the store (`McpServer.tasks` checks
 * its options with `tasks/internal/memoryOptions.ts`), the 2026-07-28 extension's wire module and
 * what `subscriptions/listen` follows tasks with (`listenTasks.ts`, Effect's `PubSub`).
 */
const machinery = [
  "/src/server/internal/tasks.ts",
  "/src/tasks/TaskSupervisor.ts",
  "/src/server/internal/taskRelay.ts",
  "/src/tasks/TaskStore.ts",
  "/src/server/internal/listenTasks.ts",
  "/src/tasks/wire/v2026_07_28.ts",
  "/src/tasks/wire/v2025_11_25.ts",
  "/effect/dist/PubSub.js"
]

const script = (withTasks: boolean) => `
  import { registerHooks } from "node:module"
  const loaded = []
  registerHooks({ load: (url, context, next) => { loaded.push(url); return next(url, context) } })
  const Effect = await import("effect/Effect")
  const Schema = await import("effect/Schema")
  const { InMemory, McpServer } = await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)})
  const machinery = () => ${JSON.stringify(machinery)}
    .filter((path) => loaded.some((url) => url.endsWith(path)))
  const atImport = machinery()
  const tool = McpServer.tool({
    name: "echo",
    parameters: { text: Schema.String },
    execution: ${withTasks} ? { taskSupport: "optional" } : undefined,
    handler: ({ text }) => Effect.succeed(text)
  })
  const pair = InMemory.makePair()
  const answers = []
  pair.client.onmessage = (message) => answers.push(message)
  const options = { name: "s", version: "1", ...(${withTasks} ? { tasks: McpServer.tasks() } : {}) }
  Effect.runFork(McpServer.serve(options, tool, pair.server))
  const request = async (id, method, params) => {
    await pair.client.send({ jsonrpc: "2.0", id, method, params })
    for (let i = 0; i < 10_000 && !answers.some((m) => m.id === id); i++) await new Promise((resolve) => setTimeout(resolve, 1))
    return answers.find((m) => m.id === id)
  }
  const init = await request(0, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
  await pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" })
  const plain = await request(1, "tools/call", { name: "echo", arguments: { text: "x" } })
  const tasked = ${withTasks} ? await request(2, "tools/call", { name: "echo", arguments: { text: "y" }, task: { ttl: 60000 } }) : undefined
  console.log(JSON.stringify({
    atImport,
    atRun: machinery(),
    tasksCapability: init?.result?.capabilities?.tasks !== undefined,
    plain: plain?.result?.content?.[0]?.text ?? null,
    taskStatus: tasked?.result?.task?.status ?? null
  }))
  process.exit(0)
`

const run = (withTasks: boolean) =>
  JSON.parse(
    execFileSync(process.execPath, ["--input-type=module", "-e", script(withTasks)], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      encoding: "utf8",
      timeout: 30_000
    }).trim().split("\n").at(-1)!
  ) as unknown

describe("McpServer: the task machinery is loaded only by a server with tasks", () => {
  it("a server without tasks never loads it; one with tasks loads it when it starts, and runs tasks", () => {
    assert.deepStrictEqual(run(false), { atImport: [], atRun: [], tasksCapability: false, plain: "x", taskStatus: null })
    assert.deepStrictEqual(run(true), {
      atImport: [],
      atRun: machinery,
      tasksCapability: true,
      plain: "x",
      taskStatus: "working"
    })
  }, 60_000)
})
