/**
 * `Transport.usesProcessStdout`: a server run over such a transport logs to stderr
 * (`References.LogToStderr`) in its own run only, its components' build included: not in a fiber
 * beside it (a second server over HTTP, the rest of the program), not after it ends, and not over
 * a transport that says nothing (stdio on a socket or a test's streams). In-process, over an
 * in-memory pair; test/e2e/StdioStderr.test.ts runs it as a real process.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import { PassThrough } from "node:stream"
import { InMemory, McpServer, Stdio } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"

const initialize = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }

/** Serves a server whose build and tool `probe` record `LogToStderr`; a fiber beside it records it too. */
const observe = (usesProcessStdout: boolean) =>
  Effect.gen(function*() {
    const seen: Record<string, boolean> = {}
    const Built = Layer.effectDiscard(Effect.map(Effect.service(References.LogToStderr), (value) => void (seen.build = value)))
    const Probe = McpServer.tool({
      name: "probe",
      handler: () =>
        Effect.map(Effect.service(References.LogToStderr), (value) => {
          seen.handler = value
          return "seen"
        })
    })
    const pair = InMemory.makePair()
    const transport = usesProcessStdout ? { ...pair.server, usesProcessStdout: true } : pair.server
    const server = yield* Effect.forkChild(McpServer.serve({ name: "s", version: "1" }, Layer.mergeAll(Built, Probe), transport))
    const { notify, request } = requestsOver(pair.client)
    yield* request("initialize", initialize)
    yield* notify("notifications/initialized")
    const answer = yield* request("tools/call", { name: "probe", arguments: {} })
    assert.deepStrictEqual(answer.result?.content, [{ type: "text", text: "seen" }])
    seen.beside = yield* Effect.service(References.LogToStderr)
    yield* Effect.promise(() => pair.client.close())
    yield* Fiber.join(server)
    seen.after = yield* Effect.service(References.LogToStderr)
    return seen
  })

describe("Transport.usesProcessStdout: LogToStderr in the server's run only", () => {
  it.live("its build and its handlers log to stderr; a fiber beside it and the program after it do not", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* observe(true), { build: true, handler: true, beside: false, after: false })
    }))

  it.live("a transport that does not say so changes nothing", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* observe(false), { build: false, handler: false, beside: false, after: false })
    }))

  it.live("a LowLevelServer's run over it: its handlers log to stderr, the caller does not after it", () =>
    Effect.gen(function*() {
      let handler: boolean | undefined
      const server = LowLevelServer.make({
        serverInfo: { name: "s", version: "1" },
        handlers: {
          ping: () =>
            Effect.map(Effect.service(References.LogToStderr), (value) => {
              handler = value
              return {}
            })
        }
      })
      const pair = InMemory.makePair()
      const running = yield* Effect.forkChild(server.run({ ...pair.server, usesProcessStdout: true }))
      const { notify, request } = requestsOver(pair.client)
      yield* request("initialize", initialize)
      yield* notify("notifications/initialized")
      yield* request("ping", {})
      yield* Effect.promise(() => pair.client.close())
      yield* Fiber.join(running)
      assert.isTrue(handler)
      assert.isFalse(yield* Effect.service(References.LogToStderr))
    }))

  it("Stdio.make says so on the process's stdout only (not on a socket or a test's streams)", () => {
    assert.isTrue(Stdio.make().usesProcessStdout)
    assert.isTrue(Stdio.make({ stdout: process.stdout }).usesProcessStdout)
    assert.isUndefined(Stdio.make({ stdin: new PassThrough(), stdout: new PassThrough() }).usesProcessStdout)
  })
})
