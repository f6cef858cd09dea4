/**
 * KeepAlive: idle clients are pinged (counted at the SDK client's ping handler and at the
 * transport), busy ones are not, pings stop with the session, and missed pings are logged
 * (a warning each, an error after `maxMisses` in a row). The timing of the loop itself is checked
 * with the TestClock against a stand-in session.
 */
import { assert, describe, it } from "@effect/vitest"
import { PingRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { TestClock } from "effect/testing"
import { McpServer, Middleware } from "../../src/index.ts"
import { ClientRequestError, type ServerSession } from "../../src/lowlevel.ts"
import * as KeepAlive from "../../src/middleware/builtin/KeepAlive.ts"
import { components, sdk, startServer } from "../server/McpServerHarness.ts"
import { eventually, initializeRaw, openRaw, promise, recordingLogger, sleepReal, tryConnect } from "./contractHarness.ts"

const Echo = McpServer.tool({
  name: "echo",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.succeed(text)
})

/** A server with the echo tool and the given middleware. */
const serverWith = (middleware: Middleware.Middleware<never>) =>
  startServer({}, components([Echo, McpServer.middleware(middleware)]))

/** Counts the pings an SDK client answers. */
const pingCounter = () => {
  const pings = { count: 0 }
  const setup = (client: { setRequestHandler: (schema: typeof PingRequestSchema, handler: () => {}) => void }) =>
    client.setRequestHandler(PingRequestSchema, () => {
      pings.count++
      return {}
    })
  return { pings, setup }
}

const isPing = (message: any) => message.method === "ping" && message.id !== undefined

/** KeepAlive every 20 ms, whose `onSession` loop's exit (`Success`, `Failure`) is pushed to `ended`. */
const probedKeepAlive = () => {
  const keepAlive = KeepAlive.middleware({ interval: "20 millis" })
  const ended: Array<string> = []
  const probed = Middleware.make("probed-keep-alive", {
    ...keepAlive,
    onSession: (session) => keepAlive.onSession!(session).pipe(Effect.onExit((exit) => Effect.sync(() => void ended.push(exit._tag))))
  })
  return { ended, probed }
}

describe("KeepAlive (live sessions)", () => {
  it.live("an idle client is pinged about every interval; answered pings log nothing", () =>
    Effect.gen(function*() {
      const logger = recordingLogger()
      const server = yield* serverWith(KeepAlive.middleware({ interval: "40 millis", timeout: "1 second" }))
      const { pings, setup } = pingCounter()
      yield* tryConnect(server, { setup, logger: logger.layer })
      // One to two intervals after the last message, then every interval: about 8 in 400 ms. Waited
      // for (at most 10 s: a loaded machine's timers run late), then no more than one an interval
      // since the connection, with room for the first two and a late timer.
      const started = Date.now()
      for (let i = 0; i < 1_000 && pings.count < 4; i++) yield* sleepReal(10)
      const elapsed = Date.now() - started
      assert.isAtLeast(pings.count, 4)
      assert.isAtMost(pings.count, Math.floor(elapsed / 40) + 3)
      assert.deepStrictEqual(logger.lines.filter((line) => line.message.includes("keep-alive")), [])
    }))

  it.live("a busy client is not pinged; once it falls idle, it is", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(KeepAlive.middleware({ interval: "60 millis" }))
      const { pings, setup } = pingCounter()
      const { client } = yield* tryConnect(server, { setup })
      const start = performance.now()
      while (performance.now() - start < 400) {
        yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "busy" } }))
        yield* sleepReal(10)
      }
      assert.strictEqual(pings.count, 0)
      yield* eventually(() => pings.count > 0, 1_000)
    }))

  it.live("pings stop when the session ends: the onSession loop ends and nothing more is written", () =>
    Effect.gen(function*() {
      const { ended, probed } = probedKeepAlive()
      const server = yield* serverWith(probed)
      const written: Array<any> = []
      const { pings, setup } = pingCounter()
      const { client } = yield* tryConnect(server, { setup, onOutbound: (message) => written.push(message) })
      yield* eventually(() => pings.count >= 2)
      yield* promise(() => client.close())
      yield* eventually(() => ended.length === 1)
      const pingsWritten = written.filter(isPing).length
      yield* sleepReal(150)
      assert.strictEqual(written.filter(isPing).length, pingsWritten)
      assert.deepStrictEqual(ended, ["Failure"]) // interrupted
    }))

  // Fails before (the loop tried a ping that is never sent every interval, as long as the
  // connection lived: it had not ended when the test looked).
  it.live("a connection of the 2026-07-28 era (stdio, in-memory): the loop ends at the first ping it cannot send", () =>
    Effect.gen(function*() {
      const { ended, probed } = probedKeepAlive()
      const server = yield* serverWith(probed)
      const raw = yield* openRaw(server)
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" }
      }
      yield* promise(() => raw.send({ jsonrpc: "2.0", id: "discover", method: "server/discover", params: { _meta: meta } }))
      const discovered = yield* promise(() => raw.waitFor((message) => message.id === "discover"))
      assert.isDefined(discovered.result)
      // The session is idle from now on: the loop wakes, its ping is refused, and it ends; the
      // connection stays open.
      yield* eventually(() => ended.length === 1, 2_000)
      assert.deepStrictEqual(ended, ["Success"])
      assert.isFalse(raw.received.some(isPing))
    }))

  // Fails before the fix: a connection was pinged before its first message (every interval, each
  // a miss and a warning), though a 2026-07-28 client that has not spoken yet takes no ping.
  it.live("a connection that has not spoken is not pinged; once its initialize is answered and it falls idle, it is", () =>
    Effect.gen(function*() {
      const logger = recordingLogger()
      const server = yield* serverWith(KeepAlive.middleware({ interval: "20 millis", timeout: "20 millis" }))
      const raw = yield* openRaw(server, { logger: logger.layer })
      // Ten intervals and more of silence.
      yield* sleepReal(300)
      assert.isFalse(raw.received.some(isPing))
      assert.deepStrictEqual(logger.lines.filter((line) => line.message.includes("keep-alive")), [])
      // A 2025-11-25 client: pinged once idle.
      yield* promise(() => initializeRaw(raw))
      yield* eventually(() => raw.received.some(isPing), 2_000)
    }))

  it.live("a client that never answers: a warning per missed ping, an error after maxMisses in a row", () =>
    Effect.gen(function*() {
      const logger = recordingLogger()
      const server = yield* serverWith(KeepAlive.middleware({ interval: "30 millis", timeout: "20 millis", maxMisses: 2 }))
      const raw = yield* openRaw(server, { logger: logger.layer })
      yield* promise(() => initializeRaw(raw))
      const keepAliveLines = () => logger.lines.filter((line) => line.message.includes("keep-alive"))
      yield* eventually(() => keepAliveLines().length >= 4)
      assert.deepStrictEqual(keepAliveLines().slice(0, 4).map((line) => line.level), ["Warn", "Warn", "Error", "Warn"])
      assert.include(keepAliveLines()[0]!.message, "1 in a row")
      assert.include(keepAliveLines()[1]!.message, "2 in a row")
      assert.include(keepAliveLines()[2]!.message, "2 consecutive pings missed")
      assert.include(keepAliveLines()[3]!.message, "3 in a row")
      // The raw client did receive the pings (and the cancellations of those it never answered).
      assert.isAtLeast(raw.received.filter(isPing).length, 3)
      assert.isTrue(raw.received.some((message) => message.method === "notifications/cancelled"))
    }))

  it("rejects invalid options", () => {
    assert.throws(() => KeepAlive.middleware({ interval: 0 }), /interval/)
    assert.throws(() => KeepAlive.middleware({ interval: "1 second", timeout: "0 millis" }), /timeout/)
    assert.throws(() => KeepAlive.middleware({ interval: "1 second", maxMisses: 0 }), /maxMisses/)
    // What is no duration at all: named (fails before: "Invalid Input: 30 secs").
    const expected = `a duration ("30 seconds", a number of milliseconds, a Duration)`
    assert.throws(() => KeepAlive.middleware({ interval: "30 secs" as never }), TypeError, `KeepAlive: interval must be ${expected}, not "30 secs"`)
    assert.throws(() => KeepAlive.middleware({} as never), TypeError, `KeepAlive: interval must be ${expected}, not undefined`)
    assert.throws(() => KeepAlive.middleware({ interval: "1 second", timeout: "soon" as never }), TypeError, `KeepAlive: timeout must be ${expected}, not "soon"`)
  })
})

describe("KeepAlive (loop timing, TestClock)", () => {
  it.effect("pings only when idle for an interval, counts misses, resets on an answer, ends when the session closes", () =>
    Effect.gen(function*() {
      const keepAlive = KeepAlive.middleware({ interval: "1 second", timeout: "500 millis", maxMisses: 2 })
      const logger = recordingLogger()
      type Answer = "ok" | "timeout" | "error" | "closed"
      let answer: Answer = "ok"
      const requests: Array<{ readonly method: string; readonly timeoutMillis: number | undefined }> = []
      const session = {
        id: "stand-in",
        request: (method: string, _params: unknown, options?: { readonly timeoutMillis?: number | undefined }) =>
          Effect.suspend((): Effect.Effect<unknown, ClientRequestError.ClientRequestError> => {
            const timeoutMillis = options?.timeoutMillis
            requests.push({ method, timeoutMillis })
            switch (answer) {
              case "ok":
                return Effect.succeed({})
              case "error":
                return Effect.fail(new ClientRequestError.ClientRequestFailed({ method, code: -32601, message: "no" }))
              case "closed":
                return Effect.fail(new ClientRequestError.SessionClosed({ method }))
              case "timeout":
                return Effect.andThen(
                  Effect.sleep(timeoutMillis ?? 0),
                  Effect.fail(new ClientRequestError.ClientRequestTimeout({ method, timeoutMillis: timeoutMillis ?? 0 }))
                )
            }
          })
      } as unknown as ServerSession.ServerSession
      const touch = () =>
        keepAlive.onMessage!(
          { _tag: "Notification", notification: { jsonrpc: "2.0", method: "notifications/progress" }, session },
          () => Effect.void
        )
      const fiber = yield* Effect.forkChild(Effect.scoped(keepAlive.onSession!(session)).pipe(Effect.provide(logger.layer)))
      const levels = () => logger.lines.map((line) => line.level)

      yield* TestClock.adjust("999 millis")
      assert.strictEqual(requests.length, 0)
      yield* TestClock.adjust("1 millis") // t = 1000: idle since the start
      assert.deepStrictEqual(requests, [{ method: "ping", timeoutMillis: 500 }])

      yield* TestClock.adjust("500 millis")
      yield* touch() // t = 1500: activity
      yield* TestClock.adjust("500 millis") // t = 2000: not idle for an interval
      assert.strictEqual(requests.length, 1)
      yield* TestClock.adjust("1 second") // t = 3000: idle again
      assert.strictEqual(requests.length, 2)

      answer = "timeout"
      yield* TestClock.adjust("1 second") // t = 4000: ping, missed at 4500
      assert.strictEqual(requests.length, 3)
      yield* TestClock.adjust("500 millis")
      assert.deepStrictEqual(levels(), ["Warn"])
      yield* TestClock.adjust("1500 millis") // t = 6000: ping at 5500, missed at 6000
      assert.strictEqual(requests.length, 4)
      assert.deepStrictEqual(levels(), ["Warn", "Warn", "Error"])

      answer = "error" // an error answer is an answer: the run of misses ends
      yield* TestClock.adjust("1 second") // t = 7000
      assert.strictEqual(requests.length, 5)
      answer = "timeout"
      yield* TestClock.adjust("1500 millis") // t = 8500: ping at 8000, missed at 8500
      assert.strictEqual(requests.length, 6)
      assert.deepStrictEqual(levels(), ["Warn", "Warn", "Error", "Warn"])
      assert.include(logger.lines[3]!.message, "1 in a row")

      // Fails before: activity did not end the run of misses (a busy client that never answers
      // pings was said gone): "2 in a row" and the error here.
      yield* TestClock.adjust("500 millis")
      yield* touch() // t = 9000: the client speaks
      yield* TestClock.adjust("1 second") // t = 10000: woke at 9500, it had spoken: not pinged
      assert.strictEqual(requests.length, 6)
      yield* TestClock.adjust("1 second") // t = 11000: idle: ping at 10500, missed at 11000
      assert.strictEqual(requests.length, 7)
      yield* TestClock.adjust("500 millis")
      assert.deepStrictEqual(levels(), ["Warn", "Warn", "Error", "Warn", "Warn"])
      assert.include(logger.lines[4]!.message, "1 in a row")

      answer = "closed"
      yield* TestClock.adjust("1 second") // t = 12500: ping at 12000, the session is gone, the loop ends
      assert.strictEqual(requests.length, 8)
      const exit = yield* Fiber.await(fiber)
      assert.strictEqual(exit._tag, "Success")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(requests.length, 8)
    }).pipe(Effect.provide(Logger.layer([]))))
})
