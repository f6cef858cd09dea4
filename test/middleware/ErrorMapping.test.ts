/**
 * ErrorMapping middleware: failures that are not McpErrors (leaking from a low-level handler)
 * mapped by `map`, unmapped ones and defects answered with a masked (or, on request, the real)
 * -32603 and logged with their cause; McpErrors and successes untouched.
 */
import { CreateTaskResultSchema, ReadResourceResultSchema } from "@modelcontextprotocol/sdk/types.js"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { maxLoggedMessage } from "../../src/internal/loggedCause.ts"
import * as ErrorMapping from "../../src/middleware/builtin/ErrorMapping.ts"
import { McpError, McpServer, type Middleware } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { startServer } from "../server/McpServerHarness.ts"
import { captureLogs, connectTo, sdk, sdkError, serve, serveLowLevel } from "./builtinHarness.ts"

class Busy extends Schema.TaggedError<Busy>()("Busy", { retryAfter: Schema.Number }) {}

/** What the low-level `resources/read` handler does, by URI; failures leak past the McpError type. */
const leak = (effect: Effect.Effect<unknown, unknown>) => effect as Effect.Effect<never, McpError.McpError>
const behaviours: Record<string, Effect.Effect<unknown, McpError.McpError>> = {
  "test://ok": Effect.succeed({ contents: [{ uri: "test://ok", text: "fine" }] }),
  "test://busy": leak(Effect.fail(new Busy({ retryAfter: 1 }))),
  "test://busy-later": leak(Effect.andThen(Effect.sleep(5), Effect.fail(new Busy({ retryAfter: 2 })))),
  "test://mystery": leak(Effect.fail({ _tag: "Mystery", message: "secret detail" })),
  "test://die": Effect.die(new Error("kaboom")),
  "test://die-later": Effect.andThen(Effect.sleep(5), Effect.die(new Error("kaboom later"))),
  "test://invalid": Effect.fail(McpError.invalidParams("bad uri"))
}

const read = (params: { readonly uri: string }): Effect.Effect<any, McpError.McpError> =>
  behaviours[params.uri] ?? Effect.fail(McpError.resourceNotFound(params.uri))

/** A low-level server whose `resources/read` does what `behaviours` say, under `middleware`. */
const lowLevel = (middleware: ReadonlyArray<Middleware.Middleware> = []) =>
  LowLevelServer.make({
    serverInfo: { name: "error-mapping-test", version: "1.0.0" },
    handlers: { "resources/read": read },
    middleware
  })

const withMiddleware = (config?: ErrorMapping.Config) => lowLevel([ErrorMapping.middleware(config)])

const busyMap = ErrorMapping.byTag({
  Busy: (error: Busy) => new McpError.JsonRpcError({ code: 1001, message: `busy, retry after ${error.retryAfter} s` })
})

describe("ErrorMapping middleware", () => {
  it.live("maps a leaked domain failure with map (synchronous and not)", () =>
    Effect.gen(function*() {
      const client = yield* serveLowLevel(withMiddleware({ map: busyMap }))
      const now = yield* sdkError(() => client.readResource({ uri: "test://busy" }))
      assert.strictEqual(now.code, 1001)
      assert.include(now.message, "busy, retry after 1 s")
      const later = yield* sdkError(() => client.readResource({ uri: "test://busy-later" }))
      assert.strictEqual(later.code, 1001)
      assert.include(later.message, "busy, retry after 2 s")
    }))

  it.live("an unmapped failure is a masked -32603, logged with its cause", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const asked: Array<unknown> = []
      const map = (error: unknown) => {
        asked.push(error)
        return busyMap(error)
      }
      const client = yield* serveLowLevel(withMiddleware({ map }), [logger])
      const error = yield* sdkError(() => client.readResource({ uri: "test://mystery" }))
      assert.deepStrictEqual(asked, [{ _tag: "Mystery", message: "secret detail" }])
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Internal error")
      assert.notInclude(error.message, "secret detail")
      const logged = entries.filter((entry) => entry.cause !== "")
      assert.strictEqual(logged.length, 1)
      assert.strictEqual(logged[0]?.level, "Error")
      assert.strictEqual(logged[0]?.message, "effect-mcp-server: resources/read failed")
      assert.include(logged[0]?.cause, "secret detail")
    }))

  it.live("a defect is masked by default, with a configurable message", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const client = yield* serveLowLevel(withMiddleware({ defectMessage: "Something broke" }), [logger])
      const error = yield* sdkError(() => client.readResource({ uri: "test://die" }))
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "Something broke")
      assert.notInclude(error.message, "kaboom")
      assert.include(entries.find((entry) => entry.cause !== "")?.cause, "kaboom")
    }))

  it.live("maskDefects: false answers with the real message", () =>
    Effect.gen(function*() {
      const client = yield* serveLowLevel(withMiddleware({ maskDefects: false }))
      const died = yield* sdkError(() => client.readResource({ uri: "test://die-later" }))
      assert.strictEqual(died.code, -32603)
      assert.include(died.message, "kaboom later")
      const failed = yield* sdkError(() => client.readResource({ uri: "test://mystery" }))
      assert.include(failed.message, "Mystery: secret detail")
    }))

  it.live("McpErrors and successes pass untouched, and map never sees them", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const client = yield* serveLowLevel(withMiddleware({
        map: (error) => {
          seen.push(error)
          return undefined
        }
      }))
      const invalid = yield* sdkError(() => client.readResource({ uri: "test://invalid" }))
      assert.strictEqual(invalid.code, -32602)
      assert.include(invalid.message, "bad uri")
      const missing = yield* sdkError(() => client.readResource({ uri: "test://missing" }))
      assert.strictEqual(missing.code, -32002)
      const ok = yield* sdk(() => client.readResource({ uri: "test://ok" }))
      assert.deepStrictEqual(ok.contents, [{ uri: "test://ok", text: "fine" }])
      assert.deepStrictEqual(seen, [])
    }))

  it.live("without the middleware, the same leak is an unmapped -32603 (control)", () =>
    Effect.gen(function*() {
      const client = yield* serveLowLevel(lowLevel())
      const error = yield* sdkError(() => client.readResource({ uri: "test://busy" }))
      assert.strictEqual(error.code, -32603)
    }))

  it.live("an McpServer resource whose read dies: real message when unmasked, logged once", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const Dies = McpServer.resource({
        uri: "test://dies",
        name: "dies",
        read: Effect.andThen(Effect.sleep(1), Effect.die(new Error("resource exploded")))
      })
      const { client } = yield* serve(Dies, [ErrorMapping.middleware({ maskDefects: false })], [logger])
      const error = yield* sdkError(() => client.readResource({ uri: "test://dies" }))
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "resource exploded")
      assert.strictEqual(entries.filter((entry) => entry.cause.includes("resource exploded")).length, 1)
    }))

  it.live("maskDefects: false: a defect or a failure with a 5 MB message is answered clipped to 4 KB", () =>
    Effect.gen(function*() {
      const huge = `resource exploded: ${"x".repeat(5 * 1024 * 1024)}`
      const Dies = McpServer.resource({ uri: "test://dies", name: "dies", read: Effect.die(new Error(huge)) })
      const Fails = McpServer.resource({ uri: "test://fails", name: "fails", read: leak(Effect.fail(huge)) })
      const { client } = yield* serve(Layer.merge(Dies, Fails), [ErrorMapping.middleware({ maskDefects: false })])
      for (const uri of ["test://dies", "test://fails"]) {
        const error = yield* sdkError(() => client.readResource({ uri }))
        assert.strictEqual(error.code, -32603)
        assert.include(error.message, "resource exploded: xxx")
        // Fails before: the 5 MB message
        assert.include(error.message, `(${huge.length - maxLoggedMessage} more characters)`, uri)
        assert.isBelow(error.message.length, maxLoggedMessage + 200, uri)
      }
    }))

  it.live("a read run as a task (2025-11-25) is mapped as the same read answered directly: tasks/result answers the mapped error, the unmasked defect, and logs the cause", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const components = Layer.mergeAll(
        McpServer.resource({ uri: "test://busy", name: "busy", taskSupport: "optional", read: leak(Effect.andThen(Effect.sleep(5), Effect.fail(new Busy({ retryAfter: 3 })))) }),
        McpServer.resource({ uri: "test://dies", name: "dies", taskSupport: "optional", read: Effect.andThen(Effect.sleep(5), Effect.die(new Error("task kaboom"))) }),
        McpServer.prompt({ name: "busy", taskSupport: "optional", handler: () => leak(Effect.fail(new Busy({ retryAfter: 4 }))) }),
        McpServer.middleware(ErrorMapping.middleware({ map: busyMap, maskDefects: false }))
      )
      const server = yield* startServer({ name: "error-mapping-tasks", version: "1.0.0", tasks: McpServer.tasks() }, components)
      const client = yield* connectTo((transport) => server.run(transport), [logger])
      const asTask = (method: "resources/read" | "prompts/get", params: Record<string, unknown>) =>
        Effect.flatMap(
          sdk(() => client.request({ method, params } as never, CreateTaskResultSchema, { task: {} })),
          (created) => sdkError(() => client.experimental.tasks.getTaskResult(created.task.taskId, ReadResourceResultSchema))
        )
      const direct = yield* sdkError(() => client.readResource({ uri: "test://busy" }))
      assert.strictEqual(direct.code, 1001)
      // Fails before: -32603 "Internal error" (the task's outcome never went through the mapping)
      const busy = yield* asTask("resources/read", { uri: "test://busy" })
      assert.strictEqual(busy.code, 1001)
      assert.include(busy.message, "busy, retry after 3 s")
      const prompt = yield* asTask("prompts/get", { name: "busy" })
      assert.strictEqual(prompt.code, 1001)
      assert.include(prompt.message, "busy, retry after 4 s")
      const died = yield* asTask("resources/read", { uri: "test://dies" })
      assert.strictEqual(died.code, -32603)
      assert.include(died.message, "task kaboom")
      const logged = entries.filter((entry) => entry.cause.includes("task kaboom"))
      assert.strictEqual(logged.length, 1)
      assert.strictEqual(logged[0]?.message, "effect-mcp-server: resources/read failed")
    }))

  it.live("a map that throws leaves the failure unmapped: the defectMessage answers, and the log has the failure with the map's defect", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const map = (error: unknown) => {
        if ((error as { readonly retryAfter?: unknown }).retryAfter === 2) return "not an McpError" as never
        throw new Error("the map itself broke")
      }
      const client = yield* serveLowLevel(withMiddleware({ map, defectMessage: "Something broke" }), [logger])
      for (const uri of ["test://busy", "test://busy-later"]) {
        entries.length = 0
        const error = yield* sdkError(() => client.readResource({ uri }))
        assert.strictEqual(error.code, -32603, uri)
        // Fails before: "Internal error" (the map's throw was a defect of the hook; its return went out as the failure)
        assert.include(error.message, "Something broke", uri)
        const logged = entries.filter((entry) => entry.cause !== "")
        assert.strictEqual(logged.length, 1, uri)
        assert.strictEqual(logged[0]?.message, "effect-mcp-server: resources/read failed", uri)
        // Fails before: only the map's defect was logged, not the failure it was given
        assert.include(logged[0]?.cause, "Busy", uri)
      }
      assert.include(entries.find((entry) => entry.cause.includes("Busy"))?.cause, "not an McpError")
    }))

  it.live("an error no client can read (a code that is no integer, a message that is no string) is a -32603 the client gets, logged (was: dropped by the client, which waited)", () =>
    Effect.gen(function*() {
      const { entries, logger } = captureLogs()
      const server = LowLevelServer.make({
        serverInfo: { name: "error-mapping-test", version: "1.0.0" },
        handlers: {
          "resources/read": (params) =>
            params.uri === "test://fraction"
              ? Effect.fail(new McpError.JsonRpcError({ code: 1001.5, message: "a code from a computation" }))
              : leak(Effect.fail({ _tag: "NotFound", id: 7 }))
        },
        // `e.message` is `any`: the leaked failure has none.
        middleware: [ErrorMapping.middleware({ map: ErrorMapping.byTag({ NotFound: (e) => McpError.invalidParams(e.message) }) })]
      })
      const client = yield* serveLowLevel(server, [logger])
      for (const uri of ["test://fraction", "test://not-found"]) {
        // Fails before: -32001 "Request timed out" (the SDK client refused the answer)
        const error = yield* sdkError(() => client.readResource({ uri }, { timeout: 2_000 }))
        assert.strictEqual(error.code, -32603, uri)
        assert.include(error.message, "Internal error", uri)
      }
      const logged = entries.filter((entry) => entry.cause !== "").map((entry) => entry.cause)
      assert.strictEqual(logged.length, 2)
      assert.include(logged[0], "a code from a computation")
      assert.include(logged[1], "InvalidParams")
    }))

  it.live("a failure whose properties cannot be read (a revoked Proxy) is a -32603 and the session goes on, with the middleware or without (was: the session ended)", () =>
    Effect.gen(function*() {
      for (const middleware of [[], [ErrorMapping.middleware()]]) {
        const server = LowLevelServer.make({
          serverInfo: { name: "error-mapping-test", version: "1.0.0" },
          handlers: {
            "resources/read": (params) => {
              if (params.uri !== "test://revoked") return Effect.succeed({ contents: [{ uri: params.uri, text: "fine" }] })
              const { proxy, revoke } = Proxy.revocable({ _tag: "Gone" }, {})
              revoke()
              return leak(Effect.fail(proxy))
            }
          },
          middleware
        })
        const client = yield* serveLowLevel(server)
        // Fails before, without the middleware: -32000 "Connection closed" (reading the failure's _tag threw in the session)
        const error = yield* sdkError(() => client.readResource({ uri: "test://revoked" }, { timeout: 2_000 }))
        assert.strictEqual(error.code, -32603, `${middleware.length}`)
        const ok = yield* sdk(() => client.readResource({ uri: "test://ok" }, { timeout: 2_000 }))
        assert.deepStrictEqual(ok.contents, [{ uri: "test://ok", text: "fine" }])
      }
    }))

  it("byTag maps by _tag and leaves the rest unmapped", () => {
    const map = ErrorMapping.byTag({ Busy: () => McpError.invalidParams("busy") })
    assert.strictEqual(map(new Busy({ retryAfter: 1 }))?._tag, "InvalidParams")
    assert.isUndefined(map({ _tag: "Other" }))
    assert.isUndefined(map({ _tag: "toString" }))
    assert.isUndefined(map("Busy"))
    assert.isUndefined(map(null))
  })

  it("refuses an option no type checked, naming it, when it is made", () => {
    const make = (config: unknown) => () => ErrorMapping.middleware(config as ErrorMapping.Config)
    // Fails before: made, and a defect answered with { message: 500 }, which SDK clients refuse (no answer).
    assert.throws(make({ defectMessage: 500 }), TypeError, "ErrorMapping: defectMessage must be a string, not 500")
    assert.throws(make({ map: { Busy: () => undefined } }), TypeError, "ErrorMapping: map must be a function")
    assert.throws(make({ maskDefects: "false" }), TypeError, `ErrorMapping: maskDefects must be true or false, not "false"`)
    assert.throws(make(null), TypeError, "ErrorMapping: the configuration must be an object, not null")
    ErrorMapping.middleware({ map: busyMap, maskDefects: false, defectMessage: "Something broke" })
  })
})
