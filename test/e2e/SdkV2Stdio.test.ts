/**
 * Both eras over stdio with the official SDK v2 client spawning the everything server: pinned to
 * 2026-07-28 (no handshake; each request answered by its own `_meta`; input through MRTR), `auto`
 * (the `server/discover` probe picks 2026-07-28), and `legacy` (the `initialize` handshake, input
 * through a real server→client request).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/client"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/client/stdio"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { sdk } from "./harness.ts"
import { withCompileCache } from "../support/compileCache.ts"

const server = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))

const connect = (mode: "legacy" | "auto" | { readonly pin: string }) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const client = new Client({ name: "sdk-v2-stdio", version: "2.0.0" }, {
        capabilities: { elicitation: {} },
        versionNegotiation: { mode: mode as never }
      })
      client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { name: "Ada" } }))
      yield* Effect.promise(() =>
        client.connect(new StdioClientTransport({ command: process.execPath, args: [server], env: withCompileCache(getDefaultEnvironment()), stderr: "ignore" }))
      )
      return client
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

const texts = (content: unknown) => (content as Array<{ text?: string }>).map((block) => block.text)

/** What the client pinned to 2026-07-28 checks on its session after its era's (a process of its own before: see below). */
const subscriptionsLeaveSlots = (client: Client) =>
  Effect.gen(function*() {
    const subscriptions = yield* Effect.forEach(
      Array.from({ length: 64 }, (_, i) => i),
      (i) => sdk(() => client.listen(i % 2 === 0 ? { toolsListChanged: true } : { promptsListChanged: true })),
      { concurrency: 8 }
    )
    assert.strictEqual(subscriptions.length, 64)
    // A tool that sleeps: it needs a slot (a handler that answers at once is answered inline).
    const result = yield* sdk(() => client.callTool({ name: "test_task_slow", arguments: { ms: 10 } }, { timeout: 5_000 }))
    assert.deepStrictEqual(texts(result.content), ["done"])
    yield* Effect.forEach(subscriptions, (subscription) => sdk(() => subscription.close()), { discard: true })
  })

describe("SDK v2 client over stdio, both eras", () => {
  // Pinned to 2026-07-28, the same session then holds 64 subscriptions (a case, and an everything
  // server, of its own before: a spawn is Node's start and the library's loading, ~1 s of CPU).
  // Fails before the fix: an open subscriptions/listen held one of the session's 64 request slots
  // for as long as it lived, so a client with 64 subscriptions (a server with a lower
  // maxConcurrentRequests: with fewer) had every later request that does not answer at once wait
  // for ever (here: the SDK client gave up, REQUEST_TIMEOUT).
  for (const [mode, version] of [[{ pin: "2026-07-28" }, "2026-07-28"], ["auto", "2026-07-28"], ["legacy", "2025-11-25"]] as const) {
    const pinned = typeof mode === "object"
    it.live(
      `${JSON.stringify(mode)} → ${version}: tools, and an elicitation the handler asks for${
        pinned ? "; 2026-07-28 subscriptions: open subscriptions do not take the request slots: a call after 64 of them is answered" : ""
      }`,
      () =>
        Effect.gen(function*() {
          const client = yield* connect(mode)
          assert.strictEqual(client.getNegotiatedProtocolVersion(), version)
          const { tools } = yield* sdk(() => client.listTools())
          assert.include(tools.map((tool) => tool.name), "test_input_required_result_elicitation")
          const result = yield* sdk(() => client.callTool({ name: "test_input_required_result_elicitation", arguments: {} }))
          assert.deepStrictEqual(texts(result.content), ["Hello, Ada!"])
          if (pinned) yield* subscriptionsLeaveSlots(client)
        }),
      // The pinned case's two parts had 30 s each.
      pinned ? 60_000 : 30_000
    )
  }
})

/** The SDK's stdio transport, subclassed: the client probes on it in place (no disposable sibling process). */
class InPlaceStdioTransport extends StdioClientTransport {}

describe("SDK v2 client in `auto` mode, probing in place, falls back to initialize on the same process", () => {
  // Fails before the fix: the probe's server/discover, read late, locked the connection to
  // 2026-07-28, and the initialize the client fell back to (the spec's stdio binding: a probe
  // that times out means a legacy server) was answered -32022: the client could not connect.
  it.live("a probe that times out (a server still building its components): the initialize that follows opens a 2025 session", () =>
    Effect.gen(function*() {
      const slowStart = fileURLToPath(new URL("../fixtures/slow-start-server.ts", import.meta.url))
      const client = yield* Effect.acquireRelease(
        Effect.sync(() =>
          new Client({ name: "sdk-v2-in-place", version: "2.0.0" }, {
            versionNegotiation: { mode: "auto", probe: { timeoutMs: 200 } }
          })
        ),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const transport = new InPlaceStdioTransport({
        command: process.execPath,
        args: [slowStart, "--build-millis", "1500"],
        stderr: "ignore"
      })
      yield* sdk(() => client.connect(transport, { timeout: 10_000 }))
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2025-11-25")
      const result = yield* sdk(() => client.callTool({ name: "ready", arguments: {} }, { timeout: 5_000 }))
      assert.deepStrictEqual(texts(result.content), ["ready"])
    }), 30_000)
})

/** The SDK's stdio transport, started before the client connects (its `start` taken once): the test sends on it first. */
class OpenedStdioTransport extends StdioClientTransport {
  private started: Promise<void> | undefined
  override start(): Promise<void> {
    return this.started ??= super.start()
  }
}

describe("SDK v2 client: the initialize a dual-era client falls back to after a refused 2026 request", () => {
  // Fails before the fix: the refused tools/list (after the probe) locked the process to
  // 2026-07-28 though it was served in no era and its -32022 had named 2025-11-25, and the
  // client's initialize was answered -32022: the client could not connect.
  it.live("a probe, a 2026 request refused -32022, then initialize: a 2025 session", () =>
    Effect.gen(function*() {
      const transport = new OpenedStdioTransport({ command: process.execPath, args: [server], stderr: "ignore" })
      const answers = new Map<unknown, any>()
      transport.onmessage = (message: any) => void answers.set(message.id, message)
      const ask = (id: string, method: string, version: string) =>
        sdk(async () => {
          const _meta = { "io.modelcontextprotocol/protocolVersion": version, "io.modelcontextprotocol/clientCapabilities": {} }
          await transport.send({ jsonrpc: "2.0", id, method, params: { _meta } })
          for (let i = 0; i < 400 && !answers.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 50))
          return answers.get(id)
        })
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => new Client({ name: "sdk-v2-fallback", version: "2.0.0" }, { versionNegotiation: { mode: "legacy" } })),
        (client) => Effect.promise(() => client.close().catch(() => transport.close()))
      )
      yield* sdk(() => transport.start())
      const discovered = yield* ask("probe", "server/discover", "2026-07-28")
      assert.include(discovered?.result?.supportedVersions, "2025-11-25")
      const refused = yield* ask("refused", "tools/list", "2099-01-01")
      assert.strictEqual(refused?.error?.code, -32022, JSON.stringify(refused))
      yield* sdk(() => client.connect(transport, { timeout: 10_000 }))
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2025-11-25")
      const { tools } = yield* sdk(() => client.listTools())
      assert.include(tools.map((tool) => tool.name), "test_input_required_result_elicitation")
    }), 30_000)
})
