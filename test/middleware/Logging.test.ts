/**
 * Logging middleware: one annotated line per request (method, ids, duration, outcome, error
 * code), at the configured levels, with optional redacted params; recorded by a test logger
 * given to the server run.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import { maxLoggedMessage } from "../../src/internal/loggedCause.ts"
import * as ErrorMapping from "../../src/middleware/builtin/ErrorMapping.ts"
import * as Logging from "../../src/middleware/builtin/Logging.ts"
import { InMemory, McpContext, McpServer, type Middleware, StreamableHttp } from "../../src/index.ts"
import { initializeMessage, post, serveOnAnyPort } from "../http/support.ts"
import * as Logger from "effect/Logger"
import { startServer } from "../server/McpServerHarness.ts"
import { captureLogs, connectRawTo, eventually, type LogEntry, sdk, sdkError, serve } from "./builtinHarness.ts"

class Busy extends Schema.TaggedError<Busy>()("Busy", { retryAfter: Schema.Number }) {}

const Echo = McpServer.tool({
  name: "echo",
  parameters: { text: Schema.String, password: Schema.optionalKey(Schema.String) },
  handler: ({ text }) => Effect.succeed(text)
})
const Fails = McpServer.tool({
  name: "fails",
  failure: Busy,
  handler: () => Effect.fail(new Busy({ retryAfter: 1 }))
})
const Slow = McpServer.tool({
  name: "slow",
  parameters: { millis: Schema.Number },
  handler: ({ millis }) => Effect.as(Effect.sleep(millis), "done")
})
const Broken = McpServer.resource({
  uri: "test://broken",
  name: "broken",
  read: Effect.die(new Error("disk on fire"))
})
const All = Layer.mergeAll(Echo, Fails, Slow, Broken)

/** The request lines of the middleware (other lines, e.g. the session's own, have no outcome). */
const requestLines = (entries: ReadonlyArray<LogEntry>, method?: string) =>
  entries.filter((entry) => entry.annotations.outcome !== undefined && (method === undefined || entry.annotations.method === method))

describe("Logging middleware", () => {
  it.live("logs one line per request with method, ids, duration and outcome", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [Logging.middleware()], [logger])
      yield* sdk(() => client.callTool({ name: "slow", arguments: { millis: 60 } }))
      yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      const lines = requestLines(entries, "tools/call")
      assert.strictEqual(lines.length, 2)
      const [slow, echo] = lines as [LogEntry, LogEntry]
      assert.strictEqual(slow.level, "Info")
      assert.strictEqual(slow.message, "tools/call success")
      assert.strictEqual(slow.annotations.outcome, "success")
      assert.isNumber(slow.annotations.requestId)
      assert.notStrictEqual(slow.annotations.requestId, echo.annotations.requestId)
      assert.isString(slow.annotations.sessionId)
      assert.isAbove((slow.annotations.sessionId as string).length, 0)
      assert.strictEqual(slow.annotations.sessionId, echo.annotations.sessionId)
      assert.isAtLeast(slow.annotations.durationMillis as number, 50)
      assert.isBelow(echo.annotations.durationMillis as number, 50)
      assert.isFalse("errorCode" in slow.annotations)
      assert.isFalse("params" in slow.annotations)
      // initialize went through the middleware too
      assert.strictEqual(requestLines(entries, "initialize").length, 1)
    }))

  it.live("a declared tool failure is a tool-error at warning level", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [Logging.middleware()], [logger])
      const result = yield* sdk(() => client.callTool({ name: "fails", arguments: {} }))
      assert.isTrue(result.isError)
      const [line] = requestLines(entries, "tools/call")
      assert.strictEqual(line?.level, "Warn")
      assert.strictEqual(line?.annotations.outcome, "tool-error")
      assert.strictEqual(line?.message, "tools/call tool-error")
    }))

  it.live("a JSON-RPC error is logged at warning level with its code and message", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [Logging.middleware()], [logger])
      const error = yield* sdkError(() => client.callTool({ name: "nope", arguments: {} }))
      assert.strictEqual(error.code, -32602)
      const [line] = requestLines(entries, "tools/call")
      assert.strictEqual(line?.level, "Warn")
      assert.strictEqual(line?.annotations.outcome, "error")
      assert.strictEqual(line?.annotations.errorCode, -32602)
      assert.strictEqual(line?.annotations.errorMessage, "Unknown tool: nope")
      assert.strictEqual(line?.cause, "")
    }))

  it.live("an internal error (a defect) is logged at error level; its cause once, by the server", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [Logging.middleware()], [logger])
      const error = yield* sdkError(() => client.readResource({ uri: "test://broken" }))
      assert.strictEqual(error.code, -32603)
      const [line] = requestLines(entries, "resources/read")
      assert.strictEqual(line?.level, "Error")
      assert.strictEqual(line?.annotations.errorCode, -32603)
      // The session logs the cause of a masked -32603 itself: not repeated on the request's line.
      yield* eventually(() => entries.some((entry) => entry.message === "effect-mcp-server: resources/read failed"))
      const withCause = entries.filter((entry) => entry.cause.includes("disk on fire"))
      assert.deepStrictEqual(withCause.map((entry) => [entry.level, entry.message]), [
        ["Error", "effect-mcp-server: resources/read failed"]
      ])
    }))

  // A 2025-era prompt's or resource's handler that needs a capability the client did not declare
  // (`ClientCapabilityMissing`, failed or made a defect) is answered -32603 naming it: the client's
  // fault (`McpError.clientFault`), which the session does not log. Fails before: logged at Error
  // level with the whole cause, as the server's failure.
  const clientFaultLogged = (middlewares: ReadonlyArray<Middleware.Middleware>) =>
    Effect.gen(function*() {
      const ask = McpContext.elicit("Tone?", Schema.Struct({ tone: Schema.String })).pipe(
        Effect.map((answer) => (answer.action === "accept" ? answer.content.tone : "neutral"))
      )
      const Styled = Layer.mergeAll(
        McpServer.prompt({ name: "styled", handler: () => Effect.map(Effect.orDie(ask), (tone) => `Write ${tone}.`) }),
        McpServer.resource({ uri: "style://tone", name: "tone", read: Effect.orDie(ask) })
      )
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(Styled, middlewares, [logger])
      const prompt = yield* sdkError(() => client.getPrompt({ name: "styled", arguments: {} }))
      const resource = yield* sdkError(() => client.readResource({ uri: "style://tone" }))
      for (const error of [prompt, resource]) {
        assert.strictEqual(error.code, -32603)
        assert.include(error.message, "elicitation")
      }
      for (const method of ["prompts/get", "resources/read"]) {
        const [line] = requestLines(entries, method)
        assert.strictEqual(line?.level, "Warn", method)
        assert.strictEqual(line?.annotations.errorCode, -32603)
        assert.include(line?.annotations.errorMessage as string, "elicitation")
        assert.strictEqual(line?.cause, "", method)
      }
      assert.deepStrictEqual(entries.filter((entry) => entry.level === "Error").map((entry) => entry.message), [])
    })
  it.live("a 2025-era client's missing capability (-32603 naming it) is its fault: failure level, no cause", () =>
    clientFaultLogged([Logging.middleware()]))

  // `ErrorMapping` inside `Logging` answers the client's fault as the session would (the -32603
  // naming the capability, `McpError.clientFault`), as a typed failure: still the client's fault.
  // Fails before: logged at Error level with its cause (the typed failure hid it from
  // `McpError.isClientFault`).
  it.live("the same under ErrorMapping (inside Logging): failure level, no cause", () =>
    clientFaultLogged([Logging.middleware(), ErrorMapping.middleware()]))

  // A failure that looks like the client's invalid answer but whose fields cannot be read (a
  // `method` whose text throws) is no client's fault to `McpError.clientFault`: the masked -32603,
  // its cause logged by the session. Fails before: `isClientFault` read the tag only, and the line
  // said Warn, the client's fault, for what the session answered as the server's failure.
  it.live("isClientFault agrees with clientFault: a failure whose fields cannot be read is the server's", () =>
    Effect.gen(function*() {
      const unreadable = {
        _tag: "ClientResultInvalid",
        message: "bad answer",
        method: {
          toString: () => {
            throw new Error("unreadable")
          }
        }
      }
      const Odd = McpServer.prompt({ name: "odd", handler: () => Effect.die(unreadable) })
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(Odd, [Logging.middleware()], [logger])
      const error = yield* sdkError(() => client.getPrompt({ name: "odd", arguments: {} }))
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Internal error")
      const [line] = requestLines(entries, "prompts/get")
      assert.strictEqual(line?.level, "Error")
      assert.strictEqual(line?.annotations.errorMessage, "Internal error")
    }))

  it.live("a defect with a 5 MB message is logged once, its message clipped to 4 KB", () =>
    Effect.gen(function*() {
      const huge = `disk on fire: ${"x".repeat(5 * 1024 * 1024)}`
      const Dies = McpServer.tool({ name: "dies", handler: () => Effect.die(new Error(huge)) })
      const Melts = McpServer.resource({ uri: "test://melts", name: "melts", read: Effect.die(new Error(huge)) })
      for (const middleware of [[], [Logging.middleware()]]) {
        const { entries, logger } = captureLogs()
        const { client } = yield* serve(Layer.merge(Dies, Melts), middleware, [logger])
        const result = yield* sdk(() => client.callTool({ name: "dies", arguments: {} }))
        assert.isTrue(result.isError)
        const error = yield* sdkError(() => client.readResource({ uri: "test://melts" }))
        assert.strictEqual(error.code, -32603)
        yield* eventually(() => entries.some((entry) => entry.message === "effect-mcp-server: resources/read failed"))
        const withCause = entries.filter((entry) => entry.cause.includes("disk on fire"))
        // Fails before: with the middleware, the resource's defect twice (its line and the session's)
        assert.deepStrictEqual(withCause.map((entry) => entry.message), [
          "effect-mcp-server: tool dies failed",
          "effect-mcp-server: resources/read failed"
        ], `${middleware.length} middleware`)
        for (const entry of withCause) {
          // Fails before: 5 MB
          assert.include(entry.cause, `(${huge.length - maxLoggedMessage} more characters)`)
          assert.isBelow(entry.cause.length, 16 * 1024)
        }
      }
    }))

  it.live("a cancelled request is logged as cancelled", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [Logging.middleware()], [logger])
      const controller = new AbortController()
      const call = client.callTool({ name: "slow", arguments: { millis: 10_000 } }, undefined, { signal: controller.signal })
      call.catch(() => undefined)
      yield* Effect.sleep(50)
      controller.abort("changed my mind")
      yield* eventually(() => requestLines(entries, "tools/call").length > 0)
      const [line] = requestLines(entries, "tools/call")
      assert.strictEqual(line?.annotations.outcome, "cancelled")
      assert.strictEqual(line?.level, "Info")
      assert.isBelow(line?.annotations.durationMillis as number, 5_000)
    }))

  it.live("includeParams logs the params, redacted", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [
        Logging.middleware({ includeParams: true, redact: Logging.redactKeys("password") })
      ], [logger])
      yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi", password: "hunter2" } }))
      const [line] = requestLines(entries, "tools/call")
      assert.deepStrictEqual(line?.annotations.params, {
        name: "echo",
        arguments: { text: "hi", password: "[redacted]" }
      })
    }))

  it.live("params nested thousands of levels deep: answered as without the middleware, the line logged, the params not walked", () =>
    Effect.gen(function*() {
      let deep: unknown = "bottom"
      for (let i = 0; i < 20_000; i++) deep = [deep]
      const params = { name: "echo", arguments: { text: "hi", extra: deep } }
      const answer = (middleware: ReadonlyArray<Middleware.Middleware>, logger: Logger.Logger<unknown, unknown>) =>
        Effect.gen(function*() {
          const server = yield* startServer({}, Layer.merge(All, McpServer.middleware(...middleware)))
          const raw = yield* connectRawTo((transport) => server.run(transport).pipe(Effect.provide(Logger.layer([logger]))))
          return yield* Effect.promise(() => raw.request(1, "tools/call", params))
        }).pipe(Effect.scoped)
      const { logger: silent } = captureLogs()
      const expected = yield* answer([], silent)
      assert.deepStrictEqual(expected.result?.content, [{ type: "text", text: "hi" }])
      // With redactKeys (which recursed), and with a logger that writes JSON (as Logger.consoleJson).
      const { entries, logger } = captureLogs()
      const json: Array<string> = []
      const jsonLogger = Logger.make((options) => {
        json.push(JSON.stringify(options.fiber.getRef(References.CurrentLogAnnotations)))
      })
      const redacted = Logging.middleware({ includeParams: true, redact: Logging.redactKeys("password") })
      // Fails before: -32603 Internal error (a stack overflow), and no line logged.
      assert.deepStrictEqual(yield* answer([redacted], logger), expected)
      assert.deepStrictEqual(yield* answer([Logging.middleware({ includeParams: true })], jsonLogger), expected)
      const [line] = requestLines(entries, "tools/call")
      assert.strictEqual(line?.annotations.outcome, "success")
      assert.strictEqual(line?.annotations.params, Logging.paramsTooDeep)
      const jsonLine = json.map((text) => JSON.parse(text)).find((annotations) => annotations.method === "tools/call")
      assert.strictEqual(jsonLine?.params, Logging.paramsTooDeep)
    }))

  it("redactKeys replaces what nests deeper than maxParamsDepth levels (it recursed: a stack overflow)", () => {
    let deep: unknown = { password: "hunter2" }
    for (let i = 0; i < 20_000; i++) deep = { inner: deep }
    const redacted = Logging.redactKeys("password")({ password: "p", deep }) as { readonly [key: string]: any }
    assert.strictEqual(redacted.password, "[redacted]")
    let level = redacted.deep
    for (let depth = 2; depth <= Logging.maxParamsDepth; depth++) level = level.inner
    assert.strictEqual(level, Logging.paramsTooDeep)
  })

  it.live("a redact that throws logs redactFailed as the params; the request keeps its answer", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const redact = (params: unknown) => {
        if ((params as { readonly arguments?: { readonly text?: unknown } })?.arguments?.text === "boom") throw new Error("secret: hunter2")
        return params
      }
      const { client } = yield* serve(All, [Logging.middleware({ includeParams: true, redact })], [logger])
      // Fails before: -32603 Internal error, and no line for the call.
      const result = yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "boom" } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "boom" }])
      const [line] = requestLines(entries, "tools/call")
      assert.strictEqual(line?.annotations.outcome, "success")
      assert.strictEqual(line?.annotations.params, Logging.redactFailed)
      assert.isFalse(entries.some((entry) => JSON.stringify(entry).includes("hunter2")))
    }))

  it.live("a client's long method name and string id are clipped in the line, as error messages quote them", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const server = yield* startServer({}, Layer.merge(All, McpServer.middleware(Logging.middleware())))
      const pair = InMemory.makePair()
      const answers: Array<any> = []
      pair.client.onmessage = (message: any) => void answers.push(message)
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([logger]))))
      yield* Effect.promise(() => pair.client.send(initializeMessage(0) as never))
      yield* eventually(() => answers.length === 1)
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
      const method = `x/${"m".repeat(1_000_000)}`
      const id = "i".repeat(1_000_000)
      yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", id, method } as never))
      yield* eventually(() => answers.length === 2)
      assert.strictEqual(answers[1].error?.code, -32601)
      const [line] = entries.filter((entry) => entry.annotations.outcome === "error")
      // Fails before: 1,000,002 characters, twice
      assert.isBelow(line!.message.length, 300)
      assert.strictEqual(line!.annotations.method, `${method.slice(0, 200)}… (${method.length - 200} more characters)`)
      assert.strictEqual(line!.message, `${line!.annotations.method} error`)
      assert.strictEqual(line!.annotations.requestId, `${id.slice(0, 200)}… (${id.length - 200} more characters)`)
    }))

  it.live("over stateless HTTP, the line carries the id the client gave its request (not the endpoint's own)", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "logged", version: "1.0.0", middleware: [Logging.middleware()] },
          All,
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true, responseMode: "json" })
        ),
        { loggers: [logger] }
      )
      const call = { name: "echo", arguments: { text: "hi" } }
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" }
      }
      const modern = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "modern-7", method: "tools/call", params: { ...call, _meta: meta } }, {
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "echo"
        }).then((response) => response.json() as Promise<{ readonly id: unknown }>)
      )
      assert.strictEqual(modern.id, "modern-7")
      // 2025-11-25 on a stateless server: one request, and one of a batch (2025-03-26).
      const legacy = yield* Effect.promise(() =>
        post(url, { jsonrpc: "2.0", id: "legacy-42", method: "tools/call", params: call }, { "mcp-protocol-version": "2025-11-25" })
          .then((response) => response.json() as Promise<{ readonly id: unknown }>)
      )
      assert.strictEqual(legacy.id, "legacy-42")
      const batch = yield* Effect.promise(() =>
        post(url, [{ jsonrpc: "2.0", id: "batched-3", method: "tools/call", params: call }], { "mcp-protocol-version": "2025-03-26" })
          .then((response) => response.json() as Promise<ReadonlyArray<{ readonly id: unknown }>>)
      )
      assert.deepStrictEqual(batch.map((answer) => answer.id), ["batched-3"])
      yield* eventually(() => requestLines(entries, "tools/call").length === 3)
      // Fails before: the stateless endpoint's own ids (1, 2, 3), which the clients never saw
      assert.deepStrictEqual(
        requestLines(entries, "tools/call").map((line) => line.annotations.requestId),
        ["modern-7", "legacy-42", "batched-3"]
      )
    }))

  it.live("levels are configurable", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const { client } = yield* serve(All, [Logging.middleware({ level: "Warn", failureLevel: "Error" })], [logger])
      yield* sdk(() => client.callTool({ name: "echo", arguments: { text: "hi" } }))
      yield* sdk(() => client.callTool({ name: "fails", arguments: {} }))
      assert.deepStrictEqual(requestLines(entries, "tools/call").map((line) => line.level), ["Warn", "Error"])
    }))

  it("refuses a level or an option no type checked, naming it, when it is made", () => {
    const make = (config: unknown) => () => Logging.middleware(config as Logging.Config)
    // Fails before: made, and every line logged at "info" was printed by no logger (all lost).
    assert.throws(make({ level: "info" }), TypeError, `Logging: level must be one of "Fatal", "Error", "Warn", "Info", "Debug", "Trace", not "info"`)
    assert.throws(make({ failureLevel: "Warning" }), TypeError, "Logging: failureLevel must be one of")
    assert.throws(make({ defectLevel: 3 }), TypeError, "Logging: defectLevel must be one of")
    assert.throws(make({ includeParams: "true" }), TypeError, "Logging: includeParams must be true or false, not \"true\"")
    assert.throws(make({ redact: ["password"] }), TypeError, "Logging: redact must be a function, not an array")
    assert.throws(make(null), TypeError, "Logging: the configuration must be an object, not null")
    Logging.middleware({ level: "Debug", failureLevel: "Error", defectLevel: "Fatal", includeParams: false, redact: Logging.redactKeys("x") })
  })

  it("redactKeys replaces the named keys at any depth and leaves the rest", () => {
    const redact = Logging.redactKeys("token", "secret")
    assert.deepStrictEqual(
      redact({ a: 1, token: "t", nested: [{ secret: { deep: 1 }, keep: "k" }], n: null }),
      { a: 1, token: "[redacted]", nested: [{ secret: "[redacted]", keep: "k" }], n: null }
    )
  })

  it("outcomeOf classifies exits", () => {
    assert.strictEqual(Logging.outcomeOf(Exit.succeed({ content: [] })), "success")
    assert.strictEqual(Logging.outcomeOf(Exit.succeed({ content: [], isError: true })), "tool-error")
    assert.strictEqual(Logging.outcomeOf(Exit.fail("nope")), "error")
    assert.strictEqual(Logging.outcomeOf(Exit.die("boom")), "error")
    assert.strictEqual(Logging.outcomeOf(Exit.interrupt(1)), "cancelled")
  })
})
