/**
 * `notifications/message` as clients receive it, in both eras: a level or logger MCP does not have
 * (untyped code) is the handler's defect, not a message no client takes; data JSON has no form for
 * (undefined, a BigInt, a cycle, an Error) still goes out, with its `data` made JSON; and a
 * 2026-07-28 request's logs and progress stop with its answer (its stream ends there) over a
 * connection of its own (stdio, in memory) as over HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { fileURLToPath } from "node:url"
import { InMemory, McpContext, McpServer, StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import type { Connection } from "../../src/session/Connection.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { recorder } from "../support/recorder.ts"
import { sdk, serveAndConnect, startServer } from "./McpServerHarness.ts"
import { withCompileCache } from "../support/compileCache.ts"

const logLevelKey = "io.modelcontextprotocol/logLevel"

/**
 * Logs with the level and logger its arguments name (what untyped code may pass), through its
 * context or (`untied`) its session.
 */
const Logs = McpServer.tool({
  name: "logs",
  parameters: { level: Schema.Unknown, logger: Schema.optionalKey(Schema.Unknown), untied: Schema.optionalKey(Schema.Boolean) },
  handler: ({ level, logger, untied }) =>
    Effect.flatMap(McpContext.current, (context) =>
      Effect.as((untied === true ? context.session : context).log(level as never, "a line", logger as never), "logged"))
})

/**
 * Connects an SDK v2 client pinned to 2026-07-28 to one session of `server` over an in-memory
 * pair, every message it receives recorded; the server logs with `logger`.
 */
const connectModern = (server: McpServer.McpServer["Service"], logger: Logger.Logger<unknown, unknown>) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([logger]))))
    const client = new ClientV2({ name: "log-messages", version: "2.0.0" }, {
      capabilities: {},
      versionNegotiation: { mode: { pin: "2026-07-28" } as never }
    })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    const { received, record } = recorder()
    const deliver = pair.client.onmessage
    pair.client.onmessage = (message, extra) => {
      record(message)
      deliver?.(message, extra)
    }
    return { client, received }
  })

/**
 * The logs an SDK v1 client receives over Streamable HTTP (the wire is JSON) from a tool running
 * `logging`, on the call's stream, before its answer.
 */
const logsOverHttp = (logging: Effect.Effect<void, never, McpContext.McpRequestContext>) =>
  Effect.gen(function*() {
    const Logging = McpServer.tool({ name: "logging", handler: () => Effect.as(logging, "logged") })
    const { url } = yield* serveOnAnyPort((port) =>
      McpServer.serve({ name: "logging", version: "1" }, Logging, StreamableHttp.make({ host: "127.0.0.1", port })),
      { loggers: [] }
    )
    const client = new Client({ name: "log-messages", version: "1.0.0" }, { capabilities: {} })
    const logs: Array<{ readonly [key: string]: unknown }> = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params))
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
      () => Effect.promise(() => client.close())
    )
    const result = yield* sdk(() => client.callTool({ name: "logging", arguments: {} }))
    assert.deepStrictEqual(result.content, [{ type: "text", text: "logged" }])
    return logs
  })

/**
 * A session of a server whose tool `chatty` runs `logging` and answers "done", over a connection
 * of the test's own whose client, until the call's logging is over, takes none of its output
 * after the handshake (`stuck`) or takes it slowly (`slow`: a write every 300 ms, at most the
 * outbound queue's worth each), and then all of it. The data of the logs it received, the
 * server's warnings, and the call's answer.
 */
const chattySession = (logging: Effect.Effect<void>, client: "stuck" | "slow") =>
  Effect.gen(function*() {
    const logged = yield* Deferred.make<void>()
    const Chatty = McpServer.tool({
      name: "chatty",
      handler: () => Effect.as(Effect.ensuring(logging, Deferred.succeed(logged, undefined)), "done")
    })
    const server = yield* startServer({}, Chatty)
    const input = yield* Queue.unbounded<ReadonlyArray<unknown>>()
    const written: Array<any> = []
    const connection: Connection = {
      read: Effect.map(Queue.take(input), (batch) => [batch]),
      write: (batch) => {
        written.push(...batch.map((outbound) => outbound.message))
        if (written.length <= 1 || Deferred.isDoneUnsafe(logged)) return Effect.void
        return client === "stuck" ? Deferred.await(logged) : Effect.raceFirst(Effect.sleep("300 millis"), Deferred.await(logged))
      }
    }
    const warnings: Array<string> = []
    const capture = Logger.make((entry) => void warnings.push(String(entry.message)))
    yield* Effect.forkScoped(server.run({ open: Effect.succeed(connection) }).pipe(Effect.provide(Logger.layer([capture]))))
    yield* Queue.offer(input, [{ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }])
    yield* Queue.offer(input, [{ jsonrpc: "2.0", method: "notifications/initialized" }, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "chatty", arguments: {} } }])
    yield* Deferred.await(logged)
    for (let i = 0; i < 2_000 && !written.some((message) => message.id === 1); i++) yield* Effect.sleep(10)
    const logs = written.filter((message) => message.method === "notifications/message").map((message) => message.params.data)
    return { logs, warnings, answer: written.find((message) => message.id === 1)?.result?.content }
  })

describe("log messages", () => {
  it.live("a level or logger MCP does not have (untyped code) is the handler's defect (logged), in both eras", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const capture = Logger.make((entry) => void logged.push(`${String(entry.message)} ${Cause.pretty(entry.cause)}`))
      const { client, received } = yield* serveAndConnect(Logs)
      const modern = yield* connectModern(yield* startServer({}, Logs), capture)
      const failed = [{ type: "text", text: "Tool logs failed: internal error" }]
      for (
        const args of [{ level: "warn" }, { level: "WARNING" }, { level: 4 }, { level: "toString" }, { level: "info", logger: 7 }, {
          level: "warn",
          untied: true
        }]
      ) {
        // 2025-11-25: the message went out (and the client refused it: not a level it knows).
        const legacy = yield* sdk(() => client.callTool({ name: "logs", arguments: args }))
        assert.deepStrictEqual([legacy.isError, legacy.content], [true, failed], JSON.stringify(args))
        // 2026-07-28, whether the request asks for logs or not: it was dropped with nothing said.
        for (const meta of [{ [logLevelKey]: "debug" }, {}]) {
          const result = yield* sdk(() => modern.client.callTool({ name: "logs", arguments: args, _meta: meta }))
          assert.deepStrictEqual([result.isError, result.content], [true, failed], JSON.stringify(args))
        }
      }
      assert.isUndefined(received.find((message) => message.method === "notifications/message"))
      assert.isUndefined(modern.received.find((message) => message.method === "notifications/message"))
      assert.isTrue(logged.some((line) => line.includes(`the level must be one of debug, info, notice, warning, error, critical, alert, emergency, got "warn"`)))
      assert.isTrue(logged.some((line) => line.includes("the logger must be a string, got a number")))
      // A level and logger MCP has still logs.
      assert.deepStrictEqual(
        (yield* sdk(() => client.callTool({ name: "logs", arguments: { level: "notice", logger: "db" } }))).content,
        [{ type: "text", text: "logged" }]
      )
      const line = received.find((message) => message.method === "notifications/message")
      assert.deepStrictEqual(line?.params, { level: "notice", logger: "db", data: "a line" })
    }))

  it.live("data JSON has no form for (undefined, a function) goes out as null, not as a message without its data", () =>
    Effect.gen(function*() {
      const logs = yield* logsOverHttp(Effect.gen(function*() {
        yield* McpContext.log("info", "plain")
        yield* McpContext.log("info", undefined)
        yield* McpContext.log("info", () => "a function")
        yield* Effect.log(undefined)
      }))
      // Without its `data` (required), the client refused it.
      assert.deepStrictEqual(logs, [
        { level: "info", data: "plain" },
        { level: "info", data: null },
        { level: "info", data: null },
        { level: "info", data: null }
      ])
    }))

  it.live("data JSON cannot hold (a BigInt, a cycle) or holds as {} (an Error) goes out made JSON, as Effect's structured logs have it", () =>
    Effect.gen(function*() {
      const cycle: { a: number; self?: unknown } = { a: 1 }
      cycle.self = cycle
      const logs = yield* logsOverHttp(Effect.gen(function*() {
        yield* McpContext.log("info", { n: 10n })
        yield* McpContext.log("info", cycle)
        yield* McpContext.log("error", new Error("boom"))
        yield* Effect.logError("failed:", new TypeError("bad input"))
        yield* McpContext.log("info", "the last")
      }))
      // The first two were dropped (the message could not be serialised), the errors sent as {}.
      assert.deepStrictEqual(logs, [
        { level: "info", data: { n: "10n" } },
        { level: "info", data: { a: 1 } },
        { level: "error", data: { name: "Error", message: "boom" } },
        { level: "error", data: ["failed:", { name: "TypeError", message: "bad input" }] },
        { level: "info", data: "the last" }
      ])
    }))

  // Fails before the fix: an Error inside the data (not the whole of it) reached the client as {}
  // (JSON.stringify writes an Error so), the one thing the log was about lost.
  it.live("an Error nested in the data (a field, an array's item, a cause's message) goes out as its name and message", () =>
    Effect.gen(function*() {
      const withCode = Object.assign(new RangeError("too far"), { code: "E_FAR", inner: new Error("below") })
      const logs = yield* logsOverHttp(Effect.gen(function*() {
        yield* McpContext.log("error", { error: new Error("disk full") })
        yield* McpContext.log("error", { errors: [new TypeError("first"), { nested: withCode }], at: new Date(0), n: 1 })
        yield* Effect.logError({ error: new Error("from Effect.log") })
        yield* Effect.logError("failed:", { error: new Error("in a part") }, Cause.fail("why"))
        yield* McpContext.log("info", { plain: { a: [1, "two", null] } })
      }))
      assert.deepStrictEqual(logs, [
        { level: "error", data: { error: { name: "Error", message: "disk full" } } },
        {
          level: "error",
          data: {
            errors: [{ name: "TypeError", message: "first" }, {
              nested: { code: "E_FAR", inner: { name: "Error", message: "below" }, name: "RangeError", message: "too far" }
            }],
            at: "1970-01-01T00:00:00.000Z",
            n: 1
          }
        },
        { level: "error", data: { error: { name: "Error", message: "from Effect.log" } } },
        {
          level: "error",
          data: { message: ["failed:", { error: { name: "Error", message: "in a part" } }], cause: "Error: why" }
        },
        { level: "info", data: { plain: { a: [1, "two", null] } } }
      ])
    }))

  it.live("2026-07-28 over a connection of its own: a request's logs and progress stop with its answer", () =>
    Effect.gen(function*() {
      const answered = yield* Deferred.make<void>()
      const lateSent = yield* Deferred.make<void>()
      // Logs and reports progress before its answer, and (a fiber it forked) after it.
      const Late = McpServer.tool({
        name: "late",
        handler: () =>
          Effect.gen(function*() {
            const context = yield* McpContext.current
            yield* McpContext.log("info", "before the answer")
            yield* McpContext.progress(1)
            yield* Effect.forkDetach(
              Deferred.await(answered).pipe(
                Effect.andThen(McpContext.log("info", "after the answer")),
                Effect.andThen(Effect.logInfo("after the answer, Effect.log")),
                Effect.andThen(context.progress(2)),
                Effect.ensuring(Deferred.succeed(lateSent, undefined))
              )
            )
            return "answered"
          })
      })
      const { client, received } = yield* connectModern(yield* startServer({}, Late), Logger.make(() => undefined))
      const result = yield* sdk(() =>
        client.callTool({ name: "late", arguments: {}, _meta: { [logLevelKey]: "debug" } }, { onprogress: () => undefined })
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: "answered" }])
      yield* Deferred.succeed(answered, undefined)
      yield* Deferred.await(lateSent)
      // Answered after whatever the late fiber sent.
      yield* sdk(() => client.listTools())
      const notifications = received.filter((message) => message.method !== undefined)
      assert.deepStrictEqual(notifications.map((message) => message.params.data ?? message.params.progress), ["before the answer", 1])
      const answer = received.findIndex((message) => message.result?.content?.[0]?.text === "answered")
      assert.isTrue(received.slice(answer).every((message) => message.method === undefined))
    }))

  it.live("2026-07-28 over a connection of its own: a log sent as the handler is called, answered at once, still goes before the answer", () =>
    Effect.gen(function*() {
      const server = LowLevelServer.make({
        serverInfo: { name: "inline", version: "1" },
        handlers: {
          "tools/list": (_params, context) => {
            context.logUnsafe("info", "as it is called")
            return Exit.succeed({ tools: [] })
          }
        }
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server))
      const { received, record, waitFor } = recorder()
      pair.client.onmessage = record
      const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}, [logLevelKey]: "info" }
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta } } as never))
      yield* Effect.promise(() => waitFor((message) => message.id === 1))
      assert.deepStrictEqual(received.map((message) => message.params?.data ?? message.id), ["as it is called", 1])
    }))

  // Fails before the fix: past 1,024 messages beyond the full outbound queue a log was dropped
  // whether or not the client read; over stdio a handler's burst outran the pipe, and its client
  // received 4,093 of the 20,000 lines. (The server logs on stderr, as `Stdio.runMain` has it:
  // its logger's text on stdout, as under `NodeRuntime.runMain`, held the output and lost lines on
  // a loaded machine, 12,859 of 20,000 though the client read every 0.5 s at least.) Failed on a
  // loaded machine too while the session gave the output a second to move: it sees the client's
  // reads over the socket pair only as the kernel lets its writer go on, in steps of ~146 KB, and a
  // client taking a burst at less than that a second (its reads never 0.6 s apart) was taken for
  // one that reads nothing: 16-19k of 20,000 (9 runs of 24); at 5 s, 21 runs of 21 whole.
  it.live("Effect.log in a handler: a burst its client takes (20,000 lines over stdio) reaches it whole, in order, before the answer", () =>
    Effect.gen(function*() {
      const lines = 20_000
      const client = new Client({ name: "log-messages", version: "1.0.0" }, { capabilities: {} })
      const logs: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params.data))
      const server = fileURLToPath(new URL("../fixtures/chatty-stdio-server.ts", import.meta.url))
      yield* Effect.acquireRelease(
        Effect.promise(() =>
          client.connect(
            new StdioClientTransport({ command: process.execPath, args: [server], env: withCompileCache({ PATH: process.env.PATH ?? "" }), stderr: "ignore" })
          )
        ),
        () => Effect.promise(() => client.close())
      )
      const result = yield* sdk(() => client.callTool({ name: "chatty", arguments: { lines } }, undefined, { timeout: 60_000 }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "done" }])
      assert.strictEqual(logs.length, lines)
      assert.isTrue(logs.every((data, i) => data === `line ${i}`))
    }), 90_000)

  // Fails before the fix: the session judged the client's reading by the writes it finished, and
  // one write of long answers (36 MiB) does not finish while the client reads it (SDK v1 took
  // over 2 s here): a handler's logs past 1,024 beyond the outbound queue were dropped once that
  // write had lasted a second (3,600 of 5,000 received), though the client read all the time.
  it.live("Effect.log in a handler while its client reads long answers (4 x 9 MiB over stdio): every line reaches it", () =>
    Effect.gen(function*() {
      const lines = 5_000
      const client = new Client({ name: "log-messages", version: "1.0.0" }, { capabilities: {} })
      const logs: Array<unknown> = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params.data))
      const server = fileURLToPath(new URL("../fixtures/big-and-chatty-server.ts", import.meta.url))
      yield* Effect.acquireRelease(
        Effect.promise(() =>
          client.connect(
            new StdioClientTransport({ command: process.execPath, args: [server], env: withCompileCache({ PATH: process.env.PATH ?? "" }), stderr: "ignore" })
          )
        ),
        () => Effect.promise(() => client.close())
      )
      const options = { timeout: 60_000 }
      const [chatty, ...bigs] = yield* sdk(() =>
        Promise.all([
          // Logs from 100 ms on, for 2.5 s at least: while the long answers are read.
          client.callTool({ name: "chatty", arguments: { lines, afterMillis: 100, pauseMillis: 50 } }, undefined, options),
          ...Array.from({ length: 4 }, () => client.callTool({ name: "big", arguments: { mib: 9 } }, undefined, options))
        ])
      )
      assert.deepStrictEqual(chatty!.content, [{ type: "text", text: "done" }])
      assert.deepStrictEqual(bigs.map((big) => (big.content as Array<{ text: string }>)[0]!.text.length), [1, 2, 3, 4].map(() => 9 * 1024 * 1024))
      assert.strictEqual(logs.length, lines)
      assert.isTrue(logs.every((data, i) => data === `line ${i}`))
    }), 90_000)

  it.live("Effect.log in a handler whose client takes none of its output: past 5 s, what waits is bounded (the rest dropped, said once)", () =>
    Effect.gen(function*() {
      const { logs, warnings, answer } = yield* chattySession(
        Effect.gen(function*() {
          // The bridge is synchronous (Effect's logger): it cannot wait for room.
          // More than the client took and the outbound queue holds: some wait beyond it.
          for (let i = 0; i < 5_000; i++) yield* Effect.log(`line ${i}`)
          // The output has not moved for longer than the bound allows (5 s: see `stalledOutputMillis`).
          yield* Effect.sleep("5500 millis")
          for (let i = 0; i < 20_000; i++) yield* Effect.log(`late ${i}`)
        }),
        "stuck"
      )
      // Every line waited (20,000 messages held for a client that does not read); now of those
      // that came once the output had stood still, only what fits within the bound (1,024
      // beyond the outbound queue, some of which the first lines may hold).
      const late = logs.filter((data) => String(data).startsWith("late "))
      assert.isAtMost(late.length, 1_024)
      assert.deepStrictEqual(logs.slice(0, 5_000), Array.from({ length: 5_000 }, (_, i) => `line ${i}`))
      assert.deepStrictEqual(answer, [{ type: "text", text: "done" }])
      assert.strictEqual(warnings.filter((line) => line.includes("log messages are dropped")).length, 1)
    }), 30_000)

  it.live("Effect.log in a handler whose client takes its output slowly: what waits is bounded all the same", () =>
    Effect.gen(function*() {
      const lines = 150_000
      const { logs, warnings, answer } = yield* chattySession(
        Effect.gen(function*() {
          for (let i = 0; i < lines; i++) yield* Effect.log(`line ${i}`)
        }),
        "slow"
      )
      // Some were dropped (past 65,536 waiting), though the client kept taking some.
      assert.isAbove(logs.length, 64 * 1024)
      assert.isBelow(logs.length, lines)
      assert.deepStrictEqual(logs.slice(0, 3), ["line 0", "line 1", "line 2"])
      assert.deepStrictEqual(answer, [{ type: "text", text: "done" }])
      assert.strictEqual(warnings.filter((line) => line.includes("log messages are dropped")).length, 1)
    }), 60_000)
})
