/**
 * The benchmark's reference peer: the official TypeScript SDK's (v1) low-level `Server` doing the
 * same work as `examples/echo-server.ts` for the benchmarked methods: the `tools` capability,
 * `tools/list` with the same tool, and `tools/call echo {text}` → one text block, with the same
 * validation (unknown tool → -32602; `text` not a string → an `isError` result from 2025-11-25 on,
 * -32602 before, as SEP-1303 prescribes and our server does).
 *
 * - `makeSdkEchoServer()` builds a fresh `Server` (connect it to any SDK transport, e.g. one end of
 *   `InMemoryTransport.createLinkedPair()`).
 * - Run directly (`node bench/sdk-echo-server.ts`), it serves stdio.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  InitializeRequestSchema,
  ListToolsRequestSchema,
  McpError,
  SUPPORTED_PROTOCOL_VERSIONS,
  LATEST_PROTOCOL_VERSION
} from "@modelcontextprotocol/sdk/types.js"

// Built once, like our server's constant `tools/list` Exit.
const toolsList = {
  tools: [{
    name: "echo",
    description: "Echoes the given text back as one text block.",
    inputSchema: {
      type: "object" as const,
      properties: { text: { type: "string", description: "The text to echo" } },
      required: ["text"]
    }
  }]
}

/** A fresh SDK low-level `Server` answering `tools/list` and `tools/call echo`. */
export const makeSdkEchoServer = (): Server => {
  const server = new Server({ name: "sdk-echo-server", version: "0.1.0" }, { capabilities: { tools: {} } })

  // The SDK has no public getter for the negotiated version; remember what `initialize` answered
  // (same negotiation as the SDK's own: requested version if supported, else the latest).
  let protocolVersion: string = LATEST_PROTOCOL_VERSION
  const initialize = (server as unknown as { _oninitialize: (request: unknown) => Promise<{ protocolVersion: string }> })
    ._oninitialize.bind(server)
  server.setRequestHandler(InitializeRequestSchema, async (request) => {
    const result = await initialize(request)
    protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(result.protocolVersion) ? result.protocolVersion : protocolVersion
    return result
  })

  server.setRequestHandler(ListToolsRequestSchema, () => toolsList)
  server.setRequestHandler(CallToolRequestSchema, (request): CallToolResult => {
    const { name, arguments: args } = request.params
    if (name !== "echo") throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`)
    const text = args?.["text"]
    if (typeof text === "string") return { content: [{ type: "text", text }] }
    const message = "Invalid arguments for tool echo: text must be a string"
    if (protocolVersion >= "2025-11-25") return { content: [{ type: "text", text: message }], isError: true }
    throw new McpError(ErrorCode.InvalidParams, message)
  })
  return server
}

if (import.meta.main) {
  const server = makeSdkEchoServer()
  const transport = new StdioServerTransport()
  // At end of input stdin closes and, with nothing else pending, the process exits with code 0.
  await server.connect(transport)
}
