/**
 * The shared stateless session of a Streamable HTTP endpoint answers every request by the server
 * as it is when the request comes: components and middleware added at run time reach the 2026-07-28
 * and stateless 2025 requests after them, though that session started before (a session of the
 * handshake era keeps what it started with). Raw `fetch` on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { McpServer, Middleware, StreamableHttp } from "../../src/index.ts"
import { modern } from "../extensions/support.ts"
import { serveOnFreePort } from "./support.ts"

/** A 2026-07-28 request (headers and `_meta`), its JSON-RPC answer. */
const request = (url: string, method: string, params: Record<string, unknown> = {}) =>
  modern(url, method, params).then((answer) => answer.message)

describe("the shared stateless session follows run-time changes", () => {
  it.live("a tool kind added after its first request is served; a middleware Layer built later sees later requests", () =>
    Effect.gen(function*() {
      // The server starts with a prompt only: no tools.
      const Hello = McpServer.prompt({ name: "hello", handler: () => Effect.succeed("hi") })
      const { url } = yield* serveOnFreePort((port) =>
        Effect.gen(function*() {
          const scope = yield* Effect.scope
          // A prompt whose `get` adds a tool and a middleware while the server runs.
          const Install = McpServer.prompt({
            name: "install",
            handler: () =>
              Effect.gen(function*() {
                yield* McpServer.addTool({
                  name: "late",
                  parameters: { text: Schema.String },
                  handler: ({ text }) => Effect.succeed(`late:${text}`)
                })
                const tagging = McpServer.middleware(Middleware.make("tagging", {
                  onListTools: (params, _context, next) =>
                    Effect.map(next(params), (result) => ({ ...result, tools: result.tools.map((tool) => ({ ...tool, title: "tagged" })) }))
                }))
                yield* Layer.buildWithScope(tagging, scope)
                return "installed"
              }).pipe(Effect.provideService(Scope.Scope, scope))
          })
          return yield* McpServer.serve(
            { name: "runtime", version: "1" },
            Layer.mergeAll(Hello, Install),
            StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })
          )
        }).pipe(Effect.provide(Logger.layer([])))
      )
      const before = yield* Effect.promise(() => request(url, "tools/list"))
      assert.strictEqual(before.error?.code, -32601, JSON.stringify(before))
      const installed = yield* Effect.promise(() => request(url, "prompts/get", { name: "install" }))
      assert.strictEqual(installed.result?.messages?.[0]?.content?.text, "installed", JSON.stringify(installed))
      const after = yield* Effect.promise(() => request(url, "tools/list"))
      assert.deepStrictEqual(after.result?.tools?.map((tool: any) => [tool.name, tool.title]), [["late", "tagged"]], JSON.stringify(after))
      const called = yield* Effect.promise(() => request(url, "tools/call", { name: "late", arguments: { text: "x" } }))
      assert.deepStrictEqual(called.result?.content, [{ type: "text", text: "late:x" }])
      const discovered = yield* Effect.promise(() => request(url, "server/discover"))
      assert.isDefined(discovered.result?.capabilities?.tools, JSON.stringify(discovered))
    }))
})
