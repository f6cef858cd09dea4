/**
 * The floor of `bench/http.ts`: a framework-free `node:http` server doing only what any server of
 * the echo call must do per request: read the body, parse its JSON, read the headers, build the
 * answer and write it (`resultType: "complete"` when `MCP-Protocol-Version` names 2026-07-28). No
 * MCP and no checks: what it costs is Node's and V8's share of a request, and the difference
 * between a 2025-11-25 and a 2026-07-28 request on it is the cost of the 2026 wire itself (two
 * more headers and a `_meta`), before any framework runs.
 *
 * Usage: `node bench/raw-http-server.ts --port <port>` (127.0.0.1).
 */
import { createServer } from "node:http"

const portFlag = process.argv.indexOf("--port")
const port = portFlag === -1 ? 3000 : Number(process.argv[portFlag + 1])

createServer((request, response) => {
  if (request.method !== "POST") {
    response.writeHead(405, { allow: "POST" }).end()
    return
  }
  let body = ""
  request.setEncoding("utf8")
  request.on("data", (chunk: string) => (body += chunk))
  request.on("end", () => {
    const message = JSON.parse(body)
    const modern = request.headers["mcp-protocol-version"] === "2026-07-28"
    const content = [{ type: "text", text: message.params.arguments.text }]
    const answer = JSON.stringify({ jsonrpc: "2.0", id: message.id, result: modern ? { content, resultType: "complete" } : { content } })
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) })
    response.end(answer)
  })
}).listen(port, "127.0.0.1")
