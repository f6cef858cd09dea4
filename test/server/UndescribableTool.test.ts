/**
 * A tool's wire description (its `inputSchema` and `outputSchema`) is built at its first listing,
 * from its Schemas: one Effect cannot turn into JSON Schema (here `Schema.Defect` given uncalled,
 * where types are not checked; a suspended Schema a module cycle left undefined alike) made every
 * `tools/list` fail with -32603, hiding every other tool, logged as "tools/list failed" without
 * naming the tool. It is now left out of the list, logged naming it, and the others are listed.
 *
 * A call of such a tool ran its handler, then answered -32603 "Internal error" without naming it
 * (its result could not be encoded); it is now refused before its handler runs, -32603 naming it,
 * over every transport (a 2026-07-28 call over HTTP read its wire description for its
 * `Mcp-Param-*` headers first, in the server and in a `ResponseCache`, and died there alike). A
 * tool `ToolInjection` serves is left out and refused as a registered one is (its Layer's build
 * died with an unnamed TypeError, so the server did not start).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer } from "../../src/index.ts"
import * as ResponseCache from "../../src/middleware/builtin/ResponseCache.ts"
import * as ToolInjection from "../../src/middleware/builtin/ToolInjection.ts"
import { modern, serveHttp } from "../extensions/support.ts"
import { serveBoth } from "./bothClients.ts"
import { rawCaller } from "../tasks/support.ts"
import { components, connectRaw, startServer } from "./McpServerHarness.ts"

const Fine = McpServer.tool({ name: "fine", parameters: { x: Schema.String }, handler: ({ x }) => Effect.succeed(x) })
/** Its Schema cannot be described; `ran` counts its handler's runs. */
const undescribable = (name: string, ran: { count: number }) => ({
  name,
  // `Schema.Defect()` was meant: plain JavaScript, or a cast.
  success: Schema.Struct({ outcome: Schema.Defect as unknown as Schema.Unknown }),
  handler: () =>
    Effect.sync(() => {
      ran.count++
      return { outcome: "done" }
    })
})
const Report = McpServer.tool(undescribable("report", { count: 0 }))
const Later = McpServer.tool({ name: "later", handler: () => Effect.succeed("later") })

/** The JSON-RPC error of a call the SDK client refused, as [code, message]. */
const refusal = (call: () => Promise<unknown>) =>
  Effect.promise(() =>
    call().then(
      (result) => [0, JSON.stringify(result)] as const,
      (error: { readonly code?: number; readonly message?: string }) => [error.code, String(error.message)] as const
    )
  )

describe("a tool Effect cannot describe in JSON Schema", () => {
  it.live("is left out of tools/list, logged naming it; the other tools are listed to both SDK clients", () =>
    Effect.gen(function*() {
      const { v1, v2, logged } = yield* serveBoth(components([Fine, Report, Later]), { pageSize: 2 })
      // Both pages: the first (cached once built) and the one after its cursor.
      const first = yield* Effect.promise(() => v1.listTools())
      assert.deepStrictEqual(first.tools.map((tool) => tool.name), ["fine"])
      assert.isString(first.nextCursor)
      const second = yield* Effect.promise(() => v1.listTools({ cursor: first.nextCursor }))
      assert.deepStrictEqual(second.tools.map((tool) => tool.name), ["later"])
      // The SDK v2 client follows the cursors itself.
      const all = yield* Effect.promise(() => v2.listTools())
      assert.deepStrictEqual(all.tools.map((tool) => tool.name), ["fine", "later"])
      const lines = logged.filter((line) => line.includes("tool report cannot be described"))
      assert.isAtLeast(lines.length, 1, logged.join("\n"))
      assert.include(lines[0], "TypeError")
    }))

  it.live("a call of it is refused before its handler runs, -32603 naming it, to both SDK clients", () =>
    Effect.gen(function*() {
      const ran = { count: 0 }
      const { v1, v2, logged } = yield* serveBoth(components([Fine, McpServer.tool(undescribable("report", ran))]))
      for (const client of [v1, v2]) {
        const [code, message] = yield* refusal(() => client.callTool({ name: "report", arguments: {} }))
        assert.strictEqual(code, -32603, message)
        assert.include(message, "Tool report cannot be described")
      }
      assert.strictEqual(ran.count, 0)
      const lines = logged.filter((line) => line.includes("tool report cannot be described"))
      assert.isAtLeast(lines.length, 2, logged.join("\n"))
      assert.include(lines[0], "TypeError")
      // The others are called as before.
      const fine = yield* Effect.promise(() => v2.callTool({ name: "fine", arguments: { x: "a" } }))
      assert.deepStrictEqual(fine.content, [{ type: "text", text: "a" }])
    }))

  it.live("a 2026-07-28 call over HTTP (its Mcp-Param-* headers read first, by the server and a ResponseCache) is refused alike", () =>
    Effect.gen(function*() {
      const ran = { count: 0 }
      const cache = ResponseCache.layer({ callTools: ["report", "injected"] }).pipe(Layer.provide(ResponseCache.CacheStore.layerMemory()))
      const tools = Layer.mergeAll(
        McpServer.tool(undescribable("report", ran)),
        ToolInjection.layer(ToolInjection.tool(undescribable("injected", ran)))
      )
      for (const layer of [tools, Layer.mergeAll(cache, tools)]) {
        const { url } = yield* serveHttp({ name: "undescribable-http", version: "1" }, layer)
        for (const name of ["report", "injected"]) {
          const answer = yield* Effect.promise(() => modern(url, "tools/call", { name, arguments: {} }))
          assert.strictEqual(answer.message.error?.code, -32603, JSON.stringify(answer.message))
          assert.include(answer.message.error?.message, `Tool ${name} cannot be described`)
        }
      }
      assert.strictEqual(ran.count, 0)
    }))
})

describe("a task-capable tool Effect cannot describe in JSON Schema", () => {
  // Fails before: a task-augmented call (MCP 2025-11-25) created a task, which then failed.
  it.live("a task-augmented call of it is refused at once, -32603 naming it, no task made", () =>
    Effect.gen(function*() {
      const ran = { count: 0 }
      const tool = McpServer.tool({ ...undescribable("report", ran), execution: { taskSupport: "optional" } })
      const server = yield* startServer({ tasks: McpServer.tasks() }, tool)
      const call = rawCaller(yield* connectRaw(server))
      const answer = yield* Effect.promise(() => call("tools/call", { name: "report", arguments: {}, task: { ttl: 60_000 } }))
      assert.strictEqual(answer.error?.code, -32603, JSON.stringify(answer))
      assert.include(answer.error?.message, "Tool report cannot be described")
      const listed = yield* Effect.promise(() => call("tasks/list", {}))
      assert.deepStrictEqual(listed.result?.tasks, [], JSON.stringify(listed))
      assert.strictEqual(ran.count, 0)
    }))
})

describe("a tool ToolInjection serves that Effect cannot describe in JSON Schema", () => {
  for (const [label, own] of [["beside the server's own tools", [Fine]], ["on a server without tools of its own", []]] as const) {
    it.live(`${label}: the server starts; it is left out of tools/list, logged naming it, and its call refused naming it`, () =>
      Effect.gen(function*() {
        const ran = { count: 0 }
        const injection = ToolInjection.layer(
          ToolInjection.tool(undescribable("injected_report", ran)),
          ToolInjection.tool({ name: "injected_ok", handler: () => Effect.succeed("ok") })
        )
        const { v1, v2, logged } = yield* serveBoth(components([...own, injection]))
        const names = [...own.map(() => "fine"), "injected_ok"]
        for (let i = 0; i < 2; i++) {
          const listed = yield* Effect.promise(() => v1.listTools())
          assert.deepStrictEqual(listed.tools.map((tool) => tool.name), names)
        }
        const all = yield* Effect.promise(() => v2.listTools())
        assert.deepStrictEqual(all.tools.map((tool) => tool.name), names)
        const listedLines = logged.filter((line) => line.includes("tool injected_report cannot be described to clients and is left out"))
        assert.isAtLeast(listedLines.length, 1, logged.join("\n"))
        assert.include(listedLines[0], "TypeError")
        for (const client of [v1, v2]) {
          const [code, message] = yield* refusal(() => client.callTool({ name: "injected_report", arguments: {} }))
          assert.strictEqual(code, -32603, message)
          assert.include(message, "Tool injected_report cannot be described")
        }
        assert.strictEqual(ran.count, 0)
        const ok = yield* Effect.promise(() => v1.callTool({ name: "injected_ok", arguments: {} }))
        assert.deepStrictEqual(ok.content, [{ type: "text", text: "ok" }])
      }))
  }
})
