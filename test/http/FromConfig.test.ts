/**
 * `StreamableHttp.fromConfig`: the transport's options from Effect `Config` (the environment):
 * port, path, stateless, health path; options in code win; a variable that does not parse stops
 * the server naming it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { freePort, sleep } from "./support.ts"

const Echo = McpServer.tool({
  name: "echo",
  description: "Echoes",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.succeed(text)
})

const withEnvironment = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const waitHealthy = async (url: string) => {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(url)
      if (response.status === 200) return await response.json()
    } catch {
      // not listening yet
    }
    await sleep(10)
  }
  return undefined
}

describe("StreamableHttp.fromConfig", () => {
  it.live("MCP_HTTP_PORT, MCP_HTTP_PATH, MCP_HTTP_STATELESS and MCP_HTTP_HEALTH_PATH configure the endpoint", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      yield* Effect.forkScoped(
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig()).pipe(
          withEnvironment({
            MCP_HTTP_PORT: String(port),
            MCP_HTTP_PATH: "/rpc",
            MCP_HTTP_STATELESS: "true",
            MCP_HTTP_HEALTH_PATH: "/healthz"
          })
        )
      )
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/healthz`)), { status: "ok" })
      // Stateless on /rpc: a call without initialize is answered.
      const response = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/rpc`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "cfg" } } })
        }).then((r) => r.json() as Promise<any>))
      assert.deepStrictEqual(response.result.content, [{ type: "text", text: "cfg" }])
    }))

  it.live("options given in code win over the environment", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      yield* Effect.forkScoped(
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port, healthPath: "/ready" })).pipe(
          withEnvironment({ MCP_HTTP_PORT: "1", MCP_HTTP_HEALTH_PATH: "/healthz" })
        )
      )
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/ready`)), { status: "ok" })
    }))

  it.live("a variable that does not parse, or a limit that is not positive, stops the server, naming it", () =>
    Effect.gen(function*() {
      for (const [env, named] of [
        [{ MCP_HTTP_PORT: "not-a-port" }, "MCP_HTTP_PORT"],
        [{ MCP_HTTP_MAX_SESSIONS: "0" }, "MCP_HTTP_MAX_SESSIONS must be greater than 0"],
        [{ MCP_HTTP_REQUEST_TIMEOUT_MILLIS: "-5" }, "MCP_HTTP_REQUEST_TIMEOUT_MILLIS must be greater than 0"],
        [{ MCP_HTTP_ALLOWED_HOSTS: "," }, "MCP_HTTP_ALLOWED_HOSTS names no host"]
      ] as const) {
        const exit = yield* Effect.exit(
          McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig()).pipe(withEnvironment(env))
        )
        assert.isTrue(Exit.isFailure(exit), named)
        if (Exit.isFailure(exit)) assert.include(Cause.pretty(exit.cause), named)
      }
    }))
})
