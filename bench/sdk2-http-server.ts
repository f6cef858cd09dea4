/**
 * The HTTP benchmark's 2026-07-28 reference peer (`bench/http.ts`, mode "2026"): the official
 * TypeScript SDK v2 (`@modelcontextprotocol/server`) serving the same echo tool through
 * `createMcpHandler`, mounted on plain `node:http` the way the SDK's "Serve over HTTP" guide
 * (`docs/serving/http.md`, section "Mount it on your runtime") does it:
 *
 * - `createMcpHandler(factory)`: the factory builds a fresh `McpServer` for every HTTP request (the
 *   SDK's stateless design: "The factory runs once per HTTP request"), registering the `echo`
 *   tool with a zod input schema (`registerTool`, the guide's way). The zod schema and the tool's
 *   description are built once at module scope and closed over, as the guide advises for anything
 *   costly ("Keep the factory cheap");
 * - `toNodeHandler(handler)` from `@modelcontextprotocol/node` adapts the web-standard `fetch` face
 *   to `(req, res)`; `localhostHostValidation()` and `localhostOriginValidation()` (same package)
 *   guard it, as the guide composes them on plain `node:http` (our server checks Host and Origin
 *   by default too);
 * - the handler's defaults otherwise: `responseMode: "auto"` (one JSON body unless something is
 *   emitted before the result, as ours in its default mode), `legacy: "stateless"` (2025-era
 *   requests get the stateless fallback; the benchmark sends it none).
 *
 * The tool does the work of `bench/sdk-echo-server.ts` and `examples/echo-server.ts`: `echo {text}`
 * → one text block with the text; arguments that are not `{text: string}` are refused by the SDK's
 * own input validation (an `isError` result).
 *
 * Only `/mcp` is served (404 elsewhere, as `bench/sdk-http-server.ts`).
 *
 * Run: `node bench/sdk2-http-server.ts --port N`; it logs `listening on <port>` to stderr once the
 * socket is bound.
 */
import { createServer } from "node:http"
import {
  localhostHostValidation,
  localhostOriginValidation,
  type NodeIncomingMessageLike,
  toNodeHandler
} from "@modelcontextprotocol/node"
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server"
import * as z from "zod/v4"

const argv = process.argv.slice(2)
const portIndex = argv.indexOf("--port")
const port = Number(portIndex === -1 ? 3000 : argv[portIndex + 1])
const host = "127.0.0.1"

// Built once: every per-request server closes over the same schema.
const echoInput = z.object({ text: z.string().describe("The text to echo") })

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: "sdk2-echo-server", version: "0.1.0" })
  server.registerTool(
    "echo",
    { description: "Echoes the given text back as one text block.", inputSchema: echoInput },
    async ({ text }) => ({ content: [{ type: "text", text }] })
  )
  return server
})

const nodeHandler = toNodeHandler(handler, {
  onerror: (error) => process.stderr.write(`sdk2-http-server: ${error.message}\n`)
})
const validateHost = localhostHostValidation()
const validateOrigin = localhostOriginValidation()

const httpServer = createServer((req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return
  if ((req.url ?? "/").split("?")[0] !== "/mcp") {
    res.writeHead(404, { "content-type": "application/json" })
    res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32600, message: "Not found" }, id: null }))
    return
  }
  // `IncomingMessage` is what the adapter takes; its declared shape (`method: string`) only trips
  // over this repository's `exactOptionalPropertyTypes`.
  void nodeHandler(req as NodeIncomingMessageLike, res)
})
httpServer.listen(port, host, () => {
  process.stderr.write(`sdk2-http-server: listening on ${port}\n`)
})
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void handler.close().finally(() => process.exit(0))
  })
}
