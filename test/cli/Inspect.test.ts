/**
 * `effect-mcp inspect`: `--json` describes the everything server (server info, capabilities,
 * every component with its schemas) exactly as a client lists it over stdio; the text form of
 * the README server (a default export) names its tool, parameters and prompt; optional prompt
 * arguments and tool parameters are marked `?` in the text as `--json` tells them. A signal while the
 * module loads ends it as an interrupted command (130 for SIGINT, 143 for SIGTERM), not 0.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as McpServer from "../../src/server/McpServer.ts"
import { McpTestClient } from "../../src/testing.ts"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { withCompileCache } from "../support/compileCache.ts"
import { bin, cli, cliInProcessLoading, example, hangingModule, interruptWhileLoading, library, root, spawnCli, tempProject, writeModule } from "./support.ts"

const everything = example("everything-server.ts")

describe("effect-mcp inspect", () => {
  it.live("--json: the everything server, as tools/list, resources/list, templates and prompts/list answer over stdio", () =>
    Effect.gen(function*() {
      const result = yield* cli(["inspect", everything, "--json"])
      assert.strictEqual(result.code, 0, result.stderr)
      const description = JSON.parse(result.stdout)
      assert.deepStrictEqual(description.serverInfo, { name: "effect-mcp-everything-server", version: "0.1.0" })
      assert.strictEqual(description.instructions, "The conformance fixtures of the official MCP suite, and background task fixtures.")
      assert.deepStrictEqual(description.protocolVersions.slice(0, 2), ["2026-07-28", "2025-11-25"])
      assert.deepStrictEqual(description.capabilities.tools, { listChanged: true })
      assert.deepStrictEqual(description.capabilities.resources, { subscribe: true, listChanged: true })
      assert.isDefined(description.capabilities.tasks)
      assert.isDefined(description.capabilities.completions)
      const sampling = description.tools.find((tool: { name: string }) => tool.name === "test_sampling")
      assert.deepStrictEqual(sampling.inputSchema, {
        type: "object",
        properties: { prompt: { type: "string", description: "The prompt to send" } },
        required: ["prompt"]
      })
      assert.include(description.resources.map((r: { uri: string }) => r.uri), "test://static-text")
      assert.include(description.resourceTemplates.map((t: { uriTemplate: string }) => t.uriTemplate), "test://template/{id}/data")
      const prompt = description.prompts.find((p: { name: string }) => p.name === "test_prompt_with_arguments")
      assert.deepStrictEqual(prompt.arguments.map((a: { name: string; required: boolean }) => [a.name, a.required]), [
        ["arg1", true],
        ["arg2", true]
      ])

      // The same lists from the running server (the SDK client over `effect-mcp run --stdio`).
      const listed = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "inspect-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin, "run", everything], env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) =>
          Effect.promise(async () => ({
            capabilities: client.getServerCapabilities(),
            tools: (await client.listTools()).tools,
            resources: (await client.listResources()).resources,
            resourceTemplates: (await client.listResourceTemplates()).resourceTemplates,
            prompts: (await client.listPrompts()).prompts
          })),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(description.capabilities, listed.capabilities)
      assert.deepStrictEqual(description.tools, listed.tools)
      assert.deepStrictEqual(description.resources, listed.resources)
      assert.deepStrictEqual(description.resourceTemplates, listed.resourceTemplates)
      assert.deepStrictEqual(description.prompts, listed.prompts)
    }), 120_000)

  it.live("text: the README server (default export) with its tool's parameters and its prompt", () =>
    Effect.gen(function*() {
      const result = yield* cliInProcessLoading(["inspect", example("hello-server.ts")])
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      const text = result.stdout
      assert.match(text, /^hello 1\.0\.0\n/)
      assert.include(text, "capabilities: logging, prompts (listChanged), tools (listChanged)")
      assert.include(text, "tools (1)\n  weather  Current temperature in a city\n    input:\n      city: string  City name\n")
      assert.include(text, "    output:\n      city: string\n      celsius: number\n")
      assert.include(text, "prompts (1)\n  greeting  Greets someone\n    name\n")
      assert.include(text, "resources (0)")
    }), 120_000)

  it.live("text: a prompt's optional arguments are marked `?` as a tool's optional parameters are, required ones not (as --json says)", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "review.ts",
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "${library}"

const Review = McpServer.prompt({
  name: "review",
  description: "Reviews code",
  arguments: {
    code: Schema.String.annotate({ description: "The code" }),
    language: Schema.optional(Schema.String.annotate({ description: "Its language" })),
    focus: Schema.optional(Schema.String)
  },
  handler: ({ code }) => Effect.succeed("Review " + code)
})
const Lint = McpServer.tool({
  name: "lint",
  parameters: { code: Schema.String, strict: Schema.optional(Schema.Boolean) },
  handler: () => Effect.succeed("ok")
})

export default { options: { name: "review", version: "1.0.0" }, components: Layer.mergeAll(Review, Lint) }
`
      )
      const json = yield* cliInProcessLoading(["inspect", file, "--json"])
      assert.strictEqual(json.code, 0, json.stderr)
      const prompt = JSON.parse(json.stdout).prompts[0]
      assert.deepStrictEqual(prompt.arguments.map((a: { name: string; required?: boolean }) => [a.name, a.required === true]), [
        ["code", true],
        ["language", false],
        ["focus", false]
      ])
      const text = yield* cliInProcessLoading(["inspect", file])
      assert.strictEqual(text.code, 0, text.stderr)
      assert.include(text.stdout, "  review  Reviews code\n    code  The code\n    language?  Its language\n    focus?")
      assert.include(text.stdout, "  lint\n    input:\n      code: string\n      strict?: boolean\n")
    }), 120_000)

  // Fails before the fix: what the module wrote with console.log (at import, while its components
  // were built) came first on stdout, and `inspect --json | jq` read no JSON.
  it.live("stdout is the description only: what the module writes with console.log (at import, while its components are built) goes to stderr", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "noisy.ts",
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"
console.log("noisy: loading")
console.info("noisy: info")
export default {
  options: { name: "noisy", version: "1.0.0" },
  components: Layer.mergeAll(
    McpServer.tool({ name: "ping", handler: () => Effect.succeed("pong") }),
    Layer.effectDiscard(Effect.sync(() => console.log("noisy: building")))
  )
}
`
      )
      const json = yield* cli(["inspect", file, "--json"], { cwd: dir })
      assert.strictEqual(json.code, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout).tools.map((tool: { name: string }) => tool.name), ["ping"])
      const text = yield* cli(["inspect", file], { cwd: dir })
      assert.strictEqual(text.code, 0, text.stderr)
      assert.match(text.stdout, /^noisy 1\.0\.0\n/)
      for (const result of [json, text]) {
        assert.notInclude(result.stdout, "noisy:")
        for (const said of ["noisy: loading", "noisy: info", "noisy: building"]) assert.include(result.stderr, said)
      }
    }), 120_000)

  // Fails before a fix: the signal requested a graceful shutdown, nothing held it, and the
  // interrupted command exited 0 as if it had described the server.
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it.live(`${signal} while the module loads (a top-level await that never settles): exit ${code}, nothing printed`, () =>
      Effect.gen(function*() {
        const dir = yield* tempProject
        const file = writeModule(dir, "hanging.ts", hangingModule.source)
        const running = yield* spawnCli(["inspect", file, "--json"], { cwd: dir })
        const exited = yield* interruptWhileLoading(running, signal)
        assert.strictEqual(exited, code, running.stderr())
        assert.strictEqual(running.stdout(), "")
      }), 120_000)
  }
  // Fails before the fix: the tool's description threw as inspect built it, and inspect ended with
  // an unnamed TypeError (exit 1), describing nothing.
  it.live("a tool whose Schema cannot be described is left out, named on stderr; the others are described", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "undescribable.ts",
        `import { Effect, Layer, Schema } from "effect"
import { McpServer } from "${library}"
export const options = { name: "undescribable", version: "1.0.0" }
export const components = Layer.mergeAll(
  McpServer.tool({ name: "fine", handler: () => Effect.succeed("fine") }),
  McpServer.tool({
    name: "report",
    success: Schema.Struct({ outcome: Schema.Defect as unknown as Schema.Unknown }),
    handler: () => Effect.succeed({ outcome: "done" })
  })
)
`
      )
      const json = yield* cliInProcessLoading(["inspect", file, "--json"])
      assert.strictEqual(json.code, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout).tools.map((tool: { name: string }) => tool.name), ["fine"])
      assert.include(json.stderr, "tool report cannot be described")
    }), 120_000)

  // Fails before the fix: inspect read the server's registry only; the tools a ToolInjection Layer
  // among the components serves (which tools/list lists, and initialize advertises) were missing,
  // and a registered tool they shadow was described in their place.
  it.live("the tools a ToolInjection serves are described as tools/list lists them: after the registered ones, shadowing one of their name", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const middleware = pathToFileURL(join(root, "src/middleware/index.ts")).href
      const module = (own: boolean) =>
        `import { Effect, Layer, Schema } from "effect"
import { McpServer } from "${library}"
import { ToolInjection } from "${middleware}"
export const options = { name: "injected", version: "1.0.0" }
const Admin = ToolInjection.layer(
  { name: "admin", description: "injected admin", handler: () => Effect.succeed("injected") },
  { name: "flush", parameters: { count: Schema.Int }, handler: () => Effect.succeed("flushed") }
)
export const components = ${
          own
            ? `Layer.mergeAll(
  McpServer.tool({ name: "alpha", handler: () => Effect.succeed("alpha") }),
  McpServer.tool({ name: "admin", description: "registered admin", handler: () => Effect.succeed("registered") }),
  Admin
)`
            : "Admin"
        }
`
      for (const own of [true, false]) {
        const file = writeModule(dir, own ? "beside.ts" : "alone.ts", module(own))
        const json = yield* cliInProcessLoading(["inspect", file, "--json"])
        assert.strictEqual(json.code, 0, json.stderr)
        const described = JSON.parse(json.stdout)
        assert.deepStrictEqual(described.tools.map((tool: { name: string }) => tool.name), own ? ["alpha", "admin", "flush"] : ["admin", "flush"])
        assert.strictEqual(described.tools.find((tool: { name: string }) => tool.name === "admin").description, "injected admin")
        assert.deepStrictEqual(described.tools.at(-1).inputSchema.required, ["count"])
        assert.isDefined(described.capabilities.tools, json.stdout)
        const text = yield* cliInProcessLoading(["inspect", file])
        assert.strictEqual(text.code, 0, text.stderr)
        assert.include(text.stdout, "flush")
      }
    }), 120_000)

  // Fails before the fix: the capabilities were only those `initialize` negotiates (2025-11-25's
  // shapes): for a server of 2026-07-28 alone, which answers no `initialize`, the `tasks`
  // capability no client ever gets, and never the tasks extension `server/discover` declares.
  it.live("capabilities as server/discover advertises them to 2026-07-28 clients (the tasks extension); a server of 2026-07-28 alone shows only those", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const source = (supportedVersions: string) =>
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"

const Build = McpServer.tool({ name: "build", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("built") })
export const options: McpServer.Options = { name: "builds", version: "1.0.0", tasks: McpServer.tasks()${supportedVersions} }
export const components = Layer.mergeAll(Build)
`
      const modern = writeModule(dir, "modern.ts", source(", supportedVersions: []"))
      const both = writeModule(dir, "both.ts", source(""))

      // What a 2026-07-28 client is told: server/discover, from the same module.
      const loaded = (yield* Effect.promise(() => import(pathToFileURL(modern).href))) as {
        readonly options: McpServer.Options
        readonly components: Layer.Layer<never, never, McpServer.McpServer>
      }
      const client = yield* McpTestClient.make(loaded.components, { server: loaded.options, protocolVersion: "2026-07-28" })
      const discovered = (yield* client.request("server/discover", {})) as { readonly capabilities: object }
      assert.deepStrictEqual(Object.keys((discovered.capabilities as { extensions: object }).extensions), ["io.modelcontextprotocol/tasks"])

      const json = yield* cliInProcessLoading(["inspect", modern, "--json"])
      assert.strictEqual(json.code, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout).modernCapabilities, discovered.capabilities)

      const text = yield* cliInProcessLoading(["inspect", modern])
      assert.strictEqual(text.code, 0, text.stderr)
      assert.include(text.stdout, "protocol versions: 2026-07-28\ncapabilities (2026-07-28): logging, tools (listChanged), extensions (io.modelcontextprotocol/tasks)\n")
      assert.notInclude(text.stdout, "tasks (")

      const bothText = yield* cliInProcessLoading(["inspect", both])
      assert.strictEqual(bothText.code, 0, bothText.stderr)
      assert.include(
        bothText.stdout,
        "capabilities: logging, tools (listChanged), tasks (list, cancel, requests)\n" +
          "capabilities (2026-07-28): logging, tools (listChanged), extensions (io.modelcontextprotocol/tasks)\n"
      )
    }).pipe(Effect.scoped), 120_000)

  // Fails before the fix: the capabilities were 2025-11-25's whatever the server serves: for one
  // whose newest handshake version is older (`supportedVersions: ["2025-06-18"]`), a `tasks`
  // capability its `initialize` never gives (tasks came with 2025-11-25).
  it.live("capabilities as initialize gives them at the newest handshake version the server serves (SDK v1 client over run --stdio)", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "older.ts",
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"

const Build = McpServer.tool({ name: "build", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("built") })
export const options: McpServer.Options = { name: "older", version: "1.0.0", tasks: McpServer.tasks(), supportedVersions: ["2025-06-18"] }
export const components = Layer.mergeAll(Build)
`
      )
      const json = yield* cliInProcessLoading(["inspect", file, "--json"])
      assert.strictEqual(json.code, 0, json.stderr)
      const description = JSON.parse(json.stdout)
      const initialized = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "inspect-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin, "run", file], cwd: dir, env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.sync(() => ({ capabilities: client.getServerCapabilities() })),
        (client) => Effect.promise(() => client.close())
      )
      assert.isUndefined(initialized.capabilities?.tasks)
      assert.deepStrictEqual(description.capabilities, initialized.capabilities)
      const text = yield* cliInProcessLoading(["inspect", file])
      assert.include(text.stdout, "capabilities: logging, tools (listChanged)\n")
    }).pipe(Effect.scoped), 120_000)

  // Fails before the fix: the lists were the components' own descriptions, of no version: a tool
  // whose success is not an object showed the outputSchema 2026-07-28 clients get (an array) beside
  // the capabilities of 2025-11-25, whose clients get it wrapped as { result }; a server of
  // 2025-06-18 at most showed a tool's execution (taskSupport), which its tools/list never gives.
  it.live("the lists as tools/list, resources/list and prompts/list give them at the newest handshake version served (SDK v1 client over run --stdio)", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const source = (supportedVersions: string) =>
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "${library}"

const Names = McpServer.tool({ name: "names", success: Schema.Array(Schema.String), handler: () => Effect.succeed(["a", "b"]) })
const Build = McpServer.tool({ name: "build", title: "Build", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("built") })
const Notes = McpServer.resource({ uri: "docs://notes", name: "notes", title: "Notes", read: Effect.succeed("-") })
const Review = McpServer.prompt({ name: "review", title: "Review", handler: () => Effect.succeed("Review it.") })
export const options: McpServer.Options = { name: "lists", version: "1.0.0", tasks: McpServer.tasks()${supportedVersions} }
export const components = Layer.mergeAll(Names, Build, Notes, Review)
`
      for (const [name, versions] of [["both.ts", ""], ["older.ts", `, supportedVersions: ["2025-06-18"]`]] as const) {
        const file = writeModule(dir, name, source(versions))
        const json = yield* cliInProcessLoading(["inspect", file, "--json"])
        assert.strictEqual(json.code, 0, json.stderr)
        const description = JSON.parse(json.stdout)
        const listed = yield* Effect.acquireUseRelease(
          Effect.promise(async () => {
            const client = new Client({ name: "inspect-test", version: "1.0.0" })
            await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin, "run", file], cwd: dir, env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
            return client
          }),
          (client) =>
            Effect.promise(async () => ({
              tools: (await client.listTools()).tools,
              resources: (await client.listResources()).resources,
              prompts: (await client.listPrompts()).prompts
            })),
          (client) => Effect.promise(() => client.close())
        )
        assert.deepStrictEqual(description.tools, listed.tools, name)
        assert.deepStrictEqual(description.resources, listed.resources, name)
        assert.deepStrictEqual(description.prompts, listed.prompts, name)
        assert.strictEqual(description.tools.find((tool: { name: string }) => tool.name === "names").outputSchema.type, "object", name)
      }
    }).pipe(Effect.scoped), 240_000)
  // Fails before the fix: serverInfo was the server's own, whatever version its clients speak (a
  // server of 2025-06-18 at most showed a description and websiteUrl its initialize never gives),
  // and a server of 2026-07-28 alone showed a tool's execution, which its tools/list never gives.
  it.live("serverInfo as initialize gives it (SDK v1 client over run --stdio); a server of 2026-07-28 alone lists its tools as its tools/list does", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const source = (supportedVersions: string) =>
        `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"

const Build = McpServer.tool({ name: "build", execution: { taskSupport: "optional" }, handler: () => Effect.succeed("built") })
export const options: McpServer.Options = {
  name: "described", version: "1.0.0", title: "Described", description: "A server", websiteUrl: "https://example.com",
  tasks: McpServer.tasks()${supportedVersions}
}
export const components = Layer.mergeAll(Build)
`
      const older = writeModule(dir, "older.ts", source(`, supportedVersions: ["2025-06-18"]`))
      const json = yield* cliInProcessLoading(["inspect", older, "--json"])
      assert.strictEqual(json.code, 0, json.stderr)
      const serverInfo = yield* Effect.acquireUseRelease(
        Effect.promise(async () => {
          const client = new Client({ name: "inspect-test", version: "1.0.0" })
          await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin, "run", older], cwd: dir, env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" }))
          return client
        }),
        (client) => Effect.sync(() => client.getServerVersion()),
        (client) => Effect.promise(() => client.close())
      )
      assert.deepStrictEqual(serverInfo, { name: "described", version: "1.0.0", title: "Described" })
      assert.deepStrictEqual(JSON.parse(json.stdout).serverInfo, serverInfo)

      const modern = writeModule(dir, "modern.ts", source(", supportedVersions: []"))
      const loaded = (yield* Effect.promise(() => import(pathToFileURL(modern).href))) as {
        readonly options: McpServer.Options
        readonly components: Layer.Layer<never, never, McpServer.McpServer>
      }
      const client = yield* McpTestClient.make(loaded.components, { server: loaded.options, protocolVersion: "2026-07-28" })
      const listed = (yield* client.request("tools/list", {})) as { readonly tools: ReadonlyArray<object> }
      const modernJson = yield* cliInProcessLoading(["inspect", modern, "--json"])
      assert.strictEqual(modernJson.code, 0, modernJson.stderr)
      const description = JSON.parse(modernJson.stdout)
      assert.deepStrictEqual(description.tools, listed.tools)
      assert.isUndefined(description.tools[0].execution)
      assert.deepStrictEqual(description.serverInfo, {
        name: "described",
        version: "1.0.0",
        title: "Described",
        description: "A server",
        websiteUrl: "https://example.com"
      })
    }).pipe(Effect.scoped), 240_000)
})
