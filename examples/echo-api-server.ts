/**
 * The echo server rebuilt on the authoring API (`McpServer`): the same tool, resource and prompt
 * as `examples/echo-server.ts`, in a few lines. The benchmark compares the two.
 *
 * Run: `node examples/echo-api-server.ts` (MCP over stdio).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer, Stdio } from "../src/index.ts"
import { isMain, traced } from "./internal/cli.ts"

/** Server info. */
export const options: McpServer.Options = { name: "echo-api-server", version: "0.1.0" }

/** The echo tool, the static resource and the greeting prompt. */
export const components = Layer.mergeAll(
  McpServer.tool({
    name: "echo",
    description: "Echoes the given text back as one text block.",
    parameters: { text: Schema.String.annotate({ description: "The text to echo" }) },
    handler: ({ text }) => Effect.succeed(text)
  }),
  McpServer.resource({
    uri: "bench://static",
    name: "static",
    description: "A static text resource",
    mimeType: "text/plain",
    read: Effect.succeed("static resource content")
  }),
  McpServer.prompt({
    name: "greet",
    description: "Greets someone by name.",
    arguments: { name: Schema.String.annotate({ description: "Who to greet" }) },
    handler: ({ name }) => Effect.succeed(`Hello, ${name}!`)
  })
)

if (isMain(import.meta)) {
  process.stderr.write("echo-api-server: speaking MCP on stdin/stdout.\n")
  const tracing = traced(options, components)
  McpServer.serve(options, tracing.components, Stdio.make()).pipe(tracing.provide, Stdio.runMain)
}
