/**
 * An open 2026-07-28 `subscriptions/listen` stream when a `WebHandler` is disposed (its only way
 * to stop: a serverless instance recycled, a framework's server closing) ends as the spec ends
 * one on a graceful close, with its result `{ resultType: "complete", _meta: { subscriptionId } }`,
 * as `StreamableHttp.serve`'s drain and stdio's end it. The SDK v2 client then reports the
 * subscription `closed` as `"graceful"`.
 *
 * Fails before: the stream's last event was the error -32000 "Server shutting down: the request was
 * stopped before it was answered" (a listen is never answered but by that result), and the SDK
 * v2 client reported `"remote"`, an unexpected disconnect. The result carries the server's
 * identity (`io.modelcontextprotocol/serverInfo`) in its `_meta`, as every other result does
 * (fails before: it had none).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"
import { McpServer } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { ownRouter, portListener } from "./support.ts"

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echo") })

/** `handler` behind a `node:http` server on 127.0.0.1, adapted as Hono's Node server adapts it. */
const serveOnNode = (handler: (request: Request) => Promise<Response>) =>
  new Promise<{ readonly url: string; readonly close: () => Promise<void> }>((resolve) => {
    const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      const gone = new AbortController()
      res.on("close", () => res.writableFinished || gone.abort())
      const headers = new Headers()
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
      const response = await handler(
        new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === "GET" || req.method === "HEAD" ? undefined : Readable.toWeb(req) as ReadableStream,
          duplex: "half",
          signal: gone.signal
        } as RequestInit)
      )
      res.writeHead(response.status, Object.fromEntries(response.headers))
      if (response.body === null) return void res.end()
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk)
      } catch {
        // The client went away.
      }
      res.end()
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
        close: () =>
          new Promise((closed) => {
            server.closeAllConnections()
            server.close(() => closed())
          })
      }))
  })

/** Within `millis`, or `"timeout"`. */
const within = <A>(promise: Promise<A>, millis: number): Promise<A | "timeout"> =>
  Promise.race([promise, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), millis))])

describe("an open listen stream when a WebHandler is disposed", () => {
  for (const stateless of [false, true]) {
    it(`ends with its result, the SDK v2 client told "graceful" (stateless: ${stateless})`, async () => {
      const web = WebHandler.make({ name: "dispose", version: "1.0.0" }, Echo, { stateless })
      const node = await serveOnNode(web.handler)
      const client = new ClientV2({ name: "v2", version: "2" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(node.url)))
        const subscription = await client.listen({ toolsListChanged: true })
        await web.dispose()
        assert.strictEqual(await within(subscription.closed, 5_000), "graceful")
      } finally {
        await client.close().catch(() => undefined)
        await node.close()
        await web.dispose()
      }
    })
  }

  for (const stateless of [false, true]) {
    it(`the stream's last event is the listen's result, with the client's id as subscriptionId (stateless: ${stateless})`, async () => {
      const web = WebHandler.make({ name: "dispose", version: "1.0.0" }, Echo, { stateless })
      const node = await serveOnNode(web.handler)
      try {
        const text = await rawListen(node.url, () => web.dispose())
        const last = lastMessage(text)
        assert.strictEqual(last?.id, "listen-1", text)
        assert.isUndefined(last.error, text)
        assert.strictEqual(last.result.resultType, "complete")
        assert.strictEqual(last.result._meta["io.modelcontextprotocol/subscriptionId"], "listen-1")
        // Fails before: the server's identity, which every other result carries, was missing.
        assert.deepStrictEqual(last.result._meta["io.modelcontextprotocol/serverInfo"], { name: "dispose", version: "1.0.0" })
      } finally {
        await node.close()
        await web.dispose()
      }
    })
  }
})

// `route` in a router of one's own: its server interrupts the requests it serves (the listen's
// SSE response among them) before the router's layers, the endpoint among them, are released.
// Fails before: the stream was ended by the server's stop with -32000 "Server shutting down"
// (`stoppedServing`), the SDK v2 client told "remote".
describe("an open listen stream when StreamableHttp.route's server is interrupted", () => {
  for (const stateless of [false, true]) {
    it.live(`ends with its result, the SDK v2 client told "graceful" (stateless: ${stateless})`, () =>
      Effect.gen(function*() {
        const listening = portListener()
        const server = yield* Effect.forkDetach(
          listening.provide(McpServer.serve({ name: "route", version: "1" }, Echo, ownRouter(0, { stateless })))
        )
        yield* Effect.addFinalizer(() => Fiber.interrupt(server))
        const port = yield* listening.port(server)
        const client = new ClientV2({ name: "v2", version: "2" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
        yield* Effect.addFinalizer(() => Effect.promise(() => client.close().catch(() => undefined)))
        yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`))))
        const subscription = yield* Effect.promise(() => client.listen({ toolsListChanged: true }))
        yield* Fiber.interrupt(server)
        assert.strictEqual(yield* Effect.promise(() => within(subscription.closed, 5_000)), "graceful")
      }), 30_000)
  }

  // The path the server's stop takes here (`stoppedServing`, the endpoint still running) makes
  // the result itself: with the server's identity, as the endpoint's shutdown makes it (fails
  // before: the identity was missing on this path too).
  for (const stateless of [false, true]) {
    it.live(`the stream's last event is the listen's result, with the server's identity (stateless: ${stateless})`, () =>
      Effect.gen(function*() {
        const listening = portListener()
        const server = yield* Effect.forkDetach(
          listening.provide(McpServer.serve({ name: "route", version: "1" }, Echo, ownRouter(0, { stateless })))
        )
        yield* Effect.addFinalizer(() => Fiber.interrupt(server))
        const port = yield* listening.port(server)
        const text = yield* Effect.promise(() => rawListen(`http://127.0.0.1:${port}/mcp`, () => Effect.runPromise(Fiber.interrupt(server))))
        const last = lastMessage(text)
        assert.strictEqual(last?.id, "listen-1", text)
        assert.isUndefined(last.error, text)
        assert.deepStrictEqual(last.result._meta, {
          "io.modelcontextprotocol/subscriptionId": "listen-1",
          "io.modelcontextprotocol/serverInfo": { name: "route", version: "1" }
        })
      }), 30_000)
  }
})

/**
 * A raw 2026-07-28 listen (`listen-1`) on `url`: once acknowledged, `stop` stops the server; the
 * stream's text, read to its end (bounded: 50 reads, 10 s).
 */
const rawListen = async (url: string, stop: () => Promise<unknown>): Promise<string> => {
  const response = await fetch(url, {
    method: "POST",
    signal: AbortSignal.timeout(10_000),
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "subscriptions/listen"
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: "listen-1",
      method: "subscriptions/listen",
      params: {
        notifications: { toolsListChanged: true },
        _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }
      }
    })
  })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  for (let read = 0; read < 50 && !text.includes("acknowledged"); read++) {
    const chunk = await reader.read()
    if (chunk.done) break
    text += decoder.decode(chunk.value, { stream: true })
  }
  assert.include(text, "notifications/subscriptions/acknowledged")
  const stopped = stop()
  for (let read = 0; read < 50; read++) {
    const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }))
    if (chunk.done) break
    text += decoder.decode(chunk.value, { stream: true })
  }
  await stopped
  return text
}

/** The last JSON-RPC message of an SSE stream's text. */
const lastMessage = (text: string): any =>
  text.split("\n").filter((line) => line.startsWith("data:")).map((line) => JSON.parse(line.slice(5))).at(-1)
