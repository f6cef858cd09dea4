/**
 * The echo server: a stdio MCP server with one tool, one resource and one prompt, written on the
 * low-level API. It is the fixture the benchmarks and end-to-end tests drive.
 *
 * - tool `echo {text}` → one text content block containing the text
 * - resource `bench://static` → a short text
 * - prompt `greet {name}` → one user message
 *
 * Run: `node examples/echo-server.ts`; it speaks MCP on stdin/stdout (`--http` for Streamable HTTP,
 * `--help` for its flags). It is written on the low-level API, which the `effect-mcp` CLI does not
 * run: it exports no `options` and `components`.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"
import * as Layer from "effect/Layer"
import { GracefulShutdown, McpError, Stdio, StreamableHttp } from "../src/index.ts"
import { LowLevelServer } from "../src/lowlevel.ts"
import { Telemetry } from "../src/middleware/index.ts"
import { ProtocolVersion } from "../src/protocol/index.ts"
import { flags, isMain, withPortHint } from "./internal/cli.ts"

const EchoArguments = Schema.Struct({ text: Schema.String })
SchemaJITCompiler.enable(EchoArguments.ast)
const decodeEchoArguments = Schema.decodeUnknownExit(EchoArguments)

const GreetArguments = Schema.Struct({ name: Schema.String })
const decodeGreetArguments = Schema.decodeUnknownExit(GreetArguments)

const staticText = "static resource content"

// Constant results are built once: answering them costs no allocation.
const toolsList = Exit.succeed({
  tools: [{
    name: "echo",
    description: "Echoes the given text back as one text block.",
    inputSchema: {
      type: "object" as const,
      properties: { text: { type: "string", description: "The text to echo" } },
      required: ["text"]
    }
  }]
})
const resourcesList = Exit.succeed({
  resources: [{ uri: "bench://static", name: "static", description: "A static text resource", mimeType: "text/plain" }]
})
const staticRead = Exit.succeed({ contents: [{ uri: "bench://static", mimeType: "text/plain", text: staticText }] })
const promptsList = Exit.succeed({
  prompts: [{
    name: "greet",
    description: "Greets someone by name.",
    arguments: [{ name: "name", description: "Who to greet", required: true }]
  }]
})

/**
 * Tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` or a per-signal endpoint is set (as every example):
 * the low-level server takes the middleware itself.
 */
const traced = ["", "TRACES_", "METRICS_", "LOGS_"].some((signal) => (process.env[`OTEL_EXPORTER_OTLP_${signal}ENDPOINT`] ?? "").trim() !== "")
const exporter = traced ? Telemetry.otlp({ serviceName: "echo-server" }) : Layer.empty

/** The echo server's handlers and info. */
export const echoServer = LowLevelServer.make({
  serverInfo: { name: "echo-server", version: "0.1.0" },
  middleware: traced ? [Telemetry.middleware()] : [],
  handlers: {
    "tools/list": () => toolsList,
    "tools/call": (params, context) => {
      if (params.name !== "echo") {
        return Exit.fail(new McpError.InvalidParams({ message: `Unknown tool: ${params.name}` }))
      }
      const args = decodeEchoArguments(params.arguments ?? {})
      if (args._tag === "Success") return Exit.succeed({ content: [{ type: "text" as const, text: args.value.text }] })
      const error = McpError.invalidParamsFromSchema("arguments for tool echo", args.cause)
      // SEP-1303: from 2025-11-25 on, invalid arguments are a tool error the model can correct.
      return ProtocolVersion.atLeast(context.protocolVersion, "2025-11-25")
        ? Exit.succeed({ content: [{ type: "text" as const, text: error.message }], isError: true })
        : Exit.fail(error)
    },
    "resources/list": () => resourcesList,
    "resources/read": (params) =>
      params.uri === "bench://static" ? staticRead : Exit.fail(new McpError.ResourceNotFound({ uri: params.uri })),
    "prompts/list": () => promptsList,
    "prompts/get": (params) => {
      if (params.name !== "greet") return Exit.fail(new McpError.InvalidParams({ message: `Unknown prompt: ${params.name}` }))
      const args = decodeGreetArguments(params.arguments ?? {})
      if (args._tag === "Failure") {
        return Exit.fail(new McpError.InvalidParams({ message: `Missing required argument "name" for prompt greet` }))
      }
      return Exit.succeed({
        description: "A greeting",
        messages: [{ role: "user" as const, content: { type: "text" as const, text: `Hello, ${args.value.name}!` } }]
      })
    }
  }
})

if (isMain(import.meta)) {
  const cli = flags()
  if (cli.http) {
    // One line is logged once it listens; a busy port is named, with the flag to change it.
    Layer.launch(
      StreamableHttp.serve((transport, options) => echoServer.run(transport, options), {
        host: cli.host,
        port: cli.port,
        stateless: cli.stateless
      })
    ).pipe(withPortHint, Effect.provide(exporter), GracefulShutdown.runMain)
  } else {
    process.stderr.write(
      "echo-server: speaking MCP on stdin/stdout.\n" +
        "  Connect with the MCP Inspector: npx @modelcontextprotocol/inspector node examples/echo-server.ts\n"
    )
    echoServer.run(Stdio.make()).pipe(Effect.provide(exporter), Stdio.runMain)
  }
}
