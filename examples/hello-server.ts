/**
 * The README's 20-line example, kept as a file so the type checker and a test keep it honest.
 */
import * as Effect from "effect/Effect"
import { LowLevelServer, McpError, Stdio } from "../src/index.ts"

export const server = LowLevelServer.make({
  serverInfo: { name: "hello", version: "1.0.0" },
  handlers: {
    "tools/list": () =>
      Effect.succeed({
        tools: [{ name: "hello", description: "Says hello", inputSchema: { type: "object", properties: { name: { type: "string" } } } }]
      }),
    "tools/call": (params, context) =>
      params.name === "hello"
        ? Effect.gen(function*() {
          yield* context.log("info", "saying hello") // notifications/message, honours logging/setLevel
          yield* context.progress(1, 1) // no-op unless the client sent a progressToken
          return { content: [{ type: "text", text: `Hello, ${String(params.arguments?.name ?? "world")}!` }] }
        })
        : Effect.fail(new McpError.InvalidParams({ message: `Unknown tool: ${params.name}` }))
  }
})

if (import.meta.main) server.run(Stdio.make()).pipe(Stdio.runMain)
