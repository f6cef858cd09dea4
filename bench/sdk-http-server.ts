/**
 * The HTTP benchmark's reference peer (`bench/http.ts`): the official TypeScript SDK's (v1)
 * low-level `Server` (`makeSdkEchoServer`, the same echo tool as the stdio reference) behind its
 * `StreamableHTTPServerTransport`, on plain `node:http`, configured for JSON responses
 * (`enableJsonResponse: true`).
 *
 * The wiring follows the SDK's own documented examples:
 *
 * - stateful (default; `examples/server/jsonResponseStreamableHttp.ts`): an `initialize` POST
 *   without `Mcp-Session-Id` creates a transport (`sessionIdGenerator: randomUUID`) and a fresh
 *   `Server` connected to it; `onsessioninitialized` stores the transport under its session id,
 *   later POSTs with that id go to it, `onclose` forgets it;
 * - `--stateless` (`examples/server/simpleStatelessStreamableHttp.ts`): every POST gets a new
 *   transport (`sessionIdGenerator: undefined`) and a new `Server`, both closed when the response
 *   closes.
 *
 * The body is read and parsed here (what `express.json()` does in the SDK's examples) and handed
 * to `handleRequest(req, res, parsedBody)`. GET and DELETE go to the session's transport (stateful)
 * or get 405 (stateless).
 *
 * Run: `node bench/sdk-http-server.ts --port N [--stateless]`; it logs `listening on <port>` to
 * stderr once the socket is bound.
 */
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { makeSdkEchoServer } from "./sdk-echo-server.ts"

const argv = process.argv.slice(2)
const portIndex = argv.indexOf("--port")
const port = Number(portIndex === -1 ? 3000 : argv[portIndex + 1])
const host = "127.0.0.1"
const stateless = argv.includes("--stateless")
const MAX_BODY = 4 * 1024 * 1024

const sendJsonError = (res: ServerResponse, status: number, code: number, message: string): void => {
  if (res.headersSent) return
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }))
}

/** Reads and parses a JSON body, as `express.json()` would; `undefined` after answering an error. */
const readJson = (req: IncomingMessage, res: ServerResponse): Promise<{ readonly body: unknown } | undefined> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY) chunks.push(chunk)
    })
    req.on("error", () => resolve(undefined))
    req.on("end", () => {
      if (size > MAX_BODY) {
        sendJsonError(res, 413, -32600, "Payload too large")
        return resolve(undefined)
      }
      if (size === 0) return resolve({ body: undefined })
      try {
        resolve({ body: JSON.parse(Buffer.concat(chunks, size).toString("utf8")) })
      } catch {
        sendJsonError(res, 400, -32700, "Parse error")
        resolve(undefined)
      }
    })
  })

const transports = new Map<string, StreamableHTTPServerTransport>()

const statefulPost = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
  const sessionId = req.headers["mcp-session-id"]
  if (typeof sessionId === "string") {
    const transport = transports.get(sessionId)
    if (transport === undefined) return sendJsonError(res, 404, -32001, "Session not found")
    return transport.handleRequest(req, res, body)
  }
  if (!isInitializeRequest(body)) return sendJsonError(res, 400, -32000, "Bad Request: No valid session ID provided")
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (id) => {
      transports.set(id, transport)
    }
  })
  transport.onclose = () => {
    const id = transport.sessionId
    if (id !== undefined) transports.delete(id)
  }
  const server = makeSdkEchoServer()
  await server.connect(transport)
  await transport.handleRequest(req, res, body)
}

const statelessPost = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
  const server = makeSdkEchoServer()
  // `sessionIdGenerator: undefined` in the SDK's example; leaving the key out is the same (and
  // type-checks under exactOptionalPropertyTypes).
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true })
  res.on("close", () => {
    void transport.close()
    void server.close()
  })
  await server.connect(transport)
  await transport.handleRequest(req, res, body)
}

const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const path = (req.url ?? "/").split("?")[0]
  if (path !== "/mcp") return sendJsonError(res, 404, -32600, "Not found")
  if (req.method === "POST") {
    const parsed = await readJson(req, res)
    if (parsed === undefined) return
    return stateless ? statelessPost(req, res, parsed.body) : statefulPost(req, res, parsed.body)
  }
  if (stateless || (req.method !== "GET" && req.method !== "DELETE")) {
    res.writeHead(405, { "content-type": "application/json", allow: stateless ? "POST" : "GET, POST, DELETE" })
    res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null }))
    return
  }
  const sessionId = req.headers["mcp-session-id"]
  const transport = typeof sessionId === "string" ? transports.get(sessionId) : undefined
  if (transport === undefined) return sendJsonError(res, 400, -32000, "Bad Request: No valid session ID provided")
  return transport.handleRequest(req, res)
}

const httpServer = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    process.stderr.write(`sdk-http-server: error handling a request: ${String(error)}\n`)
    sendJsonError(res, 500, -32603, "Internal server error")
  })
})
httpServer.listen(port, host, () => {
  process.stderr.write(`sdk-http-server: listening on ${port}${stateless ? " (stateless)" : ""}\n`)
})
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => process.exit(0))
}
