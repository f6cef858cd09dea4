/**
 * The echo server rebuilt on the authoring API (`McpServer`): the same tool, resource and prompt
 * as `examples/echo-server.ts`, in a few lines. The benchmark compares the two.
 *
 * Run: `node examples/echo-api-server.ts` (MCP over stdio), `--http [--port N]` for Streamable HTTP,
 * `--help` for its flags; or `npx effect-mcp run examples/echo-api-server.ts`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { GracefulShutdown, McpServer, Stdio, StreamableHttp } from "../src/index.ts"
import { flags, isMain, traced, withPortHint } from "./internal/cli.ts"

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
  // The flags every example reads: `--help` must not start a server, a mistyped flag must not be ignored.
  const cli = flags()
  const tracing = traced(options, components)
  if (cli.http) {
    // One line is logged once it listens; a busy port is named, with the flag to change it.
    McpServer.serve(options, tracing.components, StreamableHttp.make({ host: cli.host, port: cli.port, stateless: cli.stateless })).pipe(
      withPortHint,
      tracing.provide,
      GracefulShutdown.runMain
    )
  } else {
    process.stderr.write("echo-api-server: speaking MCP on stdin/stdout.\n")
    McpServer.serve(options, tracing.components, Stdio.make()).pipe(tracing.provide, Stdio.runMain)
  }
}
