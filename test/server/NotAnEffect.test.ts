/**
 * A handler that returns no Effect, where types are not checked (an `async` function, a plain
 * value): run as an Effect, it died unnamed ("Fiber.runLoop: Not a valid effect"). A tool then
 * answered -32603 instead of the masked tool error its other defects get, and the log said
 * "tools/call failed" without naming the tool or what was wrong. Now it is the handler's defect,
 * answered as one (a tool's masked `isError` result, -32603 for a prompt or a resource template)
 * and logged naming the component; a static resource's `read` or a template's `list` that is not
 * an Effect fails the registration, naming it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { McpServer } from "../../src/index.ts"
import { serveBoth } from "./bothClients.ts"
import { startServer } from "./McpServerHarness.ts"

const Async = McpServer.tool({ name: "async_tool", handler: (async () => "done") as never })
const Plain = McpServer.tool({ name: "plain_tool", handler: (() => "done") as never })
const AsyncPrompt = McpServer.prompt({ name: "async_prompt", handler: (async () => "hi") as never })
const AsyncTemplate = McpServer.resourceTemplate({ uriTemplate: "x://t/{id}", name: "t", read: (async () => "text") as never })
const Rejecting = McpServer.tool({
  name: "rejecting_tool",
  handler: (async () => {
    throw new Error("tool rejected")
  }) as never
})
const RejectingPrompt = McpServer.prompt({
  name: "rejecting_prompt",
  handler: (async () => {
    throw new Error("prompt rejected")
  }) as never
})

describe("a handler that returns no Effect", () => {
  it.effect("a tool's is its masked tool error, logged naming the tool and a Promise", () =>
    Effect.gen(function*() {
      const { logged, v1, v2 } = yield* serveBoth(Layer.mergeAll(Async, Plain))
      for (const name of ["async_tool", "plain_tool"]) {
        const one = yield* Effect.promise(() => v1.callTool({ name, arguments: {} }))
        assert.deepStrictEqual(one, { content: [{ type: "text", text: `Tool ${name} failed: internal error` }], isError: true })
        const two = yield* Effect.promise(() => v2.callTool({ name, arguments: {} }))
        assert.deepStrictEqual(two.content, [{ type: "text", text: `Tool ${name} failed: internal error` }])
        assert.strictEqual(two.isError, true)
      }
      const log = logged.join("\n")
      assert.include(log, "Tool async_tool: the handler returned a Promise, not an Effect (an async function?")
      assert.include(log, "Tool plain_tool: the handler returned a string, not an Effect")
    }))

  it.effect("a prompt's or a template's read is -32603, logged naming it", () =>
    Effect.gen(function*() {
      const { logged, v1 } = yield* serveBoth(Layer.mergeAll(AsyncPrompt, AsyncTemplate))
      const prompt = yield* Effect.promise(() => v1.getPrompt({ name: "async_prompt" }).then(() => undefined, (error) => error))
      assert.strictEqual(prompt?.code, -32603)
      const read = yield* Effect.promise(() => v1.readResource({ uri: "x://t/1" }).then(() => undefined, (error) => error))
      assert.strictEqual(read?.code, -32603)
      const log = logged.join("\n")
      assert.include(log, "Prompt async_prompt: the handler returned a Promise, not an Effect")
      assert.include(log, "Resource template x://t/{id}: the handler returned a Promise, not an Effect")
    }))

  it.effect("a static resource's read or a template's list that is no Effect fails the registration", () =>
    Effect.gen(function*() {
      const bad = [
        [McpServer.resource({ uri: "x://r", name: "r", read: (() => Effect.succeed("x")) as never }), "Resource x://r: read must be an Effect, not a function"],
        [
          McpServer.resourceTemplate({ uriTemplate: "x://l/{id}", name: "l", read: () => Effect.succeed("x"), list: (async () => []) as never }),
          "Resource template x://l/{id}: list must be an Effect, not a function"
        ]
      ] as const
      for (const [layer, message] of bad) {
        const exit = yield* Effect.exit(Effect.scoped(startServer({}, layer)))
        assert.isTrue(Exit.isFailure(exit), message)
        assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", message)
      }
    }))

  // Fails before: the Promise an `async` handler returned was left as it was, so its rejection
  // was unhandled: Node's default (--unhandled-rejections=throw) ends the process, a stdio or HTTP
  // server with every session, for one call of a handler that throws.
  it.effect("an async handler that throws leaves no unhandled rejection (which would end the process)", () =>
    Effect.gen(function*() {
      const unhandled: Array<unknown> = []
      const onUnhandled = (reason: unknown) => unhandled.push(reason)
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("unhandledRejection", onUnhandled)),
        () => Effect.sync(() => process.off("unhandledRejection", onUnhandled))
      )
      const { logged, v1 } = yield* serveBoth(Layer.mergeAll(Rejecting, RejectingPrompt))
      const one = yield* Effect.promise(() => v1.callTool({ name: "rejecting_tool", arguments: {} }))
      assert.deepStrictEqual(one, { content: [{ type: "text", text: "Tool rejecting_tool failed: internal error" }], isError: true })
      const prompt = yield* Effect.promise(() => v1.getPrompt({ name: "rejecting_prompt" }).then(() => undefined, (error) => error))
      assert.strictEqual(prompt?.code, -32603)
      // Node reports an unhandled rejection once the microtasks after its turn have run: long past,
      // after two round trips; one more macrotask turn makes sure.
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      assert.deepStrictEqual(unhandled.map(String), [])
      assert.include(logged.join("\n"), "Tool rejecting_tool: the handler returned a Promise, not an Effect")
    }))
})
