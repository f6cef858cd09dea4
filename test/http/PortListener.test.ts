/**
 * The tests' reading of an in-process server's port (`portListener`, `serveOnAnyPort` in
 * ./support.ts): a server on port 0 says where it listens in its listening line. Each reading is of
 * its own server's line, whatever else the process serves; a server that cannot listen, or whose
 * line never comes, fails at once or within the bound, saying so.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import { createServer } from "node:net"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { answerOf, initializeMessage, portListener, post, serveOnAnyPort } from "./support.ts"

const Echo = McpServer.tool({ name: "echo", handler: () => Effect.succeed("echo") })

/** A server named `name` on `host`, port `port`. */
const named = (name: string, port: number, host = "127.0.0.1") =>
  McpServer.serve({ name, version: "1" }, Echo, StreamableHttp.make({ host, port }))

/** The name of the server that answers an initialize at `url`. */
const nameAt = (url: string) =>
  Effect.promise(async () => (await answerOf(await post(url, initializeMessage()))).result.serverInfo.name as string)

/** Whether this machine has IPv6 loopback (`::1`): some containers do not. */
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer()
  probe.once("error", () => resolve(false))
  probe.listen(0, "::1", () => probe.close(() => resolve(true)))
})

/** The message of the defect `exit` failed with. */
const defectOf = (exit: Exit.Exit<unknown, unknown>): string => {
  assert.isTrue(Exit.isFailure(exit), "it succeeded")
  return Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
}

describe.concurrent("each test reads its own server's port, servers starting together in one process", () => {
  for (const n of [1, 2, 3, 4]) {
    it.live(`server ${n}`, () =>
      Effect.gen(function*() {
        const { url } = yield* serveOnAnyPort((port) => named(`concurrent-${n}`, port))
        assert.strictEqual(yield* nameAt(url), `concurrent-${n}`)
      }))
  }

  it.live("three servers started at once in one test", () =>
    Effect.gen(function*() {
      const running = yield* Effect.all([1, 2, 3].map((n) => serveOnAnyPort((port) => named(`together-${n}`, port))), {
        concurrency: "unbounded"
      })
      for (const [i, { url }] of running.entries()) assert.strictEqual(yield* nameAt(url), `together-${i + 1}`)
    }))
})

describe("a server's listening line read", () => {
  // Fails before: serveOnAnyPort returned http://127.0.0.1:<port>/mcp for a server on ::1, which
  // listens elsewhere: refused, or answered by whatever listens on 127.0.0.1 at that port.
  it.live.skipIf(!ipv6Loopback)("on ::1: portListener reads its port from the bracketed host; serveOnAnyPort, which gives a 127.0.0.1 URL, refuses it", () =>
    Effect.gen(function*() {
      const listening = portListener()
      const fiber = yield* Effect.forkScoped(listening.provide(named("v6", 0, "::1")))
      const { host, port } = yield* listening.listened(fiber)
      assert.strictEqual(host, "[::1]")
      assert.strictEqual(yield* nameAt(`http://[::1]:${port}/mcp`), "v6")
      const refused = defectOf(yield* Effect.exit(serveOnAnyPort((port) => named("v6", port, "::1"))))
      assert.include(refused, "serveOnAnyPort serves on 127.0.0.1, but the server listens on [::1]:")
    }))

  it.live("named by an allowed host: the address it listens on (the line's note) is read", () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "allowed", version: "1" }, Echo, StreamableHttp.make({ host: "127.0.0.1", port, allowedHosts: ["localhost"] }))
      )
      assert.strictEqual(yield* nameAt(url.replace("127.0.0.1", "localhost")), "allowed")
    }))

  it.live("a server that cannot listen (its port taken) fails at once, naming why", () =>
    Effect.gen(function*() {
      const held = createServer()
      yield* Effect.addFinalizer(() => Effect.sync(() => held.close()))
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => held.listen(0, "127.0.0.1", () => resolve((held.address() as { port: number }).port)))
      )
      const started = Date.now()
      const failed = defectOf(yield* Effect.exit(serveOnAnyPort(() => named("taken", port))))
      assert.include(failed, "the HTTP server stopped before it listened")
      assert.include(failed, "EADDRINUSE")
      assert.isBelow(Date.now() - started, 5_000)
    }))

  // Fails before: the bound was 30 s, the test timeout's: a test failed as timed out, not saying why.
  it.live("a program that replaces its loggers inside is told as such within the bound", () =>
    Effect.gen(function*() {
      const listening = portListener()
      const fiber = yield* Effect.forkScoped(listening.provide(named("quiet", 0).pipe(Effect.provide(Logger.layer([])))))
      const failed = defectOf(yield* Effect.exit(listening.port(fiber, 300)))
      assert.include(failed, "the HTTP server did not say it listens within 300 ms (its loggers replaced inside")
    }))
})
